//! The command line: `citytwin run | ramp | sweep | merge | plot | live | calibrate | validate |
//! cities | schema`. The only code that reads argv, writes to the terminal and chooses exit
//! codes: 0 success, 1 runtime failure, 2 invalid input (scenario, flags, files), 3 the
//! scenario's SLOs were breached.

mod live;
mod progress;
mod sweep;
mod table;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use crate::scenario::{self, ScenarioError};
use crate::sim::{self, RunOptions};

/// Exit code: the run finished but an SLO was breached.
pub const EXIT_SLO_BREACHED: u8 = 3;
/// Exit code: invalid input.
pub const EXIT_INVALID: u8 = 2;
/// Exit code: runtime failure.
pub const EXIT_FAILURE: u8 = 1;

#[derive(Parser, Debug)]
#[command(name = "citytwin", version, about = "Digital twin and load tester for city IoT sensor deployments")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate a scenario and write its results folder.
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Results folder (default: output/<scenario file stem>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Master seed, overriding the file's.
        #[arg(long)]
        seed: Option<u64>,
        /// Override a scenario key, e.g. --set sensors[0].count=500 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// No progress bar and no summary table.
        #[arg(long)]
        quiet: bool,
        /// Print summary.json to stdout instead of the table.
        #[arg(long)]
        json: bool,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Raise the load stage by stage until every pipeline design breaks its SLO; report each
    /// design's knee (the highest load it sustained) in ramp.json, ramp.csv and charts.
    Ramp {
        /// Scenario file (TOML) with a [pipeline] or [[pipelines]].
        scenario: PathBuf,
        /// Results folder (default: output/<scenario file stem>-ramp).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Master seed, overriding the file's.
        #[arg(long)]
        seed: Option<u64>,
        /// Override a scenario key (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// What to raise: sensor counts or report rates.
        #[arg(long, value_enum, default_value = "count")]
        by: RampByArg,
        /// Load multipliers to try, ascending, e.g. 1,2,4,8 (default: doubling from 1 to 128).
        #[arg(long, value_delimiter = ',')]
        factors: Vec<f64>,
        /// No stage-by-stage lines and no table.
        #[arg(long)]
        quiet: bool,
    },
    /// Run a parameter grid with replications across cores: sweep.csv (one row per run),
    /// aggregate.csv (mean and 95 % CI per point) and charts. Re-running resumes.
    Sweep(sweep::SweepArgs),
    /// Join the folders of a sharded sweep into the result one machine would have produced.
    Merge(sweep::MergeArgs),
    /// Re-render the charts of a results folder (a sweep's or a run's) from its CSV files.
    Plot(sweep::PlotArgs),
    /// Publish the scenario's uplinks to a real MQTT broker on the scenario's timing (a live load
    /// test): delivery, drops and end-to-end latency, the results folder and the SLOs.
    Live(live::LiveArgs),
    /// Run the scenario live and through the simulated broker, and report the model's error per
    /// metric (throughput, p50/p99 latency, drop rate).
    Calibrate(live::CalibrateArgs),
    /// Check a scenario and say what would be simulated.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Override a scenario key (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// List the built-in city presets.
    Cities {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of the scenario format (for editor completion).
    Schema,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_INVALID } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Run { scenario, out, seed, set, quiet, json, threads } => {
            run(&scenario, out, seed, &set, quiet, json, threads)
        }
        Command::Ramp { scenario, out, seed, set, by, factors, quiet } => {
            ramp(&scenario, out, seed, &set, by, &factors, quiet)
        }
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => sweep::merge(args),
        Command::Plot(args) => sweep::plot(args),
        Command::Live(args) => live::live(args),
        Command::Calibrate(args) => live::calibrate(args),
        Command::Validate { scenario, set } => validate(&scenario, &set),
        Command::Cities { json } => cities(json),
        Command::Schema => {
            println!("{}", serde_json::to_string_pretty(&scenario::load::schema()).unwrap_or_default());
            ExitCode::SUCCESS
        }
    }
}

fn load(path: &Path, set: &[String], seed: Option<u64>) -> Result<scenario::Scenario, ExitCode> {
    let scenario = scenario::load(&path.to_string_lossy(), set, seed).map_err(|e| {
        eprintln!("error: {e}");
        match e {
            ScenarioError::Io { .. } | ScenarioError::Invalid { .. } => ExitCode::from(EXIT_INVALID),
        }
    })?;
    eprint!("{}", scenario.warning_text);
    Ok(scenario)
}

fn run(
    path: &Path,
    out: Option<PathBuf>,
    seed: Option<u64>,
    set: &[String],
    quiet: bool,
    json: bool,
    threads: Option<usize>,
) -> ExitCode {
    let scenario = match load(path, set, seed) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let out = out.unwrap_or_else(|| {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "run".into());
        PathBuf::from("output").join(stem)
    });
    let pool = match thread_pool(threads) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let started_at = progress::rfc3339_now();
    let wall = Instant::now();
    let mut bar = progress::Bar::new(scenario.duration, quiet || json);
    let mut report = pool.install(|| {
        let mut cb = |p: sim::Progress| bar.update(p);
        sim::run(&scenario, RunOptions { progress: Some(&mut cb), ..Default::default() })
    });
    bar.finish();
    let wall_seconds = wall.elapsed().as_secs_f64();
    report.run.wall_seconds = wall_seconds;
    report.run.started_at = started_at;
    report.run.threads = pool.current_num_threads();
    report.run.events_per_second = report.run.events as f64 / wall_seconds.max(1e-9);
    if let Err(e) = crate::output::write_results(&report, &out) {
        eprintln!("error: writing results: {e}");
        return ExitCode::from(EXIT_FAILURE);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else if !quiet {
        print!("{}", table::summary(&report, &out));
    }
    if report.slo.breached {
        if !json {
            eprintln!(
                "SLO breached: {}",
                report
                    .slo
                    .checks
                    .iter()
                    .filter(|c| !c.ok)
                    .map(|c| {
                        let design = c.design.as_ref().map_or_else(String::new, |d| format!(" [{d}]"));
                        format!("{}{design} (threshold {}, measured {:.4})", c.name, c.threshold, c.actual)
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        return ExitCode::from(EXIT_SLO_BREACHED);
    }
    ExitCode::SUCCESS
}

/// Most worker threads `--threads` may ask for.
const MAX_THREADS: usize = 1024;

/// The worker pool for `--threads` (default: one per core); more than [`MAX_THREADS`] is invalid
/// input (exit 2), a pool the system cannot start a runtime failure (exit 1).
fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, ExitCode> {
    let n = threads.unwrap_or(0);
    if n > MAX_THREADS {
        eprintln!("error: --threads {n}: at most {MAX_THREADS}");
        eprintln!("  hint: leave it out to use one thread per core");
        return Err(ExitCode::from(EXIT_INVALID));
    }
    rayon::ThreadPoolBuilder::new().num_threads(n).build().map_err(|e| {
        eprintln!("error: cannot start {n} worker threads: {e}");
        ExitCode::from(EXIT_FAILURE)
    })
}

/// What `ramp --by` raises.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum RampByArg {
    /// Sensor counts.
    Count,
    /// Report rates.
    Rate,
}

fn ramp(
    path: &Path,
    out: Option<PathBuf>,
    seed: Option<u64>,
    set: &[String],
    by: RampByArg,
    factors: &[f64],
    quiet: bool,
) -> ExitCode {
    let scenario = match load(path, set, seed) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if scenario.pipelines.is_empty() {
        eprintln!("error: {}: a ramp needs a [pipeline] or [[pipelines]] to load", path.display());
        eprintln!("  hint: add [pipeline] with its stages, e.g. stages = [{{ name = \"store\", service = \"2ms\" }}]");
        return ExitCode::from(EXIT_INVALID);
    }
    let factors: Vec<f64> = if factors.is_empty() { crate::ramp::DEFAULT_FACTORS.to_vec() } else { factors.to_vec() };
    if factors.iter().any(|f| !(f.is_finite() && *f > 0.0)) || factors.windows(2).any(|w| w[1] <= w[0]) {
        eprintln!("error: --factors must be positive and ascending, e.g. 1,2,4,8");
        return ExitCode::from(EXIT_INVALID);
    }
    let out = out.unwrap_or_else(|| {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "run".into());
        PathBuf::from("output").join(format!("{stem}-ramp"))
    });
    let by = match by {
        RampByArg::Count => crate::ramp::RampBy::Count,
        RampByArg::Rate => crate::ramp::RampBy::Rate,
    };
    let report = crate::ramp::ramp(&scenario, by, &factors, |stage| {
        if !quiet {
            eprint!("{}", table::ramp_stage(stage));
        }
    });
    if let Err(e) = crate::output::ramp::write_ramp(&report, &out) {
        eprintln!("error: writing results: {e}");
        return ExitCode::from(EXIT_FAILURE);
    }
    if !quiet {
        print!("{}", table::knees(&report, &out));
    }
    ExitCode::SUCCESS
}

fn validate(path: &Path, set: &[String]) -> ExitCode {
    match load(path, set, None) {
        Ok(s) => {
            print!("{}", table::plan(&s));
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn cities(json: bool) -> ExitCode {
    let all = scenario::cities::all();
    if json {
        println!("{}", serde_json::to_string_pretty(all).unwrap_or_default());
    } else {
        print!("{}", table::cities(all));
    }
    ExitCode::SUCCESS
}
