//! The typed client (`switchboard-client`) against a real server: the task a Nova action started
//! found by its request id (`GET /switchboard/v1/tasks?request_id=`), AK/SK signing, and
//! waiting on a task over the event stream with polling when the stream drops (against a
//! stand-in server that speaks the events wire contract).

use crate::common;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use common::{TestServer, PROJECT};
use futures::StreamExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use switchboard_client::{Client, Credential, TaskState, Via};

const DB01: &str = "95bf2490-5428-432c-ad9b-5e3406f869dd";

#[tokio::test]
async fn a_family_action_finds_its_task_by_request_id() {
    let s = TestServer::start(|_| {}).await;
    let client = Client::new(&s.base, Credential::Token(s.token.clone()), PROJECT);
    let started = client.server_action(DB01, "reboot", true).await.unwrap();
    let request_id = started.request_id.clone().unwrap();
    let id = client.task_of(&started).await.unwrap().expect("a task");
    let listed = s
        .get(&format!("/switchboard/v1/tasks?request_id={request_id}"))
        .await;
    assert_eq!(
        listed.body["tasks"].as_array().unwrap().len(),
        1,
        "{}",
        listed.body
    );
    assert_eq!(listed.body["tasks"][0]["request_id"], request_id.as_str());
    let none = s.get("/switchboard/v1/tasks?request_id=0000").await;
    assert_eq!(none.body["tasks"], json!([]));
    let outcome = client.wait_task(id, |_, _| {}).await.unwrap();
    assert_eq!(outcome.state, TaskState::Complete, "{}", outcome.task);
    assert_eq!(outcome.task["kind"], "nova.server");
}

#[tokio::test]
async fn access_keys_sign_requests_and_refusals_keep_the_family_message() {
    let s = TestServer::start(|_| {}).await;
    let admin = Client::new(&s.base, Credential::Token(s.token.clone()), PROJECT);
    let me = switchboard_client::inspect(&s.base, &s.token)
        .await
        .unwrap();
    let key = admin.create_key(&me.user_id, Some("cli")).await.unwrap();
    let signed = Client::new(
        &s.base,
        Credential::AkSk {
            access: key["credential"]["access"].as_str().unwrap().into(),
            secret: key["credential"]["secret"].as_str().unwrap().into(),
        },
        PROJECT,
    );
    let started = signed
        .service_action("1", "ZooKeeper", "start", false)
        .await
        .unwrap();
    assert!(started.task_id.is_some());
    // Nova's own conflict message comes through as a refusal.
    let e = signed
        .server_action(DB01, "start", false)
        .await
        .unwrap_err();
    match e {
        switchboard_client::Error::Refused {
            status, message, ..
        } => {
            assert_eq!(status, 409);
            assert!(message.contains("Cannot 'start' instance"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(format!("{:?}", Credential::Token(s.token.clone())).contains('…'));
    assert!(!format!("{signed:?}").contains(key["credential"]["secret"].as_str().unwrap()));
}

/// A stand-in server for task 7. With `keep_open` the stream sends one event and stays open,
/// and the task is COMPLETE from the third read after it; else the first stream sends one
/// event (seq 41) and drops, and the task is COMPLETE once a second stream was opened.
#[derive(Clone)]
struct Fake {
    reads: Arc<AtomicUsize>,
    /// The `after` of each stream opened.
    afters: Arc<Mutex<Vec<Option<String>>>>,
    keep_open: bool,
}

async fn fake_task(State(f): State<Fake>) -> Json<Value> {
    let n = f.reads.fetch_add(1, Ordering::SeqCst);
    let streams = f.afters.lock().unwrap().len();
    let done = if f.keep_open {
        streams > 0 && n >= 2
    } else {
        streams >= 2
    };
    let state = if done { "COMPLETE" } else { "IN_PROGRESS" };
    Json(json!({"id": 7, "state": state, "progress": if done { 100.0 } else { 10.0 }, "steps": []}))
}

async fn fake_events(
    State(f): State<Fake>,
    Query(q): Query<HashMap<String, String>>,
) -> axum::response::Response {
    let event = "id: 41\nevent: step.finished\ndata: {\"seq\":41,\"type\":\"step.finished\",\"task_id\":7}\n\n";
    let first = {
        let mut afters = f.afters.lock().unwrap();
        afters.push(q.get("after").cloned());
        afters.len() == 1
    };
    let once = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(event)) });
    let body = if f.keep_open || !first {
        Body::from_stream(once.chain(futures::stream::pending()))
    } else {
        Body::from_stream(once)
    };
    axum::response::Response::builder()
        .header("Content-Type", "text/event-stream")
        .body(body)
        .unwrap()
}

async fn fake_server(keep_open: bool) -> (String, Fake) {
    let fake = Fake {
        reads: Arc::default(),
        afters: Arc::default(),
        keep_open,
    };
    let app = Router::new()
        .route("/switchboard/v1/tasks/{id}", get(fake_task))
        .route("/switchboard/v1/events", get(fake_events))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, fake)
}

#[tokio::test]
async fn waiting_follows_the_event_stream_and_polls_when_it_drops() {
    let (base, _fake) = fake_server(true).await;
    let client = Client::new(&base, Credential::Token("t".into()), PROJECT);
    let mut seen = Vec::new();
    let outcome = client
        .wait_task(7, |t, via| seen.push((t["state"].clone(), via)))
        .await
        .unwrap();
    assert_eq!(outcome.state, TaskState::Complete);
    assert_eq!(seen.last().unwrap().1, Via::Events, "{seen:?}");

    // The stream drops after seq 41: polling carries on, then the stream is reopened after 41.
    let (base, fake) = fake_server(false).await;
    let client = Client::new(&base, Credential::Token("t".into()), PROJECT);
    let mut vias = Vec::new();
    let outcome = client.wait_task(7, |_, via| vias.push(via)).await.unwrap();
    assert_eq!(outcome.state, TaskState::Complete);
    assert!(vias.contains(&Via::Polling), "{vias:?}");
    assert_eq!(*fake.afters.lock().unwrap(), [None, Some("41".to_string())]);
}

#[tokio::test]
async fn without_an_event_stream_waiting_polls() {
    // The real server before the event stream exists answers 404 there.
    let s = TestServer::start(|_| {}).await;
    let client = Client::new(&s.base, Credential::Token(s.token.clone()), PROJECT);
    let started = client
        .service_action("1", "HDFS", "start", true)
        .await
        .unwrap();
    let mut vias = Vec::new();
    let outcome = client
        .wait_task(started.task_id.unwrap(), |_, via| vias.push(via))
        .await
        .unwrap();
    assert_eq!(outcome.state, TaskState::Complete, "{}", outcome.task);
    assert!(!vias.is_empty());
}
