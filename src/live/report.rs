//! The `live` block of summary.json: every planned message accounted for exactly once, as
//! received, unsent (late, queue full, disconnected) or lost (in an outage, dropped by the
//! broker, or missing when the test ended), in total and per topic; end-to-end latency
//! percentiles from HDR histograms; the disconnections; and the live rows of timeseries.csv.
//!
//! How a sent message that never arrived is classed: one connection delivers in publish order,
//! so a message published before a later one that arrived over the same publishing connection
//! in the same epoch (no disconnection in between) was dropped by the broker (mosquitto drops QoS 1 silently past a client's
//! `max_queued_messages`); one published after the last arrival of an epoch that ended in a
//! disconnection was in flight when the connection dropped (lost in the outage); one after the
//! last arrival of the final epoch is missing at the end (the drain ran out).

use serde::Serialize;

use super::engine::{ACKED, DISCONNECTED, LATE, Outcome, QUEUE_FULL, RECEIVED, SENT, WIRE};
use super::plan::Plan;
use crate::metrics::report::Sample;
use crate::pipeline::{LatencyMs, LatencyRecorder};

/// Messages never sent, by cause.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Unsent {
    /// More than the lateness budget behind schedule when the publisher reached them.
    pub late: u64,
    /// The client's outgoing queue was full.
    pub queue_full: u64,
    /// A client was disconnected (broker down or reconnecting).
    pub disconnected: u64,
    /// All of the above.
    pub total: u64,
}

/// Messages sent but never received, by cause.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Lost {
    /// In flight when a connection dropped.
    pub in_outage: u64,
    /// Dropped by the broker (a later message over the same connections arrived).
    pub dropped_by_broker: u64,
    /// Not arrived when the test ended (after the drain).
    pub missing_at_end: u64,
    /// All of the above.
    pub total: u64,
}

/// Counts for one topic group (one district and sensor kind).
#[derive(Clone, Debug, Serialize)]
pub struct TopicCounts {
    /// Topic filter, e.g. `city/midtown/parking/+`.
    pub topic: String,
    /// Sensor kind.
    pub kind: &'static str,
    /// Messages planned.
    pub planned: u64,
    /// Handed to the client (published).
    pub published: u64,
    /// Acknowledged by the broker (QoS 1 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<u64>,
    /// Received by the subscriber.
    pub received: u64,
    /// Never sent.
    pub unsent: u64,
    /// Sent, never received.
    pub lost: u64,
    /// Of those, dropped by the broker.
    pub dropped_by_broker: u64,
    /// 99th-percentile end-to-end latency, ms.
    pub p99_ms: f64,
}

/// One disconnection.
#[derive(Clone, Debug, Serialize)]
pub struct OutageReport {
    /// "publisher" (or "publisher-N") or "subscriber".
    pub client: String,
    /// Seconds after publishing started.
    pub start_s: f64,
    /// When it was back, or None if it never was.
    pub end_s: Option<f64>,
    /// The error that ended the connection.
    pub error: String,
}

/// The live load test's results.
#[derive(Clone, Debug, Serialize)]
pub struct LiveReport {
    /// The broker, e.g. `mqtt://127.0.0.1:1883`.
    pub broker: String,
    /// Publish and subscribe QoS.
    pub qos: u8,
    /// Time compression: simulated seconds per second, or "max".
    pub speed: String,
    /// Lateness budget, ms.
    pub late_after_ms: f64,
    /// Wall-clock seconds from the first publish to the end of the drain.
    pub wall_seconds: f64,
    /// Messages planned: the uplinks the simulated network server received.
    pub planned: u64,
    /// Handed to the MQTT client.
    pub published: u64,
    /// Written to the broker's socket.
    pub written: u64,
    /// Acknowledged with PUBACK (QoS 1 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<u64>,
    /// Received by the subscriber (each once).
    pub received: u64,
    /// Extra copies received (QoS 1 redelivery).
    pub duplicates: u64,
    /// Never sent, by cause.
    pub unsent: Unsent,
    /// Sent, never received, by cause.
    pub lost: Lost,
    /// Whether planned = received + unsent + lost (always, unless a bug).
    pub accounted: bool,
    /// received / planned (1 when nothing was planned).
    pub delivery_ratio: f64,
    /// Published per second over the publishing window.
    pub published_per_s: f64,
    /// Received per second from the first publish to the last arrival.
    pub received_per_s: f64,
    /// End-to-end latency from each message's intended send time to its arrival, ms.
    pub latency_ms: LatencyMs,
    /// Disconnections, in order.
    pub outages: Vec<OutageReport>,
    /// Counts per topic group.
    pub topics: Vec<TopicCounts>,
}

/// The fate of each message: 0 received, 1..=3 unsent (late, queue full, disconnected), 4..=6
/// lost (outage, broker, missing at end).
fn fates(o: &Outcome) -> Vec<u8> {
    let epochs = o.epoch.iter().copied().max().unwrap_or(0) as usize + 1;
    let conns = o.connection.iter().copied().max().unwrap_or(0) as usize + 1;
    let conn = |seq: usize| o.connection.get(seq).copied().map_or(0, usize::from);
    let final_epoch = o.outages.len().min(u16::MAX as usize);
    // Per (epoch, publishing connection): the last message that arrived.
    let mut last_received = vec![None::<usize>; epochs * conns];
    for (seq, (&f, &e)) in o.flags.iter().zip(&o.epoch).enumerate() {
        if f & RECEIVED != 0 {
            let l = &mut last_received[usize::from(e) * conns + conn(seq)];
            *l = Some(l.map_or(seq, |x: usize| x.max(seq)));
        }
    }
    o.flags
        .iter()
        .zip(&o.epoch)
        .enumerate()
        .map(|(seq, (&f, &e))| {
            if f & RECEIVED != 0 {
                0
            } else if f & LATE != 0 {
                1
            } else if f & QUEUE_FULL != 0 {
                2
            } else if f & DISCONNECTED != 0 || f & SENT == 0 {
                3
            } else if last_received[usize::from(e) * conns + conn(seq)].is_some_and(|l| seq < l) {
                5
            } else if usize::from(e) < final_epoch {
                4
            } else {
                6
            }
        })
        .collect()
}

/// Builds the report; `broker`, `qos`, `speed` and `late_after_ms` describe the settings.
pub fn live_report(plan: &Plan, o: &Outcome, broker: String, qos: u8, speed: String, late_after_ms: f64) -> LiveReport {
    let fate = fates(o);
    let count = |k: u8| fate.iter().filter(|&&f| f == k).count() as u64;
    let flag = |m: u8| o.flags.iter().filter(|&&f| f & m != 0).count() as u64;
    let unsent = Unsent { late: count(1), queue_full: count(2), disconnected: count(3), total: 0 };
    let unsent = Unsent { total: unsent.late + unsent.queue_full + unsent.disconnected, ..unsent };
    let lost = Lost { in_outage: count(4), dropped_by_broker: count(5), missing_at_end: count(6), total: 0 };
    let lost = Lost { total: lost.in_outage + lost.dropped_by_broker + lost.missing_at_end, ..lost };
    let received = count(0);
    let planned = plan.len() as u64;
    let mut all = LatencyRecorder::default();
    let mut per_topic: Vec<(TopicCounts, LatencyRecorder)> = plan
        .topics
        .iter()
        .map(|t| {
            let counts = TopicCounts {
                topic: format!("{}/+", t.prefix),
                kind: t.kind,
                planned: 0,
                published: 0,
                acknowledged: (qos > 0).then_some(0),
                received: 0,
                unsent: 0,
                lost: 0,
                dropped_by_broker: 0,
                p99_ms: 0.0,
            };
            (counts, LatencyRecorder::default())
        })
        .collect();
    for seq in 0..plan.len() {
        let (t, rec) = &mut per_topic[plan.topic[seq] as usize];
        let f = o.flags[seq];
        t.planned += 1;
        t.published += u64::from(f & SENT != 0);
        if let Some(a) = t.acknowledged.as_mut() {
            *a += u64::from(f & ACKED != 0);
        }
        match fate[seq] {
            0 => {
                t.received += 1;
                let us = u64::from(o.latency_us[seq]);
                rec.record(us);
                all.record(us);
            }
            1..=3 => t.unsent += 1,
            k => {
                t.lost += 1;
                t.dropped_by_broker += u64::from(k == 5);
            }
        }
    }
    let topics = per_topic
        .into_iter()
        .map(|(mut t, rec)| {
            t.p99_ms = rec.ms().p99;
            t
        })
        .collect();
    let (w0, w1) = o.publish_window_us;
    let published = flag(SENT);
    let publish_s = w1.saturating_sub(w0) as f64 / 1e6;
    let receive_s = o.last_receive_us.saturating_sub(w0) as f64 / 1e6;
    LiveReport {
        broker,
        qos,
        speed,
        late_after_ms,
        wall_seconds: o.wall_s,
        planned,
        published,
        written: flag(WIRE),
        acknowledged: (qos > 0).then(|| flag(ACKED)),
        received,
        duplicates: o.duplicates,
        accounted: received + unsent.total + lost.total == planned,
        unsent,
        lost,
        delivery_ratio: if planned == 0 { 1.0 } else { received as f64 / planned as f64 },
        published_per_s: if publish_s > 0.0 { published as f64 / publish_s } else { 0.0 },
        received_per_s: if receive_s > 0.0 { received as f64 / receive_s } else { 0.0 },
        latency_ms: all.ms(),
        outages: o
            .outages
            .iter()
            .map(|x| OutageReport {
                client: x.client.clone(),
                start_s: x.start_us.saturating_sub(w0) as f64 / 1e6,
                end_s: x.end_us.map(|e| e.saturating_sub(w0) as f64 / 1e6),
                error: x.error.clone(),
            })
            .collect(),
        topics,
    }
}

/// Live rows for timeseries.csv, bucketed by each message's scheduled simulated time:
/// `live_planned`, `live_published`, `live_received`, `live_unsent`, `live_lost` (scope `city`)
/// and `live_p99_ms` (ms, buckets with arrivals only).
pub fn live_rows(plan: &Plan, o: &Outcome, bucket_s: f64) -> Vec<Sample> {
    let bucket_us = (bucket_s * 1e6).max(1.0) as u64;
    let fate = fates(o);
    let buckets = plan.at_us.last().map_or(0, |t| (t / bucket_us) as usize + 1);
    let mut counts = vec![[0u64; 5]; buckets];
    let mut lat: Vec<LatencyRecorder> = vec![LatencyRecorder::default(); buckets];
    for (seq, &f) in fate.iter().enumerate() {
        let b = (plan.at_us[seq] / bucket_us) as usize;
        let c = &mut counts[b];
        c[0] += 1;
        c[1] += u64::from(o.flags[seq] & SENT != 0);
        match f {
            0 => {
                c[2] += 1;
                lat[b].record(u64::from(o.latency_us[seq]));
            }
            1..=3 => c[3] += 1,
            _ => c[4] += 1,
        }
    }
    let names = ["live_planned", "live_published", "live_received", "live_unsent", "live_lost"];
    let mut rows = Vec::new();
    for (b, c) in counts.iter().enumerate() {
        let time_s = b as f64 * bucket_s;
        for (name, v) in names.iter().zip(c) {
            rows.push(Sample { time_s, metric: name, scope: "city".into(), value: *v as f64 });
        }
        if lat[b].count > 0 {
            rows.push(Sample { time_s, metric: "live_p99_ms", scope: "city".into(), value: lat[b].ms().p99 });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::super::engine::Outage;
    use super::super::plan::TopicGroup;
    use super::*;

    /// Oracle: hand-built fates. Epoch 0 ends in an outage: seq 1 was dropped before seq 2
    /// arrived (broker), seq 3 was in flight (outage); seq 4 was unsent while disconnected;
    /// epoch 1: seq 5 arrived, seq 6 never did (missing at end), seq 7 was late.
    #[test]
    fn every_message_has_exactly_one_fate() {
        let s = SENT | WIRE;
        let o = Outcome {
            flags: vec![s | RECEIVED, s, s | RECEIVED, s, DISCONNECTED, s | RECEIVED, s, LATE],
            epoch: vec![0, 0, 0, 0, 0, 1, 1, 0],
            sent_us: vec![0; 8],
            latency_us: vec![1000; 8],
            outages: vec![Outage { client: "publisher".into(), start_us: 5, end_us: Some(9), error: "reset".into() }],
            publish_window_us: (0, 1_000_000),
            last_receive_us: 1_000_000,
            wall_s: 1.0,
            ..Default::default()
        };
        let plan = Plan {
            at_us: (0..8).map(|i| i * 1_000_000).collect(),
            sensor: vec![1; 8],
            topic: vec![0; 8],
            topics: vec![TopicGroup { prefix: "city/a/parking".into(), kind: "parking" }],
        };
        let r = live_report(&plan, &o, "mqtt://x:1".into(), 1, "10".into(), 500.0);
        assert_eq!(r.received, 3);
        assert_eq!(r.unsent, Unsent { late: 1, queue_full: 0, disconnected: 1, total: 2 });
        assert_eq!(r.lost, Lost { in_outage: 1, dropped_by_broker: 1, missing_at_end: 1, total: 3 });
        assert!(r.accounted);
        assert_eq!(r.topics[0].dropped_by_broker, 1);
        let rows = live_rows(&plan, &o, 4.0);
        let sum = |m: &str| rows.iter().filter(|r| r.metric == m).map(|r| r.value).sum::<f64>();
        assert_eq!(sum("live_planned"), 8.0);
        assert_eq!(sum("live_received") + sum("live_unsent") + sum("live_lost"), 8.0);
    }
}
