//! A loopback TCP relay that puts distance between a client and a server: bytes are passed on
//! unchanged in both directions, each direction `one_way` late, and nothing is forwarded
//! before one round trip (`2 × one_way`) after the client connected, as a TCP handshake would
//! cost. Clients connect to it as if it were the server (it is not an HTTP proxy), so the
//! benchmark can compare round trips at a real-world distance on one machine.
//!
//! Each direction is a delay line, not a throttle: a reader stamps every piece it reads with
//! the time it is due and a writer sends it then, so a large body still flows at loopback
//! speed, only later.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The size of the pieces read from either side.
const PIECE: usize = 64 * 1024;

/// A running relay on `127.0.0.1:<port>`; stops accepting when dropped.
pub struct Relay {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    accept: Option<JoinHandle<()>>,
}

impl Relay {
    /// Relays connections on a free loopback port to `upstream`, each direction `one_way`
    /// late, forwarding nothing for the first `2 × one_way` of a connection.
    pub fn start(upstream: SocketAddr, one_way: Duration) -> io::Result<Relay> {
        Relay::start_on(upstream, one_way, 0)
    }

    /// As [`Relay::start`], on a given port (0 = any free one).
    pub fn start_on(upstream: SocketAddr, one_way: Duration, port: u16) -> io::Result<Relay> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (stop, count) = (Arc::clone(&stopping), Arc::clone(&accepted));
        let accept = thread::Builder::new()
            .name(format!("relay-accept-{}", addr.port()))
            .spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    count.fetch_add(1, Ordering::SeqCst);
                    let _ = thread::Builder::new()
                        .name("relay-conn".into())
                        .spawn(move || relay_connection(client, upstream, one_way));
                }
            })?;
        Ok(Relay {
            addr,
            stopping,
            accepted,
            accept: Some(accept),
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok();
        if let Some(handle) = self.accept.take()
            && woke
        {
            let _ = handle.join();
        }
    }
}

/// One client: the handshake's round trip, then both directions through delay lines.
fn relay_connection(client: TcpStream, upstream: SocketAddr, one_way: Duration) {
    // What the client sends meanwhile waits in the socket, as it would wait for the handshake.
    thread::sleep(one_way * 2);
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    for stream in [&client, &server] {
        let _ = stream.set_nodelay(true);
    }
    let pairs = (
        client.try_clone(),
        server.try_clone(),
        client.try_clone(),
        server.try_clone(),
    );
    let (Ok(from_client), Ok(to_server), Ok(to_client), Ok(from_server)) = pairs else {
        return;
    };
    let up = delay_line(from_client, to_server, one_way);
    let down = delay_line(from_server, to_client, one_way);
    for line in up.into_iter().chain(down) {
        let _ = line.join();
    }
}

/// A piece and when it is due at the other end; `None` is the end of the stream.
type Stamped = (Instant, Option<Vec<u8>>);

/// Reads `from` and writes to `to` what it read, `delay` later; the end of `from` becomes a
/// half-close of `to`, `delay` later. Returns the reader's and the writer's threads.
fn delay_line(mut from: TcpStream, mut to: TcpStream, delay: Duration) -> Vec<JoinHandle<()>> {
    let (sender, receiver) = mpsc::channel::<Stamped>();
    let reader = thread::spawn(move || {
        let mut piece = vec![0u8; PIECE];
        loop {
            match from.read(&mut piece) {
                Ok(0) | Err(_) => {
                    let _ = sender.send((Instant::now() + delay, None));
                    return;
                }
                Ok(n) => {
                    if sender
                        .send((Instant::now() + delay, Some(piece[..n].to_vec())))
                        .is_err()
                    {
                        let _ = from.shutdown(Shutdown::Read);
                        return;
                    }
                }
            }
        }
    });
    let writer = thread::spawn(move || {
        for (due, piece) in receiver {
            thread::sleep(due.saturating_duration_since(Instant::now()));
            match piece {
                Some(bytes) => {
                    if to.write_all(&bytes).is_err() {
                        let _ = to.shutdown(Shutdown::Both);
                        return;
                    }
                }
                None => {
                    let _ = to.shutdown(Shutdown::Write);
                    return;
                }
            }
        }
    });
    vec![reader, writer]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server: what it reads, it writes back at once, until the client closes.
    fn echo() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = stream.read(&mut buf) {
                        if n == 0 || stream.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    #[test]
    fn the_first_exchange_costs_two_round_trips_and_the_next_one() {
        let one_way = Duration::from_millis(30);
        let relay = Relay::start(echo(), one_way).unwrap();
        let started = Instant::now();
        let mut client = TcpStream::connect(relay.addr()).unwrap();
        client.set_nodelay(true).unwrap();
        let mut reply = [0u8; 5];
        client.write_all(b"hello").unwrap();
        client.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"hello");
        let first = started.elapsed();
        // Handshake (2 × one way) plus the exchange (2 × one way).
        assert!(first >= one_way * 4, "{first:?}");
        assert!(
            first < one_way * 4 + Duration::from_millis(250),
            "{first:?}"
        );
        let again = Instant::now();
        client.write_all(b"again").unwrap();
        client.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"again");
        let second = again.elapsed();
        assert!(second >= one_way * 2, "{second:?}");
        assert!(
            second < one_way * 2 + Duration::from_millis(250),
            "{second:?}"
        );
        assert_eq!(relay.connections(), 1);
    }

    #[test]
    fn large_transfers_flow_at_loopback_speed_and_end_with_a_half_close() {
        let one_way = Duration::from_millis(20);
        let relay = Relay::start(echo(), one_way).unwrap();
        let mut client = TcpStream::connect(relay.addr()).unwrap();
        let sent: Vec<u8> = (0..8 << 20).map(|i| (i % 251) as u8).collect();
        let mut writer = client.try_clone().unwrap();
        let copy = sent.clone();
        let started = Instant::now();
        let feeder = thread::spawn(move || {
            writer.write_all(&copy).unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
        });
        let mut got = Vec::new();
        client.read_to_end(&mut got).unwrap();
        feeder.join().unwrap();
        assert!(got == sent, "the bytes come back unchanged");
        // 8 MiB is not 128 pieces × 40 ms: the delay is paid once, not per piece.
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
}
