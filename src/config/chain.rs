//! The credential chain: explicit credentials, then the environment, then
//! the official SDKs' credentials file, then (with the `discovery` feature)
//! the ECS metadata service. The first complete set wins.

use crate::error::Error;
use crate::sign::Credentials;

#[cfg(feature = "discovery")]
use super::discovery::Discovery;
use super::profile::{self, Profile};
use super::{env, Origin};

/// What the environment and the credentials file gave (the metadata service
/// is asked later, only when they gave nothing): credentials, when a
/// complete set was found; the profile file read on the way (its
/// `project_id` is the next source of the project id); and what was tried.
#[derive(Debug, Default)]
pub(crate) struct ChainResult {
    pub credentials: Option<(Credentials, Origin)>,
    pub profile: Option<Profile>,
    pub tried: Vec<String>,
}

/// The credential chain the official SDKs follow, for [`Credentials`]
/// (which lives in the signer's package, so that the chain is a trait here):
/// bring it into scope with `use hwcloud_ecs::CredentialChain`.
///
/// ```no_run
/// use hwcloud_ecs::{CredentialChain, Credentials};
///
/// let (creds, origin) = Credentials::from_chain()?;
/// println!("{} from {origin}", creds.access_key());
/// # Ok::<(), hwcloud_ecs::Error>(())
/// ```
pub trait CredentialChain: Sized {
    /// Credentials from the environment, else from the credentials file
    /// (`$HUAWEICLOUD_SDK_CREDENTIALS_FILE` or `~/.huaweicloud/credentials`),
    /// else, with the `discovery` feature, from the ECS metadata service
    /// (inside an ECS whose agency grants them; off ECS this step fails
    /// within about a second).
    ///
    /// Temporary credentials from the metadata service are returned as a
    /// snapshot: for a client that refreshes them before they expire, use
    /// [`crate::ClientBuilder::from_env`] instead of passing them in.
    ///
    /// # Errors
    /// [`Error::Config`] when only one of AK and SK is set in either place,
    /// or when nothing was found: the message lists what was tried.
    fn from_chain() -> Result<(Self, Origin), Error> {
        Self::from_chain_with(|name| std::env::var(name).ok())
    }

    /// [`CredentialChain::from_chain`], reading variables through `lookup`.
    ///
    /// # Errors
    /// As [`CredentialChain::from_chain`].
    fn from_chain_with(lookup: impl Fn(&str) -> Option<String>) -> Result<(Self, Origin), Error>;
}

impl CredentialChain for Credentials {
    fn from_chain_with(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(Credentials, Origin), Error> {
        #[allow(unused_mut)] // The metadata step, with `discovery`, adds to what was tried.
        let mut found = run(&lookup)?;
        if let Some(found) = found.credentials {
            return Ok(found);
        }
        #[cfg(feature = "discovery")]
        match super::metadata::snapshot(
            lookup(env::METADATA_URL_FOR_TESTS).filter(|v| !v.is_empty()),
        ) {
            Ok(found) => return Ok(found),
            Err(e) => found.tried.push(e.to_string()),
        }
        Err(nothing_found(&found.tried))
    }
}

/// Where credentials from the environment came from.
fn environment_origin() -> Origin {
    Origin::Environment(format!("{} / {}", env::AK, env::SK))
}

/// The message for an empty chain.
pub(crate) fn nothing_found(tried: &[String]) -> Error {
    let metadata = if cfg!(feature = "discovery") {
        "run inside an ECS whose agency grants temporary credentials"
    } else {
        "build with the discovery feature to use an ECS agency's temporary credentials"
    };
    Error::Config(format!(
        "no credentials found; tried: {}. Set {} and {}, write ak and sk under [basic] in the credentials file, or {metadata}",
        tried.join("; "),
        env::AK,
        env::SK
    ))
}

pub(crate) fn run(lookup: &dyn Fn(&str) -> Option<String>) -> Result<ChainResult, Error> {
    let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
    let mut result = ChainResult::default();

    match (get(env::AK), get(env::SK)) {
        (Some(ak), Some(sk)) => {
            let creds = with_token(Credentials::new(ak, sk)?, get(env::SECURITY_TOKEN))?;
            result.credentials = Some((creds, environment_origin()));
        }
        (Some(_), None) => {
            return Err(Error::Config(format!(
                "{} is set but {} is not",
                env::AK,
                env::SK
            )))
        }
        (None, Some(_)) => {
            return Err(Error::Config(format!(
                "{} is set but {} is not",
                env::SK,
                env::AK
            )))
        }
        (None, None) => result.tried.push(format!(
            "environment ({} and {} are not set)",
            env::AK,
            env::SK
        )),
    }

    // A file named explicitly must be read; the default one may belong to
    // another tool (only a `[default]` section, say), and a file nobody
    // asked for must not be able to fail a run whose values come from
    // elsewhere: it is passed over, and the reason kept for the error that
    // lists what was tried.
    let named = get(env::CREDENTIALS_FILE).is_some();
    let read = |path: &std::path::Path| match profile::read(path) {
        Err(e) if !named => {
            log::warn!("passing over the credentials file nobody named: {e}");
            Ok(Err(e.to_string()))
        }
        other => other.map(Ok),
    };
    match profile::default_path(lookup) {
        None => result.tried.push(format!(
            "credentials file (neither {} nor {} is set)",
            env::CREDENTIALS_FILE,
            if cfg!(windows) { "USERPROFILE" } else { "HOME" }
        )),
        Some(path) => match read(&path)? {
            Err(why) => result.tried.push(format!("{why} (passed over)")),
            Ok(found) => match found {
                None => result
                    .tried
                    .push(format!("credentials file {} (not found)", path.display())),
                Some(profile) => {
                    if result.credentials.is_none() {
                        match (&profile.access_key, &profile.secret_key) {
                            (Some(ak), Some(sk)) => {
                                let creds = with_token(
                                    Credentials::new(ak.clone(), sk.clone())?,
                                    profile.security_token.clone(),
                                )?;
                                result.credentials =
                                    Some((creds, Origin::CredentialsFile(path.clone())));
                            }
                            (None, None) => result.tried.push(format!(
                                "credentials file {} (no ak and sk)",
                                path.display()
                            )),
                            (Some(_), None) => {
                                return Err(Error::Config(format!(
                                    "{} has ak but no sk",
                                    path.display()
                                )))
                            }
                            (None, Some(_)) => {
                                return Err(Error::Config(format!(
                                    "{} has sk but no ak",
                                    path.display()
                                )))
                            }
                        }
                    }
                    result.profile = Some(profile);
                }
            },
        },
    }
    Ok(result)
}

fn with_token(creds: Credentials, token: Option<String>) -> Result<Credentials, Error> {
    match token {
        Some(token) => Ok(creds.with_security_token(token)?),
        None => Ok(creds),
    }
}

/// What `ClientBuilder::from_env` starts from: the environment and the
/// credentials file, each value with its origin, and where the metadata
/// service and IAM are for the values still missing.
#[derive(Debug)]
pub(crate) struct FromEnvironment {
    pub credentials: Option<(Credentials, Origin)>,
    /// What the credential chain tried, when it found nothing.
    pub tried: Vec<String>,
    pub project_id: Option<(String, Origin)>,
    pub region: Option<(String, Origin)>,
    #[cfg(feature = "discovery")]
    pub discovery: Discovery,
}

/// Reads the environment through `lookup` (empty values count as unset),
/// then the credentials file.
///
/// # Errors
/// [`Error::Config`] when only one of AK and SK is set, or the credentials
/// file cannot be read.
pub(crate) fn from_environment(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<FromEnvironment, Error> {
    let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
    let found = run(lookup)?;
    let file = |path: &std::path::Path| Origin::CredentialsFile(path.to_owned());
    let credentials = found.credentials;
    let project_id = match (get(env::PROJECT_ID), &found.profile) {
        (Some(id), _) => Some((id, Origin::Environment(env::PROJECT_ID.into()))),
        (None, Some(profile)) => profile
            .project_id
            .clone()
            .map(|id| (id, file(&profile.path))),
        _ => None,
    };
    let region = get(env::REGION).map(|r| (r, Origin::Environment(env::REGION.into())));
    Ok(FromEnvironment {
        credentials,
        tried: found.tried,
        project_id,
        region,
        #[cfg(feature = "discovery")]
        discovery: Discovery {
            metadata_url: get(env::METADATA_URL_FOR_TESTS),
            iam_endpoint: get(env::IAM_ENDPOINT),
        },
    })
}
