//! The `process` driver: real local processes, each the leader of its own process group and
//! detached from the server, so that a restarted (or crashed) server leaves them running. Pid and
//! start time are kept in `DATA_DIR/process`, and a restarted server re-adopts a process that is
//! still alive (same start time) instead of starting a twin.

mod config;
mod probe;
pub(crate) mod proc;

pub use config::{Probe, ProcessConfig};

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_core::{Action, Driver, DriverError, Lifecycle, Observed, ResourceSpec};

/// Bytes of stderr quoted when a process fails.
const STDERR_TAIL: u64 = 2048;
/// Bytes of stdout shown as the console log.
const CONSOLE_TAIL: u64 = 64 * 1024;
/// How long (in 10 ms steps) to wait for a reaper to record an exit it is about to see.
const REAPER_WAIT_STEPS: usize = 50;

#[derive(Serialize, Deserialize)]
struct PidFile {
    pid: u32,
    ticks: u64,
}

#[derive(Clone)]
struct Tracked {
    pid: u32,
    ticks: u64,
    /// How it ended, when this server saw it end (an adopted process's end is not seen).
    exit: Arc<Mutex<Option<String>>>,
    /// Set when we asked it to stop, so that its end is not a failure.
    stopping: Arc<AtomicBool>,
    /// Started by this server (not adopted), so its exit status will be known.
    reaped_here: bool,
}

pub struct ProcessDriver {
    dir: PathBuf,
    tracked: Mutex<HashMap<String, Tracked>>,
}

fn config(resource: &ResourceSpec) -> Result<ProcessConfig, DriverError> {
    let cfg: ProcessConfig =
        serde_json::from_value(resource.driver_config.clone()).map_err(|e| {
            DriverError::Permanent(format!("{}: process driver config: {e}", resource.id))
        })?;
    cfg.validate()
        .map_err(|e| DriverError::Permanent(format!("{}: {e}", resource.id)))?;
    Ok(cfg)
}

fn file_name(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl ProcessDriver {
    /// Keeps pid files and logs under `dir` (created if missing).
    pub fn open(dir: &Path) -> Result<ProcessDriver, DriverError> {
        crate::private::create_dir(&dir.join("logs"))
            .map_err(|e| DriverError::Permanent(format!("{}: {e}", dir.display())))?;
        Ok(ProcessDriver {
            dir: dir.to_path_buf(),
            tracked: Mutex::new(HashMap::new()),
        })
    }

    fn pid_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{}.pid.json", file_name(id)))
    }

    /// stdout and stderr log files of a resource.
    pub fn log_paths(&self, id: &str) -> (PathBuf, PathBuf) {
        let base = self.dir.join("logs").join(file_name(id));
        (base.with_extension("out"), base.with_extension("err"))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Tracked>> {
        self.tracked.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn alive(&self, id: &str) -> Option<Tracked> {
        self.lock()
            .get(id)
            .filter(|t| proc::is_alive(t.pid, t.ticks))
            .cloned()
    }

    /// The last `max` bytes of a file, lossily decoded; empty when it does not exist.
    fn tail(path: &Path, max: u64) -> String {
        use std::io::{Read, Seek, SeekFrom};
        let Ok(mut f) = std::fs::File::open(path) else {
            return String::new();
        };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = f.seek(SeekFrom::Start(len.saturating_sub(max)));
        let mut buf = Vec::new();
        let _ = f.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }

    fn stderr_tail(&self, id: &str) -> String {
        let text = Self::tail(&self.log_paths(id).1, STDERR_TAIL)
            .trim()
            .to_string();
        if text.is_empty() {
            text
        } else {
            format!("; stderr: {text}")
        }
    }

    /// How a process this server started ended; its reaper may need a moment to record it.
    async fn exit_of(&self, t: &Tracked) -> Option<String> {
        for _ in 0..REAPER_WAIT_STEPS {
            if let Some(exit) = t.exit.lock().unwrap_or_else(|p| p.into_inner()).clone() {
                return Some(exit);
            }
            if !t.reaped_here {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }

    async fn start(&self, resource: &ResourceSpec, cfg: &ProcessConfig) -> Result<(), DriverError> {
        if self.alive(&resource.id).is_some() {
            return Ok(());
        }
        let (out, err) = self.log_paths(&resource.id);
        let open = |path: &Path| -> Result<std::fs::File, DriverError> {
            if std::fs::metadata(path).is_ok_and(|m| m.len() > cfg.max_log_bytes) {
                let _ = std::fs::rename(
                    path,
                    path.with_extension(format!(
                        "{}.1",
                        path.extension().and_then(|e| e.to_str()).unwrap_or("log")
                    )),
                );
            }
            crate::private::file_options()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| DriverError::Failed(format!("{}: {e}", path.display())))
        };
        let mut cmd = tokio::process::Command::new(&cfg.command);
        cmd.args(&cfg.args)
            .envs(&cfg.env)
            .stdin(std::process::Stdio::null())
            .stdout(open(&out)?)
            .stderr(open(&err)?)
            .process_group(0);
        if let Some(dir) = &cfg.workdir {
            cmd.current_dir(dir);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| DriverError::Failed(format!("cannot start {}: {e}", cfg.command)))?;
        let pid = child
            .id()
            .ok_or_else(|| DriverError::Failed(format!("{} exited at once", cfg.command)))?;
        let ticks = proc::start_ticks(pid).unwrap_or(0);
        let record = serde_json::to_vec(&PidFile { pid, ticks })
            .map_err(|e| DriverError::Failed(e.to_string()))?;
        let path = self.pid_path(&resource.id);
        let tmp = path.with_extension("tmp");
        crate::private::write(&tmp, &record)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| DriverError::Failed(format!("{}: {e}", path.display())))?;
        let tracked = Tracked {
            pid,
            ticks,
            exit: Arc::new(Mutex::new(None)),
            stopping: Arc::new(AtomicBool::new(false)),
            reaped_here: true,
        };
        let exit = tracked.exit.clone();
        // Reaps the child while this server lives and remembers how it ended.
        tokio::spawn(async move {
            let text = match child.wait().await {
                Ok(status) => match (
                    status.code(),
                    std::os::unix::process::ExitStatusExt::signal(&status),
                ) {
                    (Some(code), _) => format!("exited with code {code}"),
                    (None, Some(sig)) => format!("killed by signal {sig}"),
                    _ => "ended".to_string(),
                },
                Err(e) => format!("could not be waited for: {e}"),
            };
            *exit.lock().unwrap_or_else(|p| p.into_inner()) = Some(text);
        });
        self.lock().insert(resource.id.clone(), tracked);
        Ok(())
    }

    async fn stop(&self, resource: &ResourceSpec, cfg: &ProcessConfig) -> Result<(), DriverError> {
        let Some(t) = self.lock().get(&resource.id).cloned() else {
            return Ok(());
        };
        t.stopping.store(true, Ordering::SeqCst);
        if proc::is_alive(t.pid, t.ticks) || proc::group_alive(t.pid) {
            let signal = proc::signal_named(&cfg.stop_signal).map_err(DriverError::Permanent)?;
            proc::signal_group(t.pid, signal);
            let deadline = tokio::time::Instant::now() + cfg.grace;
            while proc::group_alive(t.pid) && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            if proc::group_alive(t.pid) {
                tracing::warn!(resource = %resource.id, "process group outlived the grace period; killing it");
                proc::signal_group(t.pid, nix::sys::signal::Signal::SIGKILL);
                let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
                while proc::group_alive(t.pid) && tokio::time::Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        let _ = std::fs::remove_file(self.pid_path(&resource.id));
        Ok(())
    }
}

#[async_trait::async_trait]
impl Driver for ProcessDriver {
    async fn register(&self, resource: &ResourceSpec) -> Result<(), DriverError> {
        config(resource)?;
        let path = self.pid_path(&resource.id);
        let Ok(text) = std::fs::read(&path) else {
            return Ok(());
        };
        match serde_json::from_slice::<PidFile>(&text) {
            Ok(p) if proc::is_alive(p.pid, p.ticks) => {
                tracing::info!(resource = %resource.id, pid = p.pid, "re-adopted a running process");
                let tracked = Tracked {
                    pid: p.pid,
                    ticks: p.ticks,
                    exit: Arc::new(Mutex::new(None)),
                    stopping: Arc::new(AtomicBool::new(false)),
                    reaped_here: false,
                };
                self.lock().insert(resource.id.clone(), tracked);
            }
            _ => {
                let _ = std::fs::remove_file(&path);
            }
        }
        Ok(())
    }

    async fn perform(
        &self,
        resource: &ResourceSpec,
        action: Action,
        _op: &str,
    ) -> Result<Option<String>, DriverError> {
        let cfg = config(resource)?;
        match action {
            Action::Start => self.start(resource, &cfg).await.map(|()| None),
            Action::Stop => self.stop(resource, &cfg).await.map(|()| None),
            Action::Restart => {
                self.stop(resource, &cfg).await?;
                self.lock().remove(&resource.id);
                self.start(resource, &cfg).await.map(|()| None)
            }
        }
    }

    async fn console_log(&self, resource: &ResourceSpec) -> Result<Option<String>, DriverError> {
        let (out, err) = self.log_paths(&resource.id);
        // Two small bounded reads, off the async workers.
        let (mut text, err) = tokio::task::spawn_blocking(move || {
            (
                Self::tail(&out, CONSOLE_TAIL),
                Self::tail(&err, STDERR_TAIL),
            )
        })
        .await
        .unwrap_or_default();
        if !err.trim().is_empty() {
            text.push_str("\n--- stderr ---\n");
            text.push_str(&err);
        }
        Ok(Some(text))
    }

    async fn observe(&self, resource: &ResourceSpec) -> Result<Observed, DriverError> {
        let cfg = config(resource)?;
        let tracked = self.lock().get(&resource.id).cloned();
        let Some(t) = tracked else {
            return Ok(Observed::new(Lifecycle::Stopped));
        };
        if proc::is_alive(t.pid, t.ticks) {
            return Ok(match &cfg.ready {
                None => Observed::new(Lifecycle::Running),
                Some(probe) => match probe::check(probe).await {
                    Ok(()) => Observed::new(Lifecycle::Running),
                    Err(why) => Observed {
                        state: Lifecycle::Starting,
                        detail: Some(why),
                    },
                },
            });
        }
        let exit = self.exit_of(&t).await;
        if t.stopping.load(Ordering::SeqCst) || exit.as_deref() == Some("exited with code 0") {
            return Ok(Observed {
                state: Lifecycle::Stopped,
                detail: exit,
            });
        }
        let how = exit.unwrap_or_else(|| "ended while the server was away".into());
        Ok(Observed {
            state: Lifecycle::StartFailed,
            detail: Some(format!(
                "{} {how}{}",
                cfg.command,
                self.stderr_tail(&resource.id)
            )),
        })
    }

    fn expected_duration(&self, _resource: &ResourceSpec, _action: Action) -> Duration {
        Duration::from_secs(2)
    }

    fn monitored(&self) -> bool {
        true
    }

    fn poll_interval(&self, resource: &ResourceSpec) -> Option<Duration> {
        config(resource).ok()?.ready.map(|p| p.interval)
    }

    fn step_timeout(&self, resource: &ResourceSpec, action: Action) -> Option<Duration> {
        let cfg = config(resource).ok()?;
        let stop = cfg.grace + Duration::from_secs(10);
        Some(match action {
            Action::Start => cfg.start_timeout,
            Action::Stop => stop,
            Action::Restart => cfg.start_timeout + stop,
        })
    }
}

#[cfg(test)]
mod tests;
