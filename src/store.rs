//! Session files: where assessments live on disk, and how they are written so that nothing is
//! ever lost.
//!
//! Every save is atomic (temporary file, fsync, rename, fsync of the directory), and the copy
//! being replaced is kept beside it as `NAME.json.prev`. A file that is damaged, or written by
//! a newer preflight, is reported and never overwritten. A lock file keeps two preflights from
//! writing the same session at once.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::assessment::{Assessment, ChecklistRef, Entry, VantageRun};
use crate::site::Site;

/// The session file schema this build writes and the newest it reads.
///
/// 2 added the site and probe runs; schema 1 files read as sessions without them.
pub const SCHEMA: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "invalid session name `{0}`: use 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit"
    )]
    BadName(String),
    #[error("no session named `{0}` (see `preflight session list`)")]
    NotFound(String),
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error(
        "session file {} is damaged at line {line}, column {column}: {message}. It was left as it is; {}",
        path.display(), prev_hint(path)
    )]
    Damaged {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "session file {} was written by a newer preflight (schema {found}; this one reads up to {SCHEMA}). It was left as it is: open it with that newer version",
        path.display()
    )]
    NewerSchema { path: PathBuf, found: u32 },
    #[error("session `{name}` is open in another preflight ({holder}); close it there first")]
    Locked { name: String, holder: String },
}

fn prev_hint(path: &Path) -> String {
    let prev = prev_path(path);
    if prev.exists() {
        format!(
            "the previous good copy is {} (copy it over the damaged file to go back to it)",
            prev.display()
        )
    } else {
        "there is no earlier copy".to_owned()
    }
}

fn prev_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".prev");
    PathBuf::from(p)
}

/// The on-disk shape of a session, kept apart from the domain type so either can change with
/// a schema bump and a conversion rather than by accident.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionFile {
    schema: u32,
    name: String,
    checklist: ChecklistRef,
    created: String,
    updated: String,
    #[serde(default)]
    entries: BTreeMap<String, Entry>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    drafts: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "is_empty_site")]
    site: Site,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    runs: BTreeMap<String, VantageRun>,
}

fn is_empty_site(site: &Site) -> bool {
    *site == Site::default()
}

#[derive(Deserialize)]
struct SchemaOnly {
    schema: u32,
}

/// A summary line of `session list`.
#[derive(Debug, Clone, Serialize)]
pub struct SessionInfo {
    pub name: String,
    pub checklist: String,
    pub updated: String,
    pub answered: usize,
}

/// The sessions directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// Held while a session is open for writing; released on drop.
#[derive(Debug)]
pub struct SessionLock {
    _file: File,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of a session.
    ///
    /// # Errors
    /// When the name could escape the directory or is otherwise not a plain name.
    pub fn path(&self, name: &str) -> Result<PathBuf, StoreError> {
        let ok = (1..=64).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if ok {
            Ok(self.dir.join(format!("{name}.json")))
        } else {
            Err(StoreError::BadName(name.to_owned()))
        }
    }

    #[must_use]
    pub fn exists(&self, name: &str) -> bool {
        self.path(name).is_ok_and(|p| p.exists())
    }

    /// Loads a session.
    ///
    /// # Errors
    /// When it does not exist, cannot be read, is damaged or comes from a newer schema.
    pub fn load(&self, name: &str) -> Result<Assessment, StoreError> {
        let path = self.path(name)?;
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::NotFound(name.to_owned()));
            }
            Err(source) => {
                return Err(StoreError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        parse(&path, &bytes)
    }

    /// Saves a session atomically, keeping the copy it replaces as `.prev`.
    ///
    /// # Errors
    /// When the directory or file cannot be written.
    pub fn save(&self, a: &Assessment) -> Result<(), StoreError> {
        let path = self.path(&a.name)?;
        let io_err = |action, path: &Path| {
            let path = path.to_owned();
            move |source| StoreError::Io {
                action,
                path,
                source,
            }
        };
        fs::create_dir_all(&self.dir).map_err(io_err("create", &self.dir))?;
        let file = SessionFile {
            schema: SCHEMA,
            name: a.name.clone(),
            checklist: a.checklist.clone(),
            created: a.created.clone(),
            updated: a.updated.clone(),
            entries: a.entries.clone(),
            drafts: a.drafts.clone(),
            site: a.site.clone(),
            runs: a.runs.clone(),
        };
        let mut bytes = serde_json::to_vec_pretty(&file).map_err(|e| StoreError::Io {
            action: "encode",
            path: path.clone(),
            source: io::Error::other(e),
        })?;
        bytes.push(b'\n');
        // The copy being replaced becomes `.prev`; a file that does not parse is never replaced.
        match fs::read(&path) {
            Ok(old) => {
                parse(&path, &old)?;
                write_atomic(&prev_path(&path), &old)
                    .map_err(io_err("write", &prev_path(&path)))?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(StoreError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        }
        write_atomic(&path, &bytes).map_err(io_err("write", &path))
    }

    /// Every session in the directory, sorted by name; damaged ones are listed with their error.
    pub fn list(&self) -> Vec<Result<SessionInfo, StoreError>> {
        let Ok(rd) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = rd
            .filter_map(Result::ok)
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(".json"))
                    .map(str::to_owned)
            })
            .collect();
        names.sort();
        names
            .iter()
            .map(|n| {
                self.load(n).map(|a| SessionInfo {
                    name: a.name.clone(),
                    checklist: format!("{} {}", a.checklist.id, a.checklist.version),
                    updated: a.updated.clone(),
                    answered: a.entries.values().filter(|e| e.response.is_some()).count(),
                })
            })
            .collect()
    }

    /// The session opened most recently, if it still exists.
    #[must_use]
    pub fn last(&self) -> Option<String> {
        let name = fs::read_to_string(self.dir.join("last")).ok()?;
        let name = name.trim();
        self.exists(name).then(|| name.to_owned())
    }

    /// Remembers the session to resume next time.
    ///
    /// # Errors
    /// When the marker cannot be written.
    pub fn set_last(&self, name: &str) -> Result<(), StoreError> {
        let path = self.dir.join("last");
        fs::create_dir_all(&self.dir)
            .and_then(|()| write_atomic(&path, name.as_bytes()))
            .map_err(|source| StoreError::Io {
                action: "write",
                path,
                source,
            })
    }

    /// Takes the session's lock, failing at once if another process holds it.
    ///
    /// # Errors
    /// When another preflight has the session open, or the lock file cannot be made.
    pub fn lock(&self, name: &str) -> Result<SessionLock, StoreError> {
        let path = self.path(name)?.with_extension("lock");
        let io_err = |source| StoreError::Io {
            action: "lock",
            path: path.clone(),
            source,
        };
        fs::create_dir_all(&self.dir).map_err(io_err)?;
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let holder = fs::read_to_string(&path)
                    .ok()
                    .filter(|s| !s.trim().is_empty())
                    .map_or_else(|| "another process".to_owned(), |s| s.trim().to_owned());
                return Err(StoreError::Locked {
                    name: name.to_owned(),
                    holder,
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_err(e)),
        }
        // Who holds it, for the message another preflight shows. The lock is held either way:
        // on a full disk these few bytes may not fit, and the session must still open.
        let me = format!("process {}", std::process::id());
        let _ = file.set_len(0).and_then(|()| file.write_all(me.as_bytes()));
        Ok(SessionLock { _file: file })
    }
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Assessment, StoreError> {
    let damaged = |e: &serde_json::Error| StoreError::Damaged {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };
    let schema: SchemaOnly = serde_json::from_slice(bytes).map_err(|e| damaged(&e))?;
    if schema.schema > SCHEMA {
        return Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found: schema.schema,
        });
    }
    let f: SessionFile = serde_json::from_slice(bytes).map_err(|e| damaged(&e))?;
    Ok(Assessment {
        name: f.name,
        checklist: f.checklist,
        created: f.created,
        updated: f.updated,
        entries: f.entries,
        drafts: f.drafts,
        site: f.site,
        runs: f.runs,
    })
}

/// Writes `bytes` to `path` so that a crash at any moment leaves either the old or the new
/// content, never a mix.
///
/// # Errors
/// When any step fails; the file then keeps its old content.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temp_path(path);
    let written = (|| {
        // `create_new`: a name another writer already holds is never truncated under it.
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        // A half-written temporary file (a full disk) would only take more space.
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    // A bare file name's parent is "", which cannot be opened: it is the current directory.
    sync_dir(
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )
}

/// A temporary file beside `path` that no other writer uses: two processes (the process id)
/// or two threads of one (a counter) writing the same file at the same moment each get their
/// own, so neither renames or truncates the other's half-written bytes. The name starts with
/// a dot and does not end in `.json`, so a listing never takes it for a session.
#[must_use]
pub fn temp_path(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Makes the rename itself durable. Windows has no directory handles to sync; its rename
/// (`MoveFileEx` with replace) is durable once it returns.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
#[expect(
    clippy::unnecessary_wraps,
    reason = "the same signature as the Unix version"
)]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{Response, Value};
    use crate::checklist::builtin;

    fn sample(store: &Store) -> Assessment {
        let checklists = builtin::all().expect("built-ins parse");
        let c = &checklists[0];
        let mut a = Assessment::new("site-1", c, "2026-11-22T10:00:00Z");
        let id = c
            .items()
            .find(|i| i.kind == crate::checklist::AnswerKind::Confirm && i.when.is_none())
            .map(|i| i.id.clone())
            .expect("a confirm item");
        a.answer(
            c,
            &id,
            Response::Value(Value::Yes),
            "ana",
            "2026-11-22T10:01:00Z",
        )
        .expect("valid answer");
        store.save(&a).expect("save");
        a
    }

    #[test]
    fn round_trip_and_previous_copy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let mut a = sample(&store);
        assert_eq!(store.load("site-1").expect("load"), a);
        assert!(!prev_path(&store.path("site-1").expect("path")).exists());
        a.drafts.insert("x#note".into(), "typed".into());
        store.save(&a).expect("save again");
        assert_eq!(store.load("site-1").expect("load"), a);
        let prev = fs::read(prev_path(&store.path("site-1").expect("path"))).expect("prev");
        assert!(
            parse(Path::new("p"), &prev)
                .expect("prev parses")
                .drafts
                .is_empty()
        );
        let names: Vec<_> = store
            .list()
            .into_iter()
            .map(|r| r.expect("ok").name)
            .collect();
        assert_eq!(names, ["site-1"]);
    }

    #[test]
    fn damaged_file_is_reported_with_position_and_never_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let a = sample(&store);
        store.save(&a).expect("second save makes a .prev");
        let path = store.path("site-1").expect("path");
        fs::write(&path, b"{\n  \"schema\": 1,\n  \"name\": oops\n}").expect("corrupt");
        let err = store.load("site-1").expect_err("damaged");
        let msg = err.to_string();
        assert!(msg.contains("damaged at line 3, column"), "{msg}");
        assert!(msg.contains(".prev"), "{msg}");
        // Saving over it is refused: neither the damaged file nor its previous copy change.
        let prev_before = fs::read(prev_path(&path)).expect("prev");
        let damaged = fs::read(&path).expect("damaged");
        assert!(matches!(store.save(&a), Err(StoreError::Damaged { .. })));
        assert_eq!(fs::read(prev_path(&path)).expect("prev"), prev_before);
        assert_eq!(fs::read(&path).expect("damaged"), damaged);
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let path = store.path("future").expect("path");
        fs::write(&path, br#"{"schema": 99, "whatever": true}"#).expect("write");
        let msg = store.load("future").expect_err("newer").to_string();
        assert!(msg.contains("schema 99"), "{msg}");
    }

    #[test]
    fn names_cannot_escape_the_directory() {
        let store = Store::new("/tmp/x");
        for bad in ["", "../etc", "a/b", ".hidden", "a b", &"x".repeat(65)] {
            assert!(store.path(bad).is_err(), "{bad:?}");
        }
        assert!(store.path("St-Example_2026.v1").is_ok());
    }

    #[test]
    fn a_second_lock_fails_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let first = store.lock("s").expect("first lock");
        let msg = store.lock("s").expect_err("second lock").to_string();
        assert!(msg.contains("open in another preflight"), "{msg}");
        drop(first);
        store.lock("s").expect("lock after release");
    }

    #[test]
    fn writers_racing_on_one_file_each_use_their_own_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("last");
        std::thread::scope(|s| {
            for i in 0..16 {
                let path = &path;
                s.spawn(move || {
                    for j in 0..20 {
                        write_atomic(path, format!("w{i}-{j}").as_bytes()).expect("write");
                    }
                });
            }
        });
        let last = fs::read_to_string(&path).expect("read");
        assert!(last.starts_with('w'), "{last}");
        let left: Vec<_> = fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, ["last"], "temporary files left behind");
    }

    #[test]
    fn last_session_marker() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        assert_eq!(store.last(), None);
        sample(&store);
        store.set_last("site-1").expect("set");
        assert_eq!(store.last().as_deref(), Some("site-1"));
        store.set_last("gone").expect("set");
        assert_eq!(store.last(), None);
    }
}
