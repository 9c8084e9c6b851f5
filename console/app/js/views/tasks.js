// The project's tasks, newest first, with live progress bars.

import { html, useState } from "../../vendor/preact-htm.js";
import { useStore } from "../store.js";
import { Progress, TaskStateBadge, navigate, when } from "../ui.js";

const STATES = ["", "NEW", "IN_PROGRESS", "COMPLETE", "FAILED", "CANCELLED"];

export function targetName(store, task) {
  return store.resources.get(task.target)?.name ?? task.target ?? "—";
}

export function Tasks() {
  const s = useStore();
  const [state, setState] = useState("");
  const tasks = [...s.tasks.values()]
    .filter((t) => !state || t.state === state)
    .sort((a, b) => b.id - a.id);
  return html`<section aria-labelledby="tasks-title">
    <h1 id="tasks-title">Tasks</h1>
    <div class="filters"><label>State <select value=${state} onChange=${(e) => setState(e.currentTarget.value)}>
      ${STATES.map((v) => html`<option value=${v}>${v || "all"}</option>`)}</select></label></div>
    <div class="table-wrap"><table class="tasks">
      <thead><tr><th>Task</th><th>Operation</th><th>Target</th><th>State</th><th>Progress</th><th>By</th><th>Created</th><th>Finished</th></tr></thead>
      <tbody>${tasks.map((t) => html`<tr key=${t.id} data-task=${t.id} class="clickable" onClick=${() => navigate(`#/tasks/${t.id}`)}>
        <td><a href=${`#/tasks/${t.id}`}>#${t.id}</a></td>
        <td>${t.kind} ${t.action}${t.only_self ? "" : html` <span class="muted">with deps</span>`}</td>
        <td>${targetName(s, t)}</td>
        <td><${TaskStateBadge} state=${t.state} /></td>
        <td><${Progress} value=${t.progress} state=${t.state} /></td>
        <td class="muted">${t.principal}</td>
        <td>${when(t.created_at)}</td>
        <td>${when(t.finished_at)}</td>
      </tr>`)}</tbody>
    </table></div>
    ${!tasks.length && html`<p class="muted">No tasks yet.</p>`}
  </section>`;
}
