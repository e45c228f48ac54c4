//! The official signer's header rules: names compared and signed in lower
//! case, values trimmed, the signed names joined by `;` (on the stack when
//! they fit), and the `name:value` block of the canonical request.

use std::borrow::Cow;

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

/// Sorts headers by lower-case name, keeping the given order among equal
/// names: an insertion sort, the fastest for the handful a request signs.
pub(crate) fn sort_by_lowercase_name(headers: &mut [(&str, &str)]) {
    for i in 1..headers.len() {
        let mut j = i;
        while j > 0 && cmp_lowercase(headers[j - 1].0, headers[j].0).is_gt() {
            headers.swap(j - 1, j);
            j -= 1;
        }
    }
}
