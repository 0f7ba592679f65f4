//! Server processes a test starts on loopback (`openssl s_server`, `gnutls-serv`,
//! pysqlbridge): a free port, a start that waits until the server accepts, and a kill when the
//! test is done with it.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a server may take to accept its first connection (a loaded machine).
const START: Duration = Duration::from_secs(20);

/// A port of 127.0.0.1 that was free a moment ago; a clash shows as the server failing to
/// start.
pub fn free_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a port to free");
    l.local_addr().expect("address").port()
}

/// A server process, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    log: PathBuf,
    /// The server's files and its log, kept as long as it runs.
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts `cmd`, which listens on 127.0.0.1:`port`, and waits until it accepts. Its
    /// stderr goes to a log in `dir` (a chatty server never blocks on a full pipe), and its
    /// stdin stays open (`openssl s_server` quits at the end of it). `install` says what to
    /// install when the program is missing or exits before accepting.
    pub fn start(mut cmd: Command, port: u16, dir: tempfile::TempDir, install: &str) -> Self {
        let program = cmd.get_program().display().to_string();
        let log = dir.path().join("server.log");
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start `{program}` ({e}): this test needs it; {install}")
            });
        let mut server = Self {
            child,
            port,
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + START;
        while TcpStream::connect_timeout(&server.addr(), Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "`{program}` exited ({status}) before accepting; {install}\n{}",
                    server.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "`{program}` did not accept on port {port} within {START:?}\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
