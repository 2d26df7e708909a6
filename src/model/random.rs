//! Counter-based random streams: every draw is a pure function of (master seed, purpose,
//! entity id, counter), so results never depend on iteration order or thread count, and no
//! generator state has to be stored per sensor.
//!
//! The mixing function is SplitMix64's finaliser (Steele, Lea & Flood 2014), which passes
//! BigCrush when fed a counter; distributions are drawn by inversion or Box-Muller.

/// What a random number is for; part of every stream's key so that streams never overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Where a sensor stands.
    SensorPlacement = 1,
    /// Where a randomly placed gateway stands.
    GatewayPlacement = 2,
    /// First report phase and the gaps between reports.
    ReportTiming = 3,
    /// Which channel an uplink uses.
    Channel = 4,
    /// Static log-normal shadowing of a sensor-gateway link.
    Shadowing = 5,
    /// Building penetration loss of an indoor sensor.
    BuildingLoss = 6,
    /// When an unacknowledged uplink is sent again (ACK timeout).
    Retransmission = 7,
    /// Which random-access preamble a cellular device picks.
    Preamble = 8,
    /// How long a cellular device backs off after a preamble collision.
    Backoff = 9,
    /// When a unit fails and how long its repair takes.
    Failure = 10,
    /// Service times and other draws inside the data pipeline's stages.
    Service = 11,
    /// Which devices an attack compromises.
    Compromise = 12,
    /// The master seed of a sweep's replication.
    Replication = 13,
}

/// SplitMix64 finaliser: a bijective avalanche of one 64-bit word.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A 64-bit draw keyed by (seed, purpose, entity, counter).
#[inline]
pub fn draw(seed: u64, purpose: Purpose, entity: u64, counter: u64) -> u64 {
    let k = mix64(seed ^ mix64((purpose as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ entity));
    mix64(k ^ counter.wrapping_mul(0xd1b5_4a32_d192_ed03))
}

/// A uniform float in [0, 1) from the top 53 bits of `x`.
#[inline]
pub fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform float in (0, 1], safe to take the logarithm of.
#[inline]
pub fn unit_open0(x: u64) -> f64 {
    ((x >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// An exponential variate with the given mean, by inversion.
#[inline]
pub fn exponential(x: u64, mean: f64) -> f64 {
    -mean * unit_open0(x).ln()
}

/// A standard normal variate from two uniform words (Box-Muller).
#[inline]
pub fn standard_normal(a: u64, b: u64) -> f64 {
    (-2.0 * unit_open0(a).ln()).sqrt() * (std::f64::consts::TAU * unit(b)).cos()
}

/// A uniform integer in `0..n` (n > 0) by multiply-shift (Lemire), bias below 2^-32 for n < 2^32.
#[inline]
pub fn below(x: u64, n: u64) -> u64 {
    ((x as u128 * n as u128) >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_keyed_and_repeatable() {
        assert_eq!(draw(7, Purpose::Channel, 3, 9), draw(7, Purpose::Channel, 3, 9));
        assert_ne!(draw(7, Purpose::Channel, 3, 9), draw(7, Purpose::Channel, 3, 10));
        assert_ne!(draw(7, Purpose::Channel, 3, 9), draw(7, Purpose::ReportTiming, 3, 9));
        assert_ne!(draw(7, Purpose::Channel, 3, 9), draw(8, Purpose::Channel, 3, 9));
    }

    #[test]
    fn moments_match_the_distributions() {
        let n = 200_000u64;
        let (mut s_u, mut s_e, mut s_n, mut s_n2) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..n {
            let d = |p| draw(1, p, 0, i);
            s_u += unit(d(Purpose::Channel));
            s_e += exponential(d(Purpose::ReportTiming), 2.0);
            let z = standard_normal(d(Purpose::Shadowing), d(Purpose::SensorPlacement));
            s_n += z;
            s_n2 += z * z;
        }
        let nf = n as f64;
        // Oracle: U(0,1) mean 1/2, Exp(mean 2) mean 2, N(0,1) mean 0 variance 1; tolerances are
        // about 5 standard errors at n = 200k.
        assert!((s_u / nf - 0.5).abs() < 0.004);
        assert!((s_e / nf - 2.0).abs() < 0.025);
        assert!((s_n / nf).abs() < 0.012);
        assert!((s_n2 / nf - 1.0).abs() < 0.02);
    }

    #[test]
    fn below_stays_in_range() {
        for i in 0..10_000 {
            assert!(below(draw(3, Purpose::Channel, 1, i), 8) < 8);
        }
    }
}
