//! The Markdown export: the same content as the HTML page ([`super::view`] decides what goes
//! on it), as `CommonMark` with GitHub tables, for a ticket, a wiki or an e-mail. Blockers first
//! with what to do, the port matrix and TLS grids as tables, every answer with its note, the
//! evidence behind each verdict, and a verification section naming the signer, the key's
//! fingerprint and the exact commands that verify the signed JSON beside it.
//!
//! The document does not embed the signed bytes (the HTML page does): it is verified through
//! the report and signature files it names. Every text taken from the report goes through
//! [`escape`] (or [`code`] for ids), so nothing a person typed can become markup, a link, an
//! image or a broken table.

use std::fmt::{self, Write as _};

use super::document::{ItemDoc, ProbeDoc, Report, VantageDoc};
use super::findings::score_text;
use super::html::ExportError;
use super::sign::NAMESPACE;
use super::view::{
    CHECKLIST_CHANGED, NOT_SIGNED, PortRow, SqlView, View, conflicts_line, counts_line,
    evidence_when, given_text, set_aside_text, shell_word, site_conflict_text, source_signer,
    ssh_keygen_verify, tls_suites, words,
};
use crate::probe::tls::facts::TlsFacts;

/// Escapes text for Markdown inline content and table cells: the characters that start
/// emphasis, code, links, images, raw HTML, entities, strikethrough or a table cell are
/// backslash-escaped, a line break becomes `<br>`, and a leading list or heading marker is
/// escaped.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push_str("<br>");
        }
        let line = escape_line_start(line, &mut out);
        for c in line.chars() {
            if matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!'
            ) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// Escapes what would make the start of a line a list item, a thematic break or a setext
/// underline (`- x`, `+ x`, `---`, `===`, `1. x`, `2) x`); returns the rest of the line.
/// `3.5` or `-1` stay as they are.
fn escape_line_start<'t>(line: &'t str, out: &mut String) -> &'t str {
    let trimmed = line.trim_start();
    out.push_str(&line[..line.len() - trimmed.len()]);
    let mut chars = trimmed.chars();
    let first = chars.next();
    let next_is_word = chars.next().is_some_and(char::is_alphanumeric);
    if let Some(c @ ('-' | '+' | '=')) = first
        && !next_is_word
    {
        out.push('\\');
        out.push(c);
        return &trimmed[1..];
    }
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    let rest = &trimmed[digits..];
    let mut after = rest.chars();
    if digits > 0
        && let Some(c @ ('.' | ')')) = after.next()
        && after.next().is_none_or(char::is_whitespace)
    {
        out.push_str(&trimmed[..digits]);
        out.push('\\');
        out.push(c);
        return &rest[1..];
    }
    trimmed
}

/// A code span that holds `text` as it is: fenced with more backticks than any run inside it
/// (`CommonMark`'s rule), a space inside the fence when the text starts or ends with a backtick.
/// Line breaks become spaces, and a `|` is escaped so a table cell stays one cell.
#[must_use]
pub fn code(text: &str) -> String {
    let text = text.replace(['\r', '\n'], " ");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Renders the Markdown document from a report's bytes. `signed` says whether a signature
/// goes with it (the document then names the signer); `json` is the file name of the signed
/// report, which the verification commands name (its signature is `json` + `.sig`).
///
/// # Errors
/// When `bytes` is not a report.
pub fn render(bytes: &[u8], signed: bool, json: &str) -> Result<String, ExportError> {
    let r = Report::from_bytes(bytes)?;
    let mut o = String::with_capacity(bytes.len());
    Doc {
        v: View::of(&r, signed),
        json,
    }
    .write(&mut o)?;
    Ok(o)
}

struct Doc<'a> {
    v: View<'a>,
    json: &'a str,
}

impl Doc<'_> {
    fn write(&self, o: &mut String) -> fmt::Result {
        self.summary(o)?;
        self.sections_table(o)?;
        self.blockers(o)?;
        self.findings(o)?;
        ports(o, &self.v.ports)?;
        tls(o, &self.v.tls)?;
        sql(o, &self.v.sql)?;
        self.answers(o)?;
        probes(o, self.v.vantages, &self.v.report.created_at)?;
        self.sources(o)?;
        self.verification(o)
    }

    fn summary(&self, o: &mut String) -> fmt::Result {
        let r = self.v.report;
        let f = &r.findings;
        writeln!(o, "# Readiness report: {}\n", escape(&self.v.site))?;
        writeln!(
            o,
            "Checklist: {} ({} {})\n",
            escape(&r.checklist.title),
            escape(&r.checklist.id),
            escape(&r.checklist.version)
        )?;
        writeln!(
            o,
            "**Verdict: {}**, {}% ready\n",
            escape(&words(&f.verdict)),
            f.score
        )?;
        writeln!(o, "| | |\n| --- | --- |")?;
        writeln!(o, "| Site | {} |", escape(&self.v.site))?;
        writeln!(
            o,
            "| Checklist | {} {} ({}){} |",
            escape(&r.checklist.id),
            escape(&r.checklist.version),
            code(&r.checklist.hash),
            if r.checklist.changed {
                format!(" — {CHECKLIST_CHANGED}")
            } else {
                String::new()
            }
        )?;
        writeln!(
            o,
            "| Assessment | {} (started {}, last changed {}) |",
            escape(&r.assessment.name),
            escape(&r.assessment.created),
            escape(&r.assessment.updated)
        )?;
        writeln!(o, "| Built | {} |", escape(&r.created_at))?;
        match self.v.signer {
            Some(s) => writeln!(
                o,
                "| Signed by | {} at {} |",
                escape(&s.identity),
                escape(&s.signed_at)
            )?,
            None => writeln!(o, "| Signed by | not signed |")?,
        }
        writeln!(o, "| Items | {} |\n", counts_line(&f.counts))
    }

    fn sections_table(&self, o: &mut String) -> fmt::Result {
        writeln!(o, "## Readiness by section\n")?;
        writeln!(
            o,
            "| Section | Verdict | Score | Ready | Not ready | Needs attention | Unanswered | Open blockers |"
        )?;
        writeln!(o, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")?;
        for sv in &self.v.sections {
            let s = sv.section;
            let c = &s.counts;
            writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                escape(&s.title),
                escape(&words(&s.verdict)),
                score_text(&s.verdict, s.score),
                c.ready,
                c.not_ready,
                c.needs_attention,
                c.unanswered,
                c.open_blockers
            )?;
        }
        writeln!(o)
    }

    fn blockers(&self, o: &mut String) -> fmt::Result {
        writeln!(o, "## Blockers\n")?;
        if self.v.blockers.is_empty() {
            return writeln!(o, "No open blockers.\n");
        }
        for (n, b) in self.v.blockers.iter().enumerate() {
            let item = b.item;
            writeln!(
                o,
                "### {}. {} ({})\n",
                n + 1,
                escape(&item.prompt),
                escape(&words(&item.readiness))
            )?;
            writeln!(o, "- Item: {}", code(&item.id))?;
            writeln!(o, "- **Answer:** {}", escape(&b.answer))?;
            if let Some(reason) = &item.reason {
                writeln!(o, "- **Why:** {}", escape(reason))?;
            }
            if let Some(d) = &item.disagreement {
                writeln!(o, "- **Answer and probe disagree:** {}", escape(d))?;
            }
            writeln!(o, "- **What to do:** {}\n", escape(&b.what_to_do))?;
        }
        Ok(())
    }

    fn findings(&self, o: &mut String) -> fmt::Result {
        writeln!(o, "## Findings\n")?;
        for sv in &self.v.sections {
            let s = sv.section;
            writeln!(
                o,
                "### {}: {}, {}\n",
                escape(&s.title),
                escape(&words(&s.verdict)),
                score_text(&s.verdict, s.score)
            )?;
            writeln!(o, "| Item | Severity | Verdict | Evidence |")?;
            writeln!(o, "| --- | --- | --- | --- |")?;
            for i in &sv.items {
                writeln!(
                    o,
                    "| {}<br>{} | {} | {} | {} |",
                    escape(&i.prompt),
                    code(&i.id),
                    escape(&i.severity),
                    escape(&words(&i.readiness)),
                    item_evidence(i, &self.v.report.created_at)
                )?;
            }
            writeln!(o)?;
        }
        Ok(())
    }

    fn answers(&self, o: &mut String) -> fmt::Result {
        writeln!(o, "## Answers\n")?;
        if self.v.answers.is_empty() {
            return writeln!(o, "No answers were recorded.\n");
        }
        writeln!(o, "| Item | Answer | Note | By | At |")?;
        writeln!(o, "| --- | --- | --- | --- | --- |")?;
        for av in &self.v.answers {
            let a = av.doc;
            let mut answer = escape(&av.answer);
            for g in av.others {
                let _ = write!(answer, "<br>**Also answered:** {}", escape(&given_text(g)));
            }
            if !av.conflict.is_empty() {
                let _ = write!(answer, "<br>*{}*", escape(&av.conflict));
            }
            writeln!(
                o,
                "| {}<br>{}{} | {answer} | {} | {} | {} |",
                escape(av.prompt),
                code(&a.item),
                if a.in_checklist {
                    ""
                } else {
                    " (no longer in the checklist)"
                },
                escape(&a.note),
                escape(&a.by),
                escape(&a.at)
            )?;
        }
        writeln!(o)
    }

    fn sources(&self, o: &mut String) -> fmt::Result {
        let Some(m) = self.v.merge else {
            return Ok(());
        };
        writeln!(o, "## Merged from\n")?;
        writeln!(o, "| Assessment | Vantages | Built | Signed by |")?;
        writeln!(o, "| --- | --- | --- | --- |")?;
        for s in &m.sources {
            writeln!(
                o,
                "| {} | {} | {} (last changed {}) | {} |",
                escape(&s.assessment),
                escape(&s.vantages.join(", ")),
                escape(&s.created_at),
                escape(&s.updated),
                escape(&source_signer(s.signer.as_ref()))
            )?;
        }
        writeln!(o)?;
        if !m.conflicts.is_empty() {
            writeln!(o, "**{}**\n", escape(&conflicts_line(m)))?;
        }
        if !m.site_conflicts.is_empty() {
            writeln!(o, "The sites say these entries differently:\n")?;
            for c in &m.site_conflicts {
                writeln!(o, "- {}", escape(&site_conflict_text(c)))?;
            }
            writeln!(o)?;
        }
        if !m.set_aside.is_empty() {
            writeln!(
                o,
                "Probe results that could not tell, kept beside the results that answered:\n"
            )?;
            for sa in &m.set_aside {
                writeln!(o, "- {}", escape(&set_aside_text(sa)))?;
            }
            writeln!(o)?;
        }
        Ok(())
    }

    fn verification(&self, o: &mut String) -> fmt::Result {
        let r = self.v.report;
        writeln!(o, "## Verification\n")?;
        match self.v.signer {
            Some(s) => {
                writeln!(o, "- Signer: {}", escape(&s.identity))?;
                writeln!(o, "- Key fingerprint: {}", code(&s.fingerprint))?;
                writeln!(o, "- Public key: {}", code(&s.public_key))?;
                writeln!(o, "- Signed at: {}\n", escape(&s.signed_at))?;
                let sig = format!("{}.sig", self.json);
                writeln!(
                    o,
                    "This document is drawn from the signed report {} (canonical JSON); its OpenSSH signature (namespace {}) is {}. Only the JSON is signed, so verify it, not this text, with:\n",
                    code(self.json),
                    code(NAMESPACE),
                    code(&sig)
                )?;
                let block = format!(
                    "preflight report verify {} --allowed-signers allowed_signers\n{}\n",
                    shell_word(self.json),
                    ssh_keygen_verify(&s.identity, &sig, self.json)
                );
                fenced(o, "sh", &block)?;
            }
            None => writeln!(o, "**This report is not signed.** {NOT_SIGNED}\n")?,
        }
        writeln!(
            o,
            "_Written by {} {}._",
            escape(&r.tool.name),
            escape(&r.tool.version)
        )
    }
}

/// What an item's verdict rests on, in one table cell.
fn item_evidence(i: &ItemDoc, report_at: &str) -> String {
    let mut parts = Vec::new();
    if let Some(reason) = &i.reason {
        parts.push(escape(reason));
    }
    if let Some(d) = &i.disagreement {
        parts.push(format!("**Disagreement:** {}", escape(d)));
    }
    if let Some(p) = &i.probe {
        let mut s = format!("Probes say **{}**", escape(&p.verdict));
        if let Some(sug) = &p.suggestion {
            let _ = write!(
                s,
                " (suggested answer: {})",
                escape(&super::view::answer_text(Some(sug)))
            );
        }
        parts.push(s);
        for l in &p.results {
            parts.push(format!(
                "{} from {}: {} ({})",
                escape(&l.verdict),
                escape(&l.vantage),
                escape(&l.summary),
                escape(&evidence_when(&l.at, report_at))
            ));
        }
    }
    parts.join("<br>")
}

fn ports(o: &mut String, rows: &[PortRow]) -> fmt::Result {
    writeln!(o, "## Port matrix\n")?;
    if rows.is_empty() {
        return writeln!(o, "No TCP probes were run.\n");
    }
    writeln!(o, "| Vantage | Rule | Host | Ports |")?;
    writeln!(o, "| --- | --- | --- | --- |")?;
    for row in rows {
        let cells = if row.cells.is_empty() {
            escape(&row.summary)
        } else {
            row.cells
                .iter()
                .map(|(port, state, detail)| {
                    let mut c = format!("{port} **{}**", escape(&words(state)));
                    if !detail.is_empty() {
                        let _ = write!(c, " ({})", escape(detail));
                    }
                    c
                })
                .collect::<Vec<_>>()
                .join("<br>")
        };
        writeln!(
            o,
            "| {} | {} | {} | {cells} |",
            escape(&row.vantage),
            escape(&row.rule),
            escape(&row.host)
        )?;
    }
    writeln!(o)
}

fn tls(o: &mut String, endpoints: &[(String, TlsFacts)]) -> fmt::Result {
    writeln!(o, "## TLS protocols and suites\n")?;
    if endpoints.is_empty() {
        return writeln!(o, "No TLS scans were run.\n");
    }
    for (vantage, f) in endpoints {
        writeln!(
            o,
            "### {}:{}{} from {}\n",
            escape(&f.host),
            f.port,
            f.sni
                .as_ref()
                .map(|s| format!(" (SNI {})", escape(s)))
                .unwrap_or_default(),
            escape(vantage)
        )?;
        if let Some(c) = &f.certificate {
            writeln!(
                o,
                "Certificate {} issued by {}, expires {} ({} days).\n",
                escape(&c.subject),
                escape(&c.issuer),
                escape(&c.not_after),
                c.days_left
            )?;
        }
        write!(o, "| Suite |")?;
        for p in &f.protocols {
            write!(
                o,
                " {}{} |",
                escape(&p.version),
                if p.offered { "" } else { " (not offered)" }
            )?;
        }
        write!(o, "\n| --- |")?;
        for _ in &f.protocols {
            write!(o, " :---: |")?;
        }
        writeln!(o)?;
        for suite in tls_suites(f) {
            write!(o, "| {} |", code(suite))?;
            for p in &f.protocols {
                let on = p.cipher_suites.iter().any(|s| s == suite);
                write!(o, " {} |", if on { "●" } else { "" })?;
            }
            writeln!(o)?;
        }
        writeln!(o)?;
        for e in &f.errors {
            writeln!(o, "- {}", escape(e))?;
        }
        if !f.errors.is_empty() {
            writeln!(o)?;
        }
    }
    Ok(())
}

fn sql(o: &mut String, servers: &[SqlView]) -> fmt::Result {
    writeln!(o, "## SQL Server\n")?;
    if servers.is_empty() {
        return writeln!(o, "No SQL Server was probed.\n");
    }
    for s in servers {
        writeln!(o, "### {} from {}\n", escape(&s.server), escape(&s.vantage))?;
        for (label, value) in &s.overview {
            writeln!(o, "- **{}:** {}", escape(label), escape(value))?;
        }
        writeln!(o)?;
        for t in &s.tables {
            writeln!(o, "#### {}\n", escape(t.title))?;
            match (&t.unknown, t.rows.is_empty()) {
                (Some(why), _) => writeln!(o, "{}\n", escape(why))?,
                (None, true) => writeln!(o, "None.\n")?,
                (None, false) => {
                    // A first column marks the rows the guide would not accept.
                    write!(o, "| |")?;
                    for c in t.columns {
                        write!(o, " {} |", escape(c))?;
                    }
                    write!(o, "\n| --- |")?;
                    for _ in t.columns {
                        write!(o, " --- |")?;
                    }
                    writeln!(o)?;
                    for r in &t.rows {
                        write!(o, "| {} |", if r.bad { "✘" } else { "" })?;
                        for c in &r.cells {
                            write!(o, " {} |", escape(c))?;
                        }
                        writeln!(o)?;
                    }
                    writeln!(o)?;
                }
            }
        }
    }
    Ok(())
}

fn probes(o: &mut String, vantages: &[VantageDoc], report_at: &str) -> fmt::Result {
    writeln!(o, "## Probe results\n")?;
    if vantages.is_empty() {
        return writeln!(o, "No probes were run.\n");
    }
    for v in vantages {
        writeln!(
            o,
            "### From {} ({}, host {}, {})\n",
            escape(&v.name),
            escape(&v.role),
            escape(&v.host),
            escape(&v.at)
        )?;
        writeln!(o, "| Verdict | Probe | Target | Summary | At |")?;
        writeln!(o, "| --- | --- | --- | --- | --- |")?;
        for p in &v.results {
            writeln!(
                o,
                "| **{}** | {}.{} | {} | {} | {} ({} ms) |",
                escape(&p.verdict),
                escape(&p.kind),
                escape(&p.check),
                escape(&p.target),
                escape(&p.summary),
                escape(&evidence_when(&p.at, report_at)),
                p.ms
            )?;
        }
        writeln!(o)?;
        for p in &v.results {
            evidence(o, p)?;
        }
    }
    Ok(())
}

/// One probe result's evidence, as JSON in a fenced block under a line naming it.
fn evidence(o: &mut String, p: &ProbeDoc) -> fmt::Result {
    writeln!(
        o,
        "Evidence of {}.{} {} ({}):\n",
        escape(&p.kind),
        escape(&p.check),
        escape(&p.target),
        escape(&p.verdict)
    )?;
    let json = serde_json::to_string_pretty(&p.evidence).unwrap_or_default();
    fenced(o, "json", &format!("{json}\n"))
}

/// A fenced code block holding `body` as it is: the fence is longer than any backtick run in it.
fn fenced(o: &mut String, info: &str, body: &str) -> fmt::Result {
    let fence = "`".repeat(longest_run(body, '`').max(2) + 1);
    writeln!(o, "{fence}{info}\n{body}{fence}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_user_text_from_becoming_markup() {
        let table: &[(&str, &str)] = &[
            ("plain words, 1.0.0", "plain words, 1.0.0"),
            ("a | b", "a \\| b"),
            ("*bold* _it_ `code`", "\\*bold\\* \\_it\\_ \\`code\\`"),
            ("[x](http://y) ![i](j)", "\\[x\\](http://y) \\!\\[i\\](j)"),
            ("<script>&amp;", "\\<script\\>\\&amp;"),
            ("# heading", "\\# heading"),
            ("- item", "\\- item"),
            ("+ item", "\\+ item"),
            ("12. item", "12\\. item"),
            ("3) item", "3\\) item"),
            ("1.0.0 and 3.5", "1.0.0 and 3.5"),
            ("-1 +2", "-1 +2"),
            ("---", "\\---"),
            ("7.", "7\\."),
            ("one\ntwo\r\nthree", "one<br>two<br>three"),
            ("a\\b ~~c~~", "a\\\\b \\~\\~c\\~\\~"),
        ];
        for (text, want) in table {
            assert_eq!(escape(text), *want, "{text}");
        }
    }

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code("net.sql"), "`net.sql`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a\nb"), "`a b`");
    }

    #[test]
    fn fences_are_longer_than_any_backtick_run_inside() {
        let mut o = String::new();
        fenced(&mut o, "json", "\"````\"\n").expect("write");
        assert!(o.starts_with("`````json\n"), "{o}");
        assert!(o.ends_with("\n`````\n\n"), "{o}");
    }
}
