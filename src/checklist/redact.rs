//! Finding the values of secret-bearing keys in a file a person wrote, so a diagnostic can
//! show the key and never the value.
//!
//! A site file must not hold a password, and saying so must not print it: the error goes to
//! stderr, a terminal's scroll-back, CI logs and bug reports. The scan is a small TOML-shaped
//! tokenizer that tolerates broken input (an unterminated string is exactly what a person
//! types by mistake), so it works on text the TOML parser has just refused.

use std::ops::Range;

/// A secret-bearing `key = value` pair: where the key is and where its value is (the value may
/// span lines, as a multi-line string or array does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub key: Range<usize>,
    pub value: Range<usize>,
}

/// What replaces a secret value in a shown line or message.
pub const HIDDEN: &str = "<hidden>";

/// Words that make a key secret wherever they appear in it.
const SECRET_WORDS: [&str; 9] = [
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "private_key",
    "privatekey",
    "apikey",
];

/// Whether a key names something secret (its last dotted part, quotes, case and `-`/`_`
/// ignored): `password`, `sql.password`, `"Client-Secret"`, `api_token`, `pwd`.
#[must_use]
pub fn is_secret_key(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key).trim();
    let last = last.trim_matches(|c| c == '"' || c == '\'');
    let k = last.to_ascii_lowercase().replace('-', "_");
    SECRET_WORDS.iter().any(|w| k.contains(w))
        || k.contains("api_key")
        || k == "pwd"
        || k.ends_with("_pwd")
        || k == "pass"
}

/// One inline table being read: the key that opened it and whether the value it belongs to is
/// secret (everything inside a secret table is secret).
struct Frame {
    value: Option<Open>,
    in_table: bool,
}

#[derive(Clone)]
struct Open {
    key: Range<usize>,
    start: usize,
    secret: bool,
    /// Array nesting inside this value: a newline ends the value only at depth 0.
    depth: usize,
}

/// Every secret-bearing pair of `text`, in file order.
#[must_use]
#[expect(
    clippy::too_many_lines,
    reason = "one tokenizer loop; its states read best together"
)]
pub fn secrets(text: &str) -> Vec<Secret> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut frame = Frame {
        value: None,
        in_table: false,
    };
    let mut key_start = 0;
    let mut line_start = true;
    let mut i = 0;
    let close = |found: &mut Vec<Secret>, open: &Open, end: usize| {
        if open.secret {
            let value = trim(text, open.start..end);
            found.push(Secret {
                key: open.key.clone(),
                value,
            });
        }
    };
    while i < b.len() {
        let c = b[i];
        if line_start && frame.value.is_none() && !frame.in_table {
            if c == b' ' || c == b'\t' {
                i += 1;
                continue;
            }
            line_start = false;
            if c == b'[' {
                // A table header: no value on this line.
                i = line_end(b, i);
                continue;
            }
        }
        match c {
            b'"' | b'\'' => {
                i = string_end(b, i);
                continue;
            }
            b'#' => {
                if let Some(open) = frame.value.take_if(|v| v.depth == 0 && !frame.in_table) {
                    close(&mut found, &open, i);
                }
                i = line_end(b, i);
                continue;
            }
            b'=' if frame.value.is_none() => {
                let key = trim(text, key_start..i);
                let parent_secret = stack
                    .last()
                    .and_then(|f| f.value.as_ref())
                    .is_some_and(|v| v.secret);
                let secret = parent_secret || is_secret_key(&text[key.clone()]);
                frame.value = Some(Open {
                    key,
                    start: i + 1,
                    secret,
                    depth: 0,
                });
            }
            b'{' if frame.value.is_some() => {
                stack.push(std::mem::replace(
                    &mut frame,
                    Frame {
                        value: None,
                        in_table: true,
                    },
                ));
                key_start = i + 1;
            }
            b'}' if frame.in_table => {
                if let Some(open) = frame.value.take() {
                    close(&mut found, &open, i);
                }
                if let Some(outer) = stack.pop() {
                    frame = outer;
                }
            }
            b'[' => {
                if let Some(open) = frame.value.as_mut() {
                    open.depth += 1;
                }
            }
            b']' => {
                if let Some(open) = frame.value.as_mut() {
                    open.depth = open.depth.saturating_sub(1);
                }
            }
            b',' if frame.in_table && frame.value.as_ref().is_none_or(|v| v.depth == 0) => {
                if let Some(open) = frame.value.take() {
                    close(&mut found, &open, i);
                }
                key_start = i + 1;
            }
            b'\n' => {
                let ends = frame.value.as_ref().is_none_or(|v| v.depth == 0);
                if ends {
                    // A broken inline table ends with its line, like a value does.
                    while frame.in_table {
                        if let Some(open) = frame.value.take() {
                            close(&mut found, &open, i);
                        }
                        match stack.pop() {
                            Some(outer) => frame = outer,
                            None => break,
                        }
                    }
                    if let Some(open) = frame.value.take() {
                        close(&mut found, &open, i);
                    }
                    key_start = i + 1;
                    line_start = true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    while let Some(open) = frame.value.take() {
        close(&mut found, &open, b.len());
        match stack.pop() {
            Some(outer) => frame = outer,
            None => break,
        }
    }
    found.sort_by_key(|s| s.value.start);
    found
}

/// `range` without the white space at either end.
fn trim(text: &str, range: Range<usize>) -> Range<usize> {
    let s = &text[range.clone()];
    let start = range.start + (s.len() - s.trim_start().len());
    let end = range.end - (s.len() - s.trim_end().len());
    start..end.max(start)
}

/// The byte of the newline ending the line at `i` (or the end of the text).
fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |n| i + n)
}

/// The byte after the string starting at `i` (a quote): basic and literal strings end at their
/// quote or, unterminated, at the end of the line; multi-line ones at their closing triple.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes.len() >= start + 3 && bytes[start + 1] == quote && bytes[start + 2] == quote;
    let mut at = if triple { start + 3 } else { start + 1 };
    while at < bytes.len() {
        let c = bytes[at];
        if quote == b'"' && c == b'\\' {
            at += 2;
            continue;
        }
        if triple {
            if c == quote
                && bytes.len() >= at + 3
                && bytes[at + 1] == quote
                && bytes[at + 2] == quote
            {
                let mut end = at + 3;
                // Up to two more quotes belong to the content (`""""` ends with one inside).
                while end < bytes.len() && bytes[end] == quote && end < at + 5 {
                    end += 1;
                }
                return end;
            }
        } else if c == quote {
            return at + 1;
        } else if c == b'\n' {
            return at;
        }
        at += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<&str> {
        secrets(text).into_iter().map(|s| &text[s.value]).collect()
    }

    fn keys(text: &str) -> Vec<&str> {
        secrets(text).into_iter().map(|s| &text[s.key]).collect()
    }

    #[test]
    fn table_of_secret_pairs() {
        let cases: &[(&str, &[&str])] = &[
            ("password = \"hunter2\"\n", &["\"hunter2\""]),
            ("user = \"sdc\"\n", &[]),
            ("password = \"hunter2", &["\"hunter2"]),
            ("password = hunter2 # note\nx = 1\n", &["hunter2"]),
            ("  PWD='a b'\n", &["'a b'"]),
            ("sql.password = \"p\"\n", &["\"p\""]),
            ("\"Client-Secret\" = \"p\"\n", &["\"p\""]),
            (
                "user = { name = \"sdc\", password = \"p,}\" }\n",
                &["\"p,}\""],
            ),
            ("login = { token = \"t\" , x = 1 }\n", &["\"t\""]),
            (
                "password = \"\"\"\nline1\nline2\n\"\"\"\nx = 1\n",
                &["\"\"\"\nline1\nline2\n\"\"\""],
            ),
            (
                "password = [\n \"a\",\n \"b\"\n]\n",
                &["[\n \"a\",\n \"b\"\n]"],
            ),
            (
                "credentials = { user = \"u\", pass = \"p\" }\n",
                &["{ user = \"u\", pass = \"p\" }", "\"u\"", "\"p\""],
            ),
            ("[password]\nx = 1\n", &[]),
            ("# password = \"p\"\n", &[]),
            ("note = \"password = p\"\n", &[]),
            ("user = { password = \"p\"\nnext = 1\n", &["\"p\""]),
            ("api_key = 'k'\r\n", &["'k'"]),
            ("token = \"a\\\"b\"\n", &["\"a\\\"b\""]),
        ];
        for (text, want) in cases {
            let mut got = values(text);
            got.sort_unstable();
            let mut want = want.to_vec();
            want.sort_unstable();
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn the_key_is_the_name_before_the_equals() {
        assert_eq!(keys("  password  = \"p\"\n"), ["password"]);
        assert_eq!(keys("u = { a = 1, password = \"p\" }"), ["password"]);
    }

    #[test]
    fn secret_key_names() {
        for k in [
            "password",
            "Password",
            "db_password",
            "sql.passwd",
            "pwd",
            "sa_pwd",
            "pass",
            "\"client-secret\"",
            "api_key",
            "apikey",
            "auth_token",
            "passphrase",
            "private_key",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "user",
            "server",
            "database",
            "passive",
            "trust_server_certificate",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }
}
