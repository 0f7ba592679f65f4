//! The site as tables of rows of text, for an editor that shows a row as text and takes it
//! back as typed (the TUI's site view): each table's fields, a row as text, text parsed back
//! into the model by the rules a site file is held to (`build`), naming the field at fault,
//! and rows added to and taken out of a [`Site`] by index.

use std::net::SocketAddr;

use super::build;
use super::{CertFile, Host, NameCheck, PortRule, Site, SqlInstance, TlsEndpoint};
use crate::ports::Ports;
use crate::rules::Os;

/// One of the site's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Hosts,
    Names,
    Ports,
    Resolvers,
    Tls,
    Sql,
    CertFiles,
}

/// A field of a table's rows: its name (a site file's key) and what to type in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub hint: &'static str,
}

const fn field(name: &'static str, hint: &'static str) -> Field {
    Field { name, hint }
}

const HOSTS: &[Field] = &[
    field("name", "a short label people use, such as ccs1"),
    field("address", "its DNS name or IP address, as probes reach it"),
    field(
        "roles",
        "the roles it plays, separated by semicolons (the guide's role names hold commas)",
    ),
    field(
        "os",
        "its operating system, such as Windows Server 2016 (cipher lists are per release)",
    ),
    field(
        "outside",
        "yes when it is outside the firewall (a phone on a carrier network): probes from it ask the external resolvers only; blank is no",
    ),
];
const NAMES: &[Field] = &[
    field(
        "fqdn",
        "the name that must resolve, such as spokmobile.example.org",
    ),
    field(
        "expect",
        "addresses every resolver should give, separated by commas",
    ),
    field(
        "internal",
        "addresses the internal resolvers should give (split horizon)",
    ),
    field("external", "addresses the external resolvers should give"),
    field(
        "reverse",
        "yes when the reverse lookup must give the name back (SQL mirroring partners); blank is no",
    ),
    field(
        "hosts entry",
        "the address the hosts file must give the name, if it must have an entry",
    ),
    field(
        "role",
        "what the name is to the checklist, such as SSL name or SQL mirroring partner",
    ),
    field(
        "hosts on",
        "the roles whose hosts file must have the entry, separated by semicolons; blank is every machine",
    ),
];
const PORTS: &[Field] = &[
    field("from", "the role the traffic starts at"),
    field("to", "the role, URL or address it goes to"),
    field("protocol", "tcp or udp; blank is tcp"),
    field("ports", "ports and ranges such as 443,8091,20000-20009"),
    field("purpose", "what the traffic is for"),
    field(
        "outbound",
        "yes when it crosses the firewall out to the internet; blank is no",
    ),
];
const RESOLVERS: &[Field] = &[
    field(
        "side",
        "internal (what staff devices and servers ask) or external (what phones outside see); blank is internal",
    ),
    field(
        "address",
        "IP or IP:PORT, such as 10.0.0.53 or 10.0.0.53:5353",
    ),
];
const TLS: &[Field] = &[
    field("endpoint", "HOST:PORT, such as spokmobile.example.org:443"),
    field(
        "sni",
        "the name clients send, when it is not the endpoint's host",
    ),
    field("role", "the role that serves it"),
    field(
        "tds",
        "yes for a SQL Server port (TLS inside TDS PRELOGIN); blank is no",
    ),
    field(
        "os",
        "the OS of the server behind it, when its host's os does not say",
    ),
];
const SQL: &[Field] = &[
    field("server", "HOST, HOST:PORT or HOST\\INSTANCE"),
    field("database", "the database to look at"),
    field(
        "user",
        "the login; its password is asked for when a probe connects, never kept",
    ),
    field(
        "trust cert",
        "yes to accept the server's own (self-signed) certificate; blank is no",
    ),
    field("role", "what the instance is to the checklist"),
];
const CERTFILES: &[Field] = &[
    field("path", "the file: PEM, DER, PKCS#7 or PKCS#12"),
    field("purpose", "what the certificate is for"),
    field(
        "role",
        "what the file is to the checklist, such as Spok Notification Framework certificate",
    ),
];

/// Which list of resolvers a resolver row is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Internal,
    External,
}

/// One row of one table, as the model holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Host(Host),
    Name(NameCheck),
    Port(PortRule),
    Resolver(Side, SocketAddr),
    Tls(TlsEndpoint),
    Sql(SqlInstance),
    CertFile(CertFile),
}

/// A row's text that the rules refuse: which field, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The field's position in [`Table::fields`].
    pub index: usize,
    pub field: &'static str,
    pub message: String,
}

impl Table {
    pub const ALL: [Table; 7] = [
        Table::Hosts,
        Table::Names,
        Table::Ports,
        Table::Resolvers,
        Table::Tls,
        Table::Sql,
        Table::CertFiles,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Table::Hosts => "Hosts",
            Table::Names => "Names",
            Table::Ports => "Ports",
            Table::Resolvers => "Resolvers",
            Table::Tls => "TLS",
            Table::Sql => "SQL",
            Table::CertFiles => "Certificate files",
        }
    }

    /// What one row is called.
    pub fn row_name(self) -> &'static str {
        match self {
            Table::Hosts => "host",
            Table::Names => "name",
            Table::Ports => "port rule",
            Table::Resolvers => "resolver",
            Table::Tls => "TLS endpoint",
            Table::Sql => "SQL instance",
            Table::CertFiles => "certificate file",
        }
    }

    /// A stable lowercase key (for drafts and the like).
    pub fn key(self) -> &'static str {
        match self {
            Table::Hosts => "hosts",
            Table::Names => "names",
            Table::Ports => "ports",
            Table::Resolvers => "resolvers",
            Table::Tls => "tls",
            Table::Sql => "sql",
            Table::CertFiles => "certfiles",
        }
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            Table::Hosts => HOSTS,
            Table::Names => NAMES,
            Table::Ports => PORTS,
            Table::Resolvers => RESOLVERS,
            Table::Tls => TLS,
            Table::Sql => SQL,
            Table::CertFiles => CERTFILES,
        }
    }

    pub fn len(self, site: &Site) -> usize {
        match self {
            Table::Hosts => site.hosts.len(),
            Table::Names => site.names.len(),
            Table::Ports => site.ports.len(),
            Table::Resolvers => site.resolvers.internal.len() + site.resolvers.external.len(),
            Table::Tls => site.tls.len(),
            Table::Sql => site.sql.len(),
            Table::CertFiles => site.certfiles.len(),
        }
    }

    /// Row `i`; resolvers list the internal ones first.
    pub fn row(self, site: &Site, i: usize) -> Option<Row> {
        match self {
            Table::Hosts => site.hosts.get(i).cloned().map(Row::Host),
            Table::Names => site.names.get(i).cloned().map(Row::Name),
            Table::Ports => site.ports.get(i).cloned().map(Row::Port),
            Table::Resolvers => {
                let r = &site.resolvers;
                match i.checked_sub(r.internal.len()) {
                    None => Some(Row::Resolver(Side::Internal, r.internal[i])),
                    Some(j) => r.external.get(j).map(|a| Row::Resolver(Side::External, *a)),
                }
            }
            Table::Tls => site.tls.get(i).cloned().map(Row::Tls),
            Table::Sql => site.sql.get(i).cloned().map(Row::Sql),
            Table::CertFiles => site.certfiles.get(i).cloned().map(Row::CertFile),
        }
    }

    /// Parses a row's text, one string per field, by the site file's rules. `editing` is the
    /// row being replaced, so a host may keep its own name.
    ///
    /// # Errors
    /// The first field whose text the rules refuse.
    pub fn parse(
        self,
        texts: &[String],
        site: &Site,
        editing: Option<usize>,
    ) -> Result<Row, FieldError> {
        let t = Typed {
            texts,
            fields: self.fields(),
        };
        Ok(match self {
            Table::Hosts => Row::Host(host(&t, site, editing)?),
            Table::Names => Row::Name(NameCheck {
                fqdn: t.check(0, build::fqdn(t.text(0)))?,
                expect: t.ips(1, "address")?,
                internal: t.ips(2, "address")?,
                external: t.ips(3, "address")?,
                reverse: t.check(4, yes_no(t.text(4)))?,
                hosts_entry: match t.text(5) {
                    "" => None,
                    text => Some(t.check(5, build::ip(text, "hosts entry"))?),
                },
                role: t.optional(6),
                hosts_on: roles(t.text(7)),
            }),
            Table::Ports => Row::Port(port(&t)?),
            Table::Resolvers => {
                let which = match t.text(0).to_ascii_lowercase().as_str() {
                    "internal" | "int" | "i" | "" => Side::Internal,
                    "external" | "ext" | "e" => Side::External,
                    _ => {
                        return Err(t.fail(
                            0,
                            format!(
                                "unknown side `{}`: expected `internal` or `external`",
                                t.text(0)
                            ),
                        ));
                    }
                };
                Row::Resolver(which, t.check(1, build::resolver(t.text(1)))?)
            }
            Table::Tls => Row::Tls(TlsEndpoint {
                endpoint: t.check(0, build::endpoint(t.text(0)))?,
                sni: t.optional(1),
                role: t.optional(2),
                tds: t.check(3, yes_no(t.text(3)))?,
                os: t.optional(4).map(|o| Os::parse(&o)),
            }),
            Table::Sql => Row::Sql(SqlInstance {
                server: t.check(0, build::sql_server(t.text(0)))?,
                database: t.optional(1),
                user: t.optional(2),
                trust_server_certificate: t.check(3, yes_no(t.text(3)))?,
                role: t.optional(4),
            }),
            Table::CertFiles => Row::CertFile(CertFile {
                path: t.required(0, build::CERT_PATH)?.into(),
                purpose: t.text(1).to_owned(),
                role: t.optional(2),
            }),
        })
    }
}

/// A row's text being parsed, and the fields it is for.
struct Typed<'a> {
    texts: &'a [String],
    fields: &'static [Field],
}

impl Typed<'_> {
    /// Field `i`'s text, trimmed.
    fn text(&self, i: usize) -> &str {
        self.texts.get(i).map_or("", |t| t.trim())
    }

    fn fail(&self, index: usize, message: String) -> FieldError {
        FieldError {
            index,
            field: self.fields[index].name,
            message,
        }
    }

    fn check<T>(&self, i: usize, result: Result<T, String>) -> Result<T, FieldError> {
        result.map_err(|m| self.fail(i, m))
    }

    fn required(&self, i: usize, expected: &str) -> Result<String, FieldError> {
        match self.text(i) {
            "" => Err(self.fail(i, expected.to_owned())),
            t => Ok(t.to_owned()),
        }
    }

    fn optional(&self, i: usize) -> Option<String> {
        Some(self.text(i).to_owned()).filter(|t| !t.is_empty())
    }

    /// A comma-separated list of IP addresses.
    fn ips(&self, i: usize, what: &str) -> Result<Vec<std::net::IpAddr>, FieldError> {
        list(self.text(i))
            .into_iter()
            .map(|t| self.check(i, build::ip(t, what)))
            .collect()
    }
}

fn host(t: &Typed<'_>, site: &Site, editing: Option<usize>) -> Result<Host, FieldError> {
    let name = t.required(0, "expected a short label such as ccs1")?;
    if let Some(other) =
        (0..site.hosts.len()).find(|&j| Some(j) != editing && site.hosts[j].name == name)
    {
        return Err(t.fail(
            0,
            format!("duplicate host `{name}` (row {} has it)", other + 1),
        ));
    }
    Ok(Host {
        name,
        address: {
            t.check(1, build::host_address(t.text(1)))?;
            t.text(1).to_owned()
        },
        roles: roles(t.text(2)),
        os: t.optional(3).map(|o| Os::parse(&o)),
        outside: t.check(4, yes_no(t.text(4)))?,
    })
}

fn port(t: &Typed<'_>) -> Result<PortRule, FieldError> {
    let from = t.required(0, &build::missing_role("from"))?;
    let to = t.required(1, &build::missing_role("to"))?;
    let protocol = match t.text(2) {
        "" => super::Protocol::Tcp,
        text => t.check(2, build::protocol(text))?,
    };
    let ports = t.check(3, Ports::parse(t.text(3)).map_err(|e| e.to_string()))?;
    Ok(PortRule {
        from,
        to,
        protocol,
        ports,
        purpose: t.text(4).to_owned(),
        outbound: t.check(5, yes_no(t.text(5)))?,
    })
}

impl Row {
    pub fn table(&self) -> Table {
        match self {
            Row::Host(_) => Table::Hosts,
            Row::Name(_) => Table::Names,
            Row::Port(_) => Table::Ports,
            Row::Resolver(..) => Table::Resolvers,
            Row::Tls(_) => Table::Tls,
            Row::Sql(_) => Table::Sql,
            Row::CertFile(_) => Table::CertFiles,
        }
    }

    /// A few words that tell the row from the others.
    pub fn label(&self) -> String {
        match self {
            Row::Host(h) => h.name.clone(),
            Row::Name(n) => n.fqdn.clone(),
            Row::Port(p) => format!("{} → {} {} {}", p.from, p.to, p.protocol, p.ports.written()),
            Row::Resolver(..) => self.texts().join(" "),
            Row::Tls(t) => t.endpoint.to_string(),
            Row::Sql(s) => s.server.to_string(),
            Row::CertFile(c) => c.path.display().to_string(),
        }
    }

    /// The row as text, one string per field of its table, as it would be typed.
    pub fn texts(&self) -> Vec<String> {
        fn joined<T: ToString>(list: &[T]) -> String {
            list.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
        match self {
            Row::Host(h) => vec![
                h.name.clone(),
                h.address.clone(),
                h.roles.join("; "),
                h.os.as_ref().map(ToString::to_string).unwrap_or_default(),
                yes_no(h.outside),
            ],
            Row::Name(n) => vec![
                n.fqdn.clone(),
                joined(&n.expect),
                joined(&n.internal),
                joined(&n.external),
                yes_no(n.reverse),
                n.hosts_entry.map(|a| a.to_string()).unwrap_or_default(),
                n.role.clone().unwrap_or_default(),
                n.hosts_on.join("; "),
            ],
            Row::Port(p) => vec![
                p.from.clone(),
                p.to.clone(),
                p.protocol.to_string().to_ascii_lowercase(),
                p.ports.written().to_owned(),
                p.purpose.clone(),
                yes_no(p.outbound),
            ],
            Row::Resolver(side, addr) => vec![
                match side {
                    Side::Internal => "internal",
                    Side::External => "external",
                }
                .to_owned(),
                // The DNS port goes without saying, as a site file writes it.
                if addr.port() == 53 {
                    addr.ip().to_string()
                } else {
                    addr.to_string()
                },
            ],
            Row::Tls(t) => vec![
                t.endpoint.to_string(),
                t.sni.clone().unwrap_or_default(),
                t.role.clone().unwrap_or_default(),
                yes_no(t.tds),
                t.os.as_ref().map(ToString::to_string).unwrap_or_default(),
            ],
            Row::Sql(s) => vec![
                s.server.to_string(),
                s.database.clone().unwrap_or_default(),
                s.user.clone().unwrap_or_default(),
                yes_no(s.trust_server_certificate),
                s.role.clone().unwrap_or_default(),
            ],
            Row::CertFile(c) => vec![
                c.path.display().to_string(),
                c.purpose.clone(),
                c.role.clone().unwrap_or_default(),
            ],
        }
    }
}

impl Site {
    /// Takes row `i` of a table out.
    pub fn remove_row(&mut self, table: Table, i: usize) -> Option<Row> {
        fn take<T>(list: &mut Vec<T>, i: usize, row: fn(T) -> Row) -> Option<Row> {
            (i < list.len()).then(|| row(list.remove(i)))
        }
        match table {
            Table::Hosts => take(&mut self.hosts, i, Row::Host),
            Table::Names => take(&mut self.names, i, Row::Name),
            Table::Ports => take(&mut self.ports, i, Row::Port),
            Table::Resolvers => {
                let r = &mut self.resolvers;
                match i.checked_sub(r.internal.len()) {
                    None => Some(Row::Resolver(Side::Internal, r.internal.remove(i))),
                    Some(j) => (j < r.external.len())
                        .then(|| Row::Resolver(Side::External, r.external.remove(j))),
                }
            }
            Table::Tls => take(&mut self.tls, i, Row::Tls),
            Table::Sql => take(&mut self.sql, i, Row::Sql),
            Table::CertFiles => take(&mut self.certfiles, i, Row::CertFile),
        }
    }

    /// Puts a row into its table at `at` (or as near as its table allows: a resolver stays
    /// among those of its side) and returns where it landed.
    pub fn insert_row(&mut self, at: usize, row: Row) -> usize {
        fn put<T>(list: &mut Vec<T>, at: usize, item: T) -> usize {
            let at = at.min(list.len());
            list.insert(at, item);
            at
        }
        match row {
            Row::Host(h) => put(&mut self.hosts, at, h),
            Row::Name(n) => put(&mut self.names, at, n),
            Row::Port(p) => put(&mut self.ports, at, p),
            Row::Resolver(Side::Internal, a) => put(&mut self.resolvers.internal, at, a),
            Row::Resolver(Side::External, a) => {
                let before = self.resolvers.internal.len();
                before + put(&mut self.resolvers.external, at.saturating_sub(before), a)
            }
            Row::Tls(t) => put(&mut self.tls, at, t),
            Row::Sql(s) => put(&mut self.sql, at, s),
            Row::CertFile(c) => put(&mut self.certfiles, at, c),
        }
    }
}

/// Roles separated by semicolons: the guide's own role names hold commas ("Spok Mobile Server,
/// Primary"), so a comma cannot separate them.
fn roles(text: &str) -> Vec<String> {
    text.split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A comma-separated list, each part trimmed, empty parts dropped.
fn list(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn yes_no(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" | "" => Ok(false),
        _ => Err(format!("expected yes or no, found `{text}`")),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::site::example::EXAMPLE;

    fn example() -> Site {
        Site::parse(EXAMPLE, Path::new("site.toml")).expect("example parses")
    }

    fn texts(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| (*s).to_owned()).collect()
    }

    /// Every row of the example, as text and back, is the row it was.
    #[test]
    fn every_row_round_trips_through_its_text() {
        let site = example();
        for table in Table::ALL {
            assert!(table.len(&site) > 0, "the example has {}", table.title());
            for i in 0..table.len(&site) {
                let row = table.row(&site, i).expect("row");
                assert_eq!(row.table(), table);
                let t = row.texts();
                assert_eq!(t.len(), table.fields().len(), "{table:?}");
                assert_eq!(table.parse(&t, &site, Some(i)), Ok(row), "{table:?} {i}");
            }
            assert!(table.row(&site, table.len(&site)).is_none());
        }
    }

    /// Each rule a site file has, met by typed text: the field it names and the words it uses.
    #[test]
    fn refused_text_names_the_field_and_what_was_expected() {
        let site = example();
        let cases: &[(Table, &[&str], &str, &str)] = &[
            (
                Table::Hosts,
                &["cws1", "x.example.org", ""],
                "name",
                "duplicate host `cws1` (row 1 has it)",
            ),
            (
                Table::Hosts,
                &["", "a", ""],
                "name",
                "expected a short label",
            ),
            (
                Table::Hosts,
                &["new", " ", ""],
                "address",
                "expected the host's DNS name or IP address",
            ),
            (
                Table::Names,
                &["mail example.org", "", "", "", "no", ""],
                "fqdn",
                "expected a DNS name",
            ),
            (
                Table::Names,
                &["a.example.org", "10.0.0.1, 10.0.0.300", "", "", "no", ""],
                "expect",
                "invalid address `10.0.0.300`: expected an IPv4 or IPv6 address",
            ),
            (
                Table::Names,
                &["a.example.org", "", "", "", "noYes", ""],
                "reverse",
                "expected yes or no, found `noYes`",
            ),
            (
                Table::Names,
                &["a.example.org", "", "", "", "", "sql1"],
                "hosts entry",
                "invalid hosts entry `sql1`",
            ),
            (
                Table::Ports,
                &["", "b", "tcp", "1", "", "no"],
                "from",
                "expected the `from` role of this port rule",
            ),
            (
                Table::Ports,
                &["a", "b", "icmp", "1", "", "no"],
                "protocol",
                "unknown protocol `icmp`: expected `tcp` or `udp`",
            ),
            (
                Table::Ports,
                &["a", "b", "tcp", "443,80x80", "", "no"],
                "ports",
                "invalid port list `443,80x80` at character 5",
            ),
            (
                Table::Ports,
                &["a", "b", "tcp", "", "", "no"],
                "ports",
                "expected at least one port",
            ),
            (
                Table::Resolvers,
                &["internal", "10.0.0.300"],
                "address",
                "invalid resolver `10.0.0.300`: expected IP or IP:PORT",
            ),
            (
                Table::Resolvers,
                &["Outside", "10.0.0.1"],
                "side",
                "unknown side `Outside`: expected `internal` or `external`",
            ),
            (
                Table::Tls,
                &["spokmobile.example.org", "", ""],
                "endpoint",
                "expected HOST:PORT",
            ),
            (Table::Sql, &["", "db", "sa"], "server", "HOST\\INSTANCE"),
            (Table::CertFiles, &["", "root"], "path", "expected"),
        ];
        for (table, t, field, words) in cases {
            let e = table
                .parse(&texts(t), &site, None)
                .expect_err(&format!("{table:?} {t:?} is refused"));
            assert_eq!(e.field, *field, "{table:?} {t:?}: {e}");
            assert_eq!(table.fields()[e.index].name, *field);
            assert!(e.to_string().contains(words), "{table:?} {t:?}: {e}");
            assert!(e.to_string().starts_with(&format!("{field}: ")), "{e}");
        }
    }

    #[test]
    fn text_is_read_as_a_site_file_reads_it() {
        let site = Site::default();
        let row = Table::Ports
            .parse(
                &texts(&[" cws ", "sql", "UDP", " 1433, 1434 ", "db", "Yes"]),
                &site,
                None,
            )
            .expect("valid");
        let Row::Port(p) = row else {
            panic!("a port row: {row:?}");
        };
        assert_eq!(
            (p.from.as_str(), p.protocol, p.ports.written(), p.outbound),
            ("cws", super::super::Protocol::Udp, "1433, 1434", true)
        );
        let defaulted = Table::Ports
            .parse(&texts(&["a", "b", "", "1", "", ""]), &site, None)
            .expect("blank protocol and outbound take the defaults");
        assert_eq!(
            defaulted.texts(),
            ["a", "b", "tcp", "1", "", "no"].map(str::to_owned)
        );
        let host = Table::Hosts
            .parse(
                &texts(&["sql", "10.1.5.11", "Spok Mobile Server, Primary; ;B;"]),
                &site,
                None,
            )
            .expect("valid");
        assert_eq!(host.texts()[2], "Spok Mobile Server, Primary; B");
        let name = Table::Names
            .parse(
                &texts(&["sql1.example.org.", "", "", "", "", "fd00::5"]),
                &site,
                None,
            )
            .expect("valid");
        assert_eq!(name.texts()[0], "sql1.example.org");
        assert_eq!(name.texts()[5], "fd00::5");
        let resolver = Table::Resolvers
            .parse(&texts(&["EXTERNAL", "[fd00::53]:5353"]), &site, None)
            .expect("valid");
        assert_eq!(
            resolver,
            Row::Resolver(Side::External, "[fd00::53]:5353".parse().expect("addr"))
        );
        let blank = |table: Table| {
            table
                .parse(&vec![String::new(); table.fields().len()], &site, None)
                .map(|r| r.texts())
        };
        assert_eq!(
            Table::Resolvers
                .parse(&texts(&["", "10.0.0.53"]), &site, None)
                .map(|r| r.texts()),
            Ok(texts(&["internal", "10.0.0.53"])),
            "a blank side is internal"
        );
        assert_eq!(
            blank(Table::Names).map(|t| t[0].clone()),
            Err(FieldError {
                index: 0,
                field: "fqdn",
                message: "expected a DNS name such as spokmobile.example.org".to_owned()
            })
        );
    }

    /// Resolvers are two lists shown as one table: internal rows first, each row staying
    /// among those of its side wherever it is put.
    #[test]
    fn rows_go_in_and_out_by_index() {
        let mut site = example();
        let ext = |s: &str| Row::Resolver(Side::External, s.parse().expect("addr"));
        let int = |s: &str| Row::Resolver(Side::Internal, s.parse().expect("addr"));
        assert_eq!(Table::Resolvers.len(&site), 2);
        assert_eq!(site.insert_row(0, ext("192.0.2.1:53")), 1);
        assert_eq!(site.insert_row(9, int("10.0.0.54:53")), 1);
        assert_eq!(
            (0..4)
                .map(|i| Table::Resolvers.row(&site, i).expect("row").texts()[1].clone())
                .collect::<Vec<_>>(),
            ["10.0.0.53", "10.0.0.54", "192.0.2.1", "203.0.113.53"]
        );
        assert_eq!(
            site.remove_row(Table::Resolvers, 2),
            Some(ext("192.0.2.1:53"))
        );
        assert_eq!(site.remove_row(Table::Resolvers, 3), None);
        let host = site.remove_row(Table::Hosts, 1).expect("host");
        assert_eq!(site.hosts.len(), 4);
        assert_eq!(site.insert_row(1, host), 1);
        assert_eq!(site, {
            let mut s = example();
            s.resolvers
                .internal
                .push("10.0.0.54:53".parse().expect("addr"));
            s
        });
    }
}
