//! Regressions found reviewing issue 9's combined change: cross-project reads and per-request
//! cost on the new routes.

mod common;

use common::identity::OTHER;
use common::nova::{get_as, other_admin, server};
use common::PROJECT;
use reqwest::StatusCode;

/// A project administrator reads another project's limits only where it is an administrator;
/// elsewhere `tenant_id` reads like an unknown project (nothing used), not the project's usage.
#[tokio::test]
async fn limits_of_a_project_not_administered_read_like_an_unknown_one() {
    let s = server().await;
    let alice = other_admin(&s).await;
    let own = get_as(&s, &alice, &format!("/v2.1/{OTHER}/limits"), None).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(own.body["limits"]["absolute"]["totalInstancesUsed"], 1);
    let unknown = format!("/v2.1/{OTHER}/limits?tenant_id=no-such-project");
    let unknown = get_as(&s, &alice, &unknown, None).await;
    let foreign = format!("/v2.1/{OTHER}/limits?tenant_id={PROJECT}");
    let foreign = get_as(&s, &alice, &foreign, None).await;
    assert_eq!(foreign.status, StatusCode::OK, "{}", foreign.body);
    assert_eq!(foreign.body, unknown.body);
    assert_eq!(foreign.body["limits"]["absolute"]["totalInstancesUsed"], 0);
    // The system administrator still reads it.
    let r = get_as(
        &s,
        &s.token,
        &format!("/v2.1/{PROJECT}/limits?tenant_id={OTHER}"),
        None,
    )
    .await;
    assert_eq!(
        r.body["limits"]["absolute"]["totalInstancesUsed"], 1,
        "{}",
        r.body
    );
}
