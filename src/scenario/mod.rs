//! The planner's language: scenario files in TOML, their units, the city presets and sensor
//! catalogue they refer to, and validation that reports every problem with file, line, column,
//! key path and a hint.
//!
//! [`load`] is the one entry point: text in, a resolved [`Scenario`] (or all problems) out.

pub mod catalogue;
pub mod cities;
pub mod error;
pub mod live;
pub mod load;
pub mod pipeline;
pub mod privacy;
pub mod sweep;
pub mod types;
pub mod units;
pub mod validate;

pub use error::{Problem, ScenarioError};
pub use validate::{Scenario, SensorGroup};

use sha2::{Digest, Sha256};

/// Reads, parses, overrides (`--set KEY=VALUE`) and validates a scenario file.
pub fn load(path: &str, sets: &[String], seed: Option<u64>) -> Result<Scenario, ScenarioError> {
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Io { file: path.to_string(), source })?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let mut scenario = from_str(path, &text, sets, seed)?;
    scenario.sha256 = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    Ok(scenario)
}

/// Parses and validates scenario text; `path` is only used in messages and results.
pub fn from_str(path: &str, text: &str, sets: &[String], seed: Option<u64>) -> Result<Scenario, ScenarioError> {
    let invalid = |problems| ScenarioError::Invalid { file: path.to_string(), text: text.to_string(), problems };
    let mut parsed = load::parse(text, sets).map_err(invalid)?;
    let mut problems = Vec::new();
    load::check_keys(&mut parsed, &mut problems);
    let sections = read_sections(&parsed, &mut problems);
    // Semantic checks run on whatever deserialized, so their problems join the others.
    match validate::resolve(&sections, &parsed, seed) {
        Ok(scenario) if problems.is_empty() => {
            let warning_text = error::render_warnings(path, text, &scenario.warnings);
            Ok(Scenario { file: path.to_string(), overrides: sets.to_vec(), warning_text, ..scenario })
        }
        Ok(_) => Err(invalid(sorted(problems))),
        Err(more) => {
            problems.extend(more);
            Err(invalid(sorted(problems)))
        }
    }
}

/// Problems in file order; those without a position (flags, whole file) last.
fn sorted(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by_key(|p| p.line_col.unwrap_or((usize::MAX, 0)));
    problems
}

/// Deserializes each top-level section (and each `[[sensors]]` / `[[gateways]]` entry) on its
/// own, so that the problems of all of them are reported together; what failed is left out.
fn read_sections(parsed: &load::Parsed, problems: &mut Vec<Problem>) -> validate::Sections {
    let root = error::KeyPath::default();
    let before = problems.len();
    for key in ["scenario", "city"] {
        if parsed.root.get(key).is_none() {
            let hint = format!("add a [{key}] table; see the README's scenario format");
            problems.push(parsed.problem(&root, format!("missing section [{key}]"), Some(hint)));
        }
    }
    let mut sections = validate::Sections {
        scenario: section(parsed, "scenario", problems).flatten(),
        city: section(parsed, "city", problems).flatten(),
        sensors: list_at(parsed, parsed.root.get("sensors"), &root.key("sensors"), problems),
        gateways: list_at(parsed, parsed.root.get("gateways"), &root.key("gateways"), problems),
        failures: list_at(parsed, parsed.root.get("failures"), &root.key("failures"), problems),
        lorawan: section(parsed, "lorawan", problems).flatten(),
        cellular: section(parsed, "cellular", problems).flatten(),
        wifi: section(parsed, "wifi", problems).flatten(),
        wired: section(parsed, "wired", problems).flatten(),
        energy: section(parsed, "energy", problems).flatten(),
        repair: section(parsed, "repair", problems).flatten(),
        pipeline: section(parsed, "pipeline", problems).flatten(),
        privacy: section(parsed, "privacy", problems).flatten(),
        pipelines: list_at(parsed, parsed.root.get("pipelines"), &root.key("pipelines"), problems),
        costs: section(parsed, "costs", problems).flatten(),
        slo: section(parsed, "slo", problems).flatten(),
        output: section(parsed, "output", problems).flatten(),
        sweep: section(parsed, "sweep", problems).flatten(),
        live: section(parsed, "live", problems).flatten(),
        complete: false,
    };
    sections.complete = problems.len() == before;
    sections
}

/// A top-level section: `Some(None)` when absent, `None` when it failed to deserialize.
fn section<T: serde::de::DeserializeOwned>(
    parsed: &load::Parsed,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Option<Option<T>> {
    match parsed.root.get(key) {
        None => Some(None),
        Some(item) => load::deserialize_at(parsed, item, &error::KeyPath::default().key(key), problems).map(Some),
    }
}

/// Deserializes each element of an array (of tables) separately, keeping each element's index;
/// elements that fail are left out (their problems are recorded).
fn list_at<T: serde::de::DeserializeOwned>(
    parsed: &load::Parsed,
    item: Option<&toml_edit::Item>,
    path: &error::KeyPath,
    problems: &mut Vec<Problem>,
) -> Vec<(usize, T)> {
    use toml_edit::{Item, Value};
    let items: Vec<Item> = match item {
        None => return Vec::new(),
        Some(Item::ArrayOfTables(a)) => a.iter().map(|t| Item::Table(t.clone())).collect(),
        Some(Item::Value(Value::Array(a))) => a.iter().map(|v| Item::Value(v.clone())).collect(),
        Some(other) => {
            let found = other.type_name();
            let hint = Some(format!("write each entry as a [[{path}]] table"));
            problems.push(parsed.problem(path, format!("expected an array of tables, found {found}"), hint));
            return Vec::new();
        }
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, it)| load::deserialize_at(parsed, it, &path.index(i), problems).map(|v| (i, v)))
        .collect()
}
