//! What signing returns: the three texts (canonical request, string to
//! sign, `Authorization`) in one allocation, with ranges into it for every
//! part a caller reads, and the headers to add.

use std::fmt;
use std::ops::Range;

use crate::date::SdkDate;
use crate::diagnose;
use crate::{
    is_sensitive, HEADER_CONTENT_SHA256, HEADER_SDK_DATE, HEADER_SECURITY_TOKEN, UNSIGNED_PAYLOAD,
};

/// The result of signing: the headers to add, and every intermediate stage
/// so that a rejected signature can be debugged.
///
/// `Debug` redacts the security token wherever it appears.
#[derive(Clone)]
pub struct SigningOutput {
    // One allocation holds the three texts back to back: the canonical
    // request, the string to sign and the `Authorization` value. Everything
    // else is a range into it, so the output stays small to return.
    pub(crate) text: String,
    pub(crate) string_to_sign: Range<usize>,
    pub(crate) authorization: Range<usize>,
    pub(crate) signed_headers: Range<usize>,
    pub(crate) signature: Range<usize>,
    pub(crate) host: Option<Range<usize>>,
    pub(crate) security_token: Option<Range<usize>>,
    pub(crate) date: SdkDate,
    pub(crate) unsigned_payload: bool,
}

/// The canonical request holds the security token's value: wiped like the
/// token itself.
impl Drop for SigningOutput {
    fn drop(&mut self) {
        if self.security_token.is_some() {
            zeroize::Zeroize::zeroize(&mut self.text);
        }
    }
}

impl SigningOutput {
    /// Headers to add to the request, in order: `Host` (when the request had
    /// none), `X-Sdk-Date`, `X-Security-Token` (temporary credentials),
    /// `X-Sdk-Content-Sha256` (unsigned payloads) and `Authorization`.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        let host = self.host.clone().map(|r| ("Host", self.part(r)));
        let date = Some((HEADER_SDK_DATE, self.date.as_str()));
        let token = self
            .security_token
            .clone()
            .map(|r| (HEADER_SECURITY_TOKEN, self.part(r)));
        let unsigned = self
            .unsigned_payload
            .then_some((HEADER_CONTENT_SHA256, UNSIGNED_PAYLOAD));
        let authorization = Some(("Authorization", self.authorization()));
        [host, date, token, unsigned, authorization]
            .into_iter()
            .flatten()
    }

    /// The canonical request, exactly as hashed. It contains the security
    /// token when there is one: use [`Self::canonical_request_redacted`] to show it.
    pub fn canonical_request(&self) -> &str {
        self.part(0..self.string_to_sign.start)
    }

    /// The canonical request with the security token's value replaced.
    pub fn canonical_request_redacted(&self) -> String {
        redact_token_line(self.canonical_request())
    }

    /// The string to sign.
    pub fn string_to_sign(&self) -> &str {
        self.part(self.string_to_sign.clone())
    }

    /// The signed header names, lower-case, sorted, joined by `;`.
    pub fn signed_headers(&self) -> &str {
        self.part(self.signed_headers.clone())
    }

    /// The hex signature.
    pub fn signature(&self) -> &str {
        self.part(self.signature.clone())
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        self.part(self.authorization.clone())
    }

    /// One of the texts; the ranges are ours, set when signing. A range
    /// that does not fall on the text is a bookkeeping bug: loud in debug
    /// builds and tests, an empty text (never a panic) in release.
    fn part(&self, range: Range<usize>) -> &str {
        let part = self.text.get(range.clone());
        debug_assert!(part.is_some(), "range {range:?} outside the signing output");
        part.unwrap_or_default()
    }

    /// The `X-Sdk-Date` that was signed.
    pub fn sdk_date(&self) -> SdkDate {
        self.date
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers()
            .map(|(n, v)| {
                if is_sensitive(n) {
                    (n, "<redacted>")
                } else {
                    (n, v)
                }
            })
            .collect();
        f.debug_struct("SigningOutput")
            .field("headers", &headers)
            .field("canonical_request", &self.canonical_request_redacted())
            .field("string_to_sign", &self.string_to_sign())
            .finish()
    }
}

fn redact_token_line(canonical_request: &str) -> String {
    canonical_request
        .split('\n')
        .map(diagnose::redact)
        .collect::<Vec<_>>()
        .join("\n")
}
