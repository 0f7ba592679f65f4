//! Reading a report back for `verify`, `diff` and `merge`: a canonical JSON report with its
//! signature beside it (`FILE.sig`) or given, or an HTML export that carries both; then
//! checking the signature, and for a page, its page signature (the page's own bytes, signed by
//! the same key) or, on a page without one, that its visible text is what the signed report
//! renders to. One loader, so the three commands agree on what "verified" means.

use std::io;
use std::path::{Path, PathBuf};

use super::document::{Report, ReportError};
use super::html::{self, ExtractError};
use super::sign::{self, Trust, Verified, VerifyError};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{}: {source}", path.display())]
    Page { path: PathBuf, source: ExtractError },
    #[error("cannot read the signature {}: {source}", path.display())]
    Signature { path: PathBuf, source: io::Error },
    #[error("{} is not a report: {source}", path.display())]
    Report { path: PathBuf, source: ReportError },
}

/// A report file as read, before anything is checked.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    /// The report's bytes, exactly as they were signed (for a page, the embedded copy).
    pub bytes: Vec<u8>,
    /// The armoured signature: the one given, else `FILE.sig` beside a JSON report, else the
    /// one embedded in a page; `None` when there is none.
    pub signature: Option<String>,
    /// The page itself, when the file was an HTML export.
    pub page: Option<Vec<u8>>,
}

/// Why a signature that is there did not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckFailure {
    #[error(transparent)]
    Signature(#[from] VerifyError),
    #[error(
        "the signed report inside is intact, but the page's visible text differs from what it renders to: the page was edited after export (export it again from report.json)"
    )]
    PageEdited,
    #[error(
        "the signed report inside is intact, but the page was edited after export: its page signature does not match the page (export it again from report.json)"
    )]
    PageChanged,
    #[error("the signed report inside is intact, but its page signature does not verify: {0}")]
    PageSignature(VerifyError),
    #[error(
        "the signed report inside is intact, but the page is signed by another key ({page}) than the report ({report})"
    )]
    PageSignedByOther { page: String, report: String },
    #[error("the signed report inside is intact, but {0}")]
    PageDamaged(ExtractError),
}

/// A signature that checked out, and what the report says of its signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub verified: Verified,
    /// For a page: how its visible text was checked.
    pub page: Option<PageCheck>,
    /// The report's own name for its signer and when it signed, counted only when the key it
    /// names is the key that signed.
    pub identity: Option<String>,
    pub signed_at: Option<String>,
}

impl Signed {
    /// Who signed: the principals `allowed_signers` lists for the key, else the report's name.
    #[must_use]
    pub fn who(&self) -> String {
        if self.verified.principals.is_empty() {
            self.identity
                .clone()
                .unwrap_or_else(|| "unnamed".to_owned())
        } else {
            self.verified.principals.join(", ")
        }
    }
}

/// How a page's visible text was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageCheck {
    /// By its page signature: it verifies with any later release.
    Signed,
    /// Drawn again and compared (a page with no page signature): it verifies only while
    /// preflight draws pages the same way.
    DrawnAgain,
}

/// What checking a file's signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// No signature goes with the file.
    Unsigned,
    /// The bytes are unchanged since the key signed them; `verified.trusted` says whether the
    /// key was checked against someone the reader trusts.
    Signed(Signed),
    Failed(CheckFailure),
}

impl Check {
    /// In a few words, for listings: `signed by ann (SHA256:…), verified`.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Check::Unsigned => "not signed".to_owned(),
            Check::Signed(s) if s.verified.trusted => format!(
                "signed by {} ({}), verified against the signers given",
                s.who(),
                s.verified.fingerprint
            ),
            Check::Signed(s) => format!(
                "signed by {} ({}), signature intact (the key was not checked against anyone you trust)",
                s.who(),
                s.verified.fingerprint
            ),
            Check::Failed(e) => format!("signature NOT VERIFIED: {e}"),
        }
    }
}

/// The page around a verified report: its page signature must verify by the key that signed
/// the report (whatever build drew the page); a page without one must be exactly what the
/// report renders to with this build, or someone edited what a reader sees.
fn check_page(
    page: &[u8],
    bytes: &[u8],
    sig: &str,
    trust: &Trust,
    report: &Verified,
) -> Result<PageCheck, CheckFailure> {
    let Some((held_out, page_sig)) =
        html::page_signature(page).map_err(CheckFailure::PageDamaged)?
    else {
        let again = html::render(bytes, Some(sig)).ok();
        return if again.as_deref().map(str::as_bytes) == Some(page) {
            Ok(PageCheck::DrawnAgain)
        } else {
            Err(CheckFailure::PageEdited)
        };
    };
    let signed = sign::verify(&held_out, &page_sig, trust).map_err(|e| match e {
        VerifyError::Changed => CheckFailure::PageChanged,
        other => CheckFailure::PageSignature(other),
    })?;
    if signed.fingerprint != report.fingerprint {
        return Err(CheckFailure::PageSignedByOther {
            page: signed.fingerprint,
            report: report.fingerprint.clone(),
        });
    }
    Ok(PageCheck::Signed)
}

/// A signature file as text. Bytes that are not UTF-8 become U+FFFD: inside the armour no
/// base64 reader takes either, and after the footer both are ignored, as ssh-keygen ignores
/// them, so the verdict is the one ssh-keygen gives.
fn read_signature(path: &Path) -> io::Result<String> {
    std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// `FILE.sig`.
#[must_use]
pub fn sig_path(file: &Path) -> PathBuf {
    let mut p = file.as_os_str().to_owned();
    p.push(".sig");
    PathBuf::from(p)
}

impl Input {
    /// Reads a JSON report (and `FILE.sig` if it is there) or an HTML export. `signature`
    /// names the signature file instead.
    ///
    /// # Errors
    /// When a file cannot be read, a given signature is missing, or a page holds no report or
    /// a damaged one.
    pub fn read(path: &Path, signature: Option<&Path>) -> Result<Self, LoadError> {
        let read = std::fs::read(path).map_err(|source| LoadError::Read {
            path: path.to_owned(),
            source,
        })?;
        let given = match signature {
            Some(sig) => Some(read_signature(sig).map_err(|source| LoadError::Signature {
                path: sig.to_owned(),
                source,
            })?),
            None => None,
        };
        if html::is_html(&read) {
            let embedded = html::extract(&String::from_utf8_lossy(&read)).map_err(|source| {
                LoadError::Page {
                    path: path.to_owned(),
                    source,
                }
            })?;
            return Ok(Self {
                path: path.to_owned(),
                bytes: embedded.bytes,
                signature: given.or(embedded.signature),
                page: Some(read),
            });
        }
        let signature = if given.is_some() {
            given
        } else {
            let sig = sig_path(path);
            match read_signature(&sig) {
                Ok(s) => Some(s),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(source) => return Err(LoadError::Signature { path: sig, source }),
            }
        };
        Ok(Self {
            path: path.to_owned(),
            bytes: read,
            signature,
            page: None,
        })
    }

    /// The report the bytes hold.
    ///
    /// # Errors
    /// When they are not a report this build reads.
    pub fn report(&self) -> Result<Report, LoadError> {
        Report::from_bytes(&self.bytes).map_err(|source| LoadError::Report {
            path: self.path.clone(),
            source,
        })
    }

    /// Checks the signature against `trust`, and a page against what the signed report
    /// renders to.
    #[must_use]
    pub fn check(&self, trust: &Trust) -> Check {
        let Some(sig) = &self.signature else {
            return Check::Unsigned;
        };
        let verified = match sign::verify(&self.bytes, sig, trust) {
            Ok(v) => v,
            Err(e) => return Check::Failed(e.into()),
        };
        let page = match &self.page {
            None => None,
            Some(page) => match check_page(page, &self.bytes, sig, trust, &verified) {
                Ok(how) => Some(how),
                Err(e) => return Check::Failed(e),
            },
        };
        let named = Report::from_bytes(&self.bytes)
            .ok()
            .and_then(|r| r.signer)
            .filter(|s| s.fingerprint == verified.fingerprint);
        Check::Signed(Signed {
            page,
            identity: named.as_ref().map(|s| s.identity.clone()),
            signed_at: named.map(|s| s.signed_at),
            verified,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::Assessment;
    use crate::checklist::builtin;
    use ssh_key::rand_core::OsRng;
    use ssh_key::{Algorithm, PrivateKey};

    fn key() -> PrivateKey {
        PrivateKey::random(&mut OsRng, Algorithm::Ed25519).expect("key")
    }

    /// A report's bytes and their signature by `k`.
    fn signed(k: &PrivateKey) -> (Vec<u8>, String) {
        let checklists = builtin::all().expect("built-ins parse");
        let a = Assessment::new("site-1", &checklists[0], "2026-11-22T10:00:00Z");
        let bytes = Report::build(&a, &checklists[0], "2026-11-22T11:00:00Z")
            .to_canonical_bytes()
            .expect("bytes");
        let sig = sign::sign(k, &bytes).expect("sign");
        (bytes, sig)
    }

    fn check(page: &str) -> Check {
        let input = Input {
            path: PathBuf::from("report.html"),
            bytes: html::extract(page).expect("extract").bytes,
            signature: html::extract(page).expect("extract").signature,
            page: Some(page.as_bytes().to_vec()),
        };
        input.check(&Trust::Embedded)
    }

    /// Puts a page signature by `k` over `held_out` (a page ending in `</body></html>`).
    fn resign(held_out: &str, k: &PrivateKey) -> String {
        let body = held_out.strip_suffix("</body></html>\n").expect("page end");
        let sig = sign::sign(k, held_out.as_bytes()).expect("sign");
        format!(
            "{body}<script type=\"text/plain\" id=\"{}\" data-encoding=\"base64\">\n{}\n</script>\n</body></html>\n",
            html::PAGE_SIGNATURE_ID,
            html::base64_encode(sig.as_bytes())
        )
    }

    #[test]
    fn a_signed_page_verifies_without_drawing_it_again() {
        let k = key();
        let (bytes, sig) = signed(&k);
        let page = html::render_signed(&bytes, &sig, |p| sign::sign(&k, p))
            .expect("render")
            .expect("sign");
        assert!(
            matches!(check(&page), Check::Signed(_)),
            "{:?}",
            check(&page)
        );
        // The same page drawn in other words (a later release's renderer) and signed as a
        // page still verifies: nothing draws it again.
        let (held_out, _) = html::page_signature(page.as_bytes())
            .expect("read")
            .expect("there");
        let other_words = String::from_utf8(held_out)
            .expect("utf-8")
            .replace("Verification", "How to check this page");
        assert!(matches!(check(&resign(&other_words, &k)), Check::Signed(_)));
    }

    #[test]
    fn an_edited_page_a_foreign_page_signature_or_a_moved_one_fails() {
        let k = key();
        let (bytes, sig) = signed(&k);
        let page = html::render_signed(&bytes, &sig, |p| sign::sign(&k, p))
            .expect("render")
            .expect("sign");
        let edited = page.replacen("<h2>", "<h2>X", 1);
        assert!(matches!(
            check(&edited),
            Check::Failed(CheckFailure::PageChanged)
        ));
        let (held_out, _) = html::page_signature(page.as_bytes())
            .expect("read")
            .expect("there");
        let by_other = resign(&String::from_utf8(held_out).expect("utf-8"), &key());
        assert!(matches!(
            check(&by_other),
            Check::Failed(CheckFailure::PageSignedByOther { .. })
        ));
        let at = page
            .find("<script type=\"text/plain\" id=\"preflight-page-signature\"")
            .expect("block");
        let block = &page[at..page.len() - "</body></html>\n".len()];
        let moved = page
            .replacen(block, "", 1)
            .replacen("<body>", &format!("<body>{block}"), 1);
        assert!(matches!(
            check(&moved),
            Check::Failed(CheckFailure::PageDamaged(_))
        ));
    }

    #[test]
    fn a_page_without_a_page_signature_is_drawn_again() {
        let k = key();
        let (bytes, sig) = signed(&k);
        let page = html::render(&bytes, Some(&sig)).expect("render");
        assert!(matches!(check(&page), Check::Signed(s) if s.page == Some(PageCheck::DrawnAgain)));
        assert!(matches!(
            check(&page.replacen("<h2>", "<h2>X", 1)),
            Check::Failed(CheckFailure::PageEdited)
        ));
    }
}
