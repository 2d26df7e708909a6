//! The access system: uplinks over cellular IoT (NB-IoT, LTE-M, LTE Cat-1), Wi-Fi and wired
//! links, whose devices were attached to a server when the World was built (`attach`).
//!
//! - A **cellular** reading waits for the next random-access occasion of its coverage class at
//!   its carrier. All preambles of one occasion are resolved together: a device whose preamble
//!   nobody else picked gets through; colliding devices back off (uniform, up to the scenario's
//!   backoff) and try a later occasion, up to `ra_max_attempts`, after which the reading is lost
//!   as `random_access`. After the access exchange the uplink joins its carrier's queue.
//! - A **Wi-Fi** reading joins its access point's channel queue; a **wired** one its link's.
//! - Every queue is a first-come first-served pool of identical servers (NB-IoT subcarriers,
//!   LTE-M narrowbands, one Wi-Fi channel, one wire). An uplink that would wait longer than the
//!   technology's `max_queue_delay`, or reaches a server already saturated by continuous
//!   streams, is lost as `congestion`.
//!
//! Events are resolved in time order within a step; an occasion or an arrival is handled in the
//! step that contains it, and everything it causes happens later, so results do not depend on
//! the step width. Random draws are keyed by (sensor, reading, attempt).
//!
//! Reads: `AccessReadings`, `AccessDevice`, `Clock`. Writes: `Access`, `Metrics`.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use bevy_ecs::prelude::*;

use super::clock::Clock;
use super::failures::Outages;
use super::sense::Reading;
use crate::metrics::collect::Delivered;
use crate::metrics::{LossCause, Metrics};
use crate::model::cellular::Carrier;
use crate::model::random::{Purpose, below, draw, unit};
use crate::scenario::types::RadioKind;
use crate::time::SimTime;

/// No server: the device is out of coverage.
pub const UNATTACHED: u32 = u32::MAX;

/// A device on a non-LoRa link, and the server it uses.
#[derive(Component, Clone, Copy, Debug)]
pub struct AccessDevice {
    /// Its server pool in `Access::pools`, or [`UNATTACHED`].
    pub pool: u32,
    /// Its carrier in `Access::carriers` for cellular devices, or [`UNATTACHED`].
    pub carrier: u32,
    /// Coverage class (cellular).
    pub class: u8,
    /// Time on a server per uplink, µs.
    pub service_us: u32,
    /// How far its link clears the weakest usable one (the deepest coverage class, the lowest
    /// Wi-Fi rate), dB: a jammer raising the noise floor by more cuts it off.
    pub margin_db: f32,
}

/// This step's readings from non-LoRa devices, in (time, sensor) order.
#[derive(Resource, Default)]
pub struct AccessReadings(pub Vec<Reading>);

/// A first-come first-served pool of identical servers.
#[derive(Clone, Debug, Default)]
pub struct Pool {
    /// When each server is next free, µs.
    pub free_at: Vec<u64>,
    /// Longest an uplink may wait, µs.
    pub max_wait_us: u64,
    /// Added to the completion time to reach the application server, µs.
    pub onward_us: u64,
    /// Share of the servers taken by continuous streams; at 1 or more nothing else gets through.
    pub stream_load: f64,
    /// Server time used by uplinks, µs.
    pub busy_us: u64,
    /// Uplinks served.
    pub served: u64,
    /// Uplinks lost waiting.
    pub congested: u64,
    /// Total wait in queue of served uplinks, µs.
    pub wait_us: u64,
    /// The cell site or access point it belongs to (None: a wire).
    pub site: Option<(RadioKind, u32)>,
}

impl Pool {
    /// A pool of `servers`.
    pub fn new(servers: usize, max_wait_us: u64, onward_us: u64) -> Self {
        Pool { free_at: vec![0; servers.max(1)], max_wait_us, onward_us, ..Default::default() }
    }

    /// Serves an uplink arriving at `arrival` that needs `service` µs: the completion time, or
    /// None when it would wait too long (or the pool is saturated).
    pub fn offer(&mut self, arrival: u64, service: u64) -> Option<u64> {
        if self.stream_load >= 1.0 {
            self.congested += 1;
            return None;
        }
        let (i, free) = self.free_at.iter().copied().enumerate().min_by_key(|&(i, f)| (f, i)).unwrap_or((0, 0));
        let start = arrival.max(free);
        if start - arrival > self.max_wait_us {
            self.congested += 1;
            return None;
        }
        self.free_at[i] = start + service;
        self.busy_us += service;
        self.served += 1;
        self.wait_us += start - arrival;
        Some(start + service)
    }
}

/// A cellular carrier at one site, and its random-access counters.
#[derive(Clone, Debug)]
pub struct CarrierState {
    /// Site index.
    pub site: u32,
    /// Radio and access parameters.
    pub params: Carrier,
    /// Attached devices per coverage class.
    pub devices_by_class: Vec<u64>,
    /// Preambles sent.
    pub preambles: u64,
    /// Preambles lost to a collision.
    pub collisions: u64,
    /// Readings lost after the last attempt.
    pub ra_failures: u64,
}

/// A device contending for random access.
#[derive(Clone, Copy, Debug)]
struct Contender {
    reading: Reading,
    attempt: u8,
    pool: u32,
    class: u8,
    service: u32,
}

/// An uplink waiting for a server.
#[derive(Clone, Copy, Debug)]
struct Request {
    arrival: u64,
    reading: Reading,
    pool: u32,
    service: u32,
}

impl Request {
    fn key(&self) -> (u64, u32, u32) {
        (self.arrival, self.reading.sensor, self.reading.seq)
    }
}

impl PartialEq for Request {
    fn eq(&self, o: &Self) -> bool {
        self.key() == o.key()
    }
}
impl Eq for Request {}
impl PartialOrd for Request {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Request {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.key().cmp(&o.key())
    }
}

/// Runtime state of every non-LoRa server.
#[derive(Resource, Debug, Default)]
pub struct Access {
    /// Master seed.
    pub seed: u64,
    /// Server pools: carriers first (same index as `carriers`), then access points, then wires.
    pub pools: Vec<Pool>,
    /// Cellular carriers.
    pub carriers: Vec<CarrierState>,
    /// Preamble attempts before giving up.
    pub ra_max_attempts: u8,
    /// Longest backoff, µs.
    pub backoff_us: u64,
    /// Occasions with contenders, by (time, carrier, class).
    occasions: BTreeMap<(u64, u32, u8), Vec<Contender>>,
    /// Uplinks waiting for their arrival to be served, earliest first.
    requests: BinaryHeap<Reverse<Request>>,
}

impl Access {
    /// No servers yet; random access gives up after `ra_max_attempts` and backs off up to
    /// `backoff_us`.
    pub fn new(seed: u64, ra_max_attempts: u8, backoff_us: u64) -> Self {
        Access { seed, ra_max_attempts, backoff_us, ..Default::default() }
    }

    /// The earliest pending event, µs, if any.
    pub fn next_event(&self) -> Option<u64> {
        let occasion = self.occasions.keys().next().map(|k| k.0);
        let request = self.requests.peek().map(|r| r.0.arrival);
        occasion.into_iter().chain(request).min()
    }

    /// Queues a reading's first preamble at carrier `c`.
    fn contend(&mut self, at: u64, c: Contender) {
        let carrier = &self.carriers[c.pool as usize].params;
        let t = carrier.next_occasion(c.class, at);
        self.occasions.entry((t, c.pool, c.class)).or_default().push(c);
    }

    /// Resolves one occasion: unique preambles proceed, collided ones back off or fail.
    fn resolve(&mut self, (t, carrier, class): (u64, u32, u8), contenders: Vec<Contender>, metrics: &mut Metrics) {
        let seed = self.seed;
        let state = &mut self.carriers[carrier as usize];
        let preambles = u64::from(state.params.preambles);
        let key = |c: &Contender| {
            let r = &c.reading;
            (u64::from(r.sensor) << 32 | u64::from(r.seq)) ^ (u64::from(c.attempt) << 56) ^ (u64::from(r.copies) << 40)
        };
        let picks: Vec<u64> =
            contenders.iter().map(|c| below(draw(seed, Purpose::Preamble, key(c), 0), preambles)).collect();
        let mut count = vec![0u32; preambles as usize];
        for &p in &picks {
            count[p as usize] += 1;
        }
        let access_us = state.params.access_us(class);
        let preamble_end =
            t + state.params.preamble_us * u64::from(state.params.classes[usize::from(class)].ra_repetitions);
        state.preambles += contenders.len() as u64;
        let mut retry = Vec::new();
        for (c, p) in contenders.into_iter().zip(picks) {
            count_sent(metrics, &c.reading, c.attempt == 1);
            if count[p as usize] == 1 {
                let r = Request { arrival: t + access_us, reading: c.reading, pool: c.pool, service: c.service };
                self.requests.push(Reverse(r));
                continue;
            }
            state.collisions += 1;
            if c.attempt >= self.ra_max_attempts {
                state.ra_failures += 1;
                let r = &c.reading;
                if !r.bogus {
                    metrics.lost(SimTime(r.at), r.district, r.group, LossCause::RandomAccess);
                }
                continue;
            }
            let wait = (unit(draw(seed, Purpose::Backoff, key(&c), 0)) * self.backoff_us as f64) as u64;
            retry.push((preamble_end + wait, Contender { attempt: c.attempt + 1, ..c }));
        }
        for (at, c) in retry {
            // A retry goes to a strictly later occasion.
            self.contend(at.max(t + 1), c);
        }
    }
}

/// Handles this step's non-LoRa readings and every occasion and arrival due in the step.
pub fn access(
    clock: Res<Clock>,
    readings: Res<AccessReadings>,
    devices: Query<&AccessDevice>,
    outages: Res<Outages>,
    mut access: ResMut<Access>,
    mut metrics: ResMut<Metrics>,
) {
    if readings.0.is_empty() && access.next_event().is_none() {
        return;
    }
    let limit = if clock.draining { u64::MAX } else { clock.step_end.0 };
    for r in &readings.0 {
        let Ok(dev) = devices.get(r.entity) else { continue };
        if dev.pool == UNATTACHED {
            metrics.lost(SimTime(r.at), r.district, r.group, LossCause::OutOfRange);
            continue;
        }
        if outages.any()
            && let Some((radio, site)) = access.pools[dev.pool as usize].site
        {
            let cause = if outages.site_down(radio, site as usize, r.at) {
                Some(LossCause::GatewayDown)
            } else if !outages.jams.is_empty() && outages.jam_db(radio, site as usize, r.at) > dev.margin_db {
                Some(LossCause::Jamming)
            } else {
                None
            };
            if let Some(cause) = cause {
                metrics.lost(SimTime(r.at), r.district, r.group, cause);
                continue;
            }
        }
        // A flooding device's extra uplinks follow the reading back to back.
        let flood = (1..=r.copies)
            .map(|k| (r.at + u64::from(k) * u64::from(dev.service_us), Reading { copies: k, bogus: true, ..*r }));
        for (at, reading) in std::iter::once((r.at, *r)).chain(flood) {
            if dev.carrier != UNATTACHED {
                let c = Contender { reading, attempt: 1, pool: dev.pool, class: dev.class, service: dev.service_us };
                access.contend(at, c);
            } else {
                count_sent(&mut metrics, &reading, true);
                access.requests.push(Reverse(Request {
                    arrival: at,
                    reading,
                    pool: dev.pool,
                    service: dev.service_us,
                }));
            }
        }
    }
    // Occasions first: everything they cause arrives after them, and every later occasion is
    // at or after `limit`, so the arrivals served below are complete up to `limit`.
    while let Some(entry) = access.occasions.first_entry() {
        if entry.key().0 >= limit {
            break;
        }
        let (key, contenders) = entry.remove_entry();
        access.resolve(key, contenders, &mut metrics);
    }
    while let Some(Reverse(req)) = access.requests.peek().copied() {
        if req.arrival >= limit {
            break;
        }
        access.requests.pop();
        let pool = &mut access.pools[req.pool as usize];
        let r = &req.reading;
        let done = pool.offer(req.arrival, u64::from(req.service));
        if r.bogus {
            metrics.attack.flood_delivered += u64::from(done.is_some());
            continue;
        }
        match done {
            Some(done) => {
                let latency = done + pool.onward_us - r.at;
                metrics.delivered(SimTime(r.at), r.sensor, r.district, r.group, r.band, SimTime(latency));
                metrics.forward(Delivered {
                    id: u64::from(r.sensor) << 32 | u64::from(r.seq),
                    intended: r.at,
                    arrival: r.at + latency,
                    gateway: None,
                    group: r.group,
                });
            }
            None => metrics.lost(SimTime(r.at), r.district, r.group, LossCause::Congestion),
        }
    }
}

/// Counts an uplink put on the air: a transmission of a reading, or a flood uplink.
fn count_sent(metrics: &mut Metrics, r: &Reading, first: bool) {
    if r.bogus {
        metrics.attack.flood_sent += 1;
    } else {
        metrics.transmitted(first);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_serves_first_come_first_served_on_the_earliest_free_server() {
        let mut p = Pool::new(2, 1_000, 10);
        assert_eq!(p.offer(0, 100), Some(100));
        assert_eq!(p.offer(0, 100), Some(100));
        // Both busy until 100: the third waits 100.
        assert_eq!(p.offer(0, 100), Some(200));
        assert_eq!(p.wait_us, 100);
        // Waiting beyond the limit is refused and does not take a server.
        let mut q = Pool::new(1, 50, 0);
        assert_eq!(q.offer(0, 100), Some(100));
        assert_eq!(q.offer(10, 100), None);
        assert_eq!(q.offer(60, 100), Some(200));
        assert_eq!((q.served, q.congested), (2, 1));
    }

    #[test]
    fn a_saturated_pool_serves_nothing() {
        let mut p = Pool::new(1, u64::MAX, 0);
        p.stream_load = 1.2;
        assert_eq!(p.offer(0, 1), None);
        assert_eq!(p.congested, 1);
    }
}
