//! The transmit system: each reading becomes a LoRaWAN uplink on a randomly chosen channel,
//! starting at the reading's time and lasting the sensor's time on air. The uplink is handed to
//! every gateway that can hear it (its reach list) and tracked until all of them have decided.
//!
//! Reads: `Readings`, `Coverage`, `RunConfig`. Writes: `LoraDevice` frame counters, `Air`
//! (per-gateway inboxes), `InFlight`, `Metrics` (sent, out-of-range losses).

use std::collections::VecDeque;

use bevy_ecs::prelude::*;

use super::build::{Coverage, LoraDevice, RunConfig, Sensor};
use super::sense::Readings;
use crate::metrics::{LossCause, Metrics};
use crate::model::random::{Purpose, below, draw};
use crate::time::SimTime;

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

/// An uplink some gateway has not decided yet.
#[derive(Clone, Copy, Debug)]
pub struct Pending {
    /// When the reading was taken, µs.
    pub generated: u64,
    /// Sensor district.
    pub district: u16,
    /// Sensor group.
    pub group: u16,
    /// Gateways still to decide.
    pub waiting: u32,
    /// Earliest arrival at the network server over the gateways that decoded it (u64::MAX: none).
    pub arrival: u64,
    /// Whether some gateway lost it to interference.
    pub collided: bool,
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

/// Puts this step's readings on the air.
pub fn transmit(
    cfg: Res<RunConfig>,
    readings: Res<Readings>,
    coverage: Res<Coverage>,
    mut air: ResMut<Air>,
    mut inflight: ResMut<InFlight>,
    mut metrics: ResMut<Metrics>,
    mut devices: Query<(&Sensor, &mut LoraDevice)>,
) {
    for inbox in air.inbox.iter_mut() {
        inbox.clear();
    }
    for r in &readings.0 {
        let Ok((sensor, mut dev)) = devices.get_mut(r.entity) else {
            continue;
        };
        dev.fcnt += 1;
        metrics.sent();
        let reach = coverage.reach(r.sensor);
        if reach.is_empty() {
            metrics.lost(SimTime(r.at), sensor.district, sensor.group, LossCause::OutOfRange);
            continue;
        }
        let channel = below(
            draw(cfg.seed, Purpose::Channel, u64::from(r.sensor), u64::from(dev.fcnt)),
            u64::from(cfg.channels),
        ) as u8;
        let seq = inflight.next_seq();
        inflight.slots.push_back(Some(Pending {
            generated: r.at,
            district: sensor.district,
            group: sensor.group,
            waiting: reach.len() as u32,
            arrival: u64::MAX,
            collided: false,
        }));
        let end = r.at + u64::from(dev.airtime_us);
        for link in reach {
            air.inbox[link.gateway as usize].push(Rx {
                uplink: seq,
                start: r.at,
                end,
                rssi_dbm: link.rssi_dbm,
                channel,
                sf: dev.sf,
            });
        }
        metrics.add_events(reach.len() as u64);
    }
}
