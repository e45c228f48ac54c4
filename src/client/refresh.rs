//! The ECS agency's temporary credentials, refreshed from the metadata
//! service before they expire (the `discovery` feature).
//!
//! Many threads share one client, so a refresh is single-flight: while the
//! current set is still valid, the one thread that wins the refresh lock
//! fetches a new set and every other thread keeps signing with the current
//! one; once the set is (nearly) expired, the others wait for that one fetch
//! instead of each starting their own.

use std::sync::{Arc, Mutex, RwLock, TryLockError};
use std::time::{Duration, Instant, SystemTime};

use crate::clock::SkewClock;
use crate::config::metadata::{
    MetadataService, TemporaryCredentials, METADATA_BUDGET, MIN_REMAINING,
};
use crate::error::Error;
use crate::lock;
use crate::sign::Credentials;

/// Refresh once less than this is left of the set's life.
pub(crate) const REFRESH_BEFORE: Duration = Duration::from_secs(10 * 60);
/// After a refresh attempt, how long a still-valid set is used before the
/// next attempt: a metadata service that is down, or hands out short-lived
/// sets, is not asked on every call.
const RETRY_GAP: Duration = Duration::from_secs(5);

/// Temporary credentials and the service that renews them.
#[derive(Debug)]
pub(crate) struct Refreshing {
    service: MetadataService,
    pub(crate) set: RwLock<Arc<Set>>,
    /// Held by the one thread fetching a new set.
    refresh: Mutex<Option<Instant>>,
}

#[derive(Debug)]
pub(crate) struct Set {
    pub(crate) credentials: Arc<Credentials>,
    expires_at: SystemTime,
}

impl Refreshing {
    /// Starts from a set already fetched from `service`.
    pub(crate) fn new(service: MetadataService, first: TemporaryCredentials) -> Self {
        Refreshing {
            service,
            set: RwLock::new(Arc::new(Set::from(first))),
            refresh: Mutex::new(None),
        }
    }

    pub(crate) fn current(&self) -> Result<Arc<Credentials>, Error> {
        let set = Arc::clone(&lock_read(&self.set));
        let now = SkewClock::local_now();
        let left = set.expires_at.duration_since(now).unwrap_or_default();
        if left > REFRESH_BEFORE {
            return Ok(Arc::clone(&set.credentials));
        }
        if left > MIN_REMAINING {
            // Still valid: refresh only if no other thread is at it, and
            // keep the current set whatever happens.
            let mut last = match self.refresh.try_lock() {
                Ok(guard) => guard,
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                Err(TryLockError::WouldBlock) => return Ok(Arc::clone(&set.credentials)),
            };
            let latest = Arc::clone(&lock_read(&self.set));
            if !Arc::ptr_eq(&latest, &set) || last.is_some_and(|at| at.elapsed() < RETRY_GAP) {
                return Ok(Arc::clone(&latest.credentials));
            }
            *last = Some(Instant::now());
            return match self.fetch() {
                Ok(fresh) => Ok(fresh),
                Err(e) => {
                    log::warn!("could not refresh the temporary credentials, still using the current set ({left:?} left): {e}");
                    Ok(Arc::clone(&set.credentials))
                }
            };
        }
        // Expired or about to: wait for the one fetch, then use its result.
        let mut last = lock(&self.refresh);
        let latest = Arc::clone(&lock_read(&self.set));
        if !Arc::ptr_eq(&latest, &set) && usable(&latest) {
            return Ok(Arc::clone(&latest.credentials));
        }
        *last = Some(Instant::now());
        self.fetch().map_err(|e| {
            Error::Metadata(format!(
                "the temporary credentials expire in {left:?} and could not be refreshed: {e}"
            ))
        })
    }

    /// Replaces `used`, a set the gateway refused, unless another thread
    /// already has; true when a different set is now current.
    pub(crate) fn renew(&self, used: &Arc<Credentials>) -> bool {
        let mut last = lock(&self.refresh);
        if !Arc::ptr_eq(&lock_read(&self.set).credentials, used) {
            return true;
        }
        *last = Some(Instant::now());
        match self.fetch() {
            Ok(_) => true,
            Err(e) => {
                log::warn!("could not fetch new temporary credentials: {e}");
                false
            }
        }
    }

    /// Fetches a new set and makes it current.
    fn fetch(&self) -> Result<Arc<Credentials>, Error> {
        let deadline = crate::bounds::instant_after(METADATA_BUDGET);
        let fresh = Set::from(self.service.security_key(deadline)?);
        let credentials = Arc::clone(&fresh.credentials);
        log::debug!(
            "refreshed the temporary credentials from {}",
            self.service.base()
        );
        *self.set.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(fresh);
        Ok(credentials)
    }
}

impl From<TemporaryCredentials> for Set {
    fn from(temp: TemporaryCredentials) -> Self {
        Set {
            credentials: Arc::new(temp.credentials),
            expires_at: temp.expires_at,
        }
    }
}

fn usable(set: &Set) -> bool {
    set.expires_at
        .duration_since(SkewClock::local_now())
        .is_ok_and(|left| left > MIN_REMAINING)
}

/// Reads, recovering the data if a thread panicked while writing it.
pub(super) fn lock_read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}
