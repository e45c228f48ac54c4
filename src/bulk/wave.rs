//! Each project's first wave: the calls sent to a project before any of
//! them was answered. Once the first answer comes, that project gets no new
//! call until the rest of its wave is answered too (at most [`WAVE_WAIT`]),
//! so that a limit which refused part of the wave has engaged the rate
//! governor before a second wave meets it unpaced. Other projects go on
//! meanwhile; when nothing is throttled, the cost is the spread of one
//! project's first answers.

use std::collections::HashSet;
use std::time::{Duration, Instant};

/// The longest a project's second wave waits for the rest of its first.
pub(super) const WAVE_WAIT: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(super) struct Waves {
    wait: Duration,
    /// By queue: the wave's calls not answered yet, and when the first
    /// answer came (`None`: the wave is still being sent).
    queues: Vec<(usize, Option<Instant>)>,
    /// The servers whose call belongs to a first wave, until answered.
    in_wave: HashSet<usize>,
}

impl Waves {
    pub(super) fn new(queues: usize, wait: Duration) -> Self {
        Waves {
            wait,
            queues: vec![(0, None); queues],
            in_wave: HashSet::new(),
        }
    }

    /// The server at `index` of `queue` was sent.
    pub(super) fn sent(&mut self, queue: usize, index: usize) {
        if let Some((out, None)) = self.queues.get_mut(queue) {
            *out += 1;
            self.in_wave.insert(index);
        }
    }

    /// The call of the server at `index` of `queue` was answered at `now`.
    pub(super) fn answered(&mut self, queue: usize, index: usize, now: Instant) {
        if let Some((out, first)) = self.queues.get_mut(queue) {
            if self.in_wave.remove(&index) {
                *out = out.saturating_sub(1);
            }
            first.get_or_insert(now);
        }
    }

    /// When `queue` may be sent to again, if not now.
    pub(super) fn reopens(&self, queue: usize, now: Instant) -> Option<Instant> {
        match self.queues.get(queue) {
            Some((out, Some(first)))
                if *out > 0 && now.saturating_duration_since(*first) < self.wait =>
            {
                Some(first.checked_add(self.wait).unwrap_or(now))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_reopens_when_its_whole_first_wave_is_answered_or_the_wait_is_over() {
        let mut waves = Waves::new(2, WAVE_WAIT);
        let now = Instant::now();
        waves.sent(0, 10);
        waves.sent(0, 11);
        waves.sent(1, 20);
        assert_eq!(waves.reopens(0, now), None, "still sending the wave");
        waves.answered(0, 10, now);
        assert_eq!(waves.reopens(0, now), Some(now + WAVE_WAIT));
        assert_eq!(waves.reopens(1, now), None, "another project goes on");
        // Sent after the first answer: not part of the wave.
        waves.sent(0, 12);
        let later = now + Duration::from_millis(300);
        assert_eq!(waves.reopens(0, later), Some(now + WAVE_WAIT));
        assert_eq!(waves.reopens(0, now + WAVE_WAIT), None, "the wait is over");
        waves.answered(0, 11, later);
        assert_eq!(waves.reopens(0, later), None, "the whole wave is in");
        waves.answered(0, 12, later);
        assert_eq!(waves.reopens(0, later), None);
    }
}
