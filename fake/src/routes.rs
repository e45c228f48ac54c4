//! The fake gateway's routes and answer bodies, as pure functions of the
//! request and the stored servers.

use serde_json::json;

use super::fleet::Fleet;
use crate::FakeServer;

/// An answer to send: status and JSON body (`None` for no body).
#[derive(Debug, PartialEq)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Option<String>,
}

impl Answer {
    fn json(status: u16, body: serde_json::Value) -> Self {
        Answer {
            status,
            body: Some(body.to_string()),
        }
    }
}

/// 401 for a request whose signature the gateway refuses.
pub(crate) fn signature_failure(why: &str, request_id: &str) -> Answer {
    Answer::json(
        401,
        json!({
            "error_code": "APIGW.0301",
            "error_msg": format!("Incorrect IAM authentication information: verify aksk signature fail, {why}"),
            "request_id": request_id,
        }),
    )
}

/// The gateway's JSON error body for an injected status.
pub(crate) fn gateway_error_body(status: u16) -> String {
    // APIGW.0308 is the gateway's throttling code; other injected statuses
    // carry a code that says plainly it is the fake's.
    let (code, message) = match status {
        429 => (
            "APIGW.0308".to_owned(),
            "The throttling threshold has been reached",
        ),
        other => (
            format!("FAKE.{other}"),
            "Failure injected by the fake gateway",
        ),
    };
    json!({"error_code": code, "error_msg": message, "request_id": "fault"}).to_string()
}

/// 404 for a path no API is published on.
pub(crate) fn unknown_route(request_id: &str) -> Answer {
    Answer::json(
        404,
        json!({
            "error_code": "APIGW.0101",
            "error_msg": "The API does not exist or has not been published in the environment",
            "request_id": request_id,
        }),
    )
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Flavour {
    Nova,
    Native,
}

/// Whether this is IAM's project listing, `GET /v3/projects?...`.
pub(crate) fn is_iam_projects(method: &str, target: &str) -> bool {
    method == "GET" && target.split_once('?').map_or(target, |(p, _)| p) == "/v3/projects"
}

/// IAM's answer to `GET /v3/projects?name={name}`: each of `ids`, named
/// as asked.
pub(crate) fn iam_projects(target: &str, ids: &[String]) -> Answer {
    let name = target
        .split_once('?')
        .map_or("", |(_, q)| q)
        .split('&')
        .find_map(|pair| pair.strip_prefix("name="))
        .unwrap_or_default();
    let projects: Vec<_> = ids
        .iter()
        .map(|id| json!({"id": id, "name": name, "domain_id": "fake-domain", "enabled": true}))
        .collect();
    Answer::json(
        200,
        json!({"projects": projects, "links": {"self": format!("https://iam.example{target}")}}),
    )
}

/// Whether this is IAM's listing of the caller's projects, `GET /v3/auth/projects`.
pub(crate) fn is_iam_auth_projects(method: &str, target: &str) -> bool {
    method == "GET" && target.split_once('?').map_or(target, |(p, _)| p) == "/v3/auth/projects"
}

/// IAM's answer to `GET /v3/auth/projects`: the account's projects.
pub(crate) fn iam_auth_projects(projects: &[(String, String, bool)]) -> Answer {
    let projects: Vec<_> = projects
        .iter()
        .map(|(id, name, enabled)| {
            json!({"id": id, "name": name, "enabled": enabled, "domain_id": "fake-domain", "is_domain": false})
        })
        .collect();
    Answer::json(
        200,
        json!({"projects": projects, "links": {"self": "https://iam.example/v3/auth/projects"}}),
    )
}

/// 403 for a project the caller has no permission in.
fn forbidden(request_id: &str) -> Answer {
    Answer::json(
        403,
        json!({
            "error_code": "APIGW.0302",
            "error_msg": "The IAM user is forbidden in the currently selected project",
            "request_id": request_id,
        }),
    )
}

/// Routes a verified request against the fleet; `project_id` is the
/// gateway's own project.
pub(crate) fn route(
    method: &str,
    target: &str,
    project_id: &str,
    fleet: &mut Fleet,
    request_id: &str,
) -> Answer {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segments: Vec<&str> = path.split('/').collect();
    let served = |p: &str| p == project_id || fleet.projects.iter().any(|q| q == p);
    let (flavour, project, server_id) = match segments.as_slice() {
        ["", "v1", p, "cloudservers", "detail"] if served(p) && method == "GET" => {
            if fleet.forbidden.iter().any(|f| f == p) {
                return forbidden(request_id);
            }
            let own = (*p != project_id).then_some(*p);
            return list(fleet, own, query);
        }
        ["", "v2.1", p, "servers", s, "os-server-password"] if served(p) => (Flavour::Nova, *p, *s),
        ["", "v1", p, "cloudservers", s, "os-server-password"] if served(p) => {
            (Flavour::Native, *p, *s)
        }
        _ => return unknown_route(request_id),
    };
    if fleet.forbidden.iter().any(|f| f == project) {
        return forbidden(request_id);
    }
    let own = (project != project_id).then_some(project);
    if fleet
        .get(server_id)
        .is_none_or(|s| s.project.as_deref() != own)
    {
        return not_found(flavour, server_id);
    }
    if fleet.is_broken(server_id) {
        return Answer::json(
            500,
            serde_json::from_str(&gateway_error_body(500)).unwrap_or_default(),
        );
    }
    match method {
        "GET" => Answer::json(
            200,
            json!({ "password": fleet.visible_password(server_id) }),
        ),
        "DELETE" => {
            fleet.clear(server_id);
            Answer {
                status: 204,
                body: None,
            }
        }
        _ => unknown_route(request_id),
    }
}

/// `GET /v1/{project_id}/cloudservers/detail?limit=L&marker=ID` (or
/// `&offset=P`, a page number starting at 1), with the filters `name`,
/// `status`, `tags` and `enterprise_project_id`, as in ECS: `count` is the
/// number of servers the filters keep. `project` is `None` for the
/// gateway's own project.
fn list(fleet: &Fleet, project: Option<&str>, query: &str) -> Answer {
    let pairs = hwcloud_sign::rules::parse_query(query);
    let text = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let number = |name: &str| text(name).and_then(|v| v.parse::<usize>().ok());
    let limit = number("limit")
        .unwrap_or(25)
        .clamp(1, fleet.page_cap.unwrap_or(1000).min(1000));
    let filters: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "name" | "status" | "tags" | "enterprise_project_id"
            )
        })
        .cloned()
        .collect();
    let kept: Vec<&FakeServer> = fleet
        .all()
        .filter(|s| s.project.as_deref() == project && s.matches_listing(&filters))
        .collect();
    let marker = text("marker").filter(|_| !fleet.ignores_marker);
    let from = match &marker {
        // After the marker's server; an unknown marker lists nothing.
        Some(id) => kept
            .iter()
            .position(|s| s.id == *id)
            .map_or(kept.len(), |at| at + 1),
        None if fleet.ignores_offset => 0,
        None => (number("offset").unwrap_or(1).max(1) - 1).saturating_mul(limit),
    };
    let count = fleet.claimed_count.unwrap_or(kept.len() as u64);
    let servers: Vec<serde_json::Value> = kept
        .iter()
        .skip(from)
        .take(limit)
        .map(|s| {
            json!({
                "id": s.id,
                "name": s.name,
                "status": s.status,
                "metadata": {"os_type": s.os_type},
                "tags": s.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
                "enterprise_project_id": s.enterprise_project_id,
            })
        })
        .collect();
    Answer::json(200, json!({"count": count, "servers": servers}))
}

fn not_found(flavour: Flavour, server_id: &str) -> Answer {
    match flavour {
        Flavour::Nova => Answer::json(
            404,
            json!({"itemNotFound": {"message": format!("Instance {server_id} could not be found."), "code": 404}}),
        ),
        Flavour::Native => Answer::json(
            404,
            json!({"error": {"message": format!("Instance[{server_id}] could not be found."), "code": "Ecs.0114"}}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet() -> Fleet {
        let mut fleet = Fleet::default();
        fleet.add(FakeServer::windows("s1", "CIPHER"));
        fleet.add(FakeServer::linux("s2"));
        fleet.add(FakeServer::windows("s3", ""));
        fleet
    }

    #[test]
    fn routes_both_flavours_and_rejects_other_projects() {
        let mut fleet = fleet();
        let get = route(
            "GET",
            "/v2.1/p/servers/s1/os-server-password",
            "p",
            &mut fleet,
            "r",
        );
        assert_eq!(get.status, 200);
        assert_eq!(get.body.as_deref(), Some(r#"{"password":"CIPHER"}"#));
        let del = route(
            "DELETE",
            "/v1/p/cloudservers/s1/os-server-password",
            "p",
            &mut fleet,
            "r",
        );
        assert_eq!(del.status, 204);
        assert_eq!(fleet.visible_password("s1").as_deref(), Some(""));
        assert_eq!(
            route(
                "GET",
                "/v1/q/cloudservers/s1/os-server-password",
                "p",
                &mut fleet,
                "r"
            )
            .status,
            404
        );
        let missing = route(
            "GET",
            "/v1/p/cloudservers/zz/os-server-password",
            "p",
            &mut fleet,
            "r",
        );
        assert!(missing.body.unwrap().contains("Ecs.0114"));
        let nova = route(
            "GET",
            "/v2.1/p/servers/zz/os-server-password",
            "p",
            &mut fleet,
            "r",
        );
        assert!(nova.body.unwrap().contains("itemNotFound"));
    }

    #[test]
    fn lists_in_pages_numbered_from_one() {
        let mut fleet = fleet();
        let page = |q: &str, fleet: &mut Fleet| {
            let body = route(
                "GET",
                &format!("/v1/p/cloudservers/detail?{q}"),
                "p",
                fleet,
                "r",
            )
            .body
            .unwrap();
            serde_json::from_str::<serde_json::Value>(&body).unwrap()
        };
        let first = page("limit=2&offset=1", &mut fleet);
        assert_eq!(first["count"], 3);
        assert_eq!(first["servers"].as_array().unwrap().len(), 2);
        assert_eq!(first["servers"][1]["metadata"]["os_type"], "Linux");
        let second = page("limit=2&offset=2", &mut fleet);
        assert_eq!(second["servers"][0]["id"], "s3");
        assert!(page("limit=2&offset=3", &mut fleet)["servers"]
            .as_array()
            .unwrap()
            .is_empty());
    }
}
