//! The `token` auth method (`OS_AUTH_TYPE=v3token`), as keystone/auth/plugins/token.py: a live
//! token is exchanged for one of the same user, scoped as asked (or unscoped), that expires no
//! later than the original. An unknown, revoked or expired token, a user gone, or a project
//! where the user has no role is a 401.

use super::dto::{Scope, TokenMethod};
use super::tokens::{issue, resolve_scope, Issue};
use super::KeystoneError;
use crate::AppState;
use axum::http::HeaderMap;
use axum::response::Response;
use switchboard_core::now_millis;
use switchboard_identity::token_hash;

/// Answers a token request whose method is `token`.
pub async fn rescope(
    state: &AppState,
    headers: &HeaderMap,
    source: Option<String>,
    token: TokenMethod,
    scope: Option<Scope>,
) -> Result<Response, KeystoneError> {
    let record = state
        .store
        .token(&token_hash(&token.id))
        .await?
        .filter(|r| r.expires_at > now_millis())
        .ok_or_else(KeystoneError::unauthorized)?;
    let user = state
        .store
        .user_by_id(&record.user_id)
        .await?
        .ok_or_else(KeystoneError::unauthorized)?;
    let scope = resolve_scope(state, &user, scope).await?;
    let issued = Issue {
        user: &user,
        scope,
        expires_at: record.expires_at,
        methods: &["token", "password"],
    };
    issue(state, headers, source, issued).await
}
