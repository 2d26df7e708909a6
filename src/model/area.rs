//! Areas of the city that an event covers (a storm, a jammer, an attack): a disc or a simple
//! polygon in metres, and whether a point lies inside (even-odd ray casting for polygons).

/// A region of the simulated square, in metres from its south-west corner.
#[derive(Clone, Debug, PartialEq)]
pub enum Area {
    /// Centre x, centre y and radius.
    Disc {
        /// Centre, metres east.
        x: f64,
        /// Centre, metres north.
        y: f64,
        /// Radius, metres.
        r: f64,
    },
    /// Vertices in order (either winding); the last joins the first.
    Polygon(Vec<(f64, f64)>),
}

impl Area {
    /// Whether `(px, py)` lies in the area (a disc's rim counts as inside).
    pub fn contains(&self, px: f64, py: f64) -> bool {
        match self {
            Area::Disc { x, y, r } => (px - x).powi(2) + (py - y).powi(2) <= r * r,
            Area::Polygon(v) => {
                let mut inside = false;
                let mut j = v.len().wrapping_sub(1);
                for i in 0..v.len() {
                    let ((xi, yi), (xj, yj)) = (v[i], v[j]);
                    if (yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi {
                        inside = !inside;
                    }
                    j = i;
                }
                inside
            }
        }
    }

    /// Size in m² (the shoelace formula for polygons).
    pub fn area_m2(&self) -> f64 {
        match self {
            Area::Disc { r, .. } => std::f64::consts::PI * r * r,
            Area::Polygon(v) => {
                let n = v.len();
                (0..n).map(|i| v[i].0 * v[(i + 1) % n].1 - v[(i + 1) % n].0 * v[i].1).sum::<f64>().abs() / 2.0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disc_holds_its_rim_and_not_beyond() {
        let d = Area::Disc { x: 100.0, y: 100.0, r: 50.0 };
        assert!(d.contains(150.0, 100.0));
        assert!(d.contains(100.0, 100.0));
        assert!(!d.contains(150.1, 100.0));
    }

    #[test]
    fn a_concave_polygon_excludes_its_notch() {
        // An L: the square 0..200 without its north-east quarter.
        let l =
            Area::Polygon(vec![(0.0, 0.0), (200.0, 0.0), (200.0, 100.0), (100.0, 100.0), (100.0, 200.0), (0.0, 200.0)]);
        assert!(l.contains(50.0, 50.0));
        assert!(l.contains(150.0, 50.0));
        assert!(l.contains(50.0, 150.0));
        assert!(!l.contains(150.0, 150.0), "the notch");
        assert!(!l.contains(250.0, 50.0));
        assert!((l.area_m2() - 30_000.0).abs() < 1e-9);
    }

    #[test]
    fn monte_carlo_share_inside_matches_the_area() {
        // A triangle of half the 1000 m square: about half of a uniform grid falls inside.
        let t = Area::Polygon(vec![(0.0, 0.0), (1000.0, 0.0), (0.0, 1000.0)]);
        let n = 200;
        let inside = (0..n * n).filter(|k| t.contains((k % n) as f64 * 5.0 + 2.5, (k / n) as f64 * 5.0 + 1.0)).count();
        let share = inside as f64 / (n * n) as f64;
        assert!((share - t.area_m2() / 1e6).abs() < 0.01, "{share}");
    }
}
