//! The city grid for resilience results: the simulated square cut into equal cells, and per
//! time bucket which cells had a live, reporting sensor of each kind (a delivered reading) and
//! how many readings each cell generated and delivered. From these come coverage over time per
//! sensor kind and the delivery maps before and during a failure. Recording is two array
//! writes per reading.

/// Cells per side at most (a 32 x 32 grid).
pub const MAX_CELLS_PER_SIDE: usize = 32;
/// Cells per side at least.
pub const MIN_CELLS_PER_SIDE: usize = 4;
/// Preferred cell side, metres: a few city blocks.
pub const PREFERRED_CELL_M: f64 = 250.0;
/// Upper bound on (bucket, cell) counters kept, to bound memory on very long runs.
pub const MAX_COUNTERS: usize = 4_000_000;

/// Per-cell, per-bucket counters.
#[derive(Clone, Debug)]
pub struct Grid {
    /// Cells per side.
    pub n: usize,
    /// Cell side, metres.
    pub cell_m: f64,
    buckets: usize,
    words: usize,
    /// Cell of each sensor, by id.
    sensor_cell: Vec<u16>,
    /// Kind index of each sensor group.
    group_kind: Vec<u8>,
    /// Kind names, in index order.
    pub kinds: Vec<String>,
    /// Per kind: bitset of cells where that kind is deployed.
    deployed: Vec<Vec<u64>>,
    /// Per (bucket, kind): bitset of cells with a delivered reading of that kind.
    live: Vec<u64>,
    /// Per (bucket, cell): readings generated and delivered.
    counts: Vec<(u32, u32)>,
}

impl Grid {
    /// A grid over a square of `side_m` for `buckets` buckets; `sensors` are (x, y, group) and
    /// `group_kinds` each group's kind name.
    pub fn new(side_m: f64, buckets: usize, sensors: &[(f32, f32, u16)], group_kinds: &[&str]) -> Self {
        let mut n = ((side_m / PREFERRED_CELL_M).ceil() as usize).clamp(MIN_CELLS_PER_SIDE, MAX_CELLS_PER_SIDE);
        while n > MIN_CELLS_PER_SIDE && buckets.max(1) * n * n > MAX_COUNTERS {
            n -= 1;
        }
        let cell_m = side_m.max(1.0) / n as f64;
        let mut kinds: Vec<String> = Vec::new();
        let group_kind: Vec<u8> = group_kinds
            .iter()
            .map(|k| {
                let i = kinds.iter().position(|x| x == k).unwrap_or_else(|| {
                    kinds.push(k.to_string());
                    kinds.len() - 1
                });
                i as u8
            })
            .collect();
        let words = (n * n).div_ceil(64);
        let mut deployed = vec![vec![0u64; words]; kinds.len()];
        let cell_of = |x: f32, y: f32| {
            let c = |v: f32| ((f64::from(v) / cell_m).floor().max(0.0) as usize).min(n - 1);
            (c(y) * n + c(x)) as u16
        };
        let sensor_cell: Vec<u16> = sensors
            .iter()
            .map(|&(x, y, g)| {
                let cell = cell_of(x, y);
                if let Some(&k) = group_kind.get(usize::from(g)) {
                    deployed[usize::from(k)][usize::from(cell) / 64] |= 1 << (cell % 64);
                }
                cell
            })
            .collect();
        let buckets = buckets.max(1);
        Grid {
            n,
            cell_m,
            buckets,
            words,
            sensor_cell,
            group_kind,
            live: vec![0; buckets * kinds.len() * words],
            counts: vec![(0, 0); buckets * n * n],
            kinds,
            deployed,
        }
    }

    fn cell(&self, sensor: u32) -> usize {
        self.sensor_cell.get(sensor as usize).map_or(0, |&c| usize::from(c))
    }

    /// A reading of `sensor` was generated in `bucket`.
    #[inline]
    pub fn generated(&mut self, bucket: usize, sensor: u32) {
        let i = bucket.min(self.buckets - 1) * self.n * self.n + self.cell(sensor);
        self.counts[i].0 += 1;
    }

    /// A reading of `sensor` (of `group`) generated in `bucket` was delivered.
    #[inline]
    pub fn delivered(&mut self, bucket: usize, sensor: u32, group: u16) {
        let b = bucket.min(self.buckets - 1);
        let cell = self.cell(sensor);
        self.counts[b * self.n * self.n + cell].1 += 1;
        if let Some(&k) = self.group_kind.get(usize::from(group)) {
            let w = (b * self.kinds.len() + usize::from(k)) * self.words + cell / 64;
            self.live[w] |= 1 << (cell % 64);
        }
    }

    /// Cells where `kind` is deployed.
    pub fn deployed_cells(&self, kind: usize) -> u32 {
        self.deployed[kind].iter().map(|w| w.count_ones()).sum()
    }

    /// Coverage of `kind` per bucket: the share of the cells where it is deployed that had a
    /// delivered reading of that kind within the last `window` buckets (None before the first
    /// full window).
    pub fn coverage(&self, kind: usize, window: usize) -> Vec<Option<f64>> {
        let window = window.max(1);
        let total = f64::from(self.deployed_cells(kind).max(1));
        let mut acc = vec![0u64; self.words];
        (0..self.buckets)
            .map(|b| {
                if b + 1 < window {
                    return None;
                }
                acc.iter_mut().for_each(|w| *w = 0);
                for bb in b + 1 - window..=b {
                    let base = (bb * self.kinds.len() + kind) * self.words;
                    for (a, l) in acc.iter_mut().zip(&self.live[base..base + self.words]) {
                        *a |= l;
                    }
                }
                let hit: u32 = acc.iter().zip(&self.deployed[kind]).map(|(a, d)| (a & d).count_ones()).sum();
                Some(f64::from(hit) / total)
            })
            .collect()
    }

    /// Per cell, the delivery ratio of the readings generated in buckets `from..to` (None where
    /// none were generated), row by row from the south.
    pub fn delivery_map(&self, from: usize, to: usize) -> Vec<Option<f64>> {
        let cells = self.n * self.n;
        (0..cells)
            .map(|c| {
                let (g, d) = (from..to.min(self.buckets))
                    .map(|b| self.counts[b * cells + c])
                    .fold((0u64, 0u64), |acc, x| (acc.0 + u64::from(x.0), acc.1 + u64::from(x.1)));
                (g > 0).then(|| d as f64 / g as f64)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_counts_deployed_cells_with_a_delivery_in_the_window() {
        // 1 km square, 4 x 4 cells of 250 m; two kinds.
        let sensors = [(100.0, 100.0, 0), (600.0, 100.0, 0), (100.0, 900.0, 1)];
        let mut g = Grid::new(1000.0, 4, &sensors, &["air", "noise"]);
        assert_eq!((g.n, g.deployed_cells(0), g.deployed_cells(1)), (4, 2, 1));
        g.delivered(0, 0, 0);
        g.delivered(1, 1, 0);
        g.delivered(3, 0, 0);
        assert_eq!(g.coverage(0, 1), vec![Some(0.5), Some(0.5), Some(0.0), Some(0.5)]);
        assert_eq!(g.coverage(0, 2), vec![None, Some(1.0), Some(0.5), Some(0.5)]);
        assert_eq!(g.coverage(1, 1), vec![Some(0.0); 4]);
    }

    #[test]
    fn the_delivery_map_is_per_cell() {
        let sensors = [(100.0, 100.0, 0), (900.0, 900.0, 0)];
        let mut g = Grid::new(1000.0, 2, &sensors, &["air"]);
        for _ in 0..4 {
            g.generated(0, 0);
        }
        g.delivered(0, 0, 0);
        g.generated(1, 1);
        let before = g.delivery_map(0, 1);
        assert_eq!(before[0], Some(0.25));
        assert_eq!(before[15], None);
        assert_eq!(g.delivery_map(1, 2)[15], Some(0.0));
    }
}
