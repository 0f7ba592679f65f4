//! How gently `preflight tls` and `preflight probe` treat each server: the flags both take.

use crate::probe::budget::{DEFAULT_PER_SERVER, Policy};

#[derive(Debug, Clone, clap::Args)]
pub struct Politeness {
    /// Connections at once to one server (an address), whatever names, ports and probes lead
    /// to it; fewer while the server shows signs of limiting us.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PER_SERVER)]
    pub concurrency: usize,
    /// New connections per second to one server, at most. None by default: the budget backs
    /// off by itself when a server resets, stalls or refuses what it answered before.
    #[arg(long, value_name = "N")]
    pub rate: Option<u32>,
    /// For fragile servers: one connection at a time, two a second, longer pauses.
    #[arg(long, conflicts_with_all = ["concurrency", "rate"])]
    pub polite: bool,
}

impl Politeness {
    pub fn policy(&self) -> Policy {
        if self.polite {
            return Policy::POLITE;
        }
        Policy {
            per_server: self.concurrency.max(1),
            rate: self.rate.map(|r| r.max(1)),
            ..Policy::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_make_the_policy() {
        let p = |concurrency, rate, polite| {
            Politeness {
                concurrency,
                rate,
                polite,
            }
            .policy()
        };
        assert_eq!(p(5, None, false), Policy::default());
        assert_eq!(p(5, None, true), Policy::POLITE);
        let fast = p(16, Some(1000), false);
        assert_eq!((fast.per_server, fast.rate), (16, Some(1000)));
        assert_eq!(p(0, Some(0), false).per_server, 1);
        assert_eq!(p(0, Some(0), false).rate, Some(1));
    }
}
