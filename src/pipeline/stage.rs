//! One processing stage of the pipeline (ingest, verify, anonymise, store, ...): its configuration
//! (parallel workers, service-time distribution, bounded waiting queue with an overflow policy,
//! batching, outage windows) and the runtime state of one station, i.e. one running instance of a
//! hop with its servers, waiting queue and blocked upstream holders.
//!
//! The event loop that moves messages between stations lives in [`super`]; the closed-form
//! queueing tests (M/M/1, M/M/1/K, M/D/1) live here because they exercise one stage alone.
//!
//! Modelling rules shared by every hop kind:
//! - **Batching**: a free worker takes up to `size` waiting messages at once, as soon as `size`
//!   are waiting or the oldest has waited `linger_us` in the queue. One service draw covers the
//!   whole batch (per-batch time = one draw), so batching multiplies a worker's throughput by the
//!   batch size at the cost of waiting for the batch to fill.
//! - **Outages** (sorted, disjoint `[start, end)` windows in µs): no service starts while the
//!   stage is down; arrivals still queue subject to the overflow policy. Work in progress when an
//!   outage begins is frozen and resumes where it left off when the outage ends
//!   (preemptive-resume), so its completion is pushed back by the overlapping outage time.
//! - **Overflow** when the waiting queue would exceed `capacity`: `DropNewest` drops the arrival
//!   (`queue_full`), `DropOldest` drops the head of the queue (`dropped_oldest`), `Block` never
//!   drops: see [`Overflow::Block`].

use std::collections::VecDeque;

use crate::model::random::{Purpose, draw, exponential, standard_normal};

/// A service-time distribution, in µs. Draws are rounded to whole µs and never below 1 µs.
#[derive(Clone, Debug, PartialEq)]
pub enum Service {
    /// Every batch takes exactly `us`.
    Constant {
        /// Service time, µs.
        us: u64,
    },
    /// Exponentially distributed (memoryless) service, as in M/M/c.
    Exponential {
        /// Mean service time, µs.
        mean_us: f64,
    },
    /// Log-normal service: `median_us * exp(sigma * Z)` with Z standard normal.
    LogNormal {
        /// Median service time, µs.
        median_us: f64,
        /// Standard deviation of the underlying normal (shape).
        sigma: f64,
    },
}

impl Service {
    /// The service time of the batch whose stream entity is `entity` (first message id * 64 +
    /// hop index), from `Purpose::Service` draws only, so it never depends on event order.
    pub fn draw_us(&self, seed: u64, entity: u64) -> u64 {
        let us = match *self {
            Service::Constant { us } => return us.max(1),
            Service::Exponential { mean_us } => exponential(draw(seed, Purpose::Service, entity, 0), mean_us),
            Service::LogNormal { median_us, sigma } => {
                let z =
                    standard_normal(draw(seed, Purpose::Service, entity, 0), draw(seed, Purpose::Service, entity, 1));
                median_us * (sigma * z).exp()
            }
        };
        (us.round() as u64).max(1)
    }

    /// The mean service time, µs (before rounding to whole µs).
    pub fn mean_us(&self) -> f64 {
        match *self {
            Service::Constant { us } => us.max(1) as f64,
            Service::Exponential { mean_us } => mean_us,
            Service::LogNormal { median_us, sigma } => median_us * (sigma * sigma / 2.0).exp(),
        }
    }

    /// The same distribution with its mean moved to `mean_us`, its shape kept (a log-normal
    /// keeps its sigma: median = mean / e^(sigma^2 / 2)).
    pub fn with_mean(&self, mean_us: f64) -> Service {
        match *self {
            Service::Constant { .. } => Service::Constant { us: mean_us.round().max(1.0) as u64 },
            Service::Exponential { .. } => Service::Exponential { mean_us },
            Service::LogNormal { sigma, .. } => {
                Service::LogNormal { median_us: mean_us / (sigma * sigma / 2.0).exp(), sigma }
            }
        }
    }

    fn validate(&self, hop: &str) -> Result<(), String> {
        let ok = |x: f64| x.is_finite() && x > 0.0;
        match *self {
            Service::Constant { .. } => Ok(()),
            Service::Exponential { mean_us } if ok(mean_us) => Ok(()),
            Service::LogNormal { median_us, sigma } if ok(median_us) && sigma.is_finite() && sigma >= 0.0 => Ok(()),
            _ => Err(format!("{hop}: service parameters must be finite and positive, got {self:?}")),
        }
    }
}

/// What happens when a message arrives at a full waiting queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// The arriving message is dropped (cause `queue_full`, or the hop's own cause).
    DropNewest,
    /// The message at the head of the queue is dropped (cause `dropped_oldest`) to make room.
    DropOldest,
    /// Backpressure: the upstream hop keeps holding the message, so its worker stays blocked
    /// until this queue has room, and nothing is dropped here. Space is reserved when the
    /// upstream hands a message over, so messages still travelling (a gateway's backhaul
    /// latency) always find room. If this is the first hop a message meets, there is no
    /// upstream worker to hold it: it waits in an unbounded inbox in arrival order (counted
    /// in this hop's queue depth and sojourn). A blocked worker forwards its batch in order and
    /// is blocked by the first message that finds no room (head-of-line blocking).
    Block,
}

/// Batching: a worker takes up to `size` messages at once (see the module rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Largest batch, messages (at least 1).
    pub size: u32,
    /// Longest time the oldest waiting message waits for a batch to fill, µs.
    pub linger_us: u64,
}

/// A processing stage: `workers` parallel servers behind one waiting queue.
#[derive(Clone, Debug, PartialEq)]
pub struct StageConfig {
    /// Stage name, used in reports.
    pub name: String,
    /// Parallel servers (c in M/M/c), at least 1.
    pub workers: u32,
    /// Service time per batch.
    pub service: Service,
    /// Waiting-room size, messages not in service; `None` is unbounded.
    pub capacity: Option<u32>,
    /// What a full waiting room does.
    pub overflow: Overflow,
    /// Optional batching.
    pub batch: Option<Batch>,
    /// Sorted, disjoint `[start, end)` windows (µs) when the stage serves nothing.
    pub outages: Vec<(u64, u64)>,
}

impl Default for StageConfig {
    fn default() -> Self {
        StageConfig {
            name: "stage".into(),
            workers: 1,
            service: Service::Constant { us: 1000 },
            capacity: None,
            overflow: Overflow::DropNewest,
            batch: None,
            outages: Vec::new(),
        }
    }
}

impl StageConfig {
    pub(super) fn validate(&self) -> Result<(), String> {
        let n = &self.name;
        if self.workers == 0 {
            return Err(format!("{n}: workers must be at least 1"));
        }
        self.service.validate(n)?;
        validate_batch(n, self.batch, self.capacity, self.overflow)?;
        validate_outages(n, &self.outages)
    }
}

/// Checks a batch size and that a blocking queue can always form a batch.
pub(super) fn validate_batch(
    hop: &str,
    batch: Option<Batch>,
    cap: Option<u32>,
    overflow: Overflow,
) -> Result<(), String> {
    if batch.is_some_and(|b| b.size == 0) {
        return Err(format!("{hop}: batch size must be at least 1"));
    }
    if batch.is_some() && overflow == Overflow::Block && cap == Some(0) {
        return Err(format!("{hop}: a blocking queue with batching needs capacity of at least 1"));
    }
    Ok(())
}

/// Checks that outage windows are non-empty, sorted and disjoint.
pub(super) fn validate_outages(hop: &str, windows: &[(u64, u64)]) -> Result<(), String> {
    for (i, &(s, e)) in windows.iter().enumerate() {
        if s >= e {
            return Err(format!("{hop}: outage {i} must end after it starts, got [{s}, {e})"));
        }
        if i > 0 && windows[i - 1].1 > s {
            return Err(format!("{hop}: outages must be sorted and disjoint (window {i})"));
        }
    }
    Ok(())
}

/// If `t` lies inside an outage window, the window's end.
pub fn outage_end(windows: &[(u64, u64)], t: u64) -> Option<u64> {
    let i = windows.partition_point(|w| w.1 <= t);
    windows.get(i).filter(|w| w.0 <= t).map(|w| w.1)
}

/// When `work` µs of service that starts at `start` (while up) completes, if work only
/// progresses outside the outage windows (preemptive-resume).
pub fn completion_us(windows: &[(u64, u64)], start: u64, work: u64) -> u64 {
    let (mut t, mut left) = (start, work);
    for &(s, e) in &windows[windows.partition_point(|w| w.1 <= t)..] {
        if s >= t + left {
            break;
        }
        left -= s.saturating_sub(t);
        t = e;
    }
    t + left
}

/// Someone waiting for room in a blocking station.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Waiter {
    /// A message that arrived from the network at a first hop (the unbounded inbox).
    Inbox(usize),
    /// An upstream worker holding the rest of its finished batch.
    Upstream {
        /// Upstream hop index.
        hop: usize,
        /// Upstream station index.
        station: usize,
        /// Worker index in that station.
        server: usize,
    },
}

/// What a worker is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ServerState {
    /// Free.
    Idle,
    /// Serving `batch` since `start`, done at `done`.
    Serving,
    /// Finished, holding `batch[next..]` until downstream has room.
    Blocked,
}

/// One worker.
#[derive(Clone, Debug)]
pub(super) struct Server {
    pub state: ServerState,
    /// Message slots of the current batch, in order.
    pub batch: Vec<usize>,
    /// First message of `batch` not yet handed downstream.
    pub next: usize,
    pub start: u64,
    pub done: u64,
}

/// One running instance of a hop: one stage, one gateway's forwarder, one broker client queue.
#[derive(Clone, Debug)]
pub(super) struct Station {
    /// Outage windows of this instance.
    pub outages: Vec<(u64, u64)>,
    pub servers: Vec<Server>,
    /// Indices of idle servers (a stack, so the choice is deterministic).
    pub free: Vec<usize>,
    /// Waiting messages: (slot, time it joined the queue).
    pub waiting: VecDeque<(usize, u64)>,
    /// Blocked upstream workers and inbox messages, in arrival order (Block only).
    pub waiters: VecDeque<Waiter>,
    /// How many of `waiters` are inbox messages.
    pub inbox: usize,
    /// Messages handed over by upstream and still travelling here.
    pub reserved: usize,
    /// Pending linger timer.
    pub linger_at: Option<u64>,
    /// Pending end-of-outage wake-up.
    pub kick_at: Option<u64>,
    /// Readings collected for the next aggregate (gateways with aggregation).
    pub agg: Vec<usize>,
    /// Bumped at every aggregate, so a stale flush timer is recognised.
    pub agg_gen: u64,
}

impl Station {
    pub fn new(workers: u32, outages: Vec<(u64, u64)>) -> Self {
        let idle = Server { state: ServerState::Idle, batch: Vec::new(), next: 0, start: 0, done: 0 };
        Station {
            outages,
            servers: vec![idle; workers as usize],
            free: (0..workers as usize).rev().collect(),
            waiting: VecDeque::new(),
            waiters: VecDeque::new(),
            inbox: 0,
            reserved: 0,
            linger_at: None,
            kick_at: None,
            agg: Vec::new(),
            agg_gen: 0,
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::{HopConfig, Message, Pipeline, PipelineConfig, PipelineReport};
    use super::*;

    /// Poisson arrival times (µs) with mean gap `mean_gap_us`, from the ReportTiming stream.
    pub(crate) fn poisson(seed: u64, n: u64, mean_gap_us: f64) -> Vec<u64> {
        let mut t = 0.0;
        (0..n)
            .map(|k| {
                t += exponential(draw(seed, Purpose::ReportTiming, 0, k), mean_gap_us);
                t.round() as u64
            })
            .collect()
    }

    pub(crate) fn msg(id: u64, t: u64) -> Message {
        Message { id, intended_us: t, arrival_us: t, gateway: None, client: 0, bytes: 24 }
    }

    /// Runs `stages` on the given arrivals and reports at `end`.
    pub(crate) fn run(stages: Vec<StageConfig>, arrivals: &[u64], end: u64, seed: u64) -> PipelineReport {
        let config = PipelineConfig { hops: stages.into_iter().map(HopConfig::Stage).collect(), ..Default::default() };
        let mut p = Pipeline::new(&config, seed).expect("valid config");
        for (id, &t) in arrivals.iter().enumerate() {
            p.offer(msg(id as u64, t));
        }
        p.finish(end)
    }

    #[test]
    fn outage_helpers() {
        let w = [(10, 20), (30, 40)];
        assert_eq!(outage_end(&w, 9), None);
        assert_eq!(outage_end(&w, 10), Some(20));
        assert_eq!(outage_end(&w, 20), None);
        assert_eq!(outage_end(&w, 35), Some(40));
        // 15 µs of work from 0: 10 before the first outage, 5 after it.
        assert_eq!(completion_us(&w, 0, 15), 25);
        // 25 µs from 0: 10 + 10 between the outages + 5 after the second.
        assert_eq!(completion_us(&w, 0, 25), 45);
        assert_eq!(completion_us(&w, 0, 10), 10);
        assert!(validate_outages("s", &[(5, 3)]).is_err());
        assert!(validate_outages("s", &[(0, 10), (5, 20)]).is_err());
    }

    #[test]
    fn mm1_time_in_system_and_waiting_tail() {
        // lambda = 700/s, mu = 1000/s, rho = 0.7.
        let (lambda, mu) = (700.0, 1000.0);
        let n = 300_000;
        let arrivals = poisson(11, n, 1e6 / lambda);
        let stage = StageConfig { service: Service::Exponential { mean_us: 1e6 / mu }, ..Default::default() };
        let end = arrivals[arrivals.len() - 1] + 1;
        let r = run(vec![stage], &arrivals, end, 5);
        let hop = &r.hops[0];
        // Oracle: W = 1/(mu - lambda) = 3.333 ms. The estimate's standard error at rho = 0.7 and
        // n = 300k is about 1 % (autocorrelated sojourns), so 3 % is about 3 sigma.
        let w = 1e3 / (mu - lambda);
        let rel = (hop.mean_sojourn_ms - w).abs() / w;
        assert!(rel < 0.03, "W = {} ms, oracle {w} ms ({:.2} %)", hop.mean_sojourn_ms, rel * 100.0);
        // Oracle: P(Wq > t) = rho e^-(mu - lambda) t, at t = 0, 2 ms and 5 ms.
        for t_ms in [0.0, 2.0, 5.0] {
            let p = hop.wait.fraction_above((t_ms * 1000.0) as u64);
            let oracle = 0.7 * (-(mu - lambda) * t_ms / 1e3).exp();
            assert!((p - oracle).abs() < 0.01, "P(wait > {t_ms} ms) = {p}, oracle {oracle}");
        }
        // Oracle: utilisation = rho.
        assert!((hop.utilisation - 0.7).abs() < 0.01, "utilisation {}", hop.utilisation);
    }

    #[test]
    fn mm1k_blocking_probability() {
        // K = 5 (one in service + 4 waiting), rho = 0.8.
        let (rho, k) = (0.8f64, 5);
        let arrivals = poisson(21, 200_000, 1250.0);
        let end = arrivals[arrivals.len() - 1] + 60_000_000;
        // Oracle: P_block = (1 - rho) rho^K / (1 - rho^(K+1)) = 0.0888 for rho = 0.8, K = 5.
        // Dropping the oldest instead of the newest leaves the number in system, and so the loss
        // rate, unchanged.
        let oracle = (1.0 - rho) * rho.powi(k as i32) / (1.0 - rho.powi(k as i32 + 1));
        for (overflow, cause) in [(Overflow::DropNewest, "queue_full"), (Overflow::DropOldest, "dropped_oldest")] {
            let stage = StageConfig {
                service: Service::Exponential { mean_us: 1000.0 },
                capacity: Some(k - 1),
                overflow,
                ..Default::default()
            };
            let r = run(vec![stage], &arrivals, end, 3);
            let hop = &r.hops[0];
            let p = hop.dropped[cause] as f64 / hop.arrived as f64;
            assert!((p - oracle).abs() / oracle < 0.05, "{overflow:?}: P_block = {p}, oracle {oracle}");
        }
    }

    #[test]
    fn drop_oldest_keeps_the_newest() {
        // Five at once into a 1 ms stage with room for 2: #0 in service, #1 and #2 pushed out
        // by #3 and #4, which leave at 2 and 3 ms.
        let stage = StageConfig { capacity: Some(2), overflow: Overflow::DropOldest, ..Default::default() };
        let r = run(vec![stage], &[0; 5], 1_000_000, 1);
        assert_eq!(r.hops[0].dropped.get("dropped_oldest"), Some(&2));
        assert_eq!(r.end_to_end.delivered, 3);
        assert_eq!(r.end_to_end.latency.max_us, 3000);
    }

    #[test]
    fn md1_waiting_time() {
        // M/D/1: Poisson 700/s, constant 1 ms service (mu = 1000/s), rho = 0.7.
        let mu = 1000.0;
        let arrivals = poisson(31, 300_000, 1e6 / 700.0);
        let last = arrivals[arrivals.len() - 1];
        let r = run(vec![StageConfig::default()], &arrivals, last + 60_000_000, 1);
        let wq_ms = r.hops[0].wait_ms.mean;
        // Oracle: Wq = rho / (2 mu (1 - rho)) = 1.1667 ms at rho = 0.7, taken at the sample's own
        // rate (rho = 0.698 here) because Wq is steep in rho; the estimate's standard error is
        // then about 1 %.
        let rho = arrivals.len() as f64 / last as f64 * 1e6 / mu;
        let oracle = rho / (2.0 * mu * (1.0 - rho)) * 1e3;
        assert!((wq_ms - oracle).abs() / oracle < 0.03, "Wq = {wq_ms} ms, oracle {oracle} ms");
    }

    #[test]
    fn mmc_erlang_c_waiting_probability() {
        // M/M/2: lambda = 1500/s, mu = 1000/s per worker, a = 1.5, rho = 0.75.
        let arrivals = poisson(41, 200_000, 1e6 / 1500.0);
        let stage = StageConfig { workers: 2, service: Service::Exponential { mean_us: 1000.0 }, ..Default::default() };
        let r = run(vec![stage], &arrivals, arrivals[arrivals.len() - 1] + 60_000_000, 2);
        let p_wait = r.hops[0].wait.fraction_above(0);
        // Oracle: Erlang C(c = 2, a = 1.5) = (a^2/2! * 1/(1-rho)) / (1 + a + a^2/2! * 1/(1-rho)) = 0.6429.
        let top = 1.5f64.powi(2) / 2.0 / (1.0 - 0.75);
        let oracle = top / (1.0 + 1.5 + top);
        assert!((p_wait - oracle).abs() < 0.015, "P(wait) = {p_wait}, oracle {oracle}");
    }

    #[test]
    fn batching_raises_throughput() {
        // 5000 msg/s offered for 2 s to a 1 ms stage: capacity 1000/s unbatched, 10 000/s with
        // batches of 10 (one draw per batch).
        let arrivals: Vec<u64> = (0..10_000).map(|k| k * 200).collect();
        let plain = run(vec![StageConfig::default()], &arrivals, 2_000_000, 1);
        let batched = StageConfig { batch: Some(Batch { size: 10, linger_us: 5000 }), ..Default::default() };
        let batched = run(vec![batched], &arrivals, 2_000_000, 1);
        // Oracle: throughput = min(offered, workers * size / service) = 1000/s and 5000/s.
        assert!((plain.hops[0].throughput_per_s - 1000.0).abs() <= 1.0, "{}", plain.hops[0].throughput_per_s);
        assert!(batched.hops[0].throughput_per_s > 4900.0, "{}", batched.hops[0].throughput_per_s);
        // Batches fill in 10 * 200 µs = 2 ms, then take 1 ms: sojourn at most 1.8 ms + 1 ms.
        assert!(batched.hops[0].latency_ms.max <= 2.9, "{:?}", batched.hops[0].latency_ms);
    }

    #[test]
    fn linger_releases_a_partial_batch() {
        // Three messages, batch size 10: the batch leaves when the first has waited 5 ms.
        let stage = StageConfig { batch: Some(Batch { size: 10, linger_us: 5000 }), ..Default::default() };
        let r = run(vec![stage], &[0, 100, 200], 1_000_000, 1);
        // Oracle: start at 5000 µs, one 1000 µs draw per batch: all leave at 6000 µs.
        assert_eq!(r.end_to_end.delivered, 3);
        assert_eq!(r.end_to_end.latency.max_us, 6000);
        assert_eq!(r.end_to_end.latency.min_us, 5800);
    }

    #[test]
    fn outage_delays_without_a_limit_and_drops_with_one() {
        // One message every 10 ms for 3 s into a 1 ms stage that is down in [1 s, 2 s).
        let arrivals: Vec<u64> = (0..300).map(|k| k * 10_000).collect();
        let down = StageConfig { outages: vec![(1_000_000, 2_000_000)], ..Default::default() };
        let r = run(vec![down.clone()], &arrivals, 10_000_000, 1);
        // Oracle: nothing lost; the message arriving at 1.0 s waits the full second, then 1 ms
        // of service (the longest sojourn); the backlog then drains at 1 per ms.
        assert_eq!(r.end_to_end.delivered, 300);
        assert_eq!(r.hops[0].sojourn.max_us, 1_001_000);
        let small = StageConfig { capacity: Some(10), ..down };
        let r = run(vec![small], &arrivals, 10_000_000, 1);
        // Oracle: 100 arrivals during the outage, 10 fit the queue, 90 are lost.
        assert_eq!(r.hops[0].dropped.get("queue_full"), Some(&90));
        assert_eq!(r.end_to_end.delivered, 210);
    }

    #[test]
    fn work_in_progress_resumes_after_an_outage() {
        // 100 ms of work from 950 ms; outage [1 s, 2 s): 50 ms before, 50 ms after.
        let stage = StageConfig {
            service: Service::Constant { us: 100_000 },
            outages: vec![(1_000_000, 2_000_000)],
            ..Default::default()
        };
        let r = run(vec![stage], &[950_000], 5_000_000, 1);
        assert_eq!(r.hops[0].sojourn.max_us, 1_100_000);
    }

    #[test]
    fn lognormal_median() {
        let s = Service::LogNormal { median_us: 2000.0, sigma: 0.5 };
        let mut v: Vec<u64> = (0..20_001).map(|e| s.draw_us(9, e)).collect();
        v.sort_unstable();
        // Oracle: the median of median * e^(sigma Z) is the median; 20k draws give about 0.6 %.
        assert!((v[10_000] as f64 - 2000.0).abs() < 40.0, "median {}", v[10_000]);
    }
}
