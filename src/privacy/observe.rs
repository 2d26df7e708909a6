//! Identifying sensors observing devices: Wi-Fi/BLE counters, cameras and plate readers each see
//! every device within `range_m` of them, at most once per scan slot, with a per-slot detection
//! probability. The result ([`Observations`]) is the raw stream an operator's sensor would
//! produce, plus ground-truth helpers: distinct people per (sensor, time bucket) and per-person
//! traces of (sensor, slot) points for uniqueness studies.
//!
//! Sightings are computed analytically from each person's itinerary: a stay is either in a
//! sensor's disc or not, and a straight move enters and leaves a disc at the roots of a quadratic,
//! so the cost scales with people × days × legs × nearby sensors, never with time steps. A uniform
//! grid over the sensors' discs limits each leg to the sensors near it.
//!
//! Slots are aligned to absolute simulated time: slot `k` is `[k * scan_us, (k + 1) * scan_us)`.
//! A device is sighted in slot `k` when it is in range at any integer microsecond of the slot;
//! the sighting carries the first such microsecond. A slot that straddles midnight yields one
//! sighting, not two.

use std::collections::HashMap;

use rayon::prelude::*;

use super::population::{DAY_US, Leg, Population, TAG_DETECT, stream_key};
use crate::model::random::{Purpose, draw, unit};

/// A sensor that can tell devices (or faces, or plates) apart. Typical ranges: Wi-Fi/BLE counters
/// ~50 m, cameras ~30 m, plate readers ~20 m; the caller decides.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IdentifyingSensor {
    /// Sensor id, unique among the sensors observed together.
    pub id: u32,
    /// The caller's grouping (sensor kind, data stream or site); used for detection overrides
    /// ([`ObserveParams::group_detect_p`]) and coarse traces ([`Observations::traces_by`]).
    pub group: u16,
    /// Metres east of the south-west corner.
    pub x: f64,
    /// Metres north of the south-west corner.
    pub y: f64,
    /// Detection radius in metres (the rim counts as in range; negative or NaN sees nothing).
    pub range_m: f64,
}

/// Anything whose people follow itineraries of [`Leg`]s: the synthetic [`Population`], or a
/// scripted set of movers in tests and what-if studies.
pub trait Mobility: Sync {
    /// Number of people, with ids `0..person_count()`.
    fn person_count(&self) -> u32;
    /// Midnight at the start of day 0.
    fn start_us(&self) -> u64;
    /// The legs of `person` on `day`, in time order (normally covering the day).
    fn itinerary(&self, person: u32, day: u32) -> Vec<Leg>;
    /// The MAC the person's device presents on `day`.
    fn mac_on(&self, person: u32, day: u32) -> u64;
}

impl Mobility for Population {
    fn person_count(&self) -> u32 {
        self.params().people
    }
    fn start_us(&self) -> u64 {
        self.params().start_us
    }
    fn itinerary(&self, person: u32, day: u32) -> Vec<Leg> {
        Population::itinerary(self, person, day)
    }
    fn mac_on(&self, person: u32, day: u32) -> u64 {
        Population::mac_on(self, person, day)
    }
}

/// How observation runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ObserveParams {
    /// Days observed, from day 0 (default 7).
    pub days: u32,
    /// Scan slot width, microseconds (default 60 s).
    pub scan_us: u64,
    /// Seed of the detection coins; independent of the population's seed (default 0).
    pub seed: u64,
    /// Probability that a device in range during a slot is detected in it (default 1.0; Wi-Fi
    /// probe requests are intermittent, ~0.6). Drawn per (person, sensor, slot).
    pub detect_p: f64,
    /// Per-group overrides of `detect_p`, as (group, probability) (default none).
    pub group_detect_p: Vec<(u16, f64)>,
}

impl Default for ObserveParams {
    fn default() -> Self {
        ObserveParams { days: 7, scan_us: 60_000_000, seed: 0, detect_p: 1.0, group_detect_p: Vec::new() }
    }
}

/// One device seen by one sensor in one scan slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sighting {
    /// First microsecond of the slot at which the device was in range.
    pub t_us: u64,
    /// The sensor's id.
    pub sensor: u32,
    /// Ground truth: who carried the device.
    pub person: u32,
    /// The MAC the device presented that day.
    pub mac: u64,
    /// Day of `t_us`, counted from the population's start.
    pub day: u32,
}

/// Distinct people per (sensor, bucket) as a dense table: one row per sensor (in the order the
/// sensors were given) and one column per bucket of the observed days, zeros included.
#[derive(Clone, Debug, PartialEq)]
pub struct CountTable {
    /// Sensor id of each row.
    pub sensors: Vec<u32>,
    /// Bucket width, microseconds.
    pub bucket_us: u64,
    /// Absolute index (`t_us / bucket_us`) of the first column.
    pub first_bucket: u64,
    /// Number of columns.
    pub buckets: usize,
    /// Row-major counts, `sensors.len() * buckets` of them.
    pub counts: Vec<u32>,
}

impl CountTable {
    /// The count of row `row`, column `col`.
    pub fn get(&self, row: usize, col: usize) -> u32 {
        self.counts[row * self.buckets + col]
    }
}

/// What identifying sensors saw, with the context needed to aggregate it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observations {
    /// Every sighting, sorted by (t_us, sensor, person); at most one per (person, sensor, slot).
    /// The aggregation helpers below rely on this order.
    pub sightings: Vec<Sighting>,
    /// The sensors, as given.
    pub sensors: Vec<IdentifyingSensor>,
    /// Number of people in the population (ids `0..people`).
    pub people: u32,
    /// Midnight at the start of day 0.
    pub start_us: u64,
    /// Days observed.
    pub days: u32,
    /// Scan slot width, microseconds.
    pub scan_us: u64,
}

/// A (sensor or location key, slot) point of a person's trace.
pub type TracePoint = (u32, u64);

impl Observations {
    /// First microsecond after the observed days.
    pub fn end_us(&self) -> u64 {
        self.start_us + self.days as u64 * DAY_US
    }

    /// Ground truth: distinct people per (sensor id, bucket) with a bucket index `t_us /
    /// bucket_us`, as (sensor, bucket, count), sorted; only non-zero entries.
    ///
    /// # Panics
    /// When `bucket_us` is 0.
    pub fn counts(&self, bucket_us: u64) -> Vec<(u32, u64, u32)> {
        self.distinct_per_bucket(bucket_us, |s| s.person as u64)
    }

    /// What a naive MAC counter reports: distinct MACs per (sensor id, bucket), sorted, non-zero
    /// only. Exceeds [`Observations::counts`] when devices randomise their MAC and a bucket spans
    /// days.
    ///
    /// # Panics
    /// When `bucket_us` is 0.
    pub fn mac_counts(&self, bucket_us: u64) -> Vec<(u32, u64, u32)> {
        self.distinct_per_bucket(bucket_us, |s| s.mac)
    }

    /// Distinct `item`s per (sensor, bucket). The sightings are sorted by time, so each bucket is
    /// one contiguous run; runs are counted in parallel.
    fn distinct_per_bucket(&self, bucket_us: u64, item: impl Fn(&Sighting) -> u64 + Sync) -> Vec<(u32, u64, u32)> {
        assert!(bucket_us > 0, "bucket_us must be > 0");
        let s = &self.sightings;
        let mut runs = Vec::new();
        let mut i = 0;
        while i < s.len() {
            let b = s[i].t_us / bucket_us;
            let j = i + s[i..].partition_point(|x| x.t_us / bucket_us == b);
            runs.push((b, i, j));
            i = j;
        }
        let mut out: Vec<(u32, u64, u32)> = runs
            .par_iter()
            .flat_map_iter(|&(b, i, j)| {
                let mut keys: Vec<(u32, u64)> = s[i..j].iter().map(|x| (x.sensor, item(x))).collect();
                keys.sort_unstable();
                keys.dedup();
                let mut cells: Vec<(u32, u64, u32)> = Vec::new();
                for (sensor, _) in keys {
                    match cells.last_mut() {
                        Some(last) if last.0 == sensor => last.2 += 1,
                        _ => cells.push((sensor, b, 1)),
                    }
                }
                cells
            })
            .collect();
        out.par_sort_unstable();
        out
    }

    /// [`Observations::counts`] as a dense table over every sensor and every bucket that overlaps
    /// the observed days.
    ///
    /// # Panics
    /// When `bucket_us` is 0.
    pub fn count_table(&self, bucket_us: u64) -> CountTable {
        let first_bucket = self.start_us / bucket_us;
        let buckets = if self.days == 0 { 0 } else { ((self.end_us() - 1) / bucket_us - first_bucket + 1) as usize };
        let rows: HashMap<u32, usize> = self.sensors.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        let mut counts = vec![0u32; self.sensors.len() * buckets];
        for (sensor, bucket, n) in self.counts(bucket_us) {
            let row = rows[&sensor];
            counts[row * buckets + (bucket - first_bucket) as usize] = n;
        }
        CountTable { sensors: self.sensors.iter().map(|s| s.id).collect(), bucket_us, first_bucket, buckets, counts }
    }

    /// Ground truth: each person's trace as a sorted set of (sensor id, `t_us / slot_us`) points,
    /// indexed by person id. A coarser `slot_us` than the scan coarsens time.
    ///
    /// # Panics
    /// When `slot_us` is 0.
    pub fn traces(&self, slot_us: u64) -> Vec<Vec<TracePoint>> {
        self.traces_by(slot_us, |s| s.id)
    }

    /// Like [`Observations::traces`], with each sensor mapped to a location key (for example
    /// `|s| s.group as u32` to coarsen space).
    ///
    /// # Panics
    /// When `slot_us` is 0.
    pub fn traces_by(&self, slot_us: u64, key: impl Fn(&IdentifyingSensor) -> u32) -> Vec<Vec<TracePoint>> {
        let keys: HashMap<u32, u32> = self.sensors.iter().map(|s| (s.id, key(s))).collect();
        let mut traces = vec![Vec::new(); self.people as usize];
        for s in &self.sightings {
            let point = (keys[&s.sensor], s.t_us / slot_us);
            let trace: &mut Vec<TracePoint> = &mut traces[s.person as usize];
            // Sightings come in time order: skip the commonest repeat (same point as the last) early.
            if trace.last() != Some(&point) {
                trace.push(point);
            }
        }
        traces.par_iter_mut().for_each(|t| {
            t.sort_unstable();
            t.dedup();
        });
        traces
    }
}

/// The integer microseconds `[first, last]` of `leg` at which it is within `sensor`'s range, or
/// `None`. A move's entry and exit are the roots of |from + u (to - from) - c|² = r², with `u` the
/// fraction of the leg's duration elapsed (as in [`Leg::position_at`]).
pub fn in_range_us(leg: &Leg, sensor: &IdentifyingSensor) -> Option<(u64, u64)> {
    let r = sensor.range_m;
    if r.is_nan() || r < 0.0 {
        return None;
    }
    let (start, end) = (leg.start_us(), leg.end_us());
    if end <= start {
        return None;
    }
    let inside = |x: f64, y: f64| (x - sensor.x).powi(2) + (y - sensor.y).powi(2) <= r * r;
    match *leg {
        Leg::Stay { x, y, .. } => inside(x, y).then_some((start, end - 1)),
        Leg::Move { from, to, .. } => {
            let (dx, dy) = (to.0 - from.0, to.1 - from.1);
            let (fx, fy) = (from.0 - sensor.x, from.1 - sensor.y);
            let a = dx * dx + dy * dy;
            if a == 0.0 {
                return inside(from.0, from.1).then_some((start, end - 1));
            }
            let half_b = dx * fx + dy * fy;
            let c = fx * fx + fy * fy - r * r;
            let disc = half_b * half_b - a * c;
            if disc < 0.0 {
                return None;
            }
            let sq = disc.sqrt();
            let dur = (end - start) as f64;
            // Times relative to the leg's start keep full precision late in a long run.
            let t_in = (-half_b - sq) / a * dur;
            let t_out = (-half_b + sq) / a * dur;
            let last_rel = (end - 1 - start) as f64;
            if t_out < 0.0 || t_in > last_rel {
                return None;
            }
            let lo = t_in.max(0.0).ceil();
            let hi = t_out.min(last_rel).floor();
            (lo <= hi).then(|| (start + lo as u64, start + hi as u64))
        }
    }
}

/// A uniform grid over the sensors' discs, stored compactly (cell offsets into one index list).
/// Each sensor is listed in every cell its disc's bounding box touches, so a leg needs only the
/// sensors of the cells it passes through.
struct SensorGrid {
    x0: f64,
    y0: f64,
    cell: f64,
    nx: usize,
    ny: usize,
    /// `offsets[c]..offsets[c + 1]` indexes `items` for cell `c = cy * nx + cx`.
    offsets: Vec<u32>,
    items: Vec<u32>,
    eps: f64,
}

impl SensorGrid {
    fn new(sensors: &[IdentifyingSensor]) -> SensorGrid {
        let live: Vec<usize> =
            (0..sensors.len()).filter(|&i| sensors[i].range_m >= 0.0 && sensors[i].range_m.is_finite()).collect();
        let (mut x0, mut y0, mut x1, mut y1, mut max_r) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN, 0.0f64);
        for &i in &live {
            let s = &sensors[i];
            x0 = x0.min(s.x - s.range_m);
            y0 = y0.min(s.y - s.range_m);
            x1 = x1.max(s.x + s.range_m);
            y1 = y1.max(s.y + s.range_m);
            max_r = max_r.max(s.range_m);
        }
        if live.is_empty() {
            return SensorGrid { x0: 0.0, y0: 0.0, cell: 1.0, nx: 0, ny: 0, offsets: vec![0], items: vec![], eps: 0.0 };
        }
        // Cells as wide as the largest range, but at most ~1024 per axis.
        let extent = (x1 - x0).max(y1 - y0);
        let cell = max_r.max(extent / 1024.0).max(1e-3);
        let nx = ((x1 - x0) / cell).ceil().max(1.0) as usize;
        let ny = ((y1 - y0) / cell).ceil().max(1.0) as usize;
        let eps = 1e-9 * (cell + extent) + 1e-9;
        let mut grid = SensorGrid { x0, y0, cell, nx, ny, offsets: vec![0; nx * ny + 1], items: vec![], eps };
        let span = |g: &SensorGrid, s: &IdentifyingSensor| {
            let r = s.range_m + g.eps;
            (g.cx(s.x - r), g.cx(s.x + r), g.cy(s.y - r), g.cy(s.y + r))
        };
        for &i in &live {
            let (ax, bx, ay, by) = span(&grid, &sensors[i]);
            for cy in ay..=by {
                for cx in ax..=bx {
                    grid.offsets[cy * nx + cx + 1] += 1;
                }
            }
        }
        for c in 0..nx * ny {
            grid.offsets[c + 1] += grid.offsets[c];
        }
        let mut fill = grid.offsets.clone();
        grid.items = vec![0; grid.offsets[nx * ny] as usize];
        for &i in &live {
            let (ax, bx, ay, by) = span(&grid, &sensors[i]);
            for cy in ay..=by {
                for cx in ax..=bx {
                    let c = cy * nx + cx;
                    grid.items[fill[c] as usize] = i as u32;
                    fill[c] += 1;
                }
            }
        }
        grid
    }

    fn cx(&self, x: f64) -> usize {
        ((x - self.x0) / self.cell).floor().clamp(0.0, (self.nx - 1) as f64) as usize
    }

    fn cy(&self, y: f64) -> usize {
        ((y - self.y0) / self.cell).floor().clamp(0.0, (self.ny - 1) as f64) as usize
    }

    fn cell_items(&self, cx: usize, cy: usize) -> &[u32] {
        let c = cy * self.nx + cx;
        &self.items[self.offsets[c] as usize..self.offsets[c + 1] as usize]
    }

    /// Sensors whose disc may touch the segment from `a` to `b` (a point when `a == b`), sorted
    /// and without repeats, into `out`.
    fn candidates(&self, a: (f64, f64), b: (f64, f64), out: &mut Vec<u32>) {
        out.clear();
        if self.nx == 0 {
            return;
        }
        let (a, b) = if a.0 <= b.0 { (a, b) } else { (b, a) };
        let (x1, y1) = (self.x0 + self.nx as f64 * self.cell, self.y0 + self.ny as f64 * self.cell);
        let e = self.eps;
        if b.0 < self.x0 - e || a.0 > x1 + e || a.1.max(b.1) < self.y0 - e || a.1.min(b.1) > y1 + e {
            return;
        }
        let (lo, hi) = (self.cx(a.0 - e), self.cx(b.0 + e));
        let slope = if b.0 > a.0 { (b.1 - a.1) / (b.0 - a.0) } else { 0.0 };
        // Walk the segment column by column; in each column it spans a range of y.
        for cx in lo..=hi {
            let (ya, yb) = if b.0 > a.0 {
                let sx0 = if cx == lo { a.0 } else { (self.x0 + cx as f64 * self.cell).max(a.0) };
                let sx1 = if cx == hi { b.0 } else { (self.x0 + (cx + 1) as f64 * self.cell).min(b.0) };
                (a.1 + slope * (sx0 - a.0), a.1 + slope * (sx1 - a.0))
            } else {
                (a.1, b.1)
            };
            for cy in self.cy(ya.min(yb) - e)..=self.cy(ya.max(yb) + e) {
                out.extend_from_slice(self.cell_items(cx, cy));
            }
        }
        if lo != hi || out.len() > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }
}

/// How legs find their candidate sensors.
enum Index {
    Grid(SensorGrid),
    /// Test every sensor (the brute-force reference for the grid).
    #[cfg(test)]
    All(usize),
}

impl Index {
    fn candidates(&self, leg: &Leg, out: &mut Vec<u32>) {
        match self {
            Index::Grid(g) => match *leg {
                Leg::Stay { x, y, .. } => g.candidates((x, y), (x, y), out),
                Leg::Move { from, to, .. } => g.candidates(from, to, out),
            },
            #[cfg(test)]
            Index::All(n) => {
                out.clear();
                out.extend(0..*n as u32);
            }
        }
    }
}

/// Observes `days` days of `population` with `sensors`, scan slots of `scan_us` and every
/// in-range slot detected (see [`observe_with`] for the detection probability).
///
/// # Panics
/// When `scan_us` is 0.
pub fn observe<M: Mobility + ?Sized>(
    population: &M,
    sensors: &[IdentifyingSensor],
    days: u32,
    scan_us: u64,
    seed: u64,
) -> Observations {
    observe_with(population, sensors, &ObserveParams { days, scan_us, seed, ..ObserveParams::default() })
}

/// Observes `population` with `sensors` as `params` say; people are processed in parallel and
/// the result does not depend on the thread count.
///
/// # Panics
/// When `params.scan_us` is 0 or a detection probability is NaN.
pub fn observe_with<M: Mobility + ?Sized>(
    population: &M,
    sensors: &[IdentifyingSensor],
    params: &ObserveParams,
) -> Observations {
    observe_indexed(population, sensors, params, &Index::Grid(SensorGrid::new(sensors)))
}

fn observe_indexed<M: Mobility + ?Sized>(
    population: &M,
    sensors: &[IdentifyingSensor],
    params: &ObserveParams,
    index: &Index,
) -> Observations {
    assert!(params.scan_us > 0, "scan_us must be > 0");
    let p_of = |g: u16| params.group_detect_p.iter().rev().find(|o| o.0 == g).map_or(params.detect_p, |o| o.1);
    let detect_p: Vec<f64> = sensors.iter().map(|s| p_of(s.group)).collect();
    assert!(detect_p.iter().all(|p| !p.is_nan()), "detection probabilities must not be NaN");
    let people = population.person_count();
    let start = population.start_us();
    let scan = params.scan_us;

    let per_person: Vec<Vec<Sighting>> = (0..people)
        .into_par_iter()
        .map(|person| {
            // (sensor index, slot, first in-range microsecond of the slot)
            let mut hits: Vec<(u32, u64, u64)> = Vec::new();
            let mut cand = Vec::new();
            for day in 0..params.days {
                for leg in population.itinerary(person, day) {
                    index.candidates(&leg, &mut cand);
                    for &si in &cand {
                        if let Some((a, b)) = in_range_us(&leg, &sensors[si as usize]) {
                            hits.extend((a / scan..=b / scan).map(|k| (si, k, a.max(k * scan))));
                        }
                    }
                }
            }
            // One sighting per (sensor, slot), at the earliest in-range microsecond, even when
            // several legs (or days) share the slot.
            hits.sort_unstable();
            hits.dedup_by_key(|h| (h.0, h.1));
            hits.into_iter()
                .filter(|&(si, slot, _)| {
                    let p = detect_p[si as usize];
                    p >= 1.0 || {
                        let key = stream_key(TAG_DETECT, person as u64);
                        let counter = (sensors[si as usize].id as u64) << 32 | (slot & 0xffff_ffff);
                        unit(draw(params.seed, Purpose::SensorPlacement, key, counter)) < p
                    }
                })
                .map(|(si, _, t)| {
                    let day = (t.saturating_sub(start) / DAY_US) as u32;
                    Sighting {
                        t_us: t,
                        sensor: sensors[si as usize].id,
                        person,
                        mac: population.mac_on(person, day),
                        day,
                    }
                })
                .collect()
        })
        .collect();
    // Move (not copy-then-drop) the per-person lists so peak memory stays near one copy.
    let mut sightings: Vec<Sighting> = Vec::with_capacity(per_person.iter().map(Vec::len).sum());
    for v in per_person {
        sightings.extend(v);
    }
    sightings.par_sort_unstable_by_key(|s| (s.t_us, s.sensor, s.person));
    Observations { sightings, sensors: sensors.to_vec(), people, start_us: start, days: params.days, scan_us: scan }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::population::PopulationParams;
    use std::collections::{BTreeMap, BTreeSet, HashSet};

    const S: u64 = 1_000_000;
    const MIN: u64 = 60 * S;
    const HOUR: u64 = 60 * MIN;

    /// Scripted movers: each person's legs over all days; a day's itinerary is the legs that start in it.
    struct Scripted(Vec<Vec<Leg>>);

    impl Mobility for Scripted {
        fn person_count(&self) -> u32 {
            self.0.len() as u32
        }
        fn start_us(&self) -> u64 {
            0
        }
        fn itinerary(&self, person: u32, day: u32) -> Vec<Leg> {
            let (ds, de) = (day as u64 * DAY_US, (day as u64 + 1) * DAY_US);
            self.0[person as usize].iter().copied().filter(|l| (ds..de).contains(&l.start_us())).collect()
        }
        fn mac_on(&self, person: u32, day: u32) -> u64 {
            (person as u64) << 8 | day as u64
        }
    }

    fn stay(start_us: u64, end_us: u64, x: f64, y: f64) -> Leg {
        Leg::Stay { start_us, end_us, x, y }
    }

    fn sensor(id: u32, x: f64, y: f64, range_m: f64) -> IdentifyingSensor {
        IdentifyingSensor { id, group: 0, x, y, range_m }
    }

    #[test]
    fn a_half_hour_stay_in_range_gives_thirty_sightings() {
        let t0 = 10 * HOUR;
        let far = (5_000.0, 5_000.0);
        let movers = Scripted(vec![
            vec![
                stay(0, t0, far.0, far.1),
                stay(t0, t0 + 30 * MIN, 10.0, 20.0),
                stay(t0 + 30 * MIN, DAY_US, far.0, far.1),
            ],
            // Misaligned by 30 s: touches 31 slots.
            vec![stay(0, t0 + 30 * S, far.0, far.1), stay(t0 + 30 * S, t0 + 30 * MIN + 30 * S, 0.0, 50.0)],
        ]);
        let obs = observe(&movers, &[sensor(7, 0.0, 0.0, 50.0)], 1, MIN, 0);
        let of = |p: u32| obs.sightings.iter().filter(|s| s.person == p).copied().collect::<Vec<_>>();
        let a = of(0);
        assert_eq!(a.len(), 30);
        assert!(a.iter().enumerate().all(|(k, s)| s.t_us == t0 + k as u64 * MIN && s.sensor == 7 && s.day == 0));
        assert_eq!(a[0].mac, movers.mac_on(0, 0));
        let b = of(1);
        assert_eq!(b.len(), 31);
        assert_eq!(b[0].t_us, t0 + 30 * S);
        assert_eq!(b[1].t_us, t0 + MIN);
    }

    #[test]
    fn a_straight_move_is_sighted_for_the_slots_it_spends_inside() {
        let r = 50.0;
        let s = sensor(1, 0.0, 0.0, r);
        for (case, &(y, v, offset_us)) in [
            (0.0, 1.0, 0),
            (30.0, 1.0, 17 * S),
            (49.9, 0.5, 59_500_000),
            (0.0, 5.0, 123_456_789),
            (25.0, 0.2, 42 * S),
            (10.0, 13.9, 3),
        ]
        .iter()
        .enumerate()
        {
            let t0 = 6 * HOUR + offset_us;
            let travel = (2_000.0 / v * 1e6) as u64;
            let movers = Scripted(vec![vec![
                stay(0, t0, -1_000.0, y),
                Leg::Move { start_us: t0, end_us: t0 + travel, from: (-1_000.0, y), to: (1_000.0, y) },
                stay(t0 + travel, DAY_US, 1_000.0, y),
            ]]);
            let obs = observe(&movers, &[s], 1, MIN, 0);
            // Analytic oracle: the chord is 2 sqrt(r² - y²), crossed at speed v.
            let half = (r * r - y * y).sqrt();
            let t_in = t0 as f64 + (1_000.0 - half) / v * 1e6;
            let t_out = t0 as f64 + (1_000.0 + half) / v * 1e6;
            let (first, last) = (t_in.ceil() as u64, t_out.floor() as u64);
            let expect: Vec<u64> = (first / MIN..=last / MIN).map(|k| first.max(k * MIN)).collect();
            let got: Vec<u64> = obs.sightings.iter().map(|s| s.t_us).collect();
            assert_eq!(got, expect, "case {case}");
            let (a, b) = in_range_us(&movers.0[0][1], &s).unwrap();
            assert!(a.abs_diff(first) <= 1 && b.abs_diff(last) <= 1, "case {case}");
            assert!(((b - a) as f64 - 2.0 * half / v * 1e6).abs() <= 2.0, "case {case}: chord / speed");
        }
        // A move that misses the disc, and one that stops short of it, are not sighted.
        let miss = Leg::Move { start_us: 0, end_us: 100 * S, from: (-500.0, 60.0), to: (500.0, 60.0) };
        assert_eq!(in_range_us(&miss, &s), None);
        let short = Leg::Move { start_us: 0, end_us: 100 * S, from: (-500.0, 0.0), to: (-60.0, 0.0) };
        assert_eq!(in_range_us(&short, &s), None);
    }

    #[test]
    fn a_slot_straddling_midnight_gives_one_sighting() {
        let movers = Scripted(vec![vec![stay(0, DAY_US, 0.0, 0.0), stay(DAY_US, 2 * DAY_US, 0.0, 0.0)]]);
        let scan = 7 * MIN; // 86,400 s is not a multiple of 420 s
        let obs = observe(&movers, &[sensor(0, 0.0, 0.0, 10.0)], 2, scan, 0);
        assert_eq!(obs.sightings.len() as u64, (2 * DAY_US - 1) / scan + 1);
        let straddle = obs.sightings.iter().find(|s| s.t_us / scan == DAY_US / scan).unwrap();
        assert_eq!((straddle.t_us, straddle.day), (DAY_US / scan * scan, 0));
    }

    fn city(people: u32, side_m: f64, seed: u64) -> Population {
        Population::synthesize(&PopulationParams { people, side_m, seed, ..PopulationParams::default() })
    }

    #[test]
    fn nobody_is_sighted_out_of_everyones_way() {
        let pop = city(300, 3_000.0, 11);
        let (c, side) = (pop.cbd(), pop.params().side_m);
        let sensors =
            [sensor(1, side + 200.0, side / 2.0, 50.0), sensor(2, -300.0, -300.0, 50.0), sensor(3, c.0, c.1, 50.0)];
        let obs = observe(&pop, &sensors, 2, MIN, 0);
        assert!(obs.sightings.iter().all(|s| s.sensor == 3));
        assert!(!obs.sightings.is_empty(), "the CBD sensor sees someone");
    }

    #[test]
    fn counts_match_a_brute_force_position_check() {
        let pop = city(15, 1_500.0, 12);
        // Sensors where people are (homes, workplaces, popular POIs, the CBD) and a few at random.
        let mut sensors = Vec::new();
        for p in pop.people().iter().take(5) {
            sensors.push(sensor(sensors.len() as u32, p.home.0 + 20.0, p.home.1 - 10.0, 50.0));
            if let Some(w) = p.work {
                sensors.push(sensor(sensors.len() as u32, w.0 - 15.0, w.1, 30.0));
            }
        }
        for &q in &pop.pois()[..3] {
            sensors.push(sensor(sensors.len() as u32, q.0, q.1 + 5.0, 20.0));
        }
        let c = pop.cbd();
        sensors.push(sensor(sensors.len() as u32, c.0, c.1, 80.0));
        let obs = observe(&pop, &sensors, 1, MIN, 0);

        // Every sighting is in range at its instant.
        let sighted: HashSet<(u32, u32, u64)> =
            obs.sightings.iter().map(|s| (s.sensor, s.person, s.t_us / MIN)).collect();
        assert_eq!(sighted.len(), obs.sightings.len(), "one sighting per (sensor, person, slot)");
        for s in &obs.sightings {
            let (x, y) = pop.position_at(s.person, s.t_us).unwrap();
            let sen = &sensors[s.sensor as usize];
            assert!((x - sen.x).hypot(y - sen.y) <= sen.range_m + 1e-6);
        }
        // Brute force: every whole second of the day; each in-range second lies in a sighted slot.
        let mut brute: BTreeMap<(u32, u64), BTreeSet<u32>> = BTreeMap::new();
        for p in 0..15 {
            let legs = pop.itinerary(p, 0);
            let mut li = 0;
            for k in 0..86_400u64 {
                let t = k * S;
                while legs[li].end_us() <= t {
                    li += 1;
                }
                let (x, y) = legs[li].position_at(t);
                for sen in &sensors {
                    if (x - sen.x).powi(2) + (y - sen.y).powi(2) <= sen.range_m * sen.range_m {
                        assert!(sighted.contains(&(sen.id, p, t / MIN)), "person {p} at {t} by {}", sen.id);
                        brute.entry((sen.id, t / HOUR)).or_default().insert(p);
                    }
                }
            }
        }
        let brute: Vec<(u32, u64, u32)> = brute.into_iter().map(|((s, b), ps)| (s, b, ps.len() as u32)).collect();
        assert!(brute.len() > 20, "the case exercises the sensors");
        assert_eq!(obs.counts(HOUR), brute);
    }

    #[test]
    fn the_grid_index_matches_testing_every_sensor() {
        let pop = city(250, 4_000.0, 13);
        let side = pop.params().side_m;
        let mk = |n: u32, big: bool| {
            (0..n)
                .map(|i| {
                    let d = |c| draw(99, Purpose::SensorPlacement, i as u64, c);
                    let r = if big && i % 17 == 0 { 400.0 } else { 20.0 + 60.0 * unit(d(2)) };
                    // Some outside the square, some straddling its edge.
                    let pos = |u: f64| -200.0 + (side + 400.0) * u;
                    IdentifyingSensor {
                        id: 1_000 + i,
                        group: (i % 3) as u16,
                        x: pos(unit(d(0))),
                        y: pos(unit(d(1))),
                        range_m: r,
                    }
                })
                .collect::<Vec<_>>()
        };
        let params = ObserveParams { days: 2, ..ObserveParams::default() };
        for sensors in [mk(150, false), mk(150, true)] {
            let grid = observe_with(&pop, &sensors, &params);
            let all = observe_indexed(&pop, &sensors, &params, &Index::All(sensors.len()));
            assert!(grid.sightings.len() > 1_000);
            assert_eq!(grid, all);
            assert!(
                grid.sightings
                    .windows(2)
                    .all(|w| (w[0].t_us, w[0].sensor, w[0].person) < (w[1].t_us, w[1].sensor, w[1].person))
            );
        }
    }

    #[test]
    fn detection_is_a_repeatable_per_slot_coin() {
        let pop = city(300, 3_000.0, 14);
        let sensors: Vec<IdentifyingSensor> = pop
            .residential_centres()
            .iter()
            .chain(std::iter::once(&pop.cbd()))
            .enumerate()
            .map(|(i, &(x, y))| IdentifyingSensor { id: i as u32, group: (i % 2) as u16, x, y, range_m: 100.0 })
            .collect();
        let full = observe(&pop, &sensors, 2, MIN, 5);
        let p = ObserveParams { days: 2, seed: 5, detect_p: 0.6, ..ObserveParams::default() };
        let thin = observe_with(&pop, &sensors, &p);
        assert_eq!(thin, observe_with(&pop, &sensors, &p));
        let all: HashSet<Sighting> = full.sightings.iter().copied().collect();
        assert!(thin.sightings.iter().all(|s| all.contains(s)));
        let share = thin.sightings.len() as f64 / full.sightings.len() as f64;
        assert!(full.sightings.len() > 2_000 && (share - 0.6).abs() < 0.03, "kept {share}");
        // Group overrides: group 1 is never detected, group 0 always.
        let p = ObserveParams { group_detect_p: vec![(1, 0.0), (0, 1.0)], ..p };
        let g = observe_with(&pop, &sensors, &p);
        let group = |id: u32| sensors[id as usize].group;
        assert!(g.sightings.iter().all(|s| group(s.sensor) == 0));
        assert_eq!(g.sightings.len(), full.sightings.iter().filter(|s| group(s.sensor) == 0).count());
    }

    #[test]
    fn aggregates_and_traces() {
        let t0 = 8 * HOUR;
        let movers = Scripted(vec![
            vec![
                stay(0, t0, 0.0, 0.0),
                Leg::Move { start_us: t0, end_us: t0 + 200 * S, from: (0.0, 0.0), to: (1_000.0, 0.0) },
                stay(t0 + 200 * S, DAY_US, 1_000.0, 0.0),
            ],
            vec![stay(0, DAY_US, 500.0, 0.0)],
            vec![stay(0, DAY_US, 3_000.0, 3_000.0)],
        ]);
        let sensors = [
            IdentifyingSensor { id: 10, group: 4, x: 0.0, y: 0.0, range_m: 30.0 },
            IdentifyingSensor { id: 20, group: 4, x: 500.0, y: 0.0, range_m: 30.0 },
            IdentifyingSensor { id: 30, group: 5, x: 1_000.0, y: 0.0, range_m: 30.0 },
            IdentifyingSensor { id: 40, group: 5, x: -900.0, y: 0.0, range_m: 30.0 },
        ];
        let obs = observe(&movers, &sensors, 1, MIN, 0);
        // Hourly distinct people: sensor 10 sees person 0 all morning; 20 sees person 1 all day and
        // person 0 once (at 8:01:34-8:01:46, slot 8:01); 30 sees person 0 from 8:03:14 onwards.
        let counts = obs.counts(HOUR);
        let get = |s: u32, h: u64| counts.iter().find(|c| c.0 == s && c.1 == h).map_or(0, |c| c.2);
        assert_eq!((get(10, 7), get(10, 8), get(10, 9)), (1, 1, 0));
        assert_eq!((get(20, 7), get(20, 8), get(20, 9)), (1, 2, 1));
        assert_eq!((get(30, 7), get(30, 8), get(30, 23)), (0, 1, 1));
        assert!(counts.iter().all(|c| c.0 != 40));
        assert_eq!(obs.mac_counts(HOUR), counts, "one MAC per person per day");
        let table = obs.count_table(HOUR);
        assert_eq!((table.sensors.clone(), table.first_bucket, table.buckets), (vec![10, 20, 30, 40], 0, 24));
        assert_eq!((table.get(1, 8), table.get(2, 7), table.get(3, 12)), (2, 0, 0));
        assert_eq!(table.counts.iter().map(|&c| c as u64).sum::<u64>(), counts.iter().map(|c| c.2 as u64).sum::<u64>());

        let traces = obs.traces(HOUR);
        assert_eq!(traces.len(), 3);
        let hours = |s: u32, r: std::ops::Range<u64>| r.map(move |h| (s, h));
        let expect: Vec<TracePoint> = hours(10, 0..9).chain(hours(20, 8..9)).chain(hours(30, 8..24)).collect();
        assert_eq!(traces[0], expect);
        assert_eq!(traces[1], hours(20, 0..24).collect::<Vec<_>>());
        assert!(traces[2].is_empty());
        let coarse = obs.traces_by(DAY_US, |s| s.group as u32);
        assert_eq!((coarse[0].clone(), coarse[1].clone()), (vec![(4, 0), (5, 0)], vec![(4, 0)]));
        // Person 0 passes sensor 20 at 8:01:34.
        let pass = obs.sightings.iter().find(|s| s.person == 0 && s.sensor == 20).unwrap();
        assert_eq!(pass.t_us, t0 + 94 * S);
    }
}
