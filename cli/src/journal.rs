//! The durable report of `--report FILE` and what `--resume FILE` reads
//! back from one.
//!
//! The report is JSON Lines: one `header` object naming the command, its
//! scope and filters, then every result object exactly as `--json` prints
//! it, then the summary. Each line is written whole, then flushed and
//! `fsync`ed, before the result is printed or counted, so that a `kill -9`
//! or a power cut loses at most the calls in flight. Runs append: one file
//! can hold a run and each of its resumptions.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};

use serde_json::Value;

/// The longest report line `--resume` reads: a result line is a few
/// hundred bytes.
const MAX_LINE: u64 = 64 * 1024;
/// The most lines `--resume` reads: a report of every server an account
/// can have, with room for several resumptions.
const MAX_LINES: usize = 1_000_000;

/// An open report, appended to line by line.
pub struct Journal {
    file: File,
    path: String,
}

impl Journal {
    /// Opens (or creates) `path` for appending and writes the header, so
    /// that a report that cannot be written fails before anything is sent.
    /// A report whose last line an earlier run left partial (a write that
    /// failed, a crash) gets its line ended first, so that this run's lines
    /// stand on their own and `--resume` reads them.
    pub fn open(path: &str, header: &Value) -> Result<Journal, String> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(|e| format!("cannot open the report {path:?}: {e}"))?;
        let mut journal = Journal {
            file,
            path: path.to_owned(),
        };
        if !journal.ends_a_line()? {
            journal.write_synced(b"\n")?;
        }
        journal.append(header)?;
        Ok(journal)
    }

    /// Whether the report is empty or ends with a whole line.
    fn ends_a_line(&mut self) -> Result<bool, String> {
        let failed = |e: std::io::Error| format!("cannot read the report {:?}: {e}", self.path);
        let length = self.file.metadata().map_err(failed)?.len();
        if length == 0 {
            return Ok(true);
        }
        let mut last = [0u8; 1];
        self.file
            .seek(SeekFrom::Start(length - 1))
            .and_then(|_| self.file.read_exact(&mut last))
            .map_err(failed)?;
        Ok(last[0] == b'\n')
    }

    /// Writes `bytes` at the end and waits until they are on disk.
    fn write_synced(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.file
            .write_all(bytes)
            .and_then(|()| self.file.flush())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("cannot write the report {:?}: {e}", self.path))
    }

    /// Appends one object as a line and waits until it is on disk.
    pub fn append(&mut self, value: &Value) -> Result<(), String> {
        let mut line = value.to_string();
        line.push('\n');
        self.write_synced(line.as_bytes())
    }
}

/// The servers a report says are done for `command`, by `(project id,
/// server id)`: those whose last result line is `cleared` (for
/// `clear-password`) or `none_stored` (for `audit`). A later line for the
/// same server (a failure in a resumed run) undoes an earlier one.
pub fn done_in(path: &str, command: &str) -> Result<HashSet<(String, String)>, String> {
    let file = File::open(path).map_err(|e| format!("cannot read the report {path:?}: {e}"))?;
    let done_word = if command == "audit" {
        "none_stored"
    } else {
        "cleared"
    };
    let mut done = HashSet::new();
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    for number in 1..=MAX_LINES {
        line.clear();
        let read = (&mut reader)
            .take(MAX_LINE)
            .read_line(&mut line)
            .map_err(|e| format!("{path}, line {number}: {e}"))?;
        if read == 0 {
            return Ok(done);
        }
        if !line.ends_with('\n') && read as u64 == MAX_LINE {
            return Err(format!(
                "{path}, line {number}: longer than {MAX_LINE} bytes"
            ));
        }
        let Ok(value) = serde_json::from_str::<Value>(line.trim()) else {
            // The last line of a report cut by a crash may be partial; a
            // partial line names no finished server.
            continue;
        };
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        if text("type") != Some("result") || text("command") != Some(command) {
            continue;
        }
        let (Some(id), project) = (text("id"), text("project_id").unwrap_or("")) else {
            continue;
        };
        let key = (project.to_owned(), id.to_owned());
        if text("outcome") == Some(done_word) {
            done.insert(key);
        } else {
            done.remove(&key);
        }
    }
    Err(format!("{path}: more than {MAX_LINES} lines"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_takes_each_servers_last_outcome_and_skips_partial_lines() {
        let path = std::env::temp_dir().join(format!("hwcloud-ecs-journal-{}", std::process::id()));
        let path = path.to_str().unwrap().to_owned();
        let _ = std::fs::remove_file(&path);
        let mut journal = Journal::open(&path, &serde_json::json!({"type": "header"})).unwrap();
        let result = |id: &str, outcome: &str, command: &str| serde_json::json!({"type": "result", "command": command, "id": id, "project_id": "p", "outcome": outcome});
        for line in [
            result("a", "cleared", "clear-password"),
            result("b", "cleared", "clear-password"),
            result("b", "failed", "clear-password"),
            result("c", "failed", "clear-password"),
            result("d", "none_stored", "audit"),
        ] {
            journal.append(&line).unwrap();
        }
        drop(journal);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"type\":\"result\",\"command\":\"clear-pass")
            .unwrap();
        let done = done_in(&path, "clear-password").unwrap();
        assert_eq!(done, HashSet::from([("p".to_owned(), "a".to_owned())]));
        // A resumption's lines stand apart from the partial one.
        let mut resumed = Journal::open(&path, &serde_json::json!({"type": "header"})).unwrap();
        resumed
            .append(&result("c", "cleared", "clear-password"))
            .unwrap();
        drop(resumed);
        let done = done_in(&path, "clear-password").unwrap();
        assert_eq!(
            done,
            HashSet::from([
                ("p".to_owned(), "a".to_owned()),
                ("p".to_owned(), "c".to_owned())
            ])
        );
        let audited = done_in(&path, "audit").unwrap();
        assert_eq!(audited, HashSet::from([("p".to_owned(), "d".to_owned())]));
        assert!(done_in("/nonexistent/report", "audit").is_err());
        std::fs::remove_file(&path).unwrap();
    }
}
