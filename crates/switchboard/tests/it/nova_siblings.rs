//! Nova's siblings of a server: limits, availability zones, interfaces and remote consoles,
//! through HTTP (bad input and other projects included).

use crate::common;

use common::identity::{self, OTHER};
use common::nova::{assert_fault, with_version};
use common::PROJECT;
use reqwest::{Method, StatusCode};
use serde_json::json;

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";
const WEB01: &str = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f";
const UNKNOWN: &str = "00000000-0000-4000-8000-000000000000";

#[tokio::test]
async fn limits_zones_interfaces_and_remote_consoles() {
    let s = identity::server().await;
    let r = s.get(&format!("/v2.1/{PROJECT}/limits")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let abs = &r.body["limits"]["absolute"];
    assert_eq!(r.body["limits"]["rate"], json!([]));
    assert_eq!(
        (
            abs["totalInstancesUsed"].clone(),
            abs["maxTotalInstances"].clone()
        ),
        (json!(2), json!(10))
    );
    assert_eq!(abs["maxServerMeta"], 128);
    assert!(abs.get("maxSecurityGroups").is_some() && abs.get("maxPersonality").is_some());
    // Another project's limits are for administrators.
    let vera = identity::token(&s, "vera", "Vera-Password-1", PROJECT).await;
    let r = s
        .call(
            Method::GET,
            &format!("/v2.1/{PROJECT}/limits?tenant_id={OTHER}"),
            Some(&vera),
            None,
        )
        .await;
    assert_fault(&r, "forbidden", 403, "nova:limits:otherProject");
    let r = s
        .get(&format!("/v2.1/{PROJECT}/limits?tenant_id={OTHER}"))
        .await;
    assert_eq!(r.body["limits"]["absolute"]["totalInstancesUsed"], 0);

    let r = s
        .get(&format!("/v2.1/{PROJECT}/os-availability-zone"))
        .await;
    assert_eq!(
        r.body,
        json!({"availabilityZoneInfo": [{"zoneName": "cn-north-4a", "zoneState": {"available": true}, "hosts": null}]})
    );
    let r = s
        .get(&format!("/v2.1/{PROJECT}/os-availability-zone/detail"))
        .await;
    let zones = r.body["availabilityZoneInfo"].as_array().unwrap();
    assert!(
        zones[0]["hosts"]["bms-host-01"]["nova-compute"]["available"] == true,
        "{}",
        r.body
    );
    assert_eq!(zones[1]["zoneName"], "internal");
    let r = s
        .call(
            Method::GET,
            &format!("/v2.1/{PROJECT}/os-availability-zone/detail"),
            Some(&vera),
            None,
        )
        .await;
    assert_fault(&r, "forbidden", 403, "nova:availabilityZone:detail");

    let path = format!("/v2.1/{PROJECT}/servers/{DB01}/os-interface");
    let first = s.get(&path).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let i = &first.body["interfaceAttachments"][0];
    assert_eq!(
        (i["mac_addr"].clone(), i["port_state"].clone()),
        (json!("fa:16:3e:11:22:01"), json!("ACTIVE"))
    );
    assert_eq!(i["fixed_ips"][0]["ip_address"], "192.168.1.11");
    assert_eq!(s.get(&path).await.body, first.body, "port ids are stable");
    let port = i["port_id"].as_str().unwrap();
    let one = s.get(&format!("{path}/{port}")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(&one.body["interfaceAttachment"], i);
    assert_fault(
        &s.get(&format!("{path}/{UNKNOWN}")).await,
        "itemNotFound",
        404,
        "could not be found",
    );
    // Another server's port is not this server's.
    let web = format!("/v2.1/{PROJECT}/servers/{WEB01}/os-interface/{port}");
    assert_fault(
        &s.get(&web).await,
        "itemNotFound",
        404,
        "could not be found",
    );
    assert_fault(
        &s.get(&format!("/v2.1/{PROJECT}/servers/{UNKNOWN}/os-interface"))
            .await,
        "itemNotFound",
        404,
        "could not be found",
    );

    let rc = format!("/v2.1/{PROJECT}/servers/{DB01}/remote-consoles");
    let novnc = json!({"remote_console": {"protocol": "vnc", "type": "novnc"}});
    let r = with_version(&s, Method::POST, &rc, "2.6", Some(novnc.clone())).await;
    assert_fault(&r, "badRequest", 400, "Unavailable console type novnc.");
    let r = with_version(&s, Method::POST, &rc, "2.1", Some(novnc.clone())).await;
    assert_fault(&r, "itemNotFound", 404, "The resource could not be found.");
    let r = with_version(
        &s,
        Method::POST,
        &rc,
        "2.6",
        Some(json!({"remote_console": {"protocol": "vnc", "type": "serial"}})),
    )
    .await;
    assert_fault(&r, "badRequest", 400, "Invalid input");
    let r = with_version(
        &s,
        Method::POST,
        &rc,
        "2.6",
        Some(json!({"remote_console": {"protocol": "mks", "type": "webmks"}})),
    )
    .await;
    assert_fault(&r, "badRequest", 400, "Invalid input");
    let r = with_version(
        &s,
        Method::POST,
        &rc.replace(DB01, UNKNOWN),
        "2.6",
        Some(novnc),
    )
    .await;
    assert_fault(&r, "itemNotFound", 404, "could not be found");
}
