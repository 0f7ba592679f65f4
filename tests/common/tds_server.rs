//! A scripted SQL Server for tests: speaks MS-TDS 7.4 on loopback so the real tiberius client
//! (and the SQL probe built on it) can be driven through logins, encryption modes, result sets,
//! errors and stalls that a test chooses. SQL Server itself cannot run here.
//!
//! What is real: the packet framing, PRELOGIN with encryption negotiation, the TLS 1.2 handshake
//! tunnelled inside PRELOGIN (0x12) packets and bare TLS records after it, LOGIN7 (with the
//! password unscrambled), `SQL_BATCH` with `ALL_HEADERS`, and the token stream a server answers with
//! (ENVCHANGE, INFO, LOGINACK, COLMETADATA, ROW, ERROR, DONE). What is scripted: the answers.
//! A batch is cut into segments at lines `-- preflight:<tag>`, and each segment is answered with
//! `Scenario::answers[tag]`; no SQL is ever parsed beyond spotting `BEGIN TRY`.
//!
//! The server runs in its own thread with its own tokio runtime, so a test on any runtime (or
//! none) can use it, and stops when dropped. It binds loopback only.

use std::collections::BTreeMap;
use std::io::{self, Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::oneshot;

/// How long a connection may sit without a complete message from the client before the server
/// hangs up (a stalled batch included).
pub const IDLE_LIMIT: Duration = Duration::from_secs(30);

/// The name the server gives itself in ERROR and INFO tokens and in SQL Browser replies.
pub const SERVER_NAME: &str = "PREFLIGHT-TDS";

/// What the test server knows and how it answers.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// (user, password) pairs accepted; the user is compared case-insensitively.
    pub logins: Vec<(String, String)>,
    /// What the server says in PRELOGIN.
    pub encryption: ServerEncryption,
    /// Certificate chain and key for TLS. `None`: the server has no certificate, so whenever
    /// TLS is negotiated it answers the client's hello with a fatal `handshake_failure` alert.
    pub identity: Option<Identity>,
    /// Product version (major, minor, build): PRELOGIN VERSION and LOGINACK.
    pub version: (u8, u8, u16),
    /// Databases that exist besides `master`, which always does (names case-insensitive).
    pub databases: Vec<String>,
    /// Answers by statement tag; see the module documentation.
    pub answers: BTreeMap<String, Answer>,
}

impl Default for Scenario {
    fn default() -> Self {
        Self::new()
    }
}

impl Scenario {
    /// Login `probe` / `Secret-1`, encryption `Off` with a fresh self-signed certificate for
    /// `localhost`, `127.0.0.1` and `::1`, version 13.0.5026 (SQL Server 2016 SP2), no other
    /// database, nothing scripted.
    pub fn new() -> Self {
        Self {
            logins: vec![("probe".to_owned(), "Secret-1".to_owned())],
            encryption: ServerEncryption::Off,
            identity: Some(Identity::self_signed(&["localhost", "127.0.0.1", "::1"])),
            version: (13, 0, 5026),
            databases: Vec::new(),
            answers: BTreeMap::new(),
        }
    }

    pub fn with_encryption(mut self, encryption: ServerEncryption) -> Self {
        self.encryption = encryption;
        self
    }

    pub fn with_identity(mut self, identity: Option<Identity>) -> Self {
        self.identity = identity;
        self
    }

    pub fn with_version(mut self, version: (u8, u8, u16)) -> Self {
        self.version = version;
        self
    }

    /// Accepts one more login.
    pub fn with_login(mut self, user: &str, password: &str) -> Self {
        self.logins.push((user.to_owned(), password.to_owned()));
        self
    }

    pub fn with_database(mut self, name: &str) -> Self {
        self.databases.push(name.to_owned());
        self
    }

    pub fn with_answer(mut self, tag: &str, answer: Answer) -> Self {
        self.answers.insert(tag.to_owned(), answer);
        self
    }

    /// Panics (in the test's thread, with the reason) when an answer could not be sent.
    fn validate(&self) {
        for (tag, answer) in &self.answers {
            assert!(
                tag.is_empty() || is_tag(tag),
                "tds test server: tag {tag:?} is not [a-z0-9_]+"
            );
            if let Answer::Rows { columns, rows } = answer {
                assert!(
                    !columns.is_empty(),
                    "tds test server: answer {tag:?} has no columns"
                );
                for column in columns {
                    assert!(
                        column.name.encode_utf16().count() <= 128,
                        "tds test server: column name {:?} is longer than 128 characters",
                        column.name
                    );
                }
                for (n, row) in rows.iter().enumerate() {
                    assert_eq!(
                        row.len(),
                        columns.len(),
                        "tds test server: answer {tag:?} row {n} has {} values for {} columns",
                        row.len(),
                        columns.len()
                    );
                    for (value, column) in row.iter().zip(columns) {
                        assert!(
                            value.fits(column.ty),
                            "tds test server: answer {tag:?} row {n}: {value:?} cannot be sent \
                             in column {:?} of type {:?}",
                            column.name,
                            column.ty
                        );
                    }
                }
            }
        }
    }
}

/// The ENCRYPTION byte the server answers PRELOGIN with, and what it does then.
///
/// | client says \ server is | `NotSupported` | `Off`        | `On` | `Required`   |
/// |-------------------------|----------------|--------------|------|--------------|
/// | `NOT_SUP`                 | plain          | plain        | plain| refused      |
/// | OFF                     | plain          | login only   | full | full         |
/// | ON, REQ                 | plain (*)      | full         | full | full         |
///
/// "login only": TLS carries LOGIN7, everything after it is plaintext (MS-TDS `ENCRYPT_OFF`).
/// "refused": the server answers `ENCRYPT_REQ` and closes. (*) The server answers `NOT_SUP` and a
/// conforming client gives up; the server waits for a plaintext LOGIN7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerEncryption {
    /// No TLS at all: answers `ENCRYPT_NOT_SUP`.
    NotSupported,
    /// TLS available; only the login is encrypted unless the client asks for more.
    Off,
    /// Encrypts the whole session for any client that can (answers `ENCRYPT_ON`).
    On,
    /// Like `On`, and refuses clients that cannot encrypt (answers `ENCRYPT_REQ`).
    Required,
}

/// A certificate chain (leaf first) and its private key.
#[derive(Debug)]
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl Identity {
    /// A self-signed ECDSA P-256 certificate; names that parse as IP addresses become IP SANs.
    pub fn self_signed(names: &[&str]) -> Self {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let certified =
            rcgen::generate_simple_self_signed(names).expect("rcgen makes a self-signed cert");
        Self {
            chain: vec![certified.cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                certified.signing_key.serialize_der(),
            )),
        }
    }

    /// The leaf certificate as PEM, for a file handed to tiberius's `trust_cert_ca`.
    pub fn cert_pem(&self) -> String {
        let leaf = self.chain.first().expect("the chain has a leaf");
        pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, leaf)
            .expect("PEM encoding of a certificate")
    }
}

/// How the server answers one tagged statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// One result set.
    Rows {
        columns: Vec<Column>,
        rows: Vec<Vec<Value>>,
    },
    /// A statement-level error (or, in a `BEGIN TRY` segment, the CATCH block's result set
    /// `preflight_tag`, `preflight_error_number`, `preflight_error_message`).
    Error {
        number: u32,
        class: u8,
        state: u8,
        message: String,
    },
    /// Never answer this batch: hold the connection until the client goes, the server is
    /// dropped or [`IDLE_LIMIT`] passes. Segments before it are answered first.
    Stall,
}

impl Answer {
    pub fn rows(columns: Vec<Column>, rows: Vec<Vec<Value>>) -> Self {
        Self::Rows { columns, rows }
    }

    /// One text column with one row: the commonest probe answer (`SELECT @@VERSION AS v`).
    pub fn text(column: &str, value: &str) -> Self {
        Self::rows(vec![Column::text(column)], vec![vec![Value::from(value)]])
    }

    /// An error with class 16 (user-correctable) and state 1.
    pub fn error(number: u32, message: &str) -> Self {
        Self::Error {
            number,
            class: 16,
            state: 1,
            message: message.to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: ColType,
}

impl Column {
    pub fn text(name: &str) -> Self {
        Self::new(name, ColType::NVarChar)
    }

    pub fn int(name: &str) -> Self {
        Self::new(name, ColType::Int)
    }

    pub fn bigint(name: &str) -> Self {
        Self::new(name, ColType::BigInt)
    }

    pub fn bit(name: &str) -> Self {
        Self::new(name, ColType::Bit)
    }

    pub fn new(name: &str, ty: ColType) -> Self {
        Self {
            name: name.to_owned(),
            ty,
        }
    }
}

/// Column types on the wire, all nullable: `nvarchar(4000)`, `int` (INTN 4), `bigint`
/// (INTN 8), `bit` (BITN). tiberius reads them as `&str`, `i32`, `i64` and `bool`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    NVarChar,
    Int,
    BigInt,
    Bit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    /// For `Int` (must fit in an i32) and `BigInt` columns.
    Int(i64),
    Bit(bool),
    /// For `NVarChar` columns, at most 4000 UTF-16 code units.
    Text(String),
}

impl Value {
    fn fits(&self, ty: ColType) -> bool {
        match (self, ty) {
            (Self::Null, _) | (Self::Bit(_), ColType::Bit) | (Self::Int(_), ColType::BigInt) => {
                true
            }
            (Self::Int(n), ColType::Int) => i32::try_from(*n).is_ok(),
            (Self::Text(s), ColType::NVarChar) => s.encode_utf16().count() <= 4000,
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Self::Int(i64::from(n))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Self::Bit(b)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

/// What the server saw, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Log {
    /// TCP connections accepted.
    pub connections: usize,
    /// PRELOGIN messages answered.
    pub prelogins: usize,
    /// LOGIN7 messages, accepted or not.
    pub logins: Vec<LoginSeen>,
    /// The full text of every SQL batch.
    pub batches: Vec<String>,
    /// TLS handshakes completed.
    pub tls_handshakes: usize,
}

/// One LOGIN7 as the server saw it (never the password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSeen {
    pub user: String,
    /// As the client sent it; empty when it named none (the server then uses `master`).
    pub database: String,
    pub app_name: String,
    pub accepted: bool,
    /// Whether the session stayed encrypted after LOGIN7 (full encryption, not login-only).
    pub encrypted_after_login: bool,
}

/// A running test server; stops (closing every connection) when dropped.
#[derive(Debug)]
pub struct TdsServer {
    addr: SocketAddr,
    log: Arc<Mutex<Log>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Most connections one server accepts; a test needs a handful.
const MAX_CONNECTIONS: usize = 10_000;

impl TdsServer {
    /// Listens on 127.0.0.1, on a port the system picks.
    pub fn start(scenario: Scenario) -> Self {
        Self::start_on(IpAddr::V4(Ipv4Addr::LOCALHOST), scenario)
    }

    /// Listens on the given loopback address (any of 127/8, or `::1`), on a port the system
    /// picks.
    pub fn start_on(ip: IpAddr, scenario: Scenario) -> Self {
        assert!(
            ip.is_loopback(),
            "tds test server: {ip} is not a loopback address"
        );
        Self::listen(SocketAddr::new(ip, 0), scenario)
    }

    /// Listens on an address of a test network namespace (198.18.0.0/15, the benchmarking
    /// range no real network uses), as the site-in-a-box test does from a thread that joined
    /// the namespace; the port is the caller's (1433 as on a real server).
    pub fn start_in_namespace(addr: SocketAddr, scenario: Scenario) -> Self {
        let in_range = match addr.ip() {
            IpAddr::V4(v4) => v4.octets()[0] == 198 && v4.octets()[1] & 0xFE == 18,
            IpAddr::V6(_) => false,
        };
        assert!(
            in_range,
            "tds test server: {addr} is not in 198.18.0.0/15, the site-in-a-box range"
        );
        Self::listen(addr, scenario)
    }

    fn listen(at: SocketAddr, scenario: Scenario) -> Self {
        scenario.validate();
        let tls = scenario.identity.as_ref().map(tls_config);
        let listener = std::net::TcpListener::bind(at)
            .unwrap_or_else(|e| panic!("tds test server: cannot listen on {at}: {e}"));
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("listener address");
        let log = Arc::new(Mutex::new(Log::default()));
        let shared = Arc::new(Shared {
            scenario,
            tls,
            log: Arc::clone(&log),
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tds test server runtime");
            runtime.block_on(accept_loop(listener, shared, stopped));
            // Dropping the runtime cancels every connection task, closing its socket.
        });
        Self {
            addr,
            log,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A copy of what the server has seen so far.
    pub fn log(&self) -> Log {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for TdsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Shared {
    scenario: Scenario,
    tls: Option<Arc<ServerConfig>>,
    log: Arc<Mutex<Log>>,
}

impl Shared {
    fn record(&self, change: impl FnOnce(&mut Log)) {
        change(&mut self.log.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// TLS 1.2 only, as SQL Server speaks inside TDS 7.x, and no session resumption.
fn tls_config(identity: &Identity) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .expect("TLS 1.2 with aws-lc-rs")
        .with_no_client_auth()
        .with_single_cert(identity.chain.clone(), identity.key.clone_key())
        .unwrap_or_else(|e| panic!("tds test server: unusable identity: {e}"));
    config.send_tls13_tickets = 0;
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    Arc::new(config)
}

async fn accept_loop(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stopped: oneshot::Receiver<()>,
) {
    let listener = TcpListener::from_std(listener).expect("tokio listener");
    for n in 0..MAX_CONNECTIONS {
        let tcp = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(_) => continue,
            },
        };
        shared.record(|log| log.connections += 1);
        let _ = tcp.set_nodelay(true);
        // SQL Server numbers user sessions from 51.
        let spid = u16::try_from(51 + n).unwrap_or(u16::MAX);
        tokio::spawn(serve(tcp, spid, Arc::clone(&shared)));
    }
    let _ = stopped.await;
}

// --- TDS constants (MS-TDS 2.2.3.1.1, 2.2.6.5, 2.2.7) ---

const PKT_SQL_BATCH: u8 = 0x01;
const PKT_RPC: u8 = 0x03;
const PKT_REPLY: u8 = 0x04;
const PKT_ATTENTION: u8 = 0x06;
const PKT_LOGIN7: u8 = 0x10;
const PKT_PRELOGIN: u8 = 0x12;
const STATUS_EOM: u8 = 0x01;
const HEADER_LEN: usize = 8;
/// The packet size before LOGIN7 negotiates another.
const DEFAULT_PACKET_SIZE: usize = 4096;
/// Most packets one client message may span (a 64 KiB batch at 512-byte packets is 128).
const MAX_PACKETS_PER_MESSAGE: usize = 4096;
/// Most PRELOGIN round trips a TLS 1.2 handshake may take (a full one takes two).
const MAX_HANDSHAKE_ROUNDS: usize = 8;
/// Most messages read and ignored on a stalled connection.
const MAX_DRAINED: usize = 10_000;

const ENCRYPT_OFF: u8 = 0x00;
const ENCRYPT_ON: u8 = 0x01;
const ENCRYPT_NOT_SUP: u8 = 0x02;
const ENCRYPT_REQ: u8 = 0x03;

const TOKEN_COLMETADATA: u8 = 0x81;
const TOKEN_ERROR: u8 = 0xAA;
const TOKEN_INFO: u8 = 0xAB;
const TOKEN_LOGINACK: u8 = 0xAD;
const TOKEN_ROW: u8 = 0xD1;
const TOKEN_ENVCHANGE: u8 = 0xE3;
const TOKEN_DONE: u8 = 0xFD;

const DONE_FINAL: u16 = 0x0000;
const DONE_MORE: u16 = 0x0001;
const DONE_ERROR: u16 = 0x0002;
const DONE_COUNT: u16 = 0x0010;
const DONE_ATTN: u16 = 0x0020;
/// DONE's `CurCmd` for a SELECT.
const CMD_SELECT: u16 = 0x00C1;

const ENV_DATABASE: u8 = 1;
const ENV_LANGUAGE: u8 = 2;
const ENV_PACKET_SIZE: u8 = 4;
const ENV_COLLATION: u8 = 7;
/// `SQL_Latin1_General_CP1_CI_AS`, the installer's default.
const COLLATION: [u8; 5] = [0x09, 0x04, 0xD0, 0x00, 0x34];
/// LOGINACK's TDS version, big-endian on the wire: 7.4.
const TDS_74: u32 = 0x7400_0004;

/// What happens after PRELOGIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Plain,
    LoginOnly,
    Full,
    Refuse,
}

/// The answer to the client's ENCRYPTION byte (MS-TDS 2.2.6.5), see [`ServerEncryption`].
fn negotiate(server: ServerEncryption, client: u8) -> (u8, Plan) {
    match (server, client) {
        (ServerEncryption::Required, ENCRYPT_NOT_SUP) => (ENCRYPT_REQ, Plan::Refuse),
        (ServerEncryption::Required, _) => (ENCRYPT_REQ, Plan::Full),
        (ServerEncryption::NotSupported, _) | (_, ENCRYPT_NOT_SUP) => {
            (ENCRYPT_NOT_SUP, Plan::Plain)
        }
        (ServerEncryption::Off, ENCRYPT_OFF) => (ENCRYPT_OFF, Plan::LoginOnly),
        (ServerEncryption::Off | ServerEncryption::On, _) => (ENCRYPT_ON, Plan::Full),
    }
}

/// One connection, start to end; any error just ends it, as a server drops a broken client.
async fn serve(tcp: TcpStream, spid: u16, shared: Arc<Shared>) {
    let mut wire = Wire::new(tcp, spid);
    let _ = session(&mut wire, &shared).await;
    let _ = wire.tcp.shutdown().await;
}

async fn session(wire: &mut Wire, shared: &Shared) -> io::Result<()> {
    let Some((ty, payload)) = wire.read_message().await? else {
        return Ok(());
    };
    if ty != PKT_PRELOGIN {
        return Err(invalid(format!(
            "first message is type {ty:#04x}, not PRELOGIN"
        )));
    }
    shared.record(|log| log.prelogins += 1);
    let client = prelogin_encryption(&payload)?;
    let (reply, plan) = negotiate(shared.scenario.encryption, client);
    wire.write_message(
        PKT_REPLY,
        &prelogin_reply(shared.scenario.version, reply),
        true,
    )
    .await?;
    match plan {
        Plan::Refuse => return Ok(()),
        Plan::Plain => {}
        Plan::LoginOnly | Plan::Full => {
            wire.tls_handshake(shared.tls.as_ref()).await?;
            shared.record(|log| log.tls_handshakes += 1);
        }
    }

    let Some((ty, payload)) = wire.read_message().await? else {
        return Ok(());
    };
    if ty != PKT_LOGIN7 {
        return Err(invalid(format!("expected LOGIN7, got type {ty:#04x}")));
    }
    let login = Login7::parse(&payload)?;
    if plan == Plan::LoginOnly {
        // ENCRYPT_OFF: TLS carried LOGIN7 only; the answer and all after it are plaintext.
        wire.end_tls()?;
    }
    let outcome = authenticate(&shared.scenario, &login);
    shared.record(|log| {
        log.logins.push(LoginSeen {
            user: login.user.clone(),
            database: login.database.clone(),
            app_name: login.app_name.clone(),
            accepted: outcome.is_ok(),
            encrypted_after_login: plan == Plan::Full,
        });
    });
    let database = match outcome {
        Ok(database) => database,
        Err(tokens) => {
            wire.write_message(PKT_REPLY, &tokens, true).await?;
            return Ok(());
        }
    };
    let packet_size = match login.packet_size {
        0 => DEFAULT_PACKET_SIZE,
        n => usize::try_from(n.clamp(512, 32_767)).unwrap_or(DEFAULT_PACKET_SIZE),
    };
    let welcome = login_response(shared.scenario.version, &database, packet_size);
    wire.write_message(PKT_REPLY, &welcome, true).await?;
    wire.packet_size = packet_size;

    loop {
        let Some((ty, payload)) = wire.read_message().await? else {
            return Ok(());
        };
        match ty {
            PKT_SQL_BATCH => {
                let text = batch_text(&payload)?;
                shared.record(|log| log.batches.push(text.clone()));
                let (tokens, stalled) = answer_batch(&shared.scenario, &text);
                if stalled {
                    if !tokens.is_empty() {
                        // What came before the stalled statement, in a message left open.
                        wire.write_message(PKT_REPLY, &tokens, false).await?;
                    }
                    return wire.drain().await;
                }
                wire.write_message(PKT_REPLY, &tokens, true).await?;
            }
            PKT_RPC => {
                let mut t = Tokens::default();
                t.message(
                    TOKEN_ERROR,
                    &Message {
                        number: 50000,
                        state: 1,
                        class: 16,
                        text: "tds test server: RPC requests are not scripted; send a SQL batch",
                    },
                );
                t.done(DONE_ERROR, 0, 0);
                wire.write_message(PKT_REPLY, &t.0, true).await?;
            }
            PKT_ATTENTION => {
                let mut t = Tokens::default();
                t.done(DONE_ATTN, 0, 0);
                wire.write_message(PKT_REPLY, &t.0, true).await?;
            }
            other => return Err(invalid(format!("unexpected message type {other:#04x}"))),
        }
    }
}

fn invalid(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

// --- the byte pipe: TDS packets over TCP, optionally through TLS ---

struct Wire {
    tcp: TcpStream,
    /// Set once a handshake completed and while the session is encrypted.
    tls: Option<rustls::ServerConnection>,
    /// Decrypted bytes not yet consumed (TLS only: plaintext reads come straight off TCP).
    plain: Vec<u8>,
    packet_size: usize,
    spid: u16,
    packet_id: u8,
}

impl Wire {
    fn new(tcp: TcpStream, spid: u16) -> Self {
        Self {
            tcp,
            tls: None,
            plain: Vec::new(),
            packet_size: DEFAULT_PACKET_SIZE,
            spid,
            packet_id: 0,
        }
    }

    /// The next whole client message (its packets joined): `None` when the client closed
    /// between messages. Fails after [`IDLE_LIMIT`] without one.
    async fn read_message(&mut self) -> io::Result<Option<(u8, Vec<u8>)>> {
        tokio::time::timeout(IDLE_LIMIT, self.read_message_now())
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "client idle"))?
    }

    async fn read_message_now(&mut self) -> io::Result<Option<(u8, Vec<u8>)>> {
        let mut ty = None;
        let mut payload = Vec::new();
        for _ in 0..MAX_PACKETS_PER_MESSAGE {
            let mut header = [0u8; HEADER_LEN];
            if !self.read_exact(&mut header).await? {
                return match ty {
                    None => Ok(None),
                    Some(_) => Err(io::ErrorKind::UnexpectedEof.into()),
                };
            }
            let length = usize::from(u16::from_be_bytes([header[2], header[3]]));
            let body_len = length
                .checked_sub(HEADER_LEN)
                .ok_or_else(|| invalid("packet shorter than its header"))?;
            let mut body = vec![0u8; body_len];
            if body_len > 0 && !self.read_exact(&mut body).await? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let ty = *ty.get_or_insert(header[0]);
            payload.extend_from_slice(&body);
            if header[1] & STATUS_EOM != 0 {
                return Ok(Some((ty, payload)));
            }
        }
        Err(invalid("message spans too many packets"))
    }

    /// Fills `buf`; `false` when the peer closed before its first byte.
    async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<bool> {
        if self.tls.is_none() {
            let mut filled = 0;
            while filled < buf.len() {
                match self.tcp.read(&mut buf[filled..]).await? {
                    0 if filled == 0 => return Ok(false),
                    0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                    n => filled += n,
                }
            }
            return Ok(true);
        }
        while self.plain.len() < buf.len() {
            if !self.pull_tls().await? {
                return if self.plain.is_empty() {
                    Ok(false)
                } else {
                    Err(io::ErrorKind::UnexpectedEof.into())
                };
            }
        }
        buf.copy_from_slice(&self.plain[..buf.len()]);
        self.plain.drain(..buf.len());
        Ok(true)
    }

    /// Reads TLS records off TCP into `plain`; `false` once the peer closed.
    async fn pull_tls(&mut self) -> io::Result<bool> {
        let mut raw = vec![0u8; 16 * 1024];
        let n = self.tcp.read(&mut raw).await?;
        if n == 0 {
            return Ok(false);
        }
        let tls = self.tls.as_mut().expect("pull_tls runs under TLS");
        let mut incoming = &raw[..n];
        let mut open = true;
        while !incoming.is_empty() {
            tls.read_tls(&mut incoming)?;
            tls.process_new_packets().map_err(io::Error::other)?;
            let mut chunk = [0u8; 4096];
            loop {
                match tls.reader().read(&mut chunk) {
                    Ok(0) => {
                        open = false;
                        break;
                    }
                    Ok(k) => self.plain.extend_from_slice(&chunk[..k]),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
        }
        self.push_tls().await?;
        Ok(open)
    }

    /// Sends whatever TLS records rustls has queued.
    async fn push_tls(&mut self) -> io::Result<()> {
        let Some(tls) = self.tls.as_mut() else {
            return Ok(());
        };
        let mut out = Vec::new();
        while tls.wants_write() {
            tls.write_tls(&mut out)?;
        }
        if !out.is_empty() {
            self.tcp.write_all(&out).await?;
        }
        Ok(())
    }

    /// Sends `payload` as one message of type `ty` in packets of the negotiated size; the
    /// last packet is marked end-of-message only when `complete`.
    async fn write_message(&mut self, ty: u8, payload: &[u8], complete: bool) -> io::Result<()> {
        let room = self.packet_size - HEADER_LEN;
        let chunks: Vec<&[u8]> = if payload.is_empty() {
            vec![&[]]
        } else {
            payload.chunks(room).collect()
        };
        let count = chunks.len();
        let mut bytes = Vec::with_capacity(payload.len() + count * HEADER_LEN);
        for (i, chunk) in chunks.into_iter().enumerate() {
            let status = if complete && i + 1 == count {
                STATUS_EOM
            } else {
                0
            };
            let length = u16::try_from(chunk.len() + HEADER_LEN).expect("packet fits u16");
            self.packet_id = self.packet_id.wrapping_add(1);
            bytes.push(ty);
            bytes.push(status);
            bytes.extend_from_slice(&length.to_be_bytes());
            bytes.extend_from_slice(&self.spid.to_be_bytes());
            bytes.push(self.packet_id);
            bytes.push(0);
            bytes.extend_from_slice(chunk);
        }
        match self.tls.as_mut() {
            None => self.tcp.write_all(&bytes).await?,
            Some(_) => {
                for piece in bytes.chunks(8 * 1024) {
                    self.tls
                        .as_mut()
                        .expect("still under TLS")
                        .writer()
                        .write_all(piece)?;
                    self.push_tls().await?;
                }
            }
        }
        self.tcp.flush().await
    }

    /// The TLS handshake of TDS 7.x: every handshake record travels as the payload of PRELOGIN
    /// packets, both ways; once it is done, TLS records go bare on the socket.
    async fn tls_handshake(&mut self, config: Option<&Arc<ServerConfig>>) -> io::Result<()> {
        let Some(config) = config else {
            // No certificate: read the ClientHello, answer with a fatal handshake_failure alert.
            let _ = self.read_message().await?;
            let alert = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];
            self.write_message(PKT_PRELOGIN, &alert, true).await?;
            return Err(invalid("TLS negotiated but the scenario has no identity"));
        };
        let mut tls =
            rustls::ServerConnection::new(Arc::clone(config)).map_err(io::Error::other)?;
        for _ in 0..MAX_HANDSHAKE_ROUNDS {
            let Some((ty, payload)) = self.read_message().await? else {
                return Err(io::ErrorKind::UnexpectedEof.into());
            };
            if ty != PKT_PRELOGIN {
                return Err(invalid(format!(
                    "TLS handshake: expected PRELOGIN, got type {ty:#04x}"
                )));
            }
            let mut incoming = &payload[..];
            let mut failed = None;
            while !incoming.is_empty() && failed.is_none() {
                tls.read_tls(&mut incoming)?;
                failed = tls.process_new_packets().err();
            }
            let mut out = Vec::new();
            while tls.wants_write() {
                tls.write_tls(&mut out)?;
            }
            if !out.is_empty() {
                // The next flight, or the alert that says why the handshake failed.
                self.write_message(PKT_PRELOGIN, &out, true).await?;
            }
            if let Some(e) = failed {
                return Err(io::Error::other(e));
            }
            if !tls.is_handshaking() {
                self.tls = Some(tls);
                return Ok(());
            }
        }
        Err(invalid("TLS handshake did not finish"))
    }

    /// Back to plaintext after a login-only TLS session.
    fn end_tls(&mut self) -> io::Result<()> {
        self.tls = None;
        if self.plain.is_empty() {
            Ok(())
        } else {
            Err(invalid(
                "client sent more than LOGIN7 before the login answer",
            ))
        }
    }

    /// Holds a stalled connection: reads and ignores until the client closes or goes idle.
    async fn drain(&mut self) -> io::Result<()> {
        for _ in 0..MAX_DRAINED {
            if self.read_message().await?.is_none() {
                return Ok(());
            }
        }
        Ok(())
    }
}

// --- PRELOGIN (MS-TDS 2.2.6.5) ---

/// The client's ENCRYPTION option (`ENCRYPT_NOT_SUP` when it sends none).
fn prelogin_encryption(payload: &[u8]) -> io::Result<u8> {
    let mut at = 0;
    while let Some(&token) = payload.get(at) {
        if token == 0xFF {
            break;
        }
        let entry = payload
            .get(at..at + 5)
            .ok_or_else(|| invalid("PRELOGIN option list cut short"))?;
        let offset = usize::from(u16::from_be_bytes([entry[1], entry[2]]));
        let length = usize::from(u16::from_be_bytes([entry[3], entry[4]]));
        if token == 0x01 {
            if length < 1 {
                return Err(invalid("PRELOGIN ENCRYPTION option is empty"));
            }
            return payload
                .get(offset)
                .copied()
                .ok_or_else(|| invalid("PRELOGIN ENCRYPTION option out of bounds"));
        }
        at += 5;
    }
    Ok(ENCRYPT_NOT_SUP)
}

/// VERSION, ENCRYPTION, INSTOPT (0x00: the instance is accepted), THREADID (empty, as servers
/// send it) and MARS (off).
fn prelogin_reply(version: (u8, u8, u16), encryption: u8) -> Vec<u8> {
    let (major, minor, build) = version;
    let [build_hi, build_lo] = build.to_be_bytes();
    let options: [(u8, Vec<u8>); 5] = [
        (0x00, vec![major, minor, build_hi, build_lo, 0, 0]),
        (0x01, vec![encryption]),
        (0x02, vec![0x00]),
        (0x03, Vec::new()),
        (0x04, vec![0x00]),
    ];
    let mut head = Vec::new();
    let mut data = Vec::new();
    let mut offset = options.len() * 5 + 1;
    for (token, value) in &options {
        head.push(*token);
        head.extend_from_slice(&u16::try_from(offset).expect("small").to_be_bytes());
        head.extend_from_slice(&u16::try_from(value.len()).expect("small").to_be_bytes());
        data.extend_from_slice(value);
        offset += value.len();
    }
    head.push(0xFF);
    head.extend_from_slice(&data);
    head
}

// --- LOGIN7 (MS-TDS 2.2.6.4) ---

struct Login7 {
    packet_size: u32,
    user: String,
    password: String,
    app_name: String,
    database: String,
}

impl Login7 {
    fn parse(p: &[u8]) -> io::Result<Self> {
        if p.len() < 94 {
            return Err(invalid("LOGIN7 shorter than its fixed part"));
        }
        let u16_at = |at: usize| u16::from_le_bytes([p[at], p[at + 1]]);
        // OffsetLength entries: offset and length in characters, each a u16.
        let field = |at: usize| -> io::Result<Vec<u8>> {
            let offset = usize::from(u16_at(at));
            let bytes = usize::from(u16_at(at + 2)) * 2;
            p.get(offset..offset + bytes)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| invalid("LOGIN7 field out of bounds"))
        };
        let text = |bytes: Vec<u8>| -> io::Result<String> {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).map_err(|_| invalid("LOGIN7 field is not UTF-16"))
        };
        // The password is obfuscated, not encrypted: each byte had its nibbles swapped, then
        // was XORed with 0xA5.
        let password: Vec<u8> = field(44)?
            .into_iter()
            .map(|b| (b ^ 0xA5).rotate_left(4))
            .collect();
        Ok(Self {
            packet_size: u32::from_le_bytes([p[8], p[9], p[10], p[11]]),
            user: text(field(40)?)?,
            password: text(password)?,
            app_name: text(field(48)?)?,
            database: text(field(68)?)?,
        })
    }
}

/// The database the session opens, or the tokens that refuse the login.
fn authenticate(scenario: &Scenario, login: &Login7) -> Result<String, Vec<u8>> {
    let known = scenario.logins.iter().any(|(user, password)| {
        user.eq_ignore_ascii_case(&login.user) && *password == login.password
    });
    let mut t = Tokens::default();
    let failed = format!("Login failed for user '{}'.", login.user);
    let refused = Message {
        number: 18456,
        state: 1,
        class: 14,
        text: &failed,
    };
    if !known {
        t.message(TOKEN_ERROR, &refused);
        t.done(DONE_ERROR, 0, 0);
        return Err(t.0);
    }
    let database = if login.database.is_empty() {
        "master".to_owned()
    } else {
        login.database.clone()
    };
    let exists = database.eq_ignore_ascii_case("master")
        || scenario
            .databases
            .iter()
            .any(|d| d.eq_ignore_ascii_case(&database));
    if !exists {
        let cannot = format!(
            "Cannot open database \"{database}\" requested by the login. The login failed."
        );
        t.message(
            TOKEN_ERROR,
            &Message {
                number: 4060,
                state: 1,
                class: 11,
                text: &cannot,
            },
        );
        t.message(TOKEN_ERROR, &refused);
        t.done(DONE_ERROR, 0, 0);
        return Err(t.0);
    }
    Ok(database)
}

/// What SQL Server sends on a successful login, in its order.
fn login_response(version: (u8, u8, u16), database: &str, packet_size: usize) -> Vec<u8> {
    let mut t = Tokens::default();
    t.env_change_text(ENV_DATABASE, database, "master");
    t.message(
        TOKEN_INFO,
        &Message {
            number: 5701,
            state: 2,
            class: 0,
            text: &format!("Changed database context to '{database}'."),
        },
    );
    t.env_change_bytes(ENV_COLLATION, &COLLATION, &[]);
    t.env_change_text(ENV_LANGUAGE, "us_english", "");
    t.message(
        TOKEN_INFO,
        &Message {
            number: 5703,
            state: 1,
            class: 0,
            text: "Changed language setting to us_english.",
        },
    );
    t.login_ack(version);
    t.env_change_text(
        ENV_PACKET_SIZE,
        &packet_size.to_string(),
        &DEFAULT_PACKET_SIZE.to_string(),
    );
    t.done(DONE_FINAL, 0, 0);
    t.0
}

// --- SQL batches (MS-TDS 2.2.6.7) and their answers ---

/// The batch's SQL: after `ALL_HEADERS` (whose first u32 is its own total length), UTF-16LE.
fn batch_text(payload: &[u8]) -> io::Result<String> {
    let headers = payload
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| invalid("SQL batch without ALL_HEADERS"))?;
    let skip = usize::try_from(headers).map_err(|_| invalid("ALL_HEADERS length"))?;
    let sql = payload
        .get(skip..)
        .filter(|_| skip >= 4)
        .ok_or_else(|| invalid("ALL_HEADERS longer than the batch"))?;
    let units: Vec<u16> = sql
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    Ok(String::from_utf16_lossy(&units))
}

fn is_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The tag of a `-- preflight:<tag>` line.
fn tag_of(line: &str) -> Option<&str> {
    let tag = line
        .trim()
        .strip_prefix("--")?
        .trim_start()
        .strip_prefix("preflight:")?
        .trim();
    is_tag(tag).then_some(tag)
}

/// (tag, SQL) per segment; text before the first tag line belongs to no segment. A batch
/// without tag lines is one segment tagged "".
fn segments(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(tag) = tag_of(line) {
            out.push((tag.to_owned(), String::new()));
        } else if let Some((_, sql)) = out.last_mut() {
            sql.push_str(line);
        }
    }
    if out.is_empty() {
        out.push((String::new(), text.to_owned()));
    }
    out
}

/// Whether a segment's SQL holds `BEGIN TRY` (any case, any whitespace between).
fn guarded(sql: &str) -> bool {
    let words: Vec<&str> = sql.split_whitespace().collect();
    words
        .windows(2)
        .any(|w| w[0].eq_ignore_ascii_case("BEGIN") && w[1].eq_ignore_ascii_case("TRY"))
}

/// The tokens answering a batch, and whether it stalled (the tokens then stop before the
/// stalled segment).
fn answer_batch(scenario: &Scenario, text: &str) -> (Vec<u8>, bool) {
    let segments = segments(text);
    let count = segments.len();
    let mut t = Tokens::default();
    for (i, (tag, sql)) in segments.iter().enumerate() {
        let more = if i + 1 == count { 0 } else { DONE_MORE };
        let missing;
        let answer = if let Some(answer) = scenario.answers.get(tag) {
            answer
        } else {
            missing = Answer::error(
                50000,
                &format!("tds test server: no answer scripted for '{tag}'"),
            );
            &missing
        };
        match answer {
            Answer::Rows { columns, rows } => t.result_set(columns, rows, more),
            Answer::Error {
                number, message, ..
            } if guarded(sql) => {
                // The CATCH block a guarded probe statement carries.
                let columns = [
                    Column::text("preflight_tag"),
                    Column::int("preflight_error_number"),
                    Column::text("preflight_error_message"),
                ];
                let row = vec![
                    Value::from(tag.as_str()),
                    Value::Int(i64::from(*number)),
                    Value::from(message.as_str()),
                ];
                t.result_set(&columns, &[row], more);
            }
            Answer::Error {
                number,
                class,
                state,
                message,
            } => {
                t.message(
                    TOKEN_ERROR,
                    &Message {
                        number: *number,
                        state: *state,
                        class: *class,
                        text: message,
                    },
                );
                t.done(DONE_ERROR | more, CMD_SELECT, 0);
            }
            Answer::Stall => return (t.0, true),
        }
    }
    (t.0, false)
}

// --- tokens (MS-TDS 2.2.7) ---

struct Message<'a> {
    number: u32,
    state: u8,
    class: u8,
    text: &'a str,
}

#[derive(Default)]
struct Tokens(Vec<u8>);

impl Tokens {
    fn u16(&mut self, n: u16) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    fn utf16(&mut self, s: &str) {
        for unit in s.encode_utf16() {
            self.u16(unit);
        }
    }

    /// `B_VARCHAR`: a byte of length in characters, then UTF-16LE.
    fn b_varchar(&mut self, s: &str) {
        let chars = u8::try_from(s.encode_utf16().count()).expect("B_VARCHAR under 256");
        self.0.push(chars);
        self.utf16(s);
    }

    /// `US_VARCHAR`: a u16 of length in characters, then UTF-16LE.
    fn us_varchar(&mut self, s: &str) {
        let chars = u16::try_from(s.encode_utf16().count()).expect("US_VARCHAR under 64K");
        self.u16(chars);
        self.utf16(s);
    }

    /// A token whose body starts with its u16 length.
    fn with_length(&mut self, token: u8, body: impl FnOnce(&mut Tokens)) {
        let mut inner = Tokens::default();
        body(&mut inner);
        self.0.push(token);
        self.u16(u16::try_from(inner.0.len()).expect("token under 64K"));
        self.0.extend_from_slice(&inner.0);
    }

    fn env_change_text(&mut self, kind: u8, new: &str, old: &str) {
        self.with_length(TOKEN_ENVCHANGE, |t| {
            t.0.push(kind);
            t.b_varchar(new);
            t.b_varchar(old);
        });
    }

    fn env_change_bytes(&mut self, kind: u8, new: &[u8], old: &[u8]) {
        self.with_length(TOKEN_ENVCHANGE, |t| {
            t.0.push(kind);
            t.0.push(u8::try_from(new.len()).expect("short"));
            t.0.extend_from_slice(new);
            t.0.push(u8::try_from(old.len()).expect("short"));
            t.0.extend_from_slice(old);
        });
    }

    /// ERROR or INFO: number, state, class, message, server, procedure (none), line 1.
    fn message(&mut self, token: u8, m: &Message<'_>) {
        self.with_length(token, |t| {
            t.0.extend_from_slice(&m.number.to_le_bytes());
            t.0.push(m.state);
            t.0.push(m.class);
            t.us_varchar(m.text);
            t.b_varchar(SERVER_NAME);
            t.b_varchar("");
            t.0.extend_from_slice(&1u32.to_le_bytes());
        });
    }

    fn login_ack(&mut self, (major, minor, build): (u8, u8, u16)) {
        self.with_length(TOKEN_LOGINACK, |t| {
            t.0.push(1); // interface: SQL_TSQL
            t.0.extend_from_slice(&TDS_74.to_be_bytes());
            t.b_varchar("Microsoft SQL Server");
            let [build_hi, build_lo] = build.to_be_bytes();
            t.0.extend_from_slice(&[major, minor, build_hi, build_lo]);
        });
    }

    fn done(&mut self, status: u16, cmd: u16, rows: u64) {
        self.0.push(TOKEN_DONE);
        self.u16(status);
        self.u16(cmd);
        self.0.extend_from_slice(&rows.to_le_bytes());
    }

    fn result_set(&mut self, columns: &[Column], rows: &[Vec<Value>], more: u16) {
        self.0.push(TOKEN_COLMETADATA);
        self.u16(u16::try_from(columns.len()).expect("columns under 64K"));
        for column in columns {
            self.0.extend_from_slice(&0u32.to_le_bytes()); // UserType
            self.u16(0x0001); // Flags: nullable
            match column.ty {
                ColType::NVarChar => {
                    self.0.push(0xE7); // NVARCHARTYPE
                    self.u16(8000); // max length in bytes: nvarchar(4000)
                    self.0.extend_from_slice(&COLLATION);
                }
                ColType::Int => self.0.extend_from_slice(&[0x26, 4]), // INTNTYPE
                ColType::BigInt => self.0.extend_from_slice(&[0x26, 8]),
                ColType::Bit => self.0.extend_from_slice(&[0x68, 1]), // BITNTYPE
            }
            self.b_varchar(&column.name);
        }
        for row in rows {
            self.0.push(TOKEN_ROW);
            for (value, column) in row.iter().zip(columns) {
                self.value(value, column.ty);
            }
        }
        let count = u64::try_from(rows.len()).expect("row count");
        self.done(DONE_COUNT | more, CMD_SELECT, count);
    }

    fn value(&mut self, value: &Value, ty: ColType) {
        match (value, ty) {
            (Value::Null, ColType::NVarChar) => self.u16(0xFFFF),
            (Value::Null, _) => self.0.push(0),
            (Value::Text(s), _) => {
                let bytes = u16::try_from(s.encode_utf16().count() * 2).expect("validated");
                self.u16(bytes);
                self.utf16(s);
            }
            (Value::Int(n), ColType::Int) => {
                let n = i32::try_from(*n).expect("validated");
                self.0.push(4);
                self.0.extend_from_slice(&n.to_le_bytes());
            }
            (Value::Int(n), _) => {
                self.0.push(8);
                self.0.extend_from_slice(&n.to_le_bytes());
            }
            (Value::Bit(b), _) => {
                self.0.push(1);
                self.0.push(u8::from(*b));
            }
        }
    }
}

// --- SQL Server Browser (MS-SQLR) ---

/// A SQL Server Browser responder on UDP port 1434; stops when dropped.
#[derive(Debug)]
pub struct Browser {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Browser {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Most requests one responder answers.
const MAX_BROWSER_REQUESTS: usize = 10_000;

/// Answers SQL Browser requests on `ip:1434` for the given (instance, TCP port) pairs:
/// `CLNT_UCAST_INST` (0x04, what tiberius's `connect_named` sends) for a known instance, and
/// `CLNT_BCAST_EX` / `CLNT_UCAST_EX` (0x02, 0x03) with every instance. An unknown instance gets no
/// reply, as from the real service. Use an address of 127/8 no other test uses.
pub fn start_browser(ip: IpAddr, instances: Vec<(String, u16)>) -> Browser {
    assert!(
        ip.is_loopback(),
        "tds test browser: {ip} is not a loopback address"
    );
    let socket = std::net::UdpSocket::bind((ip, 1434))
        .unwrap_or_else(|e| panic!("tds test browser: cannot bind {ip}:1434: {e}"));
    socket.set_nonblocking(true).expect("non-blocking socket");
    let addr = socket.local_addr().expect("socket address");
    let (stop, mut stopped) = oneshot::channel::<()>();
    let thread = thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tds test browser runtime");
        runtime.block_on(async move {
            let socket = UdpSocket::from_std(socket).expect("tokio socket");
            let mut buf = vec![0u8; 2048];
            for _ in 0..MAX_BROWSER_REQUESTS {
                let (n, peer) = tokio::select! {
                    _ = &mut stopped => return,
                    received = socket.recv_from(&mut buf) => match received {
                        Ok(got) => got,
                        Err(_) => continue,
                    },
                };
                if let Some(reply) = browser_reply(&buf[..n], &instances) {
                    let _ = socket.send_to(&reply, peer).await;
                }
            }
        });
    });
    Browser {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    }
}

/// `SVR_RESP`: 0x05, the u16 length of the data, then `ServerName;…;tcp;PORT;;` per instance.
fn browser_reply(request: &[u8], instances: &[(String, u16)]) -> Option<Vec<u8>> {
    let describe = |(name, port): &(String, u16)| {
        format!(
            "ServerName;{SERVER_NAME};InstanceName;{name};IsClustered;No;Version;13.0.5026.0;\
             tcp;{port};;"
        )
    };
    let data: String = match request.first()? {
        0x02 | 0x03 => instances.iter().map(describe).collect(),
        0x04 => {
            let asked = request[1..].split(|b| *b == 0).next()?;
            let asked = std::str::from_utf8(asked).ok()?;
            instances
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(asked))
                .map(describe)?
        }
        _ => return None,
    };
    let mut reply = vec![0x05];
    reply.extend_from_slice(&u16::try_from(data.len()).ok()?.to_le_bytes());
    reply.extend_from_slice(data.as_bytes());
    Some(reply)
}
