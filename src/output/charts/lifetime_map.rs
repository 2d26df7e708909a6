//! `charts/lifetime_map.{svg,png}`: a plan of the simulated square, as the coverage map draws
//! it, with every battery sensor as a dot coloured by its projected lifetime band (warm for
//! short, cool for long, green for energy-neutral solar sensors) and gateways as triangles, so
//! the places a maintenance crew will visit first stand out.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::coverage_map::{MAX_DRAWN_SENSORS, ordinal, square_map};
use super::{Chart, DrawResult, FONT, LegendEntry, Mark, draw_legend, draw_title, group_digits, rimmed_triangle};
use crate::metrics::report::Report;

/// Width of the legend panel on the right.
const LEGEND_W: u32 = 230;
/// Lifetime bands: the upper edge in years (exclusive) and the legend text, shortest first. A
/// finite lifetime beyond the last edge falls in the last band; an infinite one in
/// [`NEUTRAL`].
const BANDS: [(f64, &str); 6] = [
    (1.0, "< 1 year"),
    (2.0, "1 – 2 years"),
    (5.0, "2 – 5 years"),
    (10.0, "5 – 10 years"),
    (20.0, "10 – 20 years"),
    (f64::INFINITY, "≥ 20 years"),
];
/// Index of the energy-neutral layer, after the bands.
const NEUTRAL: usize = BANDS.len();
/// One colour per band then energy-neutral: red to gold for what needs a visit within five years,
/// light to dark blue for what outlasts that, and green for sensors the sun keeps going.
const COLORS: [RGBColor; 7] = [
    RGBColor(214, 39, 40),
    RGBColor(255, 127, 14),
    RGBColor(222, 170, 20),
    RGBColor(120, 175, 215),
    RGBColor(49, 120, 185),
    RGBColor(8, 48, 107),
    RGBColor(44, 160, 44),
];
const GATEWAY_COLOR: RGBColor = RGBColor(0, 0, 0);
const SENSOR_RADIUS: u32 = 2;
const GATEWAY_SIZE: u32 = 9;

/// The lifetime map, with sensors sorted into bands once for both backends.
#[derive(Debug)]
pub struct LifetimeMapChart {
    title: String,
    subtitle: String,
    side_km: f64,
    /// Drawn sensors in km, per band then energy-neutral.
    layers: [Vec<(f64, f64)>; 7],
    /// All sensors per layer, for the legend (not just the drawn ones).
    counts: [u64; 7],
    gateways: Vec<(f64, f64)>,
}

/// Layer of a lifetime in years: its band, [`NEUTRAL`] when infinite, None when unknown (NaN).
fn layer(years: f32) -> Option<usize> {
    let years = f64::from(years);
    if years.is_nan() {
        None
    } else if years == f64::INFINITY {
        Some(NEUTRAL)
    } else {
        BANDS.iter().position(|&(upper, _)| years < upper).or(Some(BANDS.len() - 1))
    }
}

impl LifetimeMapChart {
    /// Sorts the battery sensors of `report` into lifetime bands.
    pub fn new(report: &Report) -> Self {
        let total = report.lifetimes.len();
        // Every k-th sensor, as the coverage map draws them: deterministic and proportional.
        let step = total.div_ceil(MAX_DRAWN_SENSORS).max(1);

        let mut layers: [Vec<(f64, f64)>; 7] = Default::default();
        let mut counts = [0u64; 7];
        for (i, s) in report.lifetimes.iter().enumerate() {
            let Some(l) = layer(s.years) else { continue };
            counts[l] += 1;
            if i.is_multiple_of(step) {
                layers[l].push((f64::from(s.x) / 1000.0, f64::from(s.y) / 1000.0));
            }
        }
        let map = &report.map;
        let gateways: Vec<(f64, f64)> = map.gateways.iter().map(|&(x, y)| (x / 1000.0, y / 1000.0)).collect();
        let side_km = if map.side_m.is_finite() && map.side_m > 0.0 {
            map.side_m / 1000.0
        } else {
            layers.iter().flatten().chain(&gateways).fold(1.0, |m: f64, p| m.max(p.0).max(p.1))
        };

        let drawn: usize = layers.iter().map(Vec::len).sum();
        let subtitle = if step > 1 {
            format!(
                "{} battery sensors by projected lifetime; every {} drawn ({})",
                group_digits(total as u64),
                ordinal(step),
                group_digits(drawn as u64)
            )
        } else {
            format!("{} battery sensors by projected lifetime", group_digits(total as u64))
        };

        LifetimeMapChart {
            title: format!("Battery lifetime map — {}", report.scenario.name),
            subtitle,
            side_km,
            layers,
            counts,
            gateways,
        }
    }
}

impl Chart for LifetimeMapChart {
    const NAME: &'static str = "lifetime_map";
    const SIZE: (u32, u32) = (860, 800);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(root, &self.title, Some(&self.subtitle))?;
        let (width, _) = body.dim_in_pixel();
        let (map_area, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));

        let (mut chart, pad_y) = square_map(&map_area, self.side_km)?;

        // Energy-neutral and long-lived sensors first, so the short-lived ones are drawn on top.
        for l in (0..self.layers.len()).rev() {
            let color = COLORS[l];
            chart.draw_series(self.layers[l].iter().map(|&p| Circle::new(p, SENSOR_RADIUS, color.filled())))?;
        }
        let plot = chart.plotting_area();
        for &gw in &self.gateways {
            rimmed_triangle(plot, gw, GATEWAY_SIZE, GATEWAY_COLOR)?;
        }
        if self.counts.iter().all(|&c| c == 0) {
            let grey = BLACK.mix(0.6);
            let style = TextStyle::from((FONT, 18)).color(&grey).pos(Pos::new(HPos::Center, VPos::Center));
            let centre = chart.backend_coord(&(self.side_km / 2.0, self.side_km / 2.0));
            root.draw_text("no battery sensors in this run", &style, centre)?;
        }

        let mut entries: Vec<LegendEntry> = BANDS
            .iter()
            .map(|&(_, label)| label)
            .chain(["energy-neutral"])
            .zip(COLORS.iter().zip(self.counts))
            .map(|(label, (&color, n))| LegendEntry {
                mark: Mark::Dot(color),
                label: format!("{label} ({})", group_digits(n)),
            })
            .collect();
        entries.push(LegendEntry {
            mark: Mark::Triangle(GATEWAY_COLOR),
            label: format!("gateway ({})", group_digits(self.gateways.len() as u64)),
        });
        draw_legend(&legend_area, 30 + pad_y as i32, "Projected lifetime", &entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::report::SensorLifetime;
    use crate::output::sample_report;

    fn sensor(x: f32, years: f32) -> SensorLifetime {
        SensorLifetime { group: 0, x, y: 1000.0, years }
    }

    #[test]
    fn lifetimes_fall_in_bands() {
        assert_eq!(layer(0.0), Some(0));
        assert_eq!(layer(0.99), Some(0));
        assert_eq!(layer(1.0), Some(1));
        assert_eq!(layer(4.9), Some(2));
        assert_eq!(layer(9.0), Some(3));
        assert_eq!(layer(14.7), Some(4));
        assert_eq!(layer(20.0), Some(5));
        assert_eq!(layer(300.0), Some(5));
        assert_eq!(layer(f32::INFINITY), Some(NEUTRAL));
        assert_eq!(layer(f32::NAN), None);
    }

    #[test]
    fn counts_every_sensor_and_keeps_the_square() {
        let mut report = sample_report();
        report.lifetimes = vec![
            sensor(100.0, 0.02),
            sensor(200.0, 1.5),
            sensor(300.0, 1.6),
            sensor(400.0, 14.7),
            sensor(500.0, 20.0),
            sensor(600.0, f32::INFINITY),
            sensor(700.0, f32::NAN),
        ];
        let chart = LifetimeMapChart::new(&report);
        assert_eq!(chart.counts, [1, 2, 0, 0, 1, 1, 1]);
        assert_eq!(chart.layers[1], [(0.2, 1.0), (0.3, 1.0)]);
        assert_eq!(chart.side_km, 2.0);
        assert_eq!(chart.gateways, [(0.6, 1.0), (1.4, 1.0)]);
        assert_eq!(chart.subtitle, "7 battery sensors by projected lifetime");
    }

    #[test]
    fn large_maps_are_subsampled_deterministically() {
        let mut report = sample_report();
        report.lifetimes = (0..50_001u32).map(|i| sensor((i % 2000) as f32, (i % 30) as f32)).collect();
        let chart = LifetimeMapChart::new(&report);
        let drawn: usize = chart.layers.iter().map(Vec::len).sum();
        assert_eq!(drawn, 50_001usize.div_ceil(3));
        assert!(drawn <= MAX_DRAWN_SENSORS);
        assert_eq!(chart.counts.iter().sum::<u64>(), 50_001);
        assert_eq!(chart.subtitle, "50,001 battery sensors by projected lifetime; every 3rd drawn (16,667)");
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
    }

    #[test]
    fn renders_svg_and_png() {
        let mut report = sample_report();
        report.lifetimes = (0..300u32).map(|i| sensor((i * 7919 % 2000) as f32, (i % 25) as f32 / 1.1)).collect();
        let chart = LifetimeMapChart::new(&report);
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        for ext in ["svg", "png"] {
            let path = tmp.path().join(format!("lifetime_map.{ext}"));
            assert!(std::fs::metadata(&path).expect("chart file").len() > 0, "{} is empty", path.display());
        }
        let svg = std::fs::read_to_string(tmp.path().join("lifetime_map.svg")).expect("svg");
        assert!(svg.contains("Battery lifetime map — Test town"));
        assert!(svg.contains("&lt; 1 year (24)") || svg.contains("< 1 year (24)"), "band counts in the legend");
    }

    #[test]
    fn no_lifetimes_is_not_an_error() {
        let chart = LifetimeMapChart::new(&sample_report());
        assert_eq!(chart.counts, [0; 7]);
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("lifetime_map.svg")).expect("svg");
        assert!(svg.contains("no battery sensors in this run"));
    }
}
