//! Command-line parsing: lexopt reads the arguments, the table in
//! [`crate::spec`] says what each command accepts, and the result is a typed
//! [`Command`].

use std::ffi::OsString;
use std::time::Duration;

use hwcloud_ecs::{ApiVersion, ServerId, DEFAULT_CONCURRENCY};
use lexopt::prelude::*;

use crate::spec;

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
    /// `--rate`: the most requests a second.
    pub rate: Option<f64>,
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
    Help(String),
    Version,
    Completions(String),
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

/// A usage error, printed with a pointer to the command's help.
#[derive(Debug)]
pub struct UsageError {
    pub message: String,
    /// The command whose help to point to; none for the top level.
    pub command: Option<&'static str>,
}

impl UsageError {
    fn new(message: impl Into<String>) -> Self {
        UsageError {
            message: message.into(),
            command: None,
        }
    }

    fn of(mut self, command: &'static str) -> Self {
        self.command.get_or_insert(command);
        self
    }
}

impl From<lexopt::Error> for UsageError {
    fn from(e: lexopt::Error) -> Self {
        UsageError::new(e.to_string())
    }
}

impl From<hwcloud_ecs::Error> for UsageError {
    fn from(e: hwcloud_ecs::Error) -> Self {
        UsageError::new(e.to_string())
    }
}

/// What the command line asks for, and whether to log verbosely.
#[derive(Debug)]
pub struct Invocation {
    pub command: Command,
    pub verbose: bool,
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Invocation, UsageError> {
    let mut parser = lexopt::Parser::from_args(args);
    let name = match parser.next()? {
        None | Some(Short('h') | Long("help")) => return Ok(plain(Command::Help(spec::main_help()))),
        Some(Short('V') | Long("version")) => return Ok(plain(Command::Version)),
        Some(Value(name)) => name.string()?,
        Some(Long(other)) => {
            return Err(UsageError::new(format!(
                "unknown option --{other}; options follow a command, e.g. `hwcloud-ecs clear-password --{other}`"
            )))
        }
        Some(other) => return Err(other.unexpected().into()),
    };
    let Some(cmd) = spec::command(&name) else {
        let names = spec::COMMANDS.iter().map(|c| c.name);
        let hint = spec::closest(&name, names)
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_default();
        return Err(UsageError::new(format!("unknown command {name:?}{hint}")));
    };
    let found = matches(&mut parser, cmd).map_err(|e| e.of(cmd.name))?;
    if found.flag("help") {
        return Ok(plain(Command::Help(spec::command_help(cmd))));
    }
    let verbose = found.flag("verbose");
    let command = typed(cmd, &found).map_err(|e| e.of(cmd.name))?;
    Ok(Invocation { command, verbose })
}

fn plain(command: Command) -> Invocation {
    Invocation {
        command,
        verbose: false,
    }
}

/// The options and values given to one command, checked against its table.
struct Matches {
    options: Vec<(&'static str, String)>,
    positionals: Vec<String>,
}

impl Matches {
    fn flag(&self, long: &str) -> bool {
        self.options.iter().any(|(name, _)| *name == long)
    }

    /// The last value given to `--long`.
    fn value(&self, long: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(name, _)| *name == long)
            .map(|(_, value)| value.as_str())
    }
}

fn matches(parser: &mut lexopt::Parser, cmd: &'static spec::Cmd) -> Result<Matches, UsageError> {
    let mut found = Matches {
        options: Vec::new(),
        positionals: Vec::new(),
    };
    while let Some(arg) = parser.next()? {
        let opt = match arg {
            Value(value) => {
                found.positionals.push(value.string()?);
                continue;
            }
            Short(c) => cmd
                .options
                .iter()
                .find(|o| o.short == Some(c))
                .ok_or_else(|| UsageError::new(format!("{} takes no option -{c}", cmd.name)))?,
            Long(name) => match cmd.options.iter().find(|o| o.long == name) {
                Some(opt) => opt,
                None => {
                    let hint = spec::closest(name, cmd.options.iter().map(|o| o.long))
                        .map(|c| format!("; did you mean --{c}?"))
                        .unwrap_or_default();
                    return Err(UsageError::new(format!(
                        "{} takes no option --{name}{hint}",
                        cmd.name
                    )));
                }
            },
        };
        let value = match opt.value {
            Some(_) => parser.value()?.string()?,
            None => String::new(),
        };
        found.options.push((opt.long, value));
    }
    Ok(found)
}

/// The typed command, from what the table accepted.
fn typed(cmd: &'static spec::Cmd, found: &Matches) -> Result<Command, UsageError> {
    match cmd.name {
        "clear-password" => clear(found),
        "show-password" => show(found),
        "config" => {
            none_positional(found)?;
            Ok(Command::Config(target(found)?))
        }
        "demo" => {
            none_positional(found)?;
            Ok(Command::Demo)
        }
        "fake-gateway" => gateway(found),
        "completions" => match found.positionals.as_slice() {
            [shell] => spec::completions(shell)
                .map(Command::Completions)
                .ok_or_else(|| {
                    UsageError::new(format!("no completions for {shell:?}: bash, zsh or fish"))
                }),
            _ => Err(UsageError::new("name one shell: bash, zsh or fish")),
        },
        _ => match found.positionals.as_slice() {
            [] => Ok(Command::Help(spec::main_help())),
            [name] => spec::command(name)
                .map(|c| Command::Help(spec::command_help(c)))
                .ok_or_else(|| UsageError::new(format!("no command {name:?} to help with"))),
            _ => Err(UsageError::new("name one command")),
        },
    }
}

fn none_positional(found: &Matches) -> Result<(), UsageError> {
    match found.positionals.first() {
        None => Ok(()),
        Some(extra) => Err(UsageError::new(format!("unexpected argument {extra:?}"))),
    }
}

fn target(found: &Matches) -> Result<Target, UsageError> {
    let text = |long: &str| found.value(long).map(str::to_owned);
    Ok(Target {
        api: found.value("api").map(str::parse).transpose()?,
        offline: found.flag("offline"),
        region: text("region"),
        project_id: text("project-id"),
        endpoint: text("endpoint"),
        json: found.flag("json"),
        proxy: text("proxy"),
        no_proxy: found.flag("no-proxy"),
        ca_file: text("ca-file"),
        ca_only: found.flag("ca-only"),
        danger_accept_invalid_certs: found.flag("danger-accept-invalid-certs"),
        profile_file: text("profile-file"),
        rate: found
            .value("rate")
            .map(|text| {
                text.parse::<f64>()
                    .ok()
                    .filter(|r| r.is_finite() && *r >= 0.5)
                    .ok_or_else(|| {
                        UsageError::new(format!(
                            "--rate takes a number of requests a second, at least 0.5, not {text:?}"
                        ))
                    })
            })
            .transpose()?,
    })
}

fn server_ids(found: &Matches) -> Result<Vec<ServerId>, UsageError> {
    found
        .positionals
        .iter()
        .map(|id| ServerId::new(id).map_err(UsageError::from))
        .collect()
}

fn clear(found: &Matches) -> Result<Command, UsageError> {
    let concurrency = match found.value("concurrency") {
        None => DEFAULT_CONCURRENCY,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=256).contains(n))
            .ok_or_else(|| {
                UsageError::new(format!(
                    "--concurrency takes a number from 1 to 256, not {text:?}"
                ))
            })?,
    };
    let clear = Clear {
        servers: server_ids(found)?,
        all_windows: found.flag("all-windows"),
        from_file: found.value("from-file").map(str::to_owned),
        dry_run: found.flag("dry-run"),
        yes: found.flag("yes"),
        concurrency,
    };
    if clear.servers.is_empty() && !clear.all_windows && clear.from_file.is_none() {
        return Err(UsageError::new(
            "give SERVER_IDs, --all-windows or --from-file",
        ));
    }
    Ok(Command::Clear(clear, target(found)?))
}

fn show(found: &Matches) -> Result<Command, UsageError> {
    let show = Show {
        servers: server_ids(found)?,
        wait: found.value("wait").map(parse_duration).transpose()?,
        private_key: found.value("private-key").map(str::to_owned),
    };
    if show.servers.is_empty() {
        return Err(UsageError::new("give at least one SERVER_ID"));
    }
    Ok(Command::Show(show, target(found)?))
}

fn gateway(found: &Matches) -> Result<Command, UsageError> {
    none_positional(found)?;
    let mut servers = Vec::new();
    for id in found
        .value("servers")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
    {
        servers.push(ServerId::new(id)?.to_string());
    }
    Ok(Command::FakeGateway {
        listen: found.value("listen").unwrap_or("127.0.0.1:0").to_owned(),
        servers,
        project_id: found.value("project-id").map(str::to_owned),
    })
}

/// `90`, `90s`, `500ms`, `10m`, `1h`; at most a year.
pub fn parse_duration(text: &str) -> Result<Duration, UsageError> {
    let bad = || UsageError::new(format!("{text:?} is not a duration like 90s, 10m or 1h"));
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
        return Err(UsageError::new(format!(
            "{text:?} is longer than the largest accepted duration, a year"
        )));
    }
    Ok(duration)
}

/// The longest `--wait`: the library refuses longer durations too.
const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Command, UsageError> {
        parse(args.iter().map(OsString::from)).map(|i| i.command)
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
            Ok(Command::Help(text)) if text.starts_with("Usage: hwcloud-ecs show-password")
        ));
        let Ok(Command::Show(show, _)) = parse_str(&["show-password", "s1", "--wait", "10m"])
        else {
            panic!("expected show-password");
        };
        assert_eq!(show.wait, Some(Duration::from_secs(600)));
        assert!(matches!(parse_str(&[]), Ok(Command::Help(_))));
        assert!(parse_str(&["nope"]).is_err());
    }

    #[test]
    fn typos_get_the_closest_command_or_option() {
        let err = parse_str(&["clear-pasword", "s1"]).unwrap_err();
        assert!(
            err.message.contains("did you mean `clear-password`"),
            "{err:?}"
        );
        assert_eq!(err.command, None);
        let err = parse_str(&["clear-password", "s1", "--concurency", "4"]).unwrap_err();
        assert!(
            err.message.contains("did you mean --concurrency"),
            "{err:?}"
        );
        assert_eq!(err.command, Some("clear-password"));
        assert!(matches!(parse_str(&["-V"]), Ok(Command::Version)));
        assert!(
            matches!(parse_str(&["help", "config"]), Ok(Command::Help(t)) if t.contains("--offline"))
        );
        let verbose = parse(["demo", "-v"].iter().map(OsString::from)).unwrap();
        assert!(verbose.verbose);
    }

    #[test]
    fn every_option_in_the_table_is_in_its_help_and_completions() {
        for cmd in spec::COMMANDS {
            let help = spec::command_help(cmd);
            for opt in cmd.options {
                assert!(
                    help.contains(&format!("--{}", opt.long)),
                    "{} --{}",
                    cmd.name,
                    opt.long
                );
                for shell in ["bash", "zsh", "fish"] {
                    assert!(
                        spec::completions(shell).unwrap().contains(opt.long),
                        "{shell}"
                    );
                }
            }
        }
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
