//! An account-wide sweep at the gateways' rate limits: 3 regions × 2
//! projects × 500 servers (half of them Windows, each storing a password),
//! every region's fake gateway letting 50 requests a second through and
//! naming that limit in its 429, 16 workers across every project. The
//! sweep is the library's own: IAM's project list, a client per project,
//! the Windows listing, then one bulk clear over all of them.
//!
//! It prints the time as a ratio to the ideal (the slowest region's
//! requests ÷ 50 a second), the share of requests throttled, and the heap
//! the sweep holds per server listed, over several runs (min / median / max).
//!
//! `cargo run --release --example account [runs]`

use std::time::Instant;

use hwcloud_ecs::{Bulk, ClientBuilder, Credentials, ServerFilter};
use hwcloud_ecs_fake::{FakeGateway, FakeServer};
use peak_alloc::PeakAlloc;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const REGIONS: [&str; 3] = ["cn-north-4", "eu-west-0", "ap-southeast-1"];
const PER_PROJECT: usize = 500;
const RATE: f64 = 50.0;
const BURST: u32 = 5;
const WORKERS: usize = 16;

/// The three regions' gateways (the first one IAM too) and the lookup that
/// points the account at them.
fn gateways(
    creds: &Credentials,
    per_project: usize,
    rate: Option<f64>,
) -> Result<(Vec<FakeGateway>, hwcloud_ecs::Account), Box<dyn std::error::Error>> {
    let ids = |r: usize| {
        (
            format!("{r}0{}", "0".repeat(30)),
            format!("{r}1{}", "0".repeat(30)),
        )
    };
    let mut gateways = Vec::new();
    for r in 0..REGIONS.len() {
        let (own, sub) = ids(r);
        let mut builder = FakeGateway::builder(creds.clone(), own.as_str()).project(sub.as_str());
        if let Some(rate) = rate {
            builder = builder.rate_limit(rate, BURST);
        }
        if r == 0 {
            for (p, region) in REGIONS.iter().enumerate() {
                let (own, sub) = ids(p);
                builder = builder.account_project(own, *region, true).account_project(
                    sub,
                    format!("{region}_sub"),
                    true,
                );
            }
        }
        for i in 0..per_project * 2 {
            let id = format!("{r}-{i:05}-000-0000-0000-000000000000");
            let server = if i % 2 == 0 {
                FakeServer::windows(id, "Q0lQSEVS")
            } else {
                FakeServer::linux(id)
            };
            let server = if i < per_project {
                server
            } else {
                server.in_project(sub.as_str())
            };
            builder = builder.with_server(server);
        }
        gateways.push(builder.start()?);
    }
    let urls: Vec<String> = gateways.iter().map(|g| g.endpoint().to_owned()).collect();
    let lookup = move |name: &str| {
        if name == "HUAWEICLOUD_SDK_IAM_ENDPOINT" {
            return urls.first().cloned();
        }
        REGIONS.iter().zip(&urls).find_map(|(region, url)| {
            let variable = format!(
                "HUAWEICLOUD_SDK_REGION_ECS_{}",
                region.to_uppercase().replace('-', "_")
            );
            (name == variable).then(|| url.clone())
        })
    };
    let account = ClientBuilder::from_env_with(lookup)?
        .credentials(creds.clone())
        .build_account()?;
    Ok((gateways, account))
}

/// Every Windows server of every project, with its project's client: what
/// the sweep holds while it runs.
fn plan(
    account: &hwcloud_ecs::Account,
) -> Result<Vec<(hwcloud_ecs::Client, String)>, hwcloud_ecs::Error> {
    let mut targets = Vec::new();
    for project in &account.projects()?.projects {
        let client = account.client(project)?;
        for server in client.list_servers_matching(&ServerFilter::windows())? {
            targets.push((client.clone(), server.id));
        }
    }
    Ok(targets)
}

/// Heap bytes the plan holds per server listed, as the slope between two
/// account sizes (so that the fixed cost of clients and pooled
/// connections is left out); no rate limit, so it takes a second.
fn bytes_per_server(creds: &Credentials) -> Result<f64, Box<dyn std::error::Error>> {
    let mut held = Vec::new();
    for per_project in [500, 5000] {
        let (_gateways, account) = gateways(creds, per_project, None)?;
        // One listing first, so that each endpoint's connection is pooled
        // before the count starts.
        drop(plan(&account)?);
        let before = HEAP.current_usage();
        let targets = plan(&account)?;
        held.push((HEAP.current_usage().saturating_sub(before), 6 * per_project));
        drop(targets);
    }
    let ((small, n_small), (large, n_large)) = (held[0], held[1]);
    Ok((large as f64 - small as f64) / (n_large - n_small) as f64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let creds = Credentials::new("AKACCOUNTBENCH", "SKaccountbench")?;
    let (mut ratios, mut shares, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=runs {
        let (gateways, account) = gateways(&creds, PER_PROJECT, Some(RATE))?;
        let before = HEAP.current_usage();
        let started = Instant::now();

        // The sweep: every project of every region.
        let targets = plan(&account)?;
        let listed = 6 * PER_PROJECT;
        let held = HEAP.current_usage().saturating_sub(before);
        let results = Bulk::clear().workers(WORKERS).run(&targets, |_, _, _| {});
        let took = started.elapsed();

        let failed = results.iter().filter(|r| r.is_err()).count();
        let (mut accepted, mut throttled, mut slowest) = (0, 0, 0u64);
        for gateway in &gateways {
            let stats = gateway.rate_stats();
            accepted += stats.accepted;
            throttled += stats.throttled;
            slowest = slowest.max(stats.accepted);
        }
        let ideal = slowest as f64 / RATE;
        let ratio = took.as_secs_f64() / ideal;
        let share = throttled as f64 / (accepted + throttled) as f64;
        let per_server = held as f64 / listed as f64;
        bytes.push(per_server);
        println!(
            "run {run}: {} cleared in {took:.2?} ({ratio:.3}x the ideal {ideal:.2} s), {throttled} throttled ({:.1} %), {failed} failed; {held} heap bytes held for {listed} servers listed ({per_server:.0} per server)",
            results.len() - failed,
            share * 100.0
        );
        if failed > 0 {
            std::process::exit(1);
        }
        ratios.push(ratio);
        shares.push(share * 100.0);
    }
    let spread = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[0], v[v.len() / 2], v[v.len() - 1])
    };
    if runs == 0 {
        println!(
            "heap held per server listed, the slope: {:.0} bytes",
            bytes_per_server(&creds)?
        );
        return Ok(());
    }
    let (lo, mid, hi) = spread(&mut ratios);
    println!("time / ideal: min {lo:.3}, median {mid:.3}, max {hi:.3}");
    let (lo, mid, hi) = spread(&mut shares);
    println!("throttled %: min {lo:.1}, median {mid:.1}, max {hi:.1}");
    let (lo, mid, hi) = spread(&mut bytes);
    println!("heap held per server listed, pooled connections included: min {lo:.0}, median {mid:.0}, max {hi:.0} bytes");
    println!(
        "heap held per server listed, the slope from 3,000 to 30,000 servers listed: {:.0} bytes",
        bytes_per_server(&creds)?
    );
    println!("peak heap of the process: {} bytes", HEAP.peak_usage());
    Ok(())
}
