//! End-of-run resilience results: each failure window with the delivery ratio before it (its
//! last four buckets), the lowest during it and the time to recover (back within 0.01 of the
//! ratio before), each
//! LoRaWAN gateway's availability, the worst bucket and the worst hour of the run, and the
//! stretches below the delivery SLO.

use super::failures::Outages;
use crate::metrics::report::{
    FailureWindow, GatewayAvailability, ResilienceReport, SloBreach, TimeSeries, WorstBucket,
};
use crate::model::failure::total;
use crate::scenario::Scenario;
use crate::scenario::types::FailureKind;

/// Delivery ratio recovered when within this of the level before a failure.
pub const RECOVERY_TOLERANCE: f64 = 0.01;
/// Buckets before a failure that set its level before.
pub const PRIOR_BUCKETS: usize = 4;

/// Assembles the `resilience` block.
pub fn resilience_report(sc: &Scenario, outages: &Outages, ids: &[String], ts: &TimeSeries) -> ResilienceReport {
    let duration = sc.duration.0;
    let gateways: Vec<GatewayAvailability> = ids
        .iter()
        .enumerate()
        .map(|(g, id)| {
            let down = outages.down.get(g).map_or(0, |w| total(w, duration));
            GatewayAvailability {
                id: id.clone(),
                availability: 1.0 - down as f64 / duration.max(1) as f64,
                down_hours: down as f64 / 3.6e9,
            }
        })
        .collect();
    let mean = if gateways.is_empty() {
        1.0
    } else {
        gateways.iter().map(|g| g.availability).sum::<f64>() / gateways.len() as f64
    };
    // City delivery per bucket: (start µs, generated, delivered).
    let bucket_us = (ts.bucket_s * 1e6) as u64;
    let mut buckets: Vec<(u64, f64, f64)> = Vec::new();
    for s in ts.rows.iter().filter(|s| s.scope == "city") {
        let start = (s.time_s * 1e6) as u64;
        if buckets.last().is_none_or(|b| b.0 != start) {
            buckets.push((start, 0.0, 0.0));
        }
        let b = buckets.last_mut().expect("pushed");
        match s.metric {
            "generated" => b.1 = s.value,
            "delivered" => b.2 = s.value,
            _ => {}
        }
    }
    let ratio = |b: &(u64, f64, f64)| if b.1 > 0.0 { b.2 / b.1 } else { 1.0 };
    let mut hours: Vec<(u64, f64, f64)> = Vec::new();
    for b in &buckets {
        let h = b.0 / 3_600_000_000 * 3_600_000_000;
        match hours.last_mut() {
            Some(last) if last.0 == h => {
                last.1 += b.1;
                last.2 += b.2;
            }
            _ => hours.push((h, b.1, b.2)),
        }
    }
    let worst = |v: &[(u64, f64, f64)]| {
        v.iter()
            .filter(|b| b.1 > 0.0)
            .min_by(|a, b| ratio(a).total_cmp(&ratio(b)))
            .map(|b| WorstBucket { start_h: b.0 as f64 / 3.6e9, delivery_ratio: ratio(b) })
    };
    let worst_hour = if bucket_us <= 3_600_000_000 { worst(&hours) } else { None };
    let mut slo_breaches: Vec<SloBreach> = Vec::new();
    if let Some(min) = sc.slo.delivery_ratio_min {
        for b in buckets.iter().filter(|b| b.1 > 0.0 && ratio(b) < min) {
            let (start_h, end_h) = (b.0 as f64 / 3.6e9, (b.0 + bucket_us) as f64 / 3.6e9);
            match slo_breaches.last_mut() {
                Some(last) if (last.end_h - start_h).abs() < 1e-9 => {
                    last.end_h = end_h;
                    last.lowest = last.lowest.min(ratio(b));
                }
                _ => slo_breaches.push(SloBreach { start_h, end_h, lowest: ratio(b) }),
            }
        }
    }
    let worst_bucket = buckets
        .iter()
        .filter(|b| b.1 > 0.0)
        .min_by(|a, b| ratio(a).total_cmp(&ratio(b)))
        .map(|b| WorstBucket { start_h: b.0 as f64 / 3.6e9, delivery_ratio: ratio(b) });
    let failures = outages
        .windows
        .iter()
        .map(|w| {
            let f = &sc.failures[w.failure];
            // The level before: the last few whole buckets before the failure.
            let prior: Vec<&(u64, f64, f64)> = buckets.iter().filter(|b| b.0 + bucket_us <= w.start).collect();
            let (g, d) = prior[prior.len().saturating_sub(PRIOR_BUCKETS)..]
                .iter()
                .fold((0.0, 0.0), |acc, b| (acc.0 + b.1, acc.1 + b.2));
            let before = if g > 0.0 { d / g } else { 1.0 };
            // Recovered at the end of the first bucket back at that level once the failure is
            // over (at once if delivery never fell below it).
            let low = |b: &(u64, f64, f64)| b.1 > 0.0 && ratio(b) < before - RECOVERY_TOLERANCE;
            let dipped = buckets.iter().any(|b| b.0 + bucket_us > w.start && b.0 < w.end && low(b));
            let recovered = if dipped {
                buckets.iter().find(|b| b.0 + bucket_us > w.end && !low(b)).map(|b| b.0 + bucket_us)
            } else {
                Some(w.start)
            };
            let until = recovered.unwrap_or(u64::MAX).max(w.start + 1);
            let lowest = buckets
                .iter()
                .filter(|b| b.0 + bucket_us > w.start && b.0 < until && b.1 > 0.0)
                .map(ratio)
                .fold(1.0, f64::min);
            FailureWindow {
                kind: match f.kind {
                    FailureKind::Gateway => "gateway",
                    FailureKind::Power => "power",
                    FailureKind::Backhaul => "backhaul",
                    FailureKind::Storm => "storm",
                },
                scope: w.gateway.and_then(|g| ids.get(g)).map_or_else(|| f.scope.clone(), |id| id.clone()),
                start_h: w.start as f64 / 3.6e9,
                end_h: w.end as f64 / 3.6e9,
                before,
                lowest,
                recovered_after_h: recovered.map(|t| t.saturating_sub(w.start) as f64 / 3.6e9),
            }
        })
        .collect();
    ResilienceReport { failures, gateways, mean_gateway_availability: mean, worst_bucket, worst_hour, slo_breaches }
}
