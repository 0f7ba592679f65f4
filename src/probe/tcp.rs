//! TCP reachability: does each (host, port) answer from this machine, and if not, how it fails:
//! refused (the host answered, nothing listens), filtered (no answer within the timeout: a
//! firewall drops the packets), unreachable (no route), or a name that does not resolve.
//!
//! A run is one future: it resolves each distinct host once, connects with bounded concurrency,
//! reports each outcome through a callback as it finishes (for progress bars and the TUI's live
//! view), and returns them all in input order. The whole run has a hard time limit after which
//! whatever is left comes back filtered with a detail saying so, so a run never hangs. Every
//! task it starts lives in a `JoinSet` owned by the future, so dropping the future cancels the
//! run without leaving connections behind.
//!
//! On an open port the prober can read for a moment: a `preflight listen` responder sends one
//! identity line at once, and the outcome then names the host and token that answered.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpStream;
use tokio::sync::{OnceCell, mpsc};
use tokio::task::JoinSet;
use tokio::time::{Instant, timeout_at};

use super::evidence::TcpEvidence;
use super::responder::Identity;
use super::{Evidence, Facts, ProbeKind, ProbeResult, Verdict};
pub use crate::ports::compact;

/// Time one connection attempt waits for an answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Connection attempts in flight at once. On 10,000 loopback endpoints (`cargo bench --bench
/// tcp`) anything from 64 to 4,096 takes about the same time, the kernel's connect path being
/// the cost; on a real network the bound matters for filtered ports, each of which holds a slot
/// for the whole timeout: at 256, 10,000 of them take two minutes rather than eight at 64. It
/// also stays well under the 1,024 open files a default Linux session allows.
pub const DEFAULT_CONCURRENCY: usize = 256;
/// How long an open port is given to say who it is. A responder writes its line at once; a
/// service that waits for the client to speak first costs this much per port.
pub const DEFAULT_IDENTIFY_WAIT: Duration = Duration::from_millis(300);
/// The bound on a whole run when the caller sets none.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(120);
/// A name that has not resolved in this long (or the connection timeout, if longer) counts as
/// not resolving: the system resolver can otherwise take tens of seconds per dead DNS server.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);
/// Most bytes read while identifying: the responder's line is well under this.
const IDENTIFY_BYTES: usize = 256;
/// Slack after the run's limit for tasks that already stopped on it to hand in their outcome;
/// each task bounds its own waits by the limit, so this only covers scheduling.
const LIMIT_GRACE: Duration = Duration::from_millis(50);

/// How a port answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// The connection was accepted.
    Open,
    /// The host answered with a reset: nothing listens on the port.
    Refused,
    /// No answer within the timeout: something drops the packets.
    Filtered,
    /// The host or its network cannot be reached from here.
    Unreachable,
    /// The host name does not resolve.
    NameError,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Open,
        State::Refused,
        State::Filtered,
        State::Unreachable,
        State::NameError,
    ];

    /// The serialised name (`open`, `name_error`, …).
    pub fn name(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Refused => "refused",
            State::Filtered => "filtered",
            State::Unreachable => "unreachable",
            State::NameError => "name_error",
        }
    }

    /// The name in words, for sentences.
    pub fn words(self) -> &'static str {
        match self {
            State::NameError => "name error",
            other => other.name(),
        }
    }

    /// What to change when ports of `host` end in this state; `subject` names the ports
    /// ("them", or a port list when several states are summarised together).
    pub fn advice(self, host: &str, subject: &str) -> String {
        match self {
            State::Open => format!("{host} answers on {subject}"),
            State::Refused => format!(
                "{host} answered but nothing listens on {subject}: start the service there \
                 (or `preflight listen` to test the firewall before it is installed), or check \
                 the port numbers"
            ),
            State::Filtered => format!(
                "a firewall between here and {host} drops {subject}: allow TCP from this \
                 machine to {host} on {subject}, or check that {host} is up"
            ),
            State::Unreachable => format!(
                "no route from this machine to {host}: check its address, this machine's \
                 gateway and routes, and any firewall that rejects with host-unreachable"
            ),
            State::NameError => format!(
                "{host} does not resolve: add it to DNS (or this machine's hosts file), or \
                 check the spelling"
            ),
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One endpoint to probe.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// A name or an IP literal (IPv6 with or without brackets).
    pub host: String,
    pub port: u16,
}

impl Target {
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
        }
    }
}

/// Every port of a list on one host, in the list's order.
pub fn targets(host: &str, ports: &[u16]) -> Vec<Target> {
    ports.iter().map(|&p| Target::new(host, p)).collect()
}

/// What one (host, port) did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub host: String,
    pub port: u16,
    pub state: State,
    /// How long the connection attempt took (0 when none was made).
    pub ms: u64,
    /// The address the outcome is about: the one connected to, or the one that failed.
    pub address: Option<SocketAddr>,
    /// Who answered, when the peer was a `preflight listen` responder.
    pub responder: Option<Identity>,
    /// Plain words: what happened, without the host and port (the row says those).
    pub detail: String,
}

/// How a run goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Per connection attempt.
    pub timeout: Duration,
    /// Attempts in flight at once (at least 1).
    pub concurrency: usize,
    /// The whole run, resolution included; what is left then comes back filtered.
    pub limit: Duration,
    /// Read a responder's identity line from open ports.
    pub identify: bool,
    /// How long an open port is given to identify itself.
    pub identify_wait: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            concurrency: DEFAULT_CONCURRENCY,
            limit: DEFAULT_LIMIT,
            identify: true,
            identify_wait: DEFAULT_IDENTIFY_WAIT,
        }
    }
}

impl Options {
    /// A limit no honest run of `targets` endpoints reaches: every wave of attempts timing out
    /// on two addresses each, plus the identification wait and resolution, plus ten seconds.
    pub fn natural_limit(&self, targets: usize) -> Duration {
        let waves = u32::try_from(targets.div_ceil(self.concurrency.max(1))).unwrap_or(u32::MAX);
        let per_wave = self.timeout.saturating_mul(2) + self.identify_wait;
        per_wave
            .saturating_mul(waves)
            .saturating_add(RESOLVE_TIMEOUT.max(self.timeout))
            .saturating_add(Duration::from_secs(10))
    }
}

pub use super::resolve::{Resolve, Resolving, SystemResolver};

/// A host's addresses once resolved, shared by all of that host's targets.
type Resolved = Result<Vec<IpAddr>, String>;

/// Probes every target and returns the outcomes in input order; `on_done(index, outcome)` is
/// called as each one finishes (in completion order).
///
/// Each distinct host is resolved once (IP literals never reach the resolver). At most
/// `options.concurrency` attempts run at once. After `options.limit` the run stops: attempts in
/// progress and targets not yet started come back [`State::Filtered`] with a detail saying the
/// time limit was reached. Dropping the future cancels the run: its tasks are owned by a
/// `JoinSet` that aborts them.
pub async fn probe<F>(
    targets: &[Target],
    options: &Options,
    resolver: Arc<dyn Resolve>,
    mut on_done: F,
) -> Vec<Outcome>
where
    F: FnMut(usize, &Outcome),
{
    let limit_at = Instant::now() + options.limit;
    let mut hosts: Vec<OnceCell<Resolved>> = Vec::new();
    let mut host_of = Vec::with_capacity(targets.len());
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for t in targets {
        let index = *seen.entry(t.host.as_str()).or_insert_with(|| {
            hosts.push(match literal(&t.host) {
                Some(ip) => OnceCell::new_with(Some(Ok(vec![ip]))),
                None => OnceCell::new(),
            });
            hosts.len() - 1
        });
        host_of.push(index);
    }
    let run = Arc::new(Run {
        targets: targets.to_vec(),
        host_of,
        hosts,
        next: AtomicUsize::new(0),
        resolver,
        plan: Plan {
            timeout: options.timeout,
            identify: options.identify,
            identify_wait: options.identify_wait,
            resolve_timeout: RESOLVE_TIMEOUT.max(options.timeout),
            limit: options.limit,
            limit_at,
        },
    });

    // A fixed pool of workers, each taking the next target when it is done with one: the bound
    // on attempts in flight is exact, and a run of 10,000 ports starts a few hundred tasks, not
    // 10,000.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut workers = JoinSet::new();
    for _ in 0..options.concurrency.clamp(1, targets.len().max(1)) {
        workers.spawn(worker(Arc::clone(&run), tx.clone()));
    }
    drop(tx);
    let mut results: Vec<Option<Outcome>> = vec![None; targets.len()];
    let mut received = 0;
    while received < targets.len() {
        match timeout_at(limit_at + LIMIT_GRACE, rx.recv()).await {
            Ok(Some((index, outcome))) => {
                on_done(index, &outcome);
                results[index] = Some(outcome);
                received += 1;
            }
            // Every worker has stopped (at the limit, or after a panic looked at below).
            Ok(None) | Err(_) => break,
        }
    }
    // Workers are only aborted when this future is dropped, so a finished worker with an error
    // panicked: a bug, surfaced where it happened.
    while let Some(done) = workers.try_join_next() {
        if let Err(e) = done
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
    }
    // Whatever is still running stops here (the `JoinSet` aborts it on drop).
    drop(workers);
    let taken = run.next.load(Ordering::SeqCst);
    let mut out = Vec::with_capacity(targets.len());
    for (index, slot) in results.into_iter().enumerate() {
        let outcome = slot.unwrap_or_else(|| {
            let t = &targets[index];
            let outcome = Outcome {
                host: t.host.clone(),
                port: t.port,
                state: State::Filtered,
                ms: 0,
                address: None,
                responder: None,
                detail: limit_detail(options.limit, index < taken),
            };
            on_done(index, &outcome);
            outcome
        });
        out.push(outcome);
    }
    out
}

/// One run, shared by its workers.
struct Run {
    targets: Vec<Target>,
    /// For each target, its host's entry in `hosts`.
    host_of: Vec<usize>,
    hosts: Vec<OnceCell<Resolved>>,
    /// The next target to take.
    next: AtomicUsize,
    resolver: Arc<dyn Resolve>,
    plan: Plan,
}

/// Takes targets until none are left or the run's limit has passed.
async fn worker(run: Arc<Run>, tx: mpsc::UnboundedSender<(usize, Outcome)>) {
    while Instant::now() < run.plan.limit_at {
        let index = run.next.fetch_add(1, Ordering::SeqCst);
        let Some(target) = run.targets.get(index) else {
            return;
        };
        let host = &run.hosts[run.host_of[index]];
        let outcome = probe_one(target, host, &*run.resolver, &run.plan).await;
        if tx.send((index, outcome)).is_err() {
            return;
        }
    }
}

/// What every attempt needs to know about the run.
#[derive(Debug)]
struct Plan {
    timeout: Duration,
    identify: bool,
    identify_wait: Duration,
    resolve_timeout: Duration,
    limit: Duration,
    limit_at: Instant,
}

/// The words every outcome cut short by the run's limit carries, so a summary can tell them
/// from ports that timed out on their own.
const LIMIT_WORDS: &str = "the run's time limit";

fn limit_detail(limit: Duration, started: bool) -> String {
    if started {
        format!(
            "no answer before {LIMIT_WORDS} ({}) was reached",
            human(limit)
        )
    } else {
        format!(
            "not probed: {LIMIT_WORDS} ({}) was reached first",
            human(limit)
        )
    }
}

/// An IP literal, bracketed or not; these are never handed to a resolver.
fn literal(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

async fn probe_one(
    target: &Target,
    cell: &OnceCell<Resolved>,
    resolver: &dyn Resolve,
    plan: &Plan,
) -> Outcome {
    let outcome = |state, ms, address, detail: String| Outcome {
        host: target.host.clone(),
        port: target.port,
        state,
        ms,
        address,
        responder: None,
        detail,
    };
    let addresses = timeout_at(
        plan.limit_at,
        cell.get_or_init(|| async {
            match tokio::time::timeout(plan.resolve_timeout, resolver.resolve(&target.host)).await {
                Ok(Ok(ips)) if ips.is_empty() => Err("the name has no addresses".to_owned()),
                Ok(Ok(ips)) => {
                    let mut unique = Vec::with_capacity(ips.len());
                    for ip in ips {
                        if !unique.contains(&ip) {
                            unique.push(ip);
                        }
                    }
                    Ok(unique)
                }
                Ok(Err(e)) => Err(format!("the name does not resolve ({e})")),
                Err(_) => Err(format!(
                    "no answer from the resolver within {}",
                    human(plan.resolve_timeout)
                )),
            }
        }),
    )
    .await;
    let addrs = match addresses {
        Ok(Ok(addrs)) => addrs.clone(),
        Ok(Err(why)) => return outcome(State::NameError, 0, None, why.clone()),
        Err(_) => return outcome(State::Filtered, 0, None, limit_detail(plan.limit, true)),
    };

    // Every address is tried in turn until one is open; otherwise the most telling failure is
    // kept (refused says more than filtered, which says more than unreachable).
    let mut best: Option<Outcome> = None;
    for ip in &addrs {
        let address = SocketAddr::new(*ip, target.port);
        let attempt = attempt(address, plan).await;
        let mut o = outcome(attempt.state, attempt.ms, Some(address), attempt.detail);
        if attempt.state == State::Open {
            o.responder = attempt.responder;
            return o;
        }
        if best.as_ref().is_none_or(|b| rank(o.state) > rank(b.state)) {
            best = Some(o);
        }
        if Instant::now() >= plan.limit_at {
            break;
        }
    }
    let mut o = best.unwrap_or_else(|| {
        outcome(
            State::NameError,
            0,
            None,
            "the name has no addresses".to_owned(),
        )
    });
    if addrs.len() > 1 {
        o.detail = format!("{} (tried {} addresses)", o.detail, addrs.len());
    }
    o
}

fn rank(state: State) -> u8 {
    match state {
        State::Open => 4,
        State::Refused => 3,
        State::Filtered => 2,
        State::Unreachable => 1,
        State::NameError => 0,
    }
}

struct Attempt {
    state: State,
    ms: u64,
    detail: String,
    responder: Option<Identity>,
}

async fn attempt(address: SocketAddr, plan: &Plan) -> Attempt {
    let start = Instant::now();
    let own_deadline = start + plan.timeout;
    let until = own_deadline.min(plan.limit_at);
    let connected = timeout_at(until, TcpStream::connect(address)).await;
    let ms = millis(start.elapsed());
    let (state, detail) = match connected {
        Ok(Ok(mut stream)) => {
            let (detail, responder) = if plan.identify {
                let deadline = (Instant::now() + plan.identify_wait).min(plan.limit_at);
                heard(address.port(), &listen(&mut stream, deadline).await)
            } else {
                ("connected".to_owned(), None)
            };
            // Closing with a reset, as port scanners do, leaves no TIME_WAIT entry behind on
            // this machine for every open port probed; the peer loses nothing it needed.
            let _ = stream.set_zero_linger();
            return Attempt {
                state: State::Open,
                ms,
                detail,
                responder,
            };
        }
        Ok(Err(e)) => classify(&e),
        Err(_) if until < own_deadline => (State::Filtered, limit_detail(plan.limit, true)),
        Err(_) => (
            State::Filtered,
            format!("no answer in {}", human(plan.timeout)),
        ),
    };
    Attempt {
        state,
        ms,
        detail,
        responder: None,
    }
}

/// Reads what an open port says first, until a newline, [`IDENTIFY_BYTES`], the peer closing,
/// or the deadline.
async fn listen(stream: &mut TcpStream, deadline: Instant) -> Vec<u8> {
    let mut buf = vec![0u8; IDENTIFY_BYTES];
    let mut n = 0;
    while n < buf.len() {
        match timeout_at(deadline, stream.read(&mut buf[n..])).await {
            Ok(Ok(0) | Err(_)) | Err(_) => break,
            Ok(Ok(k)) => {
                n += k;
                if buf[..n].contains(&b'\n') {
                    break;
                }
            }
        }
    }
    buf.truncate(n);
    buf
}

/// The detail of an open port from what it said, and the responder when it was one.
fn heard(port: u16, said: &[u8]) -> (String, Option<Identity>) {
    let text = String::from_utf8_lossy(said);
    if let Some(id) = Identity::parse(&text) {
        let detail = if id.port == port {
            format!("reached the responder on {} (token {})", id.host, id.token)
        } else {
            // Something between here and there forwards this port to another one.
            format!(
                "reached the responder on {} (token {}) on its port {}: something forwards \
                 this port there",
                id.host, id.token, id.port
            )
        };
        return (detail, Some(id));
    }
    let first = text.lines().next().unwrap_or_default();
    let banner: String = first.chars().filter(|c| !c.is_control()).take(60).collect();
    if banner.trim().is_empty() {
        ("connected".to_owned(), None)
    } else {
        (
            format!("connected; the service said `{}`", banner.trim()),
            None,
        )
    }
}

/// Puts a failed connection attempt in a state and plain words.
fn classify(e: &io::Error) -> (State, String) {
    use io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => (
            State::Refused,
            "the host answered that nothing listens there".to_owned(),
        ),
        K::ConnectionReset | K::ConnectionAborted => (
            State::Refused,
            format!("the connection was reset at once ({e})"),
        ),
        // The system's own connect timeout, shorter than ours on some platforms.
        K::TimedOut => (
            State::Filtered,
            "no answer before the system gave up".to_owned(),
        ),
        K::HostUnreachable => (
            State::Unreachable,
            format!("host unreachable: no route to it, or a router said so ({e})"),
        ),
        K::NetworkUnreachable => (
            State::Unreachable,
            format!("network unreachable: this machine has no route to that network ({e})"),
        ),
        K::AddrNotAvailable => (
            State::Unreachable,
            format!("this machine cannot connect to that kind of address ({e})"),
        ),
        K::PermissionDenied => (
            State::Unreachable,
            format!("a firewall on this machine blocked the connection ({e})"),
        ),
        _ => (State::Unreachable, format!("could not connect: {e}")),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A duration as people say it: `300 ms`, `3 s`, `1.5 s`, `2 min`.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(60_000) {
        format!("{} min", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{}.{} s", ms / 1000, (ms % 1000) / 100)
    }
}

/// One line for a host's outcomes: the ports by state, then what to change. For example
/// "8091 open, 20000-20009 filtered (no answer in 3 s): a firewall between here and HOST drops
/// them: …".
pub fn summary(host: &str, outcomes: &[Outcome], timeout: Duration) -> String {
    if outcomes.is_empty() {
        return format!("no ports of {host} were probed");
    }
    let groups: Vec<(State, Vec<u16>)> = State::ALL
        .iter()
        .map(|&s| {
            let ports = outcomes
                .iter()
                .filter(|o| o.state == s)
                .map(|o| o.port)
                .collect::<Vec<_>>();
            (s, ports)
        })
        .filter(|(_, ports)| !ports.is_empty())
        .collect();
    let listed = groups
        .iter()
        .map(|(s, ports)| {
            let cut = |o: &&Outcome| o.state == State::Filtered && o.detail.contains(LIMIT_WORDS);
            let note = match s {
                State::Filtered if outcomes.iter().filter(cut).count() == ports.len() => {
                    format!(" ({LIMIT_WORDS} was reached)")
                }
                State::Filtered => format!(" (no answer in {})", human(timeout)),
                _ => String::new(),
            };
            format!("{} {}{note}", compact(ports), s.words())
        })
        .collect::<Vec<_>>()
        .join(", ");
    let failing: Vec<&(State, Vec<u16>)> =
        groups.iter().filter(|(s, _)| *s != State::Open).collect();
    if failing.is_empty() {
        let responders: Vec<String> = {
            let mut seen: Vec<String> = Vec::new();
            for o in outcomes {
                if let Some(id) = &o.responder {
                    let who = format!("{} (token {})", id.host, id.token);
                    if !seen.contains(&who) {
                        seen.push(who);
                    }
                }
            }
            seen
        };
        return if responders.is_empty() {
            listed
        } else {
            format!(
                "{listed}: reached the responder on {}",
                responders.join(", ")
            )
        };
    }
    let advice = if let [(state, _)] = failing.as_slice() {
        state.advice(host, "them")
    } else {
        failing
            .iter()
            .map(|(state, ports)| state.advice(host, &compact(ports)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    format!("{listed}: {advice}")
}

/// A host's outcomes as the result of the `tcp.reachable` check: pass when every port is open.
pub fn probe_result(
    host: &str,
    outcomes: &[Outcome],
    timeout: Duration,
    at: String,
    ms: u64,
) -> ProbeResult {
    let ports: Vec<u16> = outcomes.iter().map(|o| o.port).collect();
    let verdict = if !outcomes.is_empty() && outcomes.iter().all(|o| o.state == State::Open) {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    let shown_host = match literal(host) {
        Some(IpAddr::V6(ip)) => format!("[{ip}]"),
        _ => host.to_owned(),
    };
    ProbeResult {
        kind: ProbeKind::Tcp,
        check: "reachable".to_owned(),
        target: format!("{shown_host}:{}", compact(&ports)),
        verdict,
        summary: summary(host, outcomes, timeout),
        evidence: Evidence::of(Facts::Tcp(TcpEvidence {
            timeout_ms: millis(timeout),
            outcomes: outcomes.to_vec(),
        })),
        at,
        ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(port: u16, state: State) -> Outcome {
        Outcome {
            host: "web1".to_owned(),
            port,
            state,
            ms: 1,
            address: None,
            responder: None,
            detail: String::new(),
        }
    }

    #[test]
    fn states_serialise_snake_case() {
        let names: Vec<String> = State::ALL
            .iter()
            .map(|s| serde_json::to_string(s).expect("serialise"))
            .collect();
        assert_eq!(
            names,
            [
                "\"open\"",
                "\"refused\"",
                "\"filtered\"",
                "\"unreachable\"",
                "\"name_error\""
            ]
        );
        for s in State::ALL {
            assert_eq!(
                format!("\"{}\"", s.name()),
                serde_json::to_string(&s).expect("json")
            );
        }
    }

    #[test]
    fn errors_map_to_states() {
        use io::ErrorKind as K;
        let cases = [
            (K::ConnectionRefused, State::Refused),
            (K::ConnectionReset, State::Refused),
            (K::TimedOut, State::Filtered),
            (K::HostUnreachable, State::Unreachable),
            (K::NetworkUnreachable, State::Unreachable),
            (K::AddrNotAvailable, State::Unreachable),
            (K::PermissionDenied, State::Unreachable),
            (K::Other, State::Unreachable),
        ];
        for (kind, want) in cases {
            let (state, detail) = classify(&io::Error::new(kind, "x"));
            assert_eq!(state, want, "{kind:?}");
            assert!(!detail.is_empty());
        }
        let (_, detail) = classify(&io::Error::new(K::HostUnreachable, "x"));
        assert!(detail.contains("no route"), "{detail}");
    }

    #[test]
    fn ports_compact_into_ranges() {
        assert_eq!(compact(&[]), "");
        assert_eq!(compact(&[443]), "443");
        assert_eq!(
            compact(&[8091, 20000, 20001, 20002, 443, 65534, 65535]),
            "8091,20000-20002,443,65534-65535"
        );
    }

    #[test]
    fn durations_read_as_spoken() {
        assert_eq!(human(Duration::from_millis(300)), "300 ms");
        assert_eq!(human(Duration::from_secs(3)), "3 s");
        assert_eq!(human(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human(Duration::from_secs(120)), "2 min");
    }

    #[test]
    fn literals_skip_the_resolver() {
        assert_eq!(literal("127.0.0.1"), Some(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(literal("[::1]"), Some("::1".parse().expect("v6")));
        assert_eq!(literal("::1"), Some("::1".parse().expect("v6")));
        assert_eq!(literal("sql1.example.org"), None);
    }

    #[test]
    fn summary_names_ports_by_state_and_what_to_change() {
        let mut outcomes = vec![o(8091, State::Open)];
        outcomes.extend((20000..=20009).map(|p| o(p, State::Filtered)));
        let s = summary("web1", &outcomes, Duration::from_secs(3));
        assert_eq!(
            s,
            "8091 open, 20000-20009 filtered (no answer in 3 s): a firewall between here and \
             web1 drops them: allow TCP from this machine to web1 on them, or check that web1 \
             is up"
        );

        let mixed = [o(443, State::Refused), o(8091, State::Filtered)];
        let s = summary("web1", &mixed, Duration::from_secs(3));
        assert!(s.starts_with("443 refused, 8091 filtered (no answer in 3 s): web1 answered but nothing listens on 443"), "{s}");
        assert!(
            s.contains("; a firewall between here and web1 drops 8091"),
            "{s}"
        );

        let all = [o(443, State::Open), o(444, State::Open)];
        assert_eq!(
            summary("web1", &all, Duration::from_secs(3)),
            "443-444 open"
        );
    }

    #[test]
    fn result_passes_only_when_every_port_is_open() {
        let at = "2026-11-22T09:30:00Z".to_owned();
        let open = [o(443, State::Open), o(8091, State::Open)];
        let r = probe_result("::1", &open, DEFAULT_TIMEOUT, at.clone(), 12);
        assert_eq!(r.verdict, Verdict::Pass);
        assert_eq!(r.kind, ProbeKind::Tcp);
        assert_eq!(r.check, "reachable");
        assert_eq!(r.target, "[::1]:443,8091");
        let Facts::Tcp(t) = &r.evidence.facts else {
            panic!("a port probe keeps its outcomes")
        };
        assert_eq!(t.outcomes[1].state, State::Open);
        assert_eq!(t.timeout_ms, 3000);

        for bad in State::ALL.into_iter().filter(|s| *s != State::Open) {
            let r = probe_result(
                "web1",
                &[o(443, State::Open), o(8091, bad)],
                DEFAULT_TIMEOUT,
                at.clone(),
                1,
            );
            assert_eq!(r.verdict, Verdict::Fail, "{bad:?}");
            assert!(r.summary.contains(bad.words()), "{}", r.summary);
        }
        let none = probe_result("web1", &[], DEFAULT_TIMEOUT, at, 0);
        assert_eq!(none.verdict, Verdict::Fail);
    }

    #[test]
    fn natural_limit_covers_every_wave() {
        let options = Options {
            concurrency: 100,
            ..Options::default()
        };
        // 250 targets: 3 waves of two 3 s attempts and the 300 ms read, plus resolution (5 s)
        // and 10 s.
        assert_eq!(
            options.natural_limit(250),
            Duration::from_millis(3 * 6300 + 15_000)
        );
    }

    #[test]
    fn open_ports_say_who_answered() {
        let (detail, who) = heard(
            8091,
            b"PREFLIGHT-RESPONDER/1 host=web1 token=abc port=8091\n",
        );
        assert_eq!(detail, "reached the responder on web1 (token abc)");
        assert_eq!(who.expect("responder").token, "abc");
        let (detail, _) = heard(80, b"PREFLIGHT-RESPONDER/1 host=web1 token=abc port=8091\n");
        assert!(detail.contains("on its port 8091"), "{detail}");
        let (detail, who) = heard(22, b"SSH-2.0-OpenSSH_9.6\r\n");
        assert_eq!(detail, "connected; the service said `SSH-2.0-OpenSSH_9.6`");
        assert!(who.is_none());
        assert_eq!(heard(443, b"").0, "connected");
    }
}
