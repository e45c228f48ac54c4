//! The official SDKs' regions file (`~/.huaweicloud/regions.yaml`): for each
//! service, a list of regions with their endpoints.
//!
//! ```yaml
//! ECS:
//!   - id: 'cn-north-9'
//!     endpoint: 'https://ecs.cn-north-9.myhuaweicloud.com'
//!   - id: my-private-1
//!     endpoints:
//!       - 'https://ecs.my-private-1.example.com'
//! ```
//!
//! Only that subset of YAML is read: top-level service keys, each holding a
//! block list of mappings whose values are plain, single- or double-quoted
//! scalars, or (for `endpoints`) a block list of them; `#` comments, a UTF-8
//! byte-order mark and CRLF line ends. Anything else (tabs in indentation,
//! flow collections, anchors, multi-line scalars, escapes) is refused with the
//! line that holds it, rather than read wrongly.

use std::path::PathBuf;

use crate::endpoint::Endpoint;
use crate::error::Error;

use super::{env, profile, Lookup, Origin};

/// The regions file: `HUAWEICLOUD_SDK_REGIONS_FILE`, else
/// `~/.huaweicloud/regions.yaml`; true when it was named explicitly.
fn regions_file_path(lookup: &Lookup) -> Option<(PathBuf, bool)> {
    if let Some(path) = lookup.get(env::REGIONS_FILE) {
        return Some((PathBuf::from(path), true));
    }
    let home = profile::home_dir(&|name: &str| lookup.get(name), cfg!(windows))?;
    Some((home.join(".huaweicloud").join("regions.yaml"), false))
}

/// `region`'s ECS endpoint from the regions file, when the file lists it.
///
/// # Errors
/// [`Error::Config`] for a file that cannot be read or parsed (its line is
/// named), an endpoint in it that does not parse, or a file named by
/// `HUAWEICLOUD_SDK_REGIONS_FILE` that does not exist.
pub(crate) fn ecs_endpoint(
    region: &str,
    lookup: &Lookup,
) -> Result<Option<(Endpoint, Origin)>, Error> {
    if let Some((path, named)) = regions_file_path(lookup) {
        match profile::read_small_file(&path, "regions file")? {
            Some(text) => {
                let listed = parse(&text, "ECS").map_err(|(line, why)| {
                    Error::Config(format!(
                        "regions file {}, line {line}: {why}",
                        path.display()
                    ))
                })?;
                if let Some(found) = listed.iter().find(|r| r.id == region) {
                    let first = found.endpoints.first().map(String::as_str).unwrap_or("");
                    let endpoint = Endpoint::parse(first).map_err(|e| {
                        Error::Config(format!(
                            "regions file {}, region {region}: {e}",
                            path.display()
                        ))
                    })?;
                    return Ok(Some((endpoint, Origin::RegionsFile(path))));
                }
            }
            None if named => {
                return Err(Error::Config(format!(
                    "regions file {} (named by {}) does not exist",
                    path.display(),
                    env::REGIONS_FILE
                )))
            }
            None => {}
        }
    }
    Ok(None)
}

/// One region of a service: its id and its endpoints, first one first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileRegion {
    pub id: String,
    pub endpoints: Vec<String>,
}

/// The regions the file lists for `service` (compared without case), or
/// the first line it cannot read, as `(line number, why)`.
pub(crate) fn parse(text: &str, service: &str) -> Result<Vec<FileRegion>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut regions = Vec::new();
    // The service being read, and whether it is the one asked for.
    let mut in_service: Option<bool> = None;
    // The entry being read: its key column and whether `endpoints:` opened a list.
    let mut entry: Option<(usize, bool)> = None;
    let mut current: Option<FileRegion> = None;
    let mut finish = |current: &mut Option<FileRegion>, wanted: bool, line: usize| {
        if let Some(region) = current.take() {
            if region.id.is_empty() {
                return Err((line, "a region entry without an id".to_owned()));
            }
            if wanted {
                regions.push(region);
            }
        }
        Ok(())
    };
    for (index, raw) in text.lines().enumerate() {
        let number = index.saturating_add(1);
        let bad = |why: &str| Err((number, why.to_owned()));
        let line = strip_comment(raw.trim_end_matches('\r'));
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        if line[indent..].starts_with('\t') {
            return bad("a tab in the indentation");
        }
        let content = line.trim();
        if indent == 0 && !content.starts_with('-') {
            finish(&mut current, in_service == Some(true), number)?;
            entry = None;
            let Some(key) = content.strip_suffix(':') else {
                return bad("expected a service name followed by ':'");
            };
            let key = scalar(key).map_err(|why| (number, why))?;
            in_service = Some(key.eq_ignore_ascii_case(service));
            continue;
        }
        let Some(wanted) = in_service else {
            return bad("an indented line before any service name");
        };
        if let Some(rest) = content.strip_prefix('-') {
            let item = rest.trim_start();
            if !rest.is_empty() && !rest.starts_with(' ') {
                return bad("expected '- ' to start a list item");
            }
            match entry {
                // An item of `endpoints:`, deeper than (or level with) its key.
                Some((column, true)) if indent >= column => {
                    let url = scalar(item).map_err(|why| (number, why))?;
                    if let Some(region) = current.as_mut() {
                        region.endpoints.push(url);
                    }
                    continue;
                }
                Some((column, _)) if indent >= column => {
                    return bad("a list item where a key was expected");
                }
                _ => {}
            }
            finish(&mut current, wanted, number)?;
            current = Some(FileRegion {
                id: String::new(),
                endpoints: Vec::new(),
            });
            let column = indent + (content.len() - item.len());
            entry = Some((column, false));
            if !item.is_empty() {
                let opened = key_value(item, current.as_mut()).map_err(|why| (number, why))?;
                entry = Some((column, opened));
            }
            continue;
        }
        match entry {
            Some((column, _)) if indent == column => {
                let opened = key_value(content, current.as_mut()).map_err(|why| (number, why))?;
                entry = Some((column, opened));
            }
            _ => return bad("unexpected indentation: expected '- id: ...' or a key of the entry"),
        }
    }
    finish(&mut current, in_service == Some(true), text.lines().count())?;
    Ok(regions)
}

/// Reads `key: value` into `region`; true when it was `endpoints:` with its
/// list to follow.
fn key_value(text: &str, region: Option<&mut FileRegion>) -> Result<bool, String> {
    let (key, value) = text
        .split_once(':')
        .ok_or_else(|| format!("expected 'key: value', not {text:?}"))?;
    let value = value.trim();
    let Some(region) = region else {
        return Err("a key outside a region entry".to_owned());
    };
    match key.trim() {
        "id" => region.id = scalar(value)?,
        "endpoint" => region.endpoints.insert(0, scalar(value)?),
        "endpoints" if value.is_empty() => return Ok(true),
        "endpoints" => return Err("endpoints takes a block list ('- URL' lines)".to_owned()),
        // Keys the SDKs do not read are passed over, but must still be scalars.
        _ => drop(scalar(value)?),
    }
    Ok(false)
}

/// A plain or quoted scalar on one line.
fn scalar(text: &str) -> Result<String, String> {
    let text = text.trim();
    let quoted = |quote: char| {
        text.strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
    };
    if text.len() >= 2 {
        if let Some(inner) = quoted('\'') {
            if inner.contains('\'') {
                return Err(
                    "a quote inside a single-quoted value ('' escapes are not read)".into(),
                );
            }
            return Ok(inner.to_owned());
        }
        if let Some(inner) = quoted('"') {
            if inner.contains(['"', '\\']) {
                return Err("escapes in a double-quoted value are not read".into());
            }
            return Ok(inner.to_owned());
        }
    }
    let first = text.chars().next();
    if matches!(
        first,
        Some('[' | '{' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`')
    ) {
        return Err(format!(
            "{text:?} is not a plain value this reader understands"
        ));
    }
    if text.contains(": ") {
        return Err(format!(
            "{text:?} holds ': ', which starts a nested mapping"
        ));
    }
    Ok(text.to_owned())
}

/// The line without its comment: `#` at its start or after a space, outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '#' && previous.is_whitespace() => return &line[..at],
            None if (c == '\'' || c == '"') && previous.is_whitespace() => quote = Some(c),
            None => {}
        }
        previous = c;
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(id: &str, endpoints: &[&str]) -> FileRegion {
        FileRegion {
            id: id.into(),
            endpoints: endpoints.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn reads_the_official_format() {
        let text = concat!(
            "\u{feff}# Service name is case-insensitive\r\n",
            "ECS:\r\n",
            "  - id: 'cn-north-1'\r\n",
            "    endpoint: 'https://ecs.cn-north-1.myhuaweicloud.com'\r\n",
            "  - id: cn-north-9   # a comment\n",
            "    endpoints:\n",
            "      - 'https://ecs.cn-north-9.myhuaweicloud.com'\n",
            "      - \"https://ecs.cn-north-9.myhuaweicloud.cn\"\n",
            "IoTDA:\n",
            "  - id: 'ap-southwest-1'\n",
            "    endpoint: 'https://iotda.ap-southwest-1.myhuaweicloud.com'\n",
            "ecs2:\n",
            "- id: x\n",
            "  endpoint: https://x.example\n",
        );
        assert_eq!(
            parse(text, "ecs").unwrap(),
            vec![
                region("cn-north-1", &["https://ecs.cn-north-1.myhuaweicloud.com"]),
                region(
                    "cn-north-9",
                    &[
                        "https://ecs.cn-north-9.myhuaweicloud.com",
                        "https://ecs.cn-north-9.myhuaweicloud.cn"
                    ]
                ),
            ]
        );
        assert_eq!(
            parse(text, "IOTDA").unwrap(),
            vec![region(
                "ap-southwest-1",
                &["https://iotda.ap-southwest-1.myhuaweicloud.com"]
            )]
        );
        assert_eq!(parse("", "ECS").unwrap(), vec![]);
        // `endpoints` items level with their key, as YAML allows.
        assert_eq!(
            parse("ECS:\n- id: r\n  endpoints:\n  - https://a\n", "ECS").unwrap(),
            vec![region("r", &["https://a"])]
        );
    }

    #[test]
    fn refuses_what_it_does_not_understand_with_the_line() {
        for (text, line) in [
            ("ECS:\n\t- id: x\n", 2),
            ("ECS: [a, b]\n", 1),
            ("  - id: x\n", 1),
            ("ECS:\n  - id: &a x\n", 2),
            ("ECS:\n  - id: x\n      endpoint: y\n", 3),
            ("ECS:\n  - id: x\n    endpoints: [a]\n", 3),
            ("ECS:\n  - id: x\n    endpoint: |\n", 3),
            ("ECS:\n  - id: \"a\\\"b\"\n", 2),
            ("ECS:\n  - endpoint: https://a\n", 2),
            ("ECS:\n  - id: x\n  - endpoint: https://a\nIAM:\n", 4),
            ("ECS:\n  -id: x\n", 2),
            // An item less indented than `endpoints:` starts a new entry.
            ("ECS:\n  - id: r\n    endpoints:\n  - https://a\n", 4),
            ("ECS:\n  - id: x\n    endpoints: https://a\n", 3),
        ] {
            let got = parse(text, "ECS");
            assert_eq!(
                got.as_ref().map_err(|e| e.0),
                Err(line),
                "{text:?}: {got:?}"
            );
        }
        let err = parse("ECS:\n  - id: r\n    - x\n", "ECS").unwrap_err();
        assert_eq!(err, (3, "a list item where a key was expected".to_owned()));
    }

    #[test]
    fn a_hash_is_a_comment_only_outside_quotes_and_after_a_space() {
        let text = concat!(
            "ECS: # the service\n",
            "  - id: 'a #1' # its id\n",
            "    endpoint: \"https://a.example/#x\"\n",
            "  - id: b#2\n",
            "    endpoint: 'https://b.example' #\n",
            "  - id: \"c\" #'\n",
            "    endpoints:\n",
            "      - https://c.example#frag # a comment\n",
        );
        assert_eq!(
            parse(text, "ECS").unwrap(),
            vec![
                region("a #1", &["https://a.example/#x"]),
                region("b#2", &["https://b.example"]),
                region("c", &["https://c.example#frag"]),
            ]
        );
        assert_eq!(strip_comment("x: 'it''s' # c"), "x: 'it''s' ");
        assert_eq!(strip_comment("x: a\"b # c"), "x: a\"b ");
    }
}
