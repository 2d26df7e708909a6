//! The `charts/` folder: shared plumbing for every chart. Embeds the DejaVu Sans font (so charts
//! render on machines without system fonts), renders one drawing routine to both SVG and PNG,
//! and draws the side legends. The charts themselves live in the submodules.

pub mod coverage;
pub mod coverage_map;
pub mod delivery_by_distance;
pub mod delivery_ratio;
pub mod designs;
pub mod energy_by_component;
pub mod gateway_load;
pub mod lifetime;
pub mod lifetime_cdf;
pub mod lifetime_map;
pub mod live_latency;
pub mod log_axis;
pub mod outage_map;
pub mod pipeline_latency;
pub mod pipeline_panels;
pub mod privacy_utility;
pub mod queue_depth;
pub mod ramp_latency;
pub mod ramp_lines;
pub mod ramp_loss;
pub mod series;
pub mod sweep;
pub mod technologies;

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};

use super::OutputError;
use crate::metrics::report::Report;
use crate::ramp::RampReport;

/// Folder name inside the results folder.
pub const DIR_NAME: &str = "charts";

/// The Tableau 10 categorical palette (distinct, colour-blind aware) that line charts cycle.
pub(crate) const TABLEAU10: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Font family every chart asks for; [`ensure_fonts`] binds it to the embedded DejaVu Sans.
pub(crate) const FONT: &str = "sans-serif";

/// The error a drawing routine returns on backend `DB`.
pub(crate) type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart that can draw itself on any plotters backend, so SVG and PNG come from one routine.
pub(crate) trait Chart {
    /// File stem inside `charts/`, e.g. "delivery_ratio".
    const NAME: &'static str;
    /// Width and height in pixels.
    const SIZE: (u32, u32);

    /// Draws the whole chart on `root`, which covers [`Chart::SIZE`].
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// The charts of a run, in the order they are drawn (and shown in report.html).
pub const RUN_CHARTS: [&str; 15] = [
    "delivery_ratio",
    "coverage_map",
    "delivery_by_distance",
    "gateway_load",
    "technologies",
    "energy_by_component",
    "lifetime",
    "lifetime_cdf",
    "lifetime_map",
    "outage_map",
    "coverage",
    "pipeline_latency",
    "queue_depth",
    "designs",
    "privacy_utility",
];

/// Writes every chart of `report` into `dir` (created here) as `<name>.svg` and `<name>.png`.
pub fn write_charts(report: &Report, dir: &Path) -> Result<(), OutputError> {
    fs::create_dir(dir).map_err(OutputError::io(dir))?;
    render(&delivery_ratio::DeliveryRatioChart::new(report), dir)?;
    render(&coverage_map::CoverageMapChart::new(report), dir)?;
    render(&delivery_by_distance::DeliveryByDistanceChart::new(report), dir)?;
    render(&gateway_load::GatewayLoadChart::new(report), dir)?;
    render(&technologies::TechnologiesChart::new(report), dir)?;
    render(&energy_by_component::EnergyByComponentChart::new(report), dir)?;
    render(&lifetime::LifetimeChart::new(report), dir)?;
    render(&lifetime_cdf::LifetimeCdfChart::new(report), dir)?;
    render(&lifetime_map::LifetimeMapChart::new(report), dir)?;
    render(&outage_map::OutageMapChart::new(report), dir)?;
    render(&coverage::CoverageChart::new(report), dir)?;
    render(&pipeline_latency::PipelineLatencyChart::new(report), dir)?;
    render(&queue_depth::QueueDepthChart::new(report), dir)?;
    render(&designs::DesignsChart::new(report), dir)?;
    render(&privacy_utility::PrivacyUtilityChart::new(report), dir)
}

/// Writes the charts of a load ramp into `dir` (created here): `ramp_latency` and `ramp_loss`,
/// each as `<name>.svg` and `<name>.png`.
pub fn write_ramp_charts(report: &RampReport, dir: &Path) -> Result<(), OutputError> {
    fs::create_dir(dir).map_err(OutputError::io(dir))?;
    render_ramp_charts(report, dir).map(drop)
}

/// Draws the ramp charts into the existing folder `dir`; returns their file names (SVG).
pub(crate) fn render_ramp_charts(report: &RampReport, dir: &Path) -> Result<Vec<String>, OutputError> {
    let latency = ramp_latency::RampLatencyChart::new(report);
    let loss = ramp_loss::RampLossChart::new(report);
    render(&latency, dir)?;
    render(&loss, dir)?;
    Ok(vec![svg_name(&latency), svg_name(&loss)])
}

fn svg_name<C: Chart>(_: &C) -> String {
    format!("{}.svg", C::NAME)
}

/// Registers DejaVu Sans (regular and bold) as [`FONT`], once per process. plotters' `ab_glyph`
/// font table is global and starts empty, and both backends need it: the bitmap one to rasterise
/// glyphs, the SVG one to measure text for layout.
pub(crate) fn ensure_fonts() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
                .and_then(|()| register_font(FONT, FontStyle::Bold, dejavu::sans::bold()))
                .map_err(|_| "the embedded DejaVu Sans font could not be parsed".to_string())
        })
        .clone()
}

/// `chart` drawn as SVG text, in memory.
pub(crate) fn svg_string<C: Chart>(chart: &C) -> Result<String, String> {
    ensure_fonts()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, C::SIZE).into_drawing_area();
        chart.draw(&root).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Renders `chart` to `<dir>/<NAME>.svg` and `<dir>/<NAME>.png`.
pub(crate) fn render<C: Chart>(chart: &C, dir: &Path) -> Result<(), OutputError> {
    render_named(chart, C::NAME, dir)
}

/// Renders `chart` to `<dir>/<stem>.svg` and `<dir>/<stem>.png`: [`render`] for charts whose
/// file name is only known at run time (one per sweep metric, one per time series).
pub(crate) fn render_named<C: Chart>(chart: &C, stem: &str, dir: &Path) -> Result<(), OutputError> {
    let chart_err = |message: String| OutputError::Chart { name: stem.to_string(), message };
    ensure_fonts().map_err(chart_err)?;

    // SVG is drawn into memory and written by us, so a disk error is reported as I/O.
    let svg = svg_string(chart).map_err(chart_err)?;
    let svg_path = dir.join(format!("{stem}.svg"));
    fs::write(&svg_path, svg).map_err(OutputError::io(&svg_path))?;

    // The bitmap backend encodes and writes the PNG itself on `present`.
    let png_path = dir.join(format!("{stem}.png"));
    let root = BitMapBackend::new(&png_path, C::SIZE).into_drawing_area();
    chart.draw(&root).map_err(|e| chart_err(e.to_string()))?;
    root.present().map_err(|e| chart_err(e.to_string()))
}

/// Draws `title` (bold, 22 px, shrunk down to 14 px and then shortened with an ellipsis if a long
/// scenario name would run off the edge) and an optional smaller `subtitle` across the top of
/// `root`; returns the area below them.
pub(crate) fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: Option<&str>,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    const MAX_SIZE: u32 = 22;
    const MIN_SIZE: u32 = 14;
    let max_width = root.dim_in_pixel().0.saturating_sub(40);
    let mut size = MAX_SIZE;
    let mut style = TextStyle::from((FONT, size, FontStyle::Bold));
    while size > MIN_SIZE && root.estimate_text_size(title, &style)?.0 > max_width {
        size -= 1;
        style = TextStyle::from((FONT, size, FontStyle::Bold));
    }
    let title = fit_text(root, title, &style, max_width)?;
    let body = root.titled(&title, style)?;
    match subtitle {
        Some(subtitle) => body.titled(subtitle, (FONT, 14, FontStyle::Normal)),
        None => Ok(body),
    }
}

/// How a legend entry is marked.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Mark {
    /// A line segment, as drawn for a series.
    Line { color: RGBColor, width: u32 },
    /// A filled dot.
    Dot(RGBColor),
    /// A filled triangle with a white rim.
    Triangle(RGBColor),
    /// A filled square, as drawn for a bar.
    Square(RGBColor),
    /// A dashed line segment, as drawn for a threshold.
    Dashed(RGBColor),
    /// A hollow circle.
    Ring(RGBColor),
}

/// One row of a side legend.
#[derive(Clone, Debug)]
pub(crate) struct LegendEntry {
    /// The symbol.
    pub mark: Mark,
    /// The text beside it.
    pub label: String,
}

/// Draws a triangle marker with a white rim, so it stays visible on top of dense dots.
pub(crate) fn rimmed_triangle<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    size: u32,
    color: RGBColor,
) -> DrawResult<DB>
where
    CT::From: Clone,
{
    area.draw(&TriangleMarker::new(at.clone(), size + 2, WHITE.filled()))?;
    area.draw(&TriangleMarker::new(at, size, color.filled()))
}

/// Draws `entries` as a vertical list under `heading`, starting `top` pixels down `area`. Labels
/// too wide for the area are shortened with an ellipsis; entries that do not fit in the height
/// are summarised as "… and N more" rather than drawn off the edge.
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    top: i32,
    heading: &str,
    entries: &[LegendEntry],
) -> DrawResult<DB> {
    const ROW: i32 = 22;
    const MARK_X: i32 = 8;
    const TEXT_X: i32 = 40;
    let (width, height) = area.dim_in_pixel();
    let heading_style = TextStyle::from((FONT, 15, FontStyle::Bold)).pos(Pos::new(HPos::Left, VPos::Center));
    let label_style = TextStyle::from((FONT, 14)).pos(Pos::new(HPos::Left, VPos::Center));
    let max_text = (width as i32 - TEXT_X - 6).max(10) as u32;

    area.draw_text(heading, &heading_style, (MARK_X, top))?;
    let rows_fit = ((height as i32 - top - ROW) / ROW).max(1) as usize;
    let (shown, hidden) =
        if entries.len() > rows_fit { (rows_fit - 1, entries.len() - (rows_fit - 1)) } else { (entries.len(), 0) };

    let mut y = top;
    for entry in &entries[..shown] {
        y += ROW;
        match entry.mark {
            Mark::Line { color, width } => {
                area.draw(&PathElement::new(vec![(MARK_X, y), (MARK_X + 24, y)], color.stroke_width(width)))?
            }
            Mark::Dot(color) => area.draw(&Circle::new((MARK_X + 12, y), 5, color.filled()))?,
            Mark::Triangle(color) => rimmed_triangle(area, (MARK_X + 12, y), 9, color)?,
            Mark::Square(color) => {
                area.draw(&Rectangle::new([(MARK_X + 5, y - 7), (MARK_X + 19, y + 7)], color.filled()))?
            }
            Mark::Dashed(color) => area.draw(&plotters::element::DashedPathElement::new(
                vec![(MARK_X, y), (MARK_X + 24, y)],
                5,
                3,
                color.stroke_width(2),
            ))?,
            Mark::Ring(color) => area.draw(&Circle::new((MARK_X + 12, y), 5, color.stroke_width(2)))?,
        }
        let label = fit_text(area, &entry.label, &label_style, max_text)?;
        area.draw_text(&label, &label_style, (TEXT_X, y))?;
    }
    if hidden > 0 {
        y += ROW;
        area.draw_text(&format!("… and {hidden} more"), &label_style, (TEXT_X, y))?;
    }
    Ok(())
}

/// `text`, shortened with a trailing ellipsis until it is at most `max_width` pixels wide.
pub(crate) fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    max_width: u32,
) -> Result<String, DrawingAreaErrorKind<DB::ErrorType>> {
    if area.estimate_text_size(text, style)?.0 <= max_width {
        return Ok(text.to_string());
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().chain(['…'].iter()).collect();
        if area.estimate_text_size(&candidate, style)?.0 <= max_width {
            return Ok(candidate);
        }
    }
    Ok("…".to_string())
}

/// `n` with thin groups of three digits ("12,345"), for counts in legends.
pub(crate) fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1_234_567), "1,234,567");
    }

    #[test]
    fn fonts_register_once_and_succeed() {
        assert_eq!(ensure_fonts(), Ok(()));
        assert_eq!(ensure_fonts(), Ok(()));
    }
}
