//! Same scenario and seed give identical results (apart from the `run` block) whatever the
//! thread count or engine step width; a different seed gives different results.

use citytwin::time::SimTime;

use crate::common::{fingerprint, run_with, shipped};

#[test]
fn identical_across_runs_threads_and_step_widths() {
    let s = shipped("scenarios/quickstart.toml", &["scenario.duration=3h"]);
    let base = fingerprint(&run_with(&s, SimTime::from_secs(10), 1));
    assert_eq!(base, fingerprint(&run_with(&s, SimTime::from_secs(10), 1)), "two runs");
    assert_eq!(base, fingerprint(&run_with(&s, SimTime::from_secs(10), 2)), "1 vs 2 threads");
    assert_eq!(base, fingerprint(&run_with(&s, SimTime::from_secs(1), 2)), "1 s steps");
    assert_eq!(base, fingerprint(&run_with(&s, SimTime::from_secs(97), 2)), "97 s steps");
}

#[test]
fn failures_attacks_and_pipelines_are_identical_across_threads_and_step_widths() {
    // Every failure kind, the resilience grid and three pipeline designs.
    let bad = shipped("scenarios/bad-day.toml", &["scenario.duration=16h"]);
    let base = fingerprint(&run_with(&bad, SimTime::from_secs(10), 1));
    assert_eq!(base, fingerprint(&run_with(&bad, SimTime::from_secs(10), 2)), "bad day: 1 vs 2 threads");
    assert_eq!(base, fingerprint(&run_with(&bad, SimTime::from_secs(3), 2)), "bad day: 3 s steps");
    let designs = shipped("scenarios/gateway-designs.toml", &["scenario.duration=10m", "sensors[0].count=8000"]);
    let base = fingerprint(&run_with(&designs, SimTime::from_secs(10), 1));
    assert_eq!(base, fingerprint(&run_with(&designs, SimTime::from_secs(10), 2)), "designs: 1 vs 2 threads");
    assert_eq!(base, fingerprint(&run_with(&designs, SimTime::from_secs(1), 2)), "designs: 1 s steps");
    assert_eq!(base, fingerprint(&run_with(&designs, SimTime::from_secs(60), 2)), "designs: 60 s steps");
}

#[test]
fn the_seed_matters() {
    let a = shipped("scenarios/quickstart.toml", &["scenario.duration=1h"]);
    let b = shipped("scenarios/quickstart.toml", &["scenario.duration=1h", "scenario.seed=8"]);
    assert_ne!(
        fingerprint(&run_with(&a, SimTime::from_secs(10), 2)).0,
        fingerprint(&run_with(&b, SimTime::from_secs(10), 2)).0
    );
}

#[test]
fn a_sparse_decade_runs_on_events_not_steps() {
    // 20 water meters reporting daily for ten years: 73,000 readings (each meter's first report
    // falls in its first day, then one a day), over 31.5 M ten-second steps that the engine
    // jumps over when nothing is on the air.
    let s = crate::common::scenario(
        r#"
[scenario]
name = "decade"
duration = "3650d"
[city]
preset = "seattle"
area_km2 = 1.0
[[sensors]]
kind = "smart_meter_water"
count = 20
report_every = "1d"
jitter = "0s"
[[gateways]]
count = 1
[output]
bucket = "30d"
"#,
    );
    let r = crate::common::run(&s);
    assert_eq!(r.uplinks.generated, 20 * 3650);
    assert_eq!(r.uplinks.delivered, r.uplinks.generated, "1 km² around one gateway is all in range");
}
