//! DNS probe: what the site's resolvers say about the names a go-live depends on.
//!
//! A [`Resolver`] is either the machine's own configuration (hickory's resolver, as hickory
//! reads it: resolv.conf, the Windows registry) or one named server `IP[:PORT]`, asked directly
//! over UDP sockets its queries share, with TCP when a reply is truncated (`direct`, `sockets`).
//! Every query has a hard timeout and, by default, one attempt: on site a consultant wants a
//! fast, honest "did not answer" rather than a slow retry. An [`Answer`] keeps what came back
//! for one (name, resolver, type): a [`Status`] that tells NXDOMAIN from a name without a
//! record of that type, the records as text, the CNAME chain followed, and the time taken.
//!
//! The comparisons ([`resolves`], [`split_horizon`], [`reverse_matches`]) query first and then
//! judge with pure functions (`judge_*`), so the wording of every verdict is tested without a
//! network. They implement the checklist checks of the same names.
//!
//! Answers never come from the hosts file or from a cache: the hosts probe compares the hosts
//! file with DNS, which needs DNS alone, and a probe run again must ask again.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use hickory_resolver::TokioResolver;
use hickory_resolver::config::ResolveHosts;
use hickory_resolver::lookup::Lookup;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError as HickoryDnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Evidence, Facts, ProbeKind, ProbeResult, Verdict};

mod direct;
mod sockets;

use direct::Direct;
use sockets::UdpSockets;

/// How long one query may take before it counts as unanswered.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// How many times a query is sent before giving up.
pub const DEFAULT_ATTEMPTS: u32 = 1;
/// Queries in flight at once, across every resolver: enough to ask a thousand names in well
/// under a second, few enough not to look like a flood to a site's DNS server.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// Longest CNAME chain followed; hickory stops at the same depth.
const MAX_CHAIN: usize = 8;
/// The hard timeout wraps hickory's own by this much, so hickory's answer wins when both fire.
const GRACE: Duration = Duration::from_millis(50);

// ---------------------------------------------------------------------------------------------
// Errors

/// What can go wrong before a single query is sent: bad input, or no resolver to ask.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("invalid resolver `{text}`: {problem}")]
    BadResolver { text: String, problem: String },
    #[error("invalid name `{text}`: {problem}")]
    BadName { text: String, problem: String },
    #[error("invalid record type `{0}`: expected A, AAAA, CNAME or PTR")]
    BadType(String),
    /// A line of a names list; the caller adds the file.
    #[error("line {line}: {problem}")]
    NamesList { line: usize, problem: String },
    #[error("cannot read this machine's resolver configuration: {0}")]
    SystemConfig(String),
    #[error("cannot set up the resolver {label}: {reason}")]
    Setup { label: String, reason: String },
}

// ---------------------------------------------------------------------------------------------
// Record types and statuses

/// The record types the probe asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum QueryType {
    #[serde(rename = "A")]
    A,
    #[serde(rename = "AAAA")]
    Aaaa,
    /// The whole chain is followed and recorded, one hop per query.
    #[serde(rename = "CNAME")]
    Cname,
    /// For an address, the reverse name is asked (`3.2.1.10.in-addr.arpa`).
    #[serde(rename = "PTR")]
    Ptr,
}

impl QueryType {
    pub const ALL: [QueryType; 4] = [
        QueryType::A,
        QueryType::Aaaa,
        QueryType::Cname,
        QueryType::Ptr,
    ];

    pub fn name(self) -> &'static str {
        match self {
            QueryType::A => "A",
            QueryType::Aaaa => "AAAA",
            QueryType::Cname => "CNAME",
            QueryType::Ptr => "PTR",
        }
    }

    fn record_type(self) -> RecordType {
        match self {
            QueryType::A => RecordType::A,
            QueryType::Aaaa => RecordType::AAAA,
            QueryType::Cname => RecordType::CNAME,
            QueryType::Ptr => RecordType::PTR,
        }
    }

    /// What a person asking about `name` most likely wants: PTR for an address, A otherwise.
    pub fn default_for(name: &str) -> QueryType {
        if name.trim().parse::<IpAddr>().is_ok() {
            QueryType::Ptr
        } else {
            QueryType::A
        }
    }
}

impl fmt::Display for QueryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for QueryType {
    type Err = DnsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| DnsError::BadType(s.to_owned()))
    }
}

/// How one query ended. NXDOMAIN (the name does not exist) and `no_answer` (the name exists,
/// without a record of the type asked) are kept apart: the first is a missing DNS entry, the
/// second usually an IPv4-only host asked for AAAA, or an alias asked for its A record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Nxdomain,
    Servfail,
    NoAnswer,
    Timeout,
    Refused,
    Error,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Nxdomain => "nxdomain",
            Status::Servfail => "servfail",
            Status::NoAnswer => "no_answer",
            Status::Timeout => "timeout",
            Status::Refused => "refused",
            Status::Error => "error",
        }
    }

    pub fn is_ok(self) -> bool {
        self == Status::Ok
    }

    /// The resolver answered, and the answer is that there is nothing (as opposed to a resolver
    /// that failed, refused or stayed silent).
    pub fn is_negative(self) -> bool {
        matches!(self, Status::Nxdomain | Status::NoAnswer)
    }

    /// The resolver sent a reply, whatever it said (an answer, NXDOMAIN, SERVFAIL, REFUSED), as
    /// opposed to silence or a failure to reach it.
    pub fn is_reply(self) -> bool {
        !matches!(self, Status::Timeout | Status::Error)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ---------------------------------------------------------------------------------------------
// Answers

/// One (name, resolver, type) and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The name as it was asked (an address, for PTR).
    pub name: String,
    /// The resolver's label (`internal`, `system`, `10.0.0.53`).
    pub resolver: String,
    pub qtype: QueryType,
    pub status: Status,
    /// The records of the type asked, as text: addresses, or names without the final dot. For
    /// CNAME, the first hop; the rest is in `chain`.
    pub records: Vec<String>,
    /// The aliases followed from `name`, in order (`web.example.org`, `lb.example.org`).
    pub chain: Vec<String>,
    /// The absolute name the resolver answered for, when it differs from `name`: a short name
    /// completed by the system resolver's search domains, or the reverse name of an address.
    pub fqdn: Option<String>,
    pub ms: u64,
    /// Plain words for anything other than a clean answer: what the resolver said, and what it
    /// means.
    pub detail: Option<String>,
}

impl Answer {
    /// The addresses among the records (A and AAAA answers).
    pub fn addresses(&self) -> Vec<IpAddr> {
        self.records.iter().filter_map(|r| r.parse().ok()).collect()
    }

    /// The answer in a few words: the records (and the chain that led to them), or what went
    /// wrong.
    pub fn words(&self) -> String {
        if self.status.is_ok() {
            let mut s = self.records.join(", ");
            if self.qtype == QueryType::Cname {
                if self.chain.len() > 1 {
                    s = self.chain.join(" → ");
                }
            } else if !self.chain.is_empty() {
                let _ = write!(s, " (via {})", self.chain.join(" → "));
            }
            if let Some(d) = &self.detail {
                let _ = write!(s, "; {d}");
            }
            s
        } else {
            self.detail
                .clone()
                .unwrap_or_else(|| self.status.name().to_owned())
        }
    }

    /// The stable JSON shape scripts read: `name`, `resolver`, `type`, `status`, `records`,
    /// `ms` always, then `chain`, `fqdn` and `detail`.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "resolver": self.resolver,
            "type": self.qtype.name(),
            "status": self.status.name(),
            "records": self.records,
            "ms": self.ms,
            "chain": self.chain,
            "fqdn": self.fqdn,
            "detail": self.detail,
        })
    }

    /// What two resolvers are compared on: the status, and for an answer its records (sorted,
    /// since order carries no meaning in DNS).
    fn comparable(&self) -> (Status, Vec<String>) {
        let mut records: Vec<String> = self.records.iter().map(|r| r.to_lowercase()).collect();
        records.sort();
        records.dedup();
        (self.status, records)
    }
}

/// One question: a name and the type asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    pub name: String,
    pub qtype: QueryType,
}

impl Question {
    pub fn new(name: impl Into<String>, qtype: QueryType) -> Self {
        Self {
            name: name.into(),
            qtype,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Resolvers

/// Where a resolver's queries go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Upstream {
    /// This machine's configuration, as the operating system would use it.
    System,
    /// One server, UDP with TCP fallback.
    Server(SocketAddr),
}

/// A resolver as the user named it: a label and where it sends queries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResolverSpec {
    pub label: String,
    pub upstream: Upstream,
}

impl ResolverSpec {
    pub fn system() -> Self {
        Self {
            label: "system".to_owned(),
            upstream: Upstream::System,
        }
    }

    /// A server labelled with its own address (`10.0.0.53`, or `10.0.0.53:5353` off port 53).
    pub fn server(addr: SocketAddr) -> Self {
        Self {
            label: show_addr(addr),
            upstream: Upstream::Server(addr),
        }
    }

    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Parses `IP`, `IP:PORT`, `[IPv6]:PORT`, each optionally as `LABEL=…`
    /// (`internal=10.0.0.53`). Host names are refused: a resolver cannot be found through DNS
    /// when DNS is what is being checked.
    ///
    /// # Errors
    /// When the text is not one of those forms, the port is 0, or the label is empty or has
    /// characters other than letters, digits, `-`, `_` and `.`.
    pub fn parse(text: &str) -> Result<Self, DnsError> {
        let bad = |problem: &str| DnsError::BadResolver {
            text: text.to_owned(),
            problem: problem.to_owned(),
        };
        let t = text.trim();
        let (label, addr) = match t.split_once('=') {
            Some((label, addr)) => (Some(label.trim()), addr.trim()),
            None => (None, t),
        };
        if let Some(label) = label
            && (label.is_empty()
                || !label
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(bad(
                "a label has letters, digits, `-`, `_` and `.` only, as in internal=10.0.0.53",
            ));
        }
        let addr = if let Ok(ip) = addr.parse::<IpAddr>() {
            SocketAddr::new(ip, 53)
        } else if let Ok(sa) = addr.parse::<SocketAddr>() {
            sa
        } else {
            return Err(bad(
                "expected an address with an optional port, such as 10.0.0.53, 10.0.0.53:5353 or [fd00::53]:53",
            ));
        };
        if addr.port() == 0 {
            return Err(bad("port 0 is not a port"));
        }
        let spec = Self::server(addr);
        Ok(match label {
            Some(label) => spec.with_label(label),
            None => spec,
        })
    }
}

impl FromStr for ResolverSpec {
    type Err = DnsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// How patient a resolver is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryOptions {
    /// Per attempt.
    pub timeout: Duration,
    /// Times a query is sent, at least 1.
    pub attempts: u32,
}

impl Default for QueryOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            attempts: DEFAULT_ATTEMPTS,
        }
    }
}

impl QueryOptions {
    /// The longest a query may take in all.
    pub fn budget(&self) -> Duration {
        self.timeout.saturating_mul(self.attempts.max(1))
    }
}

/// A resolver ready to ask: cheap to clone, shared by every query of a run.
#[derive(Debug, Clone)]
pub struct Resolver {
    label: String,
    servers: Vec<SocketAddr>,
    /// "the resolver internal (10.0.0.53)": how sentences name it.
    who: String,
    opts: QueryOptions,
    asks: Asks,
}

/// Who a resolver's questions go to.
#[derive(Debug, Clone)]
enum Asks {
    /// hickory's resolver, configured as this machine is.
    System(Box<TokioResolver>),
    /// One named server, asked directly.
    Server(Direct),
}

impl Resolver {
    /// Sets up a resolver. The system one reads this machine's configuration now.
    ///
    /// # Errors
    /// When the system configuration cannot be read or names no server, or hickory refuses the
    /// configuration.
    pub fn new(spec: &ResolverSpec, opts: QueryOptions) -> Result<Self, DnsError> {
        let opts = QueryOptions {
            timeout: opts.timeout.max(Duration::from_millis(1)),
            attempts: opts.attempts.max(1),
        };
        let (servers, asks) = match spec.upstream {
            Upstream::System => system_resolver(&spec.label, opts)?,
            Upstream::Server(addr) => (
                vec![addr],
                Asks::Server(Direct::new(addr, opts, UdpSockets::default())),
            ),
        };
        let shown: Vec<String> = servers.iter().map(|s| show_addr(*s)).collect();
        let who = if matches!(asks, Asks::System(_)) {
            format!("the system resolver ({})", shown.join(", "))
        } else if shown.first() == Some(&spec.label) {
            format!("the resolver {}", spec.label)
        } else {
            format!("the resolver {} ({})", spec.label, shown.join(", "))
        };
        Ok(Self {
            label: spec.label.clone(),
            servers,
            who,
            opts,
            asks,
        })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// The servers this resolver sends to.
    pub fn servers(&self) -> &[SocketAddr] {
        &self.servers
    }

    pub fn is_system(&self) -> bool {
        matches!(self.asks, Asks::System(_))
    }

    /// How a sentence names this resolver: "the resolver internal (10.0.0.53)".
    pub fn who(&self) -> &str {
        &self.who
    }

    pub fn options(&self) -> QueryOptions {
        self.opts
    }

    /// Asks one question. Never fails: a failure is an answer with its status and plain words.
    pub async fn query(&self, name: &str, qtype: QueryType) -> Answer {
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + self.opts.budget() + GRACE;
        let outcome = match self.query_name(name, qtype) {
            Ok(qname) => match qtype {
                QueryType::Cname => self.cname_chain(&qname, deadline).await,
                _ => self.lookup(&qname, name, qtype, deadline).await,
            },
            Err(problem) => Outcome::failed(Status::Error, problem),
        };
        Answer {
            name: name.trim().to_owned(),
            resolver: self.label.clone(),
            qtype,
            status: outcome.status,
            records: outcome.records,
            chain: outcome.chain,
            fqdn: outcome.fqdn.filter(|f| !same_name(f, name)),
            ms: millis(started.elapsed()),
            detail: outcome.detail,
        }
    }

    fn query_name(&self, name: &str, qtype: QueryType) -> Result<Name, String> {
        let text = name.trim();
        if let Ok(ip) = text.parse::<IpAddr>() {
            return if qtype == QueryType::Ptr {
                Ok(Name::from(ip))
            } else {
                Err(format!(
                    "{text} is an address, not a name: ask for its PTR record"
                ))
            };
        }
        check_name(text).map_err(|problem| format!("`{text}` is not a name: {problem}"))?;
        let mut n = Name::from_utf8(text).map_err(|e| format!("`{text}` is not a name: {e}"))?;
        // A named server is asked for the name as written, taken as absolute; only the system
        // resolver completes short names with this machine's search domains, as the operating
        // system would.
        if !self.is_system() {
            n.set_fqdn(true);
        }
        Ok(n)
    }

    async fn lookup(
        &self,
        qname: &Name,
        asked: &str,
        qtype: QueryType,
        deadline: tokio::time::Instant,
    ) -> Outcome {
        let shown = asked.trim();
        let result =
            tokio::time::timeout_at(deadline, self.ask(qname.clone(), qtype.record_type())).await;
        match result {
            Err(_) => Outcome::failed(Status::Timeout, self.silent()),
            Ok(Ok(lookup)) => {
                let (start, chain, looped) = follow_chain(&lookup);
                let records = records_of(&lookup, qtype.record_type());
                if records.is_empty() {
                    if let Some(words) = looped {
                        return Outcome {
                            status: Status::Error,
                            detail: Some(words),
                            chain,
                            fqdn: Some(start),
                            records,
                            looped: true,
                        };
                    }
                    let what = chain.last().map_or(shown.to_owned(), Clone::clone);
                    return Outcome {
                        status: Status::NoAnswer,
                        detail: Some(self.no_record(&what, qtype)),
                        chain,
                        fqdn: Some(start),
                        records,
                        looped: false,
                    };
                }
                Outcome {
                    status: Status::Ok,
                    records,
                    chain,
                    fqdn: Some(start),
                    detail: None,
                    looped: false,
                }
            }
            Ok(Err(err)) => {
                // A failure at the end of an alias chain names the last target; the hops are
                // asked one by one so the answer can say which alias leads nowhere.
                let end = no_records_name(&err);
                // The name itself may be the end named when its aliases loop (the resolver
                // drops a looping chain), so it is asked too.
                let followed = match &end {
                    Some(_) if qtype != QueryType::Ptr => {
                        Some(self.cname_chain(qname, deadline).await)
                    }
                    _ => None,
                };
                if let Some(f) = followed.as_ref().filter(|f| f.looped) {
                    return Outcome {
                        status: Status::Error,
                        records: Vec::new(),
                        chain: f.chain.clone(),
                        fqdn: None,
                        detail: f.detail.clone(),
                        looped: true,
                    };
                }
                let chain = followed.map(|f| f.chain).unwrap_or_default();
                let subject = chain.last().map_or(shown.to_owned(), Clone::clone);
                let (status, mut detail) = self.failure(&err, &subject, qtype);
                if let Some(last) = chain.last() {
                    let first = if chain.len() > 1 {
                        format!(
                            "{shown} is an alias of {} (via {})",
                            last,
                            chain.join(" → ")
                        )
                    } else {
                        format!("{shown} is an alias of {last}")
                    };
                    detail = format!("{first}; {detail}");
                }
                Outcome {
                    status,
                    records: Vec::new(),
                    chain,
                    fqdn: None,
                    detail: Some(detail),
                    looped: false,
                }
            }
        }
    }

    /// Follows CNAME records one query at a time. Ok when `qname` itself is an alias, however
    /// the chain ends; the end is described in `detail` when it is not a name that exists.
    async fn cname_chain(&self, qname: &Name, deadline: tokio::time::Instant) -> Outcome {
        let mut chain: Vec<Name> = Vec::new();
        let mut current = qname.clone();
        let mut end: Option<(Status, String)> = None;
        let mut looped: Option<String> = None;
        while chain.len() < MAX_CHAIN {
            let asked =
                tokio::time::timeout_at(deadline, self.ask(current.clone(), RecordType::CNAME))
                    .await;
            let next = match asked {
                Err(_) => {
                    end = Some((Status::Timeout, self.silent()));
                    break;
                }
                Ok(Err(err)) => {
                    let (status, words) =
                        self.failure(&err, &show_name(&current), QueryType::Cname);
                    end = Some((status, words));
                    break;
                }
                Ok(Ok(lookup)) => {
                    // The system resolver may have completed a short name with a search
                    // domain; the records are owned by the name it actually asked.
                    let owner = lookup.query().name().clone();
                    lookup.answers().iter().find_map(|r| match &r.data {
                        RData::CNAME(c)
                            if names_equal(&r.name, &owner) || names_equal(&r.name, &current) =>
                        {
                            Some(c.0.clone())
                        }
                        _ => None,
                    })
                }
            };
            match next {
                Some(n) if !chain.iter().any(|c| names_equal(c, &n)) && !names_equal(&n, qname) => {
                    chain.push(n.clone());
                    current = n;
                }
                Some(n) => {
                    looped = Some(loop_words(qname, &chain, &n));
                    break;
                }
                None => break,
            }
        }
        let chain: Vec<String> = chain.iter().map(show_name).collect();
        if let Some(words) = looped {
            return Outcome {
                status: Status::Error,
                records: chain.first().cloned().into_iter().collect(),
                chain,
                fqdn: None,
                detail: Some(words),
                looped: true,
            };
        }
        match (chain.first(), end) {
            (None, Some((Status::NoAnswer, words))) => {
                Outcome::failed(Status::NoAnswer, format!("{words}: it is not an alias"))
            }
            (None, Some((status, words))) => Outcome::failed(status, words),
            (None, None) => Outcome::failed(
                Status::NoAnswer,
                format!(
                    "{} has no CNAME record for {}: it is not an alias",
                    self.who,
                    show_name(qname)
                ),
            ),
            (Some(first), end) => {
                let detail = match end {
                    Some((Status::NoAnswer, _)) | None => None,
                    Some((Status::Nxdomain, _)) => Some(format!(
                        "the chain ends at {}, which does not exist",
                        chain.last().map_or(first.as_str(), String::as_str)
                    )),
                    Some((_, words)) => Some(format!("the chain could not be followed: {words}")),
                };
                Outcome {
                    status: Status::Ok,
                    records: vec![first.clone()],
                    chain,
                    fqdn: None,
                    detail,
                    looped: false,
                }
            }
        }
    }

    /// Asks for `name`'s records of `rtype`, as hickory's resolver answers.
    async fn ask(&self, name: Name, rtype: RecordType) -> Result<Lookup, NetError> {
        match &self.asks {
            Asks::System(resolver) => resolver.lookup(name, rtype).await,
            Asks::Server(server) => server.lookup(name, rtype).await,
        }
    }

    fn silent(&self) -> String {
        let t = show_duration(self.opts.timeout);
        if self.opts.attempts > 1 {
            format!(
                "{} did not answer within {t}, {} tries",
                self.who, self.opts.attempts
            )
        } else {
            format!("{} did not answer within {t}", self.who)
        }
    }

    fn no_record(&self, name: &str, qtype: QueryType) -> String {
        format!("{} knows {name} but has no {qtype} record for it", self.who)
    }

    /// A hickory error as a status and a sentence about `name`.
    fn failure(&self, err: &NetError, name: &str, qtype: QueryType) -> (Status, String) {
        let who = &self.who;
        let code = |code: ResponseCode| match code {
            ResponseCode::NXDomain => (
                Status::Nxdomain,
                format!("{who} says {name} does not exist (NXDOMAIN)"),
            ),
            ResponseCode::NoError => (Status::NoAnswer, self.no_record(name, qtype)),
            ResponseCode::ServFail => (
                Status::Servfail,
                format!(
                    "{who} failed to resolve {name} (SERVFAIL): it could not reach the servers of that zone, or the zone is broken"
                ),
            ),
            ResponseCode::Refused => (
                Status::Refused,
                format!(
                    "{who} refused to answer for {name} (REFUSED): it does not serve this machine or this zone"
                ),
            ),
            other => (
                Status::Error,
                format!(
                    "{who} answered {} ({}) for {name}",
                    other.to_str(),
                    u16::from(other)
                ),
            ),
        };
        match err {
            NetError::Dns(HickoryDnsError::NoRecordsFound(nr)) => code(nr.response_code),
            NetError::Dns(HickoryDnsError::ResponseCode(rc)) => code(*rc),
            NetError::Timeout => (Status::Timeout, self.silent()),
            NetError::Io(e) => (Status::Error, self.io_words(e)),
            NetError::NoConnections => {
                (Status::Error, format!("{who} has no server it can send to"))
            }
            NetError::Truncated => (
                Status::Error,
                format!("{who} sent a truncated reply for {name} and TCP did not work"),
            ),
            NetError::Proto(e) => (
                Status::Error,
                format!("{who} sent a reply for {name} that could not be read: {e}"),
            ),
            other => (Status::Error, format!("could not ask {who}: {other}")),
        }
    }

    fn io_words(&self, e: &io::Error) -> String {
        let who = &self.who;
        match e.kind() {
            io::ErrorKind::ConnectionRefused => {
                format!("nothing answers DNS at {who} (connection refused)")
            }
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
                format!("{who} closed the connection without answering")
            }
            io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable => {
                format!("no route from this machine to {who} ({e})")
            }
            io::ErrorKind::PermissionDenied => format!(
                "this machine may not send to {who} ({e}): a local firewall or policy blocks it"
            ),
            io::ErrorKind::AddrNotAvailable => {
                format!("this machine has no address to reach {who} from ({e})")
            }
            _ => format!("could not ask {who}: {e}"),
        }
    }
}

/// hickory's resolver as this machine's configuration says, and the servers it names.
fn system_resolver(label: &str, opts: QueryOptions) -> Result<(Vec<SocketAddr>, Asks), DnsError> {
    let (config, base) = hickory_resolver::system_conf::read_system_conf()
        .map_err(|e| DnsError::SystemConfig(e.to_string()))?;
    let servers: Vec<SocketAddr> = config
        .name_servers()
        .iter()
        .map(|ns| {
            let port = ns.connections.first().map_or(53, |c| c.port);
            SocketAddr::new(ns.ip, port)
        })
        .collect();
    let mut builder = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(base);
    let o = builder.options_mut();
    o.timeout = opts.timeout;
    // hickory counts retries after the first try.
    o.attempts = usize::try_from(opts.attempts - 1).unwrap_or(0);
    // DNS alone and nothing remembered (see the module comment); the CNAME records kept, so
    // the chain can be shown.
    o.use_hosts_file = ResolveHosts::Never;
    o.preserve_intermediates = true;
    o.cache_size = 0;
    o.positive_max_ttl = Some(Duration::ZERO);
    o.negative_max_ttl = Some(Duration::ZERO);
    let resolver = builder.build().map_err(|e| DnsError::Setup {
        label: label.to_owned(),
        reason: e.to_string(),
    })?;
    Ok((servers, Asks::System(Box::new(resolver))))
}

/// The internal result of asking; [`Resolver::query`] turns it into an [`Answer`].
struct Outcome {
    status: Status,
    records: Vec<String>,
    chain: Vec<String>,
    fqdn: Option<String>,
    detail: Option<String>,
    /// The aliases led back to a name already passed (`detail` says where).
    looped: bool,
}

impl Outcome {
    fn failed(status: Status, detail: String) -> Self {
        Self {
            status,
            records: Vec::new(),
            chain: Vec::new(),
            fqdn: None,
            detail: Some(detail),
            looped: false,
        }
    }
}

/// The words for aliases that loop: every hop from `start`, ending at the name met again
/// (`a → b → a`), so the user sees which record closes the loop.
fn loop_words(start: &Name, chain: &[Name], back: &Name) -> String {
    let hops: Vec<String> = std::iter::once(start)
        .chain(chain)
        .chain(std::iter::once(back))
        .map(show_name)
        .collect();
    format!(
        "the aliases loop: {}; the chain never reaches an address",
        hops.join(" → ")
    )
}

/// The name a lookup answered for and the aliases from it, in order; when the aliases loop,
/// the words that say where.
fn follow_chain(lookup: &Lookup) -> (String, Vec<String>, Option<String>) {
    let start = lookup.query().name();
    let (chain, back) = aliases(lookup.answers(), start);
    (
        show_name(start),
        chain.iter().map(show_name).collect(),
        back.map(|n| loop_words(start, &chain, &n)),
    )
}

/// The aliases from `start` among `records`, in the order they lead (at most [`MAX_CHAIN`]);
/// with the name met again when they loop back.
fn aliases(records: &[Record], start: &Name) -> (Vec<Name>, Option<Name>) {
    let mut chain: Vec<Name> = Vec::new();
    while chain.len() < MAX_CHAIN {
        let current = chain.last().unwrap_or(start);
        let next = records.iter().find_map(|r| match &r.data {
            RData::CNAME(c) if names_equal(&r.name, current) => Some(c.0.clone()),
            _ => None,
        });
        match next {
            Some(n) if !chain.iter().any(|c| names_equal(c, &n)) && !names_equal(&n, start) => {
                chain.push(n);
            }
            Some(n) => return (chain, Some(n)),
            None => break,
        }
    }
    (chain, None)
}

fn records_of(lookup: &Lookup, rtype: RecordType) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for text in lookup
        .answers()
        .iter()
        .filter(|r| r.record_type() == rtype)
        .map(record_text)
    {
        if !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

fn record_text(r: &Record) -> String {
    match &r.data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(a) => a.0.to_string(),
        RData::CNAME(c) => show_name(&c.0),
        RData::PTR(p) => show_name(&p.0),
        other => other.to_string(),
    }
}

/// The name of the query that found nothing, when hickory says so.
fn no_records_name(err: &NetError) -> Option<Name> {
    match err {
        NetError::Dns(HickoryDnsError::NoRecordsFound(nr)) => Some(nr.query.name().clone()),
        _ => None,
    }
}

/// Names compared as DNS compares them: without case, with or without the final dot.
fn names_equal(a: &Name, b: &Name) -> bool {
    same_name(&a.to_ascii(), &b.to_ascii())
}

/// Text names compared as DNS compares them.
pub fn same_name(a: &str, b: &str) -> bool {
    name_key(a) == name_key(b)
}

/// A text name as DNS compares it (no case, no final dot), for indexing.
pub fn name_key(name: &str) -> String {
    name.trim().trim_end_matches('.').to_lowercase()
}

/// A name as people write it: Unicode labels, no final dot.
fn show_name(n: &Name) -> String {
    let s = n.to_utf8();
    s.strip_suffix('.').map(str::to_owned).unwrap_or(s)
}

fn show_addr(addr: SocketAddr) -> String {
    if addr.port() == 53 {
        addr.ip().to_string()
    } else {
        addr.to_string()
    }
}

/// `2 s`, `1500 ms`.
pub fn show_duration(d: Duration) -> String {
    let ms = millis(d);
    if ms >= 1000 && ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

// ---------------------------------------------------------------------------------------------
// Names and names lists

/// Checks that `text` is a host name (or an address): labels of letters, digits, `-` and `_`
/// (Unicode letters allowed, hickory turns them into punycode), each 1 to 63 long, not
/// starting or ending with `-`, 253 characters in all, one optional final dot.
///
/// # Errors
/// A sentence saying what is wrong.
pub fn check_name(text: &str) -> Result<(), String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the name is empty".to_owned());
    }
    if t.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    if let Some(c) = t.chars().find(|c| c.is_whitespace()) {
        return Err(format!(
            "names have no spaces (found {}): one name at a time",
            if c == '\t' { "a tab" } else { "a space" }
        ));
    }
    let body = t.strip_suffix('.').unwrap_or(t);
    if body.is_empty() {
        return Err("the root `.` is not a host name".to_owned());
    }
    if body.chars().count() > 253 {
        return Err("longer than the 253 characters DNS allows".to_owned());
    }
    for label in body.split('.') {
        if label.is_empty() {
            return Err("two dots in a row, or a dot at the start".to_owned());
        }
        if label.chars().count() > 63 {
            return Err(format!(
                "the part `{label}` is longer than the 63 characters DNS allows"
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_')))
        {
            return Err(format!(
                "`{c}` cannot be part of a name (letters, digits, `-`, `_` and dots only)"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("the part `{label}` starts or ends with `-`"));
        }
    }
    Name::from_utf8(t).map_err(|e| e.to_string())?;
    Ok(())
}

/// Reads a names list: one name (or address) per line, `#` starts a comment, blank lines
/// ignored; a byte-order mark and Windows line ends are accepted. Names come back trimmed, in
/// file order, duplicates (in any case) dropped.
///
/// # Errors
/// The first bad line, with its number.
pub fn parse_names(text: &str) -> Result<Vec<String>, DnsError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut names: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let line = line
            .split_once('#')
            .map_or(line, |(before, _)| before)
            .trim();
        if line.is_empty() {
            continue;
        }
        let bad = |problem: String| DnsError::NamesList {
            line: n + 1,
            problem,
        };
        if line.split_whitespace().count() > 1 {
            return Err(bad(format!(
                "expected one name per line, found `{line}` (put each name on its own line)"
            )));
        }
        check_name(line).map_err(|problem| bad(format!("`{line}` is not a name: {problem}")))?;
        if seen.insert(name_key(line)) {
            names.push(line.to_owned());
        }
    }
    Ok(names)
}

// ---------------------------------------------------------------------------------------------
// Many queries

/// Asks every question of every resolver, at most `limit` queries in flight. Answers come back
/// in question order, then resolver order. `progress` is called after each answer with the
/// number done and the total.
pub async fn query_all(
    resolvers: &[Resolver],
    questions: &[Question],
    limit: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<Answer> {
    let jobs: Vec<(&Resolver, &Question)> = questions
        .iter()
        .flat_map(|q| resolvers.iter().map(move |r| (r, q)))
        .collect();
    run_jobs(jobs, limit, progress).await
}

/// Asks each (resolver, question), at most `limit` in flight, answers in job order.
async fn run_jobs(
    jobs: Vec<(&Resolver, &Question)>,
    limit: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<Answer> {
    let total = jobs.len();
    let mut slots: Vec<Option<Answer>> = vec![None; total];
    let mut pending = jobs.into_iter().enumerate();
    let mut running = FuturesUnordered::new();
    for (i, (r, q)) in pending.by_ref().take(limit.max(1)) {
        running.push(ask(i, r, q));
    }
    let mut done = 0;
    while let Some((i, answer)) = running.next().await {
        slots[i] = Some(answer);
        done += 1;
        progress(done, total);
        if let Some((i, (r, q))) = pending.next() {
            running.push(ask(i, r, q));
        }
    }
    slots.into_iter().flatten().collect()
}

async fn ask(i: usize, r: &Resolver, q: &Question) -> (usize, Answer) {
    (i, r.query(&q.name, q.qtype).await)
}

/// A name and type on which resolvers give different answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    pub name: String,
    pub qtype: QueryType,
    /// Each resolver's label and its answer in a few words.
    pub answers: Vec<(String, String)>,
}

impl Disagreement {
    /// "internal 10.1.2.3 · external 203.0.113.7"
    pub fn words(&self) -> String {
        self.answers
            .iter()
            .map(|(label, words)| format!("{label}: {words}"))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// The answers to one question, one per resolver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<'a> {
    pub name: &'a str,
    pub qtype: QueryType,
    pub answers: Vec<&'a Answer>,
}

/// The answers grouped by question (name and type), in the order the questions first appear.
pub fn by_question(answers: &[Answer]) -> Vec<Group<'_>> {
    let mut index: HashMap<(String, QueryType), usize> = HashMap::new();
    let mut groups: Vec<Group<'_>> = Vec::new();
    for a in answers {
        let key = (name_key(&a.name), a.qtype);
        if let Some(&i) = index.get(&key) {
            groups[i].answers.push(a);
        } else {
            index.insert(key, groups.len());
            groups.push(Group {
                name: &a.name,
                qtype: a.qtype,
                answers: vec![a],
            });
        }
    }
    groups
}

/// The (name, type) pairs on which the resolvers do not all say the same, in answer order.
/// Same means the same status and the same records in any order.
pub fn disagreements(answers: &[Answer]) -> Vec<Disagreement> {
    by_question(answers)
        .into_iter()
        .filter_map(|g| {
            let first = g.answers.first()?.comparable();
            if g.answers.iter().all(|a| a.comparable() == first) {
                return None;
            }
            Some(Disagreement {
                name: g.name.to_owned(),
                qtype: g.qtype,
                answers: g
                    .answers
                    .iter()
                    .map(|a| (a.resolver.clone(), short_words(a)))
                    .collect(),
            })
        })
        .collect()
}

/// An answer in the fewest words: the records, or the status.
fn short_words(a: &Answer) -> String {
    if a.status.is_ok() {
        a.records.join(", ")
    } else {
        a.status.name().to_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Comparisons

/// The verdict, sentence and evidence of one comparison, before it is stamped as a
/// [`ProbeResult`].
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub verdict: Verdict,
    pub summary: String,
    pub evidence: Value,
}

/// A name and the addresses the site expects for it (none: any answer will do, as long as the
/// resolvers agree).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expectation {
    pub name: String,
    pub addresses: Vec<IpAddr>,
}

/// What the site says about a name inside and outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Horizon {
    /// The site did not say: any difference is shown as a warning to settle.
    #[default]
    Unstated,
    /// Different answers inside and outside (the usual set-up for a name devices use from both).
    Split,
    /// The same answer inside and outside.
    Same,
    /// Known inside only: external resolvers should not know the name.
    InternalOnly,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HorizonExpectation {
    pub name: String,
    pub horizon: Horizon,
    /// Expected inside and outside (empty: not stated).
    pub internal: Vec<IpAddr>,
    pub external: Vec<IpAddr>,
}

// ---------------------------------------------------------------------------------------------
// Rounds, and resolvers that are down

/// Whose view a resolver gives: what machines inside the firewall ask (the site's internal
/// resolvers and this machine's own), or what a phone on a carrier network asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResolverSide {
    #[default]
    Internal,
    External,
}

impl ResolverSide {
    pub fn name(self) -> &'static str {
        match self {
            ResolverSide::Internal => "internal",
            ResolverSide::External => "external",
        }
    }

    /// Who sees this side's answers, for sentences.
    fn clients(self) -> &'static str {
        match self {
            ResolverSide::Internal => "clients inside",
            ResolverSide::External => "clients outside",
        }
    }
}

/// How one resolver fared over a round of queries. A query counts as answered when the
/// resolver sent a usable reply, whatever it said (an address, NXDOMAIN, SERVFAIL, REFUSED);
/// silence, an unreachable server or an unreadable reply count as unanswered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub label: String,
    pub side: ResolverSide,
    pub servers: Vec<SocketAddr>,
    pub asked: usize,
    pub answered: usize,
    /// The queries left unanswered, in order.
    pub unanswered: Vec<Answer>,
}

impl Health {
    /// Asked something and answered nothing: its silence is said once, as its own finding,
    /// and left out of every name's judgement.
    pub fn is_down(&self) -> bool {
        self.asked > 0 && self.answered == 0
    }

    /// "internal 2 (198.18.0.53:53)": the label and every server with its port.
    pub fn name(&self) -> String {
        let servers: Vec<String> = self.servers.iter().map(ToString::to_string).collect();
        if servers.is_empty() {
            self.label.clone()
        } else {
            format!("{} ({})", self.label, servers.join(", "))
        }
    }
}

/// How each resolver fared over `answers`, in resolver order.
pub fn health(resolvers: &[(ResolverSide, &Resolver)], answers: &[Answer]) -> Vec<Health> {
    resolvers
        .iter()
        .map(|(side, r)| {
            let mine: Vec<&Answer> = answers.iter().filter(|a| a.resolver == r.label).collect();
            Health {
                label: r.label.clone(),
                side: *side,
                servers: r.servers.clone(),
                asked: mine.len(),
                answered: mine.iter().filter(|a| a.status.is_reply()).count(),
                unanswered: mine
                    .iter()
                    .filter(|a| !a.status.is_reply())
                    .map(|a| (*a).clone())
                    .collect(),
            }
        })
        .collect()
}

/// Judges `resolver_up` for one resolver: down (no answer to any query) fails, some queries
/// unanswered warns, every query answered passes.
pub fn judge_resolver(h: &Health) -> Judgement {
    let who = h.name();
    let missed = h.asked - h.answered;
    let why = |a: &Answer| {
        a.detail
            .clone()
            .unwrap_or_else(|| a.status.name().to_owned())
    };
    let (verdict, summary) = if h.asked == 0 {
        (
            Verdict::Skipped,
            format!("resolver {who} was not asked anything"),
        )
    } else if h.is_down() {
        let last = h.unanswered.last().map(why).unwrap_or_default();
        (
            Verdict::Fail,
            format!(
                "resolver {who} is down: did not answer {missed} of {} queries ({last}); clients that ask it first wait out its timeout on every lookup: start it, or take it out of their DNS settings",
                h.asked
            ),
        )
    } else if missed > 0 {
        let which: Vec<String> = h
            .unanswered
            .iter()
            .map(|a| format!("{} {} ({})", a.name, a.qtype, why(a)))
            .collect();
        (
            Verdict::Warn,
            format!(
                "resolver {who} did not answer {missed} of {} queries: {}",
                h.asked,
                which.join("; ")
            ),
        )
    } else {
        (
            Verdict::Pass,
            format!(
                "resolver {who} answered {} of {} queries",
                h.answered, h.asked
            ),
        )
    };
    Judgement {
        verdict,
        summary,
        evidence: json!({
            "resolver": h.label,
            "side": h.side.name(),
            "servers": h.servers.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "asked": h.asked,
            "answered": h.answered,
            "down": h.is_down(),
            "unanswered": evidence_answers(&h.unanswered),
        }),
    }
}

/// The resolvers of a round: each one's side, and whether it is down. Judges leave the
/// answers of a down resolver out (its silence is its own finding, said once), and a side whose
/// every resolver is down could not be seen, which is never a pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    members: Vec<(String, ResolverSide, bool)>,
}

impl Roster {
    pub fn new(health: &[Health]) -> Self {
        Self {
            members: health
                .iter()
                .map(|h| (h.label.clone(), h.side, h.is_down()))
                .collect(),
        }
    }

    /// Whether the resolver with this label answered nothing (an unknown label: no).
    pub fn is_down(&self, label: &str) -> bool {
        self.members.iter().any(|(l, _, down)| l == label && *down)
    }

    /// The side of the resolver with this label (an unknown label: internal).
    pub fn side(&self, label: &str) -> ResolverSide {
        self.members
            .iter()
            .find(|(l, ..)| l == label)
            .map_or(ResolverSide::Internal, |(_, side, _)| *side)
    }

    /// The answers of the resolvers that are up, and the labels of those that are down among
    /// the answers' resolvers, in answer order.
    fn split(&self, answers: &[Answer]) -> (Vec<Answer>, Vec<String>) {
        let mut down: Vec<String> = Vec::new();
        let mut live = Vec::new();
        for a in answers {
            if self.is_down(&a.resolver) {
                if !down.contains(&a.resolver) {
                    down.push(a.resolver.clone());
                }
            } else {
                live.push(a.clone());
            }
        }
        (live, down)
    }
}

/// "internal 2 is down", "internal 1 and internal 2 are down".
fn down_words(labels: &[String]) -> String {
    let verb = if labels.len() == 1 { "is" } else { "are" };
    format!("{} {verb} down", join_labels(labels))
}

/// One round of a run's DNS checks: every name's A and AAAA records asked once of every
/// resolver, how each resolver fared, and when. Every name's `resolves`, `split_horizon` and
/// `reverse_matches` is judged from the same answers, so a resolver that is down for every name
/// is known to be down and said once (`resolver_up`), not once per name.
#[derive(Debug, Clone)]
pub struct Round {
    pub answers: Vec<Answer>,
    pub health: Vec<Health>,
    pub roster: Roster,
    pub at: String,
    pub ms: u64,
}

impl Round {
    /// Asks every name's A and AAAA of every resolver, at most `limit` queries in flight.
    pub async fn ask(
        internal: &[Resolver],
        external: &[Resolver],
        names: &[String],
        limit: usize,
    ) -> Round {
        let at = crate::stamp::now();
        let started = Instant::now();
        let all: Vec<Resolver> = internal.iter().chain(external).cloned().collect();
        let answers = query_all(&all, &address_questions(names), limit, &mut |_, _| {}).await;
        let sides: Vec<(ResolverSide, &Resolver)> = internal
            .iter()
            .map(|r| (ResolverSide::Internal, r))
            .chain(external.iter().map(|r| (ResolverSide::External, r)))
            .collect();
        let health = health(&sides, &answers);
        Round {
            roster: Roster::new(&health),
            answers,
            health,
            at,
            ms: millis(started.elapsed()),
        }
    }

    /// The answers about `name` from these resolvers, in answer order.
    pub fn answers_for(&self, name: &str, resolvers: &[Resolver]) -> Vec<Answer> {
        let key = name_key(name);
        self.answers
            .iter()
            .filter(|a| name_key(&a.name) == key && resolvers.iter().any(|r| r.label == a.resolver))
            .cloned()
            .collect()
    }

    /// One `resolver_up` result per resolver asked.
    pub fn resolver_results(&self) -> Vec<ProbeResult> {
        self.health
            .iter()
            .filter(|h| h.asked > 0)
            .map(|h| self.stamp("resolver_up", &h.name(), judge_resolver(h)))
            .collect()
    }

    /// `resolver_up` for the resolvers that are down only.
    fn down_results(&self) -> Vec<ProbeResult> {
        self.health
            .iter()
            .filter(|h| h.is_down())
            .map(|h| self.stamp("resolver_up", &h.name(), judge_resolver(h)))
            .collect()
    }

    /// `resolves` for one name through these resolvers.
    pub fn resolves(&self, resolvers: &[Resolver], target: &Expectation) -> ProbeResult {
        let answers = self.answers_for(&target.name, resolvers);
        let j = judge_resolves(target, &answers, &self.roster);
        self.stamp("resolves", &target.name, j)
    }

    /// `split_horizon` for one name, the internal resolvers against the external ones.
    pub fn split_horizon(
        &self,
        internal: &[Resolver],
        external: &[Resolver],
        target: &HorizonExpectation,
    ) -> ProbeResult {
        let j = judge_split_horizon(
            target,
            &self.answers_for(&target.name, internal),
            &self.answers_for(&target.name, external),
            &self.roster,
        );
        self.stamp("split_horizon", &target.name, j)
    }

    /// `reverse_matches` for each name: the PTR of each address a resolver that is up gave,
    /// asked of that resolver, must give the name back.
    pub async fn reverse(
        &self,
        resolvers: &[Resolver],
        names: &[String],
        limit: usize,
    ) -> Vec<ProbeResult> {
        let started = Instant::now();
        let forward: Vec<Answer> = names
            .iter()
            .flat_map(|n| self.answers_for(n, resolvers))
            .collect();
        // Each resolver is asked for the PTR of the addresses it gave itself.
        let mut jobs: Vec<(&Resolver, Question)> = Vec::new();
        let mut asked: HashSet<(&str, IpAddr)> = HashSet::new();
        for a in forward.iter().filter(|a| a.status.is_ok()) {
            let Some(r) = resolvers.iter().find(|r| r.label == a.resolver) else {
                continue;
            };
            for ip in a.addresses() {
                if asked.insert((r.label.as_str(), ip)) {
                    jobs.push((r, Question::new(ip.to_string(), QueryType::Ptr)));
                }
            }
        }
        let ptr = run_jobs(
            jobs.iter().map(|(r, q)| (*r, q)).collect(),
            limit,
            &mut |_, _| {},
        )
        .await;
        let ms = self.ms + millis(started.elapsed());
        let index = index_by_name(&forward);
        names
            .iter()
            .map(|name| {
                let fwd = answers_for(&index, name);
                let j = judge_reverse(name, &fwd, &ptr, &self.roster);
                stamp("reverse_matches", name, j, &self.at, ms)
            })
            .collect()
    }

    fn stamp(&self, check: &str, target: &str, j: Judgement) -> ProbeResult {
        stamp(check, target, j, &self.at, self.ms)
    }
}

/// Checks `resolves` for each target: every resolver gives the expected addresses (A and AAAA
/// together); with no expectation, every resolver resolves the name and they agree. One result
/// per target, then one `resolver_up` result per resolver that answered none of the queries.
pub async fn resolves(
    resolvers: &[Resolver],
    targets: &[Expectation],
    limit: usize,
) -> Vec<ProbeResult> {
    let names: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
    let round = Round::ask(resolvers, &[], &names, limit).await;
    let mut results: Vec<ProbeResult> = targets
        .iter()
        .map(|t| round.resolves(resolvers, t))
        .collect();
    results.extend(round.down_results());
    results
}

/// Checks `split_horizon` for each target: the internal resolvers against the external ones,
/// as the site expects. One result per target, then one `resolver_up` result per resolver that
/// answered none of the queries.
pub async fn split_horizon(
    internal: &[Resolver],
    external: &[Resolver],
    targets: &[HorizonExpectation],
    limit: usize,
) -> Vec<ProbeResult> {
    let names: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
    let round = Round::ask(internal, external, &names, limit).await;
    let mut results: Vec<ProbeResult> = targets
        .iter()
        .map(|t| round.split_horizon(internal, external, t))
        .collect();
    results.extend(round.down_results());
    results
}

/// Checks `reverse_matches` for each name: its addresses (A and AAAA) through each resolver,
/// then the PTR of each address through the same resolver, which must give the name back. One
/// result per name, then one `resolver_up` result per resolver that answered none of the
/// forward queries.
pub async fn reverse_matches(
    resolvers: &[Resolver],
    names: &[String],
    limit: usize,
) -> Vec<ProbeResult> {
    let round = Round::ask(resolvers, &[], names, limit).await;
    let mut results = round.reverse(resolvers, names, limit).await;
    results.extend(round.down_results());
    results
}

fn address_questions(names: &[String]) -> Vec<Question> {
    names
        .iter()
        .flat_map(|n| {
            [
                Question::new(n.clone(), QueryType::A),
                Question::new(n.clone(), QueryType::Aaaa),
            ]
        })
        .collect()
}

/// The answers by name (as [`name_key`] gives it), for picking out each target's answers.
fn index_by_name(answers: &[Answer]) -> HashMap<String, Vec<Answer>> {
    let mut index: HashMap<String, Vec<Answer>> = HashMap::new();
    for a in answers {
        index.entry(name_key(&a.name)).or_default().push(a.clone());
    }
    index
}

fn answers_for(index: &HashMap<String, Vec<Answer>>, name: &str) -> Vec<Answer> {
    index.get(&name_key(name)).cloned().unwrap_or_default()
}

fn stamp(check: &str, target: &str, j: Judgement, at: &str, ms: u64) -> ProbeResult {
    ProbeResult {
        kind: ProbeKind::Dns,
        check: check.to_owned(),
        target: target.to_owned(),
        verdict: j.verdict,
        summary: j.summary,
        evidence: Evidence::of(Facts::Seen(j.evidence)),
        at: at.to_owned(),
        ms,
    }
}

/// What one resolver says about a name's addresses, A and AAAA taken together.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resolution {
    /// Addresses, and a sentence when one of the two families failed rather than came back
    /// empty.
    Addresses(BTreeSet<IpAddr>, Option<String>),
    /// The resolver answered: no such name, or no address for it.
    Unknown(String),
    /// The resolver failed, refused or stayed silent.
    Broken(String),
}

/// The resolvers in answer order, each with its [`Resolution`] of `name`.
fn resolutions(answers: &[Answer]) -> Vec<(String, Resolution)> {
    let mut labels: Vec<String> = Vec::new();
    for a in answers {
        if !labels.contains(&a.resolver) {
            labels.push(a.resolver.clone());
        }
    }
    labels
        .into_iter()
        .map(|label| {
            let mine: Vec<&Answer> = answers
                .iter()
                .filter(|a| {
                    a.resolver == label && matches!(a.qtype, QueryType::A | QueryType::Aaaa)
                })
                .collect();
            let r = resolution(&mine);
            (label, r)
        })
        .collect()
}

fn resolution(answers: &[&Answer]) -> Resolution {
    let addrs: BTreeSet<IpAddr> = answers
        .iter()
        .filter(|a| a.status.is_ok())
        .flat_map(|a| a.addresses())
        .collect();
    // A family that failed (not merely empty) is worth a sentence: clients asking it first
    // wait for the timeout.
    let failed = answers
        .iter()
        .find(|a| !a.status.is_ok() && !a.status.is_negative());
    let words = |a: &Answer| {
        a.detail
            .clone()
            .unwrap_or_else(|| a.status.name().to_owned())
    };
    if !addrs.is_empty() {
        return Resolution::Addresses(
            addrs,
            failed.map(|a| format!("{} ({} query)", words(a), a.qtype)),
        );
    }
    if let Some(a) = failed {
        return Resolution::Broken(words(a));
    }
    // Both empty: the A answer speaks for the name (NXDOMAIN, or an alias with no address).
    let a = answers
        .iter()
        .find(|a| a.qtype == QueryType::A)
        .or_else(|| answers.first());
    match a {
        Some(a) if a.status == Status::NoAnswer => {
            let name = a.chain.last().unwrap_or(&a.name);
            Resolution::Unknown(format!("{name} has no address (no A or AAAA record)"))
        }
        Some(a) => Resolution::Unknown(words(a)),
        None => Resolution::Broken("nothing was asked".to_owned()),
    }
}

fn show_set(addrs: &BTreeSet<IpAddr>) -> String {
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// "missing 10.1.2.3; unexpected 10.1.2.4"
fn difference(got: &BTreeSet<IpAddr>, want: &BTreeSet<IpAddr>) -> String {
    let missing: BTreeSet<IpAddr> = want.difference(got).copied().collect();
    let extra: BTreeSet<IpAddr> = got.difference(want).copied().collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing {}", show_set(&missing)));
    }
    if !extra.is_empty() {
        parts.push(format!("unexpected {}", show_set(&extra)));
    }
    parts.join("; ")
}

fn evidence_answers(answers: &[Answer]) -> Value {
    Value::Array(answers.iter().map(Answer::to_json).collect())
}

fn join_labels(labels: &[String]) -> String {
    match labels {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Judges `resolves` for one name from its A and AAAA answers through every resolver. The
/// answers of resolvers the roster knows to be down are left out (kept in the evidence); a side
/// whose every resolver is down could not be seen, and the name is then "could not tell" for
/// that side, after whatever the live resolvers show.
pub fn judge_resolves(target: &Expectation, answers: &[Answer], roster: &Roster) -> Judgement {
    let name = &target.name;
    let want: BTreeSet<IpAddr> = target.addresses.iter().copied().collect();
    let (live, down) = roster.split(answers);
    let per = resolutions(&live);
    let labels: Vec<String> = per.iter().map(|(l, _)| l.clone()).collect();
    let mut verdict = Verdict::Pass;
    let mut problems: Vec<String> = Vec::new();
    let mut sets: Vec<(String, BTreeSet<IpAddr>)> = Vec::new();
    for (label, r) in &per {
        match r {
            Resolution::Addresses(got, note) => {
                if !want.is_empty() && *got != want {
                    verdict = verdict.worst(Verdict::Fail);
                    problems.push(format!(
                        "{label} gives {}, expected {} ({})",
                        show_set(got),
                        show_set(&want),
                        difference(got, &want)
                    ));
                }
                if let Some(note) = note {
                    verdict = verdict.worst(Verdict::Warn);
                    problems.push(note.clone());
                }
                sets.push((label.clone(), got.clone()));
            }
            Resolution::Unknown(words) | Resolution::Broken(words) => {
                verdict = verdict.worst(Verdict::Fail);
                problems.push(words.clone());
            }
        }
    }
    let agree = sets.windows(2).all(|w| w[0].1 == w[1].1);
    if want.is_empty() && !agree {
        verdict = verdict.worst(Verdict::Warn);
        problems.push(format!(
            "the resolvers disagree: {}",
            sets.iter()
                .map(|(l, s)| format!("{l} {}", show_set(s)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // A side with resolvers asked, every one of them down: what its clients get is unknown.
    let mut unseen: Vec<String> = Vec::new();
    for side in [ResolverSide::Internal, ResolverSide::External] {
        let dead: Vec<String> = down
            .iter()
            .filter(|l| roster.side(l) == side)
            .cloned()
            .collect();
        if !dead.is_empty() && !labels.iter().any(|l| roster.side(l) == side) {
            unseen.push(format!(
                "could not tell what {} get: {}",
                side.clients(),
                down_words(&dead)
            ));
        }
    }
    let summary = if per.is_empty() && down.is_empty() {
        verdict = Verdict::Error;
        format!("{name}: no resolver was asked")
    } else if per.is_empty() {
        verdict = Verdict::Error;
        format!("{name}: could not tell: {}", down_words(&down))
    } else if problems.is_empty() {
        let addrs = sets.first().map(|(_, s)| show_set(s)).unwrap_or_default();
        let through = if labels.len() > 1 && down.is_empty() {
            format!("every resolver ({})", join_labels(&labels))
        } else {
            join_labels(&labels)
        };
        let expected = if want.is_empty() { "" } else { ", as expected" };
        if unseen.is_empty() {
            format!("{name} resolves to {addrs} through {through}{expected}")
        } else {
            verdict = verdict.worst(Verdict::Error);
            format!(
                "{name}: {}; through {through} it resolves to {addrs}{expected}",
                unseen.join("; ")
            )
        }
    } else {
        // What the live resolvers show comes first; a side that could not be seen after.
        if !unseen.is_empty() {
            verdict = verdict.worst(Verdict::Error);
        }
        problems.extend(unseen);
        format!("{name}: {}", problems.join("; "))
    };
    Judgement {
        verdict,
        summary,
        evidence: json!({
            "name": name,
            "expected": target.addresses.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "answers": evidence_answers(answers),
            "down": down,
        }),
    }
}

/// One side (inside or outside) of a split-horizon comparison, summed up.
enum Side {
    /// Every resolver of the side gave these addresses.
    Known(BTreeSet<IpAddr>),
    /// Every resolver answered that there is no such name or no address.
    Unknown(String),
    /// At least one resolver failed, or the resolvers of the side disagree among themselves.
    Trouble(String),
}

fn side(answers: &[Answer]) -> Side {
    let per = resolutions(answers);
    if per.is_empty() {
        return Side::Trouble("no resolver was asked".to_owned());
    }
    let mut broken = Vec::new();
    let mut sets: Vec<(String, BTreeSet<IpAddr>)> = Vec::new();
    let mut unknown = Vec::new();
    for (label, r) in per {
        match r {
            Resolution::Addresses(s, _) => sets.push((label, s)),
            Resolution::Unknown(w) => unknown.push(w),
            Resolution::Broken(w) => broken.push(w),
        }
    }
    if !broken.is_empty() {
        return Side::Trouble(broken.join("; "));
    }
    if sets.is_empty() {
        return Side::Unknown(unknown.join("; "));
    }
    if !unknown.is_empty() || sets.windows(2).any(|w| w[0].1 != w[1].1) {
        let mut parts: Vec<String> = sets
            .iter()
            .map(|(l, s)| format!("{l} {}", show_set(s)))
            .collect();
        parts.extend(unknown);
        return Side::Trouble(format!("its resolvers disagree: {}", parts.join(", ")));
    }
    Side::Known(sets.swap_remove(0).1)
}

/// Judges `split_horizon` for one name from the answers of the internal and the external
/// resolvers (A and AAAA). Resolvers the roster knows to be down are left out; a side whose
/// every resolver is down could not be seen ("could not tell", never a pass).
pub fn judge_split_horizon(
    target: &HorizonExpectation,
    internal: &[Answer],
    external: &[Answer],
    roster: &Roster,
) -> Judgement {
    let name = &target.name;
    let evidence = json!({
        "name": name,
        "horizon": match target.horizon {
            Horizon::Unstated => "unstated",
            Horizon::Split => "split",
            Horizon::Same => "same",
            Horizon::InternalOnly => "internal_only",
        },
        "expected_internal": target.internal.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "expected_external": target.external.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "internal": evidence_answers(internal),
        "external": evidence_answers(external),
    });
    let (int_live, int_down) = roster.split(internal);
    let (ext_live, ext_down) = roster.split(external);
    let mut evidence = evidence;
    evidence["down"] = json!(int_down.iter().chain(&ext_down).collect::<Vec<_>>());
    if int_live.is_empty() && !int_down.is_empty() {
        return Judgement {
            verdict: Verdict::Error,
            summary: format!(
                "{name}: could not tell: every internal resolver is down ({})",
                down_words(&int_down)
            ),
            evidence,
        };
    }
    let outside = if ext_live.is_empty() && !ext_down.is_empty() {
        Side::Trouble(format!(
            "every external resolver is down ({})",
            down_words(&ext_down)
        ))
    } else {
        side(&ext_live)
    };
    let (verdict, words) = split_words(target, &side(&int_live), &outside);
    Judgement {
        verdict,
        summary: format!("{name}: {words}"),
        evidence,
    }
}

fn split_words(target: &HorizonExpectation, int: &Side, ext: &Side) -> (Verdict, String) {
    let inside = match int {
        Side::Known(s) => s,
        Side::Unknown(w) => {
            return (
                Verdict::Fail,
                format!("the internal resolvers do not resolve it ({w})"),
            );
        }
        Side::Trouble(w) => return (Verdict::Fail, format!("internal: {w}")),
    };
    let want_in: BTreeSet<IpAddr> = target.internal.iter().copied().collect();
    if !want_in.is_empty() && *inside != want_in {
        return (
            Verdict::Fail,
            format!(
                "internal gives {}, expected {} ({})",
                show_set(inside),
                show_set(&want_in),
                difference(inside, &want_in)
            ),
        );
    }
    outside_words(target, inside, ext)
}

/// The second half of [`split_words`]: the outside view against the inside one.
fn outside_words(
    target: &HorizonExpectation,
    inside: &BTreeSet<IpAddr>,
    ext: &Side,
) -> (Verdict, String) {
    let int_words = format!("internal {}", show_set(inside));
    let outside = match ext {
        Side::Trouble(w) => {
            return (
                Verdict::Error,
                format!("{int_words}; the outside view could not be seen: {w}"),
            );
        }
        Side::Unknown(w) => {
            return match target.horizon {
                Horizon::InternalOnly => (
                    Verdict::Pass,
                    format!(
                        "{int_words}; external resolvers do not know the name, as the site expects"
                    ),
                ),
                Horizon::Unstated => (
                    Verdict::Warn,
                    format!(
                        "{int_words}; external resolvers do not know the name ({w}): internal only, which the site did not state"
                    ),
                ),
                Horizon::Split | Horizon::Same => (
                    Verdict::Fail,
                    format!(
                        "{int_words}; external resolvers do not know the name ({w}): devices outside cannot find it"
                    ),
                ),
            };
        }
        Side::Known(s) => s,
    };
    let want_out: BTreeSet<IpAddr> = target.external.iter().copied().collect();
    if !want_out.is_empty() && *outside != want_out {
        return (
            Verdict::Fail,
            format!(
                "{int_words}; external gives {}, expected {} ({})",
                show_set(outside),
                show_set(&want_out),
                difference(outside, &want_out)
            ),
        );
    }
    let both = format!("{int_words}, external {}", show_set(outside));
    let same = inside == outside;
    match (target.horizon, same) {
        (Horizon::Split, false) => (
            Verdict::Pass,
            format!("{both}: split horizon, as the site expects"),
        ),
        (Horizon::Split, true) => (
            Verdict::Fail,
            format!(
                "internal and external both give {}: no split horizon, but the site expects one",
                show_set(inside)
            ),
        ),
        (Horizon::Same | Horizon::Unstated, true) => (
            Verdict::Pass,
            format!(
                "internal and external both give {}{}",
                show_set(inside),
                if target.horizon == Horizon::Same {
                    ", as the site expects"
                } else {
                    ""
                }
            ),
        ),
        (Horizon::Same, false) => (
            Verdict::Warn,
            format!("{both}: split horizon, which the site did not expect"),
        ),
        (Horizon::Unstated, false) => (
            Verdict::Warn,
            format!("{both}: split horizon; the site did not say it expects one"),
        ),
        (Horizon::InternalOnly, _) => (
            Verdict::Warn,
            format!("{both}: the name is published outside too, which the site did not expect"),
        ),
    }
}

/// Judges `reverse_matches` for one name: `forward` holds its A and AAAA answers, `ptr` the
/// PTR answers (any names; those for this name's addresses are picked out by resolver and
/// address). Resolvers the roster knows to be down are left out; when every one is, the name
/// is "could not tell".
pub fn judge_reverse(name: &str, forward: &[Answer], ptr: &[Answer], roster: &Roster) -> Judgement {
    let all = forward;
    let (forward, down) = roster.split(all);
    let forward = forward.as_slice();
    let mut verdict = Verdict::Pass;
    let mut problems: Vec<String> = Vec::new();
    let mut matched: Vec<String> = Vec::new();
    let mut used: Vec<Answer> = Vec::new();
    for (label, r) in resolutions(forward) {
        let addrs = match r {
            Resolution::Addresses(addrs, _) => addrs,
            Resolution::Unknown(w) | Resolution::Broken(w) => {
                verdict = verdict.worst(Verdict::Fail);
                problems.push(w);
                continue;
            }
        };
        // The name the resolver answered for (a short name completed by search domains) and
        // the canonical name at the end of an alias chain.
        let answered: Vec<&Answer> = forward
            .iter()
            .filter(|a| a.resolver == label && a.status.is_ok())
            .collect();
        let fqdn = answered
            .iter()
            .find_map(|a| a.fqdn.clone())
            .unwrap_or_else(|| name.trim().trim_end_matches('.').to_owned());
        let canonical = answered.iter().find_map(|a| a.chain.last().cloned());
        for ip in addrs {
            let Some(p) = ptr.iter().find(|p| {
                p.resolver == label
                    && p.qtype == QueryType::Ptr
                    && p.name.parse::<IpAddr>().ok() == Some(ip)
            }) else {
                verdict = verdict.worst(Verdict::Error);
                problems.push(format!("the PTR of {ip} was not asked through {label}"));
                continue;
            };
            used.push(p.clone());
            let (v, words) = reverse_one(&fqdn, canonical.as_deref(), ip, p);
            verdict = verdict.worst(v);
            match v {
                Verdict::Pass => matched.push(format!("{ip} → {fqdn}")),
                _ => problems.push(words),
            }
        }
    }
    let summary = if problems.is_empty() && !matched.is_empty() {
        matched.dedup();
        format!("{name} → {}: forward and reverse match", matched.join(", "))
    } else if problems.is_empty() && !down.is_empty() {
        verdict = Verdict::Error;
        format!("{name}: could not tell: {}", down_words(&down))
    } else if problems.is_empty() {
        verdict = Verdict::Error;
        format!("{name}: no resolver was asked")
    } else {
        problems.dedup();
        format!("{name}: {}", problems.join("; "))
    };
    Judgement {
        verdict,
        summary,
        evidence: json!({
            "name": name,
            "forward": evidence_answers(all),
            "ptr": evidence_answers(&used),
            "down": down,
        }),
    }
}

fn reverse_one(fqdn: &str, canonical: Option<&str>, ip: IpAddr, p: &Answer) -> (Verdict, String) {
    if !p.status.is_ok() {
        let words = p
            .detail
            .clone()
            .unwrap_or_else(|| p.status.name().to_owned());
        let what = if p.status.is_negative() {
            format!("{ip} has no PTR record ({words})")
        } else {
            words
        };
        return (
            Verdict::Fail,
            format!("{what}: SQL mirroring needs {ip} to resolve back to {fqdn}"),
        );
    }
    if p.records.iter().any(|r| same_name(r, fqdn)) {
        return (Verdict::Pass, String::new());
    }
    let got = p.records.join(", ");
    if let Some(c) = canonical
        && p.records.iter().any(|r| same_name(r, c))
    {
        return (
            Verdict::Warn,
            format!(
                "{fqdn} is an alias of {c}; the PTR of {ip} gives {c}, the canonical name, not {fqdn}"
            ),
        );
    }
    if p.records
        .iter()
        .any(|r| !r.trim_end_matches('.').contains('.'))
    {
        return (
            Verdict::Fail,
            format!(
                "the PTR of {ip} gives {got}, not a fully qualified name: SQL mirroring needs {fqdn}"
            ),
        );
    }
    (
        Verdict::Fail,
        format!("the PTR of {ip} gives {got}, not {fqdn}: SQL mirroring needs the true FQDN back"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(resolver: &str, qtype: QueryType, status: Status, records: &[&str]) -> Answer {
        Answer {
            name: "sql1.example.org".to_owned(),
            resolver: resolver.to_owned(),
            qtype,
            status,
            records: records.iter().map(|s| (*s).to_owned()).collect(),
            chain: Vec::new(),
            fqdn: None,
            ms: 1,
            detail: (status != Status::Ok).then(|| format!("{resolver} said {status}")),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn resolver_specs_parse() {
        let cases: &[(&str, &str, &str)] = &[
            ("10.0.0.53", "10.0.0.53", "10.0.0.53:53"),
            ("10.0.0.53:5353", "10.0.0.53:5353", "10.0.0.53:5353"),
            ("[fd00::53]:54", "[fd00::53]:54", "[fd00::53]:54"),
            ("fd00::53", "fd00::53", "[fd00::53]:53"),
            ("internal=10.0.0.53", "internal", "10.0.0.53:53"),
            (" external = 127.0.0.1:5300 ", "external", "127.0.0.1:5300"),
        ];
        for (text, label, addr) in cases {
            let spec = ResolverSpec::parse(text).expect(text);
            assert_eq!(spec.label, *label, "{text}");
            assert_eq!(spec.upstream, Upstream::Server(addr.parse().expect("addr")));
        }
        for bad in [
            "",
            "dns.example.org",
            "10.0.0.53:0",
            "10.0.0.53:99999",
            "=10.0.0.53",
            "in side=10.0.0.53",
            "10.0.0.300",
        ] {
            assert!(
                matches!(ResolverSpec::parse(bad), Err(DnsError::BadResolver { .. })),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn query_types_parse_any_case() {
        assert_eq!("aaaa".parse::<QueryType>(), Ok(QueryType::Aaaa));
        assert_eq!("Ptr".parse::<QueryType>(), Ok(QueryType::Ptr));
        assert!("MX".parse::<QueryType>().is_err());
        assert_eq!(QueryType::default_for("10.1.2.3"), QueryType::Ptr);
        assert_eq!(QueryType::default_for("fd00::1"), QueryType::Ptr);
        assert_eq!(QueryType::default_for("sql1"), QueryType::A);
    }

    #[test]
    fn names_are_checked() {
        for good in [
            "sql1",
            "sql1.example.org",
            "sql1.example.org.",
            "_ldap._tcp.dc.example.org",
            "10.1.2.3",
            "2001:db8::1",
            "krankenhaus-süd.example",
        ] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        let long_label = format!("{}.example.org", "a".repeat(64));
        let long_name = vec!["abcdefghi"; 26].join(".");
        for bad in [
            "",
            ".",
            "sql 1",
            "sql1..example.org",
            ".sql1",
            "-sql1.example.org",
            "sql1-.example.org",
            "sql1@example.org",
            "http://sql1",
            long_label.as_str(),
            long_name.as_str(),
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn names_lists_take_comments_blank_lines_bom_and_crlf() {
        let text = "\u{feff}# site names\r\nsql1.example.org\r\n\r\n  web.example.org   # the portal\r\n10.1.2.3\nSQL1.example.org.\n";
        assert_eq!(
            parse_names(text),
            Ok(vec![
                "sql1.example.org".to_owned(),
                "web.example.org".to_owned(),
                "10.1.2.3".to_owned(),
            ])
        );
    }

    #[test]
    fn names_lists_name_the_bad_line() {
        let err = parse_names("sql1.example.org\n# ok\nsql2 sql3\n").expect_err("two names");
        assert!(
            matches!(&err, DnsError::NamesList { line: 3, problem } if problem.contains("one name per line")),
            "{err}"
        );
        let err = parse_names("\n\nbad!name\n").expect_err("bad char");
        assert!(
            matches!(&err, DnsError::NamesList { line: 3, problem } if problem.contains("`!`")),
            "{err}"
        );
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(show_duration(Duration::from_secs(2)), "2 s");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1500 ms");
        assert_eq!(show_duration(Duration::from_millis(300)), "300 ms");
    }

    #[test]
    fn disagreements_ignore_record_order_and_case() {
        let mut a = answer(
            "internal",
            QueryType::A,
            Status::Ok,
            &["10.1.2.3", "10.1.2.4"],
        );
        let mut b = answer(
            "external",
            QueryType::A,
            Status::Ok,
            &["10.1.2.4", "10.1.2.3"],
        );
        assert!(disagreements(&[a.clone(), b.clone()]).is_empty());
        b.records = vec!["203.0.113.7".to_owned()];
        let d = disagreements(&[a.clone(), b.clone()]);
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].words(),
            "internal: 10.1.2.3, 10.1.2.4 · external: 203.0.113.7"
        );
        a.qtype = QueryType::Ptr;
        a.records = vec!["SQL1.example.org".to_owned()];
        b.qtype = QueryType::Ptr;
        b.records = vec!["sql1.example.org".to_owned()];
        assert!(disagreements(&[a, b]).is_empty());
    }

    #[test]
    fn resolves_passes_on_the_expected_addresses() {
        let t = Expectation {
            name: "sql1.example.org".to_owned(),
            addresses: vec![ip("10.1.2.3")],
        };
        let answers = [
            answer("internal", QueryType::A, Status::Ok, &["10.1.2.3"]),
            answer("internal", QueryType::Aaaa, Status::NoAnswer, &[]),
            answer("dc2", QueryType::A, Status::Ok, &["10.1.2.3"]),
            answer("dc2", QueryType::Aaaa, Status::NoAnswer, &[]),
        ];
        let j = judge_resolves(&t, &answers, &Roster::default());
        assert_eq!(j.verdict, Verdict::Pass, "{}", j.summary);
        assert_eq!(
            j.summary,
            "sql1.example.org resolves to 10.1.2.3 through every resolver (internal and dc2), as expected"
        );
        assert_eq!(j.evidence["answers"].as_array().map(Vec::len), Some(4));
    }

    #[test]
    fn resolves_lists_the_difference() {
        let t = Expectation {
            name: "sql1.example.org".to_owned(),
            addresses: vec![ip("10.1.2.3")],
        };
        let answers = [
            answer("internal", QueryType::A, Status::Ok, &["10.1.2.4"]),
            answer("internal", QueryType::Aaaa, Status::NoAnswer, &[]),
        ];
        let j = judge_resolves(&t, &answers, &Roster::default());
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(
            j.summary,
            "sql1.example.org: internal gives 10.1.2.4, expected 10.1.2.3 (missing 10.1.2.3; unexpected 10.1.2.4)"
        );
    }

    #[test]
    fn resolves_fails_on_a_silent_or_unknowing_resolver_and_warns_on_disagreement() {
        let t = Expectation {
            name: "sql1.example.org".to_owned(),
            addresses: vec![],
        };
        let silent = [
            answer("internal", QueryType::A, Status::Timeout, &[]),
            answer("internal", QueryType::Aaaa, Status::Timeout, &[]),
        ];
        let j = judge_resolves(&t, &silent, &Roster::default());
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(j.summary, "sql1.example.org: internal said timeout");

        let unknown = [
            answer("internal", QueryType::A, Status::Nxdomain, &[]),
            answer("internal", QueryType::Aaaa, Status::Nxdomain, &[]),
        ];
        let j = judge_resolves(&t, &unknown, &Roster::default());
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(j.summary, "sql1.example.org: internal said nxdomain");

        let differ = [
            answer("internal", QueryType::A, Status::Ok, &["10.1.2.3"]),
            answer("internal", QueryType::Aaaa, Status::NoAnswer, &[]),
            answer("external", QueryType::A, Status::Ok, &["203.0.113.7"]),
            answer("external", QueryType::Aaaa, Status::NoAnswer, &[]),
        ];
        let j = judge_resolves(&t, &differ, &Roster::default());
        assert_eq!(j.verdict, Verdict::Warn);
        assert_eq!(
            j.summary,
            "sql1.example.org: the resolvers disagree: internal 10.1.2.3, external 203.0.113.7"
        );

        let slow_aaaa = [
            answer("internal", QueryType::A, Status::Ok, &["10.1.2.3"]),
            answer("internal", QueryType::Aaaa, Status::Timeout, &[]),
        ];
        let j = judge_resolves(&t, &slow_aaaa, &Roster::default());
        assert_eq!(j.verdict, Verdict::Warn);
        assert_eq!(
            j.summary,
            "sql1.example.org: internal said timeout (AAAA query)"
        );
    }

    fn horizon(h: Horizon) -> HorizonExpectation {
        HorizonExpectation {
            name: "mail.example.org".to_owned(),
            horizon: h,
            internal: vec![],
            external: vec![],
        }
    }

    #[test]
    fn split_horizon_is_shown_and_judged_against_the_site() {
        let int = [
            answer("internal", QueryType::A, Status::Ok, &["10.1.2.3"]),
            answer("internal", QueryType::Aaaa, Status::NoAnswer, &[]),
        ];
        let ext = [
            answer("external", QueryType::A, Status::Ok, &["203.0.113.7"]),
            answer("external", QueryType::Aaaa, Status::NoAnswer, &[]),
        ];
        let same = [
            answer("external", QueryType::A, Status::Ok, &["10.1.2.3"]),
            answer("external", QueryType::Aaaa, Status::NoAnswer, &[]),
        ];
        let none = [
            answer("external", QueryType::A, Status::Nxdomain, &[]),
            answer("external", QueryType::Aaaa, Status::Nxdomain, &[]),
        ];
        let cases: &[(Horizon, &[Answer], Verdict, &str)] = &[
            (
                Horizon::Split,
                &ext,
                Verdict::Pass,
                "mail.example.org: internal 10.1.2.3, external 203.0.113.7: split horizon, as the site expects",
            ),
            (
                Horizon::Split,
                &same,
                Verdict::Fail,
                "mail.example.org: internal and external both give 10.1.2.3: no split horizon, but the site expects one",
            ),
            (
                Horizon::Split,
                &none,
                Verdict::Fail,
                "mail.example.org: internal 10.1.2.3; external resolvers do not know the name (external said nxdomain): devices outside cannot find it",
            ),
            (
                Horizon::Same,
                &ext,
                Verdict::Warn,
                "mail.example.org: internal 10.1.2.3, external 203.0.113.7: split horizon, which the site did not expect",
            ),
            (
                Horizon::Same,
                &same,
                Verdict::Pass,
                "mail.example.org: internal and external both give 10.1.2.3, as the site expects",
            ),
            (
                Horizon::Unstated,
                &ext,
                Verdict::Warn,
                "mail.example.org: internal 10.1.2.3, external 203.0.113.7: split horizon; the site did not say it expects one",
            ),
            (
                Horizon::Unstated,
                &same,
                Verdict::Pass,
                "mail.example.org: internal and external both give 10.1.2.3",
            ),
            (
                Horizon::InternalOnly,
                &none,
                Verdict::Pass,
                "mail.example.org: internal 10.1.2.3; external resolvers do not know the name, as the site expects",
            ),
            (
                Horizon::InternalOnly,
                &ext,
                Verdict::Warn,
                "mail.example.org: internal 10.1.2.3, external 203.0.113.7: the name is published outside too, which the site did not expect",
            ),
        ];
        for (h, external, verdict, summary) in cases {
            let j = judge_split_horizon(&horizon(*h), &int, external, &Roster::default());
            assert_eq!(
                (j.verdict, j.summary.as_str()),
                (*verdict, *summary),
                "{h:?}"
            );
        }
    }

    #[test]
    fn split_horizon_checks_stated_addresses_and_silence() {
        let mut t = horizon(Horizon::Split);
        t.external = vec![ip("203.0.113.8")];
        let int = [answer("internal", QueryType::A, Status::Ok, &["10.1.2.3"])];
        let ext = [answer(
            "external",
            QueryType::A,
            Status::Ok,
            &["203.0.113.7"],
        )];
        let j = judge_split_horizon(&t, &int, &ext, &Roster::default());
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(
            j.summary,
            "mail.example.org: internal 10.1.2.3; external gives 203.0.113.7, expected 203.0.113.8 (missing 203.0.113.8; unexpected 203.0.113.7)"
        );
        let silent = [answer("external", QueryType::A, Status::Timeout, &[])];
        let j = judge_split_horizon(&horizon(Horizon::Split), &int, &silent, &Roster::default());
        assert_eq!(j.verdict, Verdict::Error);
        assert_eq!(
            j.summary,
            "mail.example.org: internal 10.1.2.3; the outside view could not be seen: external said timeout"
        );
        let j = judge_split_horizon(&horizon(Horizon::Split), &silent, &ext, &Roster::default());
        assert_eq!(j.verdict, Verdict::Fail);
    }

    fn ptr(resolver: &str, addr: &str, status: Status, records: &[&str]) -> Answer {
        let mut a = answer(resolver, QueryType::Ptr, status, records);
        a.name = addr.to_owned();
        a
    }

    #[test]
    fn reverse_matches_needs_the_same_fqdn_back() {
        let fwd = [
            answer("internal", QueryType::A, Status::Ok, &["10.1.2.3"]),
            answer("internal", QueryType::Aaaa, Status::NoAnswer, &[]),
        ];
        let cases: &[(Answer, Verdict, &str)] = &[
            (
                ptr("internal", "10.1.2.3", Status::Ok, &["SQL1.example.org"]),
                Verdict::Pass,
                "sql1.example.org → 10.1.2.3 → sql1.example.org: forward and reverse match",
            ),
            (
                ptr("internal", "10.1.2.3", Status::Ok, &["oldsql.example.org"]),
                Verdict::Fail,
                "sql1.example.org: the PTR of 10.1.2.3 gives oldsql.example.org, not sql1.example.org: SQL mirroring needs the true FQDN back",
            ),
            (
                ptr("internal", "10.1.2.3", Status::Ok, &["sql1"]),
                Verdict::Fail,
                "sql1.example.org: the PTR of 10.1.2.3 gives sql1, not a fully qualified name: SQL mirroring needs sql1.example.org",
            ),
            (
                ptr("internal", "10.1.2.3", Status::Nxdomain, &[]),
                Verdict::Fail,
                "sql1.example.org: 10.1.2.3 has no PTR record (internal said nxdomain): SQL mirroring needs 10.1.2.3 to resolve back to sql1.example.org",
            ),
        ];
        for (p, verdict, summary) in cases {
            let j = judge_reverse(
                "sql1.example.org",
                &fwd,
                std::slice::from_ref(p),
                &Roster::default(),
            );
            assert_eq!((j.verdict, j.summary.as_str()), (*verdict, *summary));
        }
    }

    #[test]
    fn reverse_of_an_alias_names_the_canonical_host() {
        let mut a = answer("internal", QueryType::A, Status::Ok, &["10.1.2.3"]);
        a.name = "listener.example.org".to_owned();
        a.chain = vec!["sql1.example.org".to_owned()];
        let p = ptr("internal", "10.1.2.3", Status::Ok, &["sql1.example.org"]);
        let j = judge_reverse("listener.example.org", &[a], &[p], &Roster::default());
        assert_eq!(j.verdict, Verdict::Warn);
        assert_eq!(
            j.summary,
            "listener.example.org: listener.example.org is an alias of sql1.example.org; the PTR of 10.1.2.3 gives sql1.example.org, the canonical name, not listener.example.org"
        );
    }

    /// A resolver's health: `answered` of `asked` queries.
    fn fared(label: &str, side: ResolverSide, asked: usize, answered: usize) -> Health {
        Health {
            label: label.to_owned(),
            side,
            servers: vec!["198.18.0.53:53".parse().expect("addr")],
            asked,
            answered,
            unanswered: (answered..asked)
                .map(|_| answer(label, QueryType::A, Status::Timeout, &[]))
                .collect(),
        }
    }

    /// internal 1 and external 1 up, internal 2 down.
    fn one_down() -> Roster {
        Roster::new(&[
            fared("internal 1", ResolverSide::Internal, 4, 4),
            fared("internal 2", ResolverSide::Internal, 4, 0),
            fared("external 1", ResolverSide::External, 4, 4),
        ])
    }

    fn both(label: &str, status: Status, records: &[&str]) -> [Answer; 2] {
        let aaaa = if status == Status::Ok {
            answer(label, QueryType::Aaaa, Status::NoAnswer, &[])
        } else {
            answer(label, QueryType::Aaaa, status, &[])
        };
        [answer(label, QueryType::A, status, records), aaaa]
    }

    #[test]
    fn a_dead_resolver_is_left_out_and_the_live_ones_are_judged() {
        let t = Expectation {
            name: "sql1.example.org".to_owned(),
            addresses: vec![ip("10.1.2.3")],
        };
        let roster = one_down();
        let cases: &[(&[[Answer; 2]], Verdict, &str)] = &[
            (
                &[
                    both("internal 1", Status::Ok, &["10.1.2.3"]),
                    both("internal 2", Status::Timeout, &[]),
                ],
                Verdict::Pass,
                "sql1.example.org resolves to 10.1.2.3 through internal 1, as expected",
            ),
            (
                &[
                    both("internal 1", Status::Ok, &["10.1.2.4"]),
                    both("internal 2", Status::Timeout, &[]),
                ],
                Verdict::Fail,
                "sql1.example.org: internal 1 gives 10.1.2.4, expected 10.1.2.3 (missing 10.1.2.3; unexpected 10.1.2.4)",
            ),
            (
                &[
                    both("internal 2", Status::Timeout, &[]),
                    both("external 1", Status::Nxdomain, &[]),
                ],
                Verdict::Fail,
                "sql1.example.org: external 1 said nxdomain; could not tell what clients inside get: internal 2 is down",
            ),
            (
                &[
                    both("internal 2", Status::Timeout, &[]),
                    both("external 1", Status::Ok, &["10.1.2.3"]),
                ],
                Verdict::Error,
                "sql1.example.org: could not tell what clients inside get: internal 2 is down; through external 1 it resolves to 10.1.2.3, as expected",
            ),
            (
                &[both("internal 2", Status::Timeout, &[])],
                Verdict::Error,
                "sql1.example.org: could not tell: internal 2 is down",
            ),
        ];
        for (answers, verdict, summary) in cases {
            let answers: Vec<Answer> = answers.iter().flatten().cloned().collect();
            let j = judge_resolves(&t, &answers, &roster);
            assert_eq!((j.verdict, j.summary.as_str()), (*verdict, *summary));
            assert_eq!(
                j.evidence["answers"].as_array().map(Vec::len),
                Some(answers.len())
            );
        }
        // A resolver silent for this name only (up for others) still counts against it.
        let answers: Vec<Answer> = [
            both("internal 1", Status::Timeout, &[]),
            both("internal 2", Status::Timeout, &[]),
        ]
        .into_iter()
        .flatten()
        .collect();
        let j = judge_resolves(&t, &answers, &roster);
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(j.summary, "sql1.example.org: internal 1 said timeout");
        assert_eq!(j.evidence["down"], json!(["internal 2"]));
    }

    #[test]
    fn split_horizon_and_reverse_with_a_dead_resolver() {
        let roster = one_down();
        let mut t = horizon(Horizon::Split);
        t.external = vec![ip("203.0.113.7")];
        let int: Vec<Answer> = [
            both("internal 1", Status::Ok, &["10.1.2.3"]),
            both("internal 2", Status::Timeout, &[]),
        ]
        .concat();
        let nx = both("external 1", Status::Nxdomain, &[]);
        let j = judge_split_horizon(&t, &int, &nx, &roster);
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(
            j.summary,
            "mail.example.org: internal 10.1.2.3; external resolvers do not know the name (external 1 said nxdomain): devices outside cannot find it"
        );
        let dead = both("internal 2", Status::Timeout, &[]);
        let j = judge_split_horizon(&t, &dead, &nx, &roster);
        assert_eq!(j.verdict, Verdict::Error);
        assert_eq!(
            j.summary,
            "mail.example.org: could not tell: every internal resolver is down (internal 2 is down)"
        );
        let all_out = Roster::new(&[
            fared("internal 1", ResolverSide::Internal, 4, 4),
            fared("external 1", ResolverSide::External, 4, 0),
        ]);
        let j = judge_split_horizon(&t, &int[..2], &nx, &all_out);
        assert_eq!(j.verdict, Verdict::Error);
        assert_eq!(
            j.summary,
            "mail.example.org: internal 10.1.2.3; the outside view could not be seen: every external resolver is down (external 1 is down)"
        );

        let j = judge_reverse("sql1.example.org", &dead, &[], &roster);
        assert_eq!(j.verdict, Verdict::Error);
        assert_eq!(
            j.summary,
            "sql1.example.org: could not tell: internal 2 is down"
        );
        let p = ptr("internal 1", "10.1.2.3", Status::Ok, &["sql1.example.org"]);
        let j = judge_reverse("sql1.example.org", &int, &[p], &roster);
        assert_eq!(j.verdict, Verdict::Pass, "{}", j.summary);
    }

    #[test]
    fn a_resolver_is_said_down_once_with_its_address() {
        let down = fared("internal 2", ResolverSide::Internal, 6, 0);
        let j = judge_resolver(&down);
        assert_eq!(j.verdict, Verdict::Fail);
        assert!(
            j.summary.starts_with(
                "resolver internal 2 (198.18.0.53:53) is down: did not answer 6 of 6 queries (internal 2 said timeout)"
            ),
            "{}",
            j.summary
        );
        assert_eq!(j.evidence["side"], "internal");
        assert_eq!(j.evidence["down"], true);
        assert_eq!(j.evidence["servers"], json!(["198.18.0.53:53"]));
        let flaky = fared("internal 1", ResolverSide::Internal, 6, 5);
        let j = judge_resolver(&flaky);
        assert_eq!(j.verdict, Verdict::Warn);
        assert_eq!(
            j.summary,
            "resolver internal 1 (198.18.0.53:53) did not answer 1 of 6 queries: sql1.example.org A (internal 1 said timeout)"
        );
        let j = judge_resolver(&fared("external 1", ResolverSide::External, 6, 6));
        assert_eq!(
            (j.verdict, j.summary.as_str()),
            (
                Verdict::Pass,
                "resolver external 1 (198.18.0.53:53) answered 6 of 6 queries"
            )
        );
    }

    #[test]
    fn answers_have_the_stable_json_keys() {
        let a = answer("internal", QueryType::Aaaa, Status::NoAnswer, &[]);
        let v = a.to_json();
        for key in ["name", "resolver", "type", "status", "records", "ms"] {
            assert!(v.get(key).is_some(), "{key} missing from {v}");
        }
        assert_eq!(v["type"], "AAAA");
        assert_eq!(v["status"], "no_answer");
    }
}
