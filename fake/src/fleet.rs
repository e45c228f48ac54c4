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
    /// The project it belongs to; `None` for the gateway's own.
    pub project: Option<String>,
    /// Its tags, `(key, value)`.
    pub tags: Vec<(String, String)>,
    /// Its enterprise project (`"0"`, the default one, unless set).
    pub enterprise_project_id: String,
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
            project: None,
            tags: Vec::new(),
            enterprise_project_id: "0".into(),
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

    /// Puts the server in another project the gateway serves (see
    /// `FakeGatewayBuilder::project`).
    pub fn in_project(mut self, project_id: impl Into<String>) -> Self {
        self.project = Some(project_id.into());
        self
    }

    /// Adds a tag.
    pub fn tagged(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Sets the status (`ACTIVE` unless set).
    pub fn with_status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }

    /// Sets the enterprise project.
    pub fn in_enterprise_project(mut self, id: impl Into<String>) -> Self {
        self.enterprise_project_id = id.into();
        self
    }

    /// Whether the listing's filters (as the real API applies them) keep
    /// this server: `name` matched fuzzily (a substring, `.` matching any
    /// character), `status`, a `tags` value `key=value` or `key`, and
    /// `enterprise_project_id`, each exactly.
    pub fn matches_listing(&self, filters: &[(String, String)]) -> bool {
        filters.iter().all(|(key, value)| match key.as_str() {
            "name" => fuzzy_contains(&self.name, value),
            "status" => self.status == *value,
            "enterprise_project_id" => self.enterprise_project_id == *value,
            "tags" => self.tags.iter().any(|(k, v)| match value.split_once('=') {
                Some((key, val)) => k == key && v == val,
                None => k == value,
            }),
            _ => true,
        })
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

/// Whether `pattern` occurs in `text`, `.` matching any one character
/// but a line end, as the ECS listing's `name` filter does.
fn fuzzy_contains(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    if pattern.is_empty() {
        return true;
    }
    text.windows(pattern.len()).any(|window| {
        window
            .iter()
            .zip(&pattern)
            .all(|(t, p)| *p == *t || (*p == '.' && *t != '\n' && *t != '\r'))
    })
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
    pub(crate) ignores_marker: bool,
    pub(crate) page_cap: Option<usize>,
    /// The other projects served, besides the gateway's own.
    pub(crate) projects: Vec<String>,
    /// Projects whose every call is refused 403 (an IAM user without
    /// permission there).
    pub(crate) forbidden: Vec<String>,
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

    /// Every server in listing order.
    pub(crate) fn all(&self) -> impl Iterator<Item = &FakeServer> {
        self.order.iter().filter_map(|id| self.by_id.get(id))
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
