//! Bulk runs: clearing or auditing many servers, of one project or of many,
//! with a bounded number of worker threads, stoppable, each result reported
//! as it is known. One outcome model serves the progress counts, the
//! caller's lines and its summaries.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::error::Error;

/// Worker threads a [`Bulk`] run uses unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// The longest one wait for the gateway's quota that a run accepts, unless
/// told otherwise: a per-minute limit asks for up to a minute.
const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(10 * 60);
/// The most times one server waits for the quota and goes again.
const MAX_QUOTA_WAITS: u32 = 1000;

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

/// The six outcomes a server of a bulk run can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Cleared,
    Stored,
    NoneStored,
    NotFound,
    Failed,
    NotAttempted,
}

impl Kind {
    /// The word `--json` prints: part of the CLI's schema.
    fn word(self) -> &'static str {
        match self {
            Kind::Cleared => "cleared",
            Kind::Stored => "stored",
            Kind::NoneStored => "none_stored",
            Kind::NotFound => "not_found",
            Kind::Failed => "failed",
            Kind::NotAttempted => "not_attempted",
        }
    }
}

/// What a bulk run does to each server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Clear,
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
/// use hwcloud_ecs::{Bulk, Client, Credentials, Outcome};
///
/// let creds = Credentials::new("AK", "SK")?;
/// let gateway = FakeGateway::builder(creds.clone(), "p1").server("a", "X").server("b", "Y").start()?;
/// let client = Client::builder().credentials(creds).project_id("p1").endpoint(gateway.endpoint()).build()?;
/// let stop = AtomicBool::new(false);
/// let clear = Bulk::clear().workers(4).stop(&stop);
/// let results = clear.run_on(&client, &["a", "nope", "b"], |_, result, progress| {
///     println!("{} ({}/{})", clear.word(result), progress.done, progress.total);
/// });
/// assert!(matches!(results[0], Ok(Outcome::Cleared { .. })));
/// assert_eq!(clear.word(&results[1]), "not_found");
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

impl<'a> Bulk<'a> {
    /// Clears each server's password record ([`Client::clear_password`]).
    pub fn clear() -> Self {
        Bulk {
            action: Action::Clear,
            workers: DEFAULT_CONCURRENCY,
            stop: None,
            max_wait: DEFAULT_MAX_WAIT,
        }
    }

    /// Reads whether each server stores a password ([`Client::get_password`]),
    /// keeping no ciphertext.
    pub fn audit() -> Self {
        Bulk {
            action: Action::Audit,
            ..Bulk::clear()
        }
    }

    /// At most `workers` calls at once across every project (at least one).
    /// Defaults to [`DEFAULT_CONCURRENCY`].
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

    /// The outcome's word, as the CLI's `--json` spells it: `cleared`,
    /// `stored`, `none_stored`, `not_found`, `failed` or `not_attempted`.
    pub fn word(&self, result: &Result<Outcome, Error>) -> &'static str {
        self.kind(result).word()
    }

    fn kind(&self, result: &Result<Outcome, Error>) -> Kind {
        match result {
            Ok(Outcome::Cleared { .. }) => Kind::Cleared,
            Ok(Outcome::Stored { .. }) => Kind::Stored,
            Ok(Outcome::NoneStored { .. }) => Kind::NoneStored,
            Err(Error::NotAttempted { .. }) => Kind::NotAttempted,
            Err(e) if e.is_not_found() && self.action == Action::Clear => Kind::NotFound,
            Err(_) => Kind::Failed,
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
        std::thread::scope(|scope| {
            for _ in 0..self.workers.clamp(1, targets.len().max(1)) {
                scope.spawn(|| loop {
                    if stopped() {
                        break;
                    }
                    let Some((queue, index)) = crate::lock(&scheduler).take() else {
                        break;
                    };
                    let (Some((client, id)), Some(slot)) = (targets.get(index), slots.get(index))
                    else {
                        break;
                    };
                    let client: &Client = client.borrow();
                    let result = self.with_quota_waits(client, id.as_ref(), || {
                        crate::lock(&scheduler).is_closed(queue) || stopped()
                    });
                    {
                        let mut scheduler = crate::lock(&scheduler);
                        if let Err(Error::NotAttempted { reason }) = &result {
                            scheduler.close(queue, reason.clone());
                        }
                        scheduler.finish(queue);
                        if let Err(e) = &result {
                            if e.stops_bulk_run() {
                                scheduler.refuse(queue, e.stops_every_project(), id.as_ref(), e);
                            }
                        }
                    }
                    report(index, &result);
                    *crate::lock(slot) = Some(result);
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
                    });
                    report(index, &result);
                    result
                })
            })
            .collect()
    }

    /// The server's call, waiting for the gateway's quota as often as the
    /// throttling asks (within `max_wait` each time), until `given_up` says
    /// the project or the run stopped meanwhile.
    fn with_quota_waits(
        &self,
        client: &Client,
        id: &str,
        given_up: impl Fn() -> bool,
    ) -> Result<Outcome, Error> {
        let mut result = self.one(client, id);
        for _ in 0..MAX_QUOTA_WAITS {
            let Some(wait) = result.as_ref().err().and_then(|e| client.quota_wait(e)) else {
                return result;
            };
            let error = result
                .as_ref()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default();
            if wait > self.max_wait {
                return Err(Error::NotAttempted {
                    reason: format!(
                        "the gateway asked to wait {}, longer than the run allows ({}): {error}",
                        shown(wait),
                        shown(self.max_wait)
                    ),
                });
            }
            log::debug!("server {id} waits {wait:?} for the gateway's quota, then goes again");
            // A short wait at least, so that a quota that keeps refusing
            // cannot spin; in slices, so that a stop is seen at once.
            let until = crate::bounds::instant_after(wait.max(Duration::from_millis(50)));
            while Instant::now() < until {
                if given_up() {
                    return Err(Error::NotAttempted {
                        reason:
                            "the run was stopped while this server waited for the gateway's quota"
                                .to_owned(),
                    });
                }
                std::thread::sleep(
                    until
                        .saturating_duration_since(Instant::now())
                        .min(Duration::from_millis(100)),
                );
            }
            result = self.one(client, id);
        }
        result
    }

    /// The one call a server gets.
    fn one(&self, client: &Client, id: &str) -> Result<Outcome, Error> {
        match self.action {
            Action::Clear => client.clear_password(id).map(|c| Outcome::Cleared {
                status: c.status,
                request_id: c.request_id,
            }),
            Action::Audit => client.get_password(id).map(|p| {
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
            Kind::Cleared => &mut progress.cleared,
            Kind::Stored => &mut progress.stored,
            Kind::NoneStored => &mut progress.none_stored,
            Kind::NotFound => &mut progress.not_found,
            Kind::NotAttempted => &mut progress.not_attempted,
            Kind::Failed => &mut progress.failed,
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

/// Which server goes next: each project has a queue, and a free worker
/// takes the next server of the project with the fewest calls in flight
/// (in turn among equals), so that a slow or throttled gateway holds only
/// the workers it already has while the others keep going. A refused
/// project's queue is closed; a refusal of the credentials closes them all.
struct Scheduler {
    /// Each project's key, the indices of its servers not yet taken, and
    /// its calls in flight.
    queues: Vec<(usize, VecDeque<usize>, usize)>,
    /// The queue of each target, by index.
    queue_of: Vec<usize>,
    /// Where the search for the next queue starts.
    turn: usize,
    /// Why a queue was closed, by queue; `everywhere` when all were.
    refused: HashMap<usize, String>,
    everywhere: Option<String>,
}

impl Scheduler {
    fn new<C: Borrow<Client>, S>(targets: &[(C, S)]) -> Self {
        let mut queues: Vec<(usize, VecDeque<usize>, usize)> = Vec::new();
        let mut queue_of = Vec::with_capacity(targets.len());
        for (index, (client, _)) in targets.iter().enumerate() {
            let key = project_key(client.borrow());
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
        Scheduler {
            queues,
            queue_of,
            turn: 0,
            refused: HashMap::new(),
            everywhere: None,
        }
    }

    /// The next server to send, as (its queue, its index).
    fn take(&mut self) -> Option<(usize, usize)> {
        if self.everywhere.is_some() {
            return None;
        }
        let count = self.queues.len();
        let mut best: Option<(usize, usize)> = None;
        for step in 0..count {
            let queue = (self.turn + step) % count;
            let Some((_, waiting, in_flight)) = self.queues.get(queue) else {
                continue;
            };
            let open = !waiting.is_empty() && !self.refused.contains_key(&queue);
            if open && best.is_none_or(|(_, fewest)| *in_flight < fewest) {
                best = Some((queue, *in_flight));
            }
        }
        let (queue, _) = best?;
        let (_, waiting, in_flight) = self.queues.get_mut(queue)?;
        let index = waiting.pop_front()?;
        *in_flight += 1;
        self.turn = (queue + 1) % count;
        Some((queue, index))
    }

    fn finish(&mut self, queue: usize) {
        if let Some((_, _, in_flight)) = self.queues.get_mut(queue) {
            *in_flight = in_flight.saturating_sub(1);
        }
    }

    /// Closes `queue` (or every queue) after `server` was refused with `error`.
    fn refuse(&mut self, queue: usize, everywhere: bool, server: &str, error: &Error) {
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
    fn close(&mut self, queue: usize, reason: String) {
        self.refused.entry(queue).or_insert(reason);
    }

    /// Whether `queue` (or every queue) no longer sends.
    fn is_closed(&self, queue: usize) -> bool {
        self.everywhere.is_some() || self.refused.contains_key(&queue)
    }

    /// Why the server at `index` was not sent.
    fn reason(&self, index: usize) -> String {
        self.queue_of
            .get(index)
            .and_then(|queue| self.refused.get(queue))
            .or(self.everywhere.as_ref())
            .cloned()
            .unwrap_or_else(|| "the run was stopped before this server was sent".to_owned())
    }
}
