//! The data-pipeline part of a scenario file: `[pipeline]` (one design) or `[[pipelines]]`
//! (several named designs, run on identical traffic and compared), each a gateway-side
//! forwarder, an MQTT broker and a chain of processing stages; and their resolution into the
//! engine's [`PipelineConfig`], with every problem reported against its key.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::{KeyPath, Report};
use super::units::{Bitrate, Duration};
use crate::pipeline::{
    Aggregation, Batch, BrokerConfig, DEFAULT_MAX_QUEUED_MESSAGES, GatewayConfig, HopConfig, Overflow, PipelineConfig,
    Qos, Service, StageConfig,
};

/// Bytes a LoRaWAN gateway sends per uplink on its backhaul besides the payload: the Semtech
/// UDP packet forwarder's `rxpk` JSON (metadata and the base64 PHY payload) is about 250 bytes.
pub const FORWARDER_ENVELOPE_BYTES: u32 = 250;
/// Default backhaul bandwidth of a gateway forwarder.
pub const DEFAULT_FORWARDER_BPS: f64 = 1e6;
/// Default forwarder queue: the packet forwarder's buffer of uplinks awaiting the backhaul.
pub const DEFAULT_FORWARDER_QUEUE: u32 = 1000;
/// Default time one broker subscriber spends per message.
pub const DEFAULT_CONSUMER_SERVICE_US: f64 = 100.0;
/// Default log-normal shape.
pub const DEFAULT_SIGMA: f64 = 0.5;

/// One pipeline design.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    /// Design name, shown in results (required in `[[pipelines]]`).
    #[serde(default)]
    pub name: Option<String>,
    /// The forwarder on each LoRaWAN gateway: queue, backhaul, batching, aggregation.
    #[serde(default)]
    pub gateway: Option<ForwarderSpec>,
    /// The MQTT broker between the network server and the applications (one subscriber per
    /// sensor group).
    #[serde(default)]
    pub broker: Option<BrokerSpec>,
    /// Processing stages after the broker, in order, e.g. verify, anonymise, store, publish.
    #[serde(default)]
    pub stages: Vec<StageSpec>,
}

/// What a full queue does.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum QueuePolicy {
    /// Drop the arriving message (`queue_full`).
    DropNewest,
    /// Drop the oldest waiting message (`dropped_oldest`).
    DropOldest,
    /// Hold the message upstream until there is room (backpressure; nothing is dropped).
    Block,
}

/// Service-time distribution.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Distribution {
    /// Memoryless (M/M/c).
    Exponential,
    /// Every message takes the same time (M/D/c).
    Constant,
    /// Log-normal around the given median (`sigma` sets the tail).
    Lognormal,
}

/// `batch = { size = 100, linger = "1s" }`: a worker takes up to `size` messages at once, as
/// soon as that many wait or the oldest has waited `linger`; one service time covers the batch.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BatchSpec {
    /// Messages per batch at most.
    pub size: u32,
    /// Longest the first message waits for the batch to fill.
    pub linger: Duration,
}

/// `gateway = { ... }`: the forwarder on each LoRaWAN gateway.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ForwarderSpec {
    /// Messages waiting for the backhaul at most (default 1000).
    #[serde(default)]
    pub queue: Option<u32>,
    /// What a full queue does (default drop-oldest).
    #[serde(default)]
    pub policy: Option<QueuePolicy>,
    /// Backhaul bandwidth, e.g. "1Mbit/s" (default).
    #[serde(default)]
    pub bandwidth: Option<Bitrate>,
    /// Extra one-way latency after transmission (the gateway group's backhaul latency is
    /// already in the radio model's arrival time), default 0.
    #[serde(default)]
    pub latency: Option<Duration>,
    /// Several messages per backhaul transmission.
    #[serde(default)]
    pub batch: Option<BatchSpec>,
    /// Bytes on the backhaul = bytes x this ratio (default 1: no compression).
    #[serde(default)]
    pub compression: Option<f64>,
    /// Edge aggregation: this many readings become one message (default 1: raw forwarding).
    #[serde(default)]
    pub aggregate: Option<u32>,
    /// Longest the first reading of an aggregate waits for it to fill (default "10s").
    #[serde(default)]
    pub aggregate_wait: Option<Duration>,
}

/// `broker = { ... }`: the MQTT broker and its subscribers.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BrokerSpec {
    /// Subscription QoS: 0 or 1 (default 1).
    #[serde(default)]
    pub qos: Option<u8>,
    /// Per-subscriber queue limit; beyond it messages are dropped silently (default 1000, as
    /// mosquitto's `max_queued_messages`).
    #[serde(default)]
    pub max_queued_messages: Option<u32>,
    /// Messages each subscriber consumes at once (default 1).
    #[serde(default)]
    pub consumers: Option<u32>,
    /// Mean time a subscriber spends per message (default "100us"), or give `rate_per_s`.
    #[serde(default)]
    pub service: Option<Duration>,
    /// Messages per second one consumer handles (the inverse of `service`).
    #[serde(default)]
    pub rate_per_s: Option<f64>,
    /// exponential (default), constant or lognormal.
    #[serde(default)]
    pub distribution: Option<Distribution>,
    /// Log-normal shape (default 0.5).
    #[serde(default)]
    pub sigma: Option<f64>,
}

/// One processing stage.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    /// Name, e.g. "verify", "anonymise", "store".
    pub name: String,
    /// Parallel workers (default 1).
    #[serde(default)]
    pub workers: Option<u32>,
    /// Mean service time per message (or per batch), e.g. "2ms"; or give `rate_per_s`.
    #[serde(default)]
    pub service: Option<Duration>,
    /// Messages (or batches) per second one worker handles.
    #[serde(default)]
    pub rate_per_s: Option<f64>,
    /// exponential (default), constant or lognormal.
    #[serde(default)]
    pub distribution: Option<Distribution>,
    /// Log-normal shape (default 0.5).
    #[serde(default)]
    pub sigma: Option<f64>,
    /// Messages waiting at most (default unbounded).
    #[serde(default)]
    pub queue: Option<u32>,
    /// What a full queue does (default drop-newest).
    #[serde(default)]
    pub policy: Option<QueuePolicy>,
    /// Several messages per service.
    #[serde(default)]
    pub batch: Option<BatchSpec>,
}

/// A resolved design.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    /// Name in results.
    pub name: String,
    /// The engine's configuration (outages are added when the World is built).
    pub config: PipelineConfig,
}

/// Resolves one design; `bucket_us` is the queue-depth bucket (the time-series bucket).
pub fn design(spec: &PipelineSpec, name: String, path: &KeyPath, bucket_us: u64, err: Report) -> Design {
    let mut hops = Vec::new();
    if let Some(g) = &spec.gateway {
        hops.push(HopConfig::Gateway(forwarder(g, &path.key("gateway"), err)));
    }
    let broker = spec.broker.clone().unwrap_or_default();
    hops.push(HopConfig::Broker(broker_config(&broker, &path.key("broker"), err)));
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, s) in spec.stages.iter().enumerate() {
        let p = path.key("stages").index(i);
        if ["gateway", "broker"].contains(&s.name.as_str()) || names.insert(&s.name, i).is_some() {
            err(
                &p.key("name"),
                format!("stage name \"{}\" is taken", s.name),
                Some("give each stage its own name".into()),
            );
        }
        hops.push(HopConfig::Stage(stage(s, &p, err)));
    }
    Design { name, config: PipelineConfig { hops, depth_bucket_us: bucket_us.max(1) } }
}

fn policy(p: Option<QueuePolicy>, default: Overflow) -> Overflow {
    match p {
        None => default,
        Some(QueuePolicy::DropNewest) => Overflow::DropNewest,
        Some(QueuePolicy::DropOldest) => Overflow::DropOldest,
        Some(QueuePolicy::Block) => Overflow::Block,
    }
}

fn batch(b: Option<BatchSpec>, path: &KeyPath, err: Report) -> Option<Batch> {
    let b = b?;
    if b.size == 0 || b.size > 100_000 {
        err(&path.key("batch").key("size"), format!("{}; expected 1..100000 messages", b.size), None);
    }
    Some(Batch { size: b.size.max(1), linger_us: b.linger.0.0 })
}

/// A service distribution from a mean `service` or a `rate_per_s`.
fn service(
    mean: Option<Duration>,
    rate: Option<f64>,
    dist: Option<Distribution>,
    sigma: Option<f64>,
    default_us: Option<f64>,
    path: &KeyPath,
    err: Report,
) -> Service {
    let mean_us = match (mean, rate) {
        (Some(d), None) => d.0.0 as f64,
        (None, Some(r)) if r > 0.0 && r.is_finite() => 1e6 / r,
        (None, Some(r)) => {
            err(&path.key("rate_per_s"), format!("{r} messages per second; expected more than 0"), None);
            1.0
        }
        (None, None) => default_us.unwrap_or_else(|| {
            err(path, "a stage needs a `service` time or a `rate_per_s`".into(), Some("e.g. service = \"2ms\"".into()));
            1.0
        }),
        (Some(_), Some(_)) => {
            err(path, "give `service` or `rate_per_s`, not both".into(), None);
            1.0
        }
    };
    let mean_us = mean_us.max(1.0);
    let sigma = sigma.unwrap_or(DEFAULT_SIGMA);
    if !(0.0..=3.0).contains(&sigma) {
        err(&path.key("sigma"), format!("{sigma}; expected 0..3"), None);
    }
    let shape = match dist.unwrap_or(Distribution::Exponential) {
        Distribution::Exponential => Service::Exponential { mean_us },
        Distribution::Constant => Service::Constant { us: 1 },
        Distribution::Lognormal => Service::LogNormal { median_us: mean_us, sigma },
    };
    // The mean as given, whatever the shape.
    shape.with_mean(mean_us)
}

fn forwarder(g: &ForwarderSpec, path: &KeyPath, err: Report) -> GatewayConfig {
    let compression = g.compression.unwrap_or(1.0);
    if !(compression > 0.0 && compression <= 1.0) {
        err(&path.key("compression"), format!("{compression}; expected a ratio in (0, 1]"), Some("e.g. 0.4".into()));
    }
    let bps = g.bandwidth.map_or(DEFAULT_FORWARDER_BPS, |b| b.0);
    if bps.is_nan() || bps < 1.0 {
        err(&path.key("bandwidth"), "the backhaul needs a positive bandwidth".into(), Some("e.g. \"1Mbit/s\"".into()));
    }
    let readings = g.aggregate.unwrap_or(1);
    if readings == 0 || readings > 10_000 {
        err(&path.key("aggregate"), format!("{readings}; expected 1..10000 readings per message"), None);
    }
    let aggregation = (readings > 1).then(|| Aggregation {
        readings,
        max_wait_us: g.aggregate_wait.map_or(10_000_000, |d| d.0.0),
        bytes: None,
    });
    GatewayConfig {
        name: "gateway".into(),
        capacity: Some(g.queue.unwrap_or(DEFAULT_FORWARDER_QUEUE)),
        overflow: policy(g.policy, Overflow::DropOldest),
        bandwidth_bps: bps.max(1.0) as u64,
        latency_us: g.latency.map_or(0, |d| d.0.0),
        batch: batch(g.batch, path, err),
        compression: compression.clamp(1e-6, 1.0),
        aggregation,
        outages: BTreeMap::new(),
    }
}

fn broker_config(b: &BrokerSpec, path: &KeyPath, err: Report) -> BrokerConfig {
    let qos = match b.qos.unwrap_or(1) {
        0 => Qos::AtMostOnce,
        1 => Qos::AtLeastOnce,
        q => {
            err(&path.key("qos"), format!("QoS {q} is not modelled"), Some("use qos = 0 or qos = 1".into()));
            Qos::AtLeastOnce
        }
    };
    let consumers = b.consumers.unwrap_or(1);
    if consumers == 0 {
        err(&path.key("consumers"), "a subscriber needs at least one consumer".into(), None);
    }
    BrokerConfig {
        name: "broker".into(),
        qos,
        max_queued_messages: b.max_queued_messages.unwrap_or(DEFAULT_MAX_QUEUED_MESSAGES),
        consumer_workers: consumers.max(1),
        consumer_service: service(
            b.service,
            b.rate_per_s,
            b.distribution,
            b.sigma,
            Some(DEFAULT_CONSUMER_SERVICE_US),
            path,
            err,
        ),
        offline: BTreeMap::new(),
    }
}

fn stage(s: &StageSpec, path: &KeyPath, err: Report) -> StageConfig {
    let workers = s.workers.unwrap_or(1);
    if workers == 0 || workers > 100_000 {
        err(&path.key("workers"), format!("{workers}; expected 1..100000"), None);
    }
    if s.queue == Some(0) && s.policy != Some(QueuePolicy::Block) {
        err(
            &path.key("queue"),
            "a queue of 0 drops everything that finds the workers busy".into(),
            Some("leave `queue` out for an unbounded queue".into()),
        );
    }
    StageConfig {
        name: s.name.clone(),
        workers: workers.max(1),
        service: service(s.service, s.rate_per_s, s.distribution, s.sigma, None, path, err),
        capacity: s.queue,
        overflow: policy(s.policy, Overflow::DropNewest),
        batch: batch(s.batch, path, err),
        outages: Vec::new(),
    }
}
