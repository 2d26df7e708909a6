//! The privacy part of a scenario file: `[privacy]` sizes the synthetic population that walks
//! past the identifying sensors and lists the data-handling designs to compare on it
//! (`[[privacy.designs]]`: identifier handling at the edge, what is published, k-anonymity,
//! differential privacy, retention, encryption); and their resolution, with every problem
//! reported against its key.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::{KeyPath, Report};
use super::units::{Distance, Duration};
use crate::time::SimTime;

/// Share of the preset's population simulated when `people` is not given.
pub const DEFAULT_SAMPLE: f64 = 0.05;
/// People simulated without a preset and without `people`.
pub const DEFAULT_PEOPLE: u32 = 5_000;
/// Most people simulated.
pub const MAX_PEOPLE: u32 = 2_000_000;

/// `[privacy]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PrivacySection {
    /// People simulated; default: the preset's population living in the simulated area, times
    /// `sample`.
    #[serde(default)]
    pub people: Option<u32>,
    /// Share of the residents simulated when `people` is not given (default 0.05).
    #[serde(default)]
    pub sample: Option<f64>,
    /// Days the population is followed (default: the scenario's duration in whole days, at
    /// least 1; cross-day linking needs 2).
    #[serde(default)]
    pub days: Option<u32>,
    /// How often an identifying sensor scans for devices (default "1m").
    #[serde(default)]
    pub scan: Option<Duration>,
    /// Range of Wi-Fi/BLE counters (default "50m"); cameras see 30 m.
    #[serde(default)]
    pub range: Option<Distance>,
    /// Share of people whose phones randomise their MAC address every day (default 0).
    #[serde(default)]
    pub mac_randomisation: Option<f64>,
    /// How often counts are published per sensor (default "1h").
    #[serde(default)]
    pub release_every: Option<Duration>,
    /// The design deployed (named in the transparency register); default the first.
    #[serde(default)]
    pub deployed: Option<String>,
    /// Flag personal data without a declared purpose, retention or classification of at least
    /// private as errors instead of warnings.
    #[serde(default)]
    pub strict: Option<bool>,
    /// Data-handling designs compared on the same population.
    #[serde(default)]
    pub designs: Vec<HandlingSpec>,
}

/// How identifiers are handled at the edge.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Identifiers {
    /// The MAC address itself leaves the sensor.
    Raw,
    /// An unsalted SHA-256 of the MAC (reversible: the MAC space is enumerable).
    Hash,
    /// A salted SHA-256; with `rotate_every`, the salt changes every period.
    Salted,
    /// Counted on the device: no identifier leaves it.
    OnDevice,
}

/// Noise added to published counts.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NoiseMechanism {
    /// Laplace noise of scale 1/epsilon per count.
    Laplace,
    /// Gaussian noise under zero-concentrated DP (rho per person per day).
    Gaussian,
}

/// One data-handling design.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HandlingSpec {
    /// Design name, shown in results.
    pub name: String,
    /// raw | hash | salted | on-device.
    pub identifiers: Identifiers,
    /// Salted: how often the salt changes (default: never), e.g. "1d".
    #[serde(default)]
    pub rotate_every: Option<Duration>,
    /// Hashes: bits of the digest kept (default 64).
    #[serde(default)]
    pub digest_bits: Option<u8>,
    /// Published counts: cells with fewer than k people are suppressed (default 1: none).
    #[serde(default)]
    pub k: Option<u32>,
    /// Noise on published counts (default none).
    #[serde(default)]
    pub noise: Option<NoiseMechanism>,
    /// Privacy budget per person per day (epsilon; for Gaussian, rho = epsilon^2 / 2).
    #[serde(default)]
    pub epsilon_per_day: Option<f64>,
    /// How long identifiable records are kept (default: the sensor group's `data.retention`).
    #[serde(default)]
    pub retention: Option<Duration>,
    /// Records encrypted in transit (default true).
    #[serde(default)]
    pub encrypted_in_transit: Option<bool>,
    /// Records encrypted at rest (default true).
    #[serde(default)]
    pub encrypted_at_rest: Option<bool>,
}

/// A resolved design.
#[derive(Clone, Debug, PartialEq)]
pub struct Handling {
    /// Name.
    pub name: String,
    /// Identifier handling.
    pub identifiers: Identifiers,
    /// Salt period (None: a fixed salt).
    pub rotate_every: Option<SimTime>,
    /// Digest bits kept.
    pub digest_bits: u8,
    /// Suppression threshold (1: none).
    pub k: u32,
    /// Noise mechanism and daily budget.
    pub noise: Option<(NoiseMechanism, f64)>,
    /// Retention override.
    pub retention: Option<SimTime>,
    /// Encryption in transit.
    pub encrypted_in_transit: bool,
    /// Encryption at rest.
    pub encrypted_at_rest: bool,
}

/// Resolved `[privacy]`.
#[derive(Clone, Debug, PartialEq)]
pub struct PrivacyConfig {
    /// People simulated.
    pub people: u32,
    /// Days followed.
    pub days: u32,
    /// Scan slot.
    pub scan: SimTime,
    /// Wi-Fi/BLE counter range, metres.
    pub range_m: f64,
    /// Share of daily MAC randomisation.
    pub mac_randomisation: f64,
    /// Publication interval.
    pub release_every: SimTime,
    /// Index of the deployed design.
    pub deployed: usize,
    /// Per sensor group, the design handling its stream (`data.handling`, else `deployed`).
    pub handling: Vec<usize>,
    /// Strict validation.
    pub strict: bool,
    /// Designs.
    pub designs: Vec<Handling>,
}

/// Resolves `[privacy]`; `residents` is the preset's population living in the simulated area
/// (None without a preset) and `duration` the scenario's.
pub fn resolve(
    p: &PrivacySection,
    residents: Option<f64>,
    duration: SimTime,
    path: &KeyPath,
    err: Report,
) -> PrivacyConfig {
    let sample = p.sample.unwrap_or(DEFAULT_SAMPLE);
    if !(sample > 0.0 && sample <= 1.0) {
        err(&path.key("sample"), format!("{sample} is not a share in (0, 1]"), Some("e.g. 0.05".into()));
    }
    let people = p.people.unwrap_or_else(|| residents.map_or(DEFAULT_PEOPLE, |r| (r * sample).round().max(1.0) as u32));
    if people == 0 || people > MAX_PEOPLE {
        err(&path.key("people"), format!("{people} people; expected 1..{MAX_PEOPLE}"), Some("lower `sample`".into()));
    }
    let days = p.days.unwrap_or_else(|| (duration.0.div_ceil(86_400_000_000)).max(1) as u32);
    if days == 0 || days > 366 {
        err(&path.key("days"), format!("{days} days; expected 1..366"), None);
    }
    let scan = p.scan.map_or(SimTime::from_secs(60), |d| d.0);
    if scan < SimTime::from_secs(1) {
        err(&path.key("scan"), "a scan slot shorter than a second".into(), Some("e.g. scan = \"1m\"".into()));
    }
    let release_every = p.release_every.map_or(SimTime::from_secs(3600), |d| d.0);
    if release_every < scan || !86_400_000_000u64.is_multiple_of(release_every.0.max(1)) {
        err(
            &path.key("release_every"),
            format!("{release_every} must divide a day and be at least one scan"),
            Some("e.g. \"15m\", \"1h\" or \"1d\"".into()),
        );
    }
    let range_m = p.range.map_or(50.0, |d| d.0);
    let mac_randomisation = p.mac_randomisation.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&mac_randomisation) {
        err(&path.key("mac_randomisation"), format!("{mac_randomisation} is not a share in [0, 1]"), None);
    }
    let mut designs = Vec::new();
    for (i, d) in p.designs.iter().enumerate() {
        let dp = path.key("designs").index(i);
        if designs.iter().any(|h: &Handling| h.name == d.name) {
            err(&dp.key("name"), format!("two designs are named \"{}\"", d.name), None);
        }
        designs.push(handling(d, &dp, err));
    }
    if designs.is_empty() {
        err(
            &path.key("designs"),
            "[privacy] needs at least one design".into(),
            Some(
                "[[privacy.designs]]\nname = \"rotated daily\"\nidentifiers = \"salted\"\nrotate_every = \"1d\"".into(),
            ),
        );
    }
    let deployed = match &p.deployed {
        None => 0,
        Some(name) => designs.iter().position(|d| &d.name == name).unwrap_or_else(|| {
            err(&path.key("deployed"), format!("no design is named \"{name}\""), None);
            0
        }),
    };
    PrivacyConfig {
        people,
        days,
        scan,
        range_m,
        mac_randomisation,
        release_every,
        deployed,
        handling: Vec::new(),
        strict: p.strict.unwrap_or(false),
        designs,
    }
}

fn handling(d: &HandlingSpec, path: &KeyPath, err: Report) -> Handling {
    let hashed = matches!(d.identifiers, Identifiers::Hash | Identifiers::Salted);
    if d.rotate_every.is_some() && d.identifiers != Identifiers::Salted {
        err(&path.key("rotate_every"), "only a salt can rotate".into(), Some("set identifiers = \"salted\"".into()));
    }
    if d.digest_bits.is_some() && !hashed {
        err(&path.key("digest_bits"), "`digest_bits` is for hashed identifiers".into(), None);
    }
    let digest_bits = d.digest_bits.unwrap_or(64);
    if !(8..=64).contains(&digest_bits) {
        err(&path.key("digest_bits"), format!("{digest_bits}; expected 8..64"), None);
    }
    let noise = match (d.noise, d.epsilon_per_day) {
        (Some(m), Some(e)) if e > 0.0 && e.is_finite() => Some((m, e)),
        (Some(_), Some(e)) => {
            err(&path.key("epsilon_per_day"), format!("{e}; a budget must be positive"), None);
            None
        }
        (Some(_), None) => {
            err(path, "noise needs an `epsilon_per_day`".into(), Some("e.g. epsilon_per_day = 1.0".into()));
            None
        }
        (None, Some(_)) => {
            err(&path.key("epsilon_per_day"), "a budget without `noise`".into(), Some("noise = \"laplace\"".into()));
            None
        }
        (None, None) => None,
    };
    let k = d.k.unwrap_or(1);
    if k == 0 {
        err(&path.key("k"), "k = 0; use 1 for no suppression".into(), None);
    }
    Handling {
        name: d.name.clone(),
        identifiers: d.identifiers,
        rotate_every: d.rotate_every.map(|r| r.0),
        digest_bits,
        k: k.max(1),
        noise,
        retention: d.retention.map(|r| r.0),
        encrypted_in_transit: d.encrypted_in_transit.unwrap_or(true),
        encrypted_at_rest: d.encrypted_at_rest.unwrap_or(true),
    }
}
