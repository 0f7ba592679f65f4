//! Live probes: async checks with hard timeouts that say what they found in plain words.
//!
//! Each kind lives in its own module and knows nothing of checklists: `tcp` (reachability and
//! the responder), `dns`, `hosts`, `tls`, `sql`, `certfile` (with `cert` for certificates
//! themselves), planned by `plan`, run by `run`, names resolved by `resolve`. What a result
//! rests on is typed in `evidence`. The vocabulary of checks they judge is the leaf
//! `crate::rules`. A probe run produces [`ProbeResult`]s; the assessment matches them back to
//! the checklist items whose bindings, within their scope, asked for them.

pub mod budget;
pub mod cert;
pub mod certfile;
pub mod dns;
pub mod evidence;
pub mod hosts;
pub mod plan;
pub mod resolve;
pub mod responder;
pub mod run;
pub mod sql;
pub mod tcp;
pub mod tls;

use serde::{Deserialize, Serialize};

pub use crate::rules::ProbeKind;
pub use evidence::{Evidence, Facts, Subject};

/// Locks state the probes share between tasks. Every update under these locks is a few plain
/// assignments, so a panic elsewhere cannot leave one half-made: a poisoned lock is taken as
/// it is rather than failing every task after it.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How a probe ended, as the report and the TUI show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// What the checklist asks for is there.
    Pass,
    /// Works, but not as the guide recommends.
    Warn,
    /// What the checklist asks for is not there.
    Fail,
    /// The probe could not tell (a timeout of its own, a broken reply, a local problem).
    Error,
    /// Not run: not for this vantage, or nothing to probe.
    Skipped,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Skipped => "skipped",
        }
    }

    /// The verdict as a person reads it on screen: `error` is "could not tell" (the probe could
    /// not look), which is not a fault of the site.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Error => "could not tell",
            other => other.name(),
        }
    }

    /// How bad a verdict is: fail > error > warn > pass > skipped.
    pub fn rank(self) -> u8 {
        match self {
            Verdict::Skipped => 0,
            Verdict::Pass => 1,
            Verdict::Warn => 2,
            Verdict::Error => 3,
            Verdict::Fail => 4,
        }
    }

    /// The worst of two verdicts, for a result made of several.
    #[must_use]
    pub fn worst(self, other: Verdict) -> Verdict {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A finding any endpoint of a kind gets, whatever the checklist (TLS, SQL Server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub verdict: Verdict,
    pub text: String,
}

impl Finding {
    /// The worst verdict of some findings; pass when there are none.
    pub fn worst(findings: &[Finding]) -> Verdict {
        findings
            .iter()
            .fold(Verdict::Pass, |v, f| v.worst(f.verdict))
    }

    /// Whether any finding failed or could not tell.
    pub fn failed(findings: &[Finding]) -> bool {
        Self::worst(findings).rank() >= Verdict::Error.rank()
    }

    /// The texts of the findings at least as bad as `floor`, in order.
    pub fn texts(findings: &[Finding], floor: Verdict) -> Vec<&str> {
        findings
            .iter()
            .filter(|f| f.verdict.rank() >= floor.rank())
            .map(|f| f.text.as_str())
            .collect()
    }
}

/// One probe's result, as the assessment keeps it by vantage and the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredResult")]
pub struct ProbeResult {
    pub kind: ProbeKind,
    /// The checklist check this result answers (`reachable`, `resolves`, …).
    pub check: String,
    /// What was probed, in the words a person would use (`sql1.example.org:1433`).
    pub target: String,
    pub verdict: Verdict,
    /// One line, plain words: what was found and, on failure, what to change.
    pub summary: String,
    /// What the result is about and the facts behind the verdict.
    pub evidence: Evidence,
    /// When the probe started (RFC 3339) and how long it took.
    pub at: String,
    pub ms: u64,
}

/// A result as stored: its evidence is read by kind ([`Evidence::read`]), in today's shape or
/// an earlier build's.
#[derive(Deserialize)]
struct StoredResult {
    kind: ProbeKind,
    check: String,
    target: String,
    verdict: Verdict,
    summary: String,
    #[serde(default)]
    evidence: serde_json::Value,
    at: String,
    ms: u64,
}

impl From<StoredResult> for ProbeResult {
    fn from(r: StoredResult) -> Self {
        ProbeResult {
            evidence: Evidence::read(r.kind, r.evidence),
            kind: r.kind,
            check: r.check,
            target: r.target,
            verdict: r.verdict,
            summary: r.summary,
            at: r.at,
            ms: r.ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_orders_verdicts() {
        use Verdict::{Error, Fail, Pass, Skipped, Warn};
        assert_eq!(Pass.worst(Warn), Warn);
        assert_eq!(Fail.worst(Error), Fail);
        assert_eq!(Skipped.worst(Pass), Pass);
        assert_eq!(Error.worst(Warn), Error);
    }
}
