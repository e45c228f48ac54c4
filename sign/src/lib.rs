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
//! use hwcloud_sign::{sign, Credentials, SignableRequest};
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
//! # Ok::<(), hwcloud_sign::InvalidCredentials>(())
//! ```

/// The README's examples, compiled as doc tests.
#[cfg(all(doctest, feature = "http"))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

mod canonical;
mod credentials;
mod date;
mod diagnose;
mod encoding;
mod headers;
#[cfg(feature = "http")]
mod http_request;
mod key;
mod output;
mod verify;

use std::ops::Range;
use std::time::SystemTime;

pub(crate) use canonical::{string_to_sign, EMPTY_BODY_SHA256, UNSIGNED_PAYLOAD};
pub use credentials::{Credentials, InvalidCredentials};
pub use date::SdkDate;
pub(crate) use encoding::sha256_hex;
#[cfg(feature = "http")]
pub use http_request::{sign_http_request, UnsignableRequest};
pub use output::SigningOutput;
pub use verify::{parse_authorization, verify, Authorization, VerifyError, MAX_CLOCK_SKEW};

/// The signer's byte-level rules, each on its own: for a program that
/// signs or verifies with its own HTTP stack, or plays the gateway's side
/// (a verifying proxy, a fake gateway in tests), and must canonicalize,
/// compare and redact exactly as [`sign`] and [`verify()`] do.
///
/// ```
/// use hwcloud_sign::rules::{canonical_query, canonical_uri, encode, parse_query};
///
/// assert_eq!(canonical_uri("/v1/p/servers"), "/v1/p/servers/");
/// assert_eq!(encode("a b/c"), "a%20b%2Fc");
/// let pairs = parse_query("name=web%201&limit=10");
/// assert_eq!(canonical_query(&pairs), "limit=10&name=web%201");
/// ```
pub mod rules {
    pub use crate::canonical::{canonical_query, canonical_uri, parse_query};
    pub use crate::date::millis_between;
    pub use crate::diagnose::{compare_quoted, redact as redact_line, redact_quoted};
    pub use crate::encoding::{decode, encode};
    pub use crate::is_sensitive;
    pub use crate::verify::received_canonical_request;
}

/// The algorithm name that opens the string to sign and `Authorization`.
pub(crate) const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// Header carrying the signing time.
pub const HEADER_SDK_DATE: &str = "X-Sdk-Date";
/// Header carrying the temporary credentials' token.
pub const HEADER_SECURITY_TOKEN: &str = "X-Security-Token";
/// The headers whose values are secrets: never shown in `Debug`, logs,
/// errors, a quoted canonical request or the fake gateway's records.
pub(crate) const SENSITIVE_HEADERS: [&str; 1] = [HEADER_SECURITY_TOKEN];

/// Whether header `name` (any case) carries a secret.
pub fn is_sensitive(name: &str) -> bool {
    SENSITIVE_HEADERS
        .iter()
        .any(|sensitive| sensitive.eq_ignore_ascii_case(name))
}

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
    let date_text = date.as_str();
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
        Some(("x-sdk-date", date_text)),
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
    headers::sort_by_lowercase_name(signed);

    let content_sha = signed
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(HEADER_CONTENT_SHA256))
        .map(|(_, v)| headers::trim_value(v));
    let mut body_hash = String::new();
    let payload_hash = payload_hash(request.payload, content_sha, &mut body_hash);

    // The canonical request, the string to sign and `Authorization`, in
    // one buffer sized for all three.
    let mut stack = [0u8; 256];
    let names = headers::name_list(signed, &mut stack);
    let mut text = String::with_capacity(output_capacity(
        request,
        signed,
        credentials.access_key(),
        &names,
    ));
    let ranges = write_canonical_request(
        &mut text,
        request.method,
        request.path,
        request.query,
        (signed, &names),
        payload_hash,
    );
    let string_to_sign_start = text.len();
    let canonical_sha256 = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    canonical::push_string_to_sign(&mut text, date_text, canonical_sha256.as_ref());
    let string_to_sign = string_to_sign_start..text.len();
    let tag = credentials.signing_key().sign(
        text.as_bytes()
            .get(string_to_sign.clone())
            .unwrap_or_default(),
    );

    let authorization_start = text.len();
    let (signed_headers, signature) =
        push_authorization(&mut text, credentials.access_key(), &names, tag.as_ref());

    SigningOutput {
        host: ranges.host.filter(|_| add_host),
        date,
        security_token: ranges.token.filter(|_| token.is_some()),
        unsigned_payload: add_unsigned,
        signature,
        signed_headers,
        authorization: authorization_start..text.len(),
        string_to_sign,
        text,
    }
}

/// Appends the `Authorization` value; returns the ranges of its names list
/// and of its signature.
fn push_authorization(
    text: &mut String,
    access_key: &str,
    names: &str,
    tag: &[u8],
) -> (Range<usize>, Range<usize>) {
    text.push_str(ALGORITHM);
    text.push_str(" Access=");
    text.push_str(access_key);
    text.push_str(", SignedHeaders=");
    let names_start = text.len();
    text.push_str(names);
    let names = names_start..text.len();
    text.push_str(", Signature=");
    let signature_start = text.len();
    encoding::push_hex(text, tag);
    (names, signature_start..text.len())
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

/// Builds the canonical request from headers already in signing order.
pub(crate) fn build_canonical_request(
    method: &str,
    raw_path: &str,
    raw_query: &str,
    signed: &[(&str, &str)],
    payload_hash: &str,
) -> String {
    let mut out = String::with_capacity(canonical_capacity(raw_path, raw_query, signed));
    let mut stack = [0u8; 256];
    let names = headers::name_list(signed, &mut stack);
    write_canonical_request(
        &mut out,
        method,
        raw_path,
        raw_query,
        (signed, &names),
        payload_hash,
    );
    out
}

/// Room for a canonical request: escapes can at most triple the path and
/// query, which are rarely escaped at all.
fn canonical_capacity(raw_path: &str, raw_query: &str, signed: &[(&str, &str)]) -> usize {
    64 + raw_path.len() * 2
        + raw_query.len() * 2
        + signed
            .iter()
            .map(|(n, v)| 2 * n.len() + v.len() + 2)
            .sum::<usize>()
}

/// Room for the three texts of a [`SigningOutput`], so that building them
/// never grows the buffer.
fn output_capacity(
    request: &SignableRequest<'_>,
    signed: &[(&str, &str)],
    access_key: &str,
    names: &str,
) -> usize {
    canonical_capacity(request.path, request.query, signed)
        + STRING_TO_SIGN_LEN
        + AUTHORIZATION_OVERHEAD
        + access_key.len()
        + names.len()
}

/// Appends the canonical request to `out`, given the headers in signing
/// order and their names list; returns where the `host` and
/// `x-security-token` values are.
fn write_canonical_request(
    out: &mut String,
    method: &str,
    raw_path: &str,
    raw_query: &str,
    (signed, names): (&[(&str, &str)], &str),
    payload_hash: &str,
) -> headers::BlockRanges {
    canonical::write_request_line(out, method, raw_path, raw_query);
    let ranges = headers::write_headers(out, signed, names);
    out.push('\n');
    out.push_str(payload_hash);
    ranges
}

/// `SDK-HMAC-SHA256\n` + 16-byte date + `\n` + 64 hex digits.
const STRING_TO_SIGN_LEN: usize = ALGORITHM.len() + 1 + 16 + 1 + 64;

/// `Authorization` without the access key and the names list.
const AUTHORIZATION_OVERHEAD: usize =
    ALGORITHM.len() + " Access=".len() + ", SignedHeaders=".len() + ", Signature=".len() + 64;

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

    const AK: &str = "AKFAKEEXAMPLE0000000";
    const SK: &str = "SKFAKEexampleSecretKeyNOTREAL00000000000";

    /// The seed DELETE, stage by stage, as the spec (and the official
    /// signer, checked by `scripts/official-vectors.sh`) spells it.
    #[test]
    fn the_reserved_room_is_exactly_what_the_last_two_texts_take() {
        let creds = Credentials::new("AKexample", "SK").unwrap();
        for request in [
            SignableRequest::new("GET", "h", "/p"),
            SignableRequest::new("DELETE", "host:8443", "/v1/a%2Fb?x=1&y")
                .header("Content-Type", "application/json")
                .header("X-Project-Id", "p1"),
        ] {
            let signed = sign(&request, &creds, at());
            assert_eq!(signed.string_to_sign().len(), STRING_TO_SIGN_LEN);
            assert_eq!(
                signed.authorization().len(),
                AUTHORIZATION_OVERHEAD + "AKexample".len() + signed.signed_headers().len()
            );
        }
    }

    #[test]
    fn the_seed_delete_stage_by_stage() {
        let creds = Credentials::new(AK, SK).unwrap();
        let request = SignableRequest::new(
            "DELETE",
            "ecs.cn-north-4.myhuaweicloud.com",
            "/v2.1/0123456789abcdef0123456789abcdef/servers/8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00/os-server-password",
        )
        .header("Content-Type", "application/json")
        .header("X-Project-Id", "0123456789abcdef0123456789abcdef");
        let signed = sign(&request, &creds, at());
        assert_eq!(
            signed.canonical_request(),
            concat!(
                "DELETE\n",
                // The path, with the trailing `/` the official signer adds.
                "/v2.1/0123456789abcdef0123456789abcdef/servers/8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00/os-server-password/\n",
                // No query.
                "\n",
                "content-type:application/json\n",
                "host:ecs.cn-north-4.myhuaweicloud.com\n",
                "x-project-id:0123456789abcdef0123456789abcdef\n",
                "x-sdk-date:20240102T030405Z\n",
                "\n",
                "content-type;host;x-project-id;x-sdk-date\n",
                // SHA-256 of the empty body.
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            )
        );
        assert_eq!(
            signed.string_to_sign(),
            concat!(
                "SDK-HMAC-SHA256\n",
                "20240102T030405Z\n",
                // SHA-256 of the canonical request above.
                "c5ded59b62240d8446b4a8e3af164943c7ebc186d7af91b302df73929ab80b24",
            )
        );
        assert_eq!(
            signed.signed_headers(),
            "content-type;host;x-project-id;x-sdk-date"
        );
        assert_eq!(
            signed.signature(),
            "92dbfd0183756b45de2d29e195ea890394907acffabba7343eb2fe24d56ff386"
        );
        assert_eq!(
            signed.authorization(),
            concat!(
                "SDK-HMAC-SHA256 Access=AKFAKEEXAMPLE0000000, ",
                "SignedHeaders=content-type;host;x-project-id;x-sdk-date, ",
                "Signature=92dbfd0183756b45de2d29e195ea890394907acffabba7343eb2fe24d56ff386",
            )
        );
    }

    /// A filtered listing: the query sorted by key and encoded, each
    /// reserved character as `%XX` (a space as `%20`, `=` as `%3D`).
    #[test]
    fn a_filtered_listing_stage_by_stage() {
        let creds = Credentials::new(AK, SK).unwrap();
        let request = SignableRequest::new(
            "GET",
            "ecs.cn-north-4.myhuaweicloud.com",
            "/v1/p/cloudservers/detail?tags=env%3Dprod&limit=1000&name=web%201",
        )
        .header("Content-Type", "application/json");
        let signed = sign(&request, &creds, at());
        assert_eq!(
            signed.canonical_request(),
            concat!(
                "GET\n",
                "/v1/p/cloudservers/detail/\n",
                "limit=1000&name=web%201&tags=env%3Dprod\n",
                "content-type:application/json\n",
                "host:ecs.cn-north-4.myhuaweicloud.com\n",
                "x-sdk-date:20240102T030405Z\n",
                "\n",
                "content-type;host;x-sdk-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            )
        );
        assert_eq!(
            signed.string_to_sign(),
            concat!(
                "SDK-HMAC-SHA256\n",
                "20240102T030405Z\n",
                "6bd0897ce486c2d16733dc8064e7a7d084c734ad2092d94c3a2df7a602f9fbaf",
            )
        );
        assert_eq!(
            signed.signature(),
            "341e827f66f882c30c34ef9cbe6474ca91e0e6b4793b5f3478e375aa7782fee7"
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
