//! Live load tests against a REAL mosquitto broker (no mock): each test writes a mosquitto
//! config to a temporary directory (a listener on a free loopback port, anonymous access, no
//! persistence, and the queue limits the test needs), starts /usr/sbin/mosquitto, waits for the
//! port and stops the broker by its process id when the harness is dropped. Each test publishes
//! a small scenario compressed in time, so it takes a few seconds.

use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use citytwin::live::broker::{BrokerUrl, Connection};
use citytwin::live::{self, EngineConfig, Speed};

const MOSQUITTO: &str = "/usr/sbin/mosquitto";

/// A mosquitto process on a free loopback port, killed (by pid) on drop.
struct Mosquitto {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl Mosquitto {
    /// Starts a broker open to anonymous clients; `extra` is appended to its config (e.g.
    /// "max_queued_messages 10").
    fn start(extra: &str) -> Mosquitto {
        Self::start_with(|_| format!("allow_anonymous true\n{extra}"))
    }

    /// Starts a broker whose config is its listener line followed by `rest(dir)`, `dir` being
    /// the broker's own folder (for certificates and a password file).
    fn start_with(rest: impl FnOnce(&Path) -> String) -> Mosquitto {
        assert!(
            Path::new(MOSQUITTO).exists(),
            "{MOSQUITTO} not found: the live tests need a real broker (apt-get install mosquitto, or run .ci/run)"
        );
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let dir = tempfile::tempdir().expect("tempdir");
        // `user root`: started as root (CI may be), mosquitto would otherwise switch to the
        // `mosquitto` user before reading the password file in this 0700 folder; started as
        // anyone else it never switches, and the line is ignored.
        let conf = format!("listener {port} 127.0.0.1\npersistence false\nuser root\n{}\n", rest(dir.path()));
        std::fs::write(dir.path().join("mosquitto.conf"), conf).expect("write config");
        let mut m = Mosquitto { child: None, port, dir };
        m.spawn();
        m
    }

    fn spawn(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("mosquitto.log")).expect("log file");
        let child = Command::new(MOSQUITTO)
            .arg("-c")
            .arg(self.dir.path().join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start mosquitto");
        self.child = Some(child);
        let t = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(t.elapsed() < Duration::from_secs(10), "mosquitto did not open port {}: {}", self.port, self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the broker (SIGKILL, by pid) and waits for it.
    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default()
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// About 3,600 uplinks over ten simulated minutes, in two districts and two kinds.
const SCENARIO: &str = r#"
[scenario]
name = "live test"
seed = 5
duration = "10m"

[city]
area_km2 = 1.0
districts = [{ name = "North", share = 0.5 }, { name = "South", share = 0.5 }]

[[sensors]]
kind = "air_quality"
count = 300
report_every = "1m"

[[sensors]]
kind = "parking"
count = 300

[[gateways]]
count = 4
placement = "grid"
backhaul = { kind = "fiber", latency = "5ms" }

[slo]
delivery_ratio_min = 0.5
latency_p99_max = "10s"
"#;

fn scenario_file(dir: &Path) -> PathBuf {
    let p = dir.join("live.toml");
    std::fs::File::create(&p).and_then(|mut f| f.write_all(SCENARIO.as_bytes())).expect("write scenario");
    p
}

fn citytwin(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_citytwin")).args(args).output().expect("run citytwin");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

/// Runs `citytwin <command>` on the test scenario (written into `dir`) against `broker`, with
/// the results in `dir/out` and `extra` flags; returns the exit code, stdout as JSON, stderr and
/// the results folder.
fn against(command: &str, broker: &Mosquitto, dir: &Path, extra: &[&str]) -> (i32, serde_json::Value, String, PathBuf) {
    let file = scenario_file(dir);
    let out = dir.join("out");
    let url = broker.url();
    let mut args =
        vec![command, file.to_str().expect("utf-8"), "--broker", &url, "--out", out.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    let (code, json, stderr) = citytwin(&args);
    (code, json, stderr, out)
}

fn engine(url: &str, qos: u8, speed: Speed) -> EngineConfig {
    EngineConfig {
        connection: Connection {
            url: BrokerUrl::parse(url).expect("url"),
            username: None,
            password: None,
            ca_pem: None,
        },
        qos,
        speed,
        late_after: Duration::from_secs(1),
        queue: 10_000,
        connections: 1,
        subscribers: 1,
        inflight: 1000,
        drain: Duration::from_secs(5),
        idle: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(5),
    }
}

fn n(v: &serde_json::Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// Oracle: with a healthy broker every planned message is published, acknowledged and received
/// exactly once; the per-topic counts add up to the totals; the results folder has the live
/// block, live time-series rows and the report; the SLOs hold (exit 0).
#[test]
fn every_message_is_accounted_for() {
    let broker = Mosquitto::start("");
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr, out) = against("live", &broker, dir.path(), &["--speed", "300", "--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("summary.json")).unwrap();
    let l = &summary["live"];
    let planned = n(&l["planned"]);
    assert!(planned > 1000, "{l}");
    assert_eq!(l["accounted"], true);
    assert_eq!(n(&l["published"]), planned, "{l}");
    assert_eq!(n(&l["acknowledged"]), planned, "{l}");
    assert_eq!(n(&l["received"]), planned, "{l}");
    assert_eq!(n(&l["unsent"]["total"]) + n(&l["lost"]["total"]), 0, "{l}");
    assert!(l["latency_ms"]["p99"].as_f64().unwrap() > 0.0);
    let topics = l["topics"].as_array().unwrap();
    assert_eq!(topics.len(), 4, "two districts x two kinds: {l}");
    assert!(topics.iter().all(|t| t["topic"].as_str().unwrap().starts_with("city/")));
    assert_eq!(topics.iter().map(|t| n(&t["received"])).sum::<u64>(), planned);
    assert_eq!(summary["slo"]["breached"], false);
    let ts = std::fs::read_to_string(out.join("timeseries.csv")).expect("timeseries.csv");
    let received: f64 = ts
        .lines()
        .filter(|r| r.contains(",live_received,"))
        .map(|r| r.rsplit(',').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(received as u64, planned);
    assert!(out.join("charts/live_latency.svg").exists() && out.join("charts/live_latency.png").exists());
    // The page has the live section and the live chart inline.
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(html.contains("<h2>Live load test</h2>") && html.contains("<figure id=\"live_latency\"><svg"));
}

/// Oracle: the broker is killed a third of the way through and restarted 0.5 s later. The run
/// reconnects (an outage is reported for each client, with its end), messages after the
/// restart arrive, nothing is dropped by the broker outside the outage, what was lost was in
/// flight (a handful at this rate, never more than the client's in-flight window), messages
/// due while down are unsent, and received + unsent + lost = planned exactly. The same holds
/// with two publishing and two subscribing connections (a shared subscription, re-subscribed by
/// both after the restart).
#[test]
fn broker_restart_loses_only_what_was_in_flight() {
    restart_mid_test(1, 1);
    restart_mid_test(2, 2);
}

fn restart_mid_test(connections: usize, subscribers: usize) {
    let broker = Arc::new(Mutex::new(Mosquitto::start("")));
    let url = broker.lock().unwrap().url();
    let sc = citytwin::scenario::from_str("live.toml", SCENARIO, &[], None).expect("scenario");
    let (report, plan) = live::prepare(&sc, |_| {});
    let planned = plan.len() as u64;
    let mut killed = false;
    let mut restarter = None;
    let cfg = EngineConfig { connections, subscribers, ..engine(&url, 1, Speed::Factor(150.0)) };
    let run = live::run(&sc, report, plan, &cfg, |p| {
        if !killed && p.due > planned / 3 {
            killed = true;
            broker.lock().unwrap().stop();
            let b = broker.clone();
            restarter = Some(std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(500));
                b.lock().unwrap().spawn();
            }));
        }
    })
    .expect("live run");
    if let Some(t) = restarter {
        t.join().unwrap();
    }
    let l = run.report.live.as_ref().expect("live block");
    assert!(killed);
    assert!(l.accounted, "{l:?}");
    assert_eq!(l.received + l.unsent.total + l.lost.total, planned);
    assert_eq!(l.outages.len(), connections + subscribers, "each client's outage is reported: {:?}", l.outages);
    assert!(l.outages.iter().all(|o| o.end_s.is_some()), "every client came back: {:?}", l.outages);
    assert!(l.unsent.disconnected > 0, "messages due while down are unsent: {l:?}");
    assert_eq!(l.lost.dropped_by_broker, 0, "{l:?}");
    assert_eq!(l.lost.missing_at_end, 0, "{l:?}");
    assert!(l.lost.in_outage <= connections as u64 * u64::from(cfg.inflight), "only what was in flight: {l:?}");
    // Messages published after the restart arrived.
    let last_epoch = *run.outcome.epoch.iter().max().unwrap();
    assert!(last_epoch > 0);
    let after = (0..run.plan.len())
        .filter(|&s| run.outcome.epoch[s] == last_epoch && run.outcome.flags[s] & live::engine::RECEIVED != 0);
    assert!(after.count() > 100, "{l:?}");
}

/// Oracle: mosquitto drops QoS 1 messages silently past a subscriber's max_queued_messages.
/// With one message in flight to the subscriber and ten queued, a burst of two thirds of the
/// plan at one instant is acknowledged in full to the publisher while the broker drops most of
/// it; the rest follows at 1 ms intervals, slowly enough to arrive, which proves the burst's
/// missing messages were dropped (not still on their way). The counts show published =
/// acknowledged > received, and the difference is dropped_by_broker.
#[test]
fn qos1_past_the_queue_limit_shows_broker_drops() {
    let broker = Mosquitto::start("max_queued_messages 10\nmax_inflight_messages 1");
    let sc = citytwin::scenario::from_str("live.toml", SCENARIO, &[], None).expect("scenario");
    let (report, mut plan) = live::prepare(&sc, |_| {});
    let planned = plan.len() as u64;
    let burst = plan.len() * 2 / 3;
    let at0 = plan.at_us[0];
    for (i, at) in plan.at_us.iter_mut().enumerate() {
        *at = at0 + i.saturating_sub(burst) as u64 * 1000;
    }
    let run = live::run(&sc, report, plan, &engine(&broker.url(), 1, Speed::Factor(1.0)), |_| {}).expect("live run");
    let l = run.report.live.as_ref().expect("live block");
    assert!(l.accounted, "{l:?}");
    assert_eq!(l.published, planned);
    assert_eq!(l.acknowledged, Some(planned), "the broker acknowledges what it later drops: {l:?}");
    assert!(l.lost.dropped_by_broker > 0, "{l:?}");
    assert_eq!((l.lost.in_outage, l.lost.missing_at_end), (0, 0), "the trickle arrived after the drops: {l:?}");
    assert_eq!(l.received + l.lost.total, planned, "{l:?}");
    assert!(l.topics.iter().map(|t| t.dropped_by_broker).sum::<u64>() == l.lost.dropped_by_broker);
    assert!(l.delivery_ratio < 1.0);
}

/// Oracle: three subscribing connections share one subscription ($share/...): every message
/// arrives exactly once, mosquitto hands them out in turn (each gets a third, within 5 %), and
/// the per-subscriber counts add up to the total. `--subscribers 0` is invalid input.
#[test]
fn shared_subscription_splits_the_work() {
    let broker = Mosquitto::start("");
    let sc = citytwin::scenario::from_str("live.toml", SCENARIO, &[], None).expect("scenario");
    let (report, plan) = live::prepare(&sc, |_| {});
    let planned = plan.len() as u64;
    let cfg = EngineConfig { subscribers: 3, connections: 2, ..engine(&broker.url(), 1, Speed::Factor(300.0)) };
    let run = live::run(&sc, report, plan, &cfg, |_| {}).expect("live run");
    let l = run.report.live.as_ref().expect("live block");
    assert!(l.accounted, "{l:?}");
    assert_eq!((l.received, l.duplicates, l.foreign), (planned, 0, 0), "{l:?}");
    assert_eq!((l.connections, l.subscribers), (2, 3));
    assert_eq!(l.received_by_subscriber.len(), 3);
    assert_eq!(l.received_by_subscriber.iter().sum::<u64>(), planned);
    for &r in &l.received_by_subscriber {
        assert!((r as f64 - planned as f64 / 3.0).abs() <= 0.05 * planned as f64, "{:?}", l.received_by_subscriber);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr, out) = against("live", &broker, dir.path(), &["--subscribers", "0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--subscribers 0 is out of range"), "{stderr}");
    assert!(!out.exists(), "nothing written");
}

/// Oracle: a p99 objective no network meets (1 µs) is breached: exit code 3, and the live check
/// is in summary.json.
#[test]
fn breached_slo_exits_3() {
    let broker = Mosquitto::start("");
    let dir = tempfile::tempdir().expect("tempdir");
    let extra = ["--speed", "max", "--quiet", "--set", "slo.latency_p99_max=1us"];
    let (code, _, stderr, out) = against("live", &broker, dir.path(), &extra);
    assert_eq!(code, 3, "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let check = summary["slo"]["checks"].as_array().unwrap().iter().find(|c| c["name"] == "live_p99_max_ms").cloned();
    assert_eq!(check.expect("live p99 check")["ok"], false);
}

/// Oracle: mqtts:// with `--ca` and a username and password (mosquitto_passwd's file) delivers
/// every message; a wrong password is refused and a CA the broker's certificate does not chain
/// to fails the handshake, each with exit code 1 and the reason. The CA and the server
/// certificate are made here with rcgen, so the test needs no openssl.
#[test]
fn tls_with_a_password() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair};
    let ca = |name: &str| {
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name.push(rcgen::DnType::CommonName, name);
        CertifiedIssuer::self_signed(p, KeyPair::generate().expect("CA key")).expect("CA")
    };
    let (ca, stranger) = (ca("citytwin test CA"), ca("another CA"));
    let key = KeyPair::generate().expect("server key");
    let mut server = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("server params");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server = server.signed_by(&key, &ca).expect("server certificate");
    let broker = Mosquitto::start_with(|d| {
        std::fs::write(d.join("ca.pem"), ca.pem()).expect("ca.pem");
        std::fs::write(d.join("server.pem"), server.pem()).expect("server.pem");
        std::fs::write(d.join("server.key"), key.serialize_pem()).expect("server.key");
        let passwd = d.join("passwd");
        let st = Command::new("mosquitto_passwd")
            .args(["-b", "-c"])
            .arg(&passwd)
            .args(["planner", "s3cret"])
            .status()
            .expect("mosquitto_passwd (package mosquitto)");
        assert!(st.success());
        format!(
            "cafile {0}/ca.pem\ncertfile {0}/server.pem\nkeyfile {0}/server.key\nallow_anonymous false\n\
             password_file {1}\n",
            d.display(),
            passwd.display()
        )
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario_file(dir.path());
    std::fs::write(dir.path().join("ca.pem"), ca.pem()).expect("ca.pem");
    std::fs::write(dir.path().join("stranger.pem"), stranger.pem()).expect("stranger.pem");
    let url = format!("mqtts://127.0.0.1:{}", broker.port);
    let run = |ca: &str, password: &str| {
        let out = dir.path().join(format!("out-{ca}-{password}"));
        let ca = dir.path().join(ca);
        let args = [
            "live",
            file.to_str().unwrap(),
            "--broker",
            &url,
            "--ca",
            ca.to_str().unwrap(),
            "--username",
            "planner",
            "--password",
            password,
            "--speed",
            "600",
            "--connect-timeout",
            "2s",
            "--json",
            "--out",
            out.to_str().unwrap(),
        ];
        citytwin(&args)
    };
    let (code, json, stderr) = run("ca.pem", "s3cret");
    assert_eq!(code, 0, "{stderr}\n{}", broker.log());
    assert_eq!(json["accounted"], true, "{json}");
    assert!(n(&json["planned"]) > 1000 && n(&json["received"]) == n(&json["planned"]), "{json}");
    assert!(json["broker"].as_str().unwrap().starts_with("mqtts://"), "{json}");
    let (code, _, stderr) = run("ca.pem", "wrong");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cannot connect") && stderr.contains("refused"), "{stderr}");
    let (code, _, stderr) = run("stranger.pem", "s3cret");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cannot connect") && stderr.to_lowercase().contains("tls"), "{stderr}");
}

/// Oracle: a malformed --broker is invalid input (2), an unreachable broker a runtime failure
/// (1), each with a message saying what was wrong; neither panics.
#[test]
fn bad_or_unreachable_broker_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario_file(dir.path());
    let f = file.to_str().unwrap();
    let (code, _, stderr) = citytwin(&["live", f, "--broker", "http://localhost:1883", "--quiet"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not an MQTT URL"), "{stderr}");
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("mqtt://127.0.0.1:{port}");
    let (code, _, stderr) = citytwin(&["live", f, "--broker", &url, "--quiet", "--connect-timeout", "1s"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cannot connect to the broker") && !stderr.contains("panicked"), "{stderr}");
}

/// Oracle: the scenario's `[live]` templates shape what reaches the broker: parking on its own
/// topic tree with its own payload (read back by a `mosquitto_sub` beside the test), air quality
/// on the default topics; the subscription (`#`, the trees sharing no level) still receives
/// every message, and the topic groups are counted under their own patterns.
#[test]
fn live_templates_shape_topics_and_payloads() {
    let broker = Mosquitto::start("");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("templates.toml");
    let templates = "\n[live.kinds.parking]\ntopic = \"parking/{district}/bay-{id}\"\n\
                     payload = '{\"bay\":\"{id}\",\"occupied\":{occupied},\"v\":{battery_v}}'\n";
    std::fs::write(&file, format!("{SCENARIO}{templates}")).expect("write scenario");
    let port = broker.port.to_string();
    let sub = Command::new("mosquitto_sub")
        .args(["-h", "127.0.0.1", "-p", &port, "-t", "parking/#", "-C", "1", "-v", "-W", "30"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("mosquitto_sub (package mosquitto-clients)");
    std::thread::sleep(Duration::from_millis(300));
    let out = dir.path().join("out");
    let url = broker.url();
    let args = ["live", file.to_str().unwrap(), "--broker", &url, "--out", out.to_str().unwrap(), "--speed", "max"];
    let (code, _, stderr) = citytwin(&[&args[..], &["--json"]].concat());
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("summary.json")).unwrap();
    let l = &summary["live"];
    assert_eq!(n(&l["received"]), n(&l["planned"]), "{l}");
    let topics = l["topics"].as_array().unwrap();
    let mut patterns: Vec<&str> = topics.iter().map(|t| t["topic"].as_str().unwrap()).collect();
    patterns.sort_unstable();
    assert_eq!(
        patterns,
        ["city/north/air_quality/+", "city/south/air_quality/+", "parking/north/bay-+", "parking/south/bay-+"]
    );
    assert!(topics.iter().all(|t| t["topic"].as_str().unwrap().contains(t["district"].as_str().unwrap())), "{l}");
    let line = String::from_utf8(sub.wait_with_output().expect("mosquitto_sub").stdout).unwrap();
    let (topic, payload) = line.trim().split_once(' ').expect("topic and payload");
    let bay = topic.rsplit_once("/bay-").expect("bay topic").1;
    let v: serde_json::Value = serde_json::from_str(payload).expect("payload is JSON");
    assert_eq!(v["bay"], bay, "{line}");
    assert!(v["occupied"].is_boolean() && v["v"].is_f64() && v["seq"].is_u64() && v["run"].is_string(), "{line}");
    assert_eq!(v.as_object().unwrap().len(), 6, "the header and the template's fields only: {line}");
}

/// Oracle: calibrate writes calibration.json with the four metrics, live and modelled, and the
/// error is model - live; the fitted service time is no further off than the configured one;
/// `--subscribers 2` is refused (exit 2), the model having one queue.
#[test]
fn calibrate_reports_the_model_error_per_metric() {
    let broker = Mosquitto::start("");
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, json, stderr, out) = against("calibrate", &broker, dir.path(), &["--speed", "600", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let metrics = json["metrics"].as_array().expect("metrics");
    let names: Vec<&str> = metrics.iter().map(|m| m["metric"].as_str().unwrap()).collect();
    assert_eq!(names, ["throughput_per_s", "p50_ms", "p99_ms", "drop_rate"]);
    for m in metrics {
        let (l, p, e) = (m["live"].as_f64().unwrap(), m["model"].as_f64().unwrap(), m["error"].as_f64().unwrap());
        assert!((e - (p - l)).abs() < 1e-9, "{m}");
    }
    // The fitted service time brings the model at least as close: the same misfit the fit
    // minimises (squared log ratios of throughput, p50, p99, squared drop-rate difference).
    let misfit = |rows: &serde_json::Value| -> f64 {
        let rows = rows.as_array().expect("metrics");
        let v = |i: usize, k: &str| rows[i][k].as_f64().unwrap();
        (0..3)
            .filter(|&i| v(i, "live") > 0.0)
            .map(|i| (v(i, "model").max(1e-9) / v(i, "live")).ln().powi(2))
            .sum::<f64>()
            + (v(3, "model") - v(3, "live")).powi(2)
    };
    let service_ms = json["fitted"]["service_ms"].as_f64().expect("fitted.service_ms");
    assert!(service_ms > 0.0 && service_ms <= 1000.0, "{service_ms}");
    assert!(misfit(&json["fitted"]["metrics"]) <= misfit(&json["metrics"]) + 1e-12, "{json}");
    assert!(out.join("calibration.json").exists());
    // The model has one subscriber queue, so calibrating with several is refused up front.
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr, out) = against("calibrate", &broker, dir.path(), &["--subscribers", "2"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("calibrate models one subscriber") && !out.exists(), "{stderr}");
}

/// Oracle: two runs at once against one broker, both subscribed to `city/#` and publishing the
/// same plan (the same topics and sequence numbers), plus a stranger's message on a `city/`
/// topic whose payload starts like ours (`{"seq":0,...`). Each run counts only its own
/// messages: received = planned, no duplicates, and the other run's messages and the
/// stranger's are foreign.
#[test]
fn concurrent_runs_do_not_count_each_other() {
    let broker = Mosquitto::start("");
    let url = broker.url();
    let sc = citytwin::scenario::from_str("live.toml", SCENARIO, &[], None).expect("scenario");
    let (report, plan) = live::prepare(&sc, |_| {});
    let planned = plan.len() as u64;
    let (publishing, started) = std::sync::mpsc::channel();
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (sc, report, plan, url, publishing) =
                (sc.clone(), report.clone(), plan.clone(), url.clone(), publishing.clone());
            std::thread::spawn(move || {
                let cfg = engine(&url, 1, Speed::Factor(300.0));
                let mut told = false;
                live::run(&sc, report, plan, &cfg, |_| {
                    if !told {
                        told = true;
                        let _ = publishing.send(());
                    }
                })
                .expect("live run")
            })
        })
        .collect();
    // Once both runs are publishing, a stranger publishes what looks like message 0.
    for _ in 0..2 {
        started.recv_timeout(Duration::from_secs(20)).expect("both runs start publishing");
    }
    let port = url.rsplit(':').next().unwrap().to_string();
    let status = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port, "-q", "1", "-t", "city/north/parking/parking-000001"])
        .args(["-m", r#"{"seq":0,"t_us":1,"sensor":"parking-000001"}"#])
        .status()
        .expect("run mosquitto_pub");
    assert!(status.success());
    let runs: Vec<_> = runs.into_iter().map(|t| t.join().expect("run thread")).collect();
    let tags: Vec<&str> = runs.iter().map(|r| r.report.live.as_ref().unwrap().run_tag.as_str()).collect();
    assert_ne!(tags[0], tags[1], "each run has its own tag");
    for run in &runs {
        let l = run.report.live.as_ref().expect("live block");
        assert!(l.accounted, "{:?}", l.accounting_errors);
        assert_eq!(l.received, planned, "{l:?}");
        assert_eq!(l.published, planned, "{l:?}");
        assert_eq!(l.duplicates, 0, "{l:?}");
        // At least the stranger's message, and in practice most of the other run's.
        assert!(l.foreign > 0, "{l:?}");
        let json = serde_json::to_value(l).unwrap();
        assert_eq!(n(&json["foreign"]), l.foreign);
        assert_eq!(json["accounted"], true);
    }
    assert!(runs.iter().any(|r| r.report.live.as_ref().unwrap().foreign > planned / 2), "the runs overlapped");
}

/// Oracle: a speed factor outside 0.001..1e9 (one that would overflow the schedule) is invalid
/// input (exit 2) with a hint, from the CLI and from the library, and nothing panics.
#[test]
fn absurd_speed_is_invalid_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario_file(dir.path());
    let f = file.to_str().unwrap();
    for speed in ["1e-300", "1e12", "inf", "0"] {
        let (code, _, stderr) =
            citytwin(&["live", f, "--broker", "mqtt://127.0.0.1:1", "--speed", speed, "--quiet", "--json"]);
        assert_eq!(code, 2, "{speed}: {stderr}");
        assert!(stderr.contains("--speed") && stderr.contains("hint:") && !stderr.contains("panicked"), "{stderr}");
    }
    let sc = citytwin::scenario::from_str("live.toml", SCENARIO, &[], None).expect("scenario");
    let (report, plan) = live::prepare(&sc, |_| {});
    let err = live::run(&sc, report, plan, &engine("mqtt://127.0.0.1:1", 1, Speed::Factor(1e-300)), |_| {});
    assert!(matches!(err, Err(live::EngineError::Config(_))), "{:?}", err.err());
}
