//! Names resolve the way the run says: TCP, TLS and SQL Server connections of a run go through
//! the run's hosts file and resolvers, not the operating system's.
//!
//! Every host here is a name only the test's own DNS servers (hickory-server on 127.0.0.2 and
//! 127.0.0.3) or the test's hosts file know (`*.box.test`), and every listener is on a loopback
//! address of its own (127.0.0.21…), so a connection that lands proves which source resolved
//! the name. One internal resolver is dead: a UDP socket on 127.0.0.4 that never answers.
//!
//! NETWORK SAFETY: the system resolver is never part of a run here (`system: false`), every
//! resolver and listener is on 127.0.0.0/8, and every test has a watchdog.

mod common;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::dns_server::DnsServer;
use common::sql_site::{PASSWORD, healthy};
use common::tds_server::{TdsServer, start_browser};
use preflight::probe::plan::{self, Task, Vantage};
use preflight::probe::run::{self, Env, RunSpec, SetupError};
use preflight::probe::{ProbeKind, ProbeResult, Verdict};
use preflight::site::Site;
use serde_json::Value;

const WATCHDOG: Duration = Duration::from_secs(30);
/// Per query and per connection: short, so the dead resolver costs little.
const SHORT: Duration = Duration::from_millis(500);

const INTERNAL: &str = r"
$ORIGIN box.test.
$TTL 60
@    IN SOA ns.box.test. admin.box.test. 1 3600 600 86400 60
@    IN NS  ns.box.test.
sms  IN A   127.0.0.21
tls  IN A   127.0.0.22
sql  IN A   127.0.14.41
";

/// The outside view: the Spok Mobile name still points at an old public address.
const EXTERNAL: &str = r"
$ORIGIN box.test.
$TTL 60
@    IN SOA ns.box.test. admin.box.test. 1 3600 600 86400 60
@    IN NS  ns.box.test.
sms  IN A   127.0.0.24
";

fn v4(d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, d))
}

/// The site's DNS: a dead internal resolver first, a live internal one, a live external one;
/// and the run's hosts file, which alone knows files.box.test.
struct World {
    dir: tempfile::TempDir,
    internal: DnsServer,
    external: DnsServer,
    dead: std::net::UdpSocket,
}

impl World {
    fn new() -> Self {
        let internal = DnsServer::start_on(v4(2), &[("box.test.", INTERNAL.to_owned())], &[]);
        let external = DnsServer::start_on(v4(3), &[("box.test.", EXTERNAL.to_owned())], &[]);
        let dead = std::net::UdpSocket::bind((v4(4), 0)).expect("the dead resolver's socket");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("hosts"),
            "127.0.0.1 localhost\n127.0.0.25 files.box.test files\n",
        )
        .expect("hosts file");
        Self {
            dir,
            internal,
            external,
            dead,
        }
    }

    fn hosts(&self) -> PathBuf {
        self.dir.path().join("hosts")
    }

    fn dead(&self) -> SocketAddr {
        self.dead.local_addr().expect("address")
    }

    /// A site with these resolvers and `rest` (hosts, names, rules, endpoints).
    fn site(&self, rest: &str) -> Site {
        let text = format!(
            "site = \"Box\"\n[resolvers]\ninternal = [\"{}\", \"{}\"]\nexternal = [\"{}\"]\n{rest}",
            self.dead(),
            self.internal.addr,
            self.external.addr
        );
        Site::parse(&text, Path::new("site.toml")).expect("site")
    }

    /// A run from `role`, inside unless the role's host is outside: no system resolver, the
    /// test's hosts file inside.
    fn env(&self, site: &Site, role: &str) -> Env {
        let outside = site.is_outside(role);
        Env::for_run(
            site,
            &RunSpec {
                role: Some(role.to_owned()),
                outside: false,
                system: false,
                hosts_file: (!outside).then(|| self.hosts()),
                timeout: Some(SHORT),
                ..RunSpec::default()
            },
        )
        .expect("env")
    }
}

fn guarded<F: Future>(body: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        tokio::time::timeout(WATCHDOG, body)
            .await
            .expect("the test finished within its watchdog")
    })
}

async fn execute(task: &Task, env: &Env) -> Vec<ProbeResult> {
    run::execute(task, env).await
}

/// A TCP listener on `ip`, port 0, accepting and dropping connections.
fn listen(ip: IpAddr) -> std::net::TcpListener {
    std::net::TcpListener::bind((ip, 0)).expect("listener")
}

fn outcome(result: &ProbeResult) -> Value {
    evidence(result)["facts"]["tcp"]["outcomes"][0].clone()
}

/// A result's evidence as it is stored.
fn evidence(result: &ProbeResult) -> Value {
    serde_json::to_value(&result.evidence).expect("evidence is JSON")
}

#[test]
fn tcp_connects_to_names_only_the_runs_dns_or_hosts_file_knows() {
    let world = World::new();
    let sms = listen(v4(21));
    let files = listen(v4(25));
    let site = world.site(&format!(
        r#"
[[host]]
name = "sms"
address = "sms.box.test"
roles = ["SMS"]
[[host]]
name = "files"
address = "files.box.test"
roles = ["Files"]
[[host]]
name = "ghost"
address = "ghost.box.test"
roles = ["Ghost"]
[[port]]
from = "Console"
to = "SMS"
ports = "{}"
[[port]]
from = "Console"
to = "Files"
ports = "{}"
[[port]]
from = "Console"
to = "Ghost"
ports = "443"
"#,
        sms.local_addr().expect("address").port(),
        files.local_addr().expect("address").port(),
    ));
    let env = world.env(&site, "Console");
    let tasks = plan::plan(&site, &Vantage::Role("Console".into()), &[ProbeKind::Tcp]);
    assert_eq!(tasks.len(), 3);
    guarded(async {
        let started = Instant::now();
        let mut results = Vec::new();
        for t in &tasks {
            results.extend(execute(t, &env).await);
        }
        // The dead resolver is asked once and then after the live one: one timeout in all.
        assert!(
            started.elapsed() < SHORT * 4,
            "took {:?}",
            started.elapsed()
        );

        let sms = &results[0];
        assert_eq!(sms.verdict, Verdict::Pass, "{}", sms.summary);
        assert_eq!(outcome(sms)["state"], "open");
        assert_eq!(
            outcome(sms)["address"]
                .as_str()
                .map(|a| a.starts_with("127.0.0.21:")),
            Some(true)
        );
        assert_eq!(
            evidence(sms)["subject"]["resolved"]["source"],
            format!("internal 2 ({})", world.internal.addr)
        );

        let files = &results[1];
        assert_eq!(files.verdict, Verdict::Pass, "{}", files.summary);
        assert_eq!(
            outcome(files)["address"]
                .as_str()
                .map(|a| a.starts_with("127.0.0.25:")),
            Some(true)
        );
        assert_eq!(
            evidence(files)["subject"]["resolved"]["source"],
            format!("the hosts file {}", world.hosts().display())
        );

        // A name nothing knows says which sources were asked and what each said.
        let ghost = &results[2];
        assert_eq!(ghost.verdict, Verdict::Fail);
        assert_eq!(outcome(ghost)["state"], "name_error");
        let ghost_outcome = outcome(ghost);
        let detail = ghost_outcome["detail"].as_str().expect("detail");
        assert!(
            detail.contains(&format!(
                "the hosts file {}: no entry",
                world.hosts().display()
            )),
            "{detail}"
        );
        assert!(
            detail.contains(&format!(
                "internal 2 ({}): no such name (NXDOMAIN)",
                world.internal.addr
            )),
            "{detail}"
        );
        assert!(
            ghost.summary.contains("ghost.box.test"),
            "{}",
            ghost.summary
        );
    });
}

/// A TLS server on 127.0.0.22 that records the server name each `ClientHello` asks for.
async fn tls_server(names: &[&str], seen: Arc<Mutex<Vec<String>>>) -> SocketAddr {
    let key = rcgen::KeyPair::generate().expect("key");
    let params =
        rcgen::CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .expect("params");
    let cert = params.self_signed(&key).expect("certificate");
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server config"),
    );
    let listener = tokio::net::TcpListener::bind((v4(22), 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let config = Arc::clone(&config);
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let acceptor =
                    tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
                // Hellos this rustls cannot read (old protocols) end here; that is the scan's way.
                let Ok(start) = acceptor.await else { return };
                if let Some(name) = start.client_hello().server_name() {
                    seen.lock().expect("lock").push(name.to_owned());
                }
                let _ = start.into_stream(config).await;
            });
        }
    });
    addr
}

#[test]
fn tls_scans_the_address_the_runs_dns_gives_with_the_name_as_sni() {
    let world = World::new();
    guarded(async {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let server = tls_server(&["tls.box.test"], Arc::clone(&seen)).await;
        let site = world.site(&format!(
            "[[tls]]\nendpoint = \"tls.box.test:{}\"\n",
            server.port()
        ));
        let env = world.env(&site, "Console");
        let task = Task::Tls {
            endpoint: site.tls[0].clone(),
        };
        let result = execute(&task, &env).await.remove(0);
        let facts = evidence(&result)["facts"]["tls"]["facts"].clone();
        assert_eq!(facts["errors"], serde_json::json!([]), "{}", result.summary);
        assert_eq!(facts["sni"], "tls.box.test");
        assert_eq!(facts["certificate"]["hostname_match"], true);
        assert!(
            facts["protocols"]
                .as_array()
                .expect("protocols")
                .iter()
                .any(|p| p["version"] == "TLSv1.3" && p["offered"] == true),
            "{facts}"
        );
        assert_eq!(
            evidence(&result)["subject"]["resolved"],
            serde_json::json!({
                "name": "tls.box.test",
                "addresses": ["127.0.0.22"],
                "source": format!("internal 2 ({})", world.internal.addr),
            })
        );
        let seen = seen.lock().expect("lock").clone();
        assert!(
            !seen.is_empty(),
            "the server saw no ClientHello it could read"
        );
        assert!(seen.iter().all(|n| n == "tls.box.test"), "{seen:?}");

        // A name nothing knows: the scan says so, with the sources asked.
        let site = world.site("[[tls]]\nendpoint = \"nowhere.box.test:443\"\n");
        let task = Task::Tls {
            endpoint: site.tls[0].clone(),
        };
        let result = execute(&task, &env).await.remove(0);
        let errors = evidence(&result)["facts"]["tls"]["facts"]["errors"].to_string();
        assert!(
            errors.contains("nowhere.box.test does not resolve: asked the hosts file"),
            "{errors}"
        );
        assert!(errors.contains("no such name (NXDOMAIN)"), "{errors}");
    });
}

#[test]
fn sql_logs_in_through_the_runs_dns_and_its_sql_browser_lookup() {
    let world = World::new();
    let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 14, 41));
    let server = TdsServer::start_on(ip, healthy());
    let _browser = start_browser(ip, vec![("SPOK".into(), server.addr().port())]);
    let site = world.site(
        r#"
[[sql]]
server = 'sql.box.test\SPOK'
user = "probe"
trust_server_certificate = true
"#,
    );
    let mut env = world.env(&site, "Console");
    env.sql.password = Some(PASSWORD.to_owned());
    env.sql.timeout = Duration::from_secs(10);
    let task = Task::Sql {
        instance: site.sql[0].clone(),
    };
    guarded(async {
        let result = execute(&task, &env).await.remove(0);
        let facts = evidence(&result)["facts"]["sql"]["facts"].clone();
        assert_eq!(facts["connection_error"], Value::Null, "{}", result.summary);
        assert_eq!(
            facts["address"]
                .as_str()
                .map(|a| a.starts_with("127.0.14.41:")),
            Some(true),
            "{facts}"
        );
        assert_eq!(
            evidence(&result)["subject"]["resolved"]["source"],
            format!("internal 2 ({})", world.internal.addr)
        );
    });
    assert_eq!(server.log().logins.len(), 1);

    // Another server, by a name only the hosts file knows, at its port.
    let files = TdsServer::start_on(v4(25), healthy());
    let site = world.site(&format!(
        "[[sql]]\nserver = \"files.box.test:{}\"\nuser = \"probe\"\ntrust_server_certificate = true\n",
        files.addr().port()
    ));
    let task = Task::Sql {
        instance: site.sql[0].clone(),
    };
    guarded(async {
        let result = execute(&task, &env).await.remove(0);
        assert_eq!(
            evidence(&result)["facts"]["sql"]["facts"]["connection_error"],
            Value::Null,
            "{}",
            result.summary
        );
        assert_eq!(
            evidence(&result)["subject"]["resolved"]["source"],
            format!("the hosts file {}", world.hosts().display())
        );
    });
    assert_eq!(files.log().logins.len(), 1);
}

const OUTSIDE_SITE: &str = r#"
[[host]]
name = "sms"
address = "sms.box.test"
roles = ["SMS"]
[[host]]
name = "phone"
address = "phone.box.test"
roles = ["Mobile User"]
outside = true
[[name]]
fqdn = "sms.box.test"
internal = ["127.0.0.21"]
external = ["127.0.0.26"]
[[port]]
from = "Mobile User"
to = "SMS"
ports = "PORT"
[[port]]
from = "Console"
to = "SMS"
ports = "PORT"
"#;

/// The Mobile User vantage is outside: it resolves through the external resolver alone, and so
/// connects to the stale public address a phone on the street would, which the inside run
/// never sees; its DNS check says the outside answer is not what the site expects.
#[test]
fn an_outside_vantage_resolves_through_the_external_resolvers_only() {
    let world = World::new();
    // Only the stale public address listens; inside, the name leads to a closed port.
    let public = listen(v4(24));
    let port = public.local_addr().expect("address").port();
    let site = world.site(&OUTSIDE_SITE.replace("PORT", &port.to_string()));
    assert!(site.is_outside("Mobile User"));

    let outside = world.env(&site, "Mobile User");
    assert!(outside.outside);
    assert!(outside.internal.is_empty());
    assert!(outside.hosts_path.is_none());
    assert_eq!(
        outside.resolution.sources(),
        [format!("external 1 ({})", world.external.addr)]
    );
    let inside = world.env(&site, "Console");
    assert!(!inside.outside);
    guarded(async {
        let task = |role: &str| {
            plan::plan(&site, &Vantage::Role(role.into()), &[ProbeKind::Tcp])
                .into_iter()
                .next()
                .expect("a task")
        };
        let out = execute(&task("Mobile User"), &outside).await.remove(0);
        assert_eq!(outcome(&out)["state"], "open", "{}", out.summary);
        assert_eq!(
            outcome(&out)["address"],
            format!("127.0.0.24:{port}"),
            "the outside run connects to the public address"
        );
        assert_eq!(
            evidence(&out)["subject"]["resolved"]["source"],
            format!("external 1 ({})", world.external.addr)
        );
        let ins = execute(&task("Console"), &inside).await.remove(0);
        assert_eq!(outcome(&ins)["address"], format!("127.0.0.21:{port}"));
        assert_eq!(outcome(&ins)["state"], "refused", "{}", ins.summary);

        // The outside run's DNS checks ask the external resolver only, against what the site
        // expects outside: the stale address is the finding.
        let dns = execute(
            &Task::Dns {
                name: site.names[0].clone(),
            },
            &outside,
        )
        .await;
        assert_eq!(dns.len(), 1, "{dns:#?}");
        assert_eq!(dns[0].check, "resolves");
        assert_eq!(dns[0].verdict, Verdict::Fail);
        assert!(
            dns[0]
                .summary
                .starts_with("sms.box.test: external 1 gives 127.0.0.24, expected 127.0.0.26"),
            "{}",
            dns[0].summary
        );
        // No hosts file outside: the hosts probe says why it did not run.
        let hosts = execute(
            &Task::Hosts {
                names: site.names.clone(),
            },
            &outside,
        )
        .await;
        assert_eq!(hosts[0].verdict, Verdict::Skipped);
    });
}

#[test]
fn an_outside_run_needs_external_resolvers_and_no_hosts_file() {
    let world = World::new();
    let site = world.site(&OUTSIDE_SITE.replace("PORT", "443"));
    let spec = RunSpec {
        role: Some("Console".into()),
        outside: true,
        system: false,
        hosts_file: Some(world.hosts()),
        timeout: Some(SHORT),
        ..RunSpec::default()
    };
    assert!(matches!(
        Env::for_run(&site, &spec),
        Err(SetupError::HostsFileOutside)
    ));
    let mut bare = site.clone();
    bare.resolvers.external.clear();
    let spec = RunSpec {
        hosts_file: None,
        ..spec
    };
    let err = Env::for_run(&bare, &spec).err().expect("refused");
    assert_eq!(err, SetupError::NoExternalResolvers);
    assert!(err.to_string().contains("external resolvers"), "{err}");
}

/// One of two internal resolvers is down: the run says so once, and judges every name on the
/// resolvers that answer.
#[test]
fn a_dead_resolver_is_one_finding_and_the_names_are_judged_on_the_live_ones() {
    let world = World::new();
    let site = world.site(
        r#"
[[name]]
fqdn = "sms.box.test"
internal = ["127.0.0.21"]
external = ["127.0.0.26"]
[[name]]
fqdn = "tls.box.test"
internal = ["127.0.0.22"]
external = ["127.0.0.22"]
[[name]]
fqdn = "sql.box.test"
expect = ["127.0.14.41"]
"#,
    );
    let env = world.env(&site, "Console");
    let tasks = plan::plan(&site, &Vantage::Role("Console".into()), &[ProbeKind::Dns]);
    assert_eq!(tasks[0], Task::Resolvers);
    guarded(async {
        let mut results = Vec::new();
        for t in &tasks {
            results.extend(execute(t, &env).await);
        }
        let up: Vec<&ProbeResult> = results
            .iter()
            .filter(|r| r.check == "resolver_up")
            .collect();
        assert_eq!(up.len(), 3, "one per resolver");
        let down: Vec<&&ProbeResult> = up.iter().filter(|r| r.verdict == Verdict::Fail).collect();
        assert_eq!(down.len(), 1, "said once: {up:#?}");
        assert_eq!(down[0].target, format!("internal 1 ({})", world.dead()));
        assert!(
            down[0].summary.starts_with(&format!(
                "resolver internal 1 ({}) is down: did not answer 6 of 6 queries",
                world.dead()
            )),
            "{}",
            down[0].summary
        );
        let by = |check: &str, name: &str| {
            results
                .iter()
                .find(|r| r.check == check && r.target == name)
                .unwrap_or_else(|| panic!("no {check} for {name}: {results:#?}"))
        };
        // The split-horizon mismatch and the external answer are the first words.
        let sms = by("split_horizon", "sms.box.test");
        assert_eq!(sms.verdict, Verdict::Fail);
        assert_eq!(
            sms.summary,
            "sms.box.test: internal 127.0.0.21; external gives 127.0.0.24, expected 127.0.0.26 (missing 127.0.0.26; unexpected 127.0.0.24)"
        );
        let tls = by("split_horizon", "tls.box.test");
        assert_eq!(tls.verdict, Verdict::Fail);
        assert!(
            tls.summary.starts_with(
                "tls.box.test: internal 127.0.0.22; external resolvers do not know the name"
            ),
            "{}",
            tls.summary
        );
        assert_eq!(
            by("resolves", "sms.box.test").summary,
            "sms.box.test resolves to 127.0.0.21 through internal 2, as expected"
        );
        let sql = by("resolves", "sql.box.test");
        assert_eq!(sql.verdict, Verdict::Fail);
        assert!(
            sql.summary.starts_with(&format!(
                "sql.box.test: the resolver external 1 ({}) says sql.box.test does not exist (NXDOMAIN)",
                world.external.addr
            )),
            "{}",
            sql.summary
        );
        for r in results.iter().filter(|r| r.check != "resolver_up") {
            assert!(!r.summary.contains("did not answer"), "{}", r.summary);
        }
    });
}

/// The resolvers are asked as a stub resolver asks its servers: silence and SERVFAIL move on to
/// the next, NXDOMAIN ends the search, and a server that stayed silent is asked last afterwards.
#[test]
fn a_stub_resolver_skips_silence_and_servfail_and_stops_at_nxdomain() {
    use preflight::probe::dns::{QueryOptions, Resolver, ResolverSpec};
    use preflight::probe::resolve::Resolution;
    let world = World::new();
    let broken = DnsServer::start_on(v4(5), &[], &["box.test."]);
    let resolver = |label: &str, addr: SocketAddr| {
        assert!(addr.ip().is_loopback());
        Resolver::new(
            &ResolverSpec::server(addr).with_label(label),
            QueryOptions {
                timeout: SHORT,
                attempts: 1,
            },
        )
        .expect("resolver")
    };
    let resolution = Resolution::new(
        None,
        vec![
            resolver("dead", world.dead()),
            resolver("broken", broken.addr),
            resolver("live", world.internal.addr),
            resolver("outside", world.external.addr),
        ],
    );
    guarded(async {
        let started = Instant::now();
        let tls = resolution.lookup("tls.box.test").await.expect("resolves");
        assert_eq!(tls.addresses, [v4(22)]);
        assert_eq!(tls.source, format!("live ({})", world.internal.addr));
        assert!(started.elapsed() >= SHORT, "the dead one was asked first");

        let started = Instant::now();
        let ghost = resolution
            .lookup("ghost.box.test")
            .await
            .expect_err("unknown");
        assert!(started.elapsed() < SHORT, "the dead one is asked last now");
        let said: Vec<(&str, &str)> = ghost
            .asked
            .iter()
            .map(|a| (a.source.as_str(), a.said.as_str()))
            .collect();
        let broken_at = format!("broken ({})", broken.addr);
        let live_at = format!("live ({})", world.internal.addr);
        assert_eq!(
            said,
            [
                (broken_at.as_str(), "SERVFAIL"),
                (live_at.as_str(), "no such name (NXDOMAIN)"),
            ]
        );
        // Resolved once per run: the same answer again, at once.
        let started = Instant::now();
        assert_eq!(resolution.lookup("TLS.box.test.").await, Ok(tls));
        assert!(started.elapsed() < Duration::from_millis(50));
    });
}
