//! Signing the seed DELETE request, next to the raw-crypto floor: one
//! SHA-256 of the canonical request and one HMAC-SHA256 of the string to
//! sign, with ring. Two floors: the honest one keeps the HMAC key
//! prepared, as `Credentials` keeps it for `sign()`, so it does exactly the
//! work signing cannot avoid; the old one also sets the key up on every
//! call (two more SHA-256 blocks), which `sign()` no longer does. Target:
//! signing within 1.3x the honest floor, measured as ratios of interleaved
//! batches (printed last) besides criterion's absolute figures.
//!
//! `cargo bench --bench signing`

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::Criterion;

mod ratio;
use hwcloud_ecs::sign::{self, SignableRequest};
use hwcloud_ecs::Credentials;
use ring::{digest, hmac};

const HOST: &str = "ecs.cn-north-4.myhuaweicloud.com";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const PATH: &str = "/v2.1/0123456789abcdef0123456789abcdef/servers/8c7a1f0e-0d3c-4b9e-9a57-0e5e7c2d1f00/os-server-password";

const SK: &str = "SKFAKEexampleSecretKeyNOTREAL00000000000";

/// The seed DELETE, its credentials and time, and what the floor hashes.
struct Seed {
    creds: Credentials,
    at: SystemTime,
    request: SignableRequest<'static>,
    canonical: String,
    string_to_sign: String,
    /// The HMAC key, prepared once as `Credentials` prepares it.
    key: hmac::Key,
}

fn seed() -> Seed {
    let creds = Credentials::new("AKFAKEEXAMPLE0000000", SK).unwrap();
    let at = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
    let request = SignableRequest::new("DELETE", HOST, PATH)
        .header("Content-Type", "application/json")
        .header("X-Project-Id", PROJECT);
    let reference = sign::sign(&request, &creds, at);
    Seed {
        canonical: reference.canonical_request().to_owned(),
        string_to_sign: reference.string_to_sign().to_owned(),
        creds,
        at,
        request,
        key: hmac::Key::new(hmac::HMAC_SHA256, SK.as_bytes()),
    }
}

impl Seed {
    fn ours(&self) -> sign::SigningOutput {
        sign::sign(black_box(&self.request), &self.creds, self.at)
    }

    /// The honest floor: SHA-256 of the canonical request and the HMAC of
    /// the string to sign, with the key prepared once, as `sign()` has it.
    fn floor(&self) -> (digest::Digest, hmac::Tag) {
        let hash = digest::digest(&digest::SHA256, black_box(self.canonical.as_bytes()));
        (
            hash,
            hmac::sign(&self.key, black_box(self.string_to_sign.as_bytes())),
        )
    }

    /// The old floor: the same, with the HMAC key set up on every call.
    fn floor_with_key_setup(&self) -> (digest::Digest, hmac::Tag) {
        let hash = digest::digest(&digest::SHA256, black_box(self.canonical.as_bytes()));
        let key = hmac::Key::new(hmac::HMAC_SHA256, SK.as_bytes());
        (
            hash,
            hmac::sign(&key, black_box(self.string_to_sign.as_bytes())),
        )
    }
}

fn signing(c: &mut Criterion) {
    let seed = seed();
    let mut group = c.benchmark_group("sign_seed_delete");
    group.bench_function("hwcloud_ecs::sign", |b| b.iter(|| seed.ours()));
    group.bench_function("raw_crypto_floor", |b| b.iter(|| seed.floor()));
    group.bench_function("raw_crypto_floor_with_key_setup", |b| {
        b.iter(|| seed.floor_with_key_setup())
    });
    group.finish();
}

/// Signing and the floor in alternating batches, as a ratio.
fn interleaved() {
    let seed = seed();
    ratio::interleaved(
        "sign / the honest floor (key prepared once)",
        31,
        20_000,
        || drop(black_box(seed.ours())),
        || {
            black_box(seed.floor());
        },
    );
    ratio::interleaved(
        "sign / the old floor (key set up each call)",
        31,
        20_000,
        || drop(black_box(seed.ours())),
        || {
            black_box(seed.floor_with_key_setup());
        },
    );
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    signing(&mut criterion);
    criterion.final_summary();
    interleaved();
}
