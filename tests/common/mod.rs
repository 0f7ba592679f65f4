//! What the integration tests share: running the real binary with a watchdog.

#![allow(
    dead_code,
    reason = "each test binary uses its own part of these helpers"
)]

pub mod dns_server;
pub mod home;
#[cfg(target_os = "linux")]
pub mod netns;
pub mod server;
pub mod sql_site;
pub mod tds_server;

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Longest a child may run before the test fails (a debug build on a loaded machine).
pub const WATCHDOG: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    /// With colour escapes removed (color-eyre colours its reports even into a pipe).
    pub stderr: String,
}

impl Out {
    pub fn both(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// Runs a command with stdin closed, failing the test if it runs longer than [`WATCHDOG`].
pub fn run_with_watchdog(cmd: Command, what: &str) -> Out {
    run_with_deadline(cmd, what, WATCHDOG)
}

/// Runs a command with stdin closed, failing the test if it runs longer than `limit`.
pub fn run_with_deadline(mut cmd: Command, what: &str, limit: Duration) -> Out {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let out = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
            let err = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
            panic!(
                "{what} still ran after {limit:?}; killed it\n--- stdout\n{out}--- stderr\n{err}"
            );
        }
        thread::sleep(Duration::from_millis(10));
    };
    let stdout = String::from_utf8(out_reader.join().expect("stdout reader"))
        .unwrap_or_else(|e| panic!("{what}: stdout is not UTF-8: {e}"));
    let stderr = String::from_utf8(err_reader.join().expect("stderr reader"))
        .unwrap_or_else(|e| panic!("{what}: stderr is not UTF-8: {e}"));
    let code = status
        .code()
        .unwrap_or_else(|| panic!("{what} was ended by a signal: {status:?}\n{stderr}"));
    Out {
        code,
        stdout,
        stderr: strip_ansi(&stderr),
    }
}

/// Removes CSI escape sequences (`ESC [ … final byte`).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
