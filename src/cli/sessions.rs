//! `session list|new|show|answer`: assessments without the TUI.

use std::fmt::Write as _;
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr, eyre};
use serde_json::json;

use super::{Format, library, print, print_json};
use crate::assessment::{Assessment, Response, Status, Value};
use crate::library::Library;
use crate::paths::Dirs;
use crate::stamp::{now, user};
use crate::store::Store;

fn store(dirs: &Dirs) -> Store {
    Store::new(dirs.sessions())
}

pub fn list_sessions(dirs: &Dirs, format: Format) -> Result<ExitCode> {
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

pub fn new_session(dirs: &Dirs, name: &str, checklist: &str) -> Result<ExitCode> {
    let lib = library(dirs)?;
    let c = lib.get(checklist)?;
    let store = store(dirs);
    let _lock = store.lock(name)?;
    if store.exists(name) {
        return Err(eyre!("session `{name}` already exists"));
    }
    store.save(&Assessment::new(name, c, &now()))?;
    outln!("created session `{name}` with {} {}", c.id, c.version);
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

pub fn show_session(dirs: &Dirs, name: &str, format: Format) -> Result<ExitCode> {
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
                    "probe": a.evidence(i).map(|ev| json!({
                        "verdict": ev.verdict,
                        "suggestion": ev.suggestion,
                        "results": ev.results.iter().map(|f| json!({
                            "vantage": f.vantage, "verdict": f.verdict,
                            "summary": f.summary, "at": f.at,
                        })).collect::<Vec<_>>(),
                    })),
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

pub fn answer(
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
        errln!(
            "error: no item `{item}` in {} (see `preflight checklist show {}`)",
            c.id,
            c.id
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
                errln!("error: {item}: {e}");
                return Ok(ExitCode::from(1));
            }
        }
    };
    let (by, at) = (user(), now());
    if let Err(e) = a.answer(c, item, response, &by, &at) {
        errln!("error: {item}: {e}");
        return Ok(ExitCode::from(1));
    }
    if let Some(n) = note {
        a.set_note(c, item, n, &by, &at)?;
    }
    if !a.is_asked(c, it)
        && let Some(w) = &it.when
    {
        errln!(
            "warning: {item} is recorded, but it is not asked while its condition ({w}) does not hold"
        );
    }
    store.save(&a)?;
    outln!(
        "{item} = {}",
        a.response(item)
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
