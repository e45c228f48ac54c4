//! A successful answer as the layers above see it: status, request id,
//! headers and the bounded body; no ureq type shows.

use ureq::http;

use crate::error::Error;

/// A successful (2xx) answer to an [`crate::ApiRequest`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiResponse {
    /// HTTP status.
    pub status: u16,
    /// The `X-Request-Id` header, when present.
    pub request_id: Option<String>,
    pub(crate) headers: Headers,
    /// The body, read up to the client's size bound.
    pub body: Vec<u8>,
}

impl ApiResponse {
    /// The first value of header `name` (any case), when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// Every header whose value is text, as `(lower-case name, value)`.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter()
    }

    /// Parses the body as JSON.
    ///
    /// # Errors
    /// [`Error::InvalidResponse`] when it is not JSON.
    pub fn json(&self) -> Result<serde_json::Value, Error> {
        serde_json::from_slice(&self.body)
            .map_err(|e| self.invalid(format!("body is not JSON: {e}")))
    }

    /// This answer as an [`Error::InvalidResponse`]: it is not what the API
    /// promises, for `reason`; a bounded snippet of the body is kept.
    pub(crate) fn invalid(&self, reason: impl Into<String>) -> Error {
        Error::InvalidResponse {
            status: self.status,
            reason: reason.into(),
            snippet: crate::error_body::snippet(&self.body).unwrap_or_default(),
        }
    }
}

/// A response's headers, read-only.
#[derive(Clone, Debug, Default)]
pub(crate) struct Headers(pub(super) http::HeaderMap);

impl Headers {
    /// The first value of `name` (any case), when it is text.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every `(name, value)` whose value is text, names in lower case.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)))
    }
}
