//! Figures for the SQL probe: how long the whole probe of a SQL Server takes and how many round
//! trips it costs the server, against the TDS test server on loopback (the scenario of a healthy
//! AlwaysOn Spok site from `tests/common/sql_site.rs`). Run with
//!
//! ```text
//! cargo bench --bench sql
//! ```
//!
//! Measured, each as the median of several runs after one unmeasured run:
//!
//! - the binary (`preflight sql --server 127.0.0.1:PORT --user probe --database … --format
//!   json --trust-server-certificate`), wall time from spawn to exit: what a consultant waits;
//! - the probe in-process (`preflight::probe::sql::probe`): connect, PRELOGIN, TLS, LOGIN7 and
//!   the two batches, without the process start;
//! - the peer: the same statements sent the way a DBA's script or a monitoring tool usually
//!   does, one query per round trip, over the same tiberius client and login (each statement
//!   its own batch, guarded the same way), so only the batching differs.
//!
//! The server's log says what each probe cost it: connections, PRELOGINs, TLS handshakes,
//! logins and batches. Nothing leaves loopback.

#[path = "../tests/common/sql_site.rs"]
#[expect(dead_code, reason = "the bench uses the healthy site only")]
mod sql_site;
#[path = "../tests/common/tds_server.rs"]
#[expect(dead_code, reason = "the bench uses part of the test server's API")]
mod tds_server;

use std::process::Command;
use std::time::{Duration, Instant};

use preflight::probe::sql::{self, Auth, Target, Trust, checks, queries};
use tds_server::TdsServer;
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncWriteCompatExt as _;

const RUNS: usize = 15;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn options() -> sql::Options {
    let mut o = sql::Options::new(Auth::Sql {
        user: "probe".into(),
        password: sql_site::PASSWORD.into(),
    });
    o.trust = Trust::Any;
    let perms = [preflight::rules::SqlCheck::LoginPermissions {
        permissions: vec!["EXECUTE".into()],
        database: None,
    }];
    (o.permissions, o.databases) = checks::wanted(&perms, Some(sql_site::DB));
    o
}

/// The peer: every statement in a batch of its own.
async fn one_per_round_trip(addr: std::net::SocketAddr, o: &sql::Options) -> u32 {
    let mut config = Config::new();
    config.host(addr.ip());
    config.port(addr.port());
    config.database("master");
    config.encryption(EncryptionLevel::On);
    config.trust_cert();
    config.authentication(AuthMethod::sql_server("probe", sql_site::PASSWORD));
    let tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.set_nodelay(true).expect("nodelay");
    let mut client = Box::pin(Client::connect(config, tcp.compat_write()))
        .await
        .expect("login");
    let statements: Vec<queries::Statement> = [
        Some(queries::server()),
        queries::permissions(&o.permissions),
        queries::databases(&o.databases),
        Some(queries::replicas()),
        Some(queries::listeners()),
        Some(queries::mirroring()),
        Some(queries::backups(true)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut rows = 0;
    for s in &statements {
        let text = queries::batch_text(std::slice::from_ref(s));
        let sets = client
            .simple_query(text)
            .await
            .expect("query")
            .into_results()
            .await
            .expect("results");
        rows += sets.iter().map(Vec::len).sum::<usize>();
    }
    u32::try_from(rows).unwrap_or(u32::MAX)
}

/// What the server saw per run, averaged over `runs` runs between two logs.
fn per_run(before: &tds_server::Log, after: &tds_server::Log, runs: usize) -> [usize; 5] {
    let per = |a: usize, b: usize| (a - b).div_ceil(runs);
    [
        per(after.connections, before.connections),
        per(after.prelogins, before.prelogins),
        per(after.tls_handshakes, before.tls_handshakes),
        per(after.logins.len(), before.logins.len()),
        per(after.batches.len(), before.batches.len()),
    ]
}

/// Wall time of one `preflight sql` run, spawn to exit.
fn run_binary(addr: std::net::SocketAddr, dir: &std::path::Path) -> Duration {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args([
            "sql",
            "--server",
            &addr.to_string(),
            "--user",
            "probe",
            "--database",
            sql_site::DB,
            "--trust-server-certificate",
            "--format",
            "json",
        ])
        .env("PREFLIGHT_SQL_PASSWORD", sql_site::PASSWORD)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("HOME", dir)
        .output()
        .expect("run preflight");
    assert!(out.status.code().is_some(), "preflight was killed");
    start.elapsed()
}

fn main() {
    let server = TdsServer::start(sql_site::healthy());
    let addr = server.addr();
    let target = Target::parse(&addr.to_string()).expect("target");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let o = options();

    let facts = runtime.block_on(sql::probe(&target, &o));
    assert!(
        facts.connection_error.is_none(),
        "{:?}",
        facts.connection_error
    );
    let before = server.log();
    let in_process: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let f = runtime.block_on(sql::probe(&target, &o));
            assert!(f.connection_error.is_none());
            start.elapsed()
        })
        .collect();
    let [connections, prelogins, handshakes, logins, batches] =
        per_run(&before, &server.log(), RUNS);

    let rows = runtime.block_on(one_per_round_trip(addr, &o));
    let before = server.log();
    let one_by_one: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            runtime.block_on(one_per_round_trip(addr, &o));
            start.elapsed()
        })
        .collect();
    let peer_batches = per_run(&before, &server.log(), RUNS)[4];

    let dir = tempfile::tempdir().expect("tempdir");
    run_binary(addr, dir.path());
    let binary: Vec<Duration> = (0..RUNS).map(|_| run_binary(addr, dir.path())).collect();

    let (p, q, b) = (median(in_process), median(one_by_one), median(binary));
    println!(
        "SQL probe against the TDS test server (healthy AlwaysOn scenario), {RUNS} runs each\n"
    );
    println!(
        "per probe, as the server saw it: {connections} connection, {prelogins} PRELOGIN, \
         {handshakes} TLS handshake, {logins} login, {batches} SQL batches ({} statements)",
        facts.queries.len(),
    );
    // A TLS 1.2 handshake is two round trips; the extra PRELOGIN is the one that asks the
    // server, on a connection of its own, whether it forces encryption.
    println!(
        "round trips: {prelogins} PRELOGIN + {} for TLS 1.2 + {logins} LOGIN7 + {batches} batches = {}\n",
        2 * handshakes,
        prelogins + 2 * handshakes + logins + batches
    );
    println!("{:<52} {:>10} {:>8}", "", "median", "batches");
    println!(
        "{:<52} {:>8.2} ms {:>8}",
        "preflight sql (the binary, spawn to exit)",
        ms(b),
        batches
    );
    println!(
        "{:<52} {:>8.2} ms {:>8}",
        "preflight's probe in-process",
        ms(p),
        batches
    );
    println!(
        "{:<52} {:>8.2} ms {:>8}",
        "peer: one statement per round trip (same client)",
        ms(q),
        peer_batches
    );
    println!(
        "\nin-process: peer / preflight = {:.2}x ({rows} rows read by the peer); on a WAN every \
         batch costs a round trip more: {peer_batches} against {batches}",
        q.as_secs_f64() / p.as_secs_f64()
    );
}
