//! The command line: one clap tree, each command a thin function over the library. Errors
//! become color-eyre reports here and nowhere else. Exit codes: 0 all good, 1 findings (an
//! invalid checklist, a refused answer), 2 error.

/// `println!` that never panics: when stdout is closed (`| head`, a pager quit early) the text
/// is lost and the command carries on, so whatever it writes to files is still written.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that never panics: a closed stderr (`2>&1 | head -1`) loses only the text.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cert;
mod checklists;
mod dns;
mod hosts;
mod listen;
mod polite;
mod probe;
mod report;
mod rules;
mod secret;
mod sessions;
mod site;
mod sql;
mod tcp;
mod tls;

use std::io::{self, IsTerminal as _, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use color_eyre::eyre::Result;

use crate::library::Library;
use crate::paths::Dirs;

#[derive(Debug, Parser)]
#[command(
    name = "preflight",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("PREFLIGHT_COMMIT"), ")"),
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
    /// Write an annotated example site file.
    Init(site::InitArgs),
    /// Check site files and keep a session's site.
    #[command(subcommand)]
    Site(site::SiteCommand),
    /// Run the probes a site calls for from this machine (DNS, hosts file, TCP port rules).
    Probe(probe::Args),
    /// Inspect certificate files (PEM, DER, PKCS#7, PKCS#12) and convert a PFX to PEM.
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// Every protocol and cipher suite a TLS server accepts, its certificate and trust.
    Tls(tls::Args),
    /// What a SQL Server really is: version, edition, AlwaysOn, mirroring, the login's rights
    /// and backups, each fact with its query.
    Sql(sql::Args),
    /// Check that TCP ports answer: open, refused, filtered, unreachable or name error.
    Tcp(tcp::Args),
    /// Open the ports a service will use, so firewall rules can be tested before it exists.
    Listen(listen::Args),
    /// Resolve names through the system resolver and given resolvers, and compare.
    Dns(dns::Args),
    /// Read a hosts file and check the entries a site needs.
    Hosts(hosts::Args),
    /// Make an Ed25519 key for signing reports, in the config directory.
    Keygen(report::KeygenArgs),
    /// Build, sign and verify the readiness report.
    #[command(subcommand)]
    Report(report::ReportCommand),
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
            errln!("error: {report:?}");
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
        Some(Command::Checklists { format }) => checklists::list_checklists(&dirs, format),
        Some(Command::Checklist(c)) => match c {
            ChecklistCommand::Validate { files } => checklists::validate(&files),
            ChecklistCommand::Show { id, format } => checklists::show_checklist(&dirs, &id, format),
            ChecklistCommand::Probes => print(&checklists::probes_text()),
        },
        Some(Command::Session(s)) => match s {
            SessionCommand::List { format } => sessions::list_sessions(&dirs, format),
            SessionCommand::New { name, checklist } => {
                sessions::new_session(&dirs, &name, &checklist)
            }
            SessionCommand::Show { name, format } => sessions::show_session(&dirs, &name, format),
            SessionCommand::Answer {
                name,
                item,
                value,
                note,
            } => sessions::answer(&dirs, &name, &item, &value, note.as_deref()),
        },
        Some(Command::Init(args)) => site::init(&dirs, &args),
        Some(Command::Site(command)) => site::run(&dirs, &command),
        Some(Command::Probe(args)) => probe::run(&dirs, &args),
        Some(Command::Cert(command)) => cert::run(&command),
        Some(Command::Tcp(args)) => tcp::run(&args),
        Some(Command::Tls(args)) => tls::run(&dirs, &args),
        Some(Command::Sql(args)) => sql::run(&dirs, &args),
        Some(Command::Listen(args)) => listen::run(&args),
        Some(Command::Dns(args)) => dns::run(&args),
        Some(Command::Hosts(args)) => hosts::run(&args),
        Some(Command::Keygen(args)) => report::keygen(&dirs, &args),
        Some(Command::Report(command)) => report::run(&dirs, &command),
    }
}

/// Prints a command's output. A closed stdout is not an error: the reader has what it wanted,
/// and the command goes on to its exit code (and any file it still has to write).
fn print(text: &str) -> Result<ExitCode> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn print_json(value: &serde_json::Value) -> Result<ExitCode> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    print(&s)
}

fn library(dirs: &Dirs) -> Result<Library> {
    let lib = Library::load(&dirs.checklists())?;
    for (path, err) in &lib.problems {
        errln!("warning: skipping {}:\n{err}", path.display());
    }
    Ok(lib)
}
