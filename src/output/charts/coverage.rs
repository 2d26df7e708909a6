//! `charts/coverage.{svg,png}`: coverage of the city grid over simulated time, one line per
//! sensor kind, from the `coverage` rows of the time series (the share of the grid cells where a
//! kind is deployed that have a live sensor of that kind reporting). Failure windows are shaded
//! and labelled behind the lines as on the delivery-ratio chart, whose time axis it shares.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::delivery_ratio::{
    FailureLabels, Window, draw_time_legend, failure_windows, shade_failures, time_chart, time_unit, trim_tick,
};
use super::{Chart, DrawResult, FONT, LegendEntry, Mark, TABLEAU10, draw_title, group_digits};
use crate::metrics::report::Report;

/// The time-series metric plotted.
const METRIC: &str = "coverage";
/// Prefix of per-kind scopes.
const KIND: &str = "kind:";
/// Width of the legend panel on the right.
const LEGEND_W: u32 = 250;
/// Top of the y axis: a sliver above 100 % so a line there is not half hidden by the frame.
const Y_MAX: f64 = 1.02;
/// Stroke width of the first line drawn (the widest).
const MAX_WIDTH: u32 = 6;
/// The note drawn when the run has no coverage samples.
const NO_SAMPLES: &str = "no coverage samples in this run";

/// One sensor kind's line.
#[derive(Debug)]
struct Line {
    /// The kind, as the scenario names it.
    kind: String,
    color: RGBColor,
    /// Stroke width, pixels.
    width: u32,
    /// (time in the chart's unit, coverage 0..1), finite values only.
    points: Vec<(f64, f64)>,
}

/// The coverage chart, with its data prepared once for both backends.
#[derive(Debug)]
pub struct CoverageChart {
    title: String,
    /// What a covered cell is, on what grid.
    subtitle: String,
    /// "minutes", "hours" or "days".
    unit_name: &'static str,
    x_max: f64,
    /// One per kind, by name.
    lines: Vec<Line>,
    /// Failure windows that overlap the run, by start.
    windows: Vec<Window>,
}

impl CoverageChart {
    /// Picks the per-kind coverage series out of `report`.
    pub fn new(report: &Report) -> Self {
        let (unit_s, unit_name) = time_unit(report.simulated_seconds);
        // A bucket's coverage counts the cells heard from up to its end, so it is plotted there.
        let bucket_s = report.timeseries.bucket_s.max(0.0);

        let mut kinds: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
        for row in report.timeseries.rows.iter().filter(|r| r.metric == METRIC) {
            let Some(kind) = row.scope.strip_prefix(KIND) else { continue };
            if row.value.is_finite() && row.time_s.is_finite() {
                kinds.entry(kind).or_default().push(((row.time_s + bucket_s) / unit_s, row.value.clamp(0.0, 1.0)));
            }
        }
        // Kinds often sit together at 100 %: the first drawn is widest and the last thinnest, so
        // every line still shows as a stripe where they overlap.
        let n = kinds.len();
        let lines: Vec<Line> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, (kind, points))| Line {
                kind: kind.to_string(),
                color: TABLEAU10[i % TABLEAU10.len()],
                width: line_width(i, n),
                points,
            })
            .collect();

        let last_t = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)).fold(0.0, f64::max);
        let x_max = (report.simulated_seconds / unit_s).max(last_t);
        let x_max = if x_max > 0.0 { x_max } else { 1.0 };

        let grid = match report.resilience.grid {
            Some(g) if g.cell_m.is_finite() && g.cell_m > 0.0 => {
                format!(" ({n} × {n} grid, {} m cells)", group_digits(g.cell_m.round() as u64), n = g.cells_per_side)
            }
            _ => String::new(),
        };
        let subtitle =
            format!("Share of the cells where each kind is deployed with a live sensor of it reporting{grid}");

        CoverageChart {
            title: format!("Coverage over time — {}", report.scenario.name),
            subtitle,
            unit_name,
            x_max,
            lines,
            windows: failure_windows(&report.resilience.failures, 3600.0 / unit_s, x_max),
        }
    }
}

/// Stroke width of line `i` of `n` drawn in order: from [`MAX_WIDTH`] for the first down to 2
/// for the last.
fn line_width(i: usize, n: usize) -> u32 {
    if n <= 1 {
        return 2;
    }
    let steps = f64::from(MAX_WIDTH - 2) * (n - 1 - i.min(n - 1)) as f64 / (n - 1) as f64;
    2 + steps.round() as u32
}

/// A kind's legend text: its name with spaces for underscores, and its lowest coverage.
fn legend_label(line: &Line) -> String {
    let name = line.kind.replace('_', " ");
    match line.points.iter().map(|p| p.1).min_by(f64::total_cmp) {
        Some(min) => format!("{name} (min {})", percent(min)),
        None => name,
    }
}

/// A share as a whole percentage ("97 %"), or with one decimal just below 100 % so a small dent
/// does not read as none ("99.6 %").
fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p.round() >= 100.0 && p < 100.0 { format!("{p:.1} %") } else { format!("{p:.0} %") }
}

impl Chart for CoverageChart {
    const NAME: &'static str = "coverage";
    const SIZE: (u32, u32) = (1000, 600);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(root, &self.title, Some(&self.subtitle))?;
        let (width, _) = body.dim_in_pixel();
        let (plot_area, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));

        let labels = FailureLabels::layout(&plot_area, &self.windows, self.x_max);
        let mut chart = time_chart(&plot_area, &labels, self.x_max, 0.0..Y_MAX)?;
        chart
            .configure_mesh()
            .x_desc(format!("Simulated time ({})", self.unit_name))
            .y_desc("Grid cells covered")
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 13))
            .x_label_formatter(&|v: &f64| trim_tick(*v))
            .y_label_formatter(&|v: &f64| format!("{:.0} %", v * 100.0))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04))
            .draw()?;

        shade_failures(root, &chart, &self.windows, &labels, (0.0, Y_MAX))?;

        for line in &self.lines {
            chart.draw_series(LineSeries::new(line.points.iter().copied(), line.color.stroke_width(line.width)))?;
        }

        if self.lines.is_empty() {
            // Centred on the plot itself, not on the area around it.
            let style = TextStyle::from((FONT, 18)).pos(Pos::new(HPos::Center, VPos::Center));
            let centre = chart.backend_coord(&(self.x_max / 2.0, Y_MAX / 2.0));
            root.draw_text(NO_SAMPLES, &style, centre)?;
        }

        let entries: Vec<LegendEntry> = self
            .lines
            .iter()
            .map(|l| LegendEntry { mark: Mark::Line { color: l.color, width: l.width }, label: legend_label(l) })
            .collect();
        if entries.is_empty() && self.windows.is_empty() {
            // Nothing to explain: an empty legend would only distract from the note.
            return Ok(());
        }
        draw_time_legend(&legend_area, "Sensor kind", &entries, &self.windows, "points at bucket ends")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::report::{FailureWindow, GridInfo, Sample};
    use crate::output::sample_report;

    /// `chart` drawn as SVG, in memory.
    fn svg_of(chart: &CoverageChart) -> String {
        crate::output::charts::svg_string(chart).expect("draw")
    }

    /// The sample report (6 h, 15-minute buckets) with parking fully covered and street lights
    /// losing half their cells between 2 h and 3 h, during a power cut.
    fn report_with_coverage() -> Report {
        let mut report = sample_report();
        let bucket_s = report.timeseries.bucket_s;
        for b in 0..24 {
            let time_s = f64::from(b) * bucket_s;
            let lights = if (7200.0..10800.0).contains(&time_s) { 0.5 } else { 1.0 };
            for (kind, value) in [("streetlight_controller", lights), ("parking", 1.0)] {
                report.timeseries.rows.push(Sample {
                    time_s,
                    metric: "coverage",
                    scope: format!("kind:{kind}"),
                    value,
                });
            }
        }
        report.resilience.grid = Some(GridInfo { cells_per_side: 8, cell_m: 250.0 });
        report.resilience.failures = vec![FailureWindow {
            kind: "power",
            scope: "district North".to_string(),
            start_h: 2.0,
            end_h: 3.0,
            before: 0.99,
            lowest: 0.8,
            recovered_after_h: Some(1.0),
        }];
        report
    }

    #[test]
    fn one_line_per_kind_at_bucket_ends() {
        let chart = CoverageChart::new(&report_with_coverage());
        let kinds: Vec<&str> = chart.lines.iter().map(|l| l.kind.as_str()).collect();
        assert_eq!(kinds, ["parking", "streetlight_controller"]);
        assert_eq!(chart.lines[1].points.len(), 24);
        // The first bucket (0..900 s) is plotted at its end, 0.25 h.
        assert_eq!(chart.lines[1].points[0], (0.25, 1.0));
        assert_eq!(chart.lines[1].points[8], (2.25, 0.5));
        assert_eq!((chart.unit_name, chart.x_max), ("hours", 6.0));
        assert_eq!(chart.windows.len(), 1);
        assert_eq!(legend_label(&chart.lines[1]), "streetlight controller (min 50 %)");
        assert_eq!(
            chart.subtitle,
            "Share of the cells where each kind is deployed with a live sensor of it reporting (8 × 8 grid, 250 m cells)"
        );
        assert_eq!((chart.lines[0].width, chart.lines[1].width), (6, 2));
    }

    #[test]
    fn lines_thin_out_in_drawing_order() {
        assert_eq!(line_width(0, 1), 2);
        assert_eq!((0..3).map(|i| line_width(i, 3)).collect::<Vec<_>>(), [6, 4, 2]);
        assert_eq!((0..5).map(|i| line_width(i, 5)).collect::<Vec<_>>(), [6, 5, 4, 3, 2]);
    }

    #[test]
    fn percentages_show_small_dents() {
        assert_eq!(percent(1.0), "100 %");
        assert_eq!(percent(0.996), "99.6 %");
        assert_eq!(percent(0.5), "50 %");
        assert_eq!(percent(0.0), "0 %");
    }

    #[test]
    fn renders_lines_and_failure_windows() {
        let svg = svg_of(&CoverageChart::new(&report_with_coverage()));
        assert!(svg.contains("Coverage over time — Test town"));
        assert!(svg.contains("streetlight controller (min 50 %)") && svg.contains("parking (min 100 %)"));
        assert!(svg.contains("power: district North") && svg.contains("power outage (1)"));
        assert!(svg.contains("100 %"), "y axis in percent");
        assert!(!svg.contains(NO_SAMPLES));
    }

    #[test]
    fn no_coverage_rows_is_not_an_error() {
        let chart = CoverageChart::new(&sample_report());
        assert!(chart.lines.is_empty());
        let svg = svg_of(&chart);
        assert!(svg.contains(NO_SAMPLES));
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        assert!(tmp.path().join("coverage.png").exists());
    }
}
