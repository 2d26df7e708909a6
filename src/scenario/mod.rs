//! The planner's language: scenario files in TOML, their units, the city presets and sensor
//! catalogue they refer to, and validation that reports every problem with file, line, column,
//! key path and a hint.
//!
//! [`load`] is the one entry point: text in, a resolved [`Scenario`] (or all problems) out.

pub mod catalogue;
pub mod cities;
pub mod error;
pub mod load;
pub mod types;
pub mod units;
pub mod validate;

pub use error::{Problem, ScenarioError};
pub use validate::{Scenario, SensorGroup};

use sha2::{Digest, Sha256};

/// Reads, parses, overrides (`--set KEY=VALUE`) and validates a scenario file.
pub fn load(path: &str, sets: &[String], seed: Option<u64>) -> Result<Scenario, ScenarioError> {
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Io {
        file: path.to_string(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let mut scenario = from_str(path, &text, sets, seed)?;
    scenario.sha256 = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    Ok(scenario)
}

/// Parses and validates scenario text; `path` is only used in messages and results.
pub fn from_str(path: &str, text: &str, sets: &[String], seed: Option<u64>) -> Result<Scenario, ScenarioError> {
    let invalid = |problems| ScenarioError::Invalid {
        file: path.to_string(),
        text: text.to_string(),
        problems,
    };
    let parsed = load::parse(text, sets).map_err(invalid)?;
    let mut problems = Vec::new();
    load::check_keys(&parsed, &mut problems);
    let file = read_sections(&parsed, &mut problems);
    let scenario = match file {
        Some(file) if problems.is_empty() => validate::resolve(&file, &parsed, seed).map_err(invalid)?,
        _ => return Err(invalid(problems)),
    };
    Ok(Scenario {
        file: path.to_string(),
        overrides: sets.to_vec(),
        sha256: String::new(),
        ..scenario
    })
}

/// Deserializes each top-level section (and each `[[sensors]]` / `[[gateways]]` entry) on its
/// own, so that the problems of all of them are reported together.
fn read_sections(parsed: &load::Parsed, problems: &mut Vec<Problem>) -> Option<types::ScenarioFile> {
    let root = error::KeyPath::default();
    let table = parsed.root.as_table_like()?;
    let mut required = |key: &str| {
        if table.get(key).is_none() {
            let hint = format!("add a [{key}] table; see the README's scenario format");
            problems.push(parsed.problem(&root, format!("missing section [{key}]"), Some(hint)));
        }
    };
    required("scenario");
    required("city");
    let scenario = section(parsed, "scenario", problems);
    let city = section(parsed, "city", problems);
    let sensors = list_at(parsed, table.get("sensors"), &root.key("sensors"), problems);
    let gateways = list_at(parsed, table.get("gateways"), &root.key("gateways"), problems);
    let lorawan = section(parsed, "lorawan", problems);
    let slo = section(parsed, "slo", problems);
    let output = section(parsed, "output", problems);
    Some(types::ScenarioFile {
        scenario: scenario??,
        city: city??,
        sensors: sensors?,
        gateways: gateways?,
        lorawan: lorawan?,
        slo: slo?,
        output: output?,
    })
}

/// A top-level section: `Some(None)` when absent, `None` when it failed to deserialize.
fn section<T: serde::de::DeserializeOwned>(
    parsed: &load::Parsed,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Option<Option<T>> {
    match parsed.root.as_table_like().and_then(|t| t.get(key)) {
        None => Some(None),
        Some(item) => load::deserialize_at(parsed, item, &error::KeyPath::default().key(key), problems).map(Some),
    }
}

/// Deserializes each element of an array (of tables) separately.
fn list_at<T: serde::de::DeserializeOwned>(
    parsed: &load::Parsed,
    item: Option<&toml_edit::Item>,
    path: &error::KeyPath,
    problems: &mut Vec<Problem>,
) -> Option<Vec<T>> {
    use toml_edit::{Item, Value};
    let items: Vec<Item> = match item {
        None => return Some(Vec::new()),
        Some(Item::ArrayOfTables(a)) => a.iter().map(|t| Item::Table(t.clone())).collect(),
        Some(Item::Value(Value::Array(a))) => a.iter().map(|v| Item::Value(v.clone())).collect(),
        Some(other) => return load::deserialize_at(parsed, other, path, problems),
    };
    let before = problems.len();
    let out: Vec<Option<T>> = items
        .iter()
        .enumerate()
        .map(|(i, it)| load::deserialize_at(parsed, it, &path.index(i), problems))
        .collect();
    if problems.len() > before {
        return None;
    }
    out.into_iter().collect()
}
