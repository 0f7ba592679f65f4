//! The real binary driven in tmux, with real keys: answers survive quitting and reopening, a
//! `kill -9` between two answers, and drafts survive a `kill -9`, a hang-up (`SIGHUP`, the
//! terminal closing) and `SIGTERM`, which also leave the terminal usable; a site row typed in
//! the site view is checked, saved, and its draft survives a `kill -9`; the finish screen signs
//! and exports a report (the key's passphrase typed masked) whose page verifies.
//!
//! Each test has its own tmux server (a socket in its temporary directory, killed on drop even
//! when the test panics), a 100×30 window, and `XDG_DATA_HOME`/`XDG_CONFIG_HOME`/`HOME` in that
//! directory. tmux is required: without it the tests fail, they never skip.

#![cfg(unix)]

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

mod common;

use common::run_with_watchdog;
use serde_json::Value;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_preflight");
const ACTIVESYNC: &str = "activesync-device-trust";
/// How long a screen or a file may take to show what a test waits for.
const WAIT: Duration = Duration::from_secs(10);

/// Runs a program in the pane's foreground with its pid in a file, then says how it ended and
/// whether the terminal was left in raw mode, and stays so the pane can still be read.
const RUN_SH: &str = r#"pidfile=$1
shift
sh -c 'echo $$ > "$0.new" && mv "$0.new" "$0" && exec "$@"' "$pidfile" "$@"
code=$?
if stty -a | grep -Eq '(^|[ ;])-(icanon|echo)([ ;]|$)'; then tty=RAW; else tty=SANE; fi
printf '\r\nEXITED %s TTY %s\r\n' "$code" "$tty"
exec sleep 600
"#;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// One test's world: a temporary home, a private tmux server, and the preflight run in it.
struct Tui {
    dir: TempDir,
    socket: PathBuf,
    /// The tmux session of the current run; each start makes a new one.
    target: String,
    runs: u32,
}

impl Tui {
    fn new() -> Self {
        let found = Command::new("tmux").arg("-V").output();
        assert!(
            found.as_ref().is_ok_and(|o| o.status.success()),
            "tmux is not on PATH ({found:?}): these end-to-end tests drive the TUI in tmux and \
             do not skip; `.ci/run` installs it (apt-get install tmux)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["data", "config", "home"] {
            fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        fs::write(dir.path().join("run.sh"), RUN_SH).expect("write run.sh");
        let socket = dir.path().join("tmux.sock");
        Self {
            dir,
            socket,
            target: String::new(),
            runs: 0,
        }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn session_file(&self, name: &str) -> PathBuf {
        self.path("data/preflight/sessions")
            .join(format!("{name}.json"))
    }

    fn tmux(&self, args: &[&str]) -> String {
        let mut cmd = Command::new("tmux");
        cmd.arg("-u")
            .arg("-S")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .env("SHELL", "/bin/sh")
            .env_remove("TMUX");
        let out = run_with_watchdog(cmd, &format!("tmux {}", args.join(" ")));
        assert_eq!(
            out.code,
            0,
            "tmux {} failed: {}{}",
            args.join(" "),
            out.stdout,
            out.stderr
        );
        out.stdout
    }

    /// Starts preflight with `args` in a fresh 100×30 tmux session, ending the previous run's.
    fn start(&mut self, args: &[&str]) {
        if !self.target.is_empty() {
            self.tmux(&["kill-session", "-t", &self.target]);
        }
        let _ = fs::remove_file(self.path("pid"));
        self.runs += 1;
        self.target = format!("run{}", self.runs);
        let p = |s: &str| quote(&self.path(s).to_string_lossy());
        let mut cmd = format!(
            "env -u PREFLIGHT_SQL_PASSWORD XDG_DATA_HOME={} XDG_CONFIG_HOME={} HOME={} PREFLIGHT_USER=tester \
             RUST_BACKTRACE=0 TERM=xterm-256color sh {} {} {}",
            p("data"),
            p("config"),
            p("home"),
            p("run.sh"),
            p("pid"),
            quote(BIN)
        );
        for a in args {
            cmd.push(' ');
            cmd.push_str(&quote(a));
        }
        let target = self.target.clone();
        self.tmux(&[
            "new-session",
            "-d",
            "-s",
            &target,
            "-x",
            "100",
            "-y",
            "30",
            &cmd,
        ]);
    }

    /// Sends tmux key names (`Enter`, `Down`, `q`, …).
    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.target];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Types text literally.
    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", &self.target, "-l", text]);
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.target])
    }

    /// Polls the screen every 50 ms until it shows `text`; fails with the last screen.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "`{text}` did not appear within {WAIT:?}; the screen:\n{screen}"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen shows every one of `texts` at once: a screen read while the TUI
    /// is drawing may hold its title and not yet its body.
    fn wait_for_all(&self, texts: &[&str]) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.screen();
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "{texts:?} did not all appear within {WAIT:?}; the screen:\n{screen}"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// The pid of preflight in the current run.
    fn pid(&self) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(pid) = fs::read_to_string(self.path("pid")) {
                return pid.trim().to_owned();
            }
            assert!(Instant::now() < deadline, "preflight never wrote its pid");
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, signal: &str) {
        let pid = self.pid();
        let mut cmd = Command::new("kill");
        cmd.args([&format!("-{signal}"), pid.as_str()]);
        let out = run_with_watchdog(cmd, &format!("kill -{signal} {pid}"));
        assert_eq!(out.code, 0, "kill -{signal} {pid}: {}", out.stderr);
    }

    /// The session file, parsed.
    fn session(&self, name: &str) -> Value {
        let bytes = fs::read(self.session_file(name)).expect("read the session file");
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "the session file does not parse: {e}\n{}",
                String::from_utf8_lossy(&bytes)
            )
        })
    }

    /// Polls the session file until `ready` holds for it; fails with the last content.
    fn wait_for_file(&self, name: &str, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = fs::read_to_string(self.session_file(name)).unwrap_or_default();
            if let Ok(json) = serde_json::from_str::<Value>(&text)
                && ready(&json)
            {
                return json;
            }
            assert!(
                Instant::now() < deadline,
                "the session file never showed {what}:\n{text}"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs the CLI against the same home and parses its JSON output.
    fn cli_json(&self, args: &[&str]) -> Value {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("HOME", self.path("home"))
            .env("PREFLIGHT_USER", "tester")
            .env_remove("RUST_BACKTRACE");
        let out = run_with_watchdog(cmd, &format!("preflight {}", args.join(" ")));
        assert_eq!(
            out.code,
            0,
            "preflight {}: {}{}",
            args.join(" "),
            out.stdout,
            out.stderr
        );
        serde_json::from_str(&out.stdout).expect("JSON output")
    }

    /// A tmux format for the current pane, e.g. `#{alternate_on}`.
    fn pane(&self, format: &str) -> String {
        self.tmux(&["display-message", "-p", "-t", &self.target, format])
            .trim()
            .to_owned()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn entry<'a>(session: &'a Value, item: &str) -> &'a Value {
    &session["entries"][item]
}

fn shown<'a>(show: &'a Value, id: &str) -> &'a Value {
    show["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in session show"))
}

/// The first three items of the `ActiveSync` checklist with real keys: a choice (Enter, Down,
/// Enter), a text (Enter, typing, Enter), `n` on a yes/no, then a note on that one.
fn answer_three(tui: &Tui) {
    tui.wait_for("0/20 settled");
    tui.wait_for("choice · name.server_type");
    tui.send(&["Enter"]);
    tui.wait_for("(•) Windows SBS 2003");
    tui.send(&["Down"]);
    tui.wait_for("(•) Another Exchange server");
    tui.send(&["Enter"]);
    tui.wait_for("1/20 settled");
    tui.wait_for("text · name.external_host");
    tui.send(&["Enter"]);
    tui.wait_for("Enter save · Esc keep as draft");
    tui.type_text("mail.example.com");
    tui.wait_for("│mail.example.com");
    tui.send(&["Enter"]);
    tui.wait_for("2/20 settled");
    // The SBS-only item is skipped: the next one is the certificate name check.
    tui.wait_for("confirm · name.cert_matches");
    tui.send(&["n"]);
    tui.wait_for("3/20 settled · 1 failed");
    tui.wait_for("confirm · dns.external");
    // Up walks back across the section edge to the item just answered.
    tui.send(&["Up"]);
    tui.wait_for("Answer: no");
    tui.send(&["e"]);
    tui.wait_for("┌ Note ");
    tui.type_text("CN is internal");
    tui.wait_for("│CN is internal");
    tui.send(&["Enter"]);
    tui.wait_for("Note: CN is internal");
}

#[test]
fn answers_survive_quit_and_reopen() {
    let mut tui = Tui::new();
    tui.start(&["--session", "e2e", "--checklist", ACTIVESYNC]);
    tui.wait_for("preflight ─ e2e ─ activesync-device-trust 1.1.0");
    answer_three(&tui);
    tui.send(&["q"]);
    tui.wait_for("EXITED 0 TTY SANE");
    assert_eq!(
        tui.pane("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );

    let file = tui.session("e2e");
    assert_eq!(file["schema"], preflight::store::SCHEMA);
    assert_eq!(file["name"], "e2e");
    assert_eq!(file["checklist"]["id"], ACTIVESYNC);
    let server = entry(&file, "name.server_type");
    assert_eq!(server["response"]["value"]["choice"], "other_exchange");
    assert_eq!(server["by"], "tester");
    assert_eq!(
        entry(&file, "name.external_host")["response"]["value"]["text"],
        "mail.example.com"
    );
    let cert = entry(&file, "name.cert_matches");
    assert_eq!(cert["response"]["value"], "no");
    assert_eq!(cert["note"], "CN is internal");
    assert_eq!(
        file["entries"].as_object().map(serde_json::Map::len),
        Some(3)
    );
    assert!(file.get("drafts").is_none(), "no draft left: {file:#}");

    let show = tui.cli_json(&["session", "show", "e2e", "--format", "json"]);
    assert_eq!(shown(&show, "name.server_type")["status"], "done");
    assert_eq!(shown(&show, "name.external_host")["status"], "done");
    assert_eq!(shown(&show, "name.sbs_cert_name")["status"], "not_asked");
    assert_eq!(shown(&show, "name.cert_matches")["status"], "failed");
    assert_eq!(shown(&show, "name.cert_matches")["note"], "CN is internal");
    assert_eq!(shown(&show, "dns.external")["status"], "unanswered");
    let p = &show["progress"];
    assert_eq!(p["settled"], 3);
    assert_eq!(p["asked"], 20);
    assert_eq!(p["failed"], 1);
    let list = tui.cli_json(&["session", "list", "--format", "json"]);
    assert_eq!(list["sessions"][0]["name"], "e2e");
    assert_eq!(list["sessions"][0]["last"], true, "the TUI marks it last");

    // Without --session the TUI resumes the last session, at the first open item.
    tui.start(&[]);
    tui.wait_for("preflight ─ e2e ─ activesync-device-trust 1.1.0");
    tui.wait_for("3/20 settled · 1 failed");
    tui.wait_for("confirm · dns.external");
    tui.send(&["Up"]);
    tui.wait_for_all(&["Answer: no", "Note: CN is internal", "by tester at "]);
    tui.send(&["Up"]);
    tui.wait_for("Answer: mail.example.com");
    tui.send(&["Up"]);
    tui.wait_for("Answer: Another Exchange server");
    tui.send(&["q"]);
    tui.wait_for("EXITED 0 TTY SANE");
    // Reopening and looking changed nothing.
    assert_eq!(tui.session("e2e")["entries"], file["entries"]);
}

#[test]
fn kill_9_between_two_answers_keeps_the_first() {
    let mut tui = Tui::new();
    tui.start(&["--session", "k9", "--checklist", ACTIVESYNC]);
    tui.wait_for("0/20 settled");
    tui.send(&["Enter"]);
    tui.wait_for("(•) Windows SBS 2003");
    tui.send(&["Down"]);
    tui.wait_for("(•) Another Exchange server");
    tui.send(&["Enter"]);
    tui.wait_for("1/20 settled");
    tui.wait_for_file("k9", "the first answer", |f| {
        f["entries"]["name.server_type"]["response"]["value"]["choice"] == "other_exchange"
    });
    tui.signal("KILL");
    // Nobody restored the terminal: the harness sees the raw mode it left behind.
    tui.wait_for("EXITED 137 TTY RAW");
    let show = tui.cli_json(&["session", "show", "k9", "--format", "json"]);
    assert_eq!(
        shown(&show, "name.server_type")["response"]["value"]["choice"],
        "other_exchange"
    );
    // A half-written temporary file from a save that never finished must not matter.
    let sessions = tui.path("data/preflight/sessions");
    fs::write(sessions.join("k9.json.tmp"), "{\n  \"schema\": 1,\n  \"na").expect("write .tmp");

    // The lock died with the process: the session opens again, with the answer.
    tui.start(&["--session", "k9"]);
    tui.wait_for("1/20 settled");
    tui.wait_for("text · name.external_host");
    tui.send(&["Enter"]);
    tui.wait_for("Enter save · Esc keep as draft");
    tui.type_text("relay.example.org");
    tui.wait_for("│relay.example.org");
    tui.send(&["Enter"]);
    tui.wait_for("2/20 settled");
    tui.wait_for_file("k9", "the second answer", |f| {
        f["entries"]["name.external_host"]["response"]["value"]["text"] == "relay.example.org"
    });
    tui.signal("KILL");
    tui.wait_for("EXITED 137 TTY RAW");

    let file = tui.session("k9");
    assert_eq!(
        entry(&file, "name.server_type")["response"]["value"]["choice"],
        "other_exchange"
    );
    assert_eq!(
        entry(&file, "name.external_host")["response"]["value"]["text"],
        "relay.example.org"
    );
    let show = tui.cli_json(&["session", "show", "k9", "--format", "json"]);
    assert_eq!(show["progress"]["settled"], 2);
    let list = tui.cli_json(&["session", "list", "--format", "json"]);
    assert_eq!(
        list["sessions"],
        serde_json::json!([{
            "name": "k9", "checklist": "activesync-device-trust 1.1.0", "answered": 2,
            "last": true, "updated": file["updated"],
        }])
    );
    // And the TUI opens it a third time.
    tui.start(&[]);
    tui.wait_for("2/20 settled");
    tui.send(&["q"]);
    tui.wait_for("EXITED 0 TTY SANE");
}

/// Moves to the text item and opens its editor.
fn open_text_editor(tui: &Tui) {
    tui.wait_for("choice · name.server_type");
    tui.send(&["Down"]);
    tui.wait_for("text · name.external_host");
    tui.send(&["Enter"]);
    tui.wait_for("Enter save · Esc keep as draft");
}

#[test]
fn a_draft_survives_kill_9() {
    let mut tui = Tui::new();
    tui.start(&["--session", "draft", "--checklist", ACTIVESYNC]);
    tui.wait_for("0/20 settled");
    open_text_editor(&tui);
    tui.type_text("half-typed host");
    tui.wait_for("│half-typed host");
    // Drafts are saved within a second of typing, without Enter.
    let file = tui.wait_for_file("draft", "the draft", |f| {
        f["drafts"]["name.external_host#answer"] == "half-typed host"
    });
    assert!(
        entry(&file, "name.external_host").is_null(),
        "a draft is not an answer"
    );
    tui.signal("KILL");
    tui.wait_for("EXITED 137 TTY RAW");

    tui.start(&["--session", "draft"]);
    tui.wait_for("0/20 settled");
    tui.wait_for("choice · name.server_type");
    tui.send(&["Down"]);
    tui.wait_for("unsaved draft (answer)");
    tui.send(&["Enter"]);
    tui.wait_for_all(&["Enter save · Esc keep as draft", "│half-typed host"]);
    tui.send(&["Enter"]);
    tui.wait_for("1/20 settled");
    let file = tui.wait_for_file("draft", "the committed draft", |f| {
        f["entries"]["name.external_host"]["response"]["value"]["text"] == "half-typed host"
    });
    assert!(
        file.get("drafts").is_none(),
        "the draft is gone once committed: {file:#}"
    );
    tui.send(&["q"]);
    tui.wait_for("EXITED 0 TTY SANE");
}

/// The site view with real keys: a port rule typed, refused for a bad port list, put right and
/// saved; a second one half-typed survives a `kill -9` and comes back on `a`.
#[test]
fn a_site_row_is_checked_saved_and_its_draft_survives_kill_9() {
    let mut tui = Tui::new();
    tui.start(&["--session", "site", "--checklist", ACTIVESYNC]);
    tui.wait_for("0/20 settled");
    tui.send(&["S"]);
    tui.wait_for("No hosts yet: a adds one.");
    tui.send(&["3"]);
    tui.wait_for("No port rules yet");
    tui.send(&["a"]);
    tui.wait_for("┌ New port rule");
    tui.type_text("cws");
    tui.send(&["Tab"]);
    tui.type_text("sql");
    tui.send(&["Tab", "Tab"]);
    tui.type_text("1433,80x80");
    tui.send(&["Enter"]);
    tui.wait_for("✘ ports: invalid port list `1433,80x80` at character 6");
    tui.send(&["C-u"]);
    tui.type_text("1433");
    tui.send(&["Enter"]);
    tui.wait_for("port rule 1 saved: cws → sql TCP 1433");
    tui.wait_for_file("site", "the port rule", |f| {
        f["site"]["port"][0]["ports"] == "1433" && f["site"]["port"][0]["to"] == "sql"
    });

    tui.send(&["a"]);
    tui.wait_for("┌ New port rule");
    tui.type_text("half-typed");
    tui.wait_for_file("site", "the draft", |f| {
        f["drafts"]["site#ports#new"] == r#"["half-typed","","","","",""]"#
    });
    tui.signal("KILL");
    tui.wait_for("EXITED 137 TTY RAW");

    tui.start(&["--session", "site"]);
    tui.wait_for("0/20 settled");
    tui.send(&["S"]);
    tui.wait_for("Hosts 0");
    tui.send(&["3"]);
    tui.wait_for("a new port rule was being typed: a picks it up");
    tui.send(&["a"]);
    tui.wait_for_all(&[
        "what was typed here before is back",
        "▸ from     half-typed",
    ]);
    tui.send(&["Escape"]);
    tui.wait_for("draft kept: a picks it up again");
    let shown = tui.cli_json(&["site", "show", "site", "--format", "json"]);
    assert_eq!(shown["port"][0]["from"], "cws", "{shown:#}");
    tui.send(&["q"]);
    tui.wait_for("EXITED 0 TTY SANE");
}

/// Types into an editor and sends `signal` as soon as the text is on screen, well before the
/// draft timer; the draft must be on disk and the terminal restored.
fn signal_right_after_typing(tui: &mut Tui, name: &str, signal: &str, key: &str, text: &str) {
    tui.start(&["--session", name, "--checklist", ACTIVESYNC]);
    tui.wait_for("0/20 settled");
    tui.wait_for("choice · name.server_type");
    tui.send(&[key]);
    tui.wait_for("Enter save · Esc keep as draft");
    tui.type_text(text);
    let typed = Instant::now();
    tui.wait_for(&format!("│{text}"));
    tui.signal(signal);
    if typed.elapsed() >= Duration::from_millis(700) {
        // Still a pass if the draft is saved, but the draft timer may have saved it.
        eprintln!(
            "note: {signal} reached preflight {:?} after typing; the draft timer may have \
             saved the draft before the signal did",
            typed.elapsed()
        );
    }
    tui.wait_for("EXITED 0 TTY SANE");
    assert_eq!(
        tui.pane("#{alternate_on}"),
        "0",
        "still on the alternate screen"
    );
    assert_eq!(
        tui.pane("#{cursor_flag}"),
        "1",
        "the cursor is still hidden"
    );
}

#[test]
fn a_hang_up_or_sigterm_right_after_typing_saves_the_draft() {
    let mut tui = Tui::new();
    signal_right_after_typing(&mut tui, "hup", "HUP", "e", "typed then hung up");
    let file = tui.session("hup");
    assert_eq!(
        file["drafts"]["name.server_type#note"],
        "typed then hung up"
    );
    assert!(
        file["entries"]
            .as_object()
            .is_some_and(serde_json::Map::is_empty)
    );
    // The next run offers it back.
    tui.start(&["--session", "hup"]);
    tui.wait_for("unsaved draft (note)");
    tui.send(&["e"]);
    tui.wait_for_all(&["┌ Note ", "│typed then hung up"]);
    tui.send(&["q"]);
    // q in an editor is text, not quit: it lands in the note.
    tui.wait_for("│typed then hung upq");
    tui.send(&["Escape"]);
    tui.wait_for("draft kept: Enter on the item picks it up again");
    tui.send(&["q"]);
    tui.wait_for("EXITED 0 TTY SANE");
    assert_eq!(
        tui.session("hup")["drafts"]["name.server_type#note"],
        "typed then hung upq"
    );

    signal_right_after_typing(&mut tui, "term", "TERM", "x", "no SBS here");
    let file = tui.session("term");
    assert_eq!(file["drafts"]["name.server_type#reason"], "no SBS here");
}

#[test]
fn a_second_tui_on_an_open_session_is_refused() {
    let mut tui = Tui::new();
    tui.start(&["--session", "one", "--checklist", ACTIVESYNC]);
    tui.wait_for("0/20 settled");
    let first = tui.target.clone();
    let pid = tui.pid();
    tui.target.clear();
    tui.start(&["--session", "one"]);
    let screen = tui.wait_for("EXITED 2 TTY SANE");
    assert!(
        screen.contains(&format!(
            "session `one` is open in another preflight (process {pid})"
        )),
        "{screen}"
    );
    // The first one is untouched and still answers keys.
    tui.target = first;
    tui.send(&["Down"]);
    tui.wait_for("text · name.external_host");
    tui.send(&["q"]);
    tui.wait_for("EXITED 0 TTY SANE");
}

/// Runs the CLI against the same home with one more environment variable; returns its output.
fn cli(tui: &Tui, args: &[&str], env: (&str, &str)) -> common::Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("XDG_DATA_HOME", tui.path("data"))
        .env("XDG_CONFIG_HOME", tui.path("config"))
        .env("HOME", tui.path("home"))
        .env("PREFLIGHT_USER", "tester")
        .env(env.0, env.1)
        .env_remove("RUST_BACKTRACE");
    run_with_watchdog(cmd, &format!("preflight {}", args.join(" ")))
}

/// The finish screen in a real terminal: a few answers, F, sign with a key protected by a
/// passphrase (typed masked), export HTML (the passphrase typed again to sign the page) and
/// Markdown; the page then verifies with the binary.
#[test]
fn the_finish_screen_signs_and_exports_a_report_that_verifies() {
    const PASS: &str = "correct horse";
    let mut tui = Tui::new();
    let made = cli(
        &tui,
        &[
            "keygen",
            "--identity",
            "tester",
            "--passphrase-env",
            "PF_NEW",
        ],
        ("PF_NEW", PASS),
    );
    assert_eq!(made.code, 0, "{}", made.both());
    tui.start(&["--session", "fin", "--checklist", ACTIVESYNC]);
    answer_three(&tui);
    tui.wait_for("F finish: report");
    tui.send(&["F"]);
    tui.wait_for_all(&[
        "─ finish ─ fin ─",
        "NOT READY",
        "open blockers · Enter goes to the item",
        "name.cert_matches",
    ]);

    tui.send(&["2"]);
    tui.wait_for("the key is protected by a passphrase");
    tui.type_text(PASS);
    let screen = tui.wait_for("Passphrase (not kept): *************");
    assert!(!screen.contains(PASS), "{screen}");
    tui.send(&["Enter"]);
    tui.wait_for("report built and signed by tester");
    tui.wait_for("The report is up to date and signed by tester");
    // The page is signed as a page with the same key: its passphrase is asked for again.
    tui.send(&["3"]);
    tui.wait_for("the page is signed with the key that signed the report");
    tui.type_text(PASS);
    tui.send(&["Enter"]);
    tui.wait_for("HTML page written, signed");
    tui.send(&["4"]);
    tui.wait_for_all(&[
        "Markdown written, signed",
        "report.html ✔ written",
        "report.md ✔ written",
    ]);

    // Enter on the first blocker goes back to it in the interview.
    tui.send(&["g", "Enter"]);
    tui.wait_for("Answer: no");
    tui.send(&["q"]);
    tui.wait_for("EXITED 0 TTY SANE");

    let dir = tui.path("data/preflight/sessions/fin.report");
    for file in ["report.json", "report.json.sig", "report.html", "report.md"] {
        let text = fs::read_to_string(dir.join(file)).expect("written");
        assert!(!text.contains(PASS), "{file} holds the passphrase");
    }
    let public = tui.path("config/preflight/preflight_ed25519.pub");
    let html = dir.join("report.html");
    let page = fs::read_to_string(&html).expect("page");
    assert!(
        page.contains("id=\"preflight-page-signature\""),
        "no page signature"
    );
    let verified = cli(
        &tui,
        &[
            "report",
            "verify",
            html.to_str().expect("utf-8"),
            "--signer",
            public.to_str().expect("utf-8"),
        ],
        ("UNUSED", ""),
    );
    assert_eq!(verified.code, 0, "{}", verified.both());
    assert!(
        verified.stdout.contains("was signed by tester"),
        "{}",
        verified.stdout
    );
    // The sessions list is not confused by the report's folder beside the session.
    let list = tui.cli_json(&["session", "list", "--format", "json"]);
    assert_eq!(
        list["sessions"].as_array().map(Vec::len),
        Some(1),
        "{list:#}"
    );
}

/// The SQL probe from the TUI against the TDS test server: the probes view asks for the
/// login's password in a masked field, logs in, and shows the server; the password is in no
/// file afterwards.
#[test]
fn the_tui_probes_a_sql_server_asking_for_the_password() {
    use common::sql_site::{PASSWORD, healthy};
    use common::tds_server::TdsServer;

    let server = TdsServer::start(healthy());
    let mut tui = Tui::new();
    let site = tui.path("site.toml");
    fs::write(
        &site,
        format!(
            "[[sql]]\nserver = '{}'\nuser = \"probe\"\ndatabase = \"AmcomAmcPremiseCore\"\n\
             trust_server_certificate = true\n",
            server.addr()
        ),
    )
    .expect("site");
    for args in [
        &["session", "new", "sq", "--checklist", "spok-mobile-4.5"][..],
        &["site", "import", "sq", &site.to_string_lossy()][..],
    ] {
        let out = cli(&tui, args, ("PREFLIGHT_E2E", "1"));
        assert_eq!(out.code, 0, "{}", out.both());
    }
    tui.start(&["--session", "sq"]);
    tui.send(&["p"]);
    tui.wait_for(&format!("SQL Server {} as probe", server.addr()));
    tui.send(&["Enter"]);
    tui.wait_for("SQL password for probe (not saved)");
    tui.type_text(PASSWORD);
    let screen = tui.wait_for("(not saved): ********");
    assert!(!screen.contains(PASSWORD), "{screen}");
    tui.send(&["Enter"]);
    tui.wait_for_all(&["Enterprise Edition", "SPOKAG"]);
    tui.send(&["q"]);
    tui.wait_for("EXITED 0 TTY SANE");

    let log = server.log();
    assert_eq!(log.logins.len(), 1, "one login");
    assert_eq!(log.batches.len(), 2, "two batches");
    let saved = fs::read_to_string(tui.session_file("sq")).expect("session");
    assert!(saved.contains("SYNCHRONOUS_COMMIT"), "the facts are kept");
    assert!(!saved.contains(PASSWORD), "the password is not");
}

/// A loopback listener that accepts connections and never says a word (a TLS server that
/// hangs), counting how many of its connections the client still holds open.
struct Tarpit {
    port: u16,
    held: Arc<Mutex<Vec<TcpStream>>>,
    stop: Arc<AtomicBool>,
}

impl Tarpit {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the tarpit");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("address").port();
        let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let stop: Arc<AtomicBool> = Arc::default();
        let (h, st) = (Arc::clone(&held), Arc::clone(&stop));
        thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(60);
            while !st.load(Ordering::Relaxed) && Instant::now() < until {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(true);
                        h.lock().expect("tarpit").push(stream);
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self { port, held, stop }
    }

    /// Connections the client has not closed: what it sent (a hello) is read and dropped, and
    /// one that then reads end of file or was reset is closed; one that would block is open.
    fn open(&self) -> usize {
        use std::io::Read as _;
        let mut buf = [0u8; 4096];
        let mut held = self.held.lock().expect("tarpit");
        held.retain(|s| {
            let mut s = s;
            loop {
                match s.read(&mut buf) {
                    Ok(0) => return false,
                    Ok(_) => {}
                    Err(e) => return e.kind() == std::io::ErrorKind::WouldBlock,
                }
            }
        });
        held.len()
    }
}

impl Drop for Tarpit {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// `c` in the probes view stops a run within a second, and the run lets go of its
/// connections: a TLS endpoint that accepts and never answers holds the scan (at most the
/// server's budget of 5 connections at once) until `c`, and then none stays open.
#[test]
fn c_stops_a_probe_run_and_its_connections_within_a_second() {
    let tarpit = Tarpit::start();
    let mut tui = Tui::new();
    let site = tui.path("site.toml");
    let endpoint = format!("127.0.0.1:{}", tarpit.port);
    fs::write(
        &site,
        format!("[[tls]]\nendpoint = \"{endpoint}\"\nsni = \"localhost\"\n"),
    )
    .expect("site");
    for args in [
        &["session", "new", "hang", "--checklist", "spok-mobile-4.5"][..],
        &["site", "import", "hang", &site.to_string_lossy()][..],
    ] {
        let out = cli(&tui, args, ("PREFLIGHT_E2E", "1"));
        assert_eq!(out.code, 0, "{}", out.both());
    }
    tui.start(&["--session", "hang"]);
    tui.send(&["p"]);
    tui.wait_for(&format!("TLS {endpoint}"));
    tui.send(&["Enter"]);
    tui.wait_for_all(&["running", "c stop", "Running: c stops the run."]);
    let deadline = Instant::now() + WAIT;
    while tarpit.open() == 0 {
        assert!(
            Instant::now() < deadline,
            "the scan never connected to {endpoint}"
        );
        thread::sleep(Duration::from_millis(20));
    }
    // The scan holds what it opened; a moment more shows whether it opens past its budget.
    let mut most = 0;
    let watch = Instant::now();
    while watch.elapsed() < Duration::from_millis(300) {
        most = most.max(tarpit.open());
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        most <= 5,
        "{most} connections at once to one server (its budget is 5)"
    );

    tui.send(&["c"]);
    let asked = Instant::now();
    tui.wait_for_all(&["probe run stopped", "idle"]);
    while tarpit.open() > 0 {
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "{} connections still open a second after c",
            tarpit.open()
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "the run took {:?} to stop",
        asked.elapsed()
    );
    tui.send(&["q"]);
    tui.wait_for("EXITED 0 TTY SANE");
}

/// A small tmpfs mounted over the test's data directory, unmounted (lazily, so a preflight
/// still running cannot hold it) on drop. Root is needed to mount: CI runs as root; elsewhere
/// the test fails saying so, it never skips.
struct SmallDisk {
    at: PathBuf,
    filler: PathBuf,
}

impl SmallDisk {
    fn mount(at: PathBuf) -> Self {
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m,nr_inodes=1000", "tmpfs"])
            .arg(&at)
            .output();
        assert!(
            out.as_ref().is_ok_and(|o| o.status.success()),
            "cannot mount a 1 MiB tmpfs on {} ({out:?}): the full-disk tests need to mount \
             one, which takes root (CI runs them as root)",
            at.display()
        );
        let filler = at.join("filler");
        Self { at, filler }
    }

    /// Writes a file until the disk is full.
    fn fill(&self) {
        use std::io::Write as _;
        let mut f = fs::File::create(&self.filler).expect("create the filler");
        let chunk = [0x5au8; 4096];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
        // Even a small file no longer fits.
        assert!(
            fs::write(self.at.join("probe-space"), [0u8; 4096]).is_err(),
            "the tmpfs is not full"
        );
        let _ = fs::remove_file(self.at.join("probe-space"));
    }

    fn free(&self) {
        fs::remove_file(&self.filler).expect("remove the filler");
    }

    fn remount(&self, mode: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.at)
            .output()
            .expect("run mount");
        assert!(out.status.success(), "remount {mode}: {out:?}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
    }
}

/// Issue 11, item 5: on a full disk an answer is drawn NOT SAVED and stays pending; once space
/// is back it is saved without another key (the screen says when), and a change still pending
/// at quit makes the quit say so rather than lose it silently.
#[test]
fn a_full_disk_keeps_an_answer_pending_until_space_is_back() {
    let mut tui = Tui::new();
    let disk = SmallDisk::mount(tui.path("data"));
    tui.start(&["--session", "full", "--checklist", ACTIVESYNC]);
    tui.wait_for("0/20 settled");
    tui.wait_for("choice · name.server_type");
    disk.fill();
    tui.send(&["Enter"]);
    tui.wait_for("(•) Windows SBS 2003");
    tui.send(&["Down"]);
    tui.wait_for("(•) Another Exchange server");
    tui.send(&["Enter"]);
    tui.wait_for("1/20 settled");
    tui.wait_for_all(&["NOT SAVED since", "No space left on device"]);
    assert!(
        entry(&tui.session("full"), "name.server_type").is_null(),
        "not on disk yet"
    );
    // Other keys try again, and fail again: still pending, and counted.
    tui.wait_for("text · name.external_host");
    tui.send(&["Up"]);
    tui.wait_for("choice · name.server_type");
    tui.send(&["Down"]);
    tui.wait_for("text · name.external_host");
    tui.wait_for("tries)");
    disk.free();
    // No key: the retry notices the space and says when it saved.
    let screen = tui.wait_for("saved at ");
    assert!(!screen.contains("NOT SAVED"), "{screen}");
    tui.wait_for_file("full", "the answer", |f| {
        f["entries"]["name.server_type"]["response"]["value"]["choice"] == "other_exchange"
    });

    // Full again, an answer typed, then q while still full: the quit says what was not saved
    // and does not claim success.
    disk.fill();
    tui.send(&["Enter"]);
    tui.wait_for("Enter save · Esc keep as draft");
    tui.type_text("mail.example.com");
    tui.wait_for("│mail.example.com");
    tui.send(&["Enter"]);
    tui.wait_for("NOT SAVED since");
    tui.send(&["q"]);
    let screen = tui.wait_for("EXITED 2 TTY SANE");
    assert!(
        screen.contains("changes to session `full` since") && screen.contains("could not be saved"),
        "{screen}"
    );
    disk.free();
}

/// Issue 11, item 5: a draft typed while saves fail survives SIGTERM once space is back (the
/// signal's last save writes it), and the TUI opens a session on a full disk, and read-only on
/// a read-only data directory, instead of refusing.
#[test]
fn a_draft_typed_on_a_full_disk_survives_sigterm_and_full_or_read_only_disks_still_open() {
    let mut tui = Tui::new();
    let disk = SmallDisk::mount(tui.path("data"));
    tui.start(&["--session", "drafty", "--checklist", ACTIVESYNC]);
    tui.wait_for("0/20 settled");
    tui.wait_for("choice · name.server_type");
    disk.fill();
    tui.send(&["e"]);
    tui.wait_for("┌ Note ");
    tui.type_text("typed on a full disk");
    tui.wait_for("│typed on a full disk");
    // The draft timer's save fails.
    tui.wait_for("NOT SAVED since");
    disk.free();
    tui.signal("TERM");
    tui.wait_for("EXITED 0 TTY SANE");
    assert_eq!(
        tui.session("drafty")["drafts"]["name.server_type#note"],
        "typed on a full disk"
    );

    // A full disk: the session opens (it was refused, the "last session" marker not fitting).
    disk.fill();
    tui.start(&["--session", "drafty"]);
    tui.wait_for("unsaved draft (note)");
    tui.send(&["q"]);
    tui.wait_for("EXITED 0 TTY SANE");
    disk.free();

    // A read-only data directory: the session opens read-only and says so; a change is kept
    // on screen, and the quit says it could not be saved.
    disk.remount("ro");
    tui.start(&["--session", "drafty"]);
    tui.wait_for("READ-ONLY");
    // The draft's line is drawn with the rest of the screen, perhaps a frame later.
    tui.wait_for("unsaved draft (note)");
    tui.send(&["Down"]);
    tui.wait_for("text · name.external_host");
    tui.send(&["Down"]);
    tui.wait_for("confirm · name.cert_matches");
    tui.send(&["n"]);
    tui.wait_for("NOT SAVED since");
    tui.send(&["q"]);
    let screen = tui.wait_for("EXITED 2 TTY SANE");
    assert!(screen.contains("could not be saved"), "{screen}");
    disk.remount("rw");
}
