//! `charts/queue_depth.{svg,png}`: messages waiting at each hop of the data pipeline over
//! simulated time, one panel per design (the first [`MAX_PANELS`]), one colour per hop: a thick
//! step line for the largest depth in each time bucket and a thin line of the same colour for its
//! time average. Each panel's heading names its deepest queue. The time axis is the one the
//! delivery-ratio chart uses (minutes, hours or days by run length).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::delivery_ratio::{time_unit, trim_tick};
use super::log_axis::{PlotBox, draw_note};
use super::pipeline_panels::{MAX_PANELS, Pair, color_of, frame, hidden_note, hop_colors, panel_areas, panel_heading};
use super::{Chart, DrawResult, FONT, LegendEntry, Mark, draw_legend, group_digits};
use crate::metrics::report::Report;
use crate::pipeline::DepthSeries;

/// Width of the legend panel on the right.
const LEGEND_W: u32 = 280;
/// Distance of the legend's heading from the top of its panel, in pixels.
const LEGEND_TOP: i32 = 40;
/// At most this many buckets are drawn per line; longer series are folded (largest of the
/// maxima, average of the means) so the SVG stays small.
const MAX_POINTS: usize = 1200;
/// Headroom above the deepest queue, so its peak is not hidden by the frame.
const HEADROOM: f64 = 1.12;
/// Legend marks that explain the two line weights.
const KEY_COLOR: RGBColor = RGBColor(110, 110, 110);

/// One hop's lines.
#[derive(Debug)]
struct DepthLine {
    /// Hop name.
    name: String,
    color: RGBColor,
    /// Corners of the step line of the largest depth per bucket, (time in the chart's unit, depth).
    max: Vec<(f64, f64)>,
    /// Time-average depth per bucket at its middle.
    mean: Vec<(f64, f64)>,
    /// Largest depth and when its bucket started, in the chart's unit.
    peak: (u64, f64),
}

/// One design's panel.
#[derive(Debug)]
struct DepthPanel {
    name: String,
    lines: Vec<DepthLine>,
    /// Top of the y axis.
    y_max: f64,
}

impl DepthPanel {
    /// The heading's detail: where and when the queue was deepest.
    fn detail(&self, unit_name: &str) -> String {
        match self.lines.iter().max_by_key(|l| l.peak.0) {
            Some(l) if l.peak.0 > 0 => format!(
                "deepest queue: {} waiting at {}, {} {unit_name} in",
                group_digits(l.peak.0),
                l.name,
                trim_tick((l.peak.1 * 10.0).round() / 10.0)
            ),
            Some(_) => "no message ever waited".to_string(),
            None => "no hops".to_string(),
        }
    }
}

/// The queue-depth chart, with its lines prepared once for both backends.
#[derive(Debug)]
pub struct QueueDepthChart {
    title: String,
    subtitle: String,
    /// "minutes", "hours" or "days".
    unit_name: &'static str,
    x_max: f64,
    /// The first [`MAX_PANELS`] designs, in scenario order; empty without a pipeline.
    panels: Vec<DepthPanel>,
    /// Hop names and colours, for the legend.
    colors: Vec<(String, RGBColor)>,
    /// Width of a depth bucket, seconds (of the first hop; all share the run's bucket).
    bucket_s: Option<f64>,
}

impl QueueDepthChart {
    /// Picks each design's queue-depth series out of `report`.
    pub fn new(report: &Report) -> Self {
        let (unit_s, unit_name) = time_unit(report.simulated_seconds);
        let designs = report.pipeline.as_ref().map_or(&[][..], |p| &p.designs[..]);
        let shown = &designs[..designs.len().min(MAX_PANELS)];
        let colors = hop_colors(shown);
        let run_s = report.simulated_seconds;

        let panels: Vec<DepthPanel> = shown
            .iter()
            .map(|d| {
                let lines: Vec<DepthLine> = d
                    .report
                    .hops
                    .iter()
                    .map(|h| depth_line(&h.name, color_of(&colors, &h.name), &h.depth, run_s, unit_s))
                    .collect();
                let deepest = lines.iter().map(|l| l.peak.0).max().unwrap_or(0);
                DepthPanel { name: d.name.clone(), lines, y_max: (deepest as f64 * HEADROOM).max(1.0) }
            })
            .collect();

        let last_t = panels.iter().flat_map(|p| &p.lines).flat_map(|l| l.max.last()).map(|p| p.0).fold(0.0, f64::max);
        let x_max = (run_s / unit_s).max(last_t);
        let bucket_s =
            shown.iter().flat_map(|d| d.report.hops.first()).map(|h| h.depth.bucket_us as f64 / 1e6).find(|w| *w > 0.0);

        let mut subtitle =
            "messages waiting for a worker at each hop: thick, the largest in each time bucket; thin, its time average"
                .to_string();
        if let Some(note) = hidden_note(designs.len()) {
            subtitle = format!("{subtitle}; {note}");
        }
        QueueDepthChart {
            title: format!("Pipeline queue depth over time — {}", report.scenario.name),
            subtitle,
            unit_name,
            x_max: if x_max > 0.0 { x_max } else { 1.0 },
            panels,
            colors,
            bucket_s,
        }
    }
}

/// One hop's lines from its depth `series`, cut at the end of the run (`run_s`, when known) and
/// folded to at most [`MAX_POINTS`] buckets, with time in units of `unit_s` seconds.
fn depth_line(name: &str, color: RGBColor, series: &DepthSeries, run_s: f64, unit_s: f64) -> DepthLine {
    let width_s = series.bucket_us as f64 / 1e6;
    let mut n = series.max.len();
    if run_s > 0.0 && width_s > 0.0 {
        n = n.min((run_s / width_s).ceil() as usize);
    }
    let fold = n.div_ceil(MAX_POINTS).max(1);
    let end_s = if run_s > 0.0 { run_s } else { n as f64 * width_s };
    let mut max = Vec::new();
    let mut mean = Vec::new();
    let mut peak = (0, 0.0);
    for start in (0..n).step_by(fold) {
        let end = (start + fold).min(n);
        let top = series.max[start..end].iter().copied().max().unwrap_or(0);
        let means = series.mean.get(start..end.min(series.mean.len())).unwrap_or(&[]);
        let avg = if means.is_empty() { 0.0 } else { means.iter().sum::<f64>() / means.len() as f64 };
        let t0 = start as f64 * width_s / unit_s;
        let t1 = (end as f64 * width_s).min(end_s) / unit_s;
        if top > peak.0 {
            let first = start + series.max[start..end].iter().position(|d| *d == top).unwrap_or(0);
            peak = (top, first as f64 * width_s / unit_s);
        }
        max.push((t0, top as f64));
        max.push((t1, top as f64));
        mean.push(((t0 + t1) / 2.0, avg));
    }
    DepthLine { name: name.to_string(), color, max, mean, peak }
}

/// A bucket width for the legend: "225 s", "15 min", "1 h".
fn bucket_label(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{} s", trim_tick(seconds))
    } else if seconds < 7200.0 {
        format!("{} min", trim_tick(seconds / 60.0))
    } else {
        format!("{} h", trim_tick(seconds / 3600.0))
    }
}

impl Chart for QueueDepthChart {
    const NAME: &'static str = "queue_depth";
    const SIZE: (u32, u32) = (1400, 800);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let Some((plot_area, legend_area)) = frame(root, &self.title, &self.subtitle, self.panels.len(), LEGEND_W)?
        else {
            return Ok(());
        };

        let areas = panel_areas(&plot_area, self.panels.len(), Pair::Stacked);
        for (panel, area) in self.panels.iter().zip(&areas) {
            let inner = panel_heading(area, &panel.name, &panel.detail(self.unit_name))?;
            let mut chart = ChartBuilder::on(&inner)
                .margin(10)
                .margin_right(25)
                .x_label_area_size(45)
                .y_label_area_size(70)
                .build_cartesian_2d(0.0..self.x_max, 0.0..panel.y_max)?;
            let y_fmt = |v: &f64| {
                if *v >= 0.0 && (v - v.round()).abs() < 1e-9 { group_digits(v.round() as u64) } else { String::new() }
            };
            chart
                .configure_mesh()
                .x_desc(format!("Simulated time ({})", self.unit_name))
                .y_desc("Messages waiting")
                .axis_desc_style((FONT, 15))
                .label_style((FONT, 13))
                .x_label_formatter(&|v: &f64| trim_tick(*v))
                .y_label_formatter(&y_fmt)
                .y_labels((panel.y_max.floor() as usize + 1).clamp(2, 6))
                .bold_line_style(BLACK.mix(0.12))
                .light_line_style(BLACK.mix(0.04))
                .draw()?;

            // Averages under the maxima, so the thick lines read first.
            for line in &panel.lines {
                let style = line.color.mix(0.7).stroke_width(1);
                chart.draw_series(LineSeries::new(line.mean.iter().copied(), style))?;
            }
            for line in &panel.lines {
                chart.draw_series(LineSeries::new(line.max.iter().copied(), line.color.stroke_width(2)))?;
            }
            if panel.lines.is_empty() {
                draw_note(root, "no hops", PlotBox::of(chart.plotting_area()).centre())?;
            }
        }

        let mut entries: Vec<LegendEntry> = self
            .colors
            .iter()
            .map(|(name, color)| LegendEntry { mark: Mark::Line { color: *color, width: 3 }, label: name.clone() })
            .collect();
        let bucket = self.bucket_s.map_or_else(String::new, |s| format!(" ({})", bucket_label(s)));
        entries.push(LegendEntry {
            mark: Mark::Line { color: KEY_COLOR, width: 3 },
            label: format!("largest in a bucket{bucket}"),
        });
        entries
            .push(LegendEntry { mark: Mark::Line { color: KEY_COLOR, width: 1 }, label: "time average".to_string() });
        draw_legend(&legend_area, LEGEND_TOP, "Hop", &entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::charts::pipeline_panels::NO_PIPELINE;
    use crate::output::charts::pipeline_panels::sample_pipeline;
    use crate::output::sample_report;

    /// `chart` drawn as SVG, in memory.
    fn svg_of(chart: &QueueDepthChart) -> String {
        crate::output::charts::svg_string(chart).expect("draw")
    }

    fn pipeline_report() -> Report {
        let mut report = sample_report();
        report.pipeline = Some(sample_pipeline());
        report
    }

    #[test]
    fn one_panel_per_design_with_a_line_per_hop() {
        let chart = QueueDepthChart::new(&pipeline_report());
        assert_eq!((chart.unit_name, chart.x_max), ("hours", 6.0));
        assert_eq!(chart.bucket_s, Some(300.0));
        let direct = &chart.panels[0];
        assert_eq!(direct.name, "direct");
        assert_eq!(direct.lines.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["broker", "store"]);
        let store = &direct.lines[1];
        // 72 five-minute buckets, two corners each; the burst at 2 h fills the 500-message queue.
        assert_eq!(store.max.len(), 144);
        assert_eq!(store.max[0].0, 0.0);
        assert_eq!(store.max.last().map(|p| p.0), Some(6.0));
        assert!(store.peak.0 >= 500 && (2.0..2.6).contains(&store.peak.1), "{:?}", store.peak);
        assert!(direct.y_max >= 500.0 * HEADROOM);
        assert!(direct.detail("hours").starts_with("deepest queue: 50"), "{}", direct.detail("hours"));
        assert_eq!(chart.panels[1].lines.len(), 3);
    }

    #[test]
    fn long_series_are_folded() {
        let series =
            DepthSeries { bucket_us: 1_000_000, max: (0..5000).map(|i| i % 7).collect(), mean: vec![1.0; 5000] };
        let line = depth_line("s", BLACK, &series, 5000.0, 3600.0);
        assert!(line.max.len() <= 2 * MAX_POINTS, "{}", line.max.len());
        assert_eq!(line.peak.0, 6);
        assert!(line.mean.iter().all(|p| p.1 == 1.0));
        assert_eq!(line.max.last().map(|p| p.0), Some(5000.0 / 3600.0));
        // Buckets past the end of the run are left out.
        let line = depth_line("s", BLACK, &series, 10.0, 1.0);
        assert_eq!(line.max.len(), 20);
        assert_eq!(bucket_label(225.0), "3.75 min");
        assert_eq!(bucket_label(60.0), "60 s");
        assert_eq!(bucket_label(86_400.0), "24 h");
    }

    #[test]
    fn renders_panels_and_legend() {
        let svg = svg_of(&QueueDepthChart::new(&pipeline_report()));
        assert!(svg.contains("Pipeline queue depth over time — Test town"));
        assert!(svg.contains("direct") && svg.contains("aggregated"));
        assert!(svg.contains("Simulated time (hours)") && svg.contains("Messages waiting"));
        assert!(svg.contains("largest in a bucket (5 min)") && svg.contains("time average"));
        assert!(svg.contains("deepest queue: "));
        assert!(!svg.contains(NO_PIPELINE));
    }

    #[test]
    fn no_pipeline_is_not_an_error() {
        let chart = QueueDepthChart::new(&sample_report());
        assert!(chart.panels.is_empty());
        assert!(svg_of(&chart).contains(NO_PIPELINE));
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        assert!(tmp.path().join("queue_depth.png").exists());
    }
}
