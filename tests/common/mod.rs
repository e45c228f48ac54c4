//! What several test files share: an injected environment that can never
//! reach the real ECS metadata service or IAM, and a recording proxy.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// A loopback address that refuses connections (port 1 is never served here).
pub const NOTHING_LISTENS: &str = "http://127.0.0.1:1";

/// Unless a test sets them, the metadata service and IAM are
/// [`NOTHING_LISTENS`]: no test reaches 169.254.169.254 or a real IAM.
pub fn never_the_real_services(name: &str) -> Option<String> {
    matches!(
        name,
        "HWCLOUD_ECS_TEST_METADATA_URL" | "HUAWEICLOUD_SDK_IAM_ENDPOINT"
    )
    .then(|| NOTHING_LISTENS.to_owned())
}

/// An environment holding only `pairs` (and the two guards above).
#[allow(dead_code)]
pub fn env(pairs: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| never_the_real_services(name))
    }
}

/// A CONNECT proxy that records each request head and tunnels to the target.
#[allow(dead_code)]
pub fn start_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let log = Arc::clone(&log);
            thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read_exact(&mut byte).is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                log.lock().unwrap().push(head.clone());
                let target = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                let Ok(upstream) = TcpStream::connect(&target) else {
                    return;
                };
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                let mut upstream = upstream;
                thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut upstream);
                });
                let _ = std::io::copy(&mut u2, &mut client);
            });
        }
    });
    (format!("127.0.0.1:{}", addr.port()), seen)
}
