//! Running planned tasks: each kind's probe with the site's resolvers and options, results
//! streamed as events so the TUI and the progress bar see them as they come. Cancelling is
//! dropping (or aborting) the run's future; every probe below owns its own tasks.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::json;
use tokio::sync::mpsc;

use super::cert;
use super::dns::{self, Expectation, Horizon, HorizonExpectation, QueryOptions, QueryType};
use super::hosts::{self, HostsFile};
use super::plan::Task;
use super::sql::{self, Target};
use super::tcp;
use super::tls::{self, facts};
use super::{Finding, ProbeKind, ProbeResult, Verdict};
use crate::ports::Ports;
use crate::rules::{Os, SqlCheck};
use crate::site::{NameCheck, PortRule, Site, SqlInstance, TlsEndpoint};

/// Progress of a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started(usize),
    Finished(usize, Vec<ProbeResult>),
    /// The run is over (every task done, or it was stopped).
    Ended,
}

/// Tasks run at once; each TCP task has its own bound on connections.
const TASKS_AT_ONCE: usize = 8;

/// What a run needs besides the tasks.
pub struct Env {
    /// Internal resolvers: this machine's own (unless left out) and the site's internal ones.
    pub internal: Vec<dns::Resolver>,
    pub external: Vec<dns::Resolver>,
    pub hosts_path: PathBuf,
    pub tcp: tcp::Options,
    /// How TCP destinations given by name are resolved (the system resolver on site).
    pub tcp_resolver: Arc<dyn tcp::Resolve>,
    pub tls: tls::Options,
    /// The suites the checklist requires, so a weak one it asks for (3DES on Windows Server
    /// 2016) is said as the conflict it is rather than failed against the checklist.
    pub tls_required: Vec<String>,
    /// The roots TLS chains are checked against: the system's.
    pub anchors: cert::TrustAnchors,
    pub sql: SqlEnv,
}

/// What SQL probes need besides the site's instances.
#[derive(Clone, Default)]
pub struct SqlEnv {
    /// The password of the site's SQL logins, from `PREFLIGHT_SQL_PASSWORD` or a prompt; only
    /// ever in memory.
    pub password: Option<String>,
    /// The checklist's SQL rules, so the probe reads the permissions and databases they name.
    pub checks: Vec<SqlCheck>,
    /// For connecting and for each batch.
    pub timeout: Duration,
}

impl std::fmt::Debug for SqlEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlEnv")
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("checks", &self.checks.len())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Env {
    /// The environment for a site: its resolvers (and this machine's, when `system`), the
    /// platform's hosts file, default timeouts.
    ///
    /// # Errors
    /// When a resolver cannot be set up (the system configuration unreadable).
    pub fn for_site(site: &Site, system: bool, dns: QueryOptions) -> Result<Self, dns::DnsError> {
        let mut internal = Vec::new();
        if system {
            internal.push(dns::Resolver::new(&dns::ResolverSpec::system(), dns)?);
        }
        for (n, addr) in site.resolvers.internal.iter().enumerate() {
            let spec = dns::ResolverSpec::server(*addr).with_label(format!("internal {}", n + 1));
            internal.push(dns::Resolver::new(&spec, dns)?);
        }
        let external = site
            .resolvers
            .external
            .iter()
            .enumerate()
            .map(|(n, addr)| {
                let spec =
                    dns::ResolverSpec::server(*addr).with_label(format!("external {}", n + 1));
                dns::Resolver::new(&spec, dns)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            internal,
            external,
            hosts_path: hosts::system_path(),
            tcp: tcp::Options::default(),
            tcp_resolver: Arc::new(tcp::SystemResolver),
            tls: tls::Options::default(),
            tls_required: Vec::new(),
            anchors: cert::TrustAnchors::system(),
            sql: SqlEnv {
                timeout: Duration::from_secs(15),
                ..SqlEnv::default()
            },
        })
    }
}

/// Runs the tasks (at most a few at once), sending `Started`, `Finished` for each and `Ended`.
pub async fn run(tasks: Vec<(usize, Task)>, env: Arc<Env>, events: mpsc::Sender<Event>) {
    let mut pending = tasks.into_iter();
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < TASKS_AT_ONCE {
            let Some((i, task)) = pending.next() else {
                break;
            };
            let _ = events.send(Event::Started(i)).await;
            let env = Arc::clone(&env);
            running.push(async move { (i, execute(&task, &env).await) });
        }
        let Some((i, results)) = running.next().await else {
            break;
        };
        let _ = events.send(Event::Finished(i, results)).await;
    }
    let _ = events.send(Event::Ended).await;
}

/// Runs one task.
pub async fn execute(task: &Task, env: &Env) -> Vec<ProbeResult> {
    match task {
        Task::Tcp { rule, host } => vec![tcp_task(rule, host, env).await],
        Task::Untestable { rule, why } => vec![untestable(rule, why)],
        Task::Dns { name } => dns_task(name, env).await,
        Task::Hosts { names } => hosts_task(names, env).await,
        Task::Tls { endpoint } => vec![tls_task(endpoint, env).await],
        Task::Sql { instance } => vec![sql_task(instance, env).await],
    }
}

/// The facts that tie a TCP result to its port rule (and so to checklist items).
fn rule_evidence(
    rule: &PortRule,
    host: Option<&str>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("from".into(), json!(rule.from));
    m.insert("to".into(), json!(rule.to));
    m.insert("protocol".into(), json!(rule.protocol.to_string()));
    m.insert("ports".into(), json!(rule.ports));
    m.insert("purpose".into(), json!(rule.purpose));
    if let Some(h) = host {
        m.insert("host".into(), json!(h));
    }
    m
}

async fn tcp_task(rule: &PortRule, host: &str, env: &Env) -> ProbeResult {
    let at = crate::stamp::now();
    let started = Instant::now();
    let ports = Ports::parse(&rule.ports)
        .map(|p| p.as_slice().to_vec())
        .unwrap_or_default();
    let targets = tcp::targets(host, &ports);
    let outcomes = tcp::probe(&targets, &env.tcp, Arc::clone(&env.tcp_resolver), |_, _| {}).await;
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut result = tcp::probe_result(host, &outcomes, env.tcp.timeout, at, ms);
    let mut evidence = rule_evidence(rule, Some(host));
    if let serde_json::Value::Object(probe) = std::mem::take(&mut result.evidence) {
        evidence.extend(probe);
    }
    result.evidence = serde_json::Value::Object(evidence);
    result.target = Task::Tcp {
        rule: rule.clone(),
        host: host.to_owned(),
    }
    .label();
    result
}

fn untestable(rule: &PortRule, why: &str) -> ProbeResult {
    ProbeResult {
        kind: ProbeKind::Tcp,
        check: "reachable".to_owned(),
        target: Task::Untestable {
            rule: rule.clone(),
            why: why.to_owned(),
        }
        .label(),
        verdict: Verdict::Skipped,
        summary: format!("not probed: {why}"),
        evidence: serde_json::Value::Object(rule_evidence(rule, None)),
        at: crate::stamp::now(),
        ms: 0,
    }
}

async fn dns_task(name: &NameCheck, env: &Env) -> Vec<ProbeResult> {
    let mut results = Vec::new();
    let all: Vec<dns::Resolver> = env.internal.iter().chain(&env.external).cloned().collect();
    let split = !name.internal.is_empty() || !name.external.is_empty();
    // `resolves`: every resolver against `expect`; or, for a name described per side, the
    // internal resolvers against what they must answer; or, with nothing stated, any answer
    // as long as the resolvers agree.
    let (resolvers, addresses) = if !name.expect.is_empty() {
        (all.as_slice(), name.expect.clone())
    } else if !name.internal.is_empty() {
        (env.internal.as_slice(), name.internal.clone())
    } else if split {
        (env.external.as_slice(), name.external.clone())
    } else {
        (all.as_slice(), Vec::new())
    };
    let target = Expectation {
        name: name.fqdn.clone(),
        addresses,
    };
    results.extend(dns::resolves(resolvers, &[target], dns::DEFAULT_CONCURRENCY).await);
    if split && !env.external.is_empty() && !env.internal.is_empty() {
        let target = HorizonExpectation {
            name: name.fqdn.clone(),
            horizon: if name.internal == name.external {
                Horizon::Same
            } else if name.external.is_empty() {
                Horizon::InternalOnly
            } else {
                Horizon::Split
            },
            internal: name.internal.clone(),
            external: name.external.clone(),
        };
        results.extend(
            dns::split_horizon(
                &env.internal,
                &env.external,
                &[target],
                dns::DEFAULT_CONCURRENCY,
            )
            .await,
        );
    }
    if name.reverse {
        results.extend(
            dns::reverse_matches(
                &env.internal,
                std::slice::from_ref(&name.fqdn),
                dns::DEFAULT_CONCURRENCY,
            )
            .await,
        );
    }
    results
        .into_iter()
        .map(|r| about(r, Some(&name.fqdn), name.role.as_deref(), None))
        .collect()
}

/// Scans an endpoint and keeps its facts as the evidence every TLS rule of a checklist is
/// judged from; the verdict here is the worst of the findings any endpoint gets.
async fn tls_task(endpoint: &TlsEndpoint, env: &Env) -> ProbeResult {
    let at = crate::stamp::now();
    let label = Task::Tls {
        endpoint: endpoint.clone(),
    }
    .label();
    let Some((host, port)) = crate::site::split_host_port(&endpoint.endpoint) else {
        return ProbeResult {
            kind: ProbeKind::Tls,
            check: "scan".to_owned(),
            target: label,
            verdict: Verdict::Error,
            summary: format!("`{}` is not HOST:PORT", endpoint.endpoint),
            evidence: json!({}),
            at,
            ms: 0,
        };
    };
    let sni = endpoint.sni.clone().or_else(|| {
        host.parse::<std::net::IpAddr>()
            .is_err()
            .then(|| host.clone())
    });
    let options = tls::Options {
        transport: if endpoint.tds {
            tls::Transport::Tds
        } else {
            tls::Transport::Direct
        },
        ..env.tls.clone()
    };
    let (facts, scan) = facts::measure(&host, port, sni.as_deref(), &options, &env.anchors).await;
    let findings = facts::findings(&facts, &env.tls_required);
    let grade = facts::grade(&facts);
    let verdict = Finding::worst(&findings);
    let bad = Finding::texts(&findings, Verdict::Error);
    let summary = if bad.is_empty() {
        format!("grade {}: {}", grade.grade, facts::offered_summary(&facts))
    } else {
        format!("grade {}: {}", grade.grade, bad.join("; "))
    };
    ProbeResult {
        kind: ProbeKind::Tls,
        check: "scan".to_owned(),
        target: label,
        verdict,
        summary,
        evidence: json!({
            "facts": facts, "findings": findings, "grade": grade,
            "role": endpoint.role, "os": endpoint.os,
        }),
        at,
        ms: scan.ms,
    }
}

/// Records what a result is about in its evidence, where a binding's scope looks for it: the
/// name, and the role (and OS) the site gives its target.
fn about(
    mut result: ProbeResult,
    name: Option<&str>,
    role: Option<&str>,
    os: Option<&Os>,
) -> ProbeResult {
    if let serde_json::Value::Object(map) = &mut result.evidence {
        if let Some(name) = name {
            map.entry("name").or_insert_with(|| json!(name));
        }
        if let Some(role) = role {
            map.insert("role".into(), json!(role));
        }
        if let Some(os) = os {
            map.insert("os".into(), json!(os));
        }
    }
    result
}

async fn hosts_task(names: &[NameCheck], env: &Env) -> Vec<ProbeResult> {
    let file = match HostsFile::read(&env.hosts_path) {
        Ok(f) => f,
        Err(e) => {
            return vec![ProbeResult {
                kind: ProbeKind::Hosts,
                check: "entry_present".to_owned(),
                target: env.hosts_path.display().to_string(),
                verdict: Verdict::Error,
                summary: e.to_string(),
                evidence: json!({ "file": env.hosts_path }),
                at: crate::stamp::now(),
                ms: 0,
            }];
        }
    };
    let mut results = Vec::new();
    for name in names {
        if let Some(address) = name.hosts_entry {
            results.push(about(
                hosts::entry_present(&file, &hosts::Expectation::new(name.fqdn.clone(), address)),
                Some(&name.fqdn),
                name.role.as_deref(),
                None,
            ));
        }
        // Only names the file mentions can override DNS; an entry the site requires on this
        // machine (the guide's `127.0.0.1` test entry on the Spok Mobile server) overrides it
        // on purpose.
        let here = file.lookup(&name.fqdn).addresses();
        if here.is_empty() || name.hosts_entry.is_some_and(|a| here == [a]) {
            continue;
        }
        if let Some(resolver) = env.internal.first() {
            let mut dns_addresses = Vec::new();
            for qtype in [QueryType::A, QueryType::Aaaa] {
                dns_addresses.extend(resolver.query(&name.fqdn, qtype).await.addresses());
            }
            results.push(about(
                hosts::consistent_with_dns(&file, &name.fqdn, &dns_addresses),
                Some(&name.fqdn),
                name.role.as_deref(),
                None,
            ));
        }
    }
    results
}

/// A SQL result that could not even be attempted, and why.
fn sql_not_run(label: String, at: String, why: String) -> ProbeResult {
    ProbeResult {
        kind: ProbeKind::Sql,
        check: "probe".to_owned(),
        target: label,
        verdict: Verdict::Error,
        summary: why,
        evidence: json!({}),
        at,
        ms: 0,
    }
}

/// Logs in to one SQL Server and keeps the facts every SQL rule is judged from.
async fn sql_task(instance: &SqlInstance, env: &Env) -> ProbeResult {
    let at = crate::stamp::now();
    let label = Task::Sql {
        instance: instance.clone(),
    }
    .label();
    let target = match Target::parse(&instance.server) {
        Ok(t) => t,
        Err(e) => return sql_not_run(label, at, e.to_string()),
    };
    let Some(user) = instance.user.clone() else {
        return sql_not_run(
            label,
            at,
            "the site gives no `user` for this SQL instance: add the login the probe should use"
                .to_owned(),
        );
    };
    let Some(password) = env.sql.password.clone() else {
        return sql_not_run(
            label,
            at,
            format!(
                "no password for {user}: set PREFLIGHT_SQL_PASSWORD, or run `preflight probe` \
                 in a terminal to be asked"
            ),
        );
    };
    let mut options = sql::Options::new(sql::Auth::Sql { user, password });
    if instance.trust_server_certificate {
        options.trust = sql::Trust::Any;
    }
    options.connect_timeout = env.sql.timeout;
    options.query_timeout = env.sql.timeout;
    (options.permissions, options.databases) =
        sql::checks::wanted(&env.sql.checks, instance.database.as_deref());
    let facts = sql::probe(&target, &options).await;
    let findings = sql::checks::findings(&facts);
    let verdict = Finding::worst(&findings);
    let bad = Finding::texts(&findings, Verdict::Warn);
    let summary = match (&facts.instance, bad.is_empty()) {
        (sql::facts::Fact::Value(i), true) => {
            format!("{} {} ({})", i.release(), i.edition, i.product_version)
        }
        _ => bad.join("; "),
    };
    ProbeResult {
        kind: ProbeKind::Sql,
        check: "probe".to_owned(),
        target: label,
        verdict,
        summary,
        ms: facts.ms,
        evidence: json!({ "facts": facts, "findings": findings, "role": instance.role }),
        at,
    }
}
