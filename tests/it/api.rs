//! The public API as a script author meets it: errors matched without
//! digging into boxes, typed ids accepted wherever a string is, JSON bodies
//! without a dependency of one's own, headers of an answer.

use hwcloud_ecs::serde_json::json;
use hwcloud_ecs::{ApiRequest, Client, Credentials, Origin, ServerId};
use hwcloud_ecs_fake::FakeGateway;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn a_script_needs_no_more_than_the_crate() {
    let creds = Credentials::new("AKAPI", "SKapi").unwrap();
    let gateway = FakeGateway::builder(creds.clone(), PROJECT)
        .server("srv-1", "Q0lQSEVS")
        .start()
        .unwrap();
    let client = Client::builder()
        .credentials(creds)
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
        .build()
        .unwrap();

    let id = ServerId::new("srv-1").unwrap();
    assert_eq!(
        client.get_password(&id).unwrap().ciphertext.as_deref(),
        Some("Q0lQSEVS")
    );
    client.clear_password(&id).unwrap();
    client.clear_password(String::from("srv-1")).unwrap();

    let err = client.clear_password("ghost").unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("itemNotFound"));
    assert!(err.request_id().is_some());
    assert!(err.is_not_found());

    let answer = client
        .send(
            &ApiRequest::new("GET", format!("/v1/{PROJECT}/cloudservers/detail"))
                .query("limit", "1"),
        )
        .unwrap();
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("X-Request-Id"), answer.request_id.as_deref());
    assert!(answer.headers().any(|(name, _)| name == "date"));

    let err = client
        .send(
            &ApiRequest::new("POST", format!("/v1/{PROJECT}/cloudservers/action"))
                .json_body(&json!({"os-stop": {}})),
        )
        .unwrap_err();
    assert_eq!(err.code(), Some("APIGW.0101"));
    assert!(
        !err.is_not_found(),
        "APIGW.0101 is a wrong route, not a missing server"
    );

    let shown = format!("{client:?}");
    assert!(
        shown.contains("AKAPI") && shown.contains("fixed"),
        "{shown}"
    );
    assert!(
        !shown.contains("Fixed(") && !shown.contains("SKapi"),
        "{shown}"
    );
    #[cfg(feature = "explain")]
    {
        let settings = client.settings();
        let api = settings.iter().find(|s| s.key == "api").unwrap();
        assert_eq!(api.origin, Origin::Default);
        assert_eq!(api.to_string(), "api: v2.1 (default)");
        // The keys are the `config --json` schema: stable, whatever the labels say.
        let keys: Vec<&str> = settings.iter().map(|s| s.key).collect();
        assert_eq!(
            keys,
            [
                "access_key",
                "secret_key",
                "security_token",
                "project_id",
                "region",
                "endpoint",
                "api",
                "proxy",
                "ca_roots",
                "tls_verification",
                "connect_timeout",
                "attempt_timeout",
                "retry",
                "max_rate",
            ]
        );
    }
}
