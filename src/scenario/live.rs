//! The live part of a scenario file: `[live]` sets the MQTT topic and payload templates that
//! `citytwin live` and `citytwin calibrate` publish with, for every kind (`topic`) or per sensor
//! kind (`[live.kinds.<kind>]`, `topic` and `payload`), so the test traffic matches what the
//! ingestion stack under test expects. `citytwin run` ignores it. Templates are checked here, at
//! load time: placeholders, topic wildcards, and a sample payload that must parse as JSON; the
//! scenario keeps the section as written and resolves a kind's templates when asked.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::catalogue;
use super::error::{KeyPath, Report};
use crate::live::{readings, template};

/// The topic template when the scenario gives none.
pub const DEFAULT_TOPIC: &str = "city/{district}/{kind}/{sensor}";

/// `[live]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LiveSection {
    /// Topic template for every kind without its own, e.g. "city/{district}/{kind}/{sensor}"
    /// (the default). Placeholders: {district}, {kind}, {sensor} (`<kind>-<id>`), {id} (6 digits).
    #[serde(default)]
    pub topic: Option<String>,
    /// Templates per sensor kind (its catalogue id).
    #[serde(default)]
    pub kinds: BTreeMap<String, KindTemplates>,
}

/// `[live.kinds.<kind>]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KindTemplates {
    /// Topic template for this kind.
    #[serde(default)]
    pub topic: Option<String>,
    /// Payload template: a JSON object whose values may be placeholders, e.g.
    /// `{"bay":"{id}","occupied":{occupied}}`: the topic's placeholders plus {sim_time_s},
    /// {battery_v} and the kind's fields. Text placeholders need quotes. citytwin writes its
    /// header (`seq`, `t_us`, `run`) first inside the object.
    #[serde(default)]
    pub payload: Option<String>,
}

impl LiveSection {
    /// The topic template of `kind`: its own, else `[live] topic`, else [`DEFAULT_TOPIC`].
    pub fn topic(&self, kind: &str) -> &str {
        self.kinds.get(kind).and_then(|k| k.topic.as_deref()).or(self.topic.as_deref()).unwrap_or(DEFAULT_TOPIC)
    }

    /// The payload template of `kind`: its own, else [`readings::default_payload`].
    pub fn payload(&self, kind: &str) -> String {
        self.kinds.get(kind).and_then(|k| k.payload.clone()).unwrap_or_else(|| readings::default_payload(kind))
    }
}

/// Checks `[live]`, reporting each problem against its key.
pub fn check(s: &LiveSection, path: &KeyPath, err: Report) {
    let topic_hint = || Some("e.g. \"city/{district}/{kind}/{sensor}\"".to_string());
    if let Some(t) = &s.topic
        && let Err(e) = template::check_topic(t)
    {
        err(&path.key("topic"), e, topic_hint());
    }
    for (kind, k) in &s.kinds {
        let here = path.key("kinds").key(kind);
        if catalogue::find(kind).is_none() {
            err(&here, format!("unknown sensor kind \"{kind}\""), Some(catalogue::unknown_kind_hint(kind)));
            continue;
        }
        if let Some(t) = &k.topic
            && let Err(e) = template::check_topic(t)
        {
            err(&here.key("topic"), e, topic_hint());
        }
        if let Some(p) = &k.payload
            && let Err(e) = template::check_payload(p, kind)
        {
            let hint = format!("e.g. {}", readings::default_payload(kind));
            err(&here.key("payload"), e, Some(hint));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(s: &LiveSection) -> Vec<(String, String)> {
        let mut out = Vec::new();
        check(s, &KeyPath::default().key("live"), &mut |p, m, _| out.push((p.to_string(), m)));
        out
    }

    /// Oracle: a kind's own templates win over `[live] topic`, which wins over the default;
    /// kinds without a payload template get the default one.
    #[test]
    fn kind_templates_win() {
        let mut kinds = BTreeMap::new();
        kinds.insert(
            "parking".to_string(),
            KindTemplates { topic: Some("p/{id}".into()), payload: Some("{\"o\":{occupied}}".into()) },
        );
        let s = LiveSection { topic: Some("t/{sensor}".into()), kinds };
        assert!(problems(&s).is_empty());
        assert_eq!(s.topic("parking"), "p/{id}");
        assert_eq!(s.topic("noise"), "t/{sensor}");
        assert_eq!(s.payload("parking"), "{\"o\":{occupied}}");
        assert_eq!(s.payload("noise"), readings::default_payload("noise"));
        assert_eq!(LiveSection::default().topic("noise"), DEFAULT_TOPIC);
    }

    /// Oracle: each bad template is reported at its own key.
    #[test]
    fn problems_name_their_keys() {
        let mut kinds = BTreeMap::new();
        kinds.insert("parkng".to_string(), KindTemplates::default());
        kinds.insert(
            "noise".to_string(),
            KindTemplates { topic: Some("n/#".into()), payload: Some("{\"x\":{laeq}}".into()) },
        );
        let s = LiveSection { topic: Some("city/{nope}".into()), kinds };
        let p = problems(&s);
        let keys: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["live.topic", "live.kinds.noise.topic", "live.kinds.noise.payload", "live.kinds.parkng"]);
        assert!(p[3].1.contains("unknown sensor kind"));
    }
}
