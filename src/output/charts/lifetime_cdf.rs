//! `charts/lifetime_cdf.{svg,png}`: the empirical distribution of projected battery lifetime
//! over every battery sensor, as cumulative step lines on a log axis from hours to decades: one
//! line per sensor group in its own colour and the whole fleet in black, with the fleet's 5th
//! percentile marked. A point (x, y) reads "a share y of the sensors is projected to run empty
//! within x". Energy-neutral solar sensors never run empty, so they are left out of the lines and
//! counted in the legend instead.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::lifetime::TICKS;
use super::{Chart, DrawResult, FONT, LegendEntry, Mark, TABLEAU10, draw_legend, draw_title, group_digits};
use crate::metrics::report::Report;
use crate::model::battery::HOURS_PER_YEAR;

/// Width of the legend panel on the right.
const LEGEND_W: u32 = 330;
/// Distance of the legend's heading from the top of its panel, in pixels.
const LEGEND_TOP: i32 = 40;
/// Days in a year, as the battery model counts them.
const DAYS_PER_YEAR: f64 = HOURS_PER_YEAR / 24.0;
/// The axis always reaches at least this far, in years, so a long-lived fleet is seen against the
/// common 10- and 20-year service lives.
const MIN_AXIS_TOP_YEARS: f64 = 20.0;
/// The axis never starts above this, in years, so a year is always on it.
const MAX_AXIS_BOTTOM_YEARS: f64 = 1.0;
/// Nor below this (about an hour): shorter lifetimes are drawn at the axis' left edge.
const MIN_AXIS_BOTTOM_YEARS: f64 = 1e-4;
/// Lifetimes within this factor of a step's first one join that step: far below a pixel on the
/// axis, and it keeps a line over tens of thousands of sensors to a few thousand points.
const MERGE_FACTOR: f64 = 1.002;
/// The percentile of the fleet that is marked.
const MARKED_PERCENTILE: f64 = 0.05;

/// The fleet line: black and thick, as the city line of the delivery-ratio chart.
const FLEET_COLOR: RGBColor = RGBColor(0, 0, 0);
/// Group lines: the Tableau 10 categorical palette the other charts use, cycled.
const GROUP_COLORS: [RGBColor; 10] = TABLEAU10;
/// The fleet's 5th-percentile marker: dark grey, apart from every group colour and from the
/// fleet's black line it crosses.
const MARKER_COLOR: RGBColor = RGBColor(70, 70, 70);

/// One group's (or the fleet's) lifetimes.
#[derive(Clone, Debug, PartialEq)]
struct Curve {
    /// Group name, or "fleet" for every battery sensor.
    name: String,
    color: RGBColor,
    width: u32,
    /// Finite lifetimes, years, ascending (zero and negative ones as 0).
    years: Vec<f64>,
    /// Energy-neutral sensors (infinite lifetime), left out of `years`.
    neutral: u64,
}

impl Curve {
    /// The legend text: "near_sf7 · 200", "aq_mixed · 30 + 20 energy-neutral",
    /// "aq_solar · 50 energy-neutral".
    fn label(&self) -> String {
        let finite = group_digits(self.years.len() as u64);
        match (self.years.len(), self.neutral) {
            (_, 0) => format!("{} · {finite}", self.name),
            (0, n) => format!("{} · {} energy-neutral", self.name, group_digits(n)),
            (_, n) => format!("{} · {finite} + {} energy-neutral", self.name, group_digits(n)),
        }
    }
}

/// The lifetime-distribution chart, with its lines prepared once for both backends.
#[derive(Debug)]
pub struct LifetimeCdfChart {
    title: String,
    /// Groups in report order (only those with battery sensors).
    groups: Vec<Curve>,
    /// Every battery sensor.
    fleet: Curve,
    /// The years axis.
    axis: (f64, f64),
    /// The fleet's 5th percentile, years (None when no sensor has a finite lifetime).
    p5: Option<f64>,
}

impl LifetimeCdfChart {
    /// Sorts the per-sensor lifetimes of `report` into one curve per group and one for the fleet.
    pub fn new(report: &Report) -> Self {
        let mut by_group: BTreeMap<u16, (Vec<f64>, u64)> = BTreeMap::new();
        for s in &report.lifetimes {
            let years = f64::from(s.years);
            let entry = by_group.entry(s.group).or_default();
            if years.is_infinite() && years > 0.0 {
                entry.1 += 1;
            } else if !years.is_nan() {
                entry.0.push(years.max(0.0));
            }
        }

        let mut fleet =
            Curve { name: "fleet".to_string(), color: FLEET_COLOR, width: 3, years: Vec::new(), neutral: 0 };
        let groups: Vec<Curve> = by_group
            .into_iter()
            .map(|(g, (mut years, neutral))| {
                years.sort_by(f64::total_cmp);
                fleet.years.extend_from_slice(&years);
                fleet.neutral += neutral;
                let name = report.groups.get(usize::from(g)).map_or_else(|| format!("group {g}"), |s| s.name.clone());
                Curve { name, color: GROUP_COLORS[usize::from(g) % GROUP_COLORS.len()], width: 2, years, neutral }
            })
            .collect();
        fleet.years.sort_by(f64::total_cmp);

        LifetimeCdfChart {
            title: format!("Distribution of projected battery lifetime — {}", report.scenario.name),
            axis: years_axis(&fleet.years),
            p5: percentile(&fleet.years, MARKED_PERCENTILE),
            groups,
            fleet,
        }
    }
}

/// The `p` quantile of ascending `sorted`, picked as `summary.json`'s spreads pick theirs (the
/// value at the rounded rank), so the marker agrees with the report.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    Some(sorted[((last as f64) * p).round() as usize])
}

/// The years axis: from a decade at or below the shortest positive lifetime (and at most
/// [`MAX_AXIS_BOTTOM_YEARS`]) to a little beyond the longest one or [`MIN_AXIS_TOP_YEARS`].
fn years_axis(sorted: &[f64]) -> (f64, f64) {
    let min = sorted.iter().copied().find(|v| *v > 0.0).map_or(MAX_AXIS_BOTTOM_YEARS, |v| v / 1.5);
    let lo = 10f64.powf(min.clamp(MIN_AXIS_BOTTOM_YEARS, MAX_AXIS_BOTTOM_YEARS).log10().floor());
    let max = sorted.last().copied().unwrap_or(0.0);
    (lo, max.max(MIN_AXIS_TOP_YEARS) * 1.3)
}

/// The step line of the empirical CDF of ascending `sorted` on the axis `lo..hi`: from 0 at the
/// shortest lifetime up to 1 at the longest, with lifetimes off the axis drawn at its edge.
/// Lifetimes within [`MERGE_FACTOR`] of each other share one step. The line stops at both ends
/// rather than running along the frame, where the lines of all groups would pile up.
fn cdf_steps(sorted: &[f64], (lo, hi): (f64, f64)) -> Vec<(f64, f64)> {
    let n = sorted.len() as f64;
    let mut points = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let x = sorted[i].clamp(lo, hi);
        let run = sorted[i..].iter().take_while(|v| v.clamp(lo, hi) <= x * MERGE_FACTOR).count();
        points.push((x, i as f64 / n));
        i += run;
        points.push((x, i as f64 / n));
    }
    points
}

/// A lifetime with its unit: days below a month ("7.8 days"), years above ("1.53 years",
/// "14.7 years").
fn years_label(years: f64) -> String {
    match years {
        y if !y.is_finite() => "∞".to_string(),
        y if y < 1.0 / 12.0 => {
            let days = (y * DAYS_PER_YEAR).max(0.0);
            if days < 9.95 { format!("{days:.1} days") } else { format!("{days:.0} days") }
        }
        y if y < 9.995 => format!("{y:.2} years"),
        y => format!("{y:.1} years"),
    }
}

impl Chart for LifetimeCdfChart {
    const NAME: &'static str = "lifetime_cdf";
    const SIZE: (u32, u32) = (1280, 720);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let subtitle = "share of battery sensors projected to run empty within a given time, per group and for the \
                        fleet; energy-neutral solar sensors never do and are left out";
        let body = draw_title(root, &self.title, Some(subtitle))?;
        let (width, _) = body.dim_in_pixel();
        let (plot_area, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));

        let (lo, hi) = self.axis;
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(15)
            .margin_right(30)
            .x_label_area_size(50)
            .y_label_area_size(65)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..1.02)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_label_formatter(&|_| String::new())
            .y_labels(6)
            .y_label_formatter(&|v: &f64| format!("{:.0} %", v * 100.0))
            .x_desc("Projected battery lifetime (log scale)")
            .y_desc("Share of sensors run empty")
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 13))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04))
            .draw()?;

        let (plot_left, plot_top) = chart.backend_coord(&(lo, 1.02));
        let (plot_right, plot_bottom) = chart.backend_coord(&(hi, 0.0));

        // Named ticks with light grid lines, skipping any that would crowd the previous label.
        let tick_style = TextStyle::from((FONT, 13)).pos(Pos::new(HPos::Center, VPos::Top));
        let mut last_right = i32::MIN;
        for &(years, label) in TICKS.iter().filter(|(y, _)| (lo..=hi).contains(y)) {
            let (x, _) = chart.backend_coord(&(years, 0.0));
            let w = root.estimate_text_size(label, &tick_style)?.0 as i32;
            if x - w / 2 < last_right + 10 || x + w / 2 > plot_right + 25 {
                continue;
            }
            last_right = x + w / 2;
            let grid = if years >= 1.0 { BLACK.mix(0.15) } else { BLACK.mix(0.08) };
            root.draw(&PathElement::new(vec![(x, plot_top), (x, plot_bottom)], grid.stroke_width(1)))?;
            root.draw(&PathElement::new(vec![(x, plot_bottom), (x, plot_bottom + 5)], BLACK.stroke_width(1)))?;
            root.draw_text(label, &tick_style, (x, plot_bottom + 8))?;
        }

        // Groups under the fleet, so the black line reads as the headline.
        for curve in self.groups.iter().chain([&self.fleet]) {
            if !curve.years.is_empty() {
                let steps = cdf_steps(&curve.years, self.axis);
                chart.draw_series(LineSeries::new(steps, curve.color.stroke_width(curve.width)))?;
            }
        }

        let grey = BLACK.mix(0.6);
        let centre = ((plot_left + plot_right) / 2, (plot_top + plot_bottom) / 2);
        let note_style = TextStyle::from((FONT, 18)).color(&grey).pos(Pos::new(HPos::Center, VPos::Center));
        if self.fleet.neutral == 0 && self.fleet.years.is_empty() {
            root.draw_text("no battery sensors in this run", &note_style, centre)?;
        } else if self.fleet.years.is_empty() {
            let note = format!("all {} battery sensors are energy-neutral", group_digits(self.fleet.neutral));
            root.draw_text(&note, &note_style, centre)?;
        }

        if let Some(p5) = self.p5 {
            let x = chart.backend_coord(&(p5.clamp(lo, hi), 0.0)).0;
            let (_, y5) = chart.backend_coord(&(lo, MARKED_PERCENTILE));
            let marker = MARKER_COLOR.stroke_width(2);
            root.draw(&DashedPathElement::new(vec![(x, plot_top + 22), (x, plot_bottom)], 6, 4, marker))?;
            root.draw(&Circle::new((x, y5), 4, MARKER_COLOR.filled()))?;
            // The label at the top of the line, on its right unless that runs off the plot.
            let label = format!("fleet 5th percentile: {}", years_label(p5));
            let mut style = TextStyle::from((FONT, 14, FontStyle::Bold)).color(&MARKER_COLOR);
            let (w, h) = root.estimate_text_size(&label, &style)?;
            let (w, h) = (w as i32, h as i32);
            let (left, anchor) =
                if x + 6 + w <= plot_right - 4 { (x + 6, HPos::Left) } else { (x - 6 - w, HPos::Right) };
            let left = left.max(plot_left + 2);
            let y = plot_top + 14;
            root.draw(&Rectangle::new(
                [(left - 3, y - h / 2 - 3), (left + w + 3, y + h / 2 + 3)],
                WHITE.mix(0.85).filled(),
            ))?;
            style = style.pos(Pos::new(anchor, VPos::Center));
            let at = if matches!(anchor, HPos::Left) { left } else { left + w };
            root.draw_text(&label, &style, (at, y))?;
        }

        let mut entries = vec![LegendEntry {
            mark: Mark::Line { color: self.fleet.color, width: self.fleet.width },
            label: self.fleet.label(),
        }];
        entries.extend(
            self.groups
                .iter()
                .map(|c| LegendEntry { mark: Mark::Line { color: c.color, width: c.width }, label: c.label() }),
        );
        draw_legend(&legend_area, LEGEND_TOP, "Battery sensors", &entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::report::{ScopeReport, SensorLifetime};
    use crate::output::sample_report;

    /// Parking sensors near a gateway (~14.7 years) and at the edge (~1.5 years), a solar group
    /// that keeps going and one whose store runs empty in about a week.
    fn lifetime_report() -> Report {
        let mut report = sample_report();
        let district = report.districts[0].clone();
        report.groups = ["near_sf7", "edge_sf12", "aq_solar", "aq_small_panel"]
            .map(|name| ScopeReport { name: name.to_string(), ..district.clone() })
            .into();
        let mut lifetimes = Vec::new();
        for i in 0..200u16 {
            let (x, y) = (f32::from(i) * 10.0, 1000.0);
            lifetimes.push(SensorLifetime { group: 0, x, y, years: 14.6 + f32::from(i) / 1000.0 });
            lifetimes.push(SensorLifetime { group: 1, x, y: 500.0, years: 1.4 + f32::from(i) / 500.0 });
        }
        for i in 0..50u16 {
            let x = f32::from(i) * 40.0;
            lifetimes.push(SensorLifetime { group: 2, x, y: 1500.0, years: f32::INFINITY });
            lifetimes.push(SensorLifetime { group: 3, x, y: 1600.0, years: 0.0214 });
        }
        report.lifetimes = lifetimes;
        report
    }

    #[test]
    fn curves_per_group_and_for_the_fleet() {
        let chart = LifetimeCdfChart::new(&lifetime_report());
        let names: Vec<&str> = chart.groups.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["near_sf7", "edge_sf12", "aq_solar", "aq_small_panel"]);
        assert_eq!(chart.groups.iter().map(|c| c.years.len()).collect::<Vec<_>>(), [200, 200, 0, 50]);
        assert_eq!(chart.groups[2].neutral, 50);
        assert_eq!((chart.fleet.years.len(), chart.fleet.neutral), (450, 50));
        assert!(chart.fleet.years.is_sorted());
        assert_eq!(chart.groups[0].color, GROUP_COLORS[0]);
        assert_eq!(chart.groups[0].label(), "near_sf7 · 200");
        assert_eq!(chart.groups[2].label(), "aq_solar · 50 energy-neutral");
        assert_eq!(chart.fleet.label(), "fleet · 450 + 50 energy-neutral");
        // 50 week-long stores, then the edge group: rank round(449 × 0.05) = 22 is a week.
        assert_eq!(chart.p5, Some(f64::from(0.0214f32)));
        assert_eq!(years_label(chart.p5.unwrap_or_default()), "7.8 days");
        // A decade below the week, to a little beyond 20 years.
        assert_eq!(chart.axis, (0.01, 26.0));
    }

    #[test]
    fn steps_rise_from_zero_to_one() {
        let steps = cdf_steps(&[1.0, 2.0, 2.0, 5.0], (0.1, 26.0));
        assert_eq!(steps, [(1.0, 0.0), (1.0, 0.25), (2.0, 0.25), (2.0, 0.75), (5.0, 0.75), (5.0, 1.0)]);
        // Off-axis lifetimes sit at its edge; near-equal ones share a step.
        assert_eq!(
            cdf_steps(&[0.0, 3.0, 3.001], (0.1, 26.0)),
            [(0.1, 0.0), (0.1, 1.0 / 3.0), (3.0, 1.0 / 3.0), (3.0, 1.0)]
        );
        assert!(cdf_steps(&[], (0.1, 26.0)).is_empty());
        // Tens of thousands of distinct lifetimes stay a few thousand points.
        let many: Vec<f64> = (0..50_000).map(|i| 0.5 + f64::from(i) / 2500.0).collect();
        let steps = cdf_steps(&many, years_axis(&many));
        assert!(steps.len() < 4000, "{}", steps.len());
        assert_eq!(steps.last().map(|p| p.1), Some(1.0));
    }

    #[test]
    fn percentiles_and_axis_edges() {
        assert_eq!(percentile(&[], 0.05), None);
        assert_eq!(percentile(&[3.0], 0.05), Some(3.0));
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.05), Some(6.0));
        assert_eq!(years_axis(&[]), (1.0, 26.0));
        assert_eq!(years_axis(&[5.0, 20.0]), (1.0, 26.0));
        assert_eq!(years_axis(&[0.3, 20.0]), (0.1, 26.0));
        assert_eq!(years_axis(&[0.0, 0.0]), (1.0, 26.0));
        assert_eq!(years_axis(&[1e-9, 40.0]), (1e-4, 52.0));
        assert_eq!(years_label(1.5262), "1.53 years");
        assert_eq!(years_label(14.702), "14.7 years");
        assert_eq!(years_label(0.05), "18 days");
    }

    #[test]
    fn renders_svg_and_png() {
        let chart = LifetimeCdfChart::new(&lifetime_report());
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        for ext in ["svg", "png"] {
            let path = tmp.path().join(format!("lifetime_cdf.{ext}"));
            assert!(std::fs::metadata(&path).expect("chart file").len() > 0, "{} is empty", path.display());
        }
        let svg = std::fs::read_to_string(tmp.path().join("lifetime_cdf.svg")).expect("svg");
        assert!(svg.contains("Distribution of projected battery lifetime — Test town"));
        assert!(svg.contains("fleet 5th percentile: 7.8 days"));
        assert!(svg.contains("aq_solar · 50 energy-neutral"));
    }

    #[test]
    fn no_lifetimes_or_only_energy_neutral_ones_are_not_an_error() {
        let report = sample_report();
        let chart = LifetimeCdfChart::new(&report);
        assert!(chart.groups.is_empty() && chart.p5.is_none());
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("lifetime_cdf.svg")).expect("svg");
        assert!(svg.contains("no battery sensors in this run"));

        let mut report = lifetime_report();
        report.lifetimes.retain(|s| s.years.is_infinite());
        let chart = LifetimeCdfChart::new(&report);
        super::super::render(&chart, tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("lifetime_cdf.svg")).expect("svg");
        assert!(svg.contains("all 50 battery sensors are energy-neutral"));
    }
}
