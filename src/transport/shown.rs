//! The transport's settings in words, for the explanation of a client's
//! configuration (the `explain` feature): the proxy after `NO_PROXY`, the
//! roots trusted and whether certificates are checked.

use crate::endpoint::Endpoint;

use super::env_proxy::{bypasses, EnvProxy};
use super::options::{
    from_environment, http_proxy_url, process_env, redact_userinfo, ProxySetting, TransportOptions,
};

/// The proxy a request to an endpoint goes through, for display.
pub(crate) enum ProxyShown {
    /// Given on the builder (its password redacted).
    Given(String),
    /// Turned off on the builder.
    Off,
    /// From these environment variables.
    FromVariable(String, String),
    /// The environment names a proxy, but `NO_PROXY` exempts the endpoint.
    Bypassed(String),
    /// The environment names one this transport cannot use (a `socks5://`
    /// or `https://` proxy): the error, and the variables.
    Refused(String, String),
    /// The environment names none.
    NoneInEnvironment,
}

impl TransportOptions {
    /// The proxy a request to `endpoint` goes through, after `NO_PROXY`
    /// (asked of the same ureq proxy that routes the request).
    pub(crate) fn proxy_shown(&self, endpoint: Option<&Endpoint>) -> ProxyShown {
        match &self.proxy {
            ProxySetting::Url(url) => ProxyShown::Given(redact_userinfo(
                &http_proxy_url("proxy", url).unwrap_or_else(|_| url.clone()),
            )),
            ProxySetting::Off => ProxyShown::Off,
            ProxySetting::FromEnvironment => {
                let https = endpoint.is_none_or(|e| e.url().starts_with("https://"));
                let Some(read) = EnvProxy::read(&process_env, https) else {
                    return ProxyShown::NoneInEnvironment;
                };
                let mut names = read.variable.to_owned();
                if let Some(exempt) = read.exempt_variable {
                    names = format!("{names}, {exempt}");
                }
                match from_environment(read) {
                    Ok(proxy) if endpoint.is_some_and(|e| bypasses(&proxy, e.url())) => {
                        ProxyShown::Bypassed(names)
                    }
                    // Shown without its user information.
                    Ok(proxy) => ProxyShown::FromVariable(
                        format!("http://{}:{}", proxy.host(), proxy.port()),
                        names,
                    ),
                    Err(e) => ProxyShown::Refused(e.to_string(), names),
                }
            }
        }
    }

    /// The root certificates trusted, in words.
    #[cfg(feature = "custom-ca")]
    pub(crate) fn roots_shown(&self) -> String {
        match &self.roots {
            None => "the bundled Mozilla roots".to_owned(),
            Some((pem, replace)) => {
                let count = super::roots::parse_certificates(pem).map_or(0, |c| c.len());
                if *replace {
                    format!("only {count} certificate(s) from the given PEM")
                } else {
                    format!(
                        "the bundled Mozilla roots and {count} certificate(s) from the given PEM"
                    )
                }
            }
        }
    }

    /// The root certificates trusted, in words.
    #[cfg(all(feature = "explain", not(feature = "custom-ca")))]
    #[cfg(not(feature = "custom-ca"))]
    pub(crate) fn roots_shown(&self) -> String {
        "the bundled Mozilla roots".to_owned()
    }

    /// Whether server certificates are checked, in words.
    pub(crate) fn verification_shown(&self) -> &'static str {
        if self.danger_accept_invalid_certificates {
            "OFF: any certificate is accepted (danger_accept_invalid_certificates)"
        } else {
            "on"
        }
    }
}

#[cfg(all(test, feature = "custom-ca"))]
mod tests {
    use super::*;

    #[test]
    fn the_roots_and_the_verification_in_words() {
        let pem = include_bytes!("../../tests/data/test-ca.pem").to_vec();
        let mut options = TransportOptions::default();
        assert_eq!(options.roots_shown(), "the bundled Mozilla roots");
        assert_eq!(options.verification_shown(), "on");
        options.roots = Some((pem.clone(), false));
        assert_eq!(
            options.roots_shown(),
            "the bundled Mozilla roots and 1 certificate(s) from the given PEM"
        );
        options.roots = Some((pem, true));
        assert_eq!(
            options.roots_shown(),
            "only 1 certificate(s) from the given PEM"
        );
        options.danger_accept_invalid_certificates = true;
        assert!(options
            .verification_shown()
            .starts_with("OFF: any certificate"));
    }
}
