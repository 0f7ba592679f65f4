//! The SSHSIG signature format read exactly as OpenSSH's `sshsig.c` reads it, so
//! `preflight report verify` accepts a signature file if and only if `ssh-keygen -Y verify`
//! would (for the Ed25519 keys preflight signs with; other key types and certificates are
//! refused in words).
//!
//! The armour must start with the header line and hold the footer after a newline; the blob
//! is `"SSHSIG"`, a version of at most 1, the signer's key, the namespace, a reserved string,
//! the hash algorithm (`sha256` or `sha512`) and the signature, each string with an exact
//! length, nothing after the last one. A C string (namespace, algorithm and key type names)
//! may end with one NUL but hold none before it. The key blob is `ssh-ed25519` and exactly 32
//! bytes with nothing after; the signature blob `ssh-ed25519` and at most 64 bytes with
//! nothing after. What is verified is the OpenSSH signed data with an empty reserved field,
//! whatever the signature's reserved field holds.

use ssh_key::public::{Ed25519PublicKey, KeyData};
use ssh_key::{Algorithm, HashAlg, PublicKey, Signature, SshSig};

const BEGIN: &[u8] = b"-----BEGIN SSH SIGNATURE-----\n";
const END: &[u8] = b"\n-----END SSH SIGNATURE-----";
const MAGIC: &[u8] = b"SSHSIG";
const VERSION: u32 = 1;
/// `SSHBUF_SIZE_MAX`: OpenSSH refuses a length field above this before looking further.
const SIZE_MAX: usize = 0x0800_0000;

/// A signature blob that parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The signer's Ed25519 public key.
    pub key: [u8; 32],
    /// The namespace, up to its NUL if it ends with one (as C compares it).
    pub namespace: String,
    pub hash: HashAlg,
    /// The 64 bytes of the Ed25519 signature, or fewer (which never verifies).
    pub signature: Vec<u8>,
}

impl Parsed {
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        PublicKey::new(KeyData::Ed25519(Ed25519PublicKey(self.key)), "")
    }

    /// Whether the signature is good for `message` in `namespace` (OpenSSH's signed data: the
    /// namespace expected, an empty reserved field, the algorithm and the message's hash).
    #[must_use]
    pub fn verifies(&self, namespace: &str, message: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(self.signature.as_slice()) else {
            // Shorter: OpenSSH hands the message's first bytes to the check, which fails.
            return false;
        };
        let Ok(signature) = Signature::new(Algorithm::Ed25519, sig.to_vec()) else {
            return false;
        };
        let key = self.public_key();
        SshSig::new(key.key_data().clone(), namespace, self.hash, signature)
            .is_ok_and(|s| key.verify(namespace, message, &s).is_ok())
    }
}

/// Why a signature file is not one OpenSSH reads, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("it does not start with the line `-----BEGIN SSH SIGNATURE-----`")]
    NoHeader,
    #[error("it has no line `-----END SSH SIGNATURE-----`")]
    NoFooter,
    #[error("its base64 does not decode")]
    Base64,
    #[error("it does not start with SSHSIG and a version")]
    NoMagic,
    #[error("its version is {0}, newer than the version 1 this build reads")]
    Version(u32),
    #[error("the {0} field is cut short or its length is wrong")]
    Length(&'static str),
    #[error("the {0} field holds a NUL byte")]
    Nul(&'static str),
    #[error("{0} bytes follow the signature")]
    Trailing(usize),
    #[error("its hash algorithm `{0}` is neither sha256 nor sha512")]
    HashAlg(String),
    #[error(
        "it was made with an OpenSSH certificate ({0}); preflight verifies signatures made with plain Ed25519 keys, so use ssh-keygen -Y verify with a cert-authority line for it"
    )]
    Certificate(String),
    #[error(
        "it was made with a {0} key; preflight verifies Ed25519 signatures (use ssh-keygen -Y verify for it)"
    )]
    KeyType(String),
    #[error("its key is not a valid {0} key")]
    BadKey(&'static str),
    #[error("its signature is of type `{0}`, not the `ssh-ed25519` its key needs")]
    SignatureType(String),
}

/// The blob inside the armour, as `sshsig_dearmor` finds it.
///
/// # Errors
/// No header at the very start, no footer, or base64 that does not decode.
pub fn dearmor(text: &[u8]) -> Result<Vec<u8>, FormatError> {
    let rest = text.strip_prefix(BEGIN).ok_or(FormatError::NoHeader)?;
    let end = rest
        .windows(END.len())
        .position(|w| w == END)
        .ok_or(FormatError::NoFooter)?;
    let body = &rest[..end];
    // `sshbuf_dup_string`: a NUL only as the last byte.
    let body = match body.iter().position(|&c| c == 0) {
        Some(n) if n + 1 == body.len() => &body[..n],
        Some(_) => return Err(FormatError::Base64),
        None => body,
    };
    b64_pton(body).ok_or(FormatError::Base64)
}

/// Base64 as OpenBSD's `b64_pton` reads it: white space anywhere ignored, padding required,
/// the bits past the last byte zero, nothing but white space after the padding.
fn b64_pton(text: &[u8]) -> Option<Vec<u8>> {
    use base64ct::Encoding as _;
    // C's isspace: space, \t, \n, \v, \f, \r.
    let flat: Vec<u8> = text
        .iter()
        .copied()
        .filter(|c| !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .collect();
    let flat = std::str::from_utf8(&flat).ok()?;
    base64ct::Base64::decode_vec(flat).ok()
}

/// A reader of SSH wire strings with OpenSSH's checks.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn u32(&mut self, what: &'static str) -> Result<u32, FormatError> {
        let (head, rest) = self
            .rest
            .split_first_chunk::<4>()
            .ok_or(FormatError::Length(what))?;
        self.rest = rest;
        Ok(u32::from_be_bytes(*head))
    }

    fn string(&mut self, what: &'static str) -> Result<&'a [u8], FormatError> {
        let len = self.u32(what)? as usize;
        if len > SIZE_MAX - 4 || len > self.rest.len() {
            return Err(FormatError::Length(what));
        }
        let (s, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(s)
    }

    /// `sshbuf_get_cstring`: a NUL is allowed only as the last byte; the value ends there.
    fn cstring(&mut self, what: &'static str) -> Result<String, FormatError> {
        let s = self.string(what)?;
        let body = match s.iter().position(|&c| c == 0) {
            Some(n) if n + 1 < s.len() => return Err(FormatError::Nul(what)),
            Some(n) => &s[..n],
            None => s,
        };
        Ok(String::from_utf8_lossy(body).into_owned())
    }

    fn preamble(&mut self) -> Result<(), FormatError> {
        let rest = self.rest.strip_prefix(MAGIC).ok_or(FormatError::NoMagic)?;
        self.rest = rest;
        let version = self.u32("version").map_err(|_| FormatError::NoMagic)?;
        if version > VERSION {
            return Err(FormatError::Version(version));
        }
        Ok(())
    }
}

fn hash_alg(name: &str) -> Result<HashAlg, FormatError> {
    match name {
        "sha256" => Ok(HashAlg::Sha256),
        "sha512" => Ok(HashAlg::Sha512),
        other => Err(FormatError::HashAlg(other.to_owned())),
    }
}

/// Parses a signature blob as `sshsig_verify_fd` does: first a look at the hash algorithm
/// (`sshsig_peek_hashalg`), then the strict parse (`sshsig_wrap_verify`).
///
/// # Errors
/// The first thing OpenSSH would refuse, in words.
pub fn parse(blob: &[u8]) -> Result<Parsed, FormatError> {
    // The look ahead: only the layout and the algorithm's name.
    let mut peek = Reader { rest: blob };
    peek.preamble()?;
    peek.string("public key")?;
    peek.string("namespace")?;
    peek.string("reserved")?;
    let hash = hash_alg(&peek.cstring("hash algorithm")?)?;
    peek.string("signature")?;

    let mut r = Reader { rest: blob };
    r.preamble()?;
    let key_blob = r.string("public key")?;
    let key = ed25519_key(key_blob)?;
    let namespace = r.cstring("namespace")?;
    r.string("reserved")?;
    r.cstring("hash algorithm")?;
    let sig_blob = r.string("signature")?;
    if !r.rest.is_empty() {
        return Err(FormatError::Trailing(r.rest.len()));
    }
    let mut s = Reader { rest: sig_blob };
    let sig_type = s.cstring("signature")?;
    let signature = s.string("signature")?.to_vec();
    if sig_type != "ssh-ed25519" {
        return Err(FormatError::SignatureType(sig_type));
    }
    if !s.rest.is_empty() {
        return Err(FormatError::Trailing(s.rest.len()));
    }
    if signature.len() > 64 {
        return Err(FormatError::Length("signature"));
    }
    Ok(Parsed {
        key,
        namespace,
        hash,
        signature,
    })
}

/// Key types OpenSSH signs with that preflight does not verify.
const OTHER_KEY_TYPES: [&str; 7] = [
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ssh-ed25519@openssh.com",
];

/// `sshkey_froms` for the one type preflight verifies: `ssh-ed25519`, a 32-byte key, nothing
/// after it.
fn ed25519_key(blob: &[u8]) -> Result<[u8; 32], FormatError> {
    let mut k = Reader { rest: blob };
    let kind = k.cstring("public key")?;
    if kind.contains("-cert-") {
        return Err(FormatError::Certificate(kind));
    }
    if kind != "ssh-ed25519" {
        return Err(if OTHER_KEY_TYPES.contains(&kind.as_str()) {
            FormatError::KeyType(kind)
        } else {
            FormatError::BadKey("SSH")
        });
    }
    let pk = k.string("public key")?;
    let key = <[u8; 32]>::try_from(pk).map_err(|_| FormatError::BadKey("Ed25519"))?;
    if !k.rest.is_empty() {
        return Err(FormatError::BadKey("Ed25519"));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssh_key::rand_core::OsRng;
    use ssh_key::{LineEnding, PrivateKey};

    fn signed(message: &[u8]) -> (PrivateKey, String) {
        let key = PrivateKey::random(&mut OsRng, Algorithm::Ed25519).expect("key");
        let sig = key
            .sign("preflight-report", HashAlg::Sha512, message)
            .expect("sign")
            .to_pem(LineEnding::LF)
            .expect("pem");
        (key, sig)
    }

    #[test]
    fn a_good_signature_parses_and_verifies_only_its_message() {
        let (key, pem) = signed(b"hello");
        let parsed = parse(&dearmor(pem.as_bytes()).expect("dearmor")).expect("parse");
        assert_eq!(parsed.public_key().key_data(), key.public_key().key_data());
        assert_eq!(parsed.namespace, "preflight-report");
        assert!(parsed.verifies("preflight-report", b"hello"));
        assert!(!parsed.verifies("preflight-report", b"hellO"));
        assert!(!parsed.verifies("git", b"hello"));
    }

    #[test]
    fn the_armour_must_be_exact_at_the_start() {
        let (_, pem) = signed(b"x");
        assert!(dearmor(pem.as_bytes()).is_ok());
        assert_eq!(
            dearmor(format!("\n{pem}").as_bytes()),
            Err(FormatError::NoHeader)
        );
        assert_eq!(
            dearmor(pem.replace("-----END", "-----FIN").as_bytes()),
            Err(FormatError::NoFooter)
        );
        // Anything after the footer is ignored, as ssh-keygen does.
        assert!(dearmor(format!("{pem}junk").as_bytes()).is_ok());
    }

    #[test]
    fn lengths_are_exact_and_nothing_may_follow() {
        let (_, pem) = signed(b"x");
        let blob = dearmor(pem.as_bytes()).expect("dearmor");
        let mut longer = blob.clone();
        longer.push(0);
        assert_eq!(parse(&longer), Err(FormatError::Trailing(1)));
        // Version 0 is read (OpenSSH refuses only newer ones); version 2 is not.
        let mut v = blob.clone();
        v[9] = 0;
        assert!(parse(&v).is_ok());
        v[9] = 2;
        assert_eq!(parse(&v), Err(FormatError::Version(2)));
        // The key blob's length one more: the key has a byte after it.
        let mut k = blob.clone();
        k[13] += 1;
        assert!(parse(&k).is_err());
    }
}
