// What the page knows: the signed-in session, the project's resources and recent tasks, and the
// event stream's state. Views subscribe; events from the stream patch it in place, so nothing
// polls. Events that arrive while a list loads are replayed over it (they carry whole objects,
// so applying one twice is harmless).

import { get } from "./api.js";
import { openEvents } from "./events.js";
import { useEffect, useState } from "../vendor/preact-htm.js";

const TASK_PAGE = 100;

export const store = {
  session: null,
  resources: new Map(),
  tasks: new Map(),
  link: "connecting",
  version: 0,
};

const listeners = new Set();
let closeEvents = null;
let pending = null; // events buffered while lists load

function changed() {
  store.version += 1;
  for (const listener of listeners) listener(store.version);
}

/** Re-renders the calling component whenever the store changes. */
export function useStore() {
  const [, setVersion] = useState(store.version);
  useEffect(() => {
    listeners.add(setVersion);
    return () => listeners.delete(setVersion);
  }, []);
  return store;
}

export function may(action) {
  return Boolean(store.session?.permissions?.[action]);
}

/** Starts a signed-in session: who we are, the event stream, then the lists. */
export async function begin() {
  const { session } = await get("/switchboard/v1/session");
  store.session = session;
  changed();
  if (!may("switchboard:event:list")) {
    // Without the stream the page cannot be live: read once and say so.
    store.link = "unavailable";
    await reload();
    return;
  }
  closeEvents = openEvents({
    onEvent: (e) => (pending ? pending.push(e) : apply(e)),
    onStatus: (link) => {
      store.link = link;
      changed();
    },
    onOpen: (resumed) => {
      if (!resumed) reload();
    },
    onGap: () => reload(),
  });
}

export function end() {
  closeEvents?.();
  closeEvents = null;
  store.session = null;
  store.resources = new Map();
  store.tasks = new Map();
  changed();
}

/** Every page of the project's resources (the list is paged: follow `next_marker`). */
async function allResources() {
  const resources = [];
  let marker = null;
  do {
    const q = marker ? `&marker=${encodeURIComponent(marker)}` : "";
    const page = await get(`/switchboard/v1/resources?limit=1000${q}`);
    resources.push(...page.resources);
    marker = page.next_marker ?? null;
  } while (marker);
  return { resources };
}

/** Reads the resources and the newest tasks afresh. */
export async function reload() {
  pending = [];
  try {
    // A list the user may not read stays empty rather than failing the page.
    const [{ resources }, { tasks }] = await Promise.all([
      may("switchboard:resource:list") ? allResources() : { resources: [] },
      may("switchboard:task:list") ? get(`/switchboard/v1/tasks?limit=${TASK_PAGE}`) : { tasks: [] },
    ]);
    store.resources = new Map(resources.map((r) => [r.id, r]));
    const known = store.tasks;
    store.tasks = new Map(tasks.map((t) => [t.id, { ...known.get(t.id), ...t }]));
    const buffered = pending;
    pending = null;
    buffered.forEach(apply);
  } catch (err) {
    pending = null;
    console.error("reload failed", err);
  } finally {
    changed();
  }
}

/** Loads one task with its steps (a task page). */
export async function loadTask(id) {
  const task = await get(`/switchboard/v1/tasks/${encodeURIComponent(id)}`);
  store.tasks.set(task.id, task);
  changed();
  return task;
}

function mergeTask(task) {
  const known = store.tasks.get(task.id);
  store.tasks.set(task.id, { ...known, ...task, steps: task.steps ?? known?.steps });
}

function apply(event) {
  switch (event.type) {
    case "resource.state": {
      const r = event.resource;
      const known = store.resources.get(r.id) ?? {};
      store.resources.set(r.id, {
        ...known,
        ...r,
        active_task: r.task_id ?? null,
        last_error: r.error ?? null,
      });
      break;
    }
    case "task.created":
    case "task.finished":
      mergeTask(event.task);
      break;
    case "task.progress": {
      const t = store.tasks.get(event.task_id);
      if (t) store.tasks.set(t.id, { ...t, progress: event.progress });
      break;
    }
    case "step.started":
    case "step.finished":
    case "step.retrying": {
      const t = store.tasks.get(event.task_id);
      if (t?.steps) {
        const steps = t.steps.slice();
        steps[event.step.index] = { ...steps[event.step.index], ...event.step };
        store.tasks.set(t.id, { ...t, steps });
      }
      break;
    }
    default:
      return;
  }
  changed();
}
