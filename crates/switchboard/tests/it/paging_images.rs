//! Glance's image list paged as Glance v2 (issue 13): `limit` (25 by default, cut to 1000),
//! `marker`, `next`/`first` links; bad ones are 400 in Glance's envelope, and another
//! project's image is no marker.

use crate::common;

use common::identity::OTHER;
use common::TestServer;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;
use switchboard_core::inventory::{MemberSpec, ProjectSpec};
use switchboard_core::Lifecycle;

/// Servers of `local-1` besides the demo's two (which share one image): each its own image.
const MANY: usize = 1030;
/// Every `SHARED`-th image is named `shared`, the others `image-<i>`.
const SHARED: usize = 10;
/// The image only the other project's server was built from.
const THEIRS: &str = "img-theirs";
const DEMO_IMAGE: &str = "1a6635d8-afea-4f3f-9f5c-2b6d1f4e8a10";

fn image(i: usize) -> String {
    format!("img-{i:05}")
}

fn server(id: String, project: &str, image: &str, name: &str) -> MemberSpec {
    MemberSpec {
        id,
        project: project.into(),
        name: format!("srv-{image}"),
        state: Lifecycle::Running,
        driver: "sim".into(),
        config: Value::Null,
        attrs: serde_json::json!({"image": image, "image_name": name}),
    }
}

async fn start() -> TestServer {
    TestServer::start(|c| {
        c.projects.push(ProjectSpec {
            id: OTHER.into(),
            name: "other-1".into(),
            domain: "switchboard".into(),
        });
        for i in 0..MANY {
            let name = if i % SHARED == 0 {
                "shared".to_string()
            } else {
                format!("image-{i}")
            };
            let id = format!("c0000000-0000-4000-8000-{i:012}");
            c.servers.push(server(id, "local-1", &image(i), &name));
        }
        // The other project: an image of its own, and one `local-1` has too (named otherwise).
        let theirs = "0e0e0e0e-0000-4000-8000-000000000001".to_string();
        c.servers.push(server(theirs, "other-1", THEIRS, "secret"));
        let shared = "0e0e0e0e-0000-4000-8000-000000000002".to_string();
        c.servers
            .push(server(shared, "other-1", &image(1), "secret"));
    })
    .await
}

fn ids(r: &common::Reply) -> Vec<String> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

/// Follows `next` from `first` (a path under `/image`), returning every id in order.
async fn walk(s: &TestServer, first: &str) -> (Vec<String>, usize) {
    let (mut seen, mut pages, mut path) = (Vec::new(), 0, Some(first.to_string()));
    while let Some(p) = path {
        let r = s.get(&p).await;
        seen.extend(ids(&r));
        pages += 1;
        path = r.body["next"].as_str().map(|n| format!("/image{n}"));
    }
    (seen, pages)
}

/// Walking `next` lists each of the project's images once, in id order, never another
/// project's; the links keep the query; a name filter pages too.
#[tokio::test]
async fn walking_next_lists_every_image_once() {
    let s = start().await;
    let (seen, pages) = walk(&s, "/image/v2/images?limit=100").await;
    assert_eq!(pages, 11);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no image twice");
    let mut want: Vec<String> = (0..MANY).map(image).collect();
    want.push(DEMO_IMAGE.to_string());
    want.sort();
    assert_eq!(seen, want, "every image, in id order");
    assert!(!seen.contains(&THEIRS.to_string()));

    let r = s.get("/image/v2/images?limit=2&marker=img-00001").await;
    assert_eq!(ids(&r), [image(2), image(3)]);
    assert_eq!(r.body["first"], "/v2/images?limit=2");
    assert_eq!(r.body["next"], "/v2/images?limit=2&marker=img-00003");
    assert_eq!(r.body["schema"], "/v2/schemas/images");
    // `local-1`'s name for an image the other project holds too.
    assert_eq!(r.body["images"][0]["owner"], common::PROJECT);
    let r = s.get("/image/v2/images/img-00001").await;
    assert_eq!(r.body["name"], "image-1");

    let (shared, pages) = walk(&s, "/image/v2/images?name=shared&limit=40").await;
    let want: Vec<String> = (0..MANY).step_by(SHARED).map(image).collect();
    assert_eq!(shared, want);
    assert_eq!(pages, 3);
    let last = s.get("/image/v2/images?limit=1&marker=img-01029").await;
    assert!(ids(&last).is_empty() && last.body.get("next").is_none());
}

/// 25 without `limit`, at most 1000 whatever is asked; `limit=0` is an empty page.
#[tokio::test]
async fn default_and_largest_pages_are_glances() {
    let s = start().await;
    let r = s.get("/image/v2/images").await;
    assert_eq!(ids(&r).len(), 25);
    assert_eq!(r.body["first"], "/v2/images");
    // The demo's image sorts first.
    assert_eq!(r.body["next"], "/v2/images?marker=img-00023");
    let r = s.get("/image/v2/images?limit=5000").await;
    assert_eq!(ids(&r).len(), 1000);
    assert!(r.body["next"].is_string());
    let r = s.get("/image/v2/images?limit=0").await;
    assert!(ids(&r).is_empty());
    assert!(r.body.get("next").is_none());
}

/// A bad `limit` or an unknown marker is Glance's 400; so is another project's image used as
/// a marker, and nothing of theirs is shown.
#[tokio::test]
async fn bad_limits_and_markers_are_glances_400() {
    let s = start().await;
    for (query, message) in [
        ("limit=x", "limit param must be an integer"),
        ("limit=-1", "limit param must be positive"),
        ("limit=1.5", "limit param must be an integer"),
        (
            "marker=no-such-image",
            "No image found with ID no-such-image",
        ),
        ("marker=img-theirs", "No image found with ID img-theirs"),
    ] {
        let r = s.get(&format!("/image/v2/images?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.body);
        assert_eq!(r.body["code"], "400 Bad Request", "{query}");
        assert_eq!(r.body["title"], "Bad Request", "{query}");
        assert_eq!(r.body["message"], message, "{query}");
        assert!(r.body.get("images").is_none(), "{query}");
    }
    let r = s.get(&format!("/image/v2/images/{THEIRS}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
