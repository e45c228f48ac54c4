//! The blocking client: builder, configuration and the signed exchange.
//!
//! This is the only module that talks to ureq, and the only one that reads
//! the wall clock.

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ureq::http;

use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::error::{ApiError, Error};
use crate::error_body::{parse_error_body, snippet};
use crate::ids::ProjectId;
use crate::request::{ApiRequest, ApiResponse};
use crate::sign::{self, Payload, SignableRequest};

/// Largest success body read; password answers are a few hundred bytes.
pub const MAX_SUCCESS_BODY: u64 = 1024 * 1024;
/// Largest error body read; longer ones are cut.
pub const MAX_ERROR_BODY: u64 = 64 * 1024;

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
        }
    }
}

impl ClientBuilder {
    /// A builder preloaded from the official SDK environment variables
    /// ([`env`]); later setters override them.
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
        let mut builder = ClientBuilder::default();
        match (get(env::AK), get(env::SK)) {
            (Some(ak), Some(sk)) => {
                let mut creds = Credentials::new(ak, sk)?;
                if let Some(token) = get(env::SECURITY_TOKEN) {
                    creds = creds.with_security_token(token)?;
                }
                builder.credentials = Some(creds);
            }
            (Some(_), None) => {
                return Err(Error::Config(format!(
                    "{} is set but {} is not",
                    env::AK,
                    env::SK
                )))
            }
            (None, Some(_)) => {
                return Err(Error::Config(format!(
                    "{} is set but {} is not",
                    env::SK,
                    env::AK
                )))
            }
            (None, None) => {}
        }
        builder.project_id = get(env::PROJECT_ID);
        builder.region = get(env::REGION);
        Ok(builder)
    }

    /// The AK/SK (and optional security token). Required.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The project id used in paths and `X-Project-Id`. Required.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// The region, giving `https://ecs.{region}.myhuaweicloud.com`. An
    /// explicit [`Self::endpoint`] wins over it.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
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

    /// How many idle keep-alive connections per host the pool keeps for
    /// reuse; size it to the number of threads sharing the client.
    /// Defaults to 32.
    pub fn idle_connections(mut self, count: usize) -> Self {
        self.idle_connections = count;
        self
    }

    /// Validates everything and builds the client; nothing is sent.
    ///
    /// # Errors
    /// [`Error::Config`] when credentials, the project id or both region and
    /// endpoint are missing; [`Error::InvalidInput`] when one is malformed.
    pub fn build(self) -> Result<Client, Error> {
        let credentials = self.credentials.ok_or_else(|| {
            Error::Config(format!(
                "no credentials: pass them to the builder or set {} and {}",
                env::AK,
                env::SK
            ))
        })?;
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
            .build();
        Ok(Client {
            inner: Arc::new(Inner {
                agent: ureq::Agent::new_with_config(config),
                credentials,
                project_id,
                endpoint,
                api: self.api,
                timeout: self.timeout,
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

    /// A client configured only from the environment ([`env`]).
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
        let endpoint = endpoint.as_ref().unwrap_or(&self.inner.endpoint);
        let target = request.target();
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
        let mut signable = SignableRequest::new(&request.method, endpoint.authority(), &target)
            .payload(Payload::Bytes(&request.body));
        for (name, value) in &headers {
            signable = signable.header(name, value);
        }
        // The one wall-clock read: the signer itself never looks at a clock.
        let signed = sign::sign(&signable, &self.inner.credentials, SystemTime::now());

        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(format!("{}{target}", endpoint.url()));
        for (name, value) in headers.iter().copied() {
            builder = builder.header(name, value);
        }
        for (name, value) in signed.headers() {
            builder = builder.header(name, value);
        }
        log::debug!("{} {}{target}", request.method, endpoint.url());
        // A bodiless call goes without a body, so no Content-Length is added.
        let agent = &self.inner.agent;
        let sent = if request.body.is_empty() {
            builder.body(()).map(|r| agent.run(r))
        } else {
            builder.body(request.body.clone()).map(|r| agent.run(r))
        };
        let started = Instant::now();
        let mut response = sent
            .map_err(|e| Error::invalid("request", e.to_string()))?
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let success = (200..300).contains(&status);
        let limit = if success {
            MAX_SUCCESS_BODY
        } else {
            MAX_ERROR_BODY
        };
        let mut body = read_bounded(
            response.body_mut().with_config().limit(u64::MAX).reader(),
            limit + 1,
            started + self.inner.timeout,
        )?;
        log::debug!(
            "answer {status}, request id {request_id:?}, {} body bytes",
            body.len()
        );
        if success {
            if body.len() as u64 > limit {
                return Err(Error::InvalidResponse {
                    status,
                    reason: format!("body exceeds {limit} bytes"),
                    snippet: snippet(&body[..512]).unwrap_or_default(),
                });
            }
            return Ok(ApiResponse {
                status,
                request_id,
                body,
            });
        }
        body.truncate(limit as usize);
        let parsed = parse_error_body(&body);
        Err(Error::Api(Box::new(ApiError {
            status,
            code: parsed.code,
            message: parsed.message,
            request_id: request_id.or(parsed.request_id),
            snippet: parsed.snippet,
        })))
    }
}

/// Reads at most `limit` bytes, failing with a timeout once `deadline`
/// passes, so that a body trickled byte by byte cannot hold the call forever.
fn read_bounded(mut reader: impl Read, limit: u64, deadline: Instant) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    let mut chunk = [0u8; 8192];
    while (body.len() as u64) < limit {
        let want = chunk.len().min((limit - body.len() as u64) as usize);
        let n = reader.read(&mut chunk[..want]).map_err(io_error)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
        if Instant::now() > deadline {
            return Err(Error::Timeout {
                message: "the response body did not arrive within the timeout".into(),
                source: None,
            });
        }
    }
    Ok(body)
}

fn transport_error(error: ureq::Error) -> Error {
    match error {
        ureq::Error::Timeout(which) => Error::Timeout {
            message: format!("{which}"),
            source: Some(Box::new(ureq::Error::Timeout(which))),
        },
        ureq::Error::Io(io) => io_error(io),
        other => Error::Transport {
            message: other.to_string(),
            source: Some(Box::new(other)),
        },
    }
}

fn io_error(error: std::io::Error) -> Error {
    use std::io::ErrorKind;
    // ureq reports a timeout while reading the body as an io::Error wrapping its own.
    let is_timeout = matches!(error.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock)
        || error
            .get_ref()
            .and_then(|e| e.downcast_ref::<ureq::Error>())
            .is_some_and(|e| matches!(e, ureq::Error::Timeout(_)));
    if is_timeout {
        Error::Timeout {
            message: error.to_string(),
            source: Some(Box::new(error)),
        }
    } else {
        Error::Transport {
            message: error.to_string(),
            source: Some(Box::new(error)),
        }
    }
}
