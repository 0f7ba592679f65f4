//! A site in a box: Linux network namespaces made by the test, joined by veth pairs to bridges
//! inside a router namespace, with servers started inside them (processes through
//! `ip netns exec`, in-process listeners from a thread that joined the namespace with setns(2)).
//!
//! Network safety is by construction. Every address is in 198.18.0.0/15 (the benchmarking
//! range, RFC 2544, which no real network uses); both ends of each veth pair are created inside
//! the box's namespaces, so nothing is ever joined to the host's interfaces; no namespace has a
//! default route; and every namespace gets an nftables table that drops whatever it would send
//! to anything but loopback and 198.18.0.0/15 (and counts it: [`Lab::escapes`]), IGMP reports
//! on the box's own links aside. Programs run inside a namespace see
//! `/etc/netns/NS/resolv.conf` and `/etc/netns/NS/hosts` instead of the host's (`ip netns exec`
//! bind-mounts them), so even getaddrinfo never reaches the host's resolver.
//!
//! Everything is undone when the [`Lab`] is dropped, on a panic too: child processes killed,
//! in-process servers stopped, `/etc/netns/NS` removed, namespaces deleted. Namespaces left by
//! a run that was killed outright are removed by the next one (their names carry the pid).
//!
//! It needs root and the tools in [`TOOLS`]; a missing one fails the test with the Debian
//! package to install (CI's `.ci/run` installs them), never a silent skip.

use std::fs::{self, File};
use std::io::Read as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustix::thread::{LinkNameSpaceType, move_into_link_name_space};

/// The only addresses the box uses (besides loopback): RFC 2544's benchmarking range.
pub const BOX_RANGE: &str = "198.18.0.0/15";

/// Whether an address is in [`BOX_RANGE`].
pub fn in_box_range(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.octets()[0] == 198 && v4.octets()[1] & 0xFE == 18,
        IpAddr::V6(_) => false,
    }
}

/// The commands the box runs, and the Debian package each comes from.
pub const TOOLS: &[(&str, &str)] = &[
    ("ip", "iproute2"),
    ("nft", "nftables"),
    ("dnsmasq", "dnsmasq-base"),
    ("openssl", "openssl"),
    ("gnutls-serv", "gnutls-bin"),
];

/// Prefix of every namespace a box makes: `pfb<pid>x<n>-<host>`.
const PREFIX: &str = "pfb";

/// Longest a server may take to start accepting.
const START_LIMIT: Duration = Duration::from_secs(20);

/// Longest an in-process listener group lives (a bound on its accept loop).
const LISTENER_LIFETIME: Duration = Duration::from_secs(30 * 60);

static BOXES: AtomicUsize = AtomicUsize::new(0);
static NFT_FILES: AtomicUsize = AtomicUsize::new(0);

/// Where a program is, looking in `PATH` and in the sbin directories a non-root `PATH` lacks.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Fails the test unless it runs as root with every tool of [`TOOLS`] installed.
pub fn require_root_and_tools() {
    let status = fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("Uid line in /proc/self/status");
    assert_eq!(
        euid, "0",
        "the site-in-a-box test makes network namespaces and needs root (CI runs as root): \
         run `sudo -E cargo test --test site_box`"
    );
    let missing: Vec<String> = TOOLS
        .iter()
        .filter(|(program, _)| which(program).is_none())
        .map(|(program, package)| format!("`{program}` (package {package})"))
        .collect();
    assert!(
        missing.is_empty(),
        "the site-in-a-box test needs {}: install with `apt-get install -y {}` (.ci/run does)",
        missing.join(", "),
        TOOLS
            .iter()
            .filter(|(program, _)| which(program).is_none())
            .map(|(_, package)| *package)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// Runs a command to completion, failing the test with its output unless it succeeds.
fn sh(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ip_cmd() -> Command {
    Command::new(which("ip").expect("ip (checked by require_root_and_tools)"))
}

/// A server process in the box, killed when the box is dropped.
struct Process {
    label: String,
    child: Child,
    log: PathBuf,
}

/// The bridge of a router a host is plugged into, and the router's address on it.
#[derive(Debug, Clone, Copy)]
pub struct Segment {
    pub router: &'static str,
    pub bridge: &'static str,
    pub gateway: Ipv4Addr,
}

/// The namespaces of one box and everything running in them.
pub struct Lab {
    prefix: String,
    dir: tempfile::TempDir,
    namespaces: Vec<String>,
    etc: Vec<PathBuf>,
    processes: Vec<Process>,
    guards: Vec<Box<dyn std::any::Any + Send>>,
}

impl Lab {
    /// A new, empty box. Fails the test without root or a tool; removes namespaces left by
    /// earlier runs that died.
    pub fn new() -> Self {
        require_root_and_tools();
        remove_stale();
        let n = BOXES.fetch_add(1, Ordering::Relaxed);
        Self {
            prefix: format!("{PREFIX}{}x{n}", std::process::id()),
            dir: tempfile::tempdir().expect("temp dir for the box"),
            namespaces: Vec::new(),
            etc: Vec::new(),
            processes: Vec::new(),
            guards: Vec::new(),
        }
    }

    /// The box's scratch directory (certificates, configuration, logs).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A path in the scratch directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The full name of a namespace of this box.
    pub fn ns(&self, short: &str) -> String {
        format!("{}-{short}", self.prefix)
    }

    fn add_namespace(&mut self, short: &str) -> String {
        let ns = self.ns(short);
        sh(
            ip_cmd().args(["netns", "add", &ns]),
            &format!("ip netns add {ns}"),
        );
        self.namespaces.push(ns.clone());
        // Every namespace gets its own resolv.conf and hosts (filled in later), so nothing
        // run inside reads the host's.
        let etc = PathBuf::from("/etc/netns").join(&ns);
        fs::create_dir_all(&etc).unwrap_or_else(|e| panic!("create {}: {e}", etc.display()));
        self.etc.push(etc);
        self.etc_file(short, "resolv.conf", "# site in a box: no resolver\n");
        self.etc_file(short, "hosts", "127.0.0.1 localhost\n");
        self.ip(short, &["link", "set", "lo", "up"]);
        // No IPv6 at all: no link-local chatter, no address the guard would have to allow.
        self.sysctl(short, "net.ipv6.conf.all.disable_ipv6", "1");
        self.sysctl(short, "net.ipv6.conf.default.disable_ipv6", "1");
        self.nft(
            short,
            &format!(
                "table inet box_guard {{
                   chain guard_output {{
                     type filter hook output priority 0; policy drop;
                     oifname \"lo\" accept
                     ip daddr {BOX_RANGE} accept
                     meta l4proto igmp ip daddr 224.0.0.0/24 accept
                     counter drop
                   }}
                   chain guard_forward {{
                     type filter hook forward priority 0; policy drop;
                     ip daddr {BOX_RANGE} ip saddr {BOX_RANGE} accept
                     counter drop
                   }}
                 }}"
            ),
        );
        ns
    }

    /// The namespaces whose guard stopped a packet bound outside the box (loopback and
    /// [`BOX_RANGE`]), with how many: nothing may ever try, so a test asserts this is empty.
    pub fn escapes(&self) -> Vec<String> {
        self.namespaces
            .iter()
            .filter_map(|ns| {
                let short = ns.strip_prefix(&format!("{}-", self.prefix))?;
                let listed = sh(
                    self.command(short, "nft")
                        .args(["list", "table", "inet", "box_guard"]),
                    &format!("nft list table inet box_guard in {ns}"),
                );
                let stopped: u64 = listed
                    .split("counter packets ")
                    .skip(1)
                    .filter_map(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
                    .sum();
                (stopped > 0).then(|| format!("{ns}: {stopped} packets"))
            })
            .collect()
    }

    /// `ip -n NS ARGS`.
    pub fn ip(&self, short: &str, args: &[&str]) {
        let ns = self.ns(short);
        sh(
            ip_cmd().arg("-n").arg(&ns).args(args),
            &format!("ip -n {ns} {}", args.join(" ")),
        );
    }

    pub fn sysctl(&self, short: &str, key: &str, value: &str) {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        let ns = self.ns(short);
        // Written from inside the namespace: /proc/sys/net is per network namespace.
        self.in_ns(short, || {
            fs::write(&path, value).unwrap_or_else(|e| panic!("{ns}: {key}={value}: {e}"));
        });
    }

    /// Loads an nftables ruleset into a namespace.
    pub fn nft(&self, short: &str, rules: &str) {
        let n = NFT_FILES.fetch_add(1, Ordering::Relaxed);
        let file = self.path(&format!("nft-{short}-{n}.conf"));
        fs::write(&file, rules).expect("write nft rules");
        let ns = self.ns(short);
        sh(
            self.command(short, "nft").arg("-f").arg(&file),
            &format!("nft -f in {ns}:\n{rules}\n"),
        );
    }

    /// A router namespace with forwarding on and one bridge per segment, each with the
    /// router's address (a /24).
    pub fn router(&mut self, short: &str, segments: &[Segment]) {
        self.add_namespace(short);
        self.sysctl(short, "net.ipv4.ip_forward", "1");
        // Unreachable routes answer at once with ICMP, never rate-limited into silence.
        self.sysctl(short, "net.ipv4.icmp_ratelimit", "0");
        for s in segments {
            assert_eq!(s.router, short, "segment {} belongs to {short}", s.bridge);
            assert!(in_box_range(IpAddr::V4(s.gateway)), "{}", s.gateway);
            self.ip(short, &["link", "add", s.bridge, "type", "bridge"]);
            self.ip(
                short,
                &["addr", "add", &format!("{}/24", s.gateway), "dev", s.bridge],
            );
            self.ip(short, &["link", "set", s.bridge, "up"]);
        }
    }

    /// Makes the router answer "host unreachable" (ICMP) at once for a network nobody routes
    /// any more. An nftables reject rather than an `unreachable` route: the kernel rate-limits
    /// the ICMP errors of routes (per source, 5 at once, then one a second, a limit that is not
    /// per namespace), which would turn most of a port scan's answers into silence.
    pub fn unreachable(&self, router: &str, bridge: &str, cidr: &str) {
        self.ip(router, &["route", "add", cidr, "dev", bridge]);
        self.nft(
            router,
            &format!(
                "table inet unrouted {{
                   chain forward {{
                     type filter hook forward priority -10; policy accept;
                     ip daddr {cidr} reject with icmp host-unreachable
                   }}
                 }}"
            ),
        );
    }

    /// A host namespace plugged into a segment: `eth0` with the addresses (the first is its
    /// own), a route to the box's range through the router and no default route.
    pub fn host(&mut self, short: &str, segment: Segment, addrs: &[Ipv4Addr]) {
        assert!(
            short.len() <= 12,
            "host name `{short}` is longer than 12 characters"
        );
        self.add_namespace(short);
        let ns = self.ns(short);
        let port = format!("p-{short}");
        // Both ends are created inside the box: the router's end in the router, the host's
        // end directly in the host's namespace.
        self.ip(
            segment.router,
            &[
                "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns", &ns,
            ],
        );
        self.ip(
            segment.router,
            &["link", "set", &port, "master", segment.bridge, "up"],
        );
        for a in addrs {
            assert!(in_box_range(IpAddr::V4(*a)), "{a} is not in {BOX_RANGE}");
            self.ip(short, &["addr", "add", &format!("{a}/24"), "dev", "eth0"]);
        }
        self.ip(short, &["link", "set", "eth0", "up"]);
        self.ip(
            short,
            &[
                "route",
                "add",
                BOX_RANGE,
                "via",
                &segment.gateway.to_string(),
            ],
        );
    }

    /// Writes `/etc/netns/NS/NAME`, which programs run in the namespace see as `/etc/NAME`.
    pub fn etc_file(&self, short: &str, name: &str, text: &str) {
        let path = PathBuf::from("/etc/netns").join(self.ns(short)).join(name);
        fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// `ip netns exec NS PROGRAM`: add arguments and environment, then run or spawn it.
    pub fn command(&self, short: &str, program: &str) -> Command {
        let program = which(program).unwrap_or_else(|| PathBuf::from(program));
        let mut cmd = ip_cmd();
        cmd.args(["netns", "exec", &self.ns(short)]).arg(program);
        cmd
    }

    /// Starts a server process in the box; its output goes to a log file named after `label`.
    pub fn spawn(&mut self, label: &str, mut cmd: Command) {
        let log = self.path(&format!("{label}.log"));
        let file = File::create(&log).expect("log file");
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {label}: {e}"));
        self.processes.push(Process {
            label: label.to_owned(),
            child,
            log,
        });
    }

    /// The log of a server started with [`Lab::spawn`].
    pub fn log(&self, label: &str) -> String {
        fs::read_to_string(self.path(&format!("{label}.log"))).unwrap_or_default()
    }

    /// Keeps an in-process server alive until the box is dropped (before its namespace goes).
    pub fn keep<T: Send + 'static>(&mut self, guard: T) {
        self.guards.push(Box::new(guard));
    }

    /// Runs `f` on a thread that has joined the namespace: sockets it makes live there.
    pub fn in_ns<T: Send>(&self, short: &str, f: impl FnOnce() -> T + Send) -> T {
        let path = PathBuf::from("/run/netns").join(self.ns(short));
        thread::scope(|s| {
            s.spawn(|| {
                let file =
                    File::open(&path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
                move_into_link_name_space(file.as_fd(), Some(LinkNameSpaceType::Network))
                    .unwrap_or_else(|e| panic!("setns into {}: {e}", path.display()));
                f()
            })
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
        })
    }

    /// Waits until something accepts TCP at `addr` inside the namespace, failing the test
    /// with the server's log if it exits or takes longer than 20 s.
    pub fn wait_tcp(&mut self, short: &str, addr: SocketAddr, label: &str) {
        let deadline = Instant::now() + START_LIMIT;
        loop {
            let up = self.in_ns(short, || {
                TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
            });
            if up {
                return;
            }
            if let Some(p) = self.processes.iter_mut().find(|p| p.label == label)
                && let Ok(Some(status)) = p.child.try_wait()
            {
                panic!(
                    "{label} exited ({status}) before accepting on {addr}:\n{}",
                    fs::read_to_string(&p.log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{label} did not accept on {addr} within {START_LIMIT:?}:\n{}",
                self.log(label)
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Listeners inside a namespace that accept and close every connection ("open" ports),
    /// until the box is dropped.
    pub fn listeners(&mut self, short: &str, addrs: &[SocketAddr]) {
        let listeners: Vec<TcpListener> = self.in_ns(short, || {
            addrs
                .iter()
                .map(|a| {
                    let l = TcpListener::bind(a).unwrap_or_else(|e| panic!("listen on {a}: {e}"));
                    l.set_nonblocking(true).expect("non-blocking listener");
                    l
                })
                .collect()
        });
        self.keep(Acceptor::start(listeners));
    }

    /// A DNS server (dnsmasq) answering only from `records`, authoritative (NXDOMAIN for any
    /// other name) for `domains`, forwarding nothing.
    pub fn dnsmasq(
        &mut self,
        short: &str,
        label: &str,
        listen: Ipv4Addr,
        records: &[(&str, Ipv4Addr)],
        domains: &[&str],
    ) {
        let mut cmd = self.command(short, "dnsmasq");
        cmd.args([
            "--keep-in-foreground",
            "--no-resolv",
            "--no-hosts",
            "--no-poll",
            "--conf-file=/dev/null",
            "--bind-interfaces",
            "--pid-file",
            "--log-queries",
            "--log-facility=-",
            "--user=root",
        ])
        .arg(format!("--listen-address={listen}"));
        for d in domains {
            cmd.arg(format!("--local=/{d}/"));
        }
        for (name, ip) in records {
            cmd.arg(format!("--host-record={name},{ip}"));
        }
        self.spawn(label, cmd);
        self.wait_tcp(short, SocketAddr::from((listen, 53)), label);
    }
}

impl Default for Lab {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for p in &mut self.processes {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
        self.guards.clear();
        for etc in &self.etc {
            let _ = fs::remove_dir_all(etc);
        }
        for ns in self.namespaces.iter().rev() {
            delete_namespace(ns);
        }
    }
}

fn delete_namespace(ns: &str) {
    // Whatever still runs in it (only possible for a box whose test was killed) goes first, by
    // its pid, or the namespace would outlive its name.
    if let Ok(out) = ip_cmd().args(["netns", "pids", ns]).output() {
        for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            let _ = Command::new("kill").args(["-KILL", pid]).status();
        }
    }
    let deleted = ip_cmd()
        .args(["netns", "delete", ns])
        .stderr(Stdio::piped())
        .output();
    match deleted {
        Ok(o) if o.status.success() => {}
        Ok(o) => eprintln!(
            "site in a box: cannot delete namespace {ns}: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => eprintln!("site in a box: cannot delete namespace {ns}: {e}"),
    }
}

/// Removes the namespaces (and `/etc/netns` directories) of boxes whose process is gone.
fn remove_stale() {
    let Ok(out) = ip_cmd().args(["netns", "list"]).output() else {
        return;
    };
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    let mine = std::process::id();
    for name in listed.lines().filter_map(|l| l.split_whitespace().next()) {
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('x').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == mine || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        eprintln!("site in a box: removing {name}, left by process {pid}");
        let _ = fs::remove_dir_all(PathBuf::from("/etc/netns").join(name));
        delete_namespace(name);
    }
}

/// Accepts and closes connections on a group of listeners until dropped.
struct Acceptor {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Acceptor {
    fn start(listeners: Vec<TcpListener>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            let until = Instant::now() + LISTENER_LIFETIME;
            while !flag.load(Ordering::Relaxed) && Instant::now() < until {
                for l in &listeners {
                    while let Ok((mut stream, _)) = l.accept() {
                        // Read nothing, answer nothing: an open port, like `nc -l`.
                        let _ = stream.set_nonblocking(true);
                        let _ = stream.read(&mut [0u8; 16]);
                    }
                }
                thread::sleep(Duration::from_millis(10));
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
