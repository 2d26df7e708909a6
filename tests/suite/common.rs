//! Helpers shared by the integration tests: build a scenario from text, run it, compare runs.

use citytwin::metrics::Report;
use citytwin::scenario::{self, Scenario};
use citytwin::sim::{self, RunOptions};
use citytwin::time::SimTime;

/// Parses and validates scenario text, panicking with the rendered problems on failure.
pub fn scenario(text: &str) -> Scenario {
    match scenario::from_str("test.toml", text, &[], None) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Loads a shipped scenario file.
pub fn shipped(path: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    match scenario::load(&format!("{}/{path}", env!("CARGO_MANIFEST_DIR")), &sets, None) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Runs with the default step on the current thread pool.
pub fn run(s: &Scenario) -> Report {
    sim::run(s, RunOptions::default())
}

/// Runs with a given engine step on a pool of `threads` threads.
pub fn run_with(s: &Scenario, step: SimTime, threads: usize) -> Report {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    pool.install(|| sim::run(s, RunOptions { step, ..Default::default() }))
}

/// Everything a run produced except the `run` block: summary JSON and time series.
pub fn fingerprint(r: &Report) -> (String, String) {
    let mut v = serde_json::to_value(r).expect("summary serializes");
    v.as_object_mut().expect("object").remove("run");
    let rows: Vec<String> =
        r.timeseries.rows.iter().map(|s| format!("{},{},{},{}", s.time_s, s.metric, s.scope, s.value)).collect();
    (v.to_string(), rows.join("\n"))
}
