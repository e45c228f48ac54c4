//! The `hwcloud-ecs` binary: commands, output, exit codes, and secrets.
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use hwcloud_ecs::{Client, Credentials};
use hwcloud_ecs_fake::{FakeGateway, FakeMetadata, FakeServer};

use crate::common;
use common::{bin, json_lines, NOTHING_LISTENS};

const AK: &str = "AKCLITEST00000000000";
const SK: &str = "SKcliCanarySecretValue0000000000000000";
const TOKEN: &str = "TOKENcliCanaryValue";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn with_account(mut cmd: Command) -> Command {
    cmd.env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT);
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("binary runs");
    let (out, err) = (
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    );
    for secret in [
        SK,
        TOKEN,
        "SKdemoSecretKeyNeverPrinted",
        "DEMOsecurityTokenNeverPrinted",
    ] {
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "a secret leaked:\n{out}\n{err}"
        );
    }
    (status.code().expect("exit code"), out, err)
}

fn gateway() -> FakeGateway {
    let creds = Credentials::new(AK, SK)
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap();
    FakeGateway::builder(creds, PROJECT)
        .server("srv-1", "Q0lQSEVS")
        .server("srv-2", "Q0lQSEVS")
        .start()
        .unwrap()
}

#[test]
fn demo_runs_without_an_account() {
    let (code, out, _) = run(bin().arg("demo"));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("gateway: signature accepted; answered 204"),
        "{out}"
    );
    assert!(out.contains("password: (none stored)"), "{out}");
    assert!(out.contains("signature refused"), "{out}");
    assert!(out.contains("x-security-token: <redacted>"), "{out}");
}

#[test]
fn clear_and_show_succeed_with_exit_zero() {
    let gateway = gateway();
    let (code, out, _) =
        run(with_account(bin()).args(["show-password", "srv-1", "--endpoint", gateway.endpoint()]));
    assert_eq!((code, out.trim()), (0, "srv-1  Q0lQSEVS"));
    let (code, out, _) = run(with_account(bin()).args([
        "clear-password",
        "srv-1",
        "srv-2",
        "--api",
        "v1",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("cleared")).count(),
        2,
        "{out}"
    );
    assert_eq!(gateway.password("srv-2").as_deref(), Some(""));
    let deletes: Vec<_> = gateway
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 2);
    assert!(deletes.iter().all(|r| r.target.starts_with("/v1/")));
}

#[test]
fn a_failed_server_gives_exit_one_and_a_json_report() {
    let gateway = gateway();
    let (code, out, err) = run(with_account(bin()).args([
        "clear-password",
        "srv-1",
        "ghost",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 1);
    assert!(out.contains("not found     ghost"), "{out}");
    assert!(
        err.contains("summary: cleared 1, not found 1, failed 0, not attempted 0 (of 2)"),
        "{err}"
    );

    let (code, out, _) = run(with_account(bin()).args([
        "clear-password",
        "ghost",
        "srv-2",
        "--json",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 1);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3, "{out}");
    let by_id = |id: &str| {
        lines
            .iter()
            .find(|l| l["type"] == "result" && l["id"] == id)
            .unwrap()
            .clone()
    };
    let ghost = by_id("ghost");
    assert_eq!(ghost["schema"], 1);
    assert_eq!(ghost["command"], "clear-password");
    assert_eq!(ghost["outcome"], "not_found");
    assert_eq!(ghost["status"], 404);
    assert_eq!(ghost["code"], "itemNotFound");
    assert!(ghost["message"].as_str().unwrap().contains("ghost"));
    assert!(ghost["request_id"].is_string());
    assert_eq!(ghost["name"], serde_json::Value::Null);
    let cleared = by_id("srv-2");
    assert_eq!(cleared["outcome"], "cleared");
    assert_eq!(cleared["status"], 204);
    assert_eq!(cleared["code"], serde_json::Value::Null);
    let summary = &lines[2];
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["total"], 2);
    assert_eq!(summary["cleared"], 1);
    assert_eq!(summary["not_found"], 1);
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["not_attempted"], 0);
    assert_eq!(summary["interrupted"], false);
}

/// Each line of `out` as JSON: JSON Lines.
#[test]
fn wrong_credentials_fail_with_exit_one() {
    let gateway = gateway();
    let (code, out, _) = run(with_account(bin())
        .env("HUAWEICLOUD_SDK_SK", "SKwrong")
        .args(["clear-password", "srv-1", "--endpoint", gateway.endpoint()]));
    assert_eq!(code, 1);
    assert!(out.contains("APIGW.0301"), "{out}");
}

#[test]
fn usage_and_configuration_errors_exit_two_before_sending() {
    let gateway = gateway();
    let endpoint = gateway.endpoint();
    for args in [
        vec!["clear-password"],
        vec!["clear-password", "a/b", "--endpoint", endpoint],
        vec![
            "clear-password",
            "srv-1",
            "--api",
            "v3",
            "--endpoint",
            endpoint,
        ],
        vec!["clear-password", "srv-1", "--sk", "x"],
        vec![
            "clear-password",
            "srv-1",
            "--endpoint",
            "http://ecs.example.com",
        ],
        vec!["no-such-command"],
    ] {
        let (code, _, err) = run(with_account(bin()).args(&args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
    let (code, _, err) = run(bin().args(["clear-password", "srv-1", "--endpoint", endpoint]));
    assert_eq!(code, 2);
    assert!(err.contains("HUAWEICLOUD_SDK_AK"), "{err}");
    assert!(gateway.requests().is_empty());
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["clear-password", "--help"],
        vec!["show-password", "-h"],
        vec!["demo", "--help"],
        vec!["config", "--help"],
        vec!["fake-gateway", "--help"],
    ] {
        let (code, out, _) = run(bin().args(&args));
        assert_eq!(code, 0, "{args:?}");
        assert!(
            out.starts_with("Usage:") || out.contains("\nUsage:"),
            "{args:?}: {out}"
        );
    }
}

#[test]
fn fake_gateway_command_serves_until_killed() {
    let mut child = with_account(bin())
        .args(["fake-gateway", "--servers", "alpha,beta"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut endpoint = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut endpoint)
        .unwrap();
    let endpoint = endpoint.trim().to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

    let client = Client::builder()
        .credentials(
            Credentials::new(AK, SK)
                .unwrap()
                .with_security_token(TOKEN)
                .unwrap(),
        )
        .project_id(PROJECT)
        .endpoint(&endpoint)
        .build()
        .unwrap();
    let result = client.clear_password("beta").map(|c| c.status);
    let missing = client.get_password("gamma").map(|_| ());
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(result.unwrap(), 204);
    assert!(missing.unwrap_err().is_not_found());
}

/// 200 servers: every 4th Linux, every 25th broken (500 on password calls).
fn fleet_gateway() -> FakeGateway {
    let creds = Credentials::new(AK, SK)
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap();
    let mut builder =
        FakeGateway::builder(creds, PROJECT).latency(std::time::Duration::from_millis(2));
    for i in 0..200 {
        let id = format!("srv-{i:03}");
        builder = builder.with_server(if i % 4 == 3 {
            FakeServer::linux(id)
        } else if i % 25 == 24 {
            FakeServer::windows(id, "Q0lQSEVS").broken()
        } else {
            FakeServer::windows(id, "Q0lQSEVS")
        });
    }
    builder.start().unwrap()
}

fn deletes(gateway: &FakeGateway) -> usize {
    gateway
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count()
}

#[test]
fn dry_run_lists_every_windows_server_and_sends_no_delete() {
    let gateway = fleet_gateway();
    let (code, out, err) = run(with_account(bin()).args([
        "clear-password",
        "--all-windows",
        "--dry-run",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 150, "{out}");
    assert!(out.lines().all(|l| l.starts_with("would clear srv-")));
    assert!(
        err.contains("150 server(s) would be cleared; nothing was sent"),
        "{err}"
    );
    let (code, out, _) = run(with_account(bin()).args([
        "clear-password",
        "--all-windows",
        "--dry-run",
        "--json",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 0);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 151);
    assert!(lines[..150]
        .iter()
        .all(|l| l["type"] == "result" && l["outcome"] == "would_clear" && l["name"].is_string()));
    assert_eq!(lines[150]["type"], "summary");
    assert_eq!(lines[150]["dry_run"], true);
    assert_eq!(lines[150]["total"], 150);
    assert_eq!(deletes(&gateway), 0);
}

#[test]
fn all_windows_clears_the_fleet_and_reports_failures() {
    let gateway = fleet_gateway();
    let (code, out, err) = run(with_account(bin()).args([
        "clear-password",
        "--all-windows",
        "--concurrency",
        "16",
        "--yes",
        "--json",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 1, "the broken servers fail the run: {err}");
    let lines = json_lines(&out);
    let summary = lines.last().unwrap();
    assert_eq!(summary["cleared"], 144);
    assert_eq!(summary["failed"], 6);
    assert_eq!(summary["not_found"], 0);
    let results: Vec<_> = lines.iter().filter(|l| l["type"] == "result").collect();
    assert_eq!(results.len(), 150);
    let broken = results.iter().find(|r| r["id"] == "srv-024").unwrap();
    assert_eq!(broken["outcome"], "failed");
    assert_eq!(broken["status"], 500);
    assert_eq!(broken["name"], "srv-024");
    assert_eq!(gateway.password("srv-000").as_deref(), Some(""));
    assert!(
        gateway
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .all(|r| !r.target.contains("/srv-003/")),
        "Linux servers are left alone"
    );
}

#[test]
fn ids_from_a_file_or_stdin_are_validated_then_cleared() {
    let gateway = fleet_gateway();
    let dir = std::env::temp_dir().join(format!("hwcloud-ecs-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("ids.txt");
    std::fs::write(
        &list,
        "# servers to clear\nsrv-000\n\n  srv-001  # trailing comment\nsrv-000\n",
    )
    .unwrap();
    let (code, out, err) = run(with_account(bin()).args([
        "clear-password",
        "--from-file",
        list.to_str().unwrap(),
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("cleared")).count(),
        2,
        "duplicates once: {out}"
    );
    assert!(
        err.contains("summary: cleared 2, not found 0, failed 0"),
        "{err}"
    );

    std::fs::write(&list, "srv-002\nbad/id\n").unwrap();
    let (code, _, err) = run(with_account(bin()).args([
        "clear-password",
        "--from-file",
        list.to_str().unwrap(),
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        gateway.password("srv-002").as_deref(),
        Some("Q0lQSEVS"),
        "nothing half-done"
    );

    let mut child = with_account(bin())
        .args([
            "clear-password",
            "--from-file",
            "-",
            "--endpoint",
            gateway.endpoint(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"srv-004\nsrv-005\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(gateway.password("srv-005").as_deref(), Some(""));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn show_password_waits_for_a_delayed_password() {
    let creds = Credentials::new(AK, SK)
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap();
    let gateway = FakeGateway::builder(creds, PROJECT)
        .with_server(
            FakeServer::windows("fresh", "Q0lQSEVS")
                .password_after(std::time::Duration::from_millis(700)),
        )
        .start()
        .unwrap();
    let (code, out, _) =
        run(with_account(bin()).args(["show-password", "fresh", "--endpoint", gateway.endpoint()]));
    assert_eq!((code, out.trim()), (0, "fresh  (no password stored)"));
    let (code, out, err) = run(with_account(bin()).args([
        "show-password",
        "fresh",
        "--wait",
        "20s",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "fresh  Q0lQSEVS");

    // --json reports the status that came: on a timed-out wait too.
    let empty = FakeGateway::builder(Credentials::new(AK, SK).unwrap(), PROJECT)
        .server("none", "")
        .start()
        .unwrap();
    let (code, out, err) = run(with_account(bin()).args([
        "show-password",
        "none",
        "--wait",
        "300ms",
        "--json",
        "--endpoint",
        empty.endpoint(),
    ]));
    assert_eq!(code, 1, "{err}");
    let line: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(line["outcome"], "failed");
    assert_eq!(line["status"], 200, "{line}");
    assert!(empty.requests().len() >= 2, "it polled");
    // A success is reported with the status that came, not an assumed 200.
    empty.fail_next(
        1,
        hwcloud_ecs_fake::Fault::Answer {
            status: 203,
            body: r#"{"password":"WA=="}"#.to_owned(),
            headers: Vec::new(),
        },
    );
    let (code, out, err) = run(with_account(bin()).args([
        "show-password",
        "none",
        "--json",
        "--endpoint",
        empty.endpoint(),
    ]));
    assert_eq!(code, 0, "{err}");
    let line: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(
        (line["outcome"].as_str(), line["status"].as_u64()),
        (Some("stored"), Some(203))
    );
}

#[test]
fn private_key_decrypts_or_says_how_to_enable_it() {
    let creds = Credentials::new(AK, SK)
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap();
    let ciphertext = include_str!("../../../tests/data/test-password.b64").trim();
    let gateway = FakeGateway::builder(creds, PROJECT)
        .server("win", ciphertext)
        .start()
        .unwrap();
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/test-key-pkcs8.pem"
    );
    let (code, out, err) = run(with_account(bin()).args([
        "show-password",
        "win",
        "--private-key",
        key,
        "--endpoint",
        gateway.endpoint(),
    ]));
    if cfg!(feature = "decrypt") {
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.trim(), "win  Xq7!pW2#vR9$");
    } else {
        assert_eq!(code, 2);
        assert!(err.contains("--features decrypt"), "{err}");
    }
}

#[test]
fn credentials_and_project_can_come_from_the_profile_file() {
    let gateway = gateway();
    let dir = std::env::temp_dir().join(format!("hwcloud-ecs-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials");
    std::fs::write(
        &file,
        format!("[basiccredentials]\nak = {AK}\nsk = {SK}\nsecurity_token = {TOKEN}\nproject_id = {PROJECT}\n"),
    )
    .unwrap();
    let (code, out, err) = run(bin().env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", &file).args([
        "clear-password",
        "srv-1",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("cleared       srv-1"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ca_file_and_the_dangerous_switch_reach_an_https_gateway() {
    let creds = Credentials::new(AK, SK)
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap();
    let gateway = FakeGateway::builder(creds, PROJECT)
        .server("s1", "Q0lQSEVS")
        .tls(
            include_bytes!("../../../tests/data/test-server.pem"),
            include_bytes!("../../../tests/data/test-server.key"),
        )
        .unwrap()
        .start()
        .unwrap();
    let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/test-ca.pem");
    let (code, out, err) = run(with_account(bin()).args([
        "show-password",
        "s1",
        "--ca-file",
        ca,
        "--ca-only",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!((code, out.trim()), (0, "s1  Q0lQSEVS"), "{err}");
    assert!(!err.contains("warning"));
    let (code, _, err) = run(with_account(bin()).args([
        "show-password",
        "s1",
        "--danger-accept-invalid-certs",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning: TLS verification is off"), "{err}");
    let (code, _, _) =
        run(with_account(bin()).args(["show-password", "s1", "--endpoint", gateway.endpoint()]));
    assert_eq!(code, 1, "unknown CA");
}

#[test]
fn config_prints_each_value_with_its_origin_and_no_secret() {
    let dir = std::env::temp_dir().join(format!("hwcloud-ecs-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials");
    std::fs::write(&file, format!("[basic]\nak = AKFROMFILE\nsk = {SK}\nsecurity_token = {TOKEN}\nproject_id = {PROJECT}\n")).unwrap();
    let (code, out, err) = run(bin()
        .env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", &file)
        .env("HUAWEICLOUD_SDK_REGION", "ap-southeast-1")
        .args([
            "config",
            "--json",
            "--proxy",
            &format!("http://alice:{SK}@127.0.0.1:3128"),
        ]));
    assert_eq!(code, 0, "{err}");
    let object: serde_json::Value = serde_json::from_str(&out).unwrap();
    let row = |name: &str| object[name.replace(' ', "_")].clone();
    let from_file = format!("credentials file {}", file.display());
    assert_eq!(row("access key")["value"], "AKFROMFILE");
    assert_eq!(row("access key")["origin"], from_file.as_str());
    assert_eq!(row("secret key")["value"], "<redacted>");
    assert_eq!(row("security token")["value"], "<redacted>");
    assert_eq!(row("project id")["origin"], from_file.as_str());
    assert_eq!(
        row("region")["origin"],
        "environment HUAWEICLOUD_SDK_REGION"
    );
    assert_eq!(
        row("endpoint")["value"],
        "https://ecs.ap-southeast-1.myhuaweicloud.com"
    );
    let (_, out, _) = run(bin().env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", &file).args([
        "config",
        "--region",
        "cn-north-4",
    ]));
    assert!(
        out.lines()
            .any(|l| l.starts_with("region") && l.ends_with("command line --region")),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "environment names are case-insensitive on Windows: the name shown is the first spelling looked up"
)]
fn config_names_every_origin_and_offline_sends_nothing() {
    let gateway = gateway();
    // The endpoint is plain http: its proxy variable is http_proxy, as curl reads it.
    let (code, out, err) = run(with_account(bin())
        .env("http_proxy", "http://proxy.example:3128")
        .env("NO_PROXY", "127.0.0.1")
        .args([
            "config",
            "--json",
            "--offline",
            "--api",
            "v1",
            "--endpoint",
            gateway.endpoint(),
        ]));
    assert_eq!(code, 0, "{err}");
    let object: serde_json::Value = serde_json::from_str(&out).unwrap();
    let origin = |key: &str| object[key]["origin"].as_str().unwrap().to_owned();
    let value = |key: &str| object[key]["value"].as_str().unwrap().to_owned();
    assert_eq!(
        origin("access_key"),
        "environment HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK"
    );
    assert_eq!(
        origin("project_id"),
        "environment HUAWEICLOUD_SDK_PROJECT_ID"
    );
    assert_eq!(origin("api"), "command line --api");
    assert_eq!(value("api"), "v1");
    assert_eq!(origin("endpoint"), "command line --endpoint");
    // The endpoint is loopback and NO_PROXY names it: no proxy is used.
    assert_eq!(value("proxy"), "none (NO_PROXY names the endpoint)");
    assert_eq!(origin("proxy"), "environment http_proxy, NO_PROXY");
    assert_eq!(value("ca_roots"), "the bundled Mozilla roots");
    assert_eq!(origin("ca_roots"), "default");
    assert_eq!(value("tls_verification"), "on");
    assert_eq!(value("connect_timeout"), "10 s");
    assert_eq!(value("attempt_timeout"), "30 s");
    assert_eq!(
        value("retry"),
        "3 attempts, full-jitter backoff 200 ms to 5 s, 60 s per call"
    );
    assert_eq!(origin("retry"), "default");
    for text in [&out, &err] {
        assert!(
            !text.contains("{ ") && !text.contains("RetryPolicy"),
            "a Debug form: {text}"
        );
    }

    let (_, out, _) = run(with_account(bin())
        .env("HTTPS_PROXY", "http://u:proxypass@proxy.example:3128")
        .args([
            "config",
            "--json",
            "--offline",
            "--endpoint",
            "https://ecs.example.com",
        ]));
    let object: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(object["proxy"]["value"], "http://proxy.example:3128");
    assert_eq!(object["proxy"]["origin"], "environment HTTPS_PROXY");
    assert!(!out.contains("proxypass"));
    assert!(gateway.requests().is_empty());
}

#[test]
fn config_shows_values_found_in_the_ecs_metadata_and_iam() {
    let metadata = FakeMetadata::builder()
        .region("eu-west-101")
        .start()
        .unwrap();
    let gateway = FakeGateway::builder(Credentials::new("AKNOBODY", "x").unwrap(), PROJECT)
        .accept_metadata_credentials(&metadata)
        .start()
        .unwrap();
    // Dead proxies in the environment: the metadata service must be asked
    // directly (--no-proxy covers only the API calls).
    let mut cmd = bin();
    for proxy in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env(proxy, NOTHING_LISTENS);
    }
    let (code, out, err) = run(cmd
        .env("HWCLOUD_ECS_TEST_METADATA_URL", metadata.url())
        .env("HUAWEICLOUD_SDK_IAM_ENDPOINT", gateway.endpoint())
        .args(["config", "--json", "--no-proxy"]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        !out.contains("tmp-secret") && !out.contains("tmp-token"),
        "{out}"
    );
    let object: serde_json::Value = serde_json::from_str(&out).unwrap();
    let row = |name: &str| object[name.replace(' ', "_")].clone();
    assert_eq!(
        row("access key")["value"],
        FakeMetadata::access_key(1).as_str()
    );
    assert!(row("access key")["origin"]
        .as_str()
        .unwrap()
        .starts_with("ECS metadata"));
    assert_eq!(row("security token")["value"], "<redacted>");
    assert_eq!(row("region")["value"], "eu-west-101");
    assert_eq!(row("region")["origin"], "ECS metadata meta_data.json");
    assert_eq!(row("project id")["value"], PROJECT);
    assert!(
        row("project id")["origin"]
            .as_str()
            .unwrap()
            .starts_with("IAM "),
        "{out}"
    );
    assert_eq!(metadata.fetches(), 1);
}

#[test]
fn profile_file_flag_names_the_credentials_file() {
    let dir = std::env::temp_dir().join(format!("hwcloud-ecs-profile-flag-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("my-credentials");
    std::fs::write(
        &file,
        format!("[basiccredentials]\nak = AKFLAGFILE\nsk = {SK}\nproject_id = {PROJECT}\n"),
    )
    .unwrap();
    let (code, out, err) = run(bin().args([
        "config",
        "--region",
        "cn-north-4",
        "--profile-file",
        file.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{err}");
    let access = out.lines().find(|l| l.starts_with("access key")).unwrap();
    assert!(access.contains("AKFLAGFILE"), "{out}");
    assert!(
        access.ends_with(&format!("credentials file {}", file.display())),
        "{out}"
    );

    // Nothing anywhere: the values known are printed, then what was tried.
    let (code, out, err) = run(bin().args(["config", "--region", "cn-north-4"]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("access key"), "{out}");
    assert!(err.contains("no credentials found; tried:"), "{err}");
    assert!(
        err.contains("ECS metadata service at http://127.0.0.1:1"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_conventions_operators_expect() {
    for flag in ["--version", "-V"] {
        let (code, out, _) = run(bin().arg(flag));
        assert_eq!(code, 0);
        assert_eq!(
            out.trim(),
            format!("hwcloud-ecs {}", env!("CARGO_PKG_VERSION"))
        );
    }
    let (code, by_help, _) = run(bin().args(["help", "clear-password"]));
    assert_eq!(code, 0);
    let (_, by_flag, _) = run(bin().args(["clear-password", "--help"]));
    assert_eq!(by_help, by_flag);
    assert!(
        by_help.contains("--concurrency N") && by_help.contains("-y, --yes"),
        "{by_help}"
    );

    let (code, _, err) = run(bin().args(["clear-pasword", "s1"]));
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `clear-password`?"), "{err}");
    assert!(err.contains("hwcloud-ecs --help"), "{err}");
    let (code, _, err) = run(bin().args(["clear-password", "s1", "--dryrun"]));
    assert_eq!(code, 2);
    assert!(err.contains("did you mean --dry-run?"), "{err}");
    assert!(
        err.contains("Run `hwcloud-ecs clear-password --help`"),
        "{err}"
    );
}

#[test]
#[cfg_attr(windows, ignore = "checks the script with bash")]
fn completions_are_written_from_the_same_table() {
    let (code, script, _) = run(bin().args(["completions", "bash"]));
    assert_eq!(code, 0);
    let checked = Command::new("bash")
        .args(["-c", &format!("{script}\ncomplete -p hwcloud-ecs")])
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(String::from_utf8_lossy(&checked.stdout).contains("_hwcloud_ecs"));
    // Completing `hwcloud-ecs clear-password --con` offers --concurrency.
    let completed = Command::new("bash")
        .args(["-c", &format!("{script}\nCOMP_WORDS=(hwcloud-ecs clear-password --con); COMP_CWORD=2; _hwcloud_ecs; echo \"${{COMPREPLY[@]}}\"")])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&completed.stdout).trim(),
        "--concurrency"
    );
    for shell in ["zsh", "fish"] {
        let (code, script, _) = run(bin().args(["completions", shell]));
        assert_eq!(code, 0);
        assert!(
            script.contains("clear-password") && script.contains("all-windows"),
            "{shell}"
        );
    }
    let (code, _, err) = run(bin().args(["completions", "powershell"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn verbose_logs_the_librarys_requests_and_retries_without_secrets() {
    let gateway = gateway();
    gateway.fail_next(1, hwcloud_ecs_fake::Fault::status(503));
    let (code, _, err) = run(with_account(bin()).args([
        "clear-password",
        "srv-1",
        "-v",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("[debug hwcloud_ecs"), "{err}");
    assert!(err.contains("DELETE http://127.0.0.1"), "{err}");
    assert!(err.contains("retrying in"), "{err}");
    // run() asserts that neither the SK nor the token was printed.
    let (_, _, quiet) = run(with_account(bin()).args([
        "clear-password",
        "srv-1",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert!(!quiet.contains("[debug"), "{quiet}");
}

#[test]
fn what_the_user_typed_is_an_error_in_the_clis_own_words() {
    let (code, _, err) = run(bin()
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .args([
            "show-password",
            "s1",
            "--ca-only",
            "--project-id",
            PROJECT,
            "--region",
            "cn-north-4",
        ]));
    assert_eq!(code, 2);
    assert_eq!(
        err.lines().next(),
        Some("error: --ca-only needs --ca-file"),
        "{err}"
    );
    let (code, _, err) = run(bin()
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .args(["config", "--ca-file", "/nonexistent/ca.pem", "--offline"]));
    assert_eq!(code, 2);
    assert!(err.starts_with("error: cannot read the CA file"), "{err}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "environment names are case-insensitive on Windows: the name shown is the first spelling looked up"
)]
fn config_offline_refuses_what_every_real_command_refuses() {
    let config = |extra: &[&str], env: &[(&str, &str)]| {
        let mut cmd = bin();
        cmd.env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
            .args(["config", "--offline"])
            .args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        run(&mut cmd)
    };
    for (extra, env, says) in [
        (&["--endpoint", "ftp://x"][..], &[][..], "endpoint"),
        (
            &["--region", "xx-nowhere-1"][..],
            &[][..],
            "not a public ECS region",
        ),
        (
            &["--region", "cn-north-4"][..],
            &[("ALL_PROXY", "socks5://127.0.0.1:1080")][..],
            "socks5",
        ),
    ] {
        let (code, out, err) = config(extra, env);
        assert_eq!(code, 2, "{extra:?}: {out}{err}");
        assert!(err.contains(says), "{extra:?}: {err}");
        // What is known is still printed.
        assert!(out.contains("access key"), "{out}");
    }
    // The socks proxy shows as what it is, not as an http proxy.
    let (_, out, _) = config(
        &["--region", "cn-north-4"],
        &[("ALL_PROXY", "socks5://127.0.0.1:1080")],
    );
    let proxy = out.lines().find(|l| l.starts_with("proxy")).unwrap();
    assert!(
        proxy.contains("unusable") && proxy.contains("ALL_PROXY"),
        "{proxy}"
    );
    let (code, _, err) = config(&["--region", "cn-north-4"], &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
#[cfg_attr(windows, ignore = "sends SIGINT with kill(1)")]
fn a_signal_ends_a_waiting_show_password_with_130() {
    let gateway = FakeGateway::builder(Credentials::new(AK, SK).unwrap(), PROJECT)
        .server("s1", "")
        .start()
        .unwrap();
    for signal in ["-INT", "-TERM"] {
        let child = bin()
            .env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
            .args([
                "show-password",
                "s1",
                "--wait",
                "60s",
                "--endpoint",
                gateway.endpoint(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Give it time to install its handlers and start polling.
        std::thread::sleep(std::time::Duration::from_millis(700));
        let sent = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let signalled = std::time::Instant::now();
        let output = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(130),
            "{signal}: {err} {:?}",
            gateway.requests().len()
        );
        assert!(
            signalled.elapsed() < std::time::Duration::from_secs(5),
            "{signal}"
        );
    }
}
