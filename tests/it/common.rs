//! What several test files share: an injected environment that can never
//! reach the real ECS metadata service or IAM.

/// A loopback address that refuses connections (port 1 is never served here).
pub(crate) const NOTHING_LISTENS: &str = "http://127.0.0.1:1";

/// Unless a test sets them, the metadata service and IAM are
/// [`NOTHING_LISTENS`]: no test reaches 169.254.169.254 or a real IAM.
pub(crate) fn never_the_real_services(name: &str) -> Option<String> {
    matches!(
        name,
        "HWCLOUD_ECS_TEST_METADATA_URL" | "HUAWEICLOUD_SDK_IAM_ENDPOINT"
    )
    .then(|| NOTHING_LISTENS.to_owned())
}

/// An environment holding only `pairs` (and the two guards above).
#[allow(dead_code)]
pub(crate) fn env(pairs: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| never_the_real_services(name))
    }
}
