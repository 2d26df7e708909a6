//! Re-drawing a run's time-series charts from its results folder: [`replot_run`] reads
//! `timeseries.csv` (the tidy `time_s,metric,scope,value` file [`super::timeseries`] writes) and
//! draws one chart per metric into `charts/` as `series_<metric>.{svg,png}` (see
//! [`super::charts::series`]), titled with the scenario name from `summary.json` when it is there.
//! A malformed file is an error naming the file and the line; nothing panics.

use std::fs;
use std::path::Path;

use super::OutputError;
use super::charts::series::{ScopeSeries, SeriesChart, SeriesPlot, series_stem};
use super::charts::{DIR_NAME, render_named};
use super::timeseries::{FILE_NAME, HEADER};

/// One row of `timeseries.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeseriesRow {
    /// Start of the bucket, seconds.
    pub time_s: f64,
    /// Metric name, e.g. "delivery_ratio".
    pub metric: String,
    /// `city`, `district:<name>`, `group:<name>`…
    pub scope: String,
    /// The value (NaN where the file leaves it empty).
    pub value: f64,
}

/// Reads `<dir>/timeseries.csv` and writes one chart per metric, in the order the metrics first
/// appear, into `<dir>/charts/` (created if missing) as `series_<metric>.svg` and `.png`. Returns
/// the file stems written. Errors: the file cannot be read, or a row is malformed (the message
/// names the file and the line).
pub fn replot_run(dir: &Path) -> Result<Vec<String>, OutputError> {
    let rows = read_timeseries(&dir.join(FILE_NAME))?;
    let scenario = scenario_name(dir);
    let charts = dir.join(DIR_NAME);
    fs::create_dir_all(&charts).map_err(OutputError::io(&charts))?;

    let mut stems: Vec<String> = Vec::new();
    for plot in plots(&rows, &scenario) {
        // Two metric names may differ only in characters a file name cannot hold.
        let base = series_stem(&plot.metric);
        let mut stem = base.clone();
        let mut n = 1;
        while stems.contains(&stem) {
            n += 1;
            stem = format!("{base}_{n}");
        }
        render_named(&SeriesChart::new(&plot), &stem, &charts)?;
        stems.push(stem);
    }
    Ok(stems)
}

/// Reads and parses the time-series CSV at `path`.
pub fn read_timeseries(path: &Path) -> Result<Vec<TimeseriesRow>, OutputError> {
    let text = fs::read_to_string(path).map_err(OutputError::io(path))?;
    parse_timeseries(&text).map_err(|message| OutputError::Io {
        path: path.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, message),
    })
}

/// Parses the text of a `timeseries.csv`: the header `time_s,metric,scope,value`, then one row
/// per sample with RFC 4180 quoting; an empty value is NaN, `inf` and `-inf` are infinities, blank
/// lines are skipped. The error says which line is wrong and why ("line 7: expected 4 fields …").
pub fn parse_timeseries(text: &str) -> Result<Vec<TimeseriesRow>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = records(text)?.into_iter();
    match records.next() {
        None => return Err(format!("line 1: the file is empty; expected the header {HEADER}")),
        Some((line, fields)) => {
            let header: Vec<&str> = fields.iter().map(|f| f.trim()).collect();
            if header.join(",") != HEADER {
                return Err(format!("line {line}: expected the header {HEADER}, found {:?}", fields.join(",")));
            }
        }
    }
    records
        .map(|(line, fields)| {
            if fields.len() != 4 {
                return Err(format!("line {line}: expected 4 fields ({HEADER}), found {}", fields.len()));
            }
            let time_s = fields[0]
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|t| t.is_finite())
                .ok_or_else(|| format!("line {line}: time_s {:?} is not a number of seconds", fields[0]))?;
            let value = match fields[3].trim() {
                "" => f64::NAN,
                v => v.parse::<f64>().map_err(|_| format!("line {line}: value {:?} is not a number", fields[3]))?,
            };
            let [_, metric, scope, _] = <[String; 4]>::try_from(fields).map_err(|_| format!("line {line}"))?;
            if metric.trim().is_empty() {
                return Err(format!("line {line}: the metric is empty"));
            }
            if scope.trim().is_empty() {
                return Err(format!("line {line}: the scope is empty"));
            }
            Ok(TimeseriesRow { time_s, metric, scope, value })
        })
        .collect()
}

/// The CSV records of `text` with the line each starts on; blank lines are skipped. Quoted
/// fields may hold commas, doubled quotes and line breaks.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        // Whether the current field was quoted, and whether we are inside its quotes.
        let mut quoted = false;
        let mut inside = false;
        // Whether the record holds anything but white space.
        let mut any = false;
        while let Some(c) = chars.next() {
            if inside {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => inside = false,
                    c => {
                        if c == '\n' {
                            line += 1;
                        }
                        field.push(c);
                    }
                }
                continue;
            }
            match c {
                '\n' => {
                    line += 1;
                    break;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    quoted = false;
                    any = true;
                }
                '"' if !quoted && field.is_empty() => {
                    quoted = true;
                    inside = true;
                    any = true;
                }
                c if quoted => return Err(format!("line {line}: unexpected {c:?} after a closing quote")),
                c => {
                    field.push(c);
                    any = any || !c.is_whitespace();
                }
            }
        }
        if inside {
            return Err(format!("line {start}: a quoted field is never closed"));
        }
        fields.push(field);
        if any {
            out.push((start, fields));
        }
    }
    Ok(out)
}

/// The bucket length of `rows`: the smallest gap between two sample times (0 with fewer than
/// two).
fn bucket_of<'a>(rows: impl IntoIterator<Item = &'a TimeseriesRow>) -> f64 {
    let mut times: Vec<f64> = rows.into_iter().map(|r| r.time_s).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let gap = times.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0).fold(f64::INFINITY, f64::min);
    if gap.is_finite() { gap } else { 0.0 }
}

/// One plot per metric, in order of first appearance, each with its scopes in order of first
/// appearance and its own bucket length (pipeline queue depths are sampled on their own clock).
fn plots(rows: &[TimeseriesRow], scenario: &str) -> Vec<SeriesPlot> {
    let mut plots: Vec<SeriesPlot> = Vec::new();
    for row in rows {
        let plot = match plots.iter().position(|p| p.metric == row.metric) {
            Some(i) => &mut plots[i],
            None => {
                plots.push(SeriesPlot {
                    scenario: scenario.to_string(),
                    metric: row.metric.clone(),
                    bucket_s: bucket_of(rows.iter().filter(|r| r.metric == row.metric)),
                    scopes: Vec::new(),
                });
                let last = plots.len() - 1;
                &mut plots[last]
            }
        };
        match plot.scopes.iter_mut().find(|s| s.scope == row.scope) {
            Some(scope) => scope.points.push((row.time_s, row.value)),
            None => plot.scopes.push(ScopeSeries { scope: row.scope.clone(), points: vec![(row.time_s, row.value)] }),
        }
    }
    plots
}

/// The scenario's name from `<dir>/summary.json`, or else the folder's name.
fn scenario_name(dir: &Path) -> String {
    let from_summary = fs::read_to_string(dir.join(super::summary::FILE_NAME))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|json| json["scenario"]["name"].as_str().map(str::to_string));
    from_summary
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "run".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "time_s,metric,scope,value\n\
        0,generated,city,100\n\
        0,delivered,city,98\n\
        0,delivery_ratio,city,0.98\n\
        0,delivery_ratio,\"district:Chelsea, West\",0.97\n\
        900,generated,city,110\n\
        900,delivered,city,\n\
        900,delivery_ratio,city,0.99\n\
        900,delivery_ratio,\"district:Chelsea, West\",1\n\
        1800,delivery_ratio,city,inf\n";

    #[test]
    fn parses_quotes_blanks_and_missing_values() {
        let rows = parse_timeseries(CSV).expect("parse");
        assert_eq!(rows.len(), 9);
        assert_eq!(rows[3].scope, "district:Chelsea, West");
        assert!(rows[5].value.is_nan());
        assert_eq!(rows[8].value, f64::INFINITY);
        assert_eq!(bucket_of(&rows), 900.0);
        let crlf = "\u{feff}time_s,metric,scope,value\r\n0,m,\"a \"\"b\"\"\",1\r\n\r\n";
        let rows = parse_timeseries(crlf).expect("crlf");
        assert_eq!(rows, [TimeseriesRow { time_s: 0.0, metric: "m".into(), scope: "a \"b\"".into(), value: 1.0 }]);
        assert_eq!(bucket_of(&rows), 0.0);
    }

    #[test]
    fn malformed_rows_name_their_line() {
        let cases = [
            ("", "line 1: the file is empty"),
            ("time,metric,scope,value\n", "line 1: expected the header"),
            ("time_s,metric,scope,value\n0,m,city,1\n\n0,m,city\n", "line 4: expected 4 fields"),
            ("time_s,metric,scope,value\n0,m,city,1\nx,m,city,1\n", "line 3: time_s \"x\" is not a number"),
            ("time_s,metric,scope,value\n0,m,city,abc\n", "line 2: value \"abc\" is not a number"),
            ("time_s,metric,scope,value\n0,,city,1\n", "line 2: the metric is empty"),
            ("time_s,metric,scope,value\n0,m,\"city,1\n1,m,city,1\n", "line 2: a quoted field is never closed"),
            ("time_s,metric,scope,value\n0,m,\"a\"b,1\n", "line 2: unexpected 'b' after a closing quote"),
        ];
        for (text, want) in cases {
            let err = parse_timeseries(text).expect_err(want);
            assert!(err.starts_with(want), "{err:?} should start with {want:?}");
        }
    }

    #[test]
    fn replot_writes_one_chart_per_metric() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        fs::write(dir.join(FILE_NAME), CSV).expect("csv");
        fs::write(dir.join("summary.json"), r#"{"scenario": {"name": "Replot town"}}"#).expect("summary");
        let stems = replot_run(dir).expect("replot");
        assert_eq!(stems, ["series_generated", "series_delivered", "series_delivery_ratio"]);
        for stem in &stems {
            let png = fs::read(dir.join("charts").join(format!("{stem}.png"))).expect("png");
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{stem}.png");
        }
        let svg = fs::read_to_string(dir.join("charts/series_delivery_ratio.svg")).expect("svg");
        assert!(svg.contains("Delivery ratio over time — Replot town"));
        assert!(svg.contains("district: Chelsea, West"));

        // An existing charts folder is kept; a header-only file draws nothing.
        fs::write(dir.join(FILE_NAME), "time_s,metric,scope,value\n").expect("csv");
        assert_eq!(replot_run(dir).expect("replot"), Vec::<String>::new());
        assert!(dir.join("charts/series_generated.svg").exists());
    }

    #[test]
    fn replot_errors_name_the_file_and_line() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let err = replot_run(tmp.path()).expect_err("missing file");
        assert!(err.to_string().contains("timeseries.csv"), "{err}");

        fs::write(tmp.path().join(FILE_NAME), "time_s,metric,scope,value\n0,m,city,1\n0,m,city\n").expect("csv");
        let err = replot_run(tmp.path()).expect_err("malformed").to_string();
        assert!(err.contains("timeseries.csv") && err.contains("line 3: expected 4 fields"), "{err}");
        assert!(!tmp.path().join("charts").exists());
    }
}
