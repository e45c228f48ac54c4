//! A small HTTP/1.1 server for the fake gateway: one thread per connection,
//! keep-alive, requests parsed by `httparse`.
//!
//! Owning the socket (rather than hiding it behind a server framework) is what
//! lets the gateway misbehave on purpose in tests later: reset a connection,
//! stall, or trickle a body.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Largest request head (request line and headers).
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body.
const MAX_BODY: usize = 1024 * 1024;
const MAX_HEADERS: usize = 64;

/// A request as received.
pub(crate) struct Incoming {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub peer: SocketAddr,
}

/// A response to send.
pub(crate) struct Outgoing {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What to do with a request: answer it, or misbehave on purpose.
pub(crate) enum Reply {
    /// Answer normally.
    Respond(Outgoing),
    /// Close the connection without answering.
    Close,
    /// Never answer (until the server stops).
    Stall,
    /// Send the head at once, then the body one byte every interval.
    Trickle(Outgoing, Duration),
    /// Announce the whole body but send only its first bytes, then close.
    Truncate(Outgoing, usize),
    /// Announce `len` body bytes and stream filler until done or refused.
    Huge(Outgoing, u64),
}

pub(crate) type Handler = dyn Fn(Incoming) -> Reply + Send + Sync;

pub(crate) struct HttpServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    accepted: Arc<AtomicUsize>,
    acceptor: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Serves plain HTTP, or HTTPS when `tls` is given.
    pub(crate) fn start(
        addr: &str,
        handler: Arc<Handler>,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> io::Result<HttpServer> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(AtomicUsize::new(0));
        let acceptor = {
            let (stop, open, accepted) =
                (Arc::clone(&stop), Arc::clone(&open), Arc::clone(&accepted));
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    accepted.fetch_add(1, Ordering::SeqCst);
                    if let Ok(clone) = stream.try_clone() {
                        crate::lock(&open).push(clone);
                    }
                    let handler = Arc::clone(&handler);
                    let stop = Arc::clone(&stop);
                    let tls = tls.clone();
                    thread::spawn(move || {
                        let _ = stream.set_nodelay(true);
                        let Ok(peer) = stream.peer_addr() else { return };
                        let Ok(closer) = stream.try_clone() else {
                            return;
                        };
                        match tls.map(rustls::ServerConnection::new) {
                            None => serve_connection(stream, peer, &*handler, &stop),
                            Some(Ok(session)) => serve_connection(
                                rustls::StreamOwned::new(session, stream),
                                peer,
                                &*handler,
                                &stop,
                            ),
                            Some(Err(_)) => {}
                        }
                        let _ = closer.shutdown(Shutdown::Both);
                    });
                }
            })
        };
        Ok(HttpServer {
            addr,
            stop,
            open,
            accepted,
            acceptor: Some(acceptor),
        })
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far.
    pub(crate) fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so that the acceptor sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        for stream in crate::lock(&self.open).drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// Serves one connection until it closes, is refused, or misbehaves on
/// purpose; the caller shuts the socket down.
fn serve_connection<S: Read + Write>(
    mut stream: S,
    peer: SocketAddr,
    handler: &Handler,
    stop: &AtomicBool,
) {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    loop {
        let request = match read_request(&mut stream, &mut buf, peer) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(status) => {
                let _ = write_response(&mut stream, &plain(status), false);
                return;
            }
        };
        let keep_alive = wants_keep_alive(&request);
        let kept = match handler(request) {
            Reply::Respond(response) => {
                write_response(&mut stream, &response, keep_alive).is_ok() && keep_alive
            }
            Reply::Close => false,
            Reply::Stall => {
                while !stop.load(Ordering::SeqCst) {
                    thread::sleep(Duration::from_millis(20));
                }
                false
            }
            Reply::Trickle(response, interval) => {
                let _ = trickle(&mut stream, &response, interval, stop);
                false
            }
            Reply::Truncate(response, keep) => {
                let mut out = head(&response, response.body.len() as u64, false);
                out.extend_from_slice(&response.body[..keep.min(response.body.len())]);
                let _ = stream.write_all(&out);
                false
            }
            Reply::Huge(response, len) => {
                let _ = stream_filler(&mut stream, &response, len, stop);
                false
            }
        };
        if !kept {
            let _ = stream.flush();
            return;
        }
    }
}

/// Reads one request; `Ok(None)` when the client closed between requests,
/// `Err(status)` for a request to refuse before closing.
fn read_request(
    stream: &mut impl Read,
    buf: &mut Vec<u8>,
    peer: SocketAddr,
) -> Result<Option<Incoming>, u16> {
    let head_len = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(431);
        }
        if fill(stream, buf).map_err(|_| 400u16)? == 0 {
            return if buf.is_empty() { Ok(None) } else { Err(400) };
        }
    };
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut slots);
    match parsed.parse(&buf[..head_len]) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(400),
    }
    let method = parsed.method.unwrap_or_default().to_owned();
    let target = parsed.path.unwrap_or_default().to_owned();
    let mut headers = Vec::with_capacity(parsed.headers.len());
    for h in parsed.headers.iter() {
        let value = std::str::from_utf8(h.value).map_err(|_| 400u16)?;
        headers.push((h.name.to_owned(), value.to_owned()));
    }
    if parsed.version != Some(1) {
        headers.push(("Connection".into(), "close".into()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if header("transfer-encoding").is_some() {
        return Err(411);
    }
    let body_len = match header("content-length") {
        None => 0,
        Some(v) => v.trim().parse::<usize>().map_err(|_| 400u16)?,
    };
    if body_len > MAX_BODY {
        return Err(413);
    }
    buf.drain(..head_len);
    while buf.len() < body_len {
        if fill(stream, buf).map_err(|_| 400u16)? == 0 {
            return Err(400);
        }
    }
    let body: Vec<u8> = buf.drain(..body_len).collect();
    Ok(Some(Incoming {
        method,
        target,
        headers,
        body,
        peer,
    }))
}

fn fill(stream: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk)?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

fn wants_keep_alive(request: &Incoming) -> bool {
    !request.headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("connection") && v.to_ascii_lowercase().contains("close")
    })
}

fn plain(status: u16) -> Outgoing {
    Outgoing {
        status,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

/// The status line and headers, announcing `body_len` bytes.
fn head(response: &Outgoing, body_len: u64, keep_alive: bool) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    // RFC 9110: no Content-Length on a 204.
    if response.status != 204 {
        head.push_str(&format!("Content-Length: {body_len}\r\n"));
    }
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    head.into_bytes()
}

fn write_response(
    stream: &mut impl Write,
    response: &Outgoing,
    keep_alive: bool,
) -> io::Result<()> {
    let mut out = head(response, response.body.len() as u64, keep_alive);
    out.extend_from_slice(&response.body);
    stream.write_all(&out)?;
    stream.flush()
}

fn trickle(
    stream: &mut impl Write,
    response: &Outgoing,
    interval: Duration,
    stop: &AtomicBool,
) -> io::Result<()> {
    stream.write_all(&head(response, response.body.len() as u64, false))?;
    for byte in &response.body {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        thread::sleep(interval);
        stream.write_all(&[*byte])?;
    }
    Ok(())
}

fn stream_filler(
    stream: &mut impl Write,
    response: &Outgoing,
    len: u64,
    stop: &AtomicBool,
) -> io::Result<()> {
    stream.write_all(&head(response, len, false))?;
    let chunk = [b'x'; 64 * 1024];
    let mut left = len;
    while left > 0 && !stop.load(Ordering::SeqCst) {
        let n = left.min(chunk.len() as u64) as usize;
        stream.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        411 => "Length Required",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}
