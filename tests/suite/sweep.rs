//! Sweeps: results identical at any thread count, sharded and merged, or killed and resumed;
//! replication 0 is the plain run on the master seed; bad flags are refused before anything is
//! written.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use citytwin::scenario::sweep::METRICS;
use citytwin::sweep::folder::{self, AGGREGATE_CSV, SWEEP_CSV};
use citytwin::sweep::{self, Plan, Shard};

const SCENARIO: &str = "scenarios/lorawan-scalability.toml";

fn scenario_path() -> String {
    format!("{}/{SCENARIO}", env!("CARGO_MANIFEST_DIR"))
}

/// A small grid: 3 counts x 2 spreading factors x 2 replications over two simulated hours.
fn plan() -> Plan {
    let vary = sweep::parse_vary(&["sensors[0].count=40,80,160".into(), "sensors[0].spreading_factor=9,12".into()])
        .expect("vary");
    let sets = vec!["scenario.duration=\"2h\"".to_string()];
    Plan::from_file(&scenario_path(), &sets, None, Some(vary), Some(2)).expect("plan").0
}

fn run_sweep(plan: &Plan, dir: &Path, shard: Shard, threads: usize) -> sweep::Outcome {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
    pool.install(|| sweep::sweep(plan, dir, shard, &|_| {})).expect("sweep")
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

#[test]
fn sweep_is_identical_at_one_and_two_threads() {
    // Oracle: determinism. Every run derives its randomness from (seed, purpose, entity,
    // counter) and records carry no wall time, so the order in which workers finish is invisible.
    let tmp = tempfile::tempdir().expect("tmp");
    let p = plan();
    assert_eq!((p.points(), p.runs()), (6, 12));
    let one = run_sweep(&p, &tmp.path().join("one"), Shard::ALL, 1);
    let two = run_sweep(&p, &tmp.path().join("two"), Shard::ALL, 2);
    assert_eq!((one.ran, two.ran, one.recorded), (12, 12, 12));
    let csv = read(&tmp.path().join("one"), SWEEP_CSV);
    assert_eq!(csv, read(&tmp.path().join("two"), SWEEP_CSV));
    assert_eq!(read(&tmp.path().join("one"), AGGREGATE_CSV), read(&tmp.path().join("two"), AGGREGATE_CSV));
    assert_eq!(csv.lines().count(), 13);
    assert!(csv.starts_with("run,point,replication,seed,sensors[0].count,sensors[0].spreading_factor,generated,"));
    // The aggregate has a row per point and metric, and the charts were drawn.
    assert_eq!(read(&tmp.path().join("one"), AGGREGATE_CSV).lines().count(), 1 + 6 * METRICS.len());
    assert!(tmp.path().join("one/charts/sweep_delivery_ratio.svg").exists());

    // More load on one gateway delivers less (Bor et al.): the mean delivery ratio falls with N
    // at SF12, and the two replications of a point differ (their seeds do).
    let m = serde_json::from_str(&read(&tmp.path().join("one"), folder::MANIFEST)).expect("manifest");
    let records: Vec<_> = folder::records(&tmp.path().join("one"), &m).into_values().collect();
    let stats = folder::aggregate_of(&m, &records);
    let dr = METRICS.iter().position(|(n, _)| *n == "delivery_ratio").expect("metric");
    let sf12: Vec<f64> = stats.iter().filter(|s| s.values[1] == "12").map(|s| s.metrics[dr].mean).collect();
    assert!(sf12.windows(2).all(|w| w[1] < w[0]), "{sf12:?}");
    assert_ne!(records[0].seed, records[1].seed);
    assert_eq!(records[0].seed, records[2].seed, "common random numbers across points");
}

#[test]
fn merged_shards_equal_the_unsharded_sweep() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = plan();
    run_sweep(&p, &tmp.path().join("whole"), Shard::ALL, 2);
    let shards: Vec<PathBuf> = (0..3).map(|i| tmp.path().join(format!("shard-{i}"))).collect();
    for (i, dir) in shards.iter().enumerate() {
        let o = run_sweep(&p, dir, Shard { index: i as u64, count: 3 }, 1);
        assert_eq!((o.ran, o.recorded), (4, 4));
        assert!(!dir.join(AGGREGATE_CSV).exists(), "a shard alone has no aggregate");
    }
    // Merging only two of the three is refused and writes nothing.
    let err = folder::merge(&tmp.path().join("partial"), &shards[..2]).unwrap_err();
    assert!(err.is_invalid_input() && err.to_string().contains("4 of 12 runs are missing"), "{err}");
    assert!(!tmp.path().join("partial").exists());

    folder::merge(&tmp.path().join("merged"), &shards).expect("merge");
    for file in [SWEEP_CSV, AGGREGATE_CSV] {
        assert_eq!(read(&tmp.path().join("merged"), file), read(&tmp.path().join("whole"), file), "{file}");
    }
}

#[test]
fn replication_zero_is_the_plain_run_on_the_master_seed() {
    // Oracle: `citytwin run --seed MASTER --set <point>` is the sweep's replication 0.
    let tmp = tempfile::tempdir().expect("tmp");
    let vary = sweep::parse_vary(&["sensors[0].count=60".into()]).expect("vary");
    let sets = vec!["scenario.duration=\"2h\"".to_string()];
    let (p, _) = Plan::from_file(&scenario_path(), &sets, Some(9), Some(vary), Some(1)).expect("plan");
    run_sweep(&p, tmp.path(), Shard::ALL, 1);
    let direct = citytwin::scenario::load(
        &scenario_path(),
        &["scenario.duration=\"2h\"".into(), "sensors[0].count=60".into()],
        Some(9),
    )
    .expect("scenario");
    let report = citytwin::sim::run(&direct, Default::default());
    let m = serde_json::from_str(&read(tmp.path(), folder::MANIFEST)).expect("manifest");
    let rec = folder::records(tmp.path(), &m).remove(&0).expect("run 0");
    assert_eq!(rec.seed, 9);
    assert_eq!(rec.metrics, citytwin::sweep::record::metrics_of(&report));
}

fn citytwin(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_citytwin"));
    c.args(args).current_dir(env!("CARGO_MANIFEST_DIR")).stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

const KILL_ARGS: [&str; 10] = [
    "sweep",
    SCENARIO,
    "--set",
    "scenario.duration=\"3h\"",
    "--vary",
    "sensors[0].count=100,200,300,400",
    "--reps",
    "3",
    "--threads",
    "1",
];

#[test]
fn a_killed_sweep_resumes_to_the_uninterrupted_result() {
    let tmp = tempfile::tempdir().expect("tmp");
    let whole = tmp.path().join("whole");
    let killed = tmp.path().join("killed");
    let status = citytwin(&KILL_ARGS).args(["--quiet", "--out", whole.to_str().expect("utf-8")]).status().expect("run");
    assert!(status.success());

    // Kill the second sweep (SIGKILL: no chance to tidy up) once it has recorded a run.
    let mut child =
        citytwin(&KILL_ARGS).args(["--quiet", "--out", killed.to_str().expect("utf-8")]).spawn().expect("spawn");
    let start = Instant::now();
    let recorded = |dir: &Path| std::fs::read_dir(dir.join("runs")).map_or(0, |d| d.count());
    while recorded(&killed) == 0 {
        assert!(start.elapsed() < Duration::from_secs(120), "no run recorded");
        assert!(child.try_wait().expect("wait").is_none(), "the sweep finished before it could be killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill");
    child.wait().expect("reap");
    let at_kill = recorded(&killed);
    assert!(at_kill < 12, "killed after {at_kill} of 12 runs");
    assert!(!killed.join(AGGREGATE_CSV).exists() && !killed.join(SWEEP_CSV).exists());

    // Resume: the recorded runs are skipped, and the result is byte for byte the uninterrupted one.
    let out = citytwin(&KILL_ARGS).args(["--out", killed.to_str().expect("utf-8")]).output().expect("resume");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("resumed:"), "{}", String::from_utf8_lossy(&out.stderr));
    for file in [SWEEP_CSV, AGGREGATE_CSV] {
        assert_eq!(read(&killed, file), read(&whole, file), "{file}");
    }
    // No temporary files are left behind.
    let hidden = std::fs::read_dir(killed.join("runs")).expect("runs").flatten();
    assert!(hidden.into_iter().all(|e| !e.file_name().to_string_lossy().starts_with('.')));
}

#[test]
fn bad_sweeps_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("bad");
    let o = out.to_str().expect("utf-8");
    let cases: [(&[&str], &str); 7] = [
        (&["--vary", "sensors[0].cont=1,2"], "cont"),
        (&["--vary", "scenario.seed=1,2"], "replications"),
        (&["--vary", "sensors[0].count=10", "--shard", "2/2"], "shard"),
        (&["--vary", "sensors[0].count=10", "--reps", "0"], "replication"),
        (&["--vary", "sensors[0].count=-5"], "count"),
        (&["--vary", "sensors[0].count=2,2.0"], "listed twice"),
        (&["--vary", "sensors[0].count=10", "--threads", "100000000"], "--threads"),
    ];
    for (args, needle) in cases {
        let res = citytwin(&["sweep", SCENARIO, "--out", o]).args(args).output().expect("run");
        let stderr = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
    // A file where the folder should be is invalid input too.
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").expect("file");
    for out in [file.clone(), file.join("below")] {
        let res =
            citytwin(&["sweep", SCENARIO, "--vary", "sensors[0].count=10", "--out", out.to_str().expect("utf-8")])
                .output()
                .expect("run");
        assert_eq!(res.status.code(), Some(2), "{}", String::from_utf8_lossy(&res.stderr));
    }
    // A folder holding another sweep is not resumed into.
    let first = citytwin(&["sweep", SCENARIO, "--out", o, "--quiet"])
        .args(["--set", "scenario.duration=\"30m\"", "--vary", "sensors[0].count=10", "--reps", "1"])
        .status()
        .expect("run");
    assert!(first.success());
    let second = citytwin(&["sweep", SCENARIO, "--out", o, "--quiet"])
        .args(["--set", "scenario.duration=\"30m\"", "--vary", "sensors[0].count=10", "--reps", "2"])
        .output()
        .expect("run");
    assert_eq!(second.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&second.stderr).contains("holds another sweep"));

    // `plot` re-renders the charts from sweep.csv; a folder that is neither kind is refused.
    std::fs::remove_dir_all(out.join("charts")).expect("remove charts");
    assert!(citytwin(&["plot", o]).status().expect("plot").success());
    assert!(
        out.join("charts/sweep_delivery_ratio.svg").exists()
            && out.join("charts/sweep_delivery_ratio_hist.png").exists()
    );
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let res = citytwin(&["plot", empty.to_str().expect("utf-8")]).output().expect("plot");
    assert_eq!(res.status.code(), Some(2));
}
