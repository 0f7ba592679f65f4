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
/// what could not be read. Never panics on what the server sends. Bounded: the connection, the
/// server's PRELOGIN answer and the login together within the connect timeout (one deadline,
/// not one per step), then each batch within four query timeouts.
pub async fn probe(target: &Target, opts: &Options) -> SqlFacts {
    let start = Instant::now();
    let mut facts = match Box::pin(connect(target, opts)).await {
        Ok((mut client, address, prelogin)) => {
            let mut facts = read(&mut client, opts).await;
            facts.address = Some(address);
            facts.prelogin = prelogin;
            // A clean goodbye; the facts are in whatever it says.
            let _ = timeout(Duration::from_secs(1), client.close()).await;
            facts
        }
        Err(failed) => {
            let mut facts = SqlFacts::unreachable("", None, &failed.words);
            facts.address = failed.reached;
            // Where a server answered PRELOGIN, its own words on encryption and its version,
            // even when the login was refused.
            facts.prelogin = failed.prelogin;
            facts
        }
    };
    facts.server = target.to_string();
    facts.user = opts.auth.user().map(str::to_owned);
    facts.ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    facts
}

/// Why `connect` failed, the address it reached first, if any, and what that server said of
/// itself before the login, if it did.
struct Failed {
    words: String,
    reached: Option<String>,
    prelogin: Option<Prelogin>,
}

impl From<String> for Failed {
    fn from(words: String) -> Self {
        Self {
            words,
            reached: None,
            prelogin: None,
        }
    }
}

/// Asks `addr` the PRELOGIN question that tells "forced", "offered" and "not offered" apart,
/// on a connection of its own, by `deadline`. On failure, what the server did instead, in words
/// that follow its address ("accepted the connection but …").
async fn prelogin(
    addr: SocketAddr,
    deadline: Instant,
    bound: Duration,
) -> Result<Prelogin, String> {
    use crate::probe::tls::tds::{self, Failed as F};
    let mut stream = match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return Err(format!(
                "accepted one connection, then refused the next: {e}"
            ));
        }
        Err(_) => {
            return Err(format!(
                "did not accept a second connection within {}",
                secs(bound)
            ));
        }
    };
    let _ = stream.set_nodelay(true);
    let opened = tds::open(&mut stream, tds::Encryption::Off, deadline).await;
    // A client that gives up after PRELOGIN is ordinary to a server; closing politely keeps it
    // out of the server's error log.
    let _ =
        tokio::time::timeout_at(deadline, tokio::io::AsyncWriteExt::shutdown(&mut stream)).await;
    let p = opened.map(|o| o.prelogin).map_err(|f| match f {
        F::TimedOut => format!(
            "accepted the connection but said nothing within {}: a SQL Server answers at once, \
             so the service is hung or another program holds the port",
            secs(bound)
        ),
        F::Closed => "accepted the connection and closed it without answering: not a SQL \
                      Server, or one that takes only strict encryption (TDS 8.0)"
            .to_owned(),
        F::Reset(e) => format!("accepted the connection and reset it without answering ({e})"),
        F::Io(e) => format!("accepted the connection, then the exchange failed: {e}"),
        F::Words(w) => format!(
            "accepted the connection but sent bytes that are not TDS, SQL Server's protocol \
             ({w}): is another service on that port?"
        ),
    })?;
    Ok(Prelogin {
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

/// "3 s", "1.5 s".
fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
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
/// or an Azure gateway), all by one deadline: the connect timeout is the bound of the whole,
/// not of each step. Before the login, the server is asked PRELOGIN on a connection of its
/// own, so a server that says nothing, or something that is not TDS, is named for what it did
/// (the SQL library would only say its handshake timed out).
async fn connect(
    target: &Target,
    opts: &Options,
) -> Result<(Connection, String, Option<Prelogin>), Failed> {
    let bound = opts.connect_timeout;
    let deadline = Instant::now() + bound;
    let mut host = target.host.clone();
    let mut port = target.port;
    let mut said = None;
    for _ in 0..2 {
        let mut config = config(target, &host, port, opts);
        let tcp = tokio::time::timeout_at(deadline, open(target, &host, port, opts))
            .await
            .map_err(|_| {
                format!(
                    "{} did not answer within {}",
                    shown(target, &host, port),
                    secs(bound)
                )
            })??;
        let peer = tcp.peer_addr().ok();
        let address = peer.map_or_else(|| config.get_addr(), |a| a.to_string());
        let failed = |words: String, prelogin: Option<Prelogin>| Failed {
            words,
            reached: Some(address.clone()),
            prelogin,
        };
        if let Some(peer) = peer {
            match prelogin(peer, deadline, bound).await {
                Ok(p) => said = Some(p),
                Err(words) => return Err(failed(format!("{address} {words}"), None)),
            }
        }
        let _ = tcp.set_nodelay(true);
        let left = deadline.saturating_duration_since(Instant::now());
        config.handshake_timeout(Some(left.max(Duration::from_millis(1))));
        let login_hung = |said: &Option<Prelogin>| {
            let who = match said.as_ref().map(|p| (&p.product, &p.version)) {
                Some((Some(product), Some(v))) => format!("{product} ({v})"),
                Some((None, Some(v))) => format!("SQL Server {v}"),
                _ => "a SQL Server".to_owned(),
            };
            format!(
                "{address} answered as {who}, then stopped answering: the TLS handshake and \
                 login did not finish within {} (the server may be overloaded or hung; its \
                 error log says why)",
                secs(bound)
            )
        };
        match Box::pin(tokio::time::timeout_at(
            deadline,
            Client::connect(config, tcp.compat_write()),
        ))
        .await
        {
            // The deadline, or the library's own handshake timer set to the time left: the
            // same bound either way.
            Err(_)
            | Ok(Err(TdsError::Io {
                kind: IoErrorKind::TimedOut,
                ..
            })) => return Err(failed(login_hung(&said), said)),
            Ok(Ok(client)) => return Ok((client, address, said)),
            Ok(Err(TdsError::Routing {
                host: to_host,
                port: to_port,
            })) => {
                host = to_host;
                port = Some(to_port);
            }
            Ok(Err(e)) => {
                let words = connect_words(&e, target, &host, port, opts);
                return Err(failed(words, said));
            }
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
        TdsError::Io { kind, message } => io_words(*kind, &plain(message), target, &at, host),
        TdsError::Tls(message) => tls_words(&at, message),
        TdsError::Server(token) => login_words(token.code(), token.message(), user),
        TdsError::Conversion(m) if m.contains("browser") => format!(
            "{at}: the SQL Server Browser on {host} (UDP 1434) did not name the instance: is the \
             SQL Server Browser service running, UDP 1434 open and the instance name right? Or \
             give the instance's port as HOST:PORT"
        ),
        TdsError::Protocol(m) => format!(
            "{at} does not speak SQL Server's protocol as expected: {}",
            plain(m)
        ),
        other => format!("{at}: {}", plain(&other.to_string())),
    }
}

/// The library's message without the advice it adds for its own developers (turning on its
/// tracing, changing a setting of its API): the user of preflight can do neither.
fn plain(message: &str) -> String {
    let cut = [
        "Enable `tracing`",
        "Enable tracing",
        "`Config::",
        "Config::",
    ]
    .iter()
    .filter_map(|m| message.find(m))
    .min()
    .unwrap_or(message.len());
    // Back to the end of the sentence before the advice.
    let kept = &message[..cut];
    let kept = match kept.rfind(['.', ';']) {
        Some(end) if cut < message.len() => &kept[..end],
        _ => kept,
    };
    kept.trim().trim_end_matches([',', ';']).to_owned()
}

/// A failure on the connection itself, in words.
fn io_words(kind: IoErrorKind, message: &str, target: &Target, at: &str, host: &str) -> String {
    match kind {
        IoErrorKind::ConnectionRefused => format!(
            "{at}: connection refused: nothing listens on that port (is the SQL Server \
                 service running, TCP/IP enabled, the port right?)"
        ),
        IoErrorKind::NotFound if target.instance.is_some() => {
            format!("{at}: the SQL Server Browser did not name the instance: {message}")
        }
        IoErrorKind::InvalidData if message.contains("alert") => tls_words(at, message),
        IoErrorKind::UnexpectedEof if message.contains("tls") => format!(
            "{at}: the server closed the connection during the TLS handshake: it may offer \
                 no encryption at all, and the login's password is never sent unencrypted \
                 ({message})"
        ),
        // Only the connection's own attempt gets here (the login's timer is the deadline's,
        // worded where it fires): the port never answered.
        IoErrorKind::TimedOut => format!(
            "{at}: the port did not answer (a firewall dropping the packets, or the host is \
                 down): {message}"
        ),
        _ if is_name_error(message) => {
            format!("{host}: host not found: {message}")
        }
        _ => format!("{at}: {message}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_libraries_advice_to_its_developers_is_cut() {
        // tiberius 0.12's words when its handshake timer fires.
        let m = "the connection handshake (prelogin, TLS negotiation and login) did not complete \
                 within 3s; the server accepted the TCP connection but did not finish the \
                 handshake in time (it may have stalled, or be responding too slowly for the \
                 configured bound). Enable `tracing` at DEBUG to see which stage was last \
                 reached, or change the bound with `Config::handshake_timeout`.";
        let kept = plain(m);
        assert!(kept.ends_with("configured bound)"), "{kept}");
        assert!(
            !kept.contains("tracing") && !kept.contains("Config::"),
            "{kept}"
        );
        assert_eq!(
            plain("login failed for user 'sa'."),
            "login failed for user 'sa'."
        );
    }

    #[test]
    fn seconds_in_words() {
        assert_eq!(secs(Duration::from_secs(3)), "3 s");
        assert_eq!(secs(Duration::from_millis(1500)), "1.5 s");
    }
}
