//! Device energy in the engine: what each battery-powered sensor draws, by state, and its
//! battery (or solar-charged store), settled lazily.
//!
//! - The transmit system adds each LoRa transmission's charge (TX current at the device's
//!   power x time on air, standby until RX2, and the two Class A receive windows) to the
//!   device's [`RadioDraw`].
//! - A sensor's [`Supply`] is settled up to an instant in its [`Ledger`] (charge and time by
//!   state): the readings taken since the last settlement (sensing, and for cellular and Wi-Fi
//!   the whole report as a wake-up), the radio charge added since, idle time up to now (sleep,
//!   or a cellular modem's PSM or eDRX floor), self-discharge, and solar harvest.
//! - Settlements happen only when they could matter: the sense system settles a sensor at a
//!   reading once the reading is past the sensor's check time, the earliest instant its store
//!   could be empty if it drew at an upper bound of its current ([`ReadingCost::bound_ma`]),
//!   or an hour for a solar store. A store found empty loses the reading as
//!   `battery_depleted`. Every other reading costs nothing here.
//!
//! Nothing is touched between a sensor's events, so energy adds no per-step cost; a last
//! settlement at the end of the run closes every ledger.

use bevy_ecs::prelude::*;

use crate::model::battery::{Battery, Chemistry, delivered_capacity_ah};
use crate::model::cellular::{Carrier, Technology};
use crate::model::energy::{
    Ledger, NRF9160_SUPPLY_V, PSM_FLOOR_MA, PowerProfile, RX2_DELAY_US, State, cellular_wakeup, edrx_average_current_ma,
};
use crate::model::{solar, wifi};
use crate::scenario::Scenario;
use crate::scenario::types::BatteryKind;

/// Charge the LoRa radio has drawn since the sensor's last settlement (kept in `LoraDevice`,
/// where the transmit system has it at hand; the settlement empties it): per Class A state,
/// charge (mAh) and time (µs).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RadioDraw {
    /// Charge transmitting, in standby between the uplink and RX2, and receiving, mAh.
    pub mah: [f64; 3],
    /// Time in the same three states, µs.
    pub us: [u64; 3],
}

/// The Class A states a [`RadioDraw`] holds, in its order.
pub const RADIO_STATES: [State; 3] = [State::Transmit, State::Standby, State::Receive];

impl RadioDraw {
    /// Books one Class A uplink: `airtime_us` transmitting at `tx_ma`, standby until RX2, and
    /// receive windows of `rx1_us` and `rx2_us`.
    pub fn uplink(&mut self, profile: &PowerProfile, tx_ma: f64, airtime_us: u64, rx1_us: u64, rx2_us: u64) {
        let standby_us = RX2_DELAY_US.saturating_sub(rx1_us);
        let rx_us = rx1_us + rx2_us;
        let parts = [(tx_ma, airtime_us), (profile.standby_ma, standby_us), (profile.rx_ma, rx_us)];
        for (i, (ma, us)) in parts.into_iter().enumerate() {
            self.mah[i] += ma * us as f64 / 3.6e9;
            self.us[i] += us;
        }
    }
}

/// Daily solar harvest for a group, as charge into its store, with the daylight window.
#[derive(Clone, Debug, PartialEq)]
pub struct Harvest {
    /// Charge harvested on each simulated day, mAh.
    pub day_mah: Vec<f64>,
    /// Daylight hours of each simulated day (harvest spread evenly around noon).
    pub daylight_h: Vec<f64>,
}

impl Harvest {
    /// The harvest of a `panel_w` panel at `latitude` for `days` days from `start_doy`, into a
    /// store at `voltage`.
    pub fn new(panel_w: f64, latitude: f64, start_doy: u16, days: usize, voltage: f64) -> Self {
        let mut day_mah = Vec::with_capacity(days);
        let mut daylight_h = Vec::with_capacity(days);
        for d in 0..days {
            let doy = solar::day_of_year_after(start_doy, d as u32);
            let h = solar::surface_irradiation_kwh(latitude, doy, solar::DEFAULT_CLEARNESS_INDEX);
            let wh = solar::panel_daily_energy_wh(panel_w, h, solar::DEFAULT_PERFORMANCE_RATIO);
            day_mah.push(wh / voltage * 1000.0);
            daylight_h.push(solar::daylight_hours(latitude, doy));
        }
        Harvest { day_mah, daylight_h }
    }

    /// Charge harvested from the start of the run to `t_us`, mAh.
    pub fn cumulative_mah(&self, t_us: u64) -> f64 {
        let day = (t_us / 86_400_000_000) as usize;
        let full: f64 = self.day_mah.iter().take(day).sum();
        let Some((&q, &n)) = self.day_mah.get(day).zip(self.daylight_h.get(day)) else { return full };
        let hour = (t_us % 86_400_000_000) as f64 / 3.6e9;
        let (rise, set) = (12.0 - n / 2.0, 12.0 + n / 2.0);
        let share = if n <= 0.0 { 0.0 } else { ((hour - rise) / (set - rise)).clamp(0.0, 1.0) };
        full + q * share
    }
}

/// What one sensor's readings cost, fixed for the run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReadingCost {
    /// Idle current between activities, mA: the node asleep, plus a cellular modem's PSM or
    /// eDRX floor.
    pub idle_ma: f64,
    /// The state idle time is booked under (sleep, PSM or eDRX).
    pub idle_state: Option<State>,
    /// One reading's sensing current, mA.
    pub sense_ma: f64,
    /// Sensing time, µs.
    pub sense_us: u64,
    /// One cellular or Wi-Fi report's charge, mAh (LoRa radios book their own).
    pub report_mah: f64,
    /// Its time, µs.
    pub report_us: u64,
    /// An upper bound on the sensor's average current, mA: idle plus the worst reading (every
    /// allowed transmission at SF12) at three times the mean reading rate. Settlements come
    /// before this bound could have emptied the store.
    pub bound_ma: f64,
}

/// A battery-powered sensor's store and ledger.
#[derive(Component, Clone, Debug)]
pub struct Supply {
    /// The battery (or solar-charged store).
    pub battery: Battery,
    /// Charge and time by state.
    pub ledger: Ledger,
    /// Ledger charge already taken from the store, mAh.
    pub taken_mah: f64,
    /// Self-discharge so far, mAh.
    pub leaked_mah: f64,
    /// Harvest credited so far, mAh.
    pub harvested_mah: f64,
    /// Index of the group's harvest table, if solar.
    pub solar: Option<u16>,
    /// First time the battery was found empty (u64::MAX: never).
    pub depleted_at: u64,
    /// What its readings cost: an index into `EnergyTables::costs`.
    pub cost: u16,
    /// Readings booked so far.
    pub booked: u32,
}

impl Supply {
    /// A full store of `battery` for a sensor whose readings cost `EnergyTables::costs[cost]`.
    pub fn new(battery: Battery, cost: u16, solar: Option<u16>) -> Self {
        Supply {
            battery,
            ledger: Ledger::new(),
            taken_mah: 0.0,
            leaked_mah: 0.0,
            harvested_mah: 0.0,
            solar,
            depleted_at: u64::MAX,
            cost,
            booked: 0,
        }
    }

    /// Brings the ledger and the store up to `t`: the readings taken since the last settlement
    /// (up to `readings`, the sensor's count so far), the radio's charge (emptying `radio`),
    /// idle time up to `t`, self-discharge and harvest. Returns whether the store is empty.
    pub fn settle(&mut self, t: u64, readings: u32, radio: Option<&mut RadioDraw>, tables: &EnergyTables) -> bool {
        let from = self.ledger.settled_until_us();
        let new = readings.saturating_sub(self.booked);
        if new > 0 {
            self.book(new, tables);
        }
        if let Some(r) = radio {
            let r = std::mem::take(r);
            for (i, state) in RADIO_STATES.into_iter().enumerate() {
                if r.us[i] > 0 {
                    self.ledger.add_charge(state, r.mah[i], r.us[i]);
                }
            }
        }
        let cost = &tables.costs[usize::from(self.cost)];
        self.ledger.settle(cost.idle_state.unwrap_or(State::Sleep), cost.idle_ma, t);
        let leak = self.battery.leak_ma() * self.ledger.settled_until_us().saturating_sub(from) as f64 / 3.6e9;
        self.leaked_mah += leak;
        let mut harvest = 0.0;
        if let Some(h) = self.solar.and_then(|i| tables.harvests.get(usize::from(i))) {
            let total = h.cumulative_mah(t);
            harvest = total - self.harvested_mah;
            self.harvested_mah = total;
        }
        let total = self.ledger.total_charge_mah();
        let net = total - self.taken_mah + leak - harvest;
        self.taken_mah = total;
        if net >= 0.0 {
            self.battery.draw(net);
        } else {
            self.battery.recharge(-net);
        }
        let empty = self.battery.is_depleted();
        if empty && self.depleted_at == u64::MAX {
            self.depleted_at = t;
        }
        empty
    }

    /// Whether the store can be charged again (a primary cell, once empty, stays empty).
    pub fn battery_rechargeable(&self) -> bool {
        self.solar.is_some()
    }

    /// Books `n` readings (sensing and, for cellular and Wi-Fi, the report); their charge is
    /// drawn from the store at the next settlement.
    pub fn book(&mut self, n: u32, tables: &EnergyTables) {
        let c = tables.costs[usize::from(self.cost)];
        let n64 = u64::from(n);
        self.ledger.add(State::Sensing, c.sense_ma, c.sense_us * n64);
        if c.report_us > 0 {
            self.ledger.add_charge(State::Wake, c.report_mah * f64::from(n), c.report_us * n64);
        }
        self.booked += n;
    }

    /// When the sensor must next settle: before its store could possibly be empty, drawing
    /// at most its cost's bound; at least hourly for a solar store (whose nights matter).
    pub fn next_check(&self, t: u64, tables: &EnergyTables) -> u64 {
        let bound_ma = tables.costs[usize::from(self.cost)].bound_ma + self.battery.leak_ma();
        let safe_us = (self.battery.remaining_mah() / bound_ma.max(1e-9) * 3.6e9 * 0.9).min(1e15) as u64;
        let cap = if self.solar.is_some() { 3_600_000_000 } else { u64::MAX };
        t.saturating_add(safe_us.min(cap).max(1))
    }
}

/// Per-group tables the settlements read: solar harvests and reading costs.
#[derive(Resource, Clone, Debug, Default)]
pub struct EnergyTables {
    /// Harvest of each solar group.
    pub harvests: Vec<Harvest>,
    /// Distinct reading costs (per group, and per coverage class for cellular devices).
    pub costs: Vec<ReadingCost>,
    /// Each group's harvest, if it has a panel.
    pub harvest_index: Vec<Option<u16>>,
}

impl EnergyTables {
    /// The index of `cost`, added if new.
    pub fn cost_index(&mut self, cost: ReadingCost) -> u16 {
        match self.costs.iter().position(|c| *c == cost) {
            Some(i) => i as u16,
            None => {
                self.costs.push(cost);
                (self.costs.len() - 1) as u16
            }
        }
    }
}

/// How a sensor reaches the network, as far as its energy is concerned.
#[derive(Clone, Copy, Debug)]
pub enum Link<'a> {
    /// A LoRa radio: its time on air, the run's currents and receive windows, and its SF.
    Lora {
        /// Time on air of one uplink, µs.
        airtime_us: u64,
        /// Time on air at SF12 and the RX1 window at SF12 (ADR may move it there), µs.
        sf12_us: (u64, u64),
        /// RX1 window (at the uplink SF) plus RX2 window, µs.
        rx_us: (u64, u64),
        /// Currents.
        profile: &'a PowerProfile,
    },
    /// A cellular modem on `carrier` in coverage `class`.
    Cellular {
        /// The carrier.
        carrier: &'a Carrier,
        /// Coverage class.
        class: u8,
    },
    /// A Wi-Fi station.
    Wifi,
    /// Out of coverage, or wired.
    None,
}

/// The chemistry of a scenario battery kind.
pub fn chemistry(kind: BatteryKind) -> Chemistry {
    match kind {
        BatteryKind::LiSocl2Aa => Chemistry::LiSocl2Aa,
        BatteryKind::LiSocl2D => Chemistry::LiSocl2D,
        BatteryKind::Alkaline2xaa => Chemistry::Alkaline2xAa,
        BatteryKind::LithiumRechargeable => Chemistry::LithiumRechargeable,
    }
}

/// The store of a sensor of group `g` reaching the network by `link`, or None for a mains
/// device. A primary cell's capacity is its delivered capacity at the sensor's expected average
/// drain (the Li-SOCl2 and alkaline curves fall at high drain).
pub fn supply_for(sc: &Scenario, g: usize, link: Link<'_>, tables: &mut EnergyTables) -> Option<Supply> {
    let group = &sc.groups[g];
    if group.power.mains == Some(true) {
        return None;
    }
    let chem = chemistry(group.power.battery?);
    let volts = chem.nominal_voltage_v();
    let mut cost = ReadingCost {
        idle_ma: group.sleep_ua / 1000.0,
        idle_state: Some(State::Sleep),
        sense_ma: group.sense_ma,
        sense_us: (group.sense_ms * 1000.0) as u64,
        report_mah: 0.0,
        report_us: 0,
        bound_ma: 0.0,
    };
    let (mut radio_mah, mut worst_radio_mah) = (0.0, 0.0);
    match link {
        Link::Lora { airtime_us, sf12_us, rx_us, profile } => {
            let (mut d, mut worst) = (RadioDraw::default(), RadioDraw::default());
            for _ in 0..group.transmissions.max(1) {
                let tx_ma = profile.tx_current_ma(group.tx_power_dbm);
                d.uplink(profile, tx_ma, airtime_us, rx_us.0, rx_us.1);
                worst.uplink(profile, tx_ma, sf12_us.0, sf12_us.1, rx_us.1);
            }
            radio_mah = d.mah.iter().sum();
            worst_radio_mah = worst.mah.iter().sum();
        }
        Link::Cellular { carrier, class } => {
            // nRF9160 wake-up (LTE Cat-1: no figure in REFERENCE.md, the LTE-M one is used),
            // stretched at its mean power by the class's extra repetitions.
            let wake = cellular_wakeup(carrier.technology)
                .or_else(|| cellular_wakeup(Technology::LteM))
                .expect("LTE-M has a wake-up figure");
            let busy = |k: u8| carrier.access_us(k) + carrier.uplink_us(k, u32::from(group.payload_bytes));
            let extra_us = busy(class).saturating_sub(busy(0));
            let mean_w = wake.energy_mj / 1000.0 / (wake.duration_us as f64 / 1e6);
            let joules = wake.energy_mj / 1000.0 + mean_w * extra_us as f64 / 1e6;
            cost.report_mah = joules / volts / 3.6;
            cost.report_us = wake.duration_us + extra_us;
            let modem_floor = match (sc.cellular.psm, sc.cellular.edrx_cycle) {
                (true, _) => (PSM_FLOOR_MA * NRF9160_SUPPLY_V / volts, State::PsmFloor),
                (false, Some(c)) => (edrx_average_current_ma(c.as_secs_f64()) * NRF9160_SUPPLY_V / volts, State::Edrx),
                (false, None) => (edrx_average_current_ma(81.92) * NRF9160_SUPPLY_V / volts, State::Edrx),
            };
            cost.idle_ma += modem_floor.0;
            cost.idle_state = Some(modem_floor.1);
        }
        Link::Wifi => {
            cost.report_mah = wifi::REPORT_WAKE_MA * wifi::REPORT_WAKE_US as f64 / 3.6e9;
            cost.report_us = wifi::REPORT_WAKE_US;
        }
        Link::None => {}
    }
    let per_reading_mah = cost.sense_ma * cost.sense_us as f64 / 3.6e9 + cost.report_mah + radio_mah;
    let per_hour = 3.6e9 / group.report_every.0.max(1) as f64;
    let expected_ma = cost.idle_ma + per_reading_mah * per_hour;
    let worst_mah = cost.sense_ma * cost.sense_us as f64 / 3.6e9 + cost.report_mah + worst_radio_mah;
    cost.bound_ma = cost.idle_ma + worst_mah * per_hour * 3.0;
    let capacity_mah = match group.power.capacity {
        Some(c) => c.0,
        None => delivered_capacity_ah(chem, expected_ma) * 1000.0,
    };
    let battery = Battery::new(capacity_mah, chem.self_discharge_per_year());
    let solar = group.power.solar_panel_w.and_then(|_| tables.harvest_index[g]);
    Some(Supply::new(battery, tables.cost_index(cost), solar))
}

/// Energy tables with a harvest for each group with a solar panel.
pub fn tables(sc: &Scenario) -> EnergyTables {
    let latitude = sc.city.latitude;
    let days = (sc.duration.0 + crate::sim::MAX_SETTLING.0).div_ceil(86_400_000_000) as usize + 1;
    let mut tables = Vec::new();
    let index = sc
        .groups
        .iter()
        .map(|g| {
            let (Some(panel_w), Some(kind)) = (g.power.solar_panel_w, g.power.battery) else { return None };
            let volts = chemistry(kind).nominal_voltage_v();
            tables.push(Harvest::new(panel_w, latitude, sc.start_day_of_year, days, volts));
            Some((tables.len() - 1) as u16)
        })
        .collect();
    EnergyTables { harvests: tables, costs: Vec::new(), harvest_index: index }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settlement_books_idle_time_between_activities() {
        let cost = ReadingCost { idle_ma: 0.01, sense_ma: 2.0, sense_us: 1_000_000, ..Default::default() };
        let mut tables = EnergyTables::default();
        let mut s = Supply::new(Battery::new(1000.0, 0.0), tables.cost_index(cost), None);
        let mut radio = RadioDraw::default();
        radio.uplink(&PowerProfile::lora_rak4260(), 44.0, 500_000, 100_000, 200_000);
        assert!(!s.settle(100_000_000, 1, Some(&mut radio), &tables));
        // 100 s: 1 s sensing, 0.5 s TX, 1.9 s standby, 0.3 s RX; the rest, 96.3 s, asleep.
        assert_eq!(s.ledger.time_us(State::Sleep), 96_300_000);
        assert_eq!(s.ledger.total_time_us(), 100_000_000);
        let expected = (0.01 * 96.3 + 2.0 * 1.0 + 44.0 * 0.5 + 1.4 * 1.9 + 13.6 * 0.3) / 3600.0;
        assert!((s.ledger.total_charge_mah() - expected).abs() < 1e-9);
        assert!((s.battery.remaining_mah() - (1000.0 - expected)).abs() < 1e-9);
        // Radio charge is booked once: the settlement empties the draw.
        assert_eq!(radio, RadioDraw::default());
        s.settle(200_000_000, 1, Some(&mut radio), &tables);
        assert_eq!(s.ledger.time_us(State::Transmit), 500_000);
    }

    #[test]
    fn harvest_accrues_in_daylight_only() {
        let h = Harvest { day_mah: vec![1000.0, 2000.0], daylight_h: vec![12.0, 12.0] };
        let at = |hours: f64| h.cumulative_mah((hours * 3.6e9) as u64);
        assert_eq!(at(5.0), 0.0);
        assert_eq!(at(12.0), 500.0);
        assert_eq!(at(20.0), 1000.0);
        assert_eq!(at(24.0 + 12.0), 2000.0);
        assert_eq!(at(100.0), 3000.0);
    }
}
