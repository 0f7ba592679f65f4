//! A hospital site in a box, probed end to end as a consultant would: the real `preflight`
//! binary runs `probe` from three vantages (the Spok Mobile server, a console web server and a
//! phone outside the firewall) into one session of the built-in `spok-mobile-4.5` checklist, and
//! every bound item's verdict, suggested answer and key wording is compared with what a careful
//! senior consultant would write about the site planted here, the correct parts included.
//!
//! The box (tests/common/netns.rs) is Linux network namespaces on 198.18.0.0/15 joined to a
//! router namespace, never to the host. What is planted, and where:
//!
//! | host (namespace) | address | what runs there |
//! | --- | --- | --- |
//! | fw (router) | 198.18.1.1 lan, 198.19.1.1 wan | nftables: the site's firewall; 198.19.2.0/24 unreachable |
//! | dns | 198.18.1.53, 198.18.1.54 | internal dnsmasq on .53; .54 is a dead resolver (nft drops port 53) |
//! | sms1 | 198.18.1.10, VIP 198.18.1.20 | Spok Mobile: gnutls-serv :443 (internal CA chain, Windows 2016 RSA list with 3DES); 8091, 20000-20003, 8081, 8883; nft drops 20003 from cws1 |
//! | cws1 | 198.18.1.11 | Console web server: `openssl s_server` :443, self-signed, TLS 1.0-1.2, Windows 2012 R2 list |
//! | srv | .12 ccs, .25 smtp, .30 sql, .40 files, .41 oracle | ccs: openssl :443, intermediate missing, no DHE; sql: the TDS test server (AlwaysOn, one asynchronous manual replica, stale log backups); files: 135, 139, 445; smtp: 25; oracle: nothing (refused) |
//! | phone | 198.19.1.50 | the Mobile User, outside; resolves through the external DNS |
//! | cloud | 198.19.1.53, .101, .102, .104, .110, .111 | external dnsmasq (the SSL name's public record is stale: 198.19.2.99; cc.site.test NXDOMAIN); Spok cloud URLs on 443, 8091, 2001 (amccore1 is in the unreachable net); APNs 5223; Android push 5228-5230, 5230 dropped |
//!
//! Firewall: nothing enters from the wan; the Spok Mobile server's 2001 to amclr2 is dropped.
//! Certificate files: the notification framework's PFX without its chain
//! (`RabbitMQ/Certs/certificate.pfx`), and an expired DER export of the Spok Mobile certificate.
//!
//! The assertions are the consultant's judgement, not what the code says today: where the
//! product disagrees, the test fails and lists each item with what it said and why it is wrong.
//! Run it alone with `cargo test --test site_box -- --nocapture` (as root; it takes a few
//! minutes): it prints every bound item and the figures (bound items, matching, false
//! failures, false passes, could not tell).

#![cfg(target_os = "linux")]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

use common::netns::{Lab, Segment};
use common::sql_site::{self, backup, replica, table};
use common::tds_server::{Identity, Scenario, TdsServer};
use common::{Out, run_with_deadline};
use preflight::probe::sql::queries;

const BIN: &str = env!("CARGO_BIN_EXE_preflight");

/// Longest one `preflight` command may take (a probe run scans four TLS endpoints).
const COMMAND_LIMIT: Duration = Duration::from_secs(600);

// --- the box's addresses ---

/// 198.18.1.x: the site's LAN.
const fn lan(d: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 1, d)
}

/// 198.19.1.x: the internet as the box has it.
const fn wan(d: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 19, 1, d)
}

const LAN: Segment = Segment {
    router: "fw",
    bridge: "lan",
    gateway: lan(1),
};
const WAN: Segment = Segment {
    router: "fw",
    bridge: "wan",
    gateway: wan(1),
};

const SMS1: Ipv4Addr = lan(10);
const SPOK_VIP: Ipv4Addr = lan(20);
const CWS1: Ipv4Addr = lan(11);
const CCS: Ipv4Addr = lan(12);
const SMTP: Ipv4Addr = lan(25);
const SQL: Ipv4Addr = lan(30);
const FILES: Ipv4Addr = lan(40);
const ORACLE: Ipv4Addr = lan(41);
const DNS_INTERNAL: Ipv4Addr = lan(53);
const DNS_DEAD: Ipv4Addr = lan(54);

const PHONE: Ipv4Addr = wan(50);
const DNS_EXTERNAL: Ipv4Addr = wan(53);
const AMCLR1: Ipv4Addr = wan(101);
const AMCLR2: Ipv4Addr = wan(102);
const WWW: Ipv4Addr = wan(104);
const APNS: Ipv4Addr = wan(110);
const GCM: Ipv4Addr = wan(111);
/// 198.19.2.0/24 is routed nowhere: the router answers "unreachable".
const UNROUTED: &str = "198.19.2.0/24";
const AMCCORE1: Ipv4Addr = Ipv4Addr::new(198, 19, 2, 103);
/// The SSL name's old public address, still in the external zone.
const SPOK_STALE: Ipv4Addr = Ipv4Addr::new(198, 19, 2, 99);

const SSL_NAME: &str = "spokmobile.site.test";
const PFX_PASSWORD: &str = "Pfx-Secret-1";

/// The Windows Server 2016 list the guide requires, and what the Spok Mobile server (`GnuTLS`,
/// as OpenSSL here lacks 3DES) accepts: all of it, TLS 1.2 only.
const SPOK_PRIORITY: &str = "NONE:+VERS-TLS1.2:+AES-256-GCM:+AES-128-GCM:+AES-256-CBC:+AES-128-CBC:\
+3DES-CBC:+ECDHE-RSA:+DHE-RSA:+RSA:+AEAD:+SHA1:+SHA256:+SHA384:+COMP-NULL:+SIGN-ALL:+GROUP-ALL";

/// The console web server: the Windows Server 2012 R2 list, TLS 1.0 and 1.1 still on.
const CWS1_CIPHERS: &str = "ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA:\
ECDHE-RSA-AES128-SHA:AES256-GCM-SHA384:AES128-GCM-SHA256:@SECLEVEL=0";

/// The Care Connect server: TLS 1.2, ECDHE and RSA suites, no DHE.
const CCS_CIPHERS: &str = "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA:\
AES256-SHA256:AES128-SHA256:AES256-SHA:AES128-SHA";

// --- building the box ---

fn build_box(lab: &mut Lab) {
    lab.router("fw", &[LAN, WAN]);
    lab.unreachable("fw", "wan", UNROUTED);
    lab.host("dns", LAN, &[DNS_INTERNAL, DNS_DEAD]);
    lab.host("sms1", LAN, &[SMS1, SPOK_VIP]);
    lab.host("cws1", LAN, &[CWS1]);
    lab.host("srv", LAN, &[CCS, SMTP, SQL, FILES, ORACLE]);
    lab.host("phone", WAN, &[PHONE]);
    lab.host(
        "cloud",
        WAN,
        &[DNS_EXTERNAL, AMCLR1, AMCLR2, WWW, APNS, GCM],
    );

    // The site's firewall: nothing enters from the internet; the Spok Mobile server's TCP 2001
    // to amclr2 was forgotten (dropped).
    lab.nft(
        "fw",
        &format!(
            "table inet site_fw {{
               chain forward {{
                 type filter hook forward priority 10; policy accept;
                 ct state established,related accept
                 iifname \"wan\" oifname \"lan\" drop
                 ip saddr {SMS1} ip daddr {AMCLR2} tcp dport 2001 drop
               }}
             }}"
        ),
    );
    // One of the two internal DNS servers is down: its address answers nothing.
    lab.nft(
        "dns",
        &format!(
            "table inet dead {{
               chain input {{
                 type filter hook input priority 0; policy accept;
                 ip daddr {DNS_DEAD} udp dport 53 drop
                 ip daddr {DNS_DEAD} tcp dport 53 drop
               }}
             }}"
        ),
    );
    // The Spok Mobile server's Windows firewall misses MXPP port 20003 for the console.
    lab.nft(
        "sms1",
        &format!(
            "table inet winfw {{
               chain input {{
                 type filter hook input priority 0; policy accept;
                 ip saddr {CWS1} tcp dport 20003 drop
               }}
             }}"
        ),
    );
    // Google's side drops 5230.
    lab.nft(
        "cloud",
        &format!(
            "table inet google {{
               chain input {{
                 type filter hook input priority 0; policy accept;
                 ip daddr {GCM} tcp dport 5230 drop
               }}
             }}"
        ),
    );

    // Resolvers as each machine has them: servers inside use the internal DNS (the dead one
    // second, as at many sites); the phone uses its carrier's, the external one.
    let inside =
        format!("nameserver {DNS_INTERNAL}\nnameserver {DNS_DEAD}\noptions timeout:1 attempts:1\n");
    for ns in ["fw", "dns", "sms1", "cws1", "srv"] {
        lab.etc_file(ns, "resolv.conf", &inside);
    }
    for ns in ["phone", "cloud"] {
        lab.etc_file(
            ns,
            "resolv.conf",
            &format!("nameserver {DNS_EXTERNAL}\noptions timeout:1 attempts:1\n"),
        );
    }
    // The guide's test entry, on the Spok Mobile server only.
    lab.etc_file("sms1", "hosts", &hosts_sms1());
    lab.etc_file("cws1", "hosts", &hosts_cws1());
    fs::write(lab.path("hosts.sms1"), hosts_sms1()).expect("hosts file");
    fs::write(lab.path("hosts.cws1"), hosts_cws1()).expect("hosts file");
}

fn hosts_sms1() -> String {
    format!(
        "127.0.0.1 localhost\n\
         # Testing the SSL certificate (Spok Mobile 4.5 guide): the SSL name on this server\n\
         127.0.0.1 {SSL_NAME}\n"
    )
}

fn hosts_cws1() -> String {
    "127.0.0.1 localhost\r\n::1 localhost ip6-localhost\r\n".to_owned()
}

/// The internal zone, and what the internal resolver gives for the internet's names.
fn internal_records() -> Vec<(&'static str, Ipv4Addr)> {
    vec![
        ("sms1.site.test", SMS1),
        (SSL_NAME, SPOK_VIP),
        ("cws1.site.test", CWS1),
        ("ccs.site.test", CCS),
        ("cc.site.test", CCS),
        ("smtp.site.test", SMTP),
        ("sql.site.test", SQL),
        ("files.site.test", FILES),
        ("oracle.site.test", ORACLE),
        ("amclr1.amcomamc.com", AMCLR1),
        ("amclr2.amcomamc.com", AMCLR2),
        ("amccore1.amcomamc.com", AMCCORE1),
        ("www.amcomamc.com", WWW),
        ("apns.push.test", APNS),
        ("android.push.test", GCM),
    ]
}

/// The public zone: the SSL name's record is stale; Care Connect's public name is missing
/// (NXDOMAIN); internal names are not published (NXDOMAIN, as they should be).
fn external_records() -> Vec<(&'static str, Ipv4Addr)> {
    vec![
        (SSL_NAME, SPOK_STALE),
        ("amclr1.amcomamc.com", AMCLR1),
        ("amclr2.amcomamc.com", AMCLR2),
        ("amccore1.amcomamc.com", AMCCORE1),
        ("www.amcomamc.com", WWW),
        ("apns.push.test", APNS),
        ("android.push.test", GCM),
    ]
}

const DOMAINS: &[&str] = &["site.test", "amcomamc.com", "push.test"];

/// Runs one `openssl` command line in the box's directory; words are split on spaces, and a
/// word in single quotes may hold spaces.
fn openssl(lab: &Lab, line: &str) {
    let mut words: Vec<String> = Vec::new();
    for (n, part) in line.split('\'').enumerate() {
        if n % 2 == 1 {
            words.push(part.to_owned());
        } else {
            words.extend(part.split_whitespace().map(str::to_owned));
        }
    }
    let out = Command::new("openssl")
        .args(&words)
        .current_dir(lab.dir())
        .output()
        .expect("openssl (package openssl)");
    assert!(
        out.status.success(),
        "openssl {line}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A leaf for `name` signed by the issuing CA (`int`), 2048-bit RSA, SHA-256.
fn leaf(lab: &Lab, name: &str) {
    fs::write(
        lab.path(&format!("{name}.ext")),
        format!(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth\nsubjectAltName=DNS:{name}\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
        ),
    )
    .expect("ext file");
    openssl(
        lab,
        &format!(
            "req -newkey rsa:2048 -nodes -keyout {name}.key -out {name}.csr \
             -subj '/O=St. Box Hospital/CN={name}'"
        ),
    );
    openssl(
        lab,
        &format!(
            "x509 -req -in {name}.csr -CA int.pem -CAkey int.key -CAcreateserial -days 397 \
             -sha256 -extfile {name}.ext -out {name}.pem"
        ),
    );
}

/// The site's certificates, made with the openssl command line: an internal root and issuing
/// CA, the Spok Mobile and Care Connect leaves, the console's self-signed one, the PFX for the
/// notification framework (without its chain) and an expired DER export.
fn certificates(lab: &Lab) {
    openssl(
        lab,
        "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -sha256 \
         -subj '/O=St. Box Hospital/CN=St. Box Root CA' \
         -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
    );
    fs::write(
        lab.path("int.ext"),
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n\
         subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .expect("ext file");
    openssl(
        lab,
        "req -newkey rsa:2048 -nodes -keyout int.key -out int.csr \
         -subj '/O=St. Box Hospital/CN=St. Box Issuing CA 1'",
    );
    openssl(
        lab,
        "x509 -req -in int.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1825 -sha256 \
         -extfile int.ext -out int.pem",
    );
    leaf(lab, SSL_NAME);
    leaf(lab, "ccs.site.test");
    let chain = fs::read_to_string(lab.path(&format!("{SSL_NAME}.pem"))).expect("leaf")
        + &fs::read_to_string(lab.path("int.pem")).expect("intermediate");
    fs::write(lab.path("spok-chain.pem"), chain).expect("chain");
    openssl(
        lab,
        "req -x509 -newkey rsa:2048 -nodes -keyout cws1.key -out cws1.pem -days 365 -sha256 \
         -subj /CN=cws1.site.test -addext subjectAltName=DNS:cws1.site.test",
    );
    // The notification framework's PFX, exported without "Include all certificates in the
    // certification path", where the guide says to save it.
    fs::create_dir_all(lab.path("RabbitMQ/Certs")).expect("pfx dir");
    openssl(
        lab,
        &format!(
            "pkcs12 -export -in {SSL_NAME}.pem -inkey {SSL_NAME}.key -name 'Spok Mobile' \
             -passout pass:{PFX_PASSWORD} -out RabbitMQ/Certs/certificate.pfx"
        ),
    );
    // Last year's certificate, exported as DER for the devices, and expired (`openssl ca`
    // is the command that takes a start date).
    fs::create_dir_all(lab.path("newcerts")).expect("ca dir");
    fs::write(lab.path("index.txt"), "").expect("ca index");
    fs::write(lab.path("serial"), "1000\n").expect("ca serial");
    fs::write(
        lab.path("ca.cnf"),
        "[ca]\ndefault_ca = box\n[box]\ndir = .\ndatabase = index.txt\nnew_certs_dir = newcerts\n\
         serial = serial\ndefault_md = sha256\npolicy = anything\nunique_subject = no\n\
         [anything]\ncommonName = supplied\n",
    )
    .expect("ca config");
    openssl(
        lab,
        &format!("req -newkey rsa:2048 -nodes -keyout old.key -out old.csr -subj /CN={SSL_NAME}"),
    );
    openssl(
        lab,
        &format!(
            "ca -batch -config ca.cnf -cert int.pem -keyfile int.key -in old.csr \
             -startdate 20230101000000Z -enddate 20240101000000Z -extfile {SSL_NAME}.ext \
             -notext -out old.pem"
        ),
    );
    openssl(
        lab,
        "x509 -in old.pem -outform DER -out spokmobile-export.cer",
    );
}

fn sock(ip: Ipv4Addr, port: u16) -> SocketAddr {
    SocketAddr::from((ip, port))
}

fn start_servers(lab: &mut Lab) {
    lab.dnsmasq(
        "dns",
        "dns-internal",
        DNS_INTERNAL,
        &internal_records(),
        DOMAINS,
    );
    lab.dnsmasq(
        "cloud",
        "dns-external",
        DNS_EXTERNAL,
        &external_records(),
        DOMAINS,
    );

    // Spok Mobile: GnuTLS listens on every address of the server (its VIP and 127.0.0.1, where
    // the test entry sends the SSL name).
    let dir = lab.dir().to_owned();
    let mut spok = lab.command("sms1", "gnutls-serv");
    spok.current_dir(&dir).args([
        "--port",
        "443",
        "--x509certfile",
        "spok-chain.pem",
        "--x509keyfile",
        &format!("{SSL_NAME}.key"),
        "--priority",
        SPOK_PRIORITY,
    ]);
    lab.spawn("tls-spokmobile", spok);
    lab.wait_tcp("sms1", sock(SPOK_VIP, 443), "tls-spokmobile");

    let mut cws1 = lab.command("cws1", "openssl");
    cws1.current_dir(&dir).args([
        "s_server",
        "-quiet",
        "-accept",
        &format!("{CWS1}:443"),
        "-cert",
        "cws1.pem",
        "-key",
        "cws1.key",
        "-cipher",
        CWS1_CIPHERS,
        "-groups",
        "P-256:P-384",
        "-min_protocol",
        "TLSv1",
        "-max_protocol",
        "TLSv1.2",
    ]);
    lab.spawn("tls-cws1", cws1);
    lab.wait_tcp("cws1", sock(CWS1, 443), "tls-cws1");

    // Care Connect serves its leaf alone: the issuing CA is missing from the chain.
    let mut ccs = lab.command("srv", "openssl");
    ccs.current_dir(&dir).args([
        "s_server",
        "-quiet",
        "-accept",
        &format!("{CCS}:443"),
        "-cert",
        "ccs.site.test.pem",
        "-key",
        "ccs.site.test.key",
        "-cipher",
        CCS_CIPHERS,
        "-min_protocol",
        "TLSv1.2",
        "-max_protocol",
        "TLSv1.2",
    ]);
    lab.spawn("tls-ccs", ccs);
    lab.wait_tcp("srv", sock(CCS, 443), "tls-ccs");

    let tds = lab.in_ns("srv", || {
        TdsServer::start_in_namespace(sock(SQL, 1433), sql_scenario())
    });
    lab.keep(tds);

    let mut spok_ports = vec![
        sock(SPOK_VIP, 8091),
        sock(SPOK_VIP, 8081),
        sock(SPOK_VIP, 8883),
    ];
    spok_ports.extend((20000..=20003).map(|p| sock(SPOK_VIP, p)));
    lab.listeners("sms1", &spok_ports);
    lab.listeners(
        "srv",
        &[
            sock(FILES, 135),
            sock(FILES, 139),
            sock(FILES, 445),
            sock(SMTP, 25),
        ],
    );
    let mut cloud = Vec::new();
    for ip in [AMCLR1, AMCLR2, WWW] {
        cloud.extend([443, 8091, 2001].map(|p| sock(ip, p)));
    }
    cloud.push(sock(APNS, 5223));
    cloud.extend((5228..=5230).map(|p| sock(GCM, p)));
    lab.listeners("cloud", &cloud);
}

/// The SQL Server: 2016 Enterprise in an availability group whose second replica is a
/// disaster-recovery copy (asynchronous, manual failover); the log backups stopped three hours
/// ago; everything else healthy.
fn sql_scenario() -> Scenario {
    sql_site::with_replicas(vec![
        replica("SQL1", "SYNCHRONOUS_COMMIT", "AUTOMATIC", "PRIMARY"),
        replica("SQL2", "ASYNCHRONOUS_COMMIT", "MANUAL", "SECONDARY"),
    ])
    .with_answer(
        "backups",
        table(
            queries::BACKUP_COLUMNS,
            vec![backup(sql_site::DB, Some(600), Some(190))],
        ),
    )
    .with_identity(Some(Identity::self_signed(&["sql.site.test"])))
}

// --- the site file ---

/// The site as the consultant writes it. Lines marked `#C ` use the site-file additions of the
/// scoping contract (host `os` and `outside`, name `role` and `hosts_on`, sql and certfile
/// `role`); `BOX` is the box's directory.
const SITE: &str = r#"site = "St. Box Hospital (site in a box)"

[resolvers]
internal = ["198.18.1.53", "198.18.1.54"]
external = ["198.19.1.53"]

[[host]]
name = "sms1"
address = "sms1.site.test"
roles = ["Spok Mobile Server, Primary"]
#C os = "Windows Server 2016"

[[host]]
name = "spoklb"
address = "spokmobile.site.test"
roles = ["Spok Mobile Servers via Load Balancer"]
#C os = "Windows Server 2016"

[[host]]
name = "cws1"
address = "cws1.site.test"
roles = ["Console Web Server - 1"]
#C os = "Windows Server 2012 R2"

[[host]]
name = "ccs"
address = "ccs.site.test"
roles = ["Care Connect Server, Primary", "Care Connect Server via Load Balancer"]
#C os = "Windows Server 2016"

[[host]]
name = "sql"
address = "sql.site.test"
roles = ["MS SQL Server Cluster"]
#C os = "Windows Server 2019"

[[host]]
name = "files"
address = "files.site.test"
roles = ["SAN/DFS/File Server"]
#C os = "Windows Server 2016"

[[host]]
name = "oracle"
address = "oracle.site.test"
roles = ["Linux Oracle DB"]
#C os = "Oracle Linux 8"

[[host]]
name = "smtp"
address = "smtp.site.test"
roles = ["SMTP Relay Server"]

[[host]]
name = "apns"
address = "apns.push.test"
roles = ["Apple Push Server"]

[[host]]
name = "gcm"
address = "android.push.test"
roles = ["Android Push Server"]

# A phone on a carrier network.
[[host]]
name = "phone"
address = "198.19.1.50"
roles = ["Mobile User"]
#C outside = true

# The SSL name: internal and public addresses, and the guide's test entry on the Spok Mobile
# server only.
[[name]]
fqdn = "spokmobile.site.test"
#C role = "SSL name"
internal = ["198.18.1.20"]
external = ["198.19.1.20"]
hosts_entry = "127.0.0.1"
#C hosts_on = ["Spok Mobile Server, Primary"]

# Care Connect's public name.
[[name]]
fqdn = "cc.site.test"
internal = ["198.18.1.12"]
external = ["198.19.1.12"]

# Internal only.
[[name]]
fqdn = "sql.site.test"
internal = ["198.18.1.30"]

[[name]]
fqdn = "amclr1.amcomamc.com"
expect = ["198.19.1.101"]

[[name]]
fqdn = "amclr2.amcomamc.com"
expect = ["198.19.1.102"]

[[name]]
fqdn = "amccore1.amcomamc.com"
expect = ["198.19.2.103"]

[[name]]
fqdn = "www.amcomamc.com"
expect = ["198.19.1.104"]

# The MXPP ports ("TCP 2000x" in the guide) are 20000-20003 at this site.
[[port]]
from = "Console Web Server - 1"
to = "Spok Mobile Servers via Load Balancer"
ports = "8091,20000-20003"
purpose = "Send messages and device registrations to Spok Mobile Server (MXPP 2000x: 20000-20003)"

[[port]]
from = "Console Web Server - 1"
to = "MS SQL Server Cluster"
ports = "1433"

[[port]]
from = "Console Web Server - 1"
to = "Linux Oracle DB"
ports = "5555"

[[port]]
from = "Spok Mobile Server, Primary"
to = "MS SQL Server Cluster"
ports = "1433"

[[port]]
from = "Spok Mobile Server, Primary"
to = "SAN/DFS/File Server"
ports = "135-139,445"

[[port]]
from = "Spok Mobile Server, Primary"
to = "Care Connect Server via Load Balancer"
ports = "443"

[[port]]
from = "Spok Mobile Server, Primary"
to = "https://amclr1.amcomamc.com"
ports = "443,8091,2001"
outbound = true

[[port]]
from = "Spok Mobile Server, Primary"
to = "https://amclr2.amcomamc.com"
ports = "443,8091,2001"
outbound = true

[[port]]
from = "Spok Mobile Server, Primary"
to = "https://amccore1.amcomamc.com"
ports = "443,8091,2001"
outbound = true

[[port]]
from = "Spok Mobile Server, Primary"
to = "https://www.amcomamc.com"
ports = "443,8091,2001"
outbound = true

[[port]]
from = "Care Connect Server, Primary"
to = "MS SQL Server Cluster"
ports = "1433"

[[port]]
from = "Care Connect Server, Primary"
to = "Spok Mobile Servers via Load Balancer"
ports = "443"

[[port]]
from = "Mobile User"
to = "Spok Mobile Servers via Load Balancer"
ports = "443,8091,8883"

[[port]]
from = "Mobile User"
to = "Apple Push Server"
ports = "5223"

[[port]]
from = "Mobile User"
to = "Android Push Server"
ports = "5228-5230"

[[tls]]
endpoint = "spokmobile.site.test:443"
sni = "spokmobile.site.test"
role = "Spok Mobile Servers via Load Balancer"

[[tls]]
endpoint = "cws1.site.test:443"
role = "Console Web Server - 1"

[[tls]]
endpoint = "ccs.site.test:443"
role = "Care Connect Server via Load Balancer"

[[tls]]
endpoint = "sql.site.test:1433"
tds = true
role = "MS SQL Server Cluster"

[[sql]]
server = "sql.site.test"
database = "AmcomAmcPremiseCore"
user = "probe"
trust_server_certificate = true
#C role = "MS SQL Server Cluster"

[[certfile]]
path = 'BOX/RabbitMQ/Certs/certificate.pfx'
purpose = "Spok Notification Framework (RabbitMQ)"
#C role = "Spok Notification Framework certificate"

[[certfile]]
path = 'BOX/spokmobile-export.cer'
purpose = "Spok Mobile certificate exported for devices (DER)"
#C role = "Spok Mobile certificate export"
"#;

/// [`SITE`] for the box in `dir`; `contract`: with the marked lines, else without them (a file
/// today's parser reads).
fn site_toml(dir: &Path, contract: bool) -> String {
    SITE.lines()
        .filter_map(|l| match l.strip_prefix("#C ") {
            Some(added) => contract.then_some(added),
            None => Some(l),
        })
        .map(|l| l.replace("BOX", &dir.display().to_string()) + "\n")
        .collect()
}

// --- running preflight inside the box ---

struct Runner<'a> {
    lab: &'a Lab,
    home: PathBuf,
}

impl Runner<'_> {
    /// `preflight ARGS` inside a namespace, with the box's CA as the machine's trust store
    /// (the site's machines trust their internal CA).
    fn run(&self, ns: &str, args: &[&str]) -> Out {
        let mut cmd = self.lab.command(ns, BIN);
        cmd.args(args)
            .env("XDG_DATA_HOME", self.home.join("data"))
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("HOME", self.home.join("home"))
            .env("PREFLIGHT_USER", "consultant")
            .env("PREFLIGHT_SQL_PASSWORD", sql_site::PASSWORD)
            .env("PREFLIGHT_PFX_PASSWORD", PFX_PASSWORD)
            .env("SSL_CERT_FILE", self.lab.path("ca.pem"))
            .env_remove("SSL_CERT_DIR")
            .env_remove("RUST_BACKTRACE");
        run_with_deadline(
            cmd,
            &format!("preflight {} (in {ns})", args.join(" ")),
            COMMAND_LIMIT,
        )
    }

    fn ok(&self, ns: &str, args: &[&str]) -> Out {
        let out = self.run(ns, args);
        assert_eq!(
            out.code,
            0,
            "preflight {} failed\n{}",
            args.join(" "),
            out.both()
        );
        out
    }
}

// --- what a consultant would write ---

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum V {
    Pass,
    Warn,
    Fail,
    /// "error": the probe looked and could not tell, and says why.
    CouldNotTell,
    /// No evidence in the item's scope: no probe result at all, or "skipped"/"error" with no
    /// suggestion. Never a pass or a fail.
    NotProbed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum S {
    Yes,
    No,
    Nothing,
    /// Not asserted (a choice item: whether the option is suggested is the lead's call).
    Any,
}

struct Expect {
    id: &'static str,
    verdict: V,
    suggestion: S,
    /// Substrings the results' summaries must contain (case-insensitive).
    wording: &'static [&'static str],
    why: &'static str,
}

const fn e(
    id: &'static str,
    verdict: V,
    suggestion: S,
    wording: &'static [&'static str],
    why: &'static str,
) -> Expect {
    Expect {
        id,
        verdict,
        suggestion,
        wording,
        why,
    }
}

/// Every bound item of spok-mobile-4.5 this site gives evidence for (and a few that must get
/// none); any other bound item must show no verdict of its own (see [`V::NotProbed`]).
#[rustfmt::skip]
const EXPECTED: &[Expect] = &[
    // SQL Server, probed from both inside vantages (the phone cannot reach it, and that says
    // nothing about the server).
    e("alwayson.enterprise", V::Pass, S::Yes, &[], "SQL Server 2016 Enterprise"),
    e("alwayson.availability_groups", V::Pass, S::Yes, &[], "availability group SPOKAG exists"),
    e("alwayson.multiple_subnets", V::Pass, S::Yes, &[], "the listener has addresses in two subnets"),
    e("alwayson.auto_failover", V::Fail, S::No, &["SQL2"], "replica SQL2 fails over manually"),
    e("alwayson.sync_commit", V::Fail, S::No, &["SQL2"], "replica SQL2 commits asynchronously"),
    e("database.sql_version", V::Pass, S::Any, &[], "13.0 is SQL Server 2016, supported"),
    e("database.sysadmin_login", V::Pass, S::Yes, &[], "the probe's login is sysadmin"),
    e("database.ha_edition", V::Pass, S::Yes, &[], "Enterprise is one of Standard/Enterprise"),
    e("database.cluster_not_hadron", V::Warn, S::Nothing, &[], "an AG instance, not a failover cluster instance: says so, suggests nothing"),
    e("maintenance.full_backups", V::Pass, S::Yes, &[], "full backup 10 hours old"),
    e("maintenance.log_backups", V::Fail, S::No, &["AmcomAmcPremiseCore"], "log backup 3 hours old, not hourly"),
    e("permissions.install", V::Pass, S::Yes, &[], "CREATE/ALTER ANY DATABASE, ALTER ANY LOGIN granted"),
    e("permissions.runtime_read_write", V::Pass, S::Yes, &[], "SELECT/INSERT/UPDATE/DELETE on the database"),
    e("permissions.runtime_execute", V::Pass, S::Yes, &[], "EXECUTE on the database"),
    e("mirroring.minimum_version", V::NotProbed, S::Nothing, &[], "no SQL instance of the site is a mirroring partner"),
    e("mirroring.fqdn", V::NotProbed, S::Nothing, &[], "no SQL instance of the site is a mirroring partner"),
    e("mirroring.dns", V::NotProbed, S::Nothing, &[], "no name of the site is a mirroring partner"),
    e("mirroring.reverse_dns", V::NotProbed, S::Nothing, &[], "no name of the site is a mirroring partner"),
    e("mirroring.hosts_entries", V::NotProbed, S::Nothing, &[], "no name of the site is a mirroring partner; the SSL test entry is not one"),
    e("mirroring.ports", V::NotProbed, S::Nothing, &[], "no vantage plays a mirroring node"),
    // Names: judged from inside for the internal answer, against the external resolver for
    // the public one; the dead internal resolver is its own finding, not a reason to fail.
    e("certificates.internal_resolution", V::Pass, S::Yes, &[], "the live internal resolver gives 198.18.1.20"),
    e("certificates.external_resolution", V::Fail, S::No, &["198.19.2.99"], "the public record is stale (198.19.2.99, not 198.19.1.20)"),
    // The guide's test entry, on the Spok Mobile server.
    e("certificates.hosts_test_entry", V::Pass, S::Yes, &[], "127.0.0.1 spokmobile.site.test is in the Spok Mobile server's hosts file"),
    // Port rows ask whether the firewall passes traffic.
    e("firewall.urls", V::Fail, S::No, &["2001"], "amclr2's 2001 is dropped by the firewall (amccore1 unreachable besides)"),
    e("ports.cws1_mobile", V::Fail, S::No, &["20003"], "MXPP 20003 is dropped by the Spok Mobile server's firewall"),
    e("ports.cws1_sql", V::Pass, S::Yes, &[], "1433 open"),
    e("ports.cws1_oracle", V::Pass, S::Yes, &[], "5555 refused: the firewall lets it through, nothing listens yet"),
    e("ports.sms1_sql", V::Pass, S::Yes, &[], "1433 open"),
    e("ports.sms1_files", V::Pass, S::Yes, &[], "135, 139, 445 open; 136-138 refused (NetBIOS UDP ports) on a healthy file server"),
    e("ports.sms1_ccs", V::Pass, S::Yes, &[], "443 open"),
    e("ports.sms1_amclr1", V::Pass, S::Yes, &[], "443, 8091, 2001 open"),
    e("ports.sms1_amclr2", V::Fail, S::No, &["2001"], "2001 filtered"),
    e("ports.sms1_amccore1", V::CouldNotTell, S::Nothing, &["unreachable"], "the host is unreachable: nothing to say of the firewall"),
    e("ports.sms1_www", V::Pass, S::Yes, &[], "443, 8091, 2001 open"),
    e("ports.ccs1_sql", V::NotProbed, S::Nothing, &[], "the site has the row, but no run from Care Connect"),
    e("ports.ccs1_admin", V::NotProbed, S::Nothing, &[], "the site has the row, but no run from Care Connect"),
    e("ports.mobile_sms", V::CouldNotTell, S::Nothing, &[], "the phone resolves the SSL name to a stale address nobody routes"),
    e("ports.mobile_apns", V::Pass, S::Yes, &[], "5223 open"),
    e("ports.mobile_gcm", V::Fail, S::No, &["5230"], "5230 filtered"),
    // TLS: the certificate items and the cipher lists on the Spok Mobile endpoint only (its
    // own Windows release); protocol items on every Spok server.
    e("tls.tls12_enabled", V::Pass, S::Yes, &[], "all four endpoints accept TLS 1.2"),
    e("tls.legacy_disabled", V::Fail, S::No, &["cws1.site.test", "TLSv1.0"], "the console web server still accepts TLS 1.0 and 1.1: not disabled (yet), said in the item's direction"),
    e("ciphers.ws2016_rsa", V::Pass, S::Yes, &[], "the Spok Mobile server (2016) accepts every listed suite"),
    e("ciphers.ws2016_ecdsa_dss", V::NotProbed, S::Nothing, &[], "an RSA certificate can never negotiate ECDSA or DSS suites: no scan answers it (unbound, or never judged)"),
    e("ciphers.ws2012r2", V::NotProbed, S::Nothing, &[], "no Spok Mobile endpoint runs 2012 R2 (the console does, and is not judged)"),
    e("certificates.not_self_signed", V::Pass, S::Yes, &[], "issued by St. Box Issuing CA 1 (the console's and SQL's self-signed ones are not the Spok Mobile certificate)"),
    e("certificates.trusted_root", V::Pass, S::Yes, &[], "leaf and intermediate served, root trusted by the site's machines"),
    e("certificates.browser_test", V::Pass, S::Yes, &[], "the chain is trusted"),
    e("certificates.key_2048", V::Pass, S::Yes, &[], "RSA 2048"),
    e("certificates.hostname_match", V::Pass, S::Yes, &[], "the SAN is the SSL name"),
    e("certificates.sha_smart_suite_5", V::Pass, S::Yes, &[], "SHA-256"),
    e("certificates.sha1_smart_suite_48", V::Fail, S::No, &["SHA256"], "SHA-256, and Smart Suite 4.8 needs SHA-1"),
    // Certificate files.
    e("pfx.private_key", V::Pass, S::Yes, &[], "the PFX carries its key"),
    e("pfx.export_options", V::Fail, S::No, &["certification path"], "the PFX lacks the certification path"),
    e("pfx.path", V::Pass, S::Yes, &[], "saved as RabbitMQ/Certs/certificate.pfx"),
    e("certificates.wildcard_exportable", V::Fail, S::No, &["private key"], "the export is a DER .cer: no private key"),
    e("certificates.ha_pfx_per_server", V::Fail, S::No, &["PKCS#12"], "the export is a DER .cer, not a PFX"),
];

/// What `session show --format json` says of one item.
struct Seen {
    verdict: Option<String>,
    suggestion: Option<String>,
    summaries: Vec<String>,
}

impl Seen {
    fn of(item: &Value) -> Self {
        let probe = &item["probe"];
        let suggestion = match &probe["suggestion"] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(
                other
                    .as_object()
                    .and_then(|o| o.values().next())
                    .map_or_else(
                        || other.to_string(),
                        |v| v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    ),
            ),
        };
        Seen {
            verdict: probe["verdict"].as_str().map(str::to_owned),
            suggestion,
            summaries: probe["results"]
                .as_array()
                .map(|rs| {
                    rs.iter()
                        .map(|r| {
                            format!(
                                "[{}] {}: {}",
                                r["vantage"].as_str().unwrap_or("?"),
                                r["verdict"].as_str().unwrap_or("?"),
                                r["summary"].as_str().unwrap_or("")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn verdict(&self) -> &str {
        self.verdict.as_deref().unwrap_or("none")
    }

    fn suggestion(&self) -> &str {
        self.suggestion.as_deref().unwrap_or("-")
    }
}

/// Why an item's output differs from the expectation, if it does.
fn judge(x: &Expect, seen: &Seen) -> Option<String> {
    let verdict_ok = match x.verdict {
        V::Pass => seen.verdict() == "pass",
        V::Warn => seen.verdict() == "warn",
        V::Fail => seen.verdict() == "fail",
        V::CouldNotTell => seen.verdict() == "error",
        V::NotProbed => {
            matches!(seen.verdict(), "none" | "skipped" | "error") && seen.suggestion.is_none()
        }
    };
    let suggestion_ok = match x.suggestion {
        S::Yes => seen.suggestion() == "yes",
        S::No => seen.suggestion() == "no",
        S::Nothing => seen.suggestion.is_none(),
        S::Any => true,
    };
    let text = seen.summaries.join("\n").to_lowercase();
    let missing: Vec<&str> = x
        .wording
        .iter()
        .copied()
        .filter(|w| !text.contains(&w.to_lowercase()))
        .collect();
    if verdict_ok && suggestion_ok && missing.is_empty() {
        return None;
    }
    let mut why = Vec::new();
    if !verdict_ok || !suggestion_ok {
        why.push(format!(
            "expected {:?}/{:?}, got {}/{}",
            x.verdict,
            x.suggestion,
            seen.verdict(),
            seen.suggestion()
        ));
    }
    if !missing.is_empty() {
        why.push(format!("wording lacks {missing:?}"));
    }
    Some(why.join("; "))
}

#[derive(Default)]
struct Figures {
    bound: usize,
    with_evidence: usize,
    matching: usize,
    false_failures: Vec<String>,
    false_passes: Vec<String>,
    could_not_tell: usize,
    other: Vec<String>,
}

impl Figures {
    fn summary(&self) -> String {
        format!(
            "site in a box: {} bound items, {} with evidence, {} match the consultant, {} false \
             failures, {} false passes, {} could not tell, {} other mismatches",
            self.bound,
            self.with_evidence,
            self.matching,
            self.false_failures.len(),
            self.false_passes.len(),
            self.could_not_tell,
            self.other.len(),
        )
    }

    fn problems(&self) -> Vec<String> {
        [
            ("false failures", &self.false_failures),
            ("false passes", &self.false_passes),
            ("other mismatches", &self.other),
        ]
        .into_iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(what, list)| format!("{what}:\n  {}", list.join("\n  ")))
        .collect()
    }
}

/// The box with its servers running, and where the outputs are kept for a look afterwards.
fn site_in_a_box() -> (Lab, PathBuf) {
    let started = Instant::now();
    let mut lab = Lab::new();
    build_box(&mut lab);
    certificates(&lab);
    start_servers(&mut lab);
    eprintln!(
        "site in a box: namespaces and servers up in {:?} ({})",
        started.elapsed(),
        lab.ns("*")
    );
    let keep = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("site-box");
    let _ = fs::remove_dir_all(&keep);
    fs::create_dir_all(&keep).expect("keep dir");
    (lab, keep)
}

/// The session `box`: the interview's answers that decide which items are asked, and the site.
/// The site file has the contract's fields; until the parser takes them, the run goes on with
/// the file today's parser reads, and the problem is returned (the test fails for it).
fn session(run: &Runner<'_>, keep: &Path) -> Option<String> {
    let lab = run.lab;
    let full = lab.path("site.toml");
    fs::write(&full, site_toml(lab.dir(), true)).expect("site file");
    fs::write(keep.join("site.toml"), site_toml(lab.dir(), true)).expect("keep site");
    let validated = run.run("sms1", &["site", "validate", &full.display().to_string()]);
    let (site, problem) = if validated.code == 0 {
        (full, None)
    } else {
        let small = lab.path("site-small.toml");
        fs::write(&small, site_toml(lab.dir(), false)).expect("site file");
        run.ok("sms1", &["site", "validate", &small.display().to_string()]);
        let problem = format!(
            "the site file with the contract's fields (os, outside, role, hosts_on) does not \
             parse; probed with the reduced one:\n{}",
            validated.both()
        );
        (small, Some(problem))
    };
    run.ok(
        "sms1",
        &["session", "new", "box", "--checklist", "spok-mobile-4.5"],
    );
    for (item, value) in [
        ("database.ha_option", "alwayson"),
        ("firewall.method", "url"),
        ("ports.components", "console_web"),
        ("ciphers.server_os", "ws2016,ws2012r2"),
        ("certificates.smart_suite", "5.x"),
        ("certificates.type", "non_wildcard"),
        ("ha.active_passive", "no"),
        ("pfx.notification_framework", "yes"),
    ] {
        run.ok("sms1", &["session", "answer", "box", item, value]);
    }
    run.ok(
        "sms1",
        &["site", "import", "box", &site.display().to_string()],
    );
    problem
}

/// `preflight probe` from a vantage into the session, as a consultant runs it there.
fn probe_from(run: &Runner<'_>, keep: &Path, ns: &str, role: &str, hosts: Option<&str>) {
    let t = Instant::now();
    let hosts_path = hosts.map(|h| run.lab.path(h).display().to_string());
    let mut args = vec![
        "probe",
        "--session",
        "box",
        "--from",
        role,
        "--no-system-resolver",
        // Over a second: an ICMP "unreachable" that meets the connecting socket still locked
        // (no latency inside the box) is only seen at the SYN's retry, after 1 s.
        "--timeout",
        "2500",
        "--format",
        "json",
    ];
    if let Some(h) = &hosts_path {
        args.extend(["--hosts-file", h.as_str()]);
    }
    let out = run.run(ns, &args);
    fs::write(keep.join(format!("probe-{ns}.json")), &out.stdout).expect("keep probe");
    assert!(
        out.code == 0 || out.code == 1,
        "probe from {role} ended in error\n{}",
        out.both()
    );
    let json: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("probe from {role}: not JSON ({e})\n{}", out.both()));
    eprintln!(
        "probe from {role:<30} {:>3} results {} in {:?}",
        json["results"].as_array().map_or(0, Vec::len),
        json["summary"],
        t.elapsed()
    );
}

/// Every bound item of the checklist against [`EXPECTED`]; the report lists each item.
fn evaluate(session: &Value, bound: &[String]) -> (Figures, String) {
    let items: BTreeMap<&str, &Value> = session["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["id"].as_str().expect("id"), i))
        .collect();
    // A row that expects no evidence may name an item the checklist does not bind.
    for x in EXPECTED.iter().filter(|x| x.verdict != V::NotProbed) {
        assert!(
            bound.iter().any(|b| b == x.id),
            "the table expects {} but spok-mobile-4.5 does not bind it (renamed or unbound: \
             update the table)",
            x.id
        );
    }
    let not_probed = e(
        "",
        V::NotProbed,
        S::Nothing,
        &[],
        "no target or vantage of this site is in its scope",
    );
    let mut figures = Figures {
        bound: bound.len(),
        ..Figures::default()
    };
    let mut report = String::new();
    for id in bound {
        let item = items
            .get(id.as_str())
            .unwrap_or_else(|| panic!("session show has no item {id}"));
        let seen = Seen::of(item);
        let x = EXPECTED.iter().find(|x| x.id == id).unwrap_or(&not_probed);
        figures.with_evidence += usize::from(seen.verdict.is_some());
        figures.could_not_tell += usize::from(seen.verdict() == "error");
        let wrong = judge(x, &seen);
        let _ = writeln!(
            report,
            "{} {id:<36} {:<8} {:<4} ({}) expected {:?}/{:?}: {}",
            if wrong.is_none() { "ok " } else { "BAD" },
            seen.verdict(),
            seen.suggestion(),
            item["status"].as_str().unwrap_or("?"),
            x.verdict,
            x.suggestion,
            x.why
        );
        let Some(wrong) = wrong else {
            figures.matching += 1;
            continue;
        };
        for s in &seen.summaries {
            let _ = writeln!(report, "      {s}");
        }
        // The worst results first, as the session lists them, cut to a line each.
        let mut said = String::new();
        for s in seen.summaries.iter().take(3) {
            let _ = write!(said, "\n      {}", s.chars().take(220).collect::<String>());
        }
        let line = format!("{id}: {wrong} (because {}){said}", x.why);
        match seen.verdict() {
            "fail" if x.verdict != V::Fail => figures.false_failures.push(line),
            "pass" if x.verdict != V::Pass => figures.false_passes.push(line),
            _ => figures.other.push(line),
        }
    }
    (figures, report)
}

/// The report shows each item's probe verdict and suggestion exactly as `session show` does
/// (and the TUI, which reads the same function): one judgement, three faces.
fn same_verdicts_in_the_report(run: &Runner<'_>, keep: &Path, session: &Value) {
    let out = keep.join("report.json");
    let out_arg = out.display().to_string();
    run.ok(
        "sms1",
        &["report", "build", "--session", "box", "--out", &out_arg],
    );
    let report: Value =
        serde_json::from_slice(&fs::read(&out).expect("report")).expect("report JSON");
    let in_report: BTreeMap<&str, (&Value, &Value)> = report["findings"]["items"]
        .as_array()
        .expect("report items")
        .iter()
        .map(|i| {
            (
                i["id"].as_str().expect("id"),
                (&i["probe"]["verdict"], &i["probe"]["suggestion"]),
            )
        })
        .collect();
    let mut compared = 0;
    for item in session["items"].as_array().expect("items") {
        let id = item["id"].as_str().expect("id");
        let (verdict, suggestion) = in_report[id];
        assert_eq!(&item["probe"]["verdict"], verdict, "{id}: verdict");
        let said = item["probe"]["suggestion"].as_str();
        let doc = suggestion["kind"].as_str();
        assert_eq!(said, doc, "{id}: suggestion ({suggestion})");
        compared += usize::from(!verdict.is_null());
    }
    assert!(
        compared > 40,
        "only {compared} items with evidence compared"
    );
}

#[test]
fn a_site_in_a_box_probed_from_three_vantages_gets_a_consultants_verdicts() {
    let started = Instant::now();
    let (lab, keep) = site_in_a_box();
    let run = Runner {
        lab: &lab,
        home: lab.path("home"),
    };
    let site_problem = session(&run, &keep);
    probe_from(
        &run,
        &keep,
        "sms1",
        "Spok Mobile Server, Primary",
        Some("hosts.sms1"),
    );
    probe_from(
        &run,
        &keep,
        "cws1",
        "Console Web Server - 1",
        Some("hosts.cws1"),
    );
    probe_from(&run, &keep, "phone", "Mobile User", None);

    let shown = run.ok("sms1", &["session", "show", "box", "--format", "json"]);
    fs::write(keep.join("session.json"), &shown.stdout).expect("keep session");
    let session: Value = serde_json::from_str(&shown.stdout).expect("session JSON");
    let checklist = run.ok(
        "sms1",
        &["checklist", "show", "spok-mobile-4.5", "--format", "json"],
    );
    let checklist: Value = serde_json::from_str(&checklist.stdout).expect("checklist JSON");
    let bound: Vec<String> = checklist["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["items"].as_array().expect("items").iter())
        .filter(|i| !i["probe"].is_null())
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect();

    same_verdicts_in_the_report(&run, &keep, &session);

    let (figures, report) = evaluate(&session, &bound);
    let summary = format!("{} ({:?} in all)", figures.summary(), started.elapsed());
    eprintln!("{report}\n{summary}\n(outputs kept in {})", keep.display());
    // Nothing tried to leave the box: every namespace's guard stopped no packet.
    let escapes = lab.escapes();
    assert!(
        escapes.is_empty(),
        "packets bound outside the box were stopped (the guard drops them): {escapes:?}"
    );
    let problems: Vec<String> = site_problem.into_iter().chain(figures.problems()).collect();
    assert!(
        problems.is_empty(),
        "{summary}\n\n{}",
        problems.join("\n\n")
    );
}
