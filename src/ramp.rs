//! The load ramp: the scenario is run again and again with its load raised stage by stage (more
//! sensors, or faster reports), every pipeline design on the same traffic at each stage, until
//! every design has broken its pipeline SLO or the stages run out. A design's **knee** is the
//! highest load (readings per second entering the pipeline) it sustained within its SLO; the
//! stage after it is where it broke.
//!
//! The SLO is the scenario's `pipeline_delivery_min` and `pipeline_p99_max`; with neither, the
//! ramp holds designs to delivering [`DEFAULT_DELIVERY_MIN`] of what enters them.

use serde::{Deserialize, Serialize};

use crate::metrics::Report;
use crate::output::timeseries::quote_field;
use crate::scenario::Scenario;
use crate::sim::{self, RunOptions};
use crate::time::SimTime;

/// Schema of `ramp.json`.
pub const RAMP_SCHEMA: &str = "citytwin.ramp/1";
/// Delivery objective when the scenario sets no pipeline SLO.
pub const DEFAULT_DELIVERY_MIN: f64 = 0.99;
/// Load multipliers tried by default: doubling from the scenario's own load.
pub const DEFAULT_FACTORS: [f64; 8] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

/// What the ramp raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RampBy {
    /// Sensor counts of every group.
    Count,
    /// Report rate of every group (intervals divided by the factor).
    Rate,
}

/// One design at one stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RampPoint {
    /// Design name.
    pub design: String,
    /// Readings entering the pipeline per second.
    pub offered_per_s: f64,
    /// Readings out of its last hop per second.
    pub delivered_per_s: f64,
    /// Share of readings in that came out.
    pub delivery_ratio: f64,
    /// End-to-end p99 latency from the readings' intended times, ms.
    pub p99_ms: f64,
    /// Busiest hop.
    pub bottleneck: String,
    /// Its utilisation.
    pub bottleneck_utilisation: f64,
    /// Whether the design met its SLO.
    pub ok: bool,
}

/// One stage of the ramp.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RampStage {
    /// Load multiplier.
    pub factor: f64,
    /// Readings the sensors generated per second.
    pub generated_per_s: f64,
    /// Radio delivery ratio (readings reaching the network server).
    pub radio_delivery_ratio: f64,
    /// Every design at this load.
    pub designs: Vec<RampPoint>,
}

/// Where a design broke.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Knee {
    /// Design name.
    pub design: String,
    /// Highest readings per second entering the pipeline that it sustained within its SLO
    /// (None: it broke at the first stage).
    pub sustained_per_s: Option<f64>,
    /// The factor of the first stage it broke at (None: it never broke).
    pub broke_at_factor: Option<f64>,
    /// The load it broke at, readings per second.
    pub broke_at_per_s: Option<f64>,
    /// Its busiest hop when it broke.
    pub broke_at_hop: Option<String>,
}

/// `ramp.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RampReport {
    /// Always [`RAMP_SCHEMA`].
    pub schema: String,
    /// Scenario name.
    pub scenario: String,
    /// What was raised.
    pub by: RampBy,
    /// The delivery objective applied.
    pub delivery_min: f64,
    /// The p99 objective applied, ms (None: none).
    pub p99_max_ms: Option<f64>,
    /// Every stage run.
    pub stages: Vec<RampStage>,
    /// Each design's knee.
    pub knees: Vec<Knee>,
}

/// The scenario with its load multiplied by `factor`.
pub fn scaled(sc: &Scenario, by: RampBy, factor: f64) -> Scenario {
    let mut s = sc.clone();
    for g in &mut s.groups {
        match by {
            RampBy::Count => g.count = ((g.count as f64 * factor).round() as u64).max(1),
            RampBy::Rate => {
                g.report_every = SimTime(((g.report_every.0 as f64 / factor).round() as u64).max(1));
                g.jitter = SimTime((g.jitter.0 as f64 / factor).round() as u64);
            }
        }
    }
    s
}

/// Runs the ramp over `factors` (ascending), stopping once every design has broken. `on_stage`
/// hears about each stage as it finishes.
pub fn ramp(sc: &Scenario, by: RampBy, factors: &[f64], mut on_stage: impl FnMut(&RampStage)) -> RampReport {
    let delivery_min = sc.slo.pipeline_delivery_min.unwrap_or(if sc.slo.pipeline_p99_max.is_some() {
        0.0
    } else {
        DEFAULT_DELIVERY_MIN
    });
    let p99_max_ms = sc.slo.pipeline_p99_max.map(|d| d.0.as_millis_f64());
    let mut stages = Vec::new();
    for &factor in factors {
        let r = sim::run(&scaled(sc, by, factor), RunOptions::default());
        let stage = stage_of(&r, factor, delivery_min, p99_max_ms);
        on_stage(&stage);
        let all_broke = stage.designs.iter().all(|d| !d.ok);
        stages.push(stage);
        if all_broke {
            break;
        }
    }
    let names: Vec<String> = sc.pipelines.iter().map(|d| d.name.clone()).collect();
    let knees = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let points: Vec<(&RampStage, &RampPoint)> = stages.iter().map(|s| (s, &s.designs[i])).collect();
            let broke = points.iter().find(|(_, p)| !p.ok);
            let sustained = points
                .iter()
                .take_while(|(_, p)| p.ok)
                .map(|(_, p)| p.offered_per_s)
                .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
            Knee {
                design: name.clone(),
                sustained_per_s: sustained,
                broke_at_factor: broke.map(|(s, _)| s.factor),
                broke_at_per_s: broke.map(|(_, p)| p.offered_per_s),
                broke_at_hop: broke.map(|(_, p)| p.bottleneck.clone()),
            }
        })
        .collect();
    RampReport { schema: RAMP_SCHEMA.into(), scenario: sc.name.clone(), by, delivery_min, p99_max_ms, stages, knees }
}

/// One stage's figures from a run.
fn stage_of(r: &Report, factor: f64, delivery_min: f64, p99_max_ms: Option<f64>) -> RampStage {
    let secs = r.simulated_seconds.max(1e-9);
    let designs = r
        .pipeline
        .as_ref()
        .map(|p| {
            p.comparison
                .iter()
                .map(|d| RampPoint {
                    design: d.name.clone(),
                    offered_per_s: d.readings_in as f64 / secs,
                    delivered_per_s: d.readings_out as f64 / secs,
                    delivery_ratio: d.delivery_ratio,
                    p99_ms: d.latency_ms.p99,
                    bottleneck: d.bottleneck.clone(),
                    bottleneck_utilisation: d.bottleneck_utilisation,
                    ok: d.delivery_ratio >= delivery_min && p99_max_ms.is_none_or(|m| d.latency_ms.p99 <= m),
                })
                .collect()
        })
        .unwrap_or_default();
    RampStage {
        factor,
        generated_per_s: r.uplinks.generated as f64 / secs,
        radio_delivery_ratio: r.uplinks.delivery_ratio,
        designs,
    }
}

/// `ramp.csv`: one row per stage and design.
pub fn csv(r: &RampReport) -> String {
    let mut out = String::from(
        "factor,design,offered_per_s,delivered_per_s,delivery_ratio,p99_ms,bottleneck,bottleneck_utilisation,ok\n",
    );
    for s in &r.stages {
        for d in &s.designs {
            out.push_str(&format!(
                "{},{},{:.3},{:.3},{:.6},{:.3},{},{:.4},{}\n",
                s.factor,
                quote_field(&d.design),
                d.offered_per_s,
                d.delivered_per_s,
                d.delivery_ratio,
                d.p99_ms,
                quote_field(&d.bottleneck),
                d.bottleneck_utilisation,
                d.ok
            ));
        }
    }
    out
}
