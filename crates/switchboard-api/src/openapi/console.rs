//! The web console's page and files: public, not JSON.

#[derive(utoipa::OpenApi)]
#[openapi(paths(crate::console::redirect, crate::console::index, crate::console::asset,))]
pub struct Doc;
