//! `hwcloud-ecs`: the command-line face of the crate. Parsing and printing
//! only; every operation lives in the library.

mod args;
mod demo;
mod gateway;
mod journal;
mod logger;
mod out;
mod password;
mod report;
mod spec;
mod sweep;
mod text;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use args::{Command, Invocation, UsageError};

const EXIT_FAILURE: u8 = 1;
const EXIT_USAGE: u8 = 2;
/// `audit`: every server was checked, and at least one still stores a password.
const EXIT_STORED: u8 = 3;
/// 128 + SIGINT, as shells report a run stopped by Ctrl-C.
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let Invocation { command, verbose } = match args::parse(std::env::args_os().skip(1)) {
        Ok(invocation) => invocation,
        Err(UsageError { message, command }) => {
            out::err(format_args!("error: {message}"));
            match command {
                Some(name) => out::err(format_args!(
                    "Run `hwcloud-ecs {name} --help` for its options."
                )),
                None => out::err("Run `hwcloud-ecs --help` for the commands."),
            }
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if verbose {
        logger::install();
    }
    match command {
        Command::Help(text) | Command::Completions(text) => {
            out::raw(&format!("{text}\n"));
            ExitCode::SUCCESS
        }
        Command::Version => {
            out::raw(&format!("hwcloud-ecs {}\n", env!("CARGO_PKG_VERSION")));
            ExitCode::SUCCESS
        }
        Command::Sweep(sweep, target) => sweep_command(&sweep, &target),
        Command::Show(show, target) => show_command(&show, &target),
        Command::Config(target) => config_command(&target),
        Command::Demo => match demo::run() {
            Ok(()) if out::stdout_closed() => ExitCode::from(EXIT_FAILURE),
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                out::err(format_args!("demo failed: {e}"));
                ExitCode::from(EXIT_FAILURE)
            }
        },
        Command::FakeGateway {
            listen,
            servers,
            project_id,
            rate_limit,
        } => match gateway::run(&listen, &servers, project_id, rate_limit) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => usage_error(&e),
        },
    }
}

fn usage_error(e: &dyn std::fmt::Display) -> ExitCode {
    out::err(format_args!("error: {e}"));
    ExitCode::from(EXIT_USAGE)
}

fn verdict(all_ok: bool) -> ExitCode {
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

/// SIGINT and SIGTERM end the process at once with 130: for commands with
/// nothing to finish or summarize (`show-password`, `config`), and for a
/// bulk run while it asks for confirmation (nothing has been sent).
fn exit_on_signals() -> Arc<AtomicBool> {
    let stop = stop_on_signals();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    stop
}

/// The signals that stop a run: Ctrl-C (SIGINT) and SIGTERM everywhere,
/// and on Windows Ctrl-Break too, which the C runtime raises as SIGBREAK.
/// (Closing a Windows console is no signal the runtime passes on: Windows
/// ends the process; the report file keeps every result already written.)
#[cfg(not(windows))]
const STOP_SIGNALS: [std::ffi::c_int; 2] =
    [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];
#[cfg(windows)]
const STOP_SIGNALS: [std::ffi::c_int; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGBREAK,
];

/// A flag that the stop signals set: the bulk run sends nothing new once it
/// is up. A second signal ends the process at once with 130.
fn stop_on_signals() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in STOP_SIGNALS {
        // Registered first, so it sees the flag as the previous signal left it.
        let _ = signal_hook::flag::register_conditional_shutdown(
            signal,
            i32::from(EXIT_INTERRUPTED),
            Arc::clone(&stop),
        );
        let _ = signal_hook::flag::register(signal, Arc::clone(&stop));
    }
    stop
}

fn usage(message: &str) -> ExitCode {
    out::err(format_args!("error: {message}"));
    ExitCode::from(EXIT_USAGE)
}

fn sweep_command(sweep: &args::Sweep, target: &args::Target) -> ExitCode {
    let clearing = sweep.action == args::Action::Clear;
    let ask = clearing && sweep.all_windows && !sweep.yes && !sweep.dry_run;
    let can_ask = std::io::stdin().is_terminal() && sweep.from_file.as_deref() != Some("-");
    if ask && !can_ask {
        return usage(
            "--all-windows clears every Windows server of the project: without a terminal to confirm on, pass --yes",
        );
    }
    let stop = stop_on_signals();
    // Opened before anything is sent: a report that cannot be written
    // stops the run before its first request.
    let mut journal = None;
    if let (Some(path), false) = (&sweep.report, sweep.dry_run) {
        match journal::Journal::open(path, &sweep::header(sweep, target)) {
            Ok(opened) => journal = Some(opened),
            Err(e) => return usage(&e),
        }
    }
    let plan = match sweep::plan(sweep, target, &mut journal) {
        Ok(plan) => plan,
        Err(sweep::PlanError::Usage(message)) => return usage(&message),
        Err(sweep::PlanError::Failed(message)) => {
            out::err(format_args!("error: {message}"));
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if plan.resumed > 0 {
        out::err(format_args!(
            "resume: {} server(s) already done in {} are skipped",
            plan.resumed,
            out::escape(sweep.resume.as_deref().unwrap_or_default())
        ));
    }
    if plan.targets.is_empty() {
        if sweep.all_windows || plan.resumed > 0 {
            out::err(format_args!(
                "no Windows server found to {} in {} project(s)",
                if clearing { "clear" } else { "audit" },
                plan.projects
            ));
            return verdict(plan.projects_failed == 0);
        }
        return usage(
            "the list of servers is empty: give SERVER_IDs, --all-windows or ids in --from-file",
        );
    }
    if sweep.dry_run {
        sweep::dry_run(&plan, target.json);
        return verdict(!out::stdout_closed());
    }
    if ask {
        // While the question waits for its answer, a signal ends the
        // process at once: nothing has been sent.
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let yes = sweep::confirm(&plan);
        stop.store(false, std::sync::atomic::Ordering::SeqCst);
        if !yes {
            out::err("cancelled: nothing was sent");
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    match sweep::run(sweep, &plan, target.json, &stop, &mut journal) {
        sweep::Ended::Fine { stored: true } => ExitCode::from(EXIT_STORED),
        sweep::Ended::Fine { stored: false } => ExitCode::SUCCESS,
        sweep::Ended::SomeFailed | sweep::Ended::OutputClosed | sweep::Ended::ReportFailed => {
            ExitCode::from(EXIT_FAILURE)
        }
        sweep::Ended::Interrupted => ExitCode::from(EXIT_INTERRUPTED),
    }
}

fn show_command(show: &args::Show, target: &args::Target) -> ExitCode {
    let _exit = exit_on_signals();
    let (client, key) =
        match password::client(target).and_then(|c| Ok((c, password::private_key(show)?))) {
            Ok(ready) => ready,
            Err(e) => return usage_error(&e),
        };
    verdict(password::show(&client, show, key.as_deref(), target.json))
}

/// Prints the configuration a client would be built with. The discovery
/// steps (ECS metadata, IAM) run as for a real call, unless `--offline`;
/// when they fail, what is known is printed, then the error, and the exit
/// code is 2.
fn config_command(target: &args::Target) -> ExitCode {
    let _exit = exit_on_signals();
    let builder = match password::builder(target) {
        Ok(builder) => builder,
        Err(e) => return usage_error(&e),
    };
    let (settings, failure) = if target.offline {
        // What a real command would refuse before sending, refused here too.
        (builder.settings(), builder.check().err())
    } else {
        match builder.clone().build() {
            Ok(client) => (client.settings(), None),
            Err(e) => (builder.settings(), Some(e)),
        }
    };
    if target.json {
        let object: serde_json::Map<String, serde_json::Value> = settings
            .iter()
            .map(|s| {
                let value = serde_json::json!({"value": s.value, "origin": origin(s, target)});
                (s.key.to_owned(), value)
            })
            .collect();
        out::raw(&format!("{}\n", serde_json::Value::Object(object)));
    } else {
        for s in &settings {
            out::line(format_args!(
                "{:<17} {:<44} {}",
                s.name,
                s.value,
                origin(s, target)
            ));
        }
    }
    match failure {
        None => verdict(!out::stdout_closed()),
        Some(e) => usage_error(&e),
    }
}

/// Where a setting came from, in the CLI's words: a value set on the
/// builder came from the command line, and the option is named.
fn origin(setting: &hwcloud_ecs::Setting, target: &args::Target) -> String {
    if setting.origin != hwcloud_ecs::Origin::Explicit {
        return setting.origin.to_string();
    }
    let option = match setting.key {
        "project_id" => "--project-id",
        "region" => "--region",
        "endpoint" => "--endpoint",
        "api" => "--api",
        "proxy" if target.no_proxy => "--no-proxy",
        "proxy" => "--proxy",
        "ca_roots" if target.ca_only => "--ca-file, --ca-only",
        "ca_roots" => "--ca-file",
        "tls_verification" => "--danger-accept-invalid-certs",
        "max_rate" => "--rate",
        _ => return "command line".to_owned(),
    };
    format!("command line {option}")
}
