//! How a run turns a host name into addresses for its connections (TCP, TLS, SQL Server), so
//! every connection sees the names the way the run's DNS checks do.
//!
//! A [`Resolution`] is the path one run configures: the run's hosts file first, as the
//! operating system reads it before DNS; then the run's resolvers in order, as a stub resolver
//! asks its servers: a server that does not answer (or fails: SERVFAIL, REFUSED) is skipped for
//! the next, a server that says the name does not exist ends the search. A server that stayed
//! silent is asked after the others for the rest of the run, as the Windows DNS client does, so
//! one dead server costs one timeout, not one per name. Each name is resolved once per run, so
//! TCP, TLS and SQL see the same addresses; the answer remembers which source gave it, and a
//! name that does not resolve says every source asked and what it said.
//!
//! [`Resolve`] is what the probes take; [`SystemResolver`] (the operating system's
//! `getaddrinfo`) is kept for the single-purpose commands (`preflight tcp`, `tls`, `sql`) and
//! as the default of the probes' options. [`Lookup`] is a shared handle options structs hold.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use super::dns::{self, Answer, QueryType, Resolver, Status};
use super::hosts::HostsFile;
use super::lock;

/// A resolution in progress: the addresses of a name, or why there are none.
pub type Resolving<'a> = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send + 'a>>;

/// Turns host names into addresses. Probes take one so that a run's connections resolve the
/// way the run is configured; tests inject their own so no test ever sends a query to this
/// machine's DNS servers.
pub trait Resolve: Send + Sync {
    fn resolve<'a>(&'a self, host: &'a str) -> Resolving<'a>;
}

/// The operating system's resolver (hosts file, then DNS, as the system is configured).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> Resolving<'a> {
        Box::pin(async move {
            // `lookup_host` runs `getaddrinfo` on a blocking thread; dropping this future does
            // not stop that thread, but its answer is then simply dropped.
            let addrs = tokio::net::lookup_host((host, 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// A shared [`Resolve`] that options structs can hold: cloned cheaply, compared by identity.
#[derive(Clone)]
pub struct Lookup(Arc<dyn Resolve>);

impl Lookup {
    pub fn new(resolver: Arc<dyn Resolve>) -> Self {
        Self(resolver)
    }

    /// The operating system's resolver.
    pub fn system() -> Self {
        Self(Arc::new(SystemResolver))
    }

    pub fn resolver(&self) -> Arc<dyn Resolve> {
        Arc::clone(&self.0)
    }

    /// The addresses of `host`: an IP literal (bracketed or not) as it is, a name through the
    /// resolver.
    ///
    /// # Errors
    /// When the name does not resolve, in the resolver's words.
    pub async fn addresses(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let ips = self.0.resolve(bare).await?;
        if ips.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{bare} has no address"),
            ));
        }
        Ok(ips)
    }
}

impl Default for Lookup {
    fn default() -> Self {
        Self::system()
    }
}

impl PartialEq for Lookup {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.0), Arc::as_ptr(&other.0))
    }
}

impl Eq for Lookup {}

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Lookup(..)")
    }
}

/// A name's addresses and the source that gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    pub name: String,
    pub addresses: Vec<IpAddr>,
    /// "the hosts file /etc/hosts", "internal 1 (10.0.0.53:53)".
    pub source: String,
}

/// One source asked about a name, and what it said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asked {
    pub source: String,
    pub said: String,
    /// The source answered that it has nothing for the name (no hosts entry, NXDOMAIN, no
    /// record), as opposed to failing or staying silent.
    pub answered: bool,
}

/// A name no source of the run resolves: every source asked, in order, and what it said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    pub name: String,
    pub asked: Vec<Asked>,
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.asked.is_empty() {
            return f.write_str("this run has no hosts file and no resolver to ask");
        }
        let parts: Vec<String> = self
            .asked
            .iter()
            .map(|a| format!("{}: {}", a.source, a.said))
            .collect();
        write!(f, "asked {}", parts.join("; "))
    }
}

impl std::error::Error for Unresolved {}

/// A name's resolution, once per run.
type Memo = OnceCell<Result<Resolved, Unresolved>>;

/// What one resolver said about a name.
enum Said {
    Addresses(Vec<IpAddr>),
    /// It answered: no such name, or no address for it. The search ends here.
    Nothing(String),
    /// It failed (SERVFAIL, REFUSED) or stayed silent: the next one is asked.
    Failed {
        words: String,
        silent: bool,
    },
}

/// A run's way of resolving names for its connections: its hosts file (if any), then its
/// resolvers in order.
pub struct Resolution {
    hosts: Option<PathBuf>,
    /// The hosts file as read the first time it is needed.
    hosts_file: OnceLock<Result<HostsFile, String>>,
    resolvers: Vec<Resolver>,
    /// Labels of resolvers that stayed silent in this run: asked after the others.
    silent: Mutex<Vec<String>>,
    /// Each name's resolution, once per run.
    memo: Mutex<HashMap<String, Arc<Memo>>>,
}

impl fmt::Debug for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolution")
            .field("sources", &self.sources())
            .finish_non_exhaustive()
    }
}

impl Resolution {
    /// `hosts`: the hosts file read before DNS (none for a vantage outside the site);
    /// `resolvers`: asked in this order.
    pub fn new(hosts: Option<PathBuf>, resolvers: Vec<Resolver>) -> Self {
        Self {
            hosts,
            hosts_file: OnceLock::new(),
            resolvers,
            silent: Mutex::new(Vec::new()),
            memo: Mutex::new(HashMap::new()),
        }
    }

    /// The sources in the order they are asked, in words.
    pub fn sources(&self) -> Vec<String> {
        self.hosts
            .iter()
            .map(|p| hosts_source(p))
            .chain(self.resolvers.iter().map(resolver_source))
            .collect()
    }

    /// The hosts file read before DNS, if the run has one.
    pub fn hosts_path(&self) -> Option<&std::path::Path> {
        self.hosts.as_deref()
    }

    /// The resolvers asked after the hosts file, in order.
    pub fn resolvers(&self) -> &[Resolver] {
        &self.resolvers
    }

    /// The addresses of `name`, resolved once per run: the hosts file, then the resolvers.
    ///
    /// # Errors
    /// When no source resolves it: every source asked and what it said.
    pub async fn lookup(&self, name: &str) -> Result<Resolved, Unresolved> {
        let cell = {
            let mut memo = lock(&self.memo);
            Arc::clone(memo.entry(dns::name_key(name)).or_default())
        };
        cell.get_or_init(|| self.resolve_now(name, true))
            .await
            .clone()
    }

    /// The addresses DNS alone gives `name` (the hosts file left out): what the hosts file is
    /// compared with. Not remembered.
    ///
    /// # Errors
    /// When no resolver resolves it.
    pub async fn lookup_dns(&self, name: &str) -> Result<Resolved, Unresolved> {
        self.resolve_now(name, false).await
    }

    async fn resolve_now(&self, name: &str, with_hosts: bool) -> Result<Resolved, Unresolved> {
        let name = name.trim().trim_end_matches('.').to_owned();
        let mut asked = Vec::new();
        if with_hosts && let Some(path) = &self.hosts {
            let source = hosts_source(path);
            match self.hosts_file(path) {
                Ok(file) => {
                    let addresses = file.lookup(&name).addresses();
                    if !addresses.is_empty() {
                        return Ok(Resolved {
                            name,
                            addresses,
                            source,
                        });
                    }
                    asked.push(Asked {
                        source,
                        said: "no entry".to_owned(),
                        answered: true,
                    });
                }
                Err(e) => asked.push(Asked {
                    source,
                    said: format!("could not be read ({e})"),
                    answered: false,
                }),
            }
        }
        for r in self.in_order() {
            let source = resolver_source(r);
            match ask(r, &name).await {
                Said::Addresses(addresses) => {
                    self.heard(r, true);
                    return Ok(Resolved {
                        name,
                        addresses,
                        source,
                    });
                }
                Said::Nothing(said) => {
                    self.heard(r, true);
                    asked.push(Asked {
                        source,
                        said,
                        answered: true,
                    });
                    break;
                }
                Said::Failed { words, silent } => {
                    self.heard(r, !silent);
                    asked.push(Asked {
                        source,
                        said: words,
                        answered: false,
                    });
                }
            }
        }
        if self.resolvers.is_empty() {
            asked.push(Asked {
                source: "DNS".to_owned(),
                said: "this run has no resolver to ask".to_owned(),
                answered: false,
            });
        }
        Err(Unresolved { name, asked })
    }

    fn hosts_file(&self, path: &std::path::Path) -> Result<&HostsFile, &String> {
        self.hosts_file
            .get_or_init(|| HostsFile::read(path).map_err(|e| e.to_string()))
            .as_ref()
    }

    /// The resolvers, those that stayed silent in this run last.
    fn in_order(&self) -> Vec<&Resolver> {
        let silent = lock(&self.silent).clone();
        let (quiet, rest): (Vec<&Resolver>, Vec<&Resolver>) = self
            .resolvers
            .iter()
            .partition(|r| silent.iter().any(|s| s == r.label()));
        rest.into_iter().chain(quiet).collect()
    }

    fn heard(&self, r: &Resolver, answered: bool) {
        let mut silent = lock(&self.silent);
        silent.retain(|s| s != r.label());
        if !answered {
            silent.push(r.label().to_owned());
        }
    }
}

impl Resolve for Resolution {
    fn resolve<'a>(&'a self, host: &'a str) -> Resolving<'a> {
        Box::pin(async move {
            self.lookup(host)
                .await
                .map(|r| r.addresses)
                .map_err(|e| io::Error::new(io::ErrorKind::NotFound, e.to_string()))
        })
    }
}

/// Asks one resolver for the A and AAAA records of `name` at once.
async fn ask(r: &Resolver, name: &str) -> Said {
    let (a, aaaa) = tokio::join!(r.query(name, QueryType::A), r.query(name, QueryType::Aaaa));
    let mut addresses: Vec<IpAddr> = Vec::new();
    for ip in a.addresses().into_iter().chain(aaaa.addresses()) {
        if !addresses.contains(&ip) {
            addresses.push(ip);
        }
    }
    if !addresses.is_empty() {
        return Said::Addresses(addresses);
    }
    // NXDOMAIN for either type speaks for the name; "no record" only when both types say so
    // (an A record missing beside a silent AAAA query is not an answer about the name).
    if let Some(no) = [&a, &aaaa]
        .into_iter()
        .find(|x| x.status == Status::Nxdomain)
        .or_else(|| (a.status.is_negative() && aaaa.status.is_negative()).then_some(&a))
    {
        return Said::Nothing(short(no, r));
    }
    let worst = if a.status.is_ok() { &aaaa } else { &a };
    Said::Failed {
        words: short(worst, r),
        silent: !a.status.is_reply() && !aaaa.status.is_reply(),
    }
}

/// What a resolver said, in a few words (the source is named beside it).
fn short(a: &Answer, r: &Resolver) -> String {
    match a.status {
        Status::Nxdomain => "no such name (NXDOMAIN)".to_owned(),
        Status::NoAnswer | Status::Ok => "no A or AAAA record for it".to_owned(),
        Status::Servfail => "SERVFAIL".to_owned(),
        Status::Refused => "REFUSED".to_owned(),
        Status::Timeout => format!(
            "no answer within {}",
            dns::show_duration(r.options().timeout)
        ),
        Status::Error => a.detail.clone().unwrap_or_else(|| "error".to_owned()),
    }
}

fn hosts_source(path: &std::path::Path) -> String {
    format!("the hosts file {}", path.display())
}

/// "internal 1 (10.0.0.53:53)", "system (127.0.0.53:53)".
fn resolver_source(r: &Resolver) -> String {
    let servers: Vec<String> = r.servers().iter().map(SocketAddr::to_string).collect();
    if servers.is_empty() {
        r.label().to_owned()
    } else {
        format!("{} ({})", r.label(), servers.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unresolved_names_every_source_asked() {
        let e = Unresolved {
            name: "sms.box.test".to_owned(),
            asked: vec![
                Asked {
                    source: "the hosts file /tmp/hosts".to_owned(),
                    said: "no entry".to_owned(),
                    answered: true,
                },
                Asked {
                    source: "internal 1 (127.0.0.2:53)".to_owned(),
                    said: "no such name (NXDOMAIN)".to_owned(),
                    answered: true,
                },
            ],
        };
        assert_eq!(
            e.to_string(),
            "asked the hosts file /tmp/hosts: no entry; internal 1 (127.0.0.2:53): no such name (NXDOMAIN)"
        );
    }

    #[tokio::test]
    async fn a_hosts_file_alone_resolves_and_literals_skip_the_resolver() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hosts");
        std::fs::write(&path, "127.0.0.9 sms.box.test\n").expect("hosts");
        let r = Arc::new(Resolution::new(Some(path.clone()), Vec::new()));
        let got = r.lookup("SMS.box.test.").await.expect("resolves");
        assert_eq!(got.addresses, ["127.0.0.9".parse::<IpAddr>().expect("ip")]);
        assert_eq!(got.source, format!("the hosts file {}", path.display()));
        let e = r.lookup("other.box.test").await.expect_err("unknown");
        assert_eq!(
            e.to_string(),
            format!(
                "asked the hosts file {}: no entry; DNS: this run has no resolver to ask",
                path.display()
            )
        );
        let lookup = Lookup::new(r);
        assert_eq!(
            lookup.addresses("[::1]").await.expect("literal"),
            ["::1".parse::<IpAddr>().expect("ip")]
        );
        assert_eq!(lookup, lookup.clone());
        assert_ne!(lookup, Lookup::system());
    }
}
