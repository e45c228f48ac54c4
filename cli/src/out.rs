//! Everything the CLI prints goes through here: text from a server is
//! escaped before it reaches a terminal, and a closed stdout or stderr is a
//! state to act on (stop sending), never a panic.

use std::borrow::Cow;
use std::fmt::{Display, Write as _};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write to stdout failed (the reader went away).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Prints one line to stdout, escaping control characters, so that a
/// message, id or name from a server can neither forge a line nor drive the
/// terminal. Returns false once stdout is closed.
pub fn line(text: impl Display) -> bool {
    let text = text.to_string();
    raw(&format!("{}\n", escape(&text)))
}

/// Prints our own multi-line text (help, banners) as it is.
pub fn raw(text: &str) -> bool {
    if STDOUT_CLOSED.load(Ordering::SeqCst) {
        return false;
    }
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    if written.is_err() {
        STDOUT_CLOSED.store(true, Ordering::SeqCst);
    }
    written.is_ok()
}

/// True once a write to stdout has failed.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::SeqCst)
}

/// Prints one line to stderr, escaped like [`line()`]; a closed stderr is
/// ignored (there is nowhere left to say anything).
pub fn err(text: impl Display) {
    let text = text.to_string();
    let _ = writeln!(std::io::stderr().lock(), "{}", escape(&text));
}

/// Writes `text` to stderr as it is, without a newline (the progress line).
pub fn err_raw(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush());
}

/// `text` with every control character, and the Unicode marks that reorder
/// text on screen, written as a visible escape: `\n`, `\t`, `\x1b`, `\u{202e}`.
pub fn escape(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && unsafe_char(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_reordering_marks_become_visible() {
        assert_eq!(escape("plain text, ünïcode"), "plain text, ünïcode");
        assert_eq!(
            escape("a\nb\r\tc\u{1b}[31md\u{7f}e\u{9b}f"),
            "a\\nb\\r\\tc\\x1b[31md\\x7fe\\x9bf"
        );
        assert_eq!(escape("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
        assert!(!escape("cleared   forged\nline").contains('\n'));
    }
}
