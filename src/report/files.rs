//! The report's files and the operations the command line and the TUI's finish screen share:
//! write a built report, sign a report file in place (the signer recorded, then the bytes
//! signed, `FILE.sig` beside it), export one as HTML or Markdown (the signature embedded or
//! named only when it matches; an HTML page also signed as a page when the key is at hand). Every write is atomic; no private key or passphrase is written.

use std::io;
use std::path::{Path, PathBuf};

use ssh_key::PrivateKey;

use super::document::{Report, ReportError, SignerDoc};
use super::html::{self, ExportError};
use super::load::sig_path;
use super::markdown;
use super::sign::{self, SignError, Trust, VerifyError};
use crate::store::write_atomic;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
}

impl Format {
    /// What an export in this format carries of the signature, for the message that refuses an
    /// unsigned one.
    fn carries(self) -> &'static str {
        match self {
            Format::Html => {
                "an HTML export embeds the signature so the page can be verified on its own"
            }
            Format::Markdown => {
                "a Markdown export names its signer and how to verify the signed report"
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("{} is not a report: {source}", path.display())]
    Report { path: PathBuf, source: ReportError },
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error("{} does not match {}: {source}; sign the report again before exporting", sig.display(), file.display())]
    Mismatch {
        sig: PathBuf,
        file: PathBuf,
        source: VerifyError,
    },
    #[error("{} is not signed (no {}): {}", file.display(), sig.display(), format.carries())]
    Unsigned {
        file: PathBuf,
        sig: PathBuf,
        format: Format,
    },
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(
        "the key given ({given}) is not the one that signed {} ({signed}); a page is signed by the key that signed its report",
        file.display()
    )]
    OtherPageKey {
        file: PathBuf,
        given: String,
        signed: String,
    },
}

/// The files of one assessment's report in a folder: `report.json` and its `.sig`,
/// `report.html`, `report.md` (the names the HTML page's own instructions use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    pub dir: PathBuf,
}

impl ReportFiles {
    #[must_use]
    pub fn json(&self) -> PathBuf {
        self.dir.join("report.json")
    }

    #[must_use]
    pub fn sig(&self) -> PathBuf {
        sig_path(&self.json())
    }

    #[must_use]
    pub fn html(&self) -> PathBuf {
        self.dir.join("report.html")
    }

    #[must_use]
    pub fn markdown(&self) -> PathBuf {
        self.dir.join("report.md")
    }

    #[must_use]
    pub fn export(&self, format: Format) -> PathBuf {
        match format {
            Format::Html => self.html(),
            Format::Markdown => self.markdown(),
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, FilesError> {
    std::fs::read(path).map_err(|source| FilesError::Read {
        path: path.to_owned(),
        source,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), FilesError> {
    write_atomic(path, bytes).map_err(|source| FilesError::Write {
        path: path.to_owned(),
        source,
    })
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Report, FilesError> {
    Report::from_bytes(bytes).map_err(|source| FilesError::Report {
        path: path.to_owned(),
        source,
    })
}

/// Writes a report's canonical bytes (the folder is made if need be). A signature left beside
/// it from an earlier report is removed: it signs other bytes.
///
/// # Errors
/// When the folder or file cannot be written.
pub fn write_report(path: &Path, report: &Report) -> Result<(), FilesError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| FilesError::Write {
            path: dir.to_owned(),
            source,
        })?;
    }
    let bytes = report
        .to_canonical_bytes()
        .map_err(|source| FilesError::Report {
            path: path.to_owned(),
            source,
        })?;
    write(path, &bytes)?;
    match std::fs::remove_file(sig_path(path)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(FilesError::Write {
            path: sig_path(path),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// A report signed in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedFile {
    pub signer: SignerDoc,
    pub sig: PathBuf,
}

/// Records the signer in the report at `file`, rewrites it canonically and writes the
/// signature over those bytes to `FILE.sig`. The signer is named by the key's comment, else
/// `fallback_identity`.
///
/// # Errors
/// When the file is not a report, the key cannot sign, or a file cannot be written.
pub fn sign_file(
    file: &Path,
    key: &PrivateKey,
    fallback_identity: &str,
    now: &str,
) -> Result<SignedFile, FilesError> {
    let mut report = parse(file, &read(file)?)?;
    let public = key.public_key();
    let identity = if public.comment().trim().is_empty() {
        fallback_identity.to_owned()
    } else {
        public.comment().to_owned()
    };
    let signer = SignerDoc {
        identity,
        public_key: sign::bare_openssh(public),
        fingerprint: sign::fingerprint(public),
        signed_at: now.to_owned(),
    };
    report.signer = Some(signer.clone());
    let bytes = report
        .to_canonical_bytes()
        .map_err(|source| FilesError::Report {
            path: file.to_owned(),
            source,
        })?;
    let signature = sign::sign(key, &bytes)?;
    let sig = sig_path(file);
    // The report, then its signature: a crash between the two leaves a pair that does not
    // verify (never one that verifies wrongly); signing again repairs it.
    write(file, &bytes)?;
    write(&sig, signature.as_bytes())?;
    Ok(SignedFile { signer, sig })
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    pub report: Report,
    /// Whether the export carries the signature (it matched the report).
    pub signed: bool,
    /// Whether an HTML page carries its own page signature.
    pub page_signed: bool,
}

/// Exports the report at `file` to `out`. Its signature (`FILE.sig`), when there, must match
/// the report; without one the export is refused unless `unsigned_ok` (the export then says it
/// is unsigned). A signed HTML page is signed as a page too with `page_key`, which must be the
/// key that signed the report.
///
/// # Errors
/// When the report cannot be read, its signature does not match, it is unsigned and
/// `unsigned_ok` is false, `page_key` is another key, or `out` cannot be written.
pub fn export_file(
    file: &Path,
    format: Format,
    out: &Path,
    unsigned_ok: bool,
    page_key: Option<&PrivateKey>,
) -> Result<Exported, FilesError> {
    let bytes = read(file)?;
    let report = parse(file, &bytes)?;
    let sig = sig_path(file);
    let signature = if sig.exists() {
        let text = String::from_utf8_lossy(&read(&sig)?).into_owned();
        // Never embed a signature that does not match: the page would claim what it cannot show.
        let signed = sign::verify(&bytes, &text, &Trust::Embedded).map_err(|source| {
            FilesError::Mismatch {
                sig: sig.clone(),
                file: file.to_owned(),
                source,
            }
        })?;
        if let Some(key) = page_key {
            let given = sign::fingerprint(key.public_key());
            if given != signed.fingerprint {
                return Err(FilesError::OtherPageKey {
                    file: file.to_owned(),
                    given,
                    signed: signed.fingerprint,
                });
            }
        }
        Some(text)
    } else {
        None
    };
    if signature.is_none() && !unsigned_ok {
        return Err(FilesError::Unsigned {
            file: file.to_owned(),
            sig,
            format,
        });
    }
    let mut page_signed = false;
    let text = match format {
        Format::Html => match (signature.as_deref(), page_key) {
            (Some(sig), Some(key)) => {
                page_signed = true;
                html::render_signed(&bytes, sig, |page| sign::sign(key, page))??
            }
            (sig, _) => html::render(&bytes, sig)?,
        },
        Format::Markdown => {
            let name = file
                .file_name()
                .map_or_else(|| "report.json".into(), |n| n.to_string_lossy());
            markdown::render(&bytes, signature.is_some(), &name)?
        }
    };
    write(out, text.as_bytes())?;
    Ok(Exported {
        report,
        signed: signature.is_some(),
        page_signed,
    })
}
