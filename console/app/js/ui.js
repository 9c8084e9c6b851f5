// Small pieces every view uses: state badges, progress bars, times, the action dialog.

import { html, useEffect, useRef, useState } from "../vendor/preact-htm.js";
import { perform, performBatch, preview } from "./families.js";
import { store } from "./store.js";

export function navigate(hash) {
  window.location.hash = hash;
}

/** The engine's lifecycle word picks the colour; the family's own word is shown. */
export function StateBadge({ resource }) {
  return html`<span class="badge state-${resource.state}" data-state=${resource.state}>${resource.status ?? resource.state}</span>`;
}

export function TaskStateBadge({ state }) {
  return html`<span class="badge task-${state}">${state}</span>`;
}

/** A task's progress; the API reports it in percent (0–100). */
export function Progress({ value, state }) {
  const pct = Math.max(0, Math.min(100, Math.round(value ?? 0)));
  return html`<span class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct}>
    <progress class=${`task-${state}`} max="100" value=${pct}></progress><span class="pct">${pct}%</span>
  </span>`;
}

export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour12: false });
}

export function duration(startIso, endIso) {
  if (!startIso) return "—";
  const ms = (endIso ? Date.parse(endIso) : Date.now()) - Date.parse(startIso);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A modal confirmation built on <dialog>: focus is trapped and Escape closes it. */
export function Modal({ title, onClose, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    dialog.showModal();
    const cancel = (e) => {
      e.preventDefault();
      onClose();
    };
    dialog.addEventListener("cancel", cancel);
    return () => dialog.removeEventListener("cancel", cancel);
  }, []);
  return html`<dialog ref=${ref} class="modal" aria-labelledby="modal-title">
    <h2 id="modal-title">${title}</h2>
    ${children}
  </dialog>`;
}

/**
 * Confirms an action on one resource (or, with `batch`, a BMS v1 batch on several servers):
 * shows what the engine's plan will touch, then acts and opens the task.
 */
export function ActionDialog({ resources, action, batch, onClose }) {
  const mrs = !batch && resources[0].kind === "cluster_service";
  const [withDeps, setWithDeps] = useState(true);
  const [plan, setPlan] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const ids = resources.map((r) => r.id);

  useEffect(() => {
    setPlan(null);
    setError(null);
    preview(ids, action.engine, mrs ? withDeps : true)
      .then(setPlan)
      .catch((err) => setError(err.message));
  }, [withDeps]);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      const project = store.session.project_id;
      const task = batch
        ? await performBatch(resources, action, project)
        : await perform(resources[0], action, { withDeps, project });
      onClose();
      navigate(task ? `#/tasks/${task}` : "#/tasks");
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  }

  const names = resources.map((r) => r.name).join(", ");
  const title = `${action.label} ${batch ? `${resources.length} servers (BMS batch)` : names}`;
  return html`<${Modal} title=${title} onClose=${onClose}>
    ${mrs && html`<label class="check"><input type="checkbox" checked=${withDeps}
      onChange=${(e) => setWithDeps(e.currentTarget.checked)} /> with dependencies</label>`}
    <div class="plan" aria-live="polite">
      ${plan === null && !error && html`<p class="muted">Planning…</p>`}
      ${plan && plan.existing_task && html`<p>Already in flight as task ${plan.existing_task}: confirming follows it.</p>`}
      ${plan && !plan.steps.length && !plan.existing_task && html`<p>Nothing to do: everything is already in the wanted state.</p>`}
      ${plan && plan.steps.length > 0 && html`<p>The plan touches ${plan.steps.length} resource${plan.steps.length > 1 ? "s" : ""}, in this order:</p>
        <ol class="plan-steps">${plan.steps.map((s) => html`<li data-resource=${s.resource_name}>
          <strong>${s.action}</strong> ${s.resource_name}${s.mode === "follow" ? html` <span class="muted">(follows task ${s.follow_task})</span>` : ""}
          ${s.after.length > 0 && html` <span class="muted">after ${s.after.map((i) => plan.steps[i]?.resource_name).join(", ")}</span>`}
        </li>`)}</ol>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </div>
    <div class="buttons">
      <button type="button" onClick=${onClose}>Cancel</button>
      <button type="button" class="primary" disabled=${busy || (!plan && !error)} onClick=${confirm}>Confirm ${action.label.toLowerCase()}</button>
    </div>
  <//>`;
}

/** The action buttons this user may press on a resource; none for a reader. */
export function ResourceActions({ resource, actions, may, onAction }) {
  const allowed = actions.filter((a) => may(a.permission));
  if (!allowed.length) return null;
  return html`<span class="actions">${allowed.map((a) => html`<button type="button" class="small"
    data-action=${a.id} onClick=${() => onAction(resource, a)}>${a.label}</button>`)}</span>`;
}
