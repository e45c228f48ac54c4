//! A private CA's certificates trusted with Mozilla's roots or alone (the
//! `custom-ca` feature). ureq takes extra roots only as certificates, so
//! Mozilla's bundle comes as certificates too (`webpki-root-certs`).

use std::sync::{Arc, OnceLock};

use ureq::tls::{Certificate, PemItem, RootCerts};

use crate::error::Error;

/// The roots for `pem`'s certificates: with Mozilla's, or alone when
/// `replace`.
///
/// # Errors
/// [`Error::InvalidInput`] for a PEM that is not valid or holds no
/// certificate.
pub(super) fn custom(pem: &[u8], replace: bool) -> Result<RootCerts, Error> {
    let mut roots = parse_certificates(pem)?;
    if !replace {
        roots.extend(bundled_roots().iter().cloned());
    }
    Ok(RootCerts::Specific(Arc::new(roots)))
}

/// Mozilla's root certificates, copied out of `webpki-root-certs` once.
fn bundled_roots() -> Arc<Vec<Certificate<'static>>> {
    static ROOTS: OnceLock<Arc<Vec<Certificate<'static>>>> = OnceLock::new();
    Arc::clone(ROOTS.get_or_init(|| {
        Arc::new(
            webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .map(|der| Certificate::from_der(der.as_ref()).to_owned())
                .collect(),
        )
    }))
}

pub(super) fn parse_certificates(pem: &[u8]) -> Result<Vec<Certificate<'static>>, Error> {
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
    fn a_pem_without_certificates_is_refused() {
        assert!(parse_certificates(b"not pem").is_err());
        assert!(parse_certificates(
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        )
        .is_err());
    }

    #[test]
    fn the_bundled_roots_are_mozillas_whole_store() {
        let roots = bundled_roots();
        assert_eq!(roots.len(), webpki_root_certs::TLS_SERVER_ROOT_CERTS.len());
        assert!(roots.len() > 100, "{}", roots.len());
    }
}
