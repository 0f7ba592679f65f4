//! `when` logic, status and progress against a small checklist written for the purpose.

use std::path::Path;

use super::*;
use crate::checklist::Origin;

const TEXT: &str = r#"
[checklist]
id = "t"
version = "1"
title = "T"
source = "test"

[[section]]
id = "db"
title = "Database"

[[section.item]]
id = "db.ha"
prompt = "Which HA option?"
kind = "choice"
severity = "major"
source = "s"
options = [{ value = "alwayson", label = "AlwaysOn" }, { value = "mirroring", label = "Mirroring" }]

[[section.item]]
id = "db.enterprise"
prompt = "Enterprise edition?"
kind = "confirm"
severity = "blocker"
source = "s"
good = ["yes"]
when = { item = "db.ha", is = "alwayson" }

[[section.item]]
id = "db.sync"
prompt = "Synchronous commit?"
kind = "confirm"
severity = "blocker"
source = "s"
good = ["yes"]
when = { item = "db.enterprise", is = "yes" }

[[section.item]]
id = "db.fqdn"
prompt = "Mirroring partners by FQDN?"
kind = "confirm"
severity = "major"
source = "s"
when = { not = { item = "db.ha", in = ["alwayson"] } }

[[section.item]]
id = "db.users"
prompt = "How many users?"
kind = "number"
severity = "info"
source = "s"
min = 1
"#;

fn checklist() -> Checklist {
    Checklist::parse(TEXT, Path::new("t.toml"), Origin::Builtin).expect("test checklist is valid")
}

fn asked(a: &Assessment, c: &Checklist) -> Vec<String> {
    c.items()
        .filter(|i| a.is_asked(c, i))
        .map(|i| i.id.clone())
        .collect()
}

fn set(a: &mut Assessment, c: &Checklist, id: &str, v: Value) {
    a.answer(c, id, Response::Value(v), "t", "2026-01-01T00:00:00Z")
        .expect("valid answer");
}

#[test]
fn conditions_chain_through_items_that_are_not_asked() {
    let c = checklist();
    let mut a = Assessment::new("s", &c, "now");
    assert_eq!(asked(&a, &c), ["db.ha", "db.fqdn", "db.users"]);
    set(&mut a, &c, "db.ha", Value::Choice("alwayson".into()));
    assert_eq!(asked(&a, &c), ["db.ha", "db.enterprise", "db.users"]);
    set(&mut a, &c, "db.enterprise", Value::Yes);
    assert_eq!(
        asked(&a, &c),
        ["db.ha", "db.enterprise", "db.sync", "db.users"]
    );
    // Switching HA hides `enterprise`, and with it `sync`, although `enterprise` keeps its answer.
    set(&mut a, &c, "db.ha", Value::Choice("mirroring".into()));
    assert_eq!(asked(&a, &c), ["db.ha", "db.fqdn", "db.users"]);
    assert_eq!(
        a.response("db.enterprise"),
        Some(&Response::Value(Value::Yes))
    );
}

#[test]
fn status_progress_and_blockers() {
    let c = checklist();
    let mut a = Assessment::new("s", &c, "now");
    set(&mut a, &c, "db.ha", Value::Choice("alwayson".into()));
    let p = a.progress(&c);
    assert_eq!(
        (p.settled, p.asked, p.open_blockers, p.failed),
        (1, 3, 1, 0)
    );
    set(&mut a, &c, "db.enterprise", Value::No);
    let item = c.item("db.enterprise").expect("item");
    assert_eq!(a.status(&c, item), Status::Failed);
    let p = a.progress(&c);
    assert_eq!(
        (p.settled, p.asked, p.open_blockers, p.failed),
        (2, 3, 1, 1)
    );
    set(&mut a, &c, "db.enterprise", Value::Yes);
    a.answer(
        &c,
        "db.users",
        Response::NotApplicable {
            reason: "pilot only".into(),
        },
        "t",
        "now",
    )
    .expect("n/a with reason");
    let p = a.progress(&c);
    assert_eq!((p.settled, p.asked, p.open_blockers), (3, 4, 1));
    assert_eq!(p.percent(), 75);
}

#[test]
fn answers_are_checked_against_the_item() {
    let c = checklist();
    let mut a = Assessment::new("s", &c, "now");
    let err = |r| {
        a.clone()
            .answer(&c, "db.users", r, "t", "now")
            .expect_err("refused")
    };
    assert_eq!(
        err(Response::Value(Value::Number(0.0))).to_string(),
        "`0` is not an answer to a number item: expected a number of at least 1"
    );
    assert_eq!(
        err(Response::NotApplicable { reason: " ".into() }),
        AnswerError::MissingReason
    );
    assert_eq!(
        a.answer(&c, "db.nope", Response::Value(Value::Yes), "t", "now"),
        Err(AnswerError::UnknownItem("db.nope".into()))
    );
    assert!(a.entries.is_empty(), "a refused answer records nothing");
}

#[test]
fn notes_and_clearing_keep_what_was_said() {
    let c = checklist();
    let mut a = Assessment::new("s", &c, "now");
    set(&mut a, &c, "db.ha", Value::Choice("mirroring".into()));
    a.set_note(&c, "db.ha", "decided with the DBA  \n", "ana", "later")
        .expect("note");
    a.clear("db.ha", "ana", "later");
    assert_eq!(a.response("db.ha"), None);
    assert_eq!(a.note("db.ha"), "decided with the DBA");
    a.set_note(&c, "db.ha", "", "ana", "later").expect("note");
    assert!(
        a.entries.is_empty(),
        "an entry with neither answer nor note goes away"
    );
}

#[test]
fn entries_for_items_a_new_version_dropped_are_kept_as_orphans() {
    let c = checklist();
    let mut a = Assessment::new("s", &c, "now");
    a.entries.insert(
        "db.retired".into(),
        Entry {
            response: Some(Response::Value(Value::Yes)),
            note: String::new(),
            by: "t".into(),
            at: "now".into(),
        },
    );
    assert_eq!(a.orphans(&c), ["db.retired"]);
}

fn result(kind: crate::probe::ProbeKind, check: &str, target: &str, at: &str) -> ProbeResult {
    ProbeResult {
        kind,
        check: check.into(),
        target: target.into(),
        verdict: crate::probe::Verdict::Fail,
        summary: format!("{check} on {target} at {at}"),
        evidence: crate::probe::Evidence::none(),
        at: at.into(),
        ms: 1,
    }
}

#[test]
fn a_run_replaces_only_the_same_check_on_the_same_target() {
    use crate::probe::ProbeKind::{Dns, Tcp};
    let c = checklist();
    let mut a = Assessment::new("s", &c, "now");
    a.record_run(
        "web",
        "web",
        "h1",
        "T1",
        &[
            result(Dns, "resolves", "a.example", "T1"),
            result(Tcp, "reachable", "db:1433", "T1"),
            result(Tcp, "reachable", "db:443", "T1"),
        ],
    );
    // A run limited to one TCP target keeps the DNS result and the other port's result.
    a.record_run(
        "web",
        "web",
        "h2",
        "T2",
        &[result(Tcp, "reachable", "db:1433", "T2")],
    );
    let run = &a.runs["web"];
    assert_eq!((run.host.as_str(), run.at.as_str()), ("h2", "T2"));
    let got: Vec<(&str, &str)> = run
        .results
        .iter()
        .map(|r| (r.target.as_str(), r.at.as_str()))
        .collect();
    assert_eq!(
        got,
        [("a.example", "T1"), ("db:1433", "T2"), ("db:443", "T1")]
    );
    // Another vantage is another set.
    a.record_run("ad hoc", "ad hoc", "h3", "T3", &[]);
    assert_eq!(a.runs["web"].results.len(), 3);
    assert!(a.runs["ad hoc"].results.is_empty());
}
