//! The credentials a client signs with: fixed ones (given, or read once
//! from the environment or a file), or, with the `discovery` feature, the
//! ECS agency's temporary ones, refreshed as they age (`refresh`).

use std::sync::Arc;

use crate::error::Error;
use crate::sign::Credentials;

#[cfg(feature = "discovery")]
use super::refresh::{lock_read, Refreshing};

/// Where a client's signing credentials come from.
#[derive(Clone, Debug)]
pub(crate) enum CredentialProvider {
    /// Given, or read once from the environment or a file.
    Fixed(Arc<Credentials>),
    /// The agency's temporary credentials, refreshed as they age.
    #[cfg(feature = "discovery")]
    Metadata(Arc<Refreshing>),
}

impl CredentialProvider {
    /// The credentials to sign the next request with.
    pub(crate) fn current(&self) -> Result<Arc<Credentials>, Error> {
        match self {
            CredentialProvider::Fixed(credentials) => Ok(Arc::clone(credentials)),
            #[cfg(feature = "discovery")]
            CredentialProvider::Metadata(refreshing) => refreshing.current(),
        }
    }

    /// The credentials as they are now, without refreshing (for display).
    pub(crate) fn peek(&self) -> Arc<Credentials> {
        match self {
            CredentialProvider::Fixed(credentials) => Arc::clone(credentials),
            #[cfg(feature = "discovery")]
            CredentialProvider::Metadata(refreshing) => {
                Arc::clone(&lock_read(&refreshing.set).credentials)
            }
        }
    }
}
