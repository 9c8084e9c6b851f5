// An MRS cluster's services as a layered DAG (dependencies below their dependents), laid out
// by dagre, coloured by state and live; a node opens its actions with the plan preview.

import { html, useMemo, useState } from "../../vendor/preact-htm.js";
import dagre from "../../vendor/dagre.js";
import { ACTIONS } from "../families.js";
import { may, useStore } from "../store.js";
import { ActionDialog, ResourceActions, StateBadge } from "../ui.js";

const NODE_W = 132;
const NODE_H = 46;

/** Positions for the services; recomputed only when the set of services or edges changes. */
function layout(services) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 22, ranksep: 54, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(services.map((s) => s.id));
  for (const s of services) g.setNode(s.id, { width: NODE_W, height: NODE_H });
  for (const s of services) {
    for (const dep of s.depends_on ?? []) if (ids.has(dep)) g.setEdge(s.id, dep);
  }
  dagre.layout(g);
  const nodes = new Map(g.nodes().map((id) => [id, g.node(id)]));
  const edges = g.edges().map((e) => ({ from: e.v, to: e.w, points: g.edge(e).points }));
  const { width, height } = g.graph();
  return { nodes, edges, width, height };
}

/** A smooth path through dagre's edge points: straight to the first midpoint, then quadratic
 * curves with each inner point as the control point. */
function pathOf(points) {
  const f = (p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  const mid = (a, b) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
  if (points.length < 3) return `M${points.map(f).join(" L")}`;
  let d = `M${f(points[0])} L${f(mid(points[0], points[1]))}`;
  for (let i = 1; i < points.length - 1; i += 1) d += ` Q${f(points[i])} ${f(mid(points[i], points[i + 1]))}`;
  return `${d} L${f(points[points.length - 1])}`;
}

function Node({ service, box, selected, onSelect }) {
  const x = box.x - NODE_W / 2;
  const y = box.y - NODE_H / 2;
  const word = service.status ?? service.state;
  const activate = (e) => {
    if (e.type === "click" || e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      onSelect(service.id);
    }
  };
  return html`<g class=${`node state-${service.state}${selected ? " selected" : ""}`} transform=${`translate(${x},${y})`}
    tabindex="0" role="button" aria-pressed=${selected} aria-label=${`${service.name}: ${word}`}
    data-node=${service.name} data-state=${service.state} onClick=${activate} onKeyDown=${activate}>
    <rect width=${NODE_W} height=${NODE_H} rx="7" />
    <text x=${NODE_W / 2} y="19" class="node-name">${service.name}</text>
    <text x=${NODE_W / 2} y="36" class="node-state">${word}</text>
  </g>`;
}

export function Cluster({ id }) {
  const s = useStore();
  const [picked, setPicked] = useState(null);
  const [dialog, setDialog] = useState(null);
  const services = [...s.resources.values()].filter((r) => r.kind === "cluster_service" && String(r.cluster_id) === String(id));
  const topology = services.map((r) => `${r.id}>${(r.depends_on ?? []).join(",")}`).join(";");
  const graph = useMemo(() => layout(services), [topology]);
  if (!services.length) {
    return html`<section><h1>Cluster ${id}</h1><p class="muted">No such cluster in this project.</p></section>`;
  }
  const byId = new Map(services.map((r) => [r.id, r]));
  const chosen = picked && byId.get(picked);
  const name = services[0].cluster_name ?? `cluster ${id}`;
  return html`<section class="cluster" aria-labelledby="cluster-title">
    <h1 id="cluster-title">${name} <span class="muted">MRS cluster ${id} · ${services.length} services</span></h1>
    <p class="muted">Dependencies are drawn below the services that need them. Select a service for its actions.</p>
    <div class="cluster-body">
      <div class="graph-wrap">
        <svg class="graph" viewBox=${`0 0 ${graph.width} ${graph.height}`} width=${graph.width} height=${graph.height}
          role="group" aria-label="Service dependency graph">
          <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="arrow" /></marker></defs>
          ${graph.edges.map((e) => html`<path class=${`edge${picked && (e.from === picked || e.to === picked) ? " hot" : ""}`}
            d=${pathOf(e.points)} marker-end="url(#arrow)" />`)}
          ${services.map((svc) => graph.nodes.get(svc.id) && html`<${Node} key=${svc.id} service=${svc}
            box=${graph.nodes.get(svc.id)} selected=${svc.id === picked} onSelect=${setPicked} />`)}
        </svg>
      </div>
      <aside class="panel" aria-live="polite" data-testid="node-panel">
        ${chosen ? html`
          <h2>${chosen.name}</h2>
          <p><${StateBadge} resource=${chosen} /></p>
          <p class="muted">Depends on: ${(chosen.depends_on ?? []).map((d) => byId.get(d)?.name ?? d).join(", ") || "nothing"}</p>
          ${chosen.active_task && html`<p>Task <a href=${`#/tasks/${chosen.active_task}`}>#${chosen.active_task}</a> is running on it.</p>`}
          ${chosen.last_error && html`<p class="error">${chosen.last_error}</p>`}
          <${ResourceActions} resource=${chosen} actions=${ACTIONS.cluster_service} may=${may}
            onAction=${(r, a) => setDialog({ resources: [r], action: a })} />
        ` : html`<p class="muted">No service selected.</p>`}
      </aside>
    </div>
    ${dialog && html`<${ActionDialog} ...${dialog} onClose=${() => setDialog(null)} />`}
  </section>`;
}
