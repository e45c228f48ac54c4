//! Fleet listing, bulk clearing and the password lifecycle against the fake
//! gateway.
use std::time::{Duration, Instant};

use hwcloud_ecs::{Client, Credentials, Error, RetryPolicy, WaitOptions};
use hwcloud_ecs_fake::{FakeGateway, FakeServer, Verdict};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn creds() -> Credentials {
    Credentials::new("AKFLEET", "SKfleet").unwrap()
}

fn client(gateway: &FakeGateway) -> Client {
    Client::builder()
        .credentials(creds())
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
        .retry(
            RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

/// `n` servers: every 4th Linux, every 25th broken.
fn fleet(n: usize, latency: Duration) -> FakeGateway {
    let mut builder = FakeGateway::builder(creds(), PROJECT).latency(latency);
    for i in 0..n {
        let id = format!("srv-{i:04}");
        let server = if i % 4 == 3 {
            FakeServer::linux(id)
        } else if i % 25 == 24 {
            FakeServer::windows(id, "Q0lQSEVS").broken()
        } else {
            FakeServer::windows(id, "Q0lQSEVS")
        };
        builder = builder.with_server(server.named(format!("host-{i}")));
    }
    builder.start().unwrap()
}

#[test]
fn listing_follows_every_page_a_thousand_at_a_time() {
    let gateway = fleet(1500, Duration::ZERO);
    let servers = client(&gateway).list_servers().unwrap();
    assert_eq!(servers.len(), 1500);
    assert_eq!(servers[0].id, "srv-0000");
    assert_eq!(servers[1499].id, "srv-1499");
    assert_eq!(servers[5].name, "host-5");
    assert_eq!(servers[5].status, "ACTIVE");
    assert_eq!(
        servers.iter().filter(|s| s.is_windows()).count(),
        1500 - 375
    );
    let pages: Vec<String> = gateway.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(
        pages[0].ends_with("/cloudservers/detail?limit=1000"),
        "{}",
        pages[0]
    );
    // The next page starts after the last server of the one before.
    assert!(
        pages[1].ends_with("limit=1000&marker=srv-0999"),
        "{}",
        pages[1]
    );
}

#[test]
fn a_listing_that_ignores_marker_is_read_by_page_number() {
    let mut builder = FakeGateway::builder(creds(), PROJECT).listing_ignores_marker();
    for i in 0..2500 {
        builder = builder.server(format!("srv-{i:04}"), "");
    }
    let gateway = builder.start().unwrap();
    let servers = client(&gateway).list_servers().unwrap();
    assert_eq!(servers.len(), 2500);
    assert_eq!(servers[2499].id, "srv-2499");
    let pages: Vec<String> = gateway.requests().into_iter().map(|r| r.target).collect();
    // Page 1, page 1 again (marker ignored), then pages 2 and 3 by number.
    assert_eq!(pages.len(), 4, "{pages:?}");
    assert!(pages[1].ends_with("marker=srv-0999"), "{}", pages[1]);
    assert!(pages[2].ends_with("offset=2"), "{}", pages[2]);
    assert!(pages[3].ends_with("offset=3"), "{}", pages[3]);
}

#[test]
fn a_listing_that_ignores_offset_is_read_by_marker() {
    let mut builder = FakeGateway::builder(creds(), PROJECT).listing_ignores_offset();
    for i in 0..2500 {
        builder = builder.server(format!("srv-{i:04}"), "");
    }
    let gateway = builder.start().unwrap();
    assert_eq!(client(&gateway).list_servers().unwrap().len(), 2500);
    assert_eq!(gateway.requests().len(), 3);
}

#[test]
fn a_listing_that_ignores_both_marker_and_offset_ends_with_an_invalid_response() {
    for claimed in [5_000u64, u64::MAX] {
        let mut builder = FakeGateway::builder(creds(), PROJECT)
            .listing_ignores_offset()
            .listing_ignores_marker()
            .listing_count(claimed);
        for i in 0..1000 {
            builder = builder.server(format!("srv-{i:04}"), "");
        }
        let gateway = builder.start().unwrap();
        let started = Instant::now();
        let err = client(&gateway).list_servers().unwrap_err();
        assert!(
            matches!(err, Error::InvalidResponse { .. }),
            "{claimed}: {err:?}"
        );
        let pages = gateway.requests().len();
        if claimed == u64::MAX {
            // More than anyone's quota: refused on the first page.
            assert_eq!(pages, 1, "{err}");
            assert!(err.to_string().contains("claims"), "{err}");
        } else {
            // Page 1, then 1 again by marker, then 1 again by number.
            assert_eq!(pages, 3, "{err}");
            assert!(
                err.to_string().contains("ignores both marker and offset"),
                "{err}"
            );
        }
        assert!(started.elapsed() < Duration::from_secs(20));
    }
}

fn thousand(builder: hwcloud_ecs_fake::FakeGatewayBuilder) -> FakeGateway {
    (0..1000)
        .fold(builder, |b, i| b.server(format!("srv-{i:04}"), ""))
        .start()
        .unwrap()
}

#[test]
fn a_listing_that_shrank_ends_on_its_empty_page() {
    // count promises 1,500 but only 1,000 exist: page 2 is empty.
    let gateway = thousand(FakeGateway::builder(creds(), PROJECT).listing_count(1500));
    assert_eq!(client(&gateway).list_servers().unwrap().len(), 1000);
    assert_eq!(gateway.requests().len(), 2);
}

#[test]
fn a_listing_that_does_not_end_within_its_promised_pages_is_invalid() {
    // Pages of 100 where 1,000 were asked: count 1,000 allows
    // ceil(1000/1000) + 2 = 3 pages (one for a page repeated when marker is ignored).
    let gateway = thousand(FakeGateway::builder(creds(), PROJECT).listing_page_cap(100));
    let err = client(&gateway).list_servers().unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("does not end"), "{err}");
    assert_eq!(gateway.requests().len(), 3);
}

#[test]
fn bulk_clear_runs_in_parallel_keeps_order_and_survives_failures() {
    let gateway = fleet(200, Duration::from_millis(10));
    let client = client(&gateway);
    let windows: Vec<String> = client
        .list_servers()
        .unwrap()
        .into_iter()
        .filter(|s| s.is_windows())
        .map(|s| s.id)
        .collect();
    let mut ids = windows.clone();
    ids.insert(7, "ghost".into());

    let started = Instant::now();
    let results = hwcloud_ecs::Bulk::clear()
        .workers(8)
        .run_on(&client, &ids, |_, _, _| {});
    let took = started.elapsed();

    assert_eq!(results.len(), ids.len());
    for (id, result) in ids.iter().zip(&results) {
        let index: Option<usize> = id.strip_prefix("srv-").map(|n| n.parse().unwrap());
        match index {
            None => assert!(result.as_ref().unwrap_err().is_not_found(), "{id}"),
            Some(i) if i % 25 == 24 => {
                let err = result.as_ref().unwrap_err();
                assert_eq!(err.api().unwrap().status, 500, "{id}");
                assert_eq!(err.attempts(), 3);
            }
            Some(_) => {
                assert_eq!(result.as_ref().unwrap().status(), 204, "{id}");
                assert_eq!(gateway.password(id).as_deref(), Some(""), "{id}");
            }
        }
    }
    // 150 Windows servers at 10 ms each take at least 1.5 s one at a time;
    // 8 workers need about a tenth of that. The bound only proves they
    // overlapped (generous for an emulated run, as under qemu-user).
    assert!(took < Duration::from_millis(1450), "{took:?}");
    let linux_deletes = gateway
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE" && r.target.contains("/srv-0003/"))
        .count();
    assert_eq!(
        linux_deletes, 0,
        "a Linux server was not in the list, so not touched"
    );
    assert!(
        gateway.connections() <= 10,
        "{} connections",
        gateway.connections()
    );
}

#[test]
fn progress_reports_every_server() {
    let gateway = fleet(20, Duration::ZERO);
    let ids: Vec<String> = (0..20).map(|i| format!("srv-{i:04}")).collect();
    let seen = std::sync::Mutex::new(Vec::new());
    hwcloud_ecs::Bulk::clear()
        .workers(4)
        .run_on(&client(&gateway), &ids, |_, _, p| {
            seen.lock().unwrap().push((p.done, p.failed, p.total))
        });
    let mut seen = seen.into_inner().unwrap();
    seen.sort();
    assert_eq!(seen.len(), 20);
    assert_eq!(seen.last(), Some(&(20, 0, 20)));
}

#[test]
fn waiting_returns_the_password_once_it_appears() {
    let gateway = FakeGateway::builder(creds(), PROJECT)
        .with_server(
            FakeServer::windows("fresh", "Q0lQSEVS").password_after(Duration::from_millis(600)),
        )
        .start()
        .unwrap();
    let client = client(&gateway);
    assert_eq!(client.get_password("fresh").unwrap().ciphertext, None);
    let started = Instant::now();
    let options = WaitOptions::timeout(Duration::from_secs(10))
        .intervals(Duration::from_millis(100), Duration::from_millis(200));
    let password = client.wait_for_password("fresh", options).unwrap();
    assert_eq!(password.ciphertext.as_deref(), Some("Q0lQSEVS"));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(gateway.requests().len() >= 3, "it polled");
    assert!(gateway
        .requests()
        .iter()
        .all(|r| r.verdict == Verdict::Accepted));
}

#[test]
fn waiting_gives_up_at_the_deadline() {
    let gateway = FakeGateway::builder(creds(), PROJECT)
        .with_server(
            FakeServer::windows("slow", "Q0lQSEVS").password_after(Duration::from_secs(600)),
        )
        .start()
        .unwrap();
    let started = Instant::now();
    let options = WaitOptions::timeout(Duration::from_millis(400))
        .intervals(Duration::from_millis(100), Duration::from_millis(100));
    let err = client(&gateway)
        .wait_for_password("slow", options)
        .unwrap_err();
    assert!(
        matches!(&err, Error::WaitTimedOut { server_id, .. } if server_id == "slow"),
        "{err:?}"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[cfg(feature = "decrypt")]
mod decrypt {
    use super::*;
    use hwcloud_ecs::decrypt_password;

    const PKCS1: &str = include_str!("../data/test-key-pkcs1.pem");
    const PKCS8: &str = include_str!("../data/test-key-pkcs8.pem");
    const OTHER: &str = include_str!("../data/other-key-pkcs1.pem");
    const CIPHERTEXT: &str = include_str!("../data/test-password.b64");

    #[test]
    fn a_delayed_password_is_waited_for_and_decrypted_with_either_pem_form() {
        let gateway = FakeGateway::builder(creds(), PROJECT)
            .with_server(
                FakeServer::windows("win", CIPHERTEXT.trim())
                    .password_after(Duration::from_millis(300)),
            )
            .start()
            .unwrap();
        let options = WaitOptions::timeout(Duration::from_secs(10))
            .intervals(Duration::from_millis(100), Duration::from_millis(100));
        let stored = client(&gateway)
            .wait_for_password("win", options)
            .unwrap()
            .ciphertext
            .unwrap();
        for key in [PKCS1, PKCS8] {
            assert_eq!(
                decrypt_password(&stored, key).unwrap().as_str(),
                "Xq7!pW2#vR9$"
            );
        }
    }

    #[test]
    fn wrong_key_malformed_ciphertext_and_bad_pem_are_typed() {
        assert!(matches!(
            decrypt_password(CIPHERTEXT, OTHER),
            Err(Error::WrongKey)
        ));
        assert!(matches!(
            decrypt_password("not base64 at all!", PKCS1),
            Err(Error::MalformedCiphertext(_))
        ));
        assert!(matches!(
            decrypt_password("QUFBQQ==", PKCS1),
            Err(Error::MalformedCiphertext(_))
        ));
        assert!(matches!(
            decrypt_password(CIPHERTEXT, "-----BEGIN NOTHING-----"),
            Err(Error::InvalidKey(_))
        ));
    }
}

#[test]
fn a_listing_of_2500_servers_takes_exactly_three_pages() {
    let gateway = fleet(2500, Duration::ZERO);
    let servers = client(&gateway).list_servers().unwrap();
    assert_eq!(servers.len(), 2500);
    assert_eq!(servers[2499].id, "srv-2499");
    let pages: Vec<String> = gateway.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[2].ends_with("marker=srv-1999"), "{}", pages[2]);
}

#[test]
fn a_listing_page_of_several_megabytes_is_read() {
    // ECS returns many fields per server: a page of 1,000 runs to megabytes.
    let long_name = "n".repeat(2_000);
    let gateway = (0..1000)
        .fold(FakeGateway::builder(creds(), PROJECT), |b, i| {
            b.with_server(
                FakeServer::windows(format!("srv-{i:04}"), "").named(format!("{long_name}{i}")),
            )
        })
        .start()
        .unwrap();
    let servers = client(&gateway).list_servers().unwrap();
    assert_eq!(servers.len(), 1000);
    assert!(servers[999].name.ends_with("999"));
}

#[test]
fn a_listing_may_claim_exactly_the_most_servers_read() {
    // count == MAX_LISTED is still a listing; one more is refused.
    let at_most = thousand(
        FakeGateway::builder(creds(), PROJECT)
            .listing_count(hwcloud_ecs::Client::MAX_LISTED as u64),
    );
    assert_eq!(client(&at_most).list_servers().unwrap().len(), 1000);
    let over = thousand(
        FakeGateway::builder(creds(), PROJECT)
            .listing_count(hwcloud_ecs::Client::MAX_LISTED as u64 + 1),
    );
    assert!(matches!(
        client(&over).list_servers(),
        Err(Error::InvalidResponse { .. })
    ));
}
