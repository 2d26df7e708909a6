//! `map.geojson`: every sensor, gateway, cell site and access point as a GeoJSON point in
//! longitude and latitude (RFC 7946), for QGIS, kepler.gl or any web map. The simulated square's
//! south-west corner sits at the city preset's position (without a preset, at the scenario's
//! latitude and longitude 0, flagged in the collection's `origin`); metres east and north become
//! degrees with the WGS 84 lengths of a degree at that latitude, which is exact to well under a
//! metre across a city.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use super::OutputError;
use crate::metrics::report::Report;

/// File name inside the results folder.
pub const FILE_NAME: &str = "map.geojson";

/// Metres per degree of latitude and of longitude at `lat` degrees (WGS 84 series).
pub fn metres_per_degree(lat: f64) -> (f64, f64) {
    let p = lat.to_radians();
    let m_lat = 111_132.92 - 559.82 * (2.0 * p).cos() + 1.175 * (4.0 * p).cos() - 0.0023 * (6.0 * p).cos();
    let m_lon = 111_412.84 * p.cos() - 93.5 * (3.0 * p).cos() + 0.118 * (5.0 * p).cos();
    (m_lat, m_lon)
}

/// (longitude, latitude) of a point `x` metres east and `y` metres north of the origin.
pub fn lon_lat(origin: (f64, f64), x: f64, y: f64) -> (f64, f64) {
    let (m_lat, m_lon) = metres_per_degree(origin.0);
    (origin.1 + x / m_lon, origin.0 + y / m_lat)
}

/// A JSON string literal.
fn text(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The collection as text: one feature per line, so large maps stream and diff well.
pub fn render_geojson(report: &Report) -> String {
    let map = &report.map;
    let origin = (map.origin.0, map.origin.1);
    let mut out = String::from("{\"type\":\"FeatureCollection\",");
    let _ = write!(
        out,
        "\"origin\":{{\"latitude\":{},\"longitude\":{},\"from_preset\":{}}},\"features\":[",
        map.origin.0, map.origin.1, map.origin.2
    );
    let mut first = true;
    let mut feature = |out: &mut String, x: f64, y: f64, props: String| {
        let (lon, lat) = lon_lat(origin, x, y);
        out.push_str(if first { "\n" } else { ",\n" });
        first = false;
        let _ = write!(
            out,
            "{{\"type\":\"Feature\",\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{lon:.7},{lat:.7}]}},\"properties\":{{{props}}}}}"
        );
    };
    for (x, y, radio, id) in &map.sites {
        let role = match *radio {
            "cellular" => "cell_site",
            "wifi" => "access_point",
            _ => "gateway",
        };
        feature(&mut out, *x, *y, format!("\"role\":\"{role}\",\"id\":{},\"radio\":\"{radio}\"", text(id)));
    }
    for (id, &(x, y, sf, g)) in map.devices.iter().enumerate() {
        let (group, kind, radio) = map.groups.get(usize::from(g)).map_or(("", "", ""), |g| (g.0.as_str(), g.1, g.2));
        let sf = if sf == 0 { String::new() } else { format!(",\"sf\":{sf}") };
        let props = format!(
            "\"role\":\"sensor\",\"id\":{id},\"group\":{},\"kind\":\"{kind}\",\"radio\":\"{radio}\"{sf}",
            text(group)
        );
        feature(&mut out, f64::from(x), f64::from(y), props);
    }
    out.push_str("\n]}\n");
    out
}

/// Writes [`render_geojson`] to `path`.
pub fn write_geojson(report: &Report, path: &Path) -> Result<(), OutputError> {
    fs::write(path, render_geojson(report)).map_err(OutputError::io(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::sample_report;

    #[test]
    fn a_degree_is_about_111_km_and_shrinks_east_west_with_latitude() {
        let (lat0, lon0) = metres_per_degree(0.0);
        assert!((lat0 - 110_574.0).abs() < 2.0 && (lon0 - 111_320.0).abs() < 2.0, "{lat0} {lon0}");
        let (lat60, lon60) = metres_per_degree(60.0);
        assert!((lat60 - 111_412.0).abs() < 2.0 && (lon60 - 55_800.0).abs() < 5.0, "{lat60} {lon60}");
    }

    #[test]
    fn points_land_east_and_north_of_the_origin() {
        // 1 km east and 2 km north of Dublin's preset position.
        let (lon, lat) = lon_lat((53.3331, -6.2489), 1000.0, 2000.0);
        let (m_lat, m_lon) = metres_per_degree(53.3331);
        assert!(((lat - 53.3331) * m_lat - 2000.0).abs() < 1e-6);
        assert!(((lon + 6.2489) * m_lon - 1000.0).abs() < 1e-6);
        assert!(lon > -6.2489 && lat > 53.3331);
    }

    #[test]
    fn the_map_is_a_valid_feature_collection_of_every_site_and_sensor() {
        let r = sample_report();
        let v: serde_json::Value = serde_json::from_str(&render_geojson(&r)).expect("valid JSON");
        assert_eq!(v["type"], "FeatureCollection");
        let features = v["features"].as_array().expect("features");
        assert_eq!(features.len(), r.map.sites.len() + r.map.devices.len());
        assert_eq!(features[0]["properties"]["role"], "gateway");
        assert_eq!(features[0]["geometry"]["type"], "Point");
        let sensor = &features[r.map.sites.len()]["properties"];
        assert_eq!((sensor["role"].as_str(), sensor["kind"].as_str()), (Some("sensor"), Some("parking")));
        let c = features[1]["geometry"]["coordinates"].as_array().expect("coordinates");
        let (lon, lat) = (c[0].as_f64().expect("lon"), c[1].as_f64().expect("lat"));
        assert!((lat - 53.3331).abs() < 0.05 && (lon + 6.2489).abs() < 0.05, "{lon} {lat}");
    }
}
