//! What the CLI test files share: a command cut off from the machine's own
//! configuration and from every real service, and Ctrl-C for a child.

use std::process::{Child, Command};

/// A loopback address that refuses connections: the stand-in for the
/// metadata service and IAM, so that no test reaches the real ones.
pub const NOTHING_LISTENS: &str = "http://127.0.0.1:1";

/// `cmd` with no `HUAWEICLOUD_*` variable of this process, no credentials
/// file of the machine, and the metadata service and IAM at
/// [`NOTHING_LISTENS`] (tests that want them start fakes).
pub fn isolated(mut cmd: Command) -> Command {
    for (name, _) in std::env::vars() {
        if name.starts_with("HUAWEICLOUD_") {
            cmd.env_remove(name);
        }
    }
    cmd.env(
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
        "/nonexistent/hwcloud-ecs-tests/credentials",
    )
    .env("HWCLOUD_ECS_TEST_METADATA_URL", NOTHING_LISTENS)
    .env("HUAWEICLOUD_SDK_IAM_ENDPOINT", NOTHING_LISTENS);
    cmd
}

/// The binary under test, isolated.
pub fn bin() -> Command {
    isolated(Command::new(env!("CARGO_BIN_EXE_hwcloud-ecs")))
}

/// Sends SIGINT to `child`, as Ctrl-C would.
#[allow(dead_code)]
pub fn interrupt(child: &Child) {
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Runs `cmd`: its exit code, stdout and stderr, asserting that `secret`
/// (the test's SK) appears in neither.
#[allow(dead_code)]
pub fn run_without_leaking(cmd: &mut Command, secret: &str) -> (i32, String, String) {
    let output = cmd.output().expect("binary runs");
    let out = String::from_utf8(output.stdout).unwrap();
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(
        !out.contains(secret) && !err.contains(secret),
        "the SK leaked"
    );
    (output.status.code().unwrap_or(-1), out, err)
}

/// `out` read as JSON Lines, one object a line.
#[allow(dead_code)]
pub fn json_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}
