//! Sequential DELETEs to a local server on one keep-alive connection:
//! the full client (validate, sign, send, read) next to bare ureq sending
//! the same DELETE, with the same headers and timeouts, to the same server.
//! Target: at least 0.93x bare ureq's throughput, measured as a ratio of
//! interleaved batches (printed last) besides criterion's absolute figures.
//!
//! `cargo bench --bench round_trip`
//!
//! The server answers 204 to everything without verifying, so both sides
//! measure client cost plus the same loopback round trip.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

use std::time::Duration;

use criterion::{Criterion, Throughput};
use hwcloud_ecs::{Client, Credentials};

mod ratio;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const SERVER: &str = "8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00";

/// A keep-alive HTTP/1.1 responder that answers every request with 204 on
/// the connection's own thread: the fewest context switches per request, so
/// the comparison is not drowned in scheduling noise. Requests carry no body.
fn start_204_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let mut buf = vec![0u8; 16 * 1024];
                let mut have = 0;
                loop {
                    let n = match stream.read(&mut buf[have..]) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    have += n;
                    while let Some(end) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.copy_within(end + 4..have, 0);
                        have -= end + 4;
                        if stream
                            .write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn round_trip(c: &mut Criterion) {
    let (client, bare, url) = contenders();

    let mut group = c.benchmark_group("sequential_delete");
    group.throughput(Throughput::Elements(1));
    group.bench_function("hwcloud_ecs_client", |b| {
        b.iter(|| client.clear_password(SERVER).unwrap())
    });
    group.bench_function("bare_ureq", |b| b.iter(|| bare_delete(&bare, &url)));
    group.finish();
}

/// A responder, the client and bare ureq aimed at it, and the URL.
fn contenders() -> (Client, ureq::Agent, String) {
    let endpoint = start_204_server();
    let client = Client::builder()
        .credentials(Credentials::new("AKBENCH", "SKBENCH").unwrap())
        .project_id(PROJECT)
        .endpoint(&endpoint)
        .build()
        .unwrap();
    let (bare, url) = bare_ureq(&endpoint);
    (client, bare, url)
}

/// Bare ureq configured as the client's agent is: the same per-phase
/// timeouts, no redirects, the same user agent and `Accept`.
fn bare_ureq(endpoint: &str) -> (ureq::Agent, String) {
    let timeout = Some(Duration::from_secs(30));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent("hwcloud-ecs/0.1.0")
        .accept("application/json")
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_per_write(timeout)
        .timeout_per_read(timeout)
        .timeout_recv_response(timeout)
        .build()
        .into();
    let url = format!("{endpoint}/v2.1/{PROJECT}/servers/{SERVER}/os-server-password");
    (agent, url)
}

/// The same DELETE with the same headers the client sends, a fixed
/// signature standing in for a computed one.
fn bare_delete(agent: &ureq::Agent, url: &str) {
    let response = agent
        .delete(url)
        .header("Content-Type", "application/json")
        .header("X-Project-Id", PROJECT)
        .header("X-Sdk-Date", "20260102T030405Z")
        .header(
            "Authorization",
            "SDK-HMAC-SHA256 Access=AKBENCH, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=1cbaf53a333a2acfb2eb9db8269513ac5fcc833c30ddf2b62a16dabdfdd0b663",
        )
        .call()
        .unwrap();
    assert_eq!(response.status(), 204);
}

/// The client and bare ureq in alternating batches, as a throughput ratio.
fn interleaved() {
    let (client, bare, url) = contenders();
    let (min, median, max) = ratio::interleaved(
        "client time / bare ureq time",
        31,
        3_000,
        || drop(client.clear_password(SERVER).unwrap()),
        || bare_delete(&bare, &url),
    );
    println!(
        "client throughput / bare ureq throughput: min {:.3}, median {:.3}, max {:.3} (target >= 0.93)",
        1.0 / max,
        1.0 / median,
        1.0 / min
    );
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    round_trip(&mut criterion);
    criterion.final_summary();
    interleaved();
}
