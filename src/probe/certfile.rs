//! Certificate files: PEM, DER (`.cer`, `.crt`), PKCS#7 (`.p7b`) and PKCS#12 (`.pfx`, `.p12`,
//! including the legacy 3DES / RC2-40 exports Windows writes), read by content rather than by
//! extension, and a PKCS#12 converted to the PEM pair the vendor's services load.
//!
//! The Spok guide has the customer export `certificate.pfx` "with the private key" and "all
//! certificates in the certification path", to be converted to PEM on site; the `ActiveSync`
//! note exports a root as DER `.cer`. So a file here yields its certificates (DER, in file
//! order) and whether it carries a private key; the key's bytes are kept only for
//! [`convert_pfx`], are never printed, and are redacted from `Debug`.
//!
//! PKCS#7 certificates are pulled out of `SignedData` with the small DER walk below (x509-parser
//! has no CMS reader), which takes `ContentInfo → [0] SignedData → [0] certificates` and nothing
//! else, so a `.p7b` with signatures or CRLs reads the same.

use std::fmt;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::json;
use x509_parser::prelude::{FromDer as _, X509Certificate};

use super::cert::{self, CertFacts, Judgement};
use super::{ProbeKind, ProbeResult, Verdict};
use crate::rules::CertfileCheck;

/// Files larger than this are refused: a certificate bundle is kilobytes, and a wrong path to
/// a disk image must end with an error, not exhaust memory.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The environment variable a PFX password is read from (never a command-line argument,
/// which other users of the machine can see in the process list).
pub const PASSWORD_ENV: &str = "PREFLIGHT_PFX_PASSWORD";

/// A certificate file that cannot be read or converted.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CertFileError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: Arc<io::Error>,
    },
    #[error("{} is larger than {} MiB: that is not a certificate file", path.display(), MAX_BYTES / (1024 * 1024))]
    TooLarge { path: PathBuf },
    #[error(
        "{} is not a certificate file this tool reads (PEM, DER, PKCS#7 or PKCS#12)",
        path.display()
    )]
    Unrecognized { path: PathBuf },
    #[error("{} is a PKCS#12 (PFX) file: it needs its password", path.display())]
    PasswordNeeded { path: PathBuf },
    #[error(
        "wrong password (MAC mismatch) for {}: ask for the password that was set when the PFX \
         was exported",
        path.display()
    )]
    WrongPassword { path: PathBuf },
    #[error("{} is damaged or not a valid {format}: {reason}", path.display())]
    Damaged {
        path: PathBuf,
        format: Format,
        reason: String,
    },
    #[error("{} holds no certificate", path.display())]
    NoCertificate { path: PathBuf },
    #[error(
        "{} holds no private key: export it again with \"Yes, export the private key\" (the \
         certificate must be marked exportable)",
        path.display()
    )]
    NoPrivateKey { path: PathBuf },
    #[error(
        "the private key in {} does not belong to its certificate {subject}: export the PFX \
         again from the server that holds the certificate",
        path.display()
    )]
    KeyMismatch { path: PathBuf, subject: String },
    #[error("{} already exists: refusing to overwrite it; choose an empty directory", path.display())]
    Exists { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: Arc<io::Error>,
    },
}

/// How a file is encoded, found from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pem,
    Der,
    Pkcs7,
    Pkcs12,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Pem => "pem",
            Format::Der => "der",
            Format::Pkcs7 => "pkcs7",
            Format::Pkcs12 => "pkcs12",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Pem => "PEM",
            Format::Der => "DER",
            Format::Pkcs7 => "PKCS#7",
            Format::Pkcs12 => "PKCS#12",
        })
    }
}

/// A private key found in a file: what kind, never its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFound {
    /// `PKCS#8`, `RSA (PKCS#1)`, `EC (SEC1)`, `encrypted PKCS#8`.
    pub kind: String,
}

/// A private key's DER (PKCS#8), redacted from `Debug` so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
struct SecretDer(Vec<u8>);

impl fmt::Debug for SecretDer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretDer(<redacted>)")
    }
}

/// What a certificate file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFile {
    pub path: PathBuf,
    pub format: Format,
    /// PKCS#7 inside PEM armour (`-----BEGIN PKCS7-----`).
    pub armored: bool,
    /// DER certificates in file order.
    pub certs: Vec<Vec<u8>>,
    pub keys: Vec<KeyFound>,
    /// For PKCS#12: whether the key matches a certificate (checked by public key).
    pub key_matches: Option<bool>,
    /// PKCS#12 only: the key, for conversion.
    key_der: Option<SecretDer>,
}

/// Decides the format from the bytes: PEM armour, else the shape of the outer DER structure
/// (a certificate, a `ContentInfo` with `signedData`, or a PFX with version 3).
pub fn detect(bytes: &[u8]) -> Option<Format> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if find(body, b"-----BEGIN ").is_some() {
        return Some(Format::Pem);
    }
    let (outer, _) = Tlv::read(body)?;
    if outer.tag != 0x30 {
        return None;
    }
    let (first, rest) = Tlv::read(outer.value)?;
    if first.tag == 0x06 && first.value == OID_SIGNED_DATA {
        return Some(Format::Pkcs7);
    }
    if first.tag == 0x02 && first.value == [3] {
        let (auth_safe, _) = Tlv::read(rest)?;
        if auth_safe.tag == 0x30 {
            return Some(Format::Pkcs12);
        }
    }
    X509Certificate::from_der(body).ok().map(|_| Format::Der)
}

/// Reads a certificate file. `password` is needed for PKCS#12 only.
///
/// # Errors
/// When the file cannot be read, is not a certificate file, is damaged, or (PKCS#12) needs a
/// password or was given the wrong one.
pub fn read(path: &Path, password: Option<&str>) -> Result<CertFile, CertFileError> {
    let bytes = read_bytes(path)?;
    parse(path, &bytes, password)
}

/// Reads a file's bytes, refusing anything over [`MAX_BYTES`].
///
/// # Errors
/// When the file cannot be opened or read, or is too large.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, CertFileError> {
    let err = |e: io::Error| CertFileError::Read {
        path: path.to_owned(),
        source: Arc::new(e),
    };
    let file = std::fs::File::open(path).map_err(err)?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(err)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(CertFileError::TooLarge {
            path: path.to_owned(),
        });
    }
    Ok(bytes)
}

/// Parses a certificate file's bytes; `path` only names it in errors.
///
/// # Errors
/// As [`read`].
pub fn parse(path: &Path, bytes: &[u8], password: Option<&str>) -> Result<CertFile, CertFileError> {
    let format = detect(bytes).ok_or_else(|| CertFileError::Unrecognized {
        path: path.to_owned(),
    })?;
    let damaged = |format: Format, reason: String| CertFileError::Damaged {
        path: path.to_owned(),
        format,
        reason,
    };
    let mut file = CertFile {
        path: path.to_owned(),
        format,
        armored: false,
        certs: Vec::new(),
        keys: Vec::new(),
        key_matches: None,
        key_der: None,
    };
    match format {
        Format::Pem => {
            for item in x509_parser::pem::Pem::iter_from_buffer(bytes) {
                let pem = item.map_err(|e| damaged(Format::Pem, e.to_string()))?;
                match pem.label.as_str() {
                    "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                        X509Certificate::from_der(&pem.contents)
                            .map_err(|e| damaged(Format::Pem, e.to_string()))?;
                        file.certs.push(pem.contents);
                    }
                    "PKCS7" | "CERTIFICATE CHAIN" => {
                        file.format = Format::Pkcs7;
                        file.armored = true;
                        let certs = pkcs7_certs(&pem.contents).ok_or_else(|| {
                            damaged(Format::Pkcs7, "not PKCS#7 SignedData".to_owned())
                        })?;
                        file.certs.extend(certs);
                    }
                    "PRIVATE KEY" => file.keys.push(key("PKCS#8")),
                    "RSA PRIVATE KEY" => file.keys.push(key("RSA (PKCS#1)")),
                    "EC PRIVATE KEY" => file.keys.push(key("EC (SEC1)")),
                    "ENCRYPTED PRIVATE KEY" => file.keys.push(key("encrypted PKCS#8")),
                    // Parameters, requests and CRLs are not what this reads for.
                    _ => {}
                }
            }
        }
        Format::Der => file.certs.push(bytes.to_vec()),
        Format::Pkcs7 => {
            file.certs = pkcs7_certs(bytes)
                .ok_or_else(|| damaged(Format::Pkcs7, "not PKCS#7 SignedData".to_owned()))?;
        }
        Format::Pkcs12 => {
            let password = password.ok_or_else(|| CertFileError::PasswordNeeded {
                path: path.to_owned(),
            })?;
            read_pkcs12(path, bytes, password, &mut file)?;
        }
    }
    if file.certs.is_empty() {
        return Err(CertFileError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(file)
}

fn key(kind: &str) -> KeyFound {
    KeyFound {
        kind: kind.to_owned(),
    }
}

fn read_pkcs12(
    path: &Path,
    bytes: &[u8],
    password: &str,
    file: &mut CertFile,
) -> Result<(), CertFileError> {
    let archive =
        p12_keystore::Pkcs12Archive::from_pkcs12(bytes, password).map_err(|e| match e {
            p12_keystore::error::Error::MacError(_) => CertFileError::WrongPassword {
                path: path.to_owned(),
            },
            other => CertFileError::Damaged {
                path: path.to_owned(),
                format: Format::Pkcs12,
                reason: other.to_string(),
            },
        })?;
    let mut certs: Vec<Vec<u8>> = archive
        .certs
        .iter()
        .map(|c| c.cert.as_der().to_vec())
        .collect();
    if let Some(k) = archive.keys.first() {
        let key_der = k.key.as_der().to_vec();
        file.keys.push(key("PKCS#8"));
        // The leaf is the certificate whose public key is the key's; put it first and its
        // issuers after it, so the PEM chain comes out in the order servers send.
        let leaf = certs
            .iter()
            .position(|c| key_matches(&key_der, c) == Some(true));
        file.key_matches = Some(leaf.is_some());
        if let Some(i) = leaf {
            certs = order_from_leaf(certs, i);
        }
        file.key_der = Some(SecretDer(key_der));
    }
    file.certs = certs;
    Ok(())
}

/// Puts `certs[leaf]` first, then its issuer, its issuer's issuer…, then whatever is left in
/// file order.
fn order_from_leaf(mut certs: Vec<Vec<u8>>, leaf: usize) -> Vec<Vec<u8>> {
    let names = |der: &[u8]| {
        X509Certificate::from_der(der).ok().map(|(_, c)| {
            (
                c.tbs_certificate.subject().as_raw().to_vec(),
                c.tbs_certificate.issuer().as_raw().to_vec(),
            )
        })
    };
    let mut out = vec![certs.remove(leaf)];
    while let Some((subject, issuer)) = out.last().and_then(|c| names(c)) {
        if subject == issuer {
            break;
        }
        let Some(next) = certs
            .iter()
            .position(|c| names(c).is_some_and(|(s, _)| s == issuer))
        else {
            break;
        };
        out.push(certs.remove(next));
    }
    out.extend(certs);
    out
}

/// Whether a PKCS#8 private key is the private half of `cert_der`'s public key: compared by
/// RSA modulus and exponent, or by the EC public point the key carries; for other keys, by
/// the public key the crypto provider derives. `None` when it cannot tell.
pub fn key_matches(pkcs8: &[u8], cert_der: &[u8]) -> Option<bool> {
    let (_, cert) = X509Certificate::from_der(cert_der).ok()?;
    let spki = cert.public_key();
    let spki_key: &[u8] = &spki.subject_public_key.data;
    // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING privateKey, … }
    let (info, _) = Tlv::read(pkcs8)?;
    let (_version, rest) = Tlv::read(info.value)?;
    let (alg, rest) = Tlv::read(rest)?;
    let (alg_oid, _) = Tlv::read(alg.value)?;
    let (private, _) = Tlv::read(rest)?;
    match alg_oid.value {
        OID_RSA => {
            // RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, … }
            let (rsa, _) = Tlv::read(private.value)?;
            let (_v, rest) = Tlv::read(rsa.value)?;
            let (n, rest) = Tlv::read(rest)?;
            let (e, _) = Tlv::read(rest)?;
            // RSAPublicKey ::= SEQUENCE { modulus, publicExponent }
            let (pubkey, _) = Tlv::read(spki_key)?;
            let (pn, rest) = Tlv::read(pubkey.value)?;
            let (pe, _) = Tlv::read(rest)?;
            Some(n.value == pn.value && e.value == pe.value)
        }
        OID_EC => {
            // ECPrivateKey ::= SEQUENCE { version, privateKey, [0] params OPTIONAL,
            //                             [1] publicKey BIT STRING OPTIONAL }
            let (ec, _) = Tlv::read(private.value)?;
            let mut rest = ec.value;
            while let Some((item, next)) = Tlv::read(rest) {
                if item.tag == 0xA1 {
                    let (bits, _) = Tlv::read(item.value)?;
                    return Some(bits.value.get(1..)? == spki_key);
                }
                rest = next;
            }
            derived_public_key_matches(pkcs8, spki.raw)
        }
        _ => derived_public_key_matches(pkcs8, spki.raw),
    }
}

fn derived_public_key_matches(pkcs8: &[u8], spki: &[u8]) -> Option<bool> {
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(pkcs8.to_vec().into());
    let signing = rustls::crypto::aws_lc_rs::sign::any_supported_type(&key).ok()?;
    let public = signing.public_key()?;
    Some(public.as_ref() == spki)
}

const OID_SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];

/// One DER element: tag byte and contents. Definite lengths only, which is all DER has;
/// anything else reads as `None`, never a panic.
struct Tlv<'a> {
    tag: u8,
    value: &'a [u8],
    /// The whole element, tag and length included.
    raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    fn read(input: &'a [u8]) -> Option<(Tlv<'a>, &'a [u8])> {
        let tag = *input.first()?;
        // High tag numbers (0x1F) never occur in the structures read here.
        if tag & 0x1F == 0x1F {
            return None;
        }
        let first = *input.get(1)?;
        let (len, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7F);
            if n == 0 || n > 4 {
                return None;
            }
            let mut len = 0usize;
            for b in input.get(2..2 + n)? {
                len = (len << 8) | usize::from(*b);
            }
            (len, 2 + n)
        };
        let end = header.checked_add(len)?;
        let raw = input.get(..end)?;
        Some((
            Tlv {
                tag,
                value: raw.get(header..)?,
                raw,
            },
            input.get(end..)?,
        ))
    }
}

/// The certificates of a PKCS#7 `SignedData`, in file order; `None` if the structure is not
/// one.
pub fn pkcs7_certs(der: &[u8]) -> Option<Vec<Vec<u8>>> {
    // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT SignedData }
    let (info, _) = Tlv::read(der)?;
    let (oid, rest) = Tlv::read(info.value)?;
    if oid.tag != 0x06 || oid.value != OID_SIGNED_DATA {
        return None;
    }
    let (explicit, _) = Tlv::read(rest)?;
    if explicit.tag != 0xA0 {
        return None;
    }
    // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo,
    //                           certificates [0] IMPLICIT SET OF Certificate OPTIONAL, … }
    let (signed, _) = Tlv::read(explicit.value)?;
    let (_version, rest) = Tlv::read(signed.value)?;
    let (_digests, rest) = Tlv::read(rest)?;
    let (_content, mut rest) = Tlv::read(rest)?;
    let mut out = Vec::new();
    while let Some((item, next)) = Tlv::read(rest) {
        if item.tag == 0xA0 {
            let mut certs = item.value;
            while let Some((cert, more)) = Tlv::read(certs) {
                // Only plain certificates (SEQUENCE); attribute certificates are skipped.
                if cert.tag == 0x30 {
                    out.push(cert.raw.to_vec());
                }
                certs = more;
            }
        }
        rest = next;
    }
    Some(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// SHA-1, for the fingerprint Windows shows as the "thumbprint".
pub fn sha1(data: &[u8]) -> [u8; 20] {
    use sha1::Digest as _;
    sha1::Sha1::digest(data).into()
}

/// PEM armour with 64-character lines, as OpenSSL and Windows write it.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    // Encoding into a String cannot fail for a valid label; ours are constants.
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).unwrap_or_default()
}

/// What a conversion wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conversion {
    pub certificate: PathBuf,
    pub key: PathBuf,
    /// Subjects in the order written, leaf first.
    pub chain: Vec<String>,
    pub key_kind: String,
}

impl Conversion {
    /// One line saying what was written.
    pub fn summary(&self) -> String {
        format!(
            "wrote {} ({} certificate{}, leaf first: {}) and {} (the private key, readable by \
             this user only)",
            self.certificate.display(),
            self.chain.len(),
            if self.chain.len() == 1 { "" } else { "s" },
            self.chain.join(" <- "),
            self.key.display()
        )
    }
}

/// Names of the files [`convert_pfx`] writes into its directory.
pub const CERT_PEM: &str = "certificate.pem";
pub const KEY_PEM: &str = "key.pem";

/// Converts a PKCS#12 file to `certificate.pem` (the chain, leaf first) and `key.pem` (PKCS#8,
/// owner-only) in `out_dir`, after checking that the key belongs to the certificate. Refuses
/// to overwrite either file, and writes neither if either exists.
///
/// # Errors
/// When the PFX cannot be read (wrong password, damaged), holds no key, its key does not match,
/// a target file exists, or writing fails.
pub fn convert_pfx(
    path: &Path,
    password: &str,
    out_dir: &Path,
) -> Result<Conversion, CertFileError> {
    let bytes = read_bytes(path)?;
    if detect(&bytes) != Some(Format::Pkcs12) {
        return Err(CertFileError::Damaged {
            path: path.to_owned(),
            format: Format::Pkcs12,
            reason: "the file is not PKCS#12; only a PFX carries the private key to convert"
                .to_owned(),
        });
    }
    let file = parse(path, &bytes, Some(password))?;
    let Some(SecretDer(key_der)) = &file.key_der else {
        return Err(CertFileError::NoPrivateKey {
            path: path.to_owned(),
        });
    };
    if file.key_matches != Some(true) {
        let subject = file
            .certs
            .first()
            .and_then(|c| cert::facts(c, 0, 0).ok())
            .map_or_else(String::new, |f| f.subject);
        return Err(CertFileError::KeyMismatch {
            path: path.to_owned(),
            subject,
        });
    }
    let cert_path = out_dir.join(CERT_PEM);
    let key_path = out_dir.join(KEY_PEM);
    for p in [&cert_path, &key_path] {
        if p.exists() {
            return Err(CertFileError::Exists { path: p.clone() });
        }
    }
    let chain_pem: String = file
        .certs
        .iter()
        .map(|c| pem_encode("CERTIFICATE", c))
        .collect();
    write_new(&cert_path, chain_pem.as_bytes(), false)?;
    let key_pem = pem_encode("PRIVATE KEY", key_der);
    if let Err(e) = write_new(&key_path, key_pem.as_bytes(), true) {
        // Half a conversion is worse than none: the next attempt would refuse to overwrite it.
        let _ = std::fs::remove_file(&cert_path);
        return Err(e);
    }
    let chain = file
        .certs
        .iter()
        .enumerate()
        .filter_map(|(i, c)| cert::facts(c, i, 0).ok())
        .map(|f| f.short_name())
        .collect();
    Ok(Conversion {
        certificate: cert_path,
        key: key_path,
        chain,
        key_kind: "PKCS#8".to_owned(),
    })
}

fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<(), CertFileError> {
    let err = |e: io::Error| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            CertFileError::Exists {
                path: path.to_owned(),
            }
        } else {
            CertFileError::Write {
                path: path.to_owned(),
                source: Arc::new(e),
            }
        }
    };
    // `create_new` makes the refusal to overwrite atomic, not just a check before writing; a
    // key is owner-only from its first byte.
    let mut f = crate::private_file::create_new(path, private).map_err(err)?;
    f.write_all(bytes).map_err(err)?;
    f.sync_all().map_err(err)
}

/// Everything `cert inspect` shows about a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub file: String,
    pub format: Format,
    pub armored: bool,
    pub certificates: Vec<CertFacts>,
    pub private_keys: Vec<KeyFound>,
    pub key_matches: Option<bool>,
}

/// The facts of every certificate in a file, at clock `now`.
///
/// # Errors
/// When a certificate in the file cannot be parsed.
pub fn inspect(file: &CertFile, now: i64) -> Result<Inspection, cert::CertError> {
    let certificates = file
        .certs
        .iter()
        .enumerate()
        .map(|(i, der)| cert::facts(der, i, now))
        .collect::<Result<_, _>>()?;
    Ok(Inspection {
        file: file.path.display().to_string(),
        format: file.format,
        armored: file.armored,
        certificates,
        private_keys: file.keys.clone(),
        key_matches: file.key_matches,
    })
}

impl Inspection {
    /// The server certificate: the one the key belongs to (first, after PKCS#12 ordering),
    /// else the first that is not a CA, else the first.
    pub fn leaf(&self) -> Option<&CertFacts> {
        if self.key_matches == Some(true) {
            return self.certificates.first();
        }
        self.certificates
            .iter()
            .find(|c| c.ca != Some(true))
            .or_else(|| self.certificates.first())
    }
}

/// A check on a file that could not be read: an error result naming why.
pub fn unreadable(check: &str, path: &Path, err: &CertFileError) -> ProbeResult {
    let start = Instant::now();
    let at = crate::stamp::now();
    let verdict = if check == "readable" {
        Verdict::Fail
    } else {
        Verdict::Error
    };
    let j = Judgement {
        verdict,
        summary: err.to_string(),
        evidence: json!({ "file": path.display().to_string(), "error": err.to_string() }),
    };
    cert::stamp(
        ProbeKind::Certfile,
        check,
        &path.display().to_string(),
        j,
        at,
        start,
    )
}

/// `certfile.readable {format}`.
pub fn check_readable(file: &Inspection, format: Option<Format>) -> ProbeResult {
    let start = Instant::now();
    let at = crate::stamp::now();
    let found = file.format;
    let (verdict, summary) = match format {
        Some(want) if want != found => (
            Verdict::Fail,
            format!(
                "{} is a {found} file, not the {want} file the guide asks for: export it again as {want}",
                file.file
            ),
        ),
        _ => (
            Verdict::Pass,
            format!(
                "{} opens as {found}: {} certificate(s), {} private key(s)",
                file.file,
                file.certificates.len(),
                file.private_keys.len()
            ),
        ),
    };
    let j = Judgement {
        verdict,
        summary,
        evidence: json!({ "file": file.file, "format": found, "certificates": file.certificates.len() }),
    };
    cert::stamp(ProbeKind::Certfile, "readable", &file.file, j, at, start)
}

/// `certfile.has_private_key`: an exportable PFX carries its key, and it matches.
pub fn check_has_private_key(file: &Inspection) -> ProbeResult {
    let start = Instant::now();
    let at = crate::stamp::now();
    let (verdict, summary) = match (file.private_keys.is_empty(), file.key_matches) {
        (true, _) => (
            Verdict::Fail,
            format!(
                "{} holds no private key: export the certificate again as PFX with \"Yes, export \
                 the private key\" (a wildcard certificate must be marked exportable)",
                file.file
            ),
        ),
        (false, Some(false)) => (
            Verdict::Fail,
            format!(
                "{} holds a private key that belongs to none of its certificates",
                file.file
            ),
        ),
        (false, _) => (
            Verdict::Pass,
            format!("{} carries the private key of its certificate", file.file),
        ),
    };
    let j = Judgement {
        verdict,
        summary,
        evidence: json!({ "file": file.file, "private_keys": file.private_keys, "key_matches": file.key_matches }),
    };
    cert::stamp(
        ProbeKind::Certfile,
        "has_private_key",
        &file.file,
        j,
        at,
        start,
    )
}

fn leaf_check(
    file: &Inspection,
    check: &str,
    judge: impl FnOnce(&CertFacts) -> Judgement,
) -> ProbeResult {
    let start = Instant::now();
    let at = crate::stamp::now();
    let j = file.leaf().map_or_else(
        || Judgement {
            verdict: Verdict::Error,
            summary: format!("{} holds no certificate", file.file),
            evidence: json!({ "file": file.file }),
        },
        judge,
    );
    cert::stamp(ProbeKind::Certfile, check, &file.file, j, at, start)
}

/// `certfile.not_self_signed`.
pub fn check_not_self_signed(file: &Inspection) -> ProbeResult {
    leaf_check(file, "not_self_signed", cert::judge_not_self_signed)
}

/// `certfile.key_bits {min}`.
pub fn check_key_bits(file: &Inspection, min: usize) -> ProbeResult {
    leaf_check(file, "key_bits", |leaf| cert::judge_key_bits(leaf, min))
}

/// `certfile.signature_hash {allowed}`: the server certificate and the intermediates in the
/// file.
pub fn check_signature_hash(file: &Inspection, allowed: &[String]) -> ProbeResult {
    let start = Instant::now();
    let at = crate::stamp::now();
    let mut chain: Vec<CertFacts> = file.leaf().into_iter().cloned().collect();
    chain.extend(
        file.certificates
            .iter()
            .filter(|c| Some(*c) != file.leaf())
            .cloned(),
    );
    let j = cert::judge_signature_hash(&chain, allowed);
    cert::stamp(
        ProbeKind::Certfile,
        "signature_hash",
        &file.file,
        j,
        at,
        start,
    )
}

/// `certfile.subject_name {name}`: the common name or a SAN is the FQDN (SMP clients validate
/// the CN against the server address).
pub fn check_subject_name(file: &Inspection, name: &str) -> ProbeResult {
    leaf_check(file, "subject_name", |leaf| {
        let cn_is = leaf
            .common_name
            .as_deref()
            .is_some_and(|cn| cn.eq_ignore_ascii_case(name.trim_end_matches('.')));
        let m = cert::hostname_match(leaf, name);
        let (verdict, summary) = match (cn_is, m.matched) {
            (true, true) => (
                Verdict::Pass,
                format!("the common name and SANs cover {name}"),
            ),
            (true, false) => (
                Verdict::Warn,
                format!(
                    "the common name is {name}, but the SANs do not list it: current clients read only the SANs; reissue it with {name} in the SANs"
                ),
            ),
            (false, true) => (
                Verdict::Warn,
                format!(
                    "the SANs cover {name} but the common name is {}: SMP clients compare the CN with the server address; reissue it with CN={name}",
                    leaf.common_name.as_deref().unwrap_or("(none)")
                ),
            ),
            (false, false) => (
                Verdict::Fail,
                format!(
                    "neither the common name ({}) nor the SANs ({}) are {name}: request the certificate with the fully qualified name as its CN and in its SANs",
                    leaf.common_name.as_deref().unwrap_or("none"),
                    leaf.san_dns.join(", ")
                ),
            ),
        };
        Judgement {
            verdict,
            summary,
            evidence: json!({ "name": name, "common_name": leaf.common_name, "san_dns": leaf.san_dns, "match": m }),
        }
    })
}

/// What one certificate file of the site showed, as plain data that survives a session file:
/// every checklist rule on files is judged from it ([`evaluate`]), when `probe` runs and again
/// when an item is matched to the stored result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertFileFacts {
    /// The path as the site gives it.
    pub path: String,
    /// What the file holds, when it could be read.
    pub inspection: Option<Inspection>,
    /// Why it could not be read, in words.
    pub error: Option<String>,
    /// The file itself is the problem (missing, unreadable, not a certificate file, damaged),
    /// as opposed to a password that was not given or is wrong, which says nothing of it.
    pub file_at_fault: bool,
}

/// Reads and inspects a site's certificate file (`password` for a PFX) at clock `now`.
pub fn measure(path: &Path, password: Option<&str>, now: i64) -> CertFileFacts {
    let shown = path.display().to_string();
    let failed = |e: &CertFileError| CertFileFacts {
        path: shown.clone(),
        inspection: None,
        error: Some(match e {
            CertFileError::PasswordNeeded { .. } => format!(
                "{e}: set {PASSWORD_ENV}, or run `preflight probe` in a terminal to be asked"
            ),
            other => other.to_string(),
        }),
        file_at_fault: !matches!(
            e,
            CertFileError::PasswordNeeded { .. } | CertFileError::WrongPassword { .. }
        ),
    };
    let file = match read(path, password) {
        Ok(f) => f,
        Err(e) => return failed(&e),
    };
    match inspect(&file, now) {
        Ok(inspection) => CertFileFacts {
            path: shown,
            inspection: Some(inspection),
            error: None,
            file_at_fault: false,
        },
        Err(e) => CertFileFacts {
            path: shown,
            inspection: None,
            error: Some(format!("a certificate in it cannot be read: {e}")),
            file_at_fault: true,
        },
    }
}

/// Judges one checklist rule on a file's facts. A file that could not be opened fails
/// `readable` when the file is at fault; every other rule is "could not tell" with why.
pub fn evaluate(check: &CertfileCheck, f: &CertFileFacts) -> (Verdict, String) {
    let Some(file) = &f.inspection else {
        let why = f.error.as_deref().unwrap_or("the file was not read");
        return match check {
            CertfileCheck::Readable { .. } if f.file_at_fault => (Verdict::Fail, why.to_owned()),
            _ => (Verdict::Error, format!("{}: could not tell: {why}", f.path)),
        };
    };
    let r = match check {
        CertfileCheck::Readable { format } => check_readable(file, format.map(Format::from)),
        CertfileCheck::HasPrivateKey => check_has_private_key(file),
        CertfileCheck::NotSelfSigned => check_not_self_signed(file),
        CertfileCheck::KeyBits { min } => check_key_bits(file, *min),
        CertfileCheck::SignatureHash { allowed } => check_signature_hash(
            file,
            &allowed
                .iter()
                .map(|h| h.name().to_owned())
                .collect::<Vec<_>>(),
        ),
        CertfileCheck::SubjectName { name: Some(name) } => check_subject_name(file, name),
        CertfileCheck::SubjectName { name: None } => {
            return (
                Verdict::Error,
                format!(
                    "{}: could not tell: the rule names no FQDN to compare the certificate with",
                    f.path
                ),
            );
        }
        CertfileCheck::ChainIncluded => return chain_included(file),
        CertfileCheck::FileName { name } => return file_name(&f.path, name),
        CertfileCheck::NotExpired => return not_expired(file),
    };
    (r.verdict, r.summary)
}

impl From<crate::rules::CertFormat> for Format {
    fn from(f: crate::rules::CertFormat) -> Self {
        match f {
            crate::rules::CertFormat::Pem => Format::Pem,
            crate::rules::CertFormat::Der => Format::Der,
            crate::rules::CertFormat::Pkcs7 => Format::Pkcs7,
            crate::rules::CertFormat::Pkcs12 => Format::Pkcs12,
        }
    }
}

/// The guide's "Include all certificates in the certification path": the file carries the
/// certificate's issuers up to a root, not the certificate alone.
fn chain_included(file: &Inspection) -> (Verdict, String) {
    let Some(leaf) = file.leaf() else {
        return (
            Verdict::Error,
            format!("{}: could not tell: it holds no certificate", file.file),
        );
    };
    if leaf.self_signed {
        return (
            Verdict::Fail,
            format!(
                "{}: the certificate is self-signed, so there is no chain to include (the guide \
                 asks for one from a certificate authority)",
                file.file
            ),
        );
    }
    // Follow issuer names from the leaf through the certificates in the file.
    let mut at = leaf;
    let mut path = vec![leaf.subject.clone()];
    while !at.self_signed {
        let Some(next) = file
            .certificates
            .iter()
            .find(|c| c.subject == at.issuer && c.sha256_fingerprint != at.sha256_fingerprint)
        else {
            break;
        };
        if path.len() > file.certificates.len() {
            break;
        }
        path.push(next.subject.clone());
        at = next;
    }
    if path.len() == 1 {
        (
            Verdict::Fail,
            format!(
                "{} holds the certificate alone, without its issuer ({}): export it again with \
                 \"Include all certificates in the certification path if possible\"",
                file.file, leaf.issuer
            ),
        )
    } else if !at.self_signed {
        (
            Verdict::Fail,
            format!(
                "{} holds part of the chain ({}), but not {}, the issuer of the last one: export \
                 it again with \"Include all certificates in the certification path\"",
                file.file,
                path.join(" → "),
                at.issuer
            ),
        )
    } else {
        (
            Verdict::Pass,
            format!("{} holds the whole chain: {}", file.file, path.join(" → ")),
        )
    }
}

/// The file's name and folder as the guide requires them (`RabbitMQ\Certs\certificate.pfx`),
/// compared whatever the separators and case (Windows paths are case-insensitive).
fn file_name(path: &str, want: &str) -> (Verdict, String) {
    let norm = |p: &str| p.replace('\\', "/").to_ascii_lowercase();
    let (have, need) = (norm(path), norm(want));
    if have == need || have.ends_with(&format!("/{need}")) {
        (
            Verdict::Pass,
            format!("{path} is named as the guide requires"),
        )
    } else {
        (
            Verdict::Fail,
            format!("{path} is not …\\{want}: the guide requires exactly that name and folder"),
        )
    }
}

/// The certificate in the file is within its dates (a warning under 30 days left).
fn not_expired(file: &Inspection) -> (Verdict, String) {
    let Some(leaf) = file.leaf() else {
        return (
            Verdict::Error,
            format!("{}: could not tell: it holds no certificate", file.file),
        );
    };
    if leaf.expired {
        (
            Verdict::Fail,
            format!(
                "{}: the certificate expired on {}: issue a new one",
                file.file, leaf.not_after
            ),
        )
    } else if leaf.not_yet_valid {
        (
            Verdict::Fail,
            format!(
                "{}: the certificate is not valid before {}",
                file.file, leaf.not_before
            ),
        )
    } else if leaf.days_left < 30 {
        (
            Verdict::Warn,
            format!(
                "{}: the certificate expires in {} ({})",
                file.file,
                cert::days(leaf.days_left),
                leaf.not_after
            ),
        )
    } else {
        (
            Verdict::Pass,
            format!("{}: valid until {}", file.file, leaf.not_after),
        )
    }
}

/// What any certificate file of a site is checked for, whatever the checklist: that it opens,
/// its dates, and that the key in a PFX belongs to its certificate.
pub fn findings(f: &CertFileFacts) -> Vec<super::Finding> {
    let mut out = Vec::new();
    let mut push = |(verdict, text): (Verdict, String)| out.push(super::Finding { verdict, text });
    push(evaluate(&CertfileCheck::Readable { format: None }, f));
    if let Some(file) = &f.inspection {
        push(not_expired(file));
        if file.format == Format::Pkcs12 {
            push(evaluate(&CertfileCheck::HasPrivateKey, f));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    #[test]
    fn sha1_known_answers() {
        let hex = |b: [u8; 20]| {
            b.iter().fold(String::new(), |mut s, x| {
                let _ = write!(s, "{x:02x}");
                s
            })
        };
        assert_eq!(hex(sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(hex(sha1(long)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    }

    #[test]
    fn pem_encoding_pads_like_base64() {
        assert_eq!(
            pem_encode("X", b"f"),
            "-----BEGIN X-----\nZg==\n-----END X-----\n"
        );
        assert_eq!(
            pem_encode("X", b"foob"),
            "-----BEGIN X-----\nZm9vYg==\n-----END X-----\n"
        );
        assert_eq!(
            pem_encode("X", b"foo"),
            "-----BEGIN X-----\nZm9v\n-----END X-----\n"
        );
    }

    #[test]
    fn garbage_is_unrecognized_not_a_panic() {
        for bytes in [
            &b""[..],
            b"\x30",
            b"\x30\x84\xff\xff\xff\xff",
            b"hello",
            b"\x30\x03\x02\x01\x03",
        ] {
            assert!(detect(bytes).is_none(), "{bytes:?}");
            assert!(pkcs7_certs(bytes).is_none());
        }
    }

    #[test]
    fn secret_is_redacted_from_debug() {
        let s = SecretDer(vec![1, 2, 3]);
        assert_eq!(format!("{s:?}"), "SecretDer(<redacted>)");
    }
}
