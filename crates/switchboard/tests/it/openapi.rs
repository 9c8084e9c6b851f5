//! `GET /openapi.json`: an OpenAPI 3.1 document, served without a token, that names every
//! route the router registers (read from `switchboard-api/src/routes/*.rs`, so a route added
//! without a `#[utoipa::path]` fails here) and nothing the router does not serve.

use crate::common;

use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

const METHODS: &[&str] = &["get", "post", "put", "delete", "patch"];

fn routes_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../switchboard-api/src/routes")
}

/// The text of the parenthesised call starting at `open` (the index of its `(`).
fn call_text(src: &str, open: usize) -> &str {
    let mut depth = 0;
    for (i, c) in src[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &src[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced call at {open}")
}

/// The methods a `MethodRouter` expression names: `get(…)`, `.post(…)` and so on.
fn methods_in(expr: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    for m in METHODS {
        let call = format!("{m}(");
        let named = expr.match_indices(&call).any(|(i, _)| {
            i == 0 || !expr[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
        });
        if named {
            found.push(*m);
        }
    }
    found
}

/// `(path, method)` for every `.route("path", …)` in `src`, each path under `mount`.
fn routes_in(src: &str, mount: &str, out: &mut BTreeSet<(String, String)>) {
    for (at, _) in src.match_indices(".route(") {
        let args = call_text(src, at + ".route".len());
        let path = args.split('"').nth(1).expect("a route's path literal");
        // A catch-all `{*rest}` is documented as the parameter `{rest}`.
        let path = path.replace("{*", "{");
        let rest = &args[args.find(',').expect("a route's handler")..];
        for m in methods_in(rest) {
            out.insert((format!("{mount}{path}"), m.to_string()));
        }
    }
}

/// Every route of the router: each group file's routes, again under the prefix `mod.rs` nests
/// it at (with its root there), and `mod.rs`'s own.
fn registered_routes() -> BTreeSet<(String, String)> {
    let dir = routes_dir();
    let main = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
    let mut out = BTreeSet::new();
    routes_in(&main, "", &mut out);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if name == "mod" {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        routes_in(&src, "", &mut out);
        for (at, _) in main.match_indices(&format!("nested({name}::routes(),")) {
            let args = call_text(&main, at + "nested".len());
            let constant = args.split("prefix::").nth(1).unwrap();
            let mount = match constant.split(',').next().unwrap().trim() {
                "IDENTITY" => "/identity",
                "COMPUTE" => "/compute",
                other => panic!("unknown prefix {other}"),
            };
            routes_in(&src, mount, &mut out);
            // The group's root, `nested(group, prefix, root)`.
            for m in methods_in(args.rsplit_once(',').unwrap().1) {
                out.insert((mount.to_string(), m.to_string()));
            }
        }
    }
    assert!(out.len() > 90, "routes not found: {out:?}");
    out
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in item.as_object().unwrap().keys() {
            if METHODS.contains(&m.as_str()) {
                out.insert((path.clone(), m.clone()));
            }
        }
    }
    out
}

async fn document(server: &TestServer) -> Value {
    let r = server.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/json");
    r.body
}

#[tokio::test]
async fn every_route_is_documented_and_nothing_else() {
    let server = TestServer::start(|_| {}).await;
    let doc = document(&server).await;
    let routes = registered_routes();
    let paths = documented(&doc);
    let missing: Vec<_> = routes.difference(&paths).collect();
    assert!(
        missing.is_empty(),
        "routes without #[utoipa::path]: {missing:?}"
    );
    let extra: Vec<_> = paths.difference(&routes).collect();
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");
}

/// Every `$ref` in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                match (k.as_str(), x) {
                    ("$ref", Value::String(s)) => out.push(s),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(list) => list.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn document_is_openapi_3_1_with_schemas_errors_and_security() {
    let server = TestServer::start(|_| {}).await;
    let doc = document(&server).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["token"]["name"], "X-Auth-Token");
    assert_eq!(schemes["aksk"]["name"], "Authorization");

    // Every reference resolves to a real schema, not a marker's empty placeholder.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 100);
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").expect(r);
        let schema = &doc["components"]["schemas"][name];
        let described = ["type", "anyOf", "oneOf", "allOf", "properties"]
            .iter()
            .any(|k| schema.get(k).is_some());
        assert!(described, "{name} has no schema: {schema}");
    }

    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_string()), "{id} twice");
            // Operations that need a token answer 401 in a documented envelope.
            let public = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .all(|x| x.as_object().is_some_and(|o| o.is_empty()))
            });
            if !public {
                let unauthorized = &op["responses"]["401"]["content"]["application/json"];
                assert!(
                    unauthorized["schema"]["$ref"].is_string(),
                    "{method} {path}"
                );
            }
        }
    }
    // Keystone's and Nova's DevStack prefixes are documented too.
    assert!(doc["paths"]["/identity/v3/auth/tokens"]["post"].is_object());
    assert!(doc["paths"]["/compute/v2.1/{project_id}/servers"]["get"].is_object());
}
