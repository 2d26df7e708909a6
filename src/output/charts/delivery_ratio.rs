//! `charts/delivery_ratio.{svg,png}`: delivery ratio over simulated time, one bold line for the
//! whole city and one per district, from the `delivery_ratio` rows of the time series.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, DrawResult, FONT, LegendEntry, Mark, draw_legend, draw_title};
use crate::metrics::report::Report;

/// The time-series metric plotted.
const METRIC: &str = "delivery_ratio";
/// Scope of the city-wide series.
const CITY: &str = "city";
/// Prefix of per-district scopes.
const DISTRICT: &str = "district:";
/// Runs shorter than this are plotted in minutes rather than hours.
const HOURS_FROM_S: f64 = 3.0 * 3600.0;
/// Width of the legend panel on the right.
const LEGEND_W: u32 = 220;

/// The city line: black and thick, so it reads as the headline against the districts.
const CITY_COLOR: RGBColor = RGBColor(0, 0, 0);
/// District lines: the Tableau 10 categorical palette (distinct, colour-blind aware), cycled.
const DISTRICT_COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// One line on the chart.
#[derive(Debug)]
struct Line {
    label: String,
    color: RGBColor,
    width: u32,
    /// (time in `unit`s, delivery ratio), finite values only.
    points: Vec<(f64, f64)>,
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
}

impl DeliveryRatioChart {
    /// Picks the city and district delivery-ratio series out of `report`.
    pub fn new(report: &Report) -> Self {
        let (unit_s, unit_name) =
            if report.simulated_seconds < HOURS_FROM_S { (60.0, "minutes") } else { (3600.0, "hours") };
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

        DeliveryRatioChart {
            title: format!("Delivery ratio over time — {}", report.scenario.name),
            unit_name,
            x_max: if x_max > 0.0 { x_max } else { 1.0 },
            y_min,
            y_max,
            lines,
        }
    }
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
fn trim_tick(v: f64) -> String {
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

        let mut chart = ChartBuilder::on(&plot_area)
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(65)
            .build_cartesian_2d(0.0..self.x_max, self.y_min..self.y_max)?;

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

        // Districts first so the city line is drawn on top of them.
        for line in self.lines.iter().rev() {
            chart.draw_series(LineSeries::new(line.points.iter().copied(), line.color.stroke_width(line.width)))?;
        }

        if self.lines.is_empty() {
            let style = TextStyle::from((FONT, 18)).pos(Pos::new(HPos::Center, VPos::Center));
            let (w, h) = plot_area.dim_in_pixel();
            plot_area.draw_text("no delivery-ratio samples in this run", &style, (w as i32 / 2, h as i32 / 2))?;
        }

        let entries: Vec<LegendEntry> = self
            .lines
            .iter()
            .map(|l| LegendEntry { mark: Mark::Line { color: l.color, width: l.width }, label: l.label.clone() })
            .collect();
        draw_legend(&legend_area, 30, "Scope", &entries)?;

        // Say how to read the x positions, in small print under the legend heading's column.
        let grey = BLACK.mix(0.6);
        let note = TextStyle::from((FONT, 12, FontStyle::Normal)).color(&grey).pos(Pos::new(HPos::Left, VPos::Bottom));
        let (_, legend_h) = legend_area.dim_in_pixel();
        legend_area.draw_text("points at bucket midpoints", &note, (8, legend_h as i32 - 20))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
