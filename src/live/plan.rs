//! The send plan of a live test: every uplink the simulated network server received becomes one
//! MQTT message, in delivery order, with its topic and a realistic JSON payload per sensor kind.
//!
//! Topics and payloads come from the scenario's `[live]` templates ([`super::template`]); by
//! default the topic is `city/{district}/{kind}/{sensor}` (the district's name in lower case
//! with spaces as `-`, the kind's id when the city has no districts; the sensor as
//! `<kind>-<6-digit id>`) and the payload lists the sensor, its kind, the simulated time of the
//! reading, readings typical of the kind and the battery voltage ([`super::readings`]).
//! Every payload starts with the fields the subscriber needs, `{"seq":N,"t_us":T,"run":"TAG",...`,
//! where `seq` is the message's index in the plan, `t_us` the intended send time in µs since the
//! test started (so latency counts from the schedule, not from when the publisher got round to
//! it) and `run` the test's unique run tag (so a subscriber counts only its own run's messages,
//! never those of another test on the same broker); the template's own fields follow.

use std::fmt::Write as _;

use super::readings::{self, Field};
use super::template::{self, Part, Values};
use crate::metrics::collect::Delivered;
use crate::metrics::report::Report;
use crate::scenario::Scenario;

/// Messages of one district and sensor kind: the unit counted per topic.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicGroup {
    /// The group's topics with the sensor as `+`, e.g. `city/midtown/air_quality/+` (a label,
    /// not always a valid filter: `parking/midtown/bay-+`).
    pub pattern: String,
    /// Sensor kind id.
    pub kind: &'static str,
    /// The district's topic name (the kind's id when the city has no districts).
    pub district: String,
    topic: Vec<Part>,
    payload: Vec<Part>,
    /// Whether the header needs a comma before the payload's own fields.
    comma: bool,
    fields: &'static [Field],
}

impl TopicGroup {
    /// The group of `kind` in `district` with these topic and payload templates (checked when
    /// the scenario was loaded).
    pub fn new(kind: &'static str, district: &str, topic: &str, payload: &str) -> Result<TopicGroup, String> {
        let topic = template::compile(topic, kind, district, false)?;
        let (payload, comma) = template::payload_body(payload, kind, district)?;
        let mut pattern = String::new();
        for p in &topic {
            match p {
                Part::Lit(s) => pattern.push_str(s),
                _ => pattern.push('+'),
            }
        }
        Ok(TopicGroup {
            pattern,
            kind,
            district: district.to_string(),
            topic,
            payload,
            comma,
            fields: readings::fields(kind),
        })
    }

    /// The topic levels before the first one that varies per sensor.
    fn fixed_levels(&self) -> Vec<&str> {
        let fixed = match self.topic.first() {
            Some(Part::Lit(s)) if self.topic.len() == 1 => return s.split('/').collect(),
            Some(Part::Lit(s)) => s.as_str(),
            _ => "",
        };
        let mut levels: Vec<&str> = fixed.split('/').collect();
        levels.pop();
        levels
    }
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
        // Groups of one kind share their topic groups: each group's slot is its kind's first group.
        let kind_of = |g: usize| scenario.groups.get(g).map_or("sensor", |g| g.kind.id);
        let first_of_kind: Vec<usize> =
            (0..n_groups).map(|g| (0..=g).find(|&f| kind_of(f) == kind_of(g)).unwrap_or(g)).collect();
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
            let kind = kind_of(group);
            let district = district_of(sensor);
            let slot = district * n_groups + first_of_kind[group];
            if index[slot] == u32::MAX {
                index[slot] = topics.len() as u32;
                let place = districts.get(district).cloned().unwrap_or_else(|| kind.to_string());
                let live = &scenario.live;
                let g = TopicGroup::new(kind, &place, live.topic(kind), &live.payload(kind))
                    .expect("templates are checked when the scenario is loaded");
                topics.push(g);
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

    /// The subscription filter covering every topic of the plan: the topic levels all groups
    /// share before any varies, then `#` (just `#` when they share none).
    pub fn filter(&self) -> String {
        let mut common: Option<Vec<&str>> = None;
        for g in &self.topics {
            let levels = g.fixed_levels();
            common = Some(match common {
                None => levels,
                Some(c) => c.into_iter().zip(levels).take_while(|(a, b)| a == b).map(|(a, _)| a).collect(),
            });
        }
        let mut filter: String = common.unwrap_or_default().iter().map(|l| format!("{l}/")).collect();
        filter.push('#');
        filter
    }

    /// Writes message `seq`'s topic and JSON payload into `topic` and `payload` (each cleared
    /// first); `t_us` is its intended send time, µs since the test started, and `run` the test's
    /// run tag (it must not need escaping in a JSON string: letters, digits and `-`).
    pub fn message_into(&self, seq: usize, t_us: u64, run: &str, topic: &mut String, payload: &mut String) {
        let g = &self.topics[self.topic[seq] as usize];
        let sensor = self.sensor[seq];
        let v = Values {
            kind: g.kind,
            fields: g.fields,
            sensor,
            hash: readings::reading_hash(sensor, seq),
            sim_us: self.at_us[seq],
        };
        topic.clear();
        template::render(&g.topic, &v, topic);
        payload.clear();
        let _ = write!(payload, "{{\"seq\":{seq},\"t_us\":{t_us},\"run\":\"{run}\"");
        if g.comma {
            payload.push(',');
        }
        template::render(&g.payload, &v, payload);
    }
}

/// The header of a payload written by [`Plan::message_into`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// The message's index in the plan.
    pub seq: usize,
    /// Its intended send time, µs since the test started.
    pub t_us: u64,
    /// The run tag of the test that sent it.
    pub run: &'a [u8],
}

/// Reads `seq`, `t_us` and `run` from the start of a payload written by [`Plan::message_into`];
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

fn slug(name: &str) -> String {
    let s: String =
        name.trim().chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    if s.is_empty() { "district".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(kind: &'static str, district: &str) -> TopicGroup {
        let topic = crate::scenario::live::DEFAULT_TOPIC;
        TopicGroup::new(kind, district, topic, &readings::default_payload(kind)).unwrap()
    }

    fn tiny() -> Plan {
        Plan {
            at_us: vec![1_000_000, 2_000_000],
            sensor: vec![7, 8],
            topic: vec![0, 1],
            topics: vec![group("air_quality", "midtown"), group("parking", "chelsea")],
        }
    }

    /// Oracle: the topic template, and the payload is JSON whose header parses back.
    #[test]
    fn topic_and_payload_round_trip() {
        let plan = tiny();
        let (mut t, mut p) = (String::new(), String::new());
        plan.message_into(1, 0, "r", &mut t, &mut p);
        assert_eq!(t, "city/chelsea/parking/parking-000008");
        plan.message_into(0, 123_456, "42-abc-1", &mut t, &mut p);
        let v: serde_json::Value = serde_json::from_str(&p).expect("payload is JSON");
        assert_eq!(v["seq"], 0);
        assert_eq!(v["run"], "42-abc-1");
        assert_eq!(v["sensor"], "air_quality-000007");
        assert!(v["pm2_5_ugm3"].as_f64().is_some());
        assert_eq!(parse_header(p.as_bytes()), Some(Header { seq: 0, t_us: 123_456, run: b"42-abc-1" }));
        assert_eq!(parse_header(b"{\"seq\":x}"), None);
        // Another tool's (or an older citytwin's) payload without a run tag is not ours.
        assert_eq!(parse_header(b"{\"seq\":0,\"t_us\":5,\"sensor\":\"x\"}"), None);
        assert_eq!(plan.topics[0].pattern, "city/midtown/air_quality/+");
        assert_eq!(plan.filter(), "city/#");
    }

    /// Oracle: templates of the scenario's choosing: a kind's own topic and payload (an empty
    /// object gets the header alone), and the filter falls back to `#` when the groups share no
    /// leading level; a topic without placeholders is its own filter's prefix.
    #[test]
    fn custom_templates() {
        let bay = TopicGroup::new("parking", "soho", "parking/{district}/bay-{id}", "{\"occ\":{occupied}}").unwrap();
        let empty = TopicGroup::new("noise", "soho", "noise/{district}", "{ }").unwrap();
        let plan = Plan { at_us: vec![0, 1], sensor: vec![3, 4], topic: vec![0, 1], topics: vec![bay, empty] };
        let (mut t, mut p) = (String::new(), String::new());
        plan.message_into(0, 9, "r", &mut t, &mut p);
        assert_eq!(t, "parking/soho/bay-000003");
        assert_eq!(plan.topics[0].pattern, "parking/soho/bay-+");
        let v: serde_json::Value = serde_json::from_str(&p).expect("JSON");
        assert!(v["occ"].is_boolean() && v["seq"] == 0, "{v}");
        plan.message_into(1, 9, "r", &mut t, &mut p);
        assert_eq!(p, "{\"seq\":1,\"t_us\":9,\"run\":\"r\" }");
        assert_eq!(plan.filter(), "#");
        let one = Plan { topics: vec![plan.topics[1].clone()], ..Plan::default() };
        assert_eq!(one.filter(), "noise/soho/#");
        let two = Plan { topics: plan.topics[..1].to_vec(), ..Plan::default() };
        assert_eq!(two.filter(), "parking/soho/#");
    }

    /// Invariant: one topic group per district and kind, however many sensor groups share the
    /// kind (two parking groups, one noise group, no districts: two topic groups).
    #[test]
    fn groups_of_one_kind_share_their_topic_group() {
        let text = "[scenario]\nname = \"t\"\nduration = \"2h\"\n[city]\narea_km2 = 1.0\n\
            [[sensors]]\nkind = \"parking\"\ncount = 5\n[[sensors]]\nkind = \"noise\"\ncount = 5\n\
            [[sensors]]\nkind = \"parking\"\ncount = 5\nreport_every = \"10m\"\n[[gateways]]\ncount = 1\n";
        let sc = crate::scenario::from_str("t.toml", text, &[], None).expect("valid");
        let (_, plan) = crate::live::prepare(&sc, |_| {});
        let mut kinds: Vec<&str> = plan.topics.iter().map(|g| g.kind).collect();
        kinds.sort_unstable();
        assert_eq!(kinds, ["noise", "parking"]);
        assert!(!plan.is_empty() && plan.topic.iter().all(|&t| (t as usize) < plan.topics.len()));
    }

    /// Oracle: names become lower-case topic levels without wildcards or separators.
    #[test]
    fn slugs_are_topic_safe() {
        assert_eq!(slug("Lower East/Side #1"), "lower-east-side--1");
    }
}
