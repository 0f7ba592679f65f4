//! `preflight dns`: resolve names through the system resolver or named resolvers, show what each
//! one says in plain words, and put the names on which resolvers disagree where they are seen.
//!
//! Exit codes: 0 every answer ok, 1 any answer not ok (NXDOMAIN, no answer, SERVFAIL, refused,
//! timeout, error), 2 bad input (a bad name, resolver or names-file line, with its position).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{self, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr as _, bail, eyre};
use serde_json::json;

use super::Format;
use crate::probe::dns::{
    self, Answer, DnsError, QueryOptions, QueryType, Question, Resolver, ResolverSpec,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Names to resolve. An address is looked up by its PTR record.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Read more names from FILE: one a line, `#` starts a comment.
    #[arg(long, value_name = "FILE")]
    pub names_file: Option<PathBuf>,
    /// Ask this server instead of the system resolver: IP[:PORT], or LABEL=IP[:PORT] to name it
    /// (internal=10.0.0.53). Repeat to compare resolvers. Without it, the DNS servers this
    /// machine is configured with; either way only DNS is asked, never the hosts file
    /// (`preflight hosts` checks that).
    #[arg(long = "resolver", value_name = "IP[:PORT]")]
    pub resolvers: Vec<ResolverSpec>,
    /// Record type: A, AAAA, CNAME (the whole chain) or PTR; repeat for several. Default: A for
    /// names; addresses are always asked for PTR.
    #[arg(long = "type", value_name = "TYPE")]
    pub types: Vec<QueryType>,
    /// How long to wait for each answer, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub timeout: u64,
    /// How many times to send each query before giving up.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=5))]
    pub attempts: u32,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let questions = questions(args)?;
    let specs = specs(args)?;
    let opts = QueryOptions {
        timeout: Duration::from_millis(args.timeout),
        attempts: args.attempts,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let show_progress = io::stderr().is_terminal() && questions.len() * specs.len() >= 20;
    let (resolvers, answers) = runtime.block_on(async {
        let resolvers = specs
            .iter()
            .map(|s| Resolver::new(s, opts))
            .collect::<Result<Vec<_>, DnsError>>()?;
        let mut progress = |done: usize, total: usize| {
            if show_progress {
                // Progress goes to a terminal only; a failed write to it is not worth stopping for.
                let _ = write!(io::stderr(), "\rresolving {done}/{total}\u{1b}[K");
            }
        };
        let answers = dns::query_all(
            &resolvers,
            &questions,
            dns::DEFAULT_CONCURRENCY,
            &mut progress,
        )
        .await;
        if show_progress {
            let _ = write!(io::stderr(), "\r\u{1b}[K");
        }
        Ok::<_, DnsError>((resolvers, answers))
    })?;
    let code = if answers.iter().all(|a| a.status.is_ok()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    match args.format {
        Format::Json => super::print_json(&to_json(&resolvers, opts, &answers))?,
        Format::Text => super::print(&to_text(&resolvers, opts, &answers))?,
    };
    Ok(code)
}

/// The names from the command line and the names file, checked, each with the types to ask.
fn questions(args: &Args) -> Result<Vec<Question>> {
    let mut names: Vec<String> = Vec::new();
    for name in &args.names {
        dns::check_name(name).map_err(|problem| eyre!("`{name}` is not a name: {problem}"))?;
        names.push(name.trim().to_owned());
    }
    if let Some(path) = &args.names_file {
        names.extend(read_names_file(path)?);
    }
    let mut seen = HashSet::new();
    let mut unique: Vec<String> = Vec::new();
    for n in names {
        if seen.insert(dns::name_key(&n)) {
            unique.push(n);
        }
    }
    if unique.is_empty() {
        bail!("no names to resolve: give them as arguments or with --names-file FILE");
    }
    let types = if args.types.is_empty() {
        vec![QueryType::A]
    } else {
        let mut t = args.types.clone();
        t.dedup();
        t
    };
    Ok(unique
        .into_iter()
        .flat_map(|name| {
            if QueryType::default_for(&name) == QueryType::Ptr {
                vec![Question::new(name, QueryType::Ptr)]
            } else {
                types
                    .iter()
                    .map(|t| Question::new(name.clone(), *t))
                    .collect()
            }
        })
        .collect())
}

fn read_names_file(path: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(path)
        .wrap_err_with(|| format!("cannot read the names file {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        eyre!(
            "{}: not UTF-8 text (byte {}); save it as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to() + 1
        )
    })?;
    dns::parse_names(&text).map_err(|e| match e {
        DnsError::NamesList { line, problem } => eyre!("{}:{line}: {problem}", path.display()),
        other => eyre!("{}: {other}", path.display()),
    })
}

/// The resolvers asked: those named, or the system one. Labels must differ, since answers are
/// told apart by them.
fn specs(args: &Args) -> Result<Vec<ResolverSpec>> {
    if args.resolvers.is_empty() {
        return Ok(vec![ResolverSpec::system()]);
    }
    let mut specs: Vec<ResolverSpec> = Vec::new();
    for s in &args.resolvers {
        if specs.iter().any(|seen| seen.label == s.label) {
            bail!(
                "two resolvers are called `{}`: give each its own label (internal=IP, external=IP)",
                s.label
            );
        }
        specs.push(s.clone());
    }
    Ok(specs)
}

fn to_json(resolvers: &[Resolver], opts: QueryOptions, answers: &[Answer]) -> serde_json::Value {
    let ok = answers.iter().filter(|a| a.status.is_ok()).count();
    json!({
        "answers": answers.iter().map(Answer::to_json).collect::<Vec<_>>(),
        "disagreements": dns::disagreements(answers)
            .iter()
            .map(|d| json!({
                "name": d.name,
                "type": d.qtype.name(),
                "answers": d.answers.iter()
                    .map(|(resolver, answer)| json!({"resolver": resolver, "answer": answer}))
                    .collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>(),
        "resolvers": resolvers
            .iter()
            .map(|r| json!({
                "label": r.label(),
                "system": r.is_system(),
                "servers": r.servers().iter().map(ToString::to_string).collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>(),
        "timeout_ms": u64::try_from(opts.timeout.as_millis()).unwrap_or(u64::MAX),
        "attempts": opts.attempts,
        "ok": ok,
        "not_ok": answers.len() - ok,
    })
}

fn to_text(resolvers: &[Resolver], opts: QueryOptions, answers: &[Answer]) -> String {
    let mut out = String::new();
    let tries = if opts.attempts == 1 {
        "1 try".to_owned()
    } else {
        format!("{} tries", opts.attempts)
    };
    let who: Vec<&str> = resolvers.iter().map(Resolver::who).collect();
    let _ = writeln!(
        out,
        "Asking {} (timeout {}, {tries})\n",
        who.join(", "),
        dns::show_duration(opts.timeout)
    );
    let disagreements = dns::disagreements(answers);
    if resolvers.len() > 1 {
        grouped(&mut out, answers, &disagreements);
    } else {
        table(&mut out, answers);
    }
    if !disagreements.is_empty() {
        let names: Vec<&str> = disagreements.iter().map(|d| d.name.as_str()).collect();
        let mut distinct = names.clone();
        distinct.dedup();
        let _ = writeln!(
            out,
            "\n!! Resolvers disagree on {} {}:",
            distinct.len(),
            if distinct.len() == 1 { "name" } else { "names" }
        );
        for d in &disagreements {
            let _ = writeln!(out, "   {} {}  {}", d.name, d.qtype, d.words());
        }
    }
    let ok = answers.iter().filter(|a| a.status.is_ok()).count();
    let mut counts: Vec<(dns::Status, usize)> = Vec::new();
    for a in answers.iter().filter(|a| !a.status.is_ok()) {
        match counts.iter_mut().find(|(s, _)| *s == a.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((a.status, 1)),
        }
    }
    counts.sort();
    let mut tail = format!(
        "\n{} {}: {ok} ok",
        answers.len(),
        if answers.len() == 1 {
            "answer"
        } else {
            "answers"
        }
    );
    for (status, n) in counts {
        let _ = write!(tail, ", {n} {status}");
    }
    out.push_str(&tail);
    out.push('\n');
    out
}

/// One resolver: a row per answer.
fn table(out: &mut String, answers: &[Answer]) {
    let rows: Vec<[String; 5]> = answers
        .iter()
        .map(|a| {
            [
                a.name.clone(),
                a.qtype.to_string(),
                a.status.to_string(),
                format!("{} ms", a.ms),
                a.words(),
            ]
        })
        .collect();
    // The answer goes last: a sentence about a failure is long and would push the rest away.
    let header = ["NAME", "TYPE", "STATUS", "TIME", "ANSWER"].map(str::to_owned);
    aligned(out, &header, &rows, "");
}

/// Several resolvers: a block per name and type, marked when they disagree.
fn grouped(out: &mut String, answers: &[Answer], disagreements: &[dns::Disagreement]) {
    let differ: HashSet<(String, QueryType)> = disagreements
        .iter()
        .map(|d| (dns::name_key(&d.name), d.qtype))
        .collect();
    for g in dns::by_question(answers) {
        let marker = if differ.contains(&(dns::name_key(g.name), g.qtype)) {
            "   << resolvers disagree"
        } else {
            ""
        };
        let _ = writeln!(out, "{} {}{marker}", g.name, g.qtype);
        let rows: Vec<[String; 5]> = g
            .answers
            .iter()
            .map(|a| {
                [
                    a.resolver.clone(),
                    a.status.to_string(),
                    format!("{} ms", a.ms),
                    a.words(),
                    String::new(),
                ]
            })
            .collect();
        aligned(out, &[], &rows, "  ");
    }
}

/// Writes rows in columns padded to the widest cell; the last non-empty column is not padded.
fn aligned(out: &mut String, header: &[String], rows: &[[String; 5]], indent: &str) {
    let mut widths = [0usize; 5];
    for row in std::iter::once(header)
        .filter(|h| !h.is_empty())
        .chain(rows.iter().map(<[String; 5]>::as_slice))
    {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: &[String]| {
        let last = cells.iter().rposition(|c| !c.is_empty()).unwrap_or(0);
        let mut s = indent.to_owned();
        for (i, cell) in cells.iter().enumerate().take(last + 1) {
            if i == last {
                s.push_str(cell);
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count());
                s.push_str(cell);
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(&s);
        out.push('\n');
    };
    if !header.is_empty() {
        line(out, header);
    }
    for r in rows {
        line(out, r);
    }
}
