//! Semantic checks and defaults: turns the file's [`ScenarioFile`] into a resolved
//! [`Scenario`] where every value is set (from the file, the sensor catalogue, the city preset
//! or a documented default) and consistent, or returns every problem found.

use super::catalogue::{self, SensorKind};
use super::cities::{self, City};
use super::error::{KeyPath, Problem, Report, nearest};
use super::live::LiveSection;
use super::load::Parsed;
use super::pipeline::{Design, PipelineSpec};
use super::privacy::{PrivacyConfig, PrivacySection};
use super::sweep::{SweepConfig, SweepSection};
use super::types::*;
use crate::model::adr::AdrParams;
use crate::model::area::Area;
use crate::model::cellular::{Carrier, Technology};
use crate::model::duty_cycle::US915_MAX_DWELL_US;
use crate::model::radio::{Bandwidth, CodingRate, LORAWAN_OVERHEAD_BYTES, LoraParams, SpreadingFactor};
use crate::time::SimTime;

/// Area simulated when a preset is given without `area_km2`.
pub const DEFAULT_AREA_KM2: f64 = 4.0;
/// Latitude for solar harvest when neither `city.latitude` nor a preset gives one (mid-latitude
/// Europe and North America).
pub const DEFAULT_LATITUDE: f64 = 45.0;
/// Buckets in the time series when `output.bucket` is not given.
pub const DEFAULT_BUCKETS: u64 = 96;
/// Periodic jitter when not given, as a share of the interval.
pub const DEFAULT_JITTER_SHARE: f64 = 0.05;
/// Seed when neither the file nor `--seed` gives one.
pub const DEFAULT_SEED: u64 = 1;

/// A validated scenario with every default applied; what the engine builds from.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Scenario name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Master seed.
    pub seed: u64,
    /// Simulated time.
    pub duration: SimTime,
    /// Day of the year the run starts (1 = 1 January).
    pub start_day_of_year: u16,
    /// The place.
    pub city: CityModel,
    /// Sensor groups.
    pub groups: Vec<SensorGroup>,
    /// Gateway groups.
    pub gateways: Vec<GatewayGroup>,
    /// LoRaWAN settings.
    pub lorawan: LorawanConfig,
    /// Cellular settings.
    pub cellular: CellularConfig,
    /// Wi-Fi settings.
    pub wifi: WifiConfig,
    /// Wired settings.
    pub wired: WiredConfig,
    /// Energy and maintenance settings.
    pub energy: EnergyConfig,
    /// Prices.
    pub costs: CostsConfig,
    /// Failures to rehearse.
    pub failures: Vec<Failure>,
    /// Repair crews, if any.
    pub repair: Option<Repair>,
    /// Pipeline designs, compared on identical traffic (empty: no pipeline).
    pub pipelines: Vec<Design>,
    /// The synthetic population and data-handling designs, if any.
    pub privacy: Option<PrivacyConfig>,
    /// `[sweep]`: the grid and replications `citytwin sweep` runs.
    pub sweep: Option<SweepConfig>,
    /// `[live]`: the MQTT topic and payload templates `citytwin live` publishes with.
    pub live: LiveSection,
    /// Things worth fixing that do not stop a run (personal data without a declared purpose,
    /// retention or classification of at least private, unless `[privacy] strict`).
    pub warnings: Vec<Problem>,
    /// The warnings rendered with file, line and column, for the terminal.
    pub warning_text: String,
    /// Service-level objectives.
    pub slo: SloSection,
    /// Time-series bucket width.
    pub bucket: SimTime,
    /// The file it came from, as given.
    pub file: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// `--set` overrides applied, in order.
    pub overrides: Vec<String>,
}

/// The simulated area: a square of side `side_m` split west to east into district strips.
#[derive(Clone, Debug)]
pub struct CityModel {
    /// The preset, if any.
    pub preset: Option<&'static City>,
    /// Area in km².
    pub area_km2: f64,
    /// Side of the square in metres.
    pub side_m: f64,
    /// Latitude for solar harvest, degrees north.
    pub latitude: f64,
    /// Districts in west-to-east order; their strips tile the square.
    pub districts: Vec<District>,
}

/// A district strip `x0_m <= x < x1_m`.
#[derive(Clone, Debug)]
pub struct District {
    /// Name.
    pub name: String,
    /// Share of the area and of each spread sensor group.
    pub share: f64,
    /// Western edge.
    pub x0_m: f64,
    /// Eastern edge.
    pub x1_m: f64,
}

/// A resolved sensor group.
#[derive(Clone, Debug)]
pub struct SensorGroup {
    /// Label.
    pub name: String,
    /// Catalogue entry.
    pub kind: &'static SensorKind,
    /// Devices.
    pub count: u64,
    /// Mean time between reports.
    pub report_every: SimTime,
    /// Periodic or Poisson.
    pub timing: Timing,
    /// Periodic jitter (± this).
    pub jitter: SimTime,
    /// Application payload bytes.
    pub payload_bytes: u16,
    /// Radio technology.
    pub radio: RadioKind,
    /// Continuous stream per device besides the reports (Wi-Fi and wired), bit/s.
    pub stream_bps: f64,
    /// Wired link capacity per device, bit/s.
    pub link_capacity_bps: f64,
    /// Transmit power.
    pub tx_power_dbm: f64,
    /// Fixed SF, or None for link-budget assignment.
    pub spreading_factor: Option<u8>,
    /// Index of the only district, or None to spread by shares.
    pub district: Option<usize>,
    /// Confirmed uplinks.
    pub confirmed: bool,
    /// Transmissions per reading at most (retry limit or NbTrans).
    pub transmissions: u8,
    /// Inside buildings (random penetration loss).
    pub indoor: bool,
    /// Extra loss on every link, dB.
    pub extra_loss_db: f64,
    /// Disc (centre x, centre y, radius; metres) to place the group in, instead of districts.
    pub disc: Option<(f64, f64, f64)>,
    /// Power source.
    pub power: PowerSpec,
    /// Whole node asleep, µA.
    pub sleep_ua: f64,
    /// Current while sensing, mA.
    pub sense_ma: f64,
    /// Time per reading, ms.
    pub sense_ms: f64,
    /// Continuous draw of a mains device, W.
    pub mains_w: f64,
    /// Purchase price per device.
    pub unit_cost: f64,
    /// Installation cost per device.
    pub install_cost: f64,
    /// Share of devices needing a new pole.
    pub new_poles: f64,
    /// Mass of one device without its battery, g.
    pub device_mass_g: Option<f64>,
    /// Data governance.
    pub data: DataSpec,
}

/// A resolved gateway group.
#[derive(Clone, Debug)]
pub struct GatewayGroup {
    /// Label prefix.
    pub name: String,
    /// lorawan (gateways), cellular (cell sites) or wifi (access points).
    pub radio: RadioKind,
    /// Gateways.
    pub count: u64,
    /// Placement rule.
    pub placement: Placement,
    /// Explicit positions (metres).
    pub positions: Vec<(f64, f64)>,
    /// Restrict to one district.
    pub district: Option<usize>,
    /// Antenna gain.
    pub antenna_gain_db: f64,
    /// Demodulation paths.
    pub demodulators: u8,
    /// Backhaul one-way latency.
    pub backhaul_latency: SimTime,
    /// Backhaul kind.
    pub backhaul: BackhaulKind,
    /// Power source.
    pub power: PowerSpec,
    /// Electrical power per gateway, W.
    pub power_w: f64,
    /// Purchase price per gateway.
    pub unit_cost: f64,
    /// Installation cost per gateway.
    pub install_cost: f64,
    /// Share of gateways needing a new pole.
    pub new_poles: f64,
}

/// Resolved repair crews.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Repair {
    /// Crews.
    pub crews: u32,
    /// Travel to a site.
    pub travel: SimTime,
    /// Repair at the site (scheduled failures without `lasts`).
    pub repair_time: SimTime,
}

/// When a failure happens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FailureTiming {
    /// Once, from `at` for `lasts`.
    Scheduled {
        /// Start.
        at: SimTime,
        /// Duration.
        lasts: SimTime,
    },
    /// At `at`, until a repair crew has fixed it.
    UntilRepaired {
        /// Start.
        at: SimTime,
    },
    /// Alternating exponential up and down times, drawn per gateway.
    Random {
        /// Mean time between failures.
        mtbf: SimTime,
        /// Mean time to repair.
        mttr: SimTime,
    },
}

/// A resolved failure.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// What fails.
    pub kind: FailureKind,
    /// Gateways in scope: the radio of their group (lorawan, cellular or wifi) and their index
    /// among that radio's gateways, in gateway order.
    pub gateways: Vec<(RadioKind, usize)>,
    /// District in scope (power: its mains sensors too).
    pub district: Option<usize>,
    /// Sensor group in scope (`device`, `compromised`).
    pub sensor_group: Option<usize>,
    /// One sensor in scope (`device`, `compromised`).
    pub sensor: Option<u32>,
    /// When.
    pub timing: FailureTiming,
    /// Backhaul store-and-forward buffer, uplinks.
    pub buffer: u32,
    /// The area hit (storm, jamming), or narrowing a sensor scope.
    pub area: Option<Area>,
    /// Storm extra path loss, dB.
    pub extra_loss_db: f64,
    /// Storm device failure probability.
    pub device_failure: f64,
    /// Jamming noise-floor rise, dB.
    pub noise_rise_db: f64,
    /// Jammed band: lorawan, cellular or wifi.
    pub band: RadioKind,
    /// Share of the sensors in scope affected (`device`, `compromised`).
    pub share: f64,
    /// What compromised devices do.
    pub attack: Option<Attack>,
    /// The pipeline stage that fails (None: the whole cloud), for pipeline failures.
    pub stage: Option<String>,
    /// How the scope reads in results, e.g. "district Loop" or "gw-3".
    pub scope: String,
}

/// A resolved attack by compromised devices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Attack {
    /// Spoof or flood.
    pub kind: AttackKind,
    /// Uplinks per reading while flooding (1 for spoofing).
    pub flood_factor: u32,
    /// Time from the start of the attack to detection and isolation (None: never detected).
    pub detect_after: Option<SimTime>,
}

/// The name of a pipeline hop in results.
pub fn hop_name(h: &crate::pipeline::HopConfig) -> String {
    match h {
        crate::pipeline::HopConfig::Stage(s) => s.name.clone(),
        crate::pipeline::HopConfig::Gateway(g) => g.name.clone(),
        crate::pipeline::HopConfig::Broker(b) => b.name.clone(),
    }
}

/// A scheduled window that lasts until the end of the run.
pub const UNTIL_THE_END: SimTime = SimTime(u64::MAX / 4);

/// Ids of the LoRaWAN gateways in gateway order, as results name them: "<name>-<k>" within a
/// group when only one group has that radio, else "<name>-<index>" over all of that radio.
pub fn gateway_ids(groups: &[GatewayGroup], radio: RadioKind) -> Vec<String> {
    let same = groups.iter().filter(|g| g.radio == radio).count();
    let mut ids = Vec::new();
    for g in groups.iter().filter(|g| g.radio == radio) {
        for k in 0..g.count {
            let n = if same == 1 { k as usize } else { ids.len() };
            ids.push(format!("{}-{n}", g.name));
        }
    }
    ids
}

/// Every gateway of every group in gateway order: (group index, radio of its site, index among
/// the gateways of that radio, id in results). Radios other than cellular and wifi count as
/// LoRaWAN gateways.
pub fn gateway_units(groups: &[GatewayGroup]) -> Vec<(usize, RadioKind, usize, String)> {
    let site = |r: RadioKind| match r {
        RadioKind::Cellular | RadioKind::Wifi => r,
        _ => RadioKind::Lorawan,
    };
    let mut out = Vec::new();
    for radio in [RadioKind::Lorawan, RadioKind::Cellular, RadioKind::Wifi] {
        let mut ids = gateway_ids(groups, radio).into_iter();
        let mut n = 0;
        for (gi, g) in groups.iter().enumerate().filter(|(_, g)| site(g.radio) == radio) {
            for _ in 0..g.count {
                out.push((gi, radio, n, ids.next().unwrap_or_default()));
                n += 1;
            }
        }
    }
    out.sort_by_key(|u| (u.0, u.2));
    out
}

/// Resolved energy settings.
#[derive(Clone, Debug)]
pub struct EnergyConfig {
    /// LoRa radio current table.
    pub radio_profile: RadioProfile,
    /// Battery replacement policy.
    pub replacement: ReplacementPolicy,
    /// Remaining share that triggers a threshold replacement.
    pub replace_at: f64,
    /// Replacements per crew and working day.
    pub visits_per_crew_day: f64,
    /// Working days per year.
    pub working_days: f64,
    /// Projection and cost horizon, years.
    pub horizon_years: f64,
    /// Cloud energy per GB, kWh.
    pub cloud_kwh_per_gb: f64,
    /// Backhaul power per gateway or access point, W.
    pub backhaul_w: f64,
    /// Edge computing, W.
    pub edge_w: f64,
    /// Device service life, years.
    pub device_life_years: f64,
    /// Grid carbon intensity, g/kWh (None: no preset and none given).
    pub grid_co2_g_per_kwh: Option<f64>,
    /// Electricity price per kWh (None: unknown).
    pub electricity_price_per_kwh: Option<f64>,
}

/// Resolved prices.
#[derive(Clone, Debug)]
pub struct CostsConfig {
    /// Currency label.
    pub currency: String,
    /// One battery replacement visit.
    pub battery_visit: f64,
    /// A new pole.
    pub new_pole: f64,
    /// Cloud per GB.
    pub cloud_per_gb: f64,
    /// Annual discount rate.
    pub discount_rate: f64,
}

/// Resolved LoRaWAN settings.
#[derive(Clone, Debug)]
pub struct LorawanConfig {
    /// Channel plan.
    pub region: Region,
    /// Uplink channels.
    pub channels: u8,
    /// Bandwidth in kHz (125, 250, 500).
    pub bandwidth_khz: u32,
    /// Coding rate index 1..4 (4/5..4/8).
    pub coding_rate: u8,
    /// Interference model.
    pub interference: InterferenceModel,
    /// Whether different SFs interfere.
    pub inter_sf: bool,
    /// Capture threshold.
    pub capture_threshold_db: f64,
    /// Preamble symbols a late packet needs clear.
    pub preamble_lock_symbols: u8,
    /// Path-loss model.
    pub path_loss: PathLoss,
    /// Static shadowing sigma.
    pub shadowing_sigma_db: f64,
    /// Shadowing correlation distance, metres (None: uncorrelated).
    pub shadowing_correlation_m: Option<f64>,
    /// ADR run by the network server, if any.
    pub adr: Option<AdrParams>,
    /// SF selection margin.
    pub link_margin_db: f64,
    /// Duty-cycle policy (always Off under US915, which has none).
    pub duty_cycle: DutyCyclePolicy,
    /// Longest wait under the delay policy.
    pub duty_cycle_max_delay: SimTime,
}

/// Resolved cellular settings.
#[derive(Clone, Debug)]
pub struct CellularConfig {
    /// Path-loss model to cell sites.
    pub path_loss: PathLoss,
    /// Static shadowing sigma, dB.
    pub shadowing_sigma_db: f64,
    /// Preamble attempts before random access fails.
    pub ra_max_attempts: u8,
    /// Longest random-access backoff.
    pub backoff: SimTime,
    /// Longest wait for an uplink resource.
    pub max_queue_delay: SimTime,
    /// Cell to application server.
    pub core_latency: SimTime,
    /// Power saving mode between reports.
    pub psm: bool,
    /// eDRX cycle, if any.
    pub edrx_cycle: Option<SimTime>,
    /// Carriers at every site, in [`Technology::ALL`] order.
    pub carriers: Vec<Carrier>,
    /// Subscription per device and month, per carrier.
    pub subscription_per_month: Vec<f64>,
}

/// Resolved Wi-Fi settings.
#[derive(Clone, Debug)]
pub struct WifiConfig {
    /// Log-distance path-loss exponent.
    pub path_loss_exponent: f64,
    /// Longest wait for the access point's channel.
    pub max_queue_delay: SimTime,
}

/// Resolved wired settings.
#[derive(Clone, Debug)]
pub struct WiredConfig {
    /// Device to application server.
    pub latency: SimTime,
    /// Longest wait for the link.
    pub max_queue_delay: SimTime,
}

/// Day of the year (1..=366) of a "YYYY-MM-DD" date, or None if it is not a valid date.
pub fn day_of_year(text: &str) -> Option<u16> {
    let mut parts = text.trim().splitn(3, '-');
    let (y, m, d): (u32, u32, u32) =
        (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d == 0 || d > days[m as usize - 1] {
        return None;
    }
    Some((days[..m as usize - 1].iter().sum::<u32>() + d) as u16)
}

/// The cellular technology a device radio uses, if it is cellular.
pub fn cellular_technology(radio: RadioKind) -> Option<Technology> {
    match radio {
        RadioKind::Nbiot => Some(Technology::NbIot),
        RadioKind::Ltem => Some(Technology::LteM),
        RadioKind::Cellular => Some(Technology::Lte),
        _ => None,
    }
}

/// What deserialized of a scenario file: each section, and each list entry with its index in
/// the file. `complete` is false when anything failed to deserialize (its problem is already
/// recorded); then checks that need the whole file are skipped and the result is an error.
#[derive(Clone, Debug, Default)]
pub struct Sections {
    /// `[scenario]`.
    pub scenario: Option<ScenarioSection>,
    /// `[city]`.
    pub city: Option<CitySection>,
    /// `[[sensors]]` entries that deserialized, with their indices.
    pub sensors: Vec<(usize, SensorGroupSpec)>,
    /// `[[gateways]]` entries that deserialized, with their indices.
    pub gateways: Vec<(usize, GatewayGroupSpec)>,
    /// `[[failures]]` entries that deserialized, with their indices.
    pub failures: Vec<(usize, FailureSpec)>,
    /// `[lorawan]`.
    pub lorawan: Option<LorawanSection>,
    /// `[cellular]`.
    pub cellular: Option<CellularSection>,
    /// `[wifi]`.
    pub wifi: Option<WifiSection>,
    /// `[wired]`.
    pub wired: Option<WiredSection>,
    /// `[energy]`.
    pub energy: Option<EnergySection>,
    /// `[repair]`.
    pub repair: Option<RepairSection>,
    /// `[pipeline]`.
    pub pipeline: Option<PipelineSpec>,
    /// `[privacy]`.
    pub privacy: Option<PrivacySection>,
    /// `[[pipelines]]` entries that deserialized, with their indices.
    pub pipelines: Vec<(usize, PipelineSpec)>,
    /// `[costs]`.
    pub costs: Option<CostsSection>,
    /// `[slo]`.
    pub slo: Option<SloSection>,
    /// `[output]`.
    pub output: Option<OutputSection>,
    /// `[sweep]`.
    pub sweep: Option<SweepSection>,
    /// `[live]`.
    pub live: Option<LiveSection>,
    /// Whether everything deserialized.
    pub complete: bool,
}

/// Checks the sections and applies defaults. `seed_override` is `--seed`. Every problem found
/// is returned; a scenario is returned only when the sections are complete and valid.
pub fn resolve(file: &Sections, parsed: &Parsed, seed_override: Option<u64>) -> Result<Scenario, Vec<Problem>> {
    let mut v = Checker { parsed, problems: Vec::new() };
    let root = KeyPath::default();

    let duration = file.scenario.as_ref().map(|s| v.scenario(s, &root.key("scenario")));
    let start_day_of_year = file.scenario.as_ref().map_or(1, |s| v.start_day(s, &root.key("scenario").key("start")));
    let city = file.city.as_ref().map(|c| v.city(c, &root.key("city")));
    let groups: Vec<SensorGroup> = file
        .sensors
        .iter()
        .filter_map(|(i, g)| v.sensor_group(g, &root.key("sensors").index(*i), city.as_ref()))
        .collect();
    let gateways: Vec<GatewayGroup> = file
        .gateways
        .iter()
        .filter_map(|(i, g)| v.gateway_group(g, &root.key("gateways").index(*i), city.as_ref()))
        .collect();
    let lorawan = v.lorawan(file.lorawan.clone().unwrap_or_default(), &root.key("lorawan"));
    let cellular = v.cellular(file.cellular.clone().unwrap_or_default(), &root.key("cellular"));
    let wifi = v.wifi(file.wifi.clone().unwrap_or_default(), &root.key("wifi"));
    let wired = v.wired(file.wired.clone().unwrap_or_default(), &root.key("wired"));
    let energy = v.energy(file.energy.clone().unwrap_or_default(), &root.key("energy"), city.as_ref());
    let costs = v.costs(file.costs.clone().unwrap_or_default(), &root.key("costs"));
    let repair = file.repair.as_ref().map(|r| v.repair(r, &root.key("repair")));
    let failures: Vec<Failure> = file
        .failures
        .iter()
        .filter_map(|(i, f)| {
            v.failure(f, &root.key("failures").index(*i), &groups, &gateways, city.as_ref(), repair.is_some())
        })
        .collect();
    let slo = file.slo.clone().unwrap_or_default();
    for (key, ratio) in
        [("delivery_ratio_min", slo.delivery_ratio_min), ("pipeline_delivery_min", slo.pipeline_delivery_min)]
    {
        if let Some(r) = ratio
            && !(0.0..=1.0).contains(&r)
        {
            v.err(&root.key("slo").key(key), format!("{r} is outside [0, 1]"), Some("a ratio such as 0.99"));
        }
    }
    let bucket = file.output.as_ref().and_then(|o| o.bucket).map(|b| b.0);
    if bucket == Some(SimTime::ZERO) {
        v.err(&root.key("output").key("bucket"), "bucket must be longer than zero", None);
    }

    // Checks that need the whole file.
    let (Some(s), Some(duration), Some(city), true) = (&file.scenario, duration, city, file.complete) else {
        return Err(v.problems);
    };
    if file.sensors.is_empty() {
        v.err(
            &root,
            "the scenario has no [[sensors]] groups",
            Some("add at least one [[sensors]] table with kind and count"),
        );
    }
    let serving = |radio: RadioKind| gateways.iter().filter(|g| g.radio == radio).map(|g| g.count).sum::<u64>();
    let needs = [
        (RadioKind::Lorawan, "LoRaWAN sensors", "LoRaWAN gateways", "lorawan"),
        (RadioKind::Cellular, "cellular sensors (nbiot, ltem, cellular)", "cell sites", "cellular"),
        (RadioKind::Wifi, "Wi-Fi sensors", "access points", "wifi"),
    ];
    for (radio, sensors, servers, name) in needs {
        let declared = groups.iter().any(|g| match radio {
            RadioKind::Cellular => cellular_technology(g.radio).is_some(),
            r => g.radio == r,
        });
        if declared && serving(radio) == 0 {
            v.err(
                &root,
                format!("{sensors} are declared but there are no {servers}"),
                Some(&format!(
                    "add a [[gateways]] table with radio = \"{name}\", e.g. count = 4, placement = \"grid\""
                )),
            );
        }
    }
    if lorawan.region == Region::US915 {
        v.dwell_time(&file.sensors, &lorawan, &root);
    }
    let bucket = bucket
        .filter(|b| *b > SimTime::ZERO)
        .unwrap_or(SimTime(((duration.0 / DEFAULT_BUCKETS) / 1_000_000).max(1) * 1_000_000));
    if duration.0 / bucket.0 > 1_000_000 {
        v.err(
            &root.key("output").key("bucket"),
            "more than a million time-series buckets",
            Some("use a longer bucket, e.g. \"15m\""),
        );
    }
    let pipelines = v.pipelines(file, bucket, &root);
    let mut privacy = file.privacy.as_ref().map(|p| v.privacy(p, &city, duration, &root.key("privacy")));
    if let Some(p) = privacy.as_mut() {
        p.handling = v.stream_handling(file, p);
    }
    let warnings = v.personal_data(file, &groups, privacy.as_ref().is_some_and(|p| p.strict), &root);
    v.pipeline_failures(file, &pipelines, &root);
    let sweep = file.sweep.as_ref().map(|s| v.sweep(s, &root.key("sweep")));
    let live = file.live.clone().unwrap_or_default();
    v.live(&live, &root.key("live"));
    if !v.problems.is_empty() {
        return Err(v.problems);
    }
    Ok(Scenario {
        name: s.name.clone(),
        description: s.description.clone(),
        seed: seed_override.or(s.seed).unwrap_or(DEFAULT_SEED),
        duration,
        start_day_of_year,
        city,
        groups,
        gateways,
        lorawan,
        cellular,
        wifi,
        wired,
        energy,
        costs,
        failures,
        repair,
        pipelines,
        privacy,
        sweep,
        live,
        warnings,
        warning_text: String::new(),
        slo,
        bucket,
        file: String::new(),
        sha256: String::new(),
        overrides: Vec::new(),
    })
}

struct Checker<'a> {
    parsed: &'a Parsed,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn err(&mut self, path: &KeyPath, message: impl Into<String>, hint: Option<&str>) {
        self.problems.push(self.parsed.problem(path, message, hint.map(str::to_string)));
    }

    /// Runs a section's resolver with a reporter that records each problem against the file.
    fn reporting<T>(&mut self, resolve: impl FnOnce(Report) -> T) -> T {
        let parsed = self.parsed;
        let mut problems = Vec::new();
        let out = resolve(&mut |p, m, h| problems.push(parsed.problem(p, m, h)));
        self.problems.extend(problems);
        out
    }

    /// `[pipeline]` or `[[pipelines]]`, not both; designs need distinct names.
    fn pipelines(&mut self, file: &Sections, bucket: SimTime, root: &KeyPath) -> Vec<Design> {
        self.reporting(|err| {
            let mut out = Vec::new();
            if let Some(spec) = &file.pipeline {
                if !file.pipelines.is_empty() {
                    err(
                        &root.key("pipelines"),
                        "give one [pipeline] or several [[pipelines]], not both".into(),
                        Some("move [pipeline] into a [[pipelines]] entry with a name".into()),
                    );
                }
                let name = spec.name.clone().unwrap_or_else(|| "pipeline".into());
                out.push(super::pipeline::design(spec, name, &root.key("pipeline"), bucket.0, err));
            }
            for (i, spec) in &file.pipelines {
                let path = root.key("pipelines").index(*i);
                let Some(name) = spec.name.clone() else {
                    let hint = Some("name = \"edge aggregation\"".into());
                    err(&path, "each of several designs needs a `name`".into(), hint);
                    continue;
                };
                if out.iter().any(|d: &Design| d.name == name) {
                    err(&path.key("name"), format!("two designs are named \"{name}\""), None);
                }
                out.push(super::pipeline::design(spec, name, &path, bucket.0, err));
            }
            out
        })
    }

    /// Resolves `[sweep]`.
    fn sweep(&mut self, s: &SweepSection, path: &KeyPath) -> SweepConfig {
        self.reporting(|err| super::sweep::resolve(s, path, err))
    }

    /// Checks `[live]`.
    fn live(&mut self, s: &LiveSection, path: &KeyPath) {
        self.reporting(|err| super::live::check(s, path, err))
    }

    /// Resolves `[privacy]`, sizing the population from the preset's density.
    fn privacy(&mut self, p: &PrivacySection, city: &CityModel, duration: SimTime, path: &KeyPath) -> PrivacyConfig {
        let residents = city.preset.map(|c| c.population as f64 * (city.area_km2 / c.land_area_km2).min(1.0));
        self.reporting(|err| super::privacy::resolve(p, residents, duration, path, err))
    }

    /// Each sensor group's handling design: its `data.handling` by name, else the deployed one.
    fn stream_handling(&mut self, file: &Sections, p: &PrivacyConfig) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, spec) in &file.sensors {
            let named = spec.data.as_ref().and_then(|d| d.handling.clone());
            out.push(match named {
                None => p.deployed,
                Some(name) => p.designs.iter().position(|d| d.name == name).unwrap_or_else(|| {
                    let names: Vec<&str> = p.designs.iter().map(|d| d.name.as_str()).collect();
                    let hint = nearest(&name, names.iter().copied())
                        .map_or_else(|| format!("designs: {}", names.join(", ")), |n| format!("did you mean \"{n}\"?"));
                    let path = KeyPath::default().key("sensors").index(*i).key("data").key("handling");
                    self.err(&path, format!("no privacy design is named \"{name}\""), Some(&hint));
                    p.deployed
                }),
            });
        }
        out
    }

    /// NYC IoT Guidelines 1.2, 1.3 and 1.5 for personal data: a declared purpose, a retention
    /// period and a classification of at least private. Warnings, or errors when `strict`.
    fn personal_data(&mut self, file: &Sections, groups: &[SensorGroup], strict: bool, root: &KeyPath) -> Vec<Problem> {
        let mut found = Vec::new();
        for ((i, spec), g) in file.sensors.iter().zip(groups) {
            if g.data.personal != Some(true) {
                continue;
            }
            let path = root.key("sensors").index(*i).key("data");
            let declared = spec.data.clone().unwrap_or_default();
            let name = &g.name;
            if declared.purpose.is_none() {
                found.push((
                    path.key("purpose"),
                    format!("group \"{name}\" collects personal data without a declared purpose"),
                    "data = { purpose = \"mobility\", ... } (NYC IoT Guidelines 1.2)",
                ));
            }
            if declared.retention.is_none() {
                found.push((
                    path.key("retention"),
                    format!("group \"{name}\" keeps personal data without a retention period"),
                    "data = { retention = \"30d\", ... } (NYC IoT Guidelines 1.5)",
                ));
            }
            if matches!(g.data.classification, Some(Classification::Public | Classification::Sensitive)) {
                found.push((
                    path.key("classification"),
                    format!("group \"{name}\" classifies personal data below private"),
                    "classification = \"private\" (NYC IoT Guidelines 1.3)",
                ));
            }
        }
        let mut warnings = Vec::new();
        for (path, message, hint) in found {
            if strict {
                self.err(&path, message, Some(&format!("{hint}; [privacy] strict = true makes this an error")));
            } else {
                warnings.push(self.parsed.problem(&path, message, Some(hint.to_string())));
            }
        }
        warnings
    }

    /// A pipeline failure names a stage some design has.
    fn pipeline_failures(&mut self, file: &Sections, designs: &[Design], root: &KeyPath) {
        for (i, f) in &file.failures {
            let path = root.key("failures").index(*i);
            if f.kind != FailureKind::Pipeline {
                if f.stage.is_some() {
                    self.err(&path.key("stage"), "`stage` does not apply here", Some("it is for kind = \"pipeline\""));
                }
                continue;
            }
            if designs.is_empty() {
                self.err(
                    &path,
                    "a pipeline failure needs a [pipeline]",
                    Some("add a [pipeline] section with its stages"),
                );
                continue;
            }
            if let Some(stage) = &f.stage {
                let names: Vec<String> = designs
                    .iter()
                    .flat_map(|d| d.config.hops.iter().map(hop_name))
                    .filter(|n| n != "gateway")
                    .collect();
                if !names.contains(stage) {
                    let hint = nearest(stage, names.iter().map(String::as_str))
                        .map_or_else(|| format!("stages: {}", names.join(", ")), |n| format!("did you mean \"{n}\"?"));
                    self.err(&path.key("stage"), format!("no pipeline stage is named \"{stage}\""), Some(&hint));
                }
            }
        }
    }

    /// US915 limits one transmission to 400 ms: a fixed SF must respect it.
    fn dwell_time(&mut self, sensors: &[(usize, SensorGroupSpec)], lw: &LorawanConfig, root: &KeyPath) {
        let bw = Bandwidth::from_khz(lw.bandwidth_khz).unwrap_or(Bandwidth::Khz125);
        let cr = CodingRate::new(lw.coding_rate).unwrap_or(CodingRate::CR_4_5);
        for (i, g) in sensors {
            let Some(sf) = g.spreading_factor.and_then(SpreadingFactor::new) else {
                continue;
            };
            let payload = g.payload_bytes.or_else(|| catalogue::find(&g.kind).map(|k| k.payload_bytes)).unwrap_or(0);
            let airtime = LoraParams { cr, ..LoraParams::uplink(sf, bw) }
                .time_on_air_us(payload.saturating_add(LORAWAN_OVERHEAD_BYTES));
            if airtime > US915_MAX_DWELL_US {
                self.err(
                    &root.key("sensors").index(*i).key("spreading_factor"),
                    format!("SF{} with {payload} payload bytes takes {:.0} ms on air; US915 allows 400 ms", sf.value(), airtime as f64 / 1e3),
                    Some("use a lower spreading factor, or leave it out to let each sensor pick the lowest its link allows"),
                );
            }
        }
    }

    /// The start date's day of the year.
    fn start_day(&mut self, s: &ScenarioSection, path: &KeyPath) -> u16 {
        let Some(text) = &s.start else { return 1 };
        match day_of_year(text) {
            Some(d) => d,
            None => {
                self.err(
                    path,
                    format!("\"{text}\" is not a date"),
                    Some("write it as \"YYYY-MM-DD\", e.g. \"2026-06-21\""),
                );
                1
            }
        }
    }

    fn scenario(&mut self, s: &ScenarioSection, path: &KeyPath) -> SimTime {
        if s.name.trim().is_empty() {
            self.err(
                &path.key("name"),
                "the scenario name is empty",
                Some("give the run a name planners will recognise"),
            );
        }
        let duration = s.duration.0;
        if duration == SimTime::ZERO {
            self.err(&path.key("duration"), "duration must be longer than zero", Some("e.g. duration = \"24h\""));
        } else if duration > SimTime::from_secs(10 * 365 * 86_400) {
            self.err(&path.key("duration"), "duration is longer than 10 years", None);
        }
        duration
    }

    fn city(&mut self, c: &CitySection, path: &KeyPath) -> CityModel {
        let preset = match &c.preset {
            Some(id) => match cities::find(id) {
                Some(city) => Some(city),
                None => {
                    let ids = cities::ids();
                    let hint = match nearest(id, ids.iter().copied()) {
                        Some(n) => format!("did you mean \"{n}\"? `citytwin cities` lists all 36"),
                        None => "`citytwin cities` lists the 36 presets".to_string(),
                    };
                    self.err(&path.key("preset"), format!("unknown city preset \"{id}\""), Some(&hint));
                    None
                }
            },
            None => None,
        };
        let area_km2 = match (c.area_km2, &c.preset) {
            (Some(a), _) if !(a > 0.0 && a.is_finite()) => {
                self.err(&path.key("area_km2"), format!("area must be a positive number of km², found {a}"), None);
                1.0
            }
            (Some(a), _) if a > 100_000.0 => {
                self.err(&path.key("area_km2"), format!("{a} km² is larger than any city"), None);
                1.0
            }
            (Some(a), _) => a,
            (None, Some(_)) => DEFAULT_AREA_KM2,
            (None, None) => {
                self.err(
                    path,
                    "give a city preset or an explicit area_km2",
                    Some("e.g. preset = \"new-york\" or area_km2 = 4.0"),
                );
                1.0
            }
        };
        let side_m = (area_km2 * 1e6).sqrt();
        let specs: Vec<DistrictSpec> = if c.districts.is_empty() {
            vec![DistrictSpec { name: "city".into(), share: 1.0 }]
        } else {
            c.districts.clone()
        };
        let mut districts = Vec::new();
        let mut x = 0.0;
        for (i, d) in specs.iter().enumerate() {
            let p = path.key("districts").index(i);
            if !(d.share > 0.0 && d.share <= 1.0) {
                self.err(&p.key("share"), format!("share must be in (0, 1], found {}", d.share), None);
            }
            if specs[..i].iter().any(|e| e.name == d.name) {
                self.err(&p.key("name"), format!("district \"{}\" is declared twice", d.name), None);
            }
            let w = d.share * side_m;
            districts.push(District { name: d.name.clone(), share: d.share, x0_m: x, x1_m: x + w });
            x += w;
        }
        let total: f64 = specs.iter().map(|d| d.share).sum();
        if (total - 1.0).abs() > 1e-6 {
            self.err(
                &path.key("districts"),
                format!("district shares add up to {total}, not 1"),
                Some("adjust the shares so that they sum to 1.0"),
            );
        }
        if let Some(last) = districts.last_mut() {
            last.x1_m = side_m;
        }
        let latitude = c.latitude.or(preset.map(|p| p.latitude)).unwrap_or(DEFAULT_LATITUDE);
        if !(-90.0..=90.0).contains(&latitude) {
            self.err(&path.key("latitude"), format!("latitude {latitude} is outside -90..90"), None);
        }
        CityModel { preset, area_km2, side_m, latitude, districts }
    }

    fn district(&mut self, name: &Option<String>, path: &KeyPath, city: Option<&CityModel>) -> Option<usize> {
        let (name, city) = (name.as_ref()?, city?);
        let found = city.districts.iter().position(|d| &d.name == name);
        if found.is_none() {
            let hint = match nearest(name, city.districts.iter().map(|d| d.name.as_str())) {
                Some(n) => format!("did you mean \"{n}\"?"),
                None => format!(
                    "declared districts: {}",
                    city.districts.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            };
            self.err(path, format!("unknown district \"{name}\""), Some(&hint));
        }
        found
    }

    fn sensor_group(&mut self, g: &SensorGroupSpec, path: &KeyPath, city: Option<&CityModel>) -> Option<SensorGroup> {
        let Some(kind) = catalogue::find(&g.kind) else {
            let hint = catalogue::unknown_kind_hint(&g.kind);
            self.err(&path.key("kind"), format!("unknown sensor kind \"{}\"", g.kind), Some(&hint));
            return None;
        };
        if g.count == 0 {
            self.err(&path.key("count"), "count must be at least 1", None);
        } else if g.count > 50_000_000 {
            self.err(
                &path.key("count"),
                format!("{} sensors in one group is more than this tool is built for (50 million)", g.count),
                None,
            );
        }
        let report_every = g.report_every.map_or(kind.report_every, |d| d.0);
        if report_every < SimTime::from_secs(1) {
            self.err(
                &path.key("report_every"),
                format!("report interval {report_every} is shorter than 1s"),
                Some("city sensors report every few seconds at the most"),
            );
        }
        let timing = g.timing.unwrap_or(kind.timing);
        let jitter = g.jitter.map_or(SimTime((report_every.0 as f64 * DEFAULT_JITTER_SHARE) as u64), |d| d.0);
        if jitter >= report_every && timing == Timing::Periodic {
            self.err(
                &path.key("jitter"),
                format!("jitter {jitter} must be shorter than the interval {report_every}"),
                Some("use timing = \"poisson\" for fully random gaps"),
            );
        }
        let payload_bytes = g.payload_bytes.unwrap_or(kind.payload_bytes);
        let radio = g.radio.unwrap_or(kind.radio);
        self.radio_options(g, radio, path);
        if radio == RadioKind::Lorawan && payload_bytes > 222 {
            self.err(
                &path.key("payload_bytes"),
                format!("{payload_bytes} bytes exceeds the LoRaWAN maximum application payload of 222 bytes"),
                None,
            );
        }
        let tx_power_dbm = g.tx_power.map_or(
            match radio {
                RadioKind::Lorawan | RadioKind::Wired => 14.0,
                RadioKind::Nbiot | RadioKind::Ltem | RadioKind::Cellular => crate::model::cellular::DEVICE_TX_DBM,
                RadioKind::Wifi => 18.0,
            },
            |p| p.0,
        );
        if !(-10.0..=30.0).contains(&tx_power_dbm) {
            self.err(
                &path.key("tx_power"),
                format!("{tx_power_dbm} dBm is outside -10..30 dBm"),
                Some("LoRa end devices transmit at 2..20 dBm"),
            );
        }
        if let Some(sf) = g.spreading_factor
            && !(7..=12).contains(&sf)
        {
            self.err(&path.key("spreading_factor"), format!("spreading factor {sf} is outside 7..12"), None);
        }
        let district = self.district(&g.district, &path.key("district"), city);
        if let Some(l) = g.extra_loss
            && !(0.0..=60.0).contains(&l.0)
        {
            self.err(
                &path.key("extra_loss"),
                format!("{} dB is outside 0..60 dB", l.0),
                Some("buried parking sensors lose on the order of 10-20 dB"),
            );
        }
        let confirmed = g.confirmed.unwrap_or(false);
        let transmissions = g.transmissions.unwrap_or(if confirmed { 8 } else { 1 });
        if !(1..=15).contains(&transmissions) {
            self.err(
                &path.key("transmissions"),
                format!("{transmissions} transmissions; LoRaWAN allows 1..15"),
                Some("NbTrans is 1..15; confirmed uplinks usually allow up to 8"),
            );
        }
        let disc = g.disc.map(|d| (d.center.x.0, d.center.y.0, d.radius.0));
        if let Some((x, y, r)) = disc {
            let side = city.map_or(f64::INFINITY, |c| c.side_m);
            if !(x.is_finite() && y.is_finite() && r.is_finite())
                || r <= 0.0
                || x - r < 0.0
                || y - r < 0.0
                || x + r > side
                || y + r > side
            {
                self.err(
                    &path.key("disc"),
                    format!("the disc ({x} m, {y} m, radius {r} m) must have a positive radius and lie inside the {side:.0} m square"),
                    Some("coordinates are metres east and north of the area's south-west corner"),
                );
            }
            if g.district.is_some() {
                self.err(&path.key("disc"), "give either `disc` or `district`, not both", None);
            }
        }
        let power = g.power.clone().unwrap_or_else(|| kind.power.to_spec());
        self.power(&power, &path.key("power"));

        let sleep_ua = g.sleep_current.map_or(kind.load.sleep_ua, |c| c.0 * 1e3);
        if !(0.0..=100_000.0).contains(&sleep_ua) {
            self.err(
                &path.key("sleep_current"),
                format!("{sleep_ua} µA asleep is not plausible"),
                Some("nodes sleep at a few to tens of µA"),
            );
        }
        let (sense_ma, sense_ms) =
            g.sensing.map_or((kind.load.sense_ma, kind.load.sense_ms), |s| (s.current.0, s.time.0.as_millis_f64()));
        if !(0.0..=5_000.0).contains(&sense_ma) {
            self.err(
                &path.key("sensing").key("current"),
                format!("{sense_ma} mA while sensing is not plausible"),
                None,
            );
        }
        if sense_ms > report_every.as_millis_f64() {
            self.err(&path.key("sensing").key("time"), "a reading takes longer than the report interval", None);
        }
        for (key, v) in [("unit_cost", g.unit_cost), ("install_cost", g.install_cost)] {
            if let Some(c) = v
                && !(c.is_finite() && c >= 0.0)
            {
                self.err(&path.key(key), format!("{c} is not a price"), None);
            }
        }
        let mut data = g.data.clone().unwrap_or_default();
        data.purpose = data.purpose.or_else(|| Some(kind.purpose.to_string()));
        data.personal = data.personal.or(Some(kind.personal));
        data.classification = data.classification.or(Some(kind.classification));
        Some(SensorGroup {
            name: g.name.clone().unwrap_or_else(|| kind.id.to_string()),
            kind,
            count: g.count,
            report_every,
            timing,
            jitter,
            payload_bytes,
            radio,
            stream_bps: g.stream_bitrate.map_or(0.0, |b| b.0),
            link_capacity_bps: g.link_capacity.map_or(100e6, |b| b.0),
            tx_power_dbm,
            spreading_factor: g.spreading_factor,
            district,
            confirmed,
            transmissions,
            indoor: g.indoor.unwrap_or(false),
            extra_loss_db: g.extra_loss.map_or(0.0, |d| d.0),
            disc,
            mains_w: if power.mains == Some(true) { kind.load.mains_w } else { 0.0 },
            power,
            sleep_ua,
            sense_ma,
            sense_ms,
            unit_cost: g.unit_cost.unwrap_or(0.0),
            install_cost: g.install_cost.unwrap_or(0.0),
            new_poles: self.share(g.new_poles, &path.key("new_poles")),
            device_mass_g: g.device_mass.map(|m| m.0),
            data,
        })
    }

    fn power(&mut self, p: &PowerSpec, path: &KeyPath) {
        if p.battery.is_none() && p.mains != Some(true) {
            self.err(
                path,
                "a power source needs `battery` or `mains = true`",
                Some("e.g. power = { battery = \"li-socl2-aa\" }"),
            );
        }
        if let Some(c) = p.capacity
            && c.0.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        {
            self.err(&path.key("capacity"), "capacity must be positive", None);
        }
        if let Some(w) = p.solar_panel_w
            && !(w > 0.0 && w < 1000.0)
        {
            self.err(&path.key("solar_panel_w"), format!("{w} W is not a plausible panel size"), None);
        }
    }

    fn gateway_group(
        &mut self,
        g: &GatewayGroupSpec,
        path: &KeyPath,
        city: Option<&CityModel>,
    ) -> Option<GatewayGroup> {
        let placement =
            g.placement.unwrap_or(if g.positions.is_empty() { Placement::Grid } else { Placement::Explicit });
        let positions: Vec<(f64, f64)> = g.positions.iter().map(|p| (p.x.0, p.y.0)).collect();
        let count = match (placement, g.count) {
            (Placement::Explicit, Some(n)) if n as usize != positions.len() => {
                self.err(
                    &path.key("count"),
                    format!("count is {n} but {} positions are given", positions.len()),
                    Some("drop count; explicit placement uses one gateway per position"),
                );
                n
            }
            (Placement::Explicit, _) => positions.len() as u64,
            (_, Some(n)) => n,
            (_, None) => {
                self.err(path, "gateway group needs a count", Some("e.g. count = 4"));
                0
            }
        };
        if placement == Placement::Explicit && positions.is_empty() {
            self.err(
                &path.key("positions"),
                "explicit placement needs positions",
                Some("positions = [{ x = \"500m\", y = \"1.2km\" }]"),
            );
        }
        if placement != Placement::Explicit && !positions.is_empty() {
            self.err(&path.key("positions"), "positions are only used with placement = \"explicit\"", None);
        }
        if count > 100_000 {
            self.err(&path.key("count"), format!("{count} gateways is more than a city deploys"), None);
        }
        let side = city.map_or(f64::INFINITY, |c| c.side_m);
        for (i, (x, y)) in positions.iter().enumerate() {
            if !(0.0..=side).contains(x) || !(0.0..=side).contains(y) {
                self.err(
                    &path.key("positions").index(i),
                    format!("({x} m, {y} m) lies outside the {side:.0} m square area"),
                    Some("coordinates are metres east and north of the area's south-west corner"),
                );
            }
        }
        let demodulators = g.demodulators.unwrap_or(8);
        if demodulators == 0 || demodulators > 64 {
            self.err(
                &path.key("demodulators"),
                format!("{demodulators} demodulation paths; expected 1..64"),
                Some("an SX1301 concentrator has 8, an SX1302 16"),
            );
        }
        let radio = g.radio.unwrap_or(RadioKind::Lorawan);
        match radio {
            RadioKind::Lorawan | RadioKind::Cellular | RadioKind::Wifi => {}
            RadioKind::Nbiot | RadioKind::Ltem => self.err(
                &path.key("radio"),
                format!("a gateway group cannot be \"{}\"", radio.name()),
                Some("use radio = \"cellular\" for cell sites; each carries NB-IoT, LTE-M and LTE Cat-1"),
            ),
            RadioKind::Wired => self.err(
                &path.key("radio"),
                "wired devices need no gateway group",
                Some("drop this group; [wired] sets the latency of wired devices"),
            ),
        }
        let district = self.district(&g.district, &path.key("district"), city);
        let backhaul = g.backhaul.clone().unwrap_or(BackhaulSpec { kind: BackhaulKind::Fiber, latency: None });
        let backhaul_latency = backhaul.latency.map_or(
            match backhaul.kind {
                BackhaulKind::Fiber => SimTime::from_millis(5),
                BackhaulKind::Wireless => SimTime::from_millis(20),
                BackhaulKind::Cellular => SimTime::from_millis(60),
            },
            |d| d.0,
        );
        let power = g.power.clone().unwrap_or(PowerSpec { mains: Some(true), ..Default::default() });
        self.power(&power, &path.key("power"));
        Some(GatewayGroup {
            name: g.name.clone().unwrap_or_else(|| {
                match radio {
                    RadioKind::Cellular => "cell",
                    RadioKind::Wifi => "ap",
                    _ => "gw",
                }
                .to_string()
            }),
            radio,
            count,
            placement,
            positions,
            district,
            antenna_gain_db: g.antenna_gain.map_or(0.0, |d| d.0),
            demodulators,
            backhaul_latency,
            backhaul: backhaul.kind,
            power,
            power_w: g.power_draw.map_or(
                match radio {
                    RadioKind::Lorawan => 3.2,
                    RadioKind::Wifi => 10.0,
                    _ => 0.0,
                },
                |p| p.0,
            ),
            unit_cost: g.unit_cost.unwrap_or(0.0),
            install_cost: g.install_cost.unwrap_or(0.0),
            new_poles: self.share(g.new_poles, &path.key("new_poles")),
        })
    }

    /// Options that only some radios have.
    fn radio_options(&mut self, g: &SensorGroupSpec, radio: RadioKind, path: &KeyPath) {
        let lora_only = [
            ("spreading_factor", g.spreading_factor.is_some()),
            ("confirmed", g.confirmed.is_some()),
            ("transmissions", g.transmissions.is_some()),
        ];
        for (key, set) in lora_only {
            if set && radio != RadioKind::Lorawan {
                self.err(
                    &path.key(key),
                    format!("`{key}` is a LoRaWAN setting but this group's radio is {}", radio.name()),
                    Some("drop it, or set radio = \"lorawan\""),
                );
            }
        }
        if let Some(b) = g.stream_bitrate {
            if !matches!(radio, RadioKind::Wifi | RadioKind::Wired) {
                self.err(
                    &path.key("stream_bitrate"),
                    format!("continuous streams are modelled on wifi and wired links, not {}", radio.name()),
                    Some("set radio = \"wired\" or \"wifi\" for cameras"),
                );
            } else if !(b.0 > 0.0 && b.0 <= 10e9) {
                self.err(&path.key("stream_bitrate"), format!("{b} is not a plausible stream"), None);
            }
        }
        if let Some(c) = g.link_capacity {
            if radio != RadioKind::Wired {
                self.err(
                    &path.key("link_capacity"),
                    "`link_capacity` is for wired devices",
                    Some("drop it, or set radio = \"wired\""),
                );
            } else if !(c.0 >= 1e3 && c.0 <= 400e9) {
                self.err(
                    &path.key("link_capacity"),
                    format!("{c} is not a plausible link"),
                    Some("Fast Ethernet is \"100Mbit/s\""),
                );
            }
        }
    }

    fn cellular(&mut self, c: CellularSection, path: &KeyPath) -> CellularConfig {
        let ra_max_attempts = c.ra_max_attempts.unwrap_or(10);
        if ra_max_attempts == 0 || ra_max_attempts > 200 {
            self.err(
                &path.key("ra_max_attempts"),
                format!("{ra_max_attempts} preamble attempts; expected 1..200"),
                Some("3GPP's preambleTransMax ranges 3..200; NB-IoT devices commonly use 10"),
            );
        }
        let shadowing_sigma_db = c.shadowing_sigma.map_or(0.0, |d| d.0);
        if !(0.0..=20.0).contains(&shadowing_sigma_db) {
            self.err(&path.key("shadowing_sigma"), "shadowing sigma must be within 0..20 dB", None);
        }
        let specs = [c.nbiot, c.ltem, c.lte];
        let mut carriers = Vec::new();
        let mut subscription_per_month = Vec::new();
        for (t, spec) in Technology::ALL.into_iter().zip(specs) {
            let spec = spec.unwrap_or_default();
            let p = path.key(t.name());
            let mut carrier = Carrier::default_for(t);
            if let Some(period) = spec.ra_period {
                if period.0 < SimTime::from_millis(1) || period.0 > SimTime::from_secs(10) {
                    self.err(
                        &p.key("ra_period"),
                        format!("{period} is outside 1ms..10s"),
                        Some("NB-IoT allows 40ms..2.56s"),
                    );
                }
                carrier.ra_period_us = period.0.0.max(1);
            }
            if let Some(n) = spec.preambles {
                if n == 0 || n > 64 {
                    self.err(
                        &p.key("preambles"),
                        format!("{n} preambles; expected 1..64"),
                        Some("NB-IoT offers 12-48, LTE 54"),
                    );
                }
                carrier.preambles = n.max(1);
            }
            if let Some(n) = spec.servers {
                if n == 0 || n > 1000 {
                    self.err(&p.key("servers"), format!("{n} uplink resources; expected 1..1000"), None);
                }
                carrier.servers = n.max(1);
            }
            let fee = spec.subscription_per_month.unwrap_or(0.0);
            if !(0.0..=1000.0).contains(&fee) {
                self.err(&p.key("subscription_per_month"), format!("{fee} per device-month is not plausible"), None);
            }
            carriers.push(carrier);
            subscription_per_month.push(fee);
        }
        CellularConfig {
            path_loss: c.path_loss.unwrap_or(PathLoss::OkumuraHata),
            shadowing_sigma_db,
            ra_max_attempts: ra_max_attempts.max(1),
            backoff: c.backoff.map_or(SimTime::from_millis(960), |d| d.0),
            max_queue_delay: c.max_queue_delay.map_or(SimTime::from_secs(10), |d| d.0),
            core_latency: c.core_latency.map_or(SimTime::from_millis(50), |d| d.0),
            psm: c.psm.unwrap_or(true),
            edrx_cycle: c.edrx_cycle.map(|d| d.0),
            carriers,
            subscription_per_month,
        }
    }

    fn wifi(&mut self, w: WifiSection, path: &KeyPath) -> WifiConfig {
        let n = w.path_loss_exponent.unwrap_or(crate::model::wifi::DEFAULT_EXPONENT);
        if !(1.5..=6.0).contains(&n) {
            self.err(
                &path.key("path_loss_exponent"),
                format!("exponent {n} is outside 1.5..6"),
                Some("2 is free space; 2.7-3.5 urban"),
            );
        }
        WifiConfig { path_loss_exponent: n, max_queue_delay: w.max_queue_delay.map_or(SimTime::from_secs(1), |d| d.0) }
    }

    fn wired(&mut self, w: WiredSection, _path: &KeyPath) -> WiredConfig {
        WiredConfig {
            latency: w.latency.map_or(SimTime::from_millis(2), |d| d.0),
            max_queue_delay: w.max_queue_delay.map_or(SimTime::from_secs(1), |d| d.0),
        }
    }

    fn energy(&mut self, e: EnergySection, path: &KeyPath, city: Option<&CityModel>) -> EnergyConfig {
        let replace_at = e.replace_at.unwrap_or(0.1);
        if !(0.0..1.0).contains(&replace_at) {
            self.err(
                &path.key("replace_at"),
                format!("{replace_at} is outside [0, 1)"),
                Some("e.g. 0.1: replace at 10 % left"),
            );
        }
        let positive = [
            ("visits_per_crew_day", e.visits_per_crew_day),
            ("working_days", e.working_days),
            ("horizon_years", e.horizon_years),
            ("device_life_years", e.device_life_years),
        ];
        for (key, v) in positive {
            if let Some(x) = v
                && !(x > 0.0 && x.is_finite())
            {
                self.err(&path.key(key), format!("{x} must be positive"), None);
            }
        }
        if let Some(x) = e.working_days
            && x > 366.0
        {
            self.err(&path.key("working_days"), "a year has at most 366 days", None);
        }
        let preset = city.and_then(|c| c.preset);
        EnergyConfig {
            radio_profile: e.radio_profile.unwrap_or(RadioProfile::Rak4260),
            replacement: e.replacement.unwrap_or(ReplacementPolicy::Threshold),
            replace_at,
            visits_per_crew_day: e.visits_per_crew_day.unwrap_or(20.0),
            working_days: e.working_days.unwrap_or(230.0),
            horizon_years: e.horizon_years.unwrap_or(10.0),
            cloud_kwh_per_gb: e.cloud_kwh_per_gb.unwrap_or(0.06),
            backhaul_w: e.backhaul_power.map_or(5.0, |p| p.0),
            edge_w: e.edge_power.map_or(0.0, |p| p.0),
            device_life_years: e.device_life_years.unwrap_or(10.0),
            grid_co2_g_per_kwh: e.grid_co2_g_per_kwh.or(preset.map(|c| c.grid_co2_g_per_kwh)),
            electricity_price_per_kwh: e
                .electricity_price_per_kwh
                .or(preset.and_then(|c| c.electricity_price_usd_per_kwh)),
        }
    }

    fn failure(
        &mut self,
        f: &FailureSpec,
        path: &KeyPath,
        groups: &[SensorGroup],
        gateways: &[GatewayGroup],
        city: Option<&CityModel>,
        crews: bool,
    ) -> Option<Failure> {
        let kind = f.kind;
        let on_sensors = matches!(kind, FailureKind::Device | FailureKind::Compromised);
        let timing = match (f.at, f.lasts, f.mtbf, f.mttr) {
            (Some(at), Some(lasts), None, None) => FailureTiming::Scheduled { at: at.0, lasts: lasts.0 },
            (Some(at), None, None, None) if kind == FailureKind::Gateway && crews => {
                FailureTiming::UntilRepaired { at: at.0 }
            }
            (Some(at), None, None, None) if kind == FailureKind::Compromised => {
                FailureTiming::Scheduled { at: at.0, lasts: UNTIL_THE_END }
            }
            (Some(_), None, None, None) => {
                self.err(
                    &path.key("lasts"),
                    "a failure without `lasts` needs repair crews, and only gateway failures can wait for them",
                    Some("add lasts = \"2h\", or a [repair] section with crews = 2 (kind = \"gateway\")"),
                );
                return None;
            }
            (None, None, Some(mtbf), Some(mttr)) if mtbf.0 > SimTime::ZERO && mttr.0 > SimTime::ZERO => {
                FailureTiming::Random { mtbf: mtbf.0, mttr: mttr.0 }
            }
            _ => {
                self.err(
                    path,
                    "a failure needs `at` and `lasts` (scheduled) or `mtbf` and `mttr` (random), not a mix",
                    Some("e.g. at = \"6h\", lasts = \"2h\", or mtbf = \"90d\", mttr = \"8h\""),
                );
                return None;
            }
        };
        let scoped = [f.group.is_some(), f.gateway.is_some(), f.district.is_some(), f.sensor.is_some()];
        if scoped.iter().filter(|x| **x).count() > 1 {
            self.err(path, "give at most one of `group`, `gateway`, `sensor` and `district`", None);
            return None;
        }
        let area = f.area.as_ref().and_then(|a| self.area(a, &path.key("area")));
        let mut in_scope = Vec::new();
        let (mut district, mut sensor_group, mut sensor) = (None, None, None);
        let scope;
        if on_sensors {
            if f.gateway.is_some() {
                self.err(
                    &path.key("gateway"),
                    "sensor failures are scoped by sensor group, sensor, district or area",
                    None,
                );
            }
            if let Some(name) = &f.group {
                sensor_group = groups.iter().position(|g| &g.name == name);
                if sensor_group.is_none() {
                    let hint = nearest(name, groups.iter().map(|g| g.name.as_str())).map_or_else(
                        || {
                            format!(
                                "sensor groups: {}",
                                groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ")
                            )
                        },
                        |n| format!("did you mean \"{n}\"?"),
                    );
                    self.err(&path.key("group"), format!("no sensor group is named \"{name}\""), Some(&hint));
                    return None;
                }
                scope = format!("group {name}");
            } else if let Some(id) = f.sensor {
                let total: u64 = groups.iter().map(|g| g.count).sum();
                if u64::from(id) >= total {
                    self.err(
                        &path.key("sensor"),
                        format!("no sensor {id}: ids run from 0 to {}", total.saturating_sub(1)),
                        None,
                    );
                    return None;
                }
                sensor = Some(id);
                scope = format!("sensor {id}");
            } else if let Some(name) = &f.district {
                district = self.district(&f.district, &path.key("district"), city);
                district?;
                scope = format!("district {name}");
            } else {
                scope = if area.is_some() { "area".to_string() } else { "all sensors".to_string() };
            }
        } else {
            if f.sensor.is_some() {
                self.err(&path.key("sensor"), "`sensor` scopes device and compromised failures", None);
            }
            let units = gateway_units(gateways);
            if let Some(name) = &f.group {
                let Some(gi) = gateways.iter().position(|g| &g.name == name) else {
                    let names: Vec<&str> = gateways.iter().map(|g| g.name.as_str()).collect();
                    let hint = nearest(name, names.iter().copied()).map_or_else(
                        || format!("gateway groups: {}", names.join(", ")),
                        |n| format!("did you mean \"{n}\"?"),
                    );
                    self.err(&path.key("group"), format!("no gateway group is named \"{name}\""), Some(&hint));
                    return None;
                };
                in_scope = units.iter().filter(|u| u.0 == gi).map(|u| (u.1, u.2)).collect();
                scope = format!("group {name}");
            } else if let Some(id) = &f.gateway {
                let Some(u) = units.iter().find(|u| &u.3 == id) else {
                    let hint = nearest(id, units.iter().map(|u| u.3.as_str())).map_or_else(
                        || "gateway ids are <group name>-<n>, as in summary.json".to_string(),
                        |n| format!("did you mean \"{n}\"?"),
                    );
                    self.err(&path.key("gateway"), format!("no gateway \"{id}\""), Some(&hint));
                    return None;
                };
                in_scope.push((u.1, u.2));
                scope = id.clone();
            } else if let Some(name) = &f.district {
                district = self.district(&f.district, &path.key("district"), city);
                district?;
                scope = format!("district {name}");
            } else {
                in_scope = units.iter().map(|u| (u.1, u.2)).collect();
                scope = if area.is_some() { "area".to_string() } else { "all gateways".to_string() };
            }
        }
        if f.buffer.is_some() && kind != FailureKind::Backhaul {
            self.err(&path.key("buffer"), "`buffer` is for backhaul cuts", None);
        }
        use FailureKind::{Compromised, Device, Jamming, Storm};
        let keys: [(&str, bool, &[FailureKind]); 9] = [
            ("extra_loss", f.extra_loss.is_some(), &[Storm]),
            ("device_failure", f.device_failure.is_some(), &[Storm]),
            ("noise_rise", f.noise_rise.is_some(), &[Jamming]),
            ("band", f.band.is_some(), &[Jamming]),
            ("attack", f.attack.is_some(), &[Compromised]),
            ("flood_factor", f.flood_factor.is_some(), &[Compromised]),
            ("detect_after", f.detect_after.is_some(), &[Compromised]),
            ("share", f.share.is_some(), &[Device, Compromised]),
            ("area", f.area.is_some(), &[Storm, Jamming, Device, Compromised]),
        ];
        for (key, set, allowed) in keys {
            if set && !allowed.contains(&kind) {
                let kinds: Vec<String> = allowed.iter().map(|k| format!("\"{}\"", k.name())).collect();
                self.err(
                    &path.key(key),
                    format!("`{key}` does not apply here"),
                    Some(&format!("it is for kind = {}", kinds.join(" or "))),
                );
            }
        }
        if matches!(kind, FailureKind::Storm | FailureKind::Jamming) && f.area.is_none() {
            self.err(
                path,
                format!("a {} needs an `area`", if kind == FailureKind::Storm { "storm" } else { "jammer" }),
                Some("area = { center = { x = \"2km\", y = \"2km\" }, radius = \"1km\" }"),
            );
        }
        let device_failure = f.device_failure.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&device_failure) {
            self.err(&path.key("device_failure"), format!("{device_failure} is not a probability"), None);
        }
        let extra_loss_db = f.extra_loss.map_or(0.0, |d| d.0);
        if !(0.0..=60.0).contains(&extra_loss_db) {
            self.err(&path.key("extra_loss"), format!("{extra_loss_db} dB is outside 0..60 dB"), None);
        }
        let noise_rise_db = f.noise_rise.map_or(0.0, |d| d.0);
        if kind == FailureKind::Jamming && !(noise_rise_db > 0.0 && noise_rise_db <= 80.0) {
            self.err(
                &path.key("noise_rise"),
                format!("{noise_rise_db} dB; a jammer needs a rise in (0, 80] dB"),
                Some("e.g. noise_rise = \"20dB\""),
            );
        }
        let band = f.band.unwrap_or(RadioKind::Lorawan);
        if !matches!(band, RadioKind::Lorawan | RadioKind::Cellular | RadioKind::Wifi) {
            self.err(
                &path.key("band"),
                format!("\"{}\" is not a jammed band", band.name()),
                Some("lorawan, cellular or wifi"),
            );
        }
        if matches!(kind, FailureKind::Storm | FailureKind::Jamming | FailureKind::Compromised)
            && !matches!(timing, FailureTiming::Scheduled { .. })
        {
            self.err(path, "this failure needs `at` (and `lasts`), not `mtbf`/`mttr`", None);
        }
        let share = f.share.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&share) {
            self.err(
                &path.key("share"),
                format!("{share} is not a share in [0, 1]"),
                Some("e.g. 0.05 for one in twenty"),
            );
        }
        let attack = (kind == FailureKind::Compromised).then(|| {
            let kind = f.attack.unwrap_or(AttackKind::Spoof);
            let flood_factor = f.flood_factor.unwrap_or(if kind == AttackKind::Flood { 10 } else { 1 });
            if kind == AttackKind::Spoof && f.flood_factor.is_some() {
                self.err(&path.key("flood_factor"), "`flood_factor` is for attack = \"flood\"", None);
            }
            if !(1..=1000).contains(&flood_factor) {
                self.err(
                    &path.key("flood_factor"),
                    format!("{flood_factor}; expected 1..1000 uplinks per reading"),
                    None,
                );
            }
            Attack { kind, flood_factor, detect_after: f.detect_after.map(|d| d.0) }
        });
        if kind == FailureKind::Compromised && f.attack.is_none() {
            self.err(
                &path.key("attack"),
                "a compromise needs an `attack`",
                Some("attack = \"spoof\" or attack = \"flood\""),
            );
        }
        let scope = match kind {
            FailureKind::Storm | FailureKind::Jamming => "area".to_string(),
            FailureKind::Pipeline => f.stage.as_ref().map_or_else(|| "cloud".to_string(), |s| format!("stage {s}")),
            _ => scope,
        };
        if kind == FailureKind::Pipeline && scoped.iter().any(|x| *x) {
            self.err(
                path,
                "a pipeline failure is scoped by `stage` only",
                Some("stage = \"store\", or leave it out for the whole cloud"),
            );
        }
        Some(Failure {
            kind,
            gateways: if matches!(kind, FailureKind::Storm | FailureKind::Jamming | FailureKind::Pipeline) || on_sensors
            {
                Vec::new()
            } else {
                in_scope
            },
            stage: f.stage.clone(),
            district,
            sensor_group,
            sensor,
            timing,
            buffer: f.buffer.unwrap_or(0),
            scope,
            area,
            extra_loss_db,
            device_failure,
            noise_rise_db,
            band,
            share,
            attack,
        })
    }

    /// A disc or a polygon.
    fn area(&mut self, a: &AreaSpec, path: &KeyPath) -> Option<Area> {
        match (a.center, a.radius, &a.polygon) {
            (Some(c), Some(r), None) if r.0 > 0.0 => Some(Area::Disc { x: c.x.0, y: c.y.0, r: r.0 }),
            (None, None, Some(v)) if v.len() >= 3 => {
                let poly = Area::Polygon(v.iter().map(|p| (p.x.0, p.y.0)).collect());
                if poly.area_m2() <= 0.0 {
                    self.err(&path.key("polygon"), "the polygon encloses no area", None);
                }
                Some(poly)
            }
            (None, None, Some(v)) => {
                self.err(&path.key("polygon"), format!("{} points; a polygon needs at least 3", v.len()), None);
                None
            }
            _ => {
                self.err(
                    path,
                    "an area is a disc (`center` and `radius` > 0) or a `polygon`, not both",
                    Some("area = { center = { x = \"2km\", y = \"2km\" }, radius = \"1km\" }"),
                );
                None
            }
        }
    }

    /// A share in [0, 1] (default 0).
    fn share(&mut self, v: Option<f64>, path: &KeyPath) -> f64 {
        let x = v.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&x) {
            self.err(path, format!("{x} is not a share in [0, 1]"), Some("e.g. 0.25 for a quarter"));
        }
        x
    }

    fn repair(&mut self, r: &RepairSection, path: &KeyPath) -> Repair {
        if r.crews == 0 || r.crews > 10_000 {
            self.err(&path.key("crews"), format!("{} crews; expected 1..10000", r.crews), None);
        }
        Repair {
            crews: r.crews.max(1),
            travel: r.travel.map_or(SimTime::ZERO, |d| d.0),
            repair_time: r.repair_time.map_or(SimTime::from_secs(7200), |d| d.0),
        }
    }

    fn costs(&mut self, c: CostsSection, path: &KeyPath) -> CostsConfig {
        let discount_rate = c.discount_rate.unwrap_or(0.0);
        if !(0.0..1.0).contains(&discount_rate) {
            self.err(
                &path.key("discount_rate"),
                format!("{discount_rate} is outside [0, 1)"),
                Some("e.g. 0.03 for 3 % a year"),
            );
        }
        CostsConfig {
            currency: c.currency.unwrap_or_else(|| "USD".to_string()),
            battery_visit: c.battery_visit.unwrap_or(0.0),
            new_pole: c.new_pole.unwrap_or(0.0),
            cloud_per_gb: c.cloud_per_gb.unwrap_or(0.0),
            discount_rate,
        }
    }

    fn lorawan(&mut self, l: LorawanSection, path: &KeyPath) -> LorawanConfig {
        let channels = l.channels.unwrap_or(8);
        if channels == 0 || channels > 8 {
            self.err(
                &path.key("channels"),
                format!("{channels} channels; expected 1..8"),
                Some("an SX1301 gateway listens on 8 channels (EU868's plan has 8; US915 uses one 8-channel sub-band)"),
            );
        }
        let bandwidth_khz = l.bandwidth.map_or(125, |b| (b.0 / 1000.0).round() as u32);
        if ![125, 250, 500].contains(&bandwidth_khz) {
            self.err(
                &path.key("bandwidth"),
                format!("{bandwidth_khz} kHz is not a LoRa bandwidth"),
                Some("use \"125kHz\", \"250kHz\" or \"500kHz\""),
            );
        }
        let coding_rate = match l.coding_rate.as_deref().unwrap_or("4/5") {
            "4/5" => 1,
            "4/6" => 2,
            "4/7" => 3,
            "4/8" => 4,
            other => {
                self.err(
                    &path.key("coding_rate"),
                    format!("\"{other}\" is not a LoRa coding rate"),
                    Some("use \"4/5\", \"4/6\", \"4/7\" or \"4/8\""),
                );
                1
            }
        };
        let capture_threshold_db = l.capture_threshold.map_or(6.0, |d| d.0);
        if !(0.0..=30.0).contains(&capture_threshold_db) {
            self.err(&path.key("capture_threshold"), "capture threshold must be within 0..30 dB", None);
        }
        let preamble_lock_symbols = l.preamble_lock_symbols.unwrap_or(5);
        if preamble_lock_symbols > 8 {
            self.err(&path.key("preamble_lock_symbols"), "at most the 8 preamble symbols can be required clear", None);
        }
        let shadowing_sigma_db = l.shadowing_sigma.map_or(0.0, |d| d.0);
        let interference = l.interference.unwrap_or(InterferenceModel::Capture);
        let region = l.region.unwrap_or(Region::EU868);
        if let Some(c) = l.shadowing_correlation
            && !(c.0 >= 1.0 && c.0 <= 100_000.0)
        {
            self.err(
                &path.key("shadowing_correlation"),
                "correlation distance must be within 1 m..100 km",
                Some("ns-3 uses 110 m"),
            );
        }
        if region == Region::US915 && matches!(l.duty_cycle, Some(DutyCyclePolicy::Delay | DutyCyclePolicy::Drop)) {
            self.err(
                &path.key("duty_cycle"),
                "US915 has no duty cycle (it limits dwell time to 400 ms instead)",
                Some("drop duty_cycle, or use region = \"EU868\""),
            );
        }
        if interference == InterferenceModel::Sir && l.inter_sf == Some(false) {
            self.err(
                &path.key("inter_sf"),
                "the sir model always includes inter-SF interference",
                Some("drop inter_sf, or use interference = \"capture\""),
            );
        }
        if !(0.0..=20.0).contains(&shadowing_sigma_db) {
            self.err(
                &path.key("shadowing_sigma"),
                "shadowing sigma must be within 0..20 dB",
                Some("FLoRa uses 3.57 dB, the Oulu measurement 7.8 dB"),
            );
        }
        LorawanConfig {
            region,
            channels,
            bandwidth_khz,
            coding_rate,
            interference,
            inter_sf: interference == InterferenceModel::Sir
                || l.inter_sf.unwrap_or(interference != InterferenceModel::Aloha),
            capture_threshold_db,
            preamble_lock_symbols,
            path_loss: l.path_loss.unwrap_or(PathLoss::LogDistance),
            shadowing_sigma_db,
            link_margin_db: l.link_margin.map_or(0.0, |d| d.0),
            shadowing_correlation_m: l.shadowing_correlation.map(|d| d.0),
            adr: match l.adr.unwrap_or(AdrMode::Off) {
                AdrMode::Off => None,
                AdrMode::Ns3 => Some(AdrParams::ns3()),
                AdrMode::Flora => Some(AdrParams::flora()),
            },
            duty_cycle: if region == Region::US915 {
                DutyCyclePolicy::Off
            } else {
                l.duty_cycle.unwrap_or(DutyCyclePolicy::Delay)
            },
            duty_cycle_max_delay: l.duty_cycle_max_delay.map_or(SimTime::from_secs(15 * 60), |d| d.0),
        }
    }
}
