//! `charts/privacy_utility.{svg,png}`: what the data-handling designs of a `[privacy]` section
//! trade away, in three panels side by side. "Noise against accuracy" plots the error of the
//! published hourly counts against the daily privacy budget per person (`curves.epsilon_vs_rmse`,
//! log–log) with the noisy designs' own points on it; "Salt rotation against linkability" plots
//! the share of people whose pseudonyms still link their sightings across sensors and across days
//! for each salt rotation period, never rotated last; "Designs" places every design by how many
//! people it leaves linkable and how far its counts are off (log, exact designs on a "0" row), so
//! the privacy-utility trade-off reads at a glance: lower left is better. Each design keeps one
//! colour in every panel and the deployed one is ringed. A scenario without a `[privacy]`
//! section gets a note instead.

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::log_axis::{PlotBox, draw_note, draw_x_ticks, draw_y_ticks, log_bounds, log_ticks, plain_number};
use super::{Chart, DrawResult, FONT, LegendEntry, Mark, TABLEAU10, draw_legend, draw_title, fit_text, group_digits};
use crate::metrics::report::{PrivacyReport, Report};

/// The note drawn when the scenario has no `[privacy]` section.
pub const NO_PRIVACY: &str = "No [privacy] section in this scenario";
/// The rotation panel's hint when only one day was followed.
const ONE_DAY: &str = "one day followed: linkable across sensors only";
/// Width of the legend panel on the right.
const LEGEND_W: u32 = 240;
/// Distance of the legend's first heading from the top of its panel, in pixels.
const LEGEND_TOP: i32 = 50;
/// Height of each panel's heading and hint above its plot.
const HEADING_H: u32 = 48;
/// Room left of each plot for the tick labels and the axis description.
const Y_LABEL_W: u32 = 78;
/// Room below each plot for the tick labels and the axis description.
const X_LABEL_H: u32 = 52;
/// Neither log axis starts below this (a budget of 1e-4 per day, an error of 1e-4 people).
const LOG_FLOOR: f64 = 1e-4;
/// The count-error curve: dark grey, apart from every design colour.
const CURVE_COLOR: RGBColor = RGBColor(80, 80, 80);
/// Linkable across sensors in a day: the palette's blue, drawn thick underneath.
const SENSORS_COLOR: RGBColor = TABLEAU10[0];
/// Linkable across days: the palette's orange, drawn thin on top so both show where they meet.
const DAYS_COLOR: RGBColor = TABLEAU10[1];
/// Radius of a design's dot, in pixels.
const DOT_R: i32 = 6;
/// Radius of the ring around the deployed design.
const RING_R: i32 = 11;
/// Horizontal distance between designs that land on the same spot, in pixels.
const DODGE_PX: i32 = 12;

/// One design, as the panels place it.
#[derive(Clone, Debug, PartialEq)]
struct DesignPoint {
    name: String,
    color: RGBColor,
    deployed: bool,
    /// The largest daily budget one person spends (None: no noise).
    epsilon: Option<f64>,
    /// RMSE of the published counts, people (0: exact).
    rmse: f64,
    /// Share of people linkable (0..1) on the designs panel's x axis (None: not measured).
    linkable: Option<f64>,
}

/// One salt rotation period of the linkability panel.
#[derive(Clone, Debug, PartialEq)]
struct Rotation {
    /// "1 h", "1 d", "never".
    label: String,
    /// Linkable across sensors in a day, percent.
    sensors: f64,
    /// Linkable across days, percent (None: one day followed).
    days: Option<f64>,
}

/// Everything the three panels draw, worked out once for both backends.
#[derive(Debug)]
struct Panels {
    designs: Vec<DesignPoint>,
    /// (daily epsilon, count RMSE), both positive, by epsilon.
    curve: Vec<(f64, f64)>,
    /// Epsilon and RMSE axes of the noise panel.
    eps_axis: (f64, f64),
    noise_rmse_axis: (f64, f64),
    /// Rotation periods, shortest first, never rotated last.
    rotations: Vec<Rotation>,
    /// Whether the designs panel's x axis is linkability across days (else across sensors).
    across_days: bool,
    /// RMSE axis of the designs panel (its positive part) and whether it has a "0" row.
    design_rmse_axis: (f64, f64),
    zero_row: bool,
}

/// The privacy-utility chart.
#[derive(Debug)]
pub struct PrivacyUtilityChart {
    title: String,
    subtitle: Option<String>,
    /// None without a `[privacy]` section.
    panels: Option<Panels>,
}

/// Colour of the `i`-th design: the palette past the two linkability colours, cycled.
fn design_color(i: usize) -> RGBColor {
    TABLEAU10[2 + i % (TABLEAU10.len() - 2)]
}

/// A rotation period in hours as a tick label: "never" for 0, whole days in days.
fn rotation_label(hours: u64) -> String {
    match hours {
        0 => "never".to_string(),
        h if h % 24 == 0 => format!("{} d", h / 24),
        h => format!("{h} h"),
    }
}

/// Log bounds of the positive, finite values in `values` (a decade from 1 when there are none).
fn positive_bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (min, max) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if min.is_finite() { log_bounds(min, max, LOG_FLOOR) } else { (1.0, 10.0) }
}

/// A share (0..1) as a percentage, NaN as None.
fn percent(share: f64) -> Option<f64> {
    share.is_finite().then(|| share.clamp(0.0, 1.0) * 100.0)
}

impl Panels {
    fn new(p: &PrivacyReport) -> Self {
        let across_days = !p.designs.is_empty() && p.designs.iter().all(|d| d.linkable_across_days.is_some());
        let designs: Vec<DesignPoint> = p
            .designs
            .iter()
            .enumerate()
            .map(|(i, d)| DesignPoint {
                name: d.name.clone(),
                color: design_color(i),
                deployed: d.name == p.deployed,
                epsilon: d.epsilon_per_person_day.filter(|e| e.is_finite() && *e > 0.0),
                rmse: if d.count_rmse.is_finite() { d.count_rmse.max(0.0) } else { 0.0 },
                linkable: if across_days {
                    d.linkable_across_days.and_then(percent)
                } else {
                    percent(d.linkable_across_sensors)
                },
            })
            .collect();

        let mut curve: Vec<(f64, f64)> = p
            .curves
            .epsilon_vs_rmse
            .iter()
            .copied()
            .filter(|&(e, r)| e.is_finite() && e > 0.0 && r.is_finite() && r > 0.0)
            .collect();
        curve.sort_by(|a, b| a.0.total_cmp(&b.0));
        let noisy = || designs.iter().filter(|d| d.epsilon.is_some());
        let eps_axis = positive_bounds(curve.iter().map(|c| c.0).chain(noisy().filter_map(|d| d.epsilon)));
        let noise_rmse_axis = positive_bounds(curve.iter().map(|c| c.1).chain(noisy().map(|d| d.rmse)));

        let mut rotation: Vec<_> = p.curves.rotation_vs_linkability.clone();
        rotation.sort_by_key(|&(hours, _, _)| (hours == 0, hours));
        let rotations = rotation
            .into_iter()
            .map(|(hours, sensors, days)| Rotation {
                label: rotation_label(hours),
                sensors: percent(sensors).unwrap_or(0.0),
                days: days.and_then(percent),
            })
            .collect();

        let placed = || designs.iter().filter(|d| d.linkable.is_some());
        Panels {
            design_rmse_axis: positive_bounds(placed().map(|d| d.rmse)),
            zero_row: placed().any(|d| d.rmse <= 0.0),
            designs,
            curve,
            eps_axis,
            noise_rmse_axis,
            rotations,
            across_days,
        }
    }
}

impl PrivacyUtilityChart {
    /// Picks the curves and the designs out of `report`'s privacy block.
    pub fn new(report: &Report) -> Self {
        let title = format!("Privacy against utility — {}", report.scenario.name);
        let Some(p) = report.privacy.as_ref() else {
            return PrivacyUtilityChart { title, subtitle: None, panels: None };
        };
        let days = if p.days == 1 { "1 day".to_string() } else { format!("{} days", p.days) };
        let mut subtitle = format!(
            "{} simulated people over {days} past {} identifying sensors, {} of them sighted",
            group_digits(u64::from(p.people)),
            group_digits(p.identifying_sensors),
            group_digits(p.people_sighted)
        );
        if !p.deployed.is_empty() {
            subtitle = format!("{subtitle}; deployed design: {}", p.deployed);
        }
        PrivacyUtilityChart { title, subtitle: Some(subtitle), panels: Some(Panels::new(p)) }
    }
}

/// A rectangle in backend pixels: left, top, right, bottom.
type Rect = (i32, i32, i32, i32);

/// Places point labels one at a time beside their points, on the first side where the label
/// stays inside the plot and clear of every marker and label placed so far.
struct Labeller {
    frame: PlotBox,
    taken: Vec<Rect>,
}

impl Labeller {
    fn new(frame: PlotBox) -> Self {
        Labeller { frame, taken: Vec::new() }
    }

    /// Keeps labels off a marker of radius `r` at `at`.
    fn block(&mut self, at: (i32, i32), r: i32) {
        self.taken.push((at.0 - r, at.1 - r, at.0 + r, at.1 + r));
    }

    /// Draws `text` next to a marker of radius `r` at `at`, on a faint white box.
    fn label<DB: DrawingBackend>(
        &mut self,
        root: &DrawingArea<DB, Shift>,
        text: &str,
        bold: bool,
        at: (i32, i32),
        r: i32,
    ) -> DrawResult<DB> {
        let style = if bold { TextStyle::from((FONT, 14, FontStyle::Bold)) } else { TextStyle::from((FONT, 14)) };
        let room = (self.frame.right - self.frame.left - 8).max(20) as u32;
        let text = fit_text(root, text, &style, room)?;
        let (w, h) = root.estimate_text_size(&text, &style)?;
        let (w, h) = (w as i32, h as i32);
        let (x, y) = at;
        let gap = r + 4;
        // Left edge and vertical centre of each candidate, in order of preference.
        let candidates = [
            (x + gap, y),
            (x - gap - w, y),
            (x - w / 2, y - gap - h / 2),
            (x - w / 2, y + gap + h / 2),
            (x + gap, y - gap - h / 2 + 2),
            (x + gap, y + gap + h / 2 - 2),
            (x - gap - w, y - gap - h / 2 + 2),
            (x - gap - w, y + gap + h / 2 - 2),
            (x + gap, y - 2 * gap - h / 2),
            (x - gap - w, y - 2 * gap - h / 2),
            (x + gap, y + 2 * gap + h / 2),
            (x - gap - w, y + 2 * gap + h / 2),
        ];
        let rect = |(left, cy): (i32, i32)| (left - 2, cy - h / 2 - 1, left + w + 2, cy + h / 2 + 1);
        // Clear of the frame's lines.
        let inside = |r: &Rect| {
            r.0 > self.frame.left && r.2 < self.frame.right && r.1 > self.frame.top && r.3 < self.frame.bottom
        };
        let clear = |r: &Rect| self.taken.iter().all(|t| r.2 <= t.0 || t.2 <= r.0 || r.3 <= t.1 || t.3 <= r.1);
        let chosen = candidates
            .iter()
            .copied()
            .find(|c| inside(&rect(*c)) && clear(&rect(*c)))
            .or_else(|| candidates.iter().copied().find(|c| inside(&rect(*c))))
            .unwrap_or(candidates[0]);
        let r = rect(chosen);
        self.taken.push(r);
        root.draw(&Rectangle::new([(r.0, r.1), (r.2, r.3)], WHITE.mix(0.8).filled()))?;
        root.draw_text(&text, &style.pos(Pos::new(HPos::Left, VPos::Center)), (chosen.0, chosen.1))
    }
}

/// Draws a design's dot (white-rimmed) at `at`, ringed in black when it is the deployed one.
fn design_dot<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &DesignPoint, at: (i32, i32)) -> DrawResult<DB> {
    if d.deployed {
        root.draw(&Circle::new(at, RING_R, BLACK.stroke_width(2)))?;
    }
    root.draw(&Circle::new(at, DOT_R + 2, WHITE.filled()))?;
    root.draw(&Circle::new(at, DOT_R, d.color.filled()))
}

/// Draws a panel's bold `heading` and grey `hint` across the top of `area`; returns the area
/// below them.
fn panel_heading<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    hint: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, _) = area.dim_in_pixel();
    let centre = Pos::new(HPos::Center, VPos::Center);
    let heading_style = TextStyle::from((FONT, 16, FontStyle::Bold)).pos(centre);
    let grey = BLACK.mix(0.6);
    let hint_style = TextStyle::from((FONT, 13)).color(&grey).pos(centre);
    // Centred over the plot, which starts after the y labels.
    let x = ((w + Y_LABEL_W) / 2) as i32;
    let room = w.saturating_sub(Y_LABEL_W + 10);
    area.draw_text(&fit_text(area, heading, &heading_style, room)?, &heading_style, (x, 14))?;
    area.draw_text(&fit_text(area, hint, &hint_style, room)?, &hint_style, (x, 34))?;
    Ok(area.split_vertically(HEADING_H).1)
}

/// Draws `text` in grey in the middle of `frame`.
fn frame_note<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, frame: PlotBox, text: &str) -> DrawResult<DB> {
    let grey = BLACK.mix(0.6);
    let style = TextStyle::from((FONT, 14)).color(&grey).pos(Pos::new(HPos::Center, VPos::Center));
    let text = fit_text(root, text, &style, (frame.right - frame.left - 10).max(20) as u32)?;
    root.draw_text(&text, &style, frame.centre())
}

/// Axis descriptions and the frame of a panel whose ticks are drawn by hand.
fn bare_mesh<DB, XT, YT, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x_desc: &str,
    y_desc: &str,
) -> DrawResult<DB>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = XT> + ValueFormatter<XT>,
    Y: Ranged<ValueType = YT> + ValueFormatter<YT>,
{
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|_| String::new())
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style((FONT, 14))
        .label_style((FONT, 13))
        .draw()
}

/// The y axis description of both error axes.
const RMSE_DESC: &str = "RMSE of hourly counts (people, log scale)";

impl PrivacyUtilityChart {
    /// "Noise against accuracy": the error curve over the daily budget, noisy designs on it.
    fn draw_noise<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        p: &Panels,
    ) -> DrawResult<DB> {
        let area = panel_heading(area, "Noise against accuracy", "smaller ε: more noise, more privacy")?;
        let (x_lo, x_hi) = p.eps_axis;
        let (y_lo, y_hi) = p.noise_rmse_axis;
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .margin_right(20)
            .x_label_area_size(X_LABEL_H)
            .y_label_area_size(Y_LABEL_W)
            .build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())?;
        bare_mesh(&mut chart, "Daily ε per person (log scale)", RMSE_DESC)?;
        let frame = PlotBox::of(chart.plotting_area());
        let x_ticks: Vec<(i32, String)> = log_ticks(x_lo, x_hi, ((frame.right - frame.left) / 36).max(2) as usize)
            .into_iter()
            .map(|v| (chart.backend_coord(&(v, y_lo)).0, plain_number(v)))
            .collect();
        draw_x_ticks(root, frame, &x_ticks, 15)?;
        let y_ticks: Vec<(i32, String)> = log_ticks(y_lo, y_hi, ((frame.bottom - frame.top) / 28).max(2) as usize)
            .into_iter()
            .map(|v| (chart.backend_coord(&(x_lo, v)).1, plain_number(v)))
            .collect();
        draw_y_ticks(root, frame, &y_ticks)?;

        if p.curve.is_empty() {
            return frame_note(root, frame, "no noise curve measured");
        }
        chart.draw_series(LineSeries::new(p.curve.iter().copied(), CURVE_COLOR.stroke_width(2)))?;
        chart.draw_series(p.curve.iter().map(|&c| Circle::new(c, 3, CURVE_COLOR.filled())))?;

        let mut labeller = Labeller::new(frame);
        for &c in &p.curve {
            labeller.block(chart.backend_coord(&c), 3);
        }
        let noisy: Vec<(&DesignPoint, (i32, i32))> = p
            .designs
            .iter()
            .filter_map(|d| {
                let e = d.epsilon?;
                Some((d, chart.backend_coord(&(e.clamp(x_lo, x_hi), d.rmse.clamp(y_lo, y_hi)))))
            })
            .collect();
        if noisy.is_empty() {
            let grey = BLACK.mix(0.6);
            let style = TextStyle::from((FONT, 13)).color(&grey).pos(Pos::new(HPos::Left, VPos::Bottom));
            root.draw_text("no design adds noise", &style, (frame.left + 8, frame.bottom - 6))?;
        }
        for &(d, at) in &noisy {
            design_dot(root, d, at)?;
            labeller.block(at, if d.deployed { RING_R } else { DOT_R });
        }
        for &(d, at) in &noisy {
            labeller.label(root, &d.name, d.deployed, at, if d.deployed { RING_R + 2 } else { DOT_R + 1 })?;
        }
        Ok(())
    }

    /// "Salt rotation against linkability": two lines over the rotation periods.
    fn draw_rotation<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        p: &Panels,
    ) -> DrawResult<DB> {
        let one_day = p.rotations.iter().all(|r| r.days.is_none());
        let hint =
            if one_day && !p.rotations.is_empty() { ONE_DAY } else { "shorter rotation: fewer sightings linked" };
        let area = panel_heading(area, "Salt rotation against linkability", hint)?;
        let n = p.rotations.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .margin_right(20)
            .x_label_area_size(X_LABEL_H)
            .y_label_area_size(Y_LABEL_W)
            .build_cartesian_2d(-0.5..n - 0.5, -4.0..104.0)?;
        bare_mesh(&mut chart, "Salt rotation period", "People linkable (%)")?;
        let frame = PlotBox::of(chart.plotting_area());
        let x_ticks: Vec<(i32, String)> = p
            .rotations
            .iter()
            .enumerate()
            .map(|(i, r)| (chart.backend_coord(&(i as f64, 0.0)).0, r.label.clone()))
            .collect();
        draw_x_ticks(root, frame, &x_ticks, 15)?;
        let y_ticks: Vec<(i32, String)> = [0.0, 25.0, 50.0, 75.0, 100.0]
            .iter()
            .map(|&v| (chart.backend_coord(&(0.0, v)).1, format!("{v} %")))
            .collect();
        draw_y_ticks(root, frame, &y_ticks)?;
        if p.rotations.is_empty() {
            return frame_note(root, frame, "no rotation curve measured");
        }

        let sensors: Vec<(f64, f64)> = p.rotations.iter().enumerate().map(|(i, r)| (i as f64, r.sensors)).collect();
        chart.draw_series(LineSeries::new(sensors.iter().copied(), SENSORS_COLOR.stroke_width(5)))?;
        chart.draw_series(sensors.iter().map(|&s| Circle::new(s, 6, SENSORS_COLOR.filled())))?;
        // Days are drawn on top, thinner, so both lines show where they run together.
        let days: Vec<(f64, f64)> =
            p.rotations.iter().enumerate().filter_map(|(i, r)| Some((i as f64, r.days?))).collect();
        chart.draw_series(LineSeries::new(days.iter().copied(), DAYS_COLOR.stroke_width(2)))?;
        chart.draw_series(days.iter().map(|&s| Circle::new(s, 3, DAYS_COLOR.filled())))?;
        Ok(())
    }

    /// "Designs": every design by linkability and count error.
    fn draw_designs<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        p: &Panels,
    ) -> DrawResult<DB> {
        let area = panel_heading(area, "Designs", "lower left is better: fewer people linkable, smaller error")?;
        // The y axis is log10 of the error, with exact designs on a row of their own below it.
        let (lo, hi) = p.design_rmse_axis;
        let (log_lo, log_hi) = (lo.log10(), hi.log10());
        let gap = ((log_hi - log_lo) * 0.15).max(0.3);
        let zero_y = log_lo - gap;
        let y_min = if p.zero_row { zero_y - gap * 0.7 } else { log_lo };
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .margin_right(20)
            .x_label_area_size(X_LABEL_H)
            .y_label_area_size(Y_LABEL_W)
            .build_cartesian_2d(-6.0..106.0, y_min..log_hi)?;
        let x_desc = if p.across_days {
            "People linkable across days (%)"
        } else {
            "People linkable across sensors in a day (%)"
        };
        bare_mesh(&mut chart, x_desc, RMSE_DESC)?;
        let frame = PlotBox::of(chart.plotting_area());
        let x_ticks: Vec<(i32, String)> = [0.0, 25.0, 50.0, 75.0, 100.0]
            .iter()
            .map(|&v| (chart.backend_coord(&(v, log_lo)).0, format!("{v} %")))
            .collect();
        draw_x_ticks(root, frame, &x_ticks, 15)?;
        let mut y_ticks: Vec<(i32, String)> = log_ticks(lo, hi, ((frame.bottom - frame.top) / 28).max(2) as usize)
            .into_iter()
            .map(|v| (chart.backend_coord(&(0.0, v.log10())).1, plain_number(v)))
            .collect();
        if p.zero_row {
            y_ticks.push((chart.backend_coord(&(0.0, zero_y)).1, "0".to_string()));
            // The break between the log axis and the "0" row.
            let (_, y) = chart.backend_coord(&(0.0, log_lo - gap / 2.0));
            root.draw(&DashedPathElement::new(vec![(frame.left, y), (frame.right, y)], 4, 4, BLACK.mix(0.35)))?;
        }
        draw_y_ticks(root, frame, &y_ticks)?;

        let placed: Vec<(&DesignPoint, (i32, i32))> = p
            .designs
            .iter()
            .filter_map(|d| {
                let x = d.linkable?;
                let y = if d.rmse > 0.0 { d.rmse.log10().clamp(log_lo, log_hi) } else { zero_y };
                Some((d, chart.backend_coord(&(x, y))))
            })
            .collect();
        if placed.is_empty() {
            return frame_note(root, frame, "no design measured");
        }
        // Designs on the same spot are dodged side by side and share one label.
        let mut groups: Vec<((i32, i32), Vec<&DesignPoint>)> = Vec::new();
        for &(d, at) in &placed {
            match groups.iter_mut().find(|(g, _)| (g.0 - at.0).abs() <= 3 && (g.1 - at.1).abs() <= 3) {
                Some((_, members)) => members.push(d),
                None => groups.push((at, vec![d])),
            }
        }
        let mut labeller = Labeller::new(frame);
        for ((x, y), members) in &groups {
            let n = members.len() as i32;
            for (i, d) in members.iter().enumerate() {
                let dx = (2 * i as i32 - (n - 1)) * DODGE_PX / 2;
                design_dot(root, d, (x + dx, *y))?;
            }
            let any_deployed = members.iter().any(|d| d.deployed);
            let half_w = (n - 1) * DODGE_PX / 2 + if any_deployed { RING_R } else { DOT_R };
            labeller.taken.push((x - half_w, y - RING_R, x + half_w, y + RING_R));
        }
        for ((x, y), members) in &groups {
            let n = members.len() as i32;
            let names: Vec<&str> = members.iter().map(|d| d.name.as_str()).collect();
            let any_deployed = members.iter().any(|d| d.deployed);
            let r = (n - 1) * DODGE_PX / 2 + if any_deployed { RING_R + 2 } else { DOT_R + 1 };
            labeller.label(root, &names.join(", "), any_deployed, (*x, *y), r)?;
        }
        Ok(())
    }

    /// The legend: each design's colour, the deployed ring and the lines.
    fn draw_key<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, p: &Panels) -> DrawResult<DB> {
        let mut designs: Vec<LegendEntry> =
            p.designs.iter().map(|d| LegendEntry { mark: Mark::Dot(d.color), label: d.name.clone() }).collect();
        if p.designs.iter().any(|d| d.deployed) {
            designs.push(LegendEntry { mark: Mark::Ring(BLACK), label: "deployed design".to_string() });
        }
        let (_, h) = area.dim_in_pixel();
        let lines_h = 5 * 22;
        let split = (h as i32 - lines_h).clamp(LEGEND_TOP + 44, (LEGEND_TOP + 22 * (designs.len() as i32 + 2)).max(0));
        let (upper, lower) = area.split_vertically(split as u32);
        draw_legend(&upper, LEGEND_TOP, "Designs", &designs)?;
        let mut lines = vec![LegendEntry {
            mark: Mark::Line { color: CURVE_COLOR, width: 2 },
            label: "count error at each ε".into(),
        }];
        lines.push(LegendEntry {
            mark: Mark::Line { color: SENSORS_COLOR, width: 5 },
            label: "linkable across sensors".into(),
        });
        if p.rotations.iter().any(|r| r.days.is_some()) {
            lines.push(LegendEntry {
                mark: Mark::Line { color: DAYS_COLOR, width: 2 },
                label: "linkable across days".into(),
            });
        }
        draw_legend(&lower, 10, "Lines", &lines)
    }
}

impl Chart for PrivacyUtilityChart {
    const NAME: &'static str = "privacy_utility";
    const SIZE: (u32, u32) = (1720, 640);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(root, &self.title, self.subtitle.as_deref())?;
        let Some(p) = &self.panels else {
            let (x, y) = body.get_base_pixel();
            let (w, h) = body.dim_in_pixel();
            return draw_note(root, NO_PRIVACY, (x + w as i32 / 2, y + h as i32 / 2));
        };
        let (width, _) = body.dim_in_pixel();
        let (main, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));
        let (main_w, _) = main.dim_in_pixel();
        let (noise, rest) = main.split_horizontally(main_w / 3);
        let (rotation, designs) = rest.split_horizontally(main_w / 3);
        self.draw_noise(root, &noise, p)?;
        self.draw_rotation(root, &rotation, p)?;
        self.draw_designs(root, &designs, p)?;
        self.draw_key(&legend_area, p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::report::{PrivacyCurves, PrivacyDesignReport};
    use crate::output::sample_report;

    /// `chart` drawn as SVG, in memory.
    fn svg_of(chart: &PrivacyUtilityChart) -> String {
        crate::output::charts::svg_string(chart).expect("draw")
    }

    /// A design with the given handling, linkability and error.
    fn design(
        name: &str,
        identifiers: &'static str,
        days: Option<f64>,
        eps: Option<f64>,
        rmse: f64,
    ) -> PrivacyDesignReport {
        PrivacyDesignReport {
            name: name.to_string(),
            identifiers,
            reversible: identifiers == "raw",
            linkable_across_sensors: if identifiers == "on-device" { 0.0 } else { 1.0 },
            linkable_across_days: days,
            unicity: vec![0.2, 0.5, 0.7, 0.8, 0.9],
            k: Some(5),
            epsilon_per_person_day: eps,
            count_rmse: rmse,
            count_mape: rmse / 10.0,
            records_leaving_edge: 1000,
            exposure_days: 7000.0,
            ..Default::default()
        }
    }

    /// The sample report with four designs over a week, like the pedestrian-counting scenario.
    fn privacy_report() -> Report {
        let mut report = sample_report();
        report.privacy = Some(PrivacyReport {
            people: 2000,
            days: 7,
            identifying_sensors: 40,
            sightings: 50_000,
            people_sighted: 1500,
            deployed: "rotated daily".to_string(),
            designs: vec![
                design("raw MACs", "raw", Some(1.0), None, 0.0),
                design("hashed", "hash", Some(1.0), None, 0.0),
                design("rotated daily", "salted", Some(0.0), None, 1.5),
                design("DP counts", "on-device", Some(0.0), Some(1.0), 24.7),
            ],
            curves: PrivacyCurves {
                epsilon_vs_rmse: vec![(0.05, 470.0), (0.1, 235.0), (0.5, 47.0), (1.0, 23.7), (5.0, 6.3)],
                rotation_vs_linkability: vec![
                    (0, 1.0, Some(1.0)),
                    (1, 0.96, Some(0.0)),
                    (24, 1.0, Some(0.0)),
                    (168, 1.0, Some(1.0)),
                ],
            },
        });
        report
    }

    #[test]
    fn designs_and_curves_are_placed() {
        let chart = PrivacyUtilityChart::new(&privacy_report());
        let p = chart.panels.as_ref().expect("panels");
        assert!(p.across_days && p.zero_row);
        let labels: Vec<&str> = p.rotations.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["1 h", "1 d", "7 d", "never"]);
        assert_eq!(p.rotations[0].sensors, 96.0);
        assert_eq!(p.rotations[3].days, Some(100.0));
        let deployed: Vec<&str> = p.designs.iter().filter(|d| d.deployed).map(|d| d.name.as_str()).collect();
        assert_eq!(deployed, ["rotated daily"]);
        assert_eq!(p.designs[3].epsilon, Some(1.0));
        assert_eq!(p.designs[0].linkable, Some(100.0));
        // Every value fits its axis.
        assert!(p.eps_axis.0 <= 0.05 && p.eps_axis.1 >= 5.0, "{:?}", p.eps_axis);
        assert!(p.noise_rmse_axis.0 <= 6.3 && p.noise_rmse_axis.1 >= 470.0, "{:?}", p.noise_rmse_axis);
        assert!(p.design_rmse_axis.0 <= 1.5 && p.design_rmse_axis.1 >= 24.7, "{:?}", p.design_rmse_axis);
        // Colours are distinct from the two linkability lines.
        assert!(p.designs.iter().all(|d| d.color != SENSORS_COLOR && d.color != DAYS_COLOR));
        assert_eq!(
            chart.subtitle.as_deref(),
            Some(
                "2,000 simulated people over 7 days past 40 identifying sensors, 1,500 of them sighted; deployed \
                 design: rotated daily"
            )
        );
    }

    #[test]
    fn one_day_links_across_sensors() {
        let mut report = privacy_report();
        let p = report.privacy.as_mut().expect("privacy");
        p.days = 1;
        for d in &mut p.designs {
            d.linkable_across_days = None;
        }
        for r in &mut p.curves.rotation_vs_linkability {
            r.2 = None;
        }
        let chart = PrivacyUtilityChart::new(&report);
        let panels = chart.panels.as_ref().expect("panels");
        assert!(!panels.across_days);
        assert_eq!(panels.designs[3].linkable, Some(0.0));
        let svg = svg_of(&chart);
        assert!(svg.contains("People linkable across sensors in a day (%)"));
        assert!(svg.contains(ONE_DAY));
        assert!(!svg.contains("linkable across days"));
    }

    #[test]
    fn renders_designs_and_axes() {
        let svg = svg_of(&PrivacyUtilityChart::new(&privacy_report()));
        assert!(svg.contains("Privacy against utility — Test town"));
        for heading in ["Noise against accuracy", "Salt rotation against linkability", "Designs"] {
            assert!(svg.contains(heading), "{heading}");
        }
        for axis in [
            "Daily ε per person (log scale)",
            "RMSE of hourly counts (people, log scale)",
            "Salt rotation period",
            "People linkable (%)",
            "People linkable across days (%)",
        ] {
            assert!(svg.contains(axis), "{axis}");
        }
        // The two exact designs share a spot and a label; the others have their own.
        assert!(svg.contains("raw MACs, hashed"));
        assert!(svg.contains("rotated daily") && svg.contains("DP counts"));
        assert!(svg.contains("never") && svg.contains("7 d") && svg.contains("1 h"));
        assert!(svg.contains("deployed design") && svg.contains("linkable across days"));
        assert!(!svg.contains(NO_PRIVACY));
    }

    #[test]
    fn no_privacy_section_is_not_an_error() {
        let chart = PrivacyUtilityChart::new(&sample_report());
        assert!(chart.panels.is_none() && chart.subtitle.is_none());
        let svg = svg_of(&chart);
        assert!(svg.contains("Privacy against utility — Test town") && svg.contains(NO_PRIVACY));
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        assert!(tmp.path().join("privacy_utility.png").exists());
    }

    #[test]
    fn empty_privacy_block_is_not_an_error() {
        let mut report = sample_report();
        report.privacy = Some(PrivacyReport::default());
        let svg = svg_of(&PrivacyUtilityChart::new(&report));
        assert!(svg.contains("no noise curve measured") && svg.contains("no rotation curve measured"));
        assert!(svg.contains("no design measured"));
    }

    #[test]
    fn rotation_periods_read_in_hours_and_days() {
        assert_eq!(rotation_label(0), "never");
        assert_eq!(rotation_label(6), "6 h");
        assert_eq!(rotation_label(72), "3 d");
        assert_eq!(rotation_label(30), "30 h");
    }
}
