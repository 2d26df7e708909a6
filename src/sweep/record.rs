//! One finished run of a sweep: which run it was (index, grid point, replication, seed, the
//! parameter values) and the metrics it measured, taken from its report in the order of
//! [`crate::scenario::sweep::METRICS`]. Records hold nothing that differs between identical
//! runs (no wall time), so a sweep's results are the same at any thread count, sharded or not,
//! interrupted or not.

use serde::{Deserialize, Serialize};

use crate::metrics::Report;
use crate::scenario::sweep::METRICS;

/// One finished run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Run index in the sweep's plan.
    pub run: u64,
    /// Grid point.
    pub point: u64,
    /// Replication at that point.
    pub replication: u32,
    /// The run's master seed.
    pub seed: u64,
    /// The value label of each varied parameter.
    pub values: Vec<String>,
    /// Each metric of [`METRICS`], in order (None: not measured, e.g. no battery sensors).
    pub metrics: Vec<Option<f64>>,
}

/// The metrics of [`METRICS`] measured in `report`, in order.
pub fn metrics_of(report: &Report) -> Vec<Option<f64>> {
    let u = &report.uplinks;
    let share =
        |cause: &str| (u.generated > 0).then(|| u.lost.get(cause).copied().unwrap_or(0) as f64 / u.generated as f64);
    let delivered = u.delivered > 0;
    let energy = &report.energy;
    let lifetime = energy.lifetime_years.as_ref();
    let design = report.pipeline.as_ref().and_then(|p| p.comparison.first());
    let values: Vec<(&str, Option<f64>)> = vec![
        ("generated", Some(u.generated as f64)),
        ("delivered", Some(u.delivered as f64)),
        ("delivery_ratio", (u.generated > 0).then_some(u.delivery_ratio)),
        ("collision_ratio", share("collision")),
        ("out_of_range_ratio", share("out_of_range")),
        ("latency_p50_ms", delivered.then_some(report.latency_ms.p50)),
        ("latency_p99_ms", delivered.then_some(report.latency_ms.p99)),
        ("lifetime_p5_years", lifetime.map(|s| s.p5)),
        ("lifetime_median_years", lifetime.map(|s| s.p50)),
        ("kwh_per_year", Some(energy.infrastructure.kwh_per_year)),
        ("co2_kg_per_year", energy.infrastructure.co2_kg_per_year),
        ("tco", Some(energy.cost.total_cost_of_ownership)),
        ("pipeline_delivery_ratio", design.filter(|d| d.readings_in > 0).map(|d| d.delivery_ratio)),
        ("pipeline_p99_ms", design.filter(|d| d.readings_out > 0).map(|d| d.latency_ms.p99)),
    ];
    debug_assert!(values.iter().map(|(n, _)| *n).eq(METRICS.iter().map(|(n, _)| *n)));
    values.into_iter().map(|(_, v)| v.filter(|x| x.is_finite())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_follow_the_declared_order() {
        let report = crate::output::sample_report();
        let m = metrics_of(&report);
        assert_eq!(m.len(), METRICS.len());
        let at = |name: &str| m[METRICS.iter().position(|(n, _)| *n == name).unwrap()];
        assert_eq!(at("generated"), Some(report.uplinks.generated as f64));
        assert_eq!(at("delivery_ratio"), Some(report.uplinks.delivery_ratio));
        assert_eq!(at("latency_p99_ms"), Some(report.latency_ms.p99));
    }
}
