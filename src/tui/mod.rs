//! The terminal interface (in progress).
use crate::paths::Dirs;

/// Runs the TUI.
///
/// # Errors
/// On terminal errors.
pub fn run(_dirs: &Dirs, _session: Option<&str>, _checklist: Option<&str>) -> color_eyre::Result<()> {
    Err(color_eyre::eyre::eyre!("the TUI is being built"))
}
