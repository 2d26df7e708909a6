//! Calibration: the publishes of a live test replayed, at the times they were really handed to
//! the client, through the pipeline model's broker hop ([`crate::pipeline::broker`]), and the
//! model's error per metric against what the real broker did.
//!
//! The broker model comes from the scenario's first pipeline design that has a broker (its QoS,
//! queue limit, consumers and consumer service time), else the model's defaults (mosquitto's
//! queue limit of 1000, one consumer at 100 µs a message) at the live test's QoS; a queue limit
//! given on the command line overrides either. Metrics, for live and model alike:
//! - `throughput_per_s`: messages delivered per second of the publishing window;
//! - `p50_ms`, `p99_ms`: end-to-end latency from the publish time;
//! - `drop_rate`: published messages not delivered / published.
//!
//! Error = model - live; relative error = error / live (None when live is 0).

use serde::Serialize;

use super::engine::{Outcome, SENT};
use super::report::LiveReport;
use crate::pipeline::{BrokerConfig, HopConfig, Message, Pipeline, PipelineConfig, PipelineReport, Qos};
use crate::scenario::Scenario;

/// One metric, live and modelled.
#[derive(Clone, Debug, Serialize)]
pub struct MetricError {
    /// `throughput_per_s`, `p50_ms`, `p99_ms` or `drop_rate`.
    pub metric: &'static str,
    /// Measured against the real broker.
    pub live: f64,
    /// Predicted by the model.
    pub model: f64,
    /// model - live.
    pub error: f64,
    /// (model - live) / live, None when live is 0.
    pub relative_error: Option<f64>,
}

/// calibration.json.
#[derive(Clone, Debug, Serialize)]
pub struct Calibration {
    /// Always "citytwin.calibration/1".
    pub schema: &'static str,
    /// The broker modelled.
    pub broker: String,
    /// Where the model's parameters came from: a design name, or "defaults".
    pub model_from: String,
    /// Model QoS (0 or 1).
    pub model_qos: u8,
    /// Model per-client queue limit.
    pub model_max_queued_messages: u32,
    /// Model consumers per client.
    pub model_consumers: u32,
    /// Model mean consumer service time, ms.
    pub model_service_ms: f64,
    /// Messages published (offered to the model).
    pub published: u64,
    /// Per-metric comparison.
    pub metrics: Vec<MetricError>,
}

/// The broker model for `scenario`: (source, config).
pub fn broker_model(scenario: &Scenario, qos: u8, max_queued: Option<u32>) -> (String, BrokerConfig) {
    let found = scenario.pipelines.iter().find_map(|d| {
        d.config.hops.iter().find_map(|h| match h {
            HopConfig::Broker(b) => Some((d.name.clone(), b.clone())),
            _ => None,
        })
    });
    let (from, mut cfg) = found.unwrap_or_else(|| {
        let qos = if qos == 0 { Qos::AtMostOnce } else { Qos::AtLeastOnce };
        ("defaults".to_string(), BrokerConfig { qos, ..Default::default() })
    });
    cfg.offline.clear();
    if let Some(m) = max_queued {
        cfg.max_queued_messages = m;
    }
    (from, cfg)
}

/// Replays the live publishes through the broker model.
pub fn model(outcome: &Outcome, broker: &BrokerConfig, seed: u64) -> Result<PipelineReport, String> {
    let config = PipelineConfig { hops: vec![HopConfig::Broker(broker.clone())], depth_bucket_us: 1_000_000 };
    let mut p = Pipeline::new(&config, seed)?;
    let mut last = 0;
    let mut sent: Vec<(u64, usize)> = outcome
        .flags
        .iter()
        .enumerate()
        .filter(|(_, f)| *f & SENT != 0)
        .map(|(seq, _)| (outcome.sent_us[seq], seq))
        .collect();
    sent.sort_unstable();
    for (t, seq) in sent {
        last = last.max(t);
        p.offer(Message { id: seq as u64, intended_us: t, arrival_us: t, gateway: None, client: 0, bytes: 200 });
    }
    // Long enough for any queue the model can build to empty.
    Ok(p.finish(last + 600_000_000))
}

/// Compares the live results with the model's.
pub fn compare(
    live: &LiveReport,
    outcome: &Outcome,
    model: &PipelineReport,
    from: String,
    broker: &BrokerConfig,
) -> Calibration {
    let (w0, w1) = outcome.publish_window_us;
    let window_s = (w1.saturating_sub(w0) as f64 / 1e6).max(1e-6);
    let e2e = &model.end_to_end;
    let published = live.published;
    let live_delivered_of_sent = live.received;
    let rate = |n: u64| n as f64 / window_s;
    let share = |n: u64| if published == 0 { 0.0 } else { n as f64 / published as f64 };
    let row = |metric: &'static str, live: f64, model: f64| MetricError {
        metric,
        live,
        model,
        error: model - live,
        relative_error: (live != 0.0).then(|| (model - live) / live),
    };
    Calibration {
        schema: "citytwin.calibration/1",
        broker: live.broker.clone(),
        model_from: from,
        model_qos: u8::from(broker.qos == Qos::AtLeastOnce),
        model_max_queued_messages: broker.max_queued_messages,
        model_consumers: broker.consumer_workers,
        model_service_ms: broker.consumer_service.mean_us() / 1e3,
        published,
        metrics: vec![
            row("throughput_per_s", rate(live_delivered_of_sent), rate(e2e.delivered)),
            row("p50_ms", live.latency_ms.p50, e2e.latency_ms.p50),
            row("p99_ms", live.latency_ms.p99, e2e.latency_ms.p99),
            row(
                "drop_rate",
                share(published.saturating_sub(live_delivered_of_sent)),
                share(e2e.dropped + e2e.in_flight),
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle: with a consumer far faster than the publishes, the model delivers everything it
    /// is offered, each after exactly the constant service time.
    #[test]
    fn model_replays_publishes() {
        let n = 100;
        let outcome = Outcome {
            flags: vec![SENT; n],
            epoch: vec![0; n],
            sent_us: (0..n as u64).map(|i| i * 10_000).collect(),
            latency_us: vec![0; n],
            publish_window_us: (0, 1_000_000),
            ..Default::default()
        };
        let text = "[scenario]\nname = \"t\"\nduration = \"1h\"\n[city]\narea_km2 = 1.0\n[[sensors]]\nkind = \"parking\"\ncount = 1\n[[gateways]]\ncount = 1\n";
        let sc = crate::scenario::from_str("t.toml", text, &[], None).expect("valid");
        let (from, broker) = broker_model(&sc, 1, None);
        assert_eq!(from, "defaults");
        let r = model(&outcome, &broker, 1).unwrap();
        assert_eq!(r.end_to_end.delivered, n as u64);
        assert!((r.end_to_end.latency_ms.p50 - 0.1).abs() < 0.01, "{:?}", r.end_to_end.latency_ms);
    }
}
