//! The canonicalization stages of `SDK-HMAC-SHA256`, each a pure function.
//!
//! These mirror the official signer exactly, quirks included: the path is
//! percent-decoded before it is split (so `%2F` becomes a separator), a
//! trailing `/` is always added, query pairs are sorted on their *decoded*
//! text, and only `A-Z a-z 0-9 - . _ ~` survive encoding.

use std::borrow::Cow;

use ring::digest;

/// The payload hash used when the caller opts out of hashing the body.
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Hex SHA-256 of the empty body.
pub(crate) const EMPTY_BODY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// `UNRESERVED[b]` is true for `A-Z a-z 0-9 - . _ ~`, the bytes kept as is.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

// The canonical text is built as a `String` from pieces that are already
// text: the bytes we add ourselves (escapes, hex, separators) are ASCII, so
// no byte buffer has to be checked for UTF-8 at the end of every signature.

/// Appends `text` percent-encoded with the signer's rule: every byte but
/// `A-Z a-z 0-9 - . _ ~` becomes `%XX` (upper-case hex).
pub(crate) fn encode_into(out: &mut String, text: &str) {
    if text.bytes().all(|b| UNRESERVED[usize::from(b)]) {
        out.push_str(text);
        return;
    }
    for b in text.bytes() {
        if UNRESERVED[usize::from(b)] {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(b & 0x0f)]));
        }
    }
}

/// Percent-encodes `text` with the signer's rule (upper-case hex):
/// `a b/é~` becomes `a%20b%2F%C3%A9~`.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    encode_into(&mut out, text);
    out
}

/// Percent-decodes `text` the way the official signer does: a valid `%XX`
/// becomes that byte, an invalid escape stays literal, `+` stays `+`, and
/// bytes that are not UTF-8 become U+FFFD.
pub fn decode(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether every byte of `path` is `/` or unreserved, so that the path is
/// its own canonical form (bar the trailing `/`).
///
/// It checks 16 bytes at a time with range arithmetic rather than a table
/// and no early exit within a chunk, so that the compiler turns each chunk
/// into a few vector compares: a path is checked on every signature.
fn is_plain_path(path: &[u8]) -> bool {
    let plain = |b: u8| {
        // `-` `.` `/` and `0-9` are one run, 0x2D..=0x39.
        (b.wrapping_sub(b'-') <= b'9' - b'-')
            | ((b | 0x20).wrapping_sub(b'a') < 26)
            | (b == b'_')
            | (b == b'~')
    };
    let mut chunks = path.chunks_exact(16);
    for chunk in &mut chunks {
        if !chunk.iter().fold(true, |all, &b| all & plain(b)) {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| plain(b))
}

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

/// Compares header names as their lower-case forms, without allocating.
pub(crate) fn cmp_lowercase(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Appends `name` with ASCII letters lower-cased.
pub(crate) fn push_lowercase(out: &mut String, name: &str) {
    let start = out.len();
    out.push_str(name);
    out[start..].make_ascii_lowercase();
}

/// `value.trim()`, without decoding characters in the usual case of a value
/// that starts and ends with a printable ASCII byte (which is then neither
/// whitespace nor part of a longer character).
pub(crate) fn trim_value(value: &str) -> &str {
    match value.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => value,
        [only] if only.is_ascii_graphic() => value,
        _ => value.trim(),
    }
}

/// Where the header block put what the signer needs again: the values of
/// `host` and of `x-security-token`.
#[derive(Clone, Debug, Default)]
pub(crate) struct BlockRanges {
    pub host: Option<std::ops::Range<usize>>,
    pub token: Option<std::ops::Range<usize>>,
}

/// The signed names, lower-cased and joined by `;`: built once per
/// signature and used twice (the canonical request and `Authorization`).
/// It is built in `stack` when it fits, on the heap otherwise.
///
/// Lower-casing while copying from the caller's text is markedly cheaper
/// than lower-casing bytes just appended (the loads then wait on the stores
/// still in flight).
pub(crate) fn name_list<'b>(sorted: &[(&str, &str)], stack: &'b mut [u8; 256]) -> Cow<'b, str> {
    let len = sorted
        .iter()
        .map(|(name, _)| name.len() + 1)
        .sum::<usize>()
        .saturating_sub(1);
    match stack.get_mut(..len) {
        Some(list) => {
            join_lowercase(list, sorted);
            match std::str::from_utf8(list) {
                Ok(list) => Cow::Borrowed(list),
                Err(_) => Cow::Owned(String::from_utf8_lossy(list).into_owned()),
            }
        }
        None => {
            let mut list = vec![0; len];
            join_lowercase(&mut list, sorted);
            Cow::Owned(
                String::from_utf8(list)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            )
        }
    }
}

/// Fills `list`, sized by [`name_list`], with the lower-cased names joined
/// by `;`. ASCII lower-casing keeps every byte's place, so the text stays
/// UTF-8 (the fallbacks above are never taken).
fn join_lowercase(list: &mut [u8], sorted: &[(&str, &str)]) {
    let mut at = 0;
    for (i, (name, _)) in sorted.iter().enumerate() {
        if i > 0 {
            if let Some(separator) = list.get_mut(at) {
                *separator = b';';
            }
            at += 1;
        }
        if let Some(slot) = list.get_mut(at..at + name.len()) {
            for (o, b) in slot.iter_mut().zip(name.bytes()) {
                *o = b.to_ascii_lowercase();
            }
        }
        at += name.len();
    }
}

/// Appends `name:value\n` for each header, in the given order, then a
/// blank line and the names `list` (from [`name_list`]). Returns where the
/// `host` and `x-security-token` values are.
pub(crate) fn write_headers(out: &mut String, sorted: &[(&str, &str)], list: &str) -> BlockRanges {
    let mut ranges = BlockRanges::default();
    let mut at = 0;
    for (name, value) in sorted {
        // Lower-casing keeps the length, so each name is a slice of the list.
        let lowercase = list.get(at..at + name.len());
        match lowercase {
            Some(lowercase) => out.push_str(lowercase),
            None => push_lowercase(out, name),
        }
        at += name.len() + 1;
        out.push(':');
        let value_start = out.len();
        out.push_str(trim_value(value));
        let value = value_start..out.len();
        match lowercase {
            Some("host") => ranges.host = Some(value),
            Some("x-security-token") => ranges.token = Some(value),
            _ => {}
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(list);
    ranges
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

/// Hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

/// Lower-case hex of `bytes`.
pub(super) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    out
}

/// Appends lower-case hex of `bytes`, 32 bytes (one SHA-256 digest, what
/// the signer writes) at a time.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.chunks(32) {
        let digits = match <&[u8; 32]>::try_from(chunk) {
            Ok(digest) => hex_digits(digest),
            Err(_) => {
                let mut block = [0u8; 32];
                if let Some(head) = block.get_mut(..chunk.len()) {
                    head.copy_from_slice(chunk);
                }
                hex_digits(&block)
            }
        };
        let digits = digits.get(..chunk.len() * 2).unwrap_or_default();
        // Hex digits are ASCII: the check cannot fail.
        out.push_str(std::str::from_utf8(digits).unwrap_or_default());
    }
}

/// The 64 hex digits of 32 bytes: nibbles first, then one arithmetic
/// mapping to digits over the whole array. Fixed sizes and no table, so
/// both loops compile to vector code.
fn hex_digits(bytes: &[u8; 32]) -> [u8; 64] {
    let mut digits = [0u8; 64];
    for (pair, b) in digits.chunks_exact_mut(2).zip(bytes) {
        pair[0] = b >> 4;
        pair[1] = b & 0x0f;
    }
    for d in &mut digits {
        *d += if *d > 9 { b'a' - 10 } else { b'0' };
    }
    digits
}

/// Decodes lower- or upper-case hex; `None` on odd length or a non-hex digit.
pub(super) fn unhex(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    b.chunks(2)
        .map(|pair| Some(hex_value(pair[0])? << 4 | hex_value(pair[1])?))
        .collect()
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
