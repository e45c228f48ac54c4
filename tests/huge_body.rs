//! A hostile server's 100 MB body costs bounded memory. Alone in its own
//! test binary so that the process's peak memory is this test's.
#![cfg(target_os = "linux")]

use std::time::{Duration, Instant};

use hwcloud_ecs::{Client, Credentials, Error, RetryPolicy};
use hwcloud_ecs_fake::{FakeGateway, Fault};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const HUNDRED_MB: u64 = 100 * 1024 * 1024;

/// Peak resident memory of this process, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn hundred_megabyte_bodies_are_cut_not_buffered() {
    let creds = Credentials::new("AKHUGE", "SKhuge").unwrap();
    let gateway = FakeGateway::builder(creds.clone(), PROJECT)
        .server("s1", "")
        .start()
        .unwrap();
    let client = Client::builder()
        .credentials(creds)
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let before = peak_rss_kib();
    let started = Instant::now();

    gateway.fail_next(
        1,
        Fault::Huge {
            status: 500,
            len: HUNDRED_MB,
        },
    );
    let err = client.clear_password("s1").unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(api.status, 500);
    assert_eq!(api.snippet.as_ref().unwrap().chars().count(), 512);

    gateway.fail_next(
        1,
        Fault::Huge {
            status: 200,
            len: HUNDRED_MB,
        },
    );
    let err = client.get_password("s1").unwrap_err();
    assert!(
        matches!(&err, Error::InvalidResponse { reason, .. } if reason.contains("exceeds")),
        "{err:?}"
    );

    // The bounds are 64 KiB (error) and 1 MiB (success) plus one 8 KiB read
    // buffer; a Vec that doubles past 1 MiB holds at most 2 MiB. 6 MiB leaves
    // room for the allocator and the threads, and is far below the 100 MiB
    // a body read whole would cost.
    let grown_kib = peak_rss_kib().saturating_sub(before);
    assert!(grown_kib < 6 * 1024, "peak memory grew by {grown_kib} KiB");
    assert!(started.elapsed() < Duration::from_secs(10));
}
