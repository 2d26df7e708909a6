//! The engine: builds a bevy_ecs World from a validated scenario and runs it in virtual time.
//!
//! Lifecycle, as in simcore and nexosim: **assemble** ([`build::build`]: entities, coverage,
//! first due times), **step** (one fixed-width window of simulated time per schedule run),
//! **drain** (settle transmissions still on the air at the end), **observe** (assemble the
//! [`Report`]).
//!
//! Systems run in a fixed order each step (the later stages of DESIGN.md's order, pipeline,
//! privacy, store, energy and failures, slot in between `gateway` and the metrics as they land):
//!
//! 1. [`sense::sense`]: due sensors take readings and are rescheduled in the calendar;
//! 2. [`transmit::transmit`]: readings become uplinks on a channel, sent to every gateway in reach;
//! 3. [`channel::channel`]: per-gateway interference, in parallel across gateways;
//! 4. [`gateway::gateway`]: decisions forwarded to the network server, deduplicated, settled.
//!
//! Cost grows with events: a step touches only the sensors due in it (the calendar) and the
//! transmissions on the air, and when nothing is on the air the engine jumps straight to the
//! next step with a report due. Randomness comes from counter-based streams keyed by (seed,
//! purpose, entity, counter), so results are identical for any step width or thread count.

pub mod build;
pub mod calendar;
pub mod channel;
pub mod clock;
pub mod coverage;
pub mod gateway;
pub mod mac;
pub mod sense;
pub mod transmit;

use bevy_ecs::prelude::*;

use crate::metrics::Metrics;
use crate::metrics::report::*;
use crate::model::interference::Rule;
use crate::scenario::Scenario;
use crate::scenario::types::{DutyCyclePolicy, InterferenceModel};
use crate::time::SimTime;

/// Default engine step: long enough to batch work across gateways, short next to report
/// intervals. Results do not depend on it.
pub const DEFAULT_STEP: SimTime = SimTime::from_secs(10);

/// What the engine reports while it runs.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Simulated time reached.
    pub now: SimTime,
    /// Simulated time to reach.
    pub end: SimTime,
    /// Events processed so far.
    pub events: u64,
}

/// Longest the engine runs past the duration to settle retransmissions and delayed uplinks.
pub const MAX_SETTLING: SimTime = SimTime::from_secs(3_600);

/// How to run.
pub struct RunOptions<'a> {
    /// Engine step width.
    pub step: SimTime,
    /// Called after each step.
    pub progress: Option<&'a mut dyn FnMut(Progress)>,
    /// Keep a record of every transmission in `Report::trace` (for tests; costs memory).
    pub trace: bool,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        RunOptions { step: DEFAULT_STEP, progress: None, trace: false }
    }
}

/// Runs a scenario to the end and returns its report. The `run` block's wall time and start
/// are left for the caller to fill in.
pub fn run(scenario: &Scenario, mut opts: RunOptions<'_>) -> Report {
    // ADR settings and ACKs reach the device in RX1, 1 s after an uplink, and retransmissions
    // follow within seconds; steps no longer than that let every answer reach exactly the
    // uplinks after it, whatever step was asked for.
    let answers = scenario.lorawan.adr.is_some() || scenario.groups.iter().any(|g| g.confirmed || g.transmissions > 1);
    let max_step = if answers { mac::RX1_DELAY_US } else { u64::MAX };
    let step = SimTime(opts.step.0.clamp(1, max_step));
    let mut world = build::build(scenario, step);
    let gateways = world.resource::<build::Layout>().gateways.len();
    let district_names: Vec<String> = scenario.city.districts.iter().map(|d| d.name.clone()).collect();
    let group_names: Vec<String> = scenario.groups.iter().map(|g| g.name.clone()).collect();
    world.insert_resource(Metrics::new(
        scenario.duration,
        scenario.bucket,
        &district_names,
        &group_names,
        coverage::DISTANCE_BANDS,
    ));
    world.insert_resource(clock::Clock::default());
    world.insert_resource(sense::Readings::default());
    world.insert_resource(transmit::Air { inbox: vec![Vec::new(); gateways] });
    world.insert_resource(transmit::InFlight::default());
    world.insert_resource(transmit::Deferred::default());
    world.insert_resource(transmit::Trace(opts.trace.then(Vec::new)));
    let lw = &scenario.lorawan;
    let capture = Rule::Capture {
        threshold_db: lw.capture_threshold_db as f32,
        lock_symbols: lw.preamble_lock_symbols,
        preamble_symbols: crate::model::radio::DEFAULT_PREAMBLE_SYMBOLS as u8,
    };
    let model = match lw.interference {
        InterferenceModel::Aloha => channel::ReceiverModel { same_sf: Some(Rule::Aloha), sir: cross_sf(lw.inter_sf) },
        InterferenceModel::Capture => channel::ReceiverModel { same_sf: Some(capture), sir: cross_sf(lw.inter_sf) },
        InterferenceModel::Sir => channel::ReceiverModel { same_sf: None, sir: channel::SirTest::All },
    };
    let demodulators = world.resource::<build::Layout>().gateway_demodulators.clone();
    let downlink_bands = world.resource::<build::RunConfig>().downlink.band_duty.len();
    world.insert_resource(channel::Receivers {
        gateways: demodulators.iter().map(|&d| channel::Receiver::new(lw.channels, d, downlink_bands)).collect(),
        model,
    });

    let mut schedule = Schedule::default();
    schedule.add_systems((sense::sense, transmit::transmit, channel::channel, gateway::gateway).chain());

    // Readings stop at the end of the duration; steps go on until every attempt in flight or
    // waiting to be retransmitted has settled, then a last step settles anything on the air.
    let steps = scenario.duration.0.div_ceil(step.0);
    let mut n = 0;
    loop {
        let busy = !world.resource::<transmit::Deferred>().0.is_empty()
            || !world.resource::<transmit::InFlight>().slots.is_empty();
        if !busy && n < steps {
            // Nothing on the air or waiting: jump to the next step with a report due.
            let next = world.resource::<calendar::Calendar<Entity>>().next_due_step();
            n = next.map_or(steps, |m| m.clamp(n, steps));
        }
        let draining = n >= steps && (!busy || n >= steps + MAX_SETTLING.0 / step.0);
        {
            let mut c = world.resource_mut::<clock::Clock>();
            c.step = n;
            c.step_start = SimTime(n * step.0);
            c.step_end = SimTime((n + 1) * step.0);
            c.draining = draining;
        }
        world.resource_mut::<calendar::Calendar<Entity>>().open_step(n);
        schedule.run(&mut world);
        if let Some(cb) = opts.progress.as_mut() {
            let events = world.resource::<Metrics>().events;
            cb(Progress { now: SimTime(((n + 1) * step.0).min(scenario.duration.0)), end: scenario.duration, events });
        }
        if draining {
            break;
        }
        n += 1;
    }
    observe(scenario, &mut world)
}

fn observe(scenario: &Scenario, world: &mut World) -> Report {
    let mut layout = world.remove_resource::<build::Layout>().unwrap_or_default();
    final_spreading_factors(world, &mut layout);
    let metrics = world.remove_resource::<Metrics>().expect("run() inserts Metrics before the first step");
    let receivers = world.remove_resource::<channel::Receivers>();
    let uplinks = metrics.uplinks();
    let latency_ms = metrics.latency();
    let duration_s = scenario.duration.as_secs_f64();
    let channels = f64::from(scenario.lorawan.channels);
    let gateways: Vec<GatewayReport> = receivers
        .map(|r| r.gateways)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, r)| GatewayReport {
            id: layout.gateway_ids[i].clone(),
            x_m: round2(layout.gateways[i].0),
            y_m: round2(layout.gateways[i].1),
            sensors_in_reach: layout.gateway_reach[i],
            receptions: r.receptions,
            decoded: r.decoded,
            collided: r.collided,
            busy: r.busy,
            deafened: r.deafened,
            downlinks: r.downlinks,
            utilisation: r.airtime_us as f64 / 1e6 / (channels * duration_s),
        })
        .collect();
    let sf_distribution = (7..=12u8)
        .map(|sf| SfCount { sf, sensors: layout.sensors.iter().filter(|s| s.2 == sf).count() as u64 })
        .collect();
    let sensors_out_of_range = layout.sensors.iter().filter(|s| s.2 == 0).count() as u64;
    let n_sensors = layout.sensors.len() as u64;
    let links: u64 = layout.gateway_reach.iter().sum();
    let slo = evaluate_slo(scenario, &uplinks, &latency_ms);
    Report {
        schema: SUMMARY_SCHEMA,
        citytwin_version: env!("CARGO_PKG_VERSION"),
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            file: scenario.file.clone(),
            sha256: scenario.sha256.clone(),
            overrides: scenario.overrides.clone(),
        },
        seed: scenario.seed,
        simulated_seconds: duration_s,
        entities: Entities { sensors: n_sensors, gateways: layout.gateways.len() as u64 },
        radio: RadioReport {
            interference: match scenario.lorawan.interference {
                InterferenceModel::Aloha => "aloha",
                InterferenceModel::Capture => "capture",
                InterferenceModel::Sir => "sir",
            },
            inter_sf: scenario.lorawan.inter_sf,
            duty_cycle: match world.resource::<build::RunConfig>().duty_cycle.policy {
                DutyCyclePolicy::Delay => "delay",
                DutyCyclePolicy::Drop => "drop",
                DutyCyclePolicy::Off => "off",
            },
            duty_cycle_delayed: metrics.delayed_count(),
            acks_rx1: metrics.acks().0,
            acks_rx2: metrics.acks().1,
            acks_blocked: metrics.acks().2,
            channels: scenario.lorawan.channels,
            sf_distribution,
            sensors_out_of_range,
            mean_gateways_in_reach: if n_sensors == 0 { 0.0 } else { links as f64 / n_sensors as f64 },
            distance_bands: distance_bands(&layout.band_sensors, metrics.band_counts()),
            gateways,
        },
        districts: metrics.scope_reports(true, &layout.district_sensors),
        groups: metrics.scope_reports(false, &layout.group_sensors),
        uplinks,
        latency_ms,
        slo,
        run: RunInfo {
            wall_seconds: 0.0,
            threads: rayon::current_num_threads(),
            started_at: String::new(),
            events: metrics.events,
            events_per_second: 0.0,
        },
        timeseries: metrics.timeseries(),
        trace: world.remove_resource::<transmit::Trace>().and_then(|t| t.0).unwrap_or_default(),
        map: MapData { side_m: scenario.city.side_m, sensors: layout.sensors, gateways: layout.gateways },
    }
}

/// Each sensor's spreading factor at the end of the run (ADR may have changed it), or 0 when no
/// gateway hears it at that SF and power.
fn final_spreading_factors(world: &mut World, layout: &mut build::Layout) {
    let Some(coverage) = world.remove_resource::<coverage::Coverage>() else { return };
    let Some(sensitivity) = world.get_resource::<build::RunConfig>().map(|c| c.sensitivity_dbm) else { return };
    let mut q = world.query::<(&build::Sensor, &build::LoraDevice)>();
    for (sensor, dev) in q.iter(world) {
        let sens = sensitivity[build::sf_index(dev.sf)];
        let heard = coverage.reach(dev.reach).iter().any(|r| r.rssi_dbm + dev.tx_offset_db >= sens);
        if let Some(s) = layout.sensors.get_mut(sensor.id as usize) {
            s.2 = if heard { dev.sf } else { 0 };
        }
    }
}

fn distance_bands(sensors: &[u64], counts: &[(u64, u64)]) -> Vec<DistanceBand> {
    let width = f64::from(coverage::DISTANCE_BAND_M);
    let last = counts.len().saturating_sub(1);
    counts
        .iter()
        .enumerate()
        .filter(|(i, _)| sensors.get(*i).copied().unwrap_or(0) > 0)
        .map(|(i, &(generated, delivered))| DistanceBand {
            from_m: i as f64 * width,
            to_m: (i < last).then(|| (i + 1) as f64 * width),
            sensors: sensors[i],
            generated,
            delivered,
            delivery_ratio: crate::metrics::collect::ratio(delivered, generated),
        })
        .collect()
}

fn cross_sf(on: bool) -> channel::SirTest {
    if on { channel::SirTest::CrossSf } else { channel::SirTest::Off }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Checks the scenario's SLOs against the results.
pub fn evaluate_slo(scenario: &Scenario, uplinks: &Uplinks, latency: &Latency) -> SloReport {
    let mut checks = Vec::new();
    if let Some(min) = scenario.slo.delivery_ratio_min {
        checks.push(SloCheck {
            name: "delivery_ratio_min",
            threshold: min,
            actual: uplinks.delivery_ratio,
            ok: uplinks.delivery_ratio >= min,
        });
    }
    if let Some(max) = scenario.slo.latency_p99_max {
        let max_ms = max.0.as_millis_f64();
        checks.push(SloCheck {
            name: "latency_p99_max_ms",
            threshold: max_ms,
            actual: latency.p99,
            ok: latency.p99 <= max_ms,
        });
    }
    let breached = checks.iter().any(|c| !c.ok);
    SloReport { checks, breached }
}
