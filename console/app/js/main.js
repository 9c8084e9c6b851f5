// The console's entry point: sign-in gate, navigation and the hash router.

import { html, render, useEffect, useState } from "../vendor/preact-htm.js";
import { forgetToken, logout, token } from "./api.js";
import { begin, end, may, useStore } from "./store.js";
import { Login } from "./views/login.js";
import { Overview } from "./views/overview.js";
import { Cluster } from "./views/cluster.js";
import { Tasks } from "./views/tasks.js";
import { TaskPage } from "./views/task.js";
import { Audit } from "./views/audit.js";

function useRoute() {
  const [hash, setHash] = useState(window.location.hash || "#/");
  useEffect(() => {
    const update = () => setHash(window.location.hash || "#/");
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return hash.slice(1).split("/").filter(Boolean).map(decodeURIComponent);
}

function route(parts) {
  switch (parts[0]) {
    case "clusters":
      return html`<${Cluster} id=${parts[1]} />`;
    case "tasks":
      return parts[1] ? html`<${TaskPage} id=${parts[1]} />` : html`<${Tasks} />`;
    case "audit":
      return html`<${Audit} />`;
    default:
      return html`<${Overview} />`;
  }
}

// Each page with the permission its reads need: a page the user may not read is not offered.
const LINKS = [
  ["#/", "Resources", "", "switchboard:resource:list"],
  ["#/tasks", "Tasks", "tasks", "switchboard:task:list"],
  ["#/audit", "Audit", "audit", "switchboard:audit:list"],
];

const LINK_WORDS = {
  live: "live",
  connecting: "connecting…",
  reconnecting: "reconnecting…",
  unavailable: "not live (switchboard:event:list is not allowed)",
};

function Shell({ parts }) {
  const s = useStore();
  const session = s.session;
  const here = parts[0] === "clusters" ? "" : parts[0] ?? "";
  return html`<header class="top">
      <a class="brand" href="#/">Switchboard</a>
      <nav aria-label="Main">${LINKS.filter((l) => may(l[3])).map(([href, label, key]) => html`<a href=${href}
        aria-current=${here === key ? "page" : undefined}>${label}</a>`)}</nav>
      <span class=${`link link-${s.link}`} role="status" data-link=${s.link}
        title="The event stream that keeps this page live">${LINK_WORDS[s.link] ?? s.link}</span>
      <span class="who" data-testid="who">${session.user_name} · ${session.project_name} · ${session.roles.join(", ") || "no role"}</span>
      <button type="button" class="small" onClick=${signOut}>Log out</button>
    </header>
    <main id="main">${route(parts)}</main>`;
}

async function signOut() {
  end();
  await logout();
  window.dispatchEvent(new Event("switchboard:signed-out"));
}

function App() {
  const parts = useRoute();
  const s = useStore();
  const [signedIn, setSignedIn] = useState(Boolean(token()));
  const [error, setError] = useState(null);

  useEffect(() => {
    const out = () => {
      end();
      setSignedIn(false);
    };
    window.addEventListener("switchboard:signed-out", out);
    return () => window.removeEventListener("switchboard:signed-out", out);
  }, []);

  useEffect(() => {
    if (signedIn && !s.session) {
      begin().catch((err) => {
        forgetToken();
        setError(err.message);
        setSignedIn(false);
      });
    }
  }, [signedIn]);

  if (!signedIn) return html`<${Login} error=${error} onSignedIn=${() => { setError(null); setSignedIn(true); }} />`;
  if (!s.session) return html`<p class="loading">Loading…</p>`;
  return html`<${Shell} parts=${parts} />`;
}

const root = document.getElementById("app");
root.textContent = ""; // the static "Loading…" placeholder
render(html`<${App} />`, root);
