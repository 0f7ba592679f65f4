//! The checklists a user can pick from: the built-in ones plus the TOML files in the user's
//! config directory. A broken user file is reported, never silently skipped.

use std::path::{Path, PathBuf};

use crate::checklist::{Checklist, ChecklistError, Origin, builtin};

#[derive(Debug)]
pub struct Library {
    pub checklists: Vec<Checklist>,
    /// User files that could not be used, with why.
    pub problems: Vec<(PathBuf, ChecklistError)>,
}

impl Library {
    /// The built-in checklists and those in `user_dir` (which may not exist).
    ///
    /// # Errors
    /// Only if a built-in checklist is broken.
    pub fn load(user_dir: &Path) -> Result<Self, ChecklistError> {
        let mut checklists = builtin::all()?;
        let mut problems = Vec::new();
        let mut files: Vec<PathBuf> = std::fs::read_dir(user_dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        for path in files {
            match Checklist::load(&path) {
                Ok(c) => {
                    if let Some(other) = checklists.iter().find(|o| o.id == c.id) {
                        let err = ChecklistError::Read {
                            path: path.clone(),
                            source: std::io::Error::other(format!(
                                "id `{}` is already used by {}",
                                c.id, other.origin
                            )),
                        };
                        problems.push((path, err));
                    } else {
                        checklists.push(c);
                    }
                }
                Err(e) => problems.push((path, e)),
            }
        }
        Ok(Self {
            checklists,
            problems,
        })
    }

    /// The checklist with this id.
    ///
    /// # Errors
    /// When no checklist has the id; the message lists the known ones.
    pub fn get(&self, id: &str) -> Result<&Checklist, ChecklistError> {
        self.checklists
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| ChecklistError::Unknown {
                id: id.to_owned(),
                known: self
                    .checklists
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    #[must_use]
    pub fn is_builtin(c: &Checklist) -> bool {
        c.origin == Origin::Builtin
    }
}
