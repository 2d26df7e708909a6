//! Human units in scenario files: durations ("5m"), power levels ("14dBm"), gains and margins
//! ("6dB"), charge ("2.4Ah", "2400mAh"), distances ("1.2km"), bandwidths ("125kHz") and data
//! rates ("4Mbit/s"), currents ("20uA", "33mA") and power ("3.2W").
//!
//! Each unit is a small newtype that deserializes from a string with a unit suffix (or, where a
//! bare number is unambiguous, from a number in the base unit) and describes itself in the JSON
//! Schema. Parsing errors say what was expected, so the loader can show them with a line number.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::time::{SimTime, parse_duration};

/// What a unit value may be written as in TOML.
#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Text(String),
    Number(f64),
}

/// Parses `<number><unit>` with the given unit table (unit, factor to the base unit).
fn parse_quantity(text: &str, units: &[(&str, f64)], example: &str) -> Result<f64, String> {
    let s = text.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))).unwrap_or(s.len());
    // A unit may itself start with 'e'/'E'; back off so that "5E" style suffixes are not eaten.
    let (num, unit) = s.split_at(split);
    let expected = || {
        let names: Vec<&str> = units.iter().map(|(u, _)| *u).collect();
        format!("expected a value such as \"{example}\" (units: {}), found \"{text}\"", names.join(", "))
    };
    let value: f64 = num.trim().parse().map_err(|_| expected())?;
    let factor =
        units.iter().find(|(u, _)| u.eq_ignore_ascii_case(unit.trim())).map(|(_, f)| *f).ok_or_else(expected)?;
    if !value.is_finite() {
        return Err(expected());
    }
    Ok(value * factor)
}

macro_rules! unit_type {
    (
        $(#[$doc:meta])*
        $name:ident, base = $base:literal, example = $example:literal,
        units = [$(($u:literal, $f:expr)),+ $(,)?], bare_number = $bare:literal
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize)]
        #[serde(into = "String")]
        pub struct $name(pub f64);

        impl $name {
            const UNITS: &'static [(&'static str, f64)] = &[$(($u, $f)),+];

            /// Parses the unit syntax, e.g. `
            #[doc = $example]
            /// `.
            pub fn parse(text: &str) -> Result<Self, String> {
                parse_quantity(text, Self::UNITS, $example).map($name)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                format!("{}{}", v.0, $base)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", self.0, $base)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                match Raw::deserialize(d).map_err(|_| {
                    serde::de::Error::custom(concat!("expected a string such as \"", $example, "\""))
                })? {
                    Raw::Text(t) => $name::parse(&t).map_err(serde::de::Error::custom),
                    Raw::Number(n) if $bare => Ok($name(n)),
                    Raw::Number(n) => Err(serde::de::Error::custom(format!(
                        concat!("expected a string with a unit such as \"", $example, "\", found the bare number {}"),
                        n
                    ))),
                }
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                let units: Vec<&str> = Self::UNITS.iter().map(|(u, _)| *u).collect();
                let description = format!(
                    "A value with a unit, e.g. \"{}\" (units: {}){}",
                    $example,
                    units.join(", "),
                    if $bare { concat!("; a bare number is read in ", $base) } else { "" }
                );
                if $bare {
                    json_schema!({ "type": ["string", "number"], "description": description })
                } else {
                    json_schema!({ "type": "string", "description": description })
                }
            }
        }
    };
}

unit_type!(
    /// A power level in dBm.
    Dbm, base = "dBm", example = "14dBm", units = [("dBm", 1.0)], bare_number = true
);
unit_type!(
    /// A power ratio (gain, loss, margin, threshold) in dB.
    Db, base = "dB", example = "6dB", units = [("dB", 1.0), ("dBi", 1.0)], bare_number = true
);
unit_type!(
    /// Electric charge in milliampere-hours.
    Charge, base = "mAh", example = "2.4Ah", units = [("mAh", 1.0), ("Ah", 1000.0)], bare_number = false
);
unit_type!(
    /// A distance in metres.
    Distance, base = "m", example = "1.2km", units = [("m", 1.0), ("km", 1000.0)], bare_number = true
);
unit_type!(
    /// A radio bandwidth in hertz.
    Bandwidth, base = "Hz", example = "125kHz", units = [("Hz", 1.0), ("kHz", 1e3), ("MHz", 1e6)], bare_number = false
);

unit_type!(
    /// A data rate in bits per second.
    Bitrate, base = "bit/s", example = "4Mbit/s",
    units = [("bit/s", 1.0), ("kbit/s", 1e3), ("Mbit/s", 1e6), ("Gbit/s", 1e9)], bare_number = false
);

unit_type!(
    /// An electric current in milliamperes.
    Current, base = "mA", example = "20uA", units = [("uA", 1e-3), ("µA", 1e-3), ("mA", 1.0), ("A", 1e3)], bare_number = false
);
unit_type!(
    /// An electric power in watts.
    Power, base = "W", example = "3.2W", units = [("mW", 1e-3), ("W", 1.0), ("kW", 1e3)], bare_number = false
);

unit_type!(
    /// A mass in grams.
    Mass, base = "g", example = "350g", units = [("g", 1.0), ("kg", 1e3)], bare_number = false
);

/// A span of simulated time written as "90s", "5m", "24h", "7d" or "1h30m".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct Duration(pub SimTime);

impl From<Duration> for String {
    fn from(v: Duration) -> String {
        v.0.to_string()
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected a duration string such as \"90s\", \"5m\", \"24h\" or \"7d\"")
        })? {
            Raw::Text(t) => parse_duration(&t).map(Duration).map_err(serde::de::Error::custom),
            Raw::Number(n) => Err(serde::de::Error::custom(format!(
                "expected a duration string with a unit such as \"{n}s\" or \"{n}m\", found the bare number {n}"
            ))),
        }
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^\\s*([0-9]+(\\.[0-9]+)?\\s*(d|h|m|s|ms|us)\\s*)+$",
            "description": "A duration such as \"90s\", \"5m\", \"24h\", \"7d\" or \"1h30m\" (units d, h, m, s, ms, us)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(Dbm::parse("14dBm"), Ok(Dbm(14.0)));
        assert_eq!(Dbm::parse("-2.5 dBm"), Ok(Dbm(-2.5)));
        assert_eq!(Charge::parse("2.4Ah"), Ok(Charge(2400.0)));
        assert_eq!(Charge::parse("2400mAh"), Ok(Charge(2400.0)));
        assert_eq!(Distance::parse("1.2km"), Ok(Distance(1200.0)));
        assert_eq!(Bandwidth::parse("125kHz"), Ok(Bandwidth(125_000.0)));
        assert_eq!(Bitrate::parse("4Mbit/s"), Ok(Bitrate(4e6)));
        assert_eq!(Current::parse("20uA"), Ok(Current(0.02)));
        assert_eq!(Current::parse("33.1mA"), Ok(Current(33.1)));
        assert_eq!(Power::parse("3.2W"), Ok(Power(3.2)));
        assert_eq!(Bitrate::parse("100 kbit/s"), Ok(Bitrate(1e5)));
        assert!(Charge::parse("2.4 furlongs").is_err());
        assert!(Dbm::parse("loud").is_err());
    }
}
