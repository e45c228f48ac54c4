//! The canonicalization stages of `SDK-HMAC-SHA256`, each a pure function.
//!
//! These mirror the official signer exactly, quirks included: the path is
//! percent-decoded before it is split (so `%2F` becomes a separator), a
//! trailing `/` is always added, query pairs are sorted on their *decoded*
//! text, and only `A-Z a-z 0-9 - . _ ~` survive encoding.

use percent_encoding::{percent_encode, AsciiSet, NON_ALPHANUMERIC};
use ring::digest;

/// Every byte except the unreserved set `A-Z a-z 0-9 - . _ ~` is encoded.
const ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The payload hash used when the caller opts out of hashing the body.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Hex SHA-256 of the empty body.
pub const EMPTY_BODY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Percent-encodes `text` with the signer's rule (upper-case hex).
pub fn encode(text: &str) -> String {
    percent_encode(text.as_bytes(), ENCODE_SET).to_string()
}

/// Percent-decodes `text` the way the official signer does: a valid `%XX`
/// becomes that byte, an invalid escape stays literal, `+` stays `+`, and
/// bytes that are not UTF-8 become U+FFFD.
pub fn decode(text: &str) -> String {
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
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Stage 1: the canonical URI of a raw path as sent on the wire.
///
/// ```
/// use hwcloud_ecs::sign::canonical_uri;
/// assert_eq!(canonical_uri("/v1/a%2Fb/c+d"), "/v1/a/b/c%2Bd/");
/// ```
pub fn canonical_uri(raw_path: &str) -> String {
    let decoded = decode(raw_path);
    let mut uri = decoded.split('/').map(encode).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
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
            (decode(key), decode(value))
        })
        .collect()
}

/// Stage 2: the canonical query string of decoded `(key, value)` pairs,
/// sorted on the decoded text and re-encoded.
///
/// ```
/// use hwcloud_ecs::sign::canonical_query;
/// let pairs = vec![("b".to_string(), "2".to_string()), ("a".to_string(), "x y".to_string())];
/// assert_eq!(canonical_query(&pairs), "a=x%20y&b=2");
/// ```
pub fn canonical_query(pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort();
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Stage 3: the canonical header block and the signed-header list.
///
/// `headers` are `(lower-case name, value)` pairs, already filtered to the
/// ones being signed; they are sorted by name and each value is trimmed.
/// Returns the block (each line ending in `\n`) and the names joined by `;`.
pub fn canonical_headers(headers: &[(String, &str)]) -> (String, String) {
    let mut sorted: Vec<&(String, &str)> = headers.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut block = String::new();
    for (name, value) in &sorted {
        block.push_str(name);
        block.push(':');
        block.push_str(value.trim());
        block.push('\n');
    }
    let names = sorted
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    (block, names)
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Decodes lower- or upper-case hex; `None` on odd length or a non-hex digit.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    b.chunks(2)
        .map(|pair| Some(hex_value(pair[0])? << 4 | hex_value(pair[1])?))
        .collect()
}

/// Stage 4: the canonical request, the six parts joined by `\n`.
pub fn canonical_request(
    method: &str,
    canonical_uri: &str,
    canonical_query: &str,
    canonical_headers: &str,
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    [
        method,
        canonical_uri,
        canonical_query,
        canonical_headers,
        signed_headers,
        payload_hash,
    ]
    .join("\n")
}

/// Stage 5: the string to sign for a canonical request and `X-Sdk-Date` value.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!(
        "{}\n{sdk_date}\n{}",
        super::ALGORITHM,
        sha256_hex(canonical_request.as_bytes())
    )
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
}
