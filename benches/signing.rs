//! Signing the seed DELETE request, next to the raw-crypto floor: one
//! SHA-256 of the canonical request, the HMAC key set-up and one
//! HMAC-SHA256 of the string to sign, with ring. Target: signing within
//! 1.3x the floor, measured as a ratio of interleaved batches (printed
//! last) besides criterion's absolute figures.
//!
//! `cargo bench --bench signing`

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::Criterion;

mod ratio;
use hwcloud_ecs::sign::{self, SignableRequest};
use hwcloud_ecs::Credentials;
use ring::{digest, hmac};

const HOST: &str = "ecs.cn-north-4.myhuaweicloud.com";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const PATH: &str = "/v2.1/0123456789abcdef0123456789abcdef/servers/8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00/os-server-password";

fn signing(c: &mut Criterion) {
    let creds = Credentials::new(
        "AKFAKEEXAMPLE0000000",
        "SKFAKEexampleSecretKeyNOTREAL00000000000",
    )
    .unwrap();
    let at = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
    let request = SignableRequest::new("DELETE", HOST, PATH)
        .header("Content-Type", "application/json")
        .header("X-Project-Id", PROJECT);
    let reference = sign::sign(&request, &creds, at);
    let canonical = reference.canonical_request().to_owned();
    let string_to_sign = reference.string_to_sign().to_owned();
    let sk = b"SKFAKEexampleSecretKeyNOTREAL00000000000";

    let mut group = c.benchmark_group("sign_seed_delete");
    group.bench_function("hwcloud_ecs::sign", |b| {
        b.iter(|| sign::sign(black_box(&request), &creds, at))
    });
    group.bench_function("raw_crypto_floor", |b| {
        b.iter(|| {
            let hash = digest::digest(&digest::SHA256, black_box(canonical.as_bytes()));
            let key = hmac::Key::new(hmac::HMAC_SHA256, sk);
            (hash, hmac::sign(&key, black_box(string_to_sign.as_bytes())))
        })
    });
    group.finish();
}

/// Signing and the floor in alternating batches, as a ratio.
fn interleaved() {
    let creds = Credentials::new(
        "AKFAKEEXAMPLE0000000",
        "SKFAKEexampleSecretKeyNOTREAL00000000000",
    )
    .unwrap();
    let at = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
    let request = SignableRequest::new("DELETE", HOST, PATH)
        .header("Content-Type", "application/json")
        .header("X-Project-Id", PROJECT);
    let reference = sign::sign(&request, &creds, at);
    let canonical = reference.canonical_request().to_owned();
    let string_to_sign = reference.string_to_sign().to_owned();
    let sk = b"SKFAKEexampleSecretKeyNOTREAL00000000000";
    ratio::interleaved(
        "sign / raw-crypto floor",
        31,
        20_000,
        || {
            black_box(sign::sign(black_box(&request), &creds, at));
        },
        || {
            let hash = digest::digest(&digest::SHA256, black_box(canonical.as_bytes()));
            let key = hmac::Key::new(hmac::HMAC_SHA256, sk);
            black_box((hash, hmac::sign(&key, black_box(string_to_sign.as_bytes()))));
        },
    );
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    signing(&mut criterion);
    criterion.final_summary();
    interleaved();
}
