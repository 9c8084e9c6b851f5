//! Processes by pid: is it still the one we started (same start time), and signalling its group.

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// The process's start time in clock ticks since boot (field 22 of `/proc/PID/stat`), if it
/// exists and is not a zombie.
pub fn start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields follow the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    if fields.first() == Some(&"Z") {
        return None;
    }
    fields.get(19)?.parse().ok()
}

/// Whether `pid` is still the process that started at `ticks` (a recycled pid is not).
pub fn is_alive(pid: u32, ticks: u64) -> bool {
    start_ticks(pid) == Some(ticks)
}

pub fn signal_named(name: &str) -> Result<Signal, String> {
    match name.trim_start_matches("SIG") {
        "TERM" => Ok(Signal::SIGTERM),
        "INT" => Ok(Signal::SIGINT),
        "QUIT" => Ok(Signal::SIGQUIT),
        "HUP" => Ok(Signal::SIGHUP),
        "KILL" => Ok(Signal::SIGKILL),
        other => Err(format!("unsupported stop signal {other}")),
    }
}

/// Sends `signal` to the process group led by `pid` (every process was started as a leader).
/// Pids 0 and 1 are refused: their "groups" are the caller's own and every process.
pub fn signal_group(pid: u32, signal: Signal) {
    if pid > 1 {
        let _ = killpg(Pid::from_raw(pid as i32), signal);
    }
}

/// Whether any process of the group led by `pid` is left.
pub fn group_alive(pid: u32) -> bool {
    pid > 1 && killpg(Pid::from_raw(pid as i32), None).is_ok()
}
