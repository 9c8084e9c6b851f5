//! Conflicting requests at the same instant to two replicas of one database, 1,000 times: a
//! restart of a service asked of the leader and, with another `only_self`, of the standby
//! (which passes it on, or, serving, accepts it itself): exactly one is accepted, the other
//! refused in MRS's words — never two.

use crate::common;
use crate::postgres_replicas::{pair, KEY};
use crate::postgres_standbys_serve::serving_pair;

use common::binary::{token, Server};
use common::launch;
use futures::StreamExt;
use serde_json::{json, Value};
use sqlx::Connection;

const PAIRS: usize = 1000;

/// 1,000 services of their own, without dependencies: a restart takes a third of a second.
fn services() -> String {
    let mut toml = String::from(
        "[[clusters]]\nid = 2\nproject = \"local-1\"\nname = \"pairs\"\nversion = \"3.1.0\"\nservices = [\n",
    );
    for i in 0..PAIRS {
        toml.push_str(&format!(
            "  {{ name = \"s{i}\", config = {{ restart = \"1s\" }} }},\n"
        ));
    }
    toml.push_str("]\n");
    toml
}

/// `command` (`start`, `restart`…) of `service` in `cluster`, asked of MRS on `base`: the status
/// and the answer.
pub(crate) async fn maintain(
    base: &str,
    tok: &str,
    (cluster, service): (u32, &str),
    command: &str,
    only_self: bool,
) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .post(format!(
            "{base}/web/v1/maintain/cluster/{cluster}/service/{service}/{command}"
        ))
        .header("X-Auth-Token", tok)
        .json(&json!({"only_self": only_self}))
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

async fn restart(base: &str, tok: &str, service: usize, only_self: bool) -> (u16, Value) {
    let service = format!("s{service}");
    maintain(base, tok, (2, &service), "restart", only_self).await
}

#[tokio::test]
async fn conflicting_requests_to_two_replicas_are_one_accepted_one_refused_1000_times() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let config = launch::config_file(a.path(), &services());
    let config = config.to_str().unwrap();
    let (leader, standby) = pair(&url, a.path(), b.path(), &[KEY], &["--config", config]).await;
    one_accepted_one_refused(&url, &leader, &standby).await;
}

/// The same with standbys serving: the two requests meet in the database, each accepted by a
/// writer of its own, and its claims decide.
#[tokio::test]
async fn conflicting_requests_to_two_serving_replicas_are_one_accepted_one_refused_1000_times() {
    let Some(url) = common::postgres::database().await else {
        return;
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let config = launch::config_file(a.path(), &services());
    let args = ["--database-url", &url, "--config", config.to_str().unwrap()];
    let (leader, member) = serving_pair((a.path(), b.path()), &args, &[]).await;
    one_accepted_one_refused(&url, &leader, &member).await;
}

/// Restarts each service through both replicas at once: one accepted, the other refused in
/// MRS's words, and one task per service in the database.
async fn one_accepted_one_refused(url: &str, leader: &Server, standby: &Server) {
    let tok = token(&leader.base).await;
    let outcomes: Vec<(usize, [(u16, Value); 2])> = futures::stream::iter(0..PAIRS)
        .map(|i| {
            let (leader, standby, tok) = (&leader.base, &standby.base, &tok);
            async move {
                let (x, y) = tokio::join!(
                    restart(leader, tok, i, true),
                    restart(standby, tok, i, false)
                );
                (i, [x, y])
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let mut accepted_by_standby = 0;
    for (i, answers) in &outcomes {
        let accepted: Vec<&(u16, Value)> = answers.iter().filter(|(s, _)| *s == 200).collect();
        assert_eq!(accepted.len(), 1, "s{i}: {answers:?}");
        let (status, refusal) = answers.iter().find(|(s, _)| *s != 200).unwrap();
        assert_eq!(*status, 409, "s{i}: {refusal}");
        let words = refusal.to_string();
        assert!(words.contains("is busy"), "s{i}: {words}");
        accepted_by_standby += usize::from(answers[1].0 == 200);
    }
    eprintln!(
        "{PAIRS} pairs: the leader's request won {} times, the standby's {accepted_by_standby}",
        PAIRS - accepted_by_standby
    );
    // One task per service in the database.
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let (tasks, services): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT target_id) FROM tasks WHERE action = 'restart'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!((tasks, services), (PAIRS as i64, PAIRS as i64));
}
