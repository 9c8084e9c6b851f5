//! Keystone v3 compatible identity: tokens and the version document.

mod credentials;
mod dto;
mod error;
mod tokens;

pub use credentials::{create_credential, delete_credential, list_credentials, show_credential};
pub use error::KeystoneError;
pub use tokens::{create_token, public_url, version_v3};
