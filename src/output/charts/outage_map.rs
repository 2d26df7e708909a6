//! `charts/outage_map.{svg,png}`: two plans of the simulated square side by side, before and
//! during the failure that dented delivery most (`resilience.maps`), each city grid cell filled
//! by its delivery ratio on a red (nothing delivered) to yellow to green (all delivered) banded
//! scale, with gateways as triangles, so a planner sees at a glance where the city went dark.
//! A run no failure dented gets a short note instead.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::coverage_map::square_map;
use super::{
    Chart, DrawResult, FONT, LegendEntry, Mark, draw_legend, draw_title, fit_text, group_digits, rimmed_triangle,
};
use crate::metrics::report::{OutageMaps, Report};

/// Width of the legend panel on the right.
const LEGEND_W: u32 = 190;
/// Height of the heading above each map.
const HEADING_H: u32 = 30;
/// Delivery-ratio bands, best first: the lower edge (inclusive), the legend text and the fill.
/// The bands are narrow near 1, where a planner's targets sit, and wide below, on ColorBrewer's
/// red–yellow–green scale (green all delivered, yellow half way down, dark red nothing).
const BANDS: [(f64, &str, RGBColor); 7] = [
    (0.99, "≥ 99 %", RGBColor(26, 152, 80)),
    (0.95, "95 – 99 %", RGBColor(145, 207, 96)),
    (0.90, "90 – 95 %", RGBColor(217, 239, 139)),
    (0.75, "75 – 90 %", RGBColor(254, 224, 139)),
    (0.50, "50 – 75 %", RGBColor(253, 174, 97)),
    (0.25, "25 – 50 %", RGBColor(244, 109, 67)),
    (f64::NEG_INFINITY, "< 25 %", RGBColor(165, 0, 38)),
];
/// Cells where no reading fell due.
const NO_READINGS: RGBColor = RGBColor(232, 232, 232);
const GATEWAY_COLOR: RGBColor = RGBColor(0, 0, 0);
const GATEWAY_SIZE: u32 = 9;
/// The note drawn when no failure dented delivery.
const NO_FAILURE: &str = "No failure dented delivery";

/// One map: every cell of the grid with its band, and how many cells reported.
#[derive(Debug, PartialEq)]
struct Panel {
    /// "Before the failure" or "During the failure".
    heading: &'static str,
    /// Every cell: (east km, north km) of its south-west corner, and its band (None: no readings).
    cells: Vec<(f64, f64, Option<usize>)>,
    /// Cells with a delivered reading.
    reporting: u64,
    /// Cells with readings due.
    with_readings: u64,
}

/// The outage map, with cells sorted into bands once for both backends.
#[derive(Debug)]
pub struct OutageMapChart {
    title: String,
    /// The failure mapped; None when no failure dented delivery.
    subtitle: Option<String>,
    side_km: f64,
    cell_km: f64,
    /// Before and during; empty when no failure dented delivery.
    panels: Vec<Panel>,
    gateways: Vec<(f64, f64)>,
    /// Failure windows in the run, for the note when none is mapped.
    failures: usize,
}

/// Band index of a delivery ratio; NaN falls in the worst band.
fn band(ratio: f64) -> usize {
    BANDS.iter().position(|&(low, _, _)| ratio >= low).unwrap_or(BANDS.len() - 1)
}

/// The cells of one map of `n` by `n` cells `cell_km` wide, from `ratios` row by row from the
/// south (missing entries count as cells without readings).
fn panel(heading: &'static str, ratios: &[Option<f64>], n: usize, cell_km: f64) -> Panel {
    let (mut reporting, mut with_readings) = (0, 0);
    let cells = (0..n * n)
        .map(|i| {
            let ratio = ratios.get(i).copied().flatten();
            if let Some(r) = ratio {
                with_readings += 1;
                if r > 0.0 {
                    reporting += 1;
                }
            }
            ((i % n) as f64 * cell_km, (i / n) as f64 * cell_km, ratio.map(band))
        })
        .collect();
    Panel { heading, cells, reporting, with_readings }
}

impl OutageMapChart {
    /// Bands the cells of `report`'s outage maps.
    pub fn new(report: &Report) -> Self {
        let gateways: Vec<(f64, f64)> = report.map.gateways.iter().map(|&(x, y)| (x / 1000.0, y / 1000.0)).collect();
        let maps: Option<&OutageMaps> = report.resilience.maps.as_ref().filter(|m| m.n > 0);
        let cell_km = maps.map_or(0.0, |m| m.cell_m / 1000.0);
        let grid_km = maps.map_or(0.0, |m| m.n as f64 * cell_km);
        let side_km = if report.map.side_m.is_finite() && report.map.side_m > 0.0 {
            report.map.side_m / 1000.0
        } else if grid_km.is_finite() && grid_km > 0.0 {
            grid_km
        } else {
            gateways.iter().fold(1.0, |m: f64, p| m.max(p.0).max(p.1))
        };
        let panels = maps.map_or_else(Vec::new, |m| {
            vec![
                panel("Before the failure", &m.before, m.n, cell_km),
                panel("During the failure", &m.during, m.n, cell_km),
            ]
        });
        let subtitle = maps.map(|m| {
            let cell = if m.cell_m.is_finite() && m.cell_m > 0.0 {
                format!(" per {} m cell", group_digits(m.cell_m.round() as u64))
            } else {
                String::new()
            };
            format!("Worst failure: {} — delivery ratio{cell}", m.label)
        });
        OutageMapChart {
            title: format!("Outage map — {}", report.scenario.name),
            subtitle,
            side_km,
            cell_km,
            panels,
            gateways,
            failures: report.resilience.failures.len(),
        }
    }

    /// Draws the note for a run no failure dented, centred on `area`.
    fn draw_note<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (w, h) = area.dim_in_pixel();
        let (cx, cy) = (w as i32 / 2, h as i32 / 2);
        let style = TextStyle::from((FONT, 22)).pos(Pos::new(HPos::Center, VPos::Center));
        area.draw_text(NO_FAILURE, &style, (cx, cy - 14))?;
        let detail = match self.failures {
            0 => "no failures in this run".to_string(),
            1 => "the one failure window in this run did not dent the delivery ratio".to_string(),
            n => {
                format!("none of the {} failure windows in this run dented the delivery ratio", group_digits(n as u64))
            }
        };
        let grey = BLACK.mix(0.6);
        let style = TextStyle::from((FONT, 15)).color(&grey).pos(Pos::new(HPos::Center, VPos::Center));
        area.draw_text(&detail, &style, (cx, cy + 16))
    }
}

impl Chart for OutageMapChart {
    const NAME: &'static str = "outage_map";
    const SIZE: (u32, u32) = (1360, 660);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(root, &self.title, self.subtitle.as_deref())?;
        if self.panels.is_empty() {
            return self.draw_note(&body);
        }
        let (width, _) = body.dim_in_pixel();
        let (maps_area, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));
        let (maps_w, _) = maps_area.dim_in_pixel();
        let (left, right) = maps_area.split_horizontally(maps_w / 2);

        let left_centre = Pos::new(HPos::Left, VPos::Center);
        let heading_style = TextStyle::from((FONT, 16, FontStyle::Bold)).pos(left_centre);
        let count_style = TextStyle::from((FONT, 16)).pos(left_centre);
        let mut pad_y = 0;
        for (area, panel) in [left, right].iter().zip(&self.panels) {
            let (heading_area, map_area) = area.split_vertically(HEADING_H);
            let (mut chart, pad) = square_map(&map_area, self.side_km)?;
            pad_y = pad;

            for &(x, y, b) in &panel.cells {
                let color = b.map_or(NO_READINGS, |b| BANDS[b].2);
                let rect = Rectangle::new([(x, y), (x + self.cell_km, y + self.cell_km)], color.filled());
                chart.draw_series([rect])?;
            }
            let plot = chart.plotting_area();
            for &gw in &self.gateways {
                rimmed_triangle(plot, gw, GATEWAY_SIZE, GATEWAY_COLOR)?;
            }
            let (x_range, _) = plot.get_pixel_range();

            // The heading and the count of reporting cells sit centred over the square, just above it.
            let (hw, _) = heading_area.dim_in_pixel();
            let (hx, _) = heading_area.get_base_pixel();
            let centre = (x_range.start + x_range.end) / 2 - hx;
            let heading = format!("{}  ", panel.heading);
            let counts =
                format!("{} of {} cells reporting", group_digits(panel.reporting), group_digits(panel.with_readings));
            let hw_text = heading_area.estimate_text_size(&heading, &heading_style)?.0 as i32;
            let cw_text = heading_area.estimate_text_size(&counts, &count_style)?.0 as i32;
            let start = (centre - (hw_text + cw_text) / 2).max(4);
            let y = (HEADING_H + pad) as i32 - 6;
            heading_area.draw_text(&heading, &heading_style, (start, y))?;
            let room = (hw as i32 - start - hw_text - 4).max(10) as u32;
            let counts = fit_text(&heading_area, &counts, &count_style, room)?;
            heading_area.draw_text(&counts, &count_style, (start + hw_text, y))?;
        }

        let mut entries: Vec<LegendEntry> = BANDS
            .iter()
            .map(|&(_, label, color)| LegendEntry { mark: Mark::Square(color), label: label.to_string() })
            .collect();
        entries.push(LegendEntry { mark: Mark::Square(NO_READINGS), label: "no readings".to_string() });
        entries.push(LegendEntry {
            mark: Mark::Triangle(GATEWAY_COLOR),
            label: format!("gateway ({})", group_digits(self.gateways.len() as u64)),
        });
        draw_legend(&legend_area, (HEADING_H + pad_y) as i32 + 30, "Delivery ratio", &entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::report::FailureWindow;
    use crate::output::sample_report;

    /// `chart` drawn as SVG, in memory.
    fn svg_of(chart: &OutageMapChart) -> String {
        crate::output::charts::svg_string(chart).expect("draw")
    }

    /// The sample report (a 2 km square) with a 4 x 4 grid of 500 m cells mapped.
    fn report_with_maps() -> Report {
        let mut report = sample_report();
        let before: Vec<Option<f64>> = (0..16).map(|i| if i == 15 { None } else { Some(1.0) }).collect();
        let mut during = before.clone();
        // The south-west corner goes dark, its neighbour east limps along.
        during[0] = Some(0.0);
        during[1] = Some(0.6);
        during[4] = Some(0.97);
        report.resilience.maps = Some(OutageMaps {
            label: "power (district North), 2.0 h to 3.0 h".to_string(),
            n: 4,
            cell_m: 500.0,
            before,
            during,
        });
        report
    }

    #[test]
    fn ratios_fall_in_bands() {
        assert_eq!(band(1.0), 0);
        assert_eq!(band(0.99), 0);
        assert_eq!(band(0.985), 1);
        assert_eq!(band(0.9), 2);
        assert_eq!(band(0.6), 4);
        assert_eq!(band(0.25), 5);
        assert_eq!(band(0.0), 6);
        assert_eq!(band(f64::NAN), 6);
    }

    #[test]
    fn cells_are_placed_row_by_row_from_the_south() {
        let chart = OutageMapChart::new(&report_with_maps());
        assert_eq!(chart.side_km, 2.0);
        assert_eq!(chart.cell_km, 0.5);
        let [before, during] = &chart.panels[..] else { panic!("two panels") };
        assert_eq!(before.cells.len(), 16);
        assert_eq!((before.reporting, before.with_readings), (15, 15));
        assert_eq!((during.reporting, during.with_readings), (14, 15));
        assert_eq!(during.cells[0], (0.0, 0.0, Some(6)));
        assert_eq!(during.cells[1], (0.5, 0.0, Some(4)));
        assert_eq!(during.cells[4], (0.0, 0.5, Some(1)));
        assert_eq!(during.cells[15], (1.5, 1.5, None));
        assert_eq!(chart.gateways, [(0.6, 1.0), (1.4, 1.0)]);
        assert_eq!(
            chart.subtitle.as_deref(),
            Some("Worst failure: power (district North), 2.0 h to 3.0 h — delivery ratio per 500 m cell")
        );
    }

    #[test]
    fn a_map_with_known_cells_renders() {
        let svg = svg_of(&OutageMapChart::new(&report_with_maps()));
        assert!(svg.contains("Outage map — Test town"));
        assert!(svg.contains("power (district North), 2.0 h to 3.0 h"));
        assert!(svg.contains("Before the failure") && svg.contains("During the failure"));
        assert!(svg.contains("14 of 15 cells reporting"));
        assert!(svg.contains("Delivery ratio") && svg.contains("no readings") && svg.contains("gateway (2)"));
        // The dark cell is drawn in the worst band's colour, the empty one in grey.
        assert!(svg.contains("#A50026") || svg.contains("#a50026"), "worst band colour");
        assert!(svg.contains("#E8E8E8") || svg.contains("#e8e8e8"), "no-readings grey");
        assert!(!svg.contains(NO_FAILURE));
    }

    #[test]
    fn no_maps_is_not_an_error() {
        let mut report = sample_report();
        let chart = OutageMapChart::new(&report);
        assert!(chart.panels.is_empty() && chart.subtitle.is_none());
        let svg = svg_of(&chart);
        assert!(svg.contains("Outage map — Test town"));
        assert!(svg.contains(NO_FAILURE) && svg.contains("no failures in this run"));

        report.resilience.failures = vec![
            FailureWindow {
                kind: "gateway",
                scope: "gw-0".to_string(),
                start_h: 1.0,
                end_h: 2.0,
                before: 0.99,
                lowest: 0.99,
                recovered_after_h: Some(0.0),
            };
            2
        ];
        let svg = svg_of(&OutageMapChart::new(&report));
        assert!(svg.contains("none of the 2 failure windows in this run dented the delivery ratio"));
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&OutageMapChart::new(&report), tmp.path()).expect("render");
    }
}
