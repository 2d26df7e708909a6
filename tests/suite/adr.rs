//! ADR as ns-3 runs it (REFERENCE.md section 1): the network server averages the SNR of a
//! device's last 4 uplinks and moves it steps = floor((SNR - required SNR - 10 dB margin) / 3)
//! toward SF7, then toward lower power; it never raises SF. Sensors start at SF12.

use crate::common::{run, scenario};

const RINGS: &str = r#"
[scenario]
name = "adr"
seed = 21
duration = "24h"
[city]
area_km2 = 4.0
[[sensors]]
kind = "air_quality"
name = "near"
count = 100
report_every = "10m"
disc = { center = { x = 1000, y = 1000 }, radius = "60m" }
[[sensors]]
kind = "air_quality"
name = "far"
count = 100
report_every = "10m"
disc = { center = { x = 1900, y = 1000 }, radius = "50m" }
[[gateways]]
positions = [{ x = 1000, y = 1000 }]
antenna_gain = "6dBi"
[lorawan]
adr = "ns3"
"#;

#[test]
fn adr_moves_near_sensors_to_sf7_and_keeps_far_ones_high() {
    let r = run(&scenario(RINGS));
    let (near, far) = r.map.sensors.split_at(100);
    // Near: within 60 m, RSSI >= 14 + 6 - (127.41 + 20.8 log10(60/40)) = -111.1 dBm, SNR >= +6.0
    // dB over the -117.0 dBm noise floor; from SF12: floor((6.0 + 20 - 10)/3) = 5 steps -> SF7.
    assert!(near.iter().all(|s| s.2 == 7), "near SFs: {:?}", near.iter().map(|s| s.2).collect::<Vec<_>>());
    // Far: 850-950 m away, SNR <= -18.3 dB; floor((-18.3 + 20 - 10)/3) < 0: no step down, SF12.
    assert!(far.iter().all(|s| s.2 == 12), "far SFs: {:?}", far.iter().map(|s| s.2).collect::<Vec<_>>());
    assert_eq!(r.radio.sensors_out_of_range, 0);

    // Without ADR the link budget alone picks SF7 near too, but a lower SF far away
    // (-135.5 dBm clears SF11's -140 dBm without margin): ADR's 10 dB margin is conservative.
    let fixed = run(&scenario(&RINGS.replace("adr = \"ns3\"", "adr = \"off\"")));
    let (near, far) = fixed.map.sensors.split_at(100);
    assert!(near.iter().all(|s| s.2 == 7));
    assert!(far.iter().all(|s| (10..=12).contains(&s.2)) && far.iter().any(|s| s.2 < 12));
}
