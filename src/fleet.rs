//! Clearing many passwords at once with a bounded number of worker threads
//! sharing one client, stoppable, each result reported as it is known.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::client::Client;
use crate::error::Error;
use crate::password::PasswordCleared;

/// Worker threads used by [`Client::clear_passwords`] unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// How far a bulk run has got, passed to the progress callback.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// Servers finished (either way), not-attempted ones included.
    pub done: usize,
    /// Servers in the run.
    pub total: usize,
    /// Servers that failed for any reason other than not found or not
    /// attempted; `cleared + not_found + not_attempted + failed == done`.
    pub failed: usize,
    /// Servers whose password record was deleted.
    pub cleared: usize,
    /// Servers the service said do not exist.
    pub not_found: usize,
    /// Servers for which nothing was sent, because the run stopped.
    pub not_attempted: usize,
    /// Throttled answers since the run began (each retried, not failed).
    pub throttled: u64,
    /// The rate the client paces at, in requests a second, once the
    /// gateway has throttled it (or under an explicit cap).
    pub rate: Option<f64>,
}

impl Progress {
    fn new(total: usize) -> Self {
        Progress {
            done: 0,
            total,
            failed: 0,
            cleared: 0,
            not_found: 0,
            not_attempted: 0,
            throttled: 0,
            rate: None,
        }
    }

    fn count(&mut self, result: &Result<PasswordCleared, Error>) {
        self.done += 1;
        match result {
            Ok(_) => self.cleared += 1,
            Err(e) if e.is_not_found() => self.not_found += 1,
            Err(Error::NotAttempted { .. }) => self.not_attempted += 1,
            Err(_) => self.failed += 1,
        }
    }
}

impl Client {
    /// Clears the password of every server in `server_ids` with at most
    /// `workers` threads sharing this client (its connection pool, retry
    /// and clock-skew state). Results come back in input order.
    ///
    /// A failure of one server does not stop the others, except one that
    /// every later call would repeat ([`Error::stops_bulk_run`]: refused
    /// credentials, an unknown project or endpoint): then no new server is
    /// sent, the calls in flight finish, and every server not sent is
    /// [`Error::NotAttempted`] with the reason. On the real gateway, a burst
    /// of refused signatures locks the AK.
    ///
    /// ```
    /// use hwcloud_ecs_fake::FakeGateway;
    /// use hwcloud_ecs::{Client, Credentials};
    ///
    /// let creds = Credentials::new("AK", "SK")?;
    /// let gateway = FakeGateway::builder(creds.clone(), "p1").server("a", "X").server("b", "Y").start()?;
    /// let client = Client::builder().credentials(creds).project_id("p1").endpoint(gateway.endpoint()).build()?;
    /// let results = client.clear_passwords(&["a", "nope", "b"], 4);
    /// assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clear_passwords<S: AsRef<str> + Sync>(
        &self,
        server_ids: &[S],
        workers: usize,
    ) -> Vec<Result<PasswordCleared, Error>> {
        self.clear_passwords_with_progress(server_ids, workers, |_| {})
    }

    /// [`Client::clear_passwords`], calling `on_progress` after each server.
    pub fn clear_passwords_with_progress<S, F>(
        &self,
        server_ids: &[S],
        workers: usize,
        on_progress: F,
    ) -> Vec<Result<PasswordCleared, Error>>
    where
        S: AsRef<str> + Sync,
        F: Fn(Progress) + Sync,
    {
        let never = AtomicBool::new(false);
        self.clear_passwords_until(server_ids, workers, &never, |_, _, progress| {
            on_progress(progress)
        })
    }

    /// [`Client::clear_passwords`] that a caller can stop, reporting each
    /// server as soon as its result is known.
    ///
    /// Once `stop` is true (a signal handler, a closed output), no new
    /// server is sent; the calls in flight finish within their deadline,
    /// and every server not sent is [`Error::NotAttempted`].
    /// `on_result(index, result, progress)` is called once per server, one
    /// call at a time: first as each finishes, then, in input order, for
    /// the servers not attempted.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use hwcloud_ecs_fake::FakeGateway;
    /// use hwcloud_ecs::{Client, Credentials, Error};
    ///
    /// let creds = Credentials::new("AK", "SK")?;
    /// let gateway = FakeGateway::builder(creds.clone(), "p1").server("a", "X").server("b", "Y").start()?;
    /// let client = Client::builder().credentials(creds).project_id("p1").endpoint(gateway.endpoint()).build()?;
    /// let stop = AtomicBool::new(false);
    /// let results = client.clear_passwords_until(&["a", "b"], 1, &stop, |index, result, _| {
    ///     // Stop after the first server, as a Ctrl-C handler would.
    ///     assert!(index == 0 && result.is_ok() || index == 1);
    ///     stop.store(true, Ordering::SeqCst);
    /// });
    /// assert!(results[0].is_ok());
    /// assert!(matches!(results[1], Err(Error::NotAttempted { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clear_passwords_until<S, F>(
        &self,
        server_ids: &[S],
        workers: usize,
        stop: &AtomicBool,
        on_result: F,
    ) -> Vec<Result<PasswordCleared, Error>>
    where
        S: AsRef<str> + Sync,
        F: Fn(usize, &Result<PasswordCleared, Error>, Progress) + Sync,
    {
        let total = server_ids.len();
        let throttled_before = self.throttled();
        let next = AtomicUsize::new(0);
        // Why the run stopped by itself, set by the first answer that says so.
        let refused: Mutex<Option<String>> = Mutex::new(None);
        let progress = Mutex::new(Progress::new(total));
        let slots: Vec<Mutex<Option<Result<PasswordCleared, Error>>>> =
            server_ids.iter().map(|_| Mutex::new(None)).collect();
        let stopped = || stop.load(Ordering::SeqCst) || crate::lock(&refused).is_some();
        std::thread::scope(|scope| {
            for _ in 0..workers.clamp(1, total.max(1)) {
                scope.spawn(|| loop {
                    if stopped() {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let (Some(id), Some(slot)) = (server_ids.get(index), slots.get(index)) else {
                        break;
                    };
                    let result = self.clear_password(id.as_ref());
                    if let Err(e) = &result {
                        if e.stops_bulk_run() {
                            crate::lock(&refused).get_or_insert_with(|| {
                                format!(
                                    "the run stopped when server {} was refused: {e}",
                                    id.as_ref()
                                )
                            });
                        }
                    }
                    {
                        let mut progress = crate::lock(&progress);
                        progress.count(&result);
                        progress.throttled = self.throttled().saturating_sub(throttled_before);
                        progress.rate = self.sending_rate();
                        on_result(index, &result, *progress);
                    }
                    *crate::lock(slot) = Some(result);
                });
            }
        });
        let reason = crate::lock(&refused)
            .take()
            .unwrap_or_else(|| "the run was stopped before this server was sent".to_owned());
        slots
            .into_iter()
            .enumerate()
            .map(|(index, slot)| {
                let taken = slot.into_inner().unwrap_or_else(|p| p.into_inner());
                taken.unwrap_or_else(|| {
                    let result = Err(Error::NotAttempted {
                        reason: reason.clone(),
                    });
                    let mut progress = crate::lock(&progress);
                    progress.count(&result);
                    on_result(index, &result, *progress);
                    result
                })
            })
            .collect()
    }
}
