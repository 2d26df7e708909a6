//! Failure processes: alternating up and down times with exponential MTBF and MTTR (a
//! two-state renewal process), interval arithmetic on outage windows, and the availability
//! closed forms of REFERENCE.md §4: A = MTBF / (MTBF + MTTR) and, for n independent units,
//! P(at least one up) = 1 - (1 - A)^n.

use super::random::{Purpose, draw, exponential};

/// Down windows `[start, end)` of one unit that alternates exponential up times (mean `mtbf_us`)
/// and down times (mean `mttr_us`) from an up state at 0, until `horizon_us`. The draws are
/// keyed by (seed, `key`), so each unit has its own stream.
pub fn alternating_outages(seed: u64, key: u64, mtbf_us: u64, mttr_us: u64, horizon_us: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut t = 0u64;
    let mut n = 0u64;
    loop {
        let up = exponential(draw(seed, Purpose::Failure, key, n), mtbf_us as f64) as u64;
        let down = (exponential(draw(seed, Purpose::Failure, key, n + 1), mttr_us as f64) as u64).max(1);
        n += 2;
        let start = t.saturating_add(up);
        if start >= horizon_us {
            return out;
        }
        let end = start.saturating_add(down);
        out.push((start, end.min(horizon_us)));
        t = end;
    }
}

/// Repair crews serving failures first come, first served: a crew travels to the site and
/// repairs it, and is busy for both.
#[derive(Clone, Debug, PartialEq)]
pub struct RepairCrews {
    free_at: Vec<u64>,
    travel_us: u64,
}

impl RepairCrews {
    /// `crews` crews (at least one), each taking `travel_us` to reach a site.
    pub fn new(crews: u32, travel_us: u64) -> Self {
        RepairCrews { free_at: vec![0; crews.max(1) as usize], travel_us }
    }

    /// A unit failed at `failed_at` and needs `work_us` at the site: when it is up again. Calls
    /// must come in order of failure time.
    pub fn repair(&mut self, failed_at: u64, work_us: u64) -> u64 {
        let (i, free) = self.free_at.iter().copied().enumerate().min_by_key(|&(i, f)| (f, i)).unwrap_or((0, 0));
        let done = failed_at.max(free).saturating_add(self.travel_us).saturating_add(work_us);
        self.free_at[i] = done;
        done
    }
}

/// Sorts windows and merges overlapping or touching ones.
pub fn merge(mut windows: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    windows.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(windows.len());
    for (s, e) in windows.into_iter().filter(|(s, e)| e > s) {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Whether `t` falls in one of the sorted, disjoint `windows`.
pub fn covers(windows: &[(u64, u64)], t: u64) -> bool {
    let i = windows.partition_point(|w| w.1 <= t);
    windows.get(i).is_some_and(|w| w.0 <= t)
}

/// Total length of sorted, disjoint windows clipped to `[0, horizon)`.
pub fn total(windows: &[(u64, u64)], horizon: u64) -> u64 {
    windows.iter().map(|&(s, e)| e.min(horizon).saturating_sub(s.min(horizon))).sum()
}

/// Long-run availability of a unit: MTBF / (MTBF + MTTR).
pub fn availability(mtbf: f64, mttr: f64) -> f64 {
    mtbf / (mtbf + mttr)
}

/// Probability that at least one of `n` independent units of availability `a` is up.
pub fn any_up(a: f64, n: u32) -> f64 {
    1.0 - (1.0 - a).powi(n as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampled_availability_matches_mtbf_over_mtbf_plus_mttr() {
        // 10 h up, 2 h down on average, over 100,000 h: A = 10/12.
        let h = 3_600_000_000u64;
        let w = alternating_outages(7, 1, 10 * h, 2 * h, 100_000 * h);
        let a = 1.0 - total(&w, 100_000 * h) as f64 / (100_000 * h) as f64;
        assert!((a - availability(10.0, 2.0)).abs() < 0.01, "{a}");
    }

    #[test]
    fn crews_serve_simultaneous_failures_in_waves() {
        // Seven units fail together; two crews, 30 min travel and 2 h repair each: they come
        // back in waves of two, the last after ceil(7/2) = 4 rounds of 2.5 h.
        let h = 3_600_000_000u64;
        let mut crews = RepairCrews::new(2, h / 2);
        let ends: Vec<u64> = (0..7).map(|_| crews.repair(0, 2 * h)).collect();
        assert_eq!(ends, vec![5 * h / 2, 5 * h / 2, 5 * h, 5 * h, 15 * h / 2, 15 * h / 2, 10 * h]);
        // A failure after the crews are free waits for nobody.
        assert_eq!(crews.repair(20 * h, h), 20 * h + 3 * h / 2);
    }

    #[test]
    fn windows_merge_and_cover() {
        let w = merge(vec![(5, 8), (1, 3), (2, 4), (8, 9)]);
        assert_eq!(w, vec![(1, 4), (5, 9)]);
        assert!(covers(&w, 1) && covers(&w, 3) && !covers(&w, 4) && covers(&w, 8) && !covers(&w, 9));
        assert_eq!(total(&w, 100), 7);
        assert_eq!(total(&w, 6), 4);
        assert!((any_up(0.9, 3) - 0.999).abs() < 1e-12);
    }
}
