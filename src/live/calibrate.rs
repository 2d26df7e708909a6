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
//!
//! Calibration proper: the consumer's mean service time is then fitted to the live run (the
//! service distribution keeps its shape), and the model's error is reported again with the
//! fitted value. The fit minimises the sum of squared log ratios model/live of throughput, p50
//! and p99 plus the squared difference of the drop rates, by golden-section search on the
//! logarithm of the service time between 1 µs and 1 s, every model run on the same seed; the
//! best point evaluated wins, the configured value among them. One service time stands for the
//! whole real path (client stacks, loopback, broker), so the fitted value is what the broker hop
//! must cost for the model to behave like the real system.

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
    /// The model fitted to the live run.
    pub fitted: Fitted,
}

/// The broker model with its consumer service time fitted to the live run.
#[derive(Clone, Debug, Serialize)]
pub struct Fitted {
    /// Fitted mean consumer service time, ms.
    pub service_ms: f64,
    /// Per-metric comparison with the fitted service time.
    pub metrics: Vec<MetricError>,
}

/// Throughput (messages/s), p50 and p99 (ms) and drop rate, in that order.
type Metrics = [f64; 4];

const METRIC_NAMES: [&str; 4] = ["throughput_per_s", "p50_ms", "p99_ms", "drop_rate"];

/// Bounds of the fitted mean service time, µs.
const FIT_RANGE_US: (f64, f64) = (1.0, 1e6);

/// Golden-section steps: the bracket on ln(service) shrinks to 0.618^24 of ln(1e6), about
/// 1e-4, so the fit is within 0.01 % of the best service time.
const FIT_STEPS: usize = 24;

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

/// What the model replays: the live run's publishes in send order, built once for every
/// model run of the fit.
struct Replay {
    /// (sent at, µs since the test started; seq) of every message handed to the client.
    sends: Vec<(u64, usize)>,
    /// The publishing window, s (never 0).
    window_s: f64,
}

impl Replay {
    fn new(outcome: &Outcome) -> Replay {
        let mut sends: Vec<(u64, usize)> = outcome
            .flags
            .iter()
            .enumerate()
            .filter(|(_, f)| *f & SENT != 0)
            .map(|(seq, _)| (outcome.sent_us[seq], seq))
            .collect();
        sends.sort_unstable();
        let (w0, w1) = outcome.publish_window_us;
        Replay { sends, window_s: (w1.saturating_sub(w0) as f64 / 1e6).max(1e-6) }
    }

    /// Replays the publishes through the broker model.
    fn model(&self, broker: &BrokerConfig, seed: u64) -> Result<PipelineReport, String> {
        let config = PipelineConfig { hops: vec![HopConfig::Broker(broker.clone())], depth_bucket_us: 1_000_000 };
        let mut p = Pipeline::new(&config, seed)?;
        for &(t, seq) in &self.sends {
            p.offer(Message { id: seq as u64, intended_us: t, arrival_us: t, gateway: None, client: 0, bytes: 200 });
        }
        let last = self.sends.last().map_or(0, |&(t, _)| t);
        // Long enough for any queue the model can build to empty.
        Ok(p.finish(last + 600_000_000))
    }

    /// The model's metrics with the consumer's mean service time at `mean_us`.
    fn metrics_at(&self, broker: &BrokerConfig, mean_us: f64, seed: u64) -> Result<Metrics, String> {
        let b = BrokerConfig { consumer_service: broker.consumer_service.with_mean(mean_us), ..broker.clone() };
        let e2e = self.model(&b, seed)?.end_to_end;
        Ok([
            e2e.delivered as f64 / self.window_s,
            e2e.latency_ms.p50,
            e2e.latency_ms.p99,
            share(e2e.dropped + e2e.in_flight, self.sends.len() as u64),
        ])
    }
}

/// The share of `published` that `n` is (0 when nothing was published).
fn share(n: u64, published: u64) -> f64 {
    if published == 0 { 0.0 } else { n as f64 / published as f64 }
}

fn live_metrics(live: &LiveReport, replay: &Replay) -> Metrics {
    [
        live.received as f64 / replay.window_s,
        live.latency_ms.p50,
        live.latency_ms.p99,
        share(live.published.saturating_sub(live.received), live.published),
    ]
}

fn rows(live: &Metrics, model: &Metrics) -> Vec<MetricError> {
    METRIC_NAMES
        .iter()
        .zip(live.iter().zip(model))
        .map(|(&metric, (&live, &model))| MetricError {
            metric,
            live,
            model,
            error: model - live,
            relative_error: (live != 0.0).then(|| (model - live) / live),
        })
        .collect()
}

/// How far the model is from the live run: squared log ratios of the positive metrics, plus
/// the squared difference of the drop rates.
fn misfit(live: &Metrics, model: &Metrics) -> f64 {
    let log_ratio = |l: f64, m: f64| if l > 0.0 { (m.max(1e-9) / l).ln().powi(2) } else { 0.0 };
    log_ratio(live[0], model[0])
        + log_ratio(live[1], model[1])
        + log_ratio(live[2], model[2])
        + (model[3] - live[3]).powi(2)
}

/// The model as configured, and with the service time fitted.
struct Fit {
    configured: Metrics,
    service_us: f64,
    fitted: Metrics,
}

/// Fits the broker's mean consumer service time (µs) to the live metrics by golden-section
/// search on its logarithm. The best of every point evaluated wins, the configured service time
/// among them, so the fit is never further off than the configuration.
fn fit_service(live: &Metrics, replay: &Replay, broker: &BrokerConfig, seed: u64) -> Result<Fit, String> {
    let configured_us = broker.consumer_service.mean_us();
    let configured = replay.metrics_at(broker, configured_us, seed)?;
    let mut best = (misfit(live, &configured), configured_us, configured);
    let mut cost = |ln_us: f64| -> Result<f64, String> {
        let us = broker.consumer_service.with_mean(ln_us.exp()).mean_us();
        let m = replay.metrics_at(broker, us, seed)?;
        let f = misfit(live, &m);
        if f < best.0 {
            best = (f, us, m);
        }
        Ok(f)
    };
    let golden = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (FIT_RANGE_US.0.ln(), FIT_RANGE_US.1.ln());
    let (mut x1, mut x2) = (b - golden * (b - a), a + golden * (b - a));
    let (mut f1, mut f2) = (cost(x1)?, cost(x2)?);
    for _ in 0..FIT_STEPS {
        if f1 <= f2 {
            (b, x2, f2) = (x2, x1, f1);
            x1 = b - golden * (b - a);
            f1 = cost(x1)?;
        } else {
            (a, x1, f1) = (x1, x2, f2);
            x2 = a + golden * (b - a);
            f2 = cost(x2)?;
        }
    }
    let (_, service_us, fitted) = best;
    Ok(Fit { configured, service_us, fitted })
}

/// Compares the live results with the model's, then fits the model's consumer service time to
/// the live run and compares again.
pub fn calibrate(
    live: &LiveReport,
    outcome: &Outcome,
    from: String,
    broker: &BrokerConfig,
    seed: u64,
) -> Result<Calibration, String> {
    let replay = Replay::new(outcome);
    let measured = live_metrics(live, &replay);
    let fit = fit_service(&measured, &replay, broker, seed)?;
    Ok(Calibration {
        schema: "citytwin.calibration/1",
        broker: live.broker.clone(),
        model_from: from,
        model_qos: u8::from(broker.qos == Qos::AtLeastOnce),
        model_max_queued_messages: broker.max_queued_messages,
        model_consumers: broker.consumer_workers,
        model_service_ms: broker.consumer_service.mean_us() / 1e3,
        published: live.published,
        metrics: rows(&measured, &fit.configured),
        fitted: Fitted { service_ms: fit.service_us / 1e3, metrics: rows(&measured, &fit.fitted) },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::random::{Purpose, draw, exponential};
    use crate::pipeline::Service;

    /// Oracle: with a consumer far faster than the publishes, the model delivers everything it
    /// is offered, each after exactly the constant service time.
    #[test]
    fn model_replays_publishes() {
        let n = 100;
        let outcome = sent_at((0..n as u64).map(|i| i * 10_000).collect());
        let text = "[scenario]\nname = \"t\"\nduration = \"1h\"\n[city]\narea_km2 = 1.0\n[[sensors]]\nkind = \"parking\"\ncount = 1\n[[gateways]]\ncount = 1\n";
        let sc = crate::scenario::from_str("t.toml", text, &[], None).expect("valid");
        let (from, broker) = broker_model(&sc, 1, None);
        assert_eq!(from, "defaults");
        let r = Replay::new(&outcome).model(&broker, 1).unwrap();
        assert_eq!(r.end_to_end.delivered, n as u64);
        assert!((r.end_to_end.latency_ms.p50 - 0.1).abs() < 0.01, "{:?}", r.end_to_end.latency_ms);
    }

    /// `n` publishes as a Poisson stream of `rate` per second (the crate's counter-based
    /// exponential draws).
    fn poisson_outcome(n: usize, rate: f64) -> Outcome {
        let mut t = 0.0;
        let sent_us: Vec<u64> = (0..n as u64)
            .map(|i| {
                t += exponential(draw(7, Purpose::ReportTiming, 0, i), 1.0 / rate);
                (t * 1e6) as u64
            })
            .collect();
        sent_at(sent_us)
    }

    /// An outcome whose messages were all sent at `sent_us`, the window from 0 to the last.
    fn sent_at(sent_us: Vec<u64>) -> Outcome {
        let n = sent_us.len();
        Outcome {
            flags: vec![SENT; n],
            epoch: vec![0; n],
            latency_us: vec![0; n],
            publish_window_us: (0, sent_us.last().copied().unwrap_or(0)),
            sent_us,
            ..Default::default()
        }
    }

    /// Oracle: without queueing (publishes 10 ms apart, a constant service far shorter), every
    /// latency is the service time, so the fit returns the live p50: 250 µs.
    #[test]
    fn fit_without_queueing_is_the_latency() {
        let n = 200;
        let outcome = sent_at((0..n as u64).map(|i| i * 10_000).collect());
        let replay = Replay::new(&outcome);
        let live = [n as f64 / replay.window_s, 0.25, 0.25, 0.0];
        let broker = BrokerConfig::default();
        let us = fit_service(&live, &replay, &broker, 1).unwrap().service_us;
        assert_eq!(us, 250.0);
    }

    /// Oracle (REFERENCE.md §3, M/M/1): Poisson publishes at 1000/s and live latencies from the
    /// closed form for an exponential server of mean 400 µs (sojourn ~ Exp(mu - lambda),
    /// mu - lambda = 1500/s: p50 = ln 2 / 1500 s, p99 = ln 100 / 1500 s). With 100 µs
    /// configured, the fit recovers 400 µs within 3 %, and the fitted model's p50 and p99 are
    /// within 5 % of the closed form.
    #[test]
    fn fit_recovers_an_mm1_service_time() {
        let lambda = 1000.0;
        let outcome = poisson_outcome(40_000, lambda);
        let gap = 1.0 / 400e-6 - lambda;
        let live = [lambda, 2f64.ln() / gap * 1e3, 100f64.ln() / gap * 1e3, 0.0];
        let broker = BrokerConfig { consumer_service: Service::Exponential { mean_us: 100.0 }, ..Default::default() };
        let fit = fit_service(&live, &Replay::new(&outcome), &broker, 3).unwrap();
        let us = fit.service_us;
        assert!((us / 400.0 - 1.0).abs() < 0.03, "fitted {us} µs");
        let m = fit.fitted;
        for i in [1, 2] {
            assert!((m[i] / live[i] - 1.0).abs() < 0.05, "{} {} vs {}", METRIC_NAMES[i], m[i], live[i]);
        }
    }

    /// Oracle: the comparison's error is model - live and the relative error divides by live;
    /// a metric that is 0 live has no relative error.
    #[test]
    fn rows_are_model_minus_live() {
        let r = rows(&[100.0, 2.0, 8.0, 0.0], &[90.0, 3.0, 8.0, 0.1]);
        assert_eq!(r.iter().map(|m| m.metric).collect::<Vec<_>>(), METRIC_NAMES);
        assert_eq!(r[0].error, -10.0);
        assert_eq!(r[0].relative_error, Some(-0.1));
        assert_eq!(r[1].relative_error, Some(0.5));
        assert_eq!(r[3].relative_error, None);
        assert!((r[3].error - 0.1).abs() < 1e-12);
    }
}
