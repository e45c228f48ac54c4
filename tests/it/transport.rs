//! Proxy and TLS options against local stand-ins: a CONNECT proxy on
//! loopback, and the fake gateway serving HTTPS with a certificate from a
//! locally generated test CA (`tests/data/test-ca.pem`).
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;

use hwcloud_ecs::{Client, ClientBuilder, Credentials, Error, RetryPolicy};
use hwcloud_ecs_fake::{FakeGateway, FakeProxy};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const CA: &[u8] = include_bytes!("../data/test-ca.pem");
const SERVER_CERT: &[u8] = include_bytes!("../data/test-server.pem");
const SERVER_KEY: &[u8] = include_bytes!("../data/test-server.key");

fn creds() -> Credentials {
    Credentials::new("AKTRANSPORT", "SKtransport").unwrap()
}

fn builder(gateway: &FakeGateway) -> ClientBuilder {
    Client::builder()
        .credentials(creds())
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
        .retry(RetryPolicy::none())
}

fn https_gateway() -> FakeGateway {
    FakeGateway::builder(creds(), PROJECT)
        .server("s1", "Q0lQSEVS")
        .tls(SERVER_CERT, SERVER_KEY)
        .unwrap()
        .start()
        .unwrap()
}

#[cfg(feature = "custom-ca")]
#[test]
fn a_private_ca_can_be_trusted_added_or_alone() {
    let gateway = https_gateway();
    assert!(gateway.endpoint().starts_with("https://127.0.0.1:"));

    let err = builder(&gateway)
        .build()
        .unwrap()
        .get_password("s1")
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { .. }),
        "the bundled roots do not know the test CA: {err:?}"
    );

    for client in [
        builder(&gateway)
            .only_root_certificates(CA)
            .build()
            .unwrap(),
        builder(&gateway).add_root_certificates(CA).build().unwrap(),
    ] {
        assert_eq!(
            client.get_password("s1").unwrap().ciphertext.as_deref(),
            Some("Q0lQSEVS")
        );
    }
    assert!(matches!(
        builder(&gateway)
            .only_root_certificates("no certificate here")
            .build(),
        Err(Error::InvalidInput {
            field: "root certificates",
            ..
        })
    ));
}

#[test]
fn verification_can_only_be_skipped_by_the_dangerous_option() {
    let gateway = https_gateway();
    let client = builder(&gateway)
        .danger_accept_invalid_certificates(true)
        .build()
        .unwrap();
    assert!(client.clear_password("s1").is_ok());
}

#[test]
fn an_explicit_proxy_carries_every_request_with_its_credentials() {
    let gateway = FakeGateway::builder(creds(), PROJECT)
        .server("s1", "Q0lQSEVS")
        .start()
        .unwrap();
    let proxy = FakeProxy::start().unwrap();
    let client = builder(&gateway)
        .proxy(format!("http://alice:pw@{}", proxy.address()))
        .build()
        .unwrap();
    client.clear_password("s1").unwrap();
    client.get_password("s1").unwrap();
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "one tunnel, reused: {heads:?}");
    let target = gateway.endpoint().trim_start_matches("http://");
    assert!(
        heads[0].starts_with(&format!("CONNECT {target} ")),
        "{}",
        heads[0]
    );
    // base64("alice:pw")
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("proxy-authorization: basic ywxpy2u6chc="),
        "{}",
        heads[0]
    );
    assert!(!format!("{client:?}").contains("alice:pw"));
}

#[test]
fn no_proxy_goes_direct() {
    let gateway = FakeGateway::builder(creds(), PROJECT)
        .server("s1", "Q0lQSEVS")
        .start()
        .unwrap();
    let proxy = FakeProxy::start().unwrap();
    let client = builder(&gateway)
        .proxy(proxy.url())
        .no_proxy()
        .build()
        .unwrap();
    client.clear_password("s1").unwrap();
    assert!(proxy.heads().is_empty());
}

/// A proxy that answers every CONNECT with `status_line` and counts them.
fn start_refusing_proxy(status_line: &'static str) -> (String, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(Mutex::new(0));
    let seen = Arc::clone(&count);
    thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if client.read_exact(&mut byte).is_err() {
                    break;
                }
                head.push(byte[0]);
            }
            *seen.lock().unwrap() += 1;
            let _ = write!(
                client,
                "{status_line}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (format!("127.0.0.1:{}", addr.port()), count)
}

#[test]
fn a_certificate_that_does_not_verify_ends_the_call_at_once_naming_the_host() {
    let gateway = https_gateway();
    let client = builder(&gateway)
        .retry(RetryPolicy::default().with_max_attempts(5))
        .build()
        .unwrap();
    let err = client.get_password("s1").unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 1, "{err}");
    assert_eq!(gateway.connections(), 1, "retried a TLS failure: {err}");
    let host = gateway.endpoint().trim_start_matches("https://");
    assert!(err.to_string().contains(host), "{err}");
}

#[test]
fn a_proxy_that_refuses_ends_the_call_at_once_naming_host_and_proxy() {
    let gateway = FakeGateway::builder(creds(), PROJECT)
        .server("s1", "Q0lQSEVS")
        .start()
        .unwrap();
    for status in [
        "HTTP/1.1 407 Proxy Authentication Required",
        "HTTP/1.1 403 Forbidden",
    ] {
        let (proxy, count) = start_refusing_proxy(status);
        let client = builder(&gateway)
            .proxy(format!("http://alice:pw-secret@{proxy}"))
            .retry(RetryPolicy::default().with_max_attempts(5))
            .build()
            .unwrap();
        let err = client.clear_password("s1").unwrap_err();
        assert_eq!(*count.lock().unwrap(), 1, "{status}: retried: {err}");
        let shown = err.to_string();
        let host = gateway.endpoint().trim_start_matches("http://");
        assert!(shown.contains(host), "{shown}");
        assert!(
            shown.contains(&format!("via proxy http://{proxy}")),
            "{shown}"
        );
        assert!(!shown.contains("pw-secret"), "{shown}");
    }
    assert!(gateway.requests().is_empty());
}

#[test]
fn socks_and_tls_proxies_are_refused_before_anything_is_sent() {
    let gateway = FakeGateway::builder(creds(), PROJECT)
        .server("s1", "Q0lQSEVS")
        .start()
        .unwrap();
    for url in [
        "socks5://u:sekrit@127.0.0.1:1080",
        "socks4://127.0.0.1:1080",
        "socks5h://127.0.0.1:1080",
        "https://u:sekrit@127.0.0.1:3128",
    ] {
        let err = builder(&gateway).proxy(url).build().unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { field: "proxy", .. }),
            "{url}: {err:?}"
        );
        assert!(!err.to_string().contains("sekrit"), "{err}");
    }
    assert!(gateway.requests().is_empty());
}

#[test]
fn a_proxy_without_a_scheme_is_used_as_http() {
    let gateway = FakeGateway::builder(creds(), PROJECT)
        .server("s1", "Q0lQSEVS")
        .start()
        .unwrap();
    let proxy = FakeProxy::start().unwrap();
    let client = builder(&gateway)
        .proxy(format!("alice:pw-secret@{}", proxy.address()))
        .build()
        .unwrap();
    client.clear_password("s1").unwrap();
    assert_eq!(proxy.heads().len(), 1);
    #[cfg(feature = "explain")]
    for setting in client.settings() {
        assert!(!setting.value.contains("pw-secret"), "{setting:?}");
    }
}
