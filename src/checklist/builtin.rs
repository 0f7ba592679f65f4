//! The checklists built into the binary, written from the field guides in `shared/seeds`.

use std::path::Path;

use super::{Checklist, ChecklistError, Origin};

/// (file name, text) of every built-in checklist.
pub const SOURCES: &[(&str, &str)] = &[
    (
        "spok-mobile-4.5.toml",
        include_str!("../../checklists/spok-mobile-4.5.toml"),
    ),
    (
        "sap-smp-relay-https.toml",
        include_str!("../../checklists/sap-smp-relay-https.toml"),
    ),
    (
        "activesync-device-trust.toml",
        include_str!("../../checklists/activesync-device-trust.toml"),
    ),
];

/// Parses every built-in checklist.
///
/// # Errors
/// Only if a built-in checklist is broken, which the tests rule out.
pub fn all() -> Result<Vec<Checklist>, ChecklistError> {
    SOURCES
        .iter()
        .map(|(name, text)| {
            Checklist::parse(text, &Path::new("checklists").join(name), Origin::Builtin)
        })
        .collect()
}
