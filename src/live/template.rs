//! Topic and payload templates: text with `{name}` placeholders, compiled once per topic group
//! (district and sensor kind) into parts and rendered per message.
//!
//! A placeholder is `{` + lower-case letters, digits or `_` + `}`; any other brace is text, so a
//! JSON payload template needs no escaping: in `{"occupied":{occupied}}` the outer braces are
//! text and `{occupied}` is a placeholder. Placeholders insert raw text: quote the ones that are
//! text in JSON (`"sensor":"{sensor}"`). Topics may use the naming placeholders
//! ([`readings::NAMING`]); payloads also the reading time, the battery voltage and the kind's
//! fields ([`readings::fields`]). A payload template must be a JSON object: the message header
//! (`seq`, `t_us`, `run`) is written first inside it.

use std::fmt::Write as _;

use super::readings::{self, Field};

/// A compiled piece of a template.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    /// Text, including the district and kind, which are fixed per topic group.
    Lit(String),
    /// The sensor's 6-digit id.
    Id,
    /// `<kind>-<id>`.
    Sensor,
    /// Simulated time of the reading, s.
    SimTime,
    /// Battery voltage.
    Battery,
    /// The kind's field at this index.
    Field(usize),
}

/// Splits `text` into text and placeholder names, in order.
fn pieces(text: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut lit_start = 0;
    let mut i = 0;
    let b = text.as_bytes();
    while i < b.len() {
        if b[i] == b'{' {
            let n =
                b[i + 1..].iter().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || **c == b'_').count();
            if n > 0 && b.get(i + 1 + n) == Some(&b'}') {
                if lit_start < i {
                    out.push((false, &text[lit_start..i]));
                }
                out.push((true, &text[i + 1..i + 1 + n]));
                i += n + 2;
                lit_start = i;
                continue;
            }
        }
        i += 1;
    }
    if lit_start < text.len() {
        out.push((false, &text[lit_start..]));
    }
    out
}

/// The placeholders a template for `kind` may use.
fn allowed(kind: &str, payload: bool) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = readings::NAMING.to_vec();
    if payload {
        names.extend(readings::PAYLOAD_EXTRA);
        names.extend(readings::fields(kind).iter().map(|f| f.name));
    }
    names
}

/// Compiles `text` for messages of `kind` in `district`; an unknown placeholder is an error
/// naming it and the ones allowed.
pub fn compile(text: &str, kind: &str, district: &str, payload: bool) -> Result<Vec<Part>, String> {
    let fields = readings::fields(kind);
    let mut parts: Vec<Part> = Vec::new();
    let lit = |parts: &mut Vec<Part>, s: &str| match parts.last_mut() {
        Some(Part::Lit(l)) => l.push_str(s),
        _ => parts.push(Part::Lit(s.to_string())),
    };
    for (slot, s) in pieces(text) {
        if !slot {
            lit(&mut parts, s);
            continue;
        }
        let field = fields.iter().position(|f| f.name == s).filter(|_| payload);
        match (s, field) {
            ("district", _) => lit(&mut parts, district),
            ("kind", _) => lit(&mut parts, kind),
            ("sensor", _) => parts.push(Part::Sensor),
            ("id", _) => parts.push(Part::Id),
            ("sim_time_s", _) if payload => parts.push(Part::SimTime),
            ("battery_v", _) if payload => parts.push(Part::Battery),
            (_, Some(i)) => parts.push(Part::Field(i)),
            _ => {
                let what = if payload { format!("a {kind} payload") } else { "a topic".to_string() };
                return Err(format!(
                    "unknown placeholder {{{s}}} in {what}; it may use {}",
                    allowed(kind, payload).iter().map(|n| format!("{{{n}}}")).collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    Ok(parts)
}

/// One message's values.
#[derive(Clone, Copy, Debug)]
pub struct Values<'a> {
    /// Sensor kind id.
    pub kind: &'a str,
    /// The kind's fields.
    pub fields: &'a [Field],
    /// Sensor id.
    pub sensor: u32,
    /// Reading hash ([`readings::reading_hash`]).
    pub hash: u64,
    /// Simulated time of the reading, µs.
    pub sim_us: u64,
}

/// Appends `parts` rendered with `v` to `out`.
pub fn render(parts: &[Part], v: &Values<'_>, out: &mut String) {
    for p in parts {
        let _ = match p {
            Part::Lit(s) => {
                out.push_str(s);
                Ok(())
            }
            Part::Id => write!(out, "{:06}", v.sensor),
            Part::Sensor => write!(out, "{}-{:06}", v.kind, v.sensor),
            Part::SimTime => write!(out, "{}", readings::Fx(v.sim_us as f64 / 1e6, 3)),
            Part::Battery => {
                readings::write_battery(v.hash, out);
                Ok(())
            }
            Part::Field(i) => {
                readings::write_field(v.fields, *i, v.hash, v.sensor, out);
                Ok(())
            }
        };
    }
}

/// A payload template split for the header: the parts after its opening `{`, and whether the
/// header needs a comma before them (false for an empty object).
pub fn payload_body(text: &str, kind: &str, district: &str) -> Result<(Vec<Part>, bool), String> {
    let t = text.trim();
    let body = t
        .strip_prefix('{')
        .filter(|_| t.ends_with('}'))
        .ok_or_else(|| "a payload template must be a JSON object, from `{` to `}`".to_string())?;
    let comma = !body.trim_start().starts_with('}');
    Ok((compile(body, kind, district, true)?, comma))
}

/// Checks a topic template: known placeholders, and no MQTT wildcard (`+`, `#`), control
/// character or leading `$` (reserved for the broker) in its text.
pub fn check_topic(text: &str) -> Result<(), String> {
    let parts = compile(text, "kind", "district", false)?;
    if text.is_empty() {
        return Err("a topic template cannot be empty".into());
    }
    if text.starts_with('$') {
        return Err("a topic starting with `$` is reserved for the broker".into());
    }
    let lit: String = parts.iter().filter_map(|p| if let Part::Lit(s) = p { Some(s.as_str()) } else { None }).collect();
    if let Some(c) = lit.chars().find(|c| matches!(c, '+' | '#')) {
        return Err(format!("a topic cannot contain {c:?}: `+` and `#` are subscription wildcards"));
    }
    match lit.chars().find(|c| c.is_control()) {
        // The broker refuses control characters in topics (MQTT 3.1.1 §1.5.3) and drops the
        // connection.
        Some(c) => Err(format!("a topic cannot contain the control character {c:?}")),
        None => Ok(()),
    }
}

/// Checks a payload template for `kind`: known placeholders, a sample rendering that parses as
/// a JSON object (the header written before its fields keeps it one), and none of the header's
/// keys among its own.
pub fn check_payload(text: &str, kind: &str) -> Result<(), String> {
    let (body, _) = payload_body(text, kind, "district")?;
    let values =
        Values { kind, fields: readings::fields(kind), sensor: 1, hash: readings::reading_hash(1, 0), sim_us: 0 };
    let mut sample = String::from("{");
    render(&body, &values, &mut sample);
    let keys = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&sample)
        .map_err(|e| format!("a sample payload is not JSON ({e}): {sample}"))?;
    match HEADER_KEYS.iter().find(|k| keys.contains_key(**k)) {
        Some(k) => Err(format!("`{k}` is citytwin's own header key, written first in every payload; use another name")),
        None => Ok(()),
    }
}

/// The keys of the header citytwin writes first in every payload.
const HEADER_KEYS: [&str; 3] = ["seq", "t_us", "run"];

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle: JSON braces are text, `{name}` is a placeholder, district and kind are fixed.
    #[test]
    fn compiles_placeholders_among_json_braces() {
        let parts = compile("{\"o\":{occupied},\"at\":\"{district}/{sensor}\"}", "parking", "soho", true).unwrap();
        assert_eq!(
            parts,
            [
                Part::Lit("{\"o\":".into()),
                Part::Field(0),
                Part::Lit(",\"at\":\"soho/".into()),
                Part::Sensor,
                Part::Lit("\"}".into())
            ]
        );
        let v = Values { kind: "parking", fields: readings::fields("parking"), sensor: 42, hash: 0, sim_us: 0 };
        let mut out = String::new();
        render(&parts, &v, &mut out);
        assert_eq!(out, "{\"o\":true,\"at\":\"soho/parking-000042\"}");
    }

    /// Oracle: unknown placeholders, fields in topics, wildcards and non-JSON payloads are
    /// refused with what is allowed.
    #[test]
    fn refuses_bad_templates() {
        let e = compile("a/{occupied}", "parking", "d", false).unwrap_err();
        assert!(e.contains("{occupied}") && e.contains("{sensor}") && !e.contains("{battery_v}"), "{e}");
        assert!(compile("{\"x\":{pm2_5_ugm3}}", "parking", "d", true).unwrap_err().contains("parking payload"));
        assert!(check_topic("city/+/{sensor}").is_err());
        assert!(check_topic("$SYS/{sensor}").is_err());
        assert!(check_topic("").is_err());
        assert!(check_topic("city/{district}\t{id}").unwrap_err().contains("control character"));
        assert!(check_payload("{\"run\":\"{sensor}\"}", "parking").unwrap_err().contains("header key"));
        assert!(check_topic("parking/{district}/bay-{id}").is_ok());
        assert!(check_payload("{\"sensor\":{sensor}}", "parking").unwrap_err().contains("not JSON"));
        assert!(check_payload("[1]", "parking").is_err());
        assert!(check_payload("{}", "parking").is_ok());
        assert!(check_payload("{\"occupied\":{occupied},\"bay\":\"{id}\"}", "parking").is_ok());
        for kind in ["air_quality", "camera", "smart_meter_water", "noise"] {
            check_payload(&readings::default_payload(kind), kind).unwrap();
        }
    }
}
