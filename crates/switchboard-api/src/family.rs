//! Path parameters are checked before any handler, and a bad one is answered in the envelope
//! of the family whose route it is (axum's own rejection is plain text).

use crate::body::BodyError;
use crate::{bms, dbss, gateway, iam, live, mrs, native, nova};
use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

/// Route step (in `routes::routed`): a path whose percent-escapes do not decode to UTF-8 (so
/// that a `Path<String>` would reject it) gets a 400 in its family's format.
pub async fn path_params<F, Fut>(req: Request, next: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    if percent_decode_str(req.uri().path()).decode_utf8().is_ok() {
        return next(req).await;
    }
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("", |m| m.as_str());
    let err = BodyError::Path("percent-escapes that are not UTF-8".into());
    reject(route, err)
}

/// `err` in the envelope of the family that serves `route` (a route template as in routes.rs).
pub fn reject(route: &str, err: BodyError) -> Response {
    match name(route) {
        "mrs" => mrs::MrsError::from(err).into_response(),
        "nova" => nova::NovaError::from(err).into_response(),
        "keystone" => iam::KeystoneError::from(err).into_response(),
        "native" => native::NativeError::from(err).into_response(),
        "live" => live::LiveError::from(err).into_response(),
        "bms" => bms::BmsError::from(err).into_response(),
        "dbss" => dbss::DbssError::from(err).into_response(),
        _ => gateway::GatewayError {
            status: err.status(),
            code: "APIGW.0201",
            message: err.message(),
        }
        .into_response(),
    }
}

/// The family that serves `route` (a route template as in routes.rs): `mrs`, `nova`,
/// `keystone`, `native`, `live`, `bms`, `dbss`, `glance`, or `switchboard` (probes, metrics).
pub fn name(route: &str) -> &'static str {
    let under = |prefix: &str| route.starts_with(prefix);
    if under("/web/") {
        "mrs"
    } else if is_compute(route) {
        "nova"
    } else if is_identity(route) || route == "/" {
        "keystone"
    } else if under("/switchboard/") {
        "native"
    } else if under("/v1/{project_id}/flows") {
        "live"
    } else if under("/v1/{project_id}/baremetalservers")
        || under("/v1.1/{project_id}/baremetalservers")
        || under("/v1/{project_id}/jobs")
        || route == "/v1"
        || route == "/v1.1"
    {
        "bms"
    } else if route.contains("/db-om")
        || route == "/v1/{project_id}/instance/quota"
        || route == "/v1/{project_id}/version"
    {
        "dbss"
    } else if under("/image") {
        "glance"
    } else {
        "switchboard"
    }
}

/// Nova's paths: `/v2.1…` and everything under `/compute`.
fn is_compute(path: &str) -> bool {
    path.starts_with("/v2.1") || path == crate::prefix::COMPUTE || path.starts_with("/compute/")
}

/// Keystone's (and Huawei IAM's `/v3.0`) paths: `/v3…` and everything under `/identity`.
fn is_identity(path: &str) -> bool {
    path.starts_with("/v3") || path == crate::prefix::IDENTITY || path.starts_with("/identity/")
}

/// A path no route serves: a 404 in Nova's or Keystone's format under their paths (so that their
/// clients raise their own NotFound), the API gateway's elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    let path = uri.path();
    if is_compute(path) {
        nova::NovaError::new(StatusCode::NOT_FOUND, "The resource could not be found.")
            .into_response()
    } else if is_identity(path) {
        iam::KeystoneError::not_found("The resource could not be found.").into_response()
    } else {
        gateway::GatewayError::not_found().into_response()
    }
}

/// A served path asked with a method it does not take: Nova's `badMethod`, Keystone's 405, or
/// the API gateway's 404 elsewhere (as before).
pub async fn bad_method(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if is_compute(path) {
        let message = format!("The method {method} is not allowed for this resource.");
        nova::NovaError::new(StatusCode::METHOD_NOT_ALLOWED, message).into_response()
    } else if is_identity(path) {
        iam::KeystoneError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: "The method is not allowed for the requested URL.".into(),
            retry_after: None,
        }
        .into_response()
    } else {
        gateway::GatewayError::not_found().into_response()
    }
}
