//! One call, retries included, as a row of named steps in the manner of
//! ureq's `run.rs`: [`Caller::call`] waits for leave from the governor,
//! makes an attempt ([`Caller::attempt`]: sign and exchange), reads the
//! failure ([`Caller::classify`]), decides what comes next
//! ([`Caller::decide`]: retry after a wait, sign again at once after healing
//! the skew or renewing the credentials, or fail) and waits. What the steps
//! share lives in one [`CallState`].

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::clock::{self, SkewClock};
use crate::error::Error;
use crate::sign::Credentials;
use crate::transport::{exchange, ApiResponse, Failure, Limits, Prepared};

#[cfg(feature = "discovery")]
use super::credentials::CredentialProvider;
use super::pace::{named_limit, Verdict};
use super::retry::{is_retryable, is_throttled, jitter, retry_after_wait};
use super::Caller;

/// The most exchanges one call makes, whatever answers come: the deadline
/// ends a call long before, this is the second guard.
const MAX_EXCHANGES: u32 = 10_000;

/// Where one call stands between its attempts.
struct CallState {
    deadline: Instant,
    /// When the latest attempt was sent.
    sent: Instant,
    /// Attempts made so far.
    made: u32,
    /// Attempts that do not count against the limit: a throttled answer,
    /// the one signed again after skew healing, the one after a renewal.
    free: u32,
    skew_healed: bool,
    renewed: bool,
    /// The error of the latest failed attempt, for a call that ends without
    /// another answer.
    last: Option<Error>,
}

impl CallState {
    fn new(deadline: Duration) -> Self {
        CallState {
            deadline: crate::bounds::instant_after(deadline),
            sent: Instant::now(),
            made: 0,
            free: 0,
            skew_healed: false,
            renewed: false,
            last: None,
        }
    }

    /// What is left of the call's deadline.
    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// The error a call ends with when it cannot send again.
    fn ended(self, wait: Duration) -> Error {
        let made = self.made;
        self.last.unwrap_or_else(|| paced_out(wait, made))
    }
}

/// A failed attempt, read: its error (with the attempt count), the wait
/// the server asked for, and what the retry rules need of it.
struct Failed {
    error: Error,
    asked: Option<Duration>,
    server_date: Option<SystemTime>,
    permanent: bool,
}

/// What a call does after a failed attempt.
enum Next {
    /// Sign again and send at once (a healed skew or renewed credentials
    /// need no wait).
    Again,
    /// Wait this long, then send again.
    After(Duration),
    /// Give up with this error.
    Fail(Error),
}

/// What a call does with a throttled answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnThrottle {
    /// Waits the answer's `Retry-After` and goes again (a single call).
    Wait,
    /// Ends at once with the throttled answer and the wait it asks for, so
    /// that a bulk run puts the server back in its queue and the worker
    /// goes on with another.
    Return,
}

/// The error of a call the governor could not send before its deadline.
fn paced_out(wait: Duration, attempts: u32) -> Error {
    Error::Timeout {
        message: format!(
            "the client's rate limit would hold this call {} s, past its deadline",
            wait.as_secs()
        ),
        attempts,
        source: None,
    }
}

impl Caller {
    /// Signs and sends `prepared`, retrying as the policy says, paced by
    /// the client's rate governor.
    ///
    /// Throttled answers (429, `APIGW.0308`) are back-pressure, not
    /// failures: they do not use up an attempt, and the call goes on until
    /// its deadline. The attempt limit counts real failures only.
    pub(super) fn call(
        &self,
        prepared: &Prepared<'_>,
        on_throttle: OnThrottle,
    ) -> Result<ApiResponse, Error> {
        let mut state = CallState::new(self.retry.deadline());
        // Bounded by the deadline; the cap is a second guard.
        while state.made < MAX_EXCHANGES {
            let sent = match self.governor.acquire(state.deadline) {
                Ok(sent) => sent,
                Err(wait) => return Err(state.ended(wait)),
            };
            state.made += 1;
            let credentials = self.credentials.current()?;
            state.sent = sent;
            let failure = match self.attempt(prepared, &credentials, &state) {
                Ok(response) => {
                    self.governor.on_answer(state.sent, Verdict::Accepted);
                    return Ok(response);
                }
                Err(failure) => self.classify(failure, &state),
            };
            match self.decide(failure, &credentials, &mut state, on_throttle) {
                Next::Again => {}
                Next::After(wait) => thread::sleep(wait),
                Next::Fail(error) => return Err(error),
            }
        }
        Err(state.ended(Duration::ZERO))
    }

    /// One attempt: signed afresh, with the current time (skew corrected)
    /// and the current credentials, within what is left of the deadline.
    fn attempt(
        &self,
        prepared: &Prepared<'_>,
        credentials: &Credentials,
        state: &CallState,
    ) -> Result<ApiResponse, Failure> {
        let limits = Limits {
            timeout: self.timeout,
            remaining: state.remaining(),
        };
        exchange(&self.agent, credentials, prepared, self.clock.now(), limits)
    }

    /// A failure with its attempt count and the wait its `Retry-After` asks for.
    fn classify(&self, failure: Failure, state: &CallState) -> Failed {
        let asked = failure
            .retry_after
            .as_deref()
            .and_then(|v| retry_after_wait(v, failure.server_date, SkewClock::local_now()));
        Failed {
            error: failure.error.with_attempts(state.made),
            asked,
            server_date: failure.server_date,
            permanent: failure.permanent,
        }
    }

    /// What comes after a failed attempt: a throttled answer is paced, a
    /// refused signature may heal the skew or renew the credentials once,
    /// a retryable failure waits its backoff (or `Retry-After`) if the
    /// deadline allows, and anything else ends the call.
    fn decide(
        &self,
        failed: Failed,
        credentials: &Arc<Credentials>,
        state: &mut CallState,
        on_throttle: OnThrottle,
    ) -> Next {
        let Failed {
            error,
            asked,
            server_date,
            permanent,
        } = failed;
        let policy = self.retry;
        if is_throttled(&error) {
            let named = error
                .api()
                .and_then(|a| a.message.as_deref())
                .and_then(named_limit);
            self.governor
                .on_answer(state.sent, Verdict::Throttled { named });
            // The wait is this call's: the others keep the governor's pace.
            let pause = asked.unwrap_or_else(|| jitter(policy.backoff_ceiling(1)));
            if on_throttle == OnThrottle::Return {
                return Next::Fail(with_retry_after(error, Some(pause)));
            }
            if pause >= state.remaining() {
                return Next::Fail(with_retry_after(error, asked));
            }
            log::debug!(
                "throttled ({error}); this call waits {pause:?}, then goes at the governor's pace"
            );
            state.free += 1;
            state.last = Some(error);
            return Next::After(pause);
        }
        self.governor.on_answer(state.sent, Verdict::Accepted);
        if !state.skew_healed && self.heal_skew(&error, server_date) {
            state.skew_healed = true;
            state.free += 1;
            return Next::Again;
        }
        if !state.renewed && self.renew_refused(&error, credentials) {
            state.renewed = true;
            state.free += 1;
            return Next::Again;
        }
        let retryable = !permanent && is_retryable(&error);
        if !retryable || state.made >= policy.max_attempts().saturating_add(state.free) {
            return Next::Fail(error);
        }
        let wait = asked.unwrap_or_else(|| {
            jitter(policy.backoff_ceiling(state.made.saturating_sub(state.free)))
        });
        // Compared as durations: an absurd Retry-After never reaches an
        // Instant addition, and never a sleep.
        if wait >= state.remaining() {
            log::debug!(
                "not waiting {wait:?} for attempt {}: past the call's deadline",
                state.made + 1
            );
            return Next::Fail(with_retry_after(error, asked));
        }
        log::debug!(
            "attempt {} failed ({error}); retrying in {wait:?}",
            state.made
        );
        state.last = Some(error);
        Next::After(wait)
    }

    /// When the gateway refuses temporary credentials (revoked, or expired
    /// earlier than this machine's clock says), fetches a new set once;
    /// true when the call should be signed again with it.
    #[cfg(feature = "discovery")]
    fn renew_refused(&self, error: &Error, used: &Arc<Credentials>) -> bool {
        let refused = error
            .api()
            .is_some_and(|api| api.status == 401 && api.is_signature_failure());
        let CredentialProvider::Metadata(refreshing) = &self.credentials else {
            return false;
        };
        if !refused {
            return false;
        }
        log::warn!("the gateway refused the temporary credentials; fetching a new set from the ECS metadata service");
        refreshing.renew(used)
    }

    /// Fixed credentials are never renewed (without `discovery` they are
    /// the only kind).
    #[cfg(not(feature = "discovery"))]
    fn renew_refused(&self, _error: &Error, _used: &Arc<Credentials>) -> bool {
        false
    }

    /// When the gateway refuses a signature as expired (a 401 signature
    /// failure whose message says so) and its `Date` is within
    /// [`clock::MAX_SKEW`] of ours, learns the offset from that `Date`; true
    /// when the call should be signed again with the corrected time. Any
    /// other `Date` leaves the shared clock alone: one hostile or broken
    /// answer must not make every later request of the process fail.
    fn heal_skew(&self, error: &Error, server_date: Option<SystemTime>) -> bool {
        let (Some(api), Some(server_date)) = (error.api(), server_date) else {
            return false;
        };
        let says_expired = api
            .message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("expired"));
        if api.status != 401 || !api.is_signature_failure() || !says_expired {
            return false;
        }
        let Some(offset) = self.clock.correct(server_date, SkewClock::local_now()) else {
            log::warn!(
                "the gateway refused the signature as expired, but its Date is {} s from this machine's clock, more than {} hours: not trusted, the clock is left as it was",
                clock::millis_between(SkewClock::local_now(), server_date) / 1000,
                clock::MAX_SKEW.as_secs() / 3600
            );
            return false;
        };
        log::warn!(
            "the gateway refused the signature as expired; its clock is {:+.1} s from this machine's: signing with the corrected time from now on",
            offset as f64 / 1000.0
        );
        true
    }
}

/// `error`, saying what wait the server asked for when it was not waited.
fn with_retry_after(mut error: Error, asked: Option<Duration>) -> Error {
    if let (Some(asked), Error::Api(api)) = (asked, &mut error) {
        api.retry_after = Some(asked);
    }
    error
}
