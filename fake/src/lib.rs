//! Local stand-ins for Huawei Cloud, for the tests of programs that use
//! `hwcloud-ecs`: the API gateway in front of ECS ([`FakeGateway`]), the
//! ECS metadata service ([`FakeMetadata`]) and a recording CONNECT proxy
//! ([`FakeProxy`]). Everything listens on loopback only.
//!
//! The fake gateway verifies every request's signature with
//! [`hwcloud_sign::verify`] (401 `APIGW.0301` on failure, as the real gateway
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
/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod dispatch;
mod fleet;
mod gateway;
mod metadata;
mod proxy;
mod ratelimit;
mod routes;
mod server;

pub use fleet::FakeServer;
pub use gateway::{FakeGateway, FakeGatewayBuilder};
pub use metadata::{FakeMetadata, FakeMetadataBuilder, MetadataRequest, TokenSupport};
pub use proxy::FakeProxy;
pub use ratelimit::RateStats;

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

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
    /// The rate limit answered 429 before the signature was checked.
    Throttled,
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

/// Locks, recovering the data if a thread panicked while holding it: a
/// test that fails must not take the fake down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
