//! The pipeline system: every reading the network server received in this step enters each
//! pipeline design (the same traffic for every design), at the time it reached the server,
//! from the gateway that forwarded it, addressed to its sensor group's subscriber. Each design
//! is a discrete-event queueing network ([`crate::pipeline`]) advanced up to a watermark that
//! trails the step, so no later delivery can arrive before time the pipeline has already
//! simulated; at the end each runs to the end of the run and reports.
//!
//! Pipeline failures become outage windows of the stage they name (a broker outage takes every
//! subscriber offline; without a stage, the broker and every stage go down).
//!
//! Reads: `Metrics::outbox`, `Clock`. Writes: `Pipelines`.

use bevy_ecs::prelude::*;

use super::clock::Clock;
use super::failures::Outages;
use crate::metrics::Metrics;
use crate::model::failure::merge;
use crate::pipeline::{HopConfig, Message, Pipeline, PipelineReport};
use crate::scenario::Scenario;
use crate::scenario::pipeline::FORWARDER_ENVELOPE_BYTES;
use crate::scenario::validate::hop_name;

/// How far the pipeline's clock trails the step start: longer than any uplink, its gateways'
/// decisions and backhaul, so every delivery settled later arrives after it.
pub const WATERMARK_LAG_US: u64 = 30_000_000;

/// How long the pipelines run past the end of the readings to empty their queues; what is still
/// queued then counts as in flight (not delivered).
pub const DRAIN_US: u64 = 60_000_000;

/// The designs being run.
#[derive(Resource)]
pub struct Pipelines {
    /// (design name, its engine).
    pub designs: Vec<(String, Pipeline)>,
    /// Bytes per message of each sensor group (payload and forwarder envelope).
    pub group_bytes: Vec<u32>,
}

/// Builds the scenario's designs with their outage windows; None without a pipeline.
pub fn pipelines(sc: &Scenario, outages: &Outages) -> Option<Pipelines> {
    if sc.pipelines.is_empty() {
        return None;
    }
    let designs = sc
        .pipelines
        .iter()
        .map(|d| {
            let mut config = d.config.clone();
            for hop in &mut config.hops {
                let name = hop_name(hop);
                let down: Vec<(u64, u64)> = outages
                    .pipeline
                    .iter()
                    .filter(|(stage, _)| stage.as_ref().map_or(name != "gateway", |s| *s == name))
                    .flat_map(|(_, w)| w.iter().copied())
                    .collect();
                if down.is_empty() {
                    continue;
                }
                let down = merge(down);
                match hop {
                    HopConfig::Stage(s) => s.outages = merge(s.outages.iter().copied().chain(down).collect()),
                    HopConfig::Broker(b) => {
                        for client in 0..sc.groups.len() as u32 {
                            b.offline.insert(client, down.clone());
                        }
                    }
                    HopConfig::Gateway(_) => {}
                }
            }
            let engine = Pipeline::new(&config, sc.seed).expect("designs are checked when the scenario is resolved");
            (d.name.clone(), engine)
        })
        .collect();
    let group_bytes = sc.groups.iter().map(|g| u32::from(g.payload_bytes) + FORWARDER_ENVELOPE_BYTES).collect();
    Some(Pipelines { designs, group_bytes })
}

/// Offers this step's deliveries to every design and advances them to the watermark.
pub fn forward(clock: Res<Clock>, mut metrics: ResMut<Metrics>, pipelines: Option<ResMut<Pipelines>>) {
    let Some(mut pipelines) = pipelines else { return };
    let Some(outbox) = metrics.outbox.as_mut() else { return };
    let mut batch = std::mem::take(outbox);
    batch.sort_unstable_by_key(|d| (d.arrival, d.id));
    let watermark = clock.step_start.0.saturating_sub(WATERMARK_LAG_US);
    let Pipelines { designs, group_bytes } = &mut *pipelines;
    for (_, engine) in designs.iter_mut() {
        for d in &batch {
            engine.offer(Message {
                id: d.id,
                intended_us: d.intended,
                arrival_us: d.arrival,
                gateway: d.gateway,
                client: u32::from(d.group),
                bytes: group_bytes.get(usize::from(d.group)).copied().unwrap_or(FORWARDER_ENVELOPE_BYTES),
            });
        }
        engine.advance_to(watermark);
    }
    batch.clear();
    if let Some(outbox) = metrics.outbox.as_mut() {
        *outbox = batch;
    }
}

/// Runs every design to `end_us` and reports, in design order.
pub fn finish(pipelines: Pipelines, end_us: u64) -> Vec<(String, PipelineReport)> {
    pipelines.designs.into_iter().map(|(name, engine)| (name, engine.finish(end_us))).collect()
}
