//! Keystone v3 compatible identity: tokens and the version document.

pub(crate) mod credentials;
pub(crate) mod dto;
mod error;
pub(crate) mod reads;
mod render;
mod rescope;
pub(crate) mod tokens;
pub(crate) mod validate;
pub(crate) mod versions;

pub use credentials::{create_credential, delete_credential, list_credentials, show_credential};
pub use error::KeystoneError;
pub use reads::*;
pub use render::public_url;
pub use tokens::create_token;
pub use validate::{list_projects, revoke_token, validate_token};
pub use versions::{version_root, version_v3};
