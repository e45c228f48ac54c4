//! `hwcloud-ecs`: the command-line face of the crate. Parsing and printing
//! only; every operation lives in the library.

mod args;
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
        Command::Clear(servers, target) => password_command(&servers, &target, true),
        Command::Show(servers, target) => password_command(&servers, &target, false),
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

fn password_command(
    servers: &[hwcloud_ecs::ServerId],
    target: &args::Target,
    clear: bool,
) -> ExitCode {
    let client = match password::client(target) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if password::run(&client, servers, clear, target.json) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}
