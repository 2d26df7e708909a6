//! Cellular IoT, Wi-Fi and wired access against closed forms: random-access success on a
//! slotted preamble channel, M/D/1 waiting at an access point, coverage classes by coupling
//! loss, stream saturation; and per-technology accounting in the shipped mixed scenario.

use citytwin::metrics::Report;
use citytwin::model::cellular::{Carrier, md1_wait};
use citytwin::model::wifi;
use citytwin::time::SimTime;

use crate::common::{fingerprint, run, run_with, scenario, shipped};

fn tech<'a>(r: &'a Report, name: &str) -> &'a citytwin::metrics::report::TechnologyReport {
    r.technologies.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no {name} in {:?}", r.technologies))
}

#[test]
fn preamble_success_matches_slotted_aloha_per_preamble() {
    // 2000 NB-IoT meters near one cell, Poisson reports with mean 1000 s: 2 per second. Four
    // preambles per 1 s occasion: each occasion's contenders are Poisson with mean 2, and a
    // device gets through when none of the others picks its preamble, e^(-2/4) = 0.6065. With a
    // single attempt allowed, the rest are lost as `random_access`.
    let s = scenario(
        r#"
        [scenario]
        name = "nprach"
        duration = "24h"
        [city]
        area_km2 = 4.0
        [[sensors]]
        kind = "smart_meter_water"
        radio = "nbiot"
        count = 2000
        timing = "poisson"
        report_every = "1000s"
        disc = { center = { x = 1000, y = 1000 }, radius = "300m" }
        [[gateways]]
        radio = "cellular"
        positions = [{ x = 1000, y = 1000 }]
        [cellular]
        ra_max_attempts = 1
        nbiot = { preambles = 4, ra_period = "1s" }
        "#,
    );
    let r = run(&s);
    let nb = tech(&r, "nbiot");
    assert_eq!(r.access.cells[0].devices_by_class, vec![2000, 0, 0], "all in normal coverage");
    let success = nb.delivered as f64 / nb.generated as f64;
    let oracle = (-0.5f64).exp();
    assert!(nb.generated > 170_000, "{}", nb.generated);
    assert!((success - oracle).abs() < 0.01, "success {success} vs e^-0.5 = {oracle}");
    assert_eq!(nb.lost["random_access"], nb.generated - nb.delivered);

    // With retries (10 attempts, backoff over 8 occasions so that retries mix) the offered load per preamble G solves
    // G e^(-G) = new arrivals per preamble and occasion. At 0.25 (1000 meters) G = 0.36 and a
    // preamble gets through 70 % of the time: nearly every reading arrives, later. Beyond
    // slotted ALOHA's peak throughput of 1/e per preamble (0.5: 2000 meters) there is no
    // equilibrium: retries pile up and the channel collapses.
    let light = run(&scenario(&with_retries(1000)));
    let nb2 = tech(&light, "nbiot");
    assert!(nb2.delivery_ratio > 0.99, "{}", nb2.delivery_ratio);
    assert!(nb2.latency_ms.p99 > nb.latency_ms.p99, "collisions cost retries");
    let heavy = run(&scenario(&with_retries(2000)));
    assert!(tech(&heavy, "nbiot").delivery_ratio < 0.5, "{}", tech(&heavy, "nbiot").delivery_ratio);
}

fn with_retries(count: u32) -> String {
    format!(
        r#"
    [scenario]
    name = "nprach retries"
    duration = "6h"
    [city]
    area_km2 = 4.0
    [[sensors]]
    kind = "smart_meter_water"
    radio = "nbiot"
    count = {count}
    timing = "poisson"
    report_every = "1000s"
    disc = {{ center = {{ x = 1000, y = 1000 }}, radius = "300m" }}
    [[gateways]]
    radio = "cellular"
    positions = [{{ x = 1000, y = 1000 }}]
    [cellular]
    backoff = "8s"
    nbiot = {{ preambles = 4, ra_period = "1s" }}
    "#
    )
}

#[test]
fn an_access_point_queues_as_m_d_1() {
    // 1462 counters within 20 m of one access point (54 Mbit/s), 1000-byte Poisson reports every
    // second on average: every frame exchange lasts the same S, so the channel is an M/D/1
    // queue at rho = 1462 S. Oracle: mean wait rho S / (2 (1 - rho)).
    let s = scenario(
        r#"
        [scenario]
        name = "md1"
        duration = "20m"
        [city]
        area_km2 = 1.0
        [[sensors]]
        kind = "wifi_ble_counter"
        radio = "wifi"
        count = 1462
        timing = "poisson"
        report_every = "1s"
        payload_bytes = 1000
        power = { mains = true }
        disc = { center = { x = 500, y = 500 }, radius = "20m" }
        [[gateways]]
        radio = "wifi"
        positions = [{ x = 500, y = 500 }]
        "#,
    );
    let r = run(&s);
    let ap = &r.access.access_points[0];
    let service_s = wifi::exchange_us(1000, 54.0).ceil() / 1e6;
    let rho = 1462.0 * service_s;
    assert!((0.45..0.55).contains(&rho), "rho {rho}");
    let oracle_ms = md1_wait(rho, service_s) * 1e3;
    assert!((ap.mean_wait_ms / oracle_ms - 1.0).abs() < 0.05, "wait {} ms vs M/D/1 {oracle_ms} ms", ap.mean_wait_ms);
    // Utilisation is rho (the share of time the channel carries reports).
    assert!((ap.utilisation - rho).abs() < 0.01, "utilisation {} vs rho {rho}", ap.utilisation);
    assert_eq!(tech(&r, "wifi").delivery_ratio, 1.0);
}

#[test]
fn deeper_coverage_classes_cost_latency_and_end_at_the_maximum_coupling_loss() {
    // NB-IoT meters at 0.5, 1, 1.6 and 3 km from one site (Okumura-Hata, no antenna gain) with
    // 20 dB of basement loss: coupling loss 136.9 dB (class 0, <= 144), 147.5 (class 1, <= 154),
    // 154.7 (class 2, <= 164) and 164.3 (beyond NB-IoT's 164 dB: out of coverage).
    let cl = |d_km: f64| 127.5 + 35.2 * d_km.log10() + 20.0;
    let nb = Carrier::nbiot();
    assert_eq!(nb.class_of(cl(0.5)), Some(0));
    assert_eq!(nb.class_of(cl(1.0)), Some(1));
    assert_eq!(nb.class_of(cl(1.6)), Some(2));
    assert_eq!(nb.class_of(cl(3.0)), None);
    let group = |name: &str, d_m: f64| {
        format!(
            "[[sensors]]\nkind = \"smart_meter_water\"\nname = \"{name}\"\nradio = \"nbiot\"\ncount = 50\n\
             report_every = \"15m\"\nextra_loss = \"20dB\"\ndisc = {{ center = {{ x = {}, y = 5000 }}, radius = \"5m\" }}\n",
            5000.0 + d_m
        )
    };
    let text = format!(
        "[scenario]\nname = \"classes\"\nduration = \"6h\"\n[city]\narea_km2 = 100.0\n{}{}{}{}\
         [[gateways]]\nradio = \"cellular\"\npositions = [{{ x = 5000, y = 5000 }}]\n",
        group("near", 500.0),
        group("mid", 1000.0),
        group("far", 1600.0),
        group("beyond", 3000.0)
    );
    let r = run(&scenario(&text));
    assert_eq!(r.access.cells[0].devices_by_class, vec![50, 50, 50]);
    let by = |n: &str| r.groups.iter().find(|g| g.name == n).expect("group").delivery_ratio;
    assert_eq!((by("near"), by("mid"), by("far"), by("beyond")), (1.0, 1.0, 1.0, 0.0));
    let nbiot = tech(&r, "nbiot");
    assert_eq!(nbiot.lost["out_of_range"], r.groups[3].generated);
    // Latency grows with the class. Class 2 takes seconds: 32 preambles of 5.6 ms, a 4 s access
    // exchange and 64 repetitions of 38.4 ms data, 6.8 s in all.
    assert!(nbiot.latency_ms.p95 > 6_500.0, "{:?}", nbiot.latency_ms);
    // Class 0 arrives in under a second: occasion wait up to 160 ms, 311 ms access, 38 ms data
    // and 55 ms onward.
    let near_only = text.split("[[sensors]]").take(2).collect::<Vec<_>>().join("[[sensors]]")
        + "[[gateways]]\nradio = \"cellular\"\npositions = [{ x = 5000, y = 5000 }]\n";
    let near = run(&scenario(&near_only));
    let l = &tech(&near, "nbiot").latency_ms;
    assert!(l.max < 160.0 + 311.2 + 38.4 + 55.0 + 1.0 && l.p50 > 311.2 + 38.4 + 55.0, "{l:?}");
}

#[test]
fn streams_that_exceed_the_link_saturate_it() {
    // Ten 20 Mbit/s cameras on one access point need more than the channel; PoE cameras
    // streaming 120 Mbit/s overflow a 100 Mbit/s link. Reports on both are lost as congestion;
    // 4 Mbit/s on Fast Ethernet is fine.
    let s = scenario(
        r#"
        [scenario]
        name = "streams"
        duration = "1h"
        [city]
        area_km2 = 1.0
        [[sensors]]
        kind = "camera"
        name = "wifi_cams"
        radio = "wifi"
        count = 10
        stream_bitrate = "20Mbit/s"
        disc = { center = { x = 500, y = 500 }, radius = "10m" }
        [[sensors]]
        kind = "camera"
        name = "hd_poe"
        radio = "wired"
        count = 5
        stream_bitrate = "120Mbit/s"
        [[sensors]]
        kind = "camera"
        name = "poe"
        radio = "wired"
        count = 5
        stream_bitrate = "4Mbit/s"
        [[gateways]]
        radio = "wifi"
        positions = [{ x = 500, y = 500 }]
        "#,
    );
    let r = run(&s);
    assert!(r.access.access_points[0].stream_load > 1.0, "{:?}", r.access.access_points[0]);
    assert_eq!(r.access.wired.saturated_links, 5);
    assert!((r.access.wired.max_stream_load - 1.2).abs() < 1e-9);
    let by = |n: &str| r.groups.iter().find(|g| g.name == n).expect("group").delivery_ratio;
    assert_eq!((by("wifi_cams"), by("hd_poe"), by("poe")), (0.0, 0.0, 1.0));
    assert_eq!(r.uplinks.lost["congestion"], r.uplinks.generated - r.uplinks.delivered);
}

#[test]
fn mixed_city_accounts_for_every_uplink_per_technology() {
    let s = shipped("scenarios/mixed-city.toml", &["scenario.duration=3h"]);
    let r = run(&s);
    let names: Vec<&str> = r.technologies.iter().map(|t| t.name).collect();
    assert_eq!(names, ["lorawan", "nbiot", "ltem", "wifi", "cellular", "wired"]);
    let mut generated = 0;
    for t in &r.technologies {
        let lost: u64 = t.lost.values().sum();
        assert_eq!(t.generated, t.delivered + lost, "{}: generated = delivered + lost", t.name);
        assert!(t.generated > 0 && t.sensors > 0, "{t:?}");
        generated += t.generated;
    }
    assert_eq!(generated, r.uplinks.generated);
    assert_eq!(r.technologies.iter().map(|t| t.sensors).sum::<u64>(), r.entities.sensors);
    // Per-cause totals add up across technologies.
    for (cause, n) in &r.uplinks.lost {
        assert_eq!(*n, r.technologies.iter().map(|t| t.lost[cause]).sum::<u64>(), "{cause}");
    }
    // Basement water meters spread over all three NB-IoT coverage classes.
    let nb: Vec<_> = r.access.cells.iter().filter(|c| c.technology == "nbiot").collect();
    for class in 0..3 {
        assert!(nb.iter().map(|c| c.devices_by_class[class]).sum::<u64>() > 0, "class {class} empty");
    }
    assert!(!r.slo.breached, "{:?}", r.slo);
    // Same results at any thread count and step width.
    let base = fingerprint(&r);
    assert_eq!(base, fingerprint(&run_with(&s, SimTime::from_secs(1), 1)), "1 s steps, 1 thread");
    assert_eq!(base, fingerprint(&run_with(&s, SimTime::from_secs(97), 2)), "97 s steps, 2 threads");
}
