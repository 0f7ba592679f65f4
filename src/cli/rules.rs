//! A checklist's rules of one probe kind judged on one probe's facts, once per distinct rule,
//! with the items each answers: what `preflight tls` and `preflight sql` print under
//! "checklist rules".

use std::collections::BTreeMap;

use color_eyre::eyre::Result;
use serde_json::json;

use super::library;
use crate::checklist::ProbeKind;
use crate::checklist::probe::ParamValue;
use crate::paths::Dirs;
use crate::probe::Verdict;

/// One checklist rule judged on the facts.
pub struct Check {
    pub items: Vec<String>,
    /// The condition under which the checklist asks the items (e.g. a client version, an HA
    /// option), so a rule for some sites only does not fail every site.
    pub when: Option<String>,
    pub rule: String,
    pub verdict: Verdict,
    pub summary: String,
}

impl Check {
    pub fn json(&self) -> serde_json::Value {
        json!({
            "items": self.items, "check": self.rule, "verdict": self.verdict,
            "summary": self.summary, "when": self.when,
        })
    }

    /// A failure that counts against the endpoint whatever the site's answers.
    pub fn fails(&self) -> bool {
        self.verdict == Verdict::Fail && self.when.is_none()
    }

    /// One line of the text output.
    pub fn line(&self) -> String {
        let only = self
            .when
            .as_ref()
            .map(|w| format!(" (asked only when {w})"))
            .unwrap_or_default();
        format!(
            "  {:5} {} — {}{only}",
            self.verdict.name().to_uppercase(),
            self.rule,
            self.summary
        )
    }
}

/// Every rule of `kind` in checklist `id` (none for `none`), judged by `evaluate`.
pub fn judge(
    dirs: &Dirs,
    id: &str,
    kind: ProbeKind,
    evaluate: impl Fn(&str, &BTreeMap<String, ParamValue>) -> Option<(Verdict, String)>,
) -> Result<Vec<Check>> {
    if id == "none" {
        return Ok(Vec::new());
    }
    let lib = library(dirs)?;
    let checklist = lib.get(id)?;
    let mut checks: Vec<Check> = Vec::new();
    for item in checklist.items() {
        let Some(binding) = item.probe.as_ref().filter(|b| b.spec.kind == kind) else {
            continue;
        };
        let key = binding.to_string();
        if let Some(c) = checks.iter_mut().find(|c| c.rule == key) {
            c.items.push(item.id.clone());
            continue;
        }
        if let Some((verdict, summary)) = evaluate(binding.spec.name, &binding.expect) {
            checks.push(Check {
                items: vec![item.id.clone()],
                when: item.when.as_ref().map(ToString::to_string),
                rule: key,
                verdict,
                summary,
            });
        }
    }
    Ok(checks)
}

/// The `(check, expect)` pairs of a checklist's rules of one kind.
pub fn bindings(
    dirs: &Dirs,
    id: &str,
    kind: ProbeKind,
) -> Result<Vec<(String, BTreeMap<String, ParamValue>)>> {
    if id == "none" {
        return Ok(Vec::new());
    }
    let lib = library(dirs)?;
    let checklist = lib.get(id)?;
    Ok(checklist
        .items()
        .filter_map(|i| i.probe.as_ref())
        .filter(|b| b.spec.kind == kind)
        .map(|b| (b.spec.name.to_owned(), b.expect.clone()))
        .collect())
}
