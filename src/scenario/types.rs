//! The scenario file format: serde types for every section a planner writes, exactly as they
//! appear in TOML. Field docs become the descriptions in `citytwin schema` and the README.
//!
//! Nothing here applies defaults or checks ranges; that is `validate`, which turns a
//! [`ScenarioFile`] into a resolved [`crate::scenario::Scenario`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::pipeline::PipelineSpec;
use super::privacy::PrivacySection;
use super::units::{Bandwidth, Bitrate, Charge, Current, Db, Dbm, Distance, Duration, Mass, Power};

/// A whole scenario file.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Name, seed and simulated duration.
    pub scenario: ScenarioSection,
    /// Where: a city preset and/or an explicit area, split into districts.
    pub city: CitySection,
    /// Sensor groups: each a kind from the catalogue, a count and optional overrides.
    #[serde(default)]
    pub sensors: Vec<SensorGroupSpec>,
    /// Gateway groups: how many, where, and how they reach the network server.
    #[serde(default)]
    pub gateways: Vec<GatewayGroupSpec>,
    /// LoRaWAN network settings shared by all LoRaWAN sensors and gateways.
    #[serde(default)]
    pub lorawan: Option<LorawanSection>,
    /// Cellular IoT settings (NB-IoT, LTE-M, LTE Cat-1) for cell sites and their devices.
    #[serde(default)]
    pub cellular: Option<CellularSection>,
    /// Wi-Fi settings for access points and their devices.
    #[serde(default)]
    pub wifi: Option<WifiSection>,
    /// Settings for devices on Ethernet, PoE or fiber.
    #[serde(default)]
    pub wired: Option<WiredSection>,
    /// Energy, batteries, maintenance and infrastructure power.
    #[serde(default)]
    pub energy: Option<EnergySection>,
    /// Prices for capital and operating costs.
    #[serde(default)]
    pub costs: Option<CostsSection>,
    /// Failures to rehearse: gateway hardware, power outages, backhaul cuts, storms, sensor
    /// hardware, jamming and compromised devices.
    #[serde(default)]
    pub failures: Vec<FailureSpec>,
    /// Repair crews that bring failed gateways back.
    #[serde(default)]
    pub repair: Option<RepairSection>,
    /// The data pipeline behind the network server: forwarder, broker, stages.
    #[serde(default)]
    pub pipeline: Option<PipelineSpec>,
    /// Several named pipeline designs, run on identical traffic and compared.
    #[serde(default)]
    pub pipelines: Vec<PipelineSpec>,
    /// The synthetic population past the identifying sensors, and the data-handling designs.
    #[serde(default)]
    pub privacy: Option<PrivacySection>,
    /// Service-level objectives; a breach makes `citytwin run` exit with code 3.
    #[serde(default)]
    pub slo: Option<SloSection>,
    /// Result options.
    #[serde(default)]
    pub output: Option<OutputSection>,
    /// The parameter grid and replications `citytwin sweep` runs (ignored by `citytwin run`).
    #[serde(default)]
    pub sweep: Option<super::sweep::SweepSection>,
    /// MQTT topic and payload templates for `citytwin live` (ignored by `citytwin run`).
    #[serde(default)]
    pub live: Option<super::live::LiveSection>,
}

/// `[scenario]`: what this run is.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSection {
    /// A human name shown in reports.
    pub name: String,
    /// Free text for the report.
    #[serde(default)]
    pub description: Option<String>,
    /// Master seed; every random stream derives from it. `--seed` overrides it.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Simulated time, e.g. "24h" or "7d".
    pub duration: Duration,
    /// Calendar date the run starts at local midnight, "YYYY-MM-DD" (default "2026-01-01"): sets
    /// the season for solar harvest.
    #[serde(default)]
    pub start: Option<String>,
}

/// `[city]`: the place and its districts.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CitySection {
    /// A built-in city (see `citytwin cities`): position, land area, grid carbon, tariff.
    #[serde(default)]
    pub preset: Option<String>,
    /// The part of the city simulated, in km² (a square). Defaults to 4 km² with a preset.
    #[serde(default)]
    pub area_km2: Option<f64>,
    /// Latitude in degrees north, for solar harvest (default: the preset's, else 45).
    #[serde(default)]
    pub latitude: Option<f64>,
    /// Districts sharing the area and the sensors, west to east. Shares must add up to 1.
    #[serde(default)]
    pub districts: Vec<DistrictSpec>,
}

/// One district: a strip of the area holding `share` of the area and of each sensor group.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DistrictSpec {
    /// District name, used in `failures`, per-district results and sensor groups.
    pub name: String,
    /// Share of the area and of the sensors, in (0, 1].
    pub share: f64,
}

/// How a sensor's reports are spaced in time.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// Every `report_every`, each gap shifted by a uniform jitter of ±`jitter`.
    Periodic,
    /// Exponential gaps with mean `report_every` (a Poisson process).
    Poisson,
    /// Exponential gaps with mean `report_every`, counted from the end of the previous
    /// transmission (LoRaSim's classic experiment).
    PoissonFromEnd,
}

/// Radio technology of a device.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum RadioKind {
    /// LoRaWAN (sub-GHz LoRa uplinks to gateways).
    Lorawan,
    /// NB-IoT (LTE Cat-NB1) to a cell site.
    Nbiot,
    /// LTE-M (LTE Cat-M1) to a cell site.
    Ltem,
    /// Wi-Fi to an access point.
    Wifi,
    /// LTE Cat-1 to a cell site (broadband cellular; on gateways: a cell site serving nbiot,
    /// ltem and cellular devices).
    Cellular,
    /// Ethernet / fiber / PoE.
    Wired,
}

impl RadioKind {
    /// The name used in scenario files and results.
    pub fn name(self) -> &'static str {
        match self {
            RadioKind::Lorawan => "lorawan",
            RadioKind::Nbiot => "nbiot",
            RadioKind::Ltem => "ltem",
            RadioKind::Wifi => "wifi",
            RadioKind::Cellular => "cellular",
            RadioKind::Wired => "wired",
        }
    }
}

/// Battery chemistries and formats with reference capacities (REFERENCE.md section 2).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum BatteryKind {
    /// Li-SOCl2 AA bobbin cell, 2.4 Ah, 3.6 V.
    LiSocl2Aa,
    /// Li-SOCl2 D bobbin cell, 19 Ah at low drain, 3.6 V.
    LiSocl2D,
    /// Two alkaline AA cells in series, ~3.0 Ah, 3 V.
    Alkaline2xaa,
    /// Rechargeable lithium pack, charged by a solar panel or mains.
    LithiumRechargeable,
}

/// `power = { ... }`: how a device is powered. Give `battery` or `mains = true` (or both for a
/// mains device with a battery backup).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PowerSpec {
    /// Primary or rechargeable battery.
    #[serde(default)]
    pub battery: Option<BatteryKind>,
    /// Battery capacity, overriding the chemistry's reference value, e.g. "8500mAh".
    #[serde(default)]
    pub capacity: Option<Charge>,
    /// Powered from the grid (street light, kiosk, building).
    #[serde(default)]
    pub mains: Option<bool>,
    /// How long a battery keeps a mains device running through an outage, e.g. "4h".
    #[serde(default)]
    pub battery_backup: Option<Duration>,
    /// Solar panel peak power in watts (with a rechargeable battery).
    #[serde(default)]
    pub solar_panel_w: Option<f64>,
}

/// Data classification (NYC IoT Guidelines 1.3).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Classification {
    /// Open data.
    Public,
    /// Not personal but not for open release.
    Sensitive,
    /// Personal data; the minimum for anything personal.
    Private,
    /// The most restricted.
    Confidential,
}

/// `data = { ... }`: governance of the data a sensor group collects (NYC IoT Guidelines 1.2-1.5,
/// DTPR). Carried into results and the transparency register.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// Why the data is collected (DTPR purpose id, e.g. "ecology", "mobility", "safety_security").
    #[serde(default)]
    pub purpose: Option<String>,
    /// Whether the stream contains personal data (MAC addresses, images, plates).
    #[serde(default)]
    pub personal: Option<bool>,
    /// public | sensitive | private | confidential.
    #[serde(default)]
    pub classification: Option<Classification>,
    /// How long raw records are kept, e.g. "365d".
    #[serde(default)]
    pub retention: Option<Duration>,
    /// The organisation accountable for the data (DTPR "accountable"; Amsterdam "owner").
    #[serde(default)]
    pub organisation: Option<String>,
    /// Where it is stored (DTPR storage id), e.g. "stored_on_3rd_party_cloud", "stored_locally".
    #[serde(default)]
    pub storage: Option<String>,
    /// Who can access it, e.g. "open data portal", "city staff only".
    #[serde(default)]
    pub access: Option<String>,
    /// Legal ground for processing personal data (Amsterdam register), e.g. "public task".
    #[serde(default)]
    pub legal_ground: Option<String>,
    /// Link to the privacy statement (Amsterdam register).
    #[serde(default)]
    pub privacy_statement: Option<String>,
    /// Planned end of the deployment, "YYYY-MM-DD" (Amsterdam register).
    #[serde(default)]
    pub planned_end: Option<String>,
    /// What happens at disposal, e.g. "deleted after retention; devices recycled (WEEE)".
    #[serde(default)]
    pub disposal: Option<String>,
    /// The `[[privacy.designs]]` entry this stream is handled by (default `[privacy] deployed`).
    #[serde(default)]
    pub handling: Option<String>,
}

/// `[[sensors]]`: a group of identical devices. Unset fields come from the kind's catalogue entry.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SensorGroupSpec {
    /// Catalogue kind, e.g. "air_quality", "parking", "noise" (see the README's catalogue).
    pub kind: String,
    /// Label for results; defaults to the kind.
    #[serde(default)]
    pub name: Option<String>,
    /// Number of devices in the group.
    pub count: u64,
    /// Mean time between reports, e.g. "5m".
    #[serde(default)]
    pub report_every: Option<Duration>,
    /// periodic (default) or poisson.
    #[serde(default)]
    pub timing: Option<Timing>,
    /// For periodic timing: each gap is shifted by a uniform amount in ±jitter. Default 5 % of
    /// the interval, so that devices switched on together drift apart as real ones do.
    #[serde(default)]
    pub jitter: Option<Duration>,
    /// Application payload per report, in bytes.
    #[serde(default)]
    pub payload_bytes: Option<u16>,
    /// Radio technology: lorawan | nbiot | ltem | cellular | wifi | wired.
    #[serde(default)]
    pub radio: Option<RadioKind>,
    /// A continuous stream each device sends besides its reports (a camera's video), e.g.
    /// "4Mbit/s"; it takes its share of the Wi-Fi access point's airtime or of the wired link.
    #[serde(default)]
    pub stream_bitrate: Option<Bitrate>,
    /// Capacity of each wired device's link (default "100Mbit/s", Fast Ethernet / PoE).
    #[serde(default)]
    pub link_capacity: Option<Bitrate>,
    /// Transmit power, e.g. "14dBm" (default 14 dBm for LoRaWAN, 23 dBm for cellular, 18 dBm for
    /// Wi-Fi).
    #[serde(default)]
    pub tx_power: Option<Dbm>,
    /// Confirmed uplinks: the network server ACKs each one and the device retransmits when no
    /// ACK comes (default false).
    #[serde(default)]
    pub confirmed: Option<bool>,
    /// Transmissions per reading at most: the retry limit for confirmed uplinks (default 8), or
    /// NbTrans, the number of copies of each unconfirmed uplink (default 1).
    #[serde(default)]
    pub transmissions: Option<u8>,
    /// Fixed LoRa spreading factor 7..12; by default each sensor gets the lowest SF its link
    /// budget to the best gateway allows.
    #[serde(default)]
    pub spreading_factor: Option<u8>,
    /// Put the whole group in one district instead of spreading it by district shares.
    #[serde(default)]
    pub district: Option<String>,
    /// Inside buildings: each sensor loses a building penetration loss drawn from
    /// {17, 21, 27, 30} dB (LoRaEnergySim).
    #[serde(default)]
    pub indoor: Option<bool>,
    /// Extra path loss on every link, e.g. "15dB" for sensors flush in the asphalt.
    #[serde(default)]
    pub extra_loss: Option<Db>,
    /// Place the group uniformly in a disc instead of over the districts, e.g.
    /// `disc = { center = { x = "2km", y = "2km" }, radius = "900m" }`.
    #[serde(default)]
    pub disc: Option<DiscSpec>,
    /// Power source; defaults to the kind's usual source.
    #[serde(default)]
    pub power: Option<PowerSpec>,
    /// Whole node asleep (MCU, sensor and radio), e.g. "20uA"; defaults to the kind's.
    #[serde(default)]
    pub sleep_current: Option<Current>,
    /// What one reading costs: `sensing = { current = "30mA", time = "500ms" }`.
    #[serde(default)]
    pub sensing: Option<SensingSpec>,
    /// Purchase price of one device, in the currency of `[costs]`.
    #[serde(default)]
    pub unit_cost: Option<f64>,
    /// Installation cost of one device.
    #[serde(default)]
    pub install_cost: Option<f64>,
    /// Mass of one device without its battery, e.g. "350g", for disposal results.
    #[serde(default)]
    pub device_mass: Option<Mass>,
    /// Share of the devices that need a new pole, in [0, 1] (default 0: existing poles,
    /// kiosks and buildings are reused, as NYC IoT Guidelines 3.4 asks).
    #[serde(default)]
    pub new_poles: Option<f64>,
    /// Data governance declarations.
    #[serde(default)]
    pub data: Option<DataSpec>,
}

/// Where a gateway group's gateways stand.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    /// A regular grid over the area (or over the district, with `district`).
    Grid,
    /// Uniformly at random over the area (seeded).
    Random,
    /// At the coordinates in `positions`.
    Explicit,
}

/// A point in the simulated area, in metres east (`x`) and north (`y`) of its south-west corner.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PointSpec {
    /// Metres east of the south-west corner, e.g. "1.2km" or 1200.
    pub x: Distance,
    /// Metres north of the south-west corner.
    pub y: Distance,
}

/// A disc in the simulated area.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DiscSpec {
    /// Centre.
    pub center: PointSpec,
    /// Radius.
    pub radius: Distance,
}

/// Backhaul technology from a gateway to the network server.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BackhaulKind {
    /// Fiber or Ethernet.
    Fiber,
    /// Cellular modem.
    Cellular,
    /// Wi-Fi or point-to-point radio.
    Wireless,
}

/// `backhaul = { ... }`: the gateway's link to the network server.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BackhaulSpec {
    /// fiber | cellular | wireless.
    pub kind: BackhaulKind,
    /// One-way latency to the network server, e.g. "5ms". Default by kind: fiber 5ms,
    /// wireless 20ms, cellular 60ms.
    #[serde(default)]
    pub latency: Option<Duration>,
}

/// `[[gateways]]`: a group of gateways.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GatewayGroupSpec {
    /// Label prefix for gateway ids; defaults to "gw".
    #[serde(default)]
    pub name: Option<String>,
    /// What the gateways are: "lorawan" (default, LoRaWAN gateways), "cellular" (cell sites,
    /// each carrying NB-IoT, LTE-M and LTE Cat-1) or "wifi" (access points).
    #[serde(default)]
    pub radio: Option<RadioKind>,
    /// Number of gateways; with explicit placement it defaults to the number of positions.
    #[serde(default)]
    pub count: Option<u64>,
    /// grid (default) | random | explicit.
    #[serde(default)]
    pub placement: Option<Placement>,
    /// Coordinates for explicit placement.
    #[serde(default)]
    pub positions: Vec<PointSpec>,
    /// Restrict grid/random placement to one district.
    #[serde(default)]
    pub district: Option<String>,
    /// Antenna gain added to every received signal, e.g. "3dBi".
    #[serde(default)]
    pub antenna_gain: Option<Db>,
    /// Parallel demodulation paths (default 8, an SX1301 concentrator).
    #[serde(default)]
    pub demodulators: Option<u8>,
    /// Link to the network server.
    #[serde(default)]
    pub backhaul: Option<BackhaulSpec>,
    /// Power source.
    #[serde(default)]
    pub power: Option<PowerSpec>,
    /// Electrical power drawn by each gateway, access point or cell-site share, e.g. "3.2W"
    /// (default: 3.2 W LoRaWAN gateway, 10 W access point, 0 for operator cell sites).
    #[serde(default)]
    pub power_draw: Option<Power>,
    /// Purchase price of one gateway.
    #[serde(default)]
    pub unit_cost: Option<f64>,
    /// Installation cost of one gateway.
    #[serde(default)]
    pub install_cost: Option<f64>,
    /// Share of the gateways that need a new pole, in [0, 1] (default 0).
    #[serde(default)]
    pub new_poles: Option<f64>,
}

/// `[repair]`: crews that repair failed gateways, first come first served. With it, a random
/// gateway failure lasts the wait for a free crew, the travel and the repair (mean `mttr`); a
/// scheduled gateway failure without `lasts` lasts until a crew has repaired it.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepairSection {
    /// Crews working at once.
    pub crews: u32,
    /// Travel to a site, e.g. "45m" (default 0).
    #[serde(default)]
    pub travel: Option<Duration>,
    /// Repair at the site for scheduled failures without `lasts`, e.g. "2h".
    #[serde(default)]
    pub repair_time: Option<Duration>,
}

/// What fails.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// Gateway hardware: the gateways (LoRaWAN gateways, cell sites, access points) in scope
    /// serve nothing while down.
    Gateway,
    /// Grid power: gateways in scope go down once their battery backup is exhausted; mains
    /// sensors in the district (without a backup that outlasts it) cannot report.
    Power,
    /// Backhaul cut: gateways keep receiving but cannot forward; a store-and-forward buffer of
    /// `buffer` uplinks drains when the link returns, and what overflows it is lost.
    Backhaul,
    /// Storm or flood over an `area`: every link of a sensor in it loses `extra_loss` while it
    /// lasts, and each sensor in it fails for good with probability `device_failure`.
    Storm,
    /// Sensor hardware: the sensors in scope (a `share` of them) take no readings while down.
    Device,
    /// Radio jamming: the noise floor of every receiver in the `area` on `band` rises by
    /// `noise_rise` while it lasts.
    Jamming,
    /// Compromised sensors: a `share` of those in scope send spoofed readings (`attack =
    /// "spoof"`) or flood the network (`attack = "flood"`) until monitoring detects them after
    /// `detect_after`; they are then isolated (their readings dropped) until the end of the window.
    Compromised,
    /// A pipeline stage (`stage`) or, without `stage`, the whole cloud (broker and every
    /// stage) serves nothing while down; queues fill and overflow by their policies.
    Pipeline,
}

impl FailureKind {
    /// The name used in scenario files and results.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Gateway => "gateway",
            FailureKind::Power => "power",
            FailureKind::Backhaul => "backhaul",
            FailureKind::Storm => "storm",
            FailureKind::Device => "device",
            FailureKind::Jamming => "jamming",
            FailureKind::Compromised => "compromised",
            FailureKind::Pipeline => "pipeline",
        }
    }
}

/// What a compromised device does.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AttackKind {
    /// Forged readings that look genuine: each one delivered before detection corrupts data.
    Spoof,
    /// Extra uplinks (`flood_factor` per reading) that load the channel, gateways and cells.
    Flood,
}

/// `[[failures]]`: one failure, scheduled (`at` and `lasts`) or random (`mtbf` and `mttr`,
/// exponential, drawn per unit in scope).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureSpec {
    /// gateway | power | backhaul | storm | device | jamming | compromised | pipeline.
    pub kind: FailureKind,
    /// Scope: the gateways of this gateway group (by `name`); for `device` and `compromised`,
    /// the sensors of this sensor group (by `name`, or `kind` when unnamed).
    #[serde(default)]
    pub group: Option<String>,
    /// Scope: one gateway by its id in results, e.g. "gw-3".
    #[serde(default)]
    pub gateway: Option<String>,
    /// Scope: one sensor by its id in results (`device` and `compromised`).
    #[serde(default)]
    pub sensor: Option<u32>,
    /// Scope: everything in this district (gateways standing in it; for power, its mains
    /// sensors; for `device` and `compromised`, its sensors).
    #[serde(default)]
    pub district: Option<String>,
    /// Scheduled start, as time since the start of the run, e.g. "6h".
    #[serde(default)]
    pub at: Option<Duration>,
    /// Scheduled duration; leave it out for a gateway failure that lasts until `[repair]`
    /// crews have fixed it, or for a compromise that lasts until the end of the run.
    #[serde(default)]
    pub lasts: Option<Duration>,
    /// Random failures: mean time between failures of each unit in scope.
    #[serde(default)]
    pub mtbf: Option<Duration>,
    /// Random failures: mean time to repair.
    #[serde(default)]
    pub mttr: Option<Duration>,
    /// Backhaul cut: uplinks each gateway can hold until the link returns (default 0).
    #[serde(default)]
    pub buffer: Option<u32>,
    /// The area hit (storm, jamming; narrows `device` and `compromised`): a disc
    /// `{ center = { x = "2km", y = "2km" }, radius = "1km" }` or a polygon
    /// `{ polygon = [{ x = 0, y = 0 }, { x = "1km", y = 0 }, { x = 0, y = "1km" }] }`.
    #[serde(default)]
    pub area: Option<AreaSpec>,
    /// Storm: extra path loss on the links of sensors in the area while it lasts (default 0).
    #[serde(default)]
    pub extra_loss: Option<Db>,
    /// Storm: probability that a sensor in the area fails at its start, for the rest of the
    /// run (default 0).
    #[serde(default)]
    pub device_failure: Option<f64>,
    /// Jamming: rise of the noise floor at receivers in the area, e.g. "20dB".
    #[serde(default)]
    pub noise_rise: Option<Db>,
    /// Jamming: the band jammed, by the radio that uses it: lorawan (default), cellular (all
    /// cellular IoT carriers) or wifi.
    #[serde(default)]
    pub band: Option<RadioKind>,
    /// `device` and `compromised`: share of the sensors in scope affected (default 1).
    #[serde(default)]
    pub share: Option<f64>,
    /// Compromised: spoof | flood.
    #[serde(default)]
    pub attack: Option<AttackKind>,
    /// Compromised, flood: uplinks sent per reading (default 10).
    #[serde(default)]
    pub flood_factor: Option<u32>,
    /// Compromised: how long monitoring takes to detect the attack and isolate the devices,
    /// e.g. "2h"; leave it out for an attack nobody detects.
    #[serde(default)]
    pub detect_after: Option<Duration>,
    /// Pipeline: the stage that fails, by name ("broker" for the broker); leave it out for the
    /// whole cloud.
    #[serde(default)]
    pub stage: Option<String>,
}

/// An area: a disc (`center` and `radius`) or a polygon (`polygon`, at least three points).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AreaSpec {
    /// Disc centre.
    #[serde(default)]
    pub center: Option<PointSpec>,
    /// Disc radius.
    #[serde(default)]
    pub radius: Option<Distance>,
    /// Polygon vertices in order.
    #[serde(default)]
    pub polygon: Option<Vec<PointSpec>>,
}

/// `sensing = { ... }`: the draw of one reading.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SensingSpec {
    /// Current while sensing.
    pub current: Current,
    /// Time per reading.
    pub time: Duration,
}

/// LoRa radio current tables.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RadioProfile {
    /// RAK4260 module at 3.3 V (TX by power, RX 13.6 mA).
    Rak4260,
    /// LoRaSim/FLoRa TX table (2..14 dBm) with ns-3's RX 11.2 mA.
    Lorasim,
}

/// When batteries are replaced.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReplacementPolicy {
    /// Before they die, when the remaining share falls to `replace_at`.
    Threshold,
    /// When the device has died.
    OnFailure,
}

/// `[energy]`: device energy, batteries, maintenance and infrastructure power.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnergySection {
    /// LoRa radio current table: rak4260 (default) | lorasim.
    #[serde(default)]
    pub radio_profile: Option<RadioProfile>,
    /// threshold (default) | on_failure.
    #[serde(default)]
    pub replacement: Option<ReplacementPolicy>,
    /// Remaining battery share at which a threshold replacement is made (default 0.1).
    #[serde(default)]
    pub replace_at: Option<f64>,
    /// Replacements one crew makes per working day (default 20).
    #[serde(default)]
    pub visits_per_crew_day: Option<f64>,
    /// Working days per year (default 230).
    #[serde(default)]
    pub working_days: Option<f64>,
    /// Years over which lifetimes are projected and costs totalled (default 10).
    #[serde(default)]
    pub horizon_years: Option<f64>,
    /// Cloud energy per GB stored and processed, kWh (default 0.06).
    #[serde(default)]
    pub cloud_kwh_per_gb: Option<f64>,
    /// Backhaul power per gateway or access point (router, modem), e.g. "5W" (default 5 W).
    #[serde(default)]
    pub backhaul_power: Option<Power>,
    /// Edge computing the deployment runs (servers at the gateways or in the city), in all,
    /// e.g. "150W" (default 0).
    #[serde(default)]
    pub edge_power: Option<Power>,
    /// Service life of a device before it is replaced whole, years (default 10).
    #[serde(default)]
    pub device_life_years: Option<f64>,
    /// Grid carbon intensity, g CO2 per kWh (default: the city preset's).
    #[serde(default)]
    pub grid_co2_g_per_kwh: Option<f64>,
    /// Electricity price per kWh (default: the city preset's, where it has one).
    #[serde(default)]
    pub electricity_price_per_kwh: Option<f64>,
}

/// `[costs]`: prices not tied to one device group.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostsSection {
    /// Currency label for results (default "USD").
    #[serde(default)]
    pub currency: Option<String>,
    /// One battery replacement visit: battery, labour and travel (default 0).
    #[serde(default)]
    pub battery_visit: Option<f64>,
    /// A new pole, where a device or gateway cannot reuse street furniture (default 0).
    #[serde(default)]
    pub new_pole: Option<f64>,
    /// Cloud storage and processing per GB (default 0).
    #[serde(default)]
    pub cloud_per_gb: Option<f64>,
    /// Annual discount rate for the total cost of ownership (default 0).
    #[serde(default)]
    pub discount_rate: Option<f64>,
}

/// Regional channel plan.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum Region {
    /// Europe 863-870 MHz: 8 uplink channels of 125 kHz in the 1 % sub-band.
    EU868,
    /// North America 902-928 MHz: one 8-channel sub-band of 125 kHz.
    US915,
}

/// How overlapping transmissions at a gateway are resolved.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InterferenceModel {
    /// Any time overlap on the same channel and SF destroys both packets (pure ALOHA).
    Aloha,
    /// LoRaSim capture: the stronger packet survives when it is `capture_threshold` above the
    /// other; an interferer that ends before the last `preamble_lock_symbols` of the new
    /// packet's preamble does not harm it.
    Capture,
    /// ns-3 lorawan: interference energy summed per interfering SF over the overlap and tested
    /// against the GOURSAUD SIR matrix, co-SF (6 dB) and cross-SF alike.
    Sir,
}

/// Path-loss model for LoRa links.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PathLoss {
    /// LoRaSim / FLoRa urban log-distance: 127.41 + 20.8 log10(d/40 m).
    LogDistance,
    /// Oulu measurement: 128.95 + 23.2 log10(d/1 km).
    Oulu,
    /// Okumura-Hata (FLoRa variant): 127.5 + 35.2 log10(d/1 km).
    OkumuraHata,
}

/// `[lorawan]`: network-wide LoRaWAN settings.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LorawanSection {
    /// EU868 (default) or US915.
    #[serde(default)]
    pub region: Option<Region>,
    /// Number of uplink channels sensors hop over, 1..8 (default 8: one SX1301 gateway's worth,
    /// EU868's 8-channel plan or one US915 sub-band).
    #[serde(default)]
    pub channels: Option<u8>,
    /// Channel bandwidth: "125kHz" (default), "250kHz" or "500kHz".
    #[serde(default)]
    pub bandwidth: Option<Bandwidth>,
    /// LoRa coding rate "4/5" (default) to "4/8".
    #[serde(default)]
    pub coding_rate: Option<String>,
    /// aloha | capture (default) | sir.
    #[serde(default)]
    pub interference: Option<InterferenceModel>,
    /// Whether different spreading factors interfere, tested with the SIR matrix (default: true
    /// under capture and sir, false under aloha, whose identity assumes orthogonal SFs).
    #[serde(default)]
    pub inter_sf: Option<bool>,
    /// Power advantage a packet needs to survive an overlap under `capture` (default "6dB").
    #[serde(default)]
    pub capture_threshold: Option<Db>,
    /// Preamble symbols that must be clear of interference for a late packet to lock (default 5).
    #[serde(default)]
    pub preamble_lock_symbols: Option<u8>,
    /// log-distance (default) | oulu | okumura-hata.
    #[serde(default)]
    pub path_loss: Option<PathLoss>,
    /// Standard deviation of static log-normal shadowing per link (default "0dB").
    #[serde(default)]
    pub shadowing_sigma: Option<Db>,
    /// Spatial correlation distance of the shadowing, e.g. "110m" (ns-3); uncorrelated when absent.
    #[serde(default)]
    pub shadowing_correlation: Option<Distance>,
    /// Extra margin above sensitivity when choosing a sensor's SF (default "0dB").
    #[serde(default)]
    pub link_margin: Option<Db>,
    /// Adaptive data rate run by the network server: "off" (default: SF from the link budget),
    /// "ns3" or "flora". With ADR on, sensors without a fixed SF start at SF12 and converge.
    #[serde(default)]
    pub adr: Option<AdrMode>,
    /// EU868 sub-band duty cycles: "delay" (default: wait for the sub-band to reopen), "drop"
    /// (lose the uplink as `duty_cycle`) or "off" (ignore the regulation, as LoRaSim does).
    #[serde(default)]
    pub duty_cycle: Option<DutyCyclePolicy>,
    /// Under "delay", an uplink that would wait longer than this is dropped (default "15m").
    #[serde(default)]
    pub duty_cycle_max_delay: Option<Duration>,
}

/// `[cellular]`: cell sites and the cellular IoT devices they serve. Each site carries an
/// NB-IoT, an LTE-M and an LTE carrier; `[cellular.nbiot]`, `[cellular.ltem]` and
/// `[cellular.lte]` tune each one.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CellularSection {
    /// Path loss to the cell site: okumura-hata (default; macro sites, 900 MHz) | oulu |
    /// log-distance.
    #[serde(default)]
    pub path_loss: Option<PathLoss>,
    /// Standard deviation of static log-normal shadowing per link (default "0dB").
    #[serde(default)]
    pub shadowing_sigma: Option<Db>,
    /// Preamble transmissions a device tries before giving up on random access (default 10).
    #[serde(default)]
    pub ra_max_attempts: Option<u8>,
    /// Random-access backoff: after a preamble collision the device waits a uniform time up to
    /// this before its next preamble (default "960ms", the largest LTE backoff indicator; NB-IoT
    /// allows up to 524 s). A backoff shorter than the occasion period makes colliding devices
    /// collide again at the next occasion.
    #[serde(default)]
    pub backoff: Option<Duration>,
    /// An uplink that waits longer than this for an uplink resource is dropped as `congestion`
    /// (default "10s").
    #[serde(default)]
    pub max_queue_delay: Option<Duration>,
    /// One-way latency from the cell to the application server through the operator's core
    /// (default "50ms").
    #[serde(default)]
    pub core_latency: Option<Duration>,
    /// Power saving mode between reports (default true): the device sleeps at its PSM floor
    /// and attaches afresh for each report.
    #[serde(default)]
    pub psm: Option<bool>,
    /// eDRX paging cycle while not in PSM, e.g. "81.92s" (reachable for downlinks); absent: no
    /// eDRX.
    #[serde(default)]
    pub edrx_cycle: Option<Duration>,
    /// NB-IoT carrier.
    #[serde(default)]
    pub nbiot: Option<CarrierSpec>,
    /// LTE-M carrier.
    #[serde(default)]
    pub ltem: Option<CarrierSpec>,
    /// LTE Cat-1 carrier.
    #[serde(default)]
    pub lte: Option<CarrierSpec>,
}

/// One cellular carrier at every cell site.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CarrierSpec {
    /// Period of the random-access occasions for devices in normal coverage, e.g. "160ms";
    /// the two extended coverage classes get 4x and 16x this period.
    #[serde(default)]
    pub ra_period: Option<Duration>,
    /// Preambles (NB-IoT subcarriers) devices pick from at each occasion.
    #[serde(default)]
    pub preambles: Option<u16>,
    /// Uplink resources served in parallel: NB-IoT single-tone subcarriers (default 12), LTE-M
    /// narrowbands (default 2), LTE Cat-1 allocations (default 5).
    #[serde(default)]
    pub servers: Option<u16>,
    /// Operator subscription per device and month, in the city's currency (for cost results).
    #[serde(default)]
    pub subscription_per_month: Option<f64>,
}

/// `[wifi]`: access points and their devices.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WifiSection {
    /// Log-distance path-loss exponent from a 1 m free-space reference at 2.4 GHz (default 3.0;
    /// 2.7-3.5 in urban areas, Rappaport table 4.2).
    #[serde(default)]
    pub path_loss_exponent: Option<f64>,
    /// An uplink that waits longer than this for the access point's channel is dropped as
    /// `congestion` (default "1s").
    #[serde(default)]
    pub max_queue_delay: Option<Duration>,
}

/// `[wired]`: devices on Ethernet, PoE or fiber.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WiredSection {
    /// One-way latency from a wired device to the application server (default "2ms").
    #[serde(default)]
    pub latency: Option<Duration>,
    /// An uplink that waits longer than this for its link is dropped as `congestion`
    /// (default "1s").
    #[serde(default)]
    pub max_queue_delay: Option<Duration>,
}

/// Which ADR algorithm the network server runs.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AdrMode {
    /// No ADR.
    Off,
    /// ns-3 lorawan's AdrComponent: average SNR of the last 4 uplinks, 10 dB margin.
    Ns3,
    /// FLoRa: maximum SNR of the last 20 uplinks, 15 dB margin.
    Flora,
}

/// What a device does when the regulatory duty cycle forbids sending now.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DutyCyclePolicy {
    /// Wait until a sub-band reopens (up to `duty_cycle_max_delay`).
    Delay,
    /// Drop the uplink.
    Drop,
    /// Ignore duty cycles.
    Off,
}

/// `[slo]`: thresholds the deployment must hold.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SloSection {
    /// Minimum share of generated uplinks delivered, in [0, 1].
    #[serde(default)]
    pub delivery_ratio_min: Option<f64>,
    /// Maximum 99th-percentile latency from reading to network server, e.g. "2s".
    #[serde(default)]
    pub latency_p99_max: Option<Duration>,
    /// Minimum share of the readings entering the pipeline that come out of its last stage.
    #[serde(default)]
    pub pipeline_delivery_min: Option<f64>,
    /// Maximum 99th-percentile latency from reading to the end of the pipeline, e.g. "5s".
    #[serde(default)]
    pub pipeline_p99_max: Option<Duration>,
}

/// `[output]`: result options.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// Width of the time-series buckets in timeseries.csv and the charts. Default: the duration
    /// divided into 96 buckets, at least 1 s.
    #[serde(default)]
    pub bucket: Option<Duration>,
}
