//! Device identifiers at the edge (REFERENCE.md §5): what an identifying Wi-Fi or Bluetooth
//! sensor sends upstream for a device it sees under an [`IdPolicy`] — the raw MAC, a SHA-256
//! pseudonym (unsalted, fixed salt or rotating salt, optionally truncated), or nothing at all
//! (counting on the device) — and what an adversary holding those records can do with them:
//! link a person across sensors on a day and across days, reverse pseudonyms by enumerating the
//! allocated MAC space (~2^39), and how often truncated digests collide (the share of devices
//! sharing a pseudonym is 1 - (1 - 2^-bits)^(n-1) ~ 1 - e^(-n/2^bits)).
//!
//! Salts are derived from the run's seed and the salt period on [`Purpose::Compromise`] with
//! bit-62 privacy keys ([`super::mechanisms`] documents the key layout): in the twin they stand
//! for secret random salts that the adversary never learns.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};

use super::mechanisms::{privacy_key, stream};
use crate::model::random::{Purpose, draw};

/// Microseconds in one day: the unit of cross-day linkability.
pub const DAY_US: u64 = 86_400 * 1_000_000;

/// Bits of the allocated MAC address space an adversary enumerates to reverse an unsalted hash.
pub const ALLOCATED_MAC_BITS: u32 = 39;

/// Digest length when a hash policy does not say.
pub const DEFAULT_DIGEST_BITS: u8 = 64;

/// Which salt a hash policy mixes in before the MAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaltPolicy {
    /// No salt: anyone can hash a known MAC and find it.
    None,
    /// One secret salt for the whole run.
    Fixed,
    /// A new secret salt every `period_us` (counted from time zero; 0 counts as 1 µs).
    Rotating {
        /// Length of one salt period in microseconds.
        period_us: u64,
    },
}

/// What an identifying sensor sends upstream for a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdPolicy {
    /// The MAC address itself (48 bits).
    Raw,
    /// SHA-256 over (salt ‖ 6 MAC bytes), truncated to the leading `digest_bits`.
    Hash {
        /// Which salt.
        salt: SaltPolicy,
        /// Bits kept from the front of the digest, 1..=64 (clamped); `None` keeps 64.
        digest_bits: Option<u8>,
    },
    /// Counting on the device: nothing identifying leaves the edge.
    OnDevice,
}

impl IdPolicy {
    /// Whether an adversary can recompute the identifier of any MAC they choose (a dictionary
    /// attack over the ~2^39 allocated MACs), and so find a known device in the records or list
    /// the candidate MACs behind a pseudonym: true for raw MACs and unsalted hashes, truncated or
    /// not; false for secret salts and on-device counting.
    pub fn reversible(self) -> bool {
        matches!(self, IdPolicy::Raw | IdPolicy::Hash { salt: SaltPolicy::None, .. })
    }

    /// How many allocated MACs share one identifier under a dictionary attack: 1 for raw MACs,
    /// max(1, 2^(39 - bits)) for unsalted digests of `bits`; `None` when the policy is not
    /// reversible.
    pub fn preimages_per_identifier(self) -> Option<f64> {
        match self {
            IdPolicy::Raw => Some(1.0),
            IdPolicy::Hash { salt: SaltPolicy::None, digest_bits } => {
                let bits = digest_bits_of(digest_bits);
                Some(2f64.powi(ALLOCATED_MAC_BITS as i32 - i32::from(bits)).max(1.0))
            }
            _ => None,
        }
    }

    /// Whether anything identifying leaves the edge.
    pub fn emits_identifier(self) -> bool {
        self != IdPolicy::OnDevice
    }
}

fn digest_bits_of(bits: Option<u8>) -> u8 {
    bits.unwrap_or(DEFAULT_DIGEST_BITS).clamp(1, 64)
}

/// The 32-byte salt in force at `t_us` under `salt`, derived from (seed, period index); `None`
/// for [`SaltPolicy::None`].
pub fn salt_at(salt: SaltPolicy, t_us: u64, seed: u64) -> Option<[u8; 32]> {
    let key = match salt {
        SaltPolicy::None => return None,
        SaltPolicy::Fixed => privacy_key(stream::FIXED_SALT, 0),
        SaltPolicy::Rotating { period_us } => privacy_key(stream::ROTATING_SALT, t_us / period_us.max(1)),
    };
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&draw(seed, Purpose::Compromise, key, i as u64).to_be_bytes());
    }
    Some(out)
}

/// SHA-256 over (`salt` ‖ the MAC's 6 bytes, big-endian), truncated to the leading `digest_bits`
/// (clamped to 1..=64) and read as an unsigned integer below 2^digest_bits.
pub fn hash_mac(salt: &[u8], mac: u64, digest_bits: u8) -> u64 {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(&mac.to_be_bytes()[2..]);
    let digest = h.finalize();
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(head) >> (64 - u32::from(digest_bits.clamp(1, 64)))
}

/// The identifier a sensor sends for the device `device_mac` seen at `t_us` under `policy`
/// (only the low 48 bits of the MAC count); `None` when nothing identifying leaves the edge.
pub fn pseudonym(policy: IdPolicy, device_mac: u64, t_us: u64, seed: u64) -> Option<u64> {
    let mac = device_mac & 0xffff_ffff_ffff;
    match policy {
        IdPolicy::Raw => Some(mac),
        IdPolicy::Hash { salt, digest_bits } => {
            let salt = salt_at(salt, t_us, seed);
            Some(hash_mac(salt.as_ref().map_or(&[][..], |s| &s[..]), mac, digest_bits_of(digest_bits)))
        }
        IdPolicy::OnDevice => None,
    }
}

/// One record of a device seen by a sensor: what left the edge (`pseudonym`) plus the ground
/// truth `person` that only the evaluator knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sighting {
    /// Who carried the device (ground truth, hidden from the adversary).
    pub person: u32,
    /// Which sensor saw it.
    pub sensor: u32,
    /// When.
    pub t_us: u64,
    /// What the sensor sent; `None` when nothing identifying left the edge.
    pub pseudonym: Option<u64>,
}

impl Sighting {
    /// The record of `person`'s device `device_mac` seen by `sensor` at `t_us` under `policy`.
    pub fn observe(policy: IdPolicy, person: u32, sensor: u32, t_us: u64, device_mac: u64, seed: u64) -> Self {
        Sighting { person, sensor, t_us, pseudonym: pseudonym(policy, device_mac, t_us, seed) }
    }

    /// The day of the sighting.
    pub fn day(&self) -> u32 {
        (self.t_us / DAY_US) as u32
    }
}

/// A linkability measure: how many of the eligible units the adversary links correctly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Linkage {
    /// Units linked by a pseudonym that belongs to them alone.
    pub linked: usize,
    /// Units that could be linked at all (by ground truth).
    pub eligible: usize,
}

impl Linkage {
    /// linked / eligible; `None` when nothing was eligible.
    pub fn share(self) -> Option<f64> {
        (self.eligible > 0).then(|| self.linked as f64 / self.eligible as f64)
    }
}

/// The (day, pseudonym) pairs used by exactly one person: a link through any other pair is
/// ambiguous (a digest collision), so the adversary cannot count on it.
fn exclusive_pairs(sightings: &[Sighting]) -> HashSet<(u32, u64)> {
    let mut owner: HashMap<(u32, u64), Option<u32>> = HashMap::new();
    for s in sightings {
        let Some(p) = s.pseudonym else { continue };
        owner
            .entry((s.day(), p))
            .and_modify(|o| {
                if *o != Some(s.person) {
                    *o = None;
                }
            })
            .or_insert(Some(s.person));
    }
    owner.into_iter().filter_map(|(k, o)| o.map(|_| k)).collect()
}

/// Cross-sensor linkability, per person-day: among the (person, day) pairs seen at two or more
/// distinct sensors, the share for which one pseudonym connects sightings at two or more distinct
/// sensors that day and belongs to no other person that day. This is the direct link through a
/// shared identifier; linking by timing or trajectory could add more.
pub fn cross_sensor_linkability(sightings: &[Sighting]) -> Linkage {
    let exclusive = exclusive_pairs(sightings);
    let mut sensors_of_day: HashMap<(u32, u32), HashSet<u32>> = HashMap::new();
    let mut sensors_of_pseudonym: HashMap<(u32, u32, u64), HashSet<u32>> = HashMap::new();
    for s in sightings {
        sensors_of_day.entry((s.person, s.day())).or_default().insert(s.sensor);
        if let Some(p) = s.pseudonym.filter(|&p| exclusive.contains(&(s.day(), p))) {
            sensors_of_pseudonym.entry((s.person, s.day(), p)).or_default().insert(s.sensor);
        }
    }
    let linked: HashSet<(u32, u32)> = sensors_of_pseudonym
        .into_iter()
        .filter(|(_, set)| set.len() >= 2)
        .map(|((person, day, _), _)| (person, day))
        .collect();
    Linkage { linked: linked.len(), eligible: sensors_of_day.values().filter(|set| set.len() >= 2).count() }
}

/// Cross-day linkability, per person: among the people seen on two or more days, the share with a
/// pseudonym that they use on two different days and that no other person uses on either day.
pub fn cross_day_linkability(sightings: &[Sighting]) -> Linkage {
    let exclusive = exclusive_pairs(sightings);
    let mut days_of_person: HashMap<u32, HashSet<u32>> = HashMap::new();
    let mut days_of_pseudonym: HashMap<(u32, u64), HashSet<u32>> = HashMap::new();
    for s in sightings {
        days_of_person.entry(s.person).or_default().insert(s.day());
        if let Some(p) = s.pseudonym.filter(|&p| exclusive.contains(&(s.day(), p))) {
            days_of_pseudonym.entry((s.person, p)).or_default().insert(s.day());
        }
    }
    let linked: HashSet<u32> =
        days_of_pseudonym.into_iter().filter(|(_, days)| days.len() >= 2).map(|((person, _), _)| person).collect();
    Linkage { linked: linked.len(), eligible: days_of_person.values().filter(|days| days.len() >= 2).count() }
}

/// Digest collisions among devices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collisions {
    /// Devices.
    pub devices: usize,
    /// Devices whose pseudonym at least one other device also has.
    pub colliding_devices: usize,
    /// Distinct pseudonyms.
    pub pseudonyms: usize,
    /// Distinct pseudonyms held by two or more devices.
    pub shared_pseudonyms: usize,
}

impl Collisions {
    /// Share of devices that collide with another device (0 when there are none).
    pub fn device_share(self) -> f64 {
        if self.devices == 0 { 0.0 } else { self.colliding_devices as f64 / self.devices as f64 }
    }

    /// Share of distinct pseudonyms that are shared by two or more devices (0 when there are none).
    pub fn pseudonym_share(self) -> f64 {
        if self.pseudonyms == 0 { 0.0 } else { self.shared_pseudonyms as f64 / self.pseudonyms as f64 }
    }
}

/// Collisions among `pseudonyms`, one per distinct device.
pub fn collisions(pseudonyms: &[u64]) -> Collisions {
    let mut v = pseudonyms.to_vec();
    v.sort_unstable();
    let mut out = Collisions { devices: v.len(), ..Collisions::default() };
    for run in v.chunk_by(|a, b| a == b) {
        out.pseudonyms += 1;
        if run.len() >= 2 {
            out.shared_pseudonyms += 1;
            out.colliding_devices += run.len();
        }
    }
    out
}

/// Expected share of `n` devices whose uniform `bits`-bit digest collides with another device's:
/// 1 - (1 - 2^-bits)^(n-1), about 1 - e^(-n/2^bits).
pub fn expected_colliding_device_share(n: u64, bits: u8) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let m = 2f64.powi(i32::from(bits));
    1.0 - ((n - 1) as f64 * (-1.0 / m).ln_1p()).exp()
}

/// Expected share of distinct digests held by two or more of `n` devices (a ratio of the
/// expected counts): with M = 2^bits, (M - M·(1-1/M)^n - n·(1-1/M)^(n-1)) / (M - M·(1-1/M)^n).
pub fn expected_shared_pseudonym_share(n: u64, bits: u8) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let m = 2f64.powi(i32::from(bits));
    let l = (-1.0 / m).ln_1p();
    // Expected distinct digests M·(1 - (1-1/M)^n), by expm1 to keep precision when n << M, and
    // expected digests held by exactly one device, n·(1-1/M)^(n-1).
    let distinct = -m * (n as f64 * l).exp_m1();
    let single = n as f64 * ((n - 1) as f64 * l).exp();
    (distinct - single).max(0.0) / distinct
}

#[cfg(test)]
mod tests {
    use rayon::prelude::*;

    use super::*;

    const HASH64: IdPolicy = IdPolicy::Hash { salt: SaltPolicy::None, digest_bits: None };
    const FIXED: IdPolicy = IdPolicy::Hash { salt: SaltPolicy::Fixed, digest_bits: None };
    const DAILY: IdPolicy = IdPolicy::Hash { salt: SaltPolicy::Rotating { period_us: DAY_US }, digest_bits: None };
    const HOURLY: IdPolicy =
        IdPolicy::Hash { salt: SaltPolicy::Rotating { period_us: DAY_US / 24 }, digest_bits: None };

    fn mac(i: u64) -> u64 {
        draw(0, Purpose::Compromise, privacy_key(stream::TEST, 0), i) & 0xffff_ffff_ffff
    }

    /// `people` people with one device each, seen on each of `days` days by three distinct
    /// sensors, each sighting in a different hour.
    fn sightings(policy: IdPolicy, people: u32, days: u32) -> Vec<Sighting> {
        let mut out = Vec::new();
        for person in 0..people {
            for day in 0..days {
                for k in 0..3u32 {
                    let sensor = (person * 7 + day * 3 + k) % 50;
                    let t = u64::from(day) * DAY_US + u64::from(6 + 4 * k) * (DAY_US / 24) + u64::from(person) * 1_000;
                    out.push(Sighting::observe(policy, person, sensor, t, mac(u64::from(person)), 42));
                }
            }
        }
        out
    }

    fn shares(policy: IdPolicy) -> (f64, f64) {
        let s = sightings(policy, 300, 3);
        (cross_sensor_linkability(&s).share().unwrap(), cross_day_linkability(&s).share().unwrap())
    }

    #[test]
    fn raw_and_unsalted_hashes_are_fully_linkable_and_reversible() {
        for policy in [IdPolicy::Raw, HASH64, IdPolicy::Hash { salt: SaltPolicy::None, digest_bits: Some(40) }] {
            assert_eq!(shares(policy), (1.0, 1.0), "{policy:?}");
            assert!(policy.reversible());
        }
        let s = sightings(HASH64, 300, 3);
        assert_eq!(cross_sensor_linkability(&s), Linkage { linked: 900, eligible: 900 });
        assert_eq!(cross_day_linkability(&s), Linkage { linked: 300, eligible: 300 });
        // The dictionary attack: hash candidate MACs and look the pseudonym up.
        let target = mac(17);
        let seen = pseudonym(HASH64, target, 5, 42).unwrap();
        let found: Vec<u64> = (0..1_000).map(mac).filter(|&m| hash_mac(&[], m, 64) == seen).collect();
        assert_eq!(found, vec![target]);
        assert_eq!(IdPolicy::Raw.preimages_per_identifier(), Some(1.0));
        let t24 = IdPolicy::Hash { salt: SaltPolicy::None, digest_bits: Some(24) };
        assert_eq!(t24.preimages_per_identifier(), Some(32_768.0));
        assert_eq!(FIXED.preimages_per_identifier(), None);
    }

    #[test]
    fn salts_and_rotation() {
        // A fixed secret salt: still linkable across sensors and days, but not reversible.
        assert_eq!(shares(FIXED), (1.0, 1.0));
        assert!(!FIXED.reversible());
        assert_ne!(pseudonym(FIXED, mac(1), 0, 42), pseudonym(HASH64, mac(1), 0, 42));
        // A daily salt: same-day cross-sensor links survive, cross-day links are gone.
        assert_eq!(shares(DAILY), (1.0, 0.0));
        assert!(!DAILY.reversible());
        assert_eq!(pseudonym(DAILY, mac(1), 5, 42), pseudonym(DAILY, mac(1), DAY_US - 1, 42));
        assert_ne!(pseudonym(DAILY, mac(1), 5, 42), pseudonym(DAILY, mac(1), DAY_US, 42));
        // An hourly salt with every sighting in a different hour: nothing links.
        assert_eq!(shares(HOURLY), (0.0, 0.0));
        // Different seeds, different salts.
        assert_ne!(salt_at(SaltPolicy::Fixed, 0, 1), salt_at(SaltPolicy::Fixed, 0, 2));
        assert_eq!(salt_at(SaltPolicy::None, 0, 1), None);
    }

    #[test]
    fn on_device_counting_emits_nothing() {
        let s = sightings(IdPolicy::OnDevice, 50, 2);
        assert!(s.iter().all(|x| x.pseudonym.is_none()));
        assert_eq!(cross_sensor_linkability(&s), Linkage { linked: 0, eligible: 100 });
        assert_eq!(cross_day_linkability(&s).share(), Some(0.0));
        assert!(!IdPolicy::OnDevice.reversible() && !IdPolicy::OnDevice.emits_identifier());
        assert_eq!(cross_day_linkability(&[]).share(), None);
    }

    #[test]
    fn truncation_bounds_and_collisions_break_links() {
        for bits in [1u8, 8, 24, 63] {
            let policy = IdPolicy::Hash { salt: SaltPolicy::Fixed, digest_bits: Some(bits) };
            for i in 0..200 {
                assert!(pseudonym(policy, mac(i), 0, 3).unwrap() < 1u64 << bits);
            }
        }
        // Full-length digest = first 8 bytes; a 24-bit one is its prefix.
        assert_eq!(hash_mac(&[], 0xa, 24), hash_mac(&[], 0xa, 64) >> 40);
        // 8-bit digests among 300 people: a person's pseudonym is theirs alone with probability
        // (1 - 2^-8)^299 = 0.31, and only such people link (SE ~ 0.03 per measure).
        let tiny = IdPolicy::Hash { salt: SaltPolicy::None, digest_bits: Some(8) };
        let (sensor, day) = shares(tiny);
        let want = 1.0 - expected_colliding_device_share(300, 8);
        assert!((sensor - want).abs() < 0.1 && (day - want).abs() < 0.1, "{sensor} {day} vs {want}");
    }

    #[test]
    fn truncated_digest_collisions_follow_the_birthday_bound() {
        // Oracle: REFERENCE.md §5, 24-bit digests keep collisions < 1 % for up to ~168k devices:
        // 1 - (1 - 2^-24)^(168k - 1) = 0.996 %.
        let n = 168_000u64;
        let want_devices = expected_colliding_device_share(n, 24);
        assert!(want_devices < 0.01 && want_devices > 0.0099, "{want_devices}");
        assert!((want_devices - (1.0 - (-(n as f64) / 2f64.powi(24)).exp())).abs() < 1e-4);
        let policy = IdPolicy::Hash { salt: SaltPolicy::None, digest_bits: Some(24) };
        // SHA-256 is slow in debug builds: hash on all cores (each digest is a pure function).
        let digests: Vec<u64> = (0..n).into_par_iter().map(|i| pseudonym(policy, mac(i), 0, 0).unwrap()).collect();
        let c = collisions(&digests);
        assert_eq!(c.devices, n as usize);
        // About 836 colliding pairs (Poisson): the device share has an SD of ~0.034 points, the
        // pseudonym share ~0.017 points; tolerances are ~4 SD.
        assert!((c.device_share() - want_devices).abs() < 0.0015, "{c:?}");
        let want_pseudonyms = expected_shared_pseudonym_share(n, 24);
        assert!((c.pseudonym_share() - want_pseudonyms).abs() < 0.0008, "{c:?} vs {want_pseudonyms}");
        assert!(c.pseudonym_share() < 0.01);
        // Untruncated 64-bit digests of the same devices do not collide.
        let full: Vec<u64> = (0..20_000).map(|i| pseudonym(HASH64, mac(i), 0, 0).unwrap()).collect();
        assert_eq!(collisions(&full).colliding_devices, 0);
        assert_eq!(
            collisions(&[5, 5, 5, 1, 2, 2]),
            Collisions { devices: 6, colliding_devices: 5, pseudonyms: 3, shared_pseudonyms: 2 }
        );
    }
}
