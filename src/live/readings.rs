//! What each sensor kind reports in a live message: its fields (name, and how its value is
//! drawn), the deterministic pseudo-readings themselves, and the payload template a kind gets
//! when the scenario gives none.
//!
//! A message's readings come from one hash of (sensor, message index): field `i` of the kind's
//! list draws from bits `8i..8i+16` of it, the battery voltage from bits 40..56, so the same
//! plan always carries the same readings.

use std::fmt::Write as _;

use crate::model::random::mix64;

/// Fields a kind may have: field `i` draws from bits `8i..8i+16` of the reading hash and the
/// battery from the slot after the last, so more would overlap the battery's bits.
pub const MAX_FIELDS: usize = 5;

/// How a field's value is drawn from a uniform `u` in [0, 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Draw {
    /// `lo + span * u`, with `dec` decimals.
    Range {
        /// Lowest value.
        lo: f64,
        /// Width of the range.
        span: f64,
        /// Decimals written.
        dec: u32,
    },
    /// `true` with probability `p`.
    Chance(f64),
    /// A whole count in `0..max`.
    Count(f64),
    /// Fixed text (written without quotes: the template quotes it).
    Text(&'static str),
    /// A meter reading that grows with the sensor id: `span * u + sensor`, with `dec` decimals.
    Meter {
        /// Width of the random part.
        span: f64,
        /// Decimals written.
        dec: u32,
    },
}

/// One field of a kind's payload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Field {
    /// Its JSON key and template placeholder name.
    pub name: &'static str,
    /// How its value is drawn.
    pub draw: Draw,
}

const fn range(name: &'static str, lo: f64, span: f64, dec: u32) -> Field {
    Field { name, draw: Draw::Range { lo, span, dec } }
}

const AIR_QUALITY: [Field; 5] = [
    range("pm2_5_ugm3", 4.0, 30.0, 1),
    range("pm10_ugm3", 8.0, 45.0, 1),
    range("no2_ugm3", 10.0, 50.0, 1),
    range("temp_c", 5.0, 20.0, 1),
    range("rh_pct", 30.0, 60.0, 0),
];
const PARKING: [Field; 2] =
    [Field { name: "occupied", draw: Draw::Chance(0.6) }, range("magnetometer_ut", 40.0, 20.0, 1)];
const NOISE: [Field; 2] = [range("laeq_db", 45.0, 30.0, 1), range("lamax_db", 60.0, 35.0, 1)];
const WATER_LEVEL: [Field; 1] = [range("level_cm", 20.0, 180.0, 1)];
const WASTE_BIN: [Field; 2] = [range("fill_pct", 0.0, 100.0, 0), range("temp_c", 5.0, 20.0, 1)];
const STREETLIGHT: [Field; 3] =
    [Field { name: "on", draw: Draw::Chance(0.5) }, range("dim_pct", 0.0, 100.0, 0), range("power_w", 0.0, 60.0, 1)];
const TRAFFIC: [Field; 2] =
    [Field { name: "vehicles", draw: Draw::Count(120.0) }, range("mean_speed_kmh", 15.0, 40.0, 1)];
const WIFI_BLE: [Field; 1] = [Field { name: "devices", draw: Draw::Count(300.0) }];
const CAMERA: [Field; 2] =
    [Field { name: "objects", draw: Draw::Count(20.0) }, Field { name: "event", draw: Draw::Text("motion") }];
const WEATHER: [Field; 5] = [
    range("temp_c", -5.0, 35.0, 1),
    range("rh_pct", 20.0, 80.0, 0),
    range("wind_ms", 0.0, 15.0, 1),
    range("rain_mm", 0.0, 5.0, 1),
    range("pressure_hpa", 990.0, 40.0, 1),
];
const WATER_METER: [Field; 1] = [Field { name: "volume_l", draw: Draw::Meter { span: 1000.0, dec: 1 } }];
const ELECTRIC_METER: [Field; 2] = [range("energy_kwh", 0.0, 100.0, 3), range("power_w", 0.0, 3000.0, 0)];
const OTHER: [Field; 1] = [range("value", 0.0, 1.0, 3)];

/// The fields a kind reports (a generic `value` for kinds without their own list).
pub fn fields(kind: &str) -> &'static [Field] {
    match kind {
        "air_quality" => &AIR_QUALITY,
        "parking" => &PARKING,
        "noise" => &NOISE,
        "water_level" => &WATER_LEVEL,
        "waste_bin_fill" => &WASTE_BIN,
        "streetlight_controller" => &STREETLIGHT,
        "traffic_counter" => &TRAFFIC,
        "wifi_ble_counter" => &WIFI_BLE,
        "camera" => &CAMERA,
        "weather_station" => &WEATHER,
        "smart_meter_water" => &WATER_METER,
        "smart_meter_electric" => &ELECTRIC_METER,
        _ => &OTHER,
    }
}

/// Placeholders every topic and payload template may use: the district (its name in lower
/// case, spaces as `-`), the kind id, the sensor (`<kind>-<id>`) and its 6-digit id.
pub const NAMING: [&str; 4] = ["district", "kind", "sensor", "id"];

/// Placeholders only payloads may use besides the kind's fields: the simulated time of the
/// reading, s, and the battery voltage.
pub const PAYLOAD_EXTRA: [&str; 2] = ["sim_time_s", "battery_v"];

/// The payload template of a kind when the scenario gives none: the sensor, its kind, the
/// simulated time, every field and the battery voltage.
pub fn default_payload(kind: &str) -> String {
    let mut t = String::from("{\"sensor\":\"{sensor}\",\"kind\":\"{kind}\",\"sim_time_s\":{sim_time_s}");
    for f in fields(kind) {
        let q = if matches!(f.draw, Draw::Text(_)) { "\"" } else { "" };
        let _ = write!(t, ",\"{0}\":{q}{{{0}}}{q}", f.name);
    }
    t.push_str(",\"battery_v\":{battery_v}}");
    t
}

/// The hash a message's readings are drawn from.
pub fn reading_hash(sensor: u32, seq: usize) -> u64 {
    // SplitMix64 of the (sensor, seq) word.
    mix64((u64::from(sensor) << 32 ^ seq as u64).wrapping_add(0x9E37_79B9_7F4A_7C15))
}

/// Uniform `k` of a reading hash, in [0, 1).
fn uniform(h: u64, k: u32) -> f64 {
    ((h >> (k * 8)) & 0xffff) as f64 / 65_536.0
}

/// Writes field `index` of `fields` for a message with reading hash `h` from `sensor`.
pub fn write_field(fields: &[Field], index: usize, h: u64, sensor: u32, out: &mut String) {
    let u = uniform(h, index as u32);
    let _ = match fields[index].draw {
        Draw::Range { lo, span, dec } => write!(out, "{}", Fx(lo + span * u, dec)),
        Draw::Chance(p) => write!(out, "{}", u < p),
        Draw::Count(max) => write!(out, "{}", (u * max) as u32),
        Draw::Text(t) => write!(out, "{t}"),
        Draw::Meter { span, dec } => write!(out, "{}", Fx(span * u + f64::from(sensor), dec)),
    };
}

/// Writes the battery voltage for reading hash `h`.
pub fn write_battery(h: u64, out: &mut String) {
    let _ = write!(out, "{}", Fx(3.3 + 0.4 * uniform(h, MAX_FIELDS as u32), 2));
}

/// A number with a fixed count of decimals, written with integer arithmetic (much cheaper than
/// float formatting at a hundred thousand payloads a second).
pub struct Fx(pub f64, pub u32);

impl std::fmt::Display for Fx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scale = 10i64.pow(self.1);
        let n = (self.0 * scale as f64).round() as i64;
        let sign = if n < 0 { "-" } else { "" };
        let n = n.unsigned_abs();
        let scale = scale as u64;
        if self.1 == 0 {
            write!(f, "{sign}{n}")
        } else {
            write!(f, "{sign}{}.{:0w$}", n / scale, n % scale, w = self.1 as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle: every kind's default template names each of its fields once, as a placeholder.
    #[test]
    fn default_templates_name_every_field() {
        for kind in ["air_quality", "camera", "smart_meter_water", "unknown_kind"] {
            let t = default_payload(kind);
            for f in fields(kind) {
                assert_eq!(t.matches(&format!("{{{}}}", f.name)).count(), 1, "{kind}: {t}");
            }
        }
        assert!(default_payload("camera").contains("\"event\":\"{event}\""));
    }

    /// Invariant: no kind has more fields than the reading hash has slots for.
    #[test]
    fn every_kind_fits_the_reading_hash() {
        for kind in crate::scenario::catalogue::ids().into_iter().chain(["unknown_kind"]) {
            assert!(fields(kind).len() <= MAX_FIELDS, "{kind}");
        }
    }

    /// Oracle: fixed-point text as `format!("{:.N}")` writes it.
    #[test]
    fn fixed_point_matches_float_formatting() {
        for (v, d) in [(12.345, 1), (-0.26, 1), (3.0, 0), (999.9996, 3), (0.004, 2), (-12.0, 2)] {
            assert_eq!(Fx(v, d).to_string(), format!("{v:.*}", d as usize), "{v} to {d}");
        }
    }
}
