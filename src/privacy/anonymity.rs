//! Anonymity of released tables and traces (REFERENCE.md §5): k-anonymity of a count table
//! (k = smallest non-empty equivalence class, prosecutor risk 1/k, average risk = mean over
//! records of 1/class size) and small-cell suppression; the share of people alone in their cell
//! when z people spread uniformly over d cells, in closed form, (1 - 1/d)^(z-1) ~ e^(-z/d), and by
//! simulation; and the unicity of location traces (de Montjoye 2013): the share of people whom p
//! random points of their own trace single out.
//!
//! Random draws use [`Purpose::Compromise`] with bit-62 privacy keys
//! ([`super::mechanisms`] documents the key layout and owns the stream numbers).

use std::collections::HashMap;

use super::mechanisms::{privacy_key, stream};
use crate::model::random::{Purpose, below, draw};

/// k of a released count table whose cells are the equivalence classes (records sharing the same
/// quasi-identifiers): the smallest non-zero count. `None` when no cell holds a record.
pub fn k_of_table(counts: &[u64]) -> Option<u64> {
    counts.iter().copied().filter(|&c| c > 0).min()
}

/// Prosecutor re-identification risk of a table: 1/k, the risk of the most exposed record.
pub fn prosecutor_risk(counts: &[u64]) -> Option<f64> {
    k_of_table(counts).map(|k| 1.0 / k as f64)
}

/// Average re-identification risk: the mean over records of 1/(size of the record's class),
/// which is (number of non-empty classes) / (number of records).
pub fn average_risk(counts: &[u64]) -> Option<f64> {
    let records: u64 = counts.iter().sum();
    let classes = counts.iter().filter(|&&c| c > 0).count();
    (records > 0).then(|| classes as f64 / records as f64)
}

/// What a suppression removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Suppression {
    /// Cells zeroed.
    pub cells: usize,
    /// Records in those cells.
    pub records: u64,
}

/// k-anonymity by suppression: zeroes every cell with 0 < count < k, so that the remaining table
/// has k of at least `k` (or is empty). Suppressing small cells alone does not stop differencing
/// against published margins or earlier releases; those need noise ([`super::mechanisms`]).
pub fn suppress_below_k(counts: &mut [u64], k: u64) -> Suppression {
    let mut out = Suppression::default();
    for c in counts.iter_mut().filter(|c| **c > 0 && **c < k) {
        out.cells += 1;
        out.records += *c;
        *c = 0;
    }
    out
}

/// Expected share of z people who are alone in their cell when each picks one of d cells
/// uniformly and independently: (1 - 1/d)^(z-1), about e^(-z/d). Zero when z or d is zero.
pub fn expected_unique_share(z: u64, d: u64) -> f64 {
    if z == 0 || d == 0 {
        return 0.0;
    }
    (1.0 - 1.0 / d as f64).powf((z - 1) as f64)
}

/// One simulation of [`expected_unique_share`]: z people placed uniformly over d cells by draws
/// keyed by `seed`; the share of people alone in their cell. Zero when z or d is zero.
pub fn simulated_unique_share(z: u64, d: u64, seed: u64) -> f64 {
    if z == 0 || d == 0 {
        return 0.0;
    }
    let mut cells = vec![0u32; d as usize];
    let cell_of = |i: u64| below(draw(seed, Purpose::Compromise, privacy_key(stream::UNIQUE_CELLS, 0), i), d) as usize;
    for i in 0..z {
        cells[cell_of(i)] += 1;
    }
    let alone = cells.iter().filter(|&&c| c == 1).count();
    alone as f64 / z as f64
}

/// One spatio-temporal point of a trace: (cell, time slot).
pub type Point = (u32, u32);

/// Traces indexed for unicity queries: each trace as a sorted set of points, and an inverted
/// index from each point to the ids (positions) of the traces that contain it, in ascending order.
#[derive(Clone, Debug)]
pub struct TraceIndex {
    traces: Vec<Vec<Point>>,
    postings: HashMap<Point, Vec<u32>>,
}

impl TraceIndex {
    /// Indexes `traces` (trace id = position); repeated points within a trace count once.
    pub fn new(traces: &[Vec<Point>]) -> Self {
        let mut postings: HashMap<Point, Vec<u32>> = HashMap::new();
        let traces: Vec<Vec<Point>> = traces
            .iter()
            .map(|t| {
                let mut t = t.clone();
                t.sort_unstable();
                t.dedup();
                t
            })
            .collect();
        for (id, t) in traces.iter().enumerate() {
            for &pt in t {
                postings.entry(pt).or_default().push(id as u32);
            }
        }
        TraceIndex { traces, postings }
    }

    /// Number of traces.
    pub fn len(&self) -> usize {
        self.traces.len()
    }

    /// Whether there are no traces.
    pub fn is_empty(&self) -> bool {
        self.traces.is_empty()
    }

    /// Ids of the traces that contain every one of `points` (all traces when `points` is empty),
    /// in ascending order. Intersects the posting lists smallest first and stops early once at
    /// most `stop_at` candidates remain.
    fn matching_until(&self, points: &[Point], stop_at: usize) -> Vec<u32> {
        if points.is_empty() {
            return (0..self.traces.len() as u32).collect();
        }
        let mut lists: Vec<&[u32]> = Vec::with_capacity(points.len());
        for pt in points {
            match self.postings.get(pt) {
                Some(l) => lists.push(l),
                None => return Vec::new(),
            }
        }
        lists.sort_unstable_by_key(|l| l.len());
        let mut cand = lists[0].to_vec();
        for l in &lists[1..] {
            if cand.len() <= stop_at {
                break;
            }
            cand.retain(|id| l.binary_search(id).is_ok());
        }
        cand
    }

    /// Ids of the traces that contain every one of `points`, in ascending order.
    pub fn matching(&self, points: &[Point]) -> Vec<u32> {
        self.matching_until(points, 0)
    }

    /// Unicity at `p` points: for up to `samples` people drawn without replacement (all of them
    /// when `samples` >= the number of traces), draws `p` distinct points of their trace at random
    /// and counts them unique when no other trace contains all `p`. People with fewer than `p`
    /// distinct points are skipped. Returns the unique share of the people evaluated, `None` when
    /// nobody was evaluated.
    ///
    /// The draws are keyed by (seed, person, step) and do not depend on `p`: the same people are
    /// sampled at every p, and each person's p points extend their p - 1 points, so for a fixed
    /// seed unicity can only rise with p.
    pub fn unicity(&self, p: usize, samples: usize, seed: u64) -> Option<f64> {
        let n = self.traces.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        let take = samples.min(n);
        if take < n {
            for i in 0..take {
                let x = draw(seed, Purpose::Compromise, privacy_key(stream::UNICITY_PEOPLE, 0), i as u64);
                let j = i + below(x, (n - i) as u64) as usize;
                order.swap(i, j);
            }
        }
        let (mut evaluated, mut unique) = (0usize, 0usize);
        let mut pts: Vec<Point> = Vec::new();
        for &person in &order[..take] {
            let trace = &self.traces[person as usize];
            if trace.len() < p {
                continue;
            }
            pts.clear();
            pts.extend_from_slice(trace);
            for i in 0..p {
                let key = privacy_key(stream::UNICITY_POINTS, u64::from(person));
                let j = i + below(draw(seed, Purpose::Compromise, key, i as u64), (pts.len() - i) as u64) as usize;
                pts.swap(i, j);
            }
            evaluated += 1;
            // The person's own trace always matches; unique when it is the only one.
            if self.matching_until(&pts[..p], 1).len() == 1 {
                unique += 1;
            }
        }
        (evaluated > 0).then(|| unique as f64 / evaluated as f64)
    }
}

/// Unicity of `traces` at `p` points over up to `samples` sampled people ([`TraceIndex::unicity`]).
/// Build a [`TraceIndex`] once instead when evaluating several p.
pub fn unicity(traces: &[Vec<Point>], p: usize, samples: usize, seed: u64) -> Option<f64> {
    TraceIndex::new(traces).unicity(p, samples, seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_and_risks_of_a_small_table() {
        // Classes of 5, 2, 0 and 3 records: k = 2, prosecutor risk 1/2, average risk = 3 classes
        // over 10 records = mean of (5·1/5 + 2·1/2 + 3·1/3) / 10.
        let t = [5, 2, 0, 3];
        assert_eq!(k_of_table(&t), Some(2));
        assert_eq!(prosecutor_risk(&t), Some(0.5));
        assert!((average_risk(&t).unwrap() - 0.3).abs() < 1e-12);
        assert_eq!(k_of_table(&[0, 0]), None);
        assert_eq!(k_of_table(&[]), None);
        assert_eq!(average_risk(&[0]), None);
        // Every record alone: risk 1.
        assert_eq!(average_risk(&[1, 1, 1]), Some(1.0));
    }

    #[test]
    fn suppression_makes_a_table_k_anonymous() {
        let mut t = [5, 2, 0, 3, 1, 9];
        let s = suppress_below_k(&mut t, 3);
        assert_eq!(s, Suppression { cells: 2, records: 3 });
        assert_eq!(t, [5, 0, 0, 3, 0, 9]);
        assert_eq!(k_of_table(&t), Some(3));
        // Already k-anonymous: nothing to do; k above every cell empties the table.
        assert_eq!(suppress_below_k(&mut t, 3), Suppression::default());
        assert_eq!(suppress_below_k(&mut t, 100), Suppression { cells: 3, records: 17 });
        assert_eq!(k_of_table(&t), None);
    }

    #[test]
    fn uniform_uniqueness_matches_the_closed_form() {
        // Oracle: REFERENCE.md §5, z = 9,330 over d = 56,940 cells: 84.9 %, ~ e^(-z/d);
        // simulation 84.3-85.7 %.
        let (z, d) = (9_330, 56_940);
        let est = expected_unique_share(z, d);
        assert!((est - (-(z as f64) / d as f64).exp()).abs() < 0.01);
        assert!((est - 0.849).abs() < 0.0005, "{est}");
        // One run's standard deviation is 0.49 points (the occupancy variance; 3,000 runs gave
        // 0.494 and a mean within 0.01 points of the closed form). Each of 20 runs within 2.5
        // points (~5 SD), their mean within 0.5 points (~4.5 standard errors).
        let runs: Vec<f64> = (0..20).map(|s| simulated_unique_share(z, d, s)).collect();
        for r in &runs {
            assert!((r - est).abs() < 0.025, "{r}");
        }
        let mean = runs.iter().sum::<f64>() / runs.len() as f64;
        assert!((mean - est).abs() < 0.005, "{mean}");
        assert_eq!(expected_unique_share(1, 1), 1.0);
        assert_eq!(expected_unique_share(2, 1), 0.0);
        assert_eq!(simulated_unique_share(2, 1, 0), 0.0);
        assert_eq!(simulated_unique_share(1, 5, 0), 1.0);
    }

    /// `n` traces of `len` distinct points drawn uniformly from `cells × slots` points.
    fn synthetic(n: usize, len: usize, cells: u32, slots: u32, seed: u64) -> Vec<Vec<Point>> {
        let all: Vec<Point> = (0..cells).flat_map(|c| (0..slots).map(move |s| (c, s))).collect();
        (0..n)
            .map(|i| {
                let mut pool = all.clone();
                for k in 0..len {
                    let x = draw(seed, Purpose::Compromise, privacy_key(stream::TEST, i as u64), k as u64);
                    let j = k + below(x, (pool.len() - k) as u64) as usize;
                    pool.swap(k, j);
                }
                pool.truncate(len);
                pool
            })
            .collect()
    }

    #[test]
    fn unicity_rises_with_points() {
        // 2,000 traces of 30 points out of 1,200: another trace holds p given points with
        // probability q = prod_{i<p} (30 - i) / (1200 - i), so a person is unique with
        // probability (1 - q)^(n - 1): ~0 at p = 1, 0.30 at p = 2, 0.97 at p = 3, 1.0 at p = 4.
        let (n, len, total) = (2_000usize, 30usize, 1_200usize);
        let idx = TraceIndex::new(&synthetic(n, len, 50, 24, 3));
        assert_eq!(idx.len(), n);
        let mut last = 0.0;
        for p in 1..=5 {
            let got = idx.unicity(p, 1_000, 9).unwrap();
            let q: f64 = (0..p).map(|i| (len - i) as f64 / (total - i) as f64).product();
            let want = (1.0 - q).powf((n - 1) as f64);
            // 1,000 samples: standard error at most 1.6 points.
            assert!((got - want).abs() < 0.06, "p {p}: {got} vs {want}");
            assert!(got >= last, "p {p}: {got} < {last}");
            last = got;
        }
        assert!(idx.unicity(1, 1_000, 9).unwrap() < 0.05);
        assert!(idx.unicity(4, 1_000, 9).unwrap() > 0.95);
        // Nobody has 31 distinct points.
        assert_eq!(idx.unicity(31, 1_000, 9), None);
    }

    #[test]
    fn unicity_extremes() {
        // Every trace starts at a point of its own and then shares the rest: all points single
        // everyone out; a single point does so only when it is the first.
        let shared: Vec<Point> = (0..4).map(|s| (999, s)).collect();
        let traces: Vec<Vec<Point>> =
            (0..300u32).map(|i| std::iter::once((i, 100)).chain(shared.iter().copied()).collect()).collect();
        assert_eq!(unicity(&traces, 5, 300, 1), Some(1.0));
        let one = unicity(&traces, 1, 300, 1).unwrap();
        assert!((one - 0.2).abs() < 0.08, "{one}");
        // Distinct one-point traces: unique at p = 1.
        let singles: Vec<Vec<Point>> = (0..100u32).map(|i| vec![(i, i)]).collect();
        assert_eq!(unicity(&singles, 1, 50, 2), Some(1.0));
        // Identical traces: nobody is unique at any p.
        let same: Vec<Vec<Point>> = vec![shared.clone(); 50];
        for p in 1..=4 {
            assert_eq!(unicity(&same, p, 50, 4), Some(0.0));
        }
        assert_eq!(unicity(&[], 1, 10, 0), None);
        let idx = TraceIndex::new(&traces);
        assert_eq!(idx.matching(&[(7, 100), (999, 0)]), vec![7]);
        assert_eq!(idx.matching(&[(7, 101)]), Vec::<u32>::new());
        assert_eq!(idx.matching(&[]).len(), 300);
    }
}
