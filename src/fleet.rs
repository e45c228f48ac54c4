//! Fleet operations: list a project's servers, and clear many passwords at
//! once with a bounded number of worker threads.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_json::Value;

use crate::client::Client;
use crate::error::Error;
use crate::password::PasswordCleared;
use crate::request::ApiRequest;

/// Servers asked for per listing page: the API's maximum, so that 1,500
/// servers take two requests.
pub const LIST_PAGE_SIZE: usize = 1000;
/// The most servers [`Client::list_servers`] reads before it calls the
/// listing broken: far above any ECS quota.
pub const MAX_LISTED: usize = 100_000;
/// The largest listing page read: a page of 1,000 servers with every field
/// ECS returns runs to a few megabytes.
const MAX_LISTING_BODY: u64 = 16 * 1024 * 1024;
/// Worker threads used by [`Client::clear_passwords`] unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// A server as the listing describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Server {
    /// Server id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Status, e.g. `ACTIVE` or `SHUTOFF`.
    pub status: String,
    /// `metadata.os_type`, e.g. `Windows` or `Linux`, when set.
    pub os_type: Option<String>,
}

impl Server {
    /// True when `metadata.os_type` is `Windows` (any case).
    pub fn is_windows(&self) -> bool {
        self.os_type
            .as_deref()
            .is_some_and(|os| os.eq_ignore_ascii_case("windows"))
    }
}

/// How far a bulk run has got, passed to the progress callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// Every server of the project, following `GET /v1/{project_id}/cloudservers/detail`
    /// page by page ([`LIST_PAGE_SIZE`] a page; `offset` is a page number
    /// from 1) until `count` servers are read.
    ///
    /// The walk always ends: an empty page ends it (the fleet shrank), and
    /// a listing that claims more than [`MAX_LISTED`] servers, needs more
    /// than `ceil(count / page size) + 1` pages, or sends a page holding
    /// only servers already listed (it ignores `offset`) is an
    /// [`Error::InvalidResponse`]. A server listed twice (the fleet changed
    /// between pages) is kept once.
    ///
    /// # Errors
    /// As [`Client::send`], plus [`Error::InvalidResponse`] for a page that is
    /// not the documented shape or a listing that breaks the bounds above.
    pub fn list_servers(&self) -> Result<Vec<Server>, Error> {
        let path = format!("/v1/{}/cloudservers/detail", self.project_id());
        let mut servers = Vec::new();
        let mut seen = HashSet::new();
        let mut page = 1u64;
        let mut last_page = u64::MAX;
        loop {
            let mut request = ApiRequest::new("GET", path.as_str())
                .query("limit", LIST_PAGE_SIZE.to_string())
                .query("offset", page.to_string());
            request.success_limit = MAX_LISTING_BODY;
            let response = self.send(&request)?;
            let bad = |reason: String| Error::InvalidResponse {
                status: response.status,
                reason,
                snippet: crate::error_body::snippet(&response.body).unwrap_or_default(),
            };
            let (count, items) = parse_page(&response.body).map_err(bad)?;
            // Ends an empty page even if `count` promised more, so that a
            // shrinking fleet cannot loop us for ever.
            if items.is_empty() {
                return Ok(servers);
            }
            let before = servers.len();
            for server in items {
                if seen.insert(server.id.clone()) {
                    servers.push(server);
                }
            }
            if servers.len() == before {
                return Err(bad(format!(
                    "page {page} lists only servers already listed: the service ignores offset"
                )));
            }
            if servers.len() > MAX_LISTED {
                return Err(bad(format!(
                    "the listing holds more than {MAX_LISTED} servers"
                )));
            }
            if servers.len() as u64 >= count {
                return Ok(servers);
            }
            // The first page's count fixes how many pages there may be.
            last_page = last_page.min(count.div_ceil(LIST_PAGE_SIZE as u64) + 1);
            if page >= last_page {
                return Err(bad(format!(
                    "{} servers after {page} pages, where count said {count}: the listing does not end",
                    servers.len()
                )));
            }
            page += 1;
        }
    }

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

/// One listing page: its `count`, and its servers. Refuses a page that
/// is not the documented shape, or claims more than [`MAX_LISTED`].
pub(crate) fn parse_page(body: &[u8]) -> Result<(u64, Vec<Server>), String> {
    let json: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let count = json
        .get("count")
        .and_then(Value::as_u64)
        .ok_or("no \"count\" number in the server list")?;
    if count > MAX_LISTED as u64 {
        return Err(format!(
            "the listing claims {count} servers, more than the {MAX_LISTED} this client reads"
        ));
    }
    let items = json
        .get("servers")
        .and_then(Value::as_array)
        .ok_or("no \"servers\" array in the server list")?;
    let servers = items
        .iter()
        .map(|item| parse_server(item).ok_or("a server without an \"id\""))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((count, servers))
}

fn parse_server(item: &Value) -> Option<Server> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    Some(Server {
        id: text(item.get("id"))?,
        name: text(item.get("name")).unwrap_or_default(),
        status: text(item.get("status")).unwrap_or_default(),
        os_type: text(item.get("metadata").and_then(|m| m.get("os_type"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_type_is_compared_without_case() {
        let server = |os: Option<&str>| Server {
            id: "s".into(),
            name: String::new(),
            status: String::new(),
            os_type: os.map(str::to_owned),
        };
        assert!(server(Some("Windows")).is_windows());
        assert!(server(Some("WINDOWS")).is_windows());
        assert!(!server(Some("Linux")).is_windows());
        assert!(!server(None).is_windows());
    }

    #[test]
    fn a_listing_item_needs_an_id() {
        assert!(parse_server(&serde_json::json!({"name": "x"})).is_none());
        let s = parse_server(&serde_json::json!({"id": "a", "metadata": {"os_type": "Linux"}}))
            .unwrap();
        assert_eq!(s.os_type.as_deref(), Some("Linux"));
    }
}
