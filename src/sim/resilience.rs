//! End-of-run resilience results: each failure window with the delivery ratio before it (its
//! last four buckets), the lowest during it and the time to recover (back within 0.01 of the
//! ratio before); each gateway's, cell site's and access point's availability; per sensor kind
//! its availability and its coverage of the city grid over time (also written to the time
//! series as `coverage`); attacks by compromised devices; the worst failure with delivery maps
//! before and during it; the worst bucket and the worst hour of the run, and the stretches
//! below the delivery SLO.

use super::attach::Site;
use super::failures::Outages;
use crate::metrics::Metrics;
use crate::metrics::report::{
    AttackReport, AttackTotals, FailureWindow, GatewayAvailability, GridInfo, KindResilience, LossCause, OutageMaps,
    ResilienceReport, Sample, ScopeReport, SloBreach, TimeSeries, WorstBucket, WorstFailure,
};
use crate::model::failure::total;
use crate::scenario::Scenario;
use crate::scenario::types::{AttackKind, RadioKind, Timing};

/// Losses that mean the sensor itself was not working.
pub const DEVICE_CAUSES: [LossCause; 4] =
    [LossCause::DeviceFailure, LossCause::PowerOutage, LossCause::BatteryDepleted, LossCause::Isolated];

/// The gateways of every radio, as results name them.
pub struct Units<'a> {
    /// LoRaWAN gateway ids.
    pub lora: &'a [String],
    /// Cell sites.
    pub cells: &'a [Site],
    /// Access points.
    pub aps: &'a [Site],
}

/// Delivery ratio recovered when within this of the level before a failure.
pub const RECOVERY_TOLERANCE: f64 = 0.01;
/// Buckets before a failure that set its level before.
pub const PRIOR_BUCKETS: usize = 4;

/// Assembles the `resilience` block, and adds the coverage rows to the time series.
pub fn resilience_report(
    sc: &Scenario,
    outages: &Outages,
    units: &Units,
    metrics: &Metrics,
    groups: &[ScopeReport],
    ts: &mut TimeSeries,
) -> ResilienceReport {
    let duration = sc.duration.0;
    let availability = |id: &str, radio: RadioKind, w: Option<&Vec<(u64, u64)>>| {
        let down = w.map_or(0, |w| total(w, duration));
        GatewayAvailability {
            id: id.to_string(),
            radio: radio.name(),
            availability: 1.0 - down as f64 / duration.max(1) as f64,
            down_hours: down as f64 / 3.6e9,
        }
    };
    let mut gateways: Vec<GatewayAvailability> = units
        .lora
        .iter()
        .enumerate()
        .map(|(g, id)| availability(id, RadioKind::Lorawan, outages.down.get(g)))
        .collect();
    gateways.extend(
        units.cells.iter().enumerate().map(|(i, s)| availability(&s.id, RadioKind::Cellular, outages.cell_down.get(i))),
    );
    gateways.extend(
        units.aps.iter().enumerate().map(|(i, s)| availability(&s.id, RadioKind::Wifi, outages.ap_down.get(i))),
    );
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
    let worst_bucket = worst(&buckets);
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
                kind: f.kind.name(),
                scope: w.unit.clone().unwrap_or_else(|| f.scope.clone()),
                start_h: w.start as f64 / 3.6e9,
                end_h: w.end.min(duration) as f64 / 3.6e9,
                before,
                lowest,
                recovered_after_h: recovered.map(|t| t.saturating_sub(w.start) as f64 / 3.6e9),
            }
        })
        .collect::<Vec<_>>();
    let attacks = outages
        .attacks
        .iter()
        .map(|a| AttackReport {
            attack: if a.kind == AttackKind::Flood { "flood" } else { "spoof" },
            scope: sc.failures[a.failure].scope.clone(),
            devices: a.devices,
            start_h: a.start as f64 / 3.6e9,
            detected_h: (a.detected < a.end.min(duration)).then(|| a.detected as f64 / 3.6e9),
            end_h: a.end.min(duration) as f64 / 3.6e9,
        })
        .collect();
    let isolated = groups.iter().map(|g| g.lost.get(LossCause::Isolated.name()).copied().unwrap_or(0)).sum();
    let attack_totals = AttackTotals {
        spoofed_readings: metrics.attack.spoofed,
        flood_uplinks: metrics.attack.flood_sent,
        flood_uplinks_delivered: metrics.attack.flood_delivered,
        isolated_readings: isolated,
    };
    let kinds = kind_reports(sc, metrics, groups, ts);
    // The worst failure: the deepest drop below its level before (the earliest of equals).
    let worst =
        failures.iter().zip(&outages.windows).filter(|(f, _)| f.before - f.lowest > RECOVERY_TOLERANCE).max_by(
            |a, b| (a.0.before - a.0.lowest).total_cmp(&(b.0.before - b.0.lowest)).then(b.1.start.cmp(&a.1.start)),
        );
    let (mut worst_failure, mut maps) = (None, None);
    if let (Some((f, w)), Some(grid)) = (worst, metrics.grid.as_ref()) {
        let b0 = (w.start / bucket_us.max(1)) as usize;
        let b1 = (w.end.min(duration).div_ceil(bucket_us.max(1)) as usize).max(b0 + 1);
        let before = grid.delivery_map(b0.saturating_sub(PRIOR_BUCKETS), b0);
        let during = grid.delivery_map(b0, b1);
        let reporting = |m: &[Option<f64>]| m.iter().filter(|c| c.is_some_and(|r| r > 0.0)).count() as u32;
        worst_failure = Some(WorstFailure {
            kind: f.kind,
            scope: f.scope.clone(),
            start_h: f.start_h,
            end_h: f.end_h,
            cells_reporting_before: reporting(&before),
            cells_reporting_during: reporting(&during),
            cells_below_90pct_during: during.iter().filter(|c| c.is_some_and(|r| r < 0.9)).count() as u32,
        });
        maps = Some(OutageMaps {
            label: format!("{} ({}), {:.1} h to {:.1} h", f.kind, f.scope, f.start_h, f.end_h),
            n: grid.n,
            cell_m: grid.cell_m,
            before,
            during,
        });
    }
    ResilienceReport {
        failures,
        gateways,
        mean_gateway_availability: mean,
        kinds,
        grid: metrics.grid.as_ref().map(|g| GridInfo { cells_per_side: g.n, cell_m: g.cell_m }),
        attacks,
        attack_totals,
        worst_failure,
        worst_bucket,
        worst_hour,
        slo_breaches,
        maps,
    }
}

/// Per sensor kind: availability from the groups' losses, and coverage over time from the grid
/// (a cell counts while a reading of the kind was delivered within one report interval, three
/// mean intervals for Poisson reporting).
fn kind_reports(sc: &Scenario, metrics: &Metrics, groups: &[ScopeReport], ts: &mut TimeSeries) -> Vec<KindResilience> {
    let Some(grid) = metrics.grid.as_ref() else { return Vec::new() };
    let bucket_us = metrics.bucket_us().max(1);
    grid.kinds
        .iter()
        .enumerate()
        .map(|(k, kind)| {
            let members: Vec<usize> = (0..sc.groups.len()).filter(|&g| sc.groups[g].kind.id == kind).collect();
            let (mut generated, mut down, mut sensors) = (0, 0, 0);
            let mut window = 1;
            for &g in &members {
                let Some(r) = groups.get(g) else { continue };
                generated += r.generated;
                sensors += r.sensors;
                down += DEVICE_CAUSES.iter().map(|c| r.lost.get(c.name()).copied().unwrap_or(0)).sum::<u64>();
                let group = &sc.groups[g];
                let span = match group.timing {
                    Timing::Poisson => 3 * group.report_every.0,
                    _ => group.report_every.0 + group.jitter.0,
                };
                window = window.max(span.div_ceil(bucket_us) as usize);
            }
            let coverage = grid.coverage(k, window);
            let scope = format!("kind:{kind}");
            for (b, c) in coverage.iter().enumerate() {
                if let Some(c) = c {
                    ts.rows.push(Sample {
                        time_s: b as f64 * ts.bucket_s,
                        metric: "coverage",
                        scope: scope.clone(),
                        value: *c,
                    });
                }
            }
            let known: Vec<(usize, f64)> = coverage.iter().enumerate().filter_map(|(b, c)| c.map(|c| (b, c))).collect();
            let min = known.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap_or((0, 1.0));
            KindResilience {
                kind: kind.clone(),
                sensors,
                availability: if generated == 0 { 1.0 } else { 1.0 - down as f64 / generated as f64 },
                cells: grid.deployed_cells(k),
                coverage_mean: if known.is_empty() {
                    1.0
                } else {
                    known.iter().map(|x| x.1).sum::<f64>() / known.len() as f64
                },
                coverage_min: min.1,
                coverage_min_at_h: min.0 as f64 * bucket_us as f64 / 3.6e9,
            }
        })
        .collect()
}
