//! Confirmed uplinks and NbTrans repetitions (LoRaWAN Class A): ACKs go out in RX1 or RX2
//! within the gateway's own duty cycle, a gateway transmitting an ACK hears nothing, devices
//! retransmit unacknowledged uplinks, and the network server counts each reading once.

use citytwin::metrics::Report;
use citytwin::sim::{self, RunOptions};

use crate::common::{run, scenario};

fn city(count: u64, every: &str, extra: &str) -> Report {
    run(&scenario(&format!(
        r#"
[scenario]
name = "confirmed"
seed = 4
duration = "2h"
[city]
area_km2 = 1.0
[[sensors]]
kind = "parking"
count = {count}
report_every = "{every}"
{extra}
[[gateways]]
positions = [{{ x = 500, y = 500 }}]
[lorawan]
region = "EU868"
"#
    )))
}

fn accounted(r: &Report) {
    let u = &r.uplinks;
    assert_eq!(u.generated, u.delivered + u.lost.values().sum::<u64>(), "each reading counted once");
    // Readings the duty cycle stops before their first transmission were never sent; a retry
    // it stops counts as duty_cycle too when no earlier copy got through.
    assert!(u.generated - u.sent <= u.lost["duty_cycle"]);
}

#[test]
fn sparse_confirmed_traffic_is_acknowledged_in_rx1() {
    // 5 sensors every 30 min: an SF7 ACK (41 ms) closes its 1 % sub-band at the gateway for
    // 4.1 s, and uplinks come minutes apart, so every ACK goes out in RX1 and nothing is
    // retransmitted.
    let r = city(5, "30m", "confirmed = true\ndisc = { center = { x = 500, y = 500 }, radius = \"100m\" }");
    accounted(&r);
    let rr = &r.radio;
    assert_eq!(rr.acks_rx1, r.uplinks.delivered);
    assert_eq!(rr.acks_blocked + rr.acks_rx2, 0);
    assert_eq!(r.uplinks.transmissions, r.uplinks.sent);
    assert_eq!(rr.gateways[0].downlinks, rr.acks_rx1);
}

#[test]
fn the_gateways_duty_cycle_limits_acks_and_forces_retransmissions() {
    let unconfirmed = city(3000, "2m", "");
    let r = city(3000, "2m", "confirmed = true");
    accounted(&r);
    let rr = &r.radio;
    // 90,000 readings an hour against one gateway: RX1 (1 %) and RX2 (10 %, SF12) together carry
    // a few thousand ACKs an hour, so most go unanswered, and devices retransmit.
    assert!(rr.acks_rx1 > 0 && rr.acks_rx2 > 0 && rr.acks_blocked > rr.acks_rx1 + rr.acks_rx2, "{rr:?}");
    // Every decoded attempt got exactly one answer: RX1, RX2, or none.
    let gw = &rr.gateways[0];
    assert_eq!(rr.acks_rx1 + rr.acks_rx2 + rr.acks_blocked, gw.decoded);
    assert_eq!(gw.downlinks, rr.acks_rx1 + rr.acks_rx2);
    assert!(r.uplinks.transmissions > 2 * r.uplinks.sent);
    // While it transmits ACKs the gateway is deaf: receptions are lost to half-duplex.
    assert!(gw.deafened > 0);
    assert_eq!(unconfirmed.radio.gateways[0].downlinks + unconfirmed.radio.gateways[0].deafened, 0);
    // Every lost reading has one cause, and the new causes appear.
    assert!(r.uplinks.lost["collision"] > 0);
}

#[test]
fn nbtrans_repeats_every_unconfirmed_uplink_and_counts_it_once() {
    let once = city(400, "2m", "");
    let thrice = city(400, "2m", "transmissions = 3");
    accounted(&thrice);
    // Each reading goes out three times (the sub-bands allow it at SF7/SF8: 3 x 62 ms every 2 min
    // is 0.16 %), is delivered if any copy is, and counts once.
    assert_eq!(thrice.uplinks.transmissions, 3 * thrice.uplinks.sent);
    assert!(
        thrice.uplinks.delivery_ratio > once.uplinks.delivery_ratio,
        "{} vs {}",
        thrice.uplinks.delivery_ratio,
        once.uplinks.delivery_ratio
    );
}

#[test]
fn confirmed_runs_are_deterministic_across_steps_and_threads() {
    let text = r#"
[scenario]
name = "confirmed determinism"
seed = 8
duration = "2h"
[city]
area_km2 = 1.0
[[sensors]]
kind = "parking"
count = 1500
report_every = "2m"
confirmed = true
[[gateways]]
count = 2
[lorawan]
adr = "ns3"
duty_cycle = "delay"
"#;
    let s = scenario(text);
    let go = |step: u64, threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        let r = pool.install(|| {
            sim::run(&s, RunOptions { step: citytwin::time::SimTime::from_secs(step), ..Default::default() })
        });
        crate::common::fingerprint(&r)
    };
    let base = go(10, 1);
    assert_eq!(base, go(10, 2));
    assert_eq!(base, go(97, 2));
}
