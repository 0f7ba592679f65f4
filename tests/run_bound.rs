//! Issue 13: a vantage's run starts every probe at once, so the timeouts of its dead parts
//! overlap instead of adding up, and an endpoint nobody answers on is known after one attempt.
//!
//! The real `preflight probe` runs inside a network namespace of its own (tests/common/netns.rs:
//! 198.18.0.0/15, no default route, nothing joined to the host) where nftables plays the site's
//! firewall: the internal resolver at 198.18.0.53 drops every query (a dead resolver), the
//! database host 198.18.0.10 drops SYNs to two of its ports (filtered ports; one is also a TLS
//! endpoint), and 198.18.0.99 drops everything (an unreachable TLS endpoint). Each drop is
//! silent, so every part costs its full timeout. Needs root, as the site-in-a-box test does.

#![cfg(target_os = "linux")]

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

mod common;

use common::home::Home;
use common::netns::{Lab, Segment};
use common::run_with_deadline;

/// The run's per-query and per-connection timeout (`--timeout`).
const TIMEOUT: Duration = Duration::from_secs(1);

const SITE: &str = r#"site = "a site with dead parts"

[resolvers]
internal = ["198.18.0.53"]

[[host]]
name = "vantage"
address = "198.18.0.1"
roles = ["Vantage"]

[[host]]
name = "db"
address = "198.18.0.10"
roles = ["DB"]

[[host]]
name = "gone"
address = "198.18.0.99"
roles = ["Gone"]

[[name]]
fqdn = "a.dead.test"
expect = ["198.18.0.10"]

[[name]]
fqdn = "b.dead.test"
expect = ["198.18.0.10"]

[[name]]
fqdn = "c.dead.test"
expect = ["198.18.0.99"]

[[port]]
from = "Vantage"
to = "DB"
ports = "1433,8443"

[[port]]
from = "Vantage"
to = "Gone"
ports = "22"

[[tls]]
endpoint = "198.18.0.99:443"

[[tls]]
endpoint = "198.18.0.99:8443"

[[tls]]
endpoint = "198.18.0.10:8443"
"#;

/// The box: one namespace whose own addresses stand for the site's machines, behind the
/// firewall rules above. Notes the source port of each TCP connection attempt to the
/// unreachable endpoint (a SYN sent again keeps its port).
fn site_box() -> Lab {
    let mut lab = Lab::new();
    let segment = Segment {
        router: "v",
        bridge: "site",
        gateway: Ipv4Addr::new(198, 18, 0, 1),
    };
    lab.router("v", &[segment]);
    for a in ["198.18.0.10", "198.18.0.53", "198.18.0.99"] {
        lab.ip("v", &["addr", "add", &format!("{a}/24"), "dev", "site"]);
    }
    lab.nft(
        "v",
        "table inet firewall {
           set tls443 { type inet_service; flags dynamic; }
           chain input {
             type filter hook input priority 0; policy accept;
             ip daddr 198.18.0.53 meta l4proto { tcp, udp } th dport 53 drop
             ip daddr 198.18.0.10 tcp dport { 1433, 8443 } drop
             ip daddr 198.18.0.99 tcp dport 443 add @tls443 { tcp sport }
             ip daddr 198.18.0.99 drop
           }
         }",
    );
    lab
}

#[test]
fn a_run_with_dead_parts_ends_in_about_its_slowest_timeout() {
    let lab = site_box();
    let home = Home::new();
    let site = home.path("site.toml");
    std::fs::write(&site, SITE).expect("site");
    let hosts = home.path("hosts");
    std::fs::write(&hosts, "127.0.0.1 localhost\n").expect("hosts");
    let mut cmd = lab.command("v", env!("CARGO_BIN_EXE_preflight"));
    let timeout_ms = TIMEOUT.as_millis().to_string();
    cmd.args(["probe", "--site"])
        .arg(&site)
        .args(["--from", "Vantage", "--no-system-resolver", "--hosts-file"])
        .arg(&hosts)
        .args(["--timeout", &timeout_ms, "--format", "json"])
        .env("XDG_DATA_HOME", home.path("data"))
        .env("XDG_CONFIG_HOME", home.path("config"))
        .env("HOME", home.path("home"));
    let started = Instant::now();
    let out = run_with_deadline(cmd, "preflight probe", Duration::from_secs(60));
    let took = started.elapsed();
    let json: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("JSON ({e}):\n{}", out.both()));
    let results = json["results"].as_array().expect("results");
    let what = format!("took {took:?}\n{}", out.both());

    // Every dead part is there, said as what it is.
    let of = |kind: &str| -> Vec<&serde_json::Value> {
        results.iter().filter(|r| r["kind"] == kind).collect()
    };
    assert_eq!(of("tls").len(), 3, "{what}");
    for r in of("tls") {
        assert_eq!(r["verdict"], "error", "{r}");
        let summary = r["summary"].as_str().unwrap_or_default();
        assert!(
            summary.contains("could not tell") && summary.contains("no answer in 1 s"),
            "{summary}"
        );
    }
    assert!(
        of("tcp")
            .iter()
            .all(|r| r["verdict"] != "pass" && r["verdict"] != "skipped"),
        "{what}"
    );
    // The resolver is down (a failure of its own); what the names resolve to is unknown.
    let dns = of("dns");
    assert_eq!(dns.len(), 4, "{what}");
    for r in dns {
        let summary = r["summary"].as_str().unwrap_or_default();
        assert!(
            (r["verdict"] == "fail" && summary.contains("is down"))
                || (r["verdict"] == "error" && summary.contains("could not tell")),
            "{r}"
        );
    }

    // Timeouts overlap: the nine dead parts (three names, three filtered or dead ports, three
    // TLS endpoints) would take at least 7 s one after another; at once they take about one
    // timeout. The bound: two timeouts and a second for the binary's start on a debug build.
    let sum: u64 = results.iter().filter_map(|r| r["ms"].as_u64()).sum();
    println!(
        "a run of {} results took {} ms; its probes' times add up to {sum} ms",
        results.len(),
        took.as_millis()
    );
    let bound = TIMEOUT * 2 + Duration::from_secs(1);
    assert!(
        took <= bound,
        "the run took {took:?}, over {bound:?}\n{what}"
    );

    // The unreachable endpoint was tried once, not once per protocol.
    let ports = source_ports(&lab, "tls443");
    assert_eq!(ports, 1, "connection attempts to 198.18.0.99:443\n{what}");
    assert!(lab.escapes().is_empty(), "{:?}", lab.escapes());
}

/// How many source ports a set of the box's firewall noted.
fn source_ports(lab: &Lab, set: &str) -> usize {
    let out = lab
        .command("v", "nft")
        .args(["list", "set", "inet", "firewall", set])
        .output()
        .expect("nft list set");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_once("elements = {")
        .and_then(|(_, rest)| rest.split_once('}'))
        .map_or(0, |(list, _)| {
            list.split(',').filter(|p| !p.trim().is_empty()).count()
        })
}
