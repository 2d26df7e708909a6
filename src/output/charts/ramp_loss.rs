//! `charts/ramp_loss.{svg,png}` in a ramp's folder: the share of readings each design lost
//! (1 − its delivery ratio) against the readings offered to the pipeline per second, both on log
//! axes so a loss of 0.1 % reads as clearly as one of 50 %, with designs that lost nothing on a
//! "0 %" row below the log range. The delivery objective is a dashed line at the loss it allows,
//! and each design's knee is marked. See [`super::ramp_lines`].

use plotters::coord::Shift;
use plotters::prelude::*;

use super::log_axis::{percent_tick, plain_number};
use super::ramp_lines::{RampPlot, YAxis};
use super::{Chart, DrawResult};
use crate::ramp::{RampPoint, RampReport};

/// The loss axis never starts below this share (0.0001 %), nor above 1 %, so it always spans
/// at least two decades.
const FLOOR: f64 = 1e-6;
/// Bottom of the axis' log range when no stage lost anything.
const DEFAULT_LO: f64 = 1e-3;
/// Top of the axis: a little above 100 % so a design that lost everything is not on the frame.
const TOP: f64 = 1.5;

/// The ramp's loss chart.
#[derive(Debug)]
pub struct RampLossChart {
    plot: RampPlot,
}

/// A stage's share of readings lost.
fn loss(p: &RampPoint) -> Option<f64> {
    p.delivery_ratio.is_finite().then(|| (1.0 - p.delivery_ratio).clamp(0.0, 1.0))
}

/// The bottom of the log range for losses `values` and the objective's allowed loss: a decade
/// at or below the smallest positive one, within [`FLOOR`]..1 %.
fn log_floor(values: &[f64]) -> f64 {
    let smallest = values.iter().copied().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
    if smallest.is_finite() {
        let e = (smallest / 1.5).log10().floor() as i32;
        (1.0 / 10f64.powi(-e)).clamp(FLOOR, 0.01)
    } else {
        DEFAULT_LO
    }
}

impl RampLossChart {
    /// Lines of every design's loss over the stages of `report`.
    pub fn new(report: &RampReport) -> Self {
        let allowed = (report.delivery_min > 0.0 && report.delivery_min <= 1.0).then_some(1.0 - report.delivery_min);
        let mut values = RampPlot::values(report, loss);
        values.extend(allowed);
        let lo = log_floor(&values);
        let y_axis = YAxis {
            desc: "Readings lost (log scale)",
            lo,
            hi: TOP,
            zero_row: values.iter().any(|v| *v <= 0.0).then_some(lo / 3.0),
            tick: percent_tick,
            zero_label: "0 %",
        };
        let slo = allowed.map(|a| (a, format!("SLO: delivery ≥ {} %", plain_number(report.delivery_min * 100.0))));
        RampLossChart { plot: RampPlot::new(report, "Load ramp: readings lost", loss, y_axis, slo) }
    }
}

impl Chart for RampLossChart {
    const NAME: &'static str = "ramp_loss";
    const SIZE: (u32, u32) = (1280, 720);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        self.plot.draw(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::charts::ramp_lines::{NO_STAGES, sample_ramp};

    /// `chart` drawn as SVG, in memory.
    fn svg_of(chart: &RampLossChart) -> String {
        crate::output::charts::svg_string(chart).expect("draw")
    }

    #[test]
    fn losses_on_a_log_axis_with_a_zero_row() {
        let chart = RampLossChart::new(&sample_ramp());
        let y = &chart.plot.y_axis;
        // The smallest loss is aggregated's 0.01 % at the last stage.
        assert_eq!(y.lo, 1e-5);
        assert_eq!(y.zero_row, Some(1e-5 / 3.0));
        let raw: Vec<Option<f64>> = chart.plot.series[0].points.iter().map(|p| p.y).collect();
        assert_eq!(raw[0], Some(0.0));
        assert!((raw[2].unwrap_or_default() - 0.66).abs() < 1e-12);
        let (allowed, label) = chart.plot.slo.clone().expect("slo");
        assert!((allowed - 0.01).abs() < 1e-12);
        assert_eq!(label, "SLO: delivery ≥ 99 %");
        assert_eq!(log_floor(&[]), DEFAULT_LO);
        assert_eq!(log_floor(&[0.0, 0.003]), 0.001);
        assert_eq!(log_floor(&[0.3]), 0.01);
        assert_eq!(log_floor(&[1e-9]), FLOOR);
        assert_eq!(log_floor(&[0.5]), 0.01);
    }

    #[test]
    fn renders_lines_zero_row_and_objective() {
        let svg = svg_of(&RampLossChart::new(&sample_ramp()));
        assert!(svg.contains("Load ramp: readings lost — Ramp town"));
        assert!(svg.contains("raw: sustained 12.8/s") && svg.contains("aggregated: sustained 24.4/s"));
        assert!(svg.contains("Readings offered to the pipeline per second (log scale)"));
        assert!(svg.contains("Readings lost (log scale)"));
        for tick in ["0 %", "0.001 %", "1 %", "100 %"] {
            assert!(svg.lines().any(|l| l == tick), "tick {tick}");
        }
        assert!(svg.contains("SLO: delivery ≥ 99 %"));
    }

    #[test]
    fn no_stages_is_not_an_error() {
        let mut report = sample_ramp();
        report.stages.clear();
        report.knees.clear();
        let chart = RampLossChart::new(&report);
        assert!(svg_of(&chart).contains(NO_STAGES));
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        assert!(tmp.path().join("ramp_loss.png").exists());
    }
}
