//! Certificate analysis, trust and certificate files, on certificates made at test time: rcgen
//! for the CA, intermediate and leaves; the `openssl` command for what rcgen cannot make (a
//! 1024-bit SHA1 certificate) and for the files Windows and OpenSSL hand over (PKCS#7, modern
//! and legacy PKCS#12). Verdicts are judged at a fixed clock so they never drift.

use std::path::{Path, PathBuf};
use std::process::Command;

use preflight::probe::Verdict;
use preflight::probe::cert::{self, Distrust, SelfSignature, TrustAnchors};
use preflight::probe::certfile::{self, CertFileError, Format};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    RsaKeySize,
};
use time::OffsetDateTime;

/// 2026-06-01T00:00:00Z: the clock every verdict here is made at.
const NOW: i64 = 1_780_272_000;

fn date(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).expect("date")
}

const YEAR: i64 = 365 * 86_400;

struct Ca {
    der: Vec<u8>,
    pem: String,
    params: CertificateParams,
    key: KeyPair,
}

impl Ca {
    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = date(NOW - 2 * YEAR);
    p.not_after = date(NOW + 5 * YEAR);
    p
}

fn root() -> Ca {
    let key = KeyPair::generate().expect("key");
    let params = ca_params("Test Hospital Root CA");
    let cert = params.self_signed(&key).expect("root");
    Ca {
        der: cert.der().to_vec(),
        pem: cert.pem(),
        params,
        key,
    }
}

fn intermediate(root: &Ca) -> Ca {
    let key = KeyPair::generate().expect("key");
    let params = ca_params("Test Hospital Issuing CA");
    let cert = params
        .signed_by(&key, &root.issuer())
        .expect("intermediate");
    Ca {
        der: cert.der().to_vec(),
        pem: cert.pem(),
        params,
        key,
    }
}

struct Leaf {
    der: Vec<u8>,
    pem: String,
    key: KeyPair,
}

fn rsa_key() -> KeyPair {
    KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_2048).expect("rsa key")
}

fn leaf_with(
    names: &[&str],
    issuer: Option<&Ca>,
    adjust: impl FnOnce(&mut CertificateParams),
) -> Leaf {
    let key = rsa_key();
    let mut p = CertificateParams::new(
        names
            .iter()
            .map(|n| (*n).to_owned())
            .collect::<Vec<String>>(),
    )
    .expect("params");
    p.distinguished_name
        .push(DnType::CommonName, names.first().copied().unwrap_or("leaf"));
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.not_before = date(NOW - YEAR);
    p.not_after = date(NOW + YEAR);
    adjust(&mut p);
    let cert = match issuer {
        Some(ca) => p.signed_by(&key, &ca.issuer()).expect("leaf"),
        None => p.self_signed(&key).expect("self-signed"),
    };
    Leaf {
        der: cert.der().to_vec(),
        pem: cert.pem(),
        key,
    }
}

fn leaf(names: &[&str], issuer: &Ca) -> Leaf {
    leaf_with(names, Some(issuer), |_| {})
}

fn anchors(cas: &[&Ca]) -> TrustAnchors {
    let mut a = TrustAnchors::empty();
    for ca in cas {
        a.add_der(&ca.der).expect("anchor");
    }
    a
}

const HOST: &str = "spok.example.org";

fn analyze(chain: &[&[u8]], host: Option<&str>, anchors: &TrustAnchors) -> cert::ChainReport {
    let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.to_vec()).collect();
    cert::analyze(&chain, host, NOW, anchors).expect("analyze")
}

// ---------------------------------------------------------------- facts

#[test]
fn facts_of_a_leaf_and_its_cas() {
    let root = root();
    let inter = intermediate(&root);
    let leaf = leaf(&[HOST, "10.1.2.3"], &inter);
    let r = analyze(&[&leaf.der, &inter.der], Some(HOST), &anchors(&[&root]));
    let l = r.leaf();
    assert_eq!(l.version, 3);
    assert_eq!(l.common_name.as_deref(), Some(HOST));
    assert_eq!(l.san_dns, vec![HOST.to_owned()]);
    assert_eq!(
        l.san_ip,
        vec!["10.1.2.3".parse::<std::net::IpAddr>().expect("ip")]
    );
    assert_eq!(l.issuer, "CN=Test Hospital Issuing CA");
    assert_eq!((l.key.kind.as_str(), l.key.bits), ("RSA", 2048));
    // The intermediate's EC key signed the leaf.
    assert_eq!(l.signature_algorithm, "ecdsa-with-SHA256");
    assert_eq!(l.signature_hash.as_deref(), Some("SHA256"));
    assert_eq!(l.days_left, 365);
    assert!(!l.expired && !l.not_yet_valid && !l.wildcard && !l.self_signed);
    assert_eq!(l.self_signature, SelfSignature::NotSelfIssued);
    assert_eq!(l.server_auth, Some(true));
    assert_ne!(l.ca, Some(true));
    let i = &r.chain[1];
    assert_eq!(i.ca, Some(true));
    assert_eq!(i.key.curve.as_deref(), Some("P-256"));
    assert!(r.order.in_order && !r.order.out_of_order);
    assert_eq!(r.order.issued_by_next, vec![true]);
    // The served intermediate's issuer (the root) is not served: that is normal, and named.
    assert_eq!(
        r.order.missing_issuer.as_deref(),
        Some("CN=Test Hospital Root CA")
    );
}

#[test]
fn fingerprints_agree_with_openssl() {
    let root = root();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "root.pem", root.pem.as_bytes());
    let f = cert::facts(&root.der, 0, NOW).expect("facts");
    for (alg, ours) in [
        ("-sha1", &f.sha1_fingerprint),
        ("-sha256", &f.sha256_fingerprint),
    ] {
        let out = openssl(&["x509", "-noout", "-fingerprint", alg, "-in", s(&path)]);
        let theirs = out
            .trim()
            .rsplit('=')
            .next()
            .expect("fingerprint")
            .to_owned();
        assert_eq!(*ours, theirs, "{alg}");
    }
    assert!(f.self_signed);
    assert_eq!(f.self_signature, SelfSignature::Verified);
}

#[test]
fn chain_served_out_of_order_is_noticed() {
    let root = root();
    let inter = intermediate(&root);
    let leaf = leaf(&[HOST], &inter);
    let r = analyze(
        &[&leaf.der, &root.der, &inter.der],
        Some(HOST),
        &anchors(&[&root]),
    );
    assert!(!r.order.in_order);
    assert!(r.order.out_of_order);
    assert_eq!(r.order.issued_by_next, vec![false, false]);
    // Clients build the path themselves, so order alone does not break trust.
    assert!(r.trust.trusted, "{:?}", r.trust);
}

// ---------------------------------------------------------------- trust verdicts

#[test]
fn trusted_with_the_site_ca_given() {
    let root = root();
    let inter = intermediate(&root);
    let leaf = leaf(&[HOST], &inter);
    let r = analyze(&[&leaf.der, &inter.der], Some(HOST), &anchors(&[&root]));
    assert!(r.trust.trusted, "{:?}", r.trust);
    assert_eq!(r.trust.reason, None);
    assert!(r.name.as_ref().is_some_and(|n| n.matched));
    let res = cert::check_trusted(&r, "spok:443");
    assert_eq!(res.verdict, Verdict::Pass);
    assert_eq!(res.check, "cert_trusted");
    assert_eq!(res.kind, preflight::probe::ProbeKind::Tls);
}

#[test]
fn unknown_issuer_without_the_ca_is_internet_45() {
    let root = root();
    let inter = intermediate(&root);
    let leaf = leaf(&[HOST], &inter);
    let r = analyze(&[&leaf.der, &inter.der], Some(HOST), &TrustAnchors::empty());
    assert!(!r.trust.trusted);
    assert_eq!(r.trust.reason, Some(Distrust::UnknownIssuer));
    assert_eq!(Distrust::UnknownIssuer.field_error(), Some("Internet_45"));
    assert!(r.trust.detail.contains("Internet_45"), "{}", r.trust.detail);
    // A served root that is not trusted is the same verdict.
    let r = analyze(
        &[&leaf.der, &inter.der, &root.der],
        Some(HOST),
        &TrustAnchors::empty(),
    );
    assert_eq!(r.trust.reason, Some(Distrust::UnknownIssuer));
    assert_eq!(cert::check_trusted(&r, "x").verdict, Verdict::Fail);
}

#[test]
fn expired_leaf() {
    let root = root();
    let leaf = leaf_with(&[HOST], Some(&root), |p| {
        p.not_before = date(NOW - 2 * YEAR);
        p.not_after = date(NOW - 30 * 86_400);
    });
    let r = analyze(&[&leaf.der], Some(HOST), &anchors(&[&root]));
    assert_eq!(r.trust.reason, Some(Distrust::Expired), "{:?}", r.trust);
    assert!(r.leaf().expired);
    assert_eq!(r.leaf().days_left, -30);
    assert!(r.trust.detail.contains("30 days ago"), "{}", r.trust.detail);
}

#[test]
fn not_yet_valid_leaf() {
    let root = root();
    let leaf = leaf_with(&[HOST], Some(&root), |p| {
        p.not_before = date(NOW + 10 * 86_400);
        p.not_after = date(NOW + YEAR);
    });
    let r = analyze(&[&leaf.der], Some(HOST), &anchors(&[&root]));
    assert_eq!(r.trust.reason, Some(Distrust::NotYetValid), "{:?}", r.trust);
    assert!(r.leaf().not_yet_valid);
}

#[test]
fn name_mismatch_is_internet_55() {
    let root = root();
    let leaf = leaf(&["www32-a-node1.example.org"], &root);
    let r = analyze(&[&leaf.der], Some(HOST), &anchors(&[&root]));
    assert_eq!(
        r.trust.reason,
        Some(Distrust::NameMismatch),
        "{:?}",
        r.trust
    );
    assert!(r.trust.detail.contains("Internet_55"));
    assert!(r.name.as_ref().is_some_and(|n| !n.matched));
    let res = cert::check_hostname_match(&r, "x", HOST);
    assert_eq!(res.verdict, Verdict::Fail);
    assert!(
        res.summary.contains("www32-a-node1.example.org"),
        "{}",
        res.summary
    );
    // Without a host name, the same chain is trusted: trust and name are separate facts.
    assert!(
        analyze(&[&leaf.der], None, &anchors(&[&root]))
            .trust
            .trusted
    );
}

#[test]
fn self_signed_leaf() {
    let root = root();
    let leaf = leaf_with(&[HOST], None, |_| {});
    let r = analyze(&[&leaf.der], Some(HOST), &anchors(&[&root]));
    assert_eq!(r.trust.reason, Some(Distrust::SelfSigned), "{:?}", r.trust);
    assert!(r.leaf().self_signed);
    assert_eq!(r.leaf().self_signature, SelfSignature::Verified);
    let res = cert::check_not_self_signed(&r, "x");
    assert_eq!(res.verdict, Verdict::Fail);
    assert_eq!(res.check, "cert_not_self_signed");
}

#[test]
fn missing_intermediate_is_an_incomplete_chain() {
    let root = root();
    let inter = intermediate(&root);
    let leaf = leaf(&[HOST], &inter);
    let r = analyze(&[&leaf.der], Some(HOST), &anchors(&[&root]));
    assert_eq!(
        r.trust.reason,
        Some(Distrust::IncompleteChain),
        "{:?}",
        r.trust
    );
    assert_eq!(
        r.order.missing_issuer.as_deref(),
        Some("CN=Test Hospital Issuing CA")
    );
    assert!(
        r.trust.detail.contains("intermediate"),
        "{}",
        r.trust.detail
    );
}

#[test]
fn wrong_usage_is_refused() {
    let root = root();
    let leaf = leaf_with(&[HOST], Some(&root), |p| {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    });
    let r = analyze(&[&leaf.der], Some(HOST), &anchors(&[&root]));
    assert_eq!(r.leaf().server_auth, Some(false));
    assert_eq!(r.trust.reason, Some(Distrust::WrongUsage), "{:?}", r.trust);
}

#[test]
fn wildcard_leaf_covers_one_label() {
    let root = root();
    let leaf = leaf(&["*.example.org"], &root);
    let a = anchors(&[&root]);
    let r = analyze(&[&leaf.der], Some(HOST), &a);
    assert!(r.leaf().wildcard);
    assert!(r.trust.trusted, "{:?}", r.trust);
    assert_eq!(
        cert::check_hostname_match(&r, "x", HOST).verdict,
        Verdict::Pass
    );
    let r = analyze(&[&leaf.der], Some("a.b.example.org"), &a);
    assert_eq!(r.trust.reason, Some(Distrust::NameMismatch));
    let r = analyze(&[&leaf.der], Some("example.org"), &a);
    assert_eq!(r.trust.reason, Some(Distrust::NameMismatch));
}

#[test]
fn key_and_hash_checks_on_a_good_leaf() {
    let root = root();
    let leaf = leaf(&[HOST], &root);
    let r = analyze(&[&leaf.der], Some(HOST), &anchors(&[&root]));
    assert_eq!(cert::check_key_bits(&r, "x", 2048).verdict, Verdict::Pass);
    assert_eq!(cert::check_key_bits(&r, "x", 3072).verdict, Verdict::Fail);
    let sha2 = vec!["SHA256".to_owned(), "SHA384".to_owned()];
    assert_eq!(
        cert::check_signature_hash(&r, "x", &sha2).verdict,
        Verdict::Pass
    );
    // Smart Suite 4.8 needs SHA1: a SHA-256 certificate fails that rule.
    let res = cert::check_signature_hash(&r, "x", &["SHA1".to_owned()]);
    assert_eq!(res.verdict, Verdict::Fail);
    assert!(res.summary.contains("SHA1"), "{}", res.summary);
}

#[test]
fn sha1_1024_bit_certificate_from_openssl() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert_path, _key) = openssl_sha1_1024(dir.path());
    let file = certfile::read(&cert_path, None).expect("read");
    assert_eq!(file.format, Format::Pem);
    let f = cert::facts(&file.certs[0], 0, NOW).expect("facts");
    assert_eq!((f.key.kind.as_str(), f.key.bits), ("RSA", 1024));
    assert_eq!(f.signature_algorithm, "sha1WithRSAEncryption");
    assert_eq!(f.signature_hash.as_deref(), Some("SHA1"));
    assert_eq!(f.version, 3);
    assert_eq!(f.san_dns, vec!["legacy.example.org".to_owned()]);
    // rustls no longer verifies SHA1 signatures; the names still say self-signed.
    assert_eq!(f.self_signature, SelfSignature::Unverifiable);
    assert!(f.self_signed);
    assert_eq!(cert::judge_key_bits(&f, 2048).verdict, Verdict::Fail);
    assert_eq!(
        cert::judge_signature_hash(std::slice::from_ref(&f), &["SHA1".to_owned()]).verdict,
        Verdict::Pass
    );
    assert_eq!(
        cert::judge_signature_hash(std::slice::from_ref(&f), &["SHA256".to_owned()]).verdict,
        Verdict::Fail
    );
}

// ---------------------------------------------------------------- files

struct Fixture {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    root: Ca,
    inter: Ca,
    leaf: Leaf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = root();
    let inter = intermediate(&root);
    let leaf = leaf(&[HOST], &inter);
    write(dir.path(), "leaf.pem", leaf.pem.as_bytes());
    write(dir.path(), "key.pem", leaf.key.serialize_pem().as_bytes());
    write(
        dir.path(),
        "chain.pem",
        format!("{}{}", inter.pem, root.pem).as_bytes(),
    );
    Fixture {
        dir: dir.path().to_owned(),
        _dir: dir,
        root,
        inter,
        leaf,
    }
}

impl Fixture {
    fn p(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn pfx(&self, name: &str, extra: &[&str]) -> PathBuf {
        let out = self.p(name);
        let (leaf, key, chain) = (self.p("leaf.pem"), self.p("key.pem"), self.p("chain.pem"));
        let mut args = vec![
            "pkcs12",
            "-export",
            "-in",
            s(&leaf),
            "-inkey",
            s(&key),
            "-certfile",
            s(&chain),
            "-passout",
            "pass:s3cret!",
            "-out",
            s(&out),
        ];
        args.extend_from_slice(extra);
        openssl(&args);
        out
    }
}

#[test]
fn pem_bundle_with_a_key() {
    let fx = fixture();
    let bundle = format!(
        "subject=whatever\n{}{}{}{}",
        fx.leaf.pem,
        fx.leaf.key.serialize_pem(),
        fx.inter.pem,
        fx.root.pem
    );
    // The extension says DER; the content decides.
    let path = write(&fx.dir, "bundle.cer", bundle.as_bytes());
    let file = certfile::read(&path, None).expect("read");
    assert_eq!(file.format, Format::Pem);
    assert_eq!(
        file.certs,
        vec![
            fx.leaf.der.clone(),
            fx.inter.der.clone(),
            fx.root.der.clone()
        ]
    );
    assert_eq!(file.keys.len(), 1);
    assert_eq!(file.keys[0].kind, "PKCS#8");
    let insp = certfile::inspect(&file, NOW).expect("inspect");
    let shown = serde_json::to_string(&insp).expect("json");
    let key_b64 = fx.leaf.key.serialize_pem();
    let key_line = key_b64.lines().nth(1).expect("key line");
    assert!(!shown.contains(key_line), "key material in the inspection");
    assert!(!format!("{file:?}").contains(key_line));
    assert_eq!(
        certfile::check_has_private_key(&insp).verdict,
        Verdict::Pass
    );
    assert_eq!(
        certfile::check_not_self_signed(&insp).verdict,
        Verdict::Pass
    );
    assert_eq!(certfile::check_key_bits(&insp, 2048).verdict, Verdict::Pass);
    assert_eq!(
        certfile::check_subject_name(&insp, HOST).verdict,
        Verdict::Pass
    );
    assert_eq!(
        certfile::check_subject_name(&insp, "other.example.org").verdict,
        Verdict::Fail
    );
    let r = certfile::check_readable(&insp, Some(Format::Pkcs12));
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.kind, preflight::probe::ProbeKind::Certfile);
}

#[test]
fn der_cer_as_the_activesync_note_exports_it() {
    let fx = fixture();
    let path = write(&fx.dir, "root.pem", &fx.root.der);
    let file = certfile::read(&path, None).expect("read");
    assert_eq!(file.format, Format::Der);
    assert_eq!(file.certs, vec![fx.root.der.clone()]);
    let insp = certfile::inspect(&file, NOW).expect("inspect");
    assert_eq!(
        certfile::check_not_self_signed(&insp).verdict,
        Verdict::Fail
    );
    assert_eq!(
        certfile::check_has_private_key(&insp).verdict,
        Verdict::Fail
    );
}

#[test]
fn pkcs7_in_pem_and_der() {
    let fx = fixture();
    let all = write(
        &fx.dir,
        "all.pem",
        format!("{}{}{}", fx.leaf.pem, fx.inter.pem, fx.root.pem).as_bytes(),
    );
    for (name, outform, armored) in [("c.p7b", "PEM", true), ("c-der.p7b", "DER", false)] {
        let out = fx.p(name);
        openssl(&[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            s(&all),
            "-outform",
            outform,
            "-out",
            s(&out),
        ]);
        let file = certfile::read(&out, None).expect("read p7b");
        assert_eq!(file.format, Format::Pkcs7, "{name}");
        assert_eq!(file.armored, armored, "{name}");
        let mut got = file.certs.clone();
        got.sort();
        let mut want = vec![
            fx.leaf.der.clone(),
            fx.inter.der.clone(),
            fx.root.der.clone(),
        ];
        want.sort();
        assert_eq!(got, want, "{name}");
        let insp = certfile::inspect(&file, NOW).expect("inspect");
        assert_eq!(
            insp.leaf().and_then(|l| l.common_name.clone()).as_deref(),
            Some(HOST)
        );
    }
}

#[test]
fn pkcs12_modern_aes() {
    let fx = fixture();
    let pfx = fx.pfx(
        "certificate.pfx",
        &["-keypbe", "AES-256-CBC", "-certpbe", "AES-256-CBC"],
    );
    let bytes = std::fs::read(&pfx).expect("pfx");
    assert_eq!(certfile::detect(&bytes), Some(Format::Pkcs12));
    let file = certfile::read(&pfx, Some("s3cret!")).expect("read pfx");
    assert_eq!(file.format, Format::Pkcs12);
    assert_eq!(file.key_matches, Some(true));
    assert_eq!(
        file.certs,
        vec![
            fx.leaf.der.clone(),
            fx.inter.der.clone(),
            fx.root.der.clone()
        ]
    );
    let insp = certfile::inspect(&file, NOW).expect("inspect");
    assert_eq!(
        certfile::check_has_private_key(&insp).verdict,
        Verdict::Pass
    );
    assert_eq!(
        certfile::check_readable(&insp, Some(Format::Pkcs12)).verdict,
        Verdict::Pass
    );
}

#[test]
fn pkcs12_legacy_3des_rc2_windows_style() {
    let fx = fixture();
    let pfx = fx.pfx(
        "legacy.pfx",
        &[
            "-keypbe",
            "PBE-SHA1-3DES",
            "-certpbe",
            "PBE-SHA1-RC2-40",
            "-macalg",
            "sha1",
            "-provider",
            "legacy",
            "-provider",
            "default",
        ],
    );
    let file = certfile::read(&pfx, Some("s3cret!")).expect("read legacy pfx");
    assert_eq!(file.key_matches, Some(true));
    assert_eq!(file.certs.len(), 3);
    assert_eq!(file.certs[0], fx.leaf.der);
}

#[test]
fn pkcs12_wrong_or_missing_password() {
    let fx = fixture();
    let pfx = fx.pfx(
        "certificate.pfx",
        &["-keypbe", "AES-256-CBC", "-certpbe", "AES-256-CBC"],
    );
    let err = certfile::read(&pfx, Some("wrong")).expect_err("wrong password");
    assert!(
        matches!(err, CertFileError::WrongPassword { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("wrong password (MAC mismatch)"),
        "{err}"
    );
    let err = certfile::read(&pfx, None).expect_err("no password");
    assert!(
        matches!(err, CertFileError::PasswordNeeded { .. }),
        "{err:?}"
    );
    let err = certfile::convert_pfx(&pfx, "wrong", &fx.p("out")).expect_err("convert");
    assert!(
        matches!(err, CertFileError::WrongPassword { .. }),
        "{err:?}"
    );
}

#[test]
fn damaged_files_get_clear_errors() {
    let fx = fixture();
    let pfx = fx.pfx("certificate.pfx", &[]);
    let mut bytes = std::fs::read(&pfx).expect("pfx");
    let cut = bytes.len() / 2;
    bytes.truncate(cut);
    let path = write(&fx.dir, "cut.pfx", &bytes);
    let err = certfile::read(&path, Some("s3cret!")).expect_err("truncated");
    assert!(
        matches!(
            err,
            CertFileError::Unrecognized { .. } | CertFileError::Damaged { .. }
        ),
        "{err:?}"
    );
    let path = write(&fx.dir, "notes.txt", b"not a certificate at all\n");
    let err = certfile::read(&path, None).expect_err("text");
    assert!(matches!(err, CertFileError::Unrecognized { .. }), "{err:?}");
}

#[test]
fn pfx_without_a_key_is_not_exportable() {
    let fx = fixture();
    let pfx = fx.p("nokey.pfx");
    openssl(&[
        "pkcs12",
        "-export",
        "-nokeys",
        "-in",
        s(&fx.p("leaf.pem")),
        "-passout",
        "pass:s3cret!",
        "-out",
        s(&pfx),
    ]);
    let file = certfile::read(&pfx, Some("s3cret!")).expect("read");
    let insp = certfile::inspect(&file, NOW).expect("inspect");
    assert_eq!(
        certfile::check_has_private_key(&insp).verdict,
        Verdict::Fail
    );
    let err = certfile::convert_pfx(&pfx, "s3cret!", &fx.dir).expect_err("no key");
    assert!(matches!(err, CertFileError::NoPrivateKey { .. }), "{err:?}");
}

#[test]
fn convert_pfx_writes_chain_and_owner_only_key_and_refuses_to_overwrite() {
    let fx = fixture();
    let pfx = fx.pfx(
        "certificate.pfx",
        &[
            "-keypbe",
            "PBE-SHA1-3DES",
            "-certpbe",
            "PBE-SHA1-RC2-40",
            "-macalg",
            "sha1",
            "-provider",
            "legacy",
            "-provider",
            "default",
        ],
    );
    let out = fx.p("out");
    std::fs::create_dir(&out).expect("mkdir");
    let done = certfile::convert_pfx(&pfx, "s3cret!", &out).expect("convert");
    assert_eq!(done.certificate, out.join("certificate.pem"));
    assert_eq!(done.key, out.join("key.pem"));
    assert_eq!(done.chain.len(), 3);
    assert!(done.summary().contains("certificate.pem") && done.summary().contains("key.pem"));
    assert!(!done.summary().contains("s3cret!"));
    let chain = certfile::read(&done.certificate, None).expect("read chain");
    assert_eq!(
        chain.certs,
        vec![
            fx.leaf.der.clone(),
            fx.inter.der.clone(),
            fx.root.der.clone()
        ]
    );
    // OpenSSL reads what we wrote, and the key is the leaf's.
    let key_pub = openssl(&["pkey", "-in", s(&done.key), "-pubout"]);
    let cert_pub = openssl(&["x509", "-in", s(&fx.p("leaf.pem")), "-noout", "-pubkey"]);
    assert_eq!(key_pub, cert_pub);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&done.key)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "key.pem mode {mode:o}");
    }
    let before = std::fs::read(&done.key).expect("key");
    let err = certfile::convert_pfx(&pfx, "s3cret!", &out).expect_err("second run");
    assert!(matches!(err, CertFileError::Exists { .. }), "{err:?}");
    assert_eq!(std::fs::read(&done.key).expect("key"), before);
}

#[test]
fn ca_bundle_from_a_file_as_trust_anchors() {
    let fx = fixture();
    let ca_file = certfile::read(&fx.p("chain.pem"), None).expect("chain");
    let mut anchors = TrustAnchors::empty();
    for der in &ca_file.certs {
        anchors.add_der(der).expect("anchor");
    }
    assert_eq!(anchors.len(), 2);
    let r = analyze(&[&fx.leaf.der], Some(HOST), &anchors);
    assert!(r.trust.trusted, "{:?}", r.trust);
}

// ---------------------------------------------------------------- the binary
//
// `preflight cert …` itself: the JSON of `inspect` and the files `convert` writes.

fn preflight(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_preflight"));
    cmd.args(args).env_remove(certfile::PASSWORD_ENV);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run preflight")
}

#[test]
fn cli_inspect_json_shape_and_exit_codes() {
    let fx = fixture();
    let ca = write(&fx.dir, "root.pem", fx.root.pem.as_bytes());
    let out = preflight(
        &[
            "cert",
            "inspect",
            s(&fx.p("leaf.pem")),
            "--ca",
            s(&ca),
            "--name",
            HOST,
            "--format",
            "json",
        ],
        &[],
    );
    // Leaf only, its intermediate not in the file: an incomplete chain is a finding.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["format"], "pem");
    assert_eq!(v["certificates"][0]["common_name"], HOST);
    assert_eq!(v["certificates"][0]["key"]["bits"], 2048);
    assert_eq!(v["trust"]["reason"], "incomplete_chain");
    assert_eq!(v["name"]["matched"], true);
    assert!(v["findings"].as_array().is_some_and(|f| !f.is_empty()));

    let full = write(
        &fx.dir,
        "full.pem",
        format!("{}{}", fx.leaf.pem, fx.inter.pem).as_bytes(),
    );
    let out = preflight(
        &[
            "cert",
            "inspect",
            s(&full),
            "--ca",
            s(&ca),
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = preflight(&["cert", "inspect", s(&fx.p("nothing.pem"))], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_pfx_password_from_the_environment_and_convert() {
    let fx = fixture();
    let pfx = fx.pfx("certificate.pfx", &[]);
    let out = preflight(&["cert", "inspect", s(&pfx), "--format", "json"], &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no terminal and no variable: an error"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("PREFLIGHT_PFX_PASSWORD"));
    let out = preflight(
        &[
            "cert",
            "inspect",
            s(&pfx),
            "--password-env",
            "MY_PFX_PW",
            "--format",
            "json",
        ],
        &[("MY_PFX_PW", "wrong")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("MAC mismatch"));
    let out = preflight(
        &["cert", "inspect", s(&pfx), "--format", "json"],
        &[(certfile::PASSWORD_ENV, "s3cret!")],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["format"], "pkcs12");
    assert_eq!(v["key_matches"], true);
    assert_eq!(v["private_keys"][0]["kind"], "PKCS#8");
    let dir = fx.p("converted");
    let out = preflight(
        &["cert", "convert", s(&pfx), "--out", s(&dir)],
        &[(certfile::PASSWORD_ENV, "s3cret!")],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("certificate.pem") && !stdout.contains("PRIVATE KEY"));
    assert!(dir.join("key.pem").exists() && dir.join("certificate.pem").exists());
    let again = preflight(
        &["cert", "convert", s(&pfx), "--out", s(&dir)],
        &[(certfile::PASSWORD_ENV, "s3cret!")],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("refusing to overwrite"));
}

// ---------------------------------------------------------------- helpers

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

/// Runs `openssl` and returns its stdout; a missing `openssl` fails the test with a message
/// that says so, rather than a bare "No such file".
fn openssl(args: &[&str]) -> String {
    let out = match Command::new("openssl").args(args).output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("these tests need the `openssl` command (apt-get install openssl): {e}")
        }
        Err(e) => panic!("cannot run openssl: {e}"),
    };
    assert!(
        out.status.success(),
        "openssl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A self-signed 1024-bit RSA certificate signed with SHA1, version 3 with a SAN (rcgen makes
/// no RSA key under 2048 bits; without `-addext` OpenSSL would still write v3 here, but the SAN
/// keeps it a realistic server certificate).
fn openssl_sha1_1024(dir: &Path) -> (PathBuf, PathBuf) {
    let cert = dir.join("legacy.pem");
    let key = dir.join("legacy.key");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:1024",
        "-sha1",
        "-nodes",
        "-days",
        "3650",
        "-subj",
        "/CN=legacy.example.org",
        "-addext",
        "subjectAltName=DNS:legacy.example.org",
        "-keyout",
        s(&key),
        "-out",
        s(&cert),
    ]);
    (cert, key)
}

/// `preflight probe` reads the site's certificate files, and each file item is judged by its
/// own rule on its own file: the PFX the notification framework needs (exported without its
/// chain), the HA export (whole chain, under another name), an expired DER certificate.
#[test]
fn probe_reads_the_sites_certificate_files_and_answers_their_items() {
    let fx = fixture();
    let site = file_site(&fx);
    let home = fx.p("home");
    let run = |args: &[&str], extra: &[(&str, &str)]| run_in(&home, args, extra);
    let ok = both;
    let out = run(
        &["session", "new", "f", "--checklist", "spok-mobile-4.5"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", ok(&out));
    let out = run(&["site", "import", "f", s(&site)], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", ok(&out));

    let item = |id: &str| -> serde_json::Value {
        let out = run(&["session", "show", "f", "--format", "json"], &[]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        json["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id}"))
    };

    // Without the password, the PFX rules cannot be judged: never a pass.
    let out = run(&["probe", "--session", "f", "--only", "certfile"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", ok(&out));
    let key = item("pfx.private_key");
    assert_eq!(key["probe"]["verdict"], "error", "{key}");
    assert!(key["probe"]["suggestion"].is_null(), "{key}");
    assert!(
        key["probe"]["results"][0]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("PREFLIGHT_PFX_PASSWORD")),
        "{key}"
    );

    let out = run(
        &["probe", "--session", "f", "--only", "certfile"],
        &[(certfile::PASSWORD_ENV, "s3cret!")],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the expired file fails: {}",
        ok(&out)
    );
    assert!(
        !ok(&out).contains("s3cret!"),
        "the password is never printed"
    );
    let verdict = |id: &str| {
        let i = item(id);
        (
            i["probe"]["verdict"].as_str().unwrap_or("none").to_owned(),
            i["probe"]["suggestion"]
                .as_str()
                .unwrap_or("none")
                .to_owned(),
            i["probe"]["results"][0]["summary"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let (v, s, _) = verdict("pfx.private_key");
    assert_eq!((v.as_str(), s.as_str()), ("pass", "yes"));
    let (v, s, words) = verdict("pfx.export_options");
    assert_eq!((v.as_str(), s.as_str()), ("fail", "no"), "{words}");
    assert!(words.contains("without its issuer"), "{words}");
    let (v, s, words) = verdict("pfx.path");
    assert_eq!((v.as_str(), s.as_str()), ("pass", "yes"), "{words}");
    // The HA export is judged on its own file, not on the notification framework's.
    let (v, _, words) = verdict("certificates.ha_pfx_per_server");
    assert_eq!(v, "pass", "{words}");
    assert!(words.contains("spokmobile.pfx"), "{words}");
    let (v, _, words) = verdict("certificates.wildcard_exportable");
    assert_eq!(v, "pass", "{words}");
    assert!(words.contains("spokmobile.pfx"), "{words}");

    // No session or report file holds the password.
    for entry in walk(&home) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("s3cret!"),
            "{} holds the password",
            entry.display()
        );
    }
}

/// The three certificate files of the site and its file: the notification framework's PFX
/// exported without its chain (where the guide puts it), the HA export with its whole chain,
/// an expired DER certificate.
fn file_site(fx: &Fixture) -> PathBuf {
    let certs = fx.p("AppData/Roaming/RabbitMQ/Certs");
    std::fs::create_dir_all(&certs).expect("dir");
    let snf = certs.join("certificate.pfx");
    openssl(&[
        "pkcs12",
        "-export",
        "-in",
        s(&fx.p("leaf.pem")),
        "-inkey",
        s(&fx.p("key.pem")),
        "-passout",
        "pass:s3cret!",
        "-out",
        s(&snf),
    ]);
    let ha = fx.pfx("spokmobile.pfx", &[]);
    let old = leaf_with(&[HOST], Some(&fx.root), |p| {
        p.not_before = date(NOW - 2 * YEAR);
        p.not_after = date(NOW - 30 * 86_400);
    });
    let expired = write(&fx.dir, "old.cer", &old.der);
    write(
        &fx.dir,
        "site.toml",
        format!(
            "site = \"Files\"\n\
             [[certfile]]\npath = '{}'\nrole = \"Spok Notification Framework certificate\"\n\
             [[certfile]]\npath = '{}'\nrole = \"Spok Mobile certificate export\"\n\
             [[certfile]]\npath = '{}'\n",
            snf.display(),
            ha.display(),
            expired.display()
        )
        .as_bytes(),
    )
}

/// Runs the binary with its data and config under `home`, and `extra` variables.
fn run_in(home: &Path, args: &[&str], extra: &[(&str, &str)]) -> std::process::Output {
    let (data, config) = (home.join("data"), home.join("config"));
    let mut env = vec![
        ("XDG_DATA_HOME", s(&data)),
        ("XDG_CONFIG_HOME", s(&config)),
        ("HOME", s(home)),
    ];
    env.extend_from_slice(extra);
    preflight(args, &env)
}

fn both(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The guide's "Include all certificates in the certification path": the whole chain passes,
/// the certificate alone or a chain that stops short fails, and the file name is compared
/// whatever the separators and case.
#[test]
fn a_files_chain_and_name_as_the_guide_asks() {
    use preflight::rules::CertfileCheck;
    let fx = fixture();
    let now = NOW;
    let judge = |path: &Path, check: &CertfileCheck| {
        certfile::evaluate(check, &certfile::measure(path, Some("s3cret!"), now))
    };
    let whole = fx.pfx("whole.pfx", &[]);
    let (v, words) = judge(&whole, &CertfileCheck::ChainIncluded);
    assert_eq!(v, Verdict::Pass, "{words}");
    assert!(words.contains("whole chain"), "{words}");
    let part = write(
        &fx.dir,
        "part.pem",
        format!("{}{}", fx.leaf.pem, fx.inter.pem).as_bytes(),
    );
    let (v, words) = judge(&part, &CertfileCheck::ChainIncluded);
    assert_eq!(v, Verdict::Fail, "{words}");
    assert!(words.contains("part of the chain"), "{words}");
    let (v, words) = judge(&fx.p("leaf.pem"), &CertfileCheck::ChainIncluded);
    assert_eq!(v, Verdict::Fail, "{words}");
    assert!(words.contains("without its issuer"), "{words}");

    let name = CertfileCheck::FileName {
        name: r"RabbitMQ\Certs\certificate.pfx".to_owned(),
    };
    let (v, words) = certfile::evaluate(&name, &certfile::measure(&whole, Some("s3cret!"), now));
    assert_eq!(v, Verdict::Fail, "{words}");
    std::fs::create_dir_all(fx.p("rabbitmq/certs")).expect("dir");
    let snf = fx.p("rabbitmq/certs/Certificate.PFX");
    std::fs::copy(&whole, &snf).expect("copy");
    let (v, words) = certfile::evaluate(&name, &certfile::measure(&snf, Some("s3cret!"), now));
    assert_eq!(v, Verdict::Pass, "{words}");
    // An empty file is not a certificate file: `readable` fails, the others cannot tell.
    let empty = certfile::measure(&write(&fx.dir, "empty.pfx", b""), None, now);
    assert_eq!(certfile::evaluate(&name, &empty).0, Verdict::Error);
    assert_eq!(
        certfile::evaluate(&CertfileCheck::Readable { format: None }, &empty).0,
        Verdict::Fail
    );
    // A wrong password says nothing of the file: even `readable` cannot tell.
    let wrong = certfile::measure(&whole, Some("nope"), now);
    assert_eq!(
        certfile::evaluate(&CertfileCheck::Readable { format: None }, &wrong).0,
        Verdict::Error
    );
}
