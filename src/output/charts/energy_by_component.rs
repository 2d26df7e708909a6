//! `charts/energy_by_component.{svg,png}`: where the energy goes, in two panels. Left: the charge
//! the battery sensors drew over the run, one bar per radio/device state in report order, with
//! its share of the total. Right: the mains energy the city's infrastructure uses per day, one bar
//! per component (gateways and cell equipment, access points, backhaul, mains-powered devices,
//! cloud), with the total and, when the scenario gives a grid intensity and a price, the CO₂ and
//! electricity cost per year printed under it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, DrawResult, FONT, draw_title, fit_text, group_digits};
use crate::metrics::report::{EnergyReport, Report};

/// Width of each panel's row-label column.
const NAME_W: u32 = 190;
/// Room above a panel's bars for its heading, in pixels.
const HEADING_H: u32 = 30;
/// Height of the notes under each panel, in pixels.
const FOOTER_H: u32 = 84;
/// Bars are never drawn thicker than this, in pixels, however few rows there are.
const MAX_BAR_PX: f64 = 30.0;
/// Hours in a day, to turn a constant draw in W into kWh per day (with the 1000 W per kW).
const KWH_PER_DAY_PER_W: f64 = 24.0 / 1000.0;

/// Battery charge: the first colour of the Tableau 10 palette the other charts use.
const BATTERY_COLOR: RGBColor = RGBColor(31, 119, 180);
/// Mains infrastructure energy: the palette's orange.
const MAINS_COLOR: RGBColor = RGBColor(255, 127, 14);

/// One bar of a panel.
#[derive(Debug, PartialEq)]
struct BarRow {
    /// Row label, e.g. "Transmit" or "Backhaul".
    label: String,
    /// Smaller second line under the label, e.g. "111 sensor-hours" or "60 W".
    detail: String,
    /// Length of the bar (mAh or kWh per day); finite and non-negative.
    value: f64,
    /// `value` as a share of the panel's total (0 when the total is 0).
    share: f64,
}

/// One panel: its rows and the notes printed under it.
#[derive(Debug)]
struct Panel {
    heading: &'static str,
    x_desc: &'static str,
    /// Unit printed after each bar's value, e.g. "mAh".
    unit: &'static str,
    color: RGBColor,
    /// Empty when there is nothing to draw; [`Panel::empty_note`] is shown instead.
    rows: Vec<BarRow>,
    empty_note: &'static str,
    /// Lines under the panel, each with whether it is bold.
    footer: Vec<(String, bool)>,
}

/// The energy-by-component chart, with both panels prepared once for both backends.
#[derive(Debug)]
pub struct EnergyByComponentChart {
    title: String,
    battery: Panel,
    infrastructure: Panel,
}

impl EnergyByComponentChart {
    /// Turns the `energy` block of `report` into the two panels.
    pub fn new(report: &Report) -> Self {
        let energy = &report.energy;
        EnergyByComponentChart {
            title: format!("Energy by component — {}", report.scenario.name),
            battery: battery_panel(energy, report.simulated_seconds),
            infrastructure: infrastructure_panel(energy),
        }
    }
}

/// `v` when it is a finite, positive number, else 0: a bar never gets NaN or a negative length.
fn positive(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 { v } else { 0.0 }
}

/// Rows with their shares of the total filled in; no rows when everything is zero.
fn with_shares(rows: Vec<(String, String, f64)>) -> Vec<BarRow> {
    let total: f64 = rows.iter().map(|r| r.2).sum();
    if total <= 0.0 {
        return Vec::new();
    }
    rows.into_iter().map(|(label, detail, value)| BarRow { label, detail, value, share: value / total }).collect()
}

/// Battery charge by state, in the order the report gives the states.
fn battery_panel(energy: &EnergyReport, simulated_seconds: f64) -> Panel {
    let rows = with_shares(
        energy
            .by_state
            .iter()
            .map(|s| {
                (state_name(s.state), format!("{} sensor-hours", amount(positive(s.hours))), positive(s.charge_mah))
            })
            .collect(),
    );
    let mut footer = Vec::new();
    if energy.battery_sensors > 0 {
        let total: f64 = rows.iter().map(|r| r.value).sum();
        let over = match positive(simulated_seconds) / 3600.0 {
            0.0 => String::new(),
            h if h < 24.0 => format!(" over {} hours", whole_or_amount(h)),
            h if (h / 24.0 - 1.0).abs() < 1e-9 => " over 1 day".to_string(),
            h => format!(" over {} days", whole_or_amount(h / 24.0)),
        };
        footer.push((format!("Total {} mAh{over}", amount(total)), true));
        footer.push((format!("{} battery sensors", group_digits(energy.battery_sensors)), false));
        let mut extra = Vec::new();
        if positive(energy.self_discharge_mah) > 0.0 {
            extra.push(format!("self-discharge {} mAh", amount(energy.self_discharge_mah)));
        }
        if positive(energy.harvested_mah) > 0.0 {
            extra.push(format!("solar harvest {} mAh", amount(energy.harvested_mah)));
        }
        if !extra.is_empty() {
            footer.push((format!("besides: {}", extra.join(" · ")), false));
        }
    }
    Panel {
        heading: "Battery sensors: charge by state",
        x_desc: "Charge drawn over the run, mAh (all battery sensors)",
        unit: "mAh",
        color: BATTERY_COLOR,
        rows,
        empty_note: if energy.battery_sensors == 0 { "none: no battery sensors" } else { "none: no charge drawn" },
        footer,
    }
}

/// Infrastructure energy per day by component, with total, CO₂ and cost under it.
fn infrastructure_panel(energy: &EnergyReport) -> Panel {
    let infra = &energy.infrastructure;
    let watts = |w: f64| (format!("{} W", whole_or_amount(positive(w))), positive(w) * KWH_PER_DAY_PER_W);
    let mut rows = Vec::new();
    for (label, w) in [
        ("Gateways & cell sites", infra.gateways_w),
        ("Wi-Fi access points", infra.access_points_w),
        ("Backhaul", infra.backhaul_w),
        ("Mains devices", infra.mains_devices_w),
        ("Edge computing", infra.edge_w),
    ] {
        let (detail, kwh) = watts(w);
        rows.push((label.to_string(), detail, kwh));
    }
    rows.push((
        "Cloud".to_string(),
        format!("{} GB/day", amount(positive(infra.cloud_gb_per_day))),
        positive(infra.cloud_kwh_per_day),
    ));
    let rows = with_shares(rows);

    let total: f64 = rows.iter().map(|r| r.value).sum();
    let mut footer = Vec::new();
    if total > 0.0 {
        let per_year = positive(infra.kwh_per_year);
        let per_year = if per_year > 0.0 { format!(" · {} kWh/year", amount(per_year)) } else { String::new() };
        footer.push((format!("Total {} kWh/day{per_year}", amount(total)), true));
        if let Some(co2) = infra.co2_kg_per_year.filter(|v| v.is_finite()) {
            let grid = infra
                .grid_co2_g_per_kwh
                .filter(|v| v.is_finite())
                .map_or(String::new(), |g| format!(" (grid {} g/kWh)", amount(g)));
            footer.push((format!("CO₂ {} kg/year{grid}", amount(co2.max(0.0))), false));
        }
        if let Some(cost) = infra.electricity_cost_per_year.filter(|v| v.is_finite()) {
            let currency = energy.cost.currency.trim();
            let unit = if currency.is_empty() { String::new() } else { format!(" {currency}") };
            let price = infra
                .electricity_price_per_kwh
                .filter(|v| v.is_finite())
                .map_or(String::new(), |p| format!(" (at {}{unit}/kWh)", amount(p)));
            footer.push((format!("Electricity {}{unit}/year{price}", amount(cost.max(0.0))), false));
        }
    }
    Panel {
        heading: "Infrastructure: mains energy per day",
        x_desc: "Energy, kWh per day",
        unit: "kWh/day",
        color: MAINS_COLOR,
        rows,
        empty_note: "none: no infrastructure energy",
        footer,
    }
}

/// How a device state is written on the chart; unknown names are capitalised as given.
fn state_name(state: &str) -> String {
    match state {
        "psm" => "PSM".to_string(),
        "edrx" => "eDRX".to_string(),
        other => {
            let mut chars = other.chars();
            chars.next().map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
        }
    }
}

/// A non-negative amount with about three significant digits and thousands grouped: "134,409",
/// "968", "38.4", "0.922", "0.000701".
fn amount(v: f64) -> String {
    match v {
        v if !v.is_finite() || v <= 0.0 => "0".to_string(),
        v if v >= 999.5 => group_digits(v.round() as u64),
        v if v >= 99.95 => format!("{v:.0}"),
        v if v >= 9.995 => format!("{v:.1}"),
        v if v >= 0.9995 => format!("{v:.2}"),
        v if v < 5e-7 => "< 0.000001".to_string(),
        v => {
            let decimals = (2 - v.log10().floor() as i32).clamp(3, 6) as usize;
            format!("{v:.decimals$}")
        }
    }
}

/// A whole number without decimals ("7", "1,000"), anything else as [`amount`] writes it ("1.50").
fn whole_or_amount(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && (0.0..1e15).contains(&v) { group_digits(v as u64) } else { amount(v) }
}

/// A share (0..1) as a percentage with enough decimals to tell small shares apart.
fn percent_label(share: f64) -> String {
    let p = share * 100.0;
    match p {
        p if p >= 9.95 => format!("{p:.0} %"),
        p if p >= 0.995 => format!("{p:.1} %"),
        p if p >= 0.01 => format!("{p:.2} %"),
        p if p > 0.0 => "< 0.01 %".to_string(),
        _ => "0 %".to_string(),
    }
}

/// A tick on a value axis running to `x_max`, with as many decimals as the range needs.
fn tick_label(v: f64, x_max: f64) -> String {
    if v <= 0.0 {
        return "0".to_string();
    }
    if x_max >= 1000.0 {
        return group_digits(v.round() as u64);
    }
    let decimals = (-(x_max.log10().floor()) + 1.0).clamp(0.0, 6.0) as usize;
    format!("{v:.decimals$}")
}

/// Draws `panel` on `area`: headings, bars, value labels, row labels and the footer notes.
fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
) -> DrawResult<DB> {
    let (_, height) = area.dim_in_pixel();
    let (plot_area, footer_area) = area.split_vertically(height.saturating_sub(FOOTER_H));
    let (name_area, bar_area) = plot_area.split_horizontally(NAME_W);

    let slots = panel.rows.len().max(1) as f64;
    let x_max = panel.rows.iter().map(|r| r.value).fold(0.0, f64::max);
    let x_max = if x_max > 0.0 { x_max } else { 1.0 };
    let mut chart = ChartBuilder::on(&bar_area)
        .margin(12)
        .margin_right(34)
        .margin_top(12 + HEADING_H)
        .x_label_area_size(50)
        .y_label_area_size(0)
        .build_cartesian_2d(0.0..x_max, 0.0..slots)?;
    let x_fmt = |v: &f64| tick_label(*v, x_max);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(5)
        .x_desc(panel.x_desc)
        .axis_desc_style((FONT, 14))
        .label_style((FONT, 13))
        .x_label_formatter(&x_fmt)
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .draw()?;

    let row_left = name_area.get_base_pixel().0 + 12;
    let (plot_left, plot_top) = chart.backend_coord(&(0.0, slots));
    let (plot_right, plot_bottom) = chart.backend_coord(&(x_max, 0.0));
    let heading = TextStyle::from((FONT, 16, FontStyle::Bold)).pos(Pos::new(HPos::Left, VPos::Bottom));
    let heading_text = fit_text(root, panel.heading, &heading, (plot_right - row_left).max(10) as u32)?;
    root.draw_text(&heading_text, &heading, (row_left, plot_top - 10))?;
    root.draw(&PathElement::new(vec![(plot_left, plot_top), (plot_left, plot_bottom)], BLACK.stroke_width(1)))?;

    let grey = BLACK.mix(0.6);
    let footer_left = footer_area.get_base_pixel();
    let bold = TextStyle::from((FONT, 15, FontStyle::Bold)).pos(Pos::new(HPos::Left, VPos::Top));
    let plain = TextStyle::from((FONT, 14)).pos(Pos::new(HPos::Left, VPos::Top));
    let footer_w = (plot_right - row_left).max(10) as u32;
    for (k, (text, is_bold)) in panel.footer.iter().enumerate() {
        let style = if *is_bold { &bold } else { &plain };
        let text = fit_text(root, text, style, footer_w)?;
        root.draw_text(&text, style, (row_left, footer_left.1 + 4 + 22 * k as i32))?;
    }

    if panel.rows.is_empty() {
        let style = TextStyle::from((FONT, 16)).color(&grey).pos(Pos::new(HPos::Center, VPos::Center));
        let note = fit_text(root, panel.empty_note, &style, (plot_right - plot_left - 12).max(10) as u32)?;
        root.draw_text(&note, &style, chart.backend_coord(&(x_max / 2.0, slots / 2.0)))?;
        return Ok(());
    }

    // Slot of row i, counted from the top so the first row is the top bar.
    let centre = |i: usize| slots - i as f64 - 0.5;
    let slot_px = f64::from(plot_bottom - plot_top) / slots;
    let half = (0.3f64).min(MAX_BAR_PX / 2.0 / slot_px.max(1.0));

    // Every other row shaded across labels and bars, so a row reads across.
    for i in (1..panel.rows.len()).step_by(2) {
        let (_, top) = chart.backend_coord(&(0.0, centre(i) + 0.5));
        let (_, bottom) = chart.backend_coord(&(0.0, centre(i) - 0.5));
        root.draw(&Rectangle::new([(row_left - 8, top), (plot_right, bottom)], BLACK.mix(0.035).filled()))?;
    }

    chart.draw_series(
        panel
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.value > 0.0)
            .map(|(i, r)| Rectangle::new([(0.0, centre(i) - half), (r.value, centre(i) + half)], panel.color.filled())),
    )?;

    // Value and share: inside the end of a long bar, after a short one; thin bars get a hairline.
    let size = if slot_px >= 40.0 { 13 } else { 12 };
    let inside = TextStyle::from((FONT, size, FontStyle::Bold)).color(&WHITE).pos(Pos::new(HPos::Right, VPos::Center));
    let outside = TextStyle::from((FONT, size, FontStyle::Bold)).pos(Pos::new(HPos::Left, VPos::Center));
    let note = TextStyle::from((FONT, size)).color(&grey).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, row) in panel.rows.iter().enumerate() {
        let (left, y) = chart.backend_coord(&(0.0, centre(i)));
        if row.value <= 0.0 {
            root.draw_text("none", &note, (left + 6, y))?;
            continue;
        }
        let (end, _) = chart.backend_coord(&(row.value, centre(i)));
        if end - left < 2 {
            let h = (half * slot_px) as i32;
            root.draw(&Rectangle::new([(left, y - h), (left + 2, y + h)], panel.color.filled()))?;
        }
        let text = format!("{} {} · {}", amount(row.value), panel.unit, percent_label(row.share));
        let (w, _) = root.estimate_text_size(&text, &inside)?;
        if end - left >= w as i32 + 12 {
            root.draw_text(&text, &inside, (end - 6, y))?;
        } else {
            let start = end.max(left + 2) + 6;
            let text = fit_text(root, &text, &outside, (plot_right + 30 - start).max(10) as u32)?;
            root.draw_text(&text, &outside, (start, y))?;
        }
    }

    // Row labels: the state or component and, when there is room, its detail.
    let name_style = TextStyle::from((FONT, 15, FontStyle::Bold)).pos(Pos::new(HPos::Left, VPos::Center));
    let detail_style = TextStyle::from((FONT, 13)).color(&grey).pos(Pos::new(HPos::Left, VPos::Center));
    let name_w = (plot_left - row_left - 8).max(10) as u32;
    let two_lines = slot_px >= 38.0;
    for (i, row) in panel.rows.iter().enumerate() {
        let (_, y) = chart.backend_coord(&(0.0, centre(i)));
        let name = fit_text(root, &row.label, &name_style, name_w)?;
        if two_lines {
            root.draw_text(&name, &name_style, (row_left, y - 9))?;
            let detail = fit_text(root, &row.detail, &detail_style, name_w)?;
            root.draw_text(&detail, &detail_style, (row_left, y + 9))?;
        } else {
            root.draw_text(&name, &name_style, (row_left, y))?;
        }
    }
    Ok(())
}

impl Chart for EnergyByComponentChart {
    const NAME: &'static str = "energy_by_component";
    const SIZE: (u32, u32) = (1280, 640);

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = draw_title(
            root,
            &self.title,
            Some("left: charge the battery sensors drew, by state; right: mains energy of the infrastructure per day"),
        )?;
        let (width, _) = body.dim_in_pixel();
        let (left, right) = body.split_horizontally(width / 2);
        draw_panel(root, &left, &self.battery)?;
        draw_panel(root, &right, &self.infrastructure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::report::{CostReport, Infrastructure, StateEnergy};
    use crate::output::sample_report;

    /// The energy block of a week of a small city: parking sensors on primary cells, solar air
    /// quality monitors, one gateway, a router, cloud, a grid intensity and a price.
    fn energy_report() -> Report {
        let mut report = sample_report();
        report.simulated_seconds = 7.0 * 86_400.0;
        let state = |state, charge_mah, hours| StateEnergy { state, charge_mah, hours };
        report.energy.battery_sensors = 500;
        report.energy.by_state = vec![
            state("sleep", 968.5, 81_873.5),
            state("sensing", 134_408.8, 1683.75),
            state("standby", 381.25, 272.3),
            state("transmit", 4885.7, 111.04),
            state("receive", 807.2, 59.36),
        ];
        report.energy.self_discharge_mah = 1371.3;
        report.energy.harvested_mah = 82_335.0;
        report.energy.infrastructure = Infrastructure {
            gateways_w: 38.4,
            access_points_w: 0.0,
            backhaul_w: 60.0,
            mains_devices_w: 0.0,
            edge_w: 0.0,
            cloud_gb_per_day: 0.0117,
            cloud_kwh_per_day: 0.000_701,
            kwh_per_day: 2.362_301,
            kwh_per_year: 862.83,
            grid_co2_g_per_kwh: Some(392.1),
            co2_kg_per_year: Some(338.3),
            electricity_price_per_kwh: Some(0.1801),
            electricity_cost_per_year: Some(155.4),
        };
        report.energy.cost = CostReport { currency: "EUR".to_string(), ..CostReport::default() };
        report
    }

    #[test]
    fn states_keep_report_order_with_shares() {
        let report = energy_report();
        let chart = EnergyByComponentChart::new(&report);
        let labels: Vec<&str> = chart.battery.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["Sleep", "Sensing", "Standby", "Transmit", "Receive"]);
        let total: f64 = report.energy.by_state.iter().map(|s| s.charge_mah).sum();
        for (row, s) in chart.battery.rows.iter().zip(&report.energy.by_state) {
            assert_eq!(row.value, s.charge_mah);
            assert!((row.share - s.charge_mah / total).abs() < 1e-12);
        }
        assert!((chart.battery.rows.iter().map(|r| r.share).sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(chart.battery.rows[1].detail, "1,684 sensor-hours");
        assert_eq!(chart.battery.footer[0], ("Total 141,451 mAh over 7 days".to_string(), true));
        assert_eq!(chart.battery.footer[2].0, "besides: self-discharge 1,371 mAh · solar harvest 82,335 mAh");
        assert_eq!(chart.title, "Energy by component — Test town");
    }

    #[test]
    fn infrastructure_is_split_into_kwh_per_day() {
        let report = energy_report();
        let chart = EnergyByComponentChart::new(&report);
        let rows = &chart.infrastructure.rows;
        let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            ["Gateways & cell sites", "Wi-Fi access points", "Backhaul", "Mains devices", "Edge computing", "Cloud"]
        );
        let kwh: Vec<f64> = rows.iter().map(|r| r.value).collect();
        assert!((kwh[0] - 0.9216).abs() < 1e-12 && kwh[1] == 0.0 && (kwh[2] - 1.44).abs() < 1e-12);
        assert_eq!((kwh[3], kwh[4], kwh[5]), (0.0, 0.0, 0.000_701));
        // The components add up to the report's total.
        let total: f64 = kwh.iter().sum();
        assert!((total - report.energy.infrastructure.kwh_per_day).abs() < 1e-9);
        assert_eq!(rows[0].detail, "38.4 W");
        assert_eq!(rows[5].detail, "0.0117 GB/day");
        let footer: Vec<&str> = chart.infrastructure.footer.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            footer,
            [
                "Total 2.36 kWh/day · 863 kWh/year",
                "CO₂ 338 kg/year (grid 392 g/kWh)",
                "Electricity 155 EUR/year (at 0.180 EUR/kWh)"
            ]
        );
    }

    #[test]
    fn nothing_to_show_is_a_note_not_a_nan() {
        let mut report = energy_report();
        report.energy.by_state.clear();
        report.energy.battery_sensors = 0;
        report.energy.infrastructure = Infrastructure::default();
        let chart = EnergyByComponentChart::new(&report);
        assert!(chart.battery.rows.is_empty() && chart.battery.footer.is_empty());
        assert!(chart.infrastructure.rows.is_empty() && chart.infrastructure.footer.is_empty());

        // States present but no charge, and NaN power: still nothing to divide by.
        report.energy.battery_sensors = 3;
        report.energy.by_state = vec![StateEnergy { state: "sleep", charge_mah: 0.0, hours: 1.0 }];
        report.energy.infrastructure.backhaul_w = f64::NAN;
        let chart = EnergyByComponentChart::new(&report);
        assert!(chart.battery.rows.is_empty());
        assert_eq!(chart.battery.empty_note, "none: no charge drawn");
        assert!(chart.infrastructure.rows.is_empty());

        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("energy_by_component.svg")).expect("svg");
        assert!(svg.contains("none: no charge drawn") && svg.contains("none: no infrastructure energy"));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn labels_are_readable_from_thousands_to_millionths() {
        assert_eq!(amount(134_408.8), "134,409");
        assert_eq!(amount(968.6), "969");
        assert_eq!(amount(999.7), "1,000");
        assert_eq!(amount(38.4), "38.4");
        assert_eq!(amount(2.362), "2.36");
        assert_eq!(amount(0.9216), "0.922");
        assert_eq!(amount(0.000_701_3), "0.000701");
        assert_eq!(amount(1e-9), "< 0.000001");
        assert_eq!(amount(f64::NAN), "0");
        assert_eq!(whole_or_amount(1000.0), "1,000");
        assert_eq!(whole_or_amount(60.0), "60");
        assert_eq!(whole_or_amount(3.2), "3.20");
        assert_eq!(percent_label(0.95), "95 %");
        assert_eq!(percent_label(0.0345), "3.5 %");
        assert_eq!(percent_label(0.0027), "0.27 %");
        assert_eq!(percent_label(0.000_000_3), "< 0.01 %");
        assert_eq!(state_name("transmit"), "Transmit");
        assert_eq!(state_name("edrx"), "eDRX");
        assert_eq!(state_name("psm"), "PSM");
        assert_eq!(tick_label(50_000.0, 134_000.0), "50,000");
        assert_eq!(tick_label(0.5, 1.44), "0.5");
        assert_eq!(tick_label(0.25, 0.9), "0.25");
    }

    #[test]
    fn renders_svg_and_png() {
        for report in [energy_report(), sample_report()] {
            let chart = EnergyByComponentChart::new(&report);
            let tmp = tempfile::tempdir().expect("tempdir");
            super::super::render(&chart, tmp.path()).expect("render");
            for ext in ["svg", "png"] {
                let path = tmp.path().join(format!("energy_by_component.{ext}"));
                let len = std::fs::metadata(&path).expect("chart file").len();
                assert!(len > 0, "{} is empty", path.display());
            }
        }
        let chart = EnergyByComponentChart::new(&energy_report());
        let tmp = tempfile::tempdir().expect("tempdir");
        super::super::render(&chart, tmp.path()).expect("render");
        let svg = std::fs::read_to_string(tmp.path().join("energy_by_component.svg")).expect("svg");
        assert!(svg.contains("Sensing") && svg.contains("134,409 mAh · 95 %"));
        assert!(svg.contains("Backhaul") && svg.contains("CO₂ 338 kg/year"));
    }
}
