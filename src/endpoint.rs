//! Service endpoints: `scheme://host[:port]`, https unless the host is loopback.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use crate::error::Error;

/// Where requests go: `https://host[:port]`, or `http://` for a loopback host.
///
/// ```
/// use hwcloud_ecs::Endpoint;
/// let e = Endpoint::for_region("cn-north-4")?;
/// assert_eq!(e.url(), "https://ecs.cn-north-4.myhuaweicloud.com");
/// assert!(Endpoint::parse("http://ecs.example.com").is_err());
/// assert_eq!(Endpoint::parse("http://127.0.0.1:8080/")?.authority(), "127.0.0.1:8080");
/// # Ok::<(), hwcloud_ecs::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `scheme://authority`, kept whole: every request's URL starts with it.
    url: String,
    /// Where the authority starts in `url`.
    authority_at: usize,
}

impl Endpoint {
    /// Parses `https://host[:port]` (a trailing `/` is allowed). Plain
    /// `http://` is accepted only for loopback hosts (`localhost`,
    /// `127.0.0.0/8`, `[::1]`). An explicit port is kept, and signed, as written.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for another scheme, user info, a path, query
    /// or fragment, a malformed host or port, or `http` to a non-loopback host.
    pub fn parse(url: &str) -> Result<Self, Error> {
        let bad = |why: String| Error::invalid("endpoint", format!("{url:?}: {why}"));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("expected https://host[:port]".into()))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "https" => "https",
            "http" => "http",
            other => return Err(bad(format!("scheme {other:?} is not http or https"))),
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() {
            return Err(bad("no host".into()));
        }
        if let Some(c) = authority
            .chars()
            .find(|c| matches!(c, '/' | '?' | '#' | '@'))
        {
            return Err(bad(format!(
                "{c:?} is not allowed: give only scheme://host[:port], no user, path or query"
            )));
        }
        let (host, _port) =
            split_host_port(authority).ok_or_else(|| bad("malformed host or port".into()))?;
        if scheme == "http" && !is_loopback(host) {
            return Err(bad(
                "plain http is allowed only to loopback hosts; use https".into(),
            ));
        }
        Ok(Endpoint {
            url: format!("{scheme}://{}", authority.to_ascii_lowercase()),
            authority_at: scheme.len() + 3,
        })
    }

    /// `host[:port]` exactly as sent (and signed) in `Host`.
    pub fn authority(&self) -> &str {
        self.url.get(self.authority_at..).unwrap_or_default()
    }

    /// `scheme://authority`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.url())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url())
    }
}

/// Splits `host[:port]` / `[v6][:port]`, checking the characters of each.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        v6.parse::<Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (&authority[..v6.len() + 2], port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let host_ok = host.starts_with('[')
        || (!host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
    if !host_ok {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok().filter(|p| *p != 0)?)
        }
        Some(_) => return None,
    };
    Some((host, port))
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_shows_its_url() {
        let endpoint = Endpoint::parse("https://ecs.cn-north-4.myhuaweicloud.com").unwrap();
        assert_eq!(
            endpoint.to_string(),
            "https://ecs.cn-north-4.myhuaweicloud.com"
        );
        assert_eq!(
            format!("{endpoint:?}"),
            "Endpoint(https://ecs.cn-north-4.myhuaweicloud.com)"
        );
    }

    #[test]
    fn accepts_https_and_loopback_http() {
        for (url, authority) in [
            (
                "https://ecs.cn-north-4.myhuaweicloud.com",
                "ecs.cn-north-4.myhuaweicloud.com",
            ),
            ("https://ecs.example.com:8443/", "ecs.example.com:8443"),
            ("https://ECS.Example.com:443", "ecs.example.com:443"),
            ("http://127.0.0.1:1234", "127.0.0.1:1234"),
            ("http://127.8.9.10", "127.8.9.10"),
            ("http://localhost:80", "localhost:80"),
            ("http://[::1]:9000", "[::1]:9000"),
        ] {
            assert_eq!(
                Endpoint::parse(url).unwrap().authority(),
                authority,
                "{url}"
            );
        }
    }

    #[test]
    fn rejects_everything_else() {
        // A port is digits only: `u16::from_str` alone would take `+443`.
        for bad in [
            "https://ecs.example:+443",
            "https://ecs.example:",
            "https://ecs.example:8a",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
        for url in [
            "ecs.example.com",
            "ftp://ecs.example.com",
            "http://ecs.example.com",
            "http://10.0.0.1",
            "http://127.0.0.1.evil.com",
            "https://",
            "https://user:pw@ecs.example.com",
            "https://ecs.example.com/v1",
            "https://ecs.example.com?x",
            "https://ecs.example.com:0",
            "https://ecs.example.com:99999",
            "https://ecs.example.com:",
            "https://ecs example.com",
            "https://[::1",
            "https://ecs.example.com\r\nX: y",
        ] {
            assert!(Endpoint::parse(url).is_err(), "{url:?} must be rejected");
        }
    }
}
