//! Device energy, batteries, solar and infrastructure against closed forms: lifetime equals
//! capacity over average current; the long-horizon projection agrees with a detailed run to
//! depletion; charge by state equals state current x time; solar sustains a sunny summer and
//! not a dark winter; CO2 is kWh x the preset's grid intensity; depleted sensors lose their
//! readings as `battery_depleted`.

use citytwin::metrics::Report;
use citytwin::model::battery::HOURS_PER_YEAR;
use citytwin::model::energy::tx_current_ma;
use citytwin::time::SimTime;

use crate::common::{run, run_with, scenario, shipped};

fn group<'a>(r: &'a Report, name: &str) -> &'a citytwin::metrics::report::GroupEnergy {
    r.energy.groups.iter().find(|g| g.name == name).unwrap_or_else(|| panic!("no group {name}"))
}

fn state(r: &Report, name: &str) -> (f64, f64) {
    r.energy.by_state.iter().find(|s| s.state == name).map_or((0.0, 0.0), |s| (s.charge_mah, s.hours))
}

/// A wired counter on a battery draws only its sleep current: 10 mA from 240 mAh.
const CONSTANT_DRAW: &str = r#"
[scenario]
name = "constant draw"
duration = "{duration}"
[city]
area_km2 = 1.0
[[sensors]]
kind = "camera"
radio = "wired"
count = 1
report_every = "5m"
sleep_current = "10mA"
sensing = { current = "0mA", time = "1ms" }
power = { battery = "li-socl2-aa", capacity = "240mAh" }
"#;

#[test]
fn lifetime_is_capacity_over_average_current() {
    // Oracle: 240 mAh / 10 mA = 24 h (self-discharge of 0.7 %/yr adds 0.002 %).
    let oracle_h = 24.0;
    // Long-horizon mode: an hour simulated, the lifetime projected from its average current.
    let short = run(&scenario(&CONSTANT_DRAW.replace("{duration}", "1h")));
    let projected_h = short.energy.lifetime_years.expect("one battery sensor").p50 * HOURS_PER_YEAR;
    assert!((projected_h / oracle_h - 1.0).abs() < 0.01, "projected {projected_h} h vs {oracle_h} h");
    // Detailed mode: run past depletion; the battery empties within one report of 24 h and
    // every later reading is lost as battery_depleted.
    let long = run(&scenario(&CONSTANT_DRAW.replace("{duration}", "48h")));
    let observed_h = long.energy.lifetime_years.expect("one").p50 * HOURS_PER_YEAR;
    assert!((observed_h / oracle_h - 1.0).abs() < 0.01, "died after {observed_h} h, oracle {oracle_h} h");
    assert_eq!(long.energy.depleted_in_run, 1);
    let lost = long.uplinks.lost["battery_depleted"] as f64;
    assert!((lost - 24.0 * 12.0).abs() <= 1.0, "{lost} readings lost after depletion");
}

#[test]
fn a_projection_from_one_day_agrees_with_a_run_to_depletion() {
    // An SF12 LoRa sensor every 2 minutes on a 100 mAh cell: it dies in about two weeks. The
    // lifetime projected from one simulated day must match the day it dies in a detailed run.
    let text = r#"
        [scenario]
        name = "horizon"
        duration = "{duration}"
        [city]
        area_km2 = 4.0
        [[sensors]]
        kind = "parking"
        count = 5
        report_every = "2m"
        spreading_factor = 12
        power = { battery = "li-socl2-aa", capacity = "100mAh" }
        disc = { center = { x = 1000, y = 1000 }, radius = "100m" }
        [[gateways]]
        positions = [{ x = 1000, y = 1000 }]
        [lorawan]
        duty_cycle = "off"
    "#;
    let day = run(&scenario(&text.replace("{duration}", "1d")));
    let projected = day.energy.lifetime_years.expect("sensors").p50;
    let detailed = run(&scenario(&text.replace("{duration}", "40d")));
    assert_eq!(detailed.energy.depleted_in_run, 5);
    let observed = detailed.energy.lifetime_years.expect("sensors").p50;
    assert!((projected / observed - 1.0).abs() < 0.01, "projected {projected} y, observed {observed} y");
}

#[test]
fn charge_by_state_is_current_times_time() {
    // Parking sensors at a fixed SF and 14 dBm on the RAK4260 profile: every state draws a
    // constant current, so each state's charge is that current x its time; and every sensor's
    // time adds up to the run.
    let s = scenario(
        r#"
        [scenario]
        name = "ledger"
        duration = "6h"
        [city]
        area_km2 = 4.0
        [[sensors]]
        kind = "parking"
        count = 300
        spreading_factor = 9
        sleep_current = "12uA"
        sensing = { current = "3mA", time = "200ms" }
        [[gateways]]
        count = 4
    "#,
    );
    let r = run(&s);
    let expect =
        [("sleep", 0.012), ("sensing", 3.0), ("standby", 1.4), ("transmit", tx_current_ma(14.0)), ("receive", 13.6)];
    for (name, ma) in expect {
        let (mah, hours) = state(&r, name);
        assert!(hours > 0.0, "{name} has time");
        assert!((mah / hours / ma - 1.0).abs() < 1e-9, "{name}: {mah} mAh over {hours} h is not {ma} mA");
    }
    let hours: f64 = r.energy.by_state.iter().map(|s| s.hours).sum();
    assert!((hours - 300.0 * 6.0).abs() < 0.01, "sensor-hours {hours}");
    let total: f64 = r.energy.by_state.iter().map(|s| s.charge_mah).sum();
    let mean_ua = group(&r, "parking").mean_current_ua;
    assert!((total / 300.0 / 6.0 * 1000.0 / mean_ua - 1.0).abs() < 1e-9, "ledger total vs mean current");
}

#[test]
fn solar_sustains_a_sunny_summer_but_not_a_dark_winter() {
    // Air-quality monitors (80 mA for 30 s every 5 min: ~8 mA, 193 mAh a day) on a 2.2 Ah
    // Li-ion store. In Austin (30.3 N) from the June solstice a 1.2 W panel harvests ~1.6 Wh a
    // day, more than the load: the store stays full. In Stockholm (59.3 N) from the December
    // solstice a 0.3 W panel harvests ~10 mAh a day: the store empties in about 11 days.
    let text = |city: &str, start: &str, panel: f64, days: u32| {
        format!(
            "[scenario]\nname = \"solar\"\nduration = \"{days}d\"\nstart = \"{start}\"\n[city]\npreset = \"{city}\"\n\
             [[sensors]]\nkind = \"air_quality\"\ncount = 10\nradio = \"wired\"\n\
             power = {{ battery = \"lithium-rechargeable\", solar_panel_w = {panel} }}\n"
        )
    };
    let sunny = run(&scenario(&text("austin", "2026-06-21", 1.2, 14)));
    let g = group(&sunny, "air_quality");
    assert_eq!((g.sustained_by_solar, g.depleted_in_run), (10, 0), "{g:?}");
    assert_eq!(sunny.uplinks.lost["battery_depleted"], 0);
    let dark = run(&scenario(&text("stockholm", "2026-12-21", 0.3, 20)));
    let g = group(&dark, "air_quality");
    assert_eq!(g.depleted_in_run, 10, "{g:?}");
    assert!(dark.uplinks.lost["battery_depleted"] > 0);
    // Ten days of winter tell how long the store lasts.
    let ten = run(&scenario(&text("stockholm", "2026-12-21", 0.3, 10)));
    let left = group(&ten, "air_quality").solar_empty_in_days.expect("draining");
    assert!(left.p50 > 0.0 && left.p50 < 3.0, "{left:?}");
}

#[test]
fn co2_is_kwh_times_the_presets_grid_intensity() {
    let r = run(&shipped("scenarios/battery-life.toml", &["scenario.duration=1d"]));
    let i = &r.energy.infrastructure;
    // Dublin's preset: 279.8 g CO2 per kWh (cities.csv).
    assert_eq!(i.grid_co2_g_per_kwh, Some(279.8));
    let co2 = i.co2_kg_per_year.expect("preset has an intensity");
    assert!((co2 - i.kwh_per_year * 279.8 / 1000.0).abs() < 1e-9);
    // One gateway at 3.2 W and its 5 W backhaul, all day: 0.1968 kWh plus the cloud.
    assert!((i.kwh_per_day - (8.2 * 24.0 / 1000.0 + i.cloud_kwh_per_day)).abs() < 1e-9);
}

#[test]
fn battery_life_scenario_puts_the_sf12_edge_first() {
    let s = shipped("scenarios/battery-life.toml", &[]);
    let r = run(&s);
    let near = group(&r, "near_sf7").lifetime_years.expect("near").p50;
    let edge = group(&r, "edge_sf12").lifetime_years.expect("edge").p50;
    assert!(edge * 4.0 < near, "edge {edge} y vs near {near} y");
    assert!(r.energy.first_to_die.iter().all(|f| f.group == "edge_sf12" && f.sf == 12), "{:?}", r.energy.first_to_die);
    assert!(r.energy.first_to_die[0].why.contains("transmit"), "{}", r.energy.first_to_die[0].why);
    // The 1.2 W panel nearly holds in a Dublin winter; the 0.3 W one drains.
    let small = group(&r, "aq_small_panel").solar_empty_in_days.expect("draining").p50;
    assert!(small < 14.0, "{small}");
    // Replacements: each AA sensor is visited every 90 % of its lifetime.
    let m = &r.energy.maintenance;
    assert!(m.replacements_per_year > 200.0 / (edge * 0.9) * 0.9, "{m:?}");
    assert!(m.battery_mass_kg_per_year > 0.0 && m.crews > 0.0);
    // Energy and deaths do not depend on the thread count or the step.
    let again = run_with(&s, SimTime::from_secs(1), 1);
    assert_eq!(serde_json::to_string(&r.energy).unwrap(), serde_json::to_string(&again.energy).unwrap());
}
