//! The sensor catalogue: the built-in sensor kinds a scenario names with `kind = "..."`, each
//! with sourced defaults (report interval, payload, radio, power, data governance, mounting),
//! so that a planner can write `kind = "parking", count = 400` and nothing else.
//!
//! Every default comes from REFERENCE.md section 9 ("Sensor kinds: defaults with sources") and
//! section 2 (batteries); each entry's `source` says which figure was taken from where and
//! which values are this catalogue's own choice inside the cited range. Overrides in a
//! scenario's `[[sensors]]` group win over everything here; applying them is `validate`'s job.
//!
//! Every kind that REFERENCE.md lists with a LoRaWAN option defaults to LoRaWAN, even where
//! another radio is also common; `radio = "nbiot"` (or ltem, cellular, wifi, wired) in a group
//! picks another.

use serde::{Serialize, Serializer};

use crate::scenario::types::{BatteryKind, Classification, DataSpec, PowerSpec, RadioKind, Timing};
use crate::time::SimTime;

/// How a kind is usually powered; turned into a scenario [`PowerSpec`] by [`PowerDefault::to_spec`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerDefault {
    /// A primary battery of this chemistry and format, at its reference capacity.
    Battery(BatteryKind),
    /// Grid power from the street furniture or building, without a backup battery.
    Mains,
    /// A solar panel charging a battery.
    Solar {
        /// Panel peak power in watts.
        panel_w: f64,
        /// The battery the panel charges.
        battery: BatteryKind,
    },
}

impl PowerDefault {
    /// The equivalent `power = { ... }` a planner would write in a scenario file.
    pub fn to_spec(&self) -> PowerSpec {
        match *self {
            PowerDefault::Battery(battery) => PowerSpec { battery: Some(battery), ..PowerSpec::default() },
            PowerDefault::Mains => PowerSpec { mains: Some(true), ..PowerSpec::default() },
            PowerDefault::Solar { panel_w, battery } => {
                PowerSpec { battery: Some(battery), solar_panel_w: Some(panel_w), ..PowerSpec::default() }
            }
        }
    }
}

/// A device's electrical load besides its radio: what the node draws asleep, what one reading
/// costs, and (for mains devices) its continuous power.
///
/// REFERENCE.md §2 gives only that a whole node (MCU + sensor + radio asleep) draws tens of µA;
/// the figures per kind are this catalogue's estimates from typical parts (Plantower-class PM
/// sensors ~80 mA with a 30 s fan spin-up, MEMS microphones with a DSP ~10 mA, magnetometers
/// ~2 mA for 100 ms, ultrasonic and ToF rangers 20-30 mA for a few hundred ms, SONYC-class
/// nodes ~100 mW, PoE cameras ~4 W as REFERENCE.md §9 says). Override them per group with
/// `sleep_current` and `sensing`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Load {
    /// Whole node asleep, µA.
    pub sleep_ua: f64,
    /// Current while taking a reading, mA.
    pub sense_ma: f64,
    /// Time to take a reading, ms.
    pub sense_ms: f64,
    /// Continuous draw of a mains device (controller, scanner, camera), W; 0 for battery nodes.
    pub mains_w: f64,
}

/// A built-in sensor kind and its defaults.
///
/// Every built-in uses [`Timing::Periodic`]. Some kinds (parking above all, also waste-bin
/// alarms and street-light alarms) are event-driven in reality: they send on a change and a
/// heartbeat when nothing changed. Their default models heartbeat and events together as one
/// periodic stream at the typical combined rate; `timing = "poisson"` with the same
/// `report_every` treats the events as random arrivals instead.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SensorKind {
    /// Catalogue id used in scenario files, e.g. `"air_quality"`.
    pub id: &'static str,
    /// Human title for reports, e.g. `"Air quality (PM2.5/NO2)"`.
    pub title: &'static str,
    /// Mean time between reports. Serialized in the scenario syntax, e.g. `"5m"`.
    #[serde(serialize_with = "as_duration_text")]
    pub report_every: SimTime,
    /// How reports are spaced in time; see the type's docs for event-driven kinds.
    pub timing: Timing,
    /// Application payload per report, in bytes (LoRaWAN FRMPayload or equivalent).
    pub payload_bytes: u16,
    /// Radio technology.
    pub radio: RadioKind,
    /// Usual power source.
    pub power: PowerDefault,
    /// Electrical load besides the radio.
    pub load: Load,
    /// DTPR purpose id, e.g. `"ecology"`, `"mobility"`, `"safety_security"`.
    pub purpose: &'static str,
    /// DTPR technology id where DTPR has one (e.g. `"air_quality"`, `"identifiable_video"`),
    /// otherwise a plain descriptive id.
    pub technology: &'static str,
    /// Whether the stream contains personal data (device identifiers, images).
    pub personal: bool,
    /// Data classification (NYC IoT Guidelines 1.3); at least `Private` when `personal`.
    pub classification: Classification,
    /// Where the device is usually installed.
    pub mounting: &'static str,
    /// Where the defaults come from, citing REFERENCE.md and its sources.
    pub source: &'static str,
}

impl SensorKind {
    /// The `data = { ... }` governance defaults of this kind (no retention: that is a policy
    /// choice each scenario must make, not a property of the device).
    pub fn default_data(&self) -> DataSpec {
        DataSpec {
            purpose: Some(self.purpose.to_string()),
            personal: Some(self.personal),
            classification: Some(self.classification),
            ..DataSpec::default()
        }
    }
}

/// Writes a [`SimTime`] the way a planner writes it ("5m", "1h"), so catalogue listings can be
/// pasted into a scenario file.
fn as_duration_text<S: Serializer>(t: &SimTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

const fn minutes(m: u64) -> SimTime {
    SimTime::from_secs(m * 60)
}

/// FloodNet's panel, the only small-node panel size REFERENCE.md gives; reused for other solar
/// kinds so that they are not sized on a guess.
const FLOODNET_PANEL_W: f64 = 1.2;

static KINDS: [SensorKind; 12] = [
    SensorKind {
        id: "air_quality",
        title: "Air quality (PM2.5/NO2)",
        report_every: minutes(5),
        timing: Timing::Periodic,
        payload_bytes: 24,
        radio: RadioKind::Lorawan,
        power: PowerDefault::Solar { panel_w: FLOODNET_PANEL_W, battery: BatteryKind::LithiumRechargeable },
        load: Load { sleep_ua: 20.0, sense_ma: 80.0, sense_ms: 30000.0, mains_w: 0.0 },
        purpose: "ecology",
        technology: "air_quality",
        personal: false,
        classification: Classification::Public,
        mounting: "light or utility pole, 3-4 m (10-13 ft) above the street",
        source: "REFERENCE.md s9 air_quality: interval within 2-17 min (PurpleAir 120 s, Clarity \
                 ~17 min), 5 min chosen; payload within Decentlab DL-PM 7-33 B; radio LoRaWAN \
                 (LTE-M and Wi-Fi also used); PM sensors need mains or solar (Clarity: solar + \
                 battery); panel 1.2 W as FloodNet (s9 water_level), no air-quality panel size \
                 given; mounting 10-13 ft per NYCCAS and Array of Things",
    },
    SensorKind {
        id: "noise",
        title: "Noise level (sound level meter)",
        report_every: minutes(10),
        timing: Timing::Periodic,
        payload_bytes: 12,
        radio: RadioKind::Lorawan,
        power: PowerDefault::Battery(BatteryKind::Alkaline2xaa),
        load: Load { sleep_ua: 20.0, sense_ma: 10.0, sense_ms: 1000.0, mains_w: 0.0 },
        purpose: "ecology",
        technology: "sound_level_meter",
        personal: false,
        classification: Classification::Public,
        mounting: "building facade or light pole",
        source: "REFERENCE.md s9 noise: Milesight WS302 10 min and 12 B (SONYC reports every \
                 1 min but runs ~100 mW on mains); 2xAA up to 10 yr (Daviteq); LoRa(WAN) among \
                 Wi-Fi and cellular; facades and light poles. Levels only, no audio, so not \
                 personal",
    },
    SensorKind {
        id: "parking",
        title: "Parking occupancy (in-ground)",
        report_every: minutes(30),
        timing: Timing::Periodic,
        payload_bytes: 6,
        radio: RadioKind::Lorawan,
        power: PowerDefault::Battery(BatteryKind::LiSocl2D),
        load: Load { sleep_ua: 10.0, sense_ma: 2.0, sense_ms: 100.0, mains_w: 0.0 },
        purpose: "mobility",
        technology: "magnetometer",
        personal: false,
        classification: Classification::Public,
        mounting: "flush in the asphalt of the bay (underground: extra path loss)",
        source: "REFERENCE.md s9 parking: event on occupancy change + heartbeat 3 h (Nwave) to \
                 1 day (Bosch); at Nwave's 20 sessions/day that is 40 changes + up to 8 \
                 heartbeats = ~48 uplinks/day, modelled as periodic every 30 min; 6 B is Nwave's \
                 heartbeat (status frames are 1 B), so airtime is not understated; Li-SOCl2, \
                 10 yr at 20 sessions/day (Nwave), 4-10 yr (Libelium); D cell (s2, 19 Ah) for \
                 the 10-yr claim; LoRaWAN (NB-IoT also used)",
    },
    SensorKind {
        id: "water_level",
        title: "Water level / flood depth (ultrasonic)",
        report_every: minutes(5),
        timing: Timing::Periodic,
        payload_bytes: 5,
        radio: RadioKind::Lorawan,
        power: PowerDefault::Solar { panel_w: FLOODNET_PANEL_W, battery: BatteryKind::LithiumRechargeable },
        load: Load { sleep_ua: 20.0, sense_ma: 30.0, sense_ms: 500.0, mains_w: 0.0 },
        purpose: "safety_security",
        technology: "ultrasonic_level_sensor",
        personal: false,
        classification: Classification::Public,
        mounting: "sign post at least 7 ft (2.1 m) high, looking down at the street",
        source: "REFERENCE.md s9 water_level: NYC FloodNet, every 5 min, 2-5 B, LoRaWAN (US915, \
                 SF7), 2200 mAh LiPo + 1.2 W solar, sign posts >= 7 ft looking down (Milesight \
                 10 min; Dragino/Decentlab 11 B on 8500 mAh Li-SOCl2 as alternatives)",
    },
    SensorKind {
        id: "waste_bin_fill",
        title: "Waste bin fill level (ultrasonic)",
        report_every: minutes(20),
        timing: Timing::Periodic,
        payload_bytes: 12,
        radio: RadioKind::Lorawan,
        power: PowerDefault::Battery(BatteryKind::LiSocl2Aa),
        load: Load { sleep_ua: 15.0, sense_ma: 20.0, sense_ms: 200.0, mains_w: 0.0 },
        purpose: "waste_management",
        technology: "ultrasonic_fill_sensor",
        personal: false,
        classification: Classification::Public,
        mounting: "under the bin lid, looking down",
        source: "REFERENCE.md s9 waste_bin_fill: periodic 20 min (Milesight EM400) + fire/tilt \
                 events folded into the period; payload within 10-17 B; LoRaWAN (NB-IoT also \
                 used); Li-SOCl2 ER17505 or 2xER26500, modelled as the nearest built-in cell, \
                 Li-SOCl2 AA 2.4 Ah (s2), which understates an ER17505 (set capacity to match)",
    },
    SensorKind {
        id: "streetlight_controller",
        title: "Street light controller",
        report_every: minutes(15),
        timing: Timing::Periodic,
        payload_bytes: 17,
        radio: RadioKind::Lorawan,
        power: PowerDefault::Mains,
        load: Load { sleep_ua: 0.0, sense_ma: 0.0, sense_ms: 0.0, mains_w: 1.0 },
        purpose: "energy_efficiency",
        technology: "streetlight_controller",
        personal: false,
        classification: Classification::Sensitive,
        mounting: "NEMA or Zhaga socket on the luminaire",
        source: "REFERENCE.md s9 streetlight_controller: scheduled status + alarms + on-demand \
                 with no public default period, so 15 min is this catalogue's choice (the \
                 metering interval of s9 smart meters); 17 B is the NAS boot packet; mains from \
                 the luminaire; LoRaWAN among proprietary UNB and cellular. Sensitive: asset \
                 status of city infrastructure, not for open release",
    },
    SensorKind {
        id: "traffic_counter",
        title: "Traffic counter (radar, 15-min counts)",
        report_every: minutes(15),
        timing: Timing::Periodic,
        payload_bytes: 10,
        radio: RadioKind::Lorawan,
        power: PowerDefault::Solar { panel_w: FLOODNET_PANEL_W, battery: BatteryKind::LithiumRechargeable },
        load: Load { sleep_ua: 20.0, sense_ma: 50.0, sense_ms: 2000.0, mains_w: 0.0 },
        purpose: "mobility",
        technology: "radar",
        personal: false,
        classification: Classification::Public,
        mounting: "pole, 3-4 m above the road",
        source: "REFERENCE.md s9 traffic_counter: counts in 15-min bins (NYC DOT); 10 B \
                 (Parametric TCR); LoRaWAN or city wireless; solar + battery or DC, panel 1.2 W \
                 as FloodNet (s9 water_level), no counter panel size given; pole 3-4 m",
    },
    SensorKind {
        id: "wifi_ble_counter",
        title: "Wi-Fi/BLE device counter (pedestrian flow)",
        report_every: minutes(2),
        timing: Timing::Periodic,
        payload_bytes: 4,
        radio: RadioKind::Lorawan,
        power: PowerDefault::Mains,
        load: Load { sleep_ua: 0.0, sense_ma: 0.0, sense_ms: 0.0, mains_w: 1.5 },
        purpose: "mobility",
        technology: "identifiable_wifi_sensor",
        personal: true,
        classification: Classification::Private,
        mounting: "light pole or street kiosk (as LinkNYC)",
        source: "REFERENCE.md s9 wifi_ble_counter: Paxcounter scans and sends every 60-240 s, \
                 2 min chosen; 4 B (Wi-Fi + BLE counts); LoRaWAN (Wi-Fi/Ethernet also used); \
                 mains, since an 18650 lasts ~1 day. Personal: it observes device MAC \
                 addresses, so at least Private (NYC IoT Guidelines 1.3)",
    },
    SensorKind {
        id: "camera",
        title: "Counting camera (edge analytics)",
        report_every: minutes(1),
        timing: Timing::Periodic,
        payload_bytes: 1000,
        radio: RadioKind::Wired,
        power: PowerDefault::Mains,
        load: Load { sleep_ua: 0.0, sense_ma: 0.0, sense_ms: 0.0, mains_w: 4.0 },
        purpose: "mobility",
        technology: "identifiable_video",
        personal: true,
        classification: Classification::Private,
        mounting: "light or signal pole, or street kiosk (2 per LinkNYC Link)",
        source: "REFERENCE.md s9 camera: counts every 15 s-1 min, ~1 KB/min, so one 1000 B \
                 report a minute (raw video at 1-8 Mbit/s stays at the edge); PoE/Ethernet or \
                 fiber; mains/PoE ~4 W. Personal: it captures images of people and plates, so \
                 at least Private",
    },
    SensorKind {
        id: "weather_station",
        title: "Weather station",
        report_every: minutes(10),
        timing: Timing::Periodic,
        payload_bytes: 20,
        radio: RadioKind::Lorawan,
        power: PowerDefault::Battery(BatteryKind::Alkaline2xaa),
        load: Load { sleep_ua: 20.0, sense_ma: 5.0, sense_ms: 2000.0, mains_w: 0.0 },
        purpose: "ecology",
        technology: "weather_station",
        personal: false,
        classification: Classification::Public,
        mounting: "tower, rooftop or pole",
        source: "REFERENCE.md s9 weather_station: 5 min (NYS Mesonet) to 1 h (SenseCAP S2120), \
                 10 min chosen; ~20 B (S2120; DL-ATM41 41 B); LoRaWAN or cellular; power 2xC \
                 alkaline, AA or solar, modelled as 2xAA alkaline (s2, ~3 Ah), the nearest \
                 built-in, which understates 2xC",
    },
    SensorKind {
        id: "smart_meter_water",
        title: "Smart water meter",
        report_every: minutes(60),
        timing: Timing::Periodic,
        payload_bytes: 12,
        radio: RadioKind::Lorawan,
        power: PowerDefault::Battery(BatteryKind::LiSocl2D),
        load: Load { sleep_ua: 10.0, sense_ma: 1.0, sense_ms: 50.0, mains_w: 0.0 },
        purpose: "water_efficiency",
        technology: "smart_water_meter",
        personal: false,
        classification: Classification::Sensitive,
        mounting: "at the meter, in the premises or a pit",
        source: "REFERENCE.md s9 smart_meter water: hourly reads (NYC DEP AMR; wM-Bus 16 s/96 s \
                 and LoRaWAN daily are the extremes); payload within 9-15 B; LoRaWAN (wM-Bus, \
                 NB-IoT also used); sealed lithium 15-16 yr, modelled as Li-SOCl2 D (s2). \
                 Sensitive: per-premises consumption, not open data",
    },
    SensorKind {
        id: "smart_meter_electric",
        title: "Smart electricity meter",
        report_every: minutes(15),
        timing: Timing::Periodic,
        payload_bytes: 40,
        radio: RadioKind::Cellular,
        power: PowerDefault::Mains,
        load: Load { sleep_ua: 0.0, sense_ma: 0.0, sense_ms: 0.0, mains_w: 1.0 },
        purpose: "energy_efficiency",
        technology: "smart_electricity_meter",
        personal: false,
        classification: Classification::Sensitive,
        mounting: "at the meter, in the premises",
        source: "REFERENCE.md s9 smart_meter electric: 15-min reads (Con Edison residential; \
                 5 min non-residential); payload not given (n/a), 40 B is this catalogue's \
                 assumption for a multi-register interval read; RF mesh 900 MHz or cellular, \
                 cellular chosen (no LoRaWAN option listed); mains. Sensitive: per-premises \
                 consumption, not open data",
    },
];

/// Every built-in sensor kind, in catalogue order.
pub fn all() -> &'static [SensorKind] {
    &KINDS
}

/// The kind with this id (exact match, ids are lowercase snake_case), e.g. `find("parking")`.
pub fn find(id: &str) -> Option<&'static SensorKind> {
    KINDS.iter().find(|k| k.id == id)
}

/// All kind ids, in catalogue order.
pub fn ids() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.id).collect()
}

/// The hint for a kind id not in the catalogue: the nearest id, else all of them.
pub fn unknown_kind_hint(kind: &str) -> String {
    let ids = ids();
    match super::error::nearest(kind, ids.iter().copied()) {
        Some(n) => format!("did you mean \"{n}\"?"),
        None => format!("built-in kinds: {}", ids.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_usable_defaults() {
        for k in all() {
            assert!(k.payload_bytes > 0, "{}", k.id);
            assert!(k.report_every > SimTime::ZERO, "{}", k.id);
            assert!(!k.source.is_empty() && !k.title.is_empty(), "{}", k.id);
            assert!(!k.purpose.is_empty() && !k.technology.is_empty(), "{}", k.id);
            assert_eq!(k.timing, Timing::Periodic, "{}", k.id);
        }
    }

    #[test]
    fn personal_kinds_are_at_least_private() {
        for k in all() {
            if k.personal {
                assert!(k.classification >= Classification::Private, "{}", k.id);
            }
        }
        assert!(find("wifi_ble_counter").is_some_and(|k| k.personal));
        assert!(find("camera").is_some_and(|k| k.personal));
    }

    #[test]
    fn ids_are_unique_and_as_documented() {
        let mut ids = ids();
        assert_eq!(ids.len(), 12);
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 12);
        for id in [
            "air_quality",
            "noise",
            "parking",
            "water_level",
            "waste_bin_fill",
            "streetlight_controller",
            "traffic_counter",
            "wifi_ble_counter",
            "camera",
            "weather_station",
            "smart_meter_water",
            "smart_meter_electric",
        ] {
            assert!(find(id).is_some(), "{id}");
        }
    }

    #[test]
    fn find_parking() {
        let p = find("parking").expect("parking kind");
        // 20 sessions/day x 2 changes + 8 heartbeats = 48 uplinks/day = one per 30 min.
        assert_eq!(p.report_every, SimTime::from_secs(86_400 / 48));
        assert_eq!(p.radio, RadioKind::Lorawan);
        assert!(find("Parking").is_none() && find("").is_none());
    }

    #[test]
    fn only_camera_and_electric_meter_leave_lorawan() {
        for k in all() {
            let expected = match k.id {
                "camera" => RadioKind::Wired,
                "smart_meter_electric" => RadioKind::Cellular,
                _ => RadioKind::Lorawan,
            };
            assert_eq!(k.radio, expected, "{}", k.id);
        }
    }

    #[test]
    fn lorawan_payloads_fit_the_slowest_data_rate() {
        // LoRaWAN EU868 DR0 (SF12/125 kHz) caps the application payload at 51 B, so a default
        // must fit it whatever SF a sensor ends up on.
        for k in all().iter().filter(|k| k.radio == RadioKind::Lorawan) {
            assert!(k.payload_bytes <= 51, "{}", k.id);
        }
    }

    #[test]
    fn power_defaults_become_specs() {
        assert_eq!(PowerDefault::Mains.to_spec().mains, Some(true));
        assert_eq!(PowerDefault::Mains.to_spec().battery, None);
        let battery = PowerDefault::Battery(BatteryKind::LiSocl2D).to_spec();
        assert_eq!(battery.battery, Some(BatteryKind::LiSocl2D));
        assert_eq!(battery.mains, None);
        let solar = PowerDefault::Solar { panel_w: 1.2, battery: BatteryKind::LithiumRechargeable }.to_spec();
        assert_eq!(solar.solar_panel_w, Some(1.2));
        assert_eq!(solar.battery, Some(BatteryKind::LithiumRechargeable));
    }

    #[test]
    fn default_data_carries_governance() {
        let cam = find("camera").expect("camera kind").default_data();
        assert_eq!(cam.personal, Some(true));
        assert_eq!(cam.classification, Some(Classification::Private));
        assert_eq!(cam.purpose.as_deref(), Some("mobility"));
        assert_eq!(cam.retention, None);
    }

    #[test]
    fn serializes_for_listings() {
        let json = serde_json::to_value(find("air_quality").expect("air_quality kind")).expect("serializable");
        assert_eq!(json["report_every"], "5m");
        assert_eq!(json["radio"], "lorawan");
        assert_eq!(json["power"]["solar"]["battery"], "lithium-rechargeable");
        let json = serde_json::to_value(find("camera").expect("camera kind")).expect("serializable");
        assert_eq!(json["power"], "mains");
    }
}
