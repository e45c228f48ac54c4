//! Server-side verification of `SDK-HMAC-SHA256` signatures.
//!
//! The verifier recomputes the signature from the request's own
//! `SignedHeaders` list and `X-Sdk-Date`, exactly as the API gateway does, and
//! compares with `ring::hmac::verify` (constant time).

use std::fmt;
use std::time::{Duration, SystemTime};

use super::encoding::unhex;
use super::{
    build_canonical_request, payload_hash, string_to_sign, SdkDate, SignableRequest, ALGORITHM,
};
use crate::Credentials;

/// How far `X-Sdk-Date` may be from the verifier's clock, either way.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// A parsed `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// The access key that claims to have signed.
    pub access_key: String,
    /// The signed header names, as listed.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

/// Why a request's signature was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `Authorization` header.
    MissingAuthorization,
    /// `Authorization` is not `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`.
    MalformedAuthorization(String),
    /// The access key is not the expected one.
    UnknownAccessKey(String),
    /// No `X-Sdk-Date` header, or it is not signed.
    MissingDate,
    /// `X-Sdk-Date` is not `YYYYMMDDTHHMMSSZ`.
    MalformedDate(String),
    /// `X-Sdk-Date` is more than [`MAX_CLOCK_SKEW`] from the verifier's clock.
    Expired {
        /// Signing time minus verifier time, in seconds.
        skew_seconds: i64,
    },
    /// A header named in `SignedHeaders` is absent or appears more than once.
    SignedHeaderProblem(String),
    /// The recomputed signature differs.
    SignatureMismatch,
    /// The access key is temporary and `X-Security-Token` is missing or is
    /// not the token issued with it.
    SecurityTokenMismatch,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::MissingAuthorization => f.write_str("no Authorization header"),
            VerifyError::MalformedAuthorization(why) => write!(f, "malformed Authorization: {why}"),
            VerifyError::UnknownAccessKey(ak) => write!(f, "unknown access key {ak:?}"),
            VerifyError::MissingDate => f.write_str("no signed X-Sdk-Date header"),
            VerifyError::MalformedDate(d) => write!(f, "malformed X-Sdk-Date {d:?}"),
            VerifyError::Expired { skew_seconds } => write!(
                f,
                "the signature expired: X-Sdk-Date is {skew_seconds} s from the server clock (limit {} s)",
                MAX_CLOCK_SKEW.as_secs()
            ),
            VerifyError::SignedHeaderProblem(why) => write!(f, "signed header problem: {why}"),
            VerifyError::SignatureMismatch => f.write_str("signature mismatch"),
            VerifyError::SecurityTokenMismatch => {
                f.write_str("missing or wrong X-Security-Token for a temporary access key")
            }
        }
    }
}

impl std::error::Error for VerifyError {}

/// Parses `SDK-HMAC-SHA256 Access={AK}, SignedHeaders={a;b}, Signature={hex}`.
///
/// ```
/// use hwcloud_sign::parse_authorization;
/// let sig = "0".repeat(64);
/// let a = parse_authorization(&format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature={sig}"))?;
/// assert_eq!(a.access_key, "AK");
/// assert_eq!(a.signed_headers, ["host", "x-sdk-date"]);
/// # Ok::<(), hwcloud_sign::VerifyError>(())
/// ```
///
/// # Errors
/// [`VerifyError::MalformedAuthorization`] naming the part that is wrong.
pub fn parse_authorization(value: &str) -> Result<Authorization, VerifyError> {
    let bad = |why: &str| VerifyError::MalformedAuthorization(why.to_owned());
    let rest = value
        .trim()
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| bad("it must start with \"SDK-HMAC-SHA256 \""))?;
    let mut parts = rest.split(", ");
    let mut field = |name: &str| -> Result<&str, VerifyError> {
        parts
            .next()
            .and_then(|p| p.strip_prefix(name))
            .and_then(|p| p.strip_prefix('='))
            .ok_or_else(|| bad(&format!("expected {name}=")))
    };
    let access_key = field("Access")?;
    let signed = field("SignedHeaders")?;
    let signature = field("Signature")?;
    if parts.next().is_some() {
        return Err(bad("unexpected text after Signature"));
    }
    if access_key.is_empty() || access_key.contains(char::is_whitespace) {
        return Err(bad("empty or spaced Access"));
    }
    if signed.is_empty()
        || signed.split(';').any(|h| {
            h.is_empty()
                || h.bytes()
                    .any(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
        })
    {
        return Err(bad("SignedHeaders must be lower-case names joined by ';'"));
    }
    if signature.len() != 64 || unhex(signature).is_none() {
        return Err(bad("Signature must be 64 hex digits"));
    }
    Ok(Authorization {
        access_key: access_key.to_owned(),
        signed_headers: signed.split(';').map(str::to_owned).collect(),
        signature: signature.to_owned(),
    })
}

/// The canonical request the verifier builds for a received `request`: its
/// own `SignedHeaders`, in the order the client gave, over the received
/// method, path, query, headers and body.
fn canonical_for<'a>(
    request: &SignableRequest<'a>,
    auth: &Authorization,
    lookup: &dyn Fn(&str) -> Vec<&'a str>,
) -> Result<String, VerifyError> {
    let mut signed: Vec<(&str, &str)> = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        match lookup(name).as_slice() {
            [one] => signed.push((name.as_str(), one)),
            [] => {
                return Err(VerifyError::SignedHeaderProblem(format!(
                    "{name} is missing"
                )))
            }
            _ => {
                return Err(VerifyError::SignedHeaderProblem(format!(
                    "{name} is repeated"
                )))
            }
        }
    }
    let content_sha = signed
        .iter()
        .find(|(n, _)| *n == "x-sdk-content-sha256")
        .map(|(_, v)| v.trim());
    let mut scratch = String::new();
    let hash = payload_hash(request.payload, content_sha, &mut scratch);
    // The list is used in the order the client gave, as the gateway does.
    Ok(build_canonical_request(
        request.method,
        request.path,
        request.query,
        &signed,
        hash,
    ))
}

/// Every value of header `name` (any case), in the order received.
fn values_of<'a>(request: &SignableRequest<'a>, name: &str) -> Vec<&'a str> {
    request
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
        .collect()
}

/// The canonical request the gateway's side computes for a received
/// request, as the real gateway quotes it in a signature refusal; `None`
/// when the request has no usable `Authorization`.
pub fn received_canonical_request(request: &SignableRequest<'_>) -> Option<String> {
    let lookup = |name: &str| values_of(request, name);
    let auth = match lookup("authorization").as_slice() {
        [one] => parse_authorization(one).ok()?,
        _ => return None,
    };
    canonical_for(request, &auth, &lookup).ok()
}

/// Verifies a received request against `credentials` as of `now`. When
/// `credentials` carry a security token, the request must send that token
/// in `X-Security-Token`.
///
/// `request` carries the method, the request target exactly as received,
/// every received header (including `Host`, `X-Sdk-Date` and
/// `Authorization`) and the body as [`super::Payload::Bytes`].
///
/// # Errors
/// A [`VerifyError`] saying which check failed.
pub fn verify(
    request: &SignableRequest<'_>,
    credentials: &Credentials,
    now: SystemTime,
) -> Result<Authorization, VerifyError> {
    let lookup = |name: &str| values_of(request, name);
    let auth_value = lookup("authorization");
    let auth = match auth_value.as_slice() {
        [] => return Err(VerifyError::MissingAuthorization),
        [one] => parse_authorization(one)?,
        _ => return Err(VerifyError::MalformedAuthorization("repeated".into())),
    };
    if auth.access_key != credentials.access_key() {
        return Err(VerifyError::UnknownAccessKey(auth.access_key));
    }
    if !auth.signed_headers.iter().any(|h| h == "x-sdk-date") {
        return Err(VerifyError::MissingDate);
    }
    let date_text = match lookup("x-sdk-date").as_slice() {
        [one] => one.trim().to_owned(),
        _ => return Err(VerifyError::MissingDate),
    };
    let date = SdkDate::parse(&date_text).ok_or(VerifyError::MalformedDate(date_text))?;
    let skew_seconds = super::date::millis_between(now, date.to_system_time()) / 1000;
    if skew_seconds.unsigned_abs() > MAX_CLOCK_SKEW.as_secs() {
        return Err(VerifyError::Expired { skew_seconds });
    }

    let canonical_request = canonical_for(request, &auth, &lookup)?;
    let string_to_sign = string_to_sign(date.as_str(), &canonical_request);
    let claimed = unhex(&auth.signature).ok_or(VerifyError::SignatureMismatch)?;
    if !credentials
        .signing_key()
        .verify(string_to_sign.as_bytes(), &claimed)
    {
        return Err(VerifyError::SignatureMismatch);
    }
    // A temporary access key is valid only with the token issued with it.
    if let Some(expected) = credentials.security_token() {
        if lookup("x-security-token").as_slice() != [expected] {
            return Err(VerifyError::SecurityTokenMismatch);
        }
    }
    Ok(auth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_parser_rejects_malformed_values() {
        let sig = "a".repeat(64);
        let ok =
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature={sig}");
        assert!(parse_authorization(&ok).is_ok());
        for bad in [
            String::new(),
            "SDK-HMAC-SHA256".into(),
            format!("AWS4-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=Host, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;;b, Signature={sig}"),
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=zz".into(),
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={sig}, Extra=1"),
            format!("SDK-HMAC-SHA256 SignedHeaders=host, Access=AK, Signature={sig}"),
        ] {
            assert!(
                parse_authorization(&bad).is_err(),
                "{bad:?} must be rejected"
            );
        }
    }

    #[test]
    fn the_received_canonical_request_is_the_one_signed() {
        let creds = Credentials::new("AK", "SK").unwrap();
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_704_164_645);
        let sent = crate::SignableRequest::new("GET", "h.example", "/v1/p?b=2&a=1")
            .header("Content-Type", "application/json");
        let signed = crate::sign(&sent, &creds, at);
        fn received<'a>(authorizations: &[&'a str]) -> crate::SignableRequest<'a> {
            let mut request = crate::SignableRequest::new("GET", "h.example", "/v1/p?b=2&a=1")
                .header("Content-Type", "application/json")
                .header("Host", "h.example")
                .header("X-Sdk-Date", "20240102T030405Z");
            for value in authorizations {
                request = request.header("Authorization", value);
            }
            request
        }
        let authorization = signed.authorization();
        assert_eq!(
            received_canonical_request(&received(&[authorization])).as_deref(),
            Some(signed.canonical_request())
        );
        assert_eq!(received_canonical_request(&received(&[])), None);
        assert_eq!(
            received_canonical_request(&received(&[authorization, authorization])),
            None
        );
        assert_eq!(received_canonical_request(&received(&["Basic x"])), None);
    }
}
