//! Huawei Cloud `SDK-HMAC-SHA256` request signing, sans-IO.
//!
//! [`sign`] turns a description of a request, the credentials and a signing
//! time into the headers to add. It reads no clock and opens no socket, and
//! its output is byte-identical to the official Huawei Cloud SDK signer (the
//! test suite runs the official signer's vectors stage by stage).
//!
//! [`verify()`] is the other side: it recomputes a received request's signature
//! from its own `SignedHeaders` and `X-Sdk-Date` and compares in constant time.
//!
//! ```
//! use hwcloud_ecs::sign::{sign, SignableRequest};
//! use hwcloud_ecs::Credentials;
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! let creds = Credentials::new("AKFAKEEXAMPLE0000000", "SKFAKEexampleSecretKeyNOTREAL00000000000")?;
//! let request = SignableRequest::new("GET", "ecs.cn-north-4.myhuaweicloud.com", "/v1/0123456789abcdef0123456789abcdef/cloudservers/detail")
//!     .header("Content-Type", "application/json");
//! let at = UNIX_EPOCH + Duration::from_secs(1_704_164_645); // 2024-01-02T03:04:05Z
//! let signed = sign(&request, &creds, at);
//! assert_eq!(signed.signed_headers(), "content-type;host;x-sdk-date");
//! assert_eq!(
//!     signed.authorization(),
//!     "SDK-HMAC-SHA256 Access=AKFAKEEXAMPLE0000000, SignedHeaders=content-type;host;x-sdk-date, \
//!      Signature=7278d68094cb38e336e28b369ec5f226e0dc81179b3a6ff4a03ba969dc501a21"
//! );
//! # Ok::<(), hwcloud_ecs::Error>(())
//! ```

mod canonical;
mod date;
mod verify;

use std::fmt;
use std::time::SystemTime;

use ring::hmac;

use crate::credentials::Credentials;

pub use canonical::{
    canonical_headers, canonical_query, canonical_request, canonical_uri, encode, parse_query,
    sha256_hex, string_to_sign, EMPTY_BODY_SHA256, UNSIGNED_PAYLOAD,
};
pub use date::SdkDate;
pub use verify::{parse_authorization, verify, Authorization, VerifyError, MAX_CLOCK_SKEW};

/// The algorithm name that opens the string to sign and `Authorization`.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// Header carrying the signing time.
pub const HEADER_SDK_DATE: &str = "X-Sdk-Date";
/// Header carrying the temporary credentials' token.
pub const HEADER_SECURITY_TOKEN: &str = "X-Security-Token";
/// Header that replaces the payload hash (`UNSIGNED-PAYLOAD`).
pub const HEADER_CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";

/// What is signed for the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload<'a> {
    /// The body bytes (empty for no body); hashed with SHA-256.
    Bytes(&'a [u8]),
    /// The hex SHA-256 of a body the caller has already hashed.
    Sha256Hex(&'a str),
    /// Do not hash the body: sends `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`.
    Unsigned,
}

/// A request as it will go on the wire, described for signing.
///
/// `path` and `query` are the raw text that will be sent (the signer
/// canonicalizes them itself); `authority` is `host[:port]` exactly as it will
/// appear in `Host`. Every header given is signed, except names containing `_`
/// (the official signer skips those, and so does the gateway).
#[derive(Clone, Debug)]
pub struct SignableRequest<'a> {
    method: &'a str,
    authority: &'a str,
    path: &'a str,
    query: &'a str,
    headers: Vec<(&'a str, &'a str)>,
    payload: Payload<'a>,
}

impl<'a> SignableRequest<'a> {
    /// A request with no headers and an empty body. `path_and_query` is the
    /// request target, e.g. `/v1/p/cloudservers?limit=10`.
    pub fn new(method: &'a str, authority: &'a str, path_and_query: &'a str) -> Self {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        SignableRequest {
            method,
            authority,
            path,
            query,
            headers: Vec::new(),
            payload: Payload::Bytes(b""),
        }
    }

    /// Adds a header to sign. A `Host` header overrides `authority`; an
    /// `X-Sdk-Date` header is replaced by the signing time.
    pub fn header(mut self, name: &'a str, value: &'a str) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Sets what is signed for the body.
    pub fn payload(mut self, payload: Payload<'a>) -> Self {
        self.payload = payload;
        self
    }

    /// The raw path.
    pub fn path(&self) -> &str {
        self.path
    }

    /// The raw query, without `?`.
    pub fn query(&self) -> &str {
        self.query
    }
}

/// The result of signing: the headers to add, and every intermediate stage
/// so that a rejected signature can be debugged.
///
/// `Debug` redacts the security token wherever it appears.
#[derive(Clone)]
pub struct SigningOutput {
    headers: Vec<(&'static str, String)>,
    canonical_request: String,
    string_to_sign: String,
    signed_headers: String,
    signature: String,
    authorization: String,
    security_token_len: Option<usize>,
}

impl SigningOutput {
    /// Headers to add to the request, in order: `Host` (when the request had
    /// none), `X-Sdk-Date`, `X-Security-Token` (temporary credentials),
    /// `X-Sdk-Content-Sha256` (unsigned payloads) and `Authorization`.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The canonical request, exactly as hashed. It contains the security
    /// token when there is one: use [`Self::canonical_request_redacted`] to show it.
    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    /// The canonical request with the security token's value replaced.
    pub fn canonical_request_redacted(&self) -> String {
        redact_token_line(&self.canonical_request)
    }

    /// The string to sign.
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The signed header names, lower-case, sorted, joined by `;`.
    pub fn signed_headers(&self) -> &str {
        &self.signed_headers
    }

    /// The hex signature.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                if *n == HEADER_SECURITY_TOKEN {
                    (*n, "<redacted>")
                } else {
                    (*n, v.as_str())
                }
            })
            .collect();
        f.debug_struct("SigningOutput")
            .field("headers", &headers)
            .field("canonical_request", &self.canonical_request_redacted())
            .field("string_to_sign", &self.string_to_sign)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field(
                "security_token",
                &self.security_token_len.map(|_| "<redacted>"),
            )
            .finish()
    }
}

fn redact_token_line(canonical_request: &str) -> String {
    canonical_request
        .split('\n')
        .map(|line| {
            if line.starts_with("x-security-token:") {
                "x-security-token:<redacted>"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Signs `request` with `credentials` as of `time`.
///
/// The time is an argument, never read here: pass `SystemTime::now()`
/// (corrected for clock skew if needed) in production and a fixed instant in
/// tests.
pub fn sign(
    request: &SignableRequest<'_>,
    credentials: &Credentials,
    time: SystemTime,
) -> SigningOutput {
    let date = SdkDate::from_system_time(time);
    let mut added: Vec<(&'static str, String)> = Vec::new();
    let has = |name: &str| {
        request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };

    if !has("host") {
        added.push(("Host", request.authority.to_owned()));
    }
    added.push((HEADER_SDK_DATE, date.as_str().to_owned()));
    if let Some(token) = credentials.security_token() {
        added.push((HEADER_SECURITY_TOKEN, token.to_owned()));
    }
    // The official signer marks a non-JSON body as unsigned; it finds the
    // Content-Type by its exact spelling, and so do we, to stay byte-identical.
    let content_type = request
        .headers
        .iter()
        .find(|(n, _)| *n == "Content-Type")
        .map(|(_, v)| *v);
    let unsigned_by_type = content_type.is_some_and(|ct| {
        !ct.is_empty() && !ct.starts_with("application/json") && !ct.starts_with("application/bson")
    });
    let unsigned = unsigned_by_type || request.payload == Payload::Unsigned;
    if unsigned && !has(HEADER_CONTENT_SHA256) {
        added.push((HEADER_CONTENT_SHA256, UNSIGNED_PAYLOAD.to_owned()));
    }

    let mut to_sign: Vec<(String, &str)> = request
        .headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(HEADER_SDK_DATE))
        .map(|(n, v)| (n.to_ascii_lowercase(), *v))
        .chain(
            added
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.as_str())),
        )
        .filter(|(n, _)| !n.contains('_'))
        .collect();
    to_sign.sort_by(|a, b| a.0.cmp(&b.0));

    let content_sha = to_sign
        .iter()
        .find(|(n, _)| n == "x-sdk-content-sha256")
        .map(|(_, v)| v.trim());
    let payload_hash = payload_hash(request.payload, content_sha);

    let output = signature_stages(
        request.method,
        request.path,
        request.query,
        &to_sign,
        &payload_hash,
        &date,
        credentials.secret_key(),
    );
    let authorization = format!(
        "{ALGORITHM} Access={}, SignedHeaders={}, Signature={}",
        credentials.access_key(),
        output.signed_headers,
        output.signature
    );
    added.push(("Authorization", authorization.clone()));
    SigningOutput {
        headers: added,
        canonical_request: output.canonical_request,
        string_to_sign: output.string_to_sign,
        signed_headers: output.signed_headers,
        signature: output.signature,
        authorization,
        security_token_len: credentials.security_token().map(str::len),
    }
}

/// The payload hash rule of the official signer: an empty body always
/// hashes as empty; otherwise an `X-Sdk-Content-Sha256` value wins; otherwise
/// the body is hashed.
fn payload_hash(payload: Payload<'_>, content_sha_header: Option<&str>) -> String {
    match payload {
        Payload::Bytes([]) => EMPTY_BODY_SHA256.to_owned(),
        _ if content_sha_header.is_some() => content_sha_header.unwrap_or_default().to_owned(),
        Payload::Bytes(body) => sha256_hex(body),
        Payload::Sha256Hex(hash) => hash.to_ascii_lowercase(),
        Payload::Unsigned => UNSIGNED_PAYLOAD.to_owned(),
    }
}

pub(crate) struct Stages {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signed_headers: String,
    pub signature: String,
}

/// Canonical request -> string to sign -> signature, from headers that are
/// already lower-cased and filtered to the signed set.
pub(crate) fn signature_stages(
    method: &str,
    raw_path: &str,
    raw_query: &str,
    signed: &[(String, &str)],
    payload_hash: &str,
    date: &SdkDate,
    secret_key: &str,
) -> Stages {
    let (header_block, signed_headers) = canonical_headers(signed);
    let canonical_request = canonical_request(
        &method.to_ascii_uppercase(),
        &canonical_uri(raw_path),
        &canonical_query(&parse_query(raw_query)),
        &header_block,
        &signed_headers,
        payload_hash,
    );
    let string_to_sign = string_to_sign(date.as_str(), &canonical_request);
    let signature = canonical::hex(hmac_sha256(secret_key, &string_to_sign).as_ref());
    Stages {
        canonical_request,
        string_to_sign,
        signed_headers,
        signature,
    }
}

fn hmac_sha256(secret_key: &str, message: &str) -> hmac::Tag {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret_key.as_bytes());
    hmac::sign(&key, message.as_bytes())
}
