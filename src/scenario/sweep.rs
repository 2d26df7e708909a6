//! The sweep part of a scenario file: `[sweep]` declares the parameter grid that
//! `citytwin sweep` runs (each `vary` entry is a key path, written as in `--set`, and the values
//! it takes; every combination is a grid point), the replications per point and the metrics its
//! charts show. `citytwin run` ignores the section. Also the metric names a sweep records, and
//! the resolution of the section (and of `--vary` flags) with each problem reported against its
//! key.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::{KeyPath, Report};

/// Replications per grid point when neither the file nor `--reps` says.
pub const DEFAULT_REPLICATIONS: u32 = 5;
/// Most runs one sweep may plan.
pub const MAX_RUNS: u64 = 1_000_000;

/// Every metric a sweep records per run, with its description; `sweep.csv` has one column each,
/// in this order.
pub const METRICS: [(&str, &str); 14] = [
    ("generated", "Readings generated"),
    ("delivered", "Readings delivered to the network server"),
    ("delivery_ratio", "Delivery ratio"),
    ("collision_ratio", "Share of readings lost to collisions"),
    ("out_of_range_ratio", "Share of readings lost out of range"),
    ("latency_p50_ms", "Latency p50 (ms)"),
    ("latency_p99_ms", "Latency p99 (ms)"),
    ("lifetime_p5_years", "Battery lifetime, 5th percentile (years)"),
    ("lifetime_median_years", "Battery lifetime, median (years)"),
    ("kwh_per_year", "Infrastructure energy (kWh per year)"),
    ("co2_kg_per_year", "CO2 (kg per year)"),
    ("tco", "Total cost of ownership"),
    ("pipeline_delivery_ratio", "Pipeline delivery ratio (first design)"),
    ("pipeline_p99_ms", "Pipeline p99 latency, first design (ms)"),
];

/// Metrics charted when `[sweep] metrics` is not given.
pub const DEFAULT_CHART_METRICS: [&str; 2] = ["delivery_ratio", "latency_p99_ms"];

/// `[sweep]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SweepSection {
    /// Runs per grid point, each with its own seed derived from the master seed (default 5).
    /// `--reps` overrides it.
    #[serde(default)]
    pub replications: Option<u32>,
    /// The parameters varied; every combination of their values is a grid point. `--vary`
    /// replaces the whole list.
    #[serde(default)]
    pub vary: Vec<VarySpec>,
    /// Metrics charted against the first varied parameter (default: delivery_ratio and
    /// latency_p99_ms); every metric is recorded in sweep.csv either way.
    #[serde(default)]
    pub metrics: Option<Vec<String>>,
}

/// One varied parameter: `{ key = "sensors[0].count", values = [500, 1000, 2000] }`.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VarySpec {
    /// The key path, as in `--set`, e.g. `sensors[0].count` or `gateways[0].count`.
    pub key: String,
    /// The values it takes, in order.
    pub values: Vec<SweepValue>,
}

/// A value of a varied parameter.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum SweepValue {
    /// A whole number.
    Int(i64),
    /// A number.
    Float(f64),
    /// true or false.
    Bool(bool),
    /// Text, e.g. a duration "5m" or a name.
    Text(String),
}

/// A varied parameter, resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Key path as in `--set`.
    pub key: String,
    /// Its values.
    pub values: Vec<ParamValue>,
}

/// One value of a varied parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamValue {
    /// The value as a TOML literal, for `--set key=<set>`.
    pub set: String,
    /// The value as shown in CSV files and charts (text without quotes).
    pub label: String,
    /// Its number, when it is one (for chart axes).
    pub number: Option<f64>,
}

impl ParamValue {
    /// A value written in the scenario file.
    pub fn from_spec(v: &SweepValue) -> ParamValue {
        match v {
            SweepValue::Int(i) => ParamValue { set: i.to_string(), label: i.to_string(), number: Some(*i as f64) },
            SweepValue::Float(f) => ParamValue { set: f.to_string(), label: f.to_string(), number: Some(*f) },
            SweepValue::Bool(b) => ParamValue { set: b.to_string(), label: b.to_string(), number: None },
            SweepValue::Text(s) => {
                ParamValue { set: toml_edit::Value::from(s.as_str()).to_string(), label: s.clone(), number: None }
            }
        }
    }

    /// A value given on the command line: taken as TOML when it parses as such, else as text
    /// (as `--set` does).
    pub fn from_flag(raw: &str) -> ParamValue {
        let raw = raw.trim();
        match raw.parse::<toml_edit::Value>() {
            Ok(toml_edit::Value::Integer(i)) => ParamValue::from_spec(&SweepValue::Int(*i.value())),
            Ok(toml_edit::Value::Float(f)) => ParamValue::from_spec(&SweepValue::Float(*f.value())),
            Ok(toml_edit::Value::Boolean(b)) => ParamValue::from_spec(&SweepValue::Bool(*b.value())),
            Ok(toml_edit::Value::String(s)) => ParamValue::from_spec(&SweepValue::Text(s.value().clone())),
            _ => ParamValue::from_spec(&SweepValue::Text(raw.to_string())),
        }
    }
}

/// `[sweep]`, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepConfig {
    /// Runs per grid point.
    pub replications: u32,
    /// Varied parameters, in file order (the first is the charts' x axis).
    pub vary: Vec<Param>,
    /// Metrics charted.
    pub metrics: Vec<String>,
}

impl Param {
    /// A value listed twice (by its label, as the CSV files and charts show it), if any.
    pub fn repeated_value(&self) -> Option<&str> {
        let mut seen = std::collections::HashSet::new();
        self.values.iter().map(|v| v.label.as_str()).find(|l| !seen.insert(*l))
    }
}

/// Runs planned for a grid and its replications; None when the count does not fit in a u64.
pub fn planned_runs(params: &[Param], replications: u32) -> Option<u64> {
    params.iter().try_fold(u64::from(replications), |n, p| n.checked_mul(p.values.len() as u64))
}

/// Checks one varied key (shared by the file and `--vary`): a key path, not the seed (the
/// replications vary it), not `[sweep]` itself, and not twice.
pub fn check_key(key: &str, earlier: &[Param]) -> Result<(), (String, String)> {
    let hint = "write a key path as in --set, e.g. sensors[0].count or gateways[0].count".to_string();
    if KeyPath::parse(key).is_none() {
        return Err((format!("`{key}` is not a key path"), hint));
    }
    if key == "scenario.seed" {
        return Err(("the seed is varied by the replications".into(), "set `replications` instead".into()));
    }
    if key.starts_with("sweep") {
        return Err(("a sweep cannot vary its own settings".into(), hint));
    }
    if earlier.iter().any(|p| p.key == key) {
        return Err((format!("`{key}` is varied twice"), "list all its values in one entry".into()));
    }
    Ok(())
}

/// Resolves `[sweep]`, reporting each problem at its key.
pub fn resolve(s: &SweepSection, path: &KeyPath, err: Report) -> SweepConfig {
    let replications = s.replications.unwrap_or(DEFAULT_REPLICATIONS);
    if replications == 0 {
        err(&path.key("replications"), "0 replications".into(), Some("e.g. replications = 10".into()));
    }
    let mut vary: Vec<Param> = Vec::new();
    for (i, v) in s.vary.iter().enumerate() {
        let at = path.key("vary").index(i);
        if let Err((message, hint)) = check_key(&v.key, &vary) {
            err(&at.key("key"), message, Some(hint));
        }
        if v.values.is_empty() {
            err(&at.key("values"), "no values".into(), Some("e.g. values = [500, 1000, 2000]".into()));
        }
        let param = Param { key: v.key.clone(), values: v.values.iter().map(ParamValue::from_spec).collect() };
        if let Some(label) = param.repeated_value() {
            err(&at.key("values"), format!("{label} is listed twice"), Some("list each value once".into()));
        }
        vary.push(param);
    }
    if planned_runs(&vary, replications).is_none_or(|runs| runs > MAX_RUNS) {
        let hint = Some("fewer values or replications".into());
        err(path, format!("more than {MAX_RUNS} runs planned"), hint);
    }
    let metrics = match &s.metrics {
        Some(list) => {
            for (i, m) in list.iter().enumerate() {
                if let Err(hint) = check_metric(m) {
                    err(&path.key("metrics").index(i), format!("no sweep metric is named \"{m}\""), Some(hint));
                }
            }
            list.clone()
        }
        None => DEFAULT_CHART_METRICS.iter().map(|m| m.to_string()).collect(),
    };
    SweepConfig { replications, vary, metrics }
}

/// Ok when `name` is a sweep metric; else a hint naming the nearest one and all of them.
pub fn check_metric(name: &str) -> Result<(), String> {
    if METRICS.iter().any(|(m, _)| *m == name) {
        return Ok(());
    }
    let names: Vec<&str> = METRICS.iter().map(|(m, _)| *m).collect();
    let near = super::error::nearest(name, names.iter().copied());
    let all = names.join(", ");
    Err(match near {
        Some(n) => format!("did you mean \"{n}\"? metrics: {all}"),
        None => format!("metrics: {all}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(s: &SweepSection) -> (SweepConfig, Vec<String>) {
        let mut problems = Vec::new();
        let cfg = resolve(s, &KeyPath::default().key("sweep"), &mut |p, m, _| problems.push(format!("{p}: {m}")));
        (cfg, problems)
    }

    #[test]
    fn values_keep_their_toml_form_and_label() {
        let v = ParamValue::from_spec(&SweepValue::Text("5m".into()));
        assert_eq!((v.set.as_str(), v.label.as_str(), v.number), ("\"5m\"", "5m", None));
        let v = ParamValue::from_flag("2000");
        assert_eq!((v.set.as_str(), v.number), ("2000", Some(2000.0)));
        let v = ParamValue::from_flag("0.5");
        assert_eq!(v.number, Some(0.5));
        // Not TOML: taken as text, as `--set` does.
        let v = ParamValue::from_flag("5m");
        assert_eq!((v.set.as_str(), v.label.as_str()), ("\"5m\"", "5m"));
    }

    #[test]
    fn defaults_and_problems() {
        let (cfg, problems) = resolved(&SweepSection::default());
        assert!(problems.is_empty());
        assert_eq!(cfg.replications, DEFAULT_REPLICATIONS);
        assert_eq!(cfg.metrics, ["delivery_ratio", "latency_p99_ms"]);

        let bad = SweepSection {
            replications: Some(0),
            vary: vec![
                VarySpec { key: "scenario.seed".into(), values: vec![SweepValue::Int(1)] },
                VarySpec { key: "sensors[0].count".into(), values: vec![] },
                VarySpec { key: "sensors[0].count".into(), values: vec![SweepValue::Int(1)] },
                VarySpec { key: "gateways[0].count".into(), values: vec![SweepValue::Int(2), SweepValue::Float(2.0)] },
            ],
            metrics: Some(vec!["delivery_ration".into()]),
        };
        let (_, problems) = resolved(&bad);
        assert_eq!(problems.len(), 6, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("2 is listed twice")), "{problems:?}");
        assert!(problems[0].contains("replications"));
        assert!(problems.iter().any(|p| p.contains("varied by the replications")));
        assert!(problems.iter().any(|p| p.contains("varied twice")));
        assert!(check_metric("delivery_ration").unwrap_err().contains("did you mean \"delivery_ratio\""));
    }

    #[test]
    fn too_many_runs_is_refused() {
        let many = SweepSection {
            replications: Some(1000),
            vary: vec![VarySpec { key: "sensors[0].count".into(), values: (0..2000).map(SweepValue::Int).collect() }],
            metrics: None,
        };
        let (_, problems) = resolved(&many);
        assert!(problems.iter().any(|p| p.contains("runs planned")), "{problems:?}");
        // A grid too large for a u64 is refused, not wrapped around.
        let huge: Vec<Param> =
            (0..5).map(|i| Param { key: format!("k{i}"), values: vec![ParamValue::from_flag("1"); 8192] }).collect();
        assert_eq!(planned_runs(&huge, 1), None);
        assert_eq!(planned_runs(&huge[..2], 3), Some(3 * 8192 * 8192));
    }
}
