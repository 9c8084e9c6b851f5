//! AK/SK authentication: requests signed with `SDK-HMAC-SHA256` are verified here, before any
//! handler, and the principal they resolve to is handed on in the request's extensions.
//!
//! Everything that can be checked from the headers is checked before the body is read: the
//! `Authorization` header, the date, that `X-Project-Id` is signed, the access key and its lock.
//! Only then is the body read, never beyond the limit, and the signature (which covers it)
//! verified.

use crate::gateway::GatewayError;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
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
/// Access keys tracked for failures before the unlocked ones are forgotten.
const LOCKOUT_ENTRIES: usize = 100_000;
/// The one answer to a bad signature, a wrong secret or an unknown access key alike, so that
/// the answer does not tell which keys exist.
const SIGNATURE_FAIL: &str = "verify aksk signature fail";

/// Consecutive failures per access key, and until when it is locked. Unknown keys are counted
/// too, so that a lock does not reveal that a key exists. The table is bounded: when it is full
/// and a sweep (at most one a second) frees nothing, a new key's failures go uncounted rather
/// than grow it.
#[derive(Default)]
pub struct Lockouts(Mutex<LockTable>);

#[derive(Default)]
pub struct LockTable {
    entries: HashMap<String, (u32, i64)>,
    last_sweep: i64,
}

impl Lockouts {
    fn table(&self) -> std::sync::MutexGuard<'_, LockTable> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn locked(&self, ak: &str, now: i64) -> bool {
        self.table()
            .entries
            .get(ak)
            .is_some_and(|&(_, until)| until > now)
    }

    fn failed(&self, ak: &str, now: i64) {
        let mut table = self.table();
        if table.entries.len() >= LOCKOUT_ENTRIES && !table.entries.contains_key(ak) {
            if now - table.last_sweep < 1000 {
                return;
            }
            table.last_sweep = now;
            table.entries.retain(|_, &mut (_, until)| until > now);
            if table.entries.len() >= LOCKOUT_ENTRIES {
                return;
            }
        }
        let entry = table.entries.entry(ak.to_string()).or_insert((0, 0));
        entry.0 += 1;
        if entry.0 >= LOCK_AFTER_FAILURES {
            *entry = (0, now + LOCK_MILLIS);
        }
    }

    fn succeeded(&self, ak: &str) {
        self.table().entries.remove(ak);
    }
}

/// An access key found and unlocked, with its decrypted secret.
struct Credential {
    auth: SdkAuthorization,
    user_id: String,
    secret: String,
}

pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(auth) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.starts_with(signing::ALGORITHM))
        .map(str::to_string)
    else {
        return next.run(req).await;
    };
    let (mut parts, body) = req.into_parts();
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
    let credential = match credential(&state, &auth, &headers).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let limit = MAX_SIGNED_BODY.min(state.config.max_body_bytes);
    let bytes = match read_body(&parts.headers, body, limit).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let received = ReceivedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &headers,
        body: &bytes,
    };
    match authenticate(&state, &credential, &received).await {
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

/// Reads at most `limit` bytes; a declared `Content-Length` over it is refused unread.
async fn read_body(
    headers: &axum::http::HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, GatewayError> {
    let too_large = || GatewayError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "APIGW.0201",
        message: "Request entity too large".into(),
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|err| {
        let source = err.into_inner();
        if source.is::<http_body_util::LengthLimitError>() {
            too_large()
        } else {
            GatewayError {
                status: StatusCode::BAD_REQUEST,
                code: "APIGW.0201",
                message: format!("Request body could not be read: {source}"),
            }
        }
    })
}

fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Everything that can be checked before the body is read.
async fn credential(
    state: &AppState,
    header: &str,
    headers: &[(String, String)],
) -> Result<Credential, GatewayError> {
    let auth = SdkAuthorization::parse(header)
        .ok_or_else(|| GatewayError::unauthorized(SIGNATURE_FAIL))?;
    let now = now_millis();
    let date = header_value(headers, "x-sdk-date")
        .and_then(signing::parse_sdk_date)
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
    // The project decides whose resources are acted on: a signature must cover it.
    let project_signed = auth
        .signed_headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case("x-project-id"));
    if header_value(headers, "x-project-id").is_some() && !project_signed {
        return Err(GatewayError::unauthorized(
            "verify aksk signature fail: X-Project-Id is not a signed header",
        ));
    }
    let lockouts = &state.auth.lockouts;
    if lockouts.locked(&auth.access_key, now) {
        return Err(GatewayError::unauthorized(
            "AK access failed to reach the limit,forbidden",
        ));
    }
    let store: &dyn Store = state.store.as_ref();
    let found = store.credential(&auth.access_key).await.map_err(|err| {
        tracing::error!(%err, "credential lookup failed");
        GatewayError::unavailable()
    })?;
    let Some(found) = found else {
        lockouts.failed(&auth.access_key, now);
        return Err(GatewayError::unauthorized(SIGNATURE_FAIL));
    };
    let secret = state
        .auth
        .master_key()
        .decrypt(&found.secret_enc)
        .map_err(|err| {
            tracing::error!(%err, "stored secret key cannot be decrypted");
            GatewayError::unavailable()
        })?;
    Ok(Credential {
        auth,
        user_id: found.user_id,
        secret,
    })
}

/// Verifies the signature over the whole request, body included, and resolves the principal.
async fn authenticate(
    state: &AppState,
    credential: &Credential,
    req: &ReceivedRequest<'_>,
) -> Result<Principal, GatewayError> {
    let auth = &credential.auth;
    let lockouts = &state.auth.lockouts;
    let now = now_millis();
    // Again after the body: requests started together must not each get a guess past a lock.
    if lockouts.locked(&auth.access_key, now) {
        return Err(GatewayError::unauthorized(
            "AK access failed to reach the limit,forbidden",
        ));
    }
    if !signing::verify(req, auth, &credential.secret) {
        lockouts.failed(&auth.access_key, now);
        return Err(GatewayError::unauthorized(SIGNATURE_FAIL));
    }
    lockouts.succeeded(&auth.access_key);
    let project = header_value(req.headers, "x-project-id").map(str::to_string);
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
