//! AK/SK authentication: requests signed with `SDK-HMAC-SHA256` are verified here, before any
//! handler, and the principal they resolve to is handed on in the request's extensions.

use crate::gateway::GatewayError;
use crate::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use switchboard_core::now_millis;
use switchboard_identity::signing::{self, ReceivedRequest, SdkAuthorization};
use switchboard_identity::Principal;
use switchboard_store::Store;

/// Signed bodies larger than this are refused, as by the API gateway.
const MAX_SIGNED_BODY: usize = 12 * 1024 * 1024;
/// How far `X-Sdk-Date` may be from the server's clock.
const DATE_WINDOW_SECS: i64 = 15 * 60;
const LOCK_AFTER_FAILURES: u32 = 5;
const LOCK_MILLIS: i64 = 5 * 60 * 1000;

/// Consecutive failures per access key, and until when it is locked.
#[derive(Default)]
pub struct Lockouts(Mutex<HashMap<String, (u32, i64)>>);

impl Lockouts {
    fn locked(&self, ak: &str, now: i64) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(ak)
            .is_some_and(|&(_, until)| until > now)
    }

    fn failed(&self, ak: &str, now: i64) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map.entry(ak.to_string()).or_insert((0, 0));
        entry.0 += 1;
        if entry.0 >= LOCK_AFTER_FAILURES {
            *entry = (0, now + LOCK_MILLIS);
        }
    }

    fn succeeded(&self, ak: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(ak);
    }
}

pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(auth) = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.starts_with(signing::ALGORITHM))
        .map(str::to_string)
    else {
        return next.run(req).await;
    };
    let (mut parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_SIGNED_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return GatewayError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: "APIGW.0201",
                message: "Request entity too large".into(),
            }
            .into_response()
        }
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let received = ReceivedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &headers,
        body: &bytes,
    };
    match authenticate(&state, &auth, &received).await {
        Ok(principal) => {
            parts
                .extensions
                .insert(crate::request_id::principal(principal));
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(e) => e.into_response(),
    }
}

async fn authenticate(
    state: &AppState,
    header: &str,
    req: &ReceivedRequest<'_>,
) -> Result<Principal, GatewayError> {
    let auth = SdkAuthorization::parse(header)
        .ok_or_else(|| GatewayError::unauthorized("verify aksk signature fail"))?;
    let now = now_millis();
    let date = req
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-sdk-date"))
        .and_then(|(_, v)| signing::parse_sdk_date(v))
        .ok_or_else(|| {
            GatewayError::unauthorized(
                "verify aksk signature fail: X-Sdk-Date is missing or malformed",
            )
        })?;
    if (now / 1000 - date).abs() > DATE_WINDOW_SECS {
        return Err(GatewayError::unauthorized(
            "verify aksk signature fail: X-Sdk-Date is more than 15 minutes off",
        ));
    }
    let lockouts = &state.auth.lockouts;
    if lockouts.locked(&auth.access_key, now) {
        return Err(GatewayError::unauthorized(
            "AK access failed to reach the limit,forbidden",
        ));
    }
    let store: &dyn Store = state.store.as_ref();
    let credential = store.credential(&auth.access_key).await.map_err(|err| {
        tracing::error!(%err, "credential lookup failed");
        GatewayError::unavailable()
    })?;
    let Some(credential) = credential else {
        return Err(GatewayError::unauthorized(&format!(
            "Get secretKey failed,ak:{},err:ak not exist",
            auth.access_key
        )));
    };
    let secret = state
        .auth
        .master_key()
        .decrypt(&credential.secret_enc)
        .map_err(|err| {
            tracing::error!(%err, "stored secret key cannot be decrypted");
            GatewayError::unavailable()
        })?;
    if !signing::verify(req, &auth, &secret) {
        lockouts.failed(&auth.access_key, now);
        return Err(GatewayError::unauthorized("verify aksk signature fail"));
    }
    lockouts.succeeded(&auth.access_key);
    let project = req
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-project-id"))
        .map(|(_, v)| v.clone());
    let found = state
        .auth
        .principal(&credential.user_id, project.clone(), i64::MAX)
        .await
        .map_err(|err| {
            tracing::error!(%err, "principal lookup failed");
            GatewayError::unavailable()
        })?;
    match (found, project) {
        (Some(principal), _) => Ok(principal),
        // The key is valid, but its user has no role in the project it names.
        (None, Some(_)) => Err(GatewayError::forbidden(
            "the credential's user has no role in this project",
        )),
        (None, None) => Err(GatewayError::unauthorized(
            "the credential's user no longer exists",
        )),
    }
}
