//! The send plan of a live test: every uplink the simulated network server received becomes one
//! MQTT message, in delivery order, with its topic and a realistic JSON payload per sensor kind.
//!
//! Topic template: `city/<district>/<kind>/<kind>-<sensor id, 6 digits>` (the district's name
//! in lower case with spaces as `-`; `city/<kind>/<kind>/...` when the city has no districts).
//! Payload template: a JSON object that starts with the fields the subscriber needs,
//! `{"seq":N,"t_us":T,"run":"TAG",...`, where `seq` is the message's index in the plan, `t_us`
//! the intended send time in µs since the test started (so latency counts from the schedule, not
//! from when the publisher got round to it) and `run` the test's unique run tag (so a subscriber
//! counts only its own run's messages, never those of another test on the same broker),
//! followed by the sensor, its kind, the simulated time of the reading and readings typical of
//! the kind.

use std::fmt::Write as _;

use crate::metrics::collect::Delivered;
use crate::metrics::report::Report;
use crate::scenario::Scenario;

/// Messages sharing a topic prefix (one district and sensor kind): the unit counted per topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicGroup {
    /// Topic without the sensor id, e.g. `city/midtown/air_quality`.
    pub prefix: String,
    /// Sensor kind id.
    pub kind: &'static str,
}

/// What to publish and when.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// When each message is due, µs of simulated time (its arrival at the network server),
    /// ascending.
    pub at_us: Vec<u64>,
    /// The sensor that sent it.
    pub sensor: Vec<u32>,
    /// Its topic group (index into `topics`).
    pub topic: Vec<u32>,
    /// The topic groups.
    pub topics: Vec<TopicGroup>,
}

impl Plan {
    /// The plan for uplinks delivered in a run of `scenario` whose report is `report` (for the
    /// sensors' positions and groups).
    pub fn new(scenario: &Scenario, report: &Report, mut uplinks: Vec<Delivered>) -> Plan {
        uplinks.sort_by_key(|d| (d.arrival, d.id));
        let districts: Vec<String> = scenario.city.districts.iter().map(|d| slug(&d.name)).collect();
        let n_groups = scenario.groups.len().max(1);
        let district_of = |sensor: u32| -> usize {
            let x = report.map.devices.get(sensor as usize).map_or(0.0, |d| f64::from(d.0));
            scenario.city.districts.iter().position(|d| x >= d.x0_m && x < d.x1_m).unwrap_or_else(|| {
                // The eastern edge itself belongs to the last strip.
                scenario.city.districts.len().saturating_sub(1)
            })
        };
        let mut index = vec![u32::MAX; districts.len().max(1) * n_groups];
        let mut topics = Vec::new();
        let mut plan = Plan::default();
        for d in uplinks {
            let sensor = (d.id >> 32) as u32;
            let group = usize::from(d.group).min(n_groups - 1);
            let kind = scenario.groups.get(group).map_or("sensor", |g| g.kind.id);
            let district = district_of(sensor);
            let slot = district * n_groups + group;
            if index[slot] == u32::MAX {
                index[slot] = topics.len() as u32;
                let place = districts.get(district).cloned().unwrap_or_else(|| kind.to_string());
                topics.push(TopicGroup { prefix: format!("city/{place}/{kind}"), kind });
            }
            plan.at_us.push(d.arrival);
            plan.sensor.push(sensor);
            plan.topic.push(index[slot]);
        }
        plan.topics = topics;
        plan
    }

    /// Messages in the plan.
    pub fn len(&self) -> usize {
        self.at_us.len()
    }

    /// Whether the plan is empty.
    pub fn is_empty(&self) -> bool {
        self.at_us.is_empty()
    }

    /// Writes message `seq`'s topic into `out` (cleared first).
    pub fn topic_into(&self, seq: usize, out: &mut String) {
        out.clear();
        let g = &self.topics[self.topic[seq] as usize];
        let _ = write!(out, "{}/{}-{:06}", g.prefix, g.kind, self.sensor[seq]);
    }

    /// Writes message `seq`'s JSON payload into `out` (cleared first); `t_us` is its intended
    /// send time, µs since the test started, and `run` the test's run tag (it must not need
    /// escaping in a JSON string: letters, digits and `-`).
    pub fn payload_into(&self, seq: usize, t_us: u64, run: &str, out: &mut Vec<u8>) {
        out.clear();
        let g = &self.topics[self.topic[seq] as usize];
        let sensor = self.sensor[seq];
        let sim_s = self.at_us[seq] as f64 / 1e6;
        // Deterministic pseudo-readings: a hash of (sensor, seq) in [0, 1).
        let h = splitmix(u64::from(sensor) << 32 ^ seq as u64);
        let u = |k: u32| ((h >> (k * 8)) & 0xffff) as f64 / 65_536.0;
        let mut s = String::with_capacity(200);
        let _ = write!(
            s,
            "{{\"seq\":{seq},\"t_us\":{t_us},\"run\":\"{run}\",\"sensor\":\"{}-{sensor:06}\",\"kind\":\"{}\",\"sim_time_s\":{},",
            g.kind,
            g.kind,
            Fx(sim_s, 3)
        );
        let _ = match g.kind {
            "air_quality" => write!(
                s,
                "\"pm2_5_ugm3\":{},\"pm10_ugm3\":{},\"no2_ugm3\":{},\"temp_c\":{},\"rh_pct\":{}",
                Fx(4.0 + 30.0 * u(0), 1),
                Fx(8.0 + 45.0 * u(1), 1),
                Fx(10.0 + 50.0 * u(2), 1),
                Fx(5.0 + 20.0 * u(3), 1),
                Fx(30.0 + 60.0 * u(4), 0)
            ),
            "parking" => write!(s, "\"occupied\":{},\"magnetometer_ut\":{}", u(0) < 0.6, Fx(40.0 + 20.0 * u(1), 1)),
            "noise" => {
                write!(s, "\"laeq_db\":{},\"lamax_db\":{}", Fx(45.0 + 30.0 * u(0), 1), Fx(60.0 + 35.0 * u(1), 1))
            }
            "water_level" => write!(s, "\"level_cm\":{}", Fx(20.0 + 180.0 * u(0), 1)),
            "waste_bin_fill" => {
                write!(s, "\"fill_pct\":{},\"temp_c\":{}", Fx(100.0 * u(0), 0), Fx(5.0 + 20.0 * u(1), 1))
            }
            "streetlight_controller" => {
                write!(
                    s,
                    "\"on\":{},\"dim_pct\":{},\"power_w\":{}",
                    u(0) < 0.5,
                    Fx(100.0 * u(1), 0),
                    Fx(60.0 * u(2), 1)
                )
            }
            "traffic_counter" => {
                write!(s, "\"vehicles\":{},\"mean_speed_kmh\":{}", (u(0) * 120.0) as u32, Fx(15.0 + 40.0 * u(1), 1))
            }
            "wifi_ble_counter" => write!(s, "\"devices\":{}", (u(0) * 300.0) as u32),
            "camera" => write!(s, "\"objects\":{},\"event\":\"motion\"", (u(0) * 20.0) as u32),
            "weather_station" => write!(
                s,
                "\"temp_c\":{},\"rh_pct\":{},\"wind_ms\":{},\"rain_mm\":{},\"pressure_hpa\":{}",
                Fx(-5.0 + 35.0 * u(0), 1),
                Fx(20.0 + 80.0 * u(1), 0),
                Fx(15.0 * u(2), 1),
                Fx(5.0 * u(3), 1),
                Fx(990.0 + 40.0 * u(4), 1)
            ),
            "smart_meter_water" => write!(s, "\"volume_l\":{}", Fx(1000.0 * u(0) + f64::from(sensor), 1)),
            "smart_meter_electric" => {
                write!(s, "\"energy_kwh\":{},\"power_w\":{}", Fx(100.0 * u(0), 3), Fx(3000.0 * u(1), 0))
            }
            _ => write!(s, "\"value\":{}", Fx(u(0), 3)),
        };
        let _ = write!(s, ",\"battery_v\":{}}}", Fx(3.3 + 0.4 * u(5), 2));
        out.extend_from_slice(s.as_bytes());
    }
}

/// The header of a payload written by [`Plan::payload_into`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// The message's index in the plan.
    pub seq: usize,
    /// Its intended send time, µs since the test started.
    pub t_us: u64,
    /// The run tag of the test that sent it.
    pub run: &'a [u8],
}

/// Reads `seq`, `t_us` and `run` from the start of a payload written by [`Plan::payload_into`];
/// None when the payload does not start that way (not a citytwin live message).
pub fn parse_header(payload: &[u8]) -> Option<Header<'_>> {
    let rest = payload.strip_prefix(b"{\"seq\":")?;
    let (seq, rest) = digits(rest)?;
    let rest = rest.strip_prefix(b",\"t_us\":")?;
    let (t_us, rest) = digits(rest)?;
    let rest = rest.strip_prefix(b",\"run\":\"")?;
    let end = rest.iter().take(64).position(|&c| c == b'"')?;
    Some(Header { seq: usize::try_from(seq).ok()?, t_us, run: &rest[..end] })
}

fn digits(s: &[u8]) -> Option<(u64, &[u8])> {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 19 {
        return None;
    }
    let v = s[..n].iter().fold(0u64, |a, c| a * 10 + u64::from(c - b'0'));
    Some((v, &s[n..]))
}

/// A number with a fixed count of decimals, written with integer arithmetic (much cheaper than
/// float formatting at a hundred thousand payloads a second).
struct Fx(f64, u32);

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

fn slug(name: &str) -> String {
    let s: String =
        name.trim().chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    if s.is_empty() { "district".into() } else { s }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Plan {
        Plan {
            at_us: vec![1_000_000, 2_000_000],
            sensor: vec![7, 8],
            topic: vec![0, 1],
            topics: vec![
                TopicGroup { prefix: "city/midtown/air_quality".into(), kind: "air_quality" },
                TopicGroup { prefix: "city/chelsea/parking".into(), kind: "parking" },
            ],
        }
    }

    /// Oracle: the topic template, and the payload is JSON whose header parses back.
    #[test]
    fn topic_and_payload_round_trip() {
        let plan = tiny();
        let mut t = String::new();
        plan.topic_into(1, &mut t);
        assert_eq!(t, "city/chelsea/parking/parking-000008");
        let mut p = Vec::new();
        plan.payload_into(0, 123_456, "42-abc-1", &mut p);
        let v: serde_json::Value = serde_json::from_slice(&p).expect("payload is JSON");
        assert_eq!(v["seq"], 0);
        assert_eq!(v["run"], "42-abc-1");
        assert_eq!(v["sensor"], "air_quality-000007");
        assert!(v["pm2_5_ugm3"].as_f64().is_some());
        assert_eq!(parse_header(&p), Some(Header { seq: 0, t_us: 123_456, run: b"42-abc-1" }));
        assert_eq!(parse_header(b"{\"seq\":x}"), None);
        // Another tool's (or an older citytwin's) payload without a run tag is not ours.
        assert_eq!(parse_header(b"{\"seq\":0,\"t_us\":5,\"sensor\":\"x\"}"), None);
    }

    /// Oracle: fixed-point text as `format!("{:.N}")` writes it.
    #[test]
    fn fixed_point_matches_float_formatting() {
        for (v, d) in [(12.345, 1), (-0.26, 1), (3.0, 0), (999.9996, 3), (0.004, 2), (-12.0, 2)] {
            assert_eq!(Fx(v, d).to_string(), format!("{v:.*}", d as usize), "{v} to {d}");
        }
    }

    /// Oracle: names become lower-case topic levels without wildcards or separators.
    #[test]
    fn slugs_are_topic_safe() {
        assert_eq!(slug("Lower East/Side #1"), "lower-east-side--1");
    }
}
