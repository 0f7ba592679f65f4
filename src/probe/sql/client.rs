//! Connecting with tiberius and running the probe's two batches, every step under a timeout,
//! every failure turned into words for the facts it leaves unknown.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt as _;
use tiberius::error::{Error as TdsError, IoErrorKind};
use tiberius::{AuthMethod, Client, ColumnData, Config, EncryptionLevel, QueryItem};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt as _};

use super::browser;
use super::facts::{self, Answer, Cell, Fact, Prelogin, ResultSet, SqlFacts};
use super::queries::{self, Statement};
use super::target::Target;
use crate::probe::resolve::Lookup;

/// How the probe logs in.
#[derive(Clone)]
pub enum Auth {
    /// A SQL Server login. The password comes from a prompt or `PREFLIGHT_SQL_PASSWORD`, lives
    /// only in memory and is never written anywhere.
    Sql { user: String, password: String },
    /// The Windows account running the probe (Kerberos or NTLM through SSPI).
    #[cfg(windows)]
    Windows,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Sql { user, .. } => write!(f, "Sql {{ user: {user:?}, password: <hidden> }}"),
            #[cfg(windows)]
            Auth::Windows => f.write_str("Windows"),
        }
    }
}

impl Auth {
    /// The login as the report names it.
    pub fn user(&self) -> Option<&str> {
        match self {
            Auth::Sql { user, .. } => Some(user),
            #[cfg(windows)]
            Auth::Windows => None,
        }
    }
}

/// Whether the connection is encrypted, as a site's connection strings say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Encryption {
    /// Everything encrypted, or no connection.
    Required,
    /// Everything encrypted when the server can; SQL Server's drivers' default before 2022.
    #[default]
    Optional,
    /// Only the login encrypted (SQL Server always protects the password this way).
    Off,
}

/// How the server's certificate is judged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Trust {
    /// Against this machine's roots, with the server's name.
    #[default]
    System,
    /// Against this CA certificate (PEM or DER), e.g. the site's own CA.
    Ca(PathBuf),
    /// Any certificate (SQL Server's self-signed one included): `TrustServerCertificate=true`.
    Any,
}

/// Everything a probe of one server needs.
#[derive(Debug, Clone)]
pub struct Options {
    pub auth: Auth,
    pub encryption: Encryption,
    pub trust: Trust,
    pub connect_timeout: Duration,
    pub query_timeout: Duration,
    /// Permissions to read: `(None, p)` on the server, `(Some(db), p)` in a database.
    pub permissions: Vec<(Option<String>, String)>,
    /// Databases whose existence and recovery model to read.
    pub databases: Vec<String>,
    /// How the server's name becomes addresses (for a named instance, where its SQL Server
    /// Browser is asked): the operating system's resolver by default, the run's resolution in
    /// `preflight probe` and the TUI. The name itself stays the TLS server name.
    pub lookup: Lookup,
}

impl Options {
    pub fn new(auth: Auth) -> Self {
        Self {
            auth,
            encryption: Encryption::default(),
            trust: Trust::default(),
            connect_timeout: Duration::from_secs(10),
            query_timeout: Duration::from_secs(30),
            permissions: Vec::new(),
            databases: Vec::new(),
            lookup: Lookup::system(),
        }
    }
}

type Connection = Client<Compat<TcpStream>>;

/// Probes one server: connects, logs in, reads every fact in two batches, and says in words
/// what could not be read. Never panics on what the server sends. Bounded: the connection and
/// the login each within the connect timeout, each batch within four query timeouts, and the
/// PRELOGIN question (asked only of a server that answered) within the connect timeout.
pub async fn probe(target: &Target, opts: &Options) -> SqlFacts {
    let start = Instant::now();
    let mut facts = match Box::pin(connect(target, opts)).await {
        Ok((mut client, address)) => {
            let mut facts = read(&mut client, opts).await;
            facts.address = Some(address);
            // A clean goodbye; the facts are in whatever it says.
            let _ = timeout(Duration::from_secs(1), client.close()).await;
            facts
        }
        Err(failed) => {
            let mut facts = SqlFacts::unreachable("", None, &failed.words);
            facts.address = failed.reached;
            facts
        }
    };
    // Where a server answered, its own words on encryption and its version, even when the
    // login was refused (a host that did not answer is not waited for twice).
    if let Some(at) = facts.address.clone() {
        facts.prelogin = prelogin(&at, opts).await;
    }
    facts.server = target.to_string();
    facts.user = opts.auth.user().map(str::to_owned);
    facts.ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    facts
}

/// Why `connect` failed, and the address it reached first, if any.
struct Failed {
    words: String,
    reached: Option<String>,
}

impl From<String> for Failed {
    fn from(words: String) -> Self {
        Self {
            words,
            reached: None,
        }
    }
}

/// The server's PRELOGIN answer to a client that does not ask for encryption: the question
/// that tells "forced", "offered" and "not offered" apart.
async fn prelogin(at: &str, opts: &Options) -> Option<Prelogin> {
    use crate::probe::tls::tds;
    let limit = opts.connect_timeout;
    let addr = if let Ok(a) = at.parse::<SocketAddr>() {
        a
    } else {
        let (host, port) = crate::site::split_host_port(at)?;
        let ips = timeout(limit, opts.lookup.addresses(&host))
            .await
            .ok()?
            .ok()?;
        SocketAddr::new(*ips.first()?, port)
    };
    let p = tds::prelogin(addr, tds::Encryption::Off, limit)
        .await
        .ok()?;
    Some(Prelogin {
        version: p.version.map(|v| v.to_string()),
        product: p
            .version
            .and_then(tds::SqlVersion::product)
            .map(str::to_owned),
        encryption: match p.encryption {
            tds::Encryption::Required => "forced",
            tds::Encryption::NotSupported => "not_offered",
            tds::Encryption::Off | tds::Encryption::On => "offered",
        }
        .to_owned(),
    })
}

fn config(target: &Target, host: &str, port: Option<u16>, opts: &Options) -> Config {
    let mut config = Config::new();
    config.host(host);
    match (&target.instance, port) {
        (_, Some(p)) => config.port(p),
        (Some(i), None) => config.instance_name(i),
        (None, None) => config.port(target.port_or_default()),
    }
    // The login's own default database may be the one that is missing; master always opens,
    // and the databases the checklist names are read from there.
    config.database("master");
    config.application_name("preflight");
    config.encryption(match opts.encryption {
        Encryption::Required => EncryptionLevel::Required,
        Encryption::Optional => EncryptionLevel::On,
        Encryption::Off => EncryptionLevel::Off,
    });
    match &opts.trust {
        Trust::System => {}
        Trust::Ca(path) => config.trust_cert_ca(path.display().to_string()),
        Trust::Any => config.trust_cert(),
    }
    config.authentication(match &opts.auth {
        Auth::Sql { user, password } => AuthMethod::sql_server(user, password),
        #[cfg(windows)]
        Auth::Windows => AuthMethod::Integrated,
    });
    config.handshake_timeout(Some(opts.connect_timeout));
    config.command_timeout(Some(opts.query_timeout));
    config
}

/// Connects and logs in, following one redirect (an availability group's read-only routing
/// or an Azure gateway).
async fn connect(target: &Target, opts: &Options) -> Result<(Connection, String), Failed> {
    let mut host = target.host.clone();
    let mut port = target.port;
    for _ in 0..2 {
        let config = config(target, &host, port, opts);
        let tcp = timeout(opts.connect_timeout, open(target, &host, port, opts))
            .await
            .map_err(|_| {
                format!(
                    "{} did not answer within {} s",
                    shown(target, &host, port),
                    opts.connect_timeout.as_secs()
                )
            })??;
        let address = tcp
            .peer_addr()
            .map_or_else(|_| config.get_addr(), |a| a.to_string());
        let failed = |words: String| Failed {
            words,
            reached: Some(address.clone()),
        };
        let _ = tcp.set_nodelay(true);
        match Box::pin(timeout(
            opts.connect_timeout,
            Client::connect(config, tcp.compat_write()),
        ))
        .await
        {
            Err(_) => {
                return Err(failed(format!(
                    "{address} accepted the connection but the login did not finish within {} s: \
                     is this a SQL Server?",
                    opts.connect_timeout.as_secs()
                )));
            }
            Ok(Ok(client)) => return Ok((client, address)),
            Ok(Err(TdsError::Routing {
                host: to_host,
                port: to_port,
            })) => {
                host = to_host;
                port = Some(to_port);
            }
            Ok(Err(e)) => return Err(failed(connect_words(&e, target, &host, port, opts))),
        }
    }
    Err(format!("{target} redirected the connection more than once").into())
}

/// Opens the TCP connection the login runs on: the host's addresses through the run's lookup;
/// for a named instance (not redirected), its port from the SQL Server Browser at each address
/// in turn; then each address until one accepts.
async fn open(
    target: &Target,
    host: &str,
    port: Option<u16>,
    opts: &Options,
) -> Result<TcpStream, String> {
    let at = shown(target, host, port);
    let ips = opts
        .lookup
        .addresses(host)
        .await
        .map_err(|e| format!("{host}: host not found: {e}"))?;
    let mut first: Option<String> = None;
    for ip in ips {
        let to = match (port, &target.instance) {
            (Some(p), _) => p,
            (None, Some(instance)) => {
                // The Browser's own wait, as SQL Server's drivers give it: about a second.
                let wait = opts.connect_timeout.min(Duration::from_secs(2));
                match browser::port_of(ip, instance, wait).await {
                    Ok(p) => p,
                    Err(e) => {
                        let why = match e {
                            browser::BrowseError::Silent(w) | browser::BrowseError::NoPort(w) => w,
                        };
                        first.get_or_insert(format!(
                            "{at}: the SQL Server Browser on {host} ({ip}, UDP 1434) did not name \
                             the instance ({why}): is the SQL Server Browser service running, UDP \
                             1434 open and the instance name right? Or give the instance's port \
                             as HOST:PORT"
                        ));
                        continue;
                    }
                }
            }
            (None, None) => target.port_or_default(),
        };
        match TcpStream::connect((ip, to)).await {
            Ok(stream) => return Ok(stream),
            Err(e) => {
                first.get_or_insert(connect_words(&TdsError::from(e), target, host, port, opts));
            }
        }
    }
    Err(first.unwrap_or_else(|| format!("{host}: host not found: it has no address")))
}

fn shown(target: &Target, host: &str, port: Option<u16>) -> String {
    match (port, &target.instance) {
        (Some(p), _) => format!("{host}:{p}"),
        (None, Some(i)) => format!("{host}\\{i}"),
        (None, None) => format!("{host}:{}", target.port_or_default()),
    }
}

/// A connection or login failure in the words a DBA would use, with what to do.
fn connect_words(
    e: &TdsError,
    target: &Target,
    host: &str,
    port: Option<u16>,
    opts: &Options,
) -> String {
    let at = shown(target, host, port);
    let user = opts.auth.user().unwrap_or("this Windows account");
    match e {
        TdsError::Io { kind, message } => match kind {
            IoErrorKind::ConnectionRefused => format!(
                "{at}: connection refused: nothing listens on that port (is the SQL Server \
                 service running, TCP/IP enabled, the port right?)"
            ),
            IoErrorKind::NotFound if target.instance.is_some() => {
                format!("{at}: the SQL Server Browser did not name the instance: {message}")
            }
            IoErrorKind::InvalidData if message.contains("alert") => tls_words(&at, message),
            IoErrorKind::UnexpectedEof if message.contains("tls") => format!(
                "{at}: the server closed the connection during the TLS handshake: it may offer \
                 no encryption at all, and the login's password is never sent unencrypted \
                 ({message})"
            ),
            IoErrorKind::TimedOut => format!(
                "{at}: no answer (a firewall dropping the packets, or for a named instance the \
                 SQL Server Browser on UDP 1434): {message}"
            ),
            _ if is_name_error(message) => {
                format!("{host}: host not found: {message}")
            }
            _ => format!("{at}: {message}"),
        },
        TdsError::Tls(message) => tls_words(&at, message),
        TdsError::Server(token) => login_words(token.code(), token.message(), user),
        TdsError::Conversion(m) if m.contains("browser") => format!(
            "{at}: the SQL Server Browser on {host} (UDP 1434) did not name the instance: is the \
             SQL Server Browser service running, UDP 1434 open and the instance name right? Or \
             give the instance's port as HOST:PORT"
        ),
        TdsError::Protocol(m) => {
            format!("{at} does not speak SQL Server's protocol as expected: {m}")
        }
        other => format!("{at}: {other}"),
    }
}

fn is_name_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("failed to lookup")
        || m.contains("name or service not known")
        || m.contains("no such host")
        || m.contains("could not resolve")
        || m.contains("nodename nor servname")
}

fn tls_words(at: &str, message: &str) -> String {
    // tiberius appends advice in its own API's terms after the first sentence.
    let message = message
        .split(". ")
        .next()
        .unwrap_or(message)
        .trim_end_matches('.');
    let m = message.to_ascii_lowercase();
    if m.contains("unknownissuer")
        || m.contains("unknown issuer")
        || m.contains("invalid peer certificate")
    {
        format!(
            "{at}: the server's certificate is not trusted ({message}); SQL Server makes a \
             self-signed one when none is configured: give the site's CA with --ca FILE, or \
             --trust-server-certificate to connect anyway"
        )
    } else if m.contains("notvalidforname") || m.contains("not valid for name") {
        format!(
            "{at}: the server's certificate does not name this host ({message}): connect by the \
             name on the certificate"
        )
    } else if m.contains("not supported") || m.contains("encryption") {
        format!(
            "{at}: encryption refused: the server cannot encrypt ({message}); with --encrypt \
             required the connection stops here"
        )
    } else {
        format!("{at}: TLS failed: {message}")
    }
}

/// A login's refusal in words (SQL Server sends state 1 to the client whatever the cause; the
/// real reason is in the server's error log).
fn login_words(code: u32, message: &str, user: &str) -> String {
    match code {
        18456 => format!(
            "login failed for `{user}`: wrong password, unknown login, a disabled login, or SQL \
             Server authentication not enabled (the server's error log says which): {message}"
        ),
        18452 => {
            format!("login failed: the server accepts Windows authentication only ({message})")
        }
        4060 | 4064 => format!("the login's database could not be opened: {message}"),
        18486..=18488 => format!("login `{user}` is locked out or its password expired: {message}"),
        _ => format!("SQL Server refused the login (error {code}): {message}"),
    }
}

/// The two batches, then the facts.
async fn read(client: &mut Connection, opts: &Options) -> SqlFacts {
    let mut facts = SqlFacts::unreachable("", None, "not read");
    facts.connection_error = None;

    let first: Vec<Statement> = [
        Some(queries::server()),
        queries::permissions(&opts.permissions),
        queries::databases(&opts.databases),
    ]
    .into_iter()
    .flatten()
    .collect();
    let (answers, usable) = run(client, &first, opts.query_timeout).await;
    facts.batches += 1;
    for (s, a) in first.iter().zip(&answers) {
        facts.queries.push(facts::record(s, a));
        match s.tag {
            "server" => (facts.instance, facts.encrypted) = facts::instance(a),
            "permissions" => facts.permissions = facts::permissions(a),
            "databases" => facts.databases = facts::databases(a),
            _ => {}
        }
    }
    if opts.permissions.is_empty() {
        facts.permissions = Fact::Value(Vec::new());
    }
    if opts.databases.is_empty() {
        facts.databases = Fact::Value(Vec::new());
    }

    let ag = facts::availability_groups_readable(&facts.instance);
    let mut second = Vec::new();
    match &ag {
        Ok(()) => second.extend([queries::replicas(), queries::listeners()]),
        Err(why) => {
            for s in [queries::replicas(), queries::listeners()] {
                facts.queries.push(facts::skipped(&s, why));
            }
            facts.replicas = no_groups(why);
            facts.listeners = no_groups(why);
        }
    }
    second.extend([queries::mirroring(), queries::backups(ag.is_ok())]);
    let answers = if usable {
        facts.batches += 1;
        run(client, &second, opts.query_timeout).await.0
    } else {
        // After a timeout the connection is out of step with the server and is dropped.
        let why = "not sent: the server stopped answering the first batch".to_owned();
        vec![Answer::Missing(why); second.len()]
    };
    for (s, a) in second.iter().zip(&answers) {
        facts.queries.push(facts::record(s, a));
        match s.tag {
            "ag_replicas" => facts.replicas = facts::replicas(a),
            "ag_listeners" => facts.listeners = facts::listeners(a),
            "mirroring" => facts.mirroring = facts::mirroring(a),
            "backups" => facts.backups = facts::backups(a),
            _ => {}
        }
    }
    facts
}

/// No availability group can exist on this server: that is a fact (an empty list), not a
/// doubt, unless the version itself could not be read.
fn no_groups<T>(why: &str) -> Fact<Vec<T>> {
    if why.starts_with("could not verify") {
        Fact::Unknown(why.to_owned())
    } else {
        Fact::Value(Vec::new())
    }
}

/// Sends one batch and matches what comes back to its statements.
/// Sends one batch and matches what comes back to its statements; `false` when the connection
/// may not be used again (the server stopped answering).
async fn run(
    client: &mut Connection,
    statements: &[Statement],
    limit: Duration,
) -> (Vec<Answer>, bool) {
    let text = queries::batch_text(statements);
    let silent = format!("no answer within {} s", limit.as_secs());
    // tiberius's own command timeout (`limit`, per read) fires first and marks the connection
    // out of step; this one only bounds a server that trickles.
    let (sets, error, usable) = match timeout(limit * 4, collect(client, &text)).await {
        Ok((
            sets,
            Some(TdsError::Io {
                kind: IoErrorKind::TimedOut,
                ..
            }),
        )) => (sets, Some(silent), false),
        Ok((sets, error)) => (sets, error.as_ref().map(batch_words), true),
        Err(_) => (Vec::new(), Some(silent), false),
    };
    (
        facts::match_answers(statements, sets, error.as_deref()),
        usable,
    )
}

/// Every result set of a batch, item by item so rows before an error are kept, and the
/// batch's error (tiberius reports a statement's error once the whole answer has been read).
async fn collect(client: &mut Connection, text: &str) -> (Vec<ResultSet>, Option<TdsError>) {
    let mut stream = match client.simple_query(text).await {
        Ok(s) => s,
        Err(e) => return (Vec::new(), Some(e)),
    };
    let mut sets: Vec<ResultSet> = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(QueryItem::Metadata(meta)) => sets.push(ResultSet {
                columns: meta.columns().iter().map(|c| c.name().to_owned()).collect(),
                rows: Vec::new(),
            }),
            Ok(QueryItem::Row(row)) => {
                if let Some(set) = sets.last_mut() {
                    set.rows.push(row.cells().map(|(_, d)| cell(d)).collect());
                }
            }
            Err(e) => return (sets, Some(e)),
        }
    }
    (sets, None)
}

fn batch_words(e: &TdsError) -> String {
    match e {
        TdsError::Server(t) => format!("SQL Server error {}: {}", t.code(), t.message()),
        other => other.to_string(),
    }
}

fn cell(data: &ColumnData<'_>) -> Cell {
    let int = |n: Option<i64>| n.map_or(Cell::Null, Cell::Int);
    match data {
        ColumnData::U8(n) => int(n.map(i64::from)),
        ColumnData::I16(n) => int(n.map(i64::from)),
        ColumnData::I32(n) => int(n.map(i64::from)),
        ColumnData::I64(n) => int(*n),
        ColumnData::Bit(b) => int(b.map(i64::from)),
        ColumnData::String(s) => s.as_ref().map_or(Cell::Null, |s| Cell::Text(s.to_string())),
        // The probe casts every column to nvarchar or int; anything else is unexpected and
        // read as missing rather than guessed at.
        _ => Cell::Null,
    }
}
