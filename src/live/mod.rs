//! Live load testing: the scenario's traffic, on the scenario's timing, sent to a real MQTT
//! broker (`citytwin live`), and the simulated broker calibrated against it (`citytwin
//! calibrate`).
//!
//! Lifecycle: the engine ([`crate::sim`]) runs the scenario (without its pipeline designs) and
//! hands back every uplink the network server received; [`plan`] turns them into MQTT messages
//! (topic and JSON payload per sensor kind) in delivery order; [`engine`] publishes them on the
//! wall clock, compressed by the speed factor, with an open arrival model, while a subscriber in
//! the same process receives them and measures end-to-end latency; [`report`] accounts for
//! every message and builds the `live` block, the live time-series rows and the SLO checks;
//! [`calibrate`] replays the same publishes through the pipeline model's broker hop and reports
//! its error per metric. [`broker`] parses `--broker` URLs and builds client options.

pub mod broker;
pub mod calibrate;
pub mod engine;
pub mod plan;
pub mod readings;
pub mod report;
pub mod template;

pub use engine::{EngineConfig, EngineError, Outcome, Progress, Speed};
pub use plan::Plan;
pub use report::LiveReport;

use crate::metrics::collect::Delivered;
use crate::metrics::report::{Report, SloCheck, SloReport};
use crate::scenario::Scenario;
use crate::sim::{self, RunOptions};

/// Runs the scenario in the engine (pipelines left out: the real broker stands in for them) and
/// returns its report and the send plan.
pub fn prepare(scenario: &Scenario, mut progress: impl FnMut(sim::Progress)) -> (Report, Plan) {
    let mut sc = scenario.clone();
    sc.pipelines.clear();
    let mut uplinks: Vec<Delivered> = Vec::new();
    let mut cb = |p: sim::Progress| progress(p);
    let report =
        sim::run(&sc, RunOptions { progress: Some(&mut cb), uplinks: Some(&mut uplinks), ..Default::default() });
    let plan = Plan::new(&sc, &report, uplinks);
    (report, plan)
}

/// A finished live test.
pub struct LiveRun {
    /// The engine's report with the `live` block, live time-series rows and the live SLO checks.
    pub report: Report,
    /// What was sent.
    pub plan: Plan,
    /// What happened to each message.
    pub outcome: Outcome,
}

/// Publishes `plan` to the broker and folds the results into `report`.
pub fn run(
    scenario: &Scenario,
    mut report: Report,
    plan: Plan,
    cfg: &EngineConfig,
    progress: impl FnMut(Progress),
) -> Result<LiveRun, EngineError> {
    let outcome = engine::run(&plan, cfg, progress)?;
    let speed = match cfg.speed {
        Speed::Max => "max".to_string(),
        Speed::Factor(f) => format!("{f}"),
    };
    let live = report::live_report(
        &plan,
        &outcome,
        cfg.connection.url.to_string(),
        cfg.qos,
        speed,
        cfg.late_after.as_secs_f64() * 1e3,
    );
    let rows = report::live_rows(&plan, &outcome, report.timeseries.bucket_s.max(1e-6));
    report.timeseries.rows.extend(rows);
    report.timeseries.rows.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
    report.slo = live_slo(scenario, &live);
    report.live = Some(live);
    Ok(LiveRun { report, plan, outcome })
}

/// The scenario's SLOs applied to the live results: `live_delivery_min` (received / planned)
/// against `pipeline_delivery_min`, else `delivery_ratio_min`; `live_p99_max_ms` (end-to-end
/// p99) against `pipeline_p99_max`, else `latency_p99_max`.
pub fn live_slo(scenario: &Scenario, live: &LiveReport) -> SloReport {
    let slo = &scenario.slo;
    let mut checks = Vec::new();
    if let Some(min) = slo.pipeline_delivery_min.or(slo.delivery_ratio_min) {
        checks.push(SloCheck {
            name: "live_delivery_min",
            design: Some("live".into()),
            threshold: min,
            actual: live.delivery_ratio,
            ok: live.delivery_ratio >= min,
        });
    }
    if let Some(max) = slo.pipeline_p99_max.or(slo.latency_p99_max) {
        let max_ms = max.0.as_millis_f64();
        checks.push(SloCheck {
            name: "live_p99_max_ms",
            design: Some("live".into()),
            threshold: max_ms,
            actual: live.latency_ms.p99,
            ok: live.latency_ms.p99 <= max_ms,
        });
    }
    let breached = checks.iter().any(|c| !c.ok);
    SloReport { checks, breached }
}
