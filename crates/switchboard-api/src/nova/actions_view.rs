//! An instance action and its events as Nova renders them at each microversion. An action is
//! one task that touched the server; its events are the task's steps on that server.

use super::{nova_request_id, Microversion};
use serde_json::{json, Value};
use switchboard_core::{Action, StepState};
use switchboard_store::{StepRecord, TaskRecord};

/// Nova's naive UTC timestamps with microseconds (`2018-04-25T01:26:29.000000`).
pub fn nova_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string()
}

/// Nova's action name for a lifecycle action.
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::Start => "start",
        Action::Stop => "stop",
        Action::Restart => "reboot",
    }
}

/// One task as an action on one server: the task and its steps on that server.
pub struct ActionRecord {
    pub task: TaskRecord,
    pub steps: Vec<StepRecord>,
    /// The user id of whoever submitted it, when it is still known.
    pub user_id: Option<String>,
}

impl ActionRecord {
    pub fn request_id(&self) -> String {
        nova_request_id(&self.task.request_id)
    }

    /// When anything about the action last changed.
    pub fn updated_at(&self) -> i64 {
        self.steps
            .iter()
            .filter_map(|s| s.finished_at.or(s.started_at))
            .fold(self.task.updated_at, i64::max)
    }

    fn failed(&self) -> bool {
        self.steps.iter().any(|s| s.state == StepState::Failed)
    }
}

/// What the caller may see of events: Nova's `events` policy (admins) shows tracebacks and,
/// from 2.62, hosts; from 2.51 everyone sees events without them.
#[derive(Debug, Clone, Copy)]
pub struct EventAccess {
    pub admin: bool,
}

/// The action's keys (`updated_at` from 2.58).
pub fn action(a: &ActionRecord, server_id: &str, version: &Microversion) -> Value {
    let mut v = json!({
        "action": action_name(a.task.action),
        "instance_uuid": server_id,
        "request_id": a.request_id(),
        "user_id": a.user_id,
        "project_id": a.task.project_id,
        "start_time": nova_time(a.task.created_at),
        "message": a.failed().then_some("Error"),
    });
    if version.at_least(58) {
        v["updated_at"] = json!(nova_time(a.updated_at()));
    }
    v
}

/// The action with its events, as `show` renders it for this caller.
pub fn action_with_events(
    a: &ActionRecord,
    server_id: &str,
    host: &str,
    version: &Microversion,
    access: EventAccess,
) -> Value {
    let mut v = action(a, server_id, version);
    if !(access.admin || version.at_least(51)) {
        return v;
    }
    let event_name = format!("compute_{}_instance", action_name(a.task.action));
    // Newest first, as Nova orders them; a step that never started has no event.
    let mut started: Vec<&StepRecord> = a.steps.iter().filter(|s| s.started_at.is_some()).collect();
    started.sort_by_key(|s| std::cmp::Reverse((s.started_at, s.idx)));
    let events: Vec<Value> = started
        .into_iter()
        .map(|s| {
            let result = match s.state {
                StepState::Done => Some("Success"),
                StepState::Failed => Some("Error"),
                _ => None,
            };
            let mut e = json!({
                "event": event_name,
                "start_time": s.started_at.map(nova_time),
                "finish_time": s.finished_at.filter(|_| result.is_some()).map(nova_time),
                "result": result,
            });
            if access.admin {
                e["traceback"] = json!(s.error);
            }
            if version.at_least(62) {
                if access.admin {
                    e["host"] = json!(host);
                }
                e["hostId"] = json!(super::view::host_id(&a.task.project_id, host));
            }
            if version.at_least(84) && access.admin {
                e["details"] = json!(s.error);
            }
            e
        })
        .collect();
    v["events"] = Value::Array(events);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::{Lifecycle, TaskState};

    fn record(step_state: StepState) -> ActionRecord {
        let task = TaskRecord {
            id: 7,
            project_id: "p1".into(),
            kind: "nova.server".into(),
            action: Action::Restart,
            target_id: Some("s1".into()),
            targets: vec!["s1".into()],
            only_self: true,
            principal: "admin@default".into(),
            request_id: "0123456789abcdef0123456789abcdef".into(),
            state: TaskState::Complete,
            progress: 100.0,
            error: None,
            created_at: 1_000,
            updated_at: 2_000,
            finished_at: Some(2_000),
            cancel_requested: false,
            executor: None,
        };
        let step = StepRecord {
            task_id: 7,
            idx: 0,
            resource_id: "s1".into(),
            action: Action::Restart,
            follow_task: None,
            after: vec![],
            state: step_state,
            attempts: 1,
            prior_state: Lifecycle::Running,
            expected_ms: 1_000,
            started_at: Some(1_100),
            finished_at: Some(3_000),
            error: (step_state == StepState::Failed).then(|| "BMC refused".into()),
            output: None,
        };
        ActionRecord {
            task,
            steps: vec![step],
            user_id: Some("u1".into()),
        }
    }

    #[test]
    fn shapes_follow_the_microversion() {
        let a = record(StepState::Done);
        let user = EventAccess { admin: false };
        let admin = EventAccess { admin: true };
        let v = |minor| Microversion((2, minor));
        let old = action_with_events(&a, "s1", "h", &v(1), user);
        assert!(old.get("events").is_none() && old.get("updated_at").is_none());
        assert_eq!(
            old["request_id"],
            "req-01234567-89ab-cdef-0123-456789abcdef"
        );
        assert_eq!(old["action"], "reboot");
        let v51 = action_with_events(&a, "s1", "h", &v(51), user);
        let e = &v51["events"][0];
        assert_eq!(e["event"], "compute_reboot_instance");
        assert_eq!(e["result"], "Success");
        assert!(e.get("traceback").is_none());
        let v58 = action_with_events(&a, "s1", "h", &v(58), user);
        assert_eq!(v58["updated_at"], "1970-01-01T00:00:03.000000");
        let v62 = action_with_events(&a, "s1", "h", &v(62), user);
        assert_eq!(
            v62["events"][0]["hostId"],
            super::super::view::host_id("p1", "h")
        );
        assert!(v62["events"][0].get("host").is_none());
        let a = record(StepState::Failed);
        let v84 = action_with_events(&a, "s1", "h", &v(84), admin);
        assert_eq!(v84["message"], "Error");
        let e = &v84["events"][0];
        assert_eq!(
            (&e["host"], &e["details"], &e["traceback"]),
            (&json!("h"), &json!("BMC refused"), &json!("BMC refused"))
        );
        assert!(
            action_with_events(&a, "s1", "h", &v(83), admin)["events"][0]
                .get("details")
                .is_none()
        );
        assert!(action_with_events(&a, "s1", "h", &v(1), admin)["events"].is_array());
    }
}
