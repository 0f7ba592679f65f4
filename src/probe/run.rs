//! Running planned tasks: each kind's probe with the site's resolvers and options, results
//! streamed as events so the TUI and the progress bar see them as they come. Every task starts
//! at once, so a vantage's run takes about as long as its slowest probe and the timeouts of
//! dead parts overlap instead of adding up; what keeps that gentle is the run's one set of
//! budgets ([`super::budget`]), one per server address whatever names, ports and kinds lead to
//! it, under one cap on the sockets open. Cancelling is dropping (or aborting) the run's
//! future; every probe below owns its own tasks.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::json;
use tokio::sync::{OnceCell, mpsc};

use super::budget::{Budgets, Policy};
use super::dns::{self, Expectation, Horizon, HorizonExpectation, QueryOptions};
use super::evidence::{
    CertfileEvidence, Evidence, Facts, NameResolution, Row, SqlEvidence, Subject, TlsEvidence,
};
use super::hosts::{self, HostsFile};
use super::plan::Task;
use super::resolve::{Lookup, Resolution, Resolve};
use super::sql;
use super::tcp;
use super::tls::{self, facts};
use super::{Finding, ProbeKind, ProbeResult, Verdict};
use super::{cert, certfile};
use crate::rules::{Os, SqlCheck};
use crate::site::{CertFile, NameCheck, PortRule, Site, SqlInstance, TlsEndpoint};

/// Progress of a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started(usize),
    Finished(usize, Vec<ProbeResult>),
    /// The run is over (every task done, or it was stopped).
    Ended,
}

/// What a run needs besides the tasks.
pub struct Env {
    /// The vantage is outside the site's firewall: names resolve through the external
    /// resolvers only, and no hosts file is read.
    pub outside: bool,
    /// Internal resolvers: this machine's own (unless left out) and the site's internal ones;
    /// none on a vantage outside.
    pub internal: Vec<dns::Resolver>,
    pub external: Vec<dns::Resolver>,
    /// The hosts file the hosts probe reads and names resolve through first; none outside.
    pub hosts_path: Option<PathBuf>,
    /// How TCP, TLS and SQL connections resolve names: the hosts file, then the resolvers the
    /// run's DNS checks ask (the system resolver only when the run includes it).
    pub resolution: Arc<Resolution>,
    pub tcp: tcp::Options,
    pub tls: tls::Options,
    /// The suites the checklist requires, so a weak one it asks for (3DES on Windows Server
    /// 2016) is said as the conflict it is rather than failed against the checklist.
    pub tls_required: Vec<String>,
    /// The roots TLS chains are checked against: the system's.
    pub anchors: cert::TrustAnchors,
    pub sql: SqlEnv,
    /// The password of the site's PFX files, from `PREFLIGHT_PFX_PASSWORD` or a prompt; only
    /// ever in memory.
    pub pfx_password: Option<String>,
    /// The names every DNS task of the run is judged from, asked once (see [`dns::Round`]).
    names: Vec<String>,
    round: OnceCell<dns::Round>,
}

/// How a run is set up: where it runs from and how it resolves names. `preflight probe` and the
/// TUI both build their [`Env`] from one of these through [`Env::for_run`].
#[derive(Debug, Clone, Default)]
pub struct RunSpec {
    /// The role this machine plays (the vantage), if any; a role some `outside = true` host of
    /// the site plays makes the run outside.
    pub role: Option<String>,
    /// Resolve as a machine outside the firewall, whatever the role (`--outside`).
    pub outside: bool,
    /// Ask this machine's own resolver too (an inside run only).
    pub system: bool,
    /// Read this hosts file instead of the platform's (an inside run only).
    pub hosts_file: Option<PathBuf>,
    /// Per query and per connection attempt; the defaults when none.
    pub timeout: Option<Duration>,
    /// How gently each server is treated: one budget per server address for the whole run.
    pub politeness: Policy,
}

/// Why a run cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Dns(#[from] dns::DnsError),
    #[error(
        "an outside run resolves names through the site's external resolvers, and the site lists none: add them under [resolvers] as external = [\"IP\"] (what a phone on a carrier network asks)"
    )]
    NoExternalResolvers,
    #[error(
        "an outside run reads no hosts file (a phone on the street has none to edit): leave out the hosts file, or run from a vantage inside"
    )]
    HostsFileOutside,
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
    /// How the server's name resolves: the run's resolution.
    pub lookup: Lookup,
}

impl std::fmt::Debug for SqlEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlEnv")
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("checks", &self.checks.len())
            .field("timeout", &self.timeout)
            .field("lookup", &self.lookup)
            .finish()
    }
}

impl Env {
    /// The environment of a run of a site's probes: the resolvers its DNS checks ask, the
    /// one resolution every connection uses, default timeouts. Inside: this machine's resolver
    /// (when `spec.system`), the site's internal and external resolvers, the hosts file given
    /// or the platform's; connections resolve through the hosts file, then this machine's and
    /// the internal resolvers. Outside (`spec.outside`, or a role an `outside = true` host
    /// plays): the external resolvers alone, for the DNS checks and the connections, no hosts
    /// file, so a stale public address is seen as a phone on the street sees it.
    ///
    /// # Errors
    /// When a resolver cannot be set up (the system configuration unreadable), or an outside
    /// run has no external resolver or is given a hosts file.
    pub fn for_run(site: &Site, spec: &RunSpec) -> Result<Self, SetupError> {
        let outside = spec.outside || spec.role.as_deref().is_some_and(|r| site.is_outside(r));
        let dns = QueryOptions {
            timeout: spec.timeout.unwrap_or(dns::DEFAULT_TIMEOUT),
            ..QueryOptions::default()
        };
        let servers = |list: &[std::net::SocketAddr], side: &str| {
            list.iter()
                .enumerate()
                .map(|(n, addr)| {
                    let spec =
                        dns::ResolverSpec::server(*addr).with_label(format!("{side} {}", n + 1));
                    dns::Resolver::new(&spec, dns)
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let external = servers(&site.resolvers.external, "external")?;
        let (internal, hosts_path, connect_through) = if outside {
            if external.is_empty() {
                return Err(SetupError::NoExternalResolvers);
            }
            if spec.hosts_file.is_some() {
                return Err(SetupError::HostsFileOutside);
            }
            (Vec::new(), None, external.clone())
        } else {
            let mut internal = Vec::new();
            if spec.system {
                internal.push(dns::Resolver::new(&dns::ResolverSpec::system(), dns)?);
            }
            internal.extend(servers(&site.resolvers.internal, "internal")?);
            let hosts = spec.hosts_file.clone().unwrap_or_else(hosts::system_path);
            (internal.clone(), Some(hosts), internal)
        };
        let resolution = Arc::new(Resolution::new(hosts_path.clone(), connect_through));
        let lookup = Lookup::new(Arc::clone(&resolution) as Arc<dyn Resolve>);
        let mut tcp = tcp::Options::default();
        let mut tls = tls::Options {
            lookup: lookup.clone(),
            budget: Budgets::new(spec.politeness),
            ..tls::Options::default()
        };
        if let Some(t) = spec.timeout {
            tcp.timeout = t;
            tls.connect_timeout = t;
        }
        Ok(Self {
            outside,
            internal,
            external,
            hosts_path,
            resolution,
            tcp,
            tls,
            tls_required: Vec::new(),
            anchors: cert::TrustAnchors::system(),
            sql: SqlEnv {
                timeout: Duration::from_secs(15),
                lookup,
                ..SqlEnv::default()
            },
            pfx_password: None,
            names: site.names.iter().map(|n| n.fqdn.clone()).collect(),
            round: OnceCell::new(),
        })
    }

    /// The run's DNS round: every site name asked of every resolver once, the first time a DNS
    /// task needs it.
    async fn round(&self) -> &dns::Round {
        self.round
            .get_or_init(|| {
                dns::Round::ask(
                    &self.internal,
                    &self.external,
                    &self.names,
                    dns::DEFAULT_CONCURRENCY,
                )
            })
            .await
    }

    /// Where the run's connections resolve names, for a result's evidence: the source that
    /// answered and the addresses, or every source asked.
    async fn resolved(&self, host: &str) -> Option<NameResolution> {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if bare.parse::<std::net::IpAddr>().is_ok() {
            return None;
        }
        Some(match self.resolution.lookup(bare).await {
            Ok(r) => NameResolution::Found(r),
            Err(e) => NameResolution::Unresolved {
                error: e.to_string(),
                name: e.name,
                asked: e.asked,
            },
        })
    }
}

/// Runs the tasks, all at once within the run's budgets, sending `Started` for each, then
/// `Finished` for each as it ends, and `Ended`.
pub async fn run(tasks: Vec<(usize, Task)>, env: Arc<Env>, events: mpsc::Sender<Event>) {
    let mut running = FuturesUnordered::new();
    for (i, task) in tasks {
        let _ = events.send(Event::Started(i)).await;
        let env = Arc::clone(&env);
        running.push(async move { (i, execute(&task, &env).await) });
    }
    while let Some((i, results)) = running.next().await {
        let _ = events.send(Event::Finished(i, results)).await;
    }
    let _ = events.send(Event::Ended).await;
}

/// Runs one task.
pub async fn execute(task: &Task, env: &Env) -> Vec<ProbeResult> {
    let mut results = match task {
        Task::Tcp { rule, host } => vec![tcp_task(rule, host, env).await],
        Task::Untestable { rule, why } => vec![untestable(rule, why)],
        Task::Resolvers => env.round().await.resolver_results(),
        Task::Dns { name } => dns_task(name, env).await,
        Task::Hosts { names } => hosts_task(names, env).await,
        Task::Tls { endpoint } => vec![tls_task(endpoint, env).await],
        Task::Sql { instance } => vec![sql_task(instance, env).await],
        Task::Certfile { file } => vec![certfile_task(file, env)],
    };
    // What a vantage outside the firewall saw is marked, so an item about what the site's own
    // machines see (internal resolution) does not take a phone's answer.
    if env.outside {
        for r in &mut results {
            r.evidence.subject.outside = true;
        }
    }
    results
}

/// Reads one certificate file of the site and keeps the facts every file rule is judged from;
/// the verdict here is the worst of what any certificate file is checked for.
fn certfile_task(file: &CertFile, env: &Env) -> ProbeResult {
    let at = crate::stamp::now();
    let started = Instant::now();
    let facts = certfile::measure(
        &file.path,
        env.pfx_password.as_deref(),
        crate::stamp::unix_now(),
    );
    let findings = certfile::findings(&facts);
    let verdict = Finding::worst(&findings);
    let bad = Finding::texts(&findings, Verdict::Warn);
    let summary = match (&facts.inspection, bad.is_empty()) {
        (Some(i), true) => format!(
            "{}: {}, {} certificate(s), {} private key(s)",
            facts.path,
            i.format,
            i.certificates.len(),
            i.private_keys.len()
        ),
        _ => bad.join("; "),
    };
    ProbeResult {
        kind: ProbeKind::Certfile,
        check: "file".to_owned(),
        target: Task::Certfile { file: file.clone() }.label(),
        verdict,
        summary,
        evidence: Evidence {
            subject: Subject {
                role: file.role.clone(),
                ..Subject::default()
            },
            facts: Facts::Certfile(Box::new(CertfileEvidence { facts, findings })),
        },
        at,
        ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// What ties a TCP result to its port rule (and so to checklist items).
fn row_subject(rule: &PortRule, host: Option<&str>) -> Subject {
    Subject {
        row: Some(Row {
            from: rule.from.clone(),
            to: rule.to.clone(),
            protocol: rule.protocol.to_string(),
            ports: rule.ports.clone(),
            purpose: rule.purpose.clone(),
            host: host.map(str::to_owned),
        }),
        ..Subject::default()
    }
}

async fn tcp_task(rule: &PortRule, host: &str, env: &Env) -> ProbeResult {
    let at = crate::stamp::now();
    let started = Instant::now();
    let targets = tcp::targets(host, rule.ports.as_slice());
    let through: Arc<dyn tcp::Resolve> = Arc::clone(&env.resolution) as Arc<dyn tcp::Resolve>;
    let outcomes = tcp::probe(&targets, &env.tcp, through, |_, _| {}).await;
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut result = tcp::probe_result(host, &outcomes, env.tcp.timeout, at, ms);
    result.evidence.subject = Subject {
        resolved: env.resolved(host).await,
        ..row_subject(rule, Some(host))
    };
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
        evidence: Evidence {
            subject: row_subject(rule, None),
            facts: Facts::None,
        },
        at: crate::stamp::now(),
        ms: 0,
    }
}

/// A name's DNS checks, judged from the run's round: `resolves`, `split_horizon` where the site
/// describes both sides and the run asks both, `reverse_matches` where the site asks for it
/// and the run asks internal resolvers.
async fn dns_task(name: &NameCheck, env: &Env) -> Vec<ProbeResult> {
    let round = env.round().await;
    let mut results = Vec::new();
    let all: Vec<dns::Resolver> = env.internal.iter().chain(&env.external).cloned().collect();
    let split = !name.internal.is_empty() || !name.external.is_empty();
    // `resolves`: every resolver against `expect`; or, for a name described per side, the
    // resolvers of the run's side against what they must answer (outside, only the external
    // ones are asked, and a name known inside only is not for them); or, with nothing stated,
    // any answer as long as the resolvers agree.
    let chosen = if !name.expect.is_empty() {
        Some((all.as_slice(), name.expect.clone()))
    } else if !name.internal.is_empty() && !env.outside {
        Some((env.internal.as_slice(), name.internal.clone()))
    } else if !name.external.is_empty() {
        Some((env.external.as_slice(), name.external.clone()))
    } else if split {
        None
    } else {
        Some((all.as_slice(), Vec::new()))
    };
    if let Some((resolvers, addresses)) = chosen {
        let target = Expectation {
            name: name.fqdn.clone(),
            addresses,
        };
        results.push(round.resolves(resolvers, &target));
    }
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
        results.push(round.split_horizon(&env.internal, &env.external, &target));
    }
    if name.reverse && !env.internal.is_empty() {
        results.extend(
            round
                .reverse(
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
    let (host, port) = (endpoint.endpoint.host(), endpoint.endpoint.port());
    let sni = endpoint.sni.clone().or_else(|| {
        host.parse::<std::net::IpAddr>()
            .is_err()
            .then(|| host.to_owned())
    });
    let options = tls::Options {
        transport: if endpoint.tds {
            tls::Transport::Tds
        } else {
            tls::Transport::Direct
        },
        ..env.tls.clone()
    };
    let (facts, scan) = facts::measure(host, port, sni.as_deref(), &options, &env.anchors).await;
    let findings = facts::findings(&facts, &env.tls_required);
    let grade = facts::grade(&facts);
    let verdict = Finding::worst(&findings);
    let bad = Finding::texts(&findings, Verdict::Error);
    // An endpoint nobody answered on has no grade: there was nothing to grade.
    let summary = if !facts.reached() {
        bad.join("; ")
    } else if bad.is_empty() {
        format!("grade {}: {}", grade.grade, facts::offered_summary(&facts))
    } else {
        format!("grade {}: {}", grade.grade, bad.join("; "))
    };
    let evidence = Evidence {
        subject: Subject {
            role: endpoint.role.clone(),
            os: endpoint.os.clone(),
            resolved: env.resolved(host).await,
            ..Subject::default()
        },
        facts: Facts::Tls(Box::new(TlsEvidence {
            facts,
            findings,
            grade,
        })),
    };
    ProbeResult {
        kind: ProbeKind::Tls,
        check: "scan".to_owned(),
        target: label,
        verdict,
        summary,
        evidence,
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
    let subject = &mut result.evidence.subject;
    if let Some(name) = name {
        subject.name.get_or_insert_with(|| name.to_owned());
    }
    if let Some(role) = role {
        subject.role = Some(role.to_owned());
    }
    if let Some(os) = os {
        subject.os = Some(os.clone());
    }
    result
}

async fn hosts_task(names: &[NameCheck], env: &Env) -> Vec<ProbeResult> {
    let Some(path) = &env.hosts_path else {
        return vec![ProbeResult {
            kind: ProbeKind::Hosts,
            check: "entry_present".to_owned(),
            target: "hosts file".to_owned(),
            verdict: Verdict::Skipped,
            summary: "not probed: a vantage outside the site reads no hosts file (a phone on the \
                      street has none to edit)"
                .to_owned(),
            evidence: Evidence {
                subject: Subject {
                    outside: true,
                    ..Subject::default()
                },
                facts: Facts::None,
            },
            at: crate::stamp::now(),
            ms: 0,
        }];
    };
    let file = match HostsFile::read(path) {
        Ok(f) => f,
        Err(e) => {
            return vec![ProbeResult {
                kind: ProbeKind::Hosts,
                check: "entry_present".to_owned(),
                target: path.display().to_string(),
                verdict: Verdict::Error,
                summary: e.to_string(),
                evidence: Evidence::of(Facts::Seen(json!({ "file": path }))),
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
        if here.is_empty()
            || name.hosts_entry.is_some_and(|a| here == [a])
            || env.internal.is_empty()
        {
            continue;
        }
        // DNS as this machine would ask it: the first resolver that answers.
        let result = match env.resolution.lookup_dns(&name.fqdn).await {
            Ok(r) => hosts::consistent_with_dns(&file, &name.fqdn, &r.addresses),
            Err(e) if e.asked.iter().any(|a| a.answered) => {
                hosts::consistent_with_dns(&file, &name.fqdn, &[])
            }
            Err(e) => ProbeResult {
                kind: ProbeKind::Hosts,
                check: "consistent_with_dns".to_owned(),
                target: format!("{} in {}", name.fqdn, file.path.display()),
                verdict: Verdict::Error,
                summary: format!(
                    "could not compare the hosts file with DNS for {}: no resolver answered ({e})",
                    name.fqdn
                ),
                evidence: Evidence::of(Facts::Seen(
                    json!({ "file": file.path, "name": name.fqdn, "asked": e.asked }),
                )),
                at: crate::stamp::now(),
                ms: 0,
            },
        };
        results.push(about(result, Some(&name.fqdn), name.role.as_deref(), None));
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
        evidence: Evidence::none(),
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
    let target = instance.server.target().clone();
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
    options.lookup = env.sql.lookup.clone();
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
    let ms = facts.ms;
    let evidence = Evidence {
        subject: Subject {
            role: instance.role.clone(),
            resolved: env.resolved(&target.host).await,
            ..Subject::default()
        },
        facts: Facts::Sql(Box::new(SqlEvidence { facts, findings })),
    };
    ProbeResult {
        kind: ProbeKind::Sql,
        check: "probe".to_owned(),
        target: label,
        verdict,
        summary,
        ms,
        evidence,
        at,
    }
}
