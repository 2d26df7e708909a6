//! The MQTT broker hop (REFERENCE.md §3): one station per subscribing client, holding that
//! client's queue, drained by the client (the consumer) at its own service rate.
//!
//! Modelling rules, after mosquitto's defaults kept simple:
//! - Each client has `consumer_workers` messages in flight (being consumed) plus a queue of up
//!   to `max_queued_messages` (default 1000). A message arriving at a full queue is dropped
//!   **silently**: the publisher already got its acknowledgement, so publisher-side counts
//!   (`acknowledged_to_publisher`, end-to-end `published`) include it, and the hop counts it
//!   under `broker_queue_limit`. This applies to QoS 0 and QoS 1 alike.
//! - `offline` windows are when a client is disconnected (it consumes nothing). A QoS 1
//!   subscription (persistent session) keeps queueing for it, up to the limit; a QoS 0 message
//!   for an offline client is dropped on arrival (`client_offline`), as mosquitto does unless
//!   `queue_qos0_messages` is set; QoS 0 messages queued before the client dropped stay queued.
//!   A message being consumed when the client drops is finished
//!   after it reconnects (the stage outage rule).
//! - Nothing blocks: the broker never pushes back on publishers.

use std::collections::BTreeMap;

use super::stage::{Service, validate_outages};

/// mosquitto's default `max_queued_messages`.
pub const DEFAULT_MAX_QUEUED_MESSAGES: u32 = 1000;

/// Quality of service of the subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qos {
    /// QoS 0, at most once: nothing is kept for an offline client.
    AtMostOnce,
    /// QoS 1, at least once: queued for an offline client up to the limit.
    AtLeastOnce,
}

/// A broker hop (instantiated once per client id).
#[derive(Clone, Debug, PartialEq)]
pub struct BrokerConfig {
    /// Hop name, used in reports.
    pub name: String,
    /// Subscription QoS.
    pub qos: Qos,
    /// Per-client queue limit beyond the messages in flight to the client.
    pub max_queued_messages: u32,
    /// Messages a client consumes at once (at least 1).
    pub consumer_workers: u32,
    /// Time a client takes to consume one message.
    pub consumer_service: Service,
    /// Windows (sorted, disjoint, µs) when a client is offline, per client id.
    pub offline: BTreeMap<u32, Vec<(u64, u64)>>,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            name: "broker".into(),
            qos: Qos::AtLeastOnce,
            max_queued_messages: DEFAULT_MAX_QUEUED_MESSAGES,
            consumer_workers: 1,
            consumer_service: Service::Constant { us: 100 },
            offline: BTreeMap::new(),
        }
    }
}

impl BrokerConfig {
    pub(super) fn validate(&self) -> Result<(), String> {
        let n = &self.name;
        if self.consumer_workers == 0 {
            return Err(format!("{n}: consumer_workers must be at least 1"));
        }
        super::stage::StageConfig { name: n.clone(), service: self.consumer_service.clone(), ..Default::default() }
            .validate()?;
        self.offline.iter().try_for_each(|(c, w)| validate_outages(&format!("{n} (client {c})"), w))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{HopConfig, Message, Pipeline, PipelineConfig, StageConfig};
    use super::*;

    fn publish(id: u64, t: u64, client: u32) -> Message {
        Message { id, intended_us: t, arrival_us: t, gateway: None, client, bytes: 50 }
    }

    #[test]
    fn slow_consumer_loses_exactly_the_overflow_silently() {
        // Publishers send every 400 µs (2500/s); the client consumes 1 per ms (1000/s) and is
        // offline until 100 µs, so completions (100 + 1000 j) never tie with arrivals (400 k + 7).
        let broker = BrokerConfig {
            consumer_service: Service::Constant { us: 1000 },
            offline: BTreeMap::from([(9, vec![(0, 100)])]),
            ..Default::default()
        };
        let mut p = Pipeline::new(&PipelineConfig { hops: vec![HopConfig::Broker(broker)], ..Default::default() }, 1)
            .expect("valid");
        let n = 5000;
        for k in 0..n {
            p.offer(publish(k, 400 * k + 7, 9));
        }
        let last = 400 * (n - 1) + 7;
        let r = p.finish(last + 1);
        let h = &r.hops[0];
        // Oracle: by the last publish (1 999 607 µs) the client finished 1999 messages (at
        // 100 + 1000 j), holds 1 and its queue is full at 1000: 3000 accepted, 2000 dropped.
        assert_eq!(h.dropped.get("broker_queue_limit"), Some(&2000));
        assert_eq!(h.dropped_total(), 2000);
        assert_eq!((h.passed, h.in_flight), (1999, 1001));
        // Silent: the publishers saw every publish acknowledged.
        assert_eq!(h.acknowledged_to_publisher, Some(n));
        assert_eq!(r.end_to_end.published, n);
        // The queue depth chart saw the limit.
        assert_eq!(h.depth.max.iter().max(), Some(&1000));
    }

    #[test]
    fn burst_beyond_the_limit() {
        // 5000 publishes at once: 1 consumed, 1000 queued, 3999 dropped; all delivered that fit.
        let mut p = Pipeline::new(
            &PipelineConfig { hops: vec![HopConfig::Broker(BrokerConfig::default())], ..Default::default() },
            1,
        )
        .expect("valid");
        for k in 0..5000 {
            p.offer(publish(k, 0, 1));
        }
        let r = p.finish(10_000_000);
        assert_eq!(r.hops[0].dropped.get("broker_queue_limit"), Some(&3999));
        assert_eq!(r.end_to_end.delivered, 1001);
    }

    #[test]
    fn qos0_is_lost_while_offline_and_qos1_is_kept() {
        let offline = BTreeMap::from([(1, vec![(1_000_000, 2_000_000)])]);
        let run = |qos| {
            let broker = BrokerConfig { qos, offline: offline.clone(), ..Default::default() };
            let config = PipelineConfig {
                hops: vec![
                    HopConfig::Stage(StageConfig { service: Service::Constant { us: 10 }, ..Default::default() }),
                    HopConfig::Broker(broker),
                ],
                ..Default::default()
            };
            let mut p = Pipeline::new(&config, 1).expect("valid");
            // One publish every 10 ms for 3 s, to clients 1 (offline for 1 s) and 2.
            for k in 0..600 {
                p.offer(publish(k, (k / 2) * 10_000, 1 + (k % 2) as u32));
            }
            p.finish(10_000_000)
        };
        let r0 = run(Qos::AtMostOnce);
        // Oracle: client 1 is offline for 100 of its 300 publishes.
        assert_eq!(r0.hops[1].dropped.get("client_offline"), Some(&100));
        assert_eq!(r0.end_to_end.delivered, 500);
        let r1 = run(Qos::AtLeastOnce);
        assert_eq!(r1.hops[1].dropped_total(), 0);
        assert_eq!(r1.end_to_end.delivered, 600);
        assert_eq!(r1.hops[1].stations, 2);
    }
}
