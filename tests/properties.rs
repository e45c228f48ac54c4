//! Hostile input, by property: any string given as an id, header value or
//! query parameter either becomes a typed error before anything is sent, or
//! reaches the gateway exactly as intended with a valid signature. Nothing
//! panics.
#![cfg(feature = "fake-gateway")]

use hwcloud_ecs::fake::{FakeGateway, RecordedRequest, Verdict};
use hwcloud_ecs::sign::{self, canonical_uri, encode};
use hwcloud_ecs::{ApiRequest, Client, Credentials, Error, RetryPolicy};
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
                // Unknown to the gateway, but signed and routed exactly.
                prop_assert!(other.as_ref().is_err_and(Error::is_not_found), "{:?}", other);
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
        let _ = sign::parse_authorization(&text);
        let _ = hwcloud_ecs::error_body::parse_error_body(text.as_bytes());
    }
}
