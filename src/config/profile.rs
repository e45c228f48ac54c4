//! The official SDKs' credentials file: INI with a `[basic]` section (the
//! official Python SDK reads `[basiccredentials]`; both are accepted) and the
//! keys `ak`, `sk`, `security_token`, `project_id`.
//!
//! Values are taken literally: a `%` in a secret key is just a `%` (the
//! official Python parser interpolates it and crashes).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Environment variable naming the credentials file.
pub(crate) const CREDENTIALS_FILE_VAR: &str = super::env::CREDENTIALS_FILE;

/// The values read from a credentials file's section.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Profile {
    /// Where it was read from.
    pub path: PathBuf,
    /// `ak`.
    pub access_key: Option<String>,
    pub(crate) secret_key: Option<String>,
    pub(crate) security_token: Option<String>,
    /// `project_id`.
    pub project_id: Option<String>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("Profile")
            .field("path", &self.path)
            .field("access_key", &self.access_key)
            .field("secret_key", &set(&self.secret_key))
            .field("security_token", &set(&self.security_token))
            .field("project_id", &self.project_id)
            .finish()
    }
}

/// The credentials file to read: `$HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else
/// `~/.huaweicloud/credentials` (`None` when neither can be named).
pub(crate) fn default_path(lookup: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let set = |name: &str| lookup(name).filter(|v| !v.is_empty());
    set(CREDENTIALS_FILE_VAR).map(PathBuf::from).or_else(|| {
        home_dir(lookup, cfg!(windows)).map(|home| home.join(".huaweicloud").join("credentials"))
    })
}

/// The user's home directory the official SDKs' way: `USERPROFILE` on
/// Windows (Python's SDK, Go's `os.UserHomeDir`), `HOME` elsewhere (macOS
/// included); `None` when it is not set. `windows` is a parameter so that
/// both rules are tested on any machine.
pub(crate) fn home_dir(lookup: &dyn Fn(&str) -> Option<String>, windows: bool) -> Option<PathBuf> {
    let name = if windows { "USERPROFILE" } else { "HOME" };
    lookup(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The largest credentials file read; real ones are a few hundred bytes.
pub(crate) const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// Reads `path`; `Ok(None)` when the file does not exist.
///
/// Only a regular file of at most [`MAX_FILE_SIZE`] bytes is read: a FIFO
/// would block for ever, and `/dev/zero` would never end.
///
/// # Errors
/// [`Error::Config`] naming the path when it exists but is not a regular
/// file, is too large, cannot be read, or has no `[basic]` or
/// `[basiccredentials]` section.
pub(crate) fn read(path: &Path) -> Result<Option<Profile>, Error> {
    match read_small_file(path, "credentials file")? {
        Some(text) => parse(&text, path).map(Some),
        None => Ok(None),
    }
}

/// The text of a small configuration file; `Ok(None)` when it does not exist.
///
/// Only a regular file of at most [`MAX_FILE_SIZE`] bytes is read: a FIFO
/// would block for ever, and `/dev/zero` would never end.
///
/// # Errors
/// [`Error::Config`] naming `what` and the path when it exists but is not a
/// regular file, is too large, or cannot be read as UTF-8.
pub(crate) fn read_small_file(path: &Path, what: &str) -> Result<Option<String>, Error> {
    let refuse = |why: String| Error::Config(format!("{what} {}: {why}", path.display()));
    // Checked before opening: opening a FIFO for reading already blocks.
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => return Err(refuse("not a regular file".into())),
        Ok(meta) if meta.len() > MAX_FILE_SIZE => {
            return Err(refuse(format!(
                "{} bytes, more than the {MAX_FILE_SIZE} read",
                meta.len()
            )))
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(refuse(format!("cannot be read: {e}"))),
    }
    let bytes = std::fs::File::open(path)
        .and_then(read_at_most_the_bound)
        .map_err(|e| refuse(format!("cannot be read: {e}")))?
        .ok_or_else(|| refuse(format!("more than the {MAX_FILE_SIZE} bytes read")))?;
    text_of(bytes).map(Some).map_err(refuse)
}

/// All of `source` when it holds at most [`MAX_FILE_SIZE`] bytes, `None`
/// when it holds more: a file that grew after its size was checked.
fn read_at_most_the_bound(source: impl std::io::Read) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    source.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= MAX_FILE_SIZE).then_some(bytes))
}

/// A file's bytes as text: UTF-8, a leading byte-order mark skipped (as
/// Notepad and PowerShell 5.1 write it); UTF-16 is refused with what to do.
pub(crate) fn text_of(bytes: Vec<u8>) -> Result<String, String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err("is UTF-16; save it as UTF-8 (PowerShell: -Encoding utf8)".into());
    }
    let mut text = String::from_utf8(bytes).map_err(|e| format!("is not UTF-8 text: {e}"))?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// A value with one pair of surrounding double quotes removed, as the Go
/// SDK's INI reader does (Python's `configparser` keeps them): `"a b"` is
/// `a b`, and `""x"` is `"x`, so that a secret that starts or ends with `"`
/// can be written by quoting it once more. Nothing else is unescaped.
fn unquote(value: &str) -> &str {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner,
        None => value,
    }
}

/// Parses the text of a credentials file.
///
/// # Errors
/// [`Error::Config`] when there is no `[basic]` or `[basiccredentials]` section.
pub(crate) fn parse(text: &str, path: &Path) -> Result<Profile, Error> {
    let mut sections: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current: Option<String> = None;
    // Notepad and PowerShell 5.1 start UTF-8 files with a byte-order mark
    // (`text_of` skips it when the file is read; a caller's text may hold one).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_ascii_lowercase();
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let (Some(section), Some((key, value))) = (&current, line.split_once(['=', ':'])) else {
            continue;
        };
        let value = unquote(value.trim());
        if let Some(values) = sections.get_mut(section) {
            values.insert(key.trim().to_ascii_lowercase(), value.to_owned());
        }
    }
    let values = sections
        .get("basic")
        .or_else(|| sections.get("basiccredentials"))
        .ok_or_else(|| Error::Config(format!("{} has no [basic] section", path.display())))?;
    let get = |key: &str| values.get(key).filter(|v| !v.is_empty()).cloned();
    Ok(Profile {
        path: path.to_owned(),
        access_key: get("ak"),
        secret_key: get("sk"),
        security_token: get("security_token"),
        project_id: get("project_id"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The home directory's variable on the platform the tests run on.
    const HOME: &str = if cfg!(windows) { "USERPROFILE" } else { "HOME" };

    #[test]
    fn the_home_directory_per_platform_and_files_in_utf8_only() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let both = env(&[("HOME", "/home/u"), ("USERPROFILE", r"C:\Users\u")]);
        assert_eq!(home_dir(&both, false), Some(PathBuf::from("/home/u")));
        assert_eq!(home_dir(&both, true), Some(PathBuf::from(r"C:\Users\u")));
        // Windows has no HOME as a rule; macOS and Linux read HOME.
        assert_eq!(home_dir(&env(&[("HOME", "/h")]), true), None);
        assert_eq!(home_dir(&env(&[("USERPROFILE", "C:\\u")]), false), None);
        assert_eq!(home_dir(&env(&[("HOME", "")]), false), None);

        assert_eq!(
            text_of(b"\xEF\xBB\xBF[basic]\r\n".to_vec()).unwrap(),
            "[basic]\r\n"
        );
        assert_eq!(text_of(b"[basic]".to_vec()).unwrap(), "[basic]");
        for utf16 in [&b"\xFF\xFE[\0b\0"[..], &b"\xFE\xFF\0[\0b"[..]] {
            assert!(text_of(utf16.to_vec()).unwrap_err().contains("UTF-16"));
        }
        assert!(text_of(b"\xC3(".to_vec())
            .unwrap_err()
            .contains("not UTF-8"));
    }

    #[test]
    fn a_file_of_more_than_the_bound_is_refused_before_it_is_read() {
        let dir = std::env::temp_dir().join(format!("hwcloud-profile-size-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("credentials");
        let bound = usize::try_from(MAX_FILE_SIZE).unwrap();
        std::fs::write(&path, "a".repeat(bound)).unwrap();
        let read = read_small_file(&path, "credentials file").unwrap().unwrap();
        assert_eq!(read.len(), bound);
        std::fs::write(&path, "a".repeat(bound + 1)).unwrap();
        let err = read_small_file(&path, "credentials file").unwrap_err();
        assert!(
            err.to_string().contains("more than the 1048576 read"),
            "{err}"
        );
        assert_eq!(read_small_file(&dir.join("absent"), "x").unwrap(), None);
        // A file that grew after its size was checked: read no further
        // than one byte past the bound, then refused.
        use std::io::Read;
        let at_bound = read_at_most_the_bound(std::io::repeat(b'a').take(MAX_FILE_SIZE)).unwrap();
        assert_eq!(at_bound.map(|b| b.len()), Some(bound));
        assert_eq!(read_at_most_the_bound(std::io::repeat(b'a')).unwrap(), None);
        // Any other failure to look the file up is an error, not an absence
        // (on Unix, a path through a regular file: "not a directory").
        #[cfg(unix)]
        assert!(read_small_file(&path.join("below"), "x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn debug_names_the_fields_and_hides_the_secrets() {
        let profile = parse(
            "[basic]\nak = AK1\nsk = SKsecret\nsecurity_token = TOKENsecret\nproject_id = p1\n",
            Path::new("c"),
        )
        .unwrap();
        let shown = format!("{profile:?}");
        assert!(
            shown.starts_with("Profile {")
                && shown.contains("AK1")
                && shown.contains("p1")
                && shown.contains("<redacted>"),
            "{shown}"
        );
        assert!(
            !shown.contains("SKsecret") && !shown.contains("TOKENsecret"),
            "{shown}"
        );
    }

    #[test]
    fn one_pair_of_quotes_is_removed_and_a_byte_order_mark_is_skipped() {
        for (written, read) in [
            ("s%k", "s%k"),
            ("\"s k\"", "s k"),
            ("\"\"sk\"", "\"sk"),
            ("\"sk\"\"", "sk\""),
            ("\"\"sk\"\"", "\"sk\""),
            ("\"sk", "\"sk"),
            ("sk\"", "sk\""),
            ("\"", "\""),
            ("'sk'", "'sk'"),
        ] {
            let text = format!("\u{feff}[basic]\r\nak = A\r\nsk = {written}\r\n");
            let profile = parse(&text, Path::new("c")).unwrap();
            assert_eq!(profile.secret_key.as_deref(), Some(read), "{written}");
            assert_eq!(profile.access_key.as_deref(), Some("A"));
        }
    }

    #[test]
    fn reads_either_section_name_comments_spaces_and_percent() {
        let text = "; comment\n# another\n\n[other]\nak = NOPE\n\n[BasicCredentials]\n  ak =  AK1  \nsk = a%b%%c\nsecurity_token: tok\nproject_id = \"p1\"\n";
        let p = parse(text, Path::new("c")).unwrap();
        assert_eq!(p.access_key.as_deref(), Some("AK1"));
        assert_eq!(p.secret_key.as_deref(), Some("a%b%%c"));
        assert_eq!(p.security_token.as_deref(), Some("tok"));
        assert_eq!(p.project_id.as_deref(), Some("p1"));
        assert!(!format!("{p:?}").contains("a%b"));
    }

    #[test]
    fn a_commented_out_key_stays_out() {
        let p = parse(
            "[basic]\n# ak = HASH\n; sk = SEMICOLON\nak = A\n",
            Path::new("c"),
        )
        .unwrap();
        assert_eq!(p.access_key.as_deref(), Some("A"));
        assert_eq!(p.secret_key, None);
    }

    #[test]
    fn basic_wins_and_a_missing_section_is_an_error() {
        let p = parse("[basiccredentials]\nak=B\n[basic]\nak=A\n", Path::new("c")).unwrap();
        assert_eq!(p.access_key.as_deref(), Some("A"));
        assert!(parse("[default]\nak=A\n", Path::new("c")).is_err());
    }

    #[test]
    fn path_from_the_variable_or_home() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |n: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            default_path(&vars(&[(CREDENTIALS_FILE_VAR, "/x/c"), (HOME, "/h")])),
            Some(PathBuf::from("/x/c"))
        );
        assert_eq!(
            default_path(&vars(&[(HOME, "/h")])),
            Some(PathBuf::from("/h/.huaweicloud/credentials"))
        );
        assert_eq!(default_path(&vars(&[])), None);
    }
}
