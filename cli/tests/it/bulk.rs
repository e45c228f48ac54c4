//! The CLI's bulk runs as an operator meets them: refused credentials stop
//! the run, Ctrl-C and a closed pipe stop it cleanly with an exact report,
//! hostile server text is escaped, and destructive runs are confirmed.
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hwcloud_ecs::Credentials;
use hwcloud_ecs_fake::{FakeGateway, FakeProxy, Fault};

use crate::common;
use common::json_lines;
use common::{interrupt, isolated};

const AK: &str = "AKBULKTEST0000000000";
const SK: &str = "SKbulkCanarySecretValue000000000000000";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn bin() -> Command {
    with_account(common::bin())
}

/// `cmd` with the account in its environment and no stdin.
fn with_account(mut cmd: Command) -> Command {
    cmd.env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
        .stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    common::run_without_leaking(cmd, SK)
}

/// `n` Windows servers `srv-000`...; each answer takes `latency`.
fn fleet(n: usize, latency: Duration) -> FakeGateway {
    (0..n)
        .fold(
            FakeGateway::builder(Credentials::new(AK, SK).unwrap(), PROJECT).latency(latency),
            |b, i| b.server(format!("srv-{i:03}"), "Q0lQSEVS"),
        )
        .start()
        .unwrap()
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("srv-{i:03}")).collect()
}

fn deletes(gateway: &FakeGateway) -> usize {
    gateway
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count()
}

#[test]
fn a_wrong_secret_key_stops_the_run_after_the_requests_in_flight() {
    let gateway = fleet(40, Duration::from_millis(20));
    let (code, out, err) = run(bin()
        .env("HUAWEICLOUD_SDK_SK", "SKwrongwrongwrong")
        .args([
            "clear-password",
            "--concurrency",
            "4",
            "--json",
            "--endpoint",
            gateway.endpoint(),
        ])
        .args(ids(40)));
    assert_eq!(code, 1, "{err}");
    let sent = gateway.requests().len();
    assert!(
        (1..=4).contains(&sent),
        "{sent} signed requests were refused"
    );
    let lines = json_lines(&out);
    let summary = lines.last().unwrap();
    assert_eq!(summary["not_attempted"], 40 - sent, "{summary}");
    assert!(
        summary["reason"].as_str().unwrap().contains("APIGW.0301"),
        "{summary}"
    );
    let refused: Vec<_> = lines.iter().filter(|l| l["outcome"] == "failed").collect();
    assert_eq!(refused.len(), sent);
    assert!(
        refused[0]["hint"].as_str().unwrap().contains("secret key"),
        "{}",
        refused[0]
    );
    let skipped = lines
        .iter()
        .filter(|l| l["outcome"] == "not_attempted")
        .count();
    assert_eq!(skipped, 40 - sent);
}

#[test]
fn a_wrong_project_is_a_configuration_failure_never_not_found() {
    let gateway = fleet(10, Duration::from_millis(10));
    let (code, out, err) = run(bin()
        .env(
            "HUAWEICLOUD_SDK_PROJECT_ID",
            "ffffffffffffffffffffffffffffffff",
        )
        .args([
            "clear-password",
            "--concurrency",
            "2",
            "--endpoint",
            gateway.endpoint(),
        ])
        .args(ids(10)));
    assert_eq!(code, 1);
    assert!(!out.contains("not found"), "{out}");
    assert!(out.contains("APIGW.0101"), "{out}");
    assert!(
        out.contains("check the project id, the region and the endpoint"),
        "{out}"
    );
    assert!(
        gateway.requests().len() <= 2,
        "{}",
        gateway.requests().len()
    );
    assert!(err.contains("not attempted: srv-"), "{err}");
    assert!(!err.contains("throttled:"), "{err}");
}

#[test]
fn each_refusal_gets_the_hint_of_its_cause() {
    for (status, code, hint) in [
        (
            401,
            "APIGW.0303",
            Some("the gateway refused the credentials"),
        ),
        (403, "Ecs.0403", Some("the gateway refused the credentials")),
        (401, "APIGW.0301", Some("the gateway refused the signature")),
        (
            404,
            "APIGW.0101",
            Some("the gateway does not know this API"),
        ),
        (400, "Ecs.0005", None),
    ] {
        let gateway = fleet(1, Duration::ZERO);
        let body = serde_json::json!({"error_code": code, "error_msg": "refused"});
        gateway.fail_next(usize::MAX, Fault::raw(status, body.to_string()));
        let (exit, out, err) =
            run(bin().args(["show-password", "srv-000", "--endpoint", gateway.endpoint()]));
        assert_eq!(exit, 1, "{err}");
        let line = out.lines().next().unwrap_or_default();
        assert!(
            line.starts_with(&format!("failed        srv-000  HTTP {status} {code}")),
            "{line}"
        );
        match hint {
            Some(hint) => assert!(line.contains(hint), "{status} {code}: {line}"),
            None => assert!(!line.contains("the gateway"), "{status} {code}: {line}"),
        }
    }
}

#[test]
fn server_text_is_escaped_before_it_reaches_the_terminal() {
    let gateway = fleet(1, Duration::ZERO);
    let hostile = "\u{1b}[2J\u{1b}]0;owned\u{7}\ncleared       srv-999  HTTP 204\r";
    let body = serde_json::json!({"error_code": "EVIL\u{1b}[31m", "error_msg": hostile, "request_id": "r\nid"});
    gateway.fail_next(usize::MAX, Fault::raw(400, body.to_string()));
    let (code, out, err) = run(bin().args([
        "clear-password",
        "srv-000",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 1);
    for text in [&out, &err] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\u{7}'),
            "{text:?}"
        );
    }
    assert_eq!(out.lines().count(), 1, "a forged line: {out}");
    assert!(
        out.contains("\\x1b[2J") && out.contains("\\ncleared"),
        "{out}"
    );

    let (_, out, _) = run(bin().args([
        "clear-password",
        "srv-000",
        "--json",
        "--endpoint",
        gateway.endpoint(),
    ]));
    let lines = json_lines(&out);
    assert_eq!(
        lines[0]["message"], hostile,
        "JSON keeps the text, escaped as JSON"
    );
}

#[test]
fn a_closed_pipe_stops_the_run_without_a_panic() {
    let gateway = fleet(200, Duration::from_millis(20));
    let mut child = bin()
        .args([
            "clear-password",
            "--concurrency",
            "2",
            "--endpoint",
            gateway.endpoint(),
        ])
        .args(ids(200))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("cleared"), "{first}");
    drop(stdout);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        deletes(&gateway) < 50,
        "{} DELETEs after the reader left",
        deletes(&gateway)
    );
}

#[test]
#[cfg_attr(windows, ignore = "sends SIGINT with kill(1)")]
fn ctrl_c_stops_dispatch_and_the_report_names_exactly_what_was_cleared() {
    let gateway = fleet(200, Duration::from_millis(20));
    let mut child = bin()
        .args([
            "clear-password",
            "--concurrency",
            "4",
            "--json",
            "--endpoint",
            gateway.endpoint(),
        ])
        .args(ids(200))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut text = String::new();
    for _ in 0..5 {
        stdout.read_line(&mut text).unwrap();
    }
    interrupt(&child);
    let started = Instant::now();
    stdout.read_to_string(&mut text).unwrap();
    let status = child.wait().unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(status.code(), Some(130));

    let lines = json_lines(&text);
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["interrupted"], true);
    let reported: HashSet<String> = lines
        .iter()
        .filter(|l| l["outcome"] == "cleared")
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    let cleared: HashSet<String> = ids(200)
        .into_iter()
        .filter(|id| gateway.password(id).as_deref() == Some(""))
        .collect();
    assert_eq!(
        reported, cleared,
        "the report must name exactly the cleared servers"
    );
    assert!(cleared.len() < 200, "Ctrl-C did not stop the run");
    assert_eq!(summary["not_attempted"], 200 - cleared.len());
    assert_eq!(
        summary["not_attempted_ids"].as_array().unwrap().len(),
        200 - cleared.len()
    );
    assert_eq!(lines.len(), 201, "every server has its line");
}

#[test]
fn all_windows_without_a_terminal_needs_yes_and_sends_nothing() {
    let gateway = fleet(3, Duration::ZERO);
    let (code, _, err) = run(bin().args([
        "clear-password",
        "--all-windows",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert!(gateway.requests().is_empty());
    let (code, _, err) = run(bin().args([
        "clear-password",
        "--all-windows",
        "-y",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(deletes(&gateway), 3);
}

/// `command` run by `script`, which gives it a terminal, with the account
/// and every stream piped.
fn on_a_terminal(command: &str) -> std::process::Child {
    with_account(isolated(Command::new("script")))
        .args(["-qec", command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn all_windows_on_a_terminal_asks_first() {
    // `script` gives the command a terminal; skip where it is missing.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("script(1) not installed: skipped");
        return;
    }
    let gateway = fleet(3, Duration::ZERO);
    let command = format!(
        "{} clear-password --all-windows --endpoint {}",
        env!("CARGO_BIN_EXE_hwcloud-ecs"),
        gateway.endpoint()
    );
    for (answer, expect_deletes) in [("n\n", 0), ("y\n", 3)] {
        let mut child = on_a_terminal(&command);
        std::thread::sleep(Duration::from_millis(500));
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let shown = String::from_utf8_lossy(&output.stdout);
        assert!(
            shown.contains("About to clear the password record of 3 Windows server(s)"),
            "{shown}"
        );
        assert_eq!(deletes(&gateway), expect_deletes, "{shown}");
    }
    // Ctrl-C at the question ends the run at once with 130, nothing sent.
    let before = deletes(&gateway);
    let mut child = on_a_terminal(&command);
    std::thread::sleep(Duration::from_millis(500));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\x03").unwrap();
    let started = Instant::now();
    // Had the signal been ignored, the end of input answers the question.
    std::thread::sleep(Duration::from_millis(1000));
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(deletes(&gateway), before);
}

#[test]
fn input_lists_are_checked_with_their_file_and_line() {
    let gateway = fleet(2, Duration::ZERO);
    let dir = std::env::temp_dir().join(format!("hwcloud-ecs-bulk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.txt");
    std::fs::write(&bad, "srv-000\n# fine\n../etc\n").unwrap();
    let (code, _, err) = run(bin().args([
        "clear-password",
        "--from-file",
        bad.to_str().unwrap(),
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}, line 3", bad.display())), "{err}");
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, "# nothing here\n\n").unwrap();
    let (code, _, err) = run(bin().args([
        "clear-password",
        "--from-file",
        empty.to_str().unwrap(),
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("empty"), "{err}");
    assert!(gateway.requests().is_empty());

    let linux_only = FakeGateway::builder(Credentials::new(AK, SK).unwrap(), PROJECT)
        .with_server(hwcloud_ecs_fake::FakeServer::linux("srv-l"))
        .start()
        .unwrap();
    let (code, _, err) = run(bin().args([
        "clear-password",
        "--all-windows",
        "--yes",
        "--endpoint",
        linux_only.endpoint(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no Windows server found"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unrepresentable_wait_is_a_usage_error() {
    let gateway = fleet(1, Duration::ZERO);
    let (code, _, err) = run(bin().args([
        "show-password",
        "srv-000",
        "--wait",
        "18446744073709551615s",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(gateway.requests().is_empty());
}

#[test]
fn eight_servers_are_cleared_at_a_time_by_default() {
    let gateway = fleet(40, Duration::from_millis(100));
    let (code, _, err) = run(bin()
        .args(["clear-password", "--endpoint", gateway.endpoint()])
        .args(ids(40)));
    assert_eq!(code, 0, "{err}");
    // One connection per worker, each kept alive for its next server.
    assert_eq!(gateway.connections(), 8);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "environment names are case-insensitive on Windows: HTTP_PROXY is http_proxy there"
)]
fn proxies_come_from_the_environment_unless_no_proxy_names_the_host() {
    let gateway = fleet(1, Duration::ZERO);
    let proxy = FakeProxy::start().unwrap();
    // The endpoint is plain http (loopback): curl's variable for it is
    // http_proxy, in lower case only; HTTPS_PROXY is for https URLs.
    let (code, _, err) = run(bin()
        .env("HTTP_PROXY", proxy.url())
        .env("HTTPS_PROXY", proxy.url())
        .args([
            "clear-password",
            "srv-000",
            "--endpoint",
            gateway.endpoint(),
        ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        proxy.heads().len(),
        0,
        "through HTTP_PROXY or HTTPS_PROXY for an http URL"
    );
    let (code, _, err) = run(bin().env("http_proxy", proxy.url()).args([
        "clear-password",
        "srv-000",
        "--endpoint",
        gateway.endpoint(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(proxy.heads().len(), 1, "not through http_proxy");
    let (code, _, err) = run(bin()
        .env("http_proxy", proxy.url())
        .env("NO_PROXY", "127.0.0.1")
        .args([
            "clear-password",
            "srv-000",
            "--endpoint",
            gateway.endpoint(),
        ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(proxy.heads().len(), 1, "through the proxy despite NO_PROXY");
    assert_eq!(deletes(&gateway), 3);
}

#[test]
fn a_terminal_shows_a_progress_line_below_the_results() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("script(1) not installed: skipped");
        return;
    }
    let gateway = fleet(5, Duration::from_millis(20));
    let command = format!(
        "{} clear-password --concurrency 1 --endpoint {} {}",
        env!("CARGO_BIN_EXE_hwcloud-ecs"),
        gateway.endpoint(),
        ids(5).join(" ")
    );
    let output = with_account(isolated(Command::new("script")))
        .args(["-qec", &command, "/dev/null"])
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(
        screen.contains("1/5: cleared 1, not found 0, failed 0"),
        "{screen:?}"
    );
    // Each result line first blanks the progress line, with spaces and a
    // carriage return rather than an escape a legacy console would print.
    let progress = "1/5: cleared 1, not found 0, failed 0";
    let blanked = format!(
        "{progress}\r{}\rcleared       srv-001",
        " ".repeat(progress.len())
    );
    assert!(screen.contains(&blanked), "{screen:?}");
    assert!(!screen.contains("\u{1b}[K"), "{screen:?}");
    assert!(screen.contains("summary: cleared 5"), "{screen:?}");
}

#[test]
fn all_windows_lists_1500_servers_in_two_requests_and_2100_in_three() {
    for (n, pages) in [(1500, 2), (2100, 3)] {
        let gateway = fleet(n, Duration::ZERO);
        let (code, out, err) = run(bin().args([
            "clear-password",
            "--all-windows",
            "--dry-run",
            "--endpoint",
            gateway.endpoint(),
        ]));
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.lines().count(), n);
        let listed = gateway.requests();
        assert_eq!(listed.len(), pages, "{n} servers");
        assert!(listed.iter().all(|r| r.target.contains("limit=1000")));
    }
}

#[test]
fn a_rate_limited_run_clears_everything_and_reports_the_throttling() {
    let gateway = (0..30)
        .fold(
            FakeGateway::builder(Credentials::new(AK, SK).unwrap(), PROJECT).rate_limit(10.0, 5),
            |b, i| b.server(format!("srv-{i:03}"), "Q0lQSEVS"),
        )
        .start()
        .unwrap();
    let (code, out, err) = run(bin()
        .args([
            "clear-password",
            "--concurrency",
            "8",
            "--json",
            "--endpoint",
            gateway.endpoint(),
        ])
        .args(ids(30)));
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    let summary = lines.last().unwrap();
    assert_eq!(summary["cleared"], 30);
    let stats = gateway.rate_stats();
    assert!(
        stats.throttled > 0,
        "the limit was never reached: {stats:?}"
    );
    assert_eq!(summary["throttled"], stats.throttled);
    assert!(summary["rate"].as_f64().unwrap() <= 10.0, "{summary}");

    // --rate: the operator's quota, never exceeded, and shown by config.
    let capped = (0..12)
        .fold(
            FakeGateway::builder(Credentials::new(AK, SK).unwrap(), PROJECT)
                .rate_limit(1000.0, 1000),
            |b, i| b.server(format!("srv-{i:03}"), "Q0lQSEVS"),
        )
        .start()
        .unwrap();
    let (code, _, err) = run(bin()
        .args([
            "clear-password",
            "--rate",
            "4",
            "--endpoint",
            capped.endpoint(),
        ])
        .args(ids(12)));
    assert_eq!(code, 0, "{err}");
    assert!(
        capped.rate_stats().max_per_second <= 5,
        "{:?}",
        capped.rate_stats()
    );
    let (_, out, _) = run(bin().args([
        "config",
        "--offline",
        "--rate",
        "4",
        "--endpoint",
        capped.endpoint(),
    ]));
    assert!(
        out.lines().any(|l| l.starts_with("max rate")
            && l.contains("4 requests/s")
            && l.ends_with("command line --rate")),
        "{out}"
    );
    let (code, _, _) = run(bin().args([
        "clear-password",
        "srv-000",
        "--rate",
        "0",
        "--endpoint",
        capped.endpoint(),
    ]));
    assert_eq!(code, 2);
}

#[test]
#[cfg_attr(windows, ignore = "sends SIGINT with kill(1)")]
fn a_second_ctrl_c_exits_at_once() {
    // Each answer takes 3 s: after the first Ctrl-C the run would wait for
    // the call in flight; the second ends it at once.
    let gateway = fleet(5, Duration::from_secs(3));
    let mut child = bin()
        .args([
            "clear-password",
            "--concurrency",
            "1",
            "--endpoint",
            gateway.endpoint(),
        ])
        .args(ids(5))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(200));
    let second = Instant::now();
    interrupt(&child);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        second.elapsed() < Duration::from_millis(1500),
        "{:?}",
        second.elapsed()
    );
}

#[test]
fn a_per_minute_limit_waits_its_minute_and_clears_every_server() {
    // The answer a per-minute limit gives: Retry-After: 60, the limit named
    // per minute. The first server waits its minute (back-pressure, not a
    // failure), then all three go at the named pace.
    let gateway = fleet(3, Duration::ZERO);
    gateway.fail_next(
        1,
        Fault::Status {
            status: 429,
            body: serde_json::json!({
                "error_code": "APIGW.0308",
                "error_msg": "The throttling threshold has been reached: policy user over ratelimit,limit:120,time:1 minute",
                "request_id": "t",
            })
            .to_string(),
            retry_after: Some("60".to_owned()),
        },
    );
    let started = Instant::now();
    let (code, out, err) = run(bin()
        .args([
            "clear-password",
            "--concurrency",
            "1",
            "--endpoint",
            gateway.endpoint(),
        ])
        .args(ids(3)));
    let took = started.elapsed();
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("cleared")).count(),
        3,
        "{out}"
    );
    assert!(took >= Duration::from_secs(59), "{took:?}");
    assert!(took < Duration::from_secs(80), "{took:?}");
    // The first DELETE was refused 429 and sent again after the minute.
    assert_eq!(deletes(&gateway), 4);
    assert!(
        err.contains(
            "throttled: 1 answer(s) from the gateway's rate limit, each retried; paced at"
        ),
        "{err}"
    );
}

#[test]
fn a_wait_longer_than_max_wait_leaves_the_servers_not_attempted() {
    let gateway = fleet(3, Duration::ZERO);
    // Past the call's 60 s deadline, and past the run's --max-wait.
    gateway.fail_next(1, Fault::throttled("120"));
    let started = Instant::now();
    let (code, out, err) = run(bin()
        .args([
            "clear-password",
            "--concurrency",
            "1",
            "--max-wait",
            "90s",
            "--json",
        ])
        .args(["--endpoint", gateway.endpoint()])
        .args(ids(3)));
    assert_eq!(code, 1, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let lines = json_lines(&out);
    let results: Vec<&serde_json::Value> = lines.iter().filter(|l| l["type"] == "result").collect();
    assert_eq!(results.len(), 3);
    assert!(
        results.iter().all(|l| l["outcome"] == "not_attempted"),
        "{out}"
    );
    // The throttled server carries the gateway's last answer; the two never
    // sent carry none.
    let answered: Vec<&&serde_json::Value> =
        results.iter().filter(|l| !l["status"].is_null()).collect();
    assert_eq!(answered.len(), 1, "{out}");
    assert_eq!(answered[0]["status"], 429);
    assert_eq!(answered[0]["code"], "APIGW.0308");
    assert!(answered[0]["request_id"].is_string(), "{}", answered[0]);
    assert!(
        answered[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("not attempted:"),
        "{}",
        answered[0]
    );
    let summary = lines.last().unwrap();
    assert!(
        summary["reason"]
            .as_str()
            .unwrap()
            .contains("asked to wait 2 min, longer than the run allows (90 s)"),
        "{summary}"
    );
    assert_eq!(
        deletes(&gateway),
        1,
        "only the throttled one reached the gateway"
    );
}
