//! The uplink accounting invariant: every generated uplink ends delivered or lost for exactly
//! one named cause, and every breakdown (district, group, time bucket) adds up to the totals.

use crate::common::{run, scenario};

const MIXED: &str = r#"
[scenario]
name = "accounting"
seed = 3
duration = "6h"
[city]
preset = "dublin"
area_km2 = 9.0
districts = [{ name = "West", share = 0.3 }, { name = "Centre", share = 0.4 }, { name = "East", share = 0.3 }]
[[sensors]]
kind = "parking"
count = 3000
report_every = "2m"
[[sensors]]
kind = "water_level"
count = 500
spreading_factor = 9
[[sensors]]
kind = "noise"
count = 400
timing = "poisson"
[[gateways]]
count = 2
placement = "grid"
district = "Centre"
[lorawan]
channels = 3
"#;

#[test]
fn every_uplink_is_delivered_or_lost_once() {
    let r = run(&scenario(MIXED));
    let u = &r.uplinks;
    let lost: u64 = u.lost.values().sum();
    assert!(u.generated > 100_000);
    // Some uplinks are delivered, some collide, and some sensors in the outer districts are out
    // of range at a fixed SF9, so every cause is exercised.
    assert!(u.lost["collision"] > 0 && u.lost["out_of_range"] > 0 && u.delivered > 0, "{u:?}");
    assert_eq!(u.generated, u.delivered + lost, "generated = delivered + sum(lost)");
    assert_eq!(u.sent + u.lost["duty_cycle"], u.generated, "only the duty cycle holds uplinks back");
    assert_eq!(r.districts.iter().map(|d| d.generated).sum::<u64>(), u.generated);
    assert_eq!(r.groups.iter().map(|d| d.delivered).sum::<u64>(), u.delivered);
    assert_eq!(r.districts.iter().map(|d| d.sensors).sum::<u64>(), 3900);
    let bands = &r.radio.distance_bands;
    assert_eq!(bands.iter().map(|b| b.sensors).sum::<u64>(), 3900);
    assert_eq!(bands.iter().map(|b| b.generated).sum::<u64>(), u.generated);
    assert_eq!(bands.iter().map(|b| b.delivered).sum::<u64>(), u.delivered);
    // The outer districts lie beyond SF9's reach from the central gateways: delivery falls
    // with distance, from the nearest band to the farthest.
    let (first, last) = (&bands[0], &bands[bands.len() - 1]);
    assert!(first.delivery_ratio > last.delivery_ratio, "{bands:?}");
    let sum = |metric: &str| -> f64 {
        r.timeseries.rows.iter().filter(|s| s.scope == "city" && s.metric == metric).map(|s| s.value).sum()
    };
    assert_eq!(sum("generated") as u64, u.generated);
    assert_eq!(sum("delivered") as u64, u.delivered);
    let lost_series: f64 = citytwin::metrics::LossCause::ALL.iter().map(|c| sum(c.metric())).sum();
    assert_eq!(lost_series as u64, lost);
    // Every gateway decision is counted once per reception.
    for g in &r.radio.gateways {
        assert_eq!(g.receptions, g.decoded + g.collided + g.busy);
    }
    // Expected readings: count x duration / interval (Poisson and jittered periodic agree in mean).
    let expected = 3000.0 * 180.0 + 500.0 * 72.0 + 400.0 * 36.0;
    assert!((u.generated as f64 / expected - 1.0).abs() < 0.01, "generated {} vs expected {expected}", u.generated);
}
