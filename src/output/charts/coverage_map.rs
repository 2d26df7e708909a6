//! `charts/coverage_map.{svg,png}`: a plan of the simulated square with every sensor as a dot
//! coloured by its spreading factor (red where no gateway hears it) and gateways as triangles.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{Chart, DrawResult, FONT, LegendEntry, Mark, draw_legend, draw_title, group_digits, rimmed_triangle};
use crate::metrics::report::Report;

/// Above this many sensors only every k-th is drawn, keeping the SVG a few megabytes at most.
pub const MAX_DRAWN_SENSORS: usize = 20_000;
/// Width of the legend panel on the right.
const LEGEND_W: u32 = 170;
/// Lowest and highest LoRa spreading factors.
const SF_MIN: u8 = 7;
const SF_MAX: u8 = 12;
/// SF7..SF12: six steps of viridis, light (short airtime) to dark (long airtime). The lightest
/// yellow end is skipped because it vanishes on a white background.
const SF_COLORS: [RGBColor; 6] = [
    RGBColor(181, 222, 43),
    RGBColor(110, 206, 88),
    RGBColor(31, 158, 137),
    RGBColor(38, 130, 142),
    RGBColor(62, 74, 137),
    RGBColor(72, 36, 117),
];
/// Sensors no gateway can hear: the one thing a planner must spot at a glance.
const OUT_OF_RANGE_COLOR: RGBColor = RGBColor(214, 39, 40);
const GATEWAY_COLOR: RGBColor = RGBColor(0, 0, 0);
const SENSOR_RADIUS: u32 = 2;
const GATEWAY_SIZE: u32 = 9;

/// The coverage map, with sensors grouped by spreading factor once for both backends.
#[derive(Debug)]
pub struct CoverageMapChart {
    title: String,
    /// Set when only a subsample of sensors is drawn.
    subtitle: Option<String>,
    side_km: f64,
    /// Drawn sensors in km, per layer: SF7..SF12 then out of range (drawn last, on top).
    layers: [Vec<(f64, f64)>; 7],
    /// All sensors per layer, for the legend (not just the drawn ones).
    counts: [u64; 7],
    gateways: Vec<(f64, f64)>,
}

/// Layer index of a spreading factor: 0..=5 for SF7..SF12, 6 for anything else.
fn layer(sf: u8) -> usize {
    if (SF_MIN..=SF_MAX).contains(&sf) { usize::from(sf - SF_MIN) } else { 6 }
}

impl CoverageMapChart {
    /// Groups the map data of `report` by spreading factor.
    pub fn new(report: &Report) -> Self {
        let map = &report.map;
        let total = map.sensors.len();
        // Every k-th sensor: deterministic (same run, same picture) and proportional across
        // sensor groups, whatever order the engine lists them in.
        let step = total.div_ceil(MAX_DRAWN_SENSORS).max(1);

        let mut layers: [Vec<(f64, f64)>; 7] = Default::default();
        let mut counts = [0u64; 7];
        for (i, &(x, y, sf)) in map.sensors.iter().enumerate() {
            let l = layer(sf);
            counts[l] += 1;
            if i.is_multiple_of(step) {
                layers[l].push((f64::from(x) / 1000.0, f64::from(y) / 1000.0));
            }
        }
        let gateways: Vec<(f64, f64)> = map.gateways.iter().map(|&(x, y)| (x / 1000.0, y / 1000.0)).collect();

        // Fall back to the extent of what is drawn if the side is missing, so nothing is lost.
        let side_km = if map.side_m.is_finite() && map.side_m > 0.0 {
            map.side_m / 1000.0
        } else {
            layers.iter().flatten().chain(&gateways).fold(1.0, |m: f64, p| m.max(p.0).max(p.1))
        };

        let subtitle = (step > 1).then(|| {
            format!(
                "every {} sensor drawn ({} of {})",
                ordinal(step),
                group_digits(layers.iter().map(|l| l.len() as u64).sum()),
                group_digits(total as u64)
            )
        });

        CoverageMapChart {
            title: format!("Sensors by spreading factor — {}", report.scenario.name),
            subtitle,
            side_km,
            layers,
            counts,
            gateways,
        }
    }
}

/// "2nd", "3rd", "11th", "21st".
pub(crate) fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A map plot over the simulated square.
pub(crate) type MapPlot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A map's plot over the simulated square: equal scales on both axes, centred in whatever
/// room `area` leaves, kilometres east and north, a light mesh; with the vertical padding used
/// to centre it (legends line up with it). The lifetime map shares it.
pub(crate) fn square_map<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    side_km: f64,
) -> Result<(MapPlot<'a, DB>, u32), DrawingAreaErrorKind<DB::ErrorType>> {
    const MARGIN: u32 = 12;
    const X_LABELS: u32 = 50;
    const Y_LABELS: u32 = 60;
    let (w, h) = area.dim_in_pixel();
    let room_w = w.saturating_sub(Y_LABELS + 2 * MARGIN);
    let room_h = h.saturating_sub(X_LABELS + 2 * MARGIN);
    let side = room_w.min(room_h);
    let pad_x = (room_w - side) / 2;
    let pad_y = (room_h - side) / 2;
    let mut chart = ChartBuilder::on(area)
        .margin_left(MARGIN + pad_x)
        .margin_right(MARGIN + pad_x)
        .margin_top(MARGIN + pad_y)
        .margin_bottom(MARGIN + pad_y)
        .x_label_area_size(X_LABELS)
        .y_label_area_size(Y_LABELS)
        .build_cartesian_2d(0.0..side_km, 0.0..side_km)?;
    chart
        .configure_mesh()
        .x_desc("East (km)")
        .y_desc("North (km)")
        .axis_desc_style((FONT, 16))
        .label_style((FONT, 13))
        .bold_line_style(BLACK.mix(0.1))
        .light_line_style(BLACK.mix(0.03))
        .draw()?;
    Ok((chart, pad_y))
}

impl Chart for CoverageMapChart {
    const NAME: &'static str = "coverage_map";
    const SIZE: (u32, u32) = (800, 800);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(root, &self.title, self.subtitle.as_deref())?;
        let (width, _) = body.dim_in_pixel();
        let (map_area, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));

        let (mut chart, pad_y) = square_map(&map_area, self.side_km)?;

        let colors = SF_COLORS.iter().chain([&OUT_OF_RANGE_COLOR]);
        for (points, &color) in self.layers.iter().zip(colors) {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, SENSOR_RADIUS, color.filled())))?;
        }
        let plot = chart.plotting_area();
        for &gw in &self.gateways {
            rimmed_triangle(plot, gw, GATEWAY_SIZE, GATEWAY_COLOR)?;
        }

        let mut entries: Vec<LegendEntry> = (SF_MIN..=SF_MAX)
            .zip(SF_COLORS)
            .map(|(sf, color)| LegendEntry {
                mark: Mark::Dot(color),
                label: format!("SF{sf} ({})", group_digits(self.counts[layer(sf)])),
            })
            .collect();
        entries.push(LegendEntry {
            mark: Mark::Dot(OUT_OF_RANGE_COLOR),
            label: format!("no gateway ({})", group_digits(self.counts[6])),
        });
        entries.push(LegendEntry {
            mark: Mark::Triangle(GATEWAY_COLOR),
            label: format!("gateway ({})", group_digits(self.gateways.len() as u64)),
        });
        draw_legend(&legend_area, 30 + pad_y as i32, "Sensors", &entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::sample_report;

    #[test]
    fn groups_sensors_by_spreading_factor() {
        let report = sample_report();
        let chart = CoverageMapChart::new(&report);
        assert_eq!(chart.counts.iter().sum::<u64>(), report.map.sensors.len() as u64);
        for sf in SF_MIN..=SF_MAX {
            let expected = report.radio.sf_distribution.iter().find(|c| c.sf == sf).map_or(0, |c| c.sensors);
            assert_eq!(chart.counts[layer(sf)], expected, "SF{sf}");
        }
        assert!(chart.subtitle.is_none());
        assert_eq!(chart.side_km, 2.0);
    }

    #[test]
    fn large_maps_are_subsampled_deterministically() {
        let mut report = sample_report();
        report.map.sensors = (0..50_001u32).map(|i| ((i % 2000) as f32, (i / 25) as f32, 7 + (i % 6) as u8)).collect();
        let chart = CoverageMapChart::new(&report);
        let drawn: usize = chart.layers.iter().map(Vec::len).sum();
        assert_eq!(drawn, 50_001usize.div_ceil(3));
        assert!(drawn <= MAX_DRAWN_SENSORS);
        assert_eq!(chart.counts.iter().sum::<u64>(), 50_001);
        assert_eq!(chart.subtitle.as_deref(), Some("every 3rd sensor drawn (16,667 of 50,001)"));
    }

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal).into();
        assert_eq!(got, ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]);
    }
}
