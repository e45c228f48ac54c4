//! Bulk clearing under rate limits, named in the 429 or not: the three
//! unnamed rows (a loopback gateway's token bucket answering 429
//! `APIGW.0308` "The throttling threshold has been reached", with no
//! `Retry-After` and no limit, as real gateways answer) and the named
//! 100/s row. Each row prints
//! time ÷ its ideal (the servers beyond the burst ÷ the limit) and the share
//! of requests throttled, min / median / max over the runs.
//!
//! `cargo run --release --example throttled_unnamed [runs] [row]` (row 0–3: one row only)

use std::time::Instant;

use hwcloud_ecs::{Bulk, Client, Credentials};
use hwcloud_ecs_fake::FakeGateway;

/// (limit a second, burst, servers, workers, named in the 429).
const ALL_ROWS: [(f64, u32, usize, usize, bool); 4] = [
    (50.0, 10, 250, 16, false),
    (20.0, 5, 200, 16, false),
    (5.0, 5, 40, 8, false),
    (100.0, 10, 1000, 16, true),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let project = "0123456789abcdef0123456789abcdef";
    let creds = Credentials::new("AKTHROTTLED", "SKthrottled")?;
    let only: Option<usize> = std::env::args().nth(2).and_then(|a| a.parse().ok());
    for (row, &(rate, burst, servers, workers, named)) in ALL_ROWS.iter().enumerate() {
        if only.is_some_and(|o| o != row) {
            continue;
        }
        let ids: Vec<String> = (0..servers).map(|i| format!("srv-{i:04}")).collect();
        // The first `burst` go at once; the rest at the limit.
        let ideal = (servers as f64 - f64::from(burst)).max(1.0) / rate;
        let (mut ratios, mut shares, mut failures) = (Vec::new(), Vec::new(), 0);
        for _ in 0..runs {
            let builder = FakeGateway::builder(creds.clone(), project);
            let builder = if named {
                builder.rate_limit(rate, burst)
            } else {
                builder.rate_limit_unnamed(rate, burst)
            };
            let gateway = ids
                .iter()
                .fold(builder, |b, id| b.server(id, "Q0lQSEVS"))
                .start()?;
            let client = Client::builder()
                .credentials(creds.clone())
                .project_id(project)
                .endpoint(gateway.endpoint())
                .build()?;
            let started = Instant::now();
            let results = Bulk::clear()
                .workers(workers)
                .run_on(&client, &ids, |_, _, _| {});
            let took = started.elapsed().as_secs_f64();
            failures += results.iter().filter(|r| r.is_err()).count();
            let stats = gateway.rate_stats();
            ratios.push(took / ideal);
            shares.push(100.0 * stats.throttled as f64 / (stats.accepted + stats.throttled) as f64);
        }
        let spread = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            (v[0], v[v.len() / 2], v[v.len() - 1])
        };
        let (r0, r1, r2) = spread(&mut ratios);
        let (s0, s1, s2) = spread(&mut shares);
        println!(
            "{rate}/s burst {burst}, {servers} servers, {workers} workers, limit {}: time / ideal ({ideal:.1} s) {r0:.2} / {r1:.2} / {r2:.2}; throttled {s0:.1} / {s1:.1} / {s2:.1} %; {failures} failed",
            if named { "named" } else { "unnamed" }
        );
    }
    Ok(())
}
