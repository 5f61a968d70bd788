//! The running stand-in: the listener on 127.0.0.1 (or another loopback address), its accept
//! thread, the state shared with connection threads, and the test-facing handle [`StandIn`].

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::canned::Canned;
use crate::config::Config;
use crate::connection;
use crate::digest::NonceBook;
use crate::fault::Fault;
use crate::oauth::TokenBook;
use crate::recorded::Recorded;
use crate::state::State;

/// One scripted answer, consumed by the next request (FIFO across canned and faults).
#[derive(Debug, Clone)]
pub(crate) enum Scripted {
    Canned(Canned),
    Fault(Fault),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Everything the accept thread and the connection threads share.
pub(crate) struct Shared {
    pub config: Config,
    pub base_url: String,
    pub state: Mutex<State>,
    pub nonces: Mutex<NonceBook>,
    pub tokens: Mutex<TokenBook>,
    requests: Mutex<Vec<Recorded>>,
    script: Mutex<VecDeque<Scripted>>,
    stopping: Mutex<bool>,
    stopped: Condvar,
    connections: Mutex<HashMap<u64, TcpStream>>,
    /// Connections accepted so far (the wake-up connection of a stop excluded).
    accepted: AtomicUsize,
    /// Requests received so far (kept even when bodies or requests are not).
    received: AtomicUsize,
}

impl Shared {
    /// Keeps a copy of the request (without its body unless the config says so).
    pub fn record(&self, req: &Recorded) {
        self.received.fetch_add(1, Ordering::SeqCst);
        let copy = match self.config.record_bodies {
            true => req.clone(),
            false => req.without_body(),
        };
        lock(&self.requests).push(copy);
    }

    pub fn next_scripted(&self) -> Option<Scripted> {
        lock(&self.script).pop_front()
    }

    pub fn is_stopping(&self) -> bool {
        *lock(&self.stopping)
    }

    /// Block until the server is dropped.
    pub fn wait_until_stopping(&self) {
        let guard = lock(&self.stopping);
        let _guard = self
            .stopped
            .wait_while(guard, |stopping| !*stopping)
            .unwrap_or_else(|e| e.into_inner());
    }

    fn stop(&self) {
        *lock(&self.stopping) = true;
        self.stopped.notify_all();
    }
}

/// A running stand-in on `127.0.0.1:<port>`; stops (and joins its threads) when dropped.
pub struct StandIn {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

impl StandIn {
    /// Start on a free port.
    pub fn start(config: Config) -> io::Result<StandIn> {
        StandIn::start_on(config, 0)
    }

    /// Start on a given port (0 = any free one).
    pub fn start_on(config: Config, port: u16) -> io::Result<StandIn> {
        StandIn::start_at(config, ("127.0.0.1", port))
    }

    /// Start on another address, such as `"127.0.0.2:0"` (Linux routes all of 127/8 to the
    /// loopback interface): a second host for tests of what must never reach it.
    pub fn start_at(config: Config, addr: impl ToSocketAddrs) -> io::Result<StandIn> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let state = State::new(&config.org_id, &config.group_id, config.seed_keys);
        let shared = Arc::new(Shared {
            config,
            base_url,
            state: Mutex::new(state),
            nonces: Mutex::new(NonceBook::default()),
            tokens: Mutex::new(TokenBook::default()),
            requests: Mutex::new(Vec::new()),
            script: Mutex::new(VecDeque::new()),
            stopping: Mutex::new(false),
            stopped: Condvar::new(),
            connections: Mutex::new(HashMap::new()),
            accepted: AtomicUsize::new(0),
            received: AtomicUsize::new(0),
        });
        let for_thread = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name(format!("standin-accept-{}", addr.port()))
            .spawn(move || accept_loop(for_thread, listener))?;
        Ok(StandIn {
            shared,
            addr,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// How many connections were accepted so far (whether or not a request followed).
    pub fn connections_accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests were received so far (every one, whether recorded or cleared).
    pub fn requests_received(&self) -> usize {
        self.shared.received.load(Ordering::SeqCst)
    }

    /// How many digest challenges (nonces) were sent so far.
    pub fn nonces_issued(&self) -> usize {
        lock(&self.shared.nonces).issued()
    }

    /// How many right digest answers passed with this nonce (each with a higher `nc`).
    pub fn nonce_answers(&self, nonce: &str) -> usize {
        lock(&self.shared.nonces).answers(nonce)
    }

    /// Every request received so far, in order (unauthenticated digest legs included).
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
    }

    /// Forget the requests received so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Queue a response for the next request (any path, before any auth check).
    pub fn push_response(&self, canned: Canned) {
        lock(&self.shared.script).push_back(Scripted::Canned(canned));
    }

    /// Queue a fault for the next request (same queue as [`StandIn::push_response`]).
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.shared.script).push_back(Scripted::Fault(fault));
    }

    /// Snapshot of the in-memory state (keys unmasked, access lists, project members).
    /// How many tokens the token endpoints have issued.
    pub fn tokens_issued(&self) -> usize {
        lock(&self.shared.tokens).issued
    }

    /// A new valid refresh token for the user login (one per profile in tests of many logins).
    pub fn issue_refresh_token(&self) -> String {
        lock(&self.shared.tokens).issue_refresh()
    }

    /// How many refresh requests were answered with new tokens.
    pub fn refreshes(&self) -> usize {
        lock(&self.shared.tokens).refreshes
    }

    /// How many token or refresh requests were refused with 429.
    pub fn token_requests_rate_limited(&self) -> usize {
        lock(&self.shared.tokens).rate_limited
    }

    /// Revokes every issued token, as if they had expired on the server.
    pub fn revoke_tokens(&self) {
        lock(&self.shared.tokens).revoke_all();
    }

    pub fn state(&self) -> serde_json::Value {
        lock(&self.shared.state).snapshot()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.shared.stop();
        // Wake the accept thread; only join it when the wake-up connection got through.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok();
        if let Some(handle) = self.accept.take()
            && woke
        {
            let _ = handle.join();
        }
    }
}

fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id: u64 = 0;
    for incoming in listener.incoming() {
        if shared.is_stopping() {
            break;
        }
        let stream = match incoming {
            Ok(stream) => stream,
            Err(_) => {
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        workers.retain(|w| !w.is_finished());
        next_id += 1;
        let id = next_id;
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.connections).insert(id, clone);
        }
        let for_thread = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name(format!("standin-conn-{id}"))
            .spawn(move || {
                connection::serve(Arc::clone(&for_thread), stream);
                lock(&for_thread.connections).remove(&id);
            });
        match spawned {
            Ok(handle) => workers.push(handle),
            Err(_) => {
                if let Some(s) = lock(&shared.connections).remove(&id) {
                    let _ = s.shutdown(Shutdown::Both);
                }
            }
        }
    }
    for stream in lock(&shared.connections).values() {
        let _ = stream.shutdown(Shutdown::Both);
    }
    for worker in workers {
        let _ = worker.join();
    }
}
