//! `preflight tls HOST:PORT`: every protocol and cipher suite a server accepts, the certificate
//! chain it serves and whether clients will trust it, judged by the rules of a checklist (the
//! Spok guide's by default) and graded after SSL Labs' guide. With `--tds` the endpoint is a
//! SQL Server, whose handshake travels inside TDS PRELOGIN packets; it is judged by the same
//! rules as any other.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr, eyre};
use serde_json::json;

use super::rules::{self, Check};
use super::{Format, print, print_json};
use crate::checklist::ProbeKind;
use crate::paths::Dirs;
use crate::probe::Finding;
use crate::probe::budget::Budgets;
use crate::probe::tls::facts::{self, TlsFacts};
use crate::probe::tls::tds::{Encryption, Prelogin, SqlVersion};
use crate::probe::tls::{Options, Transport};
use crate::site::split_host_port;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The endpoint: `host:port` or `[v6]:port`.
    pub endpoint: String,
    /// The server name to send (SNI) and to check the certificate against; the host by default.
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,
    /// A CA certificate file (PEM or DER) to trust besides the system's roots: the site's CA.
    #[arg(long = "ca", value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// Judge the endpoint by this checklist's TLS rules (`none` for the generic ones only).
    #[arg(long, value_name = "ID", default_value = "spok-mobile-4.5")]
    pub checklist: String,
    #[command(flatten)]
    pub politeness: super::polite::Politeness,
    /// Seconds the whole scan may take.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub max_time: u64,
    /// The endpoint is a SQL Server (TDS 7.x, port 1433): send each handshake inside TDS
    /// PRELOGIN packets, as SQL Server clients do. Not for strict encryption (TDS 8.0), which
    /// takes TLS directly.
    #[arg(long)]
    pub tds: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(dirs: &Dirs, args: &Args) -> Result<ExitCode> {
    let (host, port) = split_host_port(&args.endpoint).ok_or_else(|| {
        eyre!(
            "`{}` is not HOST:PORT (e.g. spokmobile.example.org:443)",
            args.endpoint
        )
    })?;
    let sni = args.sni.clone().or_else(|| {
        host.parse::<std::net::IpAddr>()
            .is_err()
            .then(|| host.clone())
    });
    let options = Options {
        budget: Budgets::new(args.politeness.policy()),
        limit: std::time::Duration::from_secs(args.max_time.max(1)),
        transport: if args.tds {
            Transport::Tds
        } else {
            Transport::Direct
        },
        ..Options::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let anchors = super::cert::anchors(&args.ca)?;
    let (f, report) = runtime.block_on(facts::measure(
        &host,
        port,
        sni.as_deref(),
        &options,
        &anchors,
    ));
    let required = if args.checklist == "none" {
        Vec::new()
    } else {
        super::library(dirs)?
            .get(&args.checklist)?
            .required_suites()
    };
    let findings = facts::findings(&f, &required);
    let checks = rules::judge(dirs, &args.checklist, ProbeKind::Tls, |check| match check {
        crate::rules::Check::Tls(check) => Some(facts::evaluate(check, &f)),
        _ => None,
    })?;
    let grade = facts::grade(&f);
    // A scan that did not finish is never a success, whatever it saw before it stopped.
    let failed = Finding::failed(&findings) || checks.iter().any(Check::fails) || !f.complete;

    if args.format == Format::Json {
        print_json(&json!({
            "host": f.host, "port": f.port, "sni": f.sni,
            "transport": report.transport,
            "sql_server": report.prelogin.as_ref().map(|p| json!({
                "version": p.version,
                "product": p.version.and_then(SqlVersion::product),
                "encryption": p.encryption,
                "mars": p.mars,
            })),
            "protocols": f.protocols,
            "certificate": f.certificate,
            "trust": f.trust,
            "findings": findings,
            "checks": checks.iter().map(Check::json).collect::<Vec<_>>(),
            "grade": grade,
            "errors": f.errors,
            "complete": f.complete,
            "handshakes": report.handshakes,
            // Most connections open to the server at once (the budget's own count).
            "peak_connections": report.address.map(|a| options.budget.server(a.ip()).peak()),
            "ms": report.ms,
        }))?;
    } else {
        let mut out = text(&f, &findings, &checks, &grade, report.handshakes, report.ms);
        if report.transport == Transport::Tds {
            // Right under the first line, which names the endpoint.
            let at = out.find('\n').map_or(out.len(), |n| n + 1);
            out.insert_str(at, &tds_line(report.prelogin.as_ref()));
        }
        print(&out)?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// How the scan went through TDS, and what the SQL Server said of itself before it.
fn tds_line(prelogin: Option<&Prelogin>) -> String {
    let Some(p) = prelogin else {
        return "through TDS PRELOGIN: no SQL Server answered\n".to_owned();
    };
    let version = p.version.map_or_else(
        || "a SQL Server that gave no version".to_owned(),
        |v| match v.product() {
            Some(product) => format!("{product} ({v})"),
            None => format!("SQL Server {v}"),
        },
    );
    // The answer to a PRELOGIN that asked for no encryption, which is what each value means.
    let encryption = match p.encryption {
        Encryption::Off => {
            "encryption offered, not forced (TLS protects the login; the rest \
                            only for clients that ask)"
        }
        Encryption::Required => "encryption forced on every connection",
        Encryption::On => "encryption on",
        Encryption::NotSupported => "no encryption",
    };
    format!("through TDS PRELOGIN: {version}, {encryption}\n")
}

fn text(
    f: &TlsFacts,
    findings: &[facts::Finding],
    checks: &[Check],
    grade: &facts::Grade,
    handshakes: u32,
    ms: u64,
) -> String {
    let mut s = format!("{}:{}", f.host, f.port);
    if let Some(sni) = &f.sni {
        let _ = write!(s, " (SNI {sni})");
    }
    let graded = if !f.complete {
        "scan incomplete, not graded".to_owned()
    } else if grade.graded() {
        format!("grade {}", grade.grade)
    } else {
        "not graded".to_owned()
    };
    let _ = writeln!(s, " — {graded} — {handshakes} handshakes in {ms} ms\n");
    for p in &f.protocols {
        if !p.offered {
            let _ = writeln!(s, "{:8} not offered", p.version);
            continue;
        }
        let _ = writeln!(
            s,
            "{:8} {} suites{}{}",
            p.version,
            p.cipher_suites.len(),
            if p.preference.is_empty() {
                String::new()
            } else {
                format!(", {} order", p.preference)
            },
            if p.groups.is_empty() {
                String::new()
            } else {
                format!(", groups {}", p.groups.join(" "))
            }
        );
        for suite in &p.cipher_suites {
            // The IANA name, with the OpenSSL alias administrators also meet.
            let alias = crate::probe::tls::suites::by_name(suite)
                .and_then(|s| s.openssl)
                .map(|a| format!("  ({a})"))
                .unwrap_or_default();
            let _ = writeln!(s, "           {suite}{alias}");
        }
    }
    if let Some(c) = &f.certificate {
        let _ = writeln!(
            s,
            "\ncertificate: {}\n  names: {}\n  issuer: {}\n  {} key, signed with {}, expires {} ({} days)",
            c.subject,
            c.san.join(", "),
            c.issuer,
            c.key_type,
            c.signature_hash.as_deref().unwrap_or("?"),
            c.not_after,
            c.days_left
        );
        for (n, e) in c.chain.iter().enumerate() {
            let _ = writeln!(s, "  {}└ {}", "  ".repeat(n), e.subject);
        }
    }
    if let Some(t) = &f.trust {
        let _ = writeln!(
            s,
            "trust: {}",
            if t.trusted {
                "trusted".to_owned()
            } else {
                t.detail.clone()
            }
        );
    }
    let _ = writeln!(s, "\nfindings:");
    for x in findings {
        let _ = writeln!(s, "  {:5} {}", x.verdict.name().to_uppercase(), x.text);
    }
    if !checks.is_empty() {
        let _ = writeln!(s, "\nchecklist rules:");
        for c in checks {
            let _ = writeln!(s, "{}", c.line());
        }
    }
    let why = if grade.graded() {
        "grade capped"
    } else {
        "not graded"
    };
    for cap in &grade.caps {
        let _ = writeln!(s, "{why}: {cap}");
    }
    for e in &f.errors {
        let _ = writeln!(s, "note: {e}");
    }
    s
}
