//! A client without the `bulk` feature has no rate governor: a single call
//! waits what its throttled answer asks (`Retry-After`, else a backoff) and
//! goes again, and nothing else is paced. This stands in the governor's
//! place with the same calls, counting throttled answers and nothing more,
//! so that the call loop reads the same either way and a one-call program
//! links none of the adaptive pacing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What a gateway answered, as the call loop reports it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Verdict {
    /// Let through (whatever the status).
    Accepted,
    /// Refused by a rate limit; a named limit is not read without `bulk`.
    Throttled {
        #[allow(dead_code)] // The governor's field; read only with `bulk`.
        named: Option<f64>,
    },
}

/// The limit a throttled answer's message names: not read without `bulk`.
pub(crate) fn named_limit(_message: &str) -> Option<f64> {
    None
}

/// Counts throttled answers; never holds a call back.
#[derive(Debug, Default)]
pub(crate) struct Unpaced {
    throttled: AtomicU64,
}

impl Unpaced {
    pub(crate) fn new() -> Self {
        Unpaced::default()
    }

    pub(crate) fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// Never a wait: every call may go at once, now.
    pub(crate) fn acquire(&self, _deadline: Instant) -> Result<Instant, Duration> {
        Ok(Instant::now())
    }

    pub(crate) fn on_answer(&self, _sent: Instant, verdict: Verdict) {
        if let Verdict::Throttled { .. } = verdict {
            self.throttled.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttles_are_counted_and_nothing_is_held_back() {
        let unpaced = Unpaced::new();
        let now = Instant::now();
        assert!(unpaced.acquire(now).is_ok_and(|sent| sent >= now));
        unpaced.on_answer(now, Verdict::Accepted);
        unpaced.on_answer(now, Verdict::Throttled { named: Some(5.0) });
        unpaced.on_answer(now, Verdict::Throttled { named: None });
        assert_eq!(unpaced.throttled(), 2);
        assert_eq!(named_limit("policy ip limit:5,time:1 second"), None);
    }
}
