//! The probes view's state: the tasks planned for the site from the chosen vantage, each one's
//! live status, and the results as they stream in. The runs themselves happen in the event
//! loop's task; this only changes state and queues effects.

use crate::assessment::Assessment;
use crate::probe::plan::{self, Task, Vantage};
use crate::probe::run::Event;
use crate::probe::{ProbeResult, Verdict};
use crate::site::Site;
use crate::tui::editor::LineEditor;
use crate::tui::finish::Secret;

/// Where a task is.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskStatus {
    /// Not run in this view; `results` may hold the last run's results of this vantage.
    Idle,
    Queued,
    Running,
    Done,
}

#[derive(Debug, Clone, Default)]
pub struct Probes {
    /// The role this machine plays; port rules are probed only with one.
    pub vantage: Option<String>,
    pub tasks: Vec<Task>,
    pub status: Vec<TaskStatus>,
    /// Results per task: from this run, or the vantage's last saved run.
    pub results: Vec<Vec<ProbeResult>>,
    pub cursor: usize,
    /// How far the selected task's results are scrolled.
    pub detail_scroll: u16,
    pub running: bool,
    /// Advances while a run is on, for the spinner.
    pub frame: usize,
    /// The site the tasks were planned from: another site (edited since) plans again.
    pub planned: Option<Site>,
    /// The SQL login's password, typed once per session of the program and kept in memory
    /// only (never saved, never shown).
    pub sql_password: Option<Secret>,
    /// `PREFLIGHT_SQL_PASSWORD` was set when the program started: nothing to ask.
    pub sql_password_from_env: bool,
    /// The password of the site's PFX files, asked like the SQL one and kept the same way.
    pub pfx_password: Option<Secret>,
    /// `PREFLIGHT_PFX_PASSWORD` was set when the program started: nothing to ask.
    pub pfx_password_from_env: bool,
    /// The masked field a password is being typed in.
    pub asking: Option<PasswordField>,
}

/// Which password a masked field asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// The SQL login's.
    Sql,
    /// The site's PFX files'.
    Pfx,
}

/// A password being typed, and the tasks waiting for it; its `Debug` never shows it.
#[derive(Clone)]
pub struct PasswordField {
    pub asked: Asked,
    pub editor: LineEditor,
    pub tasks: Vec<usize>,
}

impl std::fmt::Debug for PasswordField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordField")
            .field("asked", &self.asked)
            .field("editor", &"***")
            .field("tasks", &self.tasks)
            .finish()
    }
}

/// The key under which a vantage's results are kept.
pub fn vantage_key(vantage: Option<&str>) -> String {
    vantage.unwrap_or("ad hoc").to_owned()
}

impl Probes {
    /// Plans the tasks for the site from the vantage, showing the vantage's saved results.
    pub fn replan(&mut self, assessment: &Assessment) {
        let vantage = self.vantage.clone().map_or(Vantage::None, Vantage::Role);
        self.tasks = plan::plan(&assessment.site, &vantage, &[]);
        self.planned = Some(assessment.site.clone());
        self.status = vec![TaskStatus::Idle; self.tasks.len()];
        let saved = assessment.runs.get(&vantage_key(self.vantage.as_deref()));
        self.results = self
            .tasks
            .iter()
            .map(|t| {
                saved.map_or_else(Vec::new, |run| {
                    run.results
                        .iter()
                        .filter(|r| r.target == t.label())
                        .cloned()
                        .collect()
                })
            })
            .collect();
        self.cursor = self.cursor.min(self.tasks.len().saturating_sub(1));
    }

    /// The first password running these tasks needs that nobody has given yet: the SQL
    /// login's, then the PFX files' (a file named `.pfx` or `.p12`).
    #[must_use]
    pub fn needs_password(&self, tasks: &[usize]) -> Option<Asked> {
        let any =
            |want: fn(&Task) -> bool| tasks.iter().any(|&i| self.tasks.get(i).is_some_and(want));
        if self.sql_password.is_none()
            && !self.sql_password_from_env
            && any(|t| matches!(t, Task::Sql { .. }))
        {
            return Some(Asked::Sql);
        }
        let pfx = |t: &Task| {
            matches!(t, Task::Certfile { file } if file.path.extension().is_some_and(|e| {
                e.eq_ignore_ascii_case("pfx") || e.eq_ignore_ascii_case("p12")
            }))
        };
        (self.pfx_password.is_none() && !self.pfx_password_from_env && any(pfx))
            .then_some(Asked::Pfx)
    }

    /// The login the password is asked for, in words.
    #[must_use]
    pub fn sql_login(&self) -> String {
        self.tasks
            .iter()
            .find_map(|t| match t {
                Task::Sql { instance } => instance.user.clone(),
                _ => None,
            })
            .unwrap_or_else(|| "the SQL login".to_owned())
    }

    /// The roles to choose a vantage from, and "none" (port rules not probed).
    pub fn cycle_vantage(&mut self, assessment: &Assessment) {
        let roles = assessment.site.roles();
        let next = match &self.vantage {
            None => roles.first().map(|r| (*r).to_owned()),
            Some(v) => {
                let at = roles.iter().position(|r| r == v);
                at.and_then(|i| roles.get(i + 1)).map(|r| (*r).to_owned())
            }
        };
        self.vantage = next;
        self.replan(assessment);
    }

    /// Marks tasks queued; returns them for the run effect.
    pub fn queue(&mut self, which: &[usize]) -> Vec<(usize, Task)> {
        for &i in which {
            self.status[i] = TaskStatus::Queued;
        }
        self.running = true;
        which.iter().map(|&i| (i, self.tasks[i].clone())).collect()
    }

    /// Applies a run event; returns whether the assessment changed (results to save).
    pub fn apply(
        &mut self,
        event: Event,
        assessment: &mut Assessment,
        host: &str,
        now: &str,
    ) -> bool {
        match event {
            Event::Started(i) => {
                if let Some(s) = self.status.get_mut(i) {
                    *s = TaskStatus::Running;
                }
                false
            }
            Event::Finished(i, results) => {
                let Some(s) = self.status.get_mut(i) else {
                    return false;
                };
                *s = TaskStatus::Done;
                let key = vantage_key(self.vantage.as_deref());
                assessment.record_run(&key, &key, host, now, &results);
                self.results[i] = results;
                true
            }
            Event::Ended => {
                self.running = false;
                for s in &mut self.status {
                    if matches!(s, TaskStatus::Queued | TaskStatus::Running) {
                        *s = TaskStatus::Idle;
                    }
                }
                false
            }
        }
    }

    /// The worst verdict of a task's results.
    pub fn verdict(&self, i: usize) -> Option<Verdict> {
        let results = self.results.get(i)?;
        (!results.is_empty()).then(|| {
            results
                .iter()
                .fold(Verdict::Skipped, |v, r| v.worst(r.verdict))
        })
    }

    /// Counts of task verdicts: (pass, warn, fail or error).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for i in 0..self.tasks.len() {
            match self.verdict(i) {
                Some(Verdict::Pass) => c.0 += 1,
                Some(Verdict::Warn) => c.1 += 1,
                Some(Verdict::Fail | Verdict::Error) => c.2 += 1,
                _ => {}
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::ProbeKind;

    fn result(kind: ProbeKind, target: &str, at: &str) -> ProbeResult {
        ProbeResult {
            kind,
            check: "c".into(),
            target: target.into(),
            verdict: Verdict::Fail,
            summary: String::new(),
            evidence: crate::probe::Evidence::none(),
            at: at.into(),
            ms: 1,
        }
    }

    #[test]
    fn a_finished_task_records_by_the_rule_preflight_probe_uses() {
        let checklist = crate::checklist::builtin::all()
            .expect("built-ins")
            .into_iter()
            .next()
            .expect("a checklist");
        let mut a = Assessment::new("s", &checklist, "t0");
        a.record_run(
            "ad hoc",
            "ad hoc",
            "h",
            "T1",
            &[
                result(ProbeKind::Dns, "a", "T1"),
                result(ProbeKind::Tcp, "b", "T1"),
            ],
        );
        let mut p = Probes {
            tasks: vec![Task::Resolvers],
            status: vec![TaskStatus::Queued],
            results: vec![Vec::new()],
            ..Probes::default()
        };
        let changed = p.apply(
            Event::Finished(0, vec![result(ProbeKind::Tcp, "b", "T2")]),
            &mut a,
            "h2",
            "T2",
        );
        assert!(changed);
        let kept: Vec<(&str, &str)> = a.runs["ad hoc"]
            .results
            .iter()
            .map(|r| (r.target.as_str(), r.at.as_str()))
            .collect();
        assert_eq!(kept, [("a", "T1"), ("b", "T2")]);
    }
}
