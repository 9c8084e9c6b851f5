//! Exit codes scripts can rely on, and the error that carries one.

use switchboard_client::Error as ClientError;

/// Success (a waited-for task completed).
pub const OK: i32 = 0;
/// Anything not listed below (a local file, an unexpected answer).
pub const OTHER: i32 = 1;
/// Bad command line (clap's own code).
pub const USAGE: i32 = 2;
/// The task ended FAILED.
pub const TASK_FAILED: i32 = 3;
/// `--timeout` expired before the task ended (it keeps running).
pub const TIMED_OUT: i32 = 4;
/// The task ended CANCELLED.
pub const CANCELLED: i32 = 5;
/// The server refused the request (4xx: bad credentials, unknown name, conflict, forbidden).
pub const REFUSED: i32 = 6;
/// No server answered at the URL.
pub const UNREACHABLE: i32 = 7;
/// The server failed (5xx).
pub const SERVER_ERROR: i32 = 8;
/// Detached with Ctrl-C (the task keeps running), as a shell reports SIGINT.
pub const DETACHED: i32 = 130;

/// The table in `--help` and the README.
pub const HELP: &str = "\
Exit codes:
  0    success (with --wait: the task completed)
  1    other error (local file, unexpected answer)
  2    usage error
  3    the task failed
  4    timed out waiting (--timeout); the task keeps running
  5    the task was cancelled
  6    refused by the server (4xx: wrong password, unknown name, conflict, forbidden)
  7    server unreachable
  8    server error (5xx)
  130  detached with Ctrl-C; the task keeps running";

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn new(code: i32, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    pub fn other(message: impl Into<String>) -> Failure {
        Failure::new(OTHER, message)
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(USAGE, message)
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Failure {
        let code = match &e {
            ClientError::Refused { .. } => REFUSED,
            ClientError::Unreachable { .. } => UNREACHABLE,
            ClientError::Server { .. } => SERVER_ERROR,
            ClientError::Protocol(_) => OTHER,
        };
        Failure::new(code, e.to_string())
    }
}

/// What the CLI's commands return.
pub type CliResult<T = ()> = Result<T, Failure>;
