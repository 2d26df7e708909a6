//! `report.html`: one self-contained page a planner can open or mail: the headline figures,
//! losses by cause, districts and objectives, the resilience, pipeline and privacy results, the
//! transparency register and the five-principles scorecard as tables, and every chart inline as
//! SVG. No script, no external stylesheet, font or image: it renders offline in any browser.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use super::OutputError;
use crate::metrics::report::{Report, Status};

/// File name inside the results folder.
pub const FILE_NAME: &str = "report.html";

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:2em auto;max-width:1200px;\
color:#222;line-height:1.4}h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}th,td{border:1px solid #ddd;padding:.25em .6em;\
text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right}.pass{background:#dff0d8}\
.warn{background:#fcf8e3}.fail{background:#f2dede}figure{margin:1em 0}figure svg{max-width:100%;height:auto}\
figcaption{color:#555;font-size:.9em}.sign{display:inline-block;width:1em;height:1em;border:1px solid #999}";

/// `s` with HTML's special characters escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A table from a header and rows of already-escaped cells (a cell starting with `=` is
/// right-aligned as a number, without the `=`).
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            match cell.strip_prefix('=') {
                Some(n) => {
                    let _ = write!(out, "<td class=\"n\">{n}</td>");
                }
                None => {
                    let _ = write!(out, "<td>{cell}</td>");
                }
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>\n");
}

fn status(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
    }
}

/// The page, with `charts` as (name, SVG text) in order.
pub fn render_html(r: &Report, charts: &[(String, String)]) -> String {
    let mut o = String::new();
    let name = escape(&r.scenario.name);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name} — citytwin report</title>\
         <style>{STYLE}</style></head><body>\n<h1>{name}</h1>\n<p>citytwin {} (build {}) · seed {} · {:.1} simulated hours · \
         {} sensors, {} gateways, {} cell sites, {} access points · scenario file {} (sha256 {})</p>\n",
        r.citytwin_version,
        escape(r.citytwin_build),
        r.seed,
        r.simulated_seconds / 3600.0,
        r.entities.sensors,
        r.entities.gateways,
        r.entities.cell_sites,
        r.entities.access_points,
        escape(&r.scenario.file),
        escape(&r.scenario.sha256)
    );
    let u = &r.uplinks;
    o.push_str("<h2>Delivery</h2>\n");
    let mut rows = vec![
        vec!["readings generated".into(), format!("={}", u.generated)],
        vec!["delivered".into(), format!("={}", u.delivered)],
        vec!["delivery ratio".into(), format!("={:.4}", u.delivery_ratio)],
        vec![
            "latency p50 / p95 / p99 / max, ms".into(),
            format!(
                "={:.1} / {:.1} / {:.1} / {:.1}",
                r.latency_ms.p50, r.latency_ms.p95, r.latency_ms.p99, r.latency_ms.max
            ),
        ],
    ];
    rows.extend(
        u.lost.iter().filter(|(_, n)| **n > 0).map(|(c, n)| vec![format!("lost: {}", escape(c)), format!("={n}")]),
    );
    table(&mut o, &["", "value"], &rows);
    let scope_rows = |v: &[crate::metrics::report::ScopeReport]| -> Vec<Vec<String>> {
        v.iter()
            .map(|d| {
                let lost: Vec<String> = d.lost.iter().map(|(c, n)| format!("{c} {n}")).collect();
                vec![
                    escape(&d.name),
                    format!("={}", d.sensors),
                    format!("={:.4}", d.delivery_ratio),
                    escape(&lost.join(", ")),
                ]
            })
            .collect()
    };
    table(&mut o, &["district", "sensors", "delivery ratio", "lost by cause"], &scope_rows(&r.districts));
    table(&mut o, &["sensor group", "sensors", "delivery ratio", "lost by cause"], &scope_rows(&r.groups));
    if !r.slo.checks.is_empty() {
        o.push_str("<h2>Objectives</h2>\n");
        let rows: Vec<Vec<String>> = r
            .slo
            .checks
            .iter()
            .map(|c| {
                let cls = if c.ok { "pass" } else { "fail" };
                vec![
                    escape(c.name),
                    escape(c.design.as_deref().unwrap_or("")),
                    format!("={}", c.threshold),
                    format!("={:.4}", c.actual),
                    format!("<span class=\"{cls}\">{}</span>", if c.ok { "met" } else { "breached" }),
                ]
            })
            .collect();
        table(&mut o, &["objective", "design", "threshold", "measured", ""], &rows);
    }
    let res = &r.resilience;
    if !res.failures.is_empty() {
        o.push_str("<h2>Resilience</h2>\n");
        let rows: Vec<Vec<String>> = res
            .failures
            .iter()
            .map(|f| {
                vec![
                    escape(f.kind),
                    escape(&f.scope),
                    format!("={:.1}–{:.1}", f.start_h, f.end_h),
                    format!("={:.4}", f.before),
                    format!("={:.4}", f.lowest),
                    f.recovered_after_h.map_or_else(|| "not within the run".into(), |h| format!("={h:.2}")),
                ]
            })
            .collect();
        table(&mut o, &["failure", "scope", "hours", "delivery before", "lowest", "recovered after, h"], &rows);
        let rows: Vec<Vec<String>> = res
            .kinds
            .iter()
            .map(|k| {
                vec![
                    escape(&k.kind),
                    format!("={}", k.sensors),
                    format!("={:.4}", k.availability),
                    format!("={:.3}", k.coverage_mean),
                    format!("={:.3} at {:.1} h", k.coverage_min, k.coverage_min_at_h),
                ]
            })
            .collect();
        table(&mut o, &["sensor kind", "sensors", "availability", "grid coverage, mean", "lowest"], &rows);
    }
    if let Some(p) = &r.pipeline {
        o.push_str("<h2>Pipeline designs</h2>\n");
        let rows: Vec<Vec<String>> = p
            .comparison
            .iter()
            .map(|d| {
                vec![
                    escape(&d.name),
                    format!("={}", d.readings_in),
                    format!("={}", d.readings_out),
                    format!("={:.4}", d.delivery_ratio),
                    format!("={:.1} / {:.1} / {:.1}", d.latency_ms.p50, d.latency_ms.p99, d.latency_ms.p999),
                    format!("{} ({:.0} % busy)", escape(&d.bottleneck), d.bottleneck_utilisation * 100.0),
                ]
            })
            .collect();
        table(
            &mut o,
            &["design", "readings in", "out", "delivery ratio", "p50 / p99 / p99.9 ms", "busiest hop"],
            &rows,
        );
    }
    if let Some(l) = &r.live {
        live_section(&mut o, l);
    }
    if let Some(p) = &r.privacy {
        let _ = writeln!(
            o,
            "<h2>Privacy</h2>\n<p>{} simulated people over {} days past {} identifying sensors; {} of them sighted. \
             Deployed design: {}.</p>",
            p.people,
            p.days,
            p.identifying_sensors,
            p.people_sighted,
            escape(&p.deployed)
        );
        let rows: Vec<Vec<String>> = p
            .designs
            .iter()
            .map(|d| {
                vec![
                    escape(&d.name),
                    escape(d.identifiers),
                    if d.reversible { "yes".into() } else { "no".into() },
                    format!("={:.1} %", d.linkable_across_sensors * 100.0),
                    d.linkable_across_days.map_or_else(|| "–".into(), |x| format!("={:.1} %", x * 100.0)),
                    format!("={:.0} %", d.unicity.get(3).copied().unwrap_or(0.0) * 100.0),
                    d.k.map_or_else(|| "–".into(), |k| format!("={k}")),
                    d.epsilon_per_person_day.map_or_else(|| "unbounded".into(), |e| format!("={e:.3}")),
                    format!("={:.2}", d.count_rmse),
                ]
            })
            .collect();
        let header = [
            "design",
            "identifiers",
            "reversible",
            "linkable, sensors",
            "linkable, days",
            "unicity at 4 points",
            "k",
            "ε per person-day",
            "count RMSE",
        ];
        table(&mut o, &header, &rows);
    }
    o.push_str("<h2>Transparency register</h2>\n");
    let rows: Vec<Vec<String>> = r
        .register
        .iter()
        .map(|e| {
            let opt = |v: &Option<String>| escape(v.as_deref().unwrap_or("not declared"));
            let sign = e
                .sign_colour
                .map_or_else(String::new, |c| format!("<span class=\"sign\" style=\"background:{c}\"></span> "));
            vec![
                format!("{}<b>{}</b><br>{} × {}", sign, escape(&e.group), e.devices, escape(e.title)),
                escape(&e.purpose),
                opt(&e.accountable),
                format!("{}<br>{}", escape(e.technology), escape(e.data_type)),
                escape(&e.processing.join(", ")),
                opt(&e.storage),
                escape(&e.retention),
                opt(&e.access),
                format!(
                    "{}; personal data: {}; legal ground: {}; connectivity {}; {} power; {}",
                    escape(e.classification),
                    if e.contains_personal_data { "yes" } else { "no" },
                    opt(&e.legal_ground),
                    escape(e.connectivity),
                    escape(e.power_source),
                    escape(&e.location)
                ),
                escape(&e.missing.join(", ")),
            ]
        })
        .collect();
    table(
        &mut o,
        &[
            "group",
            "purpose",
            "accountable",
            "technology and data",
            "processing",
            "storage",
            "retention",
            "access",
            "more",
            "missing",
        ],
        &rows,
    );
    o.push_str("<h2>Five principles</h2>\n");
    for p in &r.principles {
        let _ = writeln!(o, "<h3 class=\"{0}\">{1}: {0}</h3>", status(p.status), escape(p.principle));
        let rows: Vec<Vec<String>> = p
            .checks
            .iter()
            .map(|c| vec![escape(c.id), format!("<span class=\"{0}\">{0}</span>", status(c.status)), escape(&c.reason)])
            .collect();
        table(&mut o, &["check", "status", "reason"], &rows);
    }
    o.push_str("<h2>Charts</h2>\n");
    for (chart, svg) in charts {
        let svg = svg.trim_start_matches(|c: char| c != '<');
        let svg = match svg.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or(rest, |(_, s)| s),
            None => svg,
        };
        let _ = writeln!(o, "<figure id=\"{0}\">{1}<figcaption>{0}</figcaption></figure>", escape(chart), svg.trim());
    }
    o.push_str("</body></html>\n");
    o
}

/// The live load test: what went out, what came back, what was lost and why, per topic group.
fn live_section(o: &mut String, l: &crate::live::LiveReport) {
    let _ = writeln!(
        o,
        "<h2>Live load test</h2>\n<p>Broker {}, QoS {}, speed {}, {} publishing and {} subscribing \
         connections, {:.1} s wall clock. Every message is received, unsent or lost: {}.</p>",
        escape(&l.broker),
        l.qos,
        escape(&l.speed),
        l.connections,
        l.subscribers,
        l.wall_seconds,
        if l.accounted { "all accounted for" } else { "NOT all accounted for" }
    );
    if !l.accounting_errors.is_empty() {
        let _ = writeln!(o, "<p><strong>Accounting failed:</strong> {}</p>", escape(&l.accounting_errors.join("; ")));
    }
    let rows = vec![
        vec!["planned".into(), format!("={}", l.planned)],
        vec!["published".into(), format!("={}", l.published)],
        vec!["acknowledged".into(), l.acknowledged.map_or_else(|| "– (QoS 0)".into(), |a| format!("={a}"))],
        vec!["received".into(), format!("={}", l.received)],
        vec![
            "unsent (late / queue full / disconnected)".into(),
            format!("={} ({} / {} / {})", l.unsent.total, l.unsent.late, l.unsent.queue_full, l.unsent.disconnected),
        ],
        vec![
            "lost (in outage / dropped by broker / missing)".into(),
            format!(
                "={} ({} / {} / {})",
                l.lost.total, l.lost.in_outage, l.lost.dropped_by_broker, l.lost.missing_at_end
            ),
        ],
        vec!["foreign (other publishers on the topics, not counted)".into(), format!("={}", l.foreign)],
        vec!["delivery ratio".into(), format!("={:.4}", l.delivery_ratio)],
        vec!["published / received per s".into(), format!("={:.0} / {:.0}", l.published_per_s, l.received_per_s)],
        vec![
            "latency p50 / p99 / max ms".into(),
            format!("={:.2} / {:.2} / {:.2}", l.latency_ms.p50, l.latency_ms.p99, l.latency_ms.max),
        ],
    ];
    table(o, &["live", "count"], &rows);
    let topics: Vec<Vec<String>> = l
        .topics
        .iter()
        .map(|t| {
            vec![
                escape(&t.topic),
                escape(&t.district),
                format!("={}", t.published),
                t.acknowledged.map_or_else(|| "–".into(), |a| format!("={a}")),
                format!("={}", t.received),
                format!("={}", t.unsent),
                format!("={} ({} by broker)", t.lost, t.dropped_by_broker),
                format!("={:.2}", t.p99_ms),
            ]
        })
        .collect();
    let head = ["topic group", "district", "published", "acknowledged", "received", "unsent", "lost", "p99 ms"];
    table(o, &head, &topics);
    if !l.outages.is_empty() {
        let outages: Vec<Vec<String>> = l
            .outages
            .iter()
            .map(|x| {
                vec![
                    escape(&x.client),
                    format!("={:.2}", x.start_s),
                    x.end_s.map_or_else(|| "not back".into(), |e| format!("={e:.2}")),
                    escape(&x.error),
                ]
            })
            .collect();
        table(o, &["connection", "down at s", "back at s", "error"], &outages);
    }
}

/// Writes the page to `path`, inlining the SVG charts of `charts_dir` in `names` order.
pub fn write_report_html(r: &Report, charts_dir: &Path, names: &[&str], path: &Path) -> Result<(), OutputError> {
    let mut charts = Vec::new();
    for name in names {
        let file = charts_dir.join(format!("{name}.svg"));
        let svg = fs::read_to_string(&file).map_err(OutputError::io(&file))?;
        charts.push((name.to_string(), svg));
    }
    fs::write(path, render_html(r, &charts)).map_err(OutputError::io(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::sample_report;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn the_page_is_self_contained_and_holds_every_section_and_chart() {
        let mut r = sample_report();
        r.scenario.name = "Tom & Jerry's <city>".into();
        let charts = vec![("delivery_ratio".to_string(), "<?xml version=\"1.0\"?>\n<svg><rect/></svg>\n".to_string())];
        let html = render_html(&r, &charts);
        assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
        assert!(html.contains("Tom &amp; Jerry&#39;s &lt;city&gt;"));
        for section in ["Delivery", "Transparency register", "Five principles", "Charts"] {
            assert!(html.contains(&format!("<h2>{section}</h2>")), "{section}");
        }
        assert!(html.contains("<figure id=\"delivery_ratio\"><svg><rect/></svg>"), "the XML prolog is dropped");
        // Nothing to fetch: no scripts, stylesheets or images from elsewhere.
        for banned in ["<script", "<link", "src=\"http", "<img", "@import"] {
            assert!(!html.contains(banned), "{banned}");
        }
        // Every opened table is closed.
        assert_eq!(html.matches("<table>").count(), html.matches("</table>").count());
    }
}
