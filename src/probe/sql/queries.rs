//! The SQL the probe sends, in two batches after the login.
//!
//! Every statement is read-only and bounded (catalog views, DMVs, msdb's backup history), and
//! every one is guarded by TRY/CATCH so that one it may not run (a DMV without VIEW SERVER
//! STATE, msdb without SELECT) answers with its error number instead of stopping the batch.
//! Each statement starts with a `-- preflight:<tag>` line so a DBA watching a trace sees whose
//! query it is, and so each result set is matched back to its statement by its column names
//! (the catch block names its tag), whatever the order the server sends them in.
//!
//! Results are cast to `nvarchar` and `int` on the server: `SERVERPROPERTY` returns
//! `sql_variant`, which the client cannot read, and fixed types keep the reading simple.
//! Ages are computed by the server (`DATEDIFF` against its own `GETDATE()`, the clock msdb's
//! local times were written by), so the probe's clock and time zone do not matter.

use std::fmt::Write as _;

/// A statement of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub tag: &'static str,
    /// Where the views it reads are documented.
    pub doc: &'static str,
    pub sql: String,
    /// The columns of its result set, in order: how its rows are told from the others'.
    pub columns: &'static [&'static str],
}

/// The columns of the CATCH block's result set.
pub const ERROR_COLUMNS: [&str; 3] = [
    "preflight_tag",
    "preflight_error_number",
    "preflight_error_message",
];

/// A batch's text: each statement under its tag, guarded.
pub fn batch_text(statements: &[Statement]) -> String {
    let mut out = String::new();
    for (i, s) in statements.iter().enumerate() {
        let _ = writeln!(out, "-- preflight:{}", s.tag);
        if i == 0 {
            // A blocked read of msdb or a catalog fails after five seconds instead of holding
            // the batch (and the probe) until its timeout.
            out.push_str("SET LOCK_TIMEOUT 5000;\n");
        }
        let _ = write!(
            out,
            "BEGIN TRY\n{sql}\nEND TRY\nBEGIN CATCH\nSELECT N'{tag}' AS preflight_tag, \
             ERROR_NUMBER() AS preflight_error_number, \
             ERROR_MESSAGE() AS preflight_error_message;\nEND CATCH;\n",
            sql = s.sql.trim_end(),
            tag = s.tag,
        );
    }
    out
}

/// `text` as an N'' literal: quotes doubled, so no name can end the literal.
pub fn literal(text: &str) -> String {
    format!("N'{}'", text.replace('\'', "''").replace('\0', ""))
}

/// Whether `p` reads as a permission name (`CREATE ANY DATABASE`, `SELECT`): it is written
/// into the SQL, so nothing else is let through.
pub fn is_permission_name(p: &str) -> bool {
    !p.trim().is_empty() && p.chars().all(|c| c.is_ascii_alphabetic() || c == ' ')
}

pub const SERVER_COLUMNS: &[&str] = &[
    "product_version",
    "product_level",
    "product_update_level",
    "edition",
    "engine_edition",
    "is_clustered",
    "is_hadr_enabled",
    "server_name",
    "login_name",
    "auth_scheme",
    "encrypt_option",
    "is_sysadmin",
];

/// The instance: version, edition, clustering, HADR, who we are and whether this connection is
/// encrypted. None of these functions needs a permission.
pub fn server() -> Statement {
    Statement {
        tag: "server",
        doc: "SERVERPROPERTY: https://learn.microsoft.com/sql/t-sql/functions/serverproperty-transact-sql; \
              CONNECTIONPROPERTY: https://learn.microsoft.com/sql/t-sql/functions/connectionproperty-transact-sql; \
              IS_SRVROLEMEMBER: https://learn.microsoft.com/sql/t-sql/functions/is-srvrolemember-transact-sql",
        sql: "SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS product_version,
       CAST(SERVERPROPERTY('ProductLevel') AS nvarchar(128)) AS product_level,
       CAST(SERVERPROPERTY('ProductUpdateLevel') AS nvarchar(128)) AS product_update_level,
       CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition,
       CAST(SERVERPROPERTY('EngineEdition') AS int) AS engine_edition,
       CAST(SERVERPROPERTY('IsClustered') AS int) AS is_clustered,
       CAST(SERVERPROPERTY('IsHadrEnabled') AS int) AS is_hadr_enabled,
       CAST(SERVERPROPERTY('ServerName') AS nvarchar(256)) AS server_name,
       CAST(SUSER_SNAME() AS nvarchar(256)) AS login_name,
       CAST(CONNECTIONPROPERTY('auth_scheme') AS nvarchar(40)) AS auth_scheme,
       CAST(CONNECTIONPROPERTY('encrypt_option') AS nvarchar(10)) AS encrypt_option,
       CAST(IS_SRVROLEMEMBER('sysadmin') AS int) AS is_sysadmin;"
            .to_owned(),
        columns: SERVER_COLUMNS,
    }
}

pub const PERMISSION_COLUMNS: &[&str] = &["database_name", "permission", "granted"];

/// The login's effective permissions: `(None, p)` on the server, `(Some(db), p)` in a
/// database. `HAS_PERMS_BY_NAME` answers 1, 0, or NULL when the database does not exist.
pub fn permissions(wanted: &[(Option<String>, String)]) -> Option<Statement> {
    let rows: Vec<String> = wanted
        .iter()
        .filter(|(_, p)| is_permission_name(p))
        .map(|(db, p)| {
            let perm = literal(p);
            let (db, granted) = match db {
                None => (
                    "NULL".to_owned(),
                    format!("HAS_PERMS_BY_NAME(NULL, NULL, {perm})"),
                ),
                Some(db) => {
                    let db = literal(db);
                    let granted = format!("HAS_PERMS_BY_NAME({db}, N'DATABASE', {perm})");
                    (db, granted)
                }
            };
            format!(
                "SELECT CAST({db} AS nvarchar(128)) AS database_name, \
                 CAST({perm} AS nvarchar(128)) AS permission, CAST({granted} AS int) AS granted"
            )
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(Statement {
        tag: "permissions",
        doc: "HAS_PERMS_BY_NAME: https://learn.microsoft.com/sql/t-sql/functions/has-perms-by-name-transact-sql",
        sql: format!("{};", rows.join("\nUNION ALL ")),
        columns: PERMISSION_COLUMNS,
    })
}

pub const DATABASE_COLUMNS: &[&str] = &["database_name", "state", "recovery_model"];

/// Whether the named databases exist, their state and recovery model.
pub fn databases(names: &[String]) -> Option<Statement> {
    if names.is_empty() {
        return None;
    }
    let values: Vec<String> = names.iter().map(|n| format!("({})", literal(n))).collect();
    Some(Statement {
        tag: "databases",
        doc: "sys.databases: https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-databases-transact-sql",
        sql: format!(
            "SELECT CAST(v.name AS nvarchar(128)) AS database_name, CAST(d.state_desc AS nvarchar(60)) AS state, \
             CAST(d.recovery_model_desc AS nvarchar(60)) AS recovery_model\n\
             FROM (VALUES {}) AS v(name) LEFT JOIN sys.databases AS d ON d.name = v.name;",
            values.join(", ")
        ),
        columns: DATABASE_COLUMNS,
    })
}

pub const REPLICA_COLUMNS: &[&str] = &[
    "group_name",
    "replica_server_name",
    "endpoint_url",
    "availability_mode",
    "failover_mode",
    "role",
    "synchronization_health",
    "connected_state",
];

/// Every replica of every availability group, with its live state from the DMV (which needs
/// VIEW SERVER STATE). SQL Server 2012 and later.
pub fn replicas() -> Statement {
    Statement {
        tag: "ag_replicas",
        doc: "sys.availability_groups: https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-availability-groups-transact-sql; \
              sys.availability_replicas: https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-availability-replicas-transact-sql; \
              sys.dm_hadr_availability_replica_states: https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-hadr-availability-replica-states-transact-sql",
        sql: "SELECT CAST(ag.name AS nvarchar(128)) AS group_name,
       CAST(ar.replica_server_name AS nvarchar(256)) AS replica_server_name,
       CAST(ar.endpoint_url AS nvarchar(256)) AS endpoint_url,
       CAST(ar.availability_mode_desc AS nvarchar(60)) AS availability_mode,
       CAST(ar.failover_mode_desc AS nvarchar(60)) AS failover_mode,
       CAST(rs.role_desc AS nvarchar(60)) AS role,
       CAST(rs.synchronization_health_desc AS nvarchar(60)) AS synchronization_health,
       CAST(rs.connected_state_desc AS nvarchar(60)) AS connected_state
FROM sys.availability_groups AS ag
JOIN sys.availability_replicas AS ar ON ar.group_id = ag.group_id
LEFT JOIN sys.dm_hadr_availability_replica_states AS rs ON rs.replica_id = ar.replica_id
ORDER BY ag.name, ar.replica_server_name;"
            .to_owned(),
        columns: REPLICA_COLUMNS,
    }
}

pub const LISTENER_COLUMNS: &[&str] = &[
    "group_name",
    "dns_name",
    "port",
    "ip_address",
    "subnet_ip",
    "subnet_prefix_length",
    "ip_state",
];

/// Each availability group listener and its addresses, with the subnet of each. SQL Server
/// 2012 and later.
pub fn listeners() -> Statement {
    Statement {
        tag: "ag_listeners",
        doc: "sys.availability_group_listeners: https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-availability-group-listeners-transact-sql; \
              sys.availability_group_listener_ip_addresses: https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-availability-group-listener-ip-addresses-transact-sql",
        sql: "SELECT CAST(ag.name AS nvarchar(128)) AS group_name,
       CAST(l.dns_name AS nvarchar(128)) AS dns_name,
       CAST(l.port AS int) AS port,
       CAST(ip.ip_address AS nvarchar(48)) AS ip_address,
       CAST(ip.network_subnet_ip AS nvarchar(48)) AS subnet_ip,
       CAST(ip.network_subnet_prefix_length AS int) AS subnet_prefix_length,
       CAST(ip.state_desc AS nvarchar(60)) AS ip_state
FROM sys.availability_group_listeners AS l
JOIN sys.availability_groups AS ag ON ag.group_id = l.group_id
LEFT JOIN sys.availability_group_listener_ip_addresses AS ip ON ip.listener_id = l.listener_id
ORDER BY ag.name, l.dns_name, ip.ip_address;"
            .to_owned(),
        columns: LISTENER_COLUMNS,
    }
}

pub const MIRRORING_COLUMNS: &[&str] = &[
    "database_name",
    "mirroring_role",
    "mirroring_state",
    "safety_level",
    "partner_name",
    "partner_instance",
    "witness_name",
    "witness_state",
];

/// Every mirrored database, its role, state, safety, partner and witness.
pub fn mirroring() -> Statement {
    Statement {
        tag: "mirroring",
        doc: "sys.database_mirroring: https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-database-mirroring-transact-sql",
        sql: "SELECT CAST(DB_NAME(m.database_id) AS nvarchar(128)) AS database_name,
       CAST(m.mirroring_role_desc AS nvarchar(60)) AS mirroring_role,
       CAST(m.mirroring_state_desc AS nvarchar(60)) AS mirroring_state,
       CAST(m.mirroring_safety_level_desc AS nvarchar(60)) AS safety_level,
       CAST(m.mirroring_partner_name AS nvarchar(256)) AS partner_name,
       CAST(m.mirroring_partner_instance AS nvarchar(256)) AS partner_instance,
       CAST(NULLIF(m.mirroring_witness_name, N'') AS nvarchar(256)) AS witness_name,
       CAST(m.mirroring_witness_state_desc AS nvarchar(60)) AS witness_state
FROM sys.database_mirroring AS m
WHERE m.mirroring_guid IS NOT NULL
ORDER BY database_name;"
            .to_owned(),
        columns: MIRRORING_COLUMNS,
    }
}

pub const BACKUP_COLUMNS: &[&str] = &[
    "database_name",
    "recovery_model",
    "in_availability_group",
    "last_full",
    "full_age_minutes",
    "last_log",
    "log_age_minutes",
];

/// The newest full and log backup of each online user database, from msdb's history (which
/// needs SELECT on msdb). `availability_groups` adds whether the database is in one (its
/// backups may be taken on another replica, whose msdb records them), 2012 and later.
pub fn backups(availability_groups: bool) -> Statement {
    let in_ag = if availability_groups {
        "CASE WHEN MAX(CASE WHEN d.replica_id IS NULL THEN 0 ELSE 1 END) = 1 THEN 1 ELSE 0 END"
    } else {
        "0"
    };
    Statement {
        tag: "backups",
        doc: "msdb.dbo.backupset: https://learn.microsoft.com/sql/relational-databases/system-tables/backupset-transact-sql; \
              sys.databases: https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-databases-transact-sql",
        sql: format!(
            "SELECT CAST(d.name AS nvarchar(128)) AS database_name,
       CAST(d.recovery_model_desc AS nvarchar(60)) AS recovery_model,
       CAST({in_ag} AS int) AS in_availability_group,
       CONVERT(nvarchar(30), MAX(CASE WHEN b.type = 'D' THEN b.backup_finish_date END), 126) AS last_full,
       CAST(DATEDIFF(MINUTE, MAX(CASE WHEN b.type = 'D' THEN b.backup_finish_date END), GETDATE()) AS int) AS full_age_minutes,
       CONVERT(nvarchar(30), MAX(CASE WHEN b.type = 'L' THEN b.backup_finish_date END), 126) AS last_log,
       CAST(DATEDIFF(MINUTE, MAX(CASE WHEN b.type = 'L' THEN b.backup_finish_date END), GETDATE()) AS int) AS log_age_minutes
FROM sys.databases AS d
LEFT JOIN msdb.dbo.backupset AS b ON b.database_name = d.name AND b.type IN ('D', 'L')
WHERE d.database_id > 4 AND d.state_desc = N'ONLINE' AND d.source_database_id IS NULL
GROUP BY d.name, d.recovery_model_desc
ORDER BY d.name;"
        ),
        columns: BACKUP_COLUMNS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_their_literal() {
        assert_eq!(literal("O'Brien"), "N'O''Brien'");
        assert_eq!(
            literal("x'; DROP DATABASE y; --"),
            "N'x''; DROP DATABASE y; --'"
        );
        assert!(is_permission_name("CREATE ANY DATABASE"));
        assert!(!is_permission_name("SELECT'); --"));
        assert!(!is_permission_name(""));
    }

    #[test]
    fn every_statement_is_tagged_guarded_and_read_only() {
        let wanted = vec![
            (None, "CREATE ANY DATABASE".to_owned()),
            (Some("Spok".to_owned()), "SELECT".to_owned()),
            (None, "x'; --".to_owned()),
        ];
        let statements: Vec<Statement> = [
            Some(server()),
            permissions(&wanted),
            databases(&["Spok".to_owned()]),
            Some(replicas()),
            Some(listeners()),
            Some(mirroring()),
            Some(backups(true)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let text = batch_text(&statements);
        for s in &statements {
            assert!(text.contains(&format!("-- preflight:{}\n", s.tag)));
            for c in s.columns {
                assert!(s.sql.contains(&format!("AS {c}")), "{} lacks {c}", s.tag);
            }
        }
        assert_eq!(text.matches("BEGIN TRY").count(), statements.len());
        assert_eq!(text.matches("SET LOCK_TIMEOUT").count(), 1);
        assert!(
            !text.contains("x'; --"),
            "a bad permission name is left out"
        );
        let upper = text.to_uppercase();
        for verb in ["INSERT ", "UPDATE ", "DELETE ", "DROP ", "ALTER ", "EXEC"] {
            assert!(!upper.contains(verb), "{verb}");
        }
    }
}
