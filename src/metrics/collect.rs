//! Collectors the engine writes into while it runs: uplink counters by cause, HDR latency
//! histograms (overall and per radio technology), and per-bucket counters for the city, each
//! district, each sensor group and each technology. Recording is a few array increments;
//! nothing is allocated per uplink.

use std::collections::BTreeMap;

use bevy_ecs::resource::Resource;
use hdrhistogram::Histogram;

use super::grid::Grid;
use super::report::{Latency, LossCause, Sample, ScopeReport, TimeSeries, Uplinks};
use crate::scenario::types::RadioKind;
use crate::time::SimTime;

/// Which breakdown a scope report is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    /// Districts.
    District,
    /// Sensor groups.
    Group,
    /// Radio technologies.
    Technology,
}

/// Per-technology totals beyond the scope counters.
#[derive(Clone)]
pub struct TechTotals {
    /// The technology.
    pub radio: RadioKind,
    /// Losses by cause.
    pub lost: [u64; LossCause::ALL.len()],
    /// Latency of delivered uplinks, µs.
    pub latency_us: Histogram<u64>,
    /// (generated, delivered) per distance band.
    pub bands: Vec<(u64, u64)>,
}

/// Counters kept per (bucket, scope).
#[derive(Clone, Copy, Default)]
struct Cell {
    generated: u64,
    delivered: u64,
    lost: [u64; LossCause::ALL.len()],
}

/// The engine's metric collectors.
#[derive(Resource)]
pub struct Metrics {
    bucket_us: u64,
    /// Scope names: "city", then districts, then groups.
    scopes: Vec<String>,
    district_base: usize,
    group_base: usize,
    tech_base: usize,
    /// Index into `techs` of each group's technology.
    group_tech: Vec<usize>,
    techs: Vec<TechTotals>,
    cells: Vec<Cell>,
    generated: u64,
    sent: u64,
    transmissions: u64,
    acks: (u64, u64, u64),
    delayed: u64,
    delivered: u64,
    lost: [u64; LossCause::ALL.len()],
    latency_us: Histogram<u64>,
    /// Engine events, for the progress bar and the `run` block.
    pub events: u64,
    /// What compromised devices did.
    pub attack: AttackCounters,
    /// Per grid-cell counters, when resilience results are wanted.
    pub grid: Option<Grid>,
    /// Delivered readings waiting to enter the data pipeline, when the scenario has one.
    pub outbox: Option<Vec<Delivered>>,
}

/// A reading that reached the network server, on its way into the data pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivered {
    /// Unique id: sensor id in the high half, frame counter in the low half.
    pub id: u64,
    /// When the reading was taken, µs.
    pub intended: u64,
    /// When it reached the network server, µs.
    pub arrival: u64,
    /// The LoRaWAN gateway that forwarded it (None for other radios).
    pub gateway: Option<u32>,
    /// Sensor group.
    pub group: u16,
}

/// What compromised devices did, over the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AttackCounters {
    /// Forged readings sent before detection.
    pub spoofed: u64,
    /// Flood uplinks sent (beyond the readings themselves).
    pub flood_sent: u64,
    /// Flood uplinks that reached the network server (and loaded everything on the way).
    pub flood_delivered: u64,
}

impl Metrics {
    /// Collectors for a run of `duration` with buckets of `bucket`, for the named districts
    /// and groups (with each group's radio), with `bands` distance bands per technology.
    pub fn new(
        duration: SimTime,
        bucket: SimTime,
        districts: &[String],
        groups: &[(String, RadioKind)],
        bands: usize,
    ) -> Self {
        let mut radios: Vec<RadioKind> = groups.iter().map(|g| g.1).collect();
        radios.sort();
        radios.dedup();
        let mut scopes = vec!["city".to_string()];
        scopes.extend(districts.iter().map(|d| format!("district:{d}")));
        scopes.extend(groups.iter().map(|g| format!("group:{}", g.0)));
        scopes.extend(radios.iter().map(|r| format!("technology:{}", r.name())));
        let buckets = duration.0.div_ceil(bucket.0.max(1)).max(1) as usize;
        Metrics {
            bucket_us: bucket.0.max(1),
            district_base: 1,
            group_base: 1 + districts.len(),
            tech_base: 1 + districts.len() + groups.len(),
            group_tech: groups.iter().map(|g| radios.iter().position(|r| *r == g.1).unwrap_or(0)).collect(),
            techs: radios
                .iter()
                .map(|&radio| TechTotals {
                    radio,
                    lost: [0; LossCause::ALL.len()],
                    latency_us: Histogram::new(3).expect("3 significant digits is within hdrhistogram's 0..=5"),
                    bands: vec![(0, 0); bands.max(1)],
                })
                .collect(),
            cells: vec![Cell::default(); buckets * scopes.len()],
            scopes,
            generated: 0,
            sent: 0,
            transmissions: 0,
            acks: (0, 0, 0),
            delayed: 0,
            delivered: 0,
            lost: [0; LossCause::ALL.len()],
            // Three significant digits from 1 µs up; resizes itself for longer latencies.
            latency_us: Histogram::new(3).expect("3 significant digits is within hdrhistogram's 0..=5"),
            events: 0,
            attack: AttackCounters::default(),
            grid: None,
            outbox: None,
        }
    }

    fn cells_for(&self, t: SimTime, district: u16, group: u16) -> [usize; 4] {
        let n = self.scopes.len();
        let buckets = self.cells.len() / n;
        let b = ((t.0 / self.bucket_us) as usize).min(buckets - 1) * n;
        let tech = self.group_tech.get(usize::from(group)).copied().unwrap_or(0);
        [b, b + self.district_base + district as usize, b + self.group_base + group as usize, b + self.tech_base + tech]
    }

    fn tech(&mut self, group: u16) -> &mut TechTotals {
        let i = self.group_tech.get(usize::from(group)).copied().unwrap_or(0);
        &mut self.techs[i]
    }

    /// The time-series bucket of `t`.
    fn bucket(&self, t: SimTime) -> usize {
        (t.0 / self.bucket_us) as usize
    }

    /// Buckets in the time series.
    pub fn buckets(&self) -> usize {
        self.cells.len() / self.scopes.len()
    }

    /// Bucket width, µs.
    pub fn bucket_us(&self) -> u64 {
        self.bucket_us
    }

    /// Sensor `sensor` produced a reading at `t`.
    pub fn generated(&mut self, t: SimTime, sensor: u32, district: u16, group: u16, band: u8) {
        self.generated += 1;
        let b = self.bucket(t);
        if let Some(grid) = self.grid.as_mut() {
            grid.generated(b, sensor);
        }
        band_of(&mut self.tech(group).bands, band).0 += 1;
        self.events += 1;
        for i in self.cells_for(t, district, group) {
            self.cells[i].generated += 1;
        }
    }

    /// A transmission went on the air; `first` for a reading's first transmission.
    pub fn transmitted(&mut self, first: bool) {
        self.transmissions += 1;
        if first {
            self.sent += 1;
        }
    }

    /// An ACK went out, in RX1 (`true`) or RX2.
    pub fn ack(&mut self, rx1: bool) {
        if rx1 {
            self.acks.0 += 1;
        } else {
            self.acks.1 += 1;
        }
    }

    /// An ACK could not be sent.
    pub fn ack_blocked(&mut self) {
        self.acks.2 += 1;
    }

    /// ACKs sent in RX1, in RX2, and not sent.
    pub fn acks(&self) -> (u64, u64, u64) {
        self.acks
    }

    /// A reading had to wait for its duty cycle.
    pub fn delayed(&mut self) {
        self.delayed += 1;
    }

    /// Readings that waited for their duty cycle.
    pub fn delayed_count(&self) -> u64 {
        self.delayed
    }

    /// A reading of `sensor` generated at `t` reached the network server `latency` after it was
    /// taken.
    pub fn delivered(&mut self, t: SimTime, sensor: u32, district: u16, group: u16, band: u8, latency: SimTime) {
        self.delivered += 1;
        let b = self.bucket(t);
        if let Some(grid) = self.grid.as_mut() {
            grid.delivered(b, sensor, group);
        }
        let tech = self.tech(group);
        band_of(&mut tech.bands, band).1 += 1;
        let _ = tech.latency_us.record(latency.0.max(1));
        self.events += 1;
        let _ = self.latency_us.record(latency.0.max(1));
        for i in self.cells_for(t, district, group) {
            self.cells[i].delivered += 1;
        }
    }

    /// Hands a delivered reading to the data pipeline, if there is one.
    #[inline]
    pub fn forward(&mut self, d: Delivered) {
        if let Some(outbox) = self.outbox.as_mut() {
            outbox.push(d);
        }
    }

    /// A reading generated at `t` was lost for `cause`.
    pub fn lost(&mut self, t: SimTime, district: u16, group: u16, cause: LossCause) {
        self.lost[cause as usize] += 1;
        self.tech(group).lost[cause as usize] += 1;
        self.events += 1;
        for i in self.cells_for(t, district, group) {
            self.cells[i].lost[cause as usize] += 1;
        }
    }

    /// The per-technology totals, in technology order.
    pub fn technologies(&self) -> &[TechTotals] {
        &self.techs
    }

    /// Counted engine events (for progress).
    pub fn add_events(&mut self, n: u64) {
        self.events += n;
    }

    /// The uplink block.
    pub fn uplinks(&self) -> Uplinks {
        Uplinks {
            generated: self.generated,
            sent: self.sent,
            transmissions: self.transmissions,
            delivered: self.delivered,
            delivery_ratio: ratio(self.delivered, self.generated),
            lost: LossCause::ALL.iter().map(|c| (c.name(), self.lost[*c as usize])).collect::<BTreeMap<_, _>>(),
        }
    }

    /// Latency percentiles in milliseconds.
    pub fn latency(&self) -> Latency {
        latency_ms(&self.latency_us)
    }

    /// Totals per district, group or technology, with sensor counts.
    pub fn scope_reports(&self, kind: ScopeKind, sensors: &[u64]) -> Vec<ScopeReport> {
        let n = self.scopes.len();
        let (base, len) = match kind {
            ScopeKind::District => (self.district_base, self.group_base - self.district_base),
            ScopeKind::Group => (self.group_base, self.tech_base - self.group_base),
            ScopeKind::Technology => (self.tech_base, n - self.tech_base),
        };
        (0..len)
            .map(|k| {
                let (mut g, mut d) = (0, 0);
                let mut lost = [0u64; LossCause::ALL.len()];
                for cell in self.cells.chunks(n) {
                    g += cell[base + k].generated;
                    d += cell[base + k].delivered;
                    for (l, c) in lost.iter_mut().zip(cell[base + k].lost) {
                        *l += c;
                    }
                }
                let name = self.scopes[base + k].split_once(':').map_or("", |(_, v)| v).to_string();
                ScopeReport {
                    name,
                    sensors: sensors.get(k).copied().unwrap_or(0),
                    generated: g,
                    delivered: d,
                    delivery_ratio: ratio(d, g),
                    lost: LossCause::ALL
                        .iter()
                        .filter(|c| lost[**c as usize] > 0)
                        .map(|c| (c.name(), lost[*c as usize]))
                        .collect(),
                }
            })
            .collect()
    }

    /// The tidy time series: generated, delivered, delivery_ratio and lost_<cause> per bucket
    /// for every scope (lost counts for the city only).
    pub fn timeseries(&self) -> TimeSeries {
        let n = self.scopes.len();
        let bucket_s = self.bucket_us as f64 / 1e6;
        let mut rows = Vec::new();
        for (b, cells) in self.cells.chunks(n).enumerate() {
            let time_s = b as f64 * bucket_s;
            for (s, cell) in cells.iter().enumerate() {
                let scope = &self.scopes[s];
                let mut push = |metric, value| rows.push(Sample { time_s, metric, scope: scope.clone(), value });
                push("generated", cell.generated as f64);
                push("delivered", cell.delivered as f64);
                if cell.generated > 0 {
                    push("delivery_ratio", ratio(cell.delivered, cell.generated));
                }
                if s == 0 {
                    for c in LossCause::ALL {
                        rows.push(Sample {
                            time_s,
                            metric: c.metric(),
                            scope: scope.clone(),
                            value: cell.lost[c as usize] as f64,
                        });
                    }
                }
            }
        }
        TimeSeries { bucket_s, rows }
    }
}

/// Latency percentiles in milliseconds of a histogram in µs.
pub fn latency_ms(h: &Histogram<u64>) -> Latency {
    if h.is_empty() {
        return Latency::default();
    }
    let ms = |us: u64| us as f64 / 1000.0;
    Latency {
        p50: ms(h.value_at_quantile(0.50)),
        p95: ms(h.value_at_quantile(0.95)),
        p99: ms(h.value_at_quantile(0.99)),
        max: ms(h.max()),
        mean: (h.mean() / 1000.0 * 1000.0).round() / 1000.0,
    }
}

fn band_of(bands: &mut [(u64, u64)], band: u8) -> &mut (u64, u64) {
    let last = bands.len() - 1;
    &mut bands[usize::from(band).min(last)]
}

/// `a / b`, or 1 when nothing was expected.
pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}
