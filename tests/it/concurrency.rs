//! One client shared by many threads: every call succeeds, connections are
//! reused, and nothing deadlocks.
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use hwcloud_ecs::{Client, Credentials};
use hwcloud_ecs_fake::{FakeGateway, Verdict};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const THREADS: usize = 16;
const CALLS_PER_THREAD: usize = 50;

#[test]
fn sixteen_threads_share_one_client_and_its_connections() {
    let creds = Credentials::new("AKCONCURRENT", "SKconcurrent").unwrap();
    let mut builder = FakeGateway::builder(creds.clone(), PROJECT);
    for t in 0..THREADS {
        builder = builder.server(format!("srv-{t}"), "Q0lQSEVS");
    }
    let gateway = builder.start().unwrap();
    let client = Client::builder()
        .credentials(creds)
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
        .build()
        .unwrap();

    let (done, finished) = mpsc::channel();
    for t in 0..THREADS {
        let client = client.clone();
        let done = done.clone();
        thread::spawn(move || {
            let server = format!("srv-{t}");
            let mut failures = 0;
            for i in 0..CALLS_PER_THREAD {
                let ok = if i % 2 == 0 {
                    client.get_password(&server).is_ok()
                } else {
                    client.clear_password(&server).is_ok()
                };
                failures += usize::from(!ok);
            }
            done.send(failures).unwrap();
        });
    }
    let mut failures = 0;
    for _ in 0..THREADS {
        // A generous bound: a deadlock shows up as a failure, not a hang.
        failures += finished
            .recv_timeout(Duration::from_secs(120))
            .expect("a thread did not finish: deadlock?");
    }
    assert_eq!(failures, 0);
    let requests = gateway.requests();
    assert_eq!(requests.len(), THREADS * CALLS_PER_THREAD);
    assert!(requests.iter().all(|r| r.verdict == Verdict::Accepted));
    let connections = gateway.connections();
    assert!(
        connections <= 2 * THREADS,
        "{connections} connections for {} requests",
        requests.len()
    );
}
