//! The run [`Report`]: everything a run found, as plain data. `summary.json` is its serde form
//! (schema `citytwin.summary/1`); the time series and map data travel beside it for the CSV and
//! chart writers. Only the `run` block may differ between identical runs.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::governance::register::RegisterEntry;
use crate::pipeline::{LatencyMs, PipelineReport};

/// Schema id written into summary.json.
pub const SUMMARY_SCHEMA: &str = "citytwin.summary/1";

/// Why an uplink was lost. Every uplink that is not delivered has exactly one cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LossCause {
    /// No gateway hears the sensor at its spreading factor (LoRaWAN), no cell site is within the
    /// deepest coverage class (cellular), or no access point is within range (Wi-Fi).
    OutOfRange,
    /// A gateway that heard it lost it to interference, and none decoded it.
    Collision,
    /// Every gateway that heard it had all its demodulation paths busy.
    GatewayBusy,
    /// The device's regulatory duty cycle did not let it send (drop policy, or too long a wait).
    DutyCycle,
    /// Every gateway that heard it was transmitting a downlink at the time (half-duplex).
    GatewayTransmitting,
    /// A cellular device's preambles collided on every allowed random-access attempt.
    RandomAccess,
    /// It waited longer than allowed for a cell's, access point's or wire's uplink resource, or
    /// continuous streams saturated that resource.
    Congestion,
    /// The sensor's battery was empty when the reading fell due.
    BatteryDepleted,
    /// Every gateway that would have heard it was down (hardware failure or power outage).
    GatewayDown,
    /// The gateways that decoded it could not forward it: their backhaul was cut and their
    /// store-and-forward buffer full.
    Backhaul,
    /// A mains sensor without power (outage longer than its backup) could not report.
    PowerOutage,
    /// The sensor's hardware was down (a storm broke it, or a device failure).
    DeviceFailure,
    /// Every receiver that would have heard it was jammed (noise floor raised above the link).
    Jamming,
    /// The sensor was compromised, detected and isolated: the network drops its readings.
    Isolated,
}

impl LossCause {
    /// All causes, in report order.
    pub const ALL: [LossCause; 14] = [
        LossCause::OutOfRange,
        LossCause::Collision,
        LossCause::GatewayBusy,
        LossCause::DutyCycle,
        LossCause::GatewayTransmitting,
        LossCause::RandomAccess,
        LossCause::Congestion,
        LossCause::BatteryDepleted,
        LossCause::GatewayDown,
        LossCause::Backhaul,
        LossCause::PowerOutage,
        LossCause::DeviceFailure,
        LossCause::Jamming,
        LossCause::Isolated,
    ];

    /// The name used in summary.json and timeseries.csv.
    pub fn name(self) -> &'static str {
        match self {
            LossCause::OutOfRange => "out_of_range",
            LossCause::Collision => "collision",
            LossCause::GatewayBusy => "gateway_busy",
            LossCause::DutyCycle => "duty_cycle",
            LossCause::GatewayTransmitting => "gateway_transmitting",
            LossCause::RandomAccess => "random_access",
            LossCause::Congestion => "congestion",
            LossCause::BatteryDepleted => "battery_depleted",
            LossCause::GatewayDown => "gateway_down",
            LossCause::Backhaul => "backhaul",
            LossCause::PowerOutage => "power_outage",
            LossCause::DeviceFailure => "device_failure",
            LossCause::Jamming => "jamming",
            LossCause::Isolated => "isolated",
        }
    }

    /// The time-series metric counting this cause.
    pub fn metric(self) -> &'static str {
        match self {
            LossCause::OutOfRange => "lost_out_of_range",
            LossCause::Collision => "lost_collision",
            LossCause::GatewayBusy => "lost_gateway_busy",
            LossCause::DutyCycle => "lost_duty_cycle",
            LossCause::GatewayTransmitting => "lost_gateway_transmitting",
            LossCause::RandomAccess => "lost_random_access",
            LossCause::Congestion => "lost_congestion",
            LossCause::BatteryDepleted => "lost_battery_depleted",
            LossCause::GatewayDown => "lost_gateway_down",
            LossCause::Backhaul => "lost_backhaul",
            LossCause::PowerOutage => "lost_power_outage",
            LossCause::DeviceFailure => "lost_device_failure",
            LossCause::Jamming => "lost_jamming",
            LossCause::Isolated => "lost_isolated",
        }
    }
}

/// A finished run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Always [`SUMMARY_SCHEMA`].
    pub schema: &'static str,
    /// The crate version that produced it.
    pub citytwin_version: &'static str,
    /// The build that produced it: git commit, with `-dirty-<hash>` for uncommitted changes.
    pub citytwin_build: &'static str,
    /// What was run.
    pub scenario: ScenarioInfo,
    /// Master seed used.
    pub seed: u64,
    /// Simulated time in seconds.
    pub simulated_seconds: f64,
    /// Entity counts.
    pub entities: Entities,
    /// Uplink accounting: generated = delivered + sum(lost), exactly.
    pub uplinks: Uplinks,
    /// Latency from reading to network server, over delivered uplinks.
    pub latency_ms: Latency,
    /// Radio details.
    pub radio: RadioReport,
    /// Per-district results.
    pub districts: Vec<ScopeReport>,
    /// Per-sensor-group results.
    pub groups: Vec<ScopeReport>,
    /// Per-radio-technology results.
    pub technologies: Vec<TechnologyReport>,
    /// Cell sites, access points and wired links.
    pub access: AccessReport,
    /// Device energy, battery lifetimes, maintenance, infrastructure energy, carbon and cost.
    pub energy: EnergyReport,
    /// Failures, availability, the worst moment and recovery.
    pub resilience: ResilienceReport,
    /// The data pipeline designs, when the scenario has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<PipelineBlock>,
    /// What identifying sensors reveal under each data-handling design, when the scenario has
    /// a `[privacy]` section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy: Option<PrivacyReport>,
    /// The transparency register: one record per sensor group.
    pub register: Vec<RegisterEntry>,
    /// The five-principles scorecard.
    pub principles: Vec<Principle>,
    /// Service-level objectives and whether they held.
    pub slo: SloReport,
    /// What may differ between identical runs.
    pub run: RunInfo,
    /// The live load test against a real MQTT broker (`citytwin live`), when one was run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<crate::live::LiveReport>,
    /// Time series, written to timeseries.csv (not to summary.json).
    #[serde(skip)]
    pub timeseries: TimeSeries,
    /// Positions for maps and map.geojson (not in summary.json).
    #[serde(skip)]
    pub map: MapData,
    /// Every transmission, when the run was asked to trace them (not in summary.json).
    #[serde(skip)]
    pub trace: Vec<TxRecord>,
    /// Every battery sensor's projected lifetime, for the lifetime charts (not in summary.json).
    #[serde(skip)]
    pub lifetimes: Vec<SensorLifetime>,
}

/// One battery sensor's place and projected lifetime.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SensorLifetime {
    /// Group index (into `Report::groups`).
    pub group: u16,
    /// East, metres.
    pub x: f32,
    /// North, metres.
    pub y: f32,
    /// Projected or observed lifetime, years; infinite for an energy-neutral solar sensor.
    pub years: f32,
}

/// Results of one radio technology.
#[derive(Clone, Debug, Serialize)]
pub struct TechnologyReport {
    /// lorawan | nbiot | ltem | cellular | wifi | wired.
    pub name: &'static str,
    /// Devices.
    pub sensors: u64,
    /// Readings generated.
    pub generated: u64,
    /// Readings delivered.
    pub delivered: u64,
    /// delivered / generated.
    pub delivery_ratio: f64,
    /// Losses by cause.
    pub lost: BTreeMap<&'static str, u64>,
    /// Latency of delivered readings.
    pub latency_ms: Latency,
    /// Delivery by distance to the nearest gateway, cell site or access point.
    pub distance_bands: Vec<DistanceBand>,
}

/// Privacy under each data-handling design (`summary.json`'s `privacy` block).
#[derive(Clone, Debug, Default, Serialize)]
pub struct PrivacyReport {
    /// People simulated.
    pub people: u32,
    /// Days followed.
    pub days: u32,
    /// Identifying sensors (personal-data groups).
    pub identifying_sensors: u64,
    /// Devices sighted (person, sensor, scan slot), the ground truth.
    pub sightings: u64,
    /// People sighted at least once.
    pub people_sighted: u64,
    /// The design deployed (in the register).
    pub deployed: String,
    /// One block per design.
    pub designs: Vec<PrivacyDesignReport>,
    /// The privacy-utility curves.
    pub curves: PrivacyCurves,
}

/// Privacy against utility on the scenario's own sightings.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PrivacyCurves {
    /// (daily epsilon per person, RMSE of the published hourly counts).
    pub epsilon_vs_rmse: Vec<(f64, f64)>,
    /// (salt rotation period in hours, 0 = never; share linkable across sensors in a day; share
    /// linkable across days).
    pub rotation_vs_linkability: Vec<(u64, f64, Option<f64>)>,
}

/// What one data-handling design lets out, and what it costs in accuracy.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PrivacyDesignReport {
    /// Design name.
    pub name: String,
    /// raw | hash | salted | on-device.
    pub identifiers: &'static str,
    /// Whether an adversary can recover device identifiers from what leaves the edge.
    pub reversible: bool,
    /// Share of people seen at two or more sensors in a day whose observations one pseudonym
    /// links that day.
    pub linkable_across_sensors: f64,
    /// Share of people seen on two or more days whose pseudonym links two days (None: one day).
    pub linkable_across_days: Option<f64>,
    /// Share of released traces unique given p of their points, p = 1..5 (hourly, per sensor).
    pub unicity: Vec<f64>,
    /// k of the published count table (its smallest non-zero cell; None: nothing published).
    pub k: Option<u64>,
    /// Cells suppressed below the design's k.
    pub suppressed_cells: u64,
    /// Largest privacy budget spent by one person in one day (None: no noise, unbounded).
    pub epsilon_per_person_day: Option<f64>,
    /// Identifiable or pseudonymous records leaving the sensors.
    pub records_leaving_edge: u64,
    /// Of those, records stored (all of them unless the design counts on the device).
    pub records_stored: u64,
    /// Records x days held (each record held for the retention period, or to the end of the
    /// horizon when none is declared).
    pub exposure_days: f64,
    /// Records held past the declared retention of their sensor group.
    pub retention_violations: u64,
    /// Root-mean-square error of the published counts against the true number of people.
    pub count_rmse: f64,
    /// Mean absolute percentage error of the published counts (cells with people).
    pub count_mape: f64,
    /// Encryption in transit and at rest.
    pub encrypted: (bool, bool),
}

/// One of the five principles and its checks.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Principle {
    /// The principle, e.g. "privacy & transparency".
    pub principle: &'static str,
    /// The worst status of its checks.
    pub status: Status,
    /// Named checks.
    pub checks: Vec<Check>,
}

/// A named check of the scorecard.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Check {
    /// Short id, e.g. "personal_data_classified".
    pub id: &'static str,
    /// pass | warn | fail.
    pub status: Status,
    /// Why, with the numbers.
    pub reason: String,
}

/// Outcome of a check.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Holds.
    Pass,
    /// Holds with reservations, or not measurable.
    Warn,
    /// Does not hold.
    Fail,
}

/// The data pipeline (`summary.json`'s `pipeline` block): one row per design for comparison,
/// then each design's hops and end-to-end results.
#[derive(Clone, Debug, Serialize)]
pub struct PipelineBlock {
    /// One row per design, in scenario order.
    pub comparison: Vec<DesignSummary>,
    /// Each design in full.
    pub designs: Vec<DesignReport>,
}

/// A design's headline figures.
#[derive(Clone, Debug, Serialize)]
pub struct DesignSummary {
    /// Design name.
    pub name: String,
    /// Readings that entered the pipeline.
    pub readings_in: u64,
    /// Readings out of its last hop.
    pub readings_out: u64,
    /// readings_out / readings_in.
    pub delivery_ratio: f64,
    /// Readings out per simulated second.
    pub throughput_per_s: f64,
    /// End-to-end latency from each reading's intended time.
    pub latency_ms: LatencyMs,
    /// The hop with the highest utilisation.
    pub bottleneck: String,
    /// Its utilisation.
    pub bottleneck_utilisation: f64,
}

/// One design's full results.
#[derive(Clone, Debug, Serialize)]
pub struct DesignReport {
    /// Design name.
    pub name: String,
    /// Hops and end to end.
    #[serde(flatten)]
    pub report: PipelineReport,
}

/// Failures and what they cost (`summary.json`'s `resilience` block).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ResilienceReport {
    /// Every failure window.
    pub failures: Vec<FailureWindow>,
    /// Availability of each gateway, cell site and access point over the run (share of time
    /// not down).
    pub gateways: Vec<GatewayAvailability>,
    /// Mean gateway availability.
    pub mean_gateway_availability: f64,
    /// Per sensor kind: availability and coverage of the city grid.
    pub kinds: Vec<KindResilience>,
    /// The city grid coverage is measured on.
    pub grid: Option<GridInfo>,
    /// Attacks by compromised devices.
    pub attacks: Vec<AttackReport>,
    /// What compromised devices did, over all attacks.
    pub attack_totals: AttackTotals,
    /// The failure with the deepest drop in delivery, mapped in `charts/outage_map`.
    pub worst_failure: Option<WorstFailure>,
    /// The time-series bucket with the lowest delivery ratio.
    pub worst_bucket: Option<WorstBucket>,
    /// The clock hour (buckets grouped by hour) with the lowest delivery ratio.
    pub worst_hour: Option<WorstBucket>,
    /// Stretches of consecutive buckets whose delivery ratio was below the scenario's
    /// `slo.delivery_ratio_min`.
    pub slo_breaches: Vec<SloBreach>,
    /// Delivery ratio per grid cell before and during the worst failure (for the chart).
    #[serde(skip)]
    pub maps: Option<OutageMaps>,
}

/// Availability and coverage of one sensor kind.
#[derive(Clone, Debug, Serialize)]
pub struct KindResilience {
    /// Sensor kind.
    pub kind: String,
    /// Sensors of that kind.
    pub sensors: u64,
    /// Share of its readings not lost to the device itself (hardware failure, no power, empty
    /// battery, isolation): the sensors' uptime sampled at their reports.
    pub availability: f64,
    /// Grid cells where the kind is deployed.
    pub cells: u32,
    /// Mean share of those cells with a live, reporting sensor of the kind (a reading delivered
    /// within one report interval).
    pub coverage_mean: f64,
    /// Lowest coverage in any bucket.
    pub coverage_min: f64,
    /// When the lowest coverage began, hours into the run.
    pub coverage_min_at_h: f64,
}

/// The city grid.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct GridInfo {
    /// Cells per side.
    pub cells_per_side: usize,
    /// Cell side, metres.
    pub cell_m: f64,
}

/// One attack by compromised devices.
#[derive(Clone, Debug, Serialize)]
pub struct AttackReport {
    /// spoof | flood.
    pub attack: &'static str,
    /// What it hit, e.g. "group parking".
    pub scope: String,
    /// Devices compromised.
    pub devices: u64,
    /// Start, hours into the run.
    pub start_h: f64,
    /// Detection and isolation, hours into the run (None: never detected).
    pub detected_h: Option<f64>,
    /// End, hours into the run.
    pub end_h: f64,
}

/// What compromised devices did, over all attacks.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct AttackTotals {
    /// Forged readings sent before detection (those delivered are corrupt data downstream).
    pub spoofed_readings: u64,
    /// Flood uplinks sent beyond the readings.
    pub flood_uplinks: u64,
    /// Flood uplinks that reached the network.
    pub flood_uplinks_delivered: u64,
    /// Readings dropped because their device was isolated.
    pub isolated_readings: u64,
}

/// The failure with the deepest drop.
#[derive(Clone, Debug, Serialize)]
pub struct WorstFailure {
    /// Its kind.
    pub kind: &'static str,
    /// Its scope.
    pub scope: String,
    /// Start, hours into the run.
    pub start_h: f64,
    /// End, hours into the run.
    pub end_h: f64,
    /// Grid cells with readings delivered before it.
    pub cells_reporting_before: u32,
    /// Grid cells with readings delivered during it.
    pub cells_reporting_during: u32,
    /// Grid cells with readings whose delivery ratio during it fell below 0.9.
    pub cells_below_90pct_during: u32,
}

/// Per-cell delivery ratios before and during a failure (None: no readings in the cell).
#[derive(Clone, Debug, Default)]
pub struct OutageMaps {
    /// Title of the failure.
    pub label: String,
    /// Cells per side.
    pub n: usize,
    /// Cell side, metres.
    pub cell_m: f64,
    /// Before the failure, row by row from the south.
    pub before: Vec<Option<f64>>,
    /// During it.
    pub during: Vec<Option<f64>>,
}

/// A stretch of time below the delivery SLO.
#[derive(Clone, Debug, Serialize)]
pub struct SloBreach {
    /// Start, hours into the run.
    pub start_h: f64,
    /// End, hours into the run.
    pub end_h: f64,
    /// Lowest bucket delivery ratio in it.
    pub lowest: f64,
}

/// One failure window and its effect.
#[derive(Clone, Debug, Serialize)]
pub struct FailureWindow {
    /// gateway | power | backhaul | storm | device | jamming | compromised.
    pub kind: &'static str,
    /// What it hit, e.g. "district Loop" or "gw-3".
    pub scope: String,
    /// Start, hours into the run.
    pub start_h: f64,
    /// End, hours into the run.
    pub end_h: f64,
    /// City delivery ratio over the (up to four) buckets before the failure.
    pub before: f64,
    /// Lowest bucket delivery ratio from its start until recovery.
    pub lowest: f64,
    /// Hours from the failure's start until delivery is back within 0.01 of the ratio before:
    /// the end of the first bucket at that level after the failure ended; 0 if no bucket during
    /// the failure fell below it (None: not recovered within the run).
    pub recovered_after_h: Option<f64>,
}

/// Availability of one gateway.
#[derive(Clone, Debug, Serialize)]
pub struct GatewayAvailability {
    /// Gateway id.
    pub id: String,
    /// lorawan | cellular | wifi.
    pub radio: &'static str,
    /// Share of the run it was up.
    pub availability: f64,
    /// Hours down.
    pub down_hours: f64,
}

/// The worst bucket of the run.
#[derive(Clone, Debug, Serialize)]
pub struct WorstBucket {
    /// Start, hours into the run.
    pub start_h: f64,
    /// Delivery ratio in it.
    pub delivery_ratio: f64,
}

/// Energy, lifetimes, maintenance, carbon and cost (`summary.json`'s `energy` block).
#[derive(Clone, Debug, Default, Serialize)]
pub struct EnergyReport {
    /// Every battery sensor's lifetime (moved to `Report::lifetimes`; not serialized here).
    #[serde(skip)]
    pub sensors: Vec<SensorLifetime>,
    /// Battery-powered sensors (the rest are on mains).
    pub battery_sensors: u64,
    /// Battery sensors whose store ran empty during the run.
    pub depleted_in_run: u64,
    /// Fleet charge and time by state over the run, battery sensors only.
    pub by_state: Vec<StateEnergy>,
    /// Self-discharge over the run, mAh.
    pub self_discharge_mah: f64,
    /// Solar harvest credited over the run, mAh.
    pub harvested_mah: f64,
    /// Projected battery lifetime over the fleet of primary-battery sensors, years.
    pub lifetime_years: Option<Spread>,
    /// Per sensor group.
    pub groups: Vec<GroupEnergy>,
    /// The sensors projected to die first, and why.
    pub first_to_die: Vec<FirstToDie>,
    /// Battery replacements, crews and disposal.
    pub maintenance: Maintenance,
    /// Gateways, access points, backhaul, mains devices and cloud.
    pub infrastructure: Infrastructure,
    /// Capital and operating cost, and the total over the horizon.
    pub cost: CostReport,
}

/// Charge and time in one state, summed over sensors.
#[derive(Clone, Debug, Serialize)]
pub struct StateEnergy {
    /// sleep | sensing | standby | transmit | receive | wake | psm | edrx.
    pub state: &'static str,
    /// Charge, mAh.
    pub charge_mah: f64,
    /// Sensor-hours spent in the state.
    pub hours: f64,
}

/// Minimum, percentiles, maximum and mean of a distribution.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Spread {
    /// Smallest.
    pub min: f64,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Largest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

/// One group's energy results.
#[derive(Clone, Debug, Serialize)]
pub struct GroupEnergy {
    /// Group name.
    pub name: String,
    /// Power source: a battery chemistry, "solar + <chemistry>" or "mains".
    pub power: String,
    /// Battery sensors in the group.
    pub sensors: u64,
    /// Mean delivered capacity at each sensor's drain, mAh.
    pub capacity_mah: f64,
    /// Mean average current over the run, µA.
    pub mean_current_ua: f64,
    /// Projected lifetime, years (primary batteries).
    pub lifetime_years: Option<Spread>,
    /// Sensors whose store ran empty during the run.
    pub depleted_in_run: u64,
    /// Solar sensors that harvested at least what they drew and never ran dry (energy-neutral
    /// in the season simulated).
    pub sustained_by_solar: u64,
    /// Solar sensors losing charge: days until their store runs empty at the run's average
    /// harvest and draw (the season matters: rerun with another `start`).
    pub solar_empty_in_days: Option<Spread>,
}

/// A sensor projected to die early.
#[derive(Clone, Debug, Serialize)]
pub struct FirstToDie {
    /// Sensor id.
    pub sensor: u32,
    /// Group name.
    pub group: String,
    /// Projected (or, if it died in the run, observed) lifetime, years.
    pub lifetime_years: f64,
    /// Radio.
    pub radio: &'static str,
    /// Spreading factor at the end of the run (LoRaWAN; 0 otherwise).
    pub sf: u8,
    /// Distance band to the nearest gateway or site, metres from.
    pub distance_m: f64,
    /// Where its charge goes, e.g. "transmit 61 % at SF12, confirmed".
    pub why: String,
}

/// Battery replacement and disposal.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Maintenance {
    /// threshold | on_failure.
    pub policy: &'static str,
    /// Battery replacements (visits) per year in steady state.
    pub replacements_per_year: f64,
    /// Crews needed to make them.
    pub crews: f64,
    /// Batteries disposed per year.
    pub batteries_disposed_per_year: f64,
    /// Their mass, kg per year.
    pub battery_mass_kg_per_year: f64,
    /// Devices reaching the end of their service life per year (`energy.device_life_years`).
    pub devices_disposed_per_year: f64,
    /// Their mass, kg per year (None unless every group gives `device_mass`).
    pub device_mass_kg_per_year: Option<f64>,
    /// Per group: what is disposed and how.
    pub end_of_life: Vec<EndOfLife>,
}

/// End-of-life plan of one group's batteries.
#[derive(Clone, Debug, Serialize)]
pub struct EndOfLife {
    /// Group name.
    pub group: String,
    /// Battery chemistry (None: mains).
    pub chemistry: Option<&'static str>,
    /// Batteries disposed per year.
    pub batteries_per_year: f64,
    /// Battery mass disposed per year, kg.
    pub mass_kg_per_year: f64,
    /// How the batteries are to be disposed of.
    pub plan: Option<&'static str>,
    /// Devices reaching the end of their service life per year.
    pub devices_per_year: f64,
    /// Their mass, kg per year (when the group gives `device_mass`).
    pub device_mass_kg_per_year: Option<f64>,
    /// How the devices are to be disposed of.
    pub device_plan: &'static str,
}

/// Infrastructure power, energy, carbon and electricity cost.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Infrastructure {
    /// LoRaWAN gateways and cell-site equipment the city runs, W.
    pub gateways_w: f64,
    /// Wi-Fi access points, W.
    pub access_points_w: f64,
    /// Backhaul (routers, modems), W.
    pub backhaul_w: f64,
    /// Mains-powered sensors (controllers, scanners, cameras), W.
    pub mains_devices_w: f64,
    /// Edge computing, W.
    pub edge_w: f64,
    /// Data delivered to the cloud (reports and streams), GB per day.
    pub cloud_gb_per_day: f64,
    /// Cloud energy, kWh per day.
    pub cloud_kwh_per_day: f64,
    /// Total, kWh per day.
    pub kwh_per_day: f64,
    /// Total, kWh per year.
    pub kwh_per_year: f64,
    /// Grid carbon intensity used, g CO2 per kWh.
    pub grid_co2_g_per_kwh: Option<f64>,
    /// CO2, kg per year.
    pub co2_kg_per_year: Option<f64>,
    /// Electricity price used, per kWh.
    pub electricity_price_per_kwh: Option<f64>,
    /// Electricity cost per year.
    pub electricity_cost_per_year: Option<f64>,
}

/// Capital and operating cost.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CostReport {
    /// Currency label.
    pub currency: String,
    /// Devices bought and installed.
    pub capex_devices: f64,
    /// New poles where no existing one is reused.
    pub capex_poles: f64,
    /// Gateways and access points bought and installed.
    pub capex_gateways: f64,
    /// Electricity per year.
    pub opex_energy_per_year: f64,
    /// Cellular subscriptions per year.
    pub opex_subscriptions_per_year: f64,
    /// Battery replacement visits per year.
    pub opex_battery_visits_per_year: f64,
    /// Cloud per year.
    pub opex_cloud_per_year: f64,
    /// Horizon, years.
    pub horizon_years: f64,
    /// Capex plus discounted opex over the horizon.
    pub total_cost_of_ownership: f64,
}

/// The non-LoRa access networks.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AccessReport {
    /// Each cellular carrier with devices attached, by site.
    pub cells: Vec<CellReport>,
    /// Each Wi-Fi access point.
    pub access_points: Vec<ApReport>,
    /// Wired links, together.
    pub wired: WiredReport,
}

/// One carrier (technology) at one cell site.
#[derive(Clone, Debug, Serialize)]
pub struct CellReport {
    /// Site id.
    pub site: String,
    /// nbiot | ltem | lte.
    pub technology: &'static str,
    /// East, metres.
    pub x_m: f64,
    /// North, metres.
    pub y_m: f64,
    /// Devices camped on it.
    pub devices: u64,
    /// Devices per coverage class, normal coverage first.
    pub devices_by_class: Vec<u64>,
    /// Random-access preambles sent.
    pub preambles: u64,
    /// Preambles lost to collisions.
    pub preamble_collisions: u64,
    /// Readings lost after the last random-access attempt.
    pub random_access_failures: u64,
    /// Uplinks carried.
    pub uplinks: u64,
    /// Uplinks dropped waiting for a resource.
    pub congested: u64,
    /// Busy share of the uplink resources over the run.
    pub utilisation: f64,
    /// Mean wait for a resource, ms.
    pub mean_wait_ms: f64,
}

/// One Wi-Fi access point.
#[derive(Clone, Debug, Serialize)]
pub struct ApReport {
    /// Id.
    pub id: String,
    /// East, metres.
    pub x_m: f64,
    /// North, metres.
    pub y_m: f64,
    /// Devices associated.
    pub devices: u64,
    /// Share of the channel taken by continuous streams (1 or more: saturated).
    pub stream_load: f64,
    /// Report uplinks carried.
    pub uplinks: u64,
    /// Report uplinks dropped waiting for the channel.
    pub congested: u64,
    /// Share of the channel taken by report uplinks.
    pub utilisation: f64,
    /// Mean wait for the channel, ms.
    pub mean_wait_ms: f64,
}

/// Wired devices, each on its own link.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WiredReport {
    /// Devices.
    pub devices: u64,
    /// Links whose streams need their whole capacity or more.
    pub saturated_links: u64,
    /// Highest share of a link's capacity taken by its stream.
    pub max_stream_load: f64,
    /// Uplinks carried.
    pub uplinks: u64,
    /// Uplinks dropped waiting for the link.
    pub congested: u64,
}

/// One transmission, for tests and debugging (`RunOptions::trace`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxRecord {
    /// Sensor id.
    pub sensor: u32,
    /// When the reading was taken, µs.
    pub generated: u64,
    /// When the transmission started, µs.
    pub start: u64,
    /// Time on air, µs.
    pub airtime: u64,
    /// Channel index.
    pub channel: u8,
}

/// Scenario identity.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioInfo {
    /// Name from the file.
    pub name: String,
    /// Path as given.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// `--set` overrides applied.
    pub overrides: Vec<String>,
}

/// Entity counts.
#[derive(Clone, Debug, Serialize)]
pub struct Entities {
    /// Sensors.
    pub sensors: u64,
    /// LoRaWAN gateways.
    pub gateways: u64,
    /// Cell sites.
    pub cell_sites: u64,
    /// Wi-Fi access points.
    pub access_points: u64,
}

/// Uplink accounting.
#[derive(Clone, Debug, Serialize)]
pub struct Uplinks {
    /// Readings produced by sensors.
    pub generated: u64,
    /// Readings put on the air.
    pub sent: u64,
    /// Transmissions, counting retransmissions and NbTrans repetitions.
    pub transmissions: u64,
    /// Readings that reached the network server (counted once however many gateways heard them).
    pub delivered: u64,
    /// delivered / generated (1 when nothing was generated).
    pub delivery_ratio: f64,
    /// Lost uplinks by cause; every known cause is listed, zero or not.
    pub lost: BTreeMap<&'static str, u64>,
}

/// Latency percentiles in milliseconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Maximum.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

/// Radio results.
#[derive(Clone, Debug, Serialize)]
pub struct RadioReport {
    /// Interference model used.
    pub interference: &'static str,
    /// Whether different spreading factors interfere (SIR matrix).
    pub inter_sf: bool,
    /// Uplink channels.
    pub channels: u8,
    /// Sensors per assigned spreading factor, SF7 to SF12 (out-of-range sensors excluded).
    pub sf_distribution: Vec<SfCount>,
    /// Duty-cycle policy applied ("delay", "drop" or "off").
    pub duty_cycle: &'static str,
    /// Uplinks that waited for a sub-band to reopen.
    pub duty_cycle_delayed: u64,
    /// ACKs for confirmed uplinks sent in RX1.
    pub acks_rx1: u64,
    /// ACKs sent in RX2 (RX1's sub-band was closed at the gateway).
    pub acks_rx2: u64,
    /// ACKs the gateway's duty cycle did not allow at all.
    pub acks_blocked: u64,
    /// Sensors that no gateway can hear even at their spreading factor.
    pub sensors_out_of_range: u64,
    /// Mean number of gateways that hear a sensor.
    pub mean_gateways_in_reach: f64,
    /// Delivery by distance to the nearest gateway.
    pub distance_bands: Vec<DistanceBand>,
    /// Per-gateway load.
    pub gateways: Vec<GatewayReport>,
}

/// Results for sensors at one range of distances from their nearest gateway.
#[derive(Clone, Debug, Serialize)]
pub struct DistanceBand {
    /// Lower edge, metres.
    pub from_m: f64,
    /// Upper edge, metres (None for the last, open band).
    pub to_m: Option<f64>,
    /// Sensors in the band.
    pub sensors: u64,
    /// Readings generated.
    pub generated: u64,
    /// Delivered.
    pub delivered: u64,
    /// delivered / generated.
    pub delivery_ratio: f64,
}

/// Sensors assigned one spreading factor.
#[derive(Clone, Debug, Serialize)]
pub struct SfCount {
    /// Spreading factor 7..12.
    pub sf: u8,
    /// Sensors using it.
    pub sensors: u64,
}

/// One gateway's load.
#[derive(Clone, Debug, Serialize)]
pub struct GatewayReport {
    /// Gateway id, e.g. "gw-3".
    pub id: String,
    /// Metres east of the area's south-west corner.
    pub x_m: f64,
    /// Metres north.
    pub y_m: f64,
    /// Sensors within reach.
    pub sensors_in_reach: u64,
    /// Transmissions that arrived above sensitivity.
    pub receptions: u64,
    /// Of those, decoded.
    pub decoded: u64,
    /// Of those, lost to interference.
    pub collided: u64,
    /// Of those, lost because all demodulation paths were busy.
    pub busy: u64,
    /// Of those, lost while the gateway was transmitting.
    pub deafened: u64,
    /// Downlinks (ACKs) sent.
    pub downlinks: u64,
    /// Received airtime / (channels x simulated time).
    pub utilisation: f64,
}

/// Results for one district or sensor group.
#[derive(Clone, Debug, Serialize)]
pub struct ScopeReport {
    /// District or group name.
    pub name: String,
    /// Sensors in it.
    pub sensors: u64,
    /// Readings generated.
    pub generated: u64,
    /// Delivered.
    pub delivered: u64,
    /// delivered / generated.
    pub delivery_ratio: f64,
    /// Readings lost, by cause (causes with none left out).
    pub lost: BTreeMap<&'static str, u64>,
}

/// SLO evaluation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SloReport {
    /// Each declared objective.
    pub checks: Vec<SloCheck>,
    /// Whether any objective failed (exit code 3).
    pub breached: bool,
}

/// One objective.
#[derive(Clone, Debug, Serialize)]
pub struct SloCheck {
    /// e.g. "delivery_ratio_min".
    pub name: &'static str,
    /// The pipeline design it applies to, for pipeline objectives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub design: Option<String>,
    /// The threshold.
    pub threshold: f64,
    /// The measured value.
    pub actual: f64,
    /// Whether it held.
    pub ok: bool,
}

/// Facts about the run that may differ between identical runs.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// Worker threads available.
    pub threads: usize,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Engine events processed (readings, receptions, outcomes).
    pub events: u64,
    /// Events per wall-clock second.
    pub events_per_second: f64,
}

/// Tidy time series: one row per (bucket, metric, scope).
#[derive(Clone, Debug, Default)]
pub struct TimeSeries {
    /// Bucket width in seconds.
    pub bucket_s: f64,
    /// Rows in (time, metric, scope) order.
    pub rows: Vec<Sample>,
}

/// One time-series row.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Start of the bucket, seconds.
    pub time_s: f64,
    /// Metric name, e.g. "delivery_ratio".
    pub metric: &'static str,
    /// "city", "district:<name>", "group:<name>" or "gateway:<id>".
    pub scope: String,
    /// Value.
    pub value: f64,
}

/// Positions for maps.
#[derive(Clone, Debug, Default)]
pub struct MapData {
    /// Side of the square area in metres.
    pub side_m: f64,
    /// LoRaWAN sensors: (x, y, spreading factor or 0 when out of range).
    pub sensors: Vec<(f32, f32, u8)>,
    /// Gateways: (x, y).
    pub gateways: Vec<(f64, f64)>,
    /// Where the square's south-west corner is: (latitude, longitude, whether it comes from a
    /// city preset rather than an assumed longitude of 0).
    pub origin: (f64, f64, bool),
    /// Every sensor by id: (x, y, spreading factor or 0, group).
    pub devices: Vec<(f32, f32, u8, u16)>,
    /// Each sensor group: (name, kind, radio).
    pub groups: Vec<(String, &'static str, &'static str)>,
    /// Every gateway, cell site and access point: (x, y, radio, id).
    pub sites: Vec<(f64, f64, &'static str, String)>,
}
