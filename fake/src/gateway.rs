//! The public face of the fake gateway: its builder and the running
//! gateway's handle (endpoint, recorded requests, injected faults).

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hwcloud_sign::Credentials;

use crate::dispatch::State;
use crate::fleet::Fleet;
use crate::metadata::{FakeMetadata, KeyRing};
use crate::server::HttpServer;
use crate::{lock, FakeServer, Fault, RecordedRequest};

/// Configures a [`FakeGateway`].
#[derive(Debug)]
pub struct FakeGatewayBuilder {
    credentials: Credentials,
    project_id: String,
    fleet: Fleet,
    clock_offset_secs: i64,
    latency: Duration,
    rate_limit: Option<crate::ratelimit::RateLimit>,
    tls: Option<Arc<rustls::ServerConfig>>,
    temporary_keys: Option<KeyRing>,
    iam_projects: Option<Vec<String>>,
    account_projects: Option<Vec<(String, String, bool)>>,
}

impl FakeGatewayBuilder {
    /// Also accepts the temporary credentials `metadata` hands out (each
    /// only with its own security token), as the real gateway accepts an
    /// ECS agency's.
    pub fn accept_metadata_credentials(mut self, metadata: &FakeMetadata) -> Self {
        self.temporary_keys = Some(metadata.keys());
        self
    }

    /// The projects IAM's `GET /v3/projects?name={region}` lists, whatever
    /// the name asked for: none, one or several ids. Defaults to the
    /// gateway's own project id.
    pub fn iam_projects<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.iam_projects = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// Lists this project in IAM's `GET /v3/auth/projects` (by default the
    /// gateway's own project, named `cn-north-4`). Call once per project;
    /// it is listed, not served: see [`Self::project`].
    pub fn account_project(
        mut self,
        id: impl Into<String>,
        name: impl Into<String>,
        enabled: bool,
    ) -> Self {
        self.account_projects
            .get_or_insert_with(Vec::new)
            .push((id.into(), name.into(), enabled));
        self
    }

    /// Also serves project `id` (its servers are those made with
    /// [`FakeServer::in_project`]), as one regional gateway serves every
    /// project of its region.
    pub fn project(mut self, id: impl Into<String>) -> Self {
        self.fleet.projects.push(id.into());
        self
    }

    /// Refuses every call in project `id` with 403 `APIGW.0302`, as for an
    /// IAM user without permission there.
    pub fn forbid_project(mut self, id: impl Into<String>) -> Self {
        self.fleet.forbidden.push(id.into());
        self
    }

    /// A Windows server storing `ciphertext`, from [`FakeServer::windows`].
    pub fn windows_server(self, id: impl Into<String>, ciphertext: impl Into<String>) -> Self {
        self.with_server(FakeServer::windows(id, ciphertext))
    }

    /// Adds a server whose stored encrypted password is `ciphertext` (empty
    /// for none).
    pub fn server(mut self, id: impl Into<String>, ciphertext: impl Into<String>) -> Self {
        self.fleet.add(FakeServer::windows(id, ciphertext));
        self
    }

    /// Adds a server described in full (Linux, delayed password, broken...).
    pub fn with_server(mut self, server: FakeServer) -> Self {
        self.fleet.add(server);
        self
    }

    /// Serves HTTPS with this certificate chain and private key (PEM), e.g.
    /// one issued by a private CA, to test custom root certificates.
    ///
    /// # Errors
    /// [`io::ErrorKind::InvalidInput`] when the PEM cannot be used.
    pub fn tls(mut self, cert_chain_pem: &[u8], private_key_pem: &[u8]) -> io::Result<Self> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let invalid =
            |e: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidInput, e.to_string());
        let chain = CertificateDer::pem_slice_iter(cert_chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(&e))?;
        let key = PrivateKeyDer::from_pem_slice(private_key_pem).map_err(|e| invalid(&e))?;
        // The crate's one provider (ring, by its features), with the safe
        // default protocol versions.
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| invalid(&e))?;
        self.tls = Some(Arc::new(config));
        Ok(self)
    }

    /// Limits the requests it lets through with a token bucket of
    /// `per_second`, with bursts of up to `burst`, answering the rest 429
    /// `APIGW.0308` as the real gateway does: no `Retry-After`, the limit
    /// stated in the message (`…,limit:N,time:1 second`). Defaults to no
    /// limit.
    pub fn rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.rate_limit = Some(crate::ratelimit::RateLimit::bucket(per_second, burst, true));
        self
    }

    /// [`Self::rate_limit`], with a 429 that does not state its limit
    /// (`The throttling threshold has been reached`, nothing more), as
    /// other services, proxies and IP-level policies answer.
    pub fn rate_limit_unnamed(mut self, per_second: f64, burst: u32) -> Self {
        self.rate_limit = Some(crate::ratelimit::RateLimit::bucket(
            per_second, burst, false,
        ));
        self
    }

    /// Lets at most `count` requests through in each fixed window of `per`
    /// (the windows aligned to the wall clock, as a gateway's counters
    /// are), answering the rest 429 `APIGW.0308` stating
    /// `limit:count,time:per` and no `Retry-After`: throttled in one
    /// window, allowed again in the next.
    pub fn rate_limit_window(mut self, count: u32, per: Duration) -> Self {
        self.rate_limit = Some(crate::ratelimit::RateLimit::window(count, per));
        self
    }

    /// The same stated limit (`limit:count,time:per`) kept as a token
    /// bucket instead: `count / per` a second on average, bursts of `count`.
    pub fn rate_limit_bucket(mut self, count: u32, per: Duration) -> Self {
        self.rate_limit = Some(crate::ratelimit::RateLimit::bucket_stated(count, per));
        self
    }

    /// Delays every answer by `latency`, like a real network. Defaults to 0.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// The server listing's `count` claims `count` servers, whatever the
    /// fleet holds. Defaults to the fleet's size.
    pub fn listing_count(mut self, count: u64) -> Self {
        self.fleet.claimed_count = Some(count);
        self
    }

    /// The server listing ignores `offset`: every page is the first one,
    /// as a broken or hostile service could answer. Defaults to off.
    pub fn listing_ignores_offset(mut self) -> Self {
        self.fleet.ignores_offset = true;
        self
    }

    /// The server listing ignores `marker`: a page asked with one is the
    /// first page again.
    pub fn listing_ignores_marker(mut self) -> Self {
        self.fleet.ignores_marker = true;
        self
    }

    /// The server listing serves at most `cap` servers a page, whatever
    /// `limit` asks. Defaults to the API's 1,000.
    pub fn listing_page_cap(mut self, cap: usize) -> Self {
        self.fleet.page_cap = Some(cap.max(1));
        self
    }

    /// Shifts the gateway's clock (for skew tests). Defaults to 0.
    pub fn clock_offset(mut self, seconds: i64) -> Self {
        self.clock_offset_secs = seconds;
        self
    }

    /// Binds `127.0.0.1:0` and starts serving.
    ///
    /// # Errors
    /// The bind error.
    pub fn start(self) -> io::Result<FakeGateway> {
        self.start_on("127.0.0.1:0")
    }

    /// Binds `addr` (e.g. `127.0.0.1:8080`) and starts serving.
    ///
    /// # Errors
    /// The bind error.
    pub fn start_on(mut self, addr: &str) -> io::Result<FakeGateway> {
        self.fleet.start_clock();
        let state = Arc::new(State {
            credentials: self.credentials,
            temporary_keys: self.temporary_keys,
            account_projects: self
                .account_projects
                .unwrap_or_else(|| vec![(self.project_id.clone(), "cn-north-4".to_owned(), true)]),
            iam_projects: self
                .iam_projects
                .unwrap_or_else(|| vec![self.project_id.clone()]),
            project_id: self.project_id,
            fleet: Mutex::new(self.fleet),
            latency: self.latency,
            requests: Mutex::new(Vec::new()),
            clock_offset_secs: Mutex::new(self.clock_offset_secs),
            next_request_id: AtomicU64::new(1),
            faults: Mutex::new(VecDeque::new()),
            rewrites: Mutex::new(Vec::new()),
            rate_limit: self.rate_limit.map(Mutex::new),
        });
        let handler_state = Arc::clone(&state);
        let server = HttpServer::start(
            addr,
            Arc::new(move |request| handler_state.handle(request)),
            self.tls.clone(),
        )?;
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        Ok(FakeGateway {
            endpoint: format!("{scheme}://{}", server.local_addr()),
            server,
            state,
        })
    }
}

/// A running fake gateway; it stops when dropped.
pub struct FakeGateway {
    endpoint: String,
    server: HttpServer,
    state: Arc<State>,
}

impl std::fmt::Debug for FakeGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGateway")
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl FakeGateway {
    /// A gateway that accepts requests signed with `credentials` for
    /// `project_id`.
    pub fn builder(credentials: Credentials, project_id: impl Into<String>) -> FakeGatewayBuilder {
        FakeGatewayBuilder {
            credentials,
            project_id: project_id.into(),
            fleet: Fleet::default(),
            clock_offset_secs: 0,
            latency: Duration::ZERO,
            rate_limit: None,
            tls: None,
            temporary_keys: None,
            iam_projects: None,
            account_projects: None,
        }
    }

    /// `http://127.0.0.1:{port}` (`https://` when serving TLS).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.requests).clone()
    }

    /// How many client connections the gateway has accepted.
    pub fn connections(&self) -> usize {
        self.server.connections()
    }

    /// The stored ciphertext of a server: `Some("")` once cleared, `None`
    /// for an unknown server.
    pub fn password(&self, server_id: &str) -> Option<String> {
        lock(&self.state.fleet).visible_password(server_id)
    }

    /// Answers each of the next `count` requests with `fault` instead of
    /// serving them (after faults queued earlier). `usize::MAX` means for ever.
    pub fn fail_next(&self, count: usize, fault: Fault) {
        lock(&self.state.faults).push_back((count, fault));
    }

    /// What the rate limit let through and refused (all zero without one).
    pub fn rate_stats(&self) -> crate::RateStats {
        match &self.state.rate_limit {
            Some(limit) => lock(limit).stats(),
            None => crate::ratelimit::RateLimit::bucket(1.0, 1, true).stats(),
        }
    }

    /// Replaces the value of header `name` in every later request before
    /// it is verified, as a proxy that rewrites headers would.
    pub fn rewrite_header(&self, name: impl Into<String>, value: impl Into<String>) {
        lock(&self.state.rewrites).push((name.into(), value.into()));
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear();
    }

    /// Changes the gateway's clock offset, in seconds.
    pub fn set_clock_offset(&self, seconds: i64) {
        *lock(&self.state.clock_offset_secs) = seconds;
    }
}
