//! Answers: the value a person gives an item, checked against the item's kind, and the parsing
//! of typed text into a value (one path for the TUI's editors and `session answer`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::checklist::AnswerKind;

/// An answer's value. Which variant is allowed depends on the item's kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Yes,
    No,
    Choice(String),
    Multi(Vec<String>),
    Text(String),
    Number(f64),
    Table(Vec<Vec<String>>),
}

/// What a person said of an item: a value, or that it does not apply here and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Value(Value),
    NotApplicable { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("no item `{0}` in this checklist")]
    UnknownItem(String),
    #[error("`{given}` is not an answer to a {kind} item: expected {expected}")]
    Invalid {
        given: String,
        kind: &'static str,
        expected: String,
    },
    #[error("a \"not applicable\" answer needs a reason")]
    MissingReason,
}

impl Value {
    /// The values a condition can test (`yes`/`no`, chosen options).
    pub fn selected(&self) -> Vec<&str> {
        match self {
            Value::Yes => vec!["yes"],
            Value::No => vec!["no"],
            Value::Choice(v) => vec![v.as_str()],
            Value::Multi(v) => v.iter().map(String::as_str).collect(),
            Value::Text(_) | Value::Number(_) | Value::Table(_) => Vec::new(),
        }
    }

    /// Checks that the value fits the kind.
    ///
    /// # Errors
    /// When it does not, saying what was expected.
    pub fn check(&self, kind: &AnswerKind) -> Result<(), AnswerError> {
        let invalid = |given: String| AnswerError::Invalid {
            given,
            kind: kind.name(),
            expected: expected(kind),
        };
        match (kind, self) {
            (AnswerKind::Confirm, Value::Yes | Value::No) => Ok(()),
            (AnswerKind::Choice { options }, Value::Choice(v)) => options
                .iter()
                .any(|o| &o.value == v)
                .then_some(())
                .ok_or_else(|| invalid(v.clone())),
            (AnswerKind::Multi { options }, Value::Multi(vs)) => {
                for (n, v) in vs.iter().enumerate() {
                    if !options.iter().any(|o| &o.value == v) || vs[..n].contains(v) {
                        return Err(invalid(v.clone()));
                    }
                }
                Ok(())
            }
            (AnswerKind::Text, Value::Text(t)) => {
                if t.trim().is_empty() {
                    Err(invalid(String::new()))
                } else {
                    Ok(())
                }
            }
            (AnswerKind::Number { min, max, .. }, Value::Number(n)) => {
                let in_range =
                    n.is_finite() && min.is_none_or(|m| *n >= m) && max.is_none_or(|m| *n <= m);
                if in_range {
                    Ok(())
                } else {
                    Err(invalid(n.to_string()))
                }
            }
            (AnswerKind::Table { columns }, Value::Table(rows)) => {
                match rows.iter().find(|r| r.len() != columns.len()) {
                    Some(bad) => Err(invalid(bad.join(", "))),
                    None => Ok(()),
                }
            }
            (_, other) => Err(invalid(other.to_string())),
        }
    }

    /// Parses typed text as an answer of `kind`. Confirmations take yes/no/y/n/true/false;
    /// choices take an option's value or label; multi choices a comma-separated list; tables
    /// rows separated by `;` and cells by `,` (or a JSON array of arrays).
    ///
    /// # Errors
    /// When the text is not an answer of the kind.
    pub fn parse(kind: &AnswerKind, text: &str) -> Result<Self, AnswerError> {
        let t = text.trim();
        let invalid = || AnswerError::Invalid {
            given: text.to_owned(),
            kind: kind.name(),
            expected: expected(kind),
        };
        let option = |s: &str| {
            kind.options()
                .iter()
                .find(|o| o.value.eq_ignore_ascii_case(s) || o.label.eq_ignore_ascii_case(s))
                .map(|o| o.value.clone())
        };
        let value = match kind {
            AnswerKind::Confirm => match t.to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" => Value::Yes,
                "no" | "n" | "false" => Value::No,
                _ => return Err(invalid()),
            },
            AnswerKind::Choice { .. } => Value::Choice(option(t).ok_or_else(invalid)?),
            AnswerKind::Multi { .. } => Value::Multi(
                t.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| option(s).ok_or_else(invalid))
                    .collect::<Result<_, _>>()?,
            ),
            AnswerKind::Text => Value::Text(text.to_owned()),
            AnswerKind::Number { .. } => Value::Number(t.parse().map_err(|_| invalid())?),
            AnswerKind::Table { .. } => Value::Table(if t.starts_with('[') {
                serde_json::from_str(t).map_err(|_| invalid())?
            } else {
                t.split(';')
                    .filter(|r| !r.trim().is_empty())
                    .map(|r| r.split(',').map(|c| c.trim().to_owned()).collect())
                    .collect()
            }),
        };
        value.check(kind)?;
        Ok(value)
    }
}

/// What an answer of `kind` looks like, for error messages and hints.
#[must_use]
pub fn expected(kind: &AnswerKind) -> String {
    match kind {
        AnswerKind::Confirm => "yes or no".to_owned(),
        AnswerKind::Choice { options } => format!(
            "one of {}",
            options
                .iter()
                .map(|o| o.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        AnswerKind::Multi { options } => format!(
            "a comma-separated list of {}",
            options
                .iter()
                .map(|o| o.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        AnswerKind::Text => "some text".to_owned(),
        AnswerKind::Number { min, max, unit } => {
            let range = match (min, max) {
                (Some(lo), Some(hi)) => format!(" from {lo} to {hi}"),
                (Some(lo), None) => format!(" of at least {lo}"),
                (None, Some(hi)) => format!(" of at most {hi}"),
                (None, None) => String::new(),
            };
            let unit = unit.as_ref().map(|u| format!(" ({u})")).unwrap_or_default();
            format!("a number{range}{unit}")
        }
        AnswerKind::Table { columns } => format!(
            "rows of {} cells ({}), rows separated by ';' and cells by ','",
            columns.len(),
            columns.join(", ")
        ),
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Yes => f.write_str("yes"),
            Value::No => f.write_str("no"),
            Value::Choice(v) | Value::Text(v) => f.write_str(v),
            Value::Multi(v) => f.write_str(&v.join(", ")),
            Value::Number(n) => write!(f, "{n}"),
            Value::Table(rows) => write!(
                f,
                "{} row{}",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Response::Value(v) => write!(f, "{v}"),
            Response::NotApplicable { reason } => write!(f, "n/a ({reason})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Choice;

    fn choice() -> AnswerKind {
        AnswerKind::Choice {
            options: vec![
                Choice {
                    value: "alwayson".into(),
                    label: "AlwaysOn".into(),
                },
                Choice {
                    value: "mirroring".into(),
                    label: "Mirroring".into(),
                },
            ],
        }
    }

    #[test]
    fn parsing_table() {
        let multi = AnswerKind::Multi {
            options: choice().options().to_vec(),
        };
        let number = AnswerKind::Number {
            min: Some(0.0),
            max: Some(10.0),
            unit: None,
        };
        let table = AnswerKind::Table {
            columns: vec!["a".into(), "b".into()],
        };
        let ok = [
            (AnswerKind::Confirm, " Y ", Value::Yes),
            (AnswerKind::Confirm, "false", Value::No),
            (choice(), "AlwaysOn", Value::Choice("alwayson".into())),
            (
                multi.clone(),
                "mirroring, alwayson",
                Value::Multi(vec!["mirroring".into(), "alwayson".into()]),
            ),
            (number.clone(), "2.5", Value::Number(2.5)),
            (
                table.clone(),
                "iOS, 12; Android,9",
                Value::Table(vec![
                    vec!["iOS".into(), "12".into()],
                    vec!["Android".into(), "9".into()],
                ]),
            ),
            (
                table.clone(),
                r#"[["a,b","c"]]"#,
                Value::Table(vec![vec!["a,b".into(), "c".into()]]),
            ),
            (
                AnswerKind::Text,
                "  kept as typed ",
                Value::Text("  kept as typed ".into()),
            ),
        ];
        for (kind, text, want) in ok {
            assert_eq!(Value::parse(&kind, text), Ok(want), "{text}");
        }
        let bad = [
            (AnswerKind::Confirm, "maybe"),
            (choice(), "cluster"),
            (multi, "alwayson,alwayson"),
            (number.clone(), "11"),
            (number, "NaN"),
            (table, "only-one-cell"),
            (AnswerKind::Text, "   "),
        ];
        for (kind, text) in bad {
            assert!(Value::parse(&kind, text).is_err(), "{text} should fail");
        }
    }

    #[test]
    fn errors_say_what_was_expected() {
        let e = Value::parse(&choice(), "cluster").expect_err("not an option");
        assert_eq!(
            e.to_string(),
            "`cluster` is not an answer to a choice item: expected one of alwayson, mirroring"
        );
    }
}
