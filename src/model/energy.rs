//! Per-device energy accounting: the states a device's radio and sensor pass through, the
//! current each draws ([`PowerProfile`]), a [`Ledger`] of charge and time per state with lazy
//! settlement of sleep, the LoRaWAN Class A uplink sequence, and the nRF9160 figures for
//! cellular (NB-IoT / LTE-M) wake-ups, PSM and eDRX.
//!
//! Units: current in mA, charge in mAh (`f64`), time in integer microseconds, energy in J or mJ.
//!
//! Figures and sources (REFERENCE.md §2 unless noted):
//! - **TX current vs power** ([`tx_current_ma`]): LoRaSim's table (the same as FLoRa's) for 2..14
//!   dBm, 24 24 24 25 25 25 25 26 31 32 34 35 44 mA, measured on an SX1276's PA_BOOST pin at
//!   3.0 V; above 14 dBm the RAK4260 module's PA_BOOST figures, 95.6 mA @ 17 dBm and 126.3 mA
//!   @ 20 dBm. Linear in dBm between points, held at the ends. The 14 dBm point stays LoRaSim's
//!   44 mA so the curve is one PA_BOOST series; RAK4260 reaches 14 dBm on its RFO pin with
//!   33.1 mA ([`RAK4260_TX_14DBM_RFO_MA`]), 11 mA less, so the table is conservative at 14 dBm.
//!   LoRaSim's own list continues 82..90 mA for 15..17 dBm and 105..125 mA for 18..20 dBm,
//!   within 6 % of the RAK figures at 17 and 20 dBm.
//! - **RAK4260** (3.3 V): RX 13.6 mA, sleep 0.86 µA (radio only). It gives no standby figure, so
//!   [`PowerProfile::lora_rak4260`] uses ns-3's 1.4 mA.
//! - **ns-3 lorawan** `LoraRadioEnergyModel` defaults: standby 1.4 mA, RX 11.2 mA, sleep 1.5 µA,
//!   TX 28 mA (`TxCurrentA`, constant, as ns-3's energy example uses it), 3.3 V supply (the
//!   example's `BasicEnergySupplyVoltageV`).
//! - **Whole node**: MCU + sensor + radio asleep draw tens of µA, so radio-only sleep figures
//!   understate a device; [`WHOLE_NODE_SLEEP_MA`] (20 µA, an assumption inside that range) can
//!   replace a profile's `sleep_ma`.
//! - **Class A**: RX1 opens 1 s and RX2 2 s after the end of an uplink. Without a downlink each
//!   window stays open 8 symbols at its data rate (ns-3 `m_receiveWindowDurationInSymbols`);
//!   the radio waits in standby between the uplink and RX2, as ns-3's PHY does.
//! - **nRF9160** (measured at 3.7 V on VDD, the setup of Nordic's Online Power Profiler): PSM
//!   floor 2.7 µA; one periodic wake-up ~550 mJ over 2.7 s (Cat-NB1, 23 dBm) or ~105 mJ over
//!   1.5 s (Cat-M1); eDRX averages 37 µA at an 81.92 s cycle and 9 µA at 655.36 s. The modem's
//!   DC/DC converter draws roughly constant power, so a wake-up costs `energy / V` of charge at
//!   the battery's voltage ([`CellularWakeup::charge_mah`]).
//! - **eDRX between the two points**: each paging time window costs a fixed charge on top of a
//!   floor current, so the average is `floor + Q / cycle`. Fitting the two reference points gives
//!   floor 5 µA and Q = 2.62144 mC per cycle exactly; this matches both points, and unlike
//!   interpolation in log(cycle) stays physical outside them (it tends to the 5 µA floor for long
//!   cycles). At 163.84 s it gives 21 µA, where log interpolation would give 27.7 µA.

use crate::model::battery::interpolate;
use crate::model::cellular::Technology;
use crate::model::radio::LoraParams;

/// Microseconds in an hour.
const US_PER_HOUR: f64 = 3.6e9;

/// Microseconds in a second.
const US_PER_S: f64 = 1e6;

/// Coulombs in a mAh.
const COULOMBS_PER_MAH: f64 = 3.6;

/// A state a device spends time in, each with its own current draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// Everything asleep between activities.
    Sleep,
    /// MCU and sensor awake taking a reading, radio asleep.
    Sensing,
    /// LoRa radio on but idle (waiting for the Class A receive windows).
    Standby,
    /// Radio transmitting.
    Transmit,
    /// Radio receiving (a receive window or a downlink).
    Receive,
    /// Cellular modem awake for a periodic wake-up from PSM (attach, transmit, release).
    Wake,
    /// Cellular modem in Power Saving Mode.
    PsmFloor,
    /// Cellular modem idle in extended discontinuous reception.
    Edrx,
}

impl State {
    /// Number of states.
    pub const COUNT: usize = 8;

    /// Every state, in ledger order.
    pub const ALL: [State; State::COUNT] = [
        State::Sleep,
        State::Sensing,
        State::Standby,
        State::Transmit,
        State::Receive,
        State::Wake,
        State::PsmFloor,
        State::Edrx,
    ];

    /// Position in [`State::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Name in results.
    pub fn name(self) -> &'static str {
        match self {
            State::Sleep => "sleep",
            State::Sensing => "sensing",
            State::Standby => "standby",
            State::Transmit => "transmit",
            State::Receive => "receive",
            State::Wake => "wake",
            State::PsmFloor => "psm",
            State::Edrx => "edrx",
        }
    }
}

/// LoRa TX current table (dBm, mA): LoRaSim/FLoRa for 2..=14 dBm, RAK4260 above (module header).
const TX_CURRENT_TABLE: [(f64, f64); 15] = [
    (2.0, 24.0),
    (3.0, 24.0),
    (4.0, 24.0),
    (5.0, 25.0),
    (6.0, 25.0),
    (7.0, 25.0),
    (8.0, 25.0),
    (9.0, 26.0),
    (10.0, 31.0),
    (11.0, 32.0),
    (12.0, 34.0),
    (13.0, 35.0),
    (14.0, 44.0),
    (17.0, 95.6),
    (20.0, 126.3),
];

/// RAK4260 TX current at 14 dBm on its RFO pin, mA (not used by [`tx_current_ma`]).
pub const RAK4260_TX_14DBM_RFO_MA: f64 = 33.1;

/// Assumed sleep current of a whole LoRa node (MCU, sensor and radio asleep), mA: 20 µA, inside
/// the "tens of µA" of REFERENCE.md §2.
pub const WHOLE_NODE_SLEEP_MA: f64 = 0.020;

/// LoRa transmit current in mA at `dbm` (module header): linear in dBm through the table, held at
/// the 2 dBm and 20 dBm values outside it (NaN gives the 2 dBm value).
pub fn tx_current_ma(dbm: f64) -> f64 {
    interpolate(&TX_CURRENT_TABLE, dbm, false)
}

/// How a profile's transmit current depends on transmit power.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TxCurrent {
    /// [`tx_current_ma`] at the transmission's power.
    Table,
    /// The same current at every power, mA.
    Constant(f64),
}

/// Currents a LoRa device draws in each state, and its supply voltage.
///
/// Fields are public so a scenario can override one figure with struct-update syntax, e.g.
/// `PowerProfile { sleep_ma: WHOLE_NODE_SLEEP_MA, ..PowerProfile::lora_rak4260() }`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PowerProfile {
    /// Supply voltage, V (converts charge to energy).
    pub supply_v: f64,
    /// [`State::Sleep`] current, mA.
    pub sleep_ma: f64,
    /// [`State::Sensing`] current, mA (0 in the radio-only profiles: set it for the sensor).
    pub sensing_ma: f64,
    /// [`State::Standby`] current, mA.
    pub standby_ma: f64,
    /// [`State::Receive`] current, mA.
    pub rx_ma: f64,
    /// [`State::Transmit`] current model.
    pub tx: TxCurrent,
}

impl PowerProfile {
    /// RAK4260 module at 3.3 V: TX from [`tx_current_ma`], RX 13.6 mA, sleep 0.86 µA (radio
    /// only), standby 1.4 mA (ns-3's; RAK gives none).
    pub fn lora_rak4260() -> Self {
        PowerProfile {
            supply_v: 3.3,
            sleep_ma: 0.000_86,
            sensing_ma: 0.0,
            standby_ma: 1.4,
            rx_ma: 13.6,
            tx: TxCurrent::Table,
        }
    }

    /// ns-3 lorawan's `LoraRadioEnergyModel` defaults at 3.3 V: TX 28 mA at any power, RX
    /// 11.2 mA, standby 1.4 mA, sleep 1.5 µA.
    pub fn lora_ns3() -> Self {
        PowerProfile {
            supply_v: 3.3,
            sleep_ma: 0.0015,
            sensing_ma: 0.0,
            standby_ma: 1.4,
            rx_ma: 11.2,
            tx: TxCurrent::Constant(28.0),
        }
    }

    /// Transmit current at `dbm`, mA.
    pub fn tx_current_ma(&self, dbm: f64) -> f64 {
        match self.tx {
            TxCurrent::Table => tx_current_ma(dbm),
            TxCurrent::Constant(ma) => ma,
        }
    }

    /// Current in `state` (transmitting at `tx_dbm`), mA; `None` for the cellular states
    /// ([`State::Wake`], [`State::PsmFloor`], [`State::Edrx`]), which a LoRa profile lacks.
    pub fn current_ma(&self, state: State, tx_dbm: f64) -> Option<f64> {
        match state {
            State::Sleep => Some(self.sleep_ma),
            State::Sensing => Some(self.sensing_ma),
            State::Standby => Some(self.standby_ma),
            State::Transmit => Some(self.tx_current_ma(tx_dbm)),
            State::Receive => Some(self.rx_ma),
            State::Wake | State::PsmFloor | State::Edrx => None,
        }
    }
}

/// Charge and time a [`Ledger`] holds for one state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StateTotal {
    /// The state.
    pub state: State,
    /// Charge drawn in it, mAh.
    pub charge_mah: f64,
    /// Time spent in it, µs.
    pub time_us: u64,
}

/// A device's charge and time by state over a contiguous stretch of simulated time.
///
/// Segments are laid end to end from a cursor, [`Ledger::settled_until_us`]: [`Ledger::add`]
/// appends a segment of known length (a transmission, a receive window) and moves the cursor
/// past it; [`Ledger::settle`] fills the gap from the cursor to "now" with one state. An engine
/// therefore touches a device's ledger only when the device does something, settling the sleep
/// since its last activity then (`settle_sleep`), at no per-step cost. The total time in the
/// ledger always equals the cursor's advance from its start.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    charge_mah: [f64; State::COUNT],
    time_us: [u64; State::COUNT],
    settled_until_us: u64,
}

impl Ledger {
    /// An empty ledger whose cursor is at time zero.
    pub fn new() -> Self {
        Ledger::default()
    }

    /// An empty ledger whose cursor starts at `start_us` (a device switched on mid-run).
    pub fn starting_at(start_us: u64) -> Self {
        Ledger { settled_until_us: start_us, ..Ledger::default() }
    }

    /// Appends `duration_us` in `state` drawing `current_ma`, and moves the cursor past it.
    pub fn add(&mut self, state: State, current_ma: f64, duration_us: u64) {
        self.add_charge(state, current_ma * duration_us as f64 / US_PER_HOUR, duration_us);
    }

    /// Appends `duration_us` in `state` drawing `charge_mah` in all (for activities known by
    /// their total, like a cellular wake-up), and moves the cursor past it.
    pub fn add_charge(&mut self, state: State, charge_mah: f64, duration_us: u64) {
        let i = state.index();
        self.charge_mah[i] += charge_mah;
        self.time_us[i] += duration_us;
        self.settled_until_us = self.settled_until_us.saturating_add(duration_us);
    }

    /// Accounts the time from the cursor to `now_us` as `state` drawing `current_ma` and returns
    /// its length; nothing (0) if the cursor is already at or past `now_us`.
    pub fn settle(&mut self, state: State, current_ma: f64, now_us: u64) -> u64 {
        let gap = now_us.saturating_sub(self.settled_until_us);
        if gap > 0 {
            self.add(state, current_ma, gap);
        }
        gap
    }

    /// [`Ledger::settle`] in [`State::Sleep`]: call when a device wakes at `now_us`.
    pub fn settle_sleep(&mut self, sleep_ma: f64, now_us: u64) -> u64 {
        self.settle(State::Sleep, sleep_ma, now_us)
    }

    /// Time up to which everything is accounted, µs.
    pub fn settled_until_us(&self) -> u64 {
        self.settled_until_us
    }

    /// Charge drawn in `state`, mAh.
    pub fn charge_mah(&self, state: State) -> f64 {
        self.charge_mah[state.index()]
    }

    /// Time spent in `state`, µs.
    pub fn time_us(&self, state: State) -> u64 {
        self.time_us[state.index()]
    }

    /// Total charge drawn, mAh: the sum over states.
    pub fn total_charge_mah(&self) -> f64 {
        self.charge_mah.iter().sum()
    }

    /// Total time accounted, µs: the sum over states.
    pub fn total_time_us(&self) -> u64 {
        self.time_us.iter().sum()
    }

    /// Charge and time of every state, in [`State::ALL`] order.
    pub fn by_state(&self) -> impl Iterator<Item = StateTotal> + '_ {
        State::ALL.into_iter().map(|state| StateTotal {
            state,
            charge_mah: self.charge_mah(state),
            time_us: self.time_us(state),
        })
    }

    /// Average current over `over_us`, mA (0 for an empty span). Pass
    /// [`Ledger::total_time_us`] for the average over the accounted time.
    pub fn average_current_ma(&self, over_us: u64) -> f64 {
        if over_us == 0 { 0.0 } else { self.total_charge_mah() * US_PER_HOUR / over_us as f64 }
    }

    /// Energy drawn at a constant `supply_v`, J.
    pub fn energy_j(&self, supply_v: f64) -> f64 {
        self.total_charge_mah() * COULOMBS_PER_MAH * supply_v
    }

    /// Adds `other`'s totals into this ledger (fleet or group totals). The cursor becomes the
    /// later of the two, so a merged ledger's time is a sum, not a timeline.
    pub fn merge(&mut self, other: &Ledger) {
        for i in 0..State::COUNT {
            self.charge_mah[i] += other.charge_mah[i];
            self.time_us[i] += other.time_us[i];
        }
        self.settled_until_us = self.settled_until_us.max(other.settled_until_us);
    }
}

/// Delay from the end of an uplink to the opening of RX1, µs.
pub const RX1_DELAY_US: u64 = 1_000_000;

/// Delay from the end of an uplink to the opening of RX2, µs.
pub const RX2_DELAY_US: u64 = 2_000_000;

/// Symbols a receive window stays open when no downlink arrives (ns-3 default).
pub const RX_WINDOW_SYMBOLS: u32 = 8;

/// Length of a receive window with no downlink at the window's LoRa parameters, µs.
pub fn rx_window_us(params: &LoraParams) -> u64 {
    (params.symbol_time_s() * f64::from(RX_WINDOW_SYMBOLS) * US_PER_S).round() as u64
}

/// Accounts one Class A uplink from the ledger's cursor: `toa_us` transmitting at `tx_dbm`,
/// standby until RX1 opens [`RX1_DELAY_US`] later, `rx1_us` receiving, then, if `rx2_us > 0`,
/// standby until RX2 opens [`RX2_DELAY_US`] after the uplink and `rx2_us` receiving. Returns the
/// time accounted, µs.
///
/// Pass [`rx_window_us`] for a window without a downlink, the downlink's time on air for a window
/// that receives one, and `rx2_us = 0` when RX1 received a downlink (RX2 is then not opened).
pub fn class_a_uplink(
    ledger: &mut Ledger,
    profile: &PowerProfile,
    tx_dbm: f64,
    toa_us: u64,
    rx1_us: u64,
    rx2_us: u64,
) -> u64 {
    let start = ledger.settled_until_us();
    ledger.add(State::Transmit, profile.tx_current_ma(tx_dbm), toa_us);
    ledger.add(State::Standby, profile.standby_ma, RX1_DELAY_US);
    ledger.add(State::Receive, profile.rx_ma, rx1_us);
    if rx2_us > 0 {
        ledger.add(State::Standby, profile.standby_ma, (RX2_DELAY_US - RX1_DELAY_US).saturating_sub(rx1_us));
        ledger.add(State::Receive, profile.rx_ma, rx2_us);
    }
    ledger.settled_until_us() - start
}

/// nRF9160 supply voltage of the reference measurements, V (module header).
pub const NRF9160_SUPPLY_V: f64 = 3.7;

/// nRF9160 current in PSM, mA.
pub const PSM_FLOOR_MA: f64 = 0.0027;

/// eDRX cycles of the two reference points, s.
pub const EDRX_REFERENCE_CYCLES_S: [f64; 2] = [81.92, 655.36];

/// eDRX average currents at [`EDRX_REFERENCE_CYCLES_S`], mA.
pub const EDRX_REFERENCE_CURRENTS_MA: [f64; 2] = [0.037, 0.009];

/// One periodic wake-up of a cellular modem from PSM, as an energy over a duration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellularWakeup {
    /// Energy drawn, mJ.
    pub energy_mj: f64,
    /// Time awake, µs.
    pub duration_us: u64,
}

impl CellularWakeup {
    /// Charge drawn from a battery at `supply_v`, mAh (`energy / V`).
    pub fn charge_mah(&self, supply_v: f64) -> f64 {
        self.energy_mj / 1000.0 / supply_v / COULOMBS_PER_MAH
    }

    /// Mean current while awake at `supply_v`, mA.
    pub fn mean_current_ma(&self, supply_v: f64) -> f64 {
        self.charge_mah(supply_v) * US_PER_HOUR / self.duration_us as f64
    }
}

/// nRF9160 periodic wake-up for `technology`: Cat-NB1 550 mJ over 2.7 s, Cat-M1 105 mJ over
/// 1.5 s; `None` for LTE Cat-1, which REFERENCE.md gives no figure for.
pub fn cellular_wakeup(technology: Technology) -> Option<CellularWakeup> {
    match technology {
        Technology::NbIot => Some(CellularWakeup { energy_mj: 550.0, duration_us: 2_700_000 }),
        Technology::LteM => Some(CellularWakeup { energy_mj: 105.0, duration_us: 1_500_000 }),
        Technology::Lte => None,
    }
}

/// Charge of one nRF9160 periodic wake-up at [`NRF9160_SUPPLY_V`], mAh (Cat-NB1: 0.0413 mAh,
/// i.e. 148.6 mC, a mean 55 mA over 2.7 s); `None` for LTE Cat-1.
pub fn nbiot_wakeup_charge_mah(technology: Technology) -> Option<f64> {
    cellular_wakeup(technology).map(|w| w.charge_mah(NRF9160_SUPPLY_V))
}

/// Average current of a modem in PSM that wakes once every `period_us` (`wakeup` then the PSM
/// floor for the rest of the period), at `supply_v`, mA. A period shorter than the wake-up is
/// taken as back-to-back wake-ups.
pub fn psm_average_current_ma(wakeup: &CellularWakeup, period_us: u64, supply_v: f64) -> f64 {
    let period_us = period_us.max(wakeup.duration_us).max(1);
    let floor_mah = PSM_FLOOR_MA * (period_us - wakeup.duration_us) as f64 / US_PER_HOUR;
    (wakeup.charge_mah(supply_v) + floor_mah) * US_PER_HOUR / period_us as f64
}

/// Floor current of the eDRX model, mA, fitted to the two reference points (module header).
pub fn edrx_floor_ma() -> f64 {
    let [c1, c2] = EDRX_REFERENCE_CYCLES_S;
    let [i1, i2] = EDRX_REFERENCE_CURRENTS_MA;
    (i2 * c2 - i1 * c1) / (c2 - c1)
}

/// Charge per eDRX cycle (paging time window) of the eDRX model, mAh.
pub fn edrx_charge_per_cycle_mah() -> f64 {
    let [c1, _] = EDRX_REFERENCE_CYCLES_S;
    let [i1, _] = EDRX_REFERENCE_CURRENTS_MA;
    (i1 - edrx_floor_ma()) * c1 / 3600.0
}

/// Average nRF9160 current idling in eDRX with a cycle of `cycle_s` seconds (> 0), mA:
/// `floor + Q / cycle` (module header); 37 µA at 81.92 s, 9 µA at 655.36 s.
pub fn edrx_average_current_ma(cycle_s: f64) -> f64 {
    edrx_floor_ma() + edrx_charge_per_cycle_mah() * 3600.0 / cycle_s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::radio::{Bandwidth, SpreadingFactor, lorawan_phy_payload_bytes};

    fn rel_diff(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn tx_table_points_and_interpolation() {
        let lorasim = [24.0, 24.0, 24.0, 25.0, 25.0, 25.0, 25.0, 26.0, 31.0, 32.0, 34.0, 35.0, 44.0];
        for (i, ma) in lorasim.iter().enumerate() {
            assert_eq!(tx_current_ma(2.0 + i as f64), *ma);
        }
        assert_eq!(tx_current_ma(17.0), 95.6);
        assert_eq!(tx_current_ma(20.0), 126.3);
        assert_eq!(tx_current_ma(-5.0), 24.0);
        assert_eq!(tx_current_ma(27.0), 126.3);
        assert!((tx_current_ma(9.5) - 28.5).abs() < 1e-12);
        assert!((tx_current_ma(15.5) - (44.0 + 95.6) / 2.0).abs() < 1e-12);
        let mut previous = 0.0;
        for tenth in 20..=200 {
            let ma = tx_current_ma(f64::from(tenth) / 10.0);
            assert!(ma >= previous - 1e-12);
            previous = ma;
        }
    }

    #[test]
    fn profiles() {
        let rak = PowerProfile::lora_rak4260();
        assert_eq!(rak.current_ma(State::Transmit, 20.0), Some(126.3));
        assert_eq!(rak.current_ma(State::Receive, 14.0), Some(13.6));
        assert_eq!(rak.current_ma(State::Sleep, 14.0), Some(0.00086));
        assert_eq!(rak.current_ma(State::PsmFloor, 14.0), None);
        let ns3 = PowerProfile::lora_ns3();
        assert_eq!(ns3.tx_current_ma(2.0), 28.0);
        assert_eq!(ns3.tx_current_ma(14.0), 28.0);
        assert_eq!(ns3.current_ma(State::Standby, 14.0), Some(1.4));
        assert_eq!(ns3.current_ma(State::Receive, 14.0), Some(11.2));
        assert_eq!(ns3.current_ma(State::Sleep, 14.0), Some(0.0015));
        let node = PowerProfile { sleep_ma: WHOLE_NODE_SLEEP_MA, ..PowerProfile::lora_rak4260() };
        assert_eq!(node.current_ma(State::Sleep, 14.0), Some(0.02));
    }

    #[test]
    fn total_charge_is_the_sum_of_current_times_duration() {
        let segments = [
            (State::Sleep, 0.00086, 997_000_000u64),
            (State::Sensing, 5.0, 150_000),
            (State::Transmit, 44.0, 1_810_432),
            (State::Standby, 1.4, 1_000_000),
            (State::Receive, 13.6, 262_144),
            (State::Wake, 55.0, 2_700_000),
            (State::PsmFloor, 0.0027, 3_600_000_000),
            (State::Edrx, 0.037, 81_920_000),
            (State::Sleep, 0.00086, 1),
        ];
        let mut ledger = Ledger::starting_at(500);
        let mut expected_mah = 0.0;
        let mut expected_us = 0;
        for (state, ma, us) in segments {
            ledger.add(state, ma, us);
            expected_mah += ma * us as f64 / 3.6e9;
            expected_us += us;
        }
        assert!(rel_diff(ledger.total_charge_mah(), expected_mah) < 1e-12);
        assert_eq!(ledger.total_time_us(), expected_us);
        assert_eq!(ledger.settled_until_us(), 500 + expected_us);
        let by_state: Vec<StateTotal> = ledger.by_state().collect();
        assert_eq!(by_state.len(), State::COUNT);
        assert_eq!(by_state.iter().map(|s| s.charge_mah).sum::<f64>(), ledger.total_charge_mah());
        assert_eq!(by_state.iter().map(|s| s.time_us).sum::<u64>(), ledger.total_time_us());
        for total in by_state {
            let (mah, us) = segments
                .iter()
                .filter(|(s, _, _)| *s == total.state)
                .fold((0.0, 0), |(c, t), (_, ma, us)| (c + ma * *us as f64 / 3.6e9, t + us));
            assert!((total.charge_mah - mah).abs() <= 1e-15 * mah.max(1.0), "{:?}", total.state);
            assert_eq!(total.time_us, us);
        }
        assert!(rel_diff(ledger.energy_j(3.3), expected_mah * 3.6 * 3.3) < 1e-12);
    }

    #[test]
    fn lazy_sleep_settlement() {
        let mut ledger = Ledger::new();
        assert_eq!(ledger.settle_sleep(0.02, 1_000_000), 1_000_000);
        ledger.add(State::Transmit, 44.0, 50_000);
        // Already settled past this instant: nothing to add.
        assert_eq!(ledger.settle_sleep(0.02, 1_020_000), 0);
        assert_eq!(ledger.settle_sleep(0.02, 10_000_000), 8_950_000);
        assert_eq!(ledger.time_us(State::Sleep), 9_950_000);
        assert_eq!(ledger.total_time_us(), ledger.settled_until_us());
        let expected = (0.02 * 9_950_000.0 + 44.0 * 50_000.0) / 3.6e9;
        assert!(rel_diff(ledger.total_charge_mah(), expected) < 1e-12);

        let mut fleet = Ledger::new();
        fleet.merge(&ledger);
        fleet.merge(&ledger);
        assert_eq!(fleet.time_us(State::Sleep), 2 * 9_950_000);
        assert!(rel_diff(fleet.total_charge_mah(), 2.0 * expected) < 1e-12);
    }

    #[test]
    fn sf12_uplink_every_1000_s_matches_closed_form() {
        // SF12 / 125 kHz / CR 4/5, 20-byte application payload + 13 bytes LoRaWAN framing = 33 B:
        // n_pay = 8 + ceil((264 - 48 + 28 + 16) / 40) * 5 = 43 symbols, Tsym = 32.768 ms,
        // ToA = (8 + 4.25 + 43) * 32.768 ms = 1810.432 ms. RX windows: 8 * 32.768 = 262.144 ms.
        let params = LoraParams::uplink(SpreadingFactor::SF12, Bandwidth::Khz125);
        let phy = lorawan_phy_payload_bytes(20).unwrap();
        let toa_us = params.time_on_air_us(phy);
        assert_eq!(toa_us, 1_810_432);
        let window_us = rx_window_us(&params);
        assert_eq!(window_us, 262_144);

        let period_us = 1_000_000_000;
        for profile in [PowerProfile::lora_rak4260(), PowerProfile::lora_ns3()] {
            let mut ledger = Ledger::new();
            let mut t = 0;
            for _ in 0..10 {
                ledger.settle_sleep(profile.sleep_ma, t);
                class_a_uplink(&mut ledger, &profile, 14.0, toa_us, window_us, window_us);
                t += period_us;
            }
            ledger.settle_sleep(profile.sleep_ma, t);
            assert_eq!(ledger.total_time_us(), 10 * period_us);
            let simulated = ledger.average_current_ma(10 * period_us);

            // Closed form over one period T: TX for ToA, standby 1 s then 1 s - w, two windows
            // w, sleep for the rest.
            let (toa, w, period) = (1.810432, 0.262144, 1000.0);
            let closed = (profile.tx_current_ma(14.0) * toa
                + profile.rx_ma * 2.0 * w
                + profile.standby_ma * (2.0 - w)
                + profile.sleep_ma * (period - toa - 2.0 - w))
                / period;
            assert!(rel_diff(simulated, closed) < 1e-9, "{simulated} vs {closed}");
        }
        // RAK4260 numbers by hand: 44 * 1.810432 + 13.6 * 0.524288 + 1.4 * 1.737856
        // + 0.00086 * 995.927424 = 90.0788 mA s per 1000 s, i.e. 90.08 µA.
        let mut ledger = Ledger::new();
        class_a_uplink(&mut ledger, &PowerProfile::lora_rak4260(), 14.0, toa_us, window_us, window_us);
        ledger.settle_sleep(0.00086, period_us);
        assert!((ledger.average_current_ma(period_us) - 0.090_078_8).abs() < 1e-7);
    }

    #[test]
    fn class_a_with_downlink_in_rx1_skips_rx2() {
        let profile = PowerProfile::lora_ns3();
        let mut ledger = Ledger::new();
        let took = class_a_uplink(&mut ledger, &profile, 14.0, 56_576, 80_000, 0);
        assert_eq!(took, 56_576 + 1_000_000 + 80_000);
        assert_eq!(ledger.time_us(State::Receive), 80_000);
        assert_eq!(ledger.time_us(State::Standby), 1_000_000);
    }

    #[test]
    fn nrf9160_wakeups() {
        let nb = cellular_wakeup(Technology::NbIot).unwrap();
        // 550 mJ / 3.7 V = 148.65 mC = 0.041291 mAh; 55.06 mA mean over 2.7 s.
        let q = nbiot_wakeup_charge_mah(Technology::NbIot).unwrap();
        assert!(rel_diff(q, 0.550 / 3.7 / 3.6) < 1e-12);
        assert!(rel_diff(q, 0.041_291) < 1e-4);
        let mean = nb.mean_current_ma(NRF9160_SUPPLY_V);
        assert!((40.0..=115.0).contains(&mean), "{mean}");
        let m1 = nbiot_wakeup_charge_mah(Technology::LteM).unwrap();
        assert!(rel_diff(m1, 0.105 / 3.7 / 3.6) < 1e-12);
        assert_eq!(nbiot_wakeup_charge_mah(Technology::Lte), None);
        // From a 3.6 V Li-SOCl2 cell the same energy takes 3.7 / 3.6 times the charge.
        assert!(rel_diff(nb.charge_mah(3.6), q * 3.7 / 3.6) < 1e-12);
    }

    #[test]
    fn psm_average_current() {
        // NB-IoT report every hour: (148.65 mC + 2.7 µA * 3597.3 s) / 3600 s = 44.0 µA.
        let nb = cellular_wakeup(Technology::NbIot).unwrap();
        let avg = psm_average_current_ma(&nb, 3_600_000_000, NRF9160_SUPPLY_V);
        let by_hand = (0.550 / 3.7 * 1000.0 + 0.0027 * 3597.3) / 3600.0;
        assert!(rel_diff(avg, by_hand) < 1e-9, "{avg} vs {by_hand}");
        assert!((avg - 0.0440).abs() < 0.0001);
        // Waking every 2.7 s is back-to-back wake-ups.
        assert!(rel_diff(psm_average_current_ma(&nb, 1, 3.7), nb.mean_current_ma(3.7)) < 1e-12);
        // Ledger agreement: one wake-up by charge, then PSM for the rest of the hour.
        let mut ledger = Ledger::new();
        ledger.add_charge(State::Wake, nb.charge_mah(3.7), nb.duration_us);
        ledger.settle(State::PsmFloor, PSM_FLOOR_MA, 3_600_000_000);
        assert!(rel_diff(ledger.average_current_ma(3_600_000_000), avg) < 1e-12);
    }

    #[test]
    fn edrx_model_hits_reference_points() {
        assert!((edrx_average_current_ma(81.92) - 0.037).abs() < 1e-12);
        assert!((edrx_average_current_ma(655.36) - 0.009).abs() < 1e-12);
        assert!((edrx_floor_ma() - 0.005).abs() < 1e-12);
        // 2.62144 mC per cycle.
        assert!((edrx_charge_per_cycle_mah() * 3.6 - 0.002_621_44).abs() < 1e-12);
        let mid = edrx_average_current_ma(163.84);
        assert!((mid - 0.021).abs() < 1e-12, "{mid}");
        // Monotone decreasing in the cycle and above the floor for long cycles.
        assert!(edrx_average_current_ma(20.48) > 0.037);
        assert!(edrx_average_current_ma(10_485.76) > PSM_FLOOR_MA);
        assert!(edrx_average_current_ma(10_485.76) < 0.009);
    }
}
