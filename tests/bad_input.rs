//! Bad input through the real binary: files that are not UTF-8 text are refused with the
//! position of the first bad byte, and a UTF-16 CSV as Excel exports it is read.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{Out, run_with_watchdog};

const BIN: &str = env!("CARGO_BIN_EXE_preflight");

fn preflight(dir: &Path, args: &[&str]) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("HOME", dir)
        .env("PREFLIGHT_USER", "tester");
    run_with_watchdog(cmd, &format!("preflight {}", args.join(" ")))
}

/// Writes `bytes` as `name` and validates it with `kind` (`site` or `checklist`).
fn validate(dir: &Path, kind: &str, name: &str, bytes: &[u8]) -> Out {
    let path = dir.join(name);
    fs::write(&path, bytes).expect("write");
    preflight(dir, &[kind, "validate", &path.display().to_string()])
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend(u.to_le_bytes());
    }
    out
}

#[test]
fn bad_bytes_are_placed_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &str, &[u8], &str, &str); 5] = [
        (
            "site",
            "site.toml",
            b"site = \"x\"\n\n[[host]]\nname = \"caf\xE9\"\n",
            "site.toml:4:12:",
            "0xE9",
        ),
        (
            "site",
            "ports.csv",
            b"Source,Destination,Port Numbers\nA,B,TCP 443\nA\x80,B,TCP 1\n",
            "ports.csv:3:2:",
            "0x80",
        ),
        (
            "checklist",
            "list.toml",
            b"# checklist\n\xFF\n",
            "list.toml:2:1:",
            "0xFF",
        ),
        (
            "site",
            "nomark.csv",
            b"P\0o\0r\0t\0",
            "nomark.csv:1:2:",
            "byte-order mark",
        ),
        (
            "site",
            "cut.toml",
            b"site = \"\xE2\x82",
            "cut.toml:1:9:",
            "cuts short",
        ),
    ];
    for (kind, name, bytes, place, what) in cases {
        let out = validate(dir.path(), kind, name, bytes);
        assert_eq!(out.code, 1, "{name}: {}", out.both());
        assert!(out.stderr.contains(place), "{name}: {}", out.both());
        assert!(out.stderr.contains(what), "{name}: {}", out.both());
        assert!(
            !out.stderr.contains("stream did not contain"),
            "{name}: {}",
            out.both()
        );
    }
}

#[test]
fn a_utf16_csv_with_its_mark_imports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "Source,Destination,Port Numbers,Allowing Outbound Traffic?,Purpose\r\n\
                Console Web Server - 1,Spok Mobile Servers via Load Balancer,TCP 8091,No,Envoi café\r\n";
    let out = validate(dir.path(), "site", "excel.csv", &utf16le(text));
    assert_eq!(out.code, 0, "{}", out.both());
    assert!(out.stdout.contains("1 port rules"), "{}", out.both());
    // A bad code unit in the same file is placed on its line.
    let mut bad = utf16le("Source,Destination,Port Numbers\r\nA,B,");
    bad.extend(0xDC00u16.to_le_bytes());
    let out = validate(dir.path(), "site", "bad16.csv", &bad);
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(out.stderr.contains("bad16.csv:2:5:"), "{}", out.both());
    assert!(out.stderr.contains("UTF-16 LE"), "{}", out.both());
    let mut session = vec!["session", "new", "s1", "--checklist", "spok-mobile-4.5"];
    let out = preflight(dir.path(), &session);
    assert_eq!(out.code, 0, "{}", out.both());
    let file = dir.path().join("excel.csv").display().to_string();
    session = vec!["site", "import", "s1", &file];
    let out = preflight(dir.path(), &session);
    assert_eq!(out.code, 0, "{}", out.both());
    assert!(out.stdout.contains("8091"), "{}", out.both());
}

/// Values the probes refuse are refused by `site validate` first, where they stand, in the
/// probe's own words.
#[test]
fn site_validate_refuses_what_the_probes_refuse() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &str, &str); 7] = [
        (
            "[[sql]]\nserver = \"host,notaport\"\n",
            ":2:10:",
            "`notaport` is not a port",
        ),
        (
            "[[sql]]\nserver = \"sql1\\\\\"\n",
            ":2:10:",
            "an instance name may not be empty",
        ),
        (
            "[[sql]]\nserver = \"bad host\\\\SQL1\"\n",
            ":2:10:",
            "names have no spaces",
        ),
        (
            "[[certfile]]\npath = \"\"\n",
            ":2:8:",
            "expected the certificate file's path",
        ),
        (
            "[[host]]\nname = \"sms1\"\naddress = \"sms1!.example.org\"\n",
            ":3:11:",
            "`!` cannot be part of a name",
        ),
        (
            "[[tls]]\nendpoint = \"web..example.org:443\"\n",
            ":2:12:",
            "two dots in a row",
        ),
        (
            "[[name]]\nfqdn = \"-web.example.org\"\n",
            ":2:8:",
            "starts or ends with `-`",
        ),
    ];
    for (i, (text, place, words)) in cases.into_iter().enumerate() {
        let name = format!("case{i}.toml");
        let out = validate(dir.path(), "site", &name, text.as_bytes());
        assert_eq!(out.code, 1, "{text}: {}", out.both());
        assert!(
            out.stderr.contains(&format!("{name}{place}")),
            "{text}: {}",
            out.both()
        );
        assert!(out.stderr.contains(words), "{text}: {}", out.both());
    }
    // The forms the probes take are still accepted.
    let good = "[[sql]]\nserver = \"sql1.example.org\\\\SPOK\"\n[[sql]]\nserver = \"10.1.2.3,1433\"\n\
                [[sql]]\nserver = \"[fd00::5]:1433\"\n[[tls]]\nendpoint = \"[fd00::5]:443\"\n\
                [[host]]\nname = \"a\"\naddress = \"10.1.2.3\"\n[[certfile]]\npath = \"c.pfx\"\n";
    let out = validate(dir.path(), "site", "good.toml", good.as_bytes());
    assert_eq!(out.code, 0, "{}", out.both());
}

#[test]
fn site_validate_places_stray_csv_quotes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let head = "Source,Destination,Port Numbers\n";
    let cases = [
        ("A,B\"x,TCP 443\n", "2:4:", "a stray `\"`"),
        ("A,B,TCP 443\"\n", "2:12:", "a stray `\"`"),
        ("A,B,\"TCP 443\"x\n", "2:14:", "text after a cell's closing"),
        ("\"A,B,TCP 443\nC,D,TCP 1\n", "2:1:", "never closed"),
    ];
    for (i, (rows, place, words)) in cases.into_iter().enumerate() {
        let name = format!("q{i}.csv");
        let out = validate(
            dir.path(),
            "site",
            &name,
            format!("{head}{rows}").as_bytes(),
        );
        assert_eq!(out.code, 1, "{rows}: {}", out.both());
        assert!(
            out.stderr.contains(&format!("{name}:{place}")),
            "{rows}: {}",
            out.both()
        );
        assert!(out.stderr.contains(words), "{rows}: {}", out.both());
    }
    // Quoted cells with doubled quotes inside are CSV as Excel writes it.
    let ok = format!("{head}A,\"B \"\"x\"\"\",\"TCP 443,444\"\n");
    let out = validate(dir.path(), "site", "ok.csv", ok.as_bytes());
    assert_eq!(out.code, 0, "{}", out.both());
}

/// Past the stated limit a file is refused before it is read, in words.
#[test]
fn a_file_past_the_size_limit_is_refused_in_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limit = 8 * 1024 * 1024;
    let mut text = b"site = \"x\"\n".to_vec();
    text.resize(limit, b'\n');
    let out = validate(dir.path(), "site", "edge.toml", &text);
    assert_eq!(out.code, 0, "{}", out.both());
    text.push(b'\n');
    for (kind, name) in [
        ("site", "big.toml"),
        ("site", "big.csv"),
        ("checklist", "big.toml"),
    ] {
        let out = validate(dir.path(), kind, name, &text);
        assert_eq!(out.code, 1, "{}", out.both());
        assert!(
            out.stderr.contains("of at most 8388608 bytes (8 MiB)"),
            "{}",
            out.both()
        );
    }
}
