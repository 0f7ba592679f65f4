//! Port lists as people write them: `443,8091,20000-20009`, spaces allowed, ranges inclusive.

use std::fmt;

/// A parsed port list, in the order written, without duplicates; it remembers how it was
/// written, so a list is shown (and stored) in the words of the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ports {
    list: Vec<u16>,
    written: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid port list `{text}` at character {column}: {problem}")]
pub struct PortsError {
    pub text: String,
    /// 1-based character position of the bad part.
    pub column: usize,
    pub problem: String,
}

/// Ranges larger than this are refused: a typo such as `1-65535` in a firewall matrix would
/// otherwise turn a check into a port scan of a production server.
pub const MAX_PORTS: usize = 10_000;

impl Ports {
    /// Parses a port list.
    ///
    /// # Errors
    /// On an empty list, a part that is not a port or range, port 0, a range whose end is
    /// below its start, or more than [`MAX_PORTS`] ports in all.
    pub fn parse(text: &str) -> Result<Self, PortsError> {
        let mut ports = Vec::new();
        let mut column = 1;
        let err = |column: usize, problem: String| PortsError {
            text: text.to_owned(),
            column,
            problem,
        };
        if text.trim().is_empty() {
            return Err(err(1, "expected at least one port".to_owned()));
        }
        for part in text.split(',') {
            let lead = part.len() - part.trim_start().len();
            let at = column + part[..lead].chars().count();
            let piece = part.trim();
            let port = |s: &str, at: usize| -> Result<u16, PortsError> {
                match s.trim().parse::<u16>() {
                    Ok(0) => Err(err(at, "port 0 is not a port".to_owned())),
                    Ok(p) => Ok(p),
                    Err(_) => Err(err(
                        at,
                        format!(
                            "expected a port from 1 to 65535 or a range like 20000-20009, found `{}`",
                            s.trim()
                        ),
                    )),
                }
            };
            if let Some((lo, hi)) = piece.split_once('-') {
                let (lo, hi) = (port(lo, at)?, port(hi, at + lo.chars().count() + 1)?);
                if hi < lo {
                    return Err(err(at, format!("range {lo}-{hi} ends below its start")));
                }
                ports.extend(lo..=hi);
            } else {
                ports.push(port(piece, at)?);
            }
            if ports.len() > MAX_PORTS {
                return Err(err(
                    at,
                    format!("more than {MAX_PORTS} ports: narrow the ranges"),
                ));
            }
            column += part.chars().count() + 1;
        }
        let mut seen = std::collections::HashSet::new();
        ports.retain(|p| seen.insert(*p));
        Ok(Self {
            list: ports,
            written: text.trim().to_owned(),
        })
    }

    /// The list as it was written (trimmed).
    pub fn written(&self) -> &str {
        &self.written
    }

    pub fn as_slice(&self) -> &[u16] {
        &self.list
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

impl fmt::Display for Ports {
    /// Writes the list back compactly, consecutive ports as ranges.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&compact(&self.list))
    }
}

// Stored as written (`443,20000-20009`), and read back through `Ports::parse`.
crate::written::serde_as_written!(Ports);

/// Ports written compactly in the order given, consecutive runs as ranges:
/// `8091,20000-20002,443`.
pub fn compact(ports: &[u16]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < ports.len() {
        let start = ports[i];
        let mut end = start;
        while i + 1 < ports.len() && end.checked_add(1) == Some(ports[i + 1]) {
            i += 1;
            end = ports[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&start.to_string());
        if end > start {
            out.push('-');
            out.push_str(&end.to_string());
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges() {
        let p = Ports::parse(" 443, 8091 ,20000-20003,443").expect("valid");
        assert_eq!(p.as_slice(), [443, 8091, 20000, 20001, 20002, 20003]);
        assert_eq!(p.to_string(), "443,8091,20000-20003");
    }

    #[test]
    fn errors_point_at_the_bad_part() {
        let cases = [
            ("", 1, "expected at least one port"),
            ("443,http", 5, "found `http`"),
            ("443, 0", 6, "port 0"),
            ("10-5", 1, "ends below its start"),
            ("80,1-65535", 4, "more than 10000 ports"),
            ("70000", 1, "from 1 to 65535"),
        ];
        for (text, column, want) in cases {
            let e = Ports::parse(text).expect_err(text);
            assert_eq!(e.column, column, "{text}: {e}");
            assert!(e.to_string().contains(want), "{text}: {e}");
        }
    }
}
