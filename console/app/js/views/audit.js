// The audit trail, filtered on the server by principal, action, resource and time.

import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import { get } from "../api.js";

const PAGE = 50;
const FIELDS = [
  ["principal", "Principal", "admin@default"],
  ["action", "Action", "mrs:service:* or exact"],
  ["target", "Resource", "id or name"],
];

function toIso(local) {
  if (!local) return null;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function Audit() {
  const [filter, setFilter] = useState({});
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
    setError(null);
    get(`/switchboard/v1/audit?${q}`)
      .then(setPage)
      .catch((err) => setError(err.message));
  }, [filter, offset]);

  function submit(e) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setOffset(0);
    setFilter({
      principal: f.get("principal").trim(),
      action: f.get("action").trim(),
      target: f.get("target").trim(),
      since: toIso(f.get("since")),
      until: toIso(f.get("until")),
    });
  }

  const records = page?.records ?? [];
  return html`<section aria-labelledby="audit-title">
    <h1 id="audit-title">Audit trail</h1>
    <form class="filters" onSubmit=${submit} role="search">
      ${FIELDS.map(([name, label, hint]) => html`<label>${label} <input name=${name} placeholder=${hint} /></label>`)}
      <label>Since <input name="since" type="datetime-local" step="1" /></label>
      <label>Until <input name="until" type="datetime-local" step="1" /></label>
      <button type="submit">Filter</button>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="table-wrap"><table class="audit">
      <thead><tr><th>When</th><th>Principal</th><th>Action</th><th>Resource</th><th>Outcome</th><th>Source</th><th>Request</th></tr></thead>
      <tbody>${records.map((a) => html`<tr key=${a.id} data-action=${a.action}>
        <td>${new Date(a.at).toLocaleString([], { hour12: false })}</td><td>${a.principal}</td><td>${a.action}</td>
        <td>${a.target ?? "—"}</td><td><span class=${`badge outcome-${a.outcome.split(/[:\s]/)[0]}`}>${a.outcome}</span>${a.detail && html`<div class="muted small">${typeof a.detail === "string" ? a.detail : JSON.stringify(a.detail)}</div>`}</td>
        <td class="muted">${a.source ?? "—"}</td><td class="muted">${a.request_id ?? "—"}</td>
      </tr>`)}</tbody>
    </table></div>
    ${page && !records.length && html`<p class="muted">No record matches.</p>`}
    <div class="pager">
      <button type="button" disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE))}>Newer</button>
      <button type="button" disabled=${records.length < PAGE} onClick=${() => setOffset(offset + PAGE)}>Older</button>
    </div>
  </section>`;
}
