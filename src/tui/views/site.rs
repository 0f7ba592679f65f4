//! The site view: the site's tables as tabs with their row counts, the table shown with the
//! selected row, and the form a row (or the site's name) is typed into, over the table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::detail::line_editor;
use super::fit;
use crate::assessment::Assessment;
use crate::site::table::{Field, Table as SiteTable};
use crate::tui::app::{App, Level};
use crate::tui::editor::LineEditor;
use crate::tui::site::{Form, SiteView, Target};
use crate::tui::theme;

/// The width of the column that marks rows with a draft.
const MARK: u16 = 1;

/// Draws the site view.
///
/// ```text
///  preflight ─ st-example ─ site: St. Example Hospital
///  Hosts 3 │ Names 2 │ Ports 2 │ Resolvers 2 │ TLS 1 │ SQL 1 │ Cert files 0
/// ┌ Ports ─────────────────────────────────────────────────────────────────────┐
/// │  from              to                proto ports      purpose         out │
/// │✎ Console Web Se…   MS SQL Server C…  tcp   1433       database         no │
/// │  Console Web Se…   Spok Mobile Ser…  tcp   8091       Send messages    no │
/// └────────────────────────────────────────────────────────────────────────────┘
/// ┌ Port rule 1 ───────────────────────────────────────────────────────────────┐
/// │  from     Console Web Server - 1                                           │
/// │▸ ports    1433,80x80                                                       │
/// │                                                                            │
/// │✘ ports: invalid port list `1433,80x80` at character 6: …                   │
/// │ports: ports and ranges such as 443,8091,20000-20009                        │
/// └ Enter save · Tab ↑↓ field · Esc close, keeping what was typed ─────────────┘
///  The port matrix: a rule is probed from the machine whose role is its `from`.
///  Enter save  Tab ↑↓ field  Esc close (what was typed is kept)
/// ```
///
/// With a form open, the form takes the lower part and the table keeps the selected row in
/// view above it.
pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some((_, iv)) = app.current() else {
        return;
    };
    let a = &iv.assessment;
    let view = &app.site;
    let [header, tabs_area, body_area, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(2),
    ])
    .areas(area);
    let name = if a.site.name.is_empty() {
        Span::styled("no name yet (n names it)", theme::dim())
    } else {
        Span::raw(a.site.name.clone())
    };
    frame.render_widget(
        Line::from(vec![
            Span::styled(" preflight ", theme::title()),
            Span::styled("─ ", theme::dim()),
            Span::raw(a.name.clone()),
            Span::styled(" ─ site: ", theme::dim()),
            name,
        ]),
        header,
    );
    frame.render_widget(tabs(view, a, tabs_area.width), tabs_area);
    body(frame, body_area, view, a);
    let line1 = match &app.notice {
        Some(n) => Line::styled(
            format!(" {}", n.text),
            match n.level {
                Level::Info => theme::dim(),
                Level::Warn => theme::warn(),
                Level::Error => theme::bad(),
            },
        ),
        None => Line::styled(format!(" {}", about(view.table())), theme::dim()),
    };
    let keys: &[(&str, &str)] = if view.form.is_some() {
        &[
            ("Enter", "save"),
            ("Tab ↑↓", "field"),
            ("Esc", "close (what was typed is kept)"),
        ]
    } else {
        &[
            ("a", "add"),
            ("Enter", "edit"),
            ("d", "delete"),
            ("u", "undo"),
            ("n", "name"),
            ("1-7", "table"),
            ("Esc", "back"),
            ("?", "help"),
        ]
    };
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(format!(" {k}"), theme::key()));
        spans.push(Span::raw(format!(" {what} ")));
    }
    frame.render_widget(Paragraph::new(vec![line1, Line::from(spans)]), footer);
}

/// The table, and under it the form when one is open, or else the selected row in full where
/// the table leaves room for it.
fn body(frame: &mut Frame<'_>, area: Rect, view: &SiteView, a: &Assessment) {
    if let Some(form) = &view.form {
        let height = form_height(form, area.width).min(area.height.saturating_sub(4));
        let [upper, lower] =
            Layout::vertical([Constraint::Min(4), Constraint::Length(height)]).areas(area);
        table(frame, upper, view, a);
        render_form(frame, lower, form);
        return;
    }
    let t = view.table();
    let cursor = view.cursor(a);
    let height = u16::try_from(t.fields().len() + 2).unwrap_or(u16::MAX);
    let Some(row) = t.row(&a.site, cursor).filter(|_| area.height >= height + 6) else {
        table(frame, area, view, a);
        return;
    };
    let [upper, lower] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(height)]).areas(area);
    table(frame, upper, view, a);
    let block = Block::bordered()
        .title(format!(
            " {} {} of {} ",
            capitalised(t.row_name()),
            cursor + 1,
            t.len(&a.site)
        ))
        .border_style(theme::border(false));
    let inner = block.inner(lower);
    frame.render_widget(block, lower);
    let texts = row.texts();
    let values: Vec<&str> = texts.iter().map(String::as_str).collect();
    field_lines(frame, inner, t.fields(), &values, None);
}

/// What each table is for, in a line.
fn about(table: SiteTable) -> &'static str {
    match table {
        SiteTable::Hosts => "The machines and the roles they play; port rules name roles.",
        SiteTable::Names => "Names that must resolve, and to what, inside and outside.",
        SiteTable::Ports => {
            "The port matrix: a rule is probed from the machine whose role is its `from`."
        }
        SiteTable::Resolvers => "Resolvers to ask besides this machine's own.",
        SiteTable::Tls => "TLS endpoints to scan, with the name clients send.",
        SiteTable::Sql => "SQL Server instances and the login to use (never a password).",
        SiteTable::CertFiles => "Certificate files to inspect: PEM, DER, PKCS#7, PKCS#12.",
    }
}

/// The tabs with their row counts; shorter titles where the full ones do not fit.
fn tabs(view: &SiteView, a: &Assessment, width: u16) -> Line<'static> {
    let line = |short: bool| {
        let mut spans = Vec::new();
        for (i, t) in SiteTable::ALL.into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled("│", theme::dim()));
            }
            let title = match t {
                SiteTable::CertFiles if short => "Cert files",
                _ => t.title(),
            };
            let count = t.len(&a.site);
            if i == view.tab {
                spans.push(Span::styled(
                    format!(" {title} {count} "),
                    theme::selected(view.form.is_none()),
                ));
            } else {
                spans.push(Span::raw(format!(" {title} ")));
                spans.push(Span::styled(format!("{count} "), theme::dim()));
            }
        }
        Line::from(spans)
    };
    let full = line(false);
    if full.width() <= usize::from(width) {
        full
    } else {
        line(true)
    }
}

/// The columns of each table, one per field: a header and how much room it gets.
fn columns(table: SiteTable) -> &'static [(&'static str, Constraint)] {
    use Constraint::{Fill, Length};
    match table {
        SiteTable::Hosts => &[("name", Fill(2)), ("address", Fill(3)), ("roles", Fill(5))],
        SiteTable::Names => &[
            ("fqdn", Fill(4)),
            ("expect", Fill(3)),
            ("internal", Fill(3)),
            ("external", Fill(3)),
            ("reverse", Length(7)),
            ("hosts entry", Fill(2)),
        ],
        SiteTable::Ports => &[
            ("from", Fill(3)),
            ("to", Fill(3)),
            ("proto", Length(5)),
            ("ports", Fill(2)),
            ("purpose", Fill(4)),
            ("out", Length(3)),
        ],
        SiteTable::Resolvers => &[("side", Length(8)), ("address", Fill(1))],
        SiteTable::Tls => &[("endpoint", Fill(3)), ("sni", Fill(2)), ("role", Fill(3))],
        SiteTable::Sql => &[
            ("server", Fill(3)),
            ("database", Fill(2)),
            ("user", Fill(2)),
        ],
        SiteTable::CertFiles => &[("path", Fill(3)), ("purpose", Fill(2))],
    }
}

fn table(frame: &mut Frame<'_>, area: Rect, view: &SiteView, a: &Assessment) {
    let t = view.table();
    let n = t.len(&a.site);
    let mut block = Block::bordered()
        .title(format!(" {} ", t.title()))
        .border_style(theme::border(view.form.is_none()));
    let new_draft = Target::Row {
        table: t,
        index: None,
    }
    .draft_key();
    let typing_it = view
        .form
        .as_ref()
        .is_some_and(|f| f.target.draft_key() == new_draft);
    if a.drafts.contains_key(&new_draft) && !typing_it {
        block = block.title_bottom(Line::styled(
            format!(" ✎ a new {} was being typed: a picks it up ", t.row_name()),
            theme::warn(),
        ));
    }
    if n == 0 {
        frame.render_widget(
            Paragraph::new(format!("No {}s yet: a adds one.", t.row_name()))
                .style(theme::dim())
                .wrap(Wrap { trim: false })
                .block(block),
            area,
        );
        return;
    }
    let inner = block.inner(area);
    // A column for the draft mark, then the fields; widths worked out here so that every
    // cut cell can end in an ellipsis.
    let specs = columns(t);
    let widths: Vec<u16> = Layout::horizontal(specs.iter().map(|(_, c)| *c))
        .spacing(1)
        .split(Rect::new(0, 0, inner.width.saturating_sub(MARK + 1), 1))
        .iter()
        .map(|r| r.width)
        .collect();
    let header = Row::new(
        std::iter::once(Cell::from(""))
            .chain(
                specs
                    .iter()
                    .zip(&widths)
                    .map(|((h, _), w)| Cell::from(fit(h, usize::from(*w)))),
            )
            .collect::<Vec<_>>(),
    )
    .style(theme::title());
    let rows: Vec<Row<'_>> = (0..n)
        .filter_map(|i| {
            let texts = t.row(&a.site, i)?.texts();
            let drafted = a.drafts.contains_key(
                &Target::Row {
                    table: t,
                    index: Some(i),
                }
                .draft_key(),
            );
            let mark = Cell::from(Span::styled(if drafted { "✎" } else { " " }, theme::warn()));
            Some(Row::new(
                std::iter::once(mark)
                    .chain(
                        texts
                            .iter()
                            .zip(&widths)
                            .map(|(text, w)| Cell::from(fit(text, usize::from(*w)))),
                    )
                    .collect::<Vec<_>>(),
            ))
        })
        .collect();
    let constraints = std::iter::once(Constraint::Length(MARK))
        .chain(widths.iter().map(|w| Constraint::Length(*w)))
        .collect::<Vec<_>>();
    let widget = Table::new(rows, constraints)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme::selected(view.form.is_none()))
        .block(block);
    let mut state = TableState::default().with_selected(Some(view.cursor(a)));
    frame.render_stateful_widget(widget, area, &mut state);
}

/// The notes under a form's fields: why the last save was refused, and what the focused field
/// takes.
fn notes(form: &Form) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(e) = &form.error {
        notes.push(format!("✘ {e}"));
    }
    if let Some(f) = form.target.fields().get(form.focus) {
        notes.push(format!("{}: {}", f.name, f.hint));
    }
    notes
}

/// The rows a form needs at this width: its fields, a blank line, its notes once wrapped, and
/// its borders.
fn form_height(form: &Form, width: u16) -> u16 {
    let width = usize::from(width.saturating_sub(2)).max(1);
    let notes: usize = notes(form).iter().map(|n| wrapped(n, width)).sum();
    u16::try_from(form.target.fields().len() + 1 + notes + 2).unwrap_or(u16::MAX)
}

/// How many lines `text` takes when wrapped at word boundaries to `width` columns.
fn wrapped(text: &str, width: usize) -> usize {
    let mut lines = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let w = word.chars().count();
        let needed = if used == 0 { w } else { used + 1 + w };
        if needed <= width {
            used = needed;
        } else {
            lines += 1;
            used = w;
            while used > width {
                lines += 1;
                used -= width;
            }
        }
    }
    lines
}

/// The form: a line per field, the focused one being typed in, then the notes.
fn render_form(frame: &mut Frame<'_>, area: Rect, form: &Form) {
    let fields = form.target.fields();
    let title = match form.target {
        Target::Name => " Site name ".to_owned(),
        Target::Row { table, index: None } => format!(" New {} ", table.row_name()),
        Target::Row {
            table,
            index: Some(i),
        } => format!(" {} {} ", capitalised(table.row_name()), i + 1),
    };
    let block = Block::bordered()
        .title(title)
        .title_bottom(Line::styled(
            " Enter save · Tab ↑↓ field · Esc close, keeping what was typed ",
            theme::dim(),
        ))
        .border_style(theme::border(true));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let values: Vec<&str> = form.editors.iter().map(LineEditor::text).collect();
    field_lines(frame, inner, fields, &values, Some(form));
    let below = u16::try_from(fields.len() + 1).unwrap_or(u16::MAX);
    if inner.height > below {
        let notes_area = Rect {
            y: inner.y + below,
            height: inner.height - below,
            ..inner
        };
        let notes: Vec<Line<'_>> = notes(form)
            .into_iter()
            .map(|n| {
                let style = if n.starts_with('✘') {
                    theme::bad()
                } else {
                    theme::dim()
                };
                Line::styled(n, style)
            })
            .collect();
        frame.render_widget(Paragraph::new(notes).wrap(Wrap { trim: true }), notes_area);
    }
}

/// A line per field: its name and its value; in a form, the focused one being typed in and the
/// one at fault marked.
fn field_lines(
    frame: &mut Frame<'_>,
    inner: Rect,
    fields: &[Field],
    values: &[&str],
    form: Option<&Form>,
) {
    let label_w = fields
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    let value_x = inner.x + u16::try_from(label_w + 2).unwrap_or(0);
    let value_w = inner.right().saturating_sub(value_x);
    for (i, (f, value)) in fields.iter().zip(values).enumerate() {
        let Some(y) = inner
            .y
            .checked_add(u16::try_from(i).unwrap_or(u16::MAX))
            .filter(|y| *y < inner.bottom())
        else {
            break;
        };
        let editor = form.and_then(|f| (f.focus == i).then(|| &f.editors[i]));
        let wrong = form
            .and_then(|f| f.error.as_ref())
            .is_some_and(|e| e.index == i);
        let style = if wrong {
            theme::bad()
        } else if editor.is_some() {
            theme::title()
        } else {
            theme::dim()
        };
        let label = Line::from(vec![
            Span::styled(if editor.is_some() { "▸ " } else { "  " }, theme::key()),
            Span::styled(format!("{:label_w$}", f.name), style),
        ]);
        frame.render_widget(label, Rect::new(inner.x, y, inner.width, 1));
        let area = Rect::new(value_x, y, value_w, 1);
        match editor {
            Some(editor) => line_editor(frame, area, editor),
            None => frame.render_widget(Line::raw(fit(value, usize::from(value_w))), area),
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
