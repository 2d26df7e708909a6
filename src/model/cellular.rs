//! Cellular IoT access: NB-IoT (Cat-NB1), LTE-M (Cat-M1) and LTE Cat-1 carriers at a cell site.
//!
//! A device's **coupling loss** to a site (path loss and building loss less antenna gain)
//! puts it in a **coverage class**; deeper classes repeat every transmission to gain the
//! missing link budget, which costs airtime, latency and energy. A report is sent by
//! attaching afresh (the device sleeps in PSM between reports):
//!
//! 1. **random access**: at the next preamble occasion of its class the device sends a
//!    preamble picked uniformly from `preambles`; two devices that pick the same preamble in
//!    the same occasion collide, back off and try again (slotted ALOHA per preamble);
//! 2. the **access exchange** (random-access response, RRC connection request and setup);
//! 3. the **data transmission** on one of the carrier's parallel uplink resources (NB-IoT
//!    single-tone subcarriers, LTE-M narrowbands), queued first-come first-served when all are
//!    busy.
//!
//! Figures and sources:
//! - Coverage classes: NB-IoT targets a maximum coupling loss of 164 dB, 20 dB beyond GPRS's
//!   144 dB, in three classes with boundaries 144 / 154 / 164 dB (3GPP TR 45.820, §5 and the
//!   coverage-class evaluation); LTE-M reaches 155.7 dB (3GPP TR 36.888) with CE modes A and
//!   B; LTE Cat-1 has no coverage enhancement and stops near 140.7 dB (TR 36.888's reference).
//! - NB-IoT random access: NPRACH preamble format 0 lasts 4 symbol groups x 1.4 ms = 5.6 ms per
//!   repetition; 12-48 subcarriers (preambles) per class; occasions every 40 ms-2.56 s (TS
//!   36.211 §10.1.6, TS 36.331 NPRACH-ConfigSIB-NB). Defaults: 48 preambles, 160 ms in normal
//!   coverage, 4x and 16x longer for the extended classes; 2 / 8 / 32 preamble repetitions.
//! - NB-IoT data: single-tone 15 kHz NPUSCH carries at most a 1000-bit transport block over
//!   10 resource units of 8 ms (TS 36.213 §16.5.1), 12.5 kbit/s per repetition; repetitions
//!   1 / 8 / 64 per class, which puts the extreme class near TR 45.820's 160 bit/s target at
//!   164 dB. A 180 kHz carrier has 12 such subcarriers.
//! - LTE-M: a 1.4 MHz narrowband gives Cat-M1 about 375 kbit/s half-duplex uplink; PRACH format
//!   0 lasts 1 ms; 54 contention preambles (64 less 10 dedicated).
//! - LTE Cat-1: up to 5 Mbit/s uplink per device; PRACH every 10 ms.
//! - Access exchange durations (Msg2-Msg4 plus RRC setup) scale with the class's repetitions;
//!   the defaults keep a whole report within TR 45.820's 10 s exception-report latency target at
//!   164 dB and near a second in normal coverage.
//! - Overhead on each report: IPv4/UDP (28 bytes) plus PDCP/RLC/MAC headers (~12 bytes).

/// A cellular technology.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Technology {
    /// NB-IoT (LTE Cat-NB1).
    NbIot,
    /// LTE-M (LTE Cat-M1).
    LteM,
    /// LTE Cat-1.
    Lte,
}

impl Technology {
    /// All technologies, in carrier order at a site.
    pub const ALL: [Technology; 3] = [Technology::NbIot, Technology::LteM, Technology::Lte];

    /// Name in results.
    pub fn name(self) -> &'static str {
        match self {
            Technology::NbIot => "nbiot",
            Technology::LteM => "ltem",
            Technology::Lte => "lte",
        }
    }
}

/// Bytes added to each report: IPv4/UDP and PDCP/RLC/MAC headers.
pub const UPLINK_OVERHEAD_BYTES: u32 = 40;
/// Device transmit power of power class 3, dBm.
pub const DEVICE_TX_DBM: f64 = 23.0;

/// One coverage class of a carrier.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CoverageClass {
    /// Highest coupling loss served in this class, dB.
    pub max_coupling_loss_db: f64,
    /// Preamble repetitions.
    pub ra_repetitions: u32,
    /// Data repetitions.
    pub data_repetitions: u32,
    /// Random-access occasion period relative to class 0.
    pub ra_period_factor: u32,
    /// Random-access response, connection request and setup after the preamble, µs.
    pub access_exchange_us: u64,
}

/// A carrier's radio and access parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Carrier {
    /// Technology.
    pub technology: Technology,
    /// Coverage classes, normal coverage first; a device beyond the last is out of coverage.
    pub classes: Vec<CoverageClass>,
    /// Data rate of one uplink resource per repetition, bit/s.
    pub rate_bps: f64,
    /// Uplink resources served in parallel.
    pub servers: u16,
    /// Duration of one preamble repetition, µs.
    pub preamble_us: u64,
    /// Random-access occasion period in normal coverage, µs.
    pub ra_period_us: u64,
    /// Preambles to pick from at each occasion.
    pub preambles: u16,
}

impl Carrier {
    /// An NB-IoT carrier with the defaults above.
    pub fn nbiot() -> Self {
        Carrier {
            technology: Technology::NbIot,
            classes: vec![
                class(144.0, 2, 1, 1, 300_000),
                class(154.0, 8, 8, 4, 1_200_000),
                class(164.0, 32, 64, 16, 4_000_000),
            ],
            rate_bps: 12_500.0,
            servers: 12,
            preamble_us: 5_600,
            ra_period_us: 160_000,
            preambles: 48,
        }
    }

    /// An LTE-M carrier (CE mode A normal and robust, CE mode B).
    pub fn ltem() -> Self {
        Carrier {
            technology: Technology::LteM,
            classes: vec![
                class(144.0, 1, 1, 1, 100_000),
                class(150.0, 8, 8, 4, 400_000),
                class(155.7, 32, 64, 16, 1_600_000),
            ],
            rate_bps: 375_000.0,
            servers: 2,
            preamble_us: 1_000,
            ra_period_us: 20_000,
            preambles: 54,
        }
    }

    /// An LTE Cat-1 carrier: one class, no repetitions.
    pub fn lte() -> Self {
        Carrier {
            technology: Technology::Lte,
            classes: vec![class(140.7, 1, 1, 1, 50_000)],
            rate_bps: 5_000_000.0,
            servers: 5,
            preamble_us: 1_000,
            ra_period_us: 10_000,
            preambles: 54,
        }
    }

    /// The default carrier of a technology.
    pub fn default_for(t: Technology) -> Self {
        match t {
            Technology::NbIot => Carrier::nbiot(),
            Technology::LteM => Carrier::ltem(),
            Technology::Lte => Carrier::lte(),
        }
    }

    /// The coverage class for a coupling loss, or None beyond the last class.
    pub fn class_of(&self, coupling_loss_db: f64) -> Option<u8> {
        self.classes.iter().position(|c| coupling_loss_db <= c.max_coupling_loss_db).map(|i| i as u8)
    }

    /// Highest coupling loss the carrier serves, dB.
    pub fn max_coupling_loss_db(&self) -> f64 {
        self.classes.last().map_or(0.0, |c| c.max_coupling_loss_db)
    }

    /// Random-access occasion period of a class, µs.
    pub fn ra_period_of(&self, class: u8) -> u64 {
        self.ra_period_us * u64::from(self.classes[usize::from(class)].ra_period_factor)
    }

    /// The first preamble occasion of `class` at or after `t` (occasions at whole periods), µs.
    pub fn next_occasion(&self, class: u8, t: u64) -> u64 {
        let p = self.ra_period_of(class);
        t.div_ceil(p) * p
    }

    /// Time from an occasion until the device may send data, when its preamble got through:
    /// the preamble's repetitions and the access exchange, µs.
    pub fn access_us(&self, class: u8) -> u64 {
        let c = &self.classes[usize::from(class)];
        self.preamble_us * u64::from(c.ra_repetitions) + c.access_exchange_us
    }

    /// Time on one uplink resource to send `payload_bytes` (plus overhead) in `class`, µs.
    pub fn uplink_us(&self, class: u8, payload_bytes: u32) -> u64 {
        let bits = f64::from((payload_bytes + UPLINK_OVERHEAD_BYTES) * 8);
        let reps = f64::from(self.classes[usize::from(class)].data_repetitions);
        (bits / self.rate_bps * reps * 1e6).ceil() as u64
    }
}

fn class(max_cl: f64, ra: u32, data: u32, period: u32, exchange_us: u64) -> CoverageClass {
    CoverageClass {
        max_coupling_loss_db: max_cl,
        ra_repetitions: ra,
        data_repetitions: data,
        ra_period_factor: period,
        access_exchange_us: exchange_us,
    }
}

/// Probability that a preamble survives an occasion when the other contenders are Poisson with
/// mean `contenders` and pick uniformly among `preambles`: nobody else picks the same one,
/// e^(-contenders/preambles).
pub fn preamble_success(contenders: f64, preambles: u16) -> f64 {
    (-contenders / f64::from(preambles)).exp()
}

/// Erlang C: probability that an arrival waits in an M/M/c queue with offered load `a` Erlang
/// (a < c).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    // Erlang B by the stable recursion, then C from B.
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let rho = a / f64::from(c);
    b / (1.0 - rho + rho * b)
}

/// Mean wait in queue of an M/D/1 server with utilisation `rho` and service time `service`:
/// rho / (2 mu (1 - rho)) (REFERENCE.md §3).
pub fn md1_wait(rho: f64, service: f64) -> f64 {
    rho * service / (2.0 * (1.0 - rho))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_classes_follow_the_coupling_loss_boundaries() {
        let nb = Carrier::nbiot();
        assert_eq!(nb.class_of(120.0), Some(0));
        assert_eq!(nb.class_of(144.0), Some(0));
        assert_eq!(nb.class_of(144.1), Some(1));
        assert_eq!(nb.class_of(154.0), Some(1));
        assert_eq!(nb.class_of(163.9), Some(2));
        assert_eq!(nb.class_of(164.1), None);
        // NB-IoT reaches 20 dB beyond GPRS (144 dB), LTE-M 155.7 dB, Cat-1 140.7 dB.
        assert_eq!(nb.max_coupling_loss_db(), 164.0);
        assert_eq!(Carrier::ltem().max_coupling_loss_db(), 155.7);
        assert_eq!(Carrier::lte().class_of(141.0), None);
    }

    #[test]
    fn uplink_time_is_bits_over_rate_times_repetitions() {
        let nb = Carrier::nbiot();
        // 20 bytes + 40 overhead = 480 bits at 12.5 kbit/s = 38.4 ms per repetition.
        assert_eq!(nb.uplink_us(0, 20), 38_400);
        assert_eq!(nb.uplink_us(1, 20), 8 * 38_400);
        assert_eq!(nb.uplink_us(2, 20), 64 * 38_400);
        // Extreme coverage: 480 bits in 2.46 s is ~195 bit/s, near TR 45.820's 160 bit/s target.
        let bps = 480.0 / (nb.uplink_us(2, 20) as f64 / 1e6);
        assert!((150.0..250.0).contains(&bps), "{bps}");
        // NPRACH format 0: 5.6 ms per repetition.
        assert_eq!(nb.access_us(0), 2 * 5_600 + 300_000);
    }

    #[test]
    fn occasions_fall_on_whole_periods_of_the_class() {
        let nb = Carrier::nbiot();
        assert_eq!(nb.next_occasion(0, 0), 0);
        assert_eq!(nb.next_occasion(0, 1), 160_000);
        assert_eq!(nb.next_occasion(0, 160_000), 160_000);
        assert_eq!(nb.next_occasion(2, 1), 16 * 160_000);
    }

    #[test]
    fn erlang_c_matches_known_values() {
        // One server: P(wait) = rho.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        // Two servers, a = 1: C = 1/3 (textbook value).
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // M/D/1 at rho 0.5 waits half a service time.
        assert!((md1_wait(0.5, 2.0) - 1.0).abs() < 1e-12);
        assert!((preamble_success(48.0, 48) - (-1.0f64).exp()).abs() < 1e-12);
    }
}
