//! UDP sockets shared by the queries to named servers.
//!
//! hickory's resolver opens a socket for every UDP query, so each query leaves from a fresh
//! random port: an off-path forger must guess the port as well as the 16-bit query id. That
//! costs about nine system calls a query (socket, bind, two epoll registrations, send, receive,
//! close), and the query passes through a channel, a background task, a retry stream and
//! several timers on its way; for a thousand names that was most of the work, and on a busy
//! machine most of the wait.
//!
//! [`UdpSockets`] keeps one socket per address family, bound to a port the operating system
//! picks at random and shared by the queries in flight (the next query after a quiet moment
//! opens a new one). Every query keeps its random id; a reply is handed only to the queries
//! that asked that server that question under that id, and a reply nobody waits for is
//! dropped. A query is sent again after hickory's retry interval until its timeout, as
//! hickory's own UDP connection does.
//!
//! What is given up is the per-query port: a forger who learns the run's port needs only the
//! id and the question. We accept it because nothing is cached: a forged reply could mislead
//! one answer of one run and no later one, and the resolvers probed are the site's own, asked
//! from inside it.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use hickory_resolver::proto::op::DEFAULT_RETRY_FLOOR;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::probe::lock;

/// The largest reply read: no UDP datagram is longer.
const MAX_DATAGRAM: usize = 65_535;
/// Times a query is sent within its timeout, as hickory's own UDP connection does.
const MAX_SENDS: u32 = 3;

/// The sockets one named resolver shares among its queries (each resolver has its own). Cheap
/// to clone.
#[derive(Debug, Clone, Default)]
pub struct UdpSockets(Arc<Mutex<Sockets>>);

/// The open sockets, one per address family. Held weakly: a socket closes when its last query
/// ends, so a resolver that is kept but not asked holds no socket and no task, and a resolver
/// used from another runtime later opens its socket there.
#[derive(Debug, Default)]
struct Sockets {
    v4: Weak<Shared>,
    v6: Weak<Shared>,
}

impl UdpSockets {
    /// Sends `query` to `server` and waits for its reply: sent again after hickory's retry
    /// interval up to [`MAX_SENDS`] times, given up after `timeout`.
    ///
    /// # Errors
    /// [`io::ErrorKind::TimedOut`] when no reply came in time; the error of the send when it
    /// could not be sent (no route, no address to send from), or of the socket when it failed.
    pub async fn exchange(
        &self,
        server: SocketAddr,
        query: &[u8],
        timeout: Duration,
    ) -> io::Result<Vec<u8>> {
        let shared = self.socket(server.ip())?;
        let mut reply = shared.wait_for(server, query)?;
        let asked = async {
            let mut sends = 0;
            loop {
                if sends < MAX_SENDS {
                    shared.send(query, server, &reply)?;
                    sends += 1;
                }
                match tokio::time::timeout(DEFAULT_RETRY_FLOOR, reply.replies.recv()).await {
                    Err(_) => {}
                    Ok(Some(Ok(bytes))) => return Ok(bytes),
                    Ok(Some(Err((kind, words)))) => return Err(io::Error::new(kind, words)),
                    // The waiter holds a sender itself, so this cannot end while it waits.
                    Ok(None) => return Err(io::Error::other("the DNS socket closed")),
                }
            }
        };
        tokio::time::timeout(timeout, asked)
            .await
            .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
    }

    /// The open socket of `family`, or a new one. Needs a Tokio runtime (it starts a task).
    fn socket(&self, family: IpAddr) -> io::Result<Arc<Shared>> {
        let mut sockets = lock(&self.0);
        let slot = if family.is_ipv4() {
            &mut sockets.v4
        } else {
            &mut sockets.v6
        };
        if let Some(open) = slot.upgrade().filter(|s| !s.broken.load(Ordering::Acquire)) {
            return Ok(open);
        }
        let open = Shared::open(family)?;
        *slot = Arc::downgrade(&open);
        Ok(open)
    }
}

/// Who waits for replies on a socket: by server and query id, then by question.
type Waiting = HashMap<(SocketAddr, u16), Vec<Waiter>>;

/// A reply's bytes, or why the query could not be sent or the socket failed.
type Delivery = Result<Vec<u8>, (io::ErrorKind, String)>;

struct Waiter {
    ticket: u64,
    /// The question as sent, lowercased: how a reply is matched to it.
    question: Vec<u8>,
    to: mpsc::UnboundedSender<Delivery>,
}

/// One open socket, and the task that sends the queries and hands the replies on. That task is
/// the socket's only user: Tokio wakes only the last task that polled a socket, so queries
/// polling it themselves would strand each other.
struct Shared {
    waiting: Arc<Mutex<Waiting>>,
    tickets: AtomicU64,
    /// Set when the socket failed in a way it cannot read past; the next query opens another.
    broken: Arc<AtomicBool>,
    /// To the socket's task; it ends when the last query using the socket lets this go.
    outgoing: mpsc::UnboundedSender<Outgoing>,
}

/// A query to send, and where to say it could not be.
struct Outgoing {
    query: Vec<u8>,
    to: SocketAddr,
    failed: mpsc::UnboundedSender<Delivery>,
}

/// One query waiting on a shared socket; it stops waiting when dropped.
struct Reply {
    shared: Arc<Shared>,
    key: (SocketAddr, u16),
    ticket: u64,
    to: mpsc::UnboundedSender<Delivery>,
    replies: mpsc::UnboundedReceiver<Delivery>,
}

impl Shared {
    fn open(family: IpAddr) -> io::Result<Arc<Self>> {
        let any = if family.is_ipv4() {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        } else {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        };
        // Port 0: the operating system picks an ephemeral port, at random on Linux and Windows.
        let std_socket = std::net::UdpSocket::bind(SocketAddr::new(any, 0))?;
        std_socket.set_nonblocking(true)?;
        let socket = UdpSocket::from_std(std_socket)?;
        let waiting = Arc::new(Mutex::new(Waiting::new()));
        let broken = Arc::new(AtomicBool::new(false));
        let (outgoing, queue) = mpsc::unbounded_channel();
        tokio::spawn(serve(
            socket,
            queue,
            Arc::clone(&waiting),
            Arc::clone(&broken),
        ));
        Ok(Arc::new(Self {
            waiting,
            tickets: AtomicU64::new(0),
            broken,
            outgoing,
        }))
    }

    /// Waits for replies to `query` from `server`; called before it is sent, so no reply is
    /// missed.
    fn wait_for(self: &Arc<Self>, server: SocketAddr, query: &[u8]) -> io::Result<Reply> {
        let Some((id, Some(question))) = head(query) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a DNS query with a question",
            ));
        };
        let key = (canonical(server), id);
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
        let (to, replies) = mpsc::unbounded_channel();
        lock(&self.waiting).entry(key).or_default().push(Waiter {
            ticket,
            question,
            to: to.clone(),
        });
        Ok(Reply {
            shared: Arc::clone(self),
            key,
            ticket,
            to,
            replies,
        })
    }

    fn send(&self, query: &[u8], to: SocketAddr, reply: &Reply) -> io::Result<()> {
        if self.broken.load(Ordering::Acquire) {
            return Err(io::Error::other("the shared DNS socket failed"));
        }
        self.outgoing
            .send(Outgoing {
                query: query.to_vec(),
                to,
                failed: reply.to.clone(),
            })
            .map_err(|_| io::Error::other("the shared DNS socket closed"))
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        let mut waiting = lock(&self.shared.waiting);
        if let Some(waiters) = waiting.get_mut(&self.key) {
            waiters.retain(|w| w.ticket != self.ticket);
            if waiters.is_empty() {
                waiting.remove(&self.key);
            }
        }
    }
}

/// Sends what is queued and hands each reply to who asked for it, until the socket's last
/// query has gone.
async fn serve(
    socket: UdpSocket,
    mut queue: mpsc::UnboundedReceiver<Outgoing>,
    waiting: Arc<Mutex<Waiting>>,
    broken: Arc<AtomicBool>,
) {
    let mut buf = vec![0; MAX_DATAGRAM];
    loop {
        tokio::select! {
            out = queue.recv() => {
                let Some(out) = out else { return };
                if let Err(e) = socket.send_to(&out.query, out.to).await {
                    let _ = out.failed.send(Err((e.kind(), e.to_string())));
                }
            }
            got = socket.recv_from(&mut buf) => match got {
                Ok((len, from)) => deliver(&waiting, &buf[..len], from),
                // Windows reports an ICMP "port unreachable" for an earlier send as an error
                // of the next receive. On a shared socket it belongs to no query in
                // particular: the queries to a dead server time out, as they do on Linux,
                // which reports nothing.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionRefused
                    ) => {}
                Err(e) => {
                    broken.store(true, Ordering::Release);
                    let waiting = std::mem::take(&mut *lock(&waiting));
                    for w in waiting.into_values().flatten() {
                        let _ = w.to.send(Err((e.kind(), e.to_string())));
                    }
                    return;
                }
            },
        }
    }
}

/// Hands a reply to every query that asked `from` its question under its id. A reply without
/// the question is dropped, as hickory's stock connection drops it.
fn deliver(waiting: &Mutex<Waiting>, reply: &[u8], from: SocketAddr) {
    let Some((id, Some(question))) = head(reply) else {
        return;
    };
    let waiting = lock(waiting);
    for w in waiting
        .get(&(canonical(from), id))
        .into_iter()
        .flatten()
        .filter(|w| w.question == question)
    {
        let _ = w.to.send(Ok(reply.to_vec()));
    }
}

/// The id and the first question of a DNS message (name, type and class as written,
/// lowercased); no question when the message has none, nothing when it is too short.
fn head(message: &[u8]) -> Option<(u16, Option<Vec<u8>>)> {
    let id = u16::from_be_bytes([*message.first()?, *message.get(1)?]);
    let questions = u16::from_be_bytes([*message.get(4)?, *message.get(5)?]);
    if questions == 0 {
        return Some((id, None));
    }
    let start = 12;
    let mut at = start;
    loop {
        let len = usize::from(*message.get(at)?);
        if len == 0 {
            at += 1;
            break;
        }
        // A compression pointer ends a name. The first name of a message has nothing to point
        // back to, but a reply that points anyway is matched on what it wrote.
        if len & 0xC0 != 0 {
            at += 2;
            break;
        }
        at += 1 + len;
    }
    let question = message.get(start..at + 4)?.to_ascii_lowercase();
    Some((id, Some(question)))
}

fn canonical(addr: SocketAddr) -> SocketAddr {
    SocketAddr::new(addr.ip().to_canonical(), addr.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query for `name` (A, IN) with `id`, as written on the wire.
    fn query(id: u16, name: &str) -> Vec<u8> {
        let mut m = id.to_be_bytes().to_vec();
        m.extend_from_slice(&[1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        for label in name.split('.') {
            m.push(u8::try_from(label.len()).expect("short label"));
            m.extend_from_slice(label.as_bytes());
        }
        m.extend_from_slice(&[0, 0, 1, 0, 1]);
        m
    }

    #[test]
    fn a_question_is_read_whole_and_without_case() {
        let (id, q) = head(&query(0xBEEF, "Host.Example.TEST")).expect("a message");
        assert_eq!(id, 0xBEEF);
        let q = q.expect("a question");
        let lower = head(&query(7, "host.example.test")).and_then(|(_, q)| q);
        assert_eq!(Some(q.clone()), lower);
        assert_eq!(q.len(), "host.example.test".len() + 2 + 4);
        assert!(head(&query(1, "a.test")[..14]).is_none(), "cut short");
        let mut none = query(1, "a.test");
        none[5] = 0;
        assert_eq!(head(&none), Some((1, None)));
    }

    /// A reply goes only to who asked that server that question under that id: not to another
    /// question under the same id, not from another server, and to both of two that asked the
    /// same.
    #[tokio::test]
    async fn replies_go_to_who_asked_and_no_one_else() {
        let shared = UdpSockets::default()
            .socket(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .expect("a socket");
        let server = SocketAddr::from(([127, 0, 0, 1], 5353));
        let other = SocketAddr::from(([127, 0, 0, 2], 5353));
        let mut a = shared.wait_for(server, &query(9, "a.test")).expect("waits");
        let mut b = shared.wait_for(server, &query(9, "b.test")).expect("waits");
        let mut a_again = shared.wait_for(server, &query(9, "A.test")).expect("waits");
        deliver(&shared.waiting, &query(9, "a.TEST"), server);
        deliver(&shared.waiting, &query(9, "b.test"), other);
        deliver(&shared.waiting, &query(8, "b.test"), server);
        assert_eq!(a.replies.try_recv().ok(), Some(Ok(query(9, "a.TEST"))));
        assert_eq!(
            a_again.replies.try_recv().ok(),
            Some(Ok(query(9, "a.TEST")))
        );
        assert!(
            b.replies.try_recv().is_err(),
            "b's question was not answered"
        );
        drop(a);
        drop(a_again);
        drop(b);
        assert!(
            lock(&shared.waiting).is_empty(),
            "who stopped waiting is gone"
        );
    }
}
