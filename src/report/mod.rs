//! The readiness report: findings derived from an assessment (`findings`), the document that
//! snapshots them as canonical JSON (`document`), and its OpenSSH signature (`sign`).
//!
//! Exports (HTML, Markdown), diff and merge are not here yet.

pub mod document;
pub mod findings;
pub mod sign;

pub use document::{Report, ReportError};
pub use findings::{Findings, ItemFinding, Readiness, SiteVerdict};
