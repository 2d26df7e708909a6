//! The privacy evaluation of a scenario: the synthetic population walks past the scenario's
//! identifying sensors (its personal-data groups, where the engine placed them), and every
//! data-handling design turns the same sightings into what leaves the edge. For each design:
//!
//! - the adversary's view: pseudonymous records, linkability across sensors within a day and
//!   across days, reversibility, and the unicity of the released traces (hourly points per
//!   sensor) for p = 1..5 points;
//! - what is published: hourly (per `release_every`) counts per sensor; distinct pseudonyms for
//!   identifier designs, distinct devices for on-device counting; with noise, each person counts
//!   at most once per release interval (contribution bounding, the first sensor that saw them)
//!   and every count gets Laplace (or Gaussian) noise calibrated so that a person seen in every
//!   interval spends exactly the daily budget (sequential composition, tracked in a ledger);
//!   cells under k are suppressed; k of the published table;
//! - exposure: records leaving the edge and stored, record-days held (retention, or the energy
//!   horizon when none is declared), records held past their group's declared retention;
//! - utility: RMSE and MAPE of the published counts against the number of people truly there.
//!
//! Two curves for the privacy-utility chart come from the same sightings: count error against
//! the daily epsilon, and linkability against the salt rotation period.

use std::collections::{BTreeMap, HashSet};

use super::anonymity::{TraceIndex, k_of_table, suppress_below_k};
use super::mechanisms::{Accounting, Budget, Cost, Ledger, gaussian_noise, laplace_noise, round_release};
use super::observe::{IdentifyingSensor, Observations, observe};
use super::population::{Population, PopulationParams};
use super::pseudonym::{self, IdPolicy, SaltPolicy, cross_day_linkability, cross_sensor_linkability};
use crate::metrics::report::{PrivacyCurves, PrivacyDesignReport, PrivacyReport};
use crate::scenario::Scenario;
use crate::scenario::privacy::{Handling, Identifiers, NoiseMechanism, PrivacyConfig};

/// Range of a camera, metres.
pub const CAMERA_RANGE_M: f64 = 30.0;
/// People whose traces the unicity estimate samples.
pub const UNICITY_SAMPLES: usize = 2_000;
/// Largest number of trace points drawn for unicity.
pub const UNICITY_POINTS: usize = 5;
/// Daily budgets of the epsilon-versus-error curve.
pub const EPSILON_CURVE: [f64; 7] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0];
/// Salt rotation periods of the linkability curve, hours (0: never rotated).
pub const ROTATION_CURVE_H: [u64; 6] = [1, 6, 24, 72, 168, 0];
/// Seed offset of the population (so that it is not the engine's placement stream).
const POPULATION_SEED: u64 = 0x7075_6c61_7469_6f6e;

/// The identifying sensors of a scenario: its personal-data groups at the engine's positions
/// (`positions` and `groups` per sensor id).
pub fn identifying_sensors(
    sc: &Scenario,
    positions: &[(f32, f32)],
    groups: &[u16],
    range_m: f64,
) -> Vec<IdentifyingSensor> {
    positions
        .iter()
        .zip(groups)
        .enumerate()
        .filter(|(_, (_, g))| sc.groups[usize::from(**g)].data.personal == Some(true))
        .map(|(id, (&(x, y), &g))| IdentifyingSensor {
            id: id as u32,
            group: g,
            x: f64::from(x),
            y: f64::from(y),
            range_m: if sc.groups[usize::from(g)].kind.technology == "identifiable_video" {
                CAMERA_RANGE_M
            } else {
                range_m
            },
        })
        .collect()
}

/// The privacy block of a scenario with a `[privacy]` section.
pub fn evaluate(sc: &Scenario, cfg: &PrivacyConfig, sensors: Vec<IdentifyingSensor>) -> PrivacyReport {
    let params = PopulationParams {
        people: cfg.people,
        side_m: sc.city.side_m,
        days: cfg.days,
        seed: sc.seed ^ POPULATION_SEED,
        mac_randomisation_share: cfg.mac_randomisation,
        ..PopulationParams::default()
    };
    let population = Population::synthesize(&params);
    let obs = observe(&population, &sensors, cfg.days, cfg.scan.0, sc.seed);
    let people_sighted = obs.sightings.iter().map(|s| s.person).collect::<HashSet<_>>().len() as u64;
    let truth = Truth::new(&obs, cfg.release_every.0);
    // Declared retention per sensor id, for violations.
    let declared: BTreeMap<u32, Option<u64>> =
        sensors.iter().map(|s| (s.id, sc.groups[usize::from(s.group)].data.retention.map(|r| r.0.0))).collect();
    let horizon_days = sc.energy.horizon_years * 365.0;
    let designs = cfg
        .designs
        .iter()
        .enumerate()
        .map(|(i, h)| design(sc.seed, i as u64, h, &obs, &truth, &declared, horizon_days))
        .collect();
    let dp = cfg.designs.iter().enumerate().find(|(_, h)| h.noise.is_some());
    let curves = PrivacyCurves {
        epsilon_vs_rmse: EPSILON_CURVE
            .iter()
            .map(|&e| {
                let mechanism =
                    dp.map_or(NoiseMechanism::Laplace, |(_, h)| h.noise.map_or(NoiseMechanism::Laplace, |n| n.0));
                let published = noisy_counts(sc.seed, 63, &truth.bounded, mechanism, e, truth.releases_per_day);
                (e, error(&published.0, &truth.people).0)
            })
            .collect(),
        rotation_vs_linkability: ROTATION_CURVE_H
            .iter()
            .map(|&hours| {
                let salt = if hours == 0 {
                    SaltPolicy::Fixed
                } else {
                    SaltPolicy::Rotating { period_us: hours * 3_600_000_000 }
                };
                let sightings = pseudonymous(&obs, IdPolicy::Hash { salt, digest_bits: None }, sc.seed);
                let across_days = cross_day_linkability(&sightings).share();
                (hours, cross_sensor_linkability(&sightings).share().unwrap_or(0.0), across_days)
            })
            .collect(),
    };
    PrivacyReport {
        people: cfg.people,
        days: cfg.days,
        identifying_sensors: sensors.len() as u64,
        sightings: obs.sightings.len() as u64,
        people_sighted,
        deployed: cfg.designs.get(cfg.deployed).map_or_else(String::new, |h| h.name.clone()),
        designs,
        curves,
    }
}

/// Ground truth per (sensor row, release bucket): the people truly there, and the bounded
/// counts (each person at most once per bucket) that noisy designs publish.
struct Truth {
    /// Row per sensor id.
    rows: BTreeMap<u32, usize>,
    buckets: usize,
    bucket_us: u64,
    start_us: u64,
    releases_per_day: u32,
    people: Vec<u64>,
    bounded: Vec<u64>,
    /// Per bounded contribution: (person, day).
    contributions: Vec<(u32, u32)>,
}

impl Truth {
    fn new(obs: &Observations, bucket_us: u64) -> Self {
        let rows: BTreeMap<u32, usize> = obs.sensors.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        let buckets = (u64::from(obs.days) * 86_400_000_000).div_ceil(bucket_us.max(1)) as usize;
        let mut people = vec![0u64; rows.len() * buckets];
        let mut bounded = vec![0u64; rows.len() * buckets];
        let mut seen: HashSet<(u32, usize, u32)> = HashSet::new();
        let mut counted: HashSet<(usize, u32)> = HashSet::new();
        let mut contributions = Vec::new();
        for s in &obs.sightings {
            let b = ((s.t_us.saturating_sub(obs.start_us)) / bucket_us.max(1)) as usize;
            let (Some(&row), true) = (rows.get(&s.sensor), b < buckets) else { continue };
            if seen.insert((s.sensor, b, s.person)) {
                people[row * buckets + b] += 1;
            }
            if counted.insert((b, s.person)) {
                bounded[row * buckets + b] += 1;
                contributions.push((s.person, s.day));
            }
        }
        Truth {
            rows,
            buckets,
            bucket_us,
            start_us: obs.start_us,
            releases_per_day: (86_400_000_000 / bucket_us.max(1)).max(1) as u32,
            people,
            bounded,
            contributions,
        }
    }

    fn cell(&self, sensor: u32, t_us: u64) -> Option<usize> {
        let b = ((t_us.saturating_sub(self.start_us)) / self.bucket_us.max(1)) as usize;
        self.rows.get(&sensor).filter(|_| b < self.buckets).map(|row| row * self.buckets + b)
    }
}

/// Every sighting as it leaves the edge under `policy`.
fn pseudonymous(obs: &Observations, policy: IdPolicy, seed: u64) -> Vec<pseudonym::Sighting> {
    obs.sightings
        .iter()
        .map(|s| pseudonym::Sighting::observe(policy, s.person, s.sensor, s.t_us, s.mac, seed))
        .collect()
}

/// The engine's policy for a design.
fn policy(h: &Handling) -> IdPolicy {
    let bits = Some(h.digest_bits);
    match h.identifiers {
        Identifiers::Raw => IdPolicy::Raw,
        Identifiers::Hash => IdPolicy::Hash { salt: SaltPolicy::None, digest_bits: bits },
        Identifiers::Salted => IdPolicy::Hash {
            salt: h.rotate_every.map_or(SaltPolicy::Fixed, |p| SaltPolicy::Rotating { period_us: p.0 }),
            digest_bits: bits,
        },
        Identifiers::OnDevice => IdPolicy::OnDevice,
    }
}

/// Noisy counts of `counts` under a daily budget, and the per-count epsilon (or rho).
fn noisy_counts(
    seed: u64,
    design: u64,
    counts: &[u64],
    mechanism: NoiseMechanism,
    epsilon_per_day: f64,
    releases_per_day: u32,
) -> (Vec<u64>, Cost) {
    let budget = Budget { epsilon_per_day };
    let (scale, cost) = match mechanism {
        NoiseMechanism::Laplace => (
            budget.laplace_scale(releases_per_day, 1.0),
            Cost::Pure { epsilon: budget.epsilon_per_release(releases_per_day) },
        ),
        NoiseMechanism::Gaussian => {
            (budget.gaussian_sigma(releases_per_day, 1.0), Cost::Zcdp { rho: budget.rho_per_release(releases_per_day) })
        }
    };
    let noisy = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let key = design << 40 | i as u64;
            let noise = match mechanism {
                NoiseMechanism::Laplace => laplace_noise(scale, seed, key, 0),
                NoiseMechanism::Gaussian => gaussian_noise(scale, seed, key, 0),
            };
            round_release(c as f64 + noise)
        })
        .collect();
    (noisy, cost)
}

/// RMSE and MAPE of `published` against `truth` (MAPE over cells with people).
fn error(published: &[u64], truth: &[u64]) -> (f64, f64) {
    let n = truth.len().max(1) as f64;
    let sq: f64 = published.iter().zip(truth).map(|(&p, &t)| (p as f64 - t as f64).powi(2)).sum();
    let (ape, m) = published
        .iter()
        .zip(truth)
        .filter(|(_, t)| **t > 0)
        .fold((0.0, 0u64), |(a, m), (&p, &t)| (a + (p as f64 - t as f64).abs() / t as f64, m + 1));
    ((sq / n).sqrt(), if m == 0 { 0.0 } else { ape / m as f64 })
}

#[allow(clippy::too_many_arguments)]
fn design(
    seed: u64,
    index: u64,
    h: &Handling,
    obs: &Observations,
    truth: &Truth,
    declared: &BTreeMap<u32, Option<u64>>,
    horizon_days: f64,
) -> PrivacyDesignReport {
    let policy = policy(h);
    let sightings = pseudonymous(obs, policy, seed);
    let emits = policy.emits_identifier();
    // Published counts: distinct pseudonyms (or devices, counted on the device) per cell, or
    // bounded noisy counts.
    let (mut published, epsilon) = match h.noise {
        Some((mechanism, budget)) => {
            let (noisy, cost) = noisy_counts(seed, index, &truth.bounded, mechanism, budget, truth.releases_per_day);
            let accounting = if mechanism == NoiseMechanism::Laplace { Accounting::Pure } else { Accounting::Zcdp };
            let mut ledger = Ledger::new(Budget { epsilon_per_day: budget }, accounting);
            for &(person, day) in &truth.contributions {
                // Bounding keeps every person within the budget: a refusal would be a bug.
                let _ = ledger.charge(person, day, cost);
            }
            let spent = ledger.max_spent();
            let eps = if mechanism == NoiseMechanism::Laplace { spent } else { (2.0 * spent).sqrt() };
            (noisy, Some(eps))
        }
        None => {
            let mut distinct: HashSet<(usize, u64)> = HashSet::new();
            let mut counts = vec![0u64; truth.people.len()];
            for (s, o) in sightings.iter().zip(&obs.sightings) {
                let id = s.pseudonym.unwrap_or(o.mac);
                if let Some(cell) = truth.cell(o.sensor, o.t_us)
                    && distinct.insert((cell, id))
                {
                    counts[cell] += 1;
                }
            }
            (counts, None)
        }
    };
    let suppression = suppress_below_k(&mut published, u64::from(h.k));
    let (rmse, mape) = error(&published, &truth.people);
    // Traces of what left the edge: per pseudonym, its (sensor, hour) points.
    let unicity = if emits {
        let mut traces: BTreeMap<u64, Vec<(u32, u32)>> = BTreeMap::new();
        for s in &sightings {
            if let Some(p) = s.pseudonym {
                traces.entry(p).or_default().push((s.sensor, (s.t_us / 3_600_000_000) as u32));
            }
        }
        let traces: Vec<Vec<(u32, u32)>> = traces
            .into_values()
            .map(|mut t| {
                t.sort_unstable();
                t.dedup();
                t
            })
            .collect();
        let index = TraceIndex::new(&traces);
        (1..=UNICITY_POINTS).map(|p| index.unicity(p, UNICITY_SAMPLES, seed).unwrap_or(0.0)).collect()
    } else {
        vec![0.0; UNICITY_POINTS]
    };
    let records = if emits { sightings.len() as u64 } else { 0 };
    let retention_days = |sensor: u32| -> f64 {
        h.retention
            .map(|r| r.0)
            .or_else(|| declared.get(&sensor).copied().flatten())
            .map_or(horizon_days, |us| us as f64 / 86_400e6)
    };
    let (exposure_days, violations) = if emits {
        sightings.iter().fold((0.0, 0u64), |(e, v), s| {
            let held = retention_days(s.sensor);
            let limit = declared.get(&s.sensor).copied().flatten().map(|us| us as f64 / 86_400e6);
            (e + held, v + u64::from(limit.is_some_and(|l| held > l)))
        })
    } else {
        (0.0, 0)
    };
    PrivacyDesignReport {
        name: h.name.clone(),
        identifiers: match h.identifiers {
            Identifiers::Raw => "raw",
            Identifiers::Hash => "hash",
            Identifiers::Salted => "salted",
            Identifiers::OnDevice => "on-device",
        },
        reversible: policy.reversible(),
        linkable_across_sensors: cross_sensor_linkability(&sightings).share().unwrap_or(0.0),
        linkable_across_days: (obs.days > 1).then(|| cross_day_linkability(&sightings).share().unwrap_or(0.0)),
        unicity,
        k: k_of_table(&published),
        suppressed_cells: suppression.cells as u64,
        epsilon_per_person_day: epsilon,
        records_leaving_edge: records,
        records_stored: records,
        exposure_days,
        retention_violations: violations,
        count_rmse: rmse,
        count_mape: mape,
        encrypted: (h.encrypted_in_transit, h.encrypted_at_rest),
    }
}
