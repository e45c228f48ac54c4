//! The proxy of the environment, read as curl reads it. For an `https://`
//! URL (every endpoint but a loopback test address): `https_proxy`, then
//! `HTTPS_PROXY`, then `all_proxy`, then `ALL_PROXY`; `HTTP_PROXY` is not
//! read. For an `http://` URL: `http_proxy` (curl reads it in lower case
//! only), then `all_proxy`, then `ALL_PROXY`. `no_proxy`, then `NO_PROXY`: a comma-separated
//! list of hosts, `*` for every host, each entry matching the host itself
//! and every name under it (`example.com` and `.example.com` both cover
//! `ecs.example.com`), case-insensitive, a `:port` ignored. IP ranges
//! (CIDR) are not read.

/// The variables that name the proxy of an https URL, first one set wins.
const HTTPS_VARIABLES: [&str; 4] = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"];
/// The same for an http URL.
const HTTP_VARIABLES: [&str; 3] = ["http_proxy", "all_proxy", "ALL_PROXY"];
/// The variables that list the hosts reached without it.
const NO_PROXY_VARIABLES: [&str; 2] = ["no_proxy", "NO_PROXY"];

/// The proxy the environment names, and the hosts it exempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EnvProxy {
    /// The variable it came from.
    pub variable: &'static str,
    /// Its value, as written.
    pub url: String,
    /// `NO_PROXY`'s entries, lower case, without a leading `.` or a port.
    pub exempt: Vec<String>,
    /// The variable the exemptions came from.
    pub exempt_variable: Option<&'static str>,
}

impl EnvProxy {
    /// The environment's proxy for an https URL (or an http one when
    /// `https` is false), read through `lookup`; `None` when no proxy
    /// variable is set (an empty value counts as unset).
    pub(crate) fn read(lookup: &dyn Fn(&str) -> Option<String>, https: bool) -> Option<EnvProxy> {
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let variables: &[&'static str] = if https {
            &HTTPS_VARIABLES
        } else {
            &HTTP_VARIABLES
        };
        let (variable, url) = variables
            .iter()
            .find_map(|name| Some((*name, set(name)?)))?;
        let exempt_from = NO_PROXY_VARIABLES
            .iter()
            .find_map(|name| Some((*name, set(name)?)));
        let exempt = exempt_from
            .as_ref()
            .map(|(_, list)| list.split(',').filter_map(entry).collect())
            .unwrap_or_default();
        Some(EnvProxy {
            variable,
            url,
            exempt,
            exempt_variable: exempt_from.map(|(name, _)| name),
        })
    }

    /// The exemptions as ureq's `no_proxy` expressions, which match an
    /// exact host or a `.suffix`: each name becomes both, and an IPv6
    /// address its bracketed form (a URL's host is `[::1]`). ureq's matcher
    /// is then the only one: it decides the route, and [`bypasses`] asks it
    /// what `config` shows.
    pub(crate) fn ureq_expressions(&self) -> Vec<String> {
        let mut expressions = Vec::new();
        for entry in &self.exempt {
            if entry == "*" {
                expressions.push("*".to_owned());
            } else if entry.contains(':') {
                expressions.push(format!("[{entry}]"));
            } else {
                expressions.push(entry.clone());
                expressions.push(format!(".{entry}"));
            }
        }
        expressions
    }
}

/// Whether a request to `url` goes around `proxy`: ureq's own `NO_PROXY`
/// matcher, the one that routes the request.
#[cfg(any(feature = "explain", test))]
pub(crate) fn bypasses(proxy: &ureq::Proxy, url: &str) -> bool {
    url.parse::<ureq::http::Uri>()
        .is_ok_and(|uri| proxy.is_no_proxy(&uri))
}

/// One `NO_PROXY` entry, normalized: lower case, no leading `*.` or `.`,
/// no port, no brackets.
fn entry(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw == "*" {
        return Some("*".to_owned());
    }
    let raw = raw.trim_start_matches("*.").trim_start_matches('.');
    let host = match raw.strip_prefix('[') {
        // `[::1]:8080`
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        // An IPv6 address without brackets holds several colons: keep it.
        None if raw.matches(':').count() > 1 => raw,
        None => raw.split(':').next().unwrap_or(raw),
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn the_https_variables_then_all_proxy_as_curl_reads_them() {
        let chosen = |pairs: &[(&str, &str)]| EnvProxy::read(&env(pairs), true).map(|p| p.variable);
        assert_eq!(chosen(&[]), None);
        // HTTP_PROXY is for http:// URLs only.
        assert_eq!(
            chosen(&[("HTTP_PROXY", "h:1"), ("http_proxy", "h:1")]),
            None
        );
        assert_eq!(
            chosen(&[("HTTP_PROXY", "h:1"), ("ALL_PROXY", "a:1")]),
            Some("ALL_PROXY")
        );
        // HTTPS_PROXY wins over ALL_PROXY, the lower case over the upper.
        assert_eq!(
            chosen(&[("ALL_PROXY", "a:1"), ("HTTPS_PROXY", "s:1")]),
            Some("HTTPS_PROXY")
        );
        assert_eq!(
            chosen(&[("HTTPS_PROXY", "s:1"), ("https_proxy", "l:1")]),
            Some("https_proxy")
        );
        assert_eq!(
            chosen(&[("all_proxy", "a:1"), ("ALL_PROXY", "b:1")]),
            Some("all_proxy")
        );
        // An empty value is unset.
        assert_eq!(
            chosen(&[("https_proxy", " "), ("HTTPS_PROXY", "s:1")]),
            Some("HTTPS_PROXY")
        );
        let proxy = EnvProxy::read(&env(&[("HTTPS_PROXY", "p:3128")]), true).unwrap();
        // For http:// URLs: http_proxy, in lower case only, then ALL_PROXY.
        let http = |pairs: &[(&str, &str)]| EnvProxy::read(&env(pairs), false).map(|p| p.variable);
        assert_eq!(http(&[("HTTP_PROXY", "h:1"), ("HTTPS_PROXY", "s:1")]), None);
        assert_eq!(
            http(&[("http_proxy", "h:1"), ("ALL_PROXY", "a:1")]),
            Some("http_proxy")
        );
        assert_eq!(
            http(&[("HTTP_PROXY", "h:1"), ("ALL_PROXY", "a:1")]),
            Some("ALL_PROXY")
        );
        assert_eq!(
            (proxy.url.as_str(), proxy.exempt_variable),
            ("p:3128", None)
        );
    }

    #[test]
    fn no_proxy_covers_a_domain_and_every_name_under_it_as_ureq_routes() {
        let routed = |list: &str| {
            let read =
                EnvProxy::read(&env(&[("HTTPS_PROXY", "p:1"), ("NO_PROXY", list)]), true).unwrap();
            let mut builder = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
                .host("p")
                .port(1);
            for expression in read.ureq_expressions() {
                builder = builder.no_proxy(&expression);
            }
            builder.build().unwrap()
        };
        let around =
            |proxy: &ureq::Proxy, host: &str| bypasses(proxy, &format!("https://{host}:443/"));
        let corporate =
            routed("myhuaweicloud.com, .internal.example,10.0.0.1,[::1]:8443,Other.Example:443");
        for host in [
            "myhuaweicloud.com",
            "ecs.cn-north-4.myhuaweicloud.com",
            "ECS.CN-NORTH-4.MYHUAWEICLOUD.COM",
            "internal.example",
            "a.internal.example",
            "10.0.0.1",
            "[::1]",
            "other.example",
            "x.other.example",
        ] {
            assert!(around(&corporate, host), "{host}");
        }
        for host in [
            "notmyhuaweicloud.com",
            "myhuaweicloud.com.evil.example",
            "10.0.0.10",
            "example",
            "iam.example.com",
            "[::2]",
        ] {
            assert!(!around(&corporate, host), "{host}");
        }
        // An IPv6 address, with brackets or without, matches the URL's
        // bracketed host.
        let v6 = routed("fe80::1,[2001:db8::2]");
        assert!(around(&v6, "[fe80::1]") && around(&v6, "[2001:db8::2]"));
        assert!(!around(&v6, "[fe80::2]"));
        assert!(around(&routed("*"), "anything.example"));
        assert!(around(&routed("*.example.com"), "a.example.com"));
        assert!(!around(&routed(""), "a.example.com"));
        // no_proxy wins over NO_PROXY, as in curl.
        let both = EnvProxy::read(
            &env(&[
                ("HTTPS_PROXY", "p:1"),
                ("no_proxy", "a.example"),
                ("NO_PROXY", "b.example"),
            ]),
            true,
        )
        .unwrap();
        assert_eq!(both.exempt, ["a.example"]);
        assert_eq!(both.exempt_variable, Some("no_proxy"));
        assert_eq!(
            EnvProxy::read(
                &env(&[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "example.com,*,::1")]),
                true
            )
            .unwrap()
            .ureq_expressions(),
            ["example.com", ".example.com", "*", "[::1]"]
        );
    }
}
