//! Radio links between sensors and gateways (or cell sites, or access points), computed once
//! when the World is built: received power = TX power + antenna gain - path loss - building
//! loss + shadowing, for every site that could hear the sensor (for LoRaWAN: at SF12, the most
//! sensitive setting). Each LoRa uplink then uses the gateways that clear the sensitivity of the
//! sensor's current SF and power.
//!
//! - Shadowing is log-normal, static per link; with a correlation distance it is spatially
//!   correlated: per gateway, independent N(0, 1) values sit on a grid of that spacing and a
//!   sensor takes the bilinear blend of its cell's four corners, renormalised to unit variance
//!   (nearby sensors share most of it; sensors two cells apart are independent). ns-3 uses the
//!   same grid idea with exponential correlation (110 m).
//! - Indoor sensors lose a building penetration loss drawn per sensor from {17, 21, 27, 30} dB
//!   (LoRaEnergySim's ITU-R P.2346-style draws); underground ones a declared extra loss.
//!
//! Computation runs in parallel over sensors; each result depends only on the seed and the ids,
//! so the World is identical at any thread count.

use bevy_ecs::resource::Resource;
use rayon::prelude::*;

use super::build::{GATEWAY_SENSITIVITY, bandwidth, path_loss_model};
use crate::model::radio::{PathLossModel, SpreadingFactor};
use crate::model::random::{Purpose, below, draw, standard_normal};
use crate::scenario::Scenario;

/// Width of the distance bands results are broken down by, metres.
pub const DISTANCE_BAND_M: f32 = 250.0;
/// Number of distance bands; the last one holds everything beyond.
pub const DISTANCE_BANDS: usize = 16;
/// Building penetration losses an indoor sensor draws from (LoRaEnergySim), dB.
pub const INDOOR_LOSSES_DB: [f64; 4] = [17.0, 27.0, 21.0, 30.0];

/// One gateway that hears a sensor, and how loud at the sensor's configured TX power.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reach {
    /// Gateway index.
    pub gateway: u32,
    /// Received power, dBm.
    pub rssi_dbm: f32,
}

/// Every sensor's audible gateways, sensor after sensor; a sensor's `LoraDevice::reach` says
/// where its run is.
#[derive(Resource, Default)]
pub struct Coverage {
    /// The runs, concatenated.
    pub entries: Vec<Reach>,
}

impl Coverage {
    /// The gateways in the run `(first, count)`.
    pub fn reach(&self, (first, count): (u32, u32)) -> &[Reach] {
        let first = first as usize;
        &self.entries[first..first + count as usize]
    }
}

/// Where a sensor is and how it transmits, for link computation.
#[derive(Clone, Copy, Debug)]
pub struct LinkPoint {
    /// Sensor id (keys its random draws).
    pub id: u64,
    /// East, metres.
    pub x: f64,
    /// North, metres.
    pub y: f64,
    /// Configured TX power, dBm.
    pub tx_dbm: f64,
    /// Inside a building.
    pub indoor: bool,
    /// Declared extra loss (underground, enclosures), dB.
    pub extra_loss_db: f64,
}

/// A sensor's links.
#[derive(Clone, Debug, Default)]
pub struct SensorLinks {
    /// Gateways that hear it at SF12, by gateway index.
    pub heard: Vec<Reach>,
    /// Distance to the nearest gateway, metres.
    pub nearest_m: f32,
}

impl SensorLinks {
    /// The strongest received power, or -inf when nobody hears it.
    pub fn best_rssi_dbm(&self) -> f64 {
        self.heard.iter().map(|r| f64::from(r.rssi_dbm)).fold(f64::NEG_INFINITY, f64::max)
    }
}

/// Everything that decides a link's received power.
pub struct LinkModel<'a> {
    seed: u64,
    path_loss: PathLossModel,
    sigma_db: f64,
    correlation_m: Option<f64>,
    gateways: &'a [(f64, f64)],
    gains: &'a [f64],
    floor_dbm: f64,
    grid: GatewayGrid,
}

/// What a link model needs besides the sites.
#[derive(Clone, Copy, Debug)]
pub struct LinkParams {
    /// Master seed (shadowing and building-loss draws).
    pub seed: u64,
    /// Path loss.
    pub path_loss: PathLossModel,
    /// Log-normal shadowing sigma, dB.
    pub sigma_db: f64,
    /// Shadowing correlation distance, metres (None: independent per link).
    pub correlation_m: Option<f64>,
    /// Weakest received power worth keeping, dBm.
    pub floor_dbm: f64,
    /// Highest TX power of any sensor, dBm (sizes the search grid).
    pub max_tx_dbm: f64,
    /// Side of the area, metres.
    pub side_m: f64,
}

impl<'a> LinkModel<'a> {
    /// The LoRa link model of a scenario over placed gateways with their antenna gains.
    pub fn new(scenario: &Scenario, gateways: &'a [(f64, f64)], gains: &'a [f64]) -> Self {
        let lw = &scenario.lorawan;
        let sens12_dbm = GATEWAY_SENSITIVITY.sensitivity_dbm(SpreadingFactor::SF12, bandwidth(lw.bandwidth_khz));
        let max_tx = scenario.groups.iter().map(|g| g.tx_power_dbm).fold(-100.0f64, f64::max);
        let params = LinkParams {
            seed: scenario.seed,
            path_loss: path_loss_model(lw.path_loss),
            sigma_db: lw.shadowing_sigma_db,
            correlation_m: lw.shadowing_correlation_m,
            floor_dbm: sens12_dbm,
            max_tx_dbm: max_tx,
            side_m: scenario.city.side_m,
        };
        Self::with(params, gateways, gains)
    }

    /// A link model toward any kind of site (gateways, cell sites, access points).
    pub fn with(p: LinkParams, gateways: &'a [(f64, f64)], gains: &'a [f64]) -> Self {
        let max_gain = gains.iter().copied().fold(0.0f64, f64::max);
        // Cells as wide as the longest possible link (shadowing up to +4 sigma), so a sensor's
        // gateways are all in its 3x3 block of cells.
        let range = p.path_loss.max_range_m(p.max_tx_dbm + max_gain - p.floor_dbm + 4.0 * p.sigma_db).clamp(1.0, 1e6);
        LinkModel {
            seed: p.seed,
            path_loss: p.path_loss,
            sigma_db: p.sigma_db,
            correlation_m: p.correlation_m,
            gateways,
            gains,
            floor_dbm: p.floor_dbm,
            grid: GatewayGrid::new(gateways, range, p.side_m),
        }
    }

    /// Links of every sensor, in the order given (parallel, order-independent).
    pub fn all(&self, points: &[LinkPoint]) -> Vec<SensorLinks> {
        points.par_iter().map(|p| self.links(p.id, p)).collect()
    }

    /// Links of sensor `id` at `p`.
    pub fn links(&self, id: u64, p: &LinkPoint) -> SensorLinks {
        let building = if p.indoor {
            INDOOR_LOSSES_DB[below(draw(self.seed, Purpose::BuildingLoss, id, 0), 4) as usize]
        } else {
            0.0
        };
        let mut out = SensorLinks { heard: Vec::new(), nearest_m: f32::INFINITY };
        self.grid.near(p.x, p.y, |gw| {
            let (gx, gy) = self.gateways[gw as usize];
            let d = ((gx - p.x).powi(2) + (gy - p.y).powi(2)).sqrt();
            out.nearest_m = out.nearest_m.min(d as f32);
            let rssi = p.tx_dbm + self.gains[gw as usize] - self.path_loss.path_loss_db(d) - building - p.extra_loss_db
                + self.shadowing_db(id, gw, p.x, p.y);
            if rssi >= self.floor_dbm {
                out.heard.push(Reach { gateway: gw, rssi_dbm: rssi as f32 });
            }
        });
        out.heard.sort_by_key(|r| r.gateway);
        out
    }

    /// Static shadowing of the link from sensor `id` at (x, y) to gateway `gw`, dB.
    fn shadowing_db(&self, id: u64, gw: u32, x: f64, y: f64) -> f64 {
        if self.sigma_db <= 0.0 {
            return 0.0;
        }
        let normal = |key: u64| {
            standard_normal(draw(self.seed, Purpose::Shadowing, key, 0), draw(self.seed, Purpose::Shadowing, key, 1))
        };
        let z = match self.correlation_m {
            None => normal((id << 24) ^ u64::from(gw)),
            Some(c) => {
                let (u, v) = (x / c, y / c);
                let (i, j) = (u.floor(), v.floor());
                let (fx, fy) = (u - i, v - j);
                let corner = |di: f64, dj: f64| {
                    let key =
                        (u64::from(gw) << 40) ^ (((i + di) as u64 & 0xF_FFFF) << 20) ^ ((j + dj) as u64 & 0xF_FFFF);
                    normal(key | (1 << 63))
                };
                let w = [(1.0 - fx) * (1.0 - fy), fx * (1.0 - fy), (1.0 - fx) * fy, fx * fy];
                let z = w[0] * corner(0.0, 0.0)
                    + w[1] * corner(1.0, 0.0)
                    + w[2] * corner(0.0, 1.0)
                    + w[3] * corner(1.0, 1.0);
                z / w.iter().map(|a| a * a).sum::<f64>().sqrt()
            }
        };
        self.sigma_db * z
    }
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
        // Round the count of cells down so that each cell is at least `cell` wide.
        let cols = ((side / cell).floor() as usize).clamp(1, 4096);
        let cell = side.max(1.0) / cols as f64;
        let rows = cols;
        let mut cells = vec![Vec::new(); cols * rows];
        for (i, &(x, y)) in gateways.iter().enumerate() {
            let (c, r) = Self::cell_of(x, y, cell, cols, rows);
            cells[r * cols + c].push(i as u32);
        }
        GatewayGrid { cell, cols, rows, cells }
    }

    fn cell_of(x: f64, y: f64, cell: f64, cols: usize, rows: usize) -> (usize, usize) {
        (((x / cell).max(0.0) as usize).min(cols - 1), ((y / cell).max(0.0) as usize).min(rows - 1))
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

    fn scenario(lorawan: &str) -> Scenario {
        let text = format!(
            "[scenario]\nname = \"t\"\nduration = \"1h\"\n[city]\narea_km2 = 4.0\n\
             [[sensors]]\nkind = \"parking\"\ncount = 1\n[[gateways]]\npositions = [{{ x = 1000, y = 1000 }}]\n\
             [lorawan]\n{lorawan}\n"
        );
        crate::scenario::from_str("t.toml", &text, &[], None).expect("valid")
    }

    fn point(x: f64, indoor: bool) -> LinkPoint {
        LinkPoint { id: 0, x, y: 1000.0, tx_dbm: 30.0, indoor, extra_loss_db: 0.0 }
    }

    /// Shadowing (dB) of sensor `id` at (x, 1000) toward the one gateway at (1000, 1000).
    fn shadow(m: &LinkModel, id: u64, x: f64) -> f64 {
        let l = m.links(id, &point(x, false));
        let d = (x - 1000.0f64).abs().max(1.0);
        f64::from(l.heard[0].rssi_dbm) - (30.0 - m.path_loss.path_loss_db(d))
    }

    fn correlation(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / n;
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum::<f64>() / n;
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum::<f64>() / n;
        cov / (va * vb).sqrt()
    }

    #[test]
    fn shadowing_has_the_declared_sigma_and_correlation() {
        let gws = [(1000.0, 1000.0)];
        let gains = [0.0];
        // Sample pairs of points 5 m apart and 600 m apart along a line, over many positions.
        let xs: Vec<f64> = (0..2000).map(|k| 1100.0 + k as f64 * 0.3).collect();
        for (lorawan, near_corr) in [
            ("shadowing_sigma = \"6dB\"", false),
            ("shadowing_sigma = \"6dB\"\nshadowing_correlation = \"110m\"", true),
        ] {
            let sc = scenario(lorawan);
            let m = LinkModel::new(&sc, &gws, &gains);
            let a: Vec<f64> = xs.iter().enumerate().map(|(i, &x)| shadow(&m, 2 * i as u64, x)).collect();
            let b: Vec<f64> = xs.iter().enumerate().map(|(i, &x)| shadow(&m, 2 * i as u64 + 1, x + 5.0)).collect();
            let sd = (a.iter().map(|x| x * x).sum::<f64>() / a.len() as f64).sqrt();
            let r = correlation(&a, &b);
            if near_corr {
                // Oracle: bilinear blend of unit normals renormalised to unit variance: sigma
                // holds, and points 5 m apart (< 5 % of a 110 m cell) are almost fully correlated.
                assert!(r > 0.9, "correlated: r = {r}");
                assert!((sd - 6.0).abs() < 1.5, "sigma {sd}");
            } else {
                // Independent per link: r ~ 0 (|r| < 4/sqrt(2000)), sd ~ 6 dB.
                assert!(r.abs() < 0.09, "independent: r = {r}");
                assert!((sd - 6.0).abs() < 0.4, "sigma {sd}");
            }
        }
    }

    #[test]
    fn indoor_sensors_lose_the_mean_building_loss() {
        let sc = scenario("");
        let gws = [(1000.0, 1000.0)];
        let gains = [0.0];
        let m = LinkModel::new(&sc, &gws, &gains);
        let n = 4000u64;
        let mean_loss: f64 = (0..n)
            .map(|id| {
                f64::from(
                    m.links(id, &point(1050.0, false)).heard[0].rssi_dbm
                        - m.links(id, &point(1050.0, true)).heard[0].rssi_dbm,
                )
            })
            .sum::<f64>()
            / n as f64;
        // Oracle: uniform over {17, 27, 21, 30} dB has mean 23.75 dB (std 4.8 dB, so the mean of
        // 4000 draws is within 0.3 dB).
        assert!((mean_loss - 23.75).abs() < 0.3, "{mean_loss}");
    }

    #[test]
    fn grid_finds_every_gateway_within_range() {
        // Brute force over a sweep of points and awkward range/side ratios (a range just over
        // side/3 once made cells narrower than the range).
        let gws: Vec<(f64, f64)> =
            (0..100).map(|k| ((k % 10) as f64 * 500.0 + 37.0, (k / 10) as f64 * 500.0 + 11.0)).collect();
        for range in [800.0, 1_001.0, 1_700.0, 2_600.0] {
            let grid = GatewayGrid::new(&gws, range, 5_000.0);
            for i in 0..500 {
                let (x, y) = ((i * 97 % 5_000) as f64, (i * 131 % 5_000) as f64);
                let mut found = Vec::new();
                grid.near(x, y, |g| found.push(g));
                for (g, (gx, gy)) in gws.iter().enumerate() {
                    if ((gx - x).powi(2) + (gy - y).powi(2)).sqrt() <= range {
                        assert!(found.contains(&(g as u32)), "range {range}: gateway {g} missed from ({x}, {y})");
                    }
                }
            }
        }
    }
}
