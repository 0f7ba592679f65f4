//! An assessment: one site's work in progress against one checklist. It holds what people said
//! (answers, notes, drafts of what they were typing); everything else (whether an item is asked,
//! its status, progress, open blockers) is derived from it and the checklist, never stored.

pub mod answer;
pub mod evidence;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use answer::{AnswerError, Response, Value};

use crate::checklist::{AnswerLookup, Checklist, Item, Section, Severity};
use crate::probe::ProbeResult;
use crate::site::Site;

/// Which checklist text the answers were given against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistRef {
    pub id: String,
    pub version: String,
    pub hash: String,
}

impl ChecklistRef {
    #[must_use]
    pub fn of(c: &Checklist) -> Self {
        Self {
            id: c.id.clone(),
            version: c.version.clone(),
            hash: c.content_hash.clone(),
        }
    }
}

/// Everything recorded for one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Who last changed the entry, and when (RFC 3339, UTC).
    pub by: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub name: String,
    pub checklist: ChecklistRef,
    pub created: String,
    pub updated: String,
    /// By item id. Entries for ids the checklist no longer has are kept, never dropped.
    pub entries: BTreeMap<String, Entry>,
    /// Text being typed but not yet committed, by `item id` + `#` + field, so nothing typed is
    /// lost when the program is closed mid-edit.
    pub drafts: BTreeMap<String, String>,
    /// The site's facts, entered or imported once and used by every probe run.
    pub site: Site,
    /// Probe results by vantage (the role the probing machine played): the latest result of
    /// each (kind, check, target) that vantage ever probed, each with its own time.
    pub runs: BTreeMap<String, VantageRun>,
}

/// One vantage's probe results: the latest of each (kind, check, target), gathered over runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VantageRun {
    /// The role the machine played (`Console Web Server - 1`), or `ad hoc` without one.
    pub role: String,
    /// The machine's host name.
    pub host: String,
    pub at: String,
    pub results: Vec<ProbeResult>,
}

/// An item's state as the interview shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Not asked: its `when` condition does not hold.
    Hidden,
    Unanswered,
    /// Answered with a good answer (or any answer, for items without `good`).
    Done,
    /// Answered with an answer outside `good`.
    Failed,
    NotApplicable,
}

impl Status {
    #[must_use]
    pub fn is_settled(self) -> bool {
        matches!(self, Status::Done | Status::Failed | Status::NotApplicable)
    }
}

/// Answered and total counts of the items asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub settled: usize,
    pub asked: usize,
    pub failed: usize,
    pub open_blockers: usize,
}

impl Progress {
    #[must_use]
    pub fn percent(self) -> u16 {
        if self.asked == 0 {
            return 100;
        }
        u16::try_from(self.settled * 100 / self.asked).unwrap_or(100)
    }

    fn add(&mut self, status: Status, severity: Severity) {
        if status == Status::Hidden {
            return;
        }
        self.asked += 1;
        if status.is_settled() {
            self.settled += 1;
        }
        if status == Status::Failed {
            self.failed += 1;
        }
        if severity == Severity::Blocker && matches!(status, Status::Unanswered | Status::Failed) {
            self.open_blockers += 1;
        }
    }
}

impl Assessment {
    #[must_use]
    pub fn new(name: &str, checklist: &Checklist, now: &str) -> Self {
        Self {
            name: name.to_owned(),
            checklist: ChecklistRef::of(checklist),
            created: now.to_owned(),
            updated: now.to_owned(),
            entries: BTreeMap::new(),
            drafts: BTreeMap::new(),
            site: Site::default(),
            runs: BTreeMap::new(),
        }
    }

    #[must_use]
    pub fn response(&self, item: &str) -> Option<&Response> {
        self.entries.get(item).and_then(|e| e.response.as_ref())
    }

    #[must_use]
    pub fn note(&self, item: &str) -> &str {
        self.entries.get(item).map_or("", |e| e.note.as_str())
    }

    /// Records a response after checking it against the item.
    ///
    /// # Errors
    /// When the item is unknown, the value does not fit its kind, or a "not applicable" has no
    /// reason.
    pub fn answer(
        &mut self,
        checklist: &Checklist,
        item: &str,
        response: Response,
        by: &str,
        now: &str,
    ) -> Result<(), AnswerError> {
        let it = checklist
            .item(item)
            .ok_or_else(|| AnswerError::UnknownItem(item.to_owned()))?;
        match &response {
            Response::Value(v) => v.check(&it.kind)?,
            Response::NotApplicable { reason } if reason.trim().is_empty() => {
                return Err(AnswerError::MissingReason);
            }
            Response::NotApplicable { .. } => {}
        }
        self.entry(item, by, now).response = Some(response);
        Ok(())
    }

    /// Sets an item's note (an empty note removes it).
    ///
    /// # Errors
    /// When the item is unknown.
    pub fn set_note(
        &mut self,
        checklist: &Checklist,
        item: &str,
        note: &str,
        by: &str,
        now: &str,
    ) -> Result<(), AnswerError> {
        if checklist.item(item).is_none() {
            return Err(AnswerError::UnknownItem(item.to_owned()));
        }
        note.trim_end()
            .clone_into(&mut self.entry(item, by, now).note);
        self.prune(item);
        Ok(())
    }

    /// Removes an item's response, keeping its note.
    pub fn clear(&mut self, item: &str, by: &str, now: &str) {
        if self.entries.contains_key(item) {
            self.entry(item, by, now).response = None;
            self.prune(item);
        }
    }

    fn entry(&mut self, item: &str, by: &str, now: &str) -> &mut Entry {
        now.clone_into(&mut self.updated);
        let e = self
            .entries
            .entry(item.to_owned())
            .or_insert_with(|| Entry {
                response: None,
                note: String::new(),
                by: String::new(),
                at: String::new(),
            });
        by.clone_into(&mut e.by);
        now.clone_into(&mut e.at);
        e
    }

    fn prune(&mut self, item: &str) {
        if self
            .entries
            .get(item)
            .is_some_and(|e| e.response.is_none() && e.note.is_empty())
        {
            self.entries.remove(item);
        }
    }

    /// Whether the item is asked, given the answers so far.
    #[must_use]
    pub fn is_asked(&self, checklist: &Checklist, item: &Item) -> bool {
        item.when.as_ref().is_none_or(|c| {
            c.holds(&Lookup {
                assessment: self,
                checklist,
            })
        })
    }

    #[must_use]
    pub fn status(&self, checklist: &Checklist, item: &Item) -> Status {
        if !self.is_asked(checklist, item) {
            return Status::Hidden;
        }
        match self.response(&item.id) {
            None => Status::Unanswered,
            Some(Response::NotApplicable { .. }) => Status::NotApplicable,
            Some(Response::Value(v)) => {
                let selected = v.selected();
                if item.good.is_empty()
                    || (!selected.is_empty()
                        && selected.iter().all(|s| item.good.iter().any(|g| g == s)))
                {
                    Status::Done
                } else {
                    Status::Failed
                }
            }
        }
    }

    #[must_use]
    pub fn section_progress(&self, checklist: &Checklist, section: &Section) -> Progress {
        let mut p = Progress::default();
        for item in &section.items {
            p.add(self.status(checklist, item), item.severity);
        }
        p
    }

    #[must_use]
    pub fn progress(&self, checklist: &Checklist) -> Progress {
        let mut p = Progress::default();
        for item in checklist.items() {
            p.add(self.status(checklist, item), item.severity);
        }
        p
    }

    /// Records a probe run of one vantage, the one rule both the headless `probe` and the TUI
    /// follow: a new result replaces only the stored result of the same (kind, check, target),
    /// every other stored result stays as it was, and each result keeps its own `at` (the run's
    /// `at` is when the vantage last ran anything). A run limited to some kinds or some tasks
    /// never makes the vantage's other evidence look "not run".
    pub fn record_run(
        &mut self,
        vantage: &str,
        role: &str,
        host: &str,
        at: &str,
        results: &[ProbeResult],
    ) {
        let run = self
            .runs
            .entry(vantage.to_owned())
            .or_insert_with(|| VantageRun {
                role: role.to_owned(),
                host: host.to_owned(),
                at: at.to_owned(),
                results: Vec::new(),
            });
        role.clone_into(&mut run.role);
        host.clone_into(&mut run.host);
        at.clone_into(&mut run.at);
        for new in results {
            if let Some(old) = run.results.iter_mut().find(|old| same_probe(old, new)) {
                *old = new.clone();
            } else {
                run.results.push(new.clone());
            }
        }
    }

    /// Entries whose item the checklist no longer has (kept, and shown so nobody is surprised).
    pub fn orphans<'a>(&'a self, checklist: &Checklist) -> Vec<&'a str> {
        self.entries
            .keys()
            .filter(|id| checklist.item(id).is_none())
            .map(String::as_str)
            .collect()
    }
}

/// Whether two results answer the same question: the same check of the same kind on the same
/// target. A newer one of these replaces the older; anything else is other evidence.
#[must_use]
pub fn same_probe(a: &ProbeResult, b: &ProbeResult) -> bool {
    a.kind == b.kind && a.check == b.check && a.target == b.target
}

/// Conditions see an item's answer only if that item is itself asked.
struct Lookup<'a> {
    assessment: &'a Assessment,
    checklist: &'a Checklist,
}

impl AnswerLookup for Lookup<'_> {
    fn selected(&self, id: &str) -> Option<Vec<&str>> {
        let item = self.checklist.item(id)?;
        if !self.assessment.is_asked(self.checklist, item) {
            return None;
        }
        match self.assessment.response(id)? {
            Response::Value(v) => Some(v.selected()),
            Response::NotApplicable { .. } => Some(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests;
