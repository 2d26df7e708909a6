//! The ramp's results folder: `ramp.json` (schema `citytwin.ramp/1`), `ramp.csv` (one row per
//! stage and design) and the ramp charts, written atomically like a run's results.

use std::fs;
use std::io;
use std::path::Path;

use super::{OutputError, atomic};
use crate::ramp::{RampReport, csv};

/// Writes the ramp's folder at `dir`, replacing any previous one whole.
pub fn write_ramp(report: &RampReport, dir: &Path) -> Result<(), OutputError> {
    atomic::write_dir_atomically(dir, |staging| {
        let json = staging.join("ramp.json");
        let mut text = serde_json::to_string_pretty(report)
            .map_err(|e| OutputError::io(&json)(io::Error::new(io::ErrorKind::InvalidData, e)))?;
        text.push('\n');
        fs::write(&json, text).map_err(OutputError::io(&json))?;
        let table = staging.join("ramp.csv");
        fs::write(&table, csv(report)).map_err(OutputError::io(&table))
    })
}
