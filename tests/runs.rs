//! Evidence and answers kept by ordinary use, on the real binary: a probe run of one kind keeps
//! the vantage's other results and their times, and the exports say how old each result was;
//! `report merge` keeps the result that answered beside a later one that could not tell,
//! leaves conflicting answers for a person (`--prefer`, `--take`) and unions the sites;
//! `site import` says what it adds, changes and keeps, and `--replace` takes the file whole;
//! every command that writes a file writes it when its stdout and stderr are closed pipes.
//!
//! Every child runs with `XDG_DATA_HOME`, `XDG_CONFIG_HOME` and `HOME` in a fresh temporary
//! directory and a watchdog; the only network is a listener on loopback.

use std::fs;

use std::process::Stdio;
use std::time::{Duration, Instant};

mod common;

use common::home::Home;
use common::{Out, WATCHDOG};
use preflight::assessment::{Assessment, Response, Value};
use preflight::checklist::{Checklist, builtin};
use preflight::probe::{ProbeKind, ProbeResult, Verdict};
use preflight::report::Report;
use preflight::report::document::ResponseDoc;

const CHECKLIST: &str = "activesync-device-trust";

impl Home {
    fn closed_pipes(&self, args: &[&str]) -> i32 {
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        drop(child.stderr.take());
        let deadline = Instant::now() + WATCHDOG;
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("preflight {} still ran after {WATCHDOG:?}", args.join(" "));
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        status.code().unwrap_or_else(|| {
            panic!(
                "preflight {} was ended by a signal with its output closed: {status:?}",
                args.join(" ")
            )
        })
    }
}

/// A site of one database host on loopback, its port rule from `Console`, and a name the hosts
/// file must carry.
fn site_file(port: u16, address: &str) -> String {
    format!(
        r#"site = "Loopback General"

[resolvers]
internal = ["127.0.0.1:53", "127.0.0.2:53"]

[[host]]
name = "db"
address = "{address}"
roles = ["DB"]

[[name]]
fqdn = "db.example.test"
hosts_entry = "127.0.0.1"

[[port]]
from = "Console"
to = "DB"
ports = "{port}"

[[sql]]
server = "db.example.test"
user = "probe"
"#
    )
}

fn probe(h: &Home, only: &str) -> Out {
    let out = h.run(&[
        "probe",
        "--session",
        "s",
        "--from",
        "Console",
        "--only",
        only,
        "--no-system-resolver",
        "--hosts-file",
        "hosts",
        "--timeout",
        "1500",
        "--format",
        "json",
    ]);
    assert!(out.code <= 1, "{}", out.both());
    assert!(out.stderr.contains("results saved"), "{}", out.both());
    out
}

fn results(h: &Home) -> Vec<(String, String, String)> {
    let shown = Report::from_bytes(&fs::read(h.path("r.json")).expect("read")).expect("report");
    let v = shown
        .vantages
        .iter()
        .find(|v| v.name == "Console")
        .expect("the Console vantage");
    let mut got: Vec<(String, String, String)> = v
        .results
        .iter()
        .map(|r| (r.kind.clone(), r.target.clone(), r.at.clone()))
        .collect();
    got.sort();
    got
}

#[test]
fn a_run_of_one_kind_keeps_the_vantages_other_results_and_their_times() {
    let h = Home::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = listener.local_addr().expect("address").port();
    fs::write(h.path("site.toml"), site_file(port, "127.0.0.1")).expect("site");
    fs::write(h.path("hosts"), "127.0.0.1 db.example.test\n").expect("hosts");
    h.ok(&["session", "new", "s", "--checklist", CHECKLIST]);
    h.ok(&["site", "import", "s", "site.toml"]);

    probe(&h, "hosts");
    std::thread::sleep(Duration::from_millis(1100));
    probe(&h, "tcp");
    h.ok(&["report", "build", "--session", "s", "--out", "r.json"]);
    let first = results(&h);
    let kinds: Vec<&str> = first.iter().map(|(k, _, _)| k.as_str()).collect();
    assert!(
        kinds.contains(&"hosts") && kinds.contains(&"tcp"),
        "a TCP run kept the hosts result: {first:?}"
    );
    let hosts_at = |r: &[(String, String, String)]| {
        r.iter()
            .find(|(k, _, _)| k == "hosts")
            .map(|(_, _, at)| at.clone())
            .expect("hosts result")
    };
    let tcp_at = |r: &[(String, String, String)]| {
        r.iter()
            .find(|(k, _, _)| k == "tcp")
            .map(|(_, _, at)| at.clone())
            .expect("tcp result")
    };
    assert!(hosts_at(&first) < tcp_at(&first), "{first:?}");

    // Another TCP run replaces the TCP result only; the hosts result keeps its own time.
    std::thread::sleep(Duration::from_millis(1100));
    probe(&h, "tcp");
    h.ok(&["report", "build", "--session", "s", "--out", "r.json"]);
    let second = results(&h);
    assert_eq!(second.len(), first.len(), "{second:?}");
    assert_eq!(hosts_at(&second), hosts_at(&first));
    assert!(tcp_at(&second) > tcp_at(&first), "{second:?}");

    // The exports say how old each result was when the report was built.
    for (format, file) in [("md", "r.md"), ("html", "r.html")] {
        h.ok(&[
            "report",
            "export",
            "r.json",
            "--format",
            format,
            "--unsigned",
            "--out",
            file,
        ]);
        let text = fs::read_to_string(h.path(file)).expect("read");
        assert!(
            text.contains(&format!("{}, ", hosts_at(&second)))
                && (text.contains("before the report")
                    || text.contains("at the time of the report")),
            "{format}: {text}"
        );
    }
    drop(listener);
}

/// A report of one assessment of the builtin checklist, built by the library as `report
/// build` builds it.
fn report_of(
    c: &Checklist,
    name: &str,
    address: &str,
    answers: &[(&str, Value, &str)],
    result: ProbeResult,
) -> Report {
    let mut a = Assessment::new(name, c, "2026-01-01T00:00:00Z");
    a.site = preflight::site::Site::parse(&site_file(1433, address), std::path::Path::new("s"))
        .expect("site");
    for (item, value, at) in answers {
        a.answer(c, item, Response::Value(value.clone()), name, at)
            .expect("answer");
    }
    a.record_run("Console", "Console", name, &result.at.clone(), &[result]);
    Report::build(&a, c, "2026-01-03T00:00:00Z")
}

fn sql_result(verdict: Verdict, at: &str, summary: &str) -> ProbeResult {
    ProbeResult {
        kind: ProbeKind::Sql,
        check: "edition".into(),
        target: "db.example.test".into(),
        verdict,
        summary: summary.into(),
        evidence: preflight::probe::Evidence::none(),
        at: at.into(),
        ms: 5,
    }
}

#[test]
#[expect(
    clippy::too_many_lines,
    clippy::many_single_char_names,
    reason = "one story: two reports merged, then each way a person settles them"
)]
fn merge_keeps_what_answered_and_leaves_conflicts_to_a_person() {
    let h = Home::new();
    let c = builtin::all()
        .expect("built-ins")
        .into_iter()
        .find(|c| c.id == CHECKLIST)
        .expect("checklist");
    // Two items a yes/no answers.
    let items: Vec<String> = c
        .items()
        .filter(|i| {
            Assessment::new("x", &c, "t")
                .answer(&c, &i.id, Response::Value(Value::Yes), "t", "t")
                .is_ok()
        })
        .map(|i| i.id.clone())
        .take(2)
        .collect();
    let (x, y) = (items[0].as_str(), items[1].as_str());
    let consultant = report_of(
        &c,
        "consultant",
        "10.0.0.5",
        &[
            (x, Value::Yes, "2026-01-01T10:00:00Z"),
            (y, Value::Yes, "2026-01-01T10:00:00Z"),
        ],
        sql_result(
            Verdict::Fail,
            "2026-01-01T10:00:00Z",
            "Standard edition, not Enterprise",
        ),
    );
    let later = report_of(
        &c,
        "later",
        "10.0.0.6",
        &[
            (x, Value::No, "2026-01-02T10:00:00Z"),
            (y, Value::Yes, "2026-01-02T10:00:00Z"),
        ],
        sql_result(Verdict::Error, "2026-01-02T10:00:00Z", "could not log in"),
    );
    fs::write(
        h.path("a.json"),
        consultant.to_canonical_bytes().expect("bytes"),
    )
    .expect("a");
    fs::write(h.path("b.json"), later.to_canonical_bytes().expect("bytes")).expect("b");

    let out = h.run(&["report", "merge", "b.json", "a.json", "--out", "m.json"]);
    assert_eq!(
        out.code,
        1,
        "an open conflict is for a person: {}",
        out.both()
    );
    let m = Report::from_bytes(&fs::read(h.path("m.json")).expect("m")).expect("report");
    // The SQL result that answered stays; the later failure to log in is shown beside it.
    let sql: Vec<&str> = m.vantages[0]
        .results
        .iter()
        .filter(|r| r.kind == "sql")
        .map(|r| r.summary.as_str())
        .collect();
    assert_eq!(sql, ["Standard edition, not Enterprise"]);
    let doc = m.merge.as_ref().expect("merge");
    assert_eq!(doc.set_aside.len(), 1);
    assert_eq!(doc.set_aside[0].result.summary, "could not log in");
    assert!(out.stderr.contains("both are shown"), "{}", out.stderr);
    // The consultant's answer is not beaten by the clock.
    let answer = |r: &Report, id: &str| {
        r.answers
            .iter()
            .find(|a| a.item == id)
            .and_then(|a| a.response.clone())
    };
    assert_eq!(answer(&m, x), Some(ResponseDoc::Yes));
    assert_eq!(
        answer(&m, y),
        Some(ResponseDoc::Yes),
        "agreement is no conflict"
    );
    assert_eq!(doc.conflicts.len(), 1);
    assert!(doc.conflicts[0].open);
    assert!(
        out.stderr.contains(&format!(
            "settle with --take {x}=consultant or --take {x}=later"
        )),
        "{}",
        out.stderr
    );
    // The site is the union, its conflict named.
    assert_eq!(doc.site_conflicts.len(), 1, "{:?}", doc.site_conflicts);
    assert_eq!(
        (
            doc.site_conflicts[0].table.as_str(),
            doc.site_conflicts[0].key.as_str()
        ),
        ("host", "db")
    );
    assert_eq!(m.site["host"][0]["address"], "10.0.0.5");
    assert!(
        out.stderr
            .contains("the sites say host db differently: address 10.0.0.5 in consultant; address 10.0.0.6 in later; the merged site has consultant's"),
        "{}",
        out.stderr
    );

    // Settled: by item, or by report (the site follows the preferred report).
    h.ok(&[
        "report",
        "merge",
        "a.json",
        "b.json",
        "--out",
        "t.json",
        "--take",
        &format!("{x}=later"),
    ]);
    let t = Report::from_bytes(&fs::read(h.path("t.json")).expect("t")).expect("report");
    assert_eq!(answer(&t, x), Some(ResponseDoc::No));
    h.ok(&[
        "report", "merge", "a.json", "b.json", "--out", "p.json", "--prefer", "b.json",
    ]);
    let p = Report::from_bytes(&fs::read(h.path("p.json")).expect("p")).expect("report");
    assert_eq!(answer(&p, x), Some(ResponseDoc::No));
    assert_eq!(p.site["host"][0]["address"], "10.0.0.6");
    let out = h.run(&[
        "report", "merge", "a.json", "b.json", "--out", "bad.json", "--take", "nonsense",
    ]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(out.stderr.contains("is not ITEM=NAME"), "{}", out.stderr);
}

#[test]
fn site_import_says_what_it_adds_changes_and_keeps() {
    let h = Home::new();
    fs::write(h.path("site.toml"), site_file(1433, "10.0.0.5")).expect("site");
    h.ok(&["session", "new", "s", "--checklist", CHECKLIST]);
    let first = h.ok(&["site", "import", "s", "site.toml"]);
    assert!(first.stdout.contains("added host db"), "{}", first.stdout);

    // The corrected file: another address, a resolver gone, the certificate trusted.
    let corrected = site_file(1433, "10.0.0.9")
        .replace(", \"127.0.0.2:53\"", "")
        .replace(
            "user = \"probe\"",
            "user = \"probe\"\ntrust_server_certificate = true",
        );
    fs::write(h.path("fixed.toml"), corrected).expect("fixed");
    let out = h.ok(&["site", "import", "s", "fixed.toml"]);
    for line in [
        "changed host db: address 10.0.0.5 → 10.0.0.9",
        "changed sql db.example.test: trust_server_certificate - → true",
        "kept resolvers.internal 127.0.0.2:53 (not in fixed.toml; --replace removes it)",
        "s: 0 added, 2 changed, 1 not in the file kept from fixed.toml",
    ] {
        assert!(out.stdout.contains(line), "{line}\n{}", out.stdout);
    }
    let shown = h.json(&["site", "show", "s", "--format", "json"]);
    assert_eq!(shown["host"][0]["address"], "10.0.0.9");
    assert_eq!(shown["sql"][0]["trust_server_certificate"], true);
    assert_eq!(
        shown["resolvers"]["internal"].as_array().map(Vec::len),
        Some(2)
    );

    let out = h.ok(&["site", "import", "s", "fixed.toml", "--replace"]);
    assert!(
        out.stdout
            .contains("removed resolvers.internal 127.0.0.2:53")
            && out.stdout.contains("0 added, 0 changed, 1 removed"),
        "{}",
        out.stdout
    );
    let shown = h.json(&["site", "show", "s", "--format", "json"]);
    assert_eq!(
        shown["resolvers"]["internal"].as_array().map(Vec::len),
        Some(1)
    );
    let out = h.ok(&["site", "import", "s", "fixed.toml"]);
    assert!(
        out.stdout
            .contains("0 added, 0 changed, 0 not in the file kept"),
        "{}",
        out.stdout
    );
}

#[test]
fn every_command_writes_its_files_with_its_output_closed() {
    let h = Home::new();
    fs::write(h.path("site.toml"), site_file(1, "127.0.0.1")).expect("site");
    fs::write(h.path("hosts"), "127.0.0.1 db.example.test\n").expect("hosts");
    let quiet = |args: &[&str]| h.closed_pipes(args);
    assert_eq!(quiet(&["init", "--out", "init.toml"]), 0);
    assert!(h.path("init.toml").exists());
    assert_eq!(quiet(&["session", "new", "s", "--checklist", CHECKLIST]), 0);
    assert_eq!(quiet(&["session", "new", "t", "--checklist", CHECKLIST]), 0);
    assert_eq!(quiet(&["site", "import", "s", "site.toml"]), 0);
    assert_eq!(quiet(&["site", "import", "t", "site.toml"]), 0);
    let item = h.json(&["session", "show", "s", "--format", "json"])["items"][0]["id"]
        .as_str()
        .expect("an item")
        .to_owned();
    assert_eq!(
        quiet(&["session", "answer", "s", &item, "n/a", "--note", "pilot"]),
        0
    );
    assert_eq!(
        quiet(&["session", "answer", "t", &item, "n/a", "--note", "later"]),
        0
    );
    let code = quiet(&[
        "probe",
        "--session",
        "s",
        "--from",
        "Console",
        "--only",
        "hosts",
        "--no-system-resolver",
        "--hosts-file",
        "hosts",
    ]);
    assert!(code <= 1, "{code}");
    assert_eq!(quiet(&["site", "export", "s", "--out", "export.toml"]), 0);
    assert!(h.path("export.toml").exists());
    assert_eq!(
        quiet(&["report", "build", "--session", "s", "--out", "a.json"]),
        0
    );
    assert_eq!(
        quiet(&["report", "build", "--session", "t", "--out", "b.json"]),
        0
    );
    assert_eq!(quiet(&["keygen", "--identity", "ann"]), 0);
    assert_eq!(quiet(&["report", "sign", "a.json"]), 0);
    assert!(h.path("a.json.sig").exists());
    assert_eq!(
        quiet(&[
            "report", "export", "a.json", "--format", "html", "--out", "a.html"
        ]),
        0
    );
    assert!(h.path("a.html").exists());
    assert!(quiet(&["report", "diff", "a.json", "b.json"]) <= 1);
    // The case of the issue: notes and a conflict on stderr, nobody reading.
    let code = quiet(&["report", "merge", "a.json", "b.json", "--out", "m.json"]);
    assert_eq!(code, 1, "the conflict is still said by the exit code");
    let m = Report::from_bytes(&fs::read(h.path("m.json")).expect("m.json written"))
        .expect("a whole report");
    assert_eq!(m.merge.expect("merge").conflicts.len(), 1);
    let session = h.json(&["session", "show", "s", "--format", "json"]);
    assert!(
        session.to_string().contains("pilot"),
        "the answer was saved"
    );
}
