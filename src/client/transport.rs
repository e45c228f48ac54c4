//! Proxy and TLS settings of the client's transport.

use std::fmt;
use std::sync::Arc;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use crate::error::Error;

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
    pub roots: Option<(Vec<u8>, bool)>,
    pub danger_accept_invalid_certificates: bool,
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
            .field(
                "custom_roots",
                &self
                    .roots
                    .as_ref()
                    .map(|(_, replace)| if *replace { "replace" } else { "add" }),
            )
            .field(
                "danger_accept_invalid_certificates",
                &self.danger_accept_invalid_certificates,
            )
            .finish()
    }
}

/// `scheme://user:password@host` -> `scheme://<redacted>@host`.
pub(crate) fn redact_userinfo(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://<redacted>@{}", &url[at + 1..]),
        _ => url.to_owned(),
    }
}

impl TransportOptions {
    /// The proxy for ureq: `None` for none at all.
    pub(crate) fn proxy(&self) -> Result<Option<ureq::Proxy>, Error> {
        match &self.proxy {
            ProxySetting::FromEnvironment => Ok(ureq::Proxy::try_from_env()),
            ProxySetting::Off => Ok(None),
            ProxySetting::Url(url) => ureq::Proxy::new(url)
                .map(Some)
                .map_err(|e| Error::invalid("proxy", format!("{}: {e}", redact_userinfo(url)))),
        }
    }

    /// The TLS configuration for ureq.
    pub(crate) fn tls(&self) -> Result<TlsConfig, Error> {
        let mut builder =
            TlsConfig::builder().disable_verification(self.danger_accept_invalid_certificates);
        if let Some((pem, replace)) = &self.roots {
            let mut roots = parse_certificates(pem)?;
            if !replace {
                roots.extend(
                    webpki_root_certs::TLS_SERVER_ROOT_CERTS
                        .iter()
                        .map(|der| Certificate::from_der(der.as_ref()).to_owned()),
                );
            }
            builder = builder.root_certs(RootCerts::Specific(Arc::new(roots)));
        }
        Ok(builder.build())
    }
}

fn parse_certificates(pem: &[u8]) -> Result<Vec<Certificate<'static>>, Error> {
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => {
                return Err(Error::invalid(
                    "root certificates",
                    format!("not valid PEM: {e}"),
                ))
            }
        }
    }
    if certs.is_empty() {
        return Err(Error::invalid(
            "root certificates",
            "the PEM holds no CERTIFICATE block",
        ));
    }
    Ok(certs)
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
        let bad = TransportOptions {
            proxy: ProxySetting::Url("ftp://alice:s3cret@proxy".into()),
            ..TransportOptions::default()
        };
        if let Err(e) = bad.proxy() {
            assert!(!e.to_string().contains("s3cret"), "{e}");
        }
    }

    #[test]
    fn a_pem_without_certificates_is_refused() {
        assert!(parse_certificates(b"not pem").is_err());
        assert!(parse_certificates(
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        )
        .is_err());
    }
}
