//! Turning per-server outcomes into lines or one JSON report.

use hwcloud_ecs::{Error, ServerId};
use serde_json::{json, Value};

/// What happened to one server.
pub struct Outcome {
    pub server: ServerId,
    pub result: Result<Value, Error>,
}

/// The error as JSON: its kind plus whatever the service said.
pub fn error_json(error: &Error) -> Value {
    match error {
        Error::Api(api) => json!({
            "kind": if error.is_not_found() { "not_found" } else { "api" },
            "status": api.status,
            "code": api.code,
            "message": api.message,
            "request_id": api.request_id,
            "snippet": api.snippet,
        }),
        Error::Timeout { .. } => json!({"kind": "timeout", "message": error.to_string()}),
        Error::Transport { .. } => json!({"kind": "transport", "message": error.to_string()}),
        other => json!({"kind": "other", "message": other.to_string()}),
    }
}

/// One JSON document for the whole run.
pub fn json_report(command: &str, outcomes: &[Outcome]) -> Value {
    let results: Vec<Value> = outcomes
        .iter()
        .map(|o| match &o.result {
            Ok(fields) => {
                let mut entry = json!({"server_id": o.server.as_str(), "ok": true});
                if let (Some(entry), Some(fields)) = (entry.as_object_mut(), fields.as_object()) {
                    entry.extend(fields.clone());
                }
                entry
            }
            Err(e) => json!({"server_id": o.server.as_str(), "ok": false, "error": error_json(e)}),
        })
        .collect();
    json!({
        "command": command,
        "results": results,
        "failed": outcomes.iter().filter(|o| o.result.is_err()).count(),
    })
}

/// A line for a failed server.
pub fn failure_line(server: &ServerId, error: &Error) -> String {
    let label = if error.is_not_found() {
        "not found"
    } else {
        "failed"
    };
    format!("{label:<9} {server}  {error}")
}
