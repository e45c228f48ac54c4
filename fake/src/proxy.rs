//! A CONNECT proxy on loopback that records each tunnel's request head, for
//! testing that a client goes through a proxy (or not) and what it sends it.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::lock;

/// The longest CONNECT head read; a real one is a few hundred bytes.
const MAX_HEAD: usize = 16 * 1024;

/// A running CONNECT proxy; it stops accepting when dropped.
///
/// ```
/// use hwcloud_ecs_fake::{FakeGateway, FakeProxy};
/// use hwcloud_ecs::{Client, Credentials};
///
/// let creds = Credentials::new("AK", "SK")?;
/// let gateway = FakeGateway::builder(creds.clone(), "p1").server("s1", "").start()?;
/// let proxy = FakeProxy::start()?;
/// let client = Client::builder()
///     .credentials(creds)
///     .project_id("p1")
///     .endpoint(gateway.endpoint())
///     .proxy(proxy.url())
///     .build()?;
/// client.clear_password("s1")?;
/// assert!(proxy.heads()[0].starts_with("CONNECT 127.0.0.1:"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FakeProxy {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl FakeProxy {
    /// Binds `127.0.0.1:0` and tunnels every CONNECT to its target.
    ///
    /// # Errors
    /// The bind error.
    pub fn start() -> io::Result<FakeProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let heads = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, stopped) = (Arc::clone(&heads), Arc::clone(&stop));
        thread::spawn(move || {
            while !stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let log = Arc::clone(&log);
                        thread::spawn(move || tunnel(client, &log));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(10));
                    }
                    Err(_) => return,
                }
            }
        });
        Ok(FakeProxy { addr, heads, stop })
    }

    /// `host:port` of the proxy, as `HTTP_PROXY` or a scheme-less URL takes it.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// `http://host:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every CONNECT request head received so far, in order.
    pub fn heads(&self) -> Vec<String> {
        lock(&self.heads).clone()
    }
}

impl Drop for FakeProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Reads the CONNECT head, records it, and copies bytes both ways.
fn tunnel(mut client: TcpStream, log: &Mutex<Vec<String>>) {
    if client.set_nonblocking(false).is_err() {
        return;
    }
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < MAX_HEAD {
        if client.read_exact(&mut byte).is_err() {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    lock(log).push(head.clone());
    let target = head
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let Ok(upstream) = TcpStream::connect(&target) else {
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let (Ok(mut from_client), Ok(mut to_upstream)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    thread::spawn(move || {
        let _ = io::copy(&mut from_client, &mut to_upstream);
    });
    let mut from_upstream = upstream;
    let _ = io::copy(&mut from_upstream, &mut client);
}
