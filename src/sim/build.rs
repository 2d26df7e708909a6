//! Assembling the World from a validated scenario: sensors placed over their districts,
//! gateways placed as declared, every sensor-gateway link's received power computed once
//! (path loss + optional static shadowing), each sensor's spreading factor chosen from its link
//! budget, and the gateways that can hear it stored as a compact reach list.
//!
//! Link computation runs in parallel over sensors; each sensor's result depends only on the
//! seed and its own id, so the World is identical at any thread count.

use bevy_ecs::prelude::*;
use rayon::prelude::*;

use super::transmit::DutyCycleRules;
use crate::model::duty_cycle::{
    DutyCycleTracker, EU868_SUB_BANDS, Plan, US915_MAX_DWELL_US, plan_sub_bands, sub_band_of, uplink_channels_mhz,
};
use crate::model::radio::{
    Bandwidth, CodingRate, LORAWAN_OVERHEAD_BYTES, LoraParams, PathLossModel, SensitivityTable, SpreadingFactor,
    lowest_sf_for_link,
};
use crate::model::random::{Purpose, draw, standard_normal, unit};
use crate::scenario::Scenario;
use crate::scenario::types::{DutyCyclePolicy, PathLoss, Placement, Region, Timing};
use crate::scenario::validate::{CityModel, GatewayGroup};
use crate::time::SimTime;

/// Gateway sensitivity table used for reception (SX1301 concentrator, as ns-3 lorawan).
pub const GATEWAY_SENSITIVITY: SensitivityTable = SensitivityTable::GatewaySx1301;

/// A sensor device.
#[derive(Component, Clone, Copy, Debug)]
pub struct Sensor {
    /// Stable id: index in scenario order (groups, then districts).
    pub id: u32,
    /// Index of its group in the scenario.
    pub group: u16,
    /// Index of its district.
    pub district: u16,
    /// Readings taken so far; the n-th reading goes out as LoRaWAN frame counter n.
    pub readings: u32,
}

/// Position in metres east and north of the area's south-west corner.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Position {
    /// East.
    pub x: f32,
    /// North.
    pub y: f32,
}

/// A sensor's LoRa radio: settings fixed for the run, the gateways that hear it, and its
/// regulatory duty-cycle state. Kept in one component because every uplink needs all of it
/// (one cache line per sensor instead of several).
#[derive(Component, Clone, Debug)]
pub struct LoraDevice {
    /// Spreading factor 7..12.
    pub sf: u8,
    /// Time on air of one uplink, µs.
    pub airtime_us: u32,
    /// Its entries in `Coverage`: (first, count).
    pub reach: (u32, u32),
    /// When each sub-band reopens.
    pub duty: DutyCycleTracker,
}

/// A gateway.
#[derive(Component, Clone, Debug)]
pub struct Gateway {
    /// Index (gateway order in the scenario).
    pub index: u32,
    /// Id in results, e.g. "gw-3".
    pub id: String,
}

/// One gateway that hears a sensor, and how loud.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reach {
    /// Gateway index.
    pub gateway: u32,
    /// Received power, dBm.
    pub rssi_dbm: f32,
}

/// Every sensor's gateways that hear it above sensitivity at its SF, sensor after sensor; a
/// sensor's `LoraDevice::reach` says where its run is.
#[derive(Resource, Default)]
pub struct Coverage {
    entries: Vec<Reach>,
}

impl Coverage {
    /// The gateways in the run `(first, count)`.
    pub fn reach(&self, (first, count): (u32, u32)) -> &[Reach] {
        let first = first as usize;
        &self.entries[first..first + count as usize]
    }

    /// Number of sensor-gateway links.
    pub fn links(&self) -> usize {
        self.entries.len()
    }
}

/// How a group's reports are spaced (µs).
#[derive(Clone, Copy, Debug)]
pub enum GroupTiming {
    /// `interval` ± uniform `jitter`.
    Periodic {
        /// Interval.
        interval: u64,
        /// Jitter.
        jitter: u64,
    },
    /// Exponential gaps between readings.
    Poisson {
        /// Mean gap.
        mean: u64,
    },
    /// Exponential gaps from the end of the previous transmission.
    PoissonFromEnd {
        /// Mean gap.
        mean: u64,
    },
}

/// Run-wide constants.
#[derive(Resource, Clone, Debug)]
pub struct RunConfig {
    /// Master seed.
    pub seed: u64,
    /// Simulated duration.
    pub duration: SimTime,
    /// Engine step.
    pub step: SimTime,
    /// Timing per group.
    pub groups: Vec<GroupTiming>,
    /// LoRa uplink channels.
    pub channels: u8,
    /// Symbol time per SF7..SF12, µs.
    pub symbol_us: [f64; 6],
    /// Backhaul latency per gateway.
    pub backhaul_us: Vec<u64>,
    /// Regulatory duty cycle per channel.
    pub duty_cycle: super::transmit::DutyCycleRules,
}

/// Static facts of the built world for the report.
#[derive(Resource, Clone, Debug, Default)]
pub struct Layout {
    /// Sensor positions and SF (0 = out of range).
    pub sensors: Vec<(f32, f32, u8)>,
    /// Gateway positions.
    pub gateways: Vec<(f64, f64)>,
    /// Gateway ids.
    pub gateway_ids: Vec<String>,
    /// Sensors per district.
    pub district_sensors: Vec<u64>,
    /// Sensors per group.
    pub group_sensors: Vec<u64>,
    /// Sensors in reach of each gateway.
    pub gateway_reach: Vec<u64>,
    /// Demodulation paths of each gateway.
    pub gateway_demodulators: Vec<u8>,
}

/// The path-loss model a scenario names.
pub fn path_loss_model(p: PathLoss) -> PathLossModel {
    match p {
        PathLoss::LogDistance => PathLossModel::lorasim_urban(),
        PathLoss::Oulu => PathLossModel::Oulu,
        PathLoss::OkumuraHata => PathLossModel::OkumuraHata,
    }
}

/// The LoRa bandwidth a scenario names (validated to be 125, 250 or 500 kHz).
pub fn bandwidth(khz: u32) -> Bandwidth {
    Bandwidth::from_khz(khz).unwrap_or(Bandwidth::Khz125)
}

/// Splits `n` over shares by largest remainder, so the parts add up to `n` exactly.
pub fn apportion(n: u64, shares: &[f64]) -> Vec<u64> {
    let total: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares.iter().map(|s| n as f64 * s / total).collect();
    let mut parts: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let mut left = n - parts.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    for &i in order.iter().cycle().take(shares.len() * 2) {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

/// Gateway positions for one group.
pub fn place_gateways(g: &GatewayGroup, city: &CityModel, seed: u64, first_index: u32) -> Vec<(f64, f64)> {
    let (x0, x1) = match g.district {
        Some(d) => (city.districts[d].x0_m, city.districts[d].x1_m),
        None => (0.0, city.side_m),
    };
    let (w, h) = (x1 - x0, city.side_m);
    let n = g.count as usize;
    match g.placement {
        Placement::Explicit => g.positions.clone(),
        Placement::Grid => {
            let cols = ((n as f64 * w / h).sqrt().round() as usize).clamp(1, n.max(1));
            let rows = n.div_ceil(cols).max(1);
            (0..n)
                .map(|k| {
                    let (r, c) = (k / cols, k % cols);
                    // The last, partly filled row is centred rather than left-aligned.
                    let in_row = if r + 1 == rows { n - r * cols } else { cols };
                    (
                        x0 + (c as f64 + 0.5) * w / in_row as f64,
                        (r as f64 + 0.5) * h / rows as f64,
                    )
                })
                .collect()
        }
        Placement::Random => (0..n)
            .map(|k| {
                let id = u64::from(first_index) + k as u64;
                (
                    x0 + unit(draw(seed, Purpose::GatewayPlacement, id, 0)) * w,
                    unit(draw(seed, Purpose::GatewayPlacement, id, 1)) * h,
                )
            })
            .collect(),
    }
}

/// Builds the World: entities, coverage and resources. Returns it with the first due time of
/// every sensor already in the calendar.
pub fn build(scenario: &Scenario, step: SimTime) -> World {
    let mut world = World::new();
    let seed = scenario.seed;
    let city = &scenario.city;
    let lw = &scenario.lorawan;
    let bw = bandwidth(lw.bandwidth_khz);
    let cr = CodingRate::new(lw.coding_rate).unwrap_or(CodingRate::CR_4_5);
    let model = path_loss_model(lw.path_loss);

    // Regional rules: EU868 sub-band duty cycles per channel, US915's 400 ms dwell time.
    let plan = match lw.region {
        Region::EU868 => Plan::Eu868,
        Region::US915 => Plan::Us915,
    };
    let bands = plan_sub_bands(plan, lw.channels);
    let duty_cycle = DutyCycleRules {
        policy: if bands.is_empty() {
            DutyCyclePolicy::Off
        } else {
            lw.duty_cycle
        },
        max_delay_us: lw.duty_cycle_max_delay.0,
        channel_band: uplink_channels_mhz(plan, lw.channels)
            .into_iter()
            .map(|f| {
                sub_band_of(f)
                    .and_then(|b| bands.iter().position(|x| *x == b))
                    .unwrap_or(0)
            })
            .collect(),
        band_duty: bands.iter().map(|b| EU868_SUB_BANDS[*b].duty_cycle).collect(),
    };
    let n_bands = duty_cycle.band_duty.len();
    let sf_cap: Vec<SpreadingFactor> = scenario
        .groups
        .iter()
        .map(|g| {
            let phy = g.payload_bytes.saturating_add(LORAWAN_OVERHEAD_BYTES);
            let airtime = |sf| {
                LoraParams {
                    cr,
                    ..LoraParams::uplink(sf, bw)
                }
                .time_on_air_us(phy)
            };
            SpreadingFactor::ALL
                .into_iter()
                .rev()
                .find(|sf| plan != Plan::Us915 || airtime(*sf) <= US915_MAX_DWELL_US)
                .unwrap_or(SpreadingFactor::SF7)
        })
        .collect();

    // Gateways.
    let mut gateways: Vec<(f64, f64)> = Vec::new();
    let mut gateway_ids = Vec::new();
    let mut backhaul_us = Vec::new();
    let mut gains = Vec::new();
    let mut gateway_demodulators = Vec::new();
    for g in &scenario.gateways {
        let placed = place_gateways(g, city, seed, gateways.len() as u32);
        for (k, p) in placed.into_iter().enumerate() {
            let index = gateways.len() as u32;
            let id = if scenario.gateways.len() == 1 {
                format!("{}-{k}", g.name)
            } else {
                format!("{}-{index}", g.name)
            };
            world.spawn((
                Gateway { index, id: id.clone() },
                Position {
                    x: p.0 as f32,
                    y: p.1 as f32,
                },
            ));
            gateways.push(p);
            gateway_ids.push(id);
            backhaul_us.push(g.backhaul_latency.0);
            gains.push(g.antenna_gain_db);
            gateway_demodulators.push(g.demodulators);
        }
    }

    // Sensors: positions by group and district share.
    struct Spec {
        group: u16,
        district: u16,
        x: f32,
        y: f32,
    }
    let shares: Vec<f64> = city.districts.iter().map(|d| d.share).collect();
    let mut specs = Vec::new();
    let mut district_sensors = vec![0u64; city.districts.len()];
    let mut group_sensors = vec![0u64; scenario.groups.len()];
    for (gi, g) in scenario.groups.iter().enumerate() {
        if let Some((cx, cy, r)) = g.disc {
            for _ in 0..g.count {
                let id = specs.len() as u64;
                // Uniform over the disc: radius by the square root of a uniform draw.
                let rho = r * unit(draw(seed, Purpose::SensorPlacement, id, 0)).sqrt();
                let phi = std::f64::consts::TAU * unit(draw(seed, Purpose::SensorPlacement, id, 1));
                let (x, y) = (cx + rho * phi.cos(), cy + rho * phi.sin());
                let di = city
                    .districts
                    .iter()
                    .position(|d| x < d.x1_m)
                    .unwrap_or(city.districts.len() - 1);
                specs.push(Spec {
                    group: gi as u16,
                    district: di as u16,
                    x: x as f32,
                    y: y as f32,
                });
                district_sensors[di] += 1;
            }
            group_sensors[gi] += g.count;
            continue;
        }
        let parts = match g.district {
            Some(d) => {
                let mut p = vec![0; shares.len()];
                p[d] = g.count;
                p
            }
            None => apportion(g.count, &shares),
        };
        for (di, &n) in parts.iter().enumerate() {
            let d = &city.districts[di];
            for _ in 0..n {
                let id = specs.len() as u64;
                let x = d.x0_m + unit(draw(seed, Purpose::SensorPlacement, id, 0)) * (d.x1_m - d.x0_m);
                let y = unit(draw(seed, Purpose::SensorPlacement, id, 1)) * city.side_m;
                specs.push(Spec {
                    group: gi as u16,
                    district: di as u16,
                    x: x as f32,
                    y: y as f32,
                });
            }
            district_sensors[di] += n;
            group_sensors[gi] += n;
        }
    }

    // Links: a uniform grid of gateways, cells as wide as the longest possible link.
    let max_gain = gains.iter().copied().fold(0.0f64, f64::max);
    let max_tx = scenario.groups.iter().map(|g| g.tx_power_dbm).fold(-100.0f64, f64::max);
    let sens12 = GATEWAY_SENSITIVITY.sensitivity_dbm(SpreadingFactor::SF12, bw);
    let max_range = model
        .max_range_m(max_tx + max_gain - sens12 + 4.0 * lw.shadowing_sigma_db)
        .clamp(1.0, 1e6);
    let grid = GatewayGrid::new(&gateways, max_range, city.side_m);
    let sigma = lw.shadowing_sigma_db;
    let links: Vec<(u8, Vec<Reach>)> = specs
        .par_iter()
        .enumerate()
        .map(|(id, s)| {
            let g = &scenario.groups[s.group as usize];
            let mut heard: Vec<Reach> = Vec::new();
            grid.near(s.x as f64, s.y as f64, |gw| {
                let (gx, gy) = gateways[gw as usize];
                let d = ((gx - s.x as f64).powi(2) + (gy - s.y as f64).powi(2)).sqrt();
                let shadow = if sigma > 0.0 {
                    let key = ((id as u64) << 24) ^ u64::from(gw);
                    sigma
                        * standard_normal(
                            draw(seed, Purpose::Shadowing, key, 0),
                            draw(seed, Purpose::Shadowing, key, 1),
                        )
                } else {
                    0.0
                };
                let rssi = g.tx_power_dbm + gains[gw as usize] - model.path_loss_db(d) + shadow;
                if rssi >= sens12 {
                    heard.push(Reach {
                        gateway: gw,
                        rssi_dbm: rssi as f32,
                    });
                }
            });
            let best = heard
                .iter()
                .map(|r| f64::from(r.rssi_dbm))
                .fold(f64::NEG_INFINITY, f64::max);
            let sf = match g.spreading_factor.and_then(SpreadingFactor::new) {
                Some(sf) => sf,
                None => lowest_sf_for_link(best, GATEWAY_SENSITIVITY, bw, lw.link_margin_db)
                    .or_else(|| lowest_sf_for_link(best, GATEWAY_SENSITIVITY, bw, 0.0))
                    .unwrap_or(SpreadingFactor::SF12)
                    .min(sf_cap[s.group as usize]),
            };
            let sens = GATEWAY_SENSITIVITY.sensitivity_dbm(sf, bw) as f32;
            heard.retain(|r| r.rssi_dbm >= sens);
            heard.sort_by_key(|r| r.gateway);
            (sf.value(), heard)
        })
        .collect();

    let mut coverage = Coverage { entries: Vec::new() };
    let mut gateway_reach = vec![0u64; gateways.len()];
    let mut layout_sensors = Vec::with_capacity(specs.len());
    let mut index = Vec::with_capacity(specs.len());
    for (id, (s, (sf, heard))) in specs.iter().zip(links).enumerate() {
        let g = &scenario.groups[s.group as usize];
        let params = LoraParams {
            cr,
            ..LoraParams::uplink(SpreadingFactor::new(sf).unwrap_or(SpreadingFactor::SF12), bw)
        };
        let airtime = params.time_on_air_us(g.payload_bytes.saturating_add(LORAWAN_OVERHEAD_BYTES));
        for r in &heard {
            gateway_reach[r.gateway as usize] += 1;
        }
        layout_sensors.push((s.x, s.y, if heard.is_empty() { 0 } else { sf }));
        let reach = (coverage.entries.len() as u32, heard.len() as u32);
        coverage.entries.extend_from_slice(&heard);
        let e = world.spawn((
            Sensor {
                id: id as u32,
                group: s.group,
                district: s.district,
                readings: 0,
            },
            Position { x: s.x, y: s.y },
            LoraDevice {
                sf,
                airtime_us: airtime.min(u64::from(u32::MAX)) as u32,
                reach,
                duty: DutyCycleTracker::new(n_bands),
            },
        ));
        index.push(e.id());
    }

    let groups: Vec<GroupTiming> = scenario
        .groups
        .iter()
        .map(|g| match g.timing {
            Timing::Periodic => GroupTiming::Periodic {
                interval: g.report_every.0,
                jitter: g.jitter.0,
            },
            Timing::Poisson => GroupTiming::Poisson { mean: g.report_every.0 },
            Timing::PoissonFromEnd => GroupTiming::PoissonFromEnd { mean: g.report_every.0 },
        })
        .collect();
    let mut symbol_us = [0.0; 6];
    for sf in SpreadingFactor::ALL {
        symbol_us[sf.index()] = LoraParams::uplink(sf, bw).symbol_time_s() * 1e6;
    }
    let config = RunConfig {
        seed,
        duration: scenario.duration,
        step,
        groups,
        channels: lw.channels,
        symbol_us,
        backhaul_us,
        duty_cycle,
    };

    // First reports: a uniform phase within the first interval (periodic) or an exponential gap.
    let mut calendar = super::calendar::Calendar::<Entity>::new(step);
    for (id, s) in specs.iter().enumerate() {
        let first = super::sense::first_report(&config, s.group as usize, id as u32);
        if first < config.duration {
            calendar.push(first, index[id]);
        }
    }

    world.insert_resource(Layout {
        sensors: layout_sensors,
        gateways,
        gateway_ids,
        district_sensors,
        group_sensors,
        gateway_reach,
        gateway_demodulators,
    });
    world.insert_resource(coverage);
    world.insert_resource(calendar);
    world.insert_resource(config);
    world
}

/// Gateways bucketed into square cells of side `cell`, to find those near a point quickly.
struct GatewayGrid {
    cell: f64,
    cols: usize,
    rows: usize,
    cells: Vec<Vec<u32>>,
}

impl GatewayGrid {
    fn new(gateways: &[(f64, f64)], cell: f64, side: f64) -> Self {
        let cols = ((side / cell).ceil() as usize).clamp(1, 4096);
        let cell = side.max(1.0) / cols as f64;
        let rows = cols;
        let mut cells = vec![Vec::new(); cols * rows];
        for (i, &(x, y)) in gateways.iter().enumerate() {
            let (c, r) = Self::cell_of(x, y, cell, cols, rows);
            cells[r * cols + c].push(i as u32);
        }
        GatewayGrid {
            cell,
            cols,
            rows,
            cells,
        }
    }

    fn cell_of(x: f64, y: f64, cell: f64, cols: usize, rows: usize) -> (usize, usize) {
        (
            ((x / cell).max(0.0) as usize).min(cols - 1),
            ((y / cell).max(0.0) as usize).min(rows - 1),
        )
    }

    /// Calls `f` for each gateway in the 3x3 block of cells around (x, y). Cells are at least
    /// as wide as the longest link, so no gateway in range is missed.
    fn near(&self, x: f64, y: f64, mut f: impl FnMut(u32)) {
        let (c, r) = Self::cell_of(x, y, self.cell, self.cols, self.rows);
        for rr in r.saturating_sub(1)..=(r + 1).min(self.rows - 1) {
            for cc in c.saturating_sub(1)..=(c + 1).min(self.cols - 1) {
                for &g in &self.cells[rr * self.cols + cc] {
                    f(g);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_adds_up() {
        assert_eq!(apportion(10, &[0.6, 0.4]), vec![6, 4]);
        assert_eq!(apportion(10, &[1.0 / 3.0; 3]).iter().sum::<u64>(), 10);
        assert_eq!(apportion(1, &[0.5, 0.5]).iter().sum::<u64>(), 1);
        assert_eq!(apportion(0, &[0.5, 0.5]), vec![0, 0]);
    }
}
