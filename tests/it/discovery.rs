//! Region and project id discovery: `meta_data.json` from the fake metadata
//! service and the IAM project lookup served by the fake gateway, with the
//! precedence of each source. The environment is injected; nothing leaves
//! loopback.
use hwcloud_ecs::{Client, ClientBuilder, Credentials, Error};
use hwcloud_ecs_fake::{FakeGateway, FakeMetadata};

use crate::common;
use common::env;

const AK: &str = "AKDISCOVERY000000000";
const SK: &str = "SKdiscoverySecret000000000000000000000";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const OTHER: &str = "fedcba9876543210fedcba9876543210";
const SERVER: &str = "8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00";

/// Credentials in the environment, plus `more`.
fn account(more: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    let mut pairs = vec![
        ("HUAWEICLOUD_SDK_AK", AK.to_owned()),
        ("HUAWEICLOUD_SDK_SK", SK.to_owned()),
    ];
    pairs.extend(more);
    env(pairs)
}

/// A metadata service for an instance in `region` of `project`.
fn instance(region: &str, project: &str) -> FakeMetadata {
    FakeMetadata::builder()
        .region(region)
        .project_id(project)
        .start()
        .unwrap()
}

fn gateway(iam_projects: &[&str]) -> FakeGateway {
    FakeGateway::builder(Credentials::new(AK, SK).unwrap(), PROJECT)
        .server(SERVER, "")
        .iam_projects(iam_projects.iter().copied())
        .start()
        .unwrap()
}

fn setting(client: &Client, name: &str) -> (String, String) {
    let s = client
        .settings()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap();
    (s.value, s.origin.to_string())
}

fn iam_lookups(gateway: &FakeGateway) -> Vec<String> {
    gateway
        .requests()
        .into_iter()
        .filter(|r| r.target.starts_with("/v3/projects"))
        .map(|r| r.target)
        .collect()
}

#[test]
fn region_and_project_come_from_meta_data_json_inside_an_ecs() {
    let metadata = instance("ap-southeast-3", PROJECT);
    let client = ClientBuilder::from_env_with(account(vec![(
        "HWCLOUD_ECS_TEST_METADATA_URL",
        metadata.url().to_owned(),
    )]))
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(
        client.endpoint().url(),
        "https://ecs.ap-southeast-3.myhuaweicloud.com"
    );
    assert_eq!(client.project_id().as_str(), PROJECT);
    assert_eq!(
        setting(&client, "region"),
        (
            "ap-southeast-3".into(),
            "ECS metadata meta_data.json".into()
        )
    );
    assert_eq!(
        setting(&client, "project id").1,
        "ECS metadata meta_data.json"
    );
    // One answer serves both values; credentials came from the environment.
    let paths: Vec<_> = metadata.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/meta-data/latest/api/token",
            "/openstack/latest/meta_data.json"
        ]
    );
}

#[test]
fn the_environment_wins_over_meta_data_json() {
    let metadata = instance("ap-southeast-3", OTHER);
    let client = ClientBuilder::from_env_with(account(vec![
        ("HWCLOUD_ECS_TEST_METADATA_URL", metadata.url().to_owned()),
        ("HUAWEICLOUD_SDK_REGION", "cn-north-4".into()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT.into()),
    ]))
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(
        client.endpoint().url(),
        "https://ecs.cn-north-4.myhuaweicloud.com"
    );
    assert_eq!(client.project_id().as_str(), PROJECT);
    assert!(
        metadata.requests().is_empty(),
        "nothing was missing, so nothing was asked"
    );
}

#[test]
fn the_profile_files_project_wins_over_meta_data_json() {
    let metadata = instance("ap-southeast-3", OTHER);
    let dir = std::env::temp_dir().join(format!("hwcloud-ecs-discovery-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials");
    std::fs::write(&file, format!("[basic]\nproject_id = {PROJECT}\n")).unwrap();
    let client = ClientBuilder::from_env_with(account(vec![
        ("HWCLOUD_ECS_TEST_METADATA_URL", metadata.url().to_owned()),
        (
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            file.display().to_string(),
        ),
    ]))
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(client.project_id().as_str(), PROJECT);
    assert_eq!(
        setting(&client, "region").1,
        "ECS metadata meta_data.json",
        "the region still comes from the metadata"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn iam_names_the_one_project_and_the_answer_is_cached() {
    let gateway = gateway(&[PROJECT]);
    // A region of its own, so that no other test shares the cache entry.
    let lookup = || {
        account(vec![
            ("HUAWEICLOUD_SDK_REGION", "la-north-2".into()),
            (
                "HUAWEICLOUD_SDK_IAM_ENDPOINT",
                gateway.endpoint().to_owned(),
            ),
        ])
    };
    let build = || {
        ClientBuilder::from_env_with(lookup())
            .unwrap()
            .endpoint(gateway.endpoint())
            .build()
            .unwrap()
    };
    let client = build();
    assert_eq!(client.project_id().as_str(), PROJECT);
    let (_, origin) = setting(&client, "project id");
    assert!(
        origin.starts_with("IAM ") && origin.contains("/v3/projects?name=la-north-2"),
        "{origin}"
    );
    client.clear_password(SERVER).unwrap();

    let again = build();
    assert_eq!(again.project_id().as_str(), PROJECT);
    assert!(setting(&again, "project id").1.ends_with("(cached)"));
    assert_eq!(iam_lookups(&gateway), ["/v3/projects?name=la-north-2"]);

    let lookup_request = &gateway.requests()[0];
    assert_eq!(
        lookup_request.verdict,
        hwcloud_ecs_fake::Verdict::Accepted,
        "the lookup is signed"
    );
    assert!(
        lookup_request.header("x-project-id").is_none(),
        "no project id before it is known"
    );
}

#[test]
fn iam_without_a_project_of_that_name_is_an_error_saying_what_to_set() {
    let gateway = gateway(&[]);
    let err = ClientBuilder::from_env_with(account(vec![
        ("HUAWEICLOUD_SDK_REGION", "tr-west-1".into()),
        (
            "HUAWEICLOUD_SDK_IAM_ENDPOINT",
            gateway.endpoint().to_owned(),
        ),
    ]))
    .unwrap()
    .endpoint(gateway.endpoint())
    .build()
    .unwrap_err();
    let Error::ProjectLookup {
        region,
        found,
        request_id,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(region, "tr-west-1");
    assert!(found.is_empty());
    assert!(request_id.is_some());
    let text = err.to_string();
    assert!(text.contains("no project named \"tr-west-1\""), "{text}");
    assert!(text.contains("HUAWEICLOUD_SDK_PROJECT_ID"), "{text}");
    assert!(text.contains("ClientBuilder::project_id"), "{text}");
    assert!(
        !text.contains("--"),
        "no command-line flag in a library message: {text}"
    );
}

#[test]
fn iam_with_several_projects_of_that_name_lists_them_and_caches_nothing() {
    let gateway = gateway(&[PROJECT, OTHER]);
    let build = || {
        ClientBuilder::from_env_with(account(vec![
            ("HUAWEICLOUD_SDK_REGION", "sa-brazil-1".into()),
            (
                "HUAWEICLOUD_SDK_IAM_ENDPOINT",
                gateway.endpoint().to_owned(),
            ),
        ]))
        .unwrap()
        .endpoint(gateway.endpoint())
        .build()
        .unwrap_err()
    };
    let err = build();
    let text = err.to_string();
    assert!(text.contains("2 projects"), "{text}");
    assert!(text.contains(PROJECT) && text.contains(OTHER), "{text}");
    assert!(text.contains("request id"), "{text}");
    assert!(matches!(err, Error::ProjectLookup { .. }));
    build();
    assert_eq!(
        iam_lookups(&gateway).len(),
        2,
        "an unclear answer is not cached"
    );
}

#[test]
fn meta_data_json_wins_over_iam_and_iam_is_asked_when_it_has_no_project() {
    let gateway = gateway(&[PROJECT]);
    let with_project = instance("cn-south-4", OTHER);
    let vars = |metadata: &FakeMetadata| {
        account(vec![
            ("HWCLOUD_ECS_TEST_METADATA_URL", metadata.url().to_owned()),
            (
                "HUAWEICLOUD_SDK_IAM_ENDPOINT",
                gateway.endpoint().to_owned(),
            ),
        ])
    };
    let client = ClientBuilder::from_env_with(vars(&with_project))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(client.project_id().as_str(), OTHER);
    assert!(iam_lookups(&gateway).is_empty());

    let region_only = FakeMetadata::builder()
        .region("cn-southwest-3")
        .start()
        .unwrap();
    let client = ClientBuilder::from_env_with(vars(&region_only))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(client.project_id().as_str(), PROJECT);
    assert_eq!(iam_lookups(&gateway), ["/v3/projects?name=cn-southwest-3"]);
}

#[test]
fn temporary_credentials_from_the_metadata_sign_the_iam_lookup() {
    let metadata = FakeMetadata::builder().region("me-east-1").start().unwrap();
    let gateway = FakeGateway::builder(Credentials::new("AKNOBODY", "x").unwrap(), PROJECT)
        .server(SERVER, "")
        .accept_metadata_credentials(&metadata)
        .start()
        .unwrap();
    let client = ClientBuilder::from_env_with(env(vec![
        ("HWCLOUD_ECS_TEST_METADATA_URL", metadata.url().to_owned()),
        (
            "HUAWEICLOUD_SDK_IAM_ENDPOINT",
            gateway.endpoint().to_owned(),
        ),
    ]))
    .unwrap()
    .endpoint(gateway.endpoint())
    .build()
    .unwrap();
    assert_eq!(client.project_id().as_str(), PROJECT);
    client.clear_password(SERVER).unwrap();
    let requests = gateway.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(r.verdict, hwcloud_ecs_fake::Verdict::Accepted, "{r:?}");
        assert!(r.header("x-security-token").is_some());
    }
}

#[test]
fn without_any_source_the_error_says_what_was_tried_and_what_to_set() {
    let err = ClientBuilder::from_env_with(account(vec![(
        "HUAWEICLOUD_SDK_REGION",
        "cn-north-4".into(),
    )]))
    .unwrap()
    .build()
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    for part in [
        "looking it up in IAM at http://127.0.0.1:1 failed",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "tried the ECS metadata",
    ] {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }

    let err = ClientBuilder::from_env_with(account(vec![]))
        .unwrap()
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("HUAWEICLOUD_SDK_REGION"), "{text}");
    assert!(text.contains("tried the ECS metadata"), "{text}");
}

#[test]
fn a_builder_without_from_env_discovers_nothing() {
    // No metadata or IAM step: the missing project id is an error at once.
    let err = Client::builder()
        .credentials(Credentials::new(AK, SK).unwrap())
        .region("cn-north-4")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("no project id"), "{err}");
    assert!(err.to_string().contains("ClientBuilder::from_env"), "{err}");
}

#[test]
fn explicit_values_win_over_the_environment_and_the_metadata() {
    let metadata = instance("ap-southeast-3", OTHER);
    let client = ClientBuilder::from_env_with(account(vec![
        ("HWCLOUD_ECS_TEST_METADATA_URL", metadata.url().to_owned()),
        ("HUAWEICLOUD_SDK_REGION", "cn-north-4".into()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", OTHER.into()),
    ]))
    .unwrap()
    .region("af-south-1")
    .project_id(PROJECT)
    .build()
    .unwrap();
    assert_eq!(
        setting(&client, "region"),
        ("af-south-1".into(), "explicit".into())
    );
    assert_eq!(
        setting(&client, "project id"),
        (PROJECT.into(), "explicit".into())
    );
    assert!(metadata.requests().is_empty());
}
