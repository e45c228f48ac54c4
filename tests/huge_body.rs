//! A hostile server's 100 MB body costs bounded memory. Alone in its own
//! test binary so that the process's peak heap is this test's. The heap is
//! counted by the allocator itself, not read as the resident set: under an
//! emulator (qemu-user for aarch64) the resident set is mostly the
//! emulator's own translation cache, which grows with the code run, not
//! with what the client holds.

use std::time::{Duration, Instant};

use peak_alloc::PeakAlloc;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

use hwcloud_ecs::{Client, Credentials, Error, RetryPolicy};
use hwcloud_ecs_fake::{FakeGateway, Fault};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const HUNDRED_MB: u64 = 100 * 1024 * 1024;

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
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
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
    // room for the fake gateway's own buffers and the threads, and is far
    // below the 100 MiB a body read whole would cost.
    let grown_kib = HEAP.peak_usage().saturating_sub(before) / 1024;
    assert!(
        grown_kib < 6 * 1024,
        "the peak heap grew by {grown_kib} KiB"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}
