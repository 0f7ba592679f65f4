//! What the probe learnt of a SQL Server, as the report keeps it: each fact read, or the reason
//! it could not be (in words: "could not verify: permission …"), and the queries behind them.

use serde::{Deserialize, Serialize};

use super::queries::{ERROR_COLUMNS, Statement};

/// A fact, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact<T> {
    Value(T),
    Unknown(String),
}

impl<T> Fact<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Fact::Value(v) => Some(v),
            Fact::Unknown(_) => None,
        }
    }

    /// The value, or the words saying why there is none.
    ///
    /// # Errors
    /// The reason the fact could not be read.
    pub fn get(&self) -> Result<&T, &str> {
        match self {
            Fact::Value(v) => Ok(v),
            Fact::Unknown(why) => Err(why),
        }
    }
}

/// The instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// `13.0.5026.0`.
    pub product_version: String,
    pub major: u32,
    /// `RTM`, `SP2`.
    pub product_level: Option<String>,
    /// `CU18`.
    pub update_level: Option<String>,
    /// `Enterprise Edition (64-bit)`.
    pub edition: String,
    /// 2 Standard, 3 Enterprise/Developer/Evaluation, 4 Express, 5 Azure SQL Database, 8
    /// Managed Instance.
    pub engine_edition: Option<i64>,
    /// A failover cluster instance.
    pub clustered: Option<bool>,
    /// AlwaysOn availability groups enabled; `None` before SQL Server 2012.
    pub hadr_enabled: Option<bool>,
    pub server_name: Option<String>,
    /// Who the server says we are.
    pub login: Option<String>,
    /// `SQL`, `NTLM`, `KERBEROS`.
    pub auth_scheme: Option<String>,
    pub sysadmin: Option<bool>,
}

impl Instance {
    /// The release's name (`SQL Server 2016`), from the major version.
    pub fn release(&self) -> String {
        release_name(self.major, &self.product_version)
    }

    /// The year the checklist names releases by (`2016`), if known.
    pub fn year(&self) -> Option<&'static str> {
        release_year(self.major, &self.product_version)
    }
}

fn release_year(major: u32, version: &str) -> Option<&'static str> {
    Some(match major {
        8 => "2000",
        9 => "2005",
        10 if version.starts_with("10.5") => "2008 R2",
        10 => "2008",
        11 => "2012",
        12 => "2014",
        13 => "2016",
        14 => "2017",
        15 => "2019",
        16 => "2022",
        17 => "2025",
        _ => return None,
    })
}

fn release_name(major: u32, version: &str) -> String {
    match release_year(major, version) {
        Some(y) => format!("SQL Server {y}"),
        None => format!("SQL Server (version {version})"),
    }
}

/// One permission of the login, on the server (`database: None`) or in a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    pub database: Option<String>,
    pub permission: String,
    /// `None` when the server could not say (the database does not exist).
    pub granted: Option<bool>,
}

/// A database the checklist names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Database {
    pub name: String,
    /// `ONLINE`, …; `None` when there is no such database (or the login may not see it).
    pub state: Option<String>,
    pub recovery_model: Option<String>,
}

/// One replica of an availability group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replica {
    pub group: String,
    pub server: String,
    pub endpoint_url: Option<String>,
    /// `SYNCHRONOUS_COMMIT`, `ASYNCHRONOUS_COMMIT`, `CONFIGURATION_ONLY`.
    pub availability_mode: String,
    /// `AUTOMATIC`, `MANUAL`, `EXTERNAL`.
    pub failover_mode: String,
    /// `PRIMARY`, `SECONDARY`, `RESOLVING`; `None` when the replica's state is not known here.
    pub role: Option<String>,
    /// `HEALTHY`, `PARTIALLY_HEALTHY`, `NOT_HEALTHY`.
    pub health: Option<String>,
    pub connected: Option<String>,
}

/// One address of an availability group listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerAddress {
    pub group: String,
    pub dns_name: String,
    pub port: Option<i64>,
    pub ip: Option<String>,
    /// `10.1.2.0/24`.
    pub subnet: Option<String>,
    pub state: Option<String>,
}

/// One mirrored database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mirror {
    pub database: String,
    /// `PRINCIPAL`, `MIRROR`.
    pub role: Option<String>,
    /// `SYNCHRONIZED`, `SUSPENDED`, `DISCONNECTED`, …
    pub state: Option<String>,
    /// `FULL` (high safety), `OFF` (high performance).
    pub safety: Option<String>,
    /// `TCP://sql2.example.org:5022`.
    pub partner: Option<String>,
    pub partner_instance: Option<String>,
    pub witness: Option<String>,
    pub witness_state: Option<String>,
}

/// The newest backups of one user database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    pub database: String,
    /// `FULL`, `BULK_LOGGED`, `SIMPLE`.
    pub recovery_model: String,
    /// Its backups may be taken on another replica (whose msdb records them).
    pub in_availability_group: bool,
    /// The server's local time of the newest full backup, and its age in minutes.
    pub last_full: Option<String>,
    pub full_age_minutes: Option<i64>,
    pub last_log: Option<String>,
    pub log_age_minutes: Option<i64>,
}

/// What the server says before any login (its PRELOGIN answer to a client that does not ask
/// for encryption): its version, and whether it forces encryption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prelogin {
    /// `13.0.5026`.
    pub version: Option<String>,
    /// `SQL Server 2016`.
    pub product: Option<String>,
    /// `forced` (Force Encryption on), `offered` (TLS for those who ask; the login is always
    /// protected), `not_offered` (no certificate: nothing is encrypted, not even the login).
    pub encryption: String,
}

/// A statement the probe sent and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryRecord {
    pub tag: String,
    pub doc: String,
    pub sql: String,
    /// `3 rows`, or the error in words.
    pub outcome: String,
}

/// Everything the probe learnt of one server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SqlFacts {
    /// The server as written (`sql1:1433`, `SQLCLUSTER\SPOK`).
    pub server: String,
    /// The address connected to.
    pub address: Option<String>,
    /// The login used (never its password).
    pub user: Option<String>,
    /// Why the probe could not connect or log in; every fact then says so too.
    pub connection_error: Option<String>,
    /// The server's PRELOGIN answer, read on a connection of its own (also when the login
    /// fails).
    #[serde(default)]
    pub prelogin: Option<Prelogin>,
    /// Whether this connection's traffic is encrypted (`encrypt_option`).
    pub encrypted: Fact<bool>,
    pub instance: Fact<Instance>,
    pub permissions: Fact<Vec<Permission>>,
    pub databases: Fact<Vec<Database>>,
    pub replicas: Fact<Vec<Replica>>,
    pub listeners: Fact<Vec<ListenerAddress>>,
    pub mirroring: Fact<Vec<Mirror>>,
    pub backups: Fact<Vec<Backup>>,
    pub queries: Vec<QueryRecord>,
    /// SQL batches sent after the login (each one round trip).
    pub batches: u32,
    pub ms: u64,
}

impl SqlFacts {
    /// Facts for a server the probe could not reach or log in to.
    pub fn unreachable(server: &str, user: Option<&str>, why: &str) -> Self {
        let unknown = format!("could not verify: {why}");
        Self {
            server: server.to_owned(),
            address: None,
            user: user.map(str::to_owned),
            connection_error: Some(why.to_owned()),
            prelogin: None,
            encrypted: Fact::Unknown(unknown.clone()),
            instance: Fact::Unknown(unknown.clone()),
            permissions: Fact::Unknown(unknown.clone()),
            databases: Fact::Unknown(unknown.clone()),
            replicas: Fact::Unknown(unknown.clone()),
            listeners: Fact::Unknown(unknown.clone()),
            mirroring: Fact::Unknown(unknown.clone()),
            backups: Fact::Unknown(unknown.clone()),
            queries: Vec::new(),
            batches: 0,
            ms: 0,
        }
    }
}

/// A value of a result set, as the probe reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

/// A result set as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl ResultSet {
    fn has_columns(&self, names: &[&str]) -> bool {
        self.columns.len() == names.len()
            && self
                .columns
                .iter()
                .zip(names)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    }
}

/// One row, read by column name.
struct Row<'a> {
    set: &'a ResultSet,
    cells: &'a [Cell],
}

impl Row<'_> {
    fn cell(&self, name: &str) -> &Cell {
        self.set
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
            .and_then(|i| self.cells.get(i))
            .unwrap_or(&Cell::Null)
    }

    fn text(&self, name: &str) -> Option<String> {
        match self.cell(name) {
            Cell::Text(t) => Some(t.trim().to_owned()),
            Cell::Int(n) => Some(n.to_string()),
            Cell::Null => None,
        }
    }

    fn int(&self, name: &str) -> Option<i64> {
        match self.cell(name) {
            Cell::Int(n) => Some(*n),
            Cell::Text(t) => t.trim().parse().ok(),
            Cell::Null => None,
        }
    }

    fn flag(&self, name: &str) -> Option<bool> {
        self.int(name).map(|n| n != 0)
    }
}

/// What one statement answered: its result set, or its error (number and message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Rows(ResultSet),
    Error(i64, String),
    /// The batch ended before this statement answered (the error that ended it, in words).
    Missing(String),
}

/// Matches a batch's result sets to its statements: a data set by its columns, a CATCH set by
/// the tag it names. A later answer for the same statement replaces an earlier one (a
/// statement that failed half-way sends its partial rows, then its CATCH).
pub fn match_answers(
    statements: &[Statement],
    sets: Vec<ResultSet>,
    batch_error: Option<&str>,
) -> Vec<Answer> {
    let mut answers: Vec<Option<Answer>> = vec![None; statements.len()];
    for set in sets {
        if set.has_columns(&ERROR_COLUMNS) {
            for cells in &set.rows {
                let row = Row { set: &set, cells };
                let tag = row.text("preflight_tag").unwrap_or_default();
                if let Some(i) = statements.iter().position(|s| s.tag == tag) {
                    answers[i] = Some(Answer::Error(
                        row.int("preflight_error_number").unwrap_or_default(),
                        row.text("preflight_error_message").unwrap_or_default(),
                    ));
                }
            }
        } else if let Some(i) = statements.iter().position(|s| set.has_columns(s.columns)) {
            answers[i] = Some(Answer::Rows(set));
        }
    }
    let missing = batch_error.map_or_else(
        || "the server sent no answer for it".to_owned(),
        |e| format!("the batch was stopped: {e}"),
    );
    answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Answer::Missing(missing.clone())))
        .collect()
}

/// An error number and message in the words of the report.
pub fn error_words(number: i64, message: &str) -> String {
    let message = message.trim();
    match number {
        229 | 230 | 262 | 297 | 300 | 916 | 15247 => {
            format!("could not verify: permission (error {number}: {message})")
        }
        207 | 208 => format!(
            "could not verify: this SQL Server version lacks what the query reads (error {number}: {message})"
        ),
        1222 => format!(
            "could not verify: the read was blocked by another session (error {number}: {message})"
        ),
        _ => format!("could not verify: SQL Server error {number}: {message}"),
    }
}

/// One statement's answer as the rows it holds, or the words for why there are none.
fn rows_of(answer: &Answer) -> Result<&ResultSet, String> {
    match answer {
        Answer::Rows(set) => Ok(set),
        Answer::Error(n, m) => Err(error_words(*n, m)),
        Answer::Missing(why) => Err(format!("could not verify: {why}")),
    }
}

fn read_all<T>(answer: &Answer, each: impl Fn(&Row<'_>) -> Option<T>) -> Fact<Vec<T>> {
    match rows_of(answer) {
        Ok(set) => Fact::Value(
            set.rows
                .iter()
                .filter_map(|cells| each(&Row { set, cells }))
                .collect(),
        ),
        Err(why) => Fact::Unknown(why),
    }
}

/// The instance and whether the connection is encrypted, from the `server` statement.
pub fn instance(answer: &Answer) -> (Fact<Instance>, Fact<bool>) {
    let set = match rows_of(answer) {
        Ok(set) => set,
        Err(why) => return (Fact::Unknown(why.clone()), Fact::Unknown(why)),
    };
    let Some(cells) = set.rows.first() else {
        let why = "could not verify: the server returned no row for its properties".to_owned();
        return (Fact::Unknown(why.clone()), Fact::Unknown(why));
    };
    let row = Row { set, cells };
    let encrypted = match row.text("encrypt_option") {
        Some(t) => Fact::Value(t.eq_ignore_ascii_case("TRUE")),
        None => Fact::Unknown("could not verify: the server did not say".to_owned()),
    };
    let Some(product_version) = row.text("product_version") else {
        return (
            Fact::Unknown("could not verify: the server did not give its version".to_owned()),
            encrypted,
        );
    };
    let major = product_version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or_default();
    let instance = Instance {
        major,
        product_version,
        product_level: row.text("product_level"),
        update_level: row.text("product_update_level"),
        edition: row.text("edition").unwrap_or_default(),
        engine_edition: row.int("engine_edition"),
        clustered: row.flag("is_clustered"),
        hadr_enabled: row.flag("is_hadr_enabled"),
        server_name: row.text("server_name"),
        login: row.text("login_name"),
        auth_scheme: row.text("auth_scheme"),
        sysadmin: row.flag("is_sysadmin"),
    };
    (Fact::Value(instance), encrypted)
}

pub fn permissions(answer: &Answer) -> Fact<Vec<Permission>> {
    read_all(answer, |r| {
        Some(Permission {
            database: r.text("database_name"),
            permission: r.text("permission")?,
            granted: r.flag("granted"),
        })
    })
}

pub fn databases(answer: &Answer) -> Fact<Vec<Database>> {
    read_all(answer, |r| {
        Some(Database {
            name: r.text("database_name")?,
            state: r.text("state"),
            recovery_model: r.text("recovery_model"),
        })
    })
}

pub fn replicas(answer: &Answer) -> Fact<Vec<Replica>> {
    read_all(answer, |r| {
        Some(Replica {
            group: r.text("group_name")?,
            server: r.text("replica_server_name")?,
            endpoint_url: r.text("endpoint_url"),
            availability_mode: r.text("availability_mode").unwrap_or_default(),
            failover_mode: r.text("failover_mode").unwrap_or_default(),
            role: r.text("role"),
            health: r.text("synchronization_health"),
            connected: r.text("connected_state"),
        })
    })
}

pub fn listeners(answer: &Answer) -> Fact<Vec<ListenerAddress>> {
    read_all(answer, |r| {
        let subnet = match (r.text("subnet_ip"), r.int("subnet_prefix_length")) {
            (Some(ip), Some(len)) => Some(format!("{ip}/{len}")),
            (Some(ip), None) => Some(ip),
            _ => None,
        };
        Some(ListenerAddress {
            group: r.text("group_name")?,
            dns_name: r.text("dns_name")?,
            port: r.int("port"),
            ip: r.text("ip_address"),
            subnet,
            state: r.text("ip_state"),
        })
    })
}

pub fn mirroring(answer: &Answer) -> Fact<Vec<Mirror>> {
    read_all(answer, |r| {
        Some(Mirror {
            database: r.text("database_name")?,
            role: r.text("mirroring_role"),
            state: r.text("mirroring_state"),
            safety: r.text("safety_level"),
            partner: r.text("partner_name"),
            partner_instance: r.text("partner_instance"),
            witness: r.text("witness_name").filter(|w| !w.is_empty()),
            witness_state: r.text("witness_state"),
        })
    })
}

pub fn backups(answer: &Answer) -> Fact<Vec<Backup>> {
    read_all(answer, |r| {
        Some(Backup {
            database: r.text("database_name")?,
            recovery_model: r.text("recovery_model").unwrap_or_default(),
            in_availability_group: r.flag("in_availability_group").unwrap_or(false),
            last_full: r.text("last_full"),
            full_age_minutes: r.int("full_age_minutes"),
            last_log: r.text("last_log"),
            log_age_minutes: r.int("log_age_minutes"),
        })
    })
}

/// The record of a statement for the evidence.
pub fn record(statement: &Statement, answer: &Answer) -> QueryRecord {
    let outcome = match answer {
        Answer::Rows(set) => match set.rows.len() {
            1 => "1 row".to_owned(),
            n => format!("{n} rows"),
        },
        other => rows_of(other).err().unwrap_or_default(),
    };
    QueryRecord {
        tag: statement.tag.to_owned(),
        doc: statement.doc.to_owned(),
        sql: statement.sql.clone(),
        outcome,
    }
}

/// The statements the probe did not send, and why, as records.
pub fn skipped(statement: &Statement, why: &str) -> QueryRecord {
    QueryRecord {
        tag: statement.tag.to_owned(),
        doc: statement.doc.to_owned(),
        sql: statement.sql.clone(),
        outcome: format!("not sent: {why}"),
    }
}

/// Whether the instance can have availability groups at all.
///
/// # Errors
/// Why it cannot (too old, HADR off), or why that is not known.
pub fn availability_groups_readable(instance: &Fact<Instance>) -> Result<(), String> {
    match instance {
        Fact::Unknown(why) => Err(format!(
            "could not verify: the server's version was not read ({why})"
        )),
        Fact::Value(i) if i.major < 11 => Err(format!(
            "{} predates AlwaysOn availability groups (SQL Server 2012)",
            i.release()
        )),
        Fact::Value(i) if i.hadr_enabled == Some(false) => {
            Err("AlwaysOn availability groups are not enabled on this instance".to_owned())
        }
        Fact::Value(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::sql::queries;

    fn set(columns: &[&str], rows: Vec<Vec<Cell>>) -> ResultSet {
        ResultSet {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows,
        }
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    #[test]
    fn result_sets_find_their_statements_by_columns_and_catch_tags() {
        let statements = vec![
            queries::mirroring(),
            queries::replicas(),
            queries::backups(false),
        ];
        let sets = vec![
            set(
                queries::REPLICA_COLUMNS,
                vec![vec![
                    t("AG1"),
                    t("SQL1"),
                    t("TCP://sql1.example.org:5022"),
                    t("SYNCHRONOUS_COMMIT"),
                    t("AUTOMATIC"),
                    t("PRIMARY"),
                    t("HEALTHY"),
                    t("CONNECTED"),
                ]],
            ),
            set(
                &ERROR_COLUMNS,
                vec![vec![
                    t("backups"),
                    Cell::Int(229),
                    t(
                        "The SELECT permission was denied on the object 'backupset', database 'msdb', schema 'dbo'.",
                    ),
                ]],
            ),
        ];
        let answers = match_answers(&statements, sets, Some("error 1222"));
        assert!(matches!(&answers[0], Answer::Missing(w) if w.contains("1222")));
        let replicas = replicas(&answers[1]);
        assert_eq!(replicas.value().map(Vec::len), Some(1));
        let backups = backups(&answers[2]);
        assert!(
            matches!(&backups, Fact::Unknown(w) if w.starts_with("could not verify: permission") && w.contains("backupset")),
            "{backups:?}"
        );
    }

    #[test]
    fn the_instance_is_read_with_its_release() {
        let row = vec![
            t("13.0.5026.0"),
            t("SP2"),
            Cell::Null,
            t("Enterprise Edition (64-bit)"),
            Cell::Int(3),
            Cell::Int(0),
            Cell::Int(1),
            t("SQL1"),
            t("spok"),
            t("SQL"),
            t("TRUE"),
            Cell::Int(1),
        ];
        let (instance, encrypted) =
            instance(&Answer::Rows(set(queries::SERVER_COLUMNS, vec![row])));
        let i = instance.value().expect("read");
        assert_eq!((i.major, i.release().as_str()), (13, "SQL Server 2016"));
        assert_eq!(i.hadr_enabled, Some(true));
        assert_eq!(encrypted, Fact::Value(true));
        assert_eq!(release_year(10, "10.50.6000.34"), Some("2008 R2"));
    }
}
