//! TDS, as far as a TLS scan of SQL Server needs it. A SQL Server (TDS 7.x) does not take a
//! ClientHello on its port: the client first sends a PRELOGIN message saying what encryption it
//! wants, the server answers with its version and its ENCRYPTION value, and only then does the
//! TLS handshake run, each flight carried as the payload of PRELOGIN (0x12) packets (MS-TDS
//! 2.2.6.5). A TLS scanner that sends a bare ClientHello to port 1433 learns nothing, so this
//! module gives the scanner the pieces to speak that envelope:
//!
//! - the PRELOGIN request encoded ([`encode_prelogin`]) and the reply decoded
//!   ([`decode_prelogin`]), which never panics, whatever the bytes;
//! - TLS bytes wrapped into PRELOGIN packets ([`wrap`]) and an incremental [`Unwrapper`] that
//!   strips the packet headers from what the server sends and names anything that is not TDS;
//! - [`prelogin`]: one PRELOGIN exchange on a connection of its own, for the SQL probe.
//!
//! A server with strict encryption (TDS 8.0, SQL Server 2022 and later) takes TLS first and
//! PRELOGIN inside it: such a port is scanned like any TLS endpoint, without this envelope.

#![expect(
    clippy::doc_markdown,
    reason = "protocol names (PRELOGIN, ClientHello, ENCRYPT_OFF) are words of the specs, not code"
)]

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use serde::{Serialize, Serializer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use crate::probe::tcp::human;

/// Packet type of a PRELOGIN message, and of the TLS handshake carried inside PRELOGIN.
pub const PRELOGIN: u8 = 0x12;
/// Packet type of a server's reply (the PRELOGIN reply comes as one).
pub const TABULAR_RESULT: u8 = 0x04;
const HEADER_LEN: usize = 8;
const STATUS_EOM: u8 = 0x01;
/// Status bits MS-TDS defines (end of message, ignore, two kinds of reset); any other bit set
/// means the bytes are not a TDS packet header.
const STATUS_KNOWN: u8 = 0x1F;
/// Largest packet sent: the size every server takes before LOGIN7 negotiates another.
pub const PACKET_SIZE: usize = 4096;
/// Largest packet accepted: MS-TDS caps the negotiated packet size at 32,767 bytes.
const MAX_PACKET_IN: usize = 32_767;
/// A PRELOGIN reply is a few dozen bytes; past this much without its end it is not one.
const MAX_REPLY: usize = 64 * 1024;

const OPT_VERSION: u8 = 0x00;
const OPT_ENCRYPTION: u8 = 0x01;
const OPT_INSTOPT: u8 = 0x02;
const OPT_THREADID: u8 = 0x03;
const OPT_MARS: u8 = 0x04;
const OPT_TERMINATOR: u8 = 0xFF;
/// ENCRYPT_CLIENT_CERT: a flag a server may set on top of the value to ask for a client
/// certificate; the value itself is in the low bits.
const ENCRYPT_CLIENT_CERT: u8 = 0x80;

/// The ENCRYPTION option of PRELOGIN: what a client asks for, and what a server answers.
///
/// What a server answers depends on its own setting and on the client's value (MS-TDS
/// 2.2.6.5). With the client's value:
///
/// - `Off`: a server that can encrypt but does not force it answers `Off` (TLS then protects the
///   login packet only); one that forces encryption ("Force Encryption" on) answers `Required`;
///   one with no TLS at all answers `NotSupported`. This is the informative question: it tells
///   all three settings apart.
/// - `On`: a server that can encrypt answers `On` whether it forces encryption or not;
///   `NotSupported` when it cannot. This is what a client that wants the whole session
///   encrypted sends, and what the TLS scan sends before each handshake.
/// - `NotSupported`: a server that does not force encryption answers `NotSupported` (no TLS,
///   not even for the login); one that forces it answers `Required` and the client must hang up.
/// - `Required`: not a client value in the spec; servers treat it as `On`.
///
/// Third-party servers differ: pysqlbridge answers `Off` to a client's `NotSupported`, and still
/// runs the TLS handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encryption {
    Off,
    On,
    NotSupported,
    Required,
}

impl Encryption {
    pub const ALL: [Encryption; 4] = [
        Encryption::Off,
        Encryption::On,
        Encryption::NotSupported,
        Encryption::Required,
    ];

    /// The byte on the wire.
    pub fn code(self) -> u8 {
        match self {
            Encryption::Off => 0x00,
            Encryption::On => 0x01,
            Encryption::NotSupported => 0x02,
            Encryption::Required => 0x03,
        }
    }

    /// The value of a byte on the wire, the client-certificate flag aside.
    pub fn from_code(code: u8) -> Option<Encryption> {
        Encryption::ALL
            .into_iter()
            .find(|e| e.code() == code & !ENCRYPT_CLIENT_CERT)
    }

    /// The spec's name (`ENCRYPT_OFF` …), as administrators meet it in traces.
    pub fn name(self) -> &'static str {
        match self {
            Encryption::Off => "ENCRYPT_OFF",
            Encryption::On => "ENCRYPT_ON",
            Encryption::NotSupported => "ENCRYPT_NOT_SUP",
            Encryption::Required => "ENCRYPT_REQ",
        }
    }
}

impl fmt::Display for Encryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The version a server gives in its PRELOGIN reply: the SQL Server product version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SqlVersion {
    pub major: u8,
    pub minor: u8,
    pub build: u16,
    pub sub_build: u16,
}

impl SqlVersion {
    /// The product a major version stands for, as the release is known.
    pub fn product(self) -> Option<&'static str> {
        Some(match (self.major, self.minor) {
            (8, _) => "SQL Server 2000",
            (9, _) => "SQL Server 2005",
            (10, 50) => "SQL Server 2008 R2",
            (10, _) => "SQL Server 2008",
            (11, _) => "SQL Server 2012",
            (12, _) => "SQL Server 2014",
            (13, _) => "SQL Server 2016",
            (14, _) => "SQL Server 2017",
            (15, _) => "SQL Server 2019",
            (16, _) => "SQL Server 2022",
            (17, _) => "SQL Server 2025",
            _ => return None,
        })
    }
}

impl fmt::Display for SqlVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.build)
    }
}

/// "16.0.4135", the way `SELECT @@VERSION` and the SQL Server docs write it.
impl Serialize for SqlVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a server said in its PRELOGIN reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prelogin {
    /// The product version; `None` when the reply had no VERSION option.
    pub version: Option<SqlVersion>,
    /// The server's ENCRYPTION value (see [`Encryption`] for what it means for each request).
    pub encryption: Encryption,
    /// Whether the server takes MARS; `None` when it did not say.
    pub mars: Option<bool>,
    /// The INSTOPT answer up to its NUL: empty when the server took the instance asked for (this
    /// client asks for none); `None` when it did not say.
    pub instance: Option<String>,
}

/// Appends one packet header.
fn header(out: &mut Vec<u8>, kind: u8, status: u8, payload: usize, packet_id: u8) {
    // The payload is at most PACKET_SIZE - HEADER_LEN, so the length always fits.
    let len = u16::try_from(payload + HEADER_LEN).unwrap_or(u16::MAX);
    out.push(kind);
    out.push(status);
    out.extend_from_slice(&len.to_be_bytes());
    // SPID: the server fills it in; a client sends zero.
    out.extend_from_slice(&[0, 0]);
    out.push(packet_id);
    // Window: unused, always zero.
    out.push(0);
}

/// `payload` as PRELOGIN packets of at most [`PACKET_SIZE`] bytes, the last one marked end of
/// message. `packet_id` is the first packet's id, and is left at the one to use next (servers
/// ignore it, but clients count it up from 1, wrapping at 256). An empty payload still makes
/// one packet: a message must end for the server to act on it.
pub fn wrap(payload: &[u8], packet_id: &mut u8) -> Vec<u8> {
    let body = PACKET_SIZE - HEADER_LEN;
    let count = payload.len().div_ceil(body).max(1);
    let mut out = Vec::with_capacity(payload.len() + count * HEADER_LEN);
    for n in 0..count {
        let chunk = payload.get(n * body..payload.len().min((n + 1) * body));
        let chunk = chunk.unwrap_or_default();
        let status = if n + 1 == count { STATUS_EOM } else { 0 };
        header(&mut out, PRELOGIN, status, chunk.len(), *packet_id);
        out.extend_from_slice(chunk);
        *packet_id = packet_id.wrapping_add(1);
    }
    out
}

/// The PRELOGIN payload: VERSION (this tool's), ENCRYPTION, INSTOPT, THREADID, MARS.
fn prelogin_payload(client: Encryption, instance: &str) -> Vec<u8> {
    let mut version = [0u8; 6];
    let mut parts = env!("CARGO_PKG_VERSION")
        .split('.')
        .map(|p| p.parse::<u16>().unwrap_or(0));
    version[0] = u8::try_from(parts.next().unwrap_or(0)).unwrap_or(u8::MAX);
    version[1] = u8::try_from(parts.next().unwrap_or(0)).unwrap_or(u8::MAX);
    version[2..4].copy_from_slice(&parts.next().unwrap_or(0).to_be_bytes());
    // An instance name is a NUL-terminated string: a NUL inside would end it early, and SQL
    // Server names are at most 16 characters, so a longer one is cut rather than refused.
    let mut name: Vec<u8> = instance.bytes().filter(|&b| b != 0).take(255).collect();
    name.push(0);
    let options: [(u8, &[u8]); 5] = [
        (OPT_VERSION, &version),
        (OPT_ENCRYPTION, &[client.code()]),
        (OPT_INSTOPT, &name),
        // The thread id is for the server's traces only; zero says nothing about this machine.
        (OPT_THREADID, &[0, 0, 0, 0]),
        (OPT_MARS, &[0]),
    ];
    let table = options.len() * 5 + 1;
    let mut out = Vec::with_capacity(table + 16 + name.len());
    let mut offset = table;
    for (token, data) in options {
        out.push(token);
        out.extend_from_slice(&u16::try_from(offset).unwrap_or(u16::MAX).to_be_bytes());
        out.extend_from_slice(&u16::try_from(data.len()).unwrap_or(u16::MAX).to_be_bytes());
        offset += data.len();
    }
    out.push(OPT_TERMINATOR);
    for (_, data) in options {
        out.extend_from_slice(data);
    }
    out
}

/// A PRELOGIN request as it goes on the wire (packet header included), asking for `client`
/// encryption and, when `instance` is not empty, checking that the server is that instance.
pub fn encode_prelogin(client: Encryption, instance: &str) -> Vec<u8> {
    wrap(&prelogin_payload(client, instance), &mut 1)
}

/// Decodes a PRELOGIN reply's payload (the packet headers already stripped). Options it does
/// not know are skipped, as newer servers add some.
///
/// # Errors
///
/// In words: an option list without its terminator, an option pointing past the end, a
/// VERSION that is not 6 bytes, an ENCRYPTION value MS-TDS does not define, and a reply
/// without ENCRYPTION (nothing can follow it).
pub fn decode_prelogin(payload: &[u8]) -> Result<Prelogin, String> {
    let mut version = None;
    let mut encryption = None;
    let mut mars = None;
    let mut instance = None;
    let mut at = 0;
    loop {
        let Some(&token) = payload.get(at) else {
            return Err(if payload.is_empty() {
                "the PRELOGIN reply is empty".to_owned()
            } else {
                "the PRELOGIN reply's option list has no terminator".to_owned()
            });
        };
        if token == OPT_TERMINATOR {
            break;
        }
        let Some(entry) = payload.get(at + 1..at + 5) else {
            return Err("the PRELOGIN reply's option list is cut short".to_owned());
        };
        let offset = usize::from(u16::from_be_bytes([entry[0], entry[1]]));
        let len = usize::from(u16::from_be_bytes([entry[2], entry[3]]));
        let Some(data) = payload.get(offset..offset + len) else {
            return Err(format!(
                "the PRELOGIN reply's option {token:#04x} points past its end (bytes \
                 {offset}..{} of {})",
                offset + len,
                payload.len()
            ));
        };
        // The first answer to an option counts; a server has no reason to repeat one.
        match token {
            OPT_VERSION if version.is_none() => {
                let [major, minor, b0, b1, s0, s1, ..] = *data else {
                    return Err(format!(
                        "the PRELOGIN reply's VERSION is {} bytes, not 6",
                        data.len()
                    ));
                };
                version = Some(SqlVersion {
                    major,
                    minor,
                    build: u16::from_be_bytes([b0, b1]),
                    sub_build: u16::from_be_bytes([s0, s1]),
                });
            }
            OPT_ENCRYPTION if encryption.is_none() => {
                let Some(&code) = data.first() else {
                    return Err("the PRELOGIN reply's ENCRYPTION is empty".to_owned());
                };
                encryption = Some(Encryption::from_code(code).ok_or_else(|| {
                    format!("the PRELOGIN reply's ENCRYPTION value {code:#04x} is not one MS-TDS defines")
                })?);
            }
            OPT_INSTOPT if instance.is_none() => {
                let name = data.split(|&b| b == 0).next().unwrap_or_default();
                instance = Some(String::from_utf8_lossy(name).into_owned());
            }
            OPT_MARS if mars.is_none() => mars = data.first().map(|&b| b != 0),
            _ => {}
        }
        at += 5;
    }
    Ok(Prelogin {
        version,
        encryption: encryption.ok_or("the PRELOGIN reply has no ENCRYPTION option")?,
        mars,
        instance,
    })
}

/// Strips TDS packet headers from what a server sends, a read at a time, and hands back the
/// payload: the TLS bytes of a handshake, or a PRELOGIN reply. Bytes that cannot be a packet
/// header make [`Unwrapper::feed`] fail with words saying what they look like instead.
#[derive(Debug, Default)]
pub struct Unwrapper {
    /// A packet not yet whole.
    partial: Vec<u8>,
    /// Payload not yet taken.
    out: Vec<u8>,
    /// Whether the last whole packet ended its message.
    ended: bool,
    packets: usize,
    failed: Option<String>,
}

impl Unwrapper {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the bytes of one read.
    ///
    /// # Errors
    ///
    /// Once the bytes show the stream is not TDS (a packet type other than PRELOGIN or a
    /// reply, an unknown status bit, a length outside 8..=32767), with words saying what they
    /// look like instead; and on every later call.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), String> {
        if let Some(words) = &self.failed {
            return Err(words.clone());
        }
        self.partial.extend_from_slice(bytes);
        let mut used = 0;
        let result = loop {
            let rest = &self.partial[used..];
            // The type byte alone is enough to tell most other protocols apart, so a short
            // reply is named without waiting for a whole header that may never come.
            if let Some(&kind) = rest.first()
                && kind != PRELOGIN
                && kind != TABULAR_RESULT
            {
                break Err(self.not_tds(rest));
            }
            let Some(h) = rest.get(..HEADER_LEN) else {
                break Ok(());
            };
            let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
            if h[1] & !STATUS_KNOWN != 0 || !(HEADER_LEN..=MAX_PACKET_IN).contains(&len) {
                break Err(self.not_tds(rest));
            }
            let Some(packet) = rest.get(..len) else {
                break Ok(());
            };
            self.out.extend_from_slice(&packet[HEADER_LEN..]);
            self.ended = h[1] & STATUS_EOM != 0;
            self.packets += 1;
            used += len;
        };
        self.partial.drain(..used);
        if let Err(words) = &result {
            self.failed = Some(words.clone());
        }
        result
    }

    /// The payload received so far and not yet taken.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Payload bytes waiting to be taken.
    pub fn available(&self) -> usize {
        self.out.len()
    }

    /// Whether the last whole packet ended its message.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Bytes of a packet not yet whole.
    pub fn pending(&self) -> usize {
        self.partial.len()
    }

    fn not_tds(&self, rest: &[u8]) -> String {
        let what = describe(rest);
        if self.packets == 0 {
            format!("not a TDS server: {what}")
        } else {
            format!(
                "the server's TDS packets broke off after {} into bytes that are not TDS: {what}",
                self.packets
            )
        }
    }
}

/// What bytes that are not a TDS packet look like, in words.
fn describe(bytes: &[u8]) -> String {
    // A TLS record: content type 20–23, then major version 3.
    if let [kind @ 0x14..=0x17, 3, ..] = bytes {
        let record = match kind {
            0x15 => "an alert",
            0x16 => "a handshake message",
            _ => "a record",
        };
        return format!(
            "it answered with TLS ({record}), so the port speaks TLS directly (a plain TLS \
             endpoint, or a SQL Server with strict encryption): scan it without TDS"
        );
    }
    let head = &bytes[..bytes.len().min(60)];
    let printable = head
        .iter()
        .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if head.len() >= 4 && printable {
        let line: String = String::from_utf8_lossy(head)
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        return format!("it answered in plain text: `{line}`");
    }
    let hex: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(
        "it answered `{}`, which is no TDS packet header",
        hex.join(" ")
    )
}

/// Why a PRELOGIN exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failed {
    /// The server hung up without a byte.
    Closed,
    Reset(String),
    /// No whole reply by the deadline.
    TimedOut,
    Io(String),
    /// Not TDS, or a reply that does not decode: what was wrong, in words.
    Words(String),
}

impl Failed {
    /// In words, `waited` being how long the reply was waited for.
    pub(crate) fn words(&self, waited: Duration) -> String {
        match self {
            Failed::Closed => "the server closed the connection without answering the PRELOGIN \
                               request: not a SQL Server, or one with strict encryption (TDS \
                               8.0), which takes TLS first: scan it without TDS"
                .to_owned(),
            Failed::Reset(e) => format!(
                "the server reset the connection instead of answering the PRELOGIN request ({e})"
            ),
            Failed::TimedOut => format!(
                "the server did not answer the PRELOGIN request in {}: not a SQL Server?",
                human(waited)
            ),
            Failed::Io(e) => format!("the PRELOGIN exchange failed: {e}"),
            Failed::Words(w) => w.clone(),
        }
    }
}

/// A connection past its PRELOGIN exchange, ready to carry a TLS handshake.
#[derive(Debug)]
pub(crate) struct Opened {
    /// What the server answered.
    pub prelogin: Prelogin,
    /// Holds whatever the server sent after its reply, and unwraps the TLS that follows.
    pub unwrapper: Unwrapper,
    /// The id of the next packet to send.
    pub next_id: u8,
}

/// Sends a PRELOGIN asking for `client` encryption on `stream` and reads the reply, by
/// `deadline`.
pub(crate) async fn open(
    stream: &mut TcpStream,
    client: Encryption,
    deadline: Instant,
) -> Result<Opened, Failed> {
    use std::io::ErrorKind as K;
    let io = |e: &std::io::Error| match e.kind() {
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => Failed::Reset(e.to_string()),
        _ => Failed::Io(e.to_string()),
    };
    let mut next_id = 1;
    let request = wrap(&prelogin_payload(client, ""), &mut next_id);
    match timeout_at(deadline, stream.write_all(&request)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(io(&e)),
        Err(_) => return Err(Failed::TimedOut),
    }
    let mut unwrapper = Unwrapper::new();
    let mut reply = Vec::new();
    let mut chunk = vec![0u8; 4096];
    let mut read = 0usize;
    loop {
        let n = match timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(0)) if read == 0 => return Err(Failed::Closed),
            Ok(Ok(0)) => {
                return Err(Failed::Words(format!(
                    "the server closed the connection partway through its PRELOGIN reply \
                     ({read} bytes)"
                )));
            }
            Ok(Ok(n)) => n,
            Ok(Err(e)) => return Err(io(&e)),
            Err(_) => return Err(Failed::TimedOut),
        };
        read += n;
        unwrapper.feed(&chunk[..n]).map_err(Failed::Words)?;
        reply.extend(unwrapper.take());
        if unwrapper.ended() {
            break;
        }
        if reply.len() + unwrapper.pending() > MAX_REPLY {
            return Err(Failed::Words(format!(
                "not a TDS server: more than {} KiB without the end of a PRELOGIN reply",
                MAX_REPLY / 1024
            )));
        }
    }
    let prelogin = decode_prelogin(&reply)
        .map_err(|w| Failed::Words(format!("the server's PRELOGIN reply is broken: {w}")))?;
    Ok(Opened {
        prelogin,
        unwrapper,
        next_id,
    })
}

/// Connects to `addr`, sends one PRELOGIN asking for `client` encryption, reads the reply and
/// closes, all within `timeout`: the server's version and its encryption setting, before any
/// login. Ask with [`Encryption::Off`] to learn the setting: the answer is `Off` (encryption
/// available, the login protected), `Required` (the server forces encryption) or
/// `NotSupported` (no TLS at all); see [`Encryption`] for the other questions.
///
/// # Errors
///
/// In words, naming `addr`: no connection, no reply in time, a close or reset instead of a
/// reply, a reply that is not TDS (a TLS, HTTP or other server on that port), or one that does
/// not decode.
pub async fn prelogin(
    addr: SocketAddr,
    client: Encryption,
    timeout: Duration,
) -> Result<Prelogin, String> {
    let deadline = Instant::now() + timeout;
    let mut stream = match timeout_at(deadline, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(format!("could not connect to {addr}: {e}")),
        Err(_) => {
            return Err(format!(
                "{addr} did not answer the connection in {}",
                human(timeout)
            ));
        }
    };
    let _ = stream.set_nodelay(true);
    let result = open(&mut stream, client, deadline)
        .await
        .map(|o| o.prelogin)
        .map_err(|f| format!("{addr}: {}", f.words(timeout)));
    // A client that gives up after PRELOGIN is ordinary to a server; closing politely keeps it
    // out of the server's error log.
    let _ = timeout_at(deadline, stream.shutdown()).await;
    result
}

#[cfg(test)]
#[path = "tds_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply as pysqlbridge 2.1.3 sends it (captured on loopback): SQL Server 2025's version,
    /// ENCRYPT_OFF, an empty THREADID, MARS off.
    pub(super) const PYSQLBRIDGE_REPLY: [u8; 43] = [
        0x04, 0x01, 0x00, 0x2b, 0x00, 0x00, 0x01, 0x00, // header
        0x00, 0x00, 0x1a, 0x00, 0x06, // VERSION
        0x01, 0x00, 0x20, 0x00, 0x01, // ENCRYPTION
        0x02, 0x00, 0x21, 0x00, 0x01, // INSTOPT
        0x03, 0x00, 0x22, 0x00, 0x00, // THREADID, empty
        0x04, 0x00, 0x22, 0x00, 0x01, // MARS
        0xff, // terminator
        0x11, 0x00, 0x03, 0xe8, 0x00, 0x00, // 17.0.1000.0
        0x00, // ENCRYPT_OFF
        0x00, // instance accepted
        0x00, // MARS off
    ];

    #[test]
    fn the_request_matches_the_layout_of_the_spec_example() {
        // MS-TDS 4.1's request has the same options in the same order: a 26-byte table
        // (5 options and the terminator), then 6 + 1 + 1 + 4 + 1 bytes of data.
        let bytes = encode_prelogin(Encryption::On, "");
        assert_eq!(
            &bytes[..8],
            &[0x12, 0x01, 0x00, 0x2F, 0x00, 0x00, 0x01, 0x00]
        );
        assert_eq!(
            &bytes[8..34],
            &[
                0x00, 0x00, 0x1A, 0x00, 0x06, 0x01, 0x00, 0x20, 0x00, 0x01, 0x02, 0x00, 0x21, 0x00,
                0x01, 0x03, 0x00, 0x22, 0x00, 0x04, 0x04, 0x00, 0x26, 0x00, 0x01, 0xFF
            ]
        );
        // ENCRYPT_ON, an empty instance name, thread id 0, MARS off.
        assert_eq!(&bytes[40..], &[0x01, 0x00, 0, 0, 0, 0, 0x00]);
        let named = encode_prelogin(Encryption::Off, "SPOK\0DB");
        let payload = &named[8..];
        // The name's NUL is dropped, so it ends where the terminator says.
        assert_eq!(&payload[0x21..0x28], b"SPOKDB\0");
        assert_eq!(payload[0x20], 0x00);
    }

    #[test]
    fn a_pysqlbridge_reply_decodes() {
        let mut u = Unwrapper::new();
        u.feed(&PYSQLBRIDGE_REPLY).expect("TDS");
        assert!(u.ended());
        let p = decode_prelogin(&u.take()).expect("decodes");
        let v = p.version.expect("version");
        assert_eq!((v.major, v.minor, v.build, v.sub_build), (17, 0, 1000, 0));
        assert_eq!(v.to_string(), "17.0.1000");
        assert_eq!(v.product(), Some("SQL Server 2025"));
        assert_eq!(p.encryption, Encryption::Off);
        assert_eq!(p.mars, Some(false));
        assert_eq!(p.instance.as_deref(), Some(""));
        assert_eq!(
            serde_json::to_value(&p).expect("json"),
            serde_json::json!({"version": "17.0.1000", "encryption": "off", "mars": false,
                "instance": ""})
        );
    }

    #[test]
    fn every_encryption_value_round_trips_and_others_are_refused() {
        for e in Encryption::ALL {
            let mut payload = PYSQLBRIDGE_REPLY[8..].to_vec();
            payload[32] = e.code();
            assert_eq!(decode_prelogin(&payload).expect("decodes").encryption, e);
            // The client-certificate flag does not change the value.
            payload[32] = e.code() | 0x80;
            assert_eq!(decode_prelogin(&payload).expect("decodes").encryption, e);
        }
        let mut payload = PYSQLBRIDGE_REPLY[8..].to_vec();
        payload[32] = 0x07;
        let err = decode_prelogin(&payload).expect_err("unknown value");
        assert!(err.contains("0x07"), "{err}");
        // No ENCRYPTION at all: only the terminator.
        let err = decode_prelogin(&[0xFF]).expect_err("no encryption");
        assert!(err.contains("no ENCRYPTION"), "{err}");
    }

    #[test]
    fn wrapping_splits_at_the_packet_size_and_ends_the_message_once() {
        let tls: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let mut id = 2;
        let wire = wrap(&tls, &mut id);
        // 4088 + 4088 + 1824 bytes of payload.
        assert_eq!(wire.len(), tls.len() + 3 * 8);
        assert_eq!(id, 5);
        let mut at = 0;
        let mut statuses = Vec::new();
        let mut ids = Vec::new();
        while at < wire.len() {
            let len = usize::from(u16::from_be_bytes([wire[at + 2], wire[at + 3]]));
            assert!(len <= PACKET_SIZE);
            assert_eq!(wire[at], PRELOGIN);
            statuses.push(wire[at + 1]);
            ids.push(wire[at + 6]);
            at += len;
        }
        assert_eq!(statuses, [0, 0, 1]);
        assert_eq!(ids, [2, 3, 4]);
        // What wrap made, fed back a byte at a time, is what went in.
        let mut u = Unwrapper::new();
        let mut back = Vec::new();
        for b in &wire {
            u.feed(std::slice::from_ref(b)).expect("TDS");
            back.extend(u.take());
        }
        assert_eq!(back, tls);
        assert!(u.ended());
        assert_eq!(u.pending(), 0);
        // Ids wrap, and an empty payload is one empty packet.
        let mut id = 255;
        assert_eq!(wrap(&[], &mut id), [0x12, 0x01, 0x00, 0x08, 0, 0, 255, 0]);
        assert_eq!(id, 0);
    }

    #[test]
    fn what_is_not_tds_is_named() {
        let cases: [(&[u8], &str); 5] = [
            (
                &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46],
                "TLS (an alert)",
            ),
            (&[0x16, 0x03, 0x01, 0x00, 0x10], "TLS (a handshake message)"),
            (
                b"HTTP/1.1 400 Bad Request\r\n\r\n",
                "`HTTP/1.1 400 Bad Request`",
            ),
            (
                b"SSH-2.0-OpenSSH_9.6\r\n",
                "plain text: `SSH-2.0-OpenSSH_9.6`",
            ),
            (
                &[0x00, 0x01, 0x02],
                "`00 01 02`, which is no TDS packet header",
            ),
        ];
        for (bytes, words) in cases {
            let err = Unwrapper::new().feed(bytes).expect_err("not TDS");
            assert!(err.starts_with("not a TDS server: "), "{err}");
            assert!(err.contains(words), "{err}");
        }
        // A TDS type byte with a length shorter than its header, or a status TDS has no bit for.
        for header in [
            [0x04, 0x01, 0x00, 0x07, 0, 0, 1, 0],
            [0x12, 0x40, 0x00, 0x10, 0, 0, 1, 0],
            [0x04, 0x01, 0xFF, 0xFF, 0, 0, 1, 0],
        ] {
            assert!(Unwrapper::new().feed(&header).is_err(), "{header:02x?}");
        }
        // Garbage after good packets says so, and the unwrapper stays failed.
        let mut u = Unwrapper::new();
        let mut bytes = wrap(b"hello", &mut 1);
        bytes.extend_from_slice(b"HTTP/1.1 200 OK");
        let err = u.feed(&bytes).expect_err("garbage after a packet");
        assert!(err.contains("broke off after 1"), "{err}");
        assert_eq!(u.take(), b"hello");
        assert!(u.feed(&[0x12]).is_err());
    }

    #[test]
    fn a_short_type_byte_is_enough_to_wait_for_more() {
        let mut u = Unwrapper::new();
        u.feed(&[0x12, 0x01, 0x00]).expect("could be TDS");
        assert_eq!(u.pending(), 3);
        assert_eq!(u.available(), 0);
        assert!(!u.ended());
    }
}
