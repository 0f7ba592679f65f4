//! `preflight listen --ports LIST [--bind ADDR]`: opens the ports a service will use before the
//! service exists and answers every connection with an identity line, so a colleague running
//! `preflight tcp` from another machine can test the firewall rules ahead of installation and
//! know they reached this machine.
//!
//! It prints what it listens on and the run's token at start, a line per connection, and what
//! it served when Ctrl-C stops it. Exit 0 when every port opened, 1 when some could not (each
//! is reported with the reason), 2 when none could.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::net::IpAddr;
use std::process::ExitCode;

use color_eyre::eyre::{Result, WrapErr as _, bail};
use serde_json::json;

use super::Format;
use crate::ports::Ports;
use crate::probe::responder::{Connection, Responder};
use crate::probe::tcp;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Ports and ranges to open: `8091,20000-20009,443`.
    #[arg(long, value_parser = Ports::parse)]
    pub ports: Ports,
    /// The local address to listen on: `0.0.0.0` for every IPv4 interface, `::` for IPv6 (and
    /// IPv4 too where the system allows both on one socket), or one interface's address.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0")]
    pub bind: IpAddr,
    /// `json` prints one JSON object per line (`listening`, `connection`, `stopped` events).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let code = runtime.block_on(serve(args))?;
    runtime.shutdown_background();
    Ok(code)
}

async fn serve(args: &Args) -> Result<ExitCode> {
    // Registered before anything is printed: a Ctrl-C that arrives as soon as the ports are
    // announced must stop the responder cleanly, not kill the process.
    let stop = interrupt().wrap_err("cannot watch for Ctrl-C")?;
    let responder = Responder::bind(args.bind, args.ports.as_slice()).await;
    let open = responder.ports();
    let failed = responder.failed().to_vec();
    let json = args.format == Format::Json;
    if json {
        emit(&json!({
            "event": "listening",
            "host": responder.host(),
            "token": responder.token(),
            "bind": args.bind.to_string(),
            "ports": open,
            "failed": failed.iter().map(|f| json!({"port": f.port, "reason": f.reason})).collect::<Vec<_>>(),
        }));
    } else {
        let mut s = format!(
            "preflight responder on {}, token {}\n",
            responder.host(),
            responder.token()
        );
        if !open.is_empty() {
            let _ = writeln!(
                s,
                "listening on {} port{} {}",
                args.bind,
                if open.len() == 1 { "" } else { "s" },
                tcp::compact(&open)
            );
        }
        for f in &failed {
            let _ = writeln!(s, "cannot listen: {f}");
        }
        if !open.is_empty() {
            let _ = writeln!(
                s,
                "from another machine: preflight tcp <this machine's address> {}\nCtrl-C stops.",
                tcp::compact(&open)
            );
        }
        say(&s);
    }
    if open.is_empty() {
        bail!(
            "none of the ports {} could be opened on {}",
            args.ports,
            args.bind
        );
    }

    let served = responder
        .serve(stop, |c: &Connection| {
            if json {
                emit(&json!({
                    "event": "connection",
                    "at": crate::stamp::now(),
                    "port": c.port,
                    "peer": c.peer.to_string(),
                }));
            } else {
                say(&format!(
                    "{}  port {} from {}\n",
                    crate::stamp::now(),
                    c.port,
                    c.peer
                ));
            }
        })
        .await;
    if json {
        emit(&json!({
            "event": "stopped",
            "connections": served.connections,
            "by_port": served.by_port.iter().map(|(p, n)| (p.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "peers": served.peers.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
    } else {
        say(&format!("stopped: {}\n", served.describe()));
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The first Ctrl-C (SIGINT on Unix, the console's Ctrl-C event on Windows), watched from the
/// moment this returns.
#[cfg(unix)]
fn interrupt() -> io::Result<impl Future<Output = ()>> {
    let mut signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    Ok(async move {
        signal.recv().await;
    })
}

#[cfg(windows)]
fn interrupt() -> io::Result<impl Future<Output = ()>> {
    let mut signal = tokio::signal::windows::ctrl_c()?;
    Ok(async move {
        signal.recv().await;
    })
}

#[cfg(not(any(unix, windows)))]
fn interrupt() -> io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// Writes and flushes at once, so a colleague (or a script) sees each line as it happens. A
/// closed stdout is no reason to stop answering connections.
fn say(text: &str) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn emit(value: &serde_json::Value) {
    say(&format!("{value}\n"));
}
