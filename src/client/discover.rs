//! The discovery steps of a build (the `discovery` feature): temporary
//! credentials from the ECS metadata service when nothing else gave any,
//! and the signed sender IAM's project lookup goes through.

use std::sync::Arc;

use crate::config::discovery::Session;
use crate::config::iam::SignedSender;
use crate::error::Error;
use crate::transport::{ApiResponse, Prepared};

use super::builder::ClientBuilder;
use super::credentials::CredentialProvider;
use super::refresh::Refreshing;
use super::{Caller, OnThrottle};

impl ClientBuilder {
    /// The credentials to sign with: those given or found in the
    /// environment, else the ECS metadata service's (for a builder from
    /// [`Self::from_env`]), else the error that lists what was tried.
    pub(super) fn resolve_credentials(
        &mut self,
        session: Option<&Session>,
    ) -> Result<CredentialProvider, Error> {
        if let (None, Some(session)) = (&self.credentials, session) {
            self.credentials_from_metadata(session);
        }
        self.credentials
            .clone()
            .ok_or_else(|| self.no_credentials())
    }

    /// The fourth link of the chain: the agency's temporary credentials,
    /// kept fresh by a [`Refreshing`] provider. A failure joins what was tried.
    fn credentials_from_metadata(&mut self, session: &Session) {
        match session.temporary_credentials() {
            Ok((service, first, origin)) => {
                self.origins.credentials = Some(origin);
                self.credentials = Some(CredentialProvider::Metadata(Arc::new(Refreshing::new(
                    service, first,
                ))));
            }
            Err(why) => self.credentials_tried.push(why),
        }
    }
}

impl SignedSender for Caller {
    fn access_key(&self) -> Result<String, Error> {
        Ok(self.credentials.current()?.access_key().to_owned())
    }

    fn send_signed(&self, prepared: &Prepared<'_>) -> Result<ApiResponse, Error> {
        self.call(prepared, OnThrottle::Wait)
    }
}
