//! Name resolution for the API agents: bounded by the attempt's time, a
//! failed lookup told apart from a passing one, and cached.
//!
//! ureq resolves the host before it looks in its connection pool, on every
//! request. Its own resolver bounds a lookup only by spawning a thread for
//! it, on every request with a deadline; without a deadline a resolver that
//! hangs holds the call for ever. Here a host's addresses are kept for
//! [`TTL`], so that the thread that bounds a lookup is spawned only when the
//! name is looked up afresh, a few times a minute at most.

use std::collections::HashMap;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a host's addresses are reused before it is looked up again.
pub(crate) const TTL: Duration = Duration::from_secs(30);
/// The most addresses kept for a host (ureq's own bound).
const MAX_ADDRESSES: usize = 16;
/// The most hosts cached: an agent calls a handful.
const MAX_HOSTS: usize = 256;

/// What looks a `host:port` up; the system's resolver unless a test gives one.
pub(crate) type LookupFn = dyn Fn(&str) -> io::Result<Vec<SocketAddr>> + Send + Sync;

/// The system's resolver.
fn system_lookup(host_and_port: &str) -> io::Result<Vec<SocketAddr>> {
    host_and_port.to_socket_addrs().map(Iterator::collect)
}

/// A resolver that caches each host's addresses for [`TTL`] and bounds a
/// fresh lookup by the attempt's time.
pub(crate) struct CachingResolver {
    lookup: Arc<LookupFn>,
    cache: Mutex<HashMap<String, (Instant, Vec<SocketAddr>)>>,
}

impl std::fmt::Debug for CachingResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CachingResolver")
    }
}

impl CachingResolver {
    pub(crate) fn new(lookup: Option<Arc<LookupFn>>) -> Self {
        CachingResolver {
            lookup: lookup.unwrap_or_else(|| Arc::new(system_lookup)),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The addresses of `host_and_port`, from the cache or looked up within
    /// `within`.
    fn addresses(&self, host_and_port: &str, within: Duration) -> Result<Vec<SocketAddr>, Failure> {
        if let Some((at, addresses)) = crate::lock(&self.cache).get(host_and_port) {
            if at.elapsed() < TTL {
                return Ok(addresses.clone());
            }
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let lookup = Arc::clone(&self.lookup);
        let name = host_and_port.to_owned();
        // A lookup that hangs is left behind in its thread, which ends when
        // the system's resolver gives up; the call goes on without it.
        std::thread::spawn(move || tx.send(lookup(&name)).ok());
        let addresses = match rx.recv_timeout(within) {
            Ok(Ok(addresses)) if !addresses.is_empty() => addresses,
            Ok(Ok(_)) => return Err(Failure::NotFound),
            Ok(Err(e)) if is_transient(&e) => return Err(Failure::Transient(e)),
            Ok(Err(_)) => return Err(Failure::NotFound),
            Err(_) => return Err(Failure::OutOfTime),
        };
        let mut cache = crate::lock(&self.cache);
        if cache.len() >= MAX_HOSTS {
            cache.clear();
        }
        cache.insert(
            host_and_port.to_owned(),
            (Instant::now(), addresses.clone()),
        );
        Ok(addresses)
    }
}

/// Why a lookup gave no address.
#[derive(Debug)]
enum Failure {
    /// The name does not exist: another attempt would find the same.
    NotFound,
    /// The resolver could not answer now (`EAI_AGAIN`): worth another attempt.
    Transient(io::Error),
    /// The lookup took longer than the attempt allows.
    OutOfTime,
}

/// A lookup error that may pass: the system's resolver says to try again.
fn is_transient(error: &io::Error) -> bool {
    let text = error.to_string().to_ascii_lowercase();
    text.contains("temporary failure") || text.contains("try again")
}

/// `host:port` of `uri`, the port defaulting to the scheme's (443 for
/// https, 80 for http).
fn host_and_port(uri: &Uri) -> Option<String> {
    let authority = uri.authority()?;
    let https = uri.scheme_str() == Some("https");
    let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
    Some(format!("{}:{port}", authority.host()))
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        _config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host_and_port =
            host_and_port(uri).ok_or_else(|| ureq::Error::BadUri(format!("{uri}: no host")))?;
        match self.addresses(&host_and_port, *timeout.after) {
            Ok(addresses) => {
                let mut resolved = self.empty();
                for address in addresses.into_iter().take(MAX_ADDRESSES) {
                    resolved.push(address);
                }
                Ok(resolved)
            }
            Err(Failure::NotFound) => Err(ureq::Error::HostNotFound),
            Err(Failure::Transient(e)) => Err(ureq::Error::Io(e)),
            Err(Failure::OutOfTime) => Err(ureq::Error::Timeout(timeout.reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn the_port_defaults_to_the_schemes() {
        let of = |uri: &str| host_and_port(&uri.parse::<Uri>().unwrap());
        assert_eq!(
            of("https://ecs.example.com/x").as_deref(),
            Some("ecs.example.com:443")
        );
        assert_eq!(of("http://localhost/x").as_deref(), Some("localhost:80"));
        assert_eq!(
            of("https://localhost:8443/").as_deref(),
            Some("localhost:8443")
        );
        assert_eq!(of("/no/host"), None);
    }

    #[test]
    fn a_host_is_looked_up_once_per_ttl_and_failures_are_told_apart() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let resolver = CachingResolver::new(Some(Arc::new(move |name: &str| {
            counted.fetch_add(1, Ordering::SeqCst);
            match name {
                "ok:80" | "ok2:80" => Ok(vec!["127.0.0.1:80".parse().unwrap()]),
                "empty:80" => Ok(vec![]),
                "again:80" => Err(io::Error::other("Temporary failure in name resolution")),
                "slow:80" => {
                    std::thread::sleep(Duration::from_secs(2));
                    Ok(vec!["127.0.0.1:80".parse().unwrap()])
                }
                _ => Err(io::Error::other(
                    "failed to lookup address information: Name or service not known",
                )),
            }
        })));
        let within = Duration::from_secs(1);
        for _ in 0..3 {
            assert_eq!(resolver.addresses("ok:80", within).unwrap().len(), 1);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "cached");
        assert!(matches!(
            resolver.addresses("empty:80", within),
            Err(Failure::NotFound)
        ));
        assert!(matches!(
            resolver.addresses("nowhere:80", within),
            Err(Failure::NotFound)
        ));
        assert!(matches!(
            resolver.addresses("again:80", within),
            Err(Failure::Transient(_))
        ));
        let started = Instant::now();
        assert!(matches!(
            resolver.addresses("slow:80", Duration::from_millis(200)),
            Err(Failure::OutOfTime)
        ));
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(format!("{resolver:?}"), "CachingResolver");
        // Two hosts are cached side by side.
        let _ = resolver.addresses("ok2:80", within);
        let before = calls.load(Ordering::SeqCst);
        assert!(resolver.addresses("ok:80", within).is_ok());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            before,
            "ok:80 is still cached"
        );
        // A failure is not cached: the next call asks again.
        let before = calls.load(Ordering::SeqCst);
        let _ = resolver.addresses("nowhere:80", within);
        assert_eq!(calls.load(Ordering::SeqCst), before + 1);
    }
}
