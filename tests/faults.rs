//! Faults on the real binary: TUIs started at the same moment, each on a terminal of its own.
//!
//! The TUIs run under `script` (util-linux), which gives each one a pseudo-terminal, so many can
//! start at once without tmux's one-command-at-a-time server in between.

#![cfg(unix)]

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_preflight");
const ACTIVESYNC: &str = "activesync-device-trust";
/// Longest the whole race may take (debug builds, a loaded machine, 40 processes).
const WATCHDOG: Duration = Duration::from_secs(60);
/// What a TUI writes once it has taken the terminal: the alternate screen.
const STARTED: &[u8] = b"\x1b[?1049h";

/// Starts `preflight ARGS` on a pseudo-terminal of its own, in the home `dir`.
fn tui_on_pty(dir: &Path, args: &[&str]) -> Child {
    // `script` copies the size of a terminal it is run from; from a test there is none, and a
    // TUI of 0×0 draws nothing: give it one.
    let mut line = format!("stty rows 30 cols 100; exec '{BIN}'");
    for a in args {
        line.push_str(" '");
        line.push_str(a);
        line.push('\'');
    }
    Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("HOME", dir.join("home"))
        .env("PREFLIGHT_USER", "tester")
        .env("TERM", "xterm-256color")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start `script` (util-linux; apt-get install bsdutils): {e}")
        })
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// One reader per terminal: it reports (by index) when its TUI took the screen, then keeps
/// reading so the TUI never blocks on a full pipe, and hands back everything at the end.
fn read_terminals(
    children: &mut [Child],
) -> (mpsc::Receiver<usize>, Vec<thread::JoinHandle<Vec<u8>>>) {
    let (started_tx, started_rx) = mpsc::channel();
    let readers = children
        .iter_mut()
        .enumerate()
        .map(|(i, c)| {
            let mut out = c.stdout.take().expect("piped stdout");
            let tx = started_tx.clone();
            thread::spawn(move || {
                let mut all = Vec::new();
                let mut buf = [0u8; 4096];
                let mut told = false;
                while let Ok(n) = out.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    all.extend_from_slice(&buf[..n]);
                    if !told && contains(&all, STARTED) {
                        told = true;
                        let _ = tx.send(i);
                    }
                }
                all
            })
        })
        .collect();
    (started_rx, readers)
}

/// Waits for every child to end, killing them all and failing past `deadline`.
fn wait_all(
    children: &mut [Child],
    exited: &mut [Option<std::process::ExitStatus>],
    deadline: Instant,
) {
    for i in 0..children.len() {
        while exited[i].is_none() {
            if Instant::now() > deadline {
                for c in children.iter_mut() {
                    let _ = c.kill();
                }
                panic!("TUI {i} did not quit on `q` within {WATCHDOG:?}");
            }
            exited[i] = children[i].try_wait().expect("wait");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Issue 11, item 6: 40 TUIs started at the same moment, each creating its own session, all
/// write the "last session" marker at once. Each must start (take its terminal) without a
/// warning that the marker could not be written, quit cleanly on `q`, and leave no temporary
/// file behind; the marker names one of them.
#[test]
fn tuis_started_at_the_same_moment_all_start() {
    const N: usize = 40;
    let dir = tempfile::tempdir().expect("tempdir");
    for sub in ["data", "config", "home"] {
        fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
    }
    let names: Vec<String> = (0..N).map(|i| format!("race-{i}")).collect();
    let mut children: Vec<Child> = names
        .iter()
        .map(|n| tui_on_pty(dir.path(), &["--session", n, "--checklist", ACTIVESYNC]))
        .collect();
    let (started_rx, readers) = read_terminals(&mut children);
    let deadline = Instant::now() + WATCHDOG;
    let mut started = [false; N];
    let mut exited = [None; N];
    // Wait until every TUI has either taken its terminal or ended.
    while started.iter().zip(&exited).any(|(s, e)| !s && e.is_none()) {
        assert!(
            Instant::now() < deadline,
            "the TUIs did not start within {WATCHDOG:?}"
        );
        while let Ok(i) = started_rx.try_recv() {
            started[i] = true;
        }
        for (i, c) in children.iter_mut().enumerate() {
            if exited[i].is_none() {
                exited[i] = c.try_wait().expect("wait");
            }
        }
        thread::sleep(Duration::from_millis(20));
    }
    // Quit every TUI that started.
    for (i, c) in children.iter_mut().enumerate() {
        if started[i] {
            let mut stdin = c.stdin.take().expect("piped stdin");
            let _ = stdin.write_all(b"q");
        }
    }
    wait_all(&mut children, &mut exited, deadline);
    let outputs: Vec<Vec<u8>> = readers
        .into_iter()
        .map(|r| r.join().expect("reader"))
        .collect();
    // A marker that could not be written no longer stops a TUI; it says so on its screen.
    let warned = |out: &[u8]| contains(out, b"cannot remember this as the last session");
    let failed: Vec<String> = (0..N)
        .filter(|&i| !started[i] || exited[i].is_none_or(|s| !s.success()) || warned(&outputs[i]))
        .map(|i| {
            format!(
                "{} ({:?}): {}",
                names[i],
                exited[i],
                String::from_utf8_lossy(&outputs[i])
            )
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {N} TUIs did not start and quit cleanly:\n{}",
        failed.len(),
        failed.join("\n")
    );
    let sessions = dir.path().join("data/preflight/sessions");
    let last = fs::read_to_string(sessions.join("last")).expect("the marker");
    assert!(names.contains(&last.trim().to_owned()), "marker: {last:?}");
    let strays: Vec<_> = fs::read_dir(&sessions)
        .expect("sessions dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            Path::new(n)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("tmp"))
        })
        .collect();
    assert!(strays.is_empty(), "temporary files left: {strays:?}");
    for n in &names {
        assert!(sessions.join(format!("{n}.json")).exists(), "{n} not saved");
    }
}
