//! The account behind a set of credentials: the projects IAM lists for it,
//! and a client for each, all sharing one connection pool, one credential
//! provider and one clock, with a rate governor per endpoint.

use std::sync::Arc;

use serde_json::Value;

use crate::config::{regions, Origin};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::ids::ProjectId;
use crate::transport::{Prepared, MAX_SUCCESS_BODY};

use super::builder::ClientBuilder;
use super::{Caller, Client, Inner, OnThrottle};

/// IAM's global endpoint, asked when no region is set.
const GLOBAL_IAM: &str = "https://iam.myhuaweicloud.com";

/// The most projects read from IAM: far above any account's quota.
const MAX_PROJECTS: usize = 10_000;

/// A project of the account, as IAM lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Project {
    /// The project id.
    pub id: ProjectId,
    /// Its name: a region (`cn-north-4`), or a sub-project of one
    /// (`cn-north-4_dev`).
    pub name: String,
    /// The region: the name up to its first `_`.
    pub region: String,
    /// False for a disabled project.
    pub enabled: bool,
}

impl Project {
    /// Why an account-wide run leaves this project out, or `None`: a
    /// disabled project, and `MOS` (the special project of the marketplace,
    /// not a region), are skipped.
    pub fn skipped(&self) -> Option<&'static str> {
        if !self.enabled {
            Some("the project is disabled")
        } else if self.name.eq_ignore_ascii_case("MOS") {
            Some("MOS is a special project, not a region")
        } else {
            None
        }
    }
}

/// An entry of IAM's project list that is not a project this crate can
/// address: no id or name, or an id that is not one. A sweep cannot check
/// it, so it must say so rather than pass over it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MalformedProject {
    /// The entry's id as IAM gave it (text from a server: escape it before
    /// printing), when it has one.
    pub id: Option<String>,
    /// Its name as IAM gave it, when it has one.
    pub name: Option<String>,
    /// False when IAM lists it disabled (a sweep leaves it out anyway).
    pub enabled: bool,
    /// What is wrong with it.
    pub reason: String,
}

/// IAM's project list: the projects, and the entries that are not usable
/// as one (each listed, never dropped).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProjectList {
    /// The projects, in IAM's order.
    pub projects: Vec<Project>,
    /// The entries that are not usable as a project.
    pub malformed: Vec<MalformedProject>,
}

/// The account behind a set of credentials, for work across its projects
/// and regions: [`Account::projects`] lists them, [`Account::client`] makes
/// a [`Client`] for one. Made by [`ClientBuilder::build_account`], which
/// needs no project id or region.
///
/// ```
/// use hwcloud_ecs_fake::FakeGateway;
/// use hwcloud_ecs::{Bulk, ClientBuilder, Credentials, ServerFilter};
///
/// let creds = Credentials::new("AK", "SK")?;
/// let gateway = FakeGateway::builder(creds.clone(), "0123456789abcdef0123456789abcdef")
///     .windows_server("w1", "ciphertext").start()?;
/// let url = gateway.endpoint().to_owned();
/// let account = ClientBuilder::from_env_with(move |name| match name {
///     "HUAWEICLOUD_SDK_IAM_ENDPOINT" => Some(url.clone()),
///     "HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4" => Some(url.clone()),
///     _ => None,
/// })?
/// .credentials(creds)
/// .build_account()?;
/// let mut targets = Vec::new();
/// let listed = account.projects()?;
/// assert!(listed.malformed.is_empty());
/// for project in listed.projects.iter().filter(|p| p.skipped().is_none()) {
///     let client = account.client(project)?;
///     for server in client.list_servers_matching(&ServerFilter::windows())? {
///         targets.push((client.clone(), server.id));
///     }
/// }
/// let audit = Bulk::audit().workers(16);
/// let results = audit.run(&targets, |_, _, _| {});
/// assert_eq!(audit.kind(&results[0]), hwcloud_ecs::ResultKind::Stored);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Account {
    /// The builder the account was made from, credentials resolved: each
    /// project's client is rendered from it.
    builder: ClientBuilder,
    caller: Caller,
    iam: Endpoint,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("access_key", &self.caller.credentials.peek().access_key())
            .field("iam", &self.iam.url())
            .finish()
    }
}

impl ClientBuilder {
    /// Builds the [`Account`] behind the credentials, for work across every
    /// project and region: no project id or region is needed. IAM is asked
    /// at `HUAWEICLOUD_SDK_IAM_ENDPOINT` (for a builder from
    /// [`Self::from_env`]), else at the region's IAM endpoint when a region
    /// is set, else at the global `https://iam.myhuaweicloud.com`. Only the
    /// ECS metadata step (temporary credentials) may send anything.
    ///
    /// # Errors
    /// As [`Self::build`], without the project id and endpoint ones.
    pub fn build_account(mut self) -> Result<Account, Error> {
        let tls = self.check_given()?.tls;
        let session = self
            .discovery
            .take()
            .map(crate::config::discovery::Discovery::start);
        let credentials = self.resolve_credentials(session.as_ref())?;
        let override_url = self
            .lookup
            .as_ref()
            .and_then(|l| l.get(crate::config::env::IAM_ENDPOINT));
        let iam = match (override_url, &self.region) {
            (Some(url), _) => crate::config::iam::iam_endpoint(Some(&url), "")?,
            (None, Some(region)) => crate::config::iam::iam_endpoint(None, region)?,
            (None, None) => Endpoint::parse(GLOBAL_IAM)?,
        };
        self.transport.plain_http = iam.url().starts_with("http://");
        let caller = Caller::new(&self, credentials, tls)?;
        Ok(Account {
            builder: self,
            caller,
            iam,
        })
    }
}

impl Account {
    /// The IAM endpoint the projects are listed at.
    pub fn iam_endpoint(&self) -> &Endpoint {
        &self.iam
    }

    /// Every project the credentials can see: a signed
    /// `GET /v3/auth/projects` at [`Self::iam_endpoint`]. Disabled projects
    /// and `MOS` are listed too; [`Project::skipped`] says which a sweep
    /// leaves out. An entry without a usable id or name is listed apart
    /// ([`ProjectList::malformed`]): it fails that project, not the list.
    ///
    /// # Errors
    /// As [`Client::send`], plus [`Error::InvalidResponse`] for an answer
    /// that is not a list of projects, or lists more than 10,000.
    pub fn projects(&self) -> Result<ProjectList, Error> {
        let listing = Prepared {
            method: "GET",
            endpoint: &self.iam,
            target: "/v3/auth/projects".to_owned(),
            headers: &[("Content-Type", "application/json")],
            body: &[],
            success_limit: MAX_SUCCESS_BODY,
        };
        let response = self.caller.call(&listing, OnThrottle::Wait)?;
        parse_projects(&response.json()?).map_err(|reason| response.invalid(reason))
    }

    /// A client for `project`, at its region's ECS endpoint (found as
    /// [`ClientBuilder::region`] says), sending its own project id. It
    /// shares this account's connection pool, credentials and clock, and
    /// the rate governor of every other client of the same endpoint.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] or [`Error::Config`] when the project's
    /// region has no ECS endpoint (not in the table, the environment or
    /// the regions file).
    pub fn client(&self, project: &Project) -> Result<Client, Error> {
        let (endpoint, origin) =
            regions::ecs_endpoint(&project.region, self.builder.lookup.as_ref())?;
        let mut builder = self.builder.clone();
        let listed_at = Origin::Iam(format!("{}/v3/auth/projects", self.iam.url()));
        builder.project_id = Some(project.id.as_str().to_owned());
        builder.origins.project_id = Some(listed_at.clone());
        builder.region = Some(project.region.clone());
        builder.origins.region = Some(listed_at);
        let caller = self.caller.for_endpoint(&endpoint);
        log::debug!(
            "project {} ({}) at {} ({origin})",
            project.id,
            project.name,
            endpoint.url()
        );
        Ok(Client {
            inner: Arc::new(Inner {
                caller,
                project_id: project.id.clone(),
                endpoint,
                region: Some(project.region.clone()),
                api: builder.api,
                #[cfg(feature = "explain")]
                explained: Box::new(builder),
            }),
        })
    }
}

impl Caller {
    /// This caller for another endpoint: the same pool, credentials, limits
    /// and clock, with that endpoint's governor (made on first use).
    fn for_endpoint(&self, endpoint: &Endpoint) -> Caller {
        let governor = Arc::clone(
            crate::lock(&self.governors)
                .entry(endpoint.url().to_owned())
                .or_insert_with(|| Arc::new(super::pace::Pace::new(self.max_rate))),
        );
        Caller {
            governor,
            ..self.clone()
        }
    }
}

/// The projects of an IAM `auth/projects` answer, and the entries that are
/// not usable as one.
fn parse_projects(json: &Value) -> Result<ProjectList, String> {
    let items = json
        .get("projects")
        .and_then(Value::as_array)
        .ok_or("the IAM answer has no projects list")?;
    if items.len() > MAX_PROJECTS {
        return Err(format!("IAM lists more than {MAX_PROJECTS} projects"));
    }
    let mut list = ProjectList::default();
    for item in items {
        let text = |key: &str| item.get(key).and_then(Value::as_str);
        // Absent means enabled, as IAM lists only live projects.
        let enabled = item.get("enabled").and_then(Value::as_bool).unwrap_or(true);
        let malformed = |reason: String| MalformedProject {
            id: text("id").map(str::to_owned),
            name: text("name").map(str::to_owned),
            enabled,
            reason,
        };
        let (Some(id), Some(name)) = (text("id"), text("name")) else {
            list.malformed
                .push(malformed("an entry without an id or a name".to_owned()));
            continue;
        };
        match ProjectId::new(id) {
            Ok(id) => list.projects.push(Project {
                id,
                name: name.to_owned(),
                region: name.split('_').next().unwrap_or(name).to_owned(),
                enabled,
            }),
            Err(e) => list.malformed.push(malformed(e.to_string())),
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_their_regions_and_what_is_skipped() {
        let json = serde_json::json!({"projects": [
            {"id": "0123456789abcdef0123456789abcdef", "name": "cn-north-4", "enabled": true},
            {"id": "1123456789abcdef0123456789abcdef", "name": "cn-north-4_dev_x", "enabled": true},
            {"id": "2123456789abcdef0123456789abcdef", "name": "MOS", "enabled": true},
            {"id": "3123456789abcdef0123456789abcdef", "name": "eu-west-0", "enabled": false},
            {"id": "4123456789abcdef0123456789abcdef", "name": "ap-southeast-1"},
        ]});
        let projects = parse_projects(&json).unwrap().projects;
        let seen: Vec<(&str, Option<&str>)> = projects
            .iter()
            .map(|p| (p.region.as_str(), p.skipped()))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("cn-north-4", None),
                ("cn-north-4", None),
                ("MOS", Some("MOS is a special project, not a region")),
                ("eu-west-0", Some("the project is disabled")),
                ("ap-southeast-1", None),
            ]
        );
        assert_eq!(projects[1].name, "cn-north-4_dev_x");
        // 10,000 projects are read; one more is refused.
        let many = |n: usize| {
            let list: Vec<serde_json::Value> = (0..n)
                .map(|i| serde_json::json!({"id": format!("{i:032}"), "name": "cn-north-4"}))
                .collect();
            serde_json::json!({ "projects": list })
        };
        assert_eq!(
            parse_projects(&many(MAX_PROJECTS)).unwrap().projects.len(),
            MAX_PROJECTS
        );
        assert!(parse_projects(&many(MAX_PROJECTS + 1)).is_err());
        assert!(parse_projects(&serde_json::json!({})).is_err());
    }

    #[test]
    fn a_malformed_entry_is_listed_apart_and_the_others_still_read() {
        // IAM's documentation truncates ids with `...`; an entry may lack a name.
        let json = serde_json::json!({"projects": [
            {"id": "06f1cbbaf280106b2f14c00313a9...", "name": "cn-north-1", "enabled": true},
            {"id": "0123456789abcdef0123456789abcdef", "name": "cn-north-4"},
            {"name": "eu-west-0", "enabled": false},
            {"id": "a/b"},
        ]});
        let list = parse_projects(&json).unwrap();
        assert_eq!(list.projects.len(), 1);
        assert_eq!(list.projects[0].name, "cn-north-4");
        let seen: Vec<(Option<&str>, Option<&str>, bool)> = list
            .malformed
            .iter()
            .map(|m| (m.id.as_deref(), m.name.as_deref(), m.enabled))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    Some("06f1cbbaf280106b2f14c00313a9..."),
                    Some("cn-north-1"),
                    true
                ),
                (None, Some("eu-west-0"), false),
                (Some("a/b"), None, true),
            ]
        );
        assert!(
            list.malformed[0].reason.contains("project id"),
            "{:?}",
            list.malformed[0]
        );
        assert!(list.malformed[2].reason.contains("without an id or a name"));
    }
}
