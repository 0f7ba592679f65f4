//! The finish screen's state and handlers: the findings of the assessment at hand (derived
//! when drawn, never stored), the open blockers (Enter goes to the item in the interview), and
//! the report's actions: build, sign, export HTML and Markdown, with the key and the folder
//! they use and the files written so far.
//!
//! Handlers only change state and queue an [`Effect::Finish`]; [`carry_out`] is that effect,
//! run by the event loop, and the only code here that touches the disk. A passphrase lives in
//! the masked field while it is typed and in the one effect that opens the key with it; it is
//! never kept in the state, saved or shown.

use std::fmt;
use std::path::{Path, PathBuf};

use super::app::{Action, App, Effect, Level, Screen};
use super::editor::LineEditor;
use super::interview::{Filter, Focus};
use crate::checklist::Checklist;
use crate::report::files::{self, Format, ReportFiles};
use crate::report::sign::{self, SignError};
use crate::report::{Findings, Report};
use ssh_key::PrivateKey;

/// What the finish screen does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Build,
    Sign,
    Html,
    Markdown,
    /// Type the signing key's path.
    KeyPath,
    /// Type the folder the report's files go to.
    Folder,
}

impl Command {
    /// The report actions, in the order the screen lists them (keys 1 to 4).
    pub const ACTIONS: [Command; 4] = [
        Command::Build,
        Command::Sign,
        Command::Html,
        Command::Markdown,
    ];

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Command::Build => "Build the report",
            Command::Sign => "Sign it",
            Command::Html => "Export HTML",
            Command::Markdown => "Export Markdown",
            Command::KeyPath => "Signing key",
            Command::Folder => "Folder",
        }
    }
}

/// The field being typed on the finish screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    KeyPath,
    Folder,
    /// Masked; what is typed goes to one [`Job`] and nowhere else.
    Passphrase,
}

/// A passphrase or password on its way to where it is used: its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: String) -> Self {
        Self(text)
    }

    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// One report action for the event loop to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub command: Command,
    pub folder: PathBuf,
    pub key: PathBuf,
    pub passphrase: Option<Secret>,
}

/// The finish screen's state.
#[derive(Debug, Clone, Default)]
pub struct Finish {
    /// Over the open blockers, then the four actions.
    pub cursor: usize,
    /// The key `keygen` makes, used unless another path is typed in.
    pub default_key: PathBuf,
    /// Where sessions are kept; the report's files go next to the session by default.
    pub sessions_dir: PathBuf,
    /// A key path typed in (`None`: the default).
    pub key: Option<PathBuf>,
    /// A folder typed in (`None`: next to the session).
    pub folder: Option<PathBuf>,
    pub editing: Option<(Field, LineEditor)>,
    /// The files written, in order: what, where.
    pub written: Vec<(String, PathBuf)>,
    /// The assessment's last change when its report was last built, to say when it is stale.
    pub built_from: Option<String>,
    /// Who signed the report last written, in words.
    pub signed_by: Option<String>,
    /// An action waiting for the key's passphrase.
    pub pending: Option<Command>,
}

impl Finish {
    /// The folder the report's files go to for session `name`.
    #[must_use]
    pub fn folder_for(&self, name: &str) -> PathBuf {
        self.folder
            .clone()
            .unwrap_or_else(|| self.sessions_dir.join(format!("{name}.report")))
    }

    #[must_use]
    pub fn key_path(&self) -> PathBuf {
        self.key.clone().unwrap_or_else(|| self.default_key.clone())
    }

    /// Forgets what belongs to the session shown before (the key and folder defaults stay).
    pub fn reset(&mut self) {
        *self = Self {
            default_key: std::mem::take(&mut self.default_key),
            sessions_dir: std::mem::take(&mut self.sessions_dir),
            ..Self::default()
        };
    }

    /// Whether a field has the keyboard.
    #[must_use]
    pub fn typing(&self) -> bool {
        self.editing.is_some()
    }
}

/// The open blockers of the assessment at hand, in checklist order: (item id, not answered).
#[must_use]
pub fn blockers(app: &App) -> Vec<(String, bool)> {
    app.current().map_or_else(Vec::new, |(c, iv)| {
        Findings::of(&iv.assessment, c)
            .blockers()
            .map(|f| {
                (
                    f.id.clone(),
                    f.readiness == crate::report::Readiness::Unanswered,
                )
            })
            .collect()
    })
}

/// Opens the finish screen (from the interview).
pub fn open(app: &mut App) {
    if app.interview.is_none() {
        return;
    }
    app.flush_drafts();
    app.finish.editing = None;
    let rows = blockers(app).len() + Command::ACTIONS.len();
    app.finish.cursor = app.finish.cursor.min(rows - 1);
    app.screen = Screen::Finish;
}

/// Handles an action on the finish screen.
pub fn update(app: &mut App, action: &Action) {
    if app.finish.editing.is_some() {
        return on_field(app, action);
    }
    let blockers = blockers(app);
    let rows = blockers.len() + Command::ACTIONS.len();
    let f = &mut app.finish;
    match action {
        Action::Quit => {
            app.quit = true;
        }
        Action::Up => f.cursor = f.cursor.saturating_sub(1),
        Action::Down => f.cursor = (f.cursor + 1).min(rows - 1),
        Action::Top => f.cursor = 0,
        Action::Bottom => f.cursor = rows - 1,
        Action::PageUp => f.cursor = f.cursor.saturating_sub(10),
        Action::PageDown => f.cursor = (f.cursor + 10).min(rows - 1),
        Action::Select => {
            if let Some((id, _)) = blockers.get(f.cursor) {
                let id = id.clone();
                go_to(app, &id);
            } else {
                let command = Command::ACTIONS[f.cursor - blockers.len()];
                run(app, command);
            }
        }
        Action::Finish(command) => run(app, *command),
        Action::Back | Action::ShowFinish => app.screen = Screen::Interview,
        _ => {}
    }
}

/// Queues a report action, or opens the field it needs.
fn run(app: &mut App, command: Command) {
    let Some(name) = app.current().map(|(_, iv)| iv.assessment.name.clone()) else {
        return;
    };
    let f = &mut app.finish;
    match command {
        Command::KeyPath => {
            let text = f.key_path().display().to_string();
            f.editing = Some((Field::KeyPath, LineEditor::new(&text)));
        }
        Command::Folder => {
            let text = f.folder_for(&name).display().to_string();
            f.editing = Some((Field::Folder, LineEditor::new(&text)));
        }
        Command::Sign if !f.key_path().exists() => {
            let key = f.key_path();
            app.say(
                Level::Error,
                format!(
                    "no key at {}: make one with `preflight keygen`, or press K to type the path of an OpenSSH Ed25519 key",
                    key.display()
                ),
            );
        }
        _ => {
            let job = Job {
                command,
                folder: f.folder_for(&name),
                key: f.key_path(),
                passphrase: None,
            };
            app.effects.push(Effect::Finish(job));
        }
    }
}

fn on_field(app: &mut App, action: &Action) {
    let Some((field, mut editor)) = app.finish.editing.take() else {
        return;
    };
    match action {
        Action::Type(key) => {
            editor.handle(*key);
            app.finish.editing = Some((field, editor));
        }
        Action::Select => {
            let text = editor.text().trim().to_owned();
            match field {
                Field::KeyPath if !text.is_empty() => app.finish.key = Some(PathBuf::from(text)),
                Field::Folder if !text.is_empty() => {
                    app.finish.folder = Some(PathBuf::from(text));
                }
                Field::KeyPath | Field::Folder => {}
                Field::Passphrase => {
                    let command = app.finish.pending.take().unwrap_or(Command::Sign);
                    let Some(name) = app.current().map(|(_, iv)| iv.assessment.name.clone()) else {
                        return;
                    };
                    let f = &app.finish;
                    app.effects.push(Effect::Finish(Job {
                        command,
                        folder: f.folder_for(&name),
                        key: f.key_path(),
                        passphrase: Some(Secret(editor.text().to_owned())),
                    }));
                }
            }
        }
        Action::Back => {
            if field == Field::Passphrase {
                let was = app.finish.pending.take();
                app.say(
                    Level::Info,
                    if was == Some(Command::Html) {
                        "the page was not exported"
                    } else {
                        "not signed"
                    },
                );
            }
        }
        // Up, Down and the like keep the field open.
        _ => app.finish.editing = Some((field, editor)),
    }
}

/// Back to the interview, on the item.
fn go_to(app: &mut App, id: &str) {
    let Some(iv) = app.interview.as_mut() else {
        return;
    };
    let c = &app.library[iv.checklist];
    let Some((section, _)) = c.position(id) else {
        return;
    };
    iv.search = None;
    iv.filter = Filter::All;
    iv.edit = None;
    iv.focus = Focus::Items;
    iv.section = section;
    iv.detail_scroll = 0;
    iv.cursor = iv
        .rows(c)
        .iter()
        .position(|r| c.sections[r.section].items[r.item].id == id)
        .unwrap_or(0);
    app.screen = Screen::Interview;
}

/// Carries out a report action: the effect, run by the event loop. Every failure becomes a
/// notice in words; nothing here panics or ends the TUI.
pub fn carry_out(app: &mut App, job: &Job, now: &str) {
    let Some((checklist, iv)) = app.current() else {
        return;
    };
    let report = Report::build(&iv.assessment, checklist, now);
    let updated = iv.assessment.updated.clone();
    let out = ReportFiles {
        dir: job.folder.clone(),
    };
    let result = match job.command {
        Command::Build => build(app, &out, &report, &updated),
        Command::Sign => sign_job(app, &out, &report, &updated, job, now),
        Command::Html => match page_key(app, &out, job) {
            PageKey::Asked => Ok(()),
            PageKey::Key(key) => export(app, &out, &report, &updated, Format::Html, key.as_deref()),
        },
        Command::Markdown => export(app, &out, &report, &updated, Format::Markdown, None),
        Command::KeyPath | Command::Folder => Ok(()),
    };
    if let Err(e) = result {
        app.say(Level::Error, e);
    }
}

fn wrote(app: &mut App, what: &str, path: &Path) {
    let f = &mut app.finish;
    f.written.retain(|(_, p)| p != path);
    f.written.push((what.to_owned(), path.to_owned()));
}

fn build(app: &mut App, out: &ReportFiles, report: &Report, updated: &str) -> Result<(), String> {
    files::write_report(&out.json(), report).map_err(|e| e.to_string())?;
    app.finish.built_from = Some(updated.to_owned());
    app.finish.signed_by = None;
    wrote(app, "report", &out.json());
    let f = &report.findings;
    app.say(
        Level::Info,
        format!(
            "report built, unsigned ({}, {}% ready, {} open blockers): {}",
            f.verdict.replace('_', " "),
            f.score,
            f.counts.open_blockers,
            out.json().display()
        ),
    );
    Ok(())
}

/// Builds the report afresh (what is signed is what is on screen) and signs it.
fn sign_job(
    app: &mut App,
    out: &ReportFiles,
    report: &Report,
    updated: &str,
    job: &Job,
    now: &str,
) -> Result<(), String> {
    let passphrase = job.passphrase.as_ref().map(|s| s.0.as_str());
    let key = match sign::load_key(&job.key, passphrase) {
        Err(SignError::Encrypted(_) | SignError::WrongPassphrase(_)) => {
            let again = passphrase.is_some();
            app.finish.pending = Some(Command::Sign);
            app.finish.editing = Some((Field::Passphrase, LineEditor::default()));
            app.say(
                if again { Level::Error } else { Level::Info },
                if again {
                    "that passphrase does not open the key: type it again (Esc: do not sign)"
                } else {
                    "the key is protected by a passphrase: type it (it is not kept; Esc: do not sign)"
                },
            );
            return Ok(());
        }
        other => other.map_err(|e| e.to_string())?,
    };
    let json = out.json();
    files::write_report(&json, report).map_err(|e| e.to_string())?;
    app.finish.built_from = Some(updated.to_owned());
    let user = app.user.clone();
    let signed = files::sign_file(&json, &key, &user, now).map_err(|e| e.to_string())?;
    let who = format!("{} ({})", signed.signer.identity, signed.signer.fingerprint);
    app.finish.signed_by = Some(who.clone());
    wrote(app, "report", &json);
    wrote(app, "signature", &signed.sig);
    app.say(
        Level::Info,
        format!("report built and signed by {who}: {}", json.display()),
    );
    Ok(())
}

/// The key to sign an HTML page with, or that its passphrase was asked for.
enum PageKey {
    Key(Option<Box<PrivateKey>>),
    Asked,
}

/// The signing key for a page: the finish screen's key when it signed the report beside it
/// (its passphrase asked for when it has one); none, with a notice, when it is not at hand.
fn page_key(app: &mut App, out: &ReportFiles, job: &Job) -> PageKey {
    let signer = std::fs::read(out.json())
        .ok()
        .and_then(|b| Report::from_bytes(&b).ok())
        .and_then(|r| r.signer);
    let Some(signer) = signer.filter(|_| out.sig().exists()) else {
        return PageKey::Key(None);
    };
    let passphrase = job.passphrase.as_ref().map(|s| s.0.as_str());
    match sign::load_key(&job.key, passphrase) {
        Ok(key) if sign::fingerprint(key.public_key()) == signer.fingerprint => {
            PageKey::Key(Some(Box::new(key)))
        }
        Err(SignError::Encrypted(_) | SignError::WrongPassphrase(_)) => {
            let again = passphrase.is_some();
            app.finish.pending = Some(Command::Html);
            app.finish.editing = Some((Field::Passphrase, LineEditor::default()));
            app.say(
                if again { Level::Error } else { Level::Info },
                if again {
                    "that passphrase does not open the key: type it again to sign the page (Esc: do not export)"
                } else {
                    "the page is signed with the key that signed the report: type its passphrase (it is not kept; Esc: do not export)"
                },
            );
            PageKey::Asked
        }
        _ => {
            app.say(
                Level::Warn,
                format!(
                    "the page is not signed as a page ({} did not sign the report): it verifies only while preflight draws it the same way",
                    job.key.display()
                ),
            );
            PageKey::Key(None)
        }
    }
}

/// Exports the report last written (built first if there is none).
fn export(
    app: &mut App,
    out: &ReportFiles,
    report: &Report,
    updated: &str,
    format: Format,
    page_key: Option<&PrivateKey>,
) -> Result<(), String> {
    if !out.json().exists() {
        build(app, out, report, updated)?;
    }
    let target = out.export(format);
    let done = files::export_file(&out.json(), format, &target, true, page_key)
        .map_err(|e| e.to_string())?;
    let what = match format {
        Format::Html => "HTML page",
        Format::Markdown => "Markdown",
    };
    wrote(app, what, &target);
    app.finish.built_from = Some(done.report.assessment.updated.clone());
    let stale = done.report.assessment.updated != updated;
    let text = match (done.signed, stale) {
        (_, true) => format!(
            "{what} written from the report last built, which is older than the answers (build or sign again): {}",
            target.display()
        ),
        (true, false) => format!("{what} written, signed: {}", target.display()),
        (false, false) => format!(
            "{what} written, unsigned (2 signs, then export again): {}",
            target.display()
        ),
    };
    app.say(if stale { Level::Warn } else { Level::Info }, text);
    Ok(())
}

/// The checklist and its findings for the finish view.
#[must_use]
pub fn findings(app: &App) -> Option<(&Checklist, Findings)> {
    app.current()
        .map(|(c, iv)| (c, Findings::of(&iv.assessment, c)))
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::report::load::{Check, Input};
    use crate::report::sign::Trust;

    const PASS: &str = "pass phrase";

    fn typed(app: &mut App, text: &str) {
        for c in text.chars() {
            let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
            app.update(Action::Type(key), "t1");
        }
    }

    /// Runs the queued effects the way the event loop does.
    fn run_effects(app: &mut App) {
        for effect in std::mem::take(&mut app.effects) {
            if let Effect::Finish(job) = effect {
                carry_out(app, &job, "2026-11-22T12:00:00Z");
            }
        }
    }

    fn notice(app: &App) -> String {
        app.notice
            .as_ref()
            .map(|n| n.text.clone())
            .unwrap_or_default()
    }

    #[test]
    fn sign_asks_for_the_passphrase_then_exports_a_page_that_verifies() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = sign::keygen(&dir.path().join("config"), "ana", Some(PASS)).expect("keygen");
        let mut app = crate::tui::test_app();
        app.finish.default_key.clone_from(&key.path);
        app.finish.sessions_dir = dir.path().join("sessions");
        app.update(Action::ShowFinish, "t1");
        assert_eq!(app.screen, Screen::Finish);

        app.update(Action::Finish(Command::Sign), "t1");
        run_effects(&mut app);
        assert!(matches!(app.finish.editing, Some((Field::Passphrase, _))));
        assert!(app.typing(), "letters go to the passphrase");
        typed(&mut app, "wrong");
        app.update(Action::Select, "t1");
        assert!(
            !format!("{:?}", app.effects).contains("wrong"),
            "{:?}",
            app.effects
        );
        run_effects(&mut app);
        assert!(
            notice(&app).contains("does not open the key"),
            "{}",
            notice(&app)
        );
        assert!(matches!(app.finish.editing, Some((Field::Passphrase, _))));
        typed(&mut app, PASS);
        app.update(Action::Select, "t1");
        run_effects(&mut app);
        assert!(app.finish.editing.is_none());
        assert!(notice(&app).contains("signed by ana"), "{}", notice(&app));

        let files = ReportFiles {
            dir: dir.path().join("sessions/s.report"),
        };
        assert!(files.json().exists() && files.sig().exists());
        // The page is signed as a page with the same key: its passphrase is asked for again.
        app.update(Action::Finish(Command::Html), "t1");
        run_effects(&mut app);
        assert!(
            notice(&app).contains("type its passphrase"),
            "{}",
            notice(&app)
        );
        typed(&mut app, PASS);
        app.update(Action::Select, "t1");
        run_effects(&mut app);
        app.update(Action::Finish(Command::Markdown), "t1");
        run_effects(&mut app);
        let written: Vec<&str> = app.finish.written.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(written, ["report", "signature", "HTML page", "Markdown"]);
        let md = std::fs::read_to_string(files.markdown()).expect("markdown");
        assert!(md.contains("- Signer: ana"), "{md}");
        let page = Input::read(&files.html(), None).expect("the page");
        let html = std::fs::read_to_string(files.html()).expect("page");
        assert!(
            html.contains("id=\"preflight-page-signature\""),
            "not signed as a page"
        );
        let public = sign::load_public_key(&key.public_path).expect("public key");
        assert!(
            matches!(page.check(&Trust::Key(public)), Check::Signed(s) if s.verified.trusted),
            "the exported page verifies"
        );
        for file in [files.json(), files.sig(), files.html(), files.markdown()] {
            let text = std::fs::read_to_string(&file).expect("read");
            assert!(!text.contains(PASS), "{}", file.display());
        }
        // A note after signing: the export says the report is older than the answers.
        app.update(Action::Back, "t1");
        app.update(Action::EditNote, "t2");
        typed(&mut app, "later");
        app.update(Action::Select, "t2");
        app.update(Action::ShowFinish, "t2");
        app.effects.clear();
        app.update(Action::Finish(Command::Html), "t2");
        run_effects(&mut app);
        typed(&mut app, PASS);
        app.update(Action::Select, "t2");
        run_effects(&mut app);
        assert!(
            notice(&app).contains("older than the answers"),
            "{}",
            notice(&app)
        );
    }

    #[test]
    fn failures_are_said_in_words() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut app = crate::tui::test_app();
        app.finish.default_key = dir.path().join("no-such-key");
        app.finish.sessions_dir = dir.path().join("sessions");
        app.update(Action::ShowFinish, "t1");
        app.update(Action::Finish(Command::Sign), "t1");
        assert!(app.effects.is_empty());
        assert!(notice(&app).contains("no key at"), "{}", notice(&app));
        assert!(
            notice(&app).contains("preflight keygen"),
            "{}",
            notice(&app)
        );

        // A folder that cannot be made: under a file.
        let file = dir.path().join("plain-file");
        std::fs::write(&file, "x").expect("write");
        app.update(Action::Finish(Command::Folder), "t1");
        assert!(matches!(app.finish.editing, Some((Field::Folder, _))));
        app.finish.editing = Some((
            Field::Folder,
            LineEditor::new(&file.join("sub").display().to_string()),
        ));
        app.update(Action::Select, "t1");
        app.update(Action::Finish(Command::Build), "t1");
        run_effects(&mut app);
        assert_eq!(app.notice.as_ref().map(|n| n.level), Some(Level::Error));
        assert!(notice(&app).contains("cannot write"), "{}", notice(&app));
        assert_eq!(app.screen, Screen::Finish);
    }
}
