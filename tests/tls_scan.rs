//! The TLS scanner against real servers on loopback: a rustls server in the test process
//! (modern settings, TLS 1.2 and 1.3), `openssl s_server` processes (TLS 1.0 and 1.1, CBC,
//! DHE, server order on and off), `gnutls-serv` (3DES, which Debian's OpenSSL 3 lacks), and
//! servers that misbehave on purpose (close at once, stall, answer garbage).
//!
//! Each server is configured with a known set of suites and the test asserts the exact set
//! (and, where the server keeps its own order, the exact order) the scan found. Certificates
//! are generated at test time with rcgen; every server listens on a port of 127.0.0.1 chosen
//! by the system, and the scan starts only once it accepts. Child processes are killed when
//! their guard drops; every async body runs under a watchdog. Tests that need `openssl` or
//! `gnutls-serv` fail (never skip) with the package to install when the binary is missing.

mod common;

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::server::{Server, free_port};
use preflight::probe::budget::{Budgets, Policy};
use preflight::probe::tls::scan::ChainSource;
use preflight::probe::tls::wire::KeyExchange;
use preflight::probe::tls::{self, Group, Options, Preference, ScanReport, Version};
use rcgen::{CertificateParams, KeyPair};
use rustls::crypto::aws_lc_rs as provider;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// Longest any async test body may run.
const BODY_WATCHDOG: Duration = Duration::from_secs(90);

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

/// The production budget, with shorter timeouts to keep the tests short.
fn options() -> Options {
    Options {
        read_timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(3),
        limit: Duration::from_secs(60),
        ..Options::default()
    }
}

fn codes(report: &ScanReport, v: Version) -> Vec<u16> {
    report
        .protocol(v)
        .unwrap_or_else(|| panic!("{v} missing from the report"))
        .cipher_suites
        .iter()
        .map(|s| s.code)
        .collect()
}

fn sorted(mut v: Vec<u16>) -> Vec<u16> {
    v.sort_unstable();
    v
}

fn offered(report: &ScanReport) -> Vec<Version> {
    report.offered()
}

// ---------------------------------------------------------------------------------------------
// Certificates

struct Cert {
    der: Vec<u8>,
    key_der: Vec<u8>,
    pem: String,
    key_pem: String,
}

fn cert(rsa: bool) -> Cert {
    let key = if rsa {
        KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
            .expect("rsa key")
    } else {
        KeyPair::generate().expect("ecdsa key")
    };
    let params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    let cert = params.self_signed(&key).expect("self-signed");
    Cert {
        der: cert.der().to_vec(),
        key_der: key.serialize_der(),
        pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

// ---------------------------------------------------------------------------------------------
// A rustls server in the test process

async fn rustls_server(
    suites: Vec<rustls::SupportedCipherSuite>,
    groups: Vec<&'static dyn rustls::crypto::SupportedKxGroup>,
    versions: &[&'static rustls::SupportedProtocolVersion],
    cert: &Cert,
) -> SocketAddr {
    let provider = rustls::crypto::CryptoProvider {
        cipher_suites: suites,
        kx_groups: groups,
        ..provider::default_provider()
    };
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        cert.key_der.clone(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![rustls::pki_types::CertificateDer::from(cert.der.clone())],
            key,
        )
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            // Each handshake fails when the scanner hangs up after the ServerHello; that is
            // the scanner's way, not an error here.
            tokio::spawn(async move {
                let _ = acceptor.accept(tcp).await;
            });
        }
    });
    addr
}

// This crate builds rustls without its `tls12` feature, so the in-process server speaks
// TLS 1.3 only; TLS 1.2 and older are covered by the OpenSSL and GnuTLS servers below.
#[test]
fn rustls_server_suites_groups_and_chain() {
    use provider::cipher_suite as cs;
    let cert = cert(false);
    run(async {
        let addr = rustls_server(
            vec![
                cs::TLS13_AES_256_GCM_SHA384,
                cs::TLS13_CHACHA20_POLY1305_SHA256,
            ],
            vec![provider::kx_group::X25519, provider::kx_group::SECP384R1],
            &[&rustls::version::TLS13],
            &cert,
        )
        .await;
        let started = Instant::now();
        let report = tls::scan("127.0.0.1", addr.port(), Some("localhost"), &options()).await;
        let took = started.elapsed();
        assert_eq!(offered(&report), [Version::Tls13], "{report:#?}");
        assert_eq!(sorted(codes(&report, Version::Tls13)), [0x1302, 0x1303]);
        for v in [
            Version::Ssl3,
            Version::Tls10,
            Version::Tls11,
            Version::Tls12,
        ] {
            let p = report.protocol(v).expect("protocol");
            assert!(!p.offered && p.cipher_suites.is_empty(), "{p:#?}");
            assert!(p.note.starts_with("not offered"), "{}", p.note);
        }
        let t13 = report.protocol(Version::Tls13).expect("1.3");
        // rustls follows the client's order unless told otherwise.
        assert_eq!(t13.preference, Preference::Client);
        assert_eq!(t13.groups, [Group::X25519, Group::SECP384R1]);
        // Our X25519 share was taken: the key share names the group.
        assert_eq!(
            t13.accepted[0].key_exchange,
            Some(KeyExchange::Ecdhe {
                group: Group::X25519
            })
        );
        assert_eq!(report.chain, std::slice::from_ref(&cert.der));
        assert_eq!(report.chain_source, Some(ChainSource::Rustls));
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert!(report.complete);
        eprintln!(
            "rustls server: {} handshakes in {took:?}",
            report.handshakes
        );
    });
}

#[test]
fn a_tls13_only_server_gives_its_chain_through_rustls() {
    use provider::cipher_suite as cs;
    let cert = cert(false);
    run(async {
        let addr = rustls_server(
            vec![cs::TLS13_AES_128_GCM_SHA256],
            vec![provider::kx_group::SECP256R1],
            &[&rustls::version::TLS13],
            &cert,
        )
        .await;
        let report = tls::scan("127.0.0.1", addr.port(), Some("localhost"), &options()).await;
        assert_eq!(offered(&report), [Version::Tls13], "{report:#?}");
        assert_eq!(codes(&report, Version::Tls13), [0x1301]);
        // Our x25519 share is refused, so the server asks again for its only group.
        assert_eq!(
            report.protocol(Version::Tls13).expect("1.3").groups,
            [Group::SECP256R1]
        );
        assert_eq!(report.chain, std::slice::from_ref(&cert.der));
        assert_eq!(report.chain_source, Some(ChainSource::Rustls));
    });
}

// ---------------------------------------------------------------------------------------------
// Child processes

fn write_cert(dir: &Path, cert: &Cert) -> (PathBuf, PathBuf) {
    let c = dir.join("cert.pem");
    let k = dir.join("key.pem");
    std::fs::write(&c, &cert.pem).expect("write cert");
    std::fs::write(&k, &cert.key_pem).expect("write key");
    (c, k)
}

/// Starts `program` with the arguments `args(port, cert, key)` gives, and waits until it
/// accepts connections.
fn spawn(program: &str, package: &str, args: impl Fn(u16, &Path, &Path) -> Vec<String>) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let (c, k) = write_cert(dir.path(), &cert(true));
    let port = free_port();
    let mut cmd = Command::new(program);
    cmd.args(args(port, &c, &k));
    Server::start(
        cmd,
        port,
        dir,
        &format!("install the `{package}` package (apt-get install -y {package})"),
    )
}

fn openssl(cipher: &str, extra: &[&str]) -> Server {
    let cipher = cipher.to_owned();
    let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
    spawn("openssl", "openssl", move |port, c, k| {
        let mut a: Vec<String> = [
            "s_server",
            "-quiet",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
            &c.display().to_string(),
            "-key",
            &k.display().to_string(),
            "-cipher",
            &cipher,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        a.extend(extra.iter().cloned());
        a
    })
}

const OLD_SUITES: &str =
    "ECDHE-RSA-AES128-SHA:DHE-RSA-AES256-SHA:AES128-SHA:AES256-GCM-SHA384:@SECLEVEL=0";

#[test]
fn openssl_old_protocols_cbc_dhe_in_server_order() {
    let server = openssl(
        OLD_SUITES,
        &[
            "-min_protocol",
            "TLSv1",
            "-max_protocol",
            "TLSv1.2",
            "-serverpref",
        ],
    );
    run(async {
        let started = Instant::now();
        let report = tls::scan("127.0.0.1", server.port, None, &options()).await;
        assert_eq!(
            offered(&report),
            [Version::Tls10, Version::Tls11, Version::Tls12],
            "{report:#?}"
        );
        // In the order the server was given them: it keeps its own.
        assert_eq!(
            codes(&report, Version::Tls12),
            [0xC013, 0x0039, 0x002F, 0x009D]
        );
        for v in [Version::Tls10, Version::Tls11] {
            assert_eq!(codes(&report, v), [0xC013, 0x0039, 0x002F], "{v}");
        }
        for v in [Version::Tls10, Version::Tls11, Version::Tls12] {
            assert_eq!(
                report.protocol(v).expect("p").preference,
                Preference::Server,
                "{v}"
            );
        }
        let tls12 = report.protocol(Version::Tls12).expect("1.2");
        let dhe = tls12
            .accepted
            .iter()
            .find(|a| a.suite.code == 0x0039)
            .expect("DHE accepted");
        assert!(
            matches!(dhe.key_exchange, Some(KeyExchange::Dhe { bits }) if bits >= 2048),
            "{:?}",
            dhe.key_exchange
        );
        assert_eq!(tls12.secure_renegotiation, Some(true));
        assert!(!report.chain.is_empty());
        assert!(!tls12.groups.is_empty(), "ECDHE curves measured");
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        eprintln!(
            "openssl server order: {} handshakes in {:?}",
            report.handshakes,
            started.elapsed()
        );
    });
}

#[test]
fn openssl_in_client_order_is_told_apart() {
    let server = openssl(
        OLD_SUITES,
        &["-min_protocol", "TLSv1.2", "-max_protocol", "TLSv1.2"],
    );
    run(async {
        let report = tls::scan("127.0.0.1", server.port, None, &options()).await;
        assert_eq!(offered(&report), [Version::Tls12], "{report:#?}");
        assert_eq!(
            sorted(codes(&report, Version::Tls12)),
            [0x002F, 0x0039, 0x009D, 0xC013]
        );
        assert_eq!(
            report.protocol(Version::Tls12).expect("1.2").preference,
            Preference::Client
        );
        // The guide's list checked against what was found.
        let checks = tls::check_names(
            &report,
            &[
                "TLS_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P256",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA_P384",
                "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            ],
        );
        let got: Vec<bool> = checks.iter().map(|c| c.accepted).collect();
        let curves = report.ecdhe_groups();
        assert_eq!(
            got,
            [
                true,
                curves.contains(&Group::SECP256R1),
                curves.contains(&Group::SECP384R1),
                false
            ],
            "{checks:#?}"
        );
        assert!(curves.contains(&Group::SECP256R1), "{curves:?}");
    });
}

#[test]
fn gnutls_with_3des() {
    let server = spawn("gnutls-serv", "gnutls-bin", |port, c, k| {
        vec![
            "--port".to_owned(),
            port.to_string(),
            "--x509certfile".to_owned(),
            c.display().to_string(),
            "--x509keyfile".to_owned(),
            k.display().to_string(),
            "--priority".to_owned(),
            "NONE:+VERS-TLS1.2:+3DES-CBC:+AES-128-CBC:+RSA:+ECDHE-RSA:+SHA1:+COMP-NULL:+SIGN-ALL:+GROUP-ALL"
                .to_owned(),
        ]
    });
    run(async {
        let report = tls::scan("127.0.0.1", server.port, None, &options()).await;
        assert_eq!(offered(&report), [Version::Tls12], "{report:#?}");
        assert_eq!(
            sorted(codes(&report, Version::Tls12)),
            [0x000A, 0x002F, 0xC012, 0xC013],
            "{report:#?}"
        );
        let weak: Vec<&str> = report
            .protocol(Version::Tls12)
            .expect("1.2")
            .cipher_suites
            .iter()
            .filter(|s| s.weak)
            .map(|s| s.name)
            .collect();
        assert_eq!(
            sorted_names(weak),
            [
                "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
                "TLS_RSA_WITH_3DES_EDE_CBC_SHA"
            ]
        );
    });
}

fn sorted_names(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

// ---------------------------------------------------------------------------------------------
// Servers that misbehave

/// A listener that does `what` with each connection.
async fn misbehaving<F, Fut>(what: F) -> u16
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(what(s));
        }
    });
    port
}

fn quick() -> Options {
    Options {
        read_timeout: Duration::from_millis(500),
        connect_timeout: Duration::from_millis(500),
        budget: Budgets::new(Policy {
            backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(100),
            ..Policy::default()
        }),
        limit: Duration::from_secs(20),
        ..Options::default()
    }
}

fn assert_nothing_offered(report: &ScanReport) {
    assert!(report.offered().is_empty(), "{report:#?}");
    assert_eq!(report.protocols.len(), 5);
    assert!(report.chain.is_empty());
}

#[test]
fn a_server_that_closes_at_once_is_reported_as_such() {
    run(async {
        let port = misbehaving(|s| async move { drop(s) }).await;
        let started = Instant::now();
        let report = tls::scan("127.0.0.1", port, None, &quick()).await;
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        assert_nothing_offered(&report);
        for p in &report.protocols {
            assert!(
                p.note.contains("closed the connection without a word")
                    || p.note.contains("reset the connection"),
                "{}: {}",
                p.version,
                p.note
            );
        }
        // Each protocol was tried once more before its answer counted as "no".
        assert_eq!(report.handshakes, 10, "{report:#?}");
    });
}

#[test]
fn a_server_that_stalls_is_reported_within_the_timeout() {
    run(async {
        let port = misbehaving(|mut s| async move {
            let mut buf = [0u8; 1024];
            // Reads the hello and says nothing, holding the connection open.
            while let Ok(n) = s.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
        })
        .await;
        let started = Instant::now();
        let report = tls::scan("127.0.0.1", port, None, &quick()).await;
        let took = started.elapsed();
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert_nothing_offered(&report);
        assert!(
            report
                .errors
                .iter()
                .any(|e| e.contains("the server said nothing in 500 ms")),
            "{:?}",
            report.errors
        );
    });
}

#[test]
fn a_server_that_sends_garbage_is_named_for_it() {
    run(async {
        let port = misbehaving(|mut s| async move {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
        })
        .await;
        let report = tls::scan("127.0.0.1", port, None, &quick()).await;
        assert_nothing_offered(&report);
        assert!(
            report
                .errors
                .iter()
                .any(|e| e.contains("not TLS") && e.contains("HTTP/1.1 400 Bad Request")),
            "{:?}",
            report.errors
        );

        let binary = misbehaving(|mut s| async move {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(&[0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0xFF, 0xFF, 0xFF])
                .await;
        })
        .await;
        let report = tls::scan("127.0.0.1", binary, None, &quick()).await;
        assert_nothing_offered(&report);
        assert!(!report.errors.is_empty(), "{report:#?}");
    });
}

#[test]
fn the_whole_scan_limit_holds_against_a_slow_server() {
    run(async {
        let port = misbehaving(|mut s| async move {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        })
        .await;
        let options = Options {
            read_timeout: Duration::from_secs(10),
            limit: Duration::from_millis(800),
            ..quick()
        };
        let started = Instant::now();
        let report = tls::scan("127.0.0.1", port, None, &options).await;
        let took = started.elapsed();
        assert!(took < Duration::from_millis(1500), "{took:?}");
        assert!(!report.complete);
        assert!(
            report.errors.iter().any(|e| e.contains("time limit")),
            "{:?}",
            report.errors
        );
    });
}

#[test]
fn a_closed_port_is_a_connection_error() {
    run(async {
        let port = free_port();
        let report = tls::scan("127.0.0.1", port, None, &quick()).await;
        assert_nothing_offered(&report);
        assert!(
            report
                .errors
                .iter()
                .any(|e| e.contains("could not connect")),
            "{:?}",
            report.errors
        );
    });
}

// ---------------------------------------------------------------------------------------------
// `preflight tls`: the JSON scripts read, and its exit code.

#[test]
fn preflight_tls_reports_protocols_suites_certificate_trust_and_grade() {
    let server = openssl(
        "ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA:@SECLEVEL=0",
        &["-tls1_2"],
    );
    let home = tempfile::tempdir().expect("home");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_preflight"));
    cmd.args([
        "tls",
        &format!("127.0.0.1:{}", server.port),
        "--sni",
        "localhost",
        "--checklist",
        "spok-mobile-4.5",
        "--rate",
        "200",
        "--format",
        "json",
    ])
    .env("XDG_DATA_HOME", home.path().join("data"))
    .env("XDG_CONFIG_HOME", home.path().join("config"))
    .env("HOME", home.path());
    let out = cmd.output().expect("run preflight tls");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a self-signed certificate is a finding\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let offered: Vec<(&str, Vec<&str>)> = json["protocols"]
        .as_array()
        .expect("protocols")
        .iter()
        .filter(|p| p["offered"] == true)
        .map(|p| {
            (
                p["version"].as_str().expect("version"),
                sorted_names(
                    p["cipher_suites"]
                        .as_array()
                        .expect("suites")
                        .iter()
                        .map(|s| s.as_str().expect("name"))
                        .collect(),
                ),
            )
        })
        .collect();
    assert_eq!(
        offered,
        [(
            "TLSv1.2",
            vec![
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_RSA_WITH_AES_256_CBC_SHA"
            ]
        )]
    );
    let cert = &json["certificate"];
    assert_eq!(cert["self_signed"], true);
    assert_eq!(cert["hostname_match"], true);
    assert_eq!(cert["key_bits"], 2048);
    assert_eq!(cert["signature_hash"], "SHA256");
    assert_eq!(cert["san"][0], "localhost");
    assert_eq!(json["trust"]["trusted"], false);
    assert_eq!(json["trust"]["reason"], "self_signed");
    assert_eq!(json["grade"]["grade"], "T");
    let checks = json["checks"].as_array().expect("checks");
    let check = |prefix: &str| {
        checks
            .iter()
            .find(|c| c["check"].as_str().is_some_and(|s| s.starts_with(prefix)))
            .unwrap_or_else(|| panic!("no {prefix} check in {checks:#?}"))
    };
    assert_eq!(check("tls.protocol_offered")["verdict"], "pass");
    assert_eq!(check("tls.protocols_disabled")["verdict"], "pass");
    assert_eq!(check("tls.cert_not_self_signed")["verdict"], "fail");
    let required = check("tls.suites_accepted (require=all; suites=TLS_ECDHE_RSA_WITH_AES_256_GCM");
    assert_eq!(required["verdict"], "fail");
    assert!(
        required["summary"]
            .as_str()
            .expect("summary")
            .contains("accepts 2 of the 17 listed suites"),
        "{required:#}"
    );
}

/// A bare `ServerHello` (TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256, no extensions): a reply, but no
/// certificate and no end of the flight after it.
fn bare_server_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend([0x5a; 32]);
    body.extend([0x00, 0xC0, 0x2F, 0x00]);
    let mut hs = vec![0x02, 0x00];
    hs.extend(u16::try_from(body.len()).expect("short").to_be_bytes());
    hs.extend(body);
    let mut record = vec![0x16, 0x03, 0x03];
    record.extend(u16::try_from(hs.len()).expect("short").to_be_bytes());
    record.extend(hs);
    record
}

/// A server on its own thread that reads each hello, answers a bare `ServerHello` on the first
/// connection only (`first_only`) or on each, and then holds every connection open silently.
fn answer_once_then_stall(first_only: bool) -> u16 {
    use std::io::{Read as _, Write as _};
    let listener = StdListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for (n, conn) in listener.incoming().enumerate() {
            let Ok(mut conn) = conn else { break };
            let mut buf = [0u8; 4096];
            let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = conn.read(&mut buf);
            if n == 0 || !first_only {
                let _ = conn.write_all(&bare_server_hello());
            }
            // Kept open and silent until the test process ends.
            held.push(conn);
        }
    });
    port
}

/// Issue 11, item 7: against a server that sends one reply and then stalls, the scan hits its
/// time limit with no certificate read. `preflight tls` says the scan is incomplete, gives no
/// letter grade, passes nothing it did not see and does not exit 0.
#[test]
fn an_incomplete_scan_is_not_graded_and_never_succeeds() {
    for first_only in [true, false] {
        let home = tempfile::tempdir().expect("home");
        let run = |format: &str| {
            // A server of its own for each run: the first answer is the first run's.
            let port = answer_once_then_stall(first_only);
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_preflight"));
            cmd.args([
                "tls",
                &format!("127.0.0.1:{port}"),
                "--checklist",
                "spok-mobile-4.5",
                // Past the first reply's 5 s read timeout, so a ServerHello is seen.
                "--max-time",
                "7",
                "--rate",
                "200",
                "--format",
                format,
            ])
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("HOME", home.path());
            let started = Instant::now();
            let out = cmd.output().expect("run preflight tls");
            let took = started.elapsed();
            assert!(took < Duration::from_secs(20), "took {took:?}");
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let what = format!(
                "first_only={first_only} {format}\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.status.code(), Some(1), "{what}");
            (stdout, what)
        };
        let (stdout, what) = run("json");
        let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        assert_eq!(json["complete"], false, "{what}");
        assert_eq!(json["grade"]["grade"], "incomplete", "{what}");
        assert!(json["certificate"].is_null(), "{what}");
        let findings = json["findings"].as_array().expect("findings");
        assert!(
            findings[0]["text"]
                .as_str()
                .is_some_and(|t| t.contains("scan incomplete")),
            "{what}"
        );
        // Nothing unseen passes: "no weak suite" needs every suite asked, the certificate
        // rules a certificate. A pass may only say what a ServerHello showed (TLS 1.2 taken,
        // or another version chosen over the one asked for).
        for f in findings.iter().filter(|f| f["verdict"] == "pass") {
            let text = f["text"].as_str().expect("text");
            assert!(
                text.ends_with("accepts TLSv1.2") || text.contains(" refuses "),
                "passed unseen: {text}\n{what}"
            );
        }
        assert!(
            findings.iter().any(|f| f["verdict"] == "error"
                && f["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("not every suite was asked"))),
            "{what}"
        );
        let (text, what) = run("text");
        let first = text.lines().next().unwrap_or_default();
        assert!(
            first.contains("scan incomplete, not graded") && !first.contains("grade "),
            "{what}"
        );
        assert!(!text.contains("grade capped"), "{what}");
        assert!(
            text.contains("not graded: no certificate was read") || first_only,
            "{what}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Politeness: what the server sees, counted at a relay in front of a real `openssl s_server`.

/// What a [`relay`] saw.
#[derive(Default)]
struct Seen {
    /// Connections accepted.
    accepted: AtomicUsize,
    /// Relayed connections the client has not yet closed.
    open: AtomicUsize,
    /// Most relayed connections open at once.
    peak: AtomicUsize,
    /// When each connection the relay refused (after it tripped) arrived.
    refused: std::sync::Mutex<Vec<Instant>>,
}

/// How a [`relays`] refuses connections once it has tripped.
#[derive(Debug, Clone, Copy)]
enum Trip {
    /// A TCP reset at once.
    Reset,
    /// A fatal `internal_error` alert, which the server behind never sends.
    Alert,
}

/// TCP relays on `count` ports of their own in front of `upstream`, counting into `seen` what
/// the server sees through all of them. From the `trip`'s `.0`th connection on, every
/// connection is refused its way instead of relayed: a server whose connection-rate limit
/// tripped. All the relays' sockets are served by one thread's event loop, so a client's close
/// is counted before a connection the client opened after it; the thread lives as long as the
/// test process.
fn relays(upstream: u16, count: usize, trip: Option<(usize, Trip)>) -> (Vec<u16>, Arc<Seen>) {
    let listeners: Vec<StdListener> = (0..count)
        .map(|_| {
            let l = StdListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind the relay");
            l.set_nonblocking(true).expect("non-blocking");
            l
        })
        .collect();
    let ports = listeners
        .iter()
        .map(|l| l.local_addr().expect("address").port())
        .collect();
    let seen = Arc::new(Seen::default());
    let counted = Arc::clone(&seen);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("relay runtime");
        let local = tokio::task::LocalSet::new();
        for listener in listeners {
            local.spawn_local(relay(listener, upstream, Arc::clone(&counted), trip));
        }
        rt.block_on(local);
    });
    (ports, seen)
}

/// One relay's accept loop (see [`relays`]).
async fn relay(listener: StdListener, upstream: u16, seen: Arc<Seen>, trip: Option<(usize, Trip)>) {
    {
        {
            let listener = TcpListener::from_std(listener).expect("listener");
            while let Ok((mut client, _)) = listener.accept().await {
                // An accept can find a connection the client opened after closing another whose
                // close this thread has not read yet: let the reading tasks see it first.
                tokio::task::yield_now().await;
                let n = seen.accepted.fetch_add(1, Ordering::SeqCst);
                if let Some((_, how)) = trip.filter(|&(after, _)| n >= after) {
                    seen.refused.lock().expect("refused").push(Instant::now());
                    match how {
                        Trip::Reset => {
                            let _ = client.set_zero_linger();
                        }
                        // A whole record: fatal (2), internal_error (80).
                        Trip::Alert => {
                            let _ = client.write_all(&[0x15, 3, 3, 0, 2, 2, 80]).await;
                        }
                    }
                    drop(client);
                    continue;
                }
                let open = seen.open.fetch_add(1, Ordering::SeqCst) + 1;
                seen.peak.fetch_max(open, Ordering::SeqCst);
                let seen = Arc::clone(&seen);
                tokio::task::spawn_local(async move {
                    let Ok(server) =
                        tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, upstream)).await
                    else {
                        seen.open.fetch_sub(1, Ordering::SeqCst);
                        return;
                    };
                    let (mut from_client, mut to_client) = client.into_split();
                    let (mut from_server, mut to_server) = server.into_split();
                    let back = tokio::task::spawn_local(async move {
                        let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                    });
                    let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
                    // The client is gone: counted out before anything else happens.
                    seen.open.fetch_sub(1, Ordering::SeqCst);
                    drop(to_server);
                    back.abort();
                });
            }
        }
    }
}

fn preflight_json(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let home = tempfile::tempdir().expect("home");
    let out = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(args)
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("HOME", home.path())
        .output()
        .expect("run preflight");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let what = format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("JSON ({e}): {what}"));
    (out.status.code(), json, what)
}

/// Issue 13: a server that starts resetting every connection after answering N handshakes, or
/// answering each with an alert it never sent before, is backed off from (a handful of
/// connections, spaced by growing pauses, then none) and the scan says it is inconclusive after
/// N handshakes; nothing it did not get to ask is "not offered".
#[test]
fn a_server_that_starts_refusing_is_backed_off_from_and_reported_inconclusive() {
    const N: usize = 12;
    let server = openssl("ALL:@SECLEVEL=0", &["-min_protocol", "TLSv1.2"]);
    for trip in [Trip::Reset, Trip::Alert] {
        let (ports, seen) = relays(server.port, 1, Some((N, trip)));
        let endpoint = format!("127.0.0.1:{}", ports[0]);
        let (code, json, what) = preflight_json(&[
            "tls",
            &endpoint,
            "--sni",
            "localhost",
            "--checklist",
            "none",
            "--format",
            "json",
        ]);
        let what = format!("{trip:?}\n{what}");
        assert_eq!(code, Some(1), "an inconclusive scan never succeeds\n{what}");
        assert_eq!(json["complete"], false, "{what}");
        let words = format!("inconclusive: the server started refusing after {N} handshakes");
        assert!(json["errors"].to_string().contains(&words), "{what}");
        assert!(
            json["findings"][0]["text"]
                .as_str()
                .is_some_and(|t| t.contains(&words)),
            "{what}"
        );
        assert_eq!(json["grade"]["grade"], "incomplete", "{what}");
        for p in json["protocols"].as_array().expect("protocols") {
            let note = p["note"].as_str().unwrap_or_default();
            assert!(
                !(note.contains("not offered")
                    && (note.contains("reset") || note.contains("internal_error"))),
                "a limit read as a refusal: {p}\n{what}"
            );
        }
        // Backed off: the connections after the limit tripped are few, and spaced out by the
        // pauses (250 ms, doubling while nothing is answered), and then they stop.
        let refused = seen.refused.lock().expect("refused").clone();
        assert!(
            (1..=12).contains(&refused.len()),
            "{} connections after the server started refusing\n{what}",
            refused.len()
        );
        let spread = *refused.last().expect("a refusal") - refused[0];
        assert!(spread >= Duration::from_millis(700), "{spread:?}\n{what}");
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(seen.accepted.load(Ordering::SeqCst), N + refused.len());
    }
}

/// Issue 13: four names on four ports of one server, scanned in one `preflight probe` run,
/// share that server's budget: the server never sees more than five connections at once
/// (sslyze's default), though the run scans all four side by side.
#[test]
fn the_per_server_cap_holds_across_a_runs_endpoints_on_one_host() {
    let server = openssl("ALL:@SECLEVEL=0", &["-min_protocol", "TLSv1"]);
    let (ports, seen) = relays(server.port, 4, None);
    let dir = tempfile::tempdir().expect("dir");
    let names = ["a", "b", "c", "d"].map(|n| format!("{n}.one.test"));
    let hosts = dir.path().join("hosts");
    std::fs::write(&hosts, format!("127.0.0.1 {}\n", names.join(" "))).expect("hosts");
    let mut site = String::from("site = \"one server, four names\"\n");
    for (name, port) in names.iter().zip(ports) {
        let _ = write!(
            site,
            "\n[[tls]]\nendpoint = \"{name}:{port}\"\nsni = \"localhost\"\n"
        );
    }
    let file = dir.path().join("site.toml");
    std::fs::write(&file, site).expect("site");
    let (_, json, what) = preflight_json(&[
        "probe",
        "--site",
        &file.display().to_string(),
        "--only",
        "tls",
        "--no-system-resolver",
        "--hosts-file",
        &hosts.display().to_string(),
        "--format",
        "json",
    ]);
    let results = json["results"].as_array().expect("results");
    assert_eq!(results.len(), 4, "{what}");
    for r in results {
        let facts = &r["evidence"]["facts"]["tls"]["facts"];
        assert_eq!(facts["complete"], true, "{r}");
        assert!(
            facts["protocols"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["offered"] == true)),
            "{r}"
        );
    }
    let peak = seen.peak.load(Ordering::SeqCst);
    assert!(
        (2..=5).contains(&peak),
        "the server saw {peak} connections at once (at most 5, and more than one: the run \
         scans side by side)\n{what}"
    );
}
