//! `preflight report verify` against `ssh-keygen -Y verify`: the same verdict on a table of
//! `allowed_signers` files and signature files, and on a seeded loop of one-byte changes to a
//! signature's binary blob (every byte of every length field, and random bytes anywhere).
//!
//! Keys and signatures are made with the system's `ssh-keygen` (Debian's `openssh-client`);
//! every child runs under a watchdog.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64ct::Encoding as _;

mod common;

use common::{Out, run_with_watchdog};

const BIN: &str = env!("CARGO_BIN_EXE_preflight");

/// The binary under test: this build's, or another given in `PREFLIGHT_BIN_UNDER_TEST` (to
/// count how an older build disagrees with ssh-keygen).
fn bin() -> String {
    std::env::var("PREFLIGHT_BIN_UNDER_TEST").unwrap_or_else(|_| BIN.to_owned())
}
const NAMESPACE: &str = "preflight-report";

struct Lab {
    dir: tempfile::TempDir,
    /// `ssh-ed25519 AAAA…` of the signer (A) and of another key (B).
    a: String,
    b: String,
    /// The signed file and its good signature (by A, namespace preflight-report, sha512).
    file: PathBuf,
    good: String,
}

fn sh(script: &str, dir: &Path) -> Out {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script).current_dir(dir);
    run_with_watchdog(cmd, script)
}

fn ok(script: &str, dir: &Path) -> Out {
    let out = sh(script, dir);
    assert_eq!(out.code, 0, "{script}\n{}", out.both());
    out
}

impl Lab {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        for k in ["a", "b"] {
            ok(&format!("ssh-keygen -q -t ed25519 -N '' -C {k} -f {k}"), d);
        }
        let public = |k: &str| {
            let text = fs::read_to_string(d.join(format!("{k}.pub"))).expect("pub");
            let mut parts = text.split_whitespace();
            format!(
                "{} {}",
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default()
            )
        };
        let file = d.join("report.json");
        fs::write(&file, b"{\"schema\": 3, \"what\": \"a signed report\"}\n").expect("write");
        ok(
            &format!("ssh-keygen -q -Y sign -f a -n {NAMESPACE} report.json"),
            d,
        );
        let good = fs::read_to_string(d.join("report.json.sig")).expect("sig");
        Self {
            a: public("a"),
            b: public("b"),
            file,
            good,
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A signature over the file made by `ssh-keygen -Y sign` with these arguments.
    fn signed(&self, key: &str, extra: &str) -> String {
        let d = self.dir.path();
        let _ = fs::remove_file(d.join("other.json.sig"));
        fs::copy(&self.file, d.join("other.json")).expect("copy");
        ok(
            &format!("ssh-keygen -q -Y sign -f {key} {extra} other.json"),
            d,
        );
        fs::read_to_string(d.join("other.json.sig")).expect("sig")
    }

    /// Both verdicts for one case: (preflight verified, ssh-keygen verified).
    fn verdicts(
        &self,
        allowed: &str,
        identity: &str,
        signature: &[u8],
        file: &Path,
    ) -> (bool, bool, String) {
        fs::write(self.path("allowed_signers"), allowed).expect("write");
        fs::write(self.path("case.sig"), signature).expect("write");
        let mut cmd = Command::new(bin());
        cmd.args(["report", "verify"])
            .arg(file)
            .args(["--signature", "case.sig"])
            .args(["--allowed-signers", "allowed_signers"])
            .args(["--identity", identity])
            .current_dir(self.dir.path())
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("HOME", self.dir.path())
            .env_remove("RUST_BACKTRACE");
        let ours = run_with_watchdog(cmd, "preflight report verify");
        assert!(
            ours.code == 0
                || ours.code == 1
                || std::env::var_os("PREFLIGHT_BIN_UNDER_TEST").is_some(),
            "preflight report verify ended with {} (not a verdict)\n{}",
            ours.code,
            ours.both()
        );
        let theirs = sh(
            &format!(
                "ssh-keygen -Y verify -f allowed_signers -I '{identity}' -n {NAMESPACE} -s case.sig < '{}'",
                file.display()
            ),
            self.dir.path(),
        );
        (
            ours.code == 0,
            theirs.code == 0,
            format!(
                "preflight:\n{}\nssh-keygen:\n{}",
                ours.both(),
                theirs.both()
            ),
        )
    }
}

/// The blob of an armoured signature, and an armoured signature of a blob (as ssh-keygen
/// writes it: 70 columns).
fn blob(armoured: &str) -> Vec<u8> {
    let b64: String = armoured
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    base64ct::Base64::decode_vec(&b64).expect("base64")
}

fn armour(blob: &[u8]) -> String {
    let b64 = base64ct::Base64::encode_string(blob);
    let mut out = String::from("-----BEGIN SSH SIGNATURE-----\n");
    for chunk in b64.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END SSH SIGNATURE-----\n");
    out
}

/// SSH wire string.
fn string(bytes: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(bytes.len())
        .expect("short")
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(bytes);
    out
}

/// The offsets of every length field in a signature blob (the version included), walking
/// its layout: version, key (type, key), namespace, reserved, algorithm, signature (type, sig).
fn length_fields(blob: &[u8]) -> Vec<usize> {
    let len =
        |at: usize| u32::from_be_bytes(blob[at..at + 4].try_into().expect("four bytes")) as usize;
    let mut fields = vec![6];
    let mut at = 10;
    for (n, inner) in [(0, 2), (1, 0), (2, 0), (3, 0), (4, 2)] {
        let _ = n;
        fields.push(at);
        let start = at + 4;
        let mut sub = start;
        for _ in 0..inner {
            fields.push(sub);
            sub += 4 + len(sub);
        }
        at = start + len(at);
    }
    assert_eq!(at, blob.len(), "the walk covers the blob");
    fields
}

/// A small seeded generator, so a failing case can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or_default()
    }
}

#[test]
#[expect(clippy::too_many_lines, reason = "a table of cases reads best whole")]
fn allowed_signers_table_gets_the_verdicts_ssh_keygen_gives() {
    let lab = Lab::new();
    let (a, b) = (lab.a.clone(), lab.b.clone());
    let a_short = format!(
        "ED25519 {}",
        a.split_whitespace().nth(1).unwrap_or_default()
    );
    // (allowed_signers, identity, verified)
    let cases: Vec<(String, &str, bool)> = vec![
        (format!("ann {a}\n"), "ann", true),
        (format!("ann {b}\n"), "ann", false),
        (format!("ann {a}\n"), "bob", false),
        (format!("ann,bob {a}\n"), "bob", true),
        (format!("a?n {a}\n"), "ann", true),
        (format!("ANN {a}\n"), "ann", false),
        (format!("*,!ann {a}\n"), "ann", false),
        (format!("*,!ann {a}\n"), "bob", true),
        (format!("!ann {a}\n"), "ann", false),
        (format!("ann,!ann {a}\n"), "ann", false),
        (format!("\"ann\" {a}\n"), "ann", true),
        (format!("  ann {a} a comment\n"), "ann", true),
        (format!("# ann {a}\n"), "ann", false),
        (String::new(), "ann", false),
        (format!("ann namespaces=\"{NAMESPACE}\" {a}\n"), "ann", true),
        (format!("ann Namespaces=\"{NAMESPACE}\" {a}\n"), "ann", true),
        (format!("ann namespaces=\"git,file\" {a}\n"), "ann", false),
        (
            format!("ann namespaces=\"*,!{NAMESPACE}\" {a}\n"),
            "ann",
            false,
        ),
        (
            format!("ann namespaces=\"!git,preflight-*\" {a}\n"),
            "ann",
            true,
        ),
        (format!("ann namespaces=\"\" {a}\n"), "ann", false),
        (format!("ann namespaces={NAMESPACE} {a}\n"), "ann", false),
        (
            format!("ann namespaces=\"git\",namespaces=\"{NAMESPACE}\" {a}\n"),
            "ann",
            false,
        ),
        (format!("ann valid-before=\"20200101\" {a}\n"), "ann", false),
        (
            format!("ann valid-before=\"20200101Z\" {a}\n"),
            "ann",
            false,
        ),
        (format!("ann valid-after=\"20991231\" {a}\n"), "ann", false),
        (
            format!("ann valid-after=\"209912312359Z\" {a}\n"),
            "ann",
            false,
        ),
        (
            format!("ann valid-after=\"20200101\",valid-before=\"20991231UTC\" {a}\n"),
            "ann",
            true,
        ),
        (
            format!("ann VALID-BEFORE=\"20991231235959\" {a}\n"),
            "ann",
            true,
        ),
        (
            format!("ann valid-after=\"20991231\",valid-before=\"20200101\" {a}\n"),
            "ann",
            false,
        ),
        (format!("ann valid-before=\"2099\" {a}\n"), "ann", false),
        (
            format!("ann valid-before=\"20200101Z\" {a}\nann {a}\n"),
            "ann",
            true,
        ),
        (format!("ann cert-authority {a}\n"), "ann", false),
        (
            format!("ann cert-authority,namespaces=\"{NAMESPACE}\" {a}\n"),
            "ann",
            false,
        ),
        (format!("ann foo {a}\nann {a}\n"), "ann", true),
        (format!("ann foo {a}\n"), "ann", false),
        (format!("ann namespaces=\"x\", {a}\n"), "ann", false),
        (format!("ann {a}\r\n"), "ann", true),
        (format!("ann {a_short}\n"), "ann", false),
        (format!("bob {b}\nann {a}"), "ann", true),
    ];
    let mut disagreements = Vec::new();
    for (n, (allowed, identity, want)) in cases.iter().enumerate() {
        let (ours, theirs, both) = lab.verdicts(allowed, identity, lab.good.as_bytes(), &lab.file);
        if ours != theirs || ours != *want {
            disagreements.push(format!(
                "case {n}: {allowed:?} as {identity}: preflight {ours}, ssh-keygen {theirs}, expected {want}\n{both}"
            ));
        }
    }
    println!(
        "{} allowed_signers cases, {} disagreements",
        cases.len(),
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
#[expect(clippy::too_many_lines, reason = "a table of cases reads best whole")]
fn signature_table_gets_the_verdicts_ssh_keygen_gives() {
    let lab = Lab::new();
    let allowed = format!("ann {}\n", lab.a);
    let good = blob(&lab.good);
    let changed = lab.path("changed.json");
    fs::write(
        &changed,
        b"{\"schema\": 3, \"what\": \"a signed report!\"}\n",
    )
    .expect("write");

    // Blobs rebuilt field by field.
    let fields = |namespace: &[u8], reserved: &[u8], trailing: &[u8]| {
        let key_len = u32::from_be_bytes(good[10..14].try_into().expect("4")) as usize;
        let key = &good[14..14 + key_len];
        let mut at = 14 + key_len;
        let mut skip = || {
            let len = u32::from_be_bytes(good[at..at + 4].try_into().expect("4")) as usize;
            let s = good[at + 4..at + 4 + len].to_vec();
            at += 4 + len;
            s
        };
        let _ns = skip();
        let _reserved = skip();
        let alg = skip();
        let sig = skip();
        let mut out = good[..10].to_vec();
        out.extend(string(key));
        out.extend(string(namespace));
        out.extend(string(reserved));
        out.extend(string(&alg));
        out.extend(string(&sig));
        out.extend_from_slice(trailing);
        out
    };
    let ns = NAMESPACE.as_bytes();
    let mut version0 = good.clone();
    version0[9] = 0;
    let mut version2 = good.clone();
    version2[9] = 2;
    let one_line = {
        let b64 = base64ct::Base64::encode_string(&good);
        format!("-----BEGIN SSH SIGNATURE-----\n{b64}\n-----END SSH SIGNATURE-----\n")
    };
    let cases: Vec<(&str, String, &Path, bool)> = vec![
        ("good", lab.good.clone(), &lab.file, true),
        ("file changed", lab.good.clone(), &changed, false),
        (
            "other key",
            lab.signed("b", &format!("-n {NAMESPACE}")),
            &lab.file,
            false,
        ),
        ("namespace git", lab.signed("a", "-n git"), &lab.file, false),
        (
            "sha256",
            lab.signed("a", &format!("-n {NAMESPACE} -O hashalg=sha256")),
            &lab.file,
            true,
        ),
        (
            "blank line first",
            format!("\n{}", lab.good),
            &lab.file,
            false,
        ),
        (
            "junk after footer",
            format!("{}junk\n", lab.good),
            &lab.file,
            true,
        ),
        ("one base64 line", one_line, &lab.file, true),
        (
            "no footer",
            lab.good.replace("-----END SSH SIGNATURE-----", ""),
            &lab.file,
            false,
        ),
        ("version 0", armour(&version0), &lab.file, true),
        ("version 2", armour(&version2), &lab.file, false),
        (
            "rebuilt as is",
            armour(&fields(ns, b"", b"")),
            &lab.file,
            true,
        ),
        (
            "reserved filled",
            armour(&fields(ns, b"future", b"")),
            &lab.file,
            true,
        ),
        (
            "trailing byte",
            armour(&fields(ns, b"", b"\0")),
            &lab.file,
            false,
        ),
        (
            "namespace NUL-ended",
            armour(&fields(b"preflight-report\0", b"", b"")),
            &lab.file,
            true,
        ),
        (
            "namespace NUL inside",
            armour(&fields(b"preflight\0report", b"", b"")),
            &lab.file,
            false,
        ),
        (
            "truncated",
            armour(&good[..good.len() - 1]),
            &lab.file,
            false,
        ),
        ("empty", String::new(), &lab.file, false),
    ];
    let mut disagreements = Vec::new();
    for (name, sig, file, want) in &cases {
        let (ours, theirs, both) = lab.verdicts(&allowed, "ann", sig.as_bytes(), file);
        if ours != theirs || ours != *want {
            disagreements.push(format!(
                "{name}: preflight {ours}, ssh-keygen {theirs}, expected {want}\n{both}"
            ));
        }
    }
    println!(
        "{} signature cases, {} disagreements",
        cases.len(),
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn one_byte_changes_get_the_verdicts_ssh_keygen_gives() {
    let lab = Lab::new();
    let allowed = format!("ann {}\n", lab.a);
    let good = blob(&lab.good);
    let mut rng = Rng(0x5eed_0011_2026_1206);
    let mut changes: Vec<(usize, u8)> = Vec::new();
    // Every byte of every length field (and the version), set to values that make a length
    // zero, one more or less, huge, or random.
    for field in length_fields(&good) {
        for (at, &orig) in good.iter().enumerate().skip(field).take(4) {
            let random = u8::try_from(rng.below(256)).unwrap_or_default();
            for v in [
                0,
                1,
                0xff,
                orig.wrapping_add(1),
                orig.wrapping_sub(1),
                random,
            ] {
                if v != orig && !changes.contains(&(at, v)) {
                    changes.push((at, v));
                }
            }
        }
    }
    let in_fields = changes.len();
    // And random bytes anywhere in the blob.
    while changes.len() < in_fields + 150 {
        let at = rng.below(good.len());
        let v = u8::try_from(rng.below(256)).unwrap_or_default();
        if v != good[at] && !changes.contains(&(at, v)) {
            changes.push((at, v));
        }
    }
    let mut accepted = 0;
    let mut report = String::new();
    for &(at, v) in &changes {
        let mut bad = good.clone();
        bad[at] = v;
        let (ours, theirs, both) =
            lab.verdicts(&allowed, "ann", armour(&bad).as_bytes(), &lab.file);
        if theirs {
            accepted += 1;
        }
        if ours != theirs {
            let _ = writeln!(
                report,
                "byte {at} from {:#04x} to {v:#04x}: preflight {ours}, ssh-keygen {theirs}\n{both}",
                good[at]
            );
        }
    }
    println!(
        "{} one-byte changes ({in_fields} in length fields, {} at random), {accepted} accepted by both, {} disagreements",
        changes.len(),
        changes.len() - in_fields,
        report.lines().filter(|l| l.starts_with("byte ")).count()
    );
    assert!(report.is_empty(), "{report}");
}

#[test]
fn one_byte_changes_to_the_armour_get_the_verdicts_ssh_keygen_gives() {
    let lab = Lab::new();
    let allowed = format!("ann {}\n", lab.a);
    let text = lab.good.as_bytes();
    let mut rng = Rng(0x0a2b_0c4d_2026_1206);
    // Bytes that base64 readers disagree on: white space of every kind, padding, letters,
    // a NUL, and anything at all.
    let menu: &[u8] = b" \t\n\r\x0b\x0c=A/+-\0";
    let mut changes: Vec<(usize, u8)> = Vec::new();
    while changes.len() < 150 {
        let at = rng.below(text.len());
        let v = if rng.below(2) == 0 {
            menu[rng.below(menu.len())]
        } else {
            u8::try_from(rng.below(256)).unwrap_or_default()
        };
        if v != text[at] && !changes.contains(&(at, v)) {
            changes.push((at, v));
        }
    }
    let mut accepted = 0;
    let mut report = String::new();
    for &(at, v) in &changes {
        let mut bad = text.to_vec();
        bad[at] = v;
        let (ours, theirs, both) = lab.verdicts(&allowed, "ann", &bad, &lab.file);
        if theirs {
            accepted += 1;
        }
        if ours != theirs {
            let _ = writeln!(
                report,
                "armour byte {at} from {:#04x} to {v:#04x}: preflight {ours}, ssh-keygen {theirs}\n{both}",
                text[at]
            );
        }
    }
    println!(
        "{} one-byte changes to the armoured text, {accepted} accepted by both, {} disagreements",
        changes.len(),
        report
            .lines()
            .filter(|l| l.starts_with("armour byte "))
            .count()
    );
    assert!(report.is_empty(), "{report}");
}
