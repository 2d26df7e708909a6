//! The transparency register: for every sensor group, the "who, what, where, when and why" of
//! the data it collects, as DTPR answers (purpose, accountable organisation, technology, data
//! type, processing, storage, retention, access; REFERENCE.md §6) plus the fields of
//! Amsterdam's mandatory sensor register (owner, personal data, legal ground, privacy statement,
//! planned end, connectivity, power source). Missing declarations are listed per record.

use serde::Serialize;

use crate::scenario::Scenario;
use crate::scenario::privacy::{Handling, Identifiers};
use crate::scenario::types::Classification;
use crate::scenario::validate::SensorGroup;

/// DTPR sign colour of an identifiable technology.
pub const IDENTIFIABLE_COLOUR: &str = "#FFDD00";
/// DTPR sign colour of a de-identified technology.
pub const DE_IDENTIFIED_COLOUR: &str = "#36B2E6";

/// One register record.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RegisterEntry {
    /// Sensor group.
    pub group: String,
    /// Catalogue kind and its title.
    pub kind: &'static str,
    /// Human title.
    pub title: &'static str,
    /// Devices deployed.
    pub devices: u64,
    /// DTPR purpose.
    pub purpose: String,
    /// DTPR accountable organisation (Amsterdam: owner).
    pub accountable: Option<String>,
    /// DTPR technology.
    pub technology: &'static str,
    /// What is collected.
    pub data_type: &'static str,
    /// DTPR processing ids.
    pub processing: Vec<&'static str>,
    /// DTPR storage.
    pub storage: Option<String>,
    /// DTPR retention: "data_retained (30d)" or "no_data_retained".
    pub retention: String,
    /// Who can access the data.
    pub access: Option<String>,
    /// public | sensitive | private | confidential.
    pub classification: &'static str,
    /// Amsterdam: whether it contains personal data.
    pub contains_personal_data: bool,
    /// Amsterdam: legal ground.
    pub legal_ground: Option<String>,
    /// Amsterdam: privacy statement link.
    pub privacy_statement: Option<String>,
    /// Amsterdam: planned end date.
    pub planned_end: Option<String>,
    /// Amsterdam: connectivity (the radio).
    pub connectivity: &'static str,
    /// Amsterdam: power source.
    pub power_source: &'static str,
    /// Where: district or area.
    pub location: String,
    /// DTPR sign colour of the technology hexagon: identifiable or de-identified (None: no
    /// personal data).
    pub sign_colour: Option<&'static str>,
    /// Declarations missing for a complete record.
    pub missing: Vec<&'static str>,
}

/// What a kind's stream holds.
fn data_type(technology: &str) -> &'static str {
    match technology {
        "identifiable_wifi_sensor" => "device identifiers (Wi-Fi and Bluetooth MAC addresses)",
        "identifiable_video" => "images of people and vehicles",
        "smart_water_meter" | "smart_electricity_meter" => "household consumption readings",
        "magnetometer" => "parking bay occupancy",
        "radar" => "vehicle counts and speeds",
        _ => "environmental and infrastructure measurements",
    }
}

/// The classification's name.
pub fn classification_name(c: Classification) -> &'static str {
    match c {
        Classification::Public => "public",
        Classification::Sensitive => "sensitive",
        Classification::Private => "private",
        Classification::Confidential => "confidential",
    }
}

/// DTPR processing ids of a personal stream under a handling design.
pub fn processing(h: &Handling) -> Vec<&'static str> {
    let mut p = vec![match h.identifiers {
        Identifiers::Raw => "raw_data",
        Identifiers::Hash | Identifiers::Salted => "de_identified",
        Identifiers::OnDevice => "aggregated",
    }];
    if h.k > 1 {
        p.push("k_anonymity");
    }
    if h.noise.is_some() {
        p.push("differential_privacy");
    }
    if h.encrypted_in_transit {
        p.push("transport_layer_security");
    }
    if h.encrypted_at_rest {
        p.push("encrypted");
    }
    p
}

/// The register, one record per sensor group, each personal stream under its handling design.
pub fn register(sc: &Scenario) -> Vec<RegisterEntry> {
    sc.groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let handling =
                sc.privacy.as_ref().and_then(|p| p.designs.get(p.handling.get(i).copied().unwrap_or(p.deployed)));
            entry(sc, g, handling)
        })
        .collect()
}

fn entry(sc: &Scenario, g: &SensorGroup, deployed: Option<&Handling>) -> RegisterEntry {
    let d = &g.data;
    let personal = d.personal == Some(true);
    let handling = deployed.filter(|_| personal);
    let retention = handling.and_then(|h| h.retention).or(d.retention.map(|r| r.0));
    let identifiable = handling.is_none_or(|h| h.identifiers == Identifiers::Raw || h.identifiers == Identifiers::Hash);
    let mut missing = Vec::new();
    for (field, set) in [
        ("purpose", d.purpose.is_some()),
        ("organisation", d.organisation.is_some()),
        ("storage", d.storage.is_some()),
        ("access", d.access.is_some()),
    ] {
        if !set {
            missing.push(field);
        }
    }
    if personal {
        for (field, set) in [
            ("retention", retention.is_some()),
            ("legal_ground", d.legal_ground.is_some()),
            ("privacy_statement", d.privacy_statement.is_some()),
            ("data handling design ([privacy])", handling.is_some()),
        ] {
            if !set {
                missing.push(field);
            }
        }
    }
    let location = match (g.district, g.disc) {
        (Some(i), _) => format!("district {}", sc.city.districts[i].name),
        (None, Some((x, y, r))) => format!("within {r:.0} m of ({x:.0} m, {y:.0} m)"),
        _ => "across the simulated area".to_string(),
    };
    let power_source = if g.power.mains == Some(true) {
        "mains"
    } else if g.power.solar_panel_w.is_some() {
        "solar with battery"
    } else {
        "battery"
    };
    RegisterEntry {
        group: g.name.clone(),
        kind: g.kind.id,
        title: g.kind.title,
        devices: g.count,
        purpose: d.purpose.clone().unwrap_or_else(|| "not declared".into()),
        accountable: d.organisation.clone(),
        technology: g.kind.technology,
        data_type: data_type(g.kind.technology),
        processing: handling.map_or_else(|| vec!["raw_data"], processing),
        storage: d.storage.clone(),
        retention: retention.map_or_else(
            || if personal { "not declared".to_string() } else { "data_retained (not declared)".to_string() },
            |r| format!("data_retained ({r})"),
        ),
        access: d.access.clone(),
        classification: d.classification.map_or("not declared", classification_name),
        contains_personal_data: personal,
        legal_ground: d.legal_ground.clone(),
        privacy_statement: d.privacy_statement.clone(),
        planned_end: d.planned_end.clone(),
        connectivity: g.radio.name(),
        power_source,
        location,
        sign_colour: personal.then_some(if identifiable { IDENTIFIABLE_COLOUR } else { DE_IDENTIFIED_COLOUR }),
        missing,
    }
}
