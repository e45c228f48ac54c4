//! The project's servers: `GET /v1/{project_id}/cloudservers/detail`,
//! page by page, with every bound a hostile listing could break.

use std::collections::HashSet;

use serde_json::Value;

use crate::client::Client;
use crate::error::Error;
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
