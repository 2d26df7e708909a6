//! The gateway system: gateways forward what they decoded over their backhaul to the network
//! server, which keeps the first copy of each uplink (deduplication by uplink) and settles it
//! once every gateway that heard it has decided: delivered at the earliest arrival, or, when no
//! gateway decoded it, lost to collision (if any gateway lost it to interference) or to busy
//! gateways (if all of them lacked a free demodulator).
//!
//! Reads: `Receivers` decisions, `RunConfig` backhaul latencies. Writes: `InFlight`, `Metrics`.

use bevy_ecs::prelude::*;

use super::build::RunConfig;
use super::channel::{Receivers, RxOutcome};
use super::transmit::InFlight;
use crate::metrics::{LossCause, Metrics};
use crate::time::SimTime;

/// Forwards decisions to the network server and settles finished uplinks.
pub fn gateway(
    cfg: Res<RunConfig>,
    receivers: Res<Receivers>,
    mut inflight: ResMut<InFlight>,
    mut metrics: ResMut<Metrics>,
) {
    for (g, r) in receivers.gateways.iter().enumerate() {
        let backhaul = cfg.backhaul_us[g];
        for d in &r.decisions {
            let Some(p) = inflight.get_mut(d.uplink) else { continue };
            match d.outcome {
                RxOutcome::Decoded => p.arrival = p.arrival.min(d.end + backhaul),
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
                let cause = if p.collided {
                    LossCause::Collision
                } else {
                    LossCause::GatewayBusy
                };
                metrics.lost(at, p.district, p.group, cause);
            } else {
                metrics.delivered(at, p.district, p.group, SimTime(p.arrival - p.generated));
            }
        }
    }
}
