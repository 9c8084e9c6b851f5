//! A BMC's event log (SEL) as console text: the system's Redfish `LogServices` entries, or a
//! note saying why there are none (sushy-tools, for one, serves no `LogServices`).

use super::bmc::Bmc;
use serde_json::Value;

/// Entries shown at most, the newest.
const MAX_ENTRIES: usize = 500;

fn line(entry: &Value) -> String {
    let text = |k: &str| entry.get(k).and_then(Value::as_str).unwrap_or("");
    format!(
        "{} {} {}",
        text("Created"),
        text("Severity"),
        text("Message")
    )
    .trim()
    .to_string()
}

/// The text of every log service of the system, oldest entry first.
pub(super) async fn event_log(bmc: &Bmc) -> String {
    let system = match bmc.system().await {
        Ok(s) => s,
        Err(e) => return format!("No console output: {e}"),
    };
    let services = match bmc
        .get(&format!("{system}/LogServices"), "the log services")
        .await
    {
        Ok(v) => v,
        Err(e) => {
            return format!(
                "No console output: the BMC serves no Redfish LogServices for this system ({e})"
            )
        }
    };
    let mut lines = Vec::new();
    for member in services["Members"].as_array().into_iter().flatten() {
        let Some(path) = member["@odata.id"].as_str() else {
            continue;
        };
        match bmc.get(&format!("{path}/Entries"), "the log entries").await {
            Ok(entries) => lines.extend(
                entries["Members"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(line),
            ),
            Err(e) => lines.push(format!("{path}: {e}")),
        }
    }
    if lines.is_empty() {
        return "No console output: the BMC's log services hold no entries".into();
    }
    let skip = lines.len().saturating_sub(MAX_ENTRIES);
    lines[skip..].join("\n")
}
