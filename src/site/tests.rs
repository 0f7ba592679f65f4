//! Site files: the example parses, every rule's error is positioned, export round-trips.

use std::path::Path;

use super::*;
use crate::checklist::builtin;

#[test]
fn the_example_parses_and_round_trips_through_toml() {
    let site = Site::parse(example::EXAMPLE, Path::new("site.toml")).expect("example is valid");
    assert_eq!(site.name, "St. Example Hospital");
    assert_eq!(site.hosts.len(), 5);
    assert!(
        site.is_outside("mobile user"),
        "the example's phone is outside"
    );
    assert!(!site.is_outside("Console Web Server - 1"));
    assert_eq!(
        site.resolvers.internal,
        ["10.0.0.53:53".parse().expect("addr")]
    );
    assert_eq!(site.ports[0].ports.written(), "8091,20000,20001");
    assert!(site.names[1].reverse);
    let text = site.to_toml().expect("toml");
    let again = Site::parse(&text, Path::new("export.toml")).expect("export parses");
    assert_eq!(again, site);
}

#[test]
fn errors_carry_positions() {
    let cases: &[(&str, usize, usize, &str)] = &[
        (
            "[resolvers]\ninternal = [\"10.0.0.300\"]\n",
            2,
            13,
            "invalid resolver `10.0.0.300`",
        ),
        (
            "[[port]]\nfrom = \"a\"\nto = \"b\"\nports = \"443,80x80\"\n",
            4,
            14,
            "found `80x80`",
        ),
        (
            "[[port]]\nfrom = \"a\"\nto = \"b\"\nprotocol = \"icmp\"\nports = \"1\"\n",
            4,
            12,
            "expected `tcp` or `udp`",
        ),
        (
            "[[name]]\nfqdn = \"x.example.org\"\nexpect = [\"nope\"]\n",
            3,
            11,
            "invalid address `nope`",
        ),
        (
            "[[sql]]\nserver = \"s\"\npassword = \"hunter2\"\n",
            3,
            1,
            "never holds a password",
        ),
        (
            "[[host]]\nname = \"a\"\naddress = \"a\"\n[[host]]\nname = \"a\"\naddress = \"b\"\n",
            5,
            8,
            "duplicate host `a` (first on line 2)",
        ),
        (
            "[[tls]]\nendpoint = \"web.example.org\"\n",
            2,
            12,
            "expected HOST:PORT",
        ),
        (
            "[[host]]\nname = \"a\"\naddress = \"a\"\nos = \"Windows Server 2017\"\n",
            4,
            6,
            "unknown Windows release `Windows Server 2017`",
        ),
        ("colour = \"red\"\n", 1, 1, "unknown field `colour`"),
        (
            "[[host]]\nname = \"phone\"\naddress = \"p\"\noutside = true\n",
            4,
            11,
            "external resolvers, and the site lists none",
        ),
        (
            "[[host]]\nname = \"phone\"\naddress = \"p\"\noutside = \"yes\"\n",
            4,
            11,
            "invalid type: string \"yes\", expected a boolean",
        ),
    ];
    for (text, line, column, want) in cases {
        let Err(SiteError::Invalid(d)) = Site::parse(text, Path::new("s.toml")) else {
            panic!("{text} should fail");
        };
        let first = &d.0[0];
        assert!(first.message.contains(want), "{text}: {d}");
        assert_eq!((first.line, first.column), (*line, *column), "{text}: {d}");
    }
}

#[test]
fn the_spok_checklist_carries_the_guides_port_tables() {
    let spok = builtin::all()
        .expect("built-ins")
        .into_iter()
        .find(|c| c.id == "spok-mobile-4.5")
        .expect("spok");
    let rules = example::template_ports(&spok);
    assert!(rules.len() >= 50, "{} rules", rules.len());
    assert!(rules.iter().any(|r| r.from == "Console Web Server - 1"
        && r.to == "Spok Mobile Servers via Load Balancer"
        && r.ports.written() == "8091"
        && r.purpose.contains("2000x")));
}

#[test]
fn merge_adds_what_is_missing_only() {
    let mut a = Site::parse(example::EXAMPLE, Path::new("a.toml")).expect("valid");
    let before = a.ports.len();
    let mut b = a.clone();
    b.ports.push(PortRule {
        from: "Web Client".into(),
        to: "CTRM".into(),
        protocol: Protocol::Tcp,
        ports: crate::ports::Ports::parse("443,2037").expect("ports"),
        purpose: String::new(),
        outbound: false,
    });
    let changes = a.merge(&b, None).expect("merge");
    assert_eq!(a.ports.len(), before + 1);
    assert_eq!(a.hosts.len(), 5);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        changes[0].to_string(),
        "added port Web Client → CTRM TCP 443,2037"
    );
}

#[test]
fn merge_takes_changes_and_names_removals_it_does_not_make() {
    use super::changes::Kind;
    let mut a = Site::parse(example::EXAMPLE, Path::new("a.toml")).expect("valid");
    let mut b = a.clone();
    let resolver = b.resolvers.internal.remove(0);
    b.hosts[0].address = "10.9.9.9".into();
    let host = b.hosts[0].name.clone();
    if let Some(sql) = b.sql.first_mut() {
        sql.trust_server_certificate = !sql.trust_server_certificate;
    }
    let changes = a.merge(&b, None).expect("merge");
    let said: Vec<(Kind, &str, &str)> = changes
        .iter()
        .map(|c| (c.kind, c.table, c.key.as_str()))
        .collect();
    assert!(
        said.contains(&(Kind::Changed, "host", host.as_str())),
        "{said:?}"
    );
    assert!(
        said.contains(&(
            Kind::Removed,
            "resolvers.internal",
            resolver.to_string().as_str()
        )),
        "{said:?}"
    );
    assert!(
        said.iter().any(|c| c.0 == Kind::Changed && c.1 == "sql"),
        "{said:?}"
    );
    assert_eq!(a.hosts[0].address, "10.9.9.9", "a change is applied");
    assert!(
        a.resolvers.internal.contains(&resolver),
        "a removal is not, without replace"
    );
    let line = changes
        .iter()
        .find(|c| c.table == "host")
        .expect("host change")
        .to_string();
    assert!(
        line.contains("address ") && line.ends_with("→ 10.9.9.9"),
        "{line}"
    );
    // Replacing takes the file whole.
    let again = a.replace(b.clone());
    assert_eq!(a, b);
    assert_eq!(
        again.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [Kind::Removed]
    );
    assert!(
        a.merge(&b, None).expect("merge").is_empty(),
        "nothing left to change"
    );
}

#[test]
fn union_names_what_the_sites_say_differently() {
    let a = Site::parse(example::EXAMPLE, Path::new("a.toml")).expect("valid");
    let mut b = a.clone();
    b.hosts[0].address = "10.9.9.9".into();
    b.hosts.push(Host {
        name: "extra".into(),
        address: "10.1.1.1".into(),
        roles: vec![],
        os: None,
        outside: false,
    });
    let sites = [("a".to_owned(), a.clone()), ("b".to_owned(), b.clone())];
    let (u, conflicts) = super::changes::union(&sites, None).expect("union");
    assert_eq!(u.hosts.len(), a.hosts.len() + 1);
    assert_eq!(
        u.hosts[0].address, a.hosts[0].address,
        "the first input's, undecided"
    );
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        (conflicts[0].table, conflicts[0].key.as_str()),
        ("host", a.hosts[0].name.as_str())
    );
    let (u, _) = super::changes::union(&sites, Some("b")).expect("union");
    assert_eq!(u.hosts[0].address, "10.9.9.9");
}

#[test]
fn applying_no_change_gives_the_same_site() {
    let a = Site::parse(example::EXAMPLE, Path::new("a.toml")).expect("valid");
    assert_eq!(super::changes::apply(&a, &[]).expect("apply"), a);
}

#[test]
fn a_workbook_speaks_for_port_rules_only() {
    use super::changes::{Kind, WORKBOOK_TABLES};
    let mut a = Site::parse(example::EXAMPLE, Path::new("a.toml")).expect("valid");
    let hosts = a.hosts.len();
    let mut rule = a.ports[0].clone();
    rule.purpose = "corrected purpose".into();
    let workbook = Site {
        ports: vec![rule],
        ..Site::default()
    };
    let said = a.merge(&workbook, Some(WORKBOOK_TABLES)).expect("merge");
    assert!(said.iter().all(|c| c.table == "port"), "{said:?}");
    assert!(
        said.iter()
            .any(|c| c.kind == Kind::Changed && c.to_string().contains("corrected purpose")),
        "{said:?}"
    );
    assert_eq!(a.hosts.len(), hosts);
    assert_eq!(a.ports[0].purpose, "corrected purpose");
}
