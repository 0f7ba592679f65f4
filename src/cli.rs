//! The command line: one clap tree, each command a thin function over the library. Errors
//! become color-eyre reports here and nowhere else. Exit codes: 0 all good, 1 findings (an
//! invalid checklist, a refused answer), 2 error.

use std::fmt::Write as _;
use std::io::{self, IsTerminal as _, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use color_eyre::eyre::{Result, WrapErr, eyre};
use serde_json::json;

use crate::assessment::{Assessment, Response, Status, Value};
use crate::checklist::{Checklist, ChecklistError, probe};
use crate::library::Library;
use crate::paths::Dirs;
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "preflight",
    version,
    propagate_version = true,
    about = "Walk a mobile-messaging go-live checklist on site, probe the site and sign a readiness report",
    long_about = None
)]
pub struct Cli {
    /// Open (or create) the named assessment in the TUI instead of resuming the last one.
    #[arg(long, value_name = "NAME")]
    pub session: Option<String>,
    /// The checklist for a new assessment (see `preflight checklists`).
    #[arg(long, value_name = "ID", requires = "session")]
    pub checklist: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the built-in and user checklists.
    Checklists {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Validate, show or explain checklists.
    #[command(subcommand)]
    Checklist(ChecklistCommand),
    /// Read and answer assessments without the TUI.
    #[command(subcommand)]
    Session(SessionCommand),
}

#[derive(Debug, Subcommand)]
pub enum ChecklistCommand {
    /// Check checklist files and print every problem with its line and column.
    Validate {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print one checklist whole.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the probe kinds and checks an item may bind to, with their parameters.
    Probes,
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// List the assessments on this machine.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Create an empty assessment against a checklist.
    New {
        name: String,
        #[arg(long, value_name = "ID")]
        checklist: String,
    },
    /// Print an assessment: every item asked, its status, answer and note.
    Show {
        name: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Record an answer, checked as the TUI checks it. VALUE is yes/no, an option, a
    /// comma-separated list of options, text, a number, rows `a,b;c,d`, or `n/a` with `--note`
    /// as the reason.
    Answer {
        name: String,
        item: String,
        value: String,
        /// A note kept with the answer (the reason, for `n/a`).
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Entry point of the binary.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Colours only where a person reads them; a script reading stderr gets plain text.
    let theme = if io::stderr().is_terminal() {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    if color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .theme(theme)
        .install()
        .is_err()
    {
        return ExitCode::from(2);
    }
    match run(cli) {
        Ok(code) => code,
        Err(report) => {
            if is_broken_pipe(&report) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {report:?}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(report: &color_eyre::Report) -> bool {
    report
        .chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

fn run(cli: Cli) -> Result<ExitCode> {
    let dirs = Dirs::from_platform()?;
    match cli.command {
        None => crate::tui::run(&dirs, cli.session.as_deref(), cli.checklist.as_deref())
            .map(|()| ExitCode::SUCCESS),
        Some(Command::Checklists { format }) => list_checklists(&dirs, format),
        Some(Command::Checklist(c)) => match c {
            ChecklistCommand::Validate { files } => validate(&files),
            ChecklistCommand::Show { id, format } => show_checklist(&dirs, &id, format),
            ChecklistCommand::Probes => print(&probes_text()),
        },
        Some(Command::Session(s)) => match s {
            SessionCommand::List { format } => list_sessions(&dirs, format),
            SessionCommand::New { name, checklist } => new_session(&dirs, &name, &checklist),
            SessionCommand::Show { name, format } => show_session(&dirs, &name, format),
            SessionCommand::Answer {
                name,
                item,
                value,
                note,
            } => answer(&dirs, &name, &item, &value, note.as_deref()),
        },
    }
}

fn print(text: &str) -> Result<ExitCode> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn print_json(value: &serde_json::Value) -> Result<ExitCode> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    print(&s)
}

fn library(dirs: &Dirs) -> Result<Library> {
    let lib = Library::load(&dirs.checklists())?;
    for (path, err) in &lib.problems {
        eprintln!("warning: skipping {}:\n{err}", path.display());
    }
    Ok(lib)
}

fn list_checklists(dirs: &Dirs, format: Format) -> Result<ExitCode> {
    let lib = library(dirs)?;
    if format == Format::Json {
        let list: Vec<_> = lib
            .checklists
            .iter()
            .map(|c| {
                json!({
                    "id": c.id, "version": c.version, "title": c.title,
                    "items": c.item_count(), "origin": c.origin.to_string(),
                    "hash": c.content_hash,
                })
            })
            .collect();
        return print_json(&json!({ "checklists": list }));
    }
    let width = lib.checklists.iter().map(|c| c.id.len()).max().unwrap_or(2);
    let mut s = format!("{:width$}  {:8}  {:>5}  TITLE\n", "ID", "VERSION", "ITEMS");
    for c in &lib.checklists {
        let origin = if Library::is_builtin(c) {
            String::new()
        } else {
            format!("  ({})", c.origin)
        };
        let _ = writeln!(
            s,
            "{:width$}  {:8}  {:>5}  {}{origin}",
            c.id,
            c.version,
            c.item_count(),
            c.title
        );
    }
    print(&s)
}

fn validate(files: &[PathBuf]) -> Result<ExitCode> {
    let mut bad = false;
    for file in files {
        match Checklist::load(file) {
            Ok(c) => println!(
                "{}: ok ({} {}, {} sections, {} items)",
                file.display(),
                c.id,
                c.version,
                c.sections.len(),
                c.item_count()
            ),
            Err(ChecklistError::Read { path, source }) => {
                return Err(eyre!(source).wrap_err(format!("cannot read {}", path.display())));
            }
            Err(e) => {
                bad = true;
                eprintln!("{e}");
            }
        }
    }
    Ok(if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn show_checklist(dirs: &Dirs, id: &str, format: Format) -> Result<ExitCode> {
    let lib = library(dirs)?;
    let c = lib.get(id)?;
    if format == Format::Json {
        return print_json(&serde_json::to_value(c)?);
    }
    let mut s = format!(
        "{} {} — {}\nsource: {}\nhash: {}\n",
        c.id, c.version, c.title, c.source, c.content_hash
    );
    if !c.description.is_empty() {
        let _ = writeln!(s, "\n{}", c.description.trim());
    }
    for section in &c.sections {
        let _ = writeln!(s, "\n## {} [{}]", section.title, section.id);
        if !section.guidance.is_empty() {
            let _ = writeln!(s, "{}", section.guidance.trim());
        }
        for item in &section.items {
            let _ = writeln!(
                s,
                "\n- {} ({}, {}): {}",
                item.id,
                item.kind.name(),
                item.severity,
                item.prompt
            );
            if !item.kind.options().is_empty() {
                let opts: Vec<String> = item
                    .kind
                    .options()
                    .iter()
                    .map(|o| format!("{} = {}", o.value, o.label))
                    .collect();
                let _ = writeln!(s, "  options: {}", opts.join("; "));
            }
            if !item.good.is_empty() {
                let _ = writeln!(s, "  good: {}", item.good.join(", "));
            }
            if let Some(w) = &item.when {
                let _ = writeln!(s, "  when: {w}");
            }
            if let Some(p) = &item.probe {
                let _ = writeln!(s, "  probe: {p}");
            }
            let _ = writeln!(s, "  source: {}", item.source);
            for line in item.guidance.trim().lines() {
                let _ = writeln!(s, "  | {line}");
            }
        }
    }
    print(&s)
}

fn probes_text() -> String {
    let mut s = String::new();
    for kind in probe::ProbeKind::ALL {
        let _ = writeln!(s, "{kind}");
        for c in probe::CHECKS.iter().filter(|c| c.kind == kind) {
            let _ = writeln!(s, "  {}.{}: {}", kind, c.name, c.good);
            for p in c.params {
                let _ = writeln!(
                    s,
                    "      expect.{} ({}): {}",
                    p.name,
                    if p.required { "required" } else { "optional" },
                    p.ty.describe()
                );
            }
        }
    }
    s
}

fn store(dirs: &Dirs) -> Store {
    Store::new(dirs.sessions())
}

/// Who is answering, as recorded beside each answer.
#[must_use]
pub fn user() -> String {
    ["PREFLIGHT_USER", "USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The current time as RFC 3339 UTC, to the second.
#[must_use]
pub fn now() -> String {
    let t = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn list_sessions(dirs: &Dirs, format: Format) -> Result<ExitCode> {
    let store = store(dirs);
    let last = store.last();
    let found = store.list();
    if format == Format::Json {
        let sessions: Vec<_> = found
            .iter()
            .map(|r| match r {
                Ok(i) => json!({
                    "name": i.name, "checklist": i.checklist, "updated": i.updated,
                    "answered": i.answered, "last": last.as_deref() == Some(&i.name),
                }),
                Err(e) => json!({ "error": e.to_string() }),
            })
            .collect();
        return print_json(&json!({ "sessions": sessions }));
    }
    if found.is_empty() {
        return print(&format!(
            "no sessions yet in {} (start one with `preflight --session NAME`)\n",
            store.dir().display()
        ));
    }
    let mut s = String::new();
    for r in &found {
        match r {
            Ok(i) => {
                let mark = if last.as_deref() == Some(&i.name) {
                    "*"
                } else {
                    " "
                };
                let _ = writeln!(
                    s,
                    "{mark} {:24} {:28} {:>4} answered  updated {}",
                    i.name, i.checklist, i.answered, i.updated
                );
            }
            Err(e) => {
                let _ = writeln!(s, "! {e}");
            }
        }
    }
    print(&s)
}

fn new_session(dirs: &Dirs, name: &str, checklist: &str) -> Result<ExitCode> {
    let lib = library(dirs)?;
    let c = lib.get(checklist)?;
    let store = store(dirs);
    let _lock = store.lock(name)?;
    if store.exists(name) {
        return Err(eyre!("session `{name}` already exists"));
    }
    store.save(&Assessment::new(name, c, &now()))?;
    println!("created session `{name}` with {} {}", c.id, c.version);
    Ok(ExitCode::SUCCESS)
}

/// Loads a session with its checklist.
fn open(dirs: &Dirs, name: &str) -> Result<(Assessment, Library)> {
    let a = store(dirs).load(name)?;
    let lib = library(dirs)?;
    lib.get(&a.checklist.id)
        .wrap_err_with(|| format!("session `{name}` uses a checklist that is not installed"))?;
    Ok((a, lib))
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Hidden => "not_asked",
        Status::Unanswered => "unanswered",
        Status::Done => "done",
        Status::Failed => "failed",
        Status::NotApplicable => "not_applicable",
    }
}

fn show_session(dirs: &Dirs, name: &str, format: Format) -> Result<ExitCode> {
    let (a, lib) = open(dirs, name)?;
    let c = lib.get(&a.checklist.id)?;
    let p = a.progress(c);
    if format == Format::Json {
        let items: Vec<_> = c
            .sections
            .iter()
            .flat_map(|s| s.items.iter().map(move |i| (s, i)))
            .map(|(s, i)| {
                let e = a.entries.get(&i.id);
                json!({
                    "id": i.id, "section": s.id, "prompt": i.prompt,
                    "severity": i.severity, "status": status_name(a.status(c, i)),
                    "response": e.and_then(|e| e.response.as_ref()),
                    "note": e.map(|e| e.note.as_str()).filter(|n| !n.is_empty()),
                    "by": e.map(|e| e.by.as_str()), "at": e.map(|e| e.at.as_str()),
                })
            })
            .collect();
        return print_json(&json!({
            "name": a.name,
            "checklist": a.checklist,
            "checklist_changed": a.checklist.hash != c.content_hash,
            "created": a.created,
            "updated": a.updated,
            "progress": {
                "asked": p.asked, "settled": p.settled, "failed": p.failed,
                "open_blockers": p.open_blockers, "percent": p.percent(),
            },
            "items": items,
            "orphans": a.orphans(c),
        }));
    }
    let mut s = format!(
        "{} — {} {} — {}% ({} of {} asked items settled), {} failed, {} open blockers\n",
        a.name,
        c.id,
        c.version,
        p.percent(),
        p.settled,
        p.asked,
        p.failed,
        p.open_blockers
    );
    for section in &c.sections {
        let sp = a.section_progress(c, section);
        if sp.asked == 0 {
            continue;
        }
        let _ = writeln!(s, "\n{} ({}/{})", section.title, sp.settled, sp.asked);
        for item in &section.items {
            let status = a.status(c, item);
            if status == Status::Hidden {
                continue;
            }
            let answer = a
                .response(&item.id)
                .map_or_else(|| "—".to_owned(), ToString::to_string);
            let _ = writeln!(s, "  {} {:40} {}", status_name(status), item.id, answer);
            let note = a.note(&item.id);
            if !note.is_empty() {
                let _ = writeln!(s, "      note: {note}");
            }
        }
    }
    for orphan in a.orphans(c) {
        let _ = writeln!(s, "  (kept) {orphan}: no longer in the checklist");
    }
    print(&s)
}

fn answer(
    dirs: &Dirs,
    name: &str,
    item: &str,
    value: &str,
    note: Option<&str>,
) -> Result<ExitCode> {
    let store = store(dirs);
    let _lock = store.lock(name)?;
    let (mut a, lib) = open(dirs, name)?;
    let c = lib.get(&a.checklist.id)?;
    let Some(it) = c.item(item) else {
        eprintln!(
            "error: no item `{item}` in {} (see `preflight checklist show {}`)",
            c.id, c.id
        );
        return Ok(ExitCode::from(1));
    };
    let response = if matches!(value.trim().to_ascii_lowercase().as_str(), "n/a" | "na") {
        Response::NotApplicable {
            reason: note.unwrap_or_default().to_owned(),
        }
    } else {
        match Value::parse(&it.kind, value) {
            Ok(v) => Response::Value(v),
            Err(e) => {
                eprintln!("error: {item}: {e}");
                return Ok(ExitCode::from(1));
            }
        }
    };
    let (by, at) = (user(), now());
    if let Err(e) = a.answer(c, item, response, &by, &at) {
        eprintln!("error: {item}: {e}");
        return Ok(ExitCode::from(1));
    }
    if let Some(n) = note {
        a.set_note(c, item, n, &by, &at)?;
    }
    if !a.is_asked(c, it)
        && let Some(w) = &it.when
    {
        eprintln!(
            "warning: {item} is recorded, but it is not asked while its condition ({w}) does not hold"
        );
    }
    store.save(&a)?;
    println!(
        "{item} = {}",
        a.response(item)
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
