//! Where preflight keeps its files: the platform's data and config directories from the
//! `directories` crate (XDG on Linux, `%APPDATA%` on Windows, `~/Library` on macOS).

use std::path::PathBuf;

/// The directories preflight uses.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// Assessments (sessions) live in `data/sessions`.
    pub data: PathBuf,
    /// User checklists live in `config/checklists`; keys will live here too.
    pub config: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "cannot find a home directory to keep preflight's data in (set HOME, or XDG_DATA_HOME and XDG_CONFIG_HOME)"
)]
pub struct NoHome;

impl Dirs {
    /// The platform's directories for preflight.
    ///
    /// # Errors
    /// When the platform gives no home directory.
    pub fn from_platform() -> Result<Self, NoHome> {
        let dirs = directories::ProjectDirs::from("", "", "preflight").ok_or(NoHome)?;
        Ok(Self {
            data: dirs.data_dir().to_owned(),
            config: dirs.config_dir().to_owned(),
        })
    }

    #[must_use]
    pub fn sessions(&self) -> PathBuf {
        self.data.join("sessions")
    }

    #[must_use]
    pub fn checklists(&self) -> PathBuf {
        self.config.join("checklists")
    }
}
