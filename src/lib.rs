//! A small, blocking Huawei Cloud ECS client that signs every request with
//! the account's AK/SK (`SDK-HMAC-SHA256`) and clears a Windows server's
//! generated password.
//!
//! - [`sign`]: the signer and verifier, pure functions with no I/O.
//! - [`ClientBuilder::from_env`]: the configuration chain (explicit,
//!   environment, credentials file, ECS metadata with refreshed temporary
//!   credentials, IAM project lookup); [`Client::settings`] says where each
//!   value came from.
//! - [`Client`]: the blocking client (one connection pool, cheap to clone,
//!   retries that re-sign, clock-skew healing); the password calls and the
//!   server listing (with [`ServerFilter`]) live on it.
//! - [`Bulk`]: clearing or auditing many servers, of one project or of many,
//!   with one outcome model ([`Outcome`], [`Progress`]).
//! - [`Account`]: every project the credentials can see ([`Project`]), and
//!   a client for each, sharing one pool and one set of credentials.
//! - The `hwcloud-ecs-fake` crate: local stand-ins for the API gateway
//!   (it verifies signatures as the real one does), the ECS metadata
//!   service and a proxy, for your own tests.
//! - `decrypt_password` (feature `decrypt`): decrypts a stored password
//!   with the key pair's private key.
//!
//! No async runtime is involved anywhere.
//!
//! ```no_run
//! use hwcloud_ecs::Client;
//!
//! // Credentials, region and project id the way the official SDKs find them
//! // (environment, credentials file), then from the ECS metadata and IAM.
//! let client = Client::from_env()?;
//! client.clear_password("8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00")?;
//! # Ok::<(), hwcloud_ecs::Error>(())
//! ```

mod bounds;
mod bulk;
mod client;
mod clock;
mod config;
#[cfg(feature = "decrypt")]
mod decrypt;
mod endpoint;
mod error;
mod error_body;
mod ids;
mod lifecycle;
mod listing;
mod password;
mod request;
/// Huawei Cloud `SDK-HMAC-SHA256` request signing, sans-IO: the
/// [`hwcloud-sign`](https://docs.rs/hwcloud-sign) package, re-exported.
///
/// [`sign()`](sign::sign) turns a description of a request, the credentials
/// and a signing time into the headers to add; it reads no clock and opens
/// no socket, and its output is byte-identical to the official Huawei Cloud
/// SDK signer. [`verify()`](sign::verify) is the other side.
///
/// ```
/// use hwcloud_ecs::sign::{sign, SignableRequest};
/// use hwcloud_ecs::Credentials;
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let creds = Credentials::new("AKFAKEEXAMPLE0000000", "SKFAKEexampleSecretKeyNOTREAL00000000000")?;
/// let request = SignableRequest::new("GET", "ecs.cn-north-4.myhuaweicloud.com", "/v1/0123456789abcdef0123456789abcdef/cloudservers/detail")
///     .header("Content-Type", "application/json");
/// let at = UNIX_EPOCH + Duration::from_secs(1_704_164_645); // 2024-01-02T03:04:05Z
/// let signed = sign(&request, &creds, at);
/// assert_eq!(signed.signed_headers(), "content-type;host;x-sdk-date");
/// # Ok::<(), hwcloud_ecs::Error>(())
/// ```
pub mod sign {
    pub(crate) use hwcloud_sign::unversioned::*;
    #[doc(inline)]
    pub use hwcloud_sign::{
        parse_authorization, sign, verify, Authorization, Credentials, InvalidCredentials, Payload,
        SdkDate, SignableRequest, SigningOutput, VerifyError, HEADER_SDK_DATE,
        HEADER_SECURITY_TOKEN, MAX_CLOCK_SKEW,
    };
}
mod transport;

pub use bulk::{Bulk, Outcome, Progress};
pub use client::{Account, ApiVersion, Client, ClientBuilder, Project, RetryPolicy, Setting};
pub use config::{env, CredentialChain, Origin, REGIONS};
#[cfg(feature = "decrypt")]
pub use decrypt::decrypt_password;
pub use endpoint::Endpoint;
pub use error::{ApiError, Error};
pub use ids::{ProjectId, ServerId};
pub use lifecycle::WaitOptions;
pub use listing::{Server, ServerFilter};
pub use password::{EncryptedPassword, PasswordCleared};
pub use request::ApiRequest;
/// The JSON crate [`ApiRequest::json_body`] and [`ApiResponse::json`] speak,
/// re-exported so that a script needs no dependency of its own for them.
pub use serde_json;
#[doc(no_inline)]
pub use sign::Credentials;
pub use transport::ApiResponse;

/// Outside semver: entry points into parsers, signing stages and shared
/// rules that are not public API, for the fake gateway (which must
/// canonicalize and redact exactly as the client does), the CLI, the fuzz
/// targets and the property tests. Anything here may change in any release.
#[doc(hidden)]
pub mod unversioned {
    use std::borrow::Cow;
    use std::time::{Duration, SystemTime};

    pub use crate::error_body::{parse_error_body, ErrorBody, SNIPPET_CHARS};

    /// The canonical URI of a raw path.
    pub fn canonical_uri(raw_path: &str) -> String {
        crate::sign::canonical_uri(raw_path)
    }

    /// Percent-encodes everything but `A-Z a-z 0-9 - . _ ~`.
    pub fn encode(text: &str) -> String {
        crate::sign::encode(text)
    }

    /// Percent-decodes, lossily.
    pub fn decode(text: &str) -> Cow<'_, str> {
        crate::sign::decode(text)
    }

    /// The canonical request the gateway's side computes for a received
    /// request (the fake gateway quotes it in a signature refusal, as the
    /// real one does).
    pub fn received_canonical_request(
        request: &crate::sign::SignableRequest<'_>,
    ) -> Option<String> {
        crate::sign::received_canonical_request(request)
    }

    /// A raw query as decoded `(key, value)` pairs.
    pub fn parse_query(raw_query: &str) -> Vec<(String, String)> {
        crate::sign::parse_query(raw_query)
    }

    /// Parses one server-listing page; the number of servers it holds.
    pub fn listing_page(body: &[u8]) -> Option<usize> {
        crate::listing::parse_page(body, |_, _| true)
            .ok()
            .map(|(_, servers)| servers.len())
    }

    /// Whether header `name` (any case) carries a secret: the one list the
    /// client and the fake gateway both redact by.
    pub fn is_sensitive_header(name: &str) -> bool {
        crate::sign::is_sensitive(name)
    }

    /// `|`-separated canonical-request lines with each secret header's
    /// value replaced by `<redacted>`.
    pub fn redact_quoted_lines(lines: &str) -> String {
        lines
            .split('|')
            .map(crate::sign::redact_line)
            .collect::<Vec<_>>()
            .join("|")
    }

    /// A text file's bytes as text: UTF-8 with a byte-order mark skipped;
    /// UTF-16 is refused with what to do.
    ///
    /// # Errors
    /// What is wrong with the bytes, in words.
    pub fn text_of(bytes: Vec<u8>) -> Result<String, String> {
        crate::config::text_of(bytes)
    }

    /// The Levenshtein distance over bytes, for suggestions.
    pub fn edit_distance(a: &str, b: &str) -> usize {
        crate::config::edit_distance(a, b)
    }

    /// The longest duration the library accepts from a user: a year.
    pub const MAX_USER_DURATION: Duration = crate::bounds::MAX_DURATION;

    /// The wait a `Retry-After` value asks for, against a gateway `Date`.
    pub fn retry_after(value: &str, server_date: &str, local_now: SystemTime) -> Option<Duration> {
        let date = httpdate::parse_http_date(server_date).ok();
        crate::client::retry_after_wait(value, date, local_now)
    }
}

/// Locks, recovering the data if a thread panicked while holding it.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The types returned on every call stay small to move around, as ureq's
/// `ensure_reasonable_stack_sizes` keeps its own: a variant that grows one
/// of them (a new inline field instead of a box) fails here first.
#[cfg(test)]
mod stack_sizes {
    #[test]
    fn the_hot_types_stay_small() {
        use std::mem::size_of;
        let sizes = [
            ("Error", size_of::<crate::Error>(), 72),
            (
                "SigningOutput",
                size_of::<crate::sign::SigningOutput>(),
                SIGNING_OUTPUT,
            ),
            ("Outcome", size_of::<crate::Outcome>(), 32),
            (
                "Result<Outcome, Error>",
                size_of::<Result<crate::Outcome, crate::Error>>(),
                72,
            ),
            ("ApiResponse", size_of::<crate::ApiResponse>(), 152),
        ];
        for (name, size, most) in sizes {
            assert!(size <= most, "{name} is {size} bytes, more than {most}");
        }
    }

    /// Its text, five ranges, two optional ranges, the date and a flag.
    const SIGNING_OUTPUT: usize = 168;
}
