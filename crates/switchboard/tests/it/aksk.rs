//! AK/SK credentials and SDK-HMAC-SHA256 signed requests through HTTP.

use crate::common;

use common::sdk_date::{date_at, now_date};
use common::signer::{signed, Key};
use common::{TestServer, PROJECT};
use reqwest::{Method, StatusCode};
use serde_json::json;
use switchboard_identity::signing::{self, SdkAuthorization};

const PROD: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

async fn create_key(s: &TestServer) -> Key {
    let me = s.get("/switchboard/v1/tasks").await; // any authenticated call proves the token works
    assert_eq!(me.status, StatusCode::OK);
    let user_id = {
        let r = s
            .call(
                Method::GET,
                "/v3.0/OS-CREDENTIAL/credentials",
                Some(&s.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // The caller's own list; the user id comes from a token body instead.
        let body = common::token_body(
            "admin",
            common::PASSWORD,
            json!({"project": {"id": PROJECT}}),
        );
        let t = s
            .call(Method::POST, "/v3/auth/tokens", None, Some(body))
            .await;
        t.body["token"]["user"]["id"].as_str().unwrap().to_string()
    };
    let r = s
        .call(
            Method::POST,
            "/v3.0/OS-CREDENTIAL/credentials",
            Some(&s.token),
            Some(json!({"credential": {"user_id": user_id, "description": "ci"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let c = &r.body["credential"];
    assert_eq!(c["status"], "active");
    Key {
        ak: c["access"].as_str().unwrap().into(),
        sk: c["secret"].as_str().unwrap().into(),
    }
}

fn assert_rejected(r: &common::Reply, needle: &str) {
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.body["error_code"], "APIGW.0301");
    assert!(
        r.body["error_msg"].as_str().unwrap().contains(needle),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn signed_requests_work_and_anything_off_is_refused() {
    let s = TestServer::start(|_| {}).await;
    let key = create_key(&s).await;
    let start = format!("/v1/{PROJECT}/db-om/{PROD}/start");
    let ok = signed(
        &s,
        &key,
        Method::POST,
        &start,
        b"",
        Some(PROJECT),
        &now_date(),
        |_| {},
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["result"], "success");
    let list = signed(
        &s,
        &key,
        Method::GET,
        &format!("/v1/{PROJECT}/flows?limit=10&offset=0"),
        b"",
        Some(PROJECT),
        &now_date(),
        |_| {},
    )
    .await;
    assert_eq!(list.body["total"], 2);
    let body = br#"{"reboot": {"type": "HARD"}}"#;
    let nova = format!("/v2.1/{PROJECT}/servers/95bf2490-5428-432c-ad9b-5e3406f869dd/action");
    assert_eq!(
        signed(
            &s,
            &key,
            Method::POST,
            &nova,
            body,
            Some(PROJECT),
            &now_date(),
            |_| {}
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );

    let tampered = signed(
        &s,
        &key,
        Method::POST,
        &nova,
        body,
        Some(PROJECT),
        &now_date(),
        |b| b[3] = b'X',
    )
    .await;
    assert_rejected(&tampered, "verify aksk signature fail");
    let wrong_sk = Key {
        ak: key.ak.clone(),
        sk: "wrong".into(),
    };
    assert_rejected(
        &signed(
            &s,
            &wrong_sk,
            Method::GET,
            &format!("/v1/{PROJECT}/flows"),
            b"",
            Some(PROJECT),
            &now_date(),
            |_| {},
        )
        .await,
        "verify aksk signature fail",
    );
    let now = signing::parse_sdk_date(&now_date()).unwrap();
    let stale = signed(
        &s,
        &key,
        Method::GET,
        &format!("/v1/{PROJECT}/flows"),
        b"",
        Some(PROJECT),
        &date_at(now - 16 * 60),
        |_| {},
    )
    .await;
    assert_rejected(&stale, "15 minutes");
    let unknown = Key {
        ak: "AKNOTEXISTING0000000".into(),
        sk: "x".into(),
    };
    assert_rejected(
        &signed(
            &s,
            &unknown,
            Method::GET,
            "/v1/x/flows",
            b"",
            None,
            &now_date(),
            |_| {},
        )
        .await,
        "verify aksk signature fail",
    );
    let other_project = signed(
        &s,
        &key,
        Method::GET,
        &format!("/v1/{PROJECT}/flows"),
        b"",
        Some(&"e".repeat(32)),
        &now_date(),
        |_| {},
    )
    .await;
    assert_eq!(other_project.status, StatusCode::FORBIDDEN);
    assert_eq!(other_project.body["error_code"], "APIGW.0302");
    // A signed request names its project in X-Project-Id; the path must agree.
    let mismatch = signed(
        &s,
        &key,
        Method::GET,
        &format!("/v1/{}/flows", "e".repeat(32)),
        b"",
        Some(PROJECT),
        &now_date(),
        |_| {},
    )
    .await;
    assert_eq!(mismatch.status, StatusCode::FORBIDDEN, "{}", mismatch.body);
}

#[tokio::test]
async fn five_failures_lock_the_key_for_five_minutes() {
    let s = TestServer::start(|_| {}).await;
    let key = create_key(&s).await;
    let path = format!("/v1/{PROJECT}/flows");
    let wrong = Key {
        ak: key.ak.clone(),
        sk: "wrong".into(),
    };
    for _ in 0..5 {
        assert_rejected(
            &signed(
                &s,
                &wrong,
                Method::GET,
                &path,
                b"",
                Some(PROJECT),
                &now_date(),
                |_| {},
            )
            .await,
            "signature",
        );
    }
    let locked = signed(
        &s,
        &key,
        Method::GET,
        &path,
        b"",
        Some(PROJECT),
        &now_date(),
        |_| {},
    )
    .await;
    assert_rejected(&locked, "AK access failed to reach the limit,forbidden");
}

#[tokio::test]
async fn credentials_are_listed_without_secrets_encrypted_at_rest_and_deletable() {
    let s = TestServer::start(|_| {}).await;
    let key = create_key(&s).await;
    let list = s
        .call(
            Method::GET,
            "/v3.0/OS-CREDENTIAL/credentials",
            Some(&s.token),
            None,
        )
        .await;
    let creds = list.body["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0]["access"], key.ak.as_str());
    assert!(creds[0].get("secret").is_none());
    let shown = s
        .get(&format!("/v3.0/OS-CREDENTIAL/credentials/{}", key.ak))
        .await;
    assert!(shown.body["credential"].get("secret").is_none());
    // Neither the database nor its WAL holds the secret in clear.
    for file in ["switchboard.db", "switchboard.db-wal"] {
        let bytes = std::fs::read(s.dir.path().join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(key.sk.len()).any(|w| w == key.sk.as_bytes()),
            "{file} holds the secret"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.dir.path().join("master.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let del = s
        .call(
            Method::DELETE,
            &format!("/v3.0/OS-CREDENTIAL/credentials/{}", key.ak),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    let gone = signed(
        &s,
        &key,
        Method::GET,
        &format!("/v1/{PROJECT}/flows"),
        b"",
        Some(PROJECT),
        &now_date(),
        |_| {},
    )
    .await;
    assert_rejected(&gone, "verify aksk signature fail");
    let bad = s
        .call(
            Method::POST,
            "/v3.0/OS-CREDENTIAL/credentials",
            Some(&s.token),
            Some(json!({"credential": {"user_id": "nobody"}})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    let _ = SdkAuthorization::parse("x");
}

#[tokio::test]
async fn keys_from_the_inventory_sign_requests() {
    let s = TestServer::start(|c| {
        let users: toml::Table = toml::from_str(
            "[[users]]\nname = \"robot\"\npassword = \"Robot-Password-1\"\nroles = { \"local-1\" = \"operator\" }\n\
             keys = [{ access = \"AKROBOT0000000000001\", secret = \"robot-secret-key-0123456789abcdefghijk\" }]\n",
        )
        .unwrap();
        c.users = users["users"].clone().try_into().unwrap();
    })
    .await;
    let key = Key {
        ak: "AKROBOT0000000000001".into(),
        sk: "robot-secret-key-0123456789abcdefghijk".into(),
    };
    let r = signed(
        &s,
        &key,
        Method::POST,
        &format!("/v1/{PROJECT}/db-om/{PROD}/start"),
        b"",
        Some(PROJECT),
        &now_date(),
        |_| {},
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let wrong = Key {
        ak: key.ak.clone(),
        sk: "not-it".into(),
    };
    assert_rejected(
        &signed(
            &s,
            &wrong,
            Method::GET,
            &format!("/v1/{PROJECT}/flows"),
            b"",
            Some(PROJECT),
            &now_date(),
            |_| {},
        )
        .await,
        "signature",
    );
}
