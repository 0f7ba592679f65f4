//! The responder behind `preflight listen`: it opens the ports a service will use before that
//! service exists, so firewall rules can be tested ahead of installation, and answers every
//! connection with one identity line so the prober on the other side knows it reached this
//! machine and this run, not some other program that happens to listen on the same port.
//!
//! The line is `PREFLIGHT-RESPONDER/1 host=<hostname> token=<token> port=<port>\n`. The token is
//! random per run, printed at start, so the consultant running `preflight tcp` from another
//! machine can match it against what the colleague at this machine reads out.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::hash::{BuildHasher as _, Hasher as _};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// The first word of the identity line, with the protocol version a prober checks.
pub const PROTOCOL: &str = "PREFLIGHT-RESPONDER/1";

/// How long one connection may take to receive the line, and then to say goodbye.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);
/// Most bytes read from a client before closing on it: enough for an HTTP health check's
/// request, small enough that nobody can make the responder read a stream forever.
const DRAIN_BYTES: usize = 64 * 1024;
/// Connections answered at once; beyond this a connection gets its line without the graceful
/// close, so a flood cannot exhaust the file descriptors the listeners need.
const MAX_HANDLERS: usize = 1024;
/// Pause after a failed `accept` (out of descriptors, for one), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Who answered: the responder's host name, its per-run token and the port it was reached on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    pub host: String,
    pub token: String,
    pub port: u16,
}

impl Identity {
    /// The line the responder sends, newline included.
    pub fn line(&self) -> String {
        format!(
            "{PROTOCOL} host={} token={} port={}\n",
            self.host, self.token, self.port
        )
    }

    /// Reads an identity from the first line of what a peer sent, or `None` when it is not a
    /// responder's line (another service's banner, or a responder of another protocol version).
    pub fn parse(text: &str) -> Option<Self> {
        let line = text.lines().next()?.trim_end_matches('\r');
        let mut words = line.split(' ').filter(|w| !w.is_empty());
        if words.next()? != PROTOCOL {
            return None;
        }
        let (mut host, mut token, mut port) = (None, None, None);
        for word in words {
            // Unknown keys are ignored so a later responder can add facts without breaking
            // older probers.
            match word.split_once('=') {
                Some(("host", v)) => host = Some(v.to_owned()),
                Some(("token", v)) if !v.is_empty() => token = Some(v.to_owned()),
                Some(("port", v)) => port = v.parse::<u16>().ok(),
                _ => {}
            }
        }
        Some(Self {
            host: host
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "unknown".to_owned()),
            token: token?,
            port: port?,
        })
    }
}

/// This machine's name as the responder announces it, or `unknown`.
pub fn hostname() -> String {
    // The line is split on spaces and `=`, so the name may contain neither.
    let clean: String = crate::stamp::hostname()
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != '=')
        .collect();
    if clean.is_empty() {
        "unknown".to_owned()
    } else {
        clean
    }
}

/// A fresh token: 48 bits from std's randomly keyed hasher, fed the clock and the process id
/// so two runs started in the same instant on two machines still differ. Short enough to read
/// out over the phone, long enough that an old run's responder is not mistaken for this one.
pub fn new_token() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
}

/// A port the responder could not open, and why in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct BindError {
    pub port: u16,
    pub kind: io::ErrorKind,
    pub reason: String,
}

impl BindError {
    /// Puts an operating-system bind error in words a consultant can act on.
    pub fn new(address: IpAddr, port: u16, error: &io::Error) -> Self {
        let reason = match error.kind() {
            io::ErrorKind::AddrInUse => {
                format!("port {port} is already in use by another program")
            }
            io::ErrorKind::PermissionDenied if port < 1024 => {
                format!("port {port}: binding to ports below 1024 needs administrator/root rights")
            }
            // On Windows this is also how a port in a range reserved by the system (Hyper-V,
            // WinNAT) shows up.
            io::ErrorKind::PermissionDenied => format!(
                "port {port}: the system refused it (reserved by the system or blocked by \
                 security software; on Windows see `netsh int ipv4 show excludedportrange \
                 protocol=tcp`)"
            ),
            io::ErrorKind::AddrNotAvailable => {
                format!("port {port}: {address} is not an address of this machine")
            }
            _ => format!("port {port}: cannot open it: {error}"),
        };
        Self {
            port,
            kind: error.kind(),
            reason,
        }
    }
}

/// One connection the responder answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection {
    pub port: u16,
    pub peer: SocketAddr,
}

/// What a responder served before it stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Served {
    pub connections: u64,
    pub by_port: BTreeMap<u16, u64>,
    pub peers: BTreeSet<IpAddr>,
}

impl Served {
    /// One line: "served 3 connections from 2 addresses on ports 443,8091".
    pub fn describe(&self) -> String {
        if self.connections == 0 {
            return "served no connections".to_owned();
        }
        let ports: Vec<u16> = self.by_port.keys().copied().collect();
        format!(
            "served {} connection{} from {} address{} on port{} {}",
            self.connections,
            if self.connections == 1 { "" } else { "s" },
            self.peers.len(),
            if self.peers.len() == 1 { "" } else { "es" },
            if ports.len() == 1 { "" } else { "s" },
            crate::probe::tcp::compact(&ports),
        )
    }
}

/// The open listeners of one run, with the ports that could not be opened.
#[derive(Debug)]
pub struct Responder {
    host: String,
    token: String,
    address: IpAddr,
    listeners: Vec<(u16, TcpListener)>,
    failed: Vec<BindError>,
}

impl Responder {
    /// Opens every port on `address` (`0.0.0.0` for every IPv4 interface, `::` for IPv6). A port
    /// that cannot be opened is recorded in [`Responder::failed`]; the others still open, so
    /// one busy port does not stop the firewall test of the rest.
    pub async fn bind(address: IpAddr, ports: &[u16]) -> Self {
        Self::bind_as(address, ports, hostname(), new_token()).await
    }

    /// As [`Responder::bind`], with a given host name and token (tests and embedding).
    pub async fn bind_as(address: IpAddr, ports: &[u16], host: String, token: String) -> Self {
        let mut listeners = Vec::with_capacity(ports.len());
        let mut failed = Vec::new();
        for &port in ports {
            match TcpListener::bind(SocketAddr::new(address, port)).await {
                Ok(listener) => {
                    // Port 0 asks the system for a free port; report the one it gave.
                    let port = listener.local_addr().map_or(port, |a| a.port());
                    listeners.push((port, listener));
                }
                Err(e) => failed.push(BindError::new(address, port, &e)),
            }
        }
        Self {
            host,
            token,
            address,
            listeners,
            failed,
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn address(&self) -> IpAddr {
        self.address
    }

    /// The ports open, in the order asked.
    pub fn ports(&self) -> Vec<u16> {
        self.listeners.iter().map(|(p, _)| *p).collect()
    }

    pub fn failed(&self) -> &[BindError] {
        &self.failed
    }

    /// Answers connections until `stop` completes, calling `on_connection` for each as it is
    /// accepted. Every task it starts belongs to this future: dropping it closes the listeners
    /// and the connections in progress.
    pub async fn serve<S, F>(self, stop: S, mut on_connection: F) -> Served
    where
        S: Future<Output = ()>,
        F: FnMut(&Connection),
    {
        let (tx, mut rx) = mpsc::channel::<(u16, TcpStream, SocketAddr)>(256);
        let mut accepting = JoinSet::new();
        let mut lines = BTreeMap::new();
        for (port, listener) in self.listeners {
            let identity = Identity {
                host: self.host.clone(),
                token: self.token.clone(),
                port,
            };
            lines.insert(port, identity.line());
            accepting.spawn(accept_loop(port, listener, tx.clone()));
        }
        drop(tx);
        let mut handlers = JoinSet::new();
        let mut served = Served::default();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => break,
                Some((port, stream, peer)) = rx.recv() => {
                    served.connections += 1;
                    *served.by_port.entry(port).or_default() += 1;
                    served.peers.insert(peer.ip());
                    on_connection(&Connection { port, peer });
                    let line = lines.get(&port).cloned().unwrap_or_default();
                    if handlers.len() < MAX_HANDLERS {
                        handlers.spawn(answer(stream, line));
                    } else {
                        // Best effort: the line fits any socket buffer, so it goes out at once
                        // or not at all; the stream then closes on drop.
                        let _ = stream.try_write(line.as_bytes());
                    }
                }
                Some(_) = handlers.join_next(), if !handlers.is_empty() => {}
            }
        }
        served
    }
}

/// Hands every accepted connection to the serving loop; stops when that loop is gone.
async fn accept_loop(
    port: u16,
    listener: TcpListener,
    tx: mpsc::Sender<(u16, TcpStream, SocketAddr)>,
) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                if tx.send((port, stream, peer)).await.is_err() {
                    return;
                }
            }
            Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
        }
    }
}

/// Sends the line, then closes gracefully: our side first, then whatever the client sent is
/// read and dropped until it closes too. Closing with unread data would make the system send a
/// reset, which can destroy the line before the client reads it.
async fn answer(mut stream: TcpStream, line: String) {
    let sent = tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(line.as_bytes())).await;
    if !matches!(sent, Ok(Ok(()))) {
        return;
    }
    let _ = stream.shutdown().await;
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
        let mut buf = [0u8; 1024];
        let mut total = 0;
        while total < DRAIN_BYTES {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_line_round_trips() {
        let id = Identity {
            host: "web1.example.org".to_owned(),
            token: "0123456789ab".to_owned(),
            port: 8091,
        };
        let line = id.line();
        assert_eq!(
            line,
            "PREFLIGHT-RESPONDER/1 host=web1.example.org token=0123456789ab port=8091\n"
        );
        assert_eq!(Identity::parse(&line), Some(id.clone()));
        // CRLF, extra keys and a banner after the line do not get in the way.
        let noisy = "PREFLIGHT-RESPONDER/1 host=web1.example.org  token=0123456789ab port=8091 \
                     extra=1\r\nmore";
        assert_eq!(Identity::parse(noisy), Some(id));
    }

    #[test]
    fn other_lines_are_not_a_responder() {
        for text in [
            "",
            "SSH-2.0-OpenSSH_9.6\r\n",
            "PREFLIGHT-RESPONDER/2 host=a token=b port=1\n",
            "PREFLIGHT-RESPONDER/1 host=a port=1\n",
            "PREFLIGHT-RESPONDER/1 host=a token=b\n",
            "PREFLIGHT-RESPONDER/1 host=a token=b port=70000\n",
            "PREFLIGHT-RESPONDER/1 host=a token= port=1\n",
        ] {
            assert_eq!(Identity::parse(text), None, "{text:?}");
        }
        let no_host = Identity::parse("PREFLIGHT-RESPONDER/1 token=b port=1").expect("parses");
        assert_eq!(no_host.host, "unknown");
    }

    #[test]
    fn tokens_differ_and_read_well() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        for t in [&a, &b] {
            assert_eq!(t.len(), 12, "{t}");
            assert!(t.chars().all(|c| c.is_ascii_hexdigit()), "{t}");
        }
    }

    #[test]
    fn hostname_fits_in_the_line() {
        let h = hostname();
        assert!(!h.is_empty());
        assert!(h.chars().all(|c| c.is_ascii_graphic() && c != '='), "{h}");
    }

    #[test]
    fn bind_errors_in_plain_words() {
        let any: IpAddr = "0.0.0.0".parse().expect("address");
        let cases = [
            (
                io::ErrorKind::AddrInUse,
                443,
                "port 443 is already in use by another program",
            ),
            (
                io::ErrorKind::PermissionDenied,
                443,
                "binding to ports below 1024 needs administrator/root rights",
            ),
            (
                io::ErrorKind::PermissionDenied,
                50000,
                "reserved by the system",
            ),
            (
                io::ErrorKind::AddrNotAvailable,
                8091,
                "0.0.0.0 is not an address of this machine",
            ),
            (io::ErrorKind::Other, 8091, "port 8091: cannot open it"),
        ];
        for (kind, port, want) in cases {
            let e = BindError::new(any, port, &io::Error::new(kind, "boom"));
            assert!(e.to_string().contains(want), "{kind:?}: {e}");
            assert_eq!(e.port, port);
        }
    }

    #[test]
    fn served_in_words() {
        let mut s = Served::default();
        assert_eq!(s.describe(), "served no connections");
        s.connections = 3;
        s.by_port.extend([(443, 1), (20000, 1), (20001, 1)]);
        s.peers.insert("10.0.0.5".parse().expect("address"));
        assert_eq!(
            s.describe(),
            "served 3 connections from 1 address on ports 443,20000-20001"
        );
    }
}
