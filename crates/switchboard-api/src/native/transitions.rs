//! Controllable transitions (`/switchboard/v1/transitions`) and the simulated clock
//! (`/switchboard/v1/clock`). `POST` sets one setting or an array of them, `GET` lists them,
//! `DELETE` removes those named by `?id=` (comma-separated), or all the caller may see.
//! Administrators only (`switchboard:transition:*`, `switchboard:clock:*`); a project
//! administrator sets, sees and removes only settings bound to its projects. Changes are audited.

use super::NativeError;
use crate::admin_scope::AdminScope;
use crate::auth::{Authenticated, Source};
use crate::transitions::settings::{self, PrepareError};
use crate::{lookup, AppState};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::transitions::{SettingError, Transition, MAX_ADVANCE_SECONDS};
use switchboard_identity::Principal;
use switchboard_store::{Priority, Write};

const LIST: &str = "switchboard:transition:list";
const UPDATE: &str = "switchboard:transition:update";
const CLOCK_LIST: &str = "switchboard:clock:list";
const CLOCK_UPDATE: &str = "switchboard:clock:update";
/// What `GET` says of drivers other than `sim`.
const APPLIES_TO: &str =
    "simulated resources only (driver sim); resources of other drivers ignore these settings";

impl From<PrepareError> for NativeError {
    fn from(e: PrepareError) -> Self {
        match e {
            PrepareError::Setting(e) => e.into(),
            PrepareError::Forbidden(m) => NativeError::forbidden(m),
            PrepareError::Store(e) => e.into(),
        }
    }
}

impl From<SettingError> for NativeError {
    fn from(e: SettingError) -> Self {
        NativeError::bad_request(e.to_string())
    }
}

/// The body as settings (one object or an array); errors name the setting and field.
fn parse(raw: Result<Bytes, BytesRejection>) -> Result<Vec<Transition>, NativeError> {
    let value = crate::body::parse::<Value>(raw)?
        .ok_or_else(|| NativeError::bad_request("transitions: a body is required"))?;
    let items = match value {
        Value::Array(items) => items,
        one @ Value::Object(_) => vec![one],
        _ => {
            return Err(NativeError::bad_request(
                "transitions: an object or an array is required",
            ))
        }
    };
    super::items_of(items, "transitions")
}

/// Whether the caller may see (and remove) the setting.
fn sees(scope: &AdminScope, s: &Transition) -> bool {
    s.project_id
        .as_deref()
        .map_or(scope.is_system(), |p| scope.administers(p))
}

/// A setting as shown: resource settings tell how often their resource was read in its
/// current transition (the last one read when none is under way).
fn shown(state: &AppState, s: &Transition) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    let resource = s
        .resource_id
        .as_deref()
        .and_then(|id| state.engine.resource(id));
    if let Some(r) = resource {
        let reads = match r.active_task {
            Some(t) => state.transitions.reads(&r.spec.id, t),
            None => state.transitions.last_reads(&r.spec.id),
        };
        v["reads_seen"] = json!(reads);
    }
    v
}

async fn scope_of(state: &AppState, who: &Principal) -> Result<AdminScope, NativeError> {
    Ok(AdminScope::of(state.store.as_ref(), who).await?)
}

#[utoipa::path(get, path = "/switchboard/v1/transitions", tag = "Switchboard",
    responses((status = 200, description = "The settings the caller administers, oldest first", body = crate::openapi::transitions::Transitions),
        crate::openapi::NativeRead))]
pub async fn list_transitions(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, LIST)?;
    let scope = scope_of(&state, &who).await?;
    let visible: Vec<Value> = state
        .transitions
        .stored()
        .iter()
        .filter(|s| sees(&scope, s))
        .map(|s| shown(&state, s))
        .collect();
    Ok(Json(
        json!({"transitions": visible, "applies_to": APPLIES_TO}),
    ))
}

#[utoipa::path(post, path = "/switchboard/v1/transitions", tag = "Switchboard",
    request_body = crate::openapi::transitions::TransitionSettings,
    responses((status = 200, description = "The settings made", body = crate::openapi::transitions::Transitions),
        crate::openapi::NativeWrite))]
pub async fn set_transitions(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, UPDATE)?;
    let scope = scope_of(&state, &who).await?;
    let given = parse(raw)?;
    let made = settings::prepare(
        state.store.as_ref(),
        &state.engine,
        &scope,
        who.project_id.as_deref(),
        given,
    )
    .await?;
    let _order = state.transitions.changes.lock().await;
    // An id reused replaces its setting: only one the caller may see.
    let stored = state.transitions.stored();
    let foreign = stored
        .iter()
        .find(|k| !sees(&scope, k) && made.iter().any(|s| s.id == k.id));
    if let Some(k) = foreign {
        let id = k.id.clone().unwrap_or_default();
        return Err(NativeError::forbidden(format!(
            "transition {id} belongs to another project"
        )));
    }
    let all = state.transitions.append(made.clone())?;
    let ids: Vec<&str> = made.iter().filter_map(|s| s.id.as_deref()).collect();
    let audit = lookup::audit(&who, source, UPDATE, &ids.join(","), "done");
    state
        .store
        .commit(
            vec![Write::SetTransitions(all), Write::Audit(audit)],
            Priority::Answer,
        )
        .await?;
    crate::shared::controls_changed(&state, false).await;
    let shown: Vec<Value> = made.iter().map(|s| shown(&state, s)).collect();
    Ok(Json(
        json!({"transitions": shown, "applies_to": APPLIES_TO}),
    ))
}

#[utoipa::path(delete, path = "/switchboard/v1/transitions", tag = "Switchboard",
    params(("id" = Option<String>, Query, description = "Id of the setting to remove (comma-separated for more); all the caller administers without")),
    responses((status = 200, description = "How many went, and the settings left", body = crate::openapi::transitions::TransitionsRemoved),
        crate::openapi::NativeWrite))]
pub async fn delete_transitions(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, UPDATE)?;
    let scope = scope_of(&state, &who).await?;
    let ids: Option<Vec<String>> = query
        .get("id")
        .map(|v| v.split(',').map(str::to_string).collect());
    let _order = state.transitions.changes.lock().await;
    let (kept, removed) = state.transitions.remove(|s| {
        sees(&scope, s)
            && ids
                .as_ref()
                .is_none_or(|ids| ids.iter().any(|i| s.id.as_ref() == Some(i)))
    });
    let target = ids.map_or_else(|| "all".to_string(), |ids| ids.join(","));
    let audit = lookup::audit(&who, source, UPDATE, &format!("delete {target}"), "done");
    state
        .store
        .commit(
            vec![Write::SetTransitions(kept.clone()), Write::Audit(audit)],
            Priority::Answer,
        )
        .await?;
    crate::shared::controls_changed(&state, false).await;
    let left: Vec<Value> = kept
        .iter()
        .filter(|s| sees(&scope, s))
        .map(|s| shown(&state, s))
        .collect();
    Ok(Json(json!({"removed": removed, "transitions": left})))
}

fn clock(state: &AppState) -> Json<Value> {
    let now = state.transitions.clock.now();
    Json(json!({"clock": {
        "now": crate::time::iso_millis(now), "offset_ms": state.transitions.clock.offset_ms()
    }}))
}

#[utoipa::path(get, path = "/switchboard/v1/clock", tag = "Switchboard",
    responses((status = 200, description = "The simulated time", body = crate::openapi::transitions::Clock),
        crate::openapi::NativeRead))]
pub async fn get_clock(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, CLOCK_LIST)?;
    Ok(clock(&state))
}

#[utoipa::path(post, path = "/switchboard/v1/clock/advance", tag = "Switchboard",
    request_body = crate::openapi::transitions::ClockAdvance,
    responses((status = 200, description = "The simulated time after the advance, once every transition it completed shows", body = crate::openapi::transitions::Clock),
        crate::openapi::NativeWrite))]
pub async fn advance_clock(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, NativeError> {
    // One clock for every project: moving it would time out other projects' steps.
    NativeError::permit_system(&who, CLOCK_UPDATE)?;
    let body = crate::body::parse::<Value>(raw)?
        .ok_or_else(|| NativeError::bad_request("seconds: required"))?;
    let seconds = body
        .get("seconds")
        .ok_or_else(|| NativeError::bad_request("seconds: required"))?
        .as_f64()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= MAX_ADVANCE_SECONDS)
        .ok_or_else(|| {
            NativeError::bad_request(format!(
                "seconds: a number above 0 and at most {MAX_ADVANCE_SECONDS}"
            ))
        })?;
    if let Some(extra) = body
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "seconds"))
    {
        return Err(NativeError::bad_request(format!("{extra}: unknown field")));
    }
    let ms = (seconds * 1000.0).round() as i64;
    let offset = {
        let _order = state.transitions.changes.lock().await;
        let offset = state.transitions.clock.advance(ms);
        let audit = lookup::audit(&who, source, CLOCK_UPDATE, &format!("+{ms}ms"), "done");
        let writes = vec![Write::SetClockOffset(offset), Write::Audit(audit)];
        state.store.commit(writes, Priority::Answer).await?;
        offset
    };
    tracing::info!(offset_ms = offset, "simulated clock advanced");
    crate::shared::controls_changed(&state, false).await;
    // Answered once what the advance completed shows, so the next read is exact.
    let sim = |s: &switchboard_core::ResourceSpec| s.driver == "sim";
    state
        .engine
        .settle(sim, std::time::Duration::from_secs(5))
        .await;
    Ok(clock(&state))
}
