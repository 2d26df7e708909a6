//! `charts/designs.{svg,png}`: the pipeline designs of one run side by side, one row per design
//! (the first [`MAX_DESIGNS`]): its delivery ratio (readings out of the last hop over readings
//! in) as a bar, and its median and 99th-percentile end-to-end latency as a pair of bars on a log
//! axis, with the design's busiest hop and its utilisation written under its name. The
//! scenario's pipeline objectives are drawn as dashed lines and values that miss them are red.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::log_axis::{PlotBox, draw_note, draw_x_ticks, latency_label, log_bounds, log_ticks, ms_tick, plain_number};
use super::pipeline_latency::{P99_CHECK, SLO_COLOR};
use super::pipeline_panels::NO_PIPELINE;
use super::{Chart, DrawResult, FONT, LegendEntry, Mark, draw_legend, draw_title, fit_text, group_digits};
use crate::metrics::report::{DesignSummary, Report};

/// At most this many rows; the rest are named in the subtitle.
pub const MAX_DESIGNS: usize = 12;
/// Name of the delivery objective in the report's SLO checks.
const DELIVERY_CHECK: &str = "pipeline_delivery_min";
/// Width of the design-name column left of the bars.
const NAME_W: u32 = 270;
/// Width of the legend panel on the right.
const LEGEND_W: u32 = 200;
/// Share of the room between the name column and the legend given to the delivery bars.
const DELIVERY_SHARE: f64 = 0.42;
/// The latency axis never starts below a microsecond, the recorders' resolution.
const FLOOR_MS: f64 = 0.001;
/// Bars are never drawn thicker than this, in pixels, however few designs there are.
const MAX_BAR_PX: f64 = 40.0;
/// Delivery bars: the palette's blue.
const DELIVERY_COLOR: RGBColor = RGBColor(31, 119, 180);
/// Median latency: a light orange, so the pair reads as one design's spread.
const P50_COLOR: RGBColor = RGBColor(255, 187, 120);
/// 99th-percentile latency: the palette's orange.
const P99_COLOR: RGBColor = RGBColor(255, 127, 14);

/// One design's row.
#[derive(Debug, PartialEq)]
struct Row {
    name: String,
    /// "busiest hop: store, 78 % busy".
    bottleneck: String,
    /// "140,757 of 140,757 readings out".
    counts: String,
    delivery_ratio: f64,
    /// Median and 99th-percentile end-to-end latency, ms (None when nothing was delivered).
    latency: Option<(f64, f64)>,
    /// Whether the delivery and the p99 objectives held (true when there is none).
    delivery_ok: bool,
    p99_ok: bool,
}

/// The design-comparison chart, with its rows picked once for both backends.
#[derive(Debug)]
pub struct DesignsChart {
    title: String,
    subtitle: String,
    /// In scenario order, top row first; empty without a pipeline.
    rows: Vec<Row>,
    /// Left end of the delivery axis (its right end is 100 %).
    delivery_from: f64,
    /// The latency axis, ms.
    axis: (f64, f64),
    /// The scenario's objectives: delivery ratio at least, p99 ms at most.
    slo_delivery: Option<f64>,
    slo_p99_ms: Option<f64>,
}

impl DesignsChart {
    /// Picks the comparison rows out of `report`.
    pub fn new(report: &Report) -> Self {
        let designs = report.pipeline.as_ref().map_or(&[][..], |p| &p.comparison[..]);
        let shown = &designs[..designs.len().min(MAX_DESIGNS)];
        let threshold = |name: &str| {
            report.slo.checks.iter().find(|c| c.name == name).map(|c| c.threshold).filter(|t| t.is_finite())
        };
        let slo_delivery = threshold(DELIVERY_CHECK);
        let slo_p99_ms = threshold(P99_CHECK).filter(|t| *t > 0.0);
        let holds = |name: &str, design: &str| {
            report.slo.checks.iter().filter(|c| c.name == name && c.design.as_deref() == Some(design)).all(|c| c.ok)
        };

        let rows: Vec<Row> = shown
            .iter()
            .map(|d: &DesignSummary| Row {
                name: d.name.clone(),
                bottleneck: if d.bottleneck.is_empty() {
                    "no hops".to_string()
                } else {
                    format!("busiest hop: {}, {:.0} % busy", d.bottleneck, d.bottleneck_utilisation * 100.0)
                },
                counts: format!("{} of {} readings out", group_digits(d.readings_out), group_digits(d.readings_in)),
                delivery_ratio: if d.delivery_ratio.is_finite() { d.delivery_ratio.clamp(0.0, 1.0) } else { 0.0 },
                latency: (d.readings_out > 0 && d.latency_ms.p99 > 0.0).then_some((d.latency_ms.p50, d.latency_ms.p99)),
                delivery_ok: holds(DELIVERY_CHECK, &d.name),
                p99_ok: holds(P99_CHECK, &d.name),
            })
            .collect();

        let values = rows.iter().flat_map(|r| r.latency).flat_map(|(p50, p99)| [p50, p99]).chain(slo_p99_ms);
        let (min, max) =
            values.filter(|v| *v > 0.0).fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        // Room right of the longest bar for its label: a decade more than the data needs.
        let axis = log_bounds(min, max * 4.0, FLOOR_MS);

        let mut subtitle = "delivery ratio (readings out of the last hop / readings in) and end-to-end latency from \
                            each reading's intended send time"
            .to_string();
        if designs.len() > MAX_DESIGNS {
            subtitle = format!("{subtitle}; first {MAX_DESIGNS} of {} designs shown", designs.len());
        }
        let lowest = rows.iter().map(|r| r.delivery_ratio).chain(slo_delivery).fold(1.0f64, f64::min);
        DesignsChart {
            title: format!("Pipeline designs compared — {}", report.scenario.name),
            subtitle,
            delivery_from: delivery_from(lowest),
            rows,
            axis,
            slo_delivery,
            slo_p99_ms,
        }
    }
}

/// Left end of the delivery axis for a `lowest` ratio (or objective) to show: the highest of a
/// few round values that leaves the shortest bar at least half the axis. Ratios usually sit
/// within a percent of 100 %, where an axis from 0 would show every design as the same full bar
/// (the delivery-ratio chart zooms its y axis for the same reason).
fn delivery_from(lowest: f64) -> f64 {
    const FROM: [f64; 6] = [0.99, 0.98, 0.95, 0.9, 0.8, 0.5];
    let need = (1.0 - lowest.clamp(0.0, 1.0)) * 2.0;
    FROM.iter().copied().find(|from| 1.0 - from >= need - 1e-12).unwrap_or(0.0)
}

/// A delivery ratio with two decimals of a percent, never rounded up to 100 % ("99.98 %").
fn ratio_label(ratio: f64) -> String {
    let p = (ratio * 10_000.0).floor() / 100.0;
    format!("{p:.2} %")
}

/// The style of a value label: red and bold when it misses its objective.
fn value_style(ok: bool, anchor: HPos) -> TextStyle<'static> {
    let style = if ok {
        TextStyle::from((FONT, 13)).color(&BLACK)
    } else {
        TextStyle::from((FONT, 13, FontStyle::Bold)).color(&SLO_COLOR)
    };
    style.pos(Pos::new(anchor, VPos::Center))
}

impl Chart for DesignsChart {
    const NAME: &'static str = "designs";
    const SIZE: (u32, u32) = (1400, 700);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(root, &self.title, Some(&self.subtitle))?;
        if self.rows.is_empty() {
            let (x, y) = body.get_base_pixel();
            let (w, h) = body.dim_in_pixel();
            return draw_note(root, NO_PIPELINE, (x + w as i32 / 2, y + h as i32 / 2));
        }

        let (width, _) = body.dim_in_pixel();
        let (main, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));
        let (_, delivery_area) = main.split_horizontally(NAME_W);
        let (bars_w, _) = delivery_area.dim_in_pixel();
        let (delivery_area, latency_area) =
            delivery_area.split_horizontally((f64::from(bars_w) * DELIVERY_SHARE).round() as u32);

        let slots = self.rows.len() as f64;
        // Slot of row i, counted from the top so the first design is the top row.
        let centre = |i: usize| slots - i as f64 - 0.5;

        // Delivery ratio.
        let mut delivery = ChartBuilder::on(&delivery_area)
            .caption("Delivery ratio", (FONT, 16, FontStyle::Bold))
            .margin(15)
            .margin_right(35)
            .x_label_area_size(50)
            .y_label_area_size(5)
            .build_cartesian_2d(self.delivery_from..1.0, 0.0..slots)?;
        let decimals = if self.delivery_from >= 0.95 { 1 } else { 0 };
        delivery
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(6)
            .x_label_formatter(&|v: &f64| format!("{:.decimals$} %", v * 100.0))
            .x_desc(if self.delivery_from > 0.0 {
                format!("Readings out / readings in (axis from {} %)", plain_number(self.delivery_from * 100.0))
            } else {
                "Readings out / readings in".to_string()
            })
            .axis_desc_style((FONT, 15))
            .label_style((FONT, 13))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(TRANSPARENT)
            .draw()?;
        let frame = PlotBox::of(delivery.plotting_area());
        let slot_px = f64::from(frame.bottom - frame.top) / slots;
        let half = (0.3f64).min(MAX_BAR_PX / 2.0 / slot_px.max(1.0));
        delivery.draw_series(self.rows.iter().enumerate().map(|(i, r)| {
            let end = r.delivery_ratio.max(self.delivery_from);
            Rectangle::new([(self.delivery_from, centre(i) - half), (end, centre(i) + half)], DELIVERY_COLOR.filled())
        }))?;
        if let Some(min) = self.slo_delivery.filter(|m| (0.0..=1.0).contains(m)) {
            let (x, _) = delivery.backend_coord(&(min, 0.0));
            root.draw(&DashedPathElement::new(
                vec![(x, frame.top), (x, frame.bottom)],
                6,
                4,
                SLO_COLOR.stroke_width(2),
            ))?;
        }
        for (i, row) in self.rows.iter().enumerate() {
            // Inside the bar's end in white; just after it in red when it misses the objective
            // (or when the bar is too short to hold it).
            let (end, y) = delivery.backend_coord(&(row.delivery_ratio.max(self.delivery_from), centre(i)));
            let label = ratio_label(row.delivery_ratio);
            let inside =
                TextStyle::from((FONT, 13, FontStyle::Bold)).color(&WHITE).pos(Pos::new(HPos::Right, VPos::Center));
            let outside = value_style(row.delivery_ok, HPos::Left);
            let w = root.estimate_text_size(&label, &outside)?.0 as i32;
            let fits_after = end + 5 + w <= frame.right + 30;
            if (row.delivery_ok || !fits_after) && end - frame.left >= w + 12 {
                root.draw_text(&label, &inside, (end - 6, y))?;
            } else {
                root.draw_text(&label, &outside, (end + 5, y))?;
            }
        }

        // Names, busiest hops and counts, left of the delivery bars.
        let name_style = TextStyle::from((FONT, 15, FontStyle::Bold)).pos(Pos::new(HPos::Right, VPos::Center));
        let grey = BLACK.mix(0.6);
        let detail_style = TextStyle::from((FONT, 12)).color(&grey).pos(Pos::new(HPos::Right, VPos::Center));
        let three_lines = slot_px >= 54.0;
        for (i, row) in self.rows.iter().enumerate() {
            let (left, y) = delivery.backend_coord(&(self.delivery_from, centre(i)));
            let x = left - 12;
            let room = NAME_W - 20;
            let (name_y, detail_y) = if three_lines { (y - 17, y) } else { (y - 8, y + 8) };
            root.draw_text(&fit_text(root, &row.name, &name_style, room)?, &name_style, (x, name_y))?;
            root.draw_text(&fit_text(root, &row.bottleneck, &detail_style, room)?, &detail_style, (x, detail_y))?;
            if three_lines {
                root.draw_text(&fit_text(root, &row.counts, &detail_style, room)?, &detail_style, (x, y + 16))?;
            }
        }

        // End-to-end latency.
        let (lo, hi) = self.axis;
        let mut latency = ChartBuilder::on(&latency_area)
            .caption("End-to-end latency", (FONT, 16, FontStyle::Bold))
            .margin(15)
            .margin_left(30)
            .margin_right(25)
            .x_label_area_size(50)
            .y_label_area_size(5)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..slots)?;
        latency
            .configure_mesh()
            .disable_mesh()
            .x_labels(0)
            .y_labels(0)
            .x_label_formatter(&|_| String::new())
            .x_desc("Latency (log scale)")
            .axis_desc_style((FONT, 15))
            .label_style((FONT, 13))
            .draw()?;
        let frame = PlotBox::of(latency.plotting_area());
        let max_ticks = ((frame.right - frame.left) / 50).max(2) as usize;
        let ticks: Vec<(i32, String)> = log_ticks(lo, hi, max_ticks)
            .into_iter()
            .map(|v| (latency.backend_coord(&(v, 0.0)).0, ms_tick(v)))
            .collect();
        draw_x_ticks(root, frame, &ticks, 20)?;

        if let Some(slo) = self.slo_p99_ms {
            let (x, _) = latency.backend_coord(&(slo, 0.0));
            root.draw(&DashedPathElement::new(
                vec![(x, frame.top), (x, frame.bottom)],
                6,
                4,
                SLO_COLOR.stroke_width(2),
            ))?;
        }

        // The pair sits together around the row's centre: p50 above, p99 below.
        let pair_px = (0.17 * slot_px).min(MAX_BAR_PX * 0.6);
        let (pair_half, pair_offset) = (pair_px / 2.0 / slot_px, (pair_px / 2.0 + 2.0) / slot_px);
        let label_bg = WHITE.mix(0.85).filled();
        for (i, row) in self.rows.iter().enumerate() {
            let Some((p50, p99)) = row.latency else {
                let (_, y) = latency.backend_coord(&(lo, centre(i)));
                let grey = BLACK.mix(0.6);
                let style = TextStyle::from((FONT, 13)).color(&grey).pos(Pos::new(HPos::Left, VPos::Center));
                root.draw_text("no readings delivered", &style, (frame.left + 8, y))?;
                continue;
            };
            for (value, offset, color, ok, tag) in
                [(p50, pair_offset, P50_COLOR, true, "p50"), (p99, -pair_offset, P99_COLOR, row.p99_ok, "p99")]
            {
                let y = centre(i) + offset;
                let v = value.clamp(lo, hi);
                latency.draw_series([Rectangle::new([(lo, y - pair_half), (v, y + pair_half)], color.filled())])?;
                let (end, y_px) = latency.backend_coord(&(v, y));
                let label = format!("{tag} {}", latency_label(value));
                let style = value_style(ok, HPos::Left);
                let (w, h) = root.estimate_text_size(&label, &style)?;
                let (w, h) = (w as i32, h as i32);
                root.draw(&Rectangle::new([(end + 3, y_px - h / 2 - 1), (end + 7 + w, y_px + h / 2 + 1)], label_bg))?;
                root.draw_text(&label, &style, (end + 5, y_px))?;
            }
        }

        let mut entries = vec![
            LegendEntry { mark: Mark::Square(DELIVERY_COLOR), label: "delivery ratio".to_string() },
            LegendEntry { mark: Mark::Square(P50_COLOR), label: "median (p50)".to_string() },
            LegendEntry { mark: Mark::Square(P99_COLOR), label: "p99".to_string() },
        ];
        if let Some(min) = self.slo_delivery {
            entries.push(LegendEntry {
                mark: Mark::Dashed(SLO_COLOR),
                label: format!("SLO: delivery ≥ {} %", plain_number(min * 100.0)),
            });
        }
        if let Some(max) = self.slo_p99_ms {
            entries.push(LegendEntry {
                mark: Mark::Dashed(SLO_COLOR),
                label: format!("SLO: p99 ≤ {}", latency_label(max)),
            });
        }
        draw_legend(&legend_area, 40, "Bars", &entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::report::{PipelineBlock, SloCheck};
    use crate::output::charts::pipeline_panels::sample_pipeline;
    use crate::output::sample_report;

    /// `chart` drawn as SVG, in memory.
    fn svg_of(chart: &DesignsChart) -> String {
        crate::output::charts::svg_string(chart).expect("draw")
    }

    /// The sample report with the sample pipeline, held to delivering 99 % of its readings.
    fn pipeline_report() -> Report {
        let mut report = sample_report();
        let block = sample_pipeline();
        report.slo.checks = block
            .comparison
            .iter()
            .map(|d| SloCheck {
                name: DELIVERY_CHECK,
                design: Some(d.name.clone()),
                threshold: 0.99,
                actual: d.delivery_ratio,
                ok: d.delivery_ratio >= 0.99,
            })
            .collect();
        report.pipeline = Some(block);
        report
    }

    #[test]
    fn one_row_per_design() {
        let chart = DesignsChart::new(&pipeline_report());
        let names: Vec<&str> = chart.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["direct", "aggregated"]);
        let direct = &chart.rows[0];
        assert!(direct.bottleneck.starts_with("busiest hop: store, "), "{}", direct.bottleneck);
        assert!(!direct.delivery_ok && direct.p99_ok);
        assert!(chart.rows[1].delivery_ok);
        let (p50, p99) = direct.latency.expect("delivered");
        assert!(0.0 < p50 && p50 < p99);
        let (lo, hi) = chart.axis;
        assert!(lo <= p50 && hi >= p99 * 4.0, "{:?}", chart.axis);
        assert_eq!((chart.slo_delivery, chart.slo_p99_ms), (Some(0.99), None));
        // The overloaded design delivers less than 95 %, so the axis starts lower.
        assert!(chart.delivery_from < 0.95, "{}", chart.delivery_from);
    }

    #[test]
    fn ratios_are_never_rounded_up_to_full_delivery() {
        assert_eq!(ratio_label(1.0), "100.00 %");
        assert_eq!(ratio_label(0.99999), "99.99 %");
        assert_eq!(ratio_label(0.5), "50.00 %");
        assert_eq!(delivery_from(1.0), 0.99);
        assert_eq!(delivery_from(0.995), 0.99);
        assert_eq!(delivery_from(0.99), 0.98);
        assert_eq!(delivery_from(0.93), 0.8);
        assert_eq!(delivery_from(0.6), 0.0);
    }

    #[test]
    fn renders_rows_and_objectives() {
        let svg = svg_of(&DesignsChart::new(&pipeline_report()));
        assert!(svg.contains("Pipeline designs compared — Test town"));
        assert!(svg.contains("direct") && svg.contains("aggregated"));
        assert!(svg.contains("busiest hop: store"));
        assert!(svg.contains("Delivery ratio") && svg.contains("End-to-end latency"));
        assert!(svg.contains("Latency (log scale)") && svg.contains("Readings out / readings in (axis from 80 %)"));
        assert!(svg.contains("p99 ") && svg.contains("p50 "));
        assert!(svg.contains("SLO: delivery ≥ 99 %"));
    }

    #[test]
    fn no_pipeline_or_nothing_delivered_is_not_an_error() {
        let chart = DesignsChart::new(&sample_report());
        assert!(chart.rows.is_empty());
        assert!(svg_of(&chart).contains(NO_PIPELINE));
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        assert!(tmp.path().join("designs.png").exists());

        let mut report = sample_report();
        let mut block = sample_pipeline();
        for d in &mut block.comparison {
            d.readings_out = 0;
            d.delivery_ratio = 0.0;
            d.latency_ms = Default::default();
        }
        let many: Vec<_> =
            (0..15).map(|i| DesignSummary { name: format!("d{i}"), ..block.comparison[0].clone() }).collect();
        report.pipeline = Some(PipelineBlock { comparison: many, designs: block.designs });
        let chart = DesignsChart::new(&report);
        assert_eq!(chart.rows.len(), MAX_DESIGNS);
        assert!(chart.subtitle.ends_with("first 12 of 15 designs shown"));
        let svg = svg_of(&chart);
        assert!(svg.contains("no readings delivered") && svg.contains("0.00 %"));
    }
}
