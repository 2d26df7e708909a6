//! `charts/delivery_ratio.{svg,png}`: delivery ratio over simulated time, one bold line for the
//! whole city and one per district, from the `delivery_ratio` rows of the time series. Failure
//! windows from the resilience report are shaded behind the lines, and labelled with their kind
//! and scope above the plot while there are few enough of them to read. The time axis, the
//! failure shading and labels and the two-part legend are shared with the coverage chart.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, DrawResult, FONT, LegendEntry, Mark, TABLEAU10, draw_legend, draw_title, fit_text, group_digits};
use crate::metrics::report::{FailureWindow, Report};

/// The time-series metric plotted.
const METRIC: &str = "delivery_ratio";
/// Scope of the city-wide series.
const CITY: &str = "city";
/// Prefix of per-district scopes.
const DISTRICT: &str = "district:";
/// Runs shorter than this are plotted in minutes rather than hours.
const HOURS_FROM_S: f64 = 3.0 * 3600.0;
/// Runs this long or longer are plotted in days rather than hours.
const DAYS_FROM_S: f64 = 4.0 * 86_400.0;
/// Width of the legend panel on the right.
const LEGEND_W: u32 = 220;

/// Failure windows are labelled only when there are at most this many; more are shaded only.
pub const MAX_LABELLED_FAILURES: usize = 6;
/// At most this many rows of failure labels above the plot.
const LABEL_ROWS: usize = 3;
/// Height of one row of failure labels, in pixels.
const LABEL_ROW_PX: i32 = 17;
/// Space around the plot, in pixels.
const MARGIN: i32 = 15;
/// Width of the y-axis label area, in pixels.
const Y_LABELS: i32 = 65;

/// Failure kinds as the resilience report names them, their legend text, and the band's colour
/// (Okabe–Ito hues where they can be told apart as pale washes behind the lines) and a darker one
/// for the label.
const FAILURE_KINDS: [(&str, &str, RGBColor, RGBColor); 7] = [
    ("power", "power outage", RGBColor(230, 159, 0), RGBColor(150, 95, 0)),
    ("backhaul", "backhaul cut", RGBColor(204, 121, 167), RGBColor(140, 60, 110)),
    ("gateway", "gateway down", RGBColor(110, 110, 110), RGBColor(70, 70, 70)),
    ("storm", "storm", RGBColor(0, 114, 178), RGBColor(0, 70, 120)),
    ("device", "device failure", RGBColor(140, 86, 75), RGBColor(100, 60, 50)),
    ("jamming", "jamming", RGBColor(0, 158, 115), RGBColor(0, 100, 70)),
    ("compromised", "compromised devices", RGBColor(190, 30, 70), RGBColor(130, 10, 40)),
];
/// Band and label colours of a kind the palette does not know.
const OTHER_FAILURE: (RGBColor, RGBColor) = (RGBColor(150, 150, 60), RGBColor(95, 95, 30));

/// The city line: black and thick, so it reads as the headline against the districts.
const CITY_COLOR: RGBColor = RGBColor(0, 0, 0);
/// District lines: the Tableau 10 categorical palette (distinct, colour-blind aware), cycled.
const DISTRICT_COLORS: [RGBColor; 10] = TABLEAU10;

/// One line on the chart.
#[derive(Debug)]
struct Line {
    label: String,
    color: RGBColor,
    width: u32,
    /// (time in `unit`s, delivery ratio), finite values only.
    points: Vec<(f64, f64)>,
}

/// One failure window on the time axis.
#[derive(Debug, PartialEq)]
pub(crate) struct Window {
    /// gateway | power | backhaul | storm | device | jamming | compromised (or whatever else the
    /// report names).
    kind: String,
    /// What it hit, e.g. "district East Side" or "gw-3".
    scope: String,
    /// Start and end in the chart's time unit, within the axis.
    from: f64,
    to: f64,
}

impl Window {
    /// Band colour and label colour.
    fn colors(&self) -> (RGBColor, RGBColor) {
        FAILURE_KINDS.iter().find(|k| k.0 == self.kind).map_or(OTHER_FAILURE, |k| (k.2, k.3))
    }
}

/// Where a failure label goes: its text, the row above the plot (0 nearest it) and its left edge.
#[derive(Debug, PartialEq)]
pub(crate) struct LabelSpot {
    text: String,
    row: usize,
    left: i32,
}

/// The delivery-ratio chart, with its data prepared once for both backends.
#[derive(Debug)]
pub struct DeliveryRatioChart {
    title: String,
    /// "hours" or "minutes".
    unit_name: &'static str,
    x_max: f64,
    y_min: f64,
    y_max: f64,
    /// City first, then districts by name.
    lines: Vec<Line>,
    /// Failure windows that overlap the run, by start.
    windows: Vec<Window>,
}

impl DeliveryRatioChart {
    /// Picks the city and district delivery-ratio series out of `report`.
    pub fn new(report: &Report) -> Self {
        let (unit_s, unit_name) = time_unit(report.simulated_seconds);
        // Each sample covers [time_s, time_s + bucket_s); plotting it at the bucket's middle puts
        // a dip where it actually happened rather than half a bucket early.
        let half_bucket = report.timeseries.bucket_s.max(0.0) / 2.0;

        let mut city = Vec::new();
        let mut districts: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
        for row in report.timeseries.rows.iter().filter(|r| r.metric == METRIC) {
            if !row.value.is_finite() || !row.time_s.is_finite() {
                // Buckets with no readings carry no ratio; leave a gap-free line over the rest.
                continue;
            }
            let point = ((row.time_s + half_bucket) / unit_s, row.value);
            if row.scope == CITY {
                city.push(point);
            } else if let Some(name) = row.scope.strip_prefix(DISTRICT) {
                districts.entry(name).or_default().push(point);
            }
        }

        let mut lines = Vec::with_capacity(districts.len() + 1);
        if !city.is_empty() {
            lines.push(Line { label: "city".to_string(), color: CITY_COLOR, width: 3, points: city });
        }
        for (i, (name, points)) in districts.into_iter().enumerate() {
            lines.push(Line {
                label: name.to_string(),
                color: DISTRICT_COLORS[i % DISTRICT_COLORS.len()],
                width: 2,
                points,
            });
        }

        let last_t = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)).fold(0.0, f64::max);
        let x_max = (report.simulated_seconds / unit_s).max(last_t);
        let y_min_seen = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).fold(1.0, f64::min);
        let (y_min, y_max) = y_range(y_min_seen);

        let x_max = if x_max > 0.0 { x_max } else { 1.0 };
        DeliveryRatioChart {
            title: format!("Delivery ratio over time — {}", report.scenario.name),
            unit_name,
            x_max,
            y_min,
            y_max,
            lines,
            windows: failure_windows(&report.resilience.failures, 3600.0 / unit_s, x_max),
        }
    }

    /// Where the failure labels go when the plot spans `left..right` pixels (see
    /// [`label_spots`]).
    #[cfg(test)]
    fn label_spots(&self, left: i32, right: i32, width: impl FnMut(&str) -> i32) -> Vec<Option<LabelSpot>> {
        label_spots(&self.windows, self.x_max, left, right, width)
    }
}

/// The time unit for a run of `simulated_seconds`: seconds per unit and its name. Minutes for
/// runs under three hours, days for runs of four days or more, hours between.
pub(crate) fn time_unit(simulated_seconds: f64) -> (f64, &'static str) {
    if simulated_seconds < HOURS_FROM_S {
        (60.0, "minutes")
    } else if simulated_seconds >= DAYS_FROM_S {
        (86_400.0, "days")
    } else {
        (3600.0, "hours")
    }
}

/// Where the labels of `windows` go on a time axis of `0..x_max` drawn across `left..right`
/// pixels: `None` for a window left unlabelled (there are more than [`MAX_LABELLED_FAILURES`],
/// or no row has room). `width` measures a label's text in pixels.
pub(crate) fn label_spots(
    windows: &[Window],
    x_max: f64,
    left: i32,
    right: i32,
    mut width: impl FnMut(&str) -> i32,
) -> Vec<Option<LabelSpot>> {
    const GAP: i32 = 8;
    if windows.len() > MAX_LABELLED_FAILURES {
        return windows.iter().map(|_| None).collect();
    }
    let x_px = |t: f64| left + ((t / x_max) * f64::from(right - left)).round() as i32;
    // Right edge of the last label in each row used so far.
    let mut rows: Vec<i32> = Vec::new();
    let mut spots = Vec::with_capacity(windows.len());
    for w in windows {
        // The full label, or just the scope when the rows are too crowded for it.
        let spot = [format!("{}: {}", w.kind, w.scope), w.scope.clone()].into_iter().find_map(|text| {
            // Just right of the window's start, pulled left if it would run off the plot.
            let text_w = width(&text);
            let x = (x_px(w.from) + 3).min(right - text_w).max(left);
            let row = match rows.iter().position(|&end| end + GAP <= x) {
                Some(row) => row,
                None if rows.len() < LABEL_ROWS => {
                    rows.push(i32::MIN);
                    rows.len() - 1
                }
                None => return None,
            };
            rows[row] = x + text_w;
            Some(LabelSpot { text, row, left: x })
        });
        spots.push(spot);
    }
    spots
}

/// The failure labels of a time chart, laid out over its plot area before the chart is built
/// (they decide how much room the plot leaves above itself).
#[derive(Debug)]
pub(crate) struct FailureLabels {
    /// One per window, in the same order.
    spots: Vec<Option<LabelSpot>>,
    /// Right edge of the plot, in root pixels.
    plot_right: i32,
}

impl FailureLabels {
    /// Lays out the labels of `windows` over a time axis of `0..x_max` in `plot_area`, which is
    /// to be built with [`MARGIN`] and a y-label area of [`Y_LABELS`] (see [`time_chart`]).
    pub(crate) fn layout<DB: DrawingBackend>(
        plot_area: &DrawingArea<DB, Shift>,
        windows: &[Window],
        x_max: f64,
    ) -> Self {
        let (plot_w, _) = plot_area.dim_in_pixel();
        let (base_x, _) = plot_area.get_base_pixel();
        let plot_right = base_x + plot_w as i32 - MARGIN;
        let style = failure_label_style();
        let spots = label_spots(windows, x_max, base_x + MARGIN + Y_LABELS, plot_right, |text| {
            plot_area.estimate_text_size(text, &style).map_or(0, |(w, _)| w as i32)
        });
        FailureLabels { spots, plot_right }
    }

    /// Rows of labels above the plot.
    fn rows(&self) -> u32 {
        self.spots.iter().flatten().map(|s| s.row as u32 + 1).max().unwrap_or(0)
    }
}

/// The style of failure labels (coloured per kind when drawn).
fn failure_label_style() -> TextStyle<'static> {
    TextStyle::from((FONT, 12, FontStyle::Normal)).pos(Pos::new(HPos::Left, VPos::Center))
}

/// A time chart's plot.
pub(crate) type TimePlot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A time chart's plot on `plot_area`, `0..x_max` across and `y` up, leaving room above it for
/// the rows of failure `labels`. The caller configures and draws the mesh.
pub(crate) fn time_chart<'a, DB: DrawingBackend>(
    plot_area: &'a DrawingArea<DB, Shift>,
    labels: &FailureLabels,
    x_max: f64,
    y: std::ops::Range<f64>,
) -> Result<TimePlot<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    ChartBuilder::on(plot_area)
        .margin(MARGIN as u32)
        .margin_top(MARGIN as u32 + labels.rows() * LABEL_ROW_PX as u32)
        .x_label_area_size(50)
        .y_label_area_size(Y_LABELS as u32)
        .build_cartesian_2d(0.0..x_max, y)
}

/// Shades `windows` behind the lines of `chart` (whose y axis spans `y_min..y_max`), drawn on
/// `root`, and writes their `labels` above the plot, each tied to its band. Every band goes down
/// before any label, so a band reaching up to a higher row never veils a label below it.
pub(crate) fn shade_failures<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &TimePlot<'_, DB>,
    windows: &[Window],
    labels: &FailureLabels,
    (y_min, y_max): (f64, f64),
) -> DrawResult<DB> {
    // Lighter when there are many, as they pile up.
    let alpha = if windows.len() > MAX_LABELLED_FAILURES { 0.10 } else { 0.16 };
    let label_style = failure_label_style();
    let (_, plot_top) = chart.backend_coord(&(0.0, y_max));
    // Centre line of a row of labels.
    let row_y = |spot: &LabelSpot| plot_top - LABEL_ROW_PX / 2 - 2 - spot.row as i32 * LABEL_ROW_PX;
    let mut texts = Vec::new();
    for (window, spot) in windows.iter().zip(&labels.spots) {
        let (fill, text_color) = window.colors();
        let (x0, y0) = chart.backend_coord(&(window.from, y_max));
        let (x1, y1) = chart.backend_coord(&(window.to, y_min));
        // At least 2 px wide, so a short window is still seen.
        let x1 = x1.max(x0 + 2);
        root.draw(&Rectangle::new([(x0, y0), (x1, y1)], fill.mix(alpha).filled()))?;
        if let Some(spot) = spot {
            // The band reaches up to its label, tying the two together.
            let top = row_y(spot) - LABEL_ROW_PX / 2 + 1;
            root.draw(&Rectangle::new([(x0, top), (x1, plot_top)], fill.mix(alpha).filled()))?;
            root.draw(&PathElement::new(vec![(x0, top), (x0, y1)], fill.mix(0.8).stroke_width(1)))?;
            texts.push((spot, text_color));
        }
    }
    for (spot, color) in texts {
        let room = (labels.plot_right + MARGIN - spot.left).max(10) as u32;
        let style = label_style.color(&color);
        let text = fit_text(root, &spot.text, &style, room)?;
        root.draw_text(&text, &style, (spot.left, row_y(spot)))?;
    }
    Ok(())
}

/// The legend panel of a time chart: the series under `heading` on top, the failure kinds among
/// `windows` below them (the series give up rows first), and `note` in small print at the foot.
pub(crate) fn draw_time_legend<DB: DrawingBackend>(
    legend_area: &DrawingArea<DB, Shift>,
    heading: &str,
    entries: &[LegendEntry],
    windows: &[Window],
    note: &str,
) -> DrawResult<DB> {
    let (_, legend_h) = legend_area.dim_in_pixel();
    if windows.is_empty() {
        draw_legend(legend_area, 30, heading, entries)?;
    } else {
        let kinds = failure_kinds(windows);
        let failures_h = 22 * (kinds.len() as i32 + 2) + 40;
        let series_h = (30 + 22 * (entries.len() as i32 + 1)).min(legend_h as i32 - failures_h).max(60);
        let (series_area, failure_area) = legend_area.split_vertically(series_h);
        draw_legend(&series_area, 30, heading, entries)?;
        let n = windows.len();
        let heading = format!("{} failure window{}", group_digits(n as u64), if n == 1 { "" } else { "s" });
        draw_legend(&failure_area, 10, &heading, &kinds)?;
    }
    // Say how to read the x positions, in small print under the legend heading's column.
    let grey = BLACK.mix(0.6);
    let style = TextStyle::from((FONT, 12, FontStyle::Normal)).color(&grey).pos(Pos::new(HPos::Left, VPos::Bottom));
    legend_area.draw_text(note, &style, (8, legend_h as i32 - 20))
}

/// `failures` on a time axis of `0..x_max` in units of `per_hour` per hour, by start; windows
/// outside the axis (or with no sensible times) are left out, the others clipped to it.
pub(crate) fn failure_windows(failures: &[FailureWindow], per_hour: f64, x_max: f64) -> Vec<Window> {
    let mut windows: Vec<Window> = failures
        .iter()
        .filter(|f| f.start_h.is_finite() && !f.end_h.is_nan())
        .map(|f| Window {
            kind: f.kind.to_string(),
            scope: f.scope.clone(),
            from: (f.start_h * per_hour).max(0.0),
            to: (f.end_h.max(f.start_h) * per_hour).min(x_max),
        })
        .filter(|w| w.from < x_max && w.to >= w.from)
        .collect();
    windows.sort_by(|a, b| a.from.total_cmp(&b.from));
    windows
}

/// One legend entry per failure kind among `windows`, in palette order then by name, with the
/// number of windows of that kind.
fn failure_kinds(windows: &[Window]) -> Vec<LegendEntry> {
    let mut counts: BTreeMap<(usize, &str), u64> = BTreeMap::new();
    for w in windows {
        let order = FAILURE_KINDS.iter().position(|k| k.0 == w.kind).unwrap_or(FAILURE_KINDS.len());
        *counts.entry((order, w.kind.as_str())).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((order, kind), n)| {
            let (label, color) = FAILURE_KINDS.get(order).map_or((kind, OTHER_FAILURE.0), |k| (k.1, k.2));
            LegendEntry { mark: Mark::Square(tint(color, 0.45)), label: format!("{label} ({})", group_digits(n)) }
        })
        .collect()
}

/// `color` at `alpha` over white, as an opaque colour (legend squares for translucent bands).
fn tint(color: RGBColor, alpha: f64) -> RGBColor {
    let mix = |c: u8| (255.0 - (255.0 - f64::from(c)) * alpha).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// The y axis for a lowest observed ratio of `min`: always includes 1.0, and starts a tenth of
/// the spread below `min` so small variations fill the plot instead of hugging the top. A spread
/// of at least half a percent keeps a perfect run from being drawn on a microscopic scale.
fn y_range(min: f64) -> (f64, f64) {
    let spread = (1.0 - min.clamp(0.0, 1.0)).max(0.005);
    let low = (1.0 - spread * 1.1).max(0.0);
    // A sliver of headroom so a line at exactly 1.0 is not half hidden by the frame.
    (low, 1.0 + spread * 0.02)
}

/// Decimals needed on the y axis to tell its roughly ten ticks apart.
fn y_decimals(span: f64) -> usize {
    let needed = (-(span / 10.0).log10()).ceil();
    if needed.is_finite() { needed.clamp(2.0, 6.0) as usize } else { 2 }
}

/// A time tick without trailing zeros ("20", "1.5"), rounded to hide float noise from tick maths.
pub(crate) fn trim_tick(v: f64) -> String {
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

impl Chart for DeliveryRatioChart {
    const NAME: &'static str = "delivery_ratio";
    const SIZE: (u32, u32) = (1000, 600);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(root, &self.title, None)?;
        let (width, _) = body.dim_in_pixel();
        let (plot_area, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));

        // Failure labels go in rows above the plot, so they never hide a line near 1.0.
        let labels = FailureLabels::layout(&plot_area, &self.windows, self.x_max);
        let mut chart = time_chart(&plot_area, &labels, self.x_max, self.y_min..self.y_max)?;

        let decimals = y_decimals(self.y_max - self.y_min);
        let y_fmt = move |v: &f64| format!("{v:.decimals$}");
        chart
            .configure_mesh()
            .x_desc(format!("Simulated time ({})", self.unit_name))
            .y_desc("Delivery ratio")
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 13))
            .x_label_formatter(&|v: &f64| trim_tick(*v))
            .y_label_formatter(&y_fmt)
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04))
            .draw()?;

        shade_failures(root, &chart, &self.windows, &labels, (self.y_min, self.y_max))?;

        // Districts first so the city line is drawn on top of them.
        for line in self.lines.iter().rev() {
            chart.draw_series(LineSeries::new(line.points.iter().copied(), line.color.stroke_width(line.width)))?;
        }

        if self.lines.is_empty() {
            // Centred on the plot itself, not on the area around it.
            let style = TextStyle::from((FONT, 18)).pos(Pos::new(HPos::Center, VPos::Center));
            let centre = chart.backend_coord(&(self.x_max / 2.0, (self.y_min + self.y_max) / 2.0));
            root.draw_text("no delivery-ratio samples in this run", &style, centre)?;
        }

        let entries: Vec<LegendEntry> = self
            .lines
            .iter()
            .map(|l| LegendEntry { mark: Mark::Line { color: l.color, width: l.width }, label: l.label.clone() })
            .collect();
        draw_time_legend(&legend_area, "Scope", &entries, &self.windows, "points at bucket midpoints")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::report::FailureWindow;
    use crate::output::sample_report;

    #[test]
    fn picks_city_first_then_districts_in_name_order() {
        let chart = DeliveryRatioChart::new(&sample_report());
        let labels: Vec<&str> = chart.lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["city", "North", "South, old town"]);
        assert_eq!(chart.lines[0].width, 3);
        assert_eq!(chart.unit_name, "hours");
        assert_eq!(chart.x_max, 6.0);
        // First bucket (0..900 s) is plotted at its middle, 450 s = 0.125 h.
        assert_eq!(chart.lines[0].points[0].0, 0.125);
    }

    #[test]
    fn y_axis_includes_one_and_sits_below_the_minimum() {
        let chart = DeliveryRatioChart::new(&sample_report());
        assert!(chart.y_min < 0.82 && chart.y_min > 0.75, "{}", chart.y_min);
        assert!(chart.y_max >= 1.0);
        assert_eq!(y_range(1.0).0, 1.0 - 0.005 * 1.1);
        assert_eq!(y_range(0.0).0, 0.0);
        assert_eq!(y_decimals(1.02), 2);
        assert_eq!(y_decimals(0.013), 3);
        assert_eq!(y_decimals(0.0056), 4);
    }

    #[test]
    fn time_ticks_drop_needless_decimals() {
        assert_eq!(trim_tick(20.0), "20");
        assert_eq!(trim_tick(1.5), "1.5");
        assert_eq!(trim_tick(0.30000000000000004), "0.3");
        assert_eq!(trim_tick(-0.0), "0");
    }

    fn failure(kind: &'static str, scope: &str, start_h: f64, end_h: f64) -> FailureWindow {
        FailureWindow {
            kind,
            scope: scope.to_string(),
            start_h,
            end_h,
            before: 0.99,
            lowest: 0.8,
            recovered_after_h: Some(end_h - start_h),
        }
    }

    /// The sample report with a power cut over the northern dip, a backhaul cut and a gateway
    /// failure that starts before the run ends and outlasts it.
    fn report_with_failures() -> Report {
        let mut report = sample_report();
        report.resilience.failures = vec![
            failure("gateway", "gw-1", 5.5, 9.0),
            failure("power", "district North", 2.0, 3.0),
            failure("backhaul", "gw-0", 2.5, 2.75),
            failure("gateway", "gw-0", 7.0, 8.0),
        ];
        report
    }

    #[test]
    fn failure_windows_are_sorted_and_clipped_to_the_axis() {
        let chart = DeliveryRatioChart::new(&report_with_failures());
        let got: Vec<(&str, &str, f64, f64)> =
            chart.windows.iter().map(|w| (w.kind.as_str(), w.scope.as_str(), w.from, w.to)).collect();
        assert_eq!(
            got,
            [("power", "district North", 2.0, 3.0), ("backhaul", "gw-0", 2.5, 2.75), ("gateway", "gw-1", 5.5, 6.0)]
        );
        assert_eq!(chart.windows[0].colors(), (FAILURE_KINDS[0].2, FAILURE_KINDS[0].3));

        // In minutes on a short run.
        let windows = failure_windows(&[failure("power", "district North", 0.25, 0.5)], 60.0, 60.0);
        assert_eq!((windows[0].from, windows[0].to), (15.0, 30.0));

        let legend: Vec<String> = failure_kinds(&chart.windows).into_iter().map(|e| e.label).collect();
        assert_eq!(legend, ["power outage (1)", "backhaul cut (1)", "gateway down (1)"]);
        assert_eq!(tint(RGBColor(0, 100, 255), 0.5), RGBColor(128, 178, 255));
    }

    #[test]
    fn failure_labels_stack_in_rows_and_stop_when_crowded() {
        let chart = DeliveryRatioChart::new(&report_with_failures());
        // 100 px per hour; every label 120 px wide.
        let spots = chart.label_spots(0, 600, |_| 120);
        let spots: Vec<(usize, i32)> = spots.into_iter().map(|s| s.map(|s| (s.row, s.left)).expect("label")).collect();
        // The backhaul cut starts 50 px after the power cut: one row up. The gateway label fits
        // on the first row again, pulled left so it ends at the plot's edge.
        assert_eq!(spots, [(0, 203), (1, 253), (0, 480)]);

        // Windows too close together for three rows fall back to the scope, then to no label.
        let mut report = sample_report();
        report.resilience.failures = (0..5).map(|i| failure("gateway", &format!("gw-{i}"), 1.0, 2.0)).collect();
        let chart = DeliveryRatioChart::new(&report);
        let spots = chart.label_spots(0, 600, |text| text.len() as i32 * 7);
        let texts: Vec<Option<&str>> = spots.iter().map(|s| s.as_ref().map(|s| s.text.as_str())).collect();
        assert_eq!(texts, [Some("gateway: gw-0"), Some("gateway: gw-1"), Some("gateway: gw-2"), None, None]);

        // Many windows are shaded without labels.
        report.resilience.failures = (0..20)
            .map(|i| failure("gateway", &format!("gw-{i}"), f64::from(i) * 0.25, f64::from(i) * 0.25 + 1.5))
            .collect();
        let chart = DeliveryRatioChart::new(&report);
        assert_eq!(chart.windows.len(), 20);
        assert!(chart.label_spots(0, 600, |_| 10).iter().all(Option::is_none));
    }

    #[test]
    fn renders_failure_windows() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let chart = DeliveryRatioChart::new(&report_with_failures());
        super::super::render(&chart, tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("delivery_ratio.svg")).expect("svg");
        assert!(svg.contains("power: district North") && svg.contains("backhaul: gw-0"));
        assert!(svg.contains("3 failure windows") && svg.contains("gateway down (1)"));

        let mut report = sample_report();
        report.resilience.failures = (0..20)
            .map(|i| failure("gateway", &format!("gw-{i}"), f64::from(i) * 0.25, f64::from(i) * 0.25 + 1.5))
            .collect();
        super::super::render(&DeliveryRatioChart::new(&report), tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("delivery_ratio.svg")).expect("svg");
        assert!(svg.contains("20 failure windows") && svg.contains("gateway down (20)"));
        assert!(!svg.contains("gateway: gw-3"));
    }

    #[test]
    fn every_failure_kind_has_its_own_colour_and_legend_text() {
        let names: Vec<&str> = FAILURE_KINDS.iter().map(|k| k.0).collect();
        assert_eq!(names, ["power", "backhaul", "gateway", "storm", "device", "jamming", "compromised"]);
        for (i, a) in FAILURE_KINDS.iter().enumerate() {
            for b in &FAILURE_KINDS[i + 1..] {
                assert!(a.1 != b.1 && a.2 != b.2 && a.3 != b.3, "{} and {} look alike", a.0, b.0);
            }
            assert!(a.2 != OTHER_FAILURE.0, "{} looks like an unknown kind", a.0);
        }

        let mut report = sample_report();
        report.resilience.failures = vec![
            failure("compromised", "group parking", 0.5, 1.0),
            failure("jamming", "area Mill", 1.0, 1.5),
            failure("device", "group parking", 1.5, 2.0),
            failure("storm", "area Coast", 2.0, 4.0),
            failure("meteor", "city", 4.0, 5.0),
        ];
        let chart = DeliveryRatioChart::new(&report);
        let legend: Vec<String> = failure_kinds(&chart.windows).into_iter().map(|e| e.label).collect();
        assert_eq!(legend, ["storm (1)", "device failure (1)", "jamming (1)", "compromised devices (1)", "meteor (1)"]);
        let colors: Vec<RGBColor> = chart.windows.iter().map(|w| w.colors().0).collect();
        assert_eq!(
            colors,
            [FAILURE_KINDS[6].2, FAILURE_KINDS[5].2, FAILURE_KINDS[4].2, FAILURE_KINDS[3].2, OTHER_FAILURE.0]
        );
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("delivery_ratio.svg")).expect("svg");
        assert!(svg.contains("compromised devices (1)") && svg.contains("jamming: area Mill"));
    }

    #[test]
    fn long_runs_use_days() {
        assert_eq!(time_unit(3600.0), (60.0, "minutes"));
        assert_eq!(time_unit(2.0 * 86_400.0), (3600.0, "hours"));
        assert_eq!(time_unit(7.0 * 86_400.0), (86_400.0, "days"));
        let windows = failure_windows(&[failure("storm", "area Coast", 36.0, 60.0)], 1.0 / 24.0, 7.0);
        assert_eq!((windows[0].from, windows[0].to), (1.5, 2.5));
    }

    #[test]
    fn short_runs_use_minutes() {
        let mut report = sample_report();
        report.simulated_seconds = 3600.0;
        report.timeseries.rows.retain(|r| r.time_s < 3600.0);
        let chart = DeliveryRatioChart::new(&report);
        assert_eq!(chart.unit_name, "minutes");
        assert_eq!(chart.x_max, 60.0);
    }
}
