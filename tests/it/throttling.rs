//! Bulk runs against a gateway that enforces a rate limit (a token bucket
//! or a counter per fixed window, 429 `APIGW.0308` without `Retry-After`,
//! as real gateways answer): throttling is back-pressure, every server is
//! cleared, and the client paces itself instead of bursting.
//! Bounds are generous: they catch a client that ignores throttling, not a
//! slow machine.

use std::time::{Duration, Instant};

use hwcloud_ecs::{Client, Credentials, Error, RetryPolicy};
use hwcloud_ecs_fake::{FakeGateway, Fault};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

fn creds() -> Credentials {
    Credentials::new("AKRATE", "SKrate").unwrap()
}

fn fleet(n: usize, rate: f64, burst: u32) -> (FakeGateway, Vec<String>) {
    fleet_of(
        n,
        FakeGateway::builder(creds(), PROJECT).rate_limit(rate, burst),
    )
}

fn fleet_of(n: usize, builder: hwcloud_ecs_fake::FakeGatewayBuilder) -> (FakeGateway, Vec<String>) {
    let ids: Vec<String> = (0..n).map(|i| format!("srv-{i:04}")).collect();
    let gateway = ids
        .iter()
        .fold(builder, |b, id| b.server(id, "Q0lQSEVS"))
        .start()
        .unwrap();
    (gateway, ids)
}

fn client(gateway: &FakeGateway) -> hwcloud_ecs::ClientBuilder {
    Client::builder()
        .credentials(creds())
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
}

#[test]
fn fifty_servers_at_five_a_second_are_all_cleared() {
    let (gateway, ids) = fleet(50, 5.0, 5);
    let client = client(&gateway).build().unwrap();
    let started = Instant::now();
    let results = hwcloud_ecs::Bulk::clear()
        .workers(8)
        .run_on(&client, &ids, |_, _, _| {});
    let took = started.elapsed();
    let failed: Vec<&Error> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failed.is_empty(),
        "{} failed: {:?}",
        failed.len(),
        failed.first()
    );
    let stats = gateway.rate_stats();
    assert_eq!(stats.accepted, 50);
    // A handful of 429s while the client learns the limit, not one per call.
    assert!(stats.throttled <= 12, "{stats:?}");
    assert_eq!(client.throttled(), stats.throttled);
    // 50 at 5 a second is about 9 s after the first burst of 5.
    assert!(took < Duration::from_secs(20), "{took:?}");
    // No burst after a 429: never more in a second than the limit and its burst.
    assert!(stats.max_per_second <= 5 + 5, "{stats:?}");
    eprintln!("5/s: {stats:?} in {took:?}");
}

/// 20 servers, 4 workers, against `builder`'s stated limit of 5 in every
/// 2 s: ideally bursts at 0, 2, 4 and 6 s.
fn five_in_two_seconds_stated(builder: hwcloud_ecs_fake::FakeGatewayBuilder) {
    let (gateway, ids) = fleet_of(20, builder);
    let client = client(&gateway).build().unwrap();
    let started = Instant::now();
    let results = hwcloud_ecs::Bulk::clear()
        .workers(4)
        .run_on(&client, &ids, |_, _, _| {});
    let took = started.elapsed();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let stats = gateway.rate_stats();
    assert_eq!(stats.accepted, 20);
    // Throttled no more than the first wave (the workers) and two more.
    assert!(stats.throttled <= 4 + 2, "{stats:?}");
    // Never more than the stated 5 in any 2 s.
    assert!(stats.max_per_stated_time <= 5, "{stats:?}");
    // Ideal 6 s, within 1.15 times that; a smooth pace of 2.5 a second,
    // which a fixed window wastes, takes about 7.7 s.
    assert!(took < Duration::from_millis(6900), "{took:?}");
    assert!(took >= Duration::from_millis(5900), "{took:?}");
    eprintln!("5 in every 2 s: {stats:?} in {took:?}");
}

#[test]
fn a_stated_window_is_served_whole_by_a_window_counter() {
    five_in_two_seconds_stated(
        FakeGateway::builder(creds(), PROJECT).rate_limit_window(5, Duration::from_secs(2)),
    );
}

#[test]
fn the_same_stated_limit_kept_as_a_token_bucket_is_served_as_well() {
    five_in_two_seconds_stated(
        FakeGateway::builder(creds(), PROJECT).rate_limit_bucket(5, Duration::from_secs(2)),
    );
}

#[test]
fn sixteen_threads_sharing_one_client_converge_on_the_limit_without_failures() {
    let (gateway, ids) = fleet(200, 50.0, 10);
    let client = client(&gateway).build().unwrap();
    let started = Instant::now();
    let results = hwcloud_ecs::Bulk::clear()
        .workers(16)
        .run_on(&client, &ids, |_, _, _| {});
    let took = started.elapsed();
    assert!(results.iter().all(Result::is_ok));
    let stats = gateway.rate_stats();
    assert_eq!(stats.accepted, 200);
    // Ideal 4 s; the throttled calls of the first wave wait their Retry-After.
    assert!(took < Duration::from_secs(12), "{took:?}");
    assert!(
        (stats.throttled as f64) < 0.15 * 200.0,
        "{} throttled for 200 accepted",
        stats.throttled
    );
    let rate = client.sending_rate().expect("engaged after the first 429");
    assert!((10.0..=50.0).contains(&rate), "{rate}");
}

#[test]
fn a_limit_nobody_named_is_found_held_under_and_never_burst_past() {
    // 20 a second, burst 5, and a 429 that does not say so.
    let builder = FakeGateway::builder(creds(), PROJECT).rate_limit_unnamed(20.0, 5);
    let (gateway, ids) = fleet_of(160, builder);
    let client = client(&gateway).build().unwrap();
    let started = Instant::now();
    let results = hwcloud_ecs::Bulk::clear()
        .workers(16)
        .run_on(&client, &ids, |_, _, _| {});
    let took = started.elapsed();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let stats = gateway.rate_stats();
    assert_eq!(stats.accepted, 160);
    // The governor's estimate converges on the limit, just under it.
    let rate = client.sending_rate().expect("engaged");
    assert!((14.0..=21.0).contains(&rate), "{rate}");
    // The first 429s are the workers already in flight; few come after.
    assert!(stats.throttled <= 16 + 8, "{stats:?}");
    assert!(stats.max_per_second <= 20 + 5, "{stats:?}");
    // Ideal 7.75 s; a client that paused the pool at each 429, or paced far
    // under the limit, takes much longer.
    assert!(took < Duration::from_secs(14), "{took:?}");
}

#[test]
fn an_explicit_cap_is_never_exceeded() {
    let (gateway, ids) = fleet(30, 1000.0, 1000);
    let client = client(&gateway).max_rate(10.0).build().unwrap();
    let started = Instant::now();
    let results = hwcloud_ecs::Bulk::clear()
        .workers(16)
        .run_on(&client, &ids, |_, _, _| {});
    assert!(results.iter().all(Result::is_ok));
    let stats = gateway.rate_stats();
    assert_eq!(stats.throttled, 0);
    // 10 a second, one token ready at the start: at most 11 in any second.
    assert!(stats.max_per_second <= 11, "{stats:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    let setting = client
        .settings()
        .into_iter()
        .find(|s| s.key == "max_rate")
        .unwrap();
    assert_eq!(setting.value, "10 requests/s");
}

#[test]
fn throttled_answers_use_up_no_attempt_but_the_deadline_still_holds() {
    let (gateway, _) = fleet(1, 0.001, 1);
    let client = client(&gateway)
        .retry(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_deadline(Duration::from_secs(3)),
        )
        .build()
        .unwrap();
    // The first call takes the one token; the second is throttled again
    // and again (no Retry-After: it backs off): more than 2 exchanges,
    // within 3 s.
    client.clear_password("srv-0000").unwrap();
    let started = Instant::now();
    let err = client.clear_password("srv-0000").unwrap_err();
    assert_eq!(err.status(), Some(429), "{err}");
    assert!(err.attempts() >= 2, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_cap_that_is_not_a_rate_is_refused_before_sending() {
    let (gateway, _) = fleet(1, 10.0, 1);
    for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let built = client(&gateway).max_rate(rate).build();
        assert!(
            matches!(
                built,
                Err(Error::InvalidInput {
                    field: "max rate",
                    ..
                })
            ),
            "{rate}"
        );
    }
    assert!(gateway.requests().is_empty());
}

/// The gateway's 429 with `Retry-After: {retry_after}` and this message.
fn throttle(retry_after: &str, message: &str) -> Fault {
    Fault::Status {
        status: 429,
        body:
            serde_json::json!({"error_code": "APIGW.0308", "error_msg": message, "request_id": "t"})
                .to_string(),
        retry_after: Some(retry_after.to_owned()),
    }
}

#[test]
fn a_retry_after_beyond_any_sane_wait_leaves_every_unsent_server_not_attempted() {
    let (gateway, ids) = fleet(8, 1000.0, 1000);
    gateway.fail_next(
        4,
        throttle(
            "99999999999999999999999",
            "The throttling threshold has been reached",
        ),
    );
    let client = client(&gateway).build().unwrap();
    let started = Instant::now();
    let results = hwcloud_ecs::Bulk::clear()
        .workers(4)
        .run_on(&client, &ids, |_, _, _| {});
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    for result in &results {
        let Err(Error::NotAttempted { reason, .. }) = result else {
            panic!("{result:?}");
        };
        assert!(
            reason.contains("longer than the run allows") || reason.contains("for this project"),
            "{reason}"
        );
    }
    assert!(results.iter().any(|r| matches!(r, Err(Error::NotAttempted { reason, .. }) if reason.contains("longer than a year"))));
    // A server the gateway answered carries that answer; one never sent
    // (its project closed by the first one's wait) carries none.
    for result in &results {
        let Err(Error::NotAttempted {
            last_answer: Some(api),
            reason,
            ..
        }) = result
        else {
            continue;
        };
        assert_eq!((api.status, api.code.as_deref()), (429, Some("APIGW.0308")));
        assert!(reason.contains("longer than a year"), "{reason}");
    }
    assert!(results.iter().any(|r| matches!(
        r,
        Err(Error::NotAttempted {
            last_answer: Some(_),
            ..
        })
    )));
    // Nothing was carried out: every DELETE that reached the gateway was refused 429.
    assert!(
        gateway.requests().iter().all(|r| r.status == 429),
        "{:?}",
        gateway.requests().len()
    );
}
