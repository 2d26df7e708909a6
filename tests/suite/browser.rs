//! report.html in a real browser: headless Chromium (Debian's `chromium`, which `.ci/run`
//! installs) opens the page of a real run from disk with the network off, and must log nothing
//! to its console, lay out every chart and table, and paint a screenshot.
//!
//! Set `CITYTWIN_SKIP_BROWSER=1` to skip on a machine without Chromium; CI never sets it.

use std::path::Path;
use std::process::Command;

use citytwin::output::charts::RUN_CHARTS;

use crate::common;

/// Runs headless Chromium on `page` with `extra` flags; returns (stdout, stderr).
fn chromium(page: &Path, profile: &Path, extra: &[&str]) -> (String, String) {
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // Log the page's console (and any uncaught error) to stderr as `INFO:CONSOLE` lines.
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot start chromium ({e}); install Debian's `chromium` (.ci/run does)"));
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn report_html_renders_in_headless_chromium_with_no_console_errors() {
    if std::env::var_os("CITYTWIN_SKIP_BROWSER").is_some() {
        eprintln!("skipped: CITYTWIN_SKIP_BROWSER is set");
        return;
    }
    // A run with every section: a pipeline, failures and privacy designs.
    let sc = common::shipped("scenarios/bad-day.toml", &["scenario.duration=\"3h\""]);
    let report = common::run(&sc);
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("results");
    citytwin::output::write_results(&report, &dir).expect("write results");
    let page = dir.join("report.html");

    let (dom, log) = chromium(&page, &tmp.path().join("profile-dom"), &["--dump-dom"]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages:\n{}", console.join("\n"));
    // The parsed DOM holds every chart as inline SVG and the summary tables.
    for chart in RUN_CHARTS {
        assert!(dom.contains(&format!("<figure id=\"{chart}\"><svg")), "chart {chart} missing from the DOM");
    }
    for section in ["Delivery", "Resilience", "Transparency register", "Five principles", "Charts"] {
        assert!(dom.contains(&format!("<h2>{section}</h2>")), "section {section} missing from the DOM");
    }
    assert!(dom.trim_end().ends_with("</html>"));

    // It paints: a full-width screenshot with more than a blank page's worth of content.
    let shot = tmp.path().join("shot.png");
    let (_, log) = chromium(
        &page,
        &tmp.path().join("profile-shot"),
        &["--window-size=1280,3000", &format!("--screenshot={}", shot.display())],
    );
    assert!(!log.contains(":CONSOLE"), "{log}");
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    assert!(png.len() > 50_000, "a {}-byte screenshot is too plain to hold the charts", png.len());
}
