//! Report signatures in the OpenSSH signature format (SSHSIG) with Ed25519 keys, namespace
//! `preflight-report`, so `ssh-keygen -Y verify` and `preflight report verify` accept the same
//! files. Keys: one made by `preflight keygen` in the config directory (owner-only), or any
//! existing OpenSSH Ed25519 key. A private key is never printed, logged or written into a report.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use ssh_key::rand_core::OsRng;
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, PublicKey};

use super::sshsig;

/// The SSHSIG namespace of preflight reports.
pub const NAMESPACE: &str = "preflight-report";

/// The key file `preflight keygen` makes in the config directory.
pub const KEY_FILE: &str = "preflight_ed25519";

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{} already exists; preflight never overwrites a key (move it away first)", .0.display())]
    KeyExists(PathBuf),
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("{} is not an OpenSSH private key: {reason}", path.display())]
    BadKey { path: PathBuf, reason: String },
    #[error("{} is protected by a passphrase; give it with --passphrase-env VAR", .0.display())]
    Encrypted(PathBuf),
    #[error("the passphrase does not open {}", .0.display())]
    WrongPassphrase(PathBuf),
    #[error("{} is a {algorithm} key; preflight signs reports with Ed25519 keys", path.display())]
    NotEd25519 { path: PathBuf, algorithm: String },
    #[error("{} is not an OpenSSH public key: {reason}", path.display())]
    BadPublicKey { path: PathBuf, reason: String },
    #[error("cannot make a key or signature: {0}")]
    Crypto(String),
}

/// Why a signature did not verify, in the words the person verifying needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the signature file is damaged or is not an SSH signature ({0})")]
    Damaged(String),
    #[error("not a signature for preflight reports (its namespace is `{0}`, not `{NAMESPACE}`)")]
    WrongNamespace(String),
    #[error("signed by a key not in allowed_signers ({0})")]
    NotAllowed(String),
    #[error(
        "signed by a key not in allowed_signers ({0}); its cert-authority lines vouch only for certificates, and preflight reports are signed with plain keys"
    )]
    OnlyCertAuthority(String),
    #[error(
        "allowed_signers line {line} lists the key ({fingerprint}) only until {until}; it has expired"
    )]
    Expired {
        line: usize,
        fingerprint: String,
        until: String,
    },
    #[error(
        "allowed_signers line {line} lists the key ({fingerprint}) only from {from}; it is not valid yet"
    )]
    NotYetValid {
        line: usize,
        fingerprint: String,
        from: String,
    },
    #[error(
        "allowed_signers lists the key ({fingerprint}) for {principals}, but not for the `{NAMESPACE}` namespace"
    )]
    NamespaceNotAllowed {
        fingerprint: String,
        principals: String,
    },
    #[error("signed by a key not in allowed_signers for `{identity}` ({fingerprint})")]
    NotThisIdentity {
        identity: String,
        fingerprint: String,
    },
    #[error("signed by a different key ({found}) than the one given ({expected})")]
    OtherKey { found: String, expected: String },
    #[error("the report was changed after it was signed (or the signature was damaged)")]
    Changed,
}

/// Whom a signature is checked against.
#[derive(Debug, Clone)]
pub enum Trust {
    /// One public key.
    Key(PublicKey),
    /// The lines of an `allowed_signers` file, optionally requiring one identity.
    AllowedSigners {
        signers: Vec<AllowedSigner>,
        identity: Option<String>,
    },
    /// The key the signature carries: proves the bytes are unchanged, not who signed.
    Embedded,
}

pub use super::allowed::{AllowedSigner, Skipped};

/// A signature that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The principals the key is listed for (empty when checked against a bare key).
    pub principals: Vec<String>,
    pub fingerprint: String,
    /// Whether the signer's identity was checked (false for [`Trust::Embedded`]).
    pub trusted: bool,
}

/// A freshly made key pair and what to tell the user about it.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub path: PathBuf,
    pub public_path: PathBuf,
    pub public_key: String,
    pub allowed_signers_line: String,
    pub fingerprint: String,
}

/// The `allowed_signers` line for a key: `NAME namespaces="preflight-report" ssh-ed25519 AAAA…`.
#[must_use]
pub fn allowed_signers_line(identity: &str, key: &PublicKey) -> String {
    format!(
        "{identity} namespaces=\"{NAMESPACE}\" {}",
        bare_openssh(key)
    )
}

/// `ssh-ed25519 AAAA…` without the comment.
#[must_use]
pub fn bare_openssh(key: &PublicKey) -> String {
    let bare = PublicKey::new(key.key_data().clone(), "");
    bare.to_openssh().unwrap_or_default()
}

#[must_use]
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Makes a new Ed25519 key in `dir` as `preflight_ed25519` (OpenSSH format, owner-only) and
/// `preflight_ed25519.pub`, the private key encrypted with `passphrase` when one is given (as
/// `ssh-keygen -N` does: bcrypt-pbkdf and AES-256-CTR). Refuses to overwrite either file.
///
/// # Errors
/// When a key is already there, or the files cannot be written.
pub fn keygen(dir: &Path, identity: &str, passphrase: Option<&str>) -> Result<NewKey, SignError> {
    let path = dir.join(KEY_FILE);
    let public_path = dir.join(format!("{KEY_FILE}.pub"));
    for p in [&path, &public_path] {
        if p.exists() {
            return Err(SignError::KeyExists(p.clone()));
        }
    }
    fs::create_dir_all(dir).map_err(|source| SignError::Io {
        action: "create",
        path: dir.to_owned(),
        source,
    })?;
    let mut key = PrivateKey::random(&mut OsRng, Algorithm::Ed25519)
        .map_err(|e| SignError::Crypto(e.to_string()))?;
    key.set_comment(identity);
    let stored = match passphrase {
        Some(p) => key
            .encrypt(&mut OsRng, p)
            .map_err(|e| SignError::Crypto(e.to_string()))?,
        None => key.clone(),
    };
    let private = stored
        .to_openssh(LineEnding::LF)
        .map_err(|e| SignError::Crypto(e.to_string()))?;
    let public = key.public_key();
    let public_text = public
        .to_openssh()
        .map_err(|e| SignError::Crypto(e.to_string()))?;
    write_new(&path, private.as_bytes(), true)?;
    write_new(&public_path, format!("{public_text}\n").as_bytes(), false)?;
    Ok(NewKey {
        public_key: public_text,
        allowed_signers_line: allowed_signers_line(identity, public),
        fingerprint: fingerprint(public),
        path,
        public_path,
    })
}

/// Writes a file that must not exist yet: to a temporary file (owner-only for a private key),
/// synced, then linked into place, which fails rather than replace a file that appeared
/// meanwhile.
fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<(), SignError> {
    let io_err = |action, path: &Path| {
        let path = path.to_owned();
        move |source| SignError::Io {
            action,
            path,
            source,
        }
    };
    let tmp = crate::store::temp_path(path);
    {
        let mut f =
            crate::private_file::create_new(&tmp, private).map_err(io_err("create", &tmp))?;
        f.write_all(bytes).map_err(io_err("write", &tmp))?;
        f.sync_all().map_err(io_err("sync", &tmp))?;
    }
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            Err(SignError::KeyExists(path.to_owned()))
        }
        other => other.map_err(io_err("write", path)),
    }
}

/// Reads an OpenSSH Ed25519 private key, opening it with the passphrase if it has one.
///
/// # Errors
/// When the file cannot be read, is not an OpenSSH private key, is not Ed25519, or needs a
/// passphrase that was not given or is wrong.
pub fn load_key(path: &Path, passphrase: Option<&str>) -> Result<PrivateKey, SignError> {
    let text = fs::read(path).map_err(|source| SignError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    let key = PrivateKey::from_openssh(&text).map_err(|e| SignError::BadKey {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let key = if key.is_encrypted() {
        let pass = passphrase.ok_or_else(|| SignError::Encrypted(path.to_owned()))?;
        key.decrypt(pass)
            .map_err(|_| SignError::WrongPassphrase(path.to_owned()))?
    } else {
        key
    };
    if key.algorithm() != Algorithm::Ed25519 {
        return Err(SignError::NotEd25519 {
            path: path.to_owned(),
            algorithm: key.algorithm().to_string(),
        });
    }
    Ok(key)
}

/// Signs bytes: an armoured `-----BEGIN SSH SIGNATURE-----` block.
///
/// # Errors
/// When the key cannot sign.
pub fn sign(key: &PrivateKey, bytes: &[u8]) -> Result<String, SignError> {
    let sig = key
        .sign(NAMESPACE, HashAlg::Sha512, bytes)
        .map_err(|e| SignError::Crypto(e.to_string()))?;
    sig.to_pem(LineEnding::LF)
        .map_err(|e| SignError::Crypto(e.to_string()))
}

/// Reads a public key file (`ssh-ed25519 AAAA… comment`, the first key line).
///
/// # Errors
/// When the file cannot be read or holds no OpenSSH public key.
pub fn load_public_key(path: &Path) -> Result<PublicKey, SignError> {
    let text = fs::read_to_string(path).map_err(|source| SignError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or_default();
    PublicKey::from_openssh(line).map_err(|e| SignError::BadPublicKey {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

/// Reads an `allowed_signers` file: the lines that parse, and those skipped (as
/// `ssh-keygen -Y verify` skips them) with why.
///
/// # Errors
/// When it cannot be read.
pub fn load_allowed_signers(path: &Path) -> Result<(Vec<AllowedSigner>, Vec<Skipped>), SignError> {
    let text = fs::read(path).map_err(|source| SignError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    Ok(parse_allowed_signers(&text))
}

/// Parses `allowed_signers` text (see [`super::allowed`]).
#[must_use]
pub fn parse_allowed_signers(text: impl AsRef<[u8]>) -> (Vec<AllowedSigner>, Vec<Skipped>) {
    super::allowed::parse(text.as_ref())
}

/// A time from `allowed_signers`, as a reader writes it.
fn utc(seconds: u64) -> String {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| seconds.to_string())
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Verifies an armoured signature over `bytes` against `trust`, now.
///
/// # Errors
/// Why it did not verify, in plain words.
pub fn verify(bytes: &[u8], signature: &str, trust: &Trust) -> Result<Verified, VerifyError> {
    verify_at(bytes, signature, trust, now())
}

/// Verifies as `ssh-keygen -Y verify -n preflight-report` does at `time` (seconds since the
/// epoch): the signature file read strictly, then the first `allowed_signers` line that lists
/// the principal (when one is asked for), is not `cert-authority`, holds the key, allows the
/// namespace and is valid at `time`.
///
/// # Errors
/// Why it did not verify, in plain words.
pub fn verify_at(
    bytes: &[u8],
    signature: &str,
    trust: &Trust,
    time: u64,
) -> Result<Verified, VerifyError> {
    let damaged = |e: sshsig::FormatError| VerifyError::Damaged(e.to_string());
    let blob = sshsig::dearmor(signature.as_bytes()).map_err(damaged)?;
    let sig = sshsig::parse(&blob).map_err(damaged)?;
    if sig.namespace != NAMESPACE {
        return Err(VerifyError::WrongNamespace(sig.namespace));
    }
    let signer = sig.public_key();
    let found = fingerprint(&signer);
    let (principals, trusted) = match trust {
        Trust::Embedded => (Vec::new(), false),
        Trust::Key(key) => {
            if key.key_data() != signer.key_data() {
                return Err(VerifyError::OtherKey {
                    found,
                    expected: fingerprint(key),
                });
            }
            (Vec::new(), true)
        }
        Trust::AllowedSigners { signers, identity } => (
            allowed(signers, identity.as_deref(), &signer, &found, time)?,
            true,
        ),
    };
    if !sig.verifies(NAMESPACE, bytes) {
        return Err(VerifyError::Changed);
    }
    Ok(Verified {
        principals,
        fingerprint: found,
        trusted,
    })
}

/// The principals of the lines that allow `signer` (the first such line when `identity` is
/// asked for, as ssh-keygen stops there), or why none does: the first refusal among the lines
/// that hold the key.
fn allowed(
    signers: &[AllowedSigner],
    identity: Option<&str>,
    signer: &PublicKey,
    found: &str,
    time: u64,
) -> Result<Vec<String>, VerifyError> {
    use super::allowed::match_list;
    let mut refusal = None;
    let mut principals = Vec::new();
    let mut any = false;
    let mut cert_authority = false;
    for s in signers {
        if s.key.key_data() != signer.key_data() {
            continue;
        }
        if s.cert_authority {
            cert_authority = true;
            continue;
        }
        let why = if let Some(id) = identity
            && match_list(id, &s.principals) != 1
        {
            Some(VerifyError::NotThisIdentity {
                identity: id.to_owned(),
                fingerprint: found.to_owned(),
            })
        } else if s
            .namespaces
            .as_deref()
            .is_some_and(|ns| match_list(NAMESPACE, ns) != 1)
        {
            Some(VerifyError::NamespaceNotAllowed {
                fingerprint: found.to_owned(),
                principals: s.names().join(", "),
            })
        } else if let Some(from) = s.valid_after.filter(|&a| time < a) {
            Some(VerifyError::NotYetValid {
                line: s.line,
                fingerprint: found.to_owned(),
                from: utc(from),
            })
        } else {
            s.valid_before
                .filter(|&b| time > b)
                .map(|until| VerifyError::Expired {
                    line: s.line,
                    fingerprint: found.to_owned(),
                    until: utc(until),
                })
        };
        match why {
            Some(e) => {
                refusal.get_or_insert(e);
            }
            None if identity.is_some() => return Ok(s.names()),
            None => {
                any = true;
                principals.extend(s.names());
            }
        }
    }
    if any {
        principals.dedup();
        return Ok(principals);
    }
    Err(refusal.unwrap_or_else(|| {
        if cert_authority {
            VerifyError::OnlyCertAuthority(found.to_owned())
        } else {
            VerifyError::NotAllowed(found.to_owned())
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PrivateKey {
        let mut k = PrivateKey::random(&mut OsRng, Algorithm::Ed25519).expect("key");
        k.set_comment("ann");
        k
    }

    #[test]
    fn sign_and_verify_round_trip_and_each_failure_says_why() {
        let k = key();
        let other = key();
        let msg = b"{\"schema\": 1}\n";
        let sig = sign(&k, msg).expect("sign");
        assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----"));
        let pubkey = k.public_key().clone();
        let ok = verify(msg, &sig, &Trust::Key(pubkey.clone())).expect("verifies");
        assert!(ok.trusted);
        assert_eq!(ok.fingerprint, fingerprint(&pubkey));

        let (signers, skipped) = parse_allowed_signers(format!(
            "# team\nbob {}\n{}\n",
            bare_openssh(other.public_key()),
            allowed_signers_line("ann@example.org", &pubkey)
        ));
        assert!(skipped.is_empty());
        let trust = |identity: Option<&str>| Trust::AllowedSigners {
            signers: signers.clone(),
            identity: identity.map(str::to_owned),
        };
        let ok = verify(msg, &sig, &trust(None)).expect("verifies");
        assert_eq!(ok.principals, ["ann@example.org"]);
        assert!(verify(msg, &sig, &trust(Some("ann@example.org"))).is_ok());
        assert!(matches!(
            verify(msg, &sig, &trust(Some("bob"))),
            Err(VerifyError::NotThisIdentity { .. })
        ));

        let changed = b"{\"schema\": 2}\n";
        let e = verify(changed, &sig, &trust(None)).expect_err("changed");
        assert!(
            e.to_string()
                .contains("the report was changed after it was signed")
        );

        let theirs = sign(&other, msg).expect("sign");
        let only_ann = parse_allowed_signers(allowed_signers_line("ann", &pubkey)).0;
        let e = verify(
            msg,
            &theirs,
            &Trust::AllowedSigners {
                signers: only_ann,
                identity: None,
            },
        )
        .expect_err("not allowed");
        assert!(
            e.to_string()
                .contains("signed by a key not in allowed_signers"),
            "{e}"
        );

        let foreign = k.sign("git", HashAlg::Sha512, msg).expect("sign");
        let foreign = foreign.to_pem(LineEnding::LF).expect("pem");
        let e = verify(msg, &foreign, &Trust::Key(pubkey.clone())).expect_err("namespace");
        assert!(
            e.to_string()
                .contains("not a signature for preflight reports"),
            "{e}"
        );

        let git_only = parse_allowed_signers(format!(
            "ann namespaces=\"git,file\" {}",
            bare_openssh(&pubkey)
        ))
        .0;
        assert!(matches!(
            verify(
                msg,
                &sig,
                &Trust::AllowedSigners {
                    signers: git_only,
                    identity: None
                }
            ),
            Err(VerifyError::NamespaceNotAllowed { .. })
        ));

        assert!(matches!(
            verify(msg, "garbage", &Trust::Embedded),
            Err(VerifyError::Damaged(_))
        ));
    }

    #[test]
    fn allowed_signers_lines_parse_as_ssh_keygen_reads_them() {
        let k = key();
        let b = bare_openssh(k.public_key());
        let ok = [
            format!("ann {b}"),
            format!("ann,bob@x namespaces=\"preflight-report\" {b} a comment"),
            format!("\"ann\" valid-after=\"20260101\",namespaces=\"a,b\" {b}"),
        ];
        for line in &ok {
            let (s, skipped) = parse_allowed_signers(line);
            assert!(skipped.is_empty(), "{line}: {skipped:?}");
            assert_eq!(s.len(), 1, "{line}");
            assert_eq!(s[0].key.key_data(), k.public_key().key_data());
        }
        let two = parse_allowed_signers(&ok[1]).0;
        assert_eq!(two[0].names(), ["ann", "bob@x"]);
        let three = parse_allowed_signers(&ok[2]).0;
        assert_eq!(three[0].namespaces.as_deref(), Some("a,b"));
        for bad in ["ann", "ann namespaces=\"x\"", "ann ssh-ed25519 notbase64!"] {
            let (s, skipped) = parse_allowed_signers(bad);
            assert!(s.is_empty() && skipped.len() == 1, "{bad}");
        }
        let (s, _) = parse_allowed_signers(format!("\n# c\nann cert-authority {b}"));
        assert!(s[0].cert_authority);
        assert_eq!(s[0].line, 3);
    }

    #[test]
    fn retired_excluded_and_cert_authority_lines_do_not_verify() {
        let k = key();
        let b = bare_openssh(k.public_key());
        let msg = b"report";
        let sig = sign(&k, msg).expect("sign");
        // 2026-01-01 00:00:00 UTC.
        let t = 1_767_225_600;
        let check = |lines: &str, identity: Option<&str>| {
            verify_at(
                msg,
                &sig,
                &Trust::AllowedSigners {
                    signers: parse_allowed_signers(lines).0,
                    identity: identity.map(str::to_owned),
                },
                t,
            )
        };
        assert!(check(&format!("ann {b}"), Some("ann")).is_ok());
        assert!(matches!(
            check(&format!("ann valid-before=\"20251231Z\" {b}"), Some("ann")),
            Err(VerifyError::Expired { line: 1, .. })
        ));
        assert!(matches!(
            check(&format!("ann valid-after=\"20260102Z\" {b}"), Some("ann")),
            Err(VerifyError::NotYetValid { line: 1, .. })
        ));
        assert!(
            check(
                &format!("ann valid-after=\"20251231Z\",valid-before=\"20260102Z\" {b}"),
                Some("ann")
            )
            .is_ok()
        );
        assert!(matches!(
            check(&format!("*,!ann {b}"), Some("ann")),
            Err(VerifyError::NotThisIdentity { .. })
        ));
        assert!(check(&format!("*,!ann {b}"), Some("bob")).is_ok());
        assert!(matches!(
            check(
                &format!("ann namespaces=\"*,!preflight-report\" {b}"),
                Some("ann")
            ),
            Err(VerifyError::NamespaceNotAllowed { .. })
        ));
        assert!(matches!(
            check(&format!("ann cert-authority {b}"), Some("ann")),
            Err(VerifyError::OnlyCertAuthority(_))
        ));
        // A later line can still allow what an earlier one refused.
        assert!(
            check(
                &format!("ann valid-before=\"20251231Z\" {b}\nann {b}\n"),
                Some("ann")
            )
            .is_ok()
        );
        let e = check(&format!("ann valid-before=\"20251231Z\" {b}"), None).expect_err("old");
        assert!(e.to_string().contains("2025-12-31 00:00:00 UTC"), "{e}");
    }

    #[test]
    fn keygen_is_owner_only_and_never_overwrites() {
        let dir = tempfile::tempdir().expect("tempdir");
        let new = keygen(dir.path(), "ann", None).expect("keygen");
        assert!(
            new.allowed_signers_line
                .starts_with("ann namespaces=\"preflight-report\" ssh-ed25519 AAAA")
        );
        let k = load_key(&new.path, None).expect("loads");
        assert_eq!(fingerprint(k.public_key()), new.fingerprint);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&new.path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let before = fs::read(&new.path).expect("read");
        assert!(matches!(
            keygen(dir.path(), "ann", None),
            Err(SignError::KeyExists(_))
        ));
        assert_eq!(fs::read(&new.path).expect("read"), before);
    }

    #[test]
    fn a_key_made_with_a_passphrase_opens_only_with_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let new = keygen(dir.path(), "ann", Some("correct horse")).expect("keygen");
        let text = fs::read_to_string(&new.path).expect("read");
        assert!(!text.contains("correct horse"));
        assert!(matches!(
            load_key(&new.path, None),
            Err(SignError::Encrypted(_))
        ));
        assert!(matches!(
            load_key(&new.path, Some("wrong")),
            Err(SignError::WrongPassphrase(_))
        ));
        let k = load_key(&new.path, Some("correct horse")).expect("opens");
        assert_eq!(fingerprint(k.public_key()), new.fingerprint);
    }
}
