//! Enumeration: which protocols a server offers, every cipher suite it accepts in each, in
//! which order it prefers them, and which key-exchange groups it takes.
//!
//! Suites are found the way that costs fewest handshakes: offer every suite the protocol can
//! carry, note the one the server picks, offer the rest, and repeat until the server refuses
//! (an alert, or a close). A server that keeps its own order picks its favourite each time, so
//! the sequence found is its preference order; two more handshakes with two accepted suites in
//! both orders tell whether it does. A server that hangs up on the long first offer (some do)
//! is asked again in chunks once another protocol has shown that it speaks TLS at all.
//!
//! Groups: for TLS 1.2 and older, only the accepted ECDHE suites are offered with one curve at
//! a time, and the curve in the ServerKeyExchange says whether it was taken; for TLS 1.3 one
//! group at a time is offered with no key share, and a HelloRetryRequest naming that group says
//! it was taken, without the server computing any key.
//!
//! Production hospital servers are on the other end, so the scan is gentle: its connections
//! come out of the server's budget ([`crate::probe::budget`]), shared with every other scan of
//! the run on the same address, which narrows and pauses when the server shows signs of
//! limiting us. A reset, a silent close, a stall or a refused connection after the server has
//! answered is checked by asking again a question it answered before: if that fails too the
//! server is limiting us, the budget backs off, and after a few such checks in a row the scan
//! stops and says it is inconclusive because the server started refusing after N handshakes,
//! never that what it did not get to ask is not offered. Until one connection has gone
//! through, connections go one at a time, so an endpoint nobody answers on is known after one
//! attempt. Every connect and read has a timeout, and the whole scan a limit after which what
//! was found comes back with a note saying the limit cut it short. Every task lives in a
//! `JoinSet` owned by the scan's future, so dropping that future cancels the scan.
//!
//! Each question is asked once: the preference order is read off the enumeration's own first
//! two answers where they settle it (else one more handshake), and groups are found like
//! suites, offering all that are left and taking out the one the server picks.
//!
//! The certificate chain comes from the first flight of the highest TLS 1.2-or-older
//! handshake that carried one. A server that speaks only TLS 1.3 encrypts its certificate, so
//! for that case one real TLS 1.3 handshake is made with rustls, whose verifier only records
//! the chain (trust is judged elsewhere, from the chain, against the roots the user chose).
//!
//! A SQL Server (TDS 7.x) carries its handshake inside TDS PRELOGIN packets
//! ([`Transport::Tds`]): first one PRELOGIN asking for no encryption tells whether the server
//! has TLS at all (if not, the scan ends there with that one finding rather than a hundred
//! failed handshakes), then every connection, the rustls one included, exchanges PRELOGIN
//! asking for encryption before its handshake goes out wrapped and the reply comes back
//! unwrapped. Everything else, enumeration, preference, groups and chain, is the same.

#![expect(
    clippy::doc_markdown,
    reason = "protocol message names (ClientHello, ServerKeyExchange) are words of the RFCs, not code"
)]

use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::{Serialize, Serializer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::{Instant, timeout_at};

use super::suites::{self, Suite};
use super::tds::{self, Encryption};
use super::wire::{ClientHello, Flight, Group, KeyExchange, Status, Version, parse_flight};
use crate::probe::budget::{Budgets, Server, Slot};
use crate::probe::lock;
use crate::probe::resolve::Lookup;
use crate::probe::tcp::human;

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(120);
/// Most bytes of a first flight read: long chains are a few tens of KiB.
const MAX_FLIGHT: usize = 256 * 1024;
/// Slack after the limit for tasks that stopped on it to hand in what they found.
const LIMIT_GRACE: Duration = Duration::from_millis(200);

/// How a scan goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The budgets the scan's connections come out of: shared by every scan of a run, so a
    /// server's budget holds whatever names and ports lead to it.
    pub budget: Budgets,
    pub connect_timeout: Duration,
    /// Longest wait for each read of the server's reply.
    pub read_timeout: Duration,
    /// The whole scan.
    pub limit: Duration,
    /// Before the server has answered anything, times a handshake ended by a reset or silent
    /// close is tried again before the answer counts as "no".
    pub retries: u32,
    /// After it has: times a question it answered before is asked again, after a growing
    /// pause, before the scan gives up on a server that is limiting it.
    pub limit_checks: u32,
    /// Suites per ClientHello when a server hangs up on the whole offer.
    pub chunk: usize,
    /// The protocols to try.
    pub protocols: Vec<Version>,
    /// Measure the key-exchange groups.
    pub groups: bool,
    /// Measure whether the server keeps its own order.
    pub preference: bool,
    /// Make one rustls handshake for the chain when only TLS 1.3 is offered.
    pub tls13_chain: bool,
    /// How the handshakes reach the server.
    pub transport: Transport,
    /// How a host name becomes the address scanned: the operating system's resolver by
    /// default, the run's resolution in `preflight probe` and the TUI.
    pub lookup: Lookup,
}

/// How a scan's handshakes reach the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// The ClientHello is the first thing on the connection (HTTPS, and every other TLS port).
    #[default]
    Direct,
    /// SQL Server (TDS 7.x): each connection exchanges PRELOGIN first, and the handshake travels
    /// inside PRELOGIN packets.
    Tds,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            budget: Budgets::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            limit: DEFAULT_LIMIT,
            retries: 1,
            limit_checks: 3,
            chunk: 64,
            protocols: Version::ALL.to_vec(),
            groups: true,
            preference: true,
            tls13_chain: true,
            transport: Transport::Direct,
            lookup: Lookup::system(),
        }
    }
}

/// Whose order decides the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preference {
    /// The server picks its favourite whatever the client's order.
    Server,
    /// The server takes the client's first choice it supports.
    Client,
    /// The two test handshakes disagreed, failed, or were not made.
    Unknown,
    /// Fewer than two suites accepted: there is no order to have.
    NotApplicable,
}

/// One accepted suite and the key exchange the server used with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accepted {
    #[serde(serialize_with = "suite_name")]
    pub suite: &'static Suite,
    /// Curve or DH prime size (TLS 1.2 and older), or the group of the key share (TLS 1.3).
    pub key_exchange: Option<KeyExchange>,
}

/// What one protocol version did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtocolResult {
    pub version: Version,
    pub offered: bool,
    /// In the server's preference order when it has one, else in the order found.
    #[serde(serialize_with = "suite_names")]
    pub cipher_suites: Vec<&'static Suite>,
    /// The same suites with their key exchange.
    pub accepted: Vec<Accepted>,
    pub preference: Preference,
    /// Groups accepted: filled for TLS 1.3, and for the highest older version that accepted
    /// an ECDHE suite (a server's curves do not differ between TLS 1.0 and 1.2).
    pub groups: Vec<Group>,
    /// RFC 5746 secure renegotiation, as the ServerHello said.
    pub secure_renegotiation: Option<bool>,
    /// Not offered, and the server said so on purpose (an alert, a close or reset, another
    /// version in its answer); false when it was not offered for a reason the scan cannot read
    /// as a refusal (no connection, a stall, the time limit).
    pub refused: bool,
    /// How the protocol was refused, or what cut its enumeration short, in words.
    pub note: String,
    pub handshakes: u32,
    pub ms: u64,
}

/// Where the certificate chain came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainSource {
    /// The plaintext Certificate message of this protocol's handshake.
    Handshake(Version),
    /// A TLS 1.3 handshake made with rustls (TLS 1.3 encrypts the certificate).
    Rustls,
}

/// Everything a scan found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    pub host: String,
    pub port: u16,
    /// The address scanned (the first the name resolved to).
    pub address: Option<SocketAddr>,
    pub sni: Option<String>,
    pub protocols: Vec<ProtocolResult>,
    /// The chain as served, leaf first (DER).
    #[serde(skip)]
    pub chain: Vec<Vec<u8>>,
    pub chain_source: Option<ChainSource>,
    /// Connections made.
    pub handshakes: u32,
    pub ms: u64,
    /// Whatever stopped the scan from being sure of something, in plain words.
    pub errors: Vec<String>,
    /// False when the scan's limit cut it short.
    pub complete: bool,
    /// How the handshakes reached the server.
    pub transport: Transport,
    /// Through TDS: the server's answer to a PRELOGIN asking for no encryption, which gives its
    /// version and whether it forces encryption (`required`) or merely offers it (`off`).
    pub prelogin: Option<tds::Prelogin>,
}

impl ScanReport {
    /// The result for one protocol.
    pub fn protocol(&self, version: Version) -> Option<&ProtocolResult> {
        self.protocols.iter().find(|p| p.version == version)
    }

    /// Versions offered, oldest first.
    pub fn offered(&self) -> Vec<Version> {
        self.protocols
            .iter()
            .filter(|p| p.offered)
            .map(|p| p.version)
            .collect()
    }

    /// Whether any protocol accepted `suite`.
    pub fn accepts(&self, suite: &Suite) -> bool {
        self.protocols
            .iter()
            .any(|p| p.cipher_suites.iter().any(|s| s.code == suite.code))
    }

    /// Curves accepted for ECDHE in TLS 1.2 and older.
    pub fn ecdhe_groups(&self) -> Vec<Group> {
        let mut groups: Vec<Group> = self
            .protocols
            .iter()
            .filter(|p| p.version < Version::Tls13)
            .flat_map(|p| p.groups.iter().copied())
            .collect();
        groups.sort_unstable();
        groups.dedup();
        groups
    }
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's `serialize_with` passes a reference to the field"
)]
fn suite_name<S: Serializer>(suite: &&'static Suite, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(suite.name)
}

fn suite_names<S: Serializer>(suites: &[&'static Suite], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(suites.iter().map(|x| x.name))
}

/// One name from a guide's list and whether the scan found it accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameCheck {
    /// As given.
    pub name: String,
    /// The registry name it stands for, when known.
    pub suite: Option<&'static str>,
    /// The curve a Windows `_P256`/`_P384` name is restricted to.
    pub curve: Option<Group>,
    pub accepted: bool,
    /// Why, in words.
    pub detail: String,
}

/// For each name (an IANA name, an OpenSSL alias, or a Windows 2012 R2 name with a curve
/// suffix), whether the scan found it accepted. A suffixed name counts as accepted when the
/// suite was accepted and the curve was among the ECDHE groups the server took.
pub fn check_names(report: &ScanReport, names: &[&str]) -> Vec<NameCheck> {
    let curves = report.ecdhe_groups();
    names
        .iter()
        .map(|&name| {
            let (suite, curve) = match suites::by_name(name) {
                Some(s) => (Some(s), None),
                None => match suites::windows_name(name) {
                    Some((s, g)) => (Some(s), Some(g)),
                    None => (None, None),
                },
            };
            let (accepted, detail) = match (suite, curve) {
                (None, _) => (false, "not a cipher suite name this tool knows".to_owned()),
                (Some(s), _) if !report.accepts(s) => (false, "not accepted".to_owned()),
                (Some(_), None) => (true, "accepted".to_owned()),
                (Some(_), Some(g)) if curves.contains(&g) => (true, format!("accepted with {g}")),
                (Some(_), Some(g)) if curves.is_empty() => (
                    false,
                    format!(
                        "the suite is accepted, but the curves were not measured, so {g} is unknown"
                    ),
                ),
                (Some(_), Some(g)) => (
                    false,
                    format!(
                        "the suite is accepted, but not with {g} (curves: {})",
                        curves
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            };
            NameCheck {
                name: name.to_owned(),
                suite: suite.map(|s| s.name),
                curve,
                accepted,
                detail,
            }
        })
        .collect()
}

/// How one handshake ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// A ServerHello arrived (whatever followed it).
    Hello(Flight),
    /// A fatal alert before any ServerHello.
    Alert(super::wire::Alert),
    /// The server closed the connection without sending a byte.
    Closed,
    Reset(String),
    /// No reply within the read timeout.
    Stalled,
    /// A reply that is not TLS.
    Garbage(String),
    ConnectFailed(String),
    /// The PRELOGIN exchange before the handshake failed, or the server's TDS packets broke.
    Tds(String),
    /// The scan's limit was reached first.
    Limit,
    /// The server started refusing after answering this many handshakes, and kept refusing
    /// questions it had answered before.
    Limited(u32),
}

impl Outcome {
    /// Why a protocol or suite was refused, in words.
    fn words(&self, read_timeout: Duration) -> String {
        match self {
            Outcome::Hello(_) => "the server answered".to_owned(),
            Outcome::Alert(a) => format!("the server refused with a {a} alert"),
            Outcome::Closed => "the server closed the connection without a word".to_owned(),
            Outcome::Reset(e) => format!("the server reset the connection ({e})"),
            Outcome::Stalled => format!("the server said nothing in {}", human(read_timeout)),
            Outcome::Garbage(w) => format!("the server's reply is not TLS: {w}"),
            Outcome::ConnectFailed(e) => format!("could not connect: {e}"),
            Outcome::Tds(w) => w.clone(),
            Outcome::Limit => LIMIT_WORDS.to_owned(),
            Outcome::Limited(n) => limited_words(*n),
        }
    }

    /// What a server that is limiting us does instead of answering (once it has answered).
    fn is_limiting_sign(&self) -> bool {
        matches!(
            self,
            Outcome::Closed | Outcome::Reset(_) | Outcome::Stalled | Outcome::ConnectFailed(_)
        )
    }

    /// A refusal a TLS server gives on purpose (as opposed to a fault).
    fn is_refusal(&self) -> bool {
        matches!(
            self,
            Outcome::Alert(_) | Outcome::Closed | Outcome::Reset(_)
        )
    }
}

const LIMIT_WORDS: &str = "the scan's time limit was reached";

/// The start of what a scan says when the server limited it, for the facts to find.
pub const INCONCLUSIVE: &str = "inconclusive: the server started refusing after";

fn limited_words(answered: u32) -> String {
    format!(
        "{INCONCLUSIVE} {answered} handshakes (it kept refusing questions it had answered \
         before, so the scan backed off and stopped; what was not asked is unknown, not \
         absent): scan again later or with --polite"
    )
}

/// A connection and its place in the server's budget. The stream is declared first so it is
/// closed before the slot is given back: the server never sees more than the budget allows.
struct Conn {
    stream: TcpStream,
    _slot: Slot,
}

/// The state every task of a scan shares.
struct Ctx {
    addr: SocketAddr,
    sni: Option<String>,
    opts: Options,
    limit_at: Instant,
    /// The server's budget, shared with every other scan of the run on its address.
    server: Arc<Server>,
    handshakes: AtomicU32,
    /// Handshakes the server answered: ServerHellos, and alerts known as its refusals.
    answered: AtomicU32,
    /// The alert descriptions known as the server's refusals (sent before anything else was
    /// answered, or checked): another is checked like a reset, as an overloaded server may
    /// start answering with an alert it did not send before.
    alerts: Mutex<Vec<u8>>,
    /// A hello the server answered with a ServerHello: the question asked again to tell a
    /// refusal from a server that stopped answering.
    known_good: Mutex<Option<(ClientHello, Transport)>>,
    /// One connection has gone through: from then on they go out side by side.
    reached: AtomicBool,
    /// Held by the connection that tries first, until one has gone through.
    first: tokio::sync::Mutex<()>,
    /// Why the first connection failed: every later one fails the same way without trying.
    unreachable: OnceLock<String>,
    /// Held while one task checks whether the server is limiting us; the others wait for its
    /// word rather than pile on.
    checking: tokio::sync::Mutex<()>,
    /// Set once the server is known to limit us: the answered handshakes before it did.
    limited: OnceLock<u32>,
    provider: Arc<CryptoProvider>,
}

impl Ctx {
    /// A new connection to the server, within its budget (the slot is held as long as the
    /// connection is wanted). Until one connection has gone through they go one at a time,
    /// and once the first failed the rest fail with its words at once.
    async fn connect(&self) -> Result<Conn, Outcome> {
        if let Some(&n) = self.limited.get() {
            return Err(Outcome::Limited(n));
        }
        if Instant::now() >= self.limit_at {
            return Err(Outcome::Limit);
        }
        // Waited for before a slot is taken: a scan's tasks waiting on its first connection
        // hold none of the server's budget, which other scans of the run may use meanwhile.
        let _first = if self.reached.load(Ordering::Acquire) {
            None
        } else {
            let Ok(guard) = timeout_at(self.limit_at, self.first.lock()).await else {
                return Err(Outcome::Limit);
            };
            Some(guard)
        };
        if let Some(words) = self.unreachable.get() {
            return Err(Outcome::ConnectFailed(words.clone()));
        }
        let Ok(slot) = timeout_at(self.limit_at, self.opts.budget.slot(self.addr.ip())).await
        else {
            return Err(Outcome::Limit);
        };
        if let Some(&n) = self.limited.get() {
            return Err(Outcome::Limited(n));
        }
        if Instant::now() >= self.limit_at {
            return Err(Outcome::Limit);
        }
        self.handshakes.fetch_add(1, Ordering::Relaxed);
        let until = (Instant::now() + self.opts.connect_timeout).min(self.limit_at);
        let words = match timeout_at(until, TcpStream::connect(self.addr)).await {
            Ok(Ok(stream)) => {
                self.reached.store(true, Ordering::Release);
                let _ = stream.set_nodelay(true);
                return Ok(Conn {
                    stream,
                    _slot: slot,
                });
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) if until == self.limit_at => return Err(Outcome::Limit),
            Err(_) => format!("no answer in {}", human(self.opts.connect_timeout)),
        };
        if !self.reached.load(Ordering::Acquire) {
            let _ = self.unreachable.set(words.clone());
        }
        Err(Outcome::ConnectFailed(words))
    }

    fn random(&self, buf: &mut [u8]) {
        if self.provider.secure_random.fill(buf).is_err() {
            // Only the unpredictability of a ClientHello's random is lost, and nothing here
            // relies on it: the handshake is never completed.
            for (i, b) in buf.iter_mut().enumerate() {
                *b = u8::try_from(i % 251).unwrap_or_default();
            }
        }
    }

    /// A ClientHello offering `suites` in `version`.
    fn hello(
        &self,
        version: Version,
        suites: &[u16],
        groups: &[Group],
        share: bool,
    ) -> ClientHello {
        let mut random = [0u8; 32];
        self.random(&mut random);
        let (session_id, key_shares) = if version == Version::Tls13 {
            let mut sid = vec![0u8; 32];
            self.random(&mut sid);
            // Any 32 bytes are an X25519 public key, and the scan stops at the ServerHello,
            // so a random one looks real and costs nothing.
            let shares = if share {
                let mut key = vec![0u8; 32];
                self.random(&mut key);
                vec![(Group::X25519, key)]
            } else {
                Vec::new()
            };
            (sid, shares)
        } else {
            (Vec::new(), Vec::new())
        };
        ClientHello {
            version,
            suites: suites.to_vec(),
            groups: groups.to_vec(),
            key_shares,
            sni: self.sni.clone(),
            random,
            session_id,
        }
    }

    /// The PRELOGIN exchange on a new connection before its handshake, asking for encryption
    /// as a client that wants the whole session encrypted does.
    async fn tds_open(&self, stream: &mut TcpStream) -> Result<tds::Opened, Outcome> {
        let until = (Instant::now() + self.opts.read_timeout).min(self.limit_at);
        match tds::open(stream, Encryption::On, until).await {
            Ok(opened) if opened.prelogin.encryption == Encryption::NotSupported => {
                Err(Outcome::Tds(no_encryption(Encryption::On)))
            }
            Ok(opened) => Ok(opened),
            Err(tds::Failed::TimedOut) if until == self.limit_at => Err(Outcome::Limit),
            Err(tds::Failed::TimedOut) => Err(Outcome::Stalled),
            // Worth the retry and the backoff a reset to a ClientHello gets.
            Err(tds::Failed::Reset(e)) => Err(Outcome::Reset(e)),
            Err(other) => Err(Outcome::Tds(other.words(self.opts.read_timeout))),
        }
    }

    /// Before any handshake through TDS: one PRELOGIN asking for no encryption, whose answer
    /// says whether the server has TLS at all (and whether it forces it), on a connection of
    /// its own that counts as one of the scan's. When there is nothing to scan, the words say
    /// why, with the server's answer when it gave one.
    async fn tds_check(&self) -> Result<tds::Prelogin, (Option<tds::Prelogin>, String)> {
        let mut conn = match self.connect().await {
            Ok(conn) => conn,
            Err(outcome) => return Err((None, outcome.words(self.opts.read_timeout))),
        };
        let stream = &mut conn.stream;
        let until = (Instant::now() + self.opts.read_timeout).min(self.limit_at);
        let opened = tds::open(stream, Encryption::Off, until).await;
        let _ = stream.set_zero_linger();
        // The handshake below takes a slot of its own.
        drop(conn);
        let failed = match opened {
            Ok(o) if o.prelogin.encryption == Encryption::NotSupported => {
                return Err((Some(o.prelogin), no_encryption(Encryption::Off)));
            }
            Ok(o) => return Ok(o.prelogin),
            Err(failed) => failed,
        };
        let words = match failed {
            tds::Failed::TimedOut if until == self.limit_at => LIMIT_WORDS.to_owned(),
            // TLS servers hang up on a PRELOGIN without a word (OpenSSL does): one bare
            // ClientHello tells whether the port speaks TLS directly, which is what the person
            // who asked for TDS needs to hear.
            tds::Failed::Closed | tds::Failed::Reset(_) => {
                let offer: Vec<u16> = suites::offerable(Version::Tls12)
                    .iter()
                    .map(|s| s.code)
                    .collect();
                let hello = self.hello(Version::Tls12, &offer, &Group::ECDHE, true);
                match self.handshake_via(&hello, Transport::Direct).await {
                    Outcome::Hello(_) | Outcome::Alert(_) => "not a TDS server: it hung up on \
                        the PRELOGIN request but answers a bare ClientHello, so the port speaks \
                        TLS directly (a plain TLS endpoint, or a SQL Server with strict \
                        encryption): scan it without TDS"
                        .to_owned(),
                    _ => failed.words(self.opts.read_timeout),
                }
            }
            other => other.words(self.opts.read_timeout),
        };
        Err((None, words))
    }

    /// Connects, sends `hello`, reads the server's first flight.
    async fn handshake(&self, hello: &ClientHello) -> Outcome {
        self.handshake_via(hello, self.opts.transport).await
    }

    /// One handshake; a sign of limiting from a server that answered before is checked (see
    /// [`Ctx::confirm`]) before it is taken as the answer.
    async fn handshake_via(&self, hello: &ClientHello, transport: Transport) -> Outcome {
        let (outcome, answered_prelogin) = self.attempt(hello, transport).await;
        match &outcome {
            Outcome::Hello(f) if f.hello.is_some() => {
                let mut good = lock(&self.known_good);
                if good.is_none() {
                    *good = Some((hello.clone(), transport));
                }
            }
            // The TLS engine behind TDS refuses a hello by hanging up without an alert
            // (pysqlbridge's does: its alert never leaves the server). The server answered
            // PRELOGIN on this very connection, so it is not shedding load.
            Outcome::Closed | Outcome::Reset(_) if answered_prelogin => {}
            o if o.is_limiting_sign() && self.answered.load(Ordering::Relaxed) > 0 => {
                return self.confirm(hello, transport, outcome).await;
            }
            // Alerts the server gave before it answered anything are how it refuses.
            Outcome::Alert(a) if self.answered.load(Ordering::Relaxed) == 0 => self.known(*a),
            Outcome::Alert(a) if self.is_known(*a) => {
                self.answered.fetch_add(1, Ordering::Relaxed);
            }
            Outcome::Alert(_) => return self.confirm(hello, transport, outcome).await,
            _ => {}
        }
        outcome
    }

    /// Notes an alert as one of the server's refusals, and counts it as an answer.
    fn known(&self, alert: super::wire::Alert) {
        let mut known = lock(&self.alerts);
        if !known.contains(&alert.description) {
            known.push(alert.description);
        }
        self.answered.fetch_add(1, Ordering::Relaxed);
    }

    fn is_known(&self, alert: super::wire::Alert) -> bool {
        lock(&self.alerts).contains(&alert.description)
    }

    /// After a sign of limiting: asks the server a question it answered before with a
    /// ServerHello. The same answer means the sign was its answer to `hello` (IIS resets on a
    /// protocol it refuses; an alert so checked is known from then on); any other means it is
    /// limiting us, so the budget narrows and pauses and the question is asked again, up to
    /// `limit_checks` times, before the scan stops as inconclusive after the handshakes it
    /// answered (ServerHellos and known alerts).
    async fn confirm(&self, hello: &ClientHello, transport: Transport, first: Outcome) -> Outcome {
        let Ok(_checking) = timeout_at(self.limit_at, self.checking.lock()).await else {
            return Outcome::Limit;
        };
        if let Some(&n) = self.limited.get() {
            return Outcome::Limited(n);
        }
        // The same alert another task checked while this one waited.
        if let Outcome::Alert(a) = &first
            && self.is_known(*a)
        {
            self.answered.fetch_add(1, Ordering::Relaxed);
            return first;
        }
        let genuine = |first: Outcome| {
            if let Outcome::Alert(a) = &first {
                self.known(*a);
            }
            first
        };
        let Some((good, good_transport)) = lock(&self.known_good).clone() else {
            return genuine(first);
        };
        for check in 0..=self.opts.limit_checks {
            if check > 0 {
                // The pause is kept by the budget: the next connection waits it out.
                self.server.limited();
            }
            // The question had a ServerHello for an answer: anything else now is not the
            // server's answer to it.
            match self.attempt(&good, good_transport).await.0 {
                Outcome::Hello(_) if check == 0 => return genuine(first),
                // It answers again after the pause: ask the question it did not answer.
                Outcome::Hello(_) => return self.attempt(hello, transport).await.0,
                Outcome::Limit => return Outcome::Limit,
                _ => {}
            }
        }
        let n = *self
            .limited
            .get_or_init(|| self.answered.load(Ordering::Relaxed));
        Outcome::Limited(n)
    }

    /// Connects, sends `hello`, reads the server's first flight; says too whether the server
    /// answered PRELOGIN on the connection (through TDS).
    async fn attempt(&self, hello: &ClientHello, transport: Transport) -> (Outcome, bool) {
        let mut conn = match self.connect().await {
            Ok(conn) => conn,
            Err(outcome) => return (outcome, false),
        };
        let stream = &mut conn.stream;
        // Whether the server answered PRELOGIN on this connection before the hello went out.
        let mut answered = false;
        let outcome = match transport {
            Transport::Direct => self.exchange(stream, &hello.encode(), None).await,
            Transport::Tds => match self.tds_open(stream).await {
                Ok(mut opened) => {
                    answered = true;
                    self.exchange(stream, &hello.encode(), Some(&mut opened))
                        .await
                }
                Err(outcome) => outcome,
            },
        };
        // A reset leaves no TIME_WAIT behind for each of the scan's many connections.
        let _ = stream.set_zero_linger();
        // Alerts count as answers once known to be refusals (see `handshake_via`).
        if matches!(outcome, Outcome::Hello(_)) {
            self.answered.fetch_add(1, Ordering::Relaxed);
        }
        if matches!(outcome, Outcome::Hello(_) | Outcome::Alert(_)) {
            self.server.answered();
        }
        (outcome, answered)
    }

    /// Sends `hello` and reads the first flight; through TDS (`tds` is the connection's state
    /// after PRELOGIN) the hello goes out wrapped and the flight is unwrapped as it comes.
    async fn exchange(
        &self,
        stream: &mut TcpStream,
        hello: &[u8],
        mut tds: Option<&mut tds::Opened>,
    ) -> Outcome {
        let until = (Instant::now() + self.opts.read_timeout).min(self.limit_at);
        let wire: Cow<'_, [u8]> = match tds.as_deref_mut() {
            Some(t) => Cow::Owned(tds::wrap(hello, &mut t.next_id)),
            None => Cow::Borrowed(hello),
        };
        match timeout_at(until, stream.write_all(&wire)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return io_outcome(&e),
            Err(_) if until == self.limit_at => return Outcome::Limit,
            Err(_) => return Outcome::Stalled,
        }
        let mut buf: Vec<u8> = Vec::with_capacity(8192);
        // Anything the server sent after its PRELOGIN reply is the start of its flight.
        if let Some(t) = tds.as_deref_mut() {
            buf.extend(t.unwrapper.take());
        }
        let mut chunk = vec![0u8; 16_384];
        loop {
            let until = (Instant::now() + self.opts.read_timeout).min(self.limit_at);
            let read = timeout_at(until, stream.read(&mut chunk)).await;
            let silent =
                buf.is_empty() && tds.as_deref().is_none_or(|t| t.unwrapper.pending() == 0);
            let ended = match read {
                Ok(Ok(0)) if silent => Some(Outcome::Closed),
                Ok(Ok(0)) => Some(Outcome::Garbage(format!(
                    "the server closed the connection after {} bytes that are not a whole \
                     TLS reply",
                    buf.len()
                ))),
                Ok(Ok(n)) => match tds.as_deref_mut() {
                    None => {
                        buf.extend_from_slice(&chunk[..n]);
                        None
                    }
                    Some(t) => match t.unwrapper.feed(&chunk[..n]) {
                        Ok(()) => {
                            buf.extend(t.unwrapper.take());
                            None
                        }
                        Err(words) => Some(Outcome::Tds(words)),
                    },
                },
                Ok(Err(e)) => Some(io_outcome(&e)),
                Err(_) if until == self.limit_at => Some(Outcome::Limit),
                Err(_) => Some(Outcome::Stalled),
            };
            let (flight, status) = parse_flight(&buf);
            // Once the ServerHello is in, the server's choice is known whatever comes next.
            let have_hello = flight.hello.is_some();
            match (status, ended) {
                (Status::NeedMore, None) if buf.len() > MAX_FLIGHT => {
                    return Outcome::Garbage(format!(
                        "more than {} KiB without the end of the server's first flight",
                        MAX_FLIGHT / 1024
                    ));
                }
                (Status::NeedMore, None) => {}
                (Status::NeedMore, Some(end)) if !have_hello => return end,
                (Status::Alert(a), _) if !have_hello => return Outcome::Alert(a),
                (Status::Malformed(w), _) if !have_hello => return Outcome::Garbage(w),
                // Done (which always has a hello), or anything after the hello.
                _ => return Outcome::Hello(flight),
            }
        }
    }
}

/// Why a SQL Server that answered ENCRYPT_NOT_SUP to a PRELOGIN asking `asked` cannot be scanned.
fn no_encryption(asked: Encryption) -> String {
    format!(
        "the SQL Server offers no encryption: it answered a PRELOGIN asking for {asked} with \
         {}, so it has no TLS to scan, and logins and data cross the network in the clear",
        Encryption::NotSupported
    )
}

fn io_outcome(e: &std::io::Error) -> Outcome {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => Outcome::Reset(e.to_string()),
        _ => Outcome::ConnectFailed(e.to_string()),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What enumerating one protocol found.
struct Enumeration {
    accepted: Vec<Accepted>,
    chain: Option<Vec<Vec<u8>>>,
    renegotiation: Option<bool>,
    /// How the first handshake ended when it was not a ServerHello of this version.
    refused: Option<Outcome>,
    /// A version the server answered with instead.
    downgraded: Option<u16>,
    /// What cut the enumeration short, if anything but the server's "no more".
    problem: Option<String>,
}

/// Offers `offer` again and again, taking out what the server picks, until it refuses.
async fn enumerate(ctx: &Ctx, version: Version, offer: &[u16], groups: &[Group]) -> Enumeration {
    let mut left: Vec<u16> = offer.to_vec();
    let mut e = Enumeration {
        accepted: Vec::new(),
        chain: None,
        renegotiation: None,
        refused: None,
        downgraded: None,
        problem: None,
    };
    let mut retries = ctx.opts.retries;
    while !left.is_empty() {
        let outcome = ctx
            .handshake(&ctx.hello(version, &left, groups, true))
            .await;
        let flight = match outcome {
            Outcome::Hello(flight) => flight,
            // Once the server has answered, a close is checked in `handshake` instead. Through
            // TDS the server answered PRELOGIN before any hello (`tds_check`), so a close is its
            // refusal (see `handshake_via`), whichever protocol's answer comes first.
            Outcome::Closed | Outcome::Reset(_)
                if retries > 0
                    && ctx.answered.load(Ordering::Relaxed) == 0
                    && ctx.opts.transport == Transport::Direct =>
            {
                retries -= 1;
                continue;
            }
            other => {
                if e.accepted.is_empty() {
                    e.refused = Some(other.clone());
                }
                if !other.is_refusal() {
                    e.problem = Some(other.words(ctx.opts.read_timeout));
                }
                break;
            }
        };
        let Some(hello) = flight.hello else {
            e.problem = Some("a reply without a ServerHello".to_owned());
            break;
        };
        if hello.version != version.code() {
            if e.accepted.is_empty() {
                e.downgraded = Some(hello.version);
            } else {
                e.problem = Some(format!(
                    "the server switched to version {:#06x} partway through",
                    hello.version
                ));
            }
            break;
        }
        let Some(at) = left.iter().position(|&c| c == hello.suite) else {
            e.problem = Some(format!(
                "the server chose suite {:#06x} ({}), which was not offered",
                hello.suite,
                suites::by_code(hello.suite).map_or("unknown", |s| s.name)
            ));
            break;
        };
        left.remove(at);
        let Some(suite) = suites::by_code(hello.suite) else {
            continue;
        };
        let key_exchange = flight.key_exchange.or_else(|| {
            // TLS 1.3: the ServerHello's key share names the group.
            hello
                .selected_group
                .map(|group| KeyExchange::Ecdhe { group })
        });
        e.accepted.push(Accepted {
            suite,
            key_exchange,
        });
        if e.renegotiation.is_none() && version != Version::Ssl3 {
            e.renegotiation = Some(hello.secure_renegotiation);
        }
        if e.chain.is_none() {
            e.chain = flight.certificates.filter(|c| !c.is_empty());
        }
    }
    e
}

/// Whose order decides, from `a` and `b`, the first two suites the server picked when `offer`
/// (in that order) and then `offer` less `a` were offered. Picking `a` although `b` came
/// first in the offer already says the server keeps its own order; otherwise one handshake
/// offering `b` before `a` tells: a server with its own order picks `a` again. Without
/// `offer` (the suites were found in separate chunks) both orders are asked.
async fn preference(
    ctx: &Ctx,
    version: Version,
    offer: Option<&[u16]>,
    a: u16,
    b: u16,
) -> Preference {
    let groups = default_groups(version);
    let at = |code: u16| offer.and_then(|o| o.iter().position(|&c| c == code));
    let pick = |o: &Outcome| match o {
        Outcome::Hello(f) => f.hello.as_ref().map(|h| h.suite),
        _ => None,
    };
    let first = match (at(a), at(b)) {
        (Some(x), Some(y)) if y < x => return Preference::Server,
        (Some(_), Some(_)) => Some(a),
        _ => pick(
            &ctx.handshake(&ctx.hello(version, &[a, b], &groups, true))
                .await,
        ),
    };
    let second = pick(
        &ctx.handshake(&ctx.hello(version, &[b, a], &groups, true))
            .await,
    );
    match (first, second) {
        (Some(x), Some(y)) if x == y => Preference::Server,
        (Some(x), Some(y)) if x == a && y == b => Preference::Client,
        _ => Preference::Unknown,
    }
}

fn default_groups(version: Version) -> Vec<Group> {
    if version == Version::Tls13 {
        Group::TLS13.to_vec()
    } else {
        Group::ECDHE.to_vec()
    }
}

/// The outcome of one protocol's task.
struct Found {
    result: ProtocolResult,
    chain: Option<Vec<Vec<u8>>>,
    /// The first handshake was refused by a close or reset: worth a try in chunks.
    hung_up: bool,
    /// What went wrong other than the server saying no.
    problems: Vec<String>,
}

async fn protocol(ctx: Arc<Ctx>, version: Version, chunked: bool) -> Found {
    let start = Instant::now();
    let before = ctx.handshakes.load(Ordering::Relaxed);
    let offer: Vec<u16> = suites::offerable(version).iter().map(|s| s.code).collect();
    let groups = default_groups(version);
    let mut runs = Vec::new();
    if chunked {
        for part in offer.chunks(ctx.opts.chunk.max(1)) {
            runs.push(enumerate(&ctx, version, part, &groups).await);
        }
    } else {
        runs.push(enumerate(&ctx, version, &offer, &groups).await);
    }
    let hung_up = runs.iter().all(|r| r.accepted.is_empty())
        && matches!(runs[0].refused, Some(Outcome::Closed | Outcome::Reset(_)));
    let accepted: Vec<Accepted> = runs.iter().flat_map(|r| r.accepted.clone()).collect();
    let offered = !accepted.is_empty();
    let mut notes: Vec<String> = Vec::new();
    if !offered {
        let first = &runs[0];
        notes.push(match (&first.downgraded, &first.refused) {
            (Some(v), _) => format!(
                "not offered: the server answered with {} instead",
                Version::from_code(*v)
                    .map_or_else(|| format!("version {v:#06x}"), |v| v.name().to_owned())
            ),
            // Never "not offered": nothing was asked.
            (None, Some(o @ Outcome::Limited(_))) => o.words(ctx.opts.read_timeout),
            (None, Some(o)) => format!("not offered: {}", o.words(ctx.opts.read_timeout)),
            (None, None) => "not offered".to_owned(),
        });
    }
    let mut problems: Vec<String> = runs.iter().filter_map(|r| r.problem.clone()).collect();
    problems.dedup();
    for p in &problems {
        if !notes.iter().any(|n| n.contains(p.as_str())) {
            notes.push(p.clone());
        }
    }
    let mut preference_found = Preference::NotApplicable;
    if ctx.opts.preference && accepted.len() >= 2 {
        preference_found = preference(
            &ctx,
            version,
            (!chunked).then_some(offer.as_slice()),
            accepted[0].suite.code,
            accepted[1].suite.code,
        )
        .await;
    }
    let mut groups_found = Vec::new();
    if ctx.opts.groups && version == Version::Tls13 && offered {
        groups_found = tls13_groups(&ctx, &accepted).await;
    }
    let chain = runs.iter().find_map(|r| r.chain.clone());
    let renegotiation = runs.iter().find_map(|r| r.renegotiation);
    Found {
        result: ProtocolResult {
            version,
            offered,
            cipher_suites: accepted.iter().map(|a| a.suite).collect(),
            accepted,
            preference: preference_found,
            groups: groups_found,
            secure_renegotiation: renegotiation,
            refused: !offered
                && (runs[0].downgraded.is_some()
                    || runs[0].refused.as_ref().is_some_and(Outcome::is_refusal)),
            note: notes.join("; "),
            handshakes: ctx.handshakes.load(Ordering::Relaxed) - before,
            ms: millis(start.elapsed()),
        },
        chain,
        hung_up,
        problems,
    }
}

/// TLS 1.3 groups: the groups left offered with no key share; the server names the one it
/// takes in a HelloRetryRequest, which is taken out before the next offer, until it refuses.
/// The group of the enumeration's key share, when it took it, is known already.
async fn tls13_groups(ctx: &Arc<Ctx>, accepted: &[Accepted]) -> Vec<Group> {
    let suites: Vec<u16> = accepted.iter().map(|a| a.suite.code).collect();
    let known = accepted.iter().filter_map(|a| match a.key_exchange {
        Some(KeyExchange::Ecdhe { group }) => Some(group),
        _ => None,
    });
    eliminate(&Group::TLS13, known, |left| {
        let hello = ctx.hello(Version::Tls13, &suites, left, false);
        async move {
            match ctx.handshake(&hello).await {
                Outcome::Hello(f) => f.hello.and_then(|h| h.selected_group),
                _ => None,
            }
        }
    })
    .await
}

/// TLS 1.2-and-older curves: the accepted ECDHE suites offered with the curves left; the
/// curve in the ServerKeyExchange is taken out before the next offer, until the server
/// refuses. The curves of the enumeration's answers are known already.
async fn ecdhe_groups(ctx: &Arc<Ctx>, version: Version, accepted: &[Accepted]) -> Vec<Group> {
    let suites: Vec<u16> = accepted
        .iter()
        .filter(|a| a.suite.ecdhe())
        .map(|a| a.suite.code)
        .collect();
    if suites.is_empty() {
        return Vec::new();
    }
    let known = accepted.iter().filter_map(|a| match a.key_exchange {
        Some(KeyExchange::Ecdhe { group }) if a.suite.ecdhe() => Some(group),
        _ => None,
    });
    eliminate(&Group::ECDHE, known, |left| {
        let hello = ctx.hello(version, &suites, left, true);
        async move {
            match ctx.handshake(&hello).await {
                Outcome::Hello(f) => match f.key_exchange {
                    Some(KeyExchange::Ecdhe { group }) => Some(group),
                    _ => None,
                },
                _ => None,
            }
        }
    })
    .await
}

/// Offers the groups of `all` not yet known to be taken, one offer after another, each time
/// taking out the group `ask` says the server picked, until it picks none (or one not
/// offered, which ends it too rather than loop).
async fn eliminate<F, Fut>(all: &[Group], known: impl Iterator<Item = Group>, ask: F) -> Vec<Group>
where
    F: Fn(&[Group]) -> Fut,
    Fut: std::future::Future<Output = Option<Group>>,
{
    let mut took: Vec<Group> = known.filter(|g| all.contains(g)).collect();
    took.sort_unstable();
    took.dedup();
    let mut left: Vec<Group> = all.iter().copied().filter(|g| !took.contains(g)).collect();
    while !left.is_empty() {
        let Some(g) = ask(&left).await else { break };
        let Some(at) = left.iter().position(|&x| x == g) else {
            break;
        };
        took.push(left.remove(at));
    }
    // In the order the constants list them (preference of modern clients), not completion.
    let order = |g: &Group| {
        Group::TLS13
            .iter()
            .chain(Group::ECDHE.iter())
            .position(|x| x == g)
            .unwrap_or(usize::MAX)
    };
    took.sort_by_key(order);
    took
}

/// Scans `host:port`: every protocol in `options.protocols`, every suite, the preference, the
/// groups and the chain. `sni` is sent as given (`None` sends no `server_name`; callers should
/// pass the host name when the host is a name). Never panics on what the server sends and
/// always returns by `options.limit` (plus a moment).
#[expect(
    clippy::too_many_lines,
    reason = "the scan's phases in the order they run, read top to bottom"
)]
pub async fn scan(host: &str, port: u16, sni: Option<&str>, options: &Options) -> ScanReport {
    let start = Instant::now();
    let limit_at = start + options.limit;
    let mut report = ScanReport {
        host: host.to_owned(),
        port,
        address: None,
        sni: sni.map(str::to_owned),
        protocols: Vec::new(),
        chain: Vec::new(),
        chain_source: None,
        handshakes: 0,
        ms: 0,
        errors: Vec::new(),
        complete: true,
        transport: options.transport,
        prelogin: None,
    };
    // Bounded by the scan's limit only: the lookup asks resolvers one after another, each
    // with its own timeout, which together may well pass one connection's.
    let addr = match resolve(&options.lookup, host, port, limit_at).await {
        Ok(a) => a,
        Err(words) => {
            report.errors.push(words);
            report.ms = millis(start.elapsed());
            return report;
        }
    };
    report.address = Some(addr);
    let ctx = Arc::new(Ctx {
        addr,
        sni: sni
            .filter(|s| !s.is_empty() && s.parse::<IpAddr>().is_err())
            .map(str::to_owned),
        opts: options.clone(),
        limit_at,
        server: options.budget.server(addr.ip()),
        handshakes: AtomicU32::new(0),
        answered: AtomicU32::new(0),
        alerts: Mutex::new(Vec::new()),
        known_good: Mutex::new(None),
        reached: AtomicBool::new(false),
        first: tokio::sync::Mutex::new(()),
        unreachable: OnceLock::new(),
        checking: tokio::sync::Mutex::new(()),
        limited: OnceLock::new(),
        provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
    });

    if options.transport == Transport::Tds {
        match ctx.tds_check().await {
            Ok(prelogin) => report.prelogin = Some(prelogin),
            // Not a SQL Server, or one without TLS: every handshake would fail the same way.
            Err((prelogin, words)) => {
                report.prelogin = prelogin;
                report.errors.push(words);
                report.handshakes = ctx.handshakes.load(Ordering::Relaxed);
                report.complete = Instant::now() < limit_at;
                report.ms = millis(start.elapsed());
                return report;
            }
        }
    }

    let mut versions: Vec<Version> = options.protocols.clone();
    versions.sort_unstable();
    versions.dedup();
    let mut found = run_protocols(&ctx, &versions, false).await;
    // A server that hung up on a whole offer but answered another protocol may only choke on
    // long hellos: ask again in chunks.
    let spoke_tls = found.iter().any(|f| f.result.offered);
    let retry: Vec<Version> = found
        .iter()
        .filter(|f| f.hung_up && spoke_tls && Instant::now() < limit_at)
        .map(|f| f.result.version)
        .collect();
    if !retry.is_empty() {
        for again in run_protocols(&ctx, &retry, true).await {
            if again.result.offered
                && let Some(slot) = found
                    .iter_mut()
                    .find(|f| f.result.version == again.result.version)
            {
                *slot = again;
            }
        }
    }
    found.sort_by_key(|f| f.result.version);

    // Curves for TLS 1.2 and older, from the highest of them that took an ECDHE suite.
    if options.groups
        && let Some(f) = found.iter_mut().rev().find(|f| {
            f.result.version < Version::Tls13 && f.result.accepted.iter().any(|a| a.suite.ecdhe())
        })
    {
        let before = ctx.handshakes.load(Ordering::Relaxed);
        f.result.groups = ecdhe_groups(&ctx, f.result.version, &f.result.accepted).await;
        f.result.handshakes += ctx.handshakes.load(Ordering::Relaxed) - before;
    }

    if let Some((v, chain)) = found
        .iter()
        .rev()
        .find_map(|f| f.chain.clone().map(|c| (f.result.version, c)))
    {
        report.chain = chain;
        report.chain_source = Some(ChainSource::Handshake(v));
    } else if options.tls13_chain
        && found
            .iter()
            .any(|f| f.result.version == Version::Tls13 && f.result.offered)
    {
        match rustls_chain(&ctx).await {
            Ok(chain) => {
                report.chain = chain;
                report.chain_source = Some(ChainSource::Rustls);
            }
            Err(words) => report
                .errors
                .push(format!("the certificate chain could not be read: {words}")),
        }
    }

    for f in &found {
        for problem in &f.problems {
            report
                .errors
                .push(format!("{}: {problem}", f.result.version));
        }
    }
    report.protocols = found.into_iter().map(|f| f.result).collect();
    report.handshakes = ctx.handshakes.load(Ordering::Relaxed);
    if let Some(&n) = ctx.limited.get() {
        report.complete = false;
        report.errors.retain(|e| !e.contains(INCONCLUSIVE));
        report.errors.insert(0, limited_words(n));
    } else if Instant::now() >= limit_at
        || report
            .protocols
            .iter()
            .any(|p| p.note.contains(LIMIT_WORDS))
    {
        report.complete = false;
        report.errors.push(format!(
            "{LIMIT_WORDS} ({}): what is shown was found before it",
            human(options.limit)
        ));
    }
    report.errors.dedup();
    report.ms = millis(start.elapsed());
    report
}

async fn run_protocols(ctx: &Arc<Ctx>, versions: &[Version], chunked: bool) -> Vec<Found> {
    let mut set = JoinSet::new();
    for &v in versions {
        set.spawn(protocol(Arc::clone(ctx), v, chunked));
    }
    let mut found = Vec::new();
    loop {
        match timeout_at(ctx.limit_at + LIMIT_GRACE, set.join_next()).await {
            Ok(Some(Ok(f))) => found.push(f),
            // A task that panicked is a bug here, not the server's doing; its protocol is
            // reported as not measured below rather than taking the scan down.
            Ok(Some(Err(_))) => {}
            Ok(None) | Err(_) => break,
        }
    }
    for &v in versions {
        if !found.iter().any(|f| f.result.version == v) {
            found.push(Found {
                result: ProtocolResult {
                    version: v,
                    offered: false,
                    cipher_suites: Vec::new(),
                    accepted: Vec::new(),
                    preference: Preference::Unknown,
                    groups: Vec::new(),
                    secure_renegotiation: None,
                    refused: false,
                    note: format!("not measured: {LIMIT_WORDS}"),
                    handshakes: 0,
                    ms: 0,
                },
                chain: None,
                hung_up: false,
                problems: vec![LIMIT_WORDS.to_owned()],
            });
        }
    }
    found
}

/// The first address of `host` (the SNI stays the name: only the address comes from here).
async fn resolve(
    lookup: &Lookup,
    host: &str,
    port: u16,
    until: Instant,
) -> Result<SocketAddr, String> {
    match timeout_at(until, lookup.addresses(host)).await {
        Ok(Ok(addrs)) => addrs
            .first()
            .map(|ip| SocketAddr::new(*ip, port))
            .ok_or_else(|| format!("{host} resolves to no address")),
        Ok(Err(e)) => Err(format!("{host} does not resolve: {e}")),
        Err(_) => Err(format!("{host} did not resolve in time")),
    }
}

/// A verifier that records the chain and accepts it: this handshake exists only to read the
/// certificate a TLS 1.3-only server encrypts; trust is judged from the chain elsewhere.
#[derive(Debug)]
struct Recorder {
    chain: Mutex<Option<Vec<Vec<u8>>>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.as_ref().to_vec())
            .collect();
        *lock(&self.chain) = Some(chain);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// One TLS 1.3 handshake with rustls, driven over a tokio socket, for the chain.
async fn rustls_chain(ctx: &Ctx) -> Result<Vec<Vec<u8>>, String> {
    let recorder = Arc::new(Recorder {
        chain: Mutex::new(None),
        provider: Arc::clone(&ctx.provider),
    });
    let config = rustls::ClientConfig::builder_with_provider(Arc::clone(&ctx.provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::clone(&recorder) as Arc<dyn ServerCertVerifier>)
        .with_no_client_auth();
    let name = match &ctx.sni {
        Some(n) => ServerName::try_from(n.clone()).map_err(|e| e.to_string())?,
        None => ServerName::IpAddress(ctx.addr.ip().into()),
    };
    let mut conn =
        rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    let mut opened = ctx
        .connect()
        .await
        .map_err(|o| o.words(ctx.opts.read_timeout))?;
    let stream = &mut opened.stream;
    let mut tds = match ctx.opts.transport {
        Transport::Direct => None,
        Transport::Tds => match ctx.tds_open(stream).await {
            Ok(opened) => Some(opened),
            Err(outcome) => {
                let _ = stream.set_zero_linger();
                return Err(outcome.words(ctx.opts.read_timeout));
            }
        },
    };
    let mut buf = vec![0u8; 16_384];
    let result = loop {
        if let Some(chain) = lock(&recorder.chain).take() {
            break Ok(chain);
        }
        while conn.wants_write() {
            let mut out = Vec::new();
            conn.write_tls(&mut out).map_err(|e| e.to_string())?;
            if let Some(t) = tds.as_mut() {
                out = tds::wrap(&out, &mut t.next_id);
            }
            let until = (Instant::now() + ctx.opts.read_timeout).min(ctx.limit_at);
            timeout_at(until, stream.write_all(&out))
                .await
                .map_err(|_| "the server stopped reading".to_owned())?
                .map_err(|e| e.to_string())?;
        }
        if !conn.is_handshaking() {
            break Err("the handshake ended without a certificate".to_owned());
        }
        let until = (Instant::now() + ctx.opts.read_timeout).min(ctx.limit_at);
        let n = match timeout_at(until, stream.read(&mut buf)).await {
            Ok(Ok(0)) => break Err("the server closed the connection".to_owned()),
            Ok(Ok(n)) => n,
            Ok(Err(e)) => break Err(e.to_string()),
            Err(_) => {
                break Err(format!(
                    "the server said nothing in {}",
                    human(ctx.opts.read_timeout)
                ));
            }
        };
        let tls: Cow<'_, [u8]> = match tds.as_mut() {
            None => Cow::Borrowed(&buf[..n]),
            Some(t) => {
                t.unwrapper.feed(&buf[..n])?;
                Cow::Owned(t.unwrapper.take())
            }
        };
        let mut slice: &[u8] = &tls;
        while !slice.is_empty() {
            if let Err(e) = conn.read_tls(&mut slice) {
                return Err(e.to_string());
            }
            if let Err(e) = conn.process_new_packets() {
                // The verifier may already hold the chain even if what followed failed.
                return lock(&recorder.chain).take().ok_or_else(|| e.to_string());
            }
        }
    };
    let _ = stream.set_zero_linger();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_with(protocols: Vec<ProtocolResult>) -> ScanReport {
        ScanReport {
            host: "web1".to_owned(),
            port: 443,
            address: None,
            sni: None,
            protocols,
            chain: Vec::new(),
            chain_source: None,
            handshakes: 0,
            ms: 0,
            errors: Vec::new(),
            complete: true,
            transport: Transport::Direct,
            prelogin: None,
        }
    }

    fn tls12(names: &[&str], groups: Vec<Group>) -> ProtocolResult {
        let suites: Vec<&'static Suite> = names
            .iter()
            .map(|n| suites::by_name(n).expect("known suite"))
            .collect();
        ProtocolResult {
            version: Version::Tls12,
            offered: true,
            accepted: suites
                .iter()
                .map(|&suite| Accepted {
                    suite,
                    key_exchange: None,
                })
                .collect(),
            cipher_suites: suites,
            preference: Preference::Server,
            groups,
            secure_renegotiation: Some(true),
            refused: false,
            note: String::new(),
            handshakes: 1,
            ms: 1,
        }
    }

    #[test]
    fn guide_names_are_checked_with_their_curves() {
        let report = report_with(vec![tls12(
            &[
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
                "TLS_RSA_WITH_AES_256_GCM_SHA384",
            ],
            vec![Group::SECP256R1],
        )]);
        let checks = check_names(
            &report,
            &[
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256_P256",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256_P384",
                "TLS_RSA_WITH_AES_256_GCM_SHA384",
                "AES256-GCM-SHA384",
                "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                "TLS_MADE_UP",
            ],
        );
        let got: Vec<bool> = checks.iter().map(|c| c.accepted).collect();
        assert_eq!(got, [true, false, true, true, false, false]);
        assert_eq!(checks[1].curve, Some(Group::SECP384R1));
        assert!(
            checks[1].detail.contains("not with secp384r1"),
            "{}",
            checks[1].detail
        );
        assert_eq!(checks[3].suite, Some("TLS_RSA_WITH_AES_256_GCM_SHA384"));
        assert!(checks[5].detail.contains("not a cipher suite name"));
    }

    #[test]
    fn the_report_serialises_suites_by_iana_name() {
        let report = report_with(vec![tls12(&["ECDHE-RSA-AES128-GCM-SHA256"], vec![])]);
        let json = serde_json::to_value(&report).expect("json");
        assert_eq!(json["protocols"][0]["version"], "TLSv1.2");
        assert_eq!(
            json["protocols"][0]["cipher_suites"][0],
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        );
        assert_eq!(json["protocols"][0]["offered"], true);
    }
}
