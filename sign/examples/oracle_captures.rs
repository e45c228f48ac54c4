//! Signs a few `http::Request`s with `sign_http_request`, now, and prints
//! them as the official signer's verifier reads captures, so that it can
//! say whether each `Authorization` is what it would have signed:
//!
//! `cargo run -p hwcloud-sign --features http --example oracle_captures |
//!  python shared/tools/sign_oracle.py verify`
//!
//! (the verifier needs the official `huaweicloudsdkcore`; see that script.)

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
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| Ok((n.as_str().to_owned(), v.to_str()?.to_owned())))
        .collect::<Result<_, http::header::ToStrError>>()?;
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    Ok(json!({
        "ak": AK, "sk": SK,
        "method": request.method().as_str(),
        "path": path,
        "headers": headers,
        "body": String::from_utf8(body)?,
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
    let captures = requests
        .into_iter()
        .map(|(request, creds)| capture(request, creds))
        .collect::<Result<Vec<_>, _>>()?;
    println!("{}", serde_json::to_string_pretty(&captures)?);
    Ok(())
}
