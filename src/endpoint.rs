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
    scheme: &'static str,
    authority: String,
}

impl Endpoint {
    /// The public ECS endpoint of `region`: `https://ecs.{region}.myhuaweicloud.com`,
    /// for the regions in [`REGIONS`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a region not in the table; the message
    /// suggests the closest known names and points private clouds (Huawei
    /// Cloud Stack, partner clouds) to an explicit endpoint.
    pub fn for_region(region: &str) -> Result<Self, Error> {
        if !REGIONS.contains(&region) {
            let close = closest_regions(region);
            let hint = if close.is_empty() {
                String::new()
            } else {
                format!("did you mean {}? ", close.join(", "))
            };
            return Err(Error::invalid(
                "region",
                format!("{region:?} is not a public ECS region; {hint}for a private cloud give the endpoint instead (--endpoint https://...)"),
            ));
        }
        Ok(Endpoint {
            scheme: "https",
            authority: format!("ecs.{region}.myhuaweicloud.com"),
        })
    }

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
            scheme,
            authority: authority.to_ascii_lowercase(),
        })
    }

    /// `host[:port]` exactly as sent (and signed) in `Host`.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// `scheme://authority`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.url())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

/// The ECS regions of the official SDK, all served at
/// `https://ecs.{region}.myhuaweicloud.com`.
pub const REGIONS: [&str; 33] = [
    "af-north-1",
    "af-south-1",
    "ae-ad-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "cn-east-2",
    "cn-east-3",
    "cn-east-4",
    "cn-east-5",
    "cn-north-1",
    "cn-north-2",
    "cn-north-4",
    "cn-north-9",
    "cn-north-11",
    "cn-north-12",
    "cn-south-1",
    "cn-south-2",
    "cn-south-4",
    "cn-southwest-2",
    "cn-southwest-3",
    "eu-west-0",
    "eu-west-101",
    "la-north-2",
    "la-south-2",
    "me-east-1",
    "my-kualalumpur-1",
    "na-mexico-1",
    "ru-moscow-1",
    "sa-brazil-1",
    "tr-west-1",
];

/// Up to three known regions within edit distance 3 of `name`, closest first.
fn closest_regions(name: &str) -> Vec<&'static str> {
    let name = name.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = REGIONS
        .iter()
        .map(|r| (edit_distance(&name, r), *r))
        .filter(|(d, _)| *d <= 3)
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, r)| r).collect()
}

/// Levenshtein distance over bytes (region names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
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

    #[test]
    fn every_known_region_maps_to_its_endpoint() {
        assert_eq!(REGIONS.len(), 33);
        for region in REGIONS {
            assert_eq!(
                Endpoint::for_region(region).unwrap().url(),
                format!("https://ecs.{region}.myhuaweicloud.com")
            );
        }
    }

    #[test]
    fn unknown_regions_get_suggestions_and_the_endpoint_hint() {
        let err = Endpoint::for_region("cn-nort-4").unwrap_err().to_string();
        assert!(err.contains("did you mean cn-north-4"), "{err}");
        assert!(err.contains("--endpoint"), "{err}");
        let err = Endpoint::for_region("ap-southeast-9")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ap-southeast-1"), "{err}");
        let err = Endpoint::for_region("my-private-cloud-region")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("did you mean"), "{err}");
        for bad in ["", "CN-NORTH-4x", "cn/../x"] {
            assert!(Endpoint::for_region(bad).is_err(), "{bad:?}");
        }
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
