//! `preflight sql` and `preflight probe --only sql` against SQL Servers on loopback.
//!
//! No SQL Server can be installed on these machines. The catalog-view scenarios run against
//! the TDS test server in `common/tds_server.rs`: it speaks the real protocol to the real
//! tiberius client inside the real binary (PRELOGIN with encryption negotiation and TLS inside
//! PRELOGIN, LOGIN7, SQL batches, typed result sets, ERROR tokens) and answers each of the
//! probe's tagged statements as a scenario scripts it, the way SQL Server would answer the
//! statement on such a site. Connection, encryption and login failures are also checked
//! against pysqlbridge, a third-party TDS server (Python, installed by `.ci/run`).

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::sql_site::{
    DB, PASSWORD, backup, healthy, n, permissions, replica, server_row, t, table, with_replicas,
};
use common::tds_server::{Answer, ServerEncryption, TdsServer, Value};
use common::{Out, run_with_watchdog};
use preflight::probe::sql::queries;
use serde_json::Value as Json;

struct Run {
    out: Out,
    json: Json,
}

impl Run {
    /// The verdict and words of the checklist rule `rule` (as `preflight sql` prints it).
    fn check(&self, rule: &str) -> (String, String) {
        let c = self.json["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["check"].as_str() == Some(rule))
            .unwrap_or_else(|| panic!("no rule {rule}: {}", self.out.both()));
        (
            c["verdict"].as_str().expect("verdict").to_owned(),
            c["summary"].as_str().expect("summary").to_owned(),
        )
    }

    fn fact(&self, name: &str) -> &Json {
        &self.json["facts"][name]
    }
}

/// The binary with `password` in `PREFLIGHT_SQL_PASSWORD` (none when empty).
fn preflight(dir: &Path, password: &str, args: &[&str]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_preflight"));
    if password.is_empty() {
        cmd.env_remove("PREFLIGHT_SQL_PASSWORD");
    } else {
        cmd.env("PREFLIGHT_SQL_PASSWORD", password);
    }
    cmd.args(args)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("HOME", dir)
        .env("PREFLIGHT_USER", "tester");
    run_with_watchdog(cmd, "preflight")
}

fn sql_at(server: &str, password: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = vec![
        "sql",
        "--server",
        server,
        "--user",
        "probe",
        "--database",
        DB,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = preflight(dir.path(), password, &args);
    let json = json_of(&out);
    Run { out, json }
}

/// The command's standard output as JSON; the test fails with both streams if it is not.
fn json_of(out: &Out) -> Json {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.both()))
}

fn sql(server: &TdsServer, extra: &[&str]) -> Run {
    let mut args = vec!["--trust-server-certificate"];
    args.extend_from_slice(extra);
    sql_at(&server.addr().to_string(), PASSWORD, &args)
}

#[test]
fn a_healthy_alwayson_site_passes_every_rule_in_two_batches() {
    let server = TdsServer::start(healthy());
    let run = sql(&server, &[]);
    assert_eq!(run.out.code, 0, "{}", run.out.both());
    for rule in [
        "sql.version (supported=2014, 2016)",
        "sql.edition (required=Enterprise)",
        "sql.ag_exists",
        "sql.ag_synchronous_commit",
        "sql.ag_automatic_failover",
        "sql.ag_listener_subnets (min=2)",
        "sql.login_sysadmin",
        "sql.backup_age (backup=log; max_age_hours=1)",
        "sql.backup_age (backup=full; max_age_hours=24)",
        "sql.login_permissions (permissions=CREATE ANY DATABASE, ALTER ANY DATABASE, ALTER ANY LOGIN)",
        "sql.login_permissions (database=AmcomAmcPremiseCore; permissions=EXECUTE)",
    ] {
        assert_eq!(run.check(rule).0, "pass", "{rule}: {:?}", run.check(rule));
    }
    let (_, words) = run.check("sql.ag_listener_subnets (min=2)");
    assert!(words.contains("10.1.0.0/24, 10.2.0.0/24"), "{words}");
    assert_eq!(run.json["facts"]["encrypted"]["value"], true);
    assert_eq!(run.json["facts"]["batches"], 2);

    // What the DBA sees: one login, two batches, each statement tagged and read-only.
    let log = server.log();
    assert_eq!(log.logins.len(), 1);
    assert_eq!(log.logins[0].app_name, "preflight");
    assert_eq!(log.logins[0].database, "master");
    assert_eq!(log.batches.len(), 2, "{:#?}", log.batches);
    assert!(log.batches[0].contains("-- preflight:server"));
    assert!(log.batches[0].contains(&format!(
        "HAS_PERMS_BY_NAME(N'{DB}', N'DATABASE', N'EXECUTE')"
    )));
    for view in [
        "sys.availability_groups",
        "sys.dm_hadr_availability_replica_states",
        "sys.availability_group_listener_ip_addresses",
        "sys.database_mirroring",
        "msdb.dbo.backupset",
    ] {
        assert!(log.batches[1].contains(view), "{view}");
    }
    // The query behind each fact is in the evidence.
    let queries = run.fact("queries").as_array().expect("queries");
    assert!(queries.iter().any(|q| {
        q["tag"] == "ag_replicas"
            && q["outcome"] == "2 rows"
            && q["sql"]
                .as_str()
                .is_some_and(|s| s.contains("availability_mode_desc"))
    }));
}

#[test]
fn standard_edition_fails_alwayson_but_not_mirroring() {
    let server = TdsServer::start(healthy().with_answer(
        "server",
        server_row("12.0.6024.0", "Standard Edition (64-bit)", 2, n(0), true),
    ));
    let run = sql(&server, &[]);
    let (v, words) = run.check("sql.edition (required=Enterprise)");
    assert_eq!(v, "fail");
    assert!(
        words.contains("SQL Server 2014 is Standard Edition (64-bit), not Enterprise"),
        "{words}"
    );
    assert_eq!(
        run.check("sql.edition (required=Standard, Enterprise)").0,
        "pass"
    );
    assert_eq!(run.check("sql.ag_exists").0, "fail");
    // With HADR off the availability-group views are not asked.
    assert!(!server.log().batches[1].contains("sys.availability_groups"));
}

#[test]
fn asynchronous_commit_and_manual_failover_are_named() {
    let server = TdsServer::start(with_replicas(vec![
        replica("SQL1", "SYNCHRONOUS_COMMIT", "AUTOMATIC", "PRIMARY"),
        replica("SQL3", "ASYNCHRONOUS_COMMIT", "MANUAL", "SECONDARY"),
    ]));
    let run = sql(&server, &[]);
    let (v, words) = run.check("sql.ag_synchronous_commit");
    assert_eq!(v, "fail");
    assert!(
        words.contains("SQL3 in SPOKAG is ASYNCHRONOUS_COMMIT: asynchronous commit may result in message/data loss"),
        "{words}"
    );
    let (v, words) = run.check("sql.ag_automatic_failover");
    assert_eq!(v, "fail");
    assert!(words.contains("SQL3 in SPOKAG is MANUAL"), "{words}");
    // These rules are asked only for AlwaysOn sites, so they do not fail the command alone,
    // but the findings any server gets do.
    assert_eq!(run.out.code, 1, "{}", run.out.both());
}

#[test]
fn mirroring_without_a_witness_and_with_a_short_name() {
    let mirror = |partner: &str, witness: Value| {
        vec![
            t(DB),
            t("PRINCIPAL"),
            t("SYNCHRONIZED"),
            t("FULL"),
            t(partner),
            t("SQL2"),
            witness,
            Value::Null,
        ]
    };
    let server = TdsServer::start(healthy().with_answer(
        "mirroring",
        table(
            queries::MIRRORING_COLUMNS,
            vec![mirror("TCP://sql2.example.org:5022", Value::Null)],
        ),
    ));
    let run = sql(&server, &[]);
    let (v, words) = run.check("sql.mirroring_fqdn (to SQL mirroring partner)");
    assert_eq!(v, "warn");
    assert!(
        words.contains("has no witness: failover is manual only"),
        "{words}"
    );

    let server = TdsServer::start(healthy().with_answer(
        "mirroring",
        table(
            queries::MIRRORING_COLUMNS,
            vec![mirror(
                "TCP://SQL2:5022",
                t("TCP://witness.example.org:5022"),
            )],
        ),
    ));
    let (v, words) = sql(&server, &[]).check("sql.mirroring_fqdn (to SQL mirroring partner)");
    assert_eq!(v, "fail");
    assert!(words.contains("TCP://SQL2:5022"), "{words}");
}

#[test]
fn a_login_without_sysadmin_or_rights_fails_the_install_rules() {
    let server = TdsServer::start(
        healthy()
            .with_answer(
                "server",
                server_row("13.0.5026.0", "Enterprise Edition (64-bit)", 3, n(1), false),
            )
            .with_answer("permissions", permissions(false)),
    );
    let run = sql(&server, &[]);
    assert_eq!(run.out.code, 1, "{}", run.out.both());
    let (v, words) = run.check("sql.login_sysadmin");
    assert_eq!(v, "fail");
    assert!(
        words.contains("probe is not a member of sysadmin"),
        "{words}"
    );
    let (v, words) = run.check(
        "sql.login_permissions (permissions=CREATE ANY DATABASE, ALTER ANY DATABASE, ALTER ANY LOGIN)",
    );
    assert_eq!(v, "fail");
    assert!(
        words.contains("lacks CREATE ANY DATABASE, ALTER ANY DATABASE, ALTER ANY LOGIN"),
        "{words}"
    );
}

#[test]
fn stale_and_missing_backups_fail_in_hours_and_days() {
    let server = TdsServer::start(healthy().with_answer(
        "backups",
        table(
            queries::BACKUP_COLUMNS,
            vec![
                backup(DB, Some(4 * 24 * 60), Some(190)),
                backup("SpokArchive", None, None),
            ],
        ),
    ));
    let run = sql(&server, &[]);
    let (v, words) = run.check("sql.backup_age (backup=full; max_age_hours=24)");
    assert_eq!(v, "fail");
    assert!(
        words.contains("AmcomAmcPremiseCore's last full backup is 4 days old"),
        "{words}"
    );
    assert!(
        words.contains("SpokArchive has never had a full backup"),
        "{words}"
    );
    let (v, words) = run.check("sql.backup_age (backup=log; max_age_hours=1)");
    assert_eq!(v, "fail");
    assert!(words.contains("last log backup is 3 h old"), "{words}");
}

#[test]
fn a_dmv_the_login_may_not_read_is_could_not_verify_never_a_pass() {
    let server = TdsServer::start(
        healthy().with_answer(
            "ag_replicas",
            Answer::Error {
                number: 300,
                class: 14,
                state: 1,
                message:
                    "VIEW SERVER STATE permission was denied on object 'server', database 'master'."
                        .into(),
            },
        ),
    );
    let run = sql(&server, &[]);
    for rule in ["sql.ag_synchronous_commit", "sql.ag_automatic_failover"] {
        let (v, words) = run.check(rule);
        assert_eq!(v, "error", "{rule}");
        assert!(
            words.contains("could not verify: permission (error 300"),
            "{words}"
        );
    }
    // The rest of the batch was still read.
    assert_eq!(run.check("sql.ag_listener_subnets (min=2)").0, "pass");
    assert_eq!(
        run.check("sql.backup_age (backup=full; max_age_hours=24)")
            .0,
        "pass"
    );
    assert_eq!(run.out.code, 1);
}

#[test]
fn a_missing_database_and_an_old_server() {
    let server = TdsServer::start(
        healthy()
            .with_answer(
                "server",
                server_row(
                    "10.50.6000.34",
                    "Standard Edition (64-bit)",
                    2,
                    Value::Null,
                    true,
                ),
            )
            .with_answer(
                "databases",
                table(
                    queries::DATABASE_COLUMNS,
                    vec![vec![t(DB), Value::Null, Value::Null]],
                ),
            ),
    );
    let run = sql(&server, &[]);
    let (v, words) =
        run.check("sql.login_permissions (database=AmcomAmcPremiseCore; permissions=EXECUTE)");
    assert_eq!(v, "fail");
    assert!(
        words.contains("database AmcomAmcPremiseCore does not exist"),
        "{words}"
    );
    let (v, words) = run.check("sql.version (supported=2014, 2016)");
    assert_eq!(v, "fail");
    assert!(words.contains("SQL Server 2008 R2"), "{words}");
    let (_, words) = run.check("sql.ag_exists");
    assert!(words.contains("predates AlwaysOn"), "{words}");
    assert!(!server.log().batches[1].contains("sys.availability_groups"));
}

#[test]
fn a_stalled_statement_costs_the_timeout_not_the_run() {
    let server = TdsServer::start(healthy().with_answer("backups", Answer::Stall));
    let start = Instant::now();
    let run = sql(&server, &["--timeout", "1"]);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let (v, words) = run.check("sql.backup_age (backup=full; max_age_hours=24)");
    assert_eq!(v, "error");
    assert!(words.contains("no answer within 1 s"), "{words}");
    // What the first batch read stands.
    assert_eq!(run.check("sql.login_sysadmin").0, "pass");
}

#[test]
fn connection_failures_in_words() {
    // Login failed.
    let server = TdsServer::start(healthy());
    let run = sql_at(
        &server.addr().to_string(),
        "wrong",
        &["--trust-server-certificate"],
    );
    assert_eq!(run.out.code, 1);
    let why = run.fact("connection_error").as_str().expect("an error");
    assert!(
        why.starts_with("login failed for `probe`: wrong password"),
        "{why}"
    );
    assert!(
        run.json["facts"]["backups"]["unknown"]
            .as_str()
            .is_some_and(|w| w.contains("login failed"))
    );
    assert!(
        !run.out.stdout.contains("wrong\""),
        "the password is never printed"
    );

    // The server's own certificate is not trusted without --trust-server-certificate; with
    // the certificate as the CA it is.
    let run = sql_at(&server.addr().to_string(), PASSWORD, &[]);
    let why = run.fact("connection_error").as_str().expect("an error");
    assert!(
        why.contains("certificate is not trusted") && why.contains("--trust-server-certificate"),
        "{why}"
    );
    let scenario = healthy();
    let pem = scenario.identity.as_ref().expect("identity").cert_pem();
    let server = TdsServer::start(scenario);
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("sql.pem");
    std::fs::write(&ca, pem).expect("write");
    let run = sql_at(
        &server.addr().to_string(),
        PASSWORD,
        &["--ca", &ca.display().to_string()],
    );
    assert_eq!(
        run.fact("connection_error"),
        &Json::Null,
        "{}",
        run.out.both()
    );

    // Nothing listens.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let run = sql_at(&format!("127.0.0.1:{port}"), PASSWORD, &[]);
    let why = run.fact("connection_error").as_str().expect("an error");
    assert!(why.contains("connection refused"), "{why}");

    // Encryption required of a server that cannot encrypt.
    let server = TdsServer::start(healthy().with_encryption(ServerEncryption::NotSupported));
    let run = sql(&server, &["--encrypt", "required"]);
    let why = run.fact("connection_error").as_str().expect("an error");
    assert!(why.contains("encrypt"), "{why}");
    // Even with encryption off SQL Server protects the login with TLS; a server that cannot
    // gets no password.
    let run = sql(&server, &["--encrypt", "off"]);
    let why = run.fact("connection_error").as_str().expect("an error");
    assert!(why.contains("password is never sent unencrypted"), "{why}");
    // Off against a server that can encrypt: only the login is, and the findings say so.
    let server = TdsServer::start(healthy().with_answer(
        "server",
        server_row("13.0.5026.0", "Enterprise Edition (64-bit)", 3, n(1), true),
    ));
    let run = sql(&server, &["--encrypt", "off"]);
    assert_eq!(
        run.fact("connection_error"),
        &Json::Null,
        "{}",
        run.out.both()
    );
    assert!(!server.log().logins[0].encrypted_after_login);
}

#[test]
fn a_named_instance_is_found_through_the_sql_server_browser() {
    let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 14, 34));
    let server = TdsServer::start_on(ip, healthy());
    let _browser =
        common::tds_server::start_browser(ip, vec![("SPOK".into(), server.addr().port())]);
    let run = sql_at(
        r"127.0.14.34\SPOK",
        PASSWORD,
        &["--trust-server-certificate"],
    );
    assert_eq!(
        run.fact("connection_error"),
        &Json::Null,
        "{}",
        run.out.both()
    );
    assert_eq!(run.json["server"], r"127.0.14.34\SPOK");
    assert_eq!(server.log().logins.len(), 1);
}

/// pysqlbridge on a free loopback port, with one SQL login; killed on drop.
struct Bridge {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bridge() -> Bridge {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("t.csv"), "id,name\n1,a\n").expect("csv");
    std::fs::write(
        dir.path().join("bridge.json"),
        r#"{"logins":[{"user":"probe","password":"${env:BRIDGE_PW}"}],"tables":[{"name":"t","csv":"t.csv"}]}"#,
    )
    .expect("config");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let child = Command::new("python3")
        .args(["-m", "pysqlbridge.server", "--config"])
        .arg(dir.path().join("bridge.json"))
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .env("BRIDGE_PW", PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 with pysqlbridge (.ci/run installs it: pip install pysqlbridge)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "pysqlbridge did not start (is it installed?)"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Bridge {
        child,
        port,
        _dir: dir,
    }
}

#[test]
fn against_a_third_party_tds_server() {
    let b = bridge();
    let at = format!("127.0.0.1:{}", b.port);
    // It logs in over TLS inside TDS and answers SERVERPROPERTY; what it cannot answer (it has
    // no msdb) is "could not verify", never a pass.
    let run = sql_at(
        &at,
        PASSWORD,
        &["--trust-server-certificate", "--encrypt", "required"],
    );
    assert_eq!(
        run.fact("connection_error"),
        &Json::Null,
        "{}",
        run.out.both()
    );
    assert!(
        run.fact("instance")["value"]["product_version"].is_string(),
        "{}",
        run.out.both()
    );
    let (v, words) = run.check("sql.backup_age (backup=full; max_age_hours=24)");
    assert_eq!(v, "error");
    assert!(words.contains("could not verify"), "{words}");
    // A wrong password: SQL Server's 18456, in words.
    let run = sql_at(&at, "wrong", &["--trust-server-certificate"]);
    let why = run.fact("connection_error").as_str().expect("an error");
    assert!(why.starts_with("login failed for `probe`"), "{why}");
    // Its self-signed certificate is refused unless trusted.
    let run = sql_at(&at, PASSWORD, &[]);
    let why = run.fact("connection_error").as_str().expect("an error");
    assert!(why.contains("certificate is not trusted"), "{why}");
}

/// A session `visit` on the Spok checklist whose site has `server` as its SQL instance,
/// probed with `probe --only sql --format json`: the site file and the probe's output.
fn probed_session(dir: &Path, server: &TdsServer) -> (PathBuf, Out) {
    let site = site_with_sql(dir, &server.addr().to_string(), true);
    let out = preflight(
        dir,
        PASSWORD,
        &["session", "new", "visit", "--checklist", "spok-mobile-4.5"],
    );
    assert_eq!(out.code, 0, "{}", out.both());
    let out = preflight(
        dir,
        PASSWORD,
        &["site", "import", "visit", site.to_str().expect("utf-8")],
    );
    assert_eq!(out.code, 0, "{}", out.both());
    let out = preflight(
        dir,
        PASSWORD,
        &[
            "probe",
            "--session",
            "visit",
            "--only",
            "sql",
            "--format",
            "json",
        ],
    );
    (site, out)
}

#[test]
fn the_report_shows_the_sql_servers_with_the_rows_the_guide_refuses_marked() {
    let server = TdsServer::start(with_replicas(vec![
        replica("SQL1", "SYNCHRONOUS_COMMIT", "AUTOMATIC", "PRIMARY"),
        replica("SQL2", "ASYNCHRONOUS_COMMIT", "MANUAL", "SECONDARY"),
    ]));
    let dir = tempfile::tempdir().expect("tempdir");
    probed_session(dir.path(), &server);
    build_report(dir.path());
    let report = dir.path().join("report.json");
    for (format, file) in [("html", "report.html"), ("md", "report.md")] {
        let out_file = dir.path().join(file);
        let out = preflight(
            dir.path(),
            PASSWORD,
            &[
                "report",
                "export",
                report.to_str().expect("utf-8"),
                "--format",
                format,
                "--out",
                out_file.to_str().expect("utf-8"),
                "--unsigned",
            ],
        );
        assert_eq!(out.code, 0, "{}", out.both());
        let page = std::fs::read_to_string(&out_file).expect("page");
        assert!(
            page.contains("SQL Server 2016 Enterprise Edition (64-bit)"),
            "{format}"
        );
        assert!(page.contains("Availability group replicas"), "{format}");
        assert!(page.contains("AmcomAmcPremiseCore"), "{format}");
        let marked = if format == "html" {
            "<tr class=\"bad\"><td>SPOKAG</td><td>SQL2</td>"
        } else {
            "| ✘ | SPOKAG | SQL2 |"
        };
        assert!(page.contains(marked), "{format}: {page}");
        assert!(!page.contains(PASSWORD));
    }
}

/// `report build` of the session `visit`, read back.
fn build_report(dir: &Path) -> Json {
    let report = dir.join("report.json");
    let out = preflight(
        dir,
        PASSWORD,
        &[
            "report",
            "build",
            "--session",
            "visit",
            "--out",
            report.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.both());
    serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("json")
}

/// One item's finding in a report.
fn item_of(doc: &Json, id: &str) -> Json {
    doc["findings"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no {id} in {doc}"))
}

fn site_with_sql(dir: &Path, server: &str, trust: bool) -> PathBuf {
    let path = dir.join("site.toml");
    std::fs::write(
        &path,
        format!(
            "[[sql]]\nserver = '{server}'\ndatabase = \"{DB}\"\nuser = \"probe\"\ntrust_server_certificate = {trust}\n"
        ),
    )
    .expect("site");
    path
}

#[test]
fn the_sites_sql_instances_through_probe_answer_the_checklist_items() {
    let server = TdsServer::start(with_replicas(vec![
        replica("SQL1", "SYNCHRONOUS_COMMIT", "AUTOMATIC", "PRIMARY"),
        replica("SQL2", "ASYNCHRONOUS_COMMIT", "AUTOMATIC", "SECONDARY"),
    ]));
    let dir = tempfile::tempdir().expect("tempdir");
    let (site, out) = probed_session(dir.path(), &server);
    let json = json_of(&out);
    let results = json["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{}", out.both());
    assert_eq!(results[0]["kind"], "sql");
    assert!(
        results[0]["target"]
            .as_str()
            .is_some_and(|t| t.ends_with("as probe"))
    );
    // Without a password there is no login, and the result says how to give one.
    let out = preflight(
        dir.path(),
        "",
        &[
            "probe",
            "--site",
            site.to_str().expect("utf-8"),
            "--only",
            "sql",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.both());
    // The session's items are judged by their own rules from the stored facts: someone said
    // the commit mode is synchronous, the server says otherwise, and the report keeps both.
    for (item, value) in [
        ("database.ha_option", "alwayson"),
        ("alwayson.sync_commit", "yes"),
    ] {
        let out = preflight(
            dir.path(),
            PASSWORD,
            &["session", "answer", "visit", item, value],
        );
        assert_eq!(out.code, 0, "{}", out.both());
    }
    let doc = build_report(dir.path());
    assert!(
        !doc.to_string().contains(PASSWORD),
        "no password in the report"
    );
    let item = |id: &str| item_of(&doc, id);
    let sync = item("alwayson.sync_commit");
    assert_eq!(sync["readiness"], "not_ready", "{sync}");
    assert!(sync["disagreement"].is_string(), "{sync}");
    assert!(
        sync.to_string()
            .contains("SQL2 in SPOKAG is ASYNCHRONOUS_COMMIT"),
        "{sync}"
    );
    let failover = item("alwayson.auto_failover");
    assert!(
        failover.to_string().contains("all fail over automatically"),
        "{failover}"
    );
}

#[test]
fn the_servers_own_words_before_login_and_its_tls_inside_tds() {
    // Force Encryption on: said before any login, and kept when the login then fails.
    let server = TdsServer::start(healthy().with_encryption(ServerEncryption::Required));
    let run = sql_at(
        &server.addr().to_string(),
        "wrong",
        &["--trust-server-certificate"],
    );
    assert_eq!(
        run.fact("prelogin")["encryption"],
        "forced",
        "{}",
        run.out.both()
    );
    assert_eq!(run.fact("prelogin")["version"], "13.0.5026");
    assert_eq!(run.fact("prelogin")["product"], "SQL Server 2016");
    // A server that offers no encryption at all fails, with what to do.
    let server = TdsServer::start(healthy().with_encryption(ServerEncryption::NotSupported));
    let run = sql(&server, &[]);
    let findings = run.json["findings"].to_string();
    assert!(
        findings.contains("offers no encryption: not even the login's password"),
        "{findings}"
    );

    // The TLS inside TDS, judged like any endpoint's: TLS 1.2 only, as SQL Server 2014-2019.
    let server = TdsServer::start(healthy());
    let run = sql(&server, &["--tls"]);
    let tls = &run.json["tls"];
    let offered: Vec<&str> = tls["facts"]["protocols"]
        .as_array()
        .expect("protocols")
        .iter()
        .filter(|p| p["offered"] == true)
        .filter_map(|p| p["version"].as_str())
        .collect();
    assert_eq!(offered, ["TLSv1.2"], "{}", run.out.both());
    assert!(tls["findings"].to_string().contains("self-signed"), "{tls}");
    assert_eq!(server.log().logins.len(), 1, "the scan never logs in");
}

#[test]
fn a_sites_sql_port_among_its_tls_endpoints_is_scanned_inside_tds() {
    let server = TdsServer::start(healthy());
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site.toml");
    std::fs::write(
        &site,
        format!("[[tls]]\nendpoint = \"{}\"\ntds = true\n", server.addr()),
    )
    .expect("site");
    let out = preflight(
        dir.path(),
        "",
        &[
            "probe",
            "--site",
            site.to_str().expect("utf-8"),
            "--only",
            "tls",
            "--format",
            "json",
        ],
    );
    let json = json_of(&out);
    let result = &json["results"][0];
    assert!(
        result["target"]
            .as_str()
            .is_some_and(|t| t.ends_with("(inside TDS)")),
        "{result}"
    );
    let offered: Vec<&str> = result["evidence"]["facts"]["tls"]["facts"]["protocols"]
        .as_array()
        .expect("protocols")
        .iter()
        .filter(|p| p["offered"] == true)
        .filter_map(|p| p["version"].as_str())
        .collect();
    assert_eq!(offered, ["TLSv1.2"], "{}", out.both());
    assert!(server.log().logins.is_empty(), "a TLS scan never logs in");
}

/// A listener on loopback that does `what` with each connection's first bytes, then holds the
/// connection open and silent until the test ends.
fn misbehaving(what: fn(&mut std::net::TcpStream)) -> u16 {
    use std::io::Read as _;
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { break };
            // A thread each, so a connection that sends nothing holds up no other.
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                if conn.read(&mut buf).is_ok_and(|n| n > 0) {
                    what(&mut conn);
                }
                // Silent until the client gives up.
                while conn.read(&mut buf).is_ok_and(|n| n > 0) {}
            });
        }
    });
    port
}

/// A PRELOGIN reply as a SQL Server 2025 sends it to a client asking for encryption: on.
const PRELOGIN_REPLY: [u8; 43] = [
    0x04, 0x01, 0x00, 0x2b, 0x00, 0x00, 0x01, 0x00, // header
    0x00, 0x00, 0x1a, 0x00, 0x06, // VERSION
    0x01, 0x00, 0x20, 0x00, 0x01, // ENCRYPTION
    0x02, 0x00, 0x21, 0x00, 0x01, // INSTOPT
    0x03, 0x00, 0x22, 0x00, 0x00, // THREADID, empty
    0x04, 0x00, 0x22, 0x00, 0x01, // MARS
    0xff, // terminator
    0x11, 0x00, 0x03, 0xe8, 0x00, 0x00, // 17.0.1000.0
    0x01, // ENCRYPT_ON
    0x00, // instance accepted
    0x00, // MARS off
];

/// Issue 11, item 8: `--timeout N` bounds the connection and the login together, and the words
/// say what the server did: accepted and said nothing, sent something that is not TDS, or
/// answered PRELOGIN and then hung during the login. Never a firewall (the port answered),
/// never advice for the SQL library's developers.
#[test]
fn a_server_that_accepts_and_misbehaves_is_named_for_it_within_the_timeout() {
    use std::io::Write as _;
    let stalls = misbehaving(|_| {});
    let garbage = misbehaving(|c| {
        let _ = c.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    let hangs_at_login = misbehaving(|c| {
        let _ = c.write_all(&PRELOGIN_REPLY);
    });
    let cases: [(u16, &[&str]); 3] = [
        (
            stalls,
            &["accepted the connection but said nothing within 2 s"],
        ),
        (
            garbage,
            &["sent bytes that are not TDS", "HTTP/1.1 400 Bad Request"],
        ),
        (
            hangs_at_login,
            &["answered as SQL Server", "login did not finish within 2 s"],
        ),
    ];
    for (port, expected) in cases {
        let start = Instant::now();
        let run = sql_at(
            &format!("127.0.0.1:{port}"),
            PASSWORD,
            &["--timeout", "2", "--checklist", "none"],
        );
        let took = start.elapsed();
        // The bound is the bound: 2 s, plus a process start on a loaded machine, never 2 × 2.
        assert!(
            took < Duration::from_millis(3500),
            "{took:?}\n{}",
            run.out.both()
        );
        assert_eq!(run.out.code, 1, "{}", run.out.both());
        let why = run.fact("connection_error").as_str().expect("an error");
        for e in expected {
            assert!(why.contains(e), "{e:?} not in: {why}");
        }
        for never in ["firewall", "tracing", "Config::", "handshake_timeout"] {
            assert!(!why.contains(never), "{never:?} in: {why}");
        }
    }
}
