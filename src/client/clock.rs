//! The signing clock: the machine's time, corrected by the offset learned
//! from the gateway when it said our signature had expired.
//!
//! This is the only place in the crate that reads the wall clock for signing.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

pub(crate) use crate::sign::millis_between;

/// How far the gateway's `Date` may be from ours before a 401 is blamed on
/// clock skew.
pub(crate) const SKEW_SUSPECT: Duration = Duration::from_secs(5 * 60);

/// Offset in milliseconds, shared by every clone of a client and its threads.
#[derive(Debug, Default)]
pub(crate) struct SkewClock {
    offset_ms: AtomicI64,
}

impl SkewClock {
    /// The machine's clock, uncorrected.
    // The crate's one wall-clock read (see clippy.toml).
    #[allow(clippy::disallowed_methods)]
    pub(crate) fn local_now() -> SystemTime {
        SystemTime::now()
    }

    /// The corrected time to sign with.
    pub(crate) fn now(&self) -> SystemTime {
        shift(Self::local_now(), self.offset_ms.load(Ordering::Relaxed))
    }

    /// The current correction, positive when the gateway is ahead of us.
    pub(crate) fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Learns the offset from a gateway `Date` received at `local` time.
    pub(crate) fn correct(&self, server_date: SystemTime, local: SystemTime) -> i64 {
        let offset = millis_between(local, server_date);
        self.offset_ms.store(offset, Ordering::Relaxed);
        offset
    }
}

fn shift(time: SystemTime, offset_ms: i64) -> SystemTime {
    let by = Duration::from_millis(offset_ms.unsigned_abs());
    if offset_ms >= 0 {
        time + by
    } else {
        time - by
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correction_shifts_every_later_reading() {
        let clock = SkewClock::default();
        let local = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(
            clock.correct(local + Duration::from_secs(1200), local),
            1_200_000
        );
        let drift = millis_between(SkewClock::local_now(), clock.now());
        assert!((1_199_000..=1_201_000).contains(&drift), "{drift}");
        assert_eq!(
            clock.correct(local - Duration::from_secs(1200), local),
            -1_200_000
        );
        assert!(clock.now() < SkewClock::local_now());
    }
}
