//! preflight: walks a vendor's pre-implementation checklist with the people on site, probes the
//! site's infrastructure and produces a readiness report.
//!
//! The binary is a thin shell over this library so that tests and benchmarks use the same code.
//! Domain modules (`rules`, `ports`, `site`, `checklist`, `probe`, `assessment`, `report`,
//! `store`) never import the `tui` or the `cli`; the TUI and the command line are two faces on the
//! same core. `rules` (the vocabulary of checks), `ports` and `written` are leaves that the
//! checklist and the probes both use, so neither imports the other.

pub mod assessment;
pub mod checklist;
pub mod cli;
pub mod library;
pub mod paths;
pub mod ports;
pub mod private_file;
pub mod probe;
pub mod report;
pub mod rules;
pub mod site;
pub mod stamp;
pub mod store;
pub mod tui;
mod written;
