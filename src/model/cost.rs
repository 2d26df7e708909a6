//! Carbon and money arithmetic: grid electricity to CO2, yearly totals of a constant draw, battery
//! replacements and their disposal mass over a horizon, and total cost of ownership with an
//! optional discount rate.
//!
//! Inputs come from elsewhere: grid carbon intensity (g CO2 per kWh) and commercial electricity
//! price per kWh per city are in `data/cities.csv` (EPA eGRID, Ember, EIA; sources per row);
//! battery masses in [`crate::model::battery::Chemistry::mass_g`].
//!
//! Conventions: a year is 365.25 days ([`HOURS_PER_YEAR`]). Total cost of ownership is capex paid
//! at time zero plus opex paid at the end of each year, discounted as `opex / (1 + r)^t`
//! (ordinary annuity: `opex x (1 - (1 + r)^-n) / r`); with `r = 0` it is `capex + opex x years`.

use crate::model::battery::HOURS_PER_YEAR;

/// CO2 emitted by consuming `kwh` at a grid intensity of `g_per_kwh`, kg: `kWh x g/kWh / 1000`.
pub fn kwh_to_co2_kg(kwh: f64, g_per_kwh: f64) -> f64 {
    kwh * g_per_kwh / 1000.0
}

/// Energy a constant `avg_power_w` draws in a year, kWh.
pub fn annual_kwh(avg_power_w: f64) -> f64 {
    avg_power_w * HOURS_PER_YEAR / 1000.0
}

/// Yearly CO2 of a constant `avg_power_w` at `g_per_kwh`, kg.
pub fn annual_co2_kg(avg_power_w: f64, g_per_kwh: f64) -> f64 {
    kwh_to_co2_kg(annual_kwh(avg_power_w), g_per_kwh)
}

/// Yearly electricity cost of a constant `avg_power_w` at `price_per_kwh` (any currency).
pub fn annual_energy_cost(avg_power_w: f64, price_per_kwh: f64) -> f64 {
    annual_kwh(avg_power_w) * price_per_kwh
}

/// Batteries a device uses over `horizon_years` when each lasts `lifetime_years`, counting the
/// first: `ceil(horizon / lifetime)`, at least 1 for a positive horizon. 0 for a non-positive
/// horizon; 1 for an infinite or non-positive lifetime (never replaced).
pub fn batteries_used(horizon_years: f64, lifetime_years: f64) -> u32 {
    if horizon_years.is_nan() || horizon_years <= 0.0 {
        return 0;
    }
    if lifetime_years.is_nan() || lifetime_years <= 0.0 || lifetime_years.is_infinite() {
        return 1;
    }
    // Saturating float-to-int cast; a count beyond u32 is meaningless anyway.
    ((horizon_years / lifetime_years).ceil() as u32).max(1)
}

/// Battery replacements after the first over `horizon_years`: [`batteries_used`] less one.
pub fn battery_replacements(horizon_years: f64, lifetime_years: f64) -> u32 {
    batteries_used(horizon_years, lifetime_years).saturating_sub(1)
}

/// Battery mass to dispose of over `horizon_years`, kg: every battery used (the last one too, at
/// end of life) times `mass_g`.
pub fn battery_disposal_kg(horizon_years: f64, lifetime_years: f64, mass_g: f64) -> f64 {
    f64::from(batteries_used(horizon_years, lifetime_years)) * mass_g / 1000.0
}

/// Present value of `amount` paid at the end of each of `years` years at `discount_rate`
/// (0 for none): `amount x years` undiscounted, `amount x (1 - (1 + r)^-years) / r` otherwise.
pub fn present_value_of_annual(amount: f64, years: u32, discount_rate: f64) -> f64 {
    if discount_rate == 0.0 {
        amount * f64::from(years)
    } else {
        let years = i32::try_from(years).unwrap_or(i32::MAX);
        amount * (1.0 - (1.0 + discount_rate).powi(-years)) / discount_rate
    }
}

/// Total cost of ownership over `years`: `capex` now plus `opex_per_year` at the end of each year,
/// discounted at `discount_rate` (0 for none, giving `capex + opex x years` exactly).
pub fn total_cost_of_ownership(capex: f64, opex_per_year: f64, years: u32, discount_rate: f64) -> f64 {
    capex + present_value_of_annual(opex_per_year, years, discount_rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn co2_is_kwh_times_intensity() {
        assert_eq!(kwh_to_co2_kg(1000.0, 400.0), 400.0);
        assert_eq!(kwh_to_co2_kg(1.0, 1000.0), 1.0);
        assert_eq!(kwh_to_co2_kg(0.0, 382.1), 0.0);
        for (kwh, g) in [(12.5, 215.8), (3.2, 244.6), (87.66, 332.9)] {
            assert_eq!(kwh_to_co2_kg(kwh, g), kwh * g / 1000.0);
        }
    }

    #[test]
    fn yearly_totals() {
        // A 3.2 W gateway (REFERENCE.md §1) uses 28.05 kWh a year.
        assert!((annual_kwh(3.2) - 28.0512).abs() < 1e-9);
        assert!((annual_co2_kg(3.2, 400.0) - 28.0512 * 0.4).abs() < 1e-9);
        assert!((annual_energy_cost(3.2, 0.2) - 28.0512 * 0.2).abs() < 1e-9);
        assert!((annual_kwh(1000.0 / HOURS_PER_YEAR) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn battery_counts_and_disposal() {
        assert_eq!(batteries_used(10.0, 4.0), 3);
        assert_eq!(batteries_used(10.0, 5.0), 2);
        assert_eq!(batteries_used(10.0, 12.0), 1);
        assert_eq!(batteries_used(10.0, f64::INFINITY), 1);
        assert_eq!(batteries_used(0.0, 4.0), 0);
        assert_eq!(battery_replacements(10.0, 4.0), 2);
        assert_eq!(battery_replacements(0.0, 4.0), 0);
        assert!((battery_disposal_kg(10.0, 4.0, 100.0) - 0.3).abs() < 1e-12);
    }

    #[test]
    fn tco_undiscounted_is_capex_plus_opex_times_years() {
        assert_eq!(total_cost_of_ownership(120.0, 15.0, 10, 0.0), 270.0);
        assert_eq!(total_cost_of_ownership(120.0, 15.0, 0, 0.05), 120.0);
    }

    #[test]
    fn tco_discounted_matches_the_sum_of_discounted_payments() {
        let (capex, opex, years, r) = (120.0, 15.0, 10_u32, 0.05);
        let by_hand: f64 = capex + (1..=10).map(|t| opex / (1.0_f64 + r).powi(t)).sum::<f64>();
        let tco = total_cost_of_ownership(capex, opex, years, r);
        assert!((tco - by_hand).abs() < 1e-9, "{tco} vs {by_hand}");
        // 15 x 7.721735 (the 10-year, 5 % annuity factor) = 115.826.
        assert!((tco - 235.826).abs() < 0.001);
        assert!(tco < total_cost_of_ownership(capex, opex, years, 0.0));
    }
}
