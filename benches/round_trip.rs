//! Sequential DELETEs to a local server on one keep-alive connection:
//! the full client (validate, sign, send, read) next to bare ureq sending
//! the same DELETE to the same server. Target: at least 0.9x bare ureq's
//! throughput.
//!
//! The server answers 204 to everything without verifying, so both sides
//! measure client cost plus the same loopback round trip.
// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hwcloud_ecs::{Client, Credentials};

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
    let endpoint = start_204_server();
    let client = Client::builder()
        .credentials(Credentials::new("AKBENCH", "SKBENCH").unwrap())
        .project_id(PROJECT)
        .endpoint(&endpoint)
        .build()
        .unwrap();
    let bare: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("{endpoint}/v2.1/{PROJECT}/servers/{SERVER}/os-server-password");

    let mut group = c.benchmark_group("sequential_delete");
    group.throughput(Throughput::Elements(1));
    group.bench_function("hwcloud_ecs_client", |b| {
        b.iter(|| client.clear_password(SERVER).unwrap())
    });
    group.bench_function("bare_ureq", |b| {
        b.iter(|| {
            let response = bare.delete(&url).call().unwrap();
            assert_eq!(response.status(), 204);
        })
    });
    group.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
