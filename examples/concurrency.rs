//! The large concurrency run: 16 threads x 1,000 calls on one shared client
//! against the fake gateway. Prints the time, throughput and how many
//! connections the gateway saw.
//!
//! `cargo run --release --example concurrency`

use std::thread;
use std::time::Instant;

use hwcloud_ecs::{Client, Credentials};
use hwcloud_ecs_fake::FakeGateway;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const THREADS: usize = 16;
const CALLS: usize = 1_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let creds = Credentials::new("AKEXAMPLE", "SKexample")?;
    let mut builder = FakeGateway::builder(creds.clone(), PROJECT);
    for t in 0..THREADS {
        builder = builder.server(format!("srv-{t}"), "Q0lQSEVS");
    }
    let gateway = builder.start()?;
    let client = Client::builder()
        .credentials(creds)
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
        .build()?;

    let started = Instant::now();
    let failures: usize = thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let client = &client;
                scope.spawn(move || {
                    let server = format!("srv-{t}");
                    (0..CALLS)
                        .filter(|_| match client.clear_password(&server) {
                            Ok(_) => false,
                            Err(e) => {
                                eprintln!("call failed: {e}");
                                true
                            }
                        })
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(CALLS)).sum()
    });
    let elapsed = started.elapsed();
    let total = THREADS * CALLS;
    println!(
        "{total} calls on {THREADS} threads in {elapsed:.2?} ({:.0} calls/s), {failures} failed, {} connections",
        total as f64 / elapsed.as_secs_f64(),
        gateway.connections()
    );
    if failures > 0 {
        std::process::exit(1);
    }
    Ok(())
}
