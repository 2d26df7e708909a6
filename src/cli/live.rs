//! `citytwin live` and `citytwin calibrate`: argument parsing, the live progress line, the
//! end-of-test summary and exit codes for the live load test ([`crate::live`]).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{EXIT_FAILURE, EXIT_INVALID, EXIT_SLO_BREACHED, progress};
use crate::live::broker::{BrokerUrl, Connection};
use crate::live::engine::{MAX_CONNECTIONS, SPEED_RANGE};
use crate::live::{self, EngineConfig, EngineError, LiveReport, Speed};
use crate::output::charts::live_latency::{LiveLatencyChart, NAME as LIVE_CHART};

/// calibrate's file in the results folder.
const CALIBRATION_JSON: &str = "calibration.json";

/// Arguments of `citytwin live`.
#[derive(clap::Args, Debug, Clone)]
pub struct LiveArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// The broker: mqtt://HOST:PORT, or mqtts://HOST:PORT for TLS.
    #[arg(long)]
    pub broker: String,
    /// Username for the broker.
    #[arg(long)]
    pub username: Option<String>,
    /// Password for the broker.
    #[arg(long)]
    pub password: Option<String>,
    /// PEM CA bundle to trust for mqtts:// (default: the system's).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Publish and subscribe QoS: 0 or 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=1))]
    pub qos: u8,
    /// Simulated seconds per wall-clock second (e.g. 60 plays an hour in a minute; 0.001 to
    /// 1e9), or "max" to publish as fast as the client takes messages.
    #[arg(long, default_value = "1")]
    pub speed: String,
    /// A message more than this behind schedule is counted late and not sent, e.g. "500ms".
    #[arg(long, default_value = "1s")]
    pub late_after: String,
    /// Messages the publishing client may queue before further ones count as queue_full.
    #[arg(long, default_value_t = 10_000)]
    pub queue: usize,
    /// Publishing connections (each sensor always uses the same one, so its messages stay in
    /// order); more than one helps reach higher rates.
    #[arg(long, default_value_t = 1)]
    pub connections: usize,
    /// Subscribing connections; more than one share a subscription ($share/...), each with
    /// its own QoS 1 window, which helps reach higher QoS 1 rates.
    #[arg(long, default_value_t = 1)]
    pub subscribers: usize,
    /// Unacknowledged QoS 1 publishes in flight at most, per connection.
    #[arg(long, default_value_t = 1000)]
    pub inflight: u16,
    /// Longest wait for outstanding messages after the last publish, e.g. "10s".
    #[arg(long, default_value = "10s")]
    pub drain: String,
    /// Longest wait for the broker at the start, e.g. "5s".
    #[arg(long, default_value = "5s")]
    pub connect_timeout: String,
    /// Results folder (default: output/<scenario file stem>-live).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Master seed, overriding the file's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override a scenario key, e.g. --set scenario.duration=10m (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// No progress line and no summary.
    #[arg(long)]
    pub quiet: bool,
    /// Print summary.json's live block to stdout instead of the summary.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `citytwin calibrate`.
#[derive(clap::Args, Debug, Clone)]
pub struct CalibrateArgs {
    /// The live test to run.
    #[command(flatten)]
    pub live: LiveArgs,
    /// The broker's per-client max_queued_messages, for the model (default: the scenario's
    /// broker, else 1000).
    #[arg(long)]
    pub max_queued: Option<u32>,
}

/// Parses "250ms", "2s", "1.5s", "1m", "500us".
fn parse_wall(text: &str, flag: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let v: f64 =
        num.parse().map_err(|_| format!("{flag} \"{text}\": expected a duration such as \"500ms\" or \"2s\""))?;
    let secs = match unit.trim() {
        "us" | "µs" => v / 1e6,
        "ms" => v / 1e3,
        "s" | "" => v,
        "m" => v * 60.0,
        "h" => v * 3600.0,
        u => return Err(format!("{flag} \"{text}\": unknown unit \"{u}\" (use us, ms, s, m or h)")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("{flag} \"{text}\": must be a non-negative duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn invalid(msg: impl std::fmt::Display, hint: &str) -> ExitCode {
    eprintln!("error: {msg}");
    if !hint.is_empty() {
        eprintln!("  hint: {hint}");
    }
    ExitCode::from(EXIT_INVALID)
}

/// Parses `--speed`: "max" or a factor within [`SPEED_RANGE`].
fn parse_speed(text: &str) -> Result<Speed, String> {
    if text.trim().eq_ignore_ascii_case("max") {
        return Ok(Speed::Max);
    }
    match text.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && SPEED_RANGE.contains(&f) => Ok(Speed::Factor(f)),
        Ok(f) if f.is_finite() && f > 0.0 => Err(format!(
            "--speed \"{text}\" is out of range ({} to {} simulated seconds per second)",
            SPEED_RANGE.start(),
            SPEED_RANGE.end()
        )),
        _ => Err(format!("--speed \"{text}\" is not a positive number or \"max\"")),
    }
}

/// Checks the flags and builds the engine settings.
fn engine_config(a: &LiveArgs) -> Result<EngineConfig, ExitCode> {
    let url = BrokerUrl::parse(&a.broker)
        .map_err(|e| invalid(format!("--broker {e}"), "e.g. --broker mqtt://127.0.0.1:1883"))?;
    let speed = parse_speed(&a.speed)
        .map_err(|e| invalid(e, "use a factor from 0.001 to 1e9, e.g. --speed 60, or --speed max"))?;
    let late_after = parse_wall(&a.late_after, "--late-after").map_err(|e| invalid(e, ""))?;
    let drain = parse_wall(&a.drain, "--drain").map_err(|e| invalid(e, ""))?;
    let connect_timeout = parse_wall(&a.connect_timeout, "--connect-timeout").map_err(|e| invalid(e, ""))?;
    for (flag, n) in [("--connections", a.connections), ("--subscribers", a.subscribers)] {
        if !(1..=MAX_CONNECTIONS).contains(&n) {
            return Err(invalid(format!("{flag} {n} is out of range"), &format!("use 1 to {MAX_CONNECTIONS}")));
        }
    }
    if a.password.is_some() && a.username.is_none() {
        return Err(invalid("--password needs --username", ""));
    }
    let ca_pem = match &a.ca {
        Some(p) => Some(std::fs::read(p).map_err(|e| invalid(format!("--ca {}: {e}", p.display()), ""))?),
        None => None,
    };
    if ca_pem.is_some() && !url.tls {
        return Err(invalid("--ca is only for mqtts:// brokers", "use --broker mqtts://HOST:PORT"));
    }
    let connection = Connection { url, username: a.username.clone(), password: a.password.clone(), ca_pem };
    // Fail early on TLS set-up problems (no CA bundle), with the same message the engine would give.
    connection.options("check", 1).map_err(|e| invalid(e, ""))?;
    Ok(EngineConfig {
        connection,
        qos: a.qos,
        speed,
        late_after,
        queue: a.queue.max(1),
        connections: a.connections,
        subscribers: a.subscribers,
        inflight: a.inflight.max(1),
        drain,
        idle: Duration::from_secs(1).min(drain),
        connect_timeout,
    })
}

/// The live progress line: sent/s, received/s, p99 and drops, redrawn on a terminal only.
struct LiveBar {
    bar: Option<ProgressBar>,
    last: (f64, u64, u64),
}

impl LiveBar {
    fn new(planned: u64, silent: bool) -> Self {
        let bar = (!silent && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::with_draw_target(Some(planned), ProgressDrawTarget::stderr_with_hz(4));
            b.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b
        });
        LiveBar { bar, last: (0.0, 0, 0) }
    }

    fn update(&mut self, p: live::Progress) {
        let Some(b) = &self.bar else { return };
        let dt = (p.elapsed_s - self.last.0).max(1e-3);
        let sent_rate = p.sent.saturating_sub(self.last.1) as f64 / dt;
        let recv_rate = p.received.saturating_sub(self.last.2) as f64 / dt;
        self.last = (p.elapsed_s, p.sent, p.received);
        b.set_position(p.due);
        let state = if p.connected { String::new() } else { " DISCONNECTED".into() };
        b.set_message(format!(
            "sent {sent_rate:.0}/s, received {recv_rate:.0}/s, p99 {:.1} ms, unsent {}, not yet received {}, outages {}{state}",
            p.p99_ms,
            p.unsent,
            p.sent.saturating_sub(p.received),
            p.outages
        ));
    }

    fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// The end-of-test summary.
fn summary(l: &LiveReport, out: &Path) -> String {
    let mut s = String::new();
    let ack = l.acknowledged.map_or_else(|| "n/a (QoS 0)".to_string(), |a| a.to_string());
    s += &format!(
        "Live test against {} (QoS {}, speed {}, {} publishing / {} subscribing connections)\n",
        l.broker, l.qos, l.speed, l.connections, l.subscribers
    );
    s += &format!("  planned      {:>10}\n", l.planned);
    s += &format!("  published    {:>10}   acknowledged {ack}\n", l.published);
    s += &format!("  received     {:>10}   delivery ratio {:.4}\n", l.received, l.delivery_ratio);
    s += &format!(
        "  foreign      {:>10}   messages from other publishers or runs, not counted (run tag {})\n",
        l.foreign, l.run_tag
    );
    s += &format!(
        "  unsent       {:>10}   late {}, queue full {}, disconnected {}\n",
        l.unsent.total, l.unsent.late, l.unsent.queue_full, l.unsent.disconnected
    );
    s += &format!(
        "  lost         {:>10}   in outage {}, dropped by broker {}, missing at end {}\n",
        l.lost.total, l.lost.in_outage, l.lost.dropped_by_broker, l.lost.missing_at_end
    );
    s += &format!(
        "  throughput   {:.0} published/s, {:.0} received/s over {:.2} s\n",
        l.published_per_s, l.received_per_s, l.wall_seconds
    );
    s += &format!(
        "  latency      p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms\n",
        l.latency_ms.p50, l.latency_ms.p99, l.latency_ms.max
    );
    if l.subscribers > 1 {
        let split: Vec<String> = l.received_by_subscriber.iter().map(u64::to_string).collect();
        s += &format!("  subscribers  {}   received each (shared subscription)\n", split.join(" / "));
    }
    if l.lost.dropped_by_broker > 0 && l.qos > 0 && l.subscribers == 1 {
        s += "  hint: the broker dropped QoS 1 messages past the subscriber's queue limit; if your consumers \
              share the load, --subscribers N does the same here\n";
    }
    for o in &l.outages {
        let end = o.end_s.map_or_else(|| "never back".to_string(), |e| format!("back at {e:.2} s"));
        s += &format!("  outage       {} lost its connection at {:.2} s, {end} ({})\n", o.client, o.start_s, o.error);
    }
    if !l.accounted {
        s += "  WARNING: counts do not add up to the plan (a citytwin bug): the results are not trustworthy\n";
        for e in &l.accounting_errors {
            s += &format!("    - {e}\n");
        }
    }
    s += &format!("Results in {}\n", out.display());
    s
}

/// What a live or calibrate run produced.
struct Done {
    run: live::LiveRun,
    out: PathBuf,
    cfg: EngineConfig,
    scenario: crate::scenario::Scenario,
}

/// Runs the live test (nothing written yet: see [`write_live`]).
fn run_live(a: &LiveArgs, suffix: &str) -> Result<Done, ExitCode> {
    let cfg = engine_config(a)?;
    let scenario = super::load(&a.scenario, &a.set, a.seed)?;
    let out = a.out.clone().unwrap_or_else(|| {
        let stem = a.scenario.file_stem().map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("output").join(format!("{stem}-{suffix}"))
    });
    let silent = a.quiet || a.json;
    let started_at = progress::rfc3339_now();
    let mut bar = progress::Bar::new(scenario.duration, silent);
    let (mut report, plan) = live::prepare(&scenario, |p| bar.update(p));
    bar.finish();
    report.run.started_at = started_at;
    if plan.is_empty() {
        eprintln!("warning: the scenario delivers no uplinks, so there is nothing to publish");
    }
    let mut lbar = LiveBar::new(plan.len() as u64, silent);
    let result = live::run(&scenario, report, plan, &cfg, |p| lbar.update(p));
    lbar.finish();
    let mut run = match result {
        Ok(r) => r,
        Err(EngineError::Config(e)) => return Err(invalid(e, "")),
        Err(e @ EngineError::Connect { .. }) => {
            eprintln!("error: {e}");
            eprintln!("  hint: is the broker running and listening there? check --broker, --username/--password, --ca");
            return Err(ExitCode::from(EXIT_FAILURE));
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(EXIT_FAILURE));
        }
    };
    run.report.run.wall_seconds = run.outcome.wall_s;
    Ok(Done { run, out, cfg, scenario })
}

/// Writes the results folder, with `files` (name, contents) at its root besides the run's own,
/// all at once: an interrupted run leaves no folder.
fn write_live(done: &Done, files: &[(&str, &str)]) -> Result<(), ExitCode> {
    let chart = LiveLatencyChart::new(&done.run.outcome, &done.cfg.connection.url.to_string());
    let written = crate::output::write_results_with(&done.run.report, &done.out, |dir| {
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(crate::output::OutputError::io(&path))?;
        }
        chart.write(&dir.join(crate::output::charts::DIR_NAME))?;
        Ok(vec![LIVE_CHART])
    });
    written.map_err(|e| {
        eprintln!("error: writing results: {e}");
        ExitCode::from(EXIT_FAILURE)
    })
}

/// Says on stderr, whatever `--quiet` or `--json`, that the live counts do not add up; true if
/// so (the run then exits 1: its results are not trustworthy).
fn unaccounted(l: &LiveReport, out: &Path) -> bool {
    if l.accounted {
        return false;
    }
    eprintln!("error: the live counts do not add up to the plan (a citytwin bug); results in {}:", out.display());
    for e in &l.accounting_errors {
        eprintln!("  - {e}");
    }
    true
}

fn slo_exit(report: &crate::metrics::report::Report, quiet: bool) -> ExitCode {
    if report.slo.breached {
        if !quiet {
            let failed: Vec<String> = report
                .slo
                .checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| format!("{} (threshold {}, measured {:.4})", c.name, c.threshold, c.actual))
                .collect();
            eprintln!("SLO breached: {}", failed.join("; "));
        }
        return ExitCode::from(EXIT_SLO_BREACHED);
    }
    ExitCode::SUCCESS
}

/// `citytwin live`: publishes the scenario's uplinks to a real broker and writes the results.
pub fn live(a: LiveArgs) -> ExitCode {
    let done = match run_live(&a, "live").and_then(|d| write_live(&d, &[]).map(|()| d)) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let Some(l) = done.run.report.live.as_ref() else { return ExitCode::from(EXIT_FAILURE) };
    if a.json {
        println!("{}", serde_json::to_string_pretty(l).unwrap_or_default());
    } else if !a.quiet {
        print!("{}", summary(l, &done.out));
    }
    if unaccounted(l, &done.out) {
        return ExitCode::from(EXIT_FAILURE);
    }
    slo_exit(&done.run.report, a.json)
}

/// `citytwin calibrate`: the live test, then the broker model on the same publishes, and the
/// model's error per metric (also in calibration.json in the results folder).
pub fn calibrate(a: CalibrateArgs) -> ExitCode {
    if a.live.subscribers > 1 {
        // The broker model has one subscriber queue; N shared ones would be compared against it.
        return invalid(
            format!("calibrate models one subscriber, not --subscribers {}", a.live.subscribers),
            "drop --subscribers (at high QoS 1 rates, lower --speed so one subscriber keeps up)",
        );
    }
    let done = match run_live(&a.live, "calibrate") {
        Ok(d) => d,
        Err(code) => return code,
    };
    let Some(l) = done.run.report.live.as_ref() else { return ExitCode::from(EXIT_FAILURE) };
    let (from, broker) = live::calibrate::broker_model(&done.scenario, done.cfg.qos, a.max_queued);
    let cal = match live::calibrate::calibrate(l, &done.run.outcome, from, &broker, done.scenario.seed) {
        Ok(c) => c,
        Err(e) => {
            // The live results stand on their own; only the calibration is missing.
            eprintln!("error: the broker model: {e}");
            let written = write_live(&done, &[]);
            return written.map_or_else(|code| code, |()| ExitCode::from(EXIT_INVALID));
        }
    };
    let json = serde_json::to_string_pretty(&cal).unwrap_or_default();
    if let Err(code) = write_live(&done, &[(CALIBRATION_JSON, &json)]) {
        return code;
    }
    if a.live.json {
        println!("{json}");
    } else if !a.live.quiet {
        print!("{}", summary(l, &done.out));
        println!(
            "Broker model ({}: QoS {}, queue {}, {} consumer(s) at {:.3} ms) against the real broker:",
            cal.model_from, cal.model_qos, cal.model_max_queued_messages, cal.model_consumers, cal.model_service_ms
        );
        print_errors(&cal.metrics);
        println!(
            "Fitted to this run: {:.3} ms per message (one service time for the whole real path):",
            cal.fitted.service_ms
        );
        print_errors(&cal.fitted.metrics);
        println!("  (calibration.json in {})", done.out.display());
    }
    if unaccounted(l, &done.out) {
        return ExitCode::from(EXIT_FAILURE);
    }
    slo_exit(&done.run.report, a.live.json)
}

/// The model-against-live table of `calibrate`.
fn print_errors(metrics: &[live::calibrate::MetricError]) {
    println!("  {:<18} {:>12} {:>12} {:>12} {:>10}", "metric", "live", "model", "error", "relative");
    for m in metrics {
        let rel = m.relative_error.map_or_else(|| "-".to_string(), |r| format!("{:+.1}%", r * 100.0));
        println!("  {:<18} {:>12.3} {:>12.3} {:>+12.3} {:>10}", m.metric, m.live, m.model, m.error, rel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle: the wall-clock duration grammar.
    #[test]
    fn parses_wall_durations() {
        assert_eq!(parse_wall("250ms", "--x").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_wall("2s", "--x").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_wall("1.5", "--x").unwrap(), Duration::from_millis(1500));
        assert!(parse_wall("5 parsecs", "--x").is_err());
        assert!(parse_wall("fast", "--x").is_err());
    }

    /// Oracle: --speed takes "max" or a finite factor from 0.001 to 1e9, nothing else.
    #[test]
    fn parses_speed_within_range() {
        assert_eq!(parse_speed("max"), Ok(Speed::Max));
        assert_eq!(parse_speed("MAX"), Ok(Speed::Max));
        assert_eq!(parse_speed("60"), Ok(Speed::Factor(60.0)));
        assert_eq!(parse_speed("0.001"), Ok(Speed::Factor(0.001)));
        assert_eq!(parse_speed("1e9"), Ok(Speed::Factor(1e9)));
        for bad in ["1e-300", "0.0009", "1e10", "0", "-1", "inf", "NaN", "fast", ""] {
            assert!(parse_speed(bad).is_err(), "{bad}");
        }
        assert!(parse_speed("1e-300").unwrap_err().contains("out of range"));
    }
}
