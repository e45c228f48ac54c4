//! `clear-password` and `audit`: the servers of one project or of every
//! project of the account, each result recorded (with `--report`) and
//! printed as soon as it is known, stoppable by Ctrl-C or a closed output.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal};

use std::sync::atomic::{AtomicBool, Ordering};

use hwcloud_ecs::{Bulk, Client, Error, Outcome, Progress, Project, ServerId};
use serde_json::{json, Value};

use crate::args::{Action, Sweep, Target};
use crate::journal::Journal;
use crate::out;
use crate::password;
use crate::report::{self, Place, Summary};

/// The servers to work on, each with its project's client and its name
/// when the listing gave it.
pub struct Plan {
    pub targets: Vec<(Client, ServerId)>,
    pub names: Vec<Option<String>>,
    /// Projects covered, and their regions.
    pub projects: usize,
    pub regions: Vec<String>,
    /// Enabled projects that could not be checked: malformed in IAM's list,
    /// no ECS endpoint for their region, or a listing that failed (each
    /// reported as it failed).
    pub projects_failed: usize,
    /// Servers left out because `--resume` found them done.
    pub resumed: usize,
}

/// Why there is no plan.
pub enum PlanError {
    /// What the user typed or configured is wrong: nothing was sent (exit 2).
    Usage(String),
    /// A listing the run cannot go on without failed (exit 1).
    Failed(String),
}

impl From<Error> for PlanError {
    fn from(e: Error) -> Self {
        PlanError::Usage(e.to_string())
    }
}

impl From<password::SetupError> for PlanError {
    fn from(e: password::SetupError) -> Self {
        PlanError::Usage(e.to_string())
    }
}

/// The largest `--from-file` list read: 100,000 ids of 36 bytes, with room.
const MAX_ID_LIST: u64 = 16 * 1024 * 1024;

/// Reads `--from-file` ids (or stdin for `-`); every id is validated here,
/// before anything is sent, and a bad one is named with its file and line.
pub fn ids_from_file(path: &str) -> Result<Vec<ServerId>, String> {
    let shown = if path == "-" { "standard input" } else { path };
    let mut bytes = Vec::new();
    // Bounded: an id list of every server an account can have is a few MiB.
    let read = if path == "-" {
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::io::stdin().lock(), MAX_ID_LIST + 1),
            &mut bytes,
        )
    } else {
        std::fs::File::open(path).and_then(|f| {
            std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_ID_LIST + 1), &mut bytes)
        })
    };
    read.map_err(|e| format!("cannot read server ids from {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_ID_LIST {
        return Err(format!(
            "{shown} holds more than {MAX_ID_LIST} bytes of server ids"
        ));
    }
    let text = crate::text::text_of(bytes).map_err(|why| format!("{shown} {why}"))?;
    let lines: Vec<&str> = text.lines().collect();
    let mut ids = Vec::new();
    for (number, line) in lines.iter().enumerate() {
        let id = line.split('#').next().unwrap_or_default().trim();
        if id.is_empty() {
            continue;
        }
        let id = ServerId::new(id)
            .map_err(|e| format!("{shown}, line {}: {e}", number.saturating_add(1)))?;
        ids.push(id);
    }
    Ok(ids)
}

/// Prints (and records) one line about a project: skipped, or failed (it
/// could not be checked). The id, name and region are IAM's text, escaped
/// on a terminal.
fn project_note(
    project: (Option<&str>, Option<&str>, Option<&str>),
    outcome: &str,
    why: &str,
    error: Option<&Error>,
    json_output: bool,
    journal: &mut Option<Journal>,
) -> Result<(), PlanError> {
    let (id, name, region) = project;
    let mut entry = json!({
        "schema": report::SCHEMA,
        "type": "project",
        "id": id,
        "name": name,
        "region": region,
        "outcome": outcome,
        "reason": why,
    });
    if let Some(e) = error {
        report::error_fields(&mut entry, e);
    }
    if let Some(journal) = journal {
        journal.append(&entry).map_err(PlanError::Failed)?;
    }
    if json_output {
        out::raw(&format!("{entry}\n"));
    } else {
        let shown = |text: Option<&str>| match text {
            Some(text) => out::escape(text).into_owned(),
            None => "(none)".to_owned(),
        };
        out::err(format_args!(
            "{outcome} project {} ({}, region {}): {}",
            shown(name),
            shown(id),
            shown(region),
            out::escape(why)
        ));
    }
    Ok(())
}

/// A listed project's id, name and region, for [`project_note`].
fn named(project: &Project) -> (Option<&str>, Option<&str>, Option<&str>) {
    (
        Some(project.id.as_str()),
        Some(project.name.as_str()),
        Some(project.region.as_str()),
    )
}

/// Why a project's region has no ECS endpoint, with what to do: never
/// guessed, since a wrong endpoint would audit nothing and look compliant.
fn no_endpoint(project: &Project, error: &Error) -> String {
    match error {
        Error::InvalidInput { .. } => format!(
            "no ECS endpoint is known for region {}: set HUAWEICLOUD_SDK_REGION_ECS_{}, add the region to the regions file (~/.huaweicloud/regions.yaml), or leave it out with --regions",
            project.region,
            project.region.to_ascii_uppercase().replace('-', "_")
        ),
        other => format!("no usable ECS endpoint for region {}: {other}", project.region),
    }
}

/// Gathers the servers from every source, without duplicates, in order,
/// less those `--resume` finds done.
pub fn plan(
    sweep: &Sweep,
    target: &Target,
    journal: &mut Option<Journal>,
) -> Result<Plan, PlanError> {
    let done = match &sweep.resume {
        Some(path) => crate::journal::done_in(path, crate::args::command_name(sweep.action))
            .map_err(PlanError::Usage)?,
        None => HashSet::new(),
    };
    let mut plan = Plan {
        targets: Vec::new(),
        names: Vec::new(),
        projects: 0,
        regions: Vec::new(),
        projects_failed: 0,
        resumed: 0,
    };
    let add = |plan: &mut Plan, client: &Client, id: ServerId, name: Option<String>| {
        plan.targets.push((client.clone(), id));
        plan.names.push(name);
    };
    if sweep.all_projects {
        let account = password::builder(target)?.build_account()?;
        let listed = account.projects().map_err(|e| {
            PlanError::Failed(format!(
                "cannot list the account's projects at {}: {}",
                account.iam_endpoint().url(),
                report::with_hint(&e)
            ))
        })?;
        // An entry IAM lists that is no usable project could not be checked:
        // it fails, unless it is disabled.
        for entry in &listed.malformed {
            let region = entry
                .name
                .as_deref()
                .map(|n| n.split('_').next().unwrap_or(n));
            let place = (entry.id.as_deref(), entry.name.as_deref(), region);
            if region.is_some_and(|r| sweep.leaves_out(r)) {
                continue;
            }
            if entry.enabled {
                let why = format!(
                    "IAM lists it malformed, so it could not be checked: {}",
                    entry.reason
                );
                project_note(place, "failed", &why, None, target.json, journal)?;
                plan.projects_failed += 1;
            } else {
                project_note(
                    place,
                    "skipped",
                    "the project is disabled",
                    None,
                    target.json,
                    journal,
                )?;
            }
        }
        for project in &listed.projects {
            if let Some(why) = project.skipped() {
                project_note(named(project), "skipped", why, None, target.json, journal)?;
                continue;
            }
            if sweep.leaves_out(&project.region) {
                continue;
            }
            let client = match account.client(project) {
                Ok(client) => client,
                Err(e) => {
                    // The reason says what to do on the command line; the
                    // library's own words (builder methods) stay out.
                    let why = no_endpoint(project, &e);
                    project_note(named(project), "failed", &why, None, target.json, journal)?;
                    plan.projects_failed += 1;
                    continue;
                }
            };
            let listed = match client.list_servers_matching(&sweep.filter()) {
                Ok(listed) => listed,
                // Refused credentials concern every project: stop here.
                Err(e) if e.stops_every_project() => {
                    return Err(PlanError::Failed(format!(
                        "cannot list the servers of project {}: {}",
                        project.name,
                        report::with_hint(&e)
                    )))
                }
                Err(e) => {
                    let why = format!("cannot list its servers: {}", report::with_hint(&e));
                    project_note(
                        named(project),
                        "failed",
                        &why,
                        Some(&e),
                        target.json,
                        journal,
                    )?;
                    plan.projects_failed += 1;
                    continue;
                }
            };
            plan.projects += 1;
            if !plan.regions.contains(&project.region) {
                plan.regions.push(project.region.clone());
            }
            for server in listed {
                let id = ServerId::new(&server.id)?;
                add(&mut plan, &client, id, Some(server.name));
            }
        }
    } else {
        let client = password::client(target)?;
        for id in &sweep.servers {
            add(&mut plan, &client, id.clone(), None);
        }
        if let Some(path) = &sweep.from_file {
            for id in ids_from_file(path).map_err(PlanError::Usage)? {
                add(&mut plan, &client, id, None);
            }
        }
        if sweep.all_windows {
            let listed = client.list_servers_matching(&sweep.filter()).map_err(|e| {
                PlanError::Failed(format!(
                    "cannot list the project's servers: {}",
                    report::with_hint(&e)
                ))
            })?;
            for server in listed {
                let id = ServerId::new(&server.id)?;
                add(&mut plan, &client, id, Some(server.name));
            }
        }
        plan.projects = 1;
        plan.regions.extend(client.region().map(str::to_owned));
    }
    let mut seen = HashSet::new();
    let mut kept = Vec::with_capacity(plan.targets.len());
    let mut names = Vec::with_capacity(plan.targets.len());
    for ((client, id), name) in plan.targets.drain(..).zip(plan.names.drain(..)) {
        let key = (
            client.project_id().as_str().to_owned(),
            id.as_str().to_owned(),
        );
        if done.contains(&key) {
            plan.resumed += 1;
        } else if seen.insert(key) {
            kept.push((client, id));
            names.push(name);
        }
    }
    plan.targets = kept;
    plan.names = names;
    Ok(plan)
}

/// Asks on the terminal before clearing every Windows server of a project
/// or an account; true to go on.
pub fn confirm(plan: &Plan) -> bool {
    let scope = match plan.targets.first() {
        Some((client, _)) if plan.projects == 1 => format!(
            "of project {} at {}",
            out::escape(client.project_id().as_str()),
            out::escape(client.endpoint().url())
        ),
        _ => format!(
            "in {} project(s) across {} region(s) ({})",
            plan.projects,
            plan.regions.len(),
            out::escape(&plan.regions.join(", "))
        ),
    };
    out::err_raw(&format!(
        "About to clear the password record of {} Windows server(s) {scope}.\nContinue? [y/N] ",
        plan.targets.len()
    ));
    let mut answer = String::new();
    // One short line at most: whatever is typed, the read ends.
    let read = std::io::Read::take(std::io::stdin().lock(), 64).read_line(&mut answer);
    read.is_ok() && matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES")
}

/// Prints what would be cleared.
pub fn dry_run(plan: &Plan, json_output: bool) {
    let many = plan.projects > 1;
    for ((client, id), name) in plan.targets.iter().zip(&plan.names) {
        if json_output {
            let entry = report::result_json(
                "clear-password",
                id,
                name.as_deref(),
                "would_clear",
                Place::of(client),
            );
            out::raw(&format!("{entry}\n"));
        } else {
            out::line(format_args!(
                "would clear {id}{}{}",
                shown_name(name.as_deref()),
                shown_place(client, many)
            ));
        }
    }
    if json_output {
        out::raw(&format!(
            "{}\n",
            json!({"schema": report::SCHEMA, "type": "summary", "command": "clear-password", "dry_run": true, "total": plan.targets.len(), "projects": plan.projects, "regions": plan.regions})
        ));
    } else {
        out::err(format_args!(
            "dry run: {} server(s) would be cleared; nothing was sent",
            plan.targets.len()
        ));
    }
}

/// How a run ended, for the exit code.
pub enum Ended {
    /// Every server (and project) came out fine; for an audit, `stored`
    /// says whether any server still stores a password.
    Fine {
        stored: bool,
    },
    SomeFailed,
    Interrupted,
    OutputClosed,
    ReportFailed,
}

/// Works through every planned server, recording then printing each
/// result as it comes; stops dispatching once `stop` is set (Ctrl-C,
/// SIGTERM), stdout is closed, or the report cannot be written.
pub fn run(
    sweep: &Sweep,
    plan: &Plan,
    json_output: bool,
    stop: &AtomicBool,
    journal: &mut Option<Journal>,
) -> Ended {
    let command = crate::args::command_name(sweep.action);
    let bulk = Bulk::new(sweep.action)
        .workers(sweep.concurrency)
        .stop(stop);
    let bulk = match sweep.max_wait {
        Some(max_wait) => bulk.max_wait(max_wait),
        None => bulk,
    };
    let progress_line = std::io::stderr().is_terminal() && !plan.targets.is_empty();
    let many = plan.projects > 1;
    let mut last = None::<Progress>;
    let mut not_attempted = Vec::new();
    let mut reason = None;
    let mut report_failed = false;
    // Results printed and counted that the report does not hold.
    let mut not_recorded = 0usize;
    // The progress line's width, so that the next line can blank it.
    let mut shown_progress = 0usize;
    bulk.run(&plan.targets, |index, result, p| {
        last = Some(p);
        let (Some((client, id)), Some(name)) = (plan.targets.get(index), plan.names.get(index))
        else {
            return;
        };
        if let Err(Error::NotAttempted { reason: why, .. }) = result {
            not_attempted.push(id.as_str().to_owned());
            reason.get_or_insert_with(|| why.clone());
        }
        let mut entry = result_entry(command, &bulk, id, name.as_deref(), client, result);
        // Recorded before it is shown; once the report cannot be written,
        // every result shown after says it is not recorded.
        let recorded = match journal.as_mut() {
            None => true,
            Some(_) if report_failed => false,
            Some(journal) => match journal.append(&entry) {
                Ok(()) => true,
                Err(e) => {
                    out::err(format_args!("error: {e}; stopping: no new server is sent"));
                    report_failed = true;
                    stop.store(true, Ordering::SeqCst);
                    false
                }
            },
        };
        if !recorded {
            not_recorded += 1;
            entry["recorded"] = serde_json::json!(false);
        }
        if progress_line {
            out::err_raw(&erase(shown_progress));
            shown_progress = 0;
        }
        let printed = if json_output {
            out::raw(&format!("{entry}\n"))
        } else {
            let line = result_line(&bulk, id, name.as_deref(), client, many, result);
            if recorded {
                out::line(line)
            } else {
                out::line(format!("{line} (not recorded in the report)"))
            }
        };
        if !printed {
            // Nobody reads the results any more: send nothing new.
            stop.store(true, Ordering::SeqCst);
        }
        if progress_line && p.done < p.total {
            let text = progress_text(sweep.action, p);
            shown_progress = text.chars().count();
            out::err_raw(&text);
        }
    });
    let Some(counts) = last else {
        return Ended::Fine { stored: false };
    };
    let summary = Summary {
        command,
        counts,
        not_attempted,
        reason,
        projects: plan.projects,
        regions: plan.regions.clone(),
        projects_failed: plan.projects_failed,
        resumed: plan.resumed,
        not_recorded,
    };
    let interrupted = stop.load(Ordering::SeqCst) && !report_failed;
    if let Some(journal) = journal.as_mut().filter(|_| !report_failed) {
        if let Err(e) = journal.append(&summary.json(interrupted)) {
            out::err(format_args!("error: {e}"));
            report_failed = true;
        }
    }
    summary.print(json_output, interrupted && !out::stdout_closed());
    let unfinished = counts.failed + counts.not_found + counts.not_attempted + plan.projects_failed;
    if report_failed {
        Ended::ReportFailed
    } else if out::stdout_closed() {
        Ended::OutputClosed
    } else if interrupted {
        Ended::Interrupted
    } else if unfinished > 0 {
        Ended::SomeFailed
    } else {
        Ended::Fine {
            stored: counts.stored > 0,
        }
    }
}

/// Blanks a progress line of `width` characters with spaces and a carriage
/// return, no escape sequence: a Windows console without VT processing
/// shows it as well as any terminal.
fn erase(width: usize) -> String {
    format!("\r{:width$}\r", "")
}

fn progress_text(action: Action, p: Progress) -> String {
    let mut text = match action {
        Action::Clear => format!(
            "{}/{}: cleared {}, not found {}, failed {}",
            p.done, p.total, p.cleared, p.not_found, p.failed
        ),
        Action::Audit => format!(
            "{}/{}: stored {}, none stored {}, failed {}",
            p.done, p.total, p.stored, p.none_stored, p.failed
        ),
    };
    if p.throttled > 0 {
        text.push_str(&format!(", throttled {}", p.throttled));
    }
    if let Some(rate) = p.rate {
        text.push_str(&format!(", pacing at {rate:.1}/s"));
    }
    text
}

fn shown_name(name: Option<&str>) -> String {
    name.map(|n| format!("  ({})", out::escape(n)))
        .unwrap_or_default()
}

/// The project and region of a server, in runs over several projects.
fn shown_place(client: &Client, many: bool) -> String {
    if !many {
        return String::new();
    }
    format!(
        "  [{} {}]",
        client.region().unwrap_or("-"),
        client.project_id()
    )
}

/// One server's line: what happened, then the gateway's words.
fn result_line(
    bulk: &Bulk<'_>,
    id: &ServerId,
    name: Option<&str>,
    client: &Client,
    many: bool,
    result: &Result<Outcome, Error>,
) -> String {
    let word = report::word(bulk.kind(result)).replace('_', " ");
    let head = format!(
        "{word:<13} {id}{}{}",
        shown_name(name),
        shown_place(client, many)
    );
    match result {
        Ok(o) => format!(
            "{head}  HTTP {}, request id {}",
            o.status(),
            o.request_id().unwrap_or("none")
        ),
        Err(e) => format!("{head}  {}", report::with_hint(e)),
    }
}

fn result_entry(
    command: &str,
    bulk: &Bulk<'_>,
    id: &ServerId,
    name: Option<&str>,
    client: &Client,
    result: &Result<Outcome, Error>,
) -> Value {
    let mut entry = report::result_json(
        command,
        id,
        name,
        report::word(bulk.kind(result)),
        Place::of(client),
    );
    match result {
        Ok(o) => {
            entry["status"] = json!(o.status());
            entry["request_id"] = json!(o.request_id());
        }
        Err(e) => report::error_fields(&mut entry, e),
    }
    entry
}

/// The report's first line: the command, its scope and its filters.
pub fn header(sweep: &Sweep, target: &Target) -> Value {
    json!({
        "schema": report::SCHEMA,
        "type": "header",
        "command": crate::args::command_name(sweep.action),
        "version": env!("CARGO_PKG_VERSION"),
        "started_at_unix": unix_now(),
        "scope": {
            "all_projects": sweep.all_projects,
            "all_windows": sweep.all_windows,
            "servers": sweep.servers.iter().map(ServerId::as_str).collect::<Vec<_>>(),
            "from_file": sweep.from_file,
            "project_id": target.project_id,
            "region": target.region,
            "endpoint": target.endpoint,
        },
        "filters": sweep.filters_json(),
        "resumed_from": sweep.resume,
    })
}

/// Now, in seconds since 1970, for the report's header.
// The report's own time stamp, not a signing time.
#[allow(clippy::disallowed_methods)]
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_line_is_blanked_without_escape_sequences() {
        assert_eq!(erase(0), "\r\r");
        assert_eq!(erase(5), "\r     \r");
        assert!(!erase(40).contains('\x1b'));
    }
}
