//! The data pipeline in the engine, against REFERENCE.md §3: an M/M/1 stage behind Poisson
//! sensors gives W = 1/(mu - lambda) and P(wait > t) = rho e^-(mu - lambda) t; Little's law at
//! every stage; every reading entering a design comes out or is dropped at exactly one hop;
//! mosquitto's per-client queue limit drops silently; a stage outage delays or drops by its
//! queue; and the ramp finds each design's knee.

use citytwin::metrics::Report;
use citytwin::pipeline::HopReport;
use citytwin::ramp::{RampBy, ramp};

use crate::common::{run, scenario, shipped};

/// 200 wired sensors reporting as a Poisson process, 10 readings per second in all, into a
/// pipeline given as TOML lines.
fn poisson_into(duration: &str, pipeline: &str) -> String {
    format!(
        "[scenario]\nname = \"pipeline\"\nduration = \"{duration}\"\n[city]\narea_km2 = 1.0\n\
         [[sensors]]\nkind = \"smart_meter_electric\"\nradio = \"wired\"\ncount = 200\nreport_every = \"20s\"\n\
         timing = \"poisson\"\n{pipeline}"
    )
}

fn hop<'a>(r: &'a Report, design: usize, name: &str) -> &'a HopReport {
    let d = &r.pipeline.as_ref().expect("pipeline block").designs[design];
    d.report.hops.iter().find(|h| h.name == name).expect("hop")
}

#[test]
fn an_mm1_stage_behind_poisson_sensors_matches_its_closed_forms() {
    // lambda = 10/s, mu = 1/70 ms = 14.29/s, rho = 0.7: W = 1/(mu - lambda) = 233 ms.
    let r = run(&scenario(&poisson_into(
        "8h",
        "[pipeline]\nbroker = { service = \"100us\", distribution = \"constant\" }\n\
         stages = [{ name = \"store\", service = \"70ms\" }]\n",
    )));
    let store = hop(&r, 0, "store");
    let (lambda, mu) = (10.0, 1000.0 / 70.0);
    let w_ms = 1000.0 / (mu - lambda);
    assert!((store.mean_sojourn_ms / w_ms - 1.0).abs() < 0.03, "{} ms vs {w_ms} ms", store.mean_sojourn_ms);
    for t in [0.1, 0.3, 0.6] {
        let p = store.wait.fraction_above((t * 1e6) as u64);
        let oracle = 0.7 * (-(mu - lambda) * t).exp();
        assert!((p - oracle).abs() < 0.01, "P(wait > {t} s) = {p} vs {oracle}");
    }
}

#[test]
fn every_reading_entering_a_design_comes_out_or_is_dropped_at_one_hop() {
    // The three shipped designs at twice their load for 20 minutes: raw forwarding overflows
    // its store queue, the others keep up. Every design sees the readings the radio delivered.
    let sc = shipped(
        "scenarios/gateway-designs.toml",
        &["sensors[0].count=10000", "scenario.duration=20m", "pipelines[0].stages[2].queue=2000"],
    );
    let r = run(&sc);
    let p = r.pipeline.as_ref().expect("pipeline block");
    for d in &p.designs {
        let e = &d.report.end_to_end;
        assert_eq!(e.published_readings, r.uplinks.delivered, "{}: identical traffic", d.name);
        assert_eq!(
            e.published_readings,
            e.delivered_readings + e.dropped_readings + e.in_flight_readings,
            "{}: readings conserved",
            d.name
        );
        let dropped_at_hops: u64 = d.report.hops.iter().map(|h| h.readings.dropped.values().sum::<u64>()).sum();
        assert_eq!(dropped_at_hops, e.dropped_readings, "{}: each drop at exactly one hop", d.name);
        for h in &d.report.hops {
            assert_eq!(h.arrived, h.passed + h.merged + h.dropped_total() + h.in_flight, "{} / {}", d.name, h.name);
            if h.merged == 0 && h.passed > 1000 {
                // Little's law: L = lambda W, lambda the throughput over the elapsed time.
                let l = h.throughput_per_s * h.mean_sojourn_ms / 1000.0;
                assert!(
                    (h.mean_in_system - l).abs() <= 0.02 * l.max(0.05),
                    "{} / {}: L {} vs {l}",
                    d.name,
                    h.name,
                    h.mean_in_system
                );
            }
        }
    }
    let raw = &p.comparison[0];
    assert!(raw.delivery_ratio < 0.9 && raw.bottleneck == "store", "{raw:?}");
    assert!(p.comparison[1..].iter().all(|d| d.delivery_ratio == 1.0), "{:?}", p.comparison);
}

#[test]
fn the_broker_drops_silently_beyond_max_queued_messages() {
    // A subscriber that takes 200 ms per message (5/s) against 10/s: its queue of 1000 fills
    // and the broker drops the rest, while the network server was told every one arrived.
    let r = run(&scenario(&poisson_into(
        "1h",
        "[pipeline]\nbroker = { service = \"200ms\", distribution = \"constant\", max_queued_messages = 1000 }\n",
    )));
    let broker = hop(&r, 0, "broker");
    assert_eq!(broker.acknowledged_to_publisher, Some(broker.arrived));
    let dropped = broker.dropped.get("broker_queue_limit").copied().unwrap_or(0);
    // Served: 5/s for the hour; queued at the end: 1000 (plus the one being consumed).
    let expected = broker.arrived as f64 - 5.0 * 3600.0 - 1000.0;
    assert!((dropped as f64 - expected).abs() < 0.01 * broker.arrived as f64, "{dropped} vs {expected}");
    assert_eq!(broker.arrived, broker.passed + dropped + broker.in_flight);
}

#[test]
fn a_store_outage_delays_with_room_and_drops_the_overflow_without() {
    // The store is down from 1 h for 30 minutes, at 10 readings/s: with an unbounded queue
    // nothing is lost and the longest wait is about the outage; with room for 100, about
    // 18 000 readings are dropped.
    let text = |queue: &str| {
        poisson_into(
            "3h",
            &format!(
                "[pipeline]\nstages = [{{ name = \"store\", service = \"10ms\"{queue} }}]\n\
                 [[failures]]\nkind = \"pipeline\"\nstage = \"store\"\nat = \"1h\"\nlasts = \"30m\"\n"
            ),
        )
    };
    let roomy = run(&scenario(&text("")));
    let store = hop(&roomy, 0, "store");
    assert_eq!(store.dropped_total(), 0);
    assert!(store.latency_ms.max > 1_790_000.0 && store.latency_ms.max < 1_830_000.0, "{:?}", store.latency_ms);
    let tight = run(&scenario(&text(", queue = 100")));
    let dropped = hop(&tight, 0, "store").dropped_total() as f64;
    assert!((dropped / 18_000.0 - 1.0).abs() < 0.05, "{dropped}");
    assert_eq!(tight.resilience.failures[0].kind, "pipeline");
}

#[test]
fn the_ramp_finds_each_designs_knee() {
    // Raw forwarding writes 50 readings/s at most: it holds at 41/s and breaks at twice that;
    // batched writes and edge aggregation hold at four times the load.
    let sc = shipped("scenarios/gateway-designs.toml", &["scenario.duration=15m"]);
    let r = ramp(&sc, RampBy::Count, &[1.0, 2.0, 4.0], |_| {});
    assert_eq!(r.stages.len(), 3);
    let knee = |name: &str| r.knees.iter().find(|k| k.design == name).expect("design");
    let raw = knee("raw forwarding");
    assert_eq!(raw.broke_at_factor, Some(2.0));
    assert_eq!(raw.broke_at_hop.as_deref(), Some("store"));
    assert!(raw.sustained_per_s.is_some_and(|x| (35.0..50.0).contains(&x)), "{raw:?}");
    for name in ["batched writes", "edge aggregation"] {
        let k = knee(name);
        assert_eq!(k.broke_at_factor, None, "{k:?}");
        assert!(k.sustained_per_s.is_some_and(|x| x > 140.0), "{k:?}");
    }
}
