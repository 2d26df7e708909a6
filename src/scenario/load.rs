//! Reading a scenario file: TOML syntax, `--set` overrides, unknown keys and enum values
//! checked against the JSON Schema of [`ScenarioFile`] (with "did you mean" hints), then each
//! section deserialized on its own so that one bad section does not hide the others.
//!
//! Semantic checks (ranges, references between sections) live in `validate`.

use std::ops::Range;

use serde::de::{DeserializeOwned, IntoDeserializer};
use serde_json::Value as Json;
use toml_edit::{Item, Table, Value};

use super::error::{KeyPath, Origin, Problem, Seg, line_col, nearest};
use super::types::ScenarioFile;

/// A parsed document with the text it came from, for locating problems.
pub struct Parsed {
    /// The root of the TOML document, with spans into `text` (except for `--set` values).
    pub root: Item,
    /// The file's text.
    pub text: String,
    /// `--set` flags applied, as (key path, flag text).
    pub flags: Vec<(KeyPath, String)>,
}

impl Parsed {
    /// A problem at `path`, located at the value (or the nearest enclosing table) it names.
    pub fn problem(&self, path: &KeyPath, message: impl Into<String>, hint: Option<String>) -> Problem {
        let origin = match self.flags.iter().find(|(p, _)| path.0.starts_with(&p.0)) {
            Some((_, flag)) => Origin::Flag(flag.clone()),
            None => span_of(&self.root, &path.0).map_or(Origin::Whole, Origin::File),
        };
        self.locate(Problem { key: path.to_string(), message: message.into(), hint, origin, line_col: None })
    }

    fn locate(&self, mut p: Problem) -> Problem {
        if let Origin::File(span) = &p.origin {
            p.line_col = Some(line_col(&self.text, span.start));
        }
        p
    }
}

/// Parses the text and applies `--set KEY=VALUE` overrides. A syntax error is one problem.
pub fn parse(text: &str, sets: &[String]) -> Result<Parsed, Vec<Problem>> {
    let doc = toml_edit::Document::parse(text.to_string()).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        vec![Problem {
            key: String::new(),
            message: format!("TOML syntax error: {}", e.message().trim()),
            hint: Some("check quotes, brackets and `key = value` pairs on this line".into()),
            line_col: Some(line_col(text, span.start)),
            origin: Origin::File(span),
        }]
    })?;
    let mut parsed = Parsed { root: doc.into_item(), text: text.to_string(), flags: Vec::new() };
    let mut problems = Vec::new();
    for flag in sets {
        match apply_set(&mut parsed.root, flag) {
            Ok(path) => parsed.flags.push((path, flag.clone())),
            Err(message) => problems.push(Problem {
                key: flag.split('=').next().unwrap_or("").to_string(),
                message,
                hint: Some(
                    "write --set section.key=value, e.g. --set scenario.duration=2h or --set sensors[0].count=500"
                        .into(),
                ),
                origin: Origin::Flag(flag.clone()),
                line_col: None,
            }),
        }
    }
    if problems.is_empty() { Ok(parsed) } else { Err(problems) }
}

fn apply_set(root: &mut Item, flag: &str) -> Result<KeyPath, String> {
    let (key, raw) = flag.split_once('=').ok_or("expected KEY=VALUE")?;
    let path = KeyPath::parse(key.trim()).ok_or_else(|| format!("`{key}` is not a key path"))?;
    // A value that is not valid TOML is taken as a string, so `--set scenario.duration=2h` works.
    let value: Value = raw.trim().parse().unwrap_or_else(|_| Value::from(raw.trim()));
    let table = root.as_table_like_mut().ok_or("the document root is not a table")?;
    set_in(table, &path.0, value)?;
    Ok(path)
}

fn set_in(table: &mut dyn toml_edit::TableLike, segs: &[Seg], value: Value) -> Result<(), String> {
    match segs {
        [Seg::Key(k)] => {
            table.insert(k, Item::Value(value));
            Ok(())
        }
        [Seg::Key(k), Seg::Index(n), rest @ ..] => {
            let item = table.get_mut(k).ok_or_else(|| format!("there is no array `{k}` to index"))?;
            let element: Option<&mut dyn toml_edit::TableLike> = match item {
                Item::ArrayOfTables(a) => a.get_mut(*n).map(|t| t as &mut dyn toml_edit::TableLike),
                Item::Value(Value::Array(a)) => {
                    a.get_mut(*n).and_then(Value::as_inline_table_mut).map(|t| t as &mut dyn toml_edit::TableLike)
                }
                _ => None,
            };
            let element = element.ok_or_else(|| format!("`{k}` has no table at index {n}"))?;
            if rest.is_empty() {
                return Err(format!("`{k}[{n}]` is a whole table; set one of its keys"));
            }
            set_in(element, rest, value)
        }
        [Seg::Key(k), rest @ ..] => {
            if table.get(k).is_none() {
                table.insert(k, Item::Value(Value::InlineTable(Default::default())));
            }
            let sub =
                table.get_mut(k).and_then(Item::as_table_like_mut).ok_or_else(|| format!("`{k}` is not a table"))?;
            set_in(sub, rest, value)
        }
        _ => Err("a key path starts with a key, e.g. sensors[0].count".into()),
    }
}

/// Byte span of the value at `path`, or of the nearest ancestor that exists.
pub fn span_of(root: &Item, path: &[Seg]) -> Option<Range<usize>> {
    let mut node = Node::Item(root);
    let mut best = item_span(root);
    for seg in path {
        let Some((child, span)) = node.child(seg) else { break };
        best = span.or(best);
        node = child;
    }
    best
}

/// A place in the document: tables, arrays and inline values have different containers.
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a Item),
    Table(&'a Table),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn child(self, seg: &Seg) -> Option<(Node<'a>, Option<Range<usize>>)> {
        let table: Option<&'a dyn toml_edit::TableLike> = match self {
            Node::Item(i) => i.as_table_like(),
            Node::Table(t) => Some(t),
            Node::Value(Value::InlineTable(t)) => Some(t),
            Node::Value(_) => None,
        };
        match seg {
            Seg::Key(k) => {
                let (key, item) = table?.get_key_value(k)?;
                Some((Node::Item(item), item_span(item).or_else(|| key.span())))
            }
            Seg::Index(n) => match self {
                Node::Item(Item::ArrayOfTables(a)) => a.get(*n).map(|t| (Node::Table(t), t.span())),
                Node::Item(Item::Value(Value::Array(a))) | Node::Value(Value::Array(a)) => {
                    a.get(*n).map(|v| (Node::Value(v), v.span()))
                }
                _ => None,
            },
        }
    }
}

fn item_span(item: &Item) -> Option<Range<usize>> {
    match item {
        Item::Value(v) => v.span(),
        Item::Table(t) => t.span(),
        Item::ArrayOfTables(a) => a.span(),
        Item::None => None,
    }
}

/// The JSON Schema of the scenario format.
pub fn schema() -> Json {
    serde_json::to_value(schemars::schema_for!(ScenarioFile)).unwrap_or(Json::Null)
}

/// Reports every key the schema does not know and every string outside an enum's values.
///
/// The offending keys are then removed from the document, so that deserialization goes on to
/// report the problems behind them (a missing `count` behind a misspelt `cuont`) instead of
/// the same problem twice.
pub fn check_keys(parsed: &mut Parsed, problems: &mut Vec<Problem>) {
    let schema = schema();
    let mut strip = Vec::new();
    walk(parsed, &parsed.root, &schema, &schema, &KeyPath::default(), &mut Finds { problems, strip: &mut strip });
    for path in strip {
        remove_at(&mut parsed.root, &path.0);
    }
}

/// What the schema walk found: problems, and the keys to remove before deserializing.
struct Finds<'a> {
    problems: &'a mut Vec<Problem>,
    strip: &'a mut Vec<KeyPath>,
}

impl Finds<'_> {
    fn push(&mut self, path: &KeyPath, p: Problem) {
        self.problems.push(p);
        self.strip.push(path.clone());
    }
}

/// Removes the key at `path` (which ends with a key) from the document, if it is there.
fn remove_at(node: &mut Item, path: &[Seg]) {
    match path {
        [Seg::Key(k)] => {
            if let Some(t) = node.as_table_like_mut() {
                t.remove(k);
            }
        }
        [Seg::Key(k), rest @ ..] => {
            if let Some(child) = node.as_table_like_mut().and_then(|t| t.get_mut(k)) {
                remove_at(child, rest);
            }
        }
        [Seg::Index(n), rest @ ..] => match node {
            Item::ArrayOfTables(a) => {
                if let Some(t) = a.get_mut(*n) {
                    let mut item = Item::Table(std::mem::take(t));
                    remove_at(&mut item, rest);
                    if let Item::Table(back) = item {
                        *t = back;
                    }
                }
            }
            Item::Value(Value::Array(a)) => {
                if let Some(v) = a.get_mut(*n) {
                    let mut item = Item::Value(std::mem::replace(v, Value::from(false)));
                    remove_at(&mut item, rest);
                    if let Item::Value(back) = item {
                        *v = back;
                    }
                }
            }
            _ => {}
        },
        [] => {}
    }
}

/// Follows `$ref` and unwraps `Option` (`anyOf` with a null branch) to the schema that matters.
fn resolve<'a>(root: &'a Json, mut s: &'a Json) -> &'a Json {
    for _ in 0..8 {
        if let Some(r) = s.get("$ref").and_then(Json::as_str) {
            let name = r.rsplit('/').next().unwrap_or("");
            match root.get("$defs").and_then(|d| d.get(name)) {
                Some(t) => s = t,
                None => return s,
            }
        } else if let Some(any) = s.get("anyOf").and_then(Json::as_array) {
            match any.iter().find(|b| b.get("type").and_then(Json::as_str) != Some("null")) {
                Some(b) => s = b,
                None => return s,
            }
        } else {
            return s;
        }
    }
    s
}

/// The allowed strings of an enum schema (`enum: [...]` or `oneOf` of `const`s).
fn enum_values(s: &Json) -> Option<Vec<&str>> {
    if let Some(e) = s.get("enum").and_then(Json::as_array) {
        return Some(e.iter().filter_map(Json::as_str).collect());
    }
    let one = s.get("oneOf").and_then(Json::as_array)?;
    let consts: Vec<&str> = one
        .iter()
        .filter_map(|b| b.get("const").or_else(|| b.get("enum").and_then(|e| e.get(0))).and_then(Json::as_str))
        .collect();
    (consts.len() == one.len()).then_some(consts)
}

fn walk(parsed: &Parsed, item: &Item, root: &Json, schema: &Json, path: &KeyPath, finds: &mut Finds<'_>) {
    let s = resolve(root, schema);
    if let Some(table) = item.as_table_like() {
        let Some(props) = s.get("properties").and_then(Json::as_object) else {
            return;
        };
        let closed = s.get("additionalProperties") == Some(&Json::Bool(false));
        for (key, child) in table.iter() {
            let here = path.key(key);
            match props.get(key) {
                Some(sub) => walk(parsed, child, root, sub, &here, finds),
                None if closed => {
                    let hint = match nearest(key, props.keys().map(String::as_str)) {
                        Some(n) => format!("did you mean `{n}`?"),
                        None => format!("valid keys here: {}", props.keys().cloned().collect::<Vec<_>>().join(", ")),
                    };
                    let mut p = parsed.problem(&here, format!("unknown key `{key}`"), Some(hint));
                    if let (Some(k), Origin::File(_)) = (table.key(key), &p.origin)
                        && let Some(span) = k.span()
                    {
                        p.origin = Origin::File(span);
                        p = parsed.locate(p);
                    }
                    finds.push(&here, p);
                }
                None => {}
            }
        }
        return;
    }
    match item {
        Item::ArrayOfTables(a) => {
            let items = s.get("items").unwrap_or(&Json::Null);
            for (i, t) in a.iter().enumerate() {
                walk(parsed, &Item::Table(t.clone()), root, items, &path.index(i), finds);
            }
        }
        Item::Value(Value::Array(a)) => {
            let items = s.get("items").unwrap_or(&Json::Null);
            for (i, v) in a.iter().enumerate() {
                walk(parsed, &Item::Value(v.clone()), root, items, &path.index(i), finds);
            }
        }
        Item::Value(Value::String(text)) => {
            if let Some(values) = enum_values(s) {
                let v = text.value();
                if !values.contains(&v.as_str()) {
                    let hint = match nearest(v, values.iter().copied()) {
                        Some(n) => format!("did you mean \"{n}\"?"),
                        None => format!("expected one of: {}", values.join(", ")),
                    };
                    finds.push(path, parsed.problem(path, format!("unknown value \"{v}\""), Some(hint)));
                }
            }
        }
        _ => {}
    }
}

/// Deserializes one value of the document into `T`, collecting the first problem inside it.
pub fn deserialize_at<T: DeserializeOwned>(
    parsed: &Parsed,
    item: &Item,
    path: &KeyPath,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let result = match item {
        Item::Table(t) => {
            serde_path_to_error::deserialize(toml_edit::de::Deserializer::from(toml_edit::DocumentMut::from(t.clone())))
        }
        Item::Value(v) => serde_path_to_error::deserialize(v.clone().into_deserializer()),
        Item::ArrayOfTables(a) => {
            serde_path_to_error::deserialize(Value::Array(a.clone().into_array()).into_deserializer())
        }
        Item::None => return None,
    };
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            let mut full = path.clone();
            for seg in e.path().iter() {
                match seg {
                    serde_path_to_error::Segment::Seq { index } => full = full.index(*index),
                    serde_path_to_error::Segment::Map { key } => full = full.key(key),
                    _ => {}
                }
            }
            let inner = e.into_inner();
            let message = inner.message().trim().to_string();
            let mut p = parsed.problem(&full, message.clone(), type_hint(&message));
            if let (Some(span), Origin::File(_) | Origin::Whole) = (inner.span(), &p.origin) {
                p.origin = Origin::File(span);
                p = parsed.locate(p);
            }
            // The schema walk already reported unknown keys and enum values, with hints.
            let already = problems.iter().any(|q| q.key == p.key || (q.line_col == p.line_col && q.line_col.is_some()));
            if !(already && (message.starts_with("unknown field") || message.starts_with("unknown variant"))) {
                problems.push(p);
            }
            None
        }
    }
}

fn type_hint(message: &str) -> Option<String> {
    if message.contains("invalid type: string") && message.contains("expected u") {
        Some("write whole numbers without quotes, e.g. count = 400".into())
    } else if message.contains("missing field") {
        Some("add the key to this table; `citytwin schema` lists every key".into())
    } else {
        None
    }
}
