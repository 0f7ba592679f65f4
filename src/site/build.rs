//! From a site file's text to the validated [`Site`], with every problem positioned.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use toml::Spanned;

use super::raw;
use super::{
    CertFile, Endpoint, Host, NameCheck, PortRule, Protocol, Resolvers, Site, SqlInstance,
    SqlServer, TlsEndpoint,
};
use crate::checklist::Diagnostics;
use crate::checklist::diag::Collector;
use crate::ports::Ports;
use crate::probe::dns;
use crate::probe::sql::Target;
use crate::rules::Os;

/// Where the problems of the file being built are gathered.
type Ctx<'a> = Collector<'a>;

fn spanned_ip(cx: &mut Ctx<'_>, v: &Spanned<String>, what: &str) -> Option<IpAddr> {
    ip(v.get_ref(), what)
        .map_err(|message| cx.error(v.span(), message))
        .ok()
}

fn spanned_ips(cx: &mut Ctx<'_>, list: &[Spanned<String>], what: &str) -> Vec<IpAddr> {
    list.iter()
        .filter_map(|v| spanned_ip(cx, v, what))
        .collect()
}

/// `IP`, `IP:PORT` or `[IPv6]:PORT`; port 53 when none is given.
pub fn resolver_addr(text: &str) -> Option<SocketAddr> {
    let t = text.trim();
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some(SocketAddr::new(ip, 53));
    }
    t.parse().ok()
}

// The rules of single values, shared with the site's table editor (`table`), so a value typed
// into the TUI is held to what a site file is held to, in the same words.

/// An IP address; `what` names it in the message.
pub(super) fn ip(text: &str, what: &str) -> Result<IpAddr, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "invalid {what} `{text}`: expected an IPv4 or IPv6 address such as 10.1.2.3 or fd00::5"
        )
    })
}

/// A resolver: `IP` or `IP:PORT`.
pub(super) fn resolver(text: &str) -> Result<SocketAddr, String> {
    resolver_addr(text).ok_or_else(|| {
        format!(
            "invalid resolver `{text}`: expected IP or IP:PORT, such as 10.0.0.53 or 10.0.0.53:5353"
        )
    })
}

/// `tcp` or `udp`, in any case.
pub(super) fn protocol(text: &str) -> Result<Protocol, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "tcp" => Ok(Protocol::Tcp),
        "udp" => Ok(Protocol::Udp),
        s => Err(format!("unknown protocol `{s}`: expected `tcp` or `udp`")),
    }
}

/// A TLS endpoint: `HOST:PORT` or `[IPv6]:PORT`, its host a name the DNS probe would ask
/// (the probes split it with [`split_host_port`] and look the host up with the same rule).
pub(super) fn endpoint(text: &str) -> Result<Endpoint, String> {
    let (host, port) = split_host_port(text).ok_or_else(|| {
        format!("invalid endpoint `{text}`: expected HOST:PORT such as spokmobile.example.org:443")
    })?;
    host_name(&host).map_err(|m| format!("invalid endpoint `{}`: {m}", text.trim()))?;
    Ok(Endpoint {
        host,
        port,
        written: text.trim().to_owned(),
    })
}

/// A host as the probes take it: an IP address or a DNS name, by the DNS probe's own rule
/// ([`dns::check_name`]), so what a site file accepts is what a probe can ask for.
pub(super) fn host_name(text: &str) -> Result<(), String> {
    dns::check_name(text)
        .map_err(|problem| format!("`{}` is not a host name or address: {problem}", text.trim()))
}

/// A DNS name, without its trailing dot, by the DNS probe's rule.
pub(super) fn fqdn(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("expected a DNS name such as spokmobile.example.org".to_owned());
    }
    dns::check_name(t).map_err(|problem| {
        format!("expected a DNS name such as spokmobile.example.org, not `{t}`: {problem}")
    })?;
    Ok(t.trim_end_matches('.').to_owned())
}

/// A SQL server as the SQL probe reads it ([`Target::parse`]), its host by [`host_name`].
pub(super) fn sql_server(text: &str) -> Result<SqlServer, String> {
    if text.trim().is_empty() {
        return Err(SQL_SERVER.to_owned());
    }
    let target =
        Target::parse(text).map_err(|e| format!("invalid SQL server: {e}; {SQL_SERVER}"))?;
    host_name(&target.host).map_err(|m| format!("invalid SQL server `{}`: {m}", text.trim()))?;
    Ok(SqlServer {
        target,
        written: text.trim().to_owned(),
    })
}

/// A host's address: an IP address or a DNS name.
pub(super) fn host_address(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(HOST_ADDRESS.to_owned());
    }
    host_name(text)
}

/// A certificate file's path: not empty.
pub(super) fn cert_path(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(CERT_PATH.to_owned());
    }
    Ok(())
}

pub(super) const HOST_ADDRESS: &str = "expected the host's DNS name or IP address";
pub(super) const OUTSIDE_WITHOUT_EXTERNAL: &str = "an outside host resolves names through the site's external resolvers, and the site lists none: add them under [resolvers] as external = [\"IP\"] (what a phone on a carrier network asks)";
pub(super) const SQL_SERVER: &str = "expected HOST, HOST:PORT or HOST\\INSTANCE";
pub(super) const CERT_PATH: &str = "expected the certificate file's path";

pub(super) fn missing_role(field: &str) -> String {
    format!("expected the `{field}` role of this port rule")
}

pub(super) fn build(text: &str, path: &Path) -> Result<Site, Diagnostics> {
    let mut cx = Ctx::new(path, text);
    let file: raw::File = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            let mut message = e.message().trim_end().to_owned();
            if message.contains("unknown field `password`")
                || message.contains("unknown field `pwd`")
            {
                "a site file never holds a password: preflight asks for it when a probe connects (or reads PREFLIGHT_SQL_PASSWORD)".clone_into(&mut message);
            }
            cx.error(e.span().unwrap_or(0..0), message);
            return Err(cx.into_diagnostics());
        }
    };
    let resolvers = file
        .resolvers
        .map_or_else(Resolvers::default, |r| resolvers(&mut cx, &r.into_inner()));

    let hosts = hosts(&mut cx, file.host, &resolvers);

    let names = file
        .name
        .into_iter()
        .map(|n| name_check(&mut cx, n.get_ref()))
        .collect();

    let ports = file
        .port
        .into_iter()
        .filter_map(|p| port_rule(&mut cx, p.into_inner()))
        .collect();

    let tls = file
        .tls
        .into_iter()
        .filter_map(|t| tls_endpoint(&mut cx, t.into_inner()))
        .collect();

    let sql = file
        .sql
        .into_iter()
        .filter_map(|q| sql_instance(&mut cx, q.into_inner()))
        .collect();

    let certfiles = file
        .certfile
        .into_iter()
        .map(|c| {
            let c = c.into_inner();
            if let Err(message) = cert_path(c.path.get_ref()) {
                cx.error(c.path.span(), message);
            }
            CertFile {
                path: c.path.into_inner().into(),
                purpose: c.purpose,
                role: c.role,
            }
        })
        .collect();

    if cx.count() > 0 {
        return Err(cx.into_diagnostics());
    }
    Ok(Site {
        name: file.site.unwrap_or_default(),
        resolvers,
        hosts,
        names,
        ports,
        tls,
        sql,
        certfiles,
    })
}

fn resolvers(cx: &mut Ctx<'_>, r: &raw::Resolvers) -> Resolvers {
    let mut addrs = |list: &[Spanned<String>]| {
        list.iter()
            .filter_map(|v| {
                resolver(v.get_ref())
                    .map_err(|message| cx.error(v.span(), message))
                    .ok()
            })
            .collect::<Vec<_>>()
    };
    Resolvers {
        internal: addrs(&r.internal),
        external: addrs(&r.external),
    }
}

fn hosts(cx: &mut Ctx<'_>, list: Vec<Spanned<raw::Host>>, resolvers: &Resolvers) -> Vec<Host> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut hosts = Vec::new();
    for h in list {
        let h = h.into_inner();
        if let Err(message) = host_address(h.address.get_ref()) {
            cx.error(h.address.span(), message);
        }
        let line = cx.line(h.name.span().start);
        if let Some(first) = seen.insert(h.name.get_ref().clone(), line) {
            cx.error(
                h.name.span(),
                format!(
                    "duplicate host `{}` (first on line {first})",
                    h.name.get_ref()
                ),
            );
        }
        let outside = h.outside.as_ref().is_some_and(|o| *o.get_ref());
        if let Some(o) = &h.outside
            && outside
            && resolvers.external.is_empty()
        {
            cx.error(o.span(), OUTSIDE_WITHOUT_EXTERNAL);
        }
        hosts.push(Host {
            name: h.name.into_inner(),
            address: h.address.into_inner().trim().to_owned(),
            roles: h.roles,
            os: h.os.as_ref().and_then(|o| os(cx, o)),
            outside,
        });
    }
    hosts
}

fn name_check(cx: &mut Ctx<'_>, n: &raw::Name) -> NameCheck {
    if let Err(message) = fqdn(n.fqdn.get_ref()) {
        cx.error(n.fqdn.span(), message);
    }
    NameCheck {
        fqdn: n.fqdn.get_ref().trim().trim_end_matches('.').to_owned(),
        expect: spanned_ips(cx, &n.expect, "address"),
        internal: spanned_ips(cx, &n.internal, "address"),
        external: spanned_ips(cx, &n.external, "address"),
        reverse: n.reverse,
        hosts_entry: n
            .hosts_entry
            .as_ref()
            .and_then(|v| spanned_ip(cx, v, "hosts entry")),
        role: n.role.clone(),
        hosts_on: n.hosts_on.clone(),
    }
}

/// An operating system as the site writes it. A Windows Server release is recognised however
/// it is written; something that names Windows but no release the checks know is refused
/// here, since a cipher list scoped to a release would silently never judge it.
fn os(cx: &mut Ctx<'_>, text: &Spanned<String>) -> Option<Os> {
    let parsed = Os::parse(text.get_ref());
    let lower = text.get_ref().to_ascii_lowercase();
    if matches!(parsed, Os::Other(_)) && (lower.contains("windows") || lower.starts_with("ws")) {
        cx.error(
            text.span(),
            format!(
                "unknown Windows release `{}`: expected Windows Server 2008 R2, 2012, 2012 R2, \
                 2016, 2019, 2022 or 2025",
                text.get_ref()
            ),
        );
        return None;
    }
    Some(parsed)
}

/// A TLS endpoint; none when its `endpoint` does not parse (the error is said, and the site
/// refused).
fn tls_endpoint(cx: &mut Ctx<'_>, t: raw::Tls) -> Option<TlsEndpoint> {
    let parsed = match endpoint(t.endpoint.get_ref()) {
        Ok(e) => Some(e),
        Err(message) => {
            cx.error(t.endpoint.span(), message);
            None
        }
    };
    if let Some(sni) = &t.sni
        && let Err(message) = host_name(sni.get_ref())
    {
        cx.error(sni.span(), format!("invalid sni: {message}"));
    }
    let os = t.os.as_ref().and_then(|o| os(cx, o));
    Some(TlsEndpoint {
        endpoint: parsed?,
        sni: t.sni.map(Spanned::into_inner),
        role: t.role,
        tds: t.tds,
        os,
    })
}

/// A SQL instance; none when its server does not parse (the error is said, and the site
/// refused).
fn sql_instance(cx: &mut Ctx<'_>, s: raw::Sql) -> Option<SqlInstance> {
    let server = match sql_server(s.server.get_ref()) {
        Ok(server) => server,
        Err(message) => {
            cx.error(s.server.span(), message);
            return None;
        }
    };
    Some(SqlInstance {
        server,
        database: s.database,
        user: s.user,
        trust_server_certificate: s.trust_server_certificate,
        role: s.role,
    })
}

/// A port row; none when its ports do not parse (the error is said, and the site refused).
fn port_rule(cx: &mut Ctx<'_>, p: raw::Port) -> Option<PortRule> {
    let protocol = match &p.protocol {
        None => Protocol::Tcp,
        Some(s) => protocol(s.get_ref()).unwrap_or_else(|message| {
            cx.error(s.span(), message);
            Protocol::Tcp
        }),
    };
    for (field, value) in [("from", &p.from), ("to", &p.to)] {
        if value.get_ref().trim().is_empty() {
            cx.error(value.span(), missing_role(field));
        }
    }
    let ports = match Ports::parse(p.ports.get_ref()) {
        Ok(ports) => ports,
        Err(e) => {
            // Point at the bad part inside the string (after its opening quote).
            let start = p.ports.span().start + 1 + byte_of_char(p.ports.get_ref(), e.column - 1);
            cx.error(start..start + 1, e.to_string());
            return None;
        }
    };
    Some(PortRule {
        from: p.from.into_inner(),
        to: p.to.into_inner(),
        protocol,
        ports,
        purpose: p.purpose,
        outbound: p.outbound,
    })
}

fn byte_of_char(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(b, _)| b)
}

/// Splits `host:port` or `[v6]:port`.
pub fn split_host_port(text: &str) -> Option<(String, u16)> {
    let t = text.trim();
    if let Ok(sa) = t.parse::<SocketAddr>() {
        return Some((sa.ip().to_string(), sa.port()));
    }
    let (host, port) = t.rsplit_once(':')?;
    let port: u16 = port.parse().ok().filter(|p| *p > 0)?;
    (!host.is_empty() && !host.contains(':')).then(|| (host.to_owned(), port))
}
