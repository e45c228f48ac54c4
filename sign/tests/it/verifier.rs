//! The verifier accepts what the signer produced and rejects every tampering.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hwcloud_sign as sign;
use hwcloud_sign::Credentials;
use hwcloud_sign::{Payload, SignableRequest, VerifyError};

const PATH: &str = "/v2.1/0123456789abcdef0123456789abcdef/servers/srv-1/os-server-password";
const HOST: &str = "ecs.cn-north-4.myhuaweicloud.com";

fn at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_704_164_645)
}

fn creds() -> Credentials {
    Credentials::new("AKFAKE", "SKFAKEsecret").unwrap()
}

/// The headers a client would send for a signed DELETE.
fn signed_headers() -> Vec<(String, String)> {
    let request = SignableRequest::new("DELETE", HOST, PATH)
        .header("Content-Type", "application/json")
        .header("X-Project-Id", "0123456789abcdef0123456789abcdef");
    let out = sign::sign(&request, &creds(), at());
    let mut headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        (
            "X-Project-Id".to_string(),
            "0123456789abcdef0123456789abcdef".to_string(),
        ),
        ("User-Agent".to_string(), "anything".to_string()),
    ];
    headers.extend(out.headers().map(|(n, v)| (n.to_string(), v.to_string())));
    headers
}

fn check(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    credentials: &Credentials,
    now: SystemTime,
) -> Result<(), VerifyError> {
    let mut request = SignableRequest::new(method, "", target).payload(Payload::Bytes(b""));
    for (n, v) in headers {
        request = request.header(n, v);
    }
    sign::verify(&request, credentials, now).map(|_| ())
}

#[test]
fn accepts_an_untouched_request_and_ignores_unsigned_headers() {
    let mut headers = signed_headers();
    assert_eq!(check("DELETE", PATH, &headers, &creds(), at()), Ok(()));
    headers[2].1 = "rewritten by a proxy".into();
    assert_eq!(check("DELETE", PATH, &headers, &creds(), at()), Ok(()));
    let within = at() + Duration::from_secs(14 * 60);
    assert_eq!(check("DELETE", PATH, &headers, &creds(), within), Ok(()));
}

#[test]
fn rejects_a_wrong_secret_key() {
    let other = Credentials::new("AKFAKE", "SKother").unwrap();
    assert_eq!(
        check("DELETE", PATH, &signed_headers(), &other, at()),
        Err(VerifyError::SignatureMismatch)
    );
}

#[test]
fn rejects_a_changed_path_or_method() {
    let headers = signed_headers();
    let other_server = PATH.replace("srv-1", "srv-2");
    assert_eq!(
        check("DELETE", &other_server, &headers, &creds(), at()),
        Err(VerifyError::SignatureMismatch)
    );
    assert_eq!(
        check("GET", PATH, &headers, &creds(), at()),
        Err(VerifyError::SignatureMismatch)
    );
    assert_eq!(
        check("DELETE", &format!("{PATH}?x=1"), &headers, &creds(), at()),
        Err(VerifyError::SignatureMismatch)
    );
}

#[test]
fn rejects_a_changed_signed_header() {
    let mut headers = signed_headers();
    let project = headers
        .iter_mut()
        .find(|(n, _)| n == "X-Project-Id")
        .unwrap();
    project.1 = "ffffffffffffffffffffffffffffffff".into();
    assert_eq!(
        check("DELETE", PATH, &headers, &creds(), at()),
        Err(VerifyError::SignatureMismatch)
    );
    let mut headers = signed_headers();
    headers.retain(|(n, _)| n != "Host");
    assert!(matches!(
        check("DELETE", PATH, &headers, &creds(), at()),
        Err(VerifyError::SignedHeaderProblem(_))
    ));
}

#[test]
fn rejects_a_stale_or_future_date() {
    let headers = signed_headers();
    let late = at() + Duration::from_secs(15 * 60 + 1);
    assert_eq!(
        check("DELETE", PATH, &headers, &creds(), late),
        Err(VerifyError::Expired { skew_seconds: -901 })
    );
    let early = at() - Duration::from_secs(20 * 60);
    assert_eq!(
        check("DELETE", PATH, &headers, &creds(), early),
        Err(VerifyError::Expired { skew_seconds: 1200 })
    );
}

#[test]
fn rejects_a_missing_or_foreign_authorization() {
    let mut headers = signed_headers();
    headers.retain(|(n, _)| n != "Authorization");
    assert_eq!(
        check("DELETE", PATH, &headers, &creds(), at()),
        Err(VerifyError::MissingAuthorization)
    );
    let stranger = Credentials::new("AKOTHER", "SKFAKEsecret").unwrap();
    assert!(matches!(
        check("DELETE", PATH, &signed_headers(), &stranger, at()),
        Err(VerifyError::UnknownAccessKey(_))
    ));
}

#[test]
fn the_edges_of_each_check() {
    let headers = signed_headers();
    // Exactly 15 minutes either way is still accepted.
    let edge = at() + Duration::from_secs(15 * 60);
    assert_eq!(check("DELETE", PATH, &headers, &creds(), edge), Ok(()));
    assert_eq!(
        check(
            "DELETE",
            PATH,
            &headers,
            &creds(),
            at() - Duration::from_secs(15 * 60)
        ),
        Ok(())
    );

    // A missing signed header and a repeated one are told apart.
    let mut missing = signed_headers();
    missing.retain(|(n, _)| n != "X-Project-Id");
    let err = check("DELETE", PATH, &missing, &creds(), at()).unwrap_err();
    assert_eq!(
        err,
        VerifyError::SignedHeaderProblem("x-project-id is missing".into())
    );
    let mut repeated = signed_headers();
    repeated.push(("X-Project-Id".into(), "again".into()));
    let err = check("DELETE", PATH, &repeated, &creds(), at()).unwrap_err();
    assert_eq!(
        err,
        VerifyError::SignedHeaderProblem("x-project-id is repeated".into())
    );

    // X-Sdk-Date sent but not signed: refused as a missing date.
    let unsigned_date: Vec<(String, String)> = signed_headers()
        .into_iter()
        .map(|(n, v)| {
            if n == "Authorization" {
                (n, v.replace(";x-sdk-date", ""))
            } else {
                (n, v)
            }
        })
        .collect();
    assert_eq!(
        check("DELETE", PATH, &unsigned_date, &creds(), at()),
        Err(VerifyError::MissingDate)
    );

    // A signature of the right length that is not hex.
    let bad = format!(
        "SDK-HMAC-SHA256 Access=AKFAKE, SignedHeaders=host;x-sdk-date, Signature={}",
        "z".repeat(64)
    );
    assert!(matches!(
        sign::parse_authorization(&bad),
        Err(VerifyError::MalformedAuthorization(_))
    ));
}

#[test]
fn every_refusal_says_what_failed() {
    for (err, words) in [
        (VerifyError::MissingAuthorization, "authorization"),
        (VerifyError::MissingDate, "x-sdk-date"),
        (VerifyError::SignatureMismatch, "signature mismatch"),
        (VerifyError::Expired { skew_seconds: -901 }, "expired"),
        (VerifyError::UnknownAccessKey("AKX".into()), "AKX"),
    ] {
        let shown = err.to_string().to_ascii_lowercase();
        assert!(
            shown.contains(&words.to_ascii_lowercase()),
            "{err:?}: {shown}"
        );
    }
}
