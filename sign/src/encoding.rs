//! The byte-level rules of `SDK-HMAC-SHA256`: the official signer's percent
//! encoding (only `A-Z a-z 0-9 - . _ ~` survive) and decoding, the check
//! that lets a plain path skip both, and lower-case hex. These are the
//! well-tested fast paths; the stages in `canonical` only call them.

use std::borrow::Cow;

use ring::digest;

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// `UNRESERVED[b]` is true for `A-Z a-z 0-9 - . _ ~`, the bytes kept as is.
pub(crate) const UNRESERVED: [bool; 256] = {
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

pub(crate) fn hex_value(b: u8) -> Option<u8> {
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
pub(crate) fn is_plain_path(path: &[u8]) -> bool {
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

/// Hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
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
pub(crate) fn hex_digits(bytes: &[u8; 32]) -> [u8; 64] {
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
