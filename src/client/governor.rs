//! The rate governor: one per client, shared by every clone and thread, so
//! that a throttled answer slows the whole client down instead of each
//! worker backing off alone and all of them coming back together.
//!
//! Until the first throttled answer (429, or `APIGW.0308`) it does nothing
//! but count accepted answers, with a few atomic operations. From then on
//! every attempt takes a token from a bucket that holds at most one, filled
//! at the governor's rate, so the pace is smooth and never a burst.
//!
//! # How it finds a limit nobody named
//!
//! A gateway's limit is a token bucket: it refills at the limit `L` and
//! refuses a request when it is empty. A throttled answer is therefore a
//! moment when the gateway's bucket was empty, and between two such moments
//! the gateway accepted `L × span` requests, give or take one (less what
//! overflowed its burst while we sent below `L`). The governor uses that:
//!
//! 1. **First throttle.** Nothing is known of `L` yet: the governor starts
//!    from the accepted rate of the last second (the gateway's burst, at the
//!    start of a run) and *probes*: the rate doubles every
//!    [`PROBE_DOUBLING`] accepted answers.
//! 2. **Each later throttle** of a request sent after the last change of
//!    rate (answers to requests already in flight say nothing of the new
//!    rate) ends a *window*: accepted answers since the previous such moment
//!    over its span estimate `L`, and the governor paces at [`SHARE`] of
//!    that. A window shorter than [`MIN_SPAN`] or [`MIN_WINDOW`] answers is
//!    too coarse to estimate from: the rate is cut to [`CUT`] of itself and
//!    the window goes on.
//! 3. **Holding.** After an estimate the rate creeps up by [`CREEP`] of
//!    itself a second, so that a limit that rose is found again, slowly
//!    enough that one throttle in many seconds is the price.
//!
//! A throttled answer never pauses the whole client: the throttled call
//! waits its own `Retry-After` (the gateway asked that of it), and the
//! others keep the new pace, from an empty bucket (no burst). An explicit
//! `ClientBuilder::max_rate` engages the governor from the start and caps
//! every rate above.
//!
//! # A limit the gateway states
//!
//! Real gateways send no `Retry-After`; they state the limit in the message
//! instead, `…,limit:N,time:T second` (or `minute`), and keep it one of two
//! ways: a counter per fixed window of `T` (throttled in one window,
//! allowed again in the next) or a token bucket of `N / T` a second with
//! bursts of `N`. A smooth pace of `N / T` serves the bucket and wastes the
//! window: after the first window's burst, paced requests keep landing in
//! the window that burst used up. So the governor first serves the limit as
//! a **window**: never more than `N` sends in any span of `T` (a record of
//! the last `N` send times, a hair of `T` to spare for the network), and
//! otherwise no pacing at all, so each window is used whole, in a burst,
//! exactly `T` after the one before. Both gateways admit that: a fixed
//! window holds each burst whole, and a bucket of burst `N` has refilled
//! `N` tokens in `T`. A throttle of a request the window had room for says
//! either that the network held the last burst longer than the spare (the
//! spare then widens, once, to a tenth of `T`) or, the second time, that
//! the gateway is neither (a bucket of a smaller burst, or traffic from
//! elsewhere): the governor then falls back to a smooth pace of
//! [`LIMIT_SHARE`] of `N / T`, the window still capping it. Either way it
//! neither probes nor creeps. Until the first throttle the send times are
//! kept in a lock-free ring of [`RECORD`] slots, so the window knows the
//! sends that met the limit.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::lock;

use super::retry::is_throttled;

/// The share of an estimated limit the governor paces at: just under, so
/// that the gateway's bucket refills a little and jitter is not refused.
pub(crate) const SHARE: f64 = 0.97;
/// The share of a limit the gateway names that the governor paces at.
pub(crate) const LIMIT_SHARE: f64 = 0.99;
/// The slowest the governor ever paces, in requests a second.
pub(crate) const MIN_RATE: f64 = 0.5;
/// The fastest rate it ever sets; beyond, the client is the bottleneck.
const MAX_RATE: f64 = 1e6;
/// While probing, the rate doubles every this many accepted answers: in
/// answers rather than seconds, so that a low limit is approached as
/// carefully (in throttles) as a high one.
pub(crate) const PROBE_DOUBLING: f64 = 4.0;
/// The shortest window an estimate is made from.
pub(crate) const MIN_SPAN: Duration = Duration::from_millis(500);
/// The fewest accepted answers an estimate is made from.
pub(crate) const MIN_WINDOW: u64 = 4;
/// What a throttle too soon to estimate from keeps of the rate.
pub(crate) const CUT: f64 = 0.85;
/// The second probe grows by this share of its start a second.
pub(crate) const RISE: f64 = 0.5;
/// While holding, the rate grows by this share of itself a second.
pub(crate) const CREEP: f64 = 0.01;
/// The send times kept: a stated window of more requests than this is
/// served by the smooth pace alone.
pub(crate) const RECORD: usize = 4096;
/// What a window keeps to spare of its span, so that a burst sent exactly
/// one span after the one before does not reach the gateway in the same
/// window by the network's jitter: a fiftieth, at least 100 ms.
const WINDOW_SPARE_SHARE: f64 = 0.02;
const WINDOW_SPARE_MIN: Duration = Duration::from_millis(100);
/// The spare a window widens to, once, when a request it had room for is
/// refused: a tenth of its span. A jitter longer than the first spare (a
/// loaded machine, a slow network) is told apart from a gateway that keeps
/// no such window only by a second refusal.
const WINDOW_SPARE_WIDENED: f64 = 0.1;

/// A limit the gateway states: `count` requests in every `per`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NamedLimit {
    pub count: f64,
    pub per: Duration,
}

impl NamedLimit {
    /// `rate` requests a second, as a limit of `rate` per second.
    #[cfg(test)]
    pub(crate) fn per_second(rate: f64) -> Self {
        NamedLimit {
            count: rate,
            per: Duration::from_secs(1),
        }
    }

    /// Its rate in requests a second; `None` unless a positive finite rate.
    fn rate(self) -> Option<f64> {
        let rate = self.count / self.per.as_secs_f64();
        (rate.is_finite() && rate > 0.0).then_some(rate)
    }

    /// The window with its spare widened to a tenth of its span.
    fn widened_window(self) -> Option<(usize, Duration)> {
        let (count, _) = self.window()?;
        let spare = self.per.mul_f64(WINDOW_SPARE_WIDENED);
        Some((count, self.per.saturating_add(spare)))
    }

    /// As a window of whole requests the record can hold: the count and
    /// the span to keep between a send and the one `count` sends later.
    fn window(self) -> Option<(usize, Duration)> {
        let whole = self.count.is_finite() && self.count >= 1.0 && self.count.fract() == 0.0;
        if !whole || self.count > RECORD as f64 || self.per.is_zero() {
            return None;
        }
        let spare = self.per.mul_f64(WINDOW_SPARE_SHARE).max(WINDOW_SPARE_MIN);
        Some((self.count as usize, self.per.saturating_add(spare)))
    }
}

/// What a gateway answered, as the governor needs it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Verdict {
    /// Let through (whatever the status: the rate limit did not refuse it).
    Accepted,
    /// Refused by a rate limit, stating it or not.
    Throttled { named: Option<NamedLimit> },
}

/// A client's shared sending rate.
#[derive(Debug)]
pub(crate) struct Governor {
    /// False until the first throttled answer or an explicit cap.
    engaged: AtomicBool,
    max_rate: Option<f64>,
    started: Instant,
    throttled: AtomicU64,
    recent: Recent,
    /// Send times until the governor engages.
    ring: SendRing,
    bucket: Mutex<Bucket>,
}

/// Send times, lock-free, as nanoseconds after the governor began plus one
/// (zero is an empty slot): the last [`RECORD`] of them.
#[derive(Debug)]
struct SendRing {
    slots: Box<[AtomicU64]>,
    next: AtomicUsize,
}

/// Accepted answers in the current and the previous one-second slot (since
/// the governor began), lock-free: the rate of the last second, for the
/// first throttle.
#[derive(Debug, Default)]
struct Recent {
    slot: AtomicU64,
    current: AtomicU64,
    previous: AtomicU64,
}

/// How the rate grows between throttles.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Before any throttle, or at a named limit or an explicit cap: fixed.
    Fixed,
    /// The first probe: doubles every [`PROBE_DOUBLING`] fresh answers.
    Doubling,
    /// The second probe, from the first estimate: [`RISE`] of it a second.
    Rising,
    /// After an estimate: [`CREEP`] of it a second.
    Holding,
}

#[derive(Debug)]
struct Bucket {
    fill_rate: f64,
    tokens: f64,
    last_refill: Instant,
    /// A limit the gateway named, paced at and never exceeded.
    named_limit: Option<f64>,
    /// The stated limit as a window: at most `.0` sends in any `.1`.
    window: Option<(usize, Duration)>,
    /// True while the window alone paces (no smooth pace): until a
    /// request the window had room for is throttled.
    windowed: bool,
    /// Send times not known to be refused, oldest first, once engaged
    /// (seeded from the ring): at most [`RECORD`].
    sends: VecDeque<Instant>,
    seeded: bool,
    /// The estimate's window: since the last empty moment that ended one,
    /// and the answers accepted since (to requests sent since).
    window_start: Instant,
    window_accepted: u64,
    /// The rate grows from `base` since `since` as `phase` says; `since`
    /// is also the last change, before which sent requests are stale.
    phase: Phase,
    base: f64,
    since: Instant,
    /// Fresh accepted answers since `since`, for the doubling probe.
    grown_by: u64,
}

impl Governor {
    /// A governor that engages on the first throttled answer, or at once
    /// when `max_rate` (requests a second) is given.
    pub(crate) fn new(max_rate: Option<f64>) -> Self {
        let now = Instant::now();
        let rate = max_rate.unwrap_or(MIN_RATE).max(MIN_RATE);
        Governor {
            engaged: AtomicBool::new(max_rate.is_some()),
            max_rate,
            started: now,
            throttled: AtomicU64::new(0),
            recent: Recent::default(),
            ring: SendRing::new(),
            bucket: Mutex::new(Bucket {
                fill_rate: rate,
                tokens: 1.0,
                last_refill: now,
                named_limit: None,
                window: None,
                windowed: false,
                sends: VecDeque::new(),
                seeded: false,
                window_start: now,
                window_accepted: 0,
                phase: Phase::Fixed,
                base: rate,
                since: now,
                grown_by: 0,
            }),
        }
    }

    /// Throttled answers so far.
    pub(crate) fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// The rate the governor paces at, once engaged.
    pub(crate) fn rate(&self) -> Option<f64> {
        self.engaged
            .load(Ordering::Relaxed)
            .then(|| lock(&self.bucket).fill_rate)
    }

    /// How long until the governor next lets a call go (zero when idle).
    pub(crate) fn next_leave(&self) -> Duration {
        if !self.engaged.load(Ordering::Relaxed) {
            return Duration::ZERO;
        }
        let now = Instant::now();
        let mut bucket = lock(&self.bucket);
        bucket.refill(now);
        bucket.wait(now)
    }

    /// Waits for leave to send, and records the send: the instant it is
    /// sent at, which the answer is reported with; `Err` with the wait that
    /// would be needed when it would end past `deadline` (nothing is waited
    /// then).
    pub(crate) fn acquire(&self, deadline: Instant) -> Result<Instant, Duration> {
        if !self.engaged.load(Ordering::Relaxed) {
            let now = Instant::now();
            self.ring
                .record(now.saturating_duration_since(self.started));
            return Ok(now);
        }
        // Bounded: every turn either sends or sleeps for the time the next
        // leave takes to come, and a wait past the deadline ends it.
        loop {
            let now = Instant::now();
            let wait = {
                let mut bucket = lock(&self.bucket);
                bucket.seed(&self.ring, self.started);
                bucket.refill(now);
                let wait = bucket.wait(now);
                if wait.is_zero() {
                    bucket.take(now);
                    return Ok(now);
                }
                wait
            };
            if wait >= deadline.saturating_duration_since(now) {
                return Err(wait);
            }
            std::thread::sleep(wait);
        }
    }

    /// Learns from the answer to a request sent at `sent`.
    pub(crate) fn on_answer(&self, sent: Instant, verdict: Verdict) {
        self.on_answer_at(sent, verdict, Instant::now());
    }

    fn on_answer_at(&self, sent: Instant, verdict: Verdict, now: Instant) {
        let now_ms = u64::try_from(now.saturating_duration_since(self.started).as_millis())
            .unwrap_or(u64::MAX);
        match verdict {
            Verdict::Accepted => {
                self.recent.count(now_ms);
                if self.engaged.load(Ordering::Relaxed) {
                    lock(&self.bucket).on_accepted(sent, now, self.max_rate);
                }
            }
            Verdict::Throttled { named } => {
                let first = self.throttled.fetch_add(1, Ordering::Relaxed) == 0;
                let last_second = first.then(|| self.recent.rate(now_ms));
                let mut bucket = lock(&self.bucket);
                bucket.seed(&self.ring, self.started);
                bucket.on_throttled(sent, now, named, last_second, self.max_rate);
                self.engaged.store(true, Ordering::Relaxed);
            }
        }
    }
}

impl SendRing {
    fn new() -> Self {
        SendRing {
            slots: (0..RECORD).map(|_| AtomicU64::new(0)).collect(),
            next: AtomicUsize::new(0),
        }
    }

    fn record(&self, since_start: Duration) {
        let nanos = u64::try_from(since_start.as_nanos())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1);
        let at = self.next.fetch_add(1, Ordering::Relaxed) % RECORD;
        if let Some(slot) = self.slots.get(at) {
            slot.store(nanos, Ordering::Relaxed);
        }
    }

    /// The recorded sends, oldest first, as instants after `started`.
    fn sends(&self, started: Instant) -> Vec<Instant> {
        let mut sends: Vec<Instant> = self
            .slots
            .iter()
            .map(|slot| slot.load(Ordering::Relaxed))
            .filter(|nanos| *nanos > 0)
            .map(|nanos| started + Duration::from_nanos(nanos - 1))
            .collect();
        sends.sort_unstable();
        sends
    }
}

impl Recent {
    /// Moves to the slot `now_ms` falls in: the current count becomes the
    /// previous one when the slots are neighbours, else both start over.
    fn roll(&self, now_ms: u64) {
        let slot_now = now_ms / 1000;
        let slot = self.slot.load(Ordering::Relaxed);
        if slot_now > slot
            && self
                .slot
                .compare_exchange(slot, slot_now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let current = self.current.swap(0, Ordering::Relaxed);
            let previous = if slot_now == slot + 1 { current } else { 0 };
            self.previous.store(previous, Ordering::Relaxed);
        }
    }

    fn count(&self, now_ms: u64) {
        self.roll(now_ms);
        self.current.fetch_add(1, Ordering::Relaxed);
    }

    /// Accepted answers over the last second: the current slot, and the
    /// part of the previous one that the last second still covers.
    fn rate(&self, now_ms: u64) -> f64 {
        self.roll(now_ms);
        let into = (now_ms % 1000) as f64 / 1000.0;
        self.previous.load(Ordering::Relaxed) as f64 * (1.0 - into)
            + self.current.load(Ordering::Relaxed) as f64
    }
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        if now > self.last_refill {
            let added = now.duration_since(self.last_refill).as_secs_f64() * self.fill_rate;
            // At most one token waits: the pace is smooth, never a burst.
            self.tokens = (self.tokens + added).min(1.0);
            self.last_refill = now;
        }
    }

    /// How long the next token takes to come.
    fn wait_for_token(&self) -> Duration {
        Duration::from_secs_f64(((1.0 - self.tokens) / self.fill_rate).clamp(0.0, 60.0))
    }

    /// The send times until now, from the ring, once.
    fn seed(&mut self, ring: &SendRing, started: Instant) {
        if !self.seeded {
            self.sends = ring.sends(started).into();
            self.seeded = true;
        }
    }

    /// How long until the next send may go: the window's wait, and the
    /// smooth pace's unless the window alone paces.
    fn wait(&mut self, now: Instant) -> Duration {
        let window = self.window_wait(now);
        if self.windowed {
            window
        } else {
            window.max(self.wait_for_token())
        }
    }

    /// How long until fewer than the window's count were sent within its
    /// span; zero without a window.
    fn window_wait(&mut self, now: Instant) -> Duration {
        let Some((count, span)) = self.window else {
            return Duration::ZERO;
        };
        // What is older than the span can no longer hold a send back.
        while self
            .sends
            .front()
            .is_some_and(|first| now.saturating_duration_since(*first) >= span)
        {
            self.sends.pop_front();
        }
        match self.sends.len().checked_sub(count) {
            // The send `count` before the next one must be a span ago.
            Some(index) => self.sends.get(index).map_or(Duration::ZERO, |at| {
                (*at + span).saturating_duration_since(now)
            }),
            None => Duration::ZERO,
        }
    }

    /// Records a send at `now`, taking a token when the smooth pace paces.
    fn take(&mut self, now: Instant) {
        if !self.windowed {
            self.tokens -= 1.0;
        }
        if self.sends.len() >= RECORD {
            self.sends.pop_front();
        }
        self.sends.push_back(now);
    }

    /// Forgets the send at `sent`: the gateway refused it, so it does not
    /// count against its window.
    fn forget(&mut self, sent: Instant) {
        if let Some(index) = self.sends.iter().rposition(|at| *at == sent) {
            self.sends.remove(index);
        }
    }

    fn set_rate(&mut self, rate: f64, max_rate: Option<f64>) {
        let rate = if rate.is_finite() { rate } else { MAX_RATE };
        let capped = max_rate.map_or(rate, |m| rate.min(m));
        self.fill_rate = capped.clamp(MIN_RATE, MAX_RATE);
    }

    /// Grows from `base` as `phase` says, from `now` on.
    fn restart(&mut self, phase: Phase, base: f64, now: Instant, max_rate: Option<f64>) {
        self.phase = phase;
        self.base = base.clamp(MIN_RATE, MAX_RATE);
        self.since = now;
        self.grown_by = 0;
        self.set_rate(self.base, max_rate);
    }

    /// Begins a new estimate's window at an empty moment.
    fn open_window(&mut self, now: Instant) {
        self.window_start = now;
        self.window_accepted = 0;
    }

    /// The rate the current phase has reached at `now`.
    fn grown(&self, now: Instant) -> f64 {
        let held = now.saturating_duration_since(self.since).as_secs_f64();
        match self.phase {
            Phase::Fixed => self.fill_rate,
            Phase::Doubling => self.base * (self.grown_by as f64 / PROBE_DOUBLING).min(40.0).exp2(),
            Phase::Rising => self.base * (1.0 + RISE * held),
            Phase::Holding => self.base * (1.0 + CREEP * held),
        }
    }

    fn on_accepted(&mut self, sent: Instant, now: Instant, max_rate: Option<f64>) {
        let fresh = sent >= self.since;
        if sent >= self.window_start {
            self.window_accepted = self.window_accepted.saturating_add(1);
        }
        if self.phase == Phase::Doubling {
            if fresh {
                self.grown_by = self.grown_by.saturating_add(1);
            } else if self.since == self.window_start {
                // Part of the last second the first probe starts from,
                // answered after the throttle that began it.
                self.base += 1.0;
            }
        }
        if self.phase != Phase::Fixed {
            self.set_rate(self.grown(now), max_rate);
        }
    }

    fn on_throttled(
        &mut self,
        sent: Instant,
        now: Instant,
        named: Option<NamedLimit>,
        last_second: Option<f64>,
        max_rate: Option<f64>,
    ) {
        // The gateway's bucket is empty: so is ours, no burst follows.
        self.tokens = 0.0;
        self.last_refill = self.last_refill.max(now);
        self.forget(sent);
        if let Some(rate) = named.and_then(NamedLimit::rate) {
            let fresh = sent >= self.since;
            if self.named_limit.is_none() {
                // Learnt: served as a window first, when it can be.
                self.window = named.and_then(NamedLimit::window);
                self.windowed = self.window.is_some() && max_rate.is_none();
            } else if self.windowed && fresh {
                // A request the window had room for was refused: once, the
                // network may have held the last burst longer than the
                // spare, so the spare widens; twice, the gateway keeps no
                // such window, so the pace is smooth from now on.
                let widened = named.and_then(|n| n.widened_window());
                match (self.window, widened) {
                    (Some((_, span)), Some(wider)) if span < wider.1 => {
                        self.window = Some(wider);
                    }
                    _ => self.windowed = false,
                }
            } else if self.windowed {
                // An answer to a request sent before the window began says
                // nothing of it: the window, and when it began, stand.
                return;
            }
            self.named_limit = Some(rate);
        }
        if let Some(limit) = self.named_limit {
            self.restart(Phase::Fixed, limit * LIMIT_SHARE, now, max_rate);
            return;
        }
        if let Some(last_second) = last_second {
            // The first throttle: nothing is known but the last second.
            self.open_window(now);
            self.restart(Phase::Doubling, last_second, now, max_rate);
            return;
        }
        if sent < self.since {
            return;
        }
        let span = now.saturating_duration_since(self.window_start);
        if span < MIN_SPAN || self.window_accepted < MIN_WINDOW {
            // Too soon to estimate: a probe falls back to its last doubling
            // (never below where it started), a hold gives up a share.
            let rate = match self.phase {
                Phase::Doubling | Phase::Rising => self.base.max(self.fill_rate / 2.0) * SHARE,
                Phase::Fixed | Phase::Holding => self.fill_rate * CUT,
            };
            self.restart(Phase::Holding, rate, now, max_rate);
            return;
        }
        let estimate = self.window_accepted as f64 / span.as_secs_f64();
        self.open_window(now);
        // The first probe mostly sent below the limit, and what overflowed
        // the gateway's burst meanwhile went uncounted: its estimate is
        // low, and a second, gentler probe starts from it.
        let next = if self.phase == Phase::Doubling {
            Phase::Rising
        } else {
            Phase::Holding
        };
        self.restart(next, (estimate * SHARE).min(self.fill_rate), now, max_rate);
    }
}

/// The limit an `APIGW.0308` message states: `…,limit:100,time:1 second`
/// is 100 a second, `limit:120,time:2 minute` is 120 in two minutes; a
/// missing time is a second.
pub(crate) fn named_limit(message: &str) -> Option<NamedLimit> {
    let after = &message[message.find("limit:")? + "limit:".len()..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    let count: f64 = digits.parse().ok()?;
    let seconds: f64 = match after.split_once("time:") {
        Some((_, rest)) => {
            let rest = rest.trim();
            let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let unit = rest[n.len()..].trim_start();
            let n: f64 = n.parse().unwrap_or(1.0);
            if unit.starts_with("minute") {
                n * 60.0
            } else if unit.starts_with("hour") {
                n * 3600.0
            } else if unit.starts_with("day") {
                n * 86_400.0
            } else {
                n
            }
        }
        None => 1.0,
    };
    let per = Duration::try_from_secs_f64(seconds).ok()?;
    (count > 0.0 && !per.is_zero()).then_some(NamedLimit { count, per })
}

impl super::Client {
    /// How long the gateway's throttling holds this call back, when that is
    /// why `error` ended it: a throttled answer whose `Retry-After` reached
    /// past the call's deadline, or a call the governor could not send
    /// before its deadline (no attempt made). `None` for any other error.
    pub(crate) fn quota_wait(&self, error: &Error) -> Option<Duration> {
        match error {
            Error::Api(api) if is_throttled(error) => {
                Some(api.retry_after.unwrap_or(Duration::ZERO))
            }
            Error::Timeout { attempts: 0, .. } => Some(self.inner.caller.governor.next_leave()),
            _ => None,
        }
    }

    /// Which client this is, for a bulk run that tells projects apart:
    /// clones share it.
    pub(crate) fn identity(&self) -> usize {
        std::sync::Arc::as_ptr(&self.inner) as usize
    }

    /// The rate the client paces its requests at, in requests a second:
    /// `None` until the gateway first throttles it (or without a
    /// [`crate::ClientBuilder::max_rate`]), when it sends as fast as it is asked.
    pub fn sending_rate(&self) -> Option<f64> {
        self.inner.caller.governor.rate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNNAMED: Verdict = Verdict::Throttled { named: None };

    fn at(governor: &Governor, ms: u64) -> Instant {
        governor.started + Duration::from_millis(ms)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6 * b.abs().max(1.0)
    }

    fn rate(governor: &Governor) -> f64 {
        lock(&governor.bucket).fill_rate
    }

    /// A governor that saw `accepted` answers in its first 100 ms, then a
    /// throttle at 100 ms: probing from the last second's count.
    fn probing(accepted: u64) -> Governor {
        let governor = Governor::new(None);
        for i in 0..accepted {
            governor.on_answer_at(at(&governor, i), Verdict::Accepted, at(&governor, 50 + i));
        }
        assert_eq!(governor.rate(), None, "idle until throttled");
        governor.on_answer_at(at(&governor, 90), UNNAMED, at(&governor, 100));
        governor
    }

    #[test]
    fn reads_the_limit_the_gateway_names_per_second_minute_hour_or_day() {
        let message = "The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 second";
        assert_eq!(named_limit(message).and_then(NamedLimit::rate), Some(100.0));
        assert_eq!(
            named_limit("limit:120,time:1 minute").and_then(NamedLimit::rate),
            Some(2.0)
        );
        assert_eq!(
            named_limit("limit:120,time:2 minutes").and_then(NamedLimit::rate),
            Some(1.0)
        );
        assert_eq!(
            named_limit("limit:7200,time:1 hour").and_then(NamedLimit::rate),
            Some(2.0)
        );
        assert_eq!(
            named_limit("limit:86400,time:1 day").and_then(NamedLimit::rate),
            Some(1.0)
        );
        assert_eq!(
            named_limit("limit:10,time:5 second").and_then(NamedLimit::rate),
            Some(2.0)
        );
        assert_eq!(
            named_limit("limit:10").and_then(NamedLimit::rate),
            Some(10.0)
        );
        assert_eq!(
            named_limit("limit:10,time:second").and_then(NamedLimit::rate),
            Some(10.0)
        );
        assert_eq!(
            named_limit("The throttling threshold has been reached"),
            None
        );
        assert_eq!(named_limit("limit:,time:1 second"), None);
        assert_eq!(named_limit("limit:0,time:1 second"), None);
        assert_eq!(named_limit("limit:5,time:0 second"), None);
    }

    #[test]
    fn the_first_throttle_probes_from_the_last_second_doubling_every_few_fresh_answers() {
        let governor = probing(7);
        assert_eq!(governor.rate(), Some(7.0));
        assert_eq!(governor.throttled(), 1);
        // An answer to a request sent before the throttle belongs to the
        // last second: the probe's start grows by one.
        governor.on_answer_at(at(&governor, 95), Verdict::Accepted, at(&governor, 110));
        assert!(close(rate(&governor), 8.0), "{}", rate(&governor));
        for i in 1..=2u64 {
            governor.on_answer_at(
                at(&governor, 100 + i),
                Verdict::Accepted,
                at(&governor, 120),
            );
        }
        // Two fresh answers of PROBE_DOUBLING: 8 · 2^(2/4).
        let expected = 8.0 * (2.0 / PROBE_DOUBLING).exp2();
        assert!(close(rate(&governor), expected), "{}", rate(&governor));
        for i in 3..=4u64 {
            governor.on_answer_at(
                at(&governor, 100 + i),
                Verdict::Accepted,
                at(&governor, 130),
            );
        }
        assert!(close(rate(&governor), 16.0), "{}", rate(&governor));
        // Requests in flight when the probe began say nothing of it.
        governor.on_answer_at(at(&governor, 99), UNNAMED, at(&governor, 140));
        assert!(close(rate(&governor), 16.0), "{}", rate(&governor));
        assert_eq!(governor.throttled(), 2);
    }

    #[test]
    fn a_probe_throttled_after_a_long_window_paces_under_the_estimate_and_rises_gently() {
        let governor = probing(5);
        // 30 fresh answers in the window, then a fresh throttle 1.5 s after
        // the window opened (at 100 ms): 20 a second.
        for i in 0..30u64 {
            let when = at(&governor, 150 + i * 40);
            governor.on_answer_at(when, Verdict::Accepted, when);
        }
        let probed = rate(&governor);
        assert!(
            close(probed, 5.0 * (30.0 / PROBE_DOUBLING).exp2()),
            "{probed}"
        );
        governor.on_answer_at(at(&governor, 1590), UNNAMED, at(&governor, 1600));
        let first = 30.0 / 1.5 * SHARE;
        assert!(close(rate(&governor), first), "{}", rate(&governor));
        {
            let bucket = lock(&governor.bucket);
            assert_eq!(bucket.phase, Phase::Rising);
            assert_eq!(bucket.tokens, 0.0, "no burst after a throttle");
        }
        // Rising: RISE of the start a second, 2 s on.
        governor.on_answer_at(at(&governor, 3590), Verdict::Accepted, at(&governor, 3600));
        assert!(
            close(rate(&governor), first * (1.0 + RISE * 2.0)),
            "{}",
            rate(&governor)
        );
        // The second probe's throttle: 1 answer in 2 s is too few (below
        // MIN_WINDOW), so the probe falls back to where it started.
        let rising = rate(&governor);
        governor.on_answer_at(at(&governor, 3595), UNNAMED, at(&governor, 3600));
        let fallback = first.max(rising / 2.0) * SHARE;
        assert!(close(rate(&governor), fallback), "{}", rate(&governor));
        assert_eq!(lock(&governor.bucket).phase, Phase::Holding);
        // Holding creeps by CREEP a second: 10 s on.
        governor.on_answer_at(
            at(&governor, 13_590),
            Verdict::Accepted,
            at(&governor, 13_600),
        );
        assert!(
            close(rate(&governor), fallback * (1.0 + CREEP * 10.0)),
            "{}",
            rate(&governor)
        );
        // A hold throttled too soon to estimate gives up a share.
        let held = rate(&governor);
        governor.on_answer_at(at(&governor, 13_595), UNNAMED, at(&governor, 13_600));
        assert!(close(rate(&governor), held * CUT), "{}", rate(&governor));
    }

    #[test]
    fn an_estimate_from_a_rising_probe_holds_and_never_raises_the_rate() {
        let governor = probing(4);
        for i in 0..8u64 {
            let when = at(&governor, 200 + i * 100);
            governor.on_answer_at(when, Verdict::Accepted, when);
        }
        governor.on_answer_at(at(&governor, 1090), UNNAMED, at(&governor, 1100));
        let first = rate(&governor);
        assert!(close(first, 8.0 * SHARE), "{first}");
        // 12 answers in the 0.6 s after: the estimate (20/s) is above the
        // rate, which a throttle never raises.
        for i in 0..12u64 {
            let when = at(&governor, 1150 + i * 40);
            governor.on_answer_at(when, Verdict::Accepted, when);
        }
        let before = rate(&governor);
        governor.on_answer_at(at(&governor, 1690), UNNAMED, at(&governor, 1700));
        assert!(
            close(rate(&governor), before),
            "{} vs {before}",
            rate(&governor)
        );
        assert_eq!(lock(&governor.bucket).phase, Phase::Holding);
        let bucket = lock(&governor.bucket);
        assert_eq!(bucket.window_accepted, 0, "a new window opens");
        assert_eq!(bucket.window_start, at(&governor, 1700));
    }

    #[test]
    fn a_named_limit_is_paced_at_and_never_exceeded_and_a_cap_always_holds() {
        let governor = Governor::new(None);
        let named = Verdict::Throttled {
            named: Some(NamedLimit::per_second(100.0)),
        };
        governor.on_answer_at(at(&governor, 0), named, at(&governor, 10));
        assert_eq!(governor.rate(), Some(99.0));
        governor.on_answer_at(at(&governor, 20), Verdict::Accepted, at(&governor, 600_000));
        assert_eq!(governor.rate(), Some(99.0));
        // Later throttles that do not name it keep the named limit.
        governor.on_answer_at(at(&governor, 700_000), UNNAMED, at(&governor, 700_001));
        assert_eq!(governor.rate(), Some(99.0));
        governor.on_answer_at(
            at(&governor, 0),
            Verdict::Throttled {
                named: Some(NamedLimit::per_second(f64::NAN)),
            },
            at(&governor, 1),
        );
        assert_eq!(governor.rate(), Some(99.0));

        let capped = Governor::new(Some(5.0));
        assert_eq!(capped.rate(), Some(5.0));
        capped.on_answer_at(
            at(&capped, 0),
            Verdict::Throttled {
                named: Some(NamedLimit::per_second(100.0)),
            },
            at(&capped, 1),
        );
        assert_eq!(capped.rate(), Some(5.0));
        let probing = Governor::new(Some(5.0));
        for i in 0..50 {
            probing.on_answer_at(at(&probing, i), Verdict::Accepted, at(&probing, i));
        }
        probing.on_answer_at(at(&probing, 60), UNNAMED, at(&probing, 60));
        for i in 61..100 {
            probing.on_answer_at(at(&probing, i), Verdict::Accepted, at(&probing, i));
        }
        assert_eq!(probing.rate(), Some(5.0));
    }

    #[test]
    fn a_named_limit_that_is_not_a_positive_rate_is_no_limit() {
        for bogus in [f64::INFINITY, f64::NAN, 0.0, -5.0] {
            let governor = Governor::new(None);
            for i in 0..6 {
                governor.on_answer_at(at(&governor, i), Verdict::Accepted, at(&governor, i));
            }
            let named = Verdict::Throttled {
                named: Some(NamedLimit::per_second(bogus)),
            };
            governor.on_answer_at(at(&governor, 10), named, at(&governor, 10));
            // Probing from the last second, as for a limit nobody named.
            assert_eq!(governor.rate(), Some(6.0), "{bogus}");
            assert_eq!(lock(&governor.bucket).phase, Phase::Doubling, "{bogus}");
        }
    }

    #[test]
    fn a_window_of_exactly_the_shortest_span_estimates_and_a_shorter_one_does_not() {
        for (span_ms, estimates) in [(500u64, true), (499, false)] {
            let governor = probing(2);
            // Sent at the very moment the probe began: fresh, not stale.
            governor.on_answer_at(at(&governor, 100), Verdict::Accepted, at(&governor, 100));
            for i in 0..9u64 {
                let when = at(&governor, 101 + i);
                governor.on_answer_at(when, Verdict::Accepted, when);
            }
            let before = rate(&governor);
            let end = at(&governor, 100 + span_ms);
            governor.on_answer_at(at(&governor, 100), UNNAMED, end);
            let estimate = 10.0 / (span_ms as f64 / 1000.0) * SHARE;
            let expected = if estimates {
                estimate.min(before)
            } else {
                2.0_f64.max(before / 2.0) * SHARE
            };
            assert!(
                close(rate(&governor), expected),
                "{span_ms}: {}",
                rate(&governor)
            );
        }
    }

    #[test]
    fn a_window_of_exactly_the_fewest_answers_estimates_and_one_fewer_does_not() {
        for (answers, estimates) in [(MIN_WINDOW, true), (MIN_WINDOW - 1, false)] {
            let governor = probing(3);
            for i in 0..answers {
                let when = at(&governor, 200 + i * 100);
                governor.on_answer_at(when, Verdict::Accepted, when);
            }
            let before = rate(&governor);
            governor.on_answer_at(at(&governor, 1000), UNNAMED, at(&governor, 1100));
            let expected = if estimates {
                (answers as f64 / 1.0 * SHARE).min(before)
            } else {
                3.0_f64.max(before / 2.0) * SHARE
            };
            assert!(
                close(rate(&governor), expected),
                "{answers}: {}",
                rate(&governor)
            );
        }
    }

    #[test]
    fn rates_stay_between_the_slowest_and_the_fastest() {
        let governor = probing(0);
        assert_eq!(governor.rate(), Some(MIN_RATE));
        let mut bucket = lock(&governor.bucket);
        bucket.set_rate(f64::INFINITY, None);
        assert_eq!(bucket.fill_rate, MAX_RATE);
        bucket.set_rate(f64::NAN, None);
        assert_eq!(bucket.fill_rate, MAX_RATE);
        bucket.set_rate(0.0, None);
        assert_eq!(bucket.fill_rate, MIN_RATE);
        bucket.set_rate(3.0, Some(2.0));
        assert_eq!(bucket.fill_rate, 2.0);
        // A probe that doubled beyond any sane rate stops at the fastest.
        bucket.grown_by = u64::MAX;
        bucket.phase = Phase::Doubling;
        let now = bucket.since;
        assert_eq!(bucket.grown(now), bucket.base * 40f64.exp2());
    }

    #[test]
    fn the_last_second_counts_the_current_slot_and_what_is_left_of_the_previous() {
        let recent = Recent::default();
        for _ in 0..10 {
            recent.count(200);
        }
        assert_eq!(recent.rate(900), 10.0);
        for _ in 0..4 {
            recent.count(1100);
        }
        // 10 in the previous slot, of which 3/4 still in the last second.
        assert_eq!(recent.rate(1250), 10.0 * 0.75 + 4.0);
        // Two slots later the old counts are gone.
        assert_eq!(recent.rate(3500), 0.0);
        recent.count(3600);
        assert_eq!(recent.rate(3600), 1.0);
    }

    #[test]
    fn acquire_returns_the_wait_past_the_deadline_and_paces_otherwise() {
        let governor = Governor::new(None);
        assert!(governor.acquire(Instant::now()).is_ok(), "idle: no wait");
        assert_eq!(governor.next_leave(), Duration::ZERO);
        governor.on_answer(
            Instant::now(),
            Verdict::Throttled {
                named: Some(NamedLimit::per_second(0.5)),
            },
        );
        // Empty after the throttle, 0.5 a second: the next token in 2 s.
        let soon = Instant::now() + Duration::from_secs(1);
        let wait = governor.acquire(soon).unwrap_err();
        assert!(
            (Duration::from_millis(1900)..=Duration::from_secs(2)).contains(&wait),
            "{wait:?}"
        );
        let leave = governor.next_leave();
        assert!(leave > Duration::from_millis(1900), "{leave:?}");

        let paced = Governor::new(Some(20.0));
        let started = Instant::now();
        let far = started + Duration::from_secs(10);
        for _ in 0..11 {
            paced.acquire(far).unwrap();
        }
        // One token waits at the start, then 20 a second: 10 more take 0.5 s.
        assert!(
            started.elapsed() >= Duration::from_millis(450),
            "{:?}",
            started.elapsed()
        );
    }

    fn five_per_five_seconds() -> Verdict {
        Verdict::Throttled {
            named: Some(NamedLimit {
                count: 5.0,
                per: Duration::from_secs(5),
            }),
        }
    }

    #[test]
    fn a_stated_window_is_used_whole_in_a_burst_one_span_after_the_last() {
        let governor = Governor::new(None);
        // Five sends met the limit; the sixth, at 5 ms, was refused.
        for ms in 0..6 {
            governor.ring.record(Duration::from_millis(ms));
        }
        governor.on_answer_at(at(&governor, 5), five_per_five_seconds(), at(&governor, 10));
        assert_eq!(governor.rate(), Some(5.0 / 5.0 * LIMIT_SHARE));
        let mut bucket = lock(&governor.bucket);
        assert!(bucket.windowed);
        assert_eq!(bucket.sends.len(), 5, "the refused send does not count");
        // The window's span and its spare (a fiftieth of 5 s is 100 ms):
        // the next send goes 5.1 s after the first of the five.
        assert_eq!(bucket.wait(at(&governor, 100)), Duration::from_millis(5000));
        assert_eq!(bucket.wait(at(&governor, 5099)), Duration::from_millis(1));
        assert_eq!(bucket.wait(at(&governor, 5100)), Duration::ZERO);
        // Then a whole burst, no smooth pace, and the next after a span.
        for _ in 0..5 {
            assert_eq!(bucket.wait(at(&governor, 5110)), Duration::ZERO);
            bucket.take(at(&governor, 5110));
        }
        assert_eq!(
            bucket.wait(at(&governor, 5110)),
            Duration::from_millis(5100)
        );
    }

    #[test]
    fn a_throttle_the_window_had_room_for_falls_back_to_the_smooth_pace_under_the_window() {
        let governor = Governor::new(None);
        governor.on_answer_at(at(&governor, 5), five_per_five_seconds(), at(&governor, 10));
        // An answer to a request sent before: stale, the window stays, and
        // so does when it began (a late stale answer, at 25 ms, must not
        // make the request sent at 20 ms stale too).
        governor.on_answer_at(at(&governor, 8), five_per_five_seconds(), at(&governor, 25));
        assert!(lock(&governor.bucket).windowed);
        assert_eq!(lock(&governor.bucket).since, at(&governor, 10));
        // One sent after, with room in the window: the network may have
        // held the last burst past the spare, so the spare widens to a
        // tenth of the span, once.
        lock(&governor.bucket).take(at(&governor, 20));
        governor.on_answer_at(
            at(&governor, 20),
            five_per_five_seconds(),
            at(&governor, 30),
        );
        {
            let bucket = lock(&governor.bucket);
            assert!(bucket.windowed);
            assert_eq!(bucket.window, Some((5, Duration::from_millis(5500))));
            assert!(bucket.sends.is_empty(), "the refused send is forgotten");
        }
        // A second: not a window counter; the pace is smooth from now on.
        lock(&governor.bucket).take(at(&governor, 40));
        governor.on_answer_at(
            at(&governor, 40),
            five_per_five_seconds(),
            at(&governor, 45),
        );
        let mut bucket = lock(&governor.bucket);
        assert!(!bucket.windowed);
        // From an empty bucket at 0.99 a second.
        let smooth = bucket.wait(at(&governor, 45));
        assert!(close(smooth.as_secs_f64(), 1.0 / LIMIT_SHARE), "{smooth:?}");
        // The window still caps the smooth pace.
        for ms in [60, 61, 62, 63, 64] {
            bucket.take(at(&governor, ms));
        }
        assert_eq!(
            bucket.window_wait(at(&governor, 70)),
            Duration::from_millis(5490)
        );
    }

    #[test]
    fn a_window_needs_whole_requests_the_record_can_hold_and_no_cap() {
        let limit = |count: f64, secs: u64| NamedLimit {
            count,
            per: Duration::from_secs(secs),
        };
        assert_eq!(
            limit(2000.0, 60).window(),
            Some((2000, Duration::from_millis(61_200)))
        );
        assert_eq!(
            limit(3.0, 1).window(),
            Some((3, Duration::from_millis(1100)))
        );
        assert_eq!(limit(2.5, 1).window(), None);
        assert_eq!(limit(RECORD as f64 + 1.0, 1).window(), None);
        assert_eq!(limit(5.0, 0).window(), None);
        assert_eq!(limit(5.0, 0).rate(), None);
        // Too large to record: the smooth pace alone.
        let governor = Governor::new(None);
        let big = Verdict::Throttled {
            named: Some(limit(100_000.0, 1)),
        };
        governor.on_answer_at(at(&governor, 0), big, at(&governor, 1));
        assert!(!lock(&governor.bucket).windowed);
        // Under an explicit cap: the cap's smooth pace.
        let capped = Governor::new(Some(2.0));
        capped.on_answer_at(at(&capped, 0), five_per_five_seconds(), at(&capped, 1));
        assert!(!lock(&capped.bucket).windowed);
        assert_eq!(capped.rate(), Some(0.99_f64.min(2.0)));
    }

    #[test]
    fn the_ring_keeps_the_last_sends_in_order() {
        let ring = SendRing::new();
        let started = Instant::now();
        for ms in 0..(RECORD as u64 + 10) {
            ring.record(Duration::from_millis(ms));
        }
        let sends = ring.sends(started);
        assert_eq!(sends.len(), RECORD);
        assert_eq!(sends[0], started + Duration::from_millis(10));
        assert!(sends.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
