//! Failures turned into outage windows when the World is built, and looked up while it runs:
//!
//! - gateway hardware failures and power outages make a LoRaWAN gateway **down**: the transmit
//!   system does not hand it uplinks (an uplink no live gateway hears is lost as
//!   `gateway_down`). A power outage takes a gateway down only once its battery backup is
//!   exhausted, so an outage no longer than the backup costs nothing;
//! - a backhaul cut leaves the gateway receiving; what it decodes waits in a store-and-forward
//!   buffer and reaches the network server when the link returns; copies beyond the buffer are
//!   dropped (an uplink no other gateway forwarded is lost as `backhaul`);
//! - a power outage over a district silences its mains sensors once their own battery backup
//!   (if any) runs out: their readings are lost as `power_outage`;
//! - a storm adds path loss to the links of the sensors in its area while it lasts, and breaks
//!   each of them for good with a declared probability (`device_failure`).
//!
//! Random failures (MTBF/MTTR) are drawn per gateway from counter-based streams, so outages are
//! the same at any step width or thread count. With `[repair]` crews, gateway failures wait for
//! a free crew (first come, first served), travel and repair: the more fail at once, the longer
//! the last one stays down.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use bevy_ecs::resource::Resource;

use crate::model::failure::{RepairCrews, alternating_outages, covers, merge};
use crate::model::random::{Purpose, draw, exponential, unit};
use crate::scenario::Scenario;
use crate::scenario::types::{FailureKind, RadioKind};
use crate::scenario::validate::{CityModel, FailureTiming};
use crate::time::SimTime;

/// A failure's windows as they happened, for results.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// Index of the failure in the scenario.
    pub failure: usize,
    /// The gateway, for failures drawn per gateway (random ones).
    pub gateway: Option<usize>,
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
    /// Per sensor: when a storm broke it for good (u64::MAX: never); empty without storms.
    pub failed_at: Vec<u64>,
}

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

impl Outages {
    /// Whether gateway `g` is down at `t`.
    #[inline]
    pub fn gateway_down(&self, g: usize, t: u64) -> bool {
        self.down.get(g).is_some_and(|w| !w.is_empty() && covers(w, t))
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
        !self.windows.is_empty()
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

    /// Whether a storm has broken sensor `id` by `t`.
    #[inline]
    pub fn sensor_broken(&self, id: u32, t: u64) -> bool {
        self.failed_at.get(id as usize).is_some_and(|&f| f <= t)
    }
}

/// Gateway failures that wait for `[repair]` crews, resolved together in order of failure
/// time so that crews are shared first come, first served: scheduled failures without `lasts`
/// (repair takes `repair_time`) and, when crews are declared, random gateway failures (repair
/// takes an exponential time of mean MTTR; the gateway fails again an exponential MTBF after it
/// is back). Keyed by (failure, gateway).
fn crewed_windows(sc: &Scenario, scopes: &[Vec<usize>], horizon: SimTime) -> BTreeMap<(usize, usize), Vec<(u64, u64)>> {
    let mut out: BTreeMap<(usize, usize), Vec<(u64, u64)>> = BTreeMap::new();
    let Some(repair) = sc.repair else { return out };
    let mut crews = RepairCrews::new(repair.crews, repair.travel.0);
    let key = |fi: usize, g: usize| (fi as u64) << 32 | g as u64;
    let mut events = BinaryHeap::new();
    for (fi, f) in sc.failures.iter().enumerate().filter(|(_, f)| f.kind == FailureKind::Gateway) {
        for &g in &scopes[fi] {
            match f.timing {
                FailureTiming::UntilRepaired { at } => events.push(Reverse((at.0, fi, g, 0u64))),
                FailureTiming::Random { mtbf, .. } => {
                    let t = exponential(draw(sc.seed, Purpose::Failure, key(fi, g), 0), mtbf.0 as f64) as u64;
                    events.push(Reverse((t, fi, g, 0)));
                }
                FailureTiming::Scheduled { .. } => {}
            }
        }
    }
    while let Some(Reverse((t, fi, g, n))) = events.pop() {
        if t >= horizon.0 {
            continue;
        }
        let (work, again) = match sc.failures[fi].timing {
            FailureTiming::Random { mtbf, mttr } => {
                (exponential(draw(sc.seed, Purpose::Failure, key(fi, g), n + 1), mttr.0 as f64) as u64, Some(mtbf))
            }
            _ => (repair.repair_time.0, None),
        };
        let end = crews.repair(t, work.max(1));
        out.entry((fi, g)).or_default().push((t, end.min(horizon.0).max(t + 1)));
        if let Some(mtbf) = again {
            let up = exponential(draw(sc.seed, Purpose::Failure, key(fi, g), n + 2), mtbf.0 as f64) as u64;
            events.push(Reverse((end.saturating_add(up), fi, g, n + 2)));
        }
    }
    out
}

/// The district a point at `x` metres east stands in.
fn district_of(city: &CityModel, x: f64) -> usize {
    city.districts.iter().position(|d| x < d.x1_m).unwrap_or(city.districts.len().saturating_sub(1))
}

/// Resolves the scenario's failures over LoRaWAN gateways placed at `positions`, up to
/// `horizon` (the run and its settling time).
pub fn outages(sc: &Scenario, positions: &[(f64, f64)], sensors: &[(f32, f32, u8)], horizon: SimTime) -> Outages {
    let n = positions.len();
    let mut storms = Vec::new();
    let mut failed_at = Vec::new();
    let mut down = vec![Vec::new(); n];
    let mut cuts = vec![Vec::new(); n];
    let mut power = vec![Vec::new(); sc.city.districts.len()];
    let mut windows = Vec::new();
    // Battery backup of each LoRaWAN gateway, from its group's power source.
    let backup: Vec<u64> = sc
        .gateways
        .iter()
        .filter(|g| g.radio == RadioKind::Lorawan)
        .flat_map(|g| std::iter::repeat_n(g.power.battery_backup.map_or(0, |d| d.0.0), g.count as usize))
        .collect();
    let scopes: Vec<Vec<usize>> = sc
        .failures
        .iter()
        .map(|f| match f.district {
            Some(d) => (0..n).filter(|&g| district_of(&sc.city, positions[g].0) == d).collect(),
            None => f.gateways.iter().copied().filter(|&g| g < n).collect(),
        })
        .collect();
    let mut crewed = crewed_windows(sc, &scopes, horizon);
    for (fi, f) in sc.failures.iter().enumerate() {
        if let (FailureKind::Storm, Some((cx, cy, r)), FailureTiming::Scheduled { at, lasts }) =
            (f.kind, f.area, f.timing)
        {
            let (start, end) = (at.0, at.0.saturating_add(lasts.0));
            let members: Vec<bool> = sensors
                .iter()
                .map(|&(x, y, _)| (f64::from(x) - cx).powi(2) + (f64::from(y) - cy).powi(2) <= r * r)
                .collect();
            if f.device_failure > 0.0 {
                failed_at.resize(sensors.len(), u64::MAX);
                for (id, _) in members.iter().enumerate().filter(|(_, m)| **m) {
                    let x = unit(draw(sc.seed, Purpose::Failure, (fi as u64) << 40 | id as u64 | 1 << 63, 0));
                    if x < f.device_failure {
                        failed_at[id] = failed_at[id].min(start);
                    }
                }
            }
            storms.push(Storm { start, end, extra_db: f.extra_loss_db as f32, members });
            windows.push(Window { failure: fi, gateway: None, start, end });
            continue;
        }
        let scope = &scopes[fi];
        // One set of windows for the failure (scheduled), or one per gateway (random or
        // waiting for a repair crew).
        let mut per_unit = |key: u64| -> Vec<(u64, u64)> {
            if let Some(w) = crewed.remove(&(fi, key as usize)) {
                return w;
            }
            match f.timing {
                FailureTiming::Scheduled { at, lasts } => vec![(at.0, at.0.saturating_add(lasts.0))],
                FailureTiming::Random { mtbf, mttr } => {
                    alternating_outages(sc.seed, (fi as u64) << 32 | key, mtbf.0, mttr.0, horizon.0)
                }
                FailureTiming::UntilRepaired { .. } => Vec::new(),
            }
        };
        if f.kind == FailureKind::Power
            && let Some(d) = f.district
        {
            let w = per_unit(u64::MAX >> 32);
            power[d].extend(w.iter().copied());
            windows.extend(w.iter().map(|&(start, end)| Window { failure: fi, gateway: None, start, end }));
            for &g in scope {
                down[g].extend(w.iter().filter_map(|&(s, e)| {
                    let s = s.saturating_add(backup.get(g).copied().unwrap_or(0));
                    (s < e).then_some((s, e))
                }));
            }
            continue;
        }
        let scheduled = matches!(f.timing, FailureTiming::Scheduled { .. });
        let shared = if scheduled { per_unit(0) } else { Vec::new() };
        for &g in scope {
            let w = if scheduled { shared.clone() } else { per_unit(g as u64) };
            let unit = (!scheduled).then_some(g);
            windows.extend(w.iter().map(|&(start, end)| Window { failure: fi, gateway: unit, start, end }));
            match f.kind {
                FailureKind::Gateway => down[g].extend(w),
                FailureKind::Power => down[g].extend(w.iter().filter_map(|&(s, e)| {
                    let s = s.saturating_add(backup.get(g).copied().unwrap_or(0));
                    (s < e).then_some((s, e))
                })),
                FailureKind::Backhaul => {
                    cuts[g].extend(w.iter().map(|&(start, end)| Cut { start, end, buffer: f.buffer, held: 0 }))
                }
                FailureKind::Storm => {}
            }
        }
        if matches!(f.timing, FailureTiming::Scheduled { .. }) {
            windows.dedup();
        }
    }
    for c in &mut cuts {
        c.sort_by_key(|x: &Cut| (x.start, x.end));
    }
    windows.sort_by_key(|w| (w.start, w.failure, w.gateway));
    windows.dedup();
    Outages {
        down: down.into_iter().map(merge).collect(),
        cuts,
        power: power.into_iter().map(merge).collect(),
        mains_backup_us: sc
            .groups
            .iter()
            .map(|g| (g.power.mains == Some(true)).then(|| g.power.battery_backup.map_or(0, |d| d.0.0)))
            .collect(),
        windows,
        storms,
        failed_at,
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
