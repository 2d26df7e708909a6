//! Network-side adaptive data rate (ADR): from the SNRs of a device's recent uplinks, the network
//! server picks a faster spreading factor and a lower transmit power when the link has margin to spare,
//! and a higher power when it has too little.
//!
//! What lives here: the ADR arithmetic of ns-3 `lorawan`'s `AdrComponent` (with FLoRa's variant as a
//! parameter set), a fixed-size per-device SNR history, and the RSSI-to-SNR conversion.
//!
//! What does not live here: no ECS components or systems, no MAC commands or downlink scheduling. When
//! to decide (ns-3: every uplink with the ADR bit once the history is full; FLoRa: every 20th frame),
//! how to combine the RSSIs of several gateways into one SNR per frame (ns-3 default: average RSSI;
//! FLoRa: best gateway), and whether to clear the history after a change are the engine's choices.

use crate::model::radio::{SpreadingFactor, noise_floor_dbm, required_snr_db};

/// Longest SNR history an [`AdrState`] keeps (FLoRa's 20-frame window). Fixed so the state is inline
/// and small: the engine may hold one per device for a million devices.
pub const ADR_MAX_HISTORY: usize = 20;

/// How the SNRs in the history are reduced to the one value ADR uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SnrCombine {
    /// Arithmetic mean in dB (ns-3 `MultiplePacketsCombiningMethod` default, `avg`).
    Average,
    /// Best frame (FLoRa `adrMethod = "max"`, Semtech's recommended algorithm).
    Maximum,
    /// Worst frame (ns-3 `min` option; the most conservative).
    Minimum,
}

/// How the SNR margin in units of 3 dB becomes a whole number of steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepRounding {
    /// `floor(margin / 3)` (ns-3, REFERENCE.md).
    Floor,
    /// `round(margin / 3)`, halves away from zero (FLoRa's `round()`).
    Nearest,
}

/// Tunables of the ADR algorithm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdrParams {
    /// Safety margin in dB kept above the required SNR ("device margin").
    pub margin_db: f64,
    /// Number of most recent frames the decision uses; clamped to `1..=ADR_MAX_HISTORY`.
    pub history: usize,
    /// Lowest transmit power the server may command, dBm.
    pub min_tx_dbm: f64,
    /// Highest transmit power the server may command, dBm.
    pub max_tx_dbm: f64,
    /// Transmit power change per step, dB (must be positive).
    pub tx_step_db: f64,
    /// How the history is reduced to one SNR.
    pub combine: SnrCombine,
    /// How the margin becomes whole steps.
    pub rounding: StepRounding,
}

impl AdrParams {
    /// ns-3 `lorawan` `AdrComponent`: last 4 frames, **average** SNR, `floor`, power 2..=14 dBm in 2 dB
    /// steps (EU868), margin 10 dB.
    ///
    /// Average, not maximum, because that is the default of the component's
    /// `MultiplePacketsCombiningMethod` attribute in the ns-3 source (REFERENCE.md's "max" is one of
    /// its options; set `combine: SnrCombine::Maximum` to get it). The 10 dB margin is the component's
    /// original device margin (`offset = 10`); current upstream has that line commented out, so to
    /// reproduce today's ns-3 exactly use `AdrParams { margin_db: 0.0, ..AdrParams::ns3() }`.
    pub const fn ns3() -> Self {
        Self {
            margin_db: 10.0,
            history: 4,
            min_tx_dbm: 2.0,
            max_tx_dbm: 14.0,
            tx_step_db: 2.0,
            combine: SnrCombine::Average,
            rounding: StepRounding::Floor,
        }
    }

    /// FLoRa `NetworkServerApp`: margin 15 dB and a 20-frame window (REFERENCE.md), maximum SNR, and,
    /// as in its source, `round()` and 3 dB power steps clamped to 2..=14 dBm.
    pub const fn flora() -> Self {
        Self {
            margin_db: 15.0,
            history: ADR_MAX_HISTORY,
            min_tx_dbm: 2.0,
            max_tx_dbm: 14.0,
            tx_step_db: 3.0,
            combine: SnrCombine::Maximum,
            rounding: StepRounding::Nearest,
        }
    }

    /// Whether the parameters make sense: finite values, `min_tx_dbm <= max_tx_dbm`, positive step.
    /// [`decide`] returns `None` for anything else rather than guessing.
    pub fn is_valid(&self) -> bool {
        self.margin_db.is_finite()
            && self.min_tx_dbm.is_finite()
            && self.max_tx_dbm.is_finite()
            && self.min_tx_dbm <= self.max_tx_dbm
            && self.tx_step_db.is_finite()
            && self.tx_step_db > 0.0
    }

    /// The history length actually used.
    pub fn history_len(&self) -> usize {
        self.history.clamp(1, ADR_MAX_HISTORY)
    }
}

impl Default for AdrParams {
    /// [`AdrParams::ns3`].
    fn default() -> Self {
        Self::ns3()
    }
}

/// The last [`ADR_MAX_HISTORY`] uplink SNRs of one device, as a ring buffer.
///
/// SNRs are stored as `f32` (plenty for dB values, half the memory), so the whole state is 84 bytes
/// with no heap allocation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AdrState {
    snrs: [f32; ADR_MAX_HISTORY],
    /// Slot the next push writes.
    next: u8,
    /// Number of valid entries, at most `ADR_MAX_HISTORY`.
    len: u8,
}

impl AdrState {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the SNR in dB of one received uplink, dropping the oldest beyond [`ADR_MAX_HISTORY`].
    /// Non-finite values are ignored: a frame without a usable measurement says nothing about the link.
    pub fn push(&mut self, snr_db: f64) {
        if !snr_db.is_finite() {
            return;
        }
        let slot = usize::from(self.next) % ADR_MAX_HISTORY;
        if let Some(s) = self.snrs.get_mut(slot) {
            // Clamp first so an absurd but finite value stays finite in f32 (it still saturates ADR).
            *s = snr_db.clamp(f64::from(f32::MIN), f64::from(f32::MAX)) as f32;
        }
        // Both fit in u8 because ADR_MAX_HISTORY is 20.
        self.next = ((slot + 1) % ADR_MAX_HISTORY) as u8;
        self.len = (usize::from(self.len) + 1).min(ADR_MAX_HISTORY) as u8;
    }

    /// Number of SNRs held.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether no SNR has been recorded (or the history was cleared).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every SNR, e.g. after the device applied new settings and old SNRs no longer describe
    /// its transmit power.
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// The most recent `n` SNRs, newest first (fewer if fewer are held).
    fn recent(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        let newest = usize::from(self.next) + ADR_MAX_HISTORY - 1;
        (0..n.min(self.len())).filter_map(move |i| self.snrs.get((newest - i) % ADR_MAX_HISTORY)).map(|&s| f64::from(s))
    }

    /// The last `n` SNRs reduced by `combine`; `None` until `n` are held.
    fn combined(&self, combine: SnrCombine, n: usize) -> Option<f64> {
        if n == 0 || self.len() < n {
            return None;
        }
        let values = self.recent(n);
        Some(match combine {
            SnrCombine::Average => values.sum::<f64>() / n as f64,
            SnrCombine::Maximum => values.fold(f64::NEG_INFINITY, f64::max),
            SnrCombine::Minimum => values.fold(f64::INFINITY, f64::min),
        })
    }
}

/// New (spreading factor, transmit power in dBm) for a device now at `sf` and `tx_dbm`, or `None` while
/// the history holds fewer than `params.history_len()` SNRs, for invalid `params`, or non-finite
/// `tx_dbm`. A result equal to the inputs means "no change" (ns-3 then sends no `LinkAdrReq`).
///
/// The algorithm of ns-3's `AdrComponent`:
/// `steps = floor((snr - required_snr(sf) - margin) / 3)`; while `steps > 0` and SF > 7, lower SF by
/// one; then while `steps > 0` and power > min, lower power by one step; while `steps < 0` and
/// power < max, raise power by one step. SF is never raised: the device itself does that when its
/// frames go unanswered. The power is finally clamped into `[min_tx_dbm, max_tx_dbm]` (FLoRa does the
/// same; on ns-3's even-dBm grid it never bites).
pub fn decide(
    params: &AdrParams,
    state: &AdrState,
    sf: SpreadingFactor,
    tx_dbm: f64,
) -> Option<(SpreadingFactor, f64)> {
    if !params.is_valid() || !tx_dbm.is_finite() {
        return None;
    }
    let snr = state.combined(params.combine, params.history_len())?;
    let units = (snr - required_snr_db(sf) - params.margin_db) / 3.0;
    let units = match params.rounding {
        StepRounding::Floor => units.floor(),
        StepRounding::Nearest => units.round(),
    };
    // Finite inputs give a finite value; `as` saturates, so even absurd SNRs are safe.
    let mut steps = units as i64;

    // Closed forms of the step loops, so no parameter can make them run long.
    let sf_down = steps.clamp(0, i64::from(sf.value() - SpreadingFactor::SF7.value()));
    steps -= sf_down;
    let new_sf = usize::try_from(sf_down)
        .ok()
        .and_then(|d| sf.index().checked_sub(d))
        .and_then(SpreadingFactor::from_index)
        .unwrap_or(sf);

    let (min, max, step) = (params.min_tx_dbm, params.max_tx_dbm, params.tx_step_db);
    let mut tx = tx_dbm;
    if steps > 0 && tx > min {
        let needed = ((tx - min) / step).ceil();
        tx -= (steps as f64).min(needed) * step;
    } else if steps < 0 && tx < max {
        let needed = ((max - tx) / step).ceil();
        tx += (steps.unsigned_abs() as f64).min(needed) * step;
    }
    Some((new_sf, tx.clamp(min, max)))
}

/// SNR in dB of a frame received at `rssi_dbm`: RSSI minus the noise floor
/// `-174 + 10*log10(bw_hz) + noise_figure_db` (ns-3 `RxPowerToSNR`, which ignores interference).
pub fn snr_db(rssi_dbm: f64, bw_hz: f64, noise_figure_db: f64) -> f64 {
    rssi_dbm - noise_floor_dbm(bw_hz, noise_figure_db)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::radio::{Bandwidth, DEFAULT_NOISE_FIGURE_DB};

    fn filled(snrs: &[f64]) -> AdrState {
        let mut s = AdrState::new();
        for &v in snrs {
            s.push(v);
        }
        s
    }

    #[test]
    fn step_arithmetic_example() {
        let p = AdrParams::ns3();
        // Oracle: hand computation, SNR -5, SF12 needs -20, margin 10: floor((-5 + 20 - 10) / 3)
        // = floor(5 / 3) = 1 step, spent on SF12 -> SF11; power untouched.
        let d = decide(&p, &filled(&[-5.0; 4]), SpreadingFactor::SF12, 14.0);
        assert_eq!(d, Some((SpreadingFactor::SF11, 14.0)));
        // Oracle: floor((-6 + 20 - 10) / 3) = floor(4 / 3) = 1; floor((-7.5 + 20 - 10) / 3) = 0.
        assert_eq!(
            decide(&p, &filled(&[-6.0; 4]), SpreadingFactor::SF12, 14.0).map(|d| d.0),
            Some(SpreadingFactor::SF11)
        );
        assert_eq!(decide(&p, &filled(&[-7.5; 4]), SpreadingFactor::SF12, 14.0), Some((SpreadingFactor::SF12, 14.0)));
    }

    #[test]
    fn strong_link_goes_to_sf7_and_lowers_power() {
        let p = AdrParams::ns3();
        // Oracle: floor((10 + 20 - 10) / 3) = 6: five steps SF12 -> SF7, one step 14 -> 12 dBm.
        assert_eq!(decide(&p, &filled(&[10.0; 4]), SpreadingFactor::SF12, 14.0), Some((SpreadingFactor::SF7, 12.0)));
        // Oracle: floor((40 + 20 - 10) / 3) = 16: five to SF7, six take 14 -> 2 dBm, five left unused.
        assert_eq!(decide(&p, &filled(&[40.0; 4]), SpreadingFactor::SF12, 14.0), Some((SpreadingFactor::SF7, 2.0)));
    }

    #[test]
    fn weak_link_keeps_sf_and_raises_power_to_max() {
        let p = AdrParams::ns3();
        // Oracle: floor((-19 + 20 - 10) / 3) = -3: SF is never raised, power 10 -> 12 -> 14 (max).
        assert_eq!(decide(&p, &filled(&[-19.0; 4]), SpreadingFactor::SF12, 10.0), Some((SpreadingFactor::SF12, 14.0)));
        // Oracle: already at max, nothing left to raise.
        assert_eq!(decide(&p, &filled(&[-19.0; 4]), SpreadingFactor::SF12, 14.0), Some((SpreadingFactor::SF12, 14.0)));
    }

    #[test]
    fn marginal_link_gets_intermediate_sf() {
        let p = AdrParams::ns3();
        // Oracle: floor((0 + 20 - 10) / 3) = 3: SF12 -> SF9, power untouched.
        assert_eq!(decide(&p, &filled(&[0.0; 4]), SpreadingFactor::SF12, 14.0), Some((SpreadingFactor::SF9, 14.0)));
        // Oracle: at SF10 (needs -15) SNR -1: floor((-1 + 15 - 10) / 3) = 1 -> SF9.
        assert_eq!(decide(&p, &filled(&[-1.0; 4]), SpreadingFactor::SF10, 14.0), Some((SpreadingFactor::SF9, 14.0)));
    }

    #[test]
    fn nothing_until_history_is_full() {
        let p = AdrParams::ns3();
        let mut s = AdrState::new();
        for _ in 0..3 {
            s.push(10.0);
            // Oracle: ns-3 skips ADR with fewer than HistoryRange (4) frames.
            assert_eq!(decide(&p, &s, SpreadingFactor::SF12, 14.0), None);
        }
        s.push(f64::NAN);
        // Oracle: documented, a NaN SNR is not a frame.
        assert_eq!(s.len(), 3);
        s.push(10.0);
        assert!(decide(&p, &s, SpreadingFactor::SF12, 14.0).is_some());
        // Oracle: FLoRa needs 20 frames.
        assert_eq!(decide(&AdrParams::flora(), &s, SpreadingFactor::SF12, 14.0), None);
        s.clear();
        assert!(s.is_empty());
    }

    #[test]
    fn only_the_most_recent_frames_count() {
        let p = AdrParams::ns3();
        let mut s = filled(&[-30.0; 30]);
        for _ in 0..4 {
            s.push(0.0);
        }
        // Oracle: the four newest SNRs are 0 dB, so the same as the marginal case: SF9.
        assert_eq!(decide(&p, &s, SpreadingFactor::SF12, 14.0).map(|d| d.0), Some(SpreadingFactor::SF9));
        // Oracle: the ring never holds more than ADR_MAX_HISTORY.
        assert_eq!(s.len(), ADR_MAX_HISTORY);
    }

    #[test]
    fn combining_methods() {
        let s = filled(&[-10.0, -10.0, -10.0, 2.0]);
        let avg = AdrParams::ns3();
        let max = AdrParams { combine: SnrCombine::Maximum, ..avg };
        let min = AdrParams { combine: SnrCombine::Minimum, ..avg };
        // Oracle: mean -7 -> floor((-7 + 20 - 10) / 3) = 1 -> SF11.
        assert_eq!(decide(&avg, &s, SpreadingFactor::SF12, 14.0).map(|d| d.0), Some(SpreadingFactor::SF11));
        // Oracle: max 2 -> floor((2 + 20 - 10) / 3) = 4 -> SF8.
        assert_eq!(decide(&max, &s, SpreadingFactor::SF12, 14.0).map(|d| d.0), Some(SpreadingFactor::SF8));
        // Oracle: min -10 -> floor(0) = 0 -> unchanged.
        assert_eq!(decide(&min, &s, SpreadingFactor::SF12, 14.0), Some((SpreadingFactor::SF12, 14.0)));
    }

    #[test]
    fn flora_rounds_and_clamps() {
        let p = AdrParams::flora();
        // Oracle: round((-0.5 + 20 - 15) / 3) = round(1.5) = 2 -> SF10 (floor would give SF11).
        assert_eq!(decide(&p, &filled(&[-0.5; 20]), SpreadingFactor::SF12, 14.0), Some((SpreadingFactor::SF10, 14.0)));
        // Oracle: round((40 + 20 - 15) / 3) = 15: five to SF7, then 13 -> 10 -> 7 -> 4 -> 1, clamped to 2.
        assert_eq!(decide(&p, &filled(&[40.0; 20]), SpreadingFactor::SF12, 13.0), Some((SpreadingFactor::SF7, 2.0)));
        // Oracle: round((-30 + 20 - 15) / 3) = -8: 2 -> 5 -> 8 -> 11 -> 14 (max).
        assert_eq!(decide(&p, &filled(&[-30.0; 20]), SpreadingFactor::SF12, 2.0), Some((SpreadingFactor::SF12, 14.0)));
    }

    #[test]
    fn bad_inputs_do_not_panic() {
        let p = AdrParams::ns3();
        let s = filled(&[1e300; 4]);
        // Oracle: a huge finite SNR (clamped into f32 range) saturates the steps: SF7, minimum power.
        assert_eq!(decide(&p, &s, SpreadingFactor::SF12, 14.0), Some((SpreadingFactor::SF7, 2.0)));
        let s = filled(&[-1e300, f64::INFINITY, -1e300, -1e300, -1e300]);
        // Oracle: infinity is ignored on push; a hugely negative SNR raises power to the maximum.
        assert_eq!(decide(&p, &s, SpreadingFactor::SF12, 2.0), Some((SpreadingFactor::SF12, 14.0)));
        // Oracle: documented, invalid params or power give None.
        for bad in [
            AdrParams { tx_step_db: 0.0, ..p },
            AdrParams { min_tx_dbm: 20.0, ..p },
            AdrParams { margin_db: f64::NAN, ..p },
        ] {
            assert!(!bad.is_valid());
            assert_eq!(decide(&bad, &filled(&[0.0; 4]), SpreadingFactor::SF12, 14.0), None);
        }
        assert_eq!(decide(&p, &filled(&[0.0; 4]), SpreadingFactor::SF12, f64::NAN), None);
        // Oracle: documented clamp of history to 1..=20.
        assert_eq!(AdrParams { history: 0, ..p }.history_len(), 1);
        assert_eq!(AdrParams { history: usize::MAX, ..p }.history_len(), ADR_MAX_HISTORY);
        // Oracle: out-of-range input power is clamped into [min, max].
        assert_eq!(decide(&p, &filled(&[-7.5; 4]), SpreadingFactor::SF12, 20.0), Some((SpreadingFactor::SF12, 14.0)));
    }

    #[test]
    fn snr_from_rssi() {
        let bw = Bandwidth::Khz125.hz();
        // Oracle: noise floor at 125 kHz, NF 6 is -117.03 dBm (REFERENCE.md), so -100 dBm is 17.03 dB.
        assert!((snr_db(-100.0, bw, DEFAULT_NOISE_FIGURE_DB) - 17.03).abs() < 0.01);
        // Oracle: a signal at the noise floor has 0 dB SNR.
        assert!(snr_db(-117.03, bw, DEFAULT_NOISE_FIGURE_DB).abs() < 0.01);
    }

    #[test]
    fn state_is_small() {
        // Oracle: design target, 20 f32 + two u8 = 82 bytes, padded to 84.
        assert_eq!(std::mem::size_of::<AdrState>(), 84);
    }
}
