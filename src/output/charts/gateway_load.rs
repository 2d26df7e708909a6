//! `charts/gateway_load.{svg,png}`: one horizontal bar per gateway, stacked from its decoded,
//! collided and busy receptions (and deafened ones, when a gateway lost any while sending a
//! downlink), in the order the report lists the gateways. Large networks show only their busiest
//! gateways so every bar stays readable.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, DrawResult, FONT, LegendEntry, Mark, draw_legend, draw_title, fit_text, group_digits};
use crate::metrics::report::{GatewayReport, Report};

/// At most this many bars; beyond it the busiest by receptions are shown.
pub const MAX_GATEWAYS: usize = 40;
/// Width of the legend panel on the right.
const LEGEND_W: u32 = 240;
/// Width of the gateway-id column left of the bars.
const ID_W: u32 = 150;
/// Bars are never drawn thicker than this, in pixels, however few gateways there are.
const MAX_BAR_PX: f64 = 36.0;

/// The outcomes of a reception, left of the stack first, from the Tableau 10 palette: blue for
/// the good outcome, orange, grey and purple for the kinds of loss (colour-blind safe).
const SEGMENTS: [(&str, RGBColor); 4] = [
    ("decoded", RGBColor(31, 119, 180)),
    ("lost: collision", RGBColor(255, 127, 14)),
    ("lost: gateway busy", RGBColor(127, 127, 127)),
    ("lost: sending downlink", RGBColor(148, 103, 189)),
];
/// Segments always in the legend; the later ones only appear when some gateway has them.
const ALWAYS_SHOWN: usize = 3;

/// One gateway's bar.
#[derive(Debug, PartialEq)]
struct Row {
    id: String,
    /// Decoded, collided, busy, deafened: the stack's segments in [`SEGMENTS`] order.
    counts: [u64; 4],
    /// All receptions, printed at the end of the bar.
    receptions: u64,
}

impl Row {
    /// Length of the bar: the sum of its segments.
    fn length(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// The gateway-load chart, with its rows picked once for both backends.
#[derive(Debug)]
pub struct GatewayLoadChart {
    title: String,
    /// Set when only the busiest gateways are shown.
    subtitle: Option<String>,
    /// In report order, top bar first.
    rows: Vec<Row>,
}

impl GatewayLoadChart {
    /// Picks the gateways to show from `report` (all of them, or the busiest [`MAX_GATEWAYS`]).
    pub fn new(report: &Report) -> Self {
        let gateways = &report.radio.gateways;
        let shown = busiest(gateways, MAX_GATEWAYS);
        let subtitle = (shown.len() < gateways.len()).then(|| {
            format!(
                "the {} busiest of {} gateways by receptions, in report order",
                shown.len(),
                group_digits(gateways.len() as u64)
            )
        });
        let rows = shown
            .into_iter()
            .map(|g| Row {
                id: g.id.clone(),
                counts: [g.decoded, g.collided, g.busy, g.deafened],
                receptions: g.receptions,
            })
            .collect();
        GatewayLoadChart { title: format!("Receptions per gateway — {}", report.scenario.name), subtitle, rows }
    }
}

/// The `max` gateways with the most receptions (ties go to the one listed first), kept in the
/// order `gateways` lists them; all of them if there are no more than `max`.
fn busiest(gateways: &[GatewayReport], max: usize) -> Vec<&GatewayReport> {
    if gateways.len() <= max {
        return gateways.iter().collect();
    }
    let mut order: Vec<usize> = (0..gateways.len()).collect();
    // Stable sort: equal counts keep their report order.
    order.sort_by_key(|&i| std::cmp::Reverse(gateways[i].receptions));
    order.truncate(max);
    order.sort_unstable();
    order.into_iter().map(|i| &gateways[i]).collect()
}

impl Chart for GatewayLoadChart {
    const NAME: &'static str = "gateway_load";
    const SIZE: (u32, u32) = (1000, 800);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(root, &self.title, self.subtitle.as_deref())?;
        let (width, _) = body.dim_in_pixel();
        let (plot_area, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));

        let slots = self.rows.len().max(1) as f64;
        let max_total = self.rows.iter().map(|r| r.length().max(r.receptions)).max().unwrap_or(0).max(1) as f64;
        // Room right of the longest bar for its total.
        let x_max = max_total * 1.15;
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(ID_W)
            .build_cartesian_2d(0.0..x_max, 0.0..slots)?;
        let x_fmt = |v: &f64| {
            if *v >= 0.0 && v.fract() == 0.0 { group_digits(*v as u64) } else { String::new() }
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("Receptions (transmissions heard above sensitivity)")
            .axis_desc_style((FONT, 16))
            .label_style((FONT, 13))
            .x_label_formatter(&x_fmt)
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04))
            .draw()?;

        if self.rows.is_empty() {
            let style = TextStyle::from((FONT, 18)).pos(Pos::new(HPos::Center, VPos::Center));
            root.draw_text("no gateways", &style, chart.backend_coord(&(x_max / 2.0, slots / 2.0)))?;
        }

        let (_, plot_h) = chart.plotting_area().dim_in_pixel();
        let slot_px = f64::from(plot_h) / slots;
        let half = (0.4f64).min(MAX_BAR_PX / 2.0 / slot_px.max(1.0));
        // Slot of row i, counted from the top so the first gateway is the top bar.
        let centre = |i: usize| slots - i as f64 - 0.5;

        for (k, &(_, color)) in SEGMENTS.iter().enumerate() {
            chart.draw_series(self.rows.iter().enumerate().filter(|(_, r)| r.counts[k] > 0).map(|(i, r)| {
                let start = r.counts[..k].iter().sum::<u64>() as f64;
                let end = start + r.counts[k] as f64;
                let y = centre(i);
                Rectangle::new([(start, y - half), (end, y + half)], color.filled())
            }))?;
        }

        // Ids and totals drawn by hand: plotters' tick labels cannot name categories.
        let size = if slot_px >= 17.0 { 13 } else { 11 };
        let id_style = TextStyle::from((FONT, size)).pos(Pos::new(HPos::Right, VPos::Center));
        let total_style = TextStyle::from((FONT, size, FontStyle::Normal)).pos(Pos::new(HPos::Left, VPos::Center));
        for (i, row) in self.rows.iter().enumerate() {
            let (left, y) = chart.backend_coord(&(0.0, centre(i)));
            let id = fit_text(root, &row.id, &id_style, ID_W - 12)?;
            root.draw_text(&id, &id_style, (left - 6, y))?;
            let (end, _) = chart.backend_coord(&(row.length() as f64, centre(i)));
            root.draw_text(&group_digits(row.receptions), &total_style, (end + 4, y))?;
        }

        let entries: Vec<LegendEntry> = SEGMENTS
            .iter()
            .enumerate()
            .map(|(k, &(label, color))| (k, label, color, self.rows.iter().map(|r| r.counts[k]).sum::<u64>()))
            .filter(|&(k, _, _, sum)| k < ALWAYS_SHOWN || sum > 0)
            .map(|(_, label, color, sum)| LegendEntry {
                mark: Mark::Square(color),
                label: format!("{label} ({})", group_digits(sum)),
            })
            .collect();
        draw_legend(&legend_area, 30, "Receptions", &entries)?;

        let grey = BLACK.mix(0.6);
        let note = TextStyle::from((FONT, 12, FontStyle::Normal)).color(&grey).pos(Pos::new(HPos::Left, VPos::Bottom));
        let (_, legend_h) = legend_area.dim_in_pixel();
        legend_area.draw_text("number at bar end: all receptions", &note, (8, legend_h as i32 - 20))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::sample_report;

    fn gateway(i: u64, receptions: u64) -> GatewayReport {
        GatewayReport {
            id: format!("gw-{i}"),
            x_m: 0.0,
            y_m: 0.0,
            sensors_in_reach: 0,
            receptions,
            decoded: receptions,
            collided: 0,
            busy: 0,
            deafened: 0,
            downlinks: 0,
            utilisation: 0.0,
        }
    }

    #[test]
    fn small_networks_show_every_gateway_in_report_order() {
        let report = sample_report();
        let chart = GatewayLoadChart::new(&report);
        let ids: Vec<&str> = chart.rows.iter().map(|r| r.id.as_str()).collect();
        let expected: Vec<&str> = report.radio.gateways.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, expected);
        assert!(chart.subtitle.is_none());
        let g = &report.radio.gateways[0];
        assert_eq!(chart.rows[0].counts, [g.decoded, g.collided, g.busy, g.deafened]);
        assert_eq!(chart.rows[0].receptions, g.receptions);
        assert_eq!(chart.title, "Receptions per gateway — Test town");
    }

    #[test]
    fn large_networks_show_the_busiest_forty_in_report_order() {
        let mut report = sample_report();
        // 45 gateways: gw-0 busiest, gw-1..gw-4 nearly idle, gw-5..gw-43 at 50..430 receptions,
        // and gw-44 tying with gw-5 at 50 so the tie-break is exercised at the cut.
        report.radio.gateways = (0..45).map(|i| gateway(i, if i < 5 { i } else { 10 * i })).collect();
        report.radio.gateways[0].receptions = 1000;
        report.radio.gateways[44].receptions = 10 * 5;
        let chart = GatewayLoadChart::new(&report);
        assert_eq!(chart.rows.len(), MAX_GATEWAYS);
        let ids: Vec<String> = chart.rows.iter().map(|r| r.id.clone()).collect();
        // Dropped: gw-1..gw-4 (1..4 receptions) and gw-44, which ties with gw-5 but is listed later.
        let expected: Vec<String> = [0].into_iter().chain(5..44).map(|i| format!("gw-{i}")).collect();
        assert_eq!(ids, expected);
        assert_eq!(chart.subtitle.as_deref(), Some("the 40 busiest of 45 gateways by receptions, in report order"));
    }

    #[test]
    fn no_gateways_is_not_an_error() {
        let mut report = sample_report();
        report.radio.gateways.clear();
        let chart = GatewayLoadChart::new(&report);
        assert!(chart.rows.is_empty());
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("gateway_load.svg")).expect("svg");
        assert!(svg.contains("no gateways"));
    }
}
