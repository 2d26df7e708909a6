//! The gateway system: gateways forward what they decoded over their backhaul to the network
//! server, which keeps the first copy of each attempt (deduplication) and settles it once every
//! gateway that heard it has decided: decoded at the earliest arrival, or, when no gateway
//! decoded it, lost to collision (if any gateway lost it to interference), to a gateway busy
//! transmitting a downlink, or to busy demodulators. What follows (ACKs, retransmissions, ADR,
//! the reading's final count) is `mac::settle`.
//!
//! Reads: `Receivers` decisions, `RunConfig`. Writes: `InFlight`, `Receivers` (downlinks),
//! `Deferred` (retransmissions), `LoraDevice`/`Adr`, `Metrics`.

use bevy_ecs::prelude::*;

use super::build::{Adr, LoraDevice, RunConfig};
use super::channel::{Receivers, RxOutcome};
use super::clock::Clock;
use super::failures::Outages;
use super::mac::{self, Attempt, MacCtx};
use super::transmit::{Deferred, InFlight};
use crate::metrics::{LossCause, Metrics};

/// Forwards decisions to the network server and settles attempts every gateway has decided.
pub fn gateway(
    clock: Res<Clock>,
    cfg: Res<RunConfig>,
    mut receivers: ResMut<Receivers>,
    mut inflight: ResMut<InFlight>,
    (mut metrics, mut deferred): (ResMut<Metrics>, ResMut<Deferred>),
    mut outages: ResMut<Outages>,
    mut devices: Query<(&LoraDevice, &mut Adr)>,
) {
    let mut settled = Vec::new();
    for (g, r) in receivers.gateways.iter().enumerate() {
        let backhaul = cfg.backhaul_us[g];
        for d in &r.decisions {
            let Some(p) = inflight.get_mut(d.uplink) else { continue };
            match d.outcome {
                RxOutcome::Decoded => {
                    // A cut backhaul holds the copy until the link returns, if the buffer has room.
                    let mut sent = d.end;
                    if let Some(cut) =
                        outages.cuts.get_mut(g).and_then(|c| c.iter_mut().find(|c| c.start <= d.end && d.end < c.end))
                    {
                        if cut.held >= cut.buffer {
                            p.backhaul = true;
                            p.waiting -= 1;
                            if p.waiting == 0
                                && let Some(p) = inflight.settle(d.uplink)
                            {
                                settled.push(p);
                            }
                            continue;
                        }
                        cut.held += 1;
                        sent = cut.end;
                    }
                    p.arrival = p.arrival.min(sent + backhaul);
                    if p.best.is_none_or(|(_, rssi)| d.rssi_dbm > rssi) {
                        p.best = Some((g as u32, d.rssi_dbm));
                    }
                }
                RxOutcome::Collision => p.collided = true,
                RxOutcome::Transmitting => p.transmitting = true,
                RxOutcome::Busy => {}
            }
            p.waiting -= 1;
            if p.waiting == 0
                && let Some(p) = inflight.settle(d.uplink)
            {
                settled.push(p);
            }
        }
    }
    // Settle in time order (not gateway order), so that ACKs take each gateway's downlink duty
    // cycle first come, first served whatever the step width.
    settled.sort_unstable_by_key(|p| (p.end, p.tx.start, p.tx.sensor, p.tx.attempt));
    let mut ctx = MacCtx {
        cfg: &cfg,
        metrics: &mut metrics,
        deferred: &mut deferred,
        gateways: Some(&mut receivers.gateways),
        last_step: clock.draining,
    };
    for p in settled {
        // Interference is the cause when any gateway lost it so; then a gateway deafened by its
        // own downlink; otherwise every gateway that heard it was out of demodulators.
        let cause = if p.backhaul {
            LossCause::Backhaul
        } else if p.collided {
            LossCause::Collision
        } else if p.transmitting {
            LossCause::GatewayTransmitting
        } else {
            LossCause::GatewayBusy
        };
        let attempt = Attempt { tx: p.tx, end: p.end, arrival: p.arrival, cause, best: p.best };
        if mac::wants_device(&attempt, ctx.cfg)
            && let Ok((dev, adr)) = devices.get_mut(p.tx.entity)
        {
            mac::settle(attempt, Some((dev, adr.into_inner())), &mut ctx);
        } else {
            mac::settle(attempt, None, &mut ctx);
        }
    }
}
