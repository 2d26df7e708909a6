//! The sense system: sensors whose report is due in this step take a reading, and their next
//! report goes back into the calendar (periodic with uniform jitter, or Poisson).
//!
//! A battery-powered sensor past its check time first settles its energy up to the reading
//! (`energy`); one whose battery is empty loses the reading as `battery_depleted` (a primary
//! cell stays dead; a solar-charged store may come back).
//!
//! Reads: `Calendar`, `RunConfig`, `LoraDevice` / `AccessDevice` (time on air, radio draw),
//! `EnergyTables`. Writes: `Sensor` reading counts, `Supply`, `Readings` (this step's LoRa readings
//! in time order), `AccessReadings` (the other technologies'), `Calendar`, `Metrics`.

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;

use super::access::{AccessDevice, AccessReadings};
use super::build::{GroupTiming, LoraDevice, RunConfig, Sensor};
use super::calendar::Calendar;
use super::clock::Clock;
use super::energy::{EnergyTables, Supply};
use super::failures::{Conduct, Outages};
use crate::metrics::{LossCause, Metrics};
use crate::model::random::{Purpose, draw, exponential, unit};
use crate::time::SimTime;

/// A reading taken in this step.
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    /// When it was taken (its intended send time), µs.
    pub at: u64,
    /// The sensor.
    pub entity: Entity,
    /// Sensor id.
    pub sensor: u32,
    /// Per-sensor reading number (the LoRaWAN frame counter), the key of its random draws.
    pub seq: u32,
    /// Sensor district.
    pub district: u16,
    /// Sensor group.
    pub group: u16,
    /// Sensor distance band.
    pub band: u8,
    /// A flooding device's extra uplinks after this one; for a flood uplink itself, its number.
    pub copies: u16,
    /// A flood uplink (not a reading): it loads the network and is counted apart.
    pub bogus: bool,
}

/// This step's readings, in (time, sensor) order.
#[derive(Resource, Default)]
pub struct Readings(pub Vec<Reading>);

/// When sensor `id` of group `g` first reports: a uniform phase within the first interval
/// (periodic) or an exponential gap (Poisson).
pub fn first_report(cfg: &RunConfig, g: usize, id: u32) -> SimTime {
    let x = draw(cfg.seed, Purpose::ReportTiming, u64::from(id), 0);
    match cfg.groups[g] {
        GroupTiming::Periodic { interval, .. } => SimTime((unit(x) * interval as f64) as u64),
        GroupTiming::Poisson { mean } | GroupTiming::PoissonFromEnd { mean } => {
            SimTime(exponential(x, mean as f64) as u64)
        }
    }
}

/// The gap after report number `n` (1-based) of sensor `id`, whose uplinks last `airtime_us`.
pub fn next_gap(cfg: &RunConfig, g: usize, id: u32, n: u32, airtime_us: u64) -> u64 {
    let x = draw(cfg.seed, Purpose::ReportTiming, u64::from(id), u64::from(n));
    match cfg.groups[g] {
        GroupTiming::Periodic { interval, jitter } => {
            let offset = (unit(x) * 2.0 - 1.0) * jitter as f64;
            (interval as f64 + offset).max(1.0) as u64
        }
        GroupTiming::Poisson { mean } => (exponential(x, mean as f64) as u64).max(1),
        GroupTiming::PoissonFromEnd { mean } => airtime_us + exponential(x, mean as f64) as u64,
    }
}

/// A sensor as the sense system sees it.
pub type SensorQuery<'w, 's> =
    Query<'w, 's, (&'static mut Sensor, Option<&'static mut LoraDevice>, Option<&'static AccessDevice>)>;

/// Where this step's readings go.
#[derive(SystemParam)]
pub struct SenseOut<'w> {
    readings: ResMut<'w, Readings>,
    access_readings: ResMut<'w, AccessReadings>,
    metrics: ResMut<'w, Metrics>,
}

/// Takes every reading due before the end of this step.
pub fn sense(
    clock: Res<Clock>,
    cfg: Res<RunConfig>,
    (tables, outages): (Res<EnergyTables>, Res<Outages>),
    mut calendar: ResMut<Calendar<Entity>>,
    mut out: SenseOut,
    mut sensors: SensorQuery,
    mut supplies: Query<&mut Supply>,
) {
    let SenseOut { readings, access_readings, metrics } = &mut out;
    readings.0.clear();
    access_readings.0.clear();
    let end = clock.step_end.min(cfg.duration);
    while let Some((t, entity)) = calendar.pop_before(end) {
        let Ok((mut sensor, mut lora, other)) = sensors.get_mut(entity) else {
            continue;
        };
        // Nothing reads bevy's change ticks, and writing them costs a cache miss per report.
        let sensor = sensor.bypass_change_detection();
        sensor.readings += 1;
        metrics.generated(SimTime(t), sensor.id, sensor.district, sensor.group, sensor.band);
        let id = sensor.id;
        // Nothing reads bevy's change ticks, and writing them costs a cache miss per report.
        let mut lora = lora.as_mut().map(|d| d.bypass_change_detection());
        let busy_us = lora.as_ref().map(|d| d.airtime_us).or(other.map(|d| d.service_us)).unwrap_or(0);
        let next = t + next_gap(&cfg, sensor.group as usize, id, sensor.readings, u64::from(busy_us));
        if next < cfg.duration.0 {
            calendar.push(SimTime(next), entity);
        }
        let mut copies = 0;
        if outages.any() {
            let conduct = outages.conduct(id, t);
            let cause = if outages.sensor_broken(sensor.id, t) {
                Some(LossCause::DeviceFailure)
            } else if outages.sensor_unpowered(usize::from(sensor.group), usize::from(sensor.district), t) {
                Some(LossCause::PowerOutage)
            } else if conduct == Conduct::Isolated {
                Some(LossCause::Isolated)
            } else {
                None
            };
            if let Some(cause) = cause {
                metrics.lost(SimTime(t), sensor.district, sensor.group, cause);
                continue;
            }
            match conduct {
                Conduct::Spoof => metrics.attack.spoofed += 1,
                Conduct::Flood(k) => copies = (k - 1).min(u32::from(u16::MAX)) as u16,
                _ => {}
            }
        }
        if t >= sensor.check_at
            && let Ok(mut supply) = supplies.get_mut(entity)
        {
            // Past the instant its battery could first be empty: settle and check.
            let supply = supply.bypass_change_detection();
            let dead = supply.depleted_at != u64::MAX && !supply.battery_rechargeable();
            if dead || supply.settle(t, sensor.readings - 1, lora.as_mut().map(|d| &mut d.draw), &tables) {
                supply.booked = sensor.readings;
                sensor.check_at = t;
                metrics.lost(SimTime(t), sensor.district, sensor.group, LossCause::BatteryDepleted);
                continue;
            }
            supply.book(1, &tables);
            sensor.check_at = supply.next_check(t, &tables);
        }
        let out = if lora.is_some() { &mut readings.0 } else { &mut access_readings.0 };
        out.push(Reading {
            at: t,
            entity,
            sensor: id,
            seq: sensor.readings,
            district: sensor.district,
            group: sensor.group,
            band: sensor.band,
            copies,
            bogus: false,
        });
    }
}
