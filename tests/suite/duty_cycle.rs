//! EU868 duty cycles (REFERENCE.md section 1): after a transmission of time on air T in a
//! sub-band with duty cycle dc, the device may not use that sub-band for T/dc - T. Devices that
//! report faster than that must wait (delay policy) or lose uplinks (drop policy), and the waits
//! show in the latency.

use std::collections::BTreeMap;

use citytwin::metrics::Report;
use citytwin::model::duty_cycle::{EU868_SUB_BANDS, Plan, off_time_us, sub_band_of, uplink_channels_mhz};
use citytwin::sim::{self, RunOptions};

use crate::common::scenario;

fn busy_sensors(policy: &str) -> Report {
    // SF12 with 24 B (37 B PHY): T = (12.25 + 48) x 32.768 ms = 1.974 s, so a 1 % sub-band then
    // closes for 195.5 s; with two sub-bands a device can send about every 98 s, and these
    // report every 60 s.
    let text = format!(
        r#"
[scenario]
name = "duty cycle"
seed = 9
duration = "3h"
[city]
area_km2 = 1.0
[[sensors]]
kind = "air_quality"
count = 200
report_every = "60s"
payload_bytes = 24
spreading_factor = 12
[[gateways]]
positions = [{{ x = 500, y = 500 }}]
[lorawan]
region = "EU868"
duty_cycle = "{policy}"
duty_cycle_max_delay = "10m"
"#
    );
    sim::run(&scenario(&text), RunOptions { trace: true, ..Default::default() })
}

#[test]
fn no_device_ever_exceeds_its_sub_band_duty_cycle() {
    let r = busy_sensors("delay");
    let channels = uplink_channels_mhz(Plan::Eu868, 8);
    let band_of = |ch: u8| sub_band_of(channels[usize::from(ch)]).expect("EU868 channels lie in sub-bands");
    let mut per_device_band: BTreeMap<(u32, usize), Vec<(u64, u64)>> = BTreeMap::new();
    for t in &r.trace {
        per_device_band.entry((t.sensor, band_of(t.channel))).or_default().push((t.start, t.airtime));
    }
    assert!(per_device_band.len() >= 200, "every device used its sub-bands");
    for ((sensor, band), mut txs) in per_device_band {
        txs.sort_unstable();
        let dc = EU868_SUB_BANDS[band].duty_cycle;
        for w in txs.windows(2) {
            let ((s0, a0), (s1, _)) = (w[0], w[1]);
            // The rule itself: the next start waits out the off time of the previous one.
            assert!(s1 >= s0 + a0 + off_time_us(a0, dc), "sensor {sensor} band {band}: {s1} too soon after {s0}");
        }
        // Consequence: airtime in any sliding hour stays within dc x 1 h (+ one airtime).
        for (i, &(start, _)) in txs.iter().enumerate() {
            let on_air: u64 = txs[i..].iter().take_while(|(s, _)| *s < start + 3_600_000_000).map(|(_, a)| a).sum();
            let longest = txs.iter().map(|t| t.1).max().unwrap_or(0);
            assert!(on_air as f64 <= dc * 3.6e9 + longest as f64, "sensor {sensor}: {on_air} µs in an hour");
        }
    }
    // Waiting shows: some uplinks were delayed, latency reaches past one off time (195.5 s),
    // and uplinks that would wait past the 10 minute limit are lost as duty_cycle.
    assert!(r.radio.duty_cycle_delayed > 1_000, "{}", r.radio.duty_cycle_delayed);
    assert!(r.latency_ms.max > 195_500.0, "{:?}", r.latency_ms);
    assert!(r.uplinks.lost["duty_cycle"] > 0);
    let lost: u64 = r.uplinks.lost.values().sum();
    assert_eq!(r.uplinks.generated, r.uplinks.delivered + lost);
    assert_eq!(r.uplinks.sent + r.uplinks.lost["duty_cycle"], r.uplinks.generated);
}

#[test]
fn the_drop_policy_never_delays() {
    let r = busy_sensors("drop");
    assert_eq!(r.radio.duty_cycle_delayed, 0);
    assert!(r.trace.iter().all(|t| t.start == t.generated));
    // Reporting every 60 s against a ~98 s sustainable rate, a good share must be dropped.
    let dropped = r.uplinks.lost["duty_cycle"] as f64 / r.uplinks.generated as f64;
    assert!(dropped > 0.1, "dropped share {dropped}");
    // With duty cycles off nothing is held back at all.
    let off = busy_sensors("off");
    assert_eq!(off.uplinks.sent, off.uplinks.generated);
}
