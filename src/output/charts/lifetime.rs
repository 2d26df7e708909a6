//! `charts/lifetime.{svg,png}`: projected battery lifetime per sensor group, one row per group in
//! report order. The report keeps each group's spread rather than every sensor's value, so a row
//! is a box-and-whisker: whiskers from the shortest to the longest lifetime, a box from the 5th to
//! the 95th percentile and a tick at the median, on a log axis from hours to decades. Solar
//! groups have no lifetime to project; their row says instead whether the panel keeps them going
//! (energy-neutral) or in how many days their store runs empty. Groups with sensors that already
//! ran empty during the run are marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Chart, DrawResult, FONT, LegendEntry, Mark, draw_legend, draw_title, fit_text, group_digits, rimmed_triangle,
};
use crate::metrics::report::{GroupEnergy, Report, Spread};
use crate::model::battery::HOURS_PER_YEAR;

/// At most this many rows; further groups are left out (and the subtitle says so).
pub const MAX_GROUPS: usize = 20;
/// Width of the legend panel on the right.
const LEGEND_W: u32 = 230;
/// Width of the group-label column left of the plot.
const NAME_W: u32 = 250;
/// Distance of the legend's first heading from the top of its panel, in pixels.
const LEGEND_TOP: i32 = 50;
/// Boxes are never drawn taller than twice this, in pixels, however few groups there are.
const MAX_HALF_BOX_PX: f64 = 12.0;
/// Days in a year, as the battery model counts them.
const DAYS_PER_YEAR: f64 = HOURS_PER_YEAR / 24.0;
/// The axis always reaches at least this far, in years, so a long-lived group is seen against
/// the common 10- and 20-year service lives.
const MIN_AXIS_TOP_YEARS: f64 = 20.0;

/// Whiskers and caps.
const WHISKER_COLOR: RGBColor = RGBColor(60, 60, 60);
/// The rim of the p5–p95 box: the first colour of the Tableau 10 palette the other charts use.
const BOX_COLOR: RGBColor = RGBColor(31, 119, 180);
/// The inside of the p5–p95 box: [`BOX_COLOR`] lightened, so the median tick stands out on it.
const BOX_FILL: RGBColor = RGBColor(150, 192, 222);
/// The median tick.
const MEDIAN_COLOR: RGBColor = RGBColor(0, 0, 0);
/// Marks groups with sensors that ran empty during the run: the palette's red.
const DEPLETED_COLOR: RGBColor = RGBColor(214, 39, 40);
/// Text of an energy-neutral solar group: the palette's green, darkened to read as text.
const NEUTRAL_COLOR: RGBColor = RGBColor(30, 120, 30);
/// Text of a solar group whose store runs down: the palette's orange, darkened to read as text.
const DRAINING_COLOR: RGBColor = RGBColor(190, 85, 0);

/// Named ticks of the years axis, shortest first; those outside the axis or too close to the
/// previous one are not drawn.
pub(crate) const TICKS: [(f64, &str); 15] = [
    (1.0 / HOURS_PER_YEAR, "1 hour"),
    (6.0 / HOURS_PER_YEAR, "6 hours"),
    (1.0 / DAYS_PER_YEAR, "1 day"),
    (7.0 / DAYS_PER_YEAR, "1 week"),
    (1.0 / 12.0, "1 month"),
    (0.25, "3 months"),
    (0.5, "6 months"),
    (1.0, "1 year"),
    (2.0, "2 years"),
    (5.0, "5 years"),
    (10.0, "10 years"),
    (20.0, "20 years"),
    (50.0, "50 years"),
    (100.0, "100 years"),
    (1000.0, "1,000 years"),
];

/// A group's lifetime spread in years, made monotone (min ≤ p5 ≤ p50 ≤ p95 ≤ max) and positive.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Whiskers {
    min: f64,
    p5: f64,
    p50: f64,
    p95: f64,
    max: f64,
}

impl Whiskers {
    /// `spread` ready to draw, or `None` when it holds a NaN (nothing sensible to draw). Values
    /// are kept above zero for the log axis; infinite ones are clamped to the axis when drawn.
    fn new(spread: &Spread) -> Option<Self> {
        let values = [spread.min, spread.p5, spread.p50, spread.p95, spread.max];
        if values.iter().any(|v| v.is_nan()) {
            return None;
        }
        let mut running = f64::MIN_POSITIVE;
        let [min, p5, p50, p95, max] = values.map(|v| {
            running = running.max(v);
            running
        });
        Some(Whiskers { min, p5, p50, p95, max })
    }
}

/// What a row shows right of its label.
#[derive(Clone, Debug, PartialEq)]
enum Outlook {
    /// A primary battery's projected lifetime.
    Lifetime(Whiskers),
    /// A solar group: a note, and whether it is energy-neutral (green) or draining (orange).
    Solar { note: String, neutral: bool },
    /// No lifetime and no solar result (e.g. every sensor died during the run).
    Unknown(String),
}

/// One group's row.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    name: String,
    /// Power source as the report names it, e.g. "li-socl2-aa" or "solar + lithium-rechargeable".
    power: String,
    sensors: u64,
    /// Mean current over the run, µA.
    mean_current_ua: f64,
    /// Sensors whose store ran empty during the run.
    depleted: u64,
    outlook: Outlook,
}

/// The lifetime chart, with its rows prepared once for both backends.
#[derive(Debug)]
pub struct LifetimeChart {
    title: String,
    /// Set when only the first [`MAX_GROUPS`] groups are shown.
    subtitle: Option<String>,
    /// In report order, top row first.
    rows: Vec<Row>,
}

impl LifetimeChart {
    /// Turns the per-group energy results of `report` into rows.
    pub fn new(report: &Report) -> Self {
        let groups = &report.energy.groups;
        let subtitle = (groups.len() > MAX_GROUPS).then(|| {
            format!("the first {MAX_GROUPS} of {} groups, in report order", group_digits(groups.len() as u64))
        });
        LifetimeChart {
            title: format!("Projected battery lifetime by group — {}", report.scenario.name),
            subtitle,
            rows: groups.iter().take(MAX_GROUPS).map(row).collect(),
        }
    }
}

/// The row of group `g`.
fn row(g: &GroupEnergy) -> Row {
    let whiskers = g.lifetime_years.as_ref().and_then(Whiskers::new);
    let solar = g.power.starts_with("solar") || g.sustained_by_solar > 0 || g.solar_empty_in_days.is_some();
    let outlook = match whiskers {
        Some(w) => Outlook::Lifetime(w),
        None if solar => solar_outlook(g),
        None if g.depleted_in_run > 0 => Outlook::Unknown("no projection: ran empty during the run".to_string()),
        None => Outlook::Unknown("no projection".to_string()),
    };
    Row {
        name: g.name.clone(),
        power: g.power.clone(),
        sensors: g.sensors,
        mean_current_ua: g.mean_current_ua,
        depleted: g.depleted_in_run,
        outlook,
    }
}

/// A solar group's note: how many of its sensors the panel sustains, and when the others' store
/// runs empty at the run's average harvest and draw.
fn solar_outlook(g: &GroupEnergy) -> Outlook {
    let neutral =
        format!("energy-neutral: {} of {} sensors", group_digits(g.sustained_by_solar), group_digits(g.sensors));
    let empties = g.solar_empty_in_days.filter(|d| d.p50.is_finite() && d.p50 >= 0.0).map(|d| {
        let range = if days_label(d.p5) == days_label(d.p95) || !(d.p5.is_finite() && d.p95.is_finite()) {
            String::new()
        } else {
            format!(" (p5–p95: {}–{})", days_label(d.p5), days_label(d.p95))
        };
        format!("store empties in ~{} days{range}", days_label(d.p50))
    });
    match (g.sustained_by_solar, empties) {
        (0, Some(empties)) => Outlook::Solar { note: empties, neutral: false },
        (_, Some(empties)) => Outlook::Solar { note: format!("{neutral}; the others' {empties}"), neutral: false },
        (s, None) if s > 0 => Outlook::Solar { note: neutral, neutral: s == g.sensors },
        _ if g.depleted_in_run > 0 => {
            Outlook::Solar { note: "store ran empty during the run".to_string(), neutral: false }
        }
        _ => Outlook::Unknown("solar: no projection".to_string()),
    }
}

/// A number of days: "7.8", "278", "1,204".
fn days_label(days: f64) -> String {
    match days {
        d if !d.is_finite() => "∞".to_string(),
        d if d < 9.95 => format!("{:.1}", d.max(0.0)),
        d => group_digits(d.round() as u64),
    }
}

/// A lifetime as its number and unit: days below a month ("8.1", "days"), years above
/// ("1.60", "years"; "14.7", "years").
fn years_parts(years: f64) -> (String, &'static str) {
    match years {
        y if !y.is_finite() => ("∞".to_string(), "years"),
        y if y < 1.0 / 12.0 => (days_label(y * DAYS_PER_YEAR), "days"),
        y if y < 9.995 => (format!("{y:.2}"), "years"),
        y => (format!("{y:.1}"), "years"),
    }
}

/// A lifetime with its unit: "1.60 years", "8.1 days".
fn years_label(years: f64) -> String {
    let (n, unit) = years_parts(years);
    format!("{n} {unit}")
}

/// A range of lifetimes, the unit written once when both ends share it: "1.50–1.69 years",
/// "8.1 days–0.12 years".
fn range_label(from: f64, to: f64) -> String {
    let ((a, ua), (b, ub)) = (years_parts(from), years_parts(to));
    if ua == ub { format!("{a}–{b} {ub}") } else { format!("{a} {ua}–{b} {ub}") }
}

/// The label beside a box: the median and the p5–p95 range, or one value when they all agree.
fn whiskers_label(w: &Whiskers) -> String {
    if years_label(w.min) == years_label(w.max) {
        format!("{}, all sensors", years_label(w.p50))
    } else if years_label(w.p5) == years_label(w.p95) {
        format!("median {}", years_label(w.p50))
    } else {
        format!("median {} · p5–p95 {}", years_label(w.p50), range_label(w.p5, w.p95))
    }
}

/// A mean current: "14.9 µA", "155 µA", "8.08 mA".
fn current_label(ua: f64) -> String {
    match ua {
        ua if !ua.is_finite() || ua <= 0.0 => "0 µA".to_string(),
        ua if ua >= 999.5 => format!("{:.2} mA", ua / 1000.0),
        ua if ua >= 99.95 => format!("{ua:.0} µA"),
        ua if ua >= 9.995 => format!("{ua:.1} µA"),
        ua => format!("{ua:.2} µA"),
    }
}

/// Width in pixels of `pieces` drawn one after another.
fn pieces_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    pieces: &[(String, &TextStyle<'_>)],
) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
    pieces.iter().try_fold(0, |sum, (text, style)| Ok(sum + root.estimate_text_size(text, style)?.0 as i32))
}

/// The years axis: from a decade at or below the shortest lifetime (and at most 0.1 years, so a
/// few months are always on it) to a little beyond the longest one or [`MIN_AXIS_TOP_YEARS`].
fn years_axis(rows: &[Row]) -> (f64, f64) {
    let values = rows
        .iter()
        .filter_map(|r| match &r.outlook {
            Outlook::Lifetime(w) => Some([w.min, w.max]),
            _ => None,
        })
        .flatten()
        .filter(|v| v.is_finite() && *v > 0.0);
    let (min, max) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let min = if min.is_finite() { (min / 1.5).min(0.1) } else { 0.1 };
    let lo = 10f64.powf(min.log10().floor().max(-5.0));
    let hi = max.max(MIN_AXIS_TOP_YEARS) * 1.3;
    (lo, hi)
}

impl Chart for LifetimeChart {
    const NAME: &'static str = "lifetime";
    const SIZE: (u32, u32) = (1280, 720);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let default_subtitle = "per group: whiskers min – max, box p5 – p95, tick median; projected from the run's \
                                average current; solar groups: what the panel sustains";
        let body = draw_title(root, &self.title, Some(self.subtitle.as_deref().unwrap_or(default_subtitle)))?;
        let (width, _) = body.dim_in_pixel();
        let (main, legend_area) = body.split_horizontally(width.saturating_sub(LEGEND_W));
        let (name_area, plot_area) = main.split_horizontally(NAME_W);

        let slots = self.rows.len().max(1) as f64;
        let (lo, hi) = years_axis(&self.rows);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(12)
            .margin_right(24)
            .margin_top(20)
            .x_label_area_size(50)
            .y_label_area_size(0)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..slots)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .x_labels(0)
            .y_labels(0)
            .x_label_formatter(&|_| String::new())
            .set_all_tick_mark_size(0)
            .x_desc("Projected battery lifetime (log scale)")
            .axis_desc_style((FONT, 14))
            .draw()?;

        let (plot_left, plot_top) = chart.backend_coord(&(lo, slots));
        let (plot_right, plot_bottom) = chart.backend_coord(&(hi, 0.0));
        let row_left = name_area.get_base_pixel().0 + 12;
        let grey = BLACK.mix(0.6);

        // Named ticks with light grid lines, skipping any that would crowd the previous label.
        let tick_style = TextStyle::from((FONT, 13)).pos(Pos::new(HPos::Center, VPos::Top));
        let mut last_right = i32::MIN;
        for &(years, label) in TICKS.iter().filter(|(y, _)| (lo..=hi).contains(y)) {
            let (x, _) = chart.backend_coord(&(years, 0.0));
            let (w, _) = root.estimate_text_size(label, &tick_style)?;
            let w = w as i32;
            if x - w / 2 < last_right + 10 || x + w / 2 > plot_right + 20 {
                continue;
            }
            last_right = x + w / 2;
            root.draw(&PathElement::new(vec![(x, plot_top), (x, plot_bottom)], BLACK.mix(0.12).stroke_width(1)))?;
            root.draw(&PathElement::new(vec![(x, plot_bottom), (x, plot_bottom + 5)], BLACK.stroke_width(1)))?;
            root.draw_text(label, &tick_style, (x, plot_bottom + 8))?;
        }
        root.draw(&PathElement::new(vec![(plot_left, plot_top), (plot_left, plot_bottom)], BLACK.stroke_width(1)))?;

        let mut depleted_groups = 0;
        let mut solar = (false, false);
        if self.rows.is_empty() {
            let style = TextStyle::from((FONT, 18)).color(&grey).pos(Pos::new(HPos::Center, VPos::Center));
            root.draw_text("no battery sensors", &style, ((plot_left + plot_right) / 2, (plot_top + plot_bottom) / 2))?;
        }

        // Slot of row i, counted from the top so the first group is the top row.
        let centre = |i: usize| slots - i as f64 - 0.5;
        let slot_px = f64::from(plot_bottom - plot_top) / slots;
        let half_box = (slot_px * 0.22).clamp(2.0, MAX_HALF_BOX_PX) as i32;
        let cap = (f64::from(half_box) * 0.6).max(2.0) as i32;
        let x_of = |years: f64| chart.backend_coord(&(years.clamp(lo, hi), 0.0)).0;
        let size = if slot_px >= 40.0 { 13 } else { 12 };
        let label_style = TextStyle::from((FONT, size)).pos(Pos::new(HPos::Left, VPos::Center));
        let depleted_style = TextStyle::from((FONT, size, FontStyle::Bold))
            .color(&DEPLETED_COLOR)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let neutral_style = TextStyle::from((FONT, size + 1, FontStyle::Bold))
            .color(&NEUTRAL_COLOR)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let draining_style = TextStyle::from((FONT, size + 1, FontStyle::Bold))
            .color(&DRAINING_COLOR)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let note_style = TextStyle::from((FONT, size + 1)).color(&grey).pos(Pos::new(HPos::Left, VPos::Center));

        // Every other row shaded across the label column and the plot, so a row reads across.
        for i in (1..self.rows.len()).step_by(2) {
            let (_, top) = chart.backend_coord(&(lo, centre(i) + 0.5));
            let (_, bottom) = chart.backend_coord(&(lo, centre(i) - 0.5));
            root.draw(&Rectangle::new([(row_left - 8, top), (plot_right, bottom)], BLACK.mix(0.035).filled()))?;
        }

        for (i, row) in self.rows.iter().enumerate() {
            let (_, y) = chart.backend_coord(&(lo, centre(i)));
            let depleted = (row.depleted > 0).then(|| format!("{} ran empty in the run", group_digits(row.depleted)));
            depleted_groups += usize::from(depleted.is_some());
            // The label, from the fullest to the shortest version, and its style.
            let (left_edge, right_edge, labels, style) = match &row.outlook {
                Outlook::Lifetime(w) => {
                    let (x_min, x5, x50, x95, x_max) = (x_of(w.min), x_of(w.p5), x_of(w.p50), x_of(w.p95), x_of(w.max));
                    let whisker = WHISKER_COLOR.stroke_width(2);
                    root.draw(&PathElement::new(vec![(x_min, y), (x_max, y)], whisker))?;
                    for x in [x_min, x_max] {
                        root.draw(&PathElement::new(vec![(x, y - cap), (x, y + cap)], whisker))?;
                    }
                    // At least 4 px wide, so a group whose sensors all agree still shows a box.
                    let (b0, b1) = if x95 - x5 < 4 { (x50 - 2, x50 + 2) } else { (x5, x95) };
                    root.draw(&Rectangle::new([(b0, y - half_box), (b1, y + half_box)], BOX_FILL.filled()))?;
                    root.draw(&Rectangle::new([(b0, y - half_box), (b1, y + half_box)], BOX_COLOR.stroke_width(1)))?;
                    root.draw(&PathElement::new(
                        vec![(x50, y - half_box - 2), (x50, y + half_box + 2)],
                        MEDIAN_COLOR.stroke_width(3),
                    ))?;
                    // Just left of the shortest lifetime: those are the sensors that already ran empty.
                    let mut left_edge = x_min.min(b0);
                    if depleted.is_some() {
                        left_edge -= 20;
                        rimmed_triangle(root, (left_edge + 8, y), 11, DEPLETED_COLOR)?;
                    }
                    let mut labels = vec![whiskers_label(w)];
                    let short = format!("median {}", years_label(w.p50));
                    if labels[0] != short && !labels[0].ends_with("all sensors") {
                        labels.push(short);
                    }
                    (left_edge, x_max.max(b1), labels, &label_style)
                }
                Outlook::Solar { note, neutral } => {
                    solar = (solar.0 || *neutral, solar.1 || !*neutral);
                    let style = if *neutral { &neutral_style } else { &draining_style };
                    (plot_left, plot_left, vec![note.clone()], style)
                }
                Outlook::Unknown(note) => (plot_left, plot_left, vec![note.clone()], &note_style),
            };
            // Each version as pieces drawn one after another, the depletion note in red last.
            // Shorter versions shorten the note too.
            let candidates: Vec<Vec<(String, &TextStyle<'_>)>> = labels
                .into_iter()
                .enumerate()
                .map(|(k, label)| {
                    let mut pieces = vec![(label, style)];
                    match &depleted {
                        Some(text) if k == 0 => pieces.push((format!(" · {text}"), &depleted_style)),
                        Some(_) => {
                            pieces.push((format!(" · {} ran empty", group_digits(row.depleted)), &depleted_style))
                        }
                        None => {}
                    }
                    pieces
                })
                .collect();

            // Right of the whiskers when there is room, else left of them, else above the box when
            // the row is tall enough; failing all, a shorter version is tried, and the shortest is
            // cut to fit the wider side.
            let right_room = plot_right + 20 - (right_edge + 10);
            let left_room = left_edge - 10 - (plot_left + 4);
            let above = slot_px >= f64::from(2 * half_box + 32);
            let mut placed = None;
            for pieces in &candidates {
                let total = pieces_width(root, pieces)?;
                if total <= right_room {
                    placed = Some((pieces, right_edge + 10, y, right_room));
                } else if total <= left_room {
                    placed = Some((pieces, left_edge - 10 - total, y, total));
                } else if above {
                    let x = ((left_edge + right_edge) / 2 - total / 2).min(plot_right - total).max(plot_left + 4);
                    placed = Some((pieces, x, y - half_box - 10, plot_right + 20 - x));
                }
                if placed.is_some() {
                    break;
                }
            }
            let shortest = &candidates[candidates.len() - 1];
            let (pieces, mut x, y_text, room) = placed.unwrap_or(if right_room >= left_room {
                (shortest, right_edge + 10, y, right_room)
            } else {
                (shortest, plot_left + 4, y, left_room)
            });
            let end = x + room;
            for (text, style) in pieces {
                if end - x < 20 {
                    break;
                }
                let text = fit_text(root, text, style, (end - x) as u32)?;
                root.draw_text(&text, style, (x, y_text))?;
                x += root.estimate_text_size(&text, style)?.0 as i32;
            }
        }

        // Row labels: the group, its power source, and its sensors and mean current; crowded rows
        // get smaller type so the power source and sensor count still fit.
        let compact = slot_px < 36.0;
        let (name_size, detail_size, line_px) = if compact { (13, 11, 12) } else { (15, 13, 16) };
        let name_style = TextStyle::from((FONT, name_size, FontStyle::Bold)).pos(Pos::new(HPos::Left, VPos::Center));
        let detail_style = TextStyle::from((FONT, detail_size)).color(&grey).pos(Pos::new(HPos::Left, VPos::Center));
        let name_w = (plot_left - row_left - 10).max(10) as u32;
        for (i, row) in self.rows.iter().enumerate() {
            let (_, y) = chart.backend_coord(&(lo, centre(i)));
            let sensors = format!("{} sensors", group_digits(row.sensors));
            let lines: Vec<(String, &TextStyle<'_>)> = if slot_px >= 58.0 {
                vec![
                    (row.name.clone(), &name_style),
                    (row.power.clone(), &detail_style),
                    (format!("{sensors} · {} mean", current_label(row.mean_current_ua)), &detail_style),
                ]
            } else if slot_px >= 26.0 {
                vec![(row.name.clone(), &name_style), (format!("{sensors} · {}", row.power), &detail_style)]
            } else {
                vec![(row.name.clone(), &name_style)]
            };
            let top = y - line_px / 2 * (lines.len() as i32 - 1);
            for (k, (text, style)) in lines.iter().enumerate() {
                let text = fit_text(root, text, style, name_w)?;
                root.draw_text(&text, style, (row_left, top + line_px * k as i32))?;
            }
        }

        let mut entries = vec![
            LegendEntry { mark: Mark::Line { color: WHISKER_COLOR, width: 2 }, label: "min – max".to_string() },
            LegendEntry { mark: Mark::Square(BOX_FILL), label: "p5 – p95".to_string() },
            LegendEntry { mark: Mark::Line { color: MEDIAN_COLOR, width: 3 }, label: "median (p50)".to_string() },
        ];
        if depleted_groups > 0 {
            entries
                .push(LegendEntry { mark: Mark::Triangle(DEPLETED_COLOR), label: "ran empty in the run".to_string() });
        }
        let rows_drawn = entries.len() as i32;
        draw_legend(&legend_area, LEGEND_TOP, "Battery lifetime", &entries)?;
        let mut solar_entries = Vec::new();
        if solar.0 {
            solar_entries.push(LegendEntry { mark: Mark::Square(NEUTRAL_COLOR), label: "energy-neutral".to_string() });
        }
        if solar.1 {
            solar_entries
                .push(LegendEntry { mark: Mark::Square(DRAINING_COLOR), label: "store runs down".to_string() });
        }
        if !solar_entries.is_empty() {
            draw_legend(&legend_area, LEGEND_TOP + 22 * (rows_drawn + 2), "Solar groups", &solar_entries)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::sample_report;

    fn spread(min: f64, p5: f64, p50: f64, p95: f64, max: f64) -> Spread {
        Spread { min, p5, p50, p95, max, mean: p50 }
    }

    fn group(name: &str, power: &str, sensors: u64, lifetime: Option<Spread>) -> GroupEnergy {
        GroupEnergy {
            name: name.to_string(),
            power: power.to_string(),
            sensors,
            capacity_mah: 2200.0,
            mean_current_ua: 15.0,
            lifetime_years: lifetime,
            depleted_in_run: 0,
            sustained_by_solar: 0,
            solar_empty_in_days: None,
        }
    }

    /// A week of a small city: parking sensors near and far from the gateway, one group whose
    /// cells ran out during the run, a solar group the panel sustains and one it does not.
    fn energy_report() -> Report {
        let mut report = sample_report();
        let mut dying = group("failing_cells", "alkaline2xaa", 40, Some(spread(0.012, 0.013, 0.9, 1.2, 1.3)));
        dying.depleted_in_run = 3;
        let mut sustained = group("air_quality", "solar + lithium-rechargeable", 1500, None);
        sustained.sustained_by_solar = 1500;
        sustained.mean_current_ua = 8048.0;
        let mut draining = group("aq_small_panel", "solar + lithium-rechargeable", 50, None);
        draining.solar_empty_in_days = Some(spread(7.67, 7.70, 7.81, 7.89, 7.90));
        let mut mixed = group("aq_shaded", "solar + lithium-rechargeable", 50, None);
        mixed.sustained_by_solar = 20;
        mixed.solar_empty_in_days = Some(spread(244.0, 247.4, 278.2, 310.7, 315.5));
        report.energy.groups = vec![
            group("near_sf7", "li-socl2-aa", 200, Some(spread(14.68, 14.69, 14.70, 14.72, 14.72))),
            group("edge_sf12", "li-socl2-aa", 200, Some(spread(1.43, 1.50, 1.60, 1.69, 1.77))),
            group("parking", "li-socl2-d", 1200, Some(spread(20.0, 20.0, 20.0, 20.0, 20.0))),
            dying,
            sustained,
            draining,
            mixed,
        ];
        report
    }

    #[test]
    fn rows_follow_the_groups() {
        let report = energy_report();
        let chart = LifetimeChart::new(&report);
        assert_eq!(chart.rows.len(), report.energy.groups.len());
        for (row, g) in chart.rows.iter().zip(&report.energy.groups) {
            assert_eq!(
                (&row.name, &row.power, row.sensors, row.depleted),
                (&g.name, &g.power, g.sensors, g.depleted_in_run)
            );
        }
        let w = Whiskers { min: 1.43, p5: 1.50, p50: 1.60, p95: 1.69, max: 1.77 };
        assert_eq!(chart.rows[1].outlook, Outlook::Lifetime(w));
        assert_eq!(whiskers_label(&w), "median 1.60 years · p5–p95 1.50–1.69 years");
        let Outlook::Lifetime(all_twenty) = chart.rows[2].outlook else { panic!("lifetime") };
        assert_eq!(whiskers_label(&all_twenty), "20.0 years, all sensors");
        let Outlook::Lifetime(dying) = chart.rows[3].outlook else { panic!("lifetime") };
        assert_eq!(whiskers_label(&dying), "median 0.90 years · p5–p95 4.7 days–1.20 years");
        assert_eq!(
            chart.rows[4].outlook,
            Outlook::Solar { note: "energy-neutral: 1,500 of 1,500 sensors".to_string(), neutral: true }
        );
        assert_eq!(
            chart.rows[5].outlook,
            Outlook::Solar { note: "store empties in ~7.8 days (p5–p95: 7.7–7.9)".to_string(), neutral: false }
        );
        assert_eq!(
            chart.rows[6].outlook,
            Outlook::Solar {
                note: "energy-neutral: 20 of 50 sensors; the others' store empties in ~278 days (p5–p95: 247–311)"
                    .to_string(),
                neutral: false
            }
        );
        assert_eq!(chart.title, "Projected battery lifetime by group — Test town");
        assert_eq!(chart.subtitle, None);
        // From a decade below the 4-day lifetime to a little beyond 20 years.
        assert_eq!(years_axis(&chart.rows), (0.001, 26.0));
    }

    #[test]
    fn spreads_are_cleaned_for_the_log_axis() {
        let w = Whiskers::new(&spread(0.0, 2.0, 1.0, 3.0, f64::INFINITY)).expect("whiskers");
        assert_eq!((w.min, w.p5, w.p50, w.p95, w.max), (f64::MIN_POSITIVE, 2.0, 2.0, 3.0, f64::INFINITY));
        assert_eq!(Whiskers::new(&spread(1.0, f64::NAN, 1.0, 1.0, 1.0)), None);
        let mut g = group("odd", "li-socl2-aa", 5, Some(spread(f64::NAN, 1.0, 1.0, 1.0, 1.0)));
        assert_eq!(row(&g).outlook, Outlook::Unknown("no projection".to_string()));
        g.depleted_in_run = 5;
        assert_eq!(row(&g).outlook, Outlook::Unknown("no projection: ran empty during the run".to_string()));
        // Only groups with a lifetime set the axis; none at all gives the default.
        assert_eq!(years_axis(&[]), (0.1, 26.0));
        assert_eq!(years_axis(&[row(&group("long", "x", 1, Some(spread(30.0, 30.0, 40.0, 50.0, 60.0))))]), (0.1, 78.0));
    }

    #[test]
    fn labels_are_readable_from_hours_to_decades() {
        assert_eq!(years_label(14.702), "14.7 years");
        assert_eq!(years_label(1.6003), "1.60 years");
        assert_eq!(years_label(0.5), "0.50 years");
        assert_eq!(years_label(0.0214), "7.8 days");
        assert_eq!(years_label(f64::INFINITY), "∞ years");
        assert_eq!(range_label(1.5, 1.69), "1.50–1.69 years");
        assert_eq!(days_label(278.19), "278");
        assert_eq!(days_label(1204.4), "1,204");
        assert_eq!(current_label(14.947), "14.9 µA");
        assert_eq!(current_label(154.79), "155 µA");
        assert_eq!(current_label(8081.15), "8.08 mA");
    }

    #[test]
    fn many_groups_are_cut_to_the_first() {
        let mut report = sample_report();
        report.energy.groups = (0..30).map(|i| group(&format!("g{i}"), "li-socl2-aa", 10, None)).collect();
        let chart = LifetimeChart::new(&report);
        assert_eq!(chart.rows.len(), MAX_GROUPS);
        assert_eq!(chart.subtitle.as_deref(), Some("the first 20 of 30 groups, in report order"));
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
    }

    #[test]
    fn renders_svg_and_png() {
        for report in [energy_report(), {
            let mut one = energy_report();
            one.energy.groups.truncate(1);
            one
        }] {
            let chart = LifetimeChart::new(&report);
            let tmp = tempfile::tempdir().expect("tempdir");
            super::super::render(&chart, tmp.path()).expect("render");
            for ext in ["svg", "png"] {
                let path = tmp.path().join(format!("lifetime.{ext}"));
                let len = std::fs::metadata(&path).expect("chart file").len();
                assert!(len > 0, "{} is empty", path.display());
            }
            let svg = std::fs::read_to_string(tmp.path().join("lifetime.svg")).expect("svg");
            assert!(svg.contains("near_sf7") && svg.contains("14.7 years"));
        }
        let chart = LifetimeChart::new(&energy_report());
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("lifetime.svg")).expect("svg");
        assert!(svg.contains("energy-neutral: 1,500 of 1,500 sensors"));
        assert!(svg.contains("3 ran empty in the run"));
    }

    #[test]
    fn no_groups_is_not_an_error() {
        let report = sample_report();
        let chart = LifetimeChart::new(&report);
        assert!(chart.rows.is_empty());
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("lifetime.svg")).expect("svg");
        assert!(svg.contains("no battery sensors"));
    }
}
