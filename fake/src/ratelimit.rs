//! The gateway's rate limits, as real gateways keep them: a token bucket
//! (a rate and a burst), or a counter per fixed window (at most N requests
//! in each window of T, the windows aligned to the wall clock). A refused
//! request gets 429 `APIGW.0308` with no `Retry-After`, worded as the real
//! gateway words it: `…,limit:N,time:T second` (or `minute`), or, for an
//! unnamed limit, nothing but `The throttling threshold has been reached`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What the rate limit saw.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct RateStats {
    /// Requests let through.
    pub accepted: u64,
    /// Requests answered 429.
    pub throttled: u64,
    /// The most requests let through within any one second.
    pub max_per_second: usize,
    /// The most requests let through within any span as long as the limit's
    /// stated time (`time:T`; one second for a limit stated per second).
    pub max_per_stated_time: usize,
}

/// How requests are counted.
#[derive(Debug)]
enum Counter {
    /// Refills at `rate` a second up to `burst`.
    Bucket {
        rate: f64,
        burst: f64,
        tokens: f64,
        last: Instant,
    },
    /// At most `count` in each window of `span` since the Unix epoch.
    Window {
        count: u32,
        span: Duration,
        current: u64,
        used: u32,
    },
}

#[derive(Debug)]
pub(crate) struct RateLimit {
    counter: Counter,
    /// The limit as the 429 states it: `count` per `span`; `None` for an
    /// unnamed limit.
    stated: Option<(u32, Duration)>,
    accepted_at: Vec<Instant>,
    throttled: u64,
}

impl RateLimit {
    /// A token bucket of `rate` a second with bursts of `burst`, stated
    /// (when `named`) as `limit:rate,time:1 second`.
    pub(crate) fn bucket(rate: f64, burst: u32, named: bool) -> Self {
        let stated = named.then(|| {
            (
                rate.round().clamp(1.0, f64::from(u32::MAX)) as u32,
                Duration::from_secs(1),
            )
        });
        Self::with(Counter::bucket(rate, burst), stated)
    }

    /// A token bucket that lets `count` through in every `span` on average,
    /// with bursts of `count`, stated as `limit:count,time:span`.
    pub(crate) fn bucket_stated(count: u32, span: Duration) -> Self {
        let rate = f64::from(count.max(1)) / span.as_secs_f64().max(0.001);
        Self::with(Counter::bucket(rate, count), Some((count.max(1), span)))
    }

    /// At most `count` in each fixed window of `span`, stated as
    /// `limit:count,time:span`.
    pub(crate) fn window(count: u32, span: Duration) -> Self {
        let span = span.max(Duration::from_millis(1));
        Self::with(
            Counter::Window {
                count: count.max(1),
                span,
                current: u64::MAX,
                used: 0,
            },
            Some((count.max(1), span)),
        )
    }

    fn with(counter: Counter, stated: Option<(u32, Duration)>) -> Self {
        RateLimit {
            counter,
            stated,
            accepted_at: Vec::new(),
            throttled: 0,
        }
    }

    /// Lets the request through, or refuses it (and counts that).
    pub(crate) fn admit(&mut self) -> bool {
        let now = Instant::now();
        let admitted = match &mut self.counter {
            Counter::Bucket {
                rate,
                burst,
                tokens,
                last,
            } => {
                let refill = now.saturating_duration_since(*last).as_secs_f64() * *rate;
                *tokens = (*tokens + refill).min(*burst);
                *last = now;
                let admitted = *tokens >= 1.0;
                if admitted {
                    *tokens -= 1.0;
                }
                admitted
            }
            Counter::Window {
                count,
                span,
                current,
                used,
            } => {
                // A gateway's windows follow the wall clock, whatever the
                // client's own clock says.
                #[allow(clippy::disallowed_methods)]
                let since_epoch = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                let window = u64::try_from(since_epoch.as_nanos() / span.as_nanos().max(1))
                    .unwrap_or(u64::MAX);
                if window != *current {
                    *current = window;
                    *used = 0;
                }
                let admitted = *used < *count;
                if admitted {
                    *used += 1;
                }
                admitted
            }
        };
        if admitted {
            self.accepted_at.push(now);
        } else {
            self.throttled += 1;
        }
        admitted
    }

    /// The 429 body, stating the limit as the real gateway does (or not, as
    /// other throttles answer).
    pub(crate) fn refusal(&self) -> String {
        let message = match self.stated {
            None => "The throttling threshold has been reached".to_owned(),
            Some((count, span)) => format!(
                "The throttling threshold has been reached: policy ip over ratelimit,limit:{count},time:{}",
                stated_time(span)
            ),
        };
        serde_json::json!({
            "error_code": "APIGW.0308",
            "error_msg": message,
            "request_id": "throttled",
        })
        .to_string()
    }

    pub(crate) fn stats(&self) -> RateStats {
        let stated = self.stated.map_or(Duration::from_secs(1), |(_, span)| span);
        RateStats {
            accepted: self.accepted_at.len() as u64,
            throttled: self.throttled,
            max_per_second: most_within(&self.accepted_at, Duration::from_secs(1)),
            max_per_stated_time: most_within(&self.accepted_at, stated),
        }
    }
}

impl Counter {
    fn bucket(rate: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Counter::Bucket {
            rate: rate.max(0.001),
            burst,
            tokens: burst,
            last: Instant::now(),
        }
    }
}

/// `time:` as the gateway words it: `5 second`, `1 minute`.
fn stated_time(span: Duration) -> String {
    let seconds = span.as_secs().max(1);
    if seconds % 60 == 0 {
        format!("{} minute", seconds / 60)
    } else {
        format!("{seconds} second")
    }
}

/// The most of the (sorted) instants within any span of `span`: a sliding
/// window over them.
fn most_within(at: &[Instant], span: Duration) -> usize {
    let mut most = 0;
    let mut start = 0;
    for (end, instant) in at.iter().enumerate() {
        while start < end && instant.duration_since(at[start]) >= span {
            start += 1;
        }
        most = most.max(end + 1 - start);
    }
    most
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counter_lets_count_through_a_window_and_states_its_limit() {
        let mut limit = RateLimit::window(3, Duration::from_secs(3600));
        let admitted: Vec<bool> = (0..5).map(|_| limit.admit()).collect();
        // Unless the hour turned over between two calls, three then none.
        assert!(admitted.iter().filter(|a| **a).count() >= 3, "{admitted:?}");
        assert!(admitted[..3].iter().all(|a| *a), "{admitted:?}");
        assert!(
            limit.refusal().contains("limit:3,time:60 minute"),
            "{}",
            limit.refusal()
        );
        let stats = limit.stats();
        assert_eq!(stats.accepted + stats.throttled, 5);
    }

    #[test]
    fn a_bucket_refuses_past_its_burst_and_the_stated_time_is_worded_as_the_gateway_words_it() {
        let mut limit = RateLimit::bucket_stated(5, Duration::from_secs(5));
        let admitted = (0..7).filter(|_| limit.admit()).count();
        assert_eq!(admitted, 5);
        assert!(limit
            .refusal()
            .contains("policy ip over ratelimit,limit:5,time:5 second"));
        assert_eq!(stated_time(Duration::from_secs(60)), "1 minute");
        assert_eq!(stated_time(Duration::from_secs(90)), "90 second");
        let unnamed = RateLimit::bucket(20.0, 5, false);
        assert!(!unnamed.refusal().contains("limit:"));
        assert!(RateLimit::bucket(100.0, 10, true)
            .refusal()
            .contains("limit:100,time:1 second"));
    }

    #[test]
    fn the_most_within_a_span_slides() {
        let t0 = Instant::now();
        let at: Vec<Instant> = [0, 100, 900, 1000, 1100, 2500]
            .iter()
            .map(|ms| t0 + Duration::from_millis(*ms))
            .collect();
        assert_eq!(most_within(&at, Duration::from_secs(1)), 3);
        assert_eq!(most_within(&at, Duration::from_millis(200)), 2);
        assert_eq!(most_within(&[], Duration::from_secs(1)), 0);
    }
}
