//! Command-line parsing (lexopt): turns argv into a [`Command`].

use std::ffi::OsString;

use hwcloud_ecs::{ApiVersion, ServerId};
use lexopt::prelude::*;

pub const MAIN_HELP: &str = "\
hwcloud-ecs: clear the generated password of Huawei Cloud ECS Windows servers

Usage: hwcloud-ecs <COMMAND> [OPTIONS]

Commands:
  clear-password SERVER_ID...   delete the stored password record of each server
  show-password SERVER_ID...    print each server's encrypted password
  demo                          run the whole client against a local fake gateway (no account)
  fake-gateway                  run the fake gateway in the foreground for other programs' tests

Credentials come from HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and, for temporary
credentials, HUAWEICLOUD_SDK_SECURITY_TOKEN; never from the command line.
Exit codes: 0 success, 1 an API or transport failure, 2 usage or configuration error.
Run `hwcloud-ecs <COMMAND> --help` for a command's options.";

pub const CLEAR_HELP: &str = "\
Usage: hwcloud-ecs clear-password SERVER_ID... [OPTIONS]

Deletes the password record ECS generated when each Windows server was first
installed. Logging in with the password keeps working; only show-password can
no longer return it.

Options:
      --api v2.1|v1      which ECS API to call [default: v2.1]
      --region R         region, e.g. cn-north-4 [env: HUAWEICLOUD_SDK_REGION]
      --project-id ID    project id [env: HUAWEICLOUD_SDK_PROJECT_ID]
      --endpoint URL     explicit endpoint; wins over --region (http only to loopback)
      --json             print one JSON report instead of lines
  -h, --help             print this help";

pub const SHOW_HELP: &str = "\
Usage: hwcloud-ecs show-password SERVER_ID... [OPTIONS]

Prints each server's encrypted (base64 RSA) password, or says that none is stored.

Options:
      --api v2.1|v1      which ECS API to call [default: v2.1]
      --region R         region, e.g. cn-north-4 [env: HUAWEICLOUD_SDK_REGION]
      --project-id ID    project id [env: HUAWEICLOUD_SDK_PROJECT_ID]
      --endpoint URL     explicit endpoint; wins over --region (http only to loopback)
      --json             print one JSON report instead of lines
  -h, --help             print this help";

pub const DEMO_HELP: &str = "\
Usage: hwcloud-ecs demo

Starts the bundled fake gateway on loopback, then reads, clears and reads again
a password through the full client stack, and shows a request the gateway
refuses. Needs no account and no network; prints the signed requests with
secrets redacted and the gateway's verdict on each.";

pub const GATEWAY_HELP: &str = "\
Usage: hwcloud-ecs fake-gateway [OPTIONS]

Runs the fake gateway in the foreground until killed. It accepts requests
signed with HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (and verifies them exactly
as the real gateway does). The first line printed is its endpoint.

Options:
      --listen ADDR        address to bind [default: 127.0.0.1:0]
      --servers ID,ID,...  servers it knows, each with a stored password [default: one example server]
      --project-id ID      project it serves [env: HUAWEICLOUD_SDK_PROJECT_ID, default: 0123456789abcdef0123456789abcdef]
  -h, --help               print this help";

/// Options shared by the password commands.
#[derive(Debug, Default)]
pub struct Target {
    pub api: ApiVersion,
    pub region: Option<String>,
    pub project_id: Option<String>,
    pub endpoint: Option<String>,
    pub json: bool,
}

#[derive(Debug)]
pub enum Command {
    Help(&'static str),
    Clear(Vec<ServerId>, Target),
    Show(Vec<ServerId>, Target),
    Demo,
    FakeGateway {
        listen: String,
        servers: Vec<String>,
        project_id: Option<String>,
    },
}

/// A usage error, printed with a pointer to `--help`.
#[derive(Debug)]
pub struct UsageError(pub String);

impl From<lexopt::Error> for UsageError {
    fn from(e: lexopt::Error) -> Self {
        UsageError(e.to_string())
    }
}

impl From<hwcloud_ecs::Error> for UsageError {
    fn from(e: hwcloud_ecs::Error) -> Self {
        UsageError(e.to_string())
    }
}

pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, UsageError> {
    let mut parser = lexopt::Parser::from_args(args);
    let command = match parser.next()? {
        None => return Ok(Command::Help(MAIN_HELP)),
        Some(Short('h') | Long("help")) => return Ok(Command::Help(MAIN_HELP)),
        Some(Value(name)) => name.string()?,
        Some(other) => return Err(other.unexpected().into()),
    };
    match command.as_str() {
        "clear-password" => password_command(&mut parser, CLEAR_HELP, Command::Clear),
        "show-password" => password_command(&mut parser, SHOW_HELP, Command::Show),
        "demo" => match parser.next()? {
            None => Ok(Command::Demo),
            Some(Short('h') | Long("help")) => Ok(Command::Help(DEMO_HELP)),
            Some(other) => Err(other.unexpected().into()),
        },
        "fake-gateway" => gateway_command(&mut parser),
        "help" => Ok(Command::Help(MAIN_HELP)),
        other => Err(UsageError(format!("unknown command {other:?}"))),
    }
}

fn password_command(
    parser: &mut lexopt::Parser,
    help: &'static str,
    make: fn(Vec<ServerId>, Target) -> Command,
) -> Result<Command, UsageError> {
    let mut target = Target::default();
    let mut servers = Vec::new();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help(help)),
            Long("api") => target.api = parser.value()?.string()?.parse()?,
            Long("region") => target.region = Some(parser.value()?.string()?),
            Long("project-id") => target.project_id = Some(parser.value()?.string()?),
            Long("endpoint") => target.endpoint = Some(parser.value()?.string()?),
            Long("json") => target.json = true,
            Value(id) => servers.push(ServerId::new(id.string()?)?),
            other => return Err(other.unexpected().into()),
        }
    }
    if servers.is_empty() {
        return Err(UsageError("give at least one SERVER_ID".into()));
    }
    Ok(make(servers, target))
}

fn gateway_command(parser: &mut lexopt::Parser) -> Result<Command, UsageError> {
    let mut listen = "127.0.0.1:0".to_owned();
    let mut servers = Vec::new();
    let mut project_id = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help(GATEWAY_HELP)),
            Long("listen") => listen = parser.value()?.string()?,
            Long("project-id") => project_id = Some(parser.value()?.string()?),
            Long("servers") => {
                for id in parser
                    .value()?
                    .string()?
                    .split(',')
                    .filter(|s| !s.is_empty())
                {
                    servers.push(ServerId::new(id)?.to_string());
                }
            }
            other => return Err(other.unexpected().into()),
        }
    }
    Ok(Command::FakeGateway {
        listen,
        servers,
        project_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Command, UsageError> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn parses_password_commands() {
        let Ok(Command::Clear(ids, target)) = parse_str(&[
            "clear-password",
            "s1",
            "--api",
            "v1",
            "s2",
            "--endpoint",
            "http://127.0.0.1:1",
            "--json",
        ]) else {
            panic!("expected clear-password");
        };
        assert_eq!(ids.len(), 2);
        assert_eq!(target.api, ApiVersion::V1);
        assert!(target.json);
        assert!(parse_str(&["clear-password"]).is_err());
        assert!(parse_str(&["clear-password", "a/b"]).is_err());
        assert!(parse_str(&["clear-password", "s1", "--api", "v3"]).is_err());
        assert!(parse_str(&["clear-password", "s1", "--sk", "x"]).is_err());
        assert!(matches!(
            parse_str(&["show-password", "--help"]),
            Ok(Command::Help(SHOW_HELP))
        ));
        assert!(matches!(parse_str(&[]), Ok(Command::Help(MAIN_HELP))));
        assert!(parse_str(&["nope"]).is_err());
    }
}
