//! Politeness as a budget per server, shared by everything a run sends to it.
//!
//! A server is an IP address: every name, port and probe kind of a run that lands on one
//! address draws connections from one [`Server`] budget, so four TLS names on one machine open
//! no more connections at once than one would. The budget is a window of connections at once
//! that starts at the policy's ceiling and adapts: each connection the server answers widens
//! it by one over its width (additive increase, back towards the ceiling), each sign that the
//! server is limiting us (a reset, a stall, a refusal where it answered before) halves it and
//! pauses every new connection to that server for a while that doubles with each such sign in
//! a row (multiplicative decrease). No fixed rate is needed for that; a rate can still be set
//! (`--rate`, `--polite`) for servers known to be fragile. A global cap bounds the sockets a
//! run holds open across all servers.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, sleep_until};

use super::lock;

/// Connections at once to one server by default: sslyze's default, five.
pub const DEFAULT_PER_SERVER: usize = 5;
/// Sockets open at once across a whole run: far under a process's descriptor limit.
pub const DEFAULT_SOCKETS: usize = 256;

/// How gentle a run is with each server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Connections at once to one server, at most (at least 1).
    pub per_server: usize,
    /// New connections per second to one server, when paced; none by default.
    pub rate: Option<u32>,
    /// Sockets open at once across the run (at least 1).
    pub sockets: usize,
    /// First pause after a sign of limiting; it doubles with each one in a row.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            per_server: DEFAULT_PER_SERVER,
            rate: None,
            sockets: DEFAULT_SOCKETS,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(4),
        }
    }
}

impl Policy {
    /// For fragile servers: one connection at a time, two a second.
    pub const POLITE: Self = Self {
        per_server: 1,
        rate: Some(2),
        sockets: DEFAULT_SOCKETS,
        backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(8),
    };

    /// The widest the window gets: the connections at once allowed.
    fn ceiling(&self) -> f64 {
        f64::from(u32::try_from(self.per_server).unwrap_or(u32::MAX))
    }

    fn interval(&self) -> Duration {
        self.rate
            .map_or(Duration::ZERO, |r| Duration::from_secs(1) / r.max(1))
    }
}

/// The budgets of one run (or one command): cheap to clone, every clone shares them.
#[derive(Clone)]
pub struct Budgets(Arc<Inner>);

struct Inner {
    policy: Policy,
    sockets: Arc<Semaphore>,
    servers: Mutex<HashMap<IpAddr, Arc<Server>>>,
}

impl std::fmt::Debug for Budgets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Budgets").field(&self.0.policy).finish()
    }
}

impl PartialEq for Budgets {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Budgets {}

impl Default for Budgets {
    fn default() -> Self {
        Self::new(Policy::default())
    }
}

impl Budgets {
    pub fn new(policy: Policy) -> Self {
        let policy = Policy {
            per_server: policy.per_server.max(1),
            sockets: policy.sockets.max(1),
            ..policy
        };
        Self(Arc::new(Inner {
            policy,
            sockets: Arc::new(Semaphore::new(policy.sockets)),
            servers: Mutex::new(HashMap::new()),
        }))
    }

    pub fn policy(&self) -> Policy {
        self.0.policy
    }

    /// The budget of the server at `ip`, made on first use.
    pub fn server(&self, ip: IpAddr) -> Arc<Server> {
        let policy = self.0.policy;
        Arc::clone(lock(&self.0.servers).entry(ip).or_insert_with(|| {
            Arc::new(Server {
                policy,
                state: Mutex::new(State {
                    window: policy.ceiling(),
                    open: 0,
                    next: Instant::now(),
                    pause: Duration::ZERO,
                    peak: 0,
                }),
                freed: Notify::new(),
            })
        }))
    }

    /// Waits for a connection's turn to `ip` within its server's budget and the run's socket
    /// cap; the slot is given back when dropped.
    pub async fn slot(&self, ip: IpAddr) -> Slot {
        let server = self.server(ip);
        server.enter().await;
        // Made before the wait below, so a cancelled wait still gives the server's place back.
        let mut slot = Slot {
            server,
            socket: None,
        };
        slot.socket = Arc::clone(&self.0.sockets).acquire_owned().await.ok();
        slot
    }
}

/// One server's budget.
pub struct Server {
    policy: Policy,
    state: Mutex<State>,
    freed: Notify,
}

struct State {
    /// Connections allowed at once now: between 1 and the policy's ceiling.
    window: f64,
    open: usize,
    /// The earliest moment the next connection may start (the rate, and any pause).
    next: Instant,
    /// The current pause after signs of limiting; zero while the server behaves.
    pause: Duration,
    /// Most connections open at once so far.
    peak: usize,
}

impl Server {
    async fn enter(&self) {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            let wait = {
                let mut s = lock(&self.state);
                let now = Instant::now();
                // The window is at least 1, so the floor is a whole number of connections.
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "the window stays between 1 and the policy's small ceiling"
                )]
                let allowed = s.window.floor().max(1.0) as usize;
                if s.open >= allowed {
                    None
                } else if s.next <= now {
                    s.open += 1;
                    s.peak = s.peak.max(s.open);
                    s.next = now + self.policy.interval();
                    return;
                } else {
                    Some(s.next)
                }
            };
            match wait {
                Some(at) => sleep_until(at).await,
                None => freed.await,
            }
        }
    }

    /// The window now: connections allowed at once, a fraction while it widens.
    #[cfg(test)]
    fn window(&self) -> f64 {
        lock(&self.state).window
    }

    /// Most connections this run had open to the server at once.
    pub fn peak(&self) -> usize {
        lock(&self.state).peak
    }

    /// The server answered: widen the window (by one over its width) and end any pause.
    pub fn answered(&self) {
        let mut s = lock(&self.state);
        s.window = (s.window + 1.0 / s.window).min(self.policy.ceiling());
        s.pause = Duration::ZERO;
        drop(s);
        self.freed.notify_waiters();
    }

    /// The server shows signs of limiting us: halve the window and pause new connections,
    /// longer each time in a row. Gives the pause.
    pub fn limited(&self) -> Duration {
        let mut s = lock(&self.state);
        s.window = (s.window / 2.0).max(1.0);
        s.pause = (s.pause * 2).clamp(self.policy.backoff, self.policy.max_backoff);
        s.next = s.next.max(Instant::now() + s.pause);
        s.pause
    }
}

/// A connection's place in its server's budget and the run's socket cap.
pub struct Slot {
    server: Arc<Server>,
    /// Held only to be given back on drop.
    socket: Option<OwnedSemaphorePermit>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        lock(&self.server.state).open -= 1;
        self.server.freed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn one_server_gets_its_ceiling_and_no_more_whatever_asks() {
        run(async {
            let budgets = Budgets::new(Policy {
                per_server: 3,
                ..Policy::default()
            });
            let mut held = Vec::new();
            for _ in 0..3 {
                held.push(budgets.slot(A).await);
            }
            // A fourth to the same server waits; another server is not held up.
            let fourth = tokio::time::timeout(Duration::from_millis(100), budgets.slot(A)).await;
            assert!(fourth.is_err());
            let _other = budgets.slot(B).await;
            held.pop();
            let _fourth = budgets.slot(A).await;
            assert_eq!(budgets.server(A).peak(), 3);
        });
    }

    #[test]
    fn limiting_halves_the_window_and_pauses_answers_widen_it_again() {
        run(async {
            let budgets = Budgets::default();
            let server = budgets.server(A);
            assert!((server.window() - 5.0).abs() < f64::EPSILON);
            let pause = server.limited();
            assert_eq!(pause, Duration::from_millis(250));
            assert_eq!(server.limited(), Duration::from_millis(500));
            assert!((server.window() - 1.25).abs() < f64::EPSILON);
            let before = Instant::now();
            drop(budgets.slot(A).await);
            assert!(before.elapsed() >= Duration::from_millis(500));
            // Only one at a time now.
            let _one = budgets.slot(A).await;
            assert!(
                tokio::time::timeout(Duration::from_millis(100), budgets.slot(A))
                    .await
                    .is_err()
            );
            for _ in 0..20 {
                server.answered();
            }
            assert!((server.window() - 5.0).abs() < f64::EPSILON);
        });
    }

    #[test]
    fn the_socket_cap_holds_across_servers() {
        run(async {
            let budgets = Budgets::new(Policy {
                sockets: 2,
                ..Policy::default()
            });
            let _a = budgets.slot(A).await;
            let _b = budgets.slot(B).await;
            assert!(
                tokio::time::timeout(Duration::from_millis(100), budgets.slot(A))
                    .await
                    .is_err()
            );
        });
    }

    #[test]
    fn a_rate_spaces_new_connections() {
        run(async {
            let budgets = Budgets::new(Policy::POLITE);
            let start = Instant::now();
            for _ in 0..3 {
                drop(budgets.slot(A).await);
            }
            assert!(start.elapsed() >= Duration::from_secs(1));
        });
    }
}
