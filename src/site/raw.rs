//! The site file as written, with spans on every value a rule may need to point at.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    #[serde(default)]
    pub site: Option<String>,
    #[serde(default)]
    pub resolvers: Option<Spanned<Resolvers>>,
    #[serde(default)]
    pub host: Vec<Spanned<Host>>,
    #[serde(default)]
    pub name: Vec<Spanned<Name>>,
    #[serde(default)]
    pub port: Vec<Spanned<Port>>,
    #[serde(default)]
    pub tls: Vec<Spanned<Tls>>,
    #[serde(default)]
    pub sql: Vec<Spanned<Sql>>,
    #[serde(default)]
    pub certfile: Vec<Spanned<CertFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolvers {
    #[serde(default)]
    pub internal: Vec<Spanned<String>>,
    #[serde(default)]
    pub external: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    pub name: Spanned<String>,
    pub address: Spanned<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub os: Option<Spanned<String>>,
    pub outside: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Name {
    pub fqdn: Spanned<String>,
    #[serde(default)]
    pub expect: Vec<Spanned<String>>,
    #[serde(default)]
    pub internal: Vec<Spanned<String>>,
    #[serde(default)]
    pub external: Vec<Spanned<String>>,
    #[serde(default)]
    pub reverse: bool,
    #[serde(default)]
    pub hosts_entry: Option<Spanned<String>>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub hosts_on: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Port {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    #[serde(default)]
    pub protocol: Option<Spanned<String>>,
    pub ports: Spanned<String>,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub outbound: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    pub endpoint: Spanned<String>,
    #[serde(default)]
    pub sni: Option<Spanned<String>>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub tds: bool,
    #[serde(default)]
    pub os: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sql {
    pub server: Spanned<String>,
    #[serde(default)]
    pub database: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub trust_server_certificate: bool,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertFile {
    pub path: Spanned<String>,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub role: Option<String>,
}
