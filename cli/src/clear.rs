//! `clear-password`: one server or a whole fleet, each result printed as
//! soon as it is known, stoppable by Ctrl-C or a closed output.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal};
use std::sync::atomic::{AtomicBool, Ordering};

use hwcloud_ecs::{Client, Error, PasswordCleared, Progress, ServerId};
use serde_json::{json, Value};

use crate::args::Clear;
use crate::out;
use crate::report::{self, Summary};

/// The servers to clear, with their names when the listing gave them.
pub struct Plan {
    pub servers: Vec<(ServerId, Option<String>)>,
}

/// Reads `--from-file` ids (or stdin for `-`); every id is validated here,
/// before anything is sent, and a bad one is named with its file and line.
pub fn ids_from_file(path: &str) -> Result<Vec<ServerId>, Error> {
    let read =
        |reader: &mut dyn BufRead| -> std::io::Result<Vec<String>> { reader.lines().collect() };
    let shown = if path == "-" { "standard input" } else { path };
    let lines = if path == "-" {
        read(&mut std::io::stdin().lock())
    } else {
        std::fs::File::open(path).and_then(|f| read(&mut std::io::BufReader::new(f)))
    }
    .map_err(|e| Error::Config(format!("cannot read server ids from {shown}: {e}")))?;
    let mut ids = Vec::new();
    for (number, line) in lines.iter().enumerate() {
        let id = line.split('#').next().unwrap_or_default().trim();
        if id.is_empty() {
            continue;
        }
        let id = ServerId::new(id).map_err(|e| {
            Error::Config(format!("{shown}, line {}: {e}", number.saturating_add(1)))
        })?;
        ids.push(id);
    }
    Ok(ids)
}

/// Gathers the servers from every source, without duplicates, in order.
/// `Err(Ok(e))` is a usage error, `Err(Err(e))` a failed listing.
pub fn plan(client: &Client, clear: &Clear) -> Result<Plan, Result<Error, Error>> {
    let mut servers: Vec<(ServerId, Option<String>)> =
        clear.servers.iter().map(|s| (s.clone(), None)).collect();
    if let Some(path) = &clear.from_file {
        servers.extend(
            ids_from_file(path)
                .map_err(Ok)?
                .into_iter()
                .map(|s| (s, None)),
        );
    }
    if clear.all_windows {
        let listed = client.list_servers().map_err(Err)?;
        for server in listed.into_iter().filter(|s| s.is_windows()) {
            let id = ServerId::new(&server.id).map_err(Err)?;
            servers.push((id, Some(server.name)));
        }
    }
    let mut seen = HashSet::new();
    servers.retain(|(id, _)| seen.insert(id.clone()));
    Ok(Plan { servers })
}

/// Asks on the terminal before clearing every Windows server of a project;
/// true to go on.
pub fn confirm(client: &Client, count: usize) -> bool {
    out::err_raw(&format!(
        "About to clear the password record of {count} Windows server(s) of project {} at {}.\nContinue? [y/N] ",
        out::escape(client.project_id().as_str()),
        out::escape(client.endpoint().url())
    ));
    let mut answer = String::new();
    // One short line at most: whatever is typed, the read ends.
    let read = std::io::Read::take(std::io::stdin().lock(), 64).read_line(&mut answer);
    read.is_ok() && matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES")
}

/// Prints what would be cleared.
pub fn dry_run(plan: &Plan, json_output: bool) {
    for (id, name) in &plan.servers {
        if json_output {
            let mut entry =
                report::result_json("clear-password", id, name.as_deref(), "would_clear");
            entry["status"] = Value::Null;
            out::raw(&format!("{entry}\n"));
        } else {
            match name {
                Some(name) => out::line(format_args!("would clear {id}  ({name})")),
                None => out::line(format_args!("would clear {id}")),
            };
        }
    }
    if json_output {
        out::raw(&format!(
            "{}\n",
            json!({"schema": report::SCHEMA, "type": "summary", "command": "clear-password", "dry_run": true, "total": plan.servers.len()})
        ));
    } else {
        out::err(format_args!(
            "dry run: {} server(s) would be cleared; nothing was sent",
            plan.servers.len()
        ));
    }
}

/// How a run ended, for the exit code.
pub enum Ended {
    AllCleared,
    SomeFailed,
    Interrupted,
    OutputClosed,
}

/// Clears every planned server, printing each result as it comes; stops
/// dispatching once `stop` is set (Ctrl-C, SIGTERM) or stdout is closed.
pub fn run(
    client: &Client,
    plan: &Plan,
    concurrency: usize,
    json_output: bool,
    stop: &AtomicBool,
) -> Ended {
    let ids: Vec<&str> = plan.servers.iter().map(|(id, _)| id.as_str()).collect();
    let throttled_before = client.throttled();
    let progress_line = std::io::stderr().is_terminal() && !ids.is_empty();
    let results = client.clear_passwords_until(&ids, concurrency, stop, |index, result, p| {
        if progress_line {
            out::err_raw("\r\x1b[K");
        }
        let Some((id, name)) = plan.servers.get(index) else {
            return;
        };
        let printed = if json_output {
            out::raw(&format!("{}\n", clear_json(id, name.as_deref(), result)))
        } else {
            out::line(clear_line(id, name.as_deref(), result))
        };
        if !printed {
            // Nobody reads the report any more: send nothing new.
            stop.store(true, Ordering::SeqCst);
        }
        if progress_line && p.done < p.total {
            out::err_raw(&progress_text(p));
        }
    });
    let mut summary = Summary::of(plan, &results);
    summary.throttled = client.throttled().saturating_sub(throttled_before);
    summary.rate = client.sending_rate();
    let interrupted = stop.load(Ordering::SeqCst);
    summary.print(json_output, interrupted && !out::stdout_closed());
    if out::stdout_closed() {
        Ended::OutputClosed
    } else if interrupted {
        Ended::Interrupted
    } else if summary.all_cleared() {
        Ended::AllCleared
    } else {
        Ended::SomeFailed
    }
}

fn progress_text(p: Progress) -> String {
    let mut text = format!(
        "{}/{}: cleared {}, not found {}, failed {}",
        p.done, p.total, p.cleared, p.not_found, p.failed
    );
    if p.throttled > 0 {
        text.push_str(&format!(", throttled {}", p.throttled));
    }
    if let Some(rate) = p.rate {
        text.push_str(&format!(", pacing at {rate:.1}/s"));
    }
    text
}

/// One server's line: what happened, then the gateway's words.
fn clear_line(
    id: &ServerId,
    name: Option<&str>,
    result: &Result<PasswordCleared, Error>,
) -> String {
    let name = name.map(|n| format!("  ({n})")).unwrap_or_default();
    match result {
        Ok(c) => format!(
            "cleared       {id}{name}  HTTP {}, request id {}",
            c.status,
            c.request_id.as_deref().unwrap_or("none")
        ),
        Err(e) => format!(
            "{:<13} {id}{name}  {}",
            report::outcome(e).replace('_', " "),
            report::with_hint(e)
        ),
    }
}

fn clear_json(id: &ServerId, name: Option<&str>, result: &Result<PasswordCleared, Error>) -> Value {
    match result {
        Ok(c) => {
            let mut entry = report::result_json("clear-password", id, name, "cleared");
            entry["status"] = json!(c.status);
            entry["request_id"] = json!(c.request_id);
            entry
        }
        Err(e) => {
            let mut entry = report::result_json("clear-password", id, name, report::outcome(e));
            report::error_fields(&mut entry, e);
            entry
        }
    }
}
