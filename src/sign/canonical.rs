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
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

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

/// The canonical text is built as bytes (every piece appended is UTF-8)
/// and checked once at the end.
pub(crate) fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Appends `text` percent-encoded with the signer's rule: every byte but
/// `A-Z a-z 0-9 - . _ ~` becomes `%XX` (upper-case hex).
pub(crate) fn encode_into(out: &mut Vec<u8>, text: &[u8]) {
    if text.iter().all(|&b| UNRESERVED[usize::from(b)]) {
        out.extend_from_slice(text);
        return;
    }
    for &b in text {
        if UNRESERVED[usize::from(b)] {
            out.push(b);
        } else {
            out.extend_from_slice(&[
                b'%',
                HEX_UPPER[usize::from(b >> 4)],
                HEX_UPPER[usize::from(b & 0x0f)],
            ]);
        }
    }
}

/// Percent-encodes `text` with the signer's rule (upper-case hex):
/// `a b/é~` becomes `a%20b%2F%C3%A9~`.
pub(crate) fn encode(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    encode_into(&mut out, text.as_bytes());
    into_string(out)
}

/// Percent-decodes `text` the way the official signer does: a valid `%XX`
/// becomes that byte, an invalid escape stays literal, `+` stays `+`, and
/// bytes that are not UTF-8 become U+FFFD.
pub(crate) fn decode(text: &str) -> Cow<'_, str> {
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

/// Appends the canonical URI of `raw_path`.
pub(crate) fn write_canonical_uri(out: &mut Vec<u8>, raw_path: &str) {
    // The common case, an id path like `/v2.1/{project}/servers/{id}/…`:
    // nothing to decode or re-encode, so the path is copied as it is.
    let plain = raw_path
        .bytes()
        .all(|b| b == b'/' || UNRESERVED[usize::from(b)]);
    if plain {
        out.extend_from_slice(raw_path.as_bytes());
        if out.last() != Some(&b'/') {
            out.push(b'/');
        }
        return;
    }
    let decoded = decode(raw_path);
    for (i, segment) in decoded.as_bytes().split(|&b| b == b'/').enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        encode_into(out, segment);
    }
    if out.last() != Some(&b'/') {
        out.push(b'/');
    }
}

/// Stage 1: the canonical URI of a raw path as sent on the wire:
/// `/v1/a%2Fb/c+d` becomes `/v1/a/b/c%2Bd/`.
pub(crate) fn canonical_uri(raw_path: &str) -> String {
    let mut out = Vec::with_capacity(raw_path.len() + 1);
    write_canonical_uri(&mut out, raw_path);
    into_string(out)
}

/// Splits a raw query (without `?`) into decoded `(key, value)` pairs in
/// their original order: pieces are split on `&` and the first `=`, empty
/// pieces are dropped, and `k` is the same as `k=`.
pub(crate) fn parse_query(raw_query: &str) -> Vec<(String, String)> {
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
pub(crate) fn canonical_query(pairs: &[(String, String)]) -> String {
    let mut out = Vec::new();
    write_canonical_query(&mut out, pairs);
    into_string(out)
}

fn write_canonical_query(out: &mut Vec<u8>, pairs: &[(String, String)]) {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort();
    for (i, (key, value)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        encode_into(out, key.as_bytes());
        out.push(b'=');
        encode_into(out, value.as_bytes());
    }
}

/// Compares header names as their lower-case forms, without allocating.
pub(crate) fn cmp_lowercase(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Appends `name` with ASCII letters lower-cased.
fn push_lowercase(out: &mut Vec<u8>, name: &str) {
    let start = out.len();
    out.extend_from_slice(name.as_bytes());
    out[start..].make_ascii_lowercase();
}

/// Where the header block put what the signer needs again: the value of
/// `host` and of `x-security-token`, and the names list.
#[derive(Clone, Debug, Default)]
pub(crate) struct BlockRanges {
    pub host: Option<std::ops::Range<usize>>,
    pub token: Option<std::ops::Range<usize>>,
}

/// Appends `name:value\n` for each header, in the given order, then a
/// blank line and the lower-case names joined by `;` (each name is
/// lower-cased once, and copied into the list). Returns the ranges of the
/// `host` and `x-security-token` values and of the names list.
pub(crate) fn write_headers(
    out: &mut Vec<u8>,
    sorted: &[(&str, &str)],
) -> (BlockRanges, std::ops::Range<usize>) {
    let mut ranges = BlockRanges::default();
    let block_start = out.len();
    for (name, value) in sorted {
        push_lowercase(out, name);
        out.push(b':');
        let value_start = out.len();
        out.extend_from_slice(value.trim().as_bytes());
        let value = value_start..out.len();
        match &out[value_start - name.len() - 1..value_start - 1] {
            b"host" => ranges.host = Some(value),
            b"x-security-token" => ranges.token = Some(value),
            _ => {}
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    let names_start = out.len();
    // Copy each lower-cased name back out of the block just written.
    let mut at = block_start;
    for (i, (name, value)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push(b';');
        }
        out.extend_from_within(at..at + name.len());
        at += name.len() + 1 + value.trim().len() + 1;
    }
    (ranges, names_start..out.len())
}

/// Appends the canonical request's first three lines: method, URI, query.
pub(crate) fn write_request_line(out: &mut Vec<u8>, method: &str, raw_path: &str, raw_query: &str) {
    if method.is_ascii() {
        let start = out.len();
        out.extend_from_slice(method.as_bytes());
        out[start..].make_ascii_uppercase();
    } else {
        out.extend_from_slice(method.to_uppercase().as_bytes());
    }
    out.push(b'\n');
    write_canonical_uri(out, raw_path);
    out.push(b'\n');
    if !raw_query.is_empty() {
        write_canonical_query(out, &parse_query(raw_query));
    }
    out.push(b'\n');
}

/// Hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

/// Lower-case hex of `bytes`.
pub(super) fn hex(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    into_string(out)
}

/// Writes lower-case hex of `bytes` into `out` (twice as long).
pub(crate) fn hex_into(out: &mut [u8], bytes: &[u8]) {
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX_LOWER[usize::from(b >> 4)];
        pair[1] = HEX_LOWER[usize::from(b & 0x0f)];
    }
}

/// Appends lower-case hex of `bytes`.
pub(crate) fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    for b in bytes {
        out.extend_from_slice(&[
            HEX_LOWER[usize::from(b >> 4)],
            HEX_LOWER[usize::from(b & 0x0f)],
        ]);
    }
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
    let mut out = Vec::with_capacity(100);
    out.extend_from_slice(super::ALGORITHM.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(sdk_date.as_bytes());
    out.push(b'\n');
    push_hex(
        &mut out,
        digest::digest(&digest::SHA256, canonical_request.as_bytes()).as_ref(),
    );
    into_string(out)
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
