//! The pure ALOHA identity (REFERENCE.md section 1): N sensors with Poisson traffic, airtime T
//! and mean interval S on one channel, where any overlap destroys both packets, deliver a share
//! e^(-2G) of their uplinks, with G = N*T/S.

use citytwin::model::radio::{Bandwidth, LORAWAN_OVERHEAD_BYTES, LoraParams, SpreadingFactor, aloha_delivery_ratio};

use crate::common::{run, scenario};

fn aloha_scenario(n: u64, interval_s: f64, duration_h: f64) -> String {
    format!(
        r#"
[scenario]
name = "aloha"
seed = 11
duration = "{duration_h}h"
[city]
area_km2 = 0.04
[[sensors]]
kind = "air_quality"
count = {n}
report_every = "{interval_ms}ms"
timing = "poisson"
payload_bytes = 24
spreading_factor = 7
[[gateways]]
positions = [{{ x = 100, y = 100 }}]
[lorawan]
channels = 1
interference = "aloha"
duty_cycle = "off"
"#,
        interval_ms = (interval_s * 1000.0).round() as u64
    )
}

#[test]
fn delivery_ratio_matches_e_to_the_minus_2g() {
    let airtime_s =
        LoraParams::uplink(SpreadingFactor::SF7, Bandwidth::Khz125).time_on_air_s(24 + LORAWAN_OVERHEAD_BYTES);
    let n = 500u64;
    for g in [0.1, 0.25, 0.5, 0.75, 1.0] {
        let interval_s = n as f64 * airtime_s / g;
        // Long enough for ~150k uplinks, so the sampling error is well under 0.01.
        let duration_h = (150_000.0 / n as f64 * interval_s / 3600.0).ceil();
        let report = run(&scenario(&aloha_scenario(n, interval_s, duration_h)));
        assert_eq!(report.radio.sensors_out_of_range, 0, "all sensors in range of the one gateway");
        // Oracle: DER = e^(-2G) (pure ALOHA), e.g. G = 0.5 gives 0.3679.
        let expected = aloha_delivery_ratio(g);
        let measured = report.uplinks.delivery_ratio;
        assert!((measured - expected).abs() < 0.01, "G = {g}: measured {measured:.4}, e^(-2G) = {expected:.4}");
    }
}
