//! Query strings that several operations share, documented once. The handlers read them with
//! their own extractors; these types only describe them to utoipa, hence never built.
#![allow(dead_code)]

/// Nova's server list filters (`GET …/servers` and `…/servers/detail`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NovaServerQuery {
    /// Page size (at most 1000)
    limit: Option<i64>,
    /// Last id of the previous page
    marker: Option<String>,
    /// Regular expression on the name
    name: Option<String>,
    /// Server status
    status: Option<String>,
    /// ISO 8601 time
    #[param(rename = "changes-since")]
    changes_since: Option<String>,
    /// Sort key
    sort_key: Option<String>,
    /// asc or desc
    sort_dir: Option<String>,
    /// Every project (administrators)
    all_tenants: Option<String>,
}

/// Nova's flavor list paging (`GET …/flavors` and `…/flavors/detail`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NovaPageQuery {
    /// Page size
    limit: Option<i64>,
    /// Last id of the previous page
    marker: Option<String>,
}

/// BMS's server list filters (`GET /v1/…/baremetalservers/detail` and its v1.1).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BmsServerQuery {
    /// Page size
    limit: Option<i64>,
    /// Page number
    offset: Option<i64>,
    /// Part of the name
    name: Option<String>,
    /// Server status
    status: Option<String>,
    /// Flavor id
    flavor: Option<String>,
    /// Detail level 1-4
    detail: Option<String>,
}
