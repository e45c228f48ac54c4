//! A local stand-in for the ECS metadata service: session tokens, the
//! agency's temporary credentials (`securitykey`) and `meta_data.json`.
//!
//! Every set of credentials it hands out is also put on its key ring, which
//! a [`super::FakeGateway`] can accept (see
//! [`super::FakeGatewayBuilder::accept_metadata_credentials`]), so a test can
//! follow temporary credentials from the metadata service to a verified call.
//!
//! ```
//! use hwcloud_ecs_fake::FakeMetadata;
//! use hwcloud_ecs::{CredentialChain, Credentials};
//! use std::time::Duration;
//!
//! let metadata = FakeMetadata::builder()
//!     .region("cn-north-4")
//!     .lifetime(Duration::from_secs(3600))
//!     .start()?;
//! let lookup = |name: &str| (name == "HWCLOUD_ECS_TEST_METADATA_URL").then(|| metadata.url().to_owned());
//! let (creds, _) = Credentials::from_chain_with(lookup)?;
//! assert!(creds.has_security_token());
//! assert_eq!(metadata.fetches(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::lock;
use hwcloud_sign::{Credentials, SdkDate};

use super::server::{HttpServer, Incoming, Outgoing, Reply};

/// How the fake answers the session-token request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenSupport {
    /// Issues tokens and requires one on every other request.
    #[default]
    Required,
    /// Answers 404 and needs no token (older services).
    NotFound,
    /// Answers 405 and needs no token.
    MethodNotAllowed,
}

/// Temporary credentials the fake has handed out, by access key.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyRing(Arc<Mutex<Vec<Credentials>>>);

impl KeyRing {
    pub(crate) fn find(&self, access_key: &str) -> Option<Credentials> {
        lock(&self.0)
            .iter()
            .find(|c| c.access_key() == access_key)
            .cloned()
    }

    fn add(&self, credentials: Credentials) {
        lock(&self.0).push(credentials);
    }

    fn clear(&self) {
        lock(&self.0).clear();
    }
}

/// One request as the fake received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataRequest {
    /// Method.
    pub method: String,
    /// Path as received.
    pub path: String,
    /// Whether it carried `X-Metadata-Token`.
    pub had_token: bool,
    /// The `X-Metadata-Token-Ttl-Seconds` it asked for, if any.
    pub token_ttl: Option<String>,
}

/// Configures a [`FakeMetadata`].
#[derive(Clone, Debug)]
pub struct FakeMetadataBuilder {
    tokens: TokenSupport,
    lifetime: Duration,
    region: Option<String>,
    project_id: Option<String>,
    delay: Duration,
    trickle: Option<Duration>,
}

impl FakeMetadataBuilder {
    /// Sends every answer's body one byte every `interval`, as a broken or
    /// hostile service could. Defaults to whole answers.
    pub fn trickle(mut self, interval: Duration) -> Self {
        self.trickle = Some(interval);
        self
    }

    /// How session tokens are handled. Defaults to [`TokenSupport::Required`].
    pub fn tokens(mut self, tokens: TokenSupport) -> Self {
        self.tokens = tokens;
        self
    }

    /// How long each set of credentials lives. Defaults to 24 hours.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// `region_id` in `meta_data.json`. Defaults to none.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// `project_id` in `meta_data.json`. Defaults to none.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Time each `securitykey` answer takes, so that overlapping fetches
    /// would show. Defaults to 50 ms.
    pub fn fetch_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Binds `127.0.0.1:0` and starts serving.
    ///
    /// # Errors
    /// The bind error.
    pub fn start(self) -> io::Result<FakeMetadata> {
        let state = Arc::new(State {
            tokens: self.tokens,
            lifetime: Mutex::new(self.lifetime),
            region: self.region,
            project_id: self.project_id,
            delay: self.delay,
            available: AtomicBool::new(true),
            issued_tokens: Mutex::new(Vec::new()),
            keys: KeyRing::default(),
            serial: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
        });
        let handler_state = Arc::clone(&state);
        let trickle = self.trickle;
        let server = HttpServer::start(
            "127.0.0.1:0",
            Arc::new(move |request| {
                let answer = handler_state.handle(request);
                match trickle {
                    Some(interval) => Reply::Trickle(answer, interval),
                    None => Reply::Respond(answer),
                }
            }),
            None,
        )?;
        Ok(FakeMetadata {
            url: format!("http://{}", server.local_addr()),
            _server: server,
            state,
        })
    }
}

/// A running fake metadata service; it stops when dropped.
pub struct FakeMetadata {
    url: String,
    _server: HttpServer,
    state: Arc<State>,
}

impl std::fmt::Debug for FakeMetadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeMetadata")
            .field("url", &self.url)
            .finish()
    }
}

impl FakeMetadata {
    /// A fake with tokens required, 24-hour credentials and no region or
    /// project in `meta_data.json`.
    pub fn builder() -> FakeMetadataBuilder {
        FakeMetadataBuilder {
            tokens: TokenSupport::Required,
            lifetime: Duration::from_secs(24 * 3600),
            region: None,
            project_id: None,
            delay: Duration::from_millis(50),
            trickle: None,
        }
    }

    /// `http://127.0.0.1:{port}`: what `HWCLOUD_ECS_TEST_METADATA_URL` takes.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many sets of credentials were handed out.
    pub fn fetches(&self) -> u64 {
        self.state.serial.load(Ordering::SeqCst)
    }

    /// The most `securitykey` requests ever served at the same time.
    pub fn max_concurrent_fetches(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// The access key of the `n`-th set handed out (1 for the first).
    pub fn access_key(n: u64) -> String {
        format!("TMPAK{n:06}")
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<MetadataRequest> {
        lock(&self.state.requests).clone()
    }

    /// Changes the lifetime of the sets handed out from now on.
    pub fn set_lifetime(&self, lifetime: Duration) {
        *lock(&self.state.lifetime) = lifetime;
    }

    /// Revokes every set handed out so far: a gateway that accepts them
    /// refuses them from now on (401 `APIGW.0301`), as after an agency change.
    pub fn revoke_issued(&self) {
        self.state.keys.clear();
    }

    /// When false, every request is answered 503, as a broken service would.
    pub fn set_available(&self, available: bool) {
        self.state.available.store(available, Ordering::SeqCst);
    }

    pub(crate) fn keys(&self) -> KeyRing {
        self.state.keys.clone()
    }
}

struct State {
    tokens: TokenSupport,
    lifetime: Mutex<Duration>,
    region: Option<String>,
    project_id: Option<String>,
    delay: Duration,
    available: AtomicBool,
    issued_tokens: Mutex<Vec<String>>,
    keys: KeyRing,
    serial: AtomicU64,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    requests: Mutex<Vec<MetadataRequest>>,
}

impl State {
    fn handle(&self, request: Incoming) -> Outgoing {
        let header = |name: &str| {
            request
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let token = header("x-metadata-token");
        let ttl = header("x-metadata-token-ttl-seconds");
        lock(&self.requests).push(MetadataRequest {
            method: request.method.clone(),
            path: request.target.clone(),
            had_token: token.is_some(),
            token_ttl: ttl.clone(),
        });
        if !self.available.load(Ordering::SeqCst) {
            return text(503, "service unavailable");
        }
        let token_ok = self.tokens != TokenSupport::Required
            || token.is_some_and(|t| lock(&self.issued_tokens).contains(&t));
        match (request.method.as_str(), request.target.as_str()) {
            ("PUT", "/meta-data/latest/api/token") => match self.tokens {
                TokenSupport::NotFound => text(404, "not found"),
                TokenSupport::MethodNotAllowed => text(405, "method not allowed"),
                TokenSupport::Required if ttl.is_none() => {
                    text(400, "X-Metadata-Token-Ttl-Seconds is required")
                }
                TokenSupport::Required => {
                    let mut issued = lock(&self.issued_tokens);
                    let token = format!("mdtok-{}", issued.len() + 1);
                    issued.push(token.clone());
                    text(200, &token)
                }
            },
            (_, _) if !token_ok => text(401, "a valid X-Metadata-Token is required"),
            ("GET", "/openstack/latest/securitykey") => self.security_key(),
            ("GET", "/openstack/latest/meta_data.json") => json_answer(json!({
                "uuid": "5f3b6f7e-0000-4000-8000-000000000001",
                "name": "fake-ecs",
                "availability_zone": self.region.as_ref().map(|r| format!("{r}a")),
                "region_id": self.region,
                "project_id": self.project_id,
            })),
            _ => text(404, "not found"),
        }
    }

    // The fake stands for another machine, with a clock of its own.
    #[allow(clippy::disallowed_methods)]
    fn security_key(&self) -> Outgoing {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(self.delay);
        let n = self.serial.fetch_add(1, Ordering::SeqCst) + 1;
        let (access, secret, token) = (
            FakeMetadata::access_key(n),
            format!("tmp-secret-{n}"),
            // As long as a real one: a few kilobytes.
            format!("tmp-token-{n}-{}", "Q".repeat(2048)),
        );
        if let Ok(creds) = Credentials::new(access.clone(), secret.clone())
            .and_then(|c| c.with_security_token(token.clone()))
        {
            self.keys.add(creds);
        }
        let expires_at = SystemTime::now() + *lock(&self.lifetime);
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        json_answer(json!({
            "credential": {
                "access": access,
                "secret": secret,
                "securitytoken": token,
                "expires_at": rfc3339(expires_at),
            }
        }))
    }
}

/// `2026-11-28T05:00:00.000000Z`, the service's format.
fn rfc3339(time: SystemTime) -> String {
    let compact = SdkDate::from_system_time(time);
    let c = compact.as_str();
    format!(
        "{}-{}-{}T{}:{}:{}.000000Z",
        &c[0..4],
        &c[4..6],
        &c[6..8],
        &c[9..11],
        &c[11..13],
        &c[13..15]
    )
}

fn text(status: u16, body: &str) -> Outgoing {
    Outgoing {
        status,
        headers: vec![("Content-Type".into(), "text/plain".into())],
        body: body.as_bytes().to_vec(),
    }
}

fn json_answer(value: serde_json::Value) -> Outgoing {
    Outgoing {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: value.to_string().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_timestamps_as_the_service_does() {
        // The client reading them back is tested end to end (tests/metadata.rs).
        let time = SdkDate::parse("20261128T050000Z").unwrap().to_system_time();
        assert_eq!(rfc3339(time), "2026-11-28T05:00:00.000000Z");
    }
}
