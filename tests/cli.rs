//! The real binary from the command line: help and version, the checklist commands (listing,
//! validation with positioned errors, JSON output, probe kinds) and the session commands (create,
//! answer every kind, refusals that leave the file untouched, damaged and newer files, bad
//! names, and a session locked by a running TUI).
//!
//! Every child runs with `XDG_DATA_HOME`, `XDG_CONFIG_HOME` and `HOME` in a fresh temporary
//! directory, stdin closed, and a watchdog that kills it and fails the test if it hangs.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{Out, run_with_watchdog};
use serde_json::Value;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_preflight");
const VERSION: &str = env!("CARGO_PKG_VERSION");
const ACTIVESYNC: &str = "activesync-device-trust";
const BUILTINS: [&str; 3] = ["spok-mobile-4.5", "sap-smp-relay-https", ACTIVESYNC];

// ---------------------------------------------------------------------------------------------
// Running the binary

/// A fresh home for preflight: data and config directories in a temporary directory.
struct Site {
    dir: TempDir,
}

impl Site {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["data", "config", "home"] {
            fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        Self { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn data(&self) -> PathBuf {
        self.root().join("data")
    }

    fn config(&self) -> PathBuf {
        self.root().join("config")
    }

    fn sessions(&self) -> PathBuf {
        self.data().join("preflight").join("sessions")
    }

    fn session_file(&self, name: &str) -> PathBuf {
        self.sessions().join(format!("{name}.json"))
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .current_dir(self.root())
            .env("XDG_DATA_HOME", self.data())
            .env("XDG_CONFIG_HOME", self.config())
            .env("HOME", self.root().join("home"))
            .env("PREFLIGHT_USER", "tester")
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE");
        cmd
    }

    fn run(&self, args: &[&str]) -> Out {
        run_with_watchdog(self.command(args), &format!("preflight {}", args.join(" ")))
    }

    /// Runs and expects exit 0.
    fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(
            out.code,
            0,
            "preflight {} failed:\n{}",
            args.join(" "),
            out.both()
        );
        out
    }

    /// Runs, expects exit 0, and parses stdout as JSON.
    fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "preflight {} printed no JSON: {e}\n{}",
                args.join(" "),
                out.both()
            )
        })
    }

    fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.session_file(name)).expect("read the session file")
    }
}

// ---------------------------------------------------------------------------------------------
// Help and version

/// Every command path below the top level.
const COMMANDS: [&[&str]; 10] = [
    &["checklists"],
    &["checklist"],
    &["checklist", "validate"],
    &["checklist", "show"],
    &["checklist", "probes"],
    &["session"],
    &["session", "list"],
    &["session", "new"],
    &["session", "show"],
    &["session", "answer"],
];

#[test]
fn top_level_version_and_help() {
    let site = Site::new();
    // The commit the binary was built from, as git names it here (the build stamps it).
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown".to_owned(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        );
    for flag in ["--version", "-V"] {
        let out = site.ok(&[flag]);
        assert_eq!(
            out.stdout,
            format!("preflight {VERSION} (commit {commit})\n"),
            "{flag}"
        );
    }
    for flag in ["--help", "-h"] {
        let out = site.ok(&[flag]);
        assert!(
            out.stdout.contains("Usage: preflight [OPTIONS] [COMMAND]"),
            "{}",
            out.stdout
        );
        for word in [
            "checklists",
            "checklist",
            "session",
            "--session",
            "--checklist",
        ] {
            assert!(
                out.stdout.contains(word),
                "{flag} does not mention {word}:\n{}",
                out.stdout
            );
        }
    }
}

#[test]
fn help_on_every_subcommand() {
    let site = Site::new();
    for path in COMMANDS {
        let mut args = path.to_vec();
        args.push("--help");
        let out = site.ok(&args);
        let usage = format!("Usage: preflight {}", path.join(" "));
        assert!(
            out.stdout.contains(&usage),
            "`{}` does not show `{usage}`:\n{}",
            args.join(" "),
            out.stdout
        );
    }
    // `session answer` documents every form VALUE takes.
    let out = site.ok(&["session", "answer", "--help"]);
    for form in ["yes/no", "a,b;c,d", "n/a", "--note"] {
        assert!(out.stdout.contains(form), "{form}:\n{}", out.stdout);
    }
}

#[test]
fn version_on_every_subcommand() {
    let site = Site::new();
    let mut failures = Vec::new();
    for path in COMMANDS {
        let mut args = path.to_vec();
        args.push("--version");
        let out = site.run(&args);
        let last = path.last().expect("a command");
        if out.code != 0 || !out.stdout.contains(VERSION) || !out.stdout.contains(last) {
            failures.push(format!(
                "`preflight {}` exited {}:\n{}",
                args.join(" "),
                out.code,
                out.both()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "--version fails on {} of {} subcommands (clap needs `propagate_version = true`):\n{}",
        failures.len(),
        COMMANDS.len(),
        failures.join("\n")
    );
}

#[test]
fn checklist_needs_session_and_unknown_commands_fail() {
    let site = Site::new();
    let out = site.run(&["--checklist", ACTIVESYNC]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(out.stderr.contains("--session"), "{}", out.stderr);
    let out = site.run(&["frobnicate"]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(out.stderr.contains("frobnicate"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// Checklists

#[test]
fn checklists_lists_the_builtins_in_text_and_json() {
    let site = Site::new();
    let text = site.ok(&["checklists"]).stdout;
    let mut lines = text.lines();
    let header = lines.next().expect("a header line");
    assert!(
        header.starts_with("ID") && header.contains("VERSION") && header.ends_with("TITLE"),
        "{header}"
    );
    let json = site.json(&["checklists", "--format", "json"]);
    let list = json["checklists"].as_array().expect("checklists array");
    assert_eq!(list.len(), 3, "{json:#}");
    for id in BUILTINS {
        let entry = list
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing from JSON:\n{json:#}"));
        assert_eq!(entry["origin"], "built-in", "{entry}");
        // Spok 1.2.0 scopes its bindings and asks the MXPP ports; the others 1.1.0.
        let version = if id == "spok-mobile-4.5" {
            "1.2.0"
        } else {
            "1.1.0"
        };
        assert_eq!(entry["version"], version, "{entry}");
        let items = entry["items"].as_u64().expect("items count");
        assert!(items > 0, "{entry}");
        assert!(
            entry["hash"]
                .as_str()
                .is_some_and(|h| h.starts_with("sha256:") && h.len() == 7 + 64),
            "{entry}"
        );
        let title = entry["title"].as_str().expect("title");
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("{id} missing from the text list:\n{text}"));
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[1], version, "{line}");
        assert_eq!(cols[2], items.to_string(), "{line}");
        assert!(line.ends_with(title), "{line}");
    }
    assert_eq!(lines.count(), 3, "{text}");
    // The counts the README promises.
    let items: BTreeMap<&str, u64> = list
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("id"),
                c["items"].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(items[ACTIVESYNC], 22);
    assert_eq!(items["sap-smp-relay-https"], 44);
}

/// A valid checklist with one item of each kind that later tests break one way at a time.
fn checklist_file(items: &[&str]) -> String {
    let mut s = String::from(
        "[checklist]\n\
         id = \"test-list\"\n\
         version = \"1.2.3\"\n\
         title = \"A checklist written by the tests\"\n\
         source = \"The test guide\"\n\
         \n\
         [[section]]\n\
         id = \"a\"\n\
         title = \"Section A\"\n",
    );
    for item in items {
        s.push('\n');
        s.push_str(item);
    }
    s
}

const MODE: &str = r#"[[section.item]]
id = "a.mode"
prompt = "Which mode?"
kind = "choice"
severity = "major"
source = "Test › A"
options = [{ value = "one", label = "One" }, { value = "two", label = "Two" }]
good = ["one"]
"#;

const DETAIL: &str = r#"[[section.item]]
id = "a.detail"
prompt = "Which details?"
kind = "text"
severity = "info"
source = "Test › A"
when = { item = "a.mode", is = "two" }
"#;

const TLS: &str = r#"[[section.item]]
id = "a.tls"
prompt = "Is TLS 1.2 offered?"
kind = "confirm"
severity = "blocker"
source = "Test › A"
probe = { kind = "tls", check = "protocol_offered", expect = { version = "TLSv1.2" } }
"#;

const COUNT: &str = r#"[[section.item]]
id = "a.count"
prompt = "How many servers?"
kind = "number"
severity = "minor"
source = "Test › A"
min = 1
max = 8
unit = "servers"
"#;

/// 1-based line and column (in characters) of the `nth` (0-based) occurrence of `needle`.
fn position(text: &str, needle: &str, nth: usize) -> (usize, usize) {
    let (offset, _) = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` #{nth} is not in the file"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write a checklist");
    path
}

#[test]
fn validate_a_good_file_and_the_builtin_source() {
    let site = Site::new();
    let good = write(
        site.root(),
        "good.toml",
        &checklist_file(&[MODE, DETAIL, TLS, COUNT]),
    );
    let out = site.ok(&["checklist", "validate", good.to_str().expect("utf-8")]);
    assert_eq!(
        out.stdout,
        format!(
            "{}: ok (test-list 1.2.3, 1 sections, 4 items)\n",
            good.display()
        )
    );
    assert_eq!(out.stderr, "");
    let builtin = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("checklists")
        .join(format!("{ACTIVESYNC}.toml"));
    let out = site.ok(&["checklist", "validate", builtin.to_str().expect("utf-8")]);
    assert!(
        out.stdout
            .contains(&format!("ok ({ACTIVESYNC} 1.1.0, 6 sections, 22 items)")),
        "{}",
        out.both()
    );
}

/// Validates `text` and expects exit 1 with exactly `problems` (needle in the file, which
/// occurrence of it, a part of the message), each at the needle's line and column.
fn expect_problems(site: &Site, name: &str, text: &str, problems: &[(&str, usize, &str)]) {
    let path = write(site.root(), name, text);
    let out = site.run(&["checklist", "validate", path.to_str().expect("utf-8")]);
    assert_eq!(out.code, 1, "{name} should be refused:\n{}", out.both());
    assert_eq!(out.stdout, "", "{name}");
    let headers: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with(&*path.to_string_lossy()))
        .collect();
    assert_eq!(
        headers.len(),
        problems.len(),
        "{name}: expected {} problems:\n{}",
        problems.len(),
        out.stderr
    );
    for ((needle, nth, message), header) in problems.iter().zip(&headers) {
        let (line, column) = position(text, needle, *nth);
        let at = format!("{}:{line}:{column}: ", path.display());
        assert!(
            header.starts_with(&at) && header.contains(message),
            "{name}: expected `{at}…{message}…`, got:\n{}",
            out.stderr
        );
        // The offending line is quoted under the message.
        let quoted = format!("{line} | {}", text.lines().nth(line - 1).expect("line"));
        assert!(
            out.stderr.contains(&quoted),
            "{name}: `{quoted}` not quoted:\n{}",
            out.stderr
        );
    }
    let count = problems.len();
    let summary = format!("{count} problem{} found", if count == 1 { "" } else { "s" });
    assert!(
        out.stderr.trim_end().ends_with(&summary),
        "{name}:\n{}",
        out.stderr
    );
}

#[test]
fn validate_reports_each_problem_at_its_line_and_column() {
    let site = Site::new();
    let unknown_key = MODE.replace(
        "severity = \"major\"\n",
        "severity = \"major\"\ncolour = \"red\"\n",
    );
    expect_problems(
        &site,
        "unknown-key.toml",
        &checklist_file(&[&unknown_key, TLS]),
        &[("colour", 0, "unknown field `colour`")],
    );
    let duplicate = TLS.replace("a.tls", "a.mode");
    let text = checklist_file(&[MODE, &duplicate]);
    let (first_line, _) = position(&text, "\"a.mode\"", 0);
    expect_problems(
        &site,
        "duplicate.toml",
        &text,
        &[(
            "\"a.mode\"",
            1,
            &format!("duplicate item id `a.mode` (first used on line {first_line})"),
        )],
    );
    let missing = DETAIL.replace("item = \"a.mode\"", "item = \"a.missing\"");
    expect_problems(
        &site,
        "missing-item.toml",
        &checklist_file(&[MODE, &missing]),
        &[(
            "\"a.missing\"",
            0,
            "condition names item `a.missing`, which is not in this checklist",
        )],
    );
    let impossible = DETAIL.replace("is = \"two\"", "is = \"three\"");
    expect_problems(
        &site,
        "impossible.toml",
        &checklist_file(&[MODE, &impossible]),
        &[("\"three\"", 0, "`three` can never be an answer of `a.mode`")],
    );
    let smtp = TLS.replace("kind = \"tls\"", "kind = \"smtp\"");
    expect_problems(
        &site,
        "probe-kind.toml",
        &checklist_file(&[MODE, &smtp]),
        &[("\"smtp\"", 0, "unknown probe kind `smtp`")],
    );
    // A TOML syntax error: a key with no `=`, reported where the `=` was expected.
    let syntax = COUNT.replace("kind = \"number\"", "kind \"number\"");
    expect_problems(
        &site,
        "syntax.toml",
        &checklist_file(&[MODE, &syntax]),
        &[("\"number\"", 0, "expected `=`")],
    );
}

#[test]
fn validate_reports_every_problem_of_a_file_at_once_in_line_order() {
    let site = Site::new();
    let items = [
        MODE.to_owned(),
        DETAIL.replace("is = \"two\"", "is = \"three\""),
        TLS.replace("kind = \"tls\"", "kind = \"smtp\""),
        COUNT.replace("a.count", "a.tls"),
        DETAIL
            .replace("a.detail", "a.other")
            .replace("item = \"a.mode\"", "item = \"a.gone\""),
    ];
    let refs: Vec<&str> = items.iter().map(String::as_str).collect();
    let text = checklist_file(&refs);
    let (first_line, _) = position(&text, "\"a.tls\"", 0);
    let duplicate = format!("duplicate item id `a.tls` (first used on line {first_line})");
    expect_problems(
        &site,
        "four-problems.toml",
        &text,
        &[
            ("\"three\"", 0, "can never be an answer"),
            ("\"smtp\"", 0, "unknown probe kind"),
            ("\"a.tls\"", 1, &duplicate),
            ("\"a.gone\"", 0, "which is not in this checklist"),
        ],
    );
    // With a good file beside it: the good one is reported ok, the exit code is still 1.
    let good = write(site.root(), "good.toml", &checklist_file(&[MODE]));
    let bad = site.root().join("four-problems.toml");
    let out = site.run(&[
        "checklist",
        "validate",
        good.to_str().expect("utf-8"),
        bad.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout.contains("good.toml: ok (test-list 1.2.3"),
        "{}",
        out.both()
    );
    assert!(out.stderr.contains("4 problems found"), "{}", out.both());
    // A file that cannot be read is an error (2), not a finding.
    let out = site.run(&["checklist", "validate", "does-not-exist.toml"]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr.contains("cannot read does-not-exist.toml"),
        "{}",
        out.stderr
    );
}

#[test]
fn checklist_show_json_holds_sections_and_items() {
    let site = Site::new();
    let c = site.json(&["checklist", "show", ACTIVESYNC, "--format", "json"]);
    assert_eq!(c["id"], ACTIVESYNC);
    assert_eq!(c["version"], "1.1.0");
    assert_eq!(c["origin"], "builtin");
    let sections = c["sections"].as_array().expect("sections");
    let ids: Vec<&str> = sections
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["name", "dns", "trust", "tools", "install", "verify"]);
    let items: Vec<&Value> = sections
        .iter()
        .flat_map(|s| s["items"].as_array().expect("items"))
        .collect();
    assert_eq!(items.len(), 22);
    for (s, section) in sections.iter().enumerate() {
        assert!(section["title"].as_str().is_some_and(|t| !t.is_empty()));
        for item in section["items"].as_array().expect("items") {
            let id = item["id"].as_str().expect("item id");
            assert!(id.starts_with(&format!("{}.", ids[s])), "{id}");
            for key in ["prompt", "severity", "source"] {
                assert!(
                    item[key].as_str().is_some_and(|v| !v.is_empty()),
                    "{id}.{key}"
                );
            }
        }
    }
    let item = |id: &str| {
        *items
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
    };
    let server = item("name.server_type");
    assert_eq!(server["kind"]["type"], "choice");
    assert_eq!(server["kind"]["options"][0]["value"], "sbs2003");
    assert_eq!(server["kind"]["options"][0]["label"], "Windows SBS 2003");
    assert_eq!(
        item("name.cert_matches")["good"],
        serde_json::json!(["yes"])
    );
    assert_eq!(item("name.cert_matches")["severity"], "blocker");
    assert_eq!(
        item("name.sbs_cert_name")["when"],
        serde_json::json!({ "is": { "item": "name.server_type", "value": "sbs2003" } })
    );
    assert_eq!(item("verify.devices")["kind"]["type"], "table");
    // The item count agrees with `checklists`.
    let list = site.json(&["checklists", "--format", "json"]);
    let listed = list["checklists"]
        .as_array()
        .expect("list")
        .iter()
        .find(|e| e["id"] == ACTIVESYNC)
        .expect("listed");
    assert_eq!(listed["items"], items.len());
    assert_eq!(listed["hash"], c["content_hash"]);
    // The text form has every section heading and item.
    let text = site.ok(&["checklist", "show", ACTIVESYNC]).stdout;
    assert!(
        text.starts_with(&format!("{ACTIVESYNC} 1.1.0 — ")),
        "{text}"
    );
    assert!(
        text.contains("## Certificate name and server name [name]"),
        "{text}"
    );
    for i in &items {
        let id = i["id"].as_str().expect("id");
        assert!(
            text.contains(&format!("\n- {id} (")),
            "{id} missing:\n{text}"
        );
    }
    let out = site.run(&["checklist", "show", "no-such-list"]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr.contains("no checklist with id `no-such-list`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(ACTIVESYNC), "{}", out.stderr);
}

#[test]
fn checklist_probes_lists_every_kind() {
    let site = Site::new();
    let out = site.ok(&["checklist", "probes"]);
    let kinds: Vec<&str> = out.stdout.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(
        kinds,
        ["dns", "hosts", "tcp", "tls", "sql", "certfile"],
        "{}",
        out.stdout
    );
    for line in [
        "  tls.protocol_offered: ",
        "      expect.version (required): one of `SSLv3`",
        "  dns.split_horizon: ",
    ] {
        assert!(
            out.stdout.contains(line),
            "`{line}` missing:\n{}",
            out.stdout
        );
    }
    // Every check line names its own kind.
    let mut kind = "";
    for line in out.stdout.lines() {
        if !line.starts_with(' ') {
            kind = line;
        } else if !line.starts_with("      ") {
            assert!(line.trim_start().starts_with(&format!("{kind}.")), "{line}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// Items of the `ActiveSync` checklist picked by kind from `checklist show --format json`.
struct Picks {
    /// A choice item another item's `when = { item, is }` reads, and the value it waits for.
    choice: String,
    dependent: String,
    dependent_value: String,
    text: String,
    /// Confirm items with `good = ["yes"]` and no condition.
    confirms: Vec<String>,
    multi: String,
    table: String,
    columns: usize,
    all: Vec<Value>,
}

fn picks(site: &Site) -> Picks {
    let c = site.json(&["checklist", "show", ACTIVESYNC, "--format", "json"]);
    let all: Vec<Value> = c["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["items"].as_array().expect("items").clone())
        .collect();
    let unconditional = |kind: &str| {
        all.iter()
            .filter(|i| i["kind"]["type"] == kind && i.get("when").is_none())
            .map(|i| i["id"].as_str().expect("id").to_owned())
            .collect::<Vec<_>>()
    };
    let (dependent, choice, dependent_value) = all
        .iter()
        .find_map(|i| {
            let is = i.get("when")?.get("is")?;
            let on = all.iter().find(|o| o["id"] == is["item"])?;
            (on["kind"]["type"] == "choice" && on.get("when").is_none()).then(|| {
                (
                    i["id"].as_str().expect("id").to_owned(),
                    is["item"].as_str().expect("item").to_owned(),
                    is["value"].as_str().expect("value").to_owned(),
                )
            })
        })
        .expect("a choice item another item depends on");
    let confirms = all
        .iter()
        .filter(|i| {
            i["kind"]["type"] == "confirm"
                && i.get("when").is_none()
                && i["good"] == serde_json::json!(["yes"])
        })
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect::<Vec<_>>();
    assert!(confirms.len() >= 3, "three unconditional yes/no items");
    let table = unconditional("table")
        .first()
        .cloned()
        .expect("a table item");
    let columns = all
        .iter()
        .find(|i| i["id"] == table.as_str())
        .expect("table")["kind"]["columns"]
        .as_array()
        .expect("columns")
        .len();
    Picks {
        choice,
        dependent,
        dependent_value,
        text: unconditional("text").first().cloned().expect("a text item"),
        confirms,
        multi: unconditional("multi")
            .first()
            .cloned()
            .expect("a multi item"),
        table,
        columns,
        all,
    }
}

fn options_of(picks: &Picks, id: &str) -> Vec<(String, String)> {
    picks.all.iter().find(|i| i["id"] == id).expect("item")["kind"]["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| {
            (
                o["value"].as_str().expect("value").to_owned(),
                o["label"].as_str().expect("label").to_owned(),
            )
        })
        .collect()
}

/// The item `id` in `session show --format json`.
fn shown<'a>(show: &'a Value, id: &str) -> &'a Value {
    show["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} not shown:\n{show:#}"))
}

/// Runs an answer that must be refused with exit 1 and leave the session file (and its
/// previous copy) byte for byte as they were.
fn expect_refused(site: &Site, name: &str, args: &[&str], message: &str) {
    let prev = site.sessions().join(format!("{name}.json.prev"));
    let before = (site.read(name), fs::read(&prev).ok());
    let mut all = vec!["session", "answer", name];
    all.extend_from_slice(args);
    let out = site.run(&all);
    assert_eq!(
        out.code,
        1,
        "{} should be refused:\n{}",
        all.join(" "),
        out.both()
    );
    assert!(
        out.stderr.contains(message),
        "{}: expected `{message}`:\n{}",
        all.join(" "),
        out.stderr
    );
    assert_eq!(out.stdout, "");
    assert!(
        site.read(name) == before.0,
        "{}: the session file changed",
        all.join(" ")
    );
    assert!(
        fs::read(&prev).ok() == before.1,
        "{}: the .prev copy changed",
        all.join(" ")
    );
}

#[test]
fn session_new_answer_every_kind_and_show() {
    let site = Site::new();
    let p = picks(&site);
    let out = site.ok(&["session", "new", "site-1", "--checklist", ACTIVESYNC]);
    assert_eq!(
        out.stdout,
        format!("created session `site-1` with {ACTIVESYNC} 1.1.0\n")
    );
    let show = site.json(&["session", "show", "site-1", "--format", "json"]);
    assert_eq!(shown(&show, &p.dependent)["status"], "not_asked");
    let answer = |item: &str, value: &str, printed: &str| {
        let out = site.ok(&["session", "answer", "site-1", item, value]);
        assert_eq!(
            out.stdout,
            format!("{item} = {printed}\n"),
            "{}",
            out.both()
        );
    };
    // A choice by value, which makes the dependent item asked…
    let options = options_of(&p, &p.choice);
    answer(&p.choice, &p.dependent_value, &p.dependent_value);
    let show = site.json(&["session", "show", "site-1", "--format", "json"]);
    assert_eq!(shown(&show, &p.dependent)["status"], "unanswered");
    // …then by label (any case), which hides it again.
    let (other_value, other_label) = options
        .iter()
        .find(|(v, _)| *v != p.dependent_value)
        .expect("a second option");
    answer(&p.choice, &other_label.to_uppercase(), other_value);
    answer(&p.text, "mail.example.com", "mail.example.com");
    let [good, bad, na, open, ..] = p.confirms.as_slice() else {
        panic!("four yes/no items")
    };
    answer(good, "Y", "yes");
    answer(bad, "no", "no");
    let multi = options_of(&p, &p.multi);
    answer(
        &p.multi,
        &format!("{}, {}", multi[1].1, multi[0].0),
        &format!("{}, {}", multi[1].0, multi[0].0),
    );
    let row = |tag: &str| {
        (0..p.columns)
            .map(|n| format!("{tag}{n}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    answer(&p.table, &format!("{};{}", row("a"), row("b")), "2 rows");
    let out = site.ok(&[
        "session",
        "answer",
        "site-1",
        na,
        "n/a",
        "--note",
        "no public DNS here",
    ]);
    assert_eq!(out.stdout, format!("{na} = n/a (no public DNS here)\n"));

    let show = site.json(&["session", "show", "site-1", "--format", "json"]);
    check_answers(&show, &p, other_value, [good, bad, na, open]);
    check_progress(&show, 7, 1);
    show_text_and_refusals(&site, &p, [good, bad, na, open]);
}

fn check_answers(show: &Value, p: &Picks, choice: &str, [good, bad, na, open]: [&String; 4]) {
    use serde_json::json;
    assert_eq!(show["name"], "site-1");
    assert_eq!(show["checklist"]["id"], ACTIVESYNC);
    assert_eq!(show["checklist_changed"], false);
    let expect = [
        (
            p.choice.as_str(),
            "done",
            json!({ "value": { "choice": choice } }),
        ),
        (
            p.text.as_str(),
            "done",
            json!({ "value": { "text": "mail.example.com" } }),
        ),
        (good.as_str(), "done", json!({ "value": "yes" })),
        (bad.as_str(), "failed", json!({ "value": "no" })),
        (
            na.as_str(),
            "not_applicable",
            json!({ "not_applicable": { "reason": "no public DNS here" } }),
        ),
        (open.as_str(), "unanswered", Value::Null),
        (p.dependent.as_str(), "not_asked", Value::Null),
    ];
    for (id, status, response) in expect {
        let item = shown(show, id);
        assert_eq!(item["status"], status, "{id}: {item:#}");
        assert_eq!(item["response"], response, "{id}: {item:#}");
        if response.is_null() {
            assert_eq!(item["by"], Value::Null, "{id}");
        } else {
            assert_eq!(item["by"], "tester", "{id}");
            assert!(
                item["at"].as_str().is_some_and(|t| t.ends_with('Z')),
                "{id}"
            );
        }
    }
    assert_eq!(shown(show, na)["note"], "no public DNS here");
    assert_eq!(shown(show, good)["note"], Value::Null);
    let multi = &shown(show, &p.multi)["response"]["value"]["multi"];
    assert_eq!(multi.as_array().map(Vec::len), Some(2), "{multi}");
    let rows = &shown(show, &p.table)["response"]["value"]["table"];
    assert_eq!(rows[0][0], "a0");
    assert_eq!(rows[1][p.columns - 1], format!("b{}", p.columns - 1));
    assert_eq!(show["orphans"], json!([]));
}

/// Progress agrees with the statuses, and with what the test settled.
fn check_progress(show: &Value, settled: u64, failed: u64) {
    let items = show["items"].as_array().expect("items");
    let count = |f: &dyn Fn(&Value) -> bool| items.iter().filter(|i| f(i)).count() as u64;
    let asked = count(&|i| i["status"] != "not_asked");
    let blockers = count(&|i| {
        i["severity"] == "blocker" && (i["status"] == "unanswered" || i["status"] == "failed")
    });
    let p = &show["progress"];
    assert_eq!(p["settled"], settled, "{p}");
    assert_eq!(p["failed"], failed, "{p}");
    assert_eq!(
        p["settled"],
        count(
            &|i| ["done", "failed", "not_applicable"].contains(&i["status"].as_str().unwrap_or(""))
        ),
        "{p}"
    );
    assert_eq!(p["asked"], asked, "{p}");
    assert_eq!(p["open_blockers"], blockers, "{p}");
    assert_eq!(p["percent"], settled * 100 / asked, "{p}");
    assert!(asked < items.len() as u64, "some item is not asked");
}

fn show_text_and_refusals(site: &Site, p: &Picks, [good, bad, na, open]: [&String; 4]) {
    let text = site.ok(&["session", "show", "site-1"]).stdout;
    assert!(
        text.starts_with(&format!(
            "site-1 — {ACTIVESYNC} 1.1.0 — 35% (7 of 20 asked items settled), 1 failed, "
        )),
        "{text}"
    );
    for (status, id) in [
        ("done", good),
        ("failed", bad),
        ("not_applicable", na),
        ("unanswered", open),
    ] {
        assert!(
            text.lines()
                .any(|l| l.split_whitespace().take(2).eq([status, id.as_str()])),
            "`{status} {id}` missing:\n{text}"
        );
    }
    assert!(text.contains("      note: no public DNS here"), "{text}");
    assert!(
        !text.contains(&p.dependent),
        "a hidden item is listed:\n{text}"
    );

    expect_refused(
        site,
        "site-1",
        &[open, "maybe"],
        "`maybe` is not an answer to a confirm item",
    );
    expect_refused(
        site,
        "site-1",
        &[open, "n/a"],
        "a \"not applicable\" answer needs a reason",
    );
    expect_refused(
        site,
        "site-1",
        &[open, "NA", "--note", "  "],
        "needs a reason",
    );
    expect_refused(
        site,
        "site-1",
        &[&p.choice, "cluster"],
        "is not an answer to a choice item",
    );
    expect_refused(
        site,
        "site-1",
        &[&p.text, "   "],
        "is not an answer to a text item",
    );
    expect_refused(
        site,
        "site-1",
        &[&p.multi, "nothing-like-it"],
        "a comma-separated list of",
    );
    // `a,b;c,d` has two cells a row; this table has more columns.
    assert!(p.columns > 2);
    expect_refused(
        site,
        "site-1",
        &[&p.table, "a,b;c,d"],
        &format!("expected rows of {} cells", p.columns),
    );
    expect_refused(
        site,
        "site-1",
        &["no.such_item", "yes"],
        "no item `no.such_item`",
    );
    // Nothing refused reached the file.
    let show = site.json(&["session", "show", "site-1", "--format", "json"]);
    assert_eq!(shown(&show, open)["status"], "unanswered");
    check_progress(&show, 7, 1);
}

#[test]
fn answering_a_hidden_item_records_it_with_a_warning() {
    let site = Site::new();
    let p = picks(&site);
    site.ok(&["session", "new", "s", "--checklist", ACTIVESYNC]);
    let out = site.ok(&["session", "answer", "s", &p.dependent, "yes"]);
    assert!(
        out.stderr.contains("is not asked while its condition"),
        "{}",
        out.both()
    );
    let show = site.json(&["session", "show", "s", "--format", "json"]);
    assert_eq!(shown(&show, &p.dependent)["status"], "not_asked");
    assert_eq!(
        shown(&show, &p.dependent)["response"],
        serde_json::json!({ "value": "yes" })
    );
    // Hidden answers are not progress.
    check_progress(&show, 0, 0);
}

#[test]
fn user_checklists_and_number_answers() {
    let site = Site::new();
    let dir = site.config().join("preflight").join("checklists");
    fs::create_dir_all(&dir).expect("mkdir");
    let file = write(
        &dir,
        "mine.toml",
        &checklist_file(&[MODE, DETAIL, TLS, COUNT]),
    );
    let text = site.ok(&["checklists"]).stdout;
    let line = text
        .lines()
        .find(|l| l.starts_with("test-list "))
        .unwrap_or_else(|| panic!("the user checklist is not listed:\n{text}"));
    assert!(line.ends_with(&format!("({})", file.display())), "{line}");
    site.ok(&["session", "new", "n", "--checklist", "test-list"]);
    let out = site.ok(&["session", "answer", "n", "a.count", " 4 "]);
    assert_eq!(out.stdout, "a.count = 4\n");
    expect_refused(
        &site,
        "n",
        &["a.count", "9"],
        "expected a number from 1 to 8 (servers)",
    );
    expect_refused(
        &site,
        "n",
        &["a.count", "four"],
        "is not an answer to a number item",
    );
    let show = site.json(&["session", "show", "n", "--format", "json"]);
    assert_eq!(
        shown(&show, "a.count")["response"],
        serde_json::json!({ "value": { "number": 4.0 } })
    );
    // A broken user file is skipped with a warning naming it; the built-ins still work.
    write(&dir, "broken.toml", "[checklist\n");
    let out = site.ok(&["checklists"]);
    assert!(out.stderr.contains("warning: skipping"), "{}", out.both());
    assert!(out.stderr.contains("broken.toml:1:"), "{}", out.both());
    assert!(out.stdout.contains(ACTIVESYNC), "{}", out.both());
}

#[test]
fn session_list_in_both_formats() {
    let site = Site::new();
    let out = site.ok(&["session", "list"]);
    assert!(
        out.stdout.starts_with("no sessions yet in "),
        "{}",
        out.stdout
    );
    assert_eq!(
        site.json(&["session", "list", "--format", "json"]),
        serde_json::json!({ "sessions": [] })
    );
    site.ok(&["session", "new", "beta", "--checklist", ACTIVESYNC]);
    site.ok(&[
        "session",
        "new",
        "alpha",
        "--checklist",
        "sap-smp-relay-https",
    ]);
    site.ok(&[
        "session",
        "answer",
        "beta",
        "name.external_host",
        "host.example.org",
    ]);
    site.ok(&[
        "session",
        "answer",
        "beta",
        "dns.external",
        "yes",
        "--note",
        "checked",
    ]);
    let json = site.json(&["session", "list", "--format", "json"]);
    let list = json["sessions"].as_array().expect("sessions");
    let names: Vec<&str> = list
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["alpha", "beta"], "sorted by name");
    assert_eq!(list[0]["checklist"], "sap-smp-relay-https 1.1.0");
    assert_eq!(list[0]["answered"], 0);
    assert_eq!(list[1]["checklist"], format!("{ACTIVESYNC} 1.1.0"));
    assert_eq!(list[1]["answered"], 2);
    for s in list {
        assert_eq!(s["last"], false, "only the TUI marks a session last");
        assert!(
            s["updated"].as_str().is_some_and(|u| u.ends_with('Z')),
            "{s}"
        );
    }
    let text = site.ok(&["session", "list"]).stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("  alpha "), "{text}");
    assert!(lines[1].starts_with("  beta "), "{text}");
    assert!(lines[1].contains(&format!("{ACTIVESYNC} 1.1.0")), "{text}");
    assert!(lines[1].contains("   2 answered  updated "), "{text}");
    // Creating a session twice, or on an unknown checklist, is an error.
    let out = site.run(&["session", "new", "beta", "--checklist", ACTIVESYNC]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr.contains("session `beta` already exists"),
        "{}",
        out.stderr
    );
    let out = site.run(&["session", "new", "gamma", "--checklist", "nope"]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr.contains("no checklist with id `nope`"),
        "{}",
        out.stderr
    );
    assert!(!site.session_file("gamma").exists());
    let out = site.run(&["session", "show", "gamma"]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr.contains("no session named `gamma`"),
        "{}",
        out.stderr
    );
}

/// Expects `args` to fail with exit 2 and a message containing `message`.
fn expect_error(site: &Site, args: &[&str], message: &str) -> Out {
    let out = site.run(args);
    assert_eq!(
        out.code,
        2,
        "{} should fail:\n{}",
        args.join(" "),
        out.both()
    );
    assert!(
        out.stderr.contains(message),
        "{}: expected `{message}`:\n{}",
        args.join(" "),
        out.stderr
    );
    out
}

#[test]
fn a_damaged_session_is_reported_with_its_position_and_never_written() {
    let site = Site::new();
    site.ok(&["session", "new", "hurt", "--checklist", ACTIVESYNC]);
    site.ok(&[
        "session",
        "answer",
        "hurt",
        "name.external_host",
        "a.example.com",
    ]);
    site.ok(&["session", "answer", "hurt", "dns.external", "yes"]);
    let whole = site.read("hurt");
    let mut cut = whole.len() / 2;
    while whole[cut - 1] == b'\n' {
        cut -= 1;
    }
    let truncated = &whole[..cut];
    fs::write(site.session_file("hurt"), truncated).expect("truncate");
    let prev_path = site.sessions().join("hurt.json.prev");
    let prev = fs::read(&prev_path).expect("a .prev copy after two saves");
    // serde_json reports the end of the data: the last (partial) line, after its last byte.
    let line = truncated.split(|b| *b == b'\n').count();
    let last_newline = truncated
        .iter()
        .rposition(|b| *b == b'\n')
        .expect("newline");
    let column = cut - last_newline - 1;
    let at = format!("is damaged at line {line}, column {column}");
    let name = site.session_file("hurt").display().to_string();
    for args in [
        &["session", "show", "hurt"][..],
        &["session", "show", "hurt", "--format", "json"],
        &["session", "answer", "hurt", "dns.resolves", "yes"],
        &[
            "session",
            "answer",
            "hurt",
            "dns.resolves",
            "n/a",
            "--note",
            "x",
        ],
    ] {
        let out = expect_error(&site, args, &at);
        assert!(out.stderr.contains(&name), "{}", out.stderr);
        assert!(
            out.stderr.contains("hurt.json.prev"),
            "the hint names the copy:\n{}",
            out.stderr
        );
        assert_eq!(
            site.read("hurt"),
            truncated,
            "{}: the damaged file changed",
            args.join(" ")
        );
        assert_eq!(
            fs::read(&prev_path).expect("prev"),
            prev,
            "the .prev copy changed"
        );
    }
    // The list shows the damage instead of hiding the session.
    let json = site.json(&["session", "list", "--format", "json"]);
    let error = json["sessions"][0]["error"]
        .as_str()
        .expect("an error entry");
    assert!(error.contains(&at), "{error}");
    let text = site.ok(&["session", "list"]).stdout;
    assert!(text.starts_with("! session file "), "{text}");
}

#[test]
fn a_session_from_a_newer_preflight_is_refused() {
    let site = Site::new();
    site.ok(&["session", "new", "future", "--checklist", ACTIVESYNC]);
    let mut json: Value = serde_json::from_slice(&site.read("future")).expect("json");
    json["schema"] = 99.into();
    json["added_later"] = "something this version does not know".into();
    let bytes = serde_json::to_vec_pretty(&json).expect("encode");
    fs::write(site.session_file("future"), &bytes).expect("write");
    for args in [
        &["session", "show", "future"][..],
        &["session", "answer", "future", "dns.resolves", "yes"],
    ] {
        let out = expect_error(&site, args, "was written by a newer preflight (schema 99");
        assert!(
            out.stderr.contains(&format!(
                "this one reads up to {}",
                preflight::store::SCHEMA
            )),
            "{}",
            out.stderr
        );
        assert_eq!(
            site.read("future"),
            bytes,
            "{}: the file changed",
            args.join(" ")
        );
    }
}

#[test]
fn bad_session_names_are_refused() {
    let site = Site::new();
    let message = "invalid session name `../x`";
    expect_error(
        &site,
        &["session", "new", "../x", "--checklist", ACTIVESYNC],
        message,
    );
    expect_error(&site, &["session", "show", "../x"], message);
    expect_error(
        &site,
        &["session", "answer", "../x", "dns.external", "yes"],
        message,
    );
    // The TUI refuses it before it touches the terminal.
    expect_error(
        &site,
        &["--session", "../x", "--checklist", ACTIVESYNC],
        message,
    );
    for name in ["/etc/passwd", ".hidden", "a b", "x/y"] {
        expect_error(
            &site,
            &["session", "new", name, "--checklist", ACTIVESYNC],
            "invalid session name",
        );
    }
    assert!(!site.root().join("x.json").exists());
    assert!(!site.data().join("preflight").join("x.json").exists());
    let made: Vec<_> = fs::read_dir(site.sessions())
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(made.is_empty(), "files made for refused names: {made:?}");
}

// ---------------------------------------------------------------------------------------------
// A session held by a running TUI (in tmux)

#[cfg(unix)]
mod locked {
    use super::{ACTIVESYNC, BIN, Site, expect_error, run_with_watchdog};
    use std::fs;
    use std::path::PathBuf;
    use std::process::Command;
    use std::thread;
    use std::time::{Duration, Instant};

    /// A private tmux server in the site's directory, killed when dropped.
    struct Tmux {
        socket: PathBuf,
    }

    impl Tmux {
        fn new(site: &Site) -> Self {
            assert!(
                Command::new("tmux").arg("-V").output().is_ok(),
                "tmux is not on PATH: this test drives the TUI in tmux and does not skip; \
                 `.ci/run` installs it (apt-get install tmux)"
            );
            Self {
                socket: site.root().join("tmux.sock"),
            }
        }

        fn tmux(&self, args: &[&str]) -> String {
            let mut cmd = Command::new("tmux");
            cmd.arg("-S")
                .arg(&self.socket)
                .arg("-f")
                .arg("/dev/null")
                .args(args)
                .env("SHELL", "/bin/sh")
                .env_remove("TMUX");
            let out = run_with_watchdog(cmd, &format!("tmux {}", args.join(" ")));
            assert_eq!(out.code, 0, "tmux {}:\n{}", args.join(" "), out.both());
            out.stdout
        }

        fn wait_for(&self, text: &str) -> String {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let screen = self.tmux(&["capture-pane", "-p", "-t", "app"]);
                if screen.contains(text) {
                    return screen;
                }
                assert!(
                    Instant::now() < deadline,
                    "`{text}` did not appear within 10 s; the screen:\n{screen}"
                );
                thread::sleep(Duration::from_millis(50));
            }
        }
    }

    impl Drop for Tmux {
        fn drop(&mut self) {
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(&self.socket)
                .arg("kill-server")
                .output();
        }
    }

    fn quote(s: &str) -> String {
        format!("'{}'", s.replace('\'', r"'\''"))
    }

    #[test]
    fn answering_a_session_open_in_the_tui_is_refused() {
        let site = Site::new();
        site.ok(&["session", "new", "held", "--checklist", ACTIVESYNC]);
        let tmux = Tmux::new(&site);
        let pidfile = site.root().join("pid");
        let script = format!(
            "env XDG_DATA_HOME={} XDG_CONFIG_HOME={} HOME={} PREFLIGHT_USER=tester TERM=xterm-256color \
             sh -c 'echo $$ > {}; exec \"$0\" --session held' {}; echo EXITED $?; sleep 60",
            quote(&site.data().to_string_lossy()),
            quote(&site.config().to_string_lossy()),
            quote(&site.root().join("home").to_string_lossy()),
            pidfile.display(),
            quote(BIN),
        );
        tmux.tmux(&[
            "new-session",
            "-d",
            "-s",
            "app",
            "-x",
            "100",
            "-y",
            "30",
            &script,
        ]);
        tmux.wait_for("0/20 settled");
        let pid = fs::read_to_string(&pidfile).expect("pidfile");
        let before = site.read("held");
        let out = expect_error(
            &site,
            &["session", "answer", "held", "dns.external", "yes"],
            &format!(
                "session `held` is open in another preflight (process {}); close it there first",
                pid.trim()
            ),
        );
        assert_eq!(out.stdout, "");
        assert_eq!(
            site.read("held"),
            before,
            "the refused answer reached the file"
        );
        // Reading is not writing: show works while the TUI has the session.
        site.ok(&["session", "show", "held"]);
        // Once the TUI quits, the lock is gone.
        tmux.tmux(&["send-keys", "-t", "app", "q"]);
        tmux.wait_for("EXITED 0");
        site.ok(&["session", "answer", "held", "dns.external", "yes"]);
    }
}

/// A host outside the firewall survives `init`, `site import` and `site show` in both forms.
#[test]
fn an_outside_host_is_kept_and_shown() {
    let site = Site::new();
    let file = site.root().join("site.toml").display().to_string();
    site.ok(&["init", "--out", &file]);
    site.ok(&["session", "new", "s", "--checklist", ACTIVESYNC]);
    site.ok(&["site", "import", "s", &file]);
    let shown = site.json(&["site", "show", "s", "--format", "json"]);
    let phone = shown["host"]
        .as_array()
        .expect("hosts")
        .iter()
        .find(|h| h["roles"][0] == "Mobile User")
        .cloned()
        .expect("the example's phone");
    assert_eq!(phone["outside"], true);
    let text = site.ok(&["site", "show", "s"]).stdout;
    assert!(text.contains("outside = true"), "{text}");
}
