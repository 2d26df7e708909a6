//! The channel system: what each gateway's radio makes of the transmissions that reach it.
//!
//! - Demodulators: a concentrator has a fixed number of demodulation paths (SX1301: 8); a
//!   packet that arrives while all are locked on other packets is lost (`gateway_busy`), though
//!   it still interferes with the others on the air.
//! - Interference on the same channel: co-SF overlaps are resolved pairwise by the scenario's
//!   rule (ALOHA or LoRaSim capture, `model::interference`); with inter-SF interference on, or
//!   under ns-3's SIR model, each reception also sums interference energy per interfering SF
//!   over the overlap and is tested against the GOURSAUD isolation matrix when it ends.
//!
//! A reception is decided once no later transmission can overlap it, so receptions that
//! straddle a step boundary are carried into the next step. Gateways are independent here and
//! resolved in parallel (rayon); each depends only on its own inbox, so runs are identical at
//! any thread count.
//!
//! Reads: `Air`, `Clock`, `RunConfig`. Writes: `Receivers` (per-gateway state and decisions).

use bevy_ecs::prelude::*;
use rayon::prelude::*;

use super::build::{RunConfig, sf_index};
use super::clock::Clock;
use super::transmit::{Air, Rx};
use crate::model::duty_cycle::DutyCycleTracker;
use crate::model::interference::{Rule, Signal, energy, resolve, survives_sir};

/// Which energy-based SIR tests a receiver applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SirTest {
    /// None: spreading factors are orthogonal.
    Off,
    /// Only between different SFs (co-SF overlaps are left to the pairwise rule).
    CrossSf,
    /// Between all SFs, including the co-SF diagonal (ns-3).
    All,
}

/// How a gateway's receiver resolves overlaps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReceiverModel {
    /// Pairwise rule for co-SF overlaps, if any (None under ns-3's SIR model).
    pub same_sf: Option<Rule>,
    /// Energy-based SIR test.
    pub sir: SirTest,
}

/// What became of one reception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxOutcome {
    /// Decoded.
    Decoded,
    /// Lost to interference.
    Collision,
    /// No free demodulation path when it arrived.
    Busy,
    /// The gateway was transmitting a downlink during it (gateways are half-duplex).
    Transmitting,
}

/// A reception a gateway is still listening to.
#[derive(Clone, Copy, Debug)]
struct Active {
    rx: Rx,
    collided: bool,
    busy: bool,
    /// Interference energy per interfering SF (mW·µs), when SIR tests are on.
    interference: [f64; 6],
}

/// A gateway's decision about one uplink.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    /// Uplink sequence number.
    pub uplink: u64,
    /// When the reception ended, µs.
    pub end: u64,
    /// What became of it.
    pub outcome: RxOutcome,
    /// Received power, dBm.
    pub rssi_dbm: f32,
}

/// One gateway's receiver: receptions in progress per channel, locked demodulators, counters.
#[derive(Clone, Debug)]
pub struct Receiver {
    active: Vec<Vec<Active>>,
    /// End times of receptions holding a demodulation path.
    path_ends: Vec<u64>,
    paths: usize,
    /// Decisions made in this step, in time order.
    pub decisions: Vec<Decision>,
    /// Receptions above sensitivity.
    pub receptions: u64,
    /// Decoded receptions.
    pub decoded: u64,
    /// Receptions lost to interference.
    pub collided: u64,
    /// Receptions lost for want of a demodulation path.
    pub busy: u64,
    /// Receptions lost while the gateway was transmitting.
    pub deafened: u64,
    /// Sum of received airtime, µs.
    pub airtime_us: u64,
    /// The gateway's own downlink duty cycle (RX1 sub-bands, then RX2's).
    pub downlink: DutyCycleTracker,
    /// Downlink transmissions (start, end), µs, during which it hears nothing.
    tx_windows: Vec<(u64, u64)>,
    /// Downlinks sent.
    pub downlinks: u64,
}

impl Receiver {
    /// A receiver listening on `channels` channels with `paths` demodulators, tracking the duty
    /// cycle of `downlink_bands` sub-bands for its own transmissions.
    pub fn new(channels: u8, paths: u8, downlink_bands: usize) -> Self {
        Receiver {
            active: vec![Vec::new(); channels as usize],
            path_ends: Vec::new(),
            paths: usize::from(paths),
            decisions: Vec::new(),
            receptions: 0,
            decoded: 0,
            collided: 0,
            busy: 0,
            deafened: 0,
            airtime_us: 0,
            downlink: DutyCycleTracker::new(downlink_bands),
            tx_windows: Vec::new(),
            downlinks: 0,
        }
    }

    /// The gateway transmits from `start` to `end`: receptions overlapping it are lost.
    pub fn transmit(&mut self, start: u64, end: u64) {
        self.tx_windows.push((start, end));
        self.downlinks += 1;
    }

    fn retire(&mut self, channel: usize, before: u64, model: ReceiverModel) {
        let list = &mut self.active[channel];
        let mut i = 0;
        while i < list.len() {
            if list[i].rx.end > before {
                i += 1;
                continue;
            }
            let a = list.swap_remove(i);
            let duration = a.rx.end - a.rx.start;
            let sir_lost = model.sir != SirTest::Off
                && !survives_sir(
                    sf_index(a.rx.sf),
                    energy(a.rx.rssi_dbm, duration),
                    &a.interference,
                    model.sir == SirTest::CrossSf,
                );
            let deaf = self.tx_windows.iter().any(|&(s, e)| s < a.rx.end && a.rx.start < e);
            let outcome = if a.busy {
                RxOutcome::Busy
            } else if deaf {
                RxOutcome::Transmitting
            } else if a.collided || sir_lost {
                RxOutcome::Collision
            } else {
                RxOutcome::Decoded
            };
            self.receptions += 1;
            self.airtime_us += duration;
            match outcome {
                RxOutcome::Decoded => self.decoded += 1,
                RxOutcome::Collision => self.collided += 1,
                RxOutcome::Busy => self.busy += 1,
                RxOutcome::Transmitting => self.deafened += 1,
            }
            self.decisions.push(Decision { uplink: a.rx.uplink, end: a.rx.end, outcome, rssi_dbm: a.rx.rssi_dbm });
        }
    }

    /// Takes one step's inbox (in start order) and decides every reception that ends by
    /// `horizon` (no later transmission can overlap those).
    pub fn process(&mut self, inbox: &[Rx], horizon: u64, model: ReceiverModel, symbol_us: &[f64; 6]) {
        self.decisions.clear();
        for rx in inbox {
            let ch = usize::from(rx.channel);
            self.retire(ch, rx.start, model);
            self.path_ends.retain(|&end| end > rx.start);
            let busy = self.path_ends.len() >= self.paths;
            if !busy {
                self.path_ends.push(rx.end);
            }
            let mut new = Active { rx: *rx, collided: false, busy, interference: [0.0; 6] };
            let newer = signal(rx, symbol_us);
            for a in self.active[ch].iter_mut() {
                let same_sf = a.rx.sf == rx.sf;
                if same_sf && let Some(rule) = model.same_sf {
                    let (old_lost, lost) = resolve(rule, &signal(&a.rx, symbol_us), &newer);
                    a.collided |= old_lost;
                    new.collided |= lost;
                }
                if model.sir == SirTest::All || (model.sir == SirTest::CrossSf && !same_sf) {
                    let overlap = a.rx.end.min(rx.end) - rx.start;
                    a.interference[sf_index(rx.sf)] += energy(rx.rssi_dbm, overlap);
                    new.interference[sf_index(a.rx.sf)] += energy(a.rx.rssi_dbm, overlap);
                }
            }
            self.active[ch].push(new);
        }
        for ch in 0..self.active.len() {
            self.retire(ch, horizon, model);
        }
        // Downlinks that ended before anything still on the air began can no longer matter.
        let oldest = self.active.iter().flatten().map(|a| a.rx.start).min().unwrap_or(horizon);
        self.tx_windows.retain(|&(_, end)| end > oldest);
        // Decisions come out per channel; order them so that downstream work is in time order.
        self.decisions.sort_unstable_by_key(|d| (d.end, d.uplink));
    }
}

fn signal(rx: &Rx, symbol_us: &[f64; 6]) -> Signal {
    Signal { start_us: rx.start, end_us: rx.end, rssi_dbm: rx.rssi_dbm, symbol_us: symbol_us[sf_index(rx.sf)] }
}

/// All gateways' receivers and the interference model.
#[derive(Resource)]
pub struct Receivers {
    /// One per gateway.
    pub gateways: Vec<Receiver>,
    /// The interference model.
    pub model: ReceiverModel,
}

/// Resolves demodulator contention and interference at every gateway for this step.
pub fn channel(clock: Res<Clock>, cfg: Res<RunConfig>, air: Res<Air>, mut receivers: ResMut<Receivers>) {
    let horizon = if clock.draining { u64::MAX } else { clock.step_end.0 };
    let model = receivers.model;
    let symbol_us = cfg.symbol_us;
    receivers
        .gateways
        .par_iter_mut()
        .zip(air.inbox.par_iter())
        .for_each(|(r, inbox)| r.process(inbox, horizon, model, &symbol_us));
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALOHA: ReceiverModel = ReceiverModel { same_sf: Some(Rule::Aloha), sir: SirTest::Off };
    const SYM: [f64; 6] = [1024.0, 2048.0, 4096.0, 8192.0, 16384.0, 32768.0];

    fn rx(uplink: u64, start: u64, end: u64, channel: u8, sf: u8, rssi_dbm: f32) -> Rx {
        Rx { uplink, start, end, rssi_dbm, channel, sf }
    }

    fn outcomes(r: &Receiver) -> Vec<(u64, RxOutcome)> {
        let mut v: Vec<_> = r.decisions.iter().map(|d| (d.uplink, d.outcome)).collect();
        v.sort_by_key(|d| d.0);
        v
    }

    #[test]
    fn overlaps_collide_only_on_same_channel_and_sf() {
        let mut r = Receiver::new(2, 8, 0);
        let inbox = [
            rx(0, 0, 100, 0, 7, -100.0),
            rx(1, 50, 150, 0, 7, -100.0),
            rx(2, 60, 160, 1, 7, -100.0),
            rx(3, 70, 170, 0, 8, -100.0),
            rx(4, 150, 250, 0, 7, -100.0),
        ];
        r.process(&inbox, 1_000, ALOHA, &SYM);
        let lost: Vec<u64> = r.decisions.iter().filter(|d| d.outcome != RxOutcome::Decoded).map(|d| d.uplink).collect();
        // 0 and 1 overlap on ch0/SF7; 4 starts exactly when 1 ends (no overlap).
        assert_eq!(lost, vec![0, 1]);
        assert_eq!(r.receptions, 5);
    }

    #[test]
    fn straddling_receptions_wait_for_the_next_step() {
        let mut r = Receiver::new(1, 8, 0);
        r.process(&[rx(0, 0, 150, 0, 7, -100.0)], 100, ALOHA, &SYM);
        assert!(r.decisions.is_empty());
        r.process(&[rx(1, 120, 200, 0, 7, -100.0)], 300, ALOHA, &SYM);
        assert_eq!(r.decisions.iter().filter(|d| d.outcome == RxOutcome::Collision).count(), 2);
    }

    #[test]
    fn a_ninth_concurrent_packet_finds_no_demodulator() {
        // Eight packets on eight channels hold all eight SX1301 paths; the ninth, arriving
        // while they are all on the air, is lost as busy; a tenth after they end is decoded.
        let mut r = Receiver::new(8, 8, 0);
        let mut inbox: Vec<Rx> = (0..8).map(|k| rx(k, k * 10, 1_000 + k * 10, k as u8, 7, -100.0)).collect();
        inbox.push(rx(8, 500, 1_500, 0, 9, -100.0));
        inbox.push(rx(9, 2_000, 3_000, 1, 7, -100.0));
        r.process(&inbox, 10_000, ALOHA, &SYM);
        let o = outcomes(&r);
        assert!(o[..8].iter().all(|(_, x)| *x == RxOutcome::Decoded), "{o:?}");
        assert_eq!(o[8], (8, RxOutcome::Busy));
        assert_eq!(o[9], (9, RxOutcome::Decoded));
        assert_eq!(r.busy, 1);
    }

    #[test]
    fn sf7_versus_sf12_resolves_per_the_sir_matrix() {
        let model = ReceiverModel { same_sf: Some(Rule::Aloha), sir: SirTest::CrossSf };
        // An SF12 packet (1 s, -125 dBm) fully covering an SF7 packet (50 ms, -90 dBm). SF12's
        // energy against the SF7 one: SIR = (-125 dBm x 1 s) / (-90 dBm x 50 ms) = -35 + 13.0
        // = -22.0 dB >= -36 dB: survives. SF7 against SF12: +35 dB >= -16 dB: survives.
        let mut r = Receiver::new(1, 8, 0);
        r.process(&[rx(0, 0, 1_000_000, 0, 12, -125.0), rx(1, 100_000, 150_000, 0, 7, -90.0)], u64::MAX, model, &SYM);
        assert_eq!(outcomes(&r), vec![(0, RxOutcome::Decoded), (1, RxOutcome::Decoded)]);
        // Now the SF7 interferer lasts 900 ms at -85 dBm: SIR for SF12 = -40 + 0.46 = -39.5 dB
        // < -36 dB: the SF12 packet is lost; the SF7 one (SIR +40 dB) survives.
        let mut r = Receiver::new(1, 8, 0);
        r.process(&[rx(0, 0, 1_000_000, 0, 12, -125.0), rx(1, 100_000, 1_000_000, 0, 7, -85.0)], u64::MAX, model, &SYM);
        assert_eq!(outcomes(&r), vec![(0, RxOutcome::Collision), (1, RxOutcome::Decoded)]);
        // With SFs orthogonal (inter-SF off) both survive.
        let mut r = Receiver::new(1, 8, 0);
        r.process(&[rx(0, 0, 1_000_000, 0, 12, -125.0), rx(1, 100_000, 1_000_000, 0, 7, -85.0)], u64::MAX, ALOHA, &SYM);
        assert_eq!(outcomes(&r), vec![(0, RxOutcome::Decoded), (1, RxOutcome::Decoded)]);
    }

    #[test]
    fn a_transmitting_gateway_hears_nothing() {
        // A downlink from 1,000 to 2,000 µs deafens the gateway: a reception overlapping it is
        // lost as Transmitting, one after it is decoded.
        let mut r = Receiver::new(1, 8, 0);
        r.transmit(1_000, 2_000);
        r.process(&[rx(0, 500, 1_500, 0, 7, -100.0), rx(1, 2_000, 3_000, 0, 7, -100.0)], u64::MAX, ALOHA, &SYM);
        assert_eq!(outcomes(&r), vec![(0, RxOutcome::Transmitting), (1, RxOutcome::Decoded)]);
        assert_eq!((r.deafened, r.downlinks), (1, 1));
    }
}
