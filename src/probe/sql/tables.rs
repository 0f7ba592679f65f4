//! The facts as a person reads them, decided once for `preflight sql`, the TUI's probes view
//! and the report: a few lines on the instance, then a table each for the availability group
//! replicas, the listener, mirroring and backups, with the rows the guide would not accept
//! marked.

use serde::Serialize;

use super::checks;
use super::facts::{Fact, SqlFacts};

/// One table of facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub title: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Row>,
    /// Why the table could not be read; `rows` is then empty.
    pub unknown: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub cells: Vec<String>,
    /// Something on this row is not as the guide asks.
    pub bad: bool,
}

fn cell(s: Option<&str>) -> String {
    s.unwrap_or("—").to_owned()
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

/// The instance as `(label, value)` lines; a single line saying why when nothing was read.
pub fn overview(f: &SqlFacts) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(p) = &f.prelogin {
        out.push((
            "Before login",
            format!(
                "{} {}, encryption {}",
                p.product.as_deref().unwrap_or("SQL Server"),
                p.version.as_deref().unwrap_or("(no version given)"),
                p.encryption.replace('_', " ")
            ),
        ));
    }
    if let Some(e) = &f.connection_error {
        out.push(("Could not connect", e.clone()));
        return out;
    }
    match &f.instance {
        Fact::Value(i) => {
            out.push((
                "Server",
                format!(
                    "{} {} ({}{}{})",
                    i.release(),
                    i.edition,
                    i.product_version,
                    i.product_level
                        .as_deref()
                        .map(|l| format!(" {l}"))
                        .unwrap_or_default(),
                    i.update_level
                        .as_deref()
                        .map(|u| format!(" {u}"))
                        .unwrap_or_default()
                ),
            ));
            out.push((
                "AlwaysOn",
                match i.hadr_enabled {
                    Some(true) => "enabled",
                    Some(false) => "not enabled",
                    None => "not available in this version",
                }
                .to_owned(),
            ));
            out.push(("Failover cluster instance", yes_no(i.clustered).to_owned()));
            out.push((
                "Login",
                format!(
                    "{} ({}), sysadmin {}",
                    i.login.as_deref().or(f.user.as_deref()).unwrap_or("?"),
                    i.auth_scheme.as_deref().unwrap_or("?"),
                    yes_no(i.sysadmin)
                ),
            ));
        }
        Fact::Unknown(why) => out.push(("Server", why.clone())),
    }
    if let Fact::Value(e) = &f.encrypted {
        out.push(("Connection encrypted", yes_no(Some(*e)).to_owned()));
    }
    out
}

fn table<T>(
    title: &'static str,
    columns: &'static [&'static str],
    fact: &Fact<Vec<T>>,
    row: impl Fn(&T) -> Row,
) -> Table {
    match fact {
        Fact::Value(v) => Table {
            title,
            columns,
            rows: v.iter().map(row).collect(),
            unknown: None,
        },
        Fact::Unknown(why) => Table {
            title,
            columns,
            rows: Vec::new(),
            unknown: Some(why.clone()),
        },
    }
}

fn age(minutes: Option<i64>) -> String {
    minutes.map_or_else(|| "never".to_owned(), |m| format!("{} ago", checks::age(m)))
}

/// The tables, in the order the report shows them. Which permissions matter is the
/// checklist's rules' to say, so no permission row is marked.
pub fn tables(f: &SqlFacts) -> Vec<Table> {
    if f.connection_error.is_some() {
        return Vec::new();
    }
    let mut out = vec![
        table(
            "Availability group replicas",
            &[
                "Group", "Replica", "Role", "Commit", "Failover", "Health", "Endpoint",
            ],
            &f.replicas,
            |r| Row {
                bad: r.availability_mode == "ASYNCHRONOUS_COMMIT"
                    || r.failover_mode == "MANUAL"
                    || r.health.as_deref().is_some_and(|h| h != "HEALTHY"),
                cells: vec![
                    r.group.clone(),
                    r.server.clone(),
                    cell(r.role.as_deref()),
                    r.availability_mode.clone(),
                    r.failover_mode.clone(),
                    cell(r.health.as_deref()),
                    cell(r.endpoint_url.as_deref()),
                ],
            },
        ),
        table(
            "Availability group listener",
            &["Group", "Listener", "Port", "Address", "Subnet", "State"],
            &f.listeners,
            |l| Row {
                bad: false,
                cells: vec![
                    l.group.clone(),
                    l.dns_name.clone(),
                    l.port.map_or_else(|| "—".to_owned(), |p| p.to_string()),
                    cell(l.ip.as_deref()),
                    cell(l.subnet.as_deref()),
                    cell(l.state.as_deref()),
                ],
            },
        ),
        table(
            "Database mirroring",
            &["Database", "Role", "State", "Safety", "Partner", "Witness"],
            &f.mirroring,
            |m| Row {
                bad: m.witness.is_none() || m.safety.as_deref() == Some("OFF"),
                cells: vec![
                    m.database.clone(),
                    cell(m.role.as_deref()),
                    cell(m.state.as_deref()),
                    cell(m.safety.as_deref()),
                    cell(m.partner.as_deref()),
                    m.witness.clone().unwrap_or_else(|| "none".to_owned()),
                ],
            },
        ),
        table(
            "Backups (user databases)",
            &["Database", "Recovery", "Last full", "Last log"],
            &f.backups,
            |b| Row {
                // The guide: daily full and hourly log backups.
                bad: b.full_age_minutes.is_none_or(|m| m > 24 * 60)
                    || (b.recovery_model != "SIMPLE" && b.log_age_minutes.is_none_or(|m| m > 60)),
                cells: vec![
                    b.database.clone(),
                    b.recovery_model.clone(),
                    age(b.full_age_minutes),
                    if b.recovery_model == "SIMPLE" {
                        "— (simple recovery)".to_owned()
                    } else {
                        age(b.log_age_minutes)
                    },
                ],
            },
        ),
    ];
    out.extend(rights(f));
    out
}

/// What the login may do, and the databases the checklist names.
fn rights(f: &SqlFacts) -> [Table; 2] {
    [
        table(
            "Permissions of the login",
            &["Where", "Permission", "Held"],
            &f.permissions,
            |p| Row {
                bad: false,
                cells: vec![
                    p.database.clone().unwrap_or_else(|| "server".to_owned()),
                    p.permission.clone(),
                    yes_no(p.granted).to_owned(),
                ],
            },
        ),
        table(
            "Databases the checklist names",
            &["Database", "State", "Recovery"],
            &f.databases,
            |d| Row {
                bad: d.state.is_none(),
                cells: vec![
                    d.name.clone(),
                    d.state
                        .clone()
                        .unwrap_or_else(|| "does not exist".to_owned()),
                    cell(d.recovery_model.as_deref()),
                ],
            },
        ),
    ]
}
