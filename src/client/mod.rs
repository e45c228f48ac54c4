//! The blocking client: its builder, the settings it shows, and the retry
//! loop around each signed exchange (with skew healing and the refresh of
//! temporary credentials). Configuration sources live in `crate::config`,
//! the wire in `crate::transport`.

#[cfg(feature = "account")]
mod account;
mod builder;
mod call;
mod credentials;
#[cfg(feature = "discovery")]
mod discover;
#[cfg(feature = "bulk")]
mod governor;
#[cfg(feature = "discovery")]
mod refresh;
mod retry;
#[cfg(feature = "explain")]
mod settings;
#[cfg(not(feature = "bulk"))]
mod unpaced;

/// What paces a client's calls: the adaptive governor with `bulk`, else
/// nothing but a count of throttles.
#[cfg(feature = "bulk")]
mod pace {
    pub(crate) use super::governor::{named_limit, Governor as Pace, Verdict};
}
#[cfg(not(feature = "bulk"))]
mod pace {
    pub(crate) use super::unpaced::{named_limit, Unpaced as Pace, Verdict};
}

#[cfg(feature = "account")]
use std::collections::HashMap;
use std::sync::Arc;
#[cfg(feature = "account")]
use std::sync::Mutex;
use std::time::Duration;

use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::ids::ProjectId;
use crate::request::ApiRequest;
use crate::transport::ApiResponse;

use crate::clock::SkewClock;
use crate::transport::{Agent, ApiTimeouts, Prepared, Tls};
#[cfg(feature = "account")]
pub use account::{Account, MalformedProject, Project, ProjectList};
pub use builder::ClientBuilder;
pub(crate) use call::OnThrottle;
use credentials::CredentialProvider;
pub use retry::RetryPolicy;

#[cfg(feature = "explain")]
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
    #[cfg(feature = "explain")]
    explained: Box<ClientBuilder>,
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
    governor: Arc<pace::Pace>,
    /// Every endpoint's governor, by URL, shared by the clients derived
    /// from one build.
    #[cfg(feature = "account")]
    governors: Arc<Mutex<HashMap<String, Arc<pace::Pace>>>>,
    #[cfg(feature = "account")]
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
            #[cfg(feature = "discovery")]
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

    /// The project id.
    pub fn project_id(&self) -> &ProjectId {
        &self.inner.project_id
    }

    /// The region the endpoint serves, when the client was given one (or
    /// made for a project of an [`crate::Account`]).
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
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
        self.inner.caller.call(&prepared, OnThrottle::Wait)
    }

    /// Sends a bodiless call the crate built itself (a validated id in a
    /// fixed path) to the client's endpoint: no request to validate, no
    /// header list to allocate.
    pub(crate) fn send_bodiless(
        &self,
        method: &str,
        target: String,
        on_throttle: OnThrottle,
    ) -> Result<ApiResponse, Error> {
        let headers = [
            ("Content-Type", "application/json"),
            ("X-Project-Id", self.inner.project_id.as_str()),
        ];
        self.inner.caller.call(
            &Prepared {
                method,
                endpoint: &self.inner.endpoint,
                target,
                headers: &headers,
                body: &[],
                success_limit: crate::transport::MAX_SUCCESS_BODY,
            },
            on_throttle,
        )
    }

    /// Throttled answers (429, `APIGW.0308`) this client and its clones
    /// have received.
    pub fn throttled(&self) -> u64 {
        self.inner.caller.governor.throttled()
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
    fn new(
        builder: &ClientBuilder,
        credentials: CredentialProvider,
        tls: Tls,
    ) -> Result<Self, Error> {
        let agent = Agent::api(
            &builder.transport,
            &ApiTimeouts {
                connect: builder.timeout_connect,
                attempt: builder.timeout,
                idle_connections: builder.idle_connections,
            },
            tls,
        )?;
        Ok(Caller {
            agent,
            #[cfg(feature = "bulk")]
            governor: Arc::new(pace::Pace::new(builder.max_rate)),
            #[cfg(not(feature = "bulk"))]
            governor: Arc::new(pace::Pace::new()),
            #[cfg(feature = "account")]
            governors: Arc::default(),
            #[cfg(feature = "account")]
            max_rate: builder.max_rate,
            credentials,
            timeout: builder.timeout,
            retry: builder.retry,
            clock: Arc::new(SkewClock::fixed(builder.fixed_clock)),
        })
    }
}
