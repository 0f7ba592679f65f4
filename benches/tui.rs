//! Figures for the TUI, as the project rule asks: medians, and ratios against a peer measured in
//! the same run. Run with
//!
//! ```text
//! cargo bench --bench tui
//! ```
//!
//! It prints:
//! - render time per frame at 200×60 on the largest built-in checklist (picked by item count at
//!   run time) in a realistic state: some answers (a few failed, a few not applicable), a note,
//!   and the detail pane on the item with the longest guidance. Frames are drawn on ratatui's
//!   `TestBackend`; the peer is the same state on the smallest built-in checklist, drawn in
//!   turn with it frame by frame;
//! - the cost of a key press (`j`/`k`: key → action → update → redraw);
//! - start to first frame and resident memory of the real binary, run in a pseudo-terminal of
//!   200×60 on a session of the largest checklist (made first with `preflight session new`, so
//!   `preflight --session bench` opens straight on it), against `less` opening that checklist's
//!   TOML text in the same harness (`more`, then `vi`, when `less` is absent). The clock starts
//!   just before the fork; "first frame text" is the read that completes ` preflight ─ bench`
//!   (escape sequences removed), the header only a frame prints (for the peer: the file's first
//!   line); "first frame complete" is the last output before 30 ms of silence. `VmRSS` and
//!   `VmHWM` are read from `/proc/<pid>/status` of the program itself (the fork execs it
//!   directly) once the frame is complete; then `q` is sent and the exit awaited. Every wait is
//!   bounded (5 s, then SIGTERM, then SIGKILL) and so is the whole series (120 s). Launches of the
//!   programs alternate, 15 measured after one unmeasured each, with `preflight --version` as
//!   the floor of starting the process at all.
//!
//! Cargo builds the `preflight` binary before any bench (with the bench profile, which inherits
//! the release settings) and passes its path as `CARGO_BIN_EXE_preflight`, so the binary
//! measured is built from the current source. The pseudo-terminal harness is a short Python
//! script (`pty` module), run with `python3`; without it the start-up and memory figures are
//! skipped with a message. A built-in checklist that does not parse (one being written) is
//! left out of the render figures with a warning; the binary then refuses to start, which the
//! start-up rows report. No network is used; everything is written under a temporary directory
//! that is removed at the end. The whole run takes a few seconds after the build.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use preflight::assessment::{Assessment, Response, Value};
use preflight::checklist::{AnswerKind, Checklist, Item, Origin, builtin};
use preflight::store::Store;
use preflight::tui::app::{App, Focus};
use preflight::tui::{keys, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

const NOW: &str = "2026-11-22T09:30:00Z";
const USER: &str = "bench";
const SESSION: &str = "bench";
const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;
/// Frames drawn before measuring, and frames measured.
const WARMUP: usize = 200;
const FRAMES: usize = 2000;
/// Launches of each program measured (after one unmeasured launch each).
const RUNS: usize = 15;
/// Any one wait for a launched program (first frame, exit after `q`), in seconds.
const WAIT_S: f64 = 5.0;
/// The whole launch series; the harness is killed after this.
const HARNESS_LIMIT: Duration = Duration::from_secs(120);
/// Silence after the first text that ends the first frame, in seconds.
const QUIET_S: f64 = 0.03;

fn main() {
    let builtins = builtins();
    let largest = builtins
        .iter()
        .enumerate()
        .max_by_key(|(n, b)| (b.checklist.item_count(), std::cmp::Reverse(*n)))
        .map(|(n, _)| n)
        .expect("at least one built-in checklist parses");
    let smallest = builtins
        .iter()
        .enumerate()
        .min_by_key(|(n, b)| (b.checklist.item_count(), *n))
        .map(|(n, _)| n)
        .expect("at least one built-in checklist parses");
    let big = &builtins[largest];
    println!(
        "largest built-in checklist: {} {} ({} items, {} sections, {:.1} kB of TOML)",
        big.checklist.id,
        big.checklist.version,
        big.checklist.item_count(),
        big.checklist.sections.len(),
        kb(big.text.len()),
    );

    let indices: &[usize] = if smallest == largest {
        &[largest]
    } else {
        &[largest, smallest]
    };
    let mut render = render_figures(&builtins, indices).into_iter();
    let big_render = render.next().expect("figures for the largest checklist");
    let peer_render = render.next();
    let parse = parse_figures();
    let launch = launch_figures(big);

    print_table(&big_render, peer_render.as_ref(), parse, &launch);
}

// ─── The checklists ────────────────────────────────────────────────────────────────────────────

struct Builtin {
    file: &'static str,
    text: &'static str,
    checklist: Checklist,
}

/// Every built-in checklist that parses; one being edited and broken right now is left out
/// with a warning rather than stopping the bench.
fn builtins() -> Vec<Builtin> {
    builtin::SOURCES
        .iter()
        .filter_map(|&(file, text)| {
            match Checklist::parse(text, &Path::new("checklists").join(file), Origin::Builtin) {
                Ok(checklist) => Some(Builtin {
                    file,
                    text,
                    checklist,
                }),
                Err(e) => {
                    let first = e.to_string();
                    let first = first.lines().next().unwrap_or_default();
                    eprintln!("warning: built-in {file} does not parse, left out: {first}");
                    None
                }
            }
        })
        .collect()
}

fn kb(bytes: usize) -> f64 {
    f64::from(u32::try_from(bytes).unwrap_or(u32::MAX)) / 1000.0
}

// ─── Render ────────────────────────────────────────────────────────────────────────────────────

struct RenderFigures {
    checklist: String,
    items: usize,
    answered: usize,
    guidance_item: String,
    guidance_chars: usize,
    /// Microseconds per frame, the state unchanged: `terminal.draw` renders the whole screen and
    /// diffs it against the last one, which finds nothing to send.
    steady: Stats,
    /// Microseconds from a key press to the redrawn frame (`keys::action`, `update`, draw).
    key: Stats,
    /// Microseconds for the update alone, in the same key presses.
    update: Stats,
}

/// One app being drawn, with its samples.
struct Subject {
    app: App,
    state: State,
    index: usize,
    terminal: Terminal<TestBackend>,
    steady: Vec<f64>,
    key: Vec<f64>,
    update: Vec<f64>,
}

/// Render figures for each checklist of `indices`. The checklists take turns frame by frame,
/// so that whatever else the machine is doing weighs on all of them alike.
fn render_figures(builtins: &[Builtin], indices: &[usize]) -> Vec<RenderFigures> {
    let mut subjects: Vec<Subject> = indices
        .iter()
        .map(|&index| {
            let library: Vec<Checklist> = builtins.iter().map(|b| b.checklist.clone()).collect();
            let (app, state) = realistic_app(library, index);
            let mut terminal =
                Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal of 200×60");
            draw(&mut terminal, &app);
            let screen = screen_text(&terminal);
            if !(screen.contains("preflight") && screen.contains(&state.prompt_start)) {
                eprintln!(
                    "warning: the item `{}` is not on the first frame:\n{screen}",
                    state.item
                );
            }
            Subject {
                app,
                state,
                index,
                terminal,
                steady: Vec::with_capacity(FRAMES),
                key: Vec::with_capacity(FRAMES),
                update: Vec::with_capacity(FRAMES),
            }
        })
        .collect();

    for n in 0..WARMUP + FRAMES {
        for s in &mut subjects {
            let t = Instant::now();
            draw(&mut s.terminal, &s.app);
            if n >= WARMUP {
                s.steady.push(micros(t.elapsed()));
            }
        }
    }
    // j and k in turn: the cursor moves off the item with the long guidance and back, so every
    // frame differs from the one before and the diff has work to do.
    for n in 0..WARMUP + FRAMES {
        let code = KeyCode::Char(if n % 2 == 0 { 'j' } else { 'k' });
        for s in &mut subjects {
            let t = Instant::now();
            if let Some(action) = keys::action(KeyEvent::new(code, KeyModifiers::NONE), &s.app) {
                s.app.notice = None;
                s.app.update(action, NOW);
            }
            let updated = t.elapsed();
            draw(&mut s.terminal, &s.app);
            let total = t.elapsed();
            s.app.effects.clear();
            if n >= WARMUP {
                s.key.push(micros(total));
                s.update.push(micros(updated));
            }
        }
    }

    subjects
        .into_iter()
        .map(|s| {
            let c = &s.app.library[s.index];
            RenderFigures {
                checklist: c.id.clone(),
                items: c.item_count(),
                answered: s.state.answered,
                guidance_item: s.state.item,
                guidance_chars: s.state.guidance_chars,
                steady: Stats::of(s.steady),
                key: Stats::of(s.key),
                update: Stats::of(s.update),
            }
        })
        .collect()
}

/// Parsing every built-in checklist, as the binary does at start, in milliseconds.
fn parse_figures() -> Stats {
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        for &(file, text) in builtin::SOURCES {
            let parsed = Checklist::parse(text, Path::new(file), Origin::Builtin);
            std::hint::black_box(parsed.is_ok());
        }
        times.push(micros(t.elapsed()) / 1000.0);
    }
    Stats::of(times)
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal
        .draw(|frame| views::render(frame, app))
        .expect("draws on the test backend");
}

fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

struct State {
    answered: usize,
    item: String,
    prompt_start: String,
    guidance_chars: usize,
}

const NOTE: &str = "Checked with the site's network lead on the kickoff call; the firewall change \
                    request is open and due before the installation week.";

/// An app on `library[index]` as it looks mid-assessment: about two in five items answered
/// (some failed, some not applicable), and the cursor on the item with the longest guidance,
/// which also carries a note.
fn realistic_app(library: Vec<Checklist>, index: usize) -> (App, State) {
    let c = &library[index];
    let mut a = Assessment::new(SESSION, c, NOW);
    let total = c.item_count();
    let mut answered = 0;
    for (n, item) in c.items().enumerate() {
        if n >= total * 3 / 5 || n % 3 == 2 || !a.is_asked(c, item) {
            continue;
        }
        if let Some(r) = sample_answer(item, n)
            && a.answer(c, &item.id, r, USER, NOW).is_ok()
        {
            answered += 1;
        }
    }
    let target = c
        .items()
        .filter(|i| a.is_asked(c, i))
        .max_by_key(|i| i.guidance.chars().count())
        .expect("the checklist asks something");
    let state = State {
        answered,
        item: target.id.clone(),
        prompt_start: target.prompt.chars().take(30).collect(),
        guidance_chars: target.guidance.chars().count(),
    };
    a.set_note(c, &state.item, NOTE, USER, NOW)
        .expect("the item takes a note");

    let mut app = App::new(library, Vec::new(), USER);
    app.open(a).expect("the assessment opens");
    {
        let c = &app.library[index];
        let iv = app.interview.as_mut().expect("an interview is open");
        let (section, _) = c
            .position(&state.item)
            .expect("the item is in its checklist");
        iv.section = section;
        iv.focus = Focus::Items;
        iv.cursor = iv
            .rows(c)
            .iter()
            .position(|r| c.sections[r.section].items[r.item].id == state.item)
            .expect("the item is listed in its section");
        iv.detail_scroll = 0;
    }
    let selected = app
        .current()
        .and_then(|(c, iv)| iv.selected(c))
        .map(|i| i.id.clone());
    assert_eq!(selected.as_deref(), Some(state.item.as_str()));
    (app, state)
}

/// A plausible answer for the nth item of the checklist.
fn sample_answer(item: &Item, n: usize) -> Option<Response> {
    if n % 11 == 10 {
        return Some(Response::NotApplicable {
            reason: "hosted by the vendor at this site".to_owned(),
        });
    }
    let value = match &item.kind {
        AnswerKind::Confirm if n % 7 == 3 => Value::No,
        AnswerKind::Confirm => Value::Yes,
        AnswerKind::Choice { options } => Value::Choice(options.first()?.value.clone()),
        AnswerKind::Multi { options } => {
            Value::Multi(options.iter().take(2).map(|o| o.value.clone()).collect())
        }
        AnswerKind::Text => Value::Text(
            "Decided with the site's IT lead; see the minutes of the 14 November call".to_owned(),
        ),
        AnswerKind::Number { min, max, .. } => {
            let mut x = 8.0_f64;
            if let Some(min) = min {
                x = x.max(*min);
            }
            if let Some(max) = max {
                x = x.min(*max);
            }
            Value::Number(x)
        }
        AnswerKind::Table { columns } => Value::Table(
            (1..=3)
                .map(|r| columns.iter().map(|col| format!("{col} {r}")).collect())
                .collect(),
        ),
    };
    Some(Response::Value(value))
}

// ─── Launching the binary ──────────────────────────────────────────────────────────────────────

/// Runs each case `RUNS` times (cases interleaved, order alternating) in a pseudo-terminal and
/// prints one JSON object a launch. Times run from just before the fork to the read that
/// returned the text; the first frame ends at the last output before `QUIET_S` of silence.
const HARNESS: &str = r#"
import fcntl, json, os, pty, re, select, signal, struct, sys, termios, time

cfg = json.loads(sys.argv[1])
ESC = re.compile(rb'\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])')
WIN = struct.pack('HHHH', cfg['rows'], cfg['cols'], 0, 0)

def memory(pid):
    out = {}
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                key, _, value = line.partition(':')
                if key in ('VmRSS', 'VmHWM'):
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out

def read_until(fd, until):
    """Bytes, b'' at end of output, None when nothing came before `until`."""
    left = until - time.monotonic()
    if left <= 0:
        return None
    ready, _, _ = select.select([fd], [], [], left)
    if not ready:
        return None
    try:
        return os.read(fd, 65536)
    except OSError:
        return b''

def reap(pid, fd, seconds):
    """Exit status, draining output meanwhile; None if still running after `seconds`."""
    until = time.monotonic() + seconds
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= until:
            return None
        if read_until(fd, min(until, time.monotonic() + 0.01)) == b'':
            time.sleep(0.002)

def stop(pid, fd, quit_keys):
    if quit_keys:
        try:
            os.write(fd, quit_keys.encode())
        except OSError:
            pass
    status = reap(pid, fd, cfg['wait'])
    how = 'quit'
    if status is None:
        how = 'SIGTERM'
        os.kill(pid, signal.SIGTERM)
        status = reap(pid, fd, 1.0)
    if status is None:
        how = 'SIGKILL'
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
    return code, how

def launch(case, warmup):
    argv = case['argv']
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, WIN)
            os.execve(argv[0], argv, cfg['env'])
        finally:
            os._exit(127)
    marker = case['first'].encode()
    buf, first, last, ended = b'', None, None, False
    deadline = t0 + cfg['wait']
    while True:
        until = deadline if first is None else min(deadline, last + cfg['quiet'])
        data = read_until(fd, until)
        if data is None:
            break
        if data == b'':
            ended = True
            break
        buf += data
        last = time.monotonic()
        if first is None and marker in ESC.sub(b'', buf):
            first = last
    out = {'case': case['name'], 'warmup': warmup}
    if first is None:
        text = ESC.sub(b'', buf).decode('utf-8', 'replace').strip()
        out['error'] = ('output ended' if ended else 'timed out') + ' before %r; it showed: %r' % (
            case['first'], text[-300:])
    else:
        out['first_ms'] = (first - t0) * 1e3
        out['frame_ms'] = (last - t0) * 1e3
        if case['memory'] and not ended:
            out.update(memory(pid))
    if ended:
        status = reap(pid, fd, cfg['wait'])
        out['exit'], out['stopped'] = (None, 'hung') if status is None else (
            os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status), 'exited')
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    else:
        out['exit'], out['stopped'] = stop(pid, fd, case['quit'])
    os.close(fd)
    print(json.dumps(out), flush=True)
    return 'error' not in out

# A program that fails its unmeasured launch is not launched again, so a broken build costs
# one wait, not one a run.
cases = cfg['cases']
for run in range(-1, cfg['runs']):
    for case in (cases if run % 2 == 0 else cases[::-1]):
        if not launch(case, run < 0) and run < 0:
            cases = [c for c in cases if c is not case]
"#;

#[derive(Default)]
struct Launch {
    first_ms: Vec<f64>,
    frame_ms: Vec<f64>,
    rss_kb: Vec<f64>,
    hwm_kb: Vec<f64>,
    errors: Vec<String>,
    unclean: usize,
}

struct LaunchFigures {
    /// Why the launches were not measured, when they were not.
    skipped: Option<String>,
    peer: String,
    preflight: Launch,
    less: Launch,
    version: Launch,
    /// Milliseconds to open a session as the TUI does before its first frame: lock, load, and
    /// remember it as the last one (a write, two fsyncs).
    open_session_ms: Stats,
}

fn launch_figures(big: &Builtin) -> LaunchFigures {
    let mut figures = LaunchFigures {
        skipped: None,
        peer: String::new(),
        preflight: Launch::default(),
        less: Launch::default(),
        version: Launch::default(),
        open_session_ms: Stats::of(Vec::new()),
    };
    if let Err(why) = launch_into(big, &mut figures) {
        eprintln!("start-up and memory not measured: {why}");
        figures.skipped = Some(why);
    }
    figures
}

struct Peer {
    name: &'static str,
    path: PathBuf,
    quit: &'static str,
}

fn find_peer() -> Option<Peer> {
    [("less", "q"), ("more", "q"), ("vi", "\u{1b}:q!\r")]
        .into_iter()
        .find_map(|(name, quit)| which(name).map(|path| Peer { name, path, quit }))
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn launch_into(big: &Builtin, figures: &mut LaunchFigures) -> Result<(), String> {
    let bin = preflight_binary()?;
    println!("launching {} in a 200×60 pseudo-terminal", bin.display());
    let python = which("python3").ok_or("no python3 on PATH for the pseudo-terminal harness")?;
    let peer = find_peer().ok_or("no less, more or vi on PATH to compare with")?;
    peer.name.clone_into(&mut figures.peer);
    if peer.name != "less" {
        eprintln!("note: less is not installed; the peer is {}", peer.name);
    }

    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    let home = dir.path();
    let peer_file = home.join(format!("peer-{}", big.file));
    std::fs::write(&peer_file, big.text).map_err(|e| format!("cannot write the peer file: {e}"))?;
    let env = json!({
        "PATH": std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_owned()),
        "HOME": home,
        "XDG_DATA_HOME": home.join("data"),
        "XDG_CONFIG_HOME": home.join("config"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "USER": USER,
        "LESSHISTFILE": "-",
    });

    let made = Command::new(&bin)
        .args(["session", "new", SESSION, "--checklist", &big.checklist.id])
        .env_clear()
        .envs(
            env.as_object()
                .expect("an object")
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().expect("a string"))),
        )
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if !made.status.success() {
        return Err(format!(
            "`preflight session new` failed: {}",
            String::from_utf8_lossy(&made.stderr).trim()
        ));
    }

    let bin_s = bin.to_string_lossy().into_owned();
    let first_line: String = big
        .text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .chars()
        .take_while(|&c| c != '\t')
        .take(40)
        .collect();
    let config = json!({
        "runs": RUNS,
        "wait": WAIT_S,
        "quiet": QUIET_S,
        "cols": WIDTH,
        "rows": HEIGHT,
        "env": env,
        "cases": [
            {
                "name": "preflight", "argv": [bin_s, "--session", SESSION],
                "first": format!("preflight ─ {SESSION}"), "quit": "q", "memory": true,
            },
            {
                "name": "peer", "argv": [peer.path, peer_file],
                "first": first_line.trim_end(), "quit": peer.quit, "memory": true,
            },
            {
                "name": "version", "argv": [bin_s, "--version"],
                "first": "preflight 0", "quit": "", "memory": false,
            },
        ],
    });
    let lines = run_harness(&python, &config.to_string())?;
    for line in lines.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("harness said {line:?}: {e}"))?;
        if v["warmup"].as_bool() == Some(true) && v["error"].is_null() {
            continue;
        }
        let into = match v["case"].as_str() {
            Some("preflight") => &mut figures.preflight,
            Some("peer") => &mut figures.less,
            _ => &mut figures.version,
        };
        record(into, &v);
    }
    figures.open_session_ms = open_session(&home.join("store"), &big.checklist)?;
    dir.close()
        .map_err(|e| format!("cannot remove the temporary directory: {e}"))
}

fn record(into: &mut Launch, v: &serde_json::Value) {
    if let Some(e) = v["error"].as_str() {
        into.errors.push(e.to_owned());
        return;
    }
    let push = |to: &mut Vec<f64>, key: &str| {
        if let Some(x) = v[key].as_f64() {
            to.push(x);
        }
    };
    push(&mut into.first_ms, "first_ms");
    push(&mut into.frame_ms, "frame_ms");
    push(&mut into.rss_kb, "VmRSS");
    push(&mut into.hwm_kb, "VmHWM");
    let clean =
        v["exit"].as_i64() == Some(0) && matches!(v["stopped"].as_str(), Some("quit" | "exited"));
    if !clean {
        into.unclean += 1;
    }
}

/// Times the session opening of `tui::run` in process, on the same file system as the launches.
fn open_session(dir: &Path, c: &Checklist) -> Result<Stats, String> {
    let store = Store::new(dir);
    store
        .save(&Assessment::new(SESSION, c, NOW))
        .map_err(|e| format!("cannot save a session: {e}"))?;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let lock = store
            .lock(SESSION)
            .map_err(|e| format!("cannot lock: {e}"))?;
        let a = store
            .load(SESSION)
            .map_err(|e| format!("cannot load: {e}"))?;
        store
            .set_last(SESSION)
            .map_err(|e| format!("cannot set the last session: {e}"))?;
        times.push(micros(t.elapsed()) / 1000.0);
        drop((lock, a));
    }
    Ok(Stats::of(times))
}

/// The binary cargo built for this bench; built here only when this bench executable is run by
/// hand after the binary was removed.
fn preflight_binary() -> Result<PathBuf, String> {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_preflight"));
    if bin.is_file() {
        return Ok(bin);
    }
    eprintln!("{} is missing: building it", bin.display());
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--offline", "--bin", "preflight"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() && bin.is_file() {
        Ok(bin)
    } else {
        Err(format!("cannot build {}", bin.display()))
    }
}

/// Runs the harness, killing it if it outlives `HARNESS_LIMIT`; its standard output.
fn run_harness(python: &Path, config: &str) -> Result<String, String> {
    let mut child = Command::new(python)
        .args(["-c", HARNESS, config])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > HARNESS_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the harness ran longer than {}s and was stopped",
                    HARNESS_LIMIT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for the harness: {e}")),
        }
    };
    let out = out.join().expect("the stdout reader ends");
    let err = err.join().expect("the stderr reader ends");
    if status.success() {
        Ok(out)
    } else {
        Err(format!("the harness failed ({status}): {}", err.trim()))
    }
}

// ─── Figures ───────────────────────────────────────────────────────────────────────────────────

#[derive(Clone, Copy)]
struct Stats {
    n: usize,
    median: f64,
    p90: f64,
    min: f64,
}

impl Stats {
    fn of(mut v: Vec<f64>) -> Self {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            return Self {
                n,
                median: f64::NAN,
                p90: f64::NAN,
                min: f64::NAN,
            };
        }
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            f64::midpoint(v[n / 2 - 1], v[n / 2])
        };
        Self {
            n,
            median,
            p90: v[(9 * n).div_ceil(10) - 1],
            min: v[0],
        }
    }
}

fn row(out: &mut String, what: &str, unit: &str, s: Stats, note: &str) {
    let _ = writeln!(
        out,
        "{what:<44} {unit:>4} {:>9.1} {:>9.1} {:>9.1} {:>6}  {note}",
        s.median, s.p90, s.min, s.n
    );
}

fn ratio(a: Stats, b: Stats) -> String {
    if a.n == 0 || b.n == 0 || b.median <= 0.0 {
        "n/a".to_owned()
    } else {
        format!("{:.2}×", a.median / b.median)
    }
}

fn print_table(r: &RenderFigures, peer: Option<&RenderFigures>, parse: Stats, l: &LaunchFigures) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nstate: {}/{} items answered, cursor on `{}` ({} characters of guidance) with a note",
        r.answered, r.items, r.guidance_item, r.guidance_chars
    );
    let _ = writeln!(
        out,
        "\n{:<44} {:>4} {:>9} {:>9} {:>9} {:>6}",
        "figure", "unit", "median", "p90", "min", "n"
    );
    let title = format!("render 200×60, {}", r.checklist);
    row(&mut out, &title, "µs", r.steady, "same state redrawn");
    row(&mut out, "key press j/k → redrawn frame", "µs", r.key, "");
    row(&mut out, "  of which update", "µs", r.update, "");
    if let Some(p) = peer {
        let title = format!("render 200×60, {} (peer)", p.checklist);
        let note = format!("{} items", p.items);
        row(&mut out, &title, "µs", p.steady, &note);
        row(
            &mut out,
            "key press j/k → redrawn frame (peer)",
            "µs",
            p.key,
            "",
        );
    }
    row(
        &mut out,
        "parse every built-in checklist",
        "ms",
        parse,
        "in process",
    );
    if let Some(why) = &l.skipped {
        let _ = writeln!(out, "start-up and memory: not measured ({why})");
    } else {
        launch_rows(&mut out, l);
    }
    let _ = writeln!(out, "\nratios (medians, same run):");
    if let Some(p) = peer {
        let _ = writeln!(
            out,
            "  render {} / {}: {}  ({} / {} items)",
            r.checklist,
            p.checklist,
            ratio(r.steady, p.steady),
            r.items,
            p.items
        );
        let _ = writeln!(
            out,
            "  key press → frame {} / {}: {}",
            r.checklist,
            p.checklist,
            ratio(r.key, p.key)
        );
    }
    if l.skipped.is_none() {
        let (a, b) = (&l.preflight, &l.less);
        let peer = &l.peer;
        let _ = writeln!(
            out,
            "  first frame text:     preflight / {peer} = {}",
            ratio(Stats::of(a.first_ms.clone()), Stats::of(b.first_ms.clone()))
        );
        let _ = writeln!(
            out,
            "  first frame complete: preflight / {peer} = {}",
            ratio(Stats::of(a.frame_ms.clone()), Stats::of(b.frame_ms.clone()))
        );
        let _ = writeln!(
            out,
            "  VmRSS:                preflight / {peer} = {}",
            ratio(Stats::of(a.rss_kb.clone()), Stats::of(b.rss_kb.clone()))
        );
        let _ = writeln!(
            out,
            "  VmHWM:                preflight / {peer} = {}",
            ratio(Stats::of(a.hwm_kb.clone()), Stats::of(b.hwm_kb.clone()))
        );
    }
    print!("{out}");
}

fn launch_rows(out: &mut String, l: &LaunchFigures) {
    let peer = &l.peer;
    let ms = |v: &[f64]| Stats::of(v.to_vec());
    let mib = |v: &[f64]| Stats::of(v.iter().map(|k| k / 1024.0).collect());
    let (p, q) = (&l.preflight, &l.less);
    let rows = [
        (
            "preflight: start → first frame text".to_owned(),
            "ms",
            ms(&p.first_ms),
            "pty 200×60",
        ),
        (
            "preflight: start → first frame complete".to_owned(),
            "ms",
            ms(&p.frame_ms),
            "",
        ),
        (
            "preflight: VmRSS after first frame".to_owned(),
            "MiB",
            mib(&p.rss_kb),
            "",
        ),
        (
            "preflight: VmHWM after first frame".to_owned(),
            "MiB",
            mib(&p.hwm_kb),
            "",
        ),
        (
            "preflight --version: start → output".to_owned(),
            "ms",
            ms(&l.version.first_ms),
            "exec floor",
        ),
        (
            "open session (lock, load, set last)".to_owned(),
            "ms",
            l.open_session_ms,
            "in process",
        ),
        (
            format!("{peer} (peer): start → first screen text"),
            "ms",
            ms(&q.first_ms),
            "same TOML",
        ),
        (
            format!("{peer} (peer): start → first screen complete"),
            "ms",
            ms(&q.frame_ms),
            "",
        ),
        (
            format!("{peer} (peer): VmRSS after first screen"),
            "MiB",
            mib(&q.rss_kb),
            "",
        ),
        (
            format!("{peer} (peer): VmHWM after first screen"),
            "MiB",
            mib(&q.hwm_kb),
            "",
        ),
    ];
    for (what, unit, stats, note) in rows {
        row(out, &what, unit, stats, note);
    }
    for (name, launch) in [
        ("preflight", &l.preflight),
        (peer.as_str(), &l.less),
        ("preflight --version", &l.version),
    ] {
        if let Some(e) = launch.errors.first() {
            let _ = writeln!(
                out,
                "  {name}: {} launch(es) failed, e.g. {e}",
                launch.errors.len()
            );
        }
        if launch.unclean > 0 {
            let _ = writeln!(
                out,
                "  {name}: {} launch(es) did not exit cleanly after quitting",
                launch.unclean
            );
        }
    }
}
