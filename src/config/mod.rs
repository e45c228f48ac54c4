//! Configuration: every place a client's settings come from, each written
//! once, below the client and above the transport.
//!
//! - [`env`]: the environment variables, by name;
//! - `profile`: the official SDKs' credentials file;
//! - `metadata`: the ECS metadata service (temporary credentials, region, project);
//! - `iam`: the project id by region, from IAM;
//! - `regions`: a region's ECS endpoint (environment, regions file, table);
//! - `regions_file`: the official SDKs' `regions.yaml`;
//! - `chain`: the order of the credential sources;
//! - `discovery`: the metadata and IAM steps of one build;
//! - [`Origin`]: where each value came from.
//!
//! `ClientBuilder::from_env` reads the environment and the file through
//! `chain`; `ClientBuilder::build` runs a `discovery` session for what is
//! still missing. The IAM step signs through [`iam::SignedSender`], which the
//! client implements, so configuration never depends on the client.

pub(crate) mod chain;
pub use chain::CredentialChain;
#[cfg(feature = "discovery")]
pub(crate) mod discovery;
pub mod env;
#[cfg(feature = "discovery")]
pub(crate) mod iam;
#[cfg(feature = "discovery")]
pub(crate) mod metadata;
mod origin;
pub(crate) mod profile;
pub(crate) mod regions;
#[cfg(feature = "regions-file")]
mod regions_file;

pub use origin::Origin;
pub use regions::REGIONS;

use std::fmt;
use std::sync::Arc;

/// Reads a configuration variable (the process environment, or what an
/// embedder gave [`crate::ClientBuilder::from_env_with`]).
#[derive(Clone)]
pub(crate) struct Lookup(pub Arc<LookupFn>);

/// What a [`Lookup`] calls.
pub(crate) type LookupFn = dyn Fn(&str) -> Option<String> + Send + Sync;

impl Lookup {
    /// The variable's value, when set and not empty.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.is_empty())
    }
}

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Lookup(..)")
    }
}
