//! `POST /v3/auth/tokens` (password method, project or domain scope).

use super::dto::{AuthRequest, NameOrId, ProjectRef, Scope, UserRef};
use super::KeystoneError;
use crate::auth::{PeerAddr, Source};
use crate::login::Account;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use switchboard_core::now_millis;
use switchboard_identity::{new_token, token_hash};
use switchboard_store::{AuditRecord, DomainRecord, ProjectRecord, TokenRecord, UserRecord};

#[utoipa::path(
    post,
    path = "/v3/auth/tokens",
    tag = "Keystone",
    request_body = crate::iam::dto::AuthRequest,
    security(()),
    responses(
        (status = 201, description = "Created", body = crate::openapi::identity::KeystoneToken),
        crate::openapi::KeystoneWrite,
    )
)]
pub async fn create_token(
    State(state): State<AppState>,
    Source(source): Source,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, KeystoneError> {
    // Checked before anything costly: a password check is the expensive part.
    if let Err(refused) = state.logins.address(source.as_deref()) {
        tracing::debug!(peer = ?peer, reason = refused.reason(), "token request refused");
        return Err(KeystoneError::too_many_requests(refused));
    }
    let request: AuthRequest = crate::body::parse(body)?
        .ok_or_else(|| KeystoneError::bad_request("Expecting to find auth in request body."))?;
    let identity = request.auth.identity;
    if !identity.methods.iter().any(|m| m == "password") {
        if identity.methods.iter().any(|m| m == "token") {
            let token = identity.token.ok_or_else(|| {
                KeystoneError::bad_request("Expecting to find token in identity.")
            })?;
            return super::rescope::rescope(&state, &headers, source, token, request.auth.scope)
                .await;
        }
        return Err(KeystoneError::unauthorized());
    }
    let user_ref = identity
        .password
        .ok_or_else(|| KeystoneError::bad_request("Expecting to find password in identity."))?
        .user;
    let user = find_user(&state, &user_ref).await?;
    let attempted = attempted_name(&user_ref);
    let account = match &user {
        Some(u) => Account::Known(&u.id),
        None => Account::Unknown(&attempted),
    };
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let failure = match state.logins.verify(account, user_ref.password, hash).await {
        Ok(true) => None,
        Ok(false) if user.is_none() => Some("no such user"),
        Ok(false) => Some("wrong password"),
        Err(refused) => {
            tracing::info!(user = ?attempted, source = ?source, peer = ?peer,
                request_id = %crate::request_id::current(), reason = refused.reason(),
                "login refused");
            return Err(KeystoneError::too_many_requests(refused));
        }
    };
    let (Some(user), None) = (user, failure) else {
        tracing::warn!(user = ?attempted, source = ?source, peer = ?peer,
            request_id = %crate::request_id::current(), reason = failure.unwrap_or_default(),
            "login failed");
        let project_id = match request.auth.scope.as_ref().and_then(|s| s.project.as_ref()) {
            Some(p) => find_project(&state, p).await?.map(|p| p.id),
            None => None,
        };
        let record = Attempt {
            principal: "unknown",
            target: Some(attempted),
            outcome: "rejected: wrong user or password",
        };
        audit(&state, record, project_id, source).await;
        return Err(KeystoneError::unauthorized());
    };
    let scope = resolve_scope(&state, &user, request.auth.scope).await?;
    let expires_at = now_millis() + state.config.token_ttl.as_millis() as i64;
    let issued = Issue {
        user: &user,
        scope,
        expires_at,
        methods: &["password"],
    };
    issue(&state, &headers, source, issued).await
}

/// A token about to be issued: to whom, where, until when, and by which methods.
pub(super) struct Issue<'a> {
    pub user: &'a UserRecord,
    pub scope: Scoped,
    pub expires_at: i64,
    pub methods: &'a [&'a str],
}

/// Stores a new token, audits it and answers 201 with its body and `X-Subject-Token`.
pub(super) async fn issue(
    state: &AppState,
    headers: &HeaderMap,
    source: Option<String>,
    issued: Issue<'_>,
) -> Result<Response, KeystoneError> {
    let Issue {
        user,
        scope,
        expires_at,
        methods,
    } = issued;
    let now = now_millis();
    let token = new_token();
    let project_id = match &scope {
        Scoped::Project(p, _) => Some(p.id.clone()),
        _ => None,
    };
    state
        .store
        .insert_token(&TokenRecord {
            token_hash: token_hash(&token),
            user_id: user.id.clone(),
            project_id: project_id.clone(),
            issued_at: now,
            expires_at,
        })
        .await?;
    let record = Attempt {
        principal: &format!("{}@{}", user.name, user.domain_id),
        target: None,
        outcome: "issued",
    };
    audit(state, record, project_id, source).await;

    let (project, domain_scope) = match scope {
        Scoped::Project(p, roles) => (Some((p, roles)), None),
        Scoped::Domain(d) => (None, Some(d)),
        Scoped::None => (None, None),
    };
    let mut body =
        super::render::token_body(state, headers, user, project, domain_scope, now, expires_at)
            .await?;
    body["methods"] = json!(methods);
    let mut response = (StatusCode::CREATED, Json(json!({ "token": body }))).into_response();
    if let Ok(v) = token.parse() {
        response.headers_mut().insert("x-subject-token", v);
    }
    Ok(response)
}

pub(super) enum Scoped {
    Project(ProjectRecord, Vec<String>),
    Domain(DomainRecord),
    None,
}

async fn find_domain(
    state: &AppState,
    d: &NameOrId,
) -> Result<Option<DomainRecord>, KeystoneError> {
    match (&d.id, &d.name) {
        (Some(id), _) => Ok(state.store.domain(id).await?.filter(|r| &r.id == id)),
        (None, Some(name)) => Ok(state.store.domain(name).await?.filter(|r| &r.name == name)),
        (None, None) => Err(KeystoneError::bad_request(
            "Expecting to find id or name in domain.",
        )),
    }
}

async fn find_user(state: &AppState, u: &UserRef) -> Result<Option<UserRecord>, KeystoneError> {
    if let Some(id) = &u.id {
        return Ok(state.store.user_by_id(id).await?);
    }
    let name = u
        .name
        .as_deref()
        .ok_or_else(|| KeystoneError::bad_request("Expecting to find id or name in user."))?;
    let domain = u
        .domain
        .as_ref()
        .ok_or_else(|| KeystoneError::bad_request("Expecting to find domain in user."))?;
    let Some(domain) = find_domain(state, domain).await? else {
        return Ok(None);
    };
    Ok(state.store.user_by_name(&domain.name, name).await?)
}

pub(super) async fn resolve_scope(
    state: &AppState,
    user: &UserRecord,
    scope: Option<Scope>,
) -> Result<Scoped, KeystoneError> {
    let Some(scope) = scope else {
        return Ok(Scoped::None);
    };
    if let Some(p) = scope.project {
        let project = find_project(state, &p)
            .await?
            .ok_or_else(KeystoneError::unauthorized)?;
        let roles = state.store.roles(&user.id, &project.id).await?;
        if roles.is_empty() {
            return Err(KeystoneError::unauthorized());
        }
        return Ok(Scoped::Project(project, roles));
    }
    if let Some(d) = scope.domain {
        let domain = find_domain(state, &d)
            .await?
            .ok_or_else(KeystoneError::unauthorized)?;
        if domain.id != user.domain_id {
            return Err(KeystoneError::unauthorized());
        }
        return Ok(Scoped::Domain(domain));
    }
    Err(KeystoneError::bad_request(
        "Expecting to find project or domain in scope.",
    ))
}

async fn find_project(
    state: &AppState,
    p: &ProjectRef,
) -> Result<Option<ProjectRecord>, KeystoneError> {
    if let Some(id) = &p.id {
        return Ok(state.store.project(id).await?);
    }
    let name = p
        .name
        .as_deref()
        .ok_or_else(|| KeystoneError::bad_request("Expecting to find id or name in project."))?;
    let domain_id = match &p.domain {
        Some(d) => match find_domain(state, d).await? {
            Some(d) => Some(d.id),
            None => return Ok(None),
        },
        None => None,
    };
    let mut found = state
        .store
        .project_by_name(name, domain_id.as_deref())
        .await?;
    // A project name alone (as Huawei IAM accepts) must be unambiguous.
    Ok(if found.len() == 1 { found.pop() } else { None })
}

/// The user a token request names, as given: `name@domain` or `id:…`, cut to a sane length.
fn attempted_name(u: &UserRef) -> String {
    let name = match (&u.id, &u.name, &u.domain) {
        (Some(id), _, _) => format!("id:{id}"),
        (None, name, domain) => {
            let domain = domain
                .as_ref()
                .and_then(|d| d.name.as_ref().or(d.id.as_ref()));
            format!(
                "{}@{}",
                name.as_deref().unwrap_or(""),
                domain.map_or("", String::as_str)
            )
        }
    };
    name.chars().take(200).collect()
}

/// Who a token request's audit record names, what it targets, and how it ended.
struct Attempt<'a> {
    principal: &'a str,
    target: Option<String>,
    outcome: &'a str,
}

async fn audit(
    state: &AppState,
    attempt: Attempt<'_>,
    project_id: Option<String>,
    source: Option<String>,
) {
    let Attempt {
        principal,
        target,
        outcome,
    } = attempt;
    let record = AuditRecord {
        id: 0,
        at: now_millis(),
        principal: principal.to_string(),
        project_id,
        action: "iam:token:create".into(),
        target,
        request_id: crate::request_id::current(),
        source,
        outcome: outcome.to_string(),
        detail: None,
    };
    if let Err(err) = state.engine.audit(record).await {
        tracing::error!(%err, "audit write failed");
    }
}
