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

pub mod access;
pub mod attach;
pub mod build;
pub mod calendar;
pub mod channel;
pub mod clock;
pub mod coverage;
pub mod energy;
pub mod failures;
pub mod gateway;
pub mod mac;
pub mod pipeline;
pub mod resilience;
pub mod sense;
pub mod sustainability;
pub mod transmit;

use bevy_ecs::prelude::*;

use crate::metrics::Metrics;
use crate::metrics::collect::{ScopeKind, latency_ms};
use crate::metrics::grid::Grid;
use crate::metrics::report::*;
use crate::model::interference::Rule;
use crate::pipeline::PipelineReport;
use crate::scenario::Scenario;
use crate::scenario::types::{DutyCyclePolicy, InterferenceModel, RadioKind};
use crate::time::SimTime;
use resilience::Units;

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
    /// When set, receives every uplink delivered to the network server, in the order the engine
    /// settled them (for `citytwin live`). Only for scenarios without a pipeline, whose engine
    /// consumes them.
    pub uplinks: Option<&'a mut Vec<crate::metrics::collect::Delivered>>,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        RunOptions { step: DEFAULT_STEP, progress: None, trace: false, uplinks: None }
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
    let group_names: Vec<(String, RadioKind)> = scenario.groups.iter().map(|g| (g.name.clone(), g.radio)).collect();
    let mut metrics =
        Metrics::new(scenario.duration, scenario.bucket, &district_names, &group_names, coverage::DISTANCE_BANDS);
    if !scenario.failures.is_empty() {
        // Coverage over time and the outage maps: only worth their counters when something fails.
        let layout = world.resource::<build::Layout>();
        let sensors: Vec<(f32, f32, u16)> =
            layout.sensors.iter().zip(&layout.groups).map(|(s, &g)| (s.0, s.1, g)).collect();
        let kinds: Vec<&str> = scenario.groups.iter().map(|g| g.kind.id).collect();
        metrics.grid = Some(Grid::new(scenario.city.side_m, metrics.buckets(), &sensors, &kinds));
    }
    if let Some(p) = pipeline::pipelines(scenario, world.resource::<failures::Outages>()) {
        metrics.outbox = Some(Vec::new());
        world.insert_resource(p);
    } else if opts.uplinks.is_some() {
        metrics.outbox = Some(Vec::new());
    }
    world.insert_resource(metrics);
    world.insert_resource(clock::Clock::default());
    world.insert_resource(sense::Readings::default());
    world.insert_resource(access::AccessReadings::default());
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
    schedule.add_systems(
        (sense::sense, access::access, transmit::transmit, channel::channel, gateway::gateway, pipeline::forward)
            .chain(),
    );

    // Readings stop at the end of the duration; steps go on until every attempt in flight or
    // waiting to be retransmitted has settled, then a last step settles anything on the air.
    let steps = scenario.duration.0.div_ceil(step.0);
    let mut n = 0;
    loop {
        let busy = !world.resource::<transmit::Deferred>().0.is_empty()
            || !world.resource::<transmit::InFlight>().slots.is_empty();
        let access_pending = world.resource::<access::Access>().next_event().is_some();
        if !busy && n < steps {
            // Nothing on the air or waiting: jump to the next step with a report, a random-access
            // occasion or an arrival at a queue due.
            let next = world.resource::<calendar::Calendar<Entity>>().next_due_step();
            let access = world.resource::<access::Access>().next_event().map(|t| t / step.0);
            let next = next.into_iter().chain(access).min();
            n = next.map_or(steps, |m| m.clamp(n, steps));
        }
        let draining = n >= steps && (!(busy || access_pending) || n >= steps + MAX_SETTLING.0 / step.0);
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
    if let Some(out) = opts.uplinks.as_mut() {
        out.extend(world.resource_mut::<Metrics>().outbox.take().unwrap_or_default());
    }
    let mut report = observe(scenario, &mut world);
    report.principles = crate::governance::scorecard::scorecard(scenario, &report);
    report
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
    let is_lora = |i: usize| layout.radios.get(i) == Some(&RadioKind::Lorawan);
    let lora_sensors: Vec<(f32, f32, u8)> =
        layout.sensors.iter().enumerate().filter(|(i, _)| is_lora(*i)).map(|(_, s)| *s).collect();
    let sensors_out_of_range = lora_sensors.iter().filter(|s| s.2 == 0).count() as u64;
    let n_sensors = layout.sensors.len() as u64;
    let n_lora = lora_sensors.len() as u64;
    let technologies = technology_reports(world, &layout, &metrics);
    let access = access_report(world, duration_s);
    let access_layout = world.remove_resource::<attach::AccessLayout>().unwrap_or_default();
    let groups = metrics.scope_reports(ScopeKind::Group, &layout.group_sensors);
    let mut energy = sustainability::energy_report(world, scenario, &groups, &layout.sensors);
    let lifetimes = std::mem::take(&mut energy.sensors);
    let mut timeseries = metrics.timeseries();
    let outages = world.remove_resource::<failures::Outages>().unwrap_or_default();
    let resilience = resilience::resilience_report(
        scenario,
        &outages,
        &Units { lora: &layout.gateway_ids, cells: &access_layout.cells, aps: &access_layout.aps },
        &metrics,
        &groups,
        &mut timeseries,
    );
    let links: u64 = layout.gateway_reach.iter().sum();
    let pipeline = world.remove_resource::<pipeline::Pipelines>().map(|p| {
        let end = scenario.duration.0 + pipeline::DRAIN_US;
        pipeline_block(pipeline::finish(p, end), scenario.duration.as_secs_f64(), &mut timeseries)
    });
    let mut slo = evaluate_slo(scenario, &uplinks, &latency_ms);
    if let Some(p) = &pipeline {
        slo.checks.extend(pipeline_slo(scenario, p));
        slo.breached = slo.checks.iter().any(|c| !c.ok);
    }
    Report {
        schema: SUMMARY_SCHEMA,
        citytwin_version: env!("CARGO_PKG_VERSION"),
        citytwin_build: env!("CITYTWIN_BUILD"),
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            file: scenario.file.clone(),
            sha256: scenario.sha256.clone(),
            overrides: scenario.overrides.clone(),
        },
        seed: scenario.seed,
        simulated_seconds: duration_s,
        entities: Entities {
            sensors: n_sensors,
            gateways: layout.gateways.len() as u64,
            cell_sites: access_layout.cells.len() as u64,
            access_points: access_layout.aps.len() as u64,
        },
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
            mean_gateways_in_reach: if n_lora == 0 { 0.0 } else { links as f64 / n_lora as f64 },
            distance_bands: technologies
                .iter()
                .find(|t| t.name == RadioKind::Lorawan.name())
                .map(|t| t.distance_bands.clone())
                .unwrap_or_default(),
            gateways,
        },
        districts: metrics.scope_reports(ScopeKind::District, &layout.district_sensors),
        groups,
        energy,
        resilience,
        pipeline,
        privacy: scenario.privacy.as_ref().map(|cfg| {
            let positions: Vec<(f32, f32)> = layout.sensors.iter().map(|s| (s.0, s.1)).collect();
            let sensors =
                crate::privacy::evaluate::identifying_sensors(scenario, &positions, &layout.groups, cfg.range_m);
            crate::privacy::evaluate::evaluate(scenario, cfg, sensors)
        }),
        register: crate::governance::register::register(scenario),
        principles: Vec::new(),
        technologies,
        access,
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
        live: None,
        timeseries,
        trace: world.remove_resource::<transmit::Trace>().and_then(|t| t.0).unwrap_or_default(),
        lifetimes,
        map: MapData {
            side_m: scenario.city.side_m,
            sensors: lora_sensors,
            origin: scenario
                .city
                .preset
                .map_or((scenario.city.latitude, 0.0, false), |c| (c.latitude, c.longitude, true)),
            devices: layout.sensors.iter().zip(&layout.groups).map(|(s, &g)| (s.0, s.1, s.2, g)).collect(),
            groups: scenario.groups.iter().map(|g| (g.name.clone(), g.kind.id, g.radio.name())).collect(),
            sites: layout
                .gateway_ids
                .iter()
                .zip(&layout.gateways)
                .map(|(id, p)| (p.0, p.1, RadioKind::Lorawan.name(), id.clone()))
                .chain(access_layout.cells.iter().map(|c| (c.x, c.y, RadioKind::Cellular.name(), c.id.clone())))
                .chain(access_layout.aps.iter().map(|a| (a.x, a.y, RadioKind::Wifi.name(), a.id.clone())))
                .collect(),
            gateways: layout.gateways,
        },
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

/// Per-technology results: counts, losses and latency from the collectors, sensors per
/// distance band from the World.
fn technology_reports(world: &mut World, layout: &build::Layout, metrics: &Metrics) -> Vec<TechnologyReport> {
    let techs = metrics.technologies();
    let mut sensors = vec![0u64; techs.len()];
    let mut bands = vec![vec![0u64; coverage::DISTANCE_BANDS]; techs.len()];
    let mut q = world.query::<&build::Sensor>();
    for s in q.iter(world) {
        let radio = layout.radios.get(s.id as usize).copied();
        if let Some(t) = techs.iter().position(|t| Some(t.radio) == radio) {
            sensors[t] += 1;
            bands[t][usize::from(s.band).min(coverage::DISTANCE_BANDS - 1)] += 1;
        }
    }
    let scopes = metrics.scope_reports(ScopeKind::Technology, &sensors);
    techs
        .iter()
        .zip(scopes)
        .enumerate()
        .map(|(i, (t, scope))| TechnologyReport {
            name: t.radio.name(),
            sensors: scope.sensors,
            generated: scope.generated,
            delivered: scope.delivered,
            delivery_ratio: scope.delivery_ratio,
            lost: LossCause::ALL.iter().map(|c| (c.name(), t.lost[*c as usize])).collect(),
            latency_ms: latency_ms(&t.latency_us),
            distance_bands: distance_bands(&bands[i], &t.bands),
        })
        .collect()
}

/// Cell, access point and wired results from the access servers.
fn access_report(world: &mut World, duration_s: f64) -> AccessReport {
    let Some(access) = world.remove_resource::<access::Access>() else { return AccessReport::default() };
    let Some(layout) = world.get_resource::<attach::AccessLayout>() else { return AccessReport::default() };
    let mean_wait_ms = |p: &access::Pool| if p.served == 0 { 0.0 } else { p.wait_us as f64 / p.served as f64 / 1e3 };
    let busy = |p: &access::Pool| p.busy_us as f64 / 1e6 / (duration_s * p.free_at.len() as f64);
    let cells = access
        .carriers
        .iter()
        .zip(&access.pools)
        .filter(|(c, _)| c.devices_by_class.iter().sum::<u64>() > 0)
        .map(|(c, p)| {
            let site = &layout.cells[c.site as usize];
            CellReport {
                site: site.id.clone(),
                technology: c.params.technology.name(),
                x_m: round2(site.x),
                y_m: round2(site.y),
                devices: c.devices_by_class.iter().sum(),
                devices_by_class: c.devices_by_class.clone(),
                preambles: c.preambles,
                preamble_collisions: c.collisions,
                random_access_failures: c.ra_failures,
                uplinks: p.served,
                congested: p.congested,
                utilisation: busy(p),
                mean_wait_ms: mean_wait_ms(p),
            }
        })
        .collect();
    let access_points = layout
        .aps
        .iter()
        .enumerate()
        .map(|(i, ap)| {
            let p = &access.pools[layout.ap_base + i];
            ApReport {
                id: ap.id.clone(),
                x_m: round2(ap.x),
                y_m: round2(ap.y),
                devices: layout.ap_devices[i],
                stream_load: p.stream_load,
                uplinks: p.served,
                congested: p.congested,
                utilisation: busy(p),
                mean_wait_ms: mean_wait_ms(p),
            }
        })
        .collect();
    let wires = &access.pools[layout.wire_base.min(access.pools.len())..];
    let wired = WiredReport {
        devices: wires.len() as u64,
        saturated_links: wires.iter().filter(|p| p.stream_load >= 1.0).count() as u64,
        max_stream_load: wires.iter().map(|p| p.stream_load).fold(0.0, f64::max),
        uplinks: wires.iter().map(|p| p.served).sum(),
        congested: wires.iter().map(|p| p.congested).sum(),
    };
    AccessReport { cells, access_points, wired }
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

/// The `pipeline` block from each design's report, with queue depth per hop added to the time
/// series (`queue_depth_max`, `queue_depth_mean`, scope `hop:<design>/<hop>`).
fn pipeline_block(designs: Vec<(String, PipelineReport)>, simulated_s: f64, ts: &mut TimeSeries) -> PipelineBlock {
    let comparison = designs
        .iter()
        .map(|(name, r)| {
            let e = &r.end_to_end;
            let bottleneck = r.hops.iter().max_by(|a, b| a.utilisation.total_cmp(&b.utilisation));
            DesignSummary {
                name: name.clone(),
                readings_in: e.published_readings,
                readings_out: e.delivered_readings,
                delivery_ratio: if e.published_readings == 0 {
                    1.0
                } else {
                    e.delivered_readings as f64 / e.published_readings as f64
                },
                throughput_per_s: e.delivered_readings as f64 / simulated_s.max(1e-9),
                latency_ms: e.latency_ms,
                bottleneck: bottleneck.map_or_else(String::new, |h| h.name.clone()),
                bottleneck_utilisation: bottleneck.map_or(0.0, |h| h.utilisation),
            }
        })
        .collect();
    for (name, r) in &designs {
        for hop in &r.hops {
            let scope = format!("hop:{name}/{}", hop.name);
            let width_s = hop.depth.bucket_us as f64 / 1e6;
            let buckets = hop.depth.max.len().min((simulated_s / width_s.max(1e-9)).ceil() as usize);
            for b in 0..buckets {
                let time_s = b as f64 * width_s;
                ts.rows.push(Sample {
                    time_s,
                    metric: "queue_depth_max",
                    scope: scope.clone(),
                    value: hop.depth.max[b] as f64,
                });
                let mean = hop.depth.mean.get(b).copied().unwrap_or(0.0);
                ts.rows.push(Sample { time_s, metric: "queue_depth_mean", scope: scope.clone(), value: mean });
            }
        }
    }
    PipelineBlock {
        comparison,
        designs: designs.into_iter().map(|(name, report)| DesignReport { name, report }).collect(),
    }
}

/// The pipeline objectives, checked for every design.
fn pipeline_slo(scenario: &Scenario, p: &PipelineBlock) -> Vec<SloCheck> {
    let mut checks = Vec::new();
    for d in &p.comparison {
        if let Some(min) = scenario.slo.pipeline_delivery_min {
            checks.push(SloCheck {
                name: "pipeline_delivery_min",
                threshold: min,
                actual: d.delivery_ratio,
                ok: d.delivery_ratio >= min,
                design: Some(d.name.clone()),
            });
        }
        if let Some(max) = scenario.slo.pipeline_p99_max {
            let max_ms = max.0.as_millis_f64();
            checks.push(SloCheck {
                name: "pipeline_p99_max_ms",
                threshold: max_ms,
                actual: d.latency_ms.p99,
                ok: d.latency_ms.p99 <= max_ms,
                design: Some(d.name.clone()),
            });
        }
    }
    checks
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
            design: None,
        });
    }
    if let Some(max) = scenario.slo.latency_p99_max {
        let max_ms = max.0.as_millis_f64();
        checks.push(SloCheck {
            name: "latency_p99_max_ms",
            threshold: max_ms,
            actual: latency.p99,
            ok: latency.p99 <= max_ms,
            design: None,
        });
    }
    let breached = checks.iter().any(|c| !c.ok);
    SloReport { checks, breached }
}
