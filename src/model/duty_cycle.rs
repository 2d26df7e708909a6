//! Regional transmit-time rules for LoRaWAN end devices: EU868 duty cycle per sub-band (ETSI EN 300 220
//! as LoRaWAN devices apply it), the default uplink channel plans of EU868 and US915, and the US915 dwell
//! time limit.
//!
//! What lives here: the sub-band table, channel frequencies, the off-time formula and a tiny per-device
//! tracker of when each sub-band opens again. All times are integer microseconds, the same unit as
//! [`crate::time::SimTime`], so results do not depend on float rounding in the engine.
//!
//! What does not live here: no ECS components or systems, no random numbers, no scheduling. The engine
//! owns one [`DutyCycleTracker`] per device, asks it when a channel may be used and records each
//! transmission; choosing *which* channel among the open ones (random, round robin) is its business.

/// One regulatory sub-band of the EU 863-870 MHz band with its duty-cycle limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SubBand {
    /// Short name used in reports, e.g. `"g1"`.
    pub name: &'static str,
    /// Lower edge in MHz (inclusive).
    pub low_mhz: f64,
    /// Upper edge in MHz (exclusive).
    pub high_mhz: f64,
    /// Maximum fraction of time on air, e.g. `0.01` for 1 %.
    pub duty_cycle: f64,
}

/// EU868 sub-bands with their duty cycles, in ascending frequency.
///
/// Sources: 868.0-868.6 MHz 1 %, 868.7-869.2 MHz 0.1 % and 869.4-869.65 MHz 10 % are from REFERENCE.md
/// section 1. The other three (863-865 MHz 0.1 %, 865-868 MHz 1 %, 869.7-870 MHz 1 %) are the
/// remaining ETSI EN 300 220-2 sub-bands as the LoRaWAN Regional Parameters (EU863-870) and the
/// Semtech LoRaMac-node EU868 band table use them. Names follow the ETSI "g" band letters.
/// The gaps (868.6-868.7, 869.2-869.4, 869.65-869.7 MHz) are not usable by LoRaWAN devices and map to
/// no sub-band.
pub const EU868_SUB_BANDS: [SubBand; 6] = [
    SubBand { name: "g (863-865)", low_mhz: 863.0, high_mhz: 865.0, duty_cycle: 0.001 },
    SubBand { name: "g (865-868)", low_mhz: 865.0, high_mhz: 868.0, duty_cycle: 0.01 },
    SubBand { name: "g1", low_mhz: 868.0, high_mhz: 868.6, duty_cycle: 0.01 },
    SubBand { name: "g2", low_mhz: 868.7, high_mhz: 869.2, duty_cycle: 0.001 },
    SubBand { name: "g3", low_mhz: 869.4, high_mhz: 869.65, duty_cycle: 0.1 },
    SubBand { name: "g4", low_mhz: 869.7, high_mhz: 870.0, duty_cycle: 0.01 },
];

/// LoRaWAN regional channel plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Plan {
    /// Europe 863-870 MHz: duty cycle per sub-band, no dwell limit.
    Eu868,
    /// United States 902-928 MHz: no duty cycle, 400 ms dwell time per transmission.
    Us915,
}

/// EU868 uplink channels in use order: the three mandatory default channels, then the five extra
/// channels of the usual 8-channel (TTN) plan. The 868.8 MHz FSK channel is left out: this model
/// only sends LoRa.
const EU868_UPLINK_MHZ: [f64; 8] = [868.1, 868.3, 868.5, 867.1, 867.3, 867.5, 867.7, 867.9];

/// Number of 125 kHz uplink channels in US915 (channels 0..=63, 902.3 + 0.2 * c MHz).
const US915_125K_CHANNELS: u16 = 64;

/// US915 channel where the default plan starts: channel 8, the first of sub-band 2 (903.9 MHz), which
/// is what TTN and most US networks enable.
const US915_FIRST_CHANNEL: u16 = 8;

/// Centre frequencies in MHz of the first `n` uplink channels of `plan`, in the order a device enables
/// them.
///
/// - EU868: 868.1, 868.3, 868.5, 867.1, 867.3, 867.5, 867.7, 867.9; beyond 8 the list repeats (channel
///   `k` is entry `k % 8`), since this model knows no more distinct EU868 channels.
/// - US915: channel `c = (8 + k) % 64` at `902.3 + 0.2 * c` MHz, i.e. sub-band 2 (903.9..=905.3 MHz)
///   first, then channels 16..=63 upward, then channels 0..=7 (902.3..=903.7 MHz); beyond 64 it
///   repeats.
pub fn uplink_channels_mhz(plan: Plan, n: u8) -> Vec<f64> {
    (0..u16::from(n))
        .map(|k| match plan {
            Plan::Eu868 => EU868_UPLINK_MHZ[usize::from(k) % EU868_UPLINK_MHZ.len()],
            Plan::Us915 => {
                let c = (US915_FIRST_CHANNEL + k) % US915_125K_CHANNELS;
                // Work in units of 100 kHz so each frequency is the f64 closest to its decimal value
                // (9023 / 10 rather than an accumulated 902.3 + 0.2 + 0.2 ...).
                f64::from(9023 + 2 * c) / 10.0
            }
        })
        .collect()
}

/// Index into [`EU868_SUB_BANDS`] of the sub-band containing `freq_mhz` (lower edge inclusive, upper
/// edge exclusive); `None` outside every sub-band, in the gaps between them, and for NaN.
pub fn sub_band_of(freq_mhz: f64) -> Option<usize> {
    EU868_SUB_BANDS.iter().position(|b| b.low_mhz <= freq_mhz && freq_mhz < b.high_mhz)
}

/// Distinct [`EU868_SUB_BANDS`] indices used by the first `n` uplink channels of `plan`, in order of
/// first use; empty for US915 (no duty cycle). Position `i` in this list is a compact tracker slot:
/// `DutyCycleTracker::new(list.len())` keeps its state inline for the default EU868 plan (2 sub-bands).
pub fn plan_sub_bands(plan: Plan, n: u8) -> Vec<usize> {
    if plan == Plan::Us915 {
        return Vec::new();
    }
    let mut bands = Vec::new();
    for band in uplink_channels_mhz(plan, n).into_iter().filter_map(sub_band_of) {
        if !bands.contains(&band) {
            bands.push(band);
        }
    }
    bands
}

/// Relative tolerance under which a float off time is taken to be the nearby integer: `T / dc - T` is
/// often an exact integer (1 % of 1 s is 99 s) that division by an inexact `0.01` lands a hair above,
/// and rounding that hair up would add a spurious microsecond.
const SNAP_RELATIVE: f64 = 1e-12;

/// Time in microseconds a sub-band stays closed after a transmission of `airtime_us` in it:
/// `T / dc - T` (REFERENCE.md section 1), rounded up so the limit is never exceeded.
///
/// A duty cycle of 1 or more gives 0; zero, negative or NaN gives `u64::MAX` (never reopens), the
/// conservative reading of "no transmission allowed".
pub fn off_time_us(airtime_us: u64, duty_cycle: f64) -> u64 {
    if duty_cycle.is_nan() || duty_cycle <= 0.0 {
        return u64::MAX;
    }
    if duty_cycle >= 1.0 {
        return 0;
    }
    let t = airtime_us as f64;
    let off = t / duty_cycle - t;
    let nearest = off.round();
    let off = if (off - nearest).abs() <= SNAP_RELATIVE * nearest.max(1.0) { nearest } else { off.ceil() };
    // `as` saturates, so an off time beyond u64 (tiny duty cycles) becomes "never".
    off as u64
}

/// Sub-band count a tracker keeps inline without a heap allocation: the default EU868 plan uses two
/// (868.0-868.6 and 865-868 MHz).
pub const INLINE_SUB_BANDS: usize = 2;

/// Largest number of sub-bands a tracker follows; larger requests are clamped so a bad count cannot
/// exhaust memory.
pub const MAX_SUB_BANDS: usize = 16;

/// When each sub-band opens again for one device.
///
/// Sub-band indices are whatever the caller chooses, as long as they are below the count given to
/// [`DutyCycleTracker::new`]: either [`EU868_SUB_BANDS`] indices with `new(EU868_SUB_BANDS.len())`,
/// or compact slots from [`plan_sub_bands`]. The engine may hold one tracker per sensor for a million
/// sensors, so the state is at most 24 bytes: up to [`INLINE_SUB_BANDS`] open-at times live inline and
/// only larger counts use a boxed slice (16 bytes plus the heap block).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DutyCycleTracker {
    slots: Slots,
}

/// Storage of open-at times: inline for the common small case, boxed otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Slots {
    Inline { open_at: [u64; INLINE_SUB_BANDS], len: u8 },
    Heap(Box<[u64]>),
}

impl DutyCycleTracker {
    /// A tracker for `n_sub_bands` sub-bands (clamped to [`MAX_SUB_BANDS`]), all open from time 0.
    pub fn new(n_sub_bands: usize) -> Self {
        let n = n_sub_bands.min(MAX_SUB_BANDS);
        let slots = match u8::try_from(n) {
            Ok(len) if n <= INLINE_SUB_BANDS => Slots::Inline { open_at: [0; INLINE_SUB_BANDS], len },
            _ => Slots::Heap(vec![0; n].into_boxed_slice()),
        };
        Self { slots }
    }

    /// Number of sub-bands tracked.
    pub fn len(&self) -> usize {
        self.open_times().len()
    }

    /// Whether no sub-band is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn open_times(&self) -> &[u64] {
        match &self.slots {
            Slots::Inline { open_at, len } => open_at.get(..usize::from(*len)).unwrap_or(&[]),
            Slots::Heap(times) => times,
        }
    }

    fn open_times_mut(&mut self) -> &mut [u64] {
        match &mut self.slots {
            Slots::Inline { open_at, len } => open_at.get_mut(..usize::from(*len)).unwrap_or(&mut []),
            Slots::Heap(times) => times,
        }
    }

    /// Microsecond time at which `sub_band` opens again (0 until something is recorded).
    ///
    /// An index the tracker does not cover reports `u64::MAX` (never): a mis-mapped channel then shows
    /// up as a device that stops sending, rather than silently ignoring the regulation.
    pub fn open_at(&self, sub_band: usize) -> u64 {
        self.open_times().get(sub_band).copied().unwrap_or(u64::MAX)
    }

    /// Records a transmission of `airtime_us` starting at `start_us` in `sub_band` with limit
    /// `duty_cycle`: the sub-band opens again at `start + airtime + off_time_us(airtime, dc)`
    /// (saturating). The open time never moves earlier, so recording an older transmission late cannot
    /// reopen a band. Indices the tracker does not cover are ignored.
    pub fn record(&mut self, sub_band: usize, start_us: u64, airtime_us: u64, duty_cycle: f64) {
        let reopen = start_us.saturating_add(airtime_us).saturating_add(off_time_us(airtime_us, duty_cycle));
        if let Some(slot) = self.open_times_mut().get_mut(sub_band) {
            *slot = (*slot).max(reopen);
        }
    }

    /// Among `candidates`, the sub-band that opens first and its open time; ties go to the lowest index.
    /// Indices the tracker does not cover are skipped; `None` if nothing remains.
    pub fn earliest(&self, candidates: &[usize]) -> Option<(usize, u64)> {
        let times = self.open_times();
        candidates.iter().filter_map(|&band| times.get(band).map(|&t| (band, t))).min_by_key(|&(band, t)| (t, band))
    }
}

/// Longest time on air of one US915 uplink, in microseconds (FCC 15.247 dwell time as LoRaWAN applies
/// it: 400 ms per channel, which rules out SF11 and SF12 at 125 kHz).
pub const US915_MAX_DWELL_US: u64 = 400_000;

/// Whether a transmission of `airtime_us` respects the dwell-time limit of `plan`: always true in
/// EU868, which limits total time through the duty cycle instead.
pub fn dwell_ok(plan: Plan, airtime_us: u64) -> bool {
    match plan {
        Plan::Eu868 => true,
        Plan::Us915 => airtime_us <= US915_MAX_DWELL_US,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::radio::{Bandwidth, LoraParams, SpreadingFactor};

    /// Small deterministic generator for schedules (PCG multiplier, top bits).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, bound: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % bound.max(1)
        }
    }

    #[test]
    fn off_time_values() {
        // Oracle: REFERENCE.md rule T/dc - T: 1 s at 1 % -> 100 s - 1 s = 99 s exactly.
        assert_eq!(off_time_us(1_000_000, 0.01), 99_000_000);
        // Oracle: 56 576 us at 0.1 % -> 56 576 * 999 = 56 519 424 us.
        assert_eq!(off_time_us(56_576, 0.001), 56_519_424);
        // Oracle: 1 318 912 us at 10 % -> 1 318 912 * 9 = 11 870 208 us.
        assert_eq!(off_time_us(1_318_912, 0.1), 11_870_208);
        // Oracle: 1 us at 30 % -> 1/0.3 - 1 = 2.33 us, rounded up to 3.
        assert_eq!(off_time_us(1, 0.3), 3);
        // Oracle: documented edge cases, no airtime no wait; dc >= 1 no wait; dc <= 0 or NaN never.
        assert_eq!(off_time_us(0, 0.01), 0);
        assert_eq!(off_time_us(1_000, 1.0), 0);
        assert_eq!(off_time_us(1_000, 0.0), u64::MAX);
        assert_eq!(off_time_us(1_000, -0.5), u64::MAX);
        assert_eq!(off_time_us(1_000, f64::NAN), u64::MAX);
        assert_eq!(off_time_us(u64::MAX, 1e-300), u64::MAX);
    }

    #[test]
    fn sub_band_table_is_sorted_and_disjoint() {
        for pair in EU868_SUB_BANDS.windows(2) {
            // Oracle: ETSI sub-bands do not overlap, so a frequency has at most one duty cycle.
            assert!(pair[0].low_mhz < pair[0].high_mhz && pair[0].high_mhz <= pair[1].low_mhz);
        }
        // Oracle: REFERENCE.md section 1 duty cycles.
        assert_eq!(sub_band_of(868.3).map(|b| EU868_SUB_BANDS[b].duty_cycle), Some(0.01));
        assert_eq!(sub_band_of(869.0).map(|b| EU868_SUB_BANDS[b].duty_cycle), Some(0.001));
        assert_eq!(sub_band_of(869.525).map(|b| EU868_SUB_BANDS[b].duty_cycle), Some(0.1));
        // Oracle: ETSI / Regional Parameters for the others.
        assert_eq!(sub_band_of(864.0).map(|b| EU868_SUB_BANDS[b].duty_cycle), Some(0.001));
        assert_eq!(sub_band_of(867.5).map(|b| EU868_SUB_BANDS[b].duty_cycle), Some(0.01));
        assert_eq!(sub_band_of(869.8).map(|b| EU868_SUB_BANDS[b].duty_cycle), Some(0.01));
        // Oracle: documented half-open edges and gaps.
        assert_eq!(sub_band_of(868.0), Some(2));
        assert_eq!(sub_band_of(868.65), None);
        assert_eq!(sub_band_of(869.3), None);
        assert_eq!(sub_band_of(870.0), None);
        assert_eq!(sub_band_of(915.0), None);
        assert_eq!(sub_band_of(f64::NAN), None);
    }

    #[test]
    fn channel_plans_have_documented_frequencies() {
        // Oracle: TTN EU868 8-channel plan, default channels first.
        assert_eq!(uplink_channels_mhz(Plan::Eu868, 8), [868.1, 868.3, 868.5, 867.1, 867.3, 867.5, 867.7, 867.9]);
        // Oracle: documented truncation and cycling.
        assert_eq!(uplink_channels_mhz(Plan::Eu868, 3), [868.1, 868.3, 868.5]);
        assert_eq!(uplink_channels_mhz(Plan::Eu868, 10)[8..], [868.1, 868.3]);
        assert!(uplink_channels_mhz(Plan::Eu868, 0).is_empty());
        // Oracle: US915 sub-band 2 is channels 8..=15, 903.9 + 0.2 * k MHz.
        assert_eq!(uplink_channels_mhz(Plan::Us915, 8), [903.9, 904.1, 904.3, 904.5, 904.7, 904.9, 905.1, 905.3]);
        let us = uplink_channels_mhz(Plan::Us915, 255);
        // Oracle: documented order, channel 16 (905.5), channel 63 (914.9), then channel 0 (902.3).
        assert_eq!((us[8], us[55], us[56], us[63], us[64]), (905.5, 914.9, 902.3, 903.7, 903.9));
        // Oracle: plan sub-bands, 868.0-868.6 (index 2) first, then 865-868 (index 1); none in US915.
        assert_eq!(plan_sub_bands(Plan::Eu868, 8), [2, 1]);
        assert_eq!(plan_sub_bands(Plan::Eu868, 3), [2]);
        assert!(plan_sub_bands(Plan::Us915, 8).is_empty());
    }

    #[test]
    fn every_eu868_channel_is_in_a_one_percent_sub_band() {
        for f in uplink_channels_mhz(Plan::Eu868, 8) {
            // Oracle: LoRaWAN EU868 default and TTN channels all sit in 1 % sub-bands.
            assert_eq!(sub_band_of(f).map(|b| EU868_SUB_BANDS[b].duty_cycle), Some(0.01), "{f} MHz");
        }
    }

    #[test]
    fn earliest_picks_first_opening_sub_band() {
        let mut t = DutyCycleTracker::new(EU868_SUB_BANDS.len());
        // Oracle: all open at 0 initially, tie goes to the lowest index.
        assert_eq!(t.earliest(&[4, 2, 1]), Some((1, 0)));
        t.record(1, 0, 1_000_000, 0.01);
        t.record(2, 0, 1_000_000, 0.1);
        // Oracle: band 1 reopens at 1 s + 99 s = 100 s, band 2 at 1 s + 9 s = 10 s.
        assert_eq!(t.open_at(1), 100_000_000);
        assert_eq!(t.open_at(2), 10_000_000);
        assert_eq!(t.earliest(&[1, 2]), Some((2, 10_000_000)));
        // Oracle: an untouched band (4) is open at 0 and beats both.
        assert_eq!(t.earliest(&[1, 2, 4]), Some((4, 0)));
        // Oracle: out-of-range indices are skipped, empty candidates give nothing.
        assert_eq!(t.earliest(&[99, 2]), Some((2, 10_000_000)));
        assert_eq!(t.earliest(&[99]), None);
        assert_eq!(t.earliest(&[]), None);
        // Oracle: documented, an older record cannot move the open time earlier.
        t.record(1, 0, 1_000, 0.01);
        assert_eq!(t.open_at(1), 100_000_000);
    }

    #[test]
    fn tracker_is_small_and_tolerates_bad_indices() {
        // Oracle: design target, two inline u64 plus tag and length fit in 24 bytes.
        assert!(std::mem::size_of::<DutyCycleTracker>() <= 24);
        let mut compact = DutyCycleTracker::new(plan_sub_bands(Plan::Eu868, 8).len());
        // Oracle: the default plan has two sub-bands.
        assert_eq!(compact.len(), 2);
        compact.record(5, 0, 1_000_000, 0.01);
        // Oracle: documented, unknown index is ignored by record and never open for open_at.
        assert_eq!(compact.open_at(5), u64::MAX);
        assert_eq!((compact.open_at(0), compact.open_at(1)), (0, 0));
        // Oracle: documented clamp to MAX_SUB_BANDS, no huge allocation.
        assert_eq!(DutyCycleTracker::new(usize::MAX).len(), MAX_SUB_BANDS);
        assert!(DutyCycleTracker::new(0).is_empty());
        let mut t = DutyCycleTracker::new(1);
        t.record(0, u64::MAX - 5, 1_000, 0.01);
        // Oracle: saturating arithmetic, the end of time stays the end of time.
        assert_eq!(t.open_at(0), u64::MAX);
    }

    const HOUR_US: u64 = 3_600_000_000;

    /// Airtimes of a 20-byte uplink at SF7..=SF12, 125 kHz.
    fn airtimes_us() -> Vec<u64> {
        SpreadingFactor::ALL.iter().map(|&sf| LoraParams::uplink(sf, Bandwidth::Khz125).time_on_air_us(20)).collect()
    }

    /// A device that, after each start, wants to send again within `max_gap_us` and sends the moment the
    /// first sub-band of a randomly drawn candidate set opens. Returns `(start, end)` per EU868 sub-band.
    fn simulate(candidate_sets: &[&[usize]], max_gap_us: u64, seed: u64) -> Vec<Vec<(u64, u64)>> {
        let airtimes = airtimes_us();
        let mut rng = Lcg(seed);
        let mut tracker = DutyCycleTracker::new(EU868_SUB_BANDS.len());
        let mut sent = vec![Vec::new(); EU868_SUB_BANDS.len()];
        let mut want = 0u64;
        while want < 6 * HOUR_US {
            let set = candidate_sets[rng.next(candidate_sets.len() as u64) as usize];
            let airtime = airtimes[rng.next(airtimes.len() as u64) as usize];
            let Some((band, open)) = tracker.earliest(set) else {
                break;
            };
            let start = want.max(open);
            tracker.record(band, start, airtime, EU868_SUB_BANDS[band].duty_cycle);
            sent[band].push((start, start + airtime));
            want = start + rng.next(max_gap_us);
        }
        sent
    }

    /// Most time on air in any one-hour window of `tx` (sorted, non-overlapping). Time on air in a window
    /// is piecewise linear in the window position, so its maximum is at a position where the window
    /// starts or ends on a transmission edge; checking all of those is exhaustive.
    fn busiest_hour_us(tx: &[(u64, u64)]) -> u64 {
        let mut busiest = 0;
        for &(s, e) in tx {
            for a in [s, e, s.saturating_sub(HOUR_US), e.saturating_sub(HOUR_US)] {
                let b = a + HOUR_US;
                let first = tx.partition_point(|&(_, e2)| e2 <= a);
                let on_air: u64 = tx[first..]
                    .iter()
                    .take_while(|&&(s2, _)| s2 < b)
                    .map(|&(s2, e2)| e2.min(b).saturating_sub(s2.max(a)))
                    .sum();
                busiest = busiest.max(on_air);
            }
        }
        busiest
    }

    #[test]
    fn device_never_exceeds_duty_cycle_in_any_hour() {
        let max_airtime = airtimes_us().into_iter().max().unwrap_or(0) as f64;
        let sets: [&[usize]; 3] = [&[2, 1], &[0, 1, 2, 3, 4, 5], &[3, 4]];
        let sent = simulate(&sets, 5_000_000, 0x5eed);
        for (band, tx) in sent.iter().enumerate() {
            let limit = EU868_SUB_BANDS[band].duty_cycle * HOUR_US as f64;
            let busiest = busiest_hour_us(tx) as f64;
            // Oracle: starts are >= T/dc apart, so any hour holds at most dc * 1 h plus one airtime.
            assert!(busiest <= limit + max_airtime, "band {band}: {busiest} us on air in one hour");
        }
        // Oracle: the schedule exercised the 0.1 %, 1 % and 10 % sub-bands.
        assert!(sent[3].len() > 1 && sent[2].len() > 1 && sent[4].len() > 50);
    }

    #[test]
    fn saturated_device_reaches_the_limit() {
        let max_airtime = airtimes_us().into_iter().max().unwrap_or(0) as f64;
        for band in [1, 3, 4] {
            // A device that always wants to send on one sub-band is gated by the limiter alone.
            let sent = simulate(&[&[band]], 0, 0xbeef + band as u64);
            let limit = EU868_SUB_BANDS[band].duty_cycle * HOUR_US as f64;
            let busiest = busiest_hour_us(&sent[band]) as f64;
            // Oracle: back-to-back starts exactly T/dc apart (+1 us rounding each) fill an hour to
            // within one airtime of dc * 1 h, and never above it plus one airtime.
            assert!(busiest >= limit - max_airtime - 1_000.0, "band {band}: only {busiest} us");
            assert!(busiest <= limit + max_airtime, "band {band}: {busiest} us");
        }
    }

    #[test]
    fn dwell_time_limits_us915_only() {
        let sf12 = LoraParams::uplink(SpreadingFactor::SF12, Bandwidth::Khz125).time_on_air_us(20);
        let sf7 = LoraParams::uplink(SpreadingFactor::SF7, Bandwidth::Khz125).time_on_air_us(20);
        // Oracle: REFERENCE.md, SF12/125k 20 B is 1318.912 ms > 400 ms dwell limit.
        assert_eq!(sf12, 1_318_912);
        assert!(!dwell_ok(Plan::Us915, sf12));
        // Oracle: EU868 has no dwell limit.
        assert!(dwell_ok(Plan::Eu868, sf12));
        // Oracle: SF7 20 B is 56.576 ms, well inside 400 ms; the limit itself is allowed.
        assert!(dwell_ok(Plan::Us915, sf7));
        assert!(dwell_ok(Plan::Us915, US915_MAX_DWELL_US));
        assert!(!dwell_ok(Plan::Us915, US915_MAX_DWELL_US + 1));
    }
}
