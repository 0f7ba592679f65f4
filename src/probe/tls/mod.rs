//! TLS: which protocols and cipher suites a server accepts, found with this tool's own
//! ClientHellos (not OpenSSL's or rustls's, which refuse to offer the weak suites a scan must
//! ask about), named by their IANA names.
//!
//! - `wire`: encoding ClientHellos and decoding the server's first flight.
//! - `suites`: the IANA cipher suite registry, OpenSSL aliases, Windows curve-suffixed names.
//! - `scan`: the enumeration, gentle on production servers, bounded in time.
//! - `tds`: the PRELOGIN envelope SQL Server wraps its handshake in, so port 1433 can be scanned.

#![expect(
    clippy::doc_markdown,
    reason = "protocol message names (ClientHello, ServerKeyExchange) are words of the RFCs, not code"
)]

pub mod facts;
#[cfg(test)]
mod fuzz;
pub mod scan;
pub mod suites;
pub mod tds;
pub mod wire;

pub use scan::{
    Accepted, ChainSource, NameCheck, Options, Preference, ProtocolResult, ScanReport, Transport,
    check_names, scan,
};
pub use suites::Suite;
pub use wire::{Group, KeyExchange, Version};
