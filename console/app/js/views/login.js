// Sign-in with the API's own users and passwords (Keystone v3, project scoped).

import { html, useState } from "../../vendor/preact-htm.js";
import { login } from "../api.js";

export function Login({ error: initial, onSignedIn }) {
  const [error, setError] = useState(initial);
  const [busy, setBusy] = useState(false);

  async function submit(e) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await login(f.get("user"), f.get("password"), f.get("domain") || "switchboard", f.get("project") || null);
      onSignedIn();
    } catch (err) {
      setError(err.status === 401 ? "Wrong user name or password." : err.message);
      setBusy(false);
    }
  }

  return html`<main class="login">
    <form onSubmit=${submit} aria-labelledby="login-title">
      <h1 id="login-title">Switchboard</h1>
      <label>User <input name="user" autocomplete="username" required autofocus /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      <details>
        <summary>Domain and project</summary>
        <label>Domain <input name="domain" placeholder="switchboard" /></label>
        <label>Project <input name="project" placeholder="the user's first project" /></label>
      </details>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button type="submit" class="primary" disabled=${busy}>${busy ? "Signing in…" : "Sign in"}</button>
      <p class="muted small-print">The token is kept for this tab only.</p>
    </form>
  </main>`;
}
