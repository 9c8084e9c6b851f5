//! Running one shell command in its own process group, with a timeout that kills the group.

use super::ExecConfig;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_core::{DriverError, ResourceSpec};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Output kept of a command, from its end.
const TAIL_BYTES: usize = 2048;
/// How long output may keep arriving after the command exited.
const OUTPUT_GRACE: Duration = Duration::from_millis(100);

pub(super) struct Ran {
    pub code: Option<i32>,
    pub output: String,
}

impl Ran {
    pub fn describe_exit(&self) -> String {
        match self.code {
            Some(c) => format!("exited with {c}"),
            None => "was killed by a signal".into(),
        }
    }

    /// The end of stdout and stderr, prefixed for an error message.
    pub fn output_tail(&self) -> String {
        let text = self.output.trim();
        if text.is_empty() {
            return String::new();
        }
        let start = text.len().saturating_sub(TAIL_BYTES);
        let start = (start..text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        format!(": {}", &text[start..])
    }
}

pub(super) async fn run(
    script: &str,
    cfg: &ExecConfig,
    resource: &ResourceSpec,
) -> Result<Ran, DriverError> {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .envs(&cfg.env)
        .env("SWITCHBOARD_RESOURCE_ID", &resource.id)
        .env("SWITCHBOARD_RESOURCE_NAME", &resource.name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(dir) = &cfg.workdir {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn().map_err(|e| {
        DriverError::Failed(format!("{}: cannot run `{script}`: {e}", resource.name))
    })?;
    let pgid = child.id().map(|id| Pid::from_raw(id as i32));
    // Both pipes are drained at once, into shared buffers: a daemon the command started in the
    // background may keep them open long after the command itself has finished.
    let output = Arc::new(Mutex::new(Vec::new()));
    let readers = [
        child.stdout.take().map(|p| drain(p, output.clone())),
        child.stderr.take().map(|p| drain(p, output.clone())),
    ];
    match tokio::time::timeout(cfg.timeout, child.wait()).await {
        Ok(status) => {
            let status = status
                .map_err(|e| DriverError::Failed(format!("{}: `{script}`: {e}", resource.name)))?;
            for reader in readers.into_iter().flatten() {
                let _ = tokio::time::timeout(OUTPUT_GRACE, reader).await;
            }
            let output = String::from_utf8_lossy(&output.lock().unwrap_or_else(|p| p.into_inner()))
                .into_owned();
            Ok(Ran {
                code: status.code(),
                output,
            })
        }
        Err(_) => {
            // The shell and everything it started go together.
            if let Some(pgid) = pgid {
                let _ = killpg(pgid, Signal::SIGKILL);
            }
            Err(DriverError::Timeout(cfg.timeout))
        }
    }
}

/// Appends everything `pipe` yields to `into`, chunk by chunk, keeping only the last bytes.
fn drain(
    mut pipe: impl AsyncRead + Unpin + Send + 'static,
    into: Arc<Mutex<Vec<u8>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            let mut buf = into.lock().unwrap_or_else(|p| p.into_inner());
            buf.extend_from_slice(&chunk[..n]);
            if buf.len() > 4 * TAIL_BYTES {
                let cut = buf.len() - 2 * TAIL_BYTES;
                buf.drain(..cut);
            }
        }
    })
}
