//! `clear-password`: one server or a whole fleet.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};

use hwcloud_ecs::{Client, Error, Progress, ServerId};
use serde_json::{json, Value};

use crate::args::Clear;
use crate::report::{error_json, failure_line};

/// The servers to clear, with their names when the listing gave them.
pub struct Plan {
    pub servers: Vec<(ServerId, Option<String>)>,
}

/// Reads `--from-file` ids (or stdin for `-`); every id is validated here,
/// before anything is sent.
pub fn ids_from_file(path: &str) -> Result<Vec<ServerId>, Error> {
    let read =
        |reader: &mut dyn BufRead| -> std::io::Result<Vec<String>> { reader.lines().collect() };
    let lines = if path == "-" {
        read(&mut std::io::stdin().lock())
    } else {
        std::fs::File::open(path).and_then(|f| read(&mut std::io::BufReader::new(f)))
    }
    .map_err(|e| Error::Config(format!("cannot read server ids from {path:?}: {e}")))?;
    lines
        .iter()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|id| !id.is_empty())
        .map(ServerId::new)
        .collect()
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

/// Prints what would be cleared.
pub fn dry_run(plan: &Plan, json_output: bool) {
    if json_output {
        let servers: Vec<Value> = plan
            .servers
            .iter()
            .map(|(id, name)| json!({"server_id": id.as_str(), "name": name}))
            .collect();
        println!(
            "{}",
            json!({"command": "clear-password", "dry_run": true, "servers": servers})
        );
        return;
    }
    for (id, name) in &plan.servers {
        match name {
            Some(name) => println!("would clear {id}  ({name})"),
            None => println!("would clear {id}"),
        }
    }
    eprintln!(
        "dry run: {} server(s) would be cleared; nothing was sent",
        plan.servers.len()
    );
}

/// Clears every planned server; returns whether all succeeded.
pub fn run(client: &Client, plan: &Plan, concurrency: usize, json_output: bool) -> bool {
    let ids: Vec<&str> = plan.servers.iter().map(|(id, _)| id.as_str()).collect();
    let show_progress = std::io::stderr().is_terminal() && !ids.is_empty();
    let results = client.clear_passwords_with_progress(&ids, concurrency, |p: Progress| {
        if show_progress {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}/{} done, {} failed", p.done, p.total, p.failed);
            let _ = err.flush();
        }
    });
    if show_progress {
        eprintln!();
    }
    let cleared = results.iter().filter(|r| r.is_ok()).count();
    let not_found = results
        .iter()
        .filter(|r| r.as_ref().is_err_and(Error::is_not_found))
        .count();
    let failed = results.len() - cleared - not_found;
    if json_output {
        let entries: Vec<Value> = plan
            .servers
            .iter()
            .zip(&results)
            .map(|((id, name), result)| match result {
                Ok(c) => json!({"server_id": id.as_str(), "name": name, "ok": true, "status": c.status, "request_id": c.request_id}),
                Err(e) => json!({"server_id": id.as_str(), "name": name, "ok": false, "error": error_json(e)}),
            })
            .collect();
        let report = json!({
            "command": "clear-password",
            "dry_run": false,
            "results": entries,
            "summary": {"cleared": cleared, "not_found": not_found, "failed": failed},
            "failed": not_found + failed,
        });
        println!("{report}");
    } else {
        for ((id, _), result) in plan.servers.iter().zip(&results) {
            match result {
                Ok(c) => println!(
                    "cleared   {id}  (HTTP {}, request id {})",
                    c.status,
                    c.request_id.as_deref().unwrap_or("none")
                ),
                Err(e) => println!("{}", failure_line(id, e)),
            }
        }
        eprintln!("summary: cleared {cleared}, not found {not_found}, failed {failed}");
    }
    not_found + failed == 0
}
