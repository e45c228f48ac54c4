//! A generic signed API call: what a script builds to reach any Huawei Cloud
//! API with the client's signing, errors and transport.

use std::fmt;

use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::sign;

/// Headers the client computes itself; a request may not set them.
const RESERVED_HEADERS: [&str; 7] = [
    "host",
    "authorization",
    "x-sdk-date",
    "x-security-token",
    "x-sdk-content-sha256",
    "content-length",
    "transfer-encoding",
];

/// One API call to sign and send with [`crate::Client::send`].
///
/// Query parameters are given decoded; the client encodes and sorts them so
/// that the query on the wire is exactly the canonical one it signs.
///
/// ```
/// use hwcloud_ecs::ApiRequest;
/// let request = ApiRequest::new("GET", "/v1/0123456789abcdef0123456789abcdef/cloudservers/detail")
///     .query("limit", "50")
///     .query("offset", "1");
/// assert_eq!(request.target(), "/v1/0123456789abcdef0123456789abcdef/cloudservers/detail?limit=50&offset=1");
/// ```
#[derive(Clone)]
pub struct ApiRequest {
    pub(crate) method: String,
    pub(crate) endpoint: Option<String>,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// The largest success body read; the listing's pages are larger than
    /// any other answer.
    pub(crate) success_limit: u64,
}

impl ApiRequest {
    /// A request for `path` (starting with `/`, percent-encoded as it should
    /// go on the wire) with no query, no extra header and no body.
    pub fn new(method: impl Into<String>, path: impl Into<String>) -> Self {
        ApiRequest {
            method: method.into(),
            endpoint: None,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
            success_limit: crate::transport::MAX_SUCCESS_BODY,
        }
    }

    /// Sends to another service's endpoint (e.g. `https://iam.cn-north-4.myhuaweicloud.com`)
    /// instead of the client's.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Adds a decoded query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets a header; it is signed like the client's own. A name already
    /// set (in any case) has its value replaced, as the official SDK's
    /// header map does: a header listed twice would be signed twice, and
    /// the gateway, which keeps one value, would refuse the signature.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), value.into());
        match self
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            Some(existing) => *existing = (name, value),
            None => self.headers.push((name, value)),
        }
        self
    }

    /// Sets a JSON body (its hash is signed).
    pub fn json_body(mut self, body: &serde_json::Value) -> Self {
        self.body = body.to_string().into_bytes();
        self
    }

    /// The request target as it will be sent: path, then the sorted, encoded query.
    pub fn target(&self) -> String {
        let query = sign::canonical_query(&self.query);
        if query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{query}", self.path)
        }
    }

    /// Checks everything that could make the sent request differ from the
    /// signed one, or smuggle a header; returns the endpoint override.
    pub(crate) fn validate(&self) -> Result<Option<Endpoint>, Error> {
        if self.method.is_empty() || !self.method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::invalid(
                "method",
                format!("{:?} is not an upper-case HTTP method", self.method),
            ));
        }
        validate_path(&self.path)?;
        for (name, value) in &self.headers {
            validate_header(name, value)?;
        }
        self.endpoint.as_deref().map(Endpoint::parse).transpose()
    }
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("endpoint", &self.endpoint)
            .field("target", &self.target())
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A path made of RFC 3986 path characters and valid `%XX` escapes only, so
/// that the HTTP stack sends it byte for byte.
fn validate_path(path: &str) -> Result<(), Error> {
    let bad = |why: String| Error::invalid("path", format!("{path:?}: {why}"));
    if !path.starts_with('/') {
        return Err(bad("must start with '/'".into()));
    }
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let valid = bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !valid {
                return Err(bad("'%' must start a %XX escape".into()));
            }
            i += 3;
            continue;
        }
        let allowed = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b);
        if !allowed {
            return Err(bad(format!(
                "{:?} must be percent-encoded (put queries in .query())",
                char::from(b)
            )));
        }
        i += 1;
    }
    Ok(())
}

/// A header name that is an HTTP token and not computed by the client, and
/// a value without control characters.
pub(crate) fn validate_header(name: &str, value: &str) -> Result<(), Error> {
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Err(Error::invalid(
            "header name",
            format!("{name:?} is not a valid header name"),
        ));
    }
    if RESERVED_HEADERS
        .iter()
        .any(|r| name.eq_ignore_ascii_case(r))
    {
        return Err(Error::invalid(
            "header name",
            format!("{name} is set by the client itself"),
        ));
    }
    if value.chars().any(|c| c.is_control() || !c.is_ascii()) {
        return Err(Error::invalid(
            "header value",
            format!("the value of {name} holds a control or non-ASCII character"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_request_but_only_the_bodys_length() {
        let request = ApiRequest::new("POST", "/v1/p/x")
            .query("b", "2")
            .header("X-Probe", "1")
            .json_body(&serde_json::json!({"secret": "value"}));
        let shown = format!("{request:?}");
        assert!(
            shown.starts_with("ApiRequest { method: \"POST\"")
                && shown.contains("target: \"/v1/p/x?b=2\"")
                && shown.contains("X-Probe")
                && shown.contains("body_len: 18"),
            "{shown}"
        );
        assert!(!shown.contains("value"), "{shown}");
    }

    #[test]
    fn paths_that_would_be_rewritten_on_the_wire_are_rejected() {
        assert!(validate_path("/v1/p/cloudservers/detail").is_ok());
        assert!(validate_path("/v1/a%2Fb/c+d=e").is_ok());
        // An escape is three bytes, and the byte after it is checked too.
        assert!(validate_path("/a%41 b").is_err());
        assert!(validate_path("/a%41%42 c").is_err());
        for bad in [
            "", "v1", "/a b", "/a?b", "/a#b", "/a%zz", "/a%2", "/é", "/a\r\n",
        ] {
            assert!(validate_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn headers_cannot_be_smuggled_or_override_signing() {
        assert!(validate_header("X-Custom", "a b").is_ok());
        assert!(validate_header("X-Custom", "a\r\nX-Evil: 1").is_err());
        assert!(validate_header("X Custom", "a").is_err());
        assert!(validate_header("Authorization", "x").is_err());
        assert!(validate_header("x-sdk-date", "x").is_err());
        assert!(validate_header("HOST", "x").is_err());
    }

    #[test]
    fn a_header_set_twice_in_any_case_keeps_the_last_value_once() {
        let r = ApiRequest::new("GET", "/")
            .header("X-Custom", "1")
            .header("x-other", "a")
            .header("x-CUSTOM", "2");
        assert_eq!(
            r.headers,
            [
                ("x-CUSTOM".to_owned(), "2".to_owned()),
                ("x-other".to_owned(), "a".to_owned())
            ]
        );
    }

    #[test]
    fn target_sorts_and_encodes_the_query() {
        let r = ApiRequest::new("GET", "/v3/projects")
            .query("name", "cn north")
            .query("a", "1");
        assert_eq!(r.target(), "/v3/projects?a=1&name=cn%20north");
        assert!(ApiRequest::new("get", "/").validate().is_err());
    }
}
