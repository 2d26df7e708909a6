//! `timeseries.csv`: the report's time series in tidy long format `time_s,metric,scope,value`,
//! one row per sample, so pandas, R and spreadsheets read it without reshaping. Numbers are
//! written in Rust's shortest round-trip form, so the file is byte-stable across runs and
//! parses back to the exact `f64`.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::OutputError;
use crate::metrics::report::{Report, Sample};

/// File name inside the results folder.
pub const FILE_NAME: &str = "timeseries.csv";

/// The header line, without its newline.
pub const HEADER: &str = "time_s,metric,scope,value";

/// Formats a number for the CSV: shortest text that parses back to the same `f64`, with whole
/// numbers written without a fractional part ("900", not "900.0"), never in exponent form, `-0`
/// as `0`, infinities as `inf`/`-inf`, and NaN as an empty field, which every CSV reader
/// treats as a missing value.
pub fn format_number(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else if x == 0.0 {
        // Also folds -0.0, whose sign carries no meaning in a time series.
        "0".to_string()
    } else {
        // `Display` for f64 is already shortest-round-trip, prints no ".0" on whole numbers and
        // uses no exponent, which is exactly the stable, parseable form wanted here.
        format!("{x}")
    }
}

/// Quotes a field per RFC 4180 only when it holds a comma, a quote or a line break.
pub fn quote_field(field: &str) -> std::borrow::Cow<'_, str> {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\"")).into()
    } else {
        field.into()
    }
}

/// Appends one CSV line (with `\n`) for `sample` to `out`.
fn push_row(out: &mut String, sample: &Sample) {
    // Writing into a String cannot fail.
    let _ = writeln!(
        out,
        "{},{},{},{}",
        format_number(sample.time_s),
        quote_field(sample.metric),
        quote_field(&sample.scope),
        format_number(sample.value),
    );
}

/// The whole CSV as text: header then one line per row, in the report's order.
pub fn render_timeseries(report: &Report) -> String {
    let mut out = String::with_capacity(32 * (report.timeseries.rows.len() + 1));
    out.push_str(HEADER);
    out.push('\n');
    for sample in &report.timeseries.rows {
        push_row(&mut out, sample);
    }
    out
}

/// Writes the CSV to `path`, streaming rows so a long run's series is never held twice.
pub fn write_timeseries(report: &Report, path: &Path) -> Result<(), OutputError> {
    let file = File::create(path).map_err(OutputError::io(path))?;
    let mut writer = BufWriter::new(file);
    let mut line = String::with_capacity(64);
    writeln!(writer, "{HEADER}").map_err(OutputError::io(path))?;
    for sample in &report.timeseries.rows {
        line.clear();
        push_row(&mut line, sample);
        writer.write_all(line.as_bytes()).map_err(OutputError::io(path))?;
    }
    // Flush explicitly: BufWriter's drop would swallow a late write error.
    writer.flush().map_err(OutputError::io(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::report::TimeSeries;
    use crate::output::sample_report;

    /// Splits one CSV line into fields, undoing RFC 4180 quoting (enough for our own output).
    fn parse_line(line: &str) -> Vec<String> {
        let mut fields = vec![String::new()];
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    fields.last_mut().expect("field").push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => fields.push(String::new()),
                (c, _) => fields.last_mut().expect("field").push(c),
            }
        }
        fields
    }

    fn sample(time_s: f64, metric: &'static str, scope: &str, value: f64) -> Sample {
        Sample { time_s, metric, scope: scope.to_string(), value }
    }

    #[test]
    fn header_and_rows_are_exact() {
        let mut report = sample_report();
        report.timeseries = TimeSeries {
            bucket_s: 900.0,
            rows: vec![
                sample(0.0, "delivery_ratio", "city", 1.0),
                sample(0.0, "delivery_ratio", "district:Chelsea, West", 0.975),
                sample(900.0, "uplinks_generated", "group:\"air\"", 1234.0),
                sample(1800.5, "latency_p99_ms", "gateway:gw-3", 0.1 + 0.2),
                sample(2700.0, "delivery_ratio", "city", f64::NAN),
                sample(3600.0, "delivery_ratio", "city", -0.0),
            ],
        };
        let text = render_timeseries(&report);
        assert_eq!(
            text,
            "time_s,metric,scope,value\n\
             0,delivery_ratio,city,1\n\
             0,delivery_ratio,\"district:Chelsea, West\",0.975\n\
             900,uplinks_generated,\"group:\"\"air\"\"\",1234\n\
             1800.5,latency_p99_ms,gateway:gw-3,0.30000000000000004\n\
             2700,delivery_ratio,city,\n\
             3600,delivery_ratio,city,0\n"
        );
    }

    #[test]
    fn csv_round_trips_to_the_same_rows() {
        let report = sample_report();
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join(FILE_NAME);
        write_timeseries(&report, &path).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text, render_timeseries(&report));

        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(HEADER));
        let parsed: Vec<Sample> = lines
            .map(|line| {
                let f = parse_line(line);
                assert_eq!(f.len(), 4, "{line}");
                let metric =
                    report.timeseries.rows.iter().map(|s| s.metric).find(|m| *m == f[1]).expect("known metric");
                sample(f[0].parse().expect("time"), metric, &f[2], f[3].parse().expect("value"))
            })
            .collect();
        assert_eq!(parsed, report.timeseries.rows);
    }

    #[test]
    fn numbers_are_stable_and_parseable() {
        for x in [0.0, 1.0, 0.5, 1e-7, 123_456_789.0, 1e21, 2.0f64.sqrt(), -3.25] {
            let s = format_number(x);
            assert!(!s.contains('e') && !s.ends_with(".0"), "{s}");
            assert_eq!(s.parse::<f64>().expect("parse"), x);
        }
        assert_eq!(format_number(f64::INFINITY), "inf");
        assert_eq!(format_number(f64::NEG_INFINITY), "-inf");
    }
}
