//! Logarithmic axes for the pipeline and ramp charts: bounds on the 1–2–5 ladder, tick values
//! thinned to fit the axis, ticks and grid lines drawn by hand (plotters would label every minor
//! step of a log axis), and the units their labels use: latency, shares and rates.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{DrawResult, FONT, group_digits};

/// Relative slack when comparing ladder values, so float noise never skips a step.
const EPS: f64 = 1e-9;
/// Pixels kept clear between neighbouring tick labels.
const LABEL_GAP: i32 = 10;

/// A plot's frame in backend pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PlotBox {
    /// Left edge.
    pub left: i32,
    /// Top edge.
    pub top: i32,
    /// Right edge.
    pub right: i32,
    /// Bottom edge.
    pub bottom: i32,
}

impl PlotBox {
    /// The frame of a chart's plotting `area`.
    pub(crate) fn of<DB: DrawingBackend, CT: CoordTranslate>(area: &DrawingArea<DB, CT>) -> Self {
        let (x, y): (Range<i32>, Range<i32>) = area.get_pixel_range();
        PlotBox { left: x.start, top: y.start, right: x.end - 1, bottom: y.end - 1 }
    }

    /// The middle of the frame.
    pub(crate) fn centre(&self) -> (i32, i32) {
        ((self.left + self.right) / 2, (self.top + self.bottom) / 2)
    }
}

/// The largest value a log axis shows.
const LARGEST: f64 = 1e300;

/// `10^e`, exact for the decades the charts use.
fn decade(e: i32) -> f64 {
    if e >= 0 { 10f64.powi(e) } else { 1.0 / 10f64.powi(-e) }
}

/// The largest value on the 1–2–5 ladder at or below `v` (which must be positive).
pub(crate) fn ladder_below(v: f64) -> f64 {
    let d = decade(v.log10().floor() as i32);
    [5.0, 2.0, 1.0].iter().map(|m| m * d).find(|x| *x <= v * (1.0 + EPS)).unwrap_or(d / 2.0)
}

/// The smallest value on the 1–2–5 ladder at or above `v` (which must be positive).
pub(crate) fn ladder_above(v: f64) -> f64 {
    let d = decade(v.log10().floor() as i32);
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * d).find(|x| *x >= v * (1.0 - EPS)).unwrap_or(10.0 * d)
}

/// Bounds of a log axis showing `min..max` with a little room either side, on the 1–2–5 ladder,
/// never below `floor` and spanning at least a decade. Non-positive or non-finite data falls back
/// to `floor`; data above 10^300 (a hand-edited file, say) is drawn as 10^300.
pub(crate) fn log_bounds(min: f64, max: f64, floor: f64) -> (f64, f64) {
    let min = if min.is_finite() && min > 0.0 { min.max(floor).min(LARGEST) } else { floor };
    let max = if max.is_finite() && max > min { max.min(LARGEST) } else { min };
    let mut lo = ladder_below(min / 1.15).max(floor);
    let mut hi = ladder_above(max * 1.15);
    while hi / lo < 10.0 * (1.0 - EPS) {
        if lo > floor * (1.0 + EPS) {
            lo = ladder_below(lo * 0.99).max(floor);
        }
        if hi / lo < 10.0 * (1.0 - EPS) {
            hi = ladder_above(hi * 1.01);
        }
    }
    (lo, hi)
}

/// Tick values for a log axis `lo..hi`: every 1–2–5 value when at most `max` fit, else the
/// decades, else every second or third decade.
pub(crate) fn log_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    // f64 spans decades -308..=308; an infinite or zero bound must not make the range endless.
    let first = (lo.log10().floor() as i32).clamp(-308, 308);
    let last = (hi.log10().ceil() as i32).clamp(-308, 308);
    let within = |v: &f64| *v >= lo * (1.0 - EPS) && *v <= hi * (1.0 + EPS);
    let mut ticks = Vec::new();
    for (mults, every) in [(&[1.0, 2.0, 5.0][..], 1), (&[1.0][..], 1), (&[1.0][..], 2), (&[1.0][..], 3)] {
        ticks = (first..=last)
            .filter(|e| e.rem_euclid(every) == 0)
            .flat_map(|e| mults.iter().map(move |m| m * decade(e)))
            .filter(within)
            .collect();
        if ticks.len() <= max.max(2) {
            break;
        }
    }
    ticks
}

/// `v` with at most three decimals and no trailing zeros, digits grouped from a thousand up:
/// "0.005", "2.5", "1,000".
pub(crate) fn plain_number(v: f64) -> String {
    if v >= 1000.0 {
        return group_digits(v.round() as u64);
    }
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" || text.is_empty() { "0".to_string() } else { text.to_string() }
}

/// A latency tick: µs below a millisecond, ms below a second, seconds above ("500 µs",
/// "20 ms", "2 s", "1,000 s").
pub(crate) fn ms_tick(ms: f64) -> String {
    if ms < 1.0 {
        format!("{} µs", plain_number(ms * 1000.0))
    } else if ms < 1000.0 {
        format!("{} ms", plain_number(ms))
    } else {
        format!("{} s", plain_number(ms / 1000.0))
    }
}

/// A measured latency to three significant figures, in the unit that reads best ("0.69 ms",
/// "641 ms", "2.72 s", "10.4 min", "2.50 h").
pub(crate) fn latency_label(ms: f64) -> String {
    fn three(v: f64, unit: &str) -> String {
        let decimals = if v < 9.995 {
            2
        } else if v < 99.95 {
            1
        } else {
            0
        };
        format!("{v:.decimals$} {unit}")
    }
    match ms {
        ms if !ms.is_finite() => "∞".to_string(),
        ms if ms < 999.5 => three(ms.max(0.0), "ms"),
        ms if ms < 599_500.0 => three(ms / 1000.0, "s"),
        ms if ms < 7_200_000.0 => three(ms / 60_000.0, "min"),
        ms => three(ms / 3_600_000.0, "h"),
    }
}

/// A share as a percentage with as many decimals as it needs, up to three ("0.01 %", "2.5 %",
/// "100 %").
pub(crate) fn percent_tick(share: f64) -> String {
    format!("{} %", plain_number(share * 100.0))
}

/// A rate in readings per second to three significant figures ("0.52", "6.52", "60.2", "1,234").
pub(crate) fn rate_label(per_s: f64) -> String {
    match per_s {
        v if v < 9.995 => format!("{v:.2}"),
        v if v < 99.95 => format!("{v:.1}"),
        v if v < 999.5 => format!("{v:.0}"),
        v => group_digits(v.round() as u64),
    }
}

/// The style of tick labels.
fn tick_style(h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT, 13)).pos(Pos::new(h, v))
}

/// Draws vertical grid lines across `frame` with tick marks and labels below it, at `ticks`
/// (backend x pixel, label). A label that would crowd its left neighbour or run off past the
/// frame by more than `overhang` pixels is skipped, its grid line kept.
pub(crate) fn draw_x_ticks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: PlotBox,
    ticks: &[(i32, String)],
    overhang: i32,
) -> DrawResult<DB> {
    let style = tick_style(HPos::Center, VPos::Top);
    let mut last_right = i32::MIN;
    for (x, label) in ticks {
        let x = *x;
        if x < frame.left - 1 || x > frame.right + 1 {
            continue;
        }
        root.draw(&PathElement::new(vec![(x, frame.top), (x, frame.bottom)], BLACK.mix(0.12).stroke_width(1)))?;
        root.draw(&PathElement::new(vec![(x, frame.bottom), (x, frame.bottom + 5)], BLACK.stroke_width(1)))?;
        let w = root.estimate_text_size(label, &style)?.0 as i32;
        if x - w / 2 < last_right + LABEL_GAP || x + w / 2 > frame.right + overhang {
            continue;
        }
        last_right = x + w / 2;
        root.draw_text(label, &style, (x, frame.bottom + 8))?;
    }
    Ok(())
}

/// Draws horizontal grid lines across `frame` with tick marks and labels left of it, at `ticks`
/// (backend y pixel, label), skipping labels that would crowd the one below.
pub(crate) fn draw_y_ticks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: PlotBox,
    ticks: &[(i32, String)],
) -> DrawResult<DB> {
    let style = tick_style(HPos::Right, VPos::Center);
    let mut last_top = i32::MAX;
    // Bottom up, so the lowest label is always kept.
    let mut sorted: Vec<&(i32, String)> = ticks.iter().collect();
    sorted.sort_by_key(|(y, _)| std::cmp::Reverse(*y));
    for (y, label) in sorted {
        let y = *y;
        if y < frame.top - 1 || y > frame.bottom + 1 {
            continue;
        }
        root.draw(&PathElement::new(vec![(frame.left, y), (frame.right, y)], BLACK.mix(0.12).stroke_width(1)))?;
        root.draw(&PathElement::new(vec![(frame.left - 5, y), (frame.left, y)], BLACK.stroke_width(1)))?;
        let h = root.estimate_text_size(label, &style)?.1 as i32;
        if y + h / 2 + 2 > last_top {
            continue;
        }
        last_top = y - h / 2;
        root.draw_text(label, &style, (frame.left - 8, y))?;
    }
    Ok(())
}

/// Draws `text` centred on `at` in a grey 18 px font: the note a chart shows instead of data.
pub(crate) fn draw_note<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
) -> DrawResult<DB> {
    let grey = BLACK.mix(0.6);
    let style = TextStyle::from((FONT, 18)).color(&grey).pos(Pos::new(HPos::Center, VPos::Center));
    root.draw_text(text, &style, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_steps() {
        assert_eq!(ladder_below(7.0), 5.0);
        assert_eq!(ladder_below(2.0), 2.0);
        assert_eq!(ladder_below(0.0031), 0.002);
        assert_eq!(ladder_below(999.0), 500.0);
        assert_eq!(ladder_above(7.0), 10.0);
        assert_eq!(ladder_above(0.0031), 0.005);
        assert_eq!(ladder_above(100.0), 100.0);
        assert_eq!(ladder_above(101.0), 200.0);
    }

    #[test]
    fn bounds_pad_and_span_a_decade() {
        assert_eq!(log_bounds(0.6, 31_000.0, 0.001), (0.5, 50_000.0));
        assert_eq!(log_bounds(2.0, 3.0, 0.001), (0.5, 5.0));
        assert_eq!(log_bounds(0.0, 0.0, 0.001), (0.001, 0.01));
        assert_eq!(log_bounds(f64::NAN, 5.0, 1.0), (1.0, 10.0));
        let (lo, hi) = log_bounds(6.5, 60.2, 0.01);
        assert_eq!((lo, hi), (5.0, 100.0));
        // Huge values (a hand-edited ramp.json) stay finite and give a bounded tick list.
        let (lo, hi) = log_bounds(1.0, 1e308, 0.001);
        assert!(hi.is_finite() && hi >= 1e300 && lo == 0.5, "{lo} {hi}");
        assert!(log_ticks(lo, hi, 8).len() <= 110);
        assert!(log_ticks(1.0, f64::INFINITY, 8).len() <= 110);
    }

    #[test]
    fn ticks_thin_out() {
        assert_eq!(log_ticks(0.5, 50.0, 20), [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0]);
        assert_eq!(log_ticks(0.5, 50.0, 4), [1.0, 10.0]);
        assert_eq!(log_ticks(0.001, 1e6, 5), [0.01, 1.0, 100.0, 10_000.0, 1e6]);
    }

    #[test]
    fn labels() {
        assert_eq!(ms_tick(0.5), "500 µs");
        assert_eq!(ms_tick(20.0), "20 ms");
        assert_eq!(ms_tick(2000.0), "2 s");
        assert_eq!(ms_tick(1e6), "1,000 s");
        assert_eq!(latency_label(0.694), "0.69 ms");
        assert_eq!(latency_label(641.023), "641 ms");
        assert_eq!(latency_label(2723.8), "2.72 s");
        assert_eq!(latency_label(623_378.0), "10.4 min");
        assert_eq!(latency_label(9_000_000.0), "2.50 h");
        assert_eq!(percent_tick(0.0001), "0.01 %");
        assert_eq!(percent_tick(1.0), "100 %");
        assert_eq!(rate_label(6.517), "6.52");
        assert_eq!(rate_label(60.179), "60.2");
        assert_eq!(rate_label(1234.4), "1,234");
        assert_eq!(plain_number(0.0), "0");
    }
}
