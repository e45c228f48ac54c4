//! The client against the bundled fake gateway, which verifies every
//! signature exactly as the real gateway does.
use hwcloud_ecs::{ApiRequest, ApiVersion, Client, ClientBuilder, Credentials, Error};
use hwcloud_ecs_fake::{FakeGateway, Verdict};

use crate::common;

const AK: &str = "AKTESTEXAMPLE0000000";
const SK: &str = "SKtestSecretKeyNOTREAL0000000000000000000";
const TOKEN: &str = "TOKENtestSecurityTokenNOTREAL";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const SERVER: &str = "8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00";
const CIPHER: &str = "Q0lQSEVSVEVYVA==";

fn creds() -> Credentials {
    Credentials::new(AK, SK).unwrap()
}

fn gateway_for(credentials: Credentials) -> FakeGateway {
    FakeGateway::builder(credentials, PROJECT)
        .server(SERVER, CIPHER)
        .start()
        .unwrap()
}

fn client(gateway: &FakeGateway, credentials: Credentials, api: ApiVersion) -> Client {
    Client::builder()
        .credentials(credentials)
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
        .api(api)
        .build()
        .unwrap()
}

#[test]
fn clears_and_reads_the_password_on_both_apis() {
    for (api, path) in [
        (
            ApiVersion::V2_1,
            format!("/v2.1/{PROJECT}/servers/{SERVER}/os-server-password"),
        ),
        (
            ApiVersion::V1,
            format!("/v1/{PROJECT}/cloudservers/{SERVER}/os-server-password"),
        ),
    ] {
        let gateway = gateway_for(creds());
        let client = client(&gateway, creds(), api);

        let before = client.get_password(SERVER).unwrap();
        assert_eq!(before.ciphertext.as_deref(), Some(CIPHER));
        let cleared = client.clear_password(SERVER).unwrap();
        assert_eq!(cleared.status, 204);
        assert!(
            cleared.request_id.is_some(),
            "the gateway's X-Request-Id is kept"
        );
        assert_eq!(gateway.password(SERVER).as_deref(), Some(""));
        assert_eq!(client.get_password(SERVER).unwrap().ciphertext, None);

        let seen = gateway.requests();
        assert_eq!(seen.len(), 3);
        assert!(seen
            .iter()
            .all(|r| r.verdict == Verdict::Accepted && r.target == path));
        assert_eq!(seen[1].method, "DELETE");
    }
}

#[test]
fn sends_exactly_what_it_signed_including_a_non_default_port() {
    let gateway = gateway_for(creds());
    let client = client(&gateway, creds(), ApiVersion::V2_1);
    client.clear_password(SERVER).unwrap();
    let seen = &gateway.requests()[0];
    let authority = gateway.endpoint().trim_start_matches("http://");
    assert!(
        authority
            .rsplit(':')
            .next()
            .unwrap()
            .parse::<u16>()
            .unwrap()
            > 0
    );
    assert_eq!(seen.header("host"), Some(authority));
    assert_eq!(seen.header("x-project-id"), Some(PROJECT));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(
        seen.header("user-agent"),
        Some(concat!("hwcloud-ecs/", env!("CARGO_PKG_VERSION")))
    );
    let auth = seen.header("authorization").unwrap();
    assert!(
        auth.contains("SignedHeaders=content-type;host;x-project-id;x-sdk-date,"),
        "{auth}"
    );
    assert!(auth.starts_with(&format!("SDK-HMAC-SHA256 Access={AK}, ")));
}

#[test]
fn security_token_is_sent_and_signed() {
    let temporary = creds().with_security_token(TOKEN).unwrap();
    let gateway = gateway_for(temporary.clone());
    let client = client(&gateway, temporary, ApiVersion::V2_1);
    client.clear_password(SERVER).unwrap();
    let seen = &gateway.requests()[0];
    assert_eq!(seen.verdict, Verdict::Accepted);
    assert!(seen.header("x-security-token").is_some());
    assert!(seen
        .header("authorization")
        .unwrap()
        .contains("x-sdk-date;x-security-token,"));
}

#[test]
fn unknown_server_is_not_found_in_each_api_shape() {
    for (api, code) in [
        (ApiVersion::V2_1, "itemNotFound"),
        (ApiVersion::V1, "Ecs.0114"),
    ] {
        let gateway = gateway_for(creds());
        let err = client(&gateway, creds(), api)
            .clear_password("no-such-server")
            .unwrap_err();
        assert!(err.is_not_found(), "{err}");
        let api_error = err.api().unwrap();
        assert_eq!(api_error.code.as_deref(), Some(code));
        assert!(api_error
            .message
            .as_deref()
            .unwrap()
            .contains("no-such-server"));
        assert!(api_error.request_id.is_some());
    }
}

#[test]
fn wrong_secret_key_is_a_signature_failure_sent_once() {
    let gateway = gateway_for(creds());
    let wrong = Credentials::new(AK, "SKwrongSecret").unwrap();
    let err = client(&gateway, wrong, ApiVersion::V2_1)
        .clear_password(SERVER)
        .unwrap_err();
    let api_error = err.api().expect("an API error");
    assert_eq!(api_error.status, 401);
    assert_eq!(api_error.code.as_deref(), Some("APIGW.0301"));
    assert!(api_error.is_signature_failure());
    assert_eq!(gateway.requests().len(), 1);
    assert_eq!(
        gateway.password(SERVER).as_deref(),
        Some(CIPHER),
        "nothing was cleared"
    );
}

#[test]
fn invalid_input_is_rejected_before_anything_is_sent() {
    let gateway = gateway_for(creds());
    let client = client(&gateway, creds(), ApiVersion::V2_1);
    for bad in ["", "a/b", "..", "x?y", "x#y", "x%2F", "x y", "x\r\n"] {
        for result in [
            client.clear_password(bad).map(|_| ()),
            client.get_password(bad).map(|_| ()),
        ] {
            assert!(
                matches!(
                    result,
                    Err(Error::InvalidInput {
                        field: "server id",
                        ..
                    })
                ),
                "{bad:?}: {result:?}"
            );
        }
    }
    let bad_header = ApiRequest::new("GET", "/v1/x").header("X-Evil", "a\r\nb: c");
    assert!(matches!(
        client.send(&bad_header),
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        client.send(&ApiRequest::new("GET", "/v1/a b")),
        Err(Error::InvalidInput { field: "path", .. })
    ));
    assert!(
        gateway.requests().is_empty(),
        "nothing may reach the gateway"
    );

    let build = |project: &str, endpoint: &str| {
        Client::builder()
            .credentials(creds())
            .project_id(project)
            .endpoint(endpoint)
            .build()
    };
    assert!(matches!(
        build("../x", gateway.endpoint()),
        Err(Error::InvalidInput {
            field: "project id",
            ..
        })
    ));
    assert!(matches!(
        build(PROJECT, "http://ecs.example.com"),
        Err(Error::InvalidInput {
            field: "endpoint",
            ..
        })
    ));
    assert!(matches!(
        Client::builder()
            .project_id(PROJECT)
            .region("cn-north-4")
            .build(),
        Err(Error::Config(_))
    ));
}

#[test]
fn generic_requests_are_signed_the_same_way() {
    let gateway = gateway_for(creds());
    let client = client(&gateway, creds(), ApiVersion::V2_1);
    let request = ApiRequest::new("GET", format!("/v1/{PROJECT}/cloudservers/tags"))
        .query("offset", "1")
        .query("name", "a b/c")
        .header("X-Custom", "value");
    let err = client.send(&request).unwrap_err();
    // The fake gateway serves no tag API, but it verified the signature first.
    assert_eq!(err.api().unwrap().code.as_deref(), Some("APIGW.0101"));
    let seen = &gateway.requests()[0];
    assert_eq!(seen.verdict, Verdict::Accepted);
    assert_eq!(
        seen.target,
        format!("/v1/{PROJECT}/cloudservers/tags?name=a%20b%2Fc&offset=1")
    );
    assert!(seen.header("authorization").unwrap().contains(";x-custom;"));
}

#[test]
fn one_client_reuses_its_connection() {
    let gateway = gateway_for(creds());
    let client = client(&gateway, creds(), ApiVersion::V2_1);
    let clone = client.clone();
    for _ in 0..10 {
        client.get_password(SERVER).unwrap();
        clone.get_password(SERVER).unwrap();
    }
    assert_eq!(gateway.requests().len(), 20);
    assert_eq!(gateway.connections(), 1);
}

#[test]
fn environment_variables_configure_the_client() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
                .or_else(|| common::never_the_real_services(name))
        }
    };
    let client = ClientBuilder::from_env_with(vars(&[
        ("HUAWEICLOUD_SDK_AK", AK),
        ("HUAWEICLOUD_SDK_SK", SK),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
        ("HUAWEICLOUD_SDK_REGION", "ap-southeast-1"),
    ]))
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(
        client.endpoint().url(),
        "https://ecs.ap-southeast-1.myhuaweicloud.com"
    );
    assert_eq!(client.project_id().as_str(), PROJECT);

    let half = ClientBuilder::from_env_with(vars(&[("HUAWEICLOUD_SDK_AK", AK)])).unwrap_err();
    assert!(half.to_string().contains("HUAWEICLOUD_SDK_SK"), "{half}");
    let no_project = ClientBuilder::from_env_with(vars(&[
        ("HUAWEICLOUD_SDK_AK", AK),
        ("HUAWEICLOUD_SDK_SK", SK),
        ("HUAWEICLOUD_SDK_REGION", "cn-north-4"),
    ]))
    .unwrap()
    .build()
    .unwrap_err();
    assert!(
        no_project
            .to_string()
            .contains("HUAWEICLOUD_SDK_PROJECT_ID"),
        "{no_project}"
    );
}

#[test]
// The test signs by hand, at the real time, as a client would.
#[allow(clippy::disallowed_methods)]
fn the_gateway_keeps_a_plain_http_1_1_connection_alive_for_other_clients() {
    use hwcloud_ecs::sign::{self, SignableRequest};
    use std::io::{Read, Write};
    use std::time::SystemTime;

    let gateway = gateway_for(creds());
    let authority = gateway.endpoint().trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&authority).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let path = format!("/v1/{PROJECT}/cloudservers/{SERVER}/os-server-password");
    for method in ["GET", "DELETE"] {
        let signable =
            SignableRequest::new(method, &authority, &path).header("X-Project-Id", PROJECT);
        let signed = sign::sign(&signable, &creds(), SystemTime::now());
        let mut raw = format!("{method} {path} HTTP/1.1\r\nX-Project-Id: {PROJECT}\r\n");
        for (name, value) in signed.headers() {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        raw.push_str("\r\n");
        stream.write_all(raw.as_bytes()).unwrap();
        // Read one whole response: the head, then Content-Length bytes.
        let mut got = Vec::new();
        let mut byte = [0u8; 1];
        while !got.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            got.push(byte[0]);
        }
        let head = String::from_utf8(got).unwrap();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .map_or(0, |n| n.trim().parse::<usize>().unwrap());
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).unwrap();
        let expected = if method == "GET" {
            "HTTP/1.1 200 "
        } else {
            "HTTP/1.1 204 "
        };
        assert!(head.starts_with(expected), "{head}");
        assert!(!head.contains("Connection: close"), "{head}");
    }
    assert_eq!(gateway.connections(), 1, "both requests on one connection");
    assert_eq!(gateway.password(SERVER).as_deref(), Some(""));
}

#[test]
fn a_header_given_twice_is_signed_once_and_accepted() {
    let gateway = gateway_for(creds());
    let client = client(&gateway, creds(), ApiVersion::V2_1);
    let request = ApiRequest::new(
        "GET",
        format!("/v2.1/{PROJECT}/servers/{SERVER}/os-server-password"),
    )
    .header("X-Custom", "first")
    .header("x-custom", "second");
    client.send(&request).unwrap();
    let seen = &gateway.requests()[0];
    assert_eq!(seen.verdict, Verdict::Accepted);
    let custom: Vec<_> = seen
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("x-custom"))
        .collect();
    assert_eq!(custom.len(), 1, "{custom:?}");
    assert_eq!(custom[0].1, "second");
    let auth = seen.header("authorization").unwrap();
    assert_eq!(auth.matches("x-custom").count(), 1, "{auth}");
}

#[test]
fn an_empty_post_or_put_goes_with_a_zero_length_not_chunked() {
    let gateway = gateway_for(creds());
    let client = client(&gateway, creds(), ApiVersion::V2_1);
    for method in ["POST", "PUT"] {
        // An unknown route: the gateway answers 404 APIGW.0101 after verifying.
        let err = client
            .send(&ApiRequest::new(
                method,
                format!("/v2.1/{PROJECT}/os-nothing"),
            ))
            .unwrap_err();
        assert_eq!(err.api().unwrap().code.as_deref(), Some("APIGW.0101"));
    }
    for seen in gateway.requests() {
        assert_eq!(seen.verdict, Verdict::Accepted, "{seen:?}");
        assert_eq!(seen.header("content-length"), Some("0"), "{seen:?}");
        assert_eq!(seen.header("transfer-encoding"), None, "{seen:?}");
    }
    assert_eq!(gateway.requests().len(), 2);
}

#[test]
fn a_refused_signature_is_diagnosed_against_the_gateways_canonical_request() {
    let with_token = || creds().with_security_token(TOKEN).unwrap();
    let gateway = gateway_for(with_token());
    // Only the secret key differs: the canonical requests agree.
    let wrong = Credentials::new(AK, "SKwrongwrongwrong")
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap();
    let err = client(&gateway, wrong, ApiVersion::V2_1)
        .clear_password(SERVER)
        .unwrap_err();
    let api = err.api().unwrap();
    let diagnosis = api.diagnosis.as_deref().unwrap();
    assert!(diagnosis.contains("same as ours"), "{diagnosis}");
    assert!(
        !format!("{err} {diagnosis}").contains(TOKEN),
        "the token leaked"
    );
    assert!(api
        .message
        .as_deref()
        .unwrap()
        .contains("canonicalRequest:"));

    // A proxy that rewrites a signed header: the diagnosis names it.
    let request = ApiRequest::new(
        "GET",
        format!("/v2.1/{PROJECT}/servers/{SERVER}/os-server-password"),
    )
    .header("X-Custom", "sent");
    let client = client(&gateway, with_token(), ApiVersion::V2_1);
    gateway.rewrite_header("x-custom", "rewritten");
    let err = client.send(&request).unwrap_err();
    let diagnosis = err.api().unwrap().diagnosis.clone().unwrap();
    assert!(diagnosis.contains("a header line"), "{diagnosis}");
    assert!(
        diagnosis.contains("x-custom:sent") && diagnosis.contains("x-custom:rewritten"),
        "{diagnosis}"
    );
}
