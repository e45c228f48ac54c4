//! Local stand-ins for Huawei Cloud, for the tests of programs that use
//! `hwcloud-ecs`: the API gateway in front of ECS ([`FakeGateway`]), the
//! ECS metadata service ([`FakeMetadata`]) and a recording CONNECT proxy
//! ([`FakeProxy`]). Everything listens on loopback only.
//!
//! The fake gateway verifies every request's signature with
//! [`hwcloud_ecs::sign::verify`] (401 `APIGW.0301` on failure, as the real gateway
//! answers), serves both password routes for a configurable set of servers,
//! records what it received, and answers 404 `APIGW.0101` for unknown routes.
//! HTTP/1.1 with keep-alive is served one thread per connection, with
//! `httparse` reading the requests.
//!
//! ```
//! use hwcloud_ecs_fake::FakeGateway;
//! use hwcloud_ecs::{Client, Credentials};
//!
//! let creds = Credentials::new("AK", "SK")?;
//! let gateway = FakeGateway::builder(creds.clone(), "0123456789abcdef0123456789abcdef")
//!     .server("srv-1", "Q0lQSEVSVEVYVA==")
//!     .start()?;
//! let client = Client::builder()
//!     .credentials(creds)
//!     .project_id("0123456789abcdef0123456789abcdef")
//!     .endpoint(gateway.endpoint())
//!     .build()?;
//! client.clear_password("srv-1")?;
//! assert_eq!(gateway.password("srv-1").as_deref(), Some(""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod fleet;
mod metadata;
mod proxy;
mod routes;
mod server;

pub use fleet::FakeServer;
pub use metadata::{FakeMetadata, FakeMetadataBuilder, MetadataRequest, TokenSupport};
pub use proxy::FakeProxy;

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use hwcloud_ecs::sign::{self, Payload, SignableRequest};
use hwcloud_ecs::Credentials;

use fleet::Fleet;
use metadata::KeyRing;
use routes::Answer;
use server::{HttpServer, Incoming, Outgoing, Reply};

/// What the gateway concluded about one request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// The signature verified.
    Accepted,
    /// The signature was refused, with the reason.
    Rejected(String),
    /// An injected fault answered before the signature was checked.
    Faulted,
}

/// A misbehaviour to inject, for testing how a client copes.
///
/// ```
/// use hwcloud_ecs_fake::{FakeGateway, Fault};
/// use hwcloud_ecs::{Client, Credentials, RetryPolicy};
/// use std::time::Duration;
///
/// let creds = Credentials::new("AK", "SK")?;
/// let gateway = FakeGateway::builder(creds.clone(), "p1").server("s1", "").start()?;
/// gateway.fail_next(2, Fault::status(503));
/// let client = Client::builder()
///     .credentials(creds)
///     .project_id("p1")
///     .endpoint(gateway.endpoint())
///     .retry(RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(5)))
///     .build()?;
/// client.clear_password("s1")?; // succeeds on the third attempt
/// assert_eq!(gateway.requests().len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status, body and optional `Retry-After` value.
    Status {
        /// HTTP status.
        status: u16,
        /// Body, sent as is.
        body: String,
        /// `Retry-After` header value, if any.
        retry_after: Option<String>,
    },
    /// Answer with this status and body, and these headers in place of
    /// the gateway's own of the same name (e.g. a `Date` of its choosing).
    Answer {
        /// HTTP status.
        status: u16,
        /// Body, sent as is (JSON).
        body: String,
        /// Headers to send, replacing the defaults of the same name.
        headers: Vec<(String, String)>,
    },
    /// Close the connection without answering.
    Reset,
    /// Accept the request and never answer.
    Stall,
    /// Answer 200 with a password body sent one byte every `interval`.
    Trickle {
        /// Pause before each byte.
        interval: Duration,
    },
    /// Answer 200 announcing a JSON body, send half of it, and close.
    Truncated,
    /// Answer `status` with a body of `len` filler bytes.
    Huge {
        /// HTTP status.
        status: u16,
        /// Body length in bytes.
        len: u64,
    },
}

impl Fault {
    /// `status` with the gateway's JSON error body.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            body: routes::gateway_error_body(status),
            retry_after: None,
        }
    }

    /// 429 `APIGW.0308` (throttled) with `Retry-After: {retry_after}`.
    pub fn throttled(retry_after: impl Into<String>) -> Self {
        Fault::Status {
            status: 429,
            body: routes::gateway_error_body(429),
            retry_after: Some(retry_after.into()),
        }
    }

    /// 401 `APIGW.0301` saying the signature expired, with the gateway's
    /// `Date` set to `date` (an HTTP-date, sensible or not).
    pub fn expired_signature(date: impl Into<String>) -> Self {
        Fault::Answer {
            status: 401,
            body: routes::signature_failure("the signature expired", "fault")
                .body
                .unwrap_or_default(),
            headers: vec![("Date".to_owned(), date.into())],
        }
    }

    /// `status` with `body` sent verbatim (HTML, non-JSON, ...).
    pub fn raw(status: u16, body: impl Into<String>) -> Self {
        Fault::Status {
            status,
            body: body.into(),
            retry_after: None,
        }
    }
}

/// One request as the gateway received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// Method.
    pub method: String,
    /// Request target (path and query) exactly as received.
    pub target: String,
    /// Headers as received, in order. The security token's value is kept
    /// out: it is replaced by `<redacted>`.
    pub headers: Vec<(String, String)>,
    /// The signature verdict.
    pub verdict: Verdict,
    /// The status answered.
    pub status: u16,
    /// The client's address (one per connection).
    pub peer: Option<SocketAddr>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Configures a [`FakeGateway`].
#[derive(Debug)]
pub struct FakeGatewayBuilder {
    credentials: Credentials,
    project_id: String,
    fleet: Fleet,
    clock_offset_secs: i64,
    latency: Duration,
    tls: Option<Arc<rustls::ServerConfig>>,
    temporary_keys: Option<KeyRing>,
    iam_projects: Option<Vec<String>>,
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
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(&e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| invalid(&e))?;
        self.tls = Some(Arc::new(config));
        Ok(self)
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
            tls: None,
            temporary_keys: None,
            iam_projects: None,
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

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear();
    }

    /// Changes the gateway's clock offset, in seconds.
    pub fn set_clock_offset(&self, seconds: i64) {
        *lock(&self.state.clock_offset_secs) = seconds;
    }
}

struct State {
    credentials: Credentials,
    temporary_keys: Option<KeyRing>,
    iam_projects: Vec<String>,
    project_id: String,
    fleet: Mutex<Fleet>,
    latency: Duration,
    requests: Mutex<Vec<RecordedRequest>>,
    clock_offset_secs: Mutex<i64>,
    next_request_id: AtomicU64,
    faults: Mutex<VecDeque<(usize, Fault)>>,
}

impl State {
    /// The gateway's clock: the machine's, shifted by the configured offset.
    // The fake stands for another machine, with a clock of its own.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> SystemTime {
        let offset = *lock(&self.clock_offset_secs);
        let base = SystemTime::now();
        let shift = Duration::from_secs(offset.unsigned_abs());
        if offset >= 0 {
            base + shift
        } else {
            base - shift
        }
    }

    /// The credentials to verify with: the temporary set whose access key
    /// the request names, else the gateway's own.
    fn key_for(&self, headers: &[(String, String)]) -> Credentials {
        let claimed = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .and_then(|(_, v)| sign::parse_authorization(v).ok());
        match (&self.temporary_keys, claimed) {
            (Some(ring), Some(auth)) => ring
                .find(&auth.access_key)
                .unwrap_or_else(|| self.credentials.clone()),
            _ => self.credentials.clone(),
        }
    }

    /// Takes the fault for this request, if one is queued.
    fn next_fault(&self) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let (count, fault) = faults.front_mut()?;
        let fault = fault.clone();
        if *count != usize::MAX {
            *count -= 1;
            if *count == 0 {
                faults.pop_front();
            }
        }
        Some(fault)
    }

    fn handle(&self, request: Incoming) -> Reply {
        let request_id = format!(
            "{:032x}",
            self.next_request_id.fetch_add(1, Ordering::Relaxed)
        );
        let Incoming {
            method,
            target,
            headers,
            body,
            peer,
        } = request;
        if !self.latency.is_zero() {
            std::thread::sleep(self.latency);
        }
        let now = self.now();
        if let Some(fault) = self.next_fault() {
            let reply = fault_reply(fault, &request_id, now);
            let status = match &reply {
                Reply::Respond(r)
                | Reply::Trickle(r, _)
                | Reply::Truncate(r, _)
                | Reply::Huge(r, _) => r.status,
                Reply::Close | Reply::Stall => 0,
            };
            self.record(method, target, headers, Verdict::Faulted, status, peer);
            return reply;
        }

        let mut signable =
            SignableRequest::new(&method, "", &target).payload(Payload::Bytes(&body));
        for (name, value) in &headers {
            signable = signable.header(name, value);
        }
        let verdict = sign::verify(&signable, &self.key_for(&headers), now)
            .map(|_| ())
            .map_err(|e| e.to_string());
        let answer = match &verdict {
            Err(why) => routes::signature_failure(why, &request_id),
            Ok(()) if routes::is_iam_projects(&method, &target) => {
                routes::iam_projects(&target, &self.iam_projects)
            }
            Ok(()) => routes::route(
                &method,
                &target,
                &self.project_id,
                &mut lock(&self.fleet),
                &request_id,
            ),
        };
        let verdict = match verdict {
            Ok(()) => Verdict::Accepted,
            Err(why) => Verdict::Rejected(why),
        };
        self.record(method, target, headers, verdict, answer.status, peer);
        Reply::Respond(to_response(answer, &request_id, now))
    }

    fn record(
        &self,
        method: String,
        target: String,
        headers: Vec<(String, String)>,
        verdict: Verdict,
        status: u16,
        peer: SocketAddr,
    ) {
        lock(&self.requests).push(RecordedRequest {
            method,
            target,
            headers: headers
                .into_iter()
                .map(|(n, v)| {
                    if n.eq_ignore_ascii_case(sign::HEADER_SECURITY_TOKEN) {
                        (n, "<redacted>".to_owned())
                    } else {
                        (n, v)
                    }
                })
                .collect(),
            verdict,
            status,
            peer: Some(peer),
        });
    }
}

/// Locks, recovering the data if a thread panicked while holding it: a
/// test that fails must not take the fake down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn fault_reply(fault: Fault, request_id: &str, now: SystemTime) -> Reply {
    let password = || Answer {
        status: 200,
        body: Some(r#"{"password":"Q0lQSEVSVEVYVA=="}"#.to_owned()),
    };
    match fault {
        Fault::Status {
            status,
            body,
            retry_after,
        } => {
            let mut out = to_response(
                Answer {
                    status,
                    body: Some(body),
                },
                request_id,
                now,
            );
            if let Some(value) = retry_after {
                out.headers.push(("Retry-After".to_owned(), value));
            }
            Reply::Respond(out)
        }
        Fault::Answer {
            status,
            body,
            headers,
        } => {
            let mut out = to_response(
                Answer {
                    status,
                    body: Some(body),
                },
                request_id,
                now,
            );
            for (name, value) in headers {
                out.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
                out.headers.push((name, value));
            }
            Reply::Respond(out)
        }
        Fault::Reset => Reply::Close,
        Fault::Stall => Reply::Stall,
        Fault::Trickle { interval } => {
            Reply::Trickle(to_response(password(), request_id, now), interval)
        }
        Fault::Truncated => {
            let out = to_response(password(), request_id, now);
            let half = out.body.len() / 2;
            Reply::Truncate(out, half)
        }
        Fault::Huge { status, len } => Reply::Huge(
            to_response(Answer { status, body: None }, request_id, now),
            len,
        ),
    }
}

fn to_response(answer: Answer, request_id: &str, now: SystemTime) -> Outgoing {
    let mut headers = vec![
        ("X-Request-Id".to_owned(), request_id.to_owned()),
        ("Date".to_owned(), httpdate::fmt_http_date(now)),
    ];
    let body = match answer.body {
        Some(body) => {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
            body.into_bytes()
        }
        None => Vec::new(),
    };
    Outgoing {
        status: answer.status,
        headers,
        body,
    }
}
