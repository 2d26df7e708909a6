//! Interference between LoRa transmissions that overlap in time on the same channel at one
//! gateway, under the models the field uses: pure ALOHA (any same-SF overlap destroys both),
//! LoRaSim's capture rule (power threshold plus the preamble-lock timing rule), and ns-3's
//! energy-based SIR test against the GOURSAUD isolation matrix, which also covers imperfect
//! orthogonality between spreading factors. Pure functions; the engine decides which pairs
//! overlap and accumulates the energies.

/// A transmission as one gateway hears it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Signal {
    /// Start of the transmission, µs.
    pub start_us: u64,
    /// End of the transmission, µs.
    pub end_us: u64,
    /// Received power at this gateway, dBm.
    pub rssi_dbm: f32,
    /// LoRa symbol time, µs.
    pub symbol_us: f64,
}

/// How overlaps are resolved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// Any overlap destroys both packets (the pure ALOHA assumption behind e^(-2G)).
    Aloha,
    /// LoRaSim's full collision model.
    Capture {
        /// Power advantage (dB) that lets the stronger packet survive (LoRaSim: 6 dB).
        threshold_db: f32,
        /// Preamble symbols (counted from the end of the preamble) the newer packet needs free
        /// of the older one to lock onto it (LoRaSim: 5 of 8).
        lock_symbols: u8,
        /// Preamble length in symbols (8 in LoRaWAN).
        preamble_symbols: u8,
    },
}

/// Resolves an overlap between `older` (started first) and `newer`; returns
/// `(older_lost, newer_lost)`. The caller guarantees `newer.start_us < older.end_us`.
///
/// Capture (LoRaSim `checkcollision`): if the older packet ends before the newer one's last
/// `lock_symbols` preamble symbols begin, the newer one locks cleanly and neither is harmed.
/// Otherwise, within `threshold_db` of each other both are lost; else only the weaker one is.
pub fn resolve(rule: Rule, older: &Signal, newer: &Signal) -> (bool, bool) {
    match rule {
        Rule::Aloha => (true, true),
        Rule::Capture { threshold_db, lock_symbols, preamble_symbols } => {
            let clear = f64::from(preamble_symbols.saturating_sub(lock_symbols));
            let critical = newer.start_us as f64 + clear * newer.symbol_us;
            if (older.end_us as f64) <= critical {
                return (false, false);
            }
            let advantage = newer.rssi_dbm - older.rssi_dbm;
            if advantage.abs() < threshold_db {
                (true, true)
            } else if advantage > 0.0 {
                (true, false)
            } else {
                (false, true)
            }
        }
    }
}

/// Minimum signal-to-interference ratio (dB) a packet of spreading factor `row` (SF7..SF12)
/// needs against the summed energy of interferers of spreading factor `column`, from ns-3
/// lorawan's GOURSAUD matrix (REFERENCE.md section 1). The diagonal (6 dB) is co-SF capture.
pub const GOURSAUD_SIR_DB: [[f64; 6]; 6] = [
    [6.0, -16.0, -18.0, -19.0, -19.0, -20.0],
    [-24.0, 6.0, -20.0, -22.0, -22.0, -22.0],
    [-27.0, -27.0, 6.0, -23.0, -25.0, -25.0],
    [-30.0, -30.0, -30.0, 6.0, -26.0, -28.0],
    [-33.0, -33.0, -33.0, -33.0, 6.0, -29.0],
    [-36.0, -36.0, -36.0, -36.0, -36.0, 6.0],
];

/// dBm to milliwatts.
#[inline]
pub fn dbm_to_mw(dbm: f64) -> f64 {
    10f64.powf(dbm / 10.0)
}

/// Energy (mW·µs) that an interferer of power `rssi_dbm` deposits on a reception while they
/// overlap for `overlap_us`.
#[inline]
pub fn energy(rssi_dbm: f32, overlap_us: u64) -> f64 {
    dbm_to_mw(f64::from(rssi_dbm)) * overlap_us as f64
}

/// ns-3's test at the end of a reception: the packet (SF index `sf`, 0 = SF7) survives when, for
/// every interfering SF with any energy, 10·log10(signal energy / interference energy) reaches
/// the matrix threshold. `skip_same_sf` leaves the diagonal to another rule (LoRaSim capture).
pub fn survives_sir(sf: usize, signal_energy: f64, interference: &[f64; 6], skip_same_sf: bool) -> bool {
    interference.iter().enumerate().all(|(j, &e)| {
        e <= 0.0 || (skip_same_sf && j == sf) || 10.0 * (signal_energy / e).log10() >= GOURSAUD_SIR_DB[sf][j]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPTURE: Rule = Rule::Capture { threshold_db: 6.0, lock_symbols: 5, preamble_symbols: 8 };
    // SF7 at 125 kHz: Tsym = 2^7 / 125 kHz = 1024 µs.
    fn sig(start: u64, end: u64, rssi: f32) -> Signal {
        Signal { start_us: start, end_us: end, rssi_dbm: rssi, symbol_us: 1024.0 }
    }

    #[test]
    fn sir_matrix_decides_cross_sf_collisions() {
        // A 1 s SF12 packet at -120 dBm fully overlapped by an SF7 packet: the SF12 row needs
        // SIR >= -36 dB against SF7, so an SF7 interferer 30 dB stronger is survived...
        let signal = energy(-120.0, 1_000_000);
        let mut i = [0.0; 6];
        i[0] = energy(-90.0, 1_000_000);
        assert!(survives_sir(5, signal, &i, false));
        // ... but one 40 dB stronger is not (SIR = -40 dB < -36 dB).
        i[0] = energy(-80.0, 1_000_000);
        assert!(!survives_sir(5, signal, &i, false));
        // The SF7 packet, 50 ms at -80 dBm, against the SF12 one (-120 dBm) over its whole
        // length: SIR = +40 dB >= -16 dB, it survives.
        let sf7 = energy(-80.0, 50_000);
        let mut j = [0.0; 6];
        j[5] = energy(-120.0, 50_000);
        assert!(survives_sir(0, sf7, &j, false));
        // Same SF within 6 dB fails the diagonal unless the diagonal is left to capture.
        let mut k = [0.0; 6];
        k[2] = energy(-103.0, 100_000);
        assert!(!survives_sir(2, energy(-100.0, 100_000), &k, false));
        assert!(survives_sir(2, energy(-100.0, 100_000), &k, true));
    }

    #[test]
    fn aloha_destroys_both() {
        assert_eq!(resolve(Rule::Aloha, &sig(0, 1000, -100.0), &sig(999, 2000, -60.0)), (true, true));
    }

    #[test]
    fn capture_follows_lorasim() {
        // Equal power, full overlap: |0 dB| < 6 dB, both lost.
        assert_eq!(resolve(CAPTURE, &sig(0, 50_000, -100.0), &sig(10_000, 60_000, -100.0)), (true, true));
        // Newer 10 dB stronger: older (weaker) lost, newer survives.
        assert_eq!(resolve(CAPTURE, &sig(0, 50_000, -110.0), &sig(10_000, 60_000, -100.0)), (true, false));
        // Older 6 dB stronger (exactly the threshold): newer lost.
        assert_eq!(resolve(CAPTURE, &sig(0, 50_000, -100.0), &sig(10_000, 60_000, -106.0)), (false, true));
        // Older ends within the first 8-5 = 3 preamble symbols (3072 µs) of the newer: no harm.
        assert_eq!(resolve(CAPTURE, &sig(0, 13_000, -100.0), &sig(10_000, 60_000, -100.0)), (false, false));
        // ... but ending just after the critical point collides.
        assert_eq!(resolve(CAPTURE, &sig(0, 13_100, -100.0), &sig(10_000, 60_000, -100.0)), (true, true));
    }
}
