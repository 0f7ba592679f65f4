//! Figures for the TCP probe: 10,000 endpoints on loopback, against `nmap -sT` doing the same
//! work in the same run. Run with
//!
//! ```text
//! cargo bench --bench tcp
//! ```
//!
//! The endpoints are 2,500 ports (10000-12499) on each of 127.0.0.1 to 127.0.0.4; 76 ports of
//! each address listen (a `preflight` responder in this process, on its own thread), the rest
//! are closed. Every measured run is a child process, so its start-up counts and its peak
//! memory is its own: the probe runs in this bench's own executable started again
//! (`PREFLIGHT_BENCH_CHILD`), through the library exactly as `preflight tcp` uses it, without
//! identification (a plain connect, as nmap's `-sT` does); nmap runs as
//! `nmap -sT -n -Pn -T5 --min-rate 20000 -p 10000-12499 127.0.0.1-4 -oG -`.
//!
//! It prints, for each concurrency tried and for nmap, the median wall time from spawn to exit
//! (and, for preflight, the probe's own time inside the child), and the peak resident memory:
//! `VmHWM` from `/proc/<pid>/status` polled while the child runs (the last reading before it
//! exits), and for preflight the child's own final reading as a check. The ratio is nmap's
//! median wall time over preflight's at the default concurrency. Runs alternate between the
//! programs, one unmeasured run each first. Each run is killed after 60 s and the whole bench
//! stops measuring after 5 minutes. Without nmap the comparison says "not installed". Nothing
//! leaves loopback.

use std::io::Read as _;
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use preflight::probe::responder::Responder;
use preflight::probe::tcp::{self, Options, State, SystemResolver, Target};

const FIRST_PORT: u16 = 10_000;
const PORTS_PER_HOST: u16 = 2_500;
const HOSTS: [Ipv4Addr; 4] = [
    Ipv4Addr::LOCALHOST,
    Ipv4Addr::new(127, 0, 0, 2),
    Ipv4Addr::new(127, 0, 0, 3),
    Ipv4Addr::new(127, 0, 0, 4),
];
/// Every this many ports, one listens: 76 per address, 304 in all.
const LISTEN_EVERY: u16 = 33;
const RUNS: usize = 11;
const CONCURRENCIES: [usize; 4] = [64, 256, 1024, 4096];
const RUN_LIMIT: Duration = Duration::from_secs(60);
const BENCH_LIMIT: Duration = Duration::from_secs(300);
const CHILD: &str = "PREFLIGHT_BENCH_CHILD";

fn main() {
    if let Ok(concurrency) = std::env::var(CHILD) {
        child(concurrency.parse().expect("a concurrency"));
        return;
    }
    let listening: Vec<u16> = (FIRST_PORT..FIRST_PORT + PORTS_PER_HOST)
        .filter(|p| (p - FIRST_PORT).is_multiple_of(LISTEN_EVERY))
        .collect();
    let (stop, server) = serve(&listening);
    let endpoints = HOSTS.len() * usize::from(PORTS_PER_HOST);
    println!(
        "{endpoints} TCP endpoints on loopback: ports {FIRST_PORT}-{} on {} addresses \
         (127.0.0.1-{}), {} listening; median of {RUNS} runs",
        FIRST_PORT + PORTS_PER_HOST - 1,
        HOSTS.len(),
        HOSTS.len(),
        listening.len() * HOSTS.len(),
    );

    let nmap = nmap_installed();
    let (ours, theirs) = measure_all(nmap);
    let _ = stop.send(());
    let _ = server.join();
    print_table(&ours, nmap.then_some(&theirs[..]));
}

/// Runs every program [`RUNS`] times, alternating, after one unmeasured run each.
fn measure_all(nmap: bool) -> (Vec<Vec<Run>>, Vec<Run>) {
    let started = Instant::now();
    let mut ours: Vec<Vec<Run>> = vec![Vec::new(); CONCURRENCIES.len()];
    let mut theirs: Vec<Run> = Vec::new();
    for round in 0..=RUNS {
        if started.elapsed() > BENCH_LIMIT {
            println!("stopped measuring after {BENCH_LIMIT:?}");
            break;
        }
        for (i, &c) in CONCURRENCIES.iter().enumerate() {
            let mut cmd = Command::new(std::env::current_exe().expect("this bench's path"));
            cmd.env(CHILD, c.to_string());
            let run = measure(cmd, &format!("preflight c={c}"));
            if round > 0 {
                ours[i].push(run);
            }
        }
        if nmap {
            let mut cmd = Command::new("nmap");
            cmd.args([
                "-sT",
                "-n",
                "-Pn",
                "-T5",
                "--min-rate",
                "20000",
                "-p",
                &format!("{FIRST_PORT}-{}", FIRST_PORT + PORTS_PER_HOST - 1),
                &format!("127.0.0.1-{}", HOSTS.len()),
                "-oG",
                "-",
            ]);
            let run = measure(cmd, "nmap");
            if round > 0 {
                theirs.push(run);
            }
        }
    }
    (ours, theirs)
}

fn print_table(ours: &[Vec<Run>], theirs: Option<&[Run]>) {
    println!(
        "{:<26} {:>10} {:>10} {:>12} {:>12} {:>7}",
        "", "wall", "probe", "peak RSS", "(own)", "open"
    );
    let mut default_wall = None;
    for (c, runs) in CONCURRENCIES.iter().zip(ours) {
        let default = *c == tcp::DEFAULT_CONCURRENCY;
        let wall = median(runs.iter().map(|r| r.wall));
        if default {
            default_wall = Some(wall);
        }
        let reports: Vec<&Report> = runs.iter().filter_map(|r| r.report.as_ref()).collect();
        println!(
            "{:<26} {:>10} {:>10} {:>12} {:>12} {:>7}",
            format!("preflight c={c}{}", if default { " (default)" } else { "" }),
            ms(wall),
            ms(median(reports.iter().map(|r| r.probe))),
            mb(runs.iter().filter_map(|r| r.hwm_kb).max()),
            mb(reports.iter().map(|r| r.hwm_kb).max()),
            reports
                .first()
                .map_or_else(|| "?".to_owned(), |r| r.open.to_string()),
        );
    }
    match theirs {
        Some(theirs) if !theirs.is_empty() => {
            let wall = median(theirs.iter().map(|r| r.wall));
            let open = theirs
                .first()
                .map_or(0, |r| r.stdout.matches("/open/").count());
            println!(
                "{:<26} {:>10} {:>10} {:>12} {:>12} {:>7}",
                "nmap -sT -T5",
                ms(wall),
                "",
                mb(theirs.iter().filter_map(|r| r.hwm_kb).max()),
                "",
                open,
            );
            if let Some(ours) = default_wall {
                println!(
                    "nmap / preflight (default concurrency), wall time: {:.2}x",
                    wall.as_secs_f64() / ours.as_secs_f64()
                );
            }
        }
        _ => println!("nmap: not installed (apt-get install nmap to compare)"),
    }
}

/// A finished child: wall time, peak memory seen from outside, its output.
#[derive(Clone)]
struct Run {
    wall: Duration,
    hwm_kb: Option<u64>,
    stdout: String,
    report: Option<Report>,
}

/// What a preflight child says about itself.
#[derive(Clone)]
struct Report {
    probe: Duration,
    hwm_kb: u64,
    open: usize,
}

fn measure(mut cmd: Command, what: &str) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let pid = child.id();
    let mut out = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let mut hwm = None;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        hwm = vm_hwm(&format!("/proc/{pid}/status")).or(hwm);
        if start.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} still ran after {RUN_LIMIT:?}; killed it");
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let wall = start.elapsed();
    let stdout = reader.join().unwrap_or_default();
    assert!(status.success(), "{what} failed: {status:?}\n{stdout}");
    let report = parse_report(&stdout);
    Run {
        wall,
        hwm_kb: hwm,
        stdout,
        report,
    }
}

fn parse_report(s: &str) -> Option<Report> {
    let v: serde_json::Value = serde_json::from_str(s.trim()).ok()?;
    Some(Report {
        probe: Duration::from_micros(v["probe_us"].as_u64()?),
        hwm_kb: v["hwm_kb"].as_u64()?,
        open: usize::try_from(v["open"].as_u64()?).ok()?,
    })
}

/// The child: probe every endpoint once and report time, memory and counts as JSON.
fn child(concurrency: usize) {
    let targets: Vec<Target> = HOSTS
        .iter()
        .flat_map(|ip| {
            (FIRST_PORT..FIRST_PORT + PORTS_PER_HOST).map(|p| Target::new(ip.to_string(), p))
        })
        .collect();
    let options = Options {
        concurrency,
        identify: false,
        ..Options::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let start = Instant::now();
    let outcomes = rt.block_on(tcp::probe(
        &targets,
        &options,
        Arc::new(SystemResolver),
        |_, _| {},
    ));
    let took = start.elapsed();
    let count = |s: State| outcomes.iter().filter(|o| o.state == s).count();
    let other = outcomes.len() - count(State::Open) - count(State::Refused);
    assert_eq!(other, 0, "loopback endpoints are open or refused");
    println!(
        "{}",
        serde_json::json!({
            "probe_us": u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            "hwm_kb": vm_hwm("/proc/self/status").unwrap_or(0),
            "open": count(State::Open),
            "refused": count(State::Refused),
        })
    );
}

/// Runs responders on every address, on their own thread, until told to stop.
fn serve(
    ports: &[u16],
) -> (
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
) {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let ports = ports.to_vec();
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut responders = Vec::new();
            for ip in HOSTS {
                let r = Responder::bind_as(
                    IpAddr::V4(ip),
                    &ports,
                    "bench".to_owned(),
                    "bench".to_owned(),
                )
                .await;
                for f in r.failed() {
                    eprintln!("warning: {ip}: {f}");
                }
                responders.push(r);
            }
            let _ = ready_tx.send(());
            let mut serving = tokio::task::JoinSet::new();
            let (all_tx, _) = tokio::sync::broadcast::channel::<()>(1);
            for r in responders {
                let mut rx = all_tx.subscribe();
                serving.spawn(r.serve(
                    async move {
                        let _ = rx.recv().await;
                    },
                    |_| {},
                ));
            }
            let _ = stop_rx.await;
            let _ = all_tx.send(());
            while serving.join_next().await.is_some() {}
        });
    });
    ready_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the responders started");
    (stop_tx, handle)
}

fn nmap_installed() -> bool {
    Command::new("nmap")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `VmHWM` (peak resident set) in kB, where the system reports it.
fn vm_hwm(path: &str) -> Option<u64> {
    let status = std::fs::read_to_string(path).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn median(values: impl Iterator<Item = Duration>) -> Duration {
    let mut v: Vec<Duration> = values.collect();
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or_else(
        || "n/a".to_owned(),
        |kb| {
            format!(
                "{:.1} MB",
                f64::from(u32::try_from(kb).unwrap_or(u32::MAX)) / 1024.0
            )
        },
    )
}
