//! End-of-run energy results: every battery sensor's ledger settled to the end of the run, its
//! lifetime projected from the average current it drew (the long-horizon mode: a day or a week
//! simulated in detail stands for years, and `tests/suite/energy.rs` checks the projection
//! against a detailed run to depletion) and capped at the chemistry's service life, the sensors that die first and why, battery
//! replacement and disposal, infrastructure energy with its carbon and electricity cost, and
//! the cost of ownership.

use bevy_ecs::prelude::*;

use super::build::{LoraDevice, Sensor};
use super::coverage::DISTANCE_BAND_M;
use super::energy::{EnergyTables, Supply, chemistry};
use crate::metrics::report::{
    CostReport, EndOfLife, EnergyReport, FirstToDie, GroupEnergy, Infrastructure, Maintenance, ScopeReport,
    SensorLifetime, Spread, StateEnergy,
};
use crate::model::battery::{Chemistry, HOURS_PER_YEAR, lifetime_years};
use crate::model::cost::{kwh_to_co2_kg, total_cost_of_ownership};
use crate::model::energy::{Ledger, State};
use crate::scenario::Scenario;
use crate::scenario::types::{RadioKind, ReplacementPolicy};
use crate::scenario::validate::cellular_technology;

/// Sensors listed in `first_to_die`.
pub const FIRST_TO_DIE: usize = 10;

/// How a chemistry is disposed of at end of life.
pub fn end_of_life_plan(c: Chemistry) -> &'static str {
    match c {
        Chemistry::LiSocl2Aa | Chemistry::LiSocl2D => {
            "primary lithium thionyl chloride: hazardous waste; collect through a certified battery \
             take-back (EU Battery Regulation 2023/1542; shipped as UN3090 Class 9), never with \
             municipal waste"
        }
        Chemistry::Alkaline2xAa => {
            "alkaline: municipal battery collection for zinc and manganese recovery (EU Battery \
             Regulation collection targets)"
        }
        Chemistry::LithiumRechargeable => {
            "lithium-ion: replace at end of cycle life and recycle through a Li-ion take-back \
             (fire risk when damaged)"
        }
    }
}

/// How a device is disposed of at end of life (its battery aside).
pub const DEVICE_END_OF_LIFE: &str = "electronics: WEEE take-back (EU Directive 2012/19/EU) or certified e-waste \
     recycling; wipe keys and data first (NYC IoT Guidelines 4.4); reuse mounts and enclosures \
     where possible";

/// One battery sensor at the end of the run.
struct Fate {
    sensor: u32,
    group: usize,
    lifetime_years: Option<f64>,
    mean_ma: f64,
    capacity_mah: f64,
    depleted: bool,
    sustained: bool,
    /// Solar: days until the store is empty at the run's net drain (None if not draining).
    empty_in_days: Option<f64>,
    sf: u8,
    band: u8,
    ledger: Ledger,
}

/// Settles every battery sensor to the end of the run and assembles the `energy` block.
/// `groups` are the per-group delivery counts.
pub fn energy_report(
    world: &mut World,
    sc: &Scenario,
    groups: &[ScopeReport],
    positions: &[(f32, f32, u8)],
) -> EnergyReport {
    let end = sc.duration.0;
    let tables = world.remove_resource::<EnergyTables>().unwrap_or_default();
    let mut q = world.query::<(&Sensor, Option<&mut LoraDevice>, &mut Supply)>();
    let mut fates = Vec::new();
    let mut fleet = Ledger::new();
    let (mut leaked, mut harvested) = (0.0, 0.0);
    for (sensor, mut lora, mut supply) in q.iter_mut(world) {
        let s = supply.bypass_change_detection();
        let dead = s.depleted_at != u64::MAX && !s.battery_rechargeable();
        let mut lora = lora.as_mut().map(|d| d.bypass_change_detection());
        let sf = lora.as_ref().map_or(0, |d| d.sf);
        if !dead {
            s.settle(end, sensor.readings, lora.as_mut().map(|d| &mut d.draw), &tables);
        }
        fleet.merge(&s.ledger);
        leaked += s.leaked_mah;
        harvested += s.harvested_mah;
        let hours = s.ledger.total_time_us().max(1) as f64 / 3.6e9;
        let mean_ma = s.ledger.total_charge_mah() / hours;

        let lifetime = if s.depleted_at != u64::MAX && !s.battery_rechargeable() {
            Some(s.depleted_at as f64 / 3.6e9 / HOURS_PER_YEAR)
        } else if s.solar.is_some() {
            None
        } else {
            let rate = s.battery.leak_ma() * HOURS_PER_YEAR / s.battery.capacity_mah().max(1e-9);
            let projected = lifetime_years(s.battery.capacity_mah() / 1000.0, mean_ma, rate);
            Some(projected.min(chem_of(sc, sensor.group).map_or(f64::INFINITY, Chemistry::service_life_years)))
        };
        let days = end as f64 / 8.64e10;
        let deficit_per_day = (s.ledger.total_charge_mah() + s.leaked_mah - s.harvested_mah) / days.max(1e-9);
        // Energy-neutral: the panel harvested at least what the sensor drew, and it never ran dry.
        let sustained = s.solar.is_some() && s.depleted_at == u64::MAX && deficit_per_day <= 0.0;
        let empty_in_days = (s.solar.is_some() && !sustained && deficit_per_day > 0.0)
            .then(|| s.battery.remaining_mah() / deficit_per_day);
        fates.push(Fate {
            sensor: sensor.id,
            group: usize::from(sensor.group),
            lifetime_years: lifetime,
            mean_ma,
            capacity_mah: s.battery.capacity_mah(),
            depleted: s.depleted_at != u64::MAX,
            sustained,
            empty_in_days,
            sf,
            band: sensor.band,
            ledger: s.ledger.clone(),
        });
    }
    fates.sort_by_key(|f| f.sensor);

    let by_state = fleet
        .by_state()
        .filter(|t| t.time_us > 0)
        .map(|t| StateEnergy { state: t.state.name(), charge_mah: t.charge_mah, hours: t.time_us as f64 / 3.6e9 })
        .collect();
    let lifetimes: Vec<f64> = fates.iter().filter_map(|f| f.lifetime_years).collect();
    let group_energy: Vec<GroupEnergy> = sc
        .groups
        .iter()
        .enumerate()
        .filter_map(|(gi, g)| {
            let mine: Vec<&Fate> = fates.iter().filter(|f| f.group == gi).collect();
            let chem = g.power.battery.map(chemistry)?;
            if mine.is_empty() {
                return None;
            }
            let n = mine.len() as f64;
            let lt: Vec<f64> = mine.iter().filter_map(|f| f.lifetime_years).collect();
            Some(GroupEnergy {
                name: g.name.clone(),
                power: if g.power.solar_panel_w.is_some() {
                    format!("solar + {}", chem.name())
                } else {
                    chem.name().to_string()
                },
                sensors: mine.len() as u64,
                capacity_mah: mine.iter().map(|f| f.capacity_mah).sum::<f64>() / n,
                mean_current_ua: mine.iter().map(|f| f.mean_ma).sum::<f64>() / n * 1000.0,
                lifetime_years: spread(&lt),
                depleted_in_run: mine.iter().filter(|f| f.depleted).count() as u64,
                sustained_by_solar: mine.iter().filter(|f| f.sustained).count() as u64,
                solar_empty_in_days: spread(&mine.iter().filter_map(|f| f.empty_in_days).collect::<Vec<_>>()),
            })
        })
        .collect();

    let mut early: Vec<&Fate> = fates.iter().filter(|f| f.lifetime_years.is_some()).collect();
    early.sort_by(|a, b| a.lifetime_years.partial_cmp(&b.lifetime_years).unwrap_or(std::cmp::Ordering::Equal));
    let first_to_die = early.iter().take(FIRST_TO_DIE).map(|f| first_to_die(f, sc)).collect();

    let maintenance = maintenance(sc, &fates);
    let infrastructure = infrastructure(sc, groups);
    let cost = cost(sc, &maintenance, &infrastructure);
    let sensors = fates
        .iter()
        .map(|f| {
            let (x, y, _) = positions.get(f.sensor as usize).copied().unwrap_or_default();
            let years = f.lifetime_years.unwrap_or(if f.sustained { f64::INFINITY } else { 0.0 });
            let years = f.empty_in_days.map_or(years, |d| d / 365.25);
            SensorLifetime { group: f.group as u16, x, y, years: years as f32 }
        })
        .collect();
    EnergyReport {
        sensors,
        battery_sensors: fates.len() as u64,
        depleted_in_run: fates.iter().filter(|f| f.depleted).count() as u64,
        by_state,
        self_discharge_mah: leaked,
        harvested_mah: harvested,
        lifetime_years: spread(&lifetimes),
        groups: group_energy,
        first_to_die,
        maintenance,
        infrastructure,
        cost,
    }
}

fn chem_of(sc: &Scenario, group: u16) -> Option<Chemistry> {
    sc.groups.get(usize::from(group))?.power.battery.map(chemistry)
}

fn first_to_die(f: &Fate, sc: &Scenario) -> FirstToDie {
    let g = &sc.groups[f.group];
    let total = f.ledger.total_charge_mah().max(1e-12);
    let top =
        f.ledger.by_state().max_by(|a, b| a.charge_mah.total_cmp(&b.charge_mah)).map_or(State::Sleep, |t| t.state);
    let mut why = format!("{} {:.0} % of charge", top.name(), f.ledger.charge_mah(top) / total * 100.0);
    if f.sf > 0 {
        why.push_str(&format!(", SF{}", f.sf));
    }
    if g.confirmed {
        why.push_str(", confirmed uplinks");
    }
    if g.transmissions > 1 && !g.confirmed {
        why.push_str(&format!(", {} copies per reading", g.transmissions));
    }
    if f.depleted {
        why.push_str(", died during the run");
    }
    FirstToDie {
        sensor: f.sensor,
        group: g.name.clone(),
        lifetime_years: f.lifetime_years.unwrap_or(f64::INFINITY),
        radio: g.radio.name(),
        sf: f.sf,
        distance_m: f64::from(f.band) * f64::from(DISTANCE_BAND_M),
        why,
    }
}

/// Replacements per year in steady state: each primary-battery sensor is visited once per
/// replacement interval (its lifetime, less the share left at a threshold replacement).
fn maintenance(sc: &Scenario, fates: &[Fate]) -> Maintenance {
    let e = &sc.energy;
    let keep = match e.replacement {
        ReplacementPolicy::Threshold => 1.0 - e.replace_at,
        ReplacementPolicy::OnFailure => 1.0,
    };
    let mut end_of_life = Vec::new();
    let (mut visits, mut mass, mut device_kg) = (0.0, 0.0, Some(0.0));
    for (gi, g) in sc.groups.iter().enumerate() {
        let chem = g.power.battery.map(chemistry);
        let per_year: f64 = fates
            .iter()
            .filter(|f| f.group == gi)
            .filter_map(|f| f.lifetime_years)
            .map(|years| 1.0 / (years * keep).max(1.0 / 365.0))
            .sum();
        let kg = per_year * chem.map_or(0.0, Chemistry::mass_g) / 1000.0;
        visits += per_year;
        mass += kg;
        let devices = g.count as f64 / e.device_life_years;
        let this_device_kg = g.device_mass_g.map(|m| devices * m / 1000.0);
        device_kg = device_kg.zip(this_device_kg).map(|(a, b)| a + b);
        end_of_life.push(EndOfLife {
            group: g.name.clone(),
            chemistry: chem.map(Chemistry::name),
            batteries_per_year: per_year,
            mass_kg_per_year: kg,
            plan: chem.map(end_of_life_plan),
            devices_per_year: devices,
            device_mass_kg_per_year: this_device_kg,
            device_plan: DEVICE_END_OF_LIFE,
        });
    }
    Maintenance {
        policy: match e.replacement {
            ReplacementPolicy::Threshold => "threshold",
            ReplacementPolicy::OnFailure => "on_failure",
        },
        replacements_per_year: visits,
        crews: visits / (e.visits_per_crew_day * e.working_days),
        batteries_disposed_per_year: visits,
        devices_disposed_per_year: sc.groups.iter().map(|g| g.count as f64).sum::<f64>() / e.device_life_years,
        device_mass_kg_per_year: device_kg,
        battery_mass_kg_per_year: mass,
        end_of_life,
    }
}

/// Power the city pays for: gateways, access points, backhaul, mains sensors, and the cloud
/// energy of the data they deliver (reports and streams).
fn infrastructure(sc: &Scenario, groups: &[ScopeReport]) -> Infrastructure {
    let e = &sc.energy;
    let (mut gw_w, mut ap_w, mut sites) = (0.0, 0.0, 0u64);
    for g in &sc.gateways {
        match g.radio {
            RadioKind::Wifi => ap_w += g.power_w * g.count as f64,
            _ => gw_w += g.power_w * g.count as f64,
        }
        if g.power_w > 0.0 {
            sites += g.count;
        }
    }
    let backhaul_w = e.backhaul_w * sites as f64;
    let mains_w: f64 = sc.groups.iter().map(|g| g.mains_w * g.count as f64).sum();
    let edge_w = e.edge_w;
    let days = sc.duration.as_secs_f64() / 86_400.0;
    let report_bytes: f64 =
        sc.groups.iter().zip(groups).map(|(g, r)| r.delivered as f64 * f64::from(g.payload_bytes)).sum();
    let stream_bytes_per_day: f64 = sc.groups.iter().map(|g| g.stream_bps / 8.0 * 86_400.0 * g.count as f64).sum();
    let gb_per_day = (report_bytes / days.max(1e-9) + stream_bytes_per_day) / 1e9;
    let cloud_kwh_per_day = gb_per_day * e.cloud_kwh_per_gb;
    let kwh_per_day = (gw_w + ap_w + backhaul_w + mains_w + edge_w) * 24.0 / 1000.0 + cloud_kwh_per_day;
    let kwh_per_year = kwh_per_day * 365.25;
    Infrastructure {
        gateways_w: gw_w,
        access_points_w: ap_w,
        backhaul_w,
        mains_devices_w: mains_w,
        edge_w,
        cloud_gb_per_day: gb_per_day,
        cloud_kwh_per_day,
        kwh_per_day,
        kwh_per_year,
        grid_co2_g_per_kwh: e.grid_co2_g_per_kwh,
        co2_kg_per_year: e.grid_co2_g_per_kwh.map(|g| kwh_to_co2_kg(kwh_per_year, g)),
        electricity_price_per_kwh: e.electricity_price_per_kwh,
        electricity_cost_per_year: e.electricity_price_per_kwh.map(|p| p * kwh_per_year),
    }
}

fn cost(sc: &Scenario, m: &Maintenance, infra: &Infrastructure) -> CostReport {
    let c = &sc.costs;
    let capex_devices: f64 = sc.groups.iter().map(|g| (g.unit_cost + g.install_cost) * g.count as f64).sum();
    let capex_gateways: f64 = sc.gateways.iter().map(|g| (g.unit_cost + g.install_cost) * g.count as f64).sum();
    let capex_poles: f64 = sc.groups.iter().map(|g| g.new_poles * g.count as f64 * c.new_pole).sum::<f64>()
        + sc.gateways.iter().map(|g| g.new_poles * g.count as f64 * c.new_pole).sum::<f64>();
    let subscriptions: f64 = sc
        .groups
        .iter()
        .filter_map(|g| {
            let t = cellular_technology(g.radio)?;
            let i = crate::model::cellular::Technology::ALL.iter().position(|x| *x == t)?;
            Some(sc.cellular.subscription_per_month[i] * 12.0 * g.count as f64)
        })
        .fold(0.0, |a, b| a + b);
    let opex_energy = infra.electricity_cost_per_year.unwrap_or(0.0);
    let opex_visits = m.replacements_per_year * c.battery_visit;
    let opex_cloud = infra.cloud_gb_per_day * 365.25 * c.cloud_per_gb;
    let opex = opex_energy + subscriptions + opex_visits + opex_cloud;
    let horizon = sc.energy.horizon_years;
    let whole = horizon.floor();
    let tco =
        total_cost_of_ownership(capex_devices + capex_gateways + capex_poles, opex, whole as u32, c.discount_rate)
            + opex * (horizon - whole) / (1.0 + c.discount_rate).powf(horizon);
    CostReport {
        currency: c.currency.clone(),
        capex_devices,
        capex_poles,
        capex_gateways,
        opex_energy_per_year: opex_energy,
        opex_subscriptions_per_year: subscriptions,
        opex_battery_visits_per_year: opex_visits,
        opex_cloud_per_year: opex_cloud,
        horizon_years: horizon,
        total_cost_of_ownership: tco,
    }
}

/// Min, p5, p50, p95, max and mean of `v` (None when empty).
pub fn spread(v: &[f64]) -> Option<Spread> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let q = |p: f64| s[((s.len() - 1) as f64 * p).round() as usize];
    Some(Spread {
        min: s[0],
        p5: q(0.05),
        p50: q(0.5),
        p95: q(0.95),
        max: s[s.len() - 1],
        mean: s.iter().sum::<f64>() / s.len() as f64,
    })
}
