//! Nova server lists through HTTP: filters, sorting, paging, all_tenants, and bad input in
//! Nova's fault format.

use crate::common;

use common::nova::{
    batch_id, fault, get_as, get_at, ids, names, server, servers, version_get as get, viewer,
    BATCH, OTHER_SERVER,
};
use reqwest::StatusCode;

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const WEB01: &str = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f";

#[tokio::test]
async fn limit_and_marker_page_through_every_server_once_by_servers_links() {
    let s = server().await;
    let all = ids(&get_at(&s, &servers(""), None).await);
    assert_eq!(all.len(), BATCH + 2, "the caller's project only");
    assert!(!all.contains(&OTHER_SERVER.to_string()));
    // Nova's default order: newest first.
    assert_eq!(all[0], batch_id(BATCH));

    let mut seen = Vec::new();
    let mut next = Some(format!("{}{}", s.base, servers("/detail?limit=4")));
    let mut pages = 0;
    while let Some(url) = next {
        let path = url.strip_prefix(&s.base).unwrap().to_string();
        let r = get_at(&s, &path, Some("2.1")).await;
        let page = ids(&r);
        pages += 1;
        assert!(page.len() <= 4);
        seen.extend(page);
        next = r.body["servers_links"]
            .as_array()
            .map(|l| l[0]["href"].as_str().unwrap().to_string());
        if let Some(n) = &next {
            assert!(n.contains("limit=4") && n.contains("marker="), "{n}");
            assert_eq!(r.body["servers_links"][0]["rel"], "next");
        }
        assert!(pages < 10, "paging must end");
    }
    assert_eq!(seen, all, "every server once, in order");
    assert_eq!(pages, 3, "4 + 4 + 1");

    // A full last page still has a next link (as Nova), which leads to an empty page.
    let r = get_at(&s, &servers(&format!("?limit=3&marker={}", all[5])), None).await;
    assert_eq!(ids(&r).len(), 3);
    let next = r.body["servers_links"][0]["href"].as_str().unwrap();
    let r = get_at(&s, next.strip_prefix(&s.base).unwrap(), None).await;
    assert_eq!(ids(&r), Vec::<String>::new());
    assert!(r.body.get("servers_links").is_none());

    assert_eq!(ids(&get_at(&s, &servers("?limit=0"), None).await).len(), 0);
    assert_eq!(
        ids(&get_at(&s, &servers("?limit=100000"), None).await).len(),
        all.len()
    );
}

#[tokio::test]
async fn markers_and_limits_that_nova_refuses() {
    let s = server().await;
    for marker in ["no-such-server", OTHER_SERVER] {
        let r = get_at(&s, &servers(&format!("?marker={marker}")), None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            fault(&r),
            ("badRequest".into(), format!("marker [{marker}] not found")),
            "another project's server reads exactly like an unknown one"
        );
    }
    for limit in ["-1", "abc", ""] {
        let r = get_at(&s, &servers(&format!("/detail?limit={limit}")), None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{limit}");
        let (name, message) = fault(&r);
        assert_eq!(name, "badRequest");
        assert!(
            message.starts_with("Invalid input for query parameters limit."),
            "{message}"
        );
    }
}

#[tokio::test]
async fn status_filter_takes_nova_status_names_in_any_case() {
    let s = server().await;
    let shutoff = ids(&get_at(&s, &servers("?status=SHUTOFF"), None).await);
    let lower = ids(&get_at(&s, &servers("?status=shutoff"), None).await);
    assert_eq!(shutoff, lower);
    // WEB01 and the three even batch servers are stopped.
    assert_eq!(shutoff.len(), 4);
    assert!(shutoff.contains(&WEB01.to_string()));
    let active = ids(&get_at(&s, &servers("/detail?status=ACTIVE"), None).await);
    assert_eq!(active.len(), 5);
    assert!(active.contains(&DB01.to_string()));
    let both = ids(&get_at(&s, &servers("?status=ACTIVE&status=SHUTOFF"), None).await);
    assert_eq!(both.len(), 9);
    // A status Nova knows that none of these servers has.
    assert!(ids(&get_at(&s, &servers("?status=PAUSED"), None).await).is_empty());

    // An unknown status: an empty list before 2.38, a 400 from it.
    assert!(ids(&get_at(&s, &servers("?status=BOGUS"), Some("2.37")).await).is_empty());
    let r = get_at(&s, &servers("?status=BOGUS"), Some("2.38")).await;
    assert_eq!(
        fault(&r),
        ("badRequest".into(), "Invalid status value".into())
    );
}

#[tokio::test]
async fn name_is_a_bounded_regular_expression_searched_anywhere() {
    let s = server().await;
    assert_eq!(
        names(&get_at(&s, &servers("?name=%5Ebms-web-01%24"), None).await),
        ["bms-web-01"]
    );
    assert_eq!(
        names(&get_at(&s, &servers("?name=web"), None).await),
        ["bms-web-01"]
    );
    let batch = names(&get_at(&s, &servers("?name=batch-0%5B1-3%5D"), None).await);
    assert_eq!(batch, ["bms-batch-03", "bms-batch-02", "bms-batch-01"]);
    assert!(ids(&get_at(&s, &servers("?name=%5Exyz"), None).await).is_empty());

    let r = get_at(&s, &servers("?name=%5B"), None).await;
    assert_eq!(
        fault(&r),
        (
            "badRequest".into(),
            "Invalid input for query parameters name. Value: [. '[' is not a 'regex'".into()
        )
    );
    // A pattern whose automaton would be huge is refused quickly, not compiled.
    let started = std::time::Instant::now();
    let r = get_at(&s, &servers("?name=%5Cw%7B1000%7D%7B1000%7D"), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[tokio::test]
async fn other_filters_ip_flavor_image_zone_tags_and_changes_since() {
    let s = server().await;
    assert_eq!(
        names(&get_at(&s, &servers("?ip=10%5C.0%5C.0%5C.3%24"), None).await),
        ["bms-batch-03"]
    );
    assert_eq!(
        ids(&get_at(&s, &servers("?flavor=physical.s4.large"), None).await).len(),
        BATCH + 1
    );
    assert!(ids(&get_at(&s, &servers("?flavor=no-such-flavor"), None).await).is_empty());
    assert_eq!(
        ids(&get_at(&s, &servers("?image=img-batch"), None).await).len(),
        BATCH
    );
    // availability_zone is a filter for everyone from 2.83; ignored before.
    assert_eq!(
        ids(&get_at(&s, &servers("?availability_zone=4b"), Some("2.83")).await).len(),
        3
    );
    let v = get(&s, &servers("?availability_zone=4b"), "2.82").await;
    assert_eq!(ids(&v).len(), 3, "the admin may use every filter");
    let vera = viewer(&s).await;
    let r = get_as(&s, &vera, &servers("?availability_zone=4b"), Some("2.82")).await;
    assert_eq!(
        ids(&r).len(),
        BATCH + 2,
        "a user's filter Nova does not allow is dropped"
    );
    // host is an administrator's filter; a user's is dropped.
    assert!(ids(&get_at(&s, &servers("?host=elsewhere"), None).await).is_empty());
    assert_eq!(
        ids(&get_at(&s, &servers("?host=bms-host-01"), None).await).len(),
        BATCH + 2
    );
    assert_eq!(
        ids(&get_as(&s, &vera, &servers("?host=elsewhere"), None).await).len(),
        BATCH + 2
    );
    assert_eq!(
        ids(&get_at(&s, &servers("?tags=batch,t2"), Some("2.26")).await),
        [batch_id(2)]
    );
    assert_eq!(
        ids(&get_at(&s, &servers("?not-tags-any=batch"), Some("2.26")).await).len(),
        2
    );

    assert_eq!(
        ids(&get_at(&s, &servers("?changes-since=2000-01-01T00:00:00Z"), None).await).len(),
        9
    );
    assert!(
        ids(&get_at(&s, &servers("?changes-since=2999-01-01T00:00:00Z"), None).await).is_empty()
    );
    assert!(ids(&get_at(
        &s,
        &servers("?changes-before=2000-01-01T00:00:00Z"),
        Some("2.66")
    )
    .await)
    .is_empty());
    let r = get_at(&s, &servers("?changes-since=yesterday"), None).await;
    assert_eq!(
        fault(&r).1,
        "Invalid input for query parameters changes-since. Value: yesterday. 'yesterday' is not a 'date-time'"
    );
    let r = get_at(
        &s,
        &servers("?changes-since=2020-01-02T00:00:00Z&changes-before=2020-01-01T00:00:00Z"),
        Some("2.66"),
    )
    .await;
    assert_eq!(
        fault(&r).1,
        "The value of changes-since must be less than or equal to changes-before."
    );
}

#[tokio::test]
async fn unknown_parameters_are_ignored_before_2_75_and_refused_from_it() {
    let s = server().await;
    assert_eq!(ids(&get(&s, &servers("?foo=bar"), "2.74").await).len(), 9);
    let r = get(&s, &servers("/detail?foo=bar"), "2.75").await;
    assert_eq!(
        fault(&r),
        (
            "badRequest".into(),
            "Additional properties are not allowed ('foo' was unexpected)".into()
        )
    );
    let r = get(&s, &servers("?metadata=x"), "2.1").await;
    assert_eq!(fault(&r).1, "Invalid filter field: metadata.");
    // Show takes no query parameters from 2.102.
    assert_eq!(
        get(&s, &servers(&format!("/{DB01}?x=1")), "2.101")
            .await
            .status,
        StatusCode::OK
    );
    let r = get(&s, &servers(&format!("/{DB01}?x=1")), "2.102").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sort_keys_and_directions_as_nova() {
    let s = server().await;
    let r = get_at(&s, &servers("?sort_key=display_name&sort_dir=asc"), None).await;
    let mut sorted = names(&r);
    assert_eq!(sorted.len(), 9);
    let given = sorted.clone();
    sorted.sort();
    assert_eq!(given, sorted);
    let r = get_at(
        &s,
        &servers("?sort_key=vm_state&sort_dir=asc&sort_key=display_name&sort_dir=desc"),
        None,
    )
    .await;
    let first: Vec<String> = names(&r).into_iter().take(5).collect();
    assert_eq!(
        first,
        [
            "bms-db-01",
            "bms-batch-07",
            "bms-batch-05",
            "bms-batch-03",
            "bms-batch-01"
        ]
    );
    // Keys Nova ignores before 2.75 and refuses from it.
    assert_eq!(
        ids(&get(&s, &servers("?sort_key=vcpus"), "2.74").await).len(),
        9
    );
    let r = get(&s, &servers("?sort_key=vcpus"), "2.75").await;
    assert!(fault(&r).1.starts_with(
        "Invalid input for query parameters sort_key. Value: vcpus. 'vcpus' is not one of ["
    ));
    let r = get_at(&s, &servers("?sort_dir=sideways"), None).await;
    assert_eq!(
        fault(&r).1,
        "Invalid input received: Unknown sort direction, must be 'desc' or 'asc'"
    );
    let vera = viewer(&s).await;
    let r = get_as(&s, &vera, &servers("?sort_key=host"), None).await;
    assert_eq!(
        fault(&r),
        (
            "forbidden".into(),
            "Only administrators can sort servers by host".into()
        )
    );
}
