//! LoRaWAN MAC behaviour around an uplink's outcome, once every gateway that heard an attempt
//! has decided (or none could hear it):
//!
//! - the network server answers a decoded confirmed uplink with an ACK from the best gateway,
//!   in RX1 (1 s after the uplink, same channel and SF) if that gateway's sub-band duty cycle
//!   allows, else in RX2 (2 s, SF12 on 869.525 MHz, the 10 % sub-band), else not at all; a
//!   gateway is half-duplex, so receptions overlapping its downlink are lost;
//! - a confirmed uplink without an ACK is retransmitted after RX2 and the ACK timeout
//!   (2 s + 1..3 s), up to the group's limit; an unconfirmed one is repeated NbTrans times;
//! - the network server deduplicates by frame counter: a reading counts once, delivered at its
//!   first decoded copy, or lost for the cause of its last attempt;
//! - ADR (ns-3 / FLoRa) runs on every decoded attempt and answers in RX1.
//!
//! Downlinks themselves are assumed to reach the device (no downlink interference).

use std::cmp::Reverse;

use super::build::{Adr, AdrChange, LoraDevice, RunConfig, sf_index};
use super::channel::Receiver;
use super::transmit::{Deferred, Planned};
use crate::metrics::collect::Delivered;
use crate::metrics::{LossCause, Metrics};
use crate::model::adr::{AdrParams, decide};
use crate::model::radio::SpreadingFactor;
use crate::model::random::{Purpose, draw, unit};
use crate::time::SimTime;

/// Class A receive window 1 opens this long after an uplink ends.
pub const RX1_DELAY_US: u64 = 1_000_000;
/// Receive window 2 opens this long after an uplink ends.
pub const RX2_DELAY_US: u64 = 2_000_000;
/// LoRaWAN ACK_TIMEOUT: a retransmission waits 2 s ± 1 s after RX2.
pub const ACK_TIMEOUT_US: (u64, u64) = (1_000_000, 3_000_000);

/// Per-group MAC settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupMac {
    /// Confirmed uplinks.
    pub confirmed: bool,
    /// Transmissions per reading at most: NbTrans (unconfirmed) or the retry limit (confirmed).
    pub transmissions: u8,
}

/// How one attempt ended.
#[derive(Clone, Copy, Debug)]
pub struct Attempt {
    /// The transmission.
    pub tx: Planned,
    /// When it ended, µs.
    pub end: u64,
    /// Earliest arrival of this attempt at the network server (u64::MAX: not decoded).
    pub arrival: u64,
    /// Why it failed, when not decoded.
    pub cause: LossCause,
    /// Strongest decoding gateway and its received power.
    pub best: Option<(u32, f32)>,
}

/// What settling may touch.
pub struct MacCtx<'a> {
    /// Run constants.
    pub cfg: &'a RunConfig,
    /// Collectors.
    pub metrics: &'a mut Metrics,
    /// Where retransmissions wait for their step.
    pub deferred: &'a mut Deferred,
    /// Gateway receivers (downlink duty cycle, half-duplex windows); None when no gateway
    /// decoded the attempt.
    pub gateways: Option<&'a mut [Receiver]>,
    /// The run's last step: nothing more will be sent, so every attempt is final.
    pub last_step: bool,
}

/// Whether settling `a` may change the device (ADR): only then does the caller need to look
/// the device up, which costs a random memory access per uplink.
pub fn wants_device(a: &Attempt, cfg: &RunConfig) -> bool {
    cfg.adr.is_some() && a.arrival != u64::MAX && !a.tx.bogus
}

/// Settles one attempt: ACK, retransmission or repetition, ADR, and the reading's final count.
/// `device` must be given when [`wants_device`] says so.
pub fn settle(a: Attempt, device: Option<(&LoraDevice, &mut Adr)>, ctx: &mut MacCtx<'_>) {
    let tx = a.tx;
    if tx.bogus {
        // A flood uplink: no ACK, no retry, no ADR, not a reading.
        ctx.metrics.attack.flood_delivered += u64::from(a.arrival != u64::MAX);
        return;
    }
    let mac = ctx.cfg.mac[usize::from(tx.group)];
    let decoded = a.arrival != u64::MAX;
    let (arrival, gateway) = if a.arrival < tx.prior_arrival {
        (a.arrival, a.best.map_or(u32::MAX, |b| b.0))
    } else {
        (tx.prior_arrival, tx.prior_gateway)
    };
    if decoded
        && let (Some(params), Some((dev, adr))) = (&ctx.cfg.adr, device)
        && let Some((_, rssi)) = a.best
    {
        adapt(params, ctx.cfg, tx.group, rssi, a.end, dev, adr);
    }
    let acked = decoded && mac.confirmed && a.best.is_some_and(|(g, _)| ack(ctx, g as usize, &tx, a.end));
    let again = (!mac.confirmed || !acked) && tx.attempt < mac.transmissions && !ctx.last_step;
    if again {
        // The device's retry timer fires after RX2 and the ACK timeout; the transmit system
        // picks its channel then, under the duty cycle as it stands at that moment.
        let wait = draw(ctx.cfg.seed, Purpose::Retransmission, u64::from(tx.sensor), counter(tx.seq, tx.attempt));
        let (lo, hi) = ACK_TIMEOUT_US;
        let at = a.end + RX2_DELAY_US + lo + (unit(wait) * (hi - lo) as f64) as u64;
        let retry = Planned {
            start: at,
            unplanned: true,
            attempt: tx.attempt + 1,
            prior_arrival: arrival,
            prior_gateway: gateway,
            ..tx
        };
        ctx.deferred.0.push(Reverse(retry));
        return;
    }
    finish(&Planned { prior_gateway: gateway, ..tx }, arrival, a.cause, ctx.metrics);
}

/// The key of an attempt's random draws: frame counter and attempt number.
pub fn counter(seq: u32, attempt: u8) -> u64 {
    (u64::from(seq) << 4) | u64::from(attempt.saturating_sub(1) & 0xF)
}

/// Counts a reading once, finally: delivered at its first decoded copy (`arrival`, through
/// `tx.prior_gateway`), or lost.
pub fn finish(tx: &Planned, arrival: u64, cause: LossCause, metrics: &mut Metrics) {
    let at = SimTime(tx.generated);
    if arrival == u64::MAX {
        metrics.lost(at, tx.district, tx.group, cause);
    } else {
        metrics.delivered(at, tx.sensor, tx.district, tx.group, tx.band, SimTime(arrival - tx.generated));
        metrics.forward(Delivered {
            id: u64::from(tx.sensor) << 32 | u64::from(tx.seq),
            intended: tx.generated,
            arrival,
            gateway: (tx.prior_gateway != u32::MAX).then_some(tx.prior_gateway),
            group: tx.group,
        });
    }
}

/// The network server's ACK for a decoded confirmed uplink, through gateway `g`: RX1 if its
/// duty cycle allows, else RX2, else none. Returns whether an ACK went out.
fn ack(ctx: &mut MacCtx<'_>, g: usize, tx: &Planned, end: u64) -> bool {
    let cfg = ctx.cfg;
    let Some(rx) = ctx.gateways.as_deref_mut().and_then(|gws| gws.get_mut(g)) else { return false };
    let dl = &cfg.downlink;
    let sf_i = sf_index(tx.sf);
    let rx1 = (end + RX1_DELAY_US, dl.rx1_band(tx.channel), dl.ack_airtime_us[sf_i]);
    let rx2 = (end + RX2_DELAY_US, dl.rx2_band, dl.ack_airtime_us[5]);
    for (window, (at, band, airtime)) in [rx1, rx2].into_iter().enumerate() {
        let open = band.is_none_or(|b| rx.downlink.open_at(b) <= at);
        if open {
            if let Some(b) = band {
                rx.downlink.record(b, at, airtime, dl.band_duty[b]);
            }
            rx.transmit(at, at + airtime);
            ctx.metrics.ack(window == 0);
            return true;
        }
    }
    ctx.metrics.ack_blocked();
    false
}

/// The network server's ADR step for a decoded uplink: record its SNR (best gateway) and, when
/// the history is full and a different setting is due, send it down in RX1. The history is
/// cleared after a change so that the next decision rests on SNRs measured at the new setting.
fn adapt(params: &AdrParams, cfg: &RunConfig, group: u16, rssi_dbm: f32, end: u64, dev: &LoraDevice, adr: &mut Adr) {
    // The SNR at the setting the device sent with (ns-3 RxPowerToSNR: no interference term).
    adr.history.push(f64::from(rssi_dbm) - cfg.noise_floor_dbm);
    let (sf, offset) = adr.next.map_or((dev.sf, dev.tx_offset_db), |c| (c.sf, c.tx_offset_db));
    let configured = cfg.tx_dbm[usize::from(group)];
    let Some(current) = SpreadingFactor::new(sf) else { return };
    let Some((new_sf, new_tx)) = decide(params, &adr.history, current, configured + f64::from(offset)) else { return };
    let new_offset = (new_tx - configured) as f32;
    if new_sf != current || (new_offset - offset).abs() > 1e-3 {
        adr.next = Some(AdrChange { at: end + RX1_DELAY_US, sf: new_sf.value(), tx_offset_db: new_offset });
        adr.history.clear();
    }
}
