//! Shared by the load-ramp charts (`ramp_latency`, `ramp_loss`): one line per design over the
//! readings offered to the pipeline per second (log axis), joined in stage order with a marker
//! per stage (filled within the SLO, hollow once broken), each design's knee marked, the SLO as
//! a dashed line and each stage's load factor written above the plot. The charts differ only in
//! what they put on the y axis, which they hand over as a [`YAxis`] and per-point values.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::log_axis::{
    PlotBox, draw_note, draw_x_ticks, draw_y_ticks, log_bounds, log_ticks, plain_number, rate_label,
};
use super::pipeline_latency::SLO_COLOR;
use super::{DrawResult, FONT, LegendEntry, Mark, TABLEAU10, draw_legend, draw_title, rimmed_triangle};
use crate::ramp::{RampBy, RampPoint, RampReport};

/// Width of the legend panel on the right.
const LEGEND_W: u32 = 340;
/// Distance of the legend's heading from the top of its panel, in pixels.
const LEGEND_TOP: i32 = 40;
/// The offered-load axis never starts below this, readings per second.
const X_FLOOR: f64 = 0.001;
/// Legend marks that explain the markers.
const KEY_COLOR: RGBColor = RGBColor(90, 90, 90);
/// The note drawn when the ramp ran no stage with a design in it.
pub(crate) const NO_STAGES: &str = "No ramp stages with pipeline designs to chart";

/// The y axis of a ramp chart: logarithmic over `lo..hi`, with an optional row below `lo` for
/// values of exactly zero (a log axis has no zero).
#[derive(Clone, Debug)]
pub(crate) struct YAxis {
    /// Axis description.
    pub desc: &'static str,
    /// Bottom and top of the log range proper.
    pub lo: f64,
    /// Top of the axis.
    pub hi: f64,
    /// Where zero is drawn, below `lo` (None: the chart has no zero values to show).
    pub zero_row: Option<f64>,
    /// Tick label of a value.
    pub tick: fn(f64) -> String,
    /// Tick label of the zero row.
    pub zero_label: &'static str,
}

impl YAxis {
    /// The bottom of the drawn axis: a little below the zero row, or `lo`.
    fn bottom(&self) -> f64 {
        self.zero_row.map_or(self.lo, |z| z / 1.6)
    }

    /// Where `v` is drawn: zero on its row, anything else kept within the axis.
    fn place(&self, v: f64) -> f64 {
        match self.zero_row {
            Some(z) if v <= 0.0 => z,
            _ => v.clamp(self.lo, self.hi),
        }
    }
}

/// One stage of one design.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Point {
    /// Readings offered per second.
    pub x: f64,
    /// The chart's value (None: nothing to show, e.g. no p99 when nothing was delivered).
    pub y: Option<f64>,
    /// Whether the design met its SLO at this stage.
    pub ok: bool,
}

/// One design's line.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Series {
    pub design: String,
    pub color: RGBColor,
    /// In stage order.
    pub points: Vec<Point>,
    /// The stage at its knee (the highest load it sustained), if it sustained any.
    pub knee: Option<Point>,
    /// "raw: sustained 6.52/s, broke at 12.8/s".
    pub legend: String,
}

/// A ramp chart, with its lines prepared once for both backends.
#[derive(Debug)]
pub(crate) struct RampPlot {
    pub title: String,
    pub subtitle: String,
    pub series: Vec<Series>,
    /// Offered readings per second.
    pub x_axis: (f64, f64),
    pub y_axis: YAxis,
    /// The SLO's y value and legend text.
    pub slo: Option<(f64, String)>,
    /// (offered readings per second, load factor) of each stage, for the labels above the plot.
    pub stages: Vec<(f64, f64)>,
}

impl RampPlot {
    /// Lines for every design of `report`, with `value` picking each point's y from its stage.
    /// `title` is the chart's headline (the scenario name is added); the axes and the SLO line
    /// come from the caller, which sees the values first (see [`RampPlot::values`]).
    pub(crate) fn new(
        report: &RampReport,
        title: &str,
        value: impl Fn(&RampPoint) -> Option<f64>,
        y_axis: YAxis,
        slo: Option<(f64, String)>,
    ) -> Self {
        let mut names: Vec<&str> = report.knees.iter().map(|k| k.design.as_str()).collect();
        for stage in &report.stages {
            for p in &stage.designs {
                if !names.contains(&p.design.as_str()) {
                    names.push(&p.design);
                }
            }
        }

        let series: Vec<Series> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let points: Vec<Point> = report
                    .stages
                    .iter()
                    .flat_map(|s| s.designs.iter().find(|p| p.design == *name))
                    .filter(|p| p.offered_per_s.is_finite() && p.offered_per_s > 0.0)
                    .map(|p| Point { x: p.offered_per_s, y: value(p).filter(|v| v.is_finite()), ok: p.ok })
                    .collect();
                let knee = report.knees.iter().find(|k| k.design == *name);
                let sustained = knee.and_then(|k| k.sustained_per_s);
                let knee_point = sustained.and_then(|x| points.iter().copied().find(|p| p.ok && p.x == x));
                let legend = match (sustained, knee.and_then(|k| k.broke_at_per_s)) {
                    (Some(s), Some(b)) => {
                        format!("{name}: sustained {}/s, broke at {}/s", rate_label(s), rate_label(b))
                    }
                    (Some(s), None) => format!("{name}: sustained {}/s, never broke", rate_label(s)),
                    (None, Some(b)) => format!("{name}: broke at the first stage ({}/s)", rate_label(b)),
                    (None, None) => name.to_string(),
                };
                Series {
                    design: name.to_string(),
                    color: TABLEAU10[i % TABLEAU10.len()],
                    points,
                    knee: knee_point,
                    legend,
                }
            })
            .filter(|s| !s.points.is_empty())
            .collect();

        // All designs see the same traffic, so a stage's load is the same for each of them.
        let stages: Vec<(f64, f64)> = report
            .stages
            .iter()
            .filter_map(|s| {
                let x = s.designs.iter().map(|p| p.offered_per_s).filter(|x| x.is_finite()).fold(0.0, f64::max);
                (x > 0.0).then_some((x, s.factor))
            })
            .collect();
        let xs = stages.iter().map(|s| s.0);
        let (min, max) = xs.fold((f64::INFINITY, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));

        let by = match report.by {
            RampBy::Count => "sensor count",
            RampBy::Rate => "report rate",
        };
        let mut subtitle =
            format!("each stage multiplies the {by} (factors above the plot); all designs see the same readings");
        if stages.windows(2).any(|w| w[1].0 < w[0].0) {
            subtitle.push_str("; a saturated radio can offer a later stage less");
        }
        RampPlot {
            title: format!("{title} — {}", report.scenario),
            subtitle,
            series,
            x_axis: log_bounds(min, max, X_FLOOR),
            y_axis,
            slo,
            stages,
        }
    }

    /// Every finite value `value` picks out of `report`, for the caller's axis bounds.
    pub(crate) fn values(report: &RampReport, value: impl Fn(&RampPoint) -> Option<f64>) -> Vec<f64> {
        report.stages.iter().flat_map(|s| &s.designs).filter_map(value).filter(|v| v.is_finite()).collect()
    }

    /// Draws the chart on `root`.
    pub(crate) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(root, &self.title, Some(&self.subtitle))?;
        let (width, _) = body.dim_in_pixel();
        let (plot_area, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));

        let (x_lo, x_hi) = self.x_axis;
        let y = &self.y_axis;
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(15)
            .margin_top(38)
            .margin_right(30)
            .x_label_area_size(50)
            .y_label_area_size(75)
            .build_cartesian_2d((x_lo..x_hi).log_scale(), (y.bottom()..y.hi).log_scale())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(0)
            .y_labels(0)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .x_desc("Readings offered to the pipeline per second (log scale)")
            .y_desc(y.desc)
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 13))
            .draw()?;
        let frame = PlotBox::of(chart.plotting_area());

        if self.series.is_empty() {
            return draw_note(root, NO_STAGES, frame.centre());
        }

        let max_x = ((frame.right - frame.left) / 45).max(2) as usize;
        let x_ticks: Vec<(i32, String)> = log_ticks(x_lo, x_hi, max_x)
            .into_iter()
            .map(|v| (chart.backend_coord(&(v, y.hi)).0, plain_number(v)))
            .collect();
        draw_x_ticks(root, frame, &x_ticks, 20)?;
        let max_y = ((frame.bottom - frame.top) / 28).max(2) as usize;
        let mut y_ticks: Vec<(i32, String)> = log_ticks(y.lo, y.hi, max_y)
            .into_iter()
            .map(|v| (chart.backend_coord(&(x_lo, v)).1, (y.tick)(v)))
            .collect();
        if let Some(z) = y.zero_row {
            y_ticks.push((chart.backend_coord(&(x_lo, z)).1, y.zero_label.to_string()));
            // A break in the axis between zero and the log range.
            let (_, gap) = chart.backend_coord(&(x_lo, (z * y.lo).sqrt()));
            let style = BLACK.mix(0.45).stroke_width(1);
            root.draw(&DashedPathElement::new(vec![(frame.left, gap), (frame.right, gap)], 2, 3, style))?;
        }
        draw_y_ticks(root, frame, &y_ticks)?;

        let factors: Vec<(i32, f64)> =
            self.stages.iter().map(|&(x, factor)| (chart.backend_coord(&(x, y.hi)).0, factor)).collect();
        draw_stage_factors(root, &factors, frame)?;

        if let Some((v, _)) = &self.slo {
            let (_, sy) = chart.backend_coord(&(x_lo, y.place(*v)));
            let style = SLO_COLOR.stroke_width(2);
            root.draw(&DashedPathElement::new(vec![(frame.left, sy), (frame.right, sy)], 8, 5, style))?;
        }

        for s in &self.series {
            // Joined in stage order; a stage without a value breaks the line.
            let mut run: Vec<(f64, f64)> = Vec::new();
            for p in &s.points {
                match p.y {
                    Some(v) => run.push((p.x, y.place(v))),
                    None => {
                        chart.draw_series(LineSeries::new(run.drain(..), s.color.stroke_width(2)))?;
                    }
                }
            }
            chart.draw_series(LineSeries::new(run, s.color.stroke_width(2)))?;
        }
        for s in &self.series {
            for p in &s.points {
                let Some(v) = p.y else { continue };
                let at = chart.backend_coord(&(p.x, y.place(v)));
                if p.ok {
                    root.draw(&Circle::new(at, 5, s.color.filled()))?;
                } else {
                    root.draw(&Circle::new(at, 5, WHITE.filled()))?;
                    root.draw(&Circle::new(at, 5, s.color.stroke_width(2)))?;
                }
            }
            if let Some(Point { x, y: Some(v), .. }) = s.knee {
                let (kx, ky) = chart.backend_coord(&(x, y.place(v)));
                rimmed_triangle(root, (kx, ky - 15), 11, s.color)?;
            }
        }

        let mut entries: Vec<LegendEntry> = self
            .series
            .iter()
            .map(|s| LegendEntry { mark: Mark::Line { color: s.color, width: 2 }, label: s.legend.clone() })
            .collect();
        entries.push(LegendEntry { mark: Mark::Dot(KEY_COLOR), label: "stage within the SLO".to_string() });
        entries.push(LegendEntry { mark: Mark::Ring(KEY_COLOR), label: "stage that broke it".to_string() });
        entries
            .push(LegendEntry { mark: Mark::Triangle(KEY_COLOR), label: "knee: highest load sustained".to_string() });
        if let Some((_, label)) = &self.slo {
            entries.push(LegendEntry { mark: Mark::Dashed(SLO_COLOR), label: label.clone() });
        }
        draw_legend(&legend_area, LEGEND_TOP, "Design", &entries)
    }
}

/// Writes each stage's load factor ("×4") above `frame` at its backend x pixel, skipping any
/// that would crowd one already written (a saturated radio can offer a later stage less).
fn draw_stage_factors<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    factors: &[(i32, f64)],
    frame: PlotBox,
) -> DrawResult<DB> {
    let grey = BLACK.mix(0.55);
    let style = TextStyle::from((FONT, 12)).color(&grey).pos(Pos::new(HPos::Center, VPos::Bottom));
    let mut placed: Vec<(i32, i32)> = Vec::new();
    for &(px, factor) in factors {
        let label = format!("×{}", plain_number(factor));
        let w = root.estimate_text_size(&label, &style)?.0 as i32;
        let span = (px - w / 2 - 3, px + w / 2 + 3);
        if placed.iter().any(|&(a, b)| span.0 < b && a < span.1) {
            continue;
        }
        placed.push(span);
        root.draw(&PathElement::new(vec![(px, frame.top - 4), (px, frame.top)], grey.stroke_width(1)))?;
        root.draw_text(&label, &style, (px, frame.top - 6))?;
    }
    Ok(())
}

/// A small ramp for tests: two designs over four stages of doubling load, the first breaking its
/// SLO at the third stage (losing readings and waiting minutes), the second never; at the last
/// stage the radio is saturated and offers the pipeline less than before.
#[cfg(test)]
pub(crate) fn sample_ramp() -> RampReport {
    use crate::ramp::{Knee, RAMP_SCHEMA, RampStage};

    let point = |design: &str, offered: f64, ratio: f64, p99_ms: f64, ok: bool| RampPoint {
        design: design.to_string(),
        offered_per_s: offered,
        delivered_per_s: offered * ratio,
        delivery_ratio: ratio,
        p99_ms,
        bottleneck: "store".to_string(),
        bottleneck_utilisation: 0.5,
        ok,
    };
    let stage = |factor: f64, offered: f64, raw: (f64, f64, bool), agg: (f64, f64)| RampStage {
        factor,
        generated_per_s: offered * 1.02,
        radio_delivery_ratio: 0.98,
        designs: vec![point("raw", offered, raw.0, raw.1, raw.2), point("aggregated", offered, agg.0, agg.1, true)],
    };
    RampReport {
        schema: RAMP_SCHEMA.into(),
        scenario: "Ramp town".to_string(),
        by: RampBy::Count,
        delivery_min: 0.99,
        p99_max_ms: Some(10_000.0),
        stages: vec![
            stage(1.0, 6.5, (1.0, 2724.0, true), (1.0, 9208.0)),
            stage(2.0, 12.8, (0.995, 8100.0, true), (1.0, 4907.0)),
            stage(4.0, 24.4, (0.34, 618_660.0, false), (1.0, 2818.0)),
            stage(8.0, 20.1, (0.41, 617_000.0, false), (0.9999, 2500.0)),
        ],
        knees: vec![
            Knee {
                design: "raw".to_string(),
                sustained_per_s: Some(12.8),
                broke_at_factor: Some(4.0),
                broke_at_per_s: Some(24.4),
                broke_at_hop: Some("store".to_string()),
            },
            Knee {
                design: "aggregated".to_string(),
                sustained_per_s: Some(24.4),
                broke_at_factor: None,
                broke_at_per_s: None,
                broke_at_hop: None,
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis() -> YAxis {
        YAxis { desc: "y", lo: 0.01, hi: 1.0, zero_row: Some(0.004), tick: plain_number, zero_label: "0" }
    }

    #[test]
    fn lines_follow_the_stages_with_knees() {
        let plot = RampPlot::new(&sample_ramp(), "Test", |p| Some(p.p99_ms), axis(), None);
        assert_eq!(plot.title, "Test — Ramp town");
        let names: Vec<&str> = plot.series.iter().map(|s| s.design.as_str()).collect();
        assert_eq!(names, ["raw", "aggregated"]);
        let raw = &plot.series[0];
        assert_eq!(raw.points.iter().map(|p| p.x).collect::<Vec<_>>(), [6.5, 12.8, 24.4, 20.1]);
        assert_eq!(raw.points.iter().map(|p| p.ok).collect::<Vec<_>>(), [true, true, false, false]);
        assert_eq!(raw.knee.map(|p| (p.x, p.y)), Some((12.8, Some(8100.0))));
        assert_eq!(raw.legend, "raw: sustained 12.8/s, broke at 24.4/s");
        assert_eq!(plot.series[1].legend, "aggregated: sustained 24.4/s, never broke");
        assert_eq!(plot.stages, [(6.5, 1.0), (12.8, 2.0), (24.4, 4.0), (20.1, 8.0)]);
        assert_eq!(plot.x_axis, (5.0, 50.0));
        assert!(plot.subtitle.ends_with("a saturated radio can offer a later stage less"));
    }

    #[test]
    fn zero_sits_on_its_own_row() {
        let y = axis();
        assert_eq!(y.place(0.0), 0.004);
        assert_eq!(y.place(0.5), 0.5);
        assert_eq!(y.place(0.001), 0.01);
        assert_eq!(y.place(7.0), 1.0);
        assert_eq!(y.bottom(), 0.004 / 1.6);
        assert_eq!(YAxis { zero_row: None, ..axis() }.bottom(), 0.01);
    }
}
