//! Failures against closed forms (REFERENCE.md §4): availability MTBF/(MTBF+MTTR), coverage by
//! n independent gateways 1-(1-A)^n, battery backup B against an outage D, a backhaul buffer
//! that loses exactly its overflow; and every lost uplink has exactly one cause.

use citytwin::metrics::Report;
use citytwin::model::failure::{any_up, availability};

use crate::common::{run, scenario, shipped};

fn accounted(r: &Report) {
    let lost: u64 = r.uplinks.lost.values().sum();
    assert_eq!(r.uplinks.generated, r.uplinks.delivered + lost, "generated = delivered + lost, once each");
}

const ONE_GATEWAY: &str = r#"
[scenario]
name = "failures"
duration = "{duration}"
[city]
area_km2 = 4.0
districts = [{ name = "West", share = 0.5 }, { name = "East", share = 0.5 }]
[[sensors]]
kind = "parking"
count = {count}
report_every = "{every}"
disc = { center = { x = 500, y = 1000 }, radius = "150m" }
[[gateways]]
positions = {positions}
power = { mains = true, battery_backup = "4h" }
[lorawan]
duty_cycle = "off"
"#;

fn text(duration: &str, count: u32, every: &str, positions: &str, failures: &str) -> String {
    ONE_GATEWAY
        .replace("{duration}", duration)
        .replace("{count}", &count.to_string())
        .replace("{every}", every)
        .replace("{positions}", positions)
        + failures
}

#[test]
fn random_failures_give_mtbf_over_mtbf_plus_mttr() {
    // One gateway failing every 10 h on average and repaired in 2 h, over five years.
    let t = text(
        "1825d",
        1,
        "1d",
        "[{ x = 500, y = 1000 }]",
        "[[failures]]\nkind = \"gateway\"\nmtbf = \"10h\"\nmttr = \"2h\"\n",
    );
    let r = run(&scenario(&t));
    let a = r.resilience.gateways[0].availability;
    assert!((a - availability(10.0, 2.0)).abs() < 0.01, "availability {a} vs 10/12");
    accounted(&r);
}

#[test]
fn n_independent_gateways_cover_one_minus_one_minus_a_to_the_n() {
    // Three co-located gateways, each up half the time (MTBF = MTTR = 10 h), independent: a
    // sensor is heard 1 - 0.5^3 = 87.5 % of the time, and loses the rest as gateway_down.
    let t = text(
        "1000d",
        5,
        "30m",
        "[{ x = 500, y = 1000 }, { x = 501, y = 1000 }, { x = 500, y = 1001 }]",
        "[[failures]]\nkind = \"gateway\"\nmtbf = \"10h\"\nmttr = \"10h\"\n",
    );
    let r = run(&scenario(&t));
    let oracle = any_up(availability(10.0, 10.0), 3);
    assert!((r.uplinks.delivery_ratio - oracle).abs() < 0.01, "{} vs {oracle}", r.uplinks.delivery_ratio);
    let down = r.uplinks.lost["gateway_down"] as f64 / r.uplinks.generated as f64;
    assert!((down - (1.0 - oracle)).abs() < 0.01, "{down}");
    accounted(&r);
}

#[test]
fn battery_backup_carries_a_gateway_through_a_shorter_outage_only() {
    // A 4 h backup: a 3 h blackout costs nothing; a 6 h one takes the gateway down for 2 h.
    let blackout = |lasts: &str| {
        text(
            "12h",
            50,
            "5m",
            "[{ x = 500, y = 1000 }]",
            &format!("[[failures]]\nkind = \"power\"\ndistrict = \"West\"\nat = \"2h\"\nlasts = \"{lasts}\"\n"),
        )
    };
    let short = run(&scenario(&blackout("3h")));
    assert_eq!(short.uplinks.lost["gateway_down"], 0);
    assert_eq!(short.resilience.gateways[0].availability, 1.0);
    let long = run(&scenario(&blackout("6h")));
    assert!((long.resilience.gateways[0].down_hours - 2.0).abs() < 1e-9, "{:?}", long.resilience.gateways);
    // 50 sensors every 5 minutes for 2 hours: ~1200 readings lost (periodic with 5 % jitter).
    let lost = long.uplinks.lost["gateway_down"] as f64;
    assert!((lost / 1200.0 - 1.0).abs() < 0.05, "{lost}");
    assert_eq!(long.resilience.failures.len(), 1);
    let f = &long.resilience.failures[0];
    assert!(f.lowest < 0.05 && f.recovered_after_h.is_some_and(|h| h >= 6.0), "{f:?}");
    accounted(&long);
}

#[test]
fn a_backhaul_buffer_loses_exactly_its_overflow() {
    let cut = |buffer: u32| {
        text(
            "6h",
            50,
            "5m",
            "[{ x = 500, y = 1000 }]",
            &format!("[[failures]]\nkind = \"backhaul\"\nat = \"2h\"\nlasts = \"1h\"\nbuffer = {buffer}\n"),
        )
    };
    // Without a buffer every uplink decoded during the cut is lost: that is the cut's load M.
    let none = run(&scenario(&cut(0)));
    let m = none.uplinks.lost["backhaul"];
    assert!((550..=650).contains(&m), "{m} uplinks in the hour");
    // A buffer larger than M loses nothing (the copies arrive when the link returns) ...
    let big = run(&scenario(&cut(10_000)));
    assert_eq!(big.uplinks.lost["backhaul"], 0);
    assert!(big.latency_ms.max > 0.9 * 3.6e6, "held copies wait for the link: {:?}", big.latency_ms);
    // ... and a buffer of K loses exactly M - K.
    let k = 200;
    let part = run(&scenario(&cut(k)));
    assert_eq!(part.uplinks.lost["backhaul"], m - u64::from(k));
    accounted(&part);
}

#[test]
fn a_district_blackout_silences_its_mains_sensors() {
    let s = scenario(
        r#"
        [scenario]
        name = "lights"
        duration = "12h"
        [city]
        area_km2 = 4.0
        districts = [{ name = "West", share = 0.5 }, { name = "East", share = 0.5 }]
        [[sensors]]
        kind = "streetlight_controller"
        count = 400
        [[gateways]]
        count = 4
        [[failures]]
        kind = "power"
        district = "East"
        at = "3h"
        lasts = "2h"
    "#,
    );
    let r = run(&s);
    // Controllers are on mains with no backup: East's 200 lose everything for 2 of 12 hours.
    let east = r.districts.iter().find(|d| d.name == "East").expect("East");
    let lost = r.uplinks.lost["power_outage"] as f64;
    assert!((lost / east.generated as f64 - 2.0 / 12.0).abs() < 0.02, "{lost} of {}", east.generated);
    let west = r.districts.iter().find(|d| d.name == "West").expect("West");
    assert!(west.delivery_ratio > east.delivery_ratio);
    accounted(&r);
}

#[test]
fn the_blackout_scenario_shows_the_failures_and_recovers() {
    let r = run(&shipped("scenarios/blackout.toml", &[]));
    accounted(&r);
    assert!(r.resilience.failures.len() >= 2, "{:?}", r.resilience.failures);
    assert!(r.uplinks.lost["gateway_down"] + r.uplinks.lost["power_outage"] > 0);
    assert!(r.resilience.worst_bucket.as_ref().is_some_and(|w| w.delivery_ratio < 0.99));
    assert!(r.slo.breached, "the scenario's SLO is meant to catch the blackout");
    // The breach is dated: a stretch below the SLO lies inside the 18-24 h blackout, and the
    // worst hour is in it too. The data lost to the grid is in the East Side only.
    let breach = &r.resilience.slo_breaches;
    assert!(breach.iter().any(|b| b.start_h >= 18.0 && b.end_h <= 24.5), "{breach:?}");
    let worst = r.resilience.worst_hour.as_ref().expect("hours");
    assert!((18.0..24.0).contains(&worst.start_h), "{worst:?}");
    let east = r.districts.iter().find(|d| d.name == "East Side").expect("East Side");
    let down = r.districts.iter().find(|d| d.name == "Downtown").expect("Downtown");
    assert!(east.lost.get("power_outage").copied().unwrap_or(0) > 0);
    assert_eq!(down.lost.get("power_outage"), None);
}

#[test]
fn repair_crews_bring_simultaneous_failures_back_in_waves() {
    // A storm takes out all seven gateways at 2 h; two crews, 30 minutes' travel and 2 hours'
    // repair per site: they come back in waves of two every 2.5 h, the last 10 h after the storm.
    let s = scenario(
        r#"
        [scenario]
        name = "crews"
        duration = "24h"
        [city]
        area_km2 = 4.0
        [[sensors]]
        kind = "parking"
        count = 100
        [[gateways]]
        count = 7
        [[failures]]
        kind = "gateway"
        at = "2h"
        [repair]
        crews = 2
        travel = "30m"
        repair_time = "2h"
    "#,
    );
    let r = run(&s);
    let mut hours: Vec<f64> = r.resilience.gateways.iter().map(|g| g.down_hours).collect();
    hours.sort_by(f64::total_cmp);
    let expected = [2.5, 2.5, 5.0, 5.0, 7.5, 7.5, 10.0];
    for (h, e) in hours.iter().zip(expected) {
        assert!((h - e).abs() < 1e-9, "{hours:?}");
    }
    // While all seven are down, nothing gets through; every loss has its cause.
    assert!(r.uplinks.lost["gateway_down"] > 0);
    accounted(&r);
    // Three crews shorten the tail: ceil(7/3) = 3 waves, the last back after 7.5 h.
    let three = run(&scenario(&s_text_crews(3)));
    let last = three.resilience.gateways.iter().map(|g| g.down_hours).fold(0.0, f64::max);
    assert!((last - 7.5).abs() < 1e-9, "{last}");
}

fn s_text_crews(crews: u32) -> String {
    format!(
        "[scenario]\nname = \"crews\"\nduration = \"24h\"\n[city]\narea_km2 = 4.0\n[[sensors]]\nkind = \"parking\"\n\
         count = 100\n[[gateways]]\ncount = 7\n[[failures]]\nkind = \"gateway\"\nat = \"2h\"\n[repair]\n\
         crews = {crews}\ntravel = \"30m\"\nrepair_time = \"2h\"\n"
    )
}

#[test]
fn a_storm_breaks_a_share_of_the_sensors_in_its_area_and_weakens_their_links() {
    // 1000 sensors in a 500 m disc under a storm from 2 h to 6 h: each breaks for good with
    // probability 0.3, so 0.3 of their readings after 2 h (10 of 12 hours) are lost as
    // device_failure; the 25 dB of extra loss pushes others out of range while it lasts. The
    // group outside the storm is untouched.
    let text = |extra: &str, p: f64| {
        format!(
            "[scenario]\nname = \"storm\"\nduration = \"12h\"\n[city]\narea_km2 = 16.0\n\
             [[sensors]]\nkind = \"parking\"\nname = \"inside\"\ncount = 1000\n\
             disc = {{ center = {{ x = 1000, y = 1000 }}, radius = \"500m\" }}\n\
             [[sensors]]\nkind = \"parking\"\nname = \"outside\"\ncount = 500\n\
             disc = {{ center = {{ x = 3000, y = 3000 }}, radius = \"300m\" }}\n\
             [[gateways]]\npositions = [{{ x = 1000, y = 1000 }}, {{ x = 3000, y = 3000 }}]\n\
             [[failures]]\nkind = \"storm\"\narea = {{ center = {{ x = 1000, y = 1000 }}, radius = \"600m\" }}\n\
             at = \"2h\"\nlasts = \"4h\"\nextra_loss = \"{extra}\"\ndevice_failure = {p}\n"
        )
    };
    let r = run(&scenario(&text("0dB", 0.3)));
    let inside = r.groups.iter().find(|g| g.name == "inside").expect("inside");
    let outside = r.groups.iter().find(|g| g.name == "outside").expect("outside");
    let broken = inside.lost.get("device_failure").copied().unwrap_or(0) as f64;
    let share = broken / (inside.generated as f64 * 10.0 / 12.0);
    assert!((share - 0.3).abs() < 0.04, "{share}");
    assert_eq!(outside.lost.get("device_failure"), None);
    // Extra loss alone: some inside links drop out during the storm, none outside.
    let weak = run(&scenario(&text("25dB", 0.0)));
    let inside = weak.groups.iter().find(|g| g.name == "inside").expect("inside");
    let outside = weak.groups.iter().find(|g| g.name == "outside").expect("outside");
    assert!(inside.lost.get("out_of_range").copied().unwrap_or(0) > 0, "{inside:?}");
    assert_eq!(outside.lost.get("out_of_range"), None);
    accounted(&weak);
}

/// A group's readings in buckets starting within `[from_h, to_h)` hours, from the time series.
fn in_window(r: &Report, scope: &str, metric: &str, from_h: f64, to_h: f64) -> f64 {
    r.timeseries
        .rows
        .iter()
        .filter(|s| s.scope == scope && s.metric == metric && s.time_s >= from_h * 3600.0 && s.time_s < to_h * 3600.0)
        .map(|s| s.value)
        .sum()
}

#[test]
fn sensor_failures_with_mtbf_and_mttr_give_each_kind_its_availability() {
    // 20 sensors that fail every 20 h on average and are back after 5 h: each kind's
    // availability (its readings not lost to the device) is MTBF / (MTBF + MTTR) = 0.8.
    let t = text(
        "1000d",
        20,
        "1h",
        "[{ x = 500, y = 1000 }]",
        "[[failures]]\nkind = \"device\"\ngroup = \"parking\"\nmtbf = \"20h\"\nmttr = \"5h\"\n",
    );
    let r = run(&scenario(&t));
    let parking = r.resilience.kinds.iter().find(|k| k.kind == "parking").expect("parking");
    assert!((parking.availability - availability(20.0, 5.0)).abs() < 0.01, "{}", parking.availability);
    let lost = r.uplinks.lost["device_failure"] as f64 / r.uplinks.generated as f64;
    assert!((lost - 0.2).abs() < 0.01, "{lost}");
    accounted(&r);
}

#[test]
fn a_device_failure_in_a_polygon_hits_only_the_sensors_inside() {
    // Sensors spread over a 2 km square; the failure covers the triangle below the diagonal
    // (half the square) from 2 h to 6 h of 8 h: a quarter of all readings are lost.
    let t = "[scenario]\nname = \"polygon\"\nduration = \"8h\"\n[city]\narea_km2 = 4.0\n\
             [[sensors]]\nkind = \"parking\"\ncount = 2000\nreport_every = \"30m\"\n\
             [[gateways]]\npositions = [{ x = 1000, y = 1000 }]\n\
             [[failures]]\nkind = \"device\"\nat = \"2h\"\nlasts = \"4h\"\n\
             area = { polygon = [{ x = 0, y = 0 }, { x = \"2km\", y = 0 }, { x = 0, y = \"2km\" }] }\n";
    let r = run(&scenario(t));
    let lost = r.uplinks.lost["device_failure"] as f64 / r.uplinks.generated as f64;
    assert!((lost - 0.25).abs() < 0.02, "{lost}");
    accounted(&r);
}

/// Two gateways 3 km apart with a group of sensors around each.
fn two_cells(failures: &str) -> String {
    "[scenario]\nname = \"two\"\nduration = \"8h\"\n[city]\narea_km2 = 16.0\n\
     [[sensors]]\nkind = \"parking\"\nname = \"near_a\"\ncount = 300\nreport_every = \"10m\"\n\
     disc = { center = { x = 1000, y = 1000 }, radius = \"300m\" }\n\
     [[sensors]]\nkind = \"parking\"\nname = \"near_b\"\ncount = 300\nreport_every = \"10m\"\n\
     disc = { center = { x = 3500, y = 3500 }, radius = \"300m\" }\n\
     [[gateways]]\npositions = [{ x = 1000, y = 1000 }, { x = 3500, y = 3500 }]\n\
     [lorawan]\nduty_cycle = \"off\"\n"
        .to_string()
        + failures
}

#[test]
fn a_jammer_silences_the_receivers_in_its_area_while_it_lasts() {
    // A 60 dB rise at gateway A from 2 h to 4 h: no link to A clears it, so a quarter of the
    // readings near A are lost as jamming and nothing near B is.
    let r = run(&scenario(&two_cells(
        "[[failures]]\nkind = \"jamming\"\nat = \"2h\"\nlasts = \"2h\"\nnoise_rise = \"60dB\"\n\
         area = { center = { x = 1000, y = 1000 }, radius = \"100m\" }\n",
    )));
    let by = |name: &str| r.groups.iter().find(|g| g.name == name).expect("group");
    let (a, b) = (by("near_a"), by("near_b"));
    let jammed = a.lost.get("jamming").copied().unwrap_or(0) as f64 / a.generated as f64;
    assert!((jammed - 0.25).abs() < 0.02, "{jammed}");
    assert_eq!(b.lost.get("jamming"), None);
    let during = in_window(&r, "group:near_a", "delivered", 2.0, 4.0);
    assert!(during < 10.0, "{during} delivered near A while jammed");
    accounted(&r);
    // A rise below every link's margin costs nothing.
    let mild = run(&scenario(&two_cells(
        "[[failures]]\nkind = \"jamming\"\nat = \"2h\"\nlasts = \"2h\"\nnoise_rise = \"0.001dB\"\n\
         area = { center = { x = 1000, y = 1000 }, radius = \"100m\" }\n",
    )));
    assert!(mild.uplinks.lost.get("jamming").copied().unwrap_or(0) < 5, "{:?}", mild.uplinks.lost);
}

#[test]
fn flooding_devices_load_the_network_until_they_are_isolated() {
    // 30 of the sensors near A flood (500 uplinks per reading) from 2 h; monitoring isolates
    // them at 4 h. Honest sensors near A lose more to collisions while the flood lasts; the
    // flooders' readings after 4 h are dropped as isolated; every flood uplink is counted.
    let failure = "[[failures]]\nkind = \"compromised\"\ngroup = \"near_a\"\nshare = 0.1\nattack = \"flood\"\n\
                   flood_factor = 500\nat = \"2h\"\ndetect_after = \"2h\"\n";
    let r = run(&scenario(&two_cells(failure)));
    let attack = &r.resilience.attacks[0];
    assert_eq!((attack.attack, attack.detected_h, attack.end_h), ("flood", Some(4.0), 8.0));
    let n = attack.devices as f64;
    assert!((n - 30.0).abs() <= 12.0, "{n} devices of 300 at share 0.1");
    let totals = r.resilience.attack_totals;
    // Every flooder reading between 2 h and 4 h sent 499 extra uplinks.
    let per_reading = totals.flood_uplinks as f64 / (n * 12.0);
    assert!((per_reading - 499.0).abs() < 499.0 * 0.1, "{per_reading}");
    assert!(totals.flood_uplinks_delivered > 0 && totals.flood_uplinks_delivered < totals.flood_uplinks);
    // Isolated: the flooders' readings from 4 h to 8 h, 24 each.
    assert!((totals.isolated_readings as f64 / (n * 24.0) - 1.0).abs() < 0.1, "{}", totals.isolated_readings);
    let ratio = |from, to| {
        in_window(&r, "group:near_a", "delivered", from, to) / in_window(&r, "group:near_a", "generated", from, to)
    };
    let (before, flood) = (ratio(0.5, 2.0), ratio(2.0, 4.0));
    assert!(flood < before - 0.05, "delivery near A {before} before, {flood} while flooded");
    let b = r.groups.iter().find(|g| g.name == "near_b").expect("near_b");
    assert!(b.delivery_ratio > 0.95, "B is out of the flood's reach: {}", b.delivery_ratio);
    accounted(&r);
}

#[test]
fn spoofed_readings_are_counted_until_detection() {
    // Every sensor near B is compromised at 1 h and spoofs its readings; detection after 3 h
    // isolates them: 6 readings an hour each, 3 hours spoofed, then 4 hours isolated.
    let failure = "[[failures]]\nkind = \"compromised\"\ngroup = \"near_b\"\nattack = \"spoof\"\n\
                   at = \"1h\"\nlasts = \"7h\"\ndetect_after = \"3h\"\n";
    let r = run(&scenario(&two_cells(failure)));
    let totals = r.resilience.attack_totals;
    let spoofed = totals.spoofed_readings as f64 / (300.0 * 18.0);
    assert!((spoofed - 1.0).abs() < 0.03, "{spoofed}");
    let isolated = totals.isolated_readings as f64 / (300.0 * 24.0);
    assert!((isolated - 1.0).abs() < 0.03, "{isolated}");
    assert_eq!(r.uplinks.lost["isolated"], totals.isolated_readings);
    accounted(&r);
}

#[test]
fn a_cell_site_or_access_point_that_fails_loses_its_devices_readings() {
    // NB-IoT meters on one cell site and Wi-Fi counters on one access point; both sites fail
    // from 2 h to 4 h of 8 h: a quarter of each group's readings are lost as gateway_down, and
    // each site's availability is 0.75.
    let t = "[scenario]\nname = \"sites\"\nduration = \"8h\"\n[city]\narea_km2 = 4.0\n\
             [[sensors]]\nkind = \"smart_meter_water\"\nradio = \"nbiot\"\ncount = 200\nreport_every = \"15m\"\n\
             disc = { center = { x = 1000, y = 1000 }, radius = \"300m\" }\n\
             [[sensors]]\nkind = \"wifi_ble_counter\"\nradio = \"wifi\"\ncount = 20\nreport_every = \"5m\"\n\
             disc = { center = { x = 1500, y = 1500 }, radius = \"30m\" }\n\
             [[gateways]]\nname = \"cell\"\nradio = \"cellular\"\npositions = [{ x = 1000, y = 1000 }]\n\
             [[gateways]]\nname = \"ap\"\nradio = \"wifi\"\npositions = [{ x = 1500, y = 1500 }]\n\
             [[failures]]\nkind = \"gateway\"\ngroup = \"cell\"\nat = \"2h\"\nlasts = \"2h\"\n\
             [[failures]]\nkind = \"gateway\"\ngateway = \"ap-0\"\nat = \"2h\"\nlasts = \"2h\"\n";
    let r = run(&scenario(t));
    for g in &r.groups {
        let down = g.lost.get("gateway_down").copied().unwrap_or(0) as f64 / g.generated as f64;
        assert!((down - 0.25).abs() < 0.03, "{}: {down}", g.name);
    }
    let radios: Vec<(&str, f64)> = r.resilience.gateways.iter().map(|g| (g.radio, g.availability)).collect();
    assert_eq!(radios, [("cellular", 0.75), ("wifi", 0.75)]);
    accounted(&r);
}

#[test]
fn a_district_blackout_halves_the_coverage_of_mains_street_lights() {
    // Street-light controllers on mains all over a 2 km square; the East half loses power from
    // 2 h to 6 h. Coverage of the city grid by live controllers falls from 1 to about 0.5.
    let t = "[scenario]\nname = \"coverage\"\nduration = \"8h\"\n[city]\narea_km2 = 4.0\n\
             districts = [{ name = \"West\", share = 0.5 }, { name = \"East\", share = 0.5 }]\n\
             [[sensors]]\nkind = \"streetlight_controller\"\ncount = 2000\nreport_every = \"15m\"\n\
             [[gateways]]\ncount = 4\nplacement = \"grid\"\npower = { mains = true, battery_backup = \"24h\" }\n\
             [[failures]]\nkind = \"power\"\ndistrict = \"East\"\nat = \"2h\"\nlasts = \"4h\"\n\
             [output]\nbucket = \"15m\"\n";
    let r = run(&scenario(t));
    let k = &r.resilience.kinds[0];
    assert_eq!(k.kind, "streetlight_controller");
    assert!((k.coverage_min - 0.5).abs() < 0.05, "{k:?}");
    assert!(k.coverage_min_at_h >= 2.0 && k.coverage_min_at_h < 6.0, "{k:?}");
    let grid = r.resilience.grid.expect("grid");
    assert_eq!(grid.cells_per_side, 8);
    let before: Vec<f64> = r
        .timeseries
        .rows
        .iter()
        .filter(|s| s.metric == "coverage" && s.time_s < 2.0 * 3600.0)
        .map(|s| s.value)
        .collect();
    assert!(!before.is_empty() && before.iter().all(|&c| c > 0.97), "{before:?}");
    let worst = r.resilience.worst_failure.as_ref().expect("the blackout dents delivery");
    assert_eq!(worst.kind, "power");
    assert!(worst.cells_reporting_during * 2 <= worst.cells_reporting_before + 2, "{worst:?}");
    let maps = r.resilience.maps.as_ref().expect("maps");
    assert_eq!(maps.before.len(), 64);
    // West cells (x < 1 km) keep delivering during the blackout; East cells deliver nothing.
    let west_during = maps.during.iter().enumerate().filter(|(i, _)| i % 8 < 4).filter_map(|(_, c)| *c);
    assert!(west_during.clone().count() > 0 && west_during.into_iter().all(|c| c > 0.9));
    assert!(maps.during.iter().enumerate().filter(|(i, _)| i % 8 >= 4).all(|(_, c)| c.is_none_or(|c| c == 0.0)));
    accounted(&r);
}
