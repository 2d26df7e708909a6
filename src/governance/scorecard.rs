//! The five-principles scorecard: for each of the seed's principles (privacy & transparency,
//! data management, infrastructure, security & resilience, operations & sustainability), named
//! checks that pass, warn or fail with the reason and the numbers behind it. Checks read the
//! scenario's declarations (classification, retention, encryption, rehearsed failures) and the
//! run's results (the weakest design handling a personal stream: its k, budget and retention;
//! delivery under failures, lifetimes, carbon); the NYC IoT Guidelines rule each one stands
//! for is named in its reason.

use crate::metrics::report::{Check, Principle, PrivacyDesignReport, Report, Status};
use crate::scenario::Scenario;
use crate::scenario::privacy::Identifiers;
use crate::scenario::types::{Classification, FailureKind};

/// Devices needing a new pole above this share is flagged (NYC 3.4: reuse existing poles).
pub const NEW_POLE_SHARE_MAX: f64 = 0.2;
/// Smallest k published without a warning.
pub const K_MIN: u64 = 5;
/// Daily budget per person above which a design is flagged (and fails beyond ten times it).
pub const EPSILON_MAX: f64 = 1.0;
/// Shortest 5th-percentile battery lifetime without a warning, years.
pub const LIFETIME_MIN_YEARS: f64 = 2.0;

fn check(id: &'static str, status: Status, reason: impl Into<String>) -> Check {
    Check { id, status, reason: reason.into() }
}

fn principle(principle: &'static str, checks: Vec<Check>) -> Principle {
    let status = checks.iter().map(|c| c.status).max().unwrap_or(Status::Pass);
    Principle { principle, status, checks }
}

/// Names of the groups for which `bad` holds, or None when there are none.
fn groups_where(sc: &Scenario, bad: impl Fn(&crate::scenario::SensorGroup) -> bool) -> Option<String> {
    let names: Vec<&str> = sc.groups.iter().filter(|g| bad(g)).map(|g| g.name.as_str()).collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// The scorecard of a finished run.
pub fn scorecard(sc: &Scenario, r: &Report) -> Vec<Principle> {
    let personal = |g: &crate::scenario::SensorGroup| g.data.personal == Some(true);
    let any_personal = sc.groups.iter().any(personal);
    // The weakest design handling a personal stream (raw before hashed before salted before
    // counted on the device) is the one the checks hold to.
    let rank = |i: Identifiers| match i {
        Identifiers::Raw => 0,
        Identifiers::Hash => 1,
        Identifiers::Salted => 2,
        Identifiers::OnDevice => 3,
    };
    let handling = sc.privacy.as_ref().and_then(|p| {
        (0..sc.groups.len())
            .filter(|&g| personal(&sc.groups[g]))
            .filter_map(|g| p.designs.get(p.handling.get(g).copied().unwrap_or(p.deployed)))
            .min_by_key(|h| rank(h.identifiers))
            .or_else(|| p.designs.get(p.deployed))
    });
    let deployed: Option<&PrivacyDesignReport> =
        r.privacy.as_ref().zip(handling).and_then(|(p, h)| p.designs.iter().find(|d| d.name == h.name));
    vec![
        principle(
            "privacy & transparency",
            privacy_checks(sc, r, any_personal, deployed, handling.map(|h| h.identifiers)),
        ),
        principle("data management", data_checks(sc, any_personal, deployed)),
        principle("infrastructure", infrastructure_checks(sc, r)),
        principle("security & resilience", security_checks(sc, r, any_personal, handling)),
        principle("operations & sustainability", operations_checks(r)),
    ]
}

fn privacy_checks(
    sc: &Scenario,
    r: &Report,
    any_personal: bool,
    deployed: Option<&PrivacyDesignReport>,
    identifiers: Option<Identifiers>,
) -> Vec<Check> {
    let personal = |g: &crate::scenario::SensorGroup| g.data.personal == Some(true);
    let mut out = Vec::new();
    let undeclared: Vec<String> = sc
        .warnings
        .iter()
        .filter(|w| w.key.ends_with(".purpose"))
        .map(|w| w.key.trim_end_matches(".data.purpose").to_string())
        .collect();
    out.push(if undeclared.is_empty() {
        check("purpose_declared", Status::Pass, "every data stream declares its purpose (NYC 1.2)")
    } else {
        check(
            "purpose_declared",
            Status::Fail,
            format!("personal data without a declared purpose: {} (NYC 1.2)", undeclared.join(", ")),
        )
    });
    out.push(match groups_where(sc, |g| personal(g) && g.data.classification < Some(Classification::Private)) {
        None => check(
            "personal_data_classified",
            Status::Pass,
            "personal data is classified private or confidential (NYC 1.3)",
        ),
        Some(g) => check(
            "personal_data_classified",
            Status::Fail,
            format!("personal data classified below private: {g} (NYC 1.3)"),
        ),
    });
    let incomplete: Vec<String> = r
        .register
        .iter()
        .filter(|e| !e.missing.is_empty())
        .map(|e| format!("{} ({})", e.group, e.missing.join(", ")))
        .collect();
    out.push(if incomplete.is_empty() {
        check("register_complete", Status::Pass, format!("{} register records, none missing a field", r.register.len()))
    } else {
        check("register_complete", Status::Warn, format!("register records missing fields: {}", incomplete.join("; ")))
    });
    out.push(match (any_personal, identifiers, deployed) {
        (false, _, _) => check("anonymised_before_release", Status::Pass, "no personal data is collected"),
        (true, None, _) | (true, _, None) => check(
            "anonymised_before_release",
            Status::Warn,
            "personal data is collected but no data-handling design is declared ([privacy]); nothing is measured (NYC 1.4)",
        ),
        (true, Some(Identifiers::Raw | Identifiers::Hash), Some(d)) => check(
            "anonymised_before_release",
            Status::Fail,
            format!(
                "design \"{}\" lets reversible identifiers leave the sensors: {:.0} % of people linkable across sensors (NYC 1.4)",
                d.name,
                d.linkable_across_sensors * 100.0
            ),
        ),
        (true, Some(_), Some(d)) => {
            let cross_day = d.linkable_across_days.unwrap_or(0.0);
            let status = if cross_day > 0.05 { Status::Warn } else { Status::Pass };
            check(
                "anonymised_before_release",
                status,
                format!(
                    "design \"{}\": {:.0} % linkable across sensors in a day, {:.0} % across days; unicity at 4 points {:.0} % (NYC 1.4)",
                    d.name,
                    d.linkable_across_sensors * 100.0,
                    cross_day * 100.0,
                    d.unicity.get(3).copied().unwrap_or(0.0) * 100.0
                ),
            )
        }
    });
    out
}

fn data_checks(sc: &Scenario, any_personal: bool, deployed: Option<&PrivacyDesignReport>) -> Vec<Check> {
    let mut out = Vec::new();
    let undeclared: Vec<String> = sc
        .warnings
        .iter()
        .filter(|w| w.key.ends_with(".retention"))
        .map(|w| w.key.trim_end_matches(".data.retention").to_string())
        .collect();
    out.push(if undeclared.is_empty() {
        check("retention_declared", Status::Pass, "every personal data stream declares a retention period (NYC 1.5)")
    } else {
        check("retention_declared", Status::Fail, format!("no retention period: {} (NYC 1.5)", undeclared.join(", ")))
    });
    let Some(d) = deployed else {
        out.push(if any_personal {
            check(
                "retention_honoured",
                Status::Warn,
                "personal data is collected but no data-handling design is measured",
            )
        } else {
            check("retention_honoured", Status::Pass, "no personal data is kept")
        });
        return out;
    };
    out.push(if d.retention_violations == 0 {
        check(
            "retention_honoured",
            Status::Pass,
            format!(
                "{} records stored, none past retention; {:.0} record-days of exposure",
                d.records_stored, d.exposure_days
            ),
        )
    } else {
        check(
            "retention_honoured",
            Status::Fail,
            format!("{} records held past their group's retention", d.retention_violations),
        )
    });
    out.push(match d.k {
        None => check("k_anonymity", Status::Pass, "no table of people is published"),
        Some(k) if k >= K_MIN => check("k_anonymity", Status::Pass, format!("published counts are {k}-anonymous")),
        Some(k) => check(
            "k_anonymity",
            if k > 1 { Status::Warn } else { Status::Fail },
            format!("published counts are only {k}-anonymous (k >= {K_MIN} expected); set k in the design"),
        ),
    });
    out.push(match d.epsilon_per_person_day {
        Some(e) if e <= EPSILON_MAX => {
            check("privacy_budget", Status::Pass, format!("at most epsilon {e:.3} per person per day"))
        }
        Some(e) => check(
            "privacy_budget",
            if e <= 10.0 * EPSILON_MAX { Status::Warn } else { Status::Fail },
            format!("up to epsilon {e:.2} per person per day (above {EPSILON_MAX})"),
        ),
        None => {
            check("privacy_budget", Status::Warn, "counts are published without noise: no bound on what they reveal")
        }
    });
    out
}

fn infrastructure_checks(sc: &Scenario, r: &Report) -> Vec<Check> {
    let devices: u64 = sc.groups.iter().map(|g| g.count).sum();
    let poles: f64 = sc.groups.iter().map(|g| g.count as f64 * g.new_poles).sum();
    let share = if devices == 0 { 0.0 } else { poles / devices as f64 };
    let mut out = vec![if share <= NEW_POLE_SHARE_MAX {
        check("pole_reuse", Status::Pass, format!("{:.0} % of devices need a new pole (NYC 3.4)", share * 100.0))
    } else {
        check(
            "pole_reuse",
            Status::Warn,
            format!("{:.0} % of devices need a new pole (NYC 3.4: reuse poles)", share * 100.0),
        )
    }];
    let m = &r.energy.maintenance;
    let undeclared = groups_where(sc, |g| g.data.disposal.is_none());
    out.push(match (m.end_of_life.is_empty() && r.energy.battery_sensors > 0, undeclared) {
        (false, None) => {
            check("disposal_plan", Status::Pass, "every group declares its disposal; battery end-of-life planned")
        }
        (false, Some(g)) => check(
            "disposal_plan",
            Status::Warn,
            format!(
                "{:.0} batteries ({:.1} kg) a year planned for recycling; no `data.disposal` declared for: {g}",
                m.batteries_disposed_per_year, m.battery_mass_kg_per_year
            ),
        ),
        (true, _) => check("disposal_plan", Status::Fail, "batteries are replaced but no end-of-life plan exists"),
    });
    let kwh = r.energy.infrastructure.kwh_per_year;
    out.push(check(
        "energy_per_device_year",
        Status::Pass,
        format!("{:.2} kWh of infrastructure energy per device-year", kwh / devices.max(1) as f64),
    ));
    out
}

fn security_checks(
    sc: &Scenario,
    r: &Report,
    any_personal: bool,
    handling: Option<&crate::scenario::privacy::Handling>,
) -> Vec<Check> {
    let mut out = vec![match (any_personal, handling) {
        (false, _) => check("encryption", Status::Pass, "no personal data in transit or at rest"),
        (true, Some(h)) if h.encrypted_in_transit && h.encrypted_at_rest => {
            check("encryption", Status::Pass, "personal data encrypted in transit and at rest (NYC 4.4)")
        }
        (true, Some(_)) => {
            check("encryption", Status::Fail, "personal data not encrypted in transit and at rest (NYC 4.4)")
        }
        (true, None) => check("encryption", Status::Warn, "no data-handling design declares encryption (NYC 4.4)"),
    }];
    if sc.failures.is_empty() {
        out.push(check("failures_rehearsed", Status::Warn, "no failure rehearsed: add [[failures]]"));
    } else {
        out.push(check("failures_rehearsed", Status::Pass, format!("{} failures rehearsed", sc.failures.len())));
        let min = sc.slo.delivery_ratio_min.unwrap_or(0.95);
        let ratio = r.uplinks.delivery_ratio;
        out.push(check(
            "delivery_under_failures",
            if ratio >= min { Status::Pass } else { Status::Fail },
            format!(
                "delivery ratio {ratio:.4} through the rehearsed failures (objective {min}); lowest bucket {:.3}",
                r.resilience.worst_bucket.as_ref().map_or(1.0, |w| w.delivery_ratio)
            ),
        ));
    }
    let attacks: Vec<_> = sc.failures.iter().filter(|f| f.kind == FailureKind::Compromised).collect();
    out.push(if attacks.is_empty() {
        check("compromise_detection", Status::Warn, "no compromised device rehearsed (NYC 4.6)")
    } else if let Some(slowest) = attacks.iter().map(|f| f.attack.and_then(|a| a.detect_after)).max() {
        match slowest {
            Some(d) => check(
                "compromise_detection",
                Status::Pass,
                format!("compromised devices detected and isolated within {d} (NYC 4.6)"),
            ),
            None => check("compromise_detection", Status::Fail, "a rehearsed compromise is never detected (NYC 4.6)"),
        }
    } else {
        check("compromise_detection", Status::Warn, "no compromised device rehearsed (NYC 4.6)")
    });
    out
}

fn operations_checks(r: &Report) -> Vec<Check> {
    let mut out = vec![if r.slo.checks.is_empty() {
        check("slos_met", Status::Warn, "no service-level objective declared ([slo])")
    } else if r.slo.breached {
        let broken: Vec<&str> = r.slo.checks.iter().filter(|c| !c.ok).map(|c| c.name).collect();
        check("slos_met", Status::Fail, format!("breached: {}", broken.join(", ")))
    } else {
        check("slos_met", Status::Pass, format!("{} objectives met", r.slo.checks.len()))
    }];
    out.push(match &r.energy.lifetime_years {
        None => check("battery_lifetime", Status::Pass, "no battery-powered sensors"),
        Some(l) if l.p5 >= LIFETIME_MIN_YEARS => {
            check("battery_lifetime", Status::Pass, format!("5 % of batteries last under {:.1} years", l.p5))
        }
        Some(l) => check(
            "battery_lifetime",
            Status::Warn,
            format!("5 % of batteries last under {:.1} years (below {LIFETIME_MIN_YEARS})", l.p5),
        ),
    });
    let i = &r.energy.infrastructure;
    out.push(match i.co2_kg_per_year {
        Some(c) => {
            check("carbon_reported", Status::Pass, format!("{:.0} kWh and {c:.0} kg CO2 a year", i.kwh_per_year))
        }
        None => check(
            "carbon_reported",
            Status::Warn,
            "no grid carbon intensity: give a city preset or energy.grid_co2_g_per_kwh",
        ),
    });
    out
}
