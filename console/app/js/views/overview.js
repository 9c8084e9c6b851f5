// Every resource of the project by family, in the family's own words, live; filter, search,
// counts by state; actions per resource and BMS v1 batches on a selection of servers.

import { html, useState } from "../../vendor/preact-htm.js";
import { ACTIONS, BATCH_ACTIONS } from "../families.js";
import { may, useStore } from "../store.js";
import { ActionDialog, ResourceActions, StateBadge } from "../ui.js";

const FAMILIES = [
  ["mrs", "MRS cluster services", "cluster_service"],
  ["nova", "Servers (Nova / BMS)", "server"],
  ["dbss", "DB O&M instances (DBSS)", "dbom_instance"],
  ["live", "Media flows (Live)", "flow"],
];

function matches(r, q, family, state) {
  if (family && r.family !== family) return false;
  if (state && (r.status ?? r.state) !== state) return false;
  if (!q) return true;
  const hay = `${r.name} ${r.id} ${r.status ?? ""} ${r.state} ${r.cluster_name ?? ""}`.toLowerCase();
  return hay.includes(q.toLowerCase());
}

export function Overview() {
  const s = useStore();
  const [q, setQ] = useState("");
  const [family, setFamily] = useState("");
  const [state, setState] = useState("");
  const [selected, setSelected] = useState(new Set());
  const [dialog, setDialog] = useState(null);
  const all = [...s.resources.values()];
  const shown = all.filter((r) => matches(r, q, family, state));
  const counts = new Map();
  for (const r of all.filter((r) => matches(r, q, family, ""))) {
    const word = r.status ?? r.state;
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const batchable = BATCH_ACTIONS.filter((a) => may(a.permission));
  const chosen = all.filter((r) => selected.has(r.id));

  function toggle(id, on) {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  }

  const readOnly = !Object.values(ACTIONS).flat().some((a) => may(a.permission));
  return html`<section aria-labelledby="overview-title">
    <h1 id="overview-title">Resources <span class="muted">${s.session.project_name}</span></h1>
    ${readOnly && html`<p class="notice" data-testid="read-only">Read-only: your roles (${s.session.roles.join(", ") || "none"}) allow no actions in this project.</p>`}
    <div class="filters" role="search">
      <label>Search <input type="search" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} placeholder="name, id, state" /></label>
      <label>Family <select value=${family} onChange=${(e) => setFamily(e.currentTarget.value)}>
        <option value="">all</option>
        ${FAMILIES.map(([id, label]) => html`<option value=${id}>${label}</option>`)}
      </select></label>
      <div class="counts" aria-label="Counts by state">
        ${[...counts.entries()].sort().map(([word, n]) => html`<button type="button" class=${`chip ${state === word ? "on" : ""}`}
          aria-pressed=${state === word} onClick=${() => setState(state === word ? "" : word)}>${word} <b>${n}</b></button>`)}
      </div>
    </div>
    ${FAMILIES.map(([id, label, kind]) => {
      const rows = shown.filter((r) => r.family === id);
      if (!rows.length) return null;
      const batch = kind === "server" && batchable.length > 0;
      return html`<section class="family" data-family=${id} aria-label=${label}>
        <h2>${label} <span class="muted">${rows.length}</span></h2>
        ${batch && html`<div class="batch" aria-label="BMS batch">
          <span>${chosen.length} selected</span>
          ${batchable.map((a) => html`<button type="button" class="small" data-batch=${a.id} disabled=${!chosen.length}
            onClick=${() => setDialog({ resources: chosen, action: a, batch: true })}>${a.label}</button>`)}
        </div>`}
        <div class="table-wrap"><table>
          <thead><tr>${batch && html`<th><span class="sr-only">Select</span></th>`}<th>Name</th>${kind === "cluster_service" && html`<th>Cluster</th>`}<th>State</th><th>Task</th><th>Project</th><th>Actions</th></tr></thead>
          <tbody>${rows.map((r) => html`<tr data-resource=${r.name} key=${r.id}>
            ${batch && html`<td><input type="checkbox" aria-label=${`select ${r.name}`} checked=${selected.has(r.id)}
              onChange=${(e) => toggle(r.id, e.currentTarget.checked)} /></td>`}
            <td><span class="name">${r.name}</span><div class="id muted">${r.id}</div>${r.last_error && html`<div class="error small">${r.last_error}</div>`}</td>
            ${kind === "cluster_service" && html`<td><a href=${`#/clusters/${r.cluster_id}`}>${r.cluster_name ?? `cluster ${r.cluster_id}`}</a></td>`}
            <td><${StateBadge} resource=${r} /></td>
            <td>${r.active_task ? html`<a href=${`#/tasks/${r.active_task}`}>#${r.active_task}</a>` : "—"}</td>
            <td class="muted">${s.session.project_name}</td>
            <td><${ResourceActions} resource=${r} actions=${ACTIONS[kind]} may=${may}
              onAction=${(res, a) => setDialog({ resources: [res], action: a })} /></td>
          </tr>`)}</tbody>
        </table></div>
      </section>`;
    })}
    ${!shown.length && html`<p class="muted">No resource matches.</p>`}
    ${dialog && html`<${ActionDialog} ...${dialog} onClose=${() => setDialog(null)} />`}
  </section>`;
}
