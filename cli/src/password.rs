//! `show-password`, and the client both password commands build.

use hwcloud_ecs::{env, Client, ClientBuilder, Error, WaitOptions};
use serde_json::json;

use crate::args::{Show, Target};
use crate::out;
use crate::report::{error_fields, failure_line, outcome, result_json, Place, SCHEMA};

/// Why a command cannot start (exit 2): what the user typed, in the CLI's
/// own words, or a configuration the library refused, in its words.
#[derive(Debug)]
pub enum SetupError {
    Usage(String),
    Library(Error),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::Usage(message) => f.write_str(message),
            SetupError::Library(error) => error.fmt(f),
        }
    }
}

impl From<Error> for SetupError {
    fn from(error: Error) -> Self {
        SetupError::Library(error)
    }
}

/// Builds the client from the environment, then the flags.
pub fn client(target: &Target) -> Result<Client, SetupError> {
    Ok(builder(target)?.build()?)
}

/// The builder: the environment and credentials file, then the flags.
pub fn builder(target: &Target) -> Result<ClientBuilder, SetupError> {
    let profile_file = target.profile_file.clone();
    let mut builder = ClientBuilder::from_env_with(move |name| {
        if name == env::CREDENTIALS_FILE && profile_file.is_some() {
            return profile_file.clone();
        }
        std::env::var(name).ok()
    })?;
    if let Some(api) = target.api {
        builder = builder.api(api);
    }
    if let Some(project) = &target.project_id {
        builder = builder.project_id(project);
    }
    if let Some(region) = &target.region {
        builder = builder.region(region);
    }
    if let Some(endpoint) = &target.endpoint {
        builder = builder.endpoint(endpoint);
    }
    if let Some(proxy) = &target.proxy {
        builder = builder.proxy(proxy);
    }
    if let Some(rate) = target.rate {
        builder = builder.max_rate(rate);
    }
    if target.no_proxy {
        builder = builder.no_proxy();
    }
    match (&target.ca_file, target.ca_only) {
        (Some(path), only) => {
            let pem = std::fs::read(path)
                .map_err(|e| SetupError::Usage(format!("cannot read the CA file {path:?}: {e}")))?;
            builder = if only {
                builder.only_root_certificates(pem)
            } else {
                builder.add_root_certificates(pem)
            };
        }
        (None, true) => return Err(SetupError::Usage("--ca-only needs --ca-file".into())),
        (None, false) => {}
    }
    if target.danger_accept_invalid_certs {
        out::err(
            "warning: TLS verification is off (--danger-accept-invalid-certs): anyone on the network path can read and change these requests",
        );
        builder = builder.danger_accept_invalid_certificates(true);
    }
    Ok(builder)
}

/// Reads the private key file named by `--private-key`, failing early.
pub fn private_key(show: &Show) -> Result<Option<String>, SetupError> {
    let Some(path) = &show.private_key else {
        return Ok(None);
    };
    if !cfg!(feature = "decrypt") {
        return Err(SetupError::Usage(
            "--private-key needs the `decrypt` feature: cargo install hwcloud-ecs-cli --features decrypt (or, from a checkout, cargo install --path cli --features decrypt)".into(),
        ));
    }
    std::fs::read_to_string(path)
        .map(Some)
        .map_err(|e| SetupError::Usage(format!("cannot read the private key {path:?}: {e}")))
}

/// Shows each server's password as soon as it is known; returns whether
/// all succeeded. Stops at the first server it cannot print (closed stdout).
pub fn show(client: &Client, show: &Show, key: Option<&str>, json_output: bool) -> bool {
    let mut failed = 0usize;
    let mut shown = 0usize;
    for server in &show.servers {
        let fetched = match show.wait {
            Some(timeout) => client.wait_for_password(server.as_str(), wait_options(timeout)),
            None => client.get_password(server.as_str()),
        };
        let result = fetched.and_then(|p| {
            let plain = match (key, &p.ciphertext) {
                (Some(key), Some(ciphertext)) => Some(decrypt(ciphertext, key)?),
                _ => None,
            };
            Ok((p, plain))
        });
        failed += usize::from(result.is_err());
        shown += 1;
        let printed = if json_output {
            let entry = match &result {
                Ok((p, plain)) => {
                    let outcome = if p.ciphertext.is_some() {
                        "stored"
                    } else {
                        "none_stored"
                    };
                    let mut entry =
                        result_json("show-password", server, None, outcome, Place::of(client));
                    entry["status"] = json!(p.status);
                    entry["request_id"] = json!(p.request_id);
                    entry["ciphertext"] = json!(p.ciphertext);
                    entry["plaintext"] = json!(plain);
                    entry
                }
                Err(e) => {
                    let mut entry =
                        result_json("show-password", server, None, outcome(e), Place::of(client));
                    error_fields(&mut entry, e);
                    entry
                }
            };
            out::raw(&format!("{entry}\n"))
        } else {
            match &result {
                Ok((_, Some(plain))) => out::line(format_args!("{server}  {plain}")),
                Ok((p, None)) => match &p.ciphertext {
                    Some(ciphertext) => out::line(format_args!("{server}  {ciphertext}")),
                    None => out::line(format_args!("{server}  (no password stored)")),
                },
                Err(e) => out::line(failure_line(server, e)),
            }
        };
        if !printed {
            return false;
        }
    }
    if json_output {
        out::raw(&format!(
            "{}\n",
            json!({"schema": SCHEMA, "type": "summary", "command": "show-password", "total": shown, "failed": failed})
        ));
    } else if failed > 0 {
        out::err(format_args!("{failed} of {shown} server(s) failed"));
    }
    failed == 0 && !out::stdout_closed()
}

/// Polls every 10 s growing to 30 s, or faster for a short wait.
fn wait_options(timeout: std::time::Duration) -> WaitOptions {
    let first = (timeout / 10).clamp(
        std::time::Duration::from_millis(100),
        std::time::Duration::from_secs(10),
    );
    WaitOptions::timeout(timeout).intervals(
        first,
        first.max(std::time::Duration::from_secs(30)).min(timeout),
    )
}

#[cfg(feature = "decrypt")]
fn decrypt(ciphertext: &str, key: &str) -> Result<String, Error> {
    hwcloud_ecs::decrypt_password(ciphertext, key).map(|p| p.to_string())
}

#[cfg(not(feature = "decrypt"))]
fn decrypt(_: &str, _: &str) -> Result<String, Error> {
    Err(Error::Config("built without the `decrypt` feature".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn wait_polls_every_ten_seconds_growing_to_thirty_or_a_tenth_of_a_short_wait() {
        let long = wait_options(Duration::from_secs(600));
        assert_eq!(long.first_interval, Duration::from_secs(10));
        assert_eq!(long.max_interval, Duration::from_secs(30));
        assert_eq!(long.timeout, Duration::from_secs(600));
        let short = wait_options(Duration::from_secs(2));
        assert_eq!(short.first_interval, Duration::from_millis(200));
        assert_eq!(short.max_interval, Duration::from_secs(2));
        let tiny = wait_options(Duration::from_millis(50));
        assert_eq!(tiny.first_interval, Duration::from_millis(100));
    }
}
