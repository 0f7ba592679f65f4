//! The bytes on the wire: ClientHellos for SSL 3.0 to TLS 1.3 encoded here (not by a TLS
//! library, which would refuse to offer what a scan must offer), and the server's first flight
//! decoded: ServerHello (and HelloRetryRequest), Certificate, ServerKeyExchange, ServerHelloDone
//! and alerts.
//!
//! The decoder is one pure function over the bytes received so far ([`parse_flight`]), so the
//! reader can call it after every read and the fuzz test can call it on anything. It never
//! panics and never allocates more than the input's size: every length is checked against what
//! is left before it is used.
//!
//! A TLS 1.3 server encrypts everything after its ServerHello, certificate included, so for
//! TLS 1.3 the decoder stops at the ServerHello; the chain comes from a TLS 1.2 or older
//! handshake, or from a real rustls handshake when the server speaks only TLS 1.3 (see `scan`).

#![expect(
    clippy::doc_markdown,
    reason = "protocol message names (ClientHello, ServerKeyExchange) are words of the RFCs, not code"
)]

use std::fmt;

use serde::{Serialize, Serializer};

use super::suites::{self, Kx};

/// A protocol version the scanner speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    Ssl3,
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl Version {
    pub const ALL: [Version; 5] = [
        Version::Ssl3,
        Version::Tls10,
        Version::Tls11,
        Version::Tls12,
        Version::Tls13,
    ];

    /// The version's code on the wire.
    pub fn code(self) -> u16 {
        match self {
            Version::Ssl3 => 0x0300,
            Version::Tls10 => 0x0301,
            Version::Tls11 => 0x0302,
            Version::Tls12 => 0x0303,
            Version::Tls13 => 0x0304,
        }
    }

    pub fn from_code(code: u16) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.code() == code)
    }

    /// The name scripts read (`SSLv3`, `TLSv1.0` … `TLSv1.3`).
    pub fn name(self) -> &'static str {
        match self {
            Version::Ssl3 => "SSLv3",
            Version::Tls10 => "TLSv1.0",
            Version::Tls11 => "TLSv1.1",
            Version::Tls12 => "TLSv1.2",
            Version::Tls13 => "TLSv1.3",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A named group (RFC 8422 `NamedCurve`, RFC 7919 finite-field groups, RFC 8446 `NamedGroup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Group(pub u16);

impl Group {
    pub const SECP256R1: Group = Group(23);
    pub const SECP384R1: Group = Group(24);
    pub const SECP521R1: Group = Group(25);
    pub const BRAINPOOLP256R1: Group = Group(26);
    pub const BRAINPOOLP384R1: Group = Group(27);
    pub const BRAINPOOLP512R1: Group = Group(28);
    pub const X25519: Group = Group(29);
    pub const X448: Group = Group(30);
    pub const FFDHE2048: Group = Group(256);
    pub const FFDHE3072: Group = Group(257);
    pub const FFDHE4096: Group = Group(258);
    pub const FFDHE6144: Group = Group(259);
    pub const FFDHE8192: Group = Group(260);
    pub const SECP256R1_MLKEM768: Group = Group(0x11EB);
    pub const X25519_MLKEM768: Group = Group(0x11EC);
    pub const SECP384R1_MLKEM1024: Group = Group(0x11ED);

    /// Elliptic curves a TLS 1.2 server may pick for ECDHE.
    pub const ECDHE: [Group; 8] = [
        Group::X25519,
        Group::SECP256R1,
        Group::SECP384R1,
        Group::SECP521R1,
        Group::X448,
        Group::BRAINPOOLP256R1,
        Group::BRAINPOOLP384R1,
        Group::BRAINPOOLP512R1,
    ];

    /// Groups a TLS 1.3 server may pick from `supported_groups`.
    pub const TLS13: [Group; 13] = [
        Group::X25519_MLKEM768,
        Group::SECP256R1_MLKEM768,
        Group::SECP384R1_MLKEM1024,
        Group::X25519,
        Group::SECP256R1,
        Group::SECP384R1,
        Group::SECP521R1,
        Group::X448,
        Group::FFDHE2048,
        Group::FFDHE3072,
        Group::FFDHE4096,
        Group::FFDHE6144,
        Group::FFDHE8192,
    ];

    /// The registry name (`x25519`, `secp256r1`, `ffdhe2048`, …) or the number.
    pub fn name(self) -> String {
        let known = match self.0 {
            23 => "secp256r1",
            24 => "secp384r1",
            25 => "secp521r1",
            26 => "brainpoolP256r1",
            27 => "brainpoolP384r1",
            28 => "brainpoolP512r1",
            29 => "x25519",
            30 => "x448",
            256 => "ffdhe2048",
            257 => "ffdhe3072",
            258 => "ffdhe4096",
            259 => "ffdhe6144",
            260 => "ffdhe8192",
            0x11EB => "SecP256r1MLKEM768",
            0x11EC => "X25519MLKEM768",
            0x11ED => "SecP384r1MLKEM1024",
            _ => return format!("group {}", self.0),
        };
        known.to_owned()
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for Group {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// Record content types (RFC 5246 section 6.2.1).
const CHANGE_CIPHER_SPEC: u8 = 20;
const ALERT: u8 = 21;
const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;

/// Handshake message types (RFC 5246 section 7.4, RFC 8446 section 4).
const CLIENT_HELLO: u8 = 1;
const SERVER_HELLO: u8 = 2;
const CERTIFICATE: u8 = 11;
const SERVER_KEY_EXCHANGE: u8 = 12;
const SERVER_HELLO_DONE: u8 = 14;

/// Extension types.
const EXT_SERVER_NAME: u16 = 0;
const EXT_SUPPORTED_GROUPS: u16 = 10;
const EXT_EC_POINT_FORMATS: u16 = 11;
const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
const EXT_PADDING: u16 = 21;
const EXT_EXTENDED_MASTER_SECRET: u16 = 23;
const EXT_SUPPORTED_VERSIONS: u16 = 43;
const EXT_PSK_KEY_EXCHANGE_MODES: u16 = 45;
const EXT_KEY_SHARE: u16 = 51;
const EXT_RENEGOTIATION_INFO: u16 = 0xFF01;

/// `TLS_EMPTY_RENEGOTIATION_INFO_SCSV` (RFC 5746): SSL 3.0 has no extensions, so secure
/// renegotiation is signalled by this pseudo-suite instead.
const RENEGOTIATION_SCSV: u16 = 0x00FF;

/// The ServerHello random that marks a HelloRetryRequest (RFC 8446 section 4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// The most plaintext a record may carry, plus the expansion RFC 5246 allows a compressed or
/// encrypted one; anything longer is not TLS.
const MAX_RECORD: usize = 16_384 + 2_048;

/// Signature schemes offered in TLS 1.2 and 1.3 (RFC 8446 section 4.2.3; the DSA and SHA-1
/// ones from RFC 5246 section 7.4.1.4.1 so DSS suites and old servers can still answer).
const SIGNATURE_SCHEMES: [u16; 17] = [
    0x0403, 0x0503, 0x0603, // ecdsa with sha256/384/512
    0x0807, 0x0808, // ed25519, ed448
    0x0804, 0x0805, 0x0806, // rsa_pss_rsae
    0x0809, 0x080A, 0x080B, // rsa_pss_pss
    0x0401, 0x0501, 0x0601, // rsa_pkcs1
    0x0201, 0x0203, // rsa and ecdsa with sha1
    0x0402, // dsa with sha256
];
/// DSA with SHA-1, for the oldest DSS servers; offered after the others.
const DSA_SHA1: u16 = 0x0202;

/// What a ClientHello offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    pub version: Version,
    /// Cipher suite code points, in preference order.
    pub suites: Vec<u16>,
    /// `supported_groups`, in preference order (ignored for SSL 3.0, which has no extensions).
    pub groups: Vec<Group>,
    /// `key_share` entries for TLS 1.3: a group and its public key bytes. Empty asks the server
    /// to pick a group with a HelloRetryRequest.
    pub key_shares: Vec<(Group, Vec<u8>)>,
    /// The host name for `server_name`; IP literals must not be sent (RFC 6066 section 3).
    pub sni: Option<String>,
    pub random: [u8; 32],
    /// A 32-byte session id for TLS 1.3 middlebox compatibility (RFC 8446 appendix D.4),
    /// empty otherwise.
    pub session_id: Vec<u8>,
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends `body` behind a big-endian length of `width` bytes.
fn put_vec(out: &mut Vec<u8>, width: usize, body: &[u8]) {
    let len = body.len().to_be_bytes();
    out.extend_from_slice(&len[len.len() - width..]);
    out.extend_from_slice(body);
}

fn put_ext(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    put_u16(out, kind);
    put_vec(out, 2, body);
}

impl ClientHello {
    /// The ClientHello as records ready to send.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(1024);
        // TLS 1.3 hides behind TLS 1.2's version number; `supported_versions` says the rest.
        let legacy = self.version.min(Version::Tls12);
        put_u16(&mut body, legacy.code());
        body.extend_from_slice(&self.random);
        put_vec(&mut body, 1, &self.session_id);
        let mut suites = Vec::with_capacity(self.suites.len() * 2 + 2);
        for &s in &self.suites {
            put_u16(&mut suites, s);
        }
        if self.version == Version::Ssl3 {
            put_u16(&mut suites, RENEGOTIATION_SCSV);
        }
        put_vec(&mut body, 2, &suites);
        // Only the null compression method: offering DEFLATE would invite CRIME.
        put_vec(&mut body, 1, &[0]);
        if self.version != Version::Ssl3 {
            let extensions = self.extensions(body.len());
            put_vec(&mut body, 2, &extensions);
        }
        let mut handshake = Vec::with_capacity(body.len() + 4);
        handshake.push(CLIENT_HELLO);
        put_vec(&mut handshake, 3, &body);
        // Records carry 1.0 for every TLS version: some servers reject a first record whose
        // version is higher than they speak before they even read the hello (RFC 8446
        // appendix D.2 recommends 0x0301 too). SSL 3.0 servers want 3.0.
        let record_version = if self.version == Version::Ssl3 {
            Version::Ssl3
        } else {
            Version::Tls10
        };
        let mut out = Vec::with_capacity(handshake.len() + 10);
        for chunk in handshake.chunks(16_384) {
            out.push(HANDSHAKE);
            put_u16(&mut out, record_version.code());
            put_vec(&mut out, 2, chunk);
        }
        out
    }

    /// The extensions block; `so_far` is the hello body's length before it, for the padding.
    fn extensions(&self, so_far: usize) -> Vec<u8> {
        let mut ext = Vec::with_capacity(256);
        if let Some(name) = self.sni.as_deref().filter(|n| !n.is_empty()) {
            let mut entry = vec![0u8]; // host_name
            put_vec(&mut entry, 2, name.as_bytes());
            let mut list = Vec::new();
            put_vec(&mut list, 2, &entry);
            put_ext(&mut ext, EXT_SERVER_NAME, &list);
        }
        if !self.groups.is_empty() {
            let mut list = Vec::new();
            for g in &self.groups {
                put_u16(&mut list, g.0);
            }
            let mut body = Vec::new();
            put_vec(&mut body, 2, &list);
            put_ext(&mut ext, EXT_SUPPORTED_GROUPS, &body);
            // Uncompressed points only (RFC 8422 section 5.1.2).
            put_ext(&mut ext, EXT_EC_POINT_FORMATS, &[1, 0]);
        }
        if self.version >= Version::Tls12 {
            let mut list = Vec::new();
            for s in SIGNATURE_SCHEMES.iter().chain([&DSA_SHA1]) {
                put_u16(&mut list, *s);
            }
            let mut body = Vec::new();
            put_vec(&mut body, 2, &list);
            put_ext(&mut ext, EXT_SIGNATURE_ALGORITHMS, &body);
        }
        put_ext(&mut ext, EXT_EXTENDED_MASTER_SECRET, &[]);
        // An empty renegotiation_info: "a first handshake, and I support RFC 5746".
        put_ext(&mut ext, EXT_RENEGOTIATION_INFO, &[0]);
        if self.version == Version::Tls13 {
            put_ext(&mut ext, EXT_SUPPORTED_VERSIONS, &[2, 0x03, 0x04]);
            // psk_dhe_ke: some servers insist on the extension even without a PSK.
            put_ext(&mut ext, EXT_PSK_KEY_EXCHANGE_MODES, &[1, 1]);
            let mut shares = Vec::new();
            for (g, key) in &self.key_shares {
                put_u16(&mut shares, g.0);
                put_vec(&mut shares, 2, key);
            }
            let mut body = Vec::new();
            put_vec(&mut body, 2, &shares);
            put_ext(&mut ext, EXT_KEY_SHARE, &body);
        }
        // Some load balancers hang on hellos of 256 to 511 bytes; RFC 7685 pads past them.
        let hello_len = so_far + 2 + ext.len() + 4;
        if (256..512).contains(&hello_len) {
            let pad = (512 - hello_len).saturating_sub(4);
            put_ext(&mut ext, EXT_PADDING, &vec![0; pad]);
        }
        ext
    }
}

/// An alert's level and description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub level: u8,
    pub description: u8,
}

impl Alert {
    pub fn fatal(self) -> bool {
        self.level != 1
    }

    /// The description's registry name (`handshake_failure`).
    pub fn name(self) -> String {
        let known = match self.description {
            0 => "close_notify",
            10 => "unexpected_message",
            20 => "bad_record_mac",
            21 => "decryption_failed",
            22 => "record_overflow",
            30 => "decompression_failure",
            40 => "handshake_failure",
            41 => "no_certificate",
            42 => "bad_certificate",
            43 => "unsupported_certificate",
            44 => "certificate_revoked",
            45 => "certificate_expired",
            46 => "certificate_unknown",
            47 => "illegal_parameter",
            48 => "unknown_ca",
            49 => "access_denied",
            50 => "decode_error",
            51 => "decrypt_error",
            60 => "export_restriction",
            70 => "protocol_version",
            71 => "insufficient_security",
            80 => "internal_error",
            86 => "inappropriate_fallback",
            90 => "user_canceled",
            100 => "no_renegotiation",
            109 => "missing_extension",
            110 => "unsupported_extension",
            112 => "unrecognized_name",
            113 => "bad_certificate_status_response",
            115 => "unknown_psk_identity",
            116 => "certificate_required",
            120 => "no_application_protocol",
            _ => return format!("alert {}", self.description),
        };
        known.to_owned()
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// What a ServerHello (or HelloRetryRequest) said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// The version in the hello's version field.
    pub legacy_version: u16,
    /// The version agreed: `supported_versions` when present, else the version field.
    pub version: u16,
    pub suite: u16,
    pub compression: u8,
    /// A HelloRetryRequest: the server wants another ClientHello with a share for
    /// `selected_group`.
    pub retry: bool,
    /// The group of the server's key share, or the one a HelloRetryRequest asks for.
    pub selected_group: Option<Group>,
    /// The server sent `renegotiation_info` (RFC 5746 secure renegotiation).
    pub secure_renegotiation: bool,
    /// Extension types present, in order.
    pub extensions: Vec<u16>,
}

impl ServerHello {
    /// The agreed version, when it is one the scanner knows.
    pub fn agreed(&self) -> Option<Version> {
        Version::from_code(self.version)
    }
}

/// The key exchange parameters of a ServerKeyExchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyExchange {
    /// ECDHE on a named curve.
    Ecdhe { group: Group },
    /// ECDHE on curve parameters spelled out in the message (RFC 8422 deprecates these).
    EcdheExplicit,
    /// Finite-field DHE with a prime of this many bits.
    Dhe { bits: u32 },
    /// An export suite's temporary RSA key of this many bits.
    RsaTemporary { bits: u32 },
}

/// The server's first flight as far as it has been read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flight {
    pub hello: Option<ServerHello>,
    /// The certificate chain as served (DER), TLS 1.2 and older only.
    pub certificates: Option<Vec<Vec<u8>>>,
    pub key_exchange: Option<KeyExchange>,
    /// Warning alerts that came before the flight (an `unrecognized_name` for an unknown SNI).
    pub warnings: Vec<Alert>,
}

/// Where the flight stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Read more: the flight is not over.
    NeedMore,
    /// The flight is over: ServerHelloDone (TLS 1.2 and older) or the ServerHello of TLS 1.3
    /// or a HelloRetryRequest, after which nothing more can be read in the clear.
    Done,
    /// A fatal alert (or `close_notify`).
    Alert(Alert),
    /// Not TLS, or broken TLS: what was wrong, in words.
    Malformed(String),
}

/// A reader over a byte slice whose every method checks the length first.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    fn left(&self) -> usize {
        self.buf.len()
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if n > self.buf.len() {
            return Err(format!(
                "the {what} is cut short ({n} bytes wanted, {} left)",
                self.buf.len()
            ));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, String> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u24(&mut self, what: &str) -> Result<usize, String> {
        let b = self.take(3, what)?;
        Ok(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }

    fn vec8(&mut self, what: &str) -> Result<&'a [u8], String> {
        let n = usize::from(self.u8(what)?);
        self.take(n, what)
    }

    fn vec16(&mut self, what: &str) -> Result<&'a [u8], String> {
        let n = usize::from(self.u16(what)?);
        self.take(n, what)
    }

    fn vec24(&mut self, what: &str) -> Result<&'a [u8], String> {
        let n = self.u24(what)?;
        self.take(n, what)
    }
}

/// Decodes the server's bytes received so far. Call again with more bytes on
/// [`Status::NeedMore`]; the flight returned is always what was understood, so a fatal alert
/// after a ServerHello still tells which suite the server chose.
pub fn parse_flight(buf: &[u8]) -> (Flight, Status) {
    let mut flight = Flight::default();
    let status = match parse_into(buf, &mut flight) {
        Ok(status) => status,
        Err(words) => Status::Malformed(words),
    };
    (flight, status)
}

fn parse_into(buf: &[u8], flight: &mut Flight) -> Result<Status, String> {
    if let Some(words) = not_tls(buf) {
        return Err(words);
    }
    let mut records = Reader::new(buf);
    let mut handshake: Vec<u8> = Vec::new();
    let mut used = 0;
    while records.left() >= 5 {
        let header = &records.buf[..5];
        let kind = header[0];
        let version = u16::from_be_bytes([header[1], header[2]]);
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if !(CHANGE_CIPHER_SPEC..=APPLICATION_DATA).contains(&kind) || version >> 8 != 3 {
            return Err(format!(
                "a record that is not TLS (type {kind}, version {version:#06x})"
            ));
        }
        if len > MAX_RECORD {
            return Err(format!("a record of {len} bytes, more than TLS allows"));
        }
        if records.left() < 5 + len {
            break;
        }
        records.take(5, "record header")?;
        let fragment = records.take(len, "record")?;
        match kind {
            HANDSHAKE => {
                if flight.hello.as_ref().is_some_and(is_13) {
                    // Encrypted from here on in TLS 1.3; already Done below.
                    return Ok(Status::Done);
                }
                handshake.extend_from_slice(fragment);
                let (status, consumed) = messages(&handshake[used..], flight)?;
                used += consumed;
                if let Some(status) = status {
                    return Ok(status);
                }
            }
            ALERT => {
                let mut r = Reader::new(fragment);
                let alert = Alert {
                    level: r.u8("alert")?,
                    description: r.u8("alert")?,
                };
                if alert.fatal() || alert.description == 0 {
                    return Ok(Status::Alert(alert));
                }
                flight.warnings.push(alert);
            }
            APPLICATION_DATA if flight.hello.as_ref().is_some_and(is_13) => {
                return Ok(Status::Done);
            }
            APPLICATION_DATA => {
                return Err("application data before the handshake was done".to_owned());
            }
            // TLS 1.3 servers send a ChangeCipherSpec for middleboxes (RFC 8446 appendix D.4).
            _ => {}
        }
    }
    Ok(Status::NeedMore)
}

fn is_13(h: &ServerHello) -> bool {
    h.retry || h.version == Version::Tls13.code()
}

/// Words for a reply that is plainly not TLS at all, from its first bytes.
fn not_tls(buf: &[u8]) -> Option<String> {
    if buf.is_empty() {
        return None;
    }
    let text = [b"HTTP/".as_slice(), b"<", b"SSH-"];
    if buf.len() >= 4 && text.iter().any(|p| buf.starts_with(p)) {
        let line: String = String::from_utf8_lossy(&buf[..buf.len().min(60)])
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        return Some(format!(
            "the server answered in plain text, not TLS: `{line}`"
        ));
    }
    // An SSL 2.0 record: two-byte header with the high bit set, then SERVER-HELLO (4).
    if buf.len() >= 3 && buf[0] & 0x80 != 0 && buf[2] == 4 {
        return Some("the server answered with SSL 2.0, which nothing should speak".to_owned());
    }
    None
}

/// Parses the complete handshake messages in `buf`; returns a final status if one was reached
/// and how many bytes were consumed.
fn messages(buf: &[u8], flight: &mut Flight) -> Result<(Option<Status>, usize), String> {
    let mut r = Reader::new(buf);
    let mut consumed = 0;
    while r.left() >= 4 {
        let kind = r.buf[0];
        let len = usize::from(r.buf[1]) << 16 | usize::from(r.buf[2]) << 8 | usize::from(r.buf[3]);
        if r.left() < 4 + len {
            break;
        }
        r.take(4, "handshake header")?;
        let body = r.take(len, "handshake message")?;
        consumed += 4 + len;
        match kind {
            SERVER_HELLO => {
                if flight.hello.is_some() {
                    return Err("two ServerHellos in one flight".to_owned());
                }
                let hello = server_hello(body)?;
                let done = is_13(&hello);
                flight.hello = Some(hello);
                if done {
                    return Ok((Some(Status::Done), consumed));
                }
            }
            CERTIFICATE => {
                if flight.hello.is_none() {
                    return Err("a Certificate before the ServerHello".to_owned());
                }
                flight.certificates = Some(certificates(body)?);
            }
            SERVER_KEY_EXCHANGE => {
                let Some(hello) = &flight.hello else {
                    return Err("a ServerKeyExchange before the ServerHello".to_owned());
                };
                flight.key_exchange = key_exchange(hello.suite, body)?;
            }
            SERVER_HELLO_DONE => {
                if flight.hello.is_none() {
                    return Err("a ServerHelloDone before the ServerHello".to_owned());
                }
                return Ok((Some(Status::Done), consumed));
            }
            // HelloRequest, CertificateStatus, CertificateRequest and the like say nothing a
            // scan needs.
            _ => {
                if flight.hello.is_none() && kind != 0 {
                    return Err(format!(
                        "handshake message type {kind} where a ServerHello belongs"
                    ));
                }
            }
        }
    }
    Ok((None, consumed))
}

fn server_hello(body: &[u8]) -> Result<ServerHello, String> {
    let mut r = Reader::new(body);
    let legacy_version = r.u16("ServerHello")?;
    let random = r.take(32, "ServerHello random")?;
    let session_id = r.vec8("ServerHello session id")?;
    if session_id.len() > 32 {
        return Err(format!(
            "a ServerHello session id of {} bytes (at most 32)",
            session_id.len()
        ));
    }
    let suite = r.u16("ServerHello cipher suite")?;
    let compression = r.u8("ServerHello compression")?;
    let retry = random == HRR_RANDOM;
    let mut hello = ServerHello {
        legacy_version,
        version: legacy_version,
        suite,
        compression,
        retry,
        selected_group: None,
        secure_renegotiation: false,
        extensions: Vec::new(),
    };
    if r.left() == 0 {
        return Ok(hello);
    }
    let mut exts = Reader::new(r.vec16("ServerHello extensions")?);
    while exts.left() > 0 {
        let kind = exts.u16("extension")?;
        let data = exts.vec16("extension")?;
        hello.extensions.push(kind);
        let mut d = Reader::new(data);
        match kind {
            EXT_SUPPORTED_VERSIONS => hello.version = d.u16("supported_versions")?,
            EXT_KEY_SHARE => hello.selected_group = Some(Group(d.u16("key_share")?)),
            EXT_RENEGOTIATION_INFO => hello.secure_renegotiation = true,
            _ => {}
        }
    }
    Ok(hello)
}

fn certificates(body: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut r = Reader::new(body);
    let mut list = Reader::new(r.vec24("Certificate list")?);
    let mut chain = Vec::new();
    while list.left() > 0 {
        let der = list.vec24("certificate")?;
        chain.push(der.to_vec());
    }
    Ok(chain)
}

fn key_exchange(suite: u16, body: &[u8]) -> Result<Option<KeyExchange>, String> {
    let Some(kx) = suites::by_code(suite).map(|s| s.kx) else {
        return Ok(None);
    };
    let mut r = Reader::new(body);
    if matches!(kx, Kx::DhePsk | Kx::EcdhePsk) {
        r.vec16("PSK identity hint")?;
    }
    Ok(match kx {
        Kx::Ecdhe | Kx::EcdhePsk => match r.u8("ECDH parameters")? {
            // named_curve (RFC 8422 section 5.4)
            3 => Some(KeyExchange::Ecdhe {
                group: Group(r.u16("named curve")?),
            }),
            1 | 2 => Some(KeyExchange::EcdheExplicit),
            other => return Err(format!("an unknown ECDH curve type {other}")),
        },
        Kx::Dhe | Kx::DhePsk => Some(KeyExchange::Dhe {
            bits: bit_length(r.vec16("DH prime")?),
        }),
        Kx::Rsa => Some(KeyExchange::RsaTemporary {
            bits: bit_length(r.vec16("RSA modulus")?),
        }),
        _ => None,
    })
}

/// Bits of a big-endian unsigned number.
fn bit_length(n: &[u8]) -> u32 {
    let n = match n.iter().position(|&b| b != 0) {
        Some(i) => &n[i..],
        None => return 0,
    };
    let bytes = u32::try_from(n.len()).unwrap_or(u32::MAX / 8);
    (bytes - 1).saturating_mul(8) + (8 - n[0].leading_zeros())
}

#[cfg(test)]
#[path = "wire_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(version: Version) -> ClientHello {
        ClientHello {
            version,
            suites: vec![0xC02F, 0x002F],
            groups: vec![Group::X25519, Group::SECP256R1],
            key_shares: vec![(Group::X25519, vec![7; 32])],
            sni: Some("web.example.org".to_owned()),
            random: [1; 32],
            session_id: if version == Version::Tls13 {
                vec![2; 32]
            } else {
                Vec::new()
            },
        }
    }

    /// Walks an encoded hello back to (version field, suites, extension types) so the encoder
    /// is checked by structure, not by a copy of its own output.
    #[expect(
        clippy::many_single_char_names,
        reason = "one reader per nesting level, named by its initial"
    )]
    fn decode_client_hello(bytes: &[u8]) -> (u16, Vec<u16>, Vec<u16>, Vec<u8>) {
        let mut r = Reader::new(bytes);
        assert_eq!(r.u8("type").expect("type"), HANDSHAKE);
        let record_version = r.u16("v").expect("record version");
        let rec = r.vec16("record").expect("record");
        assert_eq!(r.left(), 0, "one record");
        let mut h = Reader::new(rec);
        assert_eq!(h.u8("t").expect("t"), CLIENT_HELLO);
        let body = h.vec24("body").expect("body");
        let mut b = Reader::new(body);
        let v = b.u16("v").expect("v");
        b.take(32, "random").expect("random");
        b.vec8("sid").expect("sid");
        let mut suites = Vec::new();
        let mut s = Reader::new(b.vec16("suites").expect("suites"));
        while s.left() > 0 {
            suites.push(s.u16("s").expect("s"));
        }
        assert_eq!(b.vec8("comp").expect("comp"), &[0]);
        let mut exts = Vec::new();
        let mut sni = Vec::new();
        if b.left() > 0 {
            let mut e = Reader::new(b.vec16("exts").expect("exts"));
            while e.left() > 0 {
                let kind = e.u16("k").expect("k");
                let data = e.vec16("d").expect("d");
                if kind == EXT_SERVER_NAME {
                    sni = data[5..].to_vec();
                }
                exts.push(kind);
            }
        }
        assert_eq!(b.left(), 0);
        assert!(record_version == 0x0300 || record_version == 0x0301);
        (v, suites, exts, sni)
    }

    #[test]
    fn hellos_carry_what_each_version_needs() {
        let (v, suites, exts, _) = decode_client_hello(&hello(Version::Ssl3).encode());
        assert_eq!(v, 0x0300);
        assert_eq!(suites, [0xC02F, 0x002F, RENEGOTIATION_SCSV]);
        assert!(exts.is_empty(), "SSL 3.0 has no extensions: {exts:?}");

        let (v, _, exts, sni) = decode_client_hello(&hello(Version::Tls10).encode());
        assert_eq!(v, 0x0301);
        assert!(exts.contains(&EXT_SERVER_NAME) && exts.contains(&EXT_SUPPORTED_GROUPS));
        assert!(!exts.contains(&EXT_SIGNATURE_ALGORITHMS), "TLS 1.2 only");
        assert!(!exts.contains(&EXT_SUPPORTED_VERSIONS));
        assert_eq!(sni, b"web.example.org");

        let (v, _, exts, _) = decode_client_hello(&hello(Version::Tls12).encode());
        assert_eq!(v, 0x0303);
        assert!(exts.contains(&EXT_SIGNATURE_ALGORITHMS));
        assert!(exts.contains(&EXT_RENEGOTIATION_INFO));

        let (v, suites, exts, _) = decode_client_hello(&hello(Version::Tls13).encode());
        assert_eq!(v, 0x0303, "TLS 1.3 uses the legacy version");
        assert_eq!(suites, [0xC02F, 0x002F]);
        for e in [
            EXT_SUPPORTED_VERSIONS,
            EXT_KEY_SHARE,
            EXT_SIGNATURE_ALGORITHMS,
        ] {
            assert!(exts.contains(&e), "{e} missing: {exts:?}");
        }
    }

    #[test]
    fn hellos_skip_the_256_to_511_byte_range() {
        for n in 0..200 {
            let mut h = hello(Version::Tls12);
            h.suites = (0..n).collect();
            let bytes = h.encode();
            let hello_len = bytes.len() - 5;
            assert!(
                !(256..512).contains(&hello_len),
                "{n} suites give a {hello_len}-byte hello"
            );
        }
    }

    pub(super) fn record(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![kind, 3, 3];
        put_vec(&mut out, 2, body);
        out
    }

    pub(super) fn message(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![kind];
        put_vec(&mut out, 3, body);
        out
    }

    pub(super) fn server_hello_body(version: u16, suite: u16, exts: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut b = Vec::new();
        put_u16(&mut b, version);
        b.extend_from_slice(&[9; 32]);
        put_vec(&mut b, 1, &[]);
        put_u16(&mut b, suite);
        b.push(0);
        if !exts.is_empty() {
            let mut e = Vec::new();
            for (k, d) in exts {
                put_ext(&mut e, *k, d);
            }
            put_vec(&mut b, 2, &e);
        }
        b
    }

    pub(super) fn tls12_flight() -> Vec<u8> {
        let sh = message(
            SERVER_HELLO,
            &server_hello_body(0x0303, 0xC02F, &[(EXT_RENEGOTIATION_INFO, vec![0])]),
        );
        let mut certs = Vec::new();
        put_vec(&mut certs, 3, b"first-der");
        put_vec(&mut certs, 3, b"second");
        let mut cert_body = Vec::new();
        put_vec(&mut cert_body, 3, &certs);
        let cert = message(CERTIFICATE, &cert_body);
        let mut ske_body = vec![3];
        put_u16(&mut ske_body, 23);
        put_vec(&mut ske_body, 1, &[4; 65]);
        let ske = message(SERVER_KEY_EXCHANGE, &ske_body);
        let done = message(SERVER_HELLO_DONE, &[]);
        // The hello and certificate in one record, the rest split across two more, as
        // servers do.
        let mut all = [sh, cert].concat();
        let mut out = record(HANDSHAKE, &all);
        all = [ske, done].concat();
        let (a, b) = all.split_at(3);
        out.extend(record(HANDSHAKE, a));
        out.extend(record(HANDSHAKE, b));
        out
    }

    #[test]
    fn a_tls12_flight_decodes_whole_and_needs_more_until_done() {
        let bytes = tls12_flight();
        let (flight, status) = parse_flight(&bytes);
        assert_eq!(status, Status::Done);
        let hello = flight.hello.expect("hello");
        assert_eq!(hello.suite, 0xC02F);
        assert_eq!(hello.agreed(), Some(Version::Tls12));
        assert!(hello.secure_renegotiation);
        assert_eq!(
            flight.certificates.expect("chain"),
            [b"first-der".to_vec(), b"second".to_vec()]
        );
        assert_eq!(
            flight.key_exchange,
            Some(KeyExchange::Ecdhe {
                group: Group::SECP256R1
            })
        );
        for cut in 0..bytes.len() {
            let (_, status) = parse_flight(&bytes[..cut]);
            assert_eq!(status, Status::NeedMore, "cut at {cut}");
        }
    }

    #[test]
    fn tls13_hellos_and_retries_end_the_flight() {
        let sh = server_hello_body(
            0x0303,
            0x1302,
            &[
                (EXT_SUPPORTED_VERSIONS, vec![3, 4]),
                (EXT_KEY_SHARE, [vec![0, 29, 0, 32], vec![5; 32]].concat()),
            ],
        );
        let bytes = record(HANDSHAKE, &message(SERVER_HELLO, &sh));
        let (flight, status) = parse_flight(&bytes);
        assert_eq!(status, Status::Done);
        let h = flight.hello.expect("hello");
        assert_eq!(
            (h.agreed(), h.suite, h.retry),
            (Some(Version::Tls13), 0x1302, false)
        );
        assert_eq!(h.selected_group, Some(Group::X25519));

        let mut hrr = server_hello_body(
            0x0303,
            0x1301,
            &[
                (EXT_SUPPORTED_VERSIONS, vec![3, 4]),
                (EXT_KEY_SHARE, vec![0, 24]),
            ],
        );
        hrr[2..34].copy_from_slice(&HRR_RANDOM);
        let (flight, status) = parse_flight(&record(HANDSHAKE, &message(SERVER_HELLO, &hrr)));
        assert_eq!(status, Status::Done);
        let h = flight.hello.expect("retry");
        assert!(h.retry);
        assert_eq!(h.selected_group, Some(Group::SECP384R1));
    }

    #[test]
    fn alerts_and_garbage_are_named() {
        let (_, status) = parse_flight(&record(ALERT, &[2, 40]));
        let Status::Alert(a) = status else {
            panic!("{status:?}")
        };
        assert_eq!(a.name(), "handshake_failure");
        // A warning before the hello is skipped, and remembered.
        let mut bytes = record(ALERT, &[1, 112]);
        bytes.extend(tls12_flight());
        let (flight, status) = parse_flight(&bytes);
        assert_eq!(status, Status::Done);
        assert_eq!(flight.warnings[0].name(), "unrecognized_name");

        let (_, status) = parse_flight(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        assert!(
            matches!(&status, Status::Malformed(w) if w.contains("plain text") && w.contains("400")),
            "{status:?}"
        );
        let (_, status) = parse_flight(&[0x16, 0x07, 0x01, 0, 1, 0]);
        assert!(matches!(status, Status::Malformed(_)), "{status:?}");
        let (_, status) = parse_flight(&[0x16, 3, 3, 0xFF, 0xFF]);
        assert!(matches!(&status, Status::Malformed(w) if w.contains("more than TLS allows")));
    }

    #[test]
    fn dh_primes_are_measured_in_bits() {
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0xFF; 256]), 2048);
    }
}
