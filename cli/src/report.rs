//! The shapes of what the password commands print: one line or one JSON
//! object per server, then a summary, and the hint that points to a cause.
//! The outcome words come from the library ([`hwcloud_ecs::Bulk::word`]).

use hwcloud_ecs::{Client, Error, Progress, ResultKind, ServerId};
use serde_json::{json, Value};

use crate::out;

/// The word `--json` and the report print for how a server ended: part of
/// the CLI's schema.
pub fn word(kind: ResultKind) -> &'static str {
    match kind {
        ResultKind::Cleared => "cleared",
        ResultKind::Stored => "stored",
        ResultKind::NoneStored => "none_stored",
        ResultKind::NotFound => "not_found",
        ResultKind::NotAttempted => "not_attempted",
        ResultKind::Failed => "failed",
        // A kind a later library adds is, to this schema, a failure.
        _ => "failed",
    }
}

/// The version of the JSON Lines shapes below; raised on any change that
/// could break a reader.
pub const SCHEMA: u32 = 1;

/// The outcome word of a failed single call: `not_found`, `not_attempted` or `failed`.
pub fn outcome(error: &Error) -> &'static str {
    if error.is_not_found() {
        "not_found"
    } else if matches!(error, Error::NotAttempted { .. }) {
        "not_attempted"
    } else {
        "failed"
    }
}

/// Where a server is: its project and region, for every result line.
#[derive(Clone, Copy)]
pub struct Place<'a> {
    pub project_id: &'a str,
    pub region: Option<&'a str>,
}

impl<'a> Place<'a> {
    pub fn of(client: &'a Client) -> Self {
        Place {
            project_id: client.project_id().as_str(),
            region: client.region(),
        }
    }
}

/// A result object with every field present (`null` when unknown).
pub fn result_json(
    command: &str,
    id: &ServerId,
    name: Option<&str>,
    outcome: &str,
    place: Place<'_>,
) -> Value {
    json!({
        "schema": SCHEMA,
        "type": "result",
        "command": command,
        "id": id.as_str(),
        "name": name,
        "project_id": place.project_id,
        "region": place.region,
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
        // Given up after the gateway answered (throttled past the run's
        // patience): its last answer, and why the server was not sent again.
        Error::NotAttempted {
            last_answer: Some(api),
            ..
        } => {
            entry["status"] = json!(api.status);
            entry["code"] = json!(api.code);
            entry["request_id"] = json!(api.request_id);
            entry["message"] = json!(error.to_string());
        }
        Error::WaitTimedOut { last_status, .. } => {
            // Every answer came; none had a password.
            entry["status"] = json!(last_status);
            entry["message"] = json!(error.to_string());
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

/// The end of a bulk run: the library's counts, the servers it never sent
/// and why, and what the run as a whole saw.
pub struct Summary {
    pub command: &'static str,
    pub counts: Progress,
    pub not_attempted: Vec<String>,
    /// Why the servers not attempted were not sent.
    pub reason: Option<String>,
    /// Projects and regions covered, and projects whose listing failed.
    pub projects: usize,
    pub regions: Vec<String>,
    pub projects_failed: usize,
    /// Servers left out because `--resume` found them done.
    pub resumed: usize,
    /// Results printed and counted that the report does not hold (its
    /// write failed): a `--resume` of the report does them again.
    pub not_recorded: usize,
}

impl Summary {
    /// The summary object, as `--json` and the report print it.
    pub fn json(&self, interrupted: bool) -> Value {
        let c = &self.counts;
        let mut value = json!({
            "schema": SCHEMA,
            "type": "summary",
            "command": self.command,
            "dry_run": false,
            "total": c.total,
            "failed": c.failed,
            "not_attempted": c.not_attempted,
            "not_attempted_ids": self.not_attempted,
            "interrupted": interrupted,
            "reason": self.reason,
            "throttled": c.throttled,
            "rate": c.rate.map(|r| (r * 10.0).round() / 10.0),
            "projects": self.projects,
            "regions": self.regions,
            "projects_failed": self.projects_failed,
            "resumed": self.resumed,
            "not_recorded": self.not_recorded,
        });
        if self.command == "audit" {
            value["stored"] = json!(c.stored);
            value["none_stored"] = json!(c.none_stored);
        } else {
            value["cleared"] = json!(c.cleared);
            value["not_found"] = json!(c.not_found);
        }
        value
    }

    /// Prints the summary: a JSON object on stdout, or lines on stderr.
    pub fn print(&self, json_output: bool, interrupted: bool) {
        if json_output {
            out::raw(&format!("{}\n", self.json(interrupted)));
            return;
        }
        let c = &self.counts;
        let counts = if self.command == "audit" {
            format!(
                "stored {}, none stored {}, failed {}, not attempted {} (of {})",
                c.stored, c.none_stored, c.failed, c.not_attempted, c.total
            )
        } else {
            format!(
                "cleared {}, not found {}, failed {}, not attempted {} (of {})",
                c.cleared, c.not_found, c.failed, c.not_attempted, c.total
            )
        };
        out::err(format_args!("summary: {counts}"));
        if self.projects > 1 || self.projects_failed > 0 {
            out::err(format_args!(
                "projects: {} in {} region(s) ({}); {} could not be checked",
                self.projects,
                self.regions.len(),
                self.regions.join(", "),
                self.projects_failed
            ));
        }
        if self.not_recorded > 0 {
            out::err(format_args!(
                "not recorded: {} result(s) could not be written to the report; a --resume of it does them again",
                self.not_recorded
            ));
        }
        if self.resumed > 0 {
            out::err(format_args!(
                "resumed: {} server(s) already done in the earlier run were skipped",
                self.resumed
            ));
        }
        if c.throttled > 0 {
            out::err(format_args!(
                "throttled: {} answer(s) from the gateway's rate limit, each retried; paced at {:.1} requests/s",
                c.throttled,
                c.rate.unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_result_kind_has_its_schema_word() {
        let words: Vec<&str> = [
            ResultKind::Cleared,
            ResultKind::Stored,
            ResultKind::NoneStored,
            ResultKind::NotFound,
            ResultKind::Failed,
            ResultKind::NotAttempted,
        ]
        .into_iter()
        .map(word)
        .collect();
        assert_eq!(
            words,
            [
                "cleared",
                "stored",
                "none_stored",
                "not_found",
                "failed",
                "not_attempted"
            ]
        );
    }
}
