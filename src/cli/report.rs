//! `keygen` and `report build|sign|verify|export|diff|merge`: the signed readiness report from
//! the command line. Exit codes: 0 done (verify: verified), 1 not verified, 2 error. No
//! private key or passphrase is ever printed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use color_eyre::eyre::{Result, WrapErr, eyre};

use serde::Serialize;

use super::{Format, library, print_json, secret};
use crate::paths::Dirs;
use crate::report::Report;
use crate::report::diff as report_diff;
use crate::report::load::{Check, Input, LoadError, PageCheck, sig_path};
use crate::report::merge as report_merge;
use crate::report::sign::{self, KEY_FILE, NAMESPACE, Trust};
use crate::report::{files, html};
use crate::stamp::{now, user};
use crate::store::{Store, write_atomic};

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The name the key goes by in `allowed_signers` (default: `$PREFLIGHT_USER`, else the
    /// login name).
    #[arg(long, value_name = "NAME")]
    identity: Option<String>,
    /// Protect the key with the passphrase in this environment variable (without it, a
    /// passphrase is asked for when run at a terminal; Enter there leaves the key unprotected).
    #[arg(long, value_name = "VAR")]
    passphrase_env: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Html,
    /// Markdown (`CommonMark` with GitHub tables).
    #[value(alias = "markdown")]
    Md,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Make the report document (canonical JSON) from an assessment.
    Build {
        #[arg(long, value_name = "NAME")]
        session: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Sign a report: records the signer in it and writes FILE.sig (OpenSSH SSHSIG, Ed25519).
    Sign {
        file: PathBuf,
        /// An OpenSSH Ed25519 private key (default: the one `preflight keygen` made).
        #[arg(long, value_name = "PATH")]
        key: Option<PathBuf>,
        /// The environment variable holding the key's passphrase, if it has one.
        #[arg(long, value_name = "VAR")]
        passphrase_env: Option<String>,
    },
    /// Write a signed report as one self-contained HTML page, or as Markdown.
    Export {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "html")]
        format: ExportFormat,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Export a report that has no signature (FILE.sig); the export says it is unsigned.
        #[arg(long)]
        unsigned: bool,
        /// The key that signed the report, to sign the HTML page itself (default: the one
        /// `preflight keygen` made, when it signed the report). A signed page verifies with
        /// every later release; one without a page signature only as long as the page is drawn
        /// the same way.
        #[arg(long, value_name = "PATH")]
        key: Option<PathBuf>,
        /// The environment variable holding the key's passphrase, if it has one.
        #[arg(long, value_name = "VAR")]
        passphrase_env: Option<String>,
    },
    /// Check FILE against FILE.sig (or an HTML export on its own): who signed, when, and whether anything changed.
    Verify {
        file: PathBuf,
        /// The signature (default: FILE.sig).
        #[arg(long, value_name = "FILE")]
        signature: Option<PathBuf>,
        /// The signer's public key file (`ssh-ed25519 AAAA…`).
        #[arg(long, value_name = "PUBKEY_FILE", conflicts_with = "allowed_signers")]
        signer: Option<PathBuf>,
        /// An OpenSSH `allowed_signers` file.
        #[arg(long, value_name = "FILE")]
        allowed_signers: Option<PathBuf>,
        /// With --allowed-signers: the principal that must have signed (as `ssh-keygen -I`).
        #[arg(long, value_name = "NAME", requires = "allowed_signers")]
        identity: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// What changed between two reports of a site: answers, notes, probe verdicts, items fixed
    /// and broken, the verdict and score. Each may be a JSON report (its .sig beside it is
    /// checked when there) or an HTML export. Exit 0 when listed, 2 on bad input.
    Diff {
        old: PathBuf,
        new: PathBuf,
        /// Check the signatures against this `allowed_signers` file (else only that they are
        /// intact).
        #[arg(long, value_name = "FILE")]
        allowed_signers: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Join reports of one site taken from several vantages into one unsigned report: the
    /// union of the probe results (a result that could not tell never replaces one that
    /// answered) and of the sites, the answers the reports agree on, findings computed again.
    /// Answers that differ are listed for a person to settle (`--prefer`, `--take`); until
    /// then the item keeps its oldest answer, marked as in conflict, and the exit code is 1.
    /// Refuses reports of different sites or checklists.
    Merge {
        #[arg(required = true, num_args = 2.., value_name = "REPORT")]
        reports: Vec<PathBuf>,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Refuse a report whose signer is not in this `allowed_signers` file (unsigned
        /// reports are still taken; a signature that does not verify never is).
        #[arg(long, value_name = "FILE")]
        allowed_signers: Option<PathBuf>,
        /// Settle every conflicting answer and site entry this report has in its favour (a
        /// report's file as given, or its assessment's name).
        #[arg(long, value_name = "NAME")]
        prefer: Option<String>,
        /// Settle one item's conflicting answers: take the answer of report NAME.
        #[arg(long, value_name = "ITEM=NAME", value_parser = parse_take)]
        take: Vec<(String, String)>,
    },
}

fn parse_take(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((item, name)) if !item.trim().is_empty() && !name.trim().is_empty() => {
            Ok((item.trim().to_owned(), name.trim().to_owned()))
        }
        _ => Err(format!(
            "`{s}` is not ITEM=NAME (an item id, `=`, and a report's file or assessment name)"
        )),
    }
}

pub fn keygen(dirs: &Dirs, args: &KeygenArgs) -> Result<ExitCode> {
    let identity = args.identity.clone().unwrap_or_else(user);
    if identity.trim().is_empty() || identity.chars().any(char::is_whitespace) {
        return Err(eyre!(
            "the identity `{identity}` must be one word (it is the first field of an allowed_signers line)"
        ));
    }
    let passphrase = match &args.passphrase_env {
        Some(var) => Some(secret::from_env(var).map_err(|e| eyre!(e))?),
        None if secret::can_prompt() => new_passphrase()?,
        None => None,
    };
    let new = sign::keygen(&dirs.config, &identity, passphrase.as_deref())?;
    outln!(
        "private key: {} (owner-only; {}; keep it)",
        new.path.display(),
        if passphrase.is_some() {
            "protected by your passphrase"
        } else {
            "not protected by a passphrase"
        }
    );
    outln!("public key:  {}", new.public_path.display());
    outln!("fingerprint: {}", new.fingerprint);
    outln!();
    outln!("{}", new.public_key);
    outln!();
    outln!("Add this line to the allowed_signers file of whoever verifies your reports:");
    outln!("{}", new.allowed_signers_line);
    Ok(ExitCode::SUCCESS)
}

/// Asks for the new key's passphrase twice; `None` for none.
fn new_passphrase() -> Result<Option<String>> {
    let cancelled = || eyre!("cancelled; no key was made");
    let first =
        secret::prompt("Passphrase for the new key (Enter for none): ")?.ok_or_else(cancelled)?;
    if first.is_empty() {
        return Ok(None);
    }
    let again = secret::prompt("The same passphrase again: ")?.ok_or_else(cancelled)?;
    if again != first {
        return Err(eyre!("the two passphrases differ; no key was made"));
    }
    Ok(Some(first))
}

pub fn run(dirs: &Dirs, command: &ReportCommand) -> Result<ExitCode> {
    match command {
        ReportCommand::Build { session, out } => build(dirs, session, out),
        ReportCommand::Sign {
            file,
            key,
            passphrase_env,
        } => sign_report(dirs, file, key.as_deref(), passphrase_env.as_deref()),
        ReportCommand::Export {
            file,
            format,
            out,
            unsigned,
            key,
            passphrase_env,
        } => export(
            dirs,
            &ExportArgs {
                file,
                format: *format,
                out,
                unsigned: *unsigned,
                key: key.as_deref(),
                passphrase_env: passphrase_env.as_deref(),
            },
        ),
        ReportCommand::Verify {
            file,
            signature,
            signer,
            allowed_signers,
            identity,
            format,
        } => verify(&VerifyArgs {
            file,
            signature: signature.as_deref(),
            signer: signer.as_deref(),
            allowed_signers: allowed_signers.as_deref(),
            identity: identity.as_deref(),
            format: *format,
        }),
        ReportCommand::Diff {
            old,
            new,
            allowed_signers,
            format,
        } => diff(old, new, allowed_signers.as_deref(), *format),
        ReportCommand::Merge {
            reports,
            out,
            allowed_signers,
            prefer,
            take,
        } => merge(
            dirs,
            reports,
            out,
            allowed_signers.as_deref(),
            &report_merge::Decisions {
                prefer: prefer.clone(),
                take: take.iter().cloned().collect(),
            },
        ),
    }
}

fn build(dirs: &Dirs, session: &str, out: &Path) -> Result<ExitCode> {
    let a = Store::new(dirs.sessions()).load(session)?;
    let lib = library(dirs)?;
    let c = lib
        .get(&a.checklist.id)
        .wrap_err_with(|| format!("session `{session}` uses a checklist that is not installed"))?;
    let report = Report::build(&a, c, &now());
    // A signature left beside an earlier report signs other bytes: it goes.
    files::write_report(out, &report)?;
    let f = &report.findings;
    outln!(
        "wrote {}: {} — {}% ready, {} open blockers, {} disagreements between answers and probes",
        out.display(),
        f.verdict,
        f.score,
        f.counts.open_blockers,
        f.counts.disagreements
    );
    Ok(ExitCode::SUCCESS)
}

/// Opens a private key, its passphrase from `passphrase_env` or asked for at a terminal.
fn open_key(
    key_path: &Path,
    passphrase_env: Option<&str>,
    cancelled: &str,
) -> Result<ssh_key::PrivateKey> {
    let passphrase = match passphrase_env {
        Some(var) => Some(secret::from_env(var).map_err(|e| eyre!(e))?),
        None => None,
    };
    Ok(match sign::load_key(key_path, passphrase.as_deref()) {
        Err(sign::SignError::Encrypted(_)) if secret::can_prompt() => {
            let typed = secret::prompt(&format!("Passphrase for {}: ", key_path.display()))?
                .ok_or_else(|| eyre!("cancelled; {cancelled}"))?;
            sign::load_key(key_path, Some(&typed))?
        }
        other => other?,
    })
}

fn sign_report(
    dirs: &Dirs,
    file: &Path,
    key: Option<&Path>,
    passphrase_env: Option<&str>,
) -> Result<ExitCode> {
    let default_key = dirs.config.join(KEY_FILE);
    let key_path = key.unwrap_or(&default_key);
    if key.is_none() && !key_path.exists() {
        return Err(eyre!(
            "no key at {}: make one with `preflight keygen`, or give an OpenSSH Ed25519 key with --key",
            key_path.display()
        ));
    }
    let private = open_key(key_path, passphrase_env, "nothing was signed")?;
    let signed = files::sign_file(file, &private, &user(), &now())?;
    let (identity, sig) = (signed.signer.identity, signed.sig);
    outln!(
        "signed {} as {identity} ({}); the signature is {}",
        file.display(),
        signed.signer.fingerprint,
        sig.display()
    );
    outln!(
        "verify with: preflight report verify {} --allowed-signers FILE",
        command_path(file)
    );
    outln!(
        "         or: ssh-keygen -Y verify -f allowed_signers -I {identity} -n {NAMESPACE} -s {} < {}",
        command_path(&sig),
        command_path(file)
    );
    Ok(ExitCode::SUCCESS)
}

/// A path in a command printed to be copied: as the shell of the platform reads it back (a
/// POSIX shell's quoting on Unix; on Windows `cmd.exe`'s double quotes, which PowerShell reads
/// too, around a path with a space or a character `cmd.exe` treats specially; a Windows path
/// cannot hold `"`).
fn command_path(path: &Path) -> String {
    let text = path.display().to_string();
    if cfg!(windows) {
        if text.is_empty()
            || text.contains(|c: char| c.is_whitespace() || "&|<>^()%!',;=".contains(c))
        {
            format!("\"{text}\"")
        } else {
            text
        }
    } else {
        crate::report::view::shell_word(&text)
    }
}

/// What `verify` found, as `--format json` prints it.
#[derive(Debug, Serialize)]
struct VerifyOutcome {
    file: String,
    /// Verified: unchanged since signed, by a key checked against the signers given.
    ok: bool,
    /// The signer's name: the principals `allowed_signers` lists for the key, else the name
    /// the report records (counted only when that key signed).
    signer: Option<String>,
    principals: Vec<String>,
    fingerprint: Option<String>,
    /// When the report says it was signed.
    signed_at: Option<String>,
    /// Whether the key was checked against someone trusted (`--signer`, `--allowed-signers`).
    trusted: bool,
    /// What failed, in words; `null` when verified.
    failure: Option<String>,
    /// For a page: `signed` (its page signature verified) or `drawn_again` (no page
    /// signature: it matched what this release draws); `null` for a JSON report.
    page: Option<&'static str>,
    report: Option<ReportSummary>,
}

#[derive(Debug, Serialize)]
struct ReportSummary {
    checklist: String,
    checklist_version: String,
    assessment: String,
    verdict: String,
    score: u8,
    open_blockers: u32,
    created_at: String,
}

impl ReportSummary {
    fn of(r: &Report) -> Self {
        Self {
            checklist: r.checklist.id.clone(),
            checklist_version: r.checklist.version.clone(),
            assessment: r.assessment.name.clone(),
            verdict: r.findings.verdict.clone(),
            score: r.findings.score,
            open_blockers: r.findings.counts.open_blockers,
            created_at: r.created_at.clone(),
        }
    }
}

fn trust(
    signer: Option<&Path>,
    allowed_signers: Option<&Path>,
    identity: Option<&str>,
) -> Result<Trust> {
    Ok(match (signer, allowed_signers) {
        (Some(p), _) => Trust::Key(sign::load_public_key(p)?),
        (None, Some(p)) => {
            let (signers, skipped) = sign::load_allowed_signers(p)?;
            for s in skipped {
                eprintln!(
                    "warning: {}, line {}: {}; the line is skipped (ssh-keygen skips it too)",
                    p.display(),
                    s.line,
                    s.reason
                );
            }
            Trust::AllowedSigners {
                signers,
                identity: identity.map(str::to_owned),
            }
        }
        (None, None) => Trust::Embedded,
    })
}

struct VerifyArgs<'a> {
    file: &'a Path,
    signature: Option<&'a Path>,
    signer: Option<&'a Path>,
    allowed_signers: Option<&'a Path>,
    identity: Option<&'a str>,
    format: Format,
}

fn verify(args: &VerifyArgs<'_>) -> Result<ExitCode> {
    let file = args.file;
    let trust = trust(args.signer, args.allowed_signers, args.identity)?;
    let outcome = match Input::read(file, args.signature) {
        // A page without a report, or with a damaged one, does not verify; it is not an error.
        Err(e @ LoadError::Page { .. }) => failed(file, None, e.to_string()),
        Err(e) => return Err(e.into()),
        Ok(input) if input.page.is_none() && input.signature.is_none() => {
            return Err(eyre!(
                "cannot read the signature {}: there is none (sign the report with `preflight report sign`, or give --signature FILE)",
                sig_path(file).display()
            ));
        }
        Ok(input) => outcome(file, &input, &trust),
    };
    if args.format == Format::Json {
        print_json(&serde_json::to_value(&outcome)?)?;
    } else if let Some(why) = &outcome.failure {
        outln!("NOT VERIFIED: {why}");
    } else {
        outln!(
            "verified: {} was signed by {} ({}) at {} and has not changed since",
            file.display(),
            outcome.signer.as_deref().unwrap_or("unnamed"),
            outcome.fingerprint.as_deref().unwrap_or_default(),
            outcome.signed_at.as_deref().unwrap_or("an unrecorded time")
        );
        if outcome.page == Some("drawn_again") {
            println!(
                "the page has no page signature: it matches what this release draws, and may not with a later one (export it again to sign it as a page)"
            );
        }
        if let Some(r) = &outcome.report {
            outln!(
                "{} {} for {} — {}, {}% ready, {} open blockers (built {})",
                r.checklist,
                r.checklist_version,
                r.assessment,
                r.verdict,
                r.score,
                r.open_blockers,
                r.created_at
            );
        }
    }
    Ok(if outcome.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// An outcome that failed; `failure` is the whole line after `NOT VERIFIED: `.
fn failed(file: &Path, report: Option<ReportSummary>, failure: String) -> VerifyOutcome {
    VerifyOutcome {
        file: file.display().to_string(),
        ok: false,
        signer: None,
        principals: Vec::new(),
        fingerprint: None,
        signed_at: None,
        trusted: false,
        failure: Some(failure),
        page: None,
        report,
    }
}

fn outcome(file: &Path, input: &Input, trust: &Trust) -> VerifyOutcome {
    let report = input.report().ok().map(|r| ReportSummary::of(&r));
    match input.check(trust) {
        Check::Unsigned => failed(
            file,
            report,
            format!(
                "{}: the page was exported unsigned (--unsigned) and carries no signature",
                file.display()
            ),
        ),
        Check::Failed(e) => failed(file, report, format!("{}: {e}", file.display())),
        Check::Signed(s) => {
            let who = s.who();
            let failure = (!s.verified.trusted).then(|| {
                format!(
                    "{} is unchanged since it was signed by key {} (the report names {who}), but that key was not checked against anyone you trust: give --signer PUBKEY_FILE or --allowed-signers FILE",
                    file.display(),
                    s.verified.fingerprint
                )
            });
            VerifyOutcome {
                file: file.display().to_string(),
                ok: failure.is_none(),
                signer: Some(who),
                principals: s.verified.principals.clone(),
                fingerprint: Some(s.verified.fingerprint.clone()),
                signed_at: s.signed_at.clone(),
                trusted: s.verified.trusted,
                failure,
                page: s.page.map(|p| match p {
                    PageCheck::Signed => "signed",
                    PageCheck::DrawnAgain => "drawn_again",
                }),
                report,
            }
        }
    }
}

struct ExportArgs<'a> {
    file: &'a Path,
    format: ExportFormat,
    out: &'a Path,
    unsigned: bool,
    key: Option<&'a Path>,
    passphrase_env: Option<&'a str>,
}

/// The key to sign an HTML page with: the one given (which must open), else the default key
/// when it is there and opens; `None` (with a warning) when there is none to use.
fn page_key(dirs: &Dirs, args: &ExportArgs<'_>) -> Result<Option<ssh_key::PrivateKey>> {
    if args.format != ExportFormat::Html || !sig_path(args.file).exists() {
        return Ok(None);
    }
    if let Some(path) = args.key {
        return open_key(path, args.passphrase_env, "nothing was exported").map(Some);
    }
    let default_key = dirs.config.join(KEY_FILE);
    let why = if default_key.exists() {
        match open_key(&default_key, args.passphrase_env, "nothing was exported") {
            Ok(key) => {
                let signer = std::fs::read(args.file)
                    .ok()
                    .and_then(|b| crate::report::Report::from_bytes(&b).ok())
                    .and_then(|r| r.signer)
                    .map(|s| s.fingerprint);
                if signer.as_deref() == Some(sign::fingerprint(key.public_key()).as_str()) {
                    return Ok(Some(key));
                }
                format!("{} did not sign the report", default_key.display())
            }
            Err(e) => format!("{} does not open ({e})", default_key.display()),
        }
    } else {
        format!("there is no key at {}", default_key.display())
    };
    eprintln!(
        "warning: the page is not signed as a page ({why}; give the signing key with --key): it verifies only while preflight draws it the same way"
    );
    Ok(None)
}

fn export(dirs: &Dirs, args: &ExportArgs<'_>) -> Result<ExitCode> {
    let (file, format, out) = (args.file, args.format, args.out);
    let f = match format {
        ExportFormat::Html => files::Format::Html,
        ExportFormat::Md => files::Format::Markdown,
    };
    let key = page_key(dirs, args)?;
    let exported = match files::export_file(file, f, out, args.unsigned, key.as_ref()) {
        Err(e @ files::FilesError::Unsigned { .. }) => {
            return Err(eyre!(
                "{e}; sign it with `preflight report sign {}` first, or give --unsigned to export one that says it is unsigned",
                file.display()
            ));
        }
        other => other?,
    };
    let report = &exported.report;
    outln!(
        "wrote {}: {} — {}% ready, {} open blockers{}",
        out.display(),
        report.findings.verdict,
        report.findings.score,
        report.findings.counts.open_blockers,
        match (exported.signed, format) {
            (true, ExportFormat::Html) => format!(
                "; verify it with: preflight report verify {}",
                command_path(out)
            ),
            (true, ExportFormat::Md) => format!(
                "; verify the report it names with: preflight report verify {}",
                command_path(file)
            ),
            (false, _) => " (unsigned)".to_owned(),
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// A report read for `diff` or `merge`, with what its signature check found.
struct Checked {
    input: Input,
    report: Report,
    check: Check,
}

/// Reads and checks a report; `merging` refuses one whose signature does not verify before
/// anything else is said about it.
fn read_checked(file: &Path, trust: &Trust, merging: bool) -> Result<Checked> {
    let input = Input::read(file, None)?;
    let check = input.check(trust);
    if let (true, Check::Failed(e)) = (merging, &check) {
        return Err(eyre!(
            "{} does not verify ({e}); a report that was changed after it was signed is never merged",
            file.display()
        ));
    }
    let report = input.report()?;
    Ok(Checked {
        input,
        report,
        check,
    })
}

fn diff(
    old: &Path,
    new: &Path,
    allowed_signers: Option<&Path>,
    format: Format,
) -> Result<ExitCode> {
    let trust = trust(None, allowed_signers, None)?;
    let (a, b) = (
        read_checked(old, &trust, false)?,
        read_checked(new, &trust, false)?,
    );
    let d = report_diff::diff(&a.report, &b.report)?;
    let side = |c: &Checked| {
        serde_json::json!({
            "file": c.input.path.display().to_string(),
            "assessment": c.report.assessment.name,
            "created_at": c.report.created_at,
            "verified": matches!(&c.check, Check::Signed(s) if s.verified.trusted),
            "signature": c.check.describe(),
        })
    };
    if format == Format::Json {
        print_json(&serde_json::json!({
            "old": side(&a),
            "new": side(&b),
            "diff": d,
        }))?;
    } else {
        let mut text = String::new();
        for (label, c) in [("old", &a), ("new", &b)] {
            let _ = writeln!(
                text,
                "{label}: {} — {}, built {} — {}",
                c.input.path.display(),
                c.report.assessment.name,
                c.report.created_at,
                c.check.describe()
            );
        }
        text.push_str(&d.to_text());
        super::print(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn merge(
    dirs: &Dirs,
    reports: &[PathBuf],
    out: &Path,
    allowed_signers: Option<&Path>,
    decisions: &report_merge::Decisions,
) -> Result<ExitCode> {
    let trust = trust(None, allowed_signers, None)?;
    let out_abs = std::path::absolute(out).unwrap_or_else(|_| out.to_owned());
    let mut sources = Vec::new();
    for file in reports {
        if std::path::absolute(file).is_ok_and(|p| p == out_abs) {
            return Err(eyre!(
                "--out {} is one of the reports to merge; write the merged report to a new file",
                out.display()
            ));
        }
        let c = read_checked(file, &trust, true)?;
        let signer = match c.check {
            Check::Unsigned | Check::Failed(_) => None,
            Check::Signed(s) if allowed_signers.is_some() && !s.verified.trusted => {
                return Err(eyre!(
                    "{} is not signed by anyone in the allowed signers",
                    file.display()
                ));
            }
            Check::Signed(s) => c
                .report
                .signer
                .clone()
                .filter(|d| d.fingerprint == s.verified.fingerprint),
        };
        sources.push(report_merge::Source {
            label: file.display().to_string(),
            report: c.report,
            signer,
        });
    }
    let lib = library(dirs)?;
    let id = sources
        .first()
        .map(|s| s.report.checklist.id.clone())
        .unwrap_or_default();
    let checklist = match lib
        .get(&id)
        .map_err(|_| report_merge::MergeError::NotInstalled(id.clone()))
    {
        Ok(c) => c,
        // Different checklists are the better thing to say, when they are.
        Err(e) => {
            report_merge::check_inputs(&sources)?;
            return Err(e.into());
        }
    };
    let merged = report_merge::merge(&sources, checklist, &now(), decisions)?;
    // The file first: what is said about it after may go to a pipe that is already closed.
    let bytes = merged.report.to_canonical_bytes()?;
    write_atomic(out, &bytes).wrap_err_with(|| format!("cannot write {}", out.display()))?;
    for note in &merged.notes {
        errln!("note: {note}");
    }
    for line in &merged.open {
        errln!("conflict: {line}");
    }
    let r = &merged.report;
    let vantages: Vec<&str> = r.vantages.iter().map(|v| v.name.as_str()).collect();
    let m = r.merge.as_ref();
    let conflicts = m.map_or(0, |m| m.conflicts.len());
    let open = merged.open.len();
    outln!(
        "wrote {}: {} reports of {} merged (vantages: {}); {} — {}% ready, {} open blockers; {conflicts} items answered differently ({open} not settled), {} site entries differ, {} probe results that could not tell kept beside the answers",
        out.display(),
        reports.len(),
        html::site_name(r),
        if vantages.is_empty() {
            "none".to_owned()
        } else {
            vantages.join(", ")
        },
        r.findings.verdict,
        r.findings.score,
        r.findings.counts.open_blockers,
        m.map_or(0, |m| m.site_conflicts.len()),
        m.map_or(0, |m| m.set_aside.len()),
    );
    if open > 0 {
        outln!(
            "{open} conflicting answers need a person: each item keeps its oldest answer, marked as in conflict, until you merge again with --take ITEM=NAME or --prefer NAME (listed on stderr)"
        );
    }
    outln!(
        "it is unsigned: sign it with `preflight report sign {}`",
        out.display()
    );
    Ok(if open > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
