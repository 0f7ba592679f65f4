//! Finding a named instance's TCP port through the SQL Server Browser (MS-SQLR, UDP 1434), at
//! an address the run resolved, so `host\INSTANCE` follows the run's hosts file and resolvers
//! as every other connection does (tiberius's own `connect_named` asks the operating system).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::timeout;

/// The SQL Server Browser's port.
pub const PORT: u16 = 1434;
/// `CLNT_UCAST_INST`: the request for one instance.
const CLNT_UCAST_INST: u8 = 0x04;
/// `SVR_RESP`: the first byte of every reply.
const SVR_RESP: u8 = 0x05;
/// Replies are at most 64 KiB; one instance's is well under 1 KiB.
const MAX_REPLY: usize = 65_535 + 3;

/// Why the Browser gave no port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowseError {
    /// No reply in time, or the datagram could not be sent or was refused.
    Silent(String),
    /// A reply that does not name the instance's TCP port.
    NoPort(String),
}

/// Asks the Browser at `ip` for `instance`'s TCP port, waiting at most `wait`.
///
/// # Errors
/// When the Browser does not answer, or its answer names no TCP port for the instance.
pub async fn port_of(ip: IpAddr, instance: &str, wait: Duration) -> Result<u16, BrowseError> {
    let silent = |e: io::Error| BrowseError::Silent(e.to_string());
    let local: SocketAddr = if ip.is_ipv4() {
        (IpAddr::from([0u8; 4]), 0).into()
    } else {
        (IpAddr::from([0u16; 8]), 0).into()
    };
    let socket = UdpSocket::bind(local).await.map_err(silent)?;
    socket.connect((ip, PORT)).await.map_err(silent)?;
    let mut request = vec![CLNT_UCAST_INST];
    request.extend_from_slice(instance.as_bytes());
    request.push(0);
    socket.send(&request).await.map_err(silent)?;
    let mut buf = vec![0u8; MAX_REPLY];
    let n = match timeout(wait, socket.recv(&mut buf)).await {
        Err(_) => {
            return Err(BrowseError::Silent(format!(
                "no reply within {} ms",
                wait.as_millis()
            )));
        }
        Ok(Err(e)) => return Err(silent(e)),
        Ok(Ok(n)) => n,
    };
    tcp_port(&buf[..n]).ok_or_else(|| {
        BrowseError::NoPort(format!(
            "its reply names no TCP port for {instance} (is TCP/IP enabled for the instance?)"
        ))
    })
}

/// The `tcp;PORT` of a `SVR_RESP` reply.
fn tcp_port(reply: &[u8]) -> Option<u16> {
    if reply.len() < 3 || reply[0] != SVR_RESP {
        return None;
    }
    let len = usize::from(u16::from_le_bytes([reply[1], reply[2]]));
    let data = reply.get(3..3 + len.min(reply.len() - 3))?;
    let text = String::from_utf8_lossy(data);
    let mut fields = text.split(';');
    while let Some(key) = fields.next() {
        if key.eq_ignore_ascii_case("tcp") {
            return fields.next()?.trim().parse().ok().filter(|&p| p > 0);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(data: &str) -> Vec<u8> {
        let mut r = vec![SVR_RESP];
        r.extend_from_slice(&u16::try_from(data.len()).expect("short").to_le_bytes());
        r.extend_from_slice(data.as_bytes());
        r
    }

    #[test]
    fn the_tcp_port_is_read_from_the_reply() {
        let ok = reply(
            "ServerName;SQL1;InstanceName;SPOK;IsClustered;No;Version;13.0.5026.0;tcp;49152;;",
        );
        assert_eq!(tcp_port(&ok), Some(49152));
        let pipes_only = reply("ServerName;SQL1;InstanceName;SPOK;np;\\\\SQL1\\pipe\\sql;;");
        assert_eq!(tcp_port(&pipes_only), None);
        assert_eq!(tcp_port(&[SVR_RESP]), None);
        assert_eq!(tcp_port(&reply("tcp;0;;")), None);
        assert_eq!(tcp_port(b"\x04SPOK"), None);
        // A length longer than the datagram reads what is there.
        let mut cut = reply("tcp;1433;;");
        cut[1] = 0xff;
        assert_eq!(tcp_port(&cut), Some(1433));
    }
}
