//! Showing a task as it runs: live bars on a terminal (one per step, in the DAG's order, with
//! the wave each runs in so parallel steps show as such), plain lines otherwise, nothing with
//! `--quiet`. Everything goes to stderr, so stdout keeps only the result.

use super::output::text;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Bars,
    Lines,
    Quiet,
}

/// One step as shown: its label and last state.
struct Step {
    label: String,
    state: String,
}

/// The display of one task.
pub struct Display {
    mode: Mode,
    colour: bool,
    task_id: i64,
    started: Instant,
    steps: Vec<Step>,
    multi: MultiProgress,
    overall: Option<ProgressBar>,
    bars: Vec<ProgressBar>,
    last_progress: i64,
}

/// The wave each step runs in: 1 + the latest wave among the steps it waits for.
pub fn waves(steps: &[Value]) -> Vec<usize> {
    let mut wave: HashMap<u64, usize> = HashMap::new();
    let mut out = Vec::with_capacity(steps.len());
    for s in steps {
        let w = s["after"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .filter_map(|a| wave.get(&a).copied())
            .max()
            .map_or(1, |w| w + 1);
        wave.insert(s["index"].as_u64().unwrap_or(out.len() as u64), w);
        out.push(w);
    }
    out
}

fn label(step: &Value, wave: usize, parallel: bool) -> String {
    let mark = if parallel { "∥" } else { " " };
    format!(
        "{wave:>2}{mark} {} {}",
        text(&step["action"]),
        text(&step["resource_name"])
    )
}

/// How long a step took (or has been running), from its timestamps.
fn took(step: &Value) -> String {
    let at = |f: &str| {
        step[f]
            .as_str()
            .and_then(|t| humantime::parse_rfc3339_weak(t).ok())
    };
    match (at("started_at"), at("finished_at")) {
        (Some(a), Some(b)) => format!(
            " {:.1}s",
            b.duration_since(a).unwrap_or_default().as_secs_f64()
        ),
        _ => String::new(),
    }
}

impl Display {
    pub fn new(mode: Mode, colour: bool, task_id: i64) -> Display {
        let multi = MultiProgress::with_draw_target(if mode == Mode::Bars {
            ProgressDrawTarget::stderr_with_hz(10)
        } else {
            ProgressDrawTarget::hidden()
        });
        Display {
            mode,
            colour,
            task_id,
            started: Instant::now(),
            steps: Vec::new(),
            multi,
            overall: None,
            bars: Vec::new(),
            last_progress: -1,
        }
    }

    fn style(&self, template: &str, plain: &str) -> ProgressStyle {
        let t = if self.colour { template } else { plain };
        ProgressStyle::with_template(t)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("█▉▊▋▌▍▎▏ ")
    }

    /// The first view: one bar for the task, one per step.
    fn layout(&mut self, task: &Value, steps: &[Value]) {
        let waves = waves(steps);
        let count = |w: usize| waves.iter().filter(|x| **x == w).count();
        self.steps = steps
            .iter()
            .zip(&waves)
            .map(|(s, w)| Step {
                label: label(s, *w, count(*w) > 1),
                state: String::new(),
            })
            .collect();
        if self.mode != Mode::Bars {
            return;
        }
        let overall = self.multi.add(ProgressBar::new(100));
        overall.set_style(self.style(
            "{prefix:.bold} [{bar:32.cyan/blue}] {pos:>3}% {elapsed_precise} {msg}",
            "{prefix} [{bar:32}] {pos:>3}% {elapsed_precise} {msg}",
        ));
        overall.set_prefix(format!(
            "task {} {} {}",
            self.task_id,
            text(&task["action"]),
            text(&task["target"])
        ));
        overall.enable_steady_tick(Duration::from_millis(200));
        self.overall = Some(overall);
        for step in &self.steps {
            let bar = self.multi.add(ProgressBar::new(100));
            bar.set_style(self.style(
                "  {prefix:<30} [{bar:20.green/white}] {msg}",
                "  {prefix:<30} [{bar:20}] {msg}",
            ));
            bar.set_prefix(step.label.clone());
            self.bars.push(bar);
        }
    }

    /// A new view of the task.
    pub fn update(&mut self, task: &Value) {
        if self.mode == Mode::Quiet {
            return;
        }
        let steps = task["steps"].as_array().cloned().unwrap_or_default();
        if self.steps.len() != steps.len() {
            self.layout(task, &steps);
        }
        let progress = task["progress"].as_f64().unwrap_or(0.0).clamp(0.0, 100.0) as i64;
        if let Some(overall) = &self.overall {
            overall.set_position(progress as u64);
            overall.set_message(text(&task["state"]));
        }
        for (i, s) in steps.iter().enumerate() {
            let state = text(&s["state"]);
            if self.steps[i].state == state {
                continue;
            }
            self.steps[i].state = state.clone();
            let (pos, msg) = match state.as_str() {
                "PENDING" => (0, "waiting".to_string()),
                "RUNNING" => (50, "running".to_string()),
                "DONE" => (100, format!("done{}", took(s))),
                "FAILED" => (100, format!("FAILED: {}", text(&s["error"]))),
                other => (0, other.to_lowercase()),
            };
            match self.mode {
                Mode::Bars => {
                    self.bars[i].set_position(pos);
                    self.bars[i].set_message(msg);
                }
                _ => eprintln!(
                    "[{:>6.1}s] task {} {:>3}% {}: {msg}",
                    self.started.elapsed().as_secs_f64(),
                    self.task_id,
                    progress,
                    self.steps[i].label.trim_start()
                ),
            }
        }
        self.last_progress = progress;
    }

    /// Ends the display with the task's final state (and the failing step's error).
    pub fn finish(&mut self, task: &Value) {
        let state = text(&task["state"]);
        let error = text(&task["error"]);
        let line = format!(
            "task {} {state} in {:.1}s{}",
            self.task_id,
            self.started.elapsed().as_secs_f64(),
            if error.is_empty() {
                String::new()
            } else {
                format!(": {error}")
            }
        );
        match self.mode {
            Mode::Quiet => {}
            Mode::Bars => {
                if let Some(overall) = &self.overall {
                    overall.finish_with_message(state);
                }
                for bar in &self.bars {
                    bar.abandon();
                }
                eprintln!("{line}");
            }
            Mode::Lines => eprintln!("{line}"),
        }
    }

    /// Leaves the bars on screen and says the task goes on without us.
    pub fn detach(&mut self, message: &str) {
        for bar in self.overall.iter().chain(&self.bars) {
            bar.abandon();
        }
        if self.mode != Mode::Quiet && !message.is_empty() {
            eprintln!("{message}");
        }
    }
}
