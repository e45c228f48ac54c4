//! [`ClientBuilder`]: the setters, and `build`, which checks every given
//! value, runs the discovery steps of `crate::config` for what is still
//! missing, and connects.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::bounds::check_duration;
use crate::config::chain::{self, FromEnvironment};
#[cfg(feature = "discovery")]
use crate::config::discovery::{Discovery, Session};
use crate::config::regions;
use crate::config::Lookup;
use crate::config::{env, Origin};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::ids::ProjectId;
use crate::sign::Credentials;
use crate::transport::{ProxySetting, Tls, TransportOptions};

use super::credentials::CredentialProvider;
use super::{ApiVersion, Caller, Client, Inner, RetryPolicy};

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
    pub(super) credentials: Option<CredentialProvider>,
    pub(super) project_id: Option<String>,
    pub(super) region: Option<String>,
    pub(super) endpoint: Option<String>,
    pub(super) api: ApiVersion,
    pub(super) timeout_connect: Duration,
    pub(super) timeout: Duration,
    pub(super) idle_connections: usize,
    pub(super) retry: RetryPolicy,
    pub(super) transport: TransportOptions,
    /// What the credential chain tried, when it found nothing.
    pub(super) credentials_tried: Vec<String>,
    /// Where the credentials, project id and region came from.
    pub(super) origins: Origins,
    /// Which of the other settings were set on the builder.
    pub(super) chosen: Chosen,
    /// The explicit cap on the sending rate, in requests a second.
    #[cfg(feature = "bulk")]
    pub(super) max_rate: Option<f64>,
    /// A fixed signing time (wire-vector tests only).
    pub(super) fixed_clock: Option<SystemTime>,
    /// Set by [`ClientBuilder::from_env`]: where the ECS metadata service
    /// and IAM are, for the values the environment did not give.
    #[cfg(feature = "discovery")]
    pub(super) discovery: Option<Discovery>,
    /// Set by [`ClientBuilder::from_env`]: the variables a region's endpoint
    /// and IAM's are looked up in (none for a builder that reads nothing).
    pub(super) lookup: Option<Lookup>,
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
            transport: TransportOptions::default(),
            credentials_tried: Vec::new(),
            origins: Origins::default(),
            chosen: Chosen::default(),
            #[cfg(feature = "bulk")]
            max_rate: None,
            fixed_clock: None,
            #[cfg(feature = "discovery")]
            discovery: None,
            lookup: None,
        }
    }
}

impl ClientBuilder {
    /// A builder preloaded the way the official SDKs configure themselves,
    /// and then some. Later setters override any of it.
    ///
    /// - Credentials: the environment variables of [`mod@crate::env`], then the
    ///   credentials file, then (when the client is built) the ECS
    ///   metadata service's temporary credentials, refreshed as they age.
    /// - Region: `HUAWEICLOUD_SDK_REGION`, then the ECS metadata.
    /// - Project id: `HUAWEICLOUD_SDK_PROJECT_ID`, then the credentials
    ///   file, then the ECS metadata, then an IAM lookup of the project
    ///   named after the region (cached per IAM endpoint, AK and region).
    ///
    /// The metadata and IAM steps run in [`ClientBuilder::build`], and only
    /// for values still missing then.
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
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Self, Error> {
        let lookup = Lookup(Arc::new(lookup));
        let FromEnvironment {
            credentials,
            tried,
            project_id,
            region,
            #[cfg(feature = "discovery")]
            discovery,
        } = chain::from_environment(&*lookup.0)?;
        let (credentials, credentials_origin) = split(credentials);
        let (project_id, project_origin) = split(project_id);
        let (region, region_origin) = split(region);
        Ok(ClientBuilder {
            credentials: credentials.map(|c| CredentialProvider::Fixed(Arc::new(c))),
            credentials_tried: tried,
            project_id,
            region,
            origins: Origins {
                credentials: credentials_origin,
                project_id: project_origin,
                region: region_origin,
            },
            #[cfg(feature = "discovery")]
            discovery: Some(discovery),
            lookup: Some(lookup),
            ..ClientBuilder::default()
        })
    }

    /// The AK/SK (and optional security token). Required, unless the
    /// builder came from [`Self::from_env`], which finds them.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(CredentialProvider::Fixed(Arc::new(credentials)));
        self.origins.credentials = Some(Origin::Explicit);
        self
    }

    /// The project id used in paths and `X-Project-Id`. Required, unless
    /// the builder came from [`Self::from_env`], which finds it.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self.origins.project_id = Some(Origin::Explicit);
        self
    }

    /// The region, giving `https://ecs.{region}.myhuaweicloud.com`. An
    /// explicit [`Self::endpoint`] wins over it.
    ///
    /// For a builder from [`Self::from_env`], the region's endpoint is
    /// looked up the official SDKs' way first: `HUAWEICLOUD_SDK_REGION_ECS_{REGION}`
    /// (e.g. `..._CN_NORTH_4`; a comma-separated list, the first is used),
    /// then the regions file ([`crate::env::REGIONS_FILE`], else
    /// `~/.huaweicloud/regions.yaml`), then the built-in table, so that a
    /// private cloud or a region newer than the table works unchanged. A
    /// plain [`Client::builder`] reads nothing and uses the table.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self.origins.region = Some(Origin::Explicit);
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
        self.chosen.api = true;
        self
    }

    /// Time allowed to connect (TCP and TLS). Defaults to 10 s.
    pub fn timeout_connect(mut self, timeout: Duration) -> Self {
        self.timeout_connect = timeout;
        self.chosen.timeout_connect = true;
        self
    }

    /// Time allowed for one whole request, connect to last body byte.
    /// Defaults to 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.chosen.timeout = true;
        self
    }

    /// How failed attempts are retried. Defaults to [`RetryPolicy::default`]:
    /// 3 attempts, 200 ms to 5 s full-jitter backoff, 60 s for the whole call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self.chosen.retry = true;
        self
    }

    /// Never sends more than `requests_per_second`, across every clone and
    /// thread of the client: for operators who know their quota. Defaults
    /// to no cap: the client sends as fast as it is asked until the gateway
    /// throttles it, and then paces itself (see the README's reliability
    /// section).
    #[cfg(feature = "bulk")]
    pub fn max_rate(mut self, requests_per_second: f64) -> Self {
        self.max_rate = Some(requests_per_second);
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
    /// The ECS metadata service is never reached through a proxy.
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
    #[cfg(feature = "custom-ca")]
    pub fn add_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.transport.roots = Some((pem.into(), false));
        self.chosen.roots = true;
        self
    }

    /// Trusts only the CA certificates in `pem`, not the bundled roots.
    #[cfg(feature = "custom-ca")]
    pub fn only_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.transport.roots = Some((pem.into(), true));
        self.chosen.roots = true;
        self
    }

    /// **Dangerous**: accepts any server certificate, so anyone on the path
    /// can read and change the traffic, the security token included. For a
    /// throw-away lab only. Defaults to `false`.
    pub fn danger_accept_invalid_certificates(mut self, accept: bool) -> Self {
        self.transport.danger_accept_invalid_certificates = accept;
        self.chosen.verification = true;
        self
    }

    /// Signs every request as if the time were `at`, for tests that compare
    /// the client's requests with signing vectors made at a fixed time. Not
    /// for use against a real gateway, which refuses a date 15 minutes off.
    #[doc(hidden)]
    pub fn fixed_signing_time_for_tests(mut self, at: std::time::SystemTime) -> Self {
        self.fixed_clock = Some(at);
        self
    }

    /// Validates everything, discovers what is still missing (for a builder
    /// from [`Self::from_env`]: credentials and region from the ECS
    /// metadata, the project id from the metadata or IAM), and builds the
    /// client. Only the discovery steps send anything.
    ///
    /// # Errors
    /// [`Error::Config`] when credentials, the project id or both region and
    /// endpoint are missing and cannot be discovered (the message says what
    /// was tried); [`Error::InvalidInput`] when a value is malformed;
    /// [`Error::ProjectLookup`] when IAM does not name exactly one project.
    pub fn build(mut self) -> Result<Client, Error> {
        let Given { endpoint, tls } = self.check_given()?;
        #[cfg(feature = "discovery")]
        let mut session = self.discovery.take().map(Discovery::start);
        #[cfg(feature = "discovery")]
        let credentials = self.resolve_credentials(session.as_ref())?;
        #[cfg(not(feature = "discovery"))]
        let credentials = self.resolve_credentials()?;

        // The region is discovered for the endpoint, or for IAM's lookup
        // of the project id; the endpoint is then worked out once.
        #[cfg(feature = "discovery")]
        let region_needed = endpoint.is_none() || self.project_id.is_none();
        #[cfg(feature = "discovery")]
        if let (None, true, Some(session)) = (&self.region, region_needed, &mut session) {
            if let Some((region, origin)) = session.region() {
                self.region = Some(region);
                self.origins.region = Some(origin);
            }
        }
        let endpoint = match endpoint {
            Some(given) => Some(given),
            None => self.chosen_endpoint()?,
        };
        #[cfg(feature = "discovery")]
        let tried = session.as_ref().map(Session::tried).unwrap_or_default();
        #[cfg(not(feature = "discovery"))]
        let tried = String::new();
        let Some((endpoint, _)) = endpoint else {
            return Err(Error::Config(format!(
                "no region or endpoint: set {} or pass a region or an endpoint to the builder{tried}",
                env::REGION,
            )));
        };

        self.transport.plain_http = endpoint.url().starts_with("http://");
        let caller = Caller::new(&self, credentials, tls)?;
        #[cfg(feature = "account")]
        crate::lock(&caller.governors)
            .insert(endpoint.url().to_owned(), Arc::clone(&caller.governor));
        #[cfg(feature = "discovery")]
        if let (None, Some(session)) = (&self.project_id, &mut session) {
            let (id, origin) = session.project_id(self.region.as_deref(), &caller)?;
            self.project_id = Some(id);
            self.origins.project_id = Some(origin);
        }
        let project_id = ProjectId::new(self.project_id.clone().ok_or_else(no_project_id)?)?;
        Ok(Client {
            inner: Arc::new(Inner {
                caller,
                project_id,
                endpoint,
                region: self.region.clone(),
                api: self.api,
                #[cfg(feature = "explain")]
                explained: Box::new(self),
            }),
        })
    }

    /// The endpoint the client would call, and where it came from: the
    /// explicit one, else the region's (see [`Self::region`]); `None` when
    /// neither is known yet.
    pub(super) fn chosen_endpoint(&self) -> Result<Option<(Endpoint, Origin)>, Error> {
        match (&self.endpoint, &self.region) {
            (Some(url), _) => Ok(Some((Endpoint::parse(url)?, Origin::Explicit))),
            (None, Some(region)) => regions::ecs_endpoint(region, self.lookup.as_ref()).map(Some),
            (None, None) => Ok(None),
        }
    }

    /// Checks every value given so far the way [`Self::build`] does first
    /// (durations, rate, project id, endpoint or region, proxy, TLS),
    /// without discovering anything or sending anything: what
    /// `hwcloud-ecs config --offline` reports.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] or [`Error::Config`] for the first value
    /// [`Self::build`] would refuse before its discovery steps.
    pub fn check(&self) -> Result<(), Error> {
        self.check_given().map(drop)
    }

    /// Checks every value already given, so that bad input is an error
    /// before a discovery step sends anything.
    pub(super) fn check_given(&self) -> Result<Given, Error> {
        check_duration("connect timeout", self.timeout_connect)?;
        check_duration("timeout", self.timeout)?;
        check_duration("retry deadline", self.retry.deadline())?;
        check_duration("retry backoff", self.retry.backoff().1)?;
        #[cfg(feature = "bulk")]
        if let Some(rate) = self.max_rate {
            if !(rate.is_finite() && (0.5..=1_000_000.0).contains(&rate)) {
                return Err(Error::invalid(
                    "max rate",
                    format!("{rate} is not a rate from 0.5 to 1000000 requests a second"),
                ));
            }
        }
        if let Some(id) = &self.project_id {
            ProjectId::new(id.clone())?;
        }
        let endpoint = self.chosen_endpoint()?;
        self.transport.proxy()?;
        let tls = self.transport.tls()?;
        Ok(Given { endpoint, tls })
    }

    /// The credentials to sign with: those given or found in the
    /// environment or the credentials file, else the error that lists what
    /// was tried.
    #[cfg(not(feature = "discovery"))]
    pub(super) fn resolve_credentials(&mut self) -> Result<CredentialProvider, Error> {
        self.credentials
            .clone()
            .ok_or_else(|| self.no_credentials())
    }

    pub(super) fn no_credentials(&self) -> Error {
        if self.credentials_tried.is_empty() {
            Error::Config(format!(
                "no credentials: pass them to the builder or set {} and {}",
                env::AK,
                env::SK
            ))
        } else {
            chain::nothing_found(&self.credentials_tried)
        }
    }
}

/// What [`ClientBuilder::check_given`] works out on the way, so that a
/// build reads the regions file and parses a custom CA once.
pub(super) struct Given {
    /// The endpoint, when one is given or the region's is known.
    pub endpoint: Option<(Endpoint, Origin)>,
    pub tls: Tls,
}

/// The error of a build with no project id.
fn no_project_id() -> Error {
    Error::Config(format!(
        "no project id: pass it to the builder (ClientBuilder::project_id), set {}, or use ClientBuilder::from_env, which also reads the credentials file{}",
        env::PROJECT_ID,
        if cfg!(feature = "discovery") { ", the ECS metadata and IAM" } else { "" }
    ))
}

/// Where the credentials, the project id and the region came from.
#[derive(Clone, Debug, Default)]
pub(crate) struct Origins {
    pub credentials: Option<Origin>,
    pub project_id: Option<Origin>,
    pub region: Option<Origin>,
}

/// Which of the settings with a default were set on the builder (recorded
/// for the explanation, read only with `explain`).
#[cfg_attr(not(feature = "explain"), allow(dead_code))]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Chosen {
    pub api: bool,
    pub timeout_connect: bool,
    pub timeout: bool,
    pub retry: bool,
    pub roots: bool,
    pub verification: bool,
}

/// A value and its origin, as two options.
fn split<T>(found: Option<(T, Origin)>) -> (Option<T>, Option<Origin>) {
    match found {
        Some((value, origin)) => (Some(value), Some(origin)),
        None => (None, None),
    }
}
