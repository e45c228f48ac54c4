//! When the gateway refuses a signature it quotes the canonical request it
//! computed (`…, canonicalRequest:GET|/v1/…/|…`, lines joined by `|`). Set
//! beside ours, the first line that differs names the cause: a path, a
//! header changed by a proxy, a body; when none differs, the key itself.

/// The marker the gateway puts before its canonical request.
const MARKER: &str = "canonicalRequest:";

/// The names of the canonical request's lines before the header block.
const PARTS: [&str; 3] = ["method", "canonical URI", "canonical query"];

/// Compares `ours` (the canonical request we signed) with the one quoted in
/// the gateway's `message`; `None` when the message quotes none. Security
/// token values are never shown.
pub fn compare_quoted(ours: &str, message: &str) -> Option<String> {
    let quoted = &message[message.find(MARKER)? + MARKER.len()..];
    let theirs: Vec<String> = quoted.trim().split('|').map(redact).collect();
    let ours: Vec<String> = ours.split('\n').map(redact).collect();
    let first = ours
        .iter()
        .zip(&theirs)
        .position(|(a, b)| a != b)
        .or_else(|| (ours.len() != theirs.len()).then(|| ours.len().min(theirs.len())));
    let Some(line) = first else {
        return Some(
            "the gateway's canonical request is the same as ours: the signature differs because of the key; check the secret key, and for temporary credentials that the security token belongs to this access key".to_owned(),
        );
    };
    let name = |lines: &[String]| -> String {
        let header_lines = lines.len().saturating_sub(PARTS.len() + 3);
        match line {
            l if l < PARTS.len() => PARTS[l].to_owned(),
            l if l < PARTS.len() + header_lines => "a header line".to_owned(),
            l if l == lines.len().saturating_sub(2) => "the signed header list".to_owned(),
            l if l == lines.len().saturating_sub(1) => "the payload hash".to_owned(),
            _ => "the blank line after the headers".to_owned(),
        }
    };
    let at = |lines: &[String]| lines.get(line).cloned().unwrap_or_else(|| "(none)".into());
    Some(format!(
        "the canonical requests differ first at line {} ({}): ours {:?}, the gateway's {:?}",
        line + 1,
        name(&ours),
        at(&ours),
        at(&theirs)
    ))
}

/// `message` with the security token's value hidden from a canonical
/// request it quotes; unchanged when it quotes none.
pub fn redact_quoted(message: &str) -> String {
    match message.find(MARKER) {
        None => message.to_owned(),
        Some(at) => {
            let start = at + MARKER.len();
            let quoted: Vec<String> = message[start..].split('|').map(redact).collect();
            format!("{}{}", &message[..start], quoted.join("|"))
        }
    }
}

/// A canonical request line with a security token's value hidden.
pub fn redact(line: &str) -> String {
    match line.split_once(':') {
        Some((name, _)) if super::is_sensitive(name) => {
            format!("{name}:<redacted>")
        }
        _ => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "GET\n/v1/p/servers/s/\n\nhost:ecs.example.com\nx-sdk-date:20260102T030405Z\nx-security-token:SECRET\n\nhost;x-sdk-date;x-security-token\ne3b0";

    fn quoted(canonical: &str) -> String {
        format!("Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest:{}", canonical.replace('\n', "|"))
    }

    #[test]
    fn names_the_first_line_that_differs_and_never_the_token() {
        let proxied = OURS.replace("host:ecs.example.com", "host:proxy.example.com");
        let said = compare_quoted(OURS, &quoted(&proxied)).unwrap();
        assert!(said.contains("line 4 (a header line)"), "{said}");
        assert!(said.contains("host:proxy.example.com"), "{said}");
        let moved = OURS.replace("/v1/p/servers/s/", "/v1/p/servers/t/");
        let said = compare_quoted(OURS, &quoted(&moved)).unwrap();
        assert!(said.contains("line 2 (canonical URI)"), "{said}");
        let body = OURS.replace("e3b0", "ffff");
        assert!(compare_quoted(OURS, &quoted(&body))
            .unwrap()
            .contains("payload hash"));
        let same = compare_quoted(OURS, &quoted(&OURS.replace("SECRET", "OTHER"))).unwrap();
        assert!(
            same.contains("same as ours") && !same.contains("SECRET"),
            "{same}"
        );
        let names = OURS.replace("\nhost;x-sdk-date;", "\nhost;");
        let said = compare_quoted(OURS, &quoted(&names)).unwrap();
        assert!(said.contains("line 8 (the signed header list)"), "{said}");
        let blank = OURS.replace("\n\nhost;", "\n \nhost;");
        let said = compare_quoted(OURS, &quoted(&blank)).unwrap();
        assert!(
            said.contains("line 7 (the blank line after the headers)"),
            "{said}"
        );
        assert_eq!(compare_quoted(OURS, "verify aksk signature fail"), None);
        // The marker first in the message: the quoted part starts right after it.
        assert_eq!(
            redact_quoted("canonicalRequest:GET|x-security-token:S|e3b0"),
            "canonicalRequest:GET|x-security-token:<redacted>|e3b0"
        );
        let shown = redact_quoted(&quoted(OURS));
        assert!(
            !shown.contains("SECRET") && shown.contains("x-security-token:<redacted>|"),
            "{shown}"
        );
    }
}
