//! API faults: a route layer knows the request's family and the resources its path names; the
//! family's `permit` (every handler calls it with its action before acting) asks
//! [`tripped`], which matches the fault rules. A hit with an error makes `permit` refuse, and
//! the layer answers the error in the family's own envelope instead: nothing was accepted. A
//! latency delays the answer. Keystone checks no action: its requests are matched by family
//! before the handler runs.

mod render;
pub mod rules;
pub mod tenancy;

use crate::{family, AppState};
use axum::extract::{MatchedPath, RawPathParams, Request};
use axum::response::Response;
use axum::RequestPartsExt;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use switchboard_core::faults::{ApiHit, FaultBook, FaultFiring, FaultUse, RequestFacts};
use switchboard_identity::Principal;
use switchboard_store::Priority;

/// What the layer learnt of the request, and the hit `permit` found.
struct Scope {
    book: Arc<FaultBook>,
    family: &'static str,
    /// The path's `project_id`.
    project: Option<String>,
    /// Ids and names of the resources the path names (and the body, see [`name_resources`]).
    resources: Mutex<Vec<String>>,
    /// Set by the first `permit` of the request (later ones are sub-checks).
    hit: OnceLock<Option<ApiHit>>,
    /// The rule's use, made durable before the answer.
    used: Mutex<Option<FaultUse>>,
}

tokio::task_local! {
    static SCOPE: Arc<Scope>;
}

/// The rules' name of the family serving `route`; `None` for routes no rule reaches (probes,
/// metrics, the console, and the fault API itself).
fn family_of(route: &str) -> Option<&'static str> {
    if route.starts_with("/switchboard/v1/faults") {
        return None;
    }
    match family::name(route) {
        "keystone" => Some("iam"),
        "switchboard" => None,
        other => Some(other),
    }
}

/// Route step (in `routes::routed`): sets the scope `permit` matches in, and answers for the
/// hit it finds; `next` runs the handler.
pub async fn layer<F, Fut>(state: &AppState, req: Request, next: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    if state.faults.is_empty() {
        return next(req).await;
    }
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let family = route.as_deref().and_then(family_of);
    let Some(family) = family else {
        return next(req).await;
    };
    let (mut parts, body) = req.into_parts();
    let params: Vec<(String, String)> = parts
        .extract::<RawPathParams>()
        .await
        .map(|p| {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let req = Request::from_parts(parts, body);
    let project = params
        .iter()
        .find(|(k, _)| k == "project_id")
        .map(|(_, v)| v.clone());
    let mut resources = Vec::new();
    for (k, v) in params
        .iter()
        .filter(|(k, _)| k != "project_id" && k != "operation")
    {
        resources.push(v.clone());
        if let Some(r) = state.engine.resource(v) {
            resources.push(r.spec.name.clone());
        }
        if k == "service_name" {
            // MRS names services by cluster id and name: `mrs.<cluster>.<service>`.
            if let Some((_, cluster)) = params.iter().find(|(k, _)| k == "cluster_id") {
                resources.push(format!("mrs.{cluster}.{v}"));
            }
        }
    }
    let scope = Arc::new(Scope {
        book: state.faults.clone(),
        family,
        project,
        resources: Mutex::new(resources),
        hit: OnceLock::new(),
        used: Mutex::new(None),
    });
    if family == "iam" {
        // Keystone checks no action: match before the handler, on the family and path alone.
        let hit = check(&scope, None, None);
        record(state, &scope).await;
        if let Some(hit) = hit {
            if let Some(l) = hit.latency {
                tokio::time::sleep(l).await;
            }
            if let Some(e) = &hit.error {
                return render::error(family, e, &hit.rule_id);
            }
        }
        // Decided: no `permit` of this request matches again.
        let _ = scope.hit.set(None);
    }
    let response = SCOPE.scope(scope.clone(), next(req)).await;
    record(state, &scope).await;
    let Some(Some(hit)) = scope.hit.get() else {
        return response;
    };
    if let Some(l) = hit.latency {
        tokio::time::sleep(l).await;
    }
    match &hit.error {
        Some(e) => render::error(family, e, &hit.rule_id),
        None => response,
    }
}

/// Makes the rule's use durable before the answer, so that the firing can be read at once.
async fn record(state: &AppState, scope: &Scope) {
    let used = scope.used.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(used) = used {
        let writes = rules::writes(used);
        if let Err(err) = state.store.commit(writes, Priority::Answer).await {
            tracing::error!(%err, "fault firing write failed");
        }
    }
}

/// Whether `who` may perform `action` and no fault rule refuses it: every family's `permit`.
/// Records the action as the request's operation for the request log either way.
pub fn allows(who: &Principal, action: &str) -> bool {
    crate::request_id::action(who, action);
    who.may(action) && !tripped(who, action)
}

/// Matches the request against the rules as `who` performing `action`; whether an API error
/// hit it (the caller then refuses, and the layer renders the error). Families call this from
/// their `permit` once the action is allowed.
pub fn tripped(who: &Principal, action: &str) -> bool {
    SCOPE
        .try_with(|scope| {
            let hit = scope
                .hit
                .get_or_init(|| check(scope, Some(who), Some(action)));
            hit.as_ref().is_some_and(|h| h.error.is_some())
        })
        .unwrap_or(false)
}

/// Adds the resources a request names in its body (a BMS batch names its servers there) to
/// those rules match, by id and name; handlers call it before `permit`.
pub fn name_resources(state: &AppState, ids: &[String]) {
    let _ = SCOPE.try_with(|scope| {
        let mut named = scope.resources.lock().unwrap_or_else(|p| p.into_inner());
        for id in ids {
            named.push(id.clone());
            if let Some(r) = state.engine.resource(id) {
                named.push(r.spec.name.clone());
            }
        }
    });
}

fn check(scope: &Scope, who: Option<&Principal>, action: Option<&str>) -> Option<ApiHit> {
    let resources = scope
        .resources
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let mut projects: Vec<String> = scope.project.iter().cloned().collect();
    if let Some(p) = who.and_then(|w| w.project_id.clone()) {
        projects.push(p);
    }
    let facts = RequestFacts {
        family: scope.family.to_string(),
        action: action.map(str::to_string),
        projects,
        resources: resources.clone(),
    };
    let firing = FaultFiring {
        at: switchboard_core::now_millis(),
        family: scope.family.to_string(),
        action: action.map(str::to_string),
        resource: resources.first().cloned(),
        project_id: who
            .and_then(|w| w.project_id.clone())
            .or(scope.project.clone()),
        request_id: Some(crate::request_id::current()),
        principal: who.map(Principal::audit_name),
        ..FaultFiring::default()
    };
    let (hit, used) = scope.book.check_request(&facts, firing);
    *scope.used.lock().unwrap_or_else(|p| p.into_inner()) = used;
    hit
}
