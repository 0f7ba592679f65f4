//! `preflight tls` on chains served by real `openssl s_server` processes: a complete chain to
//! the site's own CA, a missing intermediate, the wrong name, an expired certificate and a
//! SHA1-signed 1024-bit one, each with the trust verdict and words the field expects.
//! Certificates are generated at test time; every server listens on 127.0.0.1 only.

use std::path::Path;
use std::process::Command;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    RsaKeySize,
};
use serde_json::Value;
use time::OffsetDateTime;

#[path = "common/server.rs"]
mod server;
#[path = "common/sha1_cert.rs"]
mod sha1_cert;

use server::{Server, free_port};

const DAY: i64 = 86_400;

fn at(offset_days: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() + time::Duration::seconds(offset_days * DAY)
}

struct Ca {
    pem: String,
    params: CertificateParams,
    key: KeyPair,
}

fn ca(cn: &str, parent: Option<&Ca>) -> Ca {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.not_before = at(-400);
    params.not_after = at(1800);
    let cert = match parent {
        Some(p) => params
            .signed_by(&key, &Issuer::from_params(&p.params, &p.key))
            .expect("intermediate"),
        None => params.self_signed(&key).expect("root"),
    };
    Ca {
        pem: cert.pem(),
        params,
        key,
    }
}

/// A leaf for localhost issued by `issuer`, valid from `from` to `to` days from now.
fn leaf(issuer: &Ca, from: i64, to: i64) -> (String, String) {
    let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_2048).expect("rsa");
    let mut p = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    p.distinguished_name.push(DnType::CommonName, "localhost");
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.not_before = at(from);
    p.not_after = at(to);
    let cert = p
        .signed_by(&key, &Issuer::from_params(&issuer.params, &issuer.key))
        .expect("leaf");
    (cert.pem(), key.serialize_pem())
}

/// `openssl s_server` with the given files and options, once it accepts connections.
fn s_server(dir: &Path, cert: &str, key: &str, chain: Option<&str>, extra: &[&str]) -> Server {
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    };
    let port = free_port();
    let mut args = vec![
        "s_server".to_owned(),
        "-quiet".to_owned(),
        "-accept".to_owned(),
        format!("127.0.0.1:{port}"),
        "-cert".to_owned(),
        write("cert.pem", cert),
        "-key".to_owned(),
        write("key.pem", key),
    ];
    if let Some(chain) = chain {
        args.extend(["-cert_chain".to_owned(), write("chain.pem", chain)]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let mut cmd = Command::new("openssl");
    cmd.args(&args);
    Server::start(
        cmd,
        port,
        tempfile::tempdir().expect("temp dir"),
        "install the `openssl` package (.ci/run does)",
    )
}

/// `preflight tls` against the server, trusting `ca` (a PEM file's text) when given.
fn preflight_tls(dir: &Path, server: &Server, sni: &str, ca: Option<&str>) -> (i32, Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_preflight"));
    cmd.args([
        "tls",
        &format!("127.0.0.1:{}", server.port),
        "--sni",
        sni,
        "--checklist",
        "none",
        "--rate",
        "500",
        "--concurrency",
        "8",
        "--format",
        "json",
    ])
    .env("XDG_DATA_HOME", dir.join("data"))
    .env("XDG_CONFIG_HOME", dir.join("config"))
    .env("HOME", dir);
    if let Some(ca) = ca {
        let path = dir.join("site-ca.pem");
        std::fs::write(&path, ca).expect("write ca");
        cmd.args(["--ca", &path.display().to_string()]);
    }
    let out = cmd.output().expect("run preflight tls");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

#[test]
fn a_complete_chain_to_the_sites_ca_is_trusted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = ca("Test Hospital Root CA", None);
    let issuing = ca("Test Hospital Issuing CA", Some(&root));
    let (cert, key) = leaf(&issuing, -10, 300);
    let server = s_server(dir.path(), &cert, &key, Some(&issuing.pem), &[]);
    let (code, json) = preflight_tls(dir.path(), &server, "localhost", Some(&root.pem));
    assert_eq!(json["trust"]["trusted"], true, "{json:#}");
    assert_eq!(json["certificate"]["hostname_match"], true);
    assert_eq!(
        json["certificate"]["chain"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(code, 0, "{json:#}");
    // Without the site's CA the same chain ends at an untrusted root: ActiveSync's Internet_45.
    let (code, json) = preflight_tls(dir.path(), &server, "localhost", None);
    assert_eq!(code, 1);
    assert_eq!(json["trust"]["reason"], "unknown_issuer", "{json:#}");
    assert!(
        json["trust"]["detail"]
            .as_str()
            .expect("detail")
            .contains("Internet_45")
    );
}

#[test]
fn a_missing_intermediate_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = ca("Test Hospital Root CA", None);
    let issuing = ca("Test Hospital Issuing CA", Some(&root));
    let (cert, key) = leaf(&issuing, -10, 300);
    let server = s_server(dir.path(), &cert, &key, None, &[]);
    let (code, json) = preflight_tls(dir.path(), &server, "localhost", Some(&root.pem));
    assert_eq!(code, 1);
    assert_eq!(json["trust"]["reason"], "incomplete_chain", "{json:#}");
}

#[test]
fn the_wrong_name_is_a_name_mismatch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = ca("Test Hospital Root CA", None);
    let (cert, key) = leaf(&root, -10, 300);
    let server = s_server(dir.path(), &cert, &key, None, &[]);
    let (code, json) = preflight_tls(dir.path(), &server, "mail.example.org", Some(&root.pem));
    assert_eq!(code, 1);
    assert_eq!(json["certificate"]["hostname_match"], false);
    assert_eq!(json["trust"]["reason"], "name_mismatch", "{json:#}");
    let findings = json["findings"].to_string();
    assert!(findings.contains("Internet_55"), "{findings}");
}

#[test]
fn an_expired_certificate_is_reported_with_its_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = ca("Test Hospital Root CA", None);
    let (cert, key) = leaf(&root, -400, -5);
    let server = s_server(dir.path(), &cert, &key, None, &[]);
    let (code, json) = preflight_tls(dir.path(), &server, "localhost", Some(&root.pem));
    assert_eq!(code, 1);
    assert_eq!(json["certificate"]["expired"], true);
    assert_eq!(json["trust"]["reason"], "expired", "{json:#}");
    assert_eq!(json["grade"]["grade"], "T");
}

#[test]
fn a_sha1_signed_1024_bit_certificate_is_flagged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("k.pem");
    let cert = dir.path().join("c.pem");
    sha1_cert::sha1_rsa1024(&cert, &key);
    let read = |p: &Path| std::fs::read_to_string(p).expect("read");
    let server = s_server(
        dir.path(),
        &read(&cert),
        &read(&key),
        None,
        &["-tls1_2", "-cipher", "DEFAULT:@SECLEVEL=0"],
    );
    let (code, json) = preflight_tls(dir.path(), &server, "localhost", None);
    assert_eq!(code, 1);
    assert_eq!(json["certificate"]["key_bits"], 1024, "{json:#}");
    assert_eq!(json["certificate"]["signature_hash"], "SHA1");
    let findings = json["findings"].to_string();
    assert!(
        findings.contains("1024-bit RSA key, under the 2048 bits required"),
        "{findings}"
    );
    assert!(
        json["grade"]["caps"].to_string().contains("1024-bit key"),
        "{:#}",
        json["grade"]
    );
}
