//! The web console: the static files of `console/app/`, served under `/console/`.
//!
//! Release builds embed the files at compile time; debug builds read them from disk (rust-embed
//! without `debug-embed`), so edits to the console show without a rebuild. Every answer carries
//! a strict Content-Security-Policy (no inline script or style, nothing from elsewhere) and the
//! usual framing and sniffing guards. File names are not content-hashed, so the cache must
//! revalidate every time: `Cache-Control: no-cache` with an `ETag` (the file's SHA-256).
//!
//! Browsers asking `GET /` for a page (`Accept` naming `text/html`) are sent here; every other
//! `GET /` keeps Keystone's version document, which API clients depend on.

use crate::gateway::GatewayError;
use crate::native::NativeError;
use crate::AppState;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

/// Where the console lives.
pub const PREFIX: &str = "/console/";

/// The policy every console answer carries: only this origin's scripts, styles, images and
/// API; no inline code, no plugins, no framing, no forms posting elsewhere.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                       img-src 'self' data:; connect-src 'self'; font-src 'self'; \
                       base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

#[derive(RustEmbed)]
#[folder = "../../console/app/"]
struct Assets;

/// `GET /console`: the console's address ends with a slash (its relative links resolve there).
#[utoipa::path(
    get,
    path = "/console",
    tag = "Console",
    security(()),
    responses(
        (status = 308, description = "To `/console/`", headers(("Location" = String))),
        (status = 404, description = "The console is disabled (`[console] enabled = false`)"),
    )
)]
pub async fn redirect(State(state): State<AppState>) -> Response {
    if !state.config.console {
        return GatewayError::not_found().into_response();
    }
    guarded((StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, PREFIX)]).into_response())
}

/// `GET /console/`: the console's page.
#[utoipa::path(
    get,
    path = "/console/",
    tag = "Console",
    security(()),
    params(("If-None-Match" = Option<String>, Header, description = "An ETag seen before")),
    responses(
        (status = 200, description = "The console's page", content_type = "text/html; charset=utf-8", body = String,
         headers(("ETag" = String), ("Cache-Control" = String), ("Content-Security-Policy" = String))),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 404, description = "The console is disabled"),
    )
)]
pub async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    serve(&state, "index.html", &headers)
}

/// `GET /console/{path}`: one of the console's files (scripts, styles, images, licences).
#[utoipa::path(
    get,
    path = "/console/{path}",
    tag = "Console",
    security(()),
    params(
        ("path" = String, Path, description = "The file, relative to the console (`js/app.js`)"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag seen before"),
    ),
    responses(
        (status = 200, description = "The file, with its content type", content_type = "text/javascript; charset=utf-8", body = String,
         headers(("ETag" = String), ("Cache-Control" = String), ("Content-Security-Policy" = String))),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 404, description = "No such file (or the console is disabled): a JSON error"),
    )
)]
pub async fn asset(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    serve(&state, &path, &headers)
}

/// Route layer of `GET /`: a browser's navigation goes to the console, anyone else through.
pub async fn browsers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let navigation = matches!(*req.method(), Method::GET | Method::HEAD)
        && state.config.console
        && accepts_html(req.headers());
    if navigation {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, PREFIX)]).into_response();
    }
    next.run(req).await
}

/// Whether `Accept` names `text/html` itself (not just `*/*`) with a quality above zero.
fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                let p = p.trim();
                p.strip_prefix("q=")
                    .or_else(|| p.strip_prefix("Q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            media.eq_ignore_ascii_case("text/html") && !refused
        })
}

/// The file at `path` (relative to the console), or a 404.
fn serve(state: &AppState, path: &str, headers: &HeaderMap) -> Response {
    if !state.config.console {
        return GatewayError::not_found().into_response();
    }
    let missing = || guarded(NativeError::not_found("No such console file.").into_response());
    if !is_plain(path) {
        return missing();
    }
    let Some(file) = Assets::get(path) else {
        return missing();
    };
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let Ok(etag) = HeaderValue::from_str(&etag) else {
        return missing();
    };
    let cache = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    if matches_etag(headers, &etag) {
        return guarded((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let kind = HeaderValue::from_static(content_type(path));
    guarded(
        (
            cache,
            [(header::CONTENT_TYPE, kind)],
            file.data.into_owned(),
        )
            .into_response(),
    )
}

/// A relative path of plain segments: no `.`/`..`, no empty segment (`//`, a leading `/`), no
/// backslash or NUL, no hidden file. rust-embed's keys are exact anyway; in debug builds it
/// reads the disk, so nothing that could step outside the folder gets that far.
fn is_plain(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|s| !s.is_empty() && !s.starts_with('.'))
}

/// Whether `If-None-Match` names `etag` (or is `*`); weak tags compare by their value.
fn matches_etag(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.to_str().unwrap_or("");
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == ours)
}

/// The content type of a console file, by its extension.
fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `response` with the console's security headers.
fn guarded(mut response: Response) -> Response {
    let h = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    h.insert(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_looked_up() {
        for ok in ["index.html", "js/app.js", "vendor/LICENSE.dagre.txt"] {
            assert!(is_plain(ok), "{ok}");
        }
        for bad in [
            "",
            "../Cargo.toml",
            "js/../../x",
            "./index.html",
            "/etc/passwd",
            "js//app.js",
            "js\\..\\x",
            ".git/config",
            "a\0b",
        ] {
            assert!(!is_plain(bad), "{bad:?}");
        }
    }

    #[test]
    fn html_is_recognised_only_where_accept_names_it() {
        let accept = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
            accepts_html(&h)
        };
        assert!(accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ));
        assert!(accept("Text/HTML"));
        assert!(!accept("*/*"));
        assert!(!accept("application/json"));
        assert!(!accept("text/html;q=0, application/json"));
        assert!(!accepts_html(&HeaderMap::new()));
    }

    #[test]
    fn content_types_follow_the_extension() {
        for (path, kind) in [
            ("index.html", "text/html; charset=utf-8"),
            ("js/app.js", "text/javascript; charset=utf-8"),
            ("js/app.MJS", "text/javascript; charset=utf-8"),
            ("css/app.css", "text/css; charset=utf-8"),
            ("img/logo.svg", "image/svg+xml"),
            ("img/shot.png", "image/png"),
            ("data/x.json", "application/json"),
            ("vendor/LICENSE.dagre.txt", "text/plain; charset=utf-8"),
            ("vendor/LICENSE", "application/octet-stream"),
        ] {
            assert_eq!(content_type(path), kind, "{path}");
        }
    }

    #[test]
    fn etags_match_strong_weak_and_star() {
        let tag = HeaderValue::from_static("\"ab\"");
        let ask = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(v).unwrap());
            matches_etag(&h, &tag)
        };
        assert!(ask("\"ab\""));
        assert!(ask("\"x\", W/\"ab\""));
        assert!(ask("*"));
        assert!(!ask("\"abc\""));
    }
}
