//! The gateway's per-user rate limit: a token bucket with a rate and a
//! burst; an empty bucket answers 429 `APIGW.0308` with `Retry-After: 1`,
//! worded as the real gateway words it.

use std::time::{Duration, Instant};

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
}

#[derive(Debug)]
pub(crate) struct RateLimit {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
    accepted_at: Vec<Instant>,
    throttled: u64,
    /// Whether the 429 names the limit (`limit:N,time:1 second`).
    named: bool,
}

impl RateLimit {
    pub(crate) fn new(rate: f64, burst: u32, named: bool) -> Self {
        RateLimit {
            named,
            rate,
            burst: f64::from(burst.max(1)),
            tokens: f64::from(burst.max(1)),
            last: Instant::now(),
            accepted_at: Vec::new(),
            throttled: 0,
        }
    }

    /// Takes a token; false (and counted) when the bucket is empty.
    pub(crate) fn admit(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.accepted_at.push(now);
            true
        } else {
            self.throttled += 1;
            false
        }
    }

    /// The 429 body, naming the limit as the real gateway does (or not, as
    /// other throttles answer).
    pub(crate) fn refusal(&self) -> String {
        if !self.named {
            return serde_json::json!({
                "error_code": "APIGW.0308",
                "error_msg": "The throttling threshold has been reached",
                "request_id": "throttled",
            })
            .to_string();
        }
        serde_json::json!({
            "error_code": "APIGW.0308",
            "error_msg": format!(
                "The throttling threshold has been reached: policy user over ratelimit,limit:{},time:1 second",
                self.rate.round()
            ),
            "request_id": "throttled",
        })
        .to_string()
    }

    pub(crate) fn stats(&self) -> RateStats {
        // A sliding one-second window over the accepted requests.
        let mut most = 0;
        let mut start = 0;
        for (end, at) in self.accepted_at.iter().enumerate() {
            while at.duration_since(self.accepted_at[start]) >= Duration::from_secs(1) {
                start += 1;
            }
            most = most.max(end + 1 - start);
        }
        RateStats {
            accepted: self.accepted_at.len() as u64,
            throttled: self.throttled,
            max_per_second: most,
        }
    }
}
