//! `register.json`: the transparency register of the run (schema `citytwin.register/1`), one
//! record per sensor group with its DTPR and Amsterdam-register fields, and the five-principles
//! scorecard beside it, pretty-printed so a city can publish or diff it on its own, apart from
//! the much larger `summary.json`.

use std::fs;
use std::io;
use std::path::Path;

use serde::Serialize;

use super::OutputError;
use crate::governance::register::RegisterEntry;
use crate::metrics::report::{Principle, Report};

/// File name inside the results folder.
pub const FILE_NAME: &str = "register.json";
/// The file's `schema` field.
pub const REGISTER_SCHEMA: &str = "citytwin.register/1";

/// The file's top level.
#[derive(Serialize)]
struct RegisterFile<'a> {
    schema: &'static str,
    scenario: &'a str,
    records: &'a [RegisterEntry],
    principles: &'a [Principle],
}

/// The register as text: pretty JSON with a trailing newline.
pub fn render_register(report: &Report) -> Result<String, serde_json::Error> {
    let file = RegisterFile {
        schema: REGISTER_SCHEMA,
        scenario: &report.scenario.name,
        records: &report.register,
        principles: &report.principles,
    };
    let mut text = serde_json::to_string_pretty(&file)?;
    text.push('\n');
    Ok(text)
}

/// Writes [`render_register`] to `path`.
pub fn write_register(report: &Report, path: &Path) -> Result<(), OutputError> {
    // As with the summary, serialising plain data cannot fail in practice; report it against the
    // file should it ever happen.
    let text =
        render_register(report).map_err(|e| OutputError::io(path)(io::Error::new(io::ErrorKind::InvalidData, e)))?;
    fs::write(path, text).map_err(OutputError::io(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::report::{Check, Status};
    use crate::output::sample_report;

    /// A complete record of a pedestrian counter.
    fn record() -> RegisterEntry {
        RegisterEntry {
            group: "kiosk counters".to_string(),
            kind: "wifi_ble_counter",
            title: "Wi-Fi/BLE device counter (pedestrian flow)",
            devices: 40,
            purpose: "mobility".to_string(),
            accountable: Some("City transport department".to_string()),
            technology: "identifiable_wifi_sensor",
            data_type: "device identifiers (Wi-Fi and Bluetooth MAC addresses)",
            processing: vec!["de_identified", "k_anonymity"],
            storage: Some("stored_on_3rd_party_cloud".to_string()),
            retention: "data_retained (7d)".to_string(),
            access: None,
            classification: "private",
            contains_personal_data: true,
            legal_ground: Some("public task".to_string()),
            privacy_statement: None,
            planned_end: None,
            connectivity: "lorawan",
            power_source: "mains",
            location: "across the simulated area".to_string(),
            sign_colour: Some("#36B2E6"),
            missing: vec!["access", "privacy_statement"],
        }
    }

    #[test]
    fn register_file_parses_and_holds_the_records() {
        let mut report = sample_report();
        report.register = vec![record(), RegisterEntry { group: "bins".to_string(), ..record() }];
        report.principles = vec![Principle {
            principle: "privacy & transparency",
            status: Status::Warn,
            checks: vec![Check { id: "register_complete", status: Status::Warn, reason: "2 missing".to_string() }],
        }];
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join(FILE_NAME);
        write_register(&report, &path).expect("write");

        let text = fs::read_to_string(&path).expect("read");
        assert!(text.starts_with("{\n  \"schema\": \"citytwin.register/1\",\n"));
        assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
        let json: serde_json::Value = serde_json::from_str(&text).expect("parse");
        assert_eq!(json["schema"], REGISTER_SCHEMA);
        assert_eq!(json["scenario"], "Test town");
        let records = json["records"].as_array().expect("records");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0]["group"], "kiosk counters");
        assert_eq!(records[1]["group"], "bins");
        assert_eq!(records[0]["processing"], serde_json::json!(["de_identified", "k_anonymity"]));
        assert_eq!(records[0]["missing"], serde_json::json!(["access", "privacy_statement"]));
        assert_eq!(records[0]["access"], serde_json::Value::Null);
        assert_eq!(json["principles"][0]["status"], "warn");
        assert_eq!(json["principles"][0]["checks"][0]["id"], "register_complete");
    }

    #[test]
    fn an_empty_register_is_still_a_register() {
        let text = render_register(&sample_report()).expect("serialise");
        let json: serde_json::Value = serde_json::from_str(&text).expect("parse");
        assert_eq!(json["records"], serde_json::json!([]));
        assert_eq!(json["principles"], serde_json::json!([]));
    }
}
