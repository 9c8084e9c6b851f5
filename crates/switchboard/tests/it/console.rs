//! The web console over HTTP: its page and files with their types, the security headers and
//! revalidation, nothing outside `console/app/` reachable, browsers (and only browsers) sent to
//! it from `/`, and `[console] enabled = false`.

use crate::common;

use common::TestServer;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn app_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../console/app")
}

/// Some file of the console with extension `ext`, as (path relative to the app, its bytes).
fn some_file(ext: &str) -> (String, Vec<u8>) {
    let mut dirs = vec![app_dir()];
    while let Some(dir) = dirs.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                let rel = path.strip_prefix(app_dir()).unwrap();
                let rel = rel.to_str().unwrap().replace('\\', "/");
                return (rel, std::fs::read(&path).unwrap());
            }
        }
    }
    panic!("no .{ext} file in console/app")
}

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn ask(
    server: &TestServer,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = client().request(method, format!("{}{path}", server.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

/// The request line sent as written (HTTP clients normalise `..` and `%2e%2e` away); the
/// status and body of the answer.
async fn raw_get(server: &TestServer, target: &str) -> (u16, String) {
    let addr = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer.split(' ').nth(1).unwrap().parse().unwrap();
    (status, answer)
}

fn assert_guarded(h: &HeaderMap) {
    assert_eq!(h["content-security-policy"], CSP);
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cross-origin-opener-policy"], "same-origin");
}

fn etag_of(bytes: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Sha256::digest(bytes)))
}

#[tokio::test]
async fn the_page_is_html_under_a_strict_policy() {
    let server = TestServer::start(|_| {}).await;
    let (status, h, body) = ask(&server, Method::GET, "/console/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert_guarded(&h);
    assert_eq!(h["cache-control"], "no-cache");
    let page = std::fs::read(app_dir().join("index.html")).unwrap();
    assert_eq!(body, page);
    assert_eq!(h["etag"], etag_of(&page).as_str());
    // The same file by its name.
    let (status, h, named) = ask(&server, Method::GET, "/console/index.html", &[]).await;
    assert_eq!((status, named), (StatusCode::OK, page));
    assert_guarded(&h);

    // HEAD: the headers without the body.
    let (status, h, body) = ask(&server, Method::HEAD, "/console/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert_guarded(&h);
    assert!(body.is_empty());

    // The bare prefix: a permanent redirect to the page (GET and HEAD).
    for method in [Method::GET, Method::HEAD] {
        let (status, h, _) = ask(&server, method, "/console", &[]).await;
        assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
        assert_eq!(h["location"], "/console/");
        assert_guarded(&h);
    }
}

#[tokio::test]
async fn files_have_their_types_and_revalidate_by_etag() {
    let server = TestServer::start(|_| {}).await;
    for (ext, kind) in [
        ("js", "text/javascript; charset=utf-8"),
        ("css", "text/css; charset=utf-8"),
        ("svg", "image/svg+xml"),
        ("txt", "text/plain; charset=utf-8"),
    ] {
        let (path, bytes) = some_file(ext);
        let url = format!("/console/{path}");
        let (status, h, body) = ask(&server, Method::GET, &url, &[]).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert_eq!(h["content-type"], kind, "{url}");
        assert_guarded(&h);
        assert_eq!(body, bytes, "{url}");
        let etag = etag_of(&bytes);
        assert_eq!(h["etag"], etag.as_str());
        assert_eq!(h["cache-control"], "no-cache");

        // Revalidation: the same tag (strong, weak, in a list) → 304 without a body.
        let weak = format!("W/{etag}");
        let listed = format!("\"other\", {etag}");
        for tag in [etag.as_str(), weak.as_str(), listed.as_str()] {
            let (status, h, body) =
                ask(&server, Method::GET, &url, &[("If-None-Match", tag)]).await;
            assert_eq!(status, StatusCode::NOT_MODIFIED, "{url} {tag}");
            assert!(body.is_empty());
            assert_eq!(h["etag"], etag.as_str());
            assert_guarded(&h);
        }
        // Another tag: the file again.
        let (status, _, body) = ask(
            &server,
            Method::GET,
            &url,
            &[("If-None-Match", "\"stale\"")],
        )
        .await;
        assert_eq!((status, body), (StatusCode::OK, bytes));
    }
}

#[tokio::test]
async fn unknown_files_and_escapes_from_the_folder_are_404() {
    let server = TestServer::start(|_| {}).await;
    let (status, h, body) = ask(&server, Method::GET, "/console/no-such-file.js", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_guarded(&h);
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "not_found", "{body}");

    // Cargo.toml two levels up from console/app, the crate's own sources, absolute paths.
    for target in [
        "/console/../../Cargo.toml",
        "/console/%2e%2e/%2e%2e/Cargo.toml",
        "/console/js/%2E%2E/%2E%2E/%2E%2E/Cargo.toml",
        "/console/..%2f..%2fCargo.toml",
        "/console/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/console/..%5c..%5cCargo.toml",
        "/console/js\\..\\..\\..\\Cargo.toml",
        "/console//etc/passwd",
        "/console/%2fetc%2fpasswd",
        "/console/./index.html",
        "/console/js//../index.html",
        "/console/index.html%00.js",
    ] {
        let (status, answer) = raw_get(&server, target).await;
        assert!(
            status == 404 || status == 400,
            "{target}: {status}\n{answer}"
        );
        assert!(!answer.contains("[workspace]"), "{target}: {answer}");
        assert!(!answer.contains("root:"), "{target}: {answer}");
    }
}

#[tokio::test]
async fn browsers_asking_for_the_root_go_to_the_console_api_clients_do_not() {
    let server = TestServer::start(|_| {}).await;
    for method in [Method::GET, Method::HEAD] {
        let (status, h, _) = ask(&server, method, "/", &[("Accept", BROWSER)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(h["location"], "/console/");
    }
    // No Accept, anything, JSON (keystoneauth's), or HTML refused: Keystone's document.
    for accept in [
        None,
        Some("*/*"),
        Some("application/json"),
        Some("text/html;q=0"),
    ] {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("Accept", a)).into_iter().collect();
        let (status, _, body) = ask(&server, Method::GET, "/", &headers).await;
        assert_eq!(status, StatusCode::MULTIPLE_CHOICES, "{accept:?}");
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["versions"]["values"][0]["id"], "v3.14", "{accept:?}");
    }
    // Keystone's other unversioned paths stay Keystone's even for a browser.
    let (status, _, _) = ask(&server, Method::GET, "/identity", &[("Accept", BROWSER)]).await;
    assert_eq!(status, StatusCode::MULTIPLE_CHOICES);
    let r = server.call(Method::GET, "/", None, None).await;
    assert_eq!(r.status, StatusCode::MULTIPLE_CHOICES);
}

#[tokio::test]
async fn a_disabled_console_is_not_there() {
    let server = TestServer::start(|c| c.console.enabled = false).await;
    for path in ["/console", "/console/", "/console/index.html"] {
        let (status, _, _) = ask(&server, Method::GET, path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, _) = ask(&server, Method::GET, "/", &[("Accept", BROWSER)]).await;
    assert_eq!(status, StatusCode::MULTIPLE_CHOICES);
}
