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
