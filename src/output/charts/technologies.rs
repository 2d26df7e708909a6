//! `charts/technologies.{svg,png}`: the radio technologies of one run side by side, one row per
//! technology in report order. Three panels share the rows: the delivery ratio as a bar on 0..1,
//! the lost readings stacked by cause (as a share of the readings generated), and the p50 and p99
//! latency of delivered readings on a log scale, so 2 ms and 10 s are both legible. The row
//! labels name the technology and its number of sensors and readings.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Chart, DrawResult, FONT, LegendEntry, Mark, draw_legend, draw_title, fit_text, group_digits, rimmed_triangle,
};
use crate::metrics::report::{LossCause, Report, TechnologyReport};

/// Width of the legend panel on the right.
const LEGEND_W: u32 = 210;
/// Width of the technology-name column left of the panels.
const NAME_W: u32 = 150;
/// Room above the panels for their headings, in pixels.
const HEADING_H: u32 = 30;
/// Distance of the legend's first heading from the top of its panel, in pixels.
const LEGEND_TOP: i32 = 50;
/// Bars are never drawn thicker than this, in pixels, however few technologies there are.
const MAX_BAR_PX: f64 = 30.0;

/// Delivery-ratio bars: the first colour of the Tableau 10 palette the other charts use.
const BAR_COLOR: RGBColor = RGBColor(31, 119, 180);
/// The p50 latency marker.
const P50_COLOR: RGBColor = RGBColor(31, 119, 180);
/// The p99 latency marker.
const P99_COLOR: RGBColor = RGBColor(214, 39, 40);
/// Loss causes, from the Tableau 10 palette; collision, gateway busy and sending a downlink keep
/// the colours the gateway-load chart gives them.
const CAUSE_COLORS: [(LossCause, RGBColor); 7] = [
    (LossCause::OutOfRange, RGBColor(140, 86, 75)),
    (LossCause::Collision, RGBColor(255, 127, 14)),
    (LossCause::GatewayBusy, RGBColor(127, 127, 127)),
    (LossCause::DutyCycle, RGBColor(44, 160, 44)),
    (LossCause::GatewayTransmitting, RGBColor(148, 103, 189)),
    (LossCause::RandomAccess, RGBColor(227, 119, 194)),
    (LossCause::Congestion, RGBColor(188, 189, 34)),
];
/// Causes the report names but this chart does not know, cycled.
const OTHER_CAUSE_COLORS: [RGBColor; 2] = [RGBColor(23, 190, 207), RGBColor(0, 0, 0)];

/// One technology's row.
#[derive(Debug, PartialEq)]
struct Row {
    /// Display name, e.g. "NB-IoT".
    name: String,
    sensors: u64,
    generated: u64,
    /// Delivery ratio; `None` when the technology generated no readings (nothing to measure).
    ratio: Option<f64>,
    /// Lost readings per cause, aligned with [`TechnologiesChart::causes`].
    lost: Vec<u64>,
    /// (p50, p99) latency in ms; `None` when nothing was delivered.
    latency: Option<(f64, f64)>,
}

impl Row {
    /// All lost readings.
    fn lost_total(&self) -> u64 {
        self.lost.iter().sum()
    }

    /// Lost readings as a share of those generated (0 when none were generated).
    fn lost_share(&self) -> f64 {
        if self.generated == 0 { 0.0 } else { self.lost_total() as f64 / self.generated as f64 }
    }
}

/// The technology-comparison chart, with its rows prepared once for both backends.
#[derive(Debug)]
pub struct TechnologiesChart {
    title: String,
    /// Loss causes that some technology has, in report order ([`LossCause::ALL`], then unknown
    /// names alphabetically), each with its colour.
    causes: Vec<(&'static str, RGBColor)>,
    /// In report order, top row first.
    rows: Vec<Row>,
}

impl TechnologiesChart {
    /// Turns the per-technology results of `report` into rows.
    pub fn new(report: &Report) -> Self {
        let techs = &report.technologies;
        let mut causes: Vec<(&'static str, RGBColor)> = CAUSE_COLORS
            .iter()
            .filter(|(c, _)| techs.iter().any(|t| t.lost.get(c.name()).is_some_and(|&n| n > 0)))
            .map(|&(c, color)| (c.name(), color))
            .collect();
        let mut others: Vec<&'static str> = techs
            .iter()
            .flat_map(|t| t.lost.iter())
            .filter(|&(name, &n)| n > 0 && !LossCause::ALL.iter().any(|c| c.name() == *name))
            .map(|(&name, _)| name)
            .collect();
        others.sort_unstable();
        others.dedup();
        causes.extend(others.into_iter().zip(OTHER_CAUSE_COLORS.iter().cycle()).map(|(n, &c)| (n, c)));

        let rows = techs.iter().map(|t| row(t, &causes)).collect();
        TechnologiesChart { title: format!("Radio technologies compared — {}", report.scenario.name), causes, rows }
    }
}

/// The row of technology `t`, its losses split over `causes`.
fn row(t: &TechnologyReport, causes: &[(&'static str, RGBColor)]) -> Row {
    let l = &t.latency_ms;
    Row {
        name: display_name(t.name).to_string(),
        sensors: t.sensors,
        generated: t.generated,
        ratio: (t.generated > 0 && t.delivery_ratio.is_finite()).then(|| t.delivery_ratio.clamp(0.0, 1.0)),
        lost: causes.iter().map(|(name, _)| t.lost.get(name).copied().unwrap_or(0)).collect(),
        latency: (t.delivered > 0 && l.p50.is_finite() && l.p99.is_finite()).then(|| (l.p50.max(0.0), l.p99.max(0.0))),
    }
}

/// How a technology is usually written; unknown names are shown as the report spells them.
fn display_name(name: &str) -> &str {
    match name {
        "lorawan" => "LoRaWAN",
        "nbiot" => "NB-IoT",
        "ltem" => "LTE-M",
        "cellular" | "lte" => "LTE Cat-1",
        "wifi" => "Wi-Fi",
        "wired" => "Wired",
        other => other,
    }
}

/// A ratio to four decimals, rounded down so that "1.0000" only ever means no loss at all.
fn ratio_label(ratio: f64) -> String {
    format!("{:.4}", (ratio * 10_000.0).floor() / 10_000.0)
}

/// A share (0..1) as a percentage with enough decimals to tell small losses apart.
fn percent_label(share: f64) -> String {
    let p = share * 100.0;
    match p {
        p if p >= 10.0 => format!("{p:.1} %"),
        p if p >= 0.1 => format!("{p:.2} %"),
        p if p >= 0.001 => format!("{p:.3} %"),
        _ => "< 0.001 %".to_string(),
    }
}

/// A latency in ms as people read it: "2.09 ms", "56.5 ms", "172 ms", "1.80 s", "11.4 s".
fn latency_label(ms: f64) -> String {
    match ms {
        ms if ms < 10.0 => format!("{ms:.2} ms"),
        ms if ms < 100.0 => format!("{ms:.1} ms"),
        ms if ms < 1000.0 => format!("{ms:.0} ms"),
        ms if ms < 10_000.0 => format!("{:.2} s", ms / 1000.0),
        ms if ms < 100_000.0 => format!("{:.1} s", ms / 1000.0),
        ms => format!("{:.0} s", ms / 1000.0),
    }
}

/// The label of a decade tick on the latency axis ("1 ms", "100 ms", "10 s"); empty for the
/// minor ticks between decades.
fn decade_label(ms: f64) -> String {
    let exp = ms.log10();
    if (exp - exp.round()).abs() > 1e-6 {
        return String::new();
    }
    match exp.round() as i32 {
        e if e < 0 => format!("{ms} ms"),
        e if e < 3 => format!("{ms:.0} ms"),
        e => format!("{:.0} s", 10f64.powi(e - 3)),
    }
}

/// The latency axis in ms: whole decades around every p50 and p99, at least two of them.
fn latency_axis(rows: &[Row]) -> (f64, f64) {
    let values = rows.iter().filter_map(|r| r.latency).flat_map(|(p50, p99)| [p50, p99]).filter(|&v| v > 0.0);
    let (min, max) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !min.is_finite() {
        return (1.0, 1000.0);
    }
    let lo = min.log10().floor();
    let hi = max.log10().ceil().max(lo + 2.0);
    (10f64.powf(lo), 10f64.powf(hi))
}

/// The upper end of the loss axis in percent: a little above the largest loss, 1 % if none.
fn loss_axis(rows: &[Row]) -> f64 {
    let max = rows.iter().map(Row::lost_share).fold(0.0, f64::max) * 100.0;
    if max > 0.0 { (max * 1.1).min(100.0) } else { 1.0 }
}

/// A tick on the loss axis, with as many decimals as the axis range needs.
fn loss_tick(v: f64, x_max: f64) -> String {
    if v == 0.0 {
        return "0 %".to_string();
    }
    let decimals = (-(x_max.log10().floor()) + 1.0).clamp(0.0, 4.0) as usize;
    format!("{v:.decimals$} %")
}

/// Where text `w` pixels wide starts so it begins near `x` but stays within `left..right`.
fn clamp_start(x: i32, w: u32, (left, right): (i32, i32)) -> i32 {
    x.min(right - w as i32).max(left)
}

impl Chart for TechnologiesChart {
    const NAME: &'static str = "technologies";
    const SIZE: (u32, u32) = (1280, 720);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(
            root,
            &self.title,
            Some("per technology: share of readings delivered, readings lost by cause, latency of delivered readings"),
        )?;
        let (width, _) = body.dim_in_pixel();
        let (main, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));
        let (name_area, panels) = main.split_horizontally(NAME_W);
        let (panels_w, _) = panels.dim_in_pixel();
        let third = panels_w / 3;
        let (ratio_area, rest) = panels.split_horizontally(third);
        let (loss_area, latency_area) = rest.split_horizontally(third);

        let slots = self.rows.len().max(1) as f64;
        let builder = |area| {
            let mut b = ChartBuilder::on(area);
            b.margin(12).margin_right(32).margin_top(12 + HEADING_H).x_label_area_size(50).y_label_area_size(0);
            b
        };
        let mut ratio_chart = builder(&ratio_area).build_cartesian_2d(0.0..1.0, 0.0..slots)?;
        let loss_max = loss_axis(&self.rows);
        let mut loss_chart = builder(&loss_area).build_cartesian_2d(0.0..loss_max, 0.0..slots)?;
        let (lat_lo, lat_hi) = latency_axis(&self.rows);
        let mut latency_chart = builder(&latency_area).build_cartesian_2d((lat_lo..lat_hi).log_scale(), 0.0..slots)?;

        // Slot of row i, counted from the top so the first technology is the top row.
        let centre = |i: usize| slots - i as f64 - 0.5;
        let (_, plot_h) = ratio_chart.plotting_area().dim_in_pixel();
        let slot_px = f64::from(plot_h) / slots;
        let half = (0.22f64).min(MAX_BAR_PX / 2.0 / slot_px.max(1.0));
        let row_left = name_area.get_base_pixel().0;
        let row_right = latency_chart.backend_coord(&(lat_hi, 0.0)).0;

        // Every other row shaded across the name column and all panels, so a row reads across.
        for i in (1..self.rows.len()).step_by(2) {
            let (_, top) = ratio_chart.backend_coord(&(0.0, centre(i) + 0.5));
            let (_, bottom) = ratio_chart.backend_coord(&(0.0, centre(i) - 0.5));
            root.draw(&Rectangle::new([(row_left + 4, top), (row_right, bottom)], BLACK.mix(0.035).filled()))?;
        }

        let heading = TextStyle::from((FONT, 16, FontStyle::Bold)).pos(Pos::new(HPos::Left, VPos::Bottom));
        let mesh_label = (FONT, 13);
        ratio_chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(6)
            .x_desc("Readings delivered / generated")
            .axis_desc_style((FONT, 14))
            .label_style(mesh_label)
            .x_label_formatter(&|v: &f64| format!("{v:.1}"))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04))
            .draw()?;
        let loss_fmt = |v: &f64| loss_tick(*v, loss_max);
        loss_chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(5)
            .x_desc("Readings lost, % of generated")
            .axis_desc_style((FONT, 14))
            .label_style(mesh_label)
            .x_label_formatter(&loss_fmt)
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04))
            .draw()?;
        let decade_fmt = |v: &f64| decade_label(*v);
        latency_chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(30)
            .x_desc("Latency, log scale")
            .axis_desc_style((FONT, 14))
            .label_style(mesh_label)
            .x_label_formatter(&decade_fmt)
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04))
            .draw()?;

        // Headings above each panel, and a left axis line where the bars start.
        for (area_left, text) in [
            (ratio_chart.backend_coord(&(0.0, slots)), "Delivery ratio"),
            (loss_chart.backend_coord(&(0.0, slots)), "Lost readings by cause"),
            (latency_chart.backend_coord(&(lat_lo, slots)), "Latency p50 – p99"),
        ] {
            root.draw_text(text, &heading, (area_left.0, area_left.1 - 10))?;
        }
        for (top, bottom) in [
            (ratio_chart.backend_coord(&(0.0, slots)), ratio_chart.backend_coord(&(0.0, 0.0))),
            (loss_chart.backend_coord(&(0.0, slots)), loss_chart.backend_coord(&(0.0, 0.0))),
        ] {
            root.draw(&PathElement::new(vec![top, bottom], BLACK.stroke_width(1)))?;
        }

        if self.rows.is_empty() {
            let style = TextStyle::from((FONT, 18)).pos(Pos::new(HPos::Center, VPos::Center));
            root.draw_text("no technologies", &style, loss_chart.backend_coord(&(loss_max / 2.0, slots / 2.0)))?;
            return Ok(());
        }

        // Delivery ratio: a bar with the ratio printed inside its end, or after it when too short.
        ratio_chart.draw_series(self.rows.iter().enumerate().filter_map(|(i, r)| {
            let (y, ratio) = (centre(i), r.ratio?);
            Some(Rectangle::new([(0.0, y - half), (ratio, y + half)], BAR_COLOR.filled()))
        }))?;
        let size = if slot_px >= 40.0 { 13 } else { 11 };
        let ratio_inside =
            TextStyle::from((FONT, size, FontStyle::Bold)).color(&WHITE).pos(Pos::new(HPos::Right, VPos::Center));
        let ratio_outside = TextStyle::from((FONT, size, FontStyle::Bold)).pos(Pos::new(HPos::Left, VPos::Center));
        let grey = BLACK.mix(0.6);
        let note_left = TextStyle::from((FONT, size)).color(&grey).pos(Pos::new(HPos::Left, VPos::Center));
        for (i, row) in self.rows.iter().enumerate() {
            let (left, y) = ratio_chart.backend_coord(&(0.0, centre(i)));
            let Some(ratio) = row.ratio else {
                root.draw_text("no readings", &note_left, (left + 6, y))?;
                continue;
            };
            let (end, _) = ratio_chart.backend_coord(&(ratio, centre(i)));
            let text = ratio_label(ratio);
            let (w, _) = root.estimate_text_size(&text, &ratio_inside)?;
            if end - left >= w as i32 + 12 {
                root.draw_text(&text, &ratio_inside, (end - 6, y))?;
            } else {
                root.draw_text(&text, &ratio_outside, (end + 6, y))?;
            }
        }

        // Losses: one stacked bar per row, the total and its share printed above it.
        for (k, &(_, color)) in self.causes.iter().enumerate() {
            let segments = self.rows.iter().enumerate().filter(|(_, r)| r.lost[k] > 0).map(|(i, r)| {
                let scale = if r.generated == 0 { 0.0 } else { 100.0 / r.generated as f64 };
                let start = r.lost[..k].iter().sum::<u64>() as f64 * scale;
                (i, start, start + r.lost[k] as f64 * scale)
            });
            loss_chart.draw_series(segments.map(|(i, from, to)| {
                Rectangle::new([(from, centre(i) - half), (to, centre(i) + half)], color.filled())
            }))?;
        }
        let loss_span = (loss_chart.backend_coord(&(0.0, 0.0)).0, loss_chart.backend_coord(&(loss_max, 0.0)).0);
        let above = TextStyle::from((FONT, size)).pos(Pos::new(HPos::Left, VPos::Bottom));
        let above_px = (half * slot_px) as i32 + 3;
        for (i, row) in self.rows.iter().enumerate() {
            let (left, y) = loss_chart.backend_coord(&(0.0, centre(i)));
            let total = row.lost_total();
            if total == 0 {
                root.draw_text("no losses", &note_left, (left + 6, y))?;
                continue;
            }
            // Bars too thin to see get a hairline of the first cause's colour.
            let (end, _) = loss_chart.backend_coord(&(row.lost_share() * 100.0, centre(i)));
            if end - left < 2 {
                let k = row.lost.iter().position(|&n| n > 0).unwrap_or(0);
                let color = self.causes.get(k).map_or(BLACK, |c| c.1);
                let h = (half * slot_px) as i32;
                root.draw(&Rectangle::new([(left, y - h), (left + 2, y + h)], color.filled()))?;
            }
            let text = format!("{} lost · {}", group_digits(total), percent_label(row.lost_share()));
            let text = fit_text(root, &text, &above, (loss_span.1 - loss_span.0).max(10) as u32)?;
            root.draw_text(&text, &above, (left + 2, y - above_px))?;
        }

        // Latency: a line from p50 to p99, a dot at p50, a triangle at p99, values printed above.
        let lat_span = (latency_chart.backend_coord(&(lat_lo, 0.0)).0, latency_chart.backend_coord(&(lat_hi, 0.0)).0);
        let clamp = |v: f64| v.clamp(lat_lo, lat_hi);
        for (i, row) in self.rows.iter().enumerate() {
            let y = centre(i);
            let Some((p50, p99)) = row.latency else {
                let (left, y) = latency_chart.backend_coord(&(lat_lo, y));
                root.draw_text("nothing delivered", &note_left, (left + 6, y))?;
                continue;
            };
            let (a, b) = (clamp(p50), clamp(p99));
            latency_chart
                .draw_series(std::iter::once(PathElement::new(vec![(a, y), (b, y)], BLACK.stroke_width(2))))?;
            // The dot goes on top and is smaller than the triangle, so both show when p50 = p99.
            rimmed_triangle(latency_chart.plotting_area(), (b, y), 13, P99_COLOR)?;
            latency_chart
                .draw_series([Circle::new((a, y), 6, WHITE.filled()), Circle::new((a, y), 5, P50_COLOR.filled())])?;

            let text = format!("p50 {} · p99 {}", latency_label(p50), latency_label(p99));
            let max_w = (lat_span.1 - lat_span.0).max(10) as u32;
            let text = fit_text(root, &text, &above, max_w)?;
            let (w, _) = root.estimate_text_size(&text, &above)?;
            let (x, y) = latency_chart.backend_coord(&(a, y));
            root.draw_text(&text, &above, (clamp_start(x - 8, w, lat_span), y - above_px.max(12)))?;
        }

        // Row labels: the technology, its sensors and, when there is room, its readings.
        let name_style = TextStyle::from((FONT, 15, FontStyle::Bold)).pos(Pos::new(HPos::Left, VPos::Center));
        let count_style = TextStyle::from((FONT, 13)).color(&grey).pos(Pos::new(HPos::Left, VPos::Center));
        let name_w = NAME_W - 20;
        let x = row_left + 12;
        for (i, row) in self.rows.iter().enumerate() {
            let (_, y) = ratio_chart.backend_coord(&(0.0, centre(i)));
            let lines = [
                (fit_text(root, &row.name, &name_style, name_w)?, &name_style),
                (format!("{} sensors", group_digits(row.sensors)), &count_style),
                (format!("{} readings", group_digits(row.generated)), &count_style),
            ];
            let shown = if slot_px >= 60.0 { 3 } else { 2 };
            let top = y - 9 * (shown as i32 - 1);
            for (k, (text, style)) in lines.iter().take(shown).enumerate() {
                let text = fit_text(root, text, style, name_w)?;
                root.draw_text(&text, style, (x, top + 18 * k as i32))?;
            }
        }

        let mut entries: Vec<LegendEntry> = self
            .causes
            .iter()
            .enumerate()
            .map(|(k, &(name, color))| LegendEntry {
                mark: Mark::Square(color),
                label: format!(
                    "{} ({})",
                    name.replace('_', " "),
                    group_digits(self.rows.iter().map(|r| r.lost[k]).sum::<u64>())
                ),
            })
            .collect();
        if entries.is_empty() {
            entries.push(LegendEntry { mark: Mark::Square(WHITE), label: "none".to_string() });
        }
        let loss_rows = entries.len() as i32;
        draw_legend(&legend_area, LEGEND_TOP, "Lost readings", &entries)?;
        let latency_entries = [
            LegendEntry { mark: Mark::Dot(P50_COLOR), label: "p50 (median)".to_string() },
            LegendEntry { mark: Mark::Triangle(P99_COLOR), label: "p99".to_string() },
        ];
        draw_legend(&legend_area, LEGEND_TOP + 22 * (loss_rows + 2), "Latency", &latency_entries)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::metrics::report::Latency;
    use crate::output::sample_report;

    fn tech(
        name: &'static str,
        sensors: u64,
        generated: u64,
        lost: &[(&'static str, u64)],
        p50: f64,
    ) -> TechnologyReport {
        let lost: BTreeMap<&'static str, u64> = lost.iter().copied().collect();
        let delivered = generated - lost.values().sum::<u64>();
        let delivery_ratio = if generated == 0 { 1.0 } else { delivered as f64 / generated as f64 };
        TechnologyReport {
            name,
            sensors,
            generated,
            delivered,
            delivery_ratio,
            lost,
            latency_ms: Latency { p50, p95: p50 * 3.0, p99: p50 * 5.0, max: p50 * 6.0, mean: p50 * 1.2 },
            distance_bands: Vec::new(),
        }
    }

    fn mixed_report() -> Report {
        let mut report = sample_report();
        report.technologies = vec![
            tech("lorawan", 800, 38_393, &[("collision", 10), ("out_of_range", 0)], 56.5),
            tech("nbiot", 3000, 72_015, &[("random_access", 300), ("congestion", 15)], 1796.0),
            tech("ltem", 600, 43_210, &[], 172.0),
            tech("wifi", 162, 125_271, &[("out_of_range", 2161)], 2.2),
            tech("wired", 60, 0, &[], 0.0),
        ];
        report
    }

    #[test]
    fn rows_follow_the_report() {
        let report = mixed_report();
        let chart = TechnologiesChart::new(&report);
        assert_eq!(chart.rows.len(), report.technologies.len());
        let names: Vec<&str> = chart.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["LoRaWAN", "NB-IoT", "LTE-M", "Wi-Fi", "Wired"]);
        // Only causes with losses, in report order.
        let causes: Vec<&str> = chart.causes.iter().map(|c| c.0).collect();
        assert_eq!(causes, ["out_of_range", "collision", "random_access", "congestion"]);
        for (row, t) in chart.rows.iter().zip(&report.technologies) {
            assert_eq!(row.sensors, t.sensors);
            assert_eq!(row.generated, t.generated);
            assert_eq!(row.lost_total(), t.lost.values().sum::<u64>());
            for (k, (cause, _)) in chart.causes.iter().enumerate() {
                assert_eq!(row.lost[k], t.lost.get(cause).copied().unwrap_or(0), "{} {cause}", t.name);
            }
            if t.generated > 0 {
                assert_eq!(row.ratio, Some(t.delivery_ratio));
                assert_eq!(row.latency, Some((t.latency_ms.p50, t.latency_ms.p99)));
            }
        }
        // Nothing generated: no ratio and no latency rather than a misleading 1.0 or 0 ms.
        assert_eq!(chart.rows[4].ratio, None);
        assert_eq!(chart.rows[4].latency, None);
        assert_eq!(chart.title, "Radio technologies compared — Test town");
        assert_eq!(latency_axis(&chart.rows), (1.0, 10_000.0));
    }

    #[test]
    fn labels_are_readable_from_milliseconds_to_seconds() {
        assert_eq!(ratio_label(1.0), "1.0000");
        assert_eq!(ratio_label(0.99996), "0.9999");
        assert_eq!(percent_label(2161.0 / 125_271.0), "1.73 %");
        assert_eq!(percent_label(10.0 / 38_393.0), "0.026 %");
        assert_eq!(percent_label(1e-7), "< 0.001 %");
        assert_eq!(latency_label(2.089), "2.09 ms");
        assert_eq!(latency_label(56.479), "56.5 ms");
        assert_eq!(latency_label(172.159), "172 ms");
        assert_eq!(latency_label(8830.975), "8.83 s");
        assert_eq!(latency_label(11_419.6), "11.4 s");
        assert_eq!(decade_label(0.1), "0.1 ms");
        assert_eq!(decade_label(1.0), "1 ms");
        assert_eq!(decade_label(100.0), "100 ms");
        assert_eq!(decade_label(10_000.0), "10 s");
        assert_eq!(decade_label(3.0), "");
        assert_eq!(loss_tick(0.5, 2.0), "0.5 %");
        assert_eq!(loss_tick(20.0, 50.0), "20 %");
    }

    #[test]
    fn latency_axis_spans_whole_decades() {
        let row = |latency| Row { name: String::new(), sensors: 1, generated: 1, ratio: None, lost: vec![], latency };
        assert_eq!(latency_axis(&[row(Some((2.089, 2.089)))]), (1.0, 100.0));
        assert_eq!(latency_axis(&[row(Some((2.2, 2.8))), row(Some((1796.0, 8831.0)))]), (1.0, 10_000.0));
        assert_eq!(latency_axis(&[row(None)]), (1.0, 1000.0));
    }

    #[test]
    fn renders_svg_and_png() {
        for report in [mixed_report(), {
            let mut one = mixed_report();
            one.technologies.truncate(1);
            one
        }] {
            let chart = TechnologiesChart::new(&report);
            let tmp = tempfile::tempdir().expect("tempdir");
            super::super::render(&chart, tmp.path()).expect("render");
            for ext in ["svg", "png"] {
                let path = tmp.path().join(format!("technologies.{ext}"));
                let len = std::fs::metadata(&path).expect("chart file").len();
                assert!(len > 0, "{} is empty", path.display());
            }
            let svg = std::fs::read_to_string(tmp.path().join("technologies.svg")).expect("svg");
            assert!(svg.contains("LoRaWAN"));
            assert!(svg.contains("0.9997"));
        }
    }

    #[test]
    fn no_technologies_is_not_an_error() {
        let report = sample_report();
        let chart = TechnologiesChart::new(&report);
        assert!(chart.rows.is_empty());
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("technologies.svg")).expect("svg");
        assert!(svg.contains("no technologies"));
    }
}
