//! `checklists` and `checklist validate|show|probes`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use color_eyre::eyre::{Result, eyre};
use serde_json::json;

use super::{Format, library, print, print_json};
use crate::checklist::{Checklist, ChecklistError};
use crate::library::Library;
use crate::paths::Dirs;
use crate::rules as probe;

pub fn list_checklists(dirs: &Dirs, format: Format) -> Result<ExitCode> {
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

pub fn validate(files: &[PathBuf]) -> Result<ExitCode> {
    let mut bad = false;
    for file in files {
        match Checklist::load(file) {
            Ok(c) => outln!(
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
                errln!("{e}");
            }
        }
    }
    Ok(if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn show_checklist(dirs: &Dirs, id: &str, format: Format) -> Result<ExitCode> {
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

pub fn probes_text() -> String {
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
