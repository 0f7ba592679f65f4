//! `preflight probe` end to end: a site whose names resolve through real DNS servers on
//! loopback (an internal and an external one that disagree), a hosts file written by the test,
//! and port rules against real listeners; results saved in a session and matched to the items
//! of a checklist. No traffic leaves loopback: the system resolver is left out and every host
//! is an IP literal.

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
            r["check"] == check
                && (r["evidence"][key].as_str() == Some(value)
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
    let states: Vec<&str> = both["evidence"]["outcomes"]
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
