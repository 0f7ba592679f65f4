//! `preflight hosts` (being written).

use std::process::ExitCode;

use color_eyre::eyre::{Result, eyre};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: &Args) -> Result<ExitCode> {
    Err(eyre!("`preflight hosts` is being written"))
}
