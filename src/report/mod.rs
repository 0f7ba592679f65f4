//! The readiness report: findings derived from an assessment (`findings`), the document that
//! snapshots them as canonical JSON (`document`), its OpenSSH signature (`sign`), and the
//! self-contained HTML export that embeds both (`html`).
//!
//! The Markdown export, diff and merge are not here yet.

pub mod document;
pub mod findings;
pub mod html;
pub mod sign;

pub use document::{Report, ReportError};
pub use findings::{Findings, ItemFinding, Readiness, SiteVerdict};
