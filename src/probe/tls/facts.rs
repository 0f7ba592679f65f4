//! What a TLS endpoint showed, as plain data that survives a session file: the protocols and
//! suites it accepts and the certificate it serves. Every TLS rule of a checklist is judged
//! from these facts ([`evaluate`]), here when `preflight tls` runs and again later when an
//! item is matched to a stored result, so the two always agree. The generic findings and the
//! grade come from the same facts.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::scan::{self, Options, ScanReport};
use super::suites::{self, Suite};
use crate::probe::Verdict;
use crate::probe::cert::{self, ChainReport, TrustAnchors};
use crate::rules::{Require, TLS_VERSIONS, TlsCheck, TlsVersion};

/// One protocol version as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolFacts {
    /// `SSLv3`, `TLSv1.0` … `TLSv1.3`.
    pub version: String,
    pub offered: bool,
    /// IANA names, in the server's preference order when it has one.
    pub cipher_suites: Vec<String>,
    /// Key-exchange groups accepted (`x25519`, `secp256r1`, …).
    #[serde(default)]
    pub groups: Vec<String>,
    /// `server`, `client`, `unknown` or `not_applicable`.
    #[serde(default)]
    pub preference: String,
    /// Not offered, and the server said so on purpose (an alert, a close, another version):
    /// neither this nor `offered` means the scan could not tell.
    #[serde(default)]
    pub refused: bool,
    /// How it was refused, or what kept the scan from telling.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The served chain's facts that the rules and the report need.
#[expect(
    clippy::struct_excessive_bools,
    reason = "each flag is a separate fact about the certificate, serialised as it is"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateFacts {
    pub subject: String,
    pub san: Vec<String>,
    pub issuer: String,
    pub not_after: String,
    pub days_left: i64,
    pub key_type: String,
    pub key_bits: usize,
    /// The RSA size of equal strength, for "2048-bit" rules on EC keys.
    pub key_strength: usize,
    pub signature_hash: Option<String>,
    /// The signature hashes of every served certificate a client checks (not self-signed roots).
    pub chain_hashes: Vec<String>,
    pub self_signed: bool,
    pub expired: bool,
    pub not_yet_valid: bool,
    pub wildcard: bool,
    /// Whether the name clients connect to is covered; `None` without a name.
    pub hostname_match: Option<bool>,
    pub hostname: Option<String>,
    /// As served: subject, issuer and SHA-256 fingerprint of each certificate, leaf first.
    pub chain: Vec<ChainEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainEntry {
    pub subject: String,
    pub issuer: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustFacts {
    pub trusted: bool,
    /// `unknown_issuer`, `incomplete_chain`, `self_signed`, `expired`, … (`None` when trusted).
    pub reason: Option<String>,
    /// Plain words, with the ActiveSync error a device would show where there is one.
    pub detail: String,
}

/// Everything known about one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsFacts {
    pub host: String,
    pub port: u16,
    pub sni: Option<String>,
    pub protocols: Vec<ProtocolFacts>,
    pub certificate: Option<CertificateFacts>,
    pub trust: Option<TrustFacts>,
    /// What went wrong, in words (unreachable, reset, not TLS, a certificate that did not parse).
    pub errors: Vec<String>,
    /// False when the scan stopped at its time limit, or because the server limited it.
    pub complete: bool,
}

impl TlsFacts {
    /// The facts of a scan and, when the server served a chain, its analysis.
    pub fn new(scan: &ScanReport, chain: Option<&ChainReport>, cert_error: Option<String>) -> Self {
        let protocols = scan
            .protocols
            .iter()
            .map(|p| ProtocolFacts {
                version: p.version.name().to_owned(),
                offered: p.offered,
                cipher_suites: p.cipher_suites.iter().map(|s| s.name.to_owned()).collect(),
                groups: p.groups.iter().map(|g| g.name()).collect(),
                preference: serde_json::to_value(p.preference)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_lowercase))
                    .unwrap_or_default(),
                refused: p.refused,
                note: p.note.clone(),
            })
            .collect();
        let certificate = chain.map(|c| {
            let leaf = c.leaf();
            CertificateFacts {
                subject: leaf.subject.clone(),
                san: leaf
                    .san_dns
                    .iter()
                    .cloned()
                    .chain(leaf.san_ip.iter().map(ToString::to_string))
                    .collect(),
                issuer: leaf.issuer.clone(),
                not_after: leaf.not_after.clone(),
                days_left: leaf.days_left,
                key_type: leaf.key.describe(),
                key_bits: leaf.key.bits,
                key_strength: leaf.key.rsa_equivalent_bits(),
                signature_hash: leaf.signature_hash.clone(),
                // The leaf's own hash always counts; above it, the certificates a client checks
                // (a self-signed root's signature is never checked).
                chain_hashes: c
                    .chain
                    .iter()
                    .enumerate()
                    .filter(|(n, f)| *n == 0 || !f.self_signed)
                    .filter_map(|(_, f)| f.signature_hash.clone())
                    .collect(),
                self_signed: leaf.self_signed,
                expired: leaf.expired,
                not_yet_valid: leaf.not_yet_valid,
                wildcard: leaf.wildcard,
                hostname_match: c.name.as_ref().map(|n| n.matched),
                hostname: c.name.as_ref().map(|n| n.name.clone()),
                chain: c
                    .chain
                    .iter()
                    .map(|f| ChainEntry {
                        subject: f.subject.clone(),
                        issuer: f.issuer.clone(),
                        sha256: f.sha256_fingerprint.clone(),
                    })
                    .collect(),
            }
        });
        let trust = chain.map(|c| TrustFacts {
            trusted: c.trust.trusted,
            reason: c.trust.reason.map(|r| r.name().to_owned()),
            // The analysis already names the ActiveSync error where there is one.
            detail: c.trust.detail.clone(),
        });
        let mut errors = scan.errors.clone();
        errors.extend(cert_error);
        Self {
            host: scan.host.clone(),
            port: scan.port,
            sni: scan.sni.clone(),
            protocols,
            certificate,
            trust,
            errors,
            complete: scan.complete,
        }
    }

    /// Whether the scan reached a TLS server at all: some protocol was accepted or refused on
    /// purpose. An endpoint that did not resolve, refused the connection or never answered
    /// was not looked at.
    pub fn reached(&self) -> bool {
        self.protocols.iter().any(|p| p.offered || p.refused)
    }

    /// Why the endpoint was not looked at, in words.
    pub fn unreached_words(&self) -> String {
        // Every protocol fails the same way at an endpoint nobody answers on: say it once.
        let mut why: Vec<&str> = Vec::new();
        for e in &self.errors {
            let bare = TLS_VERSIONS
                .iter()
                .find_map(|v| e.strip_prefix(v).and_then(|r| r.strip_prefix(": ")))
                .unwrap_or(e);
            if !why.contains(&bare) {
                why.push(bare);
            }
        }
        if why.is_empty() {
            "the scan reached no TLS server there".to_owned()
        } else {
            format!("the scan reached no TLS server there ({})", why.join("; "))
        }
    }

    /// Why the scan stopped before its end: the server limited it (its words, which say after
    /// how many handshakes), or the time limit.
    pub fn cut_short(&self) -> String {
        self.errors
            .iter()
            .find(|e| e.starts_with(super::scan::INCONCLUSIVE))
            .cloned()
            .unwrap_or_else(|| {
                "the scan stopped at its time limit before every protocol and suite was asked"
                    .to_owned()
            })
    }

    /// What the scan did not see, in words: the time limit or the server cut it short, a protocol neither
    /// accepted nor refused on purpose (a stall, a reset, garbage), or no certificate read from
    /// a server that accepted a handshake. Empty when the scan saw everything it asks about;
    /// nothing is graded or passed on what is listed here.
    pub fn unseen(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.complete {
            out.push(self.cut_short());
        }
        for p in &self.protocols {
            if !p.offered && !p.refused {
                out.push(if p.note.is_empty() {
                    format!("{} was not measured", p.version)
                } else {
                    format!("{}: {}", p.version, p.note)
                });
            }
        }
        if self.certificate.is_none() && self.protocols.iter().any(|p| p.offered) {
            out.push("no certificate was read".to_owned());
        }
        out
    }

    /// Whether every protocol was told apart (accepted or refused on purpose) and the scan ran
    /// to its end: what "accepts no weak suite" needs before it can pass.
    fn all_suites_asked(&self) -> bool {
        self.complete && self.protocols.iter().all(|p| p.offered || p.refused)
    }

    fn protocol(&self, version: &str) -> Option<&ProtocolFacts> {
        self.protocols.iter().find(|p| p.version == version)
    }

    fn offered(&self, version: &str) -> bool {
        self.protocol(version).is_some_and(|p| p.offered)
    }

    /// Every suite accepted by any protocol.
    fn suites(&self) -> Vec<&'static Suite> {
        let names: BTreeSet<&str> = self
            .protocols
            .iter()
            .filter(|p| p.offered)
            .flat_map(|p| p.cipher_suites.iter().map(String::as_str))
            .collect();
        names.into_iter().filter_map(suites::by_name).collect()
    }

    /// The weak suites (RC4, 3DES, NULL, EXPORT, anonymous) accepted by any protocol.
    fn weak_suites(&self) -> Vec<&'static str> {
        self.suites()
            .into_iter()
            .filter(|s| s.weak)
            .map(|s| s.name)
            .collect()
    }

    /// Whether a name from a guide's list is accepted: an IANA or OpenSSL name; a Windows
    /// `_P256`/`_P384` name needs its suite and its curve in the same protocol.
    fn accepts_name(&self, name: &str) -> bool {
        if let Some((suite, group)) = suites::windows_name(name) {
            return self.protocols.iter().any(|p| {
                p.offered
                    && p.cipher_suites.iter().any(|s| s == suite.name)
                    && p.groups.iter().any(|g| *g == group.name())
            });
        }
        suites::by_name(name).is_some_and(|suite| {
            self.protocols
                .iter()
                .any(|p| p.offered && p.cipher_suites.iter().any(|s| s == suite.name))
        })
    }
}

/// Scans an endpoint and judges the chain it serves against `anchors`: the facts every TLS
/// rule is judged from, with the scan they came from.
pub async fn measure(
    host: &str,
    port: u16,
    sni: Option<&str>,
    options: &Options,
    anchors: &TrustAnchors,
) -> (TlsFacts, ScanReport) {
    let report = scan::scan(host, port, sni, options).await;
    let (chain, cert_error) = if report.chain.is_empty() {
        (None, None)
    } else {
        match cert::analyze(&report.chain, sni, crate::stamp::unix_now(), anchors) {
            Ok(c) => (Some(c), None),
            Err(e) => (
                None,
                Some(format!("the certificate could not be read: {e}")),
            ),
        }
    };
    (TlsFacts::new(&report, chain.as_ref(), cert_error), report)
}

/// Judges one checklist TLS check on an endpoint's facts. An endpoint the scan did not reach,
/// a protocol whose refusal was not seen, or a certificate that was not served is "could not
/// tell" with the reason ([`Verdict::Error`]), never a pass and never a refusal.
pub fn evaluate(check: &TlsCheck, f: &TlsFacts) -> (Verdict, String) {
    let endpoint = format!("{}:{}", f.host, f.port);
    if !f.reached() {
        return (
            Verdict::Error,
            format!("{endpoint}: could not tell: {}", f.unreached_words()),
        );
    }
    let judged = match check {
        TlsCheck::ProtocolOffered { .. }
        | TlsCheck::ProtocolsDisabled { .. }
        | TlsCheck::SuitesAccepted { .. }
        | TlsCheck::NoWeakSuites => evaluate_protocols(check, f, &endpoint),
        _ => evaluate_certificate(check, f, &endpoint),
    };
    judged.unwrap_or_else(|why| (Verdict::Error, format!("{endpoint}: could not tell: {why}")))
}

/// The rules on protocols and suites.
fn evaluate_protocols(
    check: &TlsCheck,
    f: &TlsFacts,
    endpoint: &str,
) -> Result<(Verdict, String), String> {
    // A protocol neither accepted nor refused on purpose (a stall, a reset mid-scan, the time
    // limit) is unknown: a rule about it cannot be judged.
    let unknown = |v: TlsVersion| -> Option<String> {
        match f.protocol(v.name()) {
            Some(p) if p.offered || p.refused => None,
            Some(p) if !p.note.is_empty() => Some(format!("{}: {}", v.name(), p.note)),
            _ => Some(format!("{} was not measured", v.name())),
        }
    };
    Ok(match check {
        TlsCheck::ProtocolOffered { version } => {
            let v = version.name();
            if f.offered(v) {
                (Verdict::Pass, format!("{endpoint} accepts {v}"))
            } else if let Some(why) = unknown(*version) {
                return Err(why);
            } else {
                (
                    Verdict::Fail,
                    format!(
                        "{endpoint} refuses {v}: enable it on the server (on Windows, the SCHANNEL protocol keys, then restart)"
                    ),
                )
            }
        }
        TlsCheck::ProtocolsDisabled { versions } => {
            let on: Vec<&str> = versions
                .iter()
                .map(|v| v.name())
                .filter(|v| f.offered(v))
                .collect();
            let names: Vec<&str> = versions.iter().map(|v| v.name()).collect();
            if !on.is_empty() {
                (
                    Verdict::Fail,
                    format!(
                        "{endpoint} still accepts {}: they are not disabled (disable them unless an old client needs them)",
                        on.join(", ")
                    ),
                )
            } else if let Some(why) = versions.iter().find_map(|v| unknown(*v)) {
                return Err(why);
            } else {
                (
                    Verdict::Pass,
                    format!("{endpoint} refuses {}", names.join(", ")),
                )
            }
        }
        TlsCheck::SuitesAccepted { suites, require } => {
            if !f.complete {
                return Err(f.cut_short());
            }
            let (yes, no): (Vec<&str>, Vec<&str>) = suites
                .iter()
                .map(String::as_str)
                .partition(|n| f.accepts_name(n));
            let good = match require {
                Require::All => no.is_empty(),
                Require::Any => !yes.is_empty(),
            };
            let missing = if no.is_empty() {
                String::new()
            } else {
                let shown: Vec<&str> = no.iter().take(6).copied().collect();
                let more = if no.len() > 6 {
                    format!(" and {} more", no.len() - 6)
                } else {
                    String::new()
                };
                format!("; not accepted: {}{more}", shown.join(", "))
            };
            (
                if good { Verdict::Pass } else { Verdict::Fail },
                format!(
                    "{endpoint} accepts {} of the {} listed suites{missing}",
                    yes.len(),
                    suites.len()
                ),
            )
        }
        TlsCheck::NoWeakSuites => {
            let weak = f.weak_suites();
            if weak.is_empty() && !f.all_suites_asked() {
                return Err(not_all_asked(f));
            } else if weak.is_empty() {
                (
                    Verdict::Pass,
                    format!("{endpoint} accepts no RC4, 3DES, NULL, EXPORT or anonymous suite"),
                )
            } else {
                (
                    Verdict::Fail,
                    format!(
                        "{endpoint} accepts weak suites: {} — remove them from the server's cipher order",
                        weak.join(", ")
                    ),
                )
            }
        }
        _ => return Err("not a rule on protocols".to_owned()),
    })
}

/// Why "no weak suite" cannot pass: what the scan did not ask.
fn not_all_asked(f: &TlsFacts) -> String {
    let protocols = f.unseen();
    let protocols: Vec<&str> = protocols
        .iter()
        .map(String::as_str)
        .filter(|w| *w != "no certificate was read")
        .collect();
    format!(
        "no weak suite among those seen, but not every suite was asked ({})",
        protocols.join("; ")
    )
}

/// The rules on the served certificate.
fn evaluate_certificate(
    check: &TlsCheck,
    f: &TlsFacts,
    endpoint: &str,
) -> Result<(Verdict, String), String> {
    let cert = || {
        f.certificate
            .as_ref()
            .ok_or_else(|| "the endpoint served no certificate the scan could read".to_owned())
    };
    Ok(match check {
        TlsCheck::CertTrusted => {
            let t = f
                .trust
                .as_ref()
                .ok_or_else(|| "the chain's trust could not be judged".to_owned())?;
            if t.trusted {
                (
                    Verdict::Pass,
                    format!("{endpoint}: the chain leads to a trusted root"),
                )
            } else {
                (
                    Verdict::Fail,
                    format!("{endpoint}: not trusted: {}", t.detail),
                )
            }
        }
        TlsCheck::CertNotSelfSigned => {
            let c = cert()?;
            if c.self_signed {
                (
                    Verdict::Fail,
                    format!(
                        "{endpoint} serves a self-signed certificate: replace it with one from a trusted certificate authority"
                    ),
                )
            } else {
                (Verdict::Pass, format!("{endpoint}: issued by {}", c.issuer))
            }
        }
        TlsCheck::CertHostnameMatch { .. } => {
            let c = cert()?;
            match (c.hostname_match, &c.hostname) {
                (Some(true), Some(n)) => (
                    Verdict::Pass,
                    format!("{endpoint}: the certificate covers {n}"),
                ),
                (Some(false), Some(n)) => (
                    Verdict::Fail,
                    format!(
                        "{endpoint}: the certificate does not cover {n} (names: {}) — a name mismatch, ActiveSync's Internet_55",
                        c.san.join(", ")
                    ),
                ),
                _ => {
                    return Err(
                        "no name to match: give the endpoint the name clients use (`sni`)"
                            .to_owned(),
                    );
                }
            }
        }
        TlsCheck::CertKeyBits { min } => {
            let c = cert()?;
            if c.key_strength >= *min {
                (Verdict::Pass, format!("{endpoint}: {} key", c.key_type))
            } else {
                (
                    Verdict::Fail,
                    format!(
                        "{endpoint}: {} key, under the {min} bits required: issue a new certificate with a {min}-bit key",
                        c.key_type
                    ),
                )
            }
        }
        TlsCheck::CertSignatureHash { allowed } => {
            let c = cert()?;
            let allowed: Vec<&str> = allowed.iter().map(|h| h.name()).collect();
            let bad: Vec<&str> = c
                .chain_hashes
                .iter()
                .map(String::as_str)
                .filter(|h| !allowed.iter().any(|a| a.eq_ignore_ascii_case(h)))
                .collect();
            if bad.is_empty() {
                (
                    Verdict::Pass,
                    format!("{endpoint}: signed with {}", c.chain_hashes.join(", ")),
                )
            } else {
                (
                    Verdict::Fail,
                    format!(
                        "{endpoint}: signed with {} where the clients need {}",
                        bad.join(", "),
                        allowed.join(" or ")
                    ),
                )
            }
        }
        _ => return Err("not a rule on the certificate".to_owned()),
    })
}

/// "TLSv1.2 (12 suites), TLSv1.3 (3 suites)": what an endpoint offers, in a line.
pub fn offered_summary(f: &TlsFacts) -> String {
    let parts: Vec<String> = f
        .protocols
        .iter()
        .filter(|p| p.offered)
        .map(|p| format!("{} ({} suites)", p.version, p.cipher_suites.len()))
        .collect();
    if parts.is_empty() {
        "no protocol offered".to_owned()
    } else {
        parts.join(", ")
    }
}

pub use crate::probe::Finding;

/// The findings that hold for any endpoint: TLS 1.2 on, old protocols, weak suites, the
/// certificate's trust, name, key and dates. The guide: TLS 1.2 is required; SSL 3, TLS 1.0
/// and 1.1 "may be disabled" (so a warning here). `required` names the suites the checklist in
/// use requires: a weak one among them (the Spok guide lists 3DES for Windows Server 2016) is a
/// warning that says the conflict, not a failure that contradicts the checklist.
pub fn findings(f: &TlsFacts, required: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |(verdict, text): (Verdict, String)| out.push(Finding { verdict, text });
    if !f.reached() {
        push((
            Verdict::Error,
            format!(
                "{}:{}: could not tell: {}",
                f.host,
                f.port,
                f.unreached_words()
            ),
        ));
        return out;
    }
    if !f.complete {
        // First, so whoever reads one line reads this one; an error, so no run that did not
        // finish ends as a success.
        push((
            Verdict::Error,
            format!(
                "{}:{}: scan incomplete: {}; what follows is only what it saw, and nothing is \
                 graded",
                f.host,
                f.port,
                f.cut_short()
            ),
        ));
    }
    push(evaluate(
        &TlsCheck::ProtocolOffered {
            version: TlsVersion::Tls12,
        },
        f,
    ));
    let (verdict, text) = evaluate(
        &TlsCheck::ProtocolsDisabled {
            versions: vec![TlsVersion::Ssl3, TlsVersion::Tls10, TlsVersion::Tls11],
        },
        f,
    );
    push((
        if verdict == Verdict::Fail {
            Verdict::Warn
        } else {
            verdict
        },
        text,
    ));
    push(weak_suites(f, required));
    for check in [
        TlsCheck::CertTrusted,
        TlsCheck::CertNotSelfSigned,
        TlsCheck::CertHostnameMatch { name: None },
        TlsCheck::CertKeyBits { min: 2048 },
    ] {
        let (verdict, text) = evaluate(&check, f);
        // No certificate or no name to match is said once, by the trust rule.
        if verdict != Verdict::Error || check == TlsCheck::CertTrusted {
            push((verdict, text));
        }
    }
    if let Some(c) = &f.certificate {
        if c.expired {
            push((
                Verdict::Fail,
                format!("the certificate expired on {}", c.not_after),
            ));
        } else if c.days_left < 30 {
            push((
                Verdict::Warn,
                format!(
                    "the certificate expires in {} ({})",
                    cert::days(c.days_left),
                    c.not_after
                ),
            ));
        }
    }
    out
}

/// The weak-suite finding, with the checklist's own requirements said where they conflict.
fn weak_suites(f: &TlsFacts, required: &[String]) -> (Verdict, String) {
    let endpoint = format!("{}:{}", f.host, f.port);
    let weak = f.weak_suites();
    let wanted = |name: &str| {
        required
            .iter()
            .any(|r| suites::by_name(r).is_some_and(|s| s.name == name))
    };
    let (kept, bad): (Vec<&str>, Vec<&str>) = weak.iter().partition(|n| wanted(n));
    if !bad.is_empty() {
        let also = if kept.is_empty() {
            String::new()
        } else {
            format!(
                " (keep {}: the checklist requires it, weak as it is)",
                kept.join(", ")
            )
        };
        return (
            Verdict::Fail,
            format!(
                "{endpoint} accepts weak suites the checklist does not require: {} — remove them \
                 from the server's cipher order{also}",
                bad.join(", ")
            ),
        );
    }
    if kept.is_empty() && !f.all_suites_asked() {
        return (
            Verdict::Error,
            format!("{endpoint}: could not tell: {}", not_all_asked(f)),
        );
    }
    if kept.is_empty() {
        return (
            Verdict::Pass,
            format!("{endpoint} accepts no RC4, 3DES, NULL, EXPORT or anonymous suite"),
        );
    }
    (
        Verdict::Warn,
        format!(
            "{endpoint} accepts {}, a weak suite (Sweet32) that the checklist requires: keep it \
             while the vendor's list requires it, and ask the vendor when it can go",
            kept.join(", ")
        ),
    )
}

/// An overall grade after SSL Labs' published rating guide, on the facts a handshake scan has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    /// `A+`, `A`, `A-`, `B`, `C`, `F` or `T` (trust problems); [`NOT_REACHED`] or
    /// [`INCOMPLETE`] when there is nothing, or not enough, to grade.
    pub grade: String,
    /// The numeric score before caps (0–100); 0 when not graded.
    pub score: u32,
    /// Why the grade is capped, in words; why there is no grade, when there is none.
    pub caps: Vec<String>,
}

/// The grade of an endpoint where the scan reached no TLS server.
pub const NOT_REACHED: &str = "none";
/// The grade of a scan that did not see everything a grade is made of.
pub const INCOMPLETE: &str = "incomplete";

impl Grade {
    /// Whether this is a letter, rather than the word for why there is none.
    pub fn graded(&self) -> bool {
        self.grade != NOT_REACHED && self.grade != INCOMPLETE
    }
}

/// Implemented from the SSL Labs guide: the score (protocol support 30 %, key exchange 30 %,
/// cipher strength 40 %, each the average of the best and worst), the letter bands, and these
/// caps: SSL 3 → B, TLS 1.0/1.1 → B, no TLS 1.2 → C, RC4 → B (C with TLS 1.1+), 3DES → C with
/// TLS 1.1+, no forward secrecy → B, anonymous/NULL/EXPORT → F, an RSA key under 1024 bits → F
/// (under 2048 → B), expired/untrusted/self-signed/name mismatch → T, A+ for no caps with only
/// TLS 1.2+ and forward secrecy everywhere. Not implemented: HSTS (no HTTP request is made),
/// renegotiation and the known-vulnerability caps (Heartbleed, ROBOT, …).
///
/// A letter only for what was seen: no grade ([`NOT_REACHED`]) where no TLS server answered,
/// and [`INCOMPLETE`] when the scan stopped at its limit, a protocol was neither accepted nor
/// refused, or no certificate was read (the caps then say which).
pub fn grade(f: &TlsFacts) -> Grade {
    if !f.reached() {
        return Grade {
            grade: NOT_REACHED.into(),
            score: 0,
            caps: vec![f.unreached_words()],
        };
    }
    let unseen = f.unseen();
    if !unseen.is_empty() {
        return Grade {
            grade: INCOMPLETE.into(),
            score: 0,
            caps: unseen,
        };
    }
    letter_grade(f)
}

/// The SSL Labs letter, on facts the scan saw whole.
fn letter_grade(f: &TlsFacts) -> Grade {
    let offered: Vec<&str> = f
        .protocols
        .iter()
        .filter(|p| p.offered)
        .map(|p| p.version.as_str())
        .collect();
    if offered.is_empty() {
        return Grade {
            grade: "F".into(),
            score: 0,
            caps: vec!["no handshake succeeded".into()],
        };
    }
    let strength = f.certificate.as_ref().map_or(2048, |c| c.key_strength);
    let suites = f.suites();
    let score = score(&offered, &suites, strength);
    let mut letter = match score {
        80.. => "A",
        65..=79 => "B",
        50..=64 => "C",
        35..=49 => "D",
        20..=34 => "E",
        _ => "F",
    };
    let mut caps = Vec::new();
    let mut cap = |to: &'static str, why: String, letter: &mut &'static str| {
        if rank(to) > rank(letter) {
            *letter = to;
        }
        caps.push(why);
    };
    let modern = offered
        .iter()
        .any(|v| matches!(*v, "TLSv1.1" | "TLSv1.2" | "TLSv1.3"));
    if offered.contains(&"SSLv3") {
        cap("B", "SSL 3.0 accepted".into(), &mut letter);
    }
    if offered.contains(&"TLSv1.0") || offered.contains(&"TLSv1.1") {
        cap("B", "TLS 1.0/1.1 accepted".into(), &mut letter);
    }
    if !offered.contains(&"TLSv1.2") && !offered.contains(&"TLSv1.3") {
        cap("C", "no TLS 1.2 or 1.3".into(), &mut letter);
    }
    let name = |s: &&Suite| s.name;
    if suites.iter().any(|s| s.name.contains("RC4")) {
        cap(
            if modern { "C" } else { "B" },
            "RC4 accepted".into(),
            &mut letter,
        );
    }
    if modern && suites.iter().any(|s| s.name.contains("3DES")) {
        cap("C", "3DES accepted (Sweet32)".into(), &mut letter);
    }
    if suites.iter().any(|s| s.export || s.null() || s.anon()) {
        let bad: Vec<&str> = suites
            .iter()
            .filter(|s| s.export || s.null() || s.anon())
            .map(name)
            .collect();
        cap(
            "F",
            format!("export, NULL or anonymous suites: {}", bad.join(", ")),
            &mut letter,
        );
    }
    if !suites.is_empty() && !suites.iter().any(|s| s.forward_secret()) {
        cap("B", "no forward secrecy".into(), &mut letter);
    }
    if strength < 1024 {
        cap("F", format!("a {strength}-bit key"), &mut letter);
    } else if strength < 2048 {
        cap("B", format!("a {strength}-bit key"), &mut letter);
    }
    let all_fs = suites.iter().all(|s| s.forward_secret());
    let mut grade = letter.to_owned();
    if let (Some(c), Some(t)) = (&f.certificate, &f.trust)
        && (c.expired || c.self_signed || !t.trusted || c.hostname_match == Some(false))
    {
        caps.push(format!("certificate: {}", t.detail));
        grade = "T".into();
    }
    if grade == "A"
        && caps.is_empty()
        && all_fs
        && offered.iter().all(|v| matches!(*v, "TLSv1.2" | "TLSv1.3"))
    {
        grade = "A+".into();
    }
    Grade { grade, score, caps }
}

/// SSL Labs' numeric score: protocol support 30 %, key exchange 30 %, cipher strength 40 %,
/// each the average of the best and the worst offered.
fn score(offered: &[&str], suites: &[&'static Suite], strength: usize) -> u32 {
    let proto_score = |v: &str| match v {
        "SSLv3" => 80,
        "TLSv1.0" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3" => 100,
        _ => 0,
    };
    let best_worst = |scores: Vec<u32>| {
        u32::midpoint(
            scores.iter().copied().max().unwrap_or(0),
            scores.iter().copied().min().unwrap_or(0),
        )
    };
    let protocol = best_worst(offered.iter().map(|v| proto_score(v)).collect());
    let kx = match strength {
        0..=511 => 20,
        512..=1023 => 40,
        1024..=2047 => 80,
        2048..=4095 => 90,
        _ => 100,
    };
    let cipher = best_worst(
        suites
            .iter()
            .map(|s| match s.bits {
                0 => 0,
                1..=127 => 20,
                128..=255 => 80,
                _ => 100,
            })
            .collect(),
    );
    (protocol * 30 + kx * 30 + cipher * 40) / 100
}

fn rank(letter: &str) -> u8 {
    match letter {
        "A+" => 0,
        "A" => 1,
        "A-" => 2,
        "B" => 3,
        "C" => 4,
        "D" => 5,
        "E" => 6,
        _ => 7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protocol(version: &str, suites: &[&str], refused: bool, note: &str) -> ProtocolFacts {
        ProtocolFacts {
            version: version.to_owned(),
            offered: !suites.is_empty(),
            cipher_suites: suites.iter().map(|s| (*s).to_owned()).collect(),
            groups: Vec::new(),
            preference: String::new(),
            refused,
            note: note.to_owned(),
        }
    }

    /// TLS 1.2 with one strong suite seen, everything else refused or unknown as asked.
    fn seen(tls10: ProtocolFacts, complete: bool) -> TlsFacts {
        TlsFacts {
            host: "h".into(),
            port: 443,
            sni: None,
            protocols: vec![
                protocol("SSLv3", &[], true, "refused"),
                tls10,
                protocol(
                    "TLSv1.2",
                    &["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
                    false,
                    "",
                ),
            ],
            certificate: None,
            trust: None,
            errors: Vec::new(),
            complete,
        }
    }

    #[test]
    fn nothing_unseen_is_graded_or_passed() {
        let stalled = protocol("TLSv1.0", &[], false, "the server said nothing in 5 s");
        // Cut short by the limit, with no certificate read: no letter, and why.
        let f = seen(stalled.clone(), false);
        let g = grade(&f);
        assert_eq!(g.grade, INCOMPLETE);
        assert!(!g.graded());
        assert!(g.caps.iter().any(|c| c.contains("time limit")), "{g:?}");
        assert!(
            g.caps
                .iter()
                .any(|c| c.contains("TLSv1.0: the server said nothing"))
        );
        assert!(
            g.caps.iter().any(|c| c == "no certificate was read"),
            "{g:?}"
        );
        let found = findings(&f, &[]);
        assert_eq!(found[0].verdict, Verdict::Error);
        assert!(found[0].text.contains("scan incomplete"), "{found:?}");
        assert!(Finding::failed(&found));
        // Seen: TLS 1.2 accepted. Not seen: that no weak suite is accepted anywhere.
        assert!(
            found
                .iter()
                .filter(|x| x.verdict == Verdict::Pass)
                .all(|x| x.text.ends_with("accepts TLSv1.2")),
            "{found:?}"
        );
        assert_eq!(
            evaluate(&TlsCheck::NoWeakSuites, &f).0,
            Verdict::Error,
            "no weak suite cannot pass on a partial scan"
        );
        // A protocol unknown within a scan that ran to its end is still not graded.
        assert_eq!(grade(&seen(stalled, true)).grade, INCOMPLETE);
    }

    #[test]
    fn an_endpoint_never_reached_has_no_grade() {
        let mut f = seen(protocol("TLSv1.0", &[], false, "not measured"), true);
        for p in &mut f.protocols {
            p.offered = false;
            p.refused = false;
            p.cipher_suites.clear();
        }
        f.errors.push("could not connect: refused".into());
        let g = grade(&f);
        assert_eq!(g.grade, NOT_REACHED);
        assert!(g.caps[0].contains("could not connect"), "{g:?}");
    }
}
