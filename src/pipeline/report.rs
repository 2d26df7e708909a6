//! Accounting of the pipeline: why messages are dropped ([`DropCause`]), the counters each hop
//! keeps while the engine runs, and the serialisable [`PipelineReport`] built from them.
//!
//! Conservation holds at every hop, in messages and in readings:
//! `arrived = passed + dropped + in_flight` (messages absorbed into an edge aggregate are
//! counted as `merged` instead of passed), and end to end every offered message is delivered,
//! dropped at exactly one hop with one cause, merged, or still in flight.

use std::collections::BTreeMap;

use serde::Serialize;

use super::depth::{DepthSeries, DepthTrack};
use super::latency::{LatencyMs, LatencyRecorder};

/// Why a hop dropped a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DropCause {
    /// Arrived at a full queue under drop-newest.
    QueueFull,
    /// Pushed out of the head of a full queue under drop-oldest.
    DroppedOldest,
    /// Beyond the MQTT broker's per-client `max_queued_messages`; silent to the publisher.
    BrokerQueueLimit,
    /// A QoS 0 message for a subscriber that was offline.
    ClientOffline,
}

impl DropCause {
    /// Every cause, in report order.
    pub const ALL: [DropCause; 4] =
        [DropCause::QueueFull, DropCause::DroppedOldest, DropCause::BrokerQueueLimit, DropCause::ClientOffline];

    /// snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DropCause::QueueFull => "queue_full",
            DropCause::DroppedOldest => "dropped_oldest",
            DropCause::BrokerQueueLimit => "broker_queue_limit",
            DropCause::ClientOffline => "client_offline",
        }
    }
}

/// Message and reading counters of one direction of flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Tally {
    pub arrived: u64,
    pub passed: u64,
    pub dropped: [u64; DropCause::ALL.len()],
    pub in_system: u64,
}

/// Counters a hop keeps while the engine runs (summed over its stations).
#[derive(Clone, Debug)]
pub(super) struct HopStats {
    pub messages: Tally,
    pub readings: Tally,
    /// Messages absorbed into an aggregate (all but the carrier).
    pub merged: u64,
    /// Messages that skip this hop (no gateway).
    pub bypassed: u64,
    /// Integral of messages in the hop over time, message-µs.
    pub area: u128,
    pub last_t: u64,
    /// Worker-µs spent serving.
    pub busy_us: u128,
    pub sojourn: LatencyRecorder,
    pub wait: LatencyRecorder,
    pub depth: DepthTrack,
}

impl HopStats {
    pub fn new(bucket_us: u64) -> Self {
        HopStats {
            messages: Tally::default(),
            readings: Tally::default(),
            merged: 0,
            bypassed: 0,
            area: 0,
            last_t: 0,
            busy_us: 0,
            sojourn: LatencyRecorder::default(),
            wait: LatencyRecorder::default(),
            depth: DepthTrack::new(bucket_us),
        }
    }

    /// Accumulates the in-system integral up to `now`.
    pub fn touch(&mut self, now: u64) {
        self.area += u128::from(self.messages.in_system) * u128::from(now.saturating_sub(self.last_t));
        self.last_t = self.last_t.max(now);
    }

    pub fn enter(&mut self, now: u64, readings: u32) {
        self.touch(now);
        self.messages.arrived += 1;
        self.messages.in_system += 1;
        self.readings.arrived += u64::from(readings);
        self.readings.in_system += u64::from(readings);
    }

    pub fn pass(&mut self, now: u64, readings: u32, sojourn_us: u64) {
        self.touch(now);
        self.messages.passed += 1;
        self.messages.in_system -= 1;
        self.readings.passed += u64::from(readings);
        self.readings.in_system -= u64::from(readings);
        self.sojourn.record(sojourn_us);
    }

    pub fn drop(&mut self, now: u64, readings: u32, cause: DropCause) {
        self.touch(now);
        self.messages.dropped[cause as usize] += 1;
        self.messages.in_system -= 1;
        self.readings.dropped[cause as usize] += u64::from(readings);
        self.readings.in_system -= u64::from(readings);
    }

    /// `n` messages become one aggregate.
    pub fn merge(&mut self, now: u64, n: u64) {
        self.touch(now);
        self.merged += n;
        self.messages.in_system -= n;
    }

    /// The report block at `end`, for `stations` instances of `workers` each.
    pub fn report(mut self, name: String, kind: &'static str, end: u64, stations: usize, workers: u32) -> HopReport {
        self.touch(end);
        let secs = end as f64 / 1e6;
        let per_s = |x: f64| if end == 0 { 0.0 } else { x / secs };
        let capacity = end as f64 * stations as f64 * f64::from(workers);
        HopReport {
            name,
            kind,
            stations,
            arrived: self.messages.arrived,
            passed: self.messages.passed,
            dropped: causes(&self.messages.dropped),
            in_flight: self.messages.in_system,
            merged: self.merged,
            bypassed: self.bypassed,
            readings: ReadingCounts::of(&self.readings),
            acknowledged_to_publisher: None,
            latency_ms: self.sojourn.ms(),
            wait_ms: self.wait.ms(),
            mean_sojourn_ms: self.sojourn.mean_us() / 1000.0,
            mean_in_system: if end == 0 { 0.0 } else { self.area as f64 / end as f64 },
            utilisation: if capacity > 0.0 { self.busy_us as f64 / capacity } else { 0.0 },
            throughput_per_s: per_s(self.messages.passed as f64),
            sojourn: self.sojourn,
            wait: self.wait,
            depth: self.depth.finish(end),
        }
    }
}

fn causes(counts: &[u64; DropCause::ALL.len()]) -> BTreeMap<String, u64> {
    DropCause::ALL
        .iter()
        .filter(|c| counts[**c as usize] > 0)
        .map(|c| (c.as_str().to_string(), counts[*c as usize]))
        .collect()
}

/// Counts in readings (an aggregate message carries several).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReadingCounts {
    /// Readings that arrived.
    pub arrived: u64,
    /// Readings handed on (or delivered).
    pub passed: u64,
    /// Readings dropped, by cause.
    pub dropped: BTreeMap<String, u64>,
    /// Readings still inside at the end.
    pub in_flight: u64,
}

impl ReadingCounts {
    fn of(t: &Tally) -> Self {
        ReadingCounts { arrived: t.arrived, passed: t.passed, dropped: causes(&t.dropped), in_flight: t.in_system }
    }
}

/// One hop's results. Counts are messages unless under `readings`.
#[derive(Clone, Debug, Serialize)]
pub struct HopReport {
    /// Hop name.
    pub name: String,
    /// `stage`, `gateway` or `broker`.
    pub kind: &'static str,
    /// Running instances (one per gateway id, per broker client, or 1 for a stage).
    pub stations: usize,
    /// Messages that reached the hop.
    pub arrived: u64,
    /// Messages handed to the next hop (or delivered, at the last hop).
    pub passed: u64,
    /// Messages dropped, by cause (`queue_full`, `dropped_oldest`, ...); only causes that occurred.
    pub dropped: BTreeMap<String, u64>,
    /// Messages inside the hop at the end (queued, in service, blocked, inbox, travelling on).
    pub in_flight: u64,
    /// Messages absorbed into an edge aggregate carried by another message.
    pub merged: u64,
    /// Messages that skip this hop (gateway hops, for messages without a gateway).
    pub bypassed: u64,
    /// The same accounting in readings.
    pub readings: ReadingCounts,
    /// Broker only: publishes the broker acknowledged, including those it later dropped silently.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged_to_publisher: Option<u64>,
    /// Sojourn (leave hop - arrive hop) percentiles of passed messages, ms.
    pub latency_ms: LatencyMs,
    /// Wait before service starts, ms.
    pub wait_ms: LatencyMs,
    /// Exact mean sojourn of passed messages, ms.
    pub mean_sojourn_ms: f64,
    /// Time-average number of messages in the hop (L in Little's law).
    pub mean_in_system: f64,
    /// Busy worker-time / (workers x stations x elapsed). A worker is busy from the start to the
    /// end of a service, including time frozen by an outage, but not while blocked (Block).
    pub utilisation: f64,
    /// Messages passed per second of elapsed time.
    pub throughput_per_s: f64,
    /// Raw sojourn samples, µs, for CDF charts.
    #[serde(skip)]
    pub sojourn: LatencyRecorder,
    /// Raw waiting-time samples, µs.
    #[serde(skip)]
    pub wait: LatencyRecorder,
    /// Queue depth over time.
    #[serde(skip)]
    pub depth: DepthSeries,
}

impl HopReport {
    /// All messages dropped here, whatever the cause.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.values().sum()
    }
}

/// Whole-pipeline results.
#[derive(Clone, Debug, Serialize)]
pub struct EndToEnd {
    /// Messages offered (the publishers' count).
    pub published: u64,
    /// Messages that left the last hop.
    pub delivered: u64,
    /// Messages dropped at any hop.
    pub dropped: u64,
    /// Messages absorbed into edge aggregates.
    pub merged: u64,
    /// Messages inside the pipeline or not yet arrived at the end.
    pub in_flight: u64,
    /// Readings offered (one per message).
    pub published_readings: u64,
    /// Readings delivered (an aggregate delivers all it carries).
    pub delivered_readings: u64,
    /// Readings dropped at any hop.
    pub dropped_readings: u64,
    /// Readings still in flight.
    pub in_flight_readings: u64,
    /// `delivered_readings / published_readings` (1 when nothing was published).
    pub delivery_ratio: f64,
    /// Latency from each delivered reading's intended time to leaving the last hop, ms.
    pub latency_ms: LatencyMs,
    /// Raw end-to-end samples, µs, one per delivered reading.
    #[serde(skip)]
    pub latency: LatencyRecorder,
}

/// The pipeline's results at the end of a run.
#[derive(Clone, Debug, Serialize)]
pub struct PipelineReport {
    /// Elapsed virtual time, s.
    pub elapsed_s: f64,
    /// Events processed.
    pub events: u64,
    /// Per-hop blocks, in chain order.
    pub hops: Vec<HopReport>,
    /// Whole-pipeline block.
    pub end_to_end: EndToEnd,
}
