//! [`ClientBuilder`]: explicit settings, the environment's, and the
//! discovery steps (ECS metadata, IAM) that fill in what is still missing
//! when the client is built.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bounds::{check_duration, instant_after};
use crate::chain::{self, CredentialSource};
use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::ids::ProjectId;

use super::discovery;
use super::metadata::{InstanceInfo, MetadataService, METADATA_BUDGET};
use super::refresh::{CredentialProvider, Refreshing};
use super::settings::{self, Origins, Setting};
use super::transport::{ProxySetting, TransportOptions};
use super::{env, ApiVersion, Caller, Client, Inner, RetryPolicy};

/// Builds a [`Client`]; every setter says its default.
///
/// ```
/// use hwcloud_ecs::{ApiVersion, Client, Credentials};
/// use std::time::{Duration, Instant};
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
    /// What the credential chain tried, when it found nothing.
    credentials_tried: Vec<String>,
    pub(super) transport: TransportOptions,
    /// Where the credentials, project id and region came from.
    pub(super) origins: Origins,
    /// A fixed signing time (wire-vector tests only).
    pub(super) fixed_clock: Option<std::time::SystemTime>,
    /// Set by [`ClientBuilder::from_env`]: where the ECS metadata service
    /// and IAM are, for the values the environment did not give.
    discovery: Option<Discovery>,
}

/// The sources consulted at build time for what is still missing.
#[derive(Clone, Debug)]
struct Discovery {
    /// The stand-in for the metadata service's address (tests only).
    metadata_url: Option<String>,
    iam_endpoint: Option<String>,
    /// When the metadata steps of the build under way must be done.
    metadata_deadline: Option<Instant>,
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
            origins: Origins::default(),
            fixed_clock: None,
            discovery: None,
        }
    }
}

impl ClientBuilder {
    /// A builder preloaded the way the official SDKs configure themselves,
    /// and then some. Later setters override any of it.
    ///
    /// - Credentials: the environment variables of [`mod@env`], then the
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
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let found = chain::run(&lookup)?;
        let file = |path: &std::path::Path| format!("credentials file {}", path.display());
        let credentials_origin = found.credentials.as_ref().map(|(_, source)| match source {
            CredentialSource::Environment => format!("environment {} / {}", env::AK, env::SK),
            CredentialSource::ProfileFile(path) => file(path),
            // The environment and the file are all `chain::run` reads; the
            // metadata step comes later, in `build`.
            CredentialSource::Explicit => "explicit".to_owned(),
            CredentialSource::EcsMetadata { .. } => "ECS metadata".to_owned(),
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
            credentials: found
                .credentials
                .map(|(creds, _)| CredentialProvider::Fixed(Arc::new(creds))),
            credentials_tried: found.tried,
            project_id,
            region,
            origins: Origins {
                credentials: credentials_origin,
                project_id: project_origin,
                region: region_origin,
            },
            discovery: Some(Discovery {
                metadata_url: get(env::METADATA_URL_FOR_TESTS),
                iam_endpoint: get(env::IAM_ENDPOINT),
                metadata_deadline: None,
            }),
            ..ClientBuilder::default()
        })
    }

    /// The AK/SK (and optional security token). Required, unless the
    /// builder came from [`Self::from_env`], which finds them.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(CredentialProvider::Fixed(Arc::new(credentials)));
        self.origins.credentials = Some("explicit".into());
        self
    }

    /// The project id used in paths and `X-Project-Id`. Required, unless
    /// the builder came from [`Self::from_env`], which finds it.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self.origins.project_id = Some("explicit".into());
        self
    }

    /// The region, giving `https://ecs.{region}.myhuaweicloud.com`. An
    /// explicit [`Self::endpoint`] wins over it.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self.origins.region = Some("explicit".into());
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

    /// Signs every request as if the time were `at`, for tests that compare
    /// the client's requests with signing vectors made at a fixed time. Not
    /// for use against a real gateway, which refuses a date 15 minutes off.
    #[doc(hidden)]
    pub fn fixed_signing_time_for_tests(mut self, at: std::time::SystemTime) -> Self {
        self.fixed_clock = Some(at);
        self
    }

    /// The configuration this builder holds, value by value with where each
    /// came from, secrets redacted. Values that [`Self::build`] would still
    /// discover (ECS metadata, IAM) show as not set; a built client's
    /// [`Client::settings`] shows them.
    pub fn settings(&self) -> Vec<Setting> {
        settings::render(self, self.credentials.as_ref().map(|c| c.peek()))
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
        self.check_given()?;
        let mut discovery = self.discovery.take();
        // One deadline over every metadata step of this build.
        if let Some(discovery) = &mut discovery {
            discovery.metadata_deadline = Some(instant_after(METADATA_BUDGET));
        }
        if let (None, Some(discovery)) = (&self.credentials, &discovery) {
            self.credentials_from_metadata(discovery);
        }
        let credentials = self
            .credentials
            .clone()
            .ok_or_else(|| self.no_credentials())?;

        let mut instance = discovery.as_ref().map(Instance::new);
        // Why the metadata did not give a value, for the error if nothing else does.
        let mut metadata_said = None;
        let region_needed = self.endpoint.is_none() || self.project_id.is_none();
        if let (None, true, Some(instance)) = (&self.region, region_needed, &mut instance) {
            match instance.get().map(|info| info.region_id) {
                Ok(Some(region)) => {
                    self.origins.region = Some(META_DATA_JSON.into());
                    self.region = Some(region);
                }
                Ok(None) => metadata_said = Some("meta_data.json has no region_id".into()),
                Err(why) => metadata_said = Some(why),
            }
        }
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(url), _) => Endpoint::parse(url)?,
            (None, Some(region)) => Endpoint::for_region(region)?,
            (None, None) => {
                return Err(Error::Config(format!(
                    "no region or endpoint: set {} or pass an endpoint{}",
                    env::REGION,
                    tried_metadata(metadata_said.as_deref())
                )))
            }
        };

        let caller = Caller::new(&self, credentials)?;
        if let (None, Some(discovery), Some(instance)) =
            (&self.project_id, &discovery, &mut instance)
        {
            self.discover_project(discovery, instance, &caller)?;
        }
        let project_id = ProjectId::new(self.project_id.clone().ok_or_else(|| {
            Error::Config(format!(
                "no project id: pass it to the builder, set {}, or use ClientBuilder::from_env, which also reads the credentials file, the ECS metadata and IAM",
                env::PROJECT_ID
            ))
        })?)?;
        let settings = settings::render(&self, Some(caller.credentials.peek()));
        Ok(Client {
            inner: Arc::new(Inner {
                caller,
                project_id,
                endpoint,
                api: self.api,
                settings,
            }),
        })
    }

    /// Checks every value already given, so that bad input is an error
    /// before a discovery step sends anything.
    fn check_given(&self) -> Result<(), Error> {
        check_duration("connect timeout", self.timeout_connect)?;
        check_duration("timeout", self.timeout)?;
        check_duration("retry deadline", self.retry.call_deadline())?;
        check_duration("retry backoff", self.retry.backoff_cap())?;
        if let Some(id) = &self.project_id {
            ProjectId::new(id.clone())?;
        }
        match (&self.endpoint, &self.region) {
            (Some(url), _) => drop(Endpoint::parse(url)?),
            (None, Some(region)) => drop(Endpoint::for_region(region)?),
            (None, None) => {}
        }
        self.transport.proxy()?;
        self.transport.tls()?;
        Ok(())
    }

    /// The fourth link of the chain: the agency's temporary credentials,
    /// kept fresh by a [`Refreshing`] provider. A failure joins what was tried.
    fn credentials_from_metadata(&mut self, discovery: &Discovery) {
        let fetched = discovery.metadata().and_then(|service| {
            let first = service
                .security_key(discovery.deadline())
                .map_err(|e| e.to_string())?;
            Ok((service, first))
        });
        match fetched {
            Ok((service, first)) => {
                self.origins.credentials = Some(format!(
                    "ECS metadata {} (temporary, refreshed before they expire)",
                    service.base()
                ));
                self.credentials = Some(CredentialProvider::Metadata(Arc::new(Refreshing::new(
                    service, first,
                ))));
            }
            Err(why) => self.credentials_tried.push(why),
        }
    }

    fn no_credentials(&self) -> Error {
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

    /// The project id from `meta_data.json`, else from IAM by region.
    fn discover_project(
        &mut self,
        discovery: &Discovery,
        instance: &mut Instance<'_>,
        caller: &Caller,
    ) -> Result<(), Error> {
        let metadata_said = match instance.get().map(|info| info.project_id) {
            Ok(Some(id)) => {
                self.origins.project_id = Some(META_DATA_JSON.into());
                self.project_id = Some(id);
                return Ok(());
            }
            Ok(None) => Some("meta_data.json has no project_id".to_owned()),
            Err(why) => Some(why),
        };
        let Some(region) = self.region.as_deref() else {
            return Err(Error::Config(format!(
                "no project id, and no region to look it up by in IAM: set {} or {}{}",
                env::PROJECT_ID,
                env::REGION,
                tried_metadata(metadata_said.as_deref())
            )));
        };
        let iam = discovery::iam_endpoint(discovery.iam_endpoint.as_deref(), region)?;
        let found = discovery::project_by_region(caller, &iam, region).map_err(|e| match e {
            Error::ProjectLookup { .. } | Error::InvalidInput { .. } => e,
            // IAM could not be asked (down, refused, no permission): say
            // what was being done and what to set instead.
            other => Error::Config(format!(
                "no project id, and looking it up in IAM at {} failed: {other}; set {} or project_id in the credentials file{}",
                iam.url(),
                env::PROJECT_ID,
                tried_metadata(metadata_said.as_deref())
            )),
        })?;
        self.origins.project_id = Some(found.origin);
        self.project_id = Some(found.project_id);
        Ok(())
    }
}

const META_DATA_JSON: &str = "ECS metadata meta_data.json";

impl Discovery {
    /// The deadline of the build's metadata steps.
    fn deadline(&self) -> Instant {
        self.metadata_deadline
            .unwrap_or_else(|| instant_after(METADATA_BUDGET))
    }

    /// A client of the metadata service, made only when a step needs it.
    fn metadata(&self) -> Result<MetadataService, String> {
        MetadataService::new(self.metadata_url.as_deref()).map_err(|e| e.to_string())
    }
}

/// The instance's `meta_data.json`, asked at most once per build.
struct Instance<'a> {
    discovery: &'a Discovery,
    answer: Option<Result<InstanceInfo, String>>,
}

impl<'a> Instance<'a> {
    fn new(discovery: &'a Discovery) -> Self {
        Instance {
            discovery,
            answer: None,
        }
    }

    fn get(&mut self) -> Result<InstanceInfo, String> {
        let discovery = self.discovery;
        self.answer
            .get_or_insert_with(|| {
                let service = discovery.metadata()?;
                service
                    .instance_info(discovery.deadline())
                    .map_err(|e| e.to_string())
            })
            .clone()
    }
}

fn tried_metadata(failure: Option<&str>) -> String {
    failure
        .map(|why| format!(" (tried the ECS metadata: {why})"))
        .unwrap_or_default()
}
