//! Text the CLI reads from files and from people: an id list's bytes as
//! text, and how far a typed word is from one it may have meant.

/// A text file's bytes as text: UTF-8, with a byte-order mark (Notepad,
/// PowerShell 5.1) skipped; UTF-16 is refused with what to do.
///
/// # Errors
/// What is wrong with the bytes, in words.
pub fn text_of(bytes: Vec<u8>) -> Result<String, String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err("is UTF-16; save it as UTF-8 (PowerShell: -Encoding utf8)".into());
    }
    let text = String::from_utf8(bytes).map_err(|e| format!("is not UTF-8 text: {e}"))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// The Levenshtein distance over bytes, for suggestions.
pub fn edit_distance(typed: &str, known: &str) -> usize {
    let known = known.as_bytes();
    let mut row: Vec<usize> = (0..=known.len()).collect();
    for (i, t) in typed.bytes().enumerate() {
        let mut diagonal = i;
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, k) in known.iter().enumerate() {
            let (left, above) = (row[j], row[j + 1]);
            row[j + 1] = (above + 1)
                .min(left + 1)
                .min(diagonal + usize::from(t != *k));
            diagonal = above;
        }
    }
    row.last().copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_skipped_and_utf16_refused() {
        assert_eq!(text_of(b"\xEF\xBB\xBFid\r\n".to_vec()).unwrap(), "id\r\n");
        assert_eq!(text_of(b"id".to_vec()).unwrap(), "id");
        for utf16 in [&b"\xFF\xFEi\0"[..], b"\xFE\xFF\0i"] {
            assert!(text_of(utf16.to_vec()).unwrap_err().contains("UTF-16"));
        }
        assert!(text_of(b"\xC3(".to_vec())
            .unwrap_err()
            .contains("not UTF-8"));
    }

    #[test]
    fn edit_distances() {
        for (a, b, distance) in [
            ("kitten", "sitting", 3),
            ("", "abc", 3),
            ("abc", "", 3),
            ("--dry-rn", "--dry-run", 1),
            ("same", "same", 0),
            ("ab", "ba", 2),
        ] {
            assert_eq!(edit_distance(a, b), distance, "{a} {b}");
        }
    }
}
