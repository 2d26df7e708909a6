//! Shipped scenarios run and hold what their comments promise.

use crate::common::{run, shipped};

#[test]
fn quickstart_delivers_and_meets_its_slo() {
    let r = run(&shipped("scenarios/quickstart.toml", &[]));
    assert_eq!(r.entities.sensors, 3300);
    assert_eq!(r.entities.gateways, 12);
    assert_eq!(r.radio.sensors_out_of_range, 0, "a 4x3 grid covers 4 km² at SF7-SF9");
    // US915's 400 ms dwell time: 24-byte readings take 493 ms at SF10, so nobody uses SF10+.
    assert!(r.radio.sf_distribution.iter().all(|c| c.sf <= 9 || c.sensors == 0), "{:?}", r.radio.sf_distribution);
    let nine = run(&shipped("scenarios/quickstart.toml", &["gateways[0].count=9", "scenario.duration=1h"]));
    assert!(nine.radio.sensors_out_of_range > 0, "a 3x3 grid leaves some sensors beyond SF9 range");
    assert!(r.uplinks.delivery_ratio > 0.95, "{:?}", r.uplinks);
    assert!(!r.slo.breached);
    // Latency is airtime plus 5 ms fiber backhaul: between SF7's ~62 ms and SF12's ~1.3 s.
    assert!(r.latency_ms.p50 > 50.0 && r.latency_ms.max < 1500.0, "{:?}", r.latency_ms);
}

#[test]
fn dublin_district_holds_its_slo_at_district_scale() {
    let r = run(&shipped("scenarios/dublin-district.toml", &[]));
    assert_eq!(r.entities.sensors, 30_000);
    assert_eq!(r.districts.len(), 3);
    // ~2.26 M uplinks a day: 12k parking x 48 + 8k bins x 72 + 6k lights x 96 + 2k AQ x 144
    // + 1k noise x 144 + 1k water x 96.
    let expected =
        12_000.0 * 48.0 + 8_000.0 * 72.0 + 6_000.0 * 96.0 + 2_000.0 * 144.0 + 1_000.0 * 144.0 + 1_000.0 * 96.0;
    assert!((r.uplinks.generated as f64 / expected - 1.0).abs() < 0.005, "{} vs {expected}", r.uplinks.generated);
    assert!(!r.slo.breached, "{:?}", r.slo);
    // The noise group sits in City Centre only, so its share of sensors there exceeds 30 %.
    let centre = r.districts.iter().find(|d| d.name == "City Centre").expect("district");
    assert_eq!(centre.sensors, 29_000 * 30 / 100 + 1_000);
}

#[test]
fn the_bad_day_scenario_shows_every_failure_and_what_it_cost() {
    let r = run(&shipped("scenarios/bad-day.toml", &[]));
    let lost: u64 = r.uplinks.lost.values().sum();
    assert_eq!(r.uplinks.generated, r.uplinks.delivered + lost);
    for cause in ["device_failure", "power_outage", "gateway_down", "isolated"] {
        assert!(r.uplinks.lost[cause] > 0, "{cause}: {:?}", r.uplinks.lost);
    }
    let kinds: Vec<&str> = r.resilience.failures.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, ["storm", "power", "jamming", "compromised"], "random sensor failures are not listed one by one");
    let attack = &r.resilience.attacks[0];
    assert_eq!((attack.attack, attack.start_h, attack.detected_h), ("flood", 15.0, Some(17.0)));
    assert!(r.resilience.attack_totals.flood_uplinks > 0);
    // The jammer and the Port blackout together leave no LoRaWAN gateway hearing anything from
    // 12:00 to 13:00: coverage of every LoRaWAN kind falls to (almost) nothing then.
    let parking = r.resilience.kinds.iter().find(|k| k.kind == "parking").expect("parking");
    assert!(parking.coverage_min < 0.1 && (12.0..13.5).contains(&parking.coverage_min_at_h), "{parking:?}");
    assert!(r.resilience.worst_failure.is_some() && r.resilience.maps.is_some());
    assert!(r.slo.breached);
}
