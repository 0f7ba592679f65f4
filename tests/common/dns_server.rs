//! A real DNS server for tests: hickory-server on loopback (127.0.0.1, or another 127/8 address
//! a test picks) serving zones the test writes.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::TokioRuntimeProvider;
use hickory_server::proto::rr::{LowerName, Name};
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};
use tokio::sync::oneshot;

/// A hickory-server on 127.0.0.1, UDP and TCP on the same random port, serving the given zones
/// from its own thread and runtime (so a test can run the real binary against it while it
/// serves). Stopped when dropped.
pub struct DnsServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl DnsServer {
    /// `zones`: (origin, zone-file text). `servfail`: origins whose queries get SERVFAIL.
    pub fn start(zones: &[(&str, String)], servfail: &[&str]) -> Self {
        Self::start_on(IpAddr::V4(Ipv4Addr::LOCALHOST), zones, servfail)
    }

    /// As [`DnsServer::start`], on `ip` (a loopback address).
    pub fn start_on(ip: IpAddr, zones: &[(&str, String)], servfail: &[&str]) -> Self {
        assert!(ip.is_loopback(), "test DNS servers listen on loopback only");
        let mut catalog = Catalog::new();
        for (origin, text) in zones {
            let origin = Name::from_ascii(origin).expect("origin");
            let (origin, records) = Parser::new(text.as_str(), None, Some(origin))
                .parse()
                .unwrap_or_else(|e| panic!("zone text does not parse: {e}"));
            let handler = InMemoryZoneHandler::<TokioRuntimeProvider>::new(
                origin.clone(),
                records,
                ZoneType::Primary,
                AxfrPolicy::Deny,
            )
            .expect("zone");
            catalog.upsert(
                LowerName::new(&origin),
                vec![Arc::new(handler) as Arc<dyn ZoneHandler>],
            );
        }
        for origin in servfail {
            // A zone whose every handler declines: the catalog answers SERVFAIL.
            catalog.upsert(
                LowerName::new(&Name::from_ascii(origin).expect("origin")),
                Vec::new(),
            );
        }
        let (addr_tx, addr_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            runtime.block_on(async move {
                let (udp, tcp) = bind_pair(ip).await;
                let addr = udp.local_addr().expect("udp address");
                let mut server = Server::new(catalog);
                server.register_socket(udp);
                server.register_listener(tcp, Duration::from_secs(5), 64);
                addr_tx.send(addr).expect("report the address");
                let _ = stop_rx.await;
                let _ = tokio::time::timeout(Duration::from_secs(2), server.shutdown_gracefully())
                    .await;
            });
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the DNS server started");
        assert!(addr.ip().is_loopback());
        Self {
            addr,
            stop: Some(stop_tx),
        }
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// UDP and TCP on one port; a port taken for TCP by someone else means another try.
async fn bind_pair(ip: IpAddr) -> (tokio::net::UdpSocket, tokio::net::TcpListener) {
    for _ in 0..50 {
        let udp = tokio::net::UdpSocket::bind((ip, 0))
            .await
            .expect("bind udp");
        let port = udp.local_addr().expect("udp address").port();
        if let Ok(tcp) = tokio::net::TcpListener::bind((ip, port)).await {
            return (udp, tcp);
        }
    }
    panic!("no port free for both UDP and TCP on {ip}");
}
