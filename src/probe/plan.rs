//! From a site and a vantage to the list of probes to run: which port rules this machine
//! checks (those whose source is its role), which hosts each rule's destination means, and the
//! names to resolve. Pure, so what a run will do can be shown before it starts.

use std::net::IpAddr;

use super::ProbeKind;
use crate::rules::{Os, Scope};
use crate::site::{CertFile, NameCheck, PortRule, Protocol, Site, SqlInstance, TlsEndpoint};

/// One unit of probing, as the probes view lists it.
#[derive(Debug, Clone, PartialEq)]
pub enum Task {
    /// Connect to every port of a rule on one destination host.
    Tcp { rule: PortRule, host: String },
    /// A rule that cannot be probed from here, and why (UDP, or no host for its destination).
    Untestable { rule: PortRule, why: String },
    /// Whether each resolver of the run answers (`resolver_up`): a resolver that is down is
    /// said here once, and left out of every name's judgement.
    Resolvers,
    /// Resolve a name through every resolver and compare.
    Dns { name: NameCheck },
    /// Check the hosts file for the entries the site's names need, and against DNS.
    Hosts { names: Vec<NameCheck> },
    /// Scan a TLS endpoint: protocols, suites, the certificate and its trust.
    Tls { endpoint: TlsEndpoint },
    /// Log in to a SQL Server and read what the checklist asks of it.
    Sql { instance: SqlInstance },
    /// Read a certificate file of the site (a PFX with its password): what it holds.
    Certfile { file: CertFile },
}

impl Task {
    pub fn kind(&self) -> ProbeKind {
        match self {
            Task::Tcp { .. } | Task::Untestable { .. } => ProbeKind::Tcp,
            Task::Resolvers | Task::Dns { .. } => ProbeKind::Dns,
            Task::Tls { .. } => ProbeKind::Tls,
            Task::Sql { .. } => ProbeKind::Sql,
            Task::Certfile { .. } => ProbeKind::Certfile,
            Task::Hosts { .. } => ProbeKind::Hosts,
        }
    }

    /// What the task probes, in the words of the probes view.
    pub fn label(&self) -> String {
        match self {
            Task::Tcp { rule, host } => format!(
                "{} → {} ({host}) {} {}",
                rule.from, rule.to, rule.protocol, rule.ports
            ),
            Task::Untestable { rule, .. } => {
                format!(
                    "{} → {} {} {}",
                    rule.from, rule.to, rule.protocol, rule.ports
                )
            }
            Task::Resolvers => "DNS resolvers answer".to_owned(),
            Task::Dns { name } => format!("resolve {}", name.fqdn),
            Task::Tls { endpoint } if endpoint.tds => {
                format!("TLS {} (inside TDS)", endpoint.endpoint)
            }
            Task::Tls { endpoint } => format!("TLS {}", endpoint.endpoint),
            Task::Sql { instance } => format!(
                "SQL Server {}{}",
                instance.server,
                instance
                    .user
                    .as_deref()
                    .map(|u| format!(" as {u}"))
                    .unwrap_or_default()
            ),
            Task::Certfile { file } => format!("certificate file {}", file.path.display()),
            Task::Hosts { names } => format!(
                "hosts file entries for {} name{}",
                names.len(),
                if names.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

/// Which port rules a run checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vantage {
    /// The rules whose source is this role.
    Role(String),
    /// No role: port rules are not probed (they only make sense from their source).
    None,
}

/// The probes for a site from a vantage, limited to `only` kinds (all when empty).
pub fn plan(site: &Site, vantage: &Vantage, only: &[ProbeKind]) -> Vec<Task> {
    let wanted = |k: ProbeKind| only.is_empty() || only.contains(&k);
    let mut tasks = Vec::new();
    if wanted(ProbeKind::Dns) && !site.names.is_empty() {
        tasks.push(Task::Resolvers);
        tasks.extend(site.names.iter().map(|n| Task::Dns { name: n.clone() }));
    }
    if wanted(ProbeKind::Hosts) && !site.names.is_empty() {
        tasks.push(Task::Hosts {
            names: site.names.iter().map(|n| hosts_here(n, vantage)).collect(),
        });
    }
    if wanted(ProbeKind::Tls) {
        tasks.extend(site.tls.iter().map(|e| Task::Tls {
            endpoint: TlsEndpoint {
                os: e.os.clone().or_else(|| endpoint_os(site, e)),
                ..e.clone()
            },
        }));
    }
    if wanted(ProbeKind::Sql) {
        tasks.extend(site.sql.iter().map(|s| Task::Sql {
            instance: s.clone(),
        }));
    }
    if wanted(ProbeKind::Certfile) {
        tasks.extend(
            site.certfiles
                .iter()
                .map(|f| Task::Certfile { file: f.clone() }),
        );
    }
    if wanted(ProbeKind::Tcp)
        && let Vantage::Role(role) = vantage
    {
        for rule in site
            .ports
            .iter()
            .filter(|r| Scope::same_role(&r.from, role))
        {
            tasks.extend(port_tasks(site, rule));
        }
    }
    tasks
}

/// A name as this vantage's hosts file must carry it: an entry the site requires only on some
/// roles' machines is not required (nor expected) elsewhere.
fn hosts_here(name: &NameCheck, vantage: &Vantage) -> NameCheck {
    let here = name.hosts_on.is_empty()
        || matches!(vantage, Vantage::Role(role) if name.hosts_on.iter().any(|r| Scope::same_role(r, role)));
    NameCheck {
        hosts_entry: name.hosts_entry.filter(|_| here),
        ..name.clone()
    }
}

/// The OS of the server behind a TLS endpoint: that of the site host whose address is the
/// endpoint's host, else of a host playing the endpoint's role.
fn endpoint_os(site: &Site, endpoint: &TlsEndpoint) -> Option<Os> {
    let host = endpoint.endpoint.host();
    site.hosts
        .iter()
        .find(|h| h.address.eq_ignore_ascii_case(host))
        .or_else(|| {
            let role = endpoint.role.as_deref()?;
            site.hosts
                .iter()
                .find(|h| h.roles.iter().any(|r| Scope::same_role(r, role)))
        })
        .and_then(|h| h.os.clone())
}

fn port_tasks(site: &Site, rule: &PortRule) -> Vec<Task> {
    if rule.protocol == Protocol::Udp {
        return vec![Task::Untestable {
            rule: rule.clone(),
            why: "UDP cannot be tested by a connect: nothing answers a UDP probe unless the service is running, and silence proves nothing".to_owned(),
        }];
    }
    let hosts = destinations(site, &rule.to);
    if hosts.is_empty() {
        return vec![Task::Untestable {
            rule: rule.clone(),
            why: format!(
                "no host of the site has the role `{}`: give a host that role, or write its address in the rule",
                rule.to
            ),
        }];
    }
    hosts
        .into_iter()
        .map(|host| Task::Tcp {
            rule: rule.clone(),
            host,
        })
        .collect()
}

/// The hosts a rule's destination means: the site's hosts with that role; else the host of a
/// URL (`https://amclr1.amcomamc.com`) or the addresses written in it (the guide names its
/// data centres as `… East Coast, 107.21.32.169 / 107.21.32.168`).
pub fn destinations(site: &Site, to: &str) -> Vec<String> {
    let by_role: Vec<String> = site
        .hosts
        .iter()
        .filter(|h| h.roles.iter().any(|r| Scope::same_role(r, to)))
        .map(|h| h.address.clone())
        .collect();
    if !by_role.is_empty() {
        return by_role;
    }
    let t = to.trim();
    if let Some(rest) = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
    {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        if !host.is_empty() {
            return vec![host.to_owned()];
        }
    }
    t.split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'))
        .filter(|w| w.contains(['.', ':']) && w.parse::<IpAddr>().is_ok())
        .map(str::to_owned)
        .collect()
}

/// The role of the machine this runs on, when the site names it as a host (by its name or the
/// first label of its address); `None` when it is not one of the site's hosts, or plays
/// several roles (then the person must say which with `--from`).
pub fn own_role(site: &Site, hostname: &str) -> Option<String> {
    let me = hostname.split('.').next().unwrap_or(hostname);
    let host = site.hosts.iter().find(|h| {
        h.name.eq_ignore_ascii_case(me)
            || h.address
                .split('.')
                .next()
                .is_some_and(|a| a.eq_ignore_ascii_case(me))
    })?;
    match host.roles.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::site::example::EXAMPLE;

    fn site() -> Site {
        let mut site = Site::parse(EXAMPLE, Path::new("site.toml")).expect("example");
        let extra = r#"
[[port]]
from = "Console Web Server - 1"
to = "Spok Mobile Hosted Cloud, Primary Data Center - East Coast, 107.21.32.169 / 107.21.32.168"
ports = "443"

[[port]]
from = "Console Web Server - 1"
to = "https://amclr1.amcomamc.com"
ports = "443,2001,8091"

[[port]]
from = "Console Web Server - 1"
to = "SAN/DFS/File Server"
protocol = "udp"
ports = "135-139"

[[port]]
from = "Care Connect Server, Primary"
to = "MS SQL Server Cluster"
ports = "1433"
"#;
        site.merge(
            &Site::parse(extra, Path::new("extra.toml")).expect("extra"),
            None,
        )
        .expect("merge");
        site
    }

    #[test]
    fn rules_of_the_vantage_become_tasks_per_destination() {
        let site = site();
        let tasks = plan(
            &site,
            &Vantage::Role("console web server - 1".into()),
            &[ProbeKind::Tcp],
        );
        let labels: Vec<String> = tasks.iter().map(Task::label).collect();
        assert_eq!(tasks.len(), 6, "{labels:#?}");
        assert!(matches!(&tasks[0], Task::Tcp { host, .. } if host == "spokmobile.example.org"));
        assert!(matches!(&tasks[1], Task::Tcp { host, .. } if host == "sqlcluster.example.org"));
        assert!(matches!(&tasks[2], Task::Tcp { host, .. } if host == "107.21.32.169"));
        assert!(matches!(&tasks[3], Task::Tcp { host, .. } if host == "107.21.32.168"));
        assert!(matches!(&tasks[4], Task::Tcp { host, .. } if host == "amclr1.amcomamc.com"));
        assert!(matches!(&tasks[5], Task::Untestable { why, .. } if why.starts_with("UDP")));
    }

    #[test]
    fn without_a_role_no_port_rule_is_probed_and_kinds_filter() {
        let site = site();
        let all = plan(&site, &Vantage::None, &[]);
        assert!(all.iter().all(|t| t.kind() != ProbeKind::Tcp));
        assert_eq!(
            all.len(),
            7,
            "the resolvers, two names, the hosts file, the TLS endpoint, the SQL instance and \
             the certificate file"
        );
        assert_eq!(all[0], Task::Resolvers);
        assert!(
            matches!(&all[5], Task::Sql { instance } if instance.server.to_string().ends_with("SPOK"))
        );
        assert_eq!(plan(&site, &Vantage::None, &[ProbeKind::Hosts]).len(), 1);
    }

    #[test]
    fn a_destination_nobody_plays_is_untestable_with_advice() {
        let mut site = site();
        site.hosts.clear();
        let tasks = plan(
            &site,
            &Vantage::Role("Care Connect Server, Primary".into()),
            &[],
        );
        let untestable: Vec<_> = tasks
            .iter()
            .filter_map(|t| match t {
                Task::Untestable { why, .. } => Some(why.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(untestable.len(), 1);
        assert!(untestable[0].contains("no host of the site has the role `MS SQL Server Cluster`"));
    }

    #[test]
    fn own_role_from_the_host_name() {
        let site = site();
        assert_eq!(
            own_role(&site, "CWS1").as_deref(),
            Some("Console Web Server - 1")
        );
        assert_eq!(
            own_role(&site, "sqlcluster.example.org").as_deref(),
            Some("MS SQL Server Cluster")
        );
        assert_eq!(own_role(&site, "laptop"), None);
    }
}
