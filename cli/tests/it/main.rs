//! The CLI's integration tests, one module per area, linked into one
//! binary: each runs the built `hwcloud-ecs` against the fake gateway.

mod account;
mod bulk;
mod cli;
mod common;
