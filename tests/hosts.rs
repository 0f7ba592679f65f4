//! The hosts probe end to end: fixtures holding every oddity a hosts file collects (a BOM, CRLF
//! and lone CR, Latin-1 bytes, tabs, aliases, IPv6 with a zone, trailing comments, unreadable
//! lines, a conflicting entry), this machine's own hosts file, the real binary's text and JSON
//! output and exit codes, and a seeded loop of random and mutated bytes proving the parser never
//! panics.
//!
//! Every child runs with its data and config directories in a fresh temporary directory, stdin
//! closed, and a watchdog that kills it and fails the test if it hangs.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::panic;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{Out, run_with_watchdog};
use preflight::probe::Verdict;
use preflight::probe::hosts::{
    self, Encoding, Expectation, HostsFile, ProblemKind, check_entry, consistent_with_dns,
    entry_present,
};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_preflight");

const SITE: &[u8] = include_bytes!("fixtures/hosts/site.hosts");
const WINDOWS: &[u8] = include_bytes!("fixtures/hosts/windows.hosts");
const CLEAN: &[u8] = include_bytes!("fixtures/hosts/clean.hosts");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hosts")
        .join(name)
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

/// `(line, address with zone, names)` of every entry.
fn entries(file: &HostsFile) -> Vec<(usize, String, Vec<String>)> {
    file.entries
        .iter()
        .map(|e| (e.line, e.address_text(), e.names.clone()))
        .collect()
}

fn problems(file: &HostsFile) -> Vec<(usize, ProblemKind)> {
    file.problems.iter().map(|p| (p.line, p.kind)).collect()
}

fn owned(entries: &[(usize, &str, &[&str])]) -> Vec<(usize, String, Vec<String>)> {
    entries
        .iter()
        .map(|(line, address, names)| {
            (
                *line,
                (*address).to_owned(),
                names.iter().map(|n| (*n).to_owned()).collect(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The parser on the fixtures

#[test]
fn the_site_fixture_keeps_every_entry_and_every_unreadable_line() {
    let file = HostsFile::parse(fixture("site.hosts"), SITE);
    assert_eq!(file.encoding, Encoding::Utf8);
    assert_eq!(file.lines, 14);
    assert_eq!(
        entries(&file),
        owned(&[
            (2, "127.0.0.1", &["localhost"]),
            (3, "::1", &["localhost", "ip6-localhost", "ip6-loopback"]),
            (4, "fe80::1%eth0", &["gw-link"]),
            (7, "10.0.0.5", &["db1.example.org", "db1"]),
            (8, "10.0.0.7", &["db2.example.org", "DB2"]),
            (
                9,
                "127.0.0.1",
                &["messengeramc.amcomsoft.com", "messengeramc"]
            ),
            (12, "10.0.0.6", &["db1"]),
            (14, "2001:db8::5", &["db1.example.org"]),
        ])
    );
    assert_eq!(
        problems(&file),
        [
            (10, ProblemKind::BadAddress),
            (11, ProblemKind::NoName),
            (12, ProblemKind::Conflict),
            (13, ProblemKind::BadAddress),
        ]
    );
    let message = |line: usize| {
        file.problems
            .iter()
            .find(|p| p.line == line)
            .map(|p| p.message.as_str())
            .unwrap_or_default()
    };
    assert!(
        message(10).starts_with("`10.0.0.300` is not an IP address; expected an IPv4 or IPv6"),
        "{}",
        message(10)
    );
    assert!(
        message(11).starts_with("the address `10.0.0.8` has no name after it; expected one"),
        "{}",
        message(11)
    );
    assert!(
        message(12).starts_with("line 7 maps db1 to 10.0.0.5, line 12 to 10.0.0.6; the first wins"),
        "{}",
        message(12)
    );
    assert!(
        message(13).contains("the name and the address look swapped"),
        "{}",
        message(13)
    );
    // The IPv6 line for db1.example.org is another family, not a conflict.
    assert_eq!(file.conflicts().len(), 1);
}

#[test]
fn the_windows_fixture_is_read_through_its_bom_crlf_lone_cr_and_latin1() {
    // The fixture must still hold its oddities (`.gitattributes` keeps git from converting it).
    assert!(WINDOWS.starts_with(b"\xEF\xBB\xBF"), "the BOM is gone");
    assert!(
        WINDOWS.windows(2).any(|w| w == b"\r\n"),
        "the CRLFs are gone"
    );
    assert!(
        WINDOWS.windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n'),
        "the lone CR is gone"
    );
    assert!(
        WINDOWS.windows(6).any(|w| w == b"r\xE9seau"),
        "the Latin-1 is gone"
    );

    let file = HostsFile::parse(fixture("windows.hosts"), WINDOWS);
    assert_eq!(file.encoding, Encoding::Utf8Bom);
    assert_eq!(file.lines, 10);
    assert_eq!(
        entries(&file),
        owned(&[
            (4, "127.0.0.1", &["localhost"]),
            (5, "::1", &["localhost"]),
            (
                6,
                "127.0.0.1",
                &["messengeramc.amcomsoft.com", "messengeramc"]
            ),
            (7, "10.0.0.5", &["sql1.example.org", "sql1"]),
            (8, "10.0.0.6", &["sql2.example.org", "sql2"]),
            (9, "10.0.0.7", &["caf\u{fffd}-server"]),
            (10, "10.0.0.8", &["last-line-without-a-line-end"]),
        ])
    );
    assert_eq!(
        problems(&file),
        [
            (3, ProblemKind::Encoding),
            (7, ProblemKind::LineEnding),
            (9, ProblemKind::Encoding),
        ]
    );
    assert!(
        file.problems[0]
            .message
            .starts_with("the comment on this line")
    );
    assert!(
        file.problems[2]
            .message
            .starts_with("this line is not valid UTF-8")
    );
    // The guide's SSL test entry is found by either name, in any case.
    for name in ["messengeramc.amcomsoft.com", "MessengerAMC"] {
        let check = check_entry(&file, &Expectation::new(name, ip("127.0.0.1")));
        assert_eq!(check.verdict, Verdict::Pass, "{}", check.summary);
        assert_eq!(check.found.map(|m| m.line), Some(6));
    }
}

#[test]
fn a_bom_glued_to_an_entry_and_utf16_are_reported_but_read() {
    let file = HostsFile::parse("glued", b"\xEF\xBB\xBF10.0.0.5 db1\r\n10.0.0.6 db2\r\n");
    assert_eq!(file.entries.len(), 2, "tolerated: {:?}", file.problems);
    assert_eq!(problems(&file), [(1, ProblemKind::ByteOrderMark)]);
    assert!(file.problems[0].message.contains("glibc"));

    for big_endian in [false, true] {
        let text =
            "# UTF-16, as some tools write it\r\n10.0.0.5\tdb1 db1.example.org\r\n::1 v6\r\n";
        let mut bytes = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in text.encode_utf16() {
            bytes.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        let file = HostsFile::parse("utf16", &bytes);
        let want = if big_endian {
            Encoding::Utf16Be
        } else {
            Encoding::Utf16Le
        };
        assert_eq!(file.encoding, want);
        assert_eq!(
            entries(&file),
            owned(&[
                (2, "10.0.0.5", &["db1", "db1.example.org"]),
                (3, "::1", &["v6"])
            ])
        );
        assert_eq!(problems(&file), [(1, ProblemKind::Encoding)]);
        assert!(file.problems[0].message.contains("UTF-16"));
    }
}

#[test]
fn checks_give_probe_results_in_plain_words() {
    let file = HostsFile::parse(fixture("site.hosts"), SITE);
    let result = entry_present(&file, &"DB2.example.org=10.0.0.7".parse().expect("expect"));
    assert_eq!(result.kind.name(), "hosts");
    assert_eq!(result.check, "entry_present");
    assert_eq!(result.verdict, Verdict::Pass, "{}", result.summary);
    assert_eq!(result.summary, "line 8 maps DB2.example.org to 10.0.0.7");
    let preflight::probe::Facts::Seen(seen) = &result.evidence.facts else {
        panic!("a hosts check records what it saw");
    };
    assert_eq!(seen["found"]["line"], 8);
    assert_eq!(seen["found"]["address"], "10.0.0.7");
    assert!(result.at.ends_with('Z'), "{}", result.at);

    // A line the resolver skips is named as the likely reason an entry is missing.
    let result = entry_present(&file, &"db3.example.org=10.0.0.3".parse().expect("expect"));
    assert_eq!(result.verdict, Verdict::Fail);
    assert!(
        result
            .summary
            .starts_with("no line the resolver reads names db3.example.org; line 10 mentions it"),
        "{}",
        result.summary
    );

    let result = consistent_with_dns(&file, "db1.example.org", &[ip("10.0.0.9")]);
    assert_eq!(result.check, "consistent_with_dns");
    assert_eq!(result.verdict, Verdict::Fail);
    assert!(
        result.summary.starts_with(
            "the hosts file sends db1.example.org to 10.0.0.5, 2001:db8::5 while DNS answers \
             10.0.0.9: this machine will not use DNS for that name; correct or remove lines 7 \
             and 14"
        ),
        "{}",
        result.summary
    );
    let preflight::probe::Facts::Seen(seen) = &result.evidence.facts else {
        panic!("a hosts check records what it saw");
    };
    assert_eq!(seen["disagreeing"][0]["line"], 7);
    let result = consistent_with_dns(
        &file,
        "db1.example.org",
        &[ip("2001:db8::5"), ip("10.0.0.5")],
    );
    assert_eq!(result.verdict, Verdict::Pass, "{}", result.summary);
}

// ---------------------------------------------------------------------------------------------
// This machine's hosts file

#[cfg(unix)]
#[test]
fn this_machines_hosts_file_parses_and_maps_localhost_to_loopback() {
    let path = hosts::system_path();
    assert_eq!(path, Path::new("/etc/hosts"));
    let file = HostsFile::read_system().expect("every Unix machine has a readable /etc/hosts");
    assert_eq!(file.path, path);
    let localhost = file.lookup("localhost");
    for ipv6 in [false, true] {
        if let Some(entry) = localhost.first(ipv6) {
            assert!(
                entry.address.is_loopback(),
                "line {} maps localhost to {}",
                entry.line,
                entry.address
            );
        }
    }
    // The command without --file reads the same file.
    let out = preflight(&["hosts", "--format", "json"]);
    assert_ne!(out.code, 2, "{}", out.both());
    let json: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(json["file"], "/etc/hosts");
    assert_eq!(
        json["entries"].as_array().map(Vec::len),
        Some(file.entries.len())
    );
    assert_eq!(out.code, i32::from(!file.problems.is_empty()));
}

// ---------------------------------------------------------------------------------------------
// The command

fn preflight(args: &[&str]) -> Out {
    let home = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("HOME", home.path())
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    run_with_watchdog(cmd, &format!("preflight {}", args.join(" ")))
}

fn json(args: &[&str], code: i32) -> Value {
    let out = preflight(args);
    assert_eq!(out.code, code, "{}", out.both());
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn json_has_its_documented_shape() {
    let site = fixture("site.hosts");
    let site = site.to_str().expect("utf-8 path");
    let v = json(&["hosts", "--file", site, "--format", "json"], 1);
    assert_eq!(
        keys(&v),
        BTreeSet::from(["file", "entries", "problems", "checks"])
    );
    assert_eq!(v["file"], site);
    assert_eq!(v["checks"], Value::Array(Vec::new()));
    let entries = v["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 8);
    for e in entries {
        assert_eq!(keys(e), BTreeSet::from(["line", "address", "names"]));
    }
    assert_eq!(
        entries[2],
        serde_json::json!({ "line": 4, "address": "fe80::1%eth0", "names": ["gw-link"] })
    );
    let problems = v["problems"].as_array().expect("problems");
    let lines: Vec<(u64, &str)> = problems
        .iter()
        .map(|p| {
            assert_eq!(keys(p), BTreeSet::from(["line", "kind", "message", "text"]));
            (
                p["line"].as_u64().expect("line"),
                p["kind"].as_str().expect("kind"),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (10, "bad_address"),
            (11, "no_name"),
            (12, "conflict"),
            (13, "bad_address")
        ]
    );
    assert_eq!(problems[0]["text"], "10.0.0.300 db3.example.org");
    assert_eq!(
        problems[2]["text"],
        "10.0.0.6    db1                # stale: db1 moved"
    );

    let v = json(
        &[
            "hosts",
            "--file",
            site,
            "--format",
            "json",
            "--expect",
            "db1.example.org=10.0.0.5",
            "--expect",
            "db2=10.0.0.70",
            "--expect",
            "nowhere=10.0.0.1",
        ],
        1,
    );
    let checks = v["checks"].as_array().expect("checks");
    for c in checks {
        assert_eq!(
            keys(c),
            BTreeSet::from(["name", "expected", "found", "line", "verdict", "summary"])
        );
    }
    assert_eq!(
        checks[0],
        serde_json::json!({
            "name": "db1.example.org", "expected": "10.0.0.5", "found": "10.0.0.5", "line": 7,
            "verdict": "pass", "summary": "line 7 maps db1.example.org to 10.0.0.5",
        })
    );
    assert_eq!(checks[1]["verdict"], "fail");
    assert_eq!(checks[1]["found"], "10.0.0.7");
    assert_eq!(checks[1]["line"], 8);
    assert_eq!(
        checks[1]["summary"],
        "line 8 maps db2 to 10.0.0.7, not 10.0.0.70: take db2 off line 8 (it also names \
         db2.example.org) and add `10.0.0.70  db2` to "
            .to_owned()
            + site
    );
    assert_eq!(checks[2]["found"], Value::Null);
    assert_eq!(checks[2]["line"], Value::Null);
}

#[test]
fn exit_codes_follow_the_expectations_and_the_file() {
    let clean = fixture("clean.hosts");
    let clean = clean.to_str().expect("utf-8 path");
    assert_eq!(
        HostsFile::parse(clean, CLEAN).problems,
        [],
        "the clean fixture is clean"
    );
    let ok = preflight(&["hosts", "--file", clean]);
    assert_eq!(ok.code, 0, "{}", ok.both());
    assert_eq!(
        ok.stdout,
        format!(
            "{clean}: 5 entries, 0 problems\n\
             \x20 line 2  127.0.0.1  localhost\n\
             \x20 line 3  127.0.1.1  node1.example.org node1\n\
             \x20 line 4  ::1        localhost ip6-localhost ip6-loopback\n\
             \x20 line 5  10.0.0.5   db1.example.org db1\n\
             \x20 line 6  10.0.0.7   db2.example.org db2\n"
        )
    );

    let met = preflight(&[
        "hosts",
        "--file",
        clean,
        "--expect",
        "db1=10.0.0.5",
        "--expect",
        "DB2.EXAMPLE.ORG=10.0.0.7",
        "--expect",
        "localhost=::1",
    ]);
    assert_eq!(met.code, 0, "{}", met.both());
    assert_eq!(
        met.stdout,
        format!(
            "{clean}: 5 entries, 0 problems\n\
             \x20 pass  db1=10.0.0.5              line 5 maps db1 to 10.0.0.5\n\
             \x20 pass  DB2.EXAMPLE.ORG=10.0.0.7  line 6 maps DB2.EXAMPLE.ORG to 10.0.0.7\n\
             \x20 pass  localhost=::1             line 4 maps localhost to ::1\n"
        )
    );

    let unmet = preflight(&[
        "hosts",
        "--file",
        clean,
        "--expect",
        "db1=10.0.0.5",
        "--expect",
        "sql9=10.0.0.9",
    ]);
    assert_eq!(unmet.code, 1, "{}", unmet.both());
    assert!(
        unmet.stdout.contains(&format!(
            "  fail  sql9=10.0.0.9  no line names sql9: add `10.0.0.9  sql9` to {clean}\n"
        )),
        "{}",
        unmet.stdout
    );

    // A file with problems is a finding even when every expectation is met.
    let site = fixture("site.hosts");
    let out = preflight(&[
        "hosts",
        "--file",
        site.to_str().expect("utf-8 path"),
        "--expect",
        "messengeramc=127.0.0.1",
    ]);
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout
            .contains("  pass  messengeramc=127.0.0.1  line 9 maps")
    );
}

#[test]
fn a_conflicting_entry_is_named_with_both_lines() {
    let site = fixture("site.hosts");
    let site = site.to_str().expect("utf-8 path");
    let out = preflight(&["hosts", "--file", site]);
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout.contains(
            "problems:\n\
             \x20 line 10: `10.0.0.300` is not an IP address; expected an IPv4 or IPv6 address, \
             then one or more names: the resolver skips this line\n\
             \x20 line 11: the address `10.0.0.8` has no name after it;"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "\n  line 12: line 7 maps db1 to 10.0.0.5, line 12 to 10.0.0.6; the first wins: \
             correct or remove line 12\n"
        ),
        "{}",
        out.stdout
    );
    // The expectation on the later line's address fails and says why.
    let out = preflight(&["hosts", "--file", site, "--expect", "db1=10.0.0.6"]);
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout.contains(
            "  fail  db1=10.0.0.6  line 7 maps db1 to 10.0.0.5, line 12 to 10.0.0.6; the first \
             wins: take db1 off line 7 (it also names db1.example.org), so line 12 decides\n"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn the_windows_fixture_through_the_command() {
    let path = fixture("windows.hosts");
    let v = json(
        &[
            "hosts",
            "--file",
            path.to_str().expect("utf-8 path"),
            "--format",
            "json",
            "--expect",
            "sql2.example.org=10.0.0.6",
        ],
        1,
    );
    assert_eq!(v["entries"].as_array().map(Vec::len), Some(7));
    assert_eq!(v["checks"][0]["verdict"], "pass");
    assert_eq!(v["checks"][0]["line"], 8);
    assert_eq!(v["problems"][1]["kind"], "line_ending");
    assert_eq!(v["problems"][1]["line"], 7);
}

#[test]
fn a_bad_expectation_is_an_error_naming_it() {
    let clean = fixture("clean.hosts");
    let clean = clean.to_str().expect("utf-8 path");
    for (arg, why) in [
        (
            "db1",
            "`db1` is not NAME=IP: expected a name, `=`, then an IP address",
        ),
        (
            "db1=10.0.0.300",
            "`db1=10.0.0.300` is not NAME=IP: `10.0.0.300` is not an IPv4 or IPv6 address",
        ),
        ("=10.0.0.5", "the name before `=` is empty"),
    ] {
        let out = preflight(&["hosts", "--file", clean, "--expect", arg]);
        assert_eq!(out.code, 2, "{arg}: {}", out.both());
        assert!(
            out.stderr
                .contains(&format!("invalid value '{arg}' for '--expect <NAME=IP>'")),
            "{arg}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(why), "{arg}: {}", out.stderr);
        assert_eq!(out.stdout, "");
    }
}

#[test]
fn an_unreadable_file_is_an_error_saying_which_and_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-hosts");
    let out = preflight(&["hosts", "--file", missing.to_str().expect("utf-8 path")]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr.contains(&format!(
            "cannot read the hosts file {}: No such file or directory",
            missing.display()
        )),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
    // An endless file ends in an error, not in memory exhaustion or the watchdog.
    #[cfg(unix)]
    {
        let out = preflight(&["hosts", "--file", "/dev/zero"]);
        assert_eq!(out.code, 2, "{}", out.both());
        assert!(
            out.stderr
                .contains("/dev/zero is larger than 64 MiB: that is not a hosts file"),
            "{}",
            out.stderr
        );
    }
    let out = preflight(&["hosts", "--file", dir.path().to_str().expect("utf-8 path")]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr.contains(&format!(
            "cannot read the hosts file {}: ",
            dir.path().display()
        )),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Never a panic

/// xorshift64*: a fixed seed makes every run try the same inputs, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).expect("usize fits"))
            .expect("below n")
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes that steer the parser into its corners: line ends, separators, comment marks, address
/// characters, the starts of BOMs and of multi-byte sequences, and invalid UTF-8.
const SPICE: &[u8] =
    b"\r\n\t \x0b\x0c#%:./[]0123456789abcdef.-\xEF\xBB\xBF\xFF\xFE\x80\xC3\xA9\xE2\x80\xAF\x00";

const TOKENS: &[&str] = &[
    "127.0.0.1",
    "10.0.0.5",
    "10.0.0.6",
    "::1",
    "fe80::1%eth0",
    "fe80::1%",
    "2001:db8::5",
    "10.0.0.300",
    "db1",
    "DB1",
    "db1.example.org",
    "localhost",
    "#",
    "# comment",
    "\t",
    "  ",
    "\r\n",
    "\n",
    "\r",
    "\u{a0}",
    "\u{feff}",
    "é",
];

fn mutate(rng: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..=rng.below(8) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 if at < bytes.len() => bytes[at] ^= 1 << rng.below(8),
            1 => bytes.insert(at, *rng.pick(SPICE)),
            2 if at < bytes.len() => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(32)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, copy);
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

fn generate(rng: &mut Rng, round: usize) -> Vec<u8> {
    match round % 3 {
        0 => (0..rng.below(300)).map(|_| *rng.pick(SPICE)).collect(),
        1 => {
            let mut text = String::new();
            for _ in 0..rng.below(40) {
                let token: &&str = rng.pick(TOKENS);
                text.push_str(token);
                text.push(if rng.below(3) == 0 { '\n' } else { ' ' });
            }
            text.into_bytes()
        }
        _ => {
            let base = *rng.pick(&[SITE, WINDOWS, CLEAN]);
            mutate(rng, base.to_vec())
        }
    }
}

/// What must hold for any input: entries and problems point at real lines, entries have names
/// without separators, problems are in line order, conflicts are all reported, and every
/// check runs on every entry.
fn check_invariants(bytes: &[u8]) {
    let file = HostsFile::parse("fuzz", bytes);
    let last = file.lines.max(1);
    for e in &file.entries {
        assert!((1..=file.lines).contains(&e.line), "entry line {}", e.line);
        assert!(
            !e.names.is_empty(),
            "entry without names on line {}",
            e.line
        );
        for n in &e.names {
            assert!(
                !n.is_empty() && !n.contains([' ', '\t', '\r', '\n', '#']),
                "name {n:?}"
            );
        }
        let check = check_entry(&file, &Expectation::new(&e.names[0], e.address));
        assert!(check.found.is_some(), "{check:?}");
        let _ = consistent_with_dns(&file, &e.names[0], &[e.address]);
    }
    assert!(file.problems.windows(2).all(|w| w[0].line <= w[1].line));
    for p in &file.problems {
        assert!((1..=last).contains(&p.line), "problem line {}", p.line);
        assert!(!p.message.is_empty());
    }
    let conflicts = file
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Conflict)
        .count();
    assert_eq!(conflicts, file.conflicts().len());
    let _ = entry_present(&file, &Expectation::new("db1", IpAddr::from([10, 0, 0, 5])));
}

#[test]
fn random_and_mutated_bytes_never_panic() {
    const ROUNDS: usize = 15_000;
    let mut rng = Rng(0x5EED_F00D_CAFE_0001);
    for round in 0..ROUNDS {
        let bytes = generate(&mut rng, round);
        if let Err(e) = panic::catch_unwind(|| check_invariants(&bytes)) {
            let why = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!(
                "round {round}: {why}\ninput: {:?}",
                bytes.escape_ascii().to_string()
            );
        }
    }
}
