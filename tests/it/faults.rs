//! The fault matrix: each row injects a failure into the fake gateway and
//! asserts the outcome, how many attempts the gateway saw, and how long the
//! call took (bounds are generous: they catch a missing timeout, not jitter).
use std::net::TcpListener;
use std::time::{Duration, Instant, SystemTime};

use hwcloud_ecs::{ApiVersion, Client, Credentials, Error, RetryPolicy};
use hwcloud_ecs_fake::{FakeGateway, Fault};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const SERVER: &str = "8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00";

fn creds() -> Credentials {
    Credentials::new("AKFAULTS", "SKfaultsSecret").unwrap()
}

fn gateway() -> FakeGateway {
    gateway_with_latency(Duration::ZERO)
}

/// The gateway, each answer delayed by `latency` before its head.
fn gateway_with_latency(latency: Duration) -> FakeGateway {
    FakeGateway::builder(creds(), PROJECT)
        .server(SERVER, "Q0lQSEVS")
        .latency(latency)
        .start()
        .unwrap()
}

/// Quick backoff so that rows without Retry-After run fast.
fn policy() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Duration::from_millis(10), Duration::from_millis(50))
}

fn client_with(endpoint: &str, policy: RetryPolicy, timeout: Duration) -> Client {
    Client::builder()
        .credentials(creds())
        .project_id(PROJECT)
        .endpoint(endpoint)
        .retry(policy)
        .timeout_connect(Duration::from_secs(2))
        .timeout(timeout)
        .build()
        .unwrap()
}

fn client(gateway: &FakeGateway) -> Client {
    client_with(gateway.endpoint(), policy(), Duration::from_secs(5))
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = f();
    (value, started.elapsed())
}

#[test]
fn two_503s_then_success_on_attempt_three() {
    let gateway = gateway();
    gateway.fail_next(2, Fault::status(503));
    let (result, took) = timed(|| client(&gateway).clear_password(SERVER));
    assert_eq!(result.unwrap().status, 204);
    assert_eq!(gateway.requests().len(), 3);
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn endless_503_fails_after_max_attempts_keeping_the_status() {
    let gateway = gateway();
    gateway.fail_next(usize::MAX, Fault::status(503));
    let (result, took) = timed(|| client(&gateway).clear_password(SERVER));
    let err = result.unwrap_err();
    assert_eq!(err.api().unwrap().status, 503);
    assert_eq!(err.api().unwrap().code.as_deref(), Some("FAKE.503"));
    assert_eq!(err.attempts(), 3);
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
    assert_eq!(gateway.requests().len(), 3);
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn throttled_with_retry_after_seconds_waits_and_re_signs() {
    let gateway = gateway();
    gateway.fail_next(1, Fault::throttled("1"));
    let (result, took) = timed(|| client(&gateway).clear_password(SERVER));
    assert!(result.is_ok(), "{result:?}");
    assert!(took >= Duration::from_secs(1), "did not wait: {took:?}");
    assert!(took < Duration::from_secs(6), "{took:?}");
    let seen = gateway.requests();
    assert_eq!(seen.len(), 2);
    assert_ne!(
        seen[0].header("x-sdk-date"),
        seen[1].header("x-sdk-date"),
        "the retry must be signed afresh"
    );
}

#[test]
// The test plays the gateway, which reads its own clock.
#[allow(clippy::disallowed_methods)]
fn throttled_with_retry_after_http_date_waits_until_then() {
    let gateway = gateway();
    // The gateway's own clock is what the HTTP-date is measured against.
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3));
    gateway.fail_next(1, Fault::throttled(at));
    let (result, took) = timed(|| client(&gateway).clear_password(SERVER));
    assert!(result.is_ok(), "{result:?}");
    assert!(
        took >= Duration::from_millis(1500),
        "did not wait: {took:?}"
    );
    assert!(took < Duration::from_secs(8), "{took:?}");
    assert_eq!(gateway.requests().len(), 2);
}

#[test]
fn retry_after_beyond_the_deadline_fails_at_once() {
    let gateway = gateway();
    gateway.fail_next(1, Fault::throttled("120"));
    let short = policy().with_deadline(Duration::from_secs(5));
    let client = client_with(gateway.endpoint(), short, Duration::from_secs(5));
    let (result, took) = timed(|| client.clear_password(SERVER));
    let err = result.unwrap_err();
    assert_eq!(err.api().unwrap().status, 429);
    assert_eq!(err.api().unwrap().code.as_deref(), Some("APIGW.0308"));
    assert!(
        took < Duration::from_secs(2),
        "slept past the deadline: {took:?}"
    );
    assert_eq!(gateway.requests().len(), 1);
}

#[test]
fn connection_reset_before_the_response_is_retried() {
    let gateway = gateway();
    gateway.fail_next(1, Fault::Reset);
    let (result, took) = timed(|| client(&gateway).clear_password(SERVER));
    assert_eq!(result.unwrap().status, 204);
    assert_eq!(gateway.requests().len(), 2);
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn connection_refused_is_a_transport_error_after_retries() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = client_with(
        &format!("http://127.0.0.1:{port}"),
        policy(),
        Duration::from_secs(2),
    );
    let (result, took) = timed(|| client.clear_password(SERVER));
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn a_server_that_never_answers_times_out_within_the_bound() {
    let gateway = gateway();
    gateway.fail_next(usize::MAX, Fault::Stall);
    let two = policy().with_max_attempts(2);
    let client = client_with(gateway.endpoint(), two, Duration::from_millis(500));
    let (result, took) = timed(|| client.get_password(SERVER));
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(err.attempts(), 2);
    assert_eq!(gateway.requests().len(), 2);
    assert!(took >= Duration::from_millis(1000), "{took:?}");
    assert!(took < Duration::from_secs(4), "{took:?}");
}

#[test]
fn a_body_trickled_slower_than_the_timeout_times_out() {
    let gateway = gateway();
    // About 30 bytes at 200 ms each: 6 s for the body against a 1 s timeout.
    gateway.fail_next(
        1,
        Fault::Trickle {
            interval: Duration::from_millis(200),
        },
    );
    let client = client_with(
        gateway.endpoint(),
        RetryPolicy::none(),
        Duration::from_secs(1),
    );
    let (result, took) = timed(|| client.get_password(SERVER));
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_late_head_and_a_trickled_body_share_one_attempts_time() {
    // The head comes after 1.2 s, then a byte every 400 ms against a 2 s
    // timeout: each read and the head are on time, and so would the body be
    // on its own clock (2 s from its first byte, 3.2 s in). The attempt's
    // own deadline, from the moment it was sent, ends it at 2 s.
    let gateway = gateway_with_latency(Duration::from_millis(1200));
    gateway.fail_next(
        1,
        Fault::Trickle {
            interval: Duration::from_millis(400),
        },
    );
    let client = client_with(
        gateway.endpoint(),
        RetryPolicy::none(),
        Duration::from_secs(2),
    );
    let (result, took) = timed(|| client.get_password(SERVER));
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(took >= Duration::from_millis(1900), "{took:?}");
    assert!(took < Duration::from_millis(2900), "{took:?}");
}

#[test]
fn a_body_trickled_just_under_the_timeout_ends_each_attempt_on_time() {
    // A byte every 1.5 s against a 2 s timeout: every read returns before
    // the per-read timeout, so only a deadline over the whole attempt ends
    // it at 2 s (without one, at 3 s, and the call at 6 s).
    let gateway = gateway();
    gateway.fail_next(
        usize::MAX,
        Fault::Trickle {
            interval: Duration::from_millis(1500),
        },
    );
    let once = client_with(
        gateway.endpoint(),
        RetryPolicy::none(),
        Duration::from_secs(2),
    );
    let (result, took) = timed(|| once.get_password(SERVER));
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(took >= Duration::from_millis(1900), "{took:?}");
    assert!(took < Duration::from_millis(2700), "{took:?}");
    // The call's deadline covers every attempt: 3.5 s, not two whole attempts.
    let twice = client_with(
        gateway.endpoint(),
        policy()
            .with_max_attempts(3)
            .with_deadline(Duration::from_millis(3500)),
        Duration::from_secs(2),
    );
    let (result, took) = timed(|| twice.get_password(SERVER));
    assert!(matches!(result, Err(Error::Timeout { .. })), "{result:?}");
    assert!(took < Duration::from_millis(4300), "{took:?}");
    // And the error names the host, as every transport error does.
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains(gateway.endpoint().trim_start_matches("http://")),
        "{message}"
    );
}

#[test]
fn truncated_non_json_and_html_error_bodies_keep_status_and_snippet() {
    let gateway = gateway();
    let client = client_with(
        gateway.endpoint(),
        RetryPolicy::none(),
        Duration::from_secs(5),
    );
    for (status, body) in [
        (400, r#"{"error_code": "APIGW.01"#),
        (403, "forbidden, and not JSON"),
        (502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
    ] {
        gateway.fail_next(1, Fault::raw(status, body));
        let err = client.clear_password(SERVER).unwrap_err();
        let api = err.api().expect("an API error");
        assert_eq!(api.status, status);
        assert_eq!(api.code, None);
        assert_eq!(api.snippet.as_deref(), Some(body));
    }
    let huge_html = format!("<html>{}</html>", "x".repeat(200_000));
    gateway.fail_next(1, Fault::raw(500, huge_html));
    let err = client.clear_password(SERVER).unwrap_err();
    assert!(err.api().unwrap().snippet.as_ref().unwrap().chars().count() <= 513);
}

#[test]
fn bodies_up_to_their_bounds_are_read_whole() {
    let gateway = gateway();
    let client = client_with(
        gateway.endpoint(),
        RetryPolicy::none(),
        Duration::from_secs(5),
    );
    // A success body of 512 KiB, under the 1 MiB read for one.
    let long = "Q".repeat(512 * 1024);
    let body = serde_json::json!({ "password": long }).to_string();
    gateway.fail_next(1, Fault::raw(200, body));
    let password = client.get_password(SERVER).unwrap();
    assert_eq!(password.ciphertext.map(|c| c.len()), Some(long.len()));
    // An error body of 32 KiB, under the 64 KiB read for one: its code,
    // written last, is still read.
    let padded = format!(
        r#"{{"error_msg": "{}", "error_code": "Ecs.0005"}}"#,
        "x".repeat(32 * 1024)
    );
    gateway.fail_next(1, Fault::raw(400, padded));
    let err = client.clear_password(SERVER).unwrap_err();
    assert_eq!(err.api().unwrap().code.as_deref(), Some("Ecs.0005"));

    // A success body of exactly 1 MiB is read; one byte more is refused.
    let exactly = |size: usize| {
        let frame = r#"{"password": ""}"#.len();
        format!(r#"{{"password": "{}"}}"#, "Q".repeat(size - frame))
    };
    gateway.fail_next(1, Fault::raw(200, exactly(1024 * 1024)));
    assert!(client.get_password(SERVER).is_ok());
    gateway.fail_next(1, Fault::raw(200, exactly(1024 * 1024 + 1)));
    let err = client.get_password(SERVER).unwrap_err();
    assert!(
        err.to_string().contains("body exceeds 1048576 bytes"),
        "{err}"
    );
    // An error body past 64 KiB is cut there, whole JSON or not: only its
    // start is kept, as a snippet.
    let past = format!(
        r#"{{"error_msg": "{}", "error_code": "Ecs.0005"}}"#,
        "x".repeat(64 * 1024 + 100)
    );
    gateway.fail_next(1, Fault::raw(400, past));
    let err = client.clear_password(SERVER).unwrap_err();
    let api = err.api().unwrap();
    assert_eq!((api.status, api.code.as_deref()), (400, None));
    assert!(api.snippet.is_some());
}

#[test]
fn a_success_body_cut_short_is_retried() {
    let gateway = gateway();
    gateway.fail_next(1, Fault::Truncated);
    let password = client(&gateway).get_password(SERVER).unwrap();
    assert_eq!(password.ciphertext.as_deref(), Some("Q0lQSEVS"));
    assert_eq!(gateway.requests().len(), 2);
    // Cut short every time: the error, raised after the response head,
    // still names the host.
    gateway.fail_next(usize::MAX, Fault::Truncated);
    let err = client(&gateway).get_password(SERVER).unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let host = gateway.endpoint().trim_start_matches("http://");
    assert!(err.to_string().contains(host), "{err}");
}

#[test]
fn gateway_clock_ahead_or_behind_is_corrected_once() {
    for offset in [20 * 60, -20 * 60] {
        let gateway = FakeGateway::builder(creds(), PROJECT)
            .server(SERVER, "Q0lQSEVS")
            .clock_offset(offset)
            .start()
            .unwrap();
        let client = client(&gateway);
        assert_eq!(client.clock_offset_ms(), 0);
        client.clear_password(SERVER).unwrap();
        assert_eq!(
            gateway.requests().len(),
            2,
            "one refusal, one corrected retry"
        );
        let learned = client.clock_offset_ms() / 1000;
        assert!(
            (learned - offset).abs() <= 2,
            "learned {learned} s for {offset} s"
        );
        // Later calls, from clones too, sign with the corrected time at once.
        client.clone().get_password(SERVER).unwrap();
        assert_eq!(gateway.requests().len(), 3, "no further correction");
    }
}

#[test]
fn a_wrong_secret_key_is_sent_exactly_once() {
    let gateway = gateway();
    let client = Client::builder()
        .credentials(Credentials::new("AKFAULTS", "SKwrong").unwrap())
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
        .retry(policy())
        .build()
        .unwrap();
    let err = client.clear_password(SERVER).unwrap_err();
    assert_eq!(err.api().unwrap().status, 401);
    assert_eq!(err.api().unwrap().code.as_deref(), Some("APIGW.0301"));
    assert_eq!(gateway.requests().len(), 1);
}

#[test]
fn not_found_is_not_retried_on_either_api() {
    for (api, code) in [
        (ApiVersion::V2_1, "itemNotFound"),
        (ApiVersion::V1, "Ecs.0114"),
    ] {
        let gateway = gateway();
        let client = Client::builder()
            .credentials(creds())
            .project_id(PROJECT)
            .endpoint(gateway.endpoint())
            .api(api)
            .retry(policy())
            .build()
            .unwrap();
        let err = client.clear_password("unknown-server").unwrap_err();
        assert!(err.is_not_found());
        assert_eq!(err.api().unwrap().code.as_deref(), Some(code));
        assert_eq!(gateway.requests().len(), 1);
    }
}

#[test]
fn an_absurd_retry_after_ends_the_call_at_once_without_a_panic() {
    for (status, value) in [
        (429, "18446744073709551615".to_owned()),
        (503, "18446744073709551615".to_owned()),
        (429, "Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
        (503, "99999999999999999999999999".to_owned()),
    ] {
        let gateway = gateway();
        gateway.fail_next(
            usize::MAX,
            Fault::Status {
                status,
                body: if status == 429 {
                    r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#.into()
                } else {
                    r#"{"error_code":"FAKE.503","error_msg":"unavailable"}"#.into()
                },
                retry_after: Some(value.clone()),
            },
        );
        let (result, took) = timed(|| client(&gateway).clear_password(SERVER));
        let err = result.unwrap_err();
        assert_eq!(err.api().unwrap().status, status, "{value}: {err}");
        assert!(took < Duration::from_secs(5), "{value}: {took:?}");
        // Even delta-seconds too large for a u64 ask for a wait, the
        // longest there is: never slept, the call ends at once.
        assert_eq!(gateway.requests().len(), 1, "{value}: {err}");
        assert!(
            err.api().unwrap().retry_after.is_some()
                && err.to_string().contains("the server asked to retry after"),
            "{value}: {err}"
        );
    }
}

#[test]
fn an_expired_signature_with_an_absurd_date_leaves_the_clock_alone() {
    for date in [
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Mon, 01 Jan 2100 00:00:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        let gateway = gateway();
        gateway.fail_next(1, Fault::expired_signature(date));
        let client = client(&gateway);
        let err = client.clear_password(SERVER).unwrap_err();
        assert_eq!(err.api().unwrap().status, 401, "{date}: {err}");
        assert_eq!(client.clock_offset_ms(), 0, "{date}: the clock moved");
        assert_eq!(gateway.requests().len(), 1, "{date}: re-signed");
        // The next call is signed with the right time and accepted.
        client.clear_password(SERVER).unwrap();
        assert_eq!(gateway.requests().len(), 2);
    }
}

#[test]
fn a_signature_refused_for_another_reason_never_moves_the_clock() {
    // A 401 whose Date is 20 minutes off but which does not say "expired".
    let gateway = gateway();
    gateway.set_clock_offset(20 * 60);
    let other = Fault::Answer {
        status: 401,
        body: r#"{"error_code":"APIGW.0301","error_msg":"verify aksk signature fail"}"#.into(),
        headers: vec![],
    };
    gateway.fail_next(1, other);
    let client = client(&gateway);
    let err = client.clear_password(SERVER).unwrap_err();
    assert_eq!(err.api().unwrap().status, 401);
    assert_eq!(client.clock_offset_ms(), 0);
    assert_eq!(gateway.requests().len(), 1);
}

#[test]
fn a_plausible_expired_date_is_learned_and_the_call_re_signed() {
    let gateway = gateway();
    gateway.set_clock_offset(-(2 * 60 * 60));
    let client = client(&gateway);
    client.clear_password(SERVER).unwrap();
    let learned = client.clock_offset_ms() / 1000;
    assert!((-7205..=-7195).contains(&learned), "{learned}");
    assert_eq!(gateway.requests().len(), 2);
}

#[cfg(feature = "wait")]
#[test]
fn durations_that_cannot_be_represented_are_invalid_input_before_sending() {
    let gateway = gateway();
    for policy in [
        policy().with_deadline(Duration::MAX),
        policy().with_backoff(Duration::from_millis(1), Duration::MAX),
    ] {
        let err = Client::builder()
            .credentials(creds())
            .project_id(PROJECT)
            .endpoint(gateway.endpoint())
            .retry(policy)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    }
    for builder in [
        Client::builder().timeout(Duration::MAX),
        Client::builder().timeout_connect(Duration::MAX),
    ] {
        let err = builder
            .credentials(creds())
            .project_id(PROJECT)
            .endpoint(gateway.endpoint())
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    }
    let err = client(&gateway)
        .wait_for_password(SERVER, hwcloud_ecs::WaitOptions::timeout(Duration::MAX))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(gateway.requests().is_empty());
}

#[test]
// The test plays the gateway, which reads its own clock.
#[allow(clippy::disallowed_methods)]
fn a_retry_after_date_is_measured_on_the_gateways_clock_not_ours() {
    // The gateway's clock is an hour behind ours; its Retry-After date is 2 s
    // after its own Date. Measured on our clock that date is long past (no
    // wait); measured on the gateway's, it is a 2 s wait.
    let gateway = gateway();
    gateway.set_clock_offset(-3600);
    let at = httpdate::fmt_http_date(
        SystemTime::now() - Duration::from_secs(3600) + Duration::from_secs(2),
    );
    gateway.fail_next(1, Fault::throttled(at));
    let (result, took) = timed(|| client(&gateway).clear_password(SERVER));
    assert!(result.is_ok(), "{result:?}");
    assert!(
        took >= Duration::from_millis(1000),
        "did not wait: {took:?}"
    );
    assert!(took < Duration::from_secs(8), "{took:?}");
}

#[test]
fn the_last_attempts_timeouts_are_shortened_to_the_call_deadline() {
    // A 30 s attempt timeout, but a 2 s call deadline: the stalled attempt
    // ends when the deadline does, not 30 s later.
    let gateway = gateway();
    gateway.fail_next(usize::MAX, Fault::Stall);
    let short = policy().with_deadline(Duration::from_secs(2));
    let client = client_with(gateway.endpoint(), short, Duration::from_secs(30));
    let (result, took) = timed(|| client.get_password(SERVER));
    assert!(matches!(result, Err(Error::Timeout { .. })), "{result:?}");
    assert!(took >= Duration::from_millis(1900), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn the_default_policy_is_three_attempts_within_sixty_seconds() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.max_attempts(), 3);
    assert_eq!(policy.deadline(), Duration::from_secs(60));
    let gateway = gateway();
    gateway.fail_next(usize::MAX, Fault::status(503));
    let client = Client::builder()
        .credentials(creds())
        .project_id(PROJECT)
        .endpoint(gateway.endpoint())
        .build()
        .unwrap();
    let (result, took) = timed(|| client.clear_password(SERVER));
    assert_eq!(result.unwrap_err().attempts(), 3);
    assert_eq!(gateway.requests().len(), 3);
    // Full jitter under 200 ms then 400 ms: at most 0.6 s of waiting.
    assert!(took < Duration::from_secs(3), "{took:?}");
}

/// A client of `gateway`'s port at `scheme://host`, resolved by the system.
fn by_name(gateway: &FakeGateway, scheme: &str, host: &str) -> Client {
    let port = gateway.endpoint().rsplit(':').next().unwrap().to_owned();
    Client::builder()
        .credentials(creds())
        .project_id(PROJECT)
        .endpoint(format!("{scheme}://{host}:{port}"))
        .retry(policy().with_deadline(Duration::from_secs(5)))
        .timeout_connect(Duration::from_secs(1))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

#[test]
fn names_are_resolved_and_a_failed_lookup_names_the_host() {
    let gateway = gateway();
    let found = by_name(&gateway, "http", "localhost");
    for _ in 0..3 {
        found.get_password(SERVER).unwrap();
    }
    assert_eq!(gateway.requests().len(), 3);

    // A name that cannot exist (`.invalid` is reserved): a transport error
    // that names the host (a lookup can fail for a passing reason, so it is
    // retried like a refused connection).
    let missing = by_name(&gateway, "https", "no-such-host.invalid");
    let err = missing.get_password(SERVER).unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-host.invalid"), "{err}");
    assert_eq!(gateway.requests().len(), 3, "nothing reached the gateway");
}

#[test]
fn a_success_whose_body_is_not_the_promised_json_is_not_retried() {
    // The gateway said the call was carried out: sending it again would not
    // make the service answer differently, so the call ends at once.
    let gateway = gateway();
    gateway.fail_next(
        usize::MAX,
        Fault::Answer {
            status: 200,
            body: "<html>maintenance</html>".to_owned(),
            headers: Vec::new(),
        },
    );
    let err = client(&gateway).get_password(SERVER).unwrap_err();
    assert!(
        matches!(err, Error::InvalidResponse { status: 200, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("not JSON"), "{err}");
    assert_eq!(gateway.requests().len(), 1);
}
