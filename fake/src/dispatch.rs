//! What the fake gateway does with each request: injected faults first,
//! then the signature check, then the route.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use hwcloud_sign::rules;
use hwcloud_sign::{self as sign, Credentials, Payload, SignableRequest};

use crate::fleet::Fleet;
use crate::metadata::KeyRing;
use crate::routes::{self, Answer};
use crate::server::{Incoming, Outgoing, Reply};
use crate::{lock, Fault, RecordedRequest, Verdict};

/// The gateway's state, shared by its connection threads.
pub(crate) struct State {
    pub(crate) credentials: Credentials,
    pub(crate) temporary_keys: Option<KeyRing>,
    pub(crate) iam_projects: Vec<String>,
    /// What `GET /v3/auth/projects` lists: id, name, enabled.
    pub(crate) account_projects: Vec<(String, String, bool)>,
    pub(crate) project_id: String,
    pub(crate) fleet: Mutex<Fleet>,
    pub(crate) latency: Duration,
    pub(crate) requests: Mutex<Vec<RecordedRequest>>,
    pub(crate) clock_offset_secs: Mutex<i64>,
    pub(crate) next_request_id: AtomicU64,
    pub(crate) faults: Mutex<VecDeque<(usize, Fault)>>,
    /// The per-user rate limit, when set.
    pub(crate) rate_limit: Option<Mutex<crate::ratelimit::RateLimit>>,
    /// Headers replaced on arrival, as a proxy on the way would.
    pub(crate) rewrites: Mutex<Vec<(String, String)>>,
}

impl State {
    /// The gateway's clock: the machine's, shifted by the configured offset.
    // The fake stands for another machine, with a clock of its own.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> SystemTime {
        let offset = *lock(&self.clock_offset_secs);
        let base = SystemTime::now();
        let shift = Duration::from_secs(offset.unsigned_abs());
        if offset >= 0 {
            base + shift
        } else {
            base - shift
        }
    }

    /// The credentials to verify with: the temporary set whose access key
    /// the request names, else the gateway's own.
    fn key_for(&self, headers: &[(String, String)]) -> Credentials {
        let claimed = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .and_then(|(_, v)| sign::parse_authorization(v).ok());
        match (&self.temporary_keys, claimed) {
            (Some(ring), Some(auth)) => ring
                .find(&auth.access_key)
                .unwrap_or_else(|| self.credentials.clone()),
            _ => self.credentials.clone(),
        }
    }

    /// Takes the fault for this request, if one is queued.
    fn next_fault(&self) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let (count, fault) = faults.front_mut()?;
        let fault = fault.clone();
        if *count != usize::MAX {
            *count -= 1;
            if *count == 0 {
                faults.pop_front();
            }
        }
        Some(fault)
    }

    /// Answers one request.
    pub(crate) fn handle(&self, request: Incoming) -> Reply {
        let request_id = format!(
            "{:032x}",
            self.next_request_id.fetch_add(1, Ordering::Relaxed)
        );
        let Incoming {
            method,
            target,
            mut headers,
            body,
            peer,
        } = request;
        for (name, value) in lock(&self.rewrites).iter() {
            for header in headers
                .iter_mut()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                header.1.clone_from(value);
            }
        }
        if !self.latency.is_zero() {
            std::thread::sleep(self.latency);
        }
        let now = self.now();
        if let Some(fault) = self.next_fault() {
            let reply = fault_reply(fault, &request_id, now);
            let status = match &reply {
                Reply::Respond(r)
                | Reply::Trickle(r, _)
                | Reply::Truncate(r, _)
                | Reply::Huge(r, _) => r.status,
                Reply::Close | Reply::Stall => 0,
            };
            self.record(method, target, headers, Verdict::Faulted, status, peer);
            return reply;
        }

        if let Some(limit) = &self.rate_limit {
            let mut limit = lock(limit);
            if !limit.admit() {
                // No `Retry-After`: no real gateway sends one.
                let out = answer_with(429, limit.refusal(), [], &request_id, now);
                drop(limit);
                self.record(method, target, headers, Verdict::Throttled, 429, peer);
                return Reply::Respond(out);
            }
        }

        let mut signable =
            SignableRequest::new(&method, "", &target).payload(Payload::Bytes(&body));
        for (name, value) in &headers {
            signable = signable.header(name, value);
        }
        let verdict = sign::verify(&signable, &self.key_for(&headers), now)
            .map(|_| ())
            .map_err(|e| match e {
                // As the real gateway does, quote the canonical request it
                // computed, lines joined by `|`.
                sign::VerifyError::SignatureMismatch => {
                    match rules::received_canonical_request(&signable) {
                        Some(canonical) => {
                            format!("canonicalRequest:{}", canonical.replace('\n', "|"))
                        }
                        None => e.to_string(),
                    }
                }
                other => other.to_string(),
            });
        let answer = match &verdict {
            Err(why) => routes::signature_failure(why, &request_id),
            Ok(()) if routes::is_iam_auth_projects(&method, &target) => {
                routes::iam_auth_projects(&self.account_projects)
            }
            Ok(()) if routes::is_iam_projects(&method, &target) => {
                routes::iam_projects(&target, &self.iam_projects)
            }
            Ok(()) => routes::route(
                &method,
                &target,
                &self.project_id,
                &mut lock(&self.fleet),
                &request_id,
            ),
        };
        let verdict = match verdict {
            Ok(()) => Verdict::Accepted,
            // The record keeps no security token, as for the headers.
            Err(why) => Verdict::Rejected(rules::redact_quoted(&why)),
        };
        self.record(method, target, headers, verdict, answer.status, peer);
        Reply::Respond(to_response(answer, &request_id, now))
    }

    fn record(
        &self,
        method: String,
        target: String,
        headers: Vec<(String, String)>,
        verdict: Verdict,
        status: u16,
        peer: SocketAddr,
    ) {
        lock(&self.requests).push(RecordedRequest {
            method,
            target,
            headers: headers
                .into_iter()
                .map(|(n, v)| {
                    if rules::is_sensitive(&n) {
                        (n, "<redacted>".to_owned())
                    } else {
                        (n, v)
                    }
                })
                .collect(),
            verdict,
            status,
            peer: Some(peer),
        });
    }
}

/// `status` with a JSON `body`, and `headers` in place of the gateway's own
/// of the same name.
fn answer_with(
    status: u16,
    body: String,
    headers: impl IntoIterator<Item = (String, String)>,
    request_id: &str,
    now: SystemTime,
) -> Outgoing {
    let mut out = to_response(
        Answer {
            status,
            body: Some(body),
        },
        request_id,
        now,
    );
    for (name, value) in headers {
        out.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        out.headers.push((name, value));
    }
    out
}

fn fault_reply(fault: Fault, request_id: &str, now: SystemTime) -> Reply {
    let password = || Answer {
        status: 200,
        body: Some(r#"{"password":"Q0lQSEVSVEVYVA=="}"#.to_owned()),
    };
    match fault {
        Fault::Status {
            status,
            body,
            retry_after,
        } => {
            let headers = retry_after.map(|v| ("Retry-After".to_owned(), v));
            Reply::Respond(answer_with(status, body, headers, request_id, now))
        }
        Fault::Answer {
            status,
            body,
            headers,
        } => Reply::Respond(answer_with(status, body, headers, request_id, now)),
        Fault::Reset => Reply::Close,
        Fault::Stall => Reply::Stall,
        Fault::Trickle { interval } => {
            Reply::Trickle(to_response(password(), request_id, now), interval)
        }
        Fault::Truncated => {
            let out = to_response(password(), request_id, now);
            let half = out.body.len() / 2;
            Reply::Truncate(out, half)
        }
        Fault::Huge { status, len } => Reply::Huge(
            to_response(Answer { status, body: None }, request_id, now),
            len,
        ),
    }
}

fn to_response(answer: Answer, request_id: &str, now: SystemTime) -> Outgoing {
    let mut headers = vec![
        ("X-Request-Id".to_owned(), request_id.to_owned()),
        ("Date".to_owned(), httpdate::fmt_http_date(now)),
    ];
    let body = match answer.body {
        Some(body) => {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
            body.into_bytes()
        }
        None => Vec::new(),
    };
    Outgoing {
        status: answer.status,
        headers,
        body,
    }
}
