//! A client's configuration as `hwcloud-ecs config` shows it: each value
//! with where it came from, secrets reduced to whether they are set.

use std::sync::Arc;

use crate::credentials::Credentials;
use crate::endpoint::Endpoint;

use super::builder::ClientBuilder;
use super::ApiVersion;

/// One value of a client's configuration, for display: secrets redacted,
/// with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Setting {
    /// What it is, e.g. `project id`.
    pub name: &'static str,
    /// Its value, or `(not set)`; secrets show only whether they are set.
    pub value: String,
    /// Where it came from: `explicit`, `environment HUAWEICLOUD_SDK_REGION`,
    /// `credentials file /root/.huaweicloud/credentials`, `ECS metadata
    /// meta_data.json`, `IAM ...`, `default`, ...
    pub origin: String,
}

/// Where the credentials, the project id and the region came from.
#[derive(Clone, Debug, Default)]
pub(crate) struct Origins {
    pub credentials: Option<String>,
    pub project_id: Option<String>,
    pub region: Option<String>,
}

/// The settings of `builder`, showing `credentials` (the current set).
pub(crate) fn render(
    builder: &ClientBuilder,
    credentials: Option<Arc<Credentials>>,
) -> Vec<Setting> {
    let origin = |o: &Option<String>| o.clone().unwrap_or_else(|| "not set".into());
    let set = |present: bool| if present { "<redacted>" } else { "(not set)" }.to_owned();
    let creds = credentials.as_deref();
    let endpoint = match (&builder.endpoint, &builder.region) {
        (Some(url), _) => (url.clone(), "explicit".to_owned()),
        (None, Some(region)) => (
            Endpoint::for_region(region).map_or_else(|e| format!("(invalid: {e})"), |e| e.url()),
            "derived from the region".to_owned(),
        ),
        (None, None) => ("(not set)".to_owned(), "not set".to_owned()),
    };
    let value = |v: Option<&String>| v.cloned().unwrap_or_else(|| "(not set)".into());
    let setting = |name, value: String, origin: String| Setting {
        name,
        value,
        origin,
    };
    let chosen = || "explicit or default".to_owned();
    vec![
        setting(
            "access key",
            creds.map_or("(not set)".into(), |c| c.access_key().to_owned()),
            origin(&builder.origins.credentials),
        ),
        setting(
            "secret key",
            set(creds.is_some()),
            origin(&builder.origins.credentials),
        ),
        setting(
            "security token",
            set(creds.is_some_and(Credentials::has_security_token)),
            origin(&builder.origins.credentials),
        ),
        setting(
            "project id",
            value(builder.project_id.as_ref()),
            origin(&builder.origins.project_id),
        ),
        setting(
            "region",
            value(builder.region.as_ref()),
            origin(&builder.origins.region),
        ),
        setting("endpoint", endpoint.0, endpoint.1),
        setting(
            "api",
            match builder.api {
                ApiVersion::V2_1 => "v2.1",
                ApiVersion::V1 => "v1",
            }
            .into(),
            chosen(),
        ),
        setting("transport", format!("{:?}", builder.transport), chosen()),
        setting(
            "timeouts",
            format!(
                "connect {:?}, attempt {:?}",
                builder.timeout_connect, builder.timeout
            ),
            chosen(),
        ),
        setting("retry", format!("{:?}", builder.retry), chosen()),
    ]
}
