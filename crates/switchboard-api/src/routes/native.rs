//! Switchboard's own API under `/switchboard/v1`.

use crate::{native, AppState};
use axum::routing::{get, post, put};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/switchboard/v1/tasks", get(native::list_tasks))
        .route("/switchboard/v1/tasks/{id}", get(native::get_task))
        .route(
            "/switchboard/v1/tasks/{id}/cancel",
            post(native::cancel_task),
        )
        .route("/switchboard/v1/resources", get(native::list_resources))
        .route("/switchboard/v1/events", get(native::stream_events))
        .route("/switchboard/v1/audit", get(native::list_audit))
        .route("/switchboard/v1/session", get(native::get_session))
        .route("/switchboard/v1/plans", post(native::preview_plan))
        .route(
            "/switchboard/v1/users",
            post(native::create_user).get(native::list_users),
        )
        .route(
            "/switchboard/v1/users/{id}",
            put(native::modify_user).delete(native::delete_user),
        )
        .route("/switchboard/v1/policies", get(native::list_policies))
        .route(
            "/switchboard/v1/faults",
            get(native::list_faults)
                .post(native::replace_faults)
                .patch(native::append_faults)
                .delete(native::delete_faults),
        )
        .route("/switchboard/v1/faults/fired", get(native::list_fired))
        .route("/switchboard/v1/requests", get(native::list_requests))
        .route("/switchboard/v1/state/reset", post(native::reset_state))
        .route(
            "/switchboard/v1/state/snapshot",
            get(native::export_state)
                .put(native::import_state)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/switchboard/v1/transitions",
            get(native::list_transitions)
                .post(native::set_transitions)
                .delete(native::delete_transitions),
        )
        .route("/switchboard/v1/clock", get(native::get_clock))
        .route("/switchboard/v1/clock/advance", post(native::advance_clock))
        .route(
            "/switchboard/v1/policies/{name}",
            put(native::put_policy).delete(native::delete_policy),
        )
}
