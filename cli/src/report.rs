//! The shapes of what the password commands print: one line or one JSON
//! object per server, then a summary, and the hint that points to a cause.

use hwcloud_ecs::{Error, PasswordCleared, ServerId};
use serde_json::{json, Value};

use crate::clear::Plan;
use crate::out;

/// The version of the JSON Lines shapes below; raised on any change that
/// could break a reader.
pub const SCHEMA: u32 = 1;

/// The outcome word of a failed server: `not_found`, `not_attempted` or `failed`.
pub fn outcome(error: &Error) -> &'static str {
    if error.is_not_found() {
        "not_found"
    } else if matches!(error, Error::NotAttempted { .. }) {
        "not_attempted"
    } else {
        "failed"
    }
}

/// A result object with every field present (`null` when unknown).
pub fn result_json(command: &str, id: &ServerId, name: Option<&str>, outcome: &str) -> Value {
    json!({
        "schema": SCHEMA,
        "type": "result",
        "command": command,
        "id": id.as_str(),
        "name": name,
        "outcome": outcome,
        "status": null,
        "code": null,
        "message": null,
        "request_id": null,
    })
}

/// Fills `status`, `code`, `message` and `request_id` from an error.
pub fn error_fields(entry: &mut Value, error: &Error) {
    match error {
        Error::Api(api) => {
            entry["status"] = json!(api.status);
            entry["code"] = json!(api.code);
            entry["message"] = json!(api.message.as_deref().or(api.snippet.as_deref()));
            entry["request_id"] = json!(api.request_id);
            if let Some(hint) = hint(error) {
                entry["hint"] = json!(hint);
            }
            if let Some(diagnosis) = &api.diagnosis {
                entry["diagnosis"] = json!(diagnosis);
            }
        }
        other => entry["message"] = json!(other.to_string()),
    }
}

/// What to check, for the failures whose cause is on our side.
pub fn hint(error: &Error) -> Option<&'static str> {
    let api = error.api()?;
    if api.is_unknown_api() {
        Some(
            "the gateway does not know this API: check the project id, the region and the endpoint",
        )
    } else if api.status == 401 && api.is_signature_failure() {
        Some("the gateway refused the signature: check the secret key, the security token's expiry and this machine's clock")
    } else if api.status == 401 || api.status == 403 {
        Some("the gateway refused the credentials: check the access key and its permissions on ECS")
    } else {
        None
    }
}

/// The error, with its hint and the signature diagnosis when there are.
pub fn with_hint(error: &Error) -> String {
    let mut text = error.to_string();
    if let Some(hint) = hint(error) {
        text = format!("{text} ({hint})");
    }
    if let Some(diagnosis) = error.api().and_then(|a| a.diagnosis.as_deref()) {
        text = format!("{text}; {diagnosis}");
    }
    text
}

/// A line for a failed server.
pub fn failure_line(server: &ServerId, error: &Error) -> String {
    format!(
        "{:<13} {server}  {}",
        outcome(error).replace('_', " "),
        with_hint(error)
    )
}

/// The counts of a bulk run, and the servers it never sent.
pub struct Summary {
    pub total: usize,
    pub cleared: usize,
    pub not_found: usize,
    pub failed: usize,
    pub not_attempted: Vec<String>,
    /// Why the servers not attempted were not sent.
    pub reason: Option<String>,
    /// Throttled answers during the run (each retried, not failed).
    pub throttled: u64,
    /// The rate the client paced at by the end, once it had to.
    pub rate: Option<f64>,
}

impl Summary {
    pub fn of(plan: &Plan, results: &[Result<PasswordCleared, Error>]) -> Self {
        let mut summary = Summary {
            total: results.len(),
            cleared: 0,
            not_found: 0,
            failed: 0,
            not_attempted: Vec::new(),
            reason: None,
            throttled: 0,
            rate: None,
        };
        for ((id, _), result) in plan.servers.iter().zip(results) {
            match result {
                Ok(_) => summary.cleared += 1,
                Err(e) if e.is_not_found() => summary.not_found += 1,
                Err(Error::NotAttempted { reason }) => {
                    summary.not_attempted.push(id.as_str().to_owned());
                    summary.reason.get_or_insert_with(|| reason.clone());
                }
                Err(_) => summary.failed += 1,
            }
        }
        summary
    }

    pub fn all_cleared(&self) -> bool {
        self.cleared == self.total
    }

    /// Prints the summary: a JSON object on stdout, or lines on stderr.
    pub fn print(&self, json_output: bool, interrupted: bool) {
        if json_output {
            let value = json!({
                "schema": SCHEMA,
                "type": "summary",
                "command": "clear-password",
                "dry_run": false,
                "total": self.total,
                "cleared": self.cleared,
                "not_found": self.not_found,
                "failed": self.failed,
                "not_attempted": self.not_attempted.len(),
                "not_attempted_ids": self.not_attempted,
                "interrupted": interrupted,
                "reason": self.reason,
                "throttled": self.throttled,
                "rate": self.rate.map(|r| (r * 10.0).round() / 10.0),
            });
            out::raw(&format!("{value}\n"));
            return;
        }
        out::err(format_args!(
            "summary: cleared {}, not found {}, failed {}, not attempted {} (of {})",
            self.cleared,
            self.not_found,
            self.failed,
            self.not_attempted.len(),
            self.total
        ));
        if self.throttled > 0 {
            out::err(format_args!(
                "throttled: {} answer(s) from the gateway's rate limit, each retried; paced at {:.1} requests/s",
                self.throttled,
                self.rate.unwrap_or_default()
            ));
        }
        if interrupted {
            out::err("interrupted: no new server was sent after the signal; the calls in flight finished");
        }
        if !self.not_attempted.is_empty() {
            out::err(format_args!(
                "not attempted: {}",
                self.not_attempted.join(" ")
            ));
            if let Some(reason) = &self.reason {
                out::err(format_args!("because {reason}"));
            }
        }
    }
}
