//! Command-line parsing (lexopt): turns argv into a [`Command`].

use std::ffi::OsString;

use std::time::Duration;

use hwcloud_ecs::{ApiVersion, ServerId, DEFAULT_CONCURRENCY};
use lexopt::prelude::*;

pub const MAIN_HELP: &str = "\
hwcloud-ecs: clear the generated password of Huawei Cloud ECS Windows servers

Usage: hwcloud-ecs <COMMAND> [OPTIONS]

Commands:
  clear-password SERVER_ID...   delete the stored password record of each server
  show-password SERVER_ID...    print each server's encrypted password
  config                        print the resolved configuration and where each value came from
  demo                          run the whole client against a local fake gateway (no account)
  fake-gateway                  run the fake gateway in the foreground for other programs' tests

Credentials come from HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and, for temporary
credentials, HUAWEICLOUD_SDK_SECURITY_TOKEN, else from the credentials file
(--profile-file, $HUAWEICLOUD_SDK_CREDENTIALS_FILE or ~/.huaweicloud/credentials,
section [basic]), else, inside an ECS with an agency, from the ECS metadata
service; never from the command line. The project id, when not given, comes
from the credentials file, the ECS metadata or an IAM lookup by region.
Exit codes: 0 success, 1 an API or transport failure, 2 usage or configuration error.
Run `hwcloud-ecs <COMMAND> --help` for a command's options.";

/// The options both password commands take, as help text.
macro_rules! shared_options {
    () => {
        "      --api v2.1|v1      which ECS API to call [default: v2.1]
      --region R         region, e.g. cn-north-4 [env: HUAWEICLOUD_SDK_REGION]
      --project-id ID    project id [env: HUAWEICLOUD_SDK_PROJECT_ID]
      --endpoint URL     explicit endpoint; wins over --region (http only to loopback)
      --profile-file PATH
                         credentials file [env: HUAWEICLOUD_SDK_CREDENTIALS_FILE,
                         default: ~/.huaweicloud/credentials]
      --json             print JSON Lines: one object per server, then a summary
      --proxy URL        proxy for every request [default: HTTPS_PROXY etc. from the environment]
      --no-proxy         no proxy, whatever the environment says
      --ca-file PATH     also trust the CA certificates in this PEM file (private clouds)
      --ca-only          trust only --ca-file's certificates, not the bundled roots
      --danger-accept-invalid-certs
                         skip TLS verification (dangerous; prints a warning)
  -h, --help             print this help"
    };
}

pub const CLEAR_HELP: &str = concat!(
    "\
Usage: hwcloud-ecs clear-password [SERVER_ID...] [--all-windows] [--from-file PATH|-] [OPTIONS]

Deletes the password record ECS generated when each Windows server was first
installed. Logging in with the password keeps working; only show-password can
no longer return it. Every id is checked before the first request is sent.

Servers (any mix; duplicates are cleared once):
      SERVER_ID...       ids on the command line
      --all-windows      every server of the project whose os_type is Windows
      --from-file PATH   ids one per line ('#' starts a comment); '-' reads stdin

Options:
      --dry-run          list what would be cleared; send no DELETE
  -y, --yes              clear --all-windows without asking (needed without a terminal)
      --concurrency N    parallel requests [default: 8]
",
    shared_options!()
);

pub const SHOW_HELP: &str = concat!(
    "\
Usage: hwcloud-ecs show-password SERVER_ID... [OPTIONS]

Prints each server's encrypted (base64 RSA) password, or says that none is stored.

Options:
      --wait DURATION    poll until a password is stored, at most this long (e.g. 10m, 90s)
      --private-key PATH decrypt with the key pair's private key (PEM, PKCS#1 or PKCS#8)
                         and print the plain password; needs the `decrypt` feature
",
    shared_options!()
);

pub const CONFIG_HELP: &str = concat!(
    "\
Usage: hwcloud-ecs config [OPTIONS]

Prints the configuration a password command would use, value by value, with
where each came from: the command line (with the option), an environment
variable (by name), the credentials file (by path), the ECS metadata service,
IAM, or the default. Secrets show only whether they are set.

To find what is missing it asks what a password command would ask: the ECS
metadata service (off ECS that fails within about 3 s) and IAM (a signed
lookup of the project id). --offline sends nothing and shows only what the
command line, the environment and the credentials file give.

Options:
      --offline          skip the ECS metadata service and IAM; send nothing
",
    shared_options!()
);

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
    /// `--api`, when given.
    pub api: Option<ApiVersion>,
    /// `config --offline`: no metadata or IAM step.
    pub offline: bool,
    pub region: Option<String>,
    pub project_id: Option<String>,
    pub endpoint: Option<String>,
    pub json: bool,
    pub proxy: Option<String>,
    pub no_proxy: bool,
    pub ca_file: Option<String>,
    pub ca_only: bool,
    pub danger_accept_invalid_certs: bool,
    pub profile_file: Option<String>,
}

/// What `clear-password` works on, besides the shared options.
#[derive(Debug, Default)]
pub struct Clear {
    pub servers: Vec<ServerId>,
    pub all_windows: bool,
    pub from_file: Option<String>,
    pub dry_run: bool,
    pub yes: bool,
    pub concurrency: usize,
}

/// What `show-password` works on, besides the shared options.
#[derive(Debug, Default)]
pub struct Show {
    pub servers: Vec<ServerId>,
    pub wait: Option<Duration>,
    pub private_key: Option<String>,
}

#[derive(Debug)]
pub enum Command {
    Help(&'static str),
    Clear(Clear, Target),
    Show(Show, Target),
    Config(Target),
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
        "clear-password" => clear_command(&mut parser),
        "show-password" => show_command(&mut parser),
        "config" => config_command(&mut parser),
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

/// The long options both password commands take.
const SHARED: [&str; 11] = [
    "api",
    "region",
    "project-id",
    "endpoint",
    "json",
    "proxy",
    "no-proxy",
    "ca-file",
    "ca-only",
    "danger-accept-invalid-certs",
    "profile-file",
];

/// Parses one of the [`SHARED`] options.
fn shared_option(
    parser: &mut lexopt::Parser,
    name: &str,
    target: &mut Target,
) -> Result<(), UsageError> {
    match name {
        "api" => target.api = Some(parser.value()?.string()?.parse()?),
        "region" => target.region = Some(parser.value()?.string()?),
        "project-id" => target.project_id = Some(parser.value()?.string()?),
        "endpoint" => target.endpoint = Some(parser.value()?.string()?),
        "proxy" => target.proxy = Some(parser.value()?.string()?),
        "no-proxy" => target.no_proxy = true,
        "ca-file" => target.ca_file = Some(parser.value()?.string()?),
        "ca-only" => target.ca_only = true,
        "danger-accept-invalid-certs" => target.danger_accept_invalid_certs = true,
        "profile-file" => target.profile_file = Some(parser.value()?.string()?),
        _ => target.json = true,
    }
    Ok(())
}

fn clear_command(parser: &mut lexopt::Parser) -> Result<Command, UsageError> {
    let mut target = Target::default();
    let mut clear = Clear {
        concurrency: DEFAULT_CONCURRENCY,
        ..Clear::default()
    };
    while let Some(arg) = parser.next()? {
        match arg {
            Long(name) if SHARED.contains(&name) => {
                let name = name.to_owned();
                shared_option(parser, &name, &mut target)?;
            }
            Short('h') | Long("help") => return Ok(Command::Help(CLEAR_HELP)),
            Long("all-windows") => clear.all_windows = true,
            Long("dry-run") => clear.dry_run = true,
            Short('y') | Long("yes") => clear.yes = true,
            Long("from-file") => clear.from_file = Some(parser.value()?.string()?),
            Long("concurrency") => {
                let text = parser.value()?.string()?;
                clear.concurrency = text
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=256).contains(n))
                    .ok_or_else(|| {
                        UsageError(format!(
                            "--concurrency takes a number from 1 to 256, not {text:?}"
                        ))
                    })?;
            }
            Value(id) => clear.servers.push(ServerId::new(id.string()?)?),
            other => return Err(other.unexpected().into()),
        }
    }
    if clear.servers.is_empty() && !clear.all_windows && clear.from_file.is_none() {
        return Err(UsageError(
            "give SERVER_IDs, --all-windows or --from-file".into(),
        ));
    }
    Ok(Command::Clear(clear, target))
}

fn config_command(parser: &mut lexopt::Parser) -> Result<Command, UsageError> {
    let mut target = Target::default();
    while let Some(arg) = parser.next()? {
        match arg {
            Long(name) if SHARED.contains(&name) => {
                let name = name.to_owned();
                shared_option(parser, &name, &mut target)?;
            }
            Short('h') | Long("help") => return Ok(Command::Help(CONFIG_HELP)),
            Long("offline") => target.offline = true,
            other => return Err(other.unexpected().into()),
        }
    }
    Ok(Command::Config(target))
}

fn show_command(parser: &mut lexopt::Parser) -> Result<Command, UsageError> {
    let mut target = Target::default();
    let mut show = Show::default();
    while let Some(arg) = parser.next()? {
        match arg {
            Long(name) if SHARED.contains(&name) => {
                let name = name.to_owned();
                shared_option(parser, &name, &mut target)?;
            }
            Short('h') | Long("help") => return Ok(Command::Help(SHOW_HELP)),
            Long("wait") => show.wait = Some(parse_duration(&parser.value()?.string()?)?),
            Long("private-key") => show.private_key = Some(parser.value()?.string()?),
            Value(id) => show.servers.push(ServerId::new(id.string()?)?),
            other => return Err(other.unexpected().into()),
        }
    }
    if show.servers.is_empty() {
        return Err(UsageError("give at least one SERVER_ID".into()));
    }
    Ok(Command::Show(show, target))
}

/// `90`, `90s`, `500ms`, `10m`, `1h`; at most a year.
pub fn parse_duration(text: &str) -> Result<Duration, UsageError> {
    let bad = || UsageError(format!("{text:?} is not a duration like 90s, 10m or 1h"));
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, ""), |i| text.split_at(i));
    let n: u64 = number.parse().map_err(|_| bad())?;
    let duration = match unit {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err(bad()),
    };
    if duration > MAX_DURATION {
        return Err(UsageError(format!(
            "{text:?} is longer than the largest accepted duration, a year"
        )));
    }
    Ok(duration)
}

/// The longest `--wait`: the library refuses longer durations too.
const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

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
        let Ok(Command::Clear(clear, target)) = parse_str(&[
            "clear-password",
            "s1",
            "--api",
            "v1",
            "s2",
            "--endpoint",
            "http://127.0.0.1:1",
            "--json",
            "--concurrency",
            "16",
            "--dry-run",
            "--all-windows",
        ]) else {
            panic!("expected clear-password");
        };
        assert_eq!(clear.servers.len(), 2);
        assert_eq!(clear.concurrency, 16);
        assert!(clear.dry_run && clear.all_windows);
        assert_eq!(target.api, Some(ApiVersion::V1));
        assert!(target.json);
        assert!(matches!(
            parse_str(&["clear-password", "--from-file", "-"]),
            Ok(Command::Clear(..))
        ));
        assert!(parse_str(&["clear-password"]).is_err());
        assert!(parse_str(&["clear-password", "a/b"]).is_err());
        assert!(parse_str(&["clear-password", "s1", "--api", "v3"]).is_err());
        assert!(parse_str(&["clear-password", "s1", "--sk", "x"]).is_err());
        assert!(parse_str(&["clear-password", "s1", "--concurrency", "0"]).is_err());
        assert!(matches!(
            parse_str(&["show-password", "--help"]),
            Ok(Command::Help(SHOW_HELP))
        ));
        let Ok(Command::Show(show, _)) = parse_str(&["show-password", "s1", "--wait", "10m"])
        else {
            panic!("expected show-password");
        };
        assert_eq!(show.wait, Some(Duration::from_secs(600)));
        assert!(matches!(parse_str(&[]), Ok(Command::Help(MAIN_HELP))));
        assert!(parse_str(&["nope"]).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        for bad in [
            "",
            "m",
            "5x",
            "-1s",
            "1.5m",
            "18446744073709551615s",
            "9000h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
