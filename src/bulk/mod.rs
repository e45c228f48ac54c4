//! Bulk runs: clearing or auditing many servers, of one project or of many,
//! with a bounded number of worker threads, stoppable, each result reported
//! as it is known. One outcome model serves the progress counts, the
//! caller's lines and its summaries.

use std::borrow::Borrow;
mod scheduler;
mod wave;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::client::{Client, OnThrottle};
use crate::error::{ApiError, Error};

use scheduler::{Next, Scheduler};

/// The longest one wait for the gateway's quota that a run accepts, unless
/// told otherwise: a per-minute limit asks for up to a minute.
const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(10 * 60);
/// The most times one server waits for the quota and goes again.
const MAX_QUOTA_WAITS: u32 = 1000;
/// The shortest wait of a throttled server, so that a quota that keeps
/// refusing cannot spin.
const MIN_QUOTA_WAIT: Duration = Duration::from_millis(50);
/// A worker with nothing due sleeps at most this long before looking again.
const WAIT_SLICE: Duration = Duration::from_millis(100);
/// A throttled call comes back at once, and its server goes back in line.
const RETURN: OnThrottle = OnThrottle::Return;

/// What a bulk run found or did for one server whose call succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The password record was deleted (`clear`).
    Cleared {
        /// HTTP status (204 from ECS; any 2xx is success).
        status: u16,
        /// The gateway's request id, for audit trails.
        request_id: Option<String>,
    },
    /// A generated password is still stored (`audit`). The ciphertext is
    /// not kept: an audit proves presence, it does not collect passwords.
    Stored {
        /// HTTP status of the answer.
        status: u16,
        /// The gateway's request id.
        request_id: Option<String>,
    },
    /// No password is stored (`audit`): never generated, or cleared.
    NoneStored {
        /// HTTP status of the answer.
        status: u16,
        /// The gateway's request id.
        request_id: Option<String>,
    },
}

impl Outcome {
    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        match self {
            Outcome::Cleared { status, .. }
            | Outcome::Stored { status, .. }
            | Outcome::NoneStored { status, .. } => *status,
        }
    }

    /// The gateway's request id.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Outcome::Cleared { request_id, .. }
            | Outcome::Stored { request_id, .. }
            | Outcome::NoneStored { request_id, .. } => request_id.as_deref(),
        }
    }
}

/// The six ways a server of a bulk run can end, each counted by one field
/// of [`Progress`]: the one classification the counts, a caller's lines and
/// its summaries share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResultKind {
    /// The password record was deleted (`clear`).
    Cleared,
    /// A password is still stored (`audit`).
    Stored,
    /// No password is stored (`audit`).
    NoneStored,
    /// The service said the server does not exist (`clear`: there is no
    /// record left to delete; an audit counts it [`ResultKind::Failed`],
    /// since it proves nothing about the server).
    NotFound,
    /// Any other failure.
    Failed,
    /// Nothing was sent: the run, or the server's project, stopped first.
    NotAttempted,
}

/// What a bulk run does to each server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Action {
    /// Deletes the password record ([`Client::clear_password`]).
    #[default]
    Clear,
    /// Reads whether a password is stored ([`Client::get_password`]),
    /// keeping no ciphertext.
    Audit,
}

/// How far a bulk run has got, passed to the result callback.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// Servers finished (either way), not-attempted ones included.
    pub done: usize,
    /// Servers in the run.
    pub total: usize,
    /// Servers whose password record was deleted (`clear`).
    pub cleared: usize,
    /// Servers that still store a password (`audit`).
    pub stored: usize,
    /// Servers that store none (`audit`).
    pub none_stored: usize,
    /// Servers the service said do not exist (`clear`; an audit counts them
    /// failed, since it cannot prove anything about them).
    pub not_found: usize,
    /// Servers that failed for any other reason; the counts add up to `done`.
    pub failed: usize,
    /// Servers for which nothing was sent, because the run (or their
    /// project) stopped.
    pub not_attempted: usize,
    /// Throttled answers since the run began (each retried, not failed).
    pub throttled: u64,
    /// The rate the first project's client paces at, in requests a second,
    /// once its gateway has throttled it (or under an explicit cap).
    pub rate: Option<f64>,
}

impl Progress {
    fn new(total: usize) -> Self {
        Progress {
            done: 0,
            total,
            cleared: 0,
            stored: 0,
            none_stored: 0,
            not_found: 0,
            failed: 0,
            not_attempted: 0,
            throttled: 0,
            rate: None,
        }
    }
}

/// A bulk run: what to do to each server, how many at once, and when to stop.
///
/// Every server is reported once to the callback, `on_result(index,
/// result, progress)`, one call at a time: first as each finishes, then, in
/// input order, the servers not sent. A failure of one server does not stop
/// the others, except one that every later call would repeat
/// ([`Error::stops_bulk_run`]): refused credentials (401) stop the whole
/// run, since every project shares the AK and the real gateway locks an AK
/// after repeated signature failures; a refusal limited to one project (403
/// with a gateway code, or `APIGW.0101`) stops that project only. Servers
/// not sent are [`Error::NotAttempted`] with the reason.
///
/// A free worker takes the next server of the project with the fewest
/// calls in flight, so that one slow or throttled gateway holds only the
/// workers it has while the other projects keep going; each endpoint is
/// paced by its own governor.
///
/// ```
/// use std::sync::atomic::AtomicBool;
/// use hwcloud_ecs_fake::FakeGateway;
/// use hwcloud_ecs::{Bulk, Client, Credentials, Outcome, ResultKind};
///
/// let creds = Credentials::new("AK", "SK")?;
/// let gateway = FakeGateway::builder(creds.clone(), "p1").server("a", "X").server("b", "Y").start()?;
/// let client = Client::builder().credentials(creds).project_id("p1").endpoint(gateway.endpoint()).build()?;
/// let stop = AtomicBool::new(false);
/// let clear = Bulk::clear().workers(4).stop(&stop);
/// let results = clear.run_on(&client, &["a", "nope", "b"], |_, result, progress| {
///     println!("{:?} ({}/{})", clear.kind(result), progress.done, progress.total);
/// });
/// assert!(matches!(results[0], Ok(Outcome::Cleared { .. })));
/// assert_eq!(clear.kind(&results[1]), ResultKind::NotFound);
/// let audit = Bulk::audit().run_on(&client, &["a"], |_, _, _| {});
/// assert!(matches!(audit[0], Ok(Outcome::NoneStored { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Bulk<'a> {
    action: Action,
    workers: usize,
    stop: Option<&'a AtomicBool>,
    max_wait: Duration,
}

/// A server to send again after a wait for the gateway's quota: the wait,
/// and the throttled answer that asked for it.
type QuotaWait = (Duration, Option<Box<ApiError>>);

impl<'a> Bulk<'a> {
    /// Worker threads a run uses unless told otherwise.
    pub const DEFAULT_WORKERS: usize = 8;

    /// A run that does `action` to each server.
    pub fn new(action: Action) -> Self {
        Bulk {
            action,
            workers: Self::DEFAULT_WORKERS,
            stop: None,
            max_wait: DEFAULT_MAX_WAIT,
        }
    }

    /// Clears each server's password record ([`Client::clear_password`]).
    pub fn clear() -> Self {
        Bulk::new(Action::Clear)
    }

    /// Reads whether each server stores a password ([`Client::get_password`]),
    /// keeping no ciphertext.
    pub fn audit() -> Self {
        Bulk::new(Action::Audit)
    }

    /// What the run does to each server.
    pub fn action(&self) -> Action {
        self.action
    }

    /// At most `workers` calls at once across every project (at least one).
    /// Defaults to [`Bulk::DEFAULT_WORKERS`].
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// Sends no new server once `stop` is true (a signal handler, a closed
    /// output); the calls in flight finish within their deadline. Defaults
    /// to never stopping early.
    pub fn stop(mut self, stop: &'a AtomicBool) -> Self {
        self.stop = Some(stop);
        self
    }

    /// Waiting for the gateway's quota is back-pressure, not failure: a
    /// server whose call the throttling ended (a `Retry-After` past the
    /// call's deadline, or a call the rate governor could not send in time)
    /// waits what the gateway asked and goes again. A wait longer than
    /// `max_wait` ends its project's dispatch instead: that server and the
    /// project's servers not sent are [`Error::NotAttempted`], saying what
    /// the gateway asked. Defaults to 10 minutes; at most a year.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait.min(crate::bounds::MAX_DURATION);
        self
    }

    /// How a server's `result` ended, as [`Progress`] counts it.
    pub fn kind(&self, result: &Result<Outcome, Error>) -> ResultKind {
        match result {
            Ok(Outcome::Cleared { .. }) => ResultKind::Cleared,
            Ok(Outcome::Stored { .. }) => ResultKind::Stored,
            Ok(Outcome::NoneStored { .. }) => ResultKind::NoneStored,
            Err(Error::NotAttempted { .. }) => ResultKind::NotAttempted,
            Err(e) if e.is_not_found() && self.action == Action::Clear => ResultKind::NotFound,
            Err(_) => ResultKind::Failed,
        }
    }

    /// Runs over the servers of one client's project.
    pub fn run_on<S, F>(
        &self,
        client: &Client,
        server_ids: &[S],
        on_result: F,
    ) -> Vec<Result<Outcome, Error>>
    where
        S: AsRef<str> + Sync,
        F: FnMut(usize, &Result<Outcome, Error>, Progress) + Send,
    {
        let targets: Vec<(&Client, &str)> =
            server_ids.iter().map(|id| (client, id.as_ref())).collect();
        self.run(&targets, on_result)
    }

    /// Runs over `(client, server id)` pairs, the clients of any projects
    /// (see [`crate::Account::client`]). Results come back in input order.
    pub fn run<C, S, F>(&self, targets: &[(C, S)], on_result: F) -> Vec<Result<Outcome, Error>>
    where
        C: Borrow<Client> + Sync,
        S: AsRef<str> + Sync,
        F: FnMut(usize, &Result<Outcome, Error>, Progress) + Send,
    {
        let projects: Vec<&Client> = first_of_each(targets);
        let throttled_before: u64 = projects.iter().map(|c| c.throttled()).sum();
        let scheduler = Mutex::new(Scheduler::new(targets));
        let reporting = Mutex::new((Progress::new(targets.len()), on_result));
        let slots: Vec<Mutex<Option<Result<Outcome, Error>>>> =
            targets.iter().map(|_| Mutex::new(None)).collect();
        let stopped = || self.stop.is_some_and(|s| s.load(Ordering::SeqCst));
        let report = |index: usize, result: &Result<Outcome, Error>| {
            let mut guard = crate::lock(&reporting);
            let (progress, on_result) = &mut *guard;
            self.count(progress, result);
            progress.throttled = projects
                .iter()
                .map(|c| c.throttled())
                .sum::<u64>()
                .saturating_sub(throttled_before);
            progress.rate = projects.first().and_then(|c| c.sending_rate());
            on_result(index, result, *progress);
        };
        let workers = self.workers.clamp(1, targets.len().max(1));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                    if stopped() {
                        break;
                    }
                    let next = crate::lock(&scheduler).next(Instant::now());
                    let (queue, index) = match next {
                        Next::Send { queue, index } => (queue, index),
                        Next::WaitUntil(due) => {
                            // In slices, so that a stop is seen at once.
                            let left = due.saturating_duration_since(Instant::now());
                            std::thread::sleep(left.min(WAIT_SLICE));
                            continue;
                        }
                        Next::Done => break,
                    };
                    let (Some((client, id)), Some(slot)) = (targets.get(index), slots.get(index))
                    else {
                        break;
                    };
                    let client: &Client = client.borrow();
                    let id = id.as_ref();
                    let answer = self.one(client, id);
                    let answered = Instant::now();
                    let result = match self.quota_wait(client, answer) {
                        Ok(result) => result,
                        Err((wait, mut last_answer)) => {
                            // Back in the queue: the worker goes on with
                            // another server meanwhile.
                            let due = crate::bounds::instant_after(wait.max(MIN_QUOTA_WAIT));
                            let mut scheduler = crate::lock(&scheduler);
                            scheduler.answered(queue, index, answered);
                            if scheduler.put_back(queue, index, due, MAX_QUOTA_WAITS) {
                                log::debug!("server {id} waits {wait:?} for the gateway's quota");
                                continue;
                            }
                            Err(Error::NotAttempted {
                                reason: format!(
                                    "the gateway's quota refused this server {MAX_QUOTA_WAITS} times"
                                ),
                                last_answer: last_answer.take(),
                            })
                        }
                    };
                    {
                        let mut scheduler = crate::lock(&scheduler);
                        scheduler.answered(queue, index, answered);
                        if let Err(Error::NotAttempted { reason, .. }) = &result {
                            scheduler.close(queue, reason.clone());
                        }
                        scheduler.finish(queue);
                        if let Err(e) = &result {
                            if e.stops_bulk_run() {
                                scheduler.refuse(queue, e.stops_every_project(), id, e);
                            }
                        }
                    }
                    report(index, &result);
                    *crate::lock(slot) = Some(result);
                    }
                });
            }
        });
        let scheduler = scheduler.into_inner().unwrap_or_else(|p| p.into_inner());
        slots
            .into_iter()
            .enumerate()
            .map(|(index, slot)| {
                let taken = slot.into_inner().unwrap_or_else(|p| p.into_inner());
                taken.unwrap_or_else(|| {
                    let result = Err(Error::NotAttempted {
                        reason: scheduler.reason(index),
                        last_answer: None,
                    });
                    report(index, &result);
                    result
                })
            })
            .collect()
    }

    /// The result of a server's call, or the wait for the gateway's quota
    /// after which it goes again: throttled, or the governor could not send
    /// it in time. A wait past `max_wait` is the result instead: the
    /// server is not attempted, saying what the gateway asked.
    fn quota_wait(
        &self,
        client: &Client,
        result: Result<Outcome, Error>,
    ) -> Result<Result<Outcome, Error>, QuotaWait> {
        let Some(wait) = result.as_ref().err().and_then(|e| client.quota_wait(e)) else {
            return Ok(result);
        };
        let error = result.err();
        let answered = |error: Option<Error>| match error {
            Some(Error::Api(api)) => Some(api),
            _ => None,
        };
        if wait <= self.max_wait {
            return Err((wait, answered(error)));
        }
        let said = error.as_ref().map(ToString::to_string).unwrap_or_default();
        Ok(Err(Error::NotAttempted {
            reason: format!(
                "the gateway asked to wait {}, longer than the run allows ({}): {said}",
                shown(wait),
                shown(self.max_wait)
            ),
            last_answer: answered(error),
        }))
    }

    /// The one call a server gets.
    fn one(&self, client: &Client, id: &str) -> Result<Outcome, Error> {
        match self.action {
            Action::Clear => client
                .clear_password_with(id, RETURN)
                .map(|c| Outcome::Cleared {
                    status: c.status,
                    request_id: c.request_id,
                }),
            Action::Audit => client.get_password_with(id, RETURN).map(|p| {
                let (status, request_id) = (p.status, p.request_id);
                if p.ciphertext.is_some() {
                    Outcome::Stored { status, request_id }
                } else {
                    Outcome::NoneStored { status, request_id }
                }
            }),
        }
    }

    fn count(&self, progress: &mut Progress, result: &Result<Outcome, Error>) {
        progress.done += 1;
        let counter = match self.kind(result) {
            ResultKind::Cleared => &mut progress.cleared,
            ResultKind::Stored => &mut progress.stored,
            ResultKind::NoneStored => &mut progress.none_stored,
            ResultKind::NotFound => &mut progress.not_found,
            ResultKind::NotAttempted => &mut progress.not_attempted,
            ResultKind::Failed => &mut progress.failed,
        };
        *counter += 1;
    }
}

/// A wait in words: seconds, or "longer than a year".
fn shown(wait: Duration) -> String {
    if wait >= crate::bounds::MAX_DURATION {
        "longer than a year".to_owned()
    } else {
        crate::bounds::shown(wait)
    }
}

/// A project's identity within one run: its client's shared state.
fn project_key(client: &Client) -> usize {
    client.identity()
}

/// The clients of the run, each once, in order of first appearance.
fn first_of_each<C: Borrow<Client>, S>(targets: &[(C, S)]) -> Vec<&Client> {
    let mut seen = Vec::new();
    let mut clients: Vec<&Client> = Vec::new();
    for (client, _) in targets {
        let client = client.borrow();
        if !seen.contains(&project_key(client)) {
            seen.push(project_key(client));
            clients.push(client);
        }
    }
    clients
}
