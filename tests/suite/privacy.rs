//! Privacy in a full run (REFERENCE.md §5 and §6): the shipped pedestrian-counting scenario
//! ranks its four designs as the closed forms say (raw MACs and unsalted hashes reversible and
//! linkable across days, a daily salt unlinkable across days, on-device counting releasing no
//! identifier); hourly Laplace releases under a daily budget spend exactly that budget for
//! someone seen every hour, with an RMSE near sqrt(2)/epsilon per count; the register and the
//! scorecard say what is missing; personal data without purpose or retention is flagged.

use std::process::Command;

use citytwin::metrics::report::Status;

use crate::common::{run, scenario, shipped};

#[test]
fn the_four_designs_leak_what_their_closed_forms_say() {
    let r = run(&shipped(
        "scenarios/pedestrian-counting.toml",
        &["privacy.days=3", "privacy.sample=0.02", "scenario.duration=3d"],
    ));
    let p = r.privacy.as_ref().expect("privacy block");
    assert!(p.people_sighted > p.people as u64 / 2, "{} of {} seen", p.people_sighted, p.people);
    let d = |name: &str| p.designs.iter().find(|d| d.name == name).expect("design");
    for name in ["raw MACs", "hashed"] {
        let x = d(name);
        assert!(x.reversible, "{name}");
        assert_eq!((x.linkable_across_sensors, x.linkable_across_days), (1.0, Some(1.0)), "{name}");
    }
    let rotated = d("rotated daily");
    assert!(!rotated.reversible);
    assert_eq!(rotated.linkable_across_days, Some(0.0), "a daily salt leaves no cross-day links");
    assert!(rotated.linkable_across_sensors > 0.99, "the same salt all day links a day's sensors");
    assert!(rotated.k.is_some_and(|k| k >= 5), "k = 5 suppression: {:?}", rotated.k);
    // Unicity grows with the number of points an adversary knows.
    let u = &d("raw MACs").unicity;
    assert!(u.windows(2).all(|w| w[1] >= w[0] - 0.02) && u[4] > u[0], "{u:?}");
    let dp = d("DP counts");
    assert_eq!((dp.records_leaving_edge, dp.linkable_across_sensors), (0, 0.0));
    // 24 hourly releases under a daily budget of 1: someone seen in every hour spends exactly 1.
    let eps = dp.epsilon_per_person_day.expect("noisy design");
    assert!((eps - 1.0).abs() < 1e-9, "{eps}");
    // Laplace with b = 24 per count (clamped at zero, then suppressed below 5) misses by about
    // sqrt(2) * 24 = 33.9 on counts well above zero; on this sparse table the clamp halves it.
    assert!(dp.count_rmse > 10.0 && dp.count_rmse < 40.0, "{}", dp.count_rmse);
    let curve = &p.curves.epsilon_vs_rmse;
    assert!(curve.windows(2).all(|w| w[1].1 < w[0].1), "error falls as epsilon grows: {curve:?}");
    let rot = &p.curves.rotation_vs_linkability;
    let daily = rot.iter().find(|x| x.0 == 24).expect("1 d");
    let never = rot.iter().find(|x| x.0 == 0).expect("never");
    assert_eq!((daily.2, never.2), (Some(0.0), Some(1.0)));
    // The register: one record, identifiable technology signed yellow unless de-identified.
    assert_eq!(r.register.len(), 1);
    let rec = &r.register[0];
    assert_eq!((rec.technology, rec.sign_colour), ("identifiable_wifi_sensor", Some("#36B2E6")));
    assert!(rec.processing.contains(&"de_identified") && rec.processing.contains(&"k_anonymity"));
    assert!(rec.missing.is_empty(), "{:?}", rec.missing);
    let status = |principle: &str, id: &str| {
        r.principles
            .iter()
            .find(|p| p.principle == principle)
            .and_then(|p| p.checks.iter().find(|c| c.id == id))
            .map(|c| c.status)
    };
    assert_eq!(status("privacy & transparency", "register_complete"), Some(Status::Pass));
    assert_eq!(status("data management", "k_anonymity"), Some(Status::Pass));
    assert_eq!(status("data management", "privacy_budget"), Some(Status::Warn), "no noise on the deployed design");
    assert_eq!(status("security & resilience", "failures_rehearsed"), Some(Status::Warn));
}

const COUNTERS: &str = "[scenario]\nname = \"counters\"\nduration = \"1h\"\n[city]\narea_km2 = 1.0\n\
                        [[sensors]]\nkind = \"wifi_ble_counter\"\ncount = 5\n[[gateways]]\ncount = 1\n";

#[test]
fn personal_data_without_purpose_or_retention_is_flagged() {
    let s = scenario(COUNTERS);
    let keys: Vec<&str> = s.warnings.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(keys, ["sensors[0].data.purpose", "sensors[0].data.retention"]);
    let r = run(&s);
    let rec = &r.register[0];
    assert_eq!(rec.sign_colour, Some("#FFDD00"), "identifiable without a handling design");
    assert!(rec.missing.contains(&"retention") && rec.missing.contains(&"data handling design ([privacy])"));
    let fails: Vec<&str> =
        r.principles.iter().flat_map(|p| p.checks.iter()).filter(|c| c.status == Status::Fail).map(|c| c.id).collect();
    assert_eq!(fails, ["purpose_declared", "retention_declared"]);
    // Strict mode makes them errors: exit code 2 with file, line and key.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = COUNTERS.to_string()
        + "[privacy]\nstrict = true\n[[privacy.designs]]\nname = \"on device\"\nidentifiers = \"on-device\"\n";
    std::fs::write(dir.path().join("s.toml"), text).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_citytwin"))
        .args(["validate", "s.toml"])
        .current_dir(dir.path())
        .output()
        .expect("run citytwin");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("key `sensors[0].data.retention`") && err.contains("strict = true"), "{err}");
}

#[test]
fn each_stream_names_its_own_handling_design() {
    // Two counter groups: one handled by the deployed (on-device) design, one by raw MACs. The
    // register says so per record, and the scorecard holds the city to the weaker one.
    let text = COUNTERS.replace("count = 5\n", "count = 5\ndata = { purpose = \"mobility\", retention = \"30d\" }\n")
        + "[[sensors]]\nname = \"legacy\"\nkind = \"wifi_ble_counter\"\ncount = 3\n\
           data = { purpose = \"mobility\", retention = \"30d\", handling = \"raw\" }\n\
           [privacy]\npeople = 200\ndays = 1\n\
           [[privacy.designs]]\nname = \"counts\"\nidentifiers = \"on-device\"\n\
           [[privacy.designs]]\nname = \"raw\"\nidentifiers = \"raw\"\n";
    let r = run(&scenario(&text));
    let processing: Vec<&str> = r.register.iter().map(|e| e.processing[0]).collect();
    assert_eq!(processing, ["aggregated", "raw_data"]);
    let anonymised = r.principles[0].checks.iter().find(|c| c.id == "anonymised_before_release").expect("check");
    assert_eq!(anonymised.status, Status::Fail, "{}", anonymised.reason);
    assert!(anonymised.reason.contains("\"raw\""), "{}", anonymised.reason);
}
