//! `POST …/servers/{server_id}/action {"os-getConsoleOutput": {"length": N}}`: the console log
//! the server's driver keeps (a simulated boot log, a process's output, a BMC's event log),
//! its last `length` lines, cleaned as Nova cleans it.

use super::servers::find;
use super::NovaError;
use crate::AppState;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_identity::Principal;

const ACTION: &str = "os-getConsoleOutput";

/// The answer to a console-output request; `None` when the body asks for another action.
pub(super) async fn intercept(
    state: &AppState,
    who: &Principal,
    project_id: &str,
    server_id: &str,
    body: Option<&Bytes>,
) -> Option<Response> {
    let body: Value = serde_json::from_slice(body?).ok()?;
    body.get(ACTION)?;
    Some(
        output(state, who, project_id, server_id, &body)
            .await
            .unwrap_or_else(IntoResponse::into_response),
    )
}

fn invalid(value: &Value, why: &str) -> NovaError {
    NovaError::bad_request(format!(
        "Invalid input for field/attribute length. Value: {value}. {why}"
    ))
}

/// How many lines from the end: `None` for all; negative counts as Python slicing does.
fn parse_length(body: &Value) -> Result<Option<i64>, NovaError> {
    let obj = body
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or_else(|| NovaError::bad_request("Additional properties are not allowed"))?;
    let args = &obj[ACTION];
    let args = args.as_object().ok_or_else(|| {
        NovaError::bad_request(format!(
            "Invalid input for field/attribute {ACTION}. Value: {args}. {args} is not of type 'object'"
        ))
    })?;
    if let Some(extra) = args.keys().find(|k| *k != "length") {
        return Err(NovaError::bad_request(format!(
            "Invalid input for field/attribute {ACTION}. Value: {}. Additional properties are not allowed ('{extra}' was unexpected)",
            Value::Object(args.clone())
        )));
    }
    let length = match args.get("length") {
        None | Some(Value::Null) => return Ok(None),
        Some(v @ Value::Number(n)) => {
            let n = n.as_i64().ok_or_else(|| {
                invalid(
                    v,
                    &format!("{v} is not of type 'integer', 'string', 'null'"),
                )
            })?;
            if n < -1 {
                return Err(invalid(v, &format!("{v} is less than the minimum of -1")));
            }
            n
        }
        Some(v @ Value::String(s)) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(v, &format!("{v} does not match '^-?[0-9]+$'")));
            }
            // A longer number than any log is as good as the whole log.
            s.parse().unwrap_or(i64::MAX)
        }
        Some(v) => {
            return Err(invalid(
                v,
                &format!("{v} is not of type 'integer', 'string', 'null'"),
            ))
        }
    };
    // -1 is documented as "no limit".
    Ok((length != -1).then_some(length))
}

/// The last `length` lines, as Nova's `_tail_log` cuts them.
fn tail(log: &str, length: Option<i64>) -> String {
    let Some(n) = length else {
        return log.to_string();
    };
    if n == 0 {
        return String::new();
    }
    let lines: Vec<&str> = log.split('\n').collect();
    let count = lines.len() as i64;
    let start = if n > 0 {
        (count - n).max(0)
    } else {
        // Python's `lines[-n:]` for a negative n; i64::MIN has no negation and is as far out.
        n.checked_neg().unwrap_or(i64::MAX).min(count)
    };
    lines[start as usize..].join("\n")
}

/// Nova's cleaning: control characters other than tab and newline go, and every byte
/// outside ASCII reads as U+FFFD.
fn clean(text: &str) -> String {
    text.bytes()
        .filter(|b| !matches!(b, 0x00..=0x08 | 0x0B..=0x1F))
        .map(|b| if b.is_ascii() { b as char } else { '\u{FFFD}' })
        .collect()
}

async fn output(
    state: &AppState,
    who: &Principal,
    project_id: &str,
    server_id: &str,
    body: &Value,
) -> Result<Response, NovaError> {
    let length = parse_length(body)?;
    NovaError::permit(who, "nova:server:getConsoleOutput")?;
    let server = find(state, who, project_id, server_id)?;
    let log = state
        .engine
        .console_log(&server.spec.id)
        .await
        .map_err(|e| {
            NovaError::new(
                StatusCode::CONFLICT,
                format!("Instance {server_id} is not ready: {e}"),
            )
        })?
        .ok_or_else(|| {
            NovaError::new(
                StatusCode::NOT_IMPLEMENTED,
                "The requested functionality is not supported.",
            )
        })?;
    Ok(Json(json!({"output": clean(&tail(&log, length))})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_and_tail_follow_nova() {
        let len = |v: Value| parse_length(&json!({ACTION: {"length": v}}));
        assert_eq!(len(json!(3)).unwrap(), Some(3));
        assert_eq!(len(json!("3")).unwrap(), Some(3));
        assert_eq!(len(json!(-1)).unwrap(), None);
        assert_eq!(len(json!(null)).unwrap(), None);
        assert!(len(json!(-2)).is_err());
        assert!(len(json!(1.5)).is_err());
        assert!(len(json!("x")).is_err());
        assert!(len(json!(true)).is_err());
        assert!(parse_length(&json!({ACTION: {"lenght": 1}})).is_err());
        let log = "a\nb\nc";
        assert_eq!(tail(log, Some(2)), "b\nc");
        assert_eq!(tail(log, Some(9)), log);
        assert_eq!(tail(log, Some(0)), "");
        assert_eq!(tail(log, None), log);
        assert_eq!(tail(log, Some(-1)), "b\nc");
        assert_eq!(tail(log, Some(i64::MIN)), "");
        assert_eq!(clean("a\x07b\tc\u{e9}"), "ab\tc\u{FFFD}\u{FFFD}");
    }
}
