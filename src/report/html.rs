//! The HTML export: one self-contained page (no external assets, no script needed to read it,
//! printable) drawn from a report's canonical bytes, with those bytes and the armoured
//! signature embedded exactly (base64 in `<script type="text/plain">` elements) so
//! `preflight report verify report.html` works on the page alone.
//!
//! Every text taken from the report goes through [`escape`]. A page exported with the signing
//! key also carries a page signature: an SSHSIG over the page's exact bytes with that one
//! block held out, the last element before `</body></html>`. It makes the page's integrity
//! independent of the renderer: a later release verifies it without drawing the page again,
//! whatever that release's words and style. A page without one (exported before page
//! signatures, or without the key) is checked by drawing it again from the signed bytes.

use std::fmt::{self, Write as _};

use super::document::{ItemDoc, ProbeDoc, Report, ReportError};
use super::findings::score_text;
use super::view::{
    CHECKLIST_CHANGED, NOT_SIGNED, View, conflicts_line, counts_line, evidence_when, given_text,
    set_aside_text, site_conflict_text, source_signer, ssh_keygen_verify,
};
pub use super::view::{
    PortRow, answer_text, port_rows, site_name, tls_endpoints, tls_suites, words,
};

/// The id of the element holding the report's canonical bytes, base64.
pub const REPORT_ID: &str = "preflight-report";
/// The id of the element holding the armoured signature, base64.
pub const SIGNATURE_ID: &str = "preflight-signature";
/// The id of the element holding the page signature (over the page without this element).
pub const PAGE_SIGNATURE_ID: &str = "preflight-page-signature";
/// How every page ends.
const PAGE_END: &str = "</body></html>\n";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("cannot write the page")]
    Format(#[from] fmt::Error),
}

/// Why the report or signature could not be taken out of an HTML export.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("the page holds no embedded report (no element with id `{REPORT_ID}`)")]
    NoReport,
    #[error("the embedded {what} is damaged: {why}")]
    Damaged { what: &'static str, why: String },
    #[error(
        "the page signature is not where preflight writes it (the last element, once, right before </body></html>)"
    )]
    MisplacedPageSignature,
}

/// What an HTML export carries for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedded {
    /// The report's canonical bytes, exactly as signed.
    pub bytes: Vec<u8>,
    /// The armoured signature, exactly as written; `None` for an `--unsigned` export.
    pub signature: Option<String>,
}

/// Whether a file looks like an HTML page rather than a JSON report.
#[must_use]
pub fn is_html(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let head = &bytes[start..bytes.len().min(start + 15)];
    head.eq_ignore_ascii_case(b"<!doctype html>") || head.starts_with(b"<html")
}

/// Takes the embedded report bytes and signature out of a page written by [`render`].
///
/// # Errors
/// When the page has no embedded report, or an embedded block is not valid base64.
pub fn extract(html: &str) -> Result<Embedded, ExtractError> {
    let bytes = block(html, REPORT_ID).ok_or(ExtractError::NoReport)?;
    let bytes = base64_decode(bytes).map_err(|why| ExtractError::Damaged {
        what: "report",
        why,
    })?;
    let signature = match block(html, SIGNATURE_ID) {
        None => None,
        Some(text) => {
            let raw = base64_decode(text).map_err(|why| ExtractError::Damaged {
                what: "signature",
                why,
            })?;
            Some(String::from_utf8(raw).map_err(|_| ExtractError::Damaged {
                what: "signature",
                why: "not UTF-8 text".to_owned(),
            })?)
        }
    };
    Ok(Embedded { bytes, signature })
}

/// The text of the first `<script … id="ID" …>…</script>` element.
fn block<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let marker = format!("id=\"{id}\"");
    let mut from = 0;
    while let Some(pos) = html[from..].find("<script") {
        let open = from + pos;
        let tag_end = open + html[open..].find('>')?;
        let tag = &html[open..tag_end];
        if tag.contains(&marker) {
            let body = tag_end + 1;
            let close = body + html[body..].find("</script>")?;
            return Some(&html[body..close]);
        }
        from = tag_end;
    }
    None
}

/// Standard base64 with padding, in lines of 76 characters (19 groups of four) so the page
/// stays readable and `base64 -d` takes it as it is.
#[must_use]
pub fn base64_encode(bytes: &[u8]) -> String {
    use base64ct::Encoding as _;
    let flat = base64ct::Base64::encode_string(bytes);
    let mut out = String::with_capacity(flat.len() + flat.len() / 76 + 1);
    for (n, line) in flat.as_bytes().chunks(76).enumerate() {
        if n > 0 {
            out.push('\n');
        }
        // Base64 output is ASCII, so every chunk is whole characters.
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
    }
    out
}

/// Decodes standard base64, ignoring ASCII whitespace; padding is required.
///
/// # Errors
/// A character outside the alphabet, a bad length or misplaced padding, in words.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    use base64ct::Encoding as _;
    let flat: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if let Some(c) = flat
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')))
    {
        return Err(format!(
            "`{}` is not a base64 character",
            c.escape_default()
        ));
    }
    base64ct::Base64::decode_vec(&flat).map_err(|e| format!("its base64 does not decode: {e}"))
}

/// Escapes text for HTML element content and quoted attribute values.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root{--ready:#1a7f37;--not_ready:#cf222e;--needs_attention:#9a6700;--incomplete:#57606a;--unanswered:#57606a;--not_applicable:#8c959f;--not_asked:#8c959f;--open:#1a7f37;--refused:#cf222e;--filtered:#bc4c00;--unreachable:#6e7781;--name_error:#6e7781}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:1.7em;margin:0 0 4px}h2{border-bottom:2px solid #d0d7de;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
.badge{display:inline-block;border-radius:10px;padding:1px 10px;color:#fff;font-weight:600;font-size:.9em;background:var(--incomplete)}
.v-ready{background:var(--ready)}.v-not_ready{background:var(--not_ready)}.v-needs_attention{background:var(--needs_attention)}
.v-not_applicable,.v-not_asked{background:var(--not_applicable)}
.summary{display:flex;gap:24px;align-items:center;flex-wrap:wrap}
.summary dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0}.summary dt{font-weight:600}
.blocker{border-left:5px solid var(--not_ready);padding:6px 12px;margin:10px 0;background:#fff8f8}
.blocker.v-unanswered{border-color:var(--incomplete);background:#f6f8fa}
.cells{display:flex;flex-wrap:wrap;gap:3px}
.cell{display:inline-block;min-width:48px;padding:2px 4px;color:#fff;font-size:.85em;text-align:center;border-radius:3px;background:var(--unreachable)}
.s-open{background:var(--open)}.s-refused{background:var(--refused)}.s-filtered{background:var(--filtered)}
.tls td.on{background:#dafbe1;text-align:center}.tls td.off{background:#f6f8fa}.tls th.off{color:#8c959f}
.legend span{margin-right:10px}
.facts{display:grid;grid-template-columns:auto 1fr;gap:2px 12px}.facts dt{font-weight:600}
tr.bad td{background:#ffebe9}p.bad{color:var(--not_ready)}h4{margin:12px 0 2px}
details{margin:4px 0}summary{cursor:pointer}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f8fa;padding:8px;font-size:.85em}
.muted{color:#57606a}
code{font-size:.9em}
@media print{
body{max-width:none;padding:0;font-size:11pt}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
details::details-content{content-visibility:visible;display:contents}
details>summary{list-style:none}
h2{break-after:avoid}.blocker,tr,.cells{break-inside:avoid}
.noprint{display:none}
}
"#;

/// The opening of the page-signature element.
fn page_signature_open() -> String {
    format!("<script type=\"text/plain\" id=\"{PAGE_SIGNATURE_ID}\" data-encoding=\"base64\">\n")
}

/// Renders the page as [`render`] does and signs it: the page signature, over the page's bytes
/// as they are without it, goes in as the last element. `sign_page` signs bytes (the key that
/// signed the report).
///
/// # Errors
/// When `bytes` is not a report, or signing fails.
pub fn render_signed<E>(
    bytes: &[u8],
    signature: &str,
    sign_page: impl FnOnce(&[u8]) -> Result<String, E>,
) -> Result<Result<String, E>, ExportError> {
    let page = draw(bytes, Some(signature), true)?;
    let Some(body) = page.strip_suffix(PAGE_END) else {
        return Err(ExportError::Format(fmt::Error));
    };
    Ok(sign_page(page.as_bytes()).map(|sig| {
        format!(
            "{body}{}{}\n</script>\n{PAGE_END}",
            page_signature_open(),
            base64_encode(sig.as_bytes())
        )
    }))
}

/// A page's bytes with its page signature held out, and that signature; `None` for a page
/// without one.
///
/// # Errors
/// When the block is anywhere but last, appears twice, or is not base64 of text.
pub fn page_signature(page: &[u8]) -> Result<Option<(Vec<u8>, String)>, ExtractError> {
    let open = page_signature_open();
    let marker = format!("id=\"{PAGE_SIGNATURE_ID}\"");
    let found = page
        .windows(marker.len())
        .filter(|w| *w == marker.as_bytes())
        .count();
    if found == 0 {
        return Ok(None);
    }
    let start = page
        .windows(open.len())
        .position(|w| w == open.as_bytes())
        .ok_or(ExtractError::MisplacedPageSignature)?;
    let rest = &page[start + open.len()..];
    let tail = format!("\n</script>\n{PAGE_END}");
    if found != 1 || !rest.ends_with(tail.as_bytes()) {
        return Err(ExtractError::MisplacedPageSignature);
    }
    let b64 = std::str::from_utf8(&rest[..rest.len() - tail.len()]).map_err(|_| {
        ExtractError::Damaged {
            what: "page signature",
            why: "not UTF-8 text".to_owned(),
        }
    })?;
    let raw = base64_decode(b64).map_err(|why| ExtractError::Damaged {
        what: "page signature",
        why,
    })?;
    let sig = String::from_utf8(raw).map_err(|_| ExtractError::Damaged {
        what: "page signature",
        why: "not UTF-8 text".to_owned(),
    })?;
    let mut held_out = page[..start].to_vec();
    held_out.extend_from_slice(PAGE_END.as_bytes());
    Ok(Some((held_out, sig)))
}

/// Renders the page from the signed bytes alone, the same bytes always giving the same page,
/// so `verify` can rebuild a page that has no page signature and find any edit to its visible
/// text. `signature` is the armoured signature over exactly `bytes`, or `None` for an unsigned
/// page. Keep its output as it is: pages exported before page signatures are checked against
/// it.
///
/// # Errors
/// When `bytes` is not a report.
pub fn render(bytes: &[u8], signature: Option<&str>) -> Result<String, ExportError> {
    draw(bytes, signature, false)
}

fn draw(bytes: &[u8], signature: Option<&str>, whole_signed: bool) -> Result<String, ExportError> {
    let r = Report::from_bytes(bytes)?;
    let mut o = String::with_capacity(bytes.len() * 3);
    Page {
        v: View::of(&r, signature.is_some()),
        signature,
        whole_signed,
    }
    .write(&mut o, bytes)?;
    Ok(o)
}

struct Page<'a> {
    v: View<'a>,
    signature: Option<&'a str>,
    /// Whether a page signature will follow (the verification block says so).
    whole_signed: bool,
}

impl Page<'_> {
    fn write(&self, o: &mut String, bytes: &[u8]) -> fmt::Result {
        let r = self.v.report;
        let site = escape(&self.v.site);
        writeln!(o, "<!DOCTYPE html>")?;
        writeln!(o, "<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
        writeln!(
            o,
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        )?;
        writeln!(
            o,
            "<title>Readiness report: {site} ({})</title>",
            escape(&r.checklist.title)
        )?;
        writeln!(o, "<style>{CSS}</style></head><body>")?;
        self.summary(o)?;
        self.blockers(o)?;
        self.sections(o)?;
        self.ports(o)?;
        self.tls(o)?;
        self.sql(o)?;
        self.answers(o)?;
        self.probes(o)?;
        self.sources(o)?;
        self.verification(o)?;
        writeln!(
            o,
            "<script type=\"text/plain\" id=\"{REPORT_ID}\" data-encoding=\"base64\">\n{}\n</script>",
            base64_encode(bytes)
        )?;
        if let Some(sig) = self.signature {
            writeln!(
                o,
                "<script type=\"text/plain\" id=\"{SIGNATURE_ID}\" data-encoding=\"base64\">\n{}\n</script>",
                base64_encode(sig.as_bytes())
            )?;
        }
        write!(o, "{PAGE_END}")
    }

    fn summary(&self, o: &mut String) -> fmt::Result {
        let r = self.v.report;
        let f = &r.findings;
        writeln!(
            o,
            "<header><h1>Readiness report: {}</h1>",
            escape(&self.v.site)
        )?;
        writeln!(
            o,
            "<p class=\"muted\">{} ({} {})</p></header>",
            escape(&r.checklist.title),
            escape(&r.checklist.id),
            escape(&r.checklist.version)
        )?;
        writeln!(o, "<section class=\"summary\" id=\"summary\">")?;
        gauge(o, f.score, &f.verdict)?;
        writeln!(o, "<dl>")?;
        writeln!(
            o,
            "<dt>Verdict</dt><dd><span class=\"badge v-{0}\" id=\"verdict\">{1}</span> {2}% ready</dd>",
            escape(&f.verdict),
            escape(&words(&f.verdict)),
            f.score
        )?;
        writeln!(o, "<dt>Site</dt><dd>{}</dd>", escape(&self.v.site))?;
        writeln!(
            o,
            "<dt>Checklist</dt><dd>{} {} <span class=\"muted\">({})</span>{}</dd>",
            escape(&r.checklist.id),
            escape(&r.checklist.version),
            escape(&r.checklist.hash),
            if r.checklist.changed {
                format!(" — {CHECKLIST_CHANGED}")
            } else {
                String::new()
            }
        )?;
        writeln!(
            o,
            "<dt>Assessment</dt><dd>{} (started {}, last changed {})</dd>",
            escape(&r.assessment.name),
            escape(&r.assessment.created),
            escape(&r.assessment.updated)
        )?;
        writeln!(o, "<dt>Built</dt><dd>{}</dd>", escape(&r.created_at))?;
        match self.v.signer {
            Some(s) => writeln!(
                o,
                "<dt>Signed by</dt><dd>{} at {}</dd>",
                escape(&s.identity),
                escape(&s.signed_at)
            )?,
            None => writeln!(o, "<dt>Signed by</dt><dd>not signed</dd>")?,
        }
        writeln!(o, "<dt>Items</dt><dd>{}</dd>", counts_line(&f.counts))?;
        writeln!(o, "</dl></section>")?;
        section_bars(o, r)
    }

    fn blockers(&self, o: &mut String) -> fmt::Result {
        writeln!(o, "<section id=\"blockers\"><h2>Blockers</h2>")?;
        if self.v.blockers.is_empty() {
            writeln!(o, "<p>No open blockers.</p>")?;
        }
        for b in &self.v.blockers {
            let item = b.item;
            writeln!(
                o,
                "<div class=\"blocker v-{}\"><h3>{} <span class=\"badge v-{0}\">{}</span></h3>",
                escape(&item.readiness),
                escape(&item.prompt),
                escape(&words(&item.readiness))
            )?;
            writeln!(
                o,
                "<p class=\"muted\"><code>{}</code></p>",
                escape(&item.id)
            )?;
            writeln!(o, "<p><strong>Answer:</strong> {}</p>", escape(&b.answer))?;
            if let Some(reason) = &item.reason {
                writeln!(o, "<p><strong>Why:</strong> {}</p>", escape(reason))?;
            }
            if let Some(d) = &item.disagreement {
                writeln!(
                    o,
                    "<p><strong>Answer and probe disagree:</strong> {}</p>",
                    escape(d)
                )?;
            }
            writeln!(
                o,
                "<p><strong>What to do:</strong> {}</p>",
                escape(&b.what_to_do)
            )?;
            writeln!(o, "</div>")?;
        }
        writeln!(o, "</section>")
    }

    fn sections(&self, o: &mut String) -> fmt::Result {
        writeln!(o, "<section id=\"findings\"><h2>Findings</h2>")?;
        for sv in &self.v.sections {
            let s = sv.section;
            writeln!(
                o,
                "<h3>{} <span class=\"badge v-{}\">{}</span> {}%</h3>",
                escape(&s.title),
                escape(&s.verdict),
                escape(&words(&s.verdict)),
                s.score
            )?;
            writeln!(
                o,
                "<table><tr><th>Item</th><th>Severity</th><th>Verdict</th></tr>"
            )?;
            for i in &sv.items {
                writeln!(
                    o,
                    "<tr><td>{}<br><code class=\"muted\">{}</code></td><td>{}</td><td><span class=\"badge v-{}\">{}</span>",
                    escape(&i.prompt),
                    escape(&i.id),
                    escape(&i.severity),
                    escape(&i.readiness),
                    escape(&words(&i.readiness))
                )?;
                item_evidence(o, i, &self.v.report.created_at)?;
                writeln!(o, "</td></tr>")?;
            }
            writeln!(o, "</table>")?;
        }
        writeln!(o, "</section>")
    }

    fn ports(&self, o: &mut String) -> fmt::Result {
        let rows = &self.v.ports;
        writeln!(o, "<section id=\"ports\"><h2>Port matrix</h2>")?;
        if rows.is_empty() {
            return writeln!(o, "<p>No TCP probes were run.</p></section>");
        }
        writeln!(
            o,
            "<p class=\"legend\"><span class=\"cell s-open\">open</span> <span class=\"cell s-refused\">refused</span> <span class=\"cell s-filtered\">filtered</span> <span class=\"cell\">unreachable / no name</span></p>"
        )?;
        writeln!(
            o,
            "<table class=\"ports\"><tr><th>Vantage</th><th>Rule</th><th>Host</th><th>Ports</th></tr>"
        )?;
        for row in rows {
            write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><div class=\"cells\">",
                escape(&row.vantage),
                escape(&row.rule),
                escape(&row.host)
            )?;
            if row.cells.is_empty() {
                write!(o, "<span class=\"muted\">{}</span>", escape(&row.summary))?;
            }
            for (port, state, detail) in &row.cells {
                write!(
                    o,
                    "<span class=\"cell s-{}\" title=\"{}\">{port} {}</span>",
                    escape(state),
                    escape(detail),
                    escape(&words(state))
                )?;
            }
            writeln!(o, "</div></td></tr>")?;
        }
        writeln!(o, "</table></section>")
    }

    fn tls(&self, o: &mut String) -> fmt::Result {
        let endpoints = &self.v.tls;
        writeln!(o, "<section id=\"tls\"><h2>TLS protocols and suites</h2>")?;
        if endpoints.is_empty() {
            return writeln!(o, "<p>No TLS scans were run.</p></section>");
        }
        for (vantage, f) in endpoints {
            writeln!(
                o,
                "<h3>{}:{}{} <span class=\"muted\">from {}</span></h3>",
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
                    "<p>Certificate {} issued by {}, expires {} ({} days).</p>",
                    escape(&c.subject),
                    escape(&c.issuer),
                    escape(&c.not_after),
                    c.days_left
                )?;
            }
            write!(o, "<table class=\"tls\"><tr><th>Suite</th>")?;
            for p in &f.protocols {
                write!(
                    o,
                    "<th class=\"{}\">{}{}</th>",
                    if p.offered { "on" } else { "off" },
                    escape(&p.version),
                    if p.offered { "" } else { " (not offered)" }
                )?;
            }
            writeln!(o, "</tr>")?;
            for suite in tls_suites(f) {
                write!(o, "<tr><td><code>{}</code></td>", escape(suite))?;
                for p in &f.protocols {
                    if p.cipher_suites.iter().any(|s| s == suite) {
                        write!(o, "<td class=\"on\">●</td>")?;
                    } else {
                        write!(o, "<td class=\"off\"></td>")?;
                    }
                }
                writeln!(o, "</tr>")?;
            }
            writeln!(o, "</table>")?;
            for e in &f.errors {
                writeln!(o, "<p class=\"muted\">{}</p>", escape(e))?;
            }
        }
        writeln!(o, "</section>")
    }

    fn sql(&self, o: &mut String) -> fmt::Result {
        writeln!(o, "<section id=\"sql\"><h2>SQL Server</h2>")?;
        if self.v.sql.is_empty() {
            return writeln!(o, "<p>No SQL Server was probed.</p></section>");
        }
        for s in &self.v.sql {
            writeln!(
                o,
                "<h3>{} <span class=\"muted\">from {}</span></h3>",
                escape(&s.server),
                escape(&s.vantage)
            )?;
            writeln!(o, "<dl class=\"facts\">")?;
            for (label, value) in &s.overview {
                writeln!(o, "<dt>{}</dt><dd>{}</dd>", escape(label), escape(value))?;
            }
            writeln!(o, "</dl>")?;
            for t in &s.tables {
                write!(o, "<h4>{}</h4>", escape(t.title))?;
                match (&t.unknown, t.rows.is_empty()) {
                    (Some(why), _) => writeln!(o, "<p class=\"bad\">{}</p>", escape(why))?,
                    (None, true) => writeln!(o, "<p class=\"muted\">None.</p>")?,
                    (None, false) => {
                        write!(o, "<table class=\"sql\"><tr>")?;
                        for c in t.columns {
                            write!(o, "<th>{}</th>", escape(c))?;
                        }
                        writeln!(o, "</tr>")?;
                        for r in &t.rows {
                            write!(o, "<tr{}>", if r.bad { " class=\"bad\"" } else { "" })?;
                            for c in &r.cells {
                                write!(o, "<td>{}</td>", escape(c))?;
                            }
                            writeln!(o, "</tr>")?;
                        }
                        writeln!(o, "</table>")?;
                    }
                }
            }
        }
        writeln!(o, "</section>")
    }

    fn answers(&self, o: &mut String) -> fmt::Result {
        writeln!(o, "<section id=\"answers\"><h2>Answers</h2>")?;
        if self.v.answers.is_empty() {
            return writeln!(o, "<p>No answers were recorded.</p></section>");
        }
        writeln!(
            o,
            "<table><tr><th>Item</th><th>Answer</th><th>Note</th><th>By</th><th>At</th></tr>"
        )?;
        for av in &self.v.answers {
            let a = av.doc;
            write!(
                o,
                "<tr><td>{}<br><code class=\"muted\">{}</code>{}</td><td>{}",
                escape(av.prompt),
                escape(&a.item),
                if a.in_checklist {
                    ""
                } else {
                    " (no longer in the checklist)"
                },
                escape(&av.answer),
            )?;
            for g in av.others {
                write!(
                    o,
                    "<br><strong>Also answered:</strong> {}",
                    escape(&given_text(g))
                )?;
            }
            if !av.conflict.is_empty() {
                write!(o, "<br><em>{}</em>", escape(&av.conflict))?;
            }
            writeln!(
                o,
                "</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&a.note),
                escape(&a.by),
                escape(&a.at)
            )?;
        }
        writeln!(o, "</table></section>")
    }

    fn probes(&self, o: &mut String) -> fmt::Result {
        writeln!(o, "<section id=\"probes\"><h2>Probe results</h2>")?;
        if self.v.vantages.is_empty() {
            return writeln!(o, "<p>No probes were run.</p></section>");
        }
        for v in self.v.vantages {
            writeln!(
                o,
                "<h3>From {} <span class=\"muted\">({}, host {}, {})</span></h3>",
                escape(&v.name),
                escape(&v.role),
                escape(&v.host),
                escape(&v.at)
            )?;
            for p in &v.results {
                probe(o, p, &self.v.report.created_at)?;
            }
        }
        writeln!(o, "</section>")
    }

    fn verification(&self, o: &mut String) -> fmt::Result {
        let r = self.v.report;
        writeln!(o, "<section id=\"verification\"><h2>Verification</h2>")?;
        match self.v.signer {
            Some(s) => {
                writeln!(
                    o,
                    "<dl><dt>Signer</dt><dd>{}</dd><dt>Key fingerprint</dt><dd><code>{}</code></dd><dt>Public key</dt><dd><code>{}</code></dd><dt>Signed at</dt><dd>{}</dd></dl>",
                    escape(&s.identity),
                    escape(&s.fingerprint),
                    escape(&s.public_key),
                    escape(&s.signed_at)
                )?;
                if self.whole_signed {
                    writeln!(
                        o,
                        "<p>This page embeds the signed report (the canonical JSON, base64, element <code>#{REPORT_ID}</code>) and its OpenSSH signature (base64, element <code>#{SIGNATURE_ID}</code>). The text above is drawn from the report, and the whole page is signed too: the page signature (element <code>#{PAGE_SIGNATURE_ID}</code>, the last one) covers every byte of the page but its own element. Verify the page alone with:</p>"
                    )?;
                } else {
                    writeln!(
                        o,
                        "<p>This page embeds the signed report (the canonical JSON, base64, element <code>#{REPORT_ID}</code>) and its OpenSSH signature (base64, element <code>#{SIGNATURE_ID}</code>). Only the embedded report is signed; the text above is drawn from it. Verify the page alone with:</p>"
                    )?;
                }
                writeln!(
                    o,
                    "<pre>preflight report verify report.html --allowed-signers allowed_signers</pre>"
                )?;
                writeln!(
                    o,
                    "<p>or take the two out and use OpenSSH (<code>base64 -d</code> gives the exact bytes):</p>"
                )?;
                writeln!(
                    o,
                    "<pre>sed -n '/id=&quot;{REPORT_ID}&quot;/,/&lt;\\/script&gt;/p' report.html | sed '1d;$d' | base64 -d &gt; report.json\nsed -n '/id=&quot;{SIGNATURE_ID}&quot;/,/&lt;\\/script&gt;/p' report.html | sed '1d;$d' | base64 -d &gt; report.json.sig\n{}</pre>",
                    escape(&ssh_keygen_verify(
                        &s.identity,
                        "report.json.sig",
                        "report.json"
                    ))
                )?;
            }
            None => writeln!(
                o,
                "<p><strong>This report is not signed.</strong> {NOT_SIGNED}</p>"
            )?,
        }
        writeln!(
            o,
            "<p class=\"muted\">Written by {} {}.</p></section>",
            escape(&r.tool.name),
            escape(&r.tool.version)
        )
    }

    /// The reports a merged report was joined from; nothing for a report from one session.
    fn sources(&self, o: &mut String) -> fmt::Result {
        let Some(m) = self.v.merge else {
            return Ok(());
        };
        writeln!(o, "<section id=\"sources\"><h2>Merged from</h2>")?;
        writeln!(
            o,
            "<table><tr><th>Assessment</th><th>Vantages</th><th>Built</th><th>Signed by</th></tr>"
        )?;
        for s in &m.sources {
            writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{} <span class=\"muted\">(last changed {})</span></td><td>{}</td></tr>",
                escape(&s.assessment),
                escape(&s.vantages.join(", ")),
                escape(&s.created_at),
                escape(&s.updated),
                escape(&source_signer(s.signer.as_ref()))
            )?;
        }
        writeln!(o, "</table>")?;
        if !m.conflicts.is_empty() {
            writeln!(o, "<p><strong>{}</strong></p>", escape(&conflicts_line(m)))?;
        }
        if !m.site_conflicts.is_empty() {
            writeln!(o, "<p>The sites say these entries differently:</p><ul>")?;
            for c in &m.site_conflicts {
                writeln!(o, "<li>{}</li>", escape(&site_conflict_text(c)))?;
            }
            writeln!(o, "</ul>")?;
        }
        if !m.set_aside.is_empty() {
            writeln!(
                o,
                "<p>Probe results that could not tell, kept beside the results that answered:</p><ul>"
            )?;
            for sa in &m.set_aside {
                writeln!(o, "<li>{}</li>", escape(&set_aside_text(sa)))?;
            }
            writeln!(o, "</ul>")?;
        }
        writeln!(o, "</section>")
    }
}

/// The readiness gauge: a ring filled to the score, in the verdict's colour.
fn gauge(o: &mut String, score: u8, verdict: &str) -> fmt::Result {
    // Circumference of r=52 is 326.7; the dash is the score's share of it.
    let filled = u32::from(score.min(100)) * 3267 / 1000;
    writeln!(
        o,
        "<svg id=\"gauge\" width=\"140\" height=\"140\" viewBox=\"0 0 140 140\" role=\"img\" aria-label=\"{score}% ready\"><circle cx=\"70\" cy=\"70\" r=\"52\" fill=\"none\" stroke=\"#eaeef2\" stroke-width=\"16\"/><circle cx=\"70\" cy=\"70\" r=\"52\" fill=\"none\" stroke=\"var(--{})\" stroke-width=\"16\" stroke-dasharray=\"{filled} 400\" transform=\"rotate(-90 70 70)\"/><text x=\"70\" y=\"78\" text-anchor=\"middle\" font-size=\"26\" font-weight=\"700\">{score}%</text></svg>",
        escape(verdict)
    )
}

/// One bar per section, as one SVG.
fn section_bars(o: &mut String, r: &Report) -> fmt::Result {
    let sections = &r.findings.sections;
    if sections.is_empty() {
        return Ok(());
    }
    let height = sections.len() * 26 + 6;
    writeln!(
        o,
        "<svg id=\"sections\" width=\"100%\" height=\"{height}\" viewBox=\"0 0 760 {height}\" role=\"img\" aria-label=\"readiness by section\">"
    )?;
    for (n, s) in sections.iter().enumerate() {
        let y = n * 26 + 4;
        let shown = score_text(&s.verdict, s.score);
        // A section where nothing applies has an empty bar, not a full one.
        let w = if shown.ends_with('%') {
            usize::from(s.score.min(100)) * 4
        } else {
            0
        };
        writeln!(
            o,
            "<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text><rect x=\"300\" y=\"{y}\" width=\"400\" height=\"18\" fill=\"#eaeef2\"/><rect x=\"300\" y=\"{y}\" width=\"{w}\" height=\"18\" fill=\"var(--{})\"/><text x=\"708\" y=\"{}\" font-size=\"13\">{shown}</text>",
            y + 14,
            escape(&s.title),
            escape(&s.verdict),
            y + 14,
        )?;
    }
    writeln!(o, "</svg>")
}

/// What an item's verdict rests on, folded.
fn item_evidence(o: &mut String, i: &ItemDoc, report_at: &str) -> fmt::Result {
    if i.reason.is_none() && i.probe.is_none() && i.disagreement.is_none() {
        return Ok(());
    }
    writeln!(o, "<details><summary>evidence</summary>")?;
    if let Some(reason) = &i.reason {
        writeln!(o, "<p>{}</p>", escape(reason))?;
    }
    if let Some(d) = &i.disagreement {
        writeln!(o, "<p><strong>Disagreement:</strong> {}</p>", escape(d))?;
    }
    if let Some(p) = &i.probe {
        writeln!(o, "<p>Probes say <strong>{}</strong>", escape(&p.verdict))?;
        if let Some(s) = &p.suggestion {
            write!(o, " (suggested answer: {})", escape(&answer_text(Some(s))))?;
        }
        writeln!(o, "</p><ul>")?;
        for l in &p.results {
            writeln!(
                o,
                "<li>{} from {}: {} <span class=\"muted\">({})</span></li>",
                escape(&l.verdict),
                escape(&l.vantage),
                escape(&l.summary),
                escape(&evidence_when(&l.at, report_at))
            )?;
        }
        writeln!(o, "</ul>")?;
    }
    writeln!(o, "</details>")
}

/// One probe result with its evidence folded.
fn probe(o: &mut String, p: &ProbeDoc, report_at: &str) -> fmt::Result {
    let evidence = serde_json::to_string_pretty(&p.evidence).unwrap_or_default();
    writeln!(
        o,
        "<details><summary><strong>{}</strong> {}.{} {}: {}</summary><p class=\"muted\">{} ({} ms)</p><pre>{}</pre></details>",
        escape(&p.verdict),
        escape(&p.kind),
        escape(&p.check),
        escape(&p.target),
        escape(&p.summary),
        escape(&evidence_when(&p.at, report_at)),
        p.ms,
        escape(&evidence)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_every_length_and_rejects_damage() {
        for len in 0..70 {
            let bytes: Vec<u8> = (0..len)
                .map(|i| u8::try_from(i * 37 % 256).unwrap_or(0))
                .collect();
            let text = base64_encode(&bytes);
            assert_eq!(base64_decode(&text).expect("decodes"), bytes, "{len}");
        }
        assert_eq!(base64_encode(b"Man"), "TWFu");
        assert_eq!(base64_encode(b"Ma"), "TWE=");
        assert_eq!(base64_encode(b"M"), "TQ==");
        assert!(base64_decode("TWF").is_err());
        assert!(base64_decode("TW!u").is_err());
        assert!(base64_decode("TQ==TWFu").is_err());
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<script>a&'b\"</script>"),
            "&lt;script&gt;a&amp;&#39;b&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn extract_finds_the_blocks_and_says_what_is_missing() {
        let page = format!(
            "<!DOCTYPE html><p>x</p><script type=\"text/plain\" id=\"{REPORT_ID}\">\n{}\n</script><script type=\"text/plain\" id=\"{SIGNATURE_ID}\">{}</script>",
            base64_encode(b"{}\n"),
            base64_encode(b"sig")
        );
        assert!(is_html(page.as_bytes()));
        assert!(!is_html(b"{\"schema\": 1}"));
        let e = extract(&page).expect("extracts");
        assert_eq!(e.bytes, b"{}\n");
        assert_eq!(e.signature.as_deref(), Some("sig"));
        assert_eq!(extract("<!DOCTYPE html>"), Err(ExtractError::NoReport));
    }
}
