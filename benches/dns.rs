//! Figures for the DNS probe: 1,000 names resolved against a local DNS server, by `preflight
//! dns` and by `dig` as the peer, in the same run. Run with
//!
//! ```text
//! cargo bench --bench dns
//! ```
//!
//! The bench starts a hickory-server on 127.0.0.1 (random port, UDP and TCP) serving a zone of
//! 1,000 host names, writes the names to a file, then launches in turn, `RUNS` times each after
//! one unmeasured launch each:
//!
//! - `preflight dns --names-file FILE --resolver 127.0.0.1:PORT --format json` (the binary
//!   cargo built for this bench, passed as `CARGO_BIN_EXE_preflight`);
//! - `dig -f FILE @127.0.0.1 -p PORT +tries=1 +time=2`, when `dig` is installed (Debian:
//!   `bind9-dnsutils`); without it the row says "not installed".
//!
//! Then the same again against dnsmasq on 127.0.0.1 answering the names from a hosts file, when
//! it is installed (`dnsmasq-base`): a fast server in its own process, as a site's resolver is.
//! The issue's figure is the ratio of preflight's median to dig's. For the figure under load,
//! run the bench while a build runs beside it (`cargo build` in another checkout).
//!
//! Wall time runs from just before the spawn to the exit. Peak memory is the child's `VmHWM`
//! from `/proc/<pid>/status`, sampled every millisecond while it runs (the last sample before
//! it exits; Linux only). Output goes to a pipe that is drained and counted, so both programs
//! pay for writing their answers; every answer is checked (1,000 `ok` from preflight, 1,000
//! `NOERROR` from dig) so a fast failure cannot pass for speed. The library's own time for the
//! same work, in this process and without starting a program, is printed too.
//!
//! Loopback only: every query goes to a server this bench started. Each launch is killed
//! after `LAUNCH_LIMIT`, and the whole series stops after `SERIES_LIMIT`.

use std::fmt::Write as _;
use std::io::Read as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use hickory_server::Server;
use hickory_server::net::runtime::TokioRuntimeProvider;
use hickory_server::proto::rr::{LowerName, Name};
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};
use preflight::probe::dns::{self, QueryOptions, QueryType, Question, Resolver, ResolverSpec};

const NAMES: usize = 1000;
const RUNS: usize = 7;
const LAUNCH_LIMIT: Duration = Duration::from_secs(60);
const SERIES_LIMIT: Duration = Duration::from_secs(300);
const ORIGIN: &str = "bench.test.";

fn main() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let names: Vec<String> = (0..NAMES)
        .map(|i| format!("host{i:04}.bench.test"))
        .collect();
    let file = dir.path().join("names.txt");
    std::fs::write(&file, names.join("\n") + "\n").expect("write the names file");
    println!(
        "{NAMES} names (A records); {RUNS} launches of each program after one unmeasured launch, per server"
    );
    let dig_installed = Command::new("dig")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();

    let server = start_server();
    assert!(server.ip().is_loopback());
    println!();
    println!("hickory-server in this process, on {server}");
    let library = library_figures(server, &names);
    compare(&Bench {
        dir: dir.path(),
        file: &file,
        server,
        library: Some(&library),
        dig_installed,
        started,
    });

    println!();
    match Dnsmasq::start(dir.path(), &names) {
        Ok(dnsmasq) => {
            println!("dnsmasq in its own process, on {}", dnsmasq.addr);
            compare(&Bench {
                dir: dir.path(),
                file: &file,
                server: dnsmasq.addr,
                library: None,
                dig_installed,
                started,
            });
        }
        Err(why) => println!("dnsmasq: {why} (apt-get install dnsmasq-base to compare)"),
    }
}

/// One server's comparison.
struct Bench<'a> {
    dir: &'a Path,
    file: &'a Path,
    server: SocketAddr,
    /// The library's own figures, when the server runs in this process.
    library: Option<&'a Stats>,
    dig_installed: bool,
    started: Instant,
}

/// Launches preflight and dig in turn against one server and prints the figures.
fn compare(b: &Bench<'_>) {
    let preflight = Peer {
        name: "preflight dns",
        program: env!("CARGO_BIN_EXE_preflight").to_owned(),
        args: vec![
            "dns".to_owned(),
            "--names-file".to_owned(),
            b.file.display().to_string(),
            "--resolver".to_owned(),
            b.server.to_string(),
            "--format".to_owned(),
            "json".to_owned(),
        ],
        check: check_preflight,
    };
    let dig = Peer {
        name: "dig -f",
        program: "dig".to_owned(),
        args: vec![
            "-f".to_owned(),
            b.file.display().to_string(),
            format!("@{}", b.server.ip()),
            "-p".to_owned(),
            b.server.port().to_string(),
            "+tries=1".to_owned(),
            "+time=2".to_owned(),
        ],
        check: check_dig,
    };

    // Index 0 is preflight, 1 is dig.
    let peers: [&Peer; 2] = [&preflight, &dig];
    let mut samples = [Samples::default(), Samples::default()];
    for n in 0..=RUNS {
        if b.started.elapsed() > SERIES_LIMIT {
            eprintln!("warning: the series ran past {SERIES_LIMIT:?}; stopped after {n} rounds");
            break;
        }
        // Alternate which program goes first, so neither always runs on a warmer machine.
        let order = if n % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            if i == 1 && !b.dig_installed {
                continue;
            }
            let launch = launch(b.dir, peers[i]);
            if n > 0 {
                samples[i].push(&launch);
            }
        }
    }
    let [ours, theirs] = samples;

    println!(
        "{:<26} {:>10} {:>10} {:>10} {:>12}",
        "", "median", "min", "max", "peak memory"
    );
    if let Some(library) = b.library {
        println!(
            "{:<26} {:>7.1} ms {:>7.1} ms {:>7.1} ms {:>12}",
            "library (in process)",
            library.median(),
            library.min(),
            library.max(),
            "-"
        );
    }
    ours.print("preflight dns (process)");
    if b.dig_installed {
        theirs.print("dig -f (process)");
        println!(
            "preflight / dig wall time: {:.2} (the goal: at most 0.5); memory preflight / dig: {:.2}",
            ours.wall.median() / theirs.wall.median(),
            ours.memory.median() / theirs.memory.median()
        );
    } else {
        println!(
            "{:<26} not installed (apt-get install bind9-dnsutils to compare)",
            "dig -f"
        );
    }
}

// ─── The server ────────────────────────────────────────────────────────────────────────────────

/// A hickory-server on 127.0.0.1 serving `NAMES` A records, on its own thread for the life of
/// the bench.
fn start_server() -> SocketAddr {
    let mut zone = format!(
        "$ORIGIN {ORIGIN}\n$TTL 60\n@ IN SOA ns.{ORIGIN} admin.{ORIGIN} 1 3600 600 86400 60\n@ IN NS ns.{ORIGIN}\n"
    );
    for i in 0..NAMES {
        let _ = writeln!(zone, "host{i:04} IN A 10.9.{}.{}", i / 250, i % 250 + 1);
    }
    let origin = Name::from_ascii(ORIGIN).expect("origin");
    let (origin, records) = Parser::new(zone, None, Some(origin))
        .parse()
        .expect("the bench zone parses");
    let handler = InMemoryZoneHandler::<TokioRuntimeProvider>::new(
        origin.clone(),
        records,
        ZoneType::Primary,
        AxfrPolicy::Deny,
    )
    .expect("zone");
    let mut catalog = Catalog::new();
    catalog.upsert(
        LowerName::new(&origin),
        vec![Arc::new(handler) as Arc<dyn ZoneHandler>],
    );
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let mut bound = None;
            for _ in 0..50 {
                let udp = tokio::net::UdpSocket::bind("127.0.0.1:0")
                    .await
                    .expect("bind udp");
                let port = udp.local_addr().expect("udp address").port();
                if let Ok(tcp) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    bound = Some((udp, tcp));
                    break;
                }
            }
            let (udp, tcp) = bound.expect("a port free for UDP and TCP");
            let addr = udp.local_addr().expect("address");
            let mut server = Server::new(catalog);
            server.register_socket(udp);
            server.register_listener(tcp, Duration::from_secs(5), 64);
            tx.send(addr).expect("report the address");
            // Serves until the bench exits.
            let _ = server.block_until_done().await;
        });
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the DNS server started")
}

/// dnsmasq on 127.0.0.1 answering the same names from a hosts file: a fast server in its own
/// process, as a site's resolver is. Killed when dropped.
struct Dnsmasq {
    child: std::process::Child,
    addr: SocketAddr,
}

impl Dnsmasq {
    fn start(dir: &Path, names: &[String]) -> Result<Self, String> {
        let hosts = dir.join("dnsmasq.hosts");
        let lines: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("10.9.{}.{} {n}", i / 250, i % 250 + 1))
            .collect();
        std::fs::write(&hosts, lines.join("\n") + "\n").map_err(|e| e.to_string())?;
        // A free port, found by binding it; dnsmasq may lose it to another program in between,
        // so a few ports are tried.
        let mut last = String::from("did not start");
        for _ in 0..5 {
            let port = std::net::UdpSocket::bind("127.0.0.1:0")
                .and_then(|s| s.local_addr())
                .map_err(|e| e.to_string())?
                .port();
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let mut child = Command::new("dnsmasq")
                .args([
                    "--keep-in-foreground",
                    "--no-resolv",
                    "--no-hosts",
                    "--no-poll",
                    "--conf-file=/dev/null",
                    "--bind-interfaces",
                    "--listen-address=127.0.0.1",
                    "--pid-file",
                    "--user=root",
                    "--cache-size=10000",
                ])
                .arg(format!("--port={port}"))
                .arg(format!("--addn-hosts={}", hosts.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start dnsmasq: {e}"))?;
            if answers(addr) {
                return Ok(Self { child, addr });
            }
            let _ = child.kill();
            let _ = child.wait();
            last = format!("no answer on {addr}");
        }
        Err(last)
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `addr` answers for the first name within about two seconds.
fn answers(addr: SocketAddr) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let opts = QueryOptions {
            timeout: Duration::from_millis(100),
            attempts: 1,
        };
        let r = Resolver::new(&ResolverSpec::server(addr), opts).expect("resolver");
        for _ in 0..20 {
            if r.query("host0000.bench.test", QueryType::A)
                .await
                .status
                .is_ok()
            {
                return true;
            }
        }
        false
    })
}

// ─── In process ────────────────────────────────────────────────────────────────────────────────

/// The library resolving every name, `RUNS` times after one warm-up, in milliseconds.
fn library_figures(server: SocketAddr, names: &[String]) -> Stats {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let questions: Vec<Question> = names
        .iter()
        .map(|n| Question::new(n.clone(), QueryType::A))
        .collect();
    let mut times = Vec::new();
    runtime.block_on(async {
        let r = Resolver::new(&ResolverSpec::server(server), QueryOptions::default())
            .expect("resolver");
        for n in 0..=RUNS {
            let t = Instant::now();
            let answers = dns::query_all(
                std::slice::from_ref(&r),
                &questions,
                dns::DEFAULT_CONCURRENCY,
                &mut |_, _| {},
            )
            .await;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            let ok = answers.iter().filter(|a| a.status.is_ok()).count();
            assert_eq!(ok, names.len(), "every name resolves in process");
            if n > 0 {
                times.push(ms);
            }
        }
    });
    Stats(times)
}

// ─── Launching programs ────────────────────────────────────────────────────────────────────────

struct Peer {
    name: &'static str,
    program: String,
    args: Vec<String>,
    /// Checks the output of one launch; panics when the work was not done.
    check: fn(&str),
}

struct Launch {
    ms: f64,
    /// kB, when `/proc` could be read.
    hwm_kb: Option<u64>,
}

fn launch(dir: &Path, peer: &Peer) -> Launch {
    let t = Instant::now();
    let mut child = Command::new(&peer.program)
        .args(&peer.args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", peer.name));
    let pid = child.id();
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        out
    });
    let mut hwm = None;
    let status = loop {
        // Read before reaping: once the child is waited for, its /proc entry is gone.
        if let Some(kb) = vm_hwm(pid) {
            hwm = Some(kb);
        }
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if t.elapsed() > LAUNCH_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} ran longer than {LAUNCH_LIMIT:?}; killed", peer.name);
        }
        thread::sleep(Duration::from_millis(1));
    };
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let out = reader.join().expect("the output reader");
    assert!(
        status.success() || peer.name == "dig -f",
        "{} failed: {status}",
        peer.name
    );
    (peer.check)(&out);
    Launch { ms, hwm_kb: hwm }
}

fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn check_preflight(out: &str) {
    let v: serde_json::Value = serde_json::from_str(out).expect("preflight printed JSON");
    let answers = v["answers"].as_array().expect("answers");
    let ok = answers.iter().filter(|a| a["status"] == "ok").count();
    assert_eq!(ok, NAMES, "preflight resolved every name");
}

fn check_dig(out: &str) {
    let ok = out.matches("status: NOERROR").count();
    assert_eq!(ok, NAMES, "dig resolved every name");
}

// ─── Figures ───────────────────────────────────────────────────────────────────────────────────

#[derive(Default)]
struct Samples {
    wall: Stats,
    memory: Stats,
}

impl Samples {
    fn push(&mut self, l: &Launch) {
        self.wall.0.push(l.ms);
        if let Some(kb) = l.hwm_kb {
            self.memory.0.push(kb_to_mb(kb));
        }
    }

    fn print(&self, label: &str) {
        let memory = if self.memory.0.is_empty() {
            "n/a".to_owned()
        } else {
            format!("{:.1} MB", self.memory.median())
        };
        println!(
            "{label:<26} {:>7.1} ms {:>7.1} ms {:>7.1} ms {memory:>12}",
            self.wall.median(),
            self.wall.min(),
            self.wall.max(),
        );
    }
}

fn kb_to_mb(kb: u64) -> f64 {
    f64::from(u32::try_from(kb).unwrap_or(u32::MAX)) / 1024.0
}

#[derive(Default)]
struct Stats(Vec<f64>);

impl Stats {
    fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v
    }

    fn median(&self) -> f64 {
        let v = self.sorted();
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => f64::midpoint(v[n / 2 - 1], v[n / 2]),
        }
    }

    fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(f64::NAN)
    }

    fn max(&self) -> f64 {
        self.sorted().last().copied().unwrap_or(f64::NAN)
    }
}
