//! Statistics over a grid point's replications: mean, sample standard deviation and the 95 %
//! confidence interval of the mean from Student's t distribution (the replications are
//! independent runs with their own seeds, so their mean is t-distributed about the true mean
//! when the metric is close to normal, and nearly so otherwise by the central limit theorem).
//!
//! The t quantile is found by bisection on the t distribution's CDF, which is written with the
//! regularised incomplete beta function (continued fraction, Numerical Recipes §6.4) and
//! Lanczos' log-gamma.

/// Confidence level of the intervals.
pub const CONFIDENCE: f64 = 0.95;

/// Mean, spread and confidence interval of one metric at one grid point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Runs that gave a value.
    pub n: usize,
    /// Their mean (NaN when n = 0).
    pub mean: f64,
    /// Sample standard deviation (NaN when n < 2).
    pub sd: f64,
    /// Lower and upper bound of the 95 % confidence interval of the mean (None when n < 2).
    pub ci: Option<(f64, f64)>,
}

/// The estimate from `values` (non-finite values are left out).
pub fn estimate(values: &[f64]) -> Estimate {
    let xs: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let n = xs.len();
    if n == 0 {
        return Estimate { n, mean: f64::NAN, sd: f64::NAN, ci: None };
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Estimate { n, mean, sd: f64::NAN, ci: None };
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half = t_quantile(0.5 + CONFIDENCE / 2.0, (n - 1) as f64) * sd / (n as f64).sqrt();
    Estimate { n, mean, sd, ci: Some((mean - half, mean + half)) }
}

/// The `p` quantile of Student's t distribution with `df` degrees of freedom (p in (0, 1)).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if p == 0.5 {
        return 0.0;
    }
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    // Bisection on [0, hi]: the CDF is monotone; 60 halvings reach f64 resolution.
    let mut hi = 1.0;
    while t_cdf(hi, df) < p && hi < 1e12 {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// P(T ≤ t) for Student's t with `df` degrees of freedom.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    let tail = 0.5 * incomplete_beta(x, df / 2.0, 0.5);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The regularised incomplete beta function I_x(a, b).
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    // The continued fraction converges fast for x below the mean; use the symmetry otherwise.
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

/// The continued fraction of the incomplete beta function, by the modified Lentz method.
fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        for aa in
            [m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)), -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0))]
        {
            d = 1.0 + aa * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + aa / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-15).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::random::{Purpose, draw, unit};

    #[test]
    fn t_quantiles_match_the_printed_table() {
        // Oracle: two-sided 95 % critical values of Student's t (any statistics table).
        for (df, t) in [(1.0, 12.7062), (2.0, 4.3027), (4.0, 2.7764), (9.0, 2.2622), (29.0, 2.0452), (1000.0, 1.9623)] {
            assert!((t_quantile(0.975, df) - t).abs() < 5e-4, "df {df}: {} vs {t}", t_quantile(0.975, df));
        }
        // Symmetry and the median.
        assert_eq!(t_quantile(0.5, 5.0), 0.0);
        assert!((t_quantile(0.025, 9.0) + 2.2622).abs() < 5e-4);
        // Γ(5) = 24.
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn estimate_of_known_samples() {
        let e = estimate(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!((e.n, e.mean), (5, 3.0));
        assert!((e.sd - 2.5f64.sqrt()).abs() < 1e-12);
        let (lo, hi) = e.ci.unwrap();
        // Oracle: 3 ± 2.7764 × sqrt(2.5) / sqrt(5).
        assert!((hi - 3.0 - 2.7764 * (0.5f64).sqrt()).abs() < 1e-3);
        assert!((3.0 - lo - (hi - 3.0)).abs() < 1e-12);
        let one = estimate(&[7.0, f64::NAN]);
        assert_eq!((one.n, one.mean, one.ci), (1, 7.0, None));
        assert_eq!(estimate(&[]).n, 0);
    }

    /// A standard normal draw (Box-Muller) from the counter-based streams.
    fn normal(seed: u64, i: u64) -> f64 {
        let u1 = 1.0 - unit(draw(seed, Purpose::Replication, i, 0));
        let u2 = unit(draw(seed, Purpose::Replication, i, 1));
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    #[test]
    fn intervals_cover_a_known_mean_at_the_nominal_rate() {
        // Oracle: a 95 % interval covers the true mean in 95 % of repeated experiments. 4,000
        // experiments put the observed rate within ±0.0069 (one standard error) of 0.95; allow
        // three. Normal data with 5 and 10 replications, and skewed (exponential) data with 30.
        let trials = 4_000u64;
        let cases: [(usize, bool); 3] = [(5, false), (10, false), (30, true)];
        for (reps, skewed) in cases {
            let mut covered = 0;
            for t in 0..trials {
                let xs: Vec<f64> = (0..reps as u64)
                    .map(|r| {
                        let i = t * 100 + r;
                        if skewed {
                            -(1.0 - unit(draw(3, Purpose::Replication, i, 2))).ln()
                        } else {
                            10.0 + 2.0 * normal(7, i)
                        }
                    })
                    .collect();
                let true_mean = if skewed { 1.0 } else { 10.0 };
                let (lo, hi) = estimate(&xs).ci.unwrap();
                covered += u32::from(lo <= true_mean && true_mean <= hi);
            }
            let rate = f64::from(covered) / trials as f64;
            let tolerance = if skewed { 0.025 } else { 0.021 };
            assert!((rate - 0.95).abs() < tolerance, "{reps} replications, skewed {skewed}: coverage {rate}");
        }
    }
}
