//! Writers for the results folder (see DESIGN.md, "Results folder"): [`write_results`] stages
//! `summary.json`, `timeseries.csv`, `register.json` and `charts/` in a hidden sibling directory
//! and swaps it into place, so an interrupted run never leaves a half-written result. Each file
//! format lives in its own module; the staging and swapping lives in [`atomic`].

pub mod atomic;
pub mod charts;
pub mod geojson;
pub mod ramp;
pub mod register;
pub mod replot;
pub mod report_html;
pub mod summary;
pub mod timeseries;

use std::path::Path;

use crate::metrics::report::Report;

/// Why the results folder could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file-system operation failed on `path`.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory involved.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A chart could not be drawn or encoded.
    #[error("chart {name}: {message}")]
    Chart {
        /// The chart's file stem, e.g. "delivery_ratio".
        name: String,
        /// What plotters (or the font set-up) said.
        message: String,
    },
}

impl OutputError {
    /// Wraps an I/O error with the path it concerns; used as `.map_err(OutputError::io(path))`.
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
        move |source| OutputError::Io { path: path.display().to_string(), source }
    }

    /// Whether a file read back (a CSV or JSON to re-plot) was malformed: bad input, not a
    /// failure of the machine.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, OutputError::Io { source, .. } if source.kind() == std::io::ErrorKind::InvalidData)
    }
}

/// Writes the whole results folder atomically: everything goes into a temporary sibling directory
/// `<parent>/.<name>.partial-<pid>` which is renamed over `dir` at the end (an existing `dir` is
/// replaced: rename old to `.<name>.old-<pid>`, rename new into place, then remove old). Stale
/// `.<name>.partial-*` and `.<name>.old-*` siblings from killed runs are removed first, and missing
/// parent directories are created. On any error the partial dir is removed and nothing at `dir`
/// changes.
///
/// The folder holds `summary.json`, `timeseries.csv`, `register.json` (the transparency register
/// and the five-principles scorecard), `map.geojson`, `report.html` (everything on one
/// self-contained page) and, in `charts/`, `<name>.svg` and `<name>.png` for each
/// chart [`charts::write_charts`] draws: `delivery_ratio`, `coverage_map`, `delivery_by_distance`,
/// `gateway_load`, `technologies`, `energy_by_component`, `lifetime`, `lifetime_cdf`,
/// `lifetime_map`, `outage_map`, `coverage`, for the data pipeline `pipeline_latency`,
/// `queue_depth` and `designs`, and for the data-handling designs `privacy_utility` (each a note
/// when the scenario has none).
pub fn write_results(report: &Report, dir: &Path) -> Result<(), OutputError> {
    write_results_with(report, dir, |_| Ok(Vec::new()))
}

/// [`write_results`], with `extra` adding to the staged folder (its root given) before
/// report.html is written: more files, and charts drawn into its `charts/` folder, whose names it
/// returns for the page to show after the run's own. The folder appears whole or not at all.
pub fn write_results_with(
    report: &Report,
    dir: &Path,
    extra: impl FnOnce(&Path) -> Result<Vec<&'static str>, OutputError>,
) -> Result<(), OutputError> {
    atomic::write_dir_atomically(dir, |staging| write_contents(report, staging, extra))
}

/// Writes every file of the results folder into `dir`, which exists and is empty.
fn write_contents(
    report: &Report,
    dir: &Path,
    extra: impl FnOnce(&Path) -> Result<Vec<&'static str>, OutputError>,
) -> Result<(), OutputError> {
    summary::write_summary(report, &dir.join(summary::FILE_NAME))?;
    timeseries::write_timeseries(report, &dir.join(timeseries::FILE_NAME))?;
    geojson::write_geojson(report, &dir.join(geojson::FILE_NAME))?;
    register::write_register(report, &dir.join(register::FILE_NAME))?;
    let charts_dir = dir.join(charts::DIR_NAME);
    charts::write_charts(report, &charts_dir)?;
    let mut names: Vec<&str> = charts::RUN_CHARTS.to_vec();
    names.extend(extra(dir)?);
    let html = dir.join(report_html::FILE_NAME);
    report_html::write_report_html(report, &charts_dir, &names, &html)
}

/// A small but complete report for unit tests: two districts over six hours, a dip in one
/// district, a handful of sensors on every spreading factor, three distance bands (the last one
/// open) and two gateways, one of them losing receptions to busy demodulators.
#[cfg(test)]
pub(crate) fn sample_report() -> Report {
    use std::collections::BTreeMap;

    use crate::metrics::report::{
        AccessReport, DistanceBand, Entities, GatewayReport, Latency, LossCause, MapData, RadioReport, RunInfo,
        SUMMARY_SCHEMA, Sample, ScenarioInfo, ScopeReport, SfCount, SloReport, TimeSeries, Uplinks,
    };

    let bucket_s = 900.0;
    let simulated_seconds = 6.0 * 3600.0;
    let mut rows = Vec::new();
    let mut t = 0.0;
    while t < simulated_seconds {
        // A dip in the north between 2 h and 3 h, as an outage would cause.
        let north = if (7200.0..10800.0).contains(&t) { 0.82 } else { 0.99 };
        let south = 0.97 + 0.02 * ((t / 3600.0) % 2.0) / 2.0;
        let city = (north + south) / 2.0;
        for (scope, value) in [("city", city), ("district:North", north), ("district:South, old town", south)] {
            rows.push(Sample { time_s: t, metric: "delivery_ratio", scope: scope.to_string(), value });
        }
        rows.push(Sample { time_s: t, metric: "uplinks_generated", scope: "city".to_string(), value: 120.0 });
        t += bucket_s;
    }

    let side_m = 2000.0;
    let sensors: Vec<(f32, f32, u8)> = (0..300u32)
        .map(|i| {
            // Deterministic scatter; SF grows with distance from the centre, 0 at the corners.
            let x = ((i * 7919) % 2000) as f32;
            let y = ((i * 104_729) % 2000) as f32;
            let d = ((x - 1000.0).powi(2) + (y - 1000.0).powi(2)).sqrt();
            let sf = if d > 1300.0 { 0 } else { 7 + (d / 220.0) as u8 };
            (x, y, sf.min(12))
        })
        .collect();

    let sf_distribution =
        (7..=12u8).map(|sf| SfCount { sf, sensors: sensors.iter().filter(|s| s.2 == sf).count() as u64 }).collect();
    let lost: BTreeMap<&'static str, u64> = LossCause::ALL.iter().map(|c| (c.name(), 10)).collect();

    Report {
        schema: SUMMARY_SCHEMA,
        citytwin_version: "0.1.0",
        citytwin_build: "0123456789ab",
        scenario: ScenarioInfo {
            name: "Test town".to_string(),
            file: "scenarios/test.toml".to_string(),
            sha256: "0".repeat(64),
            overrides: vec![],
        },
        seed: 7,
        simulated_seconds,
        entities: Entities { sensors: sensors.len() as u64, gateways: 2, cell_sites: 0, access_points: 0 },
        uplinks: Uplinks {
            generated: 2900,
            sent: 2890,
            transmissions: 2890,
            delivered: 2880,
            delivery_ratio: 2880.0 / 2900.0,
            lost,
        },
        latency_ms: Latency { p50: 80.0, p95: 120.0, p99: 150.0, max: 400.0, mean: 85.0 },
        technologies: Vec::new(),
        access: AccessReport::default(),
        energy: Default::default(),
        resilience: Default::default(),
        pipeline: None,
        privacy: None,
        register: Vec::new(),
        principles: Vec::new(),
        lifetimes: Vec::new(),
        radio: RadioReport {
            interference: "capture",
            inter_sf: true,
            duty_cycle: "delay",
            duty_cycle_delayed: 0,
            acks_rx1: 0,
            acks_rx2: 0,
            acks_blocked: 0,
            channels: 8,
            sf_distribution,
            sensors_out_of_range: sensors.iter().filter(|s| s.2 == 0).count() as u64,
            mean_gateways_in_reach: 1.6,
            distance_bands: vec![
                DistanceBand {
                    from_m: 0.0,
                    to_m: Some(250.0),
                    sensors: 120,
                    generated: 1160,
                    delivered: 1158,
                    delivery_ratio: 1158.0 / 1160.0,
                },
                DistanceBand {
                    from_m: 250.0,
                    to_m: Some(500.0),
                    sensors: 150,
                    generated: 1450,
                    delivered: 1440,
                    delivery_ratio: 1440.0 / 1450.0,
                },
                DistanceBand {
                    from_m: 500.0,
                    to_m: None,
                    sensors: 30,
                    generated: 290,
                    delivered: 282,
                    delivery_ratio: 282.0 / 290.0,
                },
            ],
            gateways: vec![
                GatewayReport {
                    id: "gw-0".to_string(),
                    x_m: 600.0,
                    y_m: 1000.0,
                    sensors_in_reach: 200,
                    receptions: 2000,
                    decoded: 1990,
                    collided: 10,
                    busy: 0,
                    deafened: 0,
                    downlinks: 0,
                    utilisation: 0.01,
                },
                GatewayReport {
                    id: "gw-1".to_string(),
                    x_m: 1400.0,
                    y_m: 1000.0,
                    sensors_in_reach: 180,
                    receptions: 1500,
                    decoded: 1420,
                    collided: 50,
                    busy: 30,
                    deafened: 0,
                    downlinks: 0,
                    utilisation: 0.008,
                },
            ],
        },
        districts: vec![ScopeReport {
            name: "North".to_string(),
            sensors: 150,
            generated: 1450,
            delivered: 1440,
            delivery_ratio: 1440.0 / 1450.0,
            lost: BTreeMap::from([("collision", 10)]),
        }],
        groups: vec![],
        slo: SloReport::default(),
        run: RunInfo {
            wall_seconds: 0.5,
            threads: 1,
            started_at: "2026-01-01T00:00:00Z".to_string(),
            events: 5000,
            events_per_second: 10_000.0,
        },
        live: None,
        timeseries: TimeSeries { bucket_s, rows },
        trace: Vec::new(),
        map: MapData {
            side_m,
            devices: sensors.iter().map(|s| (s.0, s.1, s.2, 0)).collect(),
            sensors,
            gateways: vec![(600.0, 1000.0), (1400.0, 1000.0)],
            origin: (53.3331, -6.2489, true),
            groups: vec![("parking".into(), "parking", "lorawan")],
            sites: vec![(600.0, 1000.0, "lorawan", "gw-0".into()), (1400.0, 1000.0, "lorawan", "gw-1".into())],
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::fs;
    use std::path::{Path, PathBuf};

    use super::*;

    /// Every file under `root`, as sorted relative paths with `/` separators.
    fn tree(root: &Path) -> BTreeSet<String> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
            for entry in fs::read_dir(dir).expect("read_dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else {
                    let rel = path.strip_prefix(root).expect("prefix");
                    let parts: Vec<_> = rel.iter().map(|p| p.to_string_lossy()).collect();
                    out.insert(parts.join("/"));
                }
            }
        }
        let mut out = BTreeSet::new();
        walk(root, root, &mut out);
        out
    }

    /// Names in `parent` other than `keep`: leftovers such as partial or old directories.
    fn siblings(parent: &Path, keep: &str) -> Vec<PathBuf> {
        fs::read_dir(parent)
            .expect("read_dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.file_name().is_some_and(|n| n != keep))
            .collect()
    }

    fn expected_files() -> BTreeSet<String> {
        [
            "summary.json",
            "timeseries.csv",
            "register.json",
            "map.geojson",
            "report.html",
            "charts/delivery_ratio.svg",
            "charts/delivery_ratio.png",
            "charts/coverage_map.svg",
            "charts/coverage_map.png",
            "charts/delivery_by_distance.svg",
            "charts/delivery_by_distance.png",
            "charts/gateway_load.svg",
            "charts/gateway_load.png",
            "charts/technologies.svg",
            "charts/technologies.png",
            "charts/energy_by_component.svg",
            "charts/energy_by_component.png",
            "charts/lifetime.svg",
            "charts/lifetime.png",
            "charts/lifetime_cdf.svg",
            "charts/lifetime_cdf.png",
            "charts/lifetime_map.svg",
            "charts/lifetime_map.png",
            "charts/outage_map.svg",
            "charts/outage_map.png",
            "charts/coverage.svg",
            "charts/coverage.png",
            "charts/pipeline_latency.svg",
            "charts/pipeline_latency.png",
            "charts/queue_depth.svg",
            "charts/queue_depth.png",
            "charts/designs.svg",
            "charts/designs.png",
            "charts/privacy_utility.svg",
            "charts/privacy_utility.png",
        ]
        .into_iter()
        .map(String::from)
        .collect()
    }

    #[test]
    fn writes_exactly_the_expected_files_and_no_partial_dirs() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("results");
        write_results(&sample_report(), &dir).expect("write_results");

        assert_eq!(tree(&dir), expected_files());
        assert!(siblings(tmp.path(), "results").is_empty());

        for chart in ["delivery_ratio", "coverage_map", "delivery_by_distance", "gateway_load"] {
            let png = fs::read(dir.join(format!("charts/{chart}.png"))).expect("png");
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{chart}.png magic");
            let svg = fs::read_to_string(dir.join(format!("charts/{chart}.svg"))).expect("svg");
            assert!(svg.contains("<svg"), "{chart}.svg is SVG");
        }
        let svg = fs::read_to_string(dir.join("charts/delivery_ratio.svg")).expect("svg");
        assert!(svg.contains("Delivery ratio over time — Test town"));
        let svg = fs::read_to_string(dir.join("charts/coverage_map.svg")).expect("svg");
        assert!(svg.contains("Sensors by spreading factor — Test town"));
        let svg = fs::read_to_string(dir.join("charts/delivery_by_distance.svg")).expect("svg");
        assert!(svg.contains("Delivery ratio by distance to the nearest gateway — Test town"));
        assert!(svg.contains("≥ 0.5") && svg.contains("n=150"));
        let svg = fs::read_to_string(dir.join("charts/gateway_load.svg")).expect("svg");
        assert!(svg.contains("Receptions per gateway — Test town"));
        assert!(svg.contains("gw-1") && svg.contains("lost: gateway busy (30)"));

        let summary = fs::read_to_string(dir.join("summary.json")).expect("summary");
        assert!(summary.ends_with("}\n"));
        let json: serde_json::Value = serde_json::from_str(&summary).expect("json");
        assert_eq!(json["schema"], "citytwin.summary/1");
        assert!(json.get("timeseries").is_none() && json.get("map").is_none());
    }

    #[test]
    fn existing_results_are_replaced_whole() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("results");
        fs::create_dir_all(dir.join("charts")).expect("mkdir");
        fs::write(dir.join("stale.txt"), "from an older run").expect("write");
        fs::write(dir.join("summary.json"), "{}").expect("write");
        // Debris a killed run would leave behind.
        fs::create_dir(tmp.path().join(".results.partial-999999999")).expect("mkdir");
        fs::create_dir(tmp.path().join(".results.old-999999999")).expect("mkdir");

        write_results(&sample_report(), &dir).expect("write_results");

        assert_eq!(tree(&dir), expected_files());
        assert!(siblings(tmp.path(), "results").is_empty());
        let summary = fs::read_to_string(dir.join("summary.json")).expect("summary");
        assert!(summary.contains("citytwin.summary/1"));
    }

    #[test]
    fn failure_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let blocker = tmp.path().join("not-a-dir");
        fs::write(&blocker, "a file where a directory should be").expect("write");

        let err = write_results(&sample_report(), &blocker.join("results"));
        assert!(matches!(err, Err(OutputError::Io { .. })), "{err:?}");

        assert_eq!(fs::read_to_string(&blocker).expect("file"), "a file where a directory should be");
        assert!(siblings(tmp.path(), "not-a-dir").is_empty());
    }

    #[test]
    fn failure_while_writing_keeps_the_old_results() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("results");
        fs::create_dir(&dir).expect("mkdir");
        fs::write(dir.join("summary.json"), "old").expect("write");

        let err = atomic::write_dir_atomically(&dir, |staging| {
            fs::write(staging.join("half.txt"), "half").map_err(OutputError::io(staging))?;
            Err(OutputError::Chart { name: "test".to_string(), message: "boom".to_string() })
        });
        assert!(matches!(err, Err(OutputError::Chart { .. })), "{err:?}");

        assert_eq!(tree(&dir), BTreeSet::from(["summary.json".to_string()]));
        assert_eq!(fs::read_to_string(dir.join("summary.json")).expect("old"), "old");
        assert!(siblings(tmp.path(), "results").is_empty());
    }

    #[test]
    fn a_file_in_the_way_is_not_replaced() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("results");
        fs::write(&dir, "user data").expect("write");

        let err = write_results(&sample_report(), &dir);
        assert!(matches!(err, Err(OutputError::Io { .. })), "{err:?}");
        assert_eq!(fs::read_to_string(&dir).expect("file"), "user data");
        assert!(siblings(tmp.path(), "results").is_empty());
    }
}
