//! The servers a fake gateway knows: Windows or Linux, a stored password
//! that may appear only after a delay, or a server whose calls always fail.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One server of the fake gateway's project.
///
/// ```
/// use hwcloud_ecs_fake::FakeServer;
/// use std::time::Duration;
///
/// let fresh = FakeServer::windows("srv-1", "Q0lQSEVS").password_after(Duration::from_secs(5));
/// let linux = FakeServer::linux("srv-2").named("web-2");
/// assert_eq!(linux.os_type, "Linux");
/// # let _ = fresh;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeServer {
    /// Server id.
    pub id: String,
    /// Display name (defaults to the id).
    pub name: String,
    /// `ACTIVE`, `SHUTOFF`, ...
    pub status: String,
    /// `metadata.os_type`: `Windows` or `Linux`.
    pub os_type: String,
    ciphertext: String,
    delay: Option<Duration>,
    broken: bool,
}

impl FakeServer {
    /// An active Windows server storing `ciphertext` (empty for none).
    pub fn windows(id: impl Into<String>, ciphertext: impl Into<String>) -> Self {
        let id = id.into();
        FakeServer {
            name: id.clone(),
            id,
            status: "ACTIVE".into(),
            os_type: "Windows".into(),
            ciphertext: ciphertext.into(),
            delay: None,
            broken: false,
        }
    }

    /// An active Linux server (no stored password).
    pub fn linux(id: impl Into<String>) -> Self {
        FakeServer {
            os_type: "Linux".into(),
            ..FakeServer::windows(id, "")
        }
    }

    /// Sets the display name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The stored password shows only once `delay` has passed since the
    /// gateway started, as after a Windows server's first boot.
    pub fn password_after(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Every password call on this server answers 500.
    pub fn broken(mut self) -> Self {
        self.broken = true;
        self
    }
}

/// The servers, in listing order.
#[derive(Debug, Default)]
pub(crate) struct Fleet {
    order: Vec<String>,
    by_id: HashMap<String, FakeServer>,
    started: Option<Instant>,
    /// Listing quirks: a `count` that is not the fleet's size, pages that
    /// are always the first one, pages shorter than the `limit` asked.
    pub(crate) claimed_count: Option<u64>,
    pub(crate) ignores_offset: bool,
    pub(crate) page_cap: Option<usize>,
}

impl Fleet {
    pub(crate) fn add(&mut self, server: FakeServer) {
        if !self.by_id.contains_key(&server.id) {
            self.order.push(server.id.clone());
        }
        self.by_id.insert(server.id.clone(), server);
    }

    pub(crate) fn start_clock(&mut self) {
        self.started = Some(Instant::now());
    }

    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    /// Servers `[from, from + count)` in listing order.
    pub(crate) fn page(&self, from: usize, count: usize) -> impl Iterator<Item = &FakeServer> {
        self.order
            .iter()
            .skip(from)
            .take(count)
            .map(|id| &self.by_id[id])
    }

    pub(crate) fn get(&self, id: &str) -> Option<&FakeServer> {
        self.by_id.get(id)
    }

    pub(crate) fn is_broken(&self, id: &str) -> bool {
        self.by_id.get(id).is_some_and(|s| s.broken)
    }

    /// What a GET would show now: empty before the delay has passed.
    pub(crate) fn visible_password(&self, id: &str) -> Option<String> {
        let server = self.by_id.get(id)?;
        let shown = match (server.delay, self.started) {
            (Some(delay), Some(started)) => started.elapsed() >= delay,
            _ => true,
        };
        Some(if shown {
            server.ciphertext.clone()
        } else {
            String::new()
        })
    }

    /// Deletes the stored password; false for an unknown server.
    pub(crate) fn clear(&mut self, id: &str) -> bool {
        match self.by_id.get_mut(id) {
            Some(server) => {
                server.ciphertext.clear();
                true
            }
            None => false,
        }
    }
}
