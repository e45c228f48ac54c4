//! The blocking client: its builder, the settings it shows, and the retry
//! loop around each signed exchange (with skew healing and the refresh of
//! temporary credentials). Configuration sources live in `crate::config`,
//! the wire in `crate::transport`.

mod account;
mod builder;
mod governor;
mod refresh;
mod retry;
mod settings;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::ids::ProjectId;
use crate::request::ApiRequest;
use crate::sign::Credentials;
use crate::transport::ApiResponse;

use crate::clock::{self, SkewClock};
use crate::config::iam::SignedSender;
use crate::transport::{exchange, Agent, ApiTimeouts, Limits, Prepared};
pub use account::{Account, Project};
pub use builder::ClientBuilder;
use refresh::CredentialProvider;
pub(crate) use retry::retry_after_wait;
pub use retry::RetryPolicy;
use retry::{is_retryable, is_throttled, jitter};

/// The most exchanges one call makes, whatever answers come: the deadline
/// ends a call long before, this is the second guard.
const MAX_EXCHANGES: u32 = 10_000;

/// The error of a call the governor could not send before its deadline.
fn paced_out(wait: Duration, attempts: u32) -> Error {
    Error::Timeout {
        message: format!(
            "the client's rate limit would hold this call {} s, past its deadline",
            wait.as_secs()
        ),
        attempts,
        source: None,
    }
}
pub use settings::Setting;

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

/// A blocking ECS client. Cheap to clone (clones share one connection
/// pool), `Send + Sync`.
///
/// See [`ClientBuilder`] for configuration and the crate docs for an example.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    caller: Caller,
    project_id: ProjectId,
    endpoint: Endpoint,
    /// The region the endpoint serves, when it is known.
    region: Option<String>,
    api: ApiVersion,
    /// The configuration as resolved when the client was built.
    settings: Vec<Setting>,
}

/// What sends one signed call, retries included: the connection pool, the
/// credentials, the limits and the skew-corrected clock. The IAM lookup
/// uses it before the client exists. Cheap to clone: the clients of one
/// account's projects share every part of it but the governor, which is
/// one per endpoint (a gateway's limit is its own).
#[derive(Clone)]
struct Caller {
    agent: Agent,
    /// The sending rate shared by every clone and thread that calls this
    /// endpoint.
    governor: Arc<governor::Governor>,
    /// Every endpoint's governor, by URL, shared by the clients derived
    /// from one build.
    governors: Arc<Mutex<HashMap<String, Arc<governor::Governor>>>>,
    max_rate: Option<f64>,
    credentials: CredentialProvider,
    timeout: Duration,
    retry: RetryPolicy,
    clock: Arc<SkewClock>,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Client>();
};

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let credentials = self.inner.caller.credentials.peek();
        let kind = match &self.inner.caller.credentials {
            CredentialProvider::Fixed(_) => "fixed",
            CredentialProvider::Metadata(_) => "temporary, from the ECS metadata service",
        };
        f.debug_struct("Client")
            .field("access_key", &credentials.access_key())
            .field("credentials", &kind)
            .field("project_id", &self.inner.project_id.as_str())
            .field("endpoint", &self.inner.endpoint.url())
            .field("api", &self.inner.api)
            .finish()
    }
}

impl Client {
    /// A fresh [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured only from the environment ([`mod@crate::env`]).
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

    /// The configuration as resolved when the client was built, value by
    /// value with where each came from (explicit, environment, credentials
    /// file, ECS metadata, IAM), secrets redacted: what `hwcloud-ecs config`
    /// prints.
    pub fn settings(&self) -> Vec<Setting> {
        let mut settings = self.inner.settings.clone();
        // Temporary credentials change as they are refreshed.
        let current = self.inner.caller.credentials.peek();
        if let Some(ak) = settings.iter_mut().find(|s| s.key == "access_key") {
            ak.value = current.access_key().to_owned();
        }
        settings
    }

    /// The project id.
    pub fn project_id(&self) -> &ProjectId {
        &self.inner.project_id
    }

    /// The region the endpoint serves, when the client was given one (or
    /// made for a project of an [`crate::Account`]).
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// Which client this is, for a bulk run that tells projects apart:
    /// clones share it.
    pub(crate) fn identity(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
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
            headers: &headers,
            body: &request.body,
            success_limit: request.success_limit,
        };
        self.inner.caller.send(&prepared)
    }

    /// Sends a bodiless call the crate built itself (a validated id in a
    /// fixed path) to the client's endpoint: no request to validate, no
    /// header list to allocate.
    pub(crate) fn send_own(&self, method: &str, target: String) -> Result<ApiResponse, Error> {
        let headers = [
            ("Content-Type", "application/json"),
            ("X-Project-Id", self.inner.project_id.as_str()),
        ];
        self.inner.caller.send(&Prepared {
            method,
            endpoint: &self.inner.endpoint,
            target,
            headers: &headers,
            body: &[],
            success_limit: crate::transport::MAX_SUCCESS_BODY,
        })
    }

    /// Throttled answers (429, `APIGW.0308`) this client and its clones
    /// have received.
    pub fn throttled(&self) -> u64 {
        self.inner.caller.governor.throttled()
    }

    /// The rate the client paces its requests at, in requests a second:
    /// `None` until the gateway first throttles it (or without a
    /// [`ClientBuilder::max_rate`]), when it sends as fast as it is asked.
    pub fn sending_rate(&self) -> Option<f64> {
        self.inner.caller.governor.rate()
    }

    /// The correction applied to the machine's clock when signing, in
    /// milliseconds: positive when the gateway's clock is ahead of ours.
    /// It is learned from the gateway's `Date` the first time a signature
    /// is refused as expired, and shared by every clone of this client.
    pub fn clock_offset_ms(&self) -> i64 {
        self.inner.caller.clock.offset_ms()
    }
}

impl Caller {
    /// The agent for `builder`'s transport settings, around `credentials`.
    fn new(builder: &ClientBuilder, credentials: CredentialProvider) -> Result<Self, Error> {
        let agent = Agent::api(
            &builder.transport,
            &ApiTimeouts {
                connect: builder.timeout_connect,
                attempt: builder.timeout,
                idle_connections: builder.idle_connections,
            },
        )?;
        Ok(Caller {
            agent,
            governor: Arc::new(governor::Governor::new(builder.max_rate)),
            governors: Arc::default(),
            max_rate: builder.max_rate,
            credentials,
            timeout: builder.timeout,
            retry: builder.retry,
            clock: Arc::new(SkewClock::fixed(builder.fixed_clock)),
        })
    }

    /// This caller for another endpoint: the same pool, credentials, limits
    /// and clock, with that endpoint's governor (made on first use).
    fn for_endpoint(&self, endpoint: &Endpoint) -> Caller {
        let governor = Arc::clone(
            crate::lock(&self.governors)
                .entry(endpoint.url().to_owned())
                .or_insert_with(|| Arc::new(governor::Governor::new(self.max_rate))),
        );
        Caller {
            governor,
            ..self.clone()
        }
    }

    /// Signs and sends `prepared`, retrying as the policy says, paced by
    /// the client's rate governor.
    ///
    /// Throttled answers (429, `APIGW.0308`) are back-pressure, not
    /// failures: they do not use up an attempt, and the call goes on until
    /// its deadline. The attempt limit counts real failures only.
    fn send(&self, prepared: &Prepared<'_>) -> Result<ApiResponse, Error> {
        let policy = self.retry;
        let deadline = crate::bounds::instant_after(policy.deadline());
        let mut attempt: u32 = 0;
        // Attempts that do not count against the limit: a throttled answer,
        // the one re-signed after skew healing, the one after a renewal.
        let mut free: u32 = 0;
        let mut skew_healed = false;
        let mut renewed = false;
        let mut last: Option<Error> = None;
        // Bounded by the deadline; the cap is a second guard.
        while attempt < MAX_EXCHANGES {
            if let Err(wait) = self.governor.acquire(deadline) {
                return Err(last.unwrap_or_else(|| paced_out(wait, attempt)));
            }
            attempt += 1;
            let limits = Limits {
                timeout: self.timeout,
                remaining: deadline.saturating_duration_since(Instant::now()),
            };
            // Every attempt is signed afresh, with a new X-Sdk-Date (and the
            // current temporary credentials, when they are refreshed).
            let credentials = self.credentials.current()?;
            let sign_time = self.clock.now();
            let failure = match exchange(&self.agent, &credentials, prepared, sign_time, limits) {
                Ok(response) => {
                    self.governor.on_answer(false, None, None);
                    return Ok(response);
                }
                Err(failure) => failure,
            };
            let mut error = failure.error.with_attempts(attempt);
            let asked = failure
                .retry_after
                .as_deref()
                .and_then(|v| retry_after_wait(v, failure.server_date, SkewClock::local_now()));
            if is_throttled(&error) {
                let named = error
                    .api()
                    .and_then(|a| a.message.as_deref())
                    .and_then(governor::named_limit);
                let pause = asked.unwrap_or_else(|| jitter(policy.backoff_ceiling(1)));
                self.governor.on_answer(true, Some(pause), named);
                if pause >= deadline.saturating_duration_since(Instant::now()) {
                    if let (Some(asked), Error::Api(api)) = (asked, &mut error) {
                        api.retry_after = Some(asked);
                    }
                    return Err(error);
                }
                log::debug!("throttled ({error}); every worker pauses {pause:?}, then paces");
                free += 1;
                last = Some(error);
                continue;
            }
            self.governor.on_answer(false, None, None);
            if !skew_healed && self.heal_skew(&error, failure.server_date) {
                skew_healed = true;
                free += 1;
                continue;
            }
            if !renewed && self.renew_refused(&error, &credentials) {
                renewed = true;
                free += 1;
                continue;
            }
            let retryable = !failure.permanent && is_retryable(&error);
            if !retryable || attempt >= policy.max_attempts().saturating_add(free) {
                return Err(error);
            }
            let wait = asked
                .unwrap_or_else(|| jitter(policy.backoff_ceiling(attempt.saturating_sub(free))));
            // Compared as durations: an absurd Retry-After never reaches an
            // Instant addition, and never a sleep.
            if wait >= deadline.saturating_duration_since(Instant::now()) {
                log::debug!(
                    "not waiting {wait:?} for attempt {}: past the call's deadline",
                    attempt + 1
                );
                if let (Some(asked), Error::Api(api)) = (asked, &mut error) {
                    api.retry_after = Some(asked);
                }
                return Err(error);
            }
            log::debug!("attempt {attempt} failed ({error}); retrying in {wait:?}");
            thread::sleep(wait);
            last = Some(error);
        }
        Err(last.unwrap_or_else(|| paced_out(Duration::ZERO, attempt)))
    }

    /// When the gateway refuses temporary credentials (revoked, or expired
    /// earlier than this machine's clock says), fetches a new set once;
    /// true when the call should be signed again with it.
    fn renew_refused(&self, error: &Error, used: &Arc<Credentials>) -> bool {
        let refused = error
            .api()
            .is_some_and(|api| api.status == 401 && api.is_signature_failure());
        let CredentialProvider::Metadata(refreshing) = &self.credentials else {
            return false;
        };
        if !refused {
            return false;
        }
        log::warn!("the gateway refused the temporary credentials; fetching a new set from the ECS metadata service");
        refreshing.renew(used)
    }

    /// When the gateway refuses a signature as expired (a 401 signature
    /// failure whose message says so) and its `Date` is within
    /// [`clock::MAX_SKEW`] of ours, learns the offset from that `Date`; true
    /// when the call should be signed again with the corrected time. Any
    /// other `Date` leaves the shared clock alone: one hostile or broken
    /// answer must not make every later request of the process fail.
    fn heal_skew(&self, error: &Error, server_date: Option<SystemTime>) -> bool {
        let (Some(api), Some(server_date)) = (error.api(), server_date) else {
            return false;
        };
        let says_expired = api
            .message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("expired"));
        if api.status != 401 || !api.is_signature_failure() || !says_expired {
            return false;
        }
        let Some(offset) = self.clock.correct(server_date, SkewClock::local_now()) else {
            log::warn!(
                "the gateway refused the signature as expired, but its Date is {} s from this machine's clock, more than {} hours: not trusted, the clock is left as it was",
                clock::millis_between(SkewClock::local_now(), server_date) / 1000,
                clock::MAX_SKEW.as_secs() / 3600
            );
            return false;
        };
        log::warn!(
            "the gateway refused the signature as expired; its clock is {:+.1} s from this machine's: signing with the corrected time from now on",
            offset as f64 / 1000.0
        );
        true
    }
}

impl SignedSender for Caller {
    fn access_key(&self) -> Result<String, Error> {
        Ok(self.credentials.current()?.access_key().to_owned())
    }

    fn send_signed(&self, prepared: &Prepared<'_>) -> Result<ApiResponse, Error> {
        self.send(prepared)
    }
}
