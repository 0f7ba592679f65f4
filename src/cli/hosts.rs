//! `preflight hosts [--file PATH] [--expect NAME=IP]... [--format text|json]`: reads this
//! platform's hosts file (or the given one), prints its entries, or with `--expect` each
//! required entry's verdict, and every line the resolver reads otherwise than a person does.
//!
//! Exit codes: 0 all good; 1 an expectation unmet (fail or warn) or a problem in the file (a
//! line the resolver skips, a conflicting entry, an encoding it may not read), because either
//! one changes what this machine resolves; 2 an error (a bad `--expect`, an unreadable file).
//!
//! `--format json` prints one object, stable (fields are only ever added):
//!
//! ```text
//! {
//!   "file": "/etc/hosts",
//!   "entries": [{ "line": 1, "address": "fe80::1%eth0", "names": ["router", "gw"] }],
//!   "problems": [{ "line": 4, "kind": "bad_address", "message": "…", "text": "…" }],
//!   "checks": [{ "name": "db1", "expected": "10.0.0.5", "found": "10.0.0.6", "line": 7,
//!                "verdict": "fail", "summary": "…" }]
//! }
//! ```
//!
//! `entries` are in file order, names canonical first; `problems` are ordered by line, `kind`
//! one of `bad_address`, `no_name`, `encoding`, `byte_order_mark`, `line_ending`, `odd_name`,
//! `conflict`; `checks` follow the order of `--expect` (empty without it), with `found` and
//! `line` null when no line gives the name an address of the expected family.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use color_eyre::eyre::Result;
use serde_json::json;

use super::Format;
use crate::probe::Verdict;
use crate::probe::hosts::{self, EntryCheck, Expectation, HostsFile};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The hosts file to read [default: /etc/hosts; on Windows
    /// %SystemRoot%\System32\drivers\etc\hosts].
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// An entry the site needs, as NAME=IP (e.g. sql1.example.org=10.0.0.5); repeat for each.
    #[arg(long = "expect", value_name = "NAME=IP")]
    pub expect: Vec<Expectation>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let path = args.file.clone().unwrap_or_else(hosts::system_path);
    let file = HostsFile::read(&path)?;
    let checks: Vec<EntryCheck> = args
        .expect
        .iter()
        .map(|e| hosts::check_entry(&file, e))
        .collect();
    match args.format {
        Format::Text => super::print(&text(&file, &checks))?,
        Format::Json => super::print_json(&json(&file, &checks))?,
    };
    let unmet = checks.iter().any(|c| c.verdict != Verdict::Pass);
    Ok(if unmet || !file.problems.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn json(file: &HostsFile, checks: &[EntryCheck]) -> serde_json::Value {
    let entries: Vec<_> = file
        .entries
        .iter()
        .map(|e| json!({ "line": e.line, "address": e.address_text(), "names": e.names }))
        .collect();
    let problems: Vec<_> = file
        .problems
        .iter()
        .map(|p| json!({ "line": p.line, "kind": p.kind, "message": p.message, "text": p.text }))
        .collect();
    let checks: Vec<_> = checks
        .iter()
        .map(|c| {
            json!({
                "name": c.expected.name,
                "expected": c.expected.address.to_string(),
                "found": c.found.map(|m| m.address.to_string()),
                "line": c.found.map(|m| m.line),
                "verdict": c.verdict,
                "summary": c.summary,
            })
        })
        .collect();
    json!({
        "file": file.path.display().to_string(),
        "entries": entries,
        "problems": problems,
        "checks": checks,
    })
}

fn text(file: &HostsFile, checks: &[EntryCheck]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}, {}",
        shown(&file.path.display().to_string()),
        count(file.entries.len(), "entry", "entries"),
        count(file.problems.len(), "problem", "problems")
    );
    if checks.is_empty() {
        let line_w = file.entries.last().map_or(1, |e| e.line.to_string().len());
        let addr_w = file
            .entries
            .iter()
            .map(|e| e.address_text().len())
            .max()
            .unwrap_or(0);
        for e in &file.entries {
            let _ = writeln!(
                out,
                "  line {:>line_w$}  {:<addr_w$}  {}",
                e.line,
                shown(&e.address_text()),
                shown(&e.names.join(" "))
            );
        }
    } else {
        let expected: Vec<String> = checks
            .iter()
            .map(|c| shown(&c.expected.to_string()))
            .collect();
        let width = expected
            .iter()
            .map(|e| e.chars().count())
            .max()
            .unwrap_or(0);
        for (c, e) in checks.iter().zip(&expected) {
            let _ = writeln!(
                out,
                "  {:<4}  {e:<width$}  {}",
                c.verdict.name(),
                shown(&c.summary)
            );
        }
    }
    if !file.problems.is_empty() {
        out.push_str("problems:\n");
        for p in &file.problems {
            let _ = writeln!(out, "  line {}: {}", p.line, shown(&p.message));
        }
    }
    out
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Control characters from the file (an escape sequence in a name, say) are shown escaped, so
/// a hostile or damaged file cannot drive the terminal.
fn shown(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
