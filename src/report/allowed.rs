//! OpenSSH's `allowed_signers` file (ssh-keygen(1), ALLOWED SIGNERS) read as `sshsig.c`
//! reads it, so a line means to `preflight report verify` what it means to
//! `ssh-keygen -Y verify`.
//!
//! Each line is `PRINCIPALS [OPTIONS] KEYTYPE BASE64 [COMMENT]`. Principals and namespaces are
//! OpenSSH pattern lists (`*`, `?`, and `!` to exclude: one matching `!` pattern rejects
//! whatever else matches). Options are `cert-authority`, `namespaces="…"`,
//! `valid-after="…"` and `valid-before="…"` (`YYYYMMDD[HHMM[SS]]`, `Z` or `UTC` at the end
//! for UTC). A line ssh-keygen cannot read is skipped, as ssh-keygen skips it; preflight
//! says which and why.

use ssh_key::PublicKey;

/// One line that parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedSigner {
    /// 1-based line number in the file.
    pub line: usize,
    /// The principals field as written: a pattern list.
    pub principals: String,
    /// `cert-authority`: the key vouches for certificates, never signs itself.
    pub cert_authority: bool,
    /// The `namespaces="…"` pattern list, if the line limits them.
    pub namespaces: Option<String>,
    /// Seconds since the epoch from `valid-after` and `valid-before`.
    pub valid_after: Option<u64>,
    pub valid_before: Option<u64>,
    pub key: PublicKey,
}

impl AllowedSigner {
    /// The principals a person can read: the pattern list without its `!` exclusions.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        self.principals
            .split(',')
            .filter(|p| !p.starts_with('!') && !p.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// A line ssh-keygen would skip, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub line: usize,
    pub reason: String,
}

/// The lines of an `allowed_signers` text: those that parse, and those skipped.
#[must_use]
pub fn parse(text: &[u8]) -> (Vec<AllowedSigner>, Vec<Skipped>) {
    let mut signers = Vec::new();
    let mut skipped = Vec::new();
    for (n, line) in text.split_inclusive(|&c| c == b'\n').enumerate() {
        match parse_line(line) {
            Ok(None) => {}
            Ok(Some(mut s)) => {
                s.line = n + 1;
                signers.push(s);
            }
            Err(reason) => skipped.push(Skipped {
                line: n + 1,
                reason: reason.to_owned(),
            }),
        }
    }
    (signers, skipped)
}

const WHITESPACE: &[u8] = b" \t\r\n";

fn skip(s: &[u8], set: &[u8]) -> usize {
    s.iter().take_while(|c| set.contains(c)).count()
}

/// `strdelimw`: the first field (a `"` starts a quoted stretch that may hold spaces, the
/// quotes dropped) and the rest after the white space that follows; `None` for the rest when
/// the field ends the line.
fn first_field(s: &[u8]) -> Result<(Vec<u8>, Option<&[u8]>), &'static str> {
    let Some(at) = s.iter().position(|c| WHITESPACE.contains(c) || *c == b'"') else {
        return Ok((s.to_vec(), None));
    };
    if s[at] == b'"' {
        let after = &s[at + 1..];
        let close = after
            .iter()
            .position(|&c| c == b'"')
            .ok_or("a quote is not closed")?;
        let mut field = s[..at].to_vec();
        field.extend_from_slice(&after[..close]);
        let rest = &after[close + 1..];
        return Ok((field, Some(&rest[skip(rest, WHITESPACE)..])));
    }
    let rest = &s[at + 1..];
    Ok((s[..at].to_vec(), Some(&rest[skip(rest, WHITESPACE)..])))
}

fn parse_line(line: &[u8]) -> Result<Option<AllowedSigner>, &'static str> {
    let line = line.split(|&c| c == 0).next().unwrap_or_default();
    let cp = &line[skip(line, WHITESPACE)..];
    if cp.is_empty() || cp[0] == b'#' {
        return Ok(None);
    }
    let (principals, rest) = first_field(cp)?;
    let rest = rest.ok_or("nothing after the principals")?;
    let (opts, key) = if let Ok(key) = read_key(rest) {
        (&[][..], key)
    } else {
        let end = past_options(rest).ok_or("an option's quote is not closed")?;
        if end >= rest.len() {
            return Err("no key after the options");
        }
        let after = &rest[end + 1..];
        let after = &after[skip(after, b" \t")..];
        let key = read_key(after).map_err(|()| "not a public key")?;
        (&rest[..end], key)
    };
    let mut signer = options(opts)?;
    signer.principals = String::from_utf8_lossy(&principals).into_owned();
    signer.key = key;
    Ok(Some(signer))
}

/// `sshkey_advance_past_options`: the end of the options field (the first space or tab
/// outside quotes); `None` for an unclosed quote.
fn past_options(s: &[u8]) -> Option<usize> {
    let mut quoted = false;
    let mut i = 0;
    while i < s.len() && (quoted || (s[i] != b' ' && s[i] != b'\t')) {
        if s[i] == b'\\' && s.get(i + 1) == Some(&b'"') {
            i += 1;
        } else if s[i] == b'"' {
            quoted = !quoted;
        }
        i += 1;
    }
    (!(i >= s.len() && quoted)).then_some(i)
}

/// Key type names `sshkey_read` knows (ssh-keygen 9 takes no short names such as `ED25519`
/// here).
const KEY_TYPES: [&str; 8] = [
    "ssh-ed25519",
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// `sshkey_read`: `KEYTYPE BASE64`, the blob's type the named one.
fn read_key(s: &[u8]) -> Result<PublicKey, ()> {
    let space = s.iter().position(|c| *c == b' ' || *c == b'\t').ok_or(())?;
    let name = std::str::from_utf8(&s[..space]).map_err(|_| ())?;
    if !KEY_TYPES.contains(&name) {
        return Err(());
    }
    let rest = &s[space..];
    let rest = &rest[skip(rest, b" \t")..];
    if rest.is_empty() {
        return Err(());
    }
    let end = rest
        .iter()
        .position(|c| *c == b' ' || *c == b'\t')
        .unwrap_or(rest.len());
    let text: String = rest[..end]
        .iter()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|&c| char::from(c))
        .collect();
    let blob = {
        use base64ct::Encoding as _;
        base64ct::Base64::decode_vec(&text).map_err(|_| ())?
    };
    let key = PublicKey::from_bytes(&blob).map_err(|_| ())?;
    if key.algorithm().as_str() != name {
        return Err(());
    }
    Ok(key)
}

/// `sshsigopt_parse`.
fn options(opts: &[u8]) -> Result<AllowedSigner, &'static str> {
    let mut out = AllowedSigner {
        line: 0,
        principals: String::new(),
        cert_authority: false,
        namespaces: None,
        valid_after: None,
        valid_before: None,
        key: placeholder(),
    };
    let mut o = opts;
    while !o.is_empty() && o[0] != b' ' && o[0] != b'\t' {
        if starts_with_ignore_case(o, b"cert-authority") {
            out.cert_authority = true;
            o = &o[b"cert-authority".len()..];
        } else if let Some(rest) = opt_match(o, b"namespaces") {
            if out.namespaces.is_some() {
                return Err("more than one namespaces option");
            }
            let (value, rest) = dequote(rest)?;
            out.namespaces = Some(String::from_utf8_lossy(&value).into_owned());
            o = rest;
        } else if let Some(rest) = opt_match(o, b"valid-after") {
            if out.valid_after.is_some() {
                return Err("more than one valid-after option");
            }
            let (value, rest) = dequote(rest)?;
            out.valid_after =
                Some(absolute_time(&value).ok_or("valid-after is not a time ssh-keygen reads")?);
            o = rest;
        } else if let Some(rest) = opt_match(o, b"valid-before") {
            if out.valid_before.is_some() {
                return Err("more than one valid-before option");
            }
            let (value, rest) = dequote(rest)?;
            out.valid_before =
                Some(absolute_time(&value).ok_or("valid-before is not a time ssh-keygen reads")?);
            o = rest;
        }
        if o.is_empty() || o[0] == b' ' || o[0] == b'\t' {
            break;
        }
        if o[0] != b',' {
            return Err("an option ssh-keygen does not know");
        }
        o = &o[1..];
        if o.is_empty() {
            return Err("the options end with a comma");
        }
    }
    if let (Some(after), Some(before)) = (out.valid_after, out.valid_before)
        && before <= after
    {
        return Err("valid-before is not after valid-after");
    }
    Ok(out)
}

/// A stand-in key until the line's own is set (never compared).
fn placeholder() -> PublicKey {
    PublicKey::new(
        ssh_key::public::KeyData::Ed25519(ssh_key::public::Ed25519PublicKey([0; 32])),
        "",
    )
}

fn starts_with_ignore_case(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}

/// `opt_match`: `NAME=` in any case; what follows the `=`.
fn opt_match<'a>(s: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    (starts_with_ignore_case(s, name) && s.get(name.len()) == Some(&b'='))
        .then(|| &s[name.len() + 1..])
}

/// `opt_dequote`: a `"`-quoted value (`\"` inside stands for a quote) and what follows it.
fn dequote(s: &[u8]) -> Result<(Vec<u8>, &[u8]), &'static str> {
    if s.first() != Some(&b'"') {
        return Err("an option's value is not in quotes");
    }
    let mut value = Vec::new();
    let mut i = 1;
    while i < s.len() && s[i] != b'"' {
        if s[i] == b'\\' && s.get(i + 1) == Some(&b'"') {
            i += 1;
        }
        value.push(s[i]);
        i += 1;
    }
    if i >= s.len() {
        return Err("an option's quote is not closed");
    }
    Ok((value, &s[i + 1..]))
}

/// `parse_absolute_time`: `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, optionally ending
/// in `Z` or `UTC`; seconds since the epoch, `None` when unreadable or not after 1970.
///
/// ssh-keygen reads a time without `Z` in the local time zone; preflight reads it as UTC
/// (the two agree on a machine kept in UTC). Out-of-range days and seconds roll over as C's
/// `timegm` rolls them (February 30 is March 1 or 2).
#[must_use]
pub fn absolute_time(s: &[u8]) -> Option<u64> {
    let mut digits = s;
    for suffix in [&b"Z"[..], b"UTC"] {
        if digits.len() > suffix.len()
            && digits[digits.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        {
            digits = &digits[..digits.len() - suffix.len()];
            break;
        }
    }
    if !matches!(digits.len(), 8 | 12 | 14) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |a: usize, b: usize| -> i64 {
        digits[a..b]
            .iter()
            .fold(0, |n, d| n * 10 + i64::from(d - b'0'))
    };
    let (year, month, day) = (num(0, 4), num(4, 6), num(6, 8));
    let (hour, minute, second) = match digits.len() {
        8 => (0, 0, 0),
        12 => (num(8, 10), num(10, 12), 0),
        _ => (num(8, 10), num(10, 12), num(12, 14)),
    };
    // strptime's ranges.
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 61
    {
        return None;
    }
    let days = days_from_civil(year, month, 1) + day - 1;
    let t = days * 86_400 + hour * 3600 + minute * 60 + second;
    u64::try_from(t).ok().filter(|&t| t > 0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// OpenSSH's `match_pattern`: `*` any run, `?` any one byte, bytes compared exactly.
#[must_use]
pub fn match_pattern(s: &[u8], pattern: &[u8]) -> bool {
    match pattern.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|k| match_pattern(&s[k..], rest)),
        Some((&p, rest)) => match s.split_first() {
            Some((&c, s_rest)) if p == b'?' || p == c => match_pattern(s_rest, rest),
            _ => false,
        },
    }
}

/// OpenSSH's `match_pattern_list` (case kept): 1 when a pattern matches, -1 when a `!`
/// pattern matches (whatever else does), 0 when none does. A pattern of 1023 bytes or more
/// matches nothing.
#[must_use]
pub fn match_list(s: &str, list: &str) -> i8 {
    let mut positive = 0;
    let list = list.as_bytes();
    let mut i = 0;
    while i < list.len() {
        let negated = list[i] == b'!';
        if negated {
            i += 1;
        }
        let start = i;
        while i < list.len() && list[i] != b',' && i - start < 1023 {
            i += 1;
        }
        if i - start >= 1023 {
            return 0;
        }
        let sub = &list[start..i];
        if i < list.len() && list[i] == b',' {
            i += 1;
        }
        if match_pattern(s.as_bytes(), sub) {
            if negated {
                return -1;
            }
            positive = 1;
        }
    }
    positive
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_lists_as_openssh_matches_them() {
        let cases = [
            ("ann", "ann", 1),
            ("ann", "bob,ann", 1),
            ("ann", "a*", 1),
            ("ann", "a?n", 1),
            ("ann", "A*", 0),
            ("ann", "!ann,*", -1),
            ("ann", "*,!ann", -1),
            ("bob", "*,!ann", 1),
            ("ann", "!bob", 0),
            ("ann", "", 0),
            ("preflight-report", "git,file", 0),
            ("preflight-report", "*,!preflight-*", -1),
            ("a,b", "a,b", 0),
        ];
        for (s, list, want) in cases {
            assert_eq!(match_list(s, list), want, "{s} against {list}");
        }
    }

    #[test]
    fn absolute_times_as_ssh_keygen_reads_them_in_utc() {
        assert_eq!(absolute_time(b"20260101Z"), Some(1_767_225_600));
        assert_eq!(absolute_time(b"20260101"), Some(1_767_225_600));
        assert_eq!(absolute_time(b"202601010000UTC"), Some(1_767_225_600));
        assert_eq!(absolute_time(b"20260101000001z"), Some(1_767_225_601));
        assert_eq!(absolute_time(b"20260230Z"), absolute_time(b"20260302Z"));
        for bad in [
            &b"2026010"[..],
            b"2026-01-01",
            b"20261301",
            b"20260100",
            b"19700101Z",
            b"Z",
            b"",
        ] {
            assert_eq!(absolute_time(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn lines_and_options() {
        let key =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHCQWrlpcvAHHGjCIVjYRr1gRR8EQbSG1Q6tNHvqI8o6";
        let ok = |line: String| {
            let (s, skipped) = parse(line.as_bytes());
            assert!(skipped.is_empty(), "{line}: {skipped:?}");
            s.into_iter().next().unwrap_or_else(|| panic!("{line}"))
        };
        let s = ok(format!("ann,!bob {key} comment"));
        assert_eq!(s.principals, "ann,!bob");
        assert_eq!(s.names(), ["ann"]);
        let s = ok(format!(
            "\"ann smith\" Cert-Authority,namespaces=\"a,\\\"b\",valid-after=\"20260101Z\" {key}"
        ));
        assert_eq!(s.principals, "ann smith");
        assert!(s.cert_authority);
        assert_eq!(s.namespaces.as_deref(), Some("a,\"b"));
        assert_eq!(s.valid_after, Some(1_767_225_600));

        for bad in [
            "ann".to_owned(),
            "ann ".to_owned(),
            "ann namespaces=\"x\"  ".to_owned(),
            format!("ann foo {key}"),
            format!("ann namespaces=x {key}"),
            format!("ann namespaces=\"x\", {key}"),
            format!("ann namespaces=\"x\",namespaces=\"y\" {key}"),
            format!("ann valid-after=\"2026\" {key}"),
            format!("ann valid-after=\"20260102\",valid-before=\"20260101\" {key}"),
            format!("ann ssh-rsa {}", &key[12..]),
            format!("ann ED25519 {}", &key[12..]),
            format!("\"ann {key}"),
            "ann ssh-ed25519 notbase64!".to_owned(),
        ] {
            let (s, skipped) = parse(bad.as_bytes());
            assert!(s.is_empty() && skipped.len() == 1, "{bad}: {s:?}");
        }
        let (s, skipped) = parse(format!("# c\n\n   \n\t# x\n{key}\nann {key}\n").as_bytes());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].line, 6);
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].line, 5);
    }
}
