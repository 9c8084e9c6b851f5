//! The fault rules (`/switchboard/v1/faults`), LocalStack's Chaos API shape: `GET` the rules
//! in order, `POST` replaces them all, `PATCH` appends, `DELETE` removes those named by `?id=`
//! or by the body (rules whose given fields all match), every rule without either. Each answer
//! is the resulting list. `GET /switchboard/v1/faults/fired` pages the firings, newest first.
//! Administrators only by default (`switchboard:fault:list|update`); changes are audited.

use super::{NativeError, Page};
use crate::auth::{Authenticated, Source};
use crate::faults::rules::{self, PrepareError};
use crate::faults::tenancy::RuleTenancy;
use crate::{lookup, AppState};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::faults::{FaultRule, RuleError, StoredRule};
use switchboard_identity::Principal;
use switchboard_store::{Priority, Write};

const LIST: &str = "switchboard:fault:list";
const UPDATE: &str = "switchboard:fault:update";

impl From<PrepareError> for NativeError {
    fn from(e: PrepareError) -> Self {
        match e {
            PrepareError::Rule(e) => e.into(),
            PrepareError::Store(e) => e.into(),
        }
    }
}

impl From<RuleError> for NativeError {
    fn from(e: RuleError) -> Self {
        NativeError::bad_request(e.to_string())
    }
}

/// The body as rules; a missing body is `None`. Errors name the rule and field.
fn parse(raw: Result<Bytes, BytesRejection>) -> Result<Option<Vec<FaultRule>>, NativeError> {
    let Some(value) = crate::body::parse::<Value>(raw)? else {
        return Ok(None);
    };
    let Value::Array(items) = value else {
        return Err(NativeError::bad_request(
            "rules: a JSON array of rules is required",
        ));
    };
    super::items_of(items, "rules").map(Some)
}

/// The rules the caller governs, in order.
fn listed(rules: &[StoredRule], tenancy: &RuleTenancy) -> Json<Value> {
    let rules: Vec<&FaultRule> = rules
        .iter()
        .map(|s| &s.rule)
        .filter(|r| tenancy.owns(r))
        .collect();
    Json(serde_json::to_value(rules).unwrap_or_default())
}

/// The body's rules for a change, those naming no project bound to the caller's, and whose
/// rules the caller governs.
async fn given(
    state: &AppState,
    who: &Principal,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(Vec<FaultRule>, RuleTenancy), NativeError> {
    NativeError::permit(who, UPDATE)?;
    let mut given = parse(raw)?.ok_or_else(|| NativeError::bad_request("rules: required"))?;
    let tenancy = RuleTenancy::of(state.store.as_ref(), who).await?;
    tenancy.bind(who, &mut given);
    Ok((given, tenancy))
}

/// Makes the change durable with its audit record, in the order changes were made.
async fn commit(
    state: &AppState,
    who: &Principal,
    source: Option<String>,
    rules: Vec<StoredRule>,
    tenancy: &RuleTenancy,
    target: String,
) -> Result<Json<Value>, NativeError> {
    let answer = listed(&rules, tenancy);
    let audit = lookup::audit(who, source, UPDATE, &target, "done");
    state
        .store
        .commit(
            vec![Write::SetFaultRules(rules), Write::Audit(audit)],
            Priority::Answer,
        )
        .await?;
    crate::shared::controls_changed(state, false).await;
    Ok(answer)
}

#[utoipa::path(get, path = "/switchboard/v1/faults", tag = "Switchboard",
    responses((status = 200, description = "The rules, in order", body = crate::openapi::native::FaultRules),
        crate::openapi::NativeRead))]
pub async fn list_faults(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, LIST)?;
    let tenancy = RuleTenancy::of(state.store.as_ref(), &who).await?;
    Ok(listed(&state.faults.stored(), &tenancy))
}

#[utoipa::path(post, path = "/switchboard/v1/faults", tag = "Switchboard",
    request_body = crate::openapi::native::FaultRules,
    responses((status = 200, description = "The rules now in force", body = crate::openapi::native::FaultRules),
        crate::openapi::NativeWrite))]
pub async fn replace_faults(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, NativeError> {
    let (given, tenancy) = given(&state, &who, raw).await?;
    let rules = rules::prepare(state.store.as_ref(), &state.engine, &state.ids, given, 0).await?;
    tenancy.check(&rules, 0)?;
    let _order = state.faults.changes.lock().await;
    let kept = state.faults.replace_where(|r| tenancy.owns(r), rules)?;
    commit(&state, &who, source, kept, &tenancy, "replace".into()).await
}

#[utoipa::path(patch, path = "/switchboard/v1/faults", tag = "Switchboard",
    request_body = crate::openapi::native::FaultRules,
    responses((status = 200, description = "The rules now in force", body = crate::openapi::native::FaultRules),
        crate::openapi::NativeWrite))]
pub async fn append_faults(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, NativeError> {
    let (given, tenancy) = given(&state, &who, raw).await?;
    let _order = state.faults.changes.lock().await;
    // Error field names count the rules the caller sees.
    let offset = state
        .faults
        .rules()
        .iter()
        .filter(|r| tenancy.owns(r))
        .count();
    let rules = rules::prepare(
        state.store.as_ref(),
        &state.engine,
        &state.ids,
        given,
        offset,
    )
    .await?;
    tenancy.check(&rules, offset)?;
    let kept = state.faults.append(rules)?;
    commit(&state, &who, source, kept, &tenancy, "append".into()).await
}

#[utoipa::path(delete, path = "/switchboard/v1/faults", tag = "Switchboard",
    params(("id" = Option<String>, Query, description = "Id of the rule to remove (comma-separated for more)")),
    request_body = crate::openapi::native::FaultRules,
    responses((status = 200, description = "The rules still in force", body = crate::openapi::native::FaultRules),
        crate::openapi::NativeWrite))]
pub async fn delete_faults(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Source(source): Source,
    Query(query): Query<HashMap<String, String>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, UPDATE)?;
    let ids: Option<Vec<String>> = query
        .get("id")
        .map(|v| v.split(',').map(str::to_string).collect());
    // Each body entry names rules by the fields it gives (an id alone, or a whole rule).
    let patterns: Option<Vec<serde_json::Map<String, Value>>> = parse(raw)?.map(|rules| {
        rules
            .iter()
            .filter_map(|r| serde_json::to_value(r).ok())
            .filter_map(|v| v.as_object().cloned())
            .collect()
    });
    let tenancy = RuleTenancy::of(state.store.as_ref(), &who).await?;
    let _order = state.faults.changes.lock().await;
    let (kept, removed) = state.faults.remove(|rule| {
        if !tenancy.owns(rule) {
            return false;
        }
        let named = |p: &serde_json::Map<String, Value>| {
            let rule = serde_json::to_value(rule).unwrap_or_default();
            p.iter().all(|(k, v)| rule.get(k) == Some(v))
        };
        match (&ids, &patterns) {
            (None, None) => true,
            (ids, patterns) => {
                ids.as_ref()
                    .is_some_and(|ids| ids.iter().any(|i| rule.id.as_ref() == Some(i)))
                    || patterns.as_ref().is_some_and(|ps| ps.iter().any(named))
            }
        }
    });
    commit(
        &state,
        &who,
        source,
        kept,
        &tenancy,
        format!("delete {removed}"),
    )
    .await
}

#[utoipa::path(get, path = "/switchboard/v1/faults/fired", tag = "Switchboard",
    params(
        ("limit" = Option<i64>, Query, description = "At most this many (1–1000, 100)"),
        ("offset" = Option<i64>, Query, description = "After skipping this many"),
    ),
    responses((status = 200, description = "Firings, newest first", body = crate::openapi::native::FaultFirings),
        crate::openapi::NativeRead))]
pub async fn list_fired(
    State(state): State<AppState>,
    Authenticated(who): Authenticated,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, NativeError> {
    NativeError::permit(&who, LIST)?;
    let (limit, offset) = Page(&query).bounds()?;
    let tenancy = RuleTenancy::of(state.store.as_ref(), &who).await?;
    let projects = tenancy.projects();
    let fired = state
        .store
        .fault_firings(projects.as_deref(), limit, offset)
        .await?;
    Ok(Json(
        json!({"fired": fired, "limit": limit, "offset": offset}),
    ))
}
