//! The canonicalization stages of `SDK-HMAC-SHA256`, each a pure function.
//!
//! These mirror the official signer exactly, quirks included: the path is
//! percent-decoded before it is split (so `%2F` becomes a separator), a
//! trailing `/` is always added, query pairs are sorted on their *decoded*
//! text, and only `A-Z a-z 0-9 - . _ ~` survive encoding.

use ring::digest;

use crate::encoding::{decode, encode_into, is_plain_path, push_hex};

/// The payload hash used when the caller opts out of hashing the body.
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Hex SHA-256 of the empty body.
pub(crate) const EMPTY_BODY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Appends the canonical URI of `raw_path`.
pub(crate) fn write_canonical_uri(out: &mut String, raw_path: &str) {
    // The common case, an id path like `/v2.1/{project}/servers/{id}/…`:
    // nothing to decode or re-encode, so the path is copied as it is.
    if is_plain_path(raw_path.as_bytes()) {
        out.push_str(raw_path);
        if !out.ends_with('/') {
            out.push('/');
        }
        return;
    }
    let decoded = decode(raw_path);
    for (i, segment) in decoded.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode_into(out, segment);
    }
    if !out.ends_with('/') {
        out.push('/');
    }
}

/// Stage 1: the canonical URI of a raw path as sent on the wire:
/// `/v1/a%2Fb/c+d` becomes `/v1/a/b/c%2Bd/`.
pub fn canonical_uri(raw_path: &str) -> String {
    let mut out = String::with_capacity(raw_path.len() + 1);
    write_canonical_uri(&mut out, raw_path);
    out
}

/// Splits a raw query (without `?`) into decoded `(key, value)` pairs in
/// their original order: pieces are split on `&` and the first `=`, empty
/// pieces are dropped, and `k` is the same as `k=`.
pub fn parse_query(raw_query: &str) -> Vec<(String, String)> {
    raw_query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            (decode(key).into_owned(), decode(value).into_owned())
        })
        .collect()
}

/// Stage 2: the canonical query string of decoded `(key, value)` pairs,
/// sorted on the decoded text and re-encoded: `b=2`, `a=x y` become
/// `a=x%20y&b=2`.
pub fn canonical_query(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    write_canonical_query(&mut out, pairs);
    out
}

fn write_canonical_query(out: &mut String, pairs: &[(String, String)]) {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort();
    for (i, (key, value)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(out, key);
        out.push('=');
        encode_into(out, value);
    }
}

/// Appends the canonical request's first three lines: method, URI, query.
pub(crate) fn write_request_line(out: &mut String, method: &str, raw_path: &str, raw_query: &str) {
    let start = out.len();
    if method.is_ascii() {
        out.push_str(method);
        out[start..].make_ascii_uppercase();
    } else {
        out.push_str(&method.to_uppercase());
    }
    out.push('\n');
    write_canonical_uri(out, raw_path);
    out.push('\n');
    if !raw_query.is_empty() {
        write_canonical_query(out, &parse_query(raw_query));
    }
    out.push('\n');
}

/// Stage 5: the string to sign for a canonical request and `X-Sdk-Date` value.
pub(crate) fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    let mut out = String::with_capacity(100);
    let digest = digest::digest(&digest::SHA256, canonical_request.as_bytes());
    push_string_to_sign(&mut out, sdk_date, digest.as_ref());
    out
}

/// Stage 5 appended to `out`, from the canonical request's SHA-256.
pub(crate) fn push_string_to_sign(out: &mut String, sdk_date: &str, canonical_sha256: &[u8]) {
    out.push_str(super::ALGORITHM);
    out.push('\n');
    out.push_str(sdk_date);
    out.push('\n');
    push_hex(out, canonical_sha256);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{encode, hex, unhex, UNRESERVED};
    use crate::headers::{name_list, trim_value};
    use std::borrow::Cow;

    #[test]
    fn decode_keeps_invalid_escapes_and_replaces_bad_utf8() {
        assert_eq!(decode("a%ZZ"), "a%ZZ");
        assert_eq!(decode("%"), "%");
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode("%41%4a%4A"), "AJJ");
        assert_eq!(decode("b%FF"), "b\u{FFFD}");
        assert_eq!(decode("a+b"), "a+b");
        assert_eq!(decode("caf%C3%A9"), "café");
    }

    #[test]
    fn the_plain_path_check_agrees_with_the_encoding_table_for_every_byte() {
        for b in 0..=255u8 {
            let expected = b == b'/' || UNRESERVED[usize::from(b)];
            // Alone (the remainder loop), and inside a 16-byte chunk.
            assert_eq!(is_plain_path(&[b]), expected, "{b:#04x}");
            let mut chunk = *b"/v1/abcdefghijkl/xyz";
            chunk[usize::from(b % 16)] = b;
            assert_eq!(is_plain_path(&chunk), expected, "{b:#04x} in a chunk");
        }
        assert!(is_plain_path(b""));
    }

    #[test]
    fn trim_value_is_trim() {
        for value in [
            "",
            "a",
            " ",
            "a b",
            " a",
            "a ",
            "\ta\t",
            "\u{a0}a",
            "a\u{3000}",
            "\u{e9}",
            "x\u{e9}x",
        ] {
            assert_eq!(trim_value(value), value.trim(), "{value:?}");
        }
    }

    #[test]
    fn the_name_list_is_the_lowercase_names_joined_on_the_stack_or_the_heap() {
        let short = [("Content-Type", "a"), ("HOST", "b"), ("x-Sdk-Date", "c")];
        let mut stack = [0u8; 256];
        let list = name_list(&short, &mut stack);
        assert!(matches!(list, Cow::Borrowed(_)));
        assert_eq!(list, "content-type;host;x-sdk-date");

        let long_names: Vec<String> = (0..40).map(|i| format!("X-Header-{i:02}")).collect();
        let long: Vec<(&str, &str)> = long_names.iter().map(|n| (n.as_str(), "v")).collect();
        let list = name_list(&long, &mut stack);
        assert!(matches!(list, Cow::Owned(_)));
        let expected: Vec<String> = long_names.iter().map(|n| n.to_lowercase()).collect();
        assert_eq!(list, expected.join(";"));

        // A list of exactly the stack's size still fits; one byte more does not.
        let name = "N".repeat(256);
        let list = name_list(&[(name.as_str(), "")], &mut stack);
        assert!(matches!(list, Cow::Borrowed(_)));
        assert_eq!(list, "n".repeat(256));
        let name = "N".repeat(257);
        assert_eq!(
            name_list(&[(name.as_str(), "")], &mut stack),
            "n".repeat(257)
        );
        assert_eq!(name_list(&[], &mut stack), "");
        // Non-ASCII names keep their bytes.
        assert_eq!(
            name_list(&[("X-\u{c9}t\u{e9}", "")], &mut stack),
            "x-\u{c9}t\u{e9}"
        );
    }

    #[test]
    fn a_name_missing_from_the_list_is_lower_cased_from_the_header() {
        // The list is built to hold every name at its place; should it not,
        // the header block still writes each name in lower case.
        let mut out = String::new();
        crate::headers::write_headers(&mut out, &[("X-Project-Id", "p")], "");
        assert_eq!(out, "x-project-id:p\n\n");
    }

    #[test]
    fn digest_hex_matches_the_generic_hex() {
        let digest: [u8; 32] = std::array::from_fn(|i| (i * 37 + 5) as u8);
        let mut fast = String::from(">");
        push_hex(&mut fast, &digest);
        let expected: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(fast, format!(">{expected}"));
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(
            hex(&all),
            all.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
    }

    #[test]
    fn canonical_uri_adds_one_trailing_slash() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a"), "/a/");
        assert_eq!(canonical_uri("/a/"), "/a/");
        assert_eq!(canonical_uri("/a//b"), "/a//b/");
    }

    #[test]
    fn query_pairs_without_equals_are_empty_valued() {
        assert_eq!(
            parse_query("flag&e=&a=b=c&&"),
            vec![
                ("flag".to_string(), String::new()),
                ("e".to_string(), String::new()),
                ("a".to_string(), "b=c".to_string())
            ]
        );
        assert_eq!(canonical_query(&parse_query("flag&a=b=c")), "a=b%3Dc&flag=");
    }

    #[test]
    fn hex_round_trips_and_rejects_junk() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(unhex("00abFF"), Some(vec![0, 0xab, 0xff]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }

    #[test]
    fn the_documented_examples() {
        assert_eq!(encode("a b/é~"), "a%20b%2F%C3%A9~");
        assert_eq!(canonical_uri("/v1/a%2Fb/c+d"), "/v1/a/b/c%2Bd/");
        let pairs = vec![
            ("b".to_string(), "2".to_string()),
            ("a".to_string(), "x y".to_string()),
        ];
        assert_eq!(canonical_query(&pairs), "a=x%20y&b=2");
    }
}
