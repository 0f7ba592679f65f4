//! `init` and `site validate|import|export|show`: the site's facts as files and in sessions.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr, eyre};

use super::{Format, library, print, print_json};
use crate::paths::Dirs;
use crate::site::changes::{self, Kind};
use crate::site::{Site, SiteError, example};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Add the port rules the checklist's guide lists (its port tables), to map onto your hosts.
    #[arg(long, value_name = "ID")]
    pub checklist: Option<String>,
    /// Write the file here instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum SiteCommand {
    /// Check a site file (TOML, or a port workbook as CSV) and print every problem.
    Validate { file: PathBuf },
    /// Add a site file's facts (TOML, or a port workbook as CSV) to a session's site: every
    /// entry it adds, changes or lacks is listed; additions and changes are applied, and
    /// entries the file lacks are kept unless `--replace`.
    Import {
        session: String,
        file: PathBuf,
        /// Take the file as the whole site: entries it lacks are removed.
        #[arg(long)]
        replace: bool,
    },
    /// Write a session's site as TOML.
    Export {
        session: String,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print a session's site.
    Show {
        session: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

pub fn init(dirs: &Dirs, args: &InitArgs) -> Result<ExitCode> {
    let mut text = example::EXAMPLE.to_owned();
    if let Some(id) = &args.checklist {
        let lib = library(dirs)?;
        let checklist = lib.get(id)?;
        // The example already has a few of the guide's rows; add the others.
        let shown = Site::parse(example::EXAMPLE, Path::new("example"))?.ports;
        let template = Site {
            ports: example::template_ports(checklist)
                .into_iter()
                .filter(|r| {
                    !shown
                        .iter()
                        .any(|s| s.from == r.from && s.to == r.to && s.ports == r.ports)
                })
                .collect(),
            ..Site::default()
        };
        let _ = write!(
            text,
            "\n# The port rules of {} {} (the guide's port tables). Replace the guide's role names\n# with yours or give your hosts these roles; delete the rows of components you don't run.\n\n",
            checklist.id, checklist.version
        );
        text.push_str(&template.to_toml()?);
    }
    match &args.out {
        None => print(&text),
        Some(path) => {
            if path.exists() && !args.force {
                return Err(eyre!(
                    "{} exists; choose another name or add --force to replace it",
                    path.display()
                ));
            }
            fs::write(path, text).wrap_err_with(|| format!("cannot write {}", path.display()))?;
            errln!("wrote {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn run(dirs: &Dirs, command: &SiteCommand) -> Result<ExitCode> {
    match command {
        SiteCommand::Validate { file } => validate(file),
        SiteCommand::Import {
            session,
            file,
            replace,
        } => import(dirs, session, file, *replace),
        SiteCommand::Export { session, out } => export(dirs, session, out.as_deref()),
        SiteCommand::Show { session, format } => show(dirs, session, *format),
    }
}

/// Loads a site file; an invalid one prints its problems and gives exit code 1.
pub fn load(file: &Path) -> Result<std::result::Result<Site, ExitCode>> {
    match Site::load(file) {
        Ok(site) => Ok(Ok(site)),
        Err(SiteError::Invalid(d)) => {
            errln!("{d}");
            Ok(Err(ExitCode::from(1)))
        }
        Err(e) => Err(e.into()),
    }
}

fn validate(file: &Path) -> Result<ExitCode> {
    Ok(match load(file)? {
        Ok(site) => {
            outln!(
                "{}: ok ({} hosts, {} names, {} port rules, {} TLS endpoints, {} SQL instances, {} certificate files)",
                file.display(),
                site.hosts.len(),
                site.names.len(),
                site.ports.len(),
                site.tls.len(),
                site.sql.len(),
                site.certfiles.len()
            );
            ExitCode::SUCCESS
        }
        Err(code) => code,
    })
}

fn import(dirs: &Dirs, session: &str, file: &Path, replace: bool) -> Result<ExitCode> {
    let store = Store::new(dirs.sessions());
    let _lock = store.lock(session)?;
    let mut a = store.load(session)?;
    let site = match load(file)? {
        Ok(site) => site,
        Err(code) => return Ok(code),
    };
    let workbook = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let said = if replace {
        a.site.replace(site)
    } else {
        a.site
            .merge(&site, workbook.then_some(changes::WORKBOOK_TABLES))?
    };
    let count = |k: Kind| said.iter().filter(|c| c.kind == k).count();
    let (added, changed, removed) = (
        count(Kind::Added),
        count(Kind::Changed),
        count(Kind::Removed),
    );
    if added + changed > 0 || (replace && removed > 0) {
        a.updated = crate::stamp::now();
        store.save(&a)?;
    }
    // Saved first: what is said after may go to a closed pipe.
    let mut text = String::new();
    for c in &said {
        if c.kind == Kind::Removed && !replace {
            let _ = writeln!(
                text,
                "  kept {} {} (not in {}; --replace removes it)",
                c.table,
                c.key,
                file.display()
            );
        } else {
            let _ = writeln!(text, "  {c}");
        }
    }
    let s = &a.site;
    let _ = writeln!(
        text,
        "{session}: {added} added, {changed} changed, {} from {}; site now has {} hosts, {} names, {} port rules, {} TLS endpoints, {} SQL instances, {} certificate files",
        if replace {
            format!("{removed} removed")
        } else {
            format!("{removed} not in the file kept")
        },
        file.display(),
        s.hosts.len(),
        s.names.len(),
        s.ports.len(),
        s.tls.len(),
        s.sql.len(),
        s.certfiles.len()
    );
    print(&text)
}

fn export(dirs: &Dirs, session: &str, out: Option<&Path>) -> Result<ExitCode> {
    let a = Store::new(dirs.sessions()).load(session)?;
    let text = a.site.to_toml()?;
    match out {
        None => print(&text),
        Some(path) => {
            fs::write(path, text).wrap_err_with(|| format!("cannot write {}", path.display()))?;
            errln!("wrote {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn show(dirs: &Dirs, session: &str, format: Format) -> Result<ExitCode> {
    let a = Store::new(dirs.sessions()).load(session)?;
    if format == Format::Json {
        return print_json(&serde_json::to_value(&a.site)?);
    }
    print(&a.site.to_toml()?)
}
