//! Port workbooks: the vendor's port requirement tables, exported from a spreadsheet as CSV.
//!
//! The columns are found by their headers (Source, Destination, Port Numbers, Allowing
//! Outbound Traffic?, Purpose, in any order and case). A row with no source and destination
//! continues the row above, as the guide's tables are laid out. Port cells are read the way
//! the tables write them: `TCP 8091`, `UDP 135-139`, `TCP 5228-5230`, `TCP 443/2001/8091`,
//! `TCP 5060 or 5061`, and the Spok guide's two ports marked with its footnote 1 (`TCP 90911`,
//! `TCP 50601 or 5061`: 9091 and 5060, "set to use this port by default").
//!
//! Cells that do not say which ports are refused, with their position and what to write
//! instead, rather than guessed: the Spok guide's `TCP 2000x` names the MXPP ports without
//! listing them (the vendor's CCS 1.9 port workbook lists 20000 and 20001, a site may differ),
//! and its `UDP dynamic` RTP ports are whatever the site's PBX uses.

use std::path::Path;

use super::{PortRule, Protocol};
use crate::checklist::{Diagnostic, Diagnostics};
use crate::ports::Ports;

struct Columns {
    from: usize,
    to: usize,
    ports: usize,
    outbound: Option<usize>,
    purpose: Option<usize>,
}

/// Reads a workbook's rows as port rules.
///
/// # Errors
/// Every bad row, with its line and column and what was expected.
pub fn parse(text: &str, path: &Path) -> Result<Vec<PortRule>, Diagnostics> {
    let text_no_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let offset = text.len() - text_no_bom.len();
    let mut problems = Vec::new();
    let err = |problems: &mut Vec<Diagnostic>, at: usize, message: String| {
        problems.push(Diagnostic::at(path, text, at..at + 1, message));
    };
    // The CSV reader takes a stray quote as text (or reads to the end of the file after an
    // unclosed one), so quotes are checked first, each problem where it stands.
    let quotes = stray_quotes(text_no_bom);
    if !quotes.is_empty() {
        for (at, message) in quotes {
            err(&mut problems, offset + at, message.to_owned());
        }
        return Err(Diagnostics(problems));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text_no_bom.as_bytes());
    let mut records = reader.records();
    let columns = match records.next() {
        Some(Ok(header)) => find_columns(&header),
        Some(Err(e)) => {
            err(
                &mut problems,
                offset,
                format!("cannot read the header row: {e}"),
            );
            None
        }
        None => None,
    };
    let Some(columns) = columns else {
        if problems.is_empty() {
            err(
                &mut problems,
                offset,
                "expected a header row naming the Source, Destination and Port Numbers columns (and optionally Allowing Outbound Traffic? and Purpose)".to_owned(),
            );
        }
        return Err(Diagnostics(problems));
    };
    let mut rules = Vec::new();
    let mut previous: Option<(String, String, String)> = None;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let at = e
                    .position()
                    .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
                err(
                    &mut problems,
                    offset + at,
                    format!("cannot read this row: {e}"),
                );
                continue;
            }
        };
        let mut start = offset
            + record
                .position()
                .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
        while text[start..].starts_with(['\r', '\n']) {
            start += 1;
        }
        match read_row(&record, &columns, previous.as_ref(), &text[start..]) {
            Ok(None) => {}
            Ok(Some(rule)) => {
                previous = Some((rule.from.clone(), rule.to.clone(), rule.purpose.clone()));
                rules.push(rule);
            }
            Err((at, message)) => err(&mut problems, start + at, message),
        }
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(Diagnostics(problems))
    }
}

const STRAY_QUOTE: &str = "a stray `\"` inside a cell that does not start with one: quote the \
    whole cell and double the quote inside (\"TCP 443 \"\"web\"\"\"), or remove it";
const AFTER_CLOSING: &str = "text after a cell's closing `\"`: a quoted cell ends at its closing \
    quote; double a quote meant inside it (\"\"), or move the text inside";
const UNCLOSED: &str = "this quote is never closed: the cell would run to the end of the file; \
    close it with `\"` where the cell ends";

/// Every quote the CSV rules (RFC 4180, as Excel writes them) do not allow, with its byte
/// offset: one inside an unquoted cell, text after a closing quote, a quote never closed.
fn stray_quotes(text: &str) -> Vec<(usize, &'static str)> {
    let bytes = text.as_bytes();
    let mut problems = Vec::new();
    let mut i = 0;
    let mut cell_start = true;
    while i < bytes.len() {
        match bytes[i] {
            b'"' if cell_start => {
                let open = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => {
                            problems.push((open, UNCLOSED));
                            return problems;
                        }
                        Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
                i += 1;
                match bytes.get(i) {
                    None | Some(b',' | b'\r' | b'\n') => {}
                    Some(_) => {
                        problems.push((i, AFTER_CLOSING));
                        while i < bytes.len() && !matches!(bytes[i], b',' | b'\n') {
                            i += 1;
                        }
                    }
                }
                cell_start = false;
            }
            b'"' => {
                problems.push((i, STRAY_QUOTE));
                i += 1;
            }
            b',' | b'\n' => {
                cell_start = true;
                i += 1;
            }
            _ => {
                cell_start = false;
                i += 1;
            }
        }
    }
    problems
}

/// One row as a port rule; `None` for a blank row. Errors carry the byte offset of the bad
/// cell within `line`.
fn read_row(
    record: &csv::StringRecord,
    columns: &Columns,
    previous: Option<&(String, String, String)>,
    line: &str,
) -> Result<Option<PortRule>, (usize, String)> {
    let cell = |i: usize| record.get(i).unwrap_or("").trim().to_owned();
    // Where a cell starts in the file, for messages.
    let at = |i: usize| field_offset(line, i);
    if record.iter().all(|c| c.trim().is_empty()) {
        return Ok(None);
    }
    let (mut from, mut to) = (cell(columns.from), cell(columns.to));
    let mut purpose = columns.purpose.map(cell).unwrap_or_default();
    if from.is_empty() && to.is_empty() {
        let Some((f, t, p)) = previous else {
            return Err((
                at(columns.from),
                "expected a Source and a Destination (a row without them continues the row above, and there is none)".to_owned(),
            ));
        };
        (from, to) = (f.clone(), t.clone());
        if purpose.is_empty() {
            purpose.clone_from(p);
        }
    } else if from.is_empty() || to.is_empty() {
        let (i, which) = if from.is_empty() {
            (columns.from, "Source")
        } else {
            (columns.to, "Destination")
        };
        return Err((at(i), format!("expected a {which} on this row")));
    }
    let (protocol, ports) = match port_cell(&cell(columns.ports)) {
        Ok(v) => v,
        Err(message) => return Err((at(columns.ports), message)),
    };
    let outbound = match columns.outbound.map(cell) {
        None => false,
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" => true,
            "no" | "n" | "false" | "n/a" | "na" | "" => false,
            _ => {
                let i = columns.outbound.unwrap_or(0);
                return Err((
                    at(i),
                    format!("expected Yes, No or N/A for outbound traffic, found `{v}`"),
                ));
            }
        },
    };
    Ok(Some(PortRule {
        from,
        to,
        protocol,
        ports,
        purpose,
        outbound,
    }))
}

/// The byte offset of field `i` in a CSV line: commas inside quotes do not count.
fn field_offset(line: &str, i: usize) -> usize {
    let mut field = 0;
    let mut quoted = false;
    for (n, c) in line.char_indices() {
        if field == i {
            return n;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => field += 1,
            '\n' | '\r' if !quoted => return n,
            _ => {}
        }
    }
    line.len()
}

fn find_columns(header: &csv::StringRecord) -> Option<Columns> {
    let find = |words: &[&str]| {
        header.iter().position(|h| {
            let h = h.to_ascii_lowercase();
            words.iter().any(|w| h.contains(w))
        })
    };
    Some(Columns {
        from: find(&["source", "from"])?,
        to: find(&["destination", "to "]).or_else(|| find(&["dest"]))?,
        ports: find(&["port"])?,
        outbound: find(&["outbound"]),
        purpose: find(&["purpose", "description"]),
    })
}

/// Reads a port cell: an optional protocol, then ports separated by `,`, `/`, `or` or `and`.
fn port_cell(cell: &str) -> Result<(Protocol, Ports), String> {
    let mut rest = cell.trim();
    let mut protocol = Protocol::Tcp;
    for (word, p) in [("tcp", Protocol::Tcp), ("udp", Protocol::Udp)] {
        if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(word) {
            protocol = p;
            rest = rest[3..].trim_start();
        }
    }
    if rest.is_empty() {
        return Err(format!("expected ports after the protocol in `{cell}`"));
    }
    let mut parts = Vec::new();
    for token in rest
        .split([',', '/', '&'])
        .flat_map(|t| t.split(" or "))
        .flat_map(|t| t.split(" and "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        parts.push(expand(token).map_err(|m| format!("in `{cell}`: {m}"))?);
    }
    let list = parts.join(",");
    let parsed = Ports::parse(&list).map_err(|e| format!("in `{cell}`: {}", e.problem))?;
    Ok((protocol, parsed))
}

/// The Spok guide's ports that carry its footnote 1 ("The application is set to use this port
/// by default. If desired, the port number can be changed."), as a CSV export of its tables
/// writes them: the footnote's digit stuck to the port.
const FOOTNOTED: [(u32, u32); 2] = [(90_911, 9091), (50_601, 5060)];

/// One port or range of a cell, as a port list; refuses what does not say which ports.
fn expand(token: &str) -> Result<String, String> {
    if let Some(stem) = token.strip_suffix(['x', 'X'])
        && !stem.is_empty()
        && stem.chars().all(|c| c.is_ascii_digit())
    {
        return Err(format!(
            "`{token}` does not say which ports: the Spok guide writes the MXPP ports as `2000x` without listing them; write the site's MXPP ports, e.g. `20000,20001` (the ports Spok's CCS 1.9 port workbook lists; ask Spok which this site uses)"
        ));
    }
    if token.eq_ignore_ascii_case("dynamic") {
        return Err(
            "`dynamic` does not say which ports: the Spok guide's `UDP dynamic` are the RTP media ports the site's PBX picks; write the range the PBX is configured with (a UDP rule is listed as not testable by a connect, never probed)".to_owned(),
        );
    }
    let number = |s: &str| s.trim().parse::<u32>();
    let check = |n: u32| {
        if n == 0 || n > 65_535 {
            Err(format!(
                "`{n}` is not a port (1 to 65535; a footnote number stuck to a port, as in the guide's `90911` for 9091 with footnote 1?)"
            ))
        } else {
            Ok(())
        }
    };
    match token.split_once('-') {
        Some((a, b)) => match (number(a), number(b)) {
            (Ok(a), Ok(b)) => {
                check(a)?;
                check(b)?;
                Ok(format!("{a}-{b}"))
            }
            _ => Err(format!(
                "expected a port range such as 5228-5230, found `{token}`"
            )),
        },
        None => match number(token) {
            Ok(n) => {
                if let Some((_, port)) = FOOTNOTED.iter().find(|(printed, _)| *printed == n) {
                    return Ok(port.to_string());
                }
                check(n)?;
                Ok(n.to_string())
            }
            Err(_) => Err(format!(
                "expected a port number or a range such as 5228-5230, found `{token}`"
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_cells_as_the_guide_writes_them() {
        let ok = [
            ("TCP 8091", Protocol::Tcp, "8091"),
            ("UDP 135-139", Protocol::Udp, "135-139"),
            ("tcp 443/2001/8091", Protocol::Tcp, "443,2001,8091"),
            ("TCP 5060 or 5061", Protocol::Tcp, "5060,5061"),
            ("5228-5230", Protocol::Tcp, "5228-5230"),
            // The site's MXPP ports, written out.
            ("TCP 20000,20001", Protocol::Tcp, "20000,20001"),
            // The guide's footnote 1 stuck to its default ports.
            ("TCP 50601 or 5061", Protocol::Tcp, "5060,5061"),
            ("TCP 90911", Protocol::Tcp, "9091"),
        ];
        for (cell, protocol, ports) in ok {
            assert_eq!(
                port_cell(cell),
                Ok((protocol, Ports::parse(ports).expect("ports"))),
                "{cell}"
            );
        }
        for (cell, want) in [
            (
                "TCP 2000x",
                "write the site's MXPP ports, e.g. `20000,20001`",
            ),
            ("TCP 8091, 2000X", "does not say which ports"),
            ("UDP dynamic", "the range the PBX is configured with"),
            ("TCP 80801", "footnote"),
            ("TCP https", "expected a port number or a range"),
            ("TCP", "expected ports"),
            ("TCP 10-x", "expected a port range"),
        ] {
            let e = port_cell(cell).expect_err(cell);
            assert!(e.contains(want), "{cell}: {e}");
        }
    }

    #[test]
    fn continuation_rows_and_errors_with_positions() {
        let csv = "\u{feff}Source,Destination,Port Numbers,Allowing Outbound Traffic?,Purpose\r\n\
Console Web Server - 1,Spok Mobile Servers via Load Balancer,TCP 8091,No,Send messages\r\n\
,,\"TCP 20000, 20001\",No,\r\n\
\"Care Connect Server, Primary\",SAN/DFS/File Server,UDP 135-139,No,Message attachment access\r\n\
Spok Speech,MS SQL Server Cluster,TCP 14330000,No,Database access\r\n\
Web Client,,TCP 443,No,x\r\n\
Mobile User,Apple Push Server,TCP 5223,Maybe,APNS\r\n";
        let err = parse(csv, Path::new("ports.csv")).expect_err("bad rows");
        let lines: Vec<(usize, &str)> =
            err.0.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(lines.len(), 3, "{err}");
        assert_eq!(lines[0].0, 5);
        assert!(lines[0].1.contains("14330000"), "{err}");
        assert_eq!(lines[1].0, 6);
        assert!(lines[1].1.contains("Destination"), "{err}");
        assert_eq!(lines[2].0, 7);
        assert!(lines[2].1.contains("Maybe"), "{err}");
        assert_eq!(err.0[0].column, 35, "{err}");
        assert_eq!(err.0[1].column, 12, "{err}");

        let good = csv.lines().take(4).collect::<Vec<_>>().join("\n");
        let rules = parse(&good, Path::new("ports.csv")).expect("good rows");
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[1].from, "Console Web Server - 1");
        assert_eq!(rules[1].ports.written(), "20000,20001");
        assert_eq!(rules[1].purpose, "Send messages");
        assert_eq!(rules[2].from, "Care Connect Server, Primary");
        assert_eq!(rules[2].protocol, Protocol::Udp);
    }

    /// The guide's own rows, exported as they are printed: `2000x` and `dynamic` are refused
    /// where they stand, with what to write instead; the footnoted 5060 is read as 5060.
    #[test]
    fn the_guides_unlisted_ports_are_refused_where_they_stand() {
        let csv = "Source,Destination,Port Numbers,Allowing Outbound Traffic?,Purpose\n\
Console Web Server - 1,Spok Mobile Servers via Load Balancer,TCP 8091,No,Send messages\n\
,,TCP 2000x,No,\n\
Care Connect Speech,PBX / VoIP system,TCP 50601 or 5061,No,SIP traffic\n\
,,UDP dynamic,No,\n";
        let err = parse(csv, Path::new("ports.csv")).expect_err("2000x and dynamic");
        let found: Vec<(usize, usize)> = err.0.iter().map(|d| (d.line, d.column)).collect();
        assert_eq!(found, [(3, 3), (5, 3)], "{err}");
        assert!(
            err.0[0]
                .message
                .contains("`2000x` does not say which ports"),
            "{err}"
        );
        assert!(err.0[0].message.contains("`20000,20001`"), "{err}");
        assert!(err.0[0].message.contains("CCS 1.9 port workbook"), "{err}");
        assert!(err.0[1].message.contains("RTP"), "{err}");

        let written = csv
            .replace("TCP 2000x", "\"TCP 20000,20001\"")
            .replace("UDP dynamic", "UDP 10000-10999");
        let rules = parse(&written, Path::new("ports.csv")).expect("the site's ports");
        let ports: Vec<(&str, Protocol, &str)> = rules
            .iter()
            .map(|r| (r.from.as_str(), r.protocol, r.ports.written()))
            .collect();
        assert_eq!(
            ports,
            [
                ("Console Web Server - 1", Protocol::Tcp, "8091"),
                ("Console Web Server - 1", Protocol::Tcp, "20000,20001"),
                ("Care Connect Speech", Protocol::Tcp, "5060,5061"),
                ("Care Connect Speech", Protocol::Udp, "10000-10999"),
            ]
        );
    }

    #[test]
    fn a_file_without_the_columns_says_which_it_needs() {
        let err = parse("a,b\n1,2\n", Path::new("x.csv")).expect_err("no columns");
        assert!(
            err.to_string()
                .contains("Source, Destination and Port Numbers"),
            "{err}"
        );
    }
}
