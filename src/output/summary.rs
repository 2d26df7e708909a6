//! `summary.json`: the serde form of the [`Report`] (schema `citytwin.summary/1`), pretty-printed
//! so diffs between runs read line by line.

use std::fs;
use std::io;
use std::path::Path;

use super::OutputError;
use crate::metrics::report::Report;

/// File name inside the results folder.
pub const FILE_NAME: &str = "summary.json";

/// The summary as text: pretty JSON with a trailing newline. The report's `timeseries` and `map`
/// are skipped by its `Serialize` impl; they go to their own files.
pub fn render_summary(report: &Report) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

/// Writes [`render_summary`] to `path`.
pub fn write_summary(report: &Report, path: &Path) -> Result<(), OutputError> {
    // Serialising plain data only fails on non-string map keys, which the Report does not have;
    // should it ever happen, report it against the file rather than panic.
    let text =
        render_summary(report).map_err(|e| OutputError::io(path)(io::Error::new(io::ErrorKind::InvalidData, e)))?;
    fs::write(path, text).map_err(OutputError::io(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::sample_report;

    #[test]
    fn summary_is_pretty_json_with_trailing_newline() {
        let text = render_summary(&sample_report()).expect("serialise");
        assert!(text.starts_with("{\n  \"schema\": \"citytwin.summary/1\",\n"));
        assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
        let json: serde_json::Value = serde_json::from_str(&text).expect("parse");
        assert_eq!(json["scenario"]["name"], "Test town");
        assert_eq!(json["seed"], 7);
    }
}
