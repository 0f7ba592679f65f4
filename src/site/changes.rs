//! What one site has that another lacks or says differently, entry by entry: the one account
//! `site import` gives of a file and `report merge` gives of its inputs' sites.
//!
//! A site is a few tables of entries, each entry known by a key: hosts by `name`, names by
//! `fqdn` (any case), port rules by `from`, `to`, `protocol` and `ports`, TLS endpoints by
//! `endpoint`, SQL instances by `server`, certificate files by `path`, resolvers by their
//! address, and the site's own `site` name. Two entries with one key and different fields are
//! a change of that entry, never two entries.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use super::Site;

/// The tables a site file holds, as their TOML keys, with the fields that make an entry's key.
const TABLES: [(&str, &[&str]); 8] = [
    ("resolvers.internal", &[]),
    ("resolvers.external", &[]),
    ("host", &["name"]),
    ("name", &["fqdn"]),
    ("port", &["from", "to", "protocol", "ports"]),
    ("tls", &["endpoint"]),
    ("sql", &["server"]),
    ("certfile", &["path"]),
];

/// The tables a port workbook (CSV) holds: importing one says nothing about the others.
pub const WORKBOOK_TABLES: &[&str] = &["port"];

/// What happened to one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Added,
    Changed,
    Removed,
}

/// One entry added, changed or removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The table, as the TOML key (`host`, `resolvers.internal`, `site`).
    pub table: &'static str,
    /// The entry's key in words (`ccs1`, `Web Client → CTRM TCP 443`).
    pub key: String,
    pub kind: Kind,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    /// The fields that differ, `(field, before, after)`, a missing field as `-`.
    #[must_use]
    pub fn fields(&self) -> Vec<(String, String, String)> {
        let empty = serde_json::Map::new();
        let obj = |v: &Option<Value>| match v {
            Some(Value::Object(m)) => m.clone(),
            _ => empty.clone(),
        };
        let (a, b) = (obj(&self.before), obj(&self.after));
        if a.is_empty() && b.is_empty() {
            return vec![(
                String::new(),
                self.before.as_ref().map_or("-".into(), words),
                self.after.as_ref().map_or("-".into(), words),
            )];
        }
        let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .map(|k| {
                (
                    k.clone(),
                    a.get(k).map_or("-".into(), words),
                    b.get(k).map_or("-".into(), words),
                )
            })
            .collect()
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            Kind::Added => "added",
            Kind::Changed => "changed",
            Kind::Removed => "removed",
        };
        write!(f, "{what} {} {}", self.table, self.key)?;
        if self.kind == Kind::Changed {
            let fields: Vec<String> = self
                .fields()
                .into_iter()
                .map(|(k, a, b)| {
                    if k.is_empty() {
                        format!("{a} → {b}")
                    } else {
                        format!("{k} {a} → {b}")
                    }
                })
                .collect();
            write!(f, ": {}", fields.join("; "))?;
        }
        Ok(())
    }
}

/// A value in a line of words: strings bare, lists joined, anything else as JSON.
#[must_use]
pub fn words(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(words).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// Several values of one entry, each in words by the fields where they differ only
/// (`address 10.0.0.5`); values that are not tables whole.
#[must_use]
pub fn differing(values: &[&Value]) -> Vec<String> {
    let objects: Option<Vec<&serde_json::Map<String, Value>>> =
        values.iter().map(|v| v.as_object()).collect();
    let Some(objects) = objects else {
        return values.iter().map(|v| words(v)).collect();
    };
    let mut keys: Vec<&String> = objects.iter().flat_map(|o| o.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.retain(|k| objects.iter().any(|o| o.get(*k) != objects[0].get(*k)));
    objects
        .iter()
        .map(|o| {
            keys.iter()
                .map(|k| format!("{k} {}", o.get(*k).map_or("-".into(), words)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect()
}

/// One table of a site, by key, in the site's order.
type Table = Vec<(String, Value)>;

/// A site's tables by name, each entry by its key, in the file's order.
fn tables(site: &Site) -> BTreeMap<&'static str, Table> {
    let json = serde_json::to_value(site).unwrap_or(Value::Null);
    let mut out = BTreeMap::new();
    let name = json.get("site").cloned().unwrap_or(Value::Null);
    out.insert(
        "site",
        if name.is_null() {
            Vec::new()
        } else {
            vec![("name".to_owned(), name)]
        },
    );
    for (table, key) in TABLES {
        let entries = table
            .split('.')
            .try_fold(&json, |v, k| v.get(k))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| (entry_key(v, key), v.clone()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        out.insert(table, entries);
    }
    out
}

fn entry_key(v: &Value, fields: &[&str]) -> String {
    if fields.is_empty() {
        return words(v);
    }
    let part = |f: &str| v.get(f).map(words).unwrap_or_default();
    match fields {
        ["fqdn"] => part("fqdn").to_lowercase(),
        ["from", "to", "protocol", "ports"] => format!(
            "{} → {} {} {}",
            part("from"),
            part("to"),
            part("protocol").to_uppercase(),
            part("ports")
        ),
        _ => fields.iter().map(|f| part(f)).collect::<Vec<_>>().join(" "),
    }
}

/// The entries of a site put back together did not read back as a site. Every entry comes from
/// a site that did, so this is a defect here, said instead of giving an empty site in its place
/// (which a save would then write over the one the person kept).
#[derive(Debug, thiserror::Error)]
#[error("the site put together from its entries does not read back as a site: {0}")]
pub struct Unreadable(#[from] serde_json::Error);

/// Rebuilds a site from its tables (each entry came from a valid site, so it reads back).
fn site_of(tables: &BTreeMap<&'static str, Table>) -> Result<Site, Unreadable> {
    let mut json = serde_json::Map::new();
    if let Some((_, name)) = tables.get("site").and_then(|t| t.first()) {
        json.insert("site".into(), name.clone());
    }
    let mut resolvers = serde_json::Map::new();
    for (table, _) in TABLES {
        let entries: Vec<Value> = tables
            .get(table)
            .map(|t| t.iter().map(|(_, v)| v.clone()).collect())
            .unwrap_or_default();
        if let Some(which) = table.strip_prefix("resolvers.") {
            resolvers.insert(which.into(), Value::Array(entries));
        } else {
            json.insert(table.into(), Value::Array(entries));
        }
    }
    json.insert("resolvers".into(), Value::Object(resolvers));
    Ok(serde_json::from_value(Value::Object(json))?)
}

/// Every entry `new` adds to `old`, changes in it or lacks, table by table; only the tables
/// in `covered` (all, when `None`) can lose entries.
#[must_use]
pub fn diff(old: &Site, new: &Site, covered: Option<&[&str]>) -> Vec<Change> {
    let (a, b) = (tables(old), tables(new));
    let mut out = Vec::new();
    for (table, entries) in &b {
        let before = &a[table];
        for (key, value) in entries {
            match before.iter().find(|(k, _)| k == key) {
                None => out.push(Change {
                    table,
                    key: key.clone(),
                    kind: Kind::Added,
                    before: None,
                    after: Some(value.clone()),
                }),
                Some((_, was)) if was != value => out.push(Change {
                    table,
                    key: key.clone(),
                    kind: Kind::Changed,
                    before: Some(was.clone()),
                    after: Some(value.clone()),
                }),
                Some(_) => {}
            }
        }
        if covered.is_some_and(|c| !c.contains(table)) {
            continue;
        }
        for (key, value) in before {
            // A file without a site name says nothing about the name.
            if *table == "site" {
                continue;
            }
            if !entries.iter().any(|(k, _)| k == key) {
                out.push(Change {
                    table,
                    key: key.clone(),
                    kind: Kind::Removed,
                    before: Some(value.clone()),
                    after: None,
                });
            }
        }
    }
    out
}

/// Applies changes to a site: additions at the end of their table, changes in place, removals.
///
/// # Errors
/// When the result does not read back as a site ([`Unreadable`]).
pub fn apply(site: &Site, changes: &[Change]) -> Result<Site, Unreadable> {
    let mut t = tables(site);
    for c in changes {
        let Some(entries) = t.get_mut(c.table) else {
            continue;
        };
        let at = entries.iter().position(|(k, _)| *k == c.key);
        match (c.kind, at, &c.after) {
            (Kind::Added, None, Some(v)) => entries.push((c.key.clone(), v.clone())),
            (Kind::Changed | Kind::Added, Some(i), Some(v)) => entries[i].1 = v.clone(),
            (Kind::Removed, Some(i), _) => {
                entries.remove(i);
            }
            _ => {}
        }
    }
    site_of(&t)
}

/// One entry the inputs of a merge say differently: the value of each input that has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub table: &'static str,
    pub key: String,
    /// `(input, value)`, in the order the inputs were given.
    pub values: Vec<(String, Value)>,
}

/// The union of several sites: every entry any of them has; an entry they say differently is
/// taken from `prefer` when that input has it, else from the first input that has it, and
/// named in the conflicts.
///
/// # Errors
/// When the union does not read back as a site ([`Unreadable`]).
pub fn union(
    sites: &[(String, Site)],
    prefer: Option<&str>,
) -> Result<(Site, Vec<Conflict>), Unreadable> {
    let mut merged: BTreeMap<&'static str, Table> = BTreeMap::new();
    let mut seen: BTreeMap<(&'static str, String), Vec<(String, Value)>> = BTreeMap::new();
    for (label, site) in sites {
        for (table, entries) in tables(site) {
            let into = merged.entry(table).or_default();
            for (key, value) in entries {
                let all = seen.entry((table, key.clone())).or_default();
                if !all.iter().any(|(l, _)| l == label) {
                    all.push((label.clone(), value.clone()));
                }
                match into.iter_mut().find(|(k, _)| *k == key) {
                    None => into.push((key, value)),
                    Some(kept) if prefer == Some(label.as_str()) => kept.1 = value,
                    Some(_) => {}
                }
            }
        }
    }
    let conflicts = seen
        .into_iter()
        .filter(|(_, values)| values.iter().any(|(_, v)| *v != values[0].1))
        .map(|((table, key), values)| Conflict { table, key, values })
        .collect();
    Ok((site_of(&merged)?, conflicts))
}
