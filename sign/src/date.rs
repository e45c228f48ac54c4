//! The `X-Sdk-Date` timestamp: UTC, second precision, `YYYYMMDDTHHMMSSZ`.
//!
//! Formatting and parsing are done here with the civil-calendar conversions
//! (days since 1970-01-01 <-> proleptic Gregorian date) so that no date crate
//! is needed; the clock itself is always supplied by the caller.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SECONDS_PER_DAY: u64 = 86_400;

/// A signing timestamp as carried in the `X-Sdk-Date` header.
///
/// ```
/// use hwcloud_sign::SdkDate;
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let date = SdkDate::from_system_time(UNIX_EPOCH + Duration::from_secs(1_704_164_645));
/// assert_eq!(date.as_str(), "20240102T030405Z");
/// assert_eq!(SdkDate::parse("20240102T030405Z"), Some(date));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SdkDate {
    // Always 16 ASCII bytes; kept inline so that signing allocates nothing here.
    text: [u8; 16],
    unix_seconds: u64,
}

impl SdkDate {
    /// Formats `time`, dropping sub-second precision. Times before 1970 are
    /// clamped to the epoch: no signing clock is that wrong.
    pub fn from_system_time(time: SystemTime) -> Self {
        let unix_seconds = time
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let days = unix_seconds / SECONDS_PER_DAY;
        let rem = unix_seconds % SECONDS_PER_DAY;
        let (year, month, day) = civil_from_days(days);
        let mut text = *b"00000000T000000Z";
        put_digits(&mut text[0..4], year);
        put_digits(&mut text[4..6], month);
        put_digits(&mut text[6..8], day);
        put_digits(&mut text[9..11], rem / 3600);
        put_digits(&mut text[11..13], rem / 60 % 60);
        put_digits(&mut text[13..15], rem % 60);
        SdkDate { text, unix_seconds }
    }

    /// Parses the exact `YYYYMMDDTHHMMSSZ` form; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<u64> {
            let part = &b[range];
            if part.iter().all(u8::is_ascii_digit) {
                part.iter()
                    .try_fold(0u64, |acc, d| Some(acc * 10 + u64::from(d - b'0')))
            } else {
                None
            }
        };
        let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
        let (hour, minute, second) = (num(9..11)?, num(11..13)?, num(13..15)?);
        if year < 1970
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let unix_seconds = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(b);
        Some(SdkDate {
            text: bytes,
            unix_seconds,
        })
    }

    /// The header value, e.g. `20240102T030405Z`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text).unwrap_or_default()
    }

    /// The instant this date names.
    pub fn to_system_time(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.unix_seconds)
    }
}

impl fmt::Display for SdkDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SdkDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SdkDate({})", self.as_str())
    }
}

/// Writes `value` as zero-padded decimal filling `out`; years past 9999
/// wrap, which no signing clock reaches. Every field is under 10,000, so
/// the arithmetic is done in `u32`, which divides faster.
fn put_digits(out: &mut [u8], value: u64) {
    let mut value = (value % 10_000) as u32;
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// `later - earlier` in milliseconds, negative when `later` is earlier.
pub fn millis_between(earlier: SystemTime, later: SystemTime) -> i64 {
    match later.duration_since(earlier) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

fn is_leap(year: u64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 -> (year, month, day), for dates from 1970 on.
/// The era-based method: years are shifted to start in March so that the
/// leap day falls at the end of the shifted year.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) -> days since 1970-01-01; the inverse of `civil_from_days`.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        let at = |s| SdkDate::from_system_time(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0).as_str(), "19700101T000000Z");
        assert_eq!(at(951_782_400).as_str(), "20000229T000000Z");
        assert_eq!(at(1_704_164_645).as_str(), "20240102T030405Z");
        assert_eq!(at(4_102_444_799).as_str(), "20991231T235959Z");
    }

    #[test]
    fn parse_inverts_format_across_many_days() {
        for day in (0..60_000u64).step_by(37) {
            let secs = day * SECONDS_PER_DAY + (day * 7919) % SECONDS_PER_DAY;
            let date = SdkDate::from_system_time(UNIX_EPOCH + Duration::from_secs(secs));
            let parsed = SdkDate::parse(date.as_str()).expect("own output parses");
            assert_eq!(
                parsed.to_system_time(),
                UNIX_EPOCH + Duration::from_secs(secs)
            );
        }
    }

    #[test]
    fn parse_rejects_malformed_text() {
        for bad in [
            "",
            "20240102T030405",
            "20240102 030405Z",
            "2024010203T0405Z",
            "20241302T030405Z",
            "20240230T030405Z",
            "20230229T000000Z",
            "20240102T240000Z",
            "20240102T036005Z",
            "2024O102T030405Z",
            "+0240102T030405Z",
        ] {
            assert_eq!(SdkDate::parse(bad), None, "{bad:?} must not parse");
        }
        assert!(SdkDate::parse("20240229T235959Z").is_some());
    }
}
