//! Charts of a parameter sweep, written by [`write_sweep_charts`] for every metric as
//! `sweep_<metric>.{svg,png}` and `sweep_<metric>_hist.{svg,png}`:
//!
//! - [`SweepMetricChart`]: the metric's mean over the varied parameter, one line per combination
//!   of the other varied parameters, its 95 % confidence interval (Student t) as a translucent
//!   band and every replication as a small translucent dot, nudged sideways (deterministically)
//!   so runs with equal values stay countable. A numeric parameter spanning two decades or more
//!   gets a log axis; a categorical one is drawn evenly spaced with its values as labels.
//! - [`SweepHistogramChart`]: small multiples, one histogram of the per-run values for each grid
//!   point, all on the same scales; with more than [`MAX_PANELS`] points an even selection is
//!   shown and the last panel pools every run.

use std::fs;
use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::log_axis::{PlotBox, draw_note, draw_x_ticks, draw_y_ticks, ladder_above, log_bounds, log_ticks};
use super::{Chart, DrawResult, FONT, LegendEntry, Mark, TABLEAU10, draw_legend, draw_title, fit_text};
use super::{group_digits, render_named};
use crate::output::OutputError;

/// Width of the legend panel on the right of both charts.
const LEGEND_W: u32 = 320;
/// Distance of the legend's first heading from the top of its panel, in pixels.
const LEGEND_TOP: i32 = 40;
/// At most this many histogram panels; more grid points are summarised.
pub const MAX_PANELS: usize = 12;
/// A numeric parameter whose largest value is at least this many times its smallest is drawn on
/// a log axis (two decades).
const LOG_SPAN: f64 = 100.0;
/// Colour of legend entries that explain the marks rather than name a series.
const KEY_COLOR: RGBColor = RGBColor(90, 90, 90);
/// Opacity of the confidence band.
const BAND_ALPHA: f64 = 0.18;
/// Opacity of a run's dot.
const DOT_ALPHA: f64 = 0.4;

/// One metric of a parameter sweep, ready to chart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepPlot {
    /// Scenario name, for the title.
    pub scenario: String,
    /// Metric column name, e.g. "delivery_ratio" (names ending in `_ratio` get a 0..1 axis).
    pub metric: String,
    /// Axis label of the metric, e.g. "Delivery ratio".
    pub metric_label: String,
    /// The varied key on the x axis, e.g. `sensors[0].count`.
    pub x_param: String,
    /// Whether the x values are numbers; false: categories, drawn evenly spaced with their labels.
    pub x_numeric: bool,
    /// Replications per grid point.
    pub replications: u32,
    /// One line per combination of the other varied parameters (`gateways[0].count=2`), or a
    /// single series with an empty label.
    pub series: Vec<SweepSeries>,
}

/// One line of a sweep chart: the grid points sharing the values of the other varied parameters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepSeries {
    /// The other parameters' values, e.g. `gateways[0].count=2`; empty when nothing else varies.
    pub label: String,
    /// The grid points along the x parameter.
    pub points: Vec<SweepPoint>,
}

/// One grid point of a sweep: the metric over its replications.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepPoint {
    /// The x value, or the category's index when the x values are not numeric.
    pub x: f64,
    /// The value as written in the sweep, e.g. "2000" or "\"SF12\"".
    pub x_label: String,
    /// Mean over the runs (None: no run gave a value).
    pub mean: Option<f64>,
    /// Lower bound of the 95 % confidence interval (None with a single replication).
    pub ci_low: Option<f64>,
    /// Upper bound of the 95 % confidence interval (None with a single replication).
    pub ci_high: Option<f64>,
    /// Each replication's value.
    pub runs: Vec<f64>,
}

/// Writes both charts of every plot in `plots` into `dir` (created if missing), each as SVG and
/// PNG: `sweep_<metric>` and `sweep_<metric>_hist`, with characters that do not belong in a file
/// name replaced by `_` (and `_2`, `_3`… appended should two metrics end up alike). Returns the
/// file stems written, in order.
pub fn write_sweep_charts(plots: &[SweepPlot], dir: &Path) -> Result<Vec<String>, OutputError> {
    fs::create_dir_all(dir).map_err(OutputError::io(dir))?;
    let mut stems: Vec<String> = Vec::with_capacity(plots.len() * 2);
    for plot in plots {
        let base = format!("sweep_{}", file_stem(&plot.metric));
        let mut stem = base.clone();
        let mut n = 1;
        while stems.iter().any(|s| *s == stem || *s == format!("{stem}_hist")) {
            n += 1;
            stem = format!("{base}_{n}");
        }
        render_named(&SweepMetricChart::new(plot), &stem, dir)?;
        stems.push(stem.clone());
        let hist = format!("{stem}_hist");
        render_named(&SweepHistogramChart::new(plot), &hist, dir)?;
        stems.push(hist);
    }
    Ok(stems)
}

/// `name` with every character other than ASCII letters, digits, `-` and `_` replaced by `_`
/// ("metric" when nothing is left).
pub(crate) fn file_stem(name: &str) -> String {
    let stem: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if stem.is_empty() { "metric".to_string() } else { stem }
}

/// Whether `metric` is a ratio, drawn within 0..1.
pub(crate) fn is_ratio(metric: &str) -> bool {
    metric.ends_with("_ratio")
}

/// Smallest and largest of the finite `values`.
fn min_max(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// A value axis showing `values` (non-finite ones ignored), about eight ticks long: a tenth of
/// the spread of room either side, starting at zero when the data are closer to zero than they
/// are spread (so a broken axis never exaggerates), the bottom on a tick. A ratio stays within
/// 0..1, with a sliver of headroom so a line at exactly 1 is not hidden by the frame, and is never
/// drawn on a scale finer than a 0.01 spread.
pub(crate) fn value_range(ratio: bool, values: &[f64]) -> (f64, f64) {
    let Some((min, max)) = min_max(values.iter().copied()) else { return (0.0, 1.0) };
    if ratio {
        let (min, max) = (min.clamp(0.0, 1.0), max.clamp(0.0, 1.0));
        let span = (max - min).max(0.01);
        let pad = span * 0.1;
        let mut lo = min - pad;
        if lo < span {
            lo = 0.0;
        }
        let mut hi = max + pad;
        if 1.0 - hi < span {
            hi = 1.0;
        }
        let step = nice_step((hi - lo) / 8.0);
        let lo = ((lo / step + 1e-9).floor() * step).max(0.0);
        let hi = if hi >= 1.0 { 1.0 + (1.0 - lo) * 0.02 } else { ((hi / step - 1e-9).ceil() * step).min(1.0) };
        return (lo, hi);
    }
    // A constant is shown a tenth of its size (at least 0.5) either side.
    let (span, pad) = if max > min {
        (max - min, (max - min) * 0.1)
    } else {
        ((max.abs() * 0.2).max(1.0), (max.abs() * 0.1).max(0.5))
    };
    let mut lo = min - pad;
    let mut hi = max + pad;
    if min >= 0.0 && (lo < 0.0 || min < span) {
        lo = 0.0;
    }
    if max <= 0.0 && min < 0.0 && (hi > 0.0 || -max < span) {
        hi = 0.0;
    }
    let step = nice_step((hi - lo) / 8.0);
    let (lo, hi) = ((lo / step + 1e-9).floor() * step, (hi / step - 1e-9).ceil() * step);
    if lo.is_finite() && hi.is_finite() && hi > lo { (lo, hi) } else { (0.0, 1.0) }
}

/// The smallest 1–2–5 step at or above `v`; 1 for a `v` that is not a sensible positive size.
pub(crate) fn nice_step(v: f64) -> f64 {
    if v.is_finite() && v > 1e-250 && v < 1e250 { ladder_above(v) } else { 1.0 }
}

/// Tick values `lo..=hi` at multiples of a 1–2–5 step giving at most about `max` ticks, and the
/// step.
pub(crate) fn linear_ticks(lo: f64, hi: f64, max: usize) -> (Vec<f64>, f64) {
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return (vec![], 1.0);
    }
    let step = nice_step((hi - lo) / max.max(2) as f64);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    if last.saturating_sub(first) > 1000 {
        return (vec![], step);
    }
    ((first..=last).map(|k| k as f64 * step).collect(), step)
}

/// A tick label for `v` on an axis stepping by `step`: as many decimals as the step needs,
/// digits grouped from a thousand up ("0.95", "12,000", "-2.5").
pub(crate) fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 || !step.is_finite() || step <= 0.0 {
        0
    } else {
        ((-step.log10()) - 1e-9).ceil().clamp(0.0, 9.0) as usize
    };
    if decimals == 0 && v.abs() >= 1000.0 && v.abs() < 1e18 {
        let sign = if v < 0.0 { "-" } else { "" };
        return format!("{sign}{}", group_digits(v.abs().round() as u64));
    }
    let text = format!("{v:.decimals$}");
    if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        text.trim_start_matches('-').into()
    } else {
        text
    }
}

/// `v` to about four significant figures, without trailing zeros ("0.9876", "12.35", "1,234").
pub(crate) fn value_label(v: f64) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    if v.abs() >= 1000.0 {
        return tick_label(v, 1.0);
    }
    let magnitude = if v == 0.0 { 0 } else { v.abs().log10().floor() as i32 };
    let decimals = (3 - magnitude).clamp(0, 8) as usize;
    let text = format!("{v:.decimals$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

/// A category label for display: the value as written, without the quotes of a TOML string.
fn display_label(label: &str) -> &str {
    label.strip_prefix('"').and_then(|l| l.strip_suffix('"')).unwrap_or(label)
}

/// `color` at `alpha` over white, as an opaque colour (legend squares for translucent bands).
fn tint(color: RGBColor, alpha: f64) -> RGBColor {
    let mix = |c: u8| (255.0 - (255.0 - f64::from(c)) * alpha).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// Colour of series `i`.
fn series_color(i: usize) -> RGBColor {
    TABLEAU10[i % TABLEAU10.len()]
}

/// The horizontal axis of the metric chart. Everything is drawn in "axis units": x itself, its
/// base-10 logarithm, or the category index.
#[derive(Clone, Debug, PartialEq)]
enum XAxis {
    /// Numbers on a linear axis `lo..hi`.
    Linear { lo: f64, hi: f64 },
    /// Positive numbers on a log axis `lo..hi` (the values, not their logarithms).
    Log { lo: f64, hi: f64 },
    /// Categories `0..n`, each with its label.
    Categories(Vec<String>),
}

impl XAxis {
    /// The axis for the points of `plot`.
    fn of(plot: &SweepPlot) -> Self {
        let points = || plot.series.iter().flat_map(|s| &s.points).filter(|p| p.x.is_finite());
        if !plot.x_numeric {
            let n = points().map(|p| p.x.round().max(0.0) as usize + 1).max().unwrap_or(0).min(10_000);
            let mut labels = vec![String::new(); n];
            // Each index's label, from the first point naming it.
            for p in points() {
                let i = p.x.round().max(0.0) as usize;
                if i < n && labels[i].is_empty() {
                    labels[i] = display_label(&p.x_label).to_string();
                }
            }
            return XAxis::Categories(labels);
        }
        let Some((min, max)) = min_max(points().map(|p| p.x)) else { return XAxis::Linear { lo: 0.0, hi: 1.0 } };
        if min > 0.0 && max / min >= LOG_SPAN {
            let (lo, hi) = log_bounds(min, max, min / 100.0);
            return XAxis::Log { lo, hi };
        }
        let pad = if max > min { (max - min) * 0.05 } else { (min.abs() * 0.1).max(1.0) };
        XAxis::Linear { lo: min - pad, hi: max + pad }
    }

    /// The axis' range in axis units.
    fn range(&self) -> (f64, f64) {
        match self {
            XAxis::Linear { lo, hi } => (*lo, *hi),
            XAxis::Log { lo, hi } => (lo.log10(), hi.log10()),
            XAxis::Categories(labels) => (-0.5, labels.len().max(1) as f64 - 0.5),
        }
    }

    /// Where `x` goes, in axis units (None: it cannot be drawn, e.g. zero on a log axis).
    fn place(&self, x: f64) -> Option<f64> {
        match self {
            XAxis::Log { .. } if x > 0.0 && x.is_finite() => Some(x.log10()),
            XAxis::Log { .. } => None,
            _ => x.is_finite().then_some(x),
        }
    }
}

/// A grid point as drawn: its mean, interval and runs, all finite.
#[derive(Clone, Debug, PartialEq)]
struct Drawn {
    /// In axis units.
    x: f64,
    mean: Option<f64>,
    ci: Option<(f64, f64)>,
    runs: Vec<f64>,
}

/// One series as drawn.
#[derive(Clone, Debug, PartialEq)]
struct Line {
    label: String,
    color: RGBColor,
    /// Sorted by x.
    points: Vec<Drawn>,
}

/// The sweep's line chart of one metric (`sweep_<metric>`), prepared once for both backends.
#[derive(Debug)]
pub struct SweepMetricChart {
    title: String,
    subtitle: String,
    metric: String,
    x_desc: String,
    y_desc: String,
    x_axis: XAxis,
    y_axis: (f64, f64),
    lines: Vec<Line>,
    /// Legend text of the confidence band (None: no point has an interval).
    ci_label: Option<String>,
}

impl SweepMetricChart {
    /// The chart of `plot`.
    pub fn new(plot: &SweepPlot) -> Self {
        let x_axis = XAxis::of(plot);
        let lines: Vec<Line> = plot
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut points: Vec<Drawn> = s
                    .points
                    .iter()
                    .filter_map(|p| {
                        let x = x_axis.place(p.x)?;
                        let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
                        let ci = finite(p.ci_low).zip(finite(p.ci_high)).map(|(a, b)| (a.min(b), a.max(b)));
                        let runs: Vec<f64> = p.runs.iter().copied().filter(|v| v.is_finite()).collect();
                        Some(Drawn { x, mean: finite(p.mean), ci, runs })
                    })
                    .collect();
                points.sort_by(|a, b| a.x.total_cmp(&b.x));
                Line { label: s.label.clone(), color: series_color(i), points }
            })
            .collect();

        let values: Vec<f64> = lines
            .iter()
            .flat_map(|l| &l.points)
            .flat_map(|p| p.mean.into_iter().chain(p.ci.into_iter().flat_map(|(a, b)| [a, b])).chain(p.runs.clone()))
            .collect();
        let ratio = is_ratio(&plot.metric);
        let y_axis = value_range(ratio, &values);
        let has_ci = lines.iter().flat_map(|l| &l.points).any(|p| p.ci.is_some());

        let r = plot.replications;
        let runs =
            if r == 1 { "1 replication".to_string() } else { format!("{} replications", group_digits(r.into())) };
        let subtitle = if has_ci {
            format!("Mean of {runs} per grid point with its 95 % confidence interval (Student t); dots: single runs")
        } else if r <= 1 {
            format!("{runs} per grid point, so no confidence interval; dots: single runs")
        } else {
            format!("Mean of {runs} per grid point (no confidence interval available); dots: single runs")
        };
        let x_desc = match x_axis {
            XAxis::Log { .. } => format!("{} (log scale)", plot.x_param),
            _ => plot.x_param.clone(),
        };
        SweepMetricChart {
            title: format!("Sweep: {} by {} — {}", plot.metric_label, plot.x_param, plot.scenario),
            subtitle,
            metric: plot.metric.clone(),
            x_desc,
            y_desc: plot.metric_label.clone(),
            x_axis,
            y_axis,
            ci_label: has_ci.then(|| format!("95 % CI (n = {})", group_digits(r.into()))),
            lines,
        }
    }

    /// Whether there is anything to draw.
    fn is_empty(&self) -> bool {
        !self.lines.iter().flat_map(|l| &l.points).any(|p| p.mean.is_some() || !p.runs.is_empty())
    }
}

/// A deterministic, evenly spread nudge in -1..1 for run `i` of series `s` (golden-ratio steps).
fn jitter(s: usize, i: usize) -> f64 {
    let g = ((i as f64 + 0.5) * 0.618_033_988_75 + s as f64 * 0.381_966).fract();
    2.0 * g - 1.0
}

impl Chart for SweepMetricChart {
    const NAME: &'static str = "sweep_metric";
    const SIZE: (u32, u32) = (1280, 720);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(root, &self.title, Some(&self.subtitle))?;
        let (width, _) = body.dim_in_pixel();
        let (plot_area, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));

        let (x_lo, x_hi) = self.x_axis.range();
        let (y_lo, y_hi) = self.y_axis;
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(15)
            .margin_top(25)
            .margin_right(30)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(0)
            .y_labels(0)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 13))
            .draw()?;
        let frame = PlotBox::of(chart.plotting_area());
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y.clamp(y_lo, y_hi)));

        // Ticks.
        let max_y = ((frame.bottom - frame.top) / 40).max(2) as usize;
        let (ys, y_step) = linear_ticks(y_lo, y_hi, max_y);
        let y_ticks: Vec<(i32, String)> = ys.iter().map(|&v| (px(x_lo, v).1, tick_label(v, y_step))).collect();
        draw_y_ticks(root, frame, &y_ticks)?;
        let max_x = ((frame.right - frame.left) / 70).max(2) as usize;
        let x_ticks: Vec<(i32, String)> = match &self.x_axis {
            XAxis::Linear { lo, hi } => {
                let (xs, step) = linear_ticks(*lo, *hi, max_x);
                xs.into_iter().map(|v| (px(v, y_hi).0, tick_label(v, step))).collect()
            }
            XAxis::Log { lo, hi } => {
                log_ticks(*lo, *hi, max_x).into_iter().map(|v| (px(v.log10(), y_hi).0, value_label(v))).collect()
            }
            XAxis::Categories(labels) => {
                let slot = (frame.right - frame.left) / labels.len().max(1) as i32;
                let style = TextStyle::from((FONT, 13));
                let mut ticks = Vec::with_capacity(labels.len());
                for (i, label) in labels.iter().enumerate() {
                    let text = fit_text(root, label, &style, (slot - 8).max(12) as u32)?;
                    ticks.push((px(i as f64, y_hi).0, text));
                }
                ticks
            }
        };
        draw_x_ticks(root, frame, &x_ticks, 20)?;

        if self.is_empty() {
            let note = if self.lines.iter().all(|l| l.points.is_empty()) {
                "No sweep points to chart".to_string()
            } else {
                format!("No run gave a value of {}", self.metric)
            };
            return draw_note(root, &note, frame.centre());
        }

        // How far runs are nudged sideways: a fraction of the closest spacing between x values.
        let mut xs: Vec<i32> = self.lines.iter().flat_map(|l| &l.points).map(|p| px(p.x, y_lo).0).collect();
        xs.sort_unstable();
        xs.dedup();
        let gap = xs.windows(2).map(|w| w[1] - w[0]).min().unwrap_or(frame.right - frame.left);
        let spread = (f64::from(gap) * 0.15).clamp(1.0, 9.0);

        // Bands: one polygon per unbroken stretch of intervals; a lone interval is a whisker.
        for line in &self.lines {
            let band = line.color.mix(BAND_ALPHA);
            for stretch in line.points.split(|p| p.ci.is_none()).filter(|s| !s.is_empty()) {
                if stretch.len() == 1 {
                    let p = &stretch[0];
                    let (a, b) = p.ci.unwrap_or_default();
                    let (x, ya) = px(p.x, a);
                    let (_, yb) = px(p.x, b);
                    root.draw(&Rectangle::new([(x - 4, ya), (x + 4, yb)], band.filled()))?;
                    continue;
                }
                let mut outline: Vec<(i32, i32)> = stretch.iter().map(|p| px(p.x, p.ci.map_or(0.0, |c| c.1))).collect();
                outline.extend(stretch.iter().rev().map(|p| px(p.x, p.ci.map_or(0.0, |c| c.0))));
                root.draw(&Polygon::new(outline, band.filled()))?;
            }
        }
        // Single runs, behind the means.
        for (s, line) in self.lines.iter().enumerate() {
            let dot = line.color.mix(DOT_ALPHA);
            for p in &line.points {
                for (i, v) in p.runs.iter().enumerate() {
                    let (x, y) = px(p.x, *v);
                    let x = x + (jitter(s, i) * spread).round() as i32;
                    root.draw(&Circle::new((x, y), 3, dot.filled()))?;
                }
            }
        }
        // Means: a line broken where a point has none, and a marker with a white rim per point.
        for line in &self.lines {
            for stretch in line.points.split(|p| p.mean.is_none()) {
                let path: Vec<(i32, i32)> = stretch.iter().map(|p| px(p.x, p.mean.unwrap_or_default())).collect();
                if path.len() > 1 {
                    root.draw(&PathElement::new(path, line.color.stroke_width(2)))?;
                }
            }
        }
        for line in &self.lines {
            for p in &line.points {
                if let Some(m) = p.mean {
                    let at = px(p.x, m);
                    root.draw(&Circle::new(at, 6, WHITE.filled()))?;
                    root.draw(&Circle::new(at, 4, line.color.filled()))?;
                }
            }
        }

        self.draw_key(&legend_area)
    }
}

impl SweepMetricChart {
    /// The legend: the series (when there is more than an unnamed one), then what the marks mean.
    fn draw_key<DB: DrawingBackend>(&self, legend_area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let named = self.lines.len() > 1 || self.lines.iter().any(|l| !l.label.is_empty());
        let key_color = if named { KEY_COLOR } else { self.lines.first().map_or(KEY_COLOR, |l| l.color) };
        let mut key = vec![LegendEntry { mark: Mark::Line { color: key_color, width: 2 }, label: "mean".to_string() }];
        if let Some(label) = &self.ci_label {
            key.push(LegendEntry { mark: Mark::Square(tint(key_color, BAND_ALPHA + 0.1)), label: label.clone() });
        }
        key.push(LegendEntry { mark: Mark::Dot(tint(key_color, DOT_ALPHA + 0.1)), label: "one run".to_string() });
        if !named {
            return draw_legend(legend_area, LEGEND_TOP, "Key", &key);
        }
        let series: Vec<LegendEntry> = self
            .lines
            .iter()
            .map(|l| LegendEntry {
                mark: Mark::Line { color: l.color, width: 3 },
                label: if l.label.is_empty() { "(other values)".to_string() } else { l.label.clone() },
            })
            .collect();
        draw_split_legend(legend_area, "Other parameters", &series, &key)
    }
}

/// Draws `series` under `heading` at the top of `legend_area` and the `key` under "Key" below
/// them; the series give up rows first when both do not fit.
fn draw_split_legend<DB: DrawingBackend>(
    legend_area: &DrawingArea<DB, Shift>,
    heading: &str,
    series: &[LegendEntry],
    key: &[LegendEntry],
) -> DrawResult<DB> {
    let (_, h) = legend_area.dim_in_pixel();
    let key_h = 22 * (key.len() as i32 + 1) + 30;
    let series_h = (LEGEND_TOP + 22 * (series.len() as i32 + 1)).min(h as i32 - key_h).max(90);
    let (top, bottom) = legend_area.split_vertically(series_h);
    draw_legend(&top, LEGEND_TOP, heading, series)?;
    draw_legend(&bottom, 20, "Key", key)
}

/// One histogram panel: a grid point's runs (or every run, pooled).
#[derive(Clone, Debug, PartialEq)]
struct Panel {
    caption: String,
    color: RGBColor,
    /// Left edge of the first bin.
    start: f64,
    /// Width of a bin.
    width: f64,
    /// Runs per bin.
    counts: Vec<u32>,
    /// Finite runs.
    n: usize,
    /// Whether the counts have a scale of their own (the pooled panel) rather than the shared one.
    own_scale: bool,
    mean: Option<f64>,
}

/// The sweep's histograms of one metric (`sweep_<metric>_hist`), prepared once for both
/// backends.
#[derive(Debug)]
pub struct SweepHistogramChart {
    title: String,
    subtitle: String,
    metric: String,
    x_desc: String,
    /// Tallest bar over all panels.
    max_count: u32,
    panels: Vec<Panel>,
    /// Other-parameter legend entries (empty with a single unnamed series).
    series: Vec<LegendEntry>,
}

impl SweepHistogramChart {
    /// The histograms of `plot`.
    pub fn new(plot: &SweepPlot) -> Self {
        // Every grid point in series order, then by x.
        let named = plot.series.len() > 1 || plot.series.iter().any(|s| !s.label.is_empty());
        let mut items: Vec<(String, RGBColor, Vec<f64>, Option<f64>)> = Vec::new();
        for (i, s) in plot.series.iter().enumerate() {
            let mut points: Vec<&SweepPoint> = s.points.iter().collect();
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
            for p in points {
                let runs: Vec<f64> = p.runs.iter().copied().filter(|v| v.is_finite()).collect();
                let x = display_label(&p.x_label);
                let caption = if named && !s.label.is_empty() { format!("{x} · {}", s.label) } else { x.to_string() };
                items.push((caption, series_color(i), runs, p.mean.filter(|m| m.is_finite())));
            }
        }
        let all: Vec<f64> = items.iter().flat_map(|i| i.2.iter().copied()).collect();
        let total = items.len();
        let mut note = String::new();
        if total > MAX_PANELS {
            // An even selection, first and last included, then every run pooled.
            let keep = MAX_PANELS - 1;
            let picked: Vec<usize> = (0..keep).map(|k| (k * (total - 1) + (keep - 1) / 2) / (keep - 1)).collect();
            let mean = (!all.is_empty()).then(|| all.iter().sum::<f64>() / all.len() as f64);
            let pooled = (format!("all {total} grid points pooled"), KEY_COLOR, all.clone(), mean);
            items = picked.into_iter().map(|k| items[k].clone()).chain([pooled]).collect();
            note = format!("; {keep} of {total} grid points shown, evenly spread, and all pooled in the last panel");
        }

        let panels: Vec<Panel> = items
            .into_iter()
            .map(|(caption, color, runs, mean)| {
                let (start, width, counts) = bin(&runs);
                let mean = mean.or_else(|| (!runs.is_empty()).then(|| runs.iter().sum::<f64>() / runs.len() as f64));
                let own_scale = color == KEY_COLOR;
                Panel { caption, color, start, width, counts, n: runs.len(), mean, own_scale }
            })
            .collect();
        let max_count =
            panels.iter().filter(|p| !p.own_scale).flat_map(|p| p.counts.iter().copied()).max().unwrap_or(0);
        let series = if named {
            plot.series
                .iter()
                .enumerate()
                .map(|(i, s)| LegendEntry {
                    mark: Mark::Square(tint(series_color(i), 0.6)),
                    label: if s.label.is_empty() { "(other values)".to_string() } else { s.label.clone() },
                })
                .collect()
        } else {
            Vec::new()
        };
        SweepHistogramChart {
            title: format!("Sweep: {} per run — {}", plot.metric_label, plot.scenario),
            subtitle: format!(
                "Runs per value of {}: each panel on its own value scale, counts on a shared one{note}",
                plot.x_param
            ),
            metric: plot.metric.clone(),
            x_desc: plot.metric_label.clone(),
            max_count,
            panels,
            series,
        }
    }
}

/// Histogram bins for `runs` (finite): the left edge of the first, their width (a 1–2–5 step,
/// about 2√n bins over the values' range, between 5 and 20) and the runs in each. A value on the
/// top edge counts in the last bin.
fn bin(runs: &[f64]) -> (f64, f64, Vec<u32>) {
    let Some((min, max)) = min_max(runs.iter().copied()) else { return (0.0, 1.0, vec![0]) };
    let target = (2.0 * (runs.len() as f64).sqrt()).ceil().clamp(5.0, 20.0);
    if max <= min {
        // Every run alike: one narrow bin centred on the value.
        let width = if min != 0.0 { nice_step(min.abs() * 0.005) } else { 0.1 };
        return (min - width / 2.0, width, vec![runs.len() as u32]);
    }
    let width = nice_step((max - min) / target);
    let start = (min / width + 1e-9).floor() * width;
    let n = (((max - start) / width - 1e-9).ceil().max(1.0) as usize).min(200);
    let mut counts = vec![0u32; n];
    for v in runs {
        let b = ((v - start) / width).floor().clamp(0.0, (n - 1) as f64) as usize;
        counts[b] += 1;
    }
    (start, width, counts)
}

/// Columns and rows of a grid of `n` panels.
fn grid(n: usize) -> (usize, usize) {
    match n {
        0 | 1 => (1, 1),
        2 | 3 => (n, 1),
        4 => (2, 2),
        5 | 6 => (3, 2),
        7 | 8 => (4, 2),
        9 => (3, 3),
        n => (4, n.div_ceil(4)),
    }
}

impl Chart for SweepHistogramChart {
    const NAME: &'static str = "sweep_metric_hist";
    const SIZE: (u32, u32) = (1280, 800);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(root, &self.title, Some(&self.subtitle))?;
        let (width, height) = body.dim_in_pixel();
        let (main, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));
        let (grid_area, foot) = main.split_vertically(height.saturating_sub(34));
        let (main_w, _) = main.dim_in_pixel();
        let desc_style = TextStyle::from((FONT, 16)).pos(Pos::new(HPos::Center, VPos::Center));
        foot.draw_text(&self.x_desc, &desc_style, (main_w as i32 / 2, 14))?;

        let mut key = vec![
            LegendEntry { mark: Mark::Square(tint(KEY_COLOR, 0.6)), label: "runs in a bin".to_string() },
            LegendEntry { mark: Mark::Dashed(BLACK), label: "mean".to_string() },
        ];
        if self.panels.iter().all(|p| p.n == 0) {
            let (w, h) = grid_area.dim_in_pixel();
            let (bx, by) = grid_area.get_base_pixel();
            let note = if self.panels.is_empty() {
                "No sweep points to chart".to_string()
            } else {
                format!("No run gave a value of {}", self.metric)
            };
            grid_area.draw(&Rectangle::new([(15, 15), (w as i32 - 15, h as i32 - 15)], BLACK.mix(0.3)))?;
            draw_note(root, &note, (bx + w as i32 / 2, by + h as i32 / 2))?;
            key.truncate(0);
        } else {
            let (cols, rows) = grid(self.panels.len());
            let cells = grid_area.split_evenly((rows, cols));
            for (panel, cell) in self.panels.iter().zip(cells.iter()) {
                self.draw_panel(cell, panel)?;
            }
        }
        match (self.series.is_empty(), key.is_empty()) {
            (true, true) => Ok(()),
            (true, false) => draw_legend(&legend_area, LEGEND_TOP, "Key", &key),
            (false, true) => draw_legend(&legend_area, LEGEND_TOP, "Other parameters", &self.series),
            (false, false) => draw_split_legend(&legend_area, "Other parameters", &self.series, &key),
        }
    }
}

impl SweepHistogramChart {
    /// Draws one panel in `cell`.
    fn draw_panel<DB: DrawingBackend>(&self, cell: &DrawingArea<DB, Shift>, panel: &Panel) -> DrawResult<DB> {
        let (start, width) = (panel.start, panel.width);
        let end = start + width * panel.counts.len() as f64;
        // Half a bin of room either side, so the outer bars do not touch the frame.
        let (left, right) = (start - width / 2.0, end + width / 2.0);
        let (cell_w, _) = cell.dim_in_pixel();
        let caption_style = TextStyle::from((FONT, 14, FontStyle::Bold));
        let caption = fit_text(cell, &panel.caption, &caption_style, cell_w.saturating_sub(20))?;
        let tallest = if panel.own_scale { panel.counts.iter().copied().max().unwrap_or(0) } else { self.max_count };
        // Room above the tallest bar for the panel's "n = …" line.
        let top = (f64::from(tallest.max(1)) * 1.25).ceil();
        let mut chart = ChartBuilder::on(cell)
            .margin(8)
            .margin_right(14)
            .caption(caption, caption_style)
            .x_label_area_size(24)
            .y_label_area_size(38)
            .build_cartesian_2d(left..right, 0.0..top)?;
        let (_, x_step) = linear_ticks(left, right, 4);
        let x_fmt = move |v: &f64| tick_label(*v, x_step);
        let y_fmt = |v: &f64| if v.fract().abs() < 1e-9 { format!("{v:.0}") } else { String::new() };
        chart
            .configure_mesh()
            .x_labels(5)
            .y_labels(5)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style((FONT, 11))
            .bold_line_style(BLACK.mix(0.1))
            .light_line_style(BLACK.mix(0.0))
            .draw()?;
        let fill = panel.color.mix(0.55);
        chart.draw_series(panel.counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, c)| {
            let x0 = start + width * i as f64;
            Rectangle::new([(x0, 0.0), (x0 + width, f64::from(*c))], fill.filled())
        }))?;
        chart.draw_series(panel.counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, c)| {
            let x0 = start + width * i as f64;
            Rectangle::new([(x0, 0.0), (x0 + width, f64::from(*c))], panel.color.stroke_width(1))
        }))?;
        let frame = PlotBox::of(chart.plotting_area());
        let grey = BLACK.mix(0.75);
        let style = TextStyle::from((FONT, 12)).color(&grey).pos(Pos::new(HPos::Left, VPos::Top));
        let text = match (panel.n, panel.mean) {
            (0, _) => "no values".to_string(),
            (n, Some(m)) if n > 1 && panel.counts.len() == 1 => format!("n = {n}, all {}", value_label(m)),
            (n, Some(m)) if panel.own_scale => format!("n = {n}, mean {} (own count scale)", value_label(m)),
            (n, Some(m)) => format!("n = {n}, mean {}", value_label(m)),
            (n, None) => format!("n = {n}"),
        };
        let (bx, by) = cell.get_base_pixel();
        if let Some(m) = panel.mean {
            // Backend pixels, made relative to the cell it is drawn on.
            let (x, y_top) = chart.backend_coord(&(m.clamp(left, right), top));
            let (_, y_bottom) = chart.backend_coord(&(m.clamp(left, right), 0.0));
            let path = vec![(x - bx, y_top - by + 18), (x - bx, y_bottom - by)];
            cell.draw(&DashedPathElement::new(path, 5, 3, BLACK.stroke_width(1)))?;
        }
        cell.draw_text(&text, &style, (frame.left - bx + 5, frame.top - by + 3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::charts::svg_string;

    /// A sample sweep: sensor count 500..8000 (numeric, over a decade) against two gateway
    /// counts, five replications each, the delivery ratio falling with load.
    pub(crate) fn sample_plot() -> SweepPlot {
        let series = [2u32, 4]
            .iter()
            .map(|&gw| {
                let points = [500.0, 1000.0, 2000.0, 4000.0, 8000.0]
                    .iter()
                    .map(|&x: &f64| {
                        let base = 1.0 - x / (20_000.0 * f64::from(gw));
                        let runs: Vec<f64> = (0..5).map(|i| base + (f64::from(i) - 2.0) * 0.002).collect();
                        let mean = runs.iter().sum::<f64>() / 5.0;
                        SweepPoint {
                            x,
                            x_label: format!("{x}"),
                            mean: Some(mean),
                            ci_low: Some(mean - 0.004),
                            ci_high: Some(mean + 0.004),
                            runs,
                        }
                    })
                    .collect();
                SweepSeries { label: format!("gateways[0].count={gw}"), points }
            })
            .collect();
        SweepPlot {
            scenario: "Sweep town".to_string(),
            metric: "delivery_ratio".to_string(),
            metric_label: "Delivery ratio".to_string(),
            x_param: "sensors[0].count".to_string(),
            x_numeric: true,
            replications: 5,
            series,
        }
    }

    fn svg<C: Chart>(chart: &C) -> String {
        svg_string(chart).expect("draw")
    }

    #[test]
    fn normal_sweep_renders_with_labels_band_and_key() {
        let plot = sample_plot();
        let chart = SweepMetricChart::new(&plot);
        assert!(matches!(chart.x_axis, XAxis::Linear { .. }));
        let (lo, hi) = chart.y_axis;
        assert!(lo > 0.7 && lo < 0.8 && hi > 1.0 && hi < 1.01, "{lo}..{hi}");
        let text = svg(&chart);
        assert!(text.contains("Sweep: Delivery ratio by sensors[0].count — Sweep town"));
        assert!(text.contains("gateways[0].count=2") && text.contains("gateways[0].count=4"));
        assert!(text.contains("95 % CI (n = 5)") && text.contains("one run") && text.lines().any(|l| l == "mean"));
        assert!(text.contains("<polygon"));
        let hist = svg(&SweepHistogramChart::new(&plot));
        assert!(hist.contains("500 · gateways[0].count=2") && hist.contains("runs in a bin"));
    }

    #[test]
    fn wide_numeric_range_uses_a_log_axis() {
        let mut plot = sample_plot();
        for s in &mut plot.series {
            for (i, p) in s.points.iter_mut().enumerate() {
                p.x = 10f64.powi(i as i32 + 1);
            }
        }
        let chart = SweepMetricChart::new(&plot);
        assert_eq!(chart.x_axis, XAxis::Log { lo: 5.0, hi: 200_000.0 });
        let text = svg(&chart);
        assert!(text.contains("sensors[0].count (log scale)"));
        assert!(text.lines().any(|l| l == "1,000"), "decade tick");
    }

    #[test]
    fn single_replication_has_no_band() {
        let mut plot = sample_plot();
        plot.replications = 1;
        plot.series.truncate(1);
        plot.series[0].label.clear();
        for p in &mut plot.series[0].points {
            p.runs.truncate(1);
            p.mean = Some(p.runs[0]);
            p.ci_low = None;
            p.ci_high = None;
        }
        let chart = SweepMetricChart::new(&plot);
        assert!(chart.ci_label.is_none());
        let text = svg(&chart);
        assert!(text.contains("1 replication per grid point, so no confidence interval"));
        assert!(!text.contains("95 % CI") && !text.contains("<polygon"));
        assert!(!text.contains("Other parameters") && text.contains("Key"));
        svg(&SweepHistogramChart::new(&plot));
    }

    #[test]
    fn categorical_x_is_evenly_spaced_with_its_labels() {
        let mut plot = sample_plot();
        plot.x_numeric = false;
        plot.x_param = "sensors[0].sf".to_string();
        for s in &mut plot.series {
            for (i, p) in s.points.iter_mut().enumerate() {
                p.x = i as f64;
                p.x_label = format!("\"SF{}\"", 7 + i);
            }
        }
        let chart = SweepMetricChart::new(&plot);
        assert_eq!(chart.x_axis.range(), (-0.5, 4.5));
        let text = svg(&chart);
        for sf in ["SF7", "SF9", "SF11"] {
            assert!(text.lines().any(|l| l == sf), "{sf}");
        }
        let hist = svg(&SweepHistogramChart::new(&plot));
        assert!(hist.contains("SF11 · gateways[0].count=4"));
    }

    #[test]
    fn empty_and_valueless_sweeps_draw_a_note() {
        let mut plot = sample_plot();
        plot.series.clear();
        assert!(svg(&SweepMetricChart::new(&plot)).contains("No sweep points to chart"));
        assert!(svg(&SweepHistogramChart::new(&plot)).contains("No sweep points to chart"));

        let mut plot = sample_plot();
        for s in &mut plot.series {
            for p in &mut s.points {
                p.mean = None;
                p.ci_low = None;
                p.ci_high = Some(f64::NAN);
                p.runs = vec![f64::NAN, f64::INFINITY];
            }
        }
        assert!(svg(&SweepMetricChart::new(&plot)).contains("No run gave a value of delivery_ratio"));
        assert!(svg(&SweepHistogramChart::new(&plot)).contains("No run gave a value of delivery_ratio"));
    }

    #[test]
    fn many_points_are_summarised() {
        let mut plot = sample_plot();
        plot.metric = "latency_p99_ms".to_string();
        plot.series[0].points = (0..30)
            .map(|i| SweepPoint {
                x: f64::from(i),
                x_label: i.to_string(),
                mean: Some(f64::from(i) * 10.0),
                ci_low: None,
                ci_high: None,
                runs: vec![f64::from(i) * 10.0, f64::from(i) * 10.0 + 3.0],
            })
            .collect();
        let chart = SweepHistogramChart::new(&plot);
        assert_eq!(chart.panels.len(), MAX_PANELS);
        assert_eq!(chart.panels[0].caption, "0 · gateways[0].count=2");
        assert_eq!(chart.panels[MAX_PANELS - 1].caption, "all 35 grid points pooled");
        assert_eq!(chart.panels[MAX_PANELS - 2].caption, "8000 · gateways[0].count=4");
        assert!(svg(&chart).contains("11 of 35 grid points shown"));
    }

    #[test]
    fn ranges_ticks_and_labels() {
        // Ratios close to 1 are not stretched to zero; spread ones are.
        let (lo, hi) = value_range(true, &[0.95, 0.999]);
        assert!((lo - 0.94).abs() < 1e-9 && hi > 1.0 && hi < 1.002, "{lo}..{hi}");
        assert_eq!(value_range(true, &[0.3, 0.9]).0, 0.0);
        assert_eq!(value_range(true, &[]), (0.0, 1.0));
        let (lo, hi) = value_range(true, &[1.0, 1.0]);
        assert!((0.98..1.0).contains(&lo) && hi > 1.0, "{lo}..{hi}");
        assert_eq!(value_range(false, &[100.0, 110.0]), (98.0, 112.0));
        assert_eq!(value_range(false, &[2.0, 10.0]).0, 0.0);
        let (lo, hi) = value_range(false, &[5.0, 5.0]);
        assert!((lo - 4.4).abs() < 1e-9 && (hi - 5.6).abs() < 1e-9, "{lo}..{hi}");
        assert_eq!(value_range(false, &[0.0, 0.0]), (0.0, 0.5));
        assert_eq!(linear_ticks(0.0, 1.0, 5), (vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0], 0.2));
        assert_eq!(tick_label(0.95, 0.01), "0.95");
        assert_eq!(tick_label(12_000.0, 2000.0), "12,000");
        assert_eq!(tick_label(-0.0, 0.1), "0.0");
        assert_eq!(value_label(0.98765), "0.9877");
        assert_eq!(value_label(12.0), "12");
        assert_eq!(value_label(1234.4), "1,234");
        assert_eq!(file_stem("delivery ratio/x"), "delivery_ratio_x");
        assert_eq!(grid(12), (4, 3));
        assert_eq!(grid(5), (3, 2));
        assert_eq!(bin(&[0.991, 0.995, 1.0]), (0.99, 0.002, vec![1, 0, 1, 0, 1]));
        assert_eq!(bin(&[5.0, 5.0]), (4.975, 0.05, vec![2]));
        assert_eq!(bin(&[]), (0.0, 1.0, vec![0]));
    }

    #[test]
    fn writes_svg_and_png_for_every_plot() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("nested/charts");
        let mut second = sample_plot();
        second.metric = "energy_mwh".to_string();
        second.metric_label = "Energy (mWh)".to_string();
        let stems = write_sweep_charts(&[sample_plot(), second, sample_plot()], &dir).expect("write");
        assert_eq!(
            stems,
            [
                "sweep_delivery_ratio",
                "sweep_delivery_ratio_hist",
                "sweep_energy_mwh",
                "sweep_energy_mwh_hist",
                "sweep_delivery_ratio_2",
                "sweep_delivery_ratio_2_hist"
            ]
        );
        for stem in &stems {
            let png = fs::read(dir.join(format!("{stem}.png"))).expect("png");
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{stem}.png");
            assert!(fs::read_to_string(dir.join(format!("{stem}.svg"))).expect("svg").contains("<svg"));
        }
    }
}
