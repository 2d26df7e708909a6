//! `charts/delivery_by_distance.{svg,png}`: one bar per distance band (distance from a sensor to
//! its nearest gateway), as tall as the band's delivery ratio, labelled with that ratio and the
//! number of sensors in the band; a dashed line marks the city-wide ratio for comparison.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, DrawResult, FONT, draw_title, fit_text, group_digits};
use crate::metrics::report::{DistanceBand, Report};

/// Bars: the first colour of the Tableau 10 palette the other charts use.
const BAR_COLOR: RGBColor = RGBColor(31, 119, 180);
/// The city-wide reference line.
const CITY_COLOR: RGBColor = RGBColor(0, 0, 0);
/// Headroom above a ratio of 1.0 for the two lines of labels over the tallest bars, in pixels.
const LABEL_ROOM: u32 = 42;

/// One bar: a distance band that has sensors.
#[derive(Debug, PartialEq)]
struct Bar {
    /// Band edges in km, e.g. "0.25–0.5", or "≥ 3.75" for the open last band.
    label: String,
    sensors: u64,
    /// Delivery ratio; `None` when the band's sensors generated no readings (nothing to measure).
    ratio: Option<f64>,
}

/// The delivery-by-distance chart, with its bars prepared once for both backends.
#[derive(Debug)]
pub struct DeliveryByDistanceChart {
    title: String,
    /// Nearest band first.
    bars: Vec<Bar>,
    /// City-wide delivery ratio, drawn as a reference line when finite.
    city_ratio: f64,
}

impl DeliveryByDistanceChart {
    /// Turns the distance bands of `report` into labelled bars.
    pub fn new(report: &Report) -> Self {
        let bars = report
            .radio
            .distance_bands
            .iter()
            .filter(|b| b.sensors > 0)
            .map(|b| Bar {
                label: band_label(b),
                sensors: b.sensors,
                ratio: (b.generated > 0 && b.delivery_ratio.is_finite()).then(|| b.delivery_ratio.clamp(0.0, 1.0)),
            })
            .collect();
        DeliveryByDistanceChart {
            title: format!("Delivery ratio by distance to the nearest gateway — {}", report.scenario.name),
            bars,
            city_ratio: report.uplinks.delivery_ratio,
        }
    }
}

/// A distance in km without trailing zeros or float noise: "0", "0.25", "3.75", "12".
fn km(m: f64) -> String {
    let text = format!("{:.3}", m / 1000.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

/// "0.25–0.5" for a closed band, "≥ 3.75" for the open last one (edges in km).
fn band_label(band: &DistanceBand) -> String {
    match band.to_m {
        Some(to) => format!("{}–{}", km(band.from_m), km(to)),
        None => format!("≥ {}", km(band.from_m)),
    }
}

/// A ratio to three decimals, rounded down so that "1.000" only ever means no loss at all.
fn ratio_label(ratio: f64) -> String {
    format!("{:.3}", (ratio * 1000.0).floor() / 1000.0)
}

/// Draws `text` on a white box, so the reference line and grid do not run through it. `style`
/// must be anchored at the bottom, centre or right (the anchors used here).
fn boxed_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    (x, y): (i32, i32),
) -> DrawResult<DB> {
    let (w, h) = root.estimate_text_size(text, style)?;
    let (w, h) = (w as i32, h as i32);
    let left = match style.pos.h_pos {
        HPos::Left => x,
        HPos::Center => x - w / 2,
        HPos::Right => x - w,
    };
    root.draw(&Rectangle::new([(left - 2, y - h - 1), (left + w + 2, y + 1)], WHITE.filled()))?;
    root.draw_text(text, style, (x, y))
}

impl Chart for DeliveryByDistanceChart {
    const NAME: &'static str = "delivery_by_distance";
    const SIZE: (u32, u32) = (1000, 600);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(
            root,
            &self.title,
            Some("above each bar: delivery ratio and n = sensors in the band; bands without sensors are left out"),
        )?;

        let slots = self.bars.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&body)
            .margin(15)
            .margin_top(15 + LABEL_ROOM)
            .x_label_area_size(55)
            .y_label_area_size(65)
            .build_cartesian_2d(0.0..slots, 0.0..1.0)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_desc("Distance to the nearest gateway (km)")
            .y_desc("Delivery ratio")
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 13))
            .y_label_formatter(&|v: &f64| format!("{v:.1}"))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04))
            .draw()?;

        let (plot_w, _) = chart.plotting_area().dim_in_pixel();
        if self.bars.is_empty() {
            let style = TextStyle::from((FONT, 18)).pos(Pos::new(HPos::Center, VPos::Center));
            let centre = chart.backend_coord(&(slots / 2.0, 0.5));
            root.draw_text("no sensors", &style, centre)?;
            return Ok(());
        }

        chart.draw_series(self.bars.iter().enumerate().filter_map(|(i, bar)| {
            let ratio = bar.ratio?;
            let x = i as f64;
            Some(Rectangle::new([(x + 0.12, 0.0), (x + 0.88, ratio)], BAR_COLOR.filled()))
        }))?;

        // City-wide ratio as a dashed reference, so a planner sees which bands drag it down.
        if self.city_ratio.is_finite() {
            let city = self.city_ratio.clamp(0.0, 1.0);
            let dashes = (0..(slots * 8.0) as usize).map(|k| {
                let from = k as f64 / 8.0;
                PathElement::new(vec![(from, city), (from + 0.0625, city)], CITY_COLOR.mix(0.7).stroke_width(1))
            });
            chart.draw_series(dashes)?;
            let note = TextStyle::from((FONT, 12)).color(&CITY_COLOR).pos(Pos::new(HPos::Right, VPos::Bottom));
            let (x, y) = chart.backend_coord(&(slots, city));
            // Above the line when there is room, else just below it.
            let y = if y > 30 + LABEL_ROOM as i32 { y - 3 } else { y + 15 };
            boxed_text(root, &format!("city: {}", ratio_label(city)), &note, (x - 4, y))?;
        }

        // Labels drawn by hand at slot centres: plotters' tick labels cannot name categories, and
        // the font is shrunk until the widest label fits its slot, so up to 16 bands stay legible.
        let slot_px = plot_w as f64 / slots;
        let mut size = 13;
        let mut band_style = TextStyle::from((FONT, size)).pos(Pos::new(HPos::Center, VPos::Top));
        while size > 9 {
            let widest = self
                .bars
                .iter()
                .map(|b| root.estimate_text_size(&b.label, &band_style))
                .try_fold(0, |m: u32, s| -> Result<u32, DrawingAreaErrorKind<DB::ErrorType>> { Ok(m.max(s?.0)) })?;
            if f64::from(widest) <= slot_px - 4.0 {
                break;
            }
            size -= 1;
            band_style = TextStyle::from((FONT, size)).pos(Pos::new(HPos::Center, VPos::Top));
        }
        let ratio_style =
            TextStyle::from((FONT, size.max(11), FontStyle::Bold)).pos(Pos::new(HPos::Center, VPos::Bottom));
        let grey = BLACK.mix(0.6);
        let count_style =
            TextStyle::from((FONT, size.max(11) - 1)).color(&grey).pos(Pos::new(HPos::Center, VPos::Bottom));
        let max_text = (slot_px as u32).saturating_sub(2).max(10);

        for (i, bar) in self.bars.iter().enumerate() {
            let centre = i as f64 + 0.5;
            let (x, bottom) = chart.backend_coord(&(centre, 0.0));
            let label = fit_text(root, &bar.label, &band_style, max_text)?;
            root.draw_text(&label, &band_style, (x, bottom + 6))?;

            let (_, top) = chart.backend_coord(&(centre, bar.ratio.unwrap_or(0.0)));
            let ratio_text = bar.ratio.map_or_else(|| "no readings".to_string(), ratio_label);
            let ratio_text = fit_text(root, &ratio_text, &ratio_style, max_text)?;
            boxed_text(root, &ratio_text, &ratio_style, (x, top - 4))?;
            let count = fit_text(root, &format!("n={}", group_digits(bar.sensors)), &count_style, max_text)?;
            boxed_text(root, &count, &count_style, (x, top - 20))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::sample_report;

    fn band(from_m: f64, to_m: Option<f64>, sensors: u64, generated: u64, delivered: u64) -> DistanceBand {
        let delivery_ratio = if generated == 0 { 1.0 } else { delivered as f64 / generated as f64 };
        DistanceBand { from_m, to_m, sensors, generated, delivered, delivery_ratio }
    }

    #[test]
    fn bands_become_labelled_bars_in_km() {
        let mut report = sample_report();
        report.radio.distance_bands = vec![
            band(0.0, Some(250.0), 40, 400, 400),
            band(250.0, Some(500.0), 0, 0, 0),
            band(750.0, Some(1000.0), 12, 120, 90),
            band(3750.0, None, 3, 0, 0),
        ];
        let chart = DeliveryByDistanceChart::new(&report);
        assert_eq!(
            chart.bars,
            [
                Bar { label: "0–0.25".to_string(), sensors: 40, ratio: Some(1.0) },
                Bar { label: "0.75–1".to_string(), sensors: 12, ratio: Some(0.75) },
                Bar { label: "≥ 3.75".to_string(), sensors: 3, ratio: None },
            ]
        );
        assert_eq!(chart.title, "Delivery ratio by distance to the nearest gateway — Test town");
    }

    #[test]
    fn labels_never_round_up_to_perfect() {
        assert_eq!(ratio_label(1.0), "1.000");
        assert_eq!(ratio_label(0.9996), "0.999");
        assert_eq!(ratio_label(0.75), "0.750");
        assert_eq!(km(1250.0), "1.25");
        assert_eq!(km(0.0), "0");
        assert_eq!(km(1000.0 / 3.0), "0.333");
    }

    #[test]
    fn no_bands_is_not_an_error() {
        let mut report = sample_report();
        report.radio.distance_bands.clear();
        let chart = DeliveryByDistanceChart::new(&report);
        assert!(chart.bars.is_empty());
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("delivery_by_distance.svg")).expect("svg");
        assert!(svg.contains("no sensors"));
    }
}
