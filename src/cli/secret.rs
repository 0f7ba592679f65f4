//! Typing a passphrase at the terminal: each character shows as `*`, nothing typed is echoed,
//! logged or kept after the call. Used only when stdin and stderr are a terminal; scripts give
//! the passphrase through an environment variable instead (`--passphrase-env VAR`).

use std::io::{self, IsTerminal as _, Write as _};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal;

/// Whether a person is there to be asked.
pub fn can_prompt() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// Restores the terminal however the prompt ends.
struct Raw;

impl Drop for Raw {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
    }
}

/// Asks for a secret on stderr; `None` when the person pressed Esc or Ctrl-C.
///
/// # Errors
/// When the terminal cannot be put in raw mode or read.
pub fn prompt(label: &str) -> io::Result<Option<String>> {
    let mut err = io::stderr();
    write!(err, "{label}")?;
    err.flush()?;
    terminal::enable_raw_mode()?;
    let raw = Raw;
    let mut typed = String::new();
    let done = loop {
        let Event::Key(k) = event::read()? else {
            continue;
        };
        if k.kind == KeyEventKind::Release {
            continue;
        }
        match k.code {
            KeyCode::Enter => break true,
            KeyCode::Esc => break false,
            KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => break false,
            KeyCode::Backspace if typed.pop().is_some() => write!(err, "\u{8} \u{8}")?,
            KeyCode::Char(c) => {
                typed.push(c);
                write!(err, "*")?;
            }
            _ => {}
        }
        err.flush()?;
    };
    drop(raw);
    writeln!(err)?;
    Ok(done.then_some(typed))
}

/// A passphrase from the environment variable `var`, which must be set and not empty.
///
/// # Errors
/// When it is unset or empty, in words.
pub fn from_env(var: &str) -> Result<String, String> {
    match std::env::var(var) {
        Ok(p) if !p.is_empty() => Ok(p),
        Ok(_) => Err(format!("the environment variable {var} is empty")),
        Err(_) => Err(format!("the environment variable {var} is not set")),
    }
}
