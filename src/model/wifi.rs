//! Wi-Fi (IEEE 802.11 OFDM, 20 MHz) uplinks from devices to an access point: link budget,
//! rate selection and the airtime of one frame exchange.
//!
//! - Path loss: free space to 1 m at 2.437 GHz (channel 6), then log-distance with an exponent
//!   of 2.7-3.5 in urban areas (Rappaport, *Wireless Communications*, table 4.2); default 3.0.
//! - Rates and minimum receiver sensitivities: IEEE 802.11-2016 table 17-18 (6 Mbit/s at
//!   -82 dBm up to 54 Mbit/s at -65 dBm). A device uses the fastest rate its received power at
//!   the access point clears.
//! - Frame exchange (IEEE 802.11-2016 clause 17 timing, 9 µs slots, SIFS 16 µs): DIFS, the
//!   mean backoff of an uncontended station (CWmin 15: 7.5 slots), the PPDU (20 µs preamble and
//!   header, then 4 µs symbols carrying 16 service bits, the frame and 6 tail bits), SIFS, and
//!   an ACK (14 bytes) at 6 Mbit/s. Contention among stations is modelled as the access point's
//!   channel being a single first-come first-served server (CSMA/CA serialises frames).
//! - Frame overhead: MAC header 24 + FCS 4 + LLC/SNAP 8 + IPv4/UDP 28 = 64 bytes.

/// Carrier frequency, Hz (2.4 GHz channel 6).
pub const FREQUENCY_HZ: f64 = 2.437e9;
/// Default path-loss exponent.
pub const DEFAULT_EXPONENT: f64 = 3.0;
/// Slot time, µs.
pub const SLOT_US: f64 = 9.0;
/// Short interframe space, µs.
pub const SIFS_US: f64 = 16.0;
/// DCF interframe space = SIFS + 2 slots, µs.
pub const DIFS_US: f64 = SIFS_US + 2.0 * SLOT_US;
/// Minimum contention window.
pub const CW_MIN: f64 = 15.0;
/// Bytes added to a report: MAC header, FCS, LLC/SNAP, IPv4/UDP.
pub const FRAME_OVERHEAD_BYTES: u32 = 64;
/// ACK frame length, bytes.
pub const ACK_BYTES: u32 = 14;

/// A battery Wi-Fi station's report: wake from deep sleep, re-associate with stored credentials
/// and send, about a second at ~100 mA (ESP32-class: RX ~95-100 mA, TX up to ~190 mA, Espressif
/// datasheet; connection with stored credentials ~1 s). An estimate: REFERENCE.md has no Wi-Fi
/// energy figure.
pub const REPORT_WAKE_US: u64 = 1_000_000;
/// Mean current of that report, mA.
pub const REPORT_WAKE_MA: f64 = 100.0;

/// OFDM rates (Mbit/s) and their minimum sensitivities (dBm), slowest first.
pub const RATES: [(f64, f64); 8] = [
    (6.0, -82.0),
    (9.0, -81.0),
    (12.0, -79.0),
    (18.0, -77.0),
    (24.0, -74.0),
    (36.0, -70.0),
    (48.0, -66.0),
    (54.0, -65.0),
];

/// Path loss at `d_m` metres with exponent `n`, dB.
pub fn path_loss_db(d_m: f64, n: f64) -> f64 {
    let fspl_1m = 20.0 * (4.0 * std::f64::consts::PI * FREQUENCY_HZ / 299_792_458.0).log10();
    fspl_1m + 10.0 * n * d_m.max(1.0).log10()
}

/// The fastest rate (Mbit/s) a received power clears, or None below the 6 Mbit/s sensitivity.
pub fn rate_for(rssi_dbm: f64) -> Option<f64> {
    RATES.iter().rev().find(|(_, s)| rssi_dbm >= *s).map(|(r, _)| *r)
}

/// Duration of a PPDU carrying `bytes` at `rate_mbps`, µs.
pub fn ppdu_us(bytes: u32, rate_mbps: f64) -> f64 {
    let bits_per_symbol = rate_mbps * 4.0;
    20.0 + 4.0 * ((16.0 + 8.0 * f64::from(bytes) + 6.0) / bits_per_symbol).ceil()
}

/// Channel time of one uplink report of `payload_bytes` at `rate_mbps`: DIFS, mean backoff,
/// the data PPDU, SIFS and the ACK, µs.
pub fn exchange_us(payload_bytes: u32, rate_mbps: f64) -> f64 {
    DIFS_US
        + CW_MIN / 2.0 * SLOT_US
        + ppdu_us(payload_bytes + FRAME_OVERHEAD_BYTES, rate_mbps)
        + SIFS_US
        + ppdu_us(ACK_BYTES, 6.0)
}

/// Share of the channel a continuous stream of `bitrate_bps` takes at `rate_mbps`, sent in
/// 1500-byte frames with the same exchange overheads.
pub fn stream_share(bitrate_bps: f64, rate_mbps: f64) -> f64 {
    let frame_payload = 1500 - FRAME_OVERHEAD_BYTES;
    let frames_per_s = bitrate_bps / (8.0 * f64::from(frame_payload));
    frames_per_s * exchange_us(frame_payload, rate_mbps) / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppdu_durations_match_the_standard() {
        // 1500 bytes at 54 Mbit/s: 20 + 4 * ceil(12022 / 216) = 20 + 4 * 56 = 244 µs.
        assert_eq!(ppdu_us(1500, 54.0), 244.0);
        // ACK at 6 Mbit/s: 20 + 4 * ceil(134 / 24) = 44 µs.
        assert_eq!(ppdu_us(ACK_BYTES, 6.0), 44.0);
        // DIFS 34 µs.
        assert_eq!(DIFS_US, 34.0);
    }

    #[test]
    fn rate_falls_with_received_power() {
        assert_eq!(rate_for(-60.0), Some(54.0));
        assert_eq!(rate_for(-72.0), Some(24.0));
        assert_eq!(rate_for(-82.0), Some(6.0));
        assert_eq!(rate_for(-83.0), None);
    }

    #[test]
    fn free_space_at_one_metre_is_40_db() {
        // 20 log10(4 pi f / c) at 2.437 GHz = 40.2 dB; 100 m with n = 3 adds 60 dB.
        assert!((path_loss_db(1.0, 3.0) - 40.18).abs() < 0.01);
        assert!((path_loss_db(100.0, 3.0) - 100.18).abs() < 0.01);
    }

    #[test]
    fn a_stream_at_the_link_rate_fills_more_than_the_channel() {
        // Overheads make a 54 Mbit/s channel carry well under 54 Mbit/s of payload.
        assert!(stream_share(54e6, 54.0) > 1.0);
        assert!(stream_share(4e6, 54.0) < 0.2);
    }
}
