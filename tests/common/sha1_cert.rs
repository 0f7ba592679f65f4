//! A certificate rcgen cannot make: self-signed for `localhost`, a 1024-bit RSA key, signed with
//! SHA-1, made by `openssl req`. Shared by the certificate tests and the TLS bench (which
//! includes this file by path).

use std::path::Path;
use std::process::Command;

/// Writes the certificate to `cert` and its key to `key` (PEM).
pub fn sha1_rsa1024(cert: &Path, key: &Path) {
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:1024", "-sha1", "-nodes", "-days", "30",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ])
        .arg("-keyout")
        .arg(key)
        .arg("-out")
        .arg(cert)
        .output()
        .expect("cannot run `openssl req`: install the `openssl` package");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
}
