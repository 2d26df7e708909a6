//! `charts/ramp_latency.{svg,png}` in a ramp's folder: each design's end-to-end p99 latency
//! against the readings offered to the pipeline per second, both on log axes, one line per
//! design through its stages, with the p99 objective as a dashed line and each design's knee
//! (the highest load it sustained within its SLO) marked. See [`super::ramp_lines`].

use plotters::coord::Shift;
use plotters::prelude::*;

use super::log_axis::{latency_label, log_bounds, ms_tick};
use super::ramp_lines::{RampPlot, YAxis};
use super::{Chart, DrawResult};
use crate::ramp::{RampPoint, RampReport};

/// The latency axis never starts below a microsecond, the recorders' resolution.
const FLOOR_MS: f64 = 0.001;

/// The ramp's latency chart.
#[derive(Debug)]
pub struct RampLatencyChart {
    plot: RampPlot,
}

/// A stage's p99, ms; none when nothing was delivered (the report then says 0).
fn p99(p: &RampPoint) -> Option<f64> {
    (p.p99_ms > 0.0).then_some(p.p99_ms)
}

impl RampLatencyChart {
    /// Lines of every design's p99 over the stages of `report`.
    pub fn new(report: &RampReport) -> Self {
        let slo = report.p99_max_ms.filter(|m| m.is_finite() && *m > 0.0);
        let values = RampPlot::values(report, p99).into_iter().chain(slo);
        let (min, max) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let (lo, hi) = log_bounds(min, max, FLOOR_MS);
        let y_axis =
            YAxis { desc: "End-to-end p99 latency (log scale)", lo, hi, zero_row: None, tick: ms_tick, zero_label: "" };
        let slo = slo.map(|m| (m, format!("SLO: p99 ≤ {}", latency_label(m))));
        RampLatencyChart { plot: RampPlot::new(report, "Load ramp: end-to-end p99 latency", p99, y_axis, slo) }
    }
}

impl Chart for RampLatencyChart {
    const NAME: &'static str = "ramp_latency";
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
    fn svg_of(chart: &RampLatencyChart) -> String {
        crate::output::charts::svg_string(chart).expect("draw")
    }

    #[test]
    fn axis_covers_the_values_and_the_objective() {
        let chart = RampLatencyChart::new(&sample_ramp());
        let y = &chart.plot.y_axis;
        assert_eq!((y.lo, y.hi), (2000.0, 1_000_000.0));
        assert_eq!(chart.plot.slo, Some((10_000.0, "SLO: p99 ≤ 10.0 s".to_string())));
        assert_eq!(chart.plot.series[0].points[2].y, Some(618_660.0));
    }

    #[test]
    fn renders_lines_knees_and_objective() {
        let svg = svg_of(&RampLatencyChart::new(&sample_ramp()));
        assert!(svg.contains("Load ramp: end-to-end p99 latency — Ramp town"));
        assert!(svg.contains("raw: sustained 12.8/s, broke at 24.4/s"));
        assert!(svg.contains("aggregated: sustained 24.4/s, never broke"));
        assert!(svg.contains("Readings offered to the pipeline per second (log scale)"));
        assert!(svg.contains("End-to-end p99 latency (log scale)"));
        assert!(svg.contains("SLO: p99 ≤ 10.0 s") && svg.contains("knee: highest load sustained"));
        assert!(svg.contains("×4") && svg.contains("10 s"));
        assert!(!svg.contains(NO_STAGES));
    }

    #[test]
    fn no_stages_is_not_an_error() {
        let mut report = sample_ramp();
        report.stages.clear();
        report.knees.clear();
        report.p99_max_ms = None;
        let chart = RampLatencyChart::new(&report);
        assert!(chart.plot.series.is_empty());
        assert!(svg_of(&chart).contains(NO_STAGES));
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        assert!(tmp.path().join("ramp_latency.png").exists());

        // A design that delivered nothing has no p99 and leaves a gap, not a point at zero.
        let mut report = sample_ramp();
        report.stages[1].designs[0].p99_ms = 0.0;
        let chart = RampLatencyChart::new(&report);
        assert_eq!(chart.plot.series[0].points[1].y, None);
        svg_of(&chart);
    }
}
