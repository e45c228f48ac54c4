//! `hwcloud-ecs`: the command-line face of the crate. Parsing and printing
//! only; every operation lives in the library.

mod args;
mod clear;
mod demo;
mod gateway;
mod password;
mod report;

use std::process::ExitCode;

use args::{Command, UsageError};

const EXIT_FAILURE: u8 = 1;
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let command = match args::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(UsageError(message)) => {
            eprintln!("error: {message}\nRun `hwcloud-ecs --help` for usage.");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match command {
        Command::Help(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Command::Clear(clear, target) => clear_command(&clear, &target),
        Command::Show(show, target) => show_command(&show, &target),
        Command::Config(target) => config_command(&target),
        Command::Demo => match demo::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("demo failed: {e}");
                ExitCode::from(EXIT_FAILURE)
            }
        },
        Command::FakeGateway {
            listen,
            servers,
            project_id,
        } => match gateway::run(&listen, &servers, project_id) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(EXIT_USAGE)
            }
        },
    }
}

fn usage_error(e: &hwcloud_ecs::Error) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(EXIT_USAGE)
}

fn verdict(all_ok: bool) -> ExitCode {
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

fn clear_command(clear: &args::Clear, target: &args::Target) -> ExitCode {
    let client = match password::client(target) {
        Ok(client) => client,
        Err(e) => return usage_error(&e),
    };
    let plan = match clear::plan(&client, clear) {
        Ok(plan) => plan,
        Err(Ok(usage)) => return usage_error(&usage),
        Err(Err(listing)) => {
            eprintln!("error: cannot list the project's servers: {listing}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if clear.dry_run {
        clear::dry_run(&plan, target.json);
        return ExitCode::SUCCESS;
    }
    verdict(clear::run(&client, &plan, clear.concurrency, target.json))
}

fn show_command(show: &args::Show, target: &args::Target) -> ExitCode {
    let (client, key) =
        match password::client(target).and_then(|c| Ok((c, password::private_key(show)?))) {
            Ok(ready) => ready,
            Err(e) => return usage_error(&e),
        };
    verdict(password::show(&client, show, key.as_deref(), target.json))
}

/// Prints the configuration a client would be built with. The discovery
/// steps (ECS metadata, IAM) run as for a real call; when they fail, what
/// is known is printed, then the error, and the exit code is 2.
fn config_command(target: &args::Target) -> ExitCode {
    let builder = match password::builder(target) {
        Ok(builder) => builder,
        Err(e) => return usage_error(&e),
    };
    let (settings, failure) = match builder.clone().build() {
        Ok(client) => (client.settings(), None),
        Err(e) => (builder.settings(), Some(e)),
    };
    let origin = |o: &str| o.replace("explicit", "command line");
    if target.json {
        let rows: Vec<serde_json::Value> = settings
            .iter()
            .map(|s| serde_json::json!({"name": s.name, "value": s.value, "origin": origin(&s.origin)}))
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else {
        for s in &settings {
            println!("{:<15} {:<40} {}", s.name, s.value, origin(&s.origin));
        }
    }
    match failure {
        None => ExitCode::SUCCESS,
        Some(e) => usage_error(&e),
    }
}
