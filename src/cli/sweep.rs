//! `citytwin sweep`, `citytwin merge` and `citytwin plot`: the research workflow's commands,
//! their flags, progress and end-of-sweep table. The work itself is in [`crate::sweep`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{EXIT_FAILURE, EXIT_INVALID};
use crate::sweep::folder::{self, Manifest};
use crate::sweep::{self, Plan, Shard, SweepError};

/// `citytwin sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Scenario file (TOML); its [sweep] section declares the grid and replications.
    scenario: PathBuf,
    /// Results folder (default: output/<scenario file stem>-sweep). Re-running into the same
    /// folder resumes: finished runs are skipped.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Master seed, overriding the file's; replication seeds derive from it.
    #[arg(long)]
    seed: Option<u64>,
    /// Override a scenario key in every run (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Vary a key over values, e.g. --vary sensors[0].count=500,1000,2000 (repeatable; replaces
    /// the file's [sweep] grid).
    #[arg(long, value_name = "KEY=A,B,C")]
    vary: Vec<String>,
    /// Replications per grid point (default: the file's, else 5).
    #[arg(long)]
    reps: Option<u32>,
    /// Run only shard i of n (0-based): the runs with index ≡ i (mod n). Join the shard folders
    /// with `citytwin merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar and no table.
    #[arg(long)]
    quiet: bool,
}

/// `citytwin merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The shard folders of one sweep.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// The merged folder.
    #[arg(long)]
    out: PathBuf,
    /// No table.
    #[arg(long)]
    quiet: bool,
}

/// `citytwin plot`.
#[derive(Args, Debug)]
pub struct PlotArgs {
    /// A results folder: a sweep's (re-rendered from sweep.csv) or a run's (time series from
    /// timeseries.csv).
    dir: PathBuf,
}

fn fail(e: &SweepError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(if e.is_invalid_input() { EXIT_INVALID } else { EXIT_FAILURE })
}

/// Runs `citytwin sweep`.
pub fn sweep(args: SweepArgs) -> ExitCode {
    let path = args.scenario.to_string_lossy().into_owned();
    let planned = (|| {
        let shard = args.shard.as_deref().map_or(Ok(Shard::ALL), Shard::parse)?;
        let vary = if args.vary.is_empty() { None } else { Some(sweep::parse_vary(&args.vary)?) };
        let (plan, base) = Plan::from_file(&path, &args.set, args.seed, vary, args.reps)?;
        Ok::<_, SweepError>((plan, base, shard))
    })();
    let (plan, base, shard) = match planned {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    eprint!("{}", base.warning_text);
    let out = args.out.unwrap_or_else(|| {
        let stem = args.scenario.file_stem().map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("output").join(format!("{stem}-sweep"))
    });
    let pool = match super::thread_pool(args.threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if !args.quiet {
        eprintln!(
            "sweep {}: {} points x {} replications = {} runs{} on {} threads",
            plan.name,
            plan.points(),
            plan.replications,
            plan.runs(),
            if shard == Shard::ALL { String::new() } else { format!(", shard {}/{}", shard.index, shard.count) },
            pool.current_num_threads()
        );
    }
    let bar = progress_bar(args.quiet);
    let outcome = pool.install(|| {
        sweep::sweep(&plan, &out, shard, &|p| {
            if let Some(b) = &bar {
                b.set_length(p.total);
                b.set_position(p.done);
            }
        })
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    if !args.quiet {
        if outcome.resumed > 0 {
            eprintln!("resumed: {} runs were already recorded in {}", outcome.resumed, out.display());
        }
        println!("{} runs recorded of {}; wrote {}", outcome.recorded, outcome.total, files(&out, &outcome.written));
        if outcome.recorded < outcome.total {
            println!(
                "aggregate.csv and charts follow once every run is recorded: run the other shards and `citytwin merge`"
            );
        } else {
            print!("{}", table(&out));
        }
    }
    ExitCode::SUCCESS
}

/// Runs `citytwin merge`.
pub fn merge(args: MergeArgs) -> ExitCode {
    match folder::merge(&args.out, &args.shards) {
        Ok((recorded, written)) => {
            if !args.quiet {
                println!("merged {} folders: {recorded} runs; wrote {}", args.shards.len(), files(&args.out, &written));
                print!("{}", table(&args.out));
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// Runs `citytwin plot`.
pub fn plot(args: PlotArgs) -> ExitCode {
    let dir = &args.dir;
    let written = if dir.join(folder::MANIFEST).exists() {
        folder::replot(dir).map_err(|e| (e.is_invalid_input(), e.to_string()))
    } else if dir.join(crate::output::ramp::RAMP_JSON).exists() {
        crate::output::ramp::replot_ramp(dir).map_err(|e| (e.is_invalid_input(), e.to_string()))
    } else if dir.join(crate::output::timeseries::FILE_NAME).exists() {
        crate::output::replot::replot_run(dir)
            .map(|stems: Vec<String>| stems.into_iter().map(|s| format!("charts/{s}.svg")).collect::<Vec<String>>())
            .map_err(|e| (e.is_invalid_input(), e.to_string()))
    } else {
        eprintln!(
            "error: {}: not a sweep (sweep.json), ramp (ramp.json) or run (timeseries.csv) folder",
            dir.display()
        );
        eprintln!("  hint: give the --out folder of `citytwin sweep`, `citytwin ramp` or `citytwin run`");
        return ExitCode::from(EXIT_INVALID);
    };
    match written {
        Ok(written) => {
            println!("wrote {}", files(dir, &written));
            ExitCode::SUCCESS
        }
        Err((invalid, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(if invalid { EXIT_INVALID } else { EXIT_FAILURE })
        }
    }
}

fn progress_bar(quiet: bool) -> Option<ProgressBar> {
    (!quiet && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(4));
        b.set_style(
            ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} runs, {per_sec}, ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.enable_steady_tick(Duration::from_millis(250));
        b
    })
}

fn files(dir: &Path, written: &[String]) -> String {
    let charts = written.iter().filter(|w| w.starts_with("charts/")).count();
    let mut named: Vec<String> =
        written.iter().filter(|w| !w.starts_with("charts/")).map(|w| dir.join(w).display().to_string()).collect();
    if charts > 0 {
        named.push(format!("{charts} charts in {}", dir.join("charts").display()));
    }
    named.join(", ")
}

/// The charted metrics per grid point: mean and 95 % CI, from the folder's records.
fn table(dir: &Path) -> String {
    let Ok(text) = std::fs::read_to_string(dir.join(folder::MANIFEST)) else { return String::new() };
    let Ok(manifest) = serde_json::from_str::<Manifest>(&text) else { return String::new() };
    let records: Vec<_> = folder::records(dir, &manifest).into_values().collect();
    let stats = folder::aggregate_of(&manifest, &records);
    let mut out = String::new();
    let keys: Vec<&str> = manifest.params.iter().map(|p| p.key.as_str()).collect();
    for metric in &manifest.chart_metrics {
        let Some(m) = manifest.metrics.iter().position(|n| n == metric) else { continue };
        out.push_str(&format!("\n{metric} (mean, 95 % CI, n = {}):\n", manifest.replications));
        for p in &stats {
            let point: Vec<String> = keys.iter().zip(&p.values).map(|(k, v)| format!("{k}={v}")).collect();
            let e = p.metrics[m];
            let ci = e.ci.map_or_else(String::new, |(lo, hi)| format!("  [{}, {}]", num(lo), num(hi)));
            let n = if e.n == manifest.replications as usize { String::new() } else { format!("  (n = {})", e.n) };
            out.push_str(&format!("  {:<48} {}{ci}{n}\n", point.join(" "), num(e.mean)));
        }
    }
    out
}

fn num(x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if x.abs() >= 1000.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}
