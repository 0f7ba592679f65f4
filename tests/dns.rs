//! The DNS probe against real DNS servers: hickory-server instances started by each test on
//! 127.0.0.1 with random UDP and TCP ports, serving zones written here as zone-file text.
//!
//! Two servers disagree as an internal and an external resolver do (split horizon); a zone with
//! no handler answers SERVFAIL (hickory-server's catalog does that when every handler of a zone
//! declines); names outside every zone are REFUSED; a UDP socket that never reads stands in for a
//! resolver that does not answer. Then the real binary, pointed at the same servers, for its
//! JSON shape, its text and its exit codes.
//!
//! NETWORK SAFETY: every query names a resolver that a test started on loopback. Nothing here
//! uses the system resolver or any address outside 127.0.0.0/8; addresses such as 10.1.2.3 or
//! 203.0.113.7 appear only as data inside zones. Every test has a watchdog.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use hickory_server::proto::rr::Name;
use hickory_server::proto::serialize::txt::Parser;
use preflight::probe::Verdict;
use preflight::probe::dns::{
    self, Expectation, Horizon, HorizonExpectation, QueryOptions, QueryType, Question, Resolver,
    ResolverSpec, Status,
};
use serde_json::Value;

mod common;

use common::dns_server::DnsServer;
use common::{Out, run_with_watchdog};

const BIN: &str = env!("CARGO_BIN_EXE_preflight");
/// Longest any async test may run.
const WATCHDOG: Duration = Duration::from_secs(20);
/// Short enough to keep the timeout tests quick, long enough for a loaded debug build.
const SHORT: Duration = Duration::from_millis(400);

// ---------------------------------------------------------------------------------------------
// Zones

const INTERNAL_ZONE: &str = r#"
$ORIGIN example.test.
$TTL 60
@         IN SOA  ns.example.test. admin.example.test. 1 3600 600 86400 60
@         IN NS   ns.example.test.
ns        IN A    10.0.0.53
sql1      IN A    10.1.2.3
sql2      IN A    10.1.2.4
shortptr  IN A    10.1.2.30
mail      IN A    10.1.2.25
web       IN A    10.1.2.10
web       IN AAAA fd00::10
v6only    IN AAAA fd00::20
; the name exists, with no address: NOERROR and no records, not NXDOMAIN
noaddr    IN TXT  "no address here"
; a chain of two aliases, and an alias to nothing
www       IN CNAME alias2
alias2    IN CNAME web
listener  IN CNAME sql1
dangling  IN CNAME gone.example.test.
; aliases that loop
loopa     IN CNAME loopb
loopb     IN CNAME loopa
"#;

const INTERNAL_REVERSE: &str = r"
$ORIGIN 2.1.10.in-addr.arpa.
$TTL 60
@   IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 60
@   IN NS  ns.example.test.
3   IN PTR sql1.example.test.
4   IN PTR oldsql.example.test.
10  IN PTR web.example.test.
25  IN PTR mail.example.test.
30  IN PTR shortptr.
";

/// The outside view: mail has its public address, web the same as inside, sql1 unknown.
const EXTERNAL_ZONE: &str = r"
$ORIGIN example.test.
$TTL 60
@     IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 60
@     IN NS  ns.example.test.
mail  IN A   203.0.113.25
web   IN A   10.1.2.10
web   IN AAAA fd00::10
";

/// A name with more addresses than a UDP reply holds: the server truncates, the client asks
/// again over TCP.
fn big_zone() -> String {
    let mut z = String::from(
        "$ORIGIN big.test.\n$TTL 60\n@ IN SOA ns.big.test. admin.big.test. 1 3600 600 86400 60\n@ IN NS ns.big.test.\n",
    );
    for i in 1..=120 {
        let _ = writeln!(z, "many IN A 10.2.0.{i}");
    }
    z
}

/// 200 names for the concurrency test.
fn bulk_zone() -> String {
    let mut z = String::from(
        "$ORIGIN bulk.test.\n$TTL 60\n@ IN SOA ns.bulk.test. admin.bulk.test. 1 3600 600 86400 60\n@ IN NS ns.bulk.test.\n",
    );
    for i in 0..200 {
        let _ = writeln!(z, "host{i} IN A 10.3.{}.{}", i / 200, i % 200 + 1);
    }
    z
}

// ---------------------------------------------------------------------------------------------
// Servers

/// The test's servers: the shared loopback DNS server with this file's zones.
struct TestServer(DnsServer);

impl TestServer {
    fn internal() -> Self {
        Self(DnsServer::start(
            &[
                ("example.test.", INTERNAL_ZONE.to_owned()),
                ("2.1.10.in-addr.arpa.", INTERNAL_REVERSE.to_owned()),
                ("big.test.", big_zone()),
                ("bulk.test.", bulk_zone()),
            ],
            &["broken.test."],
        ))
    }

    fn external() -> Self {
        Self(DnsServer::start(
            &[("example.test.", EXTERNAL_ZONE.to_owned())],
            &[],
        ))
    }

    fn spec(&self, label: &str) -> ResolverSpec {
        ResolverSpec::server(self.0.addr).with_label(label)
    }

    fn arg(&self) -> String {
        self.0.addr.to_string()
    }
}

/// A resolver that never answers: a bound UDP socket nobody reads. Kept open by the caller.
fn black_hole() -> std::net::UdpSocket {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind the black hole");
    assert!(s.local_addr().expect("address").ip().is_loopback());
    s
}

fn resolver(spec: &ResolverSpec) -> Resolver {
    assert!(
        matches!(spec.upstream, dns::Upstream::Server(a) if a.ip().is_loopback()),
        "tests ask loopback resolvers only"
    );
    Resolver::new(
        spec,
        QueryOptions {
            timeout: Duration::from_secs(3),
            attempts: 1,
        },
    )
    .expect("resolver")
}

/// Runs a test body with a watchdog.
async fn guarded<F: Future<Output = ()>>(body: F) {
    tokio::time::timeout(WATCHDOG, body)
        .await
        .expect("the test finished within its watchdog");
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("an address")
}

// ---------------------------------------------------------------------------------------------
// Single queries

#[tokio::test]
async fn a_aaaa_and_ptr_records() {
    let server = TestServer::internal();
    let r = resolver(&server.spec("internal"));
    guarded(async {
        let a = r.query("sql1.example.test", QueryType::A).await;
        assert_eq!(
            (a.status, a.records.clone()),
            (Status::Ok, vec!["10.1.2.3".to_owned()])
        );
        assert_eq!(a.resolver, "internal");
        assert!(a.chain.is_empty() && a.detail.is_none(), "{a:?}");
        assert!(a.ms < 3000);

        let aaaa = r.query("web.example.test", QueryType::Aaaa).await;
        assert_eq!(
            (aaaa.status, aaaa.records),
            (Status::Ok, vec!["fd00::10".to_owned()])
        );

        let ptr = r.query("10.1.2.3", QueryType::Ptr).await;
        assert_eq!(
            (ptr.status, ptr.records),
            (Status::Ok, vec!["sql1.example.test".to_owned()])
        );
        assert_eq!(ptr.name, "10.1.2.3");
    })
    .await;
}

#[tokio::test]
async fn the_cname_chain_is_followed_and_recorded() {
    let server = TestServer::internal();
    let r = resolver(&server.spec("internal"));
    guarded(async {
        let a = r.query("www.example.test", QueryType::A).await;
        assert_eq!(a.status, Status::Ok, "{a:?}");
        assert_eq!(a.records, vec!["10.1.2.10"]);
        assert_eq!(a.chain, vec!["alias2.example.test", "web.example.test"]);
        assert_eq!(
            a.words(),
            "10.1.2.10 (via alias2.example.test → web.example.test)"
        );

        let c = r.query("www.example.test", QueryType::Cname).await;
        assert_eq!(c.status, Status::Ok, "{c:?}");
        assert_eq!(c.records, vec!["alias2.example.test"]);
        assert_eq!(c.chain, vec!["alias2.example.test", "web.example.test"]);

        let not_alias = r.query("sql1.example.test", QueryType::Cname).await;
        assert_eq!(not_alias.status, Status::NoAnswer, "{not_alias:?}");
        assert!(
            not_alias
                .words()
                .ends_with("has no CNAME record for it: it is not an alias"),
            "{}",
            not_alias.words()
        );
    })
    .await;
}

#[tokio::test]
async fn a_cname_loop_is_named_as_a_loop_with_its_hops() {
    let server = TestServer::internal();
    let r = resolver(&server.spec("internal"));
    let hops = "loopa.example.test → loopb.example.test → loopa.example.test";
    guarded(async {
        for qtype in [QueryType::A, QueryType::Aaaa, QueryType::Cname] {
            let a = r.query("loopa.example.test", qtype).await;
            assert_eq!(a.status, Status::Error, "{qtype:?}: {a:?}");
            let words = a.words();
            assert!(words.contains("the aliases loop"), "{qtype:?}: {words}");
            assert!(words.contains(hops), "{qtype:?}: {words}");
            assert!(!words.contains("has no A record"), "{qtype:?}: {words}");
        }
    })
    .await;
}

#[test]
fn binary_names_a_cname_loop() {
    let server = TestServer::internal();
    let home = tempfile::tempdir().expect("tempdir");
    let resolver = server.arg();
    let out = preflight_dns(
        home.path(),
        &["loopb.example.test", "--resolver", &resolver],
    );
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout
            .contains("loopb.example.test → loopa.example.test → loopb.example.test"),
        "{}",
        out.both()
    );
    assert!(!out.stdout.contains("no A record"), "{}", out.both());
}

#[tokio::test]
async fn nxdomain_and_no_answer_are_told_apart() {
    let server = TestServer::internal();
    let r = resolver(&server.spec("internal"));
    let who = format!("the resolver internal ({})", server.0.addr);
    guarded(async {
        let missing = r.query("missing.example.test", QueryType::A).await;
        assert_eq!(missing.status, Status::Nxdomain, "{missing:?}");
        assert_eq!(
            missing.words(),
            format!("{who} says missing.example.test does not exist (NXDOMAIN)")
        );

        let noaddr = r.query("noaddr.example.test", QueryType::A).await;
        assert_eq!(noaddr.status, Status::NoAnswer, "{noaddr:?}");
        assert_eq!(
            noaddr.words(),
            format!("{who} knows noaddr.example.test but has no A record for it")
        );

        let v6 = r.query("v6only.example.test", QueryType::A).await;
        assert_eq!(v6.status, Status::NoAnswer, "{v6:?}");
        let v6 = r.query("v6only.example.test", QueryType::Aaaa).await;
        assert_eq!(v6.status, Status::Ok, "{v6:?}");

        let dangling = r.query("dangling.example.test", QueryType::A).await;
        assert_eq!(dangling.status, Status::Nxdomain, "{dangling:?}");
        assert_eq!(dangling.chain, vec!["gone.example.test"]);
        assert_eq!(
            dangling.words(),
            format!(
                "dangling.example.test is an alias of gone.example.test; {who} says gone.example.test does not exist (NXDOMAIN)"
            )
        );
    })
    .await;
}

#[tokio::test]
async fn servfail_and_refused_are_reported_in_plain_words() {
    let server = TestServer::internal();
    let r = resolver(&ResolverSpec::server(server.0.addr));
    let who = format!("the resolver {}", server.0.addr);
    guarded(async {
        let sf = r.query("host.broken.test", QueryType::A).await;
        assert_eq!(sf.status, Status::Servfail, "{sf:?}");
        assert!(
            sf.words().starts_with(&format!(
                "{who} failed to resolve host.broken.test (SERVFAIL)"
            )),
            "{}",
            sf.words()
        );

        let refused = r.query("host.outside.test", QueryType::A).await;
        assert_eq!(refused.status, Status::Refused, "{refused:?}");
        assert!(
            refused.words().starts_with(&format!(
                "{who} refused to answer for host.outside.test (REFUSED)"
            )),
            "{}",
            refused.words()
        );
    })
    .await;
}

#[tokio::test]
async fn a_silent_resolver_times_out_within_the_limit() {
    let hole = black_hole();
    let addr = hole.local_addr().expect("address");
    guarded(async {
        for (attempts, words) in [
            (
                1,
                format!("the resolver {addr} did not answer within 400 ms"),
            ),
            (
                2,
                format!("the resolver {addr} did not answer within 400 ms, 2 tries"),
            ),
        ] {
            let r = Resolver::new(
                &ResolverSpec::server(addr),
                QueryOptions {
                    timeout: SHORT,
                    attempts,
                },
            )
            .expect("resolver");
            let started = Instant::now();
            let a = r.query("sql1.example.test", QueryType::A).await;
            let took = started.elapsed();
            assert_eq!(a.status, Status::Timeout, "{a:?}");
            assert_eq!(a.words(), words);
            let budget = SHORT * attempts;
            // Each attempt waits its full timeout, and the whole query stops soon after.
            assert!(
                took >= budget.mul_f32(0.9),
                "{attempts} tries took {took:?}"
            );
            assert!(
                took < budget + Duration::from_millis(600),
                "{attempts} tries took {took:?}"
            );
        }
    })
    .await;
    drop(hole);
}

#[tokio::test]
async fn a_truncated_udp_reply_is_asked_again_over_tcp() {
    let server = TestServer::internal();
    let r = resolver(&server.spec("internal"));
    guarded(async {
        let a = r.query("many.big.test", QueryType::A).await;
        assert_eq!(a.status, Status::Ok, "{a:?}");
        assert_eq!(
            a.records.len(),
            120,
            "every address, which only TCP carries"
        );
    })
    .await;
}

#[tokio::test]
async fn many_names_run_with_bounded_concurrency_in_order() {
    let server = TestServer::internal();
    let r = resolver(&server.spec("internal"));
    guarded(async {
        let questions: Vec<Question> = (0..200)
            .map(|i| Question::new(format!("host{i}.bulk.test"), QueryType::A))
            .collect();
        let mut calls = Vec::new();
        let answers = dns::query_all(std::slice::from_ref(&r), &questions, 8, &mut |d, t| {
            calls.push((d, t));
        })
        .await;
        assert_eq!(answers.len(), 200);
        for (i, a) in answers.iter().enumerate() {
            assert_eq!(a.name, format!("host{i}.bulk.test"));
            assert_eq!(a.status, Status::Ok, "{a:?}");
            assert_eq!(a.records, vec![format!("10.3.0.{}", i + 1)]);
        }
        assert_eq!(calls.len(), 200);
        assert_eq!(calls.last(), Some(&(200, 200)));
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Comparisons

#[tokio::test]
async fn resolves_compares_every_resolver_with_the_expected_addresses() {
    let internal = TestServer::internal();
    let external = TestServer::external();
    let hole = black_hole();
    let rs = [
        resolver(&internal.spec("internal")),
        resolver(&external.spec("external")),
    ];
    guarded(async {
        let targets = [
            Expectation {
                name: "web.example.test".to_owned(),
                addresses: vec![ip("10.1.2.10"), ip("fd00::10")],
            },
            Expectation {
                name: "mail.example.test".to_owned(),
                addresses: vec![ip("10.1.2.25")],
            },
            Expectation {
                name: "sql1.example.test".to_owned(),
                addresses: vec![],
            },
        ];
        let results = dns::resolves(&rs, &targets, 16).await;
        assert_eq!(results.len(), 3);
        for r in &results {
            assert_eq!(r.kind, preflight::probe::ProbeKind::Dns);
            assert_eq!(r.check, "resolves");
        }
        assert_eq!(results[0].verdict, Verdict::Pass, "{}", results[0].summary);
        assert_eq!(
            results[0].summary,
            "web.example.test resolves to 10.1.2.10, fd00::10 through every resolver (internal and external), as expected"
        );
        assert_eq!(results[1].verdict, Verdict::Fail);
        assert_eq!(
            results[1].summary,
            "mail.example.test: external gives 203.0.113.25, expected 10.1.2.25 (missing 10.1.2.25; unexpected 203.0.113.25)"
        );
        assert_eq!(results[2].verdict, Verdict::Fail);
        assert!(
            results[2]
                .summary
                .contains("says sql1.example.test does not exist (NXDOMAIN)"),
            "{}",
            results[2].summary
        );
        let answers = results[0].evidence.seen()["answers"].as_array().expect("answers");
        assert_eq!(answers.len(), 4, "A and AAAA through two resolvers");

        let silent = Resolver::new(
            &ResolverSpec::server(hole.local_addr().expect("address")),
            QueryOptions {
                timeout: SHORT,
                attempts: 1,
            },
        )
        .expect("resolver");
        // A resolver that answers nothing is said down once; the name could not be told.
        let results = dns::resolves(std::slice::from_ref(&silent), &targets[..1], 4).await;
        assert_eq!(results.len(), 2);
        assert_eq!(results[0].verdict, Verdict::Error);
        let at = silent.servers()[0];
        assert_eq!(
            results[0].summary,
            format!("web.example.test: could not tell: {at} is down")
        );
        assert_eq!(results[1].check, "resolver_up");
        assert_eq!(results[1].verdict, Verdict::Fail);
        assert!(
            results[1].summary.starts_with(&format!(
                "resolver {at} ({at}) is down: did not answer 2 of 2 queries (the resolver {at} did not answer within 400 ms)"
            )),
            "{}",
            results[1].summary
        );
    })
    .await;
}

/// One of two internal resolvers is down, as at many sites: it is said once, and every name is
/// judged on the resolvers that answer, so the real split-horizon mismatch and the external
/// NXDOMAIN are in the summaries' first words.
#[tokio::test]
async fn a_dead_resolver_is_said_once_and_hides_nothing() {
    let internal = TestServer::internal();
    let external = TestServer::external();
    let hole = black_hole();
    let quick = |spec: &ResolverSpec| {
        Resolver::new(
            spec,
            QueryOptions {
                timeout: SHORT,
                attempts: 1,
            },
        )
        .expect("resolver")
    };
    let int = [
        quick(&internal.spec("internal 1")),
        quick(&ResolverSpec::server(hole.local_addr().expect("address")).with_label("internal 2")),
    ];
    let ext = [quick(&external.spec("external 1"))];
    guarded(async {
        let names: Vec<String> = ["mail.example.test", "sql1.example.test", "web.example.test"]
            .map(str::to_owned)
            .to_vec();
        let round = dns::Round::ask(&int, &ext, &names, 16).await;
        let up = round.resolver_results();
        let verdicts: Vec<(&str, Verdict)> = up
            .iter()
            .map(|r| (r.target.as_str(), r.verdict))
            .collect();
        let dead = format!("internal 2 ({})", hole.local_addr().expect("address"));
        assert_eq!(
            verdicts,
            [
                (format!("internal 1 ({})", internal.0.addr).as_str(), Verdict::Pass),
                (dead.as_str(), Verdict::Fail),
                (format!("external 1 ({})", external.0.addr).as_str(), Verdict::Pass),
            ]
        );
        assert!(
            up[1].summary.starts_with(&format!(
                "resolver {dead} is down: did not answer 6 of 6 queries"
            )),
            "{}",
            up[1].summary
        );
        assert_eq!(up[1].evidence.seen()["asked"], 6);
        assert_eq!(up[1].evidence.seen()["answered"], 0);

        // mail: the site expects 203.0.113.99 outside; the live external resolver says
        // otherwise, and that is the finding.
        let mail = round.split_horizon(
            &int,
            &ext,
            &HorizonExpectation {
                name: "mail.example.test".to_owned(),
                horizon: Horizon::Split,
                internal: vec![ip("10.1.2.25")],
                external: vec![ip("203.0.113.99")],
            },
        );
        assert_eq!(mail.verdict, Verdict::Fail);
        assert_eq!(
            mail.summary,
            "mail.example.test: internal 10.1.2.25; external gives 203.0.113.25, expected 203.0.113.99 (missing 203.0.113.99; unexpected 203.0.113.25)"
        );
        // sql1 must be published outside; the external resolver does not know it.
        let sql1 = round.split_horizon(
            &int,
            &ext,
            &HorizonExpectation {
                name: "sql1.example.test".to_owned(),
                horizon: Horizon::Split,
                internal: vec![],
                external: vec![],
            },
        );
        assert_eq!(sql1.verdict, Verdict::Fail);
        assert!(
            sql1.summary.starts_with(
                "sql1.example.test: internal 10.1.2.3; external resolvers do not know the name"
            ),
            "{}",
            sql1.summary
        );
        let web = round.resolves(
            &int,
            &Expectation {
                name: "web.example.test".to_owned(),
                addresses: vec![ip("10.1.2.10"), ip("fd00::10")],
            },
        );
        assert_eq!(web.verdict, Verdict::Pass, "{}", web.summary);
        assert_eq!(
            web.summary,
            "web.example.test resolves to 10.1.2.10, fd00::10 through internal 1, as expected"
        );
        for r in [&mail, &sql1, &web] {
            assert!(!r.summary.contains("did not answer"), "{}", r.summary);
            assert_eq!(r.evidence.seen()["down"], serde_json::json!(["internal 2"]));
        }
        let reverse = round.reverse(&int, &names[1..2], 16).await;
        assert_eq!(reverse[0].verdict, Verdict::Pass, "{}", reverse[0].summary);
    })
    .await;
}

#[tokio::test]
async fn split_horizon_shows_both_views() {
    let internal = TestServer::internal();
    let external = TestServer::external();
    let int = [resolver(&internal.spec("internal"))];
    let ext = [resolver(&external.spec("external"))];
    let target = |name: &str, horizon| HorizonExpectation {
        name: name.to_owned(),
        horizon,
        internal: vec![],
        external: vec![],
    };
    guarded(async {
        let results = dns::split_horizon(
            &int,
            &ext,
            &[
                target("mail.example.test", Horizon::Split),
                target("web.example.test", Horizon::Same),
                target("sql1.example.test", Horizon::InternalOnly),
                target("mail.example.test", Horizon::Unstated),
                target("sql1.example.test", Horizon::Split),
            ],
            16,
        )
        .await;
        let got: Vec<(Verdict, &str)> = results
            .iter()
            .map(|r| (r.verdict, r.summary.as_str()))
            .collect();
        assert_eq!(
            got[0],
            (
                Verdict::Pass,
                "mail.example.test: internal 10.1.2.25, external 203.0.113.25: split horizon, as the site expects"
            )
        );
        assert_eq!(
            got[1],
            (
                Verdict::Pass,
                "web.example.test: internal and external both give 10.1.2.10, fd00::10, as the site expects"
            )
        );
        assert_eq!(
            got[2],
            (
                Verdict::Pass,
                "sql1.example.test: internal 10.1.2.3; external resolvers do not know the name, as the site expects"
            )
        );
        assert_eq!(
            got[3],
            (
                Verdict::Warn,
                "mail.example.test: internal 10.1.2.25, external 203.0.113.25: split horizon; the site did not say it expects one"
            )
        );
        assert_eq!(got[4].0, Verdict::Fail);
        assert!(
            got[4].1.ends_with("devices outside cannot find it"),
            "{}",
            got[4].1
        );
        assert_eq!(results[0].check, "split_horizon");
        assert_eq!(
            results[0].evidence.seen()["external"][0]["records"][0],
            "203.0.113.25"
        );
    })
    .await;
}

#[tokio::test]
async fn reverse_matches_forward_then_ptr() {
    let server = TestServer::internal();
    let rs = [resolver(&server.spec("internal"))];
    guarded(async {
        let names: Vec<String> = [
            "sql1.example.test",
            "sql2.example.test",
            "listener.example.test",
            "shortptr.example.test",
            "missing.example.test",
        ]
        .map(str::to_owned)
        .to_vec();
        let results = dns::reverse_matches(&rs, &names, 16).await;
        let got: Vec<(Verdict, &str)> = results
            .iter()
            .map(|r| (r.verdict, r.summary.as_str()))
            .collect();
        assert_eq!(
            got[0],
            (
                Verdict::Pass,
                "sql1.example.test → 10.1.2.3 → sql1.example.test: forward and reverse match"
            )
        );
        assert_eq!(
            got[1],
            (
                Verdict::Fail,
                "sql2.example.test: the PTR of 10.1.2.4 gives oldsql.example.test, not sql2.example.test: SQL mirroring needs the true FQDN back"
            )
        );
        assert_eq!(
            got[2],
            (
                Verdict::Warn,
                "listener.example.test: listener.example.test is an alias of sql1.example.test; the PTR of 10.1.2.3 gives sql1.example.test, the canonical name, not listener.example.test"
            )
        );
        assert_eq!(
            got[3],
            (
                Verdict::Fail,
                "shortptr.example.test: the PTR of 10.1.2.30 gives shortptr, not a fully qualified name: SQL mirroring needs shortptr.example.test"
            )
        );
        assert_eq!(got[4].0, Verdict::Fail);
        assert!(got[4].1.contains("does not exist"), "{}", got[4].1);
        assert_eq!(results[0].evidence.seen()["ptr"][0]["records"][0], "sql1.example.test");
    })
    .await;
}

#[tokio::test]
async fn disagreements_name_the_names_where_resolvers_differ() {
    let internal = TestServer::internal();
    let external = TestServer::external();
    let rs = [
        resolver(&internal.spec("internal")),
        resolver(&external.spec("external")),
    ];
    guarded(async {
        let qs = ["web.example.test", "mail.example.test", "sql1.example.test"]
            .map(|n| Question::new(n, QueryType::A));
        let answers = dns::query_all(&rs, &qs, 8, &mut |_, _| {}).await;
        let d = dns::disagreements(&answers);
        let names: Vec<&str> = d.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["mail.example.test", "sql1.example.test"]);
        assert_eq!(d[0].words(), "internal: 10.1.2.25 · external: 203.0.113.25");
        assert_eq!(d[1].words(), "internal: 10.1.2.3 · external: nxdomain");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// The binary

/// Runs `preflight dns ARGS` with a private home, stdin closed and the watchdog. Every call
/// passes `--resolver` with a loopback address.
fn preflight_dns(home: &Path, args: &[&str]) -> Out {
    assert!(
        args.iter()
            .any(|a| a.starts_with("--resolver") || a.starts_with("--help")),
        "the binary is only run against resolvers the test started"
    );
    let mut cmd = Command::new(BIN);
    cmd.arg("dns")
        .args(args)
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    run_with_watchdog(cmd, &format!("preflight dns {}", args.join(" ")))
}

fn json_of(out: &Out) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON: {e}\n{}", out.both()))
}

#[test]
fn binary_json_has_the_stable_shape_and_exit_0_when_all_ok() {
    let server = TestServer::internal();
    let home = tempfile::tempdir().expect("tempdir");
    let resolver = server.arg();
    let out = preflight_dns(
        home.path(),
        &[
            "sql1.example.test",
            "www.example.test",
            "10.1.2.3",
            "--resolver",
            &resolver,
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.both());
    let v = json_of(&out);
    let answers = v["answers"].as_array().expect("answers");
    assert_eq!(answers.len(), 3);
    for a in answers {
        for key in ["name", "resolver", "type", "status", "records", "ms"] {
            assert!(a.get(key).is_some(), "`{key}` missing in {a}");
        }
        assert_eq!(a["resolver"], resolver.as_str());
        assert_eq!(a["status"], "ok");
        assert!(a["ms"].is_u64());
    }
    assert_eq!(answers[0]["name"], "sql1.example.test");
    assert_eq!(answers[0]["type"], "A");
    assert_eq!(answers[0]["records"][0], "10.1.2.3");
    assert_eq!(answers[1]["chain"][1], "web.example.test");
    assert_eq!(answers[2]["type"], "PTR");
    assert_eq!(answers[2]["records"][0], "sql1.example.test");
    assert_eq!(v["disagreements"].as_array().map(Vec::len), Some(0));
}

#[test]
fn binary_exits_1_when_any_answer_is_not_ok() {
    let server = TestServer::internal();
    let home = tempfile::tempdir().expect("tempdir");
    let resolver = server.arg();
    let out = preflight_dns(
        home.path(),
        &[
            "sql1.example.test",
            "missing.example.test",
            "noaddr.example.test",
            "host.broken.test",
            "--resolver",
            &resolver,
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.both());
    let v = json_of(&out);
    let statuses: Vec<&str> = v["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .map(|a| a["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["ok", "nxdomain", "no_answer", "servfail"]);

    let out = preflight_dns(
        home.path(),
        &["missing.example.test", "--resolver", &resolver],
    );
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout.contains(&format!(
            "the resolver {resolver} says missing.example.test does not exist (NXDOMAIN)"
        )),
        "{}",
        out.both()
    );
}

#[test]
fn binary_reports_a_silent_resolver_in_plain_words() {
    let silent = black_hole();
    let addr = silent.local_addr().expect("address").to_string();
    let home = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let out = preflight_dns(
        home.path(),
        &["sql1.example.test", "--resolver", &addr, "--timeout", "300"],
    );
    assert_eq!(out.code, 1, "{}", out.both());
    assert!(
        out.stdout
            .contains(&format!("the resolver {addr} did not answer within 300 ms")),
        "{}",
        out.both()
    );
    assert!(out.stdout.contains("timeout"), "{}", out.both());
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(silent);
}

#[test]
fn binary_shows_where_resolvers_disagree() {
    let internal = TestServer::internal();
    let external = TestServer::external();
    let home = tempfile::tempdir().expect("tempdir");
    let int = format!("internal={}", internal.arg());
    let ext = format!("external={}", external.arg());
    let out = preflight_dns(
        home.path(),
        &[
            "mail.example.test",
            "web.example.test",
            "--resolver",
            &int,
            "--resolver",
            &ext,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.both());
    assert!(
        out.stdout
            .contains("mail.example.test A   << resolvers disagree"),
        "{}",
        out.both()
    );
    assert!(
        out.stdout.contains("!! Resolvers disagree on 1 name:"),
        "{}",
        out.both()
    );
    assert!(
        out.stdout
            .contains("mail.example.test A  internal: 10.1.2.25 · external: 203.0.113.25"),
        "{}",
        out.both()
    );
    assert!(
        !out.stdout.contains("web.example.test A   <<"),
        "{}",
        out.both()
    );

    let out = preflight_dns(
        home.path(),
        &[
            "mail.example.test",
            "--resolver",
            &int,
            "--resolver",
            &ext,
            "--format",
            "json",
        ],
    );
    let v = json_of(&out);
    assert_eq!(v["disagreements"][0]["name"], "mail.example.test");
    let labels: Vec<&str> = v["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .map(|a| a["resolver"].as_str().expect("resolver"))
        .collect();
    assert_eq!(labels, ["internal", "external"]);
}

#[test]
fn binary_reads_a_names_file_and_names_a_bad_line() {
    let server = TestServer::internal();
    let home = tempfile::tempdir().expect("tempdir");
    let resolver = server.arg();
    let good = home.path().join("names.txt");
    std::fs::write(
        &good,
        "# the site's names\r\nsql1.example.test\r\n\r\nweb.example.test   # portal\r\n",
    )
    .expect("write");
    let out = preflight_dns(
        home.path(),
        &[
            "--names-file",
            good.to_str().expect("utf-8 path"),
            "--resolver",
            &resolver,
            "--type",
            "aaaa",
            "--type",
            "A",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 1, "sql1 has no AAAA\n{}", out.both());
    let v = json_of(&out);
    let asked: Vec<(String, String)> = v["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .map(|a| (a["name"].to_string(), a["type"].to_string()))
        .collect();
    assert_eq!(asked.len(), 4, "{asked:?}");

    let bad = home.path().join("bad.txt");
    std::fs::write(&bad, "sql1.example.test\n# fine\nsql2 sql3\n").expect("write");
    let out = preflight_dns(
        home.path(),
        &[
            "--names-file",
            bad.to_str().expect("utf-8 path"),
            "--resolver",
            &resolver,
        ],
    );
    assert_eq!(out.code, 2, "{}", out.both());
    assert!(
        out.stderr
            .contains(&format!("{}:3: expected one name per line", bad.display())),
        "{}",
        out.both()
    );
    assert!(out.stdout.is_empty(), "{}", out.both());
}

#[test]
fn binary_refuses_bad_input_with_exit_2() {
    let server = TestServer::internal();
    let home = tempfile::tempdir().expect("tempdir");
    let resolver = server.arg();
    let cases: &[(&[&str], &str)] = &[
        (
            &["sql1.example.test", "--resolver", "dns.example.test"],
            "invalid resolver",
        ),
        (
            &["sql1.example.test", "--resolver", "127.0.0.1:0"],
            "port 0",
        ),
        (&["bad name!", "--resolver", &resolver], "is not a name"),
        (&["--resolver", &resolver], "no names to resolve"),
        (
            &["sql1.example.test", "--resolver", &resolver, "--type", "MX"],
            "invalid record type",
        ),
        (
            &[
                "sql1.example.test",
                "--resolver",
                &resolver,
                "--timeout",
                "0",
            ],
            "--timeout",
        ),
        (
            &[
                "sql1.example.test",
                "--resolver",
                &resolver,
                "--resolver",
                &resolver,
            ],
            "two resolvers are called",
        ),
        (
            &[
                "sql1.example.test",
                "--resolver",
                &resolver,
                "--names-file",
                "/nonexistent/names.txt",
            ],
            "cannot read the names file",
        ),
    ];
    for (args, words) in cases {
        let out = preflight_dns(home.path(), args);
        assert_eq!(out.code, 2, "{args:?}\n{}", out.both());
        assert!(
            out.stderr.contains(words),
            "{args:?}: {words}\n{}",
            out.both()
        );
    }
}

#[test]
fn test_zones_parse_into_the_records_the_tests_rely_on() {
    // The zone texts are the fixtures of every test above: a typo in one would make a test
    // pass or fail for the wrong reason.
    let count = |origin: &str, text: &str| {
        let (_, records): (Name, BTreeMap<_, _>) =
            Parser::new(text, None, Some(Name::from_ascii(origin).expect("origin")))
                .parse()
                .expect("parses");
        records.len()
    };
    assert_eq!(count("example.test.", INTERNAL_ZONE), 17);
    assert_eq!(count("2.1.10.in-addr.arpa.", INTERNAL_REVERSE), 7);
    assert_eq!(count("example.test.", EXTERNAL_ZONE), 5);
}
