//! Figures for the TLS scanner: the same loopback servers scanned by `preflight tls` and, where
//! installed, by sslyze, testssl.sh and `nmap --script ssl-enum-ciphers`, in the same run. Run
//! with
//!
//! ```text
//! cargo bench --bench tls
//! ```
//!
//! The fifteen servers, each on a free port of 127.0.0.1, with certificates made by rcgen at
//! start-up (the SHA-1 one by `openssl req`): a modern `openssl s_server` (its defaults), a
//! legacy `gnutls-serv` with 3DES (Debian's OpenSSL 3 has none; Debian: `gnutls-bin`), a legacy
//! `openssl s_server` (`ALL:@SECLEVEL=0`, TLS 1.0-1.3), self-signed, expired, wrong name,
//! SHA-1 and 1024-bit RSA, a TLS 1.2 exact list of four suites, TLS 1.3 only, ECDSA, a leaf
//! served without its intermediate, DHE only, a leaf served with its intermediate, a wildcard
//! and a server order (`-serverpref`).
//!
//! For each server the programs run as child processes, wall time from spawn to exit:
//!
//! - the binary cargo built for this bench (`CARGO_BIN_EXE_preflight`) as
//!   `preflight tls 127.0.0.1:PORT --sni localhost --checklist none --format json`, with its
//!   defaults (five connections at once per server, no fixed rate: the budget backs off when a
//!   server limits it) and with `--concurrency 16 --rate 1000`; median of several runs each,
//!   after one unmeasured run. Its JSON gives the handshakes of a scan, set against their
//!   floor (see [`floor`]), and the most connections it had open at once;
//! - `sslyze --quiet --json_out FILE --sni localhost --certinfo --sslv3 --tlsv1 --tlsv1_1
//!   --tlsv1_2 --tlsv1_3 --elliptic_curves --mozilla_config disable 127.0.0.1:PORT` (the Python
//!   package `sslyze`): the work comparable to preflight's, once;
//! - `testssl.sh` (Debian's package `testssl.sh` installs it as `testssl`) as `--quiet --color 0
//!   --warnings off --nodns none -E --jsonfile FILE 127.0.0.1:PORT`: the full enumeration per
//!   protocol, once;
//! - `nmap -n -Pn --script ssl-enum-ciphers,ssl-cert -p PORT 127.0.0.1`, once.
//!
//! Each tool's output is read into protocol → set of IANA suite names (through preflight's own
//! registry, so OpenSSL names, code points and spellings like nmap's `TLS_AKE_WITH_` for TLS 1.3
//! all land on the same name) and compared with preflight's. Where the sets differ, every suite
//! in dispute is tried once more with `openssl s_client -cipher X` (or `-ciphersuites` for TLS
//! 1.3) as the arbiter, where this machine's OpenSSL can offer the suite.
//!
//! The table gives each program's wall time, its ratio to preflight's (fast and defaults), and
//! whether its sets agree. Each preflight run is killed after 60 s, sslyze and nmap after
//! 300 s, testssl.sh after 600 s ("timed out"); killing takes the program's whole process group.
//! Servers stop and the temporary files go when the bench ends. Nothing leaves loopback.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Read as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use preflight::probe::tls::suites;

#[path = "../tests/common/sha1_cert.rs"]
mod sha1_cert;

/// Measured runs of preflight at its defaults defaults, per server (each a few seconds).
const DEFAULT_RUNS: usize = 3;
/// Measured runs of preflight at `--concurrency 16 --rate 1000`, per server.
const FAST_RUNS: usize = 7;
const FAST_ARGS: [&str; 4] = ["--concurrency", "16", "--rate", "1000"];
const PREFLIGHT_LIMIT: Duration = Duration::from_secs(60);
const SSLYZE_LIMIT: Duration = Duration::from_secs(300);
const TESTSSL_LIMIT: Duration = Duration::from_secs(600);
const NMAP_LIMIT: Duration = Duration::from_secs(300);
const ARBITER_LIMIT: Duration = Duration::from_secs(10);
const VERSIONS: [&str; 5] = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/// Protocol → accepted suites (IANA names), for the protocols with at least one.
type Sets = BTreeMap<&'static str, BTreeSet<String>>;

fn main() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("a home for preflight");

    let peers = Peers::find();
    println!(
        "TLS scans of loopback servers; preflight: median of {DEFAULT_RUNS} runs at its defaults \
         and {FAST_RUNS} at {}, after one unmeasured run; each peer once",
        FAST_ARGS.join(" ")
    );
    for (name, version) in [
        ("sslyze", &peers.sslyze),
        ("testssl.sh", &peers.testssl.as_ref().map(|t| t.1.clone())),
        ("nmap", &peers.nmap),
    ] {
        match version {
            Some(v) => println!("  {name}: {v}"),
            None => println!("  {name}: not installed ({})", install_hint(name)),
        }
    }

    let mut summary: Vec<Row> = Vec::new();
    for spec in servers() {
        println!();
        println!("── {} ──", spec.label);
        let Some(server) = Server::start(&spec, dir.path()) else {
            println!(
                "{}: not installed (apt-get install -y {})",
                spec.program, spec.package
            );
            continue;
        };
        summary.push(bench_server(&spec, &server, &peers, dir.path(), &home));
    }

    println!();
    println!("── summary: wall time of each peer over preflight's, and whether the sets agree ──");
    println!(
        "{:<42} {:>16} {:>16} {:>16} {:>12} {:>5}",
        "server", "sslyze", "testssl.sh", "nmap", "hs / floor", "peak"
    );
    for row in &summary {
        println!(
            "{:<42} {:>16} {:>16} {:>16} {:>12} {:>5}",
            row.label,
            row.cells[0],
            row.cells[1],
            row.cells[2],
            format!("{} / {}", row.handshakes, row.floor),
            row.peak
        );
    }
    println!("(ratio to preflight at --concurrency 16 --rate 1000 / at its defaults; = same sets;");
    println!(" hs: handshakes of one scan; floor: accepted suites + 1 per protocol offered, 1 per");
    println!(" protocol not offered, the groups accepted; peak: most connections open at once)");
    totals(&summary);
    println!("bench took {:.0} s", started.elapsed().as_secs_f64());
}

/// One server's summary.
#[derive(Default)]
struct Row {
    label: String,
    cells: [String; 3],
    /// Median wall times: preflight at its defaults, and each peer's one run.
    defaults: Option<Duration>,
    peers: [Option<Duration>; 3],
    handshakes: u64,
    floor: u64,
    peak: u64,
}

/// The whole set's time at preflight's defaults against each peer's, over the servers every
/// program measured.
fn totals(rows: &[Row]) {
    let names = ["sslyze", "testssl.sh", "nmap"];
    for (i, name) in names.iter().enumerate() {
        let both: Vec<(Duration, Duration)> = rows
            .iter()
            .filter_map(|r| Some((r.defaults?, r.peers[i]?)))
            .collect();
        if both.is_empty() {
            continue;
        }
        let ours: Duration = both.iter().map(|b| b.0).sum();
        let theirs: Duration = both.iter().map(|b| b.1).sum();
        println!(
            "total over {} servers: preflight defaults {}, {name} {}: preflight takes {:.3} of \
             {name}'s time",
            both.len(),
            secs(ours),
            secs(theirs),
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
    }
    let hs: u64 = rows.iter().map(|r| r.handshakes).sum();
    let floor: u64 = rows.iter().map(|r| r.floor).sum();
    let peak = rows.iter().map(|r| r.peak).max().unwrap_or(0);
    println!("handshakes: {hs} against a floor of {floor}; most connections open at once: {peak}");
}

/// Scans one server with every program, prints its table, and gives its summary line.
fn bench_server(spec: &ServerSpec, server: &Server, peers: &Peers, dir: &Path, home: &Path) -> Row {
    let port = server.port;
    println!("127.0.0.1:{port}");

    let ours = match measure_preflight(port, home) {
        Ok(o) => o,
        Err(e) => {
            println!("preflight failed: {e}");
            return Row {
                label: spec.label.to_owned(),
                ..Row::default()
            };
        }
    };
    let Ours {
        reference,
        handshakes,
        floor,
        peak,
        fast,
        defaults,
        unstable,
    } = ours;
    let fast_wall = median(&fast);
    let defaults_wall = median(&defaults);
    println!(
        "preflight found {} ({handshakes} handshakes, floor {floor}; at most {peak} connections \
         at once)",
        VERSIONS
            .iter()
            .filter_map(|v| reference.get(v).map(|s| format!("{v} {}", s.len())))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for u in &unstable {
        println!("  warning: preflight {u}");
    }

    let outcomes = run_peers(peers, port, dir);
    let names = ["sslyze", "testssl.sh", "nmap ssl-enum-ciphers"];

    println!(
        "{:<46} {:>10} {:>12} {:>12}  sets",
        "", "wall", "/ pf fast", "/ pf defaults"
    );
    let row = |label: &str, wall: Option<Duration>, sets: &str| {
        let (w, rf, rg) = wall.map_or_else(
            || ("-".to_owned(), "-".to_owned(), "-".to_owned()),
            |w| (secs(w), ratio(w, fast_wall), ratio(w, defaults_wall)),
        );
        println!("{label:<46} {w:>10} {rf:>12} {rg:>12}  {sets}");
        format!("{rf}/{rg}")
    };
    let _ = row(
        &format!("preflight c=16 rate=1000 (median of {})", fast.len()),
        fast_wall,
        "reference",
    );
    let _ = row(
        &format!(
            "preflight defaults (5 per server; median of {})",
            defaults.len()
        ),
        defaults_wall,
        if unstable.is_empty() {
            "same"
        } else {
            "see warnings"
        },
    );
    let mut cells: [String; 3] = Default::default();
    let mut disputed: BTreeSet<(&'static str, String)> = BTreeSet::new();
    let mut details = Vec::new();
    for ((name, outcome), cell) in names.iter().zip(&outcomes).zip(&mut cells) {
        *cell = judge(name, outcome, &reference, &row, &mut details, &mut disputed);
    }
    print_disputes(port, &reference, &details, &disputed);
    let wall = |o: &Outcome| match o {
        Outcome::Done { wall, .. } => Some(*wall),
        _ => None,
    };
    Row {
        label: spec.label.to_owned(),
        cells,
        defaults: defaults_wall,
        peers: [wall(&outcomes[0]), wall(&outcomes[1]), wall(&outcomes[2])],
        handshakes,
        floor,
        peak,
    }
}

/// Each peer's scan of the server at `port`, in the order sslyze, testssl.sh, nmap.
fn run_peers(peers: &Peers, port: u16, dir: &Path) -> [Outcome; 3] {
    [
        peers
            .sslyze
            .as_ref()
            .map_or(Outcome::NotInstalled, |_| run_sslyze(port, dir)),
        peers
            .testssl
            .as_ref()
            .map_or(Outcome::NotInstalled, |(program, _)| {
                run_testssl(program, port, dir)
            }),
        peers
            .nmap
            .as_ref()
            .map_or(Outcome::NotInstalled, |_| run_nmap(port)),
    ]
}

/// Prints a peer's row and gathers its differences; gives its summary cell.
fn judge(
    name: &str,
    outcome: &Outcome,
    reference: &Sets,
    row: &dyn Fn(&str, Option<Duration>, &str) -> String,
    details: &mut Vec<String>,
    disputed: &mut BTreeSet<(&'static str, String)>,
) -> String {
    match outcome {
        Outcome::Done { wall, sets, note } => {
            let diff = differences(reference, sets, name);
            let verdict = if diff.is_empty() {
                "same".to_owned()
            } else {
                format!("differ ({} suites)", diff_count(reference, sets))
            };
            let ratios = row(name, Some(*wall), &verdict);
            if let Some(note) = note {
                println!("{:<46} note: {note}", "");
            }
            let same = diff.is_empty();
            for d in diff {
                details.push(format!("{name}: {d}"));
            }
            for v in VERSIONS {
                let ours = reference.get(v).cloned().unwrap_or_default();
                let theirs = sets.get(v).cloned().unwrap_or_default();
                for s in ours.symmetric_difference(&theirs) {
                    disputed.insert((v, s.clone()));
                }
            }
            format!("{ratios} {}", if same { "=" } else { "≠" })
        }
        Outcome::TimedOut(after) => {
            println!("{name:<46} timed out after {}", secs(*after));
            String::from("timed out")
        }
        Outcome::Failed(e) => {
            println!("{name:<46} failed: {e}");
            String::from("failed")
        }
        Outcome::NotInstalled => {
            println!("{name:<46} not installed ({})", install_hint(name));
            String::from("not installed")
        }
    }
}

/// Each difference, and for each suite in dispute what `openssl s_client` says.
fn print_disputes(
    port: u16,
    reference: &Sets,
    details: &[String],
    disputed: &BTreeSet<(&'static str, String)>,
) {
    if details.is_empty() {
        return;
    }
    println!("differences:");
    for d in details {
        println!("  {d}");
    }
    println!("arbiter (openssl s_client offering that one suite):");
    for (v, s) in disputed {
        let said = if reference.get(v).is_some_and(|set| set.contains(s)) {
            "preflight: accepted"
        } else {
            "preflight: not accepted"
        };
        println!(
            "  {v} {s}: {said}; openssl s_client: {}",
            arbiter(port, v, s)
        );
    }
}

/// What preflight found and how long it took, over every run on one server.
struct Ours {
    reference: Sets,
    handshakes: u64,
    floor: u64,
    /// Most connections open at once in any run at the defaults.
    peak: u64,
    fast: Vec<Duration>,
    defaults: Vec<Duration>,
    /// Runs that failed or found other sets than the first.
    unstable: Vec<String>,
}

/// One unmeasured run, then the measured ones, alternating; every run must find the same sets.
fn measure_preflight(port: u16, home: &Path) -> Result<Ours, String> {
    let first = run_preflight(port, &FAST_ARGS, home)?;
    let reference = first.sets;
    let mut defaults = Vec::new();
    let mut fast = Vec::new();
    let mut unstable = Vec::new();
    let mut peak = 0;
    for i in 0..DEFAULT_RUNS.max(FAST_RUNS) {
        for (args, times, runs) in [
            (&[][..], &mut defaults, DEFAULT_RUNS),
            (&FAST_ARGS[..], &mut fast, FAST_RUNS),
        ] {
            if i >= runs {
                continue;
            }
            match run_preflight(port, args, home) {
                Ok(r) => {
                    if r.sets != reference {
                        unstable.push(format!(
                            "run {} with [{}] found other sets: {}",
                            i + 1,
                            args.join(" "),
                            differences(&reference, &r.sets, "this run").join("; ")
                        ));
                    }
                    times.push(r.wall);
                    if args.is_empty() {
                        peak = peak.max(r.peak);
                    }
                }
                Err(e) => unstable.push(format!("run {} with [{}]: {e}", i + 1, args.join(" "))),
            }
        }
    }
    Ok(Ours {
        reference,
        handshakes: first.handshakes,
        floor: first.floor,
        peak,
        fast,
        defaults,
        unstable,
    })
}

// ─── The servers ───────────────────────────────────────────────────────────────────────────────

struct ServerSpec {
    label: &'static str,
    program: &'static str,
    package: &'static str,
    cert: Cert,
    /// Options after the port and the certificate files.
    extra: &'static [&'static str],
}

impl ServerSpec {
    fn args(&self, port: u16, files: &CertFiles) -> Vec<String> {
        let path = |p: &Path| p.display().to_string();
        let mut a: Vec<String> = if self.program == "gnutls-serv" {
            vec![
                "--port".to_owned(),
                port.to_string(),
                "--x509certfile".to_owned(),
                path(&files.cert),
                "--x509keyfile".to_owned(),
                path(&files.key),
            ]
        } else {
            let mut a = vec![
                "s_server".to_owned(),
                "-quiet".to_owned(),
                "-accept".to_owned(),
                format!("127.0.0.1:{port}"),
                "-cert".to_owned(),
                path(&files.cert),
                "-key".to_owned(),
                path(&files.key),
            ];
            if let Some(chain) = &files.chain {
                a.extend(["-cert_chain".to_owned(), path(chain)]);
            }
            a
        };
        a.extend(self.extra.iter().map(|s| (*s).to_owned()));
        a
    }
}

fn servers() -> Vec<ServerSpec> {
    let openssl = |label, cert, extra: &'static [&'static str]| ServerSpec {
        label,
        program: "openssl",
        package: "openssl",
        cert,
        extra,
    };
    vec![
        openssl("modern (openssl defaults, TLS 1.2-1.3)", Cert::Rsa, &[]),
        ServerSpec {
            label: "legacy, 3DES (gnutls-serv, TLS 1.0-1.2)",
            program: "gnutls-serv",
            package: "gnutls-bin",
            cert: Cert::Rsa,
            extra: &[
                "--priority",
                "NONE:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:+3DES-CBC:+AES-128-CBC:\
                 +AES-256-GCM:+RSA:+ECDHE-RSA:+SHA1:+AEAD:+COMP-NULL:+SIGN-ALL:+GROUP-ALL",
            ],
        },
        openssl(
            "legacy (openssl, TLS 1.0-1.3, ALL:@SECLEVEL=0)",
            Cert::Rsa,
            &[
                "-cipher",
                "ALL:@SECLEVEL=0",
                "-min_protocol",
                "TLSv1",
                "-max_protocol",
                "TLSv1.3",
            ],
        ),
        openssl("self-signed", Cert::Rsa, &[]),
        openssl("expired", Cert::Expired, &[]),
        openssl("wrong name", Cert::WrongName, &[]),
        openssl(
            "SHA-1, 1024-bit RSA",
            Cert::Sha1Rsa1024,
            &["-cipher", "DEFAULT:@SECLEVEL=0", "-tls1_2"],
        ),
        openssl(
            "TLS 1.2 exact list (4 suites)",
            Cert::Rsa,
            &[
                "-cipher",
                "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA:\
                 DHE-RSA-AES256-SHA256:AES128-GCM-SHA256:@SECLEVEL=0",
                "-tls1_2",
            ],
        ),
        openssl("TLS 1.3 only", Cert::Rsa, &["-tls1_3"]),
        openssl("ECDSA P-256", Cert::Ecdsa, &[]),
        openssl("missing intermediate", Cert::Leaf, &[]),
        openssl(
            "DHE only (TLS 1.2)",
            Cert::Rsa,
            &[
                "-cipher",
                "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-SHA256:DHE-RSA-AES128-SHA",
                "-tls1_2",
            ],
        ),
        openssl("served chain (leaf + intermediate)", Cert::Chain, &[]),
        openssl("wildcard (*.localhost)", Cert::Wildcard, &[]),
        openssl(
            "server order (TLS 1.2, -serverpref)",
            Cert::Rsa,
            &[
                "-cipher",
                "AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:\
                 DHE-RSA-AES128-SHA:AES256-SHA256:@SECLEVEL=0",
                "-tls1_2",
                "-serverpref",
            ],
        ),
    ]
}

/// The certificate a server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cert {
    /// 2048-bit RSA for `localhost`, self-signed.
    Rsa,
    /// The same, but its validity ended a month ago.
    Expired,
    /// Self-signed for another name.
    WrongName,
    /// 1024-bit RSA signed with SHA-1 (made by `openssl req`: rcgen signs no SHA-1).
    Sha1Rsa1024,
    /// ECDSA P-256 for `localhost`, self-signed.
    Ecdsa,
    /// Issued by an intermediate, served without it.
    Leaf,
    /// Issued by an intermediate, served with it.
    Chain,
    /// `*.localhost`, self-signed.
    Wildcard,
}

struct CertFiles {
    cert: PathBuf,
    key: PathBuf,
    chain: Option<PathBuf>,
}

/// Writes the files of `kind` under `dir`.
fn write_cert(dir: &Path, kind: Cert) -> CertFiles {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let day = time::Duration::days(1);
    let now = time::OffsetDateTime::now_utc();
    let rsa = || {
        KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
            .expect("an RSA key")
    };
    let params = |names: &[&str]| {
        let mut p =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .expect("certificate params");
        p.not_before = now - day * 30;
        p.not_after = now + day * 365;
        p
    };
    let name = format!("{kind:?}").to_lowercase();
    let cert = dir.join(format!("{name}.pem"));
    let key_file = dir.join(format!("{name}.key"));
    let mut chain = None;
    let (pem, key) = match kind {
        Cert::Sha1Rsa1024 => {
            sha1_cert::sha1_rsa1024(&cert, &key_file);
            return CertFiles {
                cert,
                key: key_file,
                chain,
            };
        }
        Cert::Rsa | Cert::Expired | Cert::WrongName | Cert::Wildcard => {
            let key = rsa();
            let mut p = params(&[match kind {
                Cert::WrongName => "wrong.example.test",
                Cert::Wildcard => "*.localhost",
                _ => "localhost",
            }]);
            if kind == Cert::Expired {
                p.not_before = now - day * 400;
                p.not_after = now - day * 30;
            }
            (p.self_signed(&key).expect("certificate").pem(), key)
        }
        Cert::Ecdsa => {
            let key = KeyPair::generate().expect("an ECDSA key");
            (
                params(&["localhost"])
                    .self_signed(&key)
                    .expect("certificate")
                    .pem(),
                key,
            )
        }
        Cert::Leaf | Cert::Chain => {
            let ca = |parent: Option<(&CertificateParams, &KeyPair)>| {
                let key = KeyPair::generate().expect("a CA key");
                let mut p = params(&[]);
                p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
                let c = match parent {
                    Some((pp, pk)) => p.signed_by(&key, &Issuer::from_params(pp, pk)),
                    None => p.self_signed(&key),
                }
                .expect("a CA certificate");
                (p, key, c.pem())
            };
            let (root, root_key, _) = ca(None);
            let (mid, mid_key, mid_pem) = ca(Some((&root, &root_key)));
            let key = rsa();
            let leaf = params(&["localhost"])
                .signed_by(&key, &Issuer::from_params(&mid, &mid_key))
                .expect("a leaf");
            if kind == Cert::Chain {
                let path = dir.join(format!("{name}-chain.pem"));
                std::fs::write(&path, mid_pem).expect("write the chain");
                chain = Some(path);
            }
            (leaf.pem(), key)
        }
    };
    std::fs::write(&cert, pem).expect("write the certificate");
    std::fs::write(&key_file, key.serialize_pem()).expect("write the key");
    CertFiles {
        cert,
        key: key_file,
        chain,
    }
}

/// A server process, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts the server and waits until it accepts; `None` when the program is missing.
    fn start(spec: &ServerSpec, dir: &Path) -> Option<Self> {
        let files = write_cert(dir, spec.cert);
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = match Command::new(spec.program)
            .args(spec.args(port, &files))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => panic!("cannot start {}: {e}", spec.program),
        };
        let mut server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Some(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("{} exited ({status}) before accepting", spec.program);
            }
            assert!(
                Instant::now() < deadline,
                "{} did not accept on port {port} within 15 s",
                spec.program
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ─── Running programs ──────────────────────────────────────────────────────────────────────────

struct Finished {
    wall: Duration,
    success: bool,
    stdout: String,
    stderr: String,
}

enum RunError {
    NotFound,
    TimedOut(Duration),
    Other(String),
}

/// Runs `cmd` in its own process group, bounded by `limit`; the whole group is killed when the
/// limit passes and once the program exits (so no helper it started outlives it).
fn run(cmd: &mut Command, limit: Duration) -> Result<Finished, RunError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let start = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(RunError::NotFound),
        Err(e) => return Err(RunError::Other(e.to_string())),
    };
    let pid = child.id();
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    );
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break Some(status);
        }
        if start.elapsed() > limit {
            break None;
        }
        thread::sleep(Duration::from_millis(2));
    };
    let wall = start.elapsed();
    kill_group(pid);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    match status {
        None => Err(RunError::TimedOut(wall)),
        Some(status) => Ok(Finished {
            wall,
            success: status.success(),
            stdout,
            stderr,
        }),
    }
}

/// Kills the process group this bench started for one program (its id is the leader's).
fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

enum Outcome {
    Done {
        wall: Duration,
        sets: Sets,
        note: Option<String>,
    },
    TimedOut(Duration),
    Failed(String),
    NotInstalled,
}

impl From<RunError> for Outcome {
    fn from(e: RunError) -> Self {
        match e {
            RunError::NotFound => Outcome::NotInstalled,
            RunError::TimedOut(d) => Outcome::TimedOut(d),
            RunError::Other(e) => Outcome::Failed(e),
        }
    }
}

fn last_lines(s: &str) -> String {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}

// ─── preflight ─────────────────────────────────────────────────────────────────────────────────

struct PreflightRun {
    wall: Duration,
    sets: Sets,
    handshakes: u64,
    floor: u64,
    peak: u64,
}

/// The fewest handshakes that could find what the scan found: per protocol offered, one per
/// accepted suite and the refusal that ends the list; one per protocol not offered; one per
/// group accepted (the first comes with the suites, the refusal ends the list).
fn floor(json: &serde_json::Value) -> u64 {
    let len = |v: &serde_json::Value| v.as_array().map_or(0, |a| a.len() as u64);
    json["protocols"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            if p["offered"] == true {
                len(&p["cipher_suites"]) + 1 + len(&p["groups"])
            } else {
                1
            }
        })
        .sum()
}

fn run_preflight(port: u16, extra: &[&str], home: &Path) -> Result<PreflightRun, String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_preflight"));
    cmd.args([
        "tls",
        &format!("127.0.0.1:{port}"),
        "--sni",
        "localhost",
        "--checklist",
        "none",
        "--format",
        "json",
    ])
    .args(extra)
    .env("HOME", home)
    .env("XDG_DATA_HOME", home.join("data"))
    .env("XDG_CONFIG_HOME", home.join("config"));
    let f = match run(&mut cmd, PREFLIGHT_LIMIT) {
        Ok(f) => f,
        Err(RunError::TimedOut(d)) => return Err(format!("timed out after {}", secs(d))),
        Err(RunError::NotFound) => return Err("the binary is missing".to_owned()),
        Err(RunError::Other(e)) => return Err(e),
    };
    // 1 is "findings" (a self-signed certificate is one); anything else is a failure.
    let json: serde_json::Value = serde_json::from_str(&f.stdout)
        .map_err(|e| format!("no JSON ({e}): {}", last_lines(&f.stderr)))?;
    if json["complete"] != true || json["errors"].as_array().is_some_and(|e| !e.is_empty()) {
        return Err(format!(
            "incomplete scan: {}",
            json["errors"]
                .to_string()
                .chars()
                .take(300)
                .collect::<String>()
        ));
    }
    let mut sets = Sets::new();
    for p in json["protocols"].as_array().into_iter().flatten() {
        let Some(v) = p["version"].as_str().and_then(version) else {
            continue;
        };
        for s in p["cipher_suites"].as_array().into_iter().flatten() {
            if let Some(name) = s.as_str() {
                insert(&mut sets, v, &canonical(name));
            }
        }
    }
    Ok(PreflightRun {
        wall: f.wall,
        sets,
        handshakes: json["handshakes"].as_u64().unwrap_or(0),
        floor: floor(&json),
        peak: json["peak_connections"].as_u64().unwrap_or(0),
    })
}

// ─── The peers ─────────────────────────────────────────────────────────────────────────────────

/// The peers found on this machine, with the version each reports.
struct Peers {
    sslyze: Option<String>,
    /// The program name (`testssl.sh` or Debian's `testssl`) and its version.
    testssl: Option<(String, String)>,
    nmap: Option<String>,
}

impl Peers {
    fn find() -> Self {
        let output = |program: &str, arg: &str| {
            let mut cmd = Command::new(program);
            cmd.arg(arg);
            run(&mut cmd, Duration::from_secs(30))
                .ok()
                .map(|f| format!("{}\n{}", f.stdout, f.stderr))
        };
        let sslyze = output("sslyze", "--help").map(|s| {
            s.lines()
                .find(|l| l.starts_with("SSLyze version"))
                .map_or_else(|| "sslyze".to_owned(), |l| l.trim().to_owned())
        });
        let testssl = ["testssl.sh", "testssl"].iter().find_map(|p| {
            output(p, "--version").map(|s| {
                let v = s
                    .lines()
                    .find(|l| l.trim_start().starts_with("testssl"))
                    .map_or("testssl.sh", str::trim)
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ");
                ((*p).to_owned(), v)
            })
        });
        let nmap = output("nmap", "--version").map(|s| {
            s.lines()
                .find(|l| l.starts_with("Nmap version"))
                .map_or("nmap", |l| l.split(" (").next().unwrap_or(l))
                .to_owned()
        });
        Peers {
            sslyze,
            testssl,
            nmap,
        }
    }
}

fn install_hint(name: &str) -> &'static str {
    match name {
        "sslyze" => "pip install sslyze",
        "testssl.sh" => "apt-get install -y testssl.sh",
        _ => "apt-get install -y nmap",
    }
}

fn run_sslyze(port: u16, dir: &Path) -> Outcome {
    let out = dir.join(format!("sslyze-{port}.json"));
    let _ = std::fs::remove_file(&out);
    let mut cmd = Command::new("sslyze");
    cmd.args([
        "--quiet",
        &format!("--json_out={}", out.display()),
        "--sni",
        "localhost",
        "--certinfo",
        "--sslv3",
        "--tlsv1",
        "--tlsv1_1",
        "--tlsv1_2",
        "--tlsv1_3",
        "--elliptic_curves",
        "--mozilla_config",
        "disable",
        &format!("127.0.0.1:{port}"),
    ]);
    let f = match run(&mut cmd, SSLYZE_LIMIT) {
        Ok(f) => f,
        Err(e) => return e.into(),
    };
    // sslyze writes the certificate's RSA modulus as a JSON integer, past what f64 holds.
    let json: serde_json::Value = match std::fs::read_to_string(&out)
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&tame_numbers(&s)).map_err(|e| e.to_string()))
    {
        Ok(j) => j,
        Err(e) => {
            return Outcome::Failed(format!(
                "no JSON ({e}; exit ok: {}): {}",
                f.success,
                last_lines(&f.stderr)
            ));
        }
    };
    let result = &json["server_scan_results"][0];
    if result["connectivity_status"] != "COMPLETED" {
        return Outcome::Failed(format!(
            "could not connect: {}",
            result["connectivity_error_trace"]
        ));
    }
    let mut sets = Sets::new();
    let mut errors = Vec::new();
    for (key, v) in [
        ("ssl_3_0_cipher_suites", "SSLv3"),
        ("tls_1_0_cipher_suites", "TLSv1.0"),
        ("tls_1_1_cipher_suites", "TLSv1.1"),
        ("tls_1_2_cipher_suites", "TLSv1.2"),
        ("tls_1_3_cipher_suites", "TLSv1.3"),
    ] {
        let scan = &result["scan_result"][key];
        if scan["status"] != "COMPLETED" {
            errors.push(format!("{v}: {}", scan["status"]));
        }
        for s in scan["result"]["accepted_cipher_suites"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(name) = s["cipher_suite"]["name"].as_str() {
                insert(&mut sets, v, &canonical(name));
            }
        }
    }
    Outcome::Done {
        wall: f.wall,
        sets,
        note: (!errors.is_empty()).then(|| format!("scans not completed: {}", errors.join(", "))),
    }
}

/// `text` with every run of more than 30 digits replaced by `0`: no figure this bench reads
/// is that long.
fn tame_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        out.push_str(if digits.len() > 30 { "0" } else { &digits });
        digits.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

fn run_testssl(program: &str, port: u16, dir: &Path) -> Outcome {
    // testssl.sh refuses to overwrite a JSON file: a fresh name each time.
    let out = dir.join(format!("testssl-{port}.json"));
    let _ = std::fs::remove_file(&out);
    let mut cmd = Command::new(program);
    cmd.args([
        "--quiet",
        "--color",
        "0",
        "--warnings",
        "off",
        "--nodns",
        "none",
        "-E",
        "--jsonfile",
        &out.display().to_string(),
        &format!("127.0.0.1:{port}"),
    ]);
    let f = match run(&mut cmd, TESTSSL_LIMIT) {
        Ok(f) => f,
        Err(e) => return e.into(),
    };
    let json: serde_json::Value = match std::fs::read_to_string(&out)
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(j) => j,
        Err(e) => {
            return Outcome::Failed(format!(
                "no JSON ({e}): {}",
                last_lines(&format!("{}\n{}", f.stdout, f.stderr))
            ));
        }
    };
    let mut sets = Sets::new();
    let mut unknown = Vec::new();
    for entry in json.as_array().into_iter().flatten() {
        let Some(id) = entry["id"].as_str() else {
            continue;
        };
        // `cipher-tls1_2_xc030`: the protocol, then the code point in hex.
        let Some((proto, hex)) = id.strip_prefix("cipher-").and_then(|r| r.rsplit_once("_x"))
        else {
            continue;
        };
        let v = match proto {
            "ssl3" => "SSLv3",
            "tls1" => "TLSv1.0",
            "tls1_1" => "TLSv1.1",
            "tls1_2" => "TLSv1.2",
            "tls1_3" => "TLSv1.3",
            _ => continue,
        };
        let by_code = u16::from_str_radix(hex, 16)
            .ok()
            .and_then(suites::by_code)
            .map(|s| s.name.to_owned());
        let name = by_code.or_else(|| {
            entry["finding"]
                .as_str()
                .and_then(|f| f.split_whitespace().last())
                .map(canonical)
        });
        match name {
            Some(n) => insert(&mut sets, v, &n),
            None => unknown.push(id.to_owned()),
        }
    }
    Outcome::Done {
        wall: f.wall,
        sets,
        note: (!unknown.is_empty()).then(|| format!("entries not understood: {unknown:?}")),
    }
}

fn run_nmap(port: u16) -> Outcome {
    let mut cmd = Command::new("nmap");
    cmd.args([
        "-n",
        "-Pn",
        "--script",
        "ssl-enum-ciphers,ssl-cert",
        "-p",
        &port.to_string(),
        "127.0.0.1",
    ]);
    let f = match run(&mut cmd, NMAP_LIMIT) {
        Ok(f) => f,
        Err(e) => return e.into(),
    };
    if !f.success || !f.stdout.contains("ssl-enum-ciphers") {
        return Outcome::Failed(format!(
            "no ssl-enum-ciphers output: {}",
            last_lines(&format!("{}\n{}", f.stdout, f.stderr))
        ));
    }
    Outcome::Done {
        wall: f.wall,
        sets: parse_nmap(&f.stdout),
        note: None,
    }
}

/// nmap's script output: `|   TLSv1.2: ` opens a protocol, `|       TLS_… (…) - A` is a suite.
fn parse_nmap(out: &str) -> Sets {
    let mut sets = Sets::new();
    let mut current = None;
    for line in out.lines() {
        let Some(rest) = line.strip_prefix('|') else {
            continue;
        };
        let indent = rest.len() - rest.trim_start().len();
        let text = rest.trim();
        if indent == 3 {
            current = text.strip_suffix(':').and_then(version);
        } else if indent == 7
            && let Some(v) = current
            && let Some(name) = text.split_whitespace().next()
            && (name.starts_with("TLS_") || name.starts_with("SSL_"))
        {
            insert(&mut sets, v, &canonical(name));
        }
    }
    sets
}

// ─── Names and sets ────────────────────────────────────────────────────────────────────────────

fn version(s: &str) -> Option<&'static str> {
    match s {
        "SSLv3" => Some("SSLv3"),
        "TLSv1.0" => Some("TLSv1.0"),
        "TLSv1.1" => Some("TLSv1.1"),
        "TLSv1.2" => Some("TLSv1.2"),
        "TLSv1.3" => Some("TLSv1.3"),
        _ => None,
    }
}

/// The registry's IANA name for a suite however a tool spells it (nmap calls the TLS 1.3
/// suites `TLS_AKE_WITH_…`); a name the registry does not know stays as it is.
fn canonical(name: &str) -> String {
    let name = name
        .strip_prefix("TLS_AKE_WITH_")
        .map_or_else(|| name.to_owned(), |rest| format!("TLS_{rest}"));
    suites::by_name(&name).map_or(name, |s| s.name.to_owned())
}

fn insert(sets: &mut Sets, v: &'static str, name: &str) {
    sets.entry(v).or_default().insert(name.to_owned());
}

/// What `theirs` has that `ours` lacks and the reverse, per protocol, in words.
fn differences(ours: &Sets, theirs: &Sets, who: &str) -> Vec<String> {
    let empty = BTreeSet::new();
    let mut out = Vec::new();
    for v in VERSIONS {
        let a = ours.get(v).unwrap_or(&empty);
        let b = theirs.get(v).unwrap_or(&empty);
        let only_ours: Vec<&String> = a.difference(b).collect();
        let only_theirs: Vec<&String> = b.difference(a).collect();
        let mut line = String::new();
        if !only_ours.is_empty() {
            let _ = write!(
                line,
                "{v}: preflight only ({}): {}",
                only_ours.len(),
                join(&only_ours)
            );
        }
        if !only_theirs.is_empty() {
            if line.is_empty() {
                let _ = write!(line, "{v}: ");
            } else {
                line.push_str("; ");
            }
            let _ = write!(
                line,
                "{who} only ({}): {}",
                only_theirs.len(),
                join(&only_theirs)
            );
        }
        if !line.is_empty() {
            out.push(line);
        }
    }
    out
}

fn diff_count(ours: &Sets, theirs: &Sets) -> usize {
    let empty = BTreeSet::new();
    VERSIONS
        .iter()
        .map(|v| {
            ours.get(v)
                .unwrap_or(&empty)
                .symmetric_difference(theirs.get(v).unwrap_or(&empty))
                .count()
        })
        .sum()
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the server accepts this one suite at this protocol, asked of `openssl s_client`.
fn arbiter(port: u16, v: &str, name: &str) -> String {
    let flag = match v {
        "SSLv3" => "-ssl3",
        "TLSv1.0" => "-tls1",
        "TLSv1.1" => "-tls1_1",
        "TLSv1.2" => "-tls1_2",
        _ => "-tls1_3",
    };
    let mut cmd = Command::new("openssl");
    cmd.args([
        "s_client",
        "-connect",
        &format!("127.0.0.1:{port}"),
        "-servername",
        "localhost",
        flag,
    ]);
    if v == "TLSv1.3" {
        cmd.args(["-ciphersuites", name]);
    } else {
        let Some(alias) = suites::by_name(name).and_then(|s| s.openssl) else {
            return "cannot tell (OpenSSL has no name for it)".to_owned();
        };
        cmd.args(["-cipher", &format!("{alias}:@SECLEVEL=0")]);
    }
    match run(&mut cmd, ARBITER_LIMIT) {
        Ok(f) => {
            if f.stdout
                .lines()
                .any(|l| l.starts_with("New, ") && !l.contains("(NONE)") && l.contains("Cipher is"))
            {
                "accepted".to_owned()
            } else if f.stderr.contains("no cipher match")
                || f.stderr.contains("no ciphers available")
                || f.stderr.contains("SSL_CONF_cmd")
                || f.stderr.contains("unknown option")
            {
                "cannot tell (this OpenSSL cannot offer it)".to_owned()
            } else {
                "rejected".to_owned()
            }
        }
        Err(RunError::TimedOut(_)) => "cannot tell (timed out)".to_owned(),
        Err(_) => "cannot tell (openssl did not run)".to_owned(),
    }
}

// ─── Figures ───────────────────────────────────────────────────────────────────────────────────

fn median(v: &[Duration]) -> Option<Duration> {
    let mut v = v.to_vec();
    v.sort_unstable();
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2]),
        n => Some((v[n / 2 - 1] + v[n / 2]) / 2),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn ratio(d: Duration, base: Option<Duration>) -> String {
    base.filter(|b| !b.is_zero()).map_or_else(
        || "-".to_owned(),
        |b| {
            let r = d.as_secs_f64() / b.as_secs_f64();
            if r < 10.0 {
                format!("{r:.2}x")
            } else {
                format!("{r:.0}x")
            }
        },
    )
}
