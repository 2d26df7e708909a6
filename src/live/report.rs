//! The `live` block of summary.json: every planned message accounted for exactly once, as
//! received, unsent (late, queue full, disconnected) or lost (in an outage, dropped by the
//! broker, or missing when the test ended), in total and per topic; end-to-end latency
//! percentiles from HDR histograms; the disconnections; and the live rows of timeseries.csv.
//!
//! How a sent message that never arrived is classed: the broker delivers one publishing
//! connection's messages to each subscriber in publish order, so a message published before a
//! later one that arrived over the same publishing connection, in the same epoch (no
//! disconnection in between), at *every* subscriber, was dropped by the broker (mosquitto drops
//! QoS 1 silently past a client's `max_queued_messages`): whichever subscriber the broker chose
//! for it had moved past it. One published after such an arrival at some subscriber, in an epoch
//! that ended in a disconnection, was in flight when a connection dropped (lost in the outage);
//! in the final epoch it is missing at the end (the drain ran out).
//!
//! `accounted` is checked, not assumed: it is false (and `accounting_errors` says why) when a
//! message was received without having been sent, has more or fewer than one send outcome
//! (sent, late, queue full, disconnected), when received + unsent + lost differs from the plan,
//! or when the per-topic counts do not add up to the totals.
//!
//! Latency percentiles come from HDR histograms, whose buckets can put a percentile slightly
//! above the largest value recorded; the live report clamps them to that maximum.

use serde::Serialize;

use super::engine::{ACKED, DISCONNECTED, LATE, Outcome, QUEUE_FULL, RECEIVED, SENT, WIRE};
use super::plan::Plan;
use crate::metrics::report::Sample;
use crate::pipeline::{LatencyMs, LatencyRecorder};

/// Percentiles clamped to the maximum (HDR rounding can put them a bucket above it).
fn clamped(rec: &LatencyRecorder) -> LatencyMs {
    let m = rec.ms();
    let c = |v: f64| v.min(m.max);
    LatencyMs { p50: c(m.p50), p90: c(m.p90), p95: c(m.p95), p99: c(m.p99), p999: c(m.p999), ..m }
}

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
    /// Dropped by the broker (a later message over the same publishing connection, in the same
    /// epoch, arrived at every subscriber).
    pub dropped_by_broker: u64,
    /// Not arrived when the test ended (after the drain).
    pub missing_at_end: u64,
    /// All of the above.
    pub total: u64,
}

/// Counts for one topic group (one district and sensor kind).
#[derive(Clone, Debug, Serialize)]
pub struct TopicCounts {
    /// The group's topics with the sensor shown as `+`, e.g. `city/midtown/parking/+` (a label:
    /// with `{id}` inside a level, `parking/midtown/bay-+`, it is not a valid filter).
    pub topic: String,
    /// Sensor kind.
    pub kind: &'static str,
    /// District (its topic name), so groups stay apart when the topic template leaves it out.
    pub district: String,
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
    /// "publisher" or "subscriber" ("publisher-N", "subscriber-N" with several connections).
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
    /// Publishing connections.
    pub connections: usize,
    /// Subscribing connections (several share one subscription).
    pub subscribers: usize,
    /// This run's messages each subscribing connection received (first copies); they add up
    /// to `received`.
    pub received_by_subscriber: Vec<u64>,
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
    /// Extra copies of this run's messages received (QoS 1 redelivery).
    pub duplicates: u64,
    /// Messages on the subscription that were not this run's (another test on the same broker,
    /// other publishers): never counted as received or duplicates.
    pub foreign: u64,
    /// This run's tag, in the header of every payload it published.
    pub run_tag: String,
    /// Never sent, by cause.
    pub unsent: Unsent,
    /// Sent, never received, by cause.
    pub lost: Lost,
    /// Whether every message has exactly one fate: nothing received without having been sent,
    /// exactly one send outcome per message, planned = received + unsent + lost, and the
    /// per-topic counts add up to the totals. False only through a bug; see
    /// `accounting_errors`.
    pub accounted: bool,
    /// What did not add up, when `accounted` is false.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounting_errors: Vec<String>,
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
    let subs = o.subscribers.max(1);
    let sub = |seq: usize| o.subscriber.get(seq).map_or(0, |&s| usize::from(s).min(subs - 1));
    let final_epoch = o.outages.len().min(u16::MAX as usize);
    // Per (epoch, publishing connection, subscriber): the last message that arrived.
    let at = |e: u16, seq: usize| (usize::from(e) * conns + conn(seq)) * subs;
    let mut last_received = vec![None::<usize>; epochs * conns * subs];
    for (seq, (&f, &e)) in o.flags.iter().zip(&o.epoch).enumerate() {
        if f & RECEIVED != 0 {
            let l = &mut last_received[at(e, seq) + sub(seq)];
            *l = Some(l.map_or(seq, |x: usize| x.max(seq)));
        }
    }
    // Every subscriber received a later message of the same connection and epoch.
    let passed_everywhere =
        |e: u16, seq: usize| last_received[at(e, seq)..at(e, seq) + subs].iter().all(|l| l.is_some_and(|l| seq < l));
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
            } else if passed_everywhere(e, seq) {
                5
            } else if usize::from(e) < final_epoch {
                4
            } else {
                6
            }
        })
        .collect()
}

/// This run's messages each subscribing connection received first (they add up to `received`).
fn received_by_subscriber(o: &Outcome) -> Vec<u64> {
    let mut by = vec![0; o.subscribers];
    let firsts = o.flags.iter().zip(&o.subscriber).filter(|&(&f, _)| f & RECEIVED != 0);
    for (_, &s) in firsts {
        if let Some(n) = by.get_mut(usize::from(s)) {
            *n += 1;
        }
    }
    by
}

/// Checks the outcome against the plan and the counts derived from it; returns what does not
/// add up (nothing when all is well).
fn accounting_errors(
    plan: &Plan,
    o: &Outcome,
    totals: [u64; 3],
    topics: &[TopicCounts],
    r: &LiveReport,
) -> Vec<String> {
    let mut errors = Vec::new();
    let planned = plan.len() as u64;
    if o.flags.len() != plan.len() || o.epoch.len() != plan.len() {
        errors.push(format!(
            "the outcome covers {} messages ({} epochs) but {} were planned",
            o.flags.len(),
            o.epoch.len(),
            planned
        ));
    }
    let outcomes = [SENT, LATE, QUEUE_FULL, DISCONNECTED];
    let (mut not_sent, mut no_outcome, mut several, mut wire_unsent) = (0u64, 0u64, 0u64, 0u64);
    for &f in &o.flags {
        if f & RECEIVED != 0 && f & SENT == 0 {
            not_sent += 1;
        }
        match outcomes.iter().filter(|&&m| f & m != 0).count() {
            0 => no_outcome += 1,
            1 => {}
            _ => several += 1,
        }
        if f & (WIRE | ACKED) != 0 && f & SENT == 0 {
            wire_unsent += 1;
        }
    }
    let mut say = |n: u64, what: &str| {
        if n > 0 {
            errors.push(format!("{n} message(s) {what}"));
        }
    };
    say(not_sent, "received without having been sent");
    say(no_outcome, "never reached by the publisher (no send outcome)");
    say(several, "with more than one send outcome");
    say(wire_unsent, "written or acknowledged without having been sent");
    // From the flags alone, independently of the fate classification.
    let [received, unsent, lost] = totals;
    if received + unsent + lost != planned {
        errors.push(format!("received {received} + unsent {unsent} + lost {lost} != planned {planned}"));
    }
    if (r.received, r.unsent.total, r.lost.total) != (received, unsent, lost) {
        errors.push(format!(
            "fates (received {}, unsent {}, lost {}) differ from the flags (received {received}, unsent {unsent}, lost {lost})",
            r.received, r.unsent.total, r.lost.total
        ));
    }
    let sum = |f: fn(&TopicCounts) -> u64| topics.iter().map(f).sum::<u64>();
    let checks: [(&str, u64, u64); 7] = [
        ("planned", sum(|t| t.planned), r.planned),
        ("published", sum(|t| t.published), r.published),
        ("acknowledged", sum(|t| t.acknowledged.unwrap_or(0)), r.acknowledged.unwrap_or(0)),
        ("received", sum(|t| t.received), r.received),
        ("unsent", sum(|t| t.unsent), r.unsent.total),
        ("lost", sum(|t| t.lost), r.lost.total),
        ("dropped_by_broker", sum(|t| t.dropped_by_broker), r.lost.dropped_by_broker),
    ];
    for (name, per_topic, total) in checks {
        if per_topic != total {
            errors.push(format!("per-topic {name} adds up to {per_topic}, the total is {total}"));
        }
    }
    errors
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
                topic: t.pattern.clone(),
                kind: t.kind,
                district: t.district.clone(),
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
    // Messages the outcome covers (a shorter outcome is an accounting error, reported below).
    let covered = plan.len().min(fate.len());
    for seq in 0..covered {
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
            t.p99_ms = clamped(&rec).p99;
            t
        })
        .collect();
    let (w0, w1) = o.publish_window_us;
    let published = flag(SENT);
    let publish_s = w1.saturating_sub(w0) as f64 / 1e6;
    let receive_s = o.last_receive_us.saturating_sub(w0) as f64 / 1e6;
    let flag_totals = {
        let count = |p: fn(u8) -> bool| o.flags.iter().filter(|&&f| p(f)).count() as u64;
        [
            count(|f| f & RECEIVED != 0),
            count(|f| f & RECEIVED == 0 && f & (LATE | QUEUE_FULL | DISCONNECTED) != 0),
            count(|f| f & RECEIVED == 0 && f & SENT != 0 && f & (LATE | QUEUE_FULL | DISCONNECTED) == 0),
        ]
    };
    let mut report = LiveReport {
        broker,
        qos,
        speed,
        late_after_ms,
        connections: o.publishers,
        subscribers: o.subscribers,
        received_by_subscriber: received_by_subscriber(o),
        wall_seconds: o.wall_s,
        planned,
        published,
        written: flag(WIRE),
        acknowledged: (qos > 0).then(|| flag(ACKED)),
        received,
        duplicates: o.duplicates,
        foreign: o.foreign,
        run_tag: o.run_tag.clone(),
        accounted: false,
        accounting_errors: Vec::new(),
        unsent,
        lost,
        delivery_ratio: if planned == 0 { 1.0 } else { received as f64 / planned as f64 },
        published_per_s: if publish_s > 0.0 { published as f64 / publish_s } else { 0.0 },
        received_per_s: if receive_s > 0.0 { received as f64 / receive_s } else { 0.0 },
        latency_ms: clamped(&all),
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
    };
    report.accounting_errors = accounting_errors(plan, o, flag_totals, &report.topics, &report);
    report.accounted = report.accounting_errors.is_empty();
    report
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
            rows.push(Sample { time_s, metric: "live_p99_ms", scope: "city".into(), value: clamped(&lat[b]).p99 });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::super::engine::Outage;
    use super::super::plan::TopicGroup;
    use super::*;

    /// `n` messages of one sensor on one topic group, `step_us` apart.
    fn one_topic_plan(n: usize, step_us: u64) -> Plan {
        Plan {
            at_us: (0..n as u64).map(|i| i * step_us).collect(),
            sensor: vec![1; n],
            topic: vec![0; n],
            topics: vec![
                TopicGroup::new(
                    "parking",
                    "a",
                    "city/a/parking/{sensor}",
                    &crate::live::readings::default_payload("parking"),
                )
                .unwrap(),
            ],
        }
    }

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
        let plan = one_topic_plan(8, 1_000_000);
        let r = live_report(&plan, &o, "mqtt://x:1".into(), 1, "10".into(), 500.0);
        assert_eq!(r.received, 3);
        assert_eq!(r.unsent, Unsent { late: 1, queue_full: 0, disconnected: 1, total: 2 });
        assert_eq!(r.lost, Lost { in_outage: 1, dropped_by_broker: 1, missing_at_end: 1, total: 3 });
        assert!(r.accounted);
        assert_eq!(r.topics[0].dropped_by_broker, 1);
        assert!(r.accounting_errors.is_empty(), "{:?}", r.accounting_errors);
        assert!(r.latency_ms.p99 <= r.latency_ms.max && r.latency_ms.p999 <= r.latency_ms.max);
        let rows = live_rows(&plan, &o, 4.0);
        let sum = |m: &str| rows.iter().filter(|r| r.metric == m).map(|r| r.value).sum::<f64>();
        assert_eq!(sum("live_planned"), 8.0);
        assert_eq!(sum("live_received") + sum("live_unsent") + sum("live_lost"), 8.0);
    }

    /// Oracle: with two subscribers sharing the work, a message counts as dropped by the broker
    /// only when both received later messages of its connection and epoch; one that only
    /// subscriber 0 passed may have been on its way to subscriber 1 when that one dropped (the
    /// outage), so it is lost in the outage. Seq 2 is a broker drop (0 got seq 6, 1 got seq 4);
    /// seq 5 and seq 7 are in the outage.
    #[test]
    fn with_several_subscribers_a_broker_drop_is_passed_by_all() {
        let s = SENT | WIRE;
        let o = Outcome {
            flags: vec![s | RECEIVED, s | RECEIVED, s, s | RECEIVED, s | RECEIVED, s, s | RECEIVED, s],
            epoch: vec![0; 8],
            subscriber: vec![0, 1, 0, 0, 1, 0, 0, 0],
            subscribers: 2,
            latency_us: vec![1000; 8],
            outages: vec![Outage {
                client: "subscriber-1".into(),
                start_us: 5,
                end_us: Some(9),
                error: "reset".into(),
            }],
            ..Default::default()
        };
        let plan = one_topic_plan(8, 1);
        let r = live_report(&plan, &o, "mqtt://x:1".into(), 1, "10".into(), 500.0);
        assert_eq!(r.received, 5);
        assert_eq!(r.received_by_subscriber, [3, 2]);
        assert_eq!(r.lost, Lost { in_outage: 2, dropped_by_broker: 1, missing_at_end: 0, total: 3 });
        assert!(r.accounted, "{:?}", r.accounting_errors);
        // One subscriber: the same flags make seq 5 a broker drop too (seq 6 came after it).
        let one = Outcome { subscribers: 1, subscriber: vec![0; 8], ..o };
        let r = live_report(&plan, &one, "mqtt://x:1".into(), 1, "10".into(), 500.0);
        assert_eq!(r.lost, Lost { in_outage: 1, dropped_by_broker: 2, missing_at_end: 0, total: 3 });
    }

    /// Oracle: a message received but never sent, one the publisher never reached, and an
    /// outcome shorter than the plan each make `accounted` false, with a reason.
    #[test]
    fn broken_outcomes_are_not_accounted() {
        let plan = one_topic_plan(3, 1);
        let o = |flags: Vec<u8>| Outcome {
            epoch: vec![0; flags.len()],
            latency_us: vec![1000; flags.len()],
            flags,
            ..Default::default()
        };
        let report = |o: &Outcome| live_report(&plan, o, "mqtt://x:1".into(), 1, "10".into(), 500.0);
        let good = report(&o(vec![SENT | RECEIVED, SENT, LATE]));
        assert!(good.accounted, "{:?}", good.accounting_errors);
        let phantom = report(&o(vec![RECEIVED, SENT, LATE]));
        assert!(!phantom.accounted);
        assert!(phantom.accounting_errors.iter().any(|e| e.contains("without having been sent")), "{phantom:?}");
        let unreached = report(&o(vec![SENT | RECEIVED, SENT, 0]));
        assert!(!unreached.accounted, "{unreached:?}");
        let short = report(&o(vec![SENT | RECEIVED, SENT]));
        assert!(!short.accounted, "{short:?}");
        let twice = report(&o(vec![SENT | RECEIVED, SENT | QUEUE_FULL, LATE]));
        assert!(!twice.accounted, "{twice:?}");
    }

    /// Oracle: reported percentiles never exceed the maximum, whatever the histogram's rounding.
    #[test]
    fn percentiles_are_clamped_to_the_maximum() {
        let mut rec = LatencyRecorder::default();
        for us in [1_000_001u64, 1_000_003, 1_000_007] {
            rec.record(us);
        }
        let m = clamped(&rec);
        assert!(m.p50 <= m.max && m.p99 <= m.max && m.p999 <= m.max, "{m:?}");
        assert_eq!(m.max, rec.ms().max);
    }
}
