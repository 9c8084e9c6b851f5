//! Nova flavors through HTTP, and how servers show theirs at each microversion.

use crate::common;

use common::identity::OTHER;
use common::nova::{fault, get_as, get_at, other_admin, server, viewer};
use common::PROJECT;
use reqwest::StatusCode;
use serde_json::{json, Value};

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const XLARGE: &str = "physical.s4.xlarge";

fn flavors(query: &str) -> String {
    format!("/v2.1/{PROJECT}/flavors{query}")
}

fn ids(r: &common::Reply) -> Vec<String> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["flavors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn flavors_list_detail_and_show_with_their_microversion_changes() {
    let s = server().await;
    let r = get_at(&s, &flavors(""), None).await;
    assert_eq!(ids(&r), ["physical.s4.large", XLARGE], "public ones, by id");
    let brief = &r.body["flavors"][0];
    assert!(brief.get("ram").is_none() && brief.get("description").is_none());
    assert!(brief["links"][0]["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v2.1/{PROJECT}/flavors/physical.s4.large")));

    let r = get_at(&s, &flavors("/detail"), Some("2.1")).await;
    let f = &r.body["flavors"][1];
    assert_eq!(
        (f["vcpus"].clone(), f["ram"].clone(), f["disk"].clone()),
        (json!(48), json!(393216), json!(1600))
    );
    assert_eq!(f["swap"], "", "no swap is the empty string before 2.75");
    assert_eq!(f["os-flavor-access:is_public"], true);
    assert_eq!(f["OS-FLV-DISABLED:disabled"], false);
    assert_eq!(f["rxtx_factor"], 1.0);
    assert!(f.get("extra_specs").is_none() && f.get("description").is_none());

    let r = get_at(&s, &flavors(&format!("/{XLARGE}")), Some("2.61")).await;
    let f = &r.body["flavor"];
    assert_eq!(f["extra_specs"]["resource_type"], "ironic");
    assert!(f["description"].as_str().unwrap().starts_with("BMS"));
    let r = get_at(&s, &flavors("/detail"), Some("2.104")).await;
    let f = &r.body["flavors"][0];
    assert_eq!(f["swap"], 0);
    assert!(f.get("rxtx_factor").is_none() && f.get("OS-FLV-DISABLED:disabled").is_none());
    assert_eq!(f["extra_specs"]["capabilities:hypervisor_type"], "ironic");

    let r = get_at(&s, &flavors(&format!("/{XLARGE}/os-extra_specs")), None).await;
    assert_eq!(r.body["extra_specs"]["resource_type"], "ironic");
    let r = get_at(
        &s,
        &flavors(&format!("/{XLARGE}/os-extra_specs/resource_type")),
        None,
    )
    .await;
    assert_eq!(r.body, json!({"resource_type": "ironic"}));
    let r = get_at(
        &s,
        &flavors(&format!("/{XLARGE}/os-extra_specs/nope")),
        None,
    )
    .await;
    assert_eq!(
        fault(&r),
        (
            "itemNotFound".into(),
            format!("Flavor {XLARGE} has no extra specs with key nope.")
        )
    );
}

#[tokio::test]
async fn is_public_min_sizes_paging_and_name() {
    let s = server().await;
    // Ansible asks with `is_public=None`: everything the administrator may see.
    let r = get_at(&s, &flavors("/detail?is_public=None"), None).await;
    assert_eq!(
        ids(&r),
        [
            "gpu.secret",
            "physical.s4.large",
            "physical.s4.private",
            XLARGE
        ]
    );
    assert_eq!(
        ids(&get_at(&s, &flavors("?is_public=false"), None).await),
        ["gpu.secret", "physical.s4.private"]
    );
    let r = get_at(&s, &flavors("?is_public=perhaps"), None).await;
    assert_eq!(
        fault(&r),
        (
            "badRequest".into(),
            "Invalid is_public filter [perhaps]".into()
        )
    );
    // A user's is_public is not a filter at all.
    let vera = viewer(&s).await;
    let r = get_as(&s, &vera, &flavors("?is_public=perhaps"), None).await;
    assert_eq!(ids(&r), ["physical.s4.large", XLARGE]);

    assert_eq!(
        ids(&get_at(&s, &flavors("?minRam=200000"), None).await),
        [XLARGE]
    );
    assert_eq!(
        ids(&get_at(&s, &flavors("?minDisk=801"), None).await),
        [XLARGE]
    );
    let r = get_at(&s, &flavors("?minRam=lots"), None).await;
    assert_eq!(fault(&r).1, "Invalid minRam filter [lots]");
    let r = get_at(&s, &flavors("?minDisk=1.5"), None).await;
    assert_eq!(fault(&r).1, "Invalid minDisk filter [1.5]");

    let r = get_at(
        &s,
        &flavors("?limit=1&is_public=None&sort_key=memory_mb&sort_dir=desc"),
        None,
    )
    .await;
    assert_eq!(ids(&r), [XLARGE]);
    let next = r.body["flavors_links"][0]["href"].as_str().unwrap();
    assert!(
        next.contains(&format!("marker={XLARGE}")) && next.contains("sort_key=memory_mb"),
        "{next}"
    );
    let r = get_at(&s, next.strip_prefix(&s.base).unwrap(), None).await;
    assert_eq!(ids(&r), ["physical.s4.large"]);
    let r = get_at(&s, &flavors("?marker=nope"), None).await;
    assert_eq!(
        fault(&r),
        ("badRequest".into(), "marker [nope] not found".into())
    );
    let r = get_at(&s, &flavors("?sort_key=price"), None).await;
    assert!(fault(&r)
        .1
        .starts_with("Invalid input for query parameters sort_key. Value: price."));

    // name: a filter from 2.102, an unknown parameter before it (refused from 2.75).
    assert_eq!(
        ids(&get_at(&s, &flavors("?name=x"), Some("2.74")).await).len(),
        2
    );
    assert_eq!(
        fault(&get_at(&s, &flavors("?name=x"), Some("2.75")).await).0,
        "badRequest"
    );
    assert_eq!(
        ids(&get_at(&s, &flavors("?name=xlarge%24"), Some("2.102")).await),
        [XLARGE]
    );
}

#[tokio::test]
async fn private_and_derived_flavors_read_like_unknown_ones_elsewhere() {
    let s = server().await;
    let vera = viewer(&s).await;
    for id in ["gpu.secret", "physical.s4.private", "no-such-flavor"] {
        let r = get_as(&s, &vera, &flavors(&format!("/{id}")), None).await;
        assert_eq!(
            fault(&r),
            (
                "itemNotFound".into(),
                format!("Flavor {id} could not be found.")
            )
        );
        let r = get_as(&s, &vera, &flavors(&format!("/{id}/os-extra_specs")), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    // The other project sees its private flavor and the one derived from its server.
    let alice = other_admin(&s).await;
    let path = |id: &str| format!("/v2.1/{OTHER}/flavors/{id}");
    let r = get_as(&s, &alice, &path("gpu.secret"), None).await;
    assert_eq!(r.body["flavor"]["name"], "gpu.secret");
    assert_eq!(
        r.body["flavor"]["vcpus"], 0,
        "a derived flavor has no sizes"
    );
    assert_eq!(r.body["flavor"]["os-flavor-access:is_public"], false);
    let r = get_as(&s, &alice, &path("physical.s4.private"), Some("2.75")).await;
    assert_eq!(r.body["flavor"]["swap"], 512);
    // A token of one project on another's path is refused as Nova's forbidden.
    let r = get_as(&s, &alice, &flavors(""), None).await;
    assert_eq!(fault(&r).0, "forbidden");
    let r = get_as(&s, &alice, &flavors("/detail"), Some("2.200")).await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(fault(&r).0, "computeFault");
    let r = get_at(&s, &flavors("/detail"), Some("two")).await;
    assert_eq!(fault(&r).0, "badRequest");
}

fn server_at(body: &Value) -> &Value {
    &body["server"]
}

#[tokio::test]
async fn servers_show_each_microversions_shape() {
    let s = server().await;
    let show = |v: &'static str| {
        let s = &s;
        async move {
            get_at(s, &format!("/v2.1/{PROJECT}/servers/{DB01}"), Some(v))
                .await
                .body
        }
    };
    let old = show("2.46").await;
    let old = server_at(&old);
    assert_eq!(old["flavor"]["id"], XLARGE);
    assert_eq!(old["flavor"]["links"][0]["rel"], "bookmark");
    assert_eq!(
        old["image"]["links"].as_array().unwrap().len(),
        1,
        "bookmark only"
    );
    assert!(old.get("trusted_image_certificates").is_none());

    let v47 = show("2.47").await;
    let f = &server_at(&v47)["flavor"];
    assert_eq!(
        (
            f["original_name"].clone(),
            f["vcpus"].clone(),
            f["ram"].clone(),
            f["disk"].clone(),
            f["ephemeral"].clone(),
            f["swap"].clone()
        ),
        (
            json!(XLARGE),
            json!(48),
            json!(393216),
            json!(1600),
            json!(0),
            json!(0)
        )
    );
    assert_eq!(f["extra_specs"]["resource_type"], "ironic");
    assert!(f.get("id").is_none());

    let latest = show("2.104").await;
    let new = server_at(&latest);
    for (key, value) in [
        ("trusted_image_certificates", Value::Null),
        ("server_groups", json!([])),
        ("locked_reason", Value::Null),
        ("OS-EXT-SRV-ATTR:hostname", json!("bms-db-01")),
        ("pinned_availability_zone", Value::Null),
        ("scheduler_hints", json!({})),
        ("locked", json!(false)),
        ("tags", json!([])),
    ] {
        assert_eq!(new.get(key), Some(&value), "{key}");
    }
    assert_eq!(new["image"]["properties"], json!({}));
    assert_eq!(
        new["hostId"].as_str().unwrap().len(),
        56,
        "sha224 of project and host"
    );
    let r = get_at(
        &s,
        &format!("/v2.1/{PROJECT}/servers/detail"),
        Some("latest"),
    )
    .await;
    assert_eq!(r.headers["openstack-api-version"], "compute 2.104");
    let detailed = &r.body["servers"][0];
    assert!(
        detailed.get("server_groups").is_none(),
        "2.71 adds server_groups to show only"
    );
    assert_eq!(detailed["scheduler_hints"], json!({}));
    // A stopped server has no progress; an active one shows 0.
    let stopped = r.body["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["status"] == "SHUTOFF")
        .unwrap();
    assert!(stopped.get("progress").is_none());
    assert_eq!(new["progress"], 0);
}

#[tokio::test]
async fn images_are_those_the_projects_servers_name() {
    let s = server().await;
    let r = get_at(&s, "/image", None).await;
    assert!(r.body["versions"][0]["links"][0]["href"]
        .as_str()
        .unwrap()
        .ends_with("/image/v2/"));
    let r = get_at(&s, "/image/v2/images", None).await;
    let ids: Vec<&str> = r.body["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1a6635d8-afea-4f3f-9f5c-2b6d1f4e8a10", "img-batch"]);
    let r = get_at(&s, "/image/v2/images/img-batch", None).await;
    assert_eq!(r.body["status"], "active");
    // The other project's image reads exactly like an unknown one.
    for id in ["img-other", "no-such-image"] {
        let r = get_at(&s, &format!("/image/v2/images/{id}"), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.body["message"], format!("No image found with ID {id}"));
    }
    let alice = other_admin(&s).await;
    let r = get_as(&s, &alice, "/image/v2/images/img-other", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s
        .call(reqwest::Method::GET, "/image/v2/images", None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}
