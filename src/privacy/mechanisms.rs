//! Differential privacy for released counts (REFERENCE.md §5): the Laplace mechanism (noise scale
//! b = sensitivity / epsilon, RMSE = sqrt(2)·b, |error| <= b·ln(1/alpha) with probability 1 - alpha),
//! the Gaussian mechanism with zero-concentrated DP accounting (rho = Delta^2 / (2 sigma^2)), and a
//! per-person, per-day budget [`Ledger`] that splits a daily [`Budget`] evenly over the day's
//! releases and refuses a release that would overspend it (sequential composition: epsilons add;
//! under zCDP, rhos add).
//!
//! Randomness comes only from [`crate::model::random`]. The privacy models draw on
//! [`Purpose::Compromise`] with entity keys built by [`privacy_key`], which always set bit 62; the
//! attack draws key their entities as `failure index << 40 | sensor`, which never reaches bit 62,
//! so the two never share a stream. This file also owns the stream numbers of the sibling models
//! ([`super::anonymity`], [`super::pseudonym`]) so that no two privacy streams overlap either.

use std::collections::HashMap;

use crate::model::random::{Purpose, draw, exponential, standard_normal};

/// Bit 62 of an entity key: set on every privacy draw, never on an attack draw.
pub(crate) const PRIVACY_KEY_BIT: u64 = 1 << 62;

/// Low bits of an entity key that carry the caller's entity id (56 bits).
const ENTITY_MASK: u64 = (1 << 56) - 1;

/// Stream numbers (bits 56..62 of the entity key), one per kind of privacy draw.
pub(crate) mod stream {
    /// Laplace noise.
    pub const LAPLACE: u64 = 0;
    /// First uniform word of a Gaussian (Box-Muller) draw.
    pub const GAUSSIAN_A: u64 = 1;
    /// Second uniform word of a Gaussian (Box-Muller) draw.
    pub const GAUSSIAN_B: u64 = 2;
    /// The one salt of a fixed-salt pseudonym policy.
    pub const FIXED_SALT: u64 = 3;
    /// The salt of one period of a rotating-salt pseudonym policy.
    pub const ROTATING_SALT: u64 = 4;
    /// Cells of the uniform-uniqueness simulation.
    pub const UNIQUE_CELLS: u64 = 5;
    /// Which people the unicity estimate samples.
    pub const UNICITY_PEOPLE: u64 = 6;
    /// Which points of a sampled trace the unicity estimate draws.
    pub const UNICITY_POINTS: u64 = 7;
    /// Synthetic inputs built by tests (never by models).
    #[cfg(test)]
    pub const TEST: u64 = 63;
}

/// The entity key of a privacy draw: bit 62 set, `stream` (0..64) in bits 56..62, the low 56 bits
/// of `entity` below. Entity ids of 2^56 or more wrap onto smaller ones.
pub(crate) fn privacy_key(stream: u64, entity: u64) -> u64 {
    PRIVACY_KEY_BIT | (stream & 0x3f) << 56 | (entity & ENTITY_MASK)
}

/// Laplace noise with scale `scale_b` (mean 0, variance 2·b²), keyed by (seed, entity, counter).
/// Drawn by inversion: the top bit of the draw gives the sign, the other 63 bits an exponential
/// magnitude of mean b by its inverse CDF.
pub fn laplace_noise(scale_b: f64, seed: u64, entity: u64, counter: u64) -> f64 {
    let x = draw(seed, Purpose::Compromise, privacy_key(stream::LAPLACE, entity), counter);
    let magnitude = exponential(x << 1, scale_b);
    if x >> 63 == 1 { -magnitude } else { magnitude }
}

/// The Laplace scale that makes a query of the given L1 `sensitivity` epsilon-DP: b = Delta / epsilon.
pub fn laplace_scale(epsilon: f64, sensitivity: f64) -> f64 {
    sensitivity / epsilon
}

/// A count released by the Laplace mechanism: the true count plus Laplace(sensitivity / epsilon)
/// noise. The result is a float; rounding or clamping it ([`round_release`]) is post-processing and
/// costs no privacy.
pub fn laplace_count(true_count: u64, epsilon: f64, sensitivity: f64, seed: u64, entity: u64, counter: u64) -> f64 {
    true_count as f64 + laplace_noise(laplace_scale(epsilon, sensitivity), seed, entity, counter)
}

/// Root-mean-square error of Laplace noise with scale b: sqrt(2)·b.
pub fn laplace_rmse(scale_b: f64) -> f64 {
    std::f64::consts::SQRT_2 * scale_b
}

/// The error bound that Laplace noise of scale b stays within with probability 1 - alpha:
/// P(|noise| > b·ln(1/alpha)) = alpha.
pub fn laplace_error_bound(scale_b: f64, alpha: f64) -> f64 {
    scale_b * (1.0 / alpha).ln()
}

/// The Gaussian noise standard deviation that makes a query of L2 `sensitivity` rho-zCDP:
/// sigma = Delta / sqrt(2·rho).
pub fn gaussian_sigma(sensitivity: f64, rho: f64) -> f64 {
    sensitivity / (2.0 * rho).sqrt()
}

/// The zCDP cost of Gaussian noise of standard deviation `sigma` on a query of L2 `sensitivity`:
/// rho = Delta² / (2·sigma²).
pub fn gaussian_rho(sensitivity: f64, sigma: f64) -> f64 {
    sensitivity * sensitivity / (2.0 * sigma * sigma)
}

/// Gaussian noise N(0, sigma²), keyed by (seed, entity, counter); Box-Muller on two words from
/// separate streams.
pub fn gaussian_noise(sigma: f64, seed: u64, entity: u64, counter: u64) -> f64 {
    let a = draw(seed, Purpose::Compromise, privacy_key(stream::GAUSSIAN_A, entity), counter);
    let b = draw(seed, Purpose::Compromise, privacy_key(stream::GAUSSIAN_B, entity), counter);
    sigma * standard_normal(a, b)
}

/// A count released by the Gaussian mechanism at zCDP cost `rho`.
pub fn gaussian_count(true_count: u64, rho: f64, sensitivity: f64, seed: u64, entity: u64, counter: u64) -> f64 {
    true_count as f64 + gaussian_noise(gaussian_sigma(sensitivity, rho), seed, entity, counter)
}

/// The zCDP cost of an epsilon-DP release: epsilon-DP implies (epsilon²/2)-zCDP (Bun & Steinke 2016).
pub fn pure_to_zcdp(epsilon: f64) -> f64 {
    epsilon * epsilon / 2.0
}

/// The (epsilon, delta)-DP guarantee implied by rho-zCDP: epsilon = rho + 2·sqrt(rho·ln(1/delta))
/// (Bun & Steinke 2016, Proposition 1.3).
pub fn zcdp_to_dp(rho: f64, delta: f64) -> f64 {
    rho + 2.0 * (rho * (1.0 / delta).ln()).sqrt()
}

/// Post-processing of a noisy count: rounded to the nearest integer and clamped at zero.
pub fn round_release(noisy: f64) -> u64 {
    if noisy.is_nan() || noisy <= 0.0 { 0 } else { noisy.round() as u64 }
}

/// A daily privacy budget per person, split evenly over the day's releases.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// Total epsilon one person may lose per day, over all releases that can include them.
    pub epsilon_per_day: f64,
}

impl Budget {
    /// The epsilon of each of `releases_per_day` equal releases (sequential composition); zero
    /// releases count as one.
    pub fn epsilon_per_release(self, releases_per_day: u32) -> f64 {
        self.epsilon_per_day / f64::from(releases_per_day.max(1))
    }

    /// The daily zCDP budget: the rho of a single release at the whole daily epsilon,
    /// epsilon²/2 ([`pure_to_zcdp`]).
    pub fn rho_per_day(self) -> f64 {
        pure_to_zcdp(self.epsilon_per_day)
    }

    /// The rho of each of `releases_per_day` equal Gaussian releases (rho adds); zero releases
    /// count as one.
    pub fn rho_per_release(self, releases_per_day: u32) -> f64 {
        self.rho_per_day() / f64::from(releases_per_day.max(1))
    }

    /// The Laplace scale of each of `releases_per_day` releases of a query with `sensitivity`.
    pub fn laplace_scale(self, releases_per_day: u32, sensitivity: f64) -> f64 {
        laplace_scale(self.epsilon_per_release(releases_per_day), sensitivity)
    }

    /// The Gaussian sigma of each of `releases_per_day` releases of a query with `sensitivity`.
    pub fn gaussian_sigma(self, releases_per_day: u32, sensitivity: f64) -> f64 {
        gaussian_sigma(sensitivity, self.rho_per_release(releases_per_day))
    }
}

/// How a [`Ledger`] composes releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accounting {
    /// Pure epsilon-DP: epsilons add, capped at the daily epsilon. Gaussian releases are refused.
    Pure,
    /// Zero-concentrated DP: rhos add, capped at [`Budget::rho_per_day`]; a Laplace release of
    /// epsilon counts as epsilon²/2.
    Zcdp,
}

/// What one release costs each person it can include.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cost {
    /// An epsilon-DP release (Laplace).
    Pure {
        /// The release's epsilon.
        epsilon: f64,
    },
    /// A rho-zCDP release (Gaussian).
    Zcdp {
        /// The release's rho.
        rho: f64,
    },
}

/// Why a [`Ledger`] refused a release.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum BudgetError {
    /// The release would take a person past their daily budget.
    #[error("person {person} on day {day}: spent {spent} + cost {cost} exceeds the daily cap {cap}")]
    Exceeded {
        /// Who.
        person: u32,
        /// Which day.
        day: u32,
        /// Already spent that day, in the ledger's unit (epsilon or rho).
        spent: f64,
        /// The refused release's cost, in the same unit.
        cost: f64,
        /// The daily cap, in the same unit.
        cap: f64,
    },
    /// A zCDP (Gaussian) release charged to a pure-DP ledger, which cannot account for it.
    #[error("a zCDP release cannot be charged to a pure epsilon-DP ledger")]
    NotPure,
}

/// Relative slack on the cap so that n releases of cap/n each fit despite rounding.
const CAP_SLACK: f64 = 1e-9;

/// A per-person, per-day privacy ledger: what each person has spent on each day, in epsilon
/// ([`Accounting::Pure`]) or rho ([`Accounting::Zcdp`]). People never charged have spent nothing.
#[derive(Clone, Debug)]
pub struct Ledger {
    budget: Budget,
    accounting: Accounting,
    spent: HashMap<(u32, u32), f64>,
}

impl Ledger {
    /// An empty ledger for `budget`, composing releases by `accounting`.
    pub fn new(budget: Budget, accounting: Accounting) -> Self {
        Ledger { budget, accounting, spent: HashMap::new() }
    }

    /// The daily cap in the ledger's unit: epsilon per day, or rho per day under zCDP.
    pub fn cap(&self) -> f64 {
        match self.accounting {
            Accounting::Pure => self.budget.epsilon_per_day,
            Accounting::Zcdp => self.budget.rho_per_day(),
        }
    }

    /// A release's cost in the ledger's unit.
    pub fn cost_units(&self, cost: Cost) -> Result<f64, BudgetError> {
        match (self.accounting, cost) {
            (Accounting::Pure, Cost::Pure { epsilon }) => Ok(epsilon),
            (Accounting::Pure, Cost::Zcdp { .. }) => Err(BudgetError::NotPure),
            (Accounting::Zcdp, Cost::Pure { epsilon }) => Ok(pure_to_zcdp(epsilon)),
            (Accounting::Zcdp, Cost::Zcdp { rho }) => Ok(rho),
        }
    }

    fn check(&self, person: u32, day: u32, units: f64) -> Result<f64, BudgetError> {
        let spent = self.spent(person, day);
        let cap = self.cap();
        if spent + units > cap * (1.0 + CAP_SLACK) {
            return Err(BudgetError::Exceeded { person, day, spent, cost: units, cap });
        }
        Ok(spent + units)
    }

    /// Charges one release to `person` on `day`; returns what they have left that day, or refuses
    /// (charging nothing) if the release would exceed the cap.
    pub fn charge(&mut self, person: u32, day: u32, cost: Cost) -> Result<f64, BudgetError> {
        let units = self.cost_units(cost)?;
        let after = self.check(person, day, units)?;
        self.spent.insert((person, day), after);
        Ok((self.cap() - after).max(0.0))
    }

    /// Charges one release to every person in `people` (a release that can include all of them,
    /// such as a city-wide count table). All or nothing: if anyone would exceed the cap, nobody
    /// is charged and the first refusal is returned.
    pub fn charge_all(&mut self, people: &[u32], day: u32, cost: Cost) -> Result<(), BudgetError> {
        let units = self.cost_units(cost)?;
        for &person in people {
            self.check(person, day, units)?;
        }
        for &person in people {
            *self.spent.entry((person, day)).or_insert(0.0) += units;
        }
        Ok(())
    }

    /// What `person` has spent on `day`, in the ledger's unit.
    pub fn spent(&self, person: u32, day: u32) -> f64 {
        self.spent.get(&(person, day)).copied().unwrap_or(0.0)
    }

    /// What `person` has left on `day`, in the ledger's unit.
    pub fn remaining(&self, person: u32, day: u32) -> f64 {
        (self.cap() - self.spent(person, day)).max(0.0)
    }

    /// The epsilon `person` has lost on `day`: the sum of epsilons under pure DP, or the
    /// (epsilon, `delta`)-DP conversion of the rho spent under zCDP ([`zcdp_to_dp`]).
    pub fn epsilon_spent(&self, person: u32, day: u32, delta: f64) -> f64 {
        match self.accounting {
            Accounting::Pure => self.spent(person, day),
            Accounting::Zcdp => zcdp_to_dp(self.spent(person, day), delta),
        }
    }

    /// The most any person has spent on any day, in the ledger's unit (zero when empty).
    pub fn max_spent(&self) -> f64 {
        self.spent.values().copied().fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rmse(samples: impl Iterator<Item = f64>) -> f64 {
        let (mut n, mut s2) = (0u64, 0.0);
        for x in samples {
            n += 1;
            s2 += x * x;
        }
        (s2 / n as f64).sqrt()
    }

    #[test]
    fn laplace_rmse_is_sqrt2_over_epsilon() {
        // Oracle: REFERENCE.md §5, RMSE = sqrt(2)/epsilon for a count (sensitivity 1). The RMSE of
        // 200k Laplace draws has a relative standard error of about 0.5 %; 3 % is ~6 of them.
        for (epsilon, entity) in [(1.0, 1), (0.1, 2)] {
            let b = laplace_scale(epsilon, 1.0);
            let got = rmse((0..200_000).map(|i| laplace_noise(b, 11, entity, i)));
            let want = std::f64::consts::SQRT_2 / epsilon;
            assert!((laplace_rmse(b) - want).abs() < 1e-12);
            assert!((got / want - 1.0).abs() < 0.03, "epsilon {epsilon}: rmse {got} vs {want}");
            let mean = (0..200_000).map(|i| laplace_noise(b, 11, entity, i)).sum::<f64>() / 200_000.0;
            assert!(mean.abs() < 0.02 * b, "mean {mean}");
        }
    }

    #[test]
    fn laplace_tail_matches_alpha() {
        // Oracle: P(|noise| > b ln(1/alpha)) = alpha; at epsilon 1 the 95 % bound is 3.0.
        assert!((laplace_error_bound(1.0, 0.05) - 3.0).abs() < 0.01);
        let b = 2.0;
        let n = 200_000u64;
        for (alpha, tol) in [(0.05, 0.003), (0.01, 0.0015)] {
            let bound = laplace_error_bound(b, alpha);
            let over = (0..n).filter(|&i| laplace_noise(b, 5, 9, i).abs() > bound).count();
            let share = over as f64 / n as f64;
            assert!((share - alpha).abs() < tol, "alpha {alpha}: {share}");
        }
    }

    #[test]
    fn hourly_releases_under_a_daily_budget() {
        // Oracle: REFERENCE.md §5, 24 hourly counts under a daily budget of 1 get epsilon 1/24
        // each, RMSE ~ 33.9 per hour; epsilons add to exactly 1.
        let budget = Budget { epsilon_per_day: 1.0 };
        let eps = budget.epsilon_per_release(24);
        assert_eq!(eps, 1.0 / 24.0);
        let b = budget.laplace_scale(24, 1.0);
        assert!((laplace_rmse(b) - 33.94).abs() < 0.01);
        let mut ledger = Ledger::new(budget, Accounting::Pure);
        let people = [0u32, 1, 2, 7];
        for hour in 0..24u64 {
            ledger.charge_all(&people, 3, Cost::Pure { epsilon: eps }).unwrap();
            assert!((ledger.spent(7, 3) - (hour + 1) as f64 / 24.0).abs() < 1e-12);
        }
        for &p in &people {
            assert!((ledger.epsilon_spent(p, 3, 1e-6) - 1.0).abs() < 1e-12);
            assert!(ledger.remaining(p, 3) < 1e-12);
        }
        assert!((ledger.max_spent() - 1.0).abs() < 1e-12);
        // A 25th release is refused and charges nobody; another day is untouched.
        let err = ledger.charge_all(&people, 3, Cost::Pure { epsilon: eps }).unwrap_err();
        assert!(matches!(err, BudgetError::Exceeded { person: 0, day: 3, .. }));
        assert!((ledger.spent(0, 3) - 1.0).abs() < 1e-12);
        assert_eq!(ledger.spent(0, 4), 0.0);
        assert!(ledger.charge(0, 4, Cost::Pure { epsilon: eps }).is_ok());
        // The released hourly counts' empirical RMSE: 100k draws, within 3 %.
        let got = rmse((0..100_000).map(|i| laplace_count(500, eps, 1.0, 1, 3, i) - 500.0));
        assert!((got / 33.94 - 1.0).abs() < 0.03, "rmse {got}");
    }

    #[test]
    fn budget_refuses_partial_overspend() {
        let mut ledger = Ledger::new(Budget { epsilon_per_day: 1.0 }, Accounting::Pure);
        ledger.charge(2, 0, Cost::Pure { epsilon: 0.9 }).unwrap();
        // Person 2 cannot afford 0.2 more, so nobody in the table is charged.
        assert!(ledger.charge_all(&[1, 2, 3], 0, Cost::Pure { epsilon: 0.2 }).is_err());
        assert_eq!(ledger.spent(1, 0), 0.0);
        assert_eq!(ledger.spent(3, 0), 0.0);
        assert!((ledger.remaining(2, 0) - 0.1).abs() < 1e-12);
        // A pure ledger cannot account for a Gaussian release.
        assert_eq!(ledger.charge(1, 0, Cost::Zcdp { rho: 0.01 }), Err(BudgetError::NotPure));
    }

    #[test]
    fn gaussian_sigma_from_rho_and_rho_adds() {
        // Oracle: REFERENCE.md §5, rho = Delta² / (2 sigma²), rho adds under composition.
        assert!((gaussian_sigma(1.0, 0.5) - 1.0).abs() < 1e-12);
        assert!((gaussian_sigma(2.0, 0.125) - 4.0).abs() < 1e-12);
        for (delta, rho) in [(1.0, 0.02), (3.0, 1.7)] {
            assert!((gaussian_rho(delta, gaussian_sigma(delta, rho)) - rho).abs() < 1e-12);
        }
        // k releases at sigma cost the same as one at sigma / sqrt(k).
        let (sigma, k) = (5.0, 16.0);
        assert!((k * gaussian_rho(1.0, sigma) - gaussian_rho(1.0, sigma / k.sqrt())).abs() < 1e-12);
        // The noise has the requested spread: 200k draws, sd within 2 % (about 6 standard errors).
        let sigma = gaussian_sigma(1.0, 0.01);
        let got = rmse((0..200_000).map(|i| gaussian_count(40, 0.01, 1.0, 2, 8, i) - 40.0));
        assert!((got / sigma - 1.0).abs() < 0.02, "sd {got} vs {sigma}");
        // A zCDP ledger: 24 releases at rho_day / 24 add to rho_day, the 25th is refused.
        let budget = Budget { epsilon_per_day: 1.0 };
        assert_eq!(budget.rho_per_day(), 0.5);
        let mut ledger = Ledger::new(budget, Accounting::Zcdp);
        let rho = budget.rho_per_release(24);
        for _ in 0..24 {
            ledger.charge(4, 0, Cost::Zcdp { rho }).unwrap();
        }
        assert!((ledger.spent(4, 0) - 0.5).abs() < 1e-12);
        assert!(ledger.charge(4, 0, Cost::Zcdp { rho }).is_err());
        assert!((budget.gaussian_sigma(24, 1.0) - gaussian_sigma(1.0, 0.5 / 24.0)).abs() < 1e-12);
        // Converted back to (epsilon, delta)-DP, and a Laplace release costs epsilon²/2.
        assert!((ledger.epsilon_spent(4, 0, 1e-6) - (0.5 + 2.0 * (0.5 * 1e6f64.ln()).sqrt())).abs() < 1e-12);
        let mut ledger = Ledger::new(budget, Accounting::Zcdp);
        assert!((ledger.charge(1, 0, Cost::Pure { epsilon: 0.5 }).unwrap() - 0.375).abs() < 1e-12);
    }

    #[test]
    fn noise_is_deterministic_per_key() {
        let a = laplace_noise(1.0, 3, 4, 5);
        assert_eq!(a, laplace_noise(1.0, 3, 4, 5));
        assert_ne!(a, laplace_noise(1.0, 3, 4, 6));
        assert_ne!(a, laplace_noise(1.0, 3, 5, 5));
        assert_ne!(a, laplace_noise(1.0, 4, 4, 5));
        assert_eq!(gaussian_noise(2.0, 3, 4, 5), gaussian_noise(2.0, 3, 4, 5));
        assert_ne!(gaussian_noise(2.0, 3, 4, 5), gaussian_noise(2.0, 3, 4, 6));
        // Privacy keys always set bit 62; attack keys (failure << 40 | sensor) never do.
        for (s, e) in [(0, 0), (63, u64::MAX), (7, 12345)] {
            assert_ne!(privacy_key(s, e) & PRIVACY_KEY_BIT, 0);
        }
        assert_eq!((1000u64 << 40 | 999_999) & PRIVACY_KEY_BIT, 0);
        assert_ne!(privacy_key(stream::LAPLACE, 1), privacy_key(stream::GAUSSIAN_A, 1));
    }

    #[test]
    fn releases_round_and_clamp() {
        assert_eq!(round_release(-3.2), 0);
        assert_eq!(round_release(f64::NAN), 0);
        assert_eq!(round_release(4.5), 5);
        assert_eq!(round_release(4.49), 4);
    }
}
