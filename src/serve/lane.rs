//! The untrusted lane: a flood without a valid cookie waits behind itself, not in front of the
//! users who have one.
//!
//! A forged-cookie or cookieless flood costs the server what a real visitor costs (a TCP accept,
//! an HTTP request, a WebSocket upgrade, an Engine.IO session and a CONNECT, or a page and a new
//! session): only the verdict differs. On a saturated core, every step of a valid handshake then
//! waits in the runtime's queue behind the flood's steps. So every request that does not carry a
//! cookie with a valid signature (checked here, ~0.2 µs) goes through a lane first: one request
//! per runtime worker is served at a time, the rest wait their turn (asleep: no CPU) for at most
//! [`PATIENCE`], then get `503`. There are two lanes: Engine.IO handshakes (which, without a
//! valid cookie, can only end in a refusal) and every other request (the page a new visitor
//! gets a session from, assets). A WebSocket handshake keeps its turn in its request parts,
//! which the engine holds for the session's life: the turn comes back when the refused client
//! closes (or the connect timeout closes it); everything else gives it back with its response.
//!
//! Requests of an existing Engine.IO session (a `sid` in the query) never wait here: the
//! [`guard`](super::guard) already holds them to the cookie that opened the session.
//!
//! What an attacker gets: a stolen but valid cookie still rides in the fast lane (it cannot be
//! told from its owner); a flood of cookieless pages makes new visitors wait with it (their
//! first page has no cookie either), never users with a session; refused WebSockets held open
//! slow down other refusals only. Refusals still carry their reason (`Cookie is invalid.`),
//! only later.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long an untrusted request waits for its turn before it is answered `503`.
pub(crate) const PATIENCE: Duration = Duration::from_secs(2);

/// At most this many untrusted requests wait; more get `503` at once (each waiter holds a
/// connection, which `--max-connections` bounds anyway).
const MAX_WAITING: usize = 4096;

/// A turn in an untrusted lane, held until the request (or its WebSocket session) is done.
#[derive(Debug, Clone)]
pub(crate) struct Turn {
    _permit: Arc<OwnedSemaphorePermit>,
}

/// Which lane an untrusted request takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Untrusted {
    /// An Engine.IO handshake without a valid cookie: it can only end in a refusal. A WebSocket
    /// one holds its turn for its session's life.
    Handshake,
    /// Anything else (the page, which issues a new visitor's session; assets; `/logout`): held
    /// for the request only, so nothing a client does can keep it.
    Request,
}

/// The untrusted lanes of one server. Apart, so that clients holding refused WebSockets open
/// can slow down other refusals but never a new visitor's page.
#[derive(Debug)]
pub(crate) struct Lanes {
    handshakes: Lane,
    requests: Lane,
    turns: usize,
}

impl Lanes {
    /// `workers` is the runtime's worker count: one untrusted request per worker in each lane
    /// keeps it busy when nothing else needs it.
    pub(crate) fn new(workers: usize) -> Self {
        let turns = workers.max(1);
        Self {
            handshakes: Lane::with(turns, PATIENCE),
            requests: Lane::with(turns, PATIENCE),
            turns,
        }
    }

    /// How many untrusted requests each lane serves at a time.
    pub(crate) fn turns(&self) -> usize {
        self.turns
    }

    /// Waits for an untrusted request's turn; `None` when its lane is too long or the wait too
    /// long (answer `503`).
    pub(crate) async fn wait_turn(&self, untrusted: Untrusted) -> Option<Turn> {
        match untrusted {
            Untrusted::Handshake => self.handshakes.wait_turn().await,
            Untrusted::Request => self.requests.wait_turn().await,
        }
    }
}

/// One lane: a few turns, a bounded queue, a bounded wait.
#[derive(Debug)]
struct Lane {
    turns: Arc<Semaphore>,
    patience: Duration,
    waiting: AtomicUsize,
}

impl Lane {
    fn with(turns: usize, patience: Duration) -> Self {
        Self {
            turns: Arc::new(Semaphore::new(turns)),
            patience,
            waiting: AtomicUsize::new(0),
        }
    }

    async fn wait_turn(&self) -> Option<Turn> {
        // The common case, no flood: a free turn, no bookkeeping.
        if let Ok(permit) = self.turns.clone().try_acquire_owned() {
            return Some(Turn {
                _permit: Arc::new(permit),
            });
        }
        if self.waiting.fetch_add(1, Ordering::Relaxed) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        let permit = tokio::time::timeout(self.patience, self.turns.clone().acquire_owned()).await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        // The semaphore is never closed: an error is the timeout.
        match permit {
            Ok(Ok(permit)) => Some(Turn {
                _permit: Arc::new(permit),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn untrusted_requests_take_turns_and_give_up_after_the_patience() {
        let patience = Duration::from_millis(300);
        let lanes = Arc::new(Lane::with(2, patience));
        let mut held = vec![
            lanes.wait_turn().await.expect("a free turn"),
            lanes.wait_turn().await.expect("a free turn"),
        ];
        let wait = |lanes: &Arc<Lane>| {
            let lanes = lanes.clone();
            tokio::spawn(async move { lanes.wait_turn().await })
        };
        // Every turn taken: the next waits, and gets one as soon as one is given back.
        let next = wait(&lanes);
        tokio::task::yield_now().await;
        assert!(!next.is_finished());
        drop(held.pop());
        held.push(next.await.expect("join").expect("the turn given back"));
        // Nothing given back: no turn, after the patience.
        let started = std::time::Instant::now();
        assert!(wait(&lanes).await.expect("join").is_none());
        assert!(started.elapsed() >= patience);
        // Given back, a turn is free at once again, and the count of waiters is back to 0.
        held.clear();
        assert!(lanes.wait_turn().await.is_some());
        assert_eq!(lanes.waiting.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn held_handshakes_never_hold_up_requests() {
        let lanes = Lanes::new(1);
        let _held = lanes.wait_turn(Untrusted::Handshake).await.expect("a turn");
        assert!(lanes.wait_turn(Untrusted::Request).await.is_some());
    }
}
