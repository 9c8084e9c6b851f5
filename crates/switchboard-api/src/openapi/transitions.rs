//! Controllable transitions and the simulated clock (`/switchboard/v1/transitions`, `/clock`).

use super::{bodies, list_of, object, strings};
use serde_json::{json, Value};

bodies!(
    Transitions,
    TransitionSettings,
    TransitionsRemoved,
    Clock,
    ClockAdvance
);

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::native::transitions::list_transitions,
    crate::native::transitions::set_transitions,
    crate::native::transitions::delete_transitions,
    crate::native::transitions::get_clock,
    crate::native::transitions::advance_clock,
))]
pub struct Doc;

/// One setting: exactly one of resource, kind, family, project; a progression.
fn setting() -> Value {
    let mut p = strings(&[
        "id",
        "resource",
        "kind",
        "project",
        "resource_id",
        "project_id",
    ]);
    p["family"] = json!({"type": "string", "enum": ["mrs", "nova", "bms", "dbss", "live"]});
    p["progression"] = json!({"type": "string", "enum": ["immediate", "manual", "time"]});
    p["times"] =
        json!({"type": "integer", "minimum": 1, "description": "manual: reads to wait for"});
    p["seconds"] =
        json!({"type": "number", "minimum": 0, "description": "time: simulated seconds"});
    p["created_at"] = json!({"type": "integer", "description": "Milliseconds since the epoch"});
    p["reads_seen"] = json!({"type": "integer", "description": "Reads of the resource in its current transition"});
    object(&["progression"], p)
}

pub fn schemas() -> Vec<(&'static str, Value)> {
    let mut listed = list_of("transitions", setting());
    listed["properties"]["applies_to"] = json!({"type": "string"});
    let mut clock = strings(&["now"]);
    clock["offset_ms"] = json!({"type": "integer", "minimum": 0});
    vec![
        ("Transitions", listed),
        (
            "TransitionSettings",
            json!({"oneOf": [setting(), {"type": "array", "items": setting()}]}),
        ),
        (
            "TransitionsRemoved",
            object(
                &["removed", "transitions"],
                json!({"removed": {"type": "integer"},
                       "transitions": {"type": "array", "items": setting()}}),
            ),
        ),
        (
            "Clock",
            object(
                &["clock"],
                json!({"clock": object(&["now", "offset_ms"], clock)}),
            ),
        ),
        (
            "ClockAdvance",
            object(
                &["seconds"],
                json!({"seconds": {"type": "number", "exclusiveMinimum": 0}}),
            ),
        ),
    ]
}
