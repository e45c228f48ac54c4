//! Bulk runs against gateways that state their limit as real ones do (429
//! `APIGW.0308`, `limit:N,time:T`, no `Retry-After`), kept as a counter per
//! fixed window or as a token bucket of the same stated limit, each served
//! in this process and by a gateway in another (`hwcloud-ecs
//! fake-gateway`), and one bucket that states nothing. Each row prints the
//! run's time over its ideal and the throttled answers, min / median / max
//! over the rounds:
//!
//! `taskset -c 0 cargo bench -p hwcloud-ecs-cli --bench throttling -- [ROUNDS] [unnamed]`
//! (`unnamed`: that row alone)
//!
//! The ideal is what the limit allows at best: a window's count at once,
//! then the next count a span later (a bucket of burst N allows the same).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hwcloud_ecs::{Bulk, Client, Credentials};
use hwcloud_ecs_fake::FakeGateway;

const AK: &str = "AKBENCHTHROTTLE00000";
const SK: &str = "SKbenchThrottleSecretNOTREAL000000000000";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";

/// One row: a stated limit, the servers and the workers.
struct Row {
    count: u32,
    per: Duration,
    servers: usize,
    workers: usize,
}

impl Row {
    /// The time the limit allows at best: whole windows, the last sent at
    /// its start.
    fn ideal(&self) -> Duration {
        let windows = self.servers.div_ceil(self.count as usize).saturating_sub(1);
        self.per * windows as u32
    }
}

/// Where the gateway runs.
enum Gateway {
    Here(FakeGateway),
    Apart(Child, String),
}

impl Gateway {
    fn endpoint(&self) -> &str {
        match self {
            Gateway::Here(gateway) => gateway.endpoint(),
            Gateway::Apart(_, endpoint) => endpoint,
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Gateway::Apart(child, _) = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("srv-{i:04}")).collect()
}

/// The gateway for `limiter` (`window`, `bucket` or `unnamed`), here or in
/// a process of its own.
fn gateway(row: &Row, limiter: &str, apart: bool) -> Gateway {
    let servers = ids(row.servers);
    if apart {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hwcloud-ecs"))
            .args(["fake-gateway", "--project-id", PROJECT, "--servers"])
            .arg(servers.join(","))
            .arg("--rate-limit")
            .arg(format!("{}/{}ms", row.count, row.per.as_millis()))
            .args(["--limiter", limiter])
            .env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the CLI's fake gateway starts");
        let mut endpoint = String::new();
        let stdout = child.stdout.take().expect("piped");
        BufReader::new(stdout)
            .read_line(&mut endpoint)
            .expect("its endpoint");
        return Gateway::Apart(child, endpoint.trim().to_owned());
    }
    let builder = servers.iter().fold(
        FakeGateway::builder(Credentials::new(AK, SK).expect("fixed"), PROJECT),
        |b, id| b.server(id, "Q0lQSEVS"),
    );
    let builder = match limiter {
        "window" => builder.rate_limit_window(row.count, row.per),
        "bucket" => builder.rate_limit_bucket(row.count, row.per),
        _ => builder.rate_limit_unnamed(f64::from(row.count) / row.per.as_secs_f64(), row.count),
    };
    Gateway::Here(builder.start().expect("the fake gateway starts"))
}

/// One run: its time over the ideal, and the throttled answers.
fn run(row: &Row, limiter: &str, apart: bool) -> (f64, u64) {
    let gateway = gateway(row, limiter, apart);
    let client = Client::builder()
        .credentials(Credentials::new(AK, SK).expect("fixed"))
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
        .build()
        .expect("a client");
    let servers = ids(row.servers);
    let started = Instant::now();
    let results = Bulk::clear()
        .workers(row.workers)
        .run_on(&client, &servers, |_, _, _| {});
    let took = started.elapsed();
    let failed = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(failed, 0, "every server is cleared");
    (
        took.as_secs_f64() / row.ideal().as_secs_f64(),
        client.throttled(),
    )
}

fn spread<T: PartialOrd + Copy + std::fmt::Display>(mut values: Vec<T>) -> String {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let (min, median, max) = (
        values[0],
        values[values.len() / 2],
        values[values.len() - 1],
    );
    format!("{min:.3} / {median:.3} / {max:.3}")
}

fn main() {
    let rounds: usize = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(1)
        .max(1);
    let second = Duration::from_secs(1);
    let stated = [
        Row {
            count: 5,
            per: 5 * second,
            servers: 20,
            workers: 4,
        },
        Row {
            count: 30,
            per: 10 * second,
            servers: 90,
            workers: 8,
        },
        Row {
            count: 3,
            per: second,
            servers: 60,
            workers: 8,
        },
    ];
    // A bucket of 20 a second with bursts of 5 that states nothing (5 every
    // 250 ms): its ideal is the servers past the burst at 20 a second.
    let unnamed = Row {
        count: 5,
        per: Duration::from_millis(250),
        servers: 200,
        workers: 16,
    };
    let only_unnamed = std::env::args().any(|a| a == "unnamed");
    println!("row | gateway | time / ideal (min / median / max) | throttled (min / median / max)");
    for row in stated.iter().filter(|_| !only_unnamed) {
        for limiter in ["window", "bucket"] {
            for apart in [false, true] {
                let runs: Vec<(f64, u64)> = (0..rounds).map(|_| run(row, limiter, apart)).collect();
                println!(
                    "{} per {:?}, {} servers, {} workers | {limiter}, {} | {} | {}",
                    row.count,
                    row.per,
                    row.servers,
                    row.workers,
                    if apart {
                        "another process"
                    } else {
                        "in process"
                    },
                    spread(runs.iter().map(|r| r.0).collect()),
                    spread(runs.iter().map(|r| r.1).collect()),
                );
            }
        }
    }
    for apart in [false, true] {
        let rate = f64::from(unnamed.count) / unnamed.per.as_secs_f64();
        let ideal = (unnamed.servers - unnamed.count as usize) as f64 / rate;
        let runs: Vec<(f64, u64)> = (0..rounds)
            .map(|_| {
                let (ratio, throttled) = run(&unnamed, "unnamed", apart);
                // `run` divides by whole windows; this row's ideal is smooth.
                let took = ratio * unnamed.ideal().as_secs_f64();
                (took / ideal, throttled)
            })
            .collect();
        println!(
            "20/s stated nowhere, burst 5, 200 servers, 16 workers | unnamed bucket, {} | {} | {}",
            if apart {
                "another process"
            } else {
                "in process"
            },
            spread(runs.iter().map(|r| r.0).collect()),
            spread(runs.iter().map(|r| r.1).collect()),
        );
    }
}
