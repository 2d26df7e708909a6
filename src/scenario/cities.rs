//! City presets: the 36 built-in cities a scenario names with `[city] preset = "..."`, parsed
//! from `data/cities.csv`, which is compiled into the binary.
//!
//! Each city carries its position, population, land area, grid carbon intensity, commercial
//! electricity tariff and time zone, with the provenance of every figure in `source_notes`.
//! This module only parses and looks up presets; applying them to a scenario is `validate`'s job.

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;

/// The preset table, embedded so that a scenario naming a city gives the same result everywhere.
const EMBEDDED_CSV: &str = include_str!("../../data/cities.csv");

/// One built-in city.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct City {
    /// Preset id used in scenario files, lowercase with hyphens, e.g. `"new-york"`.
    pub id: String,
    /// Display name, e.g. `"New York"`.
    pub name: String,
    /// ISO 3166-1 alpha-2 country code, e.g. `"US"`.
    pub country: String,
    /// Latitude of the city centre in decimal degrees, north positive.
    pub latitude: f64,
    /// Longitude of the city centre in decimal degrees, east positive.
    pub longitude: f64,
    /// Residents in `population_year`.
    pub population: u64,
    /// Year the population figure refers to.
    pub population_year: u16,
    /// Land area of the city proper in km².
    pub land_area_km2: f64,
    /// Average carbon intensity of grid electricity, in g CO2 per kWh.
    pub grid_co2_g_per_kwh: f64,
    /// Year the carbon intensity refers to.
    pub grid_co2_year: u16,
    /// Grid region the carbon intensity is for, e.g. `"eGRID NYCW"` or a national average.
    pub grid_co2_region: String,
    /// Commercial electricity price in USD per kWh, where a consistent source exists.
    pub electricity_price_usd_per_kwh: Option<f64>,
    /// Year the electricity price refers to, when there is one.
    pub electricity_price_year: Option<u16>,
    /// IANA time zone, e.g. `"America/New_York"`.
    pub timezone: String,
    /// Where each figure comes from.
    pub source_notes: String,
}

/// A problem in a cities CSV, with the 1-based line it was found on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CityDataError {
    /// Line of the file (1-based) where the offending record starts.
    pub line: usize,
    /// What is wrong, naming the column and value where there is one.
    pub message: String,
}

impl fmt::Display for CityDataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cities data, line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for CityDataError {}

/// Every built-in city, in file order (alphabetical by id).
pub fn all() -> &'static [City] {
    static CITIES: OnceLock<Vec<City>> = OnceLock::new();
    CITIES.get_or_init(|| {
        // The data is compiled in and `tests::embedded_table_parses` proves it parses, so a
        // failure here can only be a broken build, never a user's input.
        parse(EMBEDDED_CSV).expect("embedded data/cities.csv must parse (see cities tests)")
    })
}

/// The city with this id, ignoring ASCII case, e.g. `find("New-York")`.
pub fn find(id: &str) -> Option<&'static City> {
    all().iter().find(|c| c.id.eq_ignore_ascii_case(id))
}

/// All preset ids, in file order.
pub fn ids() -> Vec<&'static str> {
    all().iter().map(|c| c.id.as_str()).collect()
}

/// Parses a cities table in the format of `data/cities.csv`: RFC 4180 CSV with a header row.
/// Columns are found by name, so their order may change and extra columns are ignored. Every
/// value is checked (coordinates in range, positive area, finite numbers, unique ids).
pub fn parse(text: &str) -> Result<Vec<City>, CityDataError> {
    let mut records = parse_csv(text)?.into_iter();
    let Some((header_line, header)) = records.next() else {
        return Err(CityDataError { line: 1, message: "the file is empty; expected a header row".into() });
    };
    let columns = Columns::new(&header, header_line)?;
    let mut seen = HashSet::new();
    let mut cities = Vec::new();
    for (line, fields) in records {
        if fields.len() != header.len() {
            return Err(CityDataError {
                line,
                message: format!("expected {} fields as in the header, found {}", header.len(), fields.len()),
            });
        }
        let city = columns.city(&fields, line)?;
        if !seen.insert(city.id.to_ascii_lowercase()) {
            return Err(CityDataError { line, message: format!("duplicate id \"{}\"", city.id) });
        }
        cities.push(city);
    }
    Ok(cities)
}

/// Positions of the columns `parse` reads, looked up in the header.
struct Columns {
    id: usize,
    name: usize,
    country: usize,
    latitude: usize,
    longitude: usize,
    population: usize,
    population_year: usize,
    land_area_km2: usize,
    grid_co2_g_per_kwh: usize,
    grid_co2_year: usize,
    grid_co2_region: usize,
    electricity_price_usd_per_kwh: usize,
    electricity_price_year: usize,
    timezone: usize,
    source_notes: usize,
    names: Vec<String>,
}

impl Columns {
    fn new(header: &[String], line: usize) -> Result<Self, CityDataError> {
        let names: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(CityDataError { line, message: format!("column \"{name}\" appears twice in the header") });
            }
        }
        let find = |wanted: &str| {
            names
                .iter()
                .position(|n| n == wanted)
                .ok_or_else(|| CityDataError { line, message: format!("the header has no \"{wanted}\" column") })
        };
        Ok(Columns {
            id: find("id")?,
            name: find("name")?,
            country: find("country")?,
            latitude: find("latitude")?,
            longitude: find("longitude")?,
            population: find("population")?,
            population_year: find("population_year")?,
            land_area_km2: find("land_area_km2")?,
            grid_co2_g_per_kwh: find("grid_co2_g_per_kwh")?,
            grid_co2_year: find("grid_co2_year")?,
            grid_co2_region: find("grid_co2_region")?,
            electricity_price_usd_per_kwh: find("electricity_price_usd_per_kwh")?,
            electricity_price_year: find("electricity_price_year")?,
            timezone: find("timezone")?,
            source_notes: find("source_notes")?,
            names,
        })
    }

    fn city(&self, fields: &[String], line: usize) -> Result<City, CityDataError> {
        let f = Fields { fields, names: &self.names, line };
        let latitude = f.number(self.latitude)?;
        let longitude = f.number(self.longitude)?;
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(f.bad(self.latitude, "a latitude in [-90, 90]"));
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(f.bad(self.longitude, "a longitude in [-180, 180]"));
        }
        let land_area_km2 = f.number(self.land_area_km2)?;
        if land_area_km2 <= 0.0 {
            return Err(f.bad(self.land_area_km2, "a positive area in km²"));
        }
        let grid_co2_g_per_kwh = f.number(self.grid_co2_g_per_kwh)?;
        if grid_co2_g_per_kwh < 0.0 {
            return Err(f.bad(self.grid_co2_g_per_kwh, "a non-negative intensity"));
        }
        let electricity_price_usd_per_kwh = f.optional(self.electricity_price_usd_per_kwh)?;
        if electricity_price_usd_per_kwh.is_some_and(|p| p < 0.0) {
            return Err(f.bad(self.electricity_price_usd_per_kwh, "a non-negative price"));
        }
        Ok(City {
            id: f.required(self.id)?,
            name: f.required(self.name)?,
            country: f.required(self.country)?,
            latitude,
            longitude,
            population: f.integer(self.population)?,
            population_year: f.integer(self.population_year)?,
            land_area_km2,
            grid_co2_g_per_kwh,
            grid_co2_year: f.integer(self.grid_co2_year)?,
            grid_co2_region: f.required(self.grid_co2_region)?,
            electricity_price_usd_per_kwh,
            electricity_price_year: f.optional_integer(self.electricity_price_year)?,
            timezone: f.required(self.timezone)?,
            source_notes: f.text(self.source_notes),
        })
    }
}

/// One record's fields with what is needed to say where a bad value is.
struct Fields<'a> {
    fields: &'a [String],
    names: &'a [String],
    line: usize,
}

impl Fields<'_> {
    fn raw(&self, col: usize) -> &str {
        self.fields.get(col).map_or("", |s| s.trim())
    }

    fn bad(&self, col: usize, expected: &str) -> CityDataError {
        let name = self.names.get(col).map_or("?", String::as_str);
        CityDataError {
            line: self.line,
            message: format!("column \"{name}\": expected {expected}, found \"{}\"", self.raw(col)),
        }
    }

    fn text(&self, col: usize) -> String {
        self.raw(col).to_string()
    }

    fn required(&self, col: usize) -> Result<String, CityDataError> {
        match self.raw(col) {
            "" => Err(self.bad(col, "a value")),
            s => Ok(s.to_string()),
        }
    }

    fn number(&self, col: usize) -> Result<f64, CityDataError> {
        match self.raw(col).parse::<f64>() {
            // Rust accepts "NaN" and "inf"; neither is a measurement.
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.bad(col, "a finite number")),
        }
    }

    fn optional(&self, col: usize) -> Result<Option<f64>, CityDataError> {
        if self.raw(col).is_empty() { Ok(None) } else { self.number(col).map(Some) }
    }

    fn integer<T: std::str::FromStr>(&self, col: usize) -> Result<T, CityDataError> {
        self.raw(col).parse().map_err(|_| self.bad(col, "a whole number"))
    }

    fn optional_integer<T: std::str::FromStr>(&self, col: usize) -> Result<Option<T>, CityDataError> {
        if self.raw(col).is_empty() { Ok(None) } else { self.integer(col).map(Some) }
    }
}

/// Splits RFC 4180 CSV into records, each with the line it starts on. Quoted fields may hold
/// commas, line breaks and doubled quotes (`""`); LF and CRLF line ends are both accepted and
/// blank lines are skipped.
fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, CityDataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    // `quoted`: inside a quoted field; `closed`: a quoted field just ended, so only a separator
    // or a line end may follow.
    let mut quoted = false;
    let mut closed = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    closed = true;
                }
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            ',' => {
                record.push(std::mem::take(&mut field));
                closed = false;
                was_quoted = false;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                let blank = record.is_empty() && field.is_empty() && !was_quoted;
                if !blank {
                    record.push(std::mem::take(&mut field));
                    records.push((record_line, std::mem::take(&mut record)));
                }
                line += 1;
                record_line = line;
                closed = false;
                was_quoted = false;
            }
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            _ if closed => {
                return Err(CityDataError {
                    line,
                    message: format!("unexpected '{c}' after a closing quote; expected ','"),
                });
            }
            '"' => {
                return Err(CityDataError {
                    line,
                    message: "a quote inside an unquoted field; quote the whole field and \
                              double the quote (\"\")"
                        .into(),
                });
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(CityDataError { line: record_line, message: "a quoted field is never closed".into() });
    }
    if !record.is_empty() || !field.is_empty() || was_quoted {
        record.push(field);
        records.push((record_line, record));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses() {
        let cities = parse(EMBEDDED_CSV).unwrap_or_else(|e| panic!("{e}"));
        // data/cities.csv lists the 36 cities that signed the five guiding principles.
        assert_eq!(cities.len(), 36);
        assert_eq!(all().len(), 36);
        assert_eq!(ids().len(), 36);
    }

    #[test]
    fn new_york_is_where_it_should_be() {
        let ny = find("new-york").expect("new-york preset");
        // Manhattan is at about 40.71 N, 74.01 W.
        assert!((ny.latitude - 40.7).abs() < 0.1, "{}", ny.latitude);
        assert!((ny.longitude + 74.0).abs() < 0.1, "{}", ny.longitude);
        assert!(std::ptr::eq(ny, find("New-York").expect("case-insensitive")));
        assert!(find("atlantis").is_none());
    }

    #[test]
    fn every_city_is_physically_plausible() {
        for c in all() {
            assert!(c.latitude.is_finite() && c.longitude.is_finite(), "{}", c.id);
            assert!(c.land_area_km2 > 0.0, "{}", c.id);
            assert!(c.grid_co2_g_per_kwh > 0.0, "{}", c.id);
            assert!(c.population > 0, "{}", c.id);
            assert!(!c.timezone.is_empty() && !c.source_notes.is_empty(), "{}", c.id);
            if let Some(p) = c.electricity_price_usd_per_kwh {
                assert!(p > 0.0 && p < 1.0, "{}: {p}", c.id);
            }
        }
    }

    #[test]
    fn empty_price_is_none() {
        let b = find("birmingham").expect("birmingham preset");
        assert_eq!(b.electricity_price_usd_per_kwh, None);
        assert_eq!(b.electricity_price_year, None);
        let atl = find("atlanta").expect("atlanta preset");
        assert_eq!(atl.electricity_price_usd_per_kwh, Some(0.1070));
    }

    #[test]
    fn csv_handles_quotes_commas_and_line_breaks() {
        let text = "a,b,c\r\n1,\"x, \"\"y\"\"\",\"two\nlines\"\r\n\n\"\",,end\n";
        let records = parse_csv(text).expect("valid CSV");
        assert_eq!(records.len(), 3);
        assert_eq!(records[1].0, 2);
        assert_eq!(records[1].1, vec!["1", "x, \"y\"", "two\nlines"]);
        // The quoted field spans lines 2-3 and the blank line 4 is skipped.
        assert_eq!(records[2], (5, vec![String::new(), String::new(), "end".into()]));
    }

    #[test]
    fn csv_rejects_broken_quoting() {
        assert!(parse_csv("a,\"open\n").is_err());
        assert!(parse_csv("a,b\"c\n").is_err());
        assert!(parse_csv("\"a\"b,c\n").is_err());
    }

    const HEADER: &str = "source_notes,id,name,country,latitude,longitude,population,\
        population_year,land_area_km2,grid_co2_g_per_kwh,grid_co2_year,grid_co2_region,\
        electricity_price_usd_per_kwh,electricity_price_year,timezone,extra";

    #[test]
    fn columns_are_found_by_name() {
        let text = format!("{HEADER}\n\"notes, with \"\"quotes\"\"\",x,X,US,1.5,-2.5,10,2020,3.0,400,2023,r,,,UTC,z\n");
        let cities = parse(&text).expect("valid table");
        assert_eq!(cities[0].id, "x");
        assert_eq!(cities[0].source_notes, "notes, with \"quotes\"");
        assert_eq!(cities[0].longitude, -2.5);
        assert_eq!(cities[0].electricity_price_usd_per_kwh, None);
    }

    #[test]
    fn bad_values_are_reported_with_their_line() {
        let row = |lat: &str, area: &str| format!("{HEADER}\nn,x,X,US,{lat},0,10,2020,{area},400,2023,r,,,UTC,z\n");
        let err = parse(&row("91", "3")).expect_err("latitude out of range");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("latitude"), "{err}");
        assert!(parse(&row("NaN", "3")).is_err());
        assert!(parse(&row("1", "0")).is_err());
        assert!(parse(&row("1", "")).is_err());
        assert!(parse("id,name\nx,X\n").is_err());
        assert!(parse("").is_err());
        let dup = format!("{}n,x,X,US,1,0,10,2020,3,400,2023,r,,,UTC,z\n", row("1", "3"));
        assert!(parse(&dup).expect_err("duplicate").message.contains("duplicate"));
        let short = format!("{HEADER}\nn,x\n");
        assert!(parse(&short).is_err());
    }

    #[test]
    fn serializes_as_json() {
        let json = serde_json::to_value(find("birmingham").expect("birmingham preset")).expect("serializable");
        assert_eq!(json["id"], "birmingham");
        assert!(json["electricity_price_usd_per_kwh"].is_null());
    }
}
