//! A typed HTTP client for Switchboard, shared by the CLI, the benchmarks and the tests.
//!
//! [`Client`] speaks to one server with one credential (a Keystone token or an AK/SK pair):
//! [`login`] gets a token, the family operations ([`ops`]) start lifecycle actions through the
//! same APIs other clients use and say which task they started, the native reads ([`reads`])
//! list tasks, resources, audit records, users, policies and keys, and [`wait`] follows a task
//! to its end over the event stream, polling when the stream is not there or drops.

mod error;
pub mod events;
pub mod login;
pub mod ops;
pub mod reads;
mod request;
pub mod wait;

pub use error::{envelope_message, Error};
pub use login::{inspect, login, revoke, Login, Session};
pub use ops::Started;
pub use reads::AuditQuery;
pub use request::{Client, Credential, Reply};
pub use wait::{state_of, Outcome, TaskState, Via};

/// Results of this crate.
pub type Result<T> = std::result::Result<T, Error>;
