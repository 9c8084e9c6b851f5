//! DevStack's layout: Keystone is also served under `/identity` and Nova under `/compute`. The
//! nested routers run inside `layer`, so links a handler renders follow the prefix the request
//! came in on without every handler taking it as a parameter.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Where Keystone is nested (besides the root).
pub const IDENTITY: &str = "/identity";
/// Where Nova is nested (besides the root).
pub const COMPUTE: &str = "/compute";

tokio::task_local! {
    static PREFIX: &'static str;
}

/// The prefix of the current request's route group: `""` at the root, `/identity` or `/compute`.
pub fn current() -> &'static str {
    PREFIX.try_with(|p| *p).unwrap_or("")
}

/// Middleware of a nested group: handlers below see `prefix` as `current()`.
pub async fn scope(prefix: &'static str, req: Request, next: Next) -> Response {
    PREFIX.scope(prefix, next.run(req)).await
}

/// The URL a link of the current request's group starts with: this server's public URL and the
/// group's prefix (`http://host/compute` under `/compute`, `http://host` at the root).
pub fn base(state: &crate::AppState, headers: &axum::http::HeaderMap) -> String {
    format!("{}{}", crate::iam::public_url(state, headers), current())
}
