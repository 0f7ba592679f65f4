//! TCP reachability and the responder, on real sockets on loopback only: the library's probe
//! (open, refused, filtered, name errors through an injected resolver, the run's hard limit,
//! the concurrency bound, cancellation by drop) and the real binary (`preflight listen` and
//! `preflight tcp` end to end, ports in use, Ctrl-C, JSON shape, exit codes, bad port lists).
//!
//! Every listener binds port 0 and reads its address back; the important cases run on both
//! 127.0.0.1 and `::1`. "Filtered" is produced on loopback by a listener whose accept queue is
//! full: it never accepts, a first connection fills its queue of one, and Linux then drops
//! further SYNs, so a connect gets no answer (the helper proves the queue is full before any
//! test relies on it). No name is ever given to the system resolver and no address outside
//! loopback is ever a target. Every async body runs under a watchdog, every child under the
//! shared one.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use preflight::probe::responder::Responder;
use preflight::probe::tcp::{self, Options, Outcome, Resolve, Resolving, State, Target};
use serde_json::Value;
use socket2::{Domain, Protocol, Socket, Type};

mod common;

use common::{Out, WATCHDOG, run_with_watchdog};

const BIN: &str = env!("CARGO_BIN_EXE_preflight");
const V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);
const LOOPBACKS: [IpAddr; 2] = [V4, V6];
/// Longest any async test body may run.
const BODY_WATCHDOG: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Helpers

/// Runs an async test body on the runtime the CLI uses (one thread), failing it if it hangs.
fn run<F: Future>(body: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        tokio::time::timeout(BODY_WATCHDOG, body)
            .await
            .expect("the test body still ran after the watchdog's limit")
    })
}

fn options(timeout_ms: u64) -> Options {
    Options {
        timeout: Duration::from_millis(timeout_ms),
        identify: false,
        ..Options::default()
    }
}

/// Probes with a resolver that fails the test if it is ever asked (IP literals only).
async fn probe(targets: &[Target], options: &Options) -> Vec<Outcome> {
    tcp::probe(targets, options, Arc::new(NoResolver), |_, _| {}).await
}

/// The host string of a loopback address as a person writes it on the command line.
fn host(ip: IpAddr) -> String {
    ip.to_string()
}

/// A port on `ip` that nothing listens on: bound by us, then released.
fn closed_port(ip: IpAddr) -> u16 {
    let l = TcpListener::bind((ip, 0)).expect("bind a port to free");
    l.local_addr().expect("address").port()
}

/// A listener whose accept queue is full: connections to it get no answer at all.
struct Blackhole {
    addr: SocketAddr,
    _listener: Socket,
    _fill: Vec<TcpStream>,
}

fn blackhole(ip: IpAddr) -> Blackhole {
    let listener = Socket::new(
        Domain::for_address(SocketAddr::new(ip, 0)),
        Type::STREAM,
        Some(Protocol::TCP),
    )
    .expect("socket");
    listener
        .bind(&SocketAddr::new(ip, 0).into())
        .expect("bind the blackhole");
    // A backlog of 0 leaves room for one connection that is never accepted.
    listener.listen(0).expect("listen");
    let addr = listener
        .local_addr()
        .expect("address")
        .as_socket()
        .expect("an IP address");
    let mut fill = Vec::new();
    for _ in 0..8 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(c) => fill.push(c),
            // The queue is full and SYNs are being dropped: what the tests rely on.
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                return Blackhole {
                    addr,
                    _listener: listener,
                    _fill: fill,
                };
            }
            Err(e) => panic!("filling the accept queue of {addr}: {e}"),
        }
    }
    panic!(
        "the accept queue of {addr} never filled: this system answers SYNs beyond the backlog, \
         so `filtered` cannot be produced this way"
    )
}

/// A resolver that must never be asked: the probe resolves IP literals itself.
struct NoResolver;

impl Resolve for NoResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> Resolving<'a> {
        panic!("the resolver was asked for `{host}`, an IP literal")
    }
}

/// A resolver with a fixed table, counting the questions it gets.
#[derive(Default)]
struct Table {
    names: HashMap<String, Vec<IpAddr>>,
    asked: Mutex<Vec<String>>,
}

impl Resolve for Table {
    fn resolve<'a>(&'a self, host: &'a str) -> Resolving<'a> {
        Box::pin(async move {
            self.asked.lock().expect("lock").push(host.to_owned());
            self.names
                .get(host)
                .cloned()
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such name"))
        })
    }
}

/// A resolver that never answers.
struct Silent;

impl Resolve for Silent {
    fn resolve<'a>(&'a self, _host: &'a str) -> Resolving<'a> {
        Box::pin(std::future::pending())
    }
}

/// A listener that holds every connection it accepts for `answer_after`, then sends `ok` and
/// closes its side. It counts, at each accept, the connections it has not answered yet: a
/// prober waiting for a line keeps each of those open, so this count never exceeds what the
/// prober has in flight and shows any excess at once. It also notices clients closing.
struct Counter {
    addr: SocketAddr,
    /// Most connections waiting for their answer at once.
    most: Arc<AtomicUsize>,
    /// Connections the clients have not closed yet.
    live: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Counter {
    fn start(ip: IpAddr, answer_after: Duration) -> Self {
        let listener = TcpListener::bind((ip, 0)).expect("bind the counter");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("address");
        let most = Arc::new(AtomicUsize::new(0));
        let live = Arc::new(AtomicUsize::new(0));
        let total = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (m, l, t, st) = (
            Arc::clone(&most),
            Arc::clone(&live),
            Arc::clone(&total),
            Arc::clone(&stop),
        );
        let thread = thread::spawn(move || {
            // (connection, when accepted, answered yet)
            let mut open: Vec<(TcpStream, Instant, bool)> = Vec::new();
            while !st.load(Ordering::SeqCst) {
                for (s, at, answered) in &mut open {
                    if !*answered && at.elapsed() >= answer_after {
                        let _ = s.write_all(b"ok\n");
                        let _ = s.shutdown(std::net::Shutdown::Write);
                        *answered = true;
                    }
                }
                open.retain_mut(|(s, _, _)| {
                    let mut buf = [0u8; 64];
                    match s.read(&mut buf) {
                        Ok(0) => false,
                        Ok(_) => true,
                        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
                    }
                });
                let mut accepted = false;
                while let Ok((s, _)) = listener.accept() {
                    s.set_nonblocking(true).expect("nonblocking");
                    open.push((s, Instant::now(), false));
                    t.fetch_add(1, Ordering::SeqCst);
                    m.fetch_max(open.iter().filter(|c| !c.2).count(), Ordering::SeqCst);
                    accepted = true;
                }
                l.store(open.len(), Ordering::SeqCst);
                if !accepted {
                    thread::sleep(Duration::from_millis(1));
                }
            }
        });
        Self {
            addr,
            most,
            live,
            total,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The probe, in the library

#[test]
fn an_open_port_is_open_with_its_address_and_time() {
    for ip in LOOPBACKS {
        let listener = TcpListener::bind((ip, 0)).expect("bind");
        let addr = listener.local_addr().expect("address");
        for identify in [false, true] {
            let opts = Options {
                identify,
                identify_wait: Duration::from_millis(100),
                ..options(2000)
            };
            let out = run(probe(&[Target::new(host(ip), addr.port())], &opts));
            let o = &out[0];
            assert_eq!(o.state, State::Open, "{ip} identify={identify}: {o:?}");
            assert_eq!(o.address, Some(addr));
            assert_eq!(o.host, host(ip));
            assert_eq!(o.port, addr.port());
            // A silent service is still just open; the time is the connect's, not the wait's.
            assert_eq!(o.detail, "connected");
            assert!(o.responder.is_none());
            assert!(o.ms < 100, "{o:?}");
        }
    }
}

#[test]
fn a_closed_port_is_refused() {
    for ip in LOOPBACKS {
        let port = closed_port(ip);
        let out = run(probe(&[Target::new(host(ip), port)], &options(2000)));
        let o = &out[0];
        assert_eq!(o.state, State::Refused, "{ip}: {o:?}");
        assert_eq!(o.address, Some(SocketAddr::new(ip, port)));
        assert!(o.detail.contains("nothing listens"), "{o:?}");
    }
}

#[test]
fn a_port_that_never_answers_is_filtered_after_the_timeout() {
    for ip in LOOPBACKS {
        let hole = blackhole(ip);
        let started = Instant::now();
        let out = run(probe(
            &[Target::new(host(ip), hole.addr.port())],
            &options(300),
        ));
        let took = started.elapsed();
        let o = &out[0];
        assert_eq!(o.state, State::Filtered, "{ip}: {o:?}");
        assert_eq!(o.detail, "no answer in 300 ms");
        assert!((300..1000).contains(&o.ms), "{o:?}");
        assert!(took < Duration::from_secs(2), "{ip}: took {took:?}");
    }
}

#[test]
fn a_bracketed_ipv6_literal_is_an_address_not_a_name() {
    let listener = TcpListener::bind((V6, 0)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    let out = run(probe(&[Target::new("[::1]", port)], &options(2000)));
    assert_eq!(out[0].state, State::Open, "{:?}", out[0]);
}

#[test]
fn names_resolve_once_through_the_injected_resolver() {
    let listener = TcpListener::bind((V4, 0)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    let table = Arc::new(Table {
        names: HashMap::from([("web1.test".to_owned(), vec![V4])]),
        ..Table::default()
    });
    let targets = [
        Target::new("nowhere.invalid", 443),
        Target::new("web1.test", port),
        Target::new("nowhere.invalid", 8091),
        Target::new("web1.test", port),
    ];
    let resolver: Arc<dyn Resolve> = table.clone();
    let out = run(tcp::probe(&targets, &options(2000), resolver, |_, _| {}));
    let states: Vec<State> = out.iter().map(|o| o.state).collect();
    assert_eq!(
        states,
        [State::NameError, State::Open, State::NameError, State::Open]
    );
    assert!(out[0].detail.contains("does not resolve"), "{:?}", out[0]);
    assert!(out[0].detail.contains("no such name"), "{:?}", out[0]);
    assert_eq!(out[0].address, None);
    assert_eq!(out[1].address, Some(SocketAddr::new(V4, port)));
    let mut asked = table.asked.lock().expect("lock").clone();
    asked.sort();
    assert_eq!(
        asked,
        ["nowhere.invalid", "web1.test"],
        "one question per name"
    );

    let result = tcp::probe_result(
        "nowhere.invalid",
        &out[..1],
        Duration::from_secs(3),
        String::new(),
        0,
    );
    assert!(
        result.summary.contains("nowhere.invalid does not resolve"),
        "{}",
        result.summary
    );
}

#[test]
fn every_address_of_a_name_is_tried_until_one_is_open() {
    // ::1 refuses, 127.0.0.1 is open: the name is reachable, on its IPv4 address.
    let listener = TcpListener::bind((V4, 0)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    let v6_free = TcpListener::bind((V6, port)).is_ok();
    assert!(
        v6_free,
        "port {port} is taken on ::1 as well; cannot stage the case"
    );
    let table = Arc::new(Table {
        names: HashMap::from([("both.test".to_owned(), vec![V6, V4])]),
        ..Table::default()
    });
    let out = run(tcp::probe(
        &[Target::new("both.test", port)],
        &options(2000),
        table,
        |_, _| {},
    ));
    assert_eq!(out[0].state, State::Open, "{:?}", out[0]);
    assert_eq!(out[0].address, Some(SocketAddr::new(V4, port)));
}

#[test]
fn the_run_limit_is_a_hard_bound() {
    for ip in LOOPBACKS {
        let hole = blackhole(ip);
        let targets = vec![Target::new(host(ip), hole.addr.port()); 12];
        let opts = Options {
            timeout: Duration::from_secs(60),
            concurrency: 4,
            limit: Duration::from_millis(400),
            identify: false,
            ..Options::default()
        };
        let started = Instant::now();
        let mut reported = Vec::new();
        let out = run(tcp::probe(&targets, &opts, Arc::new(NoResolver), |i, _| {
            reported.push(i);
        }));
        let took = started.elapsed();
        assert!(took < Duration::from_secs(1), "{ip}: took {took:?}");
        assert_eq!(out.len(), 12);
        assert!(out.iter().all(|o| o.state == State::Filtered), "{out:?}");
        let cut = "no answer before the run's time limit (400 ms) was reached";
        let skipped = "not probed: the run's time limit (400 ms) was reached first";
        assert!(out[..4].iter().all(|o| o.detail == cut), "{out:?}");
        assert!(out[4..].iter().all(|o| o.detail == skipped), "{out:?}");
        reported.sort_unstable();
        assert_eq!(
            reported,
            (0..12).collect::<Vec<_>>(),
            "every target is reported once"
        );
        let summary = tcp::summary(&host(ip), &out, opts.timeout);
        assert!(
            summary.contains("filtered (the run's time limit was reached)"),
            "{summary}"
        );
    }
}

#[test]
fn a_resolver_that_never_answers_is_bounded_by_the_run_limit() {
    let opts = Options {
        limit: Duration::from_millis(300),
        ..options(2000)
    };
    let started = Instant::now();
    let out = run(tcp::probe(
        &[
            Target::new("stuck.test", 443),
            Target::new("stuck.test", 444),
        ],
        &opts,
        Arc::new(Silent),
        |_, _| {},
    ));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(out.iter().all(|o| o.state == State::Filtered), "{out:?}");
    assert!(out[0].detail.contains("time limit"), "{:?}", out[0]);
}

#[test]
fn concurrency_is_bounded_and_used() {
    for ip in LOOPBACKS {
        // Each connection is held until the counter answers, 100 ms after accepting it, so
        // the prober's waves are visible.
        let counter = Counter::start(ip, Duration::from_millis(100));
        let opts = Options {
            concurrency: 4,
            identify: true,
            identify_wait: Duration::from_secs(5),
            ..options(2000)
        };
        let targets = vec![Target::new(host(ip), counter.addr.port()); 24];
        let started = Instant::now();
        let out = run(probe(&targets, &opts));
        let took = started.elapsed();
        assert!(out.iter().all(|o| o.state == State::Open), "{out:?}");
        // Let the counter see the last closes.
        thread::sleep(Duration::from_millis(50));
        assert_eq!(counter.total.load(Ordering::SeqCst), 24);
        assert_eq!(
            counter.most.load(Ordering::SeqCst),
            4,
            "{ip}: connections waiting at once"
        );
        assert!(
            out.iter()
                .all(|o| o.detail == "connected; the service said `ok`"),
            "{out:?}"
        );
        assert_eq!(counter.live.load(Ordering::SeqCst), 0, "{ip}: left open");
        // Six waves of a 100 ms wait each: bounded, and yet not one at a time.
        assert!(took >= Duration::from_millis(600), "{ip}: took {took:?}");
        assert!(took < Duration::from_secs(2), "{ip}: took {took:?}");
    }
}

#[test]
fn dropping_the_run_cancels_every_attempt() {
    let counter = Counter::start(V4, Duration::from_secs(60));
    let opts = Options {
        concurrency: 3,
        identify: true,
        identify_wait: Duration::from_secs(10),
        ..options(2000)
    };
    let targets = vec![Target::new(host(V4), counter.addr.port()); 10];
    run(async {
        let cut = tokio::time::timeout(Duration::from_millis(300), probe(&targets, &opts)).await;
        assert!(cut.is_err(), "the run finished before it was dropped");
        // Keep the runtime turning so aborted tasks are dropped, then look.
        tokio::time::sleep(Duration::from_millis(300)).await;
    });
    assert_eq!(
        counter.total.load(Ordering::SeqCst),
        3,
        "no attempt after the drop"
    );
    assert_eq!(
        counter.live.load(Ordering::SeqCst),
        0,
        "every connection was closed by the drop"
    );
}

#[test]
fn outcomes_come_back_in_input_order_and_are_reported_as_they_finish() {
    for ip in LOOPBACKS {
        let listener = TcpListener::bind((ip, 0)).expect("bind");
        let open = listener.local_addr().expect("address").port();
        let hole = blackhole(ip);
        let closed = closed_port(ip);
        // The filtered port comes first but finishes last.
        let targets = [
            Target::new(host(ip), hole.addr.port()),
            Target::new(host(ip), open),
            Target::new(host(ip), closed),
        ];
        let mut order = Vec::new();
        let out = run(tcp::probe(
            &targets,
            &options(300),
            Arc::new(NoResolver),
            |i, o| {
                order.push((i, o.state));
            },
        ));
        let states: Vec<State> = out.iter().map(|o| o.state).collect();
        assert_eq!(states, [State::Filtered, State::Open, State::Refused]);
        assert_eq!(order.len(), 3);
        assert_eq!(order[2], (0, State::Filtered), "{order:?}");
    }
}

#[test]
fn the_responder_identifies_itself_to_the_prober() {
    for ip in LOOPBACKS {
        run(async {
            let responder =
                Responder::bind_as(ip, &[0, 0], "web1".to_owned(), "0123456789ab".to_owned()).await;
            assert!(responder.failed().is_empty(), "{:?}", responder.failed());
            let ports = responder.ports();
            let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
            let serving = tokio::spawn(responder.serve(
                async {
                    let _ = stop_rx.await;
                },
                |_| {},
            ));
            let opts = Options {
                identify: true,
                ..options(2000)
            };
            let out = probe(&tcp::targets(&host(ip), &ports), &opts).await;
            for (o, port) in out.iter().zip(&ports) {
                assert_eq!(o.state, State::Open, "{o:?}");
                let who = o.responder.as_ref().expect("the responder answered");
                assert_eq!(
                    (who.host.as_str(), who.token.as_str()),
                    ("web1", "0123456789ab")
                );
                assert_eq!(who.port, *port);
                assert_eq!(
                    o.detail,
                    "reached the responder on web1 (token 0123456789ab)"
                );
            }
            stop_tx.send(()).expect("the responder still serves");
            let served = serving.await.expect("the responder stopped");
            assert_eq!(served.connections, 2);
            assert_eq!(served.peers.iter().copied().collect::<Vec<_>>(), [ip]);
        });
    }
}

// ---------------------------------------------------------------------------------------------
// The binary: `preflight tcp`

fn preflight(args: &[&str]) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    run_with_watchdog(cmd, &format!("preflight {}", args.join(" ")))
}

fn json(out: &Out) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON: {e}\n{}", out.both()))
}

#[test]
fn tcp_json_keeps_its_shape_and_exit_codes_follow_the_states() {
    for ip in LOOPBACKS {
        let listener = TcpListener::bind((ip, 0)).expect("bind");
        let open = listener.local_addr().expect("address").port();
        let closed = closed_port(ip);
        let ports = format!("{open},{closed}");
        let out = preflight(&[
            "tcp",
            &host(ip),
            &ports,
            "--format",
            "json",
            "--timeout",
            "2000",
        ]);
        assert_eq!(out.code, 1, "a refused port is a finding:\n{}", out.both());
        let v = json(&out);
        assert_eq!(v["host"], host(ip));
        assert_eq!(v["verdict"], "fail");
        assert_eq!(v["counts"]["open"], 1);
        assert_eq!(v["counts"]["refused"], 1);
        let rows = v["results"].as_array().expect("results");
        assert_eq!(rows.len(), 2);
        for (row, (port, state)) in rows.iter().zip([(open, "open"), (closed, "refused")]) {
            for key in [
                "host",
                "port",
                "state",
                "ms",
                "address",
                "responder",
                "detail",
            ] {
                assert!(row.get(key).is_some(), "{key} missing in {row}");
            }
            assert_eq!(row["host"], host(ip));
            assert_eq!(row["port"], port);
            assert_eq!(row["state"], state);
            assert!(row["ms"].is_u64(), "{row}");
            assert_eq!(row["address"], SocketAddr::new(ip, port).to_string());
            assert!(row["responder"].is_null(), "{row}");
        }
        assert!(
            v["summary"]
                .as_str()
                .expect("summary")
                .contains(&format!("{closed} refused")),
            "{v}"
        );

        let all_open = preflight(&["tcp", &host(ip), &open.to_string(), "--format", "json"]);
        assert_eq!(all_open.code, 0, "{}", all_open.both());
        assert_eq!(json(&all_open)["verdict"], "pass");
    }
}

#[test]
fn tcp_text_groups_consecutive_ports_without_colour_in_a_pipe() {
    // Four consecutive ports, found below the ephemeral range so port-0 binds elsewhere in
    // the tests cannot take them.
    let mut held = Vec::new();
    let mut base = 21_000u16;
    while held.len() < 4 {
        assert!(base < 29_000, "no four free consecutive ports on 127.0.0.1");
        held = (base..base + 4)
            .map_while(|p| TcpListener::bind((V4, p)).ok())
            .collect();
        if held.len() < 4 {
            held.clear();
            base += 7;
        }
    }
    let closed = closed_port(V4);
    let ports = format!("{base}-{},{closed}", base + 3);
    let out = preflight(&["tcp", "127.0.0.1", &ports, "--no-identify"]);
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        !out.stdout.contains('\u{1b}'),
        "colour in a pipe:\n{}",
        out.stdout
    );
    assert!(out.stderr.is_empty(), "progress in a pipe:\n{}", out.both());
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", out.stdout);
    assert!(
        lines[0].starts_with("127.0.0.1 (5 ports, timeout 3 s)"),
        "{}",
        lines[0]
    );
    let range = format!("{base}-{}", base + 3);
    assert!(
        lines[1].trim_start().starts_with(&range) && lines[1].contains(" open "),
        "{}",
        out.stdout
    );
    assert!(
        lines[2].trim_start().starts_with(&closed.to_string()) && lines[2].contains("refused"),
        "{}",
        out.stdout
    );
    assert!(
        lines[3].starts_with(&format!("4 of 5 open: {range} open, {closed} refused: ")),
        "{}",
        lines[3]
    );
}

#[test]
fn tcp_reports_filtered_ports_and_honours_max_time() {
    for ip in LOOPBACKS {
        let hole = blackhole(ip);
        let port = hole.addr.port().to_string();
        let out = preflight(&["tcp", &host(ip), &port, "--timeout", "300"]);
        assert_eq!(out.code, 1, "{}", out.both());
        assert!(
            out.stdout.contains(&format!(
                "filtered (no answer in 300 ms): a firewall between here and {} drops them",
                host(ip)
            )),
            "{}",
            out.stdout
        );

        let started = Instant::now();
        let out = preflight(&[
            "tcp",
            &host(ip),
            &port,
            "--timeout",
            "60000",
            "--max-time",
            "1",
            "--format",
            "json",
        ]);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(out.code, 1, "{}", out.both());
        let v = json(&out);
        assert_eq!(v["results"][0]["state"], "filtered");
        assert!(
            v["results"][0]["detail"]
                .as_str()
                .expect("detail")
                .contains("the run's time limit (1 s)"),
            "{v}"
        );
    }
}

#[test]
fn bad_input_exits_2_and_says_which_part_and_why() {
    let cases: [(&[&str], &[&str]); 8] = [
        (
            &["tcp", "127.0.0.1", "443,http"],
            &["at character 5", "`http`"],
        ),
        (
            &["tcp", "127.0.0.1", "10-5"],
            &["range 10-5 ends below its start"],
        ),
        (
            &["tcp", "127.0.0.1", "443, 0"],
            &["at character 6", "port 0"],
        ),
        (&["tcp", "127.0.0.1", "1-65535"], &["more than 10000 ports"]),
        (&["tcp", "127.0.0.1", ""], &["expected at least one port"]),
        (&["tcp", "", "443"], &["<HOST>"]),
        (
            &["tcp", "127.0.0.1", "443", "--timeout", "0"],
            &["--timeout"],
        ),
        (
            &["tcp", "127.0.0.1", "443", "--concurrency", "0"],
            &["from 1 to 4096"],
        ),
    ];
    for (args, wants) in cases {
        let out = preflight(args);
        assert_eq!(out.code, 2, "{args:?}\n{}", out.both());
        assert!(out.stdout.is_empty(), "{args:?}\n{}", out.both());
        for want in wants {
            assert!(
                out.stderr.contains(want),
                "{args:?}: no `{want}`\n{}",
                out.both()
            );
        }
    }
    let out = preflight(&["listen", "--ports", "80,x"]);
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(out.stderr.contains("`x`"), "{}", out.both());
}

// ---------------------------------------------------------------------------------------------
// The binary: `preflight listen`, end to end

/// A running `preflight listen`, its stdout read line by line; killed if the test fails.
struct Listening {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: thread::JoinHandle<String>,
}

impl Listening {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .arg("listen")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("RUST_BACKTRACE")
            .spawn()
            .expect("start preflight listen");
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
            stderr,
        }
    }

    /// Reads lines until one satisfies `want`, failing the test after 10 s.
    fn wait_for(&mut self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(e) => panic!(
                    "preflight listen never printed {what} ({e}); so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Waits for the exit (after a signal or on its own) and returns the code and every
    /// line printed.
    fn finish(mut self) -> (i32, String, String) {
        let deadline = Instant::now() + WATCHDOG;
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "preflight listen did not stop:\n{}",
                self.seen.join("\n")
            );
            thread::sleep(Duration::from_millis(10));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.seen.push(line);
        }
        let stderr = std::mem::replace(&mut self.stderr, thread::spawn(String::new))
            .join()
            .unwrap_or_default();
        let code = status
            .code()
            .unwrap_or_else(|| panic!("ended by a signal: {status:?}\n{stderr}"));
        (code, self.seen.join("\n"), common::strip_ansi(&stderr))
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Free ports on `ip`: bound by us to learn them, then released for the responder.
fn free_ports(ip: IpAddr, n: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind((ip, 0)).expect("bind"))
        .collect();
    held.iter()
        .map(|l| l.local_addr().expect("address").port())
        .collect()
}

#[cfg(unix)]
fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -INT failed");
}

#[cfg(unix)]
#[test]
fn listen_and_tcp_end_to_end_with_the_same_token_and_ctrl_c() {
    for ip in LOOPBACKS {
        let ports = free_ports(ip, 2);
        let list = format!("{},{}", ports[0], ports[1]);
        let mut listening = Listening::start(&["--ports", &list, "--bind", &host(ip)]);
        let first = listening.wait_for("the token", |l| l.contains("token "));
        let token = first
            .rsplit("token ")
            .next()
            .expect("a token")
            .trim()
            .to_owned();
        assert_eq!(token.len(), 12, "{first}");
        listening.wait_for("Ctrl-C", |l| l.contains("Ctrl-C stops"));
        assert!(
            listening.seen.iter().any(|l| l.contains("listening on")),
            "{:?}",
            listening.seen
        );

        let out = preflight(&["tcp", &host(ip), &list, "--format", "json"]);
        assert_eq!(out.code, 0, "{}", out.both());
        let v = json(&out);
        for (row, port) in v["results"].as_array().expect("results").iter().zip(&ports) {
            assert_eq!(row["state"], "open", "{row}");
            assert_eq!(row["responder"]["token"], token.as_str(), "{row}");
            assert_eq!(row["responder"]["port"], *port, "{row}");
            assert!(
                row["detail"]
                    .as_str()
                    .expect("detail")
                    .contains(&format!("(token {token})")),
                "{row}"
            );
        }
        for port in &ports {
            listening.wait_for("the connection", |l| {
                l.contains(&format!("port {port} from"))
            });
        }

        interrupt(&listening.child);
        let (code, stdout, stderr) = listening.finish();
        assert_eq!(code, 0, "{stdout}\n{stderr}");
        let mut sorted = ports.clone();
        sorted.sort_unstable();
        assert!(
            stdout.contains(&format!(
                "stopped: served 2 connections from 1 address on ports {}",
                tcp::compact(&sorted)
            )),
            "{stdout}"
        );
    }
}

#[cfg(unix)]
#[test]
fn listen_reports_a_port_in_use_and_serves_the_rest() {
    for ip in LOOPBACKS {
        let busy = TcpListener::bind((ip, 0)).expect("bind");
        let taken = busy.local_addr().expect("address").port();
        let free = free_ports(ip, 1)[0];
        let list = format!("{taken},{free}");
        let mut listening =
            Listening::start(&["--ports", &list, "--bind", &host(ip), "--format", "json"]);
        let first = listening.wait_for("the listening event", |l| l.contains("\"listening\""));
        let v: Value = serde_json::from_str(&first).expect("a JSON line");
        assert_eq!(v["ports"], serde_json::json!([free]), "{v}");
        assert_eq!(v["failed"][0]["port"], taken, "{v}");
        assert_eq!(
            v["failed"][0]["reason"],
            format!("port {taken} is already in use by another program"),
            "{v}"
        );
        assert_eq!(v["token"].as_str().map(str::len), Some(12), "{v}");
        interrupt(&listening.child);
        let (code, stdout, _) = listening.finish();
        assert_eq!(
            code, 1,
            "a port that could not open is a finding:\n{stdout}"
        );
        assert!(stdout.contains("\"event\":\"stopped\""), "{stdout}");
    }

    // Not one port opens: an error, at once.
    let busy = TcpListener::bind((V4, 0)).expect("bind");
    let taken = busy.local_addr().expect("address").port().to_string();
    let out = {
        let mut cmd = Command::new(BIN);
        cmd.args(["listen", "--ports", &taken, "--bind", "127.0.0.1"]);
        run_with_watchdog(cmd, "preflight listen on a busy port")
    };
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stdout.contains(&format!(
            "cannot listen: port {taken} is already in use by another program"
        )),
        "{}",
        out.both()
    );
    assert!(out.stderr.contains("none of the ports"), "{}", out.both());
}
