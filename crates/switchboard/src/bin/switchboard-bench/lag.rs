//! Where orchestration time goes beyond the critical path: from the steps' recorded start and
//! end (wall-clock milliseconds), the time from the bench's start to the first step, each
//! step's lag (its start after its last prerequisite's end), each step's overrun (its duration
//! beyond the configured one), and the tail from the last step's end to the last answer.

use std::collections::HashMap;
use switchboard_core::Millis;
use switchboard_engine::Engine;

/// The step that acted on each service (`s{i}`): its start and end.
pub async fn spans(
    engine: &Engine,
    tasks: &[i64],
) -> anyhow::Result<HashMap<String, (Millis, Millis)>> {
    let mut out = HashMap::new();
    for &id in tasks {
        let Some(view) = engine.task(id).await? else {
            continue;
        };
        for s in view.steps {
            let r = s.record;
            if r.follow_task.is_some() {
                continue;
            }
            if let (Some(a), Some(b)) = (r.started_at, r.finished_at) {
                out.insert(s.resource_name, (a, b));
            }
        }
    }
    Ok(out)
}

/// Prints the lags of `deps` (service `i` depends on `deps[i]`) from `spans`, the bench
/// having started at `t0` and seen its last answer at `t_end` (wall-clock ms).
pub fn report(
    deps: &[Vec<usize>],
    spans: &HashMap<String, (Millis, Millis)>,
    step_ms: u64,
    t0: Millis,
    t_end: Millis,
) {
    let span = |i: usize| spans.get(&format!("s{i}")).copied();
    let mut lags = Vec::new();
    let mut overruns = Vec::new();
    for (i, d) in deps.iter().enumerate() {
        let Some((start, end)) = span(i) else {
            continue;
        };
        overruns.push(end - start - step_ms as i64);
        if let Some(ready) = d.iter().filter_map(|&p| span(p).map(|s| s.1)).max() {
            lags.push(start - ready);
        }
    }
    let first = spans.values().map(|s| s.0).min().unwrap_or(t0);
    let last = spans.values().map(|s| s.1).max().unwrap_or(t_end);
    let stats = |v: &mut Vec<i64>| {
        v.sort_unstable();
        let mean = v.iter().sum::<i64>() as f64 / v.len().max(1) as f64;
        let max = v.last().copied().unwrap_or(0);
        let p90 = v.get(v.len() * 9 / 10).copied().unwrap_or(0);
        format!(
            "mean {mean:.2} ms, p90 {p90} ms, max {max} ms ({} steps)",
            v.len()
        )
    };
    println!("  start to first step:   {} ms", first - t0);
    println!("  lag after prerequisite: {}", stats(&mut lags));
    println!("  step overrun:          {}", stats(&mut overruns));
    println!("  last step to answers:  {} ms", t_end - last);
    // The critical path as it ran: back from the last end through the latest prerequisite.
    let mut on_path = Vec::new();
    let mut at = (0..deps.len())
        .filter(|&i| span(i).is_some())
        .max_by_key(|&i| span(i).map(|s| s.1));
    while let Some(i) = at {
        on_path.push(i);
        at = deps[i]
            .iter()
            .copied()
            .filter(|&p| span(p).is_some())
            .max_by_key(|&p| span(p).map(|s| s.1));
    }
    on_path.reverse();
    let (mut lag, mut over) = (0, 0);
    for w in on_path.windows(2) {
        if let (Some(a), Some(b)) = (span(w[0]), span(w[1])) {
            lag += b.0 - a.1;
        }
    }
    for &i in &on_path {
        if let Some(s) = span(i) {
            over += s.1 - s.0 - step_ms as i64;
        }
    }
    println!(
        "  on the path as run ({} steps): lags {lag} ms, overruns {over} ms",
        on_path.len()
    );
}
