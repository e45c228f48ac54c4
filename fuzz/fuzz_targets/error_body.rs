//! The error-body parser on untrusted bytes: it must never panic and must
//! keep its snippet bounded.
#![no_main]

use hwcloud_ecs::ApiError;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = ApiError::from_body(400, data);
    if let Some(snippet) = parsed.snippet {
        assert!(snippet.chars().count() <= ApiError::MAX_SNIPPET_CHARS);
    }
});
