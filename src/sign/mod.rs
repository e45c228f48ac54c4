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
mod diagnose;
mod key;
mod verify;

use std::fmt;
use std::ops::Range;
use std::time::SystemTime;

use crate::credentials::Credentials;

pub(crate) use canonical::{
    canonical_query, canonical_uri, decode, encode, parse_query, sha256_hex, string_to_sign,
    EMPTY_BODY_SHA256, UNSIGNED_PAYLOAD,
};
pub(crate) use date::millis_between;
pub use date::SdkDate;
pub(crate) use diagnose::{compare_quoted, redact_quoted};
pub(crate) use key::SigningKey;
pub(crate) use verify::received_canonical_request;
pub use verify::{parse_authorization, verify, Authorization, VerifyError, MAX_CLOCK_SKEW};

/// The algorithm name that opens the string to sign and `Authorization`.
pub(crate) const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// Header carrying the signing time.
pub const HEADER_SDK_DATE: &str = "X-Sdk-Date";
/// Header carrying the temporary credentials' token.
pub const HEADER_SECURITY_TOKEN: &str = "X-Security-Token";
/// Header that replaces the payload hash (`UNSIGNED-PAYLOAD`).
pub(crate) const HEADER_CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";

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
}

/// The result of signing: the headers to add, and every intermediate stage
/// so that a rejected signature can be debugged.
///
/// `Debug` redacts the security token wherever it appears.
#[derive(Clone)]
pub struct SigningOutput {
    // Values that also appear in the canonical request are kept as ranges
    // into it, and the fixed-size string to sign inline: signing allocates
    // only the canonical request and the Authorization value.
    host: Option<Range<usize>>,
    date: SdkDate,
    security_token: Option<Range<usize>>,
    unsigned_payload: bool,
    canonical_request: String,
    string_to_sign: [u8; STRING_TO_SIGN_LEN],
    authorization: String,
    signed_headers: Range<usize>,
    signature: Range<usize>,
}

/// The canonical request holds the security token's value: wiped like the
/// token itself.
impl Drop for SigningOutput {
    fn drop(&mut self) {
        if self.security_token.is_some() {
            zeroize::Zeroize::zeroize(&mut self.canonical_request);
        }
    }
}

impl SigningOutput {
    /// Headers to add to the request, in order: `Host` (when the request had
    /// none), `X-Sdk-Date`, `X-Security-Token` (temporary credentials),
    /// `X-Sdk-Content-Sha256` (unsigned payloads) and `Authorization`.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        let host = self
            .host
            .clone()
            .map(|r| ("Host", &self.canonical_request[r]));
        let date = Some((HEADER_SDK_DATE, self.date.as_str()));
        let token = self
            .security_token
            .clone()
            .map(|r| (HEADER_SECURITY_TOKEN, &self.canonical_request[r]));
        let unsigned = self
            .unsigned_payload
            .then_some((HEADER_CONTENT_SHA256, UNSIGNED_PAYLOAD));
        let authorization = Some(("Authorization", self.authorization.as_str()));
        [host, date, token, unsigned, authorization]
            .into_iter()
            .flatten()
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
        std::str::from_utf8(&self.string_to_sign).unwrap_or_default()
    }

    /// The signed header names, lower-case, sorted, joined by `;`.
    pub fn signed_headers(&self) -> &str {
        &self.authorization[self.signed_headers.clone()]
    }

    /// The hex signature.
    pub fn signature(&self) -> &str {
        &self.authorization[self.signature.clone()]
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The `X-Sdk-Date` that was signed.
    pub fn sdk_date(&self) -> SdkDate {
        self.date
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers()
            .map(|(n, v)| {
                if n == HEADER_SECURITY_TOKEN {
                    (n, "<redacted>")
                } else {
                    (n, v)
                }
            })
            .collect();
        f.debug_struct("SigningOutput")
            .field("headers", &headers)
            .field("canonical_request", &self.canonical_request_redacted())
            .field("string_to_sign", &self.string_to_sign())
            .finish()
    }
}

fn redact_token_line(canonical_request: &str) -> String {
    canonical_request
        .split('\n')
        .map(diagnose::redact)
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
    // One pass over the caller's headers for everything the rules ask.
    let (mut has_host, mut has_content_sha, mut unsigned_by_type) = (false, false, false);
    for (name, value) in &request.headers {
        if name.eq_ignore_ascii_case("host") {
            has_host = true;
        } else if name.eq_ignore_ascii_case(HEADER_CONTENT_SHA256) {
            has_content_sha = true;
        } else if *name == "Content-Type" {
            // The official signer marks a non-JSON body as unsigned; it finds
            // the Content-Type by its exact spelling, and so do we, to stay
            // byte-identical.
            unsigned_by_type = !value.is_empty()
                && !value.starts_with("application/json")
                && !value.starts_with("application/bson");
        }
    }
    let add_host = !has_host;
    let add_unsigned =
        (unsigned_by_type || request.payload == Payload::Unsigned) && !has_content_sha;
    let token = credentials.security_token();

    let caller = request
        .headers
        .iter()
        .copied()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(HEADER_SDK_DATE) && !n.contains('_'));
    let ours = [
        add_host.then_some(("host", request.authority)),
        Some(("x-sdk-date", date.as_str())),
        token.map(|t| ("x-security-token", t)),
        add_unsigned.then_some(("x-sdk-content-sha256", UNSIGNED_PAYLOAD)),
    ];
    // A typical request signs under ten headers: keep them on the stack.
    let mut on_stack = [("", ""); 10];
    let mut on_heap = Vec::new();
    let mut count = 0;
    for header in caller.chain(ours.into_iter().flatten()) {
        if count < on_stack.len() {
            on_stack[count] = header;
        } else {
            if on_heap.is_empty() {
                on_heap.extend_from_slice(&on_stack);
            }
            on_heap.push(header);
        }
        count += 1;
    }
    let signed: &mut [(&str, &str)] = if on_heap.is_empty() {
        &mut on_stack[..count]
    } else {
        &mut on_heap
    };
    sort_by_lowercase_name(signed);

    let content_sha = signed
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(HEADER_CONTENT_SHA256))
        .map(|(_, v)| v.trim());
    let mut body_hash = String::new();
    let payload_hash = payload_hash(request.payload, content_sha, &mut body_hash);

    let (canonical_request, signed_names, ranges) = build_canonical_request(
        request.method,
        request.path,
        request.query,
        signed,
        payload_hash,
    );
    let string_to_sign = string_to_sign_bytes(&date, &canonical_request);
    let tag = credentials.signing_key().sign(&string_to_sign);

    let mut authorization = Vec::with_capacity(
        ALGORITHM.len() + credentials.access_key().len() + signed_names.len() + 110,
    );
    authorization.extend_from_slice(ALGORITHM.as_bytes());
    authorization.extend_from_slice(b" Access=");
    authorization.extend_from_slice(credentials.access_key().as_bytes());
    authorization.extend_from_slice(b", SignedHeaders=");
    let names_start = authorization.len();
    authorization.extend_from_slice(canonical_request[signed_names].as_bytes());
    let names_end = authorization.len();
    authorization.extend_from_slice(b", Signature=");
    let signature_start = authorization.len();
    canonical::push_hex(&mut authorization, tag.as_ref());
    let authorization = canonical::into_string(authorization);

    SigningOutput {
        host: ranges.host.filter(|_| add_host),
        date,
        security_token: ranges.token.filter(|_| token.is_some()),
        unsigned_payload: add_unsigned,
        signature: signature_start..authorization.len(),
        signed_headers: names_start..names_end,
        canonical_request,
        string_to_sign,
        authorization,
    }
}

/// Sorts headers by lower-case name, keeping the given order among equal
/// names: an insertion sort, the fastest for the handful a request signs.
fn sort_by_lowercase_name(headers: &mut [(&str, &str)]) {
    for i in 1..headers.len() {
        let mut j = i;
        while j > 0 && canonical::cmp_lowercase(headers[j - 1].0, headers[j].0).is_gt() {
            headers.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// The payload hash rule of the official signer: an empty body always
/// hashes as empty; otherwise an `X-Sdk-Content-Sha256` value wins; otherwise
/// the body is hashed (into `scratch`).
fn payload_hash<'a>(
    payload: Payload<'a>,
    content_sha_header: Option<&'a str>,
    scratch: &'a mut String,
) -> &'a str {
    match (payload, content_sha_header) {
        (Payload::Bytes([]), _) => EMPTY_BODY_SHA256,
        (_, Some(header)) => header,
        (Payload::Bytes(body), None) => {
            *scratch = sha256_hex(body);
            scratch
        }
        (Payload::Sha256Hex(hash), None) => hash,
        (Payload::Unsigned, None) => UNSIGNED_PAYLOAD,
    }
}

/// Builds the canonical request in one buffer from headers already in
/// signing order; returns it with the byte ranges of the signed-name list
/// and of the `host` and `x-security-token` values.
pub(crate) fn build_canonical_request(
    method: &str,
    raw_path: &str,
    raw_query: &str,
    signed: &[(&str, &str)],
    payload_hash: &str,
) -> (String, Range<usize>, canonical::BlockRanges) {
    let capacity = 64
        + raw_path.len() * 2
        + raw_query.len() * 2
        + signed
            .iter()
            .map(|(n, v)| 2 * n.len() + v.len() + 2)
            .sum::<usize>();
    let mut out = Vec::with_capacity(capacity);
    canonical::write_request_line(&mut out, method, raw_path, raw_query);
    let (ranges, names) = canonical::write_headers(&mut out, signed);
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    (canonical::into_string(out), names, ranges)
}

/// `SDK-HMAC-SHA256\n` + 16-byte date + `\n` + 64 hex digits.
const STRING_TO_SIGN_LEN: usize = ALGORITHM.len() + 1 + 16 + 1 + 64;

/// Stage 5 into a fixed-size array, so the hot path does not allocate.
fn string_to_sign_bytes(date: &SdkDate, canonical_request: &str) -> [u8; STRING_TO_SIGN_LEN] {
    let mut out = [0u8; STRING_TO_SIGN_LEN];
    let head = ALGORITHM.len();
    out[..head].copy_from_slice(ALGORITHM.as_bytes());
    out[head] = b'\n';
    out[head + 1..head + 17].copy_from_slice(date.as_str().as_bytes());
    out[head + 17] = b'\n';
    let digest = ring::digest::digest(&ring::digest::SHA256, canonical_request.as_bytes());
    canonical::hex_into(&mut out[head + 18..], digest.as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_704_164_645)
    }

    #[test]
    fn the_token_is_shown_nowhere_but_in_the_hashed_canonical_request() {
        let creds = Credentials::new("AK", "SK")
            .unwrap()
            .with_security_token("TOKENvalue")
            .unwrap();
        let request = SignableRequest::new("GET", "h", "/p");
        let signed = sign(&request, &creds, at());
        assert!(signed
            .canonical_request()
            .contains("x-security-token:TOKENvalue"));
        let redacted = signed.canonical_request_redacted();
        assert_eq!(
            redacted,
            signed
                .canonical_request()
                .replace("x-security-token:TOKENvalue", "x-security-token:<redacted>")
        );
        let shown = format!("{signed:?}");
        assert!(!shown.contains("TOKENvalue"), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains("x-sdk-date"),
            "{shown}"
        );
        assert_eq!(
            signed.headers().find(|(n, _)| *n == HEADER_SECURITY_TOKEN),
            Some((HEADER_SECURITY_TOKEN, "TOKENvalue"))
        );
    }

    #[test]
    fn more_headers_than_fit_on_the_stack_sign_and_verify() {
        let creds = Credentials::new("AK", "SK").unwrap();
        let names: Vec<String> = (0..20).map(|i| format!("X-H{i:02}")).collect();
        let mut request = SignableRequest::new("GET", "h", "/p");
        for name in &names {
            request = request.header(name, "v");
        }
        let signed = sign(&request, &creds, at());
        assert_eq!(signed.signed_headers().split(';').count(), 22);
        let mut received = SignableRequest::new("GET", "", "/p");
        for name in &names {
            received = received.header(name, "v");
        }
        for (name, value) in signed.headers() {
            received = received.header(name, value);
        }
        assert!(verify(&received, &creds, at()).is_ok());
    }
}
