//! The real binary refusing secrets in site files without repeating them: a password (or any
//! secret-bearing key) typed into a site file is refused by `site validate` and `site import`,
//! and neither stdout nor stderr ever holds the value, whatever shape the line has.

use std::fs;
use std::path::Path;
use std::process::Command;

mod common;

use common::{Out, run_with_watchdog};

const BIN: &str = env!("CARGO_BIN_EXE_preflight");
const SECRET: &str = "Hunter2-Secret";

fn preflight(root: &Path, args: &[&str]) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(root)
        .env("XDG_DATA_HOME", root.join("data"))
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("HOME", root)
        .env("PREFLIGHT_USER", "tester")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    run_with_watchdog(cmd, &format!("preflight {}", args.join(" ")))
}

/// Site files holding the secret in every shape a person might write it, with the key the
/// error must name instead.
fn cases() -> Vec<(&'static str, String, &'static str)> {
    let sql = "[[sql]]\nserver = 'db.example.org\\SPOK'\nuser = \"sdc\"\n";
    vec![
        (
            "plain",
            format!("{sql}password = \"{SECRET}\"\n"),
            "password",
        ),
        ("literal", format!("{sql}pwd = '{SECRET}'\n"), "pwd"),
        (
            "unquoted",
            format!("{sql}password = {SECRET}\n"),
            "password",
        ),
        (
            "unterminated",
            format!("{sql}password = \"{SECRET}\n"),
            "password",
        ),
        (
            "other key",
            format!("{sql}api_token = \"{SECRET}\"\n"),
            "api_token",
        ),
        (
            "inline table",
            format!(
                "[[sql]]\nserver = 'db'\nuser = {{ name = \"sdc\", password = \"{SECRET}\" }}\n"
            ),
            "password",
        ),
        (
            "multi-line",
            format!("{sql}password = \"\"\"\n{SECRET}\n\"\"\"\n"),
            "password",
        ),
        (
            "with comment",
            format!("{sql}password = \"{SECRET}\" # the SA password\n"),
            "password",
        ),
        (
            "top level",
            format!("password = \"{SECRET}\"\n{sql}"),
            "password",
        ),
    ]
}

#[test]
fn a_secret_in_a_site_file_is_refused_naming_the_key_never_the_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let created = preflight(
        root,
        &["session", "new", "s", "--checklist", "spok-mobile-4.5"],
    );
    assert_eq!(created.code, 0, "{}", created.both());
    let mut tried = 0;
    for (name, text, key) in cases() {
        let file = root.join(format!("{}.toml", name.replace(' ', "-")));
        fs::write(&file, &text).expect("write");
        let file = file.to_str().expect("utf-8 path");
        for args in [
            vec!["site", "validate", file],
            vec!["site", "import", "s", file],
        ] {
            let out = preflight(root, &args);
            tried += 1;
            assert_ne!(
                out.code,
                0,
                "{name}: {args:?} accepted a secret\n{}",
                out.both()
            );
            let both = out.both();
            assert!(
                !both.contains(SECRET),
                "{name}: {args:?} printed the secret:\n{both}"
            );
            assert!(
                !both.contains("Hunter2"),
                "{name}: {args:?} printed part of it:\n{both}"
            );
            assert!(
                both.contains(&format!("{key} = <hidden>")),
                "{name}: {args:?} does not show the key with its value hidden:\n{both}"
            );
        }
    }
    println!("{tried} refusals checked, none showed the secret");
    // The session file never picked it up either.
    let session = fs::read_to_string(root.join("data/preflight/sessions/s.json")).expect("session");
    assert!(!session.contains(SECRET));
}
