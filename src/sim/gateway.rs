//! The gateway system: gateways forward what they decoded over their backhaul to the network
//! server, which keeps the first copy of each uplink (deduplication by uplink) and settles it
//! once every gateway that heard it has decided: delivered at the earliest arrival, or, when no
//! gateway decoded it, lost to collision (if any gateway lost it to interference) or to busy
//! gateways (if all of them lacked a free demodulator).
//!
//! With ADR on, the network server also keeps each device's recent SNRs and, when a different
//! spreading factor or TX power is due, answers in receive window 1 with the new setting.
//!
//! Reads: `Receivers` decisions, `RunConfig`, `LoraDevice`. Writes: `InFlight`, `Metrics`, `Adr`.

use bevy_ecs::prelude::*;

use super::build::{Adr, AdrChange, LoraDevice, RunConfig};
use super::channel::{Receivers, RxOutcome};
use super::transmit::{InFlight, Pending};
use crate::metrics::{LossCause, Metrics};
use crate::model::adr::{AdrParams, decide};
use crate::model::radio::SpreadingFactor;
use crate::time::SimTime;

/// Class A receive window 1 opens this long after an uplink ends; a LinkADRReq answered there
/// is in effect for the device's uplinks from then on.
pub const RX1_DELAY_US: u64 = 1_000_000;

/// Forwards decisions to the network server and settles finished uplinks.
pub fn gateway(
    cfg: Res<RunConfig>,
    receivers: Res<Receivers>,
    mut inflight: ResMut<InFlight>,
    mut metrics: ResMut<Metrics>,
    mut devices: Query<(&LoraDevice, &mut Adr)>,
) {
    for (g, r) in receivers.gateways.iter().enumerate() {
        let backhaul = cfg.backhaul_us[g];
        for d in &r.decisions {
            let Some(p) = inflight.get_mut(d.uplink) else { continue };
            match d.outcome {
                RxOutcome::Decoded => {
                    p.arrival = p.arrival.min(d.end + backhaul);
                    p.best_rssi_dbm = p.best_rssi_dbm.max(d.rssi_dbm);
                }
                RxOutcome::Collision => p.collided = true,
                RxOutcome::Busy => {}
            }
            p.waiting -= 1;
            if p.waiting > 0 {
                continue;
            }
            let Some(p) = inflight.settle(d.uplink) else { continue };
            let at = SimTime(p.generated);
            if p.arrival == u64::MAX {
                // Interference is the cause when any gateway lost it so; otherwise every gateway
                // that heard it was out of demodulators.
                let cause = if p.collided { LossCause::Collision } else { LossCause::GatewayBusy };
                metrics.lost(at, p.district, p.group, p.band, cause);
            } else {
                metrics.delivered(at, p.district, p.group, p.band, SimTime(p.arrival - p.generated));
                if let Some(params) = &cfg.adr
                    && let Ok((dev, mut adr)) = devices.get_mut(p.entity)
                {
                    adapt(params, &cfg, &p, d.end, dev, &mut adr);
                }
            }
        }
    }
}

/// The network server's ADR step for a delivered uplink: record its SNR (best gateway) and, when
/// the history is full and a different setting is due, send it down in RX1. The history is
/// cleared after a change so that the next decision rests on SNRs measured at the new setting.
fn adapt(params: &AdrParams, cfg: &RunConfig, p: &Pending, end: u64, dev: &LoraDevice, adr: &mut Adr) {
    // The SNR at the setting the device sent with (ns-3 RxPowerToSNR: no interference term).
    adr.history.push(f64::from(p.best_rssi_dbm) - cfg.noise_floor_dbm);
    let (sf, offset) = adr.next.map_or((dev.sf, dev.tx_offset_db), |c| (c.sf, c.tx_offset_db));
    let configured = cfg.tx_dbm[usize::from(p.group)];
    let Some(current) = SpreadingFactor::new(sf) else { return };
    let Some((new_sf, new_tx)) = decide(params, &adr.history, current, configured + f64::from(offset)) else { return };
    let new_offset = (new_tx - configured) as f32;
    if new_sf != current || (new_offset - offset).abs() > 1e-3 {
        adr.next = Some(AdrChange { at: end + RX1_DELAY_US, sf: new_sf.value(), tx_offset_db: new_offset });
        adr.history.clear();
    }
}
