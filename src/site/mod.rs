//! The site: the facts of the environment a checklist is walked against. Hosts and their roles,
//! names and the addresses they should resolve to, resolvers, the port matrix, TLS endpoints,
//! SQL instances and certificate files. Read from TOML (`build`), imported from a port
//! workbook exported as CSV (`workbook`), edited row by row as text (`table`, by the same rules),
//! written back as TOML, never holding a password.

mod build;
pub mod changes;

pub use build::split_host_port;
pub mod example;
mod raw;
pub mod table;
pub mod workbook;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::checklist::{Diagnostics, decode};
use crate::ports::Ports;
use crate::probe::sql::Target;
use crate::rules::Os;

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("cannot read site file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// A site, as kept in an assessment and written to a site file. Field names are the TOML keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// The site's name (the TOML key is `site`).
    #[serde(default, rename = "site", skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Resolvers::is_empty")]
    pub resolvers: Resolvers,
    #[serde(default, rename = "host", skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<Host>,
    #[serde(default, rename = "name", skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<NameCheck>,
    #[serde(default, rename = "port", skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortRule>,
    #[serde(default, rename = "tls", skip_serializing_if = "Vec::is_empty")]
    pub tls: Vec<TlsEndpoint>,
    #[serde(default, rename = "sql", skip_serializing_if = "Vec::is_empty")]
    pub sql: Vec<SqlInstance>,
    #[serde(default, rename = "certfile", skip_serializing_if = "Vec::is_empty")]
    pub certfiles: Vec<CertFile>,
}

/// A machine of the site and the roles it plays (the port matrix's sources and destinations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    /// A short label people use ("ccs1").
    pub name: String,
    /// Its DNS name or IP address, as probes reach it.
    pub address: String,
    #[serde(default)]
    pub roles: Vec<String>,
    /// Its operating system (`Windows Server 2016`), for checks written for one release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<Os>,
    /// The machine is outside the site's firewall (a phone on a carrier network): probes run
    /// from it resolve names through the site's external resolvers only, and no hosts file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outside: bool,
}

/// A name that must resolve, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameCheck {
    pub fqdn: String,
    /// Addresses every resolver should give (when `internal`/`external` do not say otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<IpAddr>,
    /// What the internal resolvers should answer (split horizon).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub internal: Vec<IpAddr>,
    /// What the external resolvers should answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external: Vec<IpAddr>,
    /// Forward and reverse lookups must agree (SQL mirroring partners need true FQDNs).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reverse: bool,
    /// The entry the hosts file must have for this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts_entry: Option<IpAddr>,
    /// What the name is to the checklist (`SSL name`, `SQL mirroring partner`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The roles of the machines whose hosts file must carry `hosts_entry`; elsewhere the
    /// entry must not be there (the guide's `127.0.0.1 <SSL name>` test entry belongs on the
    /// Spok Mobile server alone). Empty: every machine.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts_on: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolvers {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub internal: Vec<SocketAddr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external: Vec<SocketAddr>,
}

impl Resolvers {
    pub fn is_empty(&self) -> bool {
        self.internal.is_empty() && self.external.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        })
    }
}

/// One row of the port matrix: traffic from a role to a role on some ports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRule {
    pub from: String,
    pub to: String,
    pub protocol: Protocol,
    /// A port list as people write it (`443,8091,20000-20009`), parsed on load and kept as
    /// written.
    pub ports: Ports,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub purpose: String,
    /// Whether the rule crosses the firewall outbound to the internet.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outbound: bool,
}

/// A TLS endpoint, `HOST:PORT` or `[IPv6]:PORT`, its host a name the DNS probe would ask:
/// parsed on load, and kept (and stored) as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    host: String,
    port: u16,
    written: String,
}

impl Endpoint {
    /// # Errors
    /// When the text is not `HOST:PORT` with a host the probes can look up, in words.
    pub fn parse(text: &str) -> Result<Self, String> {
        build::endpoint(text)
    }

    /// The host, without the brackets of an IPv6 address.
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

crate::written::serde_as_written!(Endpoint);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsEndpoint {
    pub endpoint: Endpoint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// A SQL Server port: the TLS handshake travels inside TDS PRELOGIN packets.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tds: bool,
    /// The OS of the server behind it, when its host's `os` does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<Os>,
}

/// A SQL Server as the SQL probe connects to it: `HOST`, `HOST:PORT`, `HOST,PORT` or
/// `HOST\INSTANCE`, its host a name the DNS probe would ask: parsed on load, and kept (and
/// stored) as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlServer {
    target: Target,
    written: String,
}

impl SqlServer {
    /// # Errors
    /// When the text is not a server the SQL probe can connect to, in words.
    pub fn parse(text: &str) -> Result<Self, String> {
        build::sql_server(text)
    }

    pub fn target(&self) -> &Target {
        &self.target
    }
}

impl fmt::Display for SqlServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

crate::written::serde_as_written!(SqlServer);

/// A SQL Server instance. The login's password is never part of a site: it is asked for (or
/// read from `PREFLIGHT_SQL_PASSWORD`) when a probe connects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlInstance {
    /// `host`, `host:port` or `host\INSTANCE`.
    pub server: SqlServer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Accept whatever certificate the server presents (SQL Server's self-signed one, when no
    /// certificate is configured): `TrustServerCertificate=true` in a connection string.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trust_server_certificate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertFile {
    pub path: PathBuf,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub purpose: String,
    /// What the file is to the checklist (`Spok Notification Framework certificate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

impl Site {
    /// Parses and validates a site file's text.
    ///
    /// # Errors
    /// Every problem, each with its line and column.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SiteError> {
        build::build(text, path).map_err(SiteError::Invalid)
    }

    /// Reads a site file: TOML, or a port workbook exported as CSV (by the `.csv` extension).
    ///
    /// # Errors
    /// When the file cannot be read or has problems (each with its line and column).
    pub fn load(path: &Path) -> Result<Self, SiteError> {
        let text = decode::read(path).map_err(|e| match e {
            decode::ReadError::Io(source) => SiteError::Read {
                path: path.to_owned(),
                source,
            },
            decode::ReadError::Encoding(d) => SiteError::Invalid(d),
        })?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            let ports = workbook::parse(&text, path).map_err(SiteError::Invalid)?;
            return Ok(Site {
                ports,
                ..Site::default()
            });
        }
        Self::parse(&text, path)
    }

    /// The site as a TOML file.
    ///
    /// # Errors
    /// Only if a value cannot be written as TOML, which the model rules out.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string_pretty(self)
    }

    /// Adds what `other` has that this site lacks and takes the entries `other` says
    /// differently (the same host, name, port rule, endpoint, instance or file with other
    /// fields); entries `other` lacks stay. Returns every change `other` brings, the removals it
    /// would make included, so none goes unsaid. `covered` names the tables the file speaks for
    /// (a port workbook speaks for `port` only); `None`, all of them.
    ///
    /// # Errors
    /// When the merged site does not read back as a site; this one is then left as it was.
    pub fn merge(
        &mut self,
        other: &Site,
        covered: Option<&[&str]>,
    ) -> Result<Vec<changes::Change>, changes::Unreadable> {
        let all = changes::diff(self, other, covered);
        let applied: Vec<changes::Change> = all
            .iter()
            .filter(|c| c.kind != changes::Kind::Removed)
            .cloned()
            .collect();
        *self = changes::apply(self, &applied)?;
        Ok(all)
    }

    /// Takes `other` as the whole site; returns what that added, changed and removed.
    pub fn replace(&mut self, other: Site) -> Vec<changes::Change> {
        let all = changes::diff(self, &other, None);
        *self = other;
        all
    }

    /// Whether a probe run from `role` is outside the site's firewall: some host playing that
    /// role is marked `outside = true`.
    pub fn is_outside(&self, role: &str) -> bool {
        self.hosts.iter().any(|h| {
            h.outside
                && h.roles
                    .iter()
                    .any(|r| r.trim().eq_ignore_ascii_case(role.trim()))
        })
    }

    /// Every role some host plays, sorted, for the vantage picker.
    pub fn roles(&self) -> Vec<&str> {
        let mut roles: Vec<&str> = self
            .hosts
            .iter()
            .flat_map(|h| h.roles.iter().map(String::as_str))
            .chain(self.ports.iter().map(|p| p.from.as_str()))
            .collect();
        roles.sort_unstable();
        roles.dedup();
        roles
    }
}

#[cfg(test)]
mod tests;
