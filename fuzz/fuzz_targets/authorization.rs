//! The verifier's `Authorization` parser on untrusted bytes: it must never
//! panic, and what it accepts must round-trip through its own fields.
#![no_main]

use hwcloud_ecs::sign::parse_authorization;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(auth) = parse_authorization(text) {
        let rebuilt = format!(
            "SDK-HMAC-SHA256 Access={}, SignedHeaders={}, Signature={}",
            auth.access_key,
            auth.signed_headers.join(";"),
            auth.signature
        );
        assert_eq!(parse_authorization(&rebuilt), Ok(auth));
    }
});
