//! The TLS cipher suite registry: every suite IANA lists with a code point (plus the handful of
//! pre-standard ones old servers still answer to), with the OpenSSL alias where OpenSSL has one,
//! and what each is made of, so a scan can offer all of them and name what it found the way the
//! guides do.
//!
//! The table was generated from IANA's TLS Cipher Suites registry (`tls-parameters-4.csv`) and
//! the aliases from `openssl ciphers -V` (OpenSSL 3.0) plus OpenSSL 1.0.2's names for the
//! suites OpenSSL 3 dropped (RC4, DES, 3DES, EXPORT, SEED, IDEA, fixed DH/ECDH). Key exchange,
//! authentication, cipher and MAC come from the IANA name by the rules of RFC 5246 appendix
//! A.5: `TLS_<kx>_<auth>_WITH_<cipher>_<mac>`, and `TLS_<aead>_<hash>` for TLS 1.3.
//!
//! Windows Server 2012 R2 names some ECDHE suites with a curve suffix
//! (`TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256_P256`): one registry suite restricted to one curve.
//! [`windows_name`] maps those to the suite and the curve.

use std::sync::LazyLock;

use serde::Serialize;

use super::wire::{Group, Version};

/// How the premaster secret is agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kx {
    Null,
    Rsa,
    /// Static Diffie-Hellman from the certificate.
    Dh,
    /// Ephemeral finite-field Diffie-Hellman (also anonymous DH).
    Dhe,
    /// Static elliptic-curve Diffie-Hellman from the certificate.
    Ecdh,
    /// Ephemeral elliptic-curve Diffie-Hellman (also anonymous ECDH).
    Ecdhe,
    Krb5,
    Psk,
    DhePsk,
    RsaPsk,
    EcdhePsk,
    Srp,
    EccPwd,
    Gost,
    /// TLS 1.3 suites leave key exchange to the `key_share` extension.
    Any,
}

/// How the server proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    Null,
    /// No authentication at all: anyone in the middle can read the traffic.
    Anon,
    Rsa,
    Dss,
    Ecdsa,
    Psk,
    Srp,
    Krb5,
    EccPwd,
    Gost,
    /// TLS 1.3 suites leave authentication to the certificate and `signature_algorithms`.
    Any,
}

/// The bulk cipher and its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cipher {
    Null,
    Rc4,
    Rc2Cbc,
    IdeaCbc,
    DesCbc,
    TripleDesCbc,
    AesCbc,
    AesGcm,
    AesCcm,
    AesCcm8,
    CamelliaCbc,
    CamelliaGcm,
    AriaCbc,
    AriaGcm,
    SeedCbc,
    ChaCha20Poly1305,
    KuznyechikCtr,
    KuznyechikMgm,
    MagmaCtr,
    MagmaMgm,
    Gost28147Cnt,
    Sm4Gcm,
    Sm4Ccm,
    Aegis256,
    Aegis128L,
}

/// The record MAC (`Aead` when the cipher authenticates the records itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mac {
    Null,
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
    Sm3,
    GostImit,
    GostOmac,
    Aead,
}

/// One cipher suite of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Suite {
    pub code: u16,
    /// The IANA name (`TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`).
    pub name: &'static str,
    /// OpenSSL's name (`ECDHE-RSA-AES256-GCM-SHA384`) where it has one.
    pub openssl: Option<&'static str>,
    pub kx: Kx,
    pub auth: Auth,
    pub cipher: Cipher,
    pub mac: Mac,
    /// Effective key bits of the bulk cipher (112 for 3DES, 40 for export ciphers).
    pub bits: u16,
    /// The first protocol that defines the suite: SHA-2 MACs and AEAD ciphers need TLS 1.2,
    /// TLS 1.3 suites work only in TLS 1.3 and no other suite works there.
    pub min_version: Version,
    /// Export-grade (40- or 56-bit), broken by FREAK and Logjam.
    pub export: bool,
    /// What the guide and SSL Labs call weak: RC4, DES, 3DES and other 64-bit block ciphers
    /// (Sweet32), NULL encryption, EXPORT, anonymous key exchange, or under 112 bits.
    pub weak: bool,
    /// In IANA's registry; false for the pre-standard suites old servers still answer to.
    pub iana: bool,
}

impl Suite {
    /// No encryption at all.
    pub fn null(&self) -> bool {
        self.cipher == Cipher::Null
    }

    /// No server authentication.
    pub fn anon(&self) -> bool {
        matches!(self.auth, Auth::Anon | Auth::Null)
    }

    /// Works only in TLS 1.3.
    pub fn tls13(&self) -> bool {
        self.min_version == Version::Tls13
    }

    /// Can be negotiated in `version`. Suites newer than a protocol are still offered there by
    /// [`offerable`], because a server that picks one anyway is itself a finding.
    pub fn defined_in(&self, version: Version) -> bool {
        if version == Version::Tls13 {
            self.tls13()
        } else {
            !self.tls13() && self.min_version <= version
        }
    }

    /// Forward secrecy: ephemeral key exchange.
    pub fn forward_secret(&self) -> bool {
        matches!(
            self.kx,
            Kx::Dhe | Kx::Ecdhe | Kx::DhePsk | Kx::EcdhePsk | Kx::Any
        )
    }

    /// An elliptic-curve ephemeral suite, whose curve the server picks from `supported_groups`.
    pub fn ecdhe(&self) -> bool {
        matches!(self.kx, Kx::Ecdhe | Kx::EcdhePsk)
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one row of the generated table; named fields would triple its length"
)]
const fn s(
    code: u16,
    name: &'static str,
    openssl: Option<&'static str>,
    kx: Kx,
    auth: Auth,
    cipher: Cipher,
    mac: Mac,
    bits: u16,
    min_version: Version,
    export: bool,
    weak: bool,
    iana: bool,
) -> Suite {
    Suite {
        code,
        name,
        openssl,
        kx,
        auth,
        cipher,
        mac,
        bits,
        min_version,
        export,
        weak,
        iana,
    }
}

/// Every suite, by code point.
// One row per suite, as generated: rustfmt would spread each over fourteen lines.
#[rustfmt::skip]
pub static REGISTRY: &[Suite] = &[
    s(0x0000, "TLS_NULL_WITH_NULL_NULL", None, Kx::Null, Auth::Null, Cipher::Null, Mac::Null, 0, Version::Ssl3, false, true, true),
    s(0x0001, "TLS_RSA_WITH_NULL_MD5", Some("NULL-MD5"), Kx::Rsa, Auth::Rsa, Cipher::Null, Mac::Md5, 0, Version::Ssl3, false, true, true),
    s(0x0002, "TLS_RSA_WITH_NULL_SHA", Some("NULL-SHA"), Kx::Rsa, Auth::Rsa, Cipher::Null, Mac::Sha1, 0, Version::Ssl3, false, true, true),
    s(0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", Some("EXP-RC4-MD5"), Kx::Rsa, Auth::Rsa, Cipher::Rc4, Mac::Md5, 40, Version::Ssl3, true, true, true),
    s(0x0004, "TLS_RSA_WITH_RC4_128_MD5", Some("RC4-MD5"), Kx::Rsa, Auth::Rsa, Cipher::Rc4, Mac::Md5, 128, Version::Ssl3, false, true, true),
    s(0x0005, "TLS_RSA_WITH_RC4_128_SHA", Some("RC4-SHA"), Kx::Rsa, Auth::Rsa, Cipher::Rc4, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", Some("EXP-RC2-CBC-MD5"), Kx::Rsa, Auth::Rsa, Cipher::Rc2Cbc, Mac::Md5, 40, Version::Ssl3, true, true, true),
    s(0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA", Some("IDEA-CBC-SHA"), Kx::Rsa, Auth::Rsa, Cipher::IdeaCbc, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", Some("EXP-DES-CBC-SHA"), Kx::Rsa, Auth::Rsa, Cipher::DesCbc, Mac::Sha1, 40, Version::Ssl3, true, true, true),
    s(0x0009, "TLS_RSA_WITH_DES_CBC_SHA", Some("DES-CBC-SHA"), Kx::Rsa, Auth::Rsa, Cipher::DesCbc, Mac::Sha1, 56, Version::Ssl3, false, true, true),
    s(0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", Some("DES-CBC3-SHA"), Kx::Rsa, Auth::Rsa, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0x000B, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA", Some("EXP-DH-DSS-DES-CBC-SHA"), Kx::Dh, Auth::Dss, Cipher::DesCbc, Mac::Sha1, 40, Version::Ssl3, true, true, true),
    s(0x000C, "TLS_DH_DSS_WITH_DES_CBC_SHA", Some("DH-DSS-DES-CBC-SHA"), Kx::Dh, Auth::Dss, Cipher::DesCbc, Mac::Sha1, 56, Version::Ssl3, false, true, true),
    s(0x000D, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA", Some("DH-DSS-DES-CBC3-SHA"), Kx::Dh, Auth::Dss, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0x000E, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA", Some("EXP-DH-RSA-DES-CBC-SHA"), Kx::Dh, Auth::Rsa, Cipher::DesCbc, Mac::Sha1, 40, Version::Ssl3, true, true, true),
    s(0x000F, "TLS_DH_RSA_WITH_DES_CBC_SHA", Some("DH-RSA-DES-CBC-SHA"), Kx::Dh, Auth::Rsa, Cipher::DesCbc, Mac::Sha1, 56, Version::Ssl3, false, true, true),
    s(0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA", Some("DH-RSA-DES-CBC3-SHA"), Kx::Dh, Auth::Rsa, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA", Some("EXP-EDH-DSS-DES-CBC-SHA"), Kx::Dhe, Auth::Dss, Cipher::DesCbc, Mac::Sha1, 40, Version::Ssl3, true, true, true),
    s(0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA", Some("EDH-DSS-DES-CBC-SHA"), Kx::Dhe, Auth::Dss, Cipher::DesCbc, Mac::Sha1, 56, Version::Ssl3, false, true, true),
    s(0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", Some("EDH-DSS-DES-CBC3-SHA"), Kx::Dhe, Auth::Dss, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", Some("EXP-EDH-RSA-DES-CBC-SHA"), Kx::Dhe, Auth::Rsa, Cipher::DesCbc, Mac::Sha1, 40, Version::Ssl3, true, true, true),
    s(0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA", Some("EDH-RSA-DES-CBC-SHA"), Kx::Dhe, Auth::Rsa, Cipher::DesCbc, Mac::Sha1, 56, Version::Ssl3, false, true, true),
    s(0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", Some("EDH-RSA-DES-CBC3-SHA"), Kx::Dhe, Auth::Rsa, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5", Some("EXP-ADH-RC4-MD5"), Kx::Dhe, Auth::Anon, Cipher::Rc4, Mac::Md5, 40, Version::Ssl3, true, true, true),
    s(0x0018, "TLS_DH_anon_WITH_RC4_128_MD5", Some("ADH-RC4-MD5"), Kx::Dhe, Auth::Anon, Cipher::Rc4, Mac::Md5, 128, Version::Ssl3, false, true, true),
    s(0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA", Some("EXP-ADH-DES-CBC-SHA"), Kx::Dhe, Auth::Anon, Cipher::DesCbc, Mac::Sha1, 40, Version::Ssl3, true, true, true),
    s(0x001A, "TLS_DH_anon_WITH_DES_CBC_SHA", Some("ADH-DES-CBC-SHA"), Kx::Dhe, Auth::Anon, Cipher::DesCbc, Mac::Sha1, 56, Version::Ssl3, false, true, true),
    s(0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA", Some("ADH-DES-CBC3-SHA"), Kx::Dhe, Auth::Anon, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0x001E, "TLS_KRB5_WITH_DES_CBC_SHA", None, Kx::Krb5, Auth::Krb5, Cipher::DesCbc, Mac::Sha1, 56, Version::Ssl3, false, true, true),
    s(0x001F, "TLS_KRB5_WITH_3DES_EDE_CBC_SHA", None, Kx::Krb5, Auth::Krb5, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0x0020, "TLS_KRB5_WITH_RC4_128_SHA", None, Kx::Krb5, Auth::Krb5, Cipher::Rc4, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0x0021, "TLS_KRB5_WITH_IDEA_CBC_SHA", None, Kx::Krb5, Auth::Krb5, Cipher::IdeaCbc, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0x0022, "TLS_KRB5_WITH_DES_CBC_MD5", None, Kx::Krb5, Auth::Krb5, Cipher::DesCbc, Mac::Md5, 56, Version::Ssl3, false, true, true),
    s(0x0023, "TLS_KRB5_WITH_3DES_EDE_CBC_MD5", None, Kx::Krb5, Auth::Krb5, Cipher::TripleDesCbc, Mac::Md5, 112, Version::Ssl3, false, true, true),
    s(0x0024, "TLS_KRB5_WITH_RC4_128_MD5", None, Kx::Krb5, Auth::Krb5, Cipher::Rc4, Mac::Md5, 128, Version::Ssl3, false, true, true),
    s(0x0025, "TLS_KRB5_WITH_IDEA_CBC_MD5", None, Kx::Krb5, Auth::Krb5, Cipher::IdeaCbc, Mac::Md5, 128, Version::Ssl3, false, true, true),
    s(0x0026, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA", None, Kx::Krb5, Auth::Krb5, Cipher::DesCbc, Mac::Sha1, 40, Version::Ssl3, true, true, true),
    s(0x0027, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA", None, Kx::Krb5, Auth::Krb5, Cipher::Rc2Cbc, Mac::Sha1, 40, Version::Ssl3, true, true, true),
    s(0x0028, "TLS_KRB5_EXPORT_WITH_RC4_40_SHA", None, Kx::Krb5, Auth::Krb5, Cipher::Rc4, Mac::Sha1, 40, Version::Ssl3, true, true, true),
    s(0x0029, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5", None, Kx::Krb5, Auth::Krb5, Cipher::DesCbc, Mac::Md5, 40, Version::Ssl3, true, true, true),
    s(0x002A, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5", None, Kx::Krb5, Auth::Krb5, Cipher::Rc2Cbc, Mac::Md5, 40, Version::Ssl3, true, true, true),
    s(0x002B, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5", None, Kx::Krb5, Auth::Krb5, Cipher::Rc4, Mac::Md5, 40, Version::Ssl3, true, true, true),
    s(0x002C, "TLS_PSK_WITH_NULL_SHA", Some("PSK-NULL-SHA"), Kx::Psk, Auth::Psk, Cipher::Null, Mac::Sha1, 0, Version::Ssl3, false, true, true),
    s(0x002D, "TLS_DHE_PSK_WITH_NULL_SHA", Some("DHE-PSK-NULL-SHA"), Kx::DhePsk, Auth::Psk, Cipher::Null, Mac::Sha1, 0, Version::Ssl3, false, true, true),
    s(0x002E, "TLS_RSA_PSK_WITH_NULL_SHA", Some("RSA-PSK-NULL-SHA"), Kx::RsaPsk, Auth::Rsa, Cipher::Null, Mac::Sha1, 0, Version::Ssl3, false, true, true),
    s(0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", Some("AES128-SHA"), Kx::Rsa, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA", None, Kx::Dh, Auth::Dss, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA", None, Kx::Dh, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", Some("DHE-DSS-AES128-SHA"), Kx::Dhe, Auth::Dss, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", Some("DHE-RSA-AES128-SHA"), Kx::Dhe, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA", Some("ADH-AES128-SHA"), Kx::Dhe, Auth::Anon, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", Some("AES256-SHA"), Kx::Rsa, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA", None, Kx::Dh, Auth::Dss, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA", None, Kx::Dh, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", Some("DHE-DSS-AES256-SHA"), Kx::Dhe, Auth::Dss, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", Some("DHE-RSA-AES256-SHA"), Kx::Dhe, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA", Some("ADH-AES256-SHA"), Kx::Dhe, Auth::Anon, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, true, true),
    s(0x003B, "TLS_RSA_WITH_NULL_SHA256", Some("NULL-SHA256"), Kx::Rsa, Auth::Rsa, Cipher::Null, Mac::Sha256, 0, Version::Tls12, false, true, true),
    s(0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", Some("AES128-SHA256"), Kx::Rsa, Auth::Rsa, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", Some("AES256-SHA256"), Kx::Rsa, Auth::Rsa, Cipher::AesCbc, Mac::Sha256, 256, Version::Tls12, false, false, true),
    s(0x003E, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256", None, Kx::Dh, Auth::Dss, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x003F, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256", None, Kx::Dh, Auth::Rsa, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", Some("DHE-DSS-AES128-SHA256"), Kx::Dhe, Auth::Dss, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", Some("CAMELLIA128-SHA"), Kx::Rsa, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0042, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA", None, Kx::Dh, Auth::Dss, Cipher::CamelliaCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0043, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA", None, Kx::Dh, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA", Some("DHE-DSS-CAMELLIA128-SHA"), Kx::Dhe, Auth::Dss, Cipher::CamelliaCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", Some("DHE-RSA-CAMELLIA128-SHA"), Kx::Dhe, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA", Some("ADH-CAMELLIA128-SHA"), Kx::Dhe, Auth::Anon, Cipher::CamelliaCbc, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", Some("EXP1024-DES-CBC-SHA"), Kx::Rsa, Auth::Rsa, Cipher::DesCbc, Mac::Sha1, 56, Version::Ssl3, true, true, false),
    s(0x0063, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA", Some("EXP1024-DHE-DSS-DES-CBC-SHA"), Kx::Dhe, Auth::Dss, Cipher::DesCbc, Mac::Sha1, 56, Version::Ssl3, true, true, false),
    s(0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", Some("EXP1024-RC4-SHA"), Kx::Rsa, Auth::Rsa, Cipher::Rc4, Mac::Sha1, 56, Version::Ssl3, true, true, false),
    s(0x0065, "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA", Some("EXP1024-DHE-DSS-RC4-SHA"), Kx::Dhe, Auth::Dss, Cipher::Rc4, Mac::Sha1, 56, Version::Ssl3, true, true, false),
    s(0x0066, "TLS_DHE_DSS_WITH_RC4_128_SHA", Some("DHE-DSS-RC4-SHA"), Kx::Dhe, Auth::Dss, Cipher::Rc4, Mac::Sha1, 128, Version::Ssl3, false, true, false),
    s(0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", Some("DHE-RSA-AES128-SHA256"), Kx::Dhe, Auth::Rsa, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x0068, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256", None, Kx::Dh, Auth::Dss, Cipher::AesCbc, Mac::Sha256, 256, Version::Tls12, false, false, true),
    s(0x0069, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256", None, Kx::Dh, Auth::Rsa, Cipher::AesCbc, Mac::Sha256, 256, Version::Tls12, false, false, true),
    s(0x006A, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", Some("DHE-DSS-AES256-SHA256"), Kx::Dhe, Auth::Dss, Cipher::AesCbc, Mac::Sha256, 256, Version::Tls12, false, false, true),
    s(0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", Some("DHE-RSA-AES256-SHA256"), Kx::Dhe, Auth::Rsa, Cipher::AesCbc, Mac::Sha256, 256, Version::Tls12, false, false, true),
    s(0x006C, "TLS_DH_anon_WITH_AES_128_CBC_SHA256", Some("ADH-AES128-SHA256"), Kx::Dhe, Auth::Anon, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, true, true),
    s(0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256", Some("ADH-AES256-SHA256"), Kx::Dhe, Auth::Anon, Cipher::AesCbc, Mac::Sha256, 256, Version::Tls12, false, true, true),
    s(0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", Some("CAMELLIA256-SHA"), Kx::Rsa, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x0085, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA", None, Kx::Dh, Auth::Dss, Cipher::CamelliaCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x0086, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA", None, Kx::Dh, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA", Some("DHE-DSS-CAMELLIA256-SHA"), Kx::Dhe, Auth::Dss, Cipher::CamelliaCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", Some("DHE-RSA-CAMELLIA256-SHA"), Kx::Dhe, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA", Some("ADH-CAMELLIA256-SHA"), Kx::Dhe, Auth::Anon, Cipher::CamelliaCbc, Mac::Sha1, 256, Version::Ssl3, false, true, true),
    s(0x008A, "TLS_PSK_WITH_RC4_128_SHA", Some("PSK-RC4-SHA"), Kx::Psk, Auth::Psk, Cipher::Rc4, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0x008B, "TLS_PSK_WITH_3DES_EDE_CBC_SHA", Some("PSK-3DES-EDE-CBC-SHA"), Kx::Psk, Auth::Psk, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0x008C, "TLS_PSK_WITH_AES_128_CBC_SHA", Some("PSK-AES128-CBC-SHA"), Kx::Psk, Auth::Psk, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x008D, "TLS_PSK_WITH_AES_256_CBC_SHA", Some("PSK-AES256-CBC-SHA"), Kx::Psk, Auth::Psk, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x008E, "TLS_DHE_PSK_WITH_RC4_128_SHA", Some("DHE-PSK-RC4-SHA"), Kx::DhePsk, Auth::Psk, Cipher::Rc4, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0x008F, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA", Some("DHE-PSK-3DES-EDE-CBC-SHA"), Kx::DhePsk, Auth::Psk, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0x0090, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA", Some("DHE-PSK-AES128-CBC-SHA"), Kx::DhePsk, Auth::Psk, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0091, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA", Some("DHE-PSK-AES256-CBC-SHA"), Kx::DhePsk, Auth::Psk, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x0092, "TLS_RSA_PSK_WITH_RC4_128_SHA", Some("RSA-PSK-RC4-SHA"), Kx::RsaPsk, Auth::Rsa, Cipher::Rc4, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0x0093, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA", Some("RSA-PSK-3DES-EDE-CBC-SHA"), Kx::RsaPsk, Auth::Rsa, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0x0094, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA", Some("RSA-PSK-AES128-CBC-SHA"), Kx::RsaPsk, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0095, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA", Some("RSA-PSK-AES256-CBC-SHA"), Kx::RsaPsk, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0x0096, "TLS_RSA_WITH_SEED_CBC_SHA", Some("SEED-SHA"), Kx::Rsa, Auth::Rsa, Cipher::SeedCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0097, "TLS_DH_DSS_WITH_SEED_CBC_SHA", Some("DH-DSS-SEED-SHA"), Kx::Dh, Auth::Dss, Cipher::SeedCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0098, "TLS_DH_RSA_WITH_SEED_CBC_SHA", Some("DH-RSA-SEED-SHA"), Kx::Dh, Auth::Rsa, Cipher::SeedCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x0099, "TLS_DHE_DSS_WITH_SEED_CBC_SHA", Some("DHE-DSS-SEED-SHA"), Kx::Dhe, Auth::Dss, Cipher::SeedCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x009A, "TLS_DHE_RSA_WITH_SEED_CBC_SHA", Some("DHE-RSA-SEED-SHA"), Kx::Dhe, Auth::Rsa, Cipher::SeedCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0x009B, "TLS_DH_anon_WITH_SEED_CBC_SHA", Some("ADH-SEED-SHA"), Kx::Dhe, Auth::Anon, Cipher::SeedCbc, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", Some("AES128-GCM-SHA256"), Kx::Rsa, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", Some("AES256-GCM-SHA384"), Kx::Rsa, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", Some("DHE-RSA-AES128-GCM-SHA256"), Kx::Dhe, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", Some("DHE-RSA-AES256-GCM-SHA384"), Kx::Dhe, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0x00A0, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256", None, Kx::Dh, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0x00A1, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384", None, Kx::Dh, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0x00A2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", Some("DHE-DSS-AES128-GCM-SHA256"), Kx::Dhe, Auth::Dss, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0x00A3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", Some("DHE-DSS-AES256-GCM-SHA384"), Kx::Dhe, Auth::Dss, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0x00A4, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256", None, Kx::Dh, Auth::Dss, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0x00A5, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384", None, Kx::Dh, Auth::Dss, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256", Some("ADH-AES128-GCM-SHA256"), Kx::Dhe, Auth::Anon, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, true, true),
    s(0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384", Some("ADH-AES256-GCM-SHA384"), Kx::Dhe, Auth::Anon, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, true, true),
    s(0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256", Some("PSK-AES128-GCM-SHA256"), Kx::Psk, Auth::Psk, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0x00A9, "TLS_PSK_WITH_AES_256_GCM_SHA384", Some("PSK-AES256-GCM-SHA384"), Kx::Psk, Auth::Psk, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0x00AA, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", Some("DHE-PSK-AES128-GCM-SHA256"), Kx::DhePsk, Auth::Psk, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0x00AB, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384", Some("DHE-PSK-AES256-GCM-SHA384"), Kx::DhePsk, Auth::Psk, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0x00AC, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256", Some("RSA-PSK-AES128-GCM-SHA256"), Kx::RsaPsk, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0x00AD, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384", Some("RSA-PSK-AES256-GCM-SHA384"), Kx::RsaPsk, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0x00AE, "TLS_PSK_WITH_AES_128_CBC_SHA256", Some("PSK-AES128-CBC-SHA256"), Kx::Psk, Auth::Psk, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x00AF, "TLS_PSK_WITH_AES_256_CBC_SHA384", Some("PSK-AES256-CBC-SHA384"), Kx::Psk, Auth::Psk, Cipher::AesCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0x00B0, "TLS_PSK_WITH_NULL_SHA256", Some("PSK-NULL-SHA256"), Kx::Psk, Auth::Psk, Cipher::Null, Mac::Sha256, 0, Version::Tls12, false, true, true),
    s(0x00B1, "TLS_PSK_WITH_NULL_SHA384", Some("PSK-NULL-SHA384"), Kx::Psk, Auth::Psk, Cipher::Null, Mac::Sha384, 0, Version::Tls12, false, true, true),
    s(0x00B2, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256", Some("DHE-PSK-AES128-CBC-SHA256"), Kx::DhePsk, Auth::Psk, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x00B3, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384", Some("DHE-PSK-AES256-CBC-SHA384"), Kx::DhePsk, Auth::Psk, Cipher::AesCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0x00B4, "TLS_DHE_PSK_WITH_NULL_SHA256", Some("DHE-PSK-NULL-SHA256"), Kx::DhePsk, Auth::Psk, Cipher::Null, Mac::Sha256, 0, Version::Tls12, false, true, true),
    s(0x00B5, "TLS_DHE_PSK_WITH_NULL_SHA384", Some("DHE-PSK-NULL-SHA384"), Kx::DhePsk, Auth::Psk, Cipher::Null, Mac::Sha384, 0, Version::Tls12, false, true, true),
    s(0x00B6, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256", Some("RSA-PSK-AES128-CBC-SHA256"), Kx::RsaPsk, Auth::Rsa, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x00B7, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384", Some("RSA-PSK-AES256-CBC-SHA384"), Kx::RsaPsk, Auth::Rsa, Cipher::AesCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0x00B8, "TLS_RSA_PSK_WITH_NULL_SHA256", Some("RSA-PSK-NULL-SHA256"), Kx::RsaPsk, Auth::Rsa, Cipher::Null, Mac::Sha256, 0, Version::Tls12, false, true, true),
    s(0x00B9, "TLS_RSA_PSK_WITH_NULL_SHA384", Some("RSA-PSK-NULL-SHA384"), Kx::RsaPsk, Auth::Rsa, Cipher::Null, Mac::Sha384, 0, Version::Tls12, false, true, true),
    s(0x00BA, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256", Some("CAMELLIA128-SHA256"), Kx::Rsa, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x00BB, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256", None, Kx::Dh, Auth::Dss, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x00BC, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256", None, Kx::Dh, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x00BD, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256", Some("DHE-DSS-CAMELLIA128-SHA256"), Kx::Dhe, Auth::Dss, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x00BE, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", Some("DHE-RSA-CAMELLIA128-SHA256"), Kx::Dhe, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0x00BF, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256", Some("ADH-CAMELLIA128-SHA256"), Kx::Dhe, Auth::Anon, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, true, true),
    s(0x00C0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256", Some("CAMELLIA256-SHA256"), Kx::Rsa, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha256, 256, Version::Tls12, false, false, true),
    s(0x00C1, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256", None, Kx::Dh, Auth::Dss, Cipher::CamelliaCbc, Mac::Sha256, 256, Version::Tls12, false, false, true),
    s(0x00C2, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256", None, Kx::Dh, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha256, 256, Version::Tls12, false, false, true),
    s(0x00C3, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256", Some("DHE-DSS-CAMELLIA256-SHA256"), Kx::Dhe, Auth::Dss, Cipher::CamelliaCbc, Mac::Sha256, 256, Version::Tls12, false, false, true),
    s(0x00C4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256", Some("DHE-RSA-CAMELLIA256-SHA256"), Kx::Dhe, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha256, 256, Version::Tls12, false, false, true),
    s(0x00C5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256", Some("ADH-CAMELLIA256-SHA256"), Kx::Dhe, Auth::Anon, Cipher::CamelliaCbc, Mac::Sha256, 256, Version::Tls12, false, true, true),
    s(0x00C6, "TLS_SM4_GCM_SM3", None, Kx::Any, Auth::Any, Cipher::Sm4Gcm, Mac::Sm3, 128, Version::Tls13, false, false, true),
    s(0x00C7, "TLS_SM4_CCM_SM3", None, Kx::Any, Auth::Any, Cipher::Sm4Ccm, Mac::Sm3, 128, Version::Tls13, false, false, true),
    s(0x1301, "TLS_AES_128_GCM_SHA256", Some("TLS_AES_128_GCM_SHA256"), Kx::Any, Auth::Any, Cipher::AesGcm, Mac::Aead, 128, Version::Tls13, false, false, true),
    s(0x1302, "TLS_AES_256_GCM_SHA384", Some("TLS_AES_256_GCM_SHA384"), Kx::Any, Auth::Any, Cipher::AesGcm, Mac::Aead, 256, Version::Tls13, false, false, true),
    s(0x1303, "TLS_CHACHA20_POLY1305_SHA256", Some("TLS_CHACHA20_POLY1305_SHA256"), Kx::Any, Auth::Any, Cipher::ChaCha20Poly1305, Mac::Aead, 256, Version::Tls13, false, false, true),
    s(0x1304, "TLS_AES_128_CCM_SHA256", None, Kx::Any, Auth::Any, Cipher::AesCcm, Mac::Aead, 128, Version::Tls13, false, false, true),
    s(0x1305, "TLS_AES_128_CCM_8_SHA256", None, Kx::Any, Auth::Any, Cipher::AesCcm8, Mac::Aead, 128, Version::Tls13, false, false, true),
    s(0x1306, "TLS_AEGIS_256_SHA512", None, Kx::Any, Auth::Any, Cipher::Aegis256, Mac::Aead, 256, Version::Tls13, false, false, true),
    s(0x1307, "TLS_AEGIS_128L_SHA256", None, Kx::Any, Auth::Any, Cipher::Aegis128L, Mac::Aead, 128, Version::Tls13, false, false, true),
    s(0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA", Some("ECDH-ECDSA-NULL-SHA"), Kx::Ecdh, Auth::Ecdsa, Cipher::Null, Mac::Sha1, 0, Version::Ssl3, false, true, true),
    s(0xC002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA", Some("ECDH-ECDSA-RC4-SHA"), Kx::Ecdh, Auth::Ecdsa, Cipher::Rc4, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0xC003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA", Some("ECDH-ECDSA-DES-CBC3-SHA"), Kx::Ecdh, Auth::Ecdsa, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0xC004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA", Some("ECDH-ECDSA-AES128-SHA"), Kx::Ecdh, Auth::Ecdsa, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0xC005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA", Some("ECDH-ECDSA-AES256-SHA"), Kx::Ecdh, Auth::Ecdsa, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA", Some("ECDHE-ECDSA-NULL-SHA"), Kx::Ecdhe, Auth::Ecdsa, Cipher::Null, Mac::Sha1, 0, Version::Ssl3, false, true, true),
    s(0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", Some("ECDHE-ECDSA-RC4-SHA"), Kx::Ecdhe, Auth::Ecdsa, Cipher::Rc4, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", Some("ECDHE-ECDSA-DES-CBC3-SHA"), Kx::Ecdhe, Auth::Ecdsa, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", Some("ECDHE-ECDSA-AES128-SHA"), Kx::Ecdhe, Auth::Ecdsa, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", Some("ECDHE-ECDSA-AES256-SHA"), Kx::Ecdhe, Auth::Ecdsa, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0xC00B, "TLS_ECDH_RSA_WITH_NULL_SHA", Some("ECDH-RSA-NULL-SHA"), Kx::Ecdh, Auth::Rsa, Cipher::Null, Mac::Sha1, 0, Version::Ssl3, false, true, true),
    s(0xC00C, "TLS_ECDH_RSA_WITH_RC4_128_SHA", Some("ECDH-RSA-RC4-SHA"), Kx::Ecdh, Auth::Rsa, Cipher::Rc4, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0xC00D, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA", Some("ECDH-RSA-DES-CBC3-SHA"), Kx::Ecdh, Auth::Rsa, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0xC00E, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA", Some("ECDH-RSA-AES128-SHA"), Kx::Ecdh, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0xC00F, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA", Some("ECDH-RSA-AES256-SHA"), Kx::Ecdh, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA", Some("ECDHE-RSA-NULL-SHA"), Kx::Ecdhe, Auth::Rsa, Cipher::Null, Mac::Sha1, 0, Version::Ssl3, false, true, true),
    s(0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", Some("ECDHE-RSA-RC4-SHA"), Kx::Ecdhe, Auth::Rsa, Cipher::Rc4, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", Some("ECDHE-RSA-DES-CBC3-SHA"), Kx::Ecdhe, Auth::Rsa, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", Some("ECDHE-RSA-AES128-SHA"), Kx::Ecdhe, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", Some("ECDHE-RSA-AES256-SHA"), Kx::Ecdhe, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0xC015, "TLS_ECDH_anon_WITH_NULL_SHA", Some("AECDH-NULL-SHA"), Kx::Ecdhe, Auth::Anon, Cipher::Null, Mac::Sha1, 0, Version::Ssl3, false, true, true),
    s(0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA", Some("AECDH-RC4-SHA"), Kx::Ecdhe, Auth::Anon, Cipher::Rc4, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA", Some("AECDH-DES-CBC3-SHA"), Kx::Ecdhe, Auth::Anon, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA", Some("AECDH-AES128-SHA"), Kx::Ecdhe, Auth::Anon, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA", Some("AECDH-AES256-SHA"), Kx::Ecdhe, Auth::Anon, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, true, true),
    s(0xC01A, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA", Some("SRP-3DES-EDE-CBC-SHA"), Kx::Srp, Auth::Srp, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0xC01B, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA", Some("SRP-RSA-3DES-EDE-CBC-SHA"), Kx::Srp, Auth::Rsa, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0xC01C, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA", Some("SRP-DSS-3DES-EDE-CBC-SHA"), Kx::Srp, Auth::Dss, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0xC01D, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA", Some("SRP-AES-128-CBC-SHA"), Kx::Srp, Auth::Srp, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0xC01E, "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA", Some("SRP-RSA-AES-128-CBC-SHA"), Kx::Srp, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0xC01F, "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA", Some("SRP-DSS-AES-128-CBC-SHA"), Kx::Srp, Auth::Dss, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0xC020, "TLS_SRP_SHA_WITH_AES_256_CBC_SHA", Some("SRP-AES-256-CBC-SHA"), Kx::Srp, Auth::Srp, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0xC021, "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA", Some("SRP-RSA-AES-256-CBC-SHA"), Kx::Srp, Auth::Rsa, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0xC022, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA", Some("SRP-DSS-AES-256-CBC-SHA"), Kx::Srp, Auth::Dss, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", Some("ECDHE-ECDSA-AES128-SHA256"), Kx::Ecdhe, Auth::Ecdsa, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", Some("ECDHE-ECDSA-AES256-SHA384"), Kx::Ecdhe, Auth::Ecdsa, Cipher::AesCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256", Some("ECDH-ECDSA-AES128-SHA256"), Kx::Ecdh, Auth::Ecdsa, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384", Some("ECDH-ECDSA-AES256-SHA384"), Kx::Ecdh, Auth::Ecdsa, Cipher::AesCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", Some("ECDHE-RSA-AES128-SHA256"), Kx::Ecdhe, Auth::Rsa, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", Some("ECDHE-RSA-AES256-SHA384"), Kx::Ecdhe, Auth::Rsa, Cipher::AesCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256", Some("ECDH-RSA-AES128-SHA256"), Kx::Ecdh, Auth::Rsa, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC02A, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384", Some("ECDH-RSA-AES256-SHA384"), Kx::Ecdh, Auth::Rsa, Cipher::AesCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", Some("ECDHE-ECDSA-AES128-GCM-SHA256"), Kx::Ecdhe, Auth::Ecdsa, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", Some("ECDHE-ECDSA-AES256-GCM-SHA384"), Kx::Ecdhe, Auth::Ecdsa, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC02D, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256", Some("ECDH-ECDSA-AES128-GCM-SHA256"), Kx::Ecdh, Auth::Ecdsa, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC02E, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384", Some("ECDH-ECDSA-AES256-GCM-SHA384"), Kx::Ecdh, Auth::Ecdsa, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Some("ECDHE-RSA-AES128-GCM-SHA256"), Kx::Ecdhe, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", Some("ECDHE-RSA-AES256-GCM-SHA384"), Kx::Ecdhe, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256", Some("ECDH-RSA-AES128-GCM-SHA256"), Kx::Ecdh, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384", Some("ECDH-RSA-AES256-GCM-SHA384"), Kx::Ecdh, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC033, "TLS_ECDHE_PSK_WITH_RC4_128_SHA", Some("ECDHE-PSK-RC4-SHA"), Kx::EcdhePsk, Auth::Psk, Cipher::Rc4, Mac::Sha1, 128, Version::Ssl3, false, true, true),
    s(0xC034, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA", Some("ECDHE-PSK-3DES-EDE-CBC-SHA"), Kx::EcdhePsk, Auth::Psk, Cipher::TripleDesCbc, Mac::Sha1, 112, Version::Ssl3, false, true, true),
    s(0xC035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA", Some("ECDHE-PSK-AES128-CBC-SHA"), Kx::EcdhePsk, Auth::Psk, Cipher::AesCbc, Mac::Sha1, 128, Version::Ssl3, false, false, true),
    s(0xC036, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA", Some("ECDHE-PSK-AES256-CBC-SHA"), Kx::EcdhePsk, Auth::Psk, Cipher::AesCbc, Mac::Sha1, 256, Version::Ssl3, false, false, true),
    s(0xC037, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", Some("ECDHE-PSK-AES128-CBC-SHA256"), Kx::EcdhePsk, Auth::Psk, Cipher::AesCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC038, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384", Some("ECDHE-PSK-AES256-CBC-SHA384"), Kx::EcdhePsk, Auth::Psk, Cipher::AesCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC039, "TLS_ECDHE_PSK_WITH_NULL_SHA", Some("ECDHE-PSK-NULL-SHA"), Kx::EcdhePsk, Auth::Psk, Cipher::Null, Mac::Sha1, 0, Version::Ssl3, false, true, true),
    s(0xC03A, "TLS_ECDHE_PSK_WITH_NULL_SHA256", Some("ECDHE-PSK-NULL-SHA256"), Kx::EcdhePsk, Auth::Psk, Cipher::Null, Mac::Sha256, 0, Version::Tls12, false, true, true),
    s(0xC03B, "TLS_ECDHE_PSK_WITH_NULL_SHA384", Some("ECDHE-PSK-NULL-SHA384"), Kx::EcdhePsk, Auth::Psk, Cipher::Null, Mac::Sha384, 0, Version::Tls12, false, true, true),
    s(0xC03C, "TLS_RSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Rsa, Auth::Rsa, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC03D, "TLS_RSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Rsa, Auth::Rsa, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC03E, "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256", None, Kx::Dh, Auth::Dss, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC03F, "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384", None, Kx::Dh, Auth::Dss, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC040, "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Dh, Auth::Rsa, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC041, "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Dh, Auth::Rsa, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC042, "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256", None, Kx::Dhe, Auth::Dss, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC043, "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384", None, Kx::Dhe, Auth::Dss, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC044, "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Dhe, Auth::Rsa, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC045, "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Dhe, Auth::Rsa, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC046, "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256", None, Kx::Dhe, Auth::Anon, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, true, true),
    s(0xC047, "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384", None, Kx::Dhe, Auth::Anon, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, true, true),
    s(0xC048, "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Ecdhe, Auth::Ecdsa, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC049, "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Ecdhe, Auth::Ecdsa, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC04A, "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Ecdh, Auth::Ecdsa, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC04B, "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Ecdh, Auth::Ecdsa, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC04C, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Ecdhe, Auth::Rsa, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC04D, "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Ecdhe, Auth::Rsa, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC04E, "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256", None, Kx::Ecdh, Auth::Rsa, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC04F, "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384", None, Kx::Ecdh, Auth::Rsa, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256", Some("ARIA128-GCM-SHA256"), Kx::Rsa, Auth::Rsa, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384", Some("ARIA256-GCM-SHA384"), Kx::Rsa, Auth::Rsa, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256", Some("DHE-RSA-ARIA128-GCM-SHA256"), Kx::Dhe, Auth::Rsa, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384", Some("DHE-RSA-ARIA256-GCM-SHA384"), Kx::Dhe, Auth::Rsa, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC054, "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256", None, Kx::Dh, Auth::Rsa, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC055, "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384", None, Kx::Dh, Auth::Rsa, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC056, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256", Some("DHE-DSS-ARIA128-GCM-SHA256"), Kx::Dhe, Auth::Dss, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC057, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384", Some("DHE-DSS-ARIA256-GCM-SHA384"), Kx::Dhe, Auth::Dss, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC058, "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256", None, Kx::Dh, Auth::Dss, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC059, "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384", None, Kx::Dh, Auth::Dss, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC05A, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256", None, Kx::Dhe, Auth::Anon, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, true, true),
    s(0xC05B, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384", None, Kx::Dhe, Auth::Anon, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, true, true),
    s(0xC05C, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256", Some("ECDHE-ECDSA-ARIA128-GCM-SHA256"), Kx::Ecdhe, Auth::Ecdsa, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC05D, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384", Some("ECDHE-ECDSA-ARIA256-GCM-SHA384"), Kx::Ecdhe, Auth::Ecdsa, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC05E, "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256", None, Kx::Ecdh, Auth::Ecdsa, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC05F, "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384", None, Kx::Ecdh, Auth::Ecdsa, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256", Some("ECDHE-ARIA128-GCM-SHA256"), Kx::Ecdhe, Auth::Rsa, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384", Some("ECDHE-ARIA256-GCM-SHA384"), Kx::Ecdhe, Auth::Rsa, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC062, "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256", None, Kx::Ecdh, Auth::Rsa, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC063, "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384", None, Kx::Ecdh, Auth::Rsa, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC064, "TLS_PSK_WITH_ARIA_128_CBC_SHA256", None, Kx::Psk, Auth::Psk, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC065, "TLS_PSK_WITH_ARIA_256_CBC_SHA384", None, Kx::Psk, Auth::Psk, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC066, "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256", None, Kx::DhePsk, Auth::Psk, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC067, "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384", None, Kx::DhePsk, Auth::Psk, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC068, "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256", None, Kx::RsaPsk, Auth::Rsa, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC069, "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384", None, Kx::RsaPsk, Auth::Rsa, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC06A, "TLS_PSK_WITH_ARIA_128_GCM_SHA256", Some("PSK-ARIA128-GCM-SHA256"), Kx::Psk, Auth::Psk, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC06B, "TLS_PSK_WITH_ARIA_256_GCM_SHA384", Some("PSK-ARIA256-GCM-SHA384"), Kx::Psk, Auth::Psk, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC06C, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256", Some("DHE-PSK-ARIA128-GCM-SHA256"), Kx::DhePsk, Auth::Psk, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC06D, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384", Some("DHE-PSK-ARIA256-GCM-SHA384"), Kx::DhePsk, Auth::Psk, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC06E, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256", Some("RSA-PSK-ARIA128-GCM-SHA256"), Kx::RsaPsk, Auth::Rsa, Cipher::AriaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC06F, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384", Some("RSA-PSK-ARIA256-GCM-SHA384"), Kx::RsaPsk, Auth::Rsa, Cipher::AriaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC070, "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256", None, Kx::EcdhePsk, Auth::Psk, Cipher::AriaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC071, "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384", None, Kx::EcdhePsk, Auth::Psk, Cipher::AriaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256", Some("ECDHE-ECDSA-CAMELLIA128-SHA256"), Kx::Ecdhe, Auth::Ecdsa, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384", Some("ECDHE-ECDSA-CAMELLIA256-SHA384"), Kx::Ecdhe, Auth::Ecdsa, Cipher::CamelliaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC074, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256", None, Kx::Ecdh, Auth::Ecdsa, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC075, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384", None, Kx::Ecdh, Auth::Ecdsa, Cipher::CamelliaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", Some("ECDHE-RSA-CAMELLIA128-SHA256"), Kx::Ecdhe, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384", Some("ECDHE-RSA-CAMELLIA256-SHA384"), Kx::Ecdhe, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC078, "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256", None, Kx::Ecdh, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC079, "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384", None, Kx::Ecdh, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC07A, "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Rsa, Auth::Rsa, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC07B, "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Rsa, Auth::Rsa, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC07C, "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Dhe, Auth::Rsa, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC07D, "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Dhe, Auth::Rsa, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC07E, "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Dh, Auth::Rsa, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC07F, "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Dh, Auth::Rsa, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC080, "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Dhe, Auth::Dss, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC081, "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Dhe, Auth::Dss, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC082, "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Dh, Auth::Dss, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC083, "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Dh, Auth::Dss, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC084, "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Dhe, Auth::Anon, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, true, true),
    s(0xC085, "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Dhe, Auth::Anon, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, true, true),
    s(0xC086, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Ecdhe, Auth::Ecdsa, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC087, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Ecdhe, Auth::Ecdsa, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC088, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Ecdh, Auth::Ecdsa, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC089, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Ecdh, Auth::Ecdsa, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC08A, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Ecdhe, Auth::Rsa, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC08B, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Ecdhe, Auth::Rsa, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC08C, "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Ecdh, Auth::Rsa, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC08D, "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Ecdh, Auth::Rsa, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC08E, "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::Psk, Auth::Psk, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC08F, "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::Psk, Auth::Psk, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC090, "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::DhePsk, Auth::Psk, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC091, "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::DhePsk, Auth::Psk, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC092, "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256", None, Kx::RsaPsk, Auth::Rsa, Cipher::CamelliaGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC093, "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384", None, Kx::RsaPsk, Auth::Rsa, Cipher::CamelliaGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC094, "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256", Some("PSK-CAMELLIA128-SHA256"), Kx::Psk, Auth::Psk, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC095, "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384", Some("PSK-CAMELLIA256-SHA384"), Kx::Psk, Auth::Psk, Cipher::CamelliaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC096, "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256", Some("DHE-PSK-CAMELLIA128-SHA256"), Kx::DhePsk, Auth::Psk, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC097, "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384", Some("DHE-PSK-CAMELLIA256-SHA384"), Kx::DhePsk, Auth::Psk, Cipher::CamelliaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC098, "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256", Some("RSA-PSK-CAMELLIA128-SHA256"), Kx::RsaPsk, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC099, "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384", Some("RSA-PSK-CAMELLIA256-SHA384"), Kx::RsaPsk, Auth::Rsa, Cipher::CamelliaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC09A, "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256", Some("ECDHE-PSK-CAMELLIA128-SHA256"), Kx::EcdhePsk, Auth::Psk, Cipher::CamelliaCbc, Mac::Sha256, 128, Version::Tls12, false, false, true),
    s(0xC09B, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384", Some("ECDHE-PSK-CAMELLIA256-SHA384"), Kx::EcdhePsk, Auth::Psk, Cipher::CamelliaCbc, Mac::Sha384, 256, Version::Tls12, false, false, true),
    s(0xC09C, "TLS_RSA_WITH_AES_128_CCM", Some("AES128-CCM"), Kx::Rsa, Auth::Rsa, Cipher::AesCcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC09D, "TLS_RSA_WITH_AES_256_CCM", Some("AES256-CCM"), Kx::Rsa, Auth::Rsa, Cipher::AesCcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM", Some("DHE-RSA-AES128-CCM"), Kx::Dhe, Auth::Rsa, Cipher::AesCcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM", Some("DHE-RSA-AES256-CCM"), Kx::Dhe, Auth::Rsa, Cipher::AesCcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC0A0, "TLS_RSA_WITH_AES_128_CCM_8", Some("AES128-CCM8"), Kx::Rsa, Auth::Rsa, Cipher::AesCcm8, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC0A1, "TLS_RSA_WITH_AES_256_CCM_8", Some("AES256-CCM8"), Kx::Rsa, Auth::Rsa, Cipher::AesCcm8, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC0A2, "TLS_DHE_RSA_WITH_AES_128_CCM_8", Some("DHE-RSA-AES128-CCM8"), Kx::Dhe, Auth::Rsa, Cipher::AesCcm8, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC0A3, "TLS_DHE_RSA_WITH_AES_256_CCM_8", Some("DHE-RSA-AES256-CCM8"), Kx::Dhe, Auth::Rsa, Cipher::AesCcm8, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC0A4, "TLS_PSK_WITH_AES_128_CCM", Some("PSK-AES128-CCM"), Kx::Psk, Auth::Psk, Cipher::AesCcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC0A5, "TLS_PSK_WITH_AES_256_CCM", Some("PSK-AES256-CCM"), Kx::Psk, Auth::Psk, Cipher::AesCcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC0A6, "TLS_DHE_PSK_WITH_AES_128_CCM", Some("DHE-PSK-AES128-CCM"), Kx::DhePsk, Auth::Psk, Cipher::AesCcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC0A7, "TLS_DHE_PSK_WITH_AES_256_CCM", Some("DHE-PSK-AES256-CCM"), Kx::DhePsk, Auth::Psk, Cipher::AesCcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC0A8, "TLS_PSK_WITH_AES_128_CCM_8", Some("PSK-AES128-CCM8"), Kx::Psk, Auth::Psk, Cipher::AesCcm8, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC0A9, "TLS_PSK_WITH_AES_256_CCM_8", Some("PSK-AES256-CCM8"), Kx::Psk, Auth::Psk, Cipher::AesCcm8, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC0AA, "TLS_PSK_DHE_WITH_AES_128_CCM_8", Some("DHE-PSK-AES128-CCM8"), Kx::DhePsk, Auth::Psk, Cipher::AesCcm8, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC0AB, "TLS_PSK_DHE_WITH_AES_256_CCM_8", Some("DHE-PSK-AES256-CCM8"), Kx::DhePsk, Auth::Psk, Cipher::AesCcm8, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", Some("ECDHE-ECDSA-AES128-CCM"), Kx::Ecdhe, Auth::Ecdsa, Cipher::AesCcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", Some("ECDHE-ECDSA-AES256-CCM"), Kx::Ecdhe, Auth::Ecdsa, Cipher::AesCcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", Some("ECDHE-ECDSA-AES128-CCM8"), Kx::Ecdhe, Auth::Ecdsa, Cipher::AesCcm8, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", Some("ECDHE-ECDSA-AES256-CCM8"), Kx::Ecdhe, Auth::Ecdsa, Cipher::AesCcm8, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC0B0, "TLS_ECCPWD_WITH_AES_128_GCM_SHA256", None, Kx::EccPwd, Auth::EccPwd, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC0B1, "TLS_ECCPWD_WITH_AES_256_GCM_SHA384", None, Kx::EccPwd, Auth::EccPwd, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC0B2, "TLS_ECCPWD_WITH_AES_128_CCM_SHA256", None, Kx::EccPwd, Auth::EccPwd, Cipher::AesCcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xC0B3, "TLS_ECCPWD_WITH_AES_256_CCM_SHA384", None, Kx::EccPwd, Auth::EccPwd, Cipher::AesCcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xC0B4, "TLS_SHA256_SHA256", None, Kx::Any, Auth::Any, Cipher::Null, Mac::Sha256, 0, Version::Tls13, false, true, true),
    s(0xC0B5, "TLS_SHA384_SHA384", None, Kx::Any, Auth::Any, Cipher::Null, Mac::Sha384, 0, Version::Tls13, false, true, true),
    s(0xC100, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC", None, Kx::Gost, Auth::Gost, Cipher::KuznyechikCtr, Mac::GostOmac, 256, Version::Tls12, false, false, true),
    s(0xC101, "TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC", None, Kx::Gost, Auth::Gost, Cipher::MagmaCtr, Mac::GostOmac, 256, Version::Tls12, false, false, true),
    s(0xC102, "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT", None, Kx::Gost, Auth::Gost, Cipher::Gost28147Cnt, Mac::GostImit, 256, Version::Tls12, false, false, true),
    s(0xC103, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L", None, Kx::Gost, Auth::Gost, Cipher::KuznyechikMgm, Mac::Aead, 256, Version::Tls13, false, false, true),
    s(0xC104, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_L", None, Kx::Gost, Auth::Gost, Cipher::MagmaMgm, Mac::Aead, 256, Version::Tls13, false, false, true),
    s(0xC105, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S", None, Kx::Gost, Auth::Gost, Cipher::KuznyechikMgm, Mac::Aead, 256, Version::Tls13, false, false, true),
    s(0xC106, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S", None, Kx::Gost, Auth::Gost, Cipher::MagmaMgm, Mac::Aead, 256, Version::Tls13, false, false, true),
    s(0xCC13, "OLD_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", None, Kx::Ecdhe, Auth::Rsa, Cipher::ChaCha20Poly1305, Mac::Aead, 256, Version::Tls12, false, false, false),
    s(0xCC14, "OLD_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", None, Kx::Ecdhe, Auth::Ecdsa, Cipher::ChaCha20Poly1305, Mac::Aead, 256, Version::Tls12, false, false, false),
    s(0xCC15, "OLD_TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", None, Kx::Dhe, Auth::Rsa, Cipher::ChaCha20Poly1305, Mac::Aead, 256, Version::Tls12, false, false, false),
    s(0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Some("ECDHE-RSA-CHACHA20-POLY1305"), Kx::Ecdhe, Auth::Rsa, Cipher::ChaCha20Poly1305, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", Some("ECDHE-ECDSA-CHACHA20-POLY1305"), Kx::Ecdhe, Auth::Ecdsa, Cipher::ChaCha20Poly1305, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Some("DHE-RSA-CHACHA20-POLY1305"), Kx::Dhe, Auth::Rsa, Cipher::ChaCha20Poly1305, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xCCAB, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", Some("PSK-CHACHA20-POLY1305"), Kx::Psk, Auth::Psk, Cipher::ChaCha20Poly1305, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xCCAC, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", Some("ECDHE-PSK-CHACHA20-POLY1305"), Kx::EcdhePsk, Auth::Psk, Cipher::ChaCha20Poly1305, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xCCAD, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256", Some("DHE-PSK-CHACHA20-POLY1305"), Kx::DhePsk, Auth::Psk, Cipher::ChaCha20Poly1305, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xCCAE, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256", Some("RSA-PSK-CHACHA20-POLY1305"), Kx::RsaPsk, Auth::Rsa, Cipher::ChaCha20Poly1305, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xD001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256", None, Kx::EcdhePsk, Auth::Psk, Cipher::AesGcm, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xD002, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384", None, Kx::EcdhePsk, Auth::Psk, Cipher::AesGcm, Mac::Aead, 256, Version::Tls12, false, false, true),
    s(0xD003, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256", None, Kx::EcdhePsk, Auth::Psk, Cipher::AesCcm8, Mac::Aead, 128, Version::Tls12, false, false, true),
    s(0xD005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256", None, Kx::EcdhePsk, Auth::Psk, Cipher::AesCcm, Mac::Aead, 128, Version::Tls12, false, false, true),
];

/// The suite with this code point.
pub fn by_code(code: u16) -> Option<&'static Suite> {
    // The table is sorted by code (a test pins that), so a binary search does.
    REGISTRY
        .binary_search_by_key(&code, |s| s.code)
        .ok()
        .map(|i| &REGISTRY[i])
}

/// The suite with this IANA or OpenSSL name (IANA names case-insensitively).
pub fn by_name(name: &str) -> Option<&'static Suite> {
    static BY_NAME: LazyLock<std::collections::HashMap<String, usize>> = LazyLock::new(|| {
        let mut m = std::collections::HashMap::new();
        for (i, s) in REGISTRY.iter().enumerate() {
            m.insert(s.name.to_ascii_uppercase(), i);
        }
        for (i, s) in REGISTRY.iter().enumerate() {
            if let Some(alias) = s.openssl {
                m.entry(alias.to_ascii_uppercase()).or_insert(i);
            }
        }
        m
    });
    BY_NAME
        .get(&name.trim().to_ascii_uppercase())
        .map(|&i| &REGISTRY[i])
}

/// The suites worth offering in `version`: every TLS 1.3 suite for TLS 1.3, every other suite
/// for the rest (see [`Suite::defined_in`] for why newer ones are offered to older protocols).
pub fn offerable(version: Version) -> Vec<&'static Suite> {
    REGISTRY
        .iter()
        .filter(|s| (version == Version::Tls13) == s.tls13())
        .collect()
}

/// A Windows Server 2012 R2 suite name with a curve suffix (`…_P256`, `…_P384`, `…_P521`):
/// the registry suite and the curve it is restricted to. `None` for a name without a suffix or
/// whose stem is not a known suite.
pub fn windows_name(name: &str) -> Option<(&'static Suite, Group)> {
    let name = name.trim();
    let upper = name.to_ascii_uppercase();
    let (stem, group) = [
        ("_P256", Group::SECP256R1),
        ("_P384", Group::SECP384R1),
        ("_P521", Group::SECP521R1),
    ]
    .into_iter()
    .find_map(|(suffix, g)| upper.strip_suffix(suffix).map(|stem| (stem, g)))?;
    by_name(stem).map(|s| (s, group))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_sorted_unique_and_complete_enough() {
        assert!(
            REGISTRY.windows(2).all(|w| w[0].code < w[1].code),
            "sorted by code, no duplicates"
        );
        assert!(REGISTRY.len() > 340, "{} suites", REGISTRY.len());
        let mut names: Vec<&str> = REGISTRY.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REGISTRY.len(), "names are unique");
        // One of each family the issue names.
        for name in [
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_DHE_RSA_WITH_AES_128_CCM",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            "TLS_RSA_WITH_RC4_128_SHA",
            "TLS_RSA_WITH_NULL_SHA256",
            "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
            "TLS_DH_anon_WITH_AES_128_CBC_SHA",
            "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
            "TLS_PSK_WITH_AES_128_GCM_SHA256",
            "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA",
            "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC",
            "TLS_AES_128_GCM_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256",
        ] {
            assert!(by_name(name).is_some(), "{name} missing");
        }
    }

    #[test]
    fn suites_are_described_from_their_names() {
        let s = by_code(0xC030).expect("c030");
        assert_eq!(s.name, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        assert_eq!(s.openssl, Some("ECDHE-RSA-AES256-GCM-SHA384"));
        assert_eq!(
            (s.kx, s.auth, s.cipher, s.mac, s.bits),
            (Kx::Ecdhe, Auth::Rsa, Cipher::AesGcm, Mac::Aead, 256)
        );
        assert_eq!(s.min_version, Version::Tls12);
        assert!(!s.weak && s.forward_secret() && s.ecdhe());

        let des3 = by_name("DES-CBC3-SHA").expect("3des by alias");
        assert_eq!(des3.code, 0x000A);
        assert!(des3.weak && !des3.export);
        assert_eq!(des3.bits, 112);
        assert_eq!(des3.min_version, Version::Ssl3);

        let exp = by_code(0x0003).expect("export");
        assert!(exp.export && exp.weak);
        assert_eq!(exp.bits, 40);
        let anon = by_code(0x0034).expect("anon");
        assert!(anon.anon() && anon.weak);
        assert!(by_code(0x0002).expect("null").null());
        let t13 = by_code(0x1303).expect("chacha 1.3");
        assert!(t13.tls13() && t13.defined_in(Version::Tls13) && !t13.defined_in(Version::Tls12));
        assert_eq!(t13.cipher, Cipher::ChaCha20Poly1305);
        let sha256_cbc = by_code(0x003C).expect("3c");
        assert!(!sha256_cbc.defined_in(Version::Tls11) && sha256_cbc.defined_in(Version::Tls12));
    }

    #[test]
    fn offers_split_tls13_from_the_rest() {
        let t13 = offerable(Version::Tls13);
        assert!(t13.iter().all(|s| s.tls13()));
        assert!(t13.iter().any(|s| s.code == 0x1301));
        let t10 = offerable(Version::Tls10);
        assert!(t10.iter().all(|s| !s.tls13()));
        assert_eq!(t13.len() + t10.len(), REGISTRY.len());
    }

    #[test]
    fn windows_2012_names_map_to_suite_and_curve() {
        let guide = [
            (
                "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P256",
                0xC028,
                Group::SECP256R1,
            ),
            (
                "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384",
                0xC028,
                Group::SECP384R1,
            ),
            (
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256_P256",
                0xC027,
                Group::SECP256R1,
            ),
            (
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256_P384",
                0xC027,
                Group::SECP384R1,
            ),
            (
                "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA_P256",
                0xC014,
                Group::SECP256R1,
            ),
            (
                "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA_P384",
                0xC014,
                Group::SECP384R1,
            ),
            (
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P256",
                0xC013,
                Group::SECP256R1,
            ),
            (
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P384",
                0xC013,
                Group::SECP384R1,
            ),
        ];
        for (name, code, group) in guide {
            let (s, g) = windows_name(name).expect(name);
            assert_eq!((s.code, g), (code, group), "{name}");
        }
        assert!(windows_name("TLS_RSA_WITH_AES_256_GCM_SHA384").is_none());
        assert!(windows_name("TLS_NOPE_P256").is_none());
        // Every Windows Server 2016 name of the guide is a registry name.
        for name in [
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
            "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
        ] {
            assert!(by_name(name).is_some(), "{name}");
        }
    }
}
