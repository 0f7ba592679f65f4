//! Reports exported by earlier releases keep verifying: every folder under
//! `tests/fixtures/reports/` holds a signed `report.json` (+ `.sig`), the HTML page exported
//! from it and the `allowed_signers` line of the key that signed them, made by the release the
//! folder is named for. Each must verify with this build (JSON and page, and the JSON with
//! `ssh-keygen -Y verify`), and no one-byte change to any of them may verify.
//!
//! `cargo test --test report_fixtures -- --ignored make_fixtures` writes this release's folder
//! (a fresh key each time; the private key is thrown away).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;

use common::{Out, run_with_watchdog};

const BIN: &str = env!("CARGO_BIN_EXE_preflight");
const VERSION: &str = env!("CARGO_PKG_VERSION");
const IDENTITY: &str = "fixture@preflight.test";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reports")
}

fn preflight(home: &Path, cwd: &Path, args: &[&str]) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(cwd)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("HOME", home.join("home"))
        .env("PREFLIGHT_USER", IDENTITY)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null());
    run_with_watchdog(cmd, &format!("preflight {}", args.join(" ")))
}

fn ok(home: &Path, cwd: &Path, args: &[&str]) -> Out {
    let out = preflight(home, cwd, args);
    assert_eq!(out.code, 0, "preflight {}:\n{}", args.join(" "), out.both());
    out
}

#[test]
#[ignore = "writes this release's fixtures into tests/fixtures/reports; run by hand"]
fn make_fixtures() {
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    for sub in ["data", "config", "home"] {
        fs::create_dir_all(h.join(sub)).expect("mkdir");
    }
    ok(
        h,
        h,
        &[
            "session",
            "new",
            "site",
            "--checklist",
            "activesync-device-trust",
        ],
    );
    ok(
        h,
        h,
        &[
            "session",
            "answer",
            "site",
            "name.server_type",
            "other_exchange",
        ],
    );
    ok(
        h,
        h,
        &[
            "session",
            "answer",
            "site",
            "dns.external",
            "yes",
            "--note",
            "checked from outside",
        ],
    );
    ok(
        h,
        h,
        &[
            "report",
            "build",
            "--session",
            "site",
            "--out",
            "report.json",
        ],
    );
    let key = ok(h, h, &["keygen", "--identity", IDENTITY]);
    let line = key
        .stdout
        .lines()
        .find(|l| l.starts_with(IDENTITY))
        .expect("an allowed_signers line")
        .to_owned();
    ok(h, h, &["report", "sign", "report.json"]);
    ok(
        h,
        h,
        &["report", "export", "report.json", "--out", "report.html"],
    );
    let dir = fixtures().join(format!("v{VERSION}"));
    fs::create_dir_all(&dir).expect("mkdir");
    for name in ["report.json", "report.json.sig", "report.html"] {
        fs::copy(h.join(name), dir.join(name)).expect("copy");
    }
    fs::write(dir.join("allowed_signers"), format!("{line}\n")).expect("write");
    println!("wrote {}", dir.display());
}

/// The fixture folders, oldest first; at least this release's.
fn folders() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(fixtures())
        .expect("tests/fixtures/reports")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.iter().any(|d| d.ends_with(format!("v{VERSION}"))),
        "no fixtures of this release ({VERSION}): run `cargo test --test report_fixtures -- --ignored make_fixtures`"
    );
    dirs
}

fn verify(dir: &Path, file: &str, signature: Option<&str>) -> Out {
    let home = tempfile::tempdir().expect("tempdir");
    let mut args = vec![
        "report",
        "verify",
        file,
        "--allowed-signers",
        "allowed_signers",
        "--identity",
        IDENTITY,
    ];
    if let Some(sig) = signature {
        args.extend(["--signature", sig]);
    }
    preflight(home.path(), dir, &args)
}

#[test]
fn every_committed_report_verifies_with_this_build_and_ssh_keygen() {
    for dir in folders() {
        for file in ["report.json", "report.html"] {
            let out = verify(&dir, file, None);
            assert_eq!(
                out.code,
                0,
                "{}/{file} no longer verifies:\n{}",
                dir.display(),
                out.both()
            );
            assert!(out.stdout.starts_with("verified: "), "{}", out.stdout);
        }
        // This build reads the report of every earlier schema, not only its signature.
        let bytes = fs::read(dir.join("report.json")).expect("json");
        let report = preflight::report::Report::from_bytes(&bytes).unwrap_or_else(|e| {
            panic!(
                "{}: this build no longer reads the report: {e}",
                dir.display()
            )
        });
        assert!(report.schema <= preflight::report::document::SCHEMA);
        let summary = verify(&dir, "report.html", None);
        assert_eq!(
            summary.stdout.lines().count(),
            2,
            "the page's report is summed up:\n{}",
            summary.stdout
        );
        let home = tempfile::tempdir().expect("tempdir");
        let json = preflight(
            home.path(),
            &dir,
            &[
                "report",
                "verify",
                "report.html",
                "--allowed-signers",
                "allowed_signers",
                "--format",
                "json",
            ],
        );
        assert!(
            json.stdout.contains("\"page\": \"signed\""),
            "the page is checked by its page signature, not drawn again:\n{}",
            json.stdout
        );
        let page = fs::read_to_string(dir.join("report.html")).expect("page");
        assert!(
            page.contains("id=\"preflight-page-signature\""),
            "{}: the page carries no page signature",
            dir.display()
        );
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!(
                "ssh-keygen -Y verify -f allowed_signers -I {IDENTITY} -n preflight-report -s report.json.sig < report.json"
            ))
            .current_dir(&dir);
        let theirs = run_with_watchdog(cmd, "ssh-keygen -Y verify");
        assert_eq!(theirs.code, 0, "{}", theirs.both());
    }
}

/// A small seeded generator, so a failing case can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let r = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        usize::try_from(r % n as u64).unwrap_or_default()
    }
}

#[test]
fn no_one_byte_change_to_a_committed_report_verifies() {
    let dir = fixtures().join(format!("v{VERSION}"));
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    fs::copy(dir.join("allowed_signers"), w.join("allowed_signers")).expect("copy");
    let mut rng = Rng(0x0010_2026_1206_5eed);
    let mut tried = 0;
    for (file, sig) in [
        ("report.json", Some("report.json.sig")),
        ("report.html", None),
        ("report.json.sig", None),
    ] {
        let original = fs::read(dir.join(file)).expect("read");
        // The newline after a signature's footer is not read (by ssh-keygen either).
        let span = if file == "report.json.sig" {
            original.len() - 1
        } else {
            original.len()
        };
        for _ in 0..110 {
            let at = rng.below(span);
            let mut bad = original.clone();
            bad[at] ^= u8::try_from(1 + rng.below(255)).unwrap_or(1);
            // The JSON and page as they are, the one file changed.
            for name in ["report.json", "report.json.sig", "report.html"] {
                fs::copy(dir.join(name), w.join(name)).expect("copy");
            }
            fs::write(w.join(file), &bad).expect("write");
            let (target, signature) = if file == "report.json.sig" {
                ("report.json", Some("report.json.sig"))
            } else {
                (file, sig)
            };
            let out = verify(w, target, signature);
            tried += 1;
            assert_ne!(
                out.code,
                0,
                "{file} with byte {at} changed still verifies:\n{}",
                out.both()
            );
        }
    }
    println!("{tried} one-byte changes to the committed report, page and signature; none verified");
}
