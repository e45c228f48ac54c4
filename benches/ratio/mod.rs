//! Interleaved ratio measurement shared by the benches: the machine is
//! shared and noisy, so a speed figure is the ratio of two things run in
//! alternating batches within the same run, reported as min / median / max
//! over several rounds, never one absolute time.

use std::time::{Duration, Instant};

/// Runs `ours` and `reference` in alternating batches of `batch` calls for
/// `rounds` rounds; prints and returns (min, median, max) of
/// time(ours) / time(reference).
pub(crate) fn interleaved(
    label: &str,
    rounds: usize,
    batch: usize,
    mut ours: impl FnMut(),
    mut reference: impl FnMut(),
) -> (f64, f64, f64) {
    let time = |f: &mut dyn FnMut()| {
        let started = Instant::now();
        for _ in 0..batch {
            f();
        }
        started.elapsed()
    };
    // Warm both up once, outside the measurement.
    time(&mut ours);
    time(&mut reference);
    let mut ratios = Vec::with_capacity(rounds);
    let (mut ours_total, mut reference_total) = (Duration::ZERO, Duration::ZERO);
    for round in 0..rounds {
        // Alternate which goes first, so that neither always runs warm.
        let (a, b) = if round % 2 == 0 {
            let a = time(&mut ours);
            (a, time(&mut reference))
        } else {
            let b = time(&mut reference);
            (time(&mut ours), b)
        };
        ours_total += a;
        reference_total += b;
        ratios.push(a.as_secs_f64() / b.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    let (min, median, max) = (
        ratios[0],
        ratios[ratios.len() / 2],
        ratios[ratios.len() - 1],
    );
    let per = |total: Duration| total / (rounds * batch) as u32;
    println!(
        "{label}: ratio min {min:.3}, median {median:.3}, max {max:.3} over {rounds} rounds of {batch} (ours {:?}, reference {:?} a call on average)",
        per(ours_total),
        per(reference_total)
    );
    (min, median, max)
}
