//! The scripted TDS test server (`common::tds_server`) against the real tiberius client: every
//! encryption combination, certificate trust, refused logins, result sets of every column type,
//! guarded and unguarded errors, stalls and named instances through SQL Browser. If these pass,
//! what the SQL probe's tests see from the server is what tiberius makes of real protocol bytes.

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use common::tds_server::{
    Answer, ColType, Column, Identity, Scenario, ServerEncryption, TdsServer, Value, start_browser,
};
use futures_util::TryStreamExt;
use tiberius::{AuthMethod, Client, Config, EncryptionLevel, QueryItem, SqlBrowser};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

/// Longest any one step may take; each test as a whole stays far below it.
const STEP: Duration = Duration::from_secs(5);

type Conn = Client<Compat<TcpStream>>;

/// SQL login probe / Secret-1, certificate not checked, to the server's address.
fn config(server: &TdsServer, encryption: EncryptionLevel) -> Config {
    let mut config = Config::new();
    config.host(server.addr().ip().to_string());
    config.port(server.addr().port());
    config.authentication(AuthMethod::sql_server("probe", "Secret-1"));
    config.encryption(encryption);
    config.application_name("preflight-tests");
    config.trust_cert();
    config
}

/// Boxed: tiberius's connect future is large (clippy `large_futures`).
async fn connect(config: Config) -> tiberius::Result<Conn> {
    let tcp = timeout(STEP, TcpStream::connect(config.get_addr()))
        .await
        .expect("TCP connect within the step")?;
    tcp.set_nodelay(true)?;
    timeout(STEP, Box::pin(Client::connect(config, tcp.compat_write())))
        .await
        .expect("login within the step")
}

async fn results(client: &mut Conn, sql: &str) -> tiberius::Result<Vec<Vec<tiberius::Row>>> {
    timeout(STEP, async {
        client.simple_query(sql).await?.into_results().await
    })
    .await
    .expect("batch answered within the step")
}

fn server_code(err: &tiberius::error::Error) -> Option<u32> {
    match err {
        tiberius::error::Error::Server(token) => Some(token.code()),
        _ => None,
    }
}

/// A scenario that answers a tagless batch with one row, `one` = 1.
fn answering() -> Scenario {
    Scenario::new().with_answer(
        "",
        Answer::rows(vec![Column::int("one")], vec![vec![1.into()]]),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Logged in; then TLS handshakes seen, and whether the session stayed encrypted.
    Session { handshakes: usize, encrypted: bool },
    /// tiberius gives up before any login reaches the server.
    Fails,
}

#[tokio::test]
async fn every_encryption_combination_negotiates_as_sql_server_and_tiberius_agree() {
    use EncryptionLevel as C;
    use Expect::{Fails, Session};
    use ServerEncryption as S;
    let plain = Session {
        handshakes: 0,
        encrypted: false,
    };
    let login_only = Session {
        handshakes: 1,
        encrypted: false,
    };
    let full = Session {
        handshakes: 1,
        encrypted: true,
    };
    let table = [
        (S::NotSupported, C::NotSupported, plain),
        // tiberius maps (client Off, server NOT_SUP) to "encrypt" and starts a TLS handshake the
        // server never agreed to; the server hangs up on the unexpected PRELOGIN.
        (S::NotSupported, C::Off, Fails),
        (S::NotSupported, C::On, Fails),
        (S::NotSupported, C::Required, Fails),
        (S::Off, C::NotSupported, plain),
        (S::Off, C::Off, login_only),
        (S::Off, C::On, full),
        (S::Off, C::Required, full),
        (S::On, C::NotSupported, plain),
        (S::On, C::Off, full),
        (S::On, C::On, full),
        (S::On, C::Required, full),
        (S::Required, C::NotSupported, Fails),
        (S::Required, C::Off, full),
        (S::Required, C::On, full),
        (S::Required, C::Required, full),
    ];
    for (server_mode, client_level, expect) in table {
        let case = format!("server {server_mode:?}, client {client_level:?}");
        let server = TdsServer::start(answering().with_encryption(server_mode));
        let outcome = connect(config(&server, client_level)).await;
        let log = server.log();
        match (expect, outcome) {
            (
                Session {
                    handshakes,
                    encrypted,
                },
                Ok(mut client),
            ) => {
                let rows = results(&mut client, "SELECT 1 AS one")
                    .await
                    .unwrap_or_else(|e| panic!("{case}: batch after login: {e}"));
                assert_eq!(rows[0][0].get::<i32, _>("one"), Some(1), "{case}");
                let log = server.log();
                assert_eq!(log.tls_handshakes, handshakes, "{case}: {log:?}");
                assert_eq!(log.logins.len(), 1, "{case}: {log:?}");
                assert!(log.logins[0].accepted, "{case}");
                assert_eq!(log.logins[0].encrypted_after_login, encrypted, "{case}");
                assert_eq!(log.batches, ["SELECT 1 AS one"], "{case}");
            }
            (Fails, Err(e)) => {
                assert_eq!(log.prelogins, 1, "{case}: {e}");
                assert!(
                    log.logins.is_empty(),
                    "{case}: a login got through: {log:?}"
                );
            }
            (expect, outcome) => panic!("{case}: expected {expect:?}, got {outcome:?}"),
        }
    }
}

#[tokio::test]
async fn client_that_requires_encryption_is_refused_by_a_server_without_tls() {
    let server = TdsServer::start(Scenario::new().with_encryption(ServerEncryption::NotSupported));
    let err = connect(config(&server, EncryptionLevel::Required))
        .await
        .expect_err("no TLS, no session");
    assert!(
        matches!(&err, tiberius::error::Error::Protocol(m) if m.contains("encryption level")),
        "{err:?}"
    );
    let log = server.log();
    assert_eq!(
        (log.connections, log.prelogins, log.tls_handshakes),
        (1, 1, 0)
    );
    assert!(log.logins.is_empty());
}

#[tokio::test]
async fn server_without_a_certificate_fails_the_tls_handshake() {
    let server = TdsServer::start(Scenario::new().with_identity(None));
    let err = connect(config(&server, EncryptionLevel::Required))
        .await
        .expect_err("no certificate, no TLS");
    assert!(
        matches!(
            &err,
            tiberius::error::Error::Tls(_) | tiberius::error::Error::Io { .. }
        ),
        "{err:?}"
    );
    assert_eq!(server.log().tls_handshakes, 0);
}

#[tokio::test]
async fn self_signed_certificate_is_trusted_through_trust_cert_ca_and_refused_without() {
    let identity = Identity::self_signed(&["localhost", "127.0.0.1"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("server.pem");
    std::fs::write(&ca, identity.cert_pem()).expect("write the CA file");
    let server = TdsServer::start(
        answering()
            .with_encryption(ServerEncryption::Required)
            .with_identity(Some(identity)),
    );
    let base = || {
        let mut config = Config::new();
        config.host("127.0.0.1");
        config.port(server.addr().port());
        config.authentication(AuthMethod::sql_server("probe", "Secret-1"));
        config.encryption(EncryptionLevel::Required);
        config
    };

    let mut trusted = base();
    trusted.trust_cert_ca(ca.display().to_string());
    let mut client = connect(trusted)
        .await
        .expect("the CA file makes it trusted");
    let rows = results(&mut client, "SELECT 1 AS one")
        .await
        .expect("batch");
    assert_eq!(rows[0][0].get::<i32, _>(0), Some(1));

    // Same certificate, but the name asked for is not in it.
    let mut wrong_name = base();
    wrong_name.trust_cert_ca(ca.display().to_string());
    wrong_name.hostname_in_certificate("db.example.test");
    let err = connect(wrong_name).await.expect_err("name mismatch");
    assert!(matches!(&err, tiberius::error::Error::Tls(_)), "{err:?}");

    // System roots only: a self-signed certificate is not trusted.
    let err = connect(base()).await.expect_err("untrusted");
    assert!(
        matches!(&err, tiberius::error::Error::Tls(m) if m.contains("certificate")),
        "{err:?}"
    );

    let log = server.log();
    assert_eq!(
        log.tls_handshakes, 1,
        "only the trusted handshake completes: {log:?}"
    );
    assert_eq!(log.logins.len(), 1);
}

#[tokio::test]
async fn login_is_logged_without_its_password_on_ipv4_and_ipv6() {
    for ip in [
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ] {
        let server = TdsServer::start_on(
            ip,
            answering()
                .with_login("Auditor", "pa55-word")
                .with_database("Reports")
                .with_version((15, 0, 2000)),
        );
        assert_eq!(server.addr().ip(), ip);
        let mut config = config(&server, EncryptionLevel::Off);
        config.authentication(AuthMethod::sql_server("auditor", "pa55-word"));
        config.database("reports");
        let mut client = connect(config)
            .await
            .expect("user names are case-insensitive");
        results(&mut client, "SELECT 1 AS one")
            .await
            .expect("batch");
        let log = server.log();
        assert_eq!(log.connections, 1);
        assert_eq!(log.prelogins, 1);
        assert_eq!(log.logins.len(), 1);
        let seen = &log.logins[0];
        assert_eq!(seen.user, "auditor");
        assert_eq!(seen.database, "reports");
        assert_eq!(seen.app_name, "preflight-tests");
        assert!(seen.accepted);
        assert!(!format!("{log:?}").contains("pa55"), "{log:?}");
    }
}

#[tokio::test]
async fn wrong_password_is_error_18456_and_the_connection_ends() {
    let server = TdsServer::start(Scenario::new());
    let mut config = config(&server, EncryptionLevel::Required);
    config.authentication(AuthMethod::sql_server("probe", "not-the-password"));
    let err = connect(config).await.expect_err("refused");
    assert_eq!(server_code(&err), Some(18456), "{err:?}");
    let tiberius::error::Error::Server(token) = &err else {
        unreachable!()
    };
    assert_eq!(token.message(), "Login failed for user 'probe'.");
    assert_eq!((token.class(), token.state()), (14, 1));
    let log = server.log();
    assert_eq!(log.logins.len(), 1);
    assert!(!log.logins[0].accepted);
    assert!(!format!("{log:?}").contains("not-the-password"));

    let mut unknown = self::config(&server, EncryptionLevel::Required);
    unknown.authentication(AuthMethod::sql_server("nobody", "Secret-1"));
    let err = connect(unknown).await.expect_err("unknown user");
    assert_eq!(server_code(&err), Some(18456), "{err:?}");
}

#[tokio::test]
async fn missing_database_is_error_4060() {
    let server = TdsServer::start(Scenario::new().with_database("Sales"));
    let mut config = config(&server, EncryptionLevel::Required);
    config.database("Stock");
    let err = connect(config).await.expect_err("no such database");
    assert_eq!(server_code(&err), Some(4060), "{err:?}");
    let tiberius::error::Error::Server(token) = &err else {
        unreachable!()
    };
    assert_eq!(
        token.message(),
        "Cannot open database \"Stock\" requested by the login. The login failed."
    );
    let log = server.log();
    assert_eq!(log.logins[0].database, "Stock");
    assert!(!log.logins[0].accepted);
}

#[tokio::test]
async fn two_segment_batch_returns_every_column_type_with_nulls() {
    let scenario = Scenario::new()
        .with_answer(
            "kinds",
            Answer::rows(
                vec![
                    Column::text("name"),
                    Column::int("small"),
                    Column::bigint("large"),
                    Column::bit("flag"),
                ],
                vec![
                    vec![
                        "Ünïcode ✓".into(),
                        (-7).into(),
                        (1_i64 << 40).into(),
                        true.into(),
                    ],
                    vec![Value::Null, Value::Null, Value::Null, Value::Null],
                    vec!["".into(), i32::MAX.into(), i64::MIN.into(), false.into()],
                ],
            ),
        )
        .with_answer(
            "version",
            Answer::text("v", "Microsoft SQL Server 2016 (SP2)"),
        );
    let server = TdsServer::start(scenario);
    let mut client = connect(config(&server, EncryptionLevel::Required))
        .await
        .expect("login");
    let batch = "SET NOCOUNT ON;\n-- preflight:kinds\nSELECT name, small, large, flag FROM t;\n\
                 -- preflight:version\nSELECT @@VERSION AS v;\n";
    let sets = results(&mut client, batch).await.expect("batch");
    assert_eq!(sets.len(), 2);

    let kinds = &sets[0];
    assert_eq!(kinds.len(), 3);
    let names: Vec<&str> = kinds[0]
        .columns()
        .iter()
        .map(tiberius::Column::name)
        .collect();
    assert_eq!(names, ["name", "small", "large", "flag"]);
    let types: Vec<_> = kinds[0]
        .columns()
        .iter()
        .map(tiberius::Column::column_type)
        .collect();
    assert_eq!(
        types,
        [
            tiberius::ColumnType::NVarchar,
            tiberius::ColumnType::Int4,
            tiberius::ColumnType::Int8,
            tiberius::ColumnType::Bitn
        ]
    );
    assert_eq!(kinds[0].get::<&str, _>("name"), Some("Ünïcode ✓"));
    assert_eq!(kinds[0].get::<i32, _>("small"), Some(-7));
    assert_eq!(kinds[0].get::<i64, _>("large"), Some(1 << 40));
    assert_eq!(kinds[0].get::<bool, _>("flag"), Some(true));
    assert_eq!(kinds[1].get::<&str, _>(0), None);
    assert_eq!(kinds[1].get::<i32, _>(1), None);
    assert_eq!(kinds[1].get::<i64, _>(2), None);
    assert_eq!(kinds[1].get::<bool, _>(3), None);
    assert_eq!(kinds[2].get::<&str, _>(0), Some(""));
    assert_eq!(kinds[2].get::<i32, _>(1), Some(i32::MAX));
    assert_eq!(kinds[2].get::<i64, _>(2), Some(i64::MIN));
    assert_eq!(kinds[2].get::<bool, _>(3), Some(false));

    assert_eq!(
        sets[1][0].get::<&str, _>("v"),
        Some("Microsoft SQL Server 2016 (SP2)")
    );
    assert_eq!(server.log().batches, [batch]);

    // The connection stays usable for the next batch.
    let again = results(&mut client, "-- preflight:version\nSELECT @@VERSION AS v;")
        .await
        .expect("login");
    assert_eq!(again.len(), 1);
    assert_eq!(server.log().batches.len(), 2);
}

#[tokio::test]
async fn error_in_a_guarded_segment_comes_back_as_the_catch_result_set() {
    let server = TdsServer::start(Scenario::new().with_answer(
        "perm",
        Answer::Error {
            number: 297,
            class: 16,
            state: 1,
            message: "The user does not have permission to perform this action.".into(),
        },
    ));
    let mut client = connect(config(&server, EncryptionLevel::Required))
        .await
        .expect("login");
    let batch = "-- preflight:perm\nbegin try\n  SELECT * FROM sys.dm_os_sys_info;\nEND TRY\n\
                 BEGIN CATCH\n  SELECT N'perm' AS preflight_tag, ERROR_NUMBER() AS preflight_error_number, \
                 ERROR_MESSAGE() AS preflight_error_message;\nEND CATCH\n";
    let sets = results(&mut client, batch)
        .await
        .expect("no error surfaces");
    assert_eq!(sets.len(), 1);
    let row = &sets[0][0];
    let names: Vec<&str> = row.columns().iter().map(tiberius::Column::name).collect();
    assert_eq!(
        names,
        [
            "preflight_tag",
            "preflight_error_number",
            "preflight_error_message"
        ]
    );
    assert_eq!(row.get::<&str, _>("preflight_tag"), Some("perm"));
    assert_eq!(row.get::<i32, _>("preflight_error_number"), Some(297));
    assert_eq!(
        row.get::<&str, _>("preflight_error_message"),
        Some("The user does not have permission to perform this action.")
    );
}

#[tokio::test]
async fn unguarded_error_surfaces_after_the_other_segments_rows() {
    let server = TdsServer::start(
        Scenario::new()
            .with_answer("first", Answer::text("a", "one"))
            .with_answer(
                "broken",
                Answer::error(208, "Invalid object name 'nowhere'."),
            )
            .with_answer("third", Answer::text("c", "three")),
    );
    let mut client = connect(config(&server, EncryptionLevel::Required))
        .await
        .expect("login");
    let batch = "-- preflight:first\nSELECT 'one' AS a;\n-- preflight:broken\nSELECT * FROM nowhere;\n\
                 -- preflight:third\nSELECT 'three' AS c;\n";
    let seen = timeout(STEP, async {
        let mut stream = client.simple_query(batch).await?;
        let mut seen = Vec::new();
        loop {
            match stream.try_next().await {
                Ok(Some(QueryItem::Metadata(meta))) => seen.push(format!(
                    "set {} ({})",
                    meta.result_index(),
                    meta.columns()[0].name()
                )),
                Ok(Some(QueryItem::Row(row))) => {
                    seen.push(format!("row {}", row.get::<&str, _>(0).unwrap_or("NULL")));
                }
                Ok(None) => {
                    seen.push("end".to_owned());
                    break;
                }
                Err(e) => {
                    seen.push(format!("error {:?}", server_code(&e)));
                    break;
                }
            }
        }
        tiberius::Result::Ok(seen)
    })
    .await
    .expect("answered within the step")
    .expect("stream read");
    // tiberius holds a server error back until the whole response is read: the rows of the
    // segments on both sides of the failed one arrive first.
    assert_eq!(
        seen,
        [
            "set 0 (a)",
            "row one",
            "set 1 (c)",
            "row three",
            "error Some(208)"
        ]
    );

    // into_results() therefore loses the rows: it returns only the error.
    let err = results(&mut client, batch).await.expect_err("error");
    assert_eq!(server_code(&err), Some(208));

    // A forgotten answer is an error naming the tag.
    let err = results(&mut client, "-- preflight:forgotten\nSELECT 1;")
        .await
        .expect_err("unscripted");
    let tiberius::error::Error::Server(token) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(token.code(), 50000);
    assert_eq!(
        token.message(),
        "tds test server: no answer scripted for 'forgotten'"
    );
}

#[tokio::test]
async fn stall_runs_into_the_command_timeout_after_earlier_segments_arrive() {
    let server = TdsServer::start(
        Scenario::new()
            .with_answer("quick", Answer::text("a", "here"))
            .with_answer("hang", Answer::Stall),
    );
    let mut config = config(&server, EncryptionLevel::Required);
    config.command_timeout(Some(Duration::from_millis(300)));
    let mut client = connect(config).await.expect("login");
    let started = Instant::now();
    let err = timeout(
        STEP,
        client.simple_query("-- preflight:hang\nWAITFOR DELAY '01:00';"),
    )
    .await
    .expect("tiberius times out before the step")
    .expect_err("stalled");
    assert!(
        matches!(&err, tiberius::error::Error::Io { kind, .. } if *kind == std::io::ErrorKind::TimedOut),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // On a fresh connection: the segment before the stall is delivered, then the timeout.
    let mut client = connect(self::config(&server, EncryptionLevel::Required))
        .await
        .expect("login");
    let mut stream = timeout(
        STEP,
        client.simple_query("-- preflight:quick\nSELECT 1;\n-- preflight:hang\nSELECT 2;"),
    )
    .await
    .expect("in time")
    .expect("the first result set arrives");
    let first = timeout(STEP, stream.try_next())
        .await
        .expect("in time")
        .expect("next item");
    assert!(matches!(first, Some(QueryItem::Metadata(_))));
    let row = timeout(STEP, stream.try_next())
        .await
        .expect("in time")
        .expect("next item");
    assert_eq!(
        row.and_then(QueryItem::into_row)
            .expect("a row")
            .get::<&str, _>(0),
        Some("here")
    );
    // No command_timeout on this client: the test's own timeout is what ends the wait.
    assert!(
        timeout(Duration::from_millis(300), stream.try_next())
            .await
            .is_err()
    );

    // Dropping the server closes the stalled connection at once, under the client's feet.
    assert_eq!(server.log().batches.len(), 2);
    let stopping = Instant::now();
    drop(server);
    assert!(
        stopping.elapsed() < Duration::from_secs(1),
        "drop does not wait for stalled connections"
    );
    let after = timeout(STEP, stream.try_next())
        .await
        .expect("the closed socket ends the wait");
    assert!(after.is_err(), "{after:?}");
}

#[tokio::test]
async fn named_instance_resolves_through_the_browser() {
    // An address of its own, so no other test's browser holds its port 1434.
    let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 143, 4));
    let server = TdsServer::start_on(ip, answering());
    let _browser = start_browser(ip, vec![("SQLEXPRESS".to_owned(), server.addr().port())]);

    let mut config = Config::new();
    config.host(ip.to_string());
    config.instance_name("sqlexpress");
    config.authentication(AuthMethod::sql_server("probe", "Secret-1"));
    config.encryption(EncryptionLevel::Required);
    config.trust_cert();
    let tcp = timeout(STEP, TcpStream::connect_named(&config))
        .await
        .expect("browser answered within the step")
        .expect("instance resolved");
    assert_eq!(tcp.peer_addr().expect("peer address"), server.addr());
    let mut client = timeout(
        STEP,
        Box::pin(Client::connect(config.clone(), tcp.compat_write())),
    )
    .await
    .expect("in time")
    .expect("login through the resolved port");
    let rows = results(&mut client, "SELECT 1 AS one")
        .await
        .expect("batch");
    assert_eq!(rows[0][0].get::<i32, _>(0), Some(1));

    // An instance the browser does not know: no reply, tiberius gives up after its 1 s.
    let mut unknown = config;
    unknown.instance_name("NOPE");
    let err = timeout(STEP, TcpStream::connect_named(&unknown))
        .await
        .expect("tiberius gives up within the step")
        .expect_err("unknown instance");
    assert!(err.to_string().contains("NOPE"), "{err}");
}

#[test]
fn scenario_defaults_and_validation() {
    let scenario = Scenario::default();
    assert_eq!(
        scenario.logins,
        [("probe".to_owned(), "Secret-1".to_owned())]
    );
    assert_eq!(scenario.encryption, ServerEncryption::Off);
    assert!(scenario.identity.is_some());
    assert_eq!(scenario.version, (13, 0, 5026));
    assert!(scenario.answers.is_empty());
    assert_eq!(Column::bigint("n").ty, ColType::BigInt);
    assert_eq!(Value::from(None::<i32>), Value::Null);

    let bad = Scenario::new().with_answer(
        "x",
        Answer::rows(vec![Column::int("n")], vec![vec![Value::Int(i64::MAX)]]),
    );
    let panic = std::panic::catch_unwind(|| TdsServer::start(bad)).expect_err("refused");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("cannot be sent"), "{message}");
}
