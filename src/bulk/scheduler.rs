//! Which server goes next in a bulk run: each project has a queue, and a
//! free worker takes the next server of the project with the fewest calls
//! in flight (in turn among equals), so that a slow or throttled gateway
//! holds only the workers it already has while the others keep going. A
//! throttled server goes back, due when its gateway's `Retry-After` ends,
//! and the worker goes on with another. A refused project's queue is
//! closed; a refusal of the credentials closes them all.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::error::Error;

use super::wave::{Waves, WAVE_WAIT};

/// How often a worker with nothing to send looks again while a project's
/// first wave is out.
const WAVE_POLL: Duration = Duration::from_millis(5);

/// What a free worker does next.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// Sends the server at this index, of this queue.
    Send { queue: usize, index: usize },
    /// Nothing is due before this: only throttled servers are left.
    WaitUntil(Instant),
    /// Nothing is left to send.
    Done,
}

pub(super) struct Scheduler {
    /// Each project's key, the indices of its servers not yet taken, and
    /// its calls in flight.
    queues: Vec<(usize, VecDeque<usize>, usize)>,
    /// The queue of each target, by index.
    queue_of: Vec<usize>,
    /// Where the search for the next queue starts.
    turn: usize,
    /// Throttled servers put back: when each is due, its queue and index.
    deferred: Vec<(Instant, usize, usize)>,
    /// How often each put-back server was put back, by index.
    put_back: HashMap<usize, u32>,
    /// Why a queue was closed, by queue; `everywhere` when all were.
    refused: HashMap<usize, String>,
    everywhere: Option<String>,
    /// Each project's first wave.
    waves: Waves,
}

impl Scheduler {
    pub(super) fn new<C: Borrow<Client>, S>(targets: &[(C, S)]) -> Self {
        let keys = targets.iter().map(|(client, _)| client.borrow().identity());
        Self::with_keys(keys, WAVE_WAIT)
    }

    /// A scheduler over targets whose projects have these keys, in order.
    fn with_keys(keys: impl Iterator<Item = usize>, wave_wait: Duration) -> Self {
        let mut queues: Vec<(usize, VecDeque<usize>, usize)> = Vec::new();
        let mut queue_of = Vec::new();
        for (index, key) in keys.enumerate() {
            let queue = match queues.iter().position(|(k, _, _)| *k == key) {
                Some(queue) => queue,
                None => {
                    queues.push((key, VecDeque::new(), 0));
                    queues.len() - 1
                }
            };
            if let Some((_, waiting, _)) = queues.get_mut(queue) {
                waiting.push_back(index);
            }
            queue_of.push(queue);
        }
        let queues_len = queues.len();
        Scheduler {
            queues,
            queue_of,
            turn: 0,
            deferred: Vec::new(),
            put_back: HashMap::new(),
            refused: HashMap::new(),
            everywhere: None,
            waves: Waves::new(queues_len, wave_wait),
        }
    }

    /// What a free worker does at `now`: a put-back server that is due
    /// goes first (it has waited), then the next server of the open
    /// project with the fewest calls in flight.
    pub(super) fn next(&mut self, now: Instant) -> Next {
        if self.everywhere.is_some() {
            return Next::Done;
        }
        self.deferred
            .retain(|(_, queue, _)| !self.refused.contains_key(queue));
        let due = self
            .deferred
            .iter()
            .enumerate()
            .filter(|(_, (at, queue, _))| *at <= now && self.waves.reopens(*queue, now).is_none())
            .min_by_key(|(_, (at, _, _))| *at)
            .map(|(position, _)| position);
        if let Some(position) = due {
            let (_, queue, index) = self.deferred.swap_remove(position);
            self.started(queue, index);
            return Next::Send { queue, index };
        }
        if let Some((queue, index)) = self.take_waiting(now) {
            return Next::Send { queue, index };
        }
        // Servers held by a first wave (looked at again shortly: the wave
        // may be answered before it times out), or put back: the earliest.
        let poll = now.checked_add(WAVE_POLL).unwrap_or(now);
        let held = (0..self.queues.len())
            .filter(|queue| self.has_waiting(*queue))
            .filter_map(|queue| self.waves.reopens(queue, now))
            .map(|_| poll);
        let put_back =
            self.deferred
                .iter()
                .map(|(at, queue, _)| match self.waves.reopens(*queue, now) {
                    Some(_) => (*at).max(poll),
                    None => *at,
                });
        match held.chain(put_back).min() {
            Some(at) => Next::WaitUntil(at),
            None => Next::Done,
        }
    }

    /// The next server not yet sent, as (its queue, its index).
    fn take_waiting(&mut self, now: Instant) -> Option<(usize, usize)> {
        let count = self.queues.len();
        let mut best: Option<(usize, usize)> = None;
        for step in 0..count {
            let queue = (self.turn + step) % count;
            let Some((_, _, in_flight)) = self.queues.get(queue) else {
                continue;
            };
            let open = self.has_waiting(queue) && self.waves.reopens(queue, now).is_none();
            if open && best.is_none_or(|(_, fewest)| *in_flight < fewest) {
                best = Some((queue, *in_flight));
            }
        }
        let (queue, _) = best?;
        let (_, waiting, _) = self.queues.get_mut(queue)?;
        let index = waiting.pop_front()?;
        self.started(queue, index);
        self.turn = (queue + 1) % count;
        Some((queue, index))
    }

    fn started(&mut self, queue: usize, index: usize) {
        if let Some((_, _, in_flight)) = self.queues.get_mut(queue) {
            *in_flight += 1;
        }
        self.waves.sent(queue, index);
    }

    /// Whether `queue` has servers not yet sent and is open.
    fn has_waiting(&self, queue: usize) -> bool {
        self.queues
            .get(queue)
            .is_some_and(|(_, waiting, _)| !waiting.is_empty())
            && !self.refused.contains_key(&queue)
    }

    /// The call of the server at `index` of `queue` was answered at `now`.
    pub(super) fn answered(&mut self, queue: usize, index: usize, now: Instant) {
        self.waves.answered(queue, index, now);
    }

    /// The call of a server of `queue` ended.
    pub(super) fn finish(&mut self, queue: usize) {
        if let Some((_, _, in_flight)) = self.queues.get_mut(queue) {
            *in_flight = in_flight.saturating_sub(1);
        }
    }

    /// Puts a throttled server back, due at `due`, unless it was put back
    /// `limit` times already (false then: its result stands).
    pub(super) fn put_back(
        &mut self,
        queue: usize,
        index: usize,
        due: Instant,
        limit: u32,
    ) -> bool {
        let times = self.put_back.entry(index).or_insert(0);
        if *times >= limit {
            return false;
        }
        *times += 1;
        self.finish(queue);
        self.deferred.push((due, queue, index));
        true
    }

    /// Closes `queue` (or every queue) after `server` was refused with `error`.
    pub(super) fn refuse(&mut self, queue: usize, everywhere: bool, server: &str, error: &Error) {
        let scope = if everywhere {
            "everywhere"
        } else {
            "for this project"
        };
        let reason = format!("the run stopped {scope} when server {server} was refused: {error}");
        if everywhere {
            self.everywhere.get_or_insert(reason);
        } else {
            self.refused.entry(queue).or_insert(reason);
        }
    }

    /// Closes `queue` with `reason` (the gateway asked its project to wait
    /// longer than the run allows).
    pub(super) fn close(&mut self, queue: usize, reason: String) {
        self.refused.entry(queue).or_insert(reason);
    }

    /// Why the server at `index` has no result.
    pub(super) fn reason(&self, index: usize) -> String {
        let refused = self
            .queue_of
            .get(index)
            .and_then(|queue| self.refused.get(queue))
            .or(self.everywhere.as_ref());
        match refused {
            Some(reason) => reason.clone(),
            None if self.put_back.contains_key(&index) => {
                "the run was stopped while this server waited for the gateway's quota".to_owned()
            }
            None => "the run was stopped before this server was sent".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    impl Scheduler {
        /// A scheduler whose first waves hold nothing.
        fn with_keys_no_wave<const N: usize>(keys: [usize; N]) -> Self {
            Scheduler::with_keys(keys.into_iter(), Duration::ZERO)
        }
    }

    fn send(next: Next) -> (usize, usize) {
        match next {
            Next::Send { queue, index } => (queue, index),
            other => panic!("expected a server to send, got {other:?}"),
        }
    }

    #[test]
    fn the_project_with_fewest_calls_in_flight_goes_next_in_turn() {
        let mut scheduler = Scheduler::with_keys_no_wave([7, 7, 7, 9, 9]);
        let now = Instant::now();
        assert_eq!(send(scheduler.next(now)), (0, 0));
        assert_eq!(send(scheduler.next(now)), (1, 3));
        assert_eq!(send(scheduler.next(now)), (0, 1));
        // Project 0 has two in flight, project 1 one: project 1 goes.
        assert_eq!(send(scheduler.next(now)), (1, 4));
        scheduler.finish(0);
        assert_eq!(send(scheduler.next(now)), (0, 2));
        assert_eq!(scheduler.next(now), Next::Done);
    }

    #[test]
    fn a_free_worker_takes_the_project_with_fewest_in_flight_and_ties_go_in_turn() {
        let mut scheduler = Scheduler::with_keys_no_wave([1, 1, 1, 2, 2]);
        let now = Instant::now();
        assert_eq!(send(scheduler.next(now)), (0, 0));
        assert_eq!(send(scheduler.next(now)), (1, 3));
        // Project 1's call ended: it has none in flight, project 0 one, so
        // project 1 goes although it is project 0's turn.
        scheduler.finish(1);
        assert_eq!(send(scheduler.next(now)), (1, 4));
        // Both have one in flight now; project 0's turn.
        assert_eq!(send(scheduler.next(now)), (0, 1));
        scheduler.finish(0);
        scheduler.finish(1);
        // Project 0 has one, project 1 none, but project 1 has nothing left.
        assert_eq!(send(scheduler.next(now)), (0, 2));
        assert_eq!(scheduler.next(now), Next::Done);
    }

    #[test]
    fn a_project_whose_first_wave_is_partly_answered_waits_and_the_others_go_on() {
        let mut scheduler = Scheduler::with_keys([1, 1, 1, 2, 2].into_iter(), WAVE_WAIT);
        let now = Instant::now();
        assert_eq!(send(scheduler.next(now)), (0, 0));
        assert_eq!(send(scheduler.next(now)), (1, 3));
        assert_eq!(send(scheduler.next(now)), (0, 1));
        scheduler.answered(0, 0, now);
        scheduler.finish(0);
        // Project 0 has one call of its wave out: project 1 goes instead.
        assert_eq!(send(scheduler.next(now)), (1, 4));
        assert_eq!(scheduler.next(now), Next::WaitUntil(now + WAVE_POLL));
        scheduler.answered(0, 1, now);
        scheduler.finish(0);
        assert_eq!(send(scheduler.next(now)), (0, 2));
        assert_eq!(scheduler.next(now), Next::Done);

        let mut slow = Scheduler::with_keys([1, 1, 1].into_iter(), WAVE_WAIT);
        assert_eq!(send(slow.next(now)), (0, 0));
        assert_eq!(send(slow.next(now)), (0, 1));
        slow.answered(0, 0, now);
        assert!(matches!(slow.next(now), Next::WaitUntil(_)));
        // A wave answer that never comes holds the project one wait at most.
        assert_eq!(send(slow.next(now + WAVE_WAIT)), (0, 2));
    }

    #[test]
    fn ties_start_from_the_queue_after_the_last_one_taken() {
        let mut scheduler = Scheduler::with_keys_no_wave([1, 2, 3, 1, 2, 3]);
        let now = Instant::now();
        assert_eq!(send(scheduler.next(now)), (0, 0));
        scheduler.finish(0);
        assert_eq!(send(scheduler.next(now)), (1, 1));
        scheduler.finish(1);
        assert_eq!(send(scheduler.next(now)), (2, 2));
        scheduler.finish(2);
        assert_eq!(send(scheduler.next(now)), (0, 3));
    }

    #[test]
    fn a_refused_project_is_not_sent_and_a_refusal_everywhere_ends_the_run() {
        let error = Error::Config("refused".to_owned());
        let mut scheduler = Scheduler::with_keys_no_wave([1, 1, 2, 2]);
        let now = Instant::now();
        let (queue, _) = send(scheduler.next(now));
        scheduler.refuse(queue, false, "s0", &error);
        assert_eq!(send(scheduler.next(now)), (1, 2));
        assert_eq!(send(scheduler.next(now)), (1, 3));
        assert_eq!(scheduler.next(now), Next::Done, "index 1 is refused");
        assert!(scheduler
            .reason(1)
            .contains("for this project when server s0"));
        scheduler.refuse(1, true, "s3", &error);
        assert!(scheduler.reason(2).contains("everywhere when server s3"));

        let mut everywhere = Scheduler::with_keys_no_wave([1, 2]);
        everywhere.refuse(0, true, "s0", &error);
        assert_eq!(everywhere.next(now), Next::Done);
    }

    #[test]
    fn a_put_back_server_goes_when_due_before_the_others_and_only_so_often() {
        let mut scheduler = Scheduler::with_keys_no_wave([1, 1, 1]);
        let now = Instant::now();
        let (queue, index) = send(scheduler.next(now));
        let due = now + Duration::from_secs(5);
        assert!(scheduler.put_back(queue, index, due, 2));
        // Not yet due: the others go first, then the worker waits for it.
        assert_eq!(send(scheduler.next(now)), (0, 1));
        assert_eq!(send(scheduler.next(now)), (0, 2));
        assert_eq!(scheduler.next(now), Next::WaitUntil(due));
        assert_eq!(send(scheduler.next(due)), (0, 0));
        assert!(scheduler.put_back(0, 0, due, 2));
        assert_eq!(send(scheduler.next(due)), (0, 0));
        assert!(!scheduler.put_back(0, 0, due, 2), "put back twice already");
        assert_eq!(scheduler.next(due), Next::Done);
        assert!(scheduler
            .reason(0)
            .contains("waited for the gateway's quota"));
        assert!(scheduler.reason(1).contains("before this server was sent"));
    }

    #[test]
    fn a_closed_project_drops_its_put_back_servers_and_says_why() {
        let mut scheduler = Scheduler::with_keys_no_wave([1, 2]);
        let now = Instant::now();
        let (queue, index) = send(scheduler.next(now));
        assert!(scheduler.put_back(queue, index, now, 5));
        scheduler.close(queue, "asked to wait too long".to_owned());
        assert_eq!(send(scheduler.next(now)), (1, 1));
        assert_eq!(scheduler.next(now), Next::Done);
        assert_eq!(scheduler.reason(0), "asked to wait too long");
    }
}
