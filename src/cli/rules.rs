//! A checklist's rules of one probe kind judged on one probe's facts, once per distinct rule,
//! with the items each answers: what `preflight tls` and `preflight sql` print under
//! "checklist rules".

use color_eyre::eyre::Result;
use serde_json::json;

use super::library;
use crate::checklist::ProbeKind;
use crate::paths::Dirs;
use crate::probe::Verdict;
use crate::rules::Check as Rule;

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
    evaluate: impl Fn(&Rule) -> Option<(Verdict, String)>,
) -> Result<Vec<Check>> {
    if id == "none" {
        return Ok(Vec::new());
    }
    let lib = library(dirs)?;
    let checklist = lib.get(id)?;
    Ok(checklist
        .rules(kind)
        .into_iter()
        .filter_map(|rule| {
            let (verdict, summary) = evaluate(&rule.binding.check)?;
            Some(Check {
                items: rule.items.iter().map(|i| i.id.clone()).collect(),
                when: rule.items[0].when.as_ref().map(ToString::to_string),
                rule: rule.key,
                verdict,
                summary,
            })
        })
        .collect())
}
