//! `preflight init`: an annotated example site, and the port matrix a checklist carries.

use super::{PortRule, Protocol};
use crate::checklist::Checklist;
use crate::rules::{Check, TcpCheck};

/// A site file that explains itself. Every value is an example to replace.
pub const EXAMPLE: &str = r#"# A preflight site file: the facts of one site. Replace every value; delete what you don't use.
# Never put a password here: preflight asks for it when a probe connects.
# Check it with `preflight probe --site THIS_FILE --only dns` or import it into a session.

site = "St. Example Hospital"

# Resolvers to ask besides this machine's own: internal ones (what staff devices and servers
# use) and external ones (what phones on a carrier network see). IP or IP:PORT.
[resolvers]
internal = ["10.0.0.53"]
external = ["203.0.113.53"]

# The machines, and the roles they play. Port rules name roles; a probe run from a machine
# (its vantage) checks the rules whose `from` is its role. `outside = true` marks a machine
# outside the firewall (a phone on a carrier network): probes run from it resolve names
# through the external resolvers only and use no hosts file, as a phone on the street does.
# `os` is the machine's operating system: checks written for one Windows release (the guide's
# cipher lists) judge only machines that run it.
[[host]]
name = "cws1"
address = "cws1.example.org"
roles = ["Console Web Server - 1"]
os = "Windows Server 2016"

[[host]]
name = "sms1"
address = "sms1.example.org"
roles = ["Spok Mobile Server, Primary"]
os = "Windows Server 2016"

[[host]]
name = "sql"
address = "sqlcluster.example.org"
roles = ["MS SQL Server Cluster"]

[[host]]
name = "smlb"
address = "spokmobile.example.org"
roles = ["Spok Mobile Servers via Load Balancer"]
os = "Windows Server 2016"

[[host]]
name = "phone"
address = "phone.example.org"
roles = ["Mobile User"]
outside = true

# Names that must resolve. `expect` applies to every resolver; `internal` and `external`
# describe a split horizon; `reverse` asks that PTR gives the same name back (SQL mirroring
# partners need true FQDNs); `hosts_entry` is the line the hosts file must have, on every
# machine or only on those whose roles `hosts_on` lists (the guide's `127.0.0.1 <SSL name>`
# test entry belongs on the Spok Mobile server alone). `role` says what the name is to the
# checklist ("SSL name", "SQL mirroring partner"), so its items judge this name and no other.
[[name]]
fqdn = "spokmobile.example.org"
role = "SSL name"
internal = ["10.1.2.3"]
external = ["203.0.113.7"]
hosts_entry = "127.0.0.1"
hosts_on = ["Spok Mobile Server, Primary"]

[[name]]
fqdn = "sql1.example.org"
role = "SQL mirroring partner"
expect = ["10.1.5.11"]
reverse = true
hosts_entry = "10.1.5.11"

# The port matrix: from a role, to a role (or to a URL or address), TCP or UDP, ports as
# `443,8091,5228-5230`, what it is for, and whether it goes out to the internet.
# The Spok guide writes the MXPP ports only as "TCP 2000x" and never lists them: write this
# site's own. 20000 and 20001 are what Spok's CCS 1.9 port workbook lists, not the guide.
[[port]]
from = "Console Web Server - 1"
to = "Spok Mobile Servers via Load Balancer"
protocol = "tcp"
ports = "8091,20000,20001"
purpose = "Send messages and device registrations to Spok Mobile Server"

[[port]]
from = "Console Web Server - 1"
to = "MS SQL Server Cluster"
protocol = "tcp"
ports = "1433"
purpose = "Spok Console or MediCall database connection"

# TLS endpoints to scan, with the name clients use. `tds = true` scans a SQL Server port, whose
# TLS handshake travels inside TDS PRELOGIN packets (e.g. endpoint = "sqlcluster.example.org:1433").
[[tls]]
endpoint = "spokmobile.example.org:443"
sni = "spokmobile.example.org"
role = "Spok Mobile Servers via Load Balancer"

# SQL Server instances: HOST, HOST:PORT or HOST\INSTANCE, and the login to use (no password:
# preflight asks for it, or reads PREFLIGHT_SQL_PASSWORD). `trust_server_certificate = true`
# accepts the server's own self-signed certificate (SQL Server makes one when none is set).
[[sql]]
server = 'sqlcluster.example.org\SPOK'
database = "AmcomAmcPremiseCore"
user = "sdc"
trust_server_certificate = false

# Certificate files to read (PEM, DER, PKCS#7, PKCS#12; a PFX's password is asked for, or read
# from PREFLIGHT_PFX_PASSWORD). `role` names the file the checklist's items are about.
[[certfile]]
path = 'C:\Users\admin\AppData\Roaming\RabbitMQ\Certs\certificate.pfx'
purpose = "Spok Notification Framework"
role = "Spok Notification Framework certificate"
"#;

/// The port rules a checklist's TCP bindings describe, in checklist order: the guide's port
/// tables, with the guide's role names to map onto the site's hosts.
pub fn template_ports(checklist: &Checklist) -> Vec<PortRule> {
    let mut rules: Vec<PortRule> = Vec::new();
    for item in checklist.items() {
        let Some(binding) = &item.probe else { continue };
        let Check::Tcp(TcpCheck::Reachable {
            ports, site_ports, ..
        }) = &binding.check
        else {
            continue;
        };
        let Some(from) = &binding.scope.from else {
            continue;
        };
        for to in &binding.scope.to {
            let rule = PortRule {
                from: from.clone(),
                to: to.clone(),
                protocol: Protocol::Tcp,
                ports: ports.clone(),
                purpose: match site_ports {
                    Some(words) => format!(
                        "{} (add the site's \"{words}\" ports: the guide does not list them)",
                        item.prompt
                    ),
                    None => item.prompt.clone(),
                },
                outbound: false,
            };
            if !rules
                .iter()
                .any(|r| r.from == rule.from && r.to == rule.to && r.ports == rule.ports)
            {
                rules.push(rule);
            }
        }
    }
    rules
}
