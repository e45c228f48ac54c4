//! Bounds on what comes from outside: durations a user gives, and instants
//! computed from them, so that no addition of times can overflow.

use std::time::{Duration, Instant};

use crate::error::Error;

/// The longest duration the crate accepts from a user (a timeout, a
/// deadline, a wait): one year. Longer ones are an [`Error::InvalidInput`],
/// so that `now + duration` always exists.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// `duration` when it is at most [`MAX_DURATION`].
pub(crate) fn check_duration(field: &'static str, duration: Duration) -> Result<Duration, Error> {
    if duration > MAX_DURATION {
        return Err(Error::invalid(
            field,
            format!("{duration:?} is longer than the largest accepted, one year"),
        ));
    }
    Ok(duration)
}

/// `now + duration`, saturating at a year from now instead of overflowing.
pub(crate) fn instant_after(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration.min(MAX_DURATION))
        .or_else(|| now.checked_add(Duration::from_secs(24 * 60 * 60)))
        .unwrap_or(now)
}

/// A duration in the words people use: `10 s`, `200 ms`, `1.5 s`, `2 min`.
pub(crate) fn shown(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis} ms")
    } else if millis % 60_000 == 0 && millis >= 120_000 {
        format!("{} min", millis / 60_000)
    } else if millis % 1000 == 0 {
        format!("{} s", millis / 1000)
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_past_a_year_are_refused_and_instants_saturate() {
        assert!(check_duration("timeout", MAX_DURATION).is_ok());
        let err = check_duration("timeout", Duration::MAX).unwrap_err();
        assert!(err.to_string().contains("invalid timeout"), "{err}");
        assert_eq!(MAX_DURATION, Duration::from_secs(31_536_000), "one year");
        let just_over = MAX_DURATION + Duration::from_nanos(1);
        assert!(check_duration("timeout", just_over).is_err());
        // Saturates at a year from now: not a day, not less.
        let before = Instant::now();
        let far = instant_after(Duration::MAX);
        assert!(far >= before + MAX_DURATION, "{:?}", far - before);
        assert!(far <= Instant::now() + MAX_DURATION);
        assert!(instant_after(Duration::ZERO) <= Instant::now());
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(shown(Duration::from_millis(200)), "200 ms");
        assert_eq!(shown(Duration::from_secs(10)), "10 s");
        assert_eq!(shown(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(shown(Duration::from_secs(60)), "60 s");
        assert_eq!(shown(Duration::from_secs(900)), "15 min");
        assert_eq!(shown(Duration::from_millis(999)), "999 ms");
        assert_eq!(shown(Duration::from_secs(1)), "1 s");
        assert_eq!(shown(Duration::from_secs(120)), "2 min");
        assert_eq!(shown(Duration::from_secs(119)), "119 s");
        assert_eq!(shown(Duration::from_secs(150)), "150 s");
        assert_eq!(shown(Duration::from_secs(180)), "3 min");
    }
}
