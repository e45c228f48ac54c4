//! The credential chain and the precedence of each source, with the
//! environment injected (no test touches the process environment).

use std::path::PathBuf;

use hwcloud_ecs::{ClientBuilder, CredentialChain, Credentials, Error, Origin};

/// The home directory's variable the official SDKs read on this platform.
const HOME: &str = if cfg!(windows) { "USERPROFILE" } else { "HOME" };

use crate::common;
use common::never_the_real_services;

const PROJECT_ENV: &str = "0123456789abcdef0123456789abcdef";
const PROJECT_FILE: &str = "fedcba9876543210fedcba9876543210";

struct Env(Vec<(&'static str, String)>);

impl Env {
    fn lookup(&self) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        let pairs = self.0.clone();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .or_else(|| never_the_real_services(name))
        }
    }
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hwcloud-ecs-chain-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("credentials");
    std::fs::write(&path, text).unwrap();
    path
}

fn profile(name: &str) -> PathBuf {
    temp_file(
        name,
        &format!("# written by a test\n[basic]\nak = AKFILE\nsk = s%k%file\nsecurity_token = TOKFILE\nproject_id = {PROJECT_FILE}\n"),
    )
}

#[test]
fn environment_wins_over_the_profile_file() {
    let file = profile("env-wins");
    let env = Env(vec![
        ("HUAWEICLOUD_SDK_AK", "AKENV".into()),
        ("HUAWEICLOUD_SDK_SK", "SKENV".into()),
        (
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            file.display().to_string(),
        ),
    ]);
    let (creds, source) = Credentials::from_chain_with(env.lookup()).unwrap();
    assert_eq!(creds.access_key(), "AKENV");
    assert!(!creds.has_security_token());
    assert_eq!(
        source,
        Origin::Environment("HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK".into())
    );
}

#[test]
fn the_profile_file_is_used_when_the_environment_has_nothing() {
    let file = profile("file-used");
    let env = Env(vec![(
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
        file.display().to_string(),
    )]);
    let (creds, source) = Credentials::from_chain_with(env.lookup()).unwrap();
    assert_eq!(creds.access_key(), "AKFILE");
    assert!(creds.has_security_token());
    assert_eq!(source, Origin::CredentialsFile(file.clone()));

    // The project id follows: environment, then the file.
    let client = ClientBuilder::from_env_with(env.lookup())
        .unwrap()
        .region("cn-north-4")
        .build()
        .unwrap();
    assert_eq!(client.project_id().as_str(), PROJECT_FILE);
    let with_env_project = Env(vec![
        (
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            file.display().to_string(),
        ),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT_ENV.into()),
    ]);
    let client = ClientBuilder::from_env_with(with_env_project.lookup())
        .unwrap()
        .region("cn-north-4")
        .build()
        .unwrap();
    assert_eq!(client.project_id().as_str(), PROJECT_ENV);
    // And an explicit value beats both.
    let client = ClientBuilder::from_env_with(env.lookup())
        .unwrap()
        .project_id("00000000000000000000000000000000")
        .credentials(Credentials::new("AKEXPLICIT", "SK").unwrap())
        .region("cn-north-4")
        .build()
        .unwrap();
    assert_eq!(
        client.project_id().as_str(),
        "00000000000000000000000000000000"
    );
    assert!(format!("{client:?}").contains("AKEXPLICIT"));
}

#[test]
fn the_default_file_is_under_home() {
    let file = profile("home");
    let home = file.parent().unwrap().join("home");
    std::fs::create_dir_all(home.join(".huaweicloud")).unwrap();
    std::fs::copy(&file, home.join(".huaweicloud").join("credentials")).unwrap();
    let env = Env(vec![(HOME, home.display().to_string())]);
    let (creds, _) = Credentials::from_chain_with(env.lookup()).unwrap();
    assert_eq!(creds.access_key(), "AKFILE");
}

#[test]
fn half_set_credentials_name_what_is_missing() {
    let env = Env(vec![("HUAWEICLOUD_SDK_SK", "SK".into())]);
    let err = Credentials::from_chain_with(env.lookup())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is not"),
        "{err}"
    );
    let file = temp_file("half", "[basic]\nak = AKONLY\n");
    let env = Env(vec![(
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
        file.display().to_string(),
    )]);
    let err = Credentials::from_chain_with(env.lookup())
        .unwrap_err()
        .to_string();
    assert!(err.contains("has ak but no sk"), "{err}");
}

#[test]
fn nothing_found_lists_what_was_tried() {
    let env = Env(vec![(
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
        "/nonexistent/creds".into(),
    )]);
    let err = Credentials::from_chain_with(env.lookup()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Config(_)));
    assert!(
        text.contains("environment (HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are not set)"),
        "{text}"
    );
    assert!(
        text.contains("credentials file /nonexistent/creds (not found)"),
        "{text}"
    );
    let build = ClientBuilder::from_env_with(env.lookup())
        .unwrap()
        .project_id(PROJECT_ENV)
        .region("cn-north-4")
        .build();
    assert!(build
        .unwrap_err()
        .to_string()
        .contains("tried: environment"));
}

#[test]
#[cfg_attr(windows, ignore = "makes a FIFO with mkfifo(1)")]
fn a_credentials_file_that_is_not_a_small_regular_file_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("hwcloud-ecs-chain-{}-odd", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("fifo");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let big = dir.join("big");
    std::fs::write(&big, vec![b'#'; 2 * 1024 * 1024]).unwrap();
    for (path, why) in [
        (fifo, "not a regular file"),
        (PathBuf::from("/dev/zero"), "not a regular file"),
        (dir.clone(), "not a regular file"),
        (big, "more than the 1048576"),
    ] {
        // AK/SK in the environment: the file is still read for the project id.
        let env = Env(vec![
            ("HUAWEICLOUD_SDK_AK", "AKENV".into()),
            ("HUAWEICLOUD_SDK_SK", "SKENV".into()),
            (
                "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
                path.display().to_string(),
            ),
        ]);
        let started = std::time::Instant::now();
        let err = ClientBuilder::from_env_with(env.lookup()).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        let shown = err.to_string();
        assert!(shown.contains(&path.display().to_string()), "{shown}");
        assert!(shown.contains(why), "{shown}");
    }
}

#[test]
fn a_credentials_file_nobody_named_cannot_fail_the_run_but_a_named_one_must_parse() {
    // Another tool's file in the default place: only a [default] section.
    let home = std::env::temp_dir().join(format!("hwcloud-ecs-chain-{}-home", std::process::id()));
    std::fs::create_dir_all(home.join(".huaweicloud")).unwrap();
    let other = home.join(".huaweicloud").join("credentials");
    std::fs::write(&other, "[default]\naws_access_key_id = X\n").unwrap();
    let env = Env(vec![
        ("HUAWEICLOUD_SDK_AK", "AKENV".into()),
        ("HUAWEICLOUD_SDK_SK", "SKENV".into()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT_ENV.into()),
        ("HUAWEICLOUD_SDK_REGION", "cn-north-4".into()),
        (HOME, home.display().to_string()),
    ]);
    let client = ClientBuilder::from_env_with(env.lookup())
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(client.project_id().as_str(), PROJECT_ENV);
    // Without credentials elsewhere, the error says the file was passed over and why.
    let only_home = Env(vec![(HOME, home.display().to_string())]);
    let err = Credentials::from_chain_with(only_home.lookup())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[basic]") && err.contains("passed over"),
        "{err}"
    );
    // Named explicitly, the same file is an error.
    let named = Env(vec![
        ("HUAWEICLOUD_SDK_AK", "AKENV".into()),
        ("HUAWEICLOUD_SDK_SK", "SKENV".into()),
        (
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            other.display().to_string(),
        ),
    ]);
    let err = ClientBuilder::from_env_with(named.lookup())
        .unwrap_err()
        .to_string();
    assert!(err.contains("[basic]"), "{err}");
    let _ = std::fs::remove_dir_all(&home);
}
