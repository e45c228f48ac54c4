//! A small, blocking Huawei Cloud ECS client that signs every request with
//! the account's AK/SK (`SDK-HMAC-SHA256`) and clears a Windows server's
//! generated password.
//!
//! - [`sign`]: the signer and verifier, pure functions with no I/O.
//! - [`Client`]: the blocking client (one connection pool, cheap to clone).
//! - `fake` (feature `fake-gateway`): a local stand-in for the API gateway
//!   that verifies signatures exactly as the real one does.
//!
//! No async runtime is involved anywhere.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod credentials;
mod error;
pub mod error_body;
#[cfg(feature = "fake-gateway")]
pub mod fake;
mod ids;
pub mod sign;

pub use credentials::Credentials;
pub use error::{ApiError, Error};
pub use ids::{ProjectId, ServerId};
mod client;
#[cfg(feature = "decrypt")]
mod decrypt;
mod endpoint;
mod fleet;
mod lifecycle;
mod password;
mod request;

#[cfg(feature = "decrypt")]
pub use decrypt::decrypt_password;
pub use fleet::{Progress, Server, DEFAULT_CONCURRENCY, LIST_PAGE_SIZE};
pub use lifecycle::WaitOptions;

pub use client::{
    env, ApiVersion, Client, ClientBuilder, RetryPolicy, MAX_ERROR_BODY, MAX_SUCCESS_BODY,
};
pub use endpoint::Endpoint;
pub use password::{EncryptedPassword, PasswordCleared};
pub use request::{ApiRequest, ApiResponse};

/// Locks, recovering the data if a thread panicked while holding it.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The README's examples, compiled and run as doc tests.
#[cfg(all(doctest, feature = "fake-gateway"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
