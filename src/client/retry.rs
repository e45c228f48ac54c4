//! Which failures are retried, and how long to wait before the next attempt.

use std::time::{Duration, SystemTime};

use crate::error::Error;

/// How a call is retried. Every setter says its default.
///
/// Retried: no response (connection refused or reset, timeouts), 429
/// (`APIGW.0308`), 500, 502, 503 and 504. Never retried: any other 4xx, and
/// signature failures (the gateway locks an AK after several in a row),
/// except the one re-signed attempt that heals clock skew. Both password
/// calls are idempotent, so `DELETE` is retried like `GET`.
///
/// ```
/// use hwcloud_ecs::RetryPolicy;
/// use std::time::Duration;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_backoff(Duration::from_millis(100), Duration::from_secs(2))
///     .with_deadline(Duration::from_secs(30));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(policy.to_string(), "5 attempts, full-jitter backoff 100 ms to 2 s, 30 s per call");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base: Duration,
    cap: Duration,
    deadline: Duration,
}

impl std::fmt::Display for RetryPolicy {
    /// `3 attempts, full-jitter backoff 200 ms to 5 s, 60 s per call`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::bounds::shown;
        let attempts = if self.max_attempts == 1 {
            "attempt"
        } else {
            "attempts"
        };
        write!(
            f,
            "{} {attempts}, full-jitter backoff {} to {}, {} per call",
            self.max_attempts,
            shown(self.base),
            shown(self.cap),
            shown(self.deadline)
        )
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(5),
            deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries: one attempt only.
    pub fn none() -> Self {
        RetryPolicy::default().with_max_attempts(1)
    }

    /// Attempts in total, the first included (at least 1). Defaults to 3.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Exponential backoff with full jitter: before retry `n` the client
    /// sleeps a random time in `[0, min(cap, base * 2^(n-1))]`. Defaults to
    /// 200 ms and 5 s. A `Retry-After` answer replaces the random wait.
    pub fn with_backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.base = base;
        self.cap = cap.max(base);
        self
    }

    /// The bound on the whole call, attempts and waits included. A wait that
    /// would end past it is not started: the call fails at once with the
    /// last error. Defaults to 60 s.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Attempts in total, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The base and the cap of the random wait before a retry.
    pub fn backoff(&self) -> (Duration, Duration) {
        (self.base, self.cap)
    }

    /// The whole call's bound.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The upper end of the random wait before retry number `retry` (1-based).
    pub(crate) fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }
}

/// Whether a failed attempt may be tried again.
pub(crate) fn is_retryable(error: &Error) -> bool {
    match error {
        Error::Transport { .. } | Error::Timeout { .. } => true,
        Error::Api(api) => matches!(api.status, 429 | 500 | 502 | 503 | 504),
        _ => false,
    }
}

/// Whether the gateway throttled the call: 429, or its throttling code.
pub(crate) fn is_throttled(error: &Error) -> bool {
    error
        .api()
        .is_some_and(|a| a.status == 429 || a.code.as_deref() == Some("APIGW.0308"))
}

/// The wait a `Retry-After` value asks for: delta-seconds, or an HTTP-date
/// measured against the server's own `Date` (so our clock's skew does not
/// matter) or, without one, against `local_now`.
pub(crate) fn retry_after_wait(
    value: &str,
    server_date: Option<SystemTime>,
    local_now: SystemTime,
) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // Delta-seconds too large for a u64 still ask for a wait: longer than
    // anything, not none.
    if !value.is_empty() && value.len() <= 64 && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::MAX);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let now = server_date.unwrap_or(local_now);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A uniformly random duration in `[0, ceiling]` (full jitter).
pub(crate) fn jitter(ceiling: Duration) -> Duration {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        return ceiling / 2;
    }
    let fraction = u64::from_le_bytes(bytes) as f64 / u64::MAX as f64;
    ceiling.mul_f64(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use proptest::prelude::*;

    proptest! {
        /// What a hostile server controls: `Retry-After` and `Date`. No
        /// value panics, and no wait comes from a `Date` that does not parse
        /// when the value is itself a date.
        #[test]
        fn any_retry_after_and_date_is_read_without_panicking(value in any::<String>(), date in any::<String>()) {
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
            let server_date = httpdate::parse_http_date(&date).ok();
            let wait = retry_after_wait(&value, server_date, now);
            if value.trim().bytes().all(|b| b.is_ascii_digit()) && !value.trim().is_empty() && value.trim().len() <= 64 {
                prop_assert!(wait.is_some());
            }
        }
    }

    #[test]
    fn a_retry_after_too_large_for_a_u64_asks_for_the_longest_wait() {
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(
            retry_after_wait("99999999999999999999999", None, now),
            Some(Duration::MAX)
        );
        assert_eq!(
            retry_after_wait("18446744073709551615", None, now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            retry_after_wait(" 7 ", None, now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(retry_after_wait("-1", None, now), None);
        assert_eq!(retry_after_wait("", None, now), None);
        assert_eq!(retry_after_wait("1.5", None, now), None);
    }

    fn api(status: u16) -> Error {
        Error::Api(Box::new(ApiError {
            status,
            code: None,
            message: None,
            request_id: None,
            snippet: None,
            attempts: 1,
            retry_after: None,
            diagnosis: None,
        }))
    }

    #[test]
    fn retries_only_throttling_server_errors_and_missing_responses() {
        for status in [429, 500, 502, 503, 504] {
            assert!(is_retryable(&api(status)), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 501] {
            assert!(!is_retryable(&api(status)), "{status}");
        }
        let timeout = Error::Timeout {
            message: "t".into(),
            attempts: 1,
            source: None,
        };
        assert!(is_retryable(&timeout));
        assert!(!is_retryable(&Error::invalid("server id", "bad")));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(700));
        let ceilings: Vec<u128> = (1..=5).map(|n| p.backoff_ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 700, 700]);
        assert_eq!(p.backoff_ceiling(200), Duration::from_millis(700));
        let waits: Vec<Duration> = (0..200)
            .map(|_| jitter(Duration::from_millis(50)))
            .collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(50)));
        // Spread over the whole range, not stuck at either end.
        assert!(
            waits.iter().any(|w| *w < Duration::from_millis(15)),
            "{waits:?}"
        );
        assert!(
            waits.iter().any(|w| *w > Duration::from_millis(35)),
            "{waits:?}"
        );
    }

    #[test]
    fn throttling_is_a_429_or_the_gateways_throttling_code() {
        assert!(is_throttled(&api(429)));
        let mut coded = api(503);
        if let Error::Api(a) = &mut coded {
            a.code = Some("APIGW.0308".into());
        }
        assert!(is_throttled(&coded));
        assert!(!is_throttled(&api(503)));
        assert!(!is_throttled(&Error::invalid("server id", "bad")));
    }

    #[test]
    fn the_policy_reads_in_words() {
        assert_eq!(
            RetryPolicy::default().to_string(),
            "3 attempts, full-jitter backoff 200 ms to 5 s, 60 s per call"
        );
        assert_eq!(
            RetryPolicy::none().to_string(),
            "1 attempt, full-jitter backoff 200 ms to 5 s, 60 s per call"
        );
    }

    #[test]
    fn retry_after_in_both_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after_wait(" 7 ", None, now),
            Some(Duration::from_secs(7))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(3));
        assert_eq!(
            retry_after_wait(&later, Some(now), now),
            Some(Duration::from_secs(3))
        );
        // Measured against the server's Date, whatever our clock says.
        let skewed_local = now + Duration::from_secs(3600);
        assert_eq!(
            retry_after_wait(&later, Some(now), skewed_local),
            Some(Duration::from_secs(3))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(3));
        assert_eq!(retry_after_wait(&past, None, now), Some(Duration::ZERO));
        assert_eq!(retry_after_wait("soon", None, now), None);
    }
}
