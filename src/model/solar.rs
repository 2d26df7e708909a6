//! Solar harvesting for small nodes: daily extraterrestrial irradiation from latitude and day of
//! year, daily surface irradiation through a clearness index, a panel's daily energy by the
//! peak-sun-hours method, and a day-by-day storage balance that says whether (and when) a
//! solar-powered node runs flat.
//!
//! Formulas and sources:
//! - **Extraterrestrial radiation** on a horizontal surface, FAO-56 (Allen et al. 1998, *Crop
//!   evapotranspiration*, FAO Irrigation and Drainage Paper 56, eqs. 21-25; the same result as
//!   Duffie & Beckman, *Solar Engineering of Thermal Processes*, eq. 1.10.3):
//!   `Ra = 24*60/pi * Gsc * dr * (ws sin(phi) sin(delta) + cos(phi) cos(delta) sin(ws))` MJ/m²/day,
//!   `Gsc = 0.0820` MJ/m²/min, `dr = 1 + 0.033 cos(2 pi J / 365)`,
//!   `delta = 0.409 sin(2 pi J / 365 - 1.39)`, `ws = arccos(-tan(phi) tan(delta))`. Latitude is
//!   positive north. Where `-tan(phi) tan(delta)` leaves [-1, 1] the sun never sets (`ws = pi`)
//!   or never rises (`ws = 0`, `Ra = 0`). Daylight hours `N = 24 ws / pi` (eq. 34).
//!   FAO-56 example 8: 20°S on 3 September gives 32.2 MJ/m²/day.
//! - **Clearness index** `Kt = H / Ra` turns `Ra` into the irradiation reaching the ground.
//!   Default 0.5: FAO-56's Angström relation (eq. 35, `as = 0.25`, `bs = 0.50`) gives exactly
//!   0.5 with half the possible sunshine hours, and monthly means run from ~0.3 (overcast
//!   winters) to ~0.7 (deserts); clear sky is 0.75 (eq. 37). Override per site or season.
//! - **Panel energy**, peak-sun-hours method: `E = P_peak x H / (1 kW/m²) x PR`, with `H` in
//!   kWh/m²/day (numerically the peak sun hours, since the panel's rating is at 1 kW/m²).
//!   Performance ratio default 0.75: grid PV systems measure 0.7-0.85 (IEC 61724 PR); a small
//!   node's panel loses more to a non-MPPT charger, dirt and charge efficiency, so the lower part
//!   of that range. The panel is taken as horizontal, which understates a tilted panel in winter.

use std::f64::consts::PI;

/// Solar constant, MJ m⁻² min⁻¹ (FAO-56).
pub const SOLAR_CONSTANT_MJ_PER_M2_MIN: f64 = 0.0820;

/// Megajoules in a kilowatt-hour.
pub const MJ_PER_KWH: f64 = 3.6;

/// Default clearness index (module header).
pub const DEFAULT_CLEARNESS_INDEX: f64 = 0.5;

/// Default performance ratio of a small node's panel and charger (module header).
pub const DEFAULT_PERFORMANCE_RATIO: f64 = 0.75;

/// Irradiance at which panels are rated (standard test conditions), kW/m².
pub const STC_IRRADIANCE_KW_PER_M2: f64 = 1.0;

/// Days in the (non-leap) year the day-of-year formulas cycle over.
pub const DAYS_PER_YEAR: u16 = 365;

/// Inverse relative Earth-Sun distance `dr` on day `day_of_year` (1 = 1 January), FAO-56 eq. 23.
pub fn inverse_relative_distance(day_of_year: u16) -> f64 {
    1.0 + 0.033 * (2.0 * PI * f64::from(day_of_year) / f64::from(DAYS_PER_YEAR)).cos()
}

/// Solar declination `delta` in radians on day `day_of_year`, FAO-56 eq. 24.
pub fn solar_declination_rad(day_of_year: u16) -> f64 {
    0.409 * (2.0 * PI * f64::from(day_of_year) / f64::from(DAYS_PER_YEAR) - 1.39).sin()
}

/// Sunset hour angle `ws` in radians (FAO-56 eq. 25): 0 in polar night, `pi` in polar day.
pub fn sunset_hour_angle_rad(latitude_rad: f64, declination_rad: f64) -> f64 {
    (-latitude_rad.tan() * declination_rad.tan()).clamp(-1.0, 1.0).acos()
}

/// Hours from sunrise to sunset at `latitude_deg` on `day_of_year`, FAO-56 eq. 34.
pub fn daylight_hours(latitude_deg: f64, day_of_year: u16) -> f64 {
    24.0 / PI * sunset_hour_angle_rad(latitude_deg.to_radians(), solar_declination_rad(day_of_year))
}

/// Daily extraterrestrial radiation `Ra` on a horizontal surface, MJ/m²/day, for a latitude and
/// declination in radians and inverse relative distance `dr` (FAO-56 eq. 21).
pub fn extraterrestrial_radiation_for(latitude_rad: f64, declination_rad: f64, dr: f64) -> f64 {
    let ws = sunset_hour_angle_rad(latitude_rad, declination_rad);
    let geometry =
        ws * latitude_rad.sin() * declination_rad.sin() + latitude_rad.cos() * declination_rad.cos() * ws.sin();
    (24.0 * 60.0 / PI * SOLAR_CONSTANT_MJ_PER_M2_MIN * dr * geometry).max(0.0)
}

/// Daily extraterrestrial radiation `Ra` on a horizontal surface at `latitude_deg` (positive
/// north) on `day_of_year` (1 = 1 January), MJ/m²/day.
pub fn extraterrestrial_radiation_mj(latitude_deg: f64, day_of_year: u16) -> f64 {
    extraterrestrial_radiation_for(
        latitude_deg.to_radians(),
        solar_declination_rad(day_of_year),
        inverse_relative_distance(day_of_year),
    )
}

/// Daily irradiation reaching a horizontal surface, kWh/m²/day: `Kt x Ra`.
pub fn surface_irradiation_kwh(latitude_deg: f64, day_of_year: u16, clearness_index: f64) -> f64 {
    clearness_index * extraterrestrial_radiation_mj(latitude_deg, day_of_year) / MJ_PER_KWH
}

/// Daily energy in Wh from a panel of `panel_peak_w` (rated at 1 kW/m²) under
/// `irradiation_kwh_per_m2` of daily irradiation, after `performance_ratio` losses.
pub fn panel_daily_energy_wh(panel_peak_w: f64, irradiation_kwh_per_m2: f64, performance_ratio: f64) -> f64 {
    panel_peak_w * irradiation_kwh_per_m2 / STC_IRRADIANCE_KW_PER_M2 * performance_ratio
}

/// A solar-powered node's energy system: panel, storage and site.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolarSystem {
    /// Panel peak power at 1 kW/m², W.
    pub panel_peak_w: f64,
    /// Storage capacity, Wh (battery capacity x nominal voltage).
    pub storage_wh: f64,
    /// Site latitude in degrees, positive north.
    pub latitude_deg: f64,
    /// Clearness index `Kt`, 0..=1 ([`DEFAULT_CLEARNESS_INDEX`]).
    pub clearness_index: f64,
    /// Performance ratio of panel and charger, 0..=1 ([`DEFAULT_PERFORMANCE_RATIO`]).
    pub performance_ratio: f64,
}

impl SolarSystem {
    /// A system with the default clearness index and performance ratio.
    pub fn new(panel_peak_w: f64, storage_wh: f64, latitude_deg: f64) -> Self {
        SolarSystem {
            panel_peak_w,
            storage_wh,
            latitude_deg,
            clearness_index: DEFAULT_CLEARNESS_INDEX,
            performance_ratio: DEFAULT_PERFORMANCE_RATIO,
        }
    }

    /// Energy the panel delivers on `day_of_year`, Wh.
    pub fn daily_harvest_wh(&self, day_of_year: u16) -> f64 {
        let h = surface_irradiation_kwh(self.latitude_deg, day_of_year, self.clearness_index);
        panel_daily_energy_wh(self.panel_peak_w, h, self.performance_ratio)
    }
}

/// Result of [`simulate_storage`].
#[derive(Clone, Debug, PartialEq)]
pub struct StorageRun {
    /// Stored energy at the end of each simulated day (after its night, so the day's minimum),
    /// Wh; index 0 is the start day.
    pub soc_wh: Vec<f64>,
    /// First day (index into `soc_wh`) on which the storage ran empty, if it ever did.
    pub first_empty_day: Option<u32>,
    /// Number of days on which the storage ran empty at some point.
    pub empty_days: u32,
}

/// Day of year (1..=365) `offset` days after `start_day` (1 = 1 January; leap days ignored).
pub fn day_of_year_after(start_day: u16, offset: u32) -> u16 {
    let start = u32::from(start_day.clamp(1, DAYS_PER_YEAR)) - 1;
    // The result is at most 365, so it fits in a u16.
    ((start + offset) % u32::from(DAYS_PER_YEAR) + 1) as u16
}

/// Simulates a node drawing `daily_load_wh` evenly around the clock from `system`, day by day for
/// `days` days from `start_day` (1 = 1 January), starting at dawn with full storage.
///
/// Each day the daylight share of the load (`N / 24`, FAO-56 eq. 34) is netted against the day's
/// harvest, surplus above capacity being lost, then the night's share is drawn from storage
/// alone, so a store too small for one night runs empty even when the daily balance is positive.
/// An empty store stays at zero (the node is off) until the next day's harvest.
pub fn simulate_storage(system: &SolarSystem, daily_load_wh: f64, start_day: u16, days: u32) -> StorageRun {
    let capacity = system.storage_wh.max(0.0);
    let load = daily_load_wh.max(0.0);
    let mut soc = capacity;
    let mut run = StorageRun { soc_wh: Vec::with_capacity(days as usize), first_empty_day: None, empty_days: 0 };
    for offset in 0..days {
        let day = day_of_year_after(start_day, offset);
        let daylight_share = daylight_hours(system.latitude_deg, day) / 24.0;
        let mut ran_empty = false;

        soc = (soc + system.daily_harvest_wh(day) - load * daylight_share).min(capacity);
        if soc < 0.0 {
            ran_empty = true;
            soc = 0.0;
        }
        soc -= load * (1.0 - daylight_share);
        if soc < 0.0 {
            ran_empty = true;
            soc = 0.0;
        }

        if ran_empty {
            run.empty_days += 1;
            run.first_empty_day.get_or_insert(offset);
        }
        run.soc_wh.push(soc);
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fao56_example_8() {
        // 20°S on 3 September (day 246): dr = 0.985, delta = 0.120 rad, ws = 1.527 rad,
        // Ra = 32.2 MJ/m²/day.
        let day = 246;
        assert!((inverse_relative_distance(day) - 0.985).abs() < 0.0005);
        assert!((solar_declination_rad(day) - 0.120).abs() < 0.0005);
        let ws = sunset_hour_angle_rad((-20.0_f64).to_radians(), solar_declination_rad(day));
        assert!((ws - 1.527).abs() < 0.0005);
        let ra = extraterrestrial_radiation_mj(-20.0, day);
        assert!((ra - 32.2).abs() < 0.05, "{ra}");
    }

    #[test]
    fn polar_night_and_polar_day() {
        // 80°N around the December solstice: the sun never rises.
        for day in [350, 355, 360] {
            assert_eq!(extraterrestrial_radiation_mj(80.0, day), 0.0);
            assert_eq!(daylight_hours(80.0, day), 0.0);
        }
        // 80°S at the same time: the sun never sets, and the day is long and bright.
        assert_eq!(daylight_hours(-80.0, 355), 24.0);
        assert!(extraterrestrial_radiation_mj(-80.0, 355) > 40.0);
    }

    #[test]
    fn equinox_symmetry() {
        // With zero declination every latitude has 12 h of day, and north and south get the same.
        for lat in [0.0_f64, 15.0, 40.0, 60.0, 75.0] {
            let phi = lat.to_radians();
            assert!((sunset_hour_angle_rad(phi, 0.0) - PI / 2.0).abs() < 1e-12);
            let north = extraterrestrial_radiation_for(phi, 0.0, 1.0);
            let south = extraterrestrial_radiation_for(-phi, 0.0, 1.0);
            assert!((north - south).abs() < 1e-9, "{lat}: {north} vs {south}");
            // At the equinox Ra = 24*60/pi * Gsc * cos(phi).
            assert!((north - 24.0 * 60.0 / PI * SOLAR_CONSTANT_MJ_PER_M2_MIN * phi.cos()).abs() < 1e-9);
        }
        // With the FAO-56 declination formula, day 81 (22 March) is within 0.002 rad of equinox.
        let (n, s) = (extraterrestrial_radiation_mj(45.0, 81), extraterrestrial_radiation_mj(-45.0, 81));
        assert!((n - s).abs() / n < 0.01);
        assert!((daylight_hours(45.0, 81) - 12.0).abs() < 0.05);
    }

    #[test]
    fn surface_irradiation_and_panel_energy() {
        let ra = extraterrestrial_radiation_mj(30.0, 172);
        let h = surface_irradiation_kwh(30.0, 172, 0.5);
        assert!((h - 0.5 * ra / 3.6).abs() < 1e-12);
        // 5 W x 5 kWh/m² (5 peak sun hours) x 0.75 = 18.75 Wh.
        assert!((panel_daily_energy_wh(5.0, 5.0, 0.75) - 18.75).abs() < 1e-12);
        let system = SolarSystem::new(5.0, 8.14, 30.0);
        assert!((system.daily_harvest_wh(172) - 5.0 * h * 0.75).abs() < 1e-12);
    }

    #[test]
    fn summer_panel_at_30n_never_empties() {
        // 5 W panel and a 2200 mAh x 3.7 V store carry a 1 Wh/day load through the summer.
        let system = SolarSystem::new(5.0, 2.2 * 3.7, 30.0);
        let run = simulate_storage(&system, 1.0, 152, 92);
        assert_eq!(run.first_empty_day, None);
        assert_eq!(run.empty_days, 0);
        assert_eq!(run.soc_wh.len(), 92);
        // Full every evening, less the night's share of the load.
        assert!(run.soc_wh.iter().all(|&soc| soc > 2.2 * 3.7 - 1.0));
    }

    #[test]
    fn tiny_panel_at_60n_in_december_empties() {
        // 0.1 W harvests ~0.02 Wh/day at 60°N in December against a 1 Wh/day load: the 8.14 Wh
        // store lasts about 8 days.
        let system = SolarSystem::new(0.1, 2.2 * 3.7, 60.0);
        let run = simulate_storage(&system, 1.0, 335, 60);
        let first = run.first_empty_day.expect("runs empty");
        assert!((6..=10).contains(&first), "{first}");
        assert!(run.empty_days > 40);
        assert!(run.soc_wh.windows(2).take(first as usize).all(|w| w[1] < w[0]));
    }

    #[test]
    fn store_smaller_than_one_night_empties_despite_surplus() {
        // Plenty of sun but a 0.2 Wh store cannot carry ~0.5 Wh of night load.
        let system = SolarSystem::new(5.0, 0.2, 30.0);
        let run = simulate_storage(&system, 1.0, 172, 3);
        assert_eq!(run.first_empty_day, Some(0));
        assert_eq!(run.empty_days, 3);
    }

    #[test]
    fn day_of_year_wraps() {
        assert_eq!(day_of_year_after(1, 0), 1);
        assert_eq!(day_of_year_after(365, 1), 1);
        assert_eq!(day_of_year_after(335, 60), 30);
    }
}
