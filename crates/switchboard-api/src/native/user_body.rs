//! The bodies of the users API: a new user and a change to one (documented in the OpenAPI).

use super::NativeError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A new user: `roles` maps project ids to role names.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    pub(super) name: String,
    #[serde(default)]
    pub(super) domain: Option<String>,
    pub(super) password: String,
    #[serde(default)]
    pub(super) roles: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) policies: Vec<String>,
    #[serde(default)]
    pub(super) system_admin: bool,
}

/// What to change of a user; absent fields stay.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserChange {
    #[serde(default)]
    pub(super) password: Option<String>,
    #[serde(default)]
    pub(super) roles: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub(super) policies: Option<Vec<String>>,
    #[serde(default)]
    pub(super) system_admin: Option<bool>,
}

/// `raw` as a `T`; a missing body is a 400.
pub(super) fn body<T: serde::de::DeserializeOwned>(
    raw: Result<Bytes, BytesRejection>,
) -> Result<T, NativeError> {
    crate::body::parse(raw)
        .map_err(NativeError::from)?
        .ok_or_else(|| NativeError::bad_request("a JSON body is required"))
}
