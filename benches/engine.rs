//! Engine benchmarks (criterion).
//!
//! - `engine/uplinks`: a whole run of a 10,000-sensor city (5-minute reports, 6 simulated
//!   hours, 720k uplinks, capture model, 16 gateways); throughput is reported in uplinks/s.
//! - `sensor_lookup`: the sense system's per-report access to a sensor, through bevy_ecs
//!   `Query::get_mut` versus a plain `Vec` index, to keep the ECS overhead visible.
//! - `calendar`: push and pop of due sensors through the timing wheel.
//! - `pipeline`: the data pipeline's cost per message: 200,000 readings from 36 gateways
//!   (Poisson, 100/s) through a forwarder, an MQTT broker and three stages (verify, anonymise,
//!   batched store), every message handled at five hops.
//! - `privacy`: a synthetic population of 5,000 people followed for a week past 100 identifying
//!   sensors (Wi-Fi counters at 50 m, cameras at 30 m), from itineraries to sightings.
//! - `sweep`: a CPU-bound sweep (`scenarios/lorawan-scalability.toml`, 8 counts x 4
//!   replications, a simulated day each, no charts) on a pool of 1 and of 2 threads; throughput
//!   is runs/s, so the ratio of the two is the sweep's parallel speed-up.
//! - `live_message`: what the live publisher spends writing one message's topic and payload
//!   from the templates: 10,000 messages over the default templates of six kinds and one
//!   custom parking template.

use std::hint::black_box;

use bevy_ecs::prelude::*;
use citytwin::model::random::{Purpose, below, draw};
use citytwin::scenario;
use citytwin::sim::calendar::Calendar;
use citytwin::sim::{self, RunOptions};
use citytwin::time::SimTime;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CITY: &str = r#"
[scenario]
name = "bench"
seed = 1
duration = "6h"
[city]
preset = "new-york"
area_km2 = 9.0
[[sensors]]
kind = "air_quality"
count = 10000
report_every = "5m"
[[gateways]]
count = 16
"#;

fn engine(c: &mut Criterion) {
    let s = scenario::from_str("bench.toml", CITY, &[], None).expect("bench scenario is valid");
    let uplinks = sim::run(&s, RunOptions::default()).uplinks.generated;
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.throughput(Throughput::Elements(uplinks));
    g.bench_function("uplinks", |b| b.iter(|| black_box(sim::run(&s, RunOptions::default()).uplinks.delivered)));
    g.finish();
}

#[derive(Component, Clone, Copy)]
struct Counter(u32);

fn sensor_lookup(c: &mut Criterion) {
    const N: usize = 100_000;
    let mut world = World::new();
    let entities: Vec<Entity> = (0..N).map(|_| world.spawn(Counter(0)).id()).collect();
    let mut plain = vec![Counter(0); N];
    let order: Vec<usize> = (0..N as u64).map(|i| below(draw(1, Purpose::Channel, 0, i), N as u64) as usize).collect();
    let mut g = c.benchmark_group("sensor_lookup");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("ecs_query_get_mut", |b| {
        let mut state = world.query::<&mut Counter>();
        b.iter(|| {
            for &i in &order {
                if let Ok(mut c) = state.get_mut(&mut world, entities[i]) {
                    c.0 += 1;
                }
            }
        })
    });
    g.bench_function("plain_vec_index", |b| {
        b.iter(|| {
            for &i in &order {
                plain[i].0 += 1;
            }
            black_box(&plain);
        })
    });
    g.finish();
}

fn calendar(c: &mut Criterion) {
    const N: u32 = 100_000;
    let mut g = c.benchmark_group("calendar");
    g.throughput(Throughput::Elements(u64::from(N)));
    g.bench_function("push_pop_one_day", |b| {
        b.iter(|| {
            let mut cal: Calendar<u32> = Calendar::new(SimTime::from_secs(10));
            for id in 0..N {
                cal.push(SimTime(below(draw(2, Purpose::ReportTiming, u64::from(id), 0), 86_400_000_000)), id);
            }
            let mut n = 0u64;
            for step in 0..8_640 {
                cal.open_step(step);
                while let Some((t, _)) = cal.pop_before(SimTime::from_secs(10 * (step + 1))) {
                    n += t & 1;
                }
            }
            black_box(n)
        })
    });
    g.finish();
}

fn pipeline(c: &mut Criterion) {
    use citytwin::model::random::exponential;
    use citytwin::pipeline::{
        Batch, BrokerConfig, GatewayConfig, HopConfig, Message, Pipeline, PipelineConfig, Qos, Service, StageConfig,
    };
    const N: u64 = 200_000;
    let stage = |name: &str, workers: u32, mean_us: f64, batch: Option<Batch>| {
        HopConfig::Stage(StageConfig {
            name: name.into(),
            workers,
            service: Service::Exponential { mean_us },
            capacity: Some(20_000),
            batch,
            ..Default::default()
        })
    };
    let config = PipelineConfig {
        hops: vec![
            HopConfig::Gateway(GatewayConfig { bandwidth_bps: 10_000_000, ..Default::default() }),
            HopConfig::Broker(BrokerConfig {
                name: "broker".into(),
                qos: Qos::AtLeastOnce,
                max_queued_messages: 1000,
                consumer_workers: 4,
                consumer_service: Service::Constant { us: 1000 },
                offline: Default::default(),
            }),
            stage("verify", 4, 10_000.0, None),
            stage("anonymise", 2, 5_000.0, None),
            stage("store", 1, 50_000.0, Some(Batch { size: 100, linger_us: 1_000_000 })),
        ],
        depth_bucket_us: 60_000_000,
    };
    let mut t = 0u64;
    let messages: Vec<Message> = (0..N)
        .map(|i| {
            t += exponential(draw(3, Purpose::ReportTiming, 0, i), 10_000.0) as u64;
            Message {
                id: i,
                intended_us: t,
                arrival_us: t,
                gateway: Some((i % 36) as u32),
                client: (i % 4) as u32,
                bytes: 262,
            }
        })
        .collect();
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N));
    g.bench_function("messages_through_five_hops", |b| {
        b.iter(|| {
            let mut p = Pipeline::new(&config, 1).expect("valid pipeline");
            for chunk in messages.chunks(1000) {
                for m in chunk {
                    p.offer(m.clone());
                }
                p.advance_to(chunk[0].arrival_us);
            }
            black_box(p.finish(t + 60_000_000).end_to_end.delivered)
        })
    });
    g.finish();
}

fn privacy(c: &mut Criterion) {
    use citytwin::model::random::unit;
    use citytwin::privacy::observe::{IdentifyingSensor, observe};
    use citytwin::privacy::population::{Population, PopulationParams};
    let params = PopulationParams { people: 5_000, side_m: 3_000.0, days: 7, seed: 1, ..PopulationParams::default() };
    let sensors: Vec<IdentifyingSensor> = (0..100u32)
        .map(|i| {
            let d = |k| unit(draw(7, Purpose::SensorPlacement, u64::from(i), k));
            let range_m = if i < 70 { 50.0 } else { 30.0 };
            IdentifyingSensor { id: i, group: u16::from(i >= 70), x: d(0) * 3_000.0, y: d(1) * 3_000.0, range_m }
        })
        .collect();
    let sightings = observe(&Population::synthesize(&params), &sensors, 7, 60_000_000, 1).sightings.len() as u64;
    let mut g = c.benchmark_group("privacy");
    g.sample_size(10);
    g.throughput(Throughput::Elements(sightings));
    g.bench_function("population_week_to_sightings", |b| {
        b.iter(|| black_box(observe(&Population::synthesize(&params), &sensors, 7, 60_000_000, 1).sightings.len()))
    });
    g.finish();
}

fn sweep(c: &mut Criterion) {
    use citytwin::sweep::{self, Plan, Shard};
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/lorawan-scalability.toml");
    let vary = sweep::parse_vary(&["sensors[0].count=100,200,300,500,700,1000,1400,2000".into()]).expect("vary");
    let (mut plan, _) = Plan::from_file(file, &[], None, Some(vary), Some(4)).expect("sweep plan");
    // The runs, not the fixed cost of drawing charts at the end, are what scales with cores.
    plan.chart_metrics.clear();
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    g.throughput(Throughput::Elements(plan.runs()));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        g.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| {
                let tmp = tempfile::tempdir().expect("tmp");
                let out = pool.install(|| sweep::sweep(&plan, &tmp.path().join("s"), Shard::ALL, &|_| {}));
                black_box(out.expect("sweep").recorded)
            })
        });
    }
    g.finish();
}

fn live_message(c: &mut Criterion) {
    use citytwin::live::Plan;
    use citytwin::live::plan::TopicGroup;
    use citytwin::live::readings::default_payload;
    let kinds = ["air_quality", "parking", "noise", "weather_station", "traffic_counter", "camera"];
    let mut topics: Vec<TopicGroup> = kinds
        .iter()
        .map(|k| TopicGroup::new(k, "midtown", scenario::live::DEFAULT_TOPIC, &default_payload(k)).expect("template"))
        .collect();
    let bay = "{\"bay\":\"{id}\",\"occupied\":{occupied},\"battery_v\":{battery_v}}";
    topics.push(TopicGroup::new("parking", "midtown", "parking/{district}/bay-{id}", bay).expect("template"));
    let n = 10_000usize;
    let plan = Plan {
        at_us: (0..n as u64).map(|i| i * 1000).collect(),
        sensor: (0..n as u32).map(|i| i % 5000).collect(),
        topic: (0..n as u32).map(|i| i % topics.len() as u32).collect(),
        topics,
    };
    let mut g = c.benchmark_group("live_message");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("topic_and_payload", |b| {
        let (mut topic, mut payload) = (String::new(), String::new());
        b.iter(|| {
            let mut bytes = 0;
            for seq in 0..n {
                plan.message_into(seq, seq as u64 * 1000, "123-abcdef-0", &mut topic, &mut payload);
                bytes += topic.len() + payload.len();
            }
            black_box(bytes)
        })
    });
    g.finish();
}

criterion_group!(benches, engine, sensor_lookup, calendar, pipeline, privacy, sweep, live_message);
criterion_main!(benches);
