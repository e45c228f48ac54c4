//! The ECS metadata service at `http://169.254.169.254`: temporary
//! credentials of the server's agency (`securitykey`) and the instance's
//! region and project (`meta_data.json`).
//!
//! The service exists only inside an ECS, so every call has short timeouts
//! (off ECS the address simply does not answer) and never goes through a
//! proxy (a proxy would ask its own network's metadata, or nobody's).

use std::time::{Duration, Instant, SystemTime};

use zeroize::Zeroize;

use crate::clock::SkewClock;
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::sign::Credentials;
use crate::sign::SdkDate;
use crate::transport::{plain_call, Agent, PlainFailure};

use super::Origin;

/// A set closer than this to its expiry is not used at all: a request
/// signed now must still be valid when the gateway checks it.
pub(crate) const MIN_REMAINING: Duration = Duration::from_secs(60);

/// The metadata service's address inside every ECS.
pub(crate) const DEFAULT_METADATA_URL: &str = "http://169.254.169.254";

/// Time allowed to connect: the address does not exist off ECS, so the
/// answer to "are we inside an ECS?" must come fast.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Time allowed for an answer once connected; the service is local.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);
/// The bound on one whole use of the service (a session token, then one
/// document; at build time all the discovery steps together), trickled
/// answers included: off ECS, or against a service that answers one byte a
/// second, `build()` gives up after this.
pub(crate) const METADATA_BUDGET: Duration = Duration::from_secs(3);
/// Lifetime asked for the session token (6 hours, the service's maximum).
const TOKEN_TTL_SECONDS: &str = "21600";
/// Largest answer read; the documents are a few kilobytes.
const MAX_ANSWER: u64 = 256 * 1024;

/// Temporary credentials from the metadata service, with their expiry.
#[derive(Clone, Debug)]
pub(crate) struct TemporaryCredentials {
    pub credentials: Credentials,
    pub expires_at: SystemTime,
}

/// What `meta_data.json` says about the instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct InstanceInfo {
    pub region_id: Option<String>,
    pub project_id: Option<String>,
}

/// A client of one metadata service.
#[derive(Clone)]
pub(crate) struct MetadataService {
    base: String,
    agent: Agent,
}

impl std::fmt::Debug for MetadataService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetadataService")
            .field("base", &self.base)
            .finish()
    }
}

impl MetadataService {
    /// The service at `base`: [`DEFAULT_METADATA_URL`], or, for tests, a
    /// plain-http loopback address of a local fake.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for any other address: the override exists
    /// so that tests never reach a real network, not to redirect the
    /// credentials elsewhere.
    pub(crate) fn new(base: Option<&str>) -> Result<Self, Error> {
        let base = match base {
            None => DEFAULT_METADATA_URL.to_owned(),
            Some(url) => {
                let endpoint = Endpoint::parse(url)?;
                // Endpoint::parse allows plain http only to loopback hosts.
                if !endpoint.url().starts_with("http://") {
                    return Err(Error::invalid(
                        "metadata URL",
                        format!("{url:?}: only a plain-http loopback address (a local fake) may replace the metadata service"),
                    ));
                }
                endpoint.url().to_owned()
            }
        };
        Ok(MetadataService {
            base,
            agent: Agent::metadata(CONNECT_TIMEOUT, ANSWER_TIMEOUT),
        })
    }

    /// The service's base URL.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// The agency's temporary credentials, asked and read by `deadline`.
    ///
    /// # Errors
    /// [`Error::Metadata`] when the service cannot be asked, answers
    /// something unreadable, or hands out a set that has expired or is
    /// within [`MIN_REMAINING`] of expiry (it is never used to sign).
    pub(crate) fn security_key(&self, deadline: Instant) -> Result<TemporaryCredentials, Error> {
        let token = self.session_token(deadline)?;
        let mut body = self.get("/openstack/latest/securitykey", token.as_deref(), deadline)?;
        let parsed = parse_security_key(&body);
        body.zeroize();
        let temp = parsed.map_err(|why| self.failed(format!("securitykey: {why}")))?;
        let left = temp
            .expires_at
            .duration_since(SkewClock::local_now())
            .unwrap_or_default();
        if left <= MIN_REMAINING {
            return Err(self.failed(format!(
                "securitykey handed out credentials that expire at {} ({} s from now by this machine's clock, less than the {} s a request needs): not used",
                SdkDate::from_system_time(temp.expires_at),
                left.as_secs(),
                MIN_REMAINING.as_secs()
            )));
        }
        Ok(temp)
    }

    /// The instance's region and project, asked and read by `deadline`.
    pub(crate) fn instance_info(&self, deadline: Instant) -> Result<InstanceInfo, Error> {
        let token = self.session_token(deadline)?;
        let body = self.get(
            "/openstack/latest/meta_data.json",
            token.as_deref(),
            deadline,
        )?;
        let value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| self.failed(format!("meta_data.json is not JSON: {e}")))?;
        let field = |name: &str| {
            value
                .get(name)
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok(InstanceInfo {
            region_id: field("region_id"),
            project_id: field("project_id"),
        })
    }

    /// A session token, or `None` when the service does not issue them
    /// (404 or 405: older services answer without one).
    fn session_token(&self, deadline: Instant) -> Result<Option<String>, Error> {
        let url = format!("{}/meta-data/latest/api/token", self.base);
        let headers = [("X-Metadata-Token-Ttl-Seconds", TOKEN_TTL_SECONDS)];
        let (status, body) = self.run("PUT", &url, &headers, deadline)?;
        match status {
            200..=299 => {
                let token = String::from_utf8(body)
                    .map_err(|_| self.failed("the session token is not text".into()))?;
                match usable_token(&token) {
                    Some(token) => Ok(Some(token.to_owned())),
                    None => Err(self.failed("the session token is empty or not printable".into())),
                }
            }
            404 | 405 => Ok(None),
            other => Err(self.failed(format!("the session token request answered {other}"))),
        }
    }

    fn get(&self, path: &str, token: Option<&str>, deadline: Instant) -> Result<Vec<u8>, Error> {
        let url = format!("{}{path}", self.base);
        let headers: Vec<(&str, &str)> =
            token.map(|t| ("X-Metadata-Token", t)).into_iter().collect();
        match self.run("GET", &url, &headers, deadline)? {
            (200..=299, body) => Ok(body),
            (status, _) => Err(self.failed(format!("{path} answered {status}"))),
        }
    }

    /// Sends one request and reads its answer, all of it by `deadline`.
    fn run(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        deadline: Instant,
    ) -> Result<(u16, Vec<u8>), Error> {
        let (status, body) = plain_call(&self.agent, method, url, headers, deadline, MAX_ANSWER)
            .map_err(|e| match e {
                PlainFailure::OutOfTime => self.out_of_time(),
                PlainFailure::TooLong => {
                    self.failed(format!("an answer longer than {MAX_ANSWER} bytes"))
                }
                PlainFailure::Failed(why) => {
                    self.failed(format!("{why}: not running inside an ECS?"))
                }
            })?;
        Ok((status, body))
    }

    fn out_of_time(&self) -> Error {
        self.failed(format!(
            "no complete answer within {} s (connect {} s): not running inside an ECS?",
            METADATA_BUDGET.as_secs(),
            CONNECT_TIMEOUT.as_secs()
        ))
    }

    fn failed(&self, why: String) -> Error {
        Error::Metadata(format!("ECS metadata service at {}: {why}", self.base))
    }
}

/// A session token as the service sent it, trimmed, when it is printable
/// ASCII and not empty (it goes into a header).
fn usable_token(text: &str) -> Option<&str> {
    let token = text.trim();
    (!token.is_empty() && token.chars().all(|c| c.is_ascii_graphic())).then_some(token)
}

/// Reads `{"credential":{"access","secret","securitytoken","expires_at"}}`.
fn parse_security_key(body: &[u8]) -> Result<TemporaryCredentials, String> {
    let mut value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| "the answer is not JSON".to_owned())?;
    let mut take = |name: &str| -> Result<String, String> {
        match value.get_mut("credential").and_then(|c| c.get_mut(name)) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(std::mem::take(s)),
            _ => Err(format!("credential.{name} is missing")),
        }
    };
    let access = take("access")?;
    let mut secret = take("secret")?;
    let mut token = take("securitytoken")?;
    let expires_text = take("expires_at")?;
    let credentials = Credentials::new(access, secret.clone())
        .and_then(|c| c.with_security_token(token.clone()))
        .map_err(|e| e.to_string());
    secret.zeroize();
    token.zeroize();
    let expires_at = parse_timestamp(&expires_text)
        .ok_or_else(|| format!("credential.expires_at {expires_text:?} is not a UTC timestamp"))?;
    Ok(TemporaryCredentials {
        credentials: credentials?,
        expires_at,
    })
}

/// Parses an RFC 3339 timestamp such as `2026-11-28T05:00:00.000000Z` or
/// `2026-11-28T13:00:00+08:00`; fractions of a second are dropped.
pub(crate) fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let (date_time, rest) = (text.get(..19)?, text.get(19..)?);
    let b = date_time.as_bytes();
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let compact = format!(
        "{}{}{}T{}{}{}Z",
        &date_time[0..4],
        &date_time[5..7],
        &date_time[8..10],
        &date_time[11..13],
        &date_time[14..16],
        &date_time[17..19]
    );
    let base = SdkDate::parse(&compact)?.to_system_time();
    let rest = match rest.strip_prefix('.') {
        Some(fraction) => fraction.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    match rest {
        "Z" | "z" => Some(base),
        offset if offset.len() == 6 && offset.as_bytes()[3] == b':' => {
            let hours: u64 = offset.get(1..3)?.parse().ok()?;
            let minutes: u64 = offset.get(4..6)?.parse().ok()?;
            let shift = Duration::from_secs(hours * 3600 + minutes * 60);
            // 13:00+08:00 is 05:00 UTC: a positive offset is subtracted.
            match &offset[..1] {
                "+" => base.checked_sub(shift),
                "-" => base.checked_add(shift),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The metadata service's temporary credentials as a snapshot, for
/// `CredentialChain::from_chain`: no refresh, so the origin says when they
/// expire. `url` stands in for the service's address (tests only).
///
/// # Errors
/// What the service did not answer, in words.
pub(crate) fn snapshot(url: Option<String>) -> Result<(Credentials, Origin), Error> {
    let temp = MetadataService::new(url.as_deref())?
        .security_key(crate::bounds::instant_after(METADATA_BUDGET))?;
    Ok((
        temp.credentials,
        Origin::EcsMetadata(format!(
            "securitykey (temporary, expire at {}; not refreshed)",
            httpdate::fmt_http_date(temp.expires_at)
        )),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(compact: &str) -> SystemTime {
        SdkDate::parse(compact).unwrap().to_system_time()
    }

    #[test]
    fn parses_the_timestamps_the_service_writes() {
        let five = at("20261128T050000Z");
        assert_eq!(parse_timestamp("2026-11-28T05:00:00.000000Z"), Some(five));
        assert_eq!(parse_timestamp("2026-11-28T05:00:00Z"), Some(five));
        assert_eq!(parse_timestamp("2026-11-28T13:00:00+08:00"), Some(five));
        assert_eq!(parse_timestamp("2026-11-28T01:30:00.5-03:30"), Some(five));
        for bad in [
            "",
            "2026-11-28",
            "2026-11-28T05:00:00",
            "2026-11-28T05:00:00+0800",
            "2026/11/28T05:00:00Z",
            "2026-11/28T05:00:00Z",
            "2026-11-28X05:00:00Z",
            "2026-11-28T05-00:00Z",
            "2026-11-28T05:00-00Z",
            "2026-11-28T13:00:00+08x00",
            "2026-13-28T05:00:00Z",
            "2026-11-28T05:00:00.Zjunk",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn reads_a_security_key_and_refuses_incomplete_ones() {
        let body = br#"{"credential":{"access":"TMPAK","secret":"tmp-secret","securitytoken":"tmp-token","expires_at":"2026-11-28T05:00:00.000000Z"}}"#;
        let temp = parse_security_key(body).unwrap();
        assert_eq!(temp.credentials.access_key(), "TMPAK");
        // The same SK and token sign the same: the signature covers both.
        let expected = Credentials::new("TMPAK", "tmp-secret")
            .and_then(|c| c.with_security_token("tmp-token"))
            .unwrap();
        let request = crate::sign::SignableRequest::new("GET", "ecs.example", "/");
        let signed = |c: &Credentials| crate::sign::sign(&request, c, SystemTime::UNIX_EPOCH);
        assert_eq!(
            signed(&temp.credentials).authorization(),
            signed(&expected).authorization()
        );
        assert!(signed(&temp.credentials)
            .headers()
            .any(|(name, value)| name == "X-Security-Token" && value == "tmp-token"));
        assert_eq!(temp.expires_at, at("20261128T050000Z"));

        let missing = br#"{"credential":{"access":"TMPAK","secret":"tmp-secret","expires_at":"2026-11-28T05:00:00Z"}}"#;
        let err = parse_security_key(missing).unwrap_err();
        assert!(err.contains("securitytoken"), "{err}");
        assert!(!err.contains("tmp-secret"), "{err}");
        assert!(parse_security_key(b"<html>").is_err());
        // An empty value is as good as a missing one.
        let empty = br#"{"credential":{"access":"","secret":"s","securitytoken":"t","expires_at":"2026-11-28T05:00:00Z"}}"#;
        let err = parse_security_key(empty).unwrap_err();
        assert_eq!(err, "credential.access is missing");
    }

    #[test]
    fn a_session_token_is_printable_and_not_empty() {
        assert_eq!(usable_token(" tok-1==\n"), Some("tok-1=="));
        for bad in ["", "  \n", "a b", "tok\u{e9}", "t\u{7f}"] {
            assert_eq!(usable_token(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn only_loopback_may_replace_the_service() {
        assert!(MetadataService::new(None).is_ok());
        assert_eq!(
            MetadataService::new(Some("http://127.0.0.1:9"))
                .unwrap()
                .base(),
            "http://127.0.0.1:9"
        );
        assert!(MetadataService::new(Some("http://10.0.0.1")).is_err());
        assert_eq!(
            format!(
                "{:?}",
                MetadataService::new(Some("http://127.0.0.1:9")).unwrap()
            ),
            "MetadataService { base: \"http://127.0.0.1:9\" }"
        );
        assert!(MetadataService::new(Some("https://127.0.0.1:9")).is_err());
    }
}
