//! Nova server lists by scope: `all_tenants` for administrators, and what a user's view hides.

use crate::common;

use common::nova::{
    fault, get_as, get_at, ids, other_admin, server, servers, viewer, BATCH, OTHER_SERVER,
};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";

#[tokio::test]
async fn all_tenants_is_for_administrators_and_spans_what_they_administer() {
    let s = server().await;
    let all = ids(&get_at(&s, &servers("?all_tenants=1"), None).await);
    assert_eq!(
        all.len(),
        BATCH + 3,
        "the bootstrap admin administers both projects"
    );
    assert!(all.contains(&OTHER_SERVER.to_string()));
    let r = get_at(
        &s,
        &servers(&format!(
            "?all_tenants=true&tenant_id={}",
            common::identity::OTHER
        )),
        None,
    )
    .await;
    assert_eq!(ids(&r), [OTHER_SERVER]);
    assert_eq!(
        ids(&get_at(&s, &servers("?all_tenants=0"), None).await).len(),
        BATCH + 2
    );
    let r = get_at(&s, &servers("?all_tenants=maybe"), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let vera = viewer(&s).await;
    let r = get_as(&s, &vera, &servers("/detail?all_tenants=1"), None).await;
    assert_eq!(
        fault(&r),
        (
            "forbidden".into(),
            "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed."
                .into()
        )
    );
    // An administrator of the other project sees its servers only, even with all_tenants.
    let alice = other_admin(&s).await;
    let other = format!("/v2.1/{}/servers?all_tenants=1", common::identity::OTHER);
    assert_eq!(ids(&get_as(&s, &alice, &other, None).await), [OTHER_SERVER]);
    // A token of one project on another project's path: Nova's 403.
    let r = get_as(&s, &alice, &servers(""), None).await;
    assert_eq!(fault(&r).0, "forbidden");
}

#[tokio::test]
async fn a_users_view_hides_what_nova_shows_administrators_only() {
    let s = server().await;
    let vera = viewer(&s).await;
    let show = |t: String, v: &'static str| {
        let s = &s;
        async move {
            get_as(s, &t, &servers(&format!("/{DB01}")), Some(v))
                .await
                .body["server"]
                .clone()
        }
    };
    let user: Value = show(vera.clone(), "2.89").await;
    assert!(user.get("OS-EXT-SRV-ATTR:host").is_none());
    assert!(user.get("OS-EXT-SRV-ATTR:hostname").is_none());
    assert!(user.get("host_status").is_none());
    let user: Value = show(vera, "2.90").await;
    assert_eq!(user["OS-EXT-SRV-ATTR:hostname"], "bms-db-01");
    let admin: Value = show(s.token.clone(), "2.90").await;
    assert_eq!(admin["OS-EXT-SRV-ATTR:host"], "bms-host-01");
    assert_eq!(admin["host_status"], "UP");
    let seen: HashSet<&str> = admin
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(seen.contains("OS-EXT-SRV-ATTR:reservation_id"));
}
