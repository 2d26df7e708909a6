//! Failures turned into outage windows when the World is built, and looked up while it runs:
//!
//! - gateway hardware failures and power outages make a gateway **down**: a LoRaWAN gateway
//!   is not handed uplinks (an uplink no live gateway hears is lost as `gateway_down`), a cell
//!   site or access point serves none of its devices' readings (`gateway_down`). A power
//!   outage takes a gateway down only once its battery backup is exhausted, so an outage no
//!   longer than the backup costs nothing;
//! - a backhaul cut leaves a LoRaWAN gateway receiving; what it decodes waits in a
//!   store-and-forward buffer and reaches the network server when the link returns; copies
//!   beyond the buffer are dropped (an uplink no other gateway forwarded is lost as
//!   `backhaul`). A cell site or access point without backhaul is down;
//! - a power outage over a district silences its mains sensors once their own battery backup
//!   (if any) runs out: their readings are lost as `power_outage`;
//! - a storm adds path loss to the links of the sensors in its area while it lasts, and breaks
//!   each of them for good with a declared probability (`device_failure`);
//! - a sensor hardware failure (`device`) silences a share of the sensors in scope, on a
//!   schedule or with exponential MTBF/MTTR drawn per sensor (`device_failure`);
//! - a jammer raises the noise floor of the receivers in its area on one band: LoRaWAN
//!   gateways, cell sites or access points hear only links that clear the rise (`jamming`);
//! - compromised sensors spoof readings or flood the network from the attack's start until
//!   monitoring detects them; from then on the network drops their readings (`isolated`).
//!
//! Random failures (MTBF/MTTR) are drawn per unit from counter-based streams, so outages are
//! the same at any step width or thread count. With `[repair]` crews, gateway failures wait for
//! a free crew (first come, first served), travel and repair: the more fail at once, the longer
//! the last one stays down.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use bevy_ecs::resource::Resource;

use crate::model::failure::{RepairCrews, alternating_outages, covers, merge};
use crate::model::random::{Purpose, draw, exponential, unit};
use crate::scenario::Scenario;
use crate::scenario::types::{AttackKind, FailureKind, RadioKind};
use crate::scenario::validate::{CityModel, FailureTiming, gateway_units};
use crate::time::SimTime;

/// A failure's windows as they happened, for results.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// Index of the failure in the scenario.
    pub failure: usize,
    /// The unit (gateway id or "sensor N"), for failures drawn per unit (random ones).
    pub unit: Option<String>,
    /// Start, µs.
    pub start: u64,
    /// End, µs.
    pub end: u64,
}

/// A backhaul cut at one gateway and its buffer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cut {
    /// Start, µs.
    pub start: u64,
    /// End, µs.
    pub end: u64,
    /// Uplinks it can hold.
    pub buffer: u32,
    /// Uplinks held so far.
    pub held: u32,
}

/// Every outage of the run.
#[derive(Resource, Clone, Debug, Default)]
pub struct Outages {
    /// Per LoRaWAN gateway: when it is down, sorted and disjoint.
    pub down: Vec<Vec<(u64, u64)>>,
    /// Per cell site: when it is down.
    pub cell_down: Vec<Vec<(u64, u64)>>,
    /// Per access point: when it is down.
    pub ap_down: Vec<Vec<(u64, u64)>>,
    /// Per LoRaWAN gateway: its backhaul cuts, sorted.
    pub cuts: Vec<Vec<Cut>>,
    /// Per district: when mains power is off, sorted and disjoint.
    pub power: Vec<Vec<(u64, u64)>>,
    /// Per sensor group: the battery backup of a mains group (None: not on mains).
    pub mains_backup_us: Vec<Option<u64>>,
    /// Every failure window, for results.
    pub windows: Vec<Window>,
    /// Storms.
    pub storms: Vec<Storm>,
    /// Jammers.
    pub jams: Vec<Jam>,
    /// Per sensor: when its hardware is down (storm damage, device failures), sorted and
    /// disjoint; empty when no sensor can fail.
    pub sensor_down: Vec<Vec<(u64, u64)>>,
    /// Attacks by compromised sensors.
    pub attacks: Vec<AttackWindow>,
    /// Per sensor: the attack it takes part in (u32::MAX: none); empty without attacks.
    pub compromised: Vec<u32>,
    /// Pipeline outages: the stage (None: the whole cloud) and when it is down.
    pub pipeline: Vec<StageOutage>,
}

/// A pipeline stage (None: the whole cloud) and when it is down.
pub type StageOutage = (Option<String>, Vec<(u64, u64)>);

/// A storm over an area.
#[derive(Clone, Debug, Default)]
pub struct Storm {
    /// Start, µs.
    pub start: u64,
    /// End, µs.
    pub end: u64,
    /// Extra path loss on the links of sensors in the area, dB.
    pub extra_db: f32,
    /// Whether each sensor (by id) is in the area.
    pub members: Vec<bool>,
}

/// A jammer over an area, on one band.
#[derive(Clone, Debug, Default)]
pub struct Jam {
    /// Start, µs.
    pub start: u64,
    /// End, µs.
    pub end: u64,
    /// Noise-floor rise at receivers in the area, dB.
    pub rise_db: f32,
    /// LoRaWAN gateways (by index) whose receivers it reaches.
    pub lora: Vec<usize>,
    /// Cell sites it reaches.
    pub cells: Vec<usize>,
    /// Access points it reaches.
    pub aps: Vec<usize>,
}

/// Compromised sensors at work.
#[derive(Clone, Debug, PartialEq)]
pub struct AttackWindow {
    /// Index of the failure in the scenario.
    pub failure: usize,
    /// Spoof or flood.
    pub kind: AttackKind,
    /// Uplinks per reading while flooding.
    pub flood_factor: u32,
    /// Start, µs.
    pub start: u64,
    /// Detection and isolation, µs (u64::MAX: never).
    pub detected: u64,
    /// End (devices re-provisioned), µs.
    pub end: u64,
    /// Sensors compromised.
    pub devices: u64,
}

/// What a compromised sensor does with a reading at some instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conduct {
    /// Behaves.
    Honest,
    /// Forges the reading.
    Spoof,
    /// Sends this many uplinks for the reading.
    Flood(u32),
    /// Isolated by the network: the reading is dropped.
    Isolated,
}

impl Outages {
    /// Whether LoRaWAN gateway `g` is down at `t`.
    #[inline]
    pub fn gateway_down(&self, g: usize, t: u64) -> bool {
        self.down.get(g).is_some_and(|w| !w.is_empty() && covers(w, t))
    }

    /// Whether the site of `radio` (cellular or wifi) with index `i` is down at `t`.
    pub fn site_down(&self, radio: RadioKind, i: usize, t: u64) -> bool {
        let w = if radio == RadioKind::Wifi { &self.ap_down } else { &self.cell_down };
        w.get(i).is_some_and(|w| !w.is_empty() && covers(w, t))
    }

    /// Whether a mains sensor of `group` in `district` is without power at `t`.
    #[inline]
    pub fn sensor_unpowered(&self, group: usize, district: usize, t: u64) -> bool {
        let (Some(Some(backup)), Some(w)) = (self.mains_backup_us.get(group), self.power.get(district)) else {
            return false;
        };
        let i = w.partition_point(|x| x.1 <= t);
        w.get(i).is_some_and(|&(s, _)| s.saturating_add(*backup) <= t)
    }

    /// Whether anything can fail at all.
    pub fn any(&self) -> bool {
        !self.windows.is_empty() || !self.sensor_down.is_empty()
    }

    /// Extra path loss on sensor `id`'s links at `t` from storms over it, dB.
    #[inline]
    pub fn storm_loss_db(&self, id: u32, t: u64) -> f32 {
        self.storms
            .iter()
            .filter(|s| s.start <= t && t < s.end && s.members.get(id as usize) == Some(&true))
            .map(|s| s.extra_db)
            .sum()
    }

    /// Noise-floor rise at a receiver at `t`, dB: LoRaWAN gateway `i` (`radio` lorawan), cell
    /// site `i` (cellular) or access point `i` (wifi).
    #[inline]
    pub fn jam_db(&self, radio: RadioKind, i: usize, t: u64) -> f32 {
        self.jams
            .iter()
            .filter(|j| j.start <= t && t < j.end)
            .filter(|j| match radio {
                RadioKind::Wifi => j.aps.contains(&i),
                RadioKind::Lorawan => j.lora.contains(&i),
                _ => j.cells.contains(&i),
            })
            .map(|j| j.rise_db)
            .sum()
    }

    /// Whether sensor `id`'s hardware is down at `t`.
    #[inline]
    pub fn sensor_broken(&self, id: u32, t: u64) -> bool {
        self.sensor_down.get(id as usize).is_some_and(|w| !w.is_empty() && covers(w, t))
    }

    /// What sensor `id` does with a reading at `t`.
    #[inline]
    pub fn conduct(&self, id: u32, t: u64) -> Conduct {
        let Some(a) = self.compromised.get(id as usize).and_then(|&k| self.attacks.get(k as usize)) else {
            return Conduct::Honest;
        };
        if t < a.start || t >= a.end {
            Conduct::Honest
        } else if t >= a.detected {
            Conduct::Isolated
        } else if a.kind == AttackKind::Flood {
            Conduct::Flood(a.flood_factor)
        } else {
            Conduct::Spoof
        }
    }
}

/// A sensor as failures see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SensorAt {
    /// Metres east.
    pub x: f32,
    /// Metres north.
    pub y: f32,
    /// Sensor group.
    pub group: u16,
    /// District.
    pub district: u16,
}

/// Where the gateways stand, by radio, in gateway order.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sites<'a> {
    /// LoRaWAN gateways.
    pub lora: &'a [(f64, f64)],
    /// Cell sites.
    pub cells: &'a [(f64, f64)],
    /// Access points.
    pub aps: &'a [(f64, f64)],
}

/// One gateway of any radio.
struct Unit {
    radio: RadioKind,
    index: usize,
    x: f64,
    backup_us: u64,
    id: String,
}

impl Unit {
    /// The key of its random streams (LoRaWAN gateways keep their plain index).
    fn key(&self) -> u64 {
        let tag = match self.radio {
            RadioKind::Cellular => 1,
            RadioKind::Wifi => 2,
            _ => 0,
        };
        self.index as u64 | tag << 20
    }
}

/// Gateway failures that wait for `[repair]` crews, resolved together in order of failure
/// time so that crews are shared first come, first served: scheduled failures without `lasts`
/// (repair takes `repair_time`) and, when crews are declared, random gateway failures (repair
/// takes an exponential time of mean MTTR; the gateway fails again an exponential MTBF after it
/// is back). Keyed by (failure, unit).
fn crewed_windows(
    sc: &Scenario,
    scopes: &[Vec<usize>],
    units: &[Unit],
    horizon: SimTime,
) -> BTreeMap<(usize, usize), Vec<(u64, u64)>> {
    let mut out: BTreeMap<(usize, usize), Vec<(u64, u64)>> = BTreeMap::new();
    let Some(repair) = sc.repair else { return out };
    let mut crews = RepairCrews::new(repair.crews, repair.travel.0);
    let key = |fi: usize, u: usize| (fi as u64) << 32 | units[u].key();
    let mut events = BinaryHeap::new();
    for (fi, f) in sc.failures.iter().enumerate().filter(|(_, f)| f.kind == FailureKind::Gateway) {
        for &u in &scopes[fi] {
            match f.timing {
                FailureTiming::UntilRepaired { at } => events.push(Reverse((at.0, fi, u, 0u64))),
                FailureTiming::Random { mtbf, .. } => {
                    let t = exponential(draw(sc.seed, Purpose::Failure, key(fi, u), 0), mtbf.0 as f64) as u64;
                    events.push(Reverse((t, fi, u, 0)));
                }
                FailureTiming::Scheduled { .. } => {}
            }
        }
    }
    while let Some(Reverse((t, fi, u, n))) = events.pop() {
        if t >= horizon.0 {
            continue;
        }
        let (work, again) = match sc.failures[fi].timing {
            FailureTiming::Random { mtbf, mttr } => {
                (exponential(draw(sc.seed, Purpose::Failure, key(fi, u), n + 1), mttr.0 as f64) as u64, Some(mtbf))
            }
            _ => (repair.repair_time.0, None),
        };
        let end = crews.repair(t, work.max(1));
        out.entry((fi, u)).or_default().push((t, end.min(horizon.0).max(t + 1)));
        if let Some(mtbf) = again {
            let up = exponential(draw(sc.seed, Purpose::Failure, key(fi, u), n + 2), mtbf.0 as f64) as u64;
            events.push(Reverse((end.saturating_add(up), fi, u, n + 2)));
        }
    }
    out
}

/// The district a point at `x` metres east stands in.
fn district_of(city: &CityModel, x: f64) -> usize {
    city.districts.iter().position(|d| x < d.x1_m).unwrap_or(city.districts.len().saturating_sub(1))
}

/// Resolves the scenario's failures over the gateways at `sites` and the `sensors`, up to
/// `horizon` (the run and its settling time).
pub fn outages(sc: &Scenario, sites: &Sites, sensors: &[SensorAt], horizon: SimTime) -> Outages {
    let units: Vec<Unit> = gateway_units(&sc.gateways)
        .into_iter()
        .map(|(gi, radio, index, id)| {
            let at = match radio {
                RadioKind::Cellular => sites.cells.get(index),
                RadioKind::Wifi => sites.aps.get(index),
                _ => sites.lora.get(index),
            };
            Unit {
                radio,
                index,
                x: at.map_or(0.0, |p| p.0),
                backup_us: sc.gateways[gi].power.battery_backup.map_or(0, |d| d.0.0),
                id,
            }
        })
        .collect();
    let mut down = vec![Vec::new(); units.len()];
    let mut cuts = vec![Vec::new(); sites.lora.len()];
    let mut power = vec![Vec::new(); sc.city.districts.len()];
    let mut windows = Vec::new();
    let mut storms = Vec::new();
    let mut jams = Vec::new();
    let mut sensor_down: Vec<Vec<(u64, u64)>> = Vec::new();
    let mut attacks = Vec::new();
    let mut compromised: Vec<u32> = Vec::new();
    let mut pipeline = Vec::new();
    let scopes: Vec<Vec<usize>> = sc
        .failures
        .iter()
        .map(|f| match f.district {
            Some(d) => (0..units.len()).filter(|&u| district_of(&sc.city, units[u].x) == d).collect(),
            None => units
                .iter()
                .enumerate()
                .filter(|(_, u)| f.gateways.contains(&(u.radio, u.index)))
                .map(|(i, _)| i)
                .collect(),
        })
        .collect();
    let mut crewed = crewed_windows(sc, &scopes, &units, horizon);
    for (fi, f) in sc.failures.iter().enumerate() {
        let in_area = |s: &SensorAt| f.area.as_ref().is_none_or(|a| a.contains(f64::from(s.x), f64::from(s.y)));
        match (f.kind, f.timing) {
            (FailureKind::Storm, FailureTiming::Scheduled { at, lasts }) => {
                let (start, end) = (at.0, at.0.saturating_add(lasts.0));
                let members: Vec<bool> = sensors.iter().map(in_area).collect();
                if f.device_failure > 0.0 {
                    sensor_down.resize(sensors.len(), Vec::new());
                    for (id, _) in members.iter().enumerate().filter(|(_, m)| **m) {
                        let x = unit(draw(sc.seed, Purpose::Failure, (fi as u64) << 40 | id as u64 | 1 << 63, 0));
                        if x < f.device_failure {
                            sensor_down[id].push((start, horizon.0));
                        }
                    }
                }
                storms.push(Storm { start, end, extra_db: f.extra_loss_db as f32, members });
                windows.push(Window { failure: fi, unit: None, start, end });
                continue;
            }
            (FailureKind::Jamming, FailureTiming::Scheduled { at, lasts }) => {
                let (start, end) = (at.0, at.0.saturating_add(lasts.0));
                let reach = |pts: &[(f64, f64)]| -> Vec<usize> {
                    let area = f.area.as_ref();
                    (0..pts.len()).filter(|&i| area.is_some_and(|a| a.contains(pts[i].0, pts[i].1))).collect()
                };
                let (lora, cells, aps) = match f.band {
                    RadioKind::Wifi => (Vec::new(), Vec::new(), reach(sites.aps)),
                    RadioKind::Lorawan => (reach(sites.lora), Vec::new(), Vec::new()),
                    _ => (Vec::new(), reach(sites.cells), Vec::new()),
                };
                jams.push(Jam { start, end, rise_db: f.noise_rise_db as f32, lora, cells, aps });
                windows.push(Window { failure: fi, unit: None, start, end });
                continue;
            }
            (FailureKind::Device | FailureKind::Compromised, timing) => {
                // The sensors in scope, then a `share` of them by a draw per sensor.
                let purpose = if f.kind == FailureKind::Device { Purpose::Failure } else { Purpose::Compromise };
                let chosen: Vec<usize> = sensors
                    .iter()
                    .enumerate()
                    .filter(|(id, s)| {
                        f.sensor.is_none_or(|x| x as usize == *id)
                            && f.sensor_group.is_none_or(|g| usize::from(s.group) == g)
                            && f.district.is_none_or(|d| usize::from(s.district) == d)
                            && in_area(s)
                    })
                    .filter(|(id, _)| unit(draw(sc.seed, purpose, (fi as u64) << 40 | *id as u64, 0)) < f.share)
                    .map(|(id, _)| id)
                    .collect();
                if let Some(attack) = f.attack {
                    let FailureTiming::Scheduled { at, lasts } = timing else { continue };
                    let (start, end) = (at.0, at.0.saturating_add(lasts.0).min(horizon.0));
                    let detected = attack.detect_after.map_or(u64::MAX, |d| start.saturating_add(d.0));
                    compromised.resize(sensors.len(), u32::MAX);
                    for &id in &chosen {
                        compromised[id] = attacks.len() as u32;
                    }
                    attacks.push(AttackWindow {
                        failure: fi,
                        kind: attack.kind,
                        flood_factor: attack.flood_factor,
                        start,
                        detected,
                        end,
                        devices: chosen.len() as u64,
                    });
                    windows.push(Window { failure: fi, unit: None, start, end });
                    continue;
                }
                sensor_down.resize(sensors.len(), Vec::new());
                match timing {
                    FailureTiming::Scheduled { at, lasts } => {
                        let w = (at.0, at.0.saturating_add(lasts.0));
                        for &id in &chosen {
                            sensor_down[id].push(w);
                        }
                        windows.push(Window { failure: fi, unit: None, start: w.0, end: w.1 });
                    }
                    FailureTiming::Random { mtbf, mttr } => {
                        // Too many windows to list one by one: they show in each kind's
                        // availability instead.
                        for &id in &chosen {
                            let key = (fi as u64) << 40 | id as u64 | 1 << 62;
                            sensor_down[id].extend(alternating_outages(sc.seed, key, mtbf.0, mttr.0, horizon.0));
                        }
                    }
                    FailureTiming::UntilRepaired { .. } => {}
                }
                continue;
            }
            (FailureKind::Pipeline, timing) => {
                let w = match timing {
                    FailureTiming::Scheduled { at, lasts } => vec![(at.0, at.0.saturating_add(lasts.0))],
                    FailureTiming::Random { mtbf, mttr } => {
                        alternating_outages(sc.seed, (fi as u64) << 32 | 0xFFFF_FFFF, mtbf.0, mttr.0, horizon.0)
                    }
                    FailureTiming::UntilRepaired { .. } => Vec::new(),
                };
                windows.extend(w.iter().map(|&(start, end)| Window { failure: fi, unit: None, start, end }));
                pipeline.push((f.stage.clone(), merge(w)));
                continue;
            }
            _ => {}
        }
        let scope = &scopes[fi];
        // One set of windows for the failure (scheduled), or one per unit (random or waiting
        // for a repair crew).
        let mut per_unit = |u: Option<usize>| -> Vec<(u64, u64)> {
            if let Some(u) = u
                && let Some(w) = crewed.remove(&(fi, u))
            {
                return w;
            }
            match f.timing {
                FailureTiming::Scheduled { at, lasts } => vec![(at.0, at.0.saturating_add(lasts.0))],
                FailureTiming::Random { mtbf, mttr } => {
                    let key = u.map_or(u64::MAX >> 32, |u| units[u].key());
                    alternating_outages(sc.seed, (fi as u64) << 32 | key, mtbf.0, mttr.0, horizon.0)
                }
                FailureTiming::UntilRepaired { .. } => Vec::new(),
            }
        };
        let after_backup = |w: &[(u64, u64)], u: usize| -> Vec<(u64, u64)> {
            w.iter()
                .filter_map(|&(s, e)| {
                    let s = s.saturating_add(units[u].backup_us);
                    (s < e).then_some((s, e))
                })
                .collect()
        };
        if f.kind == FailureKind::Power
            && let Some(d) = f.district
        {
            let w = per_unit(None);
            power[d].extend(w.iter().copied());
            windows.extend(w.iter().map(|&(start, end)| Window { failure: fi, unit: None, start, end }));
            for &u in scope {
                down[u].extend(after_backup(&w, u));
            }
            continue;
        }
        let scheduled = matches!(f.timing, FailureTiming::Scheduled { .. });
        let shared = if scheduled { per_unit(None) } else { Vec::new() };
        if scheduled {
            windows.extend(shared.iter().map(|&(start, end)| Window { failure: fi, unit: None, start, end }));
        }
        for &u in scope {
            let w = if scheduled { shared.clone() } else { per_unit(Some(u)) };
            if !scheduled {
                let id = &units[u].id;
                windows.extend(w.iter().map(|&(start, end)| Window {
                    failure: fi,
                    unit: Some(id.clone()),
                    start,
                    end,
                }));
            }
            match f.kind {
                FailureKind::Power => down[u].extend(after_backup(&w, u)),
                FailureKind::Backhaul if units[u].radio == RadioKind::Lorawan => cuts[units[u].index]
                    .extend(w.iter().map(|&(start, end)| Cut { start, end, buffer: f.buffer, held: 0 })),
                _ => down[u].extend(w),
            }
        }
    }
    for c in &mut cuts {
        c.sort_by_key(|x: &Cut| (x.start, x.end));
    }
    windows.sort_by(|a, b| (a.start, a.failure, &a.unit).cmp(&(b.start, b.failure, &b.unit)));
    windows.dedup();
    let (mut lora_down, mut cell_down, mut ap_down) =
        (vec![Vec::new(); sites.lora.len()], vec![Vec::new(); sites.cells.len()], vec![Vec::new(); sites.aps.len()]);
    for (u, w) in units.iter().zip(down) {
        let to = match u.radio {
            RadioKind::Cellular => &mut cell_down,
            RadioKind::Wifi => &mut ap_down,
            _ => &mut lora_down,
        };
        if let Some(slot) = to.get_mut(u.index) {
            *slot = merge(w);
        }
    }
    Outages {
        down: lora_down,
        cell_down,
        ap_down,
        cuts,
        power: power.into_iter().map(merge).collect(),
        mains_backup_us: sc
            .groups
            .iter()
            .map(|g| (g.power.mains == Some(true)).then(|| g.power.battery_backup.map_or(0, |d| d.0.0)))
            .collect(),
        windows,
        storms,
        jams,
        sensor_down: sensor_down.into_iter().map(merge).collect(),
        attacks,
        compromised,
        pipeline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_power_outage_reaches_mains_sensors_after_their_backup() {
        let o = Outages { power: vec![vec![(100, 200)]], mains_backup_us: vec![Some(30), None], ..Default::default() };
        assert!(!o.sensor_unpowered(0, 0, 120));
        assert!(o.sensor_unpowered(0, 0, 130));
        assert!(!o.sensor_unpowered(0, 0, 200));
        assert!(!o.sensor_unpowered(1, 0, 150), "battery sensors do not care");
    }
}
