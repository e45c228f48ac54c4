//! Hostile input, by property: any string given as an id, header value or
//! query parameter either becomes a typed error before anything is sent, or
//! reaches the gateway exactly as intended with a valid signature. Nothing
//! panics.
use std::time::{Duration, Instant, UNIX_EPOCH};

use hwcloud_ecs::{ApiRequest, Client, Credentials, Error, RetryPolicy};
use hwcloud_ecs_fake::{FakeGateway, Fault, RecordedRequest, Verdict};
use hwcloud_sign::rules::{self as sign, canonical_uri, encode};
use proptest::prelude::*;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn setup() -> (FakeGateway, Client) {
    let creds = Credentials::new("AKPROP", "SKprop").unwrap();
    let gateway = FakeGateway::builder(creds.clone(), PROJECT)
        .start()
        .unwrap();
    let client = Client::builder()
        .credentials(creds)
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    (gateway, client)
}

fn last(gateway: &FakeGateway) -> RecordedRequest {
    gateway
        .requests()
        .pop()
        .expect("a request reached the gateway")
}

/// Strings that mix the characters most likely to break a path or header.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9_-]{1,40}",
        proptest::collection::vec(
            prop_oneof![
                Just("/"),
                Just("?"),
                Just("#"),
                Just("%"),
                Just("%2F"),
                Just(".."),
                Just(" "),
                Just("\r\n"),
                Just("\t"),
                Just("é"),
                Just("名"),
                Just("+"),
                Just("="),
                Just("&"),
                Just("a"),
                Just("Z"),
                Just("0"),
                Just("-"),
                Just("_"),
                Just("~"),
                Just("\u{0}"),
            ],
            0..12
        )
        .prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn server_ids_are_rejected_or_reach_the_intended_path(id in hostile()) {
        let (gateway, client) = setup();
        match client.clear_password(&id) {
            Err(Error::InvalidInput { field: "server id", .. }) => {
                prop_assert!(gateway.requests().is_empty());
            }
            other => {
                // Only the documented character set gets through...
                prop_assert!(
                    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                    "accepted {:?}", id
                );
                // ...and it is unknown to the gateway, but signed and routed
                // exactly: Nova's itemNotFound, not the gateway's APIGW.0101.
                let err = other.as_ref().expect_err("an unknown server");
                prop_assert!(err.is_not_found(), "{:?}", err);
                prop_assert_eq!(err.api().and_then(|a| a.code.as_deref()), Some("itemNotFound"));
                let seen = last(&gateway);
                prop_assert_eq!(&seen.verdict, &Verdict::Accepted);
                prop_assert_eq!(seen.target, format!("/v2.1/{PROJECT}/servers/{id}/os-server-password"));
            }
        }
    }

    #[test]
    fn project_ids_are_rejected_or_reach_the_intended_path(project in hostile()) {
        let (gateway, _) = setup();
        let built = Client::builder()
            .credentials(Credentials::new("AKPROP", "SKprop").unwrap())
            .project_id(project.clone())
            .endpoint(gateway.endpoint())
            .retry(RetryPolicy::none())
            .build();
        match built {
            Err(Error::InvalidInput { field: "project id", .. }) => {}
            Ok(client) => {
                let _ = client.get_password("s1");
                let seen = last(&gateway);
                prop_assert_eq!(&seen.verdict, &Verdict::Accepted);
                prop_assert_eq!(&seen.target, &format!("/v2.1/{project}/servers/s1/os-server-password"));
                prop_assert_eq!(seen.header("x-project-id"), Some(project.as_str()));
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    #[test]
    fn header_values_are_rejected_or_signed_as_sent(value in hostile()) {
        let (gateway, client) = setup();
        let request = ApiRequest::new("GET", "/v1/probe").header("X-Probe", value.clone());
        match client.send(&request) {
            Err(Error::InvalidInput { field: "header value", .. }) => {
                prop_assert!(gateway.requests().is_empty());
            }
            _ => {
                let seen = last(&gateway);
                prop_assert_eq!(&seen.verdict, &Verdict::Accepted);
                prop_assert_eq!(seen.header("x-probe").map(str::trim), Some(value.trim()));
            }
        }
    }

    #[test]
    fn query_parameters_are_always_encoded_and_arrive_intact(
        pairs in proptest::collection::vec((hostile(), hostile()), 0..4)
    ) {
        let (gateway, client) = setup();
        let mut request = ApiRequest::new("GET", "/v1/probe");
        for (k, v) in &pairs {
            request = request.query(k.clone(), v.clone());
        }
        let _ = client.send(&request);
        let seen = last(&gateway);
        prop_assert_eq!(&seen.verdict, &Verdict::Accepted);
        let query = seen.target.split_once('?').map(|(_, q)| q).unwrap_or("");
        let mut received = sign::parse_query(query);
        let mut intended = pairs.clone();
        received.sort();
        intended.sort();
        prop_assert_eq!(received, intended);
    }

    #[test]
    fn canonicalization_never_panics_and_encoding_round_trips(text in any::<String>()) {
        let uri = canonical_uri(&text);
        prop_assert!(uri.ends_with('/'));
        prop_assert!(uri.is_ascii());
        let encoded = encode(&text);
        prop_assert_eq!(sign::decode(&encoded), text.as_str());
        let _ = hwcloud_ecs::sign::parse_authorization(&text);
        let parsed = hwcloud_ecs::ApiError::from_body(500, text.as_bytes());
        prop_assert!(parsed.snippet.map_or(0, |s| s.chars().count()) <= hwcloud_ecs::ApiError::MAX_SNIPPET_CHARS);
    }
}

/// `Retry-After` values: numbers of every size, dates of every year, junk.
fn retry_after() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        (0u64..5).prop_map(|n| n.to_string()),
        (0u64..253_402_300_799)
            .prop_map(|s| httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(s))),
        any::<String>(),
        Just("-1".to_owned()),
        Just("99999999999999999999999".to_owned()),
    ]
}

/// Gateway `Date` values from 1970 to 9999.
fn gateway_date() -> impl Strategy<Value = String> {
    (0u64..253_402_300_799)
        .prop_map(|s| httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(s)))
}

/// Header names that collide in case, with values of every kind.
fn header_set() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        Just("X-Probe"),
        Just("x-probe"),
        Just("X-PROBE"),
        Just("X-Other"),
        Just("x-other"),
        Just("X-Third"),
    ];
    proptest::collection::vec((name.prop_map(str::to_owned), "[ -~]{0,12}"), 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn hostile_retry_after_and_date_values_never_panic_or_move_the_clock_far(
        status in prop_oneof![Just(401u16), Just(429), Just(503)],
        after in retry_after(),
        date in gateway_date(),
    ) {
        let (gateway, _) = setup();
        let client = Client::builder()
            .credentials(Credentials::new("AKPROP", "SKprop").unwrap())
            .project_id(PROJECT)
            .endpoint(gateway.endpoint())
            .retry(RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(5)).with_deadline(Duration::from_secs(2)))
            .build()
            .unwrap();
        let body = if status == 401 {
            r#"{"error_code":"APIGW.0301","error_msg":"verify aksk signature fail, the signature expired"}"#
        } else {
            r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#
        };
        let mut headers = vec![("Date".to_owned(), date.clone())];
        if status != 401 {
            headers.push(("Retry-After".to_owned(), after.clone()));
        }
        gateway.fail_next(1, Fault::Answer { status, body: body.into(), headers });
        let started = Instant::now();
        let result = client.get_password("s1");
        prop_assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        if let Err(e) = &result {
            prop_assert!(e.api().is_some(), "{:?}", e);
        }
        prop_assert!(client.clock_offset_ms().unsigned_abs() <= 24 * 3600 * 1000, "{}", client.clock_offset_ms());
        prop_assert!(gateway.requests().len() <= 3);
    }

    #[test]
    fn any_header_set_is_signed_once_per_name_and_verifies(headers in header_set()) {
        let (gateway, client) = setup();
        let mut request = ApiRequest::new("GET", "/v1/probe");
        for (name, value) in &headers {
            request = request.header(name.clone(), value.clone());
        }
        let _ = client.send(&request);
        let seen = last(&gateway);
        prop_assert_eq!(&seen.verdict, &Verdict::Accepted);
        let auth = seen.header("authorization").unwrap_or_default();
        let signed = auth.split("SignedHeaders=").nth(1).unwrap_or_default().split(',').next().unwrap_or_default();
        let names: Vec<&str> = signed.split(';').collect();
        let mut unique = names.clone();
        unique.dedup();
        prop_assert_eq!(names.len(), unique.len(), "{}", signed);
        for (name, _) in &headers {
            let lower = name.to_ascii_lowercase();
            prop_assert!(names.contains(&lower.as_str()), "{} not in {}", lower, signed);
            let sent = seen.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).count();
            prop_assert_eq!(sent, 1);
        }
    }
}
