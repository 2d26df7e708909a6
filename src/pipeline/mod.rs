//! The data pipeline as a deterministic discrete-event queueing network: readings that reached
//! the network flow through a chain of hops (gateway forwarders, processing stages, an MQTT
//! broker) and come out with per-hop and end-to-end accounting and latency.
//!
//! Lifecycle: build a [`Pipeline`] from a [`PipelineConfig`] and a seed, [`Pipeline::offer`]
//! messages as they arrive, [`Pipeline::advance_to`] a time as often as convenient (events are
//! processed strictly before it), then [`Pipeline::finish`] for a [`PipelineReport`]. No bevy,
//! no scenario parsing: this module is pure and can be driven from the engine or a test.
//!
//! Engine: a binary heap of events keyed by (time µs, arrival-before-internal, sequence
//! number), so ties are broken deterministically: at one instant, arrivals from the network
//! come first in offer order, then the engine's own events in scheduling order. A run is the
//! same whether messages are offered all at once or just before they are due. Cost grows with
//! messages x hops, never with simulated time. Every random draw is `Purpose::Service` keyed by (seed, first message id of
//! the batch * 64 + hop index), so results do not depend on event or thread order. Message ids
//! should be unique per run.
//!
//! Hop rules live with each hop kind: [`stage`] (workers, batching, outages, overflow and
//! backpressure), [`gateway`] (aggregation, backhaul, compression) and [`broker`] (MQTT QoS and
//! the per-client queue limit). A message leaves a hop when it reaches the next one (after any
//! backhaul latency); that is when the hop counts it as passed and records its sojourn.

pub mod broker;
pub mod depth;
pub mod gateway;
pub mod latency;
pub mod report;
pub mod stage;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

pub use broker::{BrokerConfig, DEFAULT_MAX_QUEUED_MESSAGES, Qos};
pub use depth::DepthSeries;
pub use gateway::{Aggregation, GatewayConfig};
pub use latency::{LatencyMs, LatencyRecorder};
pub use report::{DropCause, EndToEnd, HopReport, PipelineReport, ReadingCounts};
pub use stage::{Batch, Overflow, Service, StageConfig};

use gateway::{compressed_bytes, transmission_us};
use report::HopStats;
use stage::{ServerState, Station, Waiter, completion_us, outage_end};

/// A message (one sensor reading) that reached the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Unique id; keys the message's random draws.
    pub id: u64,
    /// When the sensor meant to send the reading, µs; end-to-end latency counts from here.
    pub intended_us: u64,
    /// When it reaches the first hop, µs.
    pub arrival_us: u64,
    /// The gateway that received it; `None` skips gateway hops.
    pub gateway: Option<u32>,
    /// The subscribing client a broker hop delivers it to.
    pub client: u32,
    /// Payload, bytes.
    pub bytes: u32,
}

/// One hop of the chain.
#[derive(Clone, Debug, PartialEq)]
pub enum HopConfig {
    /// A processing stage (one station).
    Stage(StageConfig),
    /// A gateway forwarder and backhaul (one station per gateway id).
    Gateway(GatewayConfig),
    /// An MQTT broker (one station per client id).
    Broker(BrokerConfig),
}

/// The pipeline: hops in the order messages visit them.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineConfig {
    /// The chain, at most 64 hops.
    pub hops: Vec<HopConfig>,
    /// Width of the queue-depth buckets, µs.
    pub depth_bucket_us: u64,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig { hops: Vec::new(), depth_bucket_us: 1_000_000 }
    }
}

/// Most hops: the hop index is the low 6 bits of a service draw's entity.
pub const MAX_HOPS: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Stage,
    Gateway,
    Broker,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Stage => "stage",
            Kind::Gateway => "gateway",
            Kind::Broker => "broker",
        }
    }
}

#[derive(Clone, Debug)]
enum Work {
    Draw(Service),
    Transmit { bandwidth_bps: u64, compression: f64 },
}

/// A hop's fixed parameters, its stations and its counters.
#[derive(Debug)]
struct Hop {
    name: String,
    kind: Kind,
    workers: u32,
    work: Work,
    capacity: Option<usize>,
    overflow: Overflow,
    full_cause: DropCause,
    batch: Option<Batch>,
    delay_us: u64,
    aggregation: Option<Aggregation>,
    /// QoS 0 broker: drop arrivals while the client is offline.
    offline_drop: bool,
    outages: Vec<(u64, u64)>,
    outages_by_key: BTreeMap<u32, Vec<(u64, u64)>>,
    stations: Vec<Station>,
    /// Station index by gateway or client id.
    index: BTreeMap<u32, usize>,
    /// Depth (waiting + inbox) last reported to `stats.depth`, per station.
    depth_seen: Vec<usize>,
    stats: HopStats,
}

impl Hop {
    fn build(config: &HopConfig, bucket_us: u64) -> Result<Hop, String> {
        let base = |name: &str, kind, workers, work| Hop {
            name: name.to_string(),
            kind,
            workers,
            work,
            capacity: None,
            overflow: Overflow::DropNewest,
            full_cause: DropCause::QueueFull,
            batch: None,
            delay_us: 0,
            aggregation: None,
            offline_drop: false,
            outages: Vec::new(),
            outages_by_key: BTreeMap::new(),
            stations: Vec::new(),
            index: BTreeMap::new(),
            depth_seen: Vec::new(),
            stats: HopStats::new(bucket_us),
        };
        Ok(match config {
            HopConfig::Stage(s) => {
                s.validate()?;
                Hop {
                    capacity: s.capacity.map(|c| c as usize),
                    overflow: s.overflow,
                    batch: s.batch,
                    outages: s.outages.clone(),
                    ..base(&s.name, Kind::Stage, s.workers, Work::Draw(s.service.clone()))
                }
            }
            HopConfig::Gateway(g) => {
                g.validate()?;
                let work = Work::Transmit { bandwidth_bps: g.bandwidth_bps, compression: g.compression };
                Hop {
                    capacity: g.capacity.map(|c| c as usize),
                    overflow: g.overflow,
                    batch: g.batch,
                    delay_us: g.latency_us,
                    aggregation: g.aggregation,
                    outages_by_key: g.outages.clone(),
                    ..base(&g.name, Kind::Gateway, 1, work)
                }
            }
            HopConfig::Broker(b) => {
                b.validate()?;
                Hop {
                    capacity: Some(b.max_queued_messages as usize),
                    full_cause: DropCause::BrokerQueueLimit,
                    offline_drop: b.qos == Qos::AtMostOnce,
                    outages_by_key: b.offline.clone(),
                    ..base(&b.name, Kind::Broker, b.consumer_workers, Work::Draw(b.consumer_service.clone()))
                }
            }
        })
    }

    /// The station key of a message at this hop.
    fn key(&self, m: &Msg) -> u32 {
        match self.kind {
            Kind::Stage => 0,
            Kind::Gateway => m.gateway.unwrap_or(0),
            Kind::Broker => m.client,
        }
    }

    /// Could the station take one more message right now without exceeding its capacity?
    /// Counts messages already promised to it (in transit) and the aggregate being filled.
    fn has_room(&self, st: usize, now: u64) -> bool {
        let Some(cap) = self.capacity else { return true };
        let s = &self.stations[st];
        let startable = if self.batch.is_none() && self.aggregation.is_none() && outage_end(&s.outages, now).is_none() {
            s.free.len()
        } else {
            0
        };
        s.waiting.len() + s.reserved + usize::from(!s.agg.is_empty()) < cap + startable
    }
}

/// A message inside the pipeline.
#[derive(Clone, Debug, Default)]
struct Msg {
    id: u64,
    intended: u64,
    /// Intended times of readings merged into this one.
    merged_intended: Vec<u64>,
    readings: u32,
    bytes: u32,
    gateway: Option<u32>,
    client: u32,
    /// When it arrived at its current hop.
    hop_arrival: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ev {
    /// A message reaches its first hop.
    Offer(usize),
    /// A message leaves hop `from` and reaches the next (or is delivered).
    Transit { slot: usize, from: usize },
    /// A worker finishes its batch.
    Done { hop: usize, st: usize, server: usize },
    /// The oldest waiting message's linger time is up.
    Linger { hop: usize, st: usize },
    /// An outage ends.
    Kick { hop: usize, st: usize },
    /// The aggregate being filled has waited long enough.
    Flush { hop: usize, st: usize, generation: u64 },
}

/// A scheduled event. Order: time, then arrivals from the network before everything else at
/// that instant (so an arrival sees the queue before a same-instant departure, and offering
/// messages early or just in time gives identical runs), then scheduling order.
#[derive(Debug)]
struct Entry {
    t: u64,
    internal: bool,
    seq: u64,
    ev: Ev,
}

impl Entry {
    fn key(&self) -> (u64, bool, u64) {
        (self.t, self.internal, self.seq)
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed: BinaryHeap is a max-heap and the earliest key must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// The running pipeline.
#[derive(Debug)]
pub struct Pipeline {
    seed: u64,
    /// Everything strictly before this has been processed.
    now: u64,
    seq: u64,
    heap: BinaryHeap<Entry>,
    hops: Vec<Hop>,
    msgs: Vec<Msg>,
    free_slots: Vec<usize>,
    events: u64,
    published: u64,
    not_arrived: u64,
    delivered: u64,
    delivered_readings: u64,
    e2e: LatencyRecorder,
}

impl Pipeline {
    /// A pipeline for `config`, drawing service times from `seed`; an error names the hop and
    /// the parameter that is invalid.
    pub fn new(config: &PipelineConfig, seed: u64) -> Result<Pipeline, String> {
        if config.hops.is_empty() {
            return Err("pipeline: at least one hop is needed".into());
        }
        if config.hops.len() > MAX_HOPS {
            return Err(format!("pipeline: at most {MAX_HOPS} hops, got {}", config.hops.len()));
        }
        if config.depth_bucket_us == 0 {
            return Err("pipeline: depth_bucket_us must be positive".into());
        }
        let hops = config.hops.iter().map(|h| Hop::build(h, config.depth_bucket_us)).collect::<Result<_, _>>()?;
        Ok(Pipeline {
            seed,
            now: 0,
            seq: 0,
            heap: BinaryHeap::new(),
            hops,
            msgs: Vec::new(),
            free_slots: Vec::new(),
            events: 0,
            published: 0,
            not_arrived: 0,
            delivered: 0,
            delivered_readings: 0,
            e2e: LatencyRecorder::default(),
        })
    }

    /// Offers a message. It should have `arrival_us` at or after the time passed to the last
    /// [`advance_to`](Self::advance_to); an earlier one is treated as arriving at that time
    /// (its latency still counts from `intended_us`).
    pub fn offer(&mut self, m: Message) {
        let slot = self.alloc(Msg {
            id: m.id,
            intended: m.intended_us,
            merged_intended: Vec::new(),
            readings: 1,
            bytes: m.bytes,
            gateway: m.gateway,
            client: m.client,
            hop_arrival: 0,
        });
        self.published += 1;
        self.not_arrived += 1;
        self.schedule(m.arrival_us.max(self.now), Ev::Offer(slot));
    }

    /// Processes every event strictly before `t`.
    pub fn advance_to(&mut self, t: u64) {
        while self.heap.peek().is_some_and(|e| e.t < t) {
            let Some(e) = self.heap.pop() else { break };
            self.events += 1;
            self.handle(e.t, e.ev);
        }
        self.now = self.now.max(t);
    }

    /// Runs to `end_us` (or the last time advanced to, if later) and reports; messages still
    /// inside are in flight.
    pub fn finish(mut self, end_us: u64) -> PipelineReport {
        self.advance_to(end_us);
        let end = self.now;
        let mut hops = Vec::with_capacity(self.hops.len());
        let (mut dropped, mut dropped_readings, mut merged, mut in_flight, mut in_flight_readings) = (0, 0, 0, 0, 0);
        for mut hop in std::mem::take(&mut self.hops) {
            for s in &hop.stations {
                for sv in s.servers.iter().filter(|sv| sv.state == ServerState::Serving) {
                    hop.stats.busy_us += u128::from(end.min(sv.done).saturating_sub(sv.start));
                }
            }
            dropped += hop.stats.messages.dropped.iter().sum::<u64>();
            dropped_readings += hop.stats.readings.dropped.iter().sum::<u64>();
            merged += hop.stats.merged;
            in_flight += hop.stats.messages.in_system;
            in_flight_readings += hop.stats.readings.in_system;
            let acked = (hop.kind == Kind::Broker).then_some(hop.stats.messages.arrived);
            let mut r = hop.stats.report(hop.name, hop.kind.as_str(), end, hop.stations.len(), hop.workers);
            r.acknowledged_to_publisher = acked;
            hops.push(r);
        }
        let published_readings = self.published;
        PipelineReport {
            elapsed_s: end as f64 / 1e6,
            events: self.events,
            hops,
            end_to_end: EndToEnd {
                published: self.published,
                delivered: self.delivered,
                dropped,
                merged,
                in_flight: in_flight + self.not_arrived,
                published_readings,
                delivered_readings: self.delivered_readings,
                dropped_readings,
                in_flight_readings: in_flight_readings + self.not_arrived,
                delivery_ratio: if published_readings == 0 {
                    1.0
                } else {
                    self.delivered_readings as f64 / published_readings as f64
                },
                latency_ms: self.e2e.ms(),
                latency: self.e2e,
            },
        }
    }

    fn alloc(&mut self, m: Msg) -> usize {
        if let Some(s) = self.free_slots.pop() {
            self.msgs[s] = m;
            s
        } else {
            self.msgs.push(m);
            self.msgs.len() - 1
        }
    }

    fn release(&mut self, slot: usize) {
        self.msgs[slot].merged_intended = Vec::new();
        self.free_slots.push(slot);
    }

    fn schedule(&mut self, t: u64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Entry { t, internal: !matches!(ev, Ev::Offer(_)), seq: self.seq, ev });
    }

    fn handle(&mut self, now: u64, ev: Ev) {
        match ev {
            Ev::Offer(slot) => {
                self.not_arrived -= 1;
                match self.route(slot, None, true) {
                    Some(h) => self.arrive(h, slot, now, true),
                    None => self.deliver(slot, now),
                }
            }
            Ev::Transit { slot, from } => {
                let next = self.route(slot, Some(from), true);
                let m = &self.msgs[slot];
                let (r, sojourn) = (m.readings, now - m.hop_arrival);
                self.hops[from].stats.pass(now, r, sojourn);
                match next {
                    Some(h) => {
                        let st = self.station(h, slot);
                        self.hops[h].stations[st].reserved -= 1;
                        self.arrive(h, slot, now, false);
                    }
                    None => self.deliver(slot, now),
                }
            }
            Ev::Done { hop, st, server } => {
                let sv = &mut self.hops[hop].stations[st].servers[server];
                let busy = now - sv.start;
                sv.state = ServerState::Blocked;
                sv.next = 0;
                self.hops[hop].stats.busy_us += u128::from(busy);
                self.forward(hop, st, server, now, false);
            }
            Ev::Linger { hop, st } => {
                let s = &mut self.hops[hop].stations[st];
                if s.linger_at == Some(now) {
                    s.linger_at = None;
                }
                self.pump(hop, st, now);
                self.sync_depth(hop, st, now);
            }
            Ev::Kick { hop, st } => {
                let s = &mut self.hops[hop].stations[st];
                if s.kick_at == Some(now) {
                    s.kick_at = None;
                }
                self.pump(hop, st, now);
                self.sync_depth(hop, st, now);
            }
            Ev::Flush { hop, st, generation } => {
                let s = &self.hops[hop].stations[st];
                if s.agg_gen == generation && !s.agg.is_empty() {
                    self.emit_aggregate(hop, st, now);
                    self.pump(hop, st, now);
                    self.enforce_capacity(hop, st, now);
                    self.sync_depth(hop, st, now);
                }
            }
        }
    }

    /// The next hop a message visits after `from` (or its first), skipping gateway hops for
    /// messages without a gateway; `count` records those skips.
    fn route(&mut self, slot: usize, from: Option<usize>, count: bool) -> Option<usize> {
        let no_gateway = self.msgs[slot].gateway.is_none();
        for h in from.map_or(0, |f| f + 1)..self.hops.len() {
            if no_gateway && self.hops[h].kind == Kind::Gateway {
                if count {
                    self.hops[h].stats.bypassed += 1;
                }
                continue;
            }
            return Some(h);
        }
        None
    }

    /// The station of hop `h` that serves this message, created on first use.
    fn station(&mut self, h: usize, slot: usize) -> usize {
        let hop = &mut self.hops[h];
        let key = hop.key(&self.msgs[slot]);
        if let Some(&i) = hop.index.get(&key) {
            return i;
        }
        let outages = hop.outages_by_key.get(&key).cloned().unwrap_or_else(|| hop.outages.clone());
        hop.stations.push(Station::new(hop.workers, outages));
        hop.depth_seen.push(0);
        hop.index.insert(key, hop.stations.len() - 1);
        hop.stations.len() - 1
    }

    fn arrive(&mut self, h: usize, slot: usize, now: u64, from_network: bool) {
        let st = self.station(h, slot);
        self.msgs[slot].hop_arrival = now;
        let hop = &mut self.hops[h];
        hop.stats.enter(now, self.msgs[slot].readings);
        if hop.offline_drop && outage_end(&hop.stations[st].outages, now).is_some() {
            self.drop_msg(h, slot, DropCause::ClientOffline, now);
            return;
        }
        if from_network
            && hop.overflow == Overflow::Block
            && !(hop.stations[st].waiters.is_empty() && hop.has_room(st, now))
        {
            hop.stations[st].waiters.push_back(Waiter::Inbox(slot));
            hop.stations[st].inbox += 1;
        } else {
            self.accept(h, st, slot, now);
            self.pump(h, st, now);
            self.enforce_capacity(h, st, now);
        }
        self.sync_depth(h, st, now);
    }

    /// Puts a message into the aggregate being filled or the waiting queue (no dispatch).
    fn accept(&mut self, h: usize, st: usize, slot: usize, now: u64) {
        let hop = &mut self.hops[h];
        let Some(agg) = hop.aggregation else {
            hop.stations[st].waiting.push_back((slot, now));
            return;
        };
        let s = &mut hop.stations[st];
        s.agg.push(slot);
        if s.agg.len() == 1 {
            let generation = s.agg_gen;
            self.schedule(now.saturating_add(agg.max_wait_us), Ev::Flush { hop: h, st, generation });
        }
        if self.hops[h].stations[st].agg.len() >= agg.readings as usize {
            self.emit_aggregate(h, st, now);
        }
    }

    /// The readings collected at a gateway become one message in its forwarder queue.
    fn emit_aggregate(&mut self, h: usize, st: usize, now: u64) {
        let s = &mut self.hops[h].stations[st];
        let slots = std::mem::take(&mut s.agg);
        s.agg_gen += 1;
        let Some((&carrier, rest)) = slots.split_first() else { return };
        let fixed = self.hops[h].aggregation.and_then(|a| a.bytes);
        for &o in rest {
            let other = std::mem::take(&mut self.msgs[o]);
            let m = &mut self.msgs[carrier];
            m.readings += other.readings;
            m.bytes = m.bytes.saturating_add(other.bytes);
            m.merged_intended.push(other.intended);
            m.merged_intended.extend(other.merged_intended);
            self.release(o);
        }
        if let Some(b) = fixed {
            self.msgs[carrier].bytes = b;
        }
        self.hops[h].stats.merge(now, rest.len() as u64);
        self.hops[h].stations[st].waiting.push_back((carrier, now));
    }

    /// Starts what can start and admits blocked senders while there is room, until neither
    /// makes progress.
    fn pump(&mut self, h: usize, st: usize, now: u64) {
        loop {
            let started = self.dispatch(h, st, now);
            let admitted = self.admit(h, st, now);
            if !started && !admitted {
                break;
            }
        }
    }

    /// Gives waiting messages to free workers while the station is up and batches are ready.
    fn dispatch(&mut self, h: usize, st: usize, now: u64) -> bool {
        let mut started = false;
        loop {
            let hop = &mut self.hops[h];
            let s = &mut hop.stations[st];
            if s.waiting.is_empty() || s.free.is_empty() {
                break;
            }
            if let Some(end) = outage_end(&s.outages, now) {
                if s.kick_at != Some(end) {
                    s.kick_at = Some(end);
                    self.schedule(end, Ev::Kick { hop: h, st });
                }
                break;
            }
            let take = match hop.batch {
                None => 1,
                Some(b) => {
                    let deadline = s.waiting[0].1.saturating_add(b.linger_us);
                    if s.waiting.len() < b.size as usize && now < deadline {
                        if s.linger_at.is_none_or(|t| t > deadline) {
                            s.linger_at = Some(deadline);
                            self.schedule(deadline, Ev::Linger { hop: h, st });
                        }
                        break;
                    }
                    s.waiting.len().min(b.size as usize)
                }
            };
            let Some(server) = s.free.pop() else { break };
            let mut batch = std::mem::take(&mut s.servers[server].batch);
            batch.clear();
            let mut bytes = 0u64;
            for (slot, _) in s.waiting.drain(..take) {
                let m = &mut self.msgs[slot];
                hop.stats.wait.record(now - m.hop_arrival);
                if let Work::Transmit { compression, .. } = hop.work {
                    m.bytes = compressed_bytes(m.bytes, compression);
                }
                bytes += u64::from(m.bytes);
                batch.push(slot);
            }
            let work = match &hop.work {
                Work::Draw(service) => service.draw_us(self.seed, self.msgs[batch[0]].id.wrapping_mul(64) + h as u64),
                Work::Transmit { bandwidth_bps, .. } => transmission_us(bytes, *bandwidth_bps),
            };
            let done = completion_us(&s.outages, now, work);
            s.servers[server] = stage::Server { state: ServerState::Serving, batch, next: 0, start: now, done };
            self.schedule(done, Ev::Done { hop: h, st, server });
            started = true;
        }
        started
    }

    /// Lets the first blocked sender (inbox message or upstream worker) in, if there is room.
    fn admit(&mut self, h: usize, st: usize, now: u64) -> bool {
        let hop = &mut self.hops[h];
        if hop.stations[st].waiters.is_empty() || !hop.has_room(st, now) {
            return false;
        }
        match hop.stations[st].waiters.pop_front() {
            Some(Waiter::Inbox(slot)) => {
                hop.stations[st].inbox -= 1;
                self.accept(h, st, slot, now);
            }
            Some(Waiter::Upstream { hop, station, server }) => self.forward(hop, station, server, now, true),
            None => return false,
        }
        true
    }

    /// Hands a finished batch on, message by message, until it is all gone (the worker is then
    /// free) or a blocking next hop has no room (the worker waits there). `granted`: the first
    /// message has been given room already.
    fn forward(&mut self, h: usize, st: usize, server: usize, now: u64, mut granted: bool) {
        let delay = self.hops[h].delay_us;
        loop {
            let sv = &self.hops[h].stations[st].servers[server];
            let Some(&slot) = sv.batch.get(sv.next) else { break };
            if let Some(nh) = self.route(slot, Some(h), false) {
                let ns = self.station(nh, slot);
                let next = &mut self.hops[nh];
                if next.overflow == Overflow::Block
                    && !granted
                    && !(next.stations[ns].waiters.is_empty() && next.has_room(ns, now))
                {
                    next.stations[ns].waiters.push_back(Waiter::Upstream { hop: h, station: st, server });
                    return;
                }
                next.stations[ns].reserved += 1;
            }
            granted = false;
            self.hops[h].stations[st].servers[server].next += 1;
            self.schedule(now.saturating_add(delay), Ev::Transit { slot, from: h });
        }
        let s = &mut self.hops[h].stations[st];
        s.servers[server].state = ServerState::Idle;
        s.servers[server].batch.clear();
        s.free.push(server);
        self.pump(h, st, now);
        self.sync_depth(h, st, now);
    }

    /// Applies a drop policy to a waiting queue beyond its capacity (Block never drops).
    fn enforce_capacity(&mut self, h: usize, st: usize, now: u64) {
        loop {
            let hop = &mut self.hops[h];
            let s = &mut hop.stations[st];
            if hop.overflow == Overflow::Block || hop.capacity.is_none_or(|c| s.waiting.len() <= c) {
                return;
            }
            let (popped, cause) = match hop.overflow {
                Overflow::DropOldest => (s.waiting.pop_front(), DropCause::DroppedOldest),
                _ => (s.waiting.pop_back(), hop.full_cause),
            };
            let Some((slot, _)) = popped else { return };
            self.drop_msg(h, slot, cause, now);
        }
    }

    fn drop_msg(&mut self, h: usize, slot: usize, cause: DropCause, now: u64) {
        self.hops[h].stats.drop(now, self.msgs[slot].readings, cause);
        self.release(slot);
    }

    fn deliver(&mut self, slot: usize, now: u64) {
        let m = &self.msgs[slot];
        self.delivered += 1;
        self.delivered_readings += u64::from(m.readings);
        self.e2e.record(now.saturating_sub(m.intended));
        for &t in &m.merged_intended {
            self.e2e.record(now.saturating_sub(t));
        }
        self.release(slot);
    }

    /// Reports a station's queue depth (waiting + inbox) to the hop's depth series.
    fn sync_depth(&mut self, h: usize, st: usize, now: u64) {
        let hop = &mut self.hops[h];
        let s = &hop.stations[st];
        let d = s.waiting.len() + s.inbox;
        let delta = d as i64 - hop.depth_seen[st] as i64;
        if delta != 0 {
            hop.depth_seen[st] = d;
            hop.stats.depth.add(now, delta);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::stage::tests::{msg, poisson, run};
    use super::*;

    #[test]
    fn littles_law_at_every_stage_of_a_chain() {
        // Poisson 500/s into M/M/1 (rho 0.5) -> M/M/2 (3 ms, rho 0.75) -> M/D/1 (1.5 ms, rho 0.75).
        let arrivals = poisson(51, 200_000, 2000.0);
        let stages = vec![
            StageConfig { name: "a".into(), service: Service::Exponential { mean_us: 1000.0 }, ..Default::default() },
            StageConfig {
                name: "b".into(),
                workers: 2,
                service: Service::Exponential { mean_us: 3000.0 },
                ..Default::default()
            },
            StageConfig { name: "c".into(), service: Service::Constant { us: 1500 }, ..Default::default() },
        ];
        // Stop at the last arrival: messages still inside count in L but not in W.
        let end = arrivals[arrivals.len() - 1];
        let r = run(stages, &arrivals, end, 8);
        for h in &r.hops {
            // Oracle: L = lambda W, lambda = arrivals / elapsed, W = mean sojourn.
            let lw = h.arrived as f64 / r.elapsed_s * h.mean_sojourn_ms / 1e3;
            assert!((h.mean_in_system - lw).abs() / lw < 0.02, "{}: L = {}, lambda W = {lw}", h.name, h.mean_in_system);
        }
        // Oracle: the first stage is M/M/1 with rho = 0.5, so L = rho / (1 - rho) = 1.
        assert!((r.hops[0].mean_in_system - 1.0).abs() < 0.03, "L = {}", r.hops[0].mean_in_system);
        // Oracle: end to end, the sum of the stages' L is lambda times the mean end-to-end latency.
        let l: f64 = r.hops.iter().map(|h| h.mean_in_system).sum();
        let lw = r.end_to_end.published as f64 / r.elapsed_s * r.end_to_end.latency_ms.mean / 1e3;
        assert!((l - lw).abs() / lw < 0.02, "sum L = {l}, lambda W = {lw}");
    }

    /// An overloaded chain of every hop kind with the given policy everywhere it applies.
    fn overloaded(policy: Overflow, aggregate: bool) -> PipelineConfig {
        let gateway = GatewayConfig {
            capacity: Some(6),
            overflow: policy,
            bandwidth_bps: 16_000,
            latency_us: 20_000,
            batch: Some(Batch { size: 4, linger_us: 10_000 }),
            compression: 0.8,
            aggregation: aggregate.then_some(Aggregation { readings: 3, max_wait_us: 30_000, bytes: None }),
            outages: BTreeMap::from([(1, vec![(200_000, 600_000)])]),
            ..Default::default()
        };
        let a = StageConfig {
            name: "ingest".into(),
            workers: 2,
            service: Service::Exponential { mean_us: 3000.0 },
            capacity: Some(10),
            overflow: policy,
            outages: vec![(1_000_000, 1_300_000)],
            ..Default::default()
        };
        let b = StageConfig {
            name: "store".into(),
            service: Service::LogNormal { median_us: 4000.0, sigma: 0.8 },
            capacity: Some(3),
            overflow: policy,
            batch: Some(Batch { size: 2, linger_us: 2000 }),
            ..Default::default()
        };
        let broker = BrokerConfig {
            qos: Qos::AtMostOnce,
            max_queued_messages: 20,
            consumer_service: Service::Exponential { mean_us: 6000.0 },
            offline: BTreeMap::from([(2, vec![(500_000, 900_000)])]),
            ..Default::default()
        };
        PipelineConfig {
            hops: vec![
                HopConfig::Gateway(gateway),
                HopConfig::Stage(a),
                HopConfig::Stage(b),
                HopConfig::Broker(broker),
            ],
            depth_bucket_us: 100_000,
        }
    }

    /// 6000 messages at about 3000/s from four gateways and a few gateway-less sensors.
    fn traffic() -> Vec<Message> {
        poisson(61, 6000, 333.0)
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let i = i as u64;
                Message {
                    id: i,
                    intended_us: t.saturating_sub(i % 7 * 1000),
                    arrival_us: t,
                    gateway: (!i.is_multiple_of(5)).then_some((i % 4) as u32),
                    client: (i % 3) as u32,
                    bytes: 20 + (i % 40) as u32,
                }
            })
            .collect()
    }

    fn run_traffic(config: &PipelineConfig, seed: u64, end: u64) -> PipelineReport {
        let mut p = Pipeline::new(config, seed).expect("valid");
        traffic().into_iter().for_each(|m| p.offer(m));
        p.finish(end)
    }

    fn assert_conserved(r: &PipelineReport, label: &str) {
        let e = &r.end_to_end;
        for h in &r.hops {
            // Oracle: conservation at the hop, in messages and in readings.
            assert_eq!(h.arrived, h.passed + h.merged + h.dropped_total() + h.in_flight, "{label} {}", h.name);
            let rd: u64 = h.readings.dropped.values().sum();
            assert_eq!(h.readings.arrived, h.readings.passed + rd + h.readings.in_flight, "{label} {}", h.name);
        }
        // What a hop passes, the next one receives (gateway-less messages join at hop 1).
        assert_eq!(r.hops[1].arrived, r.hops[0].passed + r.hops[0].bypassed, "{label}");
        for w in r.hops[1..].windows(2) {
            assert_eq!(w[1].arrived, w[0].passed, "{label} {}", w[1].name);
            assert_eq!(w[1].readings.arrived, w[0].readings.passed, "{label} {}", w[1].name);
        }
        assert_eq!(e.delivered, r.hops[3].passed, "{label}");
        // Oracle: every message is delivered, dropped once, merged or in flight.
        assert_eq!(e.published, e.delivered + e.dropped + e.merged + e.in_flight, "{label}");
        assert_eq!(e.published_readings, e.delivered_readings + e.dropped_readings + e.in_flight_readings, "{label}");
        assert_eq!(e.dropped, r.hops.iter().map(HopReport::dropped_total).sum::<u64>(), "{label}");
    }

    #[test]
    fn accounting_holds_on_an_overloaded_chain_with_every_policy() {
        for policy in [Overflow::DropNewest, Overflow::DropOldest, Overflow::Block] {
            for aggregate in [false, true] {
                let config = overloaded(policy, aggregate);
                for end in [700_000, 1_200_000, 60_000_000] {
                    let r = run_traffic(&config, 4, end);
                    let label = format!("{policy:?} aggregate={aggregate} end={end}");
                    assert_conserved(&r, &label);
                    assert!(r.end_to_end.dropped > 0, "{label}: overloaded, so something drops");
                    if policy == Overflow::Block {
                        // Backpressure: only the broker (which never blocks) drops.
                        assert!(r.hops[..3].iter().all(|h| h.dropped.is_empty()), "{label}");
                    }
                    if end == 60_000_000 {
                        assert_eq!(r.end_to_end.in_flight, 0, "{label}: drained");
                    }
                }
            }
        }
    }

    #[test]
    fn same_seed_same_report_whether_offered_upfront_or_streamed() {
        let config = overloaded(Overflow::DropOldest, true);
        let upfront = run_traffic(&config, 9, 5_000_000);
        let mut p = Pipeline::new(&config, 9).expect("valid");
        for m in traffic() {
            p.advance_to(m.arrival_us);
            p.offer(m);
        }
        let streamed = p.finish(5_000_000);
        let json = |r: &PipelineReport| serde_json::to_string(r).expect("serialises");
        assert_eq!(json(&upfront), json(&streamed));
        assert_eq!(json(&upfront), json(&run_traffic(&config, 9, 5_000_000)));
        for (a, b) in upfront.hops.iter().zip(&streamed.hops) {
            assert_eq!(a.depth, b.depth);
        }
        assert_ne!(json(&upfront), json(&run_traffic(&config, 10, 5_000_000)));
    }

    #[test]
    fn block_holds_the_upstream_worker_and_drops_nothing() {
        // 20 messages at once into a 1 ms stage feeding a 10 ms stage with room for 2 waiting.
        let a = StageConfig { name: "a".into(), ..Default::default() };
        let b = StageConfig {
            name: "b".into(),
            service: Service::Constant { us: 10_000 },
            capacity: Some(2),
            overflow: Overflow::Block,
            ..Default::default()
        };
        let r = run(vec![a, b], &[0; 20], 1_000_000, 1);
        // Oracle: b is busy from 1 ms on, one message per 10 ms: the last leaves at 201 ms.
        assert_eq!(r.end_to_end.delivered, 20);
        assert_eq!(r.end_to_end.dropped, 0);
        assert_eq!(r.end_to_end.latency.max_us, 201_000);
        // a's worker served 20 ms in all but was held blocked most of the time.
        assert!((r.hops[0].utilisation - 0.02).abs() < 1e-9, "{}", r.hops[0].utilisation);
        assert_eq!(r.hops[1].depth.max[0], 2);
    }

    #[test]
    fn blocking_first_hop_keeps_an_inbox() {
        let a = StageConfig { capacity: Some(1), overflow: Overflow::Block, ..Default::default() };
        let r = run(vec![a], &[0; 20], 1_000_000, 1);
        // Oracle: 1 in service, 1 waiting, 18 in the inbox; nothing lost; served 1 per ms.
        assert_eq!((r.end_to_end.delivered, r.end_to_end.dropped), (20, 0));
        assert_eq!(r.hops[0].depth.max[0], 19);
        assert_eq!(r.end_to_end.latency.max_us, 20_000);
    }

    #[test]
    fn latency_counts_from_the_intended_time() {
        let config = PipelineConfig { hops: vec![HopConfig::Stage(StageConfig::default())], ..Default::default() };
        let mut p = Pipeline::new(&config, 1).expect("valid");
        p.offer(Message { arrival_us: 5_000_000, ..msg(0, 0) });
        let r = p.finish(10_000_000);
        // Oracle: intended 0, arrival 5 s, 1 ms service: end to end 5.001 s, sojourn 1 ms.
        assert_eq!(r.end_to_end.latency.max_us, 5_001_000);
        assert!(r.end_to_end.latency_ms.max >= 5000.0);
        assert_eq!(r.hops[0].sojourn.max_us, 1000);
    }

    #[test]
    fn invalid_configs_are_errors() {
        let bad = |h: HopConfig| Pipeline::new(&PipelineConfig { hops: vec![h], ..Default::default() }, 0).is_err();
        assert!(bad(HopConfig::Stage(StageConfig { workers: 0, ..Default::default() })));
        assert!(bad(HopConfig::Stage(StageConfig {
            service: Service::Exponential { mean_us: -1.0 },
            ..Default::default()
        })));
        assert!(bad(HopConfig::Stage(StageConfig { outages: vec![(5, 5)], ..Default::default() })));
        assert!(bad(HopConfig::Gateway(GatewayConfig { bandwidth_bps: 0, ..Default::default() })));
        assert!(bad(HopConfig::Broker(BrokerConfig { consumer_workers: 0, ..Default::default() })));
        assert!(Pipeline::new(&PipelineConfig::default(), 0).is_err());
    }
}
