//! Latency recording for the pipeline: an HDR histogram (µs, 3 significant digits) with exact
//! count, sum, min and max beside it, and its percentiles in milliseconds for reports.
//!
//! End-to-end latency is measured from each reading's *intended* send time, not from when it
//! reached the network, so delay before arrival and queueing behind a stalled hop are never
//! hidden (coordinated omission). Per-hop latency is the sojourn: leaving the hop minus arriving.

use hdrhistogram::Histogram;
use serde::Serialize;

/// Latency samples in µs: an HDR histogram for percentiles and CDF charts, plus exact moments.
#[derive(Clone, Debug)]
pub struct LatencyRecorder {
    /// All samples, µs, 3 significant digits.
    pub histogram: Histogram<u64>,
    /// Samples recorded.
    pub count: u64,
    /// Exact sum of the samples, µs.
    pub sum_us: u128,
    /// Exact smallest sample, µs (0 when empty).
    pub min_us: u64,
    /// Exact largest sample, µs.
    pub max_us: u64,
}

impl Default for LatencyRecorder {
    fn default() -> Self {
        LatencyRecorder {
            // Auto-resizing from 1 µs; 3 significant digits is within hdrhistogram's 0..=5.
            histogram: Histogram::new(3).expect("3 significant digits is valid"),
            count: 0,
            sum_us: 0,
            min_us: 0,
            max_us: 0,
        }
    }
}

impl LatencyRecorder {
    /// Records one sample.
    pub fn record(&mut self, us: u64) {
        // `saturating_record` would clamp instead of growing the auto-resizing histogram.
        if self.histogram.record(us).is_err() {
            self.histogram.saturating_record(us);
        }
        self.min_us = if self.count == 0 { us } else { self.min_us.min(us) };
        self.max_us = self.max_us.max(us);
        self.count += 1;
        self.sum_us += u128::from(us);
    }

    /// Exact mean, µs (0 when empty).
    pub fn mean_us(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.sum_us as f64 / self.count as f64 }
    }

    /// Share of samples above `t_us` (to the histogram's resolution), e.g. P(wait > t).
    pub fn fraction_above(&self, t_us: u64) -> f64 {
        if self.count == 0 { 0.0 } else { 1.0 - self.histogram.quantile_below(t_us) }
    }

    /// The empirical CDF as (latency ms, share at or below) points, one per recorded value
    /// bucket, for charts.
    pub fn cdf_ms(&self) -> Vec<(f64, f64)> {
        let total = self.count.max(1) as f64;
        let mut seen = 0;
        self.histogram
            .iter_recorded()
            .map(|v| {
                seen += v.count_at_value();
                (v.value_iterated_to() as f64 / 1000.0, seen as f64 / total)
            })
            .collect()
    }

    /// Percentiles in milliseconds.
    pub fn ms(&self) -> LatencyMs {
        if self.count == 0 {
            return LatencyMs::default();
        }
        let q = |q: f64| self.histogram.value_at_quantile(q) as f64 / 1000.0;
        LatencyMs {
            p50: q(0.50),
            p90: q(0.90),
            p95: q(0.95),
            p99: q(0.99),
            p999: q(0.999),
            max: self.max_us as f64 / 1000.0,
            mean: self.mean_us() / 1000.0,
        }
    }
}

/// Latency percentiles in milliseconds (HDR precision; `max` and `mean` are exact).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LatencyMs {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_tail_share() {
        let mut r = LatencyRecorder::default();
        for us in 1..=1000 {
            r.record(us * 1000);
        }
        let ms = r.ms();
        // Oracle: values 1..1000 ms uniformly: p50 = 500, p99 = 990, max = 1000, mean = 500.5;
        // HDR rounds within 0.1 %.
        assert!((ms.p50 - 500.0).abs() <= 0.5, "{ms:?}");
        assert!((ms.p99 - 990.0).abs() <= 1.0, "{ms:?}");
        assert_eq!(ms.max, 1000.0);
        assert_eq!(ms.mean, 500.5);
        assert_eq!(r.min_us, 1000);
        assert!((r.fraction_above(900_000) - 0.1).abs() < 0.002);
        let cdf = r.cdf_ms();
        assert!((cdf[cdf.len() - 1].1 - 1.0).abs() < 1e-12);
    }
}
