//! The ramp's results folder: `ramp.json` (schema `citytwin.ramp/1`), `ramp.csv` (one row per
//! stage and design) and the ramp charts, written atomically like a run's results; and
//! [`replot_ramp`], which re-draws the charts from `ramp.json` (`citytwin plot`).

use std::fs;
use std::io;
use std::path::Path;

use super::{OutputError, atomic, charts};
use crate::ramp::{RAMP_SCHEMA, RampReport, csv};

/// The ramp's JSON report; its presence marks a ramp folder.
pub const RAMP_JSON: &str = "ramp.json";

/// Writes the ramp's folder at `dir`, replacing any previous one whole: `ramp.json`, `ramp.csv`
/// and, in `charts/`, `ramp_latency` and `ramp_loss` as SVG and PNG.
pub fn write_ramp(report: &RampReport, dir: &Path) -> Result<(), OutputError> {
    atomic::write_dir_atomically(dir, |staging| {
        let json = staging.join(RAMP_JSON);
        let mut text = serde_json::to_string_pretty(report)
            .map_err(|e| OutputError::io(&json)(io::Error::new(io::ErrorKind::InvalidData, e)))?;
        text.push('\n');
        fs::write(&json, text).map_err(OutputError::io(&json))?;
        let table = staging.join("ramp.csv");
        fs::write(&table, csv(report)).map_err(OutputError::io(&table))?;
        charts::write_ramp_charts(report, &staging.join(charts::DIR_NAME))
    })
}

/// Re-draws a ramp folder's charts from its `ramp.json` into `<dir>/charts/` (created if
/// missing); returns the chart files written, relative to `dir`. A `ramp.json` that does not
/// parse (the error gives the line and column) or has another schema is an error naming it.
pub fn replot_ramp(dir: &Path) -> Result<Vec<String>, OutputError> {
    let path = dir.join(RAMP_JSON);
    let text = fs::read_to_string(&path).map_err(OutputError::io(&path))?;
    let invalid = |message: String| OutputError::io(&path)(io::Error::new(io::ErrorKind::InvalidData, message));
    let report: RampReport = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    if report.schema != RAMP_SCHEMA {
        return Err(invalid(format!("schema \"{}\", expected \"{RAMP_SCHEMA}\"", report.schema)));
    }
    let charts_dir = dir.join(charts::DIR_NAME);
    fs::create_dir_all(&charts_dir).map_err(OutputError::io(&charts_dir))?;
    let written = charts::render_ramp_charts(&report, &charts_dir)?;
    Ok(written.into_iter().map(|f| format!("{}/{f}", charts::DIR_NAME)).collect())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::output::charts::ramp_lines::sample_ramp;

    #[test]
    fn writes_tables_and_charts() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("ramp");
        write_ramp(&sample_ramp(), &dir).expect("write_ramp");
        let mut files = BTreeSet::new();
        for entry in fs::read_dir(&dir).expect("dir").chain(fs::read_dir(dir.join("charts")).expect("charts")) {
            let path = entry.expect("entry").path();
            if path.is_file() {
                files.insert(path.strip_prefix(&dir).expect("inside").to_string_lossy().replace('\\', "/"));
            }
        }
        let expected = [
            "ramp.json",
            "ramp.csv",
            "charts/ramp_latency.svg",
            "charts/ramp_latency.png",
            "charts/ramp_loss.svg",
            "charts/ramp_loss.png",
        ];
        assert_eq!(files, expected.into_iter().map(String::from).collect());
        let png = fs::read(dir.join("charts/ramp_loss.png")).expect("png");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let svg = fs::read_to_string(dir.join("charts/ramp_latency.svg")).expect("svg");
        assert!(svg.contains("Load ramp: end-to-end p99 latency — Ramp town"));
        let json = fs::read_to_string(dir.join("ramp.json")).expect("json");
        assert!(json.contains("citytwin.ramp/1"));
    }

    /// Oracle: ramp.json holds the whole report (it reads back equal), so the charts re-drawn
    /// from it are byte for byte the ones the ramp drew; a damaged ramp.json is an error naming
    /// the file and the line.
    #[test]
    fn charts_redraw_from_ramp_json() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("ramp");
        let report = sample_ramp();
        write_ramp(&report, &dir).expect("write_ramp");
        let read: RampReport = serde_json::from_str(&fs::read_to_string(dir.join(RAMP_JSON)).unwrap()).unwrap();
        assert_eq!(read, report);
        let files = ["ramp_latency.svg", "ramp_latency.png", "ramp_loss.svg", "ramp_loss.png"];
        let charts = |d: &Path| files.map(|f| fs::read(d.join("charts").join(f)).expect("chart"));
        let before = charts(&dir);
        fs::remove_dir_all(dir.join("charts")).unwrap();
        let written = replot_ramp(&dir).expect("replot");
        assert_eq!(written, ["charts/ramp_latency.svg", "charts/ramp_loss.svg"]);
        assert!(charts(&dir) == before, "a re-drawn chart differs from the ramp's");
        let json = fs::read_to_string(dir.join(RAMP_JSON)).unwrap();
        fs::write(dir.join(RAMP_JSON), json.replacen("\"stages\"", "\"stage\"", 1)).unwrap();
        let err = replot_ramp(&dir).unwrap_err().to_string();
        assert!(err.contains("ramp.json") && err.contains("line"), "{err}");
    }
}
