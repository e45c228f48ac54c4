//! Where a configuration value came from, for `settings()` and
//! `hwcloud-ecs config`.

use std::fmt;
use std::path::PathBuf;

/// Where one value of a client's configuration came from.
///
/// Its `Display` is the words `hwcloud-ecs config` prints:
///
/// ```
/// use hwcloud_ecs::Origin;
/// assert_eq!(Origin::Environment("HUAWEICLOUD_SDK_REGION".into()).to_string(), "environment HUAWEICLOUD_SDK_REGION");
/// assert_eq!(Origin::Default.to_string(), "default");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// Set on the builder (for the CLI: on the command line).
    Explicit,
    /// An environment variable, by name (or names, such as `HTTPS_PROXY` and `NO_PROXY`).
    Environment(String),
    /// The credentials file at this path.
    CredentialsFile(PathBuf),
    /// The regions file at this path.
    RegionsFile(PathBuf),
    /// The ECS metadata service: the document, and what is done with it.
    EcsMetadata(String),
    /// An IAM project lookup at this URL.
    Iam(String),
    /// Worked out from another value (the endpoint from the region).
    Derived(&'static str),
    /// The crate's default.
    Default,
    /// Not set anywhere, and not discovered (yet).
    NotSet,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Explicit => f.write_str("explicit"),
            Origin::Environment(names) => write!(f, "environment {names}"),
            Origin::CredentialsFile(path) => write!(f, "credentials file {}", path.display()),
            Origin::RegionsFile(path) => write!(f, "regions file {}", path.display()),
            Origin::EcsMetadata(what) => write!(f, "ECS metadata {what}"),
            Origin::Iam(url) => write!(f, "IAM {url}"),
            Origin::Derived(from) => write!(f, "derived from the {from}"),
            Origin::Default => f.write_str("default"),
            Origin::NotSet => f.write_str("not set"),
        }
    }
}
