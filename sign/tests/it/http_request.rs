//! `sign_http_request` against the official signer: every request shape the
//! `hwcloud-ecs` client sends (`tests/data/client-wire.json`, signed by the
//! official Python SDK at a fixed time and host), built as an
//! `http::Request`, signed in place, must carry the official
//! `Authorization` byte for byte.

use std::time::SystemTime;

use hwcloud_sign::{sign_http_request, Credentials, SdkDate, UnsignableRequest};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let text = include_str!("../data/client-wire.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

/// The vector's request as an `http::Request`, its body, credentials and
/// signing time.
fn request_of(vector: &Value) -> (http::Request<Vec<u8>>, Credentials, SystemTime) {
    let input = &vector["input"];
    let expected = &vector["expected"];
    let mut creds = Credentials::new(text(input, "ak"), text(input, "sk")).unwrap();
    if let Some(token) = input["security_token"].as_str() {
        creds = creds.with_security_token(token).unwrap();
    }
    let mut builder = http::Request::builder()
        .method(text(input, "method"))
        .uri(text(expected, "sent_url"))
        .header("X-Project-Id", text(input, "project_id"));
    let mut at = None;
    for (name, value) in input["headers"].as_object().unwrap() {
        let value = value.as_str().unwrap();
        if name == "X-Sdk-Date" {
            at = Some(SdkDate::parse(value).unwrap().to_system_time());
        } else {
            builder = builder.header(name, value);
        }
    }
    let body = text(input, "body").as_bytes().to_vec();
    (builder.body(body).unwrap(), creds, at.unwrap())
}

#[test]
fn every_request_shape_is_signed_as_the_official_signer_signs_it() {
    let vectors = vectors();
    assert!(vectors.len() >= 11);
    for vector in &vectors {
        let name = text(vector, "name");
        let expected = &vector["expected"];
        let (mut request, creds, at) = request_of(vector);
        let body = request.body().clone();
        let output = sign_http_request(&mut request, &body, &creds, at).unwrap();
        assert_eq!(
            output.canonical_request(),
            text(expected, "canonical_request"),
            "{name}"
        );
        let headers = request.headers();
        assert_eq!(
            headers["authorization"],
            text(expected, "authorization"),
            "{name}"
        );
        assert_eq!(headers["x-sdk-date"], output.sdk_date().as_str(), "{name}");
        let authority = request.uri().authority().unwrap().as_str();
        assert_eq!(headers["host"], authority, "{name}");
        match vector["input"]["security_token"].as_str() {
            Some(token) => assert_eq!(headers["x-security-token"], token, "{name}"),
            None => assert!(!headers.contains_key("x-security-token"), "{name}"),
        }
    }
}

#[test]
fn a_request_signed_twice_replaces_what_the_first_signing_added() {
    let vector = &vectors()[0];
    let (mut request, creds, at) = request_of(vector);
    let later = at + std::time::Duration::from_secs(60);
    sign_http_request(&mut request, b"", &creds, later).unwrap();
    let again = sign_http_request(&mut request, b"", &creds, at).unwrap();
    assert_eq!(
        request.headers()["authorization"],
        text(&vector["expected"], "authorization")
    );
    assert_eq!(request.headers().get_all("x-sdk-date").iter().count(), 1);
    assert_eq!(request.headers().get_all("authorization").iter().count(), 1);
    assert_eq!(
        again.signed_headers(),
        "content-type;host;x-project-id;x-sdk-date"
    );
}

#[test]
fn what_an_earlier_signing_added_is_dropped_not_signed() {
    let temporary = Credentials::new("AK", "SK")
        .unwrap()
        .with_security_token("OLDTOKEN")
        .unwrap();
    let permanent = Credentials::new("AK", "SK").unwrap();
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_704_164_645);
    let mut request = http::Request::get("https://h.example/v1/p")
        .header("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD")
        .body(())
        .unwrap();
    sign_http_request(&mut request, b"", &temporary, at).unwrap();
    assert_eq!(request.headers()["x-security-token"], "OLDTOKEN");
    let signed = sign_http_request(&mut request, b"", &permanent, at).unwrap();
    assert_eq!(signed.signed_headers(), "host;x-sdk-date");
    let mut names: Vec<&str> = request.headers().keys().map(|n| n.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["authorization", "host", "x-sdk-date"]);
    assert_eq!(request.headers()["authorization"], signed.authorization());
}

#[test]
fn a_request_that_cannot_be_signed_is_refused_and_left_untouched() {
    let creds = Credentials::new("AK", "SK").unwrap();
    let at = SystemTime::UNIX_EPOCH;
    let refused = |mut request: http::Request<()>| -> UnsignableRequest {
        let before = request.headers().clone();
        let err = sign_http_request(&mut request, b"", &creds, at).unwrap_err();
        assert_eq!(request.headers(), &before, "{err}");
        err
    };
    let no_host = http::Request::get("/v1/p/cloudservers").body(()).unwrap();
    assert!(refused(no_host).reason.contains("no host"));
    let twice = http::Request::get("https://ecs.example/")
        .header("X-Custom", "a")
        .header("X-Custom", "b")
        .body(())
        .unwrap();
    let err = refused(twice);
    assert!(
        err.reason.contains("x-custom appears more than once"),
        "{err}"
    );
    let opaque = http::Request::get("https://ecs.example/")
        .header(
            "X-Custom",
            http::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
        )
        .body(())
        .unwrap();
    assert!(refused(opaque).to_string().contains("not visible ASCII"));
}

#[test]
fn the_host_comes_from_the_uri_without_user_information_or_from_the_request() {
    let creds = Credentials::new("AK", "SK").unwrap();
    let at = SystemTime::UNIX_EPOCH;
    let mut request = http::Request::get("https://user:pw@ecs.example:8443/a?b=c")
        .body(())
        .unwrap();
    let output = sign_http_request(&mut request, b"", &creds, at).unwrap();
    assert_eq!(request.headers()["host"], "ecs.example:8443");
    assert!(output
        .canonical_request()
        .contains("\nhost:ecs.example:8443\n"));
    assert!(output.canonical_request().starts_with("GET\n/a/\nb=c\n"));

    let mut proxied = http::Request::get("https://10.0.0.1/")
        .header("Host", "ecs.cn-north-4.myhuaweicloud.com")
        .body(())
        .unwrap();
    let output = sign_http_request(&mut proxied, b"", &creds, at).unwrap();
    assert!(output
        .canonical_request()
        .contains("\nhost:ecs.cn-north-4.myhuaweicloud.com\n"));
    assert_eq!(proxied.headers().get_all("host").iter().count(), 1);
}
