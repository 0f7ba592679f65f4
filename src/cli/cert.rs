//! `preflight cert inspect FILE` and `preflight cert convert FILE.pfx --out DIR`: certificate
//! files read the way the guides hand them over (PEM, DER `.cer`, PKCS#7 `.p7b`, PKCS#12
//! `.pfx`), and a PFX turned into the PEM pair the vendor's services load.
//!
//! A PFX password comes from the environment (`PREFLIGHT_PFX_PASSWORD`, or the variable named
//! by `--password-env`) or from a prompt on the terminal that does not echo; never from an
//! argument, which every user of the machine can read in the process list.
//!
//! Exit codes: 0 all good; 1 findings (expired or not yet valid, self-signed, a key under 2048
//! bits, an MD5 signature, a key that does not match, a chain this machine does not trust, a
//! name not covered); 2 an error (unreadable or damaged file, wrong password, a file in the
//! way of the conversion).
//!
//! `--format json` prints one object, stable (fields are only ever added):
//!
//! ```text
//! {
//!   "file": "certificate.pfx", "format": "pem"|"der"|"pkcs7"|"pkcs12", "armored": false,
//!   "certificates": [{ "subject", "common_name", "san_dns", "san_ip", "issuer", "serial",
//!                      "not_before", "not_after", "days_left", "expired", "not_yet_valid",
//!                      "key": { "kind", "bits", "curve" }, "signature_algorithm",
//!                      "signature_hash", "wildcard", "self_signed", "self_signature", "ca",
//!                      "path_len", "server_auth", "sha1_fingerprint", "sha256_fingerprint",
//!                      "version" }],
//!   "private_keys": [{ "kind": "PKCS#8" }], "key_matches": true|false|null,
//!   "trust": { "trusted": bool, "reason": null|"unknown_issuer"|…, "detail": "…",
//!              "field_error": null|"Internet_45"|"Internet_55" },
//!   "name": null|{ "name", "matched", "by", "common_name_only" },
//!   "findings": ["…"]
//! }
//! ```
//!
//! `certificates` are in file order, except a PFX's, which start at the certificate its key
//! belongs to and follow its issuers. Private keys are reported by kind only, never printed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use color_eyre::eyre::{Result, bail};
use serde_json::json;

use super::Format;
use crate::probe::cert::{self, TrustAnchors};
use crate::probe::certfile::{self, CertFileError, Inspection};

#[derive(Debug, clap::Subcommand)]
pub enum CertCommand {
    /// Show what a certificate file holds (PEM, DER, PKCS#7, PKCS#12) and whether it would be
    /// trusted.
    Inspect(InspectArgs),
    /// Convert a PFX to certificate.pem (the chain, leaf first) and key.pem (owner-only).
    Convert(ConvertArgs),
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    pub file: PathBuf,
    /// The environment variable holding a PFX's password [default: `PREFLIGHT_PFX_PASSWORD`,
    /// else a prompt].
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// A CA certificate (PEM or DER) to trust besides the system's roots; repeat for each.
    #[arg(long = "ca", value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// The fully qualified name clients connect to, checked against the certificate's names.
    #[arg(long, value_name = "FQDN")]
    pub name: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// The PKCS#12 file (certificate.pfx).
    pub file: PathBuf,
    /// The directory to write certificate.pem and key.pem into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(command: &CertCommand) -> Result<ExitCode> {
    match command {
        CertCommand::Inspect(args) => inspect(args),
        CertCommand::Convert(args) => convert(args),
    }
}

fn inspect(args: &InspectArgs) -> Result<ExitCode> {
    let bytes = certfile::read_bytes(&args.file)?;
    let password = if certfile::detect(&bytes) == Some(certfile::Format::Pkcs12) {
        Some(password(args.password_env.as_deref(), &args.file)?)
    } else {
        None
    };
    let file = certfile::parse(&args.file, &bytes, password.as_deref())?;
    let now = crate::stamp::unix_now();
    let inspection = certfile::inspect(&file, now)?;
    let anchors = anchors(&args.ca)?;
    let report = chain_report(
        &inspection,
        &file.certs,
        args.name.as_deref(),
        now,
        &anchors,
    )?;
    let findings = findings(&inspection, &report);
    match args.format {
        Format::Json => super::print_json(&to_json(&inspection, &report, &findings))?,
        Format::Text => super::print(&text(&inspection, &report, &findings))?,
    };
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Trust is judged on the file's server certificate first and the rest as intermediates, in
/// whatever order the file keeps them (webpki builds the path itself).
fn chain_report(
    inspection: &Inspection,
    certs: &[Vec<u8>],
    name: Option<&str>,
    now: i64,
    anchors: &TrustAnchors,
) -> Result<cert::ChainReport> {
    let leaf_fp = inspection
        .leaf()
        .map(|l| l.sha256_fingerprint.clone())
        .unwrap_or_default();
    let mut chain: Vec<Vec<u8>> = Vec::with_capacity(certs.len());
    let mut rest = Vec::new();
    for (der, facts) in certs.iter().zip(&inspection.certificates) {
        if facts.sha256_fingerprint == leaf_fp && chain.is_empty() {
            chain.push(der.clone());
        } else {
            rest.push(der.clone());
        }
    }
    chain.extend(rest);
    Ok(cert::analyze(&chain, name, now, anchors)?)
}

fn findings(inspection: &Inspection, report: &cert::ChainReport) -> Vec<String> {
    let mut out = Vec::new();
    for c in &inspection.certificates {
        if c.expired {
            out.push(format!("{} expired on {}", c.short_name(), c.not_after));
        }
        if c.not_yet_valid {
            out.push(format!(
                "{} is not valid until {}",
                c.short_name(),
                c.not_before
            ));
        }
        if c.signature_hash.as_deref() == Some("MD5") && !c.self_signed {
            out.push(format!("{} is signed with MD5", c.short_name()));
        }
    }
    if let Some(leaf) = inspection.leaf() {
        for j in [
            cert::judge_not_self_signed(leaf),
            cert::judge_key_bits(leaf, 2048),
        ] {
            if j.verdict != crate::probe::Verdict::Pass {
                out.push(j.summary);
            }
        }
    }
    if inspection.key_matches == Some(false) {
        out.push("the private key belongs to none of the certificates".to_owned());
    }
    if !report.trust.trusted && !out.contains(&report.trust.detail) {
        out.push(report.trust.detail.clone());
    }
    out
}

fn to_json(
    inspection: &Inspection,
    report: &cert::ChainReport,
    findings: &[String],
) -> serde_json::Value {
    json!({
        "file": inspection.file,
        "format": inspection.format,
        "armored": inspection.armored,
        "certificates": inspection.certificates,
        "private_keys": inspection.private_keys,
        "key_matches": inspection.key_matches,
        "trust": {
            "trusted": report.trust.trusted,
            "reason": report.trust.reason.map(cert::Distrust::name),
            "detail": report.trust.detail,
            "field_error": report.trust.reason.and_then(cert::Distrust::field_error),
        },
        "name": report.name,
        "findings": findings,
    })
}

fn text(inspection: &Inspection, report: &cert::ChainReport, findings: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}{}, {} certificate(s), {} private key(s){}",
        inspection.file,
        inspection.format.name(),
        if inspection.armored {
            " (PEM armour)"
        } else {
            ""
        },
        inspection.certificates.len(),
        inspection.private_keys.len(),
        match inspection.key_matches {
            Some(true) => ", key matches the certificate",
            Some(false) => ", key matches NO certificate",
            None => "",
        }
    );
    for (i, c) in inspection.certificates.iter().enumerate() {
        let _ = writeln!(out, "[{i}] {}", c.subject);
        let _ = writeln!(out, "    issuer      {}", c.issuer);
        if !c.san_dns.is_empty() || !c.san_ip.is_empty() {
            let mut names = c.san_dns.clone();
            names.extend(c.san_ip.iter().map(ToString::to_string));
            let _ = writeln!(out, "    names       {}", names.join(", "));
        }
        let _ = writeln!(
            out,
            "    valid       {} .. {} ({} days left)",
            c.not_before, c.not_after, c.days_left
        );
        let _ = writeln!(
            out,
            "    key         {}; signed {}",
            c.key.describe(),
            c.signature_algorithm
        );
        let mut flags = Vec::new();
        if c.self_signed {
            flags.push("self-signed");
        }
        if c.ca == Some(true) {
            flags.push("CA");
        }
        if c.wildcard {
            flags.push("wildcard");
        }
        if c.server_auth == Some(false) {
            flags.push("not for TLS servers");
        }
        if !flags.is_empty() {
            let _ = writeln!(out, "    flags       {}", flags.join(", "));
        }
        let _ = writeln!(out, "    sha1        {}", c.sha1_fingerprint);
    }
    let _ = writeln!(
        out,
        "trust: {}",
        if report.trust.trusted {
            format!("trusted: {}", report.trust.detail)
        } else {
            format!("NOT trusted: {}", report.trust.detail)
        }
    );
    if findings.is_empty() {
        out.push_str("no findings\n");
    } else {
        out.push_str("findings:\n");
        for f in findings {
            let _ = writeln!(out, "  - {f}");
        }
    }
    out
}

fn convert(args: &ConvertArgs) -> Result<ExitCode> {
    let bytes = certfile::read_bytes(&args.file)?;
    if certfile::detect(&bytes) != Some(certfile::Format::Pkcs12) {
        bail!(
            "{} is not a PKCS#12 (PFX) file; only a PFX carries the private key to convert",
            args.file.display()
        );
    }
    let password = password(None, &args.file)?;
    std::fs::create_dir_all(&args.out).map_err(|e| CertFileError::Write {
        path: args.out.clone(),
        source: std::sync::Arc::new(e),
    })?;
    let done = certfile::convert_pfx(&args.file, &password, &args.out)?;
    super::print(&format!("{}\n", done.summary()))
}

/// The PFX password: from the named variable, else `PREFLIGHT_PFX_PASSWORD`, else a prompt
/// when there is a terminal to ask on.
fn password(var: Option<&str>, file: &Path) -> Result<String> {
    if let Some(var) = var {
        return match std::env::var(var) {
            Ok(p) => Ok(p),
            Err(_) => bail!("--password-env {var}: that environment variable is not set"),
        };
    }
    if let Ok(p) = std::env::var(certfile::PASSWORD_ENV) {
        return Ok(p);
    }
    if !super::secret::can_prompt() {
        bail!(
            "{} is a PKCS#12 file and needs its password: set {} (no terminal to prompt on)",
            file.display(),
            certfile::PASSWORD_ENV
        );
    }
    super::secret::prompt(&format!("password for {}: ", file.display()))?
        .ok_or_else(|| color_eyre::eyre::eyre!("no password: cancelled"))
}

/// The site's PFX password for `probe`: `PREFLIGHT_PFX_PASSWORD`, else asked for (without echo)
/// when there is a terminal; `None` when neither (the file's rules are then "could not tell").
pub(super) fn password_if_given(file: &Path) -> Result<Option<String>> {
    match std::env::var(certfile::PASSWORD_ENV) {
        Ok(p) => Ok(Some(p)),
        Err(_) if super::secret::can_prompt() => {
            super::secret::prompt(&format!("password for {}: ", file.display())).map_err(Into::into)
        }
        Err(_) => Ok(None),
    }
}

/// The system's roots plus the certificates of the `--ca` files (the site's own CA).
pub(super) fn anchors(ca: &[PathBuf]) -> Result<TrustAnchors> {
    let mut anchors = TrustAnchors::system();
    for file in ca {
        let ca_file = certfile::read(file, None)?;
        for der in &ca_file.certs {
            anchors.add_der(der)?;
        }
    }
    Ok(anchors)
}
