//! Malformed scenario files: each must exit with code 2, name the file, line, column and key
//! path, say what was expected (with a hint where one helps), and leave no results behind.

use std::path::Path;
use std::process::Command;

const GOOD: &str = r#"[scenario]
name = "ok"
duration = "1h"

[city]
preset = "new-york"
districts = [{ name = "A", share = 0.5 }, { name = "B", share = 0.5 }]

[[sensors]]
kind = "parking"
count = 10

[[gateways]]
count = 1

[slo]
delivery_ratio_min = 0.9
"#;

struct Case {
    name: &'static str,
    /// (text to replace, replacement) applied to GOOD.
    edit: (&'static str, &'static str),
    /// Expected `file:line:` prefix line number.
    line: usize,
    /// Expected key path.
    key: &'static str,
    /// Text the message or hint must contain.
    says: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "unknown placeholder in a live payload template",
        edit: (
            "delivery_ratio_min = 0.9",
            "delivery_ratio_min = 0.9\n\n[live.kinds.parking]\npayload = '{\"occupied\":{occupid}}'",
        ),
        line: 20,
        key: "live.kinds.parking.payload",
        says: "unknown placeholder {occupid}",
    },
    Case {
        name: "live payload template that is not JSON",
        edit: (
            "delivery_ratio_min = 0.9",
            "delivery_ratio_min = 0.9\n\n[live.kinds.parking]\npayload = '{\"bay\":{id}x}'",
        ),
        line: 20,
        key: "live.kinds.parking.payload",
        says: "not JSON",
    },
    Case {
        name: "wildcard in a live topic template",
        edit: ("delivery_ratio_min = 0.9", "delivery_ratio_min = 0.9\n\n[live]\ntopic = \"city/+/{sensor}\""),
        line: 20,
        key: "live.topic",
        says: "wildcards",
    },
    Case {
        name: "unknown sensor kind in live templates",
        edit: ("delivery_ratio_min = 0.9", "delivery_ratio_min = 0.9\n\n[live.kinds.parkng]\ntopic = \"p/{id}\""),
        line: 19,
        key: "live.kinds.parkng",
        says: "did you mean \"parking\"?",
    },
    Case {
        name: "unknown key",
        edit: ("count = 10", "cuont = 10"),
        line: 11,
        key: "sensors[0].cuont",
        says: "did you mean `count`?",
    },
    Case {
        name: "wrong type",
        edit: ("count = 10", "count = \"ten\""),
        line: 11,
        key: "sensors[0].count",
        says: "invalid type",
    },
    Case {
        name: "out of range",
        edit: ("delivery_ratio_min = 0.9", "delivery_ratio_min = 1.5"),
        line: 17,
        key: "slo.delivery_ratio_min",
        says: "outside [0, 1]",
    },
    Case {
        name: "unknown preset",
        edit: ("\"new-york\"", "\"new-yrok\""),
        line: 6,
        key: "city.preset",
        says: "did you mean \"new-york\"?",
    },
    Case {
        name: "bad duration",
        edit: ("\"1h\"", "\"1 hour\""),
        line: 3,
        key: "scenario.duration",
        says: "expected a duration",
    },
    Case {
        name: "unknown enum value",
        edit: ("count = 10", "count = 10\nradio = \"lorawn\""),
        line: 12,
        key: "sensors[0].radio",
        says: "did you mean \"lorawan\"?",
    },
    Case {
        name: "unknown sensor kind",
        edit: ("\"parking\"", "\"parkign\""),
        line: 10,
        key: "sensors[0].kind",
        says: "did you mean \"parking\"?",
    },
    Case {
        name: "shares",
        edit: ("share = 0.5 }]", "share = 0.6 }]"),
        line: 7,
        key: "city.districts",
        says: "add up to 1.1",
    },
    Case {
        name: "LoRaWAN option on an NB-IoT group",
        edit: ("count = 10", "count = 10\nradio = \"nbiot\"\nspreading_factor = 9"),
        line: 13,
        key: "sensors[0].spreading_factor",
        says: "is a LoRaWAN setting",
    },
    Case {
        name: "a gateway group named after a device radio",
        edit: ("[[gateways]]\ncount = 1", "[[gateways]]\ncount = 1\nradio = \"nbiot\""),
        line: 15,
        key: "gateways[0].radio",
        says: "use radio = \"cellular\" for cell sites",
    },
    Case {
        name: "a stream on a LoRaWAN group",
        edit: ("count = 10", "count = 10\nstream_bitrate = \"4Mbit/s\""),
        line: 12,
        key: "sensors[0].stream_bitrate",
        says: "continuous streams are modelled on wifi and wired links",
    },
    Case {
        name: "NB-IoT sensors without cell sites",
        edit: ("count = 10", "count = 10\nradio = \"nbiot\""),
        line: 1,
        key: "",
        says: "add a [[gateways]] table with radio = \"cellular\"",
    },
    Case {
        name: "a start date that does not exist",
        edit: ("duration = \"1h\"", "duration = \"1h\"\nstart = \"2026-02-30\""),
        line: 4,
        key: "scenario.start",
        says: "write it as \"YYYY-MM-DD\"",
    },
    Case {
        name: "a replacement threshold above 1",
        edit: ("[slo]", "[energy]\nreplace_at = 1.5\n[slo]"),
        line: 17,
        key: "energy.replace_at",
        says: "outside [0, 1)",
    },
    Case {
        name: "a current without a unit",
        edit: ("count = 10", "count = 10\nsleep_current = 20"),
        line: 12,
        key: "sensors[0].sleep_current",
        says: "expected a string with a unit such as \"20uA\"",
    },
    Case {
        name: "a polygon of two points",
        edit: (
            "[slo]",
            "[[failures]]\nkind = \"storm\"\nat = \"0s\"\nlasts = \"1h\"\n\
             area = { polygon = [{ x = 0, y = 0 }, { x = 10, y = 0 }] }\n[slo]",
        ),
        line: 20,
        key: "failures[0].area.polygon",
        says: "a polygon needs at least 3",
    },
    Case {
        name: "a jammer's key on a storm",
        edit: (
            "[slo]",
            "[[failures]]\nkind = \"storm\"\nat = \"0s\"\nlasts = \"1h\"\nnoise_rise = \"10dB\"\n\
             area = { center = { x = 0, y = 0 }, radius = \"1km\" }\n[slo]",
        ),
        line: 20,
        key: "failures[0].noise_rise",
        says: "it is for kind = \"jamming\"",
    },
    Case {
        name: "a compromise of an unknown sensor group",
        edit: (
            "[slo]",
            "[[failures]]\nkind = \"compromised\"\ngroup = \"parkin\"\nattack = \"spoof\"\nat = \"0s\"\n[slo]",
        ),
        line: 18,
        key: "failures[0].group",
        says: "did you mean \"parking\"?",
    },
    Case { name: "syntax", edit: ("name = \"ok\"", "name = \"ok"), line: 2, key: "", says: "TOML syntax error" },
    Case { name: "unknown section", edit: ("[slo]", "[sla]"), line: 16, key: "sla", says: "did you mean `slo`?" },
];

fn citytwin(args: &[&str], dir: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_citytwin")).args(args).current_dir(dir).output().expect("run citytwin");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_good_file_is_valid() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("s.toml"), GOOD).expect("write");
    let (code, err) = citytwin(&["validate", "s.toml"], dir.path());
    assert_eq!(code, 0, "{err}");
}

#[test]
fn each_malformed_file_exits_2_with_line_and_key() {
    for case in CASES {
        assert!(GOOD.contains(case.edit.0), "{}: edit target missing", case.name);
        let text = GOOD.replacen(case.edit.0, case.edit.1, 1);
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("bad.toml"), &text).expect("write");
        let (code, err) = citytwin(&["run", "bad.toml", "--out", "results", "--quiet"], dir.path());
        assert_eq!(code, 2, "{}: exit code; stderr:\n{err}", case.name);
        assert!(
            err.contains(&format!("bad.toml:{}:", case.line)),
            "{}: expected line {} in:\n{err}",
            case.name,
            case.line
        );
        assert!(err.contains(&format!("key `{}`", case.key)), "{}: expected key `{}` in:\n{err}", case.name, case.key);
        assert!(err.contains(case.says), "{}: expected {:?} in:\n{err}", case.name, case.says);
        let left: Vec<_> =
            std::fs::read_dir(dir.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("bad.toml")], "{}: nothing but the scenario is left", case.name);
    }
}

#[test]
fn all_problems_are_reported_at_once_in_file_order() {
    let text = GOOD
        .replacen("count = 10", "cuont = 10", 1)
        .replacen("\"new-york\"", "\"nyc-ish\"", 1)
        .replacen("0.9", "7.0", 1)
        .replacen("\"1h\"", "\"1y\"", 1);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("bad.toml"), &text).expect("write");
    let (code, err) = citytwin(&["validate", "bad.toml"], dir.path());
    assert_eq!(code, 2);
    // A misspelt key, the required key it hides, a bad unit, an unknown preset and an
    // out-of-range SLO sit in four different sections: all five are reported, in line order.
    let expected = [
        ("scenario.duration", 3),
        ("city.preset", 6),
        ("sensors[0]", 9),
        ("sensors[0].cuont", 11),
        ("slo.delivery_ratio_min", 17),
    ];
    assert!(err.contains("5 problems in the scenario"), "{err}");
    let mut last = 0;
    for (key, line) in expected {
        let at = err.find(&format!("bad.toml:{line}:")).unwrap_or_else(|| panic!("line {line} missing in:\n{err}"));
        assert!(
            err[at..].lines().next().is_some_and(|l| l.contains(&format!("key `{key}`"))),
            "{key} at line {line}:\n{err}"
        );
        assert!(at > last, "problems in file order:\n{err}");
        last = at;
    }
}

#[test]
fn bad_set_flags_and_missing_files_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("s.toml"), GOOD).expect("write");
    let (code, err) = citytwin(&["validate", "s.toml", "--set", "sensors[3].count=5"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--set sensors[3].count=5"), "{err}");
    let (code, err) = citytwin(&["validate", "s.toml", "--set", "sensors[0].count=abc"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("key `sensors[0].count`"), "{err}");
    let (code, err) = citytwin(&["run", "missing.toml"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing.toml"), "{err}");
    let (code, _) = citytwin(&["run", "s.toml", "--no-such-flag"], dir.path());
    assert_eq!(code, 2);
}

#[test]
fn us915_dwell_time_rejects_a_fixed_sf12() {
    let text = GOOD.replacen("count = 10", "count = 10\nspreading_factor = 12", 1).replacen(
        "[slo]",
        "[lorawan]\nregion = \"US915\"\n\n[slo]",
        1,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("bad.toml"), &text).expect("write");
    let (code, err) = citytwin(&["validate", "bad.toml"], dir.path());
    // Parking's 6 B + 13 B at SF12 take 1.155 s on air; US915 allows 400 ms per transmission.
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.toml:12:") && err.contains("key `sensors[0].spreading_factor`"), "{err}");
    assert!(err.contains("US915 allows 400 ms"), "{err}");
}
