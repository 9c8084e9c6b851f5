//! Following a task: `--wait` on every action and `task watch`.

use super::args::{Format, Global};
use super::exit::{self, CliResult, Failure};
use super::output;
use super::progress::{Display, Mode};
use std::io::IsTerminal;
use std::time::Duration;
use switchboard_client::{Client, TaskState};

/// How progress shows for these options: bars only on a terminal with table output.
pub fn mode(global: &Global) -> Mode {
    // JSON/YAML for a program: no progress unless someone watches stderr.
    if global.quiet || (global.output != Format::Table && !std::io::stderr().is_terminal()) {
        Mode::Quiet
    } else if global.output == Format::Table
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
    {
        Mode::Bars
    } else {
        Mode::Lines
    }
}

/// Follows task `id` to its end (or the timeout, or Ctrl-C), then prints it as asked; the
/// exit code says how it ended.
pub async fn follow(
    client: &Client,
    global: &Global,
    id: i64,
    timeout: Option<Duration>,
) -> CliResult {
    let mut display = Display::new(mode(global), output::colour(), id);
    let ended = {
        let wait = client.wait_task(id, |task, _| display.update(task));
        let limit = async {
            match timeout {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = wait => Some(r),
            _ = limit => None,
            _ = tokio::signal::ctrl_c() => {
                display.detach(&format!(
                    "Detached from task {id}: it keeps running (not cancelled). \
                     Re-attach: switchboard task watch {id} · cancel: switchboard task cancel {id}"
                ));
                return Err(Failure::new(exit::DETACHED, ""));
            }
        }
    };
    let Some(outcome) = ended else {
        let d = timeout.map(humantime::format_duration);
        display.detach("");
        return Err(Failure::new(
            exit::TIMED_OUT,
            format!(
                "timed out after {} waiting for task {id}; it keeps running (switchboard task watch {id})",
                d.map(|d| d.to_string()).unwrap_or_default()
            ),
        ));
    };
    let outcome = outcome?;
    display.finish(&outcome.task);
    match global.output {
        Format::Json => output::print_json(&outcome.task)?,
        Format::Yaml => output::print_yaml(&outcome.task)?,
        Format::Table => {}
    }
    let error = output::text(&outcome.task["error"]);
    match outcome.state {
        TaskState::Failed => Err(Failure::new(
            exit::TASK_FAILED,
            format!("task {id} failed: {error}"),
        )),
        TaskState::Cancelled => Err(Failure::new(
            exit::CANCELLED,
            format!("task {id} was cancelled"),
        )),
        _ => Ok(()),
    }
}
