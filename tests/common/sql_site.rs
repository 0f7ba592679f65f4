//! A SQL Server as the probe meets it on a Spok site, scripted for the TDS test server: the
//! answers to each of the probe's statements, built from the probe's own column lists so the
//! scenarios cannot drift from the queries. Shared by the SQL tests and the SQL bench.

use preflight::probe::sql::queries;

use super::tds_server::{Answer, ColType, Column, Scenario, Value};

pub const PASSWORD: &str = "Secret-1";
pub const DB: &str = "AmcomAmcPremiseCore";

/// An answer whose column types follow its first non-null values (text otherwise).
pub fn table(columns: &[&str], rows: Vec<Vec<Value>>) -> Answer {
    let cols = columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let int = rows
                .iter()
                .find_map(|r| match &r[i] {
                    Value::Null => None,
                    v => Some(matches!(v, Value::Int(_))),
                })
                .unwrap_or(false);
            Column::new(name, if int { ColType::Int } else { ColType::NVarChar })
        })
        .collect();
    Answer::rows(cols, rows)
}

pub fn t(s: &str) -> Value {
    Value::from(s)
}

pub fn n(i: i64) -> Value {
    Value::Int(i)
}

pub fn server_row(
    version: &str,
    edition: &str,
    engine: i64,
    hadr: Value,
    sysadmin: bool,
) -> Answer {
    table(
        queries::SERVER_COLUMNS,
        vec![vec![
            t(version),
            t("SP2"),
            t("CU17"),
            t(edition),
            n(engine),
            n(0),
            hadr,
            t("SQL1"),
            t("probe"),
            t("SQL"),
            t("TRUE"),
            n(i64::from(sysadmin)),
        ]],
    )
}

pub fn permissions(granted: bool) -> Answer {
    let mut rows: Vec<Vec<Value>> = [
        "ALTER ANY DATABASE",
        "ALTER ANY LOGIN",
        "CREATE ANY DATABASE",
        "VIEW ANY DEFINITION",
        "VIEW SERVER STATE",
    ]
    .iter()
    .map(|p| vec![Value::Null, t(p), n(i64::from(granted))])
    .collect();
    for p in ["CONTROL", "DELETE", "EXECUTE", "INSERT", "SELECT", "UPDATE"] {
        rows.push(vec![t(DB), t(p), n(1)]);
    }
    table(queries::PERMISSION_COLUMNS, rows)
}

pub fn replica(server: &str, mode: &str, failover: &str, role: &str) -> Vec<Value> {
    vec![
        t("SPOKAG"),
        t(server),
        t(&format!("TCP://{}.example.org:5022", server.to_lowercase())),
        t(mode),
        t(failover),
        t(role),
        t("HEALTHY"),
        t("CONNECTED"),
    ]
}

pub fn listener(ip: &str, subnet: &str) -> Vec<Value> {
    vec![
        t("SPOKAG"),
        t("spokag"),
        n(1433),
        t(ip),
        t(subnet),
        n(24),
        t("ONLINE"),
    ]
}

pub fn backup(db: &str, full_minutes: Option<i64>, log_minutes: Option<i64>) -> Vec<Value> {
    let when = |m: Option<i64>| m.map_or(Value::Null, |_| t("2026-11-22T08:00:00"));
    vec![
        t(db),
        t("FULL"),
        n(0),
        when(full_minutes),
        full_minutes.map_or(Value::Null, n),
        when(log_minutes),
        log_minutes.map_or(Value::Null, n),
    ]
}

/// Enterprise 2016 with a healthy synchronous, automatic availability group on two subnets,
/// a sysadmin login, fresh backups and no mirroring.
pub fn healthy() -> Scenario {
    Scenario::new()
        .with_answer(
            "server",
            server_row("13.0.5026.0", "Enterprise Edition (64-bit)", 3, n(1), true),
        )
        .with_answer("permissions", permissions(true))
        .with_answer(
            "databases",
            table(
                queries::DATABASE_COLUMNS,
                vec![vec![t(DB), t("ONLINE"), t("FULL")]],
            ),
        )
        .with_answer(
            "ag_replicas",
            table(
                queries::REPLICA_COLUMNS,
                vec![
                    replica("SQL1", "SYNCHRONOUS_COMMIT", "AUTOMATIC", "PRIMARY"),
                    replica("SQL2", "SYNCHRONOUS_COMMIT", "AUTOMATIC", "SECONDARY"),
                ],
            ),
        )
        .with_answer(
            "ag_listeners",
            table(
                queries::LISTENER_COLUMNS,
                vec![
                    listener("10.1.0.50", "10.1.0.0"),
                    listener("10.2.0.50", "10.2.0.0"),
                ],
            ),
        )
        .with_answer("mirroring", table(queries::MIRRORING_COLUMNS, Vec::new()))
        .with_answer(
            "backups",
            table(
                queries::BACKUP_COLUMNS,
                vec![backup(DB, Some(600), Some(25))],
            ),
        )
}

/// The healthy site with its availability group's replicas replaced by `rows` (see
/// [`replica`]).
pub fn with_replicas(rows: Vec<Vec<Value>>) -> Scenario {
    healthy().with_answer("ag_replicas", table(queries::REPLICA_COLUMNS, rows))
}
