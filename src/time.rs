//! Simulated time: an integer count of microseconds ([`SimTime`]), and the human duration
//! syntax planners write ("90s", "5m", "24h", "7d", "1h30m", "250ms").
//!
//! Virtual time is never a float: every event carries an exact microsecond, so ordering and
//! results do not depend on rounding. Wall-clock time lives elsewhere (the CLI's progress bar).

use std::fmt;

/// A point in (or span of) simulated time, in microseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    /// Time zero, the start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable time; used as "never".
    pub const NEVER: SimTime = SimTime(u64::MAX);
    /// Microseconds in one second.
    pub const US_PER_S: u64 = 1_000_000;

    /// Whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * Self::US_PER_S)
    }

    /// Milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms * 1_000)
    }

    /// Fractional seconds, rounded to the nearest microsecond; negative or NaN input gives zero.
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_nan() || s <= 0.0 { SimTime(0) } else { SimTime((s * 1e6).round().min(u64::MAX as f64) as u64) }
    }

    /// This time in seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// This time in milliseconds.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e3
    }

    /// `self + other`, saturating at [`SimTime::NEVER`].
    pub fn saturating_add(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(other.0))
    }

    /// `self - other`, or zero when `other` is later.
    pub fn saturating_sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }
}

impl std::ops::Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        self.saturating_add(rhs)
    }
}

impl fmt::Display for SimTime {
    /// Formats with the largest units that divide the value, e.g. `1h30m`, `250ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return write!(f, "0s");
        }
        let mut rest = self.0;
        for (unit, us) in UNITS {
            if rest >= *us {
                write!(f, "{}{}", rest / us, unit)?;
                rest %= us;
            }
        }
        Ok(())
    }
}

/// Units in descending size; "m" is minutes (there is no month unit, to avoid ambiguity).
const UNITS: &[(&str, u64)] =
    &[("d", 86_400_000_000), ("h", 3_600_000_000), ("m", 60_000_000), ("s", 1_000_000), ("ms", 1_000), ("us", 1)];

/// Parses a human duration: one or more `<number><unit>` parts with units `d`, `h`, `m`, `s`,
/// `ms`, `us`, e.g. `"90s"`, `"5m"`, `"1h30m"`, `"2.5h"`. The error says what was expected.
pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("expected a duration such as \"90s\", \"5m\", \"24h\" or \"7d\", found an empty string".into());
    }
    let mut total: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let unit_len = rest[num_len..]
            .find(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
            .unwrap_or(rest.len() - num_len);
        let (num, unit) = (&rest[..num_len], rest[num_len..num_len + unit_len].trim());
        let value: f64 = num.parse().map_err(|_| bad_duration(text))?;
        let us = UNITS.iter().find(|(u, _)| *u == unit).map(|(_, us)| *us).ok_or_else(|| bad_duration(text))?;
        total += value * us as f64;
        rest = rest[num_len + unit_len..].trim_start();
    }
    if !total.is_finite() || total > u64::MAX as f64 / 2.0 {
        return Err(format!("duration \"{text}\" is too long"));
    }
    Ok(SimTime(total.round() as u64))
}

fn bad_duration(text: &str) -> String {
    format!(
        "expected a duration such as \"90s\", \"5m\", \"24h\" or \"7d\" (units d, h, m, s, ms, us), found \"{text}\""
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_planner_durations() {
        assert_eq!(parse_duration("90s"), Ok(SimTime::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(SimTime::from_secs(300)));
        assert_eq!(parse_duration("24h"), Ok(SimTime::from_secs(86_400)));
        assert_eq!(parse_duration("7d"), Ok(SimTime::from_secs(604_800)));
        assert_eq!(parse_duration("1h30m"), Ok(SimTime::from_secs(5_400)));
        assert_eq!(parse_duration("2.5h"), Ok(SimTime::from_secs(9_000)));
        assert_eq!(parse_duration("250ms"), Ok(SimTime::from_millis(250)));
        assert!(parse_duration("5 minutes").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn display_round_trips() {
        for s in ["0s", "90s", "1h30m", "7d", "250ms", "1d2h3m4s5ms6us"] {
            assert_eq!(parse_duration(s).map(|t| t.to_string()).as_deref(), Ok(s.replace("90s", "1m30s").as_str()));
        }
    }
}
