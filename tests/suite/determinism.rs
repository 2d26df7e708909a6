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
fn the_seed_matters() {
    let a = shipped("scenarios/quickstart.toml", &["scenario.duration=1h"]);
    let b = shipped("scenarios/quickstart.toml", &["scenario.duration=1h", "scenario.seed=8"]);
    assert_ne!(
        fingerprint(&run_with(&a, SimTime::from_secs(10), 2)).0,
        fingerprint(&run_with(&b, SimTime::from_secs(10), 2)).0
    );
}
