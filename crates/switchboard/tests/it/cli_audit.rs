//! `switchboard audit --principal/--since` through the real binary: the server filters, so
//! `--limit` counts matching records (a client-side filter over the newest page would miss
//! older ones).

use crate::common;

use common::cli::setup;
use serde_json::json;

const VERA: &str = "\n[[users]]\nname = \"vera\"\npassword = \"Vera-Password-1\"\nroles = { \"local-1\" = \"viewer\" }\n";

#[tokio::test]
async fn audit_filters_run_on_the_server_before_the_limit() {
    let (_dir, server, cli) = setup(VERA).await;
    // Newer records than the admin's login: vera's tokens.
    let body = common::token_body(
        "vera",
        "Vera-Password-1",
        json!({"project": {"name": "local-1", "domain": {"name": "switchboard"}}}),
    );
    for _ in 0..3 {
        let r = reqwest::Client::new()
            .post(format!("{}/v3/auth/tokens", server.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let admin = cli
        .ok(&[
            "audit",
            "--principal",
            "admin@default",
            "--since",
            "1h",
            "--limit",
            "1",
            "-o",
            "json",
        ])
        .json();
    let records = admin["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{admin}");
    assert_eq!(records[0]["principal"], "admin@default");
    let vera = cli
        .ok(&["audit", "--principal", "vera@default", "-o", "json"])
        .json();
    assert_eq!(vera["records"].as_array().unwrap().len(), 3, "{vera}");
    // A time in the future: nothing.
    let none = cli
        .ok(&["audit", "--since", "2099-01-01T00:00:00Z", "-o", "json"])
        .json();
    assert_eq!(none["records"], json!([]));
}
