//! Files a person wrote, read as text: UTF-8 (with or without a byte-order mark) or UTF-16
//! with a byte-order mark, as Excel writes "Unicode text" and some CSV exports.
//!
//! A file that is none of these is refused with the line and column of the first bad byte and
//! what was expected there, so the author can find it (a Windows-1252 `é` in an otherwise
//! UTF-8 file, a UTF-16 file saved without its mark) instead of guessing from
//! "stream did not contain valid UTF-8".

use std::path::Path;

use super::diag::{Diagnostic, Diagnostics};

/// The largest file read: 8 MiB. A checklist, site file or port workbook a person writes is
/// a few kilobytes; past this the file is refused before it is read, so a file that is not
/// one (a log, a database, a disk image named by mistake) cannot hold the program for long.
/// Validation is linear in the file's size; the largest file accepted validates in seconds.
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;

/// Why a file could not be read as text.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// Not text in any encoding read here; one positioned problem.
    Encoding(Diagnostics),
}

/// Reads `path` and decodes it (see [`decode`]).
///
/// # Errors
/// When the file cannot be read, or is not text (positioned).
pub fn read(path: &Path) -> Result<String, ReadError> {
    let size = std::fs::metadata(path).map_err(ReadError::Io)?.len();
    if size > MAX_BYTES {
        return Err(ReadError::Encoding(Diagnostics(vec![Diagnostic {
            file: path.to_owned(),
            line: 1,
            column: 1,
            message: format!(
                "the file is {size} bytes; preflight reads checklist, site and port workbook \
                 files of at most {MAX_BYTES} bytes (8 MiB), far more than any real one holds: \
                 is this the file you meant?"
            ),
            source_line: String::new(),
            width: 1,
        }])));
    }
    let bytes = std::fs::read(path).map_err(ReadError::Io)?;
    decode(&bytes, path).map_err(ReadError::Encoding)
}

/// Decodes a file's bytes: a UTF-16 LE or BE byte-order mark selects UTF-16, a UTF-8 mark is
/// dropped, anything else must be UTF-8. A NUL byte is refused too: no text file a person
/// writes holds one, and a UTF-16 file without its mark is full of them.
///
/// # Errors
/// The first bad byte, with its line, column and what was expected.
pub fn decode(bytes: &[u8], path: &Path) -> Result<String, Diagnostics> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, path, u16::from_le_bytes, "UTF-16 LE");
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, path, u16::from_be_bytes, "UTF-16 BE");
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(e) => {
            let good = e.valid_up_to();
            // The prefix up to `good` is valid by the error's own word.
            let before = std::str::from_utf8(&body[..good]).unwrap_or_default();
            let lossy = String::from_utf8_lossy(body);
            let message = utf8_problem(&body[good..], e.error_len());
            return Err(problem(path, before, &lossy, &message));
        }
    };
    no_nul(text, path, "UTF-8")?;
    Ok(text.to_owned())
}

/// What was wrong at the first bad byte of a UTF-8 file (`rest` starts with it).
fn utf8_problem(rest: &[u8], error_len: Option<usize>) -> String {
    let b = rest[0];
    let what = match (b, error_len) {
        (_, None) => format!(
            "the file ends inside a character: byte 0x{b:02X} starts a {}-byte UTF-8 sequence \
             that the file cuts short",
            sequence_len(b)
        ),
        (0x80..=0xBF, _) => format!(
            "byte 0x{b:02X} is not UTF-8 here: it may only follow a lead byte (0xC2-0xF4) \
             as part of one character"
        ),
        (0xC2..=0xF4, Some(_)) => {
            let next = rest
                .get(1)
                .map_or_else(|| "nothing".to_owned(), |n| format!("0x{n:02X}"));
            format!(
                "byte 0x{b:02X} starts a {}-byte UTF-8 sequence, so a continuation byte \
                 (0x80-0xBF) was expected after it, not {next}",
                sequence_len(b)
            )
        }
        _ => format!("byte 0x{b:02X} never occurs in UTF-8"),
    };
    format!(
        "not UTF-8 text: {what}; the file was probably saved in another encoding (Windows-1252 \
         writes `é` as 0xE9): save it as UTF-8, or as UTF-16 with a byte-order mark"
    )
}

fn sequence_len(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// Decodes UTF-16 code units made from byte pairs by `unit`.
fn utf16(
    bytes: &[u8],
    path: &Path,
    unit: fn([u8; 2]) -> u16,
    name: &str,
) -> Result<String, Diagnostics> {
    let units = bytes.chunks_exact(2).map(|p| unit([p[0], p[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => text.push(c),
            Err(e) => {
                let lossy: String =
                    char::decode_utf16(bytes.chunks_exact(2).map(|p| unit([p[0], p[1]])))
                        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                        .collect();
                let message = format!(
                    "not {name} text: the code unit 0x{:04X} is half of a surrogate pair \
                     whose other half is missing; save the file again as UTF-8 or UTF-16",
                    e.unpaired_surrogate()
                );
                return Err(problem(path, &text, &lossy, &message));
            }
        }
    }
    if bytes.len() % 2 == 1 {
        let message = format!(
            "not {name} text: the file ends with half a character (an odd number of bytes \
             after the byte-order mark); it was cut short or is not UTF-16"
        );
        return Err(problem(path, &text, &text, &message));
    }
    no_nul(&text, path, name)?;
    Ok(text)
}

fn no_nul(text: &str, path: &Path, name: &str) -> Result<(), Diagnostics> {
    match text.find('\0') {
        None => Ok(()),
        Some(at) => Err(problem(
            path,
            &text[..at],
            text,
            &format!(
                "a NUL byte, which no text file holds (read as {name}); a UTF-16 file saved \
                 without its byte-order mark looks like this: save it as UTF-8, or as UTF-16 \
                 with a byte-order mark"
            ),
        )),
    }
}

/// The diagnostic for a problem just after `before` (the text decoded so far); `whole` is
/// the file as best read, for showing the line.
fn problem(path: &Path, before: &str, whole: &str, message: &str) -> Diagnostics {
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    let source_line = whole
        .lines()
        .nth(line - 1)
        .unwrap_or_default()
        .trim_end_matches('\r')
        .replace('\0', "\u{2400}");
    Diagnostics(vec![Diagnostic {
        file: path.to_owned(),
        line,
        column,
        message: message.to_owned(),
        source_line,
        width: 1,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(bytes: &[u8]) -> (usize, usize, String) {
        let d = decode(bytes, Path::new("f")).expect_err("bad bytes");
        let d = &d.0[0];
        (d.line, d.column, d.message.clone())
    }

    #[test]
    fn bad_utf8_is_placed_at_its_line_and_column() {
        let (line, col, msg) = at(b"a = 1\nname = \"caf\xE9\"\n");
        assert_eq!((line, col), (2, 12));
        assert!(msg.contains("0xE9"), "{msg}");
        assert!(msg.contains("continuation byte"), "{msg}");
        let (line, col, msg) = at(b"x\n\xC3\xA9\xC3\xA9\x80\n");
        assert_eq!((line, col), (2, 3));
        assert!(msg.contains("0x80") && msg.contains("lead byte"), "{msg}");
        let (line, col, msg) = at(b"ab\xFF");
        assert_eq!((line, col), (1, 3));
        assert!(msg.contains("never occurs"), "{msg}");
        let (line, col, msg) = at(b"ab\ncd\xE2\x82");
        assert_eq!((line, col), (2, 3));
        assert!(msg.contains("cuts short"), "{msg}");
    }

    #[test]
    fn boms_select_the_encoding() {
        let text = "Port,Protocol\r\n443,TCP é\r\n";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in text.encode_utf16() {
            le.extend(u.to_le_bytes());
            be.extend(u.to_be_bytes());
        }
        assert_eq!(decode(&le, Path::new("f")).expect("le"), text);
        assert_eq!(decode(&be, Path::new("f")).expect("be"), text);
        let mut u8bom = vec![0xEF, 0xBB, 0xBF];
        u8bom.extend(text.as_bytes());
        assert_eq!(decode(&u8bom, Path::new("f")).expect("utf-8 bom"), text);
    }

    #[test]
    fn bad_utf16_and_nul_bytes_are_placed() {
        let mut le = vec![0xFF, 0xFE];
        for u in "ab\ncd".encode_utf16() {
            le.extend(u.to_le_bytes());
        }
        le.extend(0xD800u16.to_le_bytes());
        le.extend(u16::from(b'x').to_le_bytes());
        let (line, col, msg) = at(&le);
        assert_eq!((line, col), (2, 3));
        assert!(msg.contains("0xD800"), "{msg}");
        le.truncate(le.len() - 4);
        le.push(b'z');
        let (line, col, msg) = at(&le);
        assert_eq!((line, col), (2, 3));
        assert!(msg.contains("half a character"), "{msg}");
        // UTF-16 LE without its mark: the NUL after the first letter.
        let (line, col, msg) = at(b"P\0o\0r\0t\0");
        assert_eq!((line, col), (1, 2));
        assert!(msg.contains("NUL"), "{msg}");
    }
}
