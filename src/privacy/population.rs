//! A synthetic population moving through the city, for privacy studies: people with home and
//! work anchors, a daily rhythm (commute, evening or weekend visits to points of interest) and
//! one Wi-Fi/Bluetooth device each with a 48-bit MAC address.
//!
//! The city is a square of side `side_m` metres with its origin at the south-west corner. Homes
//! cluster around a few residential centres on a ring around the central business district
//! (CBD, the centre of the square); workplaces cluster around the CBD; a share of each is
//! scattered uniformly. Every Gaussian anchor is clamped to the square, and people travel
//! between places in straight lines, so nobody ever leaves it.
//!
//! Every day of every person is a pure function of (seed, person, day): itineraries are
//! generated lazily, in any order and in parallel, and the cost of a study scales with
//! people × days × stays, never with time steps.
//!
//! # Random streams
//!
//! All draws come from [`crate::model::random`] under [`Purpose::SensorPlacement`] with entity
//! keys that set bit 61 ([`POPULATION_STREAM_BIT`]); sensor placement uses small entity ids
//! (sensor numbers), so the two never collide. Bits 56..59 of the key carry a stream tag (city
//! layout, person anchors, a person's day, MAC permutations, detection coins in
//! [`super::observe`]) and bits 0..55 the tag's payload.

use crate::model::random::{Purpose, below, draw, exponential, standard_normal, unit};

/// Microseconds in one day.
pub const DAY_US: u64 = 86_400_000_000;

/// Set in every entity key of the population's random streams (see the module docs).
pub const POPULATION_STREAM_BIT: u64 = 1 << 61;

/// Stream tag: residential centres, points of interest and vendor OUIs.
const TAG_LAYOUT: u64 = 1;
/// Stream tag: one person's anchors and habits (payload: person id).
const TAG_PERSON: u64 = 2;
/// Stream tag: one person's day (payload: day << 32 | person).
const TAG_DAY: u64 = 3;
/// Stream tag: MAC address permutations (payload: OUI index, or 1 << 32 for daily random MACs).
const TAG_MAC: u64 = 4;
/// Stream tag: per-slot detection coins of identifying sensors (payload: person id).
pub(crate) const TAG_DETECT: u64 = 5;

/// The entity key of a population stream: bit 61, a tag in bits 56..59, a payload below 2^56.
pub(crate) fn stream_key(tag: u64, payload: u64) -> u64 {
    debug_assert!(tag < 16 && payload < 1 << 56);
    POPULATION_STREAM_BIT | tag << 56 | payload
}

const HOUR_US: f64 = 3_600e6;
const MINUTE_US: f64 = 60e6;
/// Days for which daily random MACs are unique (the day takes 14 bits of the 46-bit payload).
pub const MAX_DAYS: u32 = 1 << 14;
/// The locally-administered bit of a 48-bit MAC (bit 1 of the first octet).
pub const MAC_LOCAL_BIT: u64 = 1 << 41;
/// The multicast (group) bit of a 48-bit MAC (bit 0 of the first octet).
pub const MAC_MULTICAST_BIT: u64 = 1 << 40;

/// How a synthetic population is drawn. Shares are probabilities in [0, 1]; `_frac` lengths are
/// fractions of the city's side; times of day are hours after midnight.
#[derive(Clone, Debug, PartialEq)]
pub struct PopulationParams {
    /// Number of people (default 1,000).
    pub people: u32,
    /// Side of the square city in metres (default 5,000).
    pub side_m: f64,
    /// Days simulated (default 7); day `d` is a weekend day when `d % 7` is 5 or 6.
    pub days: u32,
    /// Master seed (default 0).
    pub seed: u64,
    /// Midnight at the start of day 0, microseconds of simulated time (default 0).
    pub start_us: u64,
    /// Residential centres on a ring around the CBD (default 4).
    pub home_centres: u32,
    /// Radius of that ring as a fraction of the side (default 0.3).
    pub home_ring_frac: f64,
    /// Standard deviation of a home around its centre, per axis, as a fraction of the side (default 0.08).
    pub home_spread_frac: f64,
    /// Share of homes scattered uniformly over the square instead (default 0.15).
    pub home_scattered_share: f64,
    /// Standard deviation of a workplace around the CBD, per axis, as a fraction of the side (default 0.06).
    pub work_spread_frac: f64,
    /// Share of workplaces scattered uniformly over the square instead (default 0.25).
    pub work_scattered_share: f64,
    /// Share of people who do not commute (default 0.3).
    pub stay_home_share: f64,
    /// Mean time a commuter leaves home, hours (default 8.0).
    pub depart_mean_h: f64,
    /// Standard deviation of that time, hours (default 1.0; draws are clamped to ±3 sd).
    pub depart_sd_h: f64,
    /// Mean time spent at work, hours (default 8.0).
    pub work_mean_h: f64,
    /// Standard deviation of the time at work, hours (default 1.0; clamped to ±3 sd).
    pub work_sd_h: f64,
    /// Share of weekdays with visits to points of interest (default 0.4).
    pub visit_day_share: f64,
    /// Share of weekend days with visits (default 0.7).
    pub weekend_visit_day_share: f64,
    /// Visits on a visit day are uniform in 1..=max_visits (default 2).
    pub max_visits: u32,
    /// Shortest visit, minutes (default 10).
    pub visit_min_min: f64,
    /// Mean visit, minutes (default 60): the shortest plus an exponential remainder.
    pub visit_mean_min: f64,
    /// Mean time an outing starts on a day without work, hours (default 14.0).
    pub outing_mean_h: f64,
    /// Standard deviation of that time, hours (default 2.0; clamped to ±3 sd).
    pub outing_sd_h: f64,
    /// Number of points of interest (default 50); POI `i` has popularity rank `i + 1`.
    pub pois: u32,
    /// Zipf exponent of POI popularity: weight of rank k is k^-s (default 1.0).
    pub poi_zipf_s: f64,
    /// Share of POIs clustered around the CBD; the rest are uniform (default 0.5).
    pub poi_cbd_share: f64,
    /// Standard deviation of a clustered POI around the CBD, per axis, as a fraction of the side (default 0.15).
    pub poi_spread_frac: f64,
    /// Travel speed between places, m/s (default 5, walking and transit mixed).
    pub speed_mps: f64,
    /// Distinct vendor OUIs that devices' MACs are drawn from (default 32, at most 4,096).
    pub vendor_ouis: u32,
    /// Share of devices that present a fresh random MAC every day (default 0).
    pub mac_randomisation_share: f64,
}

impl Default for PopulationParams {
    fn default() -> Self {
        PopulationParams {
            people: 1_000,
            side_m: 5_000.0,
            days: 7,
            seed: 0,
            start_us: 0,
            home_centres: 4,
            home_ring_frac: 0.3,
            home_spread_frac: 0.08,
            home_scattered_share: 0.15,
            work_spread_frac: 0.06,
            work_scattered_share: 0.25,
            stay_home_share: 0.3,
            depart_mean_h: 8.0,
            depart_sd_h: 1.0,
            work_mean_h: 8.0,
            work_sd_h: 1.0,
            visit_day_share: 0.4,
            weekend_visit_day_share: 0.7,
            max_visits: 2,
            visit_min_min: 10.0,
            visit_mean_min: 60.0,
            outing_mean_h: 14.0,
            outing_sd_h: 2.0,
            pois: 50,
            poi_zipf_s: 1.0,
            poi_cbd_share: 0.5,
            poi_spread_frac: 0.15,
            speed_mps: 5.0,
            vendor_ouis: 32,
            mac_randomisation_share: 0.0,
        }
    }
}

impl PopulationParams {
    /// Checks that every parameter is usable; the message names the first one that is not.
    pub fn validate(&self) -> Result<(), String> {
        let share = |name: &str, v: f64| {
            if (0.0..=1.0).contains(&v) { Ok(()) } else { Err(format!("{name} must lie in [0, 1], got {v}")) }
        };
        let nonneg = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 { Ok(()) } else { Err(format!("{name} must be finite and >= 0, got {v}")) }
        };
        if !(self.side_m.is_finite() && self.side_m > 0.0) {
            return Err(format!("side_m must be finite and > 0, got {}", self.side_m));
        }
        if !(self.speed_mps.is_finite() && self.speed_mps > 0.0) {
            return Err(format!("speed_mps must be finite and > 0, got {}", self.speed_mps));
        }
        if self.days > MAX_DAYS {
            return Err(format!("days must be at most {MAX_DAYS}, got {}", self.days));
        }
        if self.start_us.checked_add(self.days as u64 * DAY_US).is_none() {
            return Err("start_us + days overflows the clock".into());
        }
        if self.vendor_ouis == 0 || self.vendor_ouis > 4_096 {
            return Err(format!("vendor_ouis must lie in 1..=4096, got {}", self.vendor_ouis));
        }
        if self.people as u64 > (self.vendor_ouis as u64) << 24 {
            return Err(format!("{} people need more than {} vendor OUIs of 2^24 MACs", self.people, self.vendor_ouis));
        }
        share("home_scattered_share", self.home_scattered_share)?;
        share("work_scattered_share", self.work_scattered_share)?;
        share("stay_home_share", self.stay_home_share)?;
        share("visit_day_share", self.visit_day_share)?;
        share("weekend_visit_day_share", self.weekend_visit_day_share)?;
        share("poi_cbd_share", self.poi_cbd_share)?;
        share("mac_randomisation_share", self.mac_randomisation_share)?;
        nonneg("home_ring_frac", self.home_ring_frac)?;
        nonneg("home_spread_frac", self.home_spread_frac)?;
        nonneg("work_spread_frac", self.work_spread_frac)?;
        nonneg("poi_spread_frac", self.poi_spread_frac)?;
        nonneg("depart_mean_h", self.depart_mean_h)?;
        nonneg("depart_sd_h", self.depart_sd_h)?;
        nonneg("work_mean_h", self.work_mean_h)?;
        nonneg("work_sd_h", self.work_sd_h)?;
        nonneg("outing_mean_h", self.outing_mean_h)?;
        nonneg("outing_sd_h", self.outing_sd_h)?;
        nonneg("visit_min_min", self.visit_min_min)?;
        nonneg("poi_zipf_s", self.poi_zipf_s)?;
        if !(self.visit_mean_min.is_finite() && self.visit_mean_min >= self.visit_min_min) {
            return Err(format!(
                "visit_mean_min must be finite and >= visit_min_min ({}), got {}",
                self.visit_min_min, self.visit_mean_min
            ));
        }
        Ok(())
    }
}

/// One synthetic person and their device.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Person {
    /// Index in [`Population::people`], 0-based.
    pub id: u32,
    /// Home, metres from the south-west corner.
    pub home: (f64, f64),
    /// Workplace, or `None` for someone who does not commute.
    pub work: Option<(f64, f64)>,
    /// The device's burned-in 48-bit MAC: a vendor OUI and a unique NIC part, with the
    /// locally-administered and multicast bits clear; unique per person.
    pub mac: u64,
    /// Whether the device presents a fresh random MAC every day instead ([`Population::mac_on`]).
    pub randomises_mac: bool,
}

/// What kind of place a stay is at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Place {
    /// The person's home.
    Home,
    /// The person's workplace.
    Work,
    /// A point of interest, by index in [`Population::pois`].
    Poi(u32),
}

/// A stay with the kind of place it is at (ground truth for home/work inference).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stay {
    /// Where.
    pub place: Place,
    /// First microsecond of the stay.
    pub start_us: u64,
    /// First microsecond after the stay.
    pub end_us: u64,
    /// Metres east.
    pub x: f64,
    /// Metres north.
    pub y: f64,
}

/// A piece of a person's day over the half-open interval `[start_us, end_us)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Leg {
    /// Standing still at one point.
    Stay {
        /// First microsecond.
        start_us: u64,
        /// First microsecond after.
        end_us: u64,
        /// Metres east.
        x: f64,
        /// Metres north.
        y: f64,
    },
    /// Travelling at constant speed along a straight line; at `start_us` the person is at `from`
    /// and at `end_us` at `to`.
    Move {
        /// First microsecond.
        start_us: u64,
        /// First microsecond after (arrival).
        end_us: u64,
        /// Start point, metres.
        from: (f64, f64),
        /// End point, metres.
        to: (f64, f64),
    },
}

impl Leg {
    /// First microsecond of the leg.
    pub fn start_us(&self) -> u64 {
        match *self {
            Leg::Stay { start_us, .. } | Leg::Move { start_us, .. } => start_us,
        }
    }

    /// First microsecond after the leg.
    pub fn end_us(&self) -> u64 {
        match *self {
            Leg::Stay { end_us, .. } | Leg::Move { end_us, .. } => end_us,
        }
    }

    /// Position at `t_us`, by linear interpolation along a move (clamped to the leg's ends).
    pub fn position_at(&self, t_us: u64) -> (f64, f64) {
        match *self {
            Leg::Stay { x, y, .. } => (x, y),
            Leg::Move { start_us, end_us, from, to } => {
                if end_us <= start_us {
                    return to;
                }
                let f = (t_us.clamp(start_us, end_us) - start_us) as f64 / (end_us - start_us) as f64;
                (from.0 + (to.0 - from.0) * f, from.1 + (to.1 - from.1) * f)
            }
        }
    }
}

/// A synthesized population: the city's layout (residential centres, CBD, points of interest),
/// the people, and their lazily generated days.
#[derive(Clone, Debug)]
pub struct Population {
    params: PopulationParams,
    people: Vec<Person>,
    centres: Vec<(f64, f64)>,
    pois: Vec<(f64, f64)>,
    /// Cumulative Zipf weights of the POIs, ending at 1.
    poi_cdf: Vec<f64>,
    ouis: Vec<u32>,
}

/// A 4-round Feistel permutation of `2 * half_bits`-bit values keyed by (seed, key): a bijection
/// whatever the round function, so distinct inputs give distinct MACs without a lookup table.
fn feistel(seed: u64, key: u64, v: u64, half_bits: u32) -> u64 {
    let mask = (1u64 << half_bits) - 1;
    let (mut l, mut r) = ((v >> half_bits) & mask, v & mask);
    for round in 0..4u64 {
        let f = draw(seed, Purpose::SensorPlacement, key, round << 32 | r) & mask;
        (l, r) = (r, l ^ f);
    }
    l << half_bits | r
}

/// `mean + sd * z` with z standard normal clamped to ±3.
fn clamped_normal(a: u64, b: u64, mean: f64, sd: f64) -> f64 {
    mean + sd * standard_normal(a, b).clamp(-3.0, 3.0)
}

impl Population {
    /// Draws the city layout and every person.
    ///
    /// # Panics
    /// When [`PopulationParams::validate`] rejects the parameters.
    pub fn synthesize(params: &PopulationParams) -> Population {
        if let Err(e) = params.validate() {
            panic!("invalid population parameters: {e}");
        }
        let p = params;
        let side = p.side_m;
        let seed = p.seed;
        let clamp = |v: f64| v.clamp(0.0, side);
        let layout = |item: u64, c: u64| draw(seed, Purpose::SensorPlacement, stream_key(TAG_LAYOUT, item), c);
        let cbd = (side / 2.0, side / 2.0);

        // Residential centres: evenly spaced on a ring around the CBD, randomly rotated, with a
        // ±20 % jitter of the ring radius.
        let rot = unit(layout(3 << 32, 0)) * std::f64::consts::TAU;
        let centres: Vec<(f64, f64)> = (0..p.home_centres as u64)
            .map(|k| {
                let angle = rot + std::f64::consts::TAU * k as f64 / p.home_centres as f64;
                let r = p.home_ring_frac * side * (0.8 + 0.4 * unit(layout(k, 0)));
                (clamp(cbd.0 + r * angle.cos()), clamp(cbd.1 + r * angle.sin()))
            })
            .collect();

        let pois: Vec<(f64, f64)> = (0..p.pois as u64)
            .map(|i| {
                let d = |c| layout(1 << 32 | i, c);
                if unit(d(0)) < p.poi_cbd_share {
                    let sd = p.poi_spread_frac * side;
                    (clamp(cbd.0 + sd * standard_normal(d(1), d(2))), clamp(cbd.1 + sd * standard_normal(d(3), d(4))))
                } else {
                    (unit(d(1)) * side, unit(d(2)) * side)
                }
            })
            .collect();
        let weights: Vec<f64> = (1..=pois.len()).map(|k| (k as f64).powf(-p.poi_zipf_s)).collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let mut poi_cdf: Vec<f64> = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        if let Some(last) = poi_cdf.last_mut() {
            *last = 1.0;
        }

        // Vendor OUIs: 24-bit, unicast and globally administered, distinct.
        let mut ouis: Vec<u32> = Vec::with_capacity(p.vendor_ouis as usize);
        let mut c = 0;
        while ouis.len() < p.vendor_ouis as usize {
            let o = (layout(2 << 32, c) & 0x00ff_ffff & !(0x03 << 16)) as u32;
            if !ouis.contains(&o) {
                ouis.push(o);
            }
            c += 1;
        }

        let people = (0..p.people)
            .map(|id| {
                let d = |c| draw(seed, Purpose::SensorPlacement, stream_key(TAG_PERSON, id as u64), c);
                let commutes = unit(d(0)) >= p.stay_home_share;
                let home = if centres.is_empty() || unit(d(1)) < p.home_scattered_share {
                    (unit(d(2)) * side, unit(d(3)) * side)
                } else {
                    let c = centres[below(d(2), centres.len() as u64) as usize];
                    let sd = p.home_spread_frac * side;
                    (clamp(c.0 + sd * standard_normal(d(3), d(4))), clamp(c.1 + sd * standard_normal(d(5), d(6))))
                };
                let work = commutes.then(|| {
                    if unit(d(7)) < p.work_scattered_share {
                        (unit(d(8)) * side, unit(d(9)) * side)
                    } else {
                        let sd = p.work_spread_frac * side;
                        (
                            clamp(cbd.0 + sd * standard_normal(d(10), d(11))),
                            clamp(cbd.1 + sd * standard_normal(d(12), d(13))),
                        )
                    }
                });
                let randomises_mac = unit(d(14)) < p.mac_randomisation_share;
                let n = ouis.len() as u32;
                let oui = ouis[(id % n) as usize] as u64;
                let nic = feistel(seed, stream_key(TAG_MAC, (id % n) as u64), (id / n) as u64, 12);
                Person { id, home, work, mac: oui << 24 | nic, randomises_mac }
            })
            .collect();

        Population { params: params.clone(), people, centres, pois, poi_cdf, ouis }
    }

    /// The parameters the population was drawn with.
    pub fn params(&self) -> &PopulationParams {
        &self.params
    }

    /// Everyone, indexed by id.
    pub fn people(&self) -> &[Person] {
        &self.people
    }

    /// One person.
    ///
    /// # Panics
    /// When `id` is not below `params().people`.
    pub fn person(&self, id: u32) -> &Person {
        &self.people[id as usize]
    }

    /// Residential centres, metres.
    pub fn residential_centres(&self) -> &[(f64, f64)] {
        &self.centres
    }

    /// Centre of the central business district (the centre of the square), metres.
    pub fn cbd(&self) -> (f64, f64) {
        (self.params.side_m / 2.0, self.params.side_m / 2.0)
    }

    /// Points of interest, most popular first, metres.
    pub fn pois(&self) -> &[(f64, f64)] {
        &self.pois
    }

    /// The probability that a visit goes to POI `i` (Zipf over popularity ranks).
    pub fn poi_probability(&self, i: u32) -> f64 {
        let i = i as usize;
        self.poi_cdf[i] - if i == 0 { 0.0 } else { self.poi_cdf[i - 1] }
    }

    /// Vendor OUIs (24-bit) that burned-in MACs are drawn from.
    pub fn vendor_ouis(&self) -> &[u32] {
        &self.ouis
    }

    /// Midnight at the start of `day`.
    pub fn day_start_us(&self, day: u32) -> u64 {
        self.params.start_us + day as u64 * DAY_US
    }

    /// First microsecond after the last simulated day.
    pub fn end_us(&self) -> u64 {
        self.day_start_us(self.params.days)
    }

    /// The MAC a person's device presents on `day`: the burned-in MAC, or for a randomising
    /// device a fresh address with the locally-administered bit set (as phones' random MACs
    /// have), unique per (person, day) for days below [`MAX_DAYS`].
    pub fn mac_on(&self, person: u32, day: u32) -> u64 {
        let p = &self.people[person as usize];
        if !p.randomises_mac {
            return p.mac;
        }
        let v = feistel(
            self.params.seed,
            stream_key(TAG_MAC, 1 << 32),
            ((day % MAX_DAYS) as u64) << 32 | person as u64,
            23,
        );
        (v >> 40) << 42 | MAC_LOCAL_BIT | (v & ((1 << 40) - 1))
    }

    fn pick_poi(&self, x: u64) -> u32 {
        let u = unit(x);
        self.poi_cdf.partition_point(|&c| c <= u).min(self.poi_cdf.len() - 1) as u32
    }

    fn travel_us(&self, a: (f64, f64), b: (f64, f64)) -> u64 {
        ((b.0 - a.0).hypot(b.1 - a.1) / self.params.speed_mps * 1e6).round() as u64
    }

    /// The stays of `person` on `day`, in order, from midnight to midnight; consecutive stays are
    /// joined by straight moves (see [`Population::itinerary`]).
    ///
    /// Rules: a commuter leaves home on weekdays at `depart_mean_h ± depart_sd_h` and works
    /// `work_mean_h ± work_sd_h`; on a visit day (share `visit_day_share`, or
    /// `weekend_visit_day_share` at weekends) they go on from work to 1..=`max_visits` POIs
    /// (Zipf popularity, never the same twice in a row) and then home. On days without work the
    /// outing leaves home at `outing_mean_h ± outing_sd_h`. A visit lasts `visit_min_min` plus an
    /// exponential remainder. When the plan would not be home before midnight, the last visits are
    /// dropped; if even the commute does not fit, the person stays home.
    ///
    /// # Panics
    /// When `person` is not below `params().people`.
    pub fn stays(&self, person: u32, day: u32) -> Vec<Stay> {
        let prm = &self.params;
        let p = &self.people[person as usize];
        let ds = self.day_start_us(day);
        let de = ds + DAY_US;
        let key = stream_key(TAG_DAY, ((day % (1 << 24)) as u64) << 32 | person as u64);
        let d = |c: u64| draw(prm.seed, Purpose::SensorPlacement, key, c);
        let weekend = day % 7 >= 5;
        let work = if weekend { None } else { p.work };
        let visit_share = if weekend { prm.weekend_visit_day_share } else { prm.visit_day_share };
        let n_visits = if !self.pois.is_empty() && prm.max_visits > 0 && unit(d(0)) < visit_share {
            1 + below(d(1), prm.max_visits as u64) as usize
        } else {
            0
        };
        let mut visits: Vec<(u32, u64)> = Vec::with_capacity(n_visits);
        for i in 0..n_visits {
            let c = 16 + 8 * i as u64;
            let mut poi = self.pick_poi(d(c));
            // Re-draw (up to three times) rather than visit the same POI twice in a row.
            for r in 1..4 {
                if i == 0 || visits[i - 1].0 != poi {
                    break;
                }
                poi = self.pick_poi(d(c + r));
            }
            let extra = exponential(d(c + 4), prm.visit_mean_min - prm.visit_min_min);
            let dur = (((prm.visit_min_min + extra) * MINUTE_US).round() as u64).max(1);
            visits.push((poi, dur));
        }
        let hours = |h: f64| ((h.clamp(0.0, 24.0) * HOUR_US).round() as u64).max(1);
        let depart = hours(clamped_normal(d(2), d(3), prm.depart_mean_h, prm.depart_sd_h));
        let at_work = hours(clamped_normal(d(4), d(5), prm.work_mean_h, prm.work_sd_h));
        let outing = hours(clamped_normal(d(6), d(7), prm.outing_mean_h, prm.outing_sd_h));

        let home_all_day = || vec![Stay { place: Place::Home, start_us: ds, end_us: de, x: p.home.0, y: p.home.1 }];
        for n in (0..=n_visits).rev() {
            let mut stays = Vec::with_capacity(n + 3);
            let mut at = |place: Place, pos: (f64, f64), start: u64, end: u64| {
                stays.push(Stay { place, start_us: start, end_us: end, x: pos.0, y: pos.1 });
            };
            let (mut t, mut cur) = match work {
                Some(w) => {
                    at(Place::Home, p.home, ds, ds + depart);
                    let arrive = ds + depart + self.travel_us(p.home, w);
                    at(Place::Work, w, arrive, arrive + at_work);
                    (arrive + at_work, w)
                }
                None if n > 0 => {
                    at(Place::Home, p.home, ds, ds + outing);
                    (ds + outing, p.home)
                }
                None => return home_all_day(),
            };
            for &(poi, dur) in &visits[..n] {
                let pos = self.pois[poi as usize];
                t += self.travel_us(cur, pos);
                at(Place::Poi(poi), pos, t, t + dur);
                t += dur;
                cur = pos;
            }
            t += self.travel_us(cur, p.home);
            if t < de {
                at(Place::Home, p.home, t, de);
                return stays;
            }
        }
        home_all_day()
    }

    /// The legs of `person` on `day`: stays joined by straight moves at `speed_mps`, contiguous
    /// and covering `[day_start_us(day), day_start_us(day + 1))`. Every day starts and ends at
    /// home. Zero-length moves (between places at the same point) are left out.
    ///
    /// # Panics
    /// When `person` is not below `params().people`.
    pub fn itinerary(&self, person: u32, day: u32) -> Vec<Leg> {
        let stays = self.stays(person, day);
        let mut legs = Vec::with_capacity(2 * stays.len());
        for (i, s) in stays.iter().enumerate() {
            if i > 0 {
                let prev = &stays[i - 1];
                if s.start_us > prev.end_us {
                    legs.push(Leg::Move {
                        start_us: prev.end_us,
                        end_us: s.start_us,
                        from: (prev.x, prev.y),
                        to: (s.x, s.y),
                    });
                }
            }
            legs.push(Leg::Stay { start_us: s.start_us, end_us: s.end_us, x: s.x, y: s.y });
        }
        legs
    }

    /// Where `person` is at `t_us`, or `None` before `params().start_us`. Defined for any later
    /// time (days past `params().days` are generated the same way).
    pub fn position_at(&self, person: u32, t_us: u64) -> Option<(f64, f64)> {
        let rel = t_us.checked_sub(self.params.start_us)?;
        let day = u32::try_from(rel / DAY_US).ok()?;
        let legs = self.itinerary(person, day);
        let i = legs.partition_point(|l| l.start_us() <= t_us).checked_sub(1)?;
        Some(legs[i].position_at(t_us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(people: u32, seed: u64) -> PopulationParams {
        PopulationParams { people, seed, ..PopulationParams::default() }
    }

    #[test]
    fn people_stay_inside_the_square() {
        let pop = Population::synthesize(&params(500, 1));
        let side = pop.params().side_m;
        let inside = |(x, y): (f64, f64)| (0.0..=side).contains(&x) && (0.0..=side).contains(&y);
        for p in pop.people() {
            assert!(inside(p.home) && p.work.is_none_or(inside));
            for day in 0..7 {
                for leg in pop.itinerary(p.id, day) {
                    // A straight move between two points of a convex square stays inside it.
                    match leg {
                        Leg::Stay { x, y, .. } => assert!(inside((x, y))),
                        Leg::Move { from, to, .. } => assert!(inside(from) && inside(to)),
                    }
                }
            }
        }
        assert!(pop.pois().iter().all(|&q| inside(q)) && pop.residential_centres().iter().all(|&q| inside(q)));
    }

    #[test]
    fn legs_are_contiguous_and_cover_each_day() {
        let pop = Population::synthesize(&PopulationParams { start_us: 3 * DAY_US, ..params(300, 2) });
        let speed = pop.params().speed_mps;
        for p in pop.people() {
            for day in 0..7 {
                let legs = pop.itinerary(p.id, day);
                assert_eq!(legs[0].start_us(), pop.day_start_us(day));
                assert_eq!(legs.last().unwrap().end_us(), pop.day_start_us(day + 1));
                for w in legs.windows(2) {
                    assert_eq!(w[0].end_us(), w[1].start_us());
                }
                for leg in &legs {
                    assert!(leg.end_us() > leg.start_us(), "{leg:?}");
                    if let Leg::Move { start_us, end_us, from, to } = *leg {
                        // Travel time is distance / speed, rounded to the microsecond.
                        let expect = (to.0 - from.0).hypot(to.1 - from.1) / speed * 1e6;
                        assert!(((end_us - start_us) as f64 - expect).abs() <= 0.5);
                    }
                }
                // Every day starts and ends at home, so days join up.
                assert_eq!(legs[0].position_at(legs[0].start_us()), p.home);
                assert!(matches!(legs.last().unwrap(), Leg::Stay { x, y, .. } if (*x, *y) == p.home));
                // position_at agrees with the legs.
                for leg in &legs {
                    let mid = (leg.start_us() + leg.end_us()) / 2;
                    assert_eq!(pop.position_at(p.id, mid), Some(leg.position_at(mid)));
                }
            }
        }
        assert_eq!(pop.position_at(0, 0), None);
    }

    #[test]
    fn commute_share_and_rhythm_match_the_parameters() {
        let n = 5_000;
        let pop = Population::synthesize(&params(n, 3));
        let prm = pop.params();
        let commuters: Vec<&Person> = pop.people().iter().filter(|p| p.work.is_some()).collect();
        let share = commuters.len() as f64 / n as f64;
        // Binomial(5000, 0.7): sd 0.0065.
        assert!((share - (1.0 - prm.stay_home_share)).abs() < 0.03, "commute share {share}");

        let (mut dep, mut dep2, mut work, mut visit_days, mut days) = (0.0, 0.0, 0.0, 0, 0);
        for day in 0..5 {
            for p in &commuters {
                let stays = pop.stays(p.id, day);
                assert_eq!(stays[0].place, Place::Home);
                assert_eq!(stays[1].place, Place::Work);
                let h = (stays[0].end_us - pop.day_start_us(day)) as f64 / HOUR_US;
                dep += h;
                dep2 += h * h;
                work += (stays[1].end_us - stays[1].start_us) as f64 / HOUR_US;
                visit_days += stays.iter().any(|s| matches!(s.place, Place::Poi(_))) as u32;
                days += 1;
            }
        }
        let m = days as f64;
        let mean = dep / m;
        let sd = (dep2 / m - mean * mean).sqrt();
        // ~17,500 draws: the standard error of the mean is under a minute; ±3 sd clamping is symmetric.
        assert!((mean - prm.depart_mean_h).abs() < 3.0 / 60.0, "mean departure {mean} h");
        assert!((sd - prm.depart_sd_h).abs() < 0.05, "departure sd {sd} h");
        assert!((work / m - prm.work_mean_h).abs() < 3.0 / 60.0, "mean work {} h", work / m);
        let vs = visit_days as f64 / m;
        assert!((vs - prm.visit_day_share).abs() < 0.02, "visit-day share {vs}");

        // Weekends: nobody works; more visit days; non-commuters never see a workplace.
        let mut weekend_visits = 0;
        for p in pop.people().iter().take(2_000) {
            for day in [5, 6, 12] {
                let stays = pop.stays(p.id, day);
                assert!(stays.iter().all(|s| s.place != Place::Work));
                weekend_visits += stays.iter().any(|s| matches!(s.place, Place::Poi(_))) as u32;
            }
            if p.work.is_none() {
                assert!(pop.stays(p.id, 1).iter().all(|s| s.place != Place::Work));
            }
        }
        let ws = weekend_visits as f64 / 6_000.0;
        assert!((ws - prm.weekend_visit_day_share).abs() < 0.03, "weekend visit-day share {ws}");
    }

    #[test]
    fn poi_visits_follow_zipf_popularity() {
        let pop = Population::synthesize(&params(3_000, 4));
        let mut hits = vec![0u32; pop.pois().len()];
        let mut total = 0;
        for p in pop.people() {
            for day in 5..7 {
                for s in pop.stays(p.id, day) {
                    if let Place::Poi(i) = s.place {
                        hits[i as usize] += 1;
                        total += 1;
                    }
                }
            }
        }
        // The most popular POI gets 1/H_50 = 22.2 % of visits (re-drawing back-to-back repeats
        // moves that by well under a point).
        let top = hits[0] as f64 / total as f64;
        assert!((top - pop.poi_probability(0)).abs() < 0.03, "top share {top}");
        assert!(hits[0] > hits[9] && hits[9] > hits[49]);
    }

    #[test]
    fn same_seed_same_itineraries_different_seed_different() {
        let a = Population::synthesize(&params(200, 7));
        let b = Population::synthesize(&params(200, 7));
        let c = Population::synthesize(&params(200, 8));
        assert_eq!(a.people(), b.people());
        let mut differ = 0;
        for id in 0..200 {
            for day in 0..7 {
                assert_eq!(a.itinerary(id, day), b.itinerary(id, day));
                differ += (a.itinerary(id, day) != c.itinerary(id, day)) as u32;
            }
            assert_ne!(a.person(id).home, c.person(id).home);
        }
        assert_eq!(differ, 200 * 7);
    }

    #[test]
    fn macs_are_unique_unicast_and_optionally_daily() {
        let pop = Population::synthesize(&PopulationParams { mac_randomisation_share: 0.5, ..params(5_000, 5) });
        let mut macs: Vec<u64> = pop.people().iter().map(|p| p.mac).collect();
        assert!(macs.iter().all(|m| m >> 48 == 0 && m & (MAC_LOCAL_BIT | MAC_MULTICAST_BIT) == 0));
        macs.sort_unstable();
        macs.dedup();
        assert_eq!(macs.len(), 5_000);

        let randomisers = pop.people().iter().filter(|p| p.randomises_mac).count();
        assert!((randomisers as f64 / 5_000.0 - 0.5).abs() < 0.03);
        let mut daily = Vec::new();
        for p in pop.people() {
            for day in 0..7 {
                let m = pop.mac_on(p.id, day);
                if p.randomises_mac {
                    assert!(m >> 48 == 0 && m & MAC_LOCAL_BIT != 0 && m & MAC_MULTICAST_BIT == 0);
                    daily.push(m);
                } else {
                    assert_eq!(m, p.mac);
                }
            }
        }
        let n = daily.len();
        daily.sort_unstable();
        daily.dedup();
        assert_eq!(daily.len(), n, "random MACs are unique per (person, day)");
    }

    #[test]
    fn huge_city_falls_back_to_staying_home() {
        // At 5 m/s, crossing a 500 km city takes longer than a day: nobody can commute.
        let pop = Population::synthesize(&PopulationParams { side_m: 500_000.0, ..params(50, 9) });
        for p in pop.people() {
            for day in 0..7 {
                let legs = pop.itinerary(p.id, day);
                assert_eq!(legs.last().unwrap().end_us(), pop.day_start_us(day + 1));
                for w in legs.windows(2) {
                    assert_eq!(w[0].end_us(), w[1].start_us());
                }
            }
        }
    }

    #[test]
    fn invalid_parameters_are_named() {
        let bad = PopulationParams { stay_home_share: 1.5, ..PopulationParams::default() };
        assert!(bad.validate().unwrap_err().contains("stay_home_share"));
        let bad = PopulationParams { speed_mps: 0.0, ..PopulationParams::default() };
        assert!(bad.validate().unwrap_err().contains("speed_mps"));
        assert!(PopulationParams::default().validate().is_ok());
    }
}
