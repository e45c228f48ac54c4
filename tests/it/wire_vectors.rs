//! Client-level wire vectors: every request shape the client sends,
//! signed by the official Huawei Cloud Python SDK (`sign/tests/data/client-wire.json`,
//! checked by `scripts/official-vectors.sh`, at a fixed time and host). The
//! real `Client`, with its signing clock fixed to that time, sends each one to
//! a fake gateway on that host, and what arrives must carry the official
//! `Authorization` byte for byte.
//!
//! The fake gateway verifies with this crate's own canonicalization, so a
//! signer bug could sign and verify alike there; these vectors cannot: they
//! come from the official signer.
use std::time::SystemTime;

use hwcloud_ecs::sign::SdkDate;
#[cfg(feature = "list")]
use hwcloud_ecs::ServerFilter;
use hwcloud_ecs::{ApiRequest, ApiVersion, Client, Credentials};
use hwcloud_ecs_fake::{FakeGateway, RecordedRequest, Verdict};
use serde_json::Value;

/// An unusual loopback address, so that a fixed port is free.
const ADDR: &str = "127.83.29.17:18443";

fn vectors() -> Vec<Value> {
    let text = include_str!("../../sign/tests/data/client-wire.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

fn text<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .fold(v, |v, key| &v[*key])
        .as_str()
        .unwrap_or_else(|| panic!("{path:?} in {v}"))
}

#[test]
// The test plays the gateway, which reads its own clock.
#[allow(clippy::disallowed_methods)]
fn the_client_sends_what_the_official_signer_signs() {
    let vectors = vectors();
    let first = &vectors[0]["input"];
    let (ak, sk) = (text(first, &["ak"]), text(first, &["sk"]));
    let project = text(first, &["project_id"]);
    let date = text(first, &["headers", "X-Sdk-Date"]);
    let at = SdkDate::parse(date).unwrap().to_system_time();
    // The gateway's clock is set to the vectors' time, so it accepts them.
    let offset = hwcloud_ecs_offset(at);
    let mut builder =
        FakeGateway::builder(Credentials::new(ak, sk).unwrap(), project).clock_offset(offset);
    for i in 0..1500 {
        builder = builder.server(format!("srv-{i:04}"), "");
    }
    let server = "8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00";
    let gateway = builder.server(server, "Q0lQSEVS").start_on(ADDR).unwrap();

    let client = |api: ApiVersion, token: Option<&str>| {
        let mut creds = Credentials::new(ak, sk).unwrap();
        if let Some(token) = token {
            creds = creds.with_security_token(token).unwrap();
        }
        Client::builder()
            .credentials(creds)
            .project_id(project)
            .endpoint(format!("http://{ADDR}"))
            .api(api)
            .fixed_signing_time_for_tests(at)
            .build()
            .unwrap()
    };

    let mut checked = 0;
    #[allow(unused_mut)] // Only the listing's vectors are skipped, without `list`.
    let mut skipped = 0;
    for vector in &vectors {
        let name = text(vector, &["name"]);
        let input = &vector["input"];
        let token = input["security_token"].as_str();
        let api = if name.starts_with("v1") {
            ApiVersion::V1
        } else {
            ApiVersion::V2_1
        };
        let before = gateway.requests().len();
        let client = client(api, token);
        match name.trim_end_matches("-token") {
            "v2.1-delete" | "v1-delete" => drop(client.clear_password(server).unwrap()),
            "v2.1-get" | "v1-get" => drop(client.get_password(server).unwrap()),
            #[cfg(not(feature = "list"))]
            "listing-page-2" | "listing-filtered" => {
                // The listing is the `list` feature's.
                skipped += 1;
                continue;
            }
            #[cfg(feature = "list")]
            "listing-page-2" => assert_eq!(client.list_servers().unwrap().len(), 1501),
            // Filter values with reserved and non-ASCII characters, signed
            // and sent byte-identical to the official signer's.
            #[cfg(feature = "list")]
            "listing-filtered" => {
                let filter = ServerFilter::windows()
                    .name("web 1+ü&x=y")
                    .status("ACTIVE")
                    .tag("env", "a b=c&d/é");
                assert!(client.list_servers_matching(&filter).unwrap().is_empty());
            }
            "generic-post-json" => {
                let url = text(input, &["url"]);
                let path = url.trim_start_matches(&format!("http://{ADDR}"));
                let body: Value = serde_json::from_str(text(input, &["body"])).unwrap();
                let request = ApiRequest::new("POST", path)
                    .header("X-Custom", "value")
                    .json_body(&body);
                // No such route on the fake: it verifies, then answers APIGW.0101.
                let err = client.send(&request).unwrap_err();
                assert_eq!(err.api().unwrap().status, 404, "{name}: {err}");
            }
            other => panic!("no driver for vector {other}"),
        }
        let sent: Vec<RecordedRequest> = gateway.requests().split_off(before);
        let seen = sent.last().unwrap();
        let expected = &vector["expected"];
        assert_eq!(seen.verdict, Verdict::Accepted, "{name}");
        assert_eq!(
            seen.header("authorization"),
            Some(text(expected, &["authorization"])),
            "{name}: the Authorization differs from the official signer's\nofficial canonical request:\n{}",
            text(expected, &["canonical_request"])
        );
        let url = text(expected, &["sent_url"]);
        assert_eq!(
            format!("http://{ADDR}{}", seen.target),
            url,
            "{name}: the path and query on the wire"
        );
        assert_eq!(seen.header("x-sdk-date"), Some(date), "{name}");
        checked += 1;
    }
    assert_eq!(checked + skipped, 11);
    assert!(cfg!(not(feature = "list")) || skipped == 0);
}

/// Seconds from now to `at`: the fake gateway's clock offset.
#[allow(clippy::disallowed_methods)]
fn hwcloud_ecs_offset(at: SystemTime) -> i64 {
    match at.duration_since(SystemTime::now()) {
        Ok(ahead) => ahead.as_secs() as i64,
        Err(behind) => -(behind.duration().as_secs() as i64),
    }
}
