//! Command-line parsing: lexopt reads the arguments, the table in
//! [`crate::spec`] says what each command accepts, and the result is a typed
//! [`Command`].

use std::ffi::OsString;
use std::time::Duration;

use hwcloud_ecs::{ApiVersion, Bulk, ServerId};
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

pub use hwcloud_ecs::Action;

/// The command's name for what a bulk command does, as `--json` and the
/// report print it.
pub fn command_name(action: Action) -> &'static str {
    match action {
        Action::Clear => "clear-password",
        Action::Audit => "audit",
    }
}

/// What `clear-password` and `audit` work on, besides the shared options.
#[derive(Debug, Default)]
pub struct Sweep {
    pub action: Action,
    pub servers: Vec<ServerId>,
    pub all_windows: bool,
    pub all_projects: bool,
    /// `--regions`: only the projects of these regions.
    pub regions: Vec<String>,
    pub from_file: Option<String>,
    pub tags: Vec<(String, String)>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub enterprise_project: Option<String>,
    pub dry_run: bool,
    pub yes: bool,
    pub concurrency: usize,
    /// `--max-wait`: the longest one wait for the gateway's quota.
    pub max_wait: Option<Duration>,
    pub report: Option<String>,
    pub resume: Option<String>,
}

impl Sweep {
    /// Whether `--regions` leaves `region` out of an account-wide run.
    pub fn leaves_out(&self, region: &str) -> bool {
        !self.regions.is_empty() && !self.regions.iter().any(|r| r == region)
    }

    /// The listing's filter.
    pub fn filter(&self) -> hwcloud_ecs::ServerFilter {
        let mut filter = hwcloud_ecs::ServerFilter::windows();
        for (key, value) in &self.tags {
            filter = filter.tag(key, value);
        }
        if let Some(name) = &self.name {
            filter = filter.name(name);
        }
        if let Some(status) = &self.status {
            filter = filter.status(status);
        }
        if let Some(id) = &self.enterprise_project {
            filter = filter.enterprise_project(id);
        }
        filter
    }

    /// The filters given, as the report's header names them.
    pub fn filters_json(&self) -> serde_json::Value {
        serde_json::json!({
            "tags": self.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
            "name": self.name,
            "status": self.status,
            "enterprise_project": self.enterprise_project,
            "regions": self.regions,
        })
    }
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
    Sweep(Sweep, Target),
    Show(Show, Target),
    Config(Target),
    Demo,
    FakeGateway {
        listen: String,
        servers: Vec<String>,
        project_id: Option<String>,
        rate_limit: Option<RateLimit>,
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

    /// Every value given to `--long`, in order.
    fn values(&self, long: &str) -> Vec<&str> {
        self.options
            .iter()
            .filter(|(name, _)| *name == long)
            .map(|(_, value)| value.as_str())
            .collect()
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
    match cmd.kind {
        spec::Kind::Clear => sweep(found, Action::Clear),
        spec::Kind::Audit => sweep(found, Action::Audit),
        spec::Kind::Show => show(found),
        spec::Kind::Config => {
            none_positional(found)?;
            Ok(Command::Config(target(found)?))
        }
        spec::Kind::Demo => {
            none_positional(found)?;
            Ok(Command::Demo)
        }
        spec::Kind::Gateway => gateway(found),
        spec::Kind::Completions => match found.positionals.as_slice() {
            [shell] => spec::completions(shell)
                .map(Command::Completions)
                .ok_or_else(|| {
                    UsageError::new(format!("no completions for {shell:?}: bash, zsh or fish"))
                }),
            _ => Err(UsageError::new("name one shell: bash, zsh or fish")),
        },
        spec::Kind::Help => match found.positionals.as_slice() {
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

fn sweep(found: &Matches, action: Action) -> Result<Command, UsageError> {
    let concurrency = match found.value("concurrency") {
        None => Bulk::DEFAULT_WORKERS,
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
    let mut tags = Vec::new();
    for text in found.values("tag") {
        match text.split_once('=') {
            Some((key, value)) if !key.is_empty() => tags.push((key.to_owned(), value.to_owned())),
            _ => {
                return Err(UsageError::new(format!(
                    "--tag takes KEY=VALUE, not {text:?}"
                )))
            }
        }
    }
    let mut regions = Vec::new();
    for region in found
        .values("regions")
        .into_iter()
        .flat_map(|r| r.split(','))
    {
        let region = region.trim();
        if !region.is_empty() && !regions.iter().any(|r| r == region) {
            regions.push(region.to_owned());
        }
    }
    let text = |long: &str| found.value(long).map(str::to_owned);
    let all_projects = found.flag("all-projects");
    let sweep = Sweep {
        action,
        servers: server_ids(found)?,
        // An audit of the account is of its Windows servers.
        all_windows: found.flag("all-windows") || (all_projects && action == Action::Audit),
        all_projects,
        regions,
        from_file: text("from-file"),
        tags,
        name: text("name"),
        status: text("status"),
        enterprise_project: text("enterprise-project"),
        dry_run: found.flag("dry-run"),
        yes: found.flag("yes"),
        concurrency,
        max_wait: found.value("max-wait").map(parse_duration).transpose()?,
        report: text("report"),
        resume: text("resume"),
    };
    if sweep.all_projects && !sweep.all_windows {
        return Err(UsageError::new(
            "--all-projects clears every Windows server of the account: spell out --all-windows too",
        ));
    }
    if sweep.servers.is_empty() && !sweep.all_windows && sweep.from_file.is_none() {
        return Err(UsageError::new(
            "give SERVER_IDs, --all-windows or --from-file",
        ));
    }
    if sweep.all_projects && (!sweep.servers.is_empty() || sweep.from_file.is_some()) {
        return Err(UsageError::new(
            "--all-projects lists the servers itself: give no SERVER_ID or --from-file with it",
        ));
    }
    if !sweep.regions.is_empty() && !sweep.all_projects {
        return Err(UsageError::new("--regions needs --all-projects"));
    }
    let filtered = !sweep.tags.is_empty()
        || sweep.name.is_some()
        || sweep.status.is_some()
        || sweep.enterprise_project.is_some();
    if filtered && !sweep.all_windows {
        return Err(UsageError::new(
            "--tag, --name, --status and --enterprise-project filter the listing: they need --all-windows",
        ));
    }
    // Refused here, before IAM or the listing is asked anything.
    if let Err(hwcloud_ecs::Error::InvalidInput { field, reason }) = sweep.filter().check() {
        let option = match field {
            "name filter" => "--name",
            "status filter" => "--status",
            "enterprise project filter" => "--enterprise-project",
            _ => "--tag",
        };
        return Err(UsageError::new(format!("{option} {reason}")));
    }
    Ok(Command::Sweep(sweep, target(found)?))
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
    let rate_limit = match (found.value("rate-limit"), found.value("limiter")) {
        (None, None) => None,
        (None, Some(_)) => return Err(UsageError::new("--limiter needs --rate-limit")),
        (Some(text), limiter) => Some(parse_rate_limit(text, limiter.unwrap_or("window"))?),
    };
    Ok(Command::FakeGateway {
        listen: found.value("listen").unwrap_or("127.0.0.1:0").to_owned(),
        servers,
        project_id: found.value("project-id").map(str::to_owned),
        rate_limit,
    })
}

/// How the fake gateway limits its rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limiter {
    Window,
    Bucket,
    Unnamed,
}

/// `--rate-limit N/DURATION` with its `--limiter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u32,
    pub per: Duration,
    pub limiter: Limiter,
}

fn parse_rate_limit(text: &str, limiter: &str) -> Result<RateLimit, UsageError> {
    let bad = || {
        UsageError::new(format!(
            "--rate-limit takes N/DURATION, e.g. 5/5s, not {text:?}"
        ))
    };
    let (count, per) = text.split_once('/').ok_or_else(bad)?;
    let count: u32 = count.trim().parse().map_err(|_| bad())?;
    let per = parse_duration(per.trim())?;
    if count == 0 || per.is_zero() {
        return Err(bad());
    }
    let limiter = match limiter {
        "window" => Limiter::Window,
        "bucket" => Limiter::Bucket,
        "unnamed" => Limiter::Unnamed,
        other => {
            return Err(UsageError::new(format!(
                "--limiter is window, bucket or unnamed, not {other:?}"
            )))
        }
    };
    Ok(RateLimit {
        count,
        per,
        limiter,
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

/// The longest `--wait`: a year, the library's own bound on the durations
/// it is given (a longer one is refused by the builder).
const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Command, UsageError> {
        parse(args.iter().map(OsString::from)).map(|i| i.command)
    }

    #[test]
    fn parses_password_commands() {
        let Ok(Command::Sweep(clear, target)) = parse_str(&[
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
            Ok(Command::Sweep(..))
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
    fn audit_and_the_account_wide_options() {
        let Ok(Command::Sweep(audit, _)) = parse_str(&[
            "audit",
            "--all-projects",
            "--regions",
            "cn-north-4, eu-west-0,cn-north-4",
            "--tag",
            "env=prod",
            "--tag",
            "team=a=b",
            "--status",
            "ACTIVE",
            "--report",
            "r.jsonl",
        ]) else {
            panic!("expected audit");
        };
        assert_eq!(audit.action, Action::Audit);
        assert!(audit.all_windows && audit.all_projects);
        assert_eq!(audit.regions, ["cn-north-4", "eu-west-0"]);
        assert_eq!(
            audit.tags,
            [
                ("env".to_owned(), "prod".to_owned()),
                ("team".to_owned(), "a=b".to_owned())
            ]
        );
        assert_eq!(audit.report.as_deref(), Some("r.jsonl"));
        for (args, says) in [
            (
                &["clear-password", "--all-projects"][..],
                "spell out --all-windows",
            ),
            (&["audit", "--all-projects", "s1"][..], "give no SERVER_ID"),
            (
                &["audit", "s1", "--regions", "x"][..],
                "--regions needs --all-projects",
            ),
            (&["audit", "s1", "--tag", "a=b"][..], "need --all-windows"),
            (&["audit", "s1", "--name", "web"][..], "need --all-windows"),
            (
                &["audit", "s1", "--status", "ACTIVE"][..],
                "need --all-windows",
            ),
            (
                &["audit", "s1", "--enterprise-project", "e"][..],
                "need --all-windows",
            ),
            (&["audit", "--all-windows", "--tag", "=b"][..], "KEY=VALUE"),
            // Refused before IAM or the listing is asked anything.
            (
                &["audit", "--all-projects", "--name", ""][..],
                "--name \"\": empty",
            ),
            (
                &["audit", "--all-windows", "--status", "ACT\u{1b}IVE"][..],
                "--status",
            ),
            (
                &[
                    "clear-password",
                    "--all-windows",
                    "--enterprise-project",
                    "\n",
                ][..],
                "--enterprise-project",
            ),
            (
                &["audit", "--all-windows", "--tag", "a=b\u{7}"][..],
                "--tag",
            ),
            (
                &["audit", "--all-windows", "--dry-run"][..],
                "takes no option --dry-run",
            ),
        ] {
            let err = parse_str(args).unwrap_err();
            assert!(err.message.contains(says), "{args:?}: {}", err.message);
        }
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
    fn the_small_commands_and_their_refusals() {
        assert!(matches!(parse_str(&["help"]), Ok(Command::Help(t)) if t == spec::main_help()));
        assert!(matches!(parse_str(&["demo"]), Ok(Command::Demo)));
        let err = parse_str(&["demo", "extra"]).unwrap_err();
        assert!(
            err.message.contains("unexpected argument \"extra\""),
            "{err:?}"
        );
        // --rate: a finite number of requests a second, at least 0.5.
        for bad in ["0.1", "0.49", "inf", "NaN", "-1", "x"] {
            let err = parse_str(&["clear-password", "s1", "--rate", bad]).unwrap_err();
            assert!(err.message.contains("at least 0.5"), "{bad}: {err:?}");
        }
        let Ok(Command::Sweep(_, target)) = parse_str(&["clear-password", "s1", "--rate", "0.5"])
        else {
            panic!("expected clear-password");
        };
        assert_eq!(target.rate, Some(0.5));
    }

    #[test]
    fn the_filters_as_the_reports_header_names_them() {
        let Ok(Command::Sweep(audit, _)) = parse_str(&[
            "audit",
            "--all-projects",
            "--regions",
            "r1,r2",
            "--tag",
            "env=prod",
            "--name",
            "web",
            "--status",
            "ACTIVE",
            "--enterprise-project",
            "ep1",
        ]) else {
            panic!("expected audit");
        };
        assert_eq!(
            audit.filters_json(),
            serde_json::json!({
                "tags": ["env=prod"],
                "name": "web",
                "status": "ACTIVE",
                "enterprise_project": "ep1",
                "regions": ["r1", "r2"],
            })
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        // A year exactly is the longest accepted.
        let year = MAX_DURATION;
        assert_eq!(
            parse_duration(&format!("{}s", year.as_secs())).unwrap(),
            year
        );
        assert!(parse_duration(&format!("{}s", year.as_secs() + 1)).is_err());
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

    #[test]
    fn the_fake_gateways_rate_limit() {
        let Ok(Command::FakeGateway { rate_limit, .. }) =
            parse_str(&["fake-gateway", "--rate-limit", "5/5s"])
        else {
            panic!()
        };
        assert_eq!(
            rate_limit,
            Some(RateLimit {
                count: 5,
                per: Duration::from_secs(5),
                limiter: Limiter::Window
            })
        );
        let Ok(Command::FakeGateway { rate_limit, .. }) = parse_str(&[
            "fake-gateway",
            "--rate-limit",
            "2000/1m",
            "--limiter",
            "bucket",
        ]) else {
            panic!()
        };
        assert_eq!(
            rate_limit.map(|r| (r.count, r.per, r.limiter)),
            Some((2000, Duration::from_secs(60), Limiter::Bucket))
        );
        for (args, says) in [
            (
                &["fake-gateway", "--limiter", "bucket"][..],
                "needs --rate-limit",
            ),
            (&["fake-gateway", "--rate-limit", "5"][..], "N/DURATION"),
            (&["fake-gateway", "--rate-limit", "0/1s"][..], "N/DURATION"),
            (&["fake-gateway", "--rate-limit", "5/0s"][..], "N/DURATION"),
            (
                &["fake-gateway", "--rate-limit", "5/1s", "--limiter", "leaky"][..],
                "window, bucket or unnamed",
            ),
        ] {
            let err = parse_str(args).unwrap_err();
            assert!(err.message.contains(says), "{args:?}: {}", err.message);
        }
    }
}
