//! Certificate analysis and trust: what a served chain (or a certificate file) says about
//! itself, and whether a client on this machine would trust it.
//!
//! The go-live guides ask for a certificate that is not self-signed, chains to a trusted root,
//! carries the name clients connect to (the common name must be the FQDN for SMP clients),
//! has a 2048-bit key and is signed with the hash the clients can handle (Smart Suite 4.8 needs
//! SHA1; SMP 2.2 clients cannot handle SHA-256). Each of those is a fact here, and each check
//! turns facts into a [`ProbeResult`] whose summary says what to change.
//!
//! Everything is a pure function of DER bytes, a clock value and the trust anchors passed in,
//! so the TLS scanner can feed it the chain it was served and tests get stable verdicts. Trust
//! is decided by rustls's webpki (the same code a rustls client runs), then explained in the
//! words the field uses: the `ActiveSync` note's `Internet_45` is an untrusted root, its
//! `Internet_55` a name mismatch.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use rustls::RootCertStore;
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer as _, X509Certificate};
use x509_parser::public_key::PublicKey;

use super::{Evidence, Facts, ProbeKind, ProbeResult, Verdict};

/// A certificate that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("certificate {index} of the chain is not a readable X.509 certificate: {reason}")]
    Parse { index: usize, reason: String },
    #[error("the chain is empty: the server (or the file) gave no certificate")]
    Empty,
    #[error("{what} is not a usable trust anchor: {reason}")]
    Anchor { what: String, reason: String },
}

/// A certificate's public key, as a person compares it with "2048-bit RSA".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// `RSA`, `EC`, `Ed25519`, `DSA` or the algorithm's OID.
    pub kind: String,
    /// Modulus bits for RSA and DSA, field size for EC.
    pub bits: usize,
    /// `P-256`, `P-384`, `P-521` or the curve's OID, for EC keys.
    pub curve: Option<String>,
}

impl KeyInfo {
    /// The RSA size of equal strength (NIST SP 800-57 table 2), so a P-256 key passes a
    /// "2048-bit" rule the guide wrote with RSA in mind.
    pub fn rsa_equivalent_bits(&self) -> usize {
        match self.kind.as_str() {
            "EC" => match self.bits {
                0..=159 => 512,
                160..=223 => 1024,
                224..=255 => 2048,
                256..=383 => 3072,
                384..=511 => 7680,
                _ => 15360,
            },
            "Ed25519" => 3072,
            "Ed448" => 7680,
            _ => self.bits,
        }
    }

    /// "2048-bit RSA", "EC P-256".
    pub fn describe(&self) -> String {
        match &self.curve {
            Some(curve) => format!("{} {curve}", self.kind),
            None if self.bits > 0 => format!("{}-bit {}", self.bits, self.kind),
            None => self.kind.clone(),
        }
    }
}

/// Whether a certificate whose issuer is its own subject also signed itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfSignature {
    /// Issuer and subject differ: issued by someone else.
    NotSelfIssued,
    /// Same names, and the signature verifies with the certificate's own key.
    Verified,
    /// Same names, and the signature does not verify with its own key (a CA that reused its
    /// name, or a damaged certificate).
    DoesNotVerify,
    /// Same names, but the algorithm (SHA1, MD5, a small RSA key) is one the verifier here no
    /// longer runs; counted as self-signed, because that is what the names say.
    Unverifiable,
}

/// The facts of one certificate.
#[expect(
    clippy::struct_excessive_bools,
    reason = "each flag is a separate fact about the certificate, serialised as it is"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertFacts {
    /// X.509 version (1 or 3); clients built on webpki reject version 1.
    pub version: u32,
    /// RFC 4514-style, as `openssl x509 -subject` prints it.
    pub subject: String,
    pub common_name: Option<String>,
    pub san_dns: Vec<String>,
    pub san_ip: Vec<IpAddr>,
    pub issuer: String,
    /// Hex, colon-separated.
    pub serial: String,
    /// RFC 3339, UTC.
    pub not_before: String,
    pub not_after: String,
    /// Whole days from the clock passed in to `not_after`; negative once expired.
    pub days_left: i64,
    pub expired: bool,
    pub not_yet_valid: bool,
    pub key: KeyInfo,
    /// `sha256WithRSAEncryption`, `ecdsa-with-SHA384`, …
    pub signature_algorithm: String,
    /// `MD5`, `SHA1`, `SHA224`, `SHA256`, `SHA384`, `SHA512`; `None` when the algorithm has
    /// no separate hash (Ed25519) or is unknown.
    pub signature_hash: Option<String>,
    /// A `*.` name in the SANs or the common name.
    pub wildcard: bool,
    pub self_signed: bool,
    pub self_signature: SelfSignature,
    /// Basic constraints: `Some(true)` a CA, `Some(false)` explicitly not, `None` no extension.
    pub ca: Option<bool>,
    pub path_len: Option<u32>,
    /// Extended key usage allows TLS servers; `None` when the extension is absent (any use).
    pub server_auth: Option<bool>,
    pub sha1_fingerprint: String,
    pub sha256_fingerprint: String,
    // The DER names, for ordering a chain; not kept in a session (chains there are in order).
    #[serde(skip)]
    subject_raw: Vec<u8>,
    #[serde(skip)]
    issuer_raw: Vec<u8>,
}

/// Reads the facts of one DER certificate at the clock value `now` (seconds since the epoch).
///
/// # Errors
/// When the bytes are not an X.509 certificate; `index` names its place in the chain.
pub fn facts(der: &[u8], index: usize, now: i64) -> Result<CertFacts, CertError> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| CertError::Parse {
        index,
        reason: e.to_string(),
    })?;
    let tbs = &cert.tbs_certificate;
    let mut san_dns = Vec::new();
    let mut san_ip = Vec::new();
    if let Ok(Some(san)) = tbs.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => san_dns.push((*d).to_owned()),
                GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_from_bytes(bytes) {
                        san_ip.push(ip);
                    }
                }
                _ => {}
            }
        }
    }
    let common_name = tbs
        .subject()
        .iter_common_name()
        .find_map(|cn| cn.as_str().ok())
        .map(str::to_owned);
    let not_before = tbs.validity().not_before.timestamp();
    let not_after = tbs.validity().not_after.timestamp();
    let (signature_algorithm, signature_hash) =
        signature_name(&cert.signature_algorithm.algorithm.to_id_string());
    let subject_raw = tbs.subject().as_raw().to_vec();
    let issuer_raw = tbs.issuer().as_raw().to_vec();
    let self_signature = if subject_raw == issuer_raw {
        match verify_signed_by(&cert, &cert) {
            Some(true) => SelfSignature::Verified,
            Some(false) => SelfSignature::DoesNotVerify,
            None => SelfSignature::Unverifiable,
        }
    } else {
        SelfSignature::NotSelfIssued
    };
    let (ca, path_len) = match tbs.basic_constraints() {
        Ok(Some(bc)) => (Some(bc.value.ca), bc.value.path_len_constraint),
        _ => (None, None),
    };
    let server_auth = match tbs.extended_key_usage() {
        Ok(Some(eku)) => Some(eku.value.server_auth || eku.value.any),
        _ => None,
    };
    let wildcard = san_dns.iter().any(|n| n.starts_with("*."))
        || common_name.as_deref().is_some_and(|n| n.starts_with("*."));
    Ok(CertFacts {
        version: tbs.version().0 + 1,
        subject: tbs.subject().to_string(),
        common_name,
        san_dns,
        san_ip,
        issuer: tbs.issuer().to_string(),
        serial: tbs.raw_serial_as_string(),
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        days_left: (not_after - now).div_euclid(86_400),
        expired: now > not_after,
        not_yet_valid: now < not_before,
        key: key_info(&cert),
        signature_algorithm,
        signature_hash,
        wildcard,
        self_signed: self_signature == SelfSignature::Verified
            || self_signature == SelfSignature::Unverifiable,
        self_signature,
        ca,
        path_len,
        server_auth,
        sha1_fingerprint: hex_colon(&crate::probe::certfile::sha1(der)),
        sha256_fingerprint: hex_colon(&Sha256::digest(der)),
        subject_raw,
        issuer_raw,
    })
}

impl CertFacts {
    /// Whether `other` carries the name this certificate says issued it.
    pub fn named_issuer_is(&self, other: &CertFacts) -> bool {
        self.issuer_raw == other.subject_raw
    }

    /// "CN=spok.example.org" or the whole subject when it has no common name.
    pub fn short_name(&self) -> String {
        self.common_name
            .as_ref()
            .map_or_else(|| self.subject.clone(), |cn| format!("CN={cn}"))
    }
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("@{unix}"))
}

fn hex_colon(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        let _ = write!(out, "{b:02X}");
    }
    out
}

/// The algorithm's name and its hash, from the signature algorithm's OID.
fn signature_name(oid: &str) -> (String, Option<String>) {
    let (name, hash) = match oid {
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", Some("MD5")),
        "1.2.840.113549.1.1.5" => ("sha1WithRSAEncryption", Some("SHA1")),
        "1.2.840.113549.1.1.14" => ("sha224WithRSAEncryption", Some("SHA224")),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", Some("SHA256")),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", Some("SHA384")),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", Some("SHA512")),
        // The hash of RSASSA-PSS sits in its parameters; not read here.
        "1.2.840.113549.1.1.10" => ("RSASSA-PSS", None),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", Some("SHA1")),
        "1.2.840.10045.4.3.1" => ("ecdsa-with-SHA224", Some("SHA224")),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", Some("SHA256")),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", Some("SHA384")),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", Some("SHA512")),
        "1.2.840.10040.4.3" => ("dsa-with-SHA1", Some("SHA1")),
        "2.16.840.1.101.3.4.3.2" => ("dsa-with-SHA256", Some("SHA256")),
        "1.3.101.112" => ("Ed25519", None),
        "1.3.101.113" => ("Ed448", None),
        other => return (other.to_owned(), None),
    };
    (name.to_owned(), hash.map(str::to_owned))
}

fn key_info(cert: &X509Certificate<'_>) -> KeyInfo {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.clone().oid().ok())
        .map(|oid| match oid.to_id_string().as_str() {
            "1.2.840.10045.3.1.7" => "P-256".to_owned(),
            "1.3.132.0.34" => "P-384".to_owned(),
            "1.3.132.0.35" => "P-521".to_owned(),
            other => other.to_owned(),
        });
    let bits = spki.parsed().map_or(0, |k| k.key_size());
    match (alg.as_str(), spki.parsed()) {
        ("1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10", _) | (_, Ok(PublicKey::RSA(_))) => {
            KeyInfo {
                kind: "RSA".to_owned(),
                bits,
                curve: None,
            }
        }
        ("1.2.840.10045.2.1", _) => KeyInfo {
            kind: "EC".to_owned(),
            bits,
            curve,
        },
        ("1.3.101.112", _) => KeyInfo {
            kind: "Ed25519".to_owned(),
            bits: 256,
            curve: None,
        },
        ("1.3.101.113", _) => KeyInfo {
            kind: "Ed448".to_owned(),
            bits: 456,
            curve: None,
        },
        ("1.2.840.10040.4.1", _) => KeyInfo {
            kind: "DSA".to_owned(),
            bits,
            curve: None,
        },
        (other, _) => KeyInfo {
            kind: other.to_owned(),
            bits,
            curve: None,
        },
    }
}

/// Whether `issuer`'s key verifies `cert`'s signature, with the algorithms a rustls client
/// runs. `None` when none of them applies (SHA1, MD5, RSA keys under 2048 bits), so the
/// caller can fall back on names and say that it did.
fn verify_signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> Option<bool> {
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let public_key = &issuer.public_key().subject_public_key.data;
    let message = cert.tbs_certificate.as_ref();
    let signature = &cert.signature_value.data;
    let spki_alg = issuer.public_key().algorithm.algorithm.to_id_string();
    let (_, hash) = signature_name(&cert.signature_algorithm.algorithm.to_id_string());
    // A signature that verifies under any algorithm proves the key made it; trying only the
    // algorithms of the key's family keeps a mismatch from reading as "cannot verify".
    let family: Vec<_> = provider
        .signature_verification_algorithms
        .all
        .iter()
        .filter(|alg| {
            let alg_id = alg.public_key_alg_id();
            let id: &[u8] = alg_id.as_ref();
            let rsa = id == rustls::pki_types::alg_id::RSA_ENCRYPTION.as_ref();
            let ec = id == rustls::pki_types::alg_id::ECDSA_P256.as_ref()
                || id == rustls::pki_types::alg_id::ECDSA_P384.as_ref()
                || id == rustls::pki_types::alg_id::ECDSA_P521.as_ref();
            let ed = id == rustls::pki_types::alg_id::ED25519.as_ref();
            match spki_alg.as_str() {
                "1.2.840.113549.1.1.1" => rsa,
                "1.2.840.10045.2.1" => ec,
                "1.3.101.112" => ed,
                _ => false,
            }
        })
        .collect();
    if family
        .iter()
        .any(|alg| alg.verify_signature(public_key, message, signature).is_ok())
    {
        return Some(true);
    }
    let weak_hash = matches!(hash.as_deref(), Some("SHA1" | "MD5"));
    let small_rsa = spki_alg == "1.2.840.113549.1.1.1"
        && issuer.public_key().parsed().map_or(0, |k| k.key_size()) < 2048;
    if family.is_empty() || weak_hash || small_rsa {
        None
    } else {
        Some(false)
    }
}

/// How the served chain is put together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainOrder {
    /// For each certificate but the last: whether the next one issued it (names match and,
    /// where the algorithm allows, the signature verifies).
    pub issued_by_next: Vec<bool>,
    /// Every certificate is issued by the next one.
    pub in_order: bool,
    /// Some certificate's issuer is in the chain, but not right after it.
    pub out_of_order: bool,
    /// The last served certificate is not self-signed and its issuer was not served: the
    /// issuer's name. Either an intermediate is missing or the root is expected to be known.
    pub missing_issuer: Option<String>,
}

fn chain_order(parsed: &[X509Certificate<'_>], facts: &[CertFacts]) -> ChainOrder {
    let issued = |i: usize, j: usize| {
        facts[i].named_issuer_is(&facts[j])
            && verify_signed_by(&parsed[i], &parsed[j]) != Some(false)
    };
    let issued_by_next: Vec<bool> = (0..facts.len().saturating_sub(1))
        .map(|i| issued(i, i + 1))
        .collect();
    let in_order = issued_by_next.iter().all(|b| *b);
    let out_of_order = (0..facts.len()).any(|i| {
        !issued_by_next.get(i).copied().unwrap_or(true)
            && (0..facts.len()).any(|j| j != i && j != i + 1 && issued(i, j))
    });
    let missing_issuer = facts.last().and_then(|last| {
        let served = facts.iter().any(|f| last.named_issuer_is(f));
        (!last.self_signed && !served).then(|| last.issuer.clone())
    });
    ChainOrder {
        issued_by_next,
        in_order,
        out_of_order,
        missing_issuer,
    }
}

/// Where trust comes from: the system's roots (or webpki-roots when the system has none) and
/// the site's own CA certificates.
#[derive(Debug, Clone)]
pub struct TrustAnchors {
    store: Arc<RootCertStore>,
    /// `system`, `webpki-roots` or `none`.
    pub source: &'static str,
    pub system_count: usize,
    /// Subjects of the CA certificates given with `--ca`.
    pub extra: Vec<String>,
}

impl TrustAnchors {
    /// No roots at all: only what is added later is trusted (tests, and "trust only the
    /// site's CA").
    pub fn empty() -> Self {
        TrustAnchors {
            store: Arc::new(RootCertStore::empty()),
            source: "none",
            system_count: 0,
            extra: Vec::new(),
        }
    }

    /// The roots this machine trusts, read from the platform's store; the Mozilla roots
    /// compiled in (webpki-roots) when the platform gives none, as on a bare container.
    pub fn system() -> Self {
        let found = rustls_native_certs::load_native_certs();
        let mut store = RootCertStore::empty();
        let (added, _ignored) = store.add_parsable_certificates(found.certs);
        let source = if added == 0 {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            "webpki-roots"
        } else {
            "system"
        };
        TrustAnchors {
            system_count: store.len(),
            store: Arc::new(store),
            source,
            extra: Vec::new(),
        }
    }

    /// Trusts one more CA certificate (the site's root, from `--ca`).
    ///
    /// # Errors
    /// When the certificate cannot serve as a trust anchor.
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), CertError> {
        let f = facts(der, 0, 0).map_err(|e| CertError::Anchor {
            what: "a --ca certificate".to_owned(),
            reason: e.to_string(),
        })?;
        Arc::make_mut(&mut self.store)
            .add(CertificateDer::from(der.to_vec()))
            .map_err(|e| CertError::Anchor {
                what: f.subject.clone(),
                reason: e.to_string(),
            })?;
        self.extra.push(f.subject);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }
}

/// Why a chain is not trusted, in the categories the field uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Distrust {
    /// The chain ends at a CA this machine does not trust (`ActiveSync` `Internet_45`).
    UnknownIssuer,
    /// The server sent only its own certificate and its issuer is neither sent nor trusted:
    /// most often a missing intermediate.
    IncompleteChain,
    SelfSigned,
    Expired,
    NotYetValid,
    /// The names do not cover the host clients use (`ActiveSync` `Internet_55`).
    NameMismatch,
    /// Not allowed for TLS servers (extended key usage), or a CA constraint broken.
    WrongUsage,
    BadSignature,
    /// Signed with an algorithm current clients refuse (SHA1, MD5, a small RSA key).
    WeakSignature,
    /// Not a certificate webpki reads (X.509 v1, a damaged encoding).
    BadEncoding,
    Other,
}

impl Distrust {
    pub fn name(self) -> &'static str {
        match self {
            Distrust::UnknownIssuer => "unknown_issuer",
            Distrust::IncompleteChain => "incomplete_chain",
            Distrust::SelfSigned => "self_signed",
            Distrust::Expired => "expired",
            Distrust::NotYetValid => "not_yet_valid",
            Distrust::NameMismatch => "name_mismatch",
            Distrust::WrongUsage => "wrong_usage",
            Distrust::BadSignature => "bad_signature",
            Distrust::WeakSignature => "weak_signature",
            Distrust::BadEncoding => "bad_encoding",
            Distrust::Other => "other",
        }
    }

    /// The error a Windows Mobile `ActiveSync` client shows for this, where the note names one.
    pub fn field_error(self) -> Option<&'static str> {
        match self {
            Distrust::UnknownIssuer | Distrust::IncompleteChain | Distrust::SelfSigned => {
                Some("Internet_45")
            }
            Distrust::NameMismatch => Some("Internet_55"),
            _ => None,
        }
    }
}

/// The trust verdict on a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trust {
    pub trusted: bool,
    pub reason: Option<Distrust>,
    /// Plain words: what is wrong and what to change.
    pub detail: String,
    /// What webpki said, for the evidence.
    pub verifier: Option<String>,
}

/// How a host name matched the leaf certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameMatch {
    pub name: String,
    pub matched: bool,
    /// The SAN (or common name) that matched.
    pub by: Option<String>,
    /// Matched only through the common name: old clients accept that, current ones read only
    /// the SANs.
    pub common_name_only: bool,
}

/// Whether `name` (a DNS name or an IP address) is covered by the leaf's names, by the rules
/// browsers and webpki apply: case-insensitive, a trailing dot ignored, a wildcard standing for
/// exactly one whole left-most label and never for a bare top-level domain, IP addresses only
/// against IP SANs. The common name is consulted only when the certificate has no DNS SANs.
pub fn hostname_match(leaf: &CertFacts, name: &str) -> NameMatch {
    let wanted = name.trim_end_matches('.').to_ascii_lowercase();
    let mut out = NameMatch {
        name: name.to_owned(),
        matched: false,
        by: None,
        common_name_only: false,
    };
    if let Ok(ip) = wanted.trim_matches(['[', ']']).parse::<IpAddr>() {
        if let Some(found) = leaf.san_ip.iter().find(|i| **i == ip) {
            out.matched = true;
            out.by = Some(found.to_string());
        }
        return out;
    }
    if let Some(san) = leaf.san_dns.iter().find(|p| dns_matches(p, &wanted)) {
        out.matched = true;
        out.by = Some(san.clone());
    } else if leaf.san_dns.is_empty()
        && let Some(cn) = leaf
            .common_name
            .as_ref()
            .filter(|cn| dns_matches(cn, &wanted))
    {
        out.matched = true;
        out.by = Some(cn.clone());
        out.common_name_only = true;
    }
    out
}

fn dns_matches(presented: &str, wanted: &str) -> bool {
    let presented = presented.trim_end_matches('.').to_ascii_lowercase();
    if let Some(rest) = presented.strip_prefix("*.") {
        // `*.org` would cover a whole top-level domain; no client honours that.
        if !rest.contains('.') || rest.contains('*') {
            return false;
        }
        return wanted
            .split_once('.')
            .is_some_and(|(label, parent)| !label.is_empty() && parent == rest);
    }
    !presented.contains('*') && presented == wanted
}

/// Everything known about a served chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// As served, leaf first.
    pub chain: Vec<CertFacts>,
    pub order: ChainOrder,
    pub trust: Trust,
    /// Present when a host name was given.
    pub name: Option<NameMatch>,
    /// The clock the verdicts were made at (seconds since the epoch).
    pub at: i64,
}

impl ChainReport {
    /// The server's own certificate.
    pub fn leaf(&self) -> &CertFacts {
        // `analyze` refuses an empty chain, so there is always a first certificate.
        &self.chain[0]
    }
}

/// Analyzes a chain as served (leaf first), at clock `now` (seconds since the epoch), for
/// clients that connect to `host` (when given) and trust `anchors`.
///
/// # Errors
/// When the chain is empty or a certificate cannot be parsed at all.
pub fn analyze(
    chain: &[Vec<u8>],
    host: Option<&str>,
    now: i64,
    anchors: &TrustAnchors,
) -> Result<ChainReport, CertError> {
    if chain.is_empty() {
        return Err(CertError::Empty);
    }
    let mut parsed = Vec::with_capacity(chain.len());
    for (index, der) in chain.iter().enumerate() {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| CertError::Parse {
            index,
            reason: e.to_string(),
        })?;
        parsed.push(cert);
    }
    let facts: Vec<CertFacts> = chain
        .iter()
        .enumerate()
        .map(|(i, der)| facts(der, i, now))
        .collect::<Result<_, _>>()?;
    let order = chain_order(&parsed, &facts);
    let name = host.map(|h| hostname_match(&facts[0], h));
    let trust = trust(chain, &facts, &order, host, now, anchors);
    Ok(ChainReport {
        chain: facts,
        order,
        trust,
        name,
        at: now,
    })
}

#[expect(
    clippy::too_many_lines,
    reason = "one table from webpki's errors to the field's words; split, it would scatter"
)]
fn trust(
    chain: &[Vec<u8>],
    facts: &[CertFacts],
    order: &ChainOrder,
    host: Option<&str>,
    now: i64,
    anchors: &TrustAnchors,
) -> Trust {
    use rustls::CertificateError as E;
    let leaf = &facts[0];
    let untrusted = |reason: Distrust, detail: String, verifier: Option<String>| Trust {
        trusted: false,
        reason: Some(reason),
        detail,
        verifier,
    };
    let end_entity = CertificateDer::from(chain[0].as_slice());
    let intermediates: Vec<CertificateDer<'_>> = chain[1..]
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let parsed = match ParsedCertificate::try_from(&end_entity) {
        Ok(p) => p,
        Err(e) => {
            let detail = if leaf.version == 1 {
                "the server certificate is X.509 version 1 (no extensions, no SANs); current \
                 clients refuse it: reissue it as version 3 with the host name in the SANs"
                    .to_owned()
            } else {
                format!("the server certificate cannot be read by a TLS client: {e}")
            };
            return untrusted(Distrust::BadEncoding, detail, Some(e.to_string()));
        }
    };
    let secs = u64::try_from(now).unwrap_or(0);
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
    let algs = rustls::crypto::aws_lc_rs::default_provider()
        .signature_verification_algorithms
        .all;
    let verdict = verify_server_cert_signed_by_trust_anchor(
        &parsed,
        &anchors.store,
        &intermediates,
        time,
        algs,
    );
    let err = match verdict {
        Ok(()) => {
            if let Some(h) = host {
                let name_ok = ServerName::try_from(h.to_owned())
                    .ok()
                    .is_some_and(|sn| verify_server_name(&parsed, &sn).is_ok());
                if !name_ok {
                    return untrusted(
                        Distrust::NameMismatch,
                        name_mismatch_detail(leaf, h),
                        Some("certificate not valid for name".to_owned()),
                    );
                }
            }
            return Trust {
                trusted: true,
                reason: None,
                detail: format!(
                    "the chain leads to a trusted root ({})",
                    trusted_root_words(facts, anchors)
                ),
                verifier: None,
            };
        }
        Err(e) => e,
    };
    let verifier = Some(err.to_string());
    let rustls::Error::InvalidCertificate(cert_err) = err else {
        return untrusted(
            Distrust::Other,
            format!("the chain could not be checked: {err}"),
            verifier,
        );
    };
    match cert_err {
        // Whatever webpki objects to first (an unknown issuer, or `CaUsedAsEndEntity` for the
        // CA:TRUE certificates `openssl req -x509` makes), a self-signed leaf is the finding.
        _ if leaf.self_signed => untrusted(
            Distrust::SelfSigned,
            format!(
                "the server certificate {} is self-signed; clients will not trust it \
                 (ActiveSync Internet_45): replace it with one issued by a trusted CA",
                leaf.short_name()
            ),
            verifier,
        ),
        E::UnknownIssuer => {
            let missing = order.missing_issuer.clone().unwrap_or_default();
            if facts.len() == 1 && !leaf.self_signed {
                untrusted(
                    Distrust::IncompleteChain,
                    format!(
                        "the server sent only its own certificate, and its issuer \
                         {missing} is neither sent nor trusted: add the intermediate \
                         certificate(s) to the server's certificate binding; if {missing} is \
                         the site's own root CA, install it on the clients (ActiveSync \
                         Internet_45)"
                    ),
                    verifier,
                )
            } else {
                let root = facts.last().map_or_else(String::new, CertFacts::short_name);
                let words = if order.missing_issuer.is_some() {
                    format!(
                        "the chain ends at {root}, issued by {missing}, which this machine does not trust"
                    )
                } else {
                    format!("the chain ends at the root {root}, which this machine does not trust")
                };
                untrusted(
                    Distrust::UnknownIssuer,
                    format!(
                        "{words} (untrusted root, ActiveSync Internet_45): use a certificate \
                         from a trusted CA, or install the site's root CA on every client \
                         (and pass it here with --ca)"
                    ),
                    verifier,
                )
            }
        }
        E::Expired | E::ExpiredContext { .. } => {
            let which = facts.iter().find(|f| f.expired).unwrap_or(leaf);
            untrusted(
                Distrust::Expired,
                format!(
                    "{} expired on {} ({} ago): renew it",
                    which.short_name(),
                    which.not_after,
                    days(-which.days_left)
                ),
                verifier,
            )
        }
        E::NotValidYet | E::NotValidYetContext { .. } => {
            let which = facts.iter().find(|f| f.not_yet_valid).unwrap_or(leaf);
            untrusted(
                Distrust::NotYetValid,
                format!(
                    "{} is not valid until {}: check this machine's clock and the server's, \
                     or wait",
                    which.short_name(),
                    which.not_before
                ),
                verifier,
            )
        }
        E::NotValidForName | E::NotValidForNameContext { .. } => untrusted(
            Distrust::NameMismatch,
            name_mismatch_detail(leaf, host.unwrap_or_default()),
            verifier,
        ),
        E::InvalidPurpose | E::InvalidPurposeContext { .. } => untrusted(
            Distrust::WrongUsage,
            format!(
                "{} is not issued for TLS servers (its extended key usage lacks serverAuth), \
                 or a CA in the chain may not issue it: request a web server certificate",
                leaf.short_name()
            ),
            verifier,
        ),
        E::BadSignature => untrusted(
            Distrust::BadSignature,
            "a signature in the chain does not verify: the certificates do not belong \
             together; reinstall the chain from the CA"
                .to_owned(),
            verifier,
        ),
        #[expect(
            deprecated,
            reason = "rustls still reports the variant without context"
        )]
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext { .. }
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            let weak = facts
                .iter()
                .find(|f| matches!(f.signature_hash.as_deref(), Some("SHA1" | "MD5")))
                .map_or_else(
                    || "an algorithm current clients refuse".to_owned(),
                    |f| {
                        format!(
                            "{} ({}), which current clients refuse",
                            f.signature_algorithm,
                            f.short_name()
                        )
                    },
                );
            untrusted(
                Distrust::WeakSignature,
                format!("the chain is signed with {weak}: reissue it with SHA-256"),
                verifier,
            )
        }
        E::BadEncoding => untrusted(
            Distrust::BadEncoding,
            "a certificate in the chain cannot be read by TLS clients (X.509 version 1, or a \
             damaged encoding): reissue it as version 3"
                .to_owned(),
            verifier,
        ),
        other => untrusted(
            Distrust::Other,
            format!("the chain is not trusted: {other}"),
            verifier,
        ),
    }
}

fn trusted_root_words(facts: &[CertFacts], anchors: &TrustAnchors) -> String {
    let last = facts.last().map(|f| f.issuer.clone()).unwrap_or_default();
    if anchors.extra.contains(&last) {
        format!("{last}, given with --ca")
    } else {
        last
    }
}

fn name_mismatch_detail(leaf: &CertFacts, host: &str) -> String {
    let mut names: Vec<String> = leaf.san_dns.clone();
    names.extend(leaf.san_ip.iter().map(ToString::to_string));
    let shown = if names.is_empty() {
        format!(
            "it has no SANs, only the common name {}",
            leaf.common_name.as_deref().unwrap_or("(none)")
        )
    } else {
        format!("it names {}", names.join(", "))
    };
    format!(
        "the certificate does not cover {host}: {shown} (name mismatch, ActiveSync \
         Internet_55): reissue it with {host} in the SANs (and as the CN for older clients), \
         or have clients connect by a name it covers"
    )
}

/// `n` whole days in words: "1 day", "3 days".
pub fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

/// A verdict and its one-line summary, before it is stamped into a [`ProbeResult`]; shared by
/// the TLS checks here and the certificate-file checks in `certfile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub verdict: Verdict,
    pub summary: String,
    pub evidence: serde_json::Value,
}

/// `cert_not_self_signed` / `not_self_signed`.
pub fn judge_not_self_signed(leaf: &CertFacts) -> Judgement {
    let (verdict, summary) = if leaf.self_signed {
        (
            Verdict::Fail,
            format!(
                "{} is self-signed; the guides do not allow that: request a certificate from a \
                 trusted CA (a public one, or the site's CA installed on every client)",
                leaf.short_name()
            ),
        )
    } else {
        (
            Verdict::Pass,
            format!("{} is issued by {}", leaf.short_name(), leaf.issuer),
        )
    };
    Judgement {
        verdict,
        summary,
        evidence: json!({
            "subject": leaf.subject,
            "issuer": leaf.issuer,
            "self_signed": leaf.self_signed,
            "self_signature": leaf.self_signature,
        }),
    }
}

/// `cert_key_bits` / `key_bits`: the key at least `min` bits, EC keys by RSA-equivalent
/// strength.
pub fn judge_key_bits(leaf: &CertFacts, min: usize) -> Judgement {
    let eq = leaf.key.rsa_equivalent_bits();
    let equivalent = if leaf.key.kind == "RSA" || leaf.key.kind == "DSA" {
        String::new()
    } else {
        format!(" (as strong as {eq}-bit RSA)")
    };
    let (verdict, summary) = if eq >= min {
        (
            Verdict::Pass,
            format!(
                "{} has a {} key{equivalent}",
                leaf.short_name(),
                leaf.key.describe()
            ),
        )
    } else {
        (
            Verdict::Fail,
            format!(
                "{} has a {} key{equivalent}, under the {min} bits required: request a new \
                 certificate with a {min}-bit (or larger) RSA key",
                leaf.short_name(),
                leaf.key.describe()
            ),
        )
    };
    Judgement {
        verdict,
        summary,
        evidence: json!({ "key": leaf.key, "rsa_equivalent_bits": eq, "min": min }),
    }
}

/// `cert_signature_hash` / `signature_hash`: the leaf and every served intermediate (a root's
/// own signature is never checked by clients) signed with one of `allowed`.
pub fn judge_signature_hash(chain: &[CertFacts], allowed: &[String]) -> Judgement {
    let allowed_up: Vec<String> = allowed
        .iter()
        .map(|a| a.to_ascii_uppercase().replace('-', ""))
        .collect();
    let judged: Vec<&CertFacts> = chain
        .iter()
        .enumerate()
        .filter(|(i, f)| *i == 0 || !f.self_signed)
        .map(|(_, f)| f)
        .collect();
    let bad: Vec<String> = judged
        .iter()
        .filter(|f| {
            !f.signature_hash
                .as_ref()
                .is_some_and(|h| allowed_up.contains(h))
        })
        .map(|f| {
            format!(
                "{} is signed with {}",
                f.short_name(),
                f.signature_hash
                    .as_deref()
                    .unwrap_or(&f.signature_algorithm)
            )
        })
        .collect();
    let evidence = json!({
        "allowed": allowed,
        "chain": judged.iter().map(|f| json!({
            "subject": f.subject,
            "signature_algorithm": f.signature_algorithm,
            "signature_hash": f.signature_hash,
        })).collect::<Vec<_>>(),
    });
    let leaf = judged.first().map_or_else(String::new, |f| {
        f.signature_hash
            .clone()
            .unwrap_or_else(|| f.signature_algorithm.clone())
    });
    let (verdict, summary) = if bad.is_empty() {
        (
            Verdict::Pass,
            format!("signed with {leaf}, which the clients in use accept"),
        )
    } else {
        (
            Verdict::Fail,
            format!(
                "{}; the clients in use need {}: reissue the certificate with that hash \
                 (Smart Suite 4.8 needs SHA1, SMP 2.2 clients cannot handle SHA-256)",
                bad.join("; "),
                allowed.join(" or ")
            ),
        )
    };
    Judgement {
        verdict,
        summary,
        evidence,
    }
}

/// `cert_hostname_match`.
pub fn judge_hostname(leaf: &CertFacts, name: &str) -> Judgement {
    let m = hostname_match(leaf, name);
    let (verdict, summary) = if m.matched && m.common_name_only {
        (
            Verdict::Warn,
            format!(
                "{name} matches only the common name; current clients read only the SANs: \
                 reissue the certificate with {name} in the SANs"
            ),
        )
    } else if m.matched {
        (
            Verdict::Pass,
            format!(
                "{name} is covered by {}",
                m.by.as_deref().unwrap_or_default()
            ),
        )
    } else {
        (Verdict::Fail, name_mismatch_detail(leaf, name))
    };
    Judgement {
        verdict,
        summary,
        evidence: json!({
            "match": m,
            "san_dns": leaf.san_dns,
            "san_ip": leaf.san_ip,
            "common_name": leaf.common_name,
        }),
    }
}

/// Stamps a judgement into a result.
pub fn stamp(
    kind: ProbeKind,
    check: &str,
    target: &str,
    j: Judgement,
    at: String,
    start: Instant,
) -> ProbeResult {
    ProbeResult {
        kind,
        check: check.to_owned(),
        target: target.to_owned(),
        verdict: j.verdict,
        summary: j.summary,
        evidence: Evidence::of(Facts::Seen(j.evidence)),
        at,
        ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// `tls.cert_trusted`.
pub fn check_trusted(report: &ChainReport, target: &str) -> ProbeResult {
    let start = Instant::now();
    let at = crate::stamp::now();
    let t = &report.trust;
    let j = Judgement {
        verdict: if t.trusted {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        summary: t.detail.clone(),
        evidence: json!({
            "trusted": t.trusted,
            "reason": t.reason.map(Distrust::name),
            "field_error": t.reason.and_then(Distrust::field_error),
            "verifier": t.verifier,
            "order": report.order,
            "chain": report.chain.iter().map(|f| json!({
                "subject": f.subject, "issuer": f.issuer, "not_after": f.not_after,
            })).collect::<Vec<_>>(),
        }),
    };
    stamp(ProbeKind::Tls, "cert_trusted", target, j, at, start)
}

/// `tls.cert_not_self_signed`.
pub fn check_not_self_signed(report: &ChainReport, target: &str) -> ProbeResult {
    let start = Instant::now();
    let at = crate::stamp::now();
    let j = judge_not_self_signed(report.leaf());
    stamp(ProbeKind::Tls, "cert_not_self_signed", target, j, at, start)
}

/// `tls.cert_hostname_match {name}`: `name` defaults to the host probed.
pub fn check_hostname_match(report: &ChainReport, target: &str, name: &str) -> ProbeResult {
    let start = Instant::now();
    let at = crate::stamp::now();
    let j = judge_hostname(report.leaf(), name);
    stamp(ProbeKind::Tls, "cert_hostname_match", target, j, at, start)
}

/// `tls.cert_key_bits {min}`.
pub fn check_key_bits(report: &ChainReport, target: &str, min: usize) -> ProbeResult {
    let start = Instant::now();
    let at = crate::stamp::now();
    let j = judge_key_bits(report.leaf(), min);
    stamp(ProbeKind::Tls, "cert_key_bits", target, j, at, start)
}

/// `tls.cert_signature_hash {allowed}`.
pub fn check_signature_hash(report: &ChainReport, target: &str, allowed: &[String]) -> ProbeResult {
    let start = Instant::now();
    let at = crate::stamp::now();
    let j = judge_signature_hash(&report.chain, allowed);
    stamp(ProbeKind::Tls, "cert_signature_hash", target, j, at, start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_day_is_singular() {
        assert_eq!(days(1), "1 day");
        assert_eq!(days(0), "0 days");
        assert_eq!(days(29), "29 days");
    }

    fn leaf(sans: &[&str], cn: Option<&str>) -> CertFacts {
        CertFacts {
            version: 3,
            subject: String::new(),
            common_name: cn.map(str::to_owned),
            san_dns: sans.iter().map(|s| (*s).to_owned()).collect(),
            san_ip: vec!["10.0.0.5".parse().expect("ip")],
            issuer: String::new(),
            serial: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            days_left: 0,
            expired: false,
            not_yet_valid: false,
            key: KeyInfo {
                kind: "RSA".to_owned(),
                bits: 2048,
                curve: None,
            },
            signature_algorithm: String::new(),
            signature_hash: None,
            wildcard: false,
            self_signed: false,
            self_signature: SelfSignature::NotSelfIssued,
            ca: None,
            path_len: None,
            server_auth: None,
            sha1_fingerprint: String::new(),
            sha256_fingerprint: String::new(),
            subject_raw: Vec::new(),
            issuer_raw: Vec::new(),
        }
    }

    #[test]
    fn wildcard_rules() {
        let cases = [
            ("*.example.org", "spok.example.org", true),
            ("*.example.org", "SPOK.Example.org.", true),
            ("*.example.org", "example.org", false),
            ("*.example.org", "a.b.example.org", false),
            ("*.org", "example.org", false),
            ("f*.example.org", "foo.example.org", false),
            ("spok.example.org", "spok.example.org", true),
        ];
        for (presented, host, want) in cases {
            let m = hostname_match(&leaf(&[presented], None), host);
            assert_eq!(m.matched, want, "{presented} vs {host}");
        }
    }

    #[test]
    fn ip_only_against_ip_sans_and_cn_only_without_sans() {
        assert!(hostname_match(&leaf(&["10.0.0.6"], None), "10.0.0.5").matched);
        assert!(!hostname_match(&leaf(&[], None), "10.0.0.6").matched);
        let m = hostname_match(&leaf(&[], Some("spok.example.org")), "spok.example.org");
        assert!(m.matched && m.common_name_only);
        let m = hostname_match(
            &leaf(&["x.example.org"], Some("spok.example.org")),
            "spok.example.org",
        );
        assert!(!m.matched, "the CN is ignored once there are DNS SANs");
    }

    #[test]
    fn ec_keys_judged_by_rsa_equivalent() {
        let mut f = leaf(&[], None);
        f.key = KeyInfo {
            kind: "EC".to_owned(),
            bits: 256,
            curve: Some("P-256".to_owned()),
        };
        assert_eq!(judge_key_bits(&f, 2048).verdict, Verdict::Pass);
        f.key = KeyInfo {
            kind: "RSA".to_owned(),
            bits: 1024,
            curve: None,
        };
        assert_eq!(judge_key_bits(&f, 2048).verdict, Verdict::Fail);
    }

    #[test]
    fn signature_names() {
        assert_eq!(
            signature_name("1.2.840.113549.1.1.5").1.as_deref(),
            Some("SHA1")
        );
        assert_eq!(
            signature_name("1.2.840.113549.1.1.4").1.as_deref(),
            Some("MD5")
        );
        assert_eq!(
            signature_name("1.2.840.10045.4.3.3").1.as_deref(),
            Some("SHA384")
        );
        assert_eq!(signature_name("1.2.3").1, None);
    }
}
