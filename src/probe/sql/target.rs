//! Where a SQL Server is: `host`, `host:port`, `host\INSTANCE` (found through the SQL Server
//! Browser on UDP 1434), or `host,port` as SQL Server's own tools write it.

use std::fmt;

/// The default port of a default instance.
pub const DEFAULT_PORT: u16 = 1433;

/// A server to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: Option<u16>,
    pub instance: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("no server given: write HOST, HOST:PORT or HOST\\INSTANCE")]
    Empty,
    #[error("`{0}` is not a port (1-65535)")]
    Port(String),
    #[error("`{0}` gives both a port and an instance: a port alone is enough")]
    Both(String),
    #[error("`{0}`: an instance name may not be empty or contain spaces")]
    Instance(String),
}

impl Target {
    /// Reads `host`, `host:port`, `host,port`, `host\INSTANCE`, `[v6]:port`.
    ///
    /// # Errors
    /// When the text names no host, a port out of range, or both a port and an instance.
    pub fn parse(text: &str) -> Result<Self, TargetError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(TargetError::Empty);
        }
        let (rest, instance) = match t.split_once('\\') {
            Some((h, i)) => {
                let i = i.trim();
                if i.is_empty() || i.contains(char::is_whitespace) {
                    return Err(TargetError::Instance(t.to_owned()));
                }
                (h, Some(i.to_owned()))
            }
            None => (t, None),
        };
        let (host, port) = split_port(rest)?;
        if port.is_some() && instance.is_some() {
            return Err(TargetError::Both(t.to_owned()));
        }
        if host.is_empty() {
            return Err(TargetError::Empty);
        }
        Ok(Self {
            host,
            port,
            instance,
        })
    }

    /// The port to connect to when no instance is named.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(DEFAULT_PORT)
    }
}

fn split_port(s: &str) -> Result<(String, Option<u16>), TargetError> {
    let port = |p: &str| {
        p.trim()
            .parse::<u16>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| TargetError::Port(p.trim().to_owned()))
    };
    if let Some(v6) = s.strip_prefix('[') {
        let (addr, after) = v6.split_once(']').ok_or(TargetError::Empty)?;
        let p = match after.strip_prefix(':').or_else(|| after.strip_prefix(',')) {
            Some(p) => Some(port(p)?),
            None => None,
        };
        return Ok((addr.to_owned(), p));
    }
    if let Some((h, p)) = s.rsplit_once(',') {
        return Ok((h.trim().to_owned(), Some(port(p)?)));
    }
    // A bare IPv6 address has several colons and no port.
    if s.matches(':').count() == 1
        && let Some((h, p)) = s.split_once(':')
    {
        return Ok((h.trim().to_owned(), Some(port(p)?)));
    }
    Ok((s.trim().to_owned(), None))
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match (&self.instance, self.port) {
            (Some(i), _) => write!(f, "{host}\\{i}"),
            (None, Some(p)) => write!(f, "{host}:{p}"),
            (None, None) => f.write_str(&host),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_people_write() {
        let t = Target::parse("sql1.example.org").expect("parses");
        assert_eq!(
            (t.host.as_str(), t.port, t.instance),
            ("sql1.example.org", None, None)
        );
        let t = Target::parse("sql1:14330").expect("parses");
        assert_eq!(t.port, Some(14330));
        let t = Target::parse("sql1,14330").expect("parses");
        assert_eq!((t.host.as_str(), t.port), ("sql1", Some(14330)));
        let t = Target::parse(r"SQLCLUSTER\SPOK").expect("parses");
        assert_eq!(t.instance.as_deref(), Some("SPOK"));
        assert_eq!(t.to_string(), r"SQLCLUSTER\SPOK");
        let t = Target::parse("[::1]:1433").expect("parses");
        assert_eq!((t.host.as_str(), t.port), ("::1", Some(1433)));
        assert_eq!(t.to_string(), "[::1]:1433");
        let t = Target::parse("fe80::1").expect("parses");
        assert_eq!((t.host.as_str(), t.port), ("fe80::1", None));
    }

    #[test]
    fn bad_forms_are_refused_in_words() {
        assert_eq!(Target::parse(" "), Err(TargetError::Empty));
        assert_eq!(
            Target::parse("sql1:99999"),
            Err(TargetError::Port("99999".into()))
        );
        assert!(matches!(
            Target::parse(r"sql1:1433\X"),
            Err(TargetError::Port(_) | TargetError::Both(_))
        ));
        assert!(matches!(
            Target::parse(r"sql1\"),
            Err(TargetError::Instance(_))
        ));
        assert!(Target::parse(r"sql1,1433\SPOK").is_err());
    }
}
