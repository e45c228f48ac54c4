//! Signs a few `http::Request`s with `sign_http_request`, now, and prints
//! them as a vector file (each request as sent, with the `Authorization` it
//! got), so that the official signer can say whether it would have signed
//! each the same (CONTRIBUTING.md):
//!
//! `cargo run -p hwcloud-sign --features http --example oracle_captures > captures.json`
//! `target/python-signer/bin/python scripts/official_vectors.py captures.json`

use std::time::SystemTime;

use hwcloud_sign::{sign_http_request, Credentials};
use serde_json::{json, Value};

const AK: &str = "AKORACLECAPTURE00000";
const SK: &str = "SKoracleCaptureSecretNOTREAL000000000000";

fn capture(
    mut request: http::Request<Vec<u8>>,
    creds: &Credentials,
) -> Result<Value, Box<dyn std::error::Error>> {
    let body = request.body().clone();
    // Signed now: the verifier re-signs with the captured X-Sdk-Date.
    #[allow(clippy::disallowed_methods)]
    let now = SystemTime::now();
    sign_http_request(&mut request, &body, creds, now)?;
    let mut headers = serde_json::Map::new();
    let mut authorization = String::new();
    for (name, value) in request.headers() {
        let value = value.to_str()?.to_owned();
        if name == http::header::AUTHORIZATION {
            authorization = value;
        } else {
            headers.insert(name.as_str().to_owned(), Value::String(value));
        }
    }
    Ok(json!({
        "input": {
            "ak": AK, "sk": SK,
            "method": request.method().as_str(),
            "url": request.uri().to_string(),
            "headers": headers,
            "body": String::from_utf8(body)?,
        },
        "expected": { "authorization": authorization },
    }))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = "https://ecs.cn-north-4.myhuaweicloud.com";
    let project = "0123456789abcdef0123456789abcdef";
    let permanent = Credentials::new(AK, SK)?;
    let temporary = Credentials::new(AK, SK)?.with_security_token("TOKENoracleCapture")?;
    let requests = [
        (
            http::Request::delete(format!(
                "{host}/v2.1/{project}/servers/8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00/os-server-password"
            ))
            .header("Content-Type", "application/json")
            .header("X-Project-Id", project)
            .body(Vec::new())?,
            &permanent,
        ),
        (
            http::Request::get(format!(
                "{host}/v1/{project}/cloudservers/detail?limit=1000&name=web%2A%20%C3%A9&tags=env%3Da%20b"
            ))
            .header("Content-Type", "application/json")
            .body(Vec::new())?,
            &temporary,
        ),
        (
            http::Request::post(format!("{host}:8443/v1/{project}/cloudservers/s1/metadata"))
                .header("Content-Type", "application/json;charset=utf8")
                .header("X-Custom", "  spaced  value ")
                .body(br#"{"metadata":{"k":"v"}}"#.to_vec())?,
            &temporary,
        ),
    ];
    let mut vectors = Vec::new();
    for (index, (request, creds)) in requests.into_iter().enumerate() {
        let mut vector = capture(request, creds)?;
        vector["name"] = json!(format!("capture-{index}"));
        vectors.push(vector);
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({ "vectors": vectors }))?
    );
    Ok(())
}
