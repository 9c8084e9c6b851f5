// One task: its steps as a timeline (parallel steps side by side), each step's state,
// attempts, times, error and output; cancel.

import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import { request } from "../api.js";
import { loadTask, may, useStore } from "../store.js";
import { Modal, Progress, TaskStateBadge, duration, when } from "../ui.js";
import { targetName } from "./tasks.js";

const TERMINAL = new Set(["COMPLETE", "FAILED", "CANCELLED"]);

/** Re-renders every second while something runs, so running bars grow. */
function useTicker(active) {
  const [, setNow] = useState(0);
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
}

function Timeline({ task }) {
  const steps = task.steps ?? [];
  const times = steps.flatMap((st) => [st.started_at, st.finished_at]).filter(Boolean).map(Date.parse);
  const start = Math.min(Date.parse(task.created_at), ...times);
  const running = steps.some((st) => st.started_at && !st.finished_at);
  const end = Math.max(start + 1, ...times, running ? Date.now() : 0, task.finished_at ? Date.parse(task.finished_at) : 0);
  const span = end - start;
  const pct = (t) => `${(((t - start) / span) * 100).toFixed(2)}%`;
  return html`<div class="timeline" role="list" aria-label="Steps over time">
    ${steps.map((st) => {
      const from = st.started_at ? Date.parse(st.started_at) : null;
      const to = st.finished_at ? Date.parse(st.finished_at) : from !== null ? Date.now() : null;
      return html`<div class="lane" role="listitem" data-step=${st.resource_name}>
        <span class="lane-label">${st.index}. ${st.action} ${st.resource_name}</span>
        <span class="lane-track">${from !== null && html`<span class=${`bar step-${st.state}`}
          style=${{ left: pct(from), width: `max(3px, calc(${pct(to)} - ${pct(from)}))` }}
          title=${`${st.state}: ${when(st.started_at)} – ${when(st.finished_at)}`}></span>`}</span>
      </div>`;
    })}
    <div class="lane axis"><span class="lane-label"></span><span class="lane-track"><span class="tick-start">0 s</span><span class="tick-end">${(span / 1000).toFixed(1)} s</span></span></div>
  </div>`;
}

export function TaskPage({ id }) {
  const s = useStore();
  const [error, setError] = useState(null);
  const [confirm, setConfirm] = useState(false);
  useEffect(() => {
    setError(null);
    loadTask(id).catch((err) => setError(err.message));
  }, [id, s.link === "live"]);
  const task = s.tasks.get(Number(id));
  useTicker(task && !TERMINAL.has(task.state));
  if (error && !task) return html`<section><h1>Task ${id}</h1><p class="error" role="alert">${error}</p></section>`;
  if (!task) return html`<p class="loading">Loading task ${id}…</p>`;

  async function cancel() {
    setConfirm(false);
    try {
      await request("POST", `/switchboard/v1/tasks/${task.id}/cancel`);
    } catch (err) {
      setError(err.message);
    }
  }

  const canCancel = !TERMINAL.has(task.state) && may("switchboard:task:cancel");
  return html`<section class="task" aria-labelledby="task-title" data-task-state=${task.state}>
    <h1 id="task-title">Task #${task.id} <${TaskStateBadge} state=${task.state} /></h1>
    <dl class="facts">
      <dt>Operation</dt><dd>${task.kind} ${task.action} ${targetName(s, task)}${task.only_self ? "" : " with dependencies"}</dd>
      <dt>Progress</dt><dd><${Progress} value=${task.progress} state=${task.state} /></dd>
      <dt>By</dt><dd>${task.principal} <span class="muted">request ${task.request_id}</span></dd>
      <dt>Created</dt><dd>${when(task.created_at)}</dd>
      <dt>Finished</dt><dd>${when(task.finished_at)}</dd>
      ${task.error && html`<dt>Error</dt><dd class="error" data-testid="task-error">${task.error}</dd>`}
    </dl>
    ${canCancel && html`<p><button type="button" class="danger" onClick=${() => setConfirm(true)}>Cancel task</button></p>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <h2>Timeline</h2>
    <${Timeline} task=${task} />
    <h2>Steps</h2>
    <div class="table-wrap"><table class="steps">
      <thead><tr><th>#</th><th>Resource</th><th>Action</th><th>State</th><th>Attempts</th><th>Started</th><th>Finished</th><th>Took</th><th>Error / output</th></tr></thead>
      <tbody>${(task.steps ?? []).map((st) => html`<tr data-step=${st.resource_name} data-state=${st.state}>
        <td>${st.index}</td><td>${st.resource_name}</td><td>${st.action}${st.follows_task ? html` <span class="muted">follows #${st.follows_task}</span>` : ""}</td>
        <td><span class=${`badge step-${st.state}`}>${st.state}</span></td><td>${st.attempts}</td>
        <td class="started">${when(st.started_at)}</td><td class="finished">${when(st.finished_at)}</td>
        <td>${st.started_at ? duration(st.started_at, st.finished_at) : "—"}</td>
        <td>${st.error && html`<div class="error step-error">${st.error}</div>`}${st.output && html`<pre class="output">${st.output}</pre>`}</td>
      </tr>`)}</tbody>
    </table></div>
    ${confirm && html`<${Modal} title=${`Cancel task #${task.id}?`} onClose=${() => setConfirm(false)}>
      <p>Steps not yet started are skipped; a running step is stopped where its driver allows.</p>
      <div class="buttons"><button type="button" onClick=${() => setConfirm(false)}>Keep running</button>
      <button type="button" class="danger" onClick=${cancel}>Cancel task</button></div>
    <//>`}
  </section>`;
}
