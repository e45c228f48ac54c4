//! Parsing of every error body shape the gateway, ECS and Nova use.
//!
//! | shape | example |
//! |---|---|
//! | gateway | `{"error_code":"APIGW.0301","error_msg":"…","request_id":"…"}` |
//! | ECS v1 | `{"error":{"code":"Ecs.0114","message":"…"}}` |
//! | Nova | `{"itemNotFound":{"message":"…","code":404}}` (the fault name becomes the code) |
//! | camelCase | `{"errorCode":"…","errorMsg":"…"}` |
//! | anything else | kept as a bounded snippet |

use serde_json::{Map, Value};

/// Longest snippet of an unrecognised body kept in an error, in characters.
pub(crate) const SNIPPET_CHARS: usize = 512;

/// What an error body said.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ErrorBody {
    /// Service error code.
    pub code: Option<String>,
    /// Service error message.
    pub message: Option<String>,
    /// Request id given in the body.
    pub request_id: Option<String>,
    /// The start of the body when no known shape matched (`None` for an empty body).
    pub snippet: Option<String>,
}

/// Reads an error body of any known shape; never fails.
pub(crate) fn parse_error_body(body: &[u8]) -> ErrorBody {
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        if let Some(parsed) = parse_object(&map) {
            return parsed;
        }
    }
    ErrorBody {
        snippet: snippet(body),
        ..ErrorBody::default()
    }
}

/// The start of `body` as lossy text, at most [`SNIPPET_CHARS`] characters
/// with the `…` that marks a cut, or `None` when it is empty or only
/// whitespace.
pub(crate) fn snippet(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.chars().count() <= SNIPPET_CHARS {
        return Some(text.to_owned());
    }
    let mut cut: String = text.chars().take(SNIPPET_CHARS - 1).collect();
    cut.push('…');
    Some(cut)
}

fn text(map: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match map.get(*k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn parse_object(map: &Map<String, Value>) -> Option<ErrorBody> {
    let request_id = text(map, &["request_id", "requestId"]);
    // Gateway and camelCase shapes: flat fields.
    let code = text(map, &["error_code", "errorCode"]);
    let message = text(map, &["error_msg", "errorMsg", "error_message"]);
    if code.is_some() || message.is_some() {
        return Some(ErrorBody {
            code,
            message,
            request_id,
            snippet: None,
        });
    }
    // ECS v1 shape: {"error": {...}} with code/message or error_code/error_msg.
    // Keystone's (IAM) has a numeric code, the status again, and a `title`
    // that names the error: the title is the code then.
    if let Some(Value::Object(inner)) = map.get("error") {
        let code = match (inner.get("code"), inner.get("title")) {
            (Some(Value::Number(_)), Some(Value::String(title))) => Some(title.clone()),
            _ => text(inner, &["code", "error_code"]),
        };
        return Some(ErrorBody {
            code,
            message: text(inner, &["message", "error_msg"]),
            request_id: request_id.or_else(|| text(inner, &["request_id"])),
            snippet: None,
        });
    }
    // Nova shape: a single fault object whose name is the meaningful code.
    if map.len() == 1 {
        let (fault, inner) = map.iter().next()?;
        let inner = inner.as_object()?;
        if inner.contains_key("message") {
            let code = match inner.get("code") {
                Some(Value::String(s)) => s.clone(),
                _ => fault.clone(),
            };
            return Some(ErrorBody {
                code: Some(code),
                message: text(inner, &["message"]),
                request_id,
                snippet: None,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(body: &str) -> ErrorBody {
        parse_error_body(body.as_bytes())
    }

    #[test]
    fn gateway_shape() {
        let b = parsed(
            r#"{"error_code":"APIGW.0301","error_msg":"verify aksk signature fail","request_id":"r1"}"#,
        );
        assert_eq!(b.code.as_deref(), Some("APIGW.0301"));
        assert_eq!(b.message.as_deref(), Some("verify aksk signature fail"));
        assert_eq!(b.request_id.as_deref(), Some("r1"));
    }

    #[test]
    fn ecs_v1_shape() {
        let b =
            parsed(r#"{"error":{"code":"Ecs.0114","message":"Instance[x] could not be found."}}"#);
        assert_eq!(b.code.as_deref(), Some("Ecs.0114"));
        assert_eq!(
            b.message.as_deref(),
            Some("Instance[x] could not be found.")
        );
    }

    #[test]
    fn keystone_shape_names_its_title_not_the_status_again() {
        // IAM's keystone-style answer, as its documentation shows it.
        let b = parsed(
            "{\n  \"error\" : {\n    \"message\" : \"Authentication failed\",\n    \"code\" : 401,\n    \"title\" : \"Unauthorized\"\n  }\n}",
        );
        assert_eq!(b.code.as_deref(), Some("Unauthorized"));
        assert_eq!(b.message.as_deref(), Some("Authentication failed"));
        let shown = crate::ApiError::from_body(401, b"{\"error\":{\"code\":401,\"message\":\"Authentication failed\",\"title\":\"Unauthorized\"}}").to_string();
        assert_eq!(shown, "HTTP 401 Unauthorized: Authentication failed");
        // A numeric code without a title stays the code.
        let b = parsed(r#"{"error":{"code":400,"message":"bad"}}"#);
        assert_eq!(b.code.as_deref(), Some("400"));
    }

    #[test]
    fn nova_shape_with_integer_code() {
        let b =
            parsed(r#"{"itemNotFound":{"message":"Instance x could not be found.","code":404}}"#);
        assert_eq!(b.code.as_deref(), Some("itemNotFound"));
        assert_eq!(b.message.as_deref(), Some("Instance x could not be found."));
    }

    #[test]
    fn a_numeric_code_a_message_alone_and_a_nova_string_code_are_read() {
        let b = parsed(r#"{"error_code":1234,"error_msg":"numeric"}"#);
        assert_eq!(b.code.as_deref(), Some("1234"));
        let b = parsed(r#"{"error_msg":"only a message","request_id":"r9"}"#);
        assert_eq!(b.code, None);
        assert_eq!(b.message.as_deref(), Some("only a message"));
        assert_eq!(b.request_id.as_deref(), Some("r9"));
        let b = parsed(r#"{"badRequest":{"message":"m","code":"Ecs.0001"}}"#);
        assert_eq!(b.code.as_deref(), Some("Ecs.0001"));
    }

    #[test]
    fn camel_case_shape() {
        let b = parsed(r#"{"errorCode":"IAM.0001","errorMsg":"bad","requestId":"r2"}"#);
        assert_eq!(b.code.as_deref(), Some("IAM.0001"));
        assert_eq!(b.message.as_deref(), Some("bad"));
        assert_eq!(b.request_id.as_deref(), Some("r2"));
    }

    #[test]
    fn non_json_and_empty_bodies_keep_a_bounded_snippet() {
        assert_eq!(parsed(""), ErrorBody::default());
        let html = parsed("<html><body>502 Bad Gateway</body></html>");
        assert_eq!(html.code, None);
        assert_eq!(
            html.snippet.as_deref(),
            Some("<html><body>502 Bad Gateway</body></html>")
        );
        let huge = "x".repeat(100_000);
        let cut = parsed(&huge).snippet.unwrap();
        assert_eq!(cut.chars().count(), SNIPPET_CHARS);
        assert!(cut.ends_with('…'));
        let exact = "y".repeat(SNIPPET_CHARS);
        assert_eq!(parsed(&exact).snippet.as_deref(), Some(exact.as_str()));
        assert_eq!(
            parsed(r#"{"unrelated":true}"#).snippet.as_deref(),
            Some(r#"{"unrelated":true}"#)
        );
        assert!(parsed("{\"error_code\": \"trunc").snippet.is_some());
    }
}
