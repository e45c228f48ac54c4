//! The signing clock: the machine's time, corrected by the offset learned
//! from the gateway when it said our signature had expired.
//!
//! This is the only place in the crate that reads the wall clock for signing.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

pub(crate) use crate::sign::millis_between;

/// The largest correction learned from a gateway `Date`: a machine whose
/// clock is a day off has a problem no correction should paper over, and a
/// `Date` further off than that (1970, 9999) is a broken or hostile answer.
pub(crate) const MAX_SKEW: Duration = Duration::from_secs(24 * 60 * 60);

/// Offset in milliseconds, shared by every clone of a client and its threads.
#[derive(Debug, Default)]
pub(crate) struct SkewClock {
    offset_ms: AtomicI64,
    /// A fixed signing time instead of the machine's clock (wire-vector tests).
    fixed: Option<SystemTime>,
}

impl SkewClock {
    /// The machine's clock, uncorrected.
    // The crate's one wall-clock read (see clippy.toml).
    #[allow(clippy::disallowed_methods)]
    pub(crate) fn local_now() -> SystemTime {
        SystemTime::now()
    }

    /// A clock that always reads `at` before correction.
    pub(crate) fn fixed(at: Option<SystemTime>) -> Self {
        SkewClock {
            offset_ms: AtomicI64::new(0),
            fixed: at,
        }
    }

    /// The corrected time to sign with.
    pub(crate) fn now(&self) -> SystemTime {
        let base = self.fixed.unwrap_or_else(Self::local_now);
        shift(base, self.offset_ms.load(Ordering::Relaxed))
    }

    /// The current correction, positive when the gateway is ahead of us.
    pub(crate) fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Learns the offset from a gateway `Date` received at `local` time;
    /// `None`, and no change, when it is more than [`MAX_SKEW`] away.
    pub(crate) fn correct(&self, server_date: SystemTime, local: SystemTime) -> Option<i64> {
        let offset = millis_between(local, server_date);
        if u128::from(offset.unsigned_abs()) > MAX_SKEW.as_millis() {
            return None;
        }
        self.offset_ms.store(offset, Ordering::Relaxed);
        Some(offset)
    }
}

/// `time` moved by `offset_ms`; unchanged if that cannot be represented.
fn shift(time: SystemTime, offset_ms: i64) -> SystemTime {
    let by = Duration::from_millis(offset_ms.unsigned_abs());
    let moved = if offset_ms >= 0 {
        time.checked_add(by)
    } else {
        time.checked_sub(by)
    };
    moved.unwrap_or(time)
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
            Some(1_200_000)
        );
        let drift = millis_between(SkewClock::local_now(), clock.now());
        assert!((1_199_000..=1_201_000).contains(&drift), "{drift}");
        assert_eq!(
            clock.correct(local - Duration::from_secs(1200), local),
            Some(-1_200_000)
        );
        assert!(clock.now() < SkewClock::local_now());
    }

    #[test]
    fn a_date_more_than_a_day_off_is_not_learned() {
        let clock = SkewClock::default();
        let local = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let day = MAX_SKEW;
        assert_eq!(clock.correct(local + day, local), Some(86_400_000));
        for absurd in [
            SystemTime::UNIX_EPOCH,
            local + day + Duration::from_secs(1),
            local - day - Duration::from_secs(1),
            httpdate::parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT").unwrap(),
        ] {
            assert_eq!(clock.correct(absurd, local), None, "{absurd:?}");
            assert_eq!(clock.offset_ms(), 86_400_000, "the clock moved");
        }
    }
}
