//! `charts/live_latency.{svg,png}` of a live load test: end-to-end latency (p50 and p99, ms, log
//! axis) of the messages due in each wall-clock second (by intended send time, the time latency
//! counts from), and the messages received per second (intended send time + latency), with the
//! disconnections shaded. Written by `citytwin live` beside the run's charts
//! (it is not in [`super::RUN_CHARTS`], so report.html does not show it).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::log_axis::ms_tick;
use super::{Chart, DrawResult, FONT, TABLEAU10, draw_title};
use crate::live::engine::{Outcome, RECEIVED};
use crate::output::OutputError;
use crate::pipeline::LatencyRecorder;

/// The chart's file stem in `charts/`.
pub const NAME: &str = "live_latency";

/// The chart's points, prepared once for both backends.
#[derive(Debug)]
pub struct LiveLatencyChart {
    title: String,
    /// (second, p50 ms, p99 ms) for seconds with arrivals.
    latency: Vec<(f64, f64, f64)>,
    /// (middle of the second, messages received per second in it).
    received: Vec<(f64, f64)>,
    /// Disconnections, seconds after publishing started: (start, end).
    outages: Vec<(f64, f64)>,
    x_max: f64,
}

impl LiveLatencyChart {
    /// Prepares the chart of `outcome`, titled with the broker.
    pub fn new(outcome: &Outcome, broker: &str) -> Self {
        let t0 = outcome.publish_window_us.0;
        let secs = (outcome.wall_s.ceil() as usize).max(1);
        let mut per_s: Vec<LatencyRecorder> = vec![LatencyRecorder::default(); secs];
        let mut received = vec![0u64; secs];
        for (seq, &f) in outcome.flags.iter().enumerate() {
            if f & RECEIVED == 0 {
                continue;
            }
            let lat = u64::from(outcome.latency_us[seq]);
            // Latency counts from the intended send time, so the arrival is that plus the
            // latency (the hand-over time would shift messages handed over late). An outcome
            // without intended times (older callers) falls back to the hand-over time.
            let intended = outcome
                .intended_us
                .get(seq)
                .copied()
                .filter(|&t| t > 0)
                .or_else(|| outcome.sent_us.get(seq).copied())
                .unwrap_or(t0);
            let s = (intended.saturating_sub(t0) / 1_000_000) as usize;
            per_s[s.min(secs - 1)].record(lat.max(1));
            let arrival = (intended.saturating_add(lat).saturating_sub(t0) / 1_000_000) as usize;
            received[arrival.min(secs - 1)] += 1;
        }
        let latency = per_s
            .iter()
            .enumerate()
            .filter(|(_, r)| r.count > 0)
            .map(|(s, r)| {
                let ms = r.ms();
                (s as f64 + 0.5, ms.p50.max(0.001), ms.p99.max(0.001))
            })
            .collect();
        // A rate per bucket: the last second may be cut short by the end of the run.
        let received = received
            .iter()
            .enumerate()
            .map(|(s, &n)| {
                let width = (outcome.wall_s - s as f64).clamp(0.05, 1.0);
                (s as f64 + width / 2.0, n as f64 / width)
            })
            .collect();
        let outages = outcome
            .outages
            .iter()
            .map(|o| {
                let start = o.start_us.saturating_sub(t0) as f64 / 1e6;
                let end = o.end_us.map_or(outcome.wall_s, |e| e.saturating_sub(t0) as f64 / 1e6);
                (start, end)
            })
            .collect();
        LiveLatencyChart {
            title: format!("Live test against {broker}: end-to-end latency and arrivals"),
            latency,
            received,
            outages,
            x_max: secs as f64,
        }
    }

    /// Writes `<dir>/live_latency.svg` and `.png`.
    pub fn write(&self, dir: &Path) -> Result<(), OutputError> {
        super::render(self, dir)
    }

    /// A shaded band over each outage, from `lo` to `hi` on the y axis (at least 20 ms wide so
    /// a short one shows).
    fn outage_bands(&self, lo: f64, hi: f64) -> impl Iterator<Item = Rectangle<(f64, f64)>> + '_ {
        self.outages.iter().map(move |&(a, b)| Rectangle::new([(a, lo), (b.max(a + 0.02), hi)], OUTAGE.filled()))
    }
}

/// Shading of the seconds a client was disconnected.
const OUTAGE: RGBColor = RGBColor(240, 200, 200);

/// Whether `v` is 1, 2 or 5 times a power of ten: the latency ticks that get a label.
fn on_ladder(v: f64) -> bool {
    let mantissa = v / 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6)
}

impl Chart for LiveLatencyChart {
    const NAME: &'static str = NAME;
    const SIZE: (u32, u32) = (1200, 760);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(
            root,
            &self.title,
            Some("latency per second of intended send time, arrivals per second; shaded: disconnected"),
        )?;
        let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 * 3 / 5);
        let y_lo = self.latency.iter().map(|p| p.1).fold(f64::INFINITY, f64::min).min(1.0) / 2.0;
        let y_hi = self.latency.iter().map(|p| p.2).fold(1.0, f64::max) * 2.0;
        let mut c = ChartBuilder::on(&top)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..self.x_max, (y_lo.max(0.001)..y_hi).log_scale())?;
        c.configure_mesh()
            .y_desc("end-to-end latency (log scale)")
            .y_labels(30)
            .y_label_formatter(&|v| if on_ladder(*v) { ms_tick(*v) } else { String::new() })
            .x_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(WHITE)
            .label_style((FONT, 13))
            .draw()?;
        c.draw_series(self.outage_bands(y_lo.max(0.001), y_hi))?;
        c.draw_series(LineSeries::new(self.latency.iter().map(|p| (p.0, p.1)), TABLEAU10[0].stroke_width(2)))?
            .label("p50")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], TABLEAU10[0].stroke_width(2)));
        c.draw_series(LineSeries::new(self.latency.iter().map(|p| (p.0, p.2)), TABLEAU10[1].stroke_width(2)))?
            .label("p99")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], TABLEAU10[1].stroke_width(2)));
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()?;

        let r_max = self.received.iter().map(|p| p.1).fold(1.0, f64::max) * 1.1;
        let mut c = ChartBuilder::on(&bottom)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..self.x_max, 0f64..r_max)?;
        c.configure_mesh()
            .x_desc("seconds after publishing started")
            .y_desc("received / s")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(WHITE)
            .label_style((FONT, 13))
            .draw()?;
        c.draw_series(self.outage_bands(0.0, r_max))?;
        c.draw_series(LineSeries::new(self.received.iter().copied(), TABLEAU10[2].stroke_width(2)))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::engine::{Outage, SENT};

    /// Oracle: an empty outcome and one with an outage both render without error.
    #[test]
    fn renders_with_and_without_data() {
        let empty = LiveLatencyChart::new(&Outcome::default(), "mqtt://x:1");
        assert!(super::super::svg_string(&empty).is_ok());
        let n = 50;
        let o = Outcome {
            flags: vec![SENT | RECEIVED; n],
            epoch: vec![0; n],
            sent_us: (0..n as u64).map(|i| i * 40_000).collect(),
            latency_us: vec![1500; n],
            outages: vec![Outage {
                client: "publisher".into(),
                start_us: 500_000,
                end_us: Some(900_000),
                error: "x".into(),
            }],
            publish_window_us: (0, 2_000_000),
            wall_s: 2.0,
            ..Default::default()
        };
        let chart = LiveLatencyChart::new(&o, "mqtt://x:1");
        assert_eq!(chart.received.iter().map(|p| p.1).sum::<f64>(), n as f64);
        let svg = super::super::svg_string(&chart).expect("svg");
        assert!(svg.contains("p99"));
    }

    /// Oracle: a message handed over late is placed by its intended time. Message 0 was due at
    /// 0.2 s but handed over at 1.5 s and arrived at 1.6 s (latency 1.4 s from its intended
    /// time): its latency belongs to second 0 and its arrival to second 1, not second 2 (which
    /// hand-over + latency would give).
    #[test]
    fn buckets_by_intended_time() {
        let o = Outcome {
            flags: vec![SENT | RECEIVED; 2],
            epoch: vec![0; 2],
            intended_us: vec![200_000, 2_100_000],
            sent_us: vec![1_500_000, 2_100_000],
            latency_us: vec![1_400_000, 1_000],
            publish_window_us: (0, 2_200_000),
            wall_s: 3.0,
            ..Default::default()
        };
        let chart = LiveLatencyChart::new(&o, "mqtt://x:1");
        let rate = |s: usize| chart.received[s].1;
        assert_eq!((rate(0), rate(1), rate(2)), (0.0, 1.0, 1.0), "{:?}", chart.received);
        let seconds: Vec<f64> = chart.latency.iter().map(|p| p.0).collect();
        assert_eq!(seconds, [0.5, 2.5]);
        assert!(chart.latency[0].2 > 1000.0, "{:?}", chart.latency);
    }
}
