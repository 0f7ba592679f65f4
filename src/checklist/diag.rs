//! Positioned diagnostics for files a person wrote (checklists today, site files later).
//!
//! Every problem carries the file, the 1-based line and column and what was expected, and
//! renders like a compiler message with the offending line underneath, so the author can fix
//! a checklist without guessing.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

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
    pub fn at(file: &Path, text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let start = floor_char_boundary(text, span.start);
        let (line, column, line_start) = line_col(text, start);
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |n| line_start + n);
        let source_line = text[line_start..line_end].trim_end_matches('\r').to_owned();
        let end = floor_char_boundary(text, span.end.clamp(start, line_end));
        let width = text[start..end].chars().count().max(1);
        Self {
            file: file.to_owned(),
            line,
            column,
            message: message.into(),
            source_line,
            width,
        }
    }
}

/// The nearest character boundary at or before `offset`, so a span from anywhere is safe.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// 1-based line and column (in characters) of byte `offset` (a character boundary), and the
/// byte where its line starts.
fn line_col(text: &str, offset: usize) -> (usize, usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let line = before.matches('\n').count() + 1;
    let column = text[line_start..offset].chars().count() + 1;
    (line, column, line_start)
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
}

impl<'a> Collector<'a> {
    pub fn new(path: &'a Path, text: &'a str) -> Self {
        Self {
            path,
            text,
            problems: Vec::new(),
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
        self.problems
            .push(Diagnostic::at(self.path, self.text, span, message));
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
    fn crlf_lines_do_not_show_the_carriage_return() {
        let text = "a = 1\r\nb = 2\r\n";
        let d = Diagnostic::at(Path::new("f.toml"), text, 7..8, "x");
        assert_eq!((d.line, d.column, d.source_line.as_str()), (2, 1, "b = 2"));
    }
}
