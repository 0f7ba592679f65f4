//! The SQL Server probe: what the database the go-live depends on really is, read from the live
//! server over TDS with tiberius: version and edition, clustering, AlwaysOn availability groups
//! (replicas, commit and failover modes, health, the listener's subnets), database mirroring
//! (partners, witness, safety), the login's rights and the age of the backups.
//!
//! The probe is polite to a production server: after the login it sends two batches, each a
//! handful of read-only SELECTs on catalog views, DMVs and msdb (see [`queries`]). Every
//! statement of the second batch is guarded by TRY/CATCH, so a view the login may not read
//! becomes "could not verify: permission" for the facts that need it while the rest are still
//! read. Each fact keeps the query it came from as evidence ([`facts`]); the checklist's checks
//! are judged from the facts ([`checks`]), so one probe answers every SQL item.

mod browser;
pub mod checks;
mod client;
pub mod facts;
pub mod queries;
pub mod tables;
mod target;

pub use client::{Auth, Encryption, Options, Trust, probe};

/// Where the SQL login's password is read from when no one is asked for it.
pub const PASSWORD_ENV: &str = "PREFLIGHT_SQL_PASSWORD";
pub use facts::SqlFacts;
pub use target::{Target, TargetError};
