//! Parameter sweeps: a grid of scenario overrides (each varied key's values, every combination
//! a point) times N replications, run in parallel across cores with rayon.
//!
//! - **Plan**: run `i` is grid point `i / N`, replication `i % N`. The last varied key changes
//!   fastest. Replication 0 runs on the master seed, so it equals `citytwin run --seed MASTER`
//!   with the point's `--set`s; replication r > 0 on a seed derived from (master, r). Every
//!   point shares its replications' seeds (common random numbers), so differences between
//!   points are not blurred by seed noise.
//! - **Results**: each finished run is one record in `runs/`, written atomically. Records carry
//!   nothing that depends on the thread count or the order of completion, so `sweep.csv` and
//!   `aggregate.csv` are identical at any thread count.
//! - **Resume**: a re-run in the same folder skips the runs already recorded.
//! - **Shards**: `--shard i/n` runs the runs with index ≡ i (mod n); `merge` joins shard folders.
//!
//! The folder layout and its files live in [`folder`], statistics in [`stats`], per-run records
//! in [`record`].

pub mod folder;
pub mod record;
pub mod stats;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::model::random::{Purpose, draw};
use crate::scenario::sweep::{DEFAULT_CHART_METRICS, DEFAULT_REPLICATIONS, MAX_RUNS, Param, check_key, planned_runs};
use crate::scenario::{self, Scenario, ScenarioError};
use crate::sim::{self, RunOptions};
use record::RunRecord;

/// What can stop a sweep.
#[derive(Debug, Error)]
pub enum SweepError {
    /// The scenario, at some grid point, is invalid.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// The scenario is invalid at one grid point (a varied key or value).
    #[error("at grid point {point} (from --vary or [sweep]):\n{source}")]
    Point {
        /// The point's overrides.
        point: String,
        /// The problem.
        source: ScenarioError,
    },
    /// The sweep's settings are invalid.
    #[error("{message}\n  hint: {hint}")]
    Invalid {
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: String,
    },
    /// Reading or writing the results folder failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The results could not be written (charts).
    #[error("{0}")]
    Output(#[from] crate::output::OutputError),
}

impl SweepError {
    /// Whether the error is the user's input (exit code 2) rather than a runtime failure.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, SweepError::Scenario(_) | SweepError::Point { .. } | SweepError::Invalid { .. })
    }

    pub(crate) fn invalid(message: impl Into<String>, hint: impl Into<String>) -> Self {
        SweepError::Invalid { message: message.into(), hint: hint.into() }
    }

    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
        move |source| SweepError::Io { path: path.display().to_string(), source }
    }
}

/// Which share of the runs this process runs: those with index ≡ `index` (mod `count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 0-based shard index.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `i/n` with 0 ≤ i < n (0-based, as Slurm's `SLURM_ARRAY_TASK_ID` with `--array=0-N`
    /// and Kubernetes' `JOB_COMPLETION_INDEX` count).
    pub fn parse(text: &str) -> Result<Shard, SweepError> {
        let hint = "write --shard i/n with 0 <= i < n, e.g. --shard 0/4 ... --shard 3/4";
        let (i, n) = text.split_once('/').ok_or_else(|| SweepError::invalid(format!("--shard {text}"), hint))?;
        match (i.trim().parse::<u64>(), n.trim().parse::<u64>()) {
            (Ok(index), Ok(count)) if count > 0 && index < count => Ok(Shard { index, count }),
            _ => Err(SweepError::invalid(format!("--shard {text}: not a shard i/n with 0 <= i < n"), hint)),
        }
    }

    /// Whether run `run` belongs to this shard.
    pub fn has(&self, run: u64) -> bool {
        run % self.count == self.index
    }
}

/// A sweep's plan: the scenario text, the grid and the replications.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Scenario name.
    pub name: String,
    /// Scenario file, as given.
    pub file: String,
    /// Its text; every run reads these same bytes.
    pub text: String,
    /// SHA-256 of the text.
    pub sha256: String,
    /// `--set` overrides applied to every run.
    pub overrides: Vec<String>,
    /// Master seed.
    pub seed: u64,
    /// Varied parameters (the first is the charts' x axis).
    pub params: Vec<Param>,
    /// Replications per point.
    pub replications: u32,
    /// Metrics charted.
    pub chart_metrics: Vec<String>,
}

/// One run of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    /// Run index.
    pub run: u64,
    /// Grid point.
    pub point: u64,
    /// Replication.
    pub replication: u32,
    /// Master seed of the run.
    pub seed: u64,
    /// Index of each parameter's value.
    pub values: Vec<usize>,
}

impl Plan {
    /// Reads the scenario file and builds the plan from its `[sweep]` section, with `vary` (from
    /// `--vary`) replacing its grid and `replications` (from `--reps`) its replications.
    pub fn from_file(
        path: &str,
        overrides: &[String],
        seed: Option<u64>,
        vary: Option<Vec<Param>>,
        replications: Option<u32>,
    ) -> Result<(Plan, Scenario), SweepError> {
        let bytes = std::fs::read(path).map_err(|source| ScenarioError::Io { file: path.to_string(), source })?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let base = scenario::from_str(path, &text, overrides, seed)?;
        let section = base.sweep.clone();
        let params = vary.unwrap_or_else(|| section.as_ref().map(|s| s.vary.clone()).unwrap_or_default());
        let replications = replications.or(section.as_ref().map(|s| s.replications)).unwrap_or(DEFAULT_REPLICATIONS);
        if replications == 0 {
            return Err(SweepError::invalid("--reps 0", "run at least one replication per point, e.g. --reps 10"));
        }
        let chart_metrics =
            section.map(|s| s.metrics).unwrap_or_else(|| DEFAULT_CHART_METRICS.iter().map(|m| m.to_string()).collect());
        let plan = Plan {
            name: base.name.clone(),
            file: path.to_string(),
            sha256: Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect(),
            text,
            overrides: overrides.to_vec(),
            seed: base.seed,
            params,
            replications,
            chart_metrics,
        };
        if planned_runs(&plan.params, plan.replications).is_none_or(|runs| runs > MAX_RUNS) {
            return Err(SweepError::invalid(
                format!("more than {MAX_RUNS} runs planned"),
                "fewer values or replications",
            ));
        }
        Ok((plan, base))
    }

    /// Grid points.
    pub fn points(&self) -> u64 {
        self.params.iter().fold(1u64, |n, p| n.saturating_mul(p.values.len() as u64))
    }

    /// Runs in all (saturating; [`Plan::from_file`] refuses plans beyond [`MAX_RUNS`]).
    pub fn runs(&self) -> u64 {
        self.points().saturating_mul(u64::from(self.replications))
    }

    /// Value indices of grid point `point` (the last parameter changes fastest).
    pub fn values_of(&self, point: u64) -> Vec<usize> {
        let mut rest = point;
        let mut out = vec![0; self.params.len()];
        for (i, p) in self.params.iter().enumerate().rev() {
            let n = p.values.len() as u64;
            out[i] = (rest % n) as usize;
            rest /= n;
        }
        out
    }

    /// Run `run` of the plan.
    pub fn run_spec(&self, run: u64) -> RunSpec {
        let reps = u64::from(self.replications);
        let (point, replication) = (run / reps, (run % reps) as u32);
        RunSpec {
            run,
            point,
            replication,
            seed: replication_seed(self.seed, replication),
            values: self.values_of(point),
        }
    }

    /// The `--set` overrides of grid point `values`: the plan's own, then the point's.
    pub fn sets(&self, values: &[usize]) -> Vec<String> {
        let mut sets = self.overrides.clone();
        sets.extend(self.params.iter().zip(values).map(|(p, v)| format!("{}={}", p.key, p.values[*v].set)));
        sets
    }

    /// The scenario of run `spec`.
    pub fn scenario(&self, spec: &RunSpec) -> Result<Scenario, ScenarioError> {
        let mut sc = scenario::from_str(&self.file, &self.text, &self.sets(&spec.values), Some(spec.seed))?;
        sc.sha256.clone_from(&self.sha256);
        Ok(sc)
    }

    /// Runs `spec` and records what it measured.
    pub fn execute(&self, spec: &RunSpec) -> Result<RunRecord, ScenarioError> {
        let sc = self.scenario(spec)?;
        let report = sim::run(&sc, RunOptions::default());
        Ok(RunRecord {
            run: spec.run,
            point: spec.point,
            replication: spec.replication,
            seed: spec.seed,
            values: self.params.iter().zip(&spec.values).map(|(p, v)| p.values[*v].label.clone()).collect(),
            metrics: record::metrics_of(&report),
        })
    }
}

/// Parses `--vary KEY=a,b,c` flags into parameters, in order.
pub fn parse_vary(flags: &[String]) -> Result<Vec<Param>, SweepError> {
    let mut params: Vec<Param> = Vec::new();
    for flag in flags {
        let hint = "write --vary KEY=a,b,c, e.g. --vary sensors[0].count=500,1000,2000";
        let (key, list) = flag.split_once('=').ok_or_else(|| SweepError::invalid(format!("--vary {flag}"), hint))?;
        let key = key.trim();
        check_key(key, &params).map_err(|(m, h)| SweepError::invalid(format!("--vary {flag}: {m}"), h))?;
        let values: Vec<_> = list
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(scenario::sweep::ParamValue::from_flag)
            .collect();
        if values.is_empty() {
            return Err(SweepError::invalid(format!("--vary {flag}: no values"), hint));
        }
        let param = Param { key: key.to_string(), values };
        if let Some(label) = param.repeated_value() {
            return Err(SweepError::invalid(format!("--vary {flag}: {label} is listed twice"), "list each value once"));
        }
        params.push(param);
    }
    Ok(params)
}

/// The master seed of replication `r`: the sweep's own for r = 0, else one derived from it.
pub fn replication_seed(master: u64, r: u32) -> u64 {
    if r == 0 { master } else { draw(master, Purpose::Replication, u64::from(r), 0) }
}

/// How far a sweep has come.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Runs of this shard finished (including those found finished on resume).
    pub done: u64,
    /// Runs of this shard.
    pub total: u64,
}

/// What a sweep did.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Runs of this shard.
    pub shard_runs: u64,
    /// Runs found already finished (resume).
    pub resumed: u64,
    /// Runs run now.
    pub ran: u64,
    /// Runs of the whole sweep recorded in the folder.
    pub recorded: u64,
    /// Runs of the whole sweep.
    pub total: u64,
    /// Files written by the final step (sweep.csv, aggregate.csv, charts), relative to the folder.
    pub written: Vec<String>,
}

/// Runs the plan's share `shard` into `dir`, skipping runs already recorded there, then writes
/// `sweep.csv` (and, once every run is recorded, `aggregate.csv` and the charts). Every grid
/// point's scenario is checked before anything is run or written.
pub fn sweep(
    plan: &Plan,
    dir: &Path,
    shard: Shard,
    on_progress: &(dyn Fn(Progress) + Sync),
) -> Result<Outcome, SweepError> {
    let mine: Vec<u64> = (0..plan.runs()).filter(|r| shard.has(*r)).collect();
    for point in 0..plan.points() {
        let spec = plan.run_spec(point * u64::from(plan.replications));
        plan.scenario(&spec).map_err(|source| {
            let point = plan.sets(&spec.values)[plan.overrides.len()..].join(" ");
            SweepError::Point { point, source }
        })?;
    }
    let manifest = folder::Manifest::of(plan);
    folder::prepare(dir, &manifest)?;
    let finished = folder::finished_runs(dir, &manifest);
    let todo: Vec<u64> = mine.iter().copied().filter(|r| !finished.contains(r)).collect();
    let resumed = (mine.len() - todo.len()) as u64;
    let done = AtomicU64::new(resumed);
    let total = mine.len() as u64;
    on_progress(Progress { done: resumed, total });
    todo.par_iter().try_for_each(|&run| -> Result<(), SweepError> {
        let record = plan.execute(&plan.run_spec(run))?;
        folder::write_run(dir, &record)?;
        let done = done.fetch_add(1, Ordering::Relaxed) + 1;
        on_progress(Progress { done, total });
        Ok(())
    })?;
    let (recorded, written) = folder::finish(dir, &manifest)?;
    Ok(Outcome { shard_runs: total, resumed, ran: todo.len() as u64, recorded, total: plan.runs(), written })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::sweep::ParamValue;

    fn plan(params: Vec<Param>, replications: u32) -> Plan {
        Plan {
            name: "t".into(),
            file: "t.toml".into(),
            text: String::new(),
            sha256: String::new(),
            overrides: vec!["scenario.duration=\"1h\"".into()],
            seed: 42,
            params,
            replications,
            chart_metrics: vec![],
        }
    }

    fn param(key: &str, values: &[&str]) -> Param {
        Param { key: key.into(), values: values.iter().map(|v| ParamValue::from_flag(v)).collect() }
    }

    #[test]
    fn the_grid_is_enumerated_last_key_fastest() {
        let p = plan(vec![param("a", &["1", "2", "3"]), param("b", &["x", "y"])], 4);
        assert_eq!((p.points(), p.runs()), (6, 24));
        assert_eq!(p.values_of(0), [0, 0]);
        assert_eq!(p.values_of(1), [0, 1]);
        assert_eq!(p.values_of(5), [2, 1]);
        let spec = p.run_spec(9);
        assert_eq!((spec.point, spec.replication, spec.values.clone()), (2, 1, vec![1, 0]));
        assert_eq!(p.sets(&spec.values), ["scenario.duration=\"1h\"", "a=2", "b=\"x\""]);
        // Common random numbers: replication r has the same seed at every point.
        assert_eq!(p.run_spec(1).seed, p.run_spec(5).seed);
        assert_eq!(p.run_spec(0).seed, 42);
        assert_ne!(p.run_spec(1).seed, p.run_spec(2).seed);
        // No parameters: one point.
        assert_eq!(plan(vec![], 3).runs(), 3);
    }

    #[test]
    fn shards_partition_the_runs() {
        let shards: Vec<Shard> = (0..3).map(|i| Shard::parse(&format!("{i}/3")).unwrap()).collect();
        for run in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.has(run)).count(), 1);
        }
        for bad in ["3/3", "1", "a/b", "0/0", "-1/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn vary_flags_parse_and_refuse_mistakes() {
        let p = parse_vary(&["sensors[0].count=100, 200".into(), "scenario.duration=1h,2h".into()]).unwrap();
        assert_eq!(p[0].values.len(), 2);
        assert_eq!(p[1].values[1].set, "\"2h\"");
        assert!(parse_vary(&["sensors[0].count".into()]).is_err());
        assert!(parse_vary(&["scenario.seed=1,2".into()]).is_err());
        assert!(parse_vary(&["a=1".into(), "a=2".into()]).is_err());
        assert!(parse_vary(&["a=,".into()]).is_err());
        assert!(parse_vary(&["a=2,2.0".into()]).is_err());
    }
}
