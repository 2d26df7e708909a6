//! The live engine: publishing and subscribing MQTT clients (rumqttc on a small tokio runtime)
//! and a publisher thread that walks the [`Plan`] on the wall clock.
//!
//! Several subscribing connections share the work through a shared subscription
//! (`$share/<group>/<filter>`, which mosquitto 2 honours for MQTT 3.1.1 clients too): the broker
//! hands each message to one of them in turn, so each brings its own QoS 1 in-flight window.
//!
//! Open arrival model: the publisher thread hands each message to the client's bounded request
//! queue at its intended time, whether or not earlier ones were acknowledged. A message is
//! `late` (not sent) when the thread reaches it more than the lateness budget after its
//! intended time, `queue_full` when the client's queue is full, and `disconnected` while any
//! client is down (from losing its connection to its CONNACK, for a subscriber to its SUBACK,
//! after the reconnect): even with several subscribers sharing the work, one down means the
//! test no longer runs as configured, so nothing is sent until it is back. With `--speed max` there is no schedule: each message is due when the publisher
//! reaches it and waits for room in the queue (nothing is late or queue_full).
//!
//! Per message the engine records flags (handed to the client, written to the socket, PUBACK,
//! received), the connection epoch it was sent in (the epoch advances at every disconnection),
//! when it was handed over and its end-to-end latency. PUBACKs are matched to messages through
//! the packet ids the event loop reports in publish order. When a connection drops, rumqttc's
//! queue and unacknowledged publishes are discarded (clean session): those messages count as
//! sent and, unless they arrive, as lost in the outage.
//!
//! Every run has a unique run tag, written into each payload's header after `seq` and `t_us`.
//! The subscriber counts only messages carrying its own run's tag; anything else on the filter
//! (another test against the same broker, other publishers under `city/`) is `foreign` and
//! never counts as received or as a duplicate.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU16, AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use rumqttc::{AsyncClient, ConnectionError, Event, EventLoop, Outgoing, Packet, QoS};

use super::broker::Connection;
use super::plan::{Header, Plan, parse_header};

/// Flag: handed to the client (set just before the hand-over and cleared if the client refused
/// it, so a message can never arrive before it is marked sent).
pub const SENT: u8 = 1;
/// Flag: written to the broker's socket.
pub const WIRE: u8 = 2;
/// Flag: acknowledged by the broker (PUBACK, QoS 1).
pub const ACKED: u8 = 4;
/// Flag: received by the subscriber.
pub const RECEIVED: u8 = 8;
/// Flag: not sent, more than the lateness budget behind schedule.
pub const LATE: u8 = 16;
/// Flag: not sent, the client's queue was full.
pub const QUEUE_FULL: u8 = 32;
/// Flag: not sent, a client was disconnected.
pub const DISCONNECTED: u8 = 64;

/// The speed factors the engine accepts: slower than a thousandth of real time or faster than
/// a billion times would schedule messages centuries away or all in the same microsecond.
pub const SPEED_RANGE: std::ops::RangeInclusive<f64> = 1e-3..=1e9;

/// How fast to replay the plan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// Simulated seconds per wall-clock second, within [`SPEED_RANGE`].
    Factor(f64),
    /// As fast as the client takes messages.
    Max,
}

/// Engine settings.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Where and how to connect.
    pub connection: Connection,
    /// Publish and subscribe QoS (0 or 1).
    pub qos: u8,
    /// Time compression.
    pub speed: Speed,
    /// A message further than this behind schedule is not sent (counted late).
    pub late_after: Duration,
    /// Requests each publishing client queues before `queue_full`.
    pub queue: usize,
    /// Publishing connections; a sensor's messages always use the same one (sensor id modulo
    /// this), so each sensor's messages stay in order.
    pub connections: usize,
    /// Subscribing connections; more than one share a subscription (`$share/...`).
    pub subscribers: usize,
    /// Unacknowledged QoS 1 publishes at most.
    pub inflight: u16,
    /// Longest wait for the last messages after the last send.
    pub drain: Duration,
    /// The drain ends early once nothing has arrived for this long.
    pub idle: Duration,
    /// Longest wait for the first connection of both clients.
    pub connect_timeout: Duration,
}

/// Publishing or subscribing connections at most.
pub const MAX_CONNECTIONS: usize = 64;
const _: () = assert!(MAX_CONNECTIONS <= u8::MAX as usize + 1, "a subscriber's index must fit Outcome::subscriber");

/// A live snapshot for the progress display.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// Wall-clock seconds since publishing started.
    pub elapsed_s: f64,
    /// Messages in the plan.
    pub planned: u64,
    /// Messages the publisher has reached.
    pub due: u64,
    /// Handed to the client.
    pub sent: u64,
    /// Acknowledged (QoS 1).
    pub acked: u64,
    /// Received by the subscriber.
    pub received: u64,
    /// Not sent: late, queue full or disconnected.
    pub unsent: u64,
    /// p99 end-to-end latency over the last second, ms (with several subscribers, the highest
    /// of their p99s; 0 when nothing arrived lately).
    pub p99_ms: f64,
    /// Whether every client is connected (and every subscriber subscribed).
    pub connected: bool,
    /// Disconnections so far.
    pub outages: u64,
}

/// A time a client was disconnected.
#[derive(Clone, Debug, PartialEq)]
pub struct Outage {
    /// "publisher" or "subscriber" (with several connections, "publisher-N" or "subscriber-N").
    pub client: String,
    /// When it was noticed, µs since the engine started.
    pub start_us: u64,
    /// When the client was back (connected, and for the subscriber subscribed), if it was.
    pub end_us: Option<u64>,
    /// What the client library said.
    pub error: String,
}

/// What happened to every message.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Flags per message (`SENT`, `RECEIVED`, ...).
    pub flags: Vec<u8>,
    /// Connection epoch each message was sent in.
    pub epoch: Vec<u16>,
    /// Publishing connection of each message.
    pub connection: Vec<u16>,
    /// Publishing connections.
    pub publishers: usize,
    /// Subscribing connections.
    pub subscribers: usize,
    /// Per message: the subscribing connection that received its first copy (0 if none).
    pub subscriber: Vec<u8>,
    /// Each message's intended send time (the time in its payload, from which its latency
    /// counts), µs since the engine started; 0 if the publisher never reached it. With
    /// `--speed max` it is when the publisher reached the message.
    pub intended_us: Vec<u64>,
    /// When each message was handed to the client, µs since the engine started (0 if never).
    pub sent_us: Vec<u64>,
    /// End-to-end latency of each received message, µs from its intended send time.
    pub latency_us: Vec<u32>,
    /// Disconnections.
    pub outages: Vec<Outage>,
    /// Copies received more than once (QoS 1 redelivery).
    pub duplicates: u64,
    /// Messages received that were not this run's: payloads without a citytwin header, with
    /// another run's tag, or with a sequence number outside the plan. Never counted as received.
    pub foreign: u64,
    /// This run's tag, in every payload's header.
    pub run_tag: String,
    /// When publishing started and ended, µs since the engine started.
    pub publish_window_us: (u64, u64),
    /// When the last message arrived, µs since the engine started.
    pub last_receive_us: u64,
    /// Wall-clock seconds from the first publish to the end of the drain.
    pub wall_s: f64,
}

/// Why the engine could not run.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Bad settings (TLS without a CA, ...).
    #[error("{0}")]
    Config(String),
    /// The broker could not be reached or refused the clients.
    #[error("cannot connect to the broker at {url} (waited up to {secs} s): {reason}")]
    Connect {
        /// The broker.
        url: String,
        /// The wait.
        secs: u64,
        /// The last error.
        reason: String,
    },
    /// The runtime could not start.
    #[error("cannot start the MQTT runtime: {0}")]
    Runtime(String),
    /// A part of the engine (the publisher thread, a publishing client or the subscriber)
    /// panicked or ended unexpectedly: the results would be incomplete, so there are none.
    #[error("the live engine's {part} failed: {reason}")]
    Failed {
        /// Which part.
        part: String,
        /// What happened (the panic message, if any).
        reason: String,
    },
}

/// Distinguishes runs started by one process at the same moment.
static RUNS: AtomicUsize = AtomicUsize::new(0);

/// A tag unique to this run: process id, the time in ns since the epoch and a per-process
/// counter (letters, digits and `-` only, so it goes into JSON and client ids unescaped).
fn run_tag() -> String {
    let ns = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{:x}-{ns:x}-{}", std::process::id(), RUNS.fetch_add(1, Relaxed))
}

/// The text of a panic payload.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panicked".into())
}

struct Shared {
    start: Instant,
    flags: Vec<AtomicU8>,
    epoch: Vec<AtomicU16>,
    sent_us: Vec<AtomicU64>,
    intended_us: Vec<AtomicU64>,
    latency_us: Vec<AtomicU32>,
    /// Per message: the subscriber that received its first copy.
    subscriber: Vec<AtomicU8>,
    /// This run's tag.
    tag: Vec<u8>,
    /// Per publishing connection: seqs handed to the client, not yet reported written, in
    /// order; guards `pub_connected` transitions so a publish never slips between a
    /// disconnection and its clean-up.
    fifo: Vec<Mutex<VecDeque<u32>>>,
    pub_connected: Vec<AtomicBool>,
    /// Per subscriber: connected and subscribed.
    sub_ready: Vec<AtomicBool>,
    epoch_now: AtomicU16,
    due: AtomicU64,
    sent: AtomicU64,
    acked: AtomicU64,
    received: AtomicU64,
    unsent: AtomicU64,
    duplicates: AtomicU64,
    foreign: AtomicU64,
    /// Per subscriber: p99 over its last window.
    window_p99_us: Vec<AtomicU64>,
    /// Per subscriber: when that window closed, µs since the engine started.
    window_end_us: Vec<AtomicU64>,
    last_receive_us: AtomicU64,
    last_ack_us: AtomicU64,
    stop: AtomicBool,
    /// The broker refused a client or TLS failed before the first connection: no point waiting.
    refused: AtomicBool,
    outages: Mutex<Vec<Outage>>,
    last_error: Mutex<Option<String>>,
}

impl Shared {
    fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    fn fifo(&self, c: usize) -> MutexGuard<'_, VecDeque<u32>> {
        self.fifo[c].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The highest p99 among the subscribers' windows that closed in the last two seconds (a
    /// stalled subscriber's old figure drops out).
    fn recent_p99_us(&self) -> u64 {
        let now = self.now_us();
        let recent = |s: &usize| now.saturating_sub(self.window_end_us[*s].load(Relaxed)) <= 2_000_000;
        (0..self.window_p99_us.len()).filter(recent).map(|s| self.window_p99_us[s].load(Relaxed)).max().unwrap_or(0)
    }

    fn all_connected(&self) -> bool {
        self.sub_ready.iter().chain(&self.pub_connected).all(|c| c.load(Relaxed))
    }

    fn outage_start(&self, client: String, error: String) {
        self.epoch_now.fetch_add(1, Relaxed);
        let start_us = self.now_us();
        self.outages.lock().unwrap_or_else(|e| e.into_inner()).push(Outage { client, start_us, end_us: None, error });
    }

    fn outage_end(&self, client: &str) {
        let now = self.now_us();
        let mut o = self.outages.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(last) = o.iter_mut().rev().find(|o| o.client == client && o.end_us.is_none()) {
            last.end_us = Some(now);
        }
    }

    fn set_error(&self, e: &ConnectionError) {
        if matches!(e, ConnectionError::ConnectionRefused(_) | ConnectionError::Tls(_)) {
            self.refused.store(true, Relaxed);
        }
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
    }
}

/// TCP_NODELAY: send each publish (and each PUBACK) at once instead of waiting to coalesce.
fn nodelay() -> rumqttc::NetworkOptions {
    let mut n = rumqttc::NetworkOptions::new();
    n.set_tcp_nodelay(true);
    n
}

fn qos_of(q: u8) -> QoS {
    if q == 0 { QoS::AtMostOnce } else { QoS::AtLeastOnce }
}

/// Runs the plan against the broker and reports every message's fate; `progress` is called
/// about four times a second.
pub fn run(plan: &Plan, cfg: &EngineConfig, mut progress: impl FnMut(Progress)) -> Result<Outcome, EngineError> {
    let n = plan.len();
    if let Speed::Factor(f) = cfg.speed
        && !SPEED_RANGE.contains(&f)
    {
        return Err(EngineError::Config(format!(
            "speed {f} is outside {} to {} simulated seconds per second",
            SPEED_RANGE.start(),
            SPEED_RANGE.end()
        )));
    }
    let tag = run_tag();
    let conns = cfg.connections.clamp(1, MAX_CONNECTIONS);
    let subs = cfg.subscribers.clamp(1, MAX_CONNECTIONS);
    let pub_opts: Vec<_> = (0..conns)
        .map(|c| cfg.connection.options(&format!("citytwin-pub{c}-{tag}"), cfg.inflight))
        .collect::<Result<_, _>>()
        .map_err(EngineError::Config)?;
    let sub_opts: Vec<_> = (0..subs)
        .map(|s| {
            let mut o = cfg.connection.options(&format!("citytwin-sub{s}-{tag}"), u16::MAX - 1)?;
            o.set_request_channel_capacity(64);
            Ok(o)
        })
        .collect::<Result<_, String>>()
        .map_err(EngineError::Config)?;
    // The plan's filter covers every topic it publishes to.
    let filter = if subs > 1 { format!("$share/citytwin-{tag}/{}", plan.filter()) } else { plan.filter() };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| EngineError::Runtime(e.to_string()))?;
    let sh = Arc::new(Shared {
        start: Instant::now(),
        flags: (0..n).map(|_| AtomicU8::new(0)).collect(),
        epoch: (0..n).map(|_| AtomicU16::new(0)).collect(),
        sent_us: (0..n).map(|_| AtomicU64::new(0)).collect(),
        intended_us: (0..n).map(|_| AtomicU64::new(0)).collect(),
        latency_us: (0..n).map(|_| AtomicU32::new(u32::MAX)).collect(),
        subscriber: (0..n).map(|_| AtomicU8::new(0)).collect(),
        tag: tag.clone().into_bytes(),
        fifo: (0..conns).map(|_| Mutex::new(VecDeque::new())).collect(),
        pub_connected: (0..conns).map(|_| AtomicBool::new(false)).collect(),
        sub_ready: (0..subs).map(|_| AtomicBool::new(false)).collect(),
        epoch_now: AtomicU16::new(0),
        due: AtomicU64::new(0),
        sent: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        received: AtomicU64::new(0),
        unsent: AtomicU64::new(0),
        duplicates: AtomicU64::new(0),
        foreign: AtomicU64::new(0),
        window_p99_us: (0..subs).map(|_| AtomicU64::new(0)).collect(),
        window_end_us: (0..subs).map(|_| AtomicU64::new(0)).collect(),
        last_receive_us: AtomicU64::new(0),
        last_ack_us: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        refused: AtomicBool::new(false),
        outages: Mutex::new(Vec::new()),
        last_error: Mutex::new(None),
    });
    let mut pub_clients = Vec::new();
    let mut pub_tasks = Vec::new();
    for (c, o) in pub_opts.into_iter().enumerate() {
        let (client, mut ev) = AsyncClient::new(o, cfg.queue.max(1));
        ev.set_network_options(nodelay());
        let name = if conns == 1 { "publisher".to_string() } else { format!("publisher-{c}") };
        pub_tasks.push(rt.spawn(publisher_loop(ev, sh.clone(), cfg.qos > 0, c, name)));
        pub_clients.push(client);
    }
    let mut sub_clients = Vec::new();
    let mut sub_tasks = Vec::new();
    for (s, o) in sub_opts.into_iter().enumerate() {
        let (client, mut ev) = AsyncClient::new(o, 64);
        ev.set_network_options(nodelay());
        let name = if subs == 1 { "subscriber".to_string() } else { format!("subscriber-{s}") };
        let sub = Subscriber { index: s, name, filter: filter.clone(), qos: qos_of(cfg.qos) };
        sub_tasks.push(rt.spawn(subscriber_loop(ev, client.clone(), sh.clone(), sub)));
        sub_clients.push(client);
    }

    // A client task ends only when told to stop; one that ended before has failed.
    let dead_task = |pub_tasks: &[tokio::task::JoinHandle<()>], sub_tasks: &[tokio::task::JoinHandle<()>]| {
        if let Some(s) = sub_tasks.iter().position(|t| t.is_finished()) {
            return Some(format!("subscribing client {s}"));
        }
        pub_tasks.iter().position(|t| t.is_finished()).map(|c| format!("publishing client {c}"))
    };
    let fail = |sh: &Shared, rt: tokio::runtime::Runtime, part: String, reason: String| {
        sh.stop.store(true, Relaxed);
        rt.shutdown_timeout(Duration::from_millis(200));
        EngineError::Failed { part, reason }
    };

    // Wait for every client: publishers connected, subscribers subscribed.
    let waited = Instant::now();
    while !sh.all_connected() {
        if let Some(part) = dead_task(&pub_tasks, &sub_tasks) {
            return Err(fail(&sh, rt, part, "its task ended before the test started".into()));
        }
        if waited.elapsed() >= cfg.connect_timeout || sh.refused.load(Relaxed) {
            sh.stop.store(true, Relaxed);
            rt.shutdown_timeout(Duration::from_millis(200));
            let reason =
                sh.last_error.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_else(|| "no answer".into());
            return Err(EngineError::Connect {
                url: cfg.connection.url.to_string(),
                secs: cfg.connect_timeout.as_secs().max(1),
                reason,
            });
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // The first connection is not an outage.
    sh.outages.lock().unwrap_or_else(|e| e.into_inner()).clear();
    sh.epoch_now.store(0, Relaxed);

    let t0 = sh.now_us();
    let publisher = {
        let sh = sh.clone();
        let plan = plan.clone();
        let cfg = cfg.clone();
        let clients = pub_clients.clone();
        std::thread::Builder::new()
            .name("citytwin-live-publisher".into())
            .spawn(move || publish(&plan, &cfg, &clients, &sh, t0))
            .map_err(|e| EngineError::Runtime(e.to_string()))?
    };
    let snapshot = |sh: &Shared| Progress {
        elapsed_s: sh.now_us().saturating_sub(t0) as f64 / 1e6,
        planned: n as u64,
        due: sh.due.load(Relaxed),
        sent: sh.sent.load(Relaxed),
        acked: sh.acked.load(Relaxed),
        received: sh.received.load(Relaxed),
        unsent: sh.unsent.load(Relaxed),
        p99_ms: sh.recent_p99_us() as f64 / 1e3,
        connected: sh.all_connected(),
        outages: sh.outages.lock().map_or(0, |o| o.len() as u64),
    };
    let tick = Duration::from_millis(250);
    let mut next_tick = Instant::now() + tick;
    let mut died = None;
    while !publisher.is_finished() {
        std::thread::sleep(Duration::from_millis(5));
        if died.is_none() {
            died = dead_task(&pub_tasks, &sub_tasks);
            if died.is_some() {
                // Stops the publisher thread at its next message.
                sh.stop.store(true, Relaxed);
            }
        }
        if Instant::now() >= next_tick {
            progress(snapshot(&sh));
            next_tick += tick;
        }
    }
    let t_end = match publisher.join() {
        Ok(t) => t,
        Err(p) => return Err(fail(&sh, rt, "publisher thread".into(), panic_text(p.as_ref()))),
    };
    if let Some(part) = died {
        return Err(fail(&sh, rt, part, "its task ended during the test".into()));
    }
    // Drain: until everything sent has arrived, nothing has arrived (or been acknowledged) for
    // `idle`, or `drain` has passed.
    let drain_start = Instant::now();
    loop {
        if let Some(part) = dead_task(&pub_tasks, &sub_tasks) {
            return Err(fail(&sh, rt, part, "its task ended during the drain".into()));
        }
        let p = snapshot(&sh);
        let all_acked = cfg.qos == 0 || p.acked >= p.sent;
        if (p.received + p.unsent >= p.planned && all_acked) || drain_start.elapsed() >= cfg.drain {
            break;
        }
        let last = sh.last_receive_us.load(Relaxed).max(sh.last_ack_us.load(Relaxed)).max(t_end);
        if sh.now_us().saturating_sub(last) >= cfg.idle.as_micros() as u64 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        if Instant::now() >= next_tick {
            progress(p);
            next_tick += tick;
        }
    }
    let end_us = sh.now_us();
    progress(snapshot(&sh));
    sh.stop.store(true, Relaxed);
    for c in &pub_clients {
        let _ = c.try_disconnect();
    }
    for c in &sub_clients {
        let _ = c.try_disconnect();
    }
    // A task that panicked makes the results suspect; one that is merely slow to stop is not.
    let names: Vec<String> = (0..pub_tasks.len())
        .map(|c| format!("publishing client {c}"))
        .chain((0..sub_tasks.len()).map(|s| format!("subscribing client {s}")))
        .collect();
    let panicked = rt.block_on(async {
        let mut panicked = None;
        let _ = tokio::time::timeout(Duration::from_millis(500), async {
            for (t, name) in pub_tasks.into_iter().chain(sub_tasks).zip(names) {
                if let Err(e) = t.await
                    && e.is_panic()
                    && panicked.is_none()
                {
                    panicked = Some((name, panic_text(e.into_panic().as_ref())));
                }
            }
        })
        .await;
        panicked
    });
    rt.shutdown_timeout(Duration::from_millis(100));
    if let Some((part, reason)) = panicked {
        return Err(EngineError::Failed { part, reason });
    }

    let outages = std::mem::take(&mut *sh.outages.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(Outcome {
        flags: sh.flags.iter().map(|f| f.load(Relaxed)).collect(),
        epoch: sh.epoch.iter().map(|f| f.load(Relaxed)).collect(),
        connection: plan.sensor.iter().map(|&s| (s as usize % conns) as u16).collect(),
        publishers: conns,
        subscribers: subs,
        subscriber: sh.subscriber.iter().map(|s| s.load(Relaxed)).collect(),
        sent_us: sh.sent_us.iter().map(|f| f.load(Relaxed)).collect(),
        intended_us: sh.intended_us.iter().map(|f| f.load(Relaxed)).collect(),
        latency_us: sh.latency_us.iter().map(|f| f.load(Relaxed)).collect(),
        outages,
        duplicates: sh.duplicates.load(Relaxed),
        foreign: sh.foreign.load(Relaxed),
        run_tag: tag,
        publish_window_us: (t0, t_end),
        last_receive_us: sh.last_receive_us.load(Relaxed),
        wall_s: end_us.saturating_sub(t0) as f64 / 1e6,
    })
}

/// When message `seq` is due on the wall clock, µs since the engine started: `t0` plus its
/// simulated offset from the first message divided by the speed factor (saturating, so an
/// absurdly slow factor means "never" rather than an overflow).
pub fn intended_us(plan: &Plan, seq: usize, factor: f64, t0: u64) -> u64 {
    let at0 = plan.at_us.first().copied().unwrap_or(0);
    // Float-to-integer casts saturate (and NaN becomes 0).
    let offset = (plan.at_us[seq].saturating_sub(at0) as f64 / factor) as u64;
    t0.saturating_add(offset)
}

/// The publisher thread: walks the plan on the wall clock; returns when it finished, µs.
fn publish(plan: &Plan, cfg: &EngineConfig, clients: &[AsyncClient], sh: &Shared, t0: u64) -> u64 {
    let late_us = cfg.late_after.as_micros().min(u128::from(u64::MAX)) as u64;
    let qos = qos_of(cfg.qos);
    let tag = std::str::from_utf8(&sh.tag).unwrap_or_default();
    let mut topic = String::new();
    let mut payload = String::new();
    for seq in 0..plan.len() {
        let intended = match cfg.speed {
            Speed::Factor(f) => {
                let intended = intended_us(plan, seq, f, t0);
                // Sleep in slices so a stop request is seen.
                loop {
                    let now = sh.now_us();
                    if intended <= now.saturating_add(50) || sh.stop.load(Relaxed) {
                        break;
                    }
                    std::thread::sleep(Duration::from_micros((intended - now).min(100_000)));
                }
                intended
            }
            Speed::Max => sh.now_us(),
        };
        if sh.stop.load(Relaxed) {
            break;
        }
        sh.intended_us[seq].store(intended, Relaxed);
        sh.due.fetch_add(1, Relaxed);
        let unsent = |flag: u8| {
            sh.flags[seq].fetch_or(flag, Relaxed);
            sh.unsent.fetch_add(1, Relaxed);
        };
        if matches!(cfg.speed, Speed::Factor(_)) && sh.now_us().saturating_sub(intended) > late_us {
            unsent(LATE);
            continue;
        }
        plan.message_into(seq, intended, tag, &mut topic, &mut payload);
        let c = plan.sensor[seq] as usize % clients.len();
        loop {
            if sh.stop.load(Relaxed) {
                // A client failed (the run ends in an error): do not wait for room forever.
                break;
            }
            let mut fifo = sh.fifo(c);
            if !sh.all_connected() {
                drop(fifo);
                unsent(DISCONNECTED);
                break;
            }
            sh.epoch[seq].store(sh.epoch_now.load(Relaxed), Relaxed);
            fifo.push_back(seq as u32);
            // Marked sent before the hand-over: once handed over it may arrive at any moment.
            sh.sent_us[seq].store(sh.now_us(), Relaxed);
            sh.flags[seq].fetch_or(SENT, Relaxed);
            match clients[c].try_publish(topic.as_str(), qos, false, payload.as_bytes()) {
                Ok(()) => {
                    sh.sent.fetch_add(1, Relaxed);
                    break;
                }
                Err(_) => {
                    sh.flags[seq].fetch_and(!SENT, Relaxed);
                    sh.sent_us[seq].store(0, Relaxed);
                    fifo.pop_back();
                    drop(fifo);
                    if cfg.speed == Speed::Max {
                        // Wait for room without spinning: the event loop needs the CPU.
                        std::thread::sleep(Duration::from_micros(200));
                        continue;
                    }
                    unsent(QUEUE_FULL);
                    break;
                }
            }
        }
    }
    sh.now_us()
}

async fn publisher_loop(mut ev: EventLoop, sh: Arc<Shared>, qos1: bool, c: usize, name: String) {
    let mut pkid_seq = vec![u32::MAX; usize::from(u16::MAX) + 1];
    loop {
        if sh.stop.load(Relaxed) {
            break;
        }
        match ev.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                let _fifo = sh.fifo(c);
                if !sh.pub_connected[c].swap(true, Relaxed) {
                    sh.outage_end(&name);
                }
            }
            Ok(Event::Outgoing(Outgoing::Publish(pkid))) => {
                if let Some(seq) = sh.fifo(c).pop_front() {
                    sh.flags[seq as usize].fetch_or(WIRE, Relaxed);
                    if qos1 {
                        pkid_seq[usize::from(pkid)] = seq;
                    }
                }
            }
            Ok(Event::Incoming(Packet::PubAck(a))) => {
                let seq = std::mem::replace(&mut pkid_seq[usize::from(a.pkid)], u32::MAX);
                if seq != u32::MAX {
                    sh.flags[seq as usize].fetch_or(ACKED, Relaxed);
                    sh.acked.fetch_add(1, Relaxed);
                    sh.last_ack_us.store(sh.now_us(), Relaxed);
                }
            }
            Ok(_) => {}
            Err(e) => {
                if sh.stop.load(Relaxed) {
                    break;
                }
                {
                    let mut fifo = sh.fifo(c);
                    if sh.pub_connected[c].swap(false, Relaxed) {
                        sh.outage_start(name.clone(), e.to_string());
                    }
                    // Clean session: what was queued or unacknowledged is gone.
                    ev.clean();
                    ev.pending.clear();
                    fifo.clear();
                }
                pkid_seq.fill(u32::MAX);
                sh.set_error(&e);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// One subscribing connection's settings.
struct Subscriber {
    /// Its index among the subscribers.
    index: usize,
    /// Its name in outages.
    name: String,
    /// The filter it subscribes to (shared when there are several subscribers).
    filter: String,
    qos: QoS,
}

async fn subscriber_loop(mut ev: EventLoop, client: AsyncClient, sh: Arc<Shared>, sub: Subscriber) {
    let mut window = Histogram::<u64>::new(3).expect("3 significant digits is within hdrhistogram's 0..=5");
    let mut window_start = sh.now_us();
    loop {
        if sh.stop.load(Relaxed) {
            break;
        }
        match ev.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                let _ = client.try_subscribe(sub.filter.clone(), sub.qos);
            }
            Ok(Event::Incoming(Packet::SubAck(_))) => {
                if !sh.sub_ready[sub.index].swap(true, Relaxed) {
                    sh.outage_end(&sub.name);
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                let now = sh.now_us();
                // Only this run's messages count; anything else on the filter is foreign.
                let ours = parse_header(&p.payload).filter(|h| h.run == sh.tag.as_slice() && h.seq < sh.flags.len());
                let Some(Header { seq, t_us: t, .. }) = ours else {
                    sh.foreign.fetch_add(1, Relaxed);
                    continue;
                };
                let prev = sh.flags[seq].fetch_or(RECEIVED, Relaxed);
                if prev & RECEIVED != 0 {
                    sh.duplicates.fetch_add(1, Relaxed);
                    continue;
                }
                let lat = now.saturating_sub(t);
                sh.latency_us[seq].store(lat.min(u64::from(u32::MAX - 1)) as u32, Relaxed);
                sh.received.fetch_add(1, Relaxed);
                sh.subscriber[seq].store(sub.index as u8, Relaxed);
                sh.last_receive_us.store(now, Relaxed);
                let _ = window.record(lat.max(1));
                if now.saturating_sub(window_start) >= 1_000_000 {
                    sh.window_p99_us[sub.index].store(window.value_at_quantile(0.99), Relaxed);
                    sh.window_end_us[sub.index].store(now, Relaxed);
                    window.reset();
                    window_start = now;
                }
            }
            Ok(_) => {}
            Err(e) => {
                if sh.stop.load(Relaxed) {
                    break;
                }
                if sh.sub_ready[sub.index].swap(false, Relaxed) {
                    sh.outage_start(sub.name.clone(), e.to_string());
                }
                ev.clean();
                ev.pending.clear();
                sh.set_error(&e);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
