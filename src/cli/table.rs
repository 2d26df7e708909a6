//! Plain-text tables for the terminal: the end-of-run summary, the `validate` plan and the
//! city list.

use std::fmt::Write as _;
use std::path::Path;

use crate::metrics::Report;
use crate::metrics::report::Status;
use crate::ramp::{RampReport, RampStage};
use crate::scenario::Scenario;
use crate::scenario::cities::City;
use crate::scenario::types::FailureKind;
use crate::scenario::validate::{FailureTiming, UNTIL_THE_END};

/// The end-of-run summary.
pub fn summary(r: &Report, out: &Path) -> String {
    let mut s = String::new();
    let u = &r.uplinks;
    let _ = writeln!(s, "{} ({} s simulated, seed {})", r.scenario.name, r.simulated_seconds, r.seed);
    let e = &r.entities;
    let _ = writeln!(
        s,
        "  sensors {:>10}   gateways {:>6}   cell sites {:>4}   access points {:>5}",
        e.sensors, e.gateways, e.cell_sites, e.access_points
    );
    let _ = writeln!(
        s,
        "  uplinks generated {:>12}  delivered {:>12}  ratio {:.4}",
        u.generated, u.delivered, u.delivery_ratio
    );
    // Every cause is in summary.json; the terminal shows those that happened.
    for (cause, n) in u.lost.iter().filter(|(_, n)| **n > 0) {
        let _ = writeln!(s, "    lost {cause:<22} {n:>12}");
    }
    let l = &r.latency_ms;
    let _ = writeln!(s, "  latency ms  p50 {:.1}  p95 {:.1}  p99 {:.1}  max {:.1}", l.p50, l.p95, l.p99, l.max);
    for d in &r.districts {
        let _ = writeln!(s, "  district {:<20} sensors {:>8}  ratio {:.4}", d.name, d.sensors, d.delivery_ratio);
    }
    if r.technologies.len() > 1 {
        for t in &r.technologies {
            let _ = writeln!(
                s,
                "  radio    {:<20} sensors {:>8}  ratio {:.4}  latency p99 {:.1} ms",
                t.name, t.sensors, t.delivery_ratio, t.latency_ms.p99
            );
        }
    }
    let e = &r.energy;
    if let Some(l) = &e.lifetime_years {
        let _ = writeln!(
            s,
            "  battery  {} sensors, lifetime years p5 {:.1}  p50 {:.1}  min {:.2}; {:.0} replacements/yr",
            e.battery_sensors, l.p5, l.p50, l.min, e.maintenance.replacements_per_year
        );
    }
    let res = &r.resilience;
    for k in &res.kinds {
        let _ = writeln!(
            s,
            "  kind     {:<20} availability {:.4}  grid coverage mean {:.3}  min {:.3} at {:.1} h",
            k.kind, k.availability, k.coverage_mean, k.coverage_min, k.coverage_min_at_h
        );
    }
    if let Some(w) = &res.worst_failure {
        let _ = writeln!(
            s,
            "  worst    {} of {} from {:.1} h: {} grid cells reporting before, {} during, {} of them below 90 %",
            w.kind, w.scope, w.start_h, w.cells_reporting_before, w.cells_reporting_during, w.cells_below_90pct_during
        );
    }
    let a = &res.attack_totals;
    if a.spoofed_readings + a.flood_uplinks + a.isolated_readings > 0 {
        let _ = writeln!(
            s,
            "  attack   {} spoofed readings, {} flood uplinks ({} delivered), {} readings isolated",
            a.spoofed_readings, a.flood_uplinks, a.flood_uplinks_delivered, a.isolated_readings
        );
    }
    let i = &e.infrastructure;
    let co2 = i.co2_kg_per_year.map_or(String::new(), |c| format!(", {c:.0} kg CO2/yr"));
    let _ = writeln!(s, "  energy   infrastructure {:.2} kWh/day{co2}", i.kwh_per_day);
    if let Some(p) = &r.pipeline {
        for d in &p.comparison {
            let _ = writeln!(
                s,
                "  pipeline {:<20} in {:>10}  out {:>10}  ratio {:.4}  p99 {:.1} ms  bottleneck {} ({:.0} % busy)",
                d.name,
                d.readings_in,
                d.readings_out,
                d.delivery_ratio,
                d.latency_ms.p99,
                d.bottleneck,
                d.bottleneck_utilisation * 100.0
            );
        }
    }
    for c in &r.slo.checks {
        let name = match &c.design {
            Some(d) => format!("{} [{d}]", c.name),
            None => c.name.to_string(),
        };
        let _ = writeln!(
            s,
            "  SLO {:<20} threshold {:<10} measured {:<10.4} {}",
            name,
            c.threshold,
            c.actual,
            if c.ok { "ok" } else { "BREACHED" }
        );
    }
    if let Some(p) = &r.privacy {
        for d in &p.designs {
            let _ = writeln!(
                s,
                "  privacy  {:<20} linkable across sensors {:>5.1} %  across days {:>5.1} %  k {:<4} count RMSE {:.1}",
                d.name,
                d.linkable_across_sensors * 100.0,
                d.linkable_across_days.unwrap_or(0.0) * 100.0,
                d.k.map_or_else(|| "-".to_string(), |k| k.to_string()),
                d.count_rmse
            );
        }
    }
    for p in &r.principles {
        let flagged: Vec<&str> = p.checks.iter().filter(|c| c.status != Status::Pass).map(|c| c.id).collect();
        let _ = writeln!(
            s,
            "  principle {:<28} {:<5} {}",
            p.principle,
            format!("{:?}", p.status).to_lowercase(),
            flagged.join(", ")
        );
    }
    let _ = writeln!(
        s,
        "  {:.2} s wall, {:.2} M events/s, results in {}",
        r.run.wall_seconds,
        r.run.events_per_second / 1e6,
        out.display()
    );
    s
}

/// What `validate` says would be simulated.
pub fn plan(sc: &Scenario) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}: valid", sc.file);
    let _ = writeln!(s, "  scenario  {} (seed {}, duration {})", sc.name, sc.seed, sc.duration);
    let place = sc.city.preset.map_or("explicit area".to_string(), |c| {
        format!("{} ({}), origin {:.4}, {:.4}", c.name, c.country, c.latitude, c.longitude)
    });
    let _ = writeln!(s, "  city      {place}; {:.2} km² ({:.0} m square)", sc.city.area_km2, sc.city.side_m);
    for d in &sc.city.districts {
        let _ = writeln!(s, "  district  {:<20} share {:.3}", d.name, d.share);
    }
    let mut total_sensors = 0;
    let mut total_uplinks = 0.0;
    for g in &sc.groups {
        let expected = g.count as f64 * sc.duration.as_secs_f64() / g.report_every.as_secs_f64();
        total_sensors += g.count;
        total_uplinks += expected;
        let _ = writeln!(
            s,
            "  sensors   {:<22} {:>9} x {:<22} every {:<8} {:>4} B {:<8} {:<13} ~{:.0} uplinks",
            g.name,
            g.count,
            g.kind.id,
            g.report_every.to_string(),
            g.payload_bytes,
            g.radio.name(),
            if g.confirmed {
                format!("confirmed x{}", g.transmissions)
            } else {
                format!("NbTrans {}", g.transmissions)
            },
            expected
        );
    }
    for g in &sc.gateways {
        let what = match g.radio {
            crate::scenario::types::RadioKind::Cellular => "cell sites",
            crate::scenario::types::RadioKind::Wifi => "access points",
            _ => "gateways",
        };
        let _ = writeln!(
            s,
            "  {what:<9} {:<22} {:>9} ({:?} placement, backhaul {:?} {})",
            g.name, g.count, g.placement, g.backhaul, g.backhaul_latency
        );
    }
    let l = &sc.lorawan;
    let _ = writeln!(
        s,
        "  lorawan   {:?}, {} channels, {} kHz, CR 4/{}, {:?} interference (inter-SF {}), {:?} path loss, duty cycle {:?}, ADR {}",
        l.region,
        l.channels,
        l.bandwidth_khz,
        l.coding_rate + 4,
        l.interference,
        if l.inter_sf { "on" } else { "off" },
        l.path_loss,
        l.duty_cycle,
        if l.adr.is_some() { "on" } else { "off" }
    );
    for f in &sc.failures {
        let when = match f.timing {
            FailureTiming::Scheduled { at, lasts } if lasts == UNTIL_THE_END => format!("from {at} to the end"),
            FailureTiming::Scheduled { at, lasts } => format!("at {at} for {lasts}"),
            FailureTiming::Random { mtbf, mttr } => format!("random, MTBF {mtbf}, MTTR {mttr}"),
            FailureTiming::UntilRepaired { at } => format!("at {at} until repaired"),
        };
        let what = match (f.kind, f.attack) {
            (FailureKind::Jamming, _) => format!(", +{} dB on the {} band", f.noise_rise_db, f.band.name()),
            (_, Some(a)) => format!(
                ", {:?} ({} of the devices{}), detected {}",
                a.kind,
                f.share,
                if a.flood_factor > 1 { format!(", {} uplinks per reading", a.flood_factor) } else { String::new() },
                a.detect_after.map_or_else(|| "never".to_string(), |d| format!("after {d}"))
            ),
            (FailureKind::Device, _) if f.share < 1.0 => format!(", {} of the sensors", f.share),
            _ => String::new(),
        };
        let _ = writeln!(s, "  failure   {} of {}, {when}{what}", f.kind.name(), f.scope);
    }
    let _ = writeln!(s, "  total     {total_sensors} sensors, ~{total_uplinks:.0} uplinks expected");
    s
}

/// The city presets.
pub fn cities(all: &[City]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<16} {:<18} {:>3} {:>9} {:>10} {:>11} {:>9} {:>9}",
        "id", "name", "cc", "lat", "lon", "population", "km²", "gCO2/kWh"
    );
    for c in all {
        let _ = writeln!(
            s,
            "{:<16} {:<18} {:>3} {:>9.4} {:>10.4} {:>11} {:>9.1} {:>9.1}",
            c.id, c.name, c.country, c.latitude, c.longitude, c.population, c.land_area_km2, c.grid_co2_g_per_kwh
        );
    }
    s
}

/// One ramp stage, a line per design.
pub fn ramp_stage(stage: &RampStage) -> String {
    let mut s = format!(
        "x{:<6} {:>9.1} readings/s generated, radio delivery {:.4}\n",
        stage.factor, stage.generated_per_s, stage.radio_delivery_ratio
    );
    for d in &stage.designs {
        let _ = writeln!(
            s,
            "         {:<24} in {:>9.1}/s  out {:>9.1}/s  ratio {:.4}  p99 {:>10.1} ms  {} {:.0} % busy  {}",
            d.design,
            d.offered_per_s,
            d.delivered_per_s,
            d.delivery_ratio,
            d.p99_ms,
            d.bottleneck,
            d.bottleneck_utilisation * 100.0,
            if d.ok { "ok" } else { "BROKEN" }
        );
    }
    s
}

/// Each design's knee.
pub fn knees(r: &RampReport, out: &Path) -> String {
    let mut s = format!("{} (ramp by {:?})\n", r.scenario, r.by);
    for k in &r.knees {
        let sustained = k.sustained_per_s.map_or_else(|| "nothing".to_string(), |x| format!("{x:.1} readings/s"));
        let broke = match (k.broke_at_per_s, &k.broke_at_hop) {
            (Some(x), Some(h)) => format!("broke at {x:.1}/s ({h})"),
            _ => "never broke".to_string(),
        };
        let _ = writeln!(s, "  knee {:<24} sustained {sustained}, {broke}", k.design);
    }
    let _ = writeln!(s, "  results in {}", out.display());
    s
}
