//! Whole-screen snapshots of the TUI's main views, drawn on ratatui's `TestBackend` after driving
//! the app with the same actions the keys produce. 80×24 is the smallest terminal we promise to
//! be readable in; 160×48 shows how the space of a large one is used.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use preflight::assessment::Assessment;
use preflight::checklist::{Checklist, Origin, builtin};
use preflight::store::SessionInfo;
use preflight::tui::app::{App, Screen};
use preflight::tui::{keys, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOW: &str = "2026-11-22T09:30:00Z";

fn checklist(id: &str) -> Checklist {
    let (name, text) = builtin::SOURCES
        .iter()
        .find(|(name, _)| name.strip_suffix(".toml") == Some(id))
        .expect("built-in checklist");
    Checklist::parse(text, Path::new(name), Origin::Builtin).expect("built-in checklist is valid")
}

fn app_on(id: &str) -> App {
    let c = checklist(id);
    let a = Assessment::new("st-example", &c, NOW);
    let mut app = App::new(vec![c], Vec::new(), "ana");
    app.open(a).expect("opens");
    app
}

/// Presses keys the way the event loop does: key → action → update.
fn press(app: &mut App, keys_: &[KeyCode]) {
    for code in keys_ {
        let key = KeyEvent::new(*code, KeyModifiers::NONE);
        if let Some(action) = keys::action(key, app) {
            app.notice = None;
            app.update(action, NOW);
        }
    }
    app.effects.clear();
}

fn type_text(app: &mut App, text: &str) {
    let codes: Vec<KeyCode> = text.chars().map(KeyCode::Char).collect();
    press(app, &codes);
}

fn draw(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| views::render(frame, app))
        .expect("draws");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        for x in 0..width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn both_sizes(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), draw(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), draw(app, 160, 48));
}

/// Answers the first items of the `ActiveSync` checklist: a choice, a text, a failed blocker
/// and a note.
fn walked() -> App {
    use KeyCode::{Down, Enter};
    let mut app = app_on("activesync-device-trust");
    press(&mut app, &[Enter, Down, Enter, Enter]);
    type_text(&mut app, "mail.example.org");
    press(
        &mut app,
        &[
            Enter,
            KeyCode::Char('n'),
            KeyCode::Char('k'),
            KeyCode::Char('e'),
        ],
    );
    type_text(&mut app, "CN is the SBS internal name");
    press(&mut app, &[Enter]);
    app
}

#[test]
fn interview_after_a_few_answers() {
    let app = walked();
    let (_, iv) = app.current().expect("interview");
    assert_eq!(iv.assessment.entries.len(), 3);
    both_sizes("interview", &app);
}

#[test]
fn choice_editor_open() {
    let mut app = app_on("activesync-device-trust");
    press(&mut app, &[KeyCode::Enter]);
    both_sizes("choice_editor", &app);
}

#[test]
fn open_blockers_filter_spans_sections() {
    let mut app = walked();
    press(&mut app, &[KeyCode::Char('f'), KeyCode::Char('f')]);
    both_sizes("blockers_filter", &app);
}

#[test]
fn search_while_typing() {
    let mut app = walked();
    press(&mut app, &[KeyCode::Char('/')]);
    type_text(&mut app, "der");
    both_sizes("search", &app);
}

#[test]
fn help_overlay() {
    let mut app = walked();
    press(&mut app, &[KeyCode::Char('?')]);
    both_sizes("help", &app);
}

#[test]
fn picker_lists_sessions_and_new() {
    let c = checklist("sap-smp-relay-https");
    let sessions = vec![SessionInfo {
        name: "st-example".into(),
        checklist: "sap-smp-relay-https 1.0.0".into(),
        updated: NOW.into(),
        answered: 12,
    }];
    let mut app = App::new(vec![c], sessions, "ana");
    assert_eq!(app.screen, Screen::Picker);
    both_sizes("picker", &app);
    press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    both_sizes("picker_name", &app);
}

/// The probes view after a run: one port rule failed, one untestable, a name resolved.
#[test]
fn probes_view_with_results() {
    use preflight::probe::run::Event;
    use preflight::probe::{ProbeKind, ProbeResult, Verdict};
    use preflight::site::Site;
    use preflight::tui::app::Action;

    let mut app = app_on("activesync-device-trust");
    app.host = "cws1".into();
    let site = Site::parse(
        r#"
site = "St. Example"
[[host]]
name = "sql"
address = "10.1.5.11"
roles = ["MS SQL Server Cluster"]
[[name]]
fqdn = "mail.example.org"
expect = ["10.1.2.3"]
[[port]]
from = "Console Web Server - 1"
to = "MS SQL Server Cluster"
ports = "1433"
[[port]]
from = "Console Web Server - 1"
to = "SAN/DFS/File Server"
protocol = "udp"
ports = "135-139"
"#,
        Path::new("site.toml"),
    )
    .expect("site");
    if let Some(iv) = app.interview.as_mut() {
        iv.assessment.site = site;
    }
    press(&mut app, &[KeyCode::Char('p'), KeyCode::Char('v')]);
    assert_eq!(
        app.probes.vantage.as_deref(),
        Some("Console Web Server - 1")
    );
    assert_eq!(app.probes.tasks.len(), 5, "{:?}", app.probes.tasks);
    press(&mut app, &[KeyCode::Char('r')]);
    let result = |kind, check: &str, target: &str, verdict, summary: &str| ProbeResult {
        kind,
        check: check.into(),
        target: target.into(),
        verdict,
        summary: summary.into(),
        evidence: preflight::probe::Evidence::none(),
        at: NOW.into(),
        ms: 3,
    };
    let tcp = app.probes.tasks[3].label();
    let up = "resolver internal 1 (10.0.0.53:53) answered 2 of 2 queries";
    for (i, r) in [
        (
            0,
            result(
                ProbeKind::Dns,
                "resolver_up",
                "internal 1",
                Verdict::Pass,
                up,
            ),
        ),
        (
            1,
            result(
                ProbeKind::Dns,
                "resolves",
                "mail.example.org",
                Verdict::Pass,
                "every resolver gives 10.1.2.3",
            ),
        ),
        (
            3,
            result(
                ProbeKind::Tcp,
                "reachable",
                &tcp,
                Verdict::Fail,
                "1433 filtered (no answer in 3 s): a firewall between here and 10.1.5.11 drops it",
            ),
        ),
    ] {
        app.update(Action::Probe(Event::Started(i)), NOW);
        app.update(Action::Probe(Event::Finished(i, vec![r])), NOW);
    }
    app.update(Action::Probe(Event::Started(2)), NOW);
    both_sizes("probes_running", &app);
    app.update(Action::Probe(Event::Ended), NOW);
    press(&mut app, &[KeyCode::Down, KeyCode::Down, KeyCode::Down]);
    both_sizes("probes", &app);
    let saved = &app.current().expect("interview").1.assessment.runs;
    assert_eq!(saved["Console Web Server - 1"].results.len(), 3);
    assert!(
        app.effects.is_empty(),
        "press() clears effects; saving was queued"
    );
}

/// A site with a few rows of each kind that the site view shows first.
fn with_site() -> App {
    let mut app = app_on("activesync-device-trust");
    let site = preflight::site::Site::parse(
        r#"
site = "St. Example Hospital"
[resolvers]
internal = ["10.0.0.53"]
external = ["203.0.113.53:5353"]
[[host]]
name = "cws1"
address = "cws1.example.org"
roles = ["Console Web Server - 1"]
[[host]]
name = "sql"
address = "10.1.5.11"
roles = ["MS SQL Server Cluster", "SQL Mirror Witness"]
[[name]]
fqdn = "mail.example.org"
internal = ["10.1.2.3"]
external = ["203.0.113.7"]
[[port]]
from = "Console Web Server - 1"
to = "MS SQL Server Cluster"
ports = "1433"
purpose = "Spok Console or MediCall database connection"
[[port]]
from = "Console Web Server - 1"
to = "Spok Mobile Servers via Load Balancer"
ports = "8091,20000-20009"
purpose = "Send messages and device registrations to Spok Mobile Server"
[[port]]
from = "Spok Mobile Servers via Load Balancer"
to = "push.apple.com"
ports = "443,2195-2196"
purpose = "Apple push notifications"
outbound = true
[[tls]]
endpoint = "spokmobile.example.org:443"
[[sql]]
server = 'sqlcluster.example.org\SPOK'
user = "sdc"
"#,
        Path::new("site.toml"),
    )
    .expect("site");
    if let Some(iv) = app.interview.as_mut() {
        iv.assessment.site = site;
    }
    app
}

/// The port matrix of a site with a few rows, the second one selected.
#[test]
fn site_view_with_rows() {
    use KeyCode::{Char, Down};
    let mut app = with_site();
    press(&mut app, &[Char('S'), Char('3'), Down]);
    assert_eq!(app.screen, Screen::Site);
    both_sizes("site", &app);
}

/// A port rule being edited, refused: the form stays open on the field at fault and says what
/// it expected.
#[test]
fn site_row_form_with_a_refused_field() {
    use KeyCode::{Backspace, Char, Enter, Tab};
    let mut app = with_site();
    press(&mut app, &[Char('S'), Char('3'), Enter, Tab, Tab, Tab]);
    press(&mut app, &[Backspace; 4]);
    type_text(&mut app, "1433,14x4");
    press(&mut app, &[Enter]);
    let form = app.site.form.as_ref().expect("the form stays open");
    assert_eq!(form.error.as_ref().map(|e| e.field), Some("ports"));
    let (_, iv) = app.current().expect("interview");
    assert_eq!(
        iv.assessment.site.ports[0].ports.written(),
        "1433",
        "nothing changed"
    );
    both_sizes("site_form", &app);
}

/// At 80×24 the help is taller than the screen: the arrows reach its last group.
#[test]
fn help_scrolls_to_its_end_in_a_small_terminal() {
    let mut app = walked();
    press(&mut app, &[KeyCode::Char('?')]);
    assert!(draw(&app, 80, 24).contains("↑↓ scroll"));
    press(&mut app, &[KeyCode::PageDown; 5]);
    let screen = draw(&app, 80, 24);
    assert!(
        screen.contains("quit (every answer is already saved)"),
        "{screen}"
    );
    press(&mut app, &[KeyCode::Char('x')]);
    assert!(!app.help, "any other key closes the help");
}

/// A search finds items not asked yet, so the consultant sees them and why they wait.
#[test]
fn search_finds_items_that_are_not_asked_yet() {
    let mut app = app_on("activesync-device-trust");
    let (c, iv) = app.current().expect("interview");
    let hidden = c
        .items()
        .find(|i| !iv.assessment.is_asked(c, i))
        .expect("a conditional item")
        .clone();
    press(&mut app, &[KeyCode::Char('/')]);
    type_text(&mut app, &hidden.id);
    press(&mut app, &[KeyCode::Enter]);
    let (c, iv) = app.current().expect("interview");
    assert_eq!(
        iv.selected(c).map(|i| i.id.as_str()),
        Some(hidden.id.as_str())
    );
    let screen = draw(&app, 160, 48);
    assert!(screen.contains("○"), "{screen}");
    assert!(screen.contains("Asked when"), "{screen}");
}

/// A TLS scan in the probes view: the grade, the protocol × suite grid, the chain as a tree.
#[test]
fn tls_scan_as_a_grid_and_a_chain() {
    use preflight::probe::run::Event;
    use preflight::probe::{ProbeKind, ProbeResult, Verdict};
    use preflight::site::Site;
    use preflight::tui::app::Action;

    let mut app = app_on("activesync-device-trust");
    app.host = "cws1".into();
    let site = Site::parse(
        "[[tls]]\nendpoint = \"mail.example.org:443\"\n",
        Path::new("site.toml"),
    )
    .expect("site");
    if let Some(iv) = app.interview.as_mut() {
        iv.assessment.site = site;
    }
    press(&mut app, &[KeyCode::Char('p')]);
    assert_eq!(app.probes.tasks.len(), 1);
    let protocol = |v: &str, suites: &[&str]| {
        serde_json::json!({ "version": v, "offered": !suites.is_empty(), "cipher_suites": suites,
            "groups": [], "preference": "server" })
    };
    let facts = serde_json::json!({
        "host": "mail.example.org", "port": 443, "sni": "mail.example.org",
        "protocols": [
            protocol("TLSv1.0", &["TLS_RSA_WITH_3DES_EDE_CBC_SHA"]),
            protocol("TLSv1.2", &["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"]),
            protocol("TLSv1.3", &[]),
        ],
        "certificate": {
            "subject": "CN=mail.example.org", "san": ["mail.example.org"], "issuer": "CN=Example Issuing CA",
            "not_after": "2027-05-01T00:00:00Z", "days_left": 160, "key_type": "2048-bit RSA",
            "key_bits": 2048, "key_strength": 2048, "signature_hash": "SHA256", "chain_hashes": ["SHA256"],
            "self_signed": false, "expired": false, "not_yet_valid": false, "wildcard": false,
            "hostname_match": true, "hostname": "mail.example.org",
            "chain": [
                { "subject": "CN=mail.example.org", "issuer": "CN=Example Issuing CA", "sha256": "AA" },
                { "subject": "CN=Example Issuing CA", "issuer": "CN=Example Root", "sha256": "BB" }
            ]
        },
        "trust": { "trusted": false, "reason": "unknown_issuer",
            "detail": "the chain ends at CN=Example Issuing CA, issued by CN=Example Root, which this machine does not trust (untrusted root, ActiveSync Internet_45)" },
        "errors": [], "complete": true
    });
    let result = ProbeResult {
        kind: ProbeKind::Tls,
        check: "scan".into(),
        target: app.probes.tasks[0].label(),
        verdict: Verdict::Fail,
        summary: "grade T: not trusted".into(),
        // As a session file stores it.
        evidence: preflight::probe::Evidence::read(
            ProbeKind::Tls,
            serde_json::json!({ "facts": facts, "grade": { "grade": "T", "score": 80, "caps": [] } }),
        ),
        at: NOW.into(),
        ms: 640,
    };
    app.update(Action::Probe(Event::Started(0)), NOW);
    app.update(Action::Probe(Event::Finished(0, vec![result])), NOW);
    app.update(Action::Probe(Event::Ended), NOW);
    let screen = draw(&app, 160, 48);
    assert!(screen.contains("Grade T"), "{screen}");
    assert!(screen.contains("RSA_WITH_3DES_EDE_CBC_SHA"), "{screen}");
    assert!(screen.contains("  └ CN=Example Issuing CA"), "{screen}");
    both_sizes("probes_tls", &app);
}

/// A certificate file in the probes view: what it holds, each certificate as a person checks
/// it, read from the facts the probe keeps (not as raw JSON).
#[test]
fn a_certificate_file_in_the_probes_view() {
    use preflight::probe::run::Event;
    use preflight::probe::{ProbeKind, ProbeResult, Verdict, certfile};
    use preflight::site::Site;
    use preflight::tui::app::Action;

    let dir = tempfile::tempdir().expect("tempdir");
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["sms.example.org".to_owned()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    let path = dir.path().join("sms.pem");
    std::fs::write(&path, cert.pem()).expect("write");
    let mut app = app_on("spok-mobile-4.5");
    let site = Site::parse(
        &format!("[[certfile]]\npath = '{}'\n", path.display()),
        Path::new("site.toml"),
    )
    .expect("site");
    if let Some(iv) = app.interview.as_mut() {
        iv.assessment.site = site;
    }
    press(&mut app, &[KeyCode::Char('p')]);
    let facts = certfile::measure(&path, None, 1_780_272_000);
    let result = ProbeResult {
        kind: ProbeKind::Certfile,
        check: "file".into(),
        target: app.probes.tasks[0].label(),
        verdict: Verdict::Pass,
        summary: "read".into(),
        evidence: preflight::probe::Evidence::of(preflight::probe::Facts::Certfile(Box::new(
            preflight::probe::evidence::CertfileEvidence {
                facts,
                findings: Vec::new(),
            },
        ))),
        at: NOW.into(),
        ms: 1,
    };
    app.update(Action::Probe(Event::Started(0)), NOW);
    app.update(Action::Probe(Event::Finished(0, vec![result])), NOW);
    app.update(Action::Probe(Event::Ended), NOW);
    let screen = draw(&app, 160, 48);
    assert!(
        screen.contains("PEM · 1 certificate(s) · private key: none"),
        "{screen}"
    );
    assert!(screen.contains("self-signed"), "{screen}");
    assert!(!screen.contains("\"inspection\""), "not raw JSON: {screen}");
}

/// A SQL probe in the probes view: the server, its availability group with the asynchronous
/// replica marked, backups, and each SQL rule of the checklist with the items it answers.
#[test]
fn sql_probe_with_its_rules_and_items() {
    use preflight::probe::run::Event;
    use preflight::probe::{ProbeKind, ProbeResult, Verdict};
    use preflight::site::Site;
    use preflight::tui::app::Action;

    let mut app = app_on("spok-mobile-4.5");
    app.host = "cws1".into();
    let site = Site::parse(
        "[[sql]]\nserver = 'sqlcluster.example.org\\SPOK'\nuser = \"sdc\"\n",
        Path::new("site.toml"),
    )
    .expect("site");
    if let Some(iv) = app.interview.as_mut() {
        iv.assessment.site = site;
    }
    press(&mut app, &[KeyCode::Char('p')]);
    assert_eq!(app.probes.tasks.len(), 1, "{:?}", app.probes.tasks);
    let replica = |server: &str, mode: &str, failover: &str, role: &str| {
        serde_json::json!({ "group": "SPOKAG", "server": server,
            "endpoint_url": format!("TCP://{}.example.org:5022", server.to_lowercase()),
            "availability_mode": mode, "failover_mode": failover, "role": role,
            "health": "HEALTHY", "connected": "CONNECTED" })
    };
    let facts = serde_json::json!({
        "server": "sqlcluster.example.org\\SPOK", "address": "10.1.5.11:49733", "user": "sdc",
        "connection_error": null,
        "prelogin": { "version": "13.0.5026", "product": "SQL Server 2016", "encryption": "forced" },
        "encrypted": { "value": true },
        "instance": { "value": { "product_version": "13.0.5026.0", "major": 13,
            "product_level": "SP2", "update_level": "CU17", "edition": "Enterprise Edition (64-bit)",
            "engine_edition": 3, "clustered": false, "hadr_enabled": true, "server_name": "SQL1",
            "login": "sdc", "auth_scheme": "SQL", "sysadmin": true } },
        "permissions": { "value": [] },
        "databases": { "value": [] },
        "replicas": { "value": [
            replica("SQL1", "SYNCHRONOUS_COMMIT", "AUTOMATIC", "PRIMARY"),
            replica("SQL2", "ASYNCHRONOUS_COMMIT", "MANUAL", "SECONDARY"),
        ] },
        "listeners": { "value": [
            { "group": "SPOKAG", "dns_name": "spokag", "port": 1433, "ip": "10.1.0.50",
              "subnet": "10.1.0.0/24", "state": "ONLINE" },
            { "group": "SPOKAG", "dns_name": "spokag", "port": 1433, "ip": "10.2.0.50",
              "subnet": "10.2.0.0/24", "state": "OFFLINE" }
        ] },
        "mirroring": { "value": [] },
        "backups": { "unknown": "could not verify: permission (error 229: The SELECT permission was denied on the object 'backupset', database 'msdb', schema 'dbo'.)" },
        "queries": [
            { "tag": "server", "doc": "", "sql": "SELECT …", "outcome": "1 row" },
            { "tag": "ag_replicas", "doc": "", "sql": "SELECT …", "outcome": "2 rows" },
            { "tag": "backups", "doc": "", "sql": "SELECT …", "outcome": "could not verify: permission (error 229)" }
        ],
        "batches": 2, "ms": 41
    });
    let result = ProbeResult {
        kind: ProbeKind::Sql,
        check: "probe".into(),
        target: app.probes.tasks[0].label(),
        verdict: Verdict::Fail,
        summary: "SQL2 in SPOKAG is ASYNCHRONOUS_COMMIT".into(),
        // As a session file stores it.
        evidence: preflight::probe::Evidence::read(
            ProbeKind::Sql,
            serde_json::json!({ "facts": facts, "findings": [] }),
        ),
        at: NOW.into(),
        ms: 41,
    };
    app.update(Action::Probe(Event::Started(0)), NOW);
    app.update(Action::Probe(Event::Finished(0, vec![result])), NOW);
    app.update(Action::Probe(Event::Ended), NOW);
    let screen = draw(&app, 160, 48);
    assert!(
        screen.contains("SQL Server 2016 Enterprise Edition (64-bit)"),
        "{screen}"
    );
    assert!(
        screen.contains("SPOKAG · SQL2 · SECONDARY · ASYNCHRONOUS_COMMIT"),
        "{screen}"
    );
    assert!(screen.contains("error 229"), "{screen}");
    both_sizes("probes_sql", &app);
    // The rules below the pane's end come into view with PgDn.
    assert!(
        !screen.contains("asynchronous commit may result"),
        "{screen}"
    );
    press(&mut app, &[KeyCode::PageDown, KeyCode::PageDown]);
    let screen = draw(&app, 160, 48);
    assert!(screen.contains("Results (line 21)"), "{screen}");
    assert!(
        screen.contains("asynchronous commit may result"),
        "{screen}"
    );
}

/// Running a SQL probe asks for the login's password in a masked field, once, and keeps it
/// in memory only; Esc runs the other probes without it.
#[test]
fn the_sql_password_is_asked_masked_and_never_shown() {
    use preflight::site::Site;
    use preflight::tui::probes::TaskStatus;

    let mut app = app_on("spok-mobile-4.5");
    let site = Site::parse(
        "[[sql]]\nserver = '10.1.5.11'\nuser = \"sdc\"\n\n[[tls]]\nendpoint = \"10.1.5.12:443\"\n",
        Path::new("site.toml"),
    )
    .expect("site");
    if let Some(iv) = app.interview.as_mut() {
        iv.assessment.site = site;
    }
    press(&mut app, &[KeyCode::Char('p')]);
    let sql = app
        .probes
        .tasks
        .iter()
        .position(|t| t.label().starts_with("SQL Server"))
        .expect("a SQL task");
    app.probes.cursor = sql;
    press(&mut app, &[KeyCode::Enter]);
    assert!(app.typing(), "letters go to the password");
    assert_eq!(app.probes.status[sql], TaskStatus::Idle, "nothing runs yet");
    type_text(&mut app, "Pa55-word");
    let screen = draw(&app, 160, 48);
    assert!(
        screen.contains("SQL password for sdc (not saved): *********"),
        "{screen}"
    );
    assert!(!screen.contains("Pa55-word"));
    assert!(
        !format!("{:?}", app.probes).contains("Pa55"),
        "nor while typing"
    );
    press(&mut app, &[KeyCode::Enter]);
    assert!(!app.typing());
    assert_eq!(app.probes.status[sql], TaskStatus::Queued);
    assert!(
        !format!("{:?}", app.probes).contains("Pa55-word"),
        "Debug never shows it"
    );
    // Asked once: the next run goes straight ahead.
    app.probes.running = false;
    press(&mut app, &[KeyCode::Char('r')]);
    assert!(!app.typing());
    assert!(app.probes.status.iter().all(|s| *s == TaskStatus::Queued));

    // Esc: the rest runs, SQL does not.
    let mut app2 = app_on("spok-mobile-4.5");
    if let (Some(iv), Some(iv2)) = (app.interview.as_ref(), app2.interview.as_mut()) {
        iv2.assessment.site = iv.assessment.site.clone();
    }
    press(&mut app2, &[KeyCode::Char('p'), KeyCode::Char('r')]);
    assert!(app2.typing());
    press(&mut app2, &[KeyCode::Esc]);
    assert_eq!(app2.probes.status[sql], TaskStatus::Idle);
    assert!(app2.probes.status.contains(&TaskStatus::Queued));
}

/// A run with a SQL login and a PFX file asks both passwords, one after the other, masked; Esc
/// on the PFX one still reads the files (their rules then cannot tell).
#[test]
fn the_sql_and_pfx_passwords_are_asked_in_turn() {
    use preflight::site::Site;
    use preflight::tui::probes::{Asked, TaskStatus};

    let site = Site::parse(
        "[[sql]]\nserver = '10.1.5.11'\nuser = \"sdc\"\n\n\
         [[certfile]]\npath = 'C:\\Certs\\certificate.pfx'\n",
        Path::new("site.toml"),
    )
    .expect("site");
    let mut app = app_on("spok-mobile-4.5");
    if let Some(iv) = app.interview.as_mut() {
        iv.assessment.site = site.clone();
    }
    press(&mut app, &[KeyCode::Char('p'), KeyCode::Char('r')]);
    assert_eq!(
        app.probes.asking.as_ref().map(|a| a.asked),
        Some(Asked::Sql)
    );
    type_text(&mut app, "Sql-pw");
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(
        app.probes.asking.as_ref().map(|a| a.asked),
        Some(Asked::Pfx)
    );
    type_text(&mut app, "Pfx-pw");
    let screen = draw(&app, 160, 48);
    assert!(
        screen.contains("PFX password (not saved): ******"),
        "{screen}"
    );
    assert!(!screen.contains("Pfx-pw") && !format!("{:?}", app.probes).contains("Pfx-pw"));
    press(&mut app, &[KeyCode::Enter]);
    assert!(!app.typing());
    assert!(app.probes.status.iter().all(|s| *s == TaskStatus::Queued));

    let mut app = app_on("spok-mobile-4.5");
    if let Some(iv) = app.interview.as_mut() {
        iv.assessment.site = site;
    }
    press(
        &mut app,
        &[KeyCode::Char('p'), KeyCode::Char('r'), KeyCode::Esc],
    );
    assert_eq!(
        app.probes.asking.as_ref().map(|a| a.asked),
        Some(Asked::Pfx),
        "no SQL password: the PFX one is still asked"
    );
    press(&mut app, &[KeyCode::Esc]);
    assert!(!app.typing());
    let file = app
        .probes
        .tasks
        .iter()
        .position(|t| t.label().starts_with("certificate file"))
        .expect("a file task");
    assert_eq!(app.probes.status[file], TaskStatus::Queued);
}

/// The walked app on its finish screen, with the key and folder defaults the event loop sets
/// (fixed here so the snapshots do not depend on the machine).
fn finishing() -> App {
    let mut app = walked();
    app.finish.default_key = "/home/ana/.config/preflight/preflight_ed25519".into();
    app.finish.sessions_dir = "/home/ana/.local/share/preflight/sessions".into();
    press(&mut app, &[KeyCode::Char('F')]);
    assert_eq!(app.screen, Screen::Finish);
    app
}

#[test]
fn finish_screen_with_findings_and_blockers() {
    let app = finishing();
    both_sizes("finish", &app);
}

#[test]
fn finish_screen_after_signing_and_exporting() {
    use preflight::tui::finish::Command;
    let mut app = finishing();
    let dir =
        std::path::PathBuf::from("/home/ana/.local/share/preflight/sessions/st-example.report");
    let updated = app
        .current()
        .map(|(_, iv)| iv.assessment.updated.clone())
        .expect("interview");
    // What the effects leave behind (they are run for real by the unit tests and tmux test).
    app.finish.built_from = Some(updated);
    app.finish.signed_by = Some("ana (SHA256:Wcw6+U/SMODAwIfLpRVmtR3sCxHes36NWvtzeEqIcdw)".into());
    for (what, file) in [
        ("report", "report.json"),
        ("signature", "report.json.sig"),
        ("HTML page", "report.html"),
    ] {
        app.finish.written.push((what.into(), dir.join(file)));
    }
    // The cursor on the actions, below the blockers.
    press(&mut app, &[KeyCode::End, KeyCode::Up]);
    app.say(
        preflight::tui::app::Level::Info,
        "HTML page written, signed: /home/ana/.local/share/preflight/sessions/st-example.report/report.html",
    );
    both_sizes("finish_signed", &app);
    // The passphrase is masked as it is typed.
    app.notice = None;
    app.finish.editing = Some((
        preflight::tui::finish::Field::Passphrase,
        preflight::tui::editor::LineEditor::new("s3cret"),
    ));
    app.finish.pending = Some(Command::Sign);
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("Passphrase (not kept): ******"), "{screen}");
    assert!(!screen.contains("s3cret"));
}

#[test]
fn enter_on_a_blocker_goes_to_its_item_in_the_interview() {
    let mut app = finishing();
    let blockers = preflight::tui::finish::blockers(&app);
    assert!(blockers.len() >= 2, "{blockers:?}");
    press(&mut app, &[KeyCode::Down, KeyCode::Enter]);
    assert_eq!(app.screen, Screen::Interview);
    let (c, iv) = app.current().expect("interview");
    assert_eq!(
        iv.selected(c).map(|i| i.id.clone()),
        Some(blockers[1].0.clone())
    );
    // F again, Esc back: the finish screen keeps its place.
    press(&mut app, &[KeyCode::Char('F')]);
    assert_eq!(app.screen, Screen::Finish);
    assert_eq!(app.finish.cursor, 1);
    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(app.screen, Screen::Interview);
}
