//! Unsigned calls with a deadline over the whole answer: the ECS metadata
//! service's (the `discovery` feature).

use std::time::{Duration, Instant};

use ureq::http;

use crate::error::Error;

use super::exchange::read_bounded;

/// Why a plain call gave no answer.
pub(crate) enum PlainFailure {
    /// The deadline passed before the answer was complete.
    OutOfTime,
    /// The body is longer than the call's bound.
    TooLong,
    /// Anything else, in words.
    Failed(String),
}

/// An unsigned call (the ECS metadata service), sent and read by
/// `deadline`, trickled answers included: the status and the body, of at
/// most `max` bytes.
pub(crate) fn plain_call(
    agent: &super::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    deadline: Instant,
    max: u64,
) -> Result<(u16, Vec<u8>), PlainFailure> {
    let remaining = remaining(deadline).ok_or(PlainFailure::OutOfTime)?;
    let mut builder = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    fn within<B: ureq::AsSendBody>(
        agent: &ureq::Agent,
        request: http::Request<B>,
        remaining: Duration,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let request = agent
            .configure_request(request)
            .timeout_global(Some(remaining))
            .build();
        agent.run(request)
    }
    // An empty PUT goes with a length, not as a chunked upload: the service
    // need not understand chunked uploads.
    let sent = if method == "GET" {
        builder.body(()).map(|r| within(&agent.agent, r, remaining))
    } else {
        builder
            .body(&[][..])
            .map(|r| within(&agent.agent, r, remaining))
    };
    let mut response = sent
        .map_err(|e| PlainFailure::Failed(e.to_string()))?
        .map_err(|e| match e {
            ureq::Error::Timeout(_) => PlainFailure::OutOfTime,
            other => PlainFailure::Failed(other.to_string()),
        })?;
    let status = response.status().as_u16();
    let reader = response.body_mut().with_config().limit(u64::MAX).reader();
    let body = read_bounded(reader, max.saturating_add(1), deadline).map_err(|e| match e {
        Error::Timeout { .. } => PlainFailure::OutOfTime,
        other => PlainFailure::Failed(format!("reading the answer: {other}")),
    })?;
    if body.len() as u64 > max {
        return Err(PlainFailure::TooLong);
    }
    Ok((status, body))
}

/// The time left until `deadline`, `None` once it has passed.
pub(crate) fn remaining(deadline: Instant) -> Option<Duration> {
    Some(deadline.saturating_duration_since(Instant::now())).filter(|d| !d.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A one-shot HTTP server answering `answer`; the request it read.
    fn serve_once(answer: &'static str) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/meta", listener.local_addr().unwrap());
        let served = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && socket.read(&mut byte).unwrap() == 1 {
                head.push(byte[0]);
            }
            socket.write_all(answer.as_bytes()).unwrap();
            String::from_utf8_lossy(&head).into_owned()
        });
        (url, served)
    }

    #[test]
    fn a_plain_call_sends_its_method_and_headers_and_refuses_a_body_past_max() {
        let agent = super::super::Agent::metadata(Duration::from_secs(2), Duration::from_secs(2));
        let deadline = Instant::now() + Duration::from_secs(5);
        let (url, served) = serve_once("HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello");
        let answer = plain_call(&agent, "GET", &url, &[("X-Probe", "1")], deadline, 100);
        assert!(matches!(answer, Ok((201, ref body)) if body == b"hello"));
        let head = served.join().unwrap().to_ascii_lowercase();
        assert!(
            head.starts_with("get /meta http/1.1") && head.contains("x-probe: 1"),
            "{head}"
        );

        let (url, served) = serve_once("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
        let answer = plain_call(&agent, "PUT", &url, &[], deadline, 10);
        assert!(matches!(answer, Ok((200, ref body)) if body == b"0123456789"));
        let head = served.join().unwrap().to_ascii_lowercase();
        assert!(
            head.starts_with("put /meta") && head.contains("content-length: 0"),
            "{head}"
        );
        let (url, served) = serve_once("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
        let answer = plain_call(&agent, "GET", &url, &[], deadline, 9);
        assert!(matches!(answer, Err(PlainFailure::TooLong)));
        served.join().unwrap();

        let past = Instant::now();
        assert!(matches!(
            plain_call(&agent, "GET", &url, &[], past, 3),
            Err(PlainFailure::OutOfTime)
        ));
    }

    #[test]
    fn the_time_left_is_none_once_the_deadline_has_passed() {
        let now = Instant::now();
        assert_eq!(remaining(now), None);
        assert_eq!(remaining(now - Duration::from_millis(1)), None);
        let left = remaining(now + Duration::from_secs(60)).unwrap();
        assert!(left > Duration::from_secs(50) && left <= Duration::from_secs(60));
    }
}
