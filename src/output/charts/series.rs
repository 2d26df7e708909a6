//! `charts/series_<metric>.{svg,png}`: one metric of a run's time series over simulated time, one
//! line per scope: the city first (black and thick, drawn on top), then up to
//! [`MAX_COLOURED`] other scopes in colour (districts, groups, technologies, gateways, in that
//! order and by name), and any further scopes as thin grey lines summarised in one legend row.
//! Drawn by [`crate::output::replot`] from `timeseries.csv`; the time axis, legend and look follow
//! the delivery-ratio chart.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::delivery_ratio::{Window, draw_time_legend, time_unit, trim_tick};
use super::log_axis::{PlotBox, draw_note, draw_y_ticks};
use super::render_named;
use super::sweep::{file_stem, is_ratio, linear_ticks, tick_label, value_range};
use super::{Chart, DrawResult, FONT, LegendEntry, Mark, TABLEAU10, draw_title, group_digits};
use crate::output::OutputError;

/// At most this many scopes besides the city get a colour and a legend row of their own.
pub const MAX_COLOURED: usize = 9;
/// Width of the legend panel on the right.
const LEGEND_W: u32 = 260;
/// Scope of the city-wide series.
const CITY: &str = "city";
/// The city line: black and thick, the headline against the other scopes.
const CITY_COLOR: RGBColor = RGBColor(0, 0, 0);
/// The other scopes' colours: Tableau 10 without its grey, which marks the scopes beyond them.
const PALETTE: [RGBColor; 9] = [
    TABLEAU10[0],
    TABLEAU10[1],
    TABLEAU10[2],
    TABLEAU10[3],
    TABLEAU10[4],
    TABLEAU10[5],
    TABLEAU10[6],
    TABLEAU10[8],
    TABLEAU10[9],
];
/// Scopes beyond [`MAX_COLOURED`]: thin, light grey.
const OTHER_COLOR: RGBColor = RGBColor(150, 150, 150);

/// One metric's samples from a run's time series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeriesPlot {
    /// Scenario name, for the title.
    pub scenario: String,
    /// Metric name, e.g. "delivery_ratio" (names ending in `_ratio` get a 0..1 axis).
    pub metric: String,
    /// Length of a bucket in seconds; samples are drawn at their bucket's midpoint (0: at their
    /// time).
    pub bucket_s: f64,
    /// One entry per scope, in any order.
    pub scopes: Vec<ScopeSeries>,
}

/// One scope's samples of a metric.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScopeSeries {
    /// `city`, `district:<name>`, `group:<name>`, `technology:<name>`, `gateway:<id>`…
    pub scope: String,
    /// (start of the bucket in seconds, value); a non-finite value breaks the line.
    pub points: Vec<(f64, f64)>,
}

/// Renders the chart of `plot` into `dir` (which must exist) as `series_<metric>.svg` and
/// `.png`, and returns the file stem.
pub fn write_series_chart(plot: &SeriesPlot, dir: &Path) -> Result<String, OutputError> {
    let stem = series_stem(&plot.metric);
    render_named(&SeriesChart::new(plot), &stem, dir)?;
    Ok(stem)
}

/// The file stem of `metric`'s chart: `series_<metric>`, unsafe characters replaced by `_`.
pub fn series_stem(metric: &str) -> String {
    format!("series_{}", file_stem(metric))
}

/// A metric name as an axis label: "delivery_ratio" → "Delivery ratio", "latency_p99_ms" →
/// "Latency p99 (ms)".
pub fn metric_label(metric: &str) -> String {
    let (base, unit) = [("_ms", "ms"), ("_s", "s"), ("_mwh", "mWh"), ("_mah", "mAh"), ("_bytes", "bytes")]
        .iter()
        .find_map(|(suffix, unit)| metric.strip_suffix(suffix).filter(|b| !b.is_empty()).map(|b| (b, Some(*unit))))
        .unwrap_or((metric, None));
    let words = base.replace('_', " ");
    let mut chars = words.chars();
    let mut label: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    if let Some(unit) = unit {
        label.push_str(&format!(" ({unit})"));
    }
    label
}

/// Where a scope is listed: the city, then districts, groups, technologies, device kinds,
/// gateways, pipeline hops, the rest.
fn scope_rank(scope: &str) -> usize {
    const ORDER: [&str; 7] = ["city", "district", "group", "technology", "kind", "gateway", "hop"];
    let kind = scope.split_once(':').map_or(scope, |(k, _)| k);
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}

/// `text` split into runs of digits (compared as numbers) and of other characters, so "gw-2"
/// sorts before "gw-10".
fn natural_key(text: &str) -> Vec<(String, u128)> {
    let mut key: Vec<(String, u128)> = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        let digits = c.is_ascii_digit();
        let mut run = String::new();
        while let Some(&c) = chars.peek().filter(|c| c.is_ascii_digit() == digits) {
            run.push(c);
            chars.next();
        }
        // A number sorts by value, then by its text (so "07" and "7" stay apart).
        key.push(if digits { (String::new(), run.parse().unwrap_or(u128::MAX)) } else { (run, 0) });
        if digits {
            key.push((text.to_string(), 0));
        }
    }
    key
}

/// Whether `metric` counts readings per bucket (`generated`, `delivered`, `lost_<cause>`).
fn is_count(metric: &str) -> bool {
    matches!(metric, "generated" | "delivered") || metric.starts_with("lost_")
}

/// The chart's name for `metric`: "Readings lost: out of range" for a count, else
/// [`metric_label`].
fn chart_label(metric: &str) -> String {
    match metric {
        "generated" => "Readings generated".to_string(),
        "delivered" => "Readings delivered".to_string(),
        m if m.starts_with("lost_") => format!("Readings lost: {}", m["lost_".len()..].replace('_', " ")),
        m => metric_label(m),
    }
}

/// Whether `metric` is a share within 0..1.
fn is_share(metric: &str) -> bool {
    is_ratio(metric) || metric == "coverage"
}

/// A scope for the legend: "district:Midtown" → "district: Midtown".
fn scope_label(scope: &str) -> String {
    match scope.split_once(':') {
        Some((kind, name)) => format!("{kind}: {name}"),
        None => scope.to_string(),
    }
}

/// A bucket length for the subtitle: "15 min", "1 h", "30 s".
fn bucket_label(bucket_s: f64) -> String {
    let trim = |v: f64| trim_tick(v);
    if bucket_s >= 86_400.0 && (bucket_s % 86_400.0).abs() < 1e-9 {
        format!("{} d", trim(bucket_s / 86_400.0))
    } else if bucket_s >= 3600.0 {
        format!("{} h", trim(bucket_s / 3600.0))
    } else if bucket_s >= 60.0 {
        format!("{} min", trim(bucket_s / 60.0))
    } else {
        format!("{} s", trim(bucket_s))
    }
}

/// One line on the chart.
#[derive(Debug)]
struct Line {
    label: String,
    color: RGBColor,
    width: u32,
    /// Unbroken stretches of (time in the chart's unit, value).
    stretches: Vec<Vec<(f64, f64)>>,
}

/// The chart of one metric over time, prepared once for both backends.
#[derive(Debug)]
pub struct SeriesChart {
    title: String,
    subtitle: String,
    metric: String,
    y_desc: String,
    /// "minutes", "hours" or "days".
    unit_name: &'static str,
    x_max: f64,
    y_axis: (f64, f64),
    /// Drawn from last to first: the grey ones, the coloured ones, the city on top.
    lines: Vec<Line>,
    /// How many of `lines` are the grey summary lines (at the end).
    others: usize,
    /// The value every sample has, when they all have the same one.
    constant: Option<f64>,
    /// Whether the values are counts, ticked at whole numbers only.
    integer: bool,
}

impl SeriesChart {
    /// The chart of `plot`.
    pub fn new(plot: &SeriesPlot) -> Self {
        let bucket_s = if plot.bucket_s.is_finite() && plot.bucket_s > 0.0 { plot.bucket_s } else { 0.0 };
        let last_s =
            plot.scopes.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(|t| t.is_finite()).fold(0.0, f64::max);
        let end_s = last_s + bucket_s;
        let (unit_s, unit_name) = time_unit(end_s);

        let mut scopes: Vec<&ScopeSeries> = plot.scopes.iter().collect();
        scopes.sort_by_cached_key(|s| (scope_rank(&s.scope), natural_key(&s.scope)));
        let mut lines = Vec::with_capacity(scopes.len());
        let mut coloured = 0;
        let mut values = Vec::new();
        for s in scopes {
            let mut points: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| p.0.is_finite()).collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut stretches = vec![Vec::new()];
            for (t, v) in points {
                if v.is_finite() {
                    values.push(v);
                    if let Some(stretch) = stretches.last_mut() {
                        stretch.push(((t + bucket_s / 2.0) / unit_s, v));
                    }
                } else if stretches.last().is_some_and(|s| !s.is_empty()) {
                    stretches.push(Vec::new());
                }
            }
            stretches.retain(|s| !s.is_empty());
            let (color, width) = if s.scope == CITY {
                (CITY_COLOR, 3)
            } else if coloured < MAX_COLOURED {
                coloured += 1;
                (PALETTE[(coloured - 1) % PALETTE.len()], 2)
            } else {
                (OTHER_COLOR, 1)
            };
            lines.push(Line { label: scope_label(&s.scope), color, width, stretches });
        }
        // The grey lines go last, so the legend and drawing order are simple.
        lines.sort_by_key(|l| l.color == OTHER_COLOR);
        let others = lines.iter().filter(|l| l.color == OTHER_COLOR).count();

        let x_max = end_s / unit_s;
        let (y_lo, y_hi) = value_range(is_share(&plot.metric), &values);
        // Counts get whole-number ticks, so at least five of them.
        let y_axis = if is_count(&plot.metric) { (y_lo, y_hi.max(y_lo + 5.0)) } else { (y_lo, y_hi) };
        let label = chart_label(&plot.metric);
        let y_desc = if is_count(&plot.metric) && bucket_s > 0.0 {
            format!("{label} per {}", bucket_label(bucket_s))
        } else {
            label.clone()
        };
        let bucket = if bucket_s > 0.0 {
            format!("one point per {} bucket, at its midpoint", bucket_label(bucket_s))
        } else {
            "one point per sample".to_string()
        };
        let n = plot.scopes.len();
        let scopes = if n == 1 { "1 scope".to_string() } else { format!("{} scopes", group_digits(n as u64)) };
        SeriesChart {
            title: format!("{label} over time — {}", plot.scenario),
            subtitle: format!("From timeseries.csv: {scopes}, {bucket}"),
            metric: plot.metric.clone(),
            y_desc,
            unit_name,
            x_max: if x_max > 0.0 { x_max } else { 1.0 },
            y_axis,
            integer: is_count(&plot.metric),
            constant: values.first().copied().filter(|v| values.iter().all(|w| w == v)),
            lines,
            others,
        }
    }
}

impl Chart for SeriesChart {
    const NAME: &'static str = "series";
    const SIZE: (u32, u32) = (1000, 600);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(root, &self.title, Some(&self.subtitle))?;
        let (width, _) = body.dim_in_pixel();
        let (plot_area, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));

        let (y_lo, y_hi) = self.y_axis;
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(75)
            .build_cartesian_2d(0.0..self.x_max, y_lo..y_hi)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc(format!("Simulated time ({})", self.unit_name))
            .y_desc(self.y_desc.as_str())
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 13))
            .x_label_formatter(&|v: &f64| trim_tick(*v))
            .y_label_formatter(&|_| String::new())
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04))
            .draw()?;
        // Value ticks by hand, so their labels carry exactly the decimals their step needs.
        let frame = PlotBox::of(chart.plotting_area());
        let (ys, step) = linear_ticks(y_lo, y_hi, ((frame.bottom - frame.top) / 40).max(2) as usize);
        let ticks: Vec<(i32, String)> = ys
            .iter()
            .filter(|v| !self.integer || v.fract().abs() < 1e-9)
            .map(|&v| {
                (chart.backend_coord(&(0.0, v)).1, tick_label(v, if self.integer { step.max(1.0) } else { step }))
            })
            .collect();
        draw_y_ticks(root, frame, &ticks)?;

        if self.lines.iter().all(|l| l.stretches.is_empty()) {
            let centre = chart.backend_coord(&(self.x_max / 2.0, (y_lo + y_hi) / 2.0));
            return draw_note(root, &format!("No values of {} in timeseries.csv", self.metric), centre);
        }

        if self.constant == Some(0.0) {
            draw_note(root, "Every value is 0", frame.centre())?;
        }
        for line in self.lines.iter().rev() {
            let style = if line.color == OTHER_COLOR {
                line.color.mix(0.6).stroke_width(1)
            } else {
                line.color.stroke_width(line.width)
            };
            for stretch in &line.stretches {
                if stretch.len() == 1 {
                    chart.draw_series(stretch.iter().map(|p| Circle::new(*p, 2, style.filled())))?;
                } else {
                    chart.draw_series(LineSeries::new(stretch.iter().copied(), style))?;
                }
            }
        }

        let mut entries: Vec<LegendEntry> = self.lines[..self.lines.len() - self.others]
            .iter()
            .map(|l| LegendEntry { mark: Mark::Line { color: l.color, width: l.width }, label: l.label.clone() })
            .collect();
        if self.others > 0 {
            let label = format!("{} more scope{} (grey)", group_digits(self.others as u64), plural(self.others));
            entries.push(LegendEntry { mark: Mark::Line { color: OTHER_COLOR, width: 1 }, label });
        }
        let no_windows: &[Window] = &[];
        draw_time_legend(&legend_area, "Scope", &entries, no_windows, "points at bucket midpoints")
    }
}

/// "s" unless `n` is one.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::charts::svg_string;

    fn scope(name: &str, f: impl Fn(f64) -> f64) -> ScopeSeries {
        ScopeSeries {
            scope: name.to_string(),
            points: (0..96).map(|i| (f64::from(i) * 900.0, f(f64::from(i)))).collect(),
        }
    }

    fn plot(scopes: Vec<ScopeSeries>) -> SeriesPlot {
        SeriesPlot { scenario: "Test town".to_string(), metric: "delivery_ratio".to_string(), bucket_s: 900.0, scopes }
    }

    #[test]
    fn city_first_then_scopes_by_kind_and_name() {
        let chart = SeriesChart::new(&plot(vec![
            scope("gateway:gw-1", |_| 0.97),
            scope("district:South", |_| 0.98),
            scope("city", |i| 0.99 - i * 0.0001),
            scope("district:North", |i| if i > 40.0 { f64::NAN } else { 0.95 }),
        ]));
        let labels: Vec<&str> = chart.lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["city", "district: North", "district: South", "gateway: gw-1"]);
        assert_eq!(chart.lines[0].width, 3);
        assert_eq!(chart.unit_name, "hours");
        assert_eq!(chart.x_max, 24.0);
        assert_eq!(chart.lines[0].stretches[0][0], (0.125, 0.99));
        let (lo, hi) = chart.y_axis;
        assert!((0.9..0.95).contains(&lo) && hi > 1.0, "{lo}..{hi}");
        let svg = svg_string(&chart).expect("draw");
        assert!(svg.contains("Delivery ratio over time — Test town"));
        assert!(svg.contains("district: North") && svg.contains("gateway: gw-1"));
        assert!(svg.contains("one point per 15 min bucket"));
    }

    #[test]
    fn many_scopes_are_summarised_in_grey() {
        let scopes: Vec<ScopeSeries> = (0..25).map(|i| scope(&format!("gateway:gw-{i:02}"), |_| 10.0)).collect();
        let mut p = plot(scopes);
        p.metric = "generated".to_string();
        let chart = SeriesChart::new(&p);
        assert_eq!(chart.others, 25 - MAX_COLOURED);
        let svg = svg_string(&chart).expect("draw");
        assert!(svg.contains("16 more scopes (grey)") && svg.contains("gateway: gw-08"));
        assert!(!svg.lines().any(|l| l == "gateway: gw-09"));
        assert!(chart.y_axis.0 < 10.0 && chart.y_axis.1 > 10.0, "{:?}", chart.y_axis);
    }

    #[test]
    fn empty_and_valueless_series_draw_a_note() {
        let svg = svg_string(&SeriesChart::new(&plot(vec![]))).expect("draw");
        assert!(svg.contains("No values of delivery_ratio in timeseries.csv"));
        let svg = svg_string(&SeriesChart::new(&plot(vec![scope("city", |_| f64::NAN)]))).expect("draw");
        assert!(svg.contains("No values of delivery_ratio in timeseries.csv"));
    }

    #[test]
    fn labels() {
        assert_eq!(metric_label("delivery_ratio"), "Delivery ratio");
        assert_eq!(metric_label("latency_p99_ms"), "Latency p99 (ms)");
        assert_eq!(metric_label("lost_gateway_busy"), "Lost gateway busy");
        assert_eq!(metric_label(""), "");
        assert_eq!(bucket_label(900.0), "15 min");
        assert_eq!(bucket_label(3600.0), "1 h");
        assert_eq!(bucket_label(86_400.0), "1 d");
        assert_eq!(bucket_label(30.0), "30 s");
        assert_eq!(series_stem("a b"), "series_a_b");
        assert_eq!(chart_label("lost_out_of_range"), "Readings lost: out of range");
        assert_eq!(chart_label("generated"), "Readings generated");
        assert_eq!(chart_label("queue_depth_max"), "Queue depth max");
        let mut names = ["gw-10", "gw-2", "gw-1", "a", "gw-02"];
        names.sort_by_cached_key(|n| natural_key(n));
        assert_eq!(names, ["a", "gw-1", "gw-02", "gw-2", "gw-10"]);
        assert!(is_count("lost_collision") && !is_count("coverage") && is_share("coverage"));
        assert!(scope_rank("city") < scope_rank("district:x") && scope_rank("hop:a/b") < scope_rank("other"));
    }
}
