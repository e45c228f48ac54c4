//! The first wave of a bulk run: every worker's first call is answered
//! before any worker sends its second, so that a gateway's limit that
//! refuses part of the first wave engages the rate governor before a
//! second wave meets it unpaced. When nothing is throttled it costs the
//! spread of the first answers' times, and at most [`FIRST_WAVE_WAIT`].

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// The longest a worker waits for the rest of the first wave.
pub(super) const FIRST_WAVE_WAIT: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(super) struct FirstWave {
    /// Workers whose first call is not answered yet.
    waiting: Mutex<usize>,
    all_in: Condvar,
}

impl FirstWave {
    pub(super) fn new(workers: usize) -> Self {
        FirstWave {
            waiting: Mutex::new(workers),
            all_in: Condvar::new(),
        }
    }

    /// A worker's first call was answered (or it has none to make): waits
    /// until every worker's was, or [`FIRST_WAVE_WAIT`] has passed.
    pub(super) fn arrive(&self) {
        let deadline = crate::bounds::instant_after(FIRST_WAVE_WAIT);
        let mut waiting = crate::lock(&self.waiting);
        *waiting = waiting.saturating_sub(1);
        if *waiting == 0 {
            self.all_in.notify_all();
            return;
        }
        // Bounded by the deadline: each turn waits what is left of it.
        while *waiting > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            waiting = match self.all_in.wait_timeout(waiting, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn no_worker_goes_on_before_the_whole_wave_is_in() {
        let wave = FirstWave::new(3);
        let passed = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    wave.arrive();
                    passed.fetch_add(1, Ordering::SeqCst);
                });
            }
            std::thread::sleep(Duration::from_millis(200));
            assert_eq!(passed.load(Ordering::SeqCst), 0, "two of three arrived");
            wave.arrive();
        });
        assert_eq!(passed.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_slow_first_answer_holds_the_others_at_most_the_wait() {
        let wave = FirstWave::new(2);
        let started = Instant::now();
        wave.arrive();
        let waited = started.elapsed();
        assert!(waited >= FIRST_WAVE_WAIT, "{waited:?}");
        assert!(waited < FIRST_WAVE_WAIT * 5, "{waited:?}");
        // Once the wave is over, arriving again waits for nothing.
        let again = Instant::now();
        wave.arrive();
        assert!(again.elapsed() < Duration::from_millis(500));
    }
}
