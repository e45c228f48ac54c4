//! The error-body parser on untrusted bytes: it must never panic and must
//! keep its snippet bounded.
#![no_main]

use hwcloud_ecs::unversioned::{parse_error_body, SNIPPET_CHARS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = parse_error_body(data);
    if let Some(snippet) = parsed.snippet {
        assert!(snippet.chars().count() <= SNIPPET_CHARS);
    }
});
