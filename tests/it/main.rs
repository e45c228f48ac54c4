//! The library's integration tests, one module per area, linked into one
//! binary (`huge_body` stays apart: it measures the process's peak memory,
//! which other tests running beside it would disturb).

// Helpers shared by tests that a feature leaves out are unused without it.
#![cfg_attr(
    not(all(
        feature = "account",
        feature = "wait",
        feature = "custom-ca",
        feature = "discovery",
        feature = "explain"
    )),
    allow(dead_code, unused_imports)
)]

mod common;

#[cfg(feature = "account")]
mod account;
mod api;
mod canary;
mod chain;
mod client;
mod concurrency;
#[cfg(all(feature = "discovery", feature = "explain"))]
mod discovery;
mod faults;
#[cfg(all(feature = "bulk", feature = "wait"))]
mod fleet;
#[cfg(all(feature = "discovery", feature = "explain"))]
mod metadata;
mod properties;
mod regions;
#[cfg(feature = "bulk")]
mod throttling;
mod transport;
mod wire_vectors;
