//! Hosts files: the platform's file (or a given one) read the way the resolver reads it, and
//! checked for the entries a site needs.
//!
//! Go-live guides lean on hosts files (the Spok guide: mirroring nodes "must have hosts
//! entries"; the SSL test points the certificate's name at 127.0.0.1), and the files are edited
//! by hand, on Windows, in whatever editor is at hand. So the parser accepts what editors and
//! people leave behind (a byte-order mark, CRLF or lone CR line ends, tabs, trailing comments,
//! aliases, IPv6 with zone ids, bytes that are not UTF-8) and never panics; but where a resolver
//! would read the file differently from the person looking at it, it says so as a [`Problem`]
//! with the line number, instead of quietly dropping or fixing the line.
//!
//! Everything here is pure apart from reading the file: DNS answers come in from the caller
//! ([`consistent_with_dns`]), so the DNS probe and this one stay independent.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fmt;
use std::io::{self, Read as _};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use serde_json::json;

use super::{Evidence, Facts, ProbeKind, ProbeResult, Subject, Verdict};

/// The hosts file everywhere but Windows (Linux, the BSDs, macOS).
pub const UNIX_PATH: &str = "/etc/hosts";

/// Where Windows lives when `SystemRoot` is not in the environment (a stripped-down service
/// environment, or a test that cleared it).
pub const WINDOWS_DEFAULT_ROOT: &str = r"C:\Windows";

/// Files larger than this are refused: a real hosts file is kilobytes (ad-blocking lists reach
/// a few megabytes), and `--file /dev/zero` must end with an error, not exhaust memory.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The hosts file this platform's resolver reads.
pub fn system_path() -> PathBuf {
    #[cfg(windows)]
    {
        windows_path(std::env::var_os("SystemRoot"))
    }
    #[cfg(not(windows))]
    {
        PathBuf::from(UNIX_PATH)
    }
}

/// `%SystemRoot%\System32\drivers\etc\hosts`, with [`WINDOWS_DEFAULT_ROOT`] when `SystemRoot` is
/// unset or empty. Built on every platform so the rule is tested on the Linux CI too.
pub fn windows_path(system_root: Option<OsString>) -> PathBuf {
    let mut path = match system_root {
        Some(root) if !root.is_empty() => match root.to_str() {
            // `C:\Windows\` must not become `C:\Windows\\System32`.
            Some(s) => OsString::from(s.trim_end_matches(['\\', '/'])),
            None => root,
        },
        _ => OsString::from(WINDOWS_DEFAULT_ROOT),
    };
    path.push(r"\System32\drivers\etc\hosts");
    PathBuf::from(path)
}

/// A hosts file that could not be read at all.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HostsError {
    #[error("cannot read the hosts file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        // Shared so the error can cross a probe channel (`io::Error` is not `Clone`).
        source: Arc<io::Error>,
    },
    #[error(
        "{} is larger than {} MiB: that is not a hosts file",
        path.display(),
        MAX_BYTES / (1024 * 1024)
    )]
    TooLarge { path: PathBuf },
}

/// How the file's first bytes say it is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// No byte-order mark: ASCII or UTF-8 (or a code page, which shows up as [`Problem`]s).
    Utf8,
    /// UTF-8 behind a byte-order mark, as Notepad and `PowerShell` 5 write it.
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

/// One line that maps an address to names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// 1-based, counting every line ending (LF, CRLF or a lone CR).
    pub line: usize,
    pub address: IpAddr,
    /// The zone after `%` in `fe80::1%eth0`.
    pub zone: Option<String>,
    /// The canonical name, then the aliases, as written (never empty).
    pub names: Vec<String>,
}

impl Entry {
    /// Whether this line names the host; names are compared as the resolvers compare them,
    /// ASCII case-insensitively.
    pub fn names_host(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// The address as written, with its zone.
    pub fn address_text(&self) -> String {
        match &self.zone {
            Some(zone) => format!("{}%{zone}", self.address),
            None => self.address.to_string(),
        }
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            line: self.line,
            address: self.address,
        }
    }
}

/// What kind of trouble a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The first field is not an IP address: the resolver skips the line.
    BadAddress,
    /// An address with no name after it: the resolver skips the line.
    NoName,
    /// Bytes that are not UTF-8, or a UTF-16 file.
    Encoding,
    /// A byte-order mark glued to an entry on line 1.
    ByteOrderMark,
    /// Lone carriage returns, which glibc does not take as line ends.
    LineEnding,
    /// A name holding a character that makes it differ from the name people type.
    OddName,
    /// A later line maps a name to another address than an earlier one.
    Conflict,
}

/// A line the resolver reads differently from how a person reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub line: usize,
    pub kind: ProblemKind,
    /// What is wrong and what was expected, in plain words.
    pub message: String,
    /// The line as read (bytes that are not UTF-8 shown as U+FFFD).
    pub text: String,
}

/// A name's address on one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Mapping {
    pub line: usize,
    pub address: IpAddr,
}

/// Two lines giving one name different addresses of the same family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// As written on the first line.
    pub name: String,
    /// The line the resolver uses.
    pub first: Mapping,
    /// A later line with another address.
    pub other: Mapping,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} maps {} to {}, line {} to {}; the first wins",
            self.first.line,
            self.name.escape_debug(),
            self.first.address,
            self.other.line,
            self.other.address
        )
    }
}

/// A parsed hosts file: every entry, and every line the resolver would read otherwise than a
/// person does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostsFile {
    pub path: PathBuf,
    pub encoding: Encoding,
    /// In file order.
    pub entries: Vec<Entry>,
    /// Ordered by line.
    pub problems: Vec<Problem>,
    /// How many lines the file has.
    pub lines: usize,
}

/// Every line that names one host, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup<'a> {
    pub matches: Vec<&'a Entry>,
}

impl<'a> Lookup<'a> {
    /// The line the resolver answers from for this family.
    ///
    /// glibc's `gethostbyname` and the Windows resolver answer from the first line naming the
    /// host. glibc's `getaddrinfo` collects the addresses of every matching line, in file order,
    /// and most programs connect to the first of them; so the first line decides in practice,
    /// and later lines with other addresses are flagged as [`Conflict`]s.
    pub fn first(&self, ipv6: bool) -> Option<&'a Entry> {
        self.matches
            .iter()
            .copied()
            .find(|e| e.address.is_ipv6() == ipv6)
    }

    /// Every distinct address the file gives the host, in file order (what `getaddrinfo`
    /// collects).
    pub fn addresses(&self) -> Vec<IpAddr> {
        let mut out: Vec<IpAddr> = Vec::new();
        for e in &self.matches {
            if !out.contains(&e.address) {
                out.push(e.address);
            }
        }
        out
    }
}

impl HostsFile {
    /// Reads and parses a hosts file.
    ///
    /// # Errors
    /// When the file cannot be opened or read, or is larger than [`MAX_BYTES`].
    pub fn read(path: &Path) -> Result<HostsFile, HostsError> {
        let read_err = |e: io::Error| HostsError::Read {
            path: path.to_owned(),
            source: Arc::new(e),
        };
        let file = std::fs::File::open(path).map_err(read_err)?;
        let mut bytes = Vec::new();
        file.take(MAX_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read_err)?;
        if bytes.len() as u64 > MAX_BYTES {
            return Err(HostsError::TooLarge {
                path: path.to_owned(),
            });
        }
        Ok(HostsFile::parse(path, &bytes))
    }

    /// Reads this platform's hosts file ([`system_path`]).
    ///
    /// # Errors
    /// As [`HostsFile::read`].
    pub fn read_system() -> Result<HostsFile, HostsError> {
        HostsFile::read(&system_path())
    }

    /// Parses a hosts file's bytes. Never fails and never panics: whatever cannot be read
    /// becomes a [`Problem`] on its line.
    pub fn parse(path: impl Into<PathBuf>, bytes: &[u8]) -> HostsFile {
        let (encoding, body) = decode(bytes);
        let mut file = HostsFile {
            path: path.into(),
            encoding,
            entries: Vec::new(),
            problems: Vec::new(),
            lines: 0,
        };
        let split = split_lines(&body);
        file.lines = split.lines.len();
        for (index, raw) in split.lines.iter().enumerate() {
            parse_line(index + 1, raw, &mut file);
        }
        file.encoding_problems(&split);
        let conflicts = file.conflicts();
        for c in conflicts {
            let raw = split
                .lines
                .get(c.other.line - 1)
                .copied()
                .unwrap_or_default();
            let text = String::from_utf8_lossy(raw).into_owned();
            file.problems.push(Problem {
                line: c.other.line,
                kind: ProblemKind::Conflict,
                message: format!("{c}: correct or remove line {}", c.other.line),
                text,
            });
        }
        file.problems.sort_by_key(|p| p.line);
        file
    }

    /// Every line that names `name` (ASCII case-insensitive), in file order.
    pub fn lookup(&self, name: &str) -> Lookup<'_> {
        Lookup {
            matches: self.entries.iter().filter(|e| e.names_host(name)).collect(),
        }
    }

    /// Every later line that gives a name another address of the same family than the first
    /// line naming it. An IPv4 and an IPv6 line for one name (`127.0.0.1 localhost` and
    /// `::1 localhost`) are not a conflict.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut first: HashMap<(String, bool), (Mapping, &str)> = HashMap::new();
        // One conflict per line and name, however often the line repeats the name.
        let mut reported: HashSet<(usize, String)> = HashSet::new();
        let mut out = Vec::new();
        for entry in &self.entries {
            for name in &entry.names {
                let key = (name.to_ascii_lowercase(), entry.address.is_ipv6());
                match first.get(&key) {
                    None => {
                        first.insert(key, (entry.mapping(), name));
                    }
                    Some((seen, shown)) if seen.address != entry.address => {
                        if reported.insert((entry.line, key.0)) {
                            out.push(Conflict {
                                name: (*shown).to_owned(),
                                first: *seen,
                                other: entry.mapping(),
                            });
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        out
    }

    fn encoding_problems(&mut self, split: &Lines<'_>) {
        match self.encoding {
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let which = if self.encoding == Encoding::Utf16Le {
                    "little"
                } else {
                    "big"
                };
                self.problems.push(Problem {
                    line: 1,
                    kind: ProblemKind::Encoding,
                    message: format!(
                        "the file is UTF-16 ({which}-endian) text; resolvers read hosts files \
                         as ASCII and may ignore its entries: save it as ANSI/ASCII or as UTF-8 \
                         without a byte-order mark"
                    ),
                    text: String::new(),
                });
            }
            Encoding::Utf8Bom => {
                if self.entries.first().is_some_and(|e| e.line == 1) {
                    let raw = split.lines.first().copied().unwrap_or_default();
                    let text = String::from_utf8_lossy(raw).into_owned();
                    self.problems.push(Problem {
                        line: 1,
                        kind: ProblemKind::ByteOrderMark,
                        message: "the file starts with a UTF-8 byte-order mark right before this \
                                  entry; resolvers that do not expect one (glibc on Linux, \
                                  dnsmasq) read it as part of the address and skip the line: \
                                  save the file without a BOM, or begin it with a comment line"
                            .to_owned(),
                        text,
                    });
                }
            }
            Encoding::Utf8 => {}
        }
        if let Some(&first) = split.lone_cr.first() {
            let more = split.lone_cr.len() - 1;
            let also = match more {
                0 => String::new(),
                1 => " (and 1 more line)".to_owned(),
                n => format!(" (and {n} more lines)"),
            };
            self.problems.push(Problem {
                line: first,
                kind: ProblemKind::LineEnding,
                message: format!(
                    "this line{also} ends with a lone carriage return (CR without LF); glibc \
                     does not end a line there, so it reads the next line's address and names \
                     as more names of this one (or as part of its comment): end lines with LF \
                     or CRLF"
                ),
                text: String::from_utf8_lossy(
                    split.lines.get(first - 1).copied().unwrap_or_default(),
                )
                .into_owned(),
            });
        }
    }
}

/// Strips a byte-order mark and turns UTF-16 into UTF-8 so one line parser serves all.
fn decode(bytes: &[u8]) -> (Encoding, Cow<'_, [u8]>) {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        (Encoding::Utf8Bom, Cow::Borrowed(rest))
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        (
            Encoding::Utf16Le,
            Cow::Owned(utf16(rest, u16::from_le_bytes)),
        )
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        (
            Encoding::Utf16Be,
            Cow::Owned(utf16(rest, u16::from_be_bytes)),
        )
    } else {
        (Encoding::Utf8, Cow::Borrowed(bytes))
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Vec<u8> {
    let units = bytes.chunks(2).map(|pair| match pair {
        [a, b] => unit([*a, *b]),
        // An odd trailing byte: shown as a replacement character like any other bad unit.
        _ => 0xFFFD,
    });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect::<String>()
        .into_bytes()
}

struct Lines<'a> {
    lines: Vec<&'a [u8]>,
    /// 1-based numbers of the lines ended by a CR without LF that glibc would join to the next.
    lone_cr: Vec<usize>,
}

/// Splits at LF, CRLF and lone CR, so line numbers match what an editor shows.
fn split_lines(bytes: &[u8]) -> Lines<'_> {
    let mut lines = Vec::new();
    let mut lone_cr = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\n' => {
                lines.push(&bytes[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                lines.push(&bytes[start..i]);
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 2;
                } else {
                    if merges_for_glibc(&bytes[i + 1..]) {
                        lone_cr.push(lines.len());
                    }
                    i += 1;
                }
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        lines.push(&bytes[start..]);
    }
    Lines { lines, lone_cr }
}

/// Whether the text after a lone CR changes what glibc reads. glibc ends lines only at LF and
/// takes CR for a field separator, so the next line joins this one; that matters when the next
/// line holds an entry (its fields become more names here, or vanish into this line's comment),
/// not when it is blank, a comment, or the end of the file.
fn merges_for_glibc(after: &[u8]) -> bool {
    let next = after
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .map_or(after, |end| &after[..end]);
    next.iter()
        .find(|&&b| !matches!(b, b' ' | b'\t' | 0x0b | 0x0c))
        .is_some_and(|&b| b != b'#')
}

/// The field separators of glibc's parser (`isspace` less the line ends, which are gone by now).
fn is_field_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0b' | '\x0c')
}

fn parse_line(number: usize, raw: &[u8], file: &mut HostsFile) {
    // `#` is ASCII and never part of a multi-byte UTF-8 sequence, so cutting the bytes there
    // is safe before decoding.
    let (content, comment) = match raw.iter().position(|&b| b == b'#') {
        Some(i) => raw.split_at(i),
        None => (raw, &[][..]),
    };
    let mut problem = |kind, message: String| {
        file.problems.push(Problem {
            line: number,
            kind,
            message,
            text: String::from_utf8_lossy(raw).into_owned(),
        });
    };
    if std::str::from_utf8(content).is_err() {
        problem(
            ProblemKind::Encoding,
            "this line is not valid UTF-8 (the bad bytes show as U+FFFD, and a name holding them \
             will not match the name people type): save the file as ASCII or UTF-8"
                .to_owned(),
        );
    } else if std::str::from_utf8(comment).is_err() {
        problem(
            ProblemKind::Encoding,
            "the comment on this line is not valid UTF-8 (perhaps saved in a Windows code page); \
             the resolver skips comments, but save the file as ASCII or UTF-8 so it reads the \
             same everywhere"
                .to_owned(),
        );
    }
    let content = String::from_utf8_lossy(content);
    let mut fields = content.split(is_field_space).filter(|f| !f.is_empty());
    let Some(first) = fields.next() else {
        return;
    };
    let names: Vec<&str> = fields.collect();
    let (address, zone) = match parse_address(first) {
        Ok(parsed) => parsed,
        Err(why) => {
            let hint = why.unwrap_or_else(|| address_hint(first, names.first().copied()));
            problem(
                ProblemKind::BadAddress,
                format!(
                    "`{}` is not an IP address{hint}; expected an IPv4 or IPv6 address, then \
                     one or more names: the resolver skips this line",
                    first.escape_debug()
                ),
            );
            return;
        }
    };
    if names.is_empty() {
        problem(
            ProblemKind::NoName,
            format!(
                "the address `{first}` has no name after it; expected one or more names (the \
                 canonical name, then aliases): the resolver skips this line"
            ),
        );
        return;
    }
    for name in &names {
        if let Some(odd) = name.chars().find(|&c| is_odd(c)) {
            problem(
                ProblemKind::OddName,
                format!(
                    "the name `{}` contains {}; resolvers compare names byte for byte, so it \
                     will not match the name people type: retype it in plain ASCII",
                    name.escape_debug(),
                    describe(odd)
                ),
            );
        }
    }
    file.entries.push(Entry {
        line: number,
        address,
        zone,
        names: names.into_iter().map(str::to_owned).collect(),
    });
}

/// An address with an optional IPv6 zone; `Err(Some(why))` when the address is fine but the
/// zone is not, `Err(None)` when the address itself is not one.
fn parse_address(field: &str) -> Result<(IpAddr, Option<String>), Option<String>> {
    let (text, zone) = match field.split_once('%') {
        Some((a, z)) => (a, Some(z)),
        None => (field, None),
    };
    let address: IpAddr = text.parse().map_err(|_| None)?;
    match zone {
        None => Ok((address, None)),
        Some(_) if address.is_ipv4() => Err(Some(
            " (a zone after `%` belongs only to an IPv6 address)".to_owned(),
        )),
        Some(z) if z.is_empty() || z.contains('%') => Err(Some(format!(
            " (the zone after `%` must be an interface name or number, not `{}`)",
            z.escape_debug()
        ))),
        Some(z) => Ok((address, Some(z.to_owned()))),
    }
}

/// Why a first field that is not an address might look like one, as a parenthesised hint.
fn address_hint(field: &str, next: Option<&str>) -> String {
    if let Some(odd) = field.chars().find(|&c| is_odd(c)) {
        return format!(" (it contains {})", describe(odd));
    }
    if field.contains('/') {
        return " (a hosts file takes a single address, without a /prefix length)".to_owned();
    }
    let bracketed = field.starts_with('[');
    let with_port = field
        .rsplit_once(':')
        .is_some_and(|(a, p)| a.parse::<std::net::Ipv4Addr>().is_ok() && p.parse::<u16>().is_ok());
    if bracketed || with_port {
        return " (a hosts file takes the address alone, without brackets or a port)".to_owned();
    }
    if next.is_some_and(|n| parse_address(n).is_ok()) {
        return " (the name and the address look swapped: the address comes first)".to_owned();
    }
    String::new()
}

/// A character a person would not see or would not type in a host name. U+FFFD is left out:
/// it stands for bytes that are not UTF-8, which are reported on their own.
fn is_odd(c: char) -> bool {
    !(c.is_ascii_graphic() || c == char::REPLACEMENT_CHARACTER)
}

fn describe(c: char) -> String {
    let code = format!("U+{:04X}", u32::from(c));
    match c {
        ' ' => format!("{code}, a space"),
        '\u{a0}' | '\u{2000}'..='\u{200b}' | '\u{202f}' | '\u{205f}' | '\u{3000}' => {
            format!("{code}, an invisible Unicode space (often pasted from a PDF or Word)")
        }
        '\u{feff}' => format!("{code}, a byte-order mark (left where two files were joined)"),
        c if c.is_control() => format!("{code}, a control character"),
        c => format!("`{c}` ({code}), which is not ASCII"),
    }
}

/// A required entry: `NAME=IP`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expectation {
    pub name: String,
    pub address: IpAddr,
}

impl Expectation {
    pub fn new(name: impl Into<String>, address: IpAddr) -> Self {
        Self {
            name: name.into(),
            address,
        }
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.address)
    }
}

/// A `NAME=IP` that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not NAME=IP: {problem}")]
pub struct ExpectationError {
    pub text: String,
    pub problem: String,
}

impl FromStr for Expectation {
    type Err = ExpectationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |problem: String| ExpectationError {
            text: text.escape_debug().to_string(),
            problem,
        };
        let Some((name, address)) = text.split_once('=') else {
            return Err(err(
                "expected a name, `=`, then an IP address (db1.example.org=10.0.0.5)".to_owned(),
            ));
        };
        let (name, address) = (name.trim(), address.trim());
        if name.is_empty() {
            return Err(err("the name before `=` is empty".to_owned()));
        }
        if let Some(c) = name.chars().find(|&c| c == '#' || is_odd(c)) {
            let what = if c == '#' {
                "`#`, which starts a comment in a hosts file".to_owned()
            } else {
                describe(c)
            };
            return Err(err(format!("the name contains {what}")));
        }
        // `[::1]` as people write IPv6 in URLs.
        let bare = address
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
            .unwrap_or(address);
        let address = bare.parse().map_err(|_| {
            err(format!(
                "`{}` is not an IPv4 or IPv6 address",
                bare.escape_debug()
            ))
        })?;
        Ok(Expectation::new(name, address))
    }
}

/// The outcome of checking one required entry, with the facts the command line prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryCheck {
    pub expected: Expectation,
    /// The line the resolver uses for the name in the expected address's family.
    pub found: Option<Mapping>,
    /// Every line naming the host, either family, in file order.
    pub matches: Vec<Mapping>,
    pub verdict: Verdict,
    pub summary: String,
}

/// Checks that the file maps `expected.name` to `expected.address`, saying which line does it,
/// or what to change.
pub fn check_entry(file: &HostsFile, expected: &Expectation) -> EntryCheck {
    let name = expected.name.as_str();
    let want = expected.address;
    let lookup = file.lookup(name);
    let matches: Vec<Mapping> = lookup.matches.iter().map(|e| e.mapping()).collect();
    let same: Vec<&Entry> = lookup
        .matches
        .iter()
        .copied()
        .filter(|e| e.address.is_ipv6() == want.is_ipv6())
        .collect();
    let add = format!("add `{want}  {name}` to {}", file.path.display());
    let (found, verdict, summary) = match same.first() {
        None => (
            None,
            Verdict::Fail,
            missing(file, &lookup, name, want, &add),
        ),
        Some(first) if first.address == want => {
            let (verdict, summary) = as_expected(&same, name, want);
            (Some(first.mapping()), verdict, summary)
        }
        Some(first) => (
            Some(first.mapping()),
            Verdict::Fail,
            not_as_expected(&same, name, want, &add),
        ),
    };
    EntryCheck {
        expected: expected.clone(),
        found,
        matches,
        verdict,
        summary,
    }
}

/// The first line gives the expected address; later lines may disagree or repeat it.
fn as_expected(same: &[&Entry], name: &str, want: IpAddr) -> (Verdict, String) {
    let Some(first) = same.first() else {
        return (Verdict::Fail, format!("no line names {name}"));
    };
    if let Some(o) = same.iter().find(|e| e.address != want) {
        return (
            Verdict::Warn,
            format!(
                "line {} maps {name} to {want} as expected, but line {} maps it to {}: the \
                 first wins, yet programs that ask for every address (getaddrinfo on Linux) get \
                 both; remove {name} from line {}",
                first.line,
                o.line,
                o.address_text(),
                o.line
            ),
        );
    }
    let repeats: Vec<usize> = same.iter().skip(1).map(|e| e.line).collect();
    let also = match repeats.as_slice() {
        [] => String::new(),
        [one] => format!(" (line {one} repeats it)"),
        many => format!(" (lines {} repeat it)", list(many)),
    };
    (
        Verdict::Pass,
        format!("line {} maps {name} to {want}{also}", first.line),
    )
}

/// The first line gives another address: say which, and how to change it without moving the
/// other names on that line.
fn not_as_expected(same: &[&Entry], name: &str, want: IpAddr, add: &str) -> String {
    let Some(first) = same.first() else {
        return format!("no line names {name}: {add}");
    };
    let others: Vec<&str> = first
        .names
        .iter()
        .filter(|n| !n.eq_ignore_ascii_case(name))
        .map(String::as_str)
        .collect();
    let later = same.iter().find(|e| e.address == want);
    // Changing the address of a line that names other hosts too would move them as well.
    let fix = match (later, others.is_empty()) {
        (Some(_), true) => format!(
            "remove line {}, or change its address to {want}",
            first.line
        ),
        (Some(l), false) => format!(
            "take {name} off line {} (it also names {}), so line {} decides",
            first.line,
            others.join(" "),
            l.line
        ),
        (None, true) => format!("change the address on line {} to {want}", first.line),
        (None, false) => format!(
            "take {name} off line {} (it also names {}) and {add}",
            first.line,
            others.join(" ")
        ),
    };
    match later {
        Some(l) => format!(
            "line {} maps {name} to {}, line {} to {want}; the first wins: {fix}",
            first.line,
            first.address_text(),
            l.line
        ),
        None => format!(
            "line {} maps {name} to {}, not {want}: {fix}",
            first.line,
            first.address_text()
        ),
    }
}

fn missing(file: &HostsFile, lookup: &Lookup<'_>, name: &str, want: IpAddr, add: &str) -> String {
    // A line that mentions the name but the resolver skips is the likeliest cause.
    let skipped = file.problems.iter().find(|p| {
        matches!(p.kind, ProblemKind::BadAddress | ProblemKind::NoName)
            && p.text.split('#').next().is_some_and(|content| {
                content
                    .split(char::is_whitespace)
                    .any(|w| w.eq_ignore_ascii_case(name))
            })
    });
    if let Some(p) = skipped {
        return format!(
            "no line the resolver reads names {name}; line {} mentions it but is skipped ({}): \
             fix that line, or {add}",
            p.line, p.message
        );
    }
    if let Some(other) = lookup.matches.first() {
        let family = if want.is_ipv6() { "IPv6" } else { "IPv4" };
        return format!(
            "line {} maps {name} to {} only, no {family} address: {add}",
            other.line,
            other.address_text()
        );
    }
    format!("no line names {name}: {add}")
}

fn list(lines: &[usize]) -> String {
    match lines {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!(
            "{} and {last}",
            init.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn addresses(list: &[IpAddr]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn ms_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The `hosts.entry_present` check for one required entry.
pub fn entry_present(file: &HostsFile, expected: &Expectation) -> ProbeResult {
    let start = Instant::now();
    let at = crate::stamp::now();
    let check = check_entry(file, expected);
    ProbeResult {
        kind: ProbeKind::Hosts,
        check: "entry_present".to_owned(),
        target: format!("{} in {}", expected.name, file.path.display()),
        verdict: check.verdict,
        summary: check.summary.clone(),
        evidence: Evidence {
            subject: Subject {
                name: Some(expected.name.clone()),
                expected: Some(expected.address),
                ..Subject::default()
            },
            facts: Facts::Seen(json!({
                "file": file.path.display().to_string(),
                "expected": check.expected,
                "found": check.found,
                "matches": check.matches,
            })),
        },
        at,
        ms: ms_since(start),
    }
}

/// The `hosts.consistent_with_dns` check for one name, against the addresses DNS gave for it
/// (the caller asks DNS; this module never does).
pub fn consistent_with_dns(file: &HostsFile, name: &str, dns: &[IpAddr]) -> ProbeResult {
    let start = Instant::now();
    let at = crate::stamp::now();
    let lookup = file.lookup(name);
    let hosts: Vec<Mapping> = lookup.matches.iter().map(|e| e.mapping()).collect();
    let off: Vec<Mapping> = hosts
        .iter()
        .copied()
        .filter(|m| !dns.contains(&m.address))
        .collect();
    let lines_of = |ms: &[Mapping]| {
        let mut lines: Vec<usize> = ms.iter().map(|m| m.line).collect();
        lines.dedup();
        let word = if lines.len() == 1 { "line" } else { "lines" };
        format!("{word} {}", list(&lines))
    };
    let addrs_of = |ms: &[Mapping]| {
        let mut a: Vec<IpAddr> = Vec::new();
        for m in ms {
            if !a.contains(&m.address) {
                a.push(m.address);
            }
        }
        addresses(&a)
    };
    let (verdict, summary) = if hosts.is_empty() {
        (
            Verdict::Pass,
            format!("the hosts file has no entry for {name}: this machine asks DNS for it"),
        )
    } else if dns.is_empty() {
        (
            Verdict::Warn,
            format!(
                "the hosts file sends {name} to {} ({}) while DNS has no address for it: only \
                 machines with this entry find it by that name; add it to DNS",
                addrs_of(&hosts),
                lines_of(&hosts)
            ),
        )
    } else if off.is_empty() {
        (
            Verdict::Pass,
            format!(
                "the hosts file sends {name} to {} ({}), as DNS answers",
                addrs_of(&hosts),
                lines_of(&hosts)
            ),
        )
    } else {
        (
            Verdict::Fail,
            format!(
                "the hosts file sends {name} to {} while DNS answers {}: this machine will not \
                 use DNS for that name; correct or remove {}",
                addrs_of(&off),
                addresses(dns),
                lines_of(&off)
            ),
        )
    };
    ProbeResult {
        kind: ProbeKind::Hosts,
        check: "consistent_with_dns".to_owned(),
        target: format!("{name} in {}", file.path.display()),
        verdict,
        summary,
        evidence: Evidence {
            subject: Subject {
                name: Some(name.to_owned()),
                ..Subject::default()
            },
            facts: Facts::Seen(json!({
                "file": file.path.display().to_string(),
                "name": name,
                "hosts": hosts,
                "dns": dns,
                "disagreeing": off,
            })),
        },
        at,
        ms: ms_since(start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    fn parse(text: &str) -> HostsFile {
        HostsFile::parse("/test/hosts", text.as_bytes())
    }

    /// One line in, the entry or the problem kind out.
    #[test]
    fn lines_parse_into_entries_or_problems() {
        type Want =
            Result<(&'static str, Option<&'static str>, &'static [&'static str]), ProblemKind>;
        let table: &[(&str, Want)] = &[
            (
                "127.0.0.1 localhost",
                Ok(("127.0.0.1", None, &["localhost"])),
            ),
            (
                "127.0.0.1\tlocalhost",
                Ok(("127.0.0.1", None, &["localhost"])),
            ),
            (
                "  10.0.0.5 \t  db1.example.org   db1  ",
                Ok(("10.0.0.5", None, &["db1.example.org", "db1"])),
            ),
            (
                "127.0.0.1  messengeramc.amcomsoft.com messengeramc",
                Ok((
                    "127.0.0.1",
                    None,
                    &["messengeramc.amcomsoft.com", "messengeramc"],
                )),
            ),
            (
                "10.0.0.5 db1 # the primary",
                Ok(("10.0.0.5", None, &["db1"])),
            ),
            (
                "10.0.0.5 db1#glued comment",
                Ok(("10.0.0.5", None, &["db1"])),
            ),
            (
                "::1 localhost ip6-localhost",
                Ok(("::1", None, &["localhost", "ip6-localhost"])),
            ),
            (
                "fe80::1%eth0 router",
                Ok(("fe80::1", Some("eth0"), &["router"])),
            ),
            (
                "fe80::1%12 router",
                Ok(("fe80::1", Some("12"), &["router"])),
            ),
            ("2001:db8::5 v6host", Ok(("2001:db8::5", None, &["v6host"]))),
            (
                "::ffff:10.0.0.1 mapped",
                Ok(("::ffff:10.0.0.1", None, &["mapped"])),
            ),
            (
                "10.0.0.5\x0bdb1\x0cdb2",
                Ok(("10.0.0.5", None, &["db1", "db2"])),
            ),
            ("10.0.0.300 db1", Err(ProblemKind::BadAddress)),
            ("010.0.0.1 db1", Err(ProblemKind::BadAddress)),
            ("10.0.0.5/24 db1", Err(ProblemKind::BadAddress)),
            ("10.0.0.5:80 db1", Err(ProblemKind::BadAddress)),
            ("[::1] db1", Err(ProblemKind::BadAddress)),
            ("db1 10.0.0.5", Err(ProblemKind::BadAddress)),
            ("10.0.0.5%eth0 db1", Err(ProblemKind::BadAddress)),
            ("fe80::1% router", Err(ProblemKind::BadAddress)),
            (
                "127.0.0.1\u{a0}\u{a0}messengeramc",
                Err(ProblemKind::BadAddress),
            ),
            ("10.0.0.5", Err(ProblemKind::NoName)),
            (
                "10.0.0.5   # only a comment after",
                Err(ProblemKind::NoName),
            ),
            ("10.0.0.5 db1\u{a0}", Err(ProblemKind::OddName)),
        ];
        for (line, want) in table {
            let file = parse(line);
            match want {
                Ok((address, zone, names)) => {
                    assert_eq!(file.problems, [], "{line:?}");
                    assert_eq!(file.entries.len(), 1, "{line:?}");
                    let e = &file.entries[0];
                    assert_eq!(e.line, 1);
                    assert_eq!(e.address, ip(address), "{line:?}");
                    assert_eq!(e.zone.as_deref(), *zone, "{line:?}");
                    assert_eq!(e.names, *names, "{line:?}");
                }
                Err(kind) => {
                    let kinds: Vec<ProblemKind> = file.problems.iter().map(|p| p.kind).collect();
                    assert_eq!(kinds, [*kind], "{line:?}: {:?}", file.problems);
                    assert_eq!(file.problems[0].line, 1);
                    assert_eq!(file.problems[0].text, *line);
                    // Only a name problem keeps the entry: the resolver still reads the line.
                    let kept = usize::from(*kind == ProblemKind::OddName);
                    assert_eq!(file.entries.len(), kept, "{line:?}");
                }
            }
        }
    }

    #[test]
    fn blank_and_comment_lines_are_nothing() {
        for text in [
            "",
            "\n",
            "   \t ",
            "# comment",
            "   # indented comment",
            "#10.0.0.5 db1",
        ] {
            let file = parse(text);
            assert_eq!(file.entries, [], "{text:?}");
            assert_eq!(file.problems, [], "{text:?}");
        }
    }

    #[test]
    fn bad_addresses_say_what_was_expected_and_why() {
        let table = [
            (
                "10.0.0.300 db1",
                "`10.0.0.300` is not an IP address; expected an IPv4 or IPv6",
            ),
            ("10.0.0.5/24 db1", "without a /prefix length"),
            ("10.0.0.5:80 db1", "without brackets or a port"),
            ("[::1] db1", "without brackets or a port"),
            ("db1 10.0.0.5", "the name and the address look swapped"),
            ("10.0.0.5%eth0 db1", "belongs only to an IPv6 address"),
            (
                "127.0.0.1\u{a0}messengeramc",
                "U+00A0, an invisible Unicode space",
            ),
            (
                "# joined\n\u{feff}10.0.0.5 db1",
                "U+FEFF, a byte-order mark",
            ),
            (
                "10.0.0.5",
                "has no name after it; expected one or more names",
            ),
            ("10.0.0.5 db1\u{1b}[31m", "U+001B, a control character"),
            ("10.0.0.5 café", "`é` (U+00E9), which is not ASCII"),
        ];
        for (line, message) in table {
            let file = parse(line);
            let p = file
                .problems
                .first()
                .unwrap_or_else(|| panic!("{line:?}: no problem"));
            assert!(p.message.contains(message), "{line:?}: {}", p.message);
        }
    }

    #[test]
    fn line_ends_bom_and_encodings() {
        // CRLF, LF and lone CR all end lines, so numbers match an editor's.
        let file = HostsFile::parse("h", b"10.0.0.1 a\r\n10.0.0.2 b\n10.0.0.3 c\r10.0.0.4 d");
        let lines: Vec<usize> = file.entries.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 2, 3, 4]);
        assert_eq!(file.lines, 4);
        assert_eq!(file.entries[0].names, ["a"], "no CR left on a name");
        let kinds: Vec<(usize, ProblemKind)> =
            file.problems.iter().map(|p| (p.line, p.kind)).collect();
        assert_eq!(kinds, [(3, ProblemKind::LineEnding)]);

        // A lone CR before a blank line, a comment or the end changes nothing for glibc.
        for harmless in [
            &b"10.0.0.1 a\r\r\n10.0.0.2 b\n"[..],
            b"10.0.0.1 a\r# note\n",
            b"10.0.0.1 a\r \t\n10.0.0.2 b",
            b"10.0.0.1 a\r",
        ] {
            let file = HostsFile::parse("h", harmless);
            assert_eq!(file.problems, [], "{}", harmless.escape_ascii());
        }
        let file = HostsFile::parse("h", b"# old Mac\r10.0.0.1 a\r10.0.0.2 b\r");
        assert_eq!(file.entries.len(), 2);
        assert_eq!(file.problems.len(), 1);
        assert!(
            file.problems[0]
                .message
                .starts_with("this line (and 1 more line) ends with a lone carriage return"),
            "{}",
            file.problems[0].message
        );

        let file = HostsFile::parse("h", b"\xEF\xBB\xBF# comment\r\n10.0.0.1 a\r\n");
        assert_eq!(file.encoding, Encoding::Utf8Bom);
        assert_eq!(file.problems, []);
        assert_eq!(file.entries[0].line, 2);

        let file = HostsFile::parse("h", b"\xEF\xBB\xBF10.0.0.1 a\r\n");
        assert_eq!(file.entries[0].address, ip("10.0.0.1"), "tolerated");
        assert_eq!(file.problems[0].kind, ProblemKind::ByteOrderMark);

        let file = HostsFile::parse("h", b"10.0.0.1 caf\xE9\n10.0.0.2 b # r\xE9seau\n");
        let kinds: Vec<(usize, ProblemKind)> =
            file.problems.iter().map(|p| (p.line, p.kind)).collect();
        assert_eq!(
            kinds,
            [(1, ProblemKind::Encoding), (2, ProblemKind::Encoding)]
        );
        assert!(
            file.problems[1]
                .message
                .starts_with("the comment on this line")
        );
        assert_eq!(file.entries[0].names, ["caf\u{fffd}"]);
        assert_eq!(file.entries.len(), 2);

        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "10.0.0.1 a\r\n::1 b\r\n".encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let file = HostsFile::parse("h", &utf16);
        assert_eq!(file.encoding, Encoding::Utf16Le);
        assert_eq!(file.entries.len(), 2);
        assert_eq!(file.problems[0].kind, ProblemKind::Encoding);
    }

    #[test]
    fn the_first_line_wins_and_conflicts_are_named() {
        let file = parse(
            "10.0.0.5 db1.example.org DB1\n\
             ::1 db1\n\
             10.0.0.5 db1 # same again\n\
             10.0.0.6 db1 db1\n",
        );
        let lookup = file.lookup("Db1");
        assert_eq!(lookup.matches.len(), 4);
        assert_eq!(lookup.first(false).map(|e| e.line), Some(1));
        assert_eq!(lookup.first(true).map(|e| e.line), Some(2));
        assert_eq!(
            lookup.addresses(),
            [ip("10.0.0.5"), ip("::1"), ip("10.0.0.6")]
        );
        let conflicts = file.conflicts();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert_eq!(
            conflicts[0].to_string(),
            "line 1 maps DB1 to 10.0.0.5, line 4 to 10.0.0.6; the first wins"
        );
        let p = file.problems.last().expect("the conflict is a problem");
        assert_eq!((p.line, p.kind), (4, ProblemKind::Conflict));
        assert!(
            p.message
                .ends_with("; the first wins: correct or remove line 4")
        );

        // IPv4 and IPv6 for one name are not a conflict.
        assert_eq!(
            parse("127.0.0.1 localhost\n::1 localhost\n").conflicts(),
            []
        );
    }

    #[test]
    fn entry_present_says_which_line_and_what_to_change() {
        let file = parse(
            "10.0.0.5 db1\n\
             10.0.0.6 db2 db2.example.org\n\
             10.0.0.7 db3\n\
             10.0.0.8 db3\n\
             ::1 v6only\n\
             10.0.0.9 dup\n\
             10.0.0.9 dup\n\
             10.0.0.10 wrong\n\
             10.0.0.300 broken\n\
             10.0.0.11 late\n\
             10.0.0.12 late\n",
        );
        let table: &[(&str, Verdict, Option<usize>, &str)] = &[
            (
                "db1=10.0.0.5",
                Verdict::Pass,
                Some(1),
                "line 1 maps db1 to 10.0.0.5",
            ),
            (
                "DB1=10.0.0.5",
                Verdict::Pass,
                Some(1),
                "line 1 maps DB1 to 10.0.0.5",
            ),
            (
                "db2=10.0.0.1",
                Verdict::Fail,
                Some(2),
                "line 2 maps db2 to 10.0.0.6, not 10.0.0.1: take db2 off line 2 (it also names \
                 db2.example.org) and add `10.0.0.1  db2` to /test/hosts",
            ),
            (
                "db3=10.0.0.7",
                Verdict::Warn,
                Some(3),
                "line 3 maps db3 to 10.0.0.7 as expected, but line 4 maps it to 10.0.0.8",
            ),
            (
                "missing=10.0.0.1",
                Verdict::Fail,
                None,
                "no line names missing: add `10.0.0.1  missing` to /test/hosts",
            ),
            (
                "v6only=10.0.0.1",
                Verdict::Fail,
                None,
                "line 5 maps v6only to ::1 only, no IPv4 address",
            ),
            (
                "v6only=::1",
                Verdict::Pass,
                Some(5),
                "line 5 maps v6only to ::1",
            ),
            (
                "dup=10.0.0.9",
                Verdict::Pass,
                Some(6),
                "line 6 maps dup to 10.0.0.9 (line 7 repeats it)",
            ),
            (
                "wrong=10.0.0.1",
                Verdict::Fail,
                Some(8),
                "line 8 maps wrong to 10.0.0.10, not 10.0.0.1: change the address on line 8 to 10.0.0.1",
            ),
            (
                "broken=10.0.0.1",
                Verdict::Fail,
                None,
                "no line the resolver reads names broken; line 9 mentions it but is skipped",
            ),
            (
                "late=10.0.0.12",
                Verdict::Fail,
                Some(10),
                "line 10 maps late to 10.0.0.11, line 11 to 10.0.0.12; the first wins: remove line \
                 10, or change its address to 10.0.0.12",
            ),
        ];
        for (expect, verdict, line, summary) in table {
            let expect: Expectation = expect.parse().expect("expectation");
            let check = check_entry(&file, &expect);
            assert_eq!(check.verdict, *verdict, "{expect}: {}", check.summary);
            assert_eq!(check.found.map(|m| m.line), *line, "{expect}");
            assert!(
                check.summary.starts_with(summary),
                "{expect}: {}",
                check.summary
            );
            let result = entry_present(&file, &expect);
            let what = (result.kind, result.check.as_str(), result.verdict);
            assert_eq!(what, (ProbeKind::Hosts, "entry_present", *verdict));
            assert_eq!(result.summary, check.summary);
            let seen = result.evidence.seen();
            assert_eq!(seen["found"]["line"], serde_json::json!(line));
        }
    }

    #[test]
    fn an_entry_check_says_which_entry_it_is_about() {
        let file = parse("127.0.0.1 sms.example.org\n");
        let expect = Expectation::new("sms.example.org", IpAddr::from([127, 0, 0, 1]));
        let subject = entry_present(&file, &expect).evidence.subject;
        assert_eq!(subject.name.as_deref(), Some("sms.example.org"));
        assert_eq!(subject.expected, Some(expect.address));
    }

    #[test]
    fn consistent_with_dns_flags_an_override() {
        let file =
            parse("10.0.0.5 db1.example.org db1\n10.0.0.9 db2\n10.0.0.9 db3\n10.0.0.6 db3\n");
        let table: &[(&str, &[&str], Verdict, &str)] = &[
            (
                "db1.example.org",
                &["10.0.0.9"],
                Verdict::Fail,
                "the hosts file sends db1.example.org to 10.0.0.5 while DNS answers 10.0.0.9: this \
                 machine will not use DNS for that name; correct or remove line 1",
            ),
            (
                "db1.example.org",
                &["10.0.0.5", "10.0.0.7"],
                Verdict::Pass,
                "the hosts file sends db1.example.org to 10.0.0.5 (line 1), as DNS answers",
            ),
            (
                "db1",
                &[],
                Verdict::Warn,
                "the hosts file sends db1 to 10.0.0.5 (line 1) while DNS has no address for it",
            ),
            (
                "other",
                &["10.0.0.1"],
                Verdict::Pass,
                "the hosts file has no entry for other: this machine asks DNS for it",
            ),
            (
                "db2",
                &["10.0.0.9"],
                Verdict::Pass,
                "the hosts file sends db2 to 10.0.0.9 (line 2), as DNS answers",
            ),
            (
                "db3",
                &["10.0.0.9"],
                Verdict::Fail,
                "the hosts file sends db3 to 10.0.0.6 while DNS answers 10.0.0.9: this machine will not use DNS for that name; correct or remove line 4",
            ),
        ];
        for (name, dns, verdict, summary) in table {
            let dns: Vec<IpAddr> = dns.iter().map(|a| ip(a)).collect();
            let result = consistent_with_dns(&file, name, &dns);
            assert_eq!(result.verdict, *verdict, "{name}: {}", result.summary);
            assert!(
                result.summary.starts_with(summary),
                "{name}: {}",
                result.summary
            );
            assert_eq!(result.check, "consistent_with_dns");
            assert_eq!(result.kind, ProbeKind::Hosts);
        }
    }

    #[test]
    fn expectations_parse_or_say_why_not() {
        let ok = [
            ("db1=10.0.0.5", "db1", "10.0.0.5"),
            (" db1 = 10.0.0.5 ", "db1", "10.0.0.5"),
            ("v6=::1", "v6", "::1"),
            ("v6=[2001:db8::1]", "v6", "2001:db8::1"),
        ];
        for (text, name, address) in ok {
            let e: Expectation = text.parse().expect(text);
            assert_eq!(e, Expectation::new(name, ip(address)));
        }
        let bad = [
            ("db1", "expected a name, `=`, then an IP address"),
            ("=10.0.0.5", "the name before `=` is empty"),
            (
                "db1=10.0.0.300",
                "`10.0.0.300` is not an IPv4 or IPv6 address",
            ),
            ("db1=", "`` is not an IPv4 or IPv6 address"),
            ("a b=10.0.0.5", "U+0020"),
            ("a#b=10.0.0.5", "which starts a comment"),
        ];
        for (text, problem) in bad {
            let err = text.parse::<Expectation>().expect_err(text);
            assert!(
                err.to_string()
                    .starts_with(&format!("`{text}` is not NAME=IP: "))
            );
            assert!(err.problem.contains(problem), "{text}: {}", err.problem);
        }
    }

    #[test]
    fn windows_path_follows_system_root() {
        let table = [
            (None, r"C:\Windows\System32\drivers\etc\hosts"),
            (Some(""), r"C:\Windows\System32\drivers\etc\hosts"),
            (Some(r"D:\WINNT"), r"D:\WINNT\System32\drivers\etc\hosts"),
            (Some(r"D:\WINNT\"), r"D:\WINNT\System32\drivers\etc\hosts"),
        ];
        for (root, want) in table {
            assert_eq!(
                windows_path(root.map(OsString::from)),
                PathBuf::from(want),
                "{root:?}"
            );
        }
        #[cfg(not(windows))]
        assert_eq!(system_path(), PathBuf::from("/etc/hosts"));
    }
}
