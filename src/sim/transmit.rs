//! The transmit system: each reading becomes a LoRaWAN uplink on a randomly chosen channel,
//! lasting the sensor's time on air. Under EU868 the device obeys its sub-band duty cycles: it
//! picks among channels whose sub-band is open, and otherwise waits for the first to reopen or
//! drops the uplink, as the scenario's policy says. Uplinks that wait past the current step are
//! deferred to the step they start in. Each uplink is handed to every gateway that can hear it
//! (its reach list) and tracked until all of them have decided.
//!
//! Reads: `Readings`, `Coverage`, `RunConfig`, `Clock`. Writes: `LoraDevice` duty-cycle state
//! and radio draw (each transmission's charge), `Deferred`, `Air` (per-gateway inboxes, in start
//! order), `InFlight`, `Metrics` (sent, delayed, duty-cycle and out-of-range losses), `Trace`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;

use super::build::{Adr, LoraDevice, RunConfig, sf_index};
use super::clock::Clock;
use super::coverage::Coverage;
use super::failures::Outages;
use super::mac::{self, Attempt, MacCtx};
use super::sense::{Reading, Readings};
use crate::metrics::report::TxRecord;
use crate::metrics::{LossCause, Metrics};
use crate::model::duty_cycle::DutyCycleTracker;
use crate::model::random::{Purpose, below, draw};
use crate::scenario::types::{DutyCyclePolicy, RadioKind};

/// One uplink as one gateway receives it.
#[derive(Clone, Copy, Debug)]
pub struct Rx {
    /// Uplink sequence number (global, increasing in start order).
    pub uplink: u64,
    /// Start, µs.
    pub start: u64,
    /// End, µs.
    pub end: u64,
    /// Received power at this gateway, dBm.
    pub rssi_dbm: f32,
    /// Channel index.
    pub channel: u8,
    /// Spreading factor.
    pub sf: u8,
}

/// Per-gateway inboxes of this step's transmissions, each in start order.
#[derive(Resource, Default)]
pub struct Air {
    /// One inbox per gateway.
    pub inbox: Vec<Vec<Rx>>,
}

/// An attempt some gateway has not decided yet.
#[derive(Clone, Copy, Debug)]
pub struct Pending {
    /// The transmission.
    pub tx: Planned,
    /// When it ends, µs.
    pub end: u64,
    /// Gateways still to decide.
    pub waiting: u32,
    /// Earliest arrival at the network server over the gateways that decoded it (u64::MAX: none).
    pub arrival: u64,
    /// Strongest decoding gateway and its received power.
    pub best: Option<(u32, f32)>,
    /// Whether some gateway lost it to interference.
    pub collided: bool,
    /// Whether some gateway missed it while transmitting a downlink.
    pub transmitting: bool,
    /// Whether some gateway decoded it but could not forward it (backhaul cut, buffer full).
    pub backhaul: bool,
}

/// Uplinks on the air or awaiting a gateway's decision, indexed by sequence number.
#[derive(Resource, Default)]
pub struct InFlight {
    /// Sequence number of `slots[0]`.
    pub base: u64,
    /// `None` once settled; settled slots at the front are dropped.
    pub slots: VecDeque<Option<Pending>>,
}

impl InFlight {
    /// The next sequence number.
    pub fn next_seq(&self) -> u64 {
        self.base + self.slots.len() as u64
    }

    /// The pending uplink `seq`, if not yet settled.
    pub fn get_mut(&mut self, seq: u64) -> Option<&mut Pending> {
        let i = seq.checked_sub(self.base)? as usize;
        self.slots.get_mut(i)?.as_mut()
    }

    /// Marks `seq` settled and drops settled slots from the front.
    pub fn settle(&mut self, seq: u64) -> Option<Pending> {
        let i = seq.checked_sub(self.base)? as usize;
        let p = self.slots.get_mut(i)?.take();
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.base += 1;
        }
        p
    }
}

/// Duty-cycle rules for the run, per channel.
#[derive(Clone, Debug)]
pub struct DutyCycleRules {
    /// Policy.
    pub policy: DutyCyclePolicy,
    /// Longest wait under the delay policy, µs.
    pub max_delay_us: u64,
    /// Tracker slot (sub-band) of each channel.
    pub channel_band: Vec<usize>,
    /// Duty cycle of each tracker slot.
    pub band_duty: Vec<f64>,
}

/// A transmission planned for a definite start time, ordered by (start, sensor, reading time).
#[derive(Clone, Copy, Debug)]
pub struct Planned {
    /// Start, µs.
    pub start: u64,
    /// Sensor id (ties).
    pub sensor: u32,
    /// When the reading was taken, µs.
    pub generated: u64,
    /// Time on air, µs.
    pub airtime: u32,
    /// Channel.
    pub channel: u8,
    /// Spreading factor.
    pub sf: u8,
    /// Sensor district.
    pub district: u16,
    /// Sensor group.
    pub group: u16,
    /// The sensor's run in `Coverage`.
    pub reach: (u32, u32),
    /// TX power relative to the configured one, dB.
    pub tx_offset_db: f32,
    /// Distance band.
    pub band: u8,
    /// The sensor's entity.
    pub entity: Entity,
    /// Frame counter (the sensor's reading number).
    pub seq: u32,
    /// Transmission number of this reading, from 1.
    pub attempt: u8,
    /// Earliest arrival of an earlier attempt at the network server (u64::MAX: none).
    pub prior_arrival: u64,
    /// The gateway that forwarded that earliest copy (u32::MAX: none).
    pub prior_gateway: u32,
    /// Not yet planned: `start` is when the device wants to send (its reading or retry timer);
    /// channel, airtime and the rest are filled in when the transmit system plans it.
    pub unplanned: bool,
    /// A flooding device's extra uplinks to send after this one; for a flood uplink, its number.
    pub copies: u16,
    /// A flood uplink: on the air like any other, but not a reading.
    pub bogus: bool,
}

impl Planned {
    /// A reading's first transmission, to be planned.
    pub fn from_reading(r: &Reading) -> Self {
        Planned {
            start: r.at,
            sensor: r.sensor,
            generated: r.at,
            airtime: 0,
            channel: 0,
            sf: 0,
            district: r.district,
            group: r.group,
            reach: (0, 0),
            tx_offset_db: 0.0,
            band: r.band,
            entity: r.entity,
            seq: r.seq,
            attempt: 1,
            prior_arrival: u64::MAX,
            prior_gateway: u32::MAX,
            unplanned: true,
            copies: r.copies,
            bogus: false,
        }
    }

    fn key(&self) -> (u64, u32, u64, u8, bool, u16) {
        (self.start, self.sensor, self.generated, self.attempt, self.bogus, self.copies)
    }
}

impl PartialEq for Planned {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Planned {}

impl PartialOrd for Planned {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Planned {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// Transmissions that had to wait past the step in which they were due.
#[derive(Resource, Default)]
pub struct Deferred(pub BinaryHeap<Reverse<Planned>>);

/// Every transmission, when tracing is on.
#[derive(Resource, Default)]
pub struct Trace(pub Option<Vec<TxRecord>>);

/// Chooses a channel and start time under the duty-cycle rules; `None` when the uplink must be
/// dropped. Draws are keyed by (sensor, `counter`), so the choice is order-independent.
pub fn plan_channel(
    cfg: &RunConfig,
    dc: &mut DutyCycleTracker,
    sensor: u32,
    counter: u64,
    at: u64,
    airtime: u64,
) -> Option<(u8, u64, bool)> {
    let rules = &cfg.duty_cycle;
    let x = draw(cfg.seed, Purpose::Channel, u64::from(sensor), counter);
    let n = u64::from(cfg.channels);
    if rules.policy == DutyCyclePolicy::Off {
        return Some((below(x, n) as u8, at, false));
    }
    let open = |c: &u8| dc.open_at(rules.channel_band[usize::from(*c)]) <= at;
    let n_open = (0..cfg.channels).filter(open).count() as u64;
    let (channel, start, delayed) = if n_open > 0 {
        let k = below(x, n_open) as usize;
        ((0..cfg.channels).filter(open).nth(k)?, at, false)
    } else {
        if rules.policy == DutyCyclePolicy::Drop {
            return None;
        }
        let bands: Vec<usize> = (0..rules.band_duty.len()).collect();
        let (band, t) = dc.earliest(&bands)?;
        if t - at > rules.max_delay_us {
            return None;
        }
        let in_band: Vec<u8> = (0..cfg.channels).filter(|c| rules.channel_band[usize::from(*c)] == band).collect();
        (in_band[below(x, in_band.len() as u64) as usize], t, true)
    };
    let band = rules.channel_band[usize::from(channel)];
    dc.record(band, start, airtime, rules.band_duty[band]);
    Some((channel, start, delayed))
}

/// Puts this step's readings, and the retransmissions whose timers fire in it, on the air.
pub fn transmit(
    clock: Res<Clock>,
    cfg: Res<RunConfig>,
    readings: Res<Readings>,
    coverage: Res<Coverage>,
    mut out: TransmitOut,
    mut devices: DeviceQuery,
) {
    let step_end = if clock.draining { u64::MAX } else { clock.step_end.0 };
    // What to plan now, in time order: this step's readings (already in order) merged with the
    // retries due in it. Uplinks delayed in earlier steps are planned already: straight to the batch.
    let mut retries: Vec<Planned> = Vec::new();
    let mut batch: Vec<Planned> = Vec::with_capacity(readings.0.len());
    while let Some(Reverse(p)) = out.deferred.0.peek().copied() {
        if p.start >= step_end {
            break;
        }
        out.deferred.0.pop();
        if p.unplanned { retries.push(p) } else { batch.push(p) }
    }
    let mut first = readings.0.iter().map(Planned::from_reading).peekable();
    let mut again = retries.into_iter().peekable();
    let todo = std::iter::from_fn(|| match (first.peek(), again.peek()) {
        (Some(a), Some(b)) if b < a => again.next(),
        (Some(_), _) => first.next(),
        (None, _) => again.next(),
    });
    for t in todo {
        let Ok((mut dev, adr)) = devices.get_mut(t.entity) else {
            continue;
        };
        // Nothing reads bevy's change ticks, and writing them costs a cache miss per uplink.
        let dev = dev.bypass_change_detection();
        if let Some(mut adr) = adr
            && let Some(change) = adr.next.filter(|c| c.at <= t.start)
        {
            dev.sf = change.sf;
            dev.airtime_us = cfg.airtime_us[usize::from(t.group)][sf_index(change.sf)];
            dev.tx_offset_db = change.tx_offset_db;
            adr.next = None;
        }
        let airtime = u64::from(dev.airtime_us);
        let counter = mac::counter(t.seq, t.attempt);
        let Some((channel, start, delayed)) = plan_channel(&cfg, &mut dev.duty, t.sensor, counter, t.start, airtime)
        else {
            // The duty cycle will not let this transmission out: the reading is final now.
            mac::finish(&t, t.prior_arrival, LossCause::DutyCycle, &mut out.metrics);
            continue;
        };
        if delayed {
            out.metrics.delayed();
        }
        let e = &cfg.lora_energy;
        let tx_ma = if dev.tx_offset_db == 0.0 {
            e.tx_ma[usize::from(t.group)]
        } else {
            e.profile.tx_current_ma(cfg.tx_dbm[usize::from(t.group)] + f64::from(dev.tx_offset_db))
        };
        dev.draw.uplink(&e.profile, tx_ma, airtime, e.rx1_us[sf_index(dev.sf)], e.rx2_us);
        let p = Planned {
            start,
            channel,
            airtime: dev.airtime_us,
            sf: dev.sf,
            reach: dev.reach,
            tx_offset_db: dev.tx_offset_db,
            unplanned: false,
            copies: 0,
            ..t
        };
        // A flooding device sends its extra uplinks back to back, on random channels, ignoring
        // the duty cycle.
        let flood = (1..=t.copies).map(|k| {
            let x = draw(cfg.seed, Purpose::Channel, u64::from(t.sensor), counter ^ u64::from(k) << 48);
            Planned {
                start: start + u64::from(k) * airtime,
                channel: below(x, u64::from(cfg.channels)) as u8,
                copies: k,
                bogus: true,
                ..p
            }
        });
        for p in std::iter::once(p).chain(flood) {
            if p.bogus {
                dev.draw.uplink(&e.profile, tx_ma, airtime, 0, 0);
            }
            if p.start < step_end {
                batch.push(p);
            } else {
                out.deferred.0.push(Reverse(p));
            }
        }
    }
    // Gateways need their inboxes in start order; delayed uplinks may start anywhere in the step.
    batch.sort_unstable();
    for inbox in out.air.inbox.iter_mut() {
        inbox.clear();
    }
    for p in &batch {
        dispatch(p, &cfg, &coverage, clock.draining, &mut out);
    }
}

/// Sends one planned transmission to every gateway that hears it at its SF and power; an
/// attempt nobody hears is settled at once as out of range.
fn dispatch(p: &Planned, cfg: &RunConfig, coverage: &Coverage, last_step: bool, out: &mut TransmitOut) {
    if p.bogus {
        out.metrics.attack.flood_sent += 1;
    } else {
        out.metrics.transmitted(p.attempt == 1);
    }
    if let Some(trace) = out.trace.0.as_mut() {
        trace.push(TxRecord {
            sensor: p.sensor,
            generated: p.generated,
            start: p.start,
            airtime: u64::from(p.airtime),
            channel: p.channel,
        });
    }
    let sens = cfg.sensitivity_dbm[sf_index(p.sf)];
    let seq = out.inflight.next_seq();
    let end = p.start + u64::from(p.airtime);
    let mut heard = 0;
    let (mut down, mut jammed) = (false, false);
    let outages = &out.outages;
    let storm_db = if outages.storms.is_empty() { 0.0 } else { outages.storm_loss_db(p.sensor, p.start) };
    for link in coverage.reach(p.reach) {
        let rssi_dbm = link.rssi_dbm + p.tx_offset_db - storm_db;
        let g = link.gateway as usize;
        let jam_db = if outages.jams.is_empty() { 0.0 } else { outages.jam_db(RadioKind::Lorawan, g, p.start) };
        if rssi_dbm >= sens && outages.gateway_down(g, p.start) {
            down = true;
        } else if rssi_dbm >= sens && rssi_dbm < sens + jam_db {
            jammed = true;
        } else if rssi_dbm >= sens {
            out.air.inbox[link.gateway as usize].push(Rx {
                uplink: seq,
                start: p.start,
                end,
                rssi_dbm,
                channel: p.channel,
                sf: p.sf,
            });
            heard += 1;
        }
    }
    if heard == 0 {
        if p.bogus {
            return;
        }
        let cause = if down {
            LossCause::GatewayDown
        } else if jammed {
            LossCause::Jamming
        } else {
            LossCause::OutOfRange
        };
        let attempt = Attempt { tx: *p, end, arrival: u64::MAX, cause, best: None };
        let mut ctx = MacCtx { cfg, metrics: &mut out.metrics, deferred: &mut out.deferred, gateways: None, last_step };
        mac::settle(attempt, None, &mut ctx);
        return;
    }
    out.inflight.slots.push_back(Some(Pending {
        tx: *p,
        end,
        waiting: heard,
        arrival: u64::MAX,
        best: None,
        collided: false,
        transmitting: false,
        backhaul: false,
    }));
    out.metrics.add_events(u64::from(heard));
}

/// The sensors' radios, with ADR state where ADR runs.
pub type DeviceQuery<'w, 's> = Query<'w, 's, (&'static mut LoraDevice, Option<&'static mut Adr>)>;

/// What the transmit system writes.
#[derive(SystemParam)]
pub struct TransmitOut<'w> {
    air: ResMut<'w, Air>,
    inflight: ResMut<'w, InFlight>,
    deferred: ResMut<'w, Deferred>,
    trace: ResMut<'w, Trace>,
    metrics: ResMut<'w, Metrics>,
    outages: Res<'w, Outages>,
}
