//! The discovery steps of a build: what the environment and the
//! credentials file did not give, from the ECS metadata service and IAM.
//! They run only for a builder from `from_env`, only for values still
//! missing, and every metadata step of one build shares one deadline.

use std::time::Instant;

use crate::bounds::instant_after;
use crate::error::Error;

use super::iam::{self, SignedSender};
use super::metadata::{InstanceInfo, MetadataService, TemporaryCredentials, METADATA_BUDGET};
use super::{env, Origin};

/// Where the metadata service and IAM are (set by `from_env`).
#[derive(Clone, Debug)]
pub(crate) struct Discovery {
    /// The stand-in for the metadata service's address (tests only).
    pub metadata_url: Option<String>,
    pub iam_endpoint: Option<String>,
}

impl Discovery {
    /// Starts one build's discovery: its metadata deadline runs from now.
    pub(crate) fn start(self) -> Session {
        Session {
            discovery: self,
            deadline: instant_after(METADATA_BUDGET),
            instance: None,
            metadata_said: None,
        }
    }
}

/// One build's discovery.
#[derive(Debug)]
pub(crate) struct Session {
    discovery: Discovery,
    /// When every metadata step of this build must be done.
    deadline: Instant,
    /// `meta_data.json`, asked at most once per build.
    instance: Option<Result<InstanceInfo, String>>,
    /// Why the metadata did not give a value, for the error if nothing else does.
    metadata_said: Option<String>,
}

impl Session {
    fn service(&self) -> Result<MetadataService, String> {
        MetadataService::new(self.discovery.metadata_url.as_deref()).map_err(|e| e.to_string())
    }

    /// The fourth link of the credential chain: the agency's temporary
    /// credentials, the service that renews them, and the origin to show.
    pub(crate) fn temporary_credentials(
        &self,
    ) -> Result<(MetadataService, TemporaryCredentials, Origin), String> {
        let service = self.service()?;
        let first = service
            .security_key(self.deadline)
            .map_err(|e| e.to_string())?;
        let origin = Origin::EcsMetadata(format!(
            "{} (temporary, refreshed before they expire)",
            service.base()
        ));
        Ok((service, first, origin))
    }

    fn instance(&mut self) -> Result<InstanceInfo, String> {
        let deadline = self.deadline;
        let service = self.service();
        self.instance
            .get_or_insert_with(|| service?.instance_info(deadline).map_err(|e| e.to_string()))
            .clone()
    }

    /// The region from `meta_data.json`.
    pub(crate) fn region(&mut self) -> Option<(String, Origin)> {
        match self.instance().map(|info| info.region_id) {
            Ok(Some(region)) => Some((region, meta_data_json())),
            Ok(None) => {
                self.metadata_said = Some("meta_data.json has no region_id".into());
                None
            }
            Err(why) => {
                self.metadata_said = Some(why);
                None
            }
        }
    }

    /// The project id from `meta_data.json`, else from IAM by `region`.
    ///
    /// # Errors
    /// [`Error::Config`] when neither can give it, saying what was tried;
    /// [`Error::ProjectLookup`] when IAM does not name exactly one project.
    pub(crate) fn project_id(
        &mut self,
        region: Option<&str>,
        sender: &impl SignedSender,
    ) -> Result<(String, Origin), Error> {
        let said = match self.instance().map(|info| info.project_id) {
            Ok(Some(id)) => return Ok((id, meta_data_json())),
            Ok(None) => "meta_data.json has no project_id".to_owned(),
            Err(why) => why,
        };
        self.metadata_said = Some(said);
        let Some(region) = region else {
            return Err(Error::Config(format!(
                "no project id, and no region to look it up by in IAM: set {} or {}{}",
                env::PROJECT_ID,
                env::REGION,
                self.tried()
            )));
        };
        let iam = iam::iam_endpoint(self.discovery.iam_endpoint.as_deref(), region)?;
        let found = iam::project_by_region(sender, &iam, region).map_err(|e| match e {
            Error::ProjectLookup { .. } | Error::InvalidInput { .. } => e,
            // IAM could not be asked (down, refused, no permission): say
            // what was being done and what to set instead.
            other => Error::Config(format!(
                "no project id, and looking it up in IAM at {} failed: {other}; set {} or project_id in the credentials file{}",
                iam.url(),
                env::PROJECT_ID,
                self.tried()
            )),
        })?;
        Ok((found.project_id, found.origin))
    }

    /// ` (tried the ECS metadata: why)` when a metadata step failed.
    pub(crate) fn tried(&self) -> String {
        self.metadata_said
            .as_deref()
            .map(|why| format!(" (tried the ECS metadata: {why})"))
            .unwrap_or_default()
    }
}

fn meta_data_json() -> Origin {
    Origin::EcsMetadata("meta_data.json".into())
}
