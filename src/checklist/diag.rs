//! Positioned diagnostics for files a person wrote (checklists today, site files later).
//!
//! Every problem carries the file, the 1-based line and column and what was expected, and
//! renders like a compiler message with the offending line underneath, so the author can fix
//! a checklist without guessing. A line that holds a secret (a password typed into a site
//! file) is shown with its key and the value replaced, and the message never repeats the value.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::redact::{self, HIDDEN, Secret};

/// One problem found in a file, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The source line the problem is on, kept so the message can show it.
    pub source_line: String,
    /// How many characters of `source_line` to underline (at least one).
    pub width: usize,
}

impl Diagnostic {
    /// Builds a diagnostic for the byte range `span` of `text`.
    ///
    /// When the span falls inside the value of a secret-bearing key the diagnostic points at
    /// the key instead; secret values on the shown line and in the message are replaced.
    pub fn at(file: &Path, text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        Self::at_in(file, text, &Index::new(text), span, message.into())
    }

    /// [`Diagnostic::at`] with the text's secrets and line starts found once, so a file with
    /// many problems costs time in proportion to its size, not size times problems.
    fn at_in(file: &Path, text: &str, index: &Index, span: Range<usize>, message: String) -> Self {
        let secrets = &index.secrets;
        let mut span = span;
        let start = floor_char_boundary(text, span.start);
        if let Some(s) = secrets
            .iter()
            .find(|s| s.value.start <= start && start < s.value.end.max(s.value.start + 1))
        {
            span = s.key.clone();
        }
        let start = floor_char_boundary(text, span.start);
        let line = index.line(start);
        let line_start = index.starts[line - 1];
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |n| line_start + n);
        let end = floor_char_boundary(text, span.end.clamp(start, line_end));
        let shown = |to: usize| redacted(text, line_start..to, secrets);
        let source_line = shown(line_end).trim_end_matches('\r').to_owned();
        let column = shown(start).chars().count() + 1;
        let width = (shown(end).chars().count() + 1)
            .saturating_sub(column)
            .max(1);
        Self {
            file: file.to_owned(),
            line,
            column,
            message: scrub(message, text, secrets),
            source_line,
            width,
        }
    }
}

/// What positions need of a text, found once: its secret values and where each line starts.
pub struct Index {
    secrets: Vec<Secret>,
    starts: Vec<usize>,
}

impl Index {
    #[must_use]
    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            secrets: redact::secrets(text),
            starts,
        }
    }

    /// The 1-based line of byte `offset`.
    #[must_use]
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }
}

/// The text of `range` with every secret value in it replaced by [`HIDDEN`].
fn redacted(text: &str, range: Range<usize>, secrets: &[Secret]) -> String {
    let mut out = String::new();
    let mut at = range.start;
    for s in secrets {
        let (a, b) = (s.value.start.max(range.start), s.value.end.min(range.end));
        if a >= b || a < at {
            continue;
        }
        out.push_str(&text[at..a]);
        out.push_str(HIDDEN);
        at = b;
    }
    if at < range.end {
        out.push_str(&text[at..range.end]);
    }
    out
}

/// `message` without any secret value of the file in it (quoted or bare; a bare value of
/// fewer than four characters is only replaced quoted, so ordinary words survive).
fn scrub(mut message: String, text: &str, secrets: &[Secret]) -> String {
    for s in secrets {
        let value = &text[s.value.clone()];
        let inner = value.trim_matches(|c| c == '"' || c == '\'').trim();
        let mut needles = vec![value.to_owned(), format!("{inner:?}")];
        if inner.chars().count() >= 4 {
            needles.push(inner.to_owned());
        }
        for line in inner.lines().filter(|l| l.trim().chars().count() >= 4) {
            needles.push(line.trim().to_owned());
        }
        for n in needles.iter().filter(|n| !n.is_empty()) {
            if message.contains(n.as_str()) {
                message = message.replace(n.as_str(), HIDDEN);
            }
        }
    }
    message
}

/// The nearest character boundary at or before `offset`, so a span from anywhere is safe.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        let gutter = self.line.to_string().len();
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        write!(
            f,
            "{:gutter$} | {}{}",
            "",
            " ".repeat(self.column - 1),
            "^".repeat(self.width)
        )
    }
}

/// The problems of one file, gathered while it is checked so every one is reported at once.
pub struct Collector<'a> {
    path: &'a Path,
    text: &'a str,
    problems: Vec<Diagnostic>,
    index: Option<Index>,
}

impl<'a> Collector<'a> {
    pub fn new(path: &'a Path, text: &'a str) -> Self {
        Self {
            path,
            text,
            problems: Vec::new(),
            index: None,
        }
    }

    pub fn path(&self) -> &'a Path {
        self.path
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Records a problem at the byte range `span` of the text.
    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let index = self.index.get_or_insert_with(|| Index::new(self.text));
        self.problems.push(Diagnostic::at_in(
            self.path,
            self.text,
            index,
            span,
            message.into(),
        ));
    }

    /// The 1-based line of byte `offset` of the text (found in the index, built once).
    pub fn line(&mut self, offset: usize) -> usize {
        self.index
            .get_or_insert_with(|| Index::new(self.text))
            .line(offset)
    }

    /// How many problems so far (to tell whether a part added any).
    pub fn count(&self) -> usize {
        self.problems.len()
    }

    /// The problems in file order, or `value` when there are none.
    ///
    /// # Errors
    /// When any problem was recorded.
    pub fn finish<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(self.into_diagnostics())
        }
    }

    /// The problems in file order.
    pub fn into_diagnostics(mut self) -> Diagnostics {
        self.problems.sort_by_key(|d| (d.line, d.column));
        Diagnostics(self.problems)
    }
}

/// All the problems of one file, shown one after the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, d) in self.0.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{d}")?;
        }
        write!(
            f,
            "{} problem{} found",
            self.0.len(),
            if self.0.len() == 1 { "" } else { "s" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        let at = text.rfind('=').unwrap_or_default();
        let d = Diagnostic::at(Path::new("f.toml"), text, at..at + 1, "bad");
        assert_eq!((d.line, d.column), (2, 4));
        assert_eq!(d.source_line, "bé = \"x\"");
        assert_eq!(
            d.to_string(),
            "f.toml:2:4: bad\n  |\n2 | bé = \"x\"\n  |    ^"
        );
    }

    #[test]
    fn a_span_past_the_end_points_at_the_last_line() {
        let text = "a = [\n";
        let d = Diagnostic::at(Path::new("f.toml"), text, 99..120, "unexpected end");
        assert_eq!((d.line, d.column), (2, 1));
    }

    #[test]
    fn a_span_inside_a_character_is_moved_to_its_start() {
        let text = "é = 1";
        let d = Diagnostic::at(Path::new("f.toml"), text, 1..2, "x");
        assert_eq!((d.line, d.column, d.width), (1, 1, 1));
    }

    #[test]
    fn a_secret_value_is_never_shown_and_the_caret_is_on_its_key() {
        let text = "user = \"sdc\"\npassword = \"Hunter2-Secret\"\n";
        let key = text.find("password").unwrap_or_default();
        let d = Diagnostic::at(Path::new("s.toml"), text, key..key + 8, "no passwords here");
        assert_eq!(d.source_line, "password = <hidden>");
        assert_eq!((d.line, d.column, d.width), (2, 1, 8));
        // A span inside the value moves to the key; a message quoting the value is scrubbed.
        let inside = text.find("Hunter2").unwrap_or_default();
        let d = Diagnostic::at(
            Path::new("s.toml"),
            text,
            inside..inside + 3,
            "invalid type: string \"Hunter2-Secret\", expected a number",
        );
        assert_eq!((d.line, d.column, d.width), (2, 1, 8));
        let shown = d.to_string();
        assert!(!shown.contains("Hunter2"), "{shown}");
        assert!(shown.contains("password = <hidden>"), "{shown}");
    }

    #[test]
    fn a_caret_after_a_secret_on_the_same_line_stays_under_its_text() {
        let text = "u = { password = \"p4ssw0rd\", bad = }\n";
        let at = text.find('}').unwrap_or_default();
        let d = Diagnostic::at(Path::new("s.toml"), text, at..at + 1, "expected a value");
        assert_eq!(d.source_line, "u = { password = <hidden>, bad = }");
        assert_eq!(&d.source_line[d.column - 1..], "}");
    }

    #[test]
    fn a_multi_line_secret_points_at_its_key_line() {
        let text = "password = \"\"\"\nline-one-secret\nline-two\n\"\"\"\nx = 1\n";
        let at = text.find("line-two").unwrap_or_default();
        let d = Diagnostic::at(Path::new("s.toml"), text, at..at + 1, "line-one-secret bad");
        assert_eq!((d.line, d.column), (1, 1));
        assert_eq!(d.source_line, "password = <hidden>");
        assert!(!d.to_string().contains("line-"), "{d}");
    }

    #[test]
    fn crlf_lines_do_not_show_the_carriage_return() {
        let text = "a = 1\r\nb = 2\r\n";
        let d = Diagnostic::at(Path::new("f.toml"), text, 7..8, "x");
        assert_eq!((d.line, d.column, d.source_line.as_str()), (2, 1, "b = 2"));
    }
}
