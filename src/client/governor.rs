//! The rate governor: one per client, shared by every clone and thread, so
//! that a throttled answer slows the whole client down instead of each
//! worker backing off alone and all of them coming back together.
//!
//! Until the first throttled answer (429, or `APIGW.0308`) it does nothing
//! but count what is sent, with a few atomic operations. From then on every
//! attempt takes a token from a bucket whose rate adapts, after the AWS
//! SDKs' "adaptive" retry mode: a throttled answer pauses every worker until
//! its `Retry-After` and cuts the rate to [`BETA`] of the rate that was
//! being sent; successful answers grow it back along a cubic curve that
//! levels off at the rate that was throttled. When the gateway's message
//! names its limit (`…,limit:N,time:1 second`), the governor paces at
//! [`LIMIT_SHARE`] of it and never grows past it. An explicit
//! `ClientBuilder::max_rate` engages it from the start and caps it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::lock;

/// The share of the sending rate kept after a throttled answer.
pub(crate) const BETA: f64 = 0.7;
/// How fast the rate grows back: rate(t) = SCALE·(t − K)³ + the throttled rate.
pub(crate) const SCALE: f64 = 0.4;
/// The slowest the governor ever paces, in requests a second.
pub(crate) const MIN_RATE: f64 = 0.5;
/// The share of a limit the gateway names that the governor paces at.
pub(crate) const LIMIT_SHARE: f64 = 0.99;
/// The sending rate is measured over windows this long, smoothed.
const WINDOW: Duration = Duration::from_millis(500);
/// Weight of the newest window in the smoothed sending rate.
const SMOOTH: f64 = 0.8;
/// The longest pause a `Retry-After` imposes on the whole client.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// A client's shared sending rate.
#[derive(Debug)]
pub(crate) struct Governor {
    /// False until the first throttled answer or an explicit cap.
    engaged: AtomicBool,
    max_rate: Option<f64>,
    started: Instant,
    /// Answers in the current window, and when it began (ms since `started`).
    window_count: AtomicU64,
    window_start_ms: AtomicU64,
    /// The smoothed sending rate, in thousandths of a request a second.
    measured_milli: AtomicU64,
    throttled: AtomicU64,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    fill_rate: f64,
    tokens: f64,
    last_refill: Instant,
    /// The rate that was throttled, and when.
    last_max_rate: f64,
    last_throttle: Instant,
    /// A limit the gateway named, never exceeded.
    named_limit: Option<f64>,
    /// No token is handed out before this (a `Retry-After`).
    pause_until: Option<Instant>,
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
            window_count: AtomicU64::new(0),
            window_start_ms: AtomicU64::new(0),
            measured_milli: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            bucket: Mutex::new(Bucket {
                fill_rate: rate,
                tokens: 1.0,
                last_refill: now,
                last_max_rate: rate,
                last_throttle: now,
                named_limit: None,
                pause_until: None,
            }),
        }
    }

    /// Throttled answers so far.
    pub(crate) fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// What is left of the pause a `Retry-After` imposed, if any.
    pub(crate) fn pause_left(&self) -> Duration {
        let now = Instant::now();
        lock(&self.bucket)
            .pause_until
            .map_or(Duration::ZERO, |until| until.saturating_duration_since(now))
    }

    /// The rate the governor paces at, once engaged.
    pub(crate) fn rate(&self) -> Option<f64> {
        self.engaged
            .load(Ordering::Relaxed)
            .then(|| lock(&self.bucket).fill_rate)
    }

    /// Waits for leave to send; `Err` with the wait that would be needed
    /// when it would end past `deadline` (nothing is waited then).
    pub(crate) fn acquire(&self, deadline: Instant) -> Result<(), Duration> {
        if !self.engaged.load(Ordering::Relaxed) {
            return Ok(());
        }
        // Bounded: every turn either takes a token or sleeps for the time
        // a token takes to come, and a wait past the deadline ends it.
        loop {
            let now = Instant::now();
            let wait = {
                let mut bucket = lock(&self.bucket);
                bucket.refill(now);
                match bucket.pause_until {
                    Some(until) if until > now => until - now,
                    _ if bucket.tokens >= 1.0 => {
                        bucket.tokens -= 1.0;
                        return Ok(());
                    }
                    _ => Duration::from_secs_f64(
                        ((1.0 - bucket.tokens) / bucket.fill_rate).clamp(0.0, 60.0),
                    ),
                }
            };
            if wait >= deadline.saturating_duration_since(now) {
                return Err(wait);
            }
            std::thread::sleep(wait);
        }
    }

    /// Learns from an answer: `throttled` with the pause the gateway asked
    /// for and the limit its message named, or any other answer.
    pub(crate) fn on_answer(&self, throttled: bool, pause: Option<Duration>, named: Option<f64>) {
        let now = Instant::now();
        let measured = self.measure(now);
        if throttled {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            let mut bucket = lock(&self.bucket);
            if let Some(limit) = named.filter(|l| l.is_finite() && *l > 0.0) {
                bucket.named_limit = Some(limit);
            }
            let sending = if self.engaged.load(Ordering::Relaxed) {
                measured.min(bucket.fill_rate)
            } else {
                measured
            };
            let (rate, ceiling) = match bucket.named_limit {
                Some(limit) => (limit * LIMIT_SHARE, limit * LIMIT_SHARE),
                None => (sending * BETA, sending),
            };
            bucket.last_max_rate = ceiling.max(MIN_RATE);
            bucket.last_throttle = now;
            bucket.set_rate(rate, self.max_rate);
            // No burst after the pause: the bucket starts empty then.
            let pause = pause.unwrap_or(Duration::ZERO).min(MAX_PAUSE);
            let until = now.checked_add(pause).unwrap_or(now);
            bucket.pause_until = Some(bucket.pause_until.map_or(until, |p| p.max(until)));
            bucket.tokens = 0.0;
            bucket.last_refill = until;
            self.engaged.store(true, Ordering::Relaxed);
        } else if self.engaged.load(Ordering::Relaxed) {
            let mut bucket = lock(&self.bucket);
            let since = now
                .saturating_duration_since(bucket.last_throttle)
                .as_secs_f64();
            let k = (bucket.last_max_rate * (1.0 - BETA) / SCALE).cbrt();
            let grown = SCALE * (since - k).powi(3) + bucket.last_max_rate;
            let mut rate = grown.min(2.0 * measured.max(bucket.fill_rate));
            if let Some(limit) = bucket.named_limit {
                rate = rate.min(limit * LIMIT_SHARE);
            }
            bucket.set_rate(rate, self.max_rate);
        }
    }

    /// Counts one answer; the smoothed sending rate.
    fn measure(&self, now: Instant) -> f64 {
        let now_ms = u64::try_from(now.saturating_duration_since(self.started).as_millis())
            .unwrap_or(u64::MAX);
        let count = self.window_count.fetch_add(1, Ordering::Relaxed) + 1;
        let start = self.window_start_ms.load(Ordering::Relaxed);
        let elapsed = now_ms.saturating_sub(start);
        let previous = self.measured_milli.load(Ordering::Relaxed) as f64 / 1000.0;
        let window = WINDOW.as_millis() as u64;
        if elapsed < window {
            // Within the window: what it shows so far, once it shows anything.
            let current = count as f64 / (elapsed.max(50) as f64 / 1000.0);
            return if previous == 0.0 { current } else { previous };
        }
        let current = count as f64 / (elapsed as f64 / 1000.0);
        let smoothed = SMOOTH * current + (1.0 - SMOOTH) * previous;
        if self
            .window_start_ms
            .compare_exchange(start, now_ms, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            self.window_count.store(0, Ordering::Relaxed);
            self.measured_milli
                .store((smoothed * 1000.0) as u64, Ordering::Relaxed);
        }
        smoothed
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

    fn set_rate(&mut self, rate: f64, max_rate: Option<f64>) {
        let rate = if rate.is_finite() { rate } else { MIN_RATE };
        let capped = max_rate.map_or(rate, |m| rate.min(m));
        self.fill_rate = capped.max(MIN_RATE);
    }
}

/// The limit an `APIGW.0308` message names: `…,limit:100,time:1 second`
/// gives 100 a second.
pub(crate) fn named_limit(message: &str) -> Option<f64> {
    let after = &message[message.find("limit:")? + "limit:".len()..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    let count: f64 = digits.parse().ok()?;
    let seconds: f64 = match after.split_once("time:") {
        Some((_, rest)) => {
            let n: String = rest
                .trim()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let unit = rest.trim()[n.len()..].trim_start();
            let n: f64 = n.parse().unwrap_or(1.0);
            if unit.starts_with("minute") {
                n * 60.0
            } else {
                n
            }
        }
        None => 1.0,
    };
    (seconds > 0.0 && count > 0.0).then(|| count / seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_limit_the_gateway_names() {
        let message = "The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 second";
        assert_eq!(named_limit(message), Some(100.0));
        assert_eq!(named_limit("limit:120,time:1 minute"), Some(2.0));
        assert_eq!(
            named_limit("The throttling threshold has been reached"),
            None
        );
        assert_eq!(named_limit("limit:,time:1 second"), None);
        assert_eq!(named_limit("limit:0,time:1 second"), None);
    }

    #[test]
    fn a_throttle_cuts_the_rate_and_successes_grow_it_back_to_the_throttled_rate() {
        let governor = Governor::new(None);
        assert_eq!(governor.rate(), None, "idle until throttled");
        {
            let mut bucket = lock(&governor.bucket);
            bucket.fill_rate = 100.0;
        }
        governor.engaged.store(true, Ordering::Relaxed);
        governor.measured_milli.store(100_000, Ordering::Relaxed);
        governor.on_answer(true, None, None);
        let cut = governor.rate().unwrap();
        assert!((MIN_RATE..100.0).contains(&cut), "{cut}");
        // Long after the throttle the cubic curve has passed the old rate,
        // but growth is bounded by twice what is measured.
        lock(&governor.bucket).last_throttle = Instant::now() - Duration::from_secs(60);
        governor.on_answer(false, None, None);
        let grown = governor.rate().unwrap();
        assert!(grown > cut, "{grown} <= {cut}");
        assert_eq!(governor.throttled(), 1);
    }

    #[test]
    fn a_named_limit_is_paced_at_and_never_exceeded_and_a_cap_always_holds() {
        let governor = Governor::new(None);
        governor.on_answer(true, None, Some(100.0));
        assert_eq!(governor.rate(), Some(99.0));
        lock(&governor.bucket).last_throttle = Instant::now() - Duration::from_secs(600);
        governor.on_answer(false, None, None);
        assert_eq!(governor.rate(), Some(99.0));

        let capped = Governor::new(Some(5.0));
        assert_eq!(capped.rate(), Some(5.0));
        lock(&capped.bucket).last_throttle = Instant::now() - Duration::from_secs(600);
        capped.on_answer(false, None, None);
        assert!(capped.rate().unwrap() <= 5.0);
    }

    #[test]
    fn acquire_refuses_a_wait_past_the_deadline_and_paces_otherwise() {
        let governor = Governor::new(None);
        assert!(governor.acquire(Instant::now()).is_ok(), "idle: no wait");
        governor.on_answer(true, Some(Duration::from_secs(30)), Some(10.0));
        let soon = Instant::now() + Duration::from_secs(1);
        let wait = governor.acquire(soon).unwrap_err();
        assert!(wait > Duration::from_secs(28), "{wait:?}");

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
}
