//! Signing an [`http::Request`] in place (feature `http`): for a program
//! that already has an HTTP client and only lacks the signer.

use std::fmt;
use std::time::SystemTime;

use http::header::{HeaderName, HeaderValue, AUTHORIZATION, HOST};

use crate::{sign, Credentials, Payload, SignableRequest, SigningOutput, HEADER_SDK_DATE};

/// Why a request could not be signed as it stands; nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsignableRequest {
    /// What is wrong, in words.
    pub reason: String,
}

impl fmt::Display for UnsignableRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the request cannot be signed: {}", self.reason)
    }
}

impl std::error::Error for UnsignableRequest {}

fn unsignable(reason: impl Into<String>) -> UnsignableRequest {
    UnsignableRequest {
        reason: reason.into(),
    }
}

/// Signs `request`, whose body is `payload`, with `credentials` at `at`, and
/// adds to it `Host` (from the URI, when the request has none),
/// `X-Sdk-Date`, `X-Security-Token` (temporary credentials) and
/// `Authorization`. Those it already had, and an `X-Sdk-Content-Sha256`,
/// are dropped first: never signed, never sent beside the new ones.
///
/// Every header already in the request is signed, except names containing
/// `_` (the official signer skips them); add a header after signing to send
/// it unsigned (a `User-Agent` a proxy may rewrite, for example). The
/// request is then sent as it is: the path and query exactly as in its URI.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use hwcloud_sign::{sign_http_request, Credentials};
///
/// let creds = Credentials::new("AKFAKEEXAMPLE0000000", "SKFAKEexampleSecretKeyNOTREAL00000000000")?;
/// let mut request = http::Request::delete(
///     "https://ecs.cn-north-4.myhuaweicloud.com/v1/0123456789abcdef0123456789abcdef/cloudservers/srv/os-server-password",
/// )
/// .header("Content-Type", "application/json")
/// .body(())?;
/// let at = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
/// let signed = sign_http_request(&mut request, b"", &creds, at)?;
/// assert_eq!(signed.signed_headers(), "content-type;host;x-sdk-date");
/// assert_eq!(request.headers()["Host"], "ecs.cn-north-4.myhuaweicloud.com");
/// assert_eq!(request.headers()["Authorization"], signed.authorization());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`UnsignableRequest`] when the request has no `Host` header and its URI
/// no host, when a header value is not visible ASCII text (the signer signs
/// text), or when a header appears more than once (the official signer signs
/// one value a name). The request is left untouched then.
pub fn sign_http_request<B>(
    request: &mut http::Request<B>,
    payload: &[u8],
    credentials: &Credentials,
    at: SystemTime,
) -> Result<SigningOutput, UnsignableRequest> {
    let authority = authority(request)?;
    let mut headers: Vec<(&str, &str)> = Vec::with_capacity(request.headers().len());
    for name in request.headers().keys() {
        if is_set_by_signer(name) {
            continue;
        }
        let mut values = request.headers().get_all(name).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(unsignable(format!(
                "header {} appears more than once",
                name.as_str()
            )));
        };
        let value = value.to_str().map_err(|_| {
            unsignable(format!(
                "the value of header {} is not visible ASCII",
                name.as_str()
            ))
        })?;
        headers.push((name.as_str(), value));
    }
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/", |target| target.as_str());
    let signable = headers.iter().fold(
        SignableRequest::new(request.method().as_str(), &authority, path_and_query)
            .payload(Payload::Bytes(payload)),
        |signable, (name, value)| signable.header(name, value),
    );
    let output = sign(&signable, credentials, at);
    // Every value is ours and ASCII; checked all the same before anything
    // is changed, so that a request is signed whole or not at all.
    let mut added = Vec::with_capacity(5);
    for (name, value) in output.headers() {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            return Err(unsignable(format!("the signer's {name} is not a header")));
        };
        added.push((name, value));
    }
    drop(headers);
    // What an earlier signing added goes, so that nothing stale is sent
    // beside what is signed now (another set's token, say). The request's
    // own `Host` stays: it is what was signed.
    let stale: Vec<HeaderName> = request
        .headers()
        .keys()
        .filter(|name| is_set_by_signer(name) && *name != HOST)
        .cloned()
        .collect();
    for name in stale {
        request.headers_mut().remove(name);
    }
    for (name, value) in added {
        request.headers_mut().insert(name, value);
    }
    Ok(output)
}

/// `host[:port]` as `Host` will carry it: the request's own `Host` header,
/// else the URI's host and port (never its user information).
fn authority<B>(request: &http::Request<B>) -> Result<String, UnsignableRequest> {
    if let Some(host) = request.headers().get(HOST) {
        return host
            .to_str()
            .map(str::to_owned)
            .map_err(|_| unsignable("the Host header is not visible ASCII"));
    }
    let uri = request.uri();
    let host = uri
        .host()
        .ok_or_else(|| unsignable("the URI has no host and the request no Host header"))?;
    Ok(match uri.port_u16() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// Headers the signer writes itself: a stale one is replaced, never signed.
fn is_set_by_signer(name: &HeaderName) -> bool {
    *name == HOST
        || *name == AUTHORIZATION
        || name.as_str().eq_ignore_ascii_case(HEADER_SDK_DATE)
        || name
            .as_str()
            .eq_ignore_ascii_case(crate::HEADER_SECURITY_TOKEN)
        || name
            .as_str()
            .eq_ignore_ascii_case(crate::HEADER_CONTENT_SHA256)
}
