//! Checklists: versioned TOML documents of sections and items, built in or from the user's
//! config directory, validated on load with positioned errors.
//!
//! The file format is documented in `checklists/FORMAT.md`; `raw` mirrors it, `build` turns it
//! into the model below (every rule of the format lives there), `builtin` embeds the three
//! checklists written from the field guides.

mod build;
pub mod builtin;
pub mod condition;
pub mod decode;
pub mod diag;
mod raw;
pub mod redact;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use crate::rules::{ProbeBinding, ProbeKind};
pub use condition::{AnswerLookup, Condition};
pub use diag::{Diagnostic, Diagnostics};

/// Why a checklist could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ChecklistError {
    #[error("cannot read checklist {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Diagnostics),
    #[error("no checklist with id `{id}` (known: {known})")]
    Unknown { id: String, known: String },
}

/// Where a checklist came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Builtin,
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin => f.write_str("built-in"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Checklist {
    pub id: String,
    pub version: String,
    pub title: String,
    pub description: String,
    pub source: String,
    /// `sha256:` and the hex digest of the file's bytes, so an assessment records exactly which
    /// text its answers were given against.
    pub content_hash: String,
    pub origin: Origin,
    pub sections: Vec<Section>,
    #[serde(skip)]
    index: HashMap<String, (usize, usize)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub guidance: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: String,
    pub prompt: String,
    pub guidance: String,
    pub kind: AnswerKind,
    pub severity: Severity,
    pub source: String,
    /// Answers that count as good (confirm, choice and multi items); empty when any answer will do.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub good: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<ProbeBinding>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerKind {
    /// Yes or no.
    Confirm,
    Choice {
        options: Vec<Choice>,
    },
    Multi {
        options: Vec<Choice>,
    },
    Text,
    Number {
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<String>,
    },
    /// Rows of cells under fixed columns, for inventories.
    Table {
        columns: Vec<String>,
    },
}

impl AnswerKind {
    pub const NAMES: [&'static str; 6] = ["confirm", "choice", "multi", "text", "number", "table"];

    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            AnswerKind::Confirm => "confirm",
            AnswerKind::Choice { .. } => "choice",
            AnswerKind::Multi { .. } => "multi",
            AnswerKind::Text => "text",
            AnswerKind::Number { .. } => "number",
            AnswerKind::Table { .. } => "table",
        }
    }

    /// The values an answer of this kind can select, for conditions and `good`.
    #[must_use]
    pub fn values(&self) -> Vec<&str> {
        match self {
            AnswerKind::Confirm => vec!["yes", "no"],
            AnswerKind::Choice { options } | AnswerKind::Multi { options } => {
                options.iter().map(|o| o.value.as_str()).collect()
            }
            _ => Vec::new(),
        }
    }

    #[must_use]
    pub fn options(&self) -> &[Choice] {
        match self {
            AnswerKind::Choice { options } | AnswerKind::Multi { options } => options,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Blocker,
    Major,
    Minor,
    Info,
}

impl Severity {
    pub const NAMES: [&'static str; 4] = ["blocker", "major", "minor", "info"];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Severity::Blocker => "blocker",
            Severity::Major => "major",
            Severity::Minor => "minor",
            Severity::Info => "info",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Severity::Blocker,
            Severity::Major,
            Severity::Minor,
            Severity::Info,
        ]
        .into_iter()
        .find(|v| v.name() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Checklist {
    /// Parses and validates checklist text; `path` is used in messages.
    ///
    /// # Errors
    /// Every problem of the text, each with its line and column.
    pub fn parse(text: &str, path: &Path, origin: Origin) -> Result<Self, ChecklistError> {
        build::build(text, path, origin).map_err(ChecklistError::Invalid)
    }

    /// Reads and validates a checklist file.
    ///
    /// # Errors
    /// When the file cannot be read, or has problems (each with its line and column).
    pub fn load(path: &Path) -> Result<Self, ChecklistError> {
        let text = decode::read(path).map_err(|e| match e {
            decode::ReadError::Io(source) => ChecklistError::Read {
                path: path.to_owned(),
                source,
            },
            decode::ReadError::Encoding(d) => ChecklistError::Invalid(d),
        })?;
        Self::parse(&text, path, Origin::File(path.to_owned()))
    }

    #[must_use]
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.index.get(id).map(|&(s, i)| &self.sections[s].items[i])
    }

    /// The section and item indices of an item id.
    #[must_use]
    pub fn position(&self, id: &str) -> Option<(usize, usize)> {
        self.index.get(id).copied()
    }

    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }

    #[must_use]
    pub fn item_count(&self) -> usize {
        self.sections.iter().map(|s| s.items.len()).sum()
    }

    /// The distinct probe rules of one kind, in checklist order, each with the items bound to
    /// it (several items may share a rule, e.g. a version asked for two HA options).
    #[must_use]
    pub fn rules(&self, kind: ProbeKind) -> Vec<Rule<'_>> {
        let mut rules: Vec<Rule<'_>> = Vec::new();
        for item in self.items() {
            let Some(binding) = item.probe.as_ref().filter(|b| b.spec.kind == kind) else {
                continue;
            };
            let key = binding.to_string();
            match rules.iter_mut().find(|r| r.key == key) {
                Some(r) => r.items.push(item),
                None => rules.push(Rule {
                    key,
                    binding,
                    items: vec![item],
                }),
            }
        }
        rules
    }
}

impl Checklist {
    /// The checklist's SQL checks, one per distinct rule: what the SQL probe reads the
    /// permissions and databases they name for.
    #[must_use]
    pub fn sql_checks(&self) -> Vec<crate::rules::SqlCheck> {
        self.rules(ProbeKind::Sql)
            .into_iter()
            .filter_map(|r| match &r.binding.check {
                crate::rules::Check::Sql(check) => Some(check.clone()),
                _ => None,
            })
            .collect()
    }

    /// Every suite a TLS rule of the checklist requires accepted, as written.
    #[must_use]
    pub fn required_suites(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .items()
            .filter_map(|i| match i.probe.as_ref().map(|b| &b.check) {
                Some(crate::rules::Check::Tls(crate::rules::TlsCheck::SuitesAccepted {
                    suites,
                    ..
                })) => Some(suites.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// A probe rule of a checklist and the items it answers.
#[derive(Debug)]
pub struct Rule<'a> {
    /// The rule as written (`sql.backup_age (backup=log; max_age_hours=1)`).
    pub key: String,
    pub binding: &'a ProbeBinding,
    pub items: Vec<&'a Item>,
}

/// The sha256 of a checklist's bytes, as recorded in assessments and reports.
#[must_use]
pub fn content_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::from("sha256:");
    for b in digest {
        use std::fmt::Write as _;
        let _ = write!(out, "{b:02x}");
    }
    out
}
