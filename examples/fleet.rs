//! The fleet benchmark: clear 1,000 Windows servers on the fake gateway with
//! 20 ms latency per request and 16 worker threads. The ideal is
//! 1,000 x 20 ms / 16 = 1.25 s; prints the measured time and its ratio.
//!
//! `cargo run --release --example fleet`

use std::time::{Duration, Instant};

use hwcloud_ecs::{Client, Credentials};
use hwcloud_ecs_fake::{FakeGateway, FakeServer};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const SERVERS: usize = 1_000;
const LATENCY: Duration = Duration::from_millis(20);
const THREADS: usize = 16;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let creds = Credentials::new("AKFLEETBENCH", "SKfleetbench")?;
    let mut builder = FakeGateway::builder(creds.clone(), PROJECT).latency(LATENCY);
    let ids: Vec<String> = (0..SERVERS).map(|i| format!("srv-{i:04}")).collect();
    for id in &ids {
        builder = builder.with_server(FakeServer::windows(id, "Q0lQSEVS"));
    }
    let gateway = builder.start()?;
    let client = Client::builder()
        .credentials(creds)
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
        .build()?;

    let started = Instant::now();
    let results = hwcloud_ecs::Bulk::clear()
        .workers(THREADS)
        .run_on(&client, &ids, |_, _, _| {});
    let took = started.elapsed();
    let failed = results.iter().filter(|r| r.is_err()).count();
    let ideal = LATENCY * SERVERS as u32 / THREADS as u32;
    println!(
        "{SERVERS} servers, {} ms latency, {THREADS} threads: {took:.3?} (ideal {ideal:.3?}, ratio {:.2}), {failed} failed, {} connections",
        LATENCY.as_millis(),
        took.as_secs_f64() / ideal.as_secs_f64(),
        gateway.connections()
    );
    if failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}
