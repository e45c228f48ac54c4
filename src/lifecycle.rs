//! Waiting for a Windows server's password to be stored (it appears 5 to 10
//! minutes after first boot).

use std::time::{Duration, Instant};

use crate::bounds::{check_duration, instant_after};
use crate::client::Client;
use crate::error::Error;
use crate::password::EncryptedPassword;

/// How [`Client::wait_for_password`] polls. Every field says its default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitOptions {
    /// Give up after this long. Defaults to 15 minutes.
    pub timeout: Duration,
    /// Pause after the first empty answer. Defaults to 10 s.
    pub first_interval: Duration,
    /// The pause grows by half each time up to this. Defaults to 30 s.
    pub max_interval: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(15 * 60),
            first_interval: Duration::from_secs(10),
            max_interval: Duration::from_secs(30),
        }
    }
}

impl WaitOptions {
    /// Waits at most `timeout`, polling every 10 s growing to 30 s.
    pub fn timeout(timeout: Duration) -> Self {
        WaitOptions {
            timeout,
            ..WaitOptions::default()
        }
    }

    /// Sets the first and the largest pause between polls.
    pub fn intervals(mut self, first: Duration, max: Duration) -> Self {
        self.first_interval = first;
        self.max_interval = max.max(first);
        self
    }
}

impl Client {
    /// Polls [`Client::get_password`] until a password is stored or
    /// `options.timeout` has passed; the last poll happens at the deadline.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before anything is sent when a duration of
    /// `options` is longer than a year; [`Error::WaitTimedOut`] when none
    /// appeared in time; any error of [`Client::get_password`] (after its
    /// own retries) ends the wait at once.
    pub fn wait_for_password(
        &self,
        server_id: impl AsRef<str>,
        options: WaitOptions,
    ) -> Result<EncryptedPassword, Error> {
        let server_id = server_id.as_ref();
        check_duration("wait timeout", options.timeout)?;
        check_duration("wait interval", options.first_interval)?;
        check_duration("wait interval", options.max_interval)?;
        let started = Instant::now();
        let deadline = instant_after(options.timeout);
        let mut pause = options.first_interval;
        let mut polls: u32 = 0;
        loop {
            let password = self.get_password(server_id)?;
            polls = polls.saturating_add(1);
            if password.ciphertext.is_some() {
                return Ok(password);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::WaitTimedOut {
                    server_id: server_id.to_owned(),
                    waited: started.elapsed(),
                    polls,
                    last_status: password.status,
                });
            }
            log::debug!("no password stored yet for {server_id}; polling again in {pause:?}");
            std::thread::sleep(pause.min(deadline.saturating_duration_since(now)));
            pause = next_pause(pause, options.max_interval);
        }
    }
}

/// The pause after `pause`: half as long again, up to `max`.
fn next_pause(pause: Duration, max: Duration) -> Duration {
    pause.saturating_add(pause / 2).min(max)
}

#[cfg(test)]
mod pause_tests {
    use super::*;

    #[test]
    fn each_pause_is_half_as_long_again_up_to_the_largest() {
        let max = Duration::from_secs(5);
        let mut pause = Duration::from_millis(100);
        let mut pauses = Vec::new();
        for _ in 0..10 {
            pause = next_pause(pause, max);
            pauses.push(pause.as_millis());
        }
        assert_eq!(
            pauses,
            [150, 225, 337, 506, 759, 1139, 1708, 2562, 3844, 5000]
        );
        assert_eq!(next_pause(Duration::MAX, max), max);
    }
}
