//! The checklist file as written: serde types that mirror the TOML, with spans kept on every
//! value a later rule may need to point at. `build` turns these into the model.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub checklist: Spanned<Header>,
    #[serde(default, rename = "section")]
    pub sections: Vec<Spanned<Section>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub id: Spanned<String>,
    pub version: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The guide the checklist is written from.
    pub source: String,
    /// The roles of the site (machines, names, endpoints) its bindings' scopes may name.
    #[serde(default)]
    pub roles: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub guidance: String,
    #[serde(default, rename = "item")]
    pub items: Vec<Spanned<Item>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: Spanned<String>,
    pub prompt: String,
    #[serde(default)]
    pub guidance: String,
    pub kind: Spanned<String>,
    pub severity: Spanned<String>,
    pub source: String,
    #[serde(default)]
    pub options: Option<Spanned<Vec<Spanned<Choice>>>>,
    #[serde(default)]
    pub columns: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub min: Option<Spanned<f64>>,
    #[serde(default)]
    pub max: Option<Spanned<f64>>,
    #[serde(default)]
    pub unit: Option<Spanned<String>>,
    /// Answers that count as good; others make the item fail.
    #[serde(default)]
    pub good: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub when: Option<Spanned<Condition>>,
    #[serde(default)]
    pub probe: Option<Spanned<Probe>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: Spanned<String>,
    pub label: String,
}

/// One form of a condition; exactly one of the groups of fields is set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub item: Option<Spanned<String>>,
    pub is: Option<Spanned<String>>,
    #[serde(rename = "in")]
    pub any_of: Option<Spanned<Vec<Spanned<String>>>>,
    pub answered: Option<Spanned<bool>>,
    pub all: Option<Spanned<Vec<Spanned<Condition>>>>,
    pub any: Option<Spanned<Vec<Spanned<Condition>>>>,
    pub not: Option<Box<Spanned<Condition>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    pub kind: Spanned<String>,
    pub check: Spanned<String>,
    #[serde(default)]
    pub expect: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    /// The vantage role the evidence must come from.
    #[serde(default)]
    pub from: Option<Spanned<String>>,
    /// The targets' role, or a list of them.
    #[serde(default)]
    pub to: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub os: Option<Spanned<String>>,
    /// `inside` or `outside` the site's firewall: the side the evidence must be seen from.
    #[serde(default)]
    pub seen_from: Option<Spanned<String>>,
    /// The answer a passing check gives: `yes` (the default) or `no`.
    #[serde(default)]
    pub pass_means: Option<Spanned<String>>,
}
