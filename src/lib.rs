//! A small, blocking Huawei Cloud ECS SDK that signs every request with the
//! account's AK/SK (`SDK-HMAC-SHA256`, byte-identical to the official SDKs)
//! and clears the password ECS generated for a Windows server. No async
//! runtime is involved anywhere.
//!
//! The whole job, configured from the environment the way the official SDKs
//! configure themselves:
//!
//! ```no_run
//! let cleared = hwcloud_ecs::Client::from_env()?
//!     .clear_password("8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00")?;
//! println!("cleared, request id {:?}", cleared.request_id);
//! # Ok::<(), hwcloud_ecs::Error>(())
//! ```
//!
//! - [`Client`] and [`ClientBuilder`]: the blocking client (one connection
//!   pool, cheap to clone, retries that re-sign, clock-skew healing), its
//!   password calls and [`Client::send`] for any other API call.
//! - [`sign`]: the signer and verifier, pure functions with no I/O (the
//!   `hwcloud-sign` package).
//! - [`Error`]: one error type for every failure.
//!
//! # Features
//!
//! The default build is what a one-call script needs; each capability beyond
//! it is opt-in:
//!
//! | feature | adds |
//! |---|---|
//! | `list` | `Client::list_servers`, `ServerFilter` |
//! | `bulk` | `Bulk`: many servers at once, paced by an adaptive rate governor (implies `list`) |
//! | `account` | `ClientBuilder::build_account`: every project of the account (implies `bulk`, `discovery`) |
//! | `discovery` | the ECS metadata service (temporary credentials, region, project id) and IAM's project lookup |
//! | `regions-file` | the official SDKs' `regions.yaml` for a region's endpoint |
//! | `explain` | `Client::settings`: the configuration with where each value came from |
//! | `wait` | `Client::wait_for_password` |
//! | `custom-ca` | a private CA's certificates trusted with Mozilla's roots or alone |
//! | `decrypt` | `decrypt_password`: a stored password decrypted with the key pair's private key |
//!
//! The `hwcloud-ecs-fake` crate holds local stand-ins for the API gateway
//! (it verifies signatures as the real one does), the ECS metadata service
//! and a proxy, for your own tests.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod bounds;
#[cfg(feature = "bulk")]
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
#[cfg(feature = "wait")]
mod lifecycle;
#[cfg(feature = "list")]
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
    pub(crate) use hwcloud_sign::rules::*;
    #[doc(inline)]
    pub use hwcloud_sign::{
        parse_authorization, sign, verify, Authorization, Credentials, InvalidCredentials, Payload,
        SdkDate, SignableRequest, SigningOutput, VerifyError, HEADER_SDK_DATE,
        HEADER_SECURITY_TOKEN, MAX_CLOCK_SKEW,
    };
}
mod transport;

#[cfg(feature = "bulk")]
pub use bulk::{Action, Bulk, Outcome, Progress, ResultKind};
#[cfg(feature = "explain")]
pub use client::Setting;
#[cfg(feature = "account")]
pub use client::{Account, MalformedProject, Project, ProjectList};
pub use client::{ApiVersion, Client, ClientBuilder, RetryPolicy};
pub use config::{env, CredentialChain, Origin, REGIONS};
#[cfg(feature = "decrypt")]
pub use decrypt::decrypt_password;
pub use endpoint::Endpoint;
pub use error::{ApiError, Error};
pub use ids::{ProjectId, ServerId};
#[cfg(feature = "wait")]
pub use lifecycle::WaitOptions;
#[cfg(feature = "list")]
pub use listing::{Server, ServerFilter};
pub use password::{EncryptedPassword, PasswordCleared};
pub use request::ApiRequest;
/// The JSON crate [`ApiRequest::json_body`] and [`ApiResponse::json`] speak,
/// re-exported so that a script needs no dependency of its own for them.
pub use serde_json;
#[doc(no_inline)]
pub use sign::Credentials;
pub use transport::ApiResponse;

/// Locks, recovering the data if a thread panicked while holding it.
#[cfg(any(feature = "bulk", feature = "discovery"))]
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
            ("ApiResponse", size_of::<crate::ApiResponse>(), 152),
        ];
        #[cfg(feature = "bulk")]
        let sizes = [
            sizes.as_slice(),
            &[
                ("Outcome", size_of::<crate::Outcome>(), 32),
                (
                    "Result<Outcome, Error>",
                    size_of::<Result<crate::Outcome, crate::Error>>(),
                    72,
                ),
            ],
        ]
        .concat();
        for (name, size, most) in sizes {
            assert!(size <= most, "{name} is {size} bytes, more than {most}");
        }
    }

    /// Its text, five ranges, two optional ranges, the date and a flag.
    const SIGNING_OUTPUT: usize = 168;
}
