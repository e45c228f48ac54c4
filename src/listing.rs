//! The project's servers: `GET /v1/{project_id}/cloudservers/detail`,
//! page by page, with every bound a hostile listing could break.

use std::collections::HashSet;

use serde_json::Value;

use crate::client::Client;
use crate::error::Error;
use crate::request::ApiRequest;

/// Servers asked for per listing page: the API's maximum, so that 1,500
/// servers take two requests.
pub(crate) const LIST_PAGE_SIZE: usize = 1000;
/// The most servers a listing reads (see `Client::MAX_LISTED`).
const MAX_LISTED: usize = 100_000;
/// The largest listing page read: a page of 1,000 servers with every field
/// ECS returns runs to a few megabytes.
const MAX_LISTING_BODY: u64 = 16 * 1024 * 1024;

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

/// Which servers a listing keeps. Filters the API has are sent with the
/// request (`name`, `status`, the first tag, `enterprise_project_id`), and
/// every filter is checked again, exactly, on what comes back: the API's
/// `name` is a fuzzy match in which `.` matches any character, and its
/// `status=ACTIVE` also lists servers rebooting or resizing.
///
/// ```
/// use hwcloud_ecs::ServerFilter;
/// let filter = ServerFilter::windows().tag("env", "prod").status("ACTIVE").name("web.1");
/// # let _ = filter;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerFilter {
    windows_only: bool,
    name: Option<String>,
    status: Option<String>,
    tags: Vec<(String, String)>,
    enterprise_project: Option<String>,
}

impl ServerFilter {
    /// Every server.
    pub fn all() -> Self {
        ServerFilter::default()
    }

    /// Servers whose `metadata.os_type` is `Windows` (any case).
    pub fn windows() -> Self {
        ServerFilter {
            windows_only: true,
            ..ServerFilter::default()
        }
    }

    /// Servers named exactly `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Servers whose status is exactly `status` (e.g. `ACTIVE`, `SHUTOFF`).
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Servers tagged `key=value`; every tag given must match.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Servers of this enterprise project (`0` is the default one).
    pub fn enterprise_project(mut self, id: impl Into<String>) -> Self {
        self.enterprise_project = Some(id.into());
        self
    }

    /// Refuses values that could not match anything or would be read
    /// differently by the API: empty ones, control characters, a tag key
    /// with `=`. A listing checks its filter before it sends anything; call
    /// this to refuse a filter earlier still (before other calls).
    ///
    /// ```
    /// use hwcloud_ecs::{Error, ServerFilter};
    ///
    /// assert!(ServerFilter::windows().name("web-1").check().is_ok());
    /// let refused = ServerFilter::windows().status("").check().unwrap_err();
    /// assert!(matches!(refused, Error::InvalidInput { field: "status filter", .. }));
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the filter (`name filter`, `status
    /// filter`, `enterprise project filter`, `tag key`, `tag value`).
    pub fn check(&self) -> Result<(), Error> {
        let fine = |what: &'static str, text: &str| {
            if text.is_empty() || text.len() > 1024 || text.chars().any(char::is_control) {
                Err(Error::invalid(
                    what,
                    format!("{text:?}: empty, longer than 1024 bytes, or with control characters"),
                ))
            } else {
                Ok(())
            }
        };
        for (what, text) in [("name filter", &self.name), ("status filter", &self.status)] {
            if let Some(text) = text {
                fine(what, text)?;
            }
        }
        if let Some(id) = &self.enterprise_project {
            fine("enterprise project filter", id)?;
        }
        for (key, value) in &self.tags {
            fine("tag key", key)?;
            if key.contains('=') {
                return Err(Error::invalid("tag key", format!("{key:?} holds '='")));
            }
            if value.chars().any(char::is_control) {
                return Err(Error::invalid(
                    "tag value",
                    format!("{value:?} holds control characters"),
                ));
            }
        }
        Ok(())
    }

    /// The query pairs the API filters on.
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(name) = &self.name {
            pairs.push(("name", name.clone()));
        }
        if let Some(status) = &self.status {
            pairs.push(("status", status.clone()));
        }
        if let Some((key, value)) = self.tags.first() {
            pairs.push(("tags", format!("{key}={value}")));
        }
        if let Some(id) = &self.enterprise_project {
            pairs.push(("enterprise_project_id", id.clone()));
        }
        pairs
    }

    /// The exact check, on a listed server and its raw listing item.
    fn keeps(&self, server: &Server, item: &Value) -> bool {
        let text = |key: &str| item.get(key).and_then(Value::as_str);
        (!self.windows_only || server.is_windows())
            && self.name.as_ref().is_none_or(|n| *n == server.name)
            && self.status.as_ref().is_none_or(|s| *s == server.status)
            && self
                .enterprise_project
                .as_deref()
                .is_none_or(|id| text("enterprise_project_id") == Some(id))
            && self
                .tags
                .iter()
                .all(|(key, value)| has_tag(item, key, value))
    }
}

/// Whether the listing item carries tag `key=value` (`tags` is a list of
/// `"key=value"` strings).
fn has_tag(item: &Value, key: &str, value: &str) -> bool {
    item.get("tags")
        .and_then(Value::as_array)
        .is_some_and(|tags| {
            tags.iter()
                .filter_map(Value::as_str)
                .any(|tag| tag.split_once('=').map_or((tag, ""), |(k, v)| (k, v)) == (key, value))
        })
}

/// A server id's fingerprint, for telling a repeat from a new server in
/// 16 bytes rather than a copy of the id.
fn fingerprint(id: &str) -> u128 {
    use std::hash::Hasher;
    // `DefaultHasher::new` has fixed keys: the same id gives the same
    // fingerprint throughout the run. Two halves make a collision (which
    // would drop a server) as unlikely as a 128-bit one.
    let half = |salt: u8| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        hasher.write_u8(salt);
        hasher.write(id.as_bytes());
        hasher.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}

impl Client {
    /// The most servers [`Client::list_servers`] reads before it calls the
    /// listing broken: far above any ECS quota.
    pub const MAX_LISTED: usize = MAX_LISTED;

    /// Every server of the project, following `GET /v1/{project_id}/cloudservers/detail`
    /// page by page (1,000 a page, the API's most) until `count` servers are
    /// read: [`Self::list_servers_matching`] with [`ServerFilter::all`].
    ///
    /// # Errors
    /// As [`Self::list_servers_matching`].
    pub fn list_servers(&self) -> Result<Vec<Server>, Error> {
        self.list_servers_matching(&ServerFilter::all())
    }

    /// The project's servers that `filter` keeps, page by page
    /// (1,000 a page, the API's most). Pages follow `marker` (the id of the
    /// last server of the page before), as the current API asks; a service
    /// that ignores `marker` (the page repeats) is read by `offset` page
    /// numbers instead.
    ///
    /// The walk always ends: an empty page ends it (the fleet shrank), and
    /// a listing that claims more than [`Client::MAX_LISTED`] servers, needs more
    /// than `ceil(count / page size) + 2` pages, or sends a page holding
    /// only servers already listed by both `marker` and `offset` is an
    /// [`Error::InvalidResponse`]. A server listed twice (the fleet changed
    /// between pages) is kept once.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] before sending for a filter value that is
    /// empty or holds control characters (or a tag key with `=`); as
    /// [`Client::send`], plus [`Error::InvalidResponse`] for a page that is
    /// not the documented shape or a listing that breaks the bounds above.
    pub fn list_servers_matching(&self, filter: &ServerFilter) -> Result<Vec<Server>, Error> {
        filter.check()?;
        let path = format!("/v1/{}/cloudservers/detail", self.project_id());
        let mut kept = Vec::new();
        let mut seen: HashSet<u128> = HashSet::new();
        let mut marker: Option<String> = None;
        // Set once the service is found to ignore `marker`: the page number to ask.
        let mut by_offset: Option<u64> = None;
        let mut pages = 0u64;
        let mut last_page = u64::MAX;
        loop {
            pages += 1;
            let mut request =
                ApiRequest::new("GET", path.as_str()).query("limit", LIST_PAGE_SIZE.to_string());
            match (by_offset, &marker) {
                (Some(page), _) => request = request.query("offset", page.to_string()),
                (None, Some(id)) => request = request.query("marker", id.clone()),
                (None, None) => {}
            }
            for (key, value) in filter.query() {
                request = request.query(key, value);
            }
            request.success_limit = MAX_LISTING_BODY;
            let response = self.send(&request)?;
            let bad = |reason: String| response.invalid(reason);
            let (count, items) =
                parse_page(&response.body, |server, item| filter.keeps(server, item))
                    .map_err(bad)?;
            // Ends an empty page even if `count` promised more, so that a
            // shrinking fleet cannot loop us for ever.
            let Some(last_id) = items.last().map(|(server, _)| server.id.clone()) else {
                return Ok(kept);
            };
            let before = seen.len();
            for (server, keep) in items {
                if seen.insert(fingerprint(&server.id)) && keep {
                    kept.push(server);
                }
            }
            if seen.len() == before {
                match by_offset {
                    None if marker.is_some() => {
                        log::debug!("the listing ignores marker: reading it by page number");
                        by_offset = Some(pages);
                        continue;
                    }
                    _ => {
                        return Err(bad(format!(
                            "page {pages} lists only servers already listed: the service ignores both marker and offset"
                        )))
                    }
                }
            }
            if seen.len() > MAX_LISTED {
                return Err(bad(format!(
                    "the listing holds more than {MAX_LISTED} servers"
                )));
            }
            if seen.len() as u64 >= count {
                return Ok(kept);
            }
            // The first page's count fixes how many pages there may be; one
            // more for the page repeated when `marker` is ignored.
            last_page = last_page.min(count.div_ceil(LIST_PAGE_SIZE as u64) + 2);
            if pages >= last_page {
                return Err(bad(format!(
                    "{} servers after {pages} pages, where count said {count}: the listing does not end",
                    seen.len()
                )));
            }
            match &mut by_offset {
                Some(page) => *page += 1,
                None => marker = Some(last_id),
            }
        }
    }
}

/// One listing page: its `count`, and its servers, each with whether
/// `keep` keeps it. Refuses a page that is not the documented shape, or
/// claims more than [`Client::MAX_LISTED`].
pub(crate) fn parse_page(
    body: &[u8],
    keep: impl Fn(&Server, &Value) -> bool,
) -> Result<(u64, Vec<(Server, bool)>), String> {
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
        .map(|item| {
            let server = parse_server(item).ok_or("a server without an \"id\"")?;
            let kept = keep(&server, item);
            Ok((server, kept))
        })
        .collect::<Result<Vec<_>, String>>()?;
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
    use proptest::prelude::*;

    proptest! {
        /// A hostile listing page never panics the parser, and a page
        /// cannot hold more servers than it has bytes.
        #[test]
        fn any_page_is_parsed_without_panicking_and_within_its_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Ok((_, servers)) = parse_page(&body, |_, _| true) {
                prop_assert!(servers.len() <= body.len());
            }
        }
    }

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
