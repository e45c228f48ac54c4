//! The one table of commands and options: the parser reads it, and the help
//! text, the suggestions for typos and the shell completions are written
//! from it, so none of them can drift from what is accepted.

/// One option: `--long`, an optional `-s`, the placeholder of its value
/// (none for a switch), and one line of help.
#[derive(Debug)]
pub struct Opt {
    pub long: &'static str,
    pub short: Option<char>,
    pub value: Option<&'static str>,
    pub help: &'static str,
}

/// Which handler a command has: the parser dispatches on it with an
/// exhaustive `match`, so a command without a handler does not compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Clear,
    Audit,
    Show,
    Config,
    Demo,
    Gateway,
    Completions,
    Help,
}

/// One command: its name, a one-line summary, what follows it on the
/// command line, a paragraph about it, and its options.
#[derive(Debug)]
pub struct Cmd {
    pub kind: Kind,
    pub name: &'static str,
    pub summary: &'static str,
    pub usage: &'static str,
    pub about: &'static str,
    pub options: &'static [&'static Opt],
}

const fn switch(long: &'static str, help: &'static str) -> Opt {
    Opt {
        long,
        short: None,
        value: None,
        help,
    }
}

const fn valued(long: &'static str, value: &'static str, help: &'static str) -> Opt {
    Opt {
        long,
        short: None,
        value: Some(value),
        help,
    }
}

pub static HELP: Opt = Opt {
    long: "help",
    short: Some('h'),
    value: None,
    help: "print this help",
};
pub static VERBOSE: Opt = Opt {
    long: "verbose",
    short: Some('v'),
    value: None,
    help: "log the library's requests, retries, skew healing and refreshes to stderr (secrets redacted)",
};
pub static API: Opt = valued("api", "v2.1|v1", "which ECS API to call [default: v2.1]");
pub static REGION: Opt = valued(
    "region",
    "R",
    "region, e.g. cn-north-4 [env: HUAWEICLOUD_SDK_REGION]",
);
pub static PROJECT_ID: Opt = valued(
    "project-id",
    "ID",
    "project id [env: HUAWEICLOUD_SDK_PROJECT_ID]",
);
pub static ENDPOINT: Opt = valued(
    "endpoint",
    "URL",
    "explicit endpoint; wins over --region (http only to loopback)",
);
pub static PROFILE_FILE: Opt = valued(
    "profile-file",
    "PATH",
    "credentials file [env: HUAWEICLOUD_SDK_CREDENTIALS_FILE, default: ~/.huaweicloud/credentials]",
);
pub static JSON: Opt = switch(
    "json",
    "print JSON Lines: one object per server, then a summary",
);
pub static PROXY: Opt = valued(
    "proxy",
    "URL",
    "http:// proxy for every request [default: HTTPS_PROXY etc. from the environment]",
);
pub static NO_PROXY: Opt = switch("no-proxy", "no proxy, whatever the environment says");
pub static CA_FILE: Opt = valued(
    "ca-file",
    "PATH",
    "also trust the CA certificates in this PEM file (private clouds)",
);
pub static CA_ONLY: Opt = switch(
    "ca-only",
    "trust only --ca-file's certificates, not the bundled roots",
);
pub static DANGER: Opt = switch(
    "danger-accept-invalid-certs",
    "skip TLS verification (dangerous; prints a warning)",
);
pub static RATE: Opt = valued(
    "rate",
    "N",
    "send at most N requests a second (your quota) [default: paced only after a 429]",
);
pub static ALL_WINDOWS: Opt = switch(
    "all-windows",
    "every server of the project whose os_type is Windows",
);
pub static FROM_FILE: Opt = valued(
    "from-file",
    "PATH",
    "ids one per line ('#' starts a comment); '-' reads stdin",
);
pub static DRY_RUN: Opt = switch("dry-run", "list what would be cleared; send no DELETE");
pub static ALL_PROJECTS: Opt = switch(
    "all-projects",
    "every project of the account that IAM lists, each at its region's endpoint",
);
pub static REGIONS: Opt = valued(
    "regions",
    "R1,R2,...",
    "with --all-projects: only the projects of these regions",
);
pub static TAG: Opt = valued(
    "tag",
    "KEY=VALUE",
    "only servers with this tag (repeatable; all must match)",
);
pub static NAME: Opt = valued("name", "TEXT", "only servers named exactly TEXT");
pub static STATUS: Opt = valued(
    "status",
    "STATUS",
    "only servers in this status, e.g. ACTIVE",
);
pub static ENTERPRISE_PROJECT: Opt = valued(
    "enterprise-project",
    "ID",
    "only servers of this enterprise project",
);
pub static MAX_WAIT: Opt = valued(
    "max-wait",
    "DURATION",
    "the longest one wait for the gateway's quota; longer asks leave the project's servers not attempted [default: 10m]",
);
pub static REPORT: Opt = valued(
    "report",
    "FILE",
    "append every result to FILE as JSON Lines, each on disk before it is counted",
);
pub static RESUME: Opt = valued(
    "resume",
    "FILE",
    "skip the servers a report FILE already shows done (cleared / none stored)",
);
pub static YES: Opt = Opt {
    long: "yes",
    short: Some('y'),
    value: None,
    help: "clear --all-windows without asking (needed without a terminal)",
};
pub static CONCURRENCY: Opt = valued(
    "concurrency",
    "N",
    "parallel requests, 1 to 256 [default: 8]",
);
pub static WAIT: Opt = valued(
    "wait",
    "DURATION",
    "poll until a password is stored, at most this long (e.g. 10m, 90s)",
);
pub static PRIVATE_KEY: Opt = valued(
    "private-key",
    "PATH",
    "decrypt with the key pair's private key (PEM); needs the `decrypt` feature",
);
pub static OFFLINE: Opt = switch(
    "offline",
    "skip the ECS metadata service and IAM; send nothing",
);
pub static LISTEN: Opt = valued("listen", "ADDR", "address to bind [default: 127.0.0.1:0]");
pub static SERVERS: Opt = valued(
    "servers",
    "ID,ID,...",
    "servers it knows, each with a stored password [default: one example server]",
);
pub static RATE_LIMIT: Opt = valued(
    "rate-limit",
    "N/DURATION",
    "answer 429 past N requests in DURATION, stating it, e.g. 5/5s, 2000/1m [default: no limit]",
);
pub static LIMITER: Opt = valued(
    "limiter",
    "window|bucket|unnamed",
    "how --rate-limit counts: fixed windows, a token bucket, or a bucket that does not state its limit [default: window]",
);

/// What every command that talks to ECS takes.
macro_rules! with_target {
    ($($own:expr),* $(,)?) => {
        &[$($own,)* &API, &REGION, &PROJECT_ID, &ENDPOINT, &PROFILE_FILE, &JSON, &PROXY,
          &NO_PROXY, &CA_FILE, &CA_ONLY, &DANGER, &RATE, &VERBOSE, &HELP]
    };
}

/// What the bulk commands (`clear-password`, `audit`) take, besides their own.
macro_rules! with_sweep {
    ($($own:expr),* $(,)?) => {
        with_target!(&ALL_WINDOWS, &ALL_PROJECTS, &REGIONS, &TAG, &NAME, &STATUS,
            &ENTERPRISE_PROJECT, &FROM_FILE, $($own,)* &CONCURRENCY, &MAX_WAIT, &REPORT, &RESUME)
    };
}

pub static CLEAR: Cmd = Cmd {
    kind: Kind::Clear,
    name: "clear-password",
    summary: "delete the stored password record of each server",
    usage: "[SERVER_ID...] [--all-windows] [--from-file PATH|-] [OPTIONS]",
    about: "Deletes the password record ECS generated when each Windows server was first
installed. Logging in with the password keeps working; only show-password can
no longer return it. Every id is checked before the first request is sent;
servers from every source are cleared once each. Each result is printed as it
is known; Ctrl-C stops sending new servers and reports the rest as not
attempted (exit 130).",
    options: with_sweep!(&DRY_RUN, &YES),
};

pub static AUDIT: Cmd = Cmd {
    kind: Kind::Audit,
    name: "audit",
    summary: "report which servers still store a generated password",
    usage: "[SERVER_ID...] [--all-windows] [--all-projects] [--from-file PATH|-] [OPTIONS]",
    about: "Reads each server's password record and reports `stored` or `none stored`;
the ciphertext is never printed. --all-projects covers every project of the
account (and implies --all-windows). Exit codes: 0 no server stores a
password, 3 at least one does, 1 a server or project could not be checked,
130 interrupted: cron and CI can use it as a compliance check.",
    options: with_sweep!(),
};

pub static SHOW: Cmd = Cmd {
    kind: Kind::Show,
    name: "show-password",
    summary: "print each server's encrypted password",
    usage: "SERVER_ID... [OPTIONS]",
    about: "Prints each server's encrypted (base64 RSA) password, or says that none is stored.",
    options: with_target!(&WAIT, &PRIVATE_KEY),
};

pub static CONFIG: Cmd = Cmd {
    kind: Kind::Config,
    name: "config",
    summary: "print the resolved configuration and where each value came from",
    usage: "[OPTIONS]",
    about: "Prints the configuration a password command would use, value by value, with
where each came from: the command line (with the option), an environment
variable (by name), the credentials file (by path), the ECS metadata service,
IAM, or the default. Secrets show only whether they are set.

To find what is missing it asks what a password command would ask: the ECS
metadata service (off ECS that fails within about 3 s) and IAM (a signed
lookup of the project id). --offline sends nothing and shows only what the
command line, the environment and the credentials file give.",
    options: with_target!(&OFFLINE),
};

pub static DEMO: Cmd = Cmd {
    kind: Kind::Demo,
    name: "demo",
    summary: "run the whole client against a local fake gateway (no account)",
    usage: "",
    about: "Starts the bundled fake gateway on loopback, then reads, clears and reads again
a password through the full client stack, and shows a request the gateway
refuses. Needs no account and no network; prints the signed requests with
secrets redacted and the gateway's verdict on each.",
    options: &[&VERBOSE, &HELP],
};

pub static GATEWAY: Cmd = Cmd {
    kind: Kind::Gateway,
    name: "fake-gateway",
    summary: "run the fake gateway in the foreground for other programs' tests",
    usage: "[OPTIONS]",
    about: "Runs the fake gateway in the foreground until killed. It accepts requests
signed with HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (and verifies them as the
real gateway does). The first line printed is its endpoint.",
    options: &[&LISTEN, &SERVERS, &PROJECT_ID, &RATE_LIMIT, &LIMITER, &HELP],
};

pub static COMPLETIONS: Cmd = Cmd {
    kind: Kind::Completions,
    name: "completions",
    summary: "print a completion script for bash, zsh or fish",
    usage: "bash|zsh|fish",
    about: "Prints a shell completion script. For example:
  bash: hwcloud-ecs completions bash > /etc/bash_completion.d/hwcloud-ecs
  zsh:  hwcloud-ecs completions zsh > \"${fpath[1]}/_hwcloud-ecs\"
  fish: hwcloud-ecs completions fish > ~/.config/fish/completions/hwcloud-ecs.fish",
    options: &[&HELP],
};

pub static HELP_CMD: Cmd = Cmd {
    kind: Kind::Help,
    name: "help",
    summary: "print this help, or a command's",
    usage: "[COMMAND]",
    about: "Prints the help of COMMAND, or the list of commands.",
    options: &[&HELP],
};

/// Every command, in the order the help lists them.
pub static COMMANDS: [&Cmd; 8] = [
    &CLEAR,
    &AUDIT,
    &SHOW,
    &CONFIG,
    &DEMO,
    &GATEWAY,
    &COMPLETIONS,
    &HELP_CMD,
];

const PROGRAM: &str = "hwcloud-ecs";

/// The top-level help.
pub fn main_help() -> String {
    let mut text = format!(
        "{PROGRAM} {}: clear the generated password of Huawei Cloud ECS Windows servers\n\nUsage: {PROGRAM} <COMMAND> [OPTIONS]\n\nCommands:\n",
        env!("CARGO_PKG_VERSION")
    );
    for cmd in COMMANDS {
        text.push_str(&format!("  {:<16} {}\n", cmd.name, cmd.summary));
    }
    text.push_str(
        "
Options:
  -h, --help             print this help
  -V, --version          print the version

Credentials come from HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and, for temporary
credentials, HUAWEICLOUD_SDK_SECURITY_TOKEN, else from the credentials file
(--profile-file, $HUAWEICLOUD_SDK_CREDENTIALS_FILE or ~/.huaweicloud/credentials,
section [basic]), else, inside an ECS with an agency, from the ECS metadata
service; never from the command line. The project id, when not given, comes
from the credentials file, the ECS metadata or an IAM lookup by region.
Exit codes: 0 success, 1 an API or transport failure, 2 usage or configuration
error, 130 interrupted.
Run `hwcloud-ecs help <COMMAND>` or `hwcloud-ecs <COMMAND> --help` for a command's options.",
    );
    text
}

/// A command's help: usage, what it does, and every option of the table.
pub fn command_help(cmd: &Cmd) -> String {
    let mut text = format!(
        "Usage: {PROGRAM} {} {}\n\n{}\n",
        cmd.name, cmd.usage, cmd.about
    );
    if !cmd.options.is_empty() {
        text.push_str("\nOptions:\n");
        for opt in cmd.options {
            let short = opt.short.map(|c| format!("-{c}, ")).unwrap_or_default();
            let value = opt.value.map(|v| format!(" {v}")).unwrap_or_default();
            let left = format!("{short:>6}--{}{value}", opt.long);
            if left.len() < 28 {
                text.push_str(&format!("{left:<28} {}\n", opt.help));
            } else {
                text.push_str(&format!("{left}\n{:<28} {}\n", "", opt.help));
            }
        }
    }
    text.trim_end().to_owned()
}

/// The command named `name`.
pub fn command(name: &str) -> Option<&'static Cmd> {
    COMMANDS.iter().copied().find(|c| c.name == name)
}

/// The closest of `candidates` to `typed`, when one is close enough to be a typo.
pub fn closest<'a>(typed: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (crate::text::edit_distance(typed, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| c)
}

/// A completion script for `shell`, written from the table.
pub fn completions(shell: &str) -> Option<String> {
    let names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
    let longs = |cmd: &Cmd| -> Vec<String> {
        cmd.options
            .iter()
            .map(|o| format!("--{}", o.long))
            .collect()
    };
    match shell {
        "bash" => {
            let mut cases = String::new();
            for cmd in COMMANDS {
                cases.push_str(&format!(
                    "        {}) opts=\"{}\" ;;\n",
                    cmd.name,
                    longs(cmd).join(" ")
                ));
            }
            Some(format!(
                "# bash completion for {PROGRAM}\n_{fn}() {{\n    local cur=\"${{COMP_WORDS[COMP_CWORD]}}\" opts\n    if [ \"$COMP_CWORD\" -eq 1 ]; then\n        COMPREPLY=( $(compgen -W \"{cmds} --help --version\" -- \"$cur\") )\n        return\n    fi\n    case \"${{COMP_WORDS[1]}}\" in\n{cases}        *) opts=\"\" ;;\n    esac\n    if [ \"${{COMP_WORDS[1]}}\" = completions ]; then opts=\"bash zsh fish\"; fi\n    if [ \"${{COMP_WORDS[1]}}\" = help ]; then opts=\"{cmds}\"; fi\n    COMPREPLY=( $(compgen -W \"$opts\" -- \"$cur\") )\n}}\ncomplete -o default -F _{fn} {PROGRAM}\n",
                fn = PROGRAM.replace('-', "_"),
                cmds = names.join(" "),
            ))
        }
        "zsh" => {
            let mut cases = String::new();
            for cmd in COMMANDS {
                let specs: Vec<String> = cmd
                    .options
                    .iter()
                    .map(|o| format!("'--{}[{}]'", o.long, o.help.replace(['[', ']', '\''], "")))
                    .collect();
                cases.push_str(&format!(
                    "        {}) _arguments {} '*:file:_files' ;;\n",
                    cmd.name,
                    specs.join(" ")
                ));
            }
            let described: Vec<String> = COMMANDS
                .iter()
                .map(|c| format!("'{}:{}'", c.name, c.summary.replace('\'', "")))
                .collect();
            Some(format!(
                "#compdef {PROGRAM}\n_{fn}() {{\n    if (( CURRENT == 2 )); then\n        local -a commands\n        commands=({described})\n        _describe 'command' commands\n        return\n    fi\n    case $words[2] in\n{cases}    esac\n}}\ncompdef _{fn} {PROGRAM}\n",
                fn = PROGRAM.replace('-', "_"),
                described = described.join(" "),
            ))
        }
        "fish" => {
            let mut text = format!("# fish completion for {PROGRAM}\ncomplete -c {PROGRAM} -f\n");
            for cmd in COMMANDS {
                text.push_str(&format!(
                    "complete -c {PROGRAM} -n '__fish_use_subcommand' -a '{}' -d '{}'\n",
                    cmd.name,
                    cmd.summary.replace('\'', "")
                ));
                for opt in cmd.options {
                    let value = if opt.value.is_some() { " -r" } else { "" };
                    text.push_str(&format!(
                        "complete -c {PROGRAM} -n '__fish_seen_subcommand_from {}' -l {}{value} -d '{}'\n",
                        cmd.name,
                        opt.long,
                        opt.help.replace('\'', "")
                    ));
                }
            }
            Some(text)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_option_too_long_for_the_column_has_its_help_on_the_next_line() {
        let help = command_help(command("clear-password").unwrap());
        let lines: Vec<&str> = help.lines().collect();
        // Short enough: the help starts at column 29 of the same line.
        let json = lines
            .iter()
            .find(|l| l.trim_start().starts_with("--json"))
            .unwrap();
        assert_eq!(json.find("--json"), Some(6), "{json}");
        assert!(
            json.len() > 29 && json.as_bytes()[28] == b' ' && json.as_bytes()[29] != b' ',
            "{json:?}"
        );
        // Too long: alone on its line, the help on the next, at column 29.
        let at = lines
            .iter()
            .position(|l| l.trim() == "--danger-accept-invalid-certs")
            .unwrap();
        let next = lines[at + 1];
        assert!(
            next.starts_with(&" ".repeat(29)) && next.as_bytes()[29] != b' ',
            "{next:?}"
        );
    }

    #[test]
    fn the_column_holds_27_characters_and_28_overflow() {
        // "      --" and a name: 8 + 19 = 27 characters fit, 8 + 20 = 28 do not.
        static FITS: Opt = switch("nineteen-characters", "fits");
        static OVERFLOWS: Opt = switch("twenty-characters-xx", "overflows");
        static CMD: Cmd = Cmd {
            kind: Kind::Demo,
            name: "x",
            summary: "",
            usage: "",
            about: "",
            options: &[&FITS, &OVERFLOWS],
        };
        let help = command_help(&CMD);
        assert!(
            help.contains("      --nineteen-characters  fits\n")
                && help.contains(&format!(
                    "      --twenty-characters-xx\n{} overflows",
                    " ".repeat(28)
                )),
            "{help}"
        );
    }

    #[test]
    fn a_suggestion_is_at_most_a_quarter_of_the_name_away_and_never_under_two() {
        let names = ["danger-accept-invalid-certs", "json", "region"];
        // 27 letters allow 6 edits.
        assert_eq!(
            closest("dangr-acept-invald-cert", names.into_iter()),
            Some("danger-accept-invalid-certs")
        );
        assert_eq!(closest("jsn", names.into_iter()), Some("json"));
        assert_eq!(closest("regn", names.into_iter()), Some("region"));
        assert_eq!(closest("zzzzzzzzzzzzzzzzzzzz", names.into_iter()), None);
        assert_eq!(closest("xyzw", names.into_iter()), None);
    }
}
