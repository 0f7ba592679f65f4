//! `when` conditions: an item is asked only when its condition on other answers holds.

use std::fmt;

use serde::Serialize;

/// A validated condition. Item ids are known to exist and values to be possible answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The item's answer is (or, for multi choice, includes) this value.
    Is {
        item: String,
        value: String,
    },
    /// The item's answer is (or includes) one of these values.
    In {
        item: String,
        values: Vec<String>,
    },
    /// The item has (or has not) been answered, including "not applicable".
    Answered {
        item: String,
        answered: bool,
    },
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

/// What a condition needs to know of the answers: for an answered item, the values it selects
/// (`yes`/`no` for a confirmation, the chosen options for a choice, nothing for free text or
/// "not applicable"); `None` for an item not answered or not asked.
pub trait AnswerLookup {
    fn selected(&self, item: &str) -> Option<Vec<&str>>;
}

impl Condition {
    pub fn holds(&self, answers: &dyn AnswerLookup) -> bool {
        match self {
            Condition::Is { item, value } => answers
                .selected(item)
                .is_some_and(|v| v.contains(&value.as_str())),
            Condition::In { item, values } => answers
                .selected(item)
                .is_some_and(|v| v.iter().any(|s| values.iter().any(|w| w == s))),
            Condition::Answered { item, answered } => answers.selected(item).is_some() == *answered,
            Condition::All(all) => all.iter().all(|c| c.holds(answers)),
            Condition::Any(any) => any.iter().any(|c| c.holds(answers)),
            Condition::Not(c) => !c.holds(answers),
        }
    }

    /// Every item the condition reads.
    pub fn items(&self) -> Vec<&str> {
        match self {
            Condition::Is { item, .. }
            | Condition::In { item, .. }
            | Condition::Answered { item, .. } => vec![item.as_str()],
            Condition::All(v) | Condition::Any(v) => v.iter().flat_map(Condition::items).collect(),
            Condition::Not(c) => c.items(),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, v: &[Condition], sep: &str| {
            for (n, c) in v.iter().enumerate() {
                if n > 0 {
                    write!(f, " {sep} ")?;
                }
                if matches!(c, Condition::All(_) | Condition::Any(_)) {
                    write!(f, "({c})")?;
                } else {
                    write!(f, "{c}")?;
                }
            }
            Ok(())
        };
        match self {
            Condition::Is { item, value } => write!(f, "{item} is {value}"),
            Condition::In { item, values } => write!(f, "{item} in [{}]", values.join(", ")),
            Condition::Answered {
                item,
                answered: true,
            } => write!(f, "{item} is answered"),
            Condition::Answered {
                item,
                answered: false,
            } => write!(f, "{item} is unanswered"),
            Condition::All(v) => join(f, v, "and"),
            Condition::Any(v) => join(f, v, "or"),
            Condition::Not(c) => write!(f, "not ({c})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<&'static str, Vec<&'static str>>);
    impl AnswerLookup for Map {
        fn selected(&self, item: &str) -> Option<Vec<&str>> {
            self.0.get(item).cloned()
        }
    }

    fn is(item: &str, value: &str) -> Condition {
        Condition::Is {
            item: item.into(),
            value: value.into(),
        }
    }

    #[test]
    fn table_of_conditions() {
        let answers = Map(HashMap::from([
            ("ha", vec!["alwayson"]),
            ("multi", vec!["a", "c"]),
            ("na", vec![]),
        ]));
        let cases = [
            (is("ha", "alwayson"), true),
            (is("ha", "mirroring"), false),
            (is("missing", "x"), false),
            (is("multi", "c"), true),
            (
                Condition::In {
                    item: "ha".into(),
                    values: vec!["cluster".into(), "alwayson".into()],
                },
                true,
            ),
            (
                Condition::Answered {
                    item: "na".into(),
                    answered: true,
                },
                true,
            ),
            (
                Condition::Answered {
                    item: "missing".into(),
                    answered: false,
                },
                true,
            ),
            (is("na", "yes"), false),
            (
                Condition::All(vec![is("ha", "alwayson"), is("multi", "a")]),
                true,
            ),
            (
                Condition::All(vec![is("ha", "alwayson"), is("multi", "b")]),
                false,
            ),
            (Condition::Any(vec![is("ha", "x"), is("multi", "a")]), true),
            (Condition::Not(Box::new(is("ha", "alwayson"))), false),
        ];
        for (n, (c, want)) in cases.iter().enumerate() {
            assert_eq!(c.holds(&answers), *want, "case {n}: {c}");
        }
    }

    #[test]
    fn display_reads_as_a_sentence() {
        let c = Condition::All(vec![
            is("db.ha", "alwayson"),
            Condition::Not(Box::new(is("x", "no"))),
        ]);
        assert_eq!(c.to_string(), "db.ha is alwayson and not (x is no)");
        assert_eq!(c.items(), vec!["db.ha", "x"]);
    }
}
