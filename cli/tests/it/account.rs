//! The account-wide commands as an operator runs them: `audit` and
//! `clear-password --all-projects` over two regions' fake gateways and
//! IAM's project list, filters, and the durable report with `--resume`.
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hwcloud_ecs::Credentials;
use hwcloud_ecs_fake::{FakeGateway, FakeServer};
use serde_json::Value;

use crate::common;
use common::json_lines;

const AK: &str = "AKACCOUNTTEST0000000";
const SK: &str = "SKaccountCanarySecret0000000000000000000";
const P_N4: &str = "40000000000000000000000000000000";
const P_DEV: &str = "4dev0000000000000000000000000000";
const P_EU: &str = "e0000000000000000000000000000000";
const P_MOS: &str = "m0000000000000000000000000000000";
const P_OFF: &str = "0ff00000000000000000000000000000";
const P_NEW: &str = "0e000000000000000000000000000000";

fn creds() -> Credentials {
    Credentials::new(AK, SK).unwrap()
}

/// Two regions: cn-north-4 (its project and the sub-project `cn-north-4_dev`,
/// IAM too) and eu-west-0; IAM also lists MOS, a disabled project and one
/// in a region nobody serves.
struct Account {
    north: FakeGateway,
    europe: FakeGateway,
}

fn account() -> Account {
    let north = FakeGateway::builder(creds(), P_N4)
        .project(P_DEV)
        .account_project(P_N4, "cn-north-4", true)
        .account_project(P_DEV, "cn-north-4_dev", true)
        .account_project(P_EU, "eu-west-0", true)
        .account_project(P_MOS, "MOS", true)
        .account_project(P_OFF, "ap-southeast-1", false)
        .account_project(P_NEW, "xx-new-1", true)
        .with_server(FakeServer::windows("w-n4-1", "C1").tagged("env", "prod"))
        .with_server(FakeServer::windows("w-n4-2", ""))
        .with_server(FakeServer::linux("l-n4-1"))
        .with_server(
            FakeServer::windows("w-dev-1", "C2")
                .in_project(P_DEV)
                .tagged("env", "dev"),
        )
        .start()
        .unwrap();
    let europe = FakeGateway::builder(creds(), P_EU)
        .with_server(FakeServer::windows("w-eu-1", "C3"))
        .with_server(FakeServer::windows("w-eu-2", "C4").with_status("SHUTOFF"))
        .with_server(FakeServer::linux("l-eu"))
        .start()
        .unwrap();
    Account { north, europe }
}

impl Account {
    fn bin(&self) -> Command {
        let mut cmd = common::bin();
        cmd.env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_IAM_ENDPOINT", self.north.endpoint())
            .env(
                "HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4",
                self.north.endpoint(),
            )
            .env(
                "HUAWEICLOUD_SDK_REGION_ECS_EU_WEST_0",
                self.europe.endpoint(),
            )
            .stdin(Stdio::null());
        cmd
    }
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    common::run_without_leaking(cmd, SK)
}

/// The result lines' outcome by server id.
fn outcomes(lines: &[Value]) -> BTreeMap<String, String> {
    lines
        .iter()
        .filter(|l| l["type"] == "result")
        .map(|l| {
            (
                l["id"].as_str().unwrap().to_owned(),
                l["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn an_audit_of_the_account_finds_every_stored_password_and_a_clear_empties_them() {
    let account = account();
    // A project in a region nobody serves cannot be checked: the audit says
    // so, names it with what to do, and is no pass (exit 1).
    let (code, out, err) = run(account.bin().args(["audit", "--all-projects", "--json"]));
    assert_eq!(code, 1, "{err}\n{out}");
    let lines = json_lines(&out);
    let unknown = lines.iter().find(|l| l["id"] == P_NEW).unwrap();
    assert_eq!(unknown["outcome"], "failed", "{unknown}");
    let reason = unknown["reason"].as_str().unwrap();
    // The CLI's words only: no builder method in what an operator reads.
    assert!(unknown["message"].is_null(), "{unknown}");
    for says in [
        "no ECS endpoint",
        "HUAWEICLOUD_SDK_REGION_ECS_XX_NEW_1",
        "regions.yaml",
        "--regions",
    ] {
        assert!(reason.contains(says), "{says}: {reason}");
    }
    assert_eq!(lines.last().unwrap()["projects_failed"], 1);
    let (code, _, err) = run(account.bin().args(["audit", "--all-projects"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("failed project xx-new-1") && err.contains("1 could not be checked"),
        "{err}"
    );
    // Left out by --regions, the account is checked whole: exit 3.
    let (code, out, err) = run(account.bin().args([
        "audit",
        "--all-projects",
        "--json",
        "--regions",
        "cn-north-4,eu-west-0",
    ]));
    assert_eq!(code, 3, "{err}\n{out}");
    let lines = json_lines(&out);
    assert_eq!(
        outcomes(&lines),
        map(&[
            ("w-dev-1", "stored"),
            ("w-eu-1", "stored"),
            ("w-eu-2", "stored"),
            ("w-n4-1", "stored"),
            ("w-n4-2", "none_stored"),
        ])
    );
    // Each line says where its server is; no ciphertext is ever printed.
    for line in lines.iter().filter(|l| l["type"] == "result") {
        let (project, region) = match line["id"].as_str().unwrap() {
            "w-dev-1" => (P_DEV, "cn-north-4"),
            id if id.starts_with("w-n4") => (P_N4, "cn-north-4"),
            _ => (P_EU, "eu-west-0"),
        };
        assert_eq!(line["project_id"], project, "{line}");
        assert_eq!(line["region"], region, "{line}");
        assert_eq!(line["command"], "audit");
        assert!(line.get("ciphertext").is_none(), "{line}");
    }
    for secret in ["\"C1\"", "\"C2\"", "\"C3\"", "\"C4\""] {
        assert!(!out.contains(secret) && !err.contains(secret), "{secret}");
    }
    // MOS and the disabled project are reported, not dropped, and change
    // nothing; the unknown region was left out by --regions.
    let skipped: BTreeSet<&str> = lines
        .iter()
        .filter(|l| l["type"] == "project" && l["outcome"] == "skipped")
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, BTreeSet::from([P_MOS, P_OFF]));
    assert!(lines.iter().all(|l| l["id"] != P_NEW));
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(
        (summary["stored"].as_u64(), summary["none_stored"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(summary["projects"], 3);
    assert_eq!(
        summary["regions"],
        serde_json::json!(["cn-north-4", "eu-west-0"])
    );
    // IAM was asked without a project header; each call carried its own project.
    let north = account.north.requests();
    let iam = north
        .iter()
        .find(|r| r.target == "/v3/auth/projects")
        .unwrap();
    assert_eq!(iam.header("x-project-id"), None);
    for request in north.iter().chain(&account.europe.requests()) {
        if let Some(project) = request.header("x-project-id") {
            assert!(request.target.contains(project), "{}", request.target);
        }
    }

    // Clearing the account: --all-windows stays spelled out.
    let (code, out, err) = run(account.bin().args(["clear-password", "--all-projects"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("--all-windows"), "{err}");
    let (code, _, err) = run(account.bin().args([
        "clear-password",
        "--all-windows",
        "--all-projects",
        "--yes",
        "--regions",
        "cn-north-4,eu-west-0",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("cleared 5"), "{err}");
    assert!(
        err.contains("projects: 3 in 2 region(s) (cn-north-4, eu-west-0); 0 could not be checked"),
        "{err}"
    );
    for id in ["w-n4-1", "w-dev-1"] {
        assert_eq!(account.north.password(id).as_deref(), Some(""), "{id}");
    }
    assert_eq!(account.europe.password("w-eu-2").as_deref(), Some(""));
    let (code, out, err) = run(account.bin().args([
        "audit",
        "--all-projects",
        "--json",
        "--regions",
        "cn-north-4,eu-west-0",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(outcomes(&json_lines(&out))
        .values()
        .all(|o| o == "none_stored"));
}

#[test]
fn regions_and_filters_narrow_the_account() {
    let account = account();
    let audit = |extra: &[&str]| {
        let (code, out, err) = run(account
            .bin()
            .args(["audit", "--all-projects", "--json"])
            .args(extra));
        (code, outcomes(&json_lines(&out)), err)
    };
    let (code, found, err) = audit(&["--regions", "eu-west-0"]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(found, map(&[("w-eu-1", "stored"), ("w-eu-2", "stored")]));
    let (_, found, _) = audit(&["--tag", "env=prod"]);
    assert_eq!(found, map(&[("w-n4-1", "stored")]));
    let (_, found, _) = audit(&["--status", "SHUTOFF"]);
    assert_eq!(found, map(&[("w-eu-2", "stored")]));
    let (code, found, err) = audit(&["--name", "w-n4-2", "--regions", "cn-north-4,eu-west-0"]);
    assert_eq!(
        (code, found),
        (0, map(&[("w-n4-2", "none_stored")])),
        "{err}"
    );
    // A filter that cannot match is refused before IAM is asked anything.
    let before = (
        account.north.requests().len(),
        account.europe.requests().len(),
    );
    for bad in [
        &["--name", ""][..],
        &["--status", "ACT\u{1b}IVE"],
        &["--tag", "env=\u{7}"],
    ] {
        let (code, _, err) = run(account
            .bin()
            .args(["audit", "--all-projects", "--json"])
            .args(bad));
        assert_eq!(code, 2, "{bad:?}: {err}");
        assert!(err.contains(bad[0]), "{bad:?}: {err}");
    }
    assert_eq!(
        (
            account.north.requests().len(),
            account.europe.requests().len()
        ),
        before,
        "nothing was sent"
    );
    // A dry run of the account clears nothing.
    let (code, out, err) = run(account.bin().args([
        "clear-password",
        "--all-windows",
        "--all-projects",
        "--dry-run",
        "--regions",
        "cn-north-4",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("would clear")).count(),
        3,
        "{out}"
    );
    assert!(account.europe.requests().iter().all(|r| r.method == "GET"));
    assert!(account.north.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn a_project_that_refuses_fails_alone_and_refused_credentials_stop_everything() {
    // eu-west-0's project refuses this user (403): the other projects go on.
    let north = FakeGateway::builder(creds(), P_N4)
        .account_project(P_N4, "cn-north-4", true)
        .account_project(P_EU, "eu-west-0", true)
        .with_server(FakeServer::windows("w-n4-1", "C1"))
        .start()
        .unwrap();
    let europe = FakeGateway::builder(creds(), P_EU)
        .forbid_project(P_EU)
        .with_server(FakeServer::windows("w-eu-1", "C3"))
        .start()
        .unwrap();
    let account = Account { north, europe };
    let (code, out, err) = run(account.bin().args(["audit", "--all-projects", "--json"]));
    assert_eq!(code, 1, "{err}\n{out}");
    let lines = json_lines(&out);
    assert_eq!(outcomes(&lines), map(&[("w-n4-1", "stored")]));
    let failed = lines
        .iter()
        .find(|l| l["type"] == "project" && l["outcome"] == "failed")
        .unwrap();
    assert_eq!(
        (failed["id"].as_str(), failed["status"].as_u64()),
        (Some(P_EU), Some(403))
    );
    assert_eq!(lines.last().unwrap()["projects_failed"], 1);
    let (_, _, err) = run(account.bin().args(["audit", "--all-projects"]));
    assert!(
        err.contains("projects: 1 in 1 region(s) (cn-north-4); 1 could not be checked"),
        "{err}"
    );

    // A gateway that refuses the signature (another SK): the run stops
    // before any password call anywhere.
    let north = FakeGateway::builder(creds(), P_N4)
        .account_project(P_EU, "eu-west-0", true)
        .account_project(P_N4, "cn-north-4", true)
        .with_server(FakeServer::windows("w-n4-1", "C1"))
        .start()
        .unwrap();
    let europe = FakeGateway::builder(Credentials::new(AK, "another-secret").unwrap(), P_EU)
        .with_server(FakeServer::windows("w-eu-1", "C3"))
        .start()
        .unwrap();
    let account = Account { north, europe };
    let (code, _, err) =
        run(account
            .bin()
            .args(["clear-password", "--all-windows", "--all-projects", "--yes"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("refused the signature"), "{err}");
    assert!(account.north.requests().iter().all(|r| r.method == "GET"));
    assert_eq!(account.north.password("w-n4-1").as_deref(), Some("C1"));
}

fn single(servers: usize, latency: Duration) -> FakeGateway {
    (0..servers)
        .fold(
            FakeGateway::builder(creds(), P_N4).latency(latency),
            |b, i| b.server(format!("srv-{i:03}"), "C"),
        )
        .start()
        .unwrap()
}

/// The binary for `gateway`'s project, running `args`.
fn single_bin(gateway: &FakeGateway, args: &[&str]) -> Command {
    let mut cmd = common::bin();
    cmd.env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", P_N4)
        .args(args)
        .args(["--endpoint", gateway.endpoint()])
        .stdin(Stdio::null());
    cmd
}

#[test]
fn a_killed_run_leaves_a_true_report_and_resume_clears_only_the_rest() {
    let gateway = single(80, Duration::from_millis(40));
    let dir = std::env::temp_dir().join(format!("hwcloud-ecs-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("run.jsonl");
    let _ = std::fs::remove_file(&report);
    let report = report.to_str().unwrap();
    let mut child = single_bin(
        &gateway,
        &[
            "clear-password",
            "--all-windows",
            "--yes",
            "--concurrency",
            "2",
            "--report",
            report,
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    // Kill it part-way, once some results are on disk.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        let text = std::fs::read_to_string(report).unwrap_or_default();
        if text.matches("\"cleared\"").count() >= 10 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The calls in flight at the kill are answered (and recorded) a latency later.
    std::thread::sleep(Duration::from_millis(300));
    let text = std::fs::read_to_string(report).unwrap();
    let recorded: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(recorded[0]["type"], "header");
    assert_eq!(recorded[0]["command"], "clear-password");
    let cleared: Vec<&str> = recorded
        .iter()
        .filter(|l| l["outcome"] == "cleared")
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert!(
        cleared.len() >= 10 && cleared.len() < 80,
        "{}",
        cleared.len()
    );
    // Every line the report calls cleared, the gateway really cleared.
    for id in &cleared {
        assert_eq!(gateway.password(id).as_deref(), Some(""), "{id}");
    }
    let deletes_before = gateway
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();

    let (code, _, err) = run(&mut single_bin(
        &gateway,
        &[
            "clear-password",
            "--all-windows",
            "--yes",
            "--concurrency",
            "4",
            "--report",
            report,
            "--resume",
            report,
        ],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "resumed: {} server(s) already done in the earlier run were skipped",
            cleared.len()
        )),
        "{err}"
    );
    let resumed: Vec<String> = gateway
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .skip(deletes_before)
        .map(|r| r.target)
        .collect();
    assert_eq!(resumed.len(), 80 - cleared.len());
    for id in &cleared {
        assert!(
            !resumed.iter().any(|t| t.contains(&format!("/{id}/"))),
            "{id} again"
        );
    }
    for i in 0..80 {
        assert_eq!(
            gateway.password(&format!("srv-{i:03}")).as_deref(),
            Some("")
        );
    }
    // A third run has nothing left to do.
    let (code, _, err) = run(&mut single_bin(
        &gateway,
        &[
            "clear-password",
            "--all-windows",
            "--yes",
            "--resume",
            report,
        ],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("80 server(s) already done"), "{err}");
    // One project, nothing resumed: neither line.
    let (code, _, err) = run(&mut single_bin(&gateway, &["audit", "--all-windows"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        !err.contains("projects:") && !err.contains("resumed:"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_report_that_cannot_be_written_stops_the_run_before_anything_is_sent() {
    let gateway = single(3, Duration::ZERO);
    for report in ["/nonexistent/dir/run.jsonl", "/dev/full"] {
        let (code, _, err) = run(&mut single_bin(
            &gateway,
            &["clear-password", "srv-000", "srv-001", "--report", report],
        ));
        assert_eq!(code, 2, "{report}: {err}");
        assert!(err.contains("report"), "{err}");
    }
    assert!(gateway.requests().is_empty());
}

#[test]
fn audit_exit_codes_say_compliant_stored_or_unknown() {
    let gateway = FakeGateway::builder(creds(), P_N4)
        .server("has", "C")
        .server("none", "")
        .with_server(FakeServer::windows("bad", "C").broken())
        .start()
        .unwrap();
    let (code, out, err) = run(&mut single_bin(&gateway, &["audit", "none"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("none stored   none"), "{out}");
    let (code, out, _) = run(&mut single_bin(&gateway, &["audit", "none", "has"]));
    assert_eq!(code, 3);
    assert!(out.contains("stored        has"), "{out}");
    assert!(!out.contains("C\n"), "{out}");
    // A server that cannot be checked (or does not exist) outweighs a stored one.
    for ids in [["has", "bad"], ["has", "ghost"]] {
        let (code, _, err) = run(&mut single_bin(&gateway, &["audit", ids[0], ids[1]]));
        assert_eq!(code, 1, "{ids:?}: {err}");
    }
    assert_eq!(
        gateway.password("has").as_deref(),
        Some("C"),
        "an audit changes nothing"
    );
}

#[test]
fn a_region_the_table_does_not_know_comes_from_the_environment_or_the_regions_file() {
    let gateway = single(1, Duration::ZERO);
    let dir = std::env::temp_dir().join(format!("hwcloud-ecs-regions-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("regions.yaml");
    std::fs::write(
        &file,
        format!(
            "\u{feff}ECS:\r\n  - id: 'my-private-1'\r\n    endpoints:\r\n      - '{}'\r\n",
            gateway.endpoint()
        ),
    )
    .unwrap();
    let config = |env: (&str, &str)| {
        let mut cmd = common::bin();
        cmd.env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", P_N4)
            .env(env.0, env.1)
            .args(["config", "--offline", "--json", "--region", "my-private-1"]);
        let (code, out, err) = run(&mut cmd);
        assert_eq!(code, 0, "{err}");
        let value: Value = serde_json::from_str(out.trim()).unwrap();
        (
            value["endpoint"]["value"].as_str().unwrap().to_owned(),
            value["endpoint"]["origin"].as_str().unwrap().to_owned(),
        )
    };
    let from_env = config((
        "HUAWEICLOUD_SDK_REGION_ECS_MY_PRIVATE_1",
        gateway.endpoint(),
    ));
    assert_eq!(
        from_env,
        (
            gateway.endpoint().to_owned(),
            "environment HUAWEICLOUD_SDK_REGION_ECS_MY_PRIVATE_1".to_owned()
        )
    );
    let from_file = config(("HUAWEICLOUD_SDK_REGIONS_FILE", file.to_str().unwrap()));
    assert_eq!(from_file.0, gateway.endpoint());
    assert!(from_file.1.starts_with("regions file "), "{}", from_file.1);
    // And a real command goes there.
    let mut cmd = common::bin();
    cmd.env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", P_N4)
        .env("HUAWEICLOUD_SDK_REGIONS_FILE", &file)
        .args(["audit", "srv-000", "--region", "my-private-1"]);
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 3, "{out}{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_id_list_saved_on_windows_is_read_and_utf16_is_refused() {
    let gateway = single(2, Duration::ZERO);
    let dir = std::env::temp_dir().join(format!("hwcloud-ecs-idlist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let notepad = dir.join("ids-bom-crlf.txt");
    std::fs::write(&notepad, "\u{feff}srv-000\r\n# a comment\r\nsrv-001\r\n").unwrap();
    let (code, out, err) = run(&mut single_bin(
        &gateway,
        &["audit", "--from-file", notepad.to_str().unwrap()],
    ));
    assert_eq!(code, 3, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    let utf16 = dir.join("ids-utf16.txt");
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "srv-000\r\n".encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    std::fs::write(&utf16, bytes).unwrap();
    let (code, _, err) = run(&mut single_bin(
        &gateway,
        &["audit", "--from-file", utf16.to_str().unwrap()],
    ));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("UTF-16") && err.contains("save it as UTF-8"),
        "{err}"
    );
    assert_eq!(
        gateway.requests().len(),
        2,
        "nothing sent for the UTF-16 list"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_malformed_project_in_iams_list_fails_that_project_only() {
    // IAM's own documentation truncates ids with `...`; the entry is named
    // and fails, and the well-formed project is audited all the same.
    let north = FakeGateway::builder(creds(), P_N4)
        .account_project("06f1cbbaf280106b2f14c00313a9...", "cn-north-1", true)
        .account_project(P_N4, "cn-north-4", true)
        .account_project("\u{1b}[31mred", "eu-west-0", false)
        .with_server(FakeServer::windows("w-n4-1", "C1"))
        .start()
        .unwrap();
    let run_audit = |json: bool| {
        let mut cmd = common::bin();
        cmd.env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_IAM_ENDPOINT", north.endpoint())
            .env("HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4", north.endpoint())
            .stdin(Stdio::null())
            .args(["audit", "--all-projects"]);
        if json {
            cmd.arg("--json");
        }
        run(&mut cmd)
    };
    let (code, out, err) = run_audit(true);
    assert_eq!(code, 1, "{err}\n{out}");
    let lines = json_lines(&out);
    assert_eq!(outcomes(&lines), map(&[("w-n4-1", "stored")]));
    let malformed = lines.iter().find(|l| l["name"] == "cn-north-1").unwrap();
    assert_eq!(malformed["outcome"], "failed", "{malformed}");
    assert_eq!(malformed["id"], "06f1cbbaf280106b2f14c00313a9...");
    // A disabled malformed entry is skipped, as any disabled project.
    let disabled = lines.iter().find(|l| l["name"] == "eu-west-0").unwrap();
    assert_eq!(disabled["outcome"], "skipped", "{disabled}");
    assert_eq!(lines.last().unwrap()["projects_failed"], 1);
    // On a terminal, IAM's text is escaped.
    let (code, _, err) = run_audit(false);
    assert_eq!(code, 1);
    assert!(err.contains("failed project cn-north-1"), "{err}");
    assert!(!err.contains('\u{1b}') && err.contains("\\x1b"), "{err}");
}

#[test]
#[cfg(unix)]
fn a_report_that_fails_mid_run_marks_what_it_does_not_hold_and_resume_does_it_again() {
    let gateway = single(60, Duration::from_millis(20));
    let dir = std::env::temp_dir().join(format!("hwcloud-ecs-full-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("run.jsonl");
    let _ = std::fs::remove_file(&report);
    let report = report.to_str().unwrap().to_owned();
    let ids: Vec<String> = (0..60).map(|i| format!("srv-{i:03}")).collect();
    // The file may not grow past 8 KiB (`ulimit -f`, in 1 KiB blocks; the
    // signal it raises ignored, so that the write fails with EFBIG).
    let mut cmd = common::isolated(Command::new("bash"));
    cmd.args([
        "-c",
        "trap '' XFSZ; ulimit -f 8; exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_hwcloud-ecs"),
        "clear-password",
        "--json",
        "--concurrency",
        "4",
        "--report",
        &report,
        "--endpoint",
        gateway.endpoint(),
    ])
    .args(&ids)
    .env("HUAWEICLOUD_SDK_AK", AK)
    .env("HUAWEICLOUD_SDK_SK", SK)
    .env("HUAWEICLOUD_SDK_PROJECT_ID", P_N4)
    .stdin(Stdio::null());
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot write the report"), "{err}");
    let lines = json_lines(&out);
    let results: Vec<&Value> = lines.iter().filter(|l| l["type"] == "result").collect();
    let unrecorded: BTreeSet<&str> = results
        .iter()
        .filter(|l| l["recorded"] == false)
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    let summary = lines.last().unwrap();
    assert_eq!(summary["not_recorded"], unrecorded.len(), "{summary}");
    assert!(!unrecorded.is_empty(), "the limit was met: {err}");
    // Every result the report holds was printed as recorded, and every
    // result printed as recorded is in the report.
    let text = std::fs::read_to_string(&report).unwrap();
    let in_report: BTreeSet<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["type"] == "result")
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    let shown_recorded: BTreeSet<String> = results
        .iter()
        .filter(|l| l.get("recorded").is_none())
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(in_report, shown_recorded);
    let cleared_before = gateway
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    // Resumed without the limit: what the report holds is skipped, the rest
    // (the unrecorded ones included) is cleared.
    let mut resumed = single_bin(
        &gateway,
        &["clear-password", "--report", &report, "--resume", &report],
    );
    let (code, _, err) = run(resumed.args(&ids));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("{} server(s) already done", in_report.len())),
        "{err}"
    );
    let deletes_after = gateway
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count()
        - cleared_before;
    assert_eq!(deletes_after, 60 - in_report.len());
    let done = std::fs::read_to_string(&report).unwrap();
    let cleared: BTreeSet<String> = done
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["type"] == "result" && l["outcome"] == "cleared")
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(cleared.len(), 60, "the report now holds every server");
    let _ = std::fs::remove_dir_all(&dir);
}
