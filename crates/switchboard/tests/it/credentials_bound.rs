//! Huawei IAM's AK/SK list has no paging: it is bounded as Huawei bounds it, two keys per user
//! (issue 13). A third is Huawei's 400 `akSkNumExceed`, nothing is stored, and a deleted key
//! frees its place.

use crate::common;

use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;

const KEYS: &str = "/v3.0/OS-CREDENTIAL/credentials";

#[tokio::test]
async fn a_user_holds_at_most_two_access_keys() {
    let s = TestServer::start(|_| {}).await;
    let list = s.get(KEYS).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.body["credentials"], json!([]));
    let user_id = {
        let t = s
            .call(
                Method::POST,
                "/v3/auth/tokens",
                None,
                Some(common::token_body(
                    "admin",
                    common::PASSWORD,
                    json!({"project": {"id": common::PROJECT}}),
                )),
            )
            .await;
        t.body["token"]["user"]["id"].as_str().unwrap().to_string()
    };
    let create = || async {
        s.call(
            Method::POST,
            KEYS,
            Some(&s.token),
            Some(json!({"credential": {"user_id": user_id}})),
        )
        .await
    };
    let first = create().await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(create().await.status, StatusCode::CREATED);
    let third = create().await;
    assert_eq!(third.status, StatusCode::BAD_REQUEST, "{}", third.body);
    assert_eq!(
        third.body,
        json!({"error": {"code": 400, "title": "Bad Request", "message": "akSkNumExceed"}})
    );
    let listed = s.get(KEYS).await;
    assert_eq!(listed.body["credentials"].as_array().unwrap().len(), 2);

    let ak = first.body["credential"]["access"].as_str().unwrap();
    let del = s
        .call(
            Method::DELETE,
            &format!("{KEYS}/{ak}"),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert_eq!(create().await.status, StatusCode::CREATED);
}
