//! The channel system: at each gateway, transmissions that overlap in time on the same channel
//! and spreading factor interfere, resolved pairwise by the scenario's model (ALOHA or capture,
//! `model::interference`). A reception is final once no later transmission can overlap it, so
//! receptions that straddle a step boundary are carried into the next step.
//!
//! Gateways are independent here, so they are resolved in parallel (rayon); each gateway's
//! result depends only on its own inbox, which keeps runs identical at any thread count.
//!
//! Reads: `Air`, `Clock`, `RunConfig`. Writes: `Receivers` (per-gateway state and decisions).

use bevy_ecs::prelude::*;
use rayon::prelude::*;

use super::build::RunConfig;
use super::clock::Clock;
use super::transmit::{Air, Rx};
use crate::model::interference::{Rule, Signal, resolve};

/// A reception a gateway is still listening to.
#[derive(Clone, Copy, Debug)]
struct Active {
    rx: Rx,
    lost: bool,
}

/// A gateway's decision about one uplink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Uplink sequence number.
    pub uplink: u64,
    /// When the reception ended, µs.
    pub end: u64,
    /// Decoded (true) or lost to interference.
    pub decoded: bool,
}

/// One gateway's receiver: receptions in progress per channel, and its counters.
#[derive(Clone, Debug, Default)]
pub struct Receiver {
    active: Vec<Vec<Active>>,
    /// Decisions made in this step, in the order they became final.
    pub decisions: Vec<Decision>,
    /// Receptions above sensitivity.
    pub receptions: u64,
    /// Decoded receptions.
    pub decoded: u64,
    /// Receptions lost to interference.
    pub collided: u64,
    /// Sum of received airtime, µs.
    pub airtime_us: u64,
}

impl Receiver {
    /// A receiver listening on `channels` channels.
    pub fn new(channels: u8) -> Self {
        Receiver {
            active: vec![Vec::new(); channels as usize],
            ..Default::default()
        }
    }

    fn retire(&mut self, channel: usize, before: u64) {
        let list = &mut self.active[channel];
        let mut i = 0;
        while i < list.len() {
            if list[i].rx.end <= before {
                let a = list.swap_remove(i);
                self.receptions += 1;
                self.airtime_us += a.rx.end - a.rx.start;
                if a.lost {
                    self.collided += 1;
                } else {
                    self.decoded += 1;
                }
                self.decisions.push(Decision {
                    uplink: a.rx.uplink,
                    end: a.rx.end,
                    decoded: !a.lost,
                });
            } else {
                i += 1;
            }
        }
    }

    /// Takes one step's inbox (in start order) and decides every reception that ends by
    /// `horizon` (no later transmission can overlap those).
    pub fn process(&mut self, inbox: &[Rx], horizon: u64, rule: Rule, symbol_us: &[f64; 6]) {
        self.decisions.clear();
        for rx in inbox {
            let ch = rx.channel as usize;
            self.retire(ch, rx.start);
            let newer = signal(rx, symbol_us);
            let mut new_lost = false;
            for a in self.active[ch].iter_mut().filter(|a| a.rx.sf == rx.sf) {
                let (old_lost, lost) = resolve(rule, &signal(&a.rx, symbol_us), &newer);
                a.lost |= old_lost;
                new_lost |= lost;
            }
            self.active[ch].push(Active {
                rx: *rx,
                lost: new_lost,
            });
        }
        for ch in 0..self.active.len() {
            self.retire(ch, horizon);
        }
        // Decisions come out per channel; order them so that downstream work is in time order.
        self.decisions.sort_unstable_by_key(|d| (d.end, d.uplink));
    }
}

fn signal(rx: &Rx, symbol_us: &[f64; 6]) -> Signal {
    Signal {
        start_us: rx.start,
        end_us: rx.end,
        rssi_dbm: rx.rssi_dbm,
        symbol_us: symbol_us[(rx.sf.clamp(7, 12) - 7) as usize],
    }
}

/// All gateways' receivers and the interference rule.
#[derive(Resource)]
pub struct Receivers {
    /// One per gateway.
    pub gateways: Vec<Receiver>,
    /// The interference rule.
    pub rule: Rule,
}

/// Resolves interference at every gateway for this step.
pub fn channel(clock: Res<Clock>, cfg: Res<RunConfig>, air: Res<Air>, mut receivers: ResMut<Receivers>) {
    let horizon = if clock.draining { u64::MAX } else { clock.step_end.0 };
    let rule = receivers.rule;
    let symbol_us = cfg.symbol_us;
    receivers
        .gateways
        .par_iter_mut()
        .zip(air.inbox.par_iter())
        .for_each(|(r, inbox)| r.process(inbox, horizon, rule, &symbol_us));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rx(uplink: u64, start: u64, end: u64, channel: u8, sf: u8) -> Rx {
        Rx {
            uplink,
            start,
            end,
            rssi_dbm: -100.0,
            channel,
            sf,
        }
    }

    #[test]
    fn overlaps_collide_only_on_same_channel_and_sf() {
        let mut r = Receiver::new(2);
        let sym = [1024.0; 6];
        let inbox = [
            rx(0, 0, 100, 0, 7),
            rx(1, 50, 150, 0, 7),
            rx(2, 60, 160, 1, 7),
            rx(3, 70, 170, 0, 8),
            rx(4, 150, 250, 0, 7),
        ];
        r.process(&inbox, 1_000, Rule::Aloha, &sym);
        let lost: Vec<u64> = r.decisions.iter().filter(|d| !d.decoded).map(|d| d.uplink).collect();
        // 0 and 1 overlap on ch0/SF7; 4 starts exactly when 1 ends (no overlap).
        assert_eq!(lost, vec![0, 1]);
        assert_eq!(r.receptions, 5);
    }

    #[test]
    fn straddling_receptions_wait_for_the_next_step() {
        let mut r = Receiver::new(1);
        let sym = [1024.0; 6];
        r.process(&[rx(0, 0, 150, 0, 7)], 100, Rule::Aloha, &sym);
        assert!(r.decisions.is_empty());
        r.process(&[rx(1, 120, 200, 0, 7)], 300, Rule::Aloha, &sym);
        assert_eq!(r.decisions.iter().filter(|d| !d.decoded).count(), 2);
    }
}
