//! What a hostile server controls in a bulk run: the listing page and the
//! `Retry-After` and `Date` headers. Parsing must never panic, a page must
//! stay within the listing's cap, and no wait may be computed from a
//! `Date` that does not parse.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use hwcloud_ecs::unversioned::{listing_page, retry_after};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(count) = listing_page(data) {
        // Each server takes bytes of its own: a page cannot hold more.
        assert!(count <= data.len(), "{count} servers in {} bytes", data.len());
    }
    let text = String::from_utf8_lossy(data);
    let (value, date) = text.split_once('\n').unwrap_or((&text, ""));
    let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let _ = retry_after(value, date, now);
});
