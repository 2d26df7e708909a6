//! `charts/pipeline_latency.{svg,png}`: latency distributions of the data pipeline, one panel
//! per design (the first [`MAX_PANELS`]): a cumulative line per hop (its sojourn, arrival at
//! the hop to leaving it) in the hop's colour, and a thick black end-to-end line counted from each
//! reading's intended send time, on a shared log axis from microseconds to minutes. The
//! end-to-end 99th percentile is marked in every panel, and the scenario's p99 objective is drawn
//! when it sets one. A point (x, y) reads "a share y of the readings took at most x".

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::log_axis::{PlotBox, draw_note, draw_x_ticks, latency_label, log_bounds, log_ticks, ms_tick};
use super::pipeline_panels::{MAX_PANELS, Pair, color_of, frame, hidden_note, hop_colors, panel_areas, panel_heading};
use super::{Chart, DrawResult, FONT, LegendEntry, Mark, draw_legend, group_digits};
use crate::metrics::report::Report;
use crate::pipeline::LatencyRecorder;

/// Width of the legend panel on the right.
const LEGEND_W: u32 = 300;
/// Distance of the legend's heading from the top of its panel, in pixels.
const LEGEND_TOP: i32 = 40;
/// The axis never starts below a microsecond, the recorders' resolution.
const FLOOR_MS: f64 = 0.001;
/// Latencies within this factor of a step's first one share its corner: under a pixel on the
/// axis, and it keeps a histogram of thousands of buckets to a few hundred points, so thick
/// lines are not drawn as a fringe of tiny segments.
const MERGE_FACTOR: f64 = 1.03;
/// The marked percentile of end-to-end latency.
const MARKED: f64 = 0.99;
/// Height of the p99 label, as a share of readings.
const LABEL_AT: f64 = 0.06;
/// Top of the y axis: a sliver above 100 % so a line there is not hidden by the frame.
const Y_MAX: f64 = 1.02;
/// The SLO line gets the red of the palette, used for nothing else here.
pub(crate) const SLO_COLOR: RGBColor = RGBColor(214, 39, 40);
/// The p99 marker: dark grey, apart from every hop colour and from the black line it sits on.
const MARKER_COLOR: RGBColor = RGBColor(70, 70, 70);
/// Name of the p99 objective in the report's SLO checks.
pub(crate) const P99_CHECK: &str = "pipeline_p99_max_ms";

/// One distribution's line.
#[derive(Clone, Debug, PartialEq)]
struct Curve {
    color: RGBColor,
    width: u32,
    /// (latency ms, cumulative share) corners of the line.
    steps: Vec<(f64, f64)>,
}

/// One design's panel.
#[derive(Debug)]
struct Panel {
    name: String,
    /// "140,757 of 140,757 readings delivered".
    detail: String,
    /// Hops with any passed message, in chain order.
    hops: Vec<Curve>,
    /// None when nothing was delivered.
    end_to_end: Option<Curve>,
    /// End-to-end p99, ms.
    p99_ms: Option<f64>,
}

/// The pipeline latency chart, with its lines prepared once for both backends.
#[derive(Debug)]
pub struct PipelineLatencyChart {
    title: String,
    subtitle: String,
    /// The first [`MAX_PANELS`] designs, in scenario order; empty without a pipeline.
    panels: Vec<Panel>,
    /// Hop names and colours, for the legend.
    colors: Vec<(String, RGBColor)>,
    /// The latency axis, ms.
    axis: (f64, f64),
    /// The scenario's p99 objective, ms.
    slo_p99_ms: Option<f64>,
}

impl PipelineLatencyChart {
    /// Turns each design's latency histograms in `report` into lines.
    pub fn new(report: &Report) -> Self {
        let designs = report.pipeline.as_ref().map_or(&[][..], |p| &p.designs[..]);
        let shown = &designs[..designs.len().min(MAX_PANELS)];
        let colors = hop_colors(shown);
        let slo_p99_ms = report
            .slo
            .checks
            .iter()
            .find(|c| c.name == P99_CHECK)
            .map(|c| c.threshold)
            .filter(|t| t.is_finite() && *t > 0.0);

        // One axis for every panel, so designs compare at a glance.
        let recorders = shown
            .iter()
            .flat_map(|d| d.report.hops.iter().map(|h| &h.sojourn).chain([&d.report.end_to_end.latency]))
            .filter(|r| r.count > 0);
        let (min, max) = recorders.fold((f64::INFINITY, 0.0f64), |(lo, hi), r| {
            let first = r.min_us.max(1) as f64 / 1000.0;
            (lo.min(first), hi.max(r.max_us as f64 / 1000.0))
        });
        let max = slo_p99_ms.map_or(max, |s| max.max(s));
        let min = slo_p99_ms.map_or(min, |s| min.min(s));
        let axis = log_bounds(min, max, FLOOR_MS);

        let curve = |r: &LatencyRecorder, color: RGBColor, width: u32| {
            (r.count > 0).then(|| Curve { color, width, steps: cdf_line(&r.cdf_ms(), axis) })
        };
        let panels = shown
            .iter()
            .map(|d| {
                let e = &d.report.end_to_end;
                Panel {
                    name: d.name.clone(),
                    detail: format!(
                        "{} of {} readings delivered",
                        group_digits(e.delivered_readings),
                        group_digits(e.published_readings)
                    ),
                    hops: d
                        .report
                        .hops
                        .iter()
                        .filter_map(|h| curve(&h.sojourn, color_of(&colors, &h.name), 2))
                        .collect(),
                    end_to_end: curve(&e.latency, BLACK, 3),
                    p99_ms: (e.latency.count > 0).then_some(e.latency_ms.p99),
                }
            })
            .collect();

        let mut subtitle = "share of readings through each hop within a given time (its sojourn) and end to end, \
                            counted from each reading's intended send time"
            .to_string();
        if let Some(note) = hidden_note(designs.len()) {
            subtitle = format!("{subtitle}; {note}");
        }
        PipelineLatencyChart {
            title: format!("Pipeline latency — {}", report.scenario.name),
            subtitle,
            panels,
            colors,
            axis,
            slo_p99_ms,
        }
    }
}

/// The line of an empirical CDF given as ascending (latency ms, share at or below) points, with
/// latencies kept on the axis `lo..hi`: from 0 at the smallest latency through the top corner of
/// every step. Latencies within [`MERGE_FACTOR`] of each other share one corner; joining
/// corners rather than drawing every riser keeps thick lines free of notches.
fn cdf_line(cdf: &[(f64, f64)], (lo, hi): (f64, f64)) -> Vec<(f64, f64)> {
    let mut line = Vec::new();
    let mut i = 0;
    while i < cdf.len() {
        let x = cdf[i].0.clamp(lo, hi);
        let mut j = i;
        while j + 1 < cdf.len() && cdf[j + 1].0.clamp(lo, hi) <= x * MERGE_FACTOR {
            j += 1;
        }
        if line.is_empty() {
            line.push((x, 0.0));
        }
        line.push((x, cdf[j].1));
        i = j + 1;
    }
    line
}

impl Chart for PipelineLatencyChart {
    const NAME: &'static str = "pipeline_latency";
    const SIZE: (u32, u32) = (1400, 800);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let Some((plot_area, legend_area)) = frame(root, &self.title, &self.subtitle, self.panels.len(), LEGEND_W)?
        else {
            return Ok(());
        };

        let areas = panel_areas(&plot_area, self.panels.len(), Pair::SideBySide);
        for (panel, area) in self.panels.iter().zip(&areas) {
            self.draw_panel(root, area, panel)?;
        }

        let mut entries =
            vec![LegendEntry { mark: Mark::Line { color: BLACK, width: 3 }, label: "end to end".to_string() }];
        entries.extend(
            self.colors
                .iter()
                .map(|(name, color)| LegendEntry { mark: Mark::Line { color: *color, width: 2 }, label: name.clone() }),
        );
        entries.push(LegendEntry { mark: Mark::Dot(MARKER_COLOR), label: "end-to-end p99".to_string() });
        if let Some(slo) = self.slo_p99_ms {
            entries.push(LegendEntry {
                mark: Mark::Dashed(SLO_COLOR),
                label: format!("SLO: p99 ≤ {}", latency_label(slo)),
            });
        }
        draw_legend(&legend_area, LEGEND_TOP, "Latency of", &entries)
    }
}

impl PipelineLatencyChart {
    /// Draws one design's panel on `area`, writing on `root` in backend pixels.
    fn draw_panel<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
    ) -> DrawResult<DB> {
        let inner = panel_heading(area, &panel.name, &panel.detail)?;
        let (lo, hi) = self.axis;
        let mut chart = ChartBuilder::on(&inner)
            .margin(10)
            .margin_right(25)
            .x_label_area_size(48)
            .y_label_area_size(62)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..Y_MAX)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_label_formatter(&|_| String::new())
            .y_labels(6)
            .y_label_formatter(&|v: &f64| format!("{:.0} %", v * 100.0))
            .x_desc("Latency (log scale)")
            .y_desc("Share of readings")
            .axis_desc_style((FONT, 15))
            .label_style((FONT, 13))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04))
            .draw()?;

        let frame = PlotBox::of(chart.plotting_area());
        let max_ticks = ((frame.right - frame.left) / 50).max(2) as usize;
        let ticks: Vec<(i32, String)> =
            log_ticks(lo, hi, max_ticks).into_iter().map(|v| (chart.backend_coord(&(v, 0.0)).0, ms_tick(v))).collect();
        draw_x_ticks(root, frame, &ticks, 20)?;

        // A faint guide at 99 %, where the tail starts.
        let (_, y99) = chart.backend_coord(&(lo, MARKED));
        let guide = BLACK.mix(0.35).stroke_width(1);
        root.draw(&DashedPathElement::new(vec![(frame.left, y99), (frame.right, y99)], 3, 4, guide))?;

        if let Some(slo) = self.slo_p99_ms {
            let (x, _) = chart.backend_coord(&(slo, 0.0));
            let style = SLO_COLOR.stroke_width(2);
            root.draw(&DashedPathElement::new(vec![(x, frame.top), (x, frame.bottom)], 6, 4, style))?;
        }

        for curve in panel.hops.iter().chain(&panel.end_to_end) {
            chart.draw_series(LineSeries::new(curve.steps.iter().copied(), curve.color.stroke_width(curve.width)))?;
        }

        match (&panel.end_to_end, panel.p99_ms) {
            (Some(_), Some(p99)) => {
                let (x, _) = chart.backend_coord(&(p99.clamp(lo, hi), 0.0));
                let marker = MARKER_COLOR.stroke_width(2);
                root.draw(&DashedPathElement::new(vec![(x, y99), (x, frame.bottom)], 6, 4, marker))?;
                root.draw(&Circle::new((x, y99), 5, MARKER_COLOR.filled()))?;
                // Right of the line near its foot, where the end-to-end line and the hops have
                // mostly risen already; pulled left over the line near the plot's edge.
                let label = format!("p99 {}", latency_label(p99));
                let style = TextStyle::from((FONT, 14, FontStyle::Bold)).color(&MARKER_COLOR);
                let (w, h) = root.estimate_text_size(&label, &style)?;
                let (w, h) = (w as i32, h as i32);
                let left = (x + 8).min(frame.right - 4 - w);
                let (_, y) = chart.backend_coord(&(lo, LABEL_AT));
                root.draw(&Rectangle::new(
                    [(left - 3, y - h / 2 - 3), (left + w + 3, y + h / 2 + 3)],
                    WHITE.mix(0.9).filled(),
                ))?;
                root.draw_text(&label, &style.pos(Pos::new(HPos::Left, VPos::Center)), (left, y))?;
            }
            _ => draw_note(root, "no readings delivered", frame.centre())?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::report::{PipelineBlock, SloCheck};
    use crate::output::charts::pipeline_panels::NO_PIPELINE;
    use crate::output::charts::pipeline_panels::sample_pipeline;
    use crate::output::sample_report;

    /// `chart` drawn as SVG, in memory.
    fn svg_of(chart: &PipelineLatencyChart) -> String {
        crate::output::charts::svg_string(chart).expect("draw")
    }

    /// The sample report with the sample pipeline and a 2-minute p99 objective for each design.
    fn pipeline_report() -> Report {
        let mut report = sample_report();
        let block = sample_pipeline();
        report.slo.checks = block
            .comparison
            .iter()
            .map(|d| SloCheck {
                name: P99_CHECK,
                design: Some(d.name.clone()),
                threshold: 120_000.0,
                actual: d.latency_ms.p99,
                ok: d.latency_ms.p99 <= 120_000.0,
            })
            .collect();
        report.pipeline = Some(block);
        report
    }

    #[test]
    fn lines_rise_from_zero_to_one() {
        let cdf = [(1.0, 0.25), (1.001, 0.5), (4.0, 0.75), (90.0, 1.0)];
        assert_eq!(cdf_line(&cdf, (0.5, 50.0)), [(1.0, 0.0), (1.0, 0.5), (4.0, 0.75), (50.0, 1.0)]);
        // A hop that always takes the same time is a riser.
        assert_eq!(cdf_line(&[(0.0, 1.0)], (0.01, 1.0)), [(0.01, 0.0), (0.01, 1.0)]);
        assert!(cdf_line(&[], (0.5, 50.0)).is_empty());
    }

    #[test]
    fn one_panel_per_design_with_a_line_per_hop() {
        let chart = PipelineLatencyChart::new(&pipeline_report());
        let names: Vec<&str> = chart.panels.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["direct", "aggregated"]);
        assert_eq!(chart.panels[0].hops.len(), 2);
        assert_eq!(chart.panels[1].hops.len(), 3);
        // The store is orange in both panels: hop colours follow the name, not the position.
        assert_eq!(chart.panels[0].hops[1].color, chart.panels[1].hops[2].color);
        for panel in &chart.panels {
            let e2e = panel.end_to_end.as_ref().expect("delivered");
            assert_eq!(e2e.steps.last().map(|p| p.1), Some(1.0));
            assert!(e2e.steps.len() < 2000, "{}", e2e.steps.len());
            assert!(panel.p99_ms.is_some_and(|p| p > 0.0));
        }
        let (lo, hi) = chart.axis;
        assert!(lo >= FLOOR_MS && hi >= 120_000.0, "{:?}", chart.axis);
        assert_eq!(chart.slo_p99_ms, Some(120_000.0));
    }

    #[test]
    fn renders_panels_legend_and_markers() {
        let chart = PipelineLatencyChart::new(&pipeline_report());
        let svg = svg_of(&chart);
        assert!(svg.contains("Pipeline latency — Test town"));
        assert!(svg.contains("direct") && svg.contains("aggregated"));
        assert!(svg.contains("Latency (log scale)") && svg.contains("Share of readings"));
        assert!(svg.contains("end to end") && svg.contains("gateway") && svg.contains("store"));
        assert!(svg.contains("p99 ") && svg.contains("SLO: p99 ≤ 120 s"));
        assert!(svg.lines().any(|l| l == "1 s") && svg.lines().any(|l| l == "100 ms"), "latency ticks with units");
        assert!(!svg.contains(NO_PIPELINE));
    }

    #[test]
    fn only_the_first_designs_get_panels() {
        let mut report = pipeline_report();
        let block = report.pipeline.take().expect("block");
        let mut designs = Vec::new();
        for i in 0..3 {
            for d in &block.designs {
                let mut d = d.clone();
                d.name = format!("{} {i}", d.name);
                designs.push(d);
            }
        }
        report.pipeline = Some(PipelineBlock { comparison: Vec::new(), designs });
        let chart = PipelineLatencyChart::new(&report);
        assert_eq!(chart.panels.len(), MAX_PANELS);
        assert!(chart.subtitle.ends_with("first 4 of 6 designs shown"));
        assert!(svg_of(&chart).contains("aggregated 1"));
    }

    #[test]
    fn no_pipeline_or_nothing_delivered_is_not_an_error() {
        let chart = PipelineLatencyChart::new(&sample_report());
        assert!(chart.panels.is_empty());
        assert!(svg_of(&chart).contains(NO_PIPELINE));
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        assert!(tmp.path().join("pipeline_latency.png").exists());

        let mut report = sample_report();
        let mut block = sample_pipeline();
        for d in &mut block.designs {
            for h in &mut d.report.hops {
                h.sojourn = LatencyRecorder::default();
            }
            d.report.end_to_end.latency = LatencyRecorder::default();
        }
        report.pipeline = Some(block);
        let chart = PipelineLatencyChart::new(&report);
        assert!(chart.panels.iter().all(|p| p.end_to_end.is_none() && p.hops.is_empty()));
        assert!(svg_of(&chart).contains("no readings delivered"));
    }
}
