//! The audit trail's filters, the same on every backend: exact and prefix matches (a prefix's
//! `%` and `_` are literal), times, keyset paging below an id, newest first.

mod common;

use switchboard_store::{AuditFilter, AuditRecord, Priority, TextMatch, Write};

fn record(at: i64, project: Option<&str>, action: &str, outcome: &str) -> AuditRecord {
    AuditRecord {
        id: 0,
        at,
        principal: format!("user-{}", at % 2),
        project_id: project.map(String::from),
        action: action.into(),
        target: Some(format!("r{at}")),
        request_id: format!("req-{at}"),
        source: None,
        outcome: outcome.into(),
        detail: None,
    }
}

fn all() -> AuditFilter {
    AuditFilter {
        limit: 100,
        ..AuditFilter::default()
    }
}

#[tokio::test]
async fn filters_match_alike_on_every_backend() {
    let dir = tempfile::tempdir().unwrap();
    let records = [
        record(1, Some("p1"), "nova:server:start", "accepted"),
        record(2, Some("p1"), "nova:server:stop", "denied"),
        record(3, Some("p2"), "mrs:service:start", "accepted"),
        record(4, None, "iam:user:create", "accepted: 1 role"),
        record(5, Some("p1"), "nova%server", "accepted"),
        record(6, Some("p1"), "novaXserver", "accepted"),
    ];
    for store in common::backends(dir.path(), &[]).await {
        let writes = records.iter().cloned().map(Write::Audit).collect();
        store.commit(writes, Priority::Answer).await.unwrap();
        let at = |filter: AuditFilter| {
            let store = &store;
            async move {
                let found = store.audit(&filter).await.unwrap();
                found.iter().map(|a| a.at).collect::<Vec<_>>()
            }
        };
        assert_eq!(at(all()).await, [6, 5, 4, 3, 2, 1], "newest first");
        let project = AuditFilter {
            project_id: Some("p1".into()),
            ..all()
        };
        assert_eq!(at(project).await, [6, 5, 2, 1]);
        let principal = AuditFilter {
            principal: Some("user-0".into()),
            ..all()
        };
        assert_eq!(at(principal).await, [6, 4, 2]);
        let exact = AuditFilter {
            action: Some(TextMatch::Exact("nova:server:stop".into())),
            ..all()
        };
        assert_eq!(at(exact).await, [2]);
        let prefix = AuditFilter {
            action: Some(TextMatch::Prefix("nova:".into())),
            ..all()
        };
        assert_eq!(at(prefix).await, [2, 1]);
        // `%` in a prefix is a percent sign, not a wildcard.
        let percent = AuditFilter {
            action: Some(TextMatch::Prefix("nova%".into())),
            ..all()
        };
        assert_eq!(at(percent).await, [5]);
        let outcome = AuditFilter {
            outcome: Some(TextMatch::Prefix("accepted".into())),
            target: Some("r4".into()),
            ..all()
        };
        assert_eq!(at(outcome).await, [4]);
        let window = AuditFilter {
            since: Some(2),
            until: Some(4),
            ..all()
        };
        assert_eq!(at(window).await, [4, 3, 2]);
        // Keyset paging: below the previous page's last id, then offset and limit.
        let ids: Vec<i64> = store
            .audit(&all())
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        let below = AuditFilter {
            before: Some(ids[2]),
            limit: 2,
            ..all()
        };
        assert_eq!(at(below).await, [3, 2]);
        let offset = AuditFilter { offset: 4, ..all() };
        assert_eq!(at(offset).await, [2, 1]);
    }
}
