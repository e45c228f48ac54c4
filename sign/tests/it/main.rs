//! The signer's integration tests, one module per area, linked into one
//! binary.

#[cfg(feature = "http")]
mod http_request;
#[cfg(feature = "http")]
mod ureq_agent;
mod vectors;
mod verifier;
