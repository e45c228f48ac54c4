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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_in_any_case_and_listed_in_lower_case() {
        let mut map = http::HeaderMap::new();
        map.insert("X-Request-Id", http::HeaderValue::from_static("r1"));
        map.insert(
            "Content-Type",
            http::HeaderValue::from_static("application/json"),
        );
        map.insert("X-Binary", http::HeaderValue::from_bytes(b"\xff").unwrap());
        let answer = ApiResponse {
            status: 200,
            request_id: Some("r1".into()),
            headers: Headers(map),
            body: b"{}".to_vec(),
        };
        assert_eq!(answer.header("x-request-id"), Some("r1"));
        assert_eq!(answer.header("CONTENT-TYPE"), Some("application/json"));
        assert_eq!(answer.header("x-binary"), None, "not text");
        assert_eq!(answer.header("absent"), None);
        let mut listed: Vec<(&str, &str)> = answer.headers().collect();
        listed.sort_unstable();
        assert_eq!(
            listed,
            [("content-type", "application/json"), ("x-request-id", "r1")]
        );
    }
}
