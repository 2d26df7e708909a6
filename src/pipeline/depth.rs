//! Queue depth over time: the number of messages waiting for a worker at one hop, kept as a
//! step function and folded into fixed-width time buckets (largest and time-average depth per
//! bucket) for "queue depth over time" charts. Updating costs one bucket per change plus the
//! buckets a constant non-zero depth spans, so it grows with events and output, not with time.

/// Most buckets a series keeps (8 MB of samples per hop); a run longer than this many bucket
/// widths keeps only its first buckets, so choose the width from the run length.
pub const MAX_BUCKETS: usize = 1 << 19;

/// Queue depth per fixed-width time bucket of one hop.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DepthSeries {
    /// Bucket width, µs.
    pub bucket_us: u64,
    /// Largest depth seen in each bucket.
    pub max: Vec<u64>,
    /// Time-average depth in each bucket (the last bucket averages over its covered part).
    pub mean: Vec<f64>,
}

/// Integrates a depth step function into buckets as it changes.
#[derive(Clone, Debug)]
pub(super) struct DepthTrack {
    width: u64,
    depth: u64,
    last_t: u64,
    /// (max, depth-µs) per bucket.
    buckets: Vec<(u64, u128)>,
}

impl DepthTrack {
    pub fn new(width: u64) -> Self {
        DepthTrack { width: width.max(1), depth: 0, last_t: 0, buckets: Vec::new() }
    }

    fn bucket(&mut self, t: u64) -> &mut (u64, u128) {
        let b = ((t / self.width) as usize).min(MAX_BUCKETS);
        if self.buckets.len() <= b {
            self.buckets.resize(b + 1, (0, 0));
        }
        &mut self.buckets[b]
    }

    /// Carries the current depth forward to `now`.
    fn advance(&mut self, now: u64) {
        if self.depth == 0 {
            self.last_t = self.last_t.max(now);
            return;
        }
        while self.last_t < now {
            if self.last_t / self.width >= MAX_BUCKETS as u64 {
                self.last_t = now;
                break;
            }
            let end = ((self.last_t / self.width + 1) * self.width).min(now);
            let (d, t) = (self.depth, self.last_t);
            let b = self.bucket(t);
            b.0 = b.0.max(d);
            b.1 += u128::from(d) * u128::from(end - t);
            self.last_t = end;
        }
    }

    /// The depth changes by `delta` at `now`.
    pub fn add(&mut self, now: u64, delta: i64) {
        self.advance(now);
        self.depth = self.depth.saturating_add_signed(delta);
        let d = self.depth;
        let b = self.bucket(now);
        b.0 = b.0.max(d);
    }

    /// The series up to `end`.
    pub fn finish(mut self, end: u64) -> DepthSeries {
        self.advance(end);
        let n = (end.div_ceil(self.width) as usize).min(MAX_BUCKETS);
        self.buckets.resize(n.max(self.buckets.len()), (0, 0));
        self.buckets.truncate(n);
        let w = self.width;
        let mean = (0..n)
            .map(|i| {
                let span = (end - i as u64 * w).min(w).max(1);
                self.buckets[i].1 as f64 / span as f64
            })
            .collect();
        DepthSeries { bucket_us: w, max: self.buckets.iter().map(|b| b.0).collect(), mean }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_max_and_time_average() {
        let mut d = DepthTrack::new(100);
        d.add(50, 2); // depth 2 from 50
        d.add(150, 1); // 3 from 150
        d.add(180, -3); // 0 from 180
        let s = d.finish(300);
        // Oracle: bucket 0 has depth 2 for 50 µs -> mean 1, max 2; bucket 1 has 2 for 50 µs and
        // 3 for 30 µs -> (100 + 90) / 100 = 1.9, max 3; bucket 2 is empty.
        assert_eq!(s.max, vec![2, 3, 0]);
        assert_eq!(s.mean, vec![1.0, 1.9, 0.0]);
    }
}
