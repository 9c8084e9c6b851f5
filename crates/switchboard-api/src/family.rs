//! Path parameters are checked before any handler, and a bad one is answered in the envelope
//! of the family whose route it is (axum's own rejection is plain text).

use crate::body::BodyError;
use crate::{bms, dbss, gateway, iam, live, mrs, native, nova};
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

/// Route layer: a path whose percent-escapes do not decode to UTF-8 (so that a `Path<String>`
/// would reject it) gets a 400 in its family's format.
pub async fn path_params(req: Request, next: Next) -> Response {
    if percent_decode_str(req.uri().path()).decode_utf8().is_ok() {
        return next.run(req).await;
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
    let under = |prefix: &str| route.starts_with(prefix);
    if under("/web/") {
        mrs::MrsError::from(err).into_response()
    } else if under("/v2.1") || route == "/" {
        nova::NovaError::from(err).into_response()
    } else if under("/v3") {
        iam::KeystoneError::from(err).into_response()
    } else if under("/switchboard/") {
        native::NativeError::from(err).into_response()
    } else if under("/v1/{project_id}/flows") {
        live::LiveError::from(err).into_response()
    } else if under("/v1/{project_id}/baremetalservers")
        || under("/v1.1/{project_id}/baremetalservers")
        || under("/v1/{project_id}/jobs")
    {
        bms::BmsError::from(err).into_response()
    } else if route.contains("/db-om")
        || route == "/v1/{project_id}/instance/quota"
        || route == "/v1/{project_id}/version"
    {
        dbss::DbssError::from(err).into_response()
    } else {
        gateway::GatewayError {
            status: err.status(),
            code: "APIGW.0201",
            message: err.message(),
        }
        .into_response()
    }
}
