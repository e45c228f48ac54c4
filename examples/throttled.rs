//! Bulk clearing at the gateway's rate limit: 1,000 servers, a fake gateway
//! that lets 100 requests a second through (bursts of 10) and answers the
//! rest 429 `APIGW.0308` stating its limit and no `Retry-After`, 16 workers sharing one
//! client. The ideal is 10 s; the run reports its time as a ratio to that,
//! and the share of requests that were throttled, over several runs.
//!
//! `cargo run --release --example throttled [runs]`

use std::time::{Duration, Instant};

use hwcloud_ecs::{Client, Credentials};
use hwcloud_ecs_fake::FakeGateway;

const SERVERS: usize = 1000;
const RATE: f64 = 100.0;
const BURST: u32 = 10;
const WORKERS: usize = 16;
const IDEAL: Duration = Duration::from_secs(10);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let project = "0123456789abcdef0123456789abcdef";
    let creds = Credentials::new("AKTHROTTLED", "SKthrottled")?;
    let ids: Vec<String> = (0..SERVERS).map(|i| format!("srv-{i:04}")).collect();
    let mut ratios = Vec::new();
    let mut shares = Vec::new();
    for run in 1..=runs {
        let gateway = ids
            .iter()
            .fold(
                FakeGateway::builder(creds.clone(), project).rate_limit(RATE, BURST),
                |b, id| b.server(id, "Q0lQSEVS"),
            )
            .start()?;
        let client = Client::builder()
            .credentials(creds.clone())
            .project_id(project)
            .endpoint(gateway.endpoint())
            .build()?;
        let started = Instant::now();
        let results =
            hwcloud_ecs::Bulk::clear()
                .workers(WORKERS)
                .run_on(&client, &ids, |_, _, _| {});
        let took = started.elapsed();
        let failed = results.iter().filter(|r| r.is_err()).count();
        let stats = gateway.rate_stats();
        let share = stats.throttled as f64 / (stats.accepted + stats.throttled) as f64;
        let ratio = took.as_secs_f64() / IDEAL.as_secs_f64();
        println!(
            "run {run}: {took:.2?} ({ratio:.3}x the ideal), {} accepted, {} throttled ({:.1} %), {failed} failed, at most {} in a second",
            stats.accepted,
            stats.throttled,
            share * 100.0,
            stats.max_per_second
        );
        ratios.push(ratio);
        shares.push(share * 100.0);
    }
    let spread = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[0], v[v.len() / 2], v[v.len() - 1])
    };
    let (lo, mid, hi) = spread(&mut ratios);
    println!("time / ideal: min {lo:.3}, median {mid:.3}, max {hi:.3} (target <= 1.15)");
    let (lo, mid, hi) = spread(&mut shares);
    println!("throttled share: min {lo:.1} %, median {mid:.1} %, max {hi:.1} % (target <= 5 %)");
    Ok(())
}
