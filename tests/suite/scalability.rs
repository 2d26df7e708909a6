//! The classic single-gateway experiment (scenarios/lorawan-scalability.toml) and capture
//! diversity: with capture on, more gateways in range deliver more.

use citytwin::model::radio::{Bandwidth, LORAWAN_OVERHEAD_BYTES, LoraParams, SpreadingFactor, aloha_delivery_ratio};

use crate::common::{run, scenario, shipped};

#[test]
fn classic_experiment_follows_aloha_and_capture_only_helps() {
    // SF12, 20-byte PHY payload: T = 1318.912 ms (REFERENCE.md); gaps of mean S = 1000 s start
    // at the end of each transmission, so each node sends every S + T on average and
    // G = N*T/(S+T).
    let t = LoraParams::uplink(SpreadingFactor::SF12, Bandwidth::Khz125).time_on_air_s(7 + LORAWAN_OVERHEAD_BYTES);
    assert!((t - 1.318_912).abs() < 1e-9);
    let mut last_capture = 1.0;
    for n in [100u64, 500, 1000, 2000] {
        let count = format!("sensors[0].count={n}");
        let aloha = run(&shipped("scenarios/lorawan-scalability.toml", &[&count, "lorawan.interference=aloha"]));
        let capture = run(&shipped("scenarios/lorawan-scalability.toml", &[&count]));
        assert_eq!(aloha.radio.sensors_out_of_range, 0, "the 900 m disc is within SF12 range");
        let g = n as f64 * t / (1000.0 + t);
        // Oracle: pure ALOHA, DER = e^(-2G); N = 1000 gives G = 1.317 and DER = 0.072.
        let expected = aloha_delivery_ratio(g);
        let der = aloha.uplinks.delivery_ratio;
        assert!((der - expected).abs() < 0.015, "N = {n}: aloha DER {der:.4} vs e^(-2G) = {expected:.4}");
        // Capture can only rescue packets that ALOHA would lose.
        assert!(capture.uplinks.delivery_ratio >= der, "N = {n}");
        // And the network saturates: DER falls as N grows.
        assert!(capture.uplinks.delivery_ratio < last_capture, "N = {n}");
        last_capture = capture.uplinks.delivery_ratio;
    }
}

fn gateways_scenario(n_gateways: usize) -> String {
    let positions: Vec<String> = [(950, 950), (1050, 1050), (950, 1050), (1050, 950)]
        .iter()
        .take(n_gateways)
        .map(|(x, y)| format!("{{ x = {x}, y = {y} }}"))
        .collect();
    format!(
        r#"
[scenario]
name = "capture diversity"
seed = 5
duration = "6h"
[city]
area_km2 = 4.0
[[sensors]]
kind = "air_quality"
count = 2000
report_every = "2m"
timing = "poisson"
spreading_factor = 7
disc = {{ center = {{ x = 1000, y = 1000 }}, radius = "100m" }}
[[gateways]]
positions = [{}]
[lorawan]
channels = 1
interference = "capture"
duty_cycle = "off"
"#,
        positions.join(", ")
    )
}

#[test]
fn with_capture_more_gateways_in_range_deliver_more() {
    let mut last = 0.0;
    for n in 1..=4 {
        let r = run(&scenario(&gateways_scenario(n)));
        // Every sensor is heard by every gateway: all are within 171 m, and a 14 dBm SF7 link
        // closes to 251 m (127.41 + 20.8 log10(d/40) = 14 + 130 dB).
        assert_eq!(r.radio.mean_gateways_in_reach, n as f64, "n = {n}");
        let der = r.uplinks.delivery_ratio;
        // Oracle: each gateway sees different power differences, so capture at any one of them
        // suffices; DER rises strictly with the number of gateways.
        assert!(der > last, "{n} gateways: DER {der:.4} not above {last:.4}");
        last = der;
    }
}
