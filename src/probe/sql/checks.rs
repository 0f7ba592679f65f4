//! The checklist's SQL checks judged from the facts, and the findings any SQL Server gets.
//!
//! A fact that could not be read never passes: the check it decides comes back as an error
//! ("could not verify: …"), so a login without VIEW SERVER STATE cannot make an asynchronous
//! availability group look healthy.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::facts::{Backup, Fact, Instance, Mirror, Replica, SqlFacts};
use crate::probe::Verdict;
use crate::rules::{BackupKind, SqlCheck};

/// Server permissions read whatever the checklist asks: the guide's installation rights, and
/// those that decide whether the other facts could be seen.
pub const SERVER_PERMISSIONS: [&str; 5] = [
    "CREATE ANY DATABASE",
    "ALTER ANY DATABASE",
    "ALTER ANY LOGIN",
    "VIEW SERVER STATE",
    "VIEW ANY DEFINITION",
];

/// The permissions and databases to read for a set of checks and the product database, if the
/// site names one: what `Options` needs.
pub fn wanted<'a>(
    checks: impl IntoIterator<Item = &'a SqlCheck>,
    database: Option<&str>,
) -> (Vec<(Option<String>, String)>, Vec<String>) {
    let mut perms: BTreeSet<(Option<String>, String)> = SERVER_PERMISSIONS
        .iter()
        .map(|p| (None, (*p).to_owned()))
        .collect();
    let mut dbs: BTreeSet<String> = BTreeSet::new();
    if let Some(db) = database {
        // db_owner, or what it amounts to.
        perms.insert((Some(db.to_owned()), "CONTROL".to_owned()));
        dbs.insert(db.to_owned());
    }
    for check in checks {
        let SqlCheck::LoginPermissions {
            permissions,
            database,
        } = check
        else {
            continue;
        };
        if let Some(d) = database {
            dbs.insert(d.clone());
        }
        for p in permissions {
            perms.insert((database.clone(), p.trim().to_ascii_uppercase()));
        }
    }
    (perms.into_iter().collect(), dbs.into_iter().collect())
}

/// Judges one checklist SQL check on a server's facts. A fact that could not be read is
/// "could not tell" ([`Verdict::Error`]) with the reason, never a pass.
pub fn evaluate(check: &SqlCheck, f: &SqlFacts) -> (Verdict, String) {
    let instance = || f.instance.get().map_err(str::to_owned);
    let judged: Result<(Verdict, String), String> = match check {
        SqlCheck::Version { supported } => instance().map(|i| version(i, &strs(supported))),
        SqlCheck::Edition { required } => instance().map(|i| edition(i, &strs(required))),
        SqlCheck::HadrEnabled => instance().map(hadr),
        SqlCheck::LoginSysadmin => instance().map(sysadmin),
        SqlCheck::ClusterSupported => instance().map(cluster),
        SqlCheck::AgExists => groups_exist(f),
        SqlCheck::AgSynchronousCommit | SqlCheck::AgAutomaticFailover => replicas_check(check, f),
        SqlCheck::AgListenerSubnets { min } => subnets(f, *min),
        SqlCheck::MirroringFqdn => f
            .mirroring
            .get()
            .map(|m| mirroring(m))
            .map_err(str::to_owned),
        SqlCheck::LoginPermissions {
            permissions,
            database,
        } => permissions_check(f, &strs(permissions), database.as_deref()),
        SqlCheck::BackupAge {
            backup,
            max_age_hours,
        } => f
            .backups
            .get()
            .map(|b| backups(b, *backup, *max_age_hours))
            .map_err(str::to_owned),
    };
    let at = &f.server;
    match judged {
        Ok((v, words)) => (v, format!("{at}: {words}")),
        Err(why) if why.starts_with("could not") => (Verdict::Error, format!("{at}: {why}")),
        Err(why) => (Verdict::Error, format!("{at}: could not tell: {why}")),
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Whether the instance has an availability group at all (the guide: "Availability Groups
/// must be used"); what a login cannot see is not an absence.
fn groups_exist(f: &SqlFacts) -> Result<(Verdict, String), String> {
    let replicas = f.replicas.get().map_err(str::to_owned)?;
    if replicas.is_empty() {
        if !sees_everything(f) {
            return Err(
                "could not verify: permission (the login sees no availability group; without \
                 VIEW ANY DEFINITION it sees only those it has rights on)"
                    .to_owned(),
            );
        }
        return Ok((Verdict::Fail, no_group_words(f)));
    }
    let groups: BTreeSet<&str> = replicas.iter().map(|r| r.group.as_str()).collect();
    Ok((
        Verdict::Pass,
        format!(
            "availability group{} {} with {} replica{}",
            if groups.len() == 1 { "" } else { "s" },
            groups.into_iter().collect::<Vec<_>>().join(", "),
            replicas.len(),
            if replicas.len() == 1 { "" } else { "s" }
        ),
    ))
}

fn version(i: &Instance, supported: &[&str]) -> (Verdict, String) {
    let release = i.release();
    let full = format!(
        "{release} ({}{})",
        i.product_version,
        i.product_level
            .as_deref()
            .map(|l| format!(" {l}"))
            .unwrap_or_default()
    );
    let year = i.year().unwrap_or_default();
    let names = supported.join(" or ");
    if supported.contains(&year) {
        return (Verdict::Pass, format!("{full} is a supported version"));
    }
    let newest: Option<u32> = supported
        .iter()
        .filter_map(|s| s.get(..4).and_then(|y| y.parse().ok()))
        .max();
    let this: Option<u32> = year.get(..4).and_then(|y| y.parse().ok());
    match (this, newest) {
        (Some(t), Some(n)) if t > n => (
            Verdict::Warn,
            format!(
                "{full} is newer than the guide's SQL Server {names}: confirm with the vendor \
                 that it is supported"
            ),
        ),
        _ => (
            Verdict::Fail,
            format!("{full} is not supported: the guide asks for SQL Server {names}"),
        ),
    }
}

fn edition(i: &Instance, required: &[&str]) -> (Verdict, String) {
    let e = i.edition.to_ascii_lowercase();
    if required.iter().any(|r| e.contains(&r.to_ascii_lowercase())) {
        return (Verdict::Pass, format!("{} is {}", i.release(), i.edition));
    }
    let wanted = required.join(" or ");
    let extra = if e.contains("developer") || e.contains("evaluation") {
        ": it has Enterprise's features but is not licensed for production"
    } else if e.contains("express") {
        ": Express has no availability groups, mirroring partner role or SQL Agent backups"
    } else {
        ""
    };
    (
        Verdict::Fail,
        format!("{} is {}, not {wanted}{extra}", i.release(), i.edition),
    )
}

fn hadr(i: &Instance) -> (Verdict, String) {
    match i.hadr_enabled {
        Some(true) => (
            Verdict::Pass,
            "AlwaysOn availability groups are enabled".to_owned(),
        ),
        Some(false) => (
            Verdict::Fail,
            "AlwaysOn availability groups are not enabled (SQL Server Configuration Manager › \
             the SQL Server service › AlwaysOn High Availability, then restart the service)"
                .to_owned(),
        ),
        None => (
            Verdict::Fail,
            format!(
                "{} predates AlwaysOn availability groups (SQL Server 2012)",
                i.release()
            ),
        ),
    }
}

/// A login without VIEW ANY DEFINITION (or sysadmin) sees only the availability groups it has
/// rights on, so an empty list proves nothing.
fn sees_everything(f: &SqlFacts) -> bool {
    let sysadmin = f.instance.value().and_then(|i| i.sysadmin).unwrap_or(false);
    sysadmin
        || f.permissions.value().is_some_and(|ps| {
            ps.iter().any(|p| {
                p.database.is_none()
                    && p.permission == "VIEW ANY DEFINITION"
                    && p.granted == Some(true)
            })
        })
}

fn no_group_words(f: &SqlFacts) -> String {
    match f.instance.value() {
        Some(i) if i.hadr_enabled != Some(true) => format!(
            "no availability group: {}",
            super::facts::availability_groups_readable(&f.instance)
                .err()
                .unwrap_or_else(|| format!("{} has none", i.release()))
        ),
        _ => "no availability group exists on this instance".to_owned(),
    }
}

fn replicas_check(check: &SqlCheck, f: &SqlFacts) -> Result<(Verdict, String), String> {
    let replicas = f.replicas.get().map_err(str::to_owned)?;
    if replicas.is_empty() {
        if !sees_everything(f)
            && f.instance
                .value()
                .is_some_and(|i| i.hadr_enabled == Some(true))
        {
            return Err(
                "could not verify: permission (the login sees no availability group; without \
                 VIEW ANY DEFINITION it sees only those it has rights on)"
                    .to_owned(),
            );
        }
        return Ok((Verdict::Fail, no_group_words(f)));
    }
    let (field, good, words): (fn(&Replica) -> &str, &str, &str) =
        if *check == SqlCheck::AgSynchronousCommit {
            (
                |r| &r.availability_mode,
                "SYNCHRONOUS_COMMIT",
                "asynchronous commit may result in message/data loss",
            )
        } else {
            (
                |r| &r.failover_mode,
                "AUTOMATIC",
                "manual failover may result in message/data loss",
            )
        };
    let bad: Vec<String> = replicas
        .iter()
        .filter(|r| field(r) != good && field(r) != "CONFIGURATION_ONLY")
        .map(|r| format!("{} in {} is {}", r.server, r.group, field(r)))
        .collect();
    let groups: BTreeSet<&str> = replicas.iter().map(|r| r.group.as_str()).collect();
    let all = format!(
        "{} replica{} of {}",
        replicas.len(),
        if replicas.len() == 1 { "" } else { "s" },
        groups.into_iter().collect::<Vec<_>>().join(", ")
    );
    if !bad.is_empty() {
        return Ok((Verdict::Fail, format!("{}: {words}", bad.join("; "))));
    }
    if *check == SqlCheck::AgSynchronousCommit {
        let unhealthy: Vec<String> = replicas
            .iter()
            .filter_map(|r| match r.health.as_deref() {
                Some(h) if h != "HEALTHY" => Some(format!("{} is {h}", r.server)),
                _ => None,
            })
            .collect();
        if !unhealthy.is_empty() {
            return Ok((
                Verdict::Warn,
                format!(
                    "every replica is synchronous-commit, but {}: a replica that is not \
                     synchronized is not a safe failover target",
                    unhealthy.join("; ")
                ),
            ));
        }
        if replicas.iter().all(|r| r.health.is_none()) {
            return Ok((
                Verdict::Warn,
                format!(
                    "{all} are synchronous-commit; their health could not be read (the login \
                     lacks VIEW SERVER STATE)"
                ),
            ));
        }
        return Ok((
            Verdict::Pass,
            format!("{all}: all synchronous-commit and healthy"),
        ));
    }
    Ok((Verdict::Pass, format!("{all}: all fail over automatically")))
}

/// The subnet of an address: the server's own (`network_subnet_ip/prefix`) when it gave one.
fn subnet_of(ip: Option<&str>, subnet: Option<&str>) -> Option<String> {
    if let Some(s) = subnet {
        return Some(s.to_owned());
    }
    let ip: IpAddr = ip?.parse().ok()?;
    Some(match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24 (assumed)", o[0], o[1], o[2])
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64 (assumed)", s[0], s[1], s[2], s[3])
        }
    })
}

fn subnets(f: &SqlFacts, min: usize) -> Result<(Verdict, String), String> {
    let listeners = f.listeners.get().map_err(str::to_owned)?;
    if listeners.is_empty() {
        let replicas = f.replicas.value().map_or(0, Vec::len);
        let hadr_on = f
            .instance
            .value()
            .is_some_and(|i| i.hadr_enabled == Some(true));
        if replicas == 0 && hadr_on && !sees_everything(f) {
            return Err(
                "could not verify: permission (the login sees no availability group listener)"
                    .to_owned(),
            );
        }
        return Ok((
            Verdict::Fail,
            if replicas == 0 {
                no_group_words(f)
            } else {
                "the availability group has no listener: clients cannot follow a failover"
                    .to_owned()
            },
        ));
    }
    let mut by_listener: std::collections::BTreeMap<&str, BTreeSet<String>> =
        std::collections::BTreeMap::new();
    for l in listeners {
        let set = by_listener.entry(&l.dns_name).or_default();
        if let Some(s) = subnet_of(l.ip.as_deref(), l.subnet.as_deref()) {
            set.insert(s);
        }
    }
    let fewest = by_listener.values().map(BTreeSet::len).min().unwrap_or(0);
    let shown: Vec<String> = by_listener
        .iter()
        .map(|(name, s)| {
            format!(
                "{name} on {} subnet{} ({})",
                s.len(),
                if s.len() == 1 { "" } else { "s" },
                s.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    if fewest >= min {
        Ok((Verdict::Pass, shown.join("; ")))
    } else {
        Ok((
            Verdict::Fail,
            format!(
                "{}: the guide recommends several subnets (at least {min}) for redundancy",
                shown.join("; ")
            ),
        ))
    }
}

/// The host of a mirroring endpoint (`TCP://sql2.example.org:5022`).
fn endpoint_host(url: &str) -> &str {
    let rest = url
        .split_once("://")
        .map_or(url, |(_, r)| r)
        .trim_end_matches('/');
    if let Some(v6) = rest.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    rest.rsplit_once(':').map_or(rest, |(h, _)| h)
}

/// A true fully qualified name: has a domain and is not an address.
fn is_fqdn(host: &str) -> bool {
    host.parse::<IpAddr>().is_err()
        && host.contains('.')
        && !host.ends_with('.')
        && host.split('.').all(|l| !l.is_empty())
}

fn mirroring(mirrors: &[Mirror]) -> (Verdict, String) {
    if mirrors.is_empty() {
        // Before the installation nothing is mirrored: there is no partner name to judge.
        return (
            Verdict::Error,
            "could not tell: no database is mirrored on this instance yet, so there is no \
             partner or witness name to judge"
                .to_owned(),
        );
    }
    let mut bad = Vec::new();
    let mut warn = Vec::new();
    for m in mirrors {
        for (role, name) in [("partner", &m.partner), ("witness", &m.witness)] {
            if let Some(url) = name
                && !is_fqdn(endpoint_host(url))
            {
                bad.push(format!("{}'s {role} {url}", m.database));
            }
        }
        if m.witness.is_none() {
            warn.push(format!(
                "{} has no witness: failover is manual only",
                m.database
            ));
        }
        if m.safety.as_deref() == Some("OFF") {
            warn.push(format!(
                "{} runs with safety OFF (high performance, asynchronous): data may be lost on failover",
                m.database
            ));
        }
    }
    if !bad.is_empty() {
        return (
            Verdict::Fail,
            format!(
                "not named by a fully qualified domain name: {} (the guide: use the full \
                 computer name from System in the Control Panel, not a generated name)",
                bad.join("; ")
            ),
        );
    }
    let names: Vec<String> = mirrors
        .iter()
        .map(|m| {
            format!(
                "{} ↔ {}",
                m.database,
                m.partner.as_deref().unwrap_or("(no partner)")
            )
        })
        .collect();
    if warn.is_empty() {
        (
            Verdict::Pass,
            format!(
                "every partner and witness has a fully qualified name: {}",
                names.join("; ")
            ),
        )
    } else {
        (
            Verdict::Warn,
            format!(
                "partners are fully qualified ({}), but {}",
                names.join("; "),
                warn.join("; ")
            ),
        )
    }
}

/// The guide: "SQL Clusters using shared storage SQL 2012 HADRON are not supported."
fn cluster(i: &Instance) -> (Verdict, String) {
    match i.clustered {
        Some(true) if i.major == 11 => (
            Verdict::Fail,
            "a SQL Server 2012 failover cluster instance on shared storage: the guide does not \
             support SQL 2012 HADRON clusters (use SQL Server 2014 or 2016)"
                .to_owned(),
        ),
        Some(true) => (
            Verdict::Pass,
            format!("a failover cluster instance on {}", i.release()),
        ),
        Some(false) => (
            Verdict::Warn,
            format!(
                "{} is not a failover cluster instance, so it is not the SQL cluster the item \
                 asks about",
                i.release()
            ),
        ),
        None => (
            Verdict::Error,
            "could not verify whether the instance is clustered".to_owned(),
        ),
    }
}

fn sysadmin(i: &Instance) -> (Verdict, String) {
    let who = i.login.as_deref().unwrap_or("the login");
    match i.sysadmin {
        Some(true) => (Verdict::Pass, format!("{who} is a member of sysadmin")),
        Some(false) => (
            Verdict::Fail,
            format!(
                "{who} is not a member of sysadmin: the installer needs a sysadmin login (after \
                 installation db_owner on the product database is enough)"
            ),
        ),
        None => (
            Verdict::Error,
            format!("could not verify whether {who} is a member of sysadmin"),
        ),
    }
}

fn permissions_check(
    f: &SqlFacts,
    wanted: &[&str],
    database: Option<&str>,
) -> Result<(Verdict, String), String> {
    let who = f
        .instance
        .value()
        .and_then(|i| i.login.clone())
        .or_else(|| f.user.clone())
        .unwrap_or_else(|| "the login".to_owned());
    let have = f.permissions.get().map_err(str::to_owned)?;
    if let Some(db) = database
        && let Ok(dbs) = f.databases.get()
        && let Some(d) = dbs.iter().find(|d| d.name.eq_ignore_ascii_case(db))
        && d.state.is_none()
    {
        return Ok((
            Verdict::Fail,
            format!("database {db} does not exist on this server (or {who} may not see it)"),
        ));
    }
    let scope = database.map_or_else(|| "on the server".to_owned(), |d| format!("in {d}"));
    let mut missing = Vec::new();
    let mut unread = Vec::new();
    for w in wanted {
        let w = w.trim().to_ascii_uppercase();
        match have.iter().find(|p| {
            p.permission == w
                && p.database.as_deref().map(str::to_ascii_lowercase)
                    == database.map(str::to_ascii_lowercase)
        }) {
            Some(p) if p.granted == Some(true) => {}
            Some(p) if p.granted == Some(false) => missing.push(w),
            _ => unread.push(w),
        }
    }
    if !missing.is_empty() {
        return Ok((
            Verdict::Fail,
            format!("{who} lacks {} {scope}", missing.join(", ")),
        ));
    }
    if !unread.is_empty() {
        return Err(format!(
            "could not verify {} {scope} for {who}",
            unread.join(", ")
        ));
    }
    Ok((
        Verdict::Pass,
        format!("{who} holds {} {scope}", wanted.join(", ")),
    ))
}

/// An age in minutes as a person says it: `40 min`, `5 h`, `3 days`.
pub(super) fn age(minutes: i64) -> String {
    match minutes {
        m if m < 120 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h", m / 60),
        m => format!("{} days", m / (24 * 60)),
    }
}

fn backups(list: &[Backup], kind: BackupKind, max_hours: i64) -> (Verdict, String) {
    let log = kind == BackupKind::Log;
    let what = kind.name();
    if list.is_empty() {
        return (
            Verdict::Error,
            "could not tell: no user database on this instance yet, so no backup to judge"
                .to_owned(),
        );
    }
    let limit = max_hours * 60;
    let mut bad = Vec::new();
    let mut elsewhere = Vec::new();
    let mut simple = Vec::new();
    for b in list {
        if log && b.recovery_model == "SIMPLE" {
            simple.push(format!(
                "{} is in SIMPLE recovery, where no log backup is possible (switch it to FULL \
                 and schedule the log backups)",
                b.database
            ));
            continue;
        }
        let age_min = if log {
            b.log_age_minutes
        } else {
            b.full_age_minutes
        };
        let problem = match age_min {
            None => Some(format!("{} has never had a {what} backup", b.database)),
            Some(m) if m > limit => Some(format!(
                "{}'s last {what} backup is {} old",
                b.database,
                age(m)
            )),
            Some(_) => None,
        };
        if let Some(p) = problem {
            if b.in_availability_group {
                elsewhere.push(p);
            } else {
                bad.push(p);
            }
        }
    }
    let rule = if log {
        format!("the guide asks for transaction log backups every {max_hours} h")
    } else {
        format!("the guide asks for a full backup every {max_hours} h")
    };
    bad.append(&mut simple);
    if !bad.is_empty() {
        return (Verdict::Fail, format!("{}: {rule}", bad.join("; ")));
    }
    let mut notes = Vec::new();
    if !elsewhere.is_empty() {
        notes.push(format!(
            "{} (in an availability group: its backups may be taken on another replica, whose msdb records them; check there)",
            elsewhere.join("; ")
        ));
    }
    if notes.is_empty() {
        (
            Verdict::Pass,
            format!(
                "every user database has a {what} backup within {max_hours} h ({})",
                list.iter()
                    .filter_map(|b| {
                        let m = if log {
                            b.log_age_minutes
                        } else {
                            b.full_age_minutes
                        }?;
                        Some(format!("{} {}", b.database, age(m)))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    } else {
        (Verdict::Warn, notes.join("; "))
    }
}

pub use crate::probe::Finding;

/// What holds for any server: connected, encrypted, every fact readable, replicas, mirroring
/// and backups as the guide wants them.
pub fn findings(f: &SqlFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut add = |verdict, text: String| out.push(Finding { verdict, text });
    if let Some(p) = &f.prelogin {
        match p.encryption.as_str() {
            "forced" => add(
                Verdict::Pass,
                "the server forces encryption (Force Encryption on)".to_owned(),
            ),
            "not_offered" => add(
                Verdict::Fail,
                "the server offers no encryption: not even the login's password is protected \
                 (give SQL Server a certificate)"
                    .to_owned(),
            ),
            _ => add(
                Verdict::Warn,
                "the server encrypts only for clients that ask (Force Encryption off): a client \
                 that does not ask sends its queries in the clear"
                    .to_owned(),
            ),
        }
    }
    if let Some(e) = &f.connection_error {
        add(Verdict::Error, format!("could not connect: {e}"));
        return out;
    }
    match &f.encrypted {
        Fact::Value(false) => add(
            Verdict::Warn,
            "this connection is not encrypted: only the login was (the server does not force \
             encryption)"
                .to_owned(),
        ),
        Fact::Value(true) => add(Verdict::Pass, "this connection is encrypted".to_owned()),
        Fact::Unknown(_) => {}
    }
    if let Some(i) = f.instance.value() {
        add(
            Verdict::Pass,
            format!(
                "{} {} ({}){}",
                i.release(),
                i.edition,
                i.product_version,
                if i.clustered == Some(true) {
                    ", a failover cluster instance"
                } else {
                    ""
                }
            ),
        );
    }
    for (name, why) in [
        ("instance", f.instance.get().err()),
        ("permissions", f.permissions.get().err()),
        ("availability groups", f.replicas.get().err()),
        ("listeners", f.listeners.get().err()),
        ("mirroring", f.mirroring.get().err()),
        ("backups", f.backups.get().err()),
    ] {
        if let Some(why) = why {
            add(Verdict::Error, format!("{name}: {why}"));
        }
    }
    if f.replicas.value().is_some_and(|r| !r.is_empty()) {
        for check in [SqlCheck::AgSynchronousCommit, SqlCheck::AgAutomaticFailover] {
            let (v, t) = evaluate(&check, f);
            add(v, t);
        }
    }
    if f.mirroring.value().is_some_and(|m| !m.is_empty()) {
        let (v, t) = evaluate(&SqlCheck::MirroringFqdn, f);
        add(v, t);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::probe::sql::facts::{Database, ListenerAddress, Permission};
    use crate::rules::{Check, ParamValue};

    fn instance(version: &str, edition: &str, hadr: Option<bool>, sysadmin: bool) -> Instance {
        Instance {
            product_version: version.to_owned(),
            major: version
                .split('.')
                .next()
                .and_then(|m| m.parse().ok())
                .expect("a version"),
            product_level: Some("SP2".into()),
            update_level: None,
            edition: edition.to_owned(),
            engine_edition: Some(3),
            clustered: Some(false),
            hadr_enabled: hadr,
            server_name: Some("SQL1".into()),
            login: Some("spok".into()),
            auth_scheme: Some("SQL".into()),
            sysadmin: Some(sysadmin),
        }
    }

    fn facts() -> SqlFacts {
        let mut f = SqlFacts::unreachable("sql1:1433", Some("spok"), "x");
        f.connection_error = None;
        f.instance = Fact::Value(instance(
            "13.0.5026.0",
            "Enterprise Edition (64-bit)",
            Some(true),
            true,
        ));
        f.encrypted = Fact::Value(true);
        f.permissions = Fact::Value(Vec::new());
        f.databases = Fact::Value(Vec::new());
        f.replicas = Fact::Value(vec![
            replica("SQL1", "SYNCHRONOUS_COMMIT", "AUTOMATIC", "HEALTHY"),
            replica("SQL2", "SYNCHRONOUS_COMMIT", "AUTOMATIC", "HEALTHY"),
        ]);
        f.listeners = Fact::Value(vec![
            listener("10.1.0.20", Some("10.1.0.0/24")),
            listener("10.2.0.20", Some("10.2.0.0/24")),
        ]);
        f.mirroring = Fact::Value(Vec::new());
        f.backups = Fact::Value(Vec::new());
        f
    }

    fn replica(server: &str, mode: &str, failover: &str, health: &str) -> Replica {
        Replica {
            group: "SPOKAG".into(),
            server: server.into(),
            endpoint_url: Some(format!("TCP://{}.example.org:5022", server.to_lowercase())),
            availability_mode: mode.into(),
            failover_mode: failover.into(),
            role: Some("SECONDARY".into()),
            health: Some(health.into()),
            connected: Some("CONNECTED".into()),
        }
    }

    fn listener(ip: &str, subnet: Option<&str>) -> ListenerAddress {
        ListenerAddress {
            group: "SPOKAG".into(),
            dns_name: "spokag".into(),
            port: Some(1433),
            ip: Some(ip.into()),
            subnet: subnet.map(str::to_owned),
            state: Some("ONLINE".into()),
        }
    }

    fn expect(pairs: &[(&str, ParamValue)]) -> BTreeMap<String, ParamValue> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn strs(v: &[&str]) -> ParamValue {
        ParamValue::StrList(v.iter().map(|s| (*s).to_owned()).collect())
    }

    /// Judges a check named as a checklist names it, through the same typed form.
    fn judge(check: &str, e: &BTreeMap<String, ParamValue>, f: &SqlFacts) -> (Verdict, String) {
        let spec = crate::rules::check(crate::rules::ProbeKind::Sql, check).expect("a SQL check");
        let Ok(Check::Sql(check)) = Check::build(spec, e) else {
            panic!("{check} does not build");
        };
        evaluate(&check, f)
    }

    #[test]
    fn a_healthy_synchronous_automatic_group_on_two_subnets_passes() {
        let f = facts();
        let none = BTreeMap::new();
        for check in [
            "hadr_enabled",
            "ag_synchronous_commit",
            "ag_automatic_failover",
            "login_sysadmin",
        ] {
            assert_eq!(judge(check, &none, &f).0, Verdict::Pass, "{check}");
        }
        let (v, words) = judge(
            "ag_listener_subnets",
            &expect(&[("min", ParamValue::Int(2))]),
            &f,
        );
        assert_eq!(v, Verdict::Pass);
        assert!(words.contains("2 subnets"), "{words}");
        let e = expect(&[("supported", strs(&["2014", "2016"]))]);
        assert_eq!(judge("version", &e, &f).0, Verdict::Pass);
        let e = expect(&[("required", strs(&["Enterprise"]))]);
        assert_eq!(judge("edition", &e, &f).0, Verdict::Pass);
    }

    #[test]
    fn asynchronous_commit_and_manual_failover_fail_in_the_guides_words() {
        let mut f = facts();
        f.replicas = Fact::Value(vec![
            replica("SQL1", "SYNCHRONOUS_COMMIT", "AUTOMATIC", "HEALTHY"),
            replica("SQL3", "ASYNCHRONOUS_COMMIT", "MANUAL", "HEALTHY"),
        ]);
        let none = BTreeMap::new();
        let (v, words) = judge("ag_synchronous_commit", &none, &f);
        assert_eq!(v, Verdict::Fail);
        assert!(
            words.contains("SQL3 in SPOKAG is ASYNCHRONOUS_COMMIT") && words.contains("data loss")
        );
        let (v, words) = judge("ag_automatic_failover", &none, &f);
        assert_eq!(v, Verdict::Fail);
        assert!(words.contains("SQL3 in SPOKAG is MANUAL"), "{words}");
        f.replicas = Fact::Value(vec![replica(
            "SQL1",
            "SYNCHRONOUS_COMMIT",
            "AUTOMATIC",
            "NOT_HEALTHY",
        )]);
        assert_eq!(judge("ag_synchronous_commit", &none, &f).0, Verdict::Warn);
    }

    #[test]
    fn what_could_not_be_read_never_passes() {
        let mut f = facts();
        let none = BTreeMap::new();
        f.replicas = Fact::Unknown(
            "could not verify: permission (error 300: VIEW SERVER STATE permission was denied)"
                .into(),
        );
        let (v, words) = judge("ag_synchronous_commit", &none, &f);
        assert_eq!(v, Verdict::Error);
        assert!(words.contains("permission"), "{words}");
        // An empty list seen by a login that may not see everything proves nothing.
        let mut f = facts();
        f.instance = Fact::Value(instance(
            "13.0.5026.0",
            "Enterprise Edition",
            Some(true),
            false,
        ));
        f.replicas = Fact::Value(Vec::new());
        assert_eq!(judge("ag_automatic_failover", &none, &f).0, Verdict::Error);
        // The same list seen by one with VIEW ANY DEFINITION: there is no group.
        f.permissions = Fact::Value(vec![Permission {
            database: None,
            permission: "VIEW ANY DEFINITION".into(),
            granted: Some(true),
        }]);
        assert_eq!(judge("ag_automatic_failover", &none, &f).0, Verdict::Fail);
    }

    #[test]
    fn one_subnet_fails_and_addresses_without_a_subnet_are_assumed() {
        let mut f = facts();
        f.listeners = Fact::Value(vec![
            listener("10.1.0.20", None),
            listener("10.1.0.21", None),
        ]);
        let (v, words) = judge(
            "ag_listener_subnets",
            &expect(&[("min", ParamValue::Int(2))]),
            &f,
        );
        assert_eq!(v, Verdict::Fail);
        assert!(
            words.contains("1 subnet (10.1.0.0/24 (assumed))"),
            "{words}"
        );
    }

    #[test]
    fn versions_and_editions() {
        let mut f = facts();
        let supported = expect(&[("supported", strs(&["2014", "2016"]))]);
        f.instance = Fact::Value(instance(
            "15.0.2000.5",
            "Enterprise Edition",
            Some(true),
            true,
        ));
        let (v, words) = judge("version", &supported, &f);
        assert_eq!(v, Verdict::Warn);
        assert!(
            words.contains("SQL Server 2019") && words.contains("newer"),
            "{words}"
        );
        f.instance = Fact::Value(instance(
            "11.0.7001.0",
            "Standard Edition (64-bit)",
            Some(false),
            true,
        ));
        assert_eq!(judge("version", &supported, &f).0, Verdict::Fail);
        let (v, words) = judge(
            "edition",
            &expect(&[("required", strs(&["Enterprise"]))]),
            &f,
        );
        assert_eq!(v, Verdict::Fail);
        assert!(
            words.contains("Standard Edition (64-bit), not Enterprise"),
            "{words}"
        );
        assert_eq!(
            judge(
                "edition",
                &expect(&[("required", strs(&["Standard", "Enterprise"]))]),
                &f
            )
            .0,
            Verdict::Pass
        );
        f.instance = Fact::Value(instance(
            "13.0.1601.5",
            "Developer Edition (64-bit)",
            Some(true),
            true,
        ));
        let (_, words) = judge(
            "edition",
            &expect(&[("required", strs(&["Enterprise"]))]),
            &f,
        );
        assert!(words.contains("not licensed for production"), "{words}");
        f.instance = Fact::Value(instance("10.50.6000.34", "Standard Edition", None, true));
        let (v, words) = judge("hadr_enabled", &BTreeMap::new(), &f);
        assert_eq!(v, Verdict::Fail);
        assert!(words.contains("SQL Server 2008 R2 predates"), "{words}");
    }

    #[test]
    fn a_2012_cluster_on_shared_storage_is_refused() {
        let mut f = facts();
        let none = BTreeMap::new();
        let mut i = instance("11.0.7001.0", "Enterprise Edition", Some(false), true);
        i.clustered = Some(true);
        f.instance = Fact::Value(i.clone());
        let (v, words) = judge("cluster_supported", &none, &f);
        assert_eq!(v, Verdict::Fail);
        assert!(words.contains("SQL 2012 HADRON"), "{words}");
        i.major = 13;
        i.product_version = "13.0.5026.0".into();
        f.instance = Fact::Value(i.clone());
        assert_eq!(judge("cluster_supported", &none, &f).0, Verdict::Pass);
        i.clustered = Some(false);
        f.instance = Fact::Value(i);
        assert_eq!(judge("cluster_supported", &none, &f).0, Verdict::Warn);
    }

    #[test]
    fn mirroring_names_witness_and_safety() {
        let mirror = |partner: &str, witness: Option<&str>, safety: &str| Mirror {
            database: "AmcomAmcPremiseCore".into(),
            role: Some("PRINCIPAL".into()),
            state: Some("SYNCHRONIZED".into()),
            safety: Some(safety.into()),
            partner: Some(partner.into()),
            partner_instance: Some("SQL2".into()),
            witness: witness.map(str::to_owned),
            witness_state: witness.map(|_| "CONNECTED".to_owned()),
        };
        let mut f = facts();
        let none = BTreeMap::new();
        f.mirroring = Fact::Value(vec![mirror(
            "TCP://sql2.example.org:5022",
            Some("TCP://wit.example.org:5022"),
            "FULL",
        )]);
        assert_eq!(judge("mirroring_fqdn", &none, &f).0, Verdict::Pass);
        f.mirroring = Fact::Value(vec![mirror(
            "TCP://SQL2:5022",
            Some("TCP://wit.example.org:5022"),
            "FULL",
        )]);
        let (v, words) = judge("mirroring_fqdn", &none, &f);
        assert_eq!(v, Verdict::Fail);
        assert!(words.contains("TCP://SQL2:5022"), "{words}");
        f.mirroring = Fact::Value(vec![mirror("TCP://10.1.0.5:5022", None, "FULL")]);
        assert_eq!(judge("mirroring_fqdn", &none, &f).0, Verdict::Fail);
        f.mirroring = Fact::Value(vec![mirror("TCP://sql2.example.org:5022", None, "OFF")]);
        let (v, words) = judge("mirroring_fqdn", &none, &f);
        assert_eq!(v, Verdict::Warn);
        assert!(
            words.contains("no witness") && words.contains("safety OFF"),
            "{words}"
        );
        f.mirroring = Fact::Value(Vec::new());
        let (v, words) = judge("mirroring_fqdn", &none, &f);
        assert_eq!(v, Verdict::Error, "nothing mirrored yet: nothing to judge");
        assert!(words.contains("could not tell"), "{words}");
    }

    #[test]
    fn permissions_on_the_server_and_in_a_missing_database() {
        let mut f = facts();
        f.permissions = Fact::Value(vec![
            Permission {
                database: None,
                permission: "CREATE ANY DATABASE".into(),
                granted: Some(true),
            },
            Permission {
                database: None,
                permission: "ALTER ANY LOGIN".into(),
                granted: Some(false),
            },
            Permission {
                database: Some("Spok".into()),
                permission: "SELECT".into(),
                granted: None,
            },
        ]);
        f.databases = Fact::Value(vec![Database {
            name: "Spok".into(),
            state: None,
            recovery_model: None,
        }]);
        let e = expect(&[(
            "permissions",
            strs(&["CREATE ANY DATABASE", "ALTER ANY LOGIN"]),
        )]);
        let (v, words) = judge("login_permissions", &e, &f);
        assert_eq!(v, Verdict::Fail);
        assert!(
            words.contains("lacks ALTER ANY LOGIN on the server"),
            "{words}"
        );
        let e = expect(&[
            ("permissions", strs(&["SELECT"])),
            ("database", ParamValue::Str("Spok".into())),
        ]);
        let (v, words) = judge("login_permissions", &e, &f);
        assert_eq!(v, Verdict::Fail);
        assert!(words.contains("database Spok does not exist"), "{words}");
        let e = expect(&[("permissions", strs(&["EXECUTE"]))]);
        assert_eq!(judge("login_permissions", &e, &f).0, Verdict::Error);
        let (wanted, dbs) = wanted(
            &[SqlCheck::LoginPermissions {
                permissions: vec!["select".into()],
                database: Some("Spok".into()),
            }],
            Some("Spok"),
        );
        assert!(wanted.contains(&(Some("Spok".into()), "SELECT".into())));
        assert!(wanted.contains(&(Some("Spok".into()), "CONTROL".into())));
        assert!(wanted.contains(&(None, "VIEW SERVER STATE".into())));
        assert_eq!(dbs, vec!["Spok".to_owned()]);
    }

    #[test]
    fn backups_fresh_stale_never_simple_and_elsewhere() {
        let b = |name: &str, model: &str, full: Option<i64>, log: Option<i64>, ag: bool| Backup {
            database: name.into(),
            recovery_model: model.into(),
            in_availability_group: ag,
            last_full: full.map(|_| "2026-11-21T23:00:00".to_owned()),
            full_age_minutes: full,
            last_log: log.map(|_| "2026-11-22T09:00:00".to_owned()),
            log_age_minutes: log,
        };
        let mut f = facts();
        let log = expect(&[
            ("backup", ParamValue::Str("log".into())),
            ("max_age_hours", ParamValue::Int(1)),
        ]);
        let full = expect(&[
            ("backup", ParamValue::Str("full".into())),
            ("max_age_hours", ParamValue::Int(24)),
        ]);
        f.backups = Fact::Value(vec![b("Spok", "FULL", Some(600), Some(20), false)]);
        assert_eq!(judge("backup_age", &log, &f).0, Verdict::Pass);
        assert_eq!(judge("backup_age", &full, &f).0, Verdict::Pass);
        f.backups = Fact::Value(vec![b("Spok", "FULL", Some(3 * 24 * 60), Some(300), false)]);
        let (v, words) = judge("backup_age", &log, &f);
        assert_eq!(v, Verdict::Fail);
        assert!(
            words.contains("Spok's last log backup is 5 h old"),
            "{words}"
        );
        let (_, words) = judge("backup_age", &full, &f);
        assert!(words.contains("3 days old"), "{words}");
        f.backups = Fact::Value(vec![b("Spok", "FULL", None, None, false)]);
        let (_, words) = judge("backup_age", &full, &f);
        assert!(words.contains("never had a full backup"), "{words}");
        f.backups = Fact::Value(vec![b("Spok", "SIMPLE", Some(60), None, false)]);
        let (v, words) = judge("backup_age", &log, &f);
        assert_eq!(v, Verdict::Fail, "no log backup can be scheduled");
        assert!(words.contains("SIMPLE recovery"), "{words}");
        f.backups = Fact::Value(Vec::new());
        let (v, words) = judge("backup_age", &log, &f);
        assert_eq!(
            v,
            Verdict::Error,
            "no database is nothing to judge, not a warning"
        );
        assert!(words.contains("could not tell"), "{words}");
        f.backups = Fact::Value(vec![b("Spok", "FULL", None, None, true)]);
        let (v, words) = judge("backup_age", &full, &f);
        assert_eq!(v, Verdict::Warn);
        assert!(words.contains("another replica"), "{words}");
        f.backups = Fact::Unknown("could not verify: permission (error 229: The SELECT permission was denied on the object 'backupset')".into());
        assert_eq!(judge("backup_age", &full, &f).0, Verdict::Error);
    }

    #[test]
    fn endpoint_hosts_and_fqdns() {
        assert_eq!(
            endpoint_host("TCP://sql2.example.org:5022"),
            "sql2.example.org"
        );
        assert_eq!(endpoint_host("TCP://[fe80::1]:5022"), "fe80::1");
        assert!(is_fqdn("sql2.example.org"));
        assert!(!is_fqdn("SQL2"));
        assert!(!is_fqdn("10.1.0.5"));
    }
}
