//! A client's configuration as `hwcloud-ecs config` shows it: each value
//! with where it came from, secrets reduced to whether they are set, and no
//! Rust `Debug` form anywhere.

use std::fmt;
use std::sync::Arc;

use crate::bounds::shown;
use crate::config::Origin;
use crate::sign::Credentials;
use crate::transport::ProxyShown;

use super::builder::{Chosen, Origins};
use super::{ApiVersion, Client, ClientBuilder, RetryPolicy};
use crate::endpoint::Endpoint;
use crate::transport::TransportOptions;

/// One value of a client's configuration, for display: secrets redacted,
/// with where it came from.
///
/// ```
/// use hwcloud_ecs::{Client, Credentials, Origin};
///
/// let builder = Client::builder().credentials(Credentials::new("AK", "SK")?).region("cn-north-4");
/// let settings = builder.settings();
/// let region = settings.iter().find(|s| s.key == "region").unwrap();
/// assert_eq!((region.value.as_str(), &region.origin), ("cn-north-4", &Origin::Explicit));
/// let sk = settings.iter().find(|s| s.key == "secret_key").unwrap();
/// assert_eq!(sk.value, "<redacted>");
/// # Ok::<(), hwcloud_ecs::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Setting {
    /// Its stable key, e.g. `project_id`: what `hwcloud-ecs config --json`
    /// names it by and what a program looks it up by. It does not change
    /// when the label does.
    pub key: &'static str,
    /// What it is, for people, e.g. `project id`.
    pub name: &'static str,
    /// Its value, or `(not set)`; secrets show only whether they are set.
    pub value: String,
    /// Where it came from.
    pub origin: Origin,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.name, self.value, self.origin)
    }
}

impl Client {
    /// The configuration as resolved when the client was built, value by
    /// value with where each came from (explicit, environment, credentials
    /// file, ECS metadata, IAM), secrets redacted: what `hwcloud-ecs config`
    /// prints. Rendered when asked, from the configuration the client was
    /// built with and the credentials in use now (temporary ones change as
    /// they are refreshed).
    pub fn settings(&self) -> Vec<Setting> {
        render(
            &self.inner.explained.settings_inputs(),
            Some(self.inner.caller.credentials.peek()),
        )
    }
}

impl ClientBuilder {
    /// The configuration this builder holds, value by value with where each
    /// came from, secrets redacted. Values that [`Self::build`] would still
    /// discover (ECS metadata, IAM) show as not set; a built client's
    /// [`Client::settings`] shows them.
    pub fn settings(&self) -> Vec<Setting> {
        render(
            &self.settings_inputs(),
            self.credentials.as_ref().map(|c| c.peek()),
        )
    }

    /// The values [`settings::render`] shows.
    pub(super) fn settings_inputs(&self) -> Inputs<'_> {
        Inputs {
            endpoint: self.chosen_endpoint().ok().flatten(),
            transport: &self.transport,
            origins: &self.origins,
            chosen: self.chosen,
            project_id: self.project_id.as_ref(),
            region: self.region.as_ref(),
            api: self.api,
            timeout_connect: self.timeout_connect,
            timeout: self.timeout,
            retry: self.retry,
            max_rate: self.rate_cap(),
        }
    }

    /// The explicit cap on the sending rate: none without `bulk`.
    fn rate_cap(&self) -> Option<f64> {
        #[cfg(feature = "bulk")]
        return self.max_rate;
        #[cfg(not(feature = "bulk"))]
        None
    }
}

/// What the settings are rendered from: the values a builder holds, handed
/// over by it, so that this module needs nothing of the builder.
pub(crate) struct Inputs<'a> {
    /// The endpoint the client would call and where it came from.
    pub endpoint: Option<(Endpoint, Origin)>,
    pub transport: &'a TransportOptions,
    pub origins: &'a Origins,
    pub chosen: Chosen,
    pub project_id: Option<&'a String>,
    pub region: Option<&'a String>,
    pub api: ApiVersion,
    pub timeout_connect: std::time::Duration,
    pub timeout: std::time::Duration,
    pub retry: RetryPolicy,
    pub max_rate: Option<f64>,
}

/// The settings of a builder's `inputs`, showing `credentials` (the current set).
pub(crate) fn render(inputs: &Inputs<'_>, credentials: Option<Arc<Credentials>>) -> Vec<Setting> {
    let builder = inputs;
    let origin = |o: &Option<Origin>| o.clone().unwrap_or(Origin::NotSet);
    let chosen = |set: bool| {
        if set {
            Origin::Explicit
        } else {
            Origin::Default
        }
    };
    let redacted = |present: bool| if present { "<redacted>" } else { "(not set)" }.to_owned();
    let value = |v: Option<&String>| v.cloned().unwrap_or_else(|| "(not set)".into());
    let setting =
        |(key, name): (&'static str, &'static str), value: String, origin: Origin| Setting {
            key,
            name,
            value,
            origin,
        };
    let creds = credentials.as_deref();
    let endpoint = builder.endpoint.clone();
    let proxy = match builder
        .transport
        .proxy_shown(endpoint.as_ref().map(|(e, _)| e))
    {
        ProxyShown::Given(url) => (url, Origin::Explicit),
        ProxyShown::Off => ("none".to_owned(), Origin::Explicit),
        ProxyShown::FromVariable(url, names) => (url, Origin::Environment(names)),
        ProxyShown::Bypassed(names) => (
            "none (NO_PROXY names the endpoint)".to_owned(),
            Origin::Environment(names),
        ),
        ProxyShown::Refused(why, names) => (format!("unusable: {why}"), Origin::Environment(names)),
        ProxyShown::NoneInEnvironment => ("none".to_owned(), Origin::Default),
    };
    vec![
        setting(
            ("access_key", "access key"),
            creds.map_or("(not set)".into(), |c| c.access_key().to_owned()),
            origin(&builder.origins.credentials),
        ),
        setting(
            ("secret_key", "secret key"),
            redacted(creds.is_some()),
            origin(&builder.origins.credentials),
        ),
        setting(
            ("security_token", "security token"),
            redacted(creds.is_some_and(Credentials::has_security_token)),
            origin(&builder.origins.credentials),
        ),
        setting(
            ("project_id", "project id"),
            value(builder.project_id),
            origin(&builder.origins.project_id),
        ),
        setting(
            ("region", "region"),
            value(builder.region),
            origin(&builder.origins.region),
        ),
        match &endpoint {
            Some((endpoint, origin)) => setting(
                ("endpoint", "endpoint"),
                endpoint.url().to_owned(),
                origin.clone(),
            ),
            None => setting(("endpoint", "endpoint"), "(not set)".into(), Origin::NotSet),
        },
        setting(
            ("api", "api"),
            match builder.api {
                ApiVersion::V2_1 => "v2.1",
                ApiVersion::V1 => "v1",
            }
            .into(),
            chosen(builder.chosen.api),
        ),
        setting(("proxy", "proxy"), proxy.0, proxy.1),
        setting(
            ("ca_roots", "ca roots"),
            builder.transport.roots_shown(),
            chosen(builder.chosen.roots),
        ),
        setting(
            ("tls_verification", "tls verification"),
            builder.transport.verification_shown().into(),
            chosen(builder.chosen.verification),
        ),
        setting(
            ("connect_timeout", "connect timeout"),
            shown(builder.timeout_connect),
            chosen(builder.chosen.timeout_connect),
        ),
        setting(
            ("attempt_timeout", "attempt timeout"),
            shown(builder.timeout),
            chosen(builder.chosen.timeout),
        ),
        setting(
            ("retry", "retry"),
            builder.retry.to_string(),
            chosen(builder.chosen.retry),
        ),
        match builder.max_rate {
            Some(rate) => setting(
                ("max_rate", "max rate"),
                format!("{rate} requests/s"),
                Origin::Explicit,
            ),
            None => setting(
                ("max_rate", "max rate"),
                "none: paced only after the gateway throttles".into(),
                Origin::Default,
            ),
        },
    ]
}
