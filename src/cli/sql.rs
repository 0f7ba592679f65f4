//! `preflight sql --server HOST[:PORT|\INSTANCE] --user USER`: what the SQL Server really is
//! (version, edition, AlwaysOn, mirroring, the login's rights, backups), with the query behind
//! every fact, judged by a checklist's SQL rules (the Spok guide's by default).
//!
//! The password comes from `PREFLIGHT_SQL_PASSWORD` or a prompt that does not echo; it is never
//! an argument (it would sit in the shell's history and the process list) and never written.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use serde_json::json;

use super::rules::{self, Check};
use super::{Format, print, print_json};
use crate::checklist::ProbeKind;
use crate::paths::Dirs;
use crate::probe::Finding;
use crate::probe::sql::{self, Auth, Encryption, SqlFacts, Target, Trust, checks, tables};
use crate::probe::tls::facts::{self as tls_facts, TlsFacts};
use crate::probe::tls::{Options as TlsOptions, Transport};

use crate::probe::sql::PASSWORD_ENV;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The server: `host`, `host:port`, `host,port` or `host\INSTANCE` (found through the SQL
    /// Server Browser on UDP 1434).
    #[arg(long, value_name = "SERVER")]
    pub server: String,
    /// A SQL Server login; its password from PREFLIGHT_SQL_PASSWORD or a prompt.
    #[arg(long, value_name = "USER", required_unless_present = "windows_auth")]
    pub user: Option<String>,
    /// Log in as the Windows account running preflight (Windows builds only).
    #[arg(long, conflicts_with = "user")]
    pub windows_auth: bool,
    /// The product database whose existence and owner rights to check.
    #[arg(long, value_name = "DB")]
    pub database: Option<String>,
    /// Encryption of the connection: required, optional (when the server can), or off (only
    /// the login is encrypted).
    #[arg(long, value_enum, default_value_t = Encryption::Optional)]
    pub encrypt: Encryption,
    /// Accept the server's certificate whatever it is (SQL Server's self-signed one included).
    #[arg(long, conflicts_with = "ca")]
    pub trust_server_certificate: bool,
    /// A CA certificate (PEM or DER) the server's certificate must chain to: the site's CA.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Judge the server by this checklist's SQL rules (`none` for the generic findings only).
    #[arg(long, value_name = "ID", default_value = "spok-mobile-4.5")]
    pub checklist: String,
    /// Also scan the TLS the server speaks inside TDS: protocols, suites, its certificate and
    /// trust (gently: a few connections a second).
    #[arg(long)]
    pub tls: bool,
    /// Seconds for connecting and logging in, and for each batch.
    #[arg(long, value_name = "SECS", default_value_t = 15)]
    pub timeout: u64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(dirs: &Dirs, args: &Args) -> Result<ExitCode> {
    let target = Target::parse(&args.server).map_err(|e| eyre!("--server: {e}"))?;
    let auth = auth(args)?;
    let bindings = if args.checklist == "none" {
        Vec::new()
    } else {
        super::library(dirs)?.get(&args.checklist)?.sql_checks()
    };
    let (permissions, databases) = checks::wanted(&bindings, args.database.as_deref());
    let mut options = sql::Options::new(auth);
    options.encryption = args.encrypt;
    options.trust = match (&args.ca, args.trust_server_certificate) {
        (Some(ca), _) => Trust::Ca(ca.clone()),
        (None, true) => Trust::Any,
        (None, false) => Trust::System,
    };
    options.connect_timeout = Duration::from_secs(args.timeout.max(1));
    options.query_timeout = options.connect_timeout;
    options.permissions = permissions;
    options.databases = databases;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let facts = runtime.block_on(sql::probe(&target, &options));
    let tls = if args.tls {
        Some(runtime.block_on(tls_inside_tds(&facts, &target, args.ca.as_deref()))?)
    } else {
        None
    };
    let findings = checks::findings(&facts);
    let judged = rules::judge(dirs, &args.checklist, ProbeKind::Sql, |check| match check {
        crate::rules::Check::Sql(check) => Some(checks::evaluate(check, &facts)),
        _ => None,
    })?;
    let failed = Finding::failed(&findings)
        || judged.iter().any(Check::fails)
        || tls.as_ref().is_some_and(|(_, f)| Finding::failed(f));
    if args.format == Format::Json {
        print_json(&json!({
            "server": facts.server,
            "facts": facts,
            "findings": findings,
            "checks": judged.iter().map(Check::json).collect::<Vec<_>>(),
            "tls": tls.as_ref().map(|(f, findings)| json!({
                "facts": f, "findings": findings, "grade": tls_facts::grade(f),
            })),
        }))?;
    } else {
        let mut out = text(&facts, &findings, &judged);
        if let Some((f, findings)) = &tls {
            tls_text(&mut out, f, findings);
        }
        print(&out)?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The TLS the server speaks inside TDS, scanned on the address the probe reached (or the one
/// written, when it reached none), judged like any TLS endpoint's.
async fn tls_inside_tds(
    facts: &SqlFacts,
    target: &Target,
    ca: Option<&std::path::Path>,
) -> Result<(TlsFacts, Vec<tls_facts::Finding>)> {
    let (host, port) = match facts
        .address
        .as_deref()
        .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
    {
        Some(a) => (a.ip().to_string(), a.port()),
        None => (target.host.clone(), target.port_or_default()),
    };
    let anchors = super::cert::anchors(ca.map(std::path::Path::to_path_buf).as_slice())?;
    let options = TlsOptions {
        transport: Transport::Tds,
        ..TlsOptions::default()
    };
    // The certificate is checked against the name the consultant wrote, as clients connect.
    let sni = target
        .host
        .parse::<std::net::IpAddr>()
        .is_err()
        .then_some(target.host.as_str());
    let (f, _) = tls_facts::measure(&host, port, sni, &options, &anchors).await;
    let findings = tls_facts::findings(&f, &[]);
    Ok((f, findings))
}

fn tls_text(s: &mut String, f: &TlsFacts, findings: &[tls_facts::Finding]) {
    let grade = tls_facts::grade(f);
    let _ = writeln!(
        s,
        "\nTLS inside TDS ({}:{}): grade {} — {}",
        f.host,
        f.port,
        grade.grade,
        tls_facts::offered_summary(f)
    );
    if let Some(c) = &f.certificate {
        let _ = writeln!(
            s,
            "  certificate: {} (issuer {}), {} key, expires {} ({} days)",
            c.subject, c.issuer, c.key_type, c.not_after, c.days_left
        );
    }
    for x in findings {
        let _ = writeln!(s, "  {:5} {}", x.verdict.name().to_uppercase(), x.text);
    }
}

fn auth(args: &Args) -> Result<Auth> {
    if args.windows_auth {
        #[cfg(windows)]
        return Ok(Auth::Windows);
        #[cfg(not(windows))]
        bail!("--windows-auth works on Windows only: use --user with a SQL Server login here");
    }
    let Some(user) = args.user.clone() else {
        bail!("--user USER or --windows-auth: the probe must log in");
    };
    let Some(password) = password_if_given(&user)? else {
        bail!(
            "the password for {user}: set {PASSWORD_ENV} (there is no terminal to ask on; it is \
             never taken as an argument)"
        );
    };
    Ok(Auth::Sql { user, password })
}

/// The SQL login's password from `PREFLIGHT_SQL_PASSWORD`, or asked for (without echo) when
/// there is a terminal; `None` when neither.
pub(super) fn password_if_given(user: &str) -> Result<Option<String>> {
    match std::env::var(PASSWORD_ENV) {
        Ok(p) => Ok(Some(p)),
        Err(_) if super::secret::can_prompt() => {
            super::secret::prompt(&format!("password for SQL login {user}: "))?
                .map(Some)
                .ok_or_else(|| eyre!("no password for {user}: cancelled"))
        }
        Err(_) => Ok(None),
    }
}

fn text(f: &SqlFacts, findings: &[checks::Finding], judged: &[Check]) -> String {
    let mut s = format!("SQL Server {}", f.server);
    if let Some(a) = &f.address {
        let _ = write!(s, " ({a})");
    }
    if let Some(u) = &f.user {
        let _ = write!(s, " as {u}");
    }
    let _ = writeln!(s, " — {} batches in {} ms\n", f.batches, f.ms);
    for (label, value) in tables::overview(f) {
        let _ = writeln!(s, "{label}: {value}");
    }
    tables_text(&mut s, f);
    let _ = writeln!(s, "\nfindings:");
    for x in findings {
        let _ = writeln!(s, "  {:5} {}", x.verdict.name().to_uppercase(), x.text);
    }
    if !judged.is_empty() {
        let _ = writeln!(s, "\nchecklist rules:");
        for c in judged {
            let _ = writeln!(s, "{}", c.line());
        }
    }
    if !f.queries.is_empty() {
        let _ = writeln!(s, "\nqueries (their text: --format json):");
        for q in &f.queries {
            let _ = writeln!(s, "  {:13} {}", q.tag, q.outcome);
        }
    }
    s
}

/// The tables as text: each row's cells joined, a `✘` before the rows the guide would not
/// accept.
fn tables_text(s: &mut String, f: &SqlFacts) {
    for t in tables::tables(f) {
        match (&t.unknown, t.rows.is_empty()) {
            (Some(why), _) => {
                let _ = writeln!(s, "{}: {why}", t.title);
            }
            (None, true) => {
                let _ = writeln!(s, "{}: none", t.title);
            }
            (None, false) => {
                let _ = writeln!(s, "{} ({}):", t.title, t.columns.join(" · "));
                for r in &t.rows {
                    let _ = writeln!(
                        s,
                        "  {} {}",
                        if r.bad { "✘" } else { " " },
                        r.cells.join(" · ")
                    );
                }
            }
        }
    }
}
