//! Assembling the World from a validated scenario: sensors placed over their districts (or a
//! disc), gateways, cell sites and access points placed as declared, LoRa links computed once
//! (`coverage`), each LoRa sensor's spreading factor chosen from its link budget (or SF12 to
//! start ADR from), other sensors attached to their servers (`attach`), regional rules set up,
//! and every sensor's first report put in the calendar.

use bevy_ecs::prelude::*;

use super::access::UNATTACHED;
use super::attach::{Device, Site, attach};
use super::coverage::{Coverage, DISTANCE_BAND_M, DISTANCE_BANDS, LinkModel, LinkPoint, SensorLinks};
use super::energy::{EnergyTables, Link, RadioDraw, Supply, supply_for, tables};
use super::failures::{SensorAt, Sites};
use super::mac::GroupMac;
use super::transmit::DutyCycleRules;
use crate::model::adr::{AdrParams, AdrState};
use crate::model::duty_cycle::{
    DutyCycleTracker, EU868_SUB_BANDS, Plan, US915_MAX_DWELL_US, plan_sub_bands, sub_band_of, uplink_channels_mhz,
};
use crate::model::energy::{PowerProfile, TxCurrent, rx_window_us};
use crate::model::radio::{
    Bandwidth, CodingRate, DEFAULT_NOISE_FIGURE_DB, LORAWAN_OVERHEAD_BYTES, LoraParams, PathLossModel,
    SensitivityTable, SpreadingFactor, lowest_sf_for_link, noise_floor_dbm,
};
use crate::model::random::{Purpose, draw, unit};
use crate::scenario::Scenario;
use crate::scenario::types::{DutyCyclePolicy, PathLoss, Placement, RadioKind, RadioProfile, Region, Timing};
use crate::scenario::validate::{self, CityModel, GatewayGroup};
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
    /// Distance band to the nearest gateway (`DISTANCE_BAND_M` wide).
    pub band: u8,
    /// Readings taken so far; the n-th reading goes out as LoRaWAN frame counter n.
    pub readings: u32,
    /// When its battery must next be settled (u64::MAX: mains, never).
    pub check_at: u64,
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
    /// Current TX power relative to the configured one (ADR lowers it), dB.
    pub tx_offset_db: f32,
    /// When each sub-band reopens.
    pub duty: DutyCycleTracker,
    /// Charge its radio has drawn.
    pub draw: RadioDraw,
}

/// A gateway.
#[derive(Component, Clone, Debug)]
pub struct Gateway {
    /// Index (gateway order in the scenario).
    pub index: u32,
    /// Id in results, e.g. "gw-3".
    pub id: String,
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
    /// Gateway sensitivity per SF7..SF12 at the run's bandwidth, dBm.
    pub sensitivity_dbm: [f32; 6],
    /// Time on air per group and SF7..SF12, µs.
    pub airtime_us: Vec<[u32; 6]>,
    /// Configured TX power per group, dBm.
    pub tx_dbm: Vec<f64>,
    /// ADR run by the network server, if any.
    pub adr: Option<AdrParams>,
    /// Receiver noise floor for SNR, dBm.
    pub noise_floor_dbm: f64,
    /// Per-group MAC settings.
    pub mac: Vec<GroupMac>,
    /// Gateway downlink rules.
    pub downlink: DownlinkRules,
    /// LoRa radio currents and Class A receive windows.
    pub lora_energy: LoraEnergy,
}

/// What a LoRa device's radio draws per uplink: currents, and the receive windows (RX1 at the
/// uplink's SF7..SF12, RX2 at the region's RX2 data rate), µs.
#[derive(Clone, Debug)]
pub struct LoraEnergy {
    /// Currents.
    pub profile: PowerProfile,
    /// RX1 window per SF7..SF12 without a downlink, µs.
    pub rx1_us: [u64; 6],
    /// RX2 window without a downlink, µs.
    pub rx2_us: u64,
    /// TX current of each group at its configured power, mA.
    pub tx_ma: Vec<f64>,
}

/// How gateways may answer: ACK airtime and the sub-bands (with duty cycles) of RX1 and RX2.
#[derive(Clone, Debug)]
pub struct DownlinkRules {
    /// Time on air of an ACK (empty downlink frame) per SF7..SF12, µs.
    pub ack_airtime_us: [u64; 6],
    /// RX1 sub-band slot of each uplink channel (RX1 answers on the uplink's frequency in EU868).
    pub rx1_bands: Vec<Option<usize>>,
    /// RX2 sub-band slot (869.525 MHz in EU868).
    pub rx2_band: Option<usize>,
    /// Duty cycle of each slot.
    pub band_duty: Vec<f64>,
}

impl DownlinkRules {
    /// The RX1 sub-band slot for an uplink on `channel`.
    pub fn rx1_band(&self, channel: u8) -> Option<usize> {
        self.rx1_bands.get(usize::from(channel)).copied().flatten()
    }
}

/// The network server's ADR state for one device: recent SNRs, and a new setting on its way
/// down to the device (effective from `AdrChange::at`).
#[derive(Component, Clone, Debug, Default)]
pub struct Adr {
    /// SNR history.
    pub history: AdrState,
    /// A decided change not yet in effect.
    pub next: Option<AdrChange>,
}

/// A LinkADRReq: new SF and TX power, in effect for uplinks from `at`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdrChange {
    /// When the device has it, µs.
    pub at: u64,
    /// Spreading factor.
    pub sf: u8,
    /// TX power relative to the group's configured power, dB.
    pub tx_offset_db: f32,
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
    /// LoRa sensors per distance band.
    pub band_sensors: Vec<u64>,
    /// Each sensor's radio.
    pub radios: Vec<RadioKind>,
    /// Each sensor's group.
    pub groups: Vec<u16>,
}

/// EU868 gateways answer in RX1 on the uplink's frequency (its sub-band's duty cycle) and in
/// RX2 on 869.525 MHz (the 10 % sub-band); US915 downlinks use their own band without duty
/// cycle. An ACK is an empty frame: 12 bytes of MAC header, frame header and MIC, no CRC.
fn downlink_rules(
    plan: Plan,
    bands: &[usize],
    uplink: &DutyCycleRules,
    cr: CodingRate,
    bw: Bandwidth,
) -> DownlinkRules {
    let ack_airtime_us =
        SpreadingFactor::ALL.map(|sf| LoraParams { cr, crc: false, ..LoraParams::uplink(sf, bw) }.time_on_air_us(12));
    if plan == Plan::Us915 {
        return DownlinkRules { ack_airtime_us, rx1_bands: Vec::new(), rx2_band: None, band_duty: Vec::new() };
    }
    let rx2 = sub_band_of(RX2_EU868_MHZ);
    let mut band_duty: Vec<f64> = bands.iter().map(|b| EU868_SUB_BANDS[*b].duty_cycle).collect();
    band_duty.extend(rx2.map(|b| EU868_SUB_BANDS[b].duty_cycle));
    DownlinkRules {
        ack_airtime_us,
        rx1_bands: uplink.channel_band.iter().map(|b| Some(*b)).collect(),
        rx2_band: rx2.map(|_| bands.len()),
        band_duty,
    }
}

/// EU868 RX2 frequency, MHz.
pub const RX2_EU868_MHZ: f64 = 869.525;

/// Index of a spreading factor (7..12) into per-SF tables (0..5).
pub fn sf_index(sf: u8) -> usize {
    usize::from(sf.clamp(7, 12) - 7)
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
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
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
                    (x0 + (c as f64 + 0.5) * w / in_row as f64, (r as f64 + 0.5) * h / rows as f64)
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

    // Regional rules: EU868 sub-band duty cycles per channel, US915's 400 ms dwell time.
    let plan = match lw.region {
        Region::EU868 => Plan::Eu868,
        Region::US915 => Plan::Us915,
    };
    let bands = plan_sub_bands(plan, lw.channels);
    let duty_cycle = DutyCycleRules {
        policy: if bands.is_empty() { DutyCyclePolicy::Off } else { lw.duty_cycle },
        max_delay_us: lw.duty_cycle_max_delay.0,
        channel_band: uplink_channels_mhz(plan, lw.channels)
            .into_iter()
            .map(|f| sub_band_of(f).and_then(|b| bands.iter().position(|x| *x == b)).unwrap_or(0))
            .collect(),
        band_duty: bands.iter().map(|b| EU868_SUB_BANDS[*b].duty_cycle).collect(),
    };
    let n_bands = duty_cycle.band_duty.len();
    // Time on air of each group's uplink at every SF, computed once.
    let airtime_us: Vec<[u32; 6]> = scenario
        .groups
        .iter()
        .map(|g| {
            let phy = g.payload_bytes.saturating_add(LORAWAN_OVERHEAD_BYTES);
            SpreadingFactor::ALL.map(|sf| {
                LoraParams { cr, ..LoraParams::uplink(sf, bw) }.time_on_air_us(phy).min(u64::from(u32::MAX)) as u32
            })
        })
        .collect();
    let sf_cap: Vec<SpreadingFactor> = airtime_us
        .iter()
        .map(|airtime| {
            SpreadingFactor::ALL
                .into_iter()
                .rev()
                .find(|sf| plan != Plan::Us915 || u64::from(airtime[sf.index()]) <= US915_MAX_DWELL_US)
                .unwrap_or(SpreadingFactor::SF7)
        })
        .collect();

    // Gateways, cell sites and access points.
    let mut gateways: Vec<(f64, f64)> = Vec::new();
    let mut gateway_ids = Vec::new();
    let mut backhaul_us = Vec::new();
    let mut gains = Vec::new();
    let mut gateway_demodulators = Vec::new();
    let (mut cells, mut aps) = (Vec::new(), Vec::new());
    let mut placed_so_far = 0u32;
    let mut ids = [RadioKind::Lorawan, RadioKind::Cellular, RadioKind::Wifi]
        .map(|r| validate::gateway_ids(&scenario.gateways, r).into_iter());
    for g in &scenario.gateways {
        let placed = place_gateways(g, city, seed, placed_so_far);
        placed_so_far += placed.len() as u32;
        for p in placed {
            let (sites, ids) = match g.radio {
                RadioKind::Cellular => (Some(&mut cells), &mut ids[1]),
                RadioKind::Wifi => (Some(&mut aps), &mut ids[2]),
                _ => (None, &mut ids[0]),
            };
            let index = gateways.len();
            let id = ids.next().expect("one id per placed gateway");
            if let Some(sites) = sites {
                sites.push(Site { id, x: p.0, y: p.1, gain_db: g.antenna_gain_db, backhaul_us: g.backhaul_latency.0 });
                continue;
            }
            world.spawn((Gateway { index: index as u32, id: id.clone() }, Position { x: p.0 as f32, y: p.1 as f32 }));
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
        lora: bool,
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
                let di = city.districts.iter().position(|d| x < d.x1_m).unwrap_or(city.districts.len() - 1);
                let lora = g.radio == RadioKind::Lorawan;
                specs.push(Spec { group: gi as u16, district: di as u16, x: x as f32, y: y as f32, lora });
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
                let lora = g.radio == RadioKind::Lorawan;
                specs.push(Spec { group: gi as u16, district: di as u16, x: x as f32, y: y as f32, lora });
            }
            district_sensors[di] += n;
            group_sensors[gi] += n;
        }
    }

    // Links: every LoRa sensor's received power at every gateway that can hear it at SF12.
    let link_model = LinkModel::new(scenario, &gateways, &gains);
    let points: Vec<LinkPoint> = specs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.lora)
        .map(|(id, s)| {
            let g = &scenario.groups[s.group as usize];
            LinkPoint {
                id: id as u64,
                x: f64::from(s.x),
                y: f64::from(s.y),
                tx_dbm: g.tx_power_dbm,
                indoor: g.indoor,
                extra_loss_db: g.extra_loss_db,
            }
        })
        .collect();
    let links = link_model.all(&points);
    // Other sensors: attached to cell sites, access points or wires.
    let others: Vec<Device> = specs
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.lora)
        .map(|(id, s)| Device { id: id as u64, group: s.group, x: f64::from(s.x), y: f64::from(s.y) })
        .collect();
    let site_xy = |v: &[Site]| v.iter().map(|s| (s.x, s.y)).collect::<Vec<_>>();
    let (cell_xy, ap_xy) = (site_xy(&cells), site_xy(&aps));
    let attached = attach(scenario, cells, aps, &others);
    let assign = |id: usize, l: &SensorLinks| -> u8 {
        let s = &specs[id];
        let g = &scenario.groups[s.group as usize];
        match g.spreading_factor.and_then(SpreadingFactor::new) {
            Some(sf) => sf.value(),
            None if lw.adr.is_some() => SpreadingFactor::SF12.min(sf_cap[s.group as usize]).value(),
            None => lowest_sf_for_link(l.best_rssi_dbm(), GATEWAY_SENSITIVITY, bw, lw.link_margin_db)
                .or_else(|| lowest_sf_for_link(l.best_rssi_dbm(), GATEWAY_SENSITIVITY, bw, 0.0))
                .unwrap_or(SpreadingFactor::SF12)
                .min(sf_cap[s.group as usize])
                .value(),
        }
    };

    let mut coverage = Coverage { entries: Vec::new() };
    let mut gateway_reach = vec![0u64; gateways.len()];
    let mut band_sensors = vec![0u64; DISTANCE_BANDS];
    let mut layout_sensors = Vec::with_capacity(specs.len());
    let mut index = Vec::with_capacity(specs.len());
    // RX2: EU868 869.525 MHz at SF12/125 kHz; US915 923.3 MHz at SF12/500 kHz (DR8).
    let rx2_bw = if plan == Plan::Us915 { Bandwidth::Khz500 } else { Bandwidth::Khz125 };
    let profile = match scenario.energy.radio_profile {
        RadioProfile::Rak4260 => PowerProfile::lora_rak4260(),
        RadioProfile::Lorasim => PowerProfile { tx: TxCurrent::Table, ..PowerProfile::lora_ns3() },
    };
    let lora_energy = LoraEnergy {
        profile,
        rx1_us: SpreadingFactor::ALL.map(|sf| rx_window_us(&LoraParams::uplink(sf, bw))),
        rx2_us: rx_window_us(&LoraParams::uplink(SpreadingFactor::SF12, rx2_bw)),
        tx_ma: scenario.groups.iter().map(|g| profile.tx_current_ma(g.tx_power_dbm)).collect(),
    };
    let mut energy_tables = tables(scenario);
    let mut links = links.into_iter();
    let mut other_devices = attached.devices.into_iter();
    let mut radios = Vec::with_capacity(specs.len());
    for (id, s) in specs.iter().enumerate() {
        let radio = scenario.groups[usize::from(s.group)].radio;
        radios.push(radio);
        let sensor = |band: u8, supply: &Option<Supply>, tables: &EnergyTables| Sensor {
            id: id as u32,
            group: s.group,
            district: s.district,
            band,
            readings: 0,
            check_at: supply.as_ref().map_or(u64::MAX, |p| p.next_check(0, tables)),
        };
        let band_of = |d: f32| ((d / DISTANCE_BAND_M) as usize).min(DISTANCE_BANDS - 1) as u8;
        let g = usize::from(s.group);
        if !s.lora {
            let (dev, dist) = other_devices.next().expect("one attachment per non-LoRa sensor");
            let band = band_of(dist);
            layout_sensors.push((s.x, s.y, 0));
            let link = match attached.access.carriers.get(dev.carrier as usize) {
                Some(c) => Link::Cellular { carrier: &c.params, class: dev.class },
                None if radio == RadioKind::Wifi && dev.pool != UNATTACHED => Link::Wifi,
                None => Link::None,
            };
            let supply = supply_for(scenario, g, link, &mut energy_tables);
            let mut e = world.spawn((sensor(band, &supply, &energy_tables), Position { x: s.x, y: s.y }, dev));
            if let Some(supply) = supply {
                e.insert(supply);
            }
            index.push(e.id());
            continue;
        }
        let l = links.next().unwrap_or_default();
        let sf = assign(id, &l);
        let sens =
            GATEWAY_SENSITIVITY.sensitivity_dbm(SpreadingFactor::new(sf).unwrap_or(SpreadingFactor::SF12), bw) as f32;
        let heard = l.heard;
        let in_reach = heard.iter().filter(|r| r.rssi_dbm >= sens).count();
        let airtime = airtime_us[usize::from(s.group)][sf_index(sf)];
        for r in heard.iter().filter(|r| r.rssi_dbm >= sens) {
            gateway_reach[r.gateway as usize] += 1;
        }
        layout_sensors.push((s.x, s.y, if in_reach == 0 { 0 } else { sf }));
        let band = band_of(l.nearest_m);
        band_sensors[usize::from(band)] += 1;
        let reach = (coverage.entries.len() as u32, heard.len() as u32);
        coverage.entries.extend_from_slice(&heard);
        let link = Link::Lora {
            airtime_us: u64::from(airtime),
            sf12_us: (u64::from(airtime_us[g][5]), lora_energy.rx1_us[5]),
            rx_us: (lora_energy.rx1_us[sf_index(sf)], lora_energy.rx2_us),
            profile: &lora_energy.profile,
        };
        let supply = supply_for(scenario, g, link, &mut energy_tables);
        let mut e = world.spawn((
            sensor(band, &supply, &energy_tables),
            Position { x: s.x, y: s.y },
            LoraDevice {
                sf,
                airtime_us: airtime,
                reach,
                tx_offset_db: 0.0,
                duty: DutyCycleTracker::new(n_bands),
                draw: RadioDraw::default(),
            },
        ));
        if let Some(supply) = supply {
            e.insert(supply);
        }
        index.push(e.id());
    }

    let groups: Vec<GroupTiming> = scenario
        .groups
        .iter()
        .map(|g| match g.timing {
            Timing::Periodic => GroupTiming::Periodic { interval: g.report_every.0, jitter: g.jitter.0 },
            Timing::Poisson => GroupTiming::Poisson { mean: g.report_every.0 },
            Timing::PoissonFromEnd => GroupTiming::PoissonFromEnd { mean: g.report_every.0 },
        })
        .collect();
    let mut symbol_us = [0.0; 6];
    for sf in SpreadingFactor::ALL {
        symbol_us[sf.index()] = LoraParams::uplink(sf, bw).symbol_time_s() * 1e6;
    }
    let downlink = downlink_rules(plan, &bands, &duty_cycle, cr, bw);
    let config = RunConfig {
        seed,
        duration: scenario.duration,
        step,
        groups,
        channels: lw.channels,
        symbol_us,
        backhaul_us,
        duty_cycle,
        sensitivity_dbm: SpreadingFactor::ALL.map(|sf| GATEWAY_SENSITIVITY.sensitivity_dbm(sf, bw) as f32),
        airtime_us,
        tx_dbm: scenario.groups.iter().map(|g| g.tx_power_dbm).collect(),
        adr: lw.adr,
        noise_floor_dbm: noise_floor_dbm(bw.hz(), DEFAULT_NOISE_FIGURE_DB),
        mac: scenario
            .groups
            .iter()
            .map(|g| GroupMac { confirmed: g.confirmed, transmissions: g.transmissions })
            .collect(),
        downlink,
        lora_energy,
    };
    if config.adr.is_some() {
        for (e, s) in index.iter().zip(&specs) {
            if s.lora {
                world.entity_mut(*e).insert(Adr::default());
            }
        }
    }

    // First reports: a uniform phase within the first interval (periodic) or an exponential gap.
    let mut calendar = super::calendar::Calendar::<Entity>::new(step);
    for (id, s) in specs.iter().enumerate() {
        let first = super::sense::first_report(&config, s.group as usize, id as u32);
        if first < config.duration {
            calendar.push(first, index[id]);
        }
    }

    let horizon = scenario.duration + super::MAX_SETTLING;
    let sites = Sites { lora: &gateways, cells: &cell_xy, aps: &ap_xy };
    let at: Vec<SensorAt> =
        specs.iter().map(|s| SensorAt { x: s.x, y: s.y, group: s.group, district: s.district }).collect();
    world.insert_resource(super::failures::outages(scenario, &sites, &at, horizon));
    world.insert_resource(Layout {
        sensors: layout_sensors,
        gateways,
        gateway_ids,
        district_sensors,
        group_sensors,
        gateway_reach,
        gateway_demodulators,
        band_sensors,
        radios,
        groups: specs.iter().map(|s| s.group).collect(),
    });
    world.insert_resource(attached.access);
    world.insert_resource(energy_tables);
    world.insert_resource(attached.layout);
    world.insert_resource(coverage);
    world.insert_resource(calendar);
    world.insert_resource(config);
    world
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
