//! A named server asked directly, as a stub resolver asks it.
//!
//! A resolver the user named (`--resolver 10.0.0.53`, a site's internal and external servers)
//! is one server. It is asked here without hickory's resolver stack (server pool, cache, retry
//! streams), which cost more than the question itself when a thousand names are asked: a query
//! goes over the run's shared UDP sockets ([`UdpSockets`]), again over TCP when the reply is
//! truncated, and the reply becomes what hickory's resolver gives for the same reply (a
//! [`Lookup`] with the aliases kept, or the [`NetError`] for its response code), so the rest
//! of the probe reads both the same way. The system resolver, with its search domains and
//! several servers, stays hickory's.
//!
//! As a stub resolver does, an answer that stops at an alias whose target it does not carry is
//! followed by asking the same server for the target, at most [`MAX_CHAIN`] hops. Unlike
//! hickory's resolver, names such as `localhost` are asked too: the probe reports what the
//! server says.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::lookup::Lookup;
use hickory_resolver::net::{DnsError as HickoryDnsError, NetError, NoRecords};
use hickory_resolver::proto::op::{DnsRequest, DnsRequestOptions, Message, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, Record, RecordType};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::sockets::UdpSockets;
use super::{MAX_CHAIN, QueryOptions, aliases};

/// One named server, and how patient to be with it.
#[derive(Debug, Clone)]
pub struct Direct {
    server: SocketAddr,
    opts: QueryOptions,
    udp: UdpSockets,
}

impl Direct {
    pub fn new(server: SocketAddr, opts: QueryOptions, udp: UdpSockets) -> Self {
        Self { server, opts, udp }
    }

    /// The records for `name` and `rtype`, with the aliases that led to them, or what the
    /// server said instead.
    pub async fn lookup(&self, name: Name, rtype: RecordType) -> Result<Lookup, NetError> {
        let asked = Query::query(name, rtype);
        let mut kept: Vec<Record> = Vec::new();
        let mut current = asked.clone();
        for _ in 0..MAX_CHAIN {
            let reply = self.ask(&current).await?;
            match reply.metadata.response_code {
                ResponseCode::NoError => {}
                ResponseCode::NXDomain => {
                    return Err(NoRecords::new(current, ResponseCode::NXDomain).into());
                }
                code => return Err(NetError::Dns(HickoryDnsError::ResponseCode(code))),
            }
            let answers = reply.answers;
            let found = answers.iter().any(|r| r.record_type() == rtype);
            // Where the aliases from the name asked lead (a CNAME question asks for the first).
            let end = match rtype {
                RecordType::CNAME => None,
                _ => aliases(&answers, current.name()).0.pop(),
            };
            kept.extend(answers);
            if found {
                return Ok(Lookup::new_with_max_ttl(asked, kept));
            }
            let Some(end) = end else {
                return Err(NoRecords::new(current, ResponseCode::NoError).into());
            };
            current = Query::query(end, rtype);
        }
        Err(NoRecords::new(current, ResponseCode::NoError).into())
    }

    /// One question, over UDP and then TCP when the reply is truncated, each try within the
    /// timeout, as many tries as the options say.
    async fn ask(&self, query: &Query) -> Result<Message, NetError> {
        // hickory's defaults: recursion desired, EDNS with its payload size.
        let request = DnsRequest::from_query(query.clone(), DnsRequestOptions::default());
        let bytes = request.to_vec()?;
        let mut tries = self.opts.attempts.max(1);
        let reply = loop {
            tries -= 1;
            match self
                .udp
                .exchange(self.server, &bytes, self.opts.timeout)
                .await
            {
                Ok(reply) => break reply,
                Err(e) if e.kind() == io::ErrorKind::TimedOut && tries > 0 => {}
                Err(e) if e.kind() == io::ErrorKind::TimedOut => return Err(NetError::Timeout),
                Err(e) => return Err(e.into()),
            }
        };
        let reply = Message::from_vec(&reply)?;
        if !reply.metadata.truncation {
            return Ok(reply);
        }
        // What did not fit is asked again over TCP; a TCP that fails says the reply was cut.
        match tcp(self.server, &bytes, self.opts.timeout).await {
            Ok(whole) => Ok(Message::from_vec(&whole)?),
            Err(_) => Err(NetError::Truncated),
        }
    }
}

/// One query over TCP, framed by its length (RFC 1035 4.2.2).
async fn tcp(server: SocketAddr, query: &[u8], timeout: Duration) -> io::Result<Vec<u8>> {
    let exchange = async {
        let mut stream = TcpStream::connect(server).await?;
        stream.set_nodelay(true)?;
        let len = u16::try_from(query.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "query too long"))?;
        let mut framed = len.to_be_bytes().to_vec();
        framed.extend_from_slice(query);
        stream.write_all(&framed).await?;
        let mut len = [0; 2];
        stream.read_exact(&mut len).await?;
        let mut reply = vec![0; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut reply).await?;
        if reply.get(..2) != query.get(..2) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the reply over TCP is for another query",
            ));
        }
        Ok(reply)
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use hickory_resolver::proto::op::{DEFAULT_RETRY_FLOOR, OpCode};
    use hickory_resolver::proto::rr::RData;
    use hickory_resolver::proto::rr::rdata::A;

    use super::*;

    /// A query lost on the way is sent again after hickory's retry interval, with the same id,
    /// and the answer to the second send is taken: a lost datagram costs a third of a second,
    /// not the whole timeout.
    #[tokio::test]
    async fn a_lost_query_is_sent_again_within_the_timeout() {
        let server = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = server.local_addr().expect("address");
        let serve = tokio::spawn(async move {
            let mut buf = vec![0; 1500];
            let mut ids = Vec::new();
            // Bounded: the first datagram is dropped, the second answered.
            for _ in 0..2 {
                let (len, from) = server.recv_from(&mut buf).await.expect("receive");
                let query = Message::from_vec(&buf[..len]).expect("a query");
                ids.push(query.metadata.id);
                if ids.len() == 1 {
                    continue;
                }
                let mut reply = Message::response(query.metadata.id, OpCode::Query);
                reply.add_query(query.queries[0].clone());
                reply.add_answer(Record::from_rdata(
                    query.queries[0].name().clone(),
                    60,
                    RData::A(A(Ipv4Addr::new(10, 0, 0, 1))),
                ));
                let bytes = reply.to_vec().expect("encode");
                server.send_to(&bytes, from).await.expect("send");
            }
            ids
        });
        let direct = Direct::new(
            addr,
            QueryOptions {
                timeout: Duration::from_secs(2),
                attempts: 1,
            },
            UdpSockets::default(),
        );
        let started = std::time::Instant::now();
        let name = Name::from_ascii("lossy.test.").expect("name");
        let lookup = direct.lookup(name, RecordType::A).await.expect("answered");
        assert!(
            started.elapsed() >= DEFAULT_RETRY_FLOOR,
            "sent again, not at once"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "before the timeout"
        );
        assert_eq!(lookup.answers().len(), 1);
        let ids = serve.await.expect("the server");
        assert_eq!(ids[0], ids[1], "the same query, sent again");
    }
}
