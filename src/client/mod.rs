//! The blocking client: builder, configuration, and the retry loop around
//! each signed exchange.
//!
//! This module and its children are the only ones that talk to ureq, and
//! `clock` is the only place that reads the wall clock for signing.

mod clock;
mod exchange;
mod retry;
mod transport;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::chain::CredentialSource;
use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::ids::ProjectId;
use crate::request::{ApiRequest, ApiResponse};

use clock::SkewClock;
use exchange::{exchange, Limits, Prepared};
pub use exchange::{MAX_ERROR_BODY, MAX_SUCCESS_BODY};
pub use retry::RetryPolicy;
use retry::{is_retryable, jitter, retry_after_wait};
use transport::{ProxySetting, TransportOptions};

const USER_AGENT: &str = concat!("hwcloud-ecs/", env!("CARGO_PKG_VERSION"));

/// Environment variables read by [`ClientBuilder::from_env`].
pub mod env {
    /// Access key.
    pub const AK: &str = "HUAWEICLOUD_SDK_AK";
    /// Secret key.
    pub const SK: &str = "HUAWEICLOUD_SDK_SK";
    /// Security token of temporary credentials (optional).
    pub const SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
    /// Project id.
    pub const PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
    /// Region, e.g. `cn-north-4`.
    pub const REGION: &str = "HUAWEICLOUD_SDK_REGION";
}

/// Which ECS API the password calls use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApiVersion {
    /// The Nova-compatible `/v2.1/{project_id}/servers/{server_id}/os-server-password`.
    #[default]
    V2_1,
    /// The native `/v1/{project_id}/cloudservers/{server_id}/os-server-password`.
    V1,
}

impl std::str::FromStr for ApiVersion {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "v2.1" | "2.1" => Ok(ApiVersion::V2_1),
            "v1" | "1" => Ok(ApiVersion::V1),
            other => Err(Error::invalid(
                "api",
                format!("{other:?} is not v2.1 or v1"),
            )),
        }
    }
}

/// Builds a [`Client`]; every setter says its default.
///
/// ```
/// use hwcloud_ecs::{ApiVersion, Client, Credentials};
/// use std::time::Duration;
///
/// let client = Client::builder()
///     .credentials(Credentials::new("AK", "SK")?)
///     .project_id("0123456789abcdef0123456789abcdef")
///     .region("cn-north-4")
///     .api(ApiVersion::V1)
///     .timeout(Duration::from_secs(20))
///     .build()?;
/// assert_eq!(client.endpoint().url(), "https://ecs.cn-north-4.myhuaweicloud.com");
/// # Ok::<(), hwcloud_ecs::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    project_id: Option<String>,
    region: Option<String>,
    endpoint: Option<String>,
    api: ApiVersion,
    timeout_connect: Duration,
    timeout: Duration,
    idle_connections: usize,
    retry: RetryPolicy,
    /// What the credential chain tried, when it found nothing.
    credentials_tried: Vec<String>,
    transport: TransportOptions,
    /// Where the credentials, project id and region came from.
    origins: [Option<String>; 3],
}

/// One value of a client's configuration, for display: secrets redacted,
/// with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Setting {
    /// What it is, e.g. `project id`.
    pub name: &'static str,
    /// Its value, or `(not set)`; secrets show only whether they are set.
    pub value: String,
    /// Where it came from: `explicit`, `environment HUAWEICLOUD_SDK_REGION`,
    /// `credentials file /root/.huaweicloud/credentials`, `default`, ...
    pub origin: String,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            credentials: None,
            project_id: None,
            region: None,
            endpoint: None,
            api: ApiVersion::V2_1,
            timeout_connect: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            idle_connections: 32,
            retry: RetryPolicy::default(),
            credentials_tried: Vec::new(),
            transport: TransportOptions::default(),
            origins: [None, None, None],
        }
    }
}

impl ClientBuilder {
    /// A builder preloaded the way the official SDKs configure themselves:
    /// credentials from the chain ([`Credentials::from_chain`]: the
    /// environment variables of [`mod@env`], then the credentials file), the
    /// project id from `HUAWEICLOUD_SDK_PROJECT_ID` or the credentials file,
    /// the region from `HUAWEICLOUD_SDK_REGION`. Later setters override them.
    ///
    /// # Errors
    /// [`Error::Config`] when only one of AK and SK is set, or the
    /// credentials file cannot be read; a missing value is reported by
    /// [`ClientBuilder::build`], listing what was tried.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`Self::from_env`], reading variables through `lookup` (for tests
    /// and embedders that keep configuration elsewhere). Empty values count
    /// as unset.
    ///
    /// # Errors
    /// [`Error::Config`] when only one of AK and SK is set, or a value is invalid.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let found = crate::chain::run(&lookup)?;
        let file = |path: &std::path::Path| format!("credentials file {}", path.display());
        let credentials_origin = found.credentials.as_ref().map(|(_, source)| match source {
            CredentialSource::Explicit => "explicit".to_owned(),
            CredentialSource::Environment => format!("environment {} / {}", env::AK, env::SK),
            CredentialSource::ProfileFile(path) => file(path),
        });
        let (project_id, project_origin) = match (get(env::PROJECT_ID), &found.profile) {
            (Some(id), _) => (Some(id), Some(format!("environment {}", env::PROJECT_ID))),
            (None, Some(profile)) if profile.project_id.is_some() => {
                (profile.project_id.clone(), Some(file(&profile.path)))
            }
            _ => (None, None),
        };
        let region = get(env::REGION);
        let region_origin = region
            .as_ref()
            .map(|_| format!("environment {}", env::REGION));
        Ok(ClientBuilder {
            credentials: found.credentials.map(|(creds, _)| creds),
            credentials_tried: found.tried,
            project_id,
            region,
            origins: [credentials_origin, project_origin, region_origin],
            ..ClientBuilder::default()
        })
    }

    /// The AK/SK (and optional security token). Required.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self.origins[0] = Some("explicit".into());
        self
    }

    /// The project id used in paths and `X-Project-Id`. Required.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self.origins[1] = Some("explicit".into());
        self
    }

    /// The region, giving `https://ecs.{region}.myhuaweicloud.com`. An
    /// explicit [`Self::endpoint`] wins over it.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self.origins[2] = Some("explicit".into());
        self
    }

    /// An explicit endpoint, `https://host[:port]` (or `http://` to loopback).
    /// Defaults to the region's public endpoint.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Which password API to call. Defaults to [`ApiVersion::V2_1`].
    pub fn api(mut self, api: ApiVersion) -> Self {
        self.api = api;
        self
    }

    /// Time allowed to connect (TCP and TLS). Defaults to 10 s.
    pub fn timeout_connect(mut self, timeout: Duration) -> Self {
        self.timeout_connect = timeout;
        self
    }

    /// Time allowed for one whole request, connect to last body byte.
    /// Defaults to 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How failed attempts are retried. Defaults to [`RetryPolicy::default`]:
    /// 3 attempts, 200 ms to 5 s full-jitter backoff, 60 s for the whole call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How many idle keep-alive connections per host the pool keeps for
    /// reuse; size it to the number of threads sharing the client.
    /// Defaults to 32.
    pub fn idle_connections(mut self, count: usize) -> Self {
        self.idle_connections = count;
        self
    }

    /// Sends every request through this proxy, e.g.
    /// `http://user:password@proxy.example:3128` (the password never shows in
    /// `Debug` or errors). Defaults to the proxy of the environment
    /// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, honouring `NO_PROXY`).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.transport.proxy = ProxySetting::Url(url.into());
        self
    }

    /// Uses no proxy, whatever the environment says.
    pub fn no_proxy(mut self) -> Self {
        self.transport.proxy = ProxySetting::Off;
        self
    }

    /// Trusts the CA certificates in `pem` besides the bundled Mozilla roots
    /// (private clouds with their own CA). Defaults to the bundled roots only.
    pub fn add_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.transport.roots = Some((pem.into(), false));
        self
    }

    /// Trusts only the CA certificates in `pem`, not the bundled roots.
    pub fn only_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.transport.roots = Some((pem.into(), true));
        self
    }

    /// **Dangerous**: accepts any server certificate, so anyone on the path
    /// can read and change the traffic, the security token included. For a
    /// throw-away lab only. Defaults to `false`.
    pub fn danger_accept_invalid_certificates(mut self, accept: bool) -> Self {
        self.transport.danger_accept_invalid_certificates = accept;
        self
    }

    /// The configuration this builder holds, value by value with where each
    /// came from, secrets redacted: what `hwcloud-ecs config` prints.
    pub fn settings(&self) -> Vec<Setting> {
        let origin = |i: usize| self.origins[i].clone().unwrap_or_else(|| "not set".into());
        let set = |present: bool| if present { "<redacted>" } else { "(not set)" }.to_owned();
        let creds = self.credentials.as_ref();
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(url), _) => (url.clone(), "explicit".to_owned()),
            (None, Some(region)) => (
                Endpoint::for_region(region)
                    .map_or_else(|e| format!("(invalid: {e})"), |e| e.url()),
                "derived from the region".to_owned(),
            ),
            (None, None) => ("(not set)".to_owned(), "not set".to_owned()),
        };
        let value = |v: Option<&String>| v.cloned().unwrap_or_else(|| "(not set)".into());
        let setting = |name, value: String, origin: String| Setting {
            name,
            value,
            origin,
        };
        vec![
            setting(
                "access key",
                creds.map_or("(not set)".into(), |c| c.access_key().to_owned()),
                origin(0),
            ),
            setting("secret key", set(creds.is_some()), origin(0)),
            setting(
                "security token",
                set(creds.is_some_and(Credentials::has_security_token)),
                origin(0),
            ),
            setting("project id", value(self.project_id.as_ref()), origin(1)),
            setting("region", value(self.region.as_ref()), origin(2)),
            setting("endpoint", endpoint.0, endpoint.1),
            setting(
                "api",
                match self.api {
                    ApiVersion::V2_1 => "v2.1",
                    ApiVersion::V1 => "v1",
                }
                .into(),
                "explicit or default".into(),
            ),
            setting(
                "transport",
                format!("{:?}", self.transport),
                "explicit or default".into(),
            ),
            setting(
                "timeouts",
                format!(
                    "connect {:?}, attempt {:?}",
                    self.timeout_connect, self.timeout
                ),
                "explicit or default".into(),
            ),
            setting(
                "retry",
                format!("{:?}", self.retry),
                "explicit or default".into(),
            ),
        ]
    }

    /// Validates everything and builds the client; nothing is sent.
    ///
    /// # Errors
    /// [`Error::Config`] when credentials, the project id or both region and
    /// endpoint are missing; [`Error::InvalidInput`] when one is malformed.
    pub fn build(self) -> Result<Client, Error> {
        let credentials = match (self.credentials, self.credentials_tried.is_empty()) {
            (Some(credentials), _) => credentials,
            (None, false) => return Err(crate::chain::nothing_found(&self.credentials_tried)),
            (None, true) => {
                return Err(Error::Config(format!(
                    "no credentials: pass them to the builder or set {} and {}",
                    env::AK,
                    env::SK
                )))
            }
        };
        let project_id = ProjectId::new(self.project_id.ok_or_else(|| {
            Error::Config(format!(
                "no project id: pass it to the builder or set {}",
                env::PROJECT_ID
            ))
        })?)?;
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(url), _) => Endpoint::parse(url)?,
            (None, Some(region)) => Endpoint::for_region(region)?,
            (None, None) => {
                return Err(Error::Config(format!(
                    "no region or endpoint: set {} or pass an endpoint",
                    env::REGION
                )))
            }
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(USER_AGENT)
            .accept("application/json")
            .max_idle_connections(self.idle_connections.max(1) * 2)
            .max_idle_connections_per_host(self.idle_connections)
            // Fixed per-phase timeouts, not ureq's global deadline: a deadline
            // re-arms the socket timeout on every read and costs about half a
            // loopback round trip per request. The body's share of the bound
            // is enforced by `read_bounded`.
            .timeout_connect(Some(self.timeout_connect))
            .timeout_per_write(Some(self.timeout))
            .timeout_per_read(Some(self.timeout))
            .timeout_recv_response(Some(self.timeout))
            .proxy(self.transport.proxy()?)
            .tls_config(self.transport.tls()?)
            .build();
        Ok(Client {
            inner: Arc::new(Inner {
                agent: ureq::Agent::new_with_config(config),
                credentials,
                project_id,
                endpoint,
                api: self.api,
                timeout: self.timeout,
                retry: self.retry,
                clock: SkewClock::default(),
            }),
        })
    }
}

/// A blocking ECS client. Cheap to clone (clones share one connection
/// pool), `Send + Sync`.
///
/// See [`ClientBuilder`] for configuration and the crate docs for an example.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    agent: ureq::Agent,
    credentials: Credentials,
    project_id: ProjectId,
    endpoint: Endpoint,
    api: ApiVersion,
    timeout: Duration,
    retry: RetryPolicy,
    clock: SkewClock,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Client>();
};

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("credentials", &self.inner.credentials)
            .field("project_id", &self.inner.project_id)
            .field("endpoint", &self.inner.endpoint)
            .field("api", &self.inner.api)
            .finish()
    }
}

impl Client {
    /// A fresh [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured only from the environment ([`mod@env`]).
    ///
    /// # Errors
    /// As [`ClientBuilder::from_env`] and [`ClientBuilder::build`].
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// The project id.
    pub fn project_id(&self) -> &ProjectId {
        &self.inner.project_id
    }

    /// The password API in use.
    pub fn api(&self) -> ApiVersion {
        self.inner.api
    }

    /// Signs and sends any API call, with the client's credentials, project
    /// id header, transport and error handling.
    ///
    /// Signed headers: `Host`, `X-Sdk-Date`, `X-Project-Id`, `Content-Type`
    /// (always `application/json`), `X-Security-Token` (temporary
    /// credentials) and the request's own headers. `User-Agent` is sent
    /// unsigned, so that proxies that rewrite it do not break the signature.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before sending when the request is malformed;
    /// [`Error::Api`] for a non-2xx answer; [`Error::Transport`] /
    /// [`Error::Timeout`] when no complete answer came.
    pub fn send(&self, request: &ApiRequest) -> Result<ApiResponse, Error> {
        let endpoint = request.validate()?;
        let mut headers: Vec<(&str, &str)> = vec![
            ("Content-Type", "application/json"),
            ("X-Project-Id", self.inner.project_id.as_str()),
        ];
        headers.extend(
            request
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        let prepared = Prepared {
            method: &request.method,
            endpoint: endpoint.as_ref().unwrap_or(&self.inner.endpoint),
            target: request.target(),
            headers,
            body: &request.body,
        };
        self.send_with_retries(&prepared)
    }

    /// The correction applied to the machine's clock when signing, in
    /// milliseconds: positive when the gateway's clock is ahead of ours.
    /// It is learned from the gateway's `Date` the first time a signature
    /// is refused as expired, and shared by every clone of this client.
    pub fn clock_offset_ms(&self) -> i64 {
        self.inner.clock.offset_ms()
    }

    fn send_with_retries(&self, prepared: &Prepared<'_>) -> Result<ApiResponse, Error> {
        let policy = self.inner.retry;
        let deadline = Instant::now() + policy.call_deadline();
        let mut attempt = 0;
        let mut skew_healed = false;
        loop {
            attempt += 1;
            let limits = Limits {
                timeout: self.inner.timeout,
                remaining: deadline.saturating_duration_since(Instant::now()),
            };
            // Every attempt is signed afresh, with a new X-Sdk-Date.
            let sign_time = self.inner.clock.now();
            let failure = match exchange(
                &self.inner.agent,
                &self.inner.credentials,
                prepared,
                sign_time,
                limits,
            ) {
                Ok(response) => return Ok(response),
                Err(failure) => failure,
            };
            let error = failure.error.with_attempts(attempt);
            if !skew_healed && self.heal_skew(&error, failure.server_date) {
                skew_healed = true;
                continue;
            }
            if !is_retryable(&error) || attempt >= policy.attempts() + u32::from(skew_healed) {
                return Err(error);
            }
            let wait = failure
                .retry_after
                .as_deref()
                .and_then(|v| retry_after_wait(v, failure.server_date, SkewClock::local_now()))
                .unwrap_or_else(|| jitter(policy.backoff_ceiling(attempt)));
            if Instant::now() + wait >= deadline {
                log::debug!(
                    "not waiting {wait:?} for attempt {}: past the call's deadline",
                    attempt + 1
                );
                return Err(error);
            }
            log::debug!("attempt {attempt} failed ({error}); retrying in {wait:?}");
            thread::sleep(wait);
        }
    }

    /// When a 401 signature failure looks like clock skew (the gateway says
    /// the signature expired, or its `Date` is more than 5 minutes from our
    /// clock), learns the offset from that `Date`; true when the call should
    /// be signed again with the corrected time.
    fn heal_skew(&self, error: &Error, server_date: Option<SystemTime>) -> bool {
        let (Some(api), Some(server_date)) = (error.api(), server_date) else {
            return false;
        };
        if api.status != 401 || !api.is_signature_failure() {
            return false;
        }
        let says_expired = api
            .message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("expired"));
        let ours = self.inner.clock.now();
        let apart = clock::millis_between(ours, server_date).unsigned_abs();
        if !says_expired && apart <= clock::SKEW_SUSPECT.as_millis() as u64 {
            return false;
        }
        let offset = self
            .inner
            .clock
            .correct(server_date, SkewClock::local_now());
        log::warn!(
            "the gateway refused the signature as expired; its clock is {:+.1} s from this machine's: signing with the corrected time from now on",
            offset as f64 / 1000.0
        );
        true
    }
}
