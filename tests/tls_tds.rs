//! The TLS scanner through TDS against real servers on loopback: pysqlbridge (a third-party
//! TDS server in Python, run as a child process), `openssl s_server` (a plain TLS port scanned
//! by mistake with `--tds`), a listener that answers PRELOGIN with ENCRYPT_NOT_SUP, and rustls
//! behind TDS framing for the TLS 1.3 path no real SQL Server takes (see that test).
//!
//! pysqlbridge pins TLS 1.2 inside PRELOGIN and serves a self-signed certificate it makes at
//! start-up, so the test asserts the exact suites its Python `ssl` context accepts (the comment
//! on [`PYSQLBRIDGE_SUITES`] says where they come from) and the certificate its code makes.
//! Every server listens on a port of 127.0.0.1; the scan starts once it accepts; child
//! processes are killed when their guard drops; the binary runs under the watchdog of
//! `common`, async bodies under one of their own. A missing `python3`, pysqlbridge or `openssl`
//! fails the test with what to install (`.ci/run` installs them), never skips it.

#![expect(
    clippy::doc_markdown,
    reason = "protocol and product names (PRELOGIN, ENCRYPT_NOT_SUP, CPython) are words here, not code"
)]

mod common;

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::server::{Server, free_port};
use preflight::probe::tls::scan::ChainSource;
use preflight::probe::tls::tds::{self, Encryption};
use preflight::probe::tls::{self, Options, Transport, Version};
use rcgen::{CertificateParams, KeyPair};
use rustls::crypto::aws_lc_rs as provider;
use serde_json::Value;

/// Longest any async test body may run.
const BODY_WATCHDOG: Duration = Duration::from_secs(60);

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

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// Starts `program args(port, dir)` on a free port and waits until it accepts.
fn spawn(
    program: &str,
    install: &str,
    args: impl Fn(u16, &std::path::Path) -> Vec<String>,
) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut cmd = Command::new(program);
    cmd.args(args(port, dir.path()));
    Server::start(cmd, port, dir, install)
}

const INSTALL_PYSQLBRIDGE: &str = "install it with `python3 -m pip install pysqlbridge==2.1.3`";

fn pysqlbridge() -> Server {
    let has = Command::new("python3")
        .args(["-c", "import pysqlbridge"])
        .status()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}): this test needs it"));
    assert!(
        has.success(),
        "pysqlbridge is missing: {INSTALL_PYSQLBRIDGE}"
    );
    spawn("python3", INSTALL_PYSQLBRIDGE, |port, _| {
        [
            "-m",
            "pysqlbridge",
            "--demo",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ]
        .map(str::to_owned)
        .to_vec()
    })
}

/// The name pysqlbridge puts in its certificate: `socket.gethostname()`, asked the same way.
fn python_hostname() -> String {
    let out = Command::new("python3")
        .args(["-c", "import socket; print(socket.gethostname())"])
        .output()
        .expect("run python3");
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}

/// `preflight ARGS` with a fresh home, under the watchdog.
fn preflight(args: &[&str]) -> common::Out {
    let home = tempfile::tempdir().expect("home");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_preflight"));
    cmd.args(args)
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("HOME", home.path());
    common::run_with_watchdog(cmd, "preflight tls --tds")
}

fn json(out: &common::Out) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", out.both()))
}

fn protocol<'a>(json: &'a Value, version: &str) -> &'a Value {
    json["protocols"]
        .as_array()
        .expect("protocols")
        .iter()
        .find(|p| p["version"] == version)
        .unwrap_or_else(|| panic!("{version} missing from {json:#}"))
}

/// What pysqlbridge 2.1.3 accepts inside TDS, in its order. `certificate.server_context` makes
/// `ssl.SSLContext(PROTOCOL_TLS_SERVER)` pinned to TLS 1.2 (minimum and maximum) and leaves the
/// cipher string at CPython's default (`_ssl._DEFAULT_CIPHERS`, the same since Python 3.10):
/// `@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM`.
/// Its key is RSA, so no ECDSA suite; `!SHA1` drops the CBC suites with SHA-1 MACs; and Python
/// loads no DH parameters unless `load_dh_params` is called (OpenSSL 3 picks none by itself), so
/// the `DHE+AES` part matches nothing the server can use. That leaves five ECDHE_RSA suites, in
/// the string's order, which the server keeps: CPython sets OP_CIPHER_SERVER_PREFERENCE on every
/// context. Its one curve is secp384r1 (`set_ecdh_curve`, to look like SQL Server).
const PYSQLBRIDGE_SUITES: [&str; 5] = [
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
];

#[test]
fn preflight_tls_tds_scans_pysqlbridge() {
    let server = pysqlbridge();
    let endpoint = format!("127.0.0.1:{}", server.port);
    let started = Instant::now();
    let out = preflight(&[
        "tls",
        &endpoint,
        "--tds",
        "--sni",
        "localhost",
        "--rate",
        "200",
        "--format",
        "json",
    ]);
    let took = started.elapsed();
    // A self-signed certificate is a finding.
    assert_eq!(out.code, 1, "{}\n{}", out.both(), server.log());
    let json = json(&out);
    assert_eq!(json["transport"], "tds");
    assert_eq!(json["errors"], serde_json::json!([]), "{json:#}");
    assert_eq!(json["complete"], true);
    // pysqlbridge says it is SQL Server 2025, and does not force encryption.
    assert_eq!(
        json["sql_server"],
        serde_json::json!({"version": "17.0.1000", "product": "SQL Server 2025",
            "encryption": "off", "mars": false})
    );
    for v in ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.3"] {
        let p = protocol(&json, v);
        assert_eq!(p["offered"], false, "{v}: {p:#}");
    }
    let tls12 = protocol(&json, "TLSv1.2");
    assert_eq!(tls12["offered"], true, "{json:#}");
    assert_eq!(
        tls12["cipher_suites"],
        serde_json::json!(PYSQLBRIDGE_SUITES)
    );
    assert_eq!(tls12["preference"], "server");
    assert_eq!(tls12["groups"], serde_json::json!(["secp384r1"]));

    // The certificate `certificate.self_signed` makes at start-up: one self-signed RSA-2048
    // certificate, SHA-256, for the host's name, localhost and both loopback addresses.
    let host = python_hostname();
    let cert = &json["certificate"];
    assert_eq!(cert["subject"], format!("CN={host}"));
    assert_eq!(cert["issuer"], format!("CN={host}"));
    assert_eq!(
        cert["san"],
        serde_json::json!([host, "localhost", "127.0.0.1", "::1"])
    );
    assert_eq!(cert["key_type"], "2048-bit RSA");
    assert_eq!(cert["signature_hash"], "SHA256");
    assert_eq!(cert["self_signed"], true);
    assert_eq!(cert["hostname_match"], true);
    let days = cert["days_left"].as_i64().expect("days");
    assert!((364..=365).contains(&days), "{days}");
    assert_eq!(cert["chain"].as_array().expect("chain").len(), 1);
    assert_eq!(json["trust"]["reason"], "self_signed");
    let findings = json["findings"].to_string();
    assert!(findings.contains("accepts TLSv1.2"), "{findings}");
    assert!(
        findings.contains("refuses SSLv3, TLSv1.0, TLSv1.1"),
        "{findings}"
    );
    eprintln!(
        "pysqlbridge through TDS: {} handshakes in {} ms (the process took {took:?})",
        json["handshakes"], json["ms"]
    );

    // The text says how the scan got there.
    let text = preflight(&["tls", &endpoint, "--tds", "--rate", "200"]);
    assert_eq!(text.code, 1, "{}", text.both());
    let second = text.stdout.lines().nth(1).unwrap_or_default();
    assert!(
        second.starts_with(
            "through TDS PRELOGIN: SQL Server 2025 (17.0.1000), encryption offered, not forced"
        ),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("TLSv1.2  5 suites, server order, groups secp384r1")
    );
}

/// pysqlbridge refuses SSLv3, TLS 1.0, 1.1 and 1.3 by hanging up, and the protocols are asked
/// at once. A close is its refusal whichever protocol's answer comes first (it answered
/// PRELOGIN before any hello), so a scan asks the same handshakes every time; it used to ask a
/// refused protocol again when its close came before TLS 1.2's answer (32 to 35 from run to
/// run).
#[test]
fn a_tds_scan_asks_as_many_handshakes_every_time() {
    let server = pysqlbridge();
    let endpoint = format!("127.0.0.1:{}", server.port);
    let counts: Vec<u64> = (0..4)
        .map(|_| {
            let out = preflight(&["tls", &endpoint, "--tds", "--format", "json"]);
            assert_eq!(out.code, 1, "{}\n{}", out.both(), server.log());
            let json = json(&out);
            assert_eq!(json["complete"], true, "{json:#}");
            json["handshakes"].as_u64().expect("a count")
        })
        .collect();
    assert!(counts.windows(2).all(|w| w[0] == w[1]), "{counts:?}");
}

#[test]
fn prelogin_asks_pysqlbridge_each_encryption_value() {
    let server = pysqlbridge();
    let addr = loopback(server.port);
    run(async {
        let mut answers = Vec::new();
        for client in Encryption::ALL {
            let p = tds::prelogin(addr, client, Duration::from_secs(5))
                .await
                .unwrap_or_else(|e| panic!("{client}: {e}"));
            let v = p.version.expect("a version");
            assert_eq!((v.major, v.minor, v.build), (17, 0, 1000));
            assert_eq!(v.product(), Some("SQL Server 2025"));
            assert_eq!(p.mars, Some(false));
            assert_eq!(p.instance.as_deref(), Some(""));
            answers.push((client, p.encryption));
        }
        // pysqlbridge does not force encryption: it agrees to ON when asked (Required counts as
        // ON) and answers OFF otherwise. To NOT_SUP it answers OFF where MS-TDS has a server
        // answer NOT_SUP, and it still expects the TLS handshake for the login.
        assert_eq!(
            answers,
            [
                (Encryption::Off, Encryption::Off),
                (Encryption::On, Encryption::On),
                (Encryption::NotSupported, Encryption::Off),
                (Encryption::Required, Encryption::On),
            ]
        );
    });
}

// ---------------------------------------------------------------------------------------------
// Not SQL Servers, and a SQL Server without TLS

struct Cert {
    der: Vec<u8>,
    key_der: Vec<u8>,
    pem: String,
    key_pem: String,
}

fn cert() -> Cert {
    let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .expect("rsa key");
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("params")
        .self_signed(&key)
        .expect("self-signed");
    Cert {
        der: cert.der().to_vec(),
        key_der: key.serialize_der(),
        pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

#[test]
fn tds_against_a_plain_tls_server_says_so_quickly() {
    let c = cert();
    let server = spawn(
        "openssl",
        "install the `openssl` package (apt-get install -y openssl)",
        |port, dir| {
            let (cp, kp) = (dir.join("cert.pem"), dir.join("key.pem"));
            std::fs::write(&cp, &c.pem).expect("write cert");
            std::fs::write(&kp, &c.key_pem).expect("write key");
            [
                "s_server",
                "-quiet",
                "-accept",
                &format!("127.0.0.1:{port}"),
                "-cert",
                &cp.display().to_string(),
                "-key",
                &kp.display().to_string(),
            ]
            .map(str::to_owned)
            .to_vec()
        },
    );
    let started = Instant::now();
    let out = preflight(&[
        "tls",
        &format!("127.0.0.1:{}", server.port),
        "--tds",
        "--format",
        "json",
    ]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(out.code, 1, "{}", out.both());
    let json = json(&out);
    let errors = json["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{json:#}");
    let words = errors[0].as_str().expect("words");
    assert!(
        words.starts_with("not a TDS server") && words.contains("speaks TLS directly"),
        "{words}"
    );
    // The PRELOGIN, then one bare ClientHello to name what the port is: nothing more.
    assert_eq!(json["handshakes"], 2);
    assert_eq!(json["sql_server"], Value::Null);
    assert!(json["protocols"].as_array().expect("protocols").is_empty());
    assert!(
        json["findings"][0]["text"]
            .as_str()
            .expect("finding")
            .contains(words)
    );
}

/// A PRELOGIN reply (packet header included) saying SQL Server 2019 with `encryption`.
fn reply(encryption: u8) -> Vec<u8> {
    let payload = [
        0x00, 0x00, 0x10, 0x00, 0x06, // VERSION at 16, 6 bytes
        0x01, 0x00, 0x16, 0x00, 0x01, // ENCRYPTION at 22
        0x04, 0x00, 0x17, 0x00, 0x01, // MARS at 23
        0xFF, 15, 0, 0x10, 0x5C, 0, 0, // 15.0.4188.0
        encryption, 0,
    ];
    let mut out = vec![0x04, 0x01, 0x00, 8 + 24, 0x00, 0x00, 0x01, 0x00];
    out.extend_from_slice(&payload);
    out
}

/// Reads one TDS packet: its type and payload.
fn read_packet(s: &mut StdStream) -> std::io::Result<(u8, Vec<u8>)> {
    let mut header = [0u8; 8];
    s.read_exact(&mut header)?;
    let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
    let mut payload = vec![0u8; len.saturating_sub(8)];
    s.read_exact(&mut payload)?;
    Ok((header[0], payload))
}

/// A listener that answers every PRELOGIN with `answer(client's ENCRYPTION byte)` and then
/// hands the connection to `then`; returns its port and a count of connections.
fn tds_listener(
    answer: fn(u8) -> u8,
    then: impl Fn(StdStream) + Send + Sync + 'static,
) -> (u16, Arc<AtomicUsize>) {
    let listener = StdListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    let then = Arc::new(then);
    // Detached: the listener lives as long as the test process, which ends with the test.
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            seen.fetch_add(1, Ordering::SeqCst);
            let then = Arc::clone(&then);
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let Ok((0x12, payload)) = read_packet(&mut s) else {
                    return;
                };
                // The ENCRYPTION option: the client's second table entry points at it.
                let at = usize::from(u16::from_be_bytes([payload[6], payload[7]]));
                let asked = payload.get(at).copied().unwrap_or(0xFF);
                if s.write_all(&reply(answer(asked))).is_ok() {
                    then(s);
                }
            });
        }
    });
    (port, count)
}

#[test]
fn a_sql_server_without_encryption_ends_the_scan_with_one_clear_error() {
    // ENCRYPT_NOT_SUP to whatever is asked, as a server with no certificate at all would.
    let (port, connections) = tds_listener(|_| 0x02, drop);
    let started = Instant::now();
    let out = preflight(&[
        "tls",
        &format!("127.0.0.1:{port}"),
        "--tds",
        "--format",
        "json",
    ]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.code, 1, "{}", out.both());
    let json = json(&out);
    assert_eq!(json["errors"].as_array().map(Vec::len), Some(1), "{json:#}");
    let words = json["errors"][0].as_str().expect("words");
    assert!(
        words.starts_with("the SQL Server offers no encryption: ")
            && words.contains("ENCRYPT_NOT_SUP"),
        "{words}"
    );
    assert_eq!(json["handshakes"], 1);
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    // What the server said of itself is still shown.
    assert_eq!(
        json["sql_server"],
        serde_json::json!({"version": "15.0.4188", "product": "SQL Server 2019",
            "encryption": "not_supported", "mars": false})
    );
    let text = preflight(&["tls", &format!("127.0.0.1:{port}"), "--tds"]);
    assert!(
        text.stdout
            .contains("through TDS PRELOGIN: SQL Server 2019 (15.0.4188), no encryption\n"),
        "{}",
        text.stdout
    );

    // The library says the same.
    run(async {
        let options = Options {
            transport: Transport::Tds,
            ..Options::default()
        };
        let report = tls::scan("127.0.0.1", port, None, &options).await;
        assert_eq!(report.errors.len(), 1, "{report:#?}");
        assert!(report.errors[0].contains("offers no encryption"));
        assert!(report.protocols.is_empty() && report.chain.is_empty());
        assert_eq!(report.handshakes, 1);
        let p = report.prelogin.expect("the server's answer");
        assert_eq!(p.encryption, Encryption::NotSupported);
    });
}

/// The TLS of a connection past PRELOGIN, served by rustls inside PRELOGIN packets: what the
/// client sends is unwrapped by hand here (not by the code under test), what rustls answers is
/// wrapped, and a refused hello gets rustls's alert, wrapped too.
fn rustls_behind_tds(config: &Arc<rustls::ServerConfig>, mut s: StdStream) {
    let Ok(mut conn) = rustls::ServerConnection::new(Arc::clone(config)) else {
        return;
    };
    while let Ok((0x12, payload)) = read_packet(&mut s) {
        let mut input = payload.as_slice();
        let failed = conn.read_tls(&mut input).is_err() || conn.process_new_packets().is_err();
        let mut out = Vec::new();
        while conn.wants_write() {
            if conn.write_tls(&mut out).is_err() {
                break;
            }
        }
        for (n, chunk) in out.chunks(4088).enumerate() {
            let last = (n + 1) * 4088 >= out.len();
            let len = u16::try_from(chunk.len() + 8).expect("fits");
            let mut packet = vec![0x12, u8::from(last)];
            packet.extend_from_slice(&len.to_be_bytes());
            packet.extend_from_slice(&[0, 0, 1, 0]);
            packet.extend_from_slice(chunk);
            if s.write_all(&packet).is_err() {
                return;
            }
        }
        if failed {
            return;
        }
    }
}

// No SQL Server carries TLS 1.3 inside PRELOGIN (SQL Server 2022 takes TLS 1.3 only with strict
// encryption, TLS first), but the scanner's TLS 1.3 path, rustls for the chain included, must
// still go through the wrapper: rustls serves it here behind TDS framing written for the test.
#[test]
fn tls13_and_its_chain_come_through_tds() {
    use provider::cipher_suite as cs;
    let c = cert();
    let provider = rustls::crypto::CryptoProvider {
        cipher_suites: vec![cs::TLS13_AES_128_GCM_SHA256, cs::TLS13_AES_256_GCM_SHA384],
        kx_groups: vec![provider::kx_group::SECP256R1],
        ..provider::default_provider()
    };
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(provider))
            .with_protocol_versions(&[&rustls::version::TLS13])
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![rustls::pki_types::CertificateDer::from(c.der.clone())],
                rustls::pki_types::PrivateKeyDer::Pkcs8(c.key_der.clone().into()),
            )
            .expect("server config"),
    );
    // A server that forces encryption: REQUIRED to a client asking OFF, ON to one asking ON.
    let (port, _) = tds_listener(
        |asked| if asked == 0x00 { 0x03 } else { 0x01 },
        move |s| rustls_behind_tds(&config, s),
    );
    run(async {
        let options = Options {
            transport: Transport::Tds,
            read_timeout: Duration::from_secs(3),
            limit: Duration::from_secs(40),
            ..Options::default()
        };
        let report = tls::scan("127.0.0.1", port, Some("localhost"), &options).await;
        assert_eq!(report.offered(), [Version::Tls13], "{report:#?}");
        let mut codes: Vec<u16> = report
            .protocol(Version::Tls13)
            .expect("1.3")
            .cipher_suites
            .iter()
            .map(|s| s.code)
            .collect();
        codes.sort_unstable();
        assert_eq!(codes, [0x1301, 0x1302]);
        // Our x25519 share is refused; the HelloRetryRequest for the one group came wrapped.
        assert_eq!(
            report.protocol(Version::Tls13).expect("1.3").groups,
            [tls::Group::SECP256R1]
        );
        // The older protocols were refused with rustls's alert, unwrapped from its packet.
        let tls12 = report.protocol(Version::Tls12).expect("1.2");
        assert!(tls12.note.contains("alert"), "{}", tls12.note);
        assert_eq!(report.chain, std::slice::from_ref(&c.der));
        assert_eq!(report.chain_source, Some(ChainSource::Rustls));
        assert_eq!(report.transport, Transport::Tds);
        let p = report.prelogin.as_ref().expect("the PRELOGIN answer");
        assert_eq!(p.encryption, Encryption::Required);
        assert_eq!(
            p.version.map(|v| v.to_string()).as_deref(),
            Some("15.0.4188")
        );
        assert!(report.errors.is_empty(), "{:?}", report.errors);
    });
}
