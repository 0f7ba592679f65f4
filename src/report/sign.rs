//! Report signatures in the OpenSSH signature format (SSHSIG) with Ed25519 keys, namespace
//! `preflight-report`, so `ssh-keygen -Y verify` and `preflight report verify` accept the same
//! files. Keys: one made by `preflight keygen` in the config directory (owner-only), or any
//! existing OpenSSH Ed25519 key. A private key is never printed, logged or written into a report.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use ssh_key::rand_core::OsRng;
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

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
    #[error("{}, line {line}: {reason}", path.display())]
    BadAllowedSigners {
        path: PathBuf,
        line: usize,
        reason: String,
    },
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

/// One line of an `allowed_signers` file (see `ssh-keygen(1)`, ALLOWED SIGNERS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedSigner {
    /// Principal patterns (comma-separated in the file).
    pub principals: Vec<String>,
    /// The `namespaces="…"` patterns, if the line limits them.
    pub namespaces: Option<Vec<String>>,
    pub key: PublicKey,
}

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
        let mut f = create_new(&tmp, private).map_err(io_err("create", &tmp))?;
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

/// Creates a new file; owner read/write only when `private` (Unix). On Windows the file
/// inherits the per-user ACL of the profile directory it is made in.
fn create_new(path: &Path, private: bool) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    o.open(path)
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

/// Reads an `allowed_signers` file.
///
/// # Errors
/// When it cannot be read, or a line is not `PRINCIPALS [OPTIONS] KEYTYPE BASE64 [COMMENT]`.
pub fn load_allowed_signers(path: &Path) -> Result<Vec<AllowedSigner>, SignError> {
    let text = fs::read_to_string(path).map_err(|source| SignError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    parse_allowed_signers(&text).map_err(|(line, reason)| SignError::BadAllowedSigners {
        path: path.to_owned(),
        line,
        reason,
    })
}

/// Parses `allowed_signers` text; an error carries its 1-based line.
///
/// # Errors
/// The first line that is not a signer.
pub fn parse_allowed_signers(text: &str) -> Result<Vec<AllowedSigner>, (usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields = split_fields(line);
        let mut fields = fields.iter().map(String::as_str);
        let principals = fields.next().unwrap_or_default();
        let mut next = fields
            .next()
            .ok_or((n + 1, "no key after the principals".to_owned()))?;
        let mut namespaces = None;
        if !looks_like_key_type(next) {
            for opt in split_options(next) {
                let (name, value) = opt.split_once('=').unwrap_or((opt.as_str(), ""));
                match name.to_ascii_lowercase().as_str() {
                    "namespaces" => {
                        namespaces = Some(
                            value
                                .trim_matches('"')
                                .split(',')
                                .map(str::to_owned)
                                .collect(),
                        );
                    }
                    "cert-authority" => {
                        return Err((
                            n + 1,
                            "cert-authority lines are not supported by preflight".to_owned(),
                        ));
                    }
                    // valid-after / valid-before limit when a signature was made; SSHSIG
                    // carries no time, so ssh-keygen checks them against now.
                    _ => {}
                }
            }
            next = fields
                .next()
                .ok_or((n + 1, "no key after the options".to_owned()))?;
        }
        let data = fields
            .next()
            .ok_or((n + 1, "the key has no data".to_owned()))?;
        let key = PublicKey::from_openssh(&format!("{next} {data}"))
            .map_err(|e| (n + 1, format!("not a public key: {e}")))?;
        out.push(AllowedSigner {
            principals: principals
                .trim_matches('"')
                .split(',')
                .map(str::to_owned)
                .collect(),
            namespaces,
            key,
        });
    }
    Ok(out)
}

fn looks_like_key_type(s: &str) -> bool {
    s.starts_with("ssh-") || s.starts_with("ecdsa-") || s.starts_with("sk-")
}

/// Splits on whitespace outside double quotes.
fn split_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                cur.push(ch);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Splits an options field on commas outside double quotes.
fn split_options(field: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in field.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                cur.push(ch);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// `*` and `?` patterns, as OpenSSH matches principals and namespaces.
fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

/// Verifies an armoured signature over `bytes` against `trust`.
///
/// # Errors
/// Why it did not verify, in plain words.
pub fn verify(bytes: &[u8], signature: &str, trust: &Trust) -> Result<Verified, VerifyError> {
    let sig = SshSig::from_pem(signature.trim().as_bytes())
        .map_err(|e| VerifyError::Damaged(e.to_string()))?;
    if sig.namespace() != NAMESPACE {
        return Err(VerifyError::WrongNamespace(sig.namespace().to_owned()));
    }
    let signer = PublicKey::new(sig.public_key().clone(), "");
    let found = fingerprint(&signer);
    let (principals, trusted) = match trust {
        Trust::Embedded => (Vec::new(), false),
        Trust::Key(key) => {
            if key.key_data() != sig.public_key() {
                return Err(VerifyError::OtherKey {
                    found,
                    expected: fingerprint(key),
                });
            }
            (Vec::new(), true)
        }
        Trust::AllowedSigners { signers, identity } => {
            let lines: Vec<&AllowedSigner> = signers
                .iter()
                .filter(|s| s.key.key_data() == sig.public_key())
                .collect();
            if lines.is_empty() {
                return Err(VerifyError::NotAllowed(found));
            }
            let for_namespace: Vec<&AllowedSigner> = lines
                .iter()
                .copied()
                .filter(|s| {
                    s.namespaces
                        .as_ref()
                        .is_none_or(|ns| ns.iter().any(|n| glob(n, NAMESPACE)))
                })
                .collect();
            if for_namespace.is_empty() {
                return Err(VerifyError::NamespaceNotAllowed {
                    fingerprint: found,
                    principals: lines
                        .iter()
                        .flat_map(|s| s.principals.iter().map(String::as_str))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            let principals: Vec<String> = for_namespace
                .iter()
                .flat_map(|s| s.principals.iter().cloned())
                .collect();
            if let Some(id) = identity
                && !principals.iter().any(|p| glob(p, id))
            {
                return Err(VerifyError::NotThisIdentity {
                    identity: id.clone(),
                    fingerprint: found,
                });
            }
            (principals, true)
        }
    };
    signer
        .verify(NAMESPACE, bytes, &sig)
        .map_err(|_| VerifyError::Changed)?;
    Ok(Verified {
        principals,
        fingerprint: found,
        trusted,
    })
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

        let signers = parse_allowed_signers(&format!(
            "# team\nbob {}\n{}\n",
            bare_openssh(other.public_key()),
            allowed_signers_line("ann@example.org", &pubkey)
        ))
        .expect("parses");
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
        let only_ann = parse_allowed_signers(&allowed_signers_line("ann", &pubkey)).expect("ok");
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

        let git_only = parse_allowed_signers(&format!(
            "ann namespaces=\"git,file\" {}",
            bare_openssh(&pubkey)
        ))
        .expect("ok");
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
            let s = parse_allowed_signers(line).unwrap_or_else(|e| panic!("{line}: {e:?}"));
            assert_eq!(s.len(), 1, "{line}");
            assert_eq!(s[0].key.key_data(), k.public_key().key_data());
        }
        let two = parse_allowed_signers(&ok[1]).expect("ok");
        assert_eq!(two[0].principals, ["ann", "bob@x"]);
        let three = parse_allowed_signers(&ok[2]).expect("ok");
        assert_eq!(
            three[0].namespaces,
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        for bad in ["ann", "ann namespaces=\"x\"", "ann ssh-ed25519 notbase64!"] {
            assert!(parse_allowed_signers(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_allowed_signers(&format!("\n# c\nann cert-authority {b}")).map_err(|e| e.0),
            Err(3)
        );
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
