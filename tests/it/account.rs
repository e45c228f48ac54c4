//! Work across projects from the library: one bulk run over the clients of
//! several projects (a 401 stops them all, a 403 only its project), a
//! governor per endpoint, and the listing's filters against the fake's own
//! reference selection.
use std::time::{Duration, Instant};

use hwcloud_ecs::{
    Bulk, Client, ClientBuilder, Credentials, Error, Outcome, ResultKind, ServerFilter,
};
use hwcloud_ecs_fake::{FakeGateway, FakeServer};

use crate::common;

const P_A: &str = "a0000000000000000000000000000000";
const P_B: &str = "b0000000000000000000000000000000";

fn creds() -> Credentials {
    Credentials::new("AKACCOUNT", "SKaccount").unwrap()
}

fn gateway(project: &str, prefix: &str, secret: &str) -> FakeGateway {
    (0..5)
        .fold(
            FakeGateway::builder(Credentials::new("AKACCOUNT", secret).unwrap(), project),
            |b, i| b.server(format!("{prefix}{i}"), "C"),
        )
        .start()
        .unwrap()
}

fn client(project: &str, gateway: &FakeGateway) -> Client {
    Client::builder()
        .credentials(creds())
        .project_id(project)
        .endpoint(gateway.endpoint())
        .build()
        .unwrap()
}

fn targets(a: &Client, b: &Client) -> Vec<(Client, String)> {
    let mut targets: Vec<(Client, String)> = (0..5).map(|i| (a.clone(), format!("a{i}"))).collect();
    targets.extend((0..5).map(|i| (b.clone(), format!("b{i}"))));
    targets
}

fn reason(result: &Result<Outcome, Error>) -> String {
    match result {
        Err(Error::NotAttempted { reason, .. }) => reason.clone(),
        other => panic!("expected not attempted, got {other:?}"),
    }
}

#[test]
fn refused_credentials_in_one_project_stop_every_project() {
    let a = gateway(P_A, "a", "SKaccount");
    let b = gateway(P_B, "b", "another-secret");
    let targets = targets(&client(P_A, &a), &client(P_B, &b));
    // One worker: a0, then b0 (401), and nothing after it.
    let results = Bulk::clear().workers(1).run(&targets, |_, _, _| {});
    assert!(matches!(results[0], Ok(Outcome::Cleared { .. })));
    assert_eq!(results[5].as_ref().unwrap_err().api().unwrap().status, 401);
    for (index, result) in results.iter().enumerate() {
        if index != 0 && index != 5 {
            assert!(
                reason(result).contains("everywhere"),
                "{index}: {}",
                reason(result)
            );
        }
    }
    assert_eq!(a.requests().len(), 1);
    assert_eq!(b.requests().len(), 1);
}

#[test]
fn a_refusal_limited_to_one_project_stops_only_that_project() {
    let a = gateway(P_A, "a", "SKaccount");
    let b = (0..5)
        .fold(
            FakeGateway::builder(creds(), P_B).forbid_project(P_B),
            |g, i| g.server(format!("b{i}"), "C"),
        )
        .start()
        .unwrap();
    let targets = targets(&client(P_A, &a), &client(P_B, &b));
    let clear = Bulk::clear().workers(1);
    let mut seen = Vec::new();
    let results = clear.run(&targets, |index, result, progress| {
        seen.push((index, clear.kind(result), progress.done));
    });
    for result in &results[..5] {
        assert!(matches!(result, Ok(Outcome::Cleared { .. })), "{result:?}");
    }
    assert_eq!(results[5].as_ref().unwrap_err().api().unwrap().status, 403);
    for result in &results[6..] {
        assert!(
            reason(result).contains("for this project"),
            "{}",
            reason(result)
        );
    }
    assert_eq!(
        b.requests().len(),
        1,
        "one refusal, then nothing more to that project"
    );
    // Every server reported once, the counts in step.
    assert_eq!(seen.len(), 10);
    assert_eq!(seen.last().map(|s| s.2), Some(10));
    let mut indexes: Vec<usize> = seen.iter().map(|s| s.0).collect();
    indexes.sort();
    assert_eq!(indexes, (0..10).collect::<Vec<_>>());
    assert_eq!(
        seen.iter()
            .filter(|s| s.1 == ResultKind::NotAttempted)
            .count(),
        4
    );
}

#[test]
fn a_slow_gateway_holds_only_its_own_workers() {
    // a's gateway answers in 200 ms, b's at once: the worker a does not
    // hold keeps taking b's servers, which are done long before a's.
    let a = (0..5)
        .fold(
            FakeGateway::builder(creds(), P_A).latency(Duration::from_millis(200)),
            |g, i| g.server(format!("a{i}"), "C"),
        )
        .start()
        .unwrap();
    let b = gateway(P_B, "b", "SKaccount");
    let targets = targets(&client(P_A, &a), &client(P_B, &b));
    let started = Instant::now();
    let mut b_done = None;
    let mut count = 0;
    Bulk::clear().workers(2).run(&targets, |index, _, _| {
        if index >= 5 {
            count += 1;
            if count == 5 {
                b_done = Some(started.elapsed());
            }
        }
    });
    let total = started.elapsed();
    let b_done = b_done.unwrap();
    // In input order, b would wait for all of a (about 500 ms with two
    // workers), and taking strict turns for about 400 ms; picking the
    // project with the fewest calls in flight, within a's first call.
    assert!(b_done < total / 2, "b done at {b_done:?} of {total:?}");
}

#[test]
fn each_filter_alone_and_combined_keeps_exactly_the_reference_selection() {
    let servers = [
        FakeServer::windows("s1", "")
            .named("web.1")
            .tagged("env", "prod"),
        FakeServer::windows("s2", "")
            .named("webx1")
            .tagged("env", "prod")
            .tagged("team", "a"),
        FakeServer::windows("s3", "")
            .named("web")
            .with_status("SHUTOFF"),
        FakeServer::windows("s4", "")
            .named("db 1+ü&x=y")
            .in_enterprise_project("ep-1"),
        FakeServer::windows("s5", "")
            .named("web.1")
            .tagged("env", "dev")
            .with_status("REBOOT"),
        FakeServer::linux("s6").named("web.1").tagged("env", "prod"),
    ];
    let gateway = servers
        .iter()
        .fold(FakeGateway::builder(creds(), P_A), |g, s| {
            g.with_server(s.clone())
        })
        .start()
        .unwrap();
    let client = client(P_A, &gateway);
    // The selection each filter means, decided from the servers themselves.
    type Rule = fn(&FakeServer) -> bool;
    let cases: Vec<(ServerFilter, Rule)> = vec![
        (ServerFilter::windows(), |s| s.os_type == "Windows"),
        (ServerFilter::all(), |_| true),
        (ServerFilter::windows().name("web.1"), |s| {
            s.os_type == "Windows" && s.name == "web.1"
        }),
        (ServerFilter::windows().name("web"), |s| {
            s.os_type == "Windows" && s.name == "web"
        }),
        (ServerFilter::windows().name("db 1+ü&x=y"), |s| {
            s.id == "s4"
        }),
        (ServerFilter::windows().status("ACTIVE"), |s| {
            s.os_type == "Windows" && s.status == "ACTIVE"
        }),
        (ServerFilter::windows().status("SHUTOFF"), |s| s.id == "s3"),
        (ServerFilter::windows().tag("env", "prod"), |s| {
            s.os_type == "Windows" && s.tags.contains(&("env".into(), "prod".into()))
        }),
        (
            ServerFilter::windows().tag("env", "prod").tag("team", "a"),
            |s| s.id == "s2",
        ),
        (ServerFilter::all().tag("env", "prod"), |s| {
            s.tags.contains(&("env".into(), "prod".into()))
        }),
        (ServerFilter::windows().enterprise_project("ep-1"), |s| {
            s.id == "s4"
        }),
        (ServerFilter::windows().enterprise_project("0"), |s| {
            s.os_type == "Windows" && s.id != "s4"
        }),
        (
            ServerFilter::windows()
                .name("web.1")
                .tag("env", "prod")
                .status("ACTIVE"),
            |s| s.id == "s1",
        ),
        (ServerFilter::windows().name("nothing"), |_| false),
    ];
    for (filter, rule) in cases {
        let mut got: Vec<String> = client
            .list_servers_matching(&filter)
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        got.sort();
        let want: Vec<String> = servers
            .iter()
            .filter(|s| rule(s))
            .map(|s| s.id.clone())
            .collect();
        assert_eq!(got, want, "{filter:?}");
    }
    // Values that could not match, or would be read differently, are
    // refused before anything is sent.
    let before = gateway.requests().len();
    for bad in [
        ServerFilter::windows().name(""),
        ServerFilter::windows().tag("a=b", "c"),
        ServerFilter::windows().status("ACTIVE\n"),
    ] {
        assert!(matches!(
            client.list_servers_matching(&bad),
            Err(Error::InvalidInput { .. })
        ));
    }
    assert_eq!(gateway.requests().len(), before);
}

#[test]
fn an_account_lists_its_projects_and_makes_a_client_for_each() {
    let a = FakeGateway::builder(creds(), P_A)
        .project(P_B)
        .account_project(P_A, "cn-north-4", true)
        .account_project(P_B, "cn-north-4_dev", true)
        .account_project("c0000000000000000000000000000000", "MOS", true)
        .with_server(FakeServer::windows("w1", "C"))
        .with_server(FakeServer::windows("w2", "C").in_project(P_B))
        .start()
        .unwrap();
    let url = a.endpoint().to_owned();
    let lookup = move |name: &str| match name {
        "HUAWEICLOUD_SDK_IAM_ENDPOINT" | "HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4" => {
            Some(url.clone())
        }
        other => common::never_the_real_services(other),
    };
    let account = ClientBuilder::from_env_with(lookup)
        .unwrap()
        .credentials(creds())
        .build_account()
        .unwrap();
    assert_eq!(account.iam_endpoint().url(), a.endpoint());
    let projects = account.projects().unwrap().projects;
    assert_eq!(projects.len(), 3);
    assert_eq!(
        projects[2].skipped(),
        Some("MOS is a special project, not a region")
    );
    let clients: Vec<Client> = projects[..2]
        .iter()
        .map(|p| account.client(p).unwrap())
        .collect();
    assert_eq!(clients[1].project_id().as_str(), P_B);
    assert_eq!(clients[1].region(), Some("cn-north-4"));
    let ids: Vec<Vec<String>> = clients
        .iter()
        .map(|c| {
            c.list_servers()
                .unwrap()
                .into_iter()
                .map(|s| s.id)
                .collect()
        })
        .collect();
    assert_eq!(ids, vec![vec!["w1".to_owned()], vec!["w2".to_owned()]]);
    // Where each value came from is still told.
    let settings = clients[1].settings();
    let endpoint = settings.iter().find(|s| s.key == "endpoint").unwrap();
    assert_eq!(
        endpoint.origin.to_string(),
        "environment HUAWEICLOUD_SDK_REGION_ECS_CN_NORTH_4"
    );
    // One pool: both projects' calls went over the connections of one agent.
    assert!(a.connections() <= 2, "{}", a.connections());
}

#[test]
fn an_audit_reads_and_changes_nothing_and_words_each_outcome() {
    let gateway = FakeGateway::builder(creds(), P_A)
        .server("has", "C")
        .server("none", "")
        .with_server(FakeServer::windows("bad", "C").broken())
        .start()
        .unwrap();
    let client = client(P_A, &gateway);
    let ids = ["has", "none", "bad", "ghost"];
    let audit = Bulk::audit().workers(2);
    let mut last = None;
    let results = audit.run_on(&client, &ids, |_, _, progress| last = Some(progress));
    let counts = last.unwrap();
    assert_eq!(
        (
            counts.done,
            counts.total,
            counts.stored,
            counts.none_stored,
            counts.failed
        ),
        (4, 4, 1, 1, 2)
    );
    assert_eq!(
        (counts.cleared, counts.not_found, counts.not_attempted),
        (0, 0, 0)
    );
    let kinds: Vec<ResultKind> = results.iter().map(|r| audit.kind(r)).collect();
    // A server that does not exist proves nothing: an audit counts it failed.
    assert_eq!(
        kinds,
        [
            ResultKind::Stored,
            ResultKind::NoneStored,
            ResultKind::Failed,
            ResultKind::Failed
        ]
    );
    let Ok(Outcome::Stored { status, request_id }) = &results[0] else {
        panic!("{:?}", results[0]);
    };
    assert_eq!((*status, results[0].as_ref().unwrap().status()), (200, 200));
    // The fake gateway's request ids are 32 hex digits, as the real one's.
    let hex32 = |id: Option<&str>| {
        id.is_some_and(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    assert!(hex32(request_id.as_deref()), "{request_id:?}");
    assert_eq!(
        results[0].as_ref().unwrap().request_id(),
        request_id.as_deref()
    );
    assert!(gateway.requests().iter().all(|r| r.method == "GET"));
    assert_eq!(gateway.password("has").as_deref(), Some("C"));

    // The same servers cleared: a missing one is not found, a broken one failed.
    let clear = Bulk::clear();
    let mut last = None;
    let results = clear.run_on(&client, &ids, |_, _, progress| last = Some(progress));
    let counts = last.unwrap();
    assert_eq!(
        (
            counts.cleared,
            counts.not_found,
            counts.failed,
            counts.stored,
            counts.none_stored
        ),
        (2, 1, 1, 0, 0)
    );
    let kinds: Vec<ResultKind> = results.iter().map(|r| clear.kind(r)).collect();
    assert_eq!(
        kinds,
        [
            ResultKind::Cleared,
            ResultKind::Cleared,
            ResultKind::Failed,
            ResultKind::NotFound
        ]
    );
    let cleared = results[0].as_ref().unwrap();
    assert_eq!(cleared.status(), 204);
    assert!(hex32(cleared.request_id()), "{:?}", cleared.request_id());
    assert_ne!(
        cleared.request_id(),
        results[1].as_ref().unwrap().request_id()
    );
}

#[test]
fn a_bulk_run_counts_the_throttling_of_each_client_once() {
    let gateway = gateway(P_A, "a", "SKaccount");
    let client = client(P_A, &gateway);
    gateway.fail_next(2, hwcloud_ecs_fake::Fault::throttled("0"));
    let ids = ["a0", "a1", "a2"];
    let mut last = None;
    let results = Bulk::clear()
        .workers(1)
        .run_on(&client, &ids, |_, _, progress| last = Some(progress));
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let counts = last.unwrap();
    // Two 429s, each retried: counted once although three targets share the client.
    assert_eq!(counts.throttled, 2);
    assert!(counts.rate.is_some_and(|r| r > 0.0), "{counts:?}");
}

#[test]
fn an_accounts_debug_names_its_key_and_iam_but_no_secret() {
    let lookup = |name: &str| common::never_the_real_services(name);
    let account = ClientBuilder::from_env_with(lookup)
        .unwrap()
        .credentials(Credentials::new("AKSHOWN", "SKhidden").unwrap())
        .build_account()
        .unwrap();
    let shown = format!("{account:?}");
    assert!(
        shown.contains("AKSHOWN") && shown.contains("127.0.0.1:1"),
        "{shown}"
    );
    assert!(!shown.contains("SKhidden"), "{shown}");
}
