//! Attaching non-LoRa devices when the World is built:
//!
//! - a **cellular** device (NB-IoT, LTE-M, LTE Cat-1) camps on the cell site with the lowest
//!   coupling loss (TX power less received power: path loss, building and extra losses and
//!   shadowing, less the site's antenna gain) and gets that carrier's coverage class, or none
//!   beyond the deepest class;
//! - a **Wi-Fi** device associates with the strongest access point and uses the fastest OFDM
//!   rate its received power clears, or none below the 6 Mbit/s sensitivity;
//! - a **wired** device has a link of its own.
//!
//! Each server (carrier, access point channel, wire) becomes a [`Pool`]; continuous streams
//! (cameras) take their share of it, and report uplinks see the rest: their service time is
//! divided by the share left.

use bevy_ecs::resource::Resource;

use super::access::{Access, AccessDevice, CarrierState, Pool, UNATTACHED};
use super::build::path_loss_model;
use super::coverage::{LinkModel, LinkParams, LinkPoint};
use crate::model::cellular::{Carrier, Technology};
use crate::model::radio::PathLossModel;
use crate::model::wifi;
use crate::scenario::Scenario;
use crate::scenario::types::RadioKind;
use crate::scenario::validate::cellular_technology;

/// Ethernet, IPv4 and UDP headers on a wired report, bytes.
pub const WIRED_OVERHEAD_BYTES: u32 = 46;

/// A cell site or access point.
#[derive(Clone, Debug)]
pub struct Site {
    /// Id in results, e.g. "cell-2".
    pub id: String,
    /// East, metres.
    pub x: f64,
    /// North, metres.
    pub y: f64,
    /// Antenna gain, dB.
    pub gain_db: f64,
    /// Backhaul latency to the core or application server, µs.
    pub backhaul_us: u64,
}

/// A non-LoRa sensor to attach.
#[derive(Clone, Copy, Debug)]
pub struct Device {
    /// Sensor id.
    pub id: u64,
    /// Group index.
    pub group: u16,
    /// East, metres.
    pub x: f64,
    /// North, metres.
    pub y: f64,
}

/// Static facts of the access networks, for the report.
#[derive(Resource, Clone, Debug, Default)]
pub struct AccessLayout {
    /// Cell sites.
    pub cells: Vec<Site>,
    /// Access points.
    pub aps: Vec<Site>,
    /// Devices attached to each access point.
    pub ap_devices: Vec<u64>,
    /// Index of the first access-point pool in `Access::pools`.
    pub ap_base: usize,
    /// Index of the first wire pool in `Access::pools`.
    pub wire_base: usize,
}

/// The attachment of every device (in the order given) with the distance to its nearest site
/// of its technology (0 for wired), and the servers they use.
pub struct Attached {
    /// Per device.
    pub devices: Vec<(AccessDevice, f32)>,
    /// Server pools and carriers.
    pub access: Access,
    /// For the report.
    pub layout: AccessLayout,
}

/// Attaches `devices` to `cells`, `aps` and wires.
pub fn attach(scenario: &Scenario, cells: Vec<Site>, aps: Vec<Site>, devices: &[Device]) -> Attached {
    let cc = &scenario.cellular;
    let n_tech = Technology::ALL.len();
    let mut access = Access::new(scenario.seed, cc.ra_max_attempts, cc.backoff.0);
    for (s, site) in cells.iter().enumerate() {
        for carrier in &cc.carriers {
            let onward = site.backhaul_us + cc.core_latency.0;
            let mut pool = Pool::new(usize::from(carrier.servers), cc.max_queue_delay.0, onward);
            pool.site = Some((RadioKind::Cellular, s as u32));
            access.pools.push(pool);
            access.carriers.push(CarrierState {
                site: s as u32,
                params: carrier.clone(),
                devices_by_class: vec![0; carrier.classes.len()],
                preambles: 0,
                collisions: 0,
                ra_failures: 0,
            });
        }
    }
    let ap_base = access.pools.len();
    for (a, ap) in aps.iter().enumerate() {
        let mut pool = Pool::new(1, scenario.wifi.max_queue_delay.0, ap.backhaul_us);
        pool.site = Some((RadioKind::Wifi, a as u32));
        access.pools.push(pool);
    }
    let wire_base = access.pools.len();

    let point = |d: &Device| {
        let g = &scenario.groups[usize::from(d.group)];
        LinkPoint { id: d.id, x: d.x, y: d.y, tx_dbm: g.tx_power_dbm, indoor: g.indoor, extra_loss_db: g.extra_loss_db }
    };
    let by_radio = |keep: &dyn Fn(RadioKind) -> bool| -> Vec<LinkPoint> {
        devices.iter().filter(|d| keep(scenario.groups[usize::from(d.group)].radio)).map(point).collect()
    };
    let max_tx = scenario.groups.iter().map(|g| g.tx_power_dbm).fold(-100.0f64, f64::max);
    let min_tx = scenario.groups.iter().map(|g| g.tx_power_dbm).fold(100.0f64, f64::min);

    // Cellular links: the deepest class of any carrier bounds the links worth keeping.
    let cell_points = by_radio(&|r| cellular_technology(r).is_some());
    let (cell_pos, cell_gain) = positions(&cells);
    let max_cl = cc.carriers.iter().map(Carrier::max_coupling_loss_db).fold(0.0, f64::max);
    let cell_links = LinkModel::with(
        LinkParams {
            seed: scenario.seed,
            path_loss: path_loss_model(cc.path_loss),
            sigma_db: cc.shadowing_sigma_db,
            correlation_m: None,
            floor_dbm: min_tx - max_cl,
            max_tx_dbm: max_tx,
            side_m: scenario.city.side_m,
        },
        &cell_pos,
        &cell_gain,
    )
    .all(&cell_points);

    // Wi-Fi links down to the 6 Mbit/s sensitivity.
    let wifi_points = by_radio(&|r| r == RadioKind::Wifi);
    let (ap_pos, ap_gain) = positions(&aps);
    let wifi_links = LinkModel::with(
        LinkParams {
            seed: scenario.seed,
            path_loss: PathLossModel::LogDistance {
                pl_d0_db: wifi::path_loss_db(1.0, 0.0),
                d0_m: 1.0,
                exponent: scenario.wifi.path_loss_exponent,
            },
            sigma_db: 0.0,
            correlation_m: None,
            floor_dbm: wifi::RATES[0].1,
            max_tx_dbm: max_tx,
            side_m: scenario.city.side_m,
        },
        &ap_pos,
        &ap_gain,
    )
    .all(&wifi_points);

    let mut cell_links = cell_links.into_iter();
    let mut wifi_links = wifi_links.into_iter();
    let mut ap_devices = vec![0u64; aps.len()];
    // Raw service times; divided by the share streams leave once every stream is known.
    let mut out = Vec::with_capacity(devices.len());
    for d in devices {
        let g = &scenario.groups[usize::from(d.group)];
        let unattached =
            AccessDevice { pool: UNATTACHED, carrier: UNATTACHED, class: 0, service_us: 0, margin_db: 0.0 };
        let (dev, dist) = match g.radio {
            RadioKind::Wifi => {
                let l = wifi_links.next().unwrap_or_default();
                let best =
                    l.heard.iter().max_by(|a, b| a.rssi_dbm.total_cmp(&b.rssi_dbm).then(b.gateway.cmp(&a.gateway)));
                let dev =
                    best.and_then(|b| wifi::rate_for(f64::from(b.rssi_dbm)).map(|rate| (b.gateway, rate, b.rssi_dbm)));
                match dev {
                    Some((ap, rate, rssi)) => {
                        let pool = ap_base + ap as usize;
                        ap_devices[ap as usize] += 1;
                        access.pools[pool].stream_load += wifi::stream_share(g.stream_bps, rate);
                        let service = wifi::exchange_us(u32::from(g.payload_bytes), rate).ceil() as u32;
                        (
                            AccessDevice {
                                pool: pool as u32,
                                carrier: UNATTACHED,
                                class: 0,
                                service_us: service,
                                margin_db: rssi - wifi::RATES[0].1 as f32,
                            },
                            l.nearest_m,
                        )
                    }
                    None => (unattached, l.nearest_m),
                }
            }
            RadioKind::Wired => {
                let pool = access.pools.len();
                let mut p = Pool::new(1, scenario.wired.max_queue_delay.0, scenario.wired.latency.0);
                p.stream_load = g.stream_bps / g.link_capacity_bps;
                access.pools.push(p);
                let bits = f64::from((u32::from(g.payload_bytes) + WIRED_OVERHEAD_BYTES) * 8);
                let service = (bits / g.link_capacity_bps * 1e6).ceil() as u32;
                let dev = AccessDevice {
                    pool: pool as u32,
                    carrier: UNATTACHED,
                    class: 0,
                    service_us: service.max(1),
                    margin_db: f32::INFINITY,
                };
                (dev, 0.0)
            }
            radio => {
                let Some(tech) = cellular_technology(radio) else {
                    out.push((unattached, f32::INFINITY));
                    continue;
                };
                let l = cell_links.next().unwrap_or_default();
                let t = Technology::ALL.iter().position(|x| *x == tech).unwrap_or(0);
                let params = &cc.carriers[t];
                // The lowest coupling loss is the strongest received power (one TX power).
                let best =
                    l.heard.iter().max_by(|a, b| a.rssi_dbm.total_cmp(&b.rssi_dbm).then(b.gateway.cmp(&a.gateway)));
                let class = best.and_then(|b| {
                    let cl = g.tx_power_dbm - f64::from(b.rssi_dbm);
                    params.class_of(cl).map(|k| (b.gateway, k, params.max_coupling_loss_db() - cl))
                });
                match class {
                    Some((site, k, margin)) => {
                        let carrier = site as usize * n_tech + t;
                        access.carriers[carrier].devices_by_class[usize::from(k)] += 1;
                        let service = params.uplink_us(k, u32::from(g.payload_bytes)).min(u64::from(u32::MAX)) as u32;
                        let dev = AccessDevice {
                            pool: carrier as u32,
                            carrier: carrier as u32,
                            class: k,
                            service_us: service,
                            margin_db: margin as f32,
                        };
                        (dev, l.nearest_m)
                    }
                    None => (unattached, l.nearest_m),
                }
            }
        };
        out.push((dev, dist));
    }
    for (dev, _) in &mut out {
        if let Some(pool) = access.pools.get(dev.pool as usize)
            && pool.stream_load > 0.0
            && pool.stream_load < 1.0
        {
            dev.service_us = (f64::from(dev.service_us) / (1.0 - pool.stream_load)).ceil() as u32;
        }
    }
    Attached { devices: out, access, layout: AccessLayout { cells, aps, ap_devices, ap_base, wire_base } }
}

fn positions(sites: &[Site]) -> (Vec<(f64, f64)>, Vec<f64>) {
    (sites.iter().map(|s| (s.x, s.y)).collect(), sites.iter().map(|s| s.gain_db).collect())
}
