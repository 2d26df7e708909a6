//! A sweep's results folder:
//!
//! - `sweep.json`: the manifest (scenario and its SHA-256, overrides, master seed, grid,
//!   replications, metric names). A re-run or a merge must match it.
//! - `runs/<run>.json`: one record per finished run, written to a hidden temporary file and
//!   renamed into place, so a killed sweep never leaves a half-written record (stale temporary
//!   files are removed on the next start).
//! - `sweep.csv`: one row per recorded run (`run,point,replication,seed`, the varied keys, then
//!   every metric), in run order.
//! - `aggregate.csv`: once every run is recorded, one row per grid point and metric
//!   (`point`, the varied keys, `metric,n,mean,sd,ci95_low,ci95_high`).
//! - `charts/`: each charted metric against the first varied key with 95 % CI bands, and the
//!   histogram of its runs.
//!
//! Also `merge` (shard folders into one) and the re-rendering of the charts from `sweep.csv`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::record::RunRecord;
use super::stats::{Estimate, estimate};
use super::{Plan, SweepError};
use crate::output::atomic::write_dir_atomically;
use crate::output::charts::sweep::{SweepPlot, SweepPoint, SweepSeries, write_sweep_charts};
use crate::output::timeseries::{format_number, quote_field};
use crate::scenario::sweep::{METRICS, Param, planned_runs};

/// Schema of `sweep.json`.
pub const MANIFEST_SCHEMA: &str = "citytwin.sweep/1";
/// The manifest's file name.
pub const MANIFEST: &str = "sweep.json";
/// The per-run records' folder.
pub const RUNS: &str = "runs";
/// One row per run.
pub const SWEEP_CSV: &str = "sweep.csv";
/// One row per grid point and metric.
pub const AGGREGATE_CSV: &str = "aggregate.csv";
/// The charts' folder.
pub const CHARTS: &str = "charts";

/// `sweep.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_SCHEMA`].
    pub schema: String,
    /// The version that planned the sweep; runs of another version are not mixed in.
    pub citytwin_version: String,
    /// The build that planned it (git commit, `-dirty-<hash>` for uncommitted changes): runs
    /// of another build are not mixed in either, since code changes between versions too.
    #[serde(default)]
    pub citytwin_build: String,
    /// Scenario name.
    pub name: String,
    /// Scenario file as given (not compared: shards may run from different folders).
    pub file: String,
    /// SHA-256 of the scenario file.
    pub sha256: String,
    /// `--set` overrides of every run.
    pub overrides: Vec<String>,
    /// Master seed.
    pub seed: u64,
    /// Replications per point.
    pub replications: u32,
    /// The grid.
    pub params: Vec<Param>,
    /// Runs in all.
    pub runs: u64,
    /// Every metric recorded, in column order.
    pub metrics: Vec<String>,
    /// Metrics charted.
    pub chart_metrics: Vec<String>,
}

impl Manifest {
    /// The manifest of `plan`.
    pub fn of(plan: &Plan) -> Manifest {
        Manifest {
            schema: MANIFEST_SCHEMA.into(),
            citytwin_version: env!("CARGO_PKG_VERSION").into(),
            citytwin_build: env!("CITYTWIN_BUILD").into(),
            name: plan.name.clone(),
            file: plan.file.clone(),
            sha256: plan.sha256.clone(),
            overrides: plan.overrides.clone(),
            seed: plan.seed,
            replications: plan.replications,
            params: plan.params.clone(),
            runs: plan.runs(),
            metrics: METRICS.iter().map(|(m, _)| m.to_string()).collect(),
            chart_metrics: plan.chart_metrics.clone(),
        }
    }

    /// The plan it describes, without the scenario text (enough to enumerate runs).
    fn plan(&self) -> Plan {
        Plan {
            name: self.name.clone(),
            file: self.file.clone(),
            text: String::new(),
            sha256: self.sha256.clone(),
            overrides: self.overrides.clone(),
            seed: self.seed,
            params: self.params.clone(),
            replications: self.replications,
            chart_metrics: self.chart_metrics.clone(),
        }
    }

    /// The first field in which `other` plans a different sweep (the file path aside).
    fn differs(&self, other: &Manifest) -> Option<&'static str> {
        let fields: [(&str, bool); 10] = [
            ("schema", self.schema == other.schema),
            ("citytwin version", self.citytwin_version == other.citytwin_version),
            ("citytwin build", self.citytwin_build == other.citytwin_build),
            ("scenario file contents (SHA-256)", self.sha256 == other.sha256),
            ("--set overrides", self.overrides == other.overrides),
            ("master seed", self.seed == other.seed),
            ("replications", self.replications == other.replications),
            ("varied parameters", self.params == other.params),
            ("metrics", self.metrics == other.metrics),
            ("charted metrics", self.chart_metrics == other.chart_metrics),
        ];
        fields.iter().find(|(_, same)| !same).map(|(name, _)| *name)
    }

    /// Whether `r` is the record this manifest's plan expects for its run.
    fn expects(&self, plan: &Plan, r: &RunRecord) -> bool {
        if r.run >= self.runs || r.metrics.len() != self.metrics.len() {
            return false;
        }
        let spec = plan.run_spec(r.run);
        let labels: Vec<&str> =
            self.params.iter().zip(&spec.values).map(|(p, v)| p.values[*v].label.as_str()).collect();
        spec.point == r.point && spec.replication == r.replication && spec.seed == r.seed && labels == r.values
    }
}

/// Writes `bytes` to `path` through a hidden temporary sibling and a rename, so readers never
/// see it half-written.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SweepError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    fs::write(&tmp, bytes).map_err(SweepError::io(&tmp))?;
    fs::rename(&tmp, path).map_err(SweepError::io(path))
}

fn read_manifest(dir: &Path) -> Result<Option<Manifest>, SweepError> {
    if dir.exists() && !dir.is_dir() {
        return Err(SweepError::invalid(format!("{} is a file, not a folder", dir.display()), "give a folder path"));
    }
    let path = dir.join(MANIFEST);
    let bad = |why: String| {
        SweepError::invalid(format!("{}: not a valid sweep manifest ({why})", path.display()), "use another folder")
    };
    match fs::read_to_string(&path) {
        Ok(text) => {
            let m: Manifest = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
            // A hand-edited manifest must still describe a plan that can be enumerated.
            if m.replications == 0 || m.params.iter().any(|p| p.values.is_empty()) {
                return Err(bad("a parameter without values, or no replications".into()));
            }
            if planned_runs(&m.params, m.replications) != Some(m.runs) || m.metrics.len() != METRICS.len() {
                return Err(bad("its run or metric counts do not match its grid".into()));
            }
            Ok(Some(m))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            Err(SweepError::invalid(format!("{}: a part of it is a file", dir.display()), "give a folder path"))
        }
        Err(e) => Err(SweepError::io(&path)(e)),
    }
}

/// Creates `dir` and `dir/runs` for `manifest`, or checks that an existing folder holds the same
/// sweep (to resume it); removes stale temporary files.
pub fn prepare(dir: &Path, manifest: &Manifest) -> Result<(), SweepError> {
    match read_manifest(dir)? {
        Some(found) => {
            if let Some(field) = manifest.differs(&found) {
                return Err(SweepError::invalid(
                    format!("{} holds another sweep: its {field} differ", dir.display()),
                    "resume with the same scenario, flags and citytwin build, or give another --out folder",
                ));
            }
        }
        None if dir.exists() && fs::read_dir(dir).map_err(SweepError::io(dir))?.next().is_some() => {
            return Err(SweepError::invalid(
                format!("{} exists and is not a sweep folder", dir.display()),
                "give an empty or new --out folder",
            ));
        }
        None => {
            fs::create_dir_all(dir).map_err(SweepError::io(dir))?;
            let text = serde_json::to_string_pretty(manifest).unwrap_or_default() + "\n";
            write_atomic(&dir.join(MANIFEST), text.as_bytes())?;
        }
    }
    let runs = dir.join(RUNS);
    fs::create_dir_all(&runs).map_err(SweepError::io(&runs))?;
    for entry in fs::read_dir(&runs).map_err(SweepError::io(&runs))?.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(())
}

fn run_path(dir: &Path, run: u64) -> PathBuf {
    dir.join(RUNS).join(format!("{run:08}.json"))
}

/// Records one finished run.
pub fn write_run(dir: &Path, record: &RunRecord) -> Result<(), SweepError> {
    let text = serde_json::to_string(record).unwrap_or_default() + "\n";
    write_atomic(&run_path(dir, record.run), text.as_bytes())
}

/// Every valid record in `dir/runs` (a file that does not parse, or is not what the plan
/// expects for its run, is ignored and will be run again), by run index.
pub fn records(dir: &Path, manifest: &Manifest) -> BTreeMap<u64, RunRecord> {
    let plan = manifest.plan();
    let mut out = BTreeMap::new();
    let Ok(entries) = fs::read_dir(dir.join(RUNS)) else { return out };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(run) = name.strip_suffix(".json").and_then(|n| n.parse::<u64>().ok()) else { continue };
        let Ok(text) = fs::read_to_string(entry.path()) else { continue };
        if let Ok(r) = serde_json::from_str::<RunRecord>(&text)
            && r.run == run
            && manifest.expects(&plan, &r)
        {
            out.insert(run, r);
        }
    }
    out
}

/// Indices of the runs recorded in `dir`.
pub fn finished_runs(dir: &Path, manifest: &Manifest) -> BTreeSet<u64> {
    records(dir, manifest).into_keys().collect()
}

/// Writes `sweep.csv` from the records in `dir`, and `aggregate.csv` and the charts once all are
/// there. Returns how many runs are recorded and the files written.
pub fn finish(dir: &Path, manifest: &Manifest) -> Result<(u64, Vec<String>), SweepError> {
    let records: Vec<RunRecord> = records(dir, manifest).into_values().collect();
    let mut written = vec![SWEEP_CSV.to_string()];
    write_atomic(&dir.join(SWEEP_CSV), sweep_csv(manifest, &records).as_bytes())?;
    let complete = records.len() as u64 == manifest.runs;
    let aggregate = dir.join(AGGREGATE_CSV);
    if complete {
        let stats = aggregate_of(manifest, &records);
        write_atomic(&aggregate, aggregate_csv(manifest, &stats).as_bytes())?;
        written.push(AGGREGATE_CSV.into());
        written.extend(write_charts(dir, manifest, &records)?);
    } else if aggregate.exists() {
        fs::remove_file(&aggregate).map_err(SweepError::io(&aggregate))?;
    }
    Ok((records.len() as u64, written))
}

/// `sweep.csv`: one row per record.
pub fn sweep_csv(manifest: &Manifest, records: &[RunRecord]) -> String {
    let mut out = String::from("run,point,replication,seed");
    for p in &manifest.params {
        out.push(',');
        out.push_str(&quote_field(&p.key));
    }
    for m in &manifest.metrics {
        out.push(',');
        out.push_str(m);
    }
    out.push('\n');
    for r in records {
        let _ = write!(out, "{},{},{},{}", r.run, r.point, r.replication, r.seed);
        for v in &r.values {
            out.push(',');
            out.push_str(&quote_field(v));
        }
        for m in &r.metrics {
            out.push(',');
            out.push_str(&m.map(format_number).unwrap_or_default());
        }
        out.push('\n');
    }
    out
}

/// One grid point's estimates, one per metric.
#[derive(Clone, Debug)]
pub struct PointStats {
    /// Grid point.
    pub point: u64,
    /// Its value labels.
    pub values: Vec<String>,
    /// Estimate of each metric, in manifest order.
    pub metrics: Vec<Estimate>,
    /// Each metric's per-run values, in replication order.
    pub runs: Vec<Vec<f64>>,
}

/// The estimates of every grid point from `records`.
pub fn aggregate_of(manifest: &Manifest, records: &[RunRecord]) -> Vec<PointStats> {
    let mut points: BTreeMap<u64, PointStats> = BTreeMap::new();
    for r in records {
        let p = points.entry(r.point).or_insert_with(|| PointStats {
            point: r.point,
            values: r.values.clone(),
            metrics: Vec::new(),
            runs: vec![Vec::new(); manifest.metrics.len()],
        });
        for (i, m) in r.metrics.iter().enumerate() {
            if let (Some(v), Some(list)) = (m, p.runs.get_mut(i)) {
                list.push(*v);
            }
        }
    }
    let mut out: Vec<PointStats> = points.into_values().collect();
    for p in &mut out {
        p.metrics = p.runs.iter().map(|xs| estimate(xs)).collect();
    }
    out
}

/// `aggregate.csv`: one row per grid point and metric.
pub fn aggregate_csv(manifest: &Manifest, stats: &[PointStats]) -> String {
    let mut out = String::from("point");
    for p in &manifest.params {
        out.push(',');
        out.push_str(&quote_field(&p.key));
    }
    out.push_str(",metric,n,mean,sd,ci95_low,ci95_high\n");
    let num = |x: f64| format_number(x);
    for p in stats {
        for (metric, e) in manifest.metrics.iter().zip(&p.metrics) {
            let _ = write!(out, "{}", p.point);
            for v in &p.values {
                out.push(',');
                out.push_str(&quote_field(v));
            }
            let (lo, hi) = e.ci.map_or((String::new(), String::new()), |(l, h)| (num(l), num(h)));
            let _ = writeln!(out, ",{metric},{},{},{},{lo},{hi}", e.n, num(e.mean), num(e.sd));
        }
    }
    out
}

/// The sweep charts of `records`, rendered into `dir/charts` all or nothing.
fn write_charts(dir: &Path, manifest: &Manifest, records: &[RunRecord]) -> Result<Vec<String>, SweepError> {
    let plots = plots(manifest, &aggregate_of(manifest, records));
    let mut stems = Vec::new();
    write_dir_atomically(&dir.join(CHARTS), |staging| {
        stems = write_sweep_charts(&plots, staging)?;
        Ok(())
    })?;
    Ok(stems.into_iter().map(|s| format!("{CHARTS}/{s}.svg")).collect())
}

/// One chart per charted metric: the first varied key on the x axis, a line per combination of
/// the others.
pub fn plots(manifest: &Manifest, stats: &[PointStats]) -> Vec<SweepPlot> {
    let x_param = manifest.params.first();
    let x_numeric = x_param.is_some_and(|p| p.values.iter().all(|v| v.number.is_some()));
    manifest
        .chart_metrics
        .iter()
        .filter_map(|metric| {
            let m = manifest.metrics.iter().position(|n| n == metric)?;
            let label = METRICS.iter().find(|(n, _)| n == metric).map_or(metric.as_str(), |(_, d)| d);
            let mut series: Vec<SweepSeries> = Vec::new();
            for p in stats {
                let rest: Vec<String> =
                    manifest.params.iter().zip(&p.values).skip(1).map(|(k, v)| format!("{}={v}", k.key)).collect();
                let series_label = rest.join(", ");
                let (x, x_label) = match x_param {
                    Some(param) => {
                        let i = param.values.iter().position(|v| Some(&v.label) == p.values.first()).unwrap_or(0);
                        let x = if x_numeric { param.values[i].number.unwrap_or(i as f64) } else { i as f64 };
                        (x, param.values[i].label.clone())
                    }
                    None => (0.0, "all runs".to_string()),
                };
                let e = p.metrics[m];
                let point = SweepPoint {
                    x,
                    x_label,
                    mean: e.mean.is_finite().then_some(e.mean),
                    ci_low: e.ci.map(|c| c.0),
                    ci_high: e.ci.map(|c| c.1),
                    runs: p.runs[m].clone(),
                };
                match series.iter_mut().find(|s| s.label == series_label) {
                    Some(s) => s.points.push(point),
                    None => series.push(SweepSeries { label: series_label, points: vec![point] }),
                }
            }
            for s in &mut series {
                s.points.sort_by(|a, b| a.x.total_cmp(&b.x));
            }
            Some(SweepPlot {
                scenario: manifest.name.clone(),
                metric: metric.clone(),
                metric_label: label.to_string(),
                x_param: x_param.map_or_else(|| "(no varied parameter)".to_string(), |p| p.key.clone()),
                x_numeric,
                replications: manifest.replications,
                series,
            })
        })
        .collect()
}

/// Joins shard folders into `out`: every input must hold the same sweep, and together all its
/// runs. Nothing is written unless they do.
pub fn merge(out: &Path, inputs: &[PathBuf]) -> Result<(u64, Vec<String>), SweepError> {
    let mut manifest: Option<Manifest> = None;
    let mut all: BTreeMap<u64, RunRecord> = BTreeMap::new();
    for input in inputs {
        let found = read_manifest(input)?.ok_or_else(|| {
            SweepError::invalid(
                format!("{}: no {MANIFEST}; not a sweep folder", input.display()),
                "give the --out folders of `citytwin sweep --shard i/n`",
            )
        })?;
        if let Some(first) = &manifest
            && let Some(field) = first.differs(&found)
        {
            return Err(SweepError::invalid(
                format!("{} holds another sweep than {}: its {field} differ", input.display(), inputs[0].display()),
                "merge only the shards of one sweep (same scenario, flags, seed and citytwin build)",
            ));
        }
        for (run, r) in records(input, &found) {
            if all.get(&run).is_some_and(|old| *old != r) {
                return Err(SweepError::invalid(
                    format!("run {run} differs between shards (at {})", input.display()),
                    "the shards were run with different builds; rerun one of them",
                ));
            }
            all.insert(run, r);
        }
        manifest.get_or_insert(found);
    }
    let Some(manifest) = manifest else {
        return Err(SweepError::invalid("nothing to merge", "give the shard folders, e.g. shard-0 shard-1"));
    };
    let missing: Vec<u64> = (0..manifest.runs).filter(|r| !all.contains_key(r)).collect();
    if !missing.is_empty() {
        let first: Vec<String> = missing.iter().take(8).map(u64::to_string).collect();
        return Err(SweepError::invalid(
            format!(
                "{} of {} runs are missing (runs {}{})",
                missing.len(),
                manifest.runs,
                first.join(", "),
                if missing.len() > 8 { ", …" } else { "" }
            ),
            "run the missing shards (or resume the interrupted ones) and merge again",
        ));
    }
    prepare(out, &manifest)?;
    for r in all.values() {
        write_run(out, r)?;
    }
    finish(out, &manifest)
}

/// Re-renders a sweep folder's charts from its `sweep.csv`.
pub fn replot(dir: &Path) -> Result<Vec<String>, SweepError> {
    let manifest = read_manifest(dir)?
        .ok_or_else(|| SweepError::invalid(format!("{}: no {MANIFEST}", dir.display()), "give a sweep folder"))?;
    let path = dir.join(SWEEP_CSV);
    let text = fs::read_to_string(&path).map_err(SweepError::io(&path))?;
    let records = parse_sweep_csv(&manifest, &text).map_err(|(line, message)| {
        SweepError::invalid(format!("{}:{line}: {message}", path.display()), "rerun `citytwin sweep` to rewrite it")
    })?;
    write_charts(dir, &manifest, &records)
}

/// Reads `sweep.csv` back into records; an error names the line.
pub fn parse_sweep_csv(manifest: &Manifest, text: &str) -> Result<Vec<RunRecord>, (usize, String)> {
    let mut lines = text.lines().enumerate();
    let expected = sweep_csv(manifest, &[]);
    match lines.next() {
        Some((_, header)) if header == expected.trim_end() => {}
        _ => return Err((1, format!("expected the header `{}`", expected.trim_end()))),
    }
    let plan = manifest.plan();
    let k = manifest.params.len();
    let columns = 4 + k + manifest.metrics.len();
    let mut out = Vec::new();
    for (i, line) in lines {
        let fields = split_csv(line);
        if fields.len() != columns {
            return Err((i + 1, format!("{} fields, expected {columns}", fields.len())));
        }
        let int = |s: &str| s.parse::<u64>().map_err(|_| (i + 1, format!("`{s}` is not a whole number")));
        let mut metrics = Vec::with_capacity(manifest.metrics.len());
        for f in &fields[4 + k..] {
            metrics.push(if f.is_empty() {
                None
            } else {
                Some(f.parse::<f64>().map_err(|_| (i + 1, format!("`{f}` is not a number")))?)
            });
        }
        let replication = u32::try_from(int(&fields[2])?)
            .map_err(|_| (i + 1, format!("replication `{}` is too large", fields[2])))?;
        let record = RunRecord {
            run: int(&fields[0])?,
            point: int(&fields[1])?,
            replication,
            seed: int(&fields[3])?,
            values: fields[4..4 + k].to_vec(),
            metrics,
        };
        if !manifest.expects(&plan, &record) {
            return Err((i + 1, format!("run {} is not what sweep.json plans for it", record.run)));
        }
        if out.last().is_some_and(|r: &RunRecord| r.run >= record.run) {
            return Err((i + 1, format!("run {} is out of order or listed twice", record.run)));
        }
        out.push(record);
    }
    if out.len() as u64 != manifest.runs {
        return Err((text.lines().count(), format!("{} of {} runs are listed", out.len(), manifest.runs)));
    }
    Ok(out)
}

/// The fields of one CSV line (RFC 4180 quoting).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::sweep::ParamValue;

    fn manifest() -> Manifest {
        let plan = Plan {
            name: "t".into(),
            file: "t.toml".into(),
            text: String::new(),
            sha256: "ab".into(),
            overrides: vec![],
            seed: 1,
            params: vec![Param {
                key: "a,b".into(),
                values: vec![ParamValue::from_flag("1"), ParamValue::from_flag("x,\"y\"")],
            }],
            replications: 2,
            chart_metrics: vec!["delivery_ratio".into()],
        };
        Manifest::of(&plan)
    }

    fn record(m: &Manifest, run: u64) -> RunRecord {
        let spec = m.plan().run_spec(run);
        RunRecord {
            run,
            point: spec.point,
            replication: spec.replication,
            seed: spec.seed,
            values: m.params.iter().zip(&spec.values).map(|(p, v)| p.values[*v].label.clone()).collect(),
            metrics: (0..m.metrics.len()).map(|i| (i % 3 != 0).then_some(run as f64 + i as f64 / 7.0)).collect(),
        }
    }

    #[test]
    fn sweep_csv_reads_back_exactly() {
        let m = manifest();
        let records: Vec<RunRecord> = (0..4).map(|r| record(&m, r)).collect();
        let text = sweep_csv(&m, &records);
        assert_eq!(parse_sweep_csv(&m, &text).unwrap(), records);
        let broken = text.replacen("\n0,0,0", "\nx,0,0", 1);
        assert_eq!(parse_sweep_csv(&m, &broken).unwrap_err().0, 2);
        // A row the plan does not expect, a repeated run, or a missing one is refused.
        let other_seed = text.replacen(&format!(",{},", records[1].seed), ",7,", 1);
        assert!(parse_sweep_csv(&m, &other_seed).unwrap_err().1.contains("not what sweep.json plans"));
        let lines: Vec<&str> = text.lines().collect();
        let repeated = [lines[0], lines[1], lines[1], lines[2], lines[3]].join("\n");
        assert!(parse_sweep_csv(&m, &repeated).unwrap_err().1.contains("listed twice"));
        let short = lines[..3].join("\n");
        assert!(parse_sweep_csv(&m, &short).unwrap_err().1.contains("2 of 4 runs"));
    }

    #[test]
    fn records_that_do_not_match_the_plan_are_not_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let m = manifest();
        prepare(tmp.path(), &m).unwrap();
        write_run(tmp.path(), &record(&m, 0)).unwrap();
        let mut wrong = record(&m, 1);
        wrong.seed += 1;
        write_run(tmp.path(), &wrong).unwrap();
        fs::write(tmp.path().join(RUNS).join("00000002.json"), "{\"run\": 2, \"poi").unwrap();
        fs::write(tmp.path().join(RUNS).join(".00000003.json.tmp-1"), "{").unwrap();
        assert_eq!(finished_runs(tmp.path(), &m).into_iter().collect::<Vec<_>>(), [0]);
        // A new start removes the stale temporary file; a different sweep is refused.
        prepare(tmp.path(), &m).unwrap();
        assert!(!tmp.path().join(RUNS).join(".00000003.json.tmp-1").exists());
        let mut other = m.clone();
        other.seed = 2;
        let err = prepare(tmp.path(), &other).unwrap_err();
        assert!(err.to_string().contains("master seed"), "{err}");
        // So is the same sweep planned by another build of the same version (changed code).
        assert_eq!(m.citytwin_build, env!("CITYTWIN_BUILD"));
        let other = Manifest { citytwin_build: format!("{}-other", m.citytwin_build), ..m.clone() };
        let err = prepare(tmp.path(), &other).unwrap_err();
        assert!(err.to_string().contains("citytwin build"), "{err}");
    }

    #[test]
    fn aggregate_rows_per_point_and_metric() {
        let m = manifest();
        let records: Vec<RunRecord> = (0..4).map(|r| record(&m, r)).collect();
        let stats = aggregate_of(&m, &records);
        assert_eq!(stats.len(), 2);
        let csv = aggregate_csv(&m, &stats);
        assert_eq!(csv.lines().count(), 1 + 2 * m.metrics.len());
        assert!(csv.starts_with("point,\"a,b\",metric,n,mean,sd,ci95_low,ci95_high\n"));
        // Point 1's label holds a comma and quotes, so it is quoted.
        assert!(csv.contains("\n1,\"x,\"\"y\"\"\",generated,0,,,,\n"), "{csv}");
    }
}
