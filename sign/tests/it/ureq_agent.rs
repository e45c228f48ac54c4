//! A request signed by `sign_http_request` and sent by a bare ureq agent
//! arrives as it was signed: a local listener reads what came over the
//! socket and verifies it as the gateway would.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, SystemTime};

use hwcloud_sign::{sign_http_request, verify, Credentials, Payload, SignableRequest};

/// One request off the socket: method, target, headers and body; answers 204.
fn receive(listener: &TcpListener) -> (String, String, Vec<(String, String)>, Vec<u8>) {
    let (stream, _) = listener.accept().unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
    );
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    reader
        .get_mut()
        .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .unwrap();
    (method, target, headers, body)
}

#[test]
fn a_bare_ureq_agent_sends_the_request_as_it_was_signed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let creds = Credentials::new("AKUREQAGENT", "SKureqAgent")
        .unwrap()
        .with_security_token("TOKENureq")
        .unwrap();
    let body = br#"{"metadata":{"k":"v"}}"#.to_vec();
    let mut request = ureq::http::Request::post(format!(
        "http://{address}/v1/p/cloudservers/s1/metadata?limit=10&name=web%2A"
    ))
    .header("Content-Type", "application/json")
    .body(body.clone())
    .unwrap();
    // The verifier checks the signing time against its own: both now.
    #[allow(clippy::disallowed_methods)]
    let at = SystemTime::now();
    let signed = sign_http_request(&mut request, &body, &creds, at).unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let server = std::thread::spawn(move || receive(&listener));
    let answer = agent.run(request).unwrap();
    assert_eq!(answer.status(), 204);
    let (method, target, headers, received) = server.join().unwrap();
    assert_eq!(received, body);
    let arrived = headers.iter().fold(
        SignableRequest::new(&method, "", &target).payload(Payload::Bytes(&received)),
        |request, (name, value)| request.header(name, value),
    );
    let verified = verify(&arrived, &creds, at).unwrap();
    assert_eq!(verified.signed_headers.join(";"), signed.signed_headers());
    assert_eq!(
        signed.signed_headers(),
        "content-type;host;x-sdk-date;x-security-token"
    );
}
