//! The terminal interface: the interview over an assessment.
//!
//! One `tokio::select!` loop waits on key presses, a draft-save deadline and the signals that
//! close a terminal; it redraws only after something changed, so an idle TUI wakes up never.
//! `app` holds the state and its only mutator (`probes`, `site` and `finish` the state of those
//! views), `keys` turns keys into actions, `views` draws.

pub mod app;
pub mod editor;
pub mod finish;
pub mod interview;
pub mod keys;
pub mod probes;
pub mod site;
pub mod theme;
pub mod views;

use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, eyre};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;

use crate::assessment::Assessment;
use crate::library::Library;
use crate::paths::Dirs;
use crate::stamp::{now, user};
use crate::store::{SessionLock, Store, StoreError};
use std::sync::Arc;

use app::{Action, App, Effect, Level, Picker};
use tokio::sync::mpsc;

use crate::probe::plan::Task;
use crate::probe::run::{self, Env, Event as ProbeEvent, RunSpec};
use crate::stamp::hostname;

/// Drafts (text typed but not committed) are saved at most this long after the first keystroke
/// not yet on disk: a throttle, so steady typing is saved about once a second.
const DRAFT_SAVE_DELAY: Duration = Duration::from_millis(750);

/// How often a save that failed is tried again while no key is pressed.
const SAVE_RETRY: Duration = Duration::from_secs(2);

/// Opens the TUI on the named session, the last one, or the picker.
///
/// # Errors
/// When the terminal cannot be used, or the session asked for cannot be opened.
pub fn run(dirs: &Dirs, session: Option<&str>, checklist: Option<&str>) -> Result<()> {
    let lib = Library::load(&dirs.checklists())?;
    let problems: Vec<String> = lib
        .problems
        .iter()
        .map(|(p, e)| {
            format!(
                "skipped {}: {}",
                p.display(),
                e.to_string().lines().next().unwrap_or_default()
            )
        })
        .collect();
    let store = Store::new(dirs.sessions());
    let mut app = App::new(lib.checklists, sessions(&store), &user());
    let (events, probe_events) = mpsc::channel(256);
    let mut runner = Runner {
        store,
        lock: None,
        opened_at: None,
        job: None,
        events,
    };
    app.host = hostname();
    app.probes.sql_password_from_env = std::env::var_os(crate::probe::sql::PASSWORD_ENV).is_some();
    app.probes.pfx_password_from_env =
        std::env::var_os(crate::probe::certfile::PASSWORD_ENV).is_some();
    app.finish.default_key = dirs.config.join(crate::report::sign::KEY_FILE);
    app.finish.sessions_dir = dirs.sessions();
    match session {
        Some(name) if runner.store.exists(name) => {
            runner.open(&mut app, name)?;
            let existing = app.current().map(|(c, _)| c.id.clone());
            if let (Some(asked), Some(existing)) = (checklist, existing)
                && asked != existing
            {
                return Err(eyre!(
                    "session `{name}` already exists with checklist {existing}; drop --checklist or pick another name"
                ));
            }
        }
        Some(name) => {
            runner.store.path(name)?;
            if let Some(id) = checklist {
                let index = app
                    .library
                    .iter()
                    .position(|c| c.id == id)
                    .ok_or_else(|| eyre!("no checklist `{id}` (see `preflight checklists`)"))?;
                runner.create(&mut app, name, index)?;
            } else {
                app.new_name = Some(name.to_owned());
                app.picker = Picker::Checklists { cursor: 0 };
                app.say(
                    Level::Info,
                    format!("`{name}` is a new session: pick its checklist"),
                );
            }
        }
        None => {
            if let Some(last) = runner.store.last()
                && let Err(e) = runner.open(&mut app, &last)
            {
                app.say(Level::Error, format!("{e:#}"));
            }
        }
    }
    if let Some(p) = problems.first() {
        app.say(Level::Warn, p.clone());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let mut terminal = ratatui::init();
    let local = tokio::task::LocalSet::new();
    let result = local.block_on(
        &runtime,
        event_loop(&mut terminal, &mut app, &mut runner, probe_events),
    );
    ratatui::restore();
    result
}

fn sessions(store: &Store) -> Vec<crate::store::SessionInfo> {
    store.list().into_iter().filter_map(Result::ok).collect()
}

/// Carries out effects: the only place the TUI touches the disk or the network.
struct Runner {
    store: Store,
    lock: Option<SessionLock>,
    /// The `updated` stamp of the session as it was opened: a session opened read-only is
    /// written later only over that same file.
    opened_at: Option<String>,
    /// The probe run in progress; aborting it drops every probe it started.
    job: Option<tokio::task::JoinHandle<()>>,
    events: mpsc::Sender<ProbeEvent>,
}

impl Runner {
    fn open(&mut self, app: &mut App, name: &str) -> Result<()> {
        if app
            .current()
            .is_some_and(|(_, iv)| iv.assessment.name == name)
        {
            app.screen = app::Screen::Interview;
            return Ok(());
        }
        keep_unsaved(app)?;
        // Without its lock the session opens read-only (a full disk or a read-only data
        // directory): shown, never refused; another preflight holding it is still refused.
        let lock = match self.store.lock(name) {
            Ok(lock) => Some(lock),
            Err(e @ StoreError::Locked { .. }) => return Err(e.into()),
            Err(e) => {
                app.read_only = Some(e.to_string());
                None
            }
        };
        let assessment = self.store.load(name)?;
        let opened_at = assessment.updated.clone();
        app.open(assessment).map_err(|e| eyre!(e))?;
        if lock.is_some() {
            app.read_only = None;
        }
        self.lock = lock;
        self.opened_at = Some(opened_at);
        if let Some(why) = &app.read_only {
            app.say(
                Level::Warn,
                format!(
                    "READ-ONLY: {why}. Changes stay on screen and are saved once the session can \
                     be written"
                ),
            );
        } else if let Err(e) = self.store.set_last(name) {
            app.say(
                Level::Warn,
                format!("cannot remember this as the last session: {e}"),
            );
        }
        Ok(())
    }

    fn create(&mut self, app: &mut App, name: &str, checklist: usize) -> Result<()> {
        keep_unsaved(app)?;
        let lock = self.store.lock(name)?;
        if self.store.exists(name) {
            return Err(eyre!("a session named `{name}` already exists"));
        }
        let assessment = Assessment::new(name, &app.library[checklist], &now());
        self.store.save(&assessment)?;
        self.opened_at = Some(assessment.updated.clone());
        app.open(assessment).map_err(|e| eyre!(e))?;
        app.read_only = None;
        self.lock = Some(lock);
        if let Err(e) = self.store.set_last(name) {
            app.say(
                Level::Warn,
                format!("cannot remember this as the last session: {e}"),
            );
        }
        Ok(())
    }

    /// Writes the session on screen. A save that fails stays pending ([`App::unsaved`], drawn
    /// in the title bar) and is tried again on every later event, every few seconds, on quit
    /// and on the signals that close the TUI; the screen says when it finally saved.
    fn save(&mut self, app: &mut App) {
        if app.current().is_none() {
            return;
        }
        let result = self.writable(app).and_then(|()| {
            app.current().map_or(Ok(()), |(_, iv)| {
                self.store.save(&iv.assessment).map_err(|e| e.to_string())
            })
        });
        let at = clock(&now());
        match result {
            Ok(()) => {
                if let Some(u) = app.unsaved.take() {
                    app.say(
                        Level::Info,
                        format!(
                            "saved at {at}: the changes not saved since {} are on disk now",
                            u.since
                        ),
                    );
                }
            }
            Err(why) => {
                if let Some(u) = &mut app.unsaved {
                    u.tries += 1;
                    u.why = why;
                } else {
                    app.say(
                        Level::Error,
                        format!(
                            "NOT SAVED: {why}. It stays on screen and is tried again at every \
                             key, every few seconds, on quit and when the terminal closes"
                        ),
                    );
                    app.unsaved = Some(app::Unsaved {
                        since: at,
                        tries: 1,
                        why,
                    });
                }
            }
        }
    }

    /// Whether the session may be written: it holds the lock, or takes it now (a session opened
    /// read-only becomes writable once the lock can be made and the file on disk is still the
    /// one it opened, so no other preflight's work is overwritten).
    fn writable(&mut self, app: &mut App) -> Result<(), String> {
        let Some(why) = app.read_only.clone() else {
            return Ok(());
        };
        let Some((_, iv)) = app.current() else {
            return Ok(());
        };
        let name = iv.assessment.name.clone();
        let lock = self
            .store
            .lock(&name)
            .map_err(|e| format!("the session is open read-only ({why}); {e}"))?;
        let on_disk = self.store.load(&name).map_err(|e| e.to_string())?;
        if Some(&on_disk.updated) != self.opened_at.as_ref() {
            return Err(format!(
                "the session is open read-only and changed on disk since it was opened here \
                 (at {}): not overwritten",
                on_disk.updated
            ));
        }
        self.lock = Some(lock);
        app.read_only = None;
        Ok(())
    }

    fn run_probes(&mut self, app: &mut App, tasks: Vec<(usize, Task)>) -> Result<()> {
        let Some((_, iv)) = app.current() else {
            return Ok(());
        };
        // The same set-up as `preflight probe` from this vantage, this machine's resolver and
        // hosts file included (an outside vantage asks the external resolvers alone).
        let mut env = Env::for_run(
            &iv.assessment.site,
            &RunSpec {
                role: app.probes.vantage.clone(),
                system: true,
                ..RunSpec::default()
            },
        )
        .wrap_err("cannot set up the run")?;
        // SQL logins: the password typed in the probes view or from the environment, the
        // permissions to read from the checklist's SQL rules.
        env.sql.password = app
            .probes
            .sql_password
            .as_ref()
            .map(|s| s.expose().to_owned())
            .or_else(|| std::env::var(crate::probe::sql::PASSWORD_ENV).ok());
        env.sql.checks = app.library[iv.checklist].sql_checks();
        env.tls_required = app.library[iv.checklist].required_suites();
        // PFX files: the password typed in the probes view or from the environment; without
        // either the file rules are "could not tell" and say how to give it.
        env.pfx_password = app
            .probes
            .pfx_password
            .as_ref()
            .map(|s| s.expose().to_owned())
            .or_else(|| std::env::var(crate::probe::certfile::PASSWORD_ENV).ok());
        if let Some(old) = self.job.take() {
            old.abort();
        }
        let events = self.events.clone();
        // The TUI runs on one thread inside a `LocalSet`, so the run needs not be `Send`.
        self.job = Some(tokio::task::spawn_local(run::run(
            tasks,
            Arc::new(env),
            events,
        )));
        Ok(())
    }

    fn apply(&mut self, app: &mut App) {
        for effect in std::mem::take(&mut app.effects) {
            let result = match effect {
                Effect::Save => {
                    self.save(app);
                    Ok(())
                }
                Effect::RefreshSessions => {
                    app.sessions = sessions(&self.store);
                    Ok(())
                }
                Effect::RunProbes(tasks) => self.run_probes(app, tasks),
                Effect::CancelProbes => {
                    if let Some(job) = self.job.take() {
                        job.abort();
                    }
                    // The aborted run cannot say it ended; say it for it.
                    app.update(Action::Probe(ProbeEvent::Ended), &now());
                    app.say(Level::Info, "probe run stopped");
                    Ok(())
                }
                Effect::Open(name) => self.open(app, &name),
                Effect::Create { name, checklist } => self.create(app, &name, checklist),
                Effect::Finish(job) => {
                    finish::carry_out(app, &job, &now());
                    Ok(())
                }
            };
            if let Err(e) = result {
                app.say(Level::Error, format!("{e:#}"));
            }
        }
    }
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    runner: &mut Runner,
    mut probe_events: mpsc::Receiver<ProbeEvent>,
) -> Result<()> {
    let mut events = EventStream::new();
    let mut draft_deadline: Option<tokio::time::Instant> = None;
    let mut redraw = true;
    let mut failure = None;
    // Only ticks while a probe run shows a spinner; an idle TUI never wakes.
    let mut spinner = tokio::time::interval(Duration::from_millis(120));
    // Only ticks while a save is pending: the try that notices space came back without a key.
    let mut retry = tokio::time::interval(SAVE_RETRY);
    retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        if redraw {
            terminal.draw(|frame| views::render(frame, app))?;
            redraw = false;
        }
        if app.quit {
            break;
        }
        let draft_due = async {
            match draft_deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    if let Some(action) = keys::action(key, app) {
                        app.notice = None;
                        app.update(action, &now());
                        redraw = true;
                    }
                }
                Some(Ok(Event::Resize(..))) => redraw = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    failure = Some(e);
                    break;
                }
                None => break,
            },
            Some(event) = probe_events.recv() => {
                app.update(Action::Probe(event), &now());
                redraw = true;
            }
            _ = spinner.tick(), if app.probes.running => {
                app.update(Action::Tick, &now());
                redraw = true;
            }
            () = draft_due => {
                app.effects.push(Effect::Save);
                app.drafts_dirty = false;
            }
            _ = retry.tick(), if app.unsaved.is_some() => redraw = true,
            () = &mut shutdown => break,
        }
        // Every event tries a pending save again.
        if app.unsaved.is_some() && !app.effects.contains(&Effect::Save) {
            app.effects.push(Effect::Save);
        }
        if app.effects.contains(&Effect::Save) {
            draft_deadline = None;
        }
        if app.drafts_dirty && draft_deadline.is_none() {
            draft_deadline = Some(tokio::time::Instant::now() + DRAFT_SAVE_DELAY);
        }
        if !app.effects.is_empty() {
            runner.apply(app);
            redraw = true;
        }
    }
    // Whatever way the loop ended (a key, SIGTERM, the terminal closing), drafts typed a
    // moment ago and every change a failed save left pending reach the disk.
    if app.drafts_dirty || app.unsaved.is_some() {
        app.drafts_dirty = false;
        runner.save(app);
    }
    match (failure, &app.unsaved) {
        (Some(e), _) => Err(e).wrap_err("cannot read the terminal"),
        // Said after the terminal is restored, and not a success.
        (None, Some(u)) => Err(eyre!(
            "changes to session `{}` since {} could not be saved ({} tries): {}",
            app.current()
                .map_or("?", |(_, iv)| iv.assessment.name.as_str()),
            u.since,
            u.tries,
            u.why
        )),
        (None, None) => Ok(()),
    }
}

/// Refuses to leave a session whose changes are not on disk yet: they exist only on screen.
fn keep_unsaved(app: &App) -> Result<()> {
    match &app.unsaved {
        Some(u) => Err(eyre!(
            "this session has changes not saved since {} ({}): they would be lost; free space \
             or make the data directory writable first (the next key tries again)",
            u.since,
            u.why
        )),
        None => Ok(()),
    }
}

/// `HH:MM:SS UTC` of an RFC 3339 stamp, as the screen shows when a save failed or succeeded.
fn clock(stamp: &str) -> String {
    stamp
        .get(11..19)
        .map_or_else(|| stamp.to_owned(), |t| format!("{t} UTC"))
}

/// Resolves when the terminal goes away or the process is asked to stop.
#[cfg(unix)]
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
}

#[cfg(windows)]
async fn shutdown_signal() {
    match tokio::signal::windows::ctrl_close() {
        Ok(mut close) => {
            close.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

/// An app on the `ActiveSync` checklist with an empty assessment, for the TUI's unit tests.
#[cfg(test)]
pub(crate) fn test_app() -> App {
    let c = crate::checklist::builtin::all()
        .expect("built-ins")
        .into_iter()
        .find(|c| c.id == "activesync-device-trust")
        .expect("activesync");
    let a = Assessment::new("s", &c, "t0");
    let mut app = App::new(vec![c], Vec::new(), "ana");
    app.open(a).expect("open");
    app
}
