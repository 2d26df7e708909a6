//! Pairwise interference between two LoRa transmissions that overlap in time on the same
//! channel and spreading factor at one gateway, under the two models the field uses:
//! pure ALOHA (any overlap destroys both) and LoRaSim's capture rule (power threshold plus
//! the preamble-lock timing rule). Pure functions; the engine decides which pairs overlap.

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
        Rule::Capture {
            threshold_db,
            lock_symbols,
            preamble_symbols,
        } => {
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

#[cfg(test)]
mod tests {
    use super::*;

    const CAPTURE: Rule = Rule::Capture {
        threshold_db: 6.0,
        lock_symbols: 5,
        preamble_symbols: 8,
    };
    // SF7 at 125 kHz: Tsym = 2^7 / 125 kHz = 1024 µs.
    fn sig(start: u64, end: u64, rssi: f32) -> Signal {
        Signal {
            start_us: start,
            end_us: end,
            rssi_dbm: rssi,
            symbol_us: 1024.0,
        }
    }

    #[test]
    fn aloha_destroys_both() {
        assert_eq!(
            resolve(Rule::Aloha, &sig(0, 1000, -100.0), &sig(999, 2000, -60.0)),
            (true, true)
        );
    }

    #[test]
    fn capture_follows_lorasim() {
        // Equal power, full overlap: |0 dB| < 6 dB, both lost.
        assert_eq!(
            resolve(CAPTURE, &sig(0, 50_000, -100.0), &sig(10_000, 60_000, -100.0)),
            (true, true)
        );
        // Newer 10 dB stronger: older (weaker) lost, newer survives.
        assert_eq!(
            resolve(CAPTURE, &sig(0, 50_000, -110.0), &sig(10_000, 60_000, -100.0)),
            (true, false)
        );
        // Older 6 dB stronger (exactly the threshold): newer lost.
        assert_eq!(
            resolve(CAPTURE, &sig(0, 50_000, -100.0), &sig(10_000, 60_000, -106.0)),
            (false, true)
        );
        // Older ends within the first 8-5 = 3 preamble symbols (3072 µs) of the newer: no harm.
        assert_eq!(
            resolve(CAPTURE, &sig(0, 13_000, -100.0), &sig(10_000, 60_000, -100.0)),
            (false, false)
        );
        // ... but ending just after the critical point collides.
        assert_eq!(
            resolve(CAPTURE, &sig(0, 13_100, -100.0), &sig(10_000, 60_000, -100.0)),
            (true, true)
        );
    }
}
