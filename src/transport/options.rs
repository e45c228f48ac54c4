//! Proxy and TLS settings of the client's transport.

use std::fmt;

use ureq::tls::{RootCerts, TlsConfig};

use crate::error::Error;

use super::env_proxy::EnvProxy;

/// Which proxy the client goes through.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) enum ProxySetting {
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY`, as ureq reads them.
    #[default]
    FromEnvironment,
    /// This proxy URL, e.g. `http://user:password@proxy:3128`.
    Url(String),
    /// No proxy, whatever the environment says.
    Off,
}

/// Proxy and TLS options, with the proxy password kept out of `Debug`.
#[derive(Clone, Default)]
pub(crate) struct TransportOptions {
    pub proxy: ProxySetting,
    /// Extra root certificates (PEM), and whether they replace the bundled ones.
    #[cfg(feature = "custom-ca")]
    pub roots: Option<(Vec<u8>, bool)>,
    pub danger_accept_invalid_certificates: bool,
    /// The agent calls a plain-http (loopback) endpoint: the environment's
    /// proxy is then the one curl uses for `http://` URLs.
    pub plain_http: bool,
}

impl fmt::Debug for TransportOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proxy = match &self.proxy {
            ProxySetting::FromEnvironment => "from the environment".to_owned(),
            ProxySetting::Off => "off".to_owned(),
            ProxySetting::Url(url) => redact_userinfo(url),
        };
        f.debug_struct("TransportOptions")
            .field("proxy", &proxy)
            .field("custom_roots", &self.custom_roots())
            .field(
                "danger_accept_invalid_certificates",
                &self.danger_accept_invalid_certificates,
            )
            .finish()
    }
}

/// `scheme://user:password@host` -> `scheme://<redacted>@host`, and the
/// same without a scheme (`user:password@host:port`).
pub(super) fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    // The last `@` ends the user information, whatever the password holds.
    let shown = match rest.rfind('@') {
        Some(at) => format!("<redacted>@{}", &rest[at + 1..]),
        None => rest.to_owned(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{shown}"),
        None => shown,
    }
}

/// `url` as an `http://` proxy URL: without a scheme, `http://` is meant
/// (as curl reads it). The transport tunnels through HTTP proxies only:
/// SOCKS and TLS-to-the-proxy are refused here, before anything is sent,
/// instead of failing inside the transport.
pub(super) fn http_proxy_url(field: &'static str, url: &str) -> Result<String, Error> {
    let url = url.trim();
    let normalized = match url.split_once("://") {
        None => format!("http://{url}"),
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("http") => url.to_owned(),
        Some((scheme, _)) => {
            return Err(Error::invalid(
                field,
                format!(
                    "{}: the {scheme:?} scheme is not supported; use an http:// proxy (the connection to the endpoint is TLS through it either way)",
                    redact_userinfo(url)
                ),
            ))
        }
    };
    Ok(normalized)
}

/// The process environment, for the proxy variables.
pub(super) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl TransportOptions {
    /// Whether custom roots are added to the bundled ones or replace them.
    fn custom_roots(&self) -> Option<&'static str> {
        #[cfg(feature = "custom-ca")]
        if let Some((_, replace)) = &self.roots {
            return Some(if *replace { "replace" } else { "add" });
        }
        None
    }

    /// The proxy for ureq: `None` for none at all.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a proxy URL, given or from the
    /// environment, that is not an `http://` proxy; the password is never
    /// part of the message.
    pub(crate) fn proxy(&self) -> Result<Option<ureq::Proxy>, Error> {
        match &self.proxy {
            ProxySetting::FromEnvironment => EnvProxy::read(&process_env, !self.plain_http)
                .map(from_environment)
                .transpose(),
            ProxySetting::Off => Ok(None),
            ProxySetting::Url(url) => {
                let normalized = http_proxy_url("proxy", url)?;
                ureq::Proxy::new(&normalized)
                    .map(Some)
                    .map_err(|e| Error::invalid("proxy", format!("{}: {e}", redact_userinfo(url))))
            }
        }
    }

    /// The TLS configuration for ureq: rustls with ring (ureq's `rustls`
    /// feature), verifying against Mozilla's roots as ureq bundles them
    /// (`webpki-roots`). With the `custom-ca` feature, a private CA's
    /// certificates are trusted with those roots (Mozilla's bundle as
    /// certificates, from `webpki-root-certs`) or alone.
    pub(crate) fn tls(&self) -> Result<super::Tls, Error> {
        Ok(super::Tls(
            TlsConfig::builder()
                .root_certs(self.root_certs()?)
                .disable_verification(self.danger_accept_invalid_certificates)
                .build(),
        ))
    }

    /// The roots ureq verifies against.
    fn root_certs(&self) -> Result<RootCerts, Error> {
        #[cfg(feature = "custom-ca")]
        if let Some((pem, replace)) = &self.roots {
            return super::roots::custom(pem, *replace);
        }
        Ok(RootCerts::WebPki)
    }
}

/// The environment's proxy as ureq's, its `NO_PROXY` list as ureq's
/// expressions: the one matcher for the route and for what is shown.
///
/// # Errors
/// [`Error::InvalidInput`] for a proxy that is not an `http://` one; the
/// password is never part of the message.
pub(super) fn from_environment(proxy: EnvProxy) -> Result<ureq::Proxy, Error> {
    let name = proxy.variable;
    let normalized = http_proxy_url("proxy", &proxy.url).map_err(|e| match e {
        Error::InvalidInput { reason, .. } => Error::invalid(
            "proxy",
            format!("{name}={reason}; or set no proxy (ClientBuilder::no_proxy) to ignore it"),
        ),
        other => other,
    })?;
    let bad = |e: ureq::Error| {
        Error::invalid(
            "proxy",
            format!("{name}={}: {e}", redact_userinfo(&proxy.url)),
        )
    };
    let parsed = ureq::Proxy::new(&normalized).map_err(bad)?;
    let mut builder = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
        .host(parsed.host())
        .port(parsed.port());
    if let Some(user) = parsed.username() {
        builder = builder.username(user);
    }
    if let Some(password) = parsed.password() {
        builder = builder.password(password);
    }
    for expression in proxy.ureq_expressions() {
        builder = builder.no_proxy(&expression);
    }
    builder.build().map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_passwords_stay_out_of_debug_and_errors() {
        let options = TransportOptions {
            proxy: ProxySetting::Url("http://alice:s3cret@proxy.example:3128".into()),
            ..TransportOptions::default()
        };
        let shown = format!("{options:?}");
        assert!(
            shown.contains("http://<redacted>@proxy.example:3128") && !shown.contains("s3cret"),
            "{shown}"
        );
        for bad in [
            "ftp://alice:s3cret@proxy",
            "socks5://alice:s3cret@proxy:1080",
            "socks://alice:s3cret@proxy",
            "https://alice:s3cret@proxy",
        ] {
            let options = TransportOptions {
                proxy: ProxySetting::Url(bad.into()),
                ..TransportOptions::default()
            };
            let e = options.proxy().unwrap_err();
            assert!(matches!(e, Error::InvalidInput { .. }), "{bad}: {e}");
            assert!(!e.to_string().contains("s3cret"), "{e}");
        }
    }

    #[test]
    fn a_proxy_without_a_scheme_is_http_and_its_password_is_redacted() {
        let options = TransportOptions {
            proxy: ProxySetting::Url("alice:s3cret@proxy.example:3128".into()),
            ..TransportOptions::default()
        };
        let proxy = options.proxy().unwrap().unwrap();
        assert_eq!(proxy.protocol(), ureq::ProxyProtocol::Http);
        assert_eq!(proxy.host(), "proxy.example");
        assert_eq!(proxy.password(), Some("s3cret"));
        let shown = format!("{options:?}");
        assert!(
            shown.contains("<redacted>@proxy.example:3128") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert_eq!(
            redact_userinfo("a:p/w@d@h:1"),
            "<redacted>@h:1",
            "the last @ ends the user information"
        );
    }

    #[test]
    fn an_http_scheme_in_any_case_and_none_at_all() {
        assert_eq!(
            http_proxy_url("proxy", " HTTP://p.example:3128 ").unwrap(),
            "HTTP://p.example:3128"
        );
        assert_eq!(
            http_proxy_url("proxy", "p.example:3128").unwrap(),
            "http://p.example:3128"
        );
    }
}
