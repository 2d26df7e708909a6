//! Problems found in a scenario: each one names the file, line, column and key path, says what
//! was expected, and may carry a "did you mean" hint. A [`ScenarioError`] holds all of them, so
//! a planner fixes a file in one pass rather than one error per run.

use std::fmt;
use std::ops::Range;

/// One step of a key path: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array element.
    Index(usize),
}

/// Where a section's resolver reports a problem: (key path, message, hint).
pub type Report<'a> = &'a mut dyn FnMut(&KeyPath, String, Option<String>);

/// A key path such as `sensors[1].power.battery`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    /// The path with one more key.
    pub fn key(&self, k: &str) -> KeyPath {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_string()));
        KeyPath(v)
    }

    /// The path with one more index.
    pub fn index(&self, i: usize) -> KeyPath {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        KeyPath(v)
    }

    /// Parses `a.b[2].c` or `a.b.2.c` (as written in `--set`).
    pub fn parse(text: &str) -> Option<KeyPath> {
        let mut segs = Vec::new();
        for part in text.split('.') {
            let (name, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !name.is_empty() {
                match name.parse::<usize>() {
                    Ok(i) if !segs.is_empty() => segs.push(Seg::Index(i)),
                    _ => segs.push(Seg::Key(name.to_string())),
                }
            } else if rest.is_empty() {
                return None;
            }
            while let Some(stripped) = rest.strip_prefix('[') {
                let end = stripped.find(']')?;
                segs.push(Seg::Index(stripped[..end].parse().ok()?));
                rest = &stripped[end + 1..];
            }
            if !rest.is_empty() {
                return None;
            }
        }
        (!segs.is_empty()).then_some(KeyPath(segs))
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Where a problem is: a span in the scenario file, or a `--set` flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Byte range in the file text.
    File(Range<usize>),
    /// A `--set KEY=VALUE` flag, quoted as given.
    Flag(String),
    /// Nowhere more precise than the file as a whole.
    Whole,
}

/// One thing wrong with a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Key path, e.g. `sensors[0].count`.
    pub key: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// A suggestion, such as the nearest valid key.
    pub hint: Option<String>,
    /// Where it is.
    pub origin: Origin,
    /// 1-based line and column in the file, when the origin is a span.
    pub line_col: Option<(usize, usize)>,
}

/// A scenario that could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read the scenario file: {source}")]
    Io {
        /// The file's path.
        file: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file was read but has problems; all of them are listed.
    #[error("{}", render(file, text, problems))]
    Invalid {
        /// The file's path as given.
        file: String,
        /// The file's text, to quote lines.
        text: String,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

impl ScenarioError {
    /// The problems, empty for an I/O error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ScenarioError::Io { .. } => &[],
            ScenarioError::Invalid { problems, .. } => problems,
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn render(file: &str, text: &str, problems: &[Problem]) -> String {
    let n = problems.len();
    let mut out = format!("{file}: {n} problem{} in the scenario\n", if n == 1 { "" } else { "s" });
    out.push_str(&render_each(file, text, problems));
    out
}

/// Warnings (problems that do not stop a run) in the same form as errors; empty when none.
pub fn render_warnings(file: &str, text: &str, warnings: &[Problem]) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    let n = warnings.len();
    let mut out = format!("warning: {file}: {n} warning{} in the scenario\n", if n == 1 { "" } else { "s" });
    out.push_str(&render_each(file, text, warnings));
    out
}

fn render_each(file: &str, text: &str, problems: &[Problem]) -> String {
    let mut out = String::new();
    for p in problems {
        match (&p.origin, p.line_col) {
            (Origin::File(_), Some((line, col))) => {
                out.push_str(&format!("\n{file}:{line}:{col}: key `{}`: {}\n", p.key, p.message));
                if let Some(src) = text.lines().nth(line - 1) {
                    let gutter = line.to_string().len();
                    out.push_str(&format!("{:gutter$} |\n{line} | {src}\n{:gutter$} | {:>col$}\n", "", "", "^"));
                }
            }
            (Origin::Flag(flag), _) => {
                out.push_str(&format!("\n--set {flag}: key `{}`: {}\n", p.key, p.message));
            }
            _ => out.push_str(&format!("\n{file}: key `{}`: {}\n", p.key, p.message)),
        }
        if let Some(h) = &p.hint {
            out.push_str(&format!("  hint: {h}\n"));
        }
    }
    out
}

/// The candidate nearest to `word`, if it is close enough to be a likely typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_l = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&word_l, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_parse_both_spellings() {
        let a = KeyPath::parse("sensors[1].count").unwrap();
        let b = KeyPath::parse("sensors.1.count").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "sensors[1].count");
        assert!(KeyPath::parse("").is_none());
        assert!(KeyPath::parse("a[x]").is_none());
    }

    #[test]
    fn line_col_counts_characters() {
        let t = "a = 1\nbé = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, t.find('=').unwrap()), (1, 3));
        assert_eq!(line_col(t, t.rfind('=').unwrap()), (2, 4));
    }

    #[test]
    fn nearest_suggests_typos_only() {
        assert_eq!(nearest("cuont", ["count", "kind"]), Some("count"));
        assert_eq!(nearest("zzzzzz", ["count", "kind"]), None);
    }
}
