//! `preflight probe`: every probe a site calls for from this machine, headless.

use std::fmt::Write as _;
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use color_eyre::eyre::{Result, WrapErr, eyre};
use serde_json::json;
use tokio::sync::mpsc;

use super::{Format, print, print_json};
use crate::paths::Dirs;
use crate::probe::plan::{self, Vantage};
use crate::probe::run::{self, Env, Event, RunSpec};
use crate::probe::{ProbeKind, ProbeResult, Verdict};
use crate::stamp::{hostname, now};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The site file (TOML, or a port workbook as CSV).
    #[arg(long, value_name = "FILE", required_unless_present = "session")]
    pub site: Option<PathBuf>,
    /// Probe the site kept in this session, and save the results there.
    #[arg(long, value_name = "NAME")]
    pub session: Option<String>,
    /// The role this machine plays (port rules whose source it is are probed); by default the
    /// site's host whose name is this machine's.
    #[arg(long, value_name = "ROLE")]
    pub from: Option<String>,
    /// Only these kinds (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = parse_kind)]
    pub only: Vec<ProbeKind>,
    /// Ask only the site's resolvers, not this machine's own.
    #[arg(long)]
    pub no_system_resolver: bool,
    /// Probe as a machine outside the site's firewall (a phone on a carrier network): names
    /// resolve through the site's external resolvers only and no hosts file is read. A role
    /// whose host is marked `outside = true` in the site is outside without this flag.
    #[arg(long, conflicts_with = "hosts_file")]
    pub outside: bool,
    /// Read this hosts file instead of the platform's.
    #[arg(long, value_name = "PATH")]
    pub hosts_file: Option<PathBuf>,
    /// Per-connection and per-query timeout.
    #[arg(long, value_name = "MS", default_value_t = 3000)]
    pub timeout: u64,
    #[command(flatten)]
    pub politeness: super::polite::Politeness,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn parse_kind(s: &str) -> Result<ProbeKind, String> {
    ProbeKind::parse(s.trim()).ok_or_else(|| {
        format!("unknown probe kind `{s}`: expected dns, hosts, tcp, tls, sql or certfile")
    })
}

pub fn run(dirs: &Dirs, args: &Args) -> Result<ExitCode> {
    let store = Store::new(dirs.sessions());
    let saved = args.session.as_deref().map(|n| store.load(n)).transpose()?;
    // The SQL rules of the session's checklist (the Spok guide's without one) say which
    // permissions and databases the SQL probe reads.
    let checklist = saved
        .as_ref()
        .map_or_else(|| "spok-mobile-4.5".to_owned(), |a| a.checklist.id.clone());
    let session = args.session.clone();
    let site = match (&args.site, saved) {
        (Some(file), _) => match super::site::load(file)? {
            Ok(site) => site,
            Err(code) => return Ok(code),
        },
        (None, Some(a)) => a.site,
        (None, None) => return Err(eyre!("give --site FILE or --session NAME")),
    };
    let host = hostname();
    let role = args.from.clone().or_else(|| plan::own_role(&site, &host));
    if role.is_none() && (args.only.is_empty() || args.only.contains(&ProbeKind::Tcp)) {
        errln!(
            "note: port rules are probed from their source role; this machine ({host}) is not one of the site's hosts, so say which role it plays with --from ROLE (roles: {})",
            site.roles().join(", ")
        );
    }
    let vantage = role.clone().map_or(Vantage::None, Vantage::Role);
    let tasks = plan::plan(&site, &vantage, &args.only);
    let env = env_of(dirs, args, &site, role.as_deref(), &tasks, &checklist)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let outside = env.outside;
    let resolution = env.resolution.sources();
    let total = tasks.len();
    let labels: Vec<String> = tasks.iter().map(plan::Task::label).collect();
    let results = runtime.block_on(collect(tasks.into_iter().enumerate().collect(), env, total));
    let mut ordered: Vec<(String, Vec<ProbeResult>)> = labels.into_iter().zip(results).collect();
    ordered.retain(|(_, r)| !r.is_empty());
    let all: Vec<&ProbeResult> = ordered.iter().flat_map(|(_, r)| r).collect();
    let count = |v: Verdict| all.iter().filter(|r| r.verdict == v).count();
    let failed = count(Verdict::Fail) + count(Verdict::Error);

    if let Some(name) = &session {
        let _lock = store.lock(name)?;
        let mut a = store.load(name)?;
        let key = role.clone().unwrap_or_else(|| "ad hoc".to_owned());
        let results: Vec<ProbeResult> = all.iter().map(|r| (*r).clone()).collect();
        a.record_run(&key, &key, &host, &now(), &results);
        store.save(&a)?;
        errln!("results saved in session `{name}`");
    }

    let summary = json!({
        "pass": count(Verdict::Pass), "warn": count(Verdict::Warn), "fail": count(Verdict::Fail),
        "error": count(Verdict::Error), "skipped": count(Verdict::Skipped),
    });
    if args.format == Format::Json {
        print_json(&json!({
            "host": host,
            "vantage": role,
            "outside": outside,
            "resolution": resolution,
            "summary": summary,
            "results": all,
        }))?;
    } else {
        let mut text = text_report(&ordered, &host, role.as_deref(), &count);
        text.push_str(&resolution_line(outside, &resolution));
        print(&text)?;
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The run's environment, the one `preflight probe` and the TUI both set up ([`Env::for_run`]),
/// with the SQL rules of the checklist and the SQL password when a SQL Server is probed.
fn env_of(
    dirs: &Dirs,
    args: &Args,
    site: &crate::site::Site,
    role: Option<&str>,
    tasks: &[plan::Task],
    checklist: &str,
) -> Result<Env> {
    let timeout = std::time::Duration::from_millis(args.timeout.max(1));
    let mut env = Env::for_run(
        site,
        &RunSpec {
            role: role.map(str::to_owned),
            outside: args.outside,
            system: !args.no_system_resolver,
            hosts_file: args.hosts_file.clone(),
            timeout: Some(timeout),
            politeness: args.politeness.policy(),
        },
    )
    .wrap_err("cannot set up the run")?;
    // What the checklist's rules need of the probes: the suites it requires (a weak one among
    // them is said as a conflict) and the permissions and databases its SQL rules name.
    if tasks
        .iter()
        .any(|t| matches!(t, plan::Task::Tls { .. } | plan::Task::Sql { .. }))
    {
        let lib = super::library(dirs)?;
        let c = lib.get(checklist)?;
        env.tls_required = c.required_suites();
        env.sql.checks = c.sql_checks();
    }
    if let Some(pfx) = tasks.iter().find_map(|t| match t {
        plan::Task::Certfile { file } if needs_password(&file.path) => Some(file.path.clone()),
        _ => None,
    }) {
        env.pfx_password = super::cert::password_if_given(&pfx)?;
    }
    if tasks.iter().any(|t| matches!(t, plan::Task::Sql { .. })) {
        env.sql.password = super::sql::password_if_given(
            site.sql
                .iter()
                .find_map(|s| s.user.as_deref())
                .unwrap_or("the SQL login"),
        )?;
    }
    Ok(env)
}

/// Whether a site's certificate file is a PFX, which opens only with its password (read from
/// its first bytes; a file that cannot be read is left to the probe to report).
fn needs_password(path: &std::path::Path) -> bool {
    crate::probe::certfile::read_bytes(path)
        .ok()
        .and_then(|b| crate::probe::certfile::detect(&b))
        == Some(crate::probe::certfile::Format::Pkcs12)
}

/// How the run's connections resolved names, under the totals.
fn resolution_line(outside: bool, sources: &[String]) -> String {
    format!(
        "{}names resolve through {}\n",
        if outside { "outside the site: " } else { "" },
        if sources.is_empty() {
            "nothing (no hosts file, no resolver)".to_owned()
        } else {
            sources.join(", then ")
        }
    )
}

/// The text report: each task's worst verdict and label, its results' summaries, the totals.
fn text_report(
    ordered: &[(String, Vec<ProbeResult>)],
    host: &str,
    role: Option<&str>,
    count: &dyn Fn(Verdict) -> usize,
) -> String {
    let mut s = String::new();
    for (label, results) in ordered {
        let worst = results
            .iter()
            .fold(Verdict::Skipped, |v, r| v.worst(r.verdict));
        let _ = writeln!(s, "{:7} {label}", worst.name().to_uppercase());
        for r in results {
            let _ = writeln!(s, "        {}.{}: {}", r.kind, r.check, r.summary);
        }
    }
    let _ = writeln!(
        s,
        "\n{} pass, {} warn, {} fail, {} error, {} skipped — from {host} as {}",
        count(Verdict::Pass),
        count(Verdict::Warn),
        count(Verdict::Fail),
        count(Verdict::Error),
        count(Verdict::Skipped),
        role.unwrap_or("no role (port rules not probed)")
    );
    s
}

/// Runs the tasks and gathers their results in task order, with a progress line on stderr
/// when it is a terminal.
async fn collect(tasks: Vec<(usize, plan::Task)>, env: Env, total: usize) -> Vec<Vec<ProbeResult>> {
    let (tx, mut rx) = mpsc::channel(64);
    let progress = std::io::stderr().is_terminal();
    let gather = async {
        let mut results = vec![Vec::new(); total];
        let mut done = 0;
        while let Some(event) = rx.recv().await {
            match event {
                Event::Started(_) => {}
                Event::Finished(i, r) => {
                    done += 1;
                    results[i] = r;
                    if progress {
                        let mut err = std::io::stderr();
                        let _ = write!(err, "\r\x1b[2Kprobing: {done}/{total} done");
                        let _ = err.flush();
                    }
                }
                Event::Ended => break,
            }
        }
        if progress {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
        results
    };
    let ((), results) = tokio::join!(run::run(tasks, Arc::new(env), tx), gather);
    results
}
