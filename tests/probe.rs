//! `preflight probe` end to end: a site whose names resolve through real DNS servers on
//! loopback (an internal and an external one that disagree), a hosts file written by the test,
//! and port rules against real listeners; results saved in a session and matched to the items
//! of a checklist. No traffic leaves loopback: the system resolver is left out, and every host
//! is an IP literal or a name only the test's DNS servers or hosts file know.

use std::fs;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;

use common::dns_server::DnsServer;
use common::{Out, run_with_watchdog};

const BIN: &str = env!("CARGO_BIN_EXE_preflight");

const INTERNAL: &str = r"
$ORIGIN example.test.
$TTL 60
@          IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 60
@          IN NS  ns.example.test.
sql1       IN A   10.1.5.11
spokmobile IN A   10.1.2.3
";

const INTERNAL_REVERSE: &str = r"
$ORIGIN 5.1.10.in-addr.arpa.
$TTL 60
@   IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 60
@   IN NS  ns.example.test.
11  IN PTR sql1.example.test.
";

const EXTERNAL: &str = r"
$ORIGIN example.test.
$TTL 60
@          IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 60
@          IN NS  ns.example.test.
spokmobile IN A   203.0.113.7
";

/// A checklist whose items bind to what the site's probes check.
const CHECKLIST: &str = r#"
[checklist]
id = "probe-test"
version = "1"
title = "Probe test"
source = "test"
roles = ["Console", "DB"]

[[section]]
id = "net"
title = "Network"

[[section.item]]
id = "net.db"
prompt = "Can the console reach the database ports?"
kind = "confirm"
severity = "blocker"
source = "test"
good = ["yes"]
probe = { kind = "tcp", check = "reachable", from = "Console", to = "DB", expect = { ports = "PORTS" } }

[[section.item]]
id = "net.open"
prompt = "Can the console reach the open port?"
kind = "confirm"
severity = "major"
source = "test"
good = ["yes"]
probe = { kind = "tcp", check = "reachable", from = "Console", to = "DB", expect = { ports = "OPEN" } }

[[section.item]]
id = "net.mirror"
prompt = "Do forward and reverse lookups of sql1 agree?"
kind = "confirm"
severity = "major"
source = "test"
good = ["yes"]
probe = { kind = "dns", check = "reverse_matches", expect = { names = ["sql1.example.test"] } }
"#;

struct World {
    dir: tempfile::TempDir,
    _internal: DnsServer,
    _external: DnsServer,
    _listener: TcpListener,
    open: u16,
    closed: u16,
}

fn world() -> World {
    let internal = DnsServer::start(
        &[
            ("example.test.", INTERNAL.to_owned()),
            ("5.1.10.in-addr.arpa.", INTERNAL_REVERSE.to_owned()),
        ],
        &[],
    );
    let external = DnsServer::start(&[("example.test.", EXTERNAL.to_owned())], &[]);
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    let open = listener.local_addr().expect("address").port();
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("address").port()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    for sub in ["data", "config/preflight/checklists", "home"] {
        fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
    }
    fs::write(
        dir.path().join("hosts"),
        "127.0.0.1 localhost\n10.1.5.11\tsql1.example.test sql1\n10.9.9.9 spokmobile.example.test\n",
    )
    .expect("hosts file");
    let site = format!(
        r#"site = "Loopback General"
[resolvers]
internal = ["{internal}"]
external = ["{external}"]

[[host]]
name = "db"
address = "127.0.0.1"
roles = ["DB"]

[[name]]
fqdn = "sql1.example.test"
internal = ["10.1.5.11"]
reverse = true
hosts_entry = "10.1.5.11"

[[name]]
fqdn = "spokmobile.example.test"
internal = ["10.1.2.3"]
external = ["203.0.113.7"]

[[port]]
from = "Console"
to = "DB"
ports = "{open},{closed}"
purpose = "database"

[[port]]
from = "Console"
to = "DB"
ports = "{open}"

[[port]]
from = "Console"
to = "DB"
protocol = "udp"
ports = "135-139"
"#,
        internal = internal.addr,
        external = external.addr,
    );
    fs::write(dir.path().join("site.toml"), site).expect("site file");
    let checklist = CHECKLIST
        .replace("PORTS", &format!("{open},{closed}"))
        .replace("OPEN", &open.to_string());
    fs::write(
        dir.path()
            .join("config/preflight/checklists/probe-test.toml"),
        checklist,
    )
    .expect("checklist");
    World {
        dir,
        _internal: internal,
        _external: external,
        _listener: listener,
        open,
        closed,
    }
}

fn preflight(home: &Path, args: &[&str]) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("HOME", home.join("home"))
        .env("PREFLIGHT_USER", "tester")
        .env_remove("RUST_BACKTRACE");
    run_with_watchdog(cmd, &format!("preflight {}", args.join(" ")))
}

fn probe_args<'a>(w: &'a World, extra: &[&'a str]) -> Vec<String> {
    let p = |name: &str| w.dir.path().join(name).display().to_string();
    let mut args: Vec<String> = [
        "probe",
        "--from",
        "Console",
        "--no-system-resolver",
        "--timeout",
        "1500",
        "--format",
        "json",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(["--hosts-file".to_owned(), p("hosts")]);
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

fn find<'a>(results: &'a [Value], check: &str, key: &str, value: &str) -> &'a Value {
    results
        .iter()
        .find(|r| {
            let subject = &r["evidence"]["subject"];
            let about = if key == "ports" {
                &subject["row"]["ports"]
            } else {
                &subject[key]
            };
            r["check"] == check
                && (about.as_str() == Some(value)
                    || (key == "name" && r["target"].as_str() == Some(value)))
        })
        .unwrap_or_else(|| panic!("no {check} result for {value}: {results:#?}"))
}

#[test]
fn a_site_is_probed_from_its_vantage_and_the_findings_say_why() {
    let w = world();
    let site = w.dir.path().join("site.toml").display().to_string();
    let mut args = probe_args(&w, &["--site"]);
    args.push(site);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = preflight(w.dir.path(), &args);
    assert_eq!(out.code, 1, "a refused port is a finding\n{}", out.both());
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["vantage"], "Console");
    let results = json["results"].as_array().expect("results");

    let both = find(
        results,
        "reachable",
        "ports",
        &format!("{},{}", w.open, w.closed),
    );
    assert_eq!(both["verdict"], "fail", "{both:#}");
    let states: Vec<&str> = both["evidence"]["facts"]["tcp"]["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .map(|o| o["state"].as_str().expect("state"))
        .collect();
    assert_eq!(states, ["open", "refused"]);
    assert!(
        both["summary"]
            .as_str()
            .expect("summary")
            .contains("refused"),
        "{both:#}"
    );
    let open_only = find(results, "reachable", "ports", &w.open.to_string());
    assert_eq!(open_only["verdict"], "pass", "{open_only:#}");
    let udp = find(results, "reachable", "ports", "135-139");
    assert_eq!(udp["verdict"], "skipped");
    assert!(
        udp["summary"]
            .as_str()
            .expect("summary")
            .contains("UDP cannot be tested")
    );

    assert_eq!(
        find(results, "resolves", "name", "sql1.example.test")["verdict"],
        "pass"
    );
    let inside_only = find(results, "split_horizon", "name", "sql1.example.test");
    assert_eq!(inside_only["verdict"], "pass", "{inside_only:#}");
    assert_eq!(
        find(results, "reverse_matches", "name", "sql1.example.test")["verdict"],
        "pass"
    );
    let split = find(results, "split_horizon", "name", "spokmobile.example.test");
    assert_eq!(split["verdict"], "pass", "{split:#}");
    assert_eq!(
        find(results, "entry_present", "name", "sql1.example.test")["verdict"],
        "pass"
    );
    let overridden = find(
        results,
        "consistent_with_dns",
        "name",
        "spokmobile.example.test",
    );
    assert_eq!(overridden["verdict"], "fail", "{overridden:#}");
    assert!(
        overridden["summary"]
            .as_str()
            .expect("summary")
            .contains("10.9.9.9"),
        "{overridden:#}"
    );
    assert_eq!(json["summary"]["fail"], 2, "{:#}", json["summary"]);
}

#[test]
fn results_saved_in_a_session_answer_its_items() {
    let w = world();
    let home = w.dir.path();
    let site = home.join("site.toml").display().to_string();
    let out = preflight(home, &["session", "new", "lg", "--checklist", "probe-test"]);
    assert_eq!(out.code, 0, "{}", out.both());
    let out = preflight(home, &["site", "import", "lg", &site]);
    assert_eq!(out.code, 0, "{}", out.both());

    let mut args = probe_args(&w, &["--session", "lg"]);
    args.retain(|a| a != "--format" && a != "json");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = preflight(home, &args);
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(out.stdout.contains("FAIL"), "{}", out.both());
    assert!(
        out.stderr.contains("results saved in session `lg`"),
        "{}",
        out.both()
    );

    let show = preflight(home, &["session", "show", "lg", "--format", "json"]);
    let json: Value = serde_json::from_str(&show.stdout).expect("JSON");
    let item = |id: &str| {
        json["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .expect("item")
    };
    assert_eq!(item("net.db")["probe"]["verdict"], "fail");
    assert_eq!(item("net.db")["probe"]["suggestion"], "no");
    assert_eq!(item("net.open")["probe"]["verdict"], "pass");
    assert_eq!(item("net.open")["probe"]["suggestion"], "yes");
    assert_eq!(item("net.mirror")["probe"]["verdict"], "pass");
    assert_eq!(item("net.db")["probe"]["results"][0]["vantage"], "Console");
}

#[test]
fn without_a_role_port_rules_wait_and_the_note_says_how() {
    let w = world();
    let site = w.dir.path().join("site.toml").display().to_string();
    let mut args = probe_args(&w, &["--site", &site, "--only", "tcp"]);
    let from = args.iter().position(|a| a == "--from").expect("--from");
    args.drain(from..=from + 1);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = preflight(w.dir.path(), &args);
    assert_eq!(out.code, 0, "{}", out.both());
    assert!(
        out.stderr.contains("--from ROLE (roles: Console, DB)"),
        "{}",
        out.both()
    );
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["results"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_broken_site_file_is_reported_with_its_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    fs::write(
        &file,
        "[[port]]\nfrom = \"a\"\nto = \"b\"\nports = \"443,http\"\n",
    )
    .expect("write");
    let out = preflight(
        dir.path(),
        &["probe", "--site", &file.display().to_string()],
    );
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stderr.contains("bad.toml:4:14: invalid port list"),
        "{}",
        out.both()
    );
}

#[test]
fn a_port_workbook_imports_with_continuation_rows_and_rejects_bad_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("ports.csv");
    fs::write(
        &good,
        "Source,Destination,Port Numbers,Allowing Outbound Traffic?,Purpose\n\
         Console Web Server - 1,Spok Mobile Servers via Load Balancer,TCP 8091,No,Send messages\n\
         ,,\"TCP 20000,20001\",No,\n",
    )
    .expect("write");
    let out = preflight(
        dir.path(),
        &["site", "validate", &good.display().to_string()],
    );
    assert_eq!(out.code, 0, "{}", out.both());
    assert!(out.stdout.contains("2 port rules"), "{}", out.both());
    let bad = dir.path().join("bad.csv");
    fs::write(
        &bad,
        "Source,Destination,Port Numbers\nA,B,TCP 2000x\nA,B,TCP 443\n,C,TCP 1\n",
    )
    .expect("write");
    let out = preflight(
        dir.path(),
        &["site", "validate", &bad.display().to_string()],
    );
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(out.stderr.contains("bad.csv:2:5:"), "{}", out.both());
    // The guide's "2000x" does not say which ports: refused, with what to write instead.
    assert!(
        out.stderr
            .contains("write the site's MXPP ports, e.g. `20000,20001`"),
        "{}",
        out.both()
    );
    assert!(
        out.stderr.contains("bad.csv:4:1: expected a Source"),
        "{}",
        out.both()
    );
    assert!(out.stderr.contains("2 problems found"), "{}", out.both());
}

const BOX_INTERNAL: &str = r"
$ORIGIN box.test.
$TTL 60
@    IN SOA ns.box.test. admin.box.test. 1 3600 600 86400 60
@    IN NS  ns.box.test.
sms  IN A   127.0.0.31
sql  IN A   127.0.14.42
";

/// Outside, the Spok Mobile name still gives an old public address.
const BOX_EXTERNAL: &str = r"
$ORIGIN box.test.
$TTL 60
@    IN SOA ns.box.test. admin.box.test. 1 3600 600 86400 60
@    IN NS  ns.box.test.
sms  IN A   127.0.0.34
";

/// Two listeners on one port: the Spok Mobile server inside and its stale public address.
fn listeners_on_one_port() -> (TcpListener, TcpListener, u16) {
    for _ in 0..50 {
        let public = TcpListener::bind("127.0.0.34:0").expect("bind the public address");
        let port = public.local_addr().expect("address").port();
        if let Ok(inside) = TcpListener::bind(("127.0.0.31", port)) {
            return (inside, public, port);
        }
    }
    panic!("no port free on both 127.0.0.31 and 127.0.0.34");
}

fn by_target<'a>(results: &'a [Value], check: &str, target: &str) -> &'a Value {
    results
        .iter()
        .find(|r| r["check"] == check && r["target"].as_str().is_some_and(|t| t.contains(target)))
        .unwrap_or_else(|| panic!("no {check} result for {target}: {results:#?}"))
}

fn first_outcome(r: &Value) -> (&str, &str) {
    let o = &r["evidence"]["facts"]["tcp"]["outcomes"][0];
    (
        o["state"].as_str().expect("state"),
        o["address"].as_str().unwrap_or_default(),
    )
}

/// A site in a box for name resolution: an internal DNS server (127.0.0.2), an external one
/// (127.0.0.3), a dead internal resolver (a UDP socket on 127.0.0.4 that never answers), the
/// Spok Mobile server inside (127.0.0.31) and at its stale public address (127.0.0.34) on one
/// port, a file server only the hosts file knows (127.0.0.35), a SQL Server (127.0.14.42) and
/// a phone outside the firewall.
struct BoxSite {
    dir: tempfile::TempDir,
    internal: DnsServer,
    external: DnsServer,
    dead: std::net::SocketAddr,
    port: u16,
    files_port: u16,
    sql: common::tds_server::TdsServer,
    _dead: std::net::UdpSocket,
    _listeners: [TcpListener; 3],
}

impl BoxSite {
    fn new() -> Self {
        let internal = DnsServer::start_on(
            "127.0.0.2".parse().expect("ip"),
            &[("box.test.", BOX_INTERNAL.to_owned())],
            &[],
        );
        let external = DnsServer::start_on(
            "127.0.0.3".parse().expect("ip"),
            &[("box.test.", BOX_EXTERNAL.to_owned())],
            &[],
        );
        let dead_socket = std::net::UdpSocket::bind("127.0.0.4:0").expect("the dead resolver");
        let dead = dead_socket.local_addr().expect("address");
        let (inside, public, port) = listeners_on_one_port();
        let files = TcpListener::bind("127.0.0.35:0").expect("bind");
        let files_port = files.local_addr().expect("address").port();
        let sql = common::tds_server::TdsServer::start_on(
            "127.0.14.42".parse().expect("ip"),
            common::sql_site::healthy(),
        );
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["data", "config", "home"] {
            fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        fs::write(
            dir.path().join("hosts"),
            "127.0.0.1 localhost\n127.0.0.35 files.box.test\n",
        )
        .expect("hosts");
        fs::write(
            dir.path().join("site.toml"),
            format!(
                r#"site = "Box"
[resolvers]
internal = ["{dead}", "{internal}"]
external = ["{external}"]

[[host]]
name = "sms"
address = "sms.box.test"
roles = ["SMS"]

[[host]]
name = "files"
address = "files.box.test"
roles = ["Files"]

[[host]]
name = "phone"
address = "phone.box.test"
roles = ["Mobile User"]
outside = true

[[name]]
fqdn = "sms.box.test"
internal = ["127.0.0.31"]
external = ["127.0.0.34"]

[[port]]
from = "Console"
to = "SMS"
ports = "{port}"

[[port]]
from = "Console"
to = "Files"
ports = "{files_port}"

[[port]]
from = "Mobile User"
to = "SMS"
ports = "{port}"

[[sql]]
server = "sql.box.test:{sql_port}"
user = "probe"
trust_server_certificate = true
"#,
                internal = internal.addr,
                external = external.addr,
                sql_port = sql.addr().port(),
            ),
        )
        .expect("site");
        Self {
            dir,
            internal,
            external,
            dead,
            port,
            files_port,
            sql,
            _dead: dead_socket,
            _listeners: [inside, public, files],
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// `preflight probe --site … --no-system-resolver --timeout 800 [--format json]` and `extra`.
    fn probe(&self, json: bool, extra: &[&str]) -> Out {
        let mut cmd = Command::new(BIN);
        cmd.args(["probe", "--site", &self.path("site.toml")])
            .args(["--no-system-resolver", "--timeout", "800"])
            .args(if json { &["--format", "json"][..] } else { &[] })
            .args(extra)
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("HOME", self.dir.path().join("home"))
            .env("PREFLIGHT_USER", "tester")
            .env("PREFLIGHT_SQL_PASSWORD", common::sql_site::PASSWORD);
        run_with_watchdog(cmd, &format!("preflight probe {}", extra.join(" ")))
    }

    fn probe_json(&self, extra: &[&str]) -> Value {
        let out = self.probe(true, extra);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", out.both()))
    }
}

/// The real binary, inside as the console: every connection resolves names through the run's
/// hosts file, then its internal resolvers (the first one dead, said once).
#[test]
fn connections_resolve_through_the_runs_hosts_file_and_resolvers() {
    let b = BoxSite::new();
    let hosts = b.path("hosts");
    let json = b.probe_json(&["--from", "Console", "--hosts-file", &hosts]);
    assert_eq!(json["outside"], false);
    assert_eq!(
        json["resolution"],
        serde_json::json!([
            format!("the hosts file {hosts}"),
            format!("internal 1 ({})", b.dead),
            format!("internal 2 ({})", b.internal.addr),
        ])
    );
    let results = json["results"].as_array().expect("results");
    let sms = by_target(results, "reachable", "sms.box.test");
    let at = format!("127.0.0.31:{}", b.port);
    assert_eq!(first_outcome(sms), ("open", at.as_str()), "{sms:#}");
    assert_eq!(
        sms["evidence"]["subject"]["resolved"]["source"],
        format!("internal 2 ({})", b.internal.addr)
    );
    let files = by_target(results, "reachable", "files.box.test");
    let at = format!("127.0.0.35:{}", b.files_port);
    assert_eq!(first_outcome(files), ("open", at.as_str()), "{files:#}");
    let db = by_target(results, "probe", "sql.box.test");
    assert_eq!(
        db["evidence"]["facts"]["sql"]["facts"]["connection_error"],
        Value::Null,
        "{db:#}"
    );
    assert_eq!(b.sql.log().logins.len(), 1);
    let down: Vec<&Value> = results
        .iter()
        .filter(|r| r["check"] == "resolver_up" && r["verdict"] == "fail")
        .collect();
    assert_eq!(down.len(), 1, "{results:#?}");
    assert_eq!(down[0]["target"], format!("internal 1 ({})", b.dead));
    let split = by_target(results, "split_horizon", "sms.box.test");
    assert_eq!(split["verdict"], "pass", "{split:#}");
}

/// The real binary, outside as a phone: the external resolver alone, no hosts file; the stale
/// public address is where the connection goes.
#[test]
fn the_outside_vantage_connects_where_a_phone_on_the_street_would() {
    let b = BoxSite::new();
    let json = b.probe_json(&["--from", "Mobile User"]);
    assert_eq!(json["outside"], true);
    assert_eq!(
        json["resolution"],
        serde_json::json!([format!("external 1 ({})", b.external.addr)])
    );
    let results = json["results"].as_array().expect("results");
    let sms = by_target(results, "reachable", "sms.box.test");
    let at = format!("127.0.0.34:{}", b.port);
    assert_eq!(first_outcome(sms), ("open", at.as_str()), "{sms:#}");
    let hosts = results
        .iter()
        .find(|r| r["kind"] == "hosts")
        .expect("a hosts result");
    assert_eq!(hosts["verdict"], "skipped");
    assert!(
        results
            .iter()
            .filter(|r| r["check"] == "resolver_up")
            .all(|r| r["evidence"]["facts"]["seen"]["side"] == "external"),
        "{results:#?}"
    );

    // --outside with a hosts file is refused before anything runs; the text report says how
    // names resolved.
    let out = b.probe(true, &["--outside", "--hosts-file", &b.path("hosts")]);
    assert_eq!(out.code, 2, "{}", out.both());
    let out = b.probe(false, &["--from", "Mobile User", "--only", "tcp"]);
    assert!(
        out.stdout.contains(&format!(
            "outside the site: names resolve through external 1 ({})",
            b.external.addr
        )),
        "{}",
        out.both()
    );
}
