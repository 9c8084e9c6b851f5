//! Keystone v3 compatible identity: tokens and the version document.

mod dto;
mod error;
mod tokens;

pub use error::KeystoneError;
pub use tokens::{create_token, public_url, version_v3};
