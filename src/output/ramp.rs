//! The ramp's results folder: `ramp.json` (schema `citytwin.ramp/1`), `ramp.csv` (one row per
//! stage and design) and the ramp charts, written atomically like a run's results.

use std::fs;
use std::io;
use std::path::Path;

use super::{OutputError, atomic, charts};
use crate::ramp::{RampReport, csv};

/// Writes the ramp's folder at `dir`, replacing any previous one whole: `ramp.json`, `ramp.csv`
/// and, in `charts/`, `ramp_latency` and `ramp_loss` as SVG and PNG.
pub fn write_ramp(report: &RampReport, dir: &Path) -> Result<(), OutputError> {
    atomic::write_dir_atomically(dir, |staging| {
        let json = staging.join("ramp.json");
        let mut text = serde_json::to_string_pretty(report)
            .map_err(|e| OutputError::io(&json)(io::Error::new(io::ErrorKind::InvalidData, e)))?;
        text.push('\n');
        fs::write(&json, text).map_err(OutputError::io(&json))?;
        let table = staging.join("ramp.csv");
        fs::write(&table, csv(report)).map_err(OutputError::io(&table))?;
        charts::write_ramp_charts(report, &staging.join(charts::DIR_NAME))
    })
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
}
