//! The signed report end to end with the real binary and the real `ssh-keygen`: keygen, build,
//! sign, verify; signatures made by `ssh-keygen -Y sign` verify with preflight and the other
//! way round; one changed byte in the report or the signature fails with a clear message;
//! the canonical bytes are the same across two builds; the HTML and Markdown exports; `diff`
//! of two visits and `merge` of two vantages, on reports the binary built from sessions it
//! probed (real listeners on loopback).
//!
//! Every child runs with `XDG_DATA_HOME`, `XDG_CONFIG_HOME` and `HOME` in a fresh temporary
//! directory and a watchdog. `ssh-keygen` comes from Debian's `openssh-client`.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

mod common;

use common::home::Home;
use common::{Out, run_with_watchdog};
use preflight::assessment::{Assessment, Response, Value};
use preflight::checklist::builtin;
use preflight::report::Report;
use preflight::report::document::ResponseDoc;

const BIN: &str = env!("CARGO_BIN_EXE_preflight");
const CHECKLIST: &str = "activesync-device-trust";

impl Home {
    fn report(&self) -> PathBuf {
        self.ok(&["session", "new", "site", "--checklist", CHECKLIST]);
        self.ok(&[
            "session",
            "answer",
            "site",
            "name.server_type",
            "other_exchange",
        ]);
        self.ok(&[
            "session",
            "answer",
            "site",
            "dns.external",
            "yes",
            "--note",
            "checked",
        ]);
        self.ok(&[
            "report",
            "build",
            "--session",
            "site",
            "--out",
            "report.json",
        ]);
        self.path("report.json")
    }

    fn ssh_keygen(&self, args: &[&str]) -> Out {
        let mut cmd = Command::new(ssh_keygen());
        cmd.args(args).current_dir(self.root());
        run_with_watchdog(cmd, &format!("ssh-keygen {}", args.join(" ")))
    }
}

/// `ssh-keygen`, or a failure that says which package to install.
fn ssh_keygen() -> &'static str {
    let found = Command::new("ssh-keygen")
        .arg("-?")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "ssh-keygen is not installed: install Debian's `openssh-client` package (.ci/run does)"
    );
    "ssh-keygen"
}

#[test]
fn keygen_sign_and_verify_round_trip_and_ssh_keygen_agrees() {
    let h = Home::new();
    let report = h.report();
    let key = h.ok(&["keygen", "--identity", "ann@example.org"]);
    assert!(!key.stdout.contains("PRIVATE KEY"), "{}", key.stdout);
    let line = key
        .stdout
        .lines()
        .find(|l| l.starts_with("ann@example.org namespaces=\"preflight-report\" ssh-ed25519 AAAA"))
        .unwrap_or_else(|| panic!("no allowed_signers line:\n{}", key.stdout));
    fs::write(h.path("allowed_signers"), format!("{line}\n")).expect("write");
    let again = h.run(&["keygen", "--identity", "ann@example.org"]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("never overwrites"),
        "{}",
        again.stderr
    );

    h.ok(&["report", "sign", "report.json"]);
    let sig = fs::read_to_string(h.path("report.json.sig")).expect("sig");
    assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----"), "{sig}");
    let signed = Report::from_bytes(&fs::read(&report).expect("read")).expect("a report");
    assert_eq!(
        signed.signer.as_ref().map(|s| s.identity.as_str()),
        Some("ann@example.org")
    );

    let ok = h.ok(&[
        "report",
        "verify",
        "report.json",
        "--allowed-signers",
        "allowed_signers",
    ]);
    assert!(
        ok.stdout
            .contains("verified: report.json was signed by ann@example.org"),
        "{}",
        ok.stdout
    );
    let public = h.path("config/preflight/preflight_ed25519.pub");
    h.ok(&[
        "report",
        "verify",
        "report.json",
        "--signer",
        public.to_str().expect("utf-8"),
    ]);
    let wrong_id = h.run(&[
        "report",
        "verify",
        "report.json",
        "--allowed-signers",
        "allowed_signers",
        "--identity",
        "bob",
    ]);
    assert_eq!(wrong_id.code, 1, "{}", wrong_id.both());

    // The README's line, exactly, through a shell (so the report really is on stdin).
    ssh_keygen();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ssh-keygen -Y verify -f allowed_signers -I ann@example.org -n preflight-report -s report.json.sig < report.json")
        .current_dir(h.root());
    let ssh = run_with_watchdog(cmd, "ssh-keygen -Y verify");
    assert_eq!(ssh.code, 0, "ssh-keygen -Y verify:\n{}", ssh.both());
    assert!(
        ssh.both().contains("Good \"preflight-report\" signature"),
        "{}",
        ssh.both()
    );
}

#[test]
fn a_signature_made_by_ssh_keygen_verifies_with_preflight() {
    let h = Home::new();
    h.report();
    let made = h.ssh_keygen(&["-q", "-t", "ed25519", "-N", "", "-C", "bob", "-f", "bobkey"]);
    assert_eq!(made.code, 0, "{}", made.both());
    let signed = h.ssh_keygen(&[
        "-Y",
        "sign",
        "-f",
        "bobkey",
        "-n",
        "preflight-report",
        "report.json",
    ]);
    assert_eq!(signed.code, 0, "{}", signed.both());
    let public = fs::read_to_string(h.path("bobkey.pub")).expect("pub");
    fs::write(h.path("allowed_signers"), format!("bob {public}")).expect("write");

    let ok = h.ok(&[
        "report",
        "verify",
        "report.json",
        "--allowed-signers",
        "allowed_signers",
    ]);
    assert!(ok.stdout.contains("signed by bob"), "{}", ok.stdout);
    h.ok(&["report", "verify", "report.json", "--signer", "bobkey.pub"]);

    // A key not listed.
    fs::write(
        h.path("others"),
        "carol ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEzUw05t/EAdjq4cqlr8c/wvNqm0wBmLr2FfmWJBfjG5\n",
    )
    .expect("write");
    let no = h.run(&[
        "report",
        "verify",
        "report.json",
        "--allowed-signers",
        "others",
    ]);
    assert_eq!(no.code, 1, "{}", no.both());
    assert!(
        no.stdout.contains("signed by a key not in allowed_signers"),
        "{}",
        no.stdout
    );

    // The same key, the wrong namespace.
    fs::remove_file(h.path("report.json.sig")).expect("rm");
    let git = h.ssh_keygen(&["-Y", "sign", "-f", "bobkey", "-n", "git", "report.json"]);
    assert_eq!(git.code, 0, "{}", git.both());
    let no = h.run(&[
        "report",
        "verify",
        "report.json",
        "--allowed-signers",
        "allowed_signers",
    ]);
    assert_eq!(no.code, 1, "{}", no.both());
    assert!(
        no.stdout.contains("not a signature for preflight reports"),
        "{}",
        no.stdout
    );

    // A passphrase-protected key signs through --passphrase-env; the passphrase is never shown.
    let made = h.ssh_keygen(&[
        "-q",
        "-t",
        "ed25519",
        "-N",
        "s3cret-pass",
        "-C",
        "dan",
        "-f",
        "dankey",
    ]);
    assert_eq!(made.code, 0, "{}", made.both());
    let mut cmd = Command::new(BIN);
    cmd.args([
        "report",
        "sign",
        "report.json",
        "--key",
        "dankey",
        "--passphrase-env",
        "PF_PASS",
    ])
    .current_dir(h.root())
    .env("XDG_DATA_HOME", h.path("data"))
    .env("XDG_CONFIG_HOME", h.path("config"))
    .env("PF_PASS", "s3cret-pass")
    .stdin(Stdio::null());
    let out = run_with_watchdog(cmd, "preflight report sign --key dankey");
    assert_eq!(out.code, 0, "{}", out.both());
    assert!(!out.both().contains("s3cret-pass"));
    h.ok(&["report", "verify", "report.json", "--signer", "dankey.pub"]);
    let no_pass = h.run(&["report", "sign", "report.json", "--key", "dankey"]);
    assert_eq!(no_pass.code, 2, "{}", no_pass.both());
    assert!(no_pass.stderr.contains("passphrase"), "{}", no_pass.stderr);
}

#[test]
fn one_changed_byte_in_the_report_or_the_signature_fails_clearly() {
    let h = Home::new();
    h.report();
    let key = h.ok(&["keygen", "--identity", "ann"]);
    let line = key.stdout.lines().last().expect("a line").to_owned();
    fs::write(h.path("allowed_signers"), format!("{line}\n")).expect("write");
    h.ok(&["report", "sign", "report.json"]);
    let report = fs::read(h.path("report.json")).expect("read");
    let sig = fs::read_to_string(h.path("report.json.sig")).expect("read");
    let verify = || {
        h.run(&[
            "report",
            "verify",
            "report.json",
            "--allowed-signers",
            "allowed_signers",
        ])
    };
    assert_eq!(verify().code, 0);

    // A byte in the middle of the JSON (inside a string, so it stays JSON), and the last one.
    for at in [report.len() / 2, report.len() - 1] {
        let mut changed = report.clone();
        changed[at] ^= 0x01;
        fs::write(h.path("report.json"), &changed).expect("write");
        let out = verify();
        assert_eq!(out.code, 1, "byte {at}: {}", out.both());
        assert!(
            out.stdout
                .contains("the report was changed after it was signed"),
            "byte {at}: {}",
            out.stdout
        );
    }
    fs::write(h.path("report.json"), &report).expect("write");

    // A byte of the signature's base64, near the end where the signature bytes are.
    let lines: Vec<&str> = sig.lines().collect();
    let body = lines.len() - 3;
    let mut chars: Vec<char> = lines[body].chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    let mut damaged: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    damaged[body] = chars.into_iter().collect();
    fs::write(h.path("report.json.sig"), damaged.join("\n") + "\n").expect("write");
    let out = verify();
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout.contains("changed after it was signed") || out.stdout.contains("damaged"),
        "{}",
        out.stdout
    );

    fs::write(h.path("report.json.sig"), "not a signature\n").expect("write");
    let out = verify();
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout.contains("the signature file is damaged"),
        "{}",
        out.stdout
    );

    fs::remove_file(h.path("report.json.sig")).expect("rm");
    assert_eq!(verify().code, 2, "a missing signature is an error");
}

#[test]
fn canonical_bytes_are_stable_across_builds() {
    let checklists = builtin::all().expect("built-ins");
    let c = checklists
        .iter()
        .find(|c| c.id == CHECKLIST)
        .expect("built-in checklist");
    let mut a = Assessment::new("site", c, "2026-11-22T10:00:00Z");
    a.answer(
        c,
        "dns.external",
        Response::Value(Value::Yes),
        "ann",
        "2026-11-22T10:05:00Z",
    )
    .expect("answer");
    let first = Report::build(&a, c, "2026-11-22T12:00:00Z")
        .to_canonical_bytes()
        .expect("bytes");
    let second = Report::build(&a.clone(), c, "2026-11-22T12:00:00Z")
        .to_canonical_bytes()
        .expect("bytes");
    assert_eq!(first, second);
    assert!(first.ends_with(b"}\n"));

    // And the binary: two builds of the same session differ only in their creation time.
    let h = Home::new();
    h.report();
    h.ok(&[
        "report",
        "build",
        "--session",
        "site",
        "--out",
        "again.json",
    ]);
    let strip = |p: &str| -> String {
        fs::read_to_string(h.path(p))
            .expect("read")
            .lines()
            .filter(|l| !l.starts_with("  \"created_at\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip("report.json"), strip("again.json"));
}

/// A signed report with a blocker and a note that tries to be markup, exported to HTML.
fn signed_html(h: &Home) -> (String, Report) {
    h.ok(&["session", "new", "site", "--checklist", CHECKLIST]);
    h.ok(&[
        "session",
        "answer",
        "site",
        "dns.external",
        "yes",
        "--note",
        "<script>alert(1)</script> & \"more\"",
    ]);
    h.ok(&[
        "report",
        "build",
        "--session",
        "site",
        "--out",
        "report.json",
    ]);
    let key = h.ok(&["keygen", "--identity", "ann"]);
    let line = key.stdout.lines().last().expect("a line").to_owned();
    fs::write(h.path("allowed_signers"), format!("{line}\n")).expect("write");
    let unsigned = h.run(&[
        "report",
        "export",
        "report.json",
        "--format",
        "html",
        "--out",
        "report.html",
    ]);
    assert_eq!(unsigned.code, 2, "{}", unsigned.both());
    assert!(
        unsigned.stderr.contains("is not signed") && unsigned.stderr.contains("--unsigned"),
        "{}",
        unsigned.stderr
    );
    assert!(!h.path("report.html").exists());
    h.ok(&["report", "sign", "report.json"]);
    h.ok(&[
        "report",
        "export",
        "report.json",
        "--format",
        "html",
        "--out",
        "report.html",
    ]);
    let report = Report::from_bytes(&fs::read(h.path("report.json")).expect("read")).expect("ok");
    (
        fs::read_to_string(h.path("report.html")).expect("read"),
        report,
    )
}

fn verify_html(h: &Home) -> Out {
    h.run(&[
        "report",
        "verify",
        "report.html",
        "--allowed-signers",
        "allowed_signers",
    ])
}

#[test]
fn an_html_export_verifies_on_its_own_and_embeds_the_signed_bytes_exactly() {
    let h = Home::new();
    let (page, report) = signed_html(&h);
    let embedded = preflight::report::html::extract(&page).expect("extracts");
    assert_eq!(
        embedded.bytes,
        fs::read(h.path("report.json")).expect("read"),
        "the embedded report is byte-identical to the signed one"
    );
    assert_eq!(
        embedded.signature.as_deref(),
        Some(
            fs::read_to_string(h.path("report.json.sig"))
                .expect("read")
                .as_str()
        )
    );
    // The page alone: move the JSON and its signature away.
    fs::remove_file(h.path("report.json")).expect("rm");
    fs::remove_file(h.path("report.json.sig")).expect("rm");
    let out = verify_html(&h);
    assert_eq!(out.code, 0, "{}", out.both());
    assert!(
        out.stdout
            .contains("verified: report.html was signed by ann"),
        "{}",
        out.stdout
    );

    // The page's own instructions for plain OpenSSH, run as printed.
    let pre = page
        .split("take the two out")
        .nth(1)
        .and_then(|rest| rest.split("<pre>").nth(1))
        .and_then(|rest| rest.split("</pre>").next())
        .expect("the OpenSSH instructions");
    let script = pre
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    ssh_keygen();
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(&script).current_dir(h.root());
    let ssh = run_with_watchdog(cmd, "the page's OpenSSH instructions");
    assert_eq!(ssh.code, 0, "{script}\n{}", ssh.both());
    assert!(
        ssh.both().contains("Good \"preflight-report\" signature"),
        "{}",
        ssh.both()
    );
    assert_eq!(
        fs::read(h.path("report.json")).expect("read"),
        embedded.bytes
    );

    // Content: the verdict, a blocker's prompt, and no external assets.
    let verdict = report.findings.verdict.replace('_', " ");
    assert!(
        page.contains(&format!("id=\"verdict\">{verdict}</span>")),
        "no verdict `{verdict}`"
    );
    let blocker = report
        .findings
        .blockers
        .first()
        .and_then(|id| report.findings.items.iter().find(|i| &i.id == id))
        .expect("the test report has an open blocker");
    assert!(
        page.contains(&preflight::report::html::escape(&blocker.prompt)),
        "no blocker prompt {}",
        blocker.prompt
    );
    let section = page
        .split("id=\"blockers\"")
        .nth(1)
        .expect("a blockers section");
    assert!(section.contains("What to do:"), "blockers say what to do");
    let lower = page.to_ascii_lowercase();
    for bad in ["<link", "<script src", "<img", "<iframe", "@import", "url("] {
        assert!(
            !lower.contains(bad),
            "the page has an asset reference `{bad}`"
        );
    }
    for scheme in ["http://", "https://"] {
        assert!(
            !lower.contains(&format!("src=\"{scheme}"))
                && !lower.contains(&format!("href=\"{scheme}")),
            "the page loads something over {scheme}"
        );
    }
    assert!(page.contains("<svg id=\"gauge\""));
    assert!(page.contains("@media print"));

    // Report text is escaped: the note's markup shows as text.
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;"),
        "the note is not escaped"
    );
    assert!(!page.contains("<script>alert(1)"));
}

#[test]
fn one_changed_byte_in_an_html_export_fails_verification_clearly() {
    let h = Home::new();
    let (page, _) = signed_html(&h);
    assert_eq!(verify_html(&h).code, 0);
    let block = |id: &str| {
        let marker = format!("id=\"{id}\" data-encoding=\"base64\">\n");
        let start = page.find(&marker).expect("the block") + marker.len();
        let end = start + page[start..].find("</script>").expect("its end");
        (start, end)
    };
    let (start, end) = block("preflight-report");

    // One base64 character of the embedded JSON, swapped for another valid one.
    let at = start + (end - start) / 2;
    let at = at
        + page[at..]
            .find(|c: char| c.is_ascii_alphanumeric())
            .expect("a char");
    let mut changed = page.clone().into_bytes();
    changed[at] = if changed[at] == b'A' { b'B' } else { b'A' };
    fs::write(h.path("report.html"), &changed).expect("write");
    let out = verify_html(&h);
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout
            .contains("NOT VERIFIED: report.html: the report was changed after it was signed"),
        "{}",
        out.stdout
    );

    // A character that is not base64 at all.
    changed[at] = b'!';
    fs::write(h.path("report.html"), &changed).expect("write");
    let out = verify_html(&h);
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout.contains("the embedded report is damaged"),
        "{}",
        out.stdout
    );

    // One byte of the embedded signature's armour.
    let (start, end) = block("preflight-signature");
    let sig = preflight::report::html::base64_decode(&page[start..end]).expect("base64");
    let mut sig = String::from_utf8(sig).expect("text");
    let lines: Vec<&str> = sig.lines().collect();
    let body = lines.len() - 3;
    let mut chars: Vec<char> = lines[body].chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    let mut damaged: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    damaged[body] = chars.into_iter().collect();
    sig = damaged.join("\n") + "\n";
    let page2 = format!(
        "{}{}{}",
        &page[..start],
        preflight::report::html::base64_encode(sig.as_bytes()),
        &page[end..]
    );
    fs::write(h.path("report.html"), page2).expect("write");
    let out = verify_html(&h);
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout.contains("changed after it was signed") || out.stdout.contains("damaged"),
        "{}",
        out.stdout
    );

    // The visible text, outside the signed block: the report inside is intact, the page is not.
    let verdict_at = page.find("<h1").expect("a heading");
    let edited = format!(
        "{}<h1 data-x=\"1\"{}",
        &page[..verdict_at],
        &page[verdict_at + 3..]
    );
    fs::write(h.path("report.html"), edited).expect("write");
    let out = verify_html(&h);
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout
            .contains("the signed report inside is intact, but the page was edited after export"),
        "{}",
        out.stdout
    );

    // The untouched page still verifies.
    fs::write(h.path("report.html"), &page).expect("write");
    assert_eq!(verify_html(&h).code, 0);
}

#[test]
fn an_unsigned_html_export_says_so_and_does_not_verify() {
    let h = Home::new();
    h.report();
    h.ok(&[
        "report",
        "export",
        "report.json",
        "--format",
        "html",
        "--out",
        "report.html",
        "--unsigned",
    ]);
    let page = fs::read_to_string(h.path("report.html")).expect("read");
    assert!(page.contains("This report is not signed."));
    assert!(!page.contains("id=\"preflight-signature\""));
    let out = h.run(&["report", "verify", "report.html"]);
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(out.stdout.contains("exported unsigned"), "{}", out.stdout);
}

/// The exported page in a real browser: headless Chromium renders the summary, and a
/// screenshot of it is taken (kept beside the page for a person to look at).
#[test]
fn chromium_renders_the_exported_report() {
    let h = Home::new();
    let (_page, report) = signed_html(&h);
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
        .expect("no Chromium: this test renders the report in it; install Debian's `chromium` package (.ci/run does)");
    let browser = |extra: &[String]| {
        let mut cmd = Command::new(chromium);
        // No background traffic: this machine's network is closed and the page needs none.
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", h.path("chrome").display()))
        .args(extra)
        .arg(format!("file://{}", h.path("report.html").display()));
        run_with_watchdog(cmd, "chromium")
    };
    let dom = browser(&["--dump-dom".to_owned()]);
    assert!(
        dom.stdout.contains("Readiness report") && dom.stdout.contains(&report.findings.verdict),
        "the rendered page has no summary:\n{}",
        dom.both()
    );
    let shot = h.path("report.png");
    browser(&[format!("--screenshot={}", shot.display())]);
    let png = fs::read(&shot).expect("a screenshot was written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
}

/// The Markdown export of a signed report: the same content as the page, user text escaped,
/// and its verification commands run as printed.
#[test]
fn a_markdown_export_says_what_the_page_says_and_its_commands_verify() {
    let h = Home::new();
    let (_page, report) = signed_html(&h);
    let md_args = [
        "report",
        "export",
        "report.json",
        "--format",
        "md",
        "--out",
        "report.md",
    ];
    let out = h.ok(&md_args);
    assert!(
        out.stdout
            .contains("verify the report it names with: preflight report verify report.json"),
        "{}",
        out.stdout
    );
    let md = fs::read_to_string(h.path("report.md")).expect("read");
    h.ok(&md_args);
    assert_eq!(
        fs::read_to_string(h.path("report.md")).expect("read"),
        md,
        "the same report always gives the same document"
    );

    let verdict = report.findings.verdict.replace('_', " ");
    assert!(md.starts_with("# Readiness report: "), "{md}");
    assert!(
        md.contains(&format!(
            "**Verdict: {verdict}**, {}% ready",
            report.findings.score
        )),
        "{md}"
    );
    // Blockers come before the findings, each with what to do.
    let blockers = md.find("## Blockers").expect("blockers");
    assert!(blockers < md.find("## Findings").expect("findings"));
    let blocker = report
        .findings
        .blockers
        .first()
        .and_then(|id| report.findings.items.iter().find(|i| &i.id == id))
        .expect("an open blocker");
    let section = &md[blockers..md.find("## Findings").expect("findings")];
    assert!(
        section.contains(&format!("- Item: `{}`", blocker.id)),
        "{section}"
    );
    assert!(section.contains("- **What to do:** "), "{section}");
    for heading in [
        "## Readiness by section",
        "## Port matrix",
        "## TLS protocols and suites",
        "## Answers",
        "## Probe results",
        "## Verification",
    ] {
        assert!(md.contains(heading), "no {heading}");
    }
    // The note tried to be markup; in Markdown it stays text, and stays in its table cell.
    let row = md
        .lines()
        .find(|l| l.contains("`dns.external`") && l.contains("alert"))
        .expect("the answer's row");
    assert!(
        row.contains("\\<script\\>alert(1)\\</script\\> \\& \"more\""),
        "{row}"
    );
    assert_eq!(row.matches(" | ").count(), 4, "five cells: {row}");

    // The verification section names the signer and its key, and its commands work as printed.
    let signer = report.signer.as_ref().expect("signed");
    assert!(md.contains(&format!("- Signer: {}", signer.identity)));
    assert!(md.contains(&format!("- Key fingerprint: `{}`", signer.fingerprint)));
    let script = md
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the commands");
    assert!(
        script.contains(
            "ssh-keygen -Y verify -f allowed_signers -I ann -n preflight-report -s report.json.sig < report.json"
        ),
        "{script}"
    );
    ssh_keygen();
    let mut cmd = Command::new("sh");
    cmd.arg("-ec")
        .arg(script.replace("preflight report", &format!("{BIN} report")))
        .current_dir(h.root())
        .env("XDG_CONFIG_HOME", h.path("config"))
        .env("XDG_DATA_HOME", h.path("data"));
    let both = run_with_watchdog(cmd, "the Markdown's commands");
    assert_eq!(both.code, 0, "{script}\n{}", both.both());
    assert!(
        both.stdout
            .contains("verified: report.json was signed by ann")
    );
    assert!(both.both().contains("Good \"preflight-report\" signature"));
}

#[test]
fn an_unsigned_markdown_export_needs_unsigned_and_says_so() {
    let h = Home::new();
    h.report();
    let args = [
        "report",
        "export",
        "report.json",
        "--format",
        "md",
        "--out",
        "report.md",
    ];
    let out = h.run(&args);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr.contains("is not signed") && out.stderr.contains("--unsigned"),
        "{}",
        out.stderr
    );
    assert!(!h.path("report.md").exists());
    let mut args = args.to_vec();
    args.push("--unsigned");
    h.ok(&args);
    let md = fs::read_to_string(h.path("report.md")).expect("read");
    assert!(md.contains("**This report is not signed.**"), "{md}");
    assert!(md.contains("| Signed by | not signed |"), "{md}");
    assert!(!md.contains("ssh-keygen"), "{md}");
}

#[test]
fn verify_says_what_it_found_as_json() {
    let h = Home::new();
    let report = h.report();
    let key = h.ok(&["keygen", "--identity", "ann"]);
    let line = key.stdout.lines().last().expect("a line").to_owned();
    fs::write(h.path("allowed_signers"), format!("{line}\n")).expect("write");
    h.ok(&["report", "sign", "report.json"]);
    let json = |args: &[&str], code: i32| -> serde_json::Value {
        let mut all = vec!["report", "verify", "report.json", "--format", "json"];
        all.extend_from_slice(args);
        let out = h.run(&all);
        assert_eq!(out.code, code, "{}", out.both());
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
    };
    let ok = json(&["--allowed-signers", "allowed_signers"], 0);
    assert_eq!(ok["ok"], true, "{ok:#}");
    assert_eq!(ok["signer"], "ann");
    assert_eq!(ok["principals"][0], "ann");
    assert_eq!(ok["trusted"], true);
    assert!(ok["failure"].is_null());
    let signed = Report::from_bytes(&fs::read(&report).expect("read")).expect("a report");
    let s = signed.signer.expect("signer");
    assert_eq!(ok["fingerprint"], s.fingerprint.as_str());
    assert_eq!(ok["signed_at"], s.signed_at.as_str());
    assert_eq!(ok["report"]["verdict"], signed.findings.verdict.as_str());

    let untrusted = json(&[], 1);
    assert_eq!(untrusted["ok"], false);
    assert_eq!(untrusted["trusted"], false);
    assert_eq!(untrusted["fingerprint"], s.fingerprint.as_str());
    assert!(
        untrusted["failure"]
            .as_str()
            .is_some_and(|f| f.contains("not checked against anyone you trust")),
        "{untrusted:#}"
    );

    let mut bytes = fs::read(&report).expect("read");
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    fs::write(&report, bytes).expect("write");
    let changed = json(&["--allowed-signers", "allowed_signers"], 1);
    assert_eq!(changed["ok"], false);
    assert!(
        changed["failure"]
            .as_str()
            .is_some_and(|f| f.contains("changed after it was signed")),
        "{changed:#}"
    );
}

/// A checklist whose port items are answered by probes from two vantages.
const VANTAGE_CHECKLIST: &str = r#"
[checklist]
id = "two-vantages"
version = "1"
title = "Two vantages"
source = "test"
roles = ["Console", "Web", "DB"]

[[section]]
id = "net"
title = "Network"

[[section.item]]
id = "net.console_db"
prompt = "Can the console servers reach the database ports?"
kind = "confirm"
severity = "blocker"
source = "test"
good = ["yes"]
guidance = "Open TCP CONSOLE_PORTS from the console servers to the database."
probe = { kind = "tcp", check = "reachable", from = "Console", to = "DB", expect = { ports = "CONSOLE_PORTS" } }

[[section.item]]
id = "net.web_db"
prompt = "Can the web servers reach the database port?"
kind = "confirm"
severity = "blocker"
source = "test"
good = ["yes"]
probe = { kind = "tcp", check = "reachable", from = "Web", to = "DB", expect = { ports = "WEB_PORTS" } }

[[section]]
id = "ops"
title = "Operations"

[[section.item]]
id = "ops.backup"
prompt = "Are nightly backups taken?"
kind = "confirm"
severity = "major"
source = "test"
good = ["yes"]

[[section.item]]
id = "ops.wifi"
prompt = "Is there Wi-Fi in the wards?"
kind = "confirm"
severity = "minor"
source = "test"
good = ["yes"]

[[section.item]]
id = "ops.owner"
prompt = "Who runs the servers?"
kind = "text"
severity = "info"
source = "test"
"#;

/// A site on loopback: a database host with one open port and one closed (for now), port rules
/// from the Console and Web roles, and the checklist above installed.
struct Site {
    home: Home,
    _open: std::net::TcpListener,
    closed: u16,
}

impl Site {
    fn new() -> Self {
        let home = Home::new();
        let open = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
        let port = open.local_addr().expect("address").port();
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("address")
            .port();
        let dir = home.path("config/preflight/checklists");
        fs::create_dir_all(&dir).expect("mkdir");
        fs::write(
            dir.join("two-vantages.toml"),
            VANTAGE_CHECKLIST
                .replace("CONSOLE_PORTS", &format!("{port},{closed}"))
                .replace("WEB_PORTS", &port.to_string()),
        )
        .expect("checklist");
        Self::site_file(&home, "site.toml", "Loopback General", port, closed);
        Self::site_file(&home, "other.toml", "Another Hospital", port, closed);
        Self {
            home,
            _open: open,
            closed,
        }
    }

    fn site_file(home: &Home, file: &str, name: &str, open: u16, closed: u16) {
        fs::write(
            home.path(file),
            format!(
                r#"site = "{name}"

[[host]]
name = "db"
address = "127.0.0.1"
roles = ["DB"]

[[port]]
from = "Console"
to = "DB"
ports = "{open},{closed}"
purpose = "database"

[[port]]
from = "Web"
to = "DB"
ports = "{open}"
"#
            ),
        )
        .expect("site file");
    }

    /// A session of the site (or of `site_file`), with `answers` (item, value, note).
    fn session(&self, name: &str, site_file: &str, answers: &[(&str, &str, Option<&str>)]) {
        let h = &self.home;
        h.ok(&["session", "new", name, "--checklist", "two-vantages"]);
        h.ok(&["site", "import", name, site_file]);
        self.answer(name, answers);
    }

    fn answer(&self, name: &str, answers: &[(&str, &str, Option<&str>)]) {
        for (item, value, note) in answers {
            let mut args = vec!["session", "answer", name, item, value];
            if let Some(n) = note {
                args.extend(["--note", n]);
            }
            self.home.ok(&args);
        }
    }

    /// Probes the session's site from `role` (port rules only; loopback only).
    fn probe(&self, name: &str, role: &str) {
        let out = self.home.run(&[
            "probe",
            "--session",
            name,
            "--from",
            role,
            "--only",
            "tcp",
            "--no-system-resolver",
            "--timeout",
            "1500",
        ]);
        assert!(out.code <= 1, "{}", out.both());
        assert!(out.stderr.contains("results saved"), "{}", out.both());
    }

    fn build(&self, name: &str, out: &str) {
        self.home
            .ok(&["report", "build", "--session", name, "--out", out]);
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.home.ok(args);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
    }
}

/// The clock the answers are stamped with runs in seconds: let one tick so "newer" is newer.
fn next_second() {
    std::thread::sleep(std::time::Duration::from_millis(1100));
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|i| {
            i.get("id")
                .or_else(|| i.get("item"))
                .and_then(serde_json::Value::as_str)
                .expect("an id")
                .to_owned()
        })
        .collect()
}

/// Two visits to one site, each built into a signed report; the second also as a page.
fn two_visits(s: &Site) {
    let h = &s.home;
    s.session(
        "lg",
        "site.toml",
        &[
            ("net.console_db", "yes", None),
            ("ops.backup", "yes", None),
            ("ops.owner", "the ops team", Some("ask Dana")),
        ],
    );
    s.probe("lg", "Console");
    s.build("lg", "visit1.json");
    let key = h.ok(&["keygen", "--identity", "ann"]);
    let line = key.stdout.lines().last().expect("a line").to_owned();
    fs::write(h.path("allowed_signers"), format!("{line}\n")).expect("write");
    h.ok(&["report", "sign", "visit1.json"]);

    // Between the visits: the closed port is opened, backups stop, Wi-Fi is confirmed.
    next_second();
    let _now_open = std::net::TcpListener::bind(("127.0.0.1", s.closed)).expect("reopen");
    s.probe("lg", "Console");
    s.answer(
        "lg",
        &[
            ("ops.backup", "no", Some("tape library broken")),
            ("ops.wifi", "yes", None),
        ],
    );
    s.build("lg", "visit2.json");
    h.ok(&["report", "sign", "visit2.json"]);
    h.ok(&[
        "report",
        "export",
        "visit2.json",
        "--format",
        "html",
        "--out",
        "visit2.html",
    ]);
}

#[test]
fn diff_lists_what_changed_between_two_visits() {
    let site = Site::new();
    two_visits(&site);
    diff_as_json(&site);
    diff_as_text(&site);
    diff_refusals(&site);
}

fn diff_as_json(s: &Site) {
    // The older JSON against the newer page, both verified.
    let j = s.json(&[
        "report",
        "diff",
        "visit1.json",
        "visit2.html",
        "--allowed-signers",
        "allowed_signers",
        "--format",
        "json",
    ]);
    assert_eq!(j["old"]["verified"], true, "{:#}", j["old"]);
    assert_eq!(j["new"]["verified"], true, "{:#}", j["new"]);
    let d = &j["diff"];
    assert_eq!(d["verdict"]["before"], "not_ready", "{d:#}");
    // The web servers' blocker is still unanswered.
    assert_eq!(d["verdict"]["after"], "incomplete", "{d:#}");
    assert!(
        d["score"]["after"].as_u64() > d["score"]["before"].as_u64(),
        "{d:#}"
    );
    let answers = d["answers"].as_array().expect("answers");
    let change = |item: &str| {
        answers
            .iter()
            .find(|a| a["item"] == item)
            .unwrap_or_else(|| panic!("no change of {item}: {d:#}"))
    };
    assert_eq!(change("ops.backup")["kind"], "changed");
    assert_eq!(change("ops.backup")["before"], "yes");
    assert_eq!(change("ops.backup")["after"], "no");
    assert_eq!(change("ops.backup")["by"], "tester");
    assert!(
        change("ops.backup")["at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(change("ops.wifi")["kind"], "added");
    assert_eq!(answers.len(), 2, "{d:#}");
    assert_eq!(ids(&d["notes"]), ["ops.backup"]);
    assert_eq!(d["notes"][0]["after"], "tape library broken");
    let probes = d["probes"].as_array().expect("probes");
    assert_eq!(probes.len(), 1, "{d:#}");
    assert_eq!(probes[0]["vantage"], "Console");
    assert_eq!(probes[0]["kind"], "tcp");
    assert_eq!(probes[0]["before"], "fail");
    assert_eq!(probes[0]["after"], "pass");
    assert_eq!(ids(&d["fixed"]), ["net.console_db", "ops.wifi"]);
    assert_eq!(ids(&d["broken"]), ["ops.backup"]);
}

fn diff_as_text(s: &Site) {
    let h = &s.home;
    // As text, for a person; and backwards, an answer added is one cleared.
    let text = h.ok(&[
        "report",
        "diff",
        "visit1.json",
        "visit2.html",
        "--allowed-signers",
        "allowed_signers",
    ]);
    let t = &text.stdout;
    assert!(
        t.contains("old: visit1.json — lg, built ")
            && t.contains("signed by ann (SHA256:")
            && t.contains("verified against the signers given"),
        "{t}"
    );
    assert!(t.contains("verdict: not ready "), "{t}");
    assert!(
        t.contains("~ ops.backup: \"yes\" → \"no\" (by tester at "),
        "{t}"
    );
    assert!(t.contains("from Console: tcp.reachable "), "{t}");
    assert!(t.contains("FAIL → PASS"), "{t}");
    assert!(
        t.contains("newly fixed (2):") && t.contains("newly broken (1):"),
        "{t}"
    );
    let back = s.json(&[
        "report",
        "diff",
        "visit2.json",
        "visit1.json",
        "--format",
        "json",
    ]);
    let wifi = back["diff"]["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .find(|a| a["item"] == "ops.wifi")
        .cloned()
        .expect("wifi");
    assert_eq!(wifi["kind"], "cleared", "{wifi:#}");
    assert!(
        back["old"]["signature"]
            .as_str()
            .is_some_and(|s| s.contains("not checked against anyone you trust")),
        "{:#}",
        back["old"]
    );
    let same = h.ok(&["report", "diff", "visit2.json", "visit2.html"]);
    assert!(same.stdout.contains("Nothing changed."), "{}", same.stdout);
}

fn diff_refusals(s: &Site) {
    let h = &s.home;
    // An unsigned report diffs too, and says so; a report of another checklist does not.
    s.build("lg", "unsigned.json");
    let out = h.ok(&["report", "diff", "visit1.json", "unsigned.json"]);
    assert!(
        out.stdout.contains("new: unsigned.json — lg, built "),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("— not signed"), "{}", out.stdout);
    h.ok(&["session", "new", "other", "--checklist", CHECKLIST]);
    s.build("other", "other.json");
    let out = h.run(&["report", "diff", "visit1.json", "other.json"]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr
            .contains("different checklists (`two-vantages` and `activesync-device-trust`)"),
        "{}",
        out.stderr
    );
    let out = h.run(&["report", "diff", "visit1.json", "missing.json"]);
    assert_eq!(out.code, 2, "{}", out.both());
}

#[test]
fn merge_joins_two_vantages_keeps_conflicts_and_refuses_other_sites() {
    let site = Site::new();
    two_vantages(&site);
    let merged = merge_console_and_web(&site);
    merge_settled(&site);
    merged_findings(&merged, &site);
    merged_signed_and_exported(&site);
    merge_refusals(&site);
}

/// The console server's session, then the web server's, each probing from its own role; they
/// disagree on backups. The console's report is signed and exported as a page.
fn two_vantages(s: &Site) {
    let h = &s.home;
    // The console server's session, then the web server's: they disagree on backups.
    s.session(
        "lg-console",
        "site.toml",
        &[
            ("net.console_db", "yes", None),
            ("ops.backup", "yes", Some("checked the job log")),
        ],
    );
    s.probe("lg-console", "Console");
    next_second();
    s.session(
        "lg-web",
        "site.toml",
        &[("net.web_db", "yes", None), ("ops.backup", "no", None)],
    );
    s.probe("lg-web", "Web");
    s.build("lg-console", "console.json");
    s.build("lg-web", "web.json");
    let key = h.ok(&["keygen", "--identity", "ann"]);
    let line = key.stdout.lines().last().expect("a line").to_owned();
    fs::write(h.path("allowed_signers"), format!("{line}\n")).expect("write");
    h.ok(&["report", "sign", "console.json"]);
    h.ok(&[
        "report",
        "export",
        "console.json",
        "--format",
        "html",
        "--out",
        "console.html",
    ]);
}

fn merge_console_and_web(s: &Site) -> Report {
    let h = &s.home;
    let one = h.run(&[
        "report",
        "merge",
        "console.html",
        "web.json",
        "--out",
        "merged.json",
    ]);
    assert_eq!(
        one.code,
        1,
        "a conflict nobody settled is for a person: {}",
        one.both()
    );
    assert!(
        one.stdout
            .contains("2 reports of Loopback General merged (vantages: Console, Web)"),
        "{}",
        one.stdout
    );
    assert!(
        one.stdout
            .contains("1 items answered differently (1 not settled)")
            && one.stdout.contains("1 conflicting answers need a person"),
        "{}",
        one.stdout
    );
    assert!(
        one.stdout.contains("preflight report sign merged.json"),
        "{}",
        one.stdout
    );
    // Not the newest: the oldest answer stays until a person says which.
    assert!(
        one.stderr.contains(
            "conflict: ops.backup was answered differently and is not settled: kept for now the oldest, \"yes\" by tester"
        ) && one.stderr.contains("(in lg-console); also \"no\" by tester at ")
            && one.stderr.contains("(in lg-web)")
            && one
                .stderr
                .contains("settle with --take ops.backup=lg-console or --take ops.backup=lg-web"),
        "{}",
        one.stderr
    );
    assert!(
        !h.path("merged.json.sig").exists(),
        "the merged report is unsigned"
    );
    let merged = Report::from_bytes(&fs::read(h.path("merged.json")).expect("read")).expect("ok");
    assert_eq!(merged.signer, None);
    assert_eq!(merged.assessment.name, "lg-console + lg-web");
    assert_eq!(
        merged
            .vantages
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>(),
        ["Console", "Web"]
    );
    let answer = |id: &str| {
        merged
            .answers
            .iter()
            .find(|a| a.item == id)
            .expect("answer")
    };
    assert_eq!(
        answer("ops.backup").response,
        Some(ResponseDoc::Yes),
        "the clock does not decide: the older answer stays, marked"
    );
    assert_eq!(answer("ops.backup").note, "checked the job log");
    assert_eq!(answer("net.web_db").response, Some(ResponseDoc::Yes));
    let m = merged.merge.as_ref().expect("the merge is recorded");
    assert_eq!(m.conflicts.len(), 1);
    assert_eq!(m.conflicts[0].item, "ops.backup");
    assert!(m.conflicts[0].open);
    assert_eq!(m.conflicts[0].kept.source, "lg-console");
    assert_eq!(m.conflicts[0].others[0].response, Some(ResponseDoc::No));
    assert_eq!(m.conflicts[0].others[0].source, "lg-web");

    let signers: Vec<Option<&str>> = m
        .sources
        .iter()
        .map(|s| s.signer.as_ref().map(|s| s.identity.as_str()))
        .collect();
    assert_eq!(
        signers,
        [Some("ann"), None],
        "the console report was signed, the web one not"
    );
    merged
}

/// The conflict of the console and web reports, settled by a person: by report, or by item.
fn merge_settled(s: &Site) {
    let h = &s.home;
    for decision in [
        &["--prefer", "web.json"][..],
        &["--prefer", "lg-web"][..],
        &["--take", "ops.backup=lg-web"][..],
    ] {
        let mut args = vec![
            "report",
            "merge",
            "console.html",
            "web.json",
            "--out",
            "settled.json",
        ];
        args.extend(decision);
        let out = h.ok(&args);
        assert!(out.stdout.contains("(0 not settled)"), "{}", out.stdout);
        assert!(
            out.stderr
                .contains("ops.backup was answered differently, settled by --"),
            "{}",
            out.stderr
        );
        let settled =
            Report::from_bytes(&fs::read(h.path("settled.json")).expect("read")).expect("ok");
        let backup = settled
            .answers
            .iter()
            .find(|a| a.item == "ops.backup")
            .expect("answer");
        assert_eq!(backup.response, Some(ResponseDoc::No), "{decision:?}");
        let c = &settled.merge.as_ref().expect("merge").conflicts[0];
        assert!(!c.open && c.settled.is_some(), "{c:?}");
    }
    let out = h.run(&[
        "report",
        "merge",
        "console.html",
        "web.json",
        "--out",
        "nobody.json",
        "--prefer",
        "nobody",
    ]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr.contains("nobody names none of the reports"),
        "{}",
        out.stderr
    );
    assert!(!h.path("nobody.json").exists());
}

fn merged_findings(merged: &Report, s: &Site) {
    let h = &s.home;

    // Findings computed again from both vantages: each blocker answered by its own vantage's probe.
    let item = |id: &str| {
        merged
            .findings
            .items
            .iter()
            .find(|i| i.id == id)
            .expect("item")
    };
    assert_eq!(
        item("net.console_db").readiness,
        "not_ready",
        "a port is closed"
    );
    assert!(item("net.console_db").disagreement.is_some());
    assert_eq!(item("net.web_db").readiness, "ready");
    assert_eq!(
        item("net.web_db").probe.as_ref().expect("probe").results[0].vantage,
        "Web"
    );
    assert_eq!(
        item("ops.backup").readiness,
        "needs_attention",
        "an answer in dispute is not readiness"
    );
    assert!(
        item("ops.backup")
            .disagreement
            .as_deref()
            .is_some_and(|d| d.contains("nobody has settled it")),
        "{:?}",
        item("ops.backup")
    );
    let alone = Report::from_bytes(&fs::read(h.path("web.json")).expect("read")).expect("ok");
    assert_ne!(alone.findings, merged.findings);
}

fn merged_signed_and_exported(s: &Site) {
    let h = &s.home;

    // Any argument order, the same document (but for when it was made).
    h.run(&[
        "report",
        "merge",
        "web.json",
        "console.html",
        "--out",
        "again.json",
    ]);
    let strip = |p: &str| -> String {
        fs::read_to_string(h.path(p))
            .expect("read")
            .lines()
            .filter(|l| !l.starts_with("  \"created_at\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip("merged.json"), strip("again.json"));

    // The merger signs it; it verifies, and its exports show where it came from.
    h.ok(&["report", "sign", "merged.json"]);
    h.ok(&[
        "report",
        "verify",
        "merged.json",
        "--allowed-signers",
        "allowed_signers",
    ]);
    h.ok(&[
        "report",
        "export",
        "merged.json",
        "--format",
        "md",
        "--out",
        "merged.md",
    ]);
    let md = fs::read_to_string(h.path("merged.md")).expect("read");
    assert!(md.contains("## Merged from"), "{md}");
    assert!(md.contains("| lg-console | Console |"), "{md}");
    assert!(
        md.contains("<br>**Also answered:** \"no\" by tester at "),
        "{md}"
    );
    assert!(
        md.contains("NOT SETTLED: the oldest answer is kept for now"),
        "{md}"
    );
    assert!(
        md.contains("(1 not settled: each keeps its oldest answer"),
        "{md}"
    );
    h.ok(&[
        "report",
        "export",
        "merged.json",
        "--format",
        "html",
        "--out",
        "merged.html",
    ]);
    h.ok(&[
        "report",
        "verify",
        "merged.html",
        "--allowed-signers",
        "allowed_signers",
    ]);
    let page = fs::read_to_string(h.path("merged.html")).expect("read");
    assert!(page.contains("<h2>Merged from</h2>") && page.contains("Also answered:"));
}

fn merge_refusals(s: &Site) {
    let h = &s.home;

    // Another site, another checklist, a report changed after signing: refused, saying why.
    s.session("ah", "other.toml", &[]);
    s.build("ah", "other-site.json");
    let out = h.run(&[
        "report",
        "merge",
        "web.json",
        "other-site.json",
        "--out",
        "x.json",
    ]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr.contains("reports of different sites")
            && out.stderr.contains("`Loopback General`")
            && out.stderr.contains("`Another Hospital`"),
        "{}",
        out.stderr
    );
    h.ok(&["session", "new", "trust", "--checklist", CHECKLIST]);
    s.build("trust", "other-checklist.json");
    let out = h.run(&[
        "report",
        "merge",
        "web.json",
        "other-checklist.json",
        "--out",
        "x.json",
    ]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr
            .contains("different checklists: `activesync-device-trust` and `two-vantages`")
            || out
                .stderr
                .contains("different checklists: `two-vantages` and `activesync-device-trust`"),
        "{}",
        out.stderr
    );
    let mut bytes = fs::read(h.path("console.json")).expect("read");
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    fs::write(h.path("console.json"), bytes).expect("write");
    let out = h.run(&[
        "report",
        "merge",
        "console.json",
        "web.json",
        "--out",
        "x.json",
    ]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(out.stderr.contains("is never merged"), "{}", out.stderr);
    let out = h.run(&[
        "report",
        "merge",
        "web.json",
        "console.html",
        "--out",
        "web.json",
    ]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(!h.path("x.json").exists());
}

#[test]
fn keygen_protects_the_key_with_a_passphrase_from_the_environment() {
    let h = Home::new();
    h.report();
    let with_env = |args: &[&str], var: &str, value: &str| {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .current_dir(h.root())
            .env("XDG_DATA_HOME", h.path("data"))
            .env("XDG_CONFIG_HOME", h.path("config"))
            .env("HOME", h.path("home"))
            .env(var, value);
        run_with_watchdog(cmd, &format!("preflight {}", args.join(" ")))
    };
    let empty = with_env(
        &["keygen", "--identity", "ann", "--passphrase-env", "PF_NEW"],
        "PF_NEW",
        "",
    );
    assert_eq!(empty.code, 2, "{}", empty.both());
    assert!(empty.stderr.contains("PF_NEW is empty"), "{}", empty.stderr);
    let key = h.path("config/preflight/preflight_ed25519");
    assert!(!key.exists(), "no key is made without its passphrase");

    let made = with_env(
        &["keygen", "--identity", "ann", "--passphrase-env", "PF_NEW"],
        "PF_NEW",
        "tr0ub4dor&3",
    );
    assert_eq!(made.code, 0, "{}", made.both());
    assert!(
        made.stdout.contains("protected by your passphrase"),
        "{}",
        made.stdout
    );
    assert!(!made.both().contains("tr0ub4dor"));
    assert!(
        !fs::read_to_string(&key)
            .expect("read")
            .contains("tr0ub4dor")
    );

    // OpenSSH opens it with the passphrase, and not without.
    let key_arg = key.to_str().expect("utf-8");
    let opened = h.ssh_keygen(&["-y", "-P", "tr0ub4dor&3", "-f", key_arg]);
    assert_eq!(opened.code, 0, "{}", opened.both());
    assert!(
        opened.stdout.starts_with("ssh-ed25519 AAAA"),
        "{}",
        opened.stdout
    );
    let refused = h.ssh_keygen(&["-y", "-P", "", "-f", key_arg]);
    assert_ne!(refused.code, 0, "{}", refused.both());

    let no_pass = h.run(&["report", "sign", "report.json"]);
    assert_eq!(no_pass.code, 2, "{}", no_pass.both());
    assert!(
        no_pass.stderr.contains("--passphrase-env"),
        "{}",
        no_pass.stderr
    );
    let wrong = with_env(
        &[
            "report",
            "sign",
            "report.json",
            "--passphrase-env",
            "PF_PASS",
        ],
        "PF_PASS",
        "nope",
    );
    assert_eq!(wrong.code, 2, "{}", wrong.both());
    assert!(
        wrong.stderr.contains("the passphrase does not open"),
        "{}",
        wrong.stderr
    );
    let signed = with_env(
        &[
            "report",
            "sign",
            "report.json",
            "--passphrase-env",
            "PF_PASS",
        ],
        "PF_PASS",
        "tr0ub4dor&3",
    );
    assert_eq!(signed.code, 0, "{}", signed.both());
    h.ok(&[
        "report",
        "verify",
        "report.json",
        "--signer",
        h.path("config/preflight/preflight_ed25519.pub")
            .to_str()
            .expect("utf-8"),
    ]);
}
