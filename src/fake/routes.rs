//! The fake gateway's routes and answer bodies, as pure functions of the
//! request and the stored servers.

use std::collections::HashMap;

use serde_json::json;

/// An answer to send: status and JSON body (`None` for no body).
#[derive(Debug, PartialEq)]
pub struct Answer {
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
pub fn signature_failure(why: &str, request_id: &str) -> Answer {
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
pub fn gateway_error_body(status: u16) -> String {
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
pub fn unknown_route(request_id: &str) -> Answer {
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

/// Routes a verified request. `servers` maps server id -> stored ciphertext
/// (empty once cleared).
pub fn route(
    method: &str,
    path: &str,
    project_id: &str,
    servers: &mut HashMap<String, String>,
    request_id: &str,
) -> Answer {
    let segments: Vec<&str> = path.split('/').collect();
    let (flavour, server_id) = match segments.as_slice() {
        ["", "v2.1", p, "servers", s, "os-server-password"] if *p == project_id => {
            (Flavour::Nova, *s)
        }
        ["", "v1", p, "cloudservers", s, "os-server-password"] if *p == project_id => {
            (Flavour::Native, *s)
        }
        _ => return unknown_route(request_id),
    };
    let Some(stored) = servers.get_mut(server_id) else {
        return not_found(flavour, server_id);
    };
    match method {
        "GET" => Answer::json(200, json!({ "password": stored })),
        "DELETE" => {
            stored.clear();
            Answer {
                status: 204,
                body: None,
            }
        }
        _ => unknown_route(request_id),
    }
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

    #[test]
    fn routes_both_flavours_and_rejects_other_projects() {
        let mut servers = HashMap::from([("s1".to_string(), "CIPHER".to_string())]);
        let get = route(
            "GET",
            "/v2.1/p/servers/s1/os-server-password",
            "p",
            &mut servers,
            "r",
        );
        assert_eq!(get.status, 200);
        assert_eq!(get.body.as_deref(), Some(r#"{"password":"CIPHER"}"#));
        let del = route(
            "DELETE",
            "/v1/p/cloudservers/s1/os-server-password",
            "p",
            &mut servers,
            "r",
        );
        assert_eq!(del.status, 204);
        assert_eq!(servers["s1"], "");
        assert_eq!(
            route(
                "GET",
                "/v1/q/cloudservers/s1/os-server-password",
                "p",
                &mut servers,
                "r"
            )
            .status,
            404
        );
        let missing = route(
            "GET",
            "/v1/p/cloudservers/zz/os-server-password",
            "p",
            &mut servers,
            "r",
        );
        assert!(missing.body.unwrap().contains("Ecs.0114"));
        let nova = route(
            "GET",
            "/v2.1/p/servers/zz/os-server-password",
            "p",
            &mut servers,
            "r",
        );
        assert!(nova.body.unwrap().contains("itemNotFound"));
    }
}
