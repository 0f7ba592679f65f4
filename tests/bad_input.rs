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
