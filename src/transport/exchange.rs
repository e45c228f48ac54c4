//! One attempt: sign with the given time, send with ureq, read the answer
//! within its bounds.

use std::io::Read;
use std::time::{Duration, Instant, SystemTime};

use ureq::http;

use crate::endpoint::Endpoint;
use crate::error::{ApiError, Error};
use crate::error_body::{parse_error_body, snippet};
use crate::sign::Credentials;
use crate::sign::{self, Payload, SignableRequest};

use super::response::{ApiResponse, Headers};

/// Largest success body read; password answers are a few hundred bytes.
pub(crate) const MAX_SUCCESS_BODY: u64 = 1024 * 1024;
/// Largest error body read; longer ones are cut.
pub(crate) const MAX_ERROR_BODY: u64 = 64 * 1024;

/// A request ready to sign: everything but the time.
pub(crate) struct Prepared<'a> {
    pub method: &'a str,
    pub endpoint: &'a Endpoint,
    pub target: String,
    /// Headers to send and sign, besides those the signer adds.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    /// The largest success body read.
    pub success_limit: u64,
}

/// A failed attempt, with what the retry logic needs from the answer.
pub(crate) struct Failure {
    pub error: Error,
    /// The raw `Retry-After` value, when the answer had one.
    pub retry_after: Option<String>,
    /// The gateway's `Date`, when the answer had one.
    pub server_date: Option<SystemTime>,
    /// A failure that another attempt cannot mend (TLS verification, the
    /// proxy refusing us, no such host).
    pub permanent: bool,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            retry_after: None,
            server_date: None,
            permanent: false,
        }
    }
}

/// Time limits of one attempt.
pub(crate) struct Limits {
    /// The configured per-attempt timeout.
    pub timeout: Duration,
    /// What is left of the call's deadline.
    pub remaining: Duration,
}

/// Signs `prepared` at `sign_time`, sends it, and reads the answer within
/// `limits`: a 2xx is the response, anything else a [`Failure`] that says
/// whether another attempt could mend it.
pub(crate) fn exchange(
    agent: &super::Agent,
    credentials: &Credentials,
    prepared: &Prepared<'_>,
    sign_time: SystemTime,
    limits: Limits,
) -> Result<ApiResponse, Failure> {
    let mut signable = SignableRequest::new(
        prepared.method,
        prepared.endpoint.authority(),
        &prepared.target,
    )
    .payload(Payload::Bytes(prepared.body));
    for (name, value) in prepared.headers {
        signable = signable.header(name, value);
    }
    let signed = sign::sign(&signable, credentials, sign_time);
    log::trace!(
        "canonical request:\n{}",
        signed.canonical_request_redacted()
    );

    let base = prepared.endpoint.url();
    let mut uri = String::with_capacity(base.len() + prepared.target.len());
    uri.push_str(base);
    uri.push_str(&prepared.target);
    let mut builder = http::Request::builder().method(prepared.method).uri(uri);
    for (name, value) in prepared.headers {
        builder = builder.header(*name, *value);
    }
    for (name, value) in signed.headers() {
        builder = builder.header(name, value);
    }
    log::debug!(
        "{} {}{}",
        prepared.method,
        prepared.endpoint.url(),
        prepared.target
    );

    // The fixed agent timeouts are free; a tighter one for the end of the
    // call's deadline is set on this request only.
    let bound = limits.timeout.min(limits.remaining);
    let tighter = bound < limits.timeout;
    let started = Instant::now();
    // A bodiless GET or DELETE goes without a length; an empty POST or PUT
    // goes with `Content-Length: 0`, as the official SDK sends it, not as
    // a chunked upload of nothing.
    let no_body = prepared.body.is_empty() && matches!(prepared.method, "GET" | "DELETE" | "HEAD");
    let sent = if no_body {
        builder
            .body(())
            .map(|r| run(&agent.agent, r, tighter, bound))
    } else {
        builder
            .body(prepared.body)
            .map(|r| run(&agent.agent, r, tighter, bound))
    };
    let mut response = sent
        .map_err(|e| Error::invalid("request", e.to_string()))?
        .map_err(|e| transport_failure(e, prepared, agent.proxy.as_ref()))?;

    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let request_id = header("x-request-id");
    let success = (200..300).contains(&status);
    // What the retry logic needs, read only from an answer it will see.
    let (retry_after, server_date) = if success {
        (None, None)
    } else {
        (
            header("retry-after"),
            header("date").and_then(|d| httpdate::parse_http_date(&d).ok()),
        )
    };
    let limit = if success {
        prepared.success_limit
    } else {
        MAX_ERROR_BODY
    };
    let mut body = read_bounded(
        response.body_mut().with_config().limit(u64::MAX).reader(),
        limit + 1,
        started + bound,
    )
    .map_err(|e| naming_the_host(e, prepared, agent.proxy.as_ref()))?;
    log::debug!(
        "answer {status}, request id {request_id:?}, {} body bytes",
        body.len()
    );
    if success {
        if body.len() as u64 > limit {
            return Err(Error::InvalidResponse {
                status,
                reason: format!("body exceeds {limit} bytes"),
                snippet: snippet(body.get(..2048).unwrap_or(&body)).unwrap_or_default(),
            }
            .into());
        }
        return Ok(ApiResponse {
            status,
            request_id,
            headers: Headers(std::mem::take(response.headers_mut())),
            body,
        });
    }
    body.truncate(limit as usize);
    let parsed = parse_error_body(&body);
    // A refused signature that quotes the gateway's canonical request: set
    // ours beside it while we still have it.
    let diagnosis = match (status, &parsed.message) {
        (401, Some(message)) => sign::compare_quoted(signed.canonical_request(), message),
        _ => None,
    };
    // The quote holds our security token: it is never kept.
    let message = parsed.message.as_deref().map(sign::redact_quoted);
    Err(Failure {
        error: Error::Api(Box::new(ApiError {
            status,
            code: parsed.code,
            message,
            request_id: request_id.or(parsed.request_id),
            snippet: parsed.snippet,
            attempts: 1,
            retry_after: None,
            diagnosis,
        })),
        retry_after,
        server_date,
        permanent: false,
    })
}

/// Sends `request`. The agent bounds each phase by the attempt timeout, the
/// body as a whole included (ureq's `recv_body`, so that a body trickled a
/// byte at a time cannot stretch an attempt); when the call's deadline is
/// nearer than that (`tighter`), the whole attempt is held to what is left
/// of it (ureq's per-call deadline) and so is every phase.
fn run<B: ureq::AsSendBody>(
    agent: &ureq::Agent,
    request: http::Request<B>,
    tighter: bool,
    bound: Duration,
) -> Result<http::Response<ureq::Body>, ureq::Error> {
    if !tighter {
        return agent.run(request);
    }
    let request = agent
        .configure_request(request)
        .timeout_per_call(Some(bound))
        .timeout_per_read(Some(bound))
        .timeout_per_write(Some(bound))
        .timeout_connect(Some(bound))
        .timeout_recv_response(Some(bound))
        .timeout_recv_body(Some(bound))
        .build();
    agent.run(request)
}

/// Reads at most `limit` bytes, failing with a timeout once `deadline`
/// passes, so that a body trickled byte by byte cannot hold the call forever.
pub(super) fn read_bounded(
    mut reader: impl Read,
    limit: u64,
    deadline: Instant,
) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    // Small: it is zeroed on every call, and most answers are a few hundred bytes.
    let mut chunk = [0u8; 2048];
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
                attempts: 1,
                source: None,
            });
        }
    }
    Ok(body)
}

/// A transport error naming the host (and the proxy, when one was in the
/// way), and whether another attempt could mend it.
fn transport_failure(
    error: ureq::Error,
    prepared: &Prepared<'_>,
    proxy: Option<&ureq::Proxy>,
) -> Failure {
    let permanent = is_permanent(&error);
    Failure {
        permanent,
        ..Failure::from(naming_the_host(transport_error(error), prepared, proxy))
    }
}

/// A transport error or timeout whose message starts with the host (and
/// the proxy, when one was in the way), wherever in the exchange it came.
fn naming_the_host(
    mut error: Error,
    prepared: &Prepared<'_>,
    proxy: Option<&ureq::Proxy>,
) -> Error {
    if let Error::Transport { message, .. } | Error::Timeout { message, .. } = &mut error {
        let host = prepared.endpoint.authority();
        *message = match proxy_in_the_way(proxy, prepared.endpoint) {
            Some(via) => format!("{host} via proxy {via}: {message}"),
            None => format!("{host}: {message}"),
        };
    }
    error
}

/// The proxy a request to `endpoint` goes through, shown without its
/// credentials.
fn proxy_in_the_way(proxy: Option<&ureq::Proxy>, endpoint: &Endpoint) -> Option<String> {
    let proxy = proxy?;
    let uri: http::Uri = endpoint.url().parse().ok()?;
    (!proxy.is_no_proxy(&uri)).then(|| format!("http://{}:{}", proxy.host(), proxy.port()))
}

/// Failures that come out the same however often they are tried: the
/// certificate does not verify, the proxy refuses the tunnel (407, 403),
/// the name does not resolve, the URL or the proxy URL is malformed.
fn is_permanent(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::Pem(_)
        | ureq::Error::HostNotFound
        | ureq::Error::BadUri(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::Http(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::TlsRequired => true,
        // "proxy server responded 407/...": a refusal; "did not respond" may pass.
        ureq::Error::ConnectProxyFailed(why) => why.contains("responded"),
        // rustls reports a certificate or handshake it refuses as an I/O
        // error of kind InvalidData; a socket never does.
        ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::InvalidData,
        _ => false,
    }
}

fn transport_error(error: ureq::Error) -> Error {
    match error {
        ureq::Error::Timeout(which) => Error::Timeout {
            message: format!("{which}"),
            attempts: 1,
            source: Some(Box::new(ureq::Error::Timeout(which))),
        },
        ureq::Error::Io(io) => io_error(io),
        other => Error::Transport {
            message: other.to_string(),
            attempts: 1,
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
            attempts: 1,
            source: Some(Box::new(error)),
        }
    } else {
        Error::Transport {
            message: error.to_string(),
            attempts: 1,
            source: Some(Box::new(error)),
        }
    }
}
