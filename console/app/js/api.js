// The console's HTTP client: the same APIs the CLI and the SDKs use, with a token kept for this
// tab only (sessionStorage), never in a cookie, so no other site can act with it.

const TOKEN_KEY = "switchboard.token";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** The message of an error in any family's own envelope. */
export function messageOf(body, status) {
  if (!body || typeof body !== "object") return `HTTP ${status}`;
  if (body.error && typeof body.error === "object") {
    const e = body.error; // native, Keystone, BMS v1
    return e.code && typeof e.code === "string" && e.message ? `${e.message} (${e.code})` : e.message || `HTTP ${status}`;
  }
  if (body.error_description) return `${body.error_description} (${body.error_code})`; // MRS
  if (body.error_msg) return `${body.error_msg} (${body.error_code})`; // DBSS, Live
  const fault = Object.values(body).find((v) => v && typeof v === "object" && v.message); // Nova
  return fault ? fault.message : `HTTP ${status}`;
}

/** One request; resolves to {body, headers}, rejects with ApiError (status 0: unreachable). */
export async function request(method, path, body, { signal } = {}) {
  const headers = { Accept: "application/json" };
  const t = token();
  if (t) headers["X-Auth-Token"] = t;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: "omit",
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "the server cannot be reached");
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    if (response.status === 401 && t && !path.startsWith("/v3/auth/tokens")) {
      forgetToken();
      window.dispatchEvent(new Event("switchboard:signed-out"));
    }
    throw new ApiError(response.status, messageOf(parsed, response.status));
  }
  return { body: parsed, headers: response.headers };
}

export const get = async (path, opts) => (await request("GET", path, undefined, opts)).body;

/** Keystone password login scoped to a project (by name in the user's domain, or the first). */
export async function login(user, password, domain, project) {
  const identity = {
    methods: ["password"],
    password: { user: { name: user, domain: { name: domain }, password } },
  };
  const auth = { identity };
  if (project) auth.scope = { project: { name: project, domain: { name: domain } } };
  const { body, headers } = await request("POST", "/v3/auth/tokens", { auth });
  let issued = headers.get("X-Subject-Token");
  if (!body.token.project) {
    // Unscoped: take the first project the user may use, as the CLI does.
    sessionStorage.setItem(TOKEN_KEY, issued);
    const { projects } = await get("/v3/auth/projects");
    forgetToken();
    if (!projects.length) throw new ApiError(403, "this user has no role in any project");
    auth.scope = { project: { id: projects[0].id } };
    issued = (await request("POST", "/v3/auth/tokens", { auth })).headers.get("X-Subject-Token");
  }
  sessionStorage.setItem(TOKEN_KEY, issued);
}

/** Revokes the token (best effort) and forgets it. */
export async function logout() {
  const t = token();
  if (t) {
    try {
      await fetch("/v3/auth/tokens", {
        method: "DELETE",
        headers: { "X-Auth-Token": t, "X-Subject-Token": t },
        credentials: "omit",
      });
    } catch {
      // The token is forgotten either way.
    }
  }
  forgetToken();
}
