//! The gateway-side hop, one station per gateway id: edge aggregation, a forwarder queue
//! (capacity and overflow policy), batching, compression and the backhaul link.
//!
//! Modelling rules:
//! - **Aggregation** (optional): the gateway collects `readings` readings and emits them as one
//!   message that carries all of them (or fewer, once the first has waited `max_wait_us`). The
//!   aggregate keeps the first reading's id and hop arrival time and every reading's intended
//!   time, so end-to-end latency is still recorded per reading. The collector is not bounded;
//!   the forwarder queue behind it is. Counts are kept in messages and in readings; absorbed
//!   messages count as `merged` at this hop.
//! - **Backhaul**: one link (one worker) sends a batch in `ceil(bytes * 8 / bandwidth)` seconds
//!   (rounded up to whole µs, at least 1 µs), where bytes is the sum over the batch of each
//!   message's bytes times the compression ratio, rounded up. The one-way `latency_us` is a pure
//!   delay added after transmission, not a server: messages stay counted in this hop while they
//!   travel, and their sojourn includes it.
//! - **Outages** (a gateway or its backhaul down) are per gateway id, with the stage rules.
//! - Messages without a gateway (cellular, wired sensors) skip gateway hops (`bypassed`).

use std::collections::BTreeMap;

use super::stage::{Batch, Overflow, validate_batch, validate_outages};

/// Edge aggregation: N readings become one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aggregation {
    /// Readings per aggregate, N (at least 1).
    pub readings: u32,
    /// Longest the first reading waits for the aggregate to fill, µs.
    pub max_wait_us: u64,
    /// Payload of an aggregate; `None` is the sum of its readings' payloads.
    pub bytes: Option<u32>,
}

/// A gateway hop (instantiated once per gateway id).
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayConfig {
    /// Hop name, used in reports.
    pub name: String,
    /// Forwarder queue size, messages not in transmission; `None` is unbounded.
    pub capacity: Option<u32>,
    /// What a full forwarder queue does.
    pub overflow: Overflow,
    /// Backhaul bandwidth, bits per second (positive).
    pub bandwidth_bps: u64,
    /// One-way backhaul latency, µs.
    pub latency_us: u64,
    /// Optional batching of messages per transmission.
    pub batch: Option<Batch>,
    /// Bytes on the backhaul = payload bytes x this ratio (1 = no compression).
    pub compression: f64,
    /// Optional edge aggregation.
    pub aggregation: Option<Aggregation>,
    /// Outage windows per gateway id (sorted, disjoint, µs).
    pub outages: BTreeMap<u32, Vec<(u64, u64)>>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            name: "gateway".into(),
            capacity: None,
            overflow: Overflow::DropNewest,
            bandwidth_bps: 1_000_000,
            latency_us: 0,
            batch: None,
            compression: 1.0,
            aggregation: None,
            outages: BTreeMap::new(),
        }
    }
}

impl GatewayConfig {
    pub(super) fn validate(&self) -> Result<(), String> {
        let n = &self.name;
        if self.bandwidth_bps == 0 {
            return Err(format!("{n}: bandwidth_bps must be positive"));
        }
        if !(self.compression.is_finite() && self.compression > 0.0) {
            return Err(format!("{n}: compression ratio must be finite and positive, got {}", self.compression));
        }
        if self.aggregation.is_some_and(|a| a.readings == 0) {
            return Err(format!("{n}: aggregation needs at least 1 reading per message"));
        }
        if self.aggregation.is_some() && self.overflow == Overflow::Block && self.capacity == Some(0) {
            return Err(format!("{n}: a blocking queue with aggregation needs capacity of at least 1"));
        }
        validate_batch(n, self.batch, self.capacity, self.overflow)?;
        self.outages.iter().try_for_each(|(g, w)| validate_outages(&format!("{n} (gateway {g})"), w))
    }
}

/// Transmission time of `bytes` at `bandwidth_bps`: `ceil(bytes * 8 / bandwidth)` in µs, at least 1.
pub fn transmission_us(bytes: u64, bandwidth_bps: u64) -> u64 {
    let us = (u128::from(bytes) * 8 * 1_000_000).div_ceil(u128::from(bandwidth_bps.max(1)));
    u64::try_from(us).unwrap_or(u64::MAX).max(1)
}

/// Payload after compression, rounded up to whole bytes.
pub fn compressed_bytes(bytes: u32, ratio: f64) -> u32 {
    (f64::from(bytes) * ratio).ceil() as u32
}

#[cfg(test)]
mod tests {
    use super::super::stage::tests::poisson;
    use super::super::{HopConfig, Message, Pipeline, PipelineConfig, StageConfig};
    use super::*;

    fn reading(id: u64, t: u64, gateway: u32, bytes: u32) -> Message {
        Message { id, intended_us: t, arrival_us: t, gateway: Some(gateway), client: 0, bytes }
    }

    fn pipeline(g: GatewayConfig) -> Pipeline {
        Pipeline::new(&PipelineConfig { hops: vec![HopConfig::Gateway(g)], ..Default::default() }, 1).expect("valid")
    }

    #[test]
    fn transmission_time_is_bits_over_bandwidth() {
        // Oracle: 1000 B * 8 / 8000 bit/s = 1 s; plus 5 ms one-way latency.
        let mut p = pipeline(GatewayConfig { bandwidth_bps: 8000, latency_us: 5000, ..Default::default() });
        p.offer(reading(0, 0, 7, 1000));
        let r = p.finish(10_000_000);
        assert_eq!(r.hops[0].sojourn.max_us, 1_005_000);
        assert_eq!(r.end_to_end.latency.max_us, 1_005_000);
        // Oracle: compression 0.5 halves the bytes, so 0.5 s + 5 ms.
        let mut p =
            pipeline(GatewayConfig { bandwidth_bps: 8000, latency_us: 5000, compression: 0.5, ..Default::default() });
        p.offer(reading(0, 0, 7, 1000));
        assert_eq!(p.finish(10_000_000).end_to_end.latency.max_us, 505_000);
        assert_eq!(transmission_us(3, 1_000_000_000), 1);
    }

    #[test]
    fn one_forwarder_per_gateway() {
        // Two gateways, one 1000 B message each at t = 0 over 8 kbit/s: they do not queue behind
        // each other, so both take 1 s.
        let mut p = pipeline(GatewayConfig { bandwidth_bps: 8000, ..Default::default() });
        p.offer(reading(0, 0, 1, 1000));
        p.offer(reading(1, 0, 2, 1000));
        let r = p.finish(10_000_000);
        assert_eq!(r.hops[0].stations, 2);
        assert_eq!(r.end_to_end.latency.max_us, 1_000_000);
    }

    #[test]
    fn aggregation_turns_ten_readings_into_one_message() {
        let agg = Aggregation { readings: 10, max_wait_us: 60_000_000, bytes: Some(40) };
        let mut p = pipeline(GatewayConfig { aggregation: Some(agg), ..Default::default() });
        for i in 0..100 {
            p.offer(reading(i, i * 1000, 3, 24));
        }
        let r = p.finish(10_000_000);
        let h = &r.hops[0];
        // Oracle: 100 readings / 10 per aggregate = 10 messages out, 90 merged, all 100 readings.
        assert_eq!((h.arrived, h.passed, h.merged, h.in_flight), (100, 10, 90, 0));
        assert_eq!((h.readings.arrived, h.readings.passed), (100, 100));
        assert_eq!((r.end_to_end.delivered, r.end_to_end.delivered_readings), (10, 100));
        // Latency is per reading: the first of each ten waits 9 ms for the aggregate, then
        // 40 B at 1 Mbit/s = 320 µs.
        assert_eq!(r.end_to_end.latency.count, 100);
        assert_eq!(r.end_to_end.latency.max_us, 9320);
        assert_eq!(r.end_to_end.latency.min_us, 320);
    }

    #[test]
    fn partial_aggregate_leaves_after_max_wait() {
        let agg = Aggregation { readings: 10, max_wait_us: 50_000, bytes: None };
        let mut p = pipeline(GatewayConfig { aggregation: Some(agg), ..Default::default() });
        for i in 0..3 {
            p.offer(reading(i, 0, 3, 100));
        }
        let r = p.finish(1_000_000);
        // Oracle: flushed at 50 ms with 300 B = 2400 µs on the link.
        assert_eq!((r.end_to_end.delivered, r.end_to_end.delivered_readings), (1, 3));
        assert_eq!(r.end_to_end.latency.max_us, 52_400);
    }

    #[test]
    fn messages_without_gateway_bypass_it() {
        let config = PipelineConfig {
            hops: vec![HopConfig::Gateway(GatewayConfig::default()), HopConfig::Stage(StageConfig::default())],
            ..Default::default()
        };
        let mut p = Pipeline::new(&config, 1).expect("valid");
        p.offer(Message { id: 0, intended_us: 0, arrival_us: 0, gateway: None, client: 0, bytes: 10 });
        p.offer(reading(1, 0, 4, 10));
        let r = p.finish(1_000_000);
        assert_eq!((r.hops[0].arrived, r.hops[0].bypassed, r.hops[1].arrived), (1, 1, 2));
        assert_eq!(r.end_to_end.delivered, 2);
    }

    #[test]
    fn backhaul_is_an_md1_server() {
        // 125 B at 1 Mbit/s = 1000 µs per message; Poisson 700/s: M/D/1 with rho = 0.7, so
        // Wq = rho / (2 mu (1 - rho)) = 1.1667 ms (same oracle as the stage test).
        let mut p = pipeline(GatewayConfig::default());
        for (i, t) in poisson(5, 100_000, 1e6 / 700.0).into_iter().enumerate() {
            p.offer(reading(i as u64, t, 1, 125));
        }
        let r = p.finish(200_000_000);
        let oracle = 0.7 / (2.0 * 1000.0 * 0.3) * 1e3;
        assert!((r.hops[0].wait_ms.mean - oracle).abs() / oracle < 0.05, "{}", r.hops[0].wait_ms.mean);
    }
}
