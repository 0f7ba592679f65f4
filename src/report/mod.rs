//! The readiness report: findings derived from an assessment (`findings`), the document that
//! snapshots them as canonical JSON (`document`), its OpenSSH signature (`sign`, read as OpenSSH reads it: `sshsig`, `allowed`), and the
//! self-contained HTML export that embeds both (`html`), the Markdown export (`markdown`),
//! both drawn from one account of what goes on the page (`view`); reading a report file back
//! and checking it (`load`), the files the CLI and TUI write (`files`), what changed between two visits (`diff`) and joining reports
//! taken from several vantages (`merge`).

pub mod allowed;
pub mod diff;
pub mod document;
pub mod files;
pub mod findings;
pub mod html;
pub mod load;
pub mod markdown;
pub mod merge;
pub mod sign;
pub mod sshsig;
pub mod view;

pub use document::{Report, ReportError};
pub use findings::{Findings, ItemFinding, Readiness, SiteVerdict};
