//! Shared by the per-design pipeline charts (`pipeline_latency`, `queue_depth`): which designs
//! get a panel and how the panels are laid out, one colour per hop name across every design so a
//! hop reads the same in all panels, and (for tests) a pipeline block from real engine runs.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::log_axis::draw_note;
use super::{FONT, TABLEAU10, draw_title, fit_text};
use crate::metrics::report::DesignReport;

/// At most this many designs get a panel; the rest are named in a note.
pub const MAX_PANELS: usize = 4;
/// The note drawn when the scenario has no pipeline.
pub(crate) const NO_PIPELINE: &str = "No pipeline in this scenario";

/// How two panels share the plot area (one fills it, three or four make a 2 × 2 grid).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pair {
    /// Left and right: square-ish panels, for distributions.
    SideBySide,
    /// One above the other: wide panels, for time series.
    Stacked,
}

/// One colour per hop name, in first-seen order over `designs`, from the Tableau 10 palette.
pub(crate) fn hop_colors<'a>(designs: impl IntoIterator<Item = &'a DesignReport>) -> Vec<(String, RGBColor)> {
    let mut names: Vec<String> = Vec::new();
    for d in designs {
        for hop in &d.report.hops {
            if !names.contains(&hop.name) {
                names.push(hop.name.clone());
            }
        }
    }
    names.into_iter().enumerate().map(|(i, n)| (n, TABLEAU10[i % TABLEAU10.len()])).collect()
}

/// The colour [`hop_colors`] gave `name` (grey for a name it does not know).
pub(crate) fn color_of(colors: &[(String, RGBColor)], name: &str) -> RGBColor {
    colors.iter().find(|(n, _)| n == name).map_or(TABLEAU10[7], |(_, c)| *c)
}

/// The subtitle's addition when not every design has a panel: "first 4 of 6 designs shown".
pub(crate) fn hidden_note(total: usize) -> Option<String> {
    (total > MAX_PANELS).then(|| format!("first {MAX_PANELS} of {total} designs shown"))
}

/// The frame of a per-design chart: white background and title, then the plot area and the
/// legend area (`legend_w` pixels on the right); None after drawing the centred "no pipeline"
/// note when there is no panel to draw.
#[allow(clippy::type_complexity)]
pub(crate) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    panels: usize,
    legend_w: u32,
) -> Result<Option<(DrawingArea<DB, Shift>, DrawingArea<DB, Shift>)>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let body = draw_title(root, title, Some(subtitle))?;
    let (x, y) = body.get_base_pixel();
    let (w, h) = body.dim_in_pixel();
    if panels == 0 {
        // Centred on the whole chart: without designs there is no legend either.
        draw_note(root, NO_PIPELINE, (x + w as i32 / 2, y + h as i32 / 2))?;
        return Ok(None);
    }
    Ok(Some(body.split_horizontally(w.saturating_sub(legend_w))))
}

/// `area` cut into `n` panels (at most [`MAX_PANELS`]), left to right and top to bottom.
pub(crate) fn panel_areas<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    n: usize,
    pair: Pair,
) -> Vec<DrawingArea<DB, Shift>> {
    let grid = match (n, pair) {
        (0 | 1, _) => (1, 1),
        (2, Pair::SideBySide) => (1, 2),
        (2, Pair::Stacked) => (2, 1),
        _ => (2, 2),
    };
    area.split_evenly(grid).into_iter().take(n.clamp(1, MAX_PANELS)).collect()
}

/// Draws a panel's heading (bold design name, then a plain `detail` in grey, shortened to fit)
/// across the top of `panel`; returns the area below it.
pub(crate) fn panel_heading<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    name: &str,
    detail: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    const HEIGHT: u32 = 26;
    let (width, _) = panel.dim_in_pixel();
    let name_style = TextStyle::from((FONT, 16, FontStyle::Bold)).pos(Pos::new(HPos::Left, VPos::Center));
    let grey = BLACK.mix(0.6);
    let detail_style = TextStyle::from((FONT, 13)).color(&grey).pos(Pos::new(HPos::Left, VPos::Center));
    let name = fit_text(panel, name, &name_style, width / 2)?;
    let x = 20;
    let y = (HEIGHT / 2) as i32 + 2;
    panel.draw_text(&name, &name_style, (x, y))?;
    let name_w = panel.estimate_text_size(&name, &name_style)?.0 as i32;
    let room = (width as i32 - x - name_w - 30).max(10) as u32;
    let detail = fit_text(panel, detail, &detail_style, room)?;
    panel.draw_text(&detail, &detail_style, (x + name_w + 10, y))?;
    Ok(panel.split_vertically(HEIGHT).1)
}

/// A pipeline block from two small designs run on the same six hours of traffic (the span of
/// `sample_report`), with a half-hour burst at 2 h that overloads the first design's store and
/// makes it drop readings, while the second aggregates readings at the gateway and keeps up.
#[cfg(test)]
pub(crate) fn sample_pipeline() -> crate::metrics::report::PipelineBlock {
    use crate::metrics::report::{DesignSummary, PipelineBlock};
    use crate::pipeline::{
        Aggregation, BrokerConfig, GatewayConfig, HopConfig, Message, Pipeline, PipelineConfig, Service, StageConfig,
    };

    const HOURS: u64 = 6;
    let end_us = HOURS * 3_600_000_000;
    // Deterministic jitter from a 64-bit LCG.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut uniform = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut messages = Vec::new();
    let mut t = 0.0;
    while t < end_us as f64 {
        // One reading a second on average, five during the burst.
        let burst = (2.0 * 3.6e9..2.5 * 3.6e9).contains(&t);
        t += if burst { 200_000.0 } else { 1_000_000.0 } * (0.5 + uniform());
        let id = messages.len() as u64;
        let arrival_us = t as u64;
        messages.push(Message {
            id,
            intended_us: arrival_us.saturating_sub(150_000 + (uniform() * 400_000.0) as u64),
            arrival_us,
            gateway: Some((id % 2) as u32),
            client: 0,
            bytes: 24,
        });
    }

    let store = StageConfig {
        name: "store".into(),
        service: Service::Constant { us: 300_000 },
        capacity: Some(500),
        ..Default::default()
    };
    let broker = BrokerConfig { consumer_service: Service::Exponential { mean_us: 2000.0 }, ..Default::default() };
    let direct = vec![HopConfig::Broker(broker.clone()), HopConfig::Stage(store.clone())];
    let aggregated = vec![
        HopConfig::Gateway(GatewayConfig {
            latency_us: 40_000,
            aggregation: Some(Aggregation { readings: 5, max_wait_us: 20_000_000, bytes: None }),
            ..Default::default()
        }),
        HopConfig::Broker(broker),
        HopConfig::Stage(store),
    ];

    let mut comparison = Vec::new();
    let mut designs = Vec::new();
    for (name, hops) in [("direct", direct), ("aggregated", aggregated)] {
        let config = PipelineConfig { hops, depth_bucket_us: 300_000_000 };
        let mut p = Pipeline::new(&config, 11).expect("valid pipeline");
        messages.iter().cloned().for_each(|m| p.offer(m));
        let report = p.finish(end_us);
        let e = &report.end_to_end;
        let bottleneck = report.hops.iter().max_by(|a, b| a.utilisation.total_cmp(&b.utilisation)).expect("hops");
        comparison.push(DesignSummary {
            name: name.to_string(),
            readings_in: e.published_readings,
            readings_out: e.delivered_readings,
            delivery_ratio: e.delivered_readings as f64 / e.published_readings.max(1) as f64,
            throughput_per_s: e.delivered_readings as f64 / (HOURS * 3600) as f64,
            latency_ms: e.latency_ms,
            bottleneck: bottleneck.name.clone(),
            bottleneck_utilisation: bottleneck.utilisation,
        });
        designs.push(DesignReport { name: name.to_string(), report });
    }
    PipelineBlock { comparison, designs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_pipeline_overloads_one_design() {
        let block = sample_pipeline();
        let names: Vec<&str> = block.comparison.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["direct", "aggregated"]);
        assert!(block.comparison[0].delivery_ratio < 0.95, "{:?}", block.comparison[0]);
        assert!(block.comparison[1].delivery_ratio > 0.99, "{:?}", block.comparison[1]);
        assert_eq!(block.comparison[0].bottleneck, "store");
        let store = &block.designs[0].report.hops[1];
        assert_eq!(store.depth.max.len(), 72);
        assert!(store.depth.max.iter().any(|d| *d >= 500), "the burst fills the store's queue");
    }

    #[test]
    fn hops_keep_one_colour_across_designs() {
        let block = sample_pipeline();
        let colors = hop_colors(&block.designs);
        let names: Vec<&str> = colors.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["broker", "store", "gateway"]);
        assert_eq!(color_of(&colors, "gateway"), TABLEAU10[2]);
        assert_eq!(color_of(&colors, "nope"), TABLEAU10[7]);
        assert_eq!(hidden_note(4), None);
        assert_eq!(hidden_note(6).as_deref(), Some("first 4 of 6 designs shown"));
    }
}
