//! `keygen` and `report build|sign|verify`: the signed readiness report from the command line.
//! Exit codes: 0 done (verify: verified), 1 not verified, 2 error. No private key or passphrase
//! is ever printed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use color_eyre::eyre::{Result, WrapErr, eyre};

use super::library;
use crate::paths::Dirs;
use crate::report::Report;
use crate::report::document::SignerDoc;
use crate::report::html;
use crate::report::sign::{self, KEY_FILE, NAMESPACE, Trust};
use crate::stamp::{now, user};
use crate::store::{Store, write_atomic};

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The name the key goes by in `allowed_signers` (default: `$PREFLIGHT_USER`, else the
    /// login name).
    #[arg(long, value_name = "NAME")]
    identity: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Html,
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
    /// Write a signed report as one self-contained HTML page (or Markdown).
    Export {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "html")]
        format: ExportFormat,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Export a report that has no signature (FILE.sig); the page says it is unsigned.
        #[arg(long)]
        unsigned: bool,
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
    },
}

pub fn keygen(dirs: &Dirs, args: &KeygenArgs) -> Result<ExitCode> {
    let identity = args.identity.clone().unwrap_or_else(user);
    if identity.trim().is_empty() || identity.chars().any(char::is_whitespace) {
        return Err(eyre!(
            "the identity `{identity}` must be one word (it is the first field of an allowed_signers line)"
        ));
    }
    let new = sign::keygen(&dirs.config, &identity)?;
    println!("private key: {} (owner-only; keep it)", new.path.display());
    println!("public key:  {}", new.public_path.display());
    println!("fingerprint: {}", new.fingerprint);
    println!();
    println!("{}", new.public_key);
    println!();
    println!("Add this line to the allowed_signers file of whoever verifies your reports:");
    println!("{}", new.allowed_signers_line);
    Ok(ExitCode::SUCCESS)
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
        } => export(file, *format, out, *unsigned),
        ReportCommand::Verify {
            file,
            signature,
            signer,
            allowed_signers,
            identity,
        } => verify(
            file,
            signature.as_deref(),
            signer.as_deref(),
            allowed_signers.as_deref(),
            identity.as_deref(),
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
    let bytes = report.to_canonical_bytes()?;
    write_atomic(out, &bytes).wrap_err_with(|| format!("cannot write {}", out.display()))?;
    let f = &report.findings;
    println!(
        "wrote {}: {} — {}% ready, {} open blockers, {} disagreements between answers and probes",
        out.display(),
        f.verdict,
        f.score,
        f.counts.open_blockers,
        f.counts.disagreements
    );
    Ok(ExitCode::SUCCESS)
}

fn sig_path(file: &Path) -> PathBuf {
    let mut p = file.as_os_str().to_owned();
    p.push(".sig");
    PathBuf::from(p)
}

fn sign_report(
    dirs: &Dirs,
    file: &Path,
    key: Option<&Path>,
    passphrase_env: Option<&str>,
) -> Result<ExitCode> {
    let bytes = std::fs::read(file).wrap_err_with(|| format!("cannot read {}", file.display()))?;
    let mut report = Report::from_bytes(&bytes)
        .wrap_err_with(|| format!("{} cannot be signed", file.display()))?;
    let default_key = dirs.config.join(KEY_FILE);
    let key_path = key.unwrap_or(&default_key);
    if key.is_none() && !key_path.exists() {
        return Err(eyre!(
            "no key at {}: make one with `preflight keygen`, or give an OpenSSH Ed25519 key with --key",
            key_path.display()
        ));
    }
    let passphrase = match passphrase_env {
        Some(var) => Some(
            std::env::var(var).map_err(|_| eyre!("the environment variable {var} is not set"))?,
        ),
        None => None,
    };
    let private = sign::load_key(key_path, passphrase.as_deref())?;
    let public = private.public_key();
    let identity = if public.comment().trim().is_empty() {
        user()
    } else {
        public.comment().to_owned()
    };
    report.signer = Some(SignerDoc {
        identity: identity.clone(),
        public_key: sign::bare_openssh(public),
        fingerprint: sign::fingerprint(public),
        signed_at: now(),
    });
    let bytes = report.to_canonical_bytes()?;
    let signature = sign::sign(&private, &bytes)?;
    let sig = sig_path(file);
    // The report, then its signature: a crash between the two leaves a pair that does not
    // verify (never one that verifies wrongly); signing again repairs it.
    write_atomic(file, &bytes).wrap_err_with(|| format!("cannot write {}", file.display()))?;
    write_atomic(&sig, signature.as_bytes())
        .wrap_err_with(|| format!("cannot write {}", sig.display()))?;
    println!(
        "signed {} as {identity} ({}); the signature is {}",
        file.display(),
        sign::fingerprint(public),
        sig.display()
    );
    println!(
        "verify with: preflight report verify {} --allowed-signers FILE",
        file.display()
    );
    println!(
        "         or: ssh-keygen -Y verify -f allowed_signers -I {identity} -n {NAMESPACE} -s {} < {}",
        sig.display(),
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(
    file: &Path,
    signature: Option<&Path>,
    signer: Option<&Path>,
    allowed_signers: Option<&Path>,
    identity: Option<&str>,
) -> Result<ExitCode> {
    let read = std::fs::read(file).wrap_err_with(|| format!("cannot read {}", file.display()))?;
    // An HTML page is checked twice: its embedded report against the signature, and the page
    // itself against what that report renders to.
    let page = html::is_html(&read).then(|| read.clone());
    let (bytes, sig_text) = if page.is_some() {
        let embedded = match html::extract(&String::from_utf8_lossy(&read)) {
            Ok(e) => e,
            Err(e) => {
                println!("NOT VERIFIED: {}: {e}", file.display());
                return Ok(ExitCode::from(1));
            }
        };
        let sig_text = match (signature, embedded.signature) {
            (Some(sig), _) => std::fs::read_to_string(sig)
                .wrap_err_with(|| format!("cannot read the signature {}", sig.display()))?,
            (None, Some(s)) => s,
            (None, None) => {
                println!(
                    "NOT VERIFIED: {}: the page was exported unsigned (--unsigned) and carries no signature",
                    file.display()
                );
                return Ok(ExitCode::from(1));
            }
        };
        (embedded.bytes, sig_text)
    } else {
        let sig = signature.map_or_else(|| sig_path(file), Path::to_path_buf);
        let sig_text = std::fs::read_to_string(&sig)
            .wrap_err_with(|| format!("cannot read the signature {}", sig.display()))?;
        (read, sig_text)
    };
    let trust = match (signer, allowed_signers) {
        (Some(p), _) => Trust::Key(sign::load_public_key(p)?),
        (None, Some(p)) => Trust::AllowedSigners {
            signers: sign::load_allowed_signers(p)?,
            identity: identity.map(str::to_owned),
        },
        (None, None) => Trust::Embedded,
    };
    match sign::verify(&bytes, &sig_text, &trust) {
        Err(e) => {
            println!("NOT VERIFIED: {}: {e}", file.display());
            Ok(ExitCode::from(1))
        }
        // The signature covers the embedded report; the page around it must be exactly what
        // that report renders to, or someone edited what a reader sees.
        Ok(_)
            if page.as_ref().is_some_and(|p| {
                html::render(&bytes, Some(&sig_text))
                    .ok()
                    .as_deref()
                    .map(str::as_bytes)
                    != Some(p.as_slice())
            }) =>
        {
            println!(
                "NOT VERIFIED: {}: the signed report inside is intact, but the page's visible text differs from what it renders to: the page was edited after export (export it again from report.json)",
                file.display()
            );
            Ok(ExitCode::from(1))
        }
        Ok(v) => {
            let report = Report::from_bytes(&bytes).ok();
            let named = report
                .as_ref()
                .and_then(|r| r.signer.as_ref())
                // The report's own account of its signer counts only if that key signed it.
                .filter(|s| s.fingerprint == v.fingerprint)
                .map(|s| (s.identity.clone(), s.signed_at.clone()));
            let who = if v.principals.is_empty() {
                named
                    .as_ref()
                    .map_or_else(|| "unnamed".to_owned(), |(n, _)| n.clone())
            } else {
                v.principals.join(", ")
            };
            let when = named.map_or_else(|| "an unrecorded time".to_owned(), |(_, at)| at);
            if !v.trusted {
                println!(
                    "NOT VERIFIED: {} is unchanged since it was signed by key {} (the report names {who}), but that key was not checked against anyone you trust: give --signer PUBKEY_FILE or --allowed-signers FILE",
                    file.display(),
                    v.fingerprint
                );
                return Ok(ExitCode::from(1));
            }
            println!(
                "verified: {} was signed by {who} ({}) at {when} and has not changed since",
                file.display(),
                v.fingerprint
            );
            if let Some(r) = report {
                println!(
                    "{} {} for {} — {}, {}% ready, {} open blockers (built {})",
                    r.checklist.id,
                    r.checklist.version,
                    r.assessment.name,
                    r.findings.verdict,
                    r.findings.score,
                    r.findings.counts.open_blockers,
                    r.created_at
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn export(file: &Path, format: ExportFormat, out: &Path, unsigned: bool) -> Result<ExitCode> {
    let bytes = std::fs::read(file).wrap_err_with(|| format!("cannot read {}", file.display()))?;
    let report = Report::from_bytes(&bytes)
        .wrap_err_with(|| format!("{} cannot be exported", file.display()))?;
    let sig = sig_path(file);
    let signature = if sig.exists() {
        let text = std::fs::read_to_string(&sig)
            .wrap_err_with(|| format!("cannot read the signature {}", sig.display()))?;
        // Never embed a signature that does not match: the page would claim what it cannot show.
        sign::verify(&bytes, &text, &Trust::Embedded).map_err(|e| {
            eyre!(
                "{} does not match {}: {e}; sign the report again before exporting",
                sig.display(),
                file.display()
            )
        })?;
        Some(text)
    } else {
        None
    };
    if signature.is_none() && !unsigned {
        return Err(eyre!(
            "{} is not signed (no {}): an HTML export embeds the signature so the page can be verified on its own; sign it with `preflight report sign {}` first, or give --unsigned to export a page that says it is unsigned",
            file.display(),
            sig.display(),
            file.display()
        ));
    }
    let text = match format {
        ExportFormat::Html => html::render(&bytes, signature.as_deref())?,
    };
    write_atomic(out, text.as_bytes())
        .wrap_err_with(|| format!("cannot write {}", out.display()))?;
    println!(
        "wrote {}: {} — {}% ready, {} open blockers{}",
        out.display(),
        report.findings.verdict,
        report.findings.score,
        report.findings.counts.open_blockers,
        if signature.is_some() {
            format!(
                "; verify it with: preflight report verify {}",
                out.display()
            )
        } else {
            " (unsigned)".to_owned()
        }
    );
    Ok(ExitCode::SUCCESS)
}
