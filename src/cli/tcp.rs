//! `preflight tcp HOST PORTS`: which ports of a host answer from this machine, and for those
//! that do not, how they fail and what to change. The `telnet host port` of the paper guide,
//! for a whole port list at once.
//!
//! Text output groups consecutive ports that ended alike (`20000-20009  open`) and colours the
//! states only when stdout is a terminal; JSON output is for scripts and keeps its field names.
//! A progress line goes to stderr, only when stderr is a terminal. Exit 0 when every port is
//! open, 1 when any is not, 2 on bad input.

use std::fmt::Write as _;
use std::io::{self, IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::builder::NonEmptyStringValueParser;
use color_eyre::eyre::{Result, WrapErr as _};
use crossterm::style::{Color, Stylize as _};
use serde_json::json;

use super::Format;
use crate::ports::Ports;
use crate::probe::tcp::{self, Options, Outcome, State, SystemResolver};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The host to probe: a name or an IP address (IPv6 as `::1` or `[::1]`).
    #[arg(value_parser = NonEmptyStringValueParser::new())]
    pub host: String,
    /// Ports and ranges: `443,8091,20000-20009`.
    #[arg(value_parser = Ports::parse)]
    pub ports: Ports,
    /// Milliseconds to wait for each connection before calling the port filtered.
    #[arg(long, value_name = "MS", default_value_t = 3000,
          value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub timeout: u64,
    /// Connections in flight at once.
    #[arg(long, value_name = "N", default_value_t = tcp::DEFAULT_CONCURRENCY,
          value_parser = parse_concurrency)]
    pub concurrency: usize,
    /// Seconds the whole run may take; ports not answered by then count as filtered. Default:
    /// enough for every port to time out, plus ten seconds.
    #[arg(long, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub max_time: Option<u64>,
    /// Do not wait on open ports for a `preflight listen` responder to say who it is.
    #[arg(long)]
    pub no_identify: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn parse_concurrency(s: &str) -> std::result::Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=4096).contains(&n) => Ok(n),
        _ => Err(format!("expected a number from 1 to 4096, found `{s}`")),
    }
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let mut options = Options {
        timeout: Duration::from_millis(args.timeout),
        concurrency: args.concurrency,
        identify: !args.no_identify,
        ..Options::default()
    };
    options.limit = args.max_time.map_or_else(
        || options.natural_limit(args.ports.len()),
        Duration::from_secs,
    );
    let targets = tcp::targets(&args.host, args.ports.as_slice());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let at = crate::stamp::now();
    let started = Instant::now();
    let mut progress = Progress::new(targets.len());
    let outcomes = runtime.block_on(tcp::probe(
        &targets,
        &options,
        Arc::new(SystemResolver),
        |_, _| progress.tick(),
    ));
    progress.clear();
    // A resolver stuck in `getaddrinfo` must not hold the exit; its answer is no longer needed.
    runtime.shutdown_background();
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let result = tcp::probe_result(&args.host, &outcomes, options.timeout, at, ms);
    let all_open = outcomes.iter().all(|o| o.state == State::Open);

    let text = match args.format {
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&json_report(args, &options, &result, &outcomes))?;
            s.push('\n');
            s
        }
        Format::Text => text_report(
            args,
            &options,
            &result.summary,
            &outcomes,
            io::stdout().is_terminal(),
        ),
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(if all_open {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The JSON scripts read: `results` rows keep `host`, `port`, `state` and `ms` exactly.
fn json_report(
    args: &Args,
    options: &Options,
    result: &crate::probe::ProbeResult,
    outcomes: &[Outcome],
) -> serde_json::Value {
    let mut counts = serde_json::Map::new();
    for s in State::ALL {
        counts.insert(
            s.name().to_owned(),
            json!(outcomes.iter().filter(|o| o.state == s).count()),
        );
    }
    let results: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|o| {
            json!({
                "host": o.host,
                "port": o.port,
                "state": o.state,
                "ms": o.ms,
                "address": o.address.map(|a| a.to_string()),
                "responder": o.responder.as_ref().map(|r| json!({
                    "host": r.host,
                    "token": r.token,
                    "port": r.port,
                })),
                "detail": o.detail,
            })
        })
        .collect();
    json!({
        "host": args.host,
        "ports": args.ports.to_string(),
        "timeout_ms": args.timeout,
        "max_time_ms": u64::try_from(options.limit.as_millis()).unwrap_or(u64::MAX),
        "verdict": result.verdict,
        "summary": result.summary,
        "counts": counts,
        "results": results,
    })
}

/// One line per run of consecutive ports that ended alike, then the summary.
fn text_report(
    args: &Args,
    options: &Options,
    summary: &str,
    outcomes: &[Outcome],
    colour: bool,
) -> String {
    let groups = group(outcomes);
    let width = groups
        .iter()
        .map(|g| g.ports.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut s = format!(
        "{} ({} port{}, timeout {})\n",
        args.host,
        outcomes.len(),
        if outcomes.len() == 1 { "" } else { "s" },
        tcp::human(options.timeout),
    );
    for g in &groups {
        let state = format!("{:<11}", g.state.words());
        let state = if colour {
            state.with(colour_of(g.state)).to_string()
        } else {
            state
        };
        // The address says which of a name's addresses answered; for an IP literal it would
        // only repeat the host.
        let address = g
            .address
            .map(|a| a.ip().to_string())
            .filter(|ip| args.host.trim_matches(['[', ']']) != ip)
            .map(|ip| format!("  [{ip}]"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {:<width$}  {state} {:>6} ms  {}{address}",
            g.ports, g.ms, g.detail
        );
    }
    let open = outcomes.iter().filter(|o| o.state == State::Open).count();
    let _ = writeln!(s, "{open} of {} open: {summary}", outcomes.len());
    s
}

fn colour_of(state: State) -> Color {
    match state {
        State::Open => Color::Green,
        State::Refused | State::Unreachable => Color::Yellow,
        State::Filtered | State::NameError => Color::Red,
    }
}

/// Consecutive ports (in the order asked) with the same state, detail and address family.
struct Group {
    ports: String,
    state: State,
    ms: u64,
    detail: String,
    address: Option<std::net::SocketAddr>,
}

fn group(outcomes: &[Outcome]) -> Vec<Group> {
    let mut groups: Vec<(Vec<u16>, &Outcome, u64)> = Vec::new();
    for o in outcomes {
        if let Some((ports, first, ms)) = groups.last_mut() {
            let follows = ports.last().and_then(|p| p.checked_add(1)) == Some(o.port);
            let alike = first.state == o.state
                && first.detail == o.detail
                && first.address.map(|a| a.ip()) == o.address.map(|a| a.ip());
            if follows && alike {
                ports.push(o.port);
                *ms = (*ms).max(o.ms);
                continue;
            }
        }
        groups.push((vec![o.port], o, o.ms));
    }
    groups
        .into_iter()
        .map(|(ports, first, ms)| Group {
            ports: tcp::compact(&ports),
            state: first.state,
            ms,
            detail: first.detail.clone(),
            address: first.address,
        })
        .collect()
}

/// `probed 120/10000` on stderr, redrawn at most ten times a second, only for a person.
struct Progress {
    total: usize,
    done: usize,
    shown: Option<Instant>,
    enabled: bool,
    width: usize,
}

impl Progress {
    fn new(total: usize) -> Self {
        Self {
            total,
            done: 0,
            shown: None,
            enabled: io::stderr().is_terminal(),
            width: 0,
        }
    }

    fn tick(&mut self) {
        self.done += 1;
        if !self.enabled
            || self
                .shown
                .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.shown = Some(Instant::now());
        let line = format!("probed {}/{}", self.done, self.total);
        self.width = self.width.max(line.len());
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r{line:<w$}", w = self.width);
        let _ = err.flush();
    }

    fn clear(&mut self) {
        if self.enabled && self.shown.is_some() {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r{:w$}\r", "", w = self.width);
            let _ = err.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(port: u16, state: State, detail: &str) -> Outcome {
        Outcome {
            host: "h".to_owned(),
            port,
            state,
            ms: u64::from(port % 7),
            address: Some(std::net::SocketAddr::from(([127, 0, 0, 1], port))),
            responder: None,
            detail: detail.to_owned(),
        }
    }

    #[test]
    fn consecutive_alike_ports_group() {
        let mut outcomes: Vec<Outcome> =
            (20000..=20009).map(|p| o(p, State::Open, "open")).collect();
        outcomes.push(o(443, State::Open, "open"));
        outcomes.push(o(444, State::Refused, "refused"));
        outcomes.push(o(445, State::Refused, "refused"));
        let groups = group(&outcomes);
        let shown: Vec<(&str, State, u64)> = groups
            .iter()
            .map(|g| (g.ports.as_str(), g.state, g.ms))
            .collect();
        assert_eq!(
            shown,
            [
                ("20000-20009", State::Open, 6),
                ("443", State::Open, 2),
                ("444-445", State::Refused, 4)
            ]
        );
    }

    #[test]
    fn concurrency_is_bounded() {
        assert_eq!(parse_concurrency("256"), Ok(256));
        for bad in ["0", "5000", "-1", "many"] {
            assert!(parse_concurrency(bad).is_err(), "{bad}");
        }
    }
}
