//! The embedded store: a bounded map inside `sio-auth serve`, pruned as it fills.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use tokio::sync::broadcast;

use super::{EndReason, Ended, Session, SessionStore, StoreError};

/// How many sessions the memory store holds before it evicts the one closest to its end.
pub(crate) const DEFAULT_CAPACITY: usize = 100_000;

/// Expired entries are dropped in one pass every this many inserts, so the map never fills
/// with the dead (an expired entry that is read is dropped at once).
const PRUNE_EVERY: u32 = 1024;

#[derive(Debug)]
struct Entry {
    session: Session,
    /// When the store forgets it: like Redis's TTL, `cookie.expires` or one day.
    dies_at: SystemTime,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<String, Entry>,
    inserts: u32,
}

/// Sessions in process memory; destroyed and evicted sessions are announced in-process.
#[derive(Debug)]
pub(crate) struct MemoryStore {
    inner: Mutex<Inner>,
    capacity: usize,
    ended: broadcast::Sender<Ended>,
}

impl MemoryStore {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
            ended: broadcast::channel(1024).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves a usable map: keep serving.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn announce(&self, sid: String, reason: EndReason) {
        // No receiver (no serve running) is fine.
        let _ = self.ended.send(Ended { sid, reason });
    }

    fn insert(&self, sid: &str, session: &Session, now: SystemTime) {
        let ttl = session.ttl_secs(now);
        if ttl <= 0 {
            if self.lock().sessions.remove(sid).is_some() {
                self.announce(sid.to_owned(), EndReason::Expired);
            }
            return;
        }
        let dies_at = now + Duration::from_secs(ttl.unsigned_abs());
        let mut evicted = Vec::new();
        {
            let mut inner = self.lock();
            inner.inserts = inner.inserts.wrapping_add(1);
            let full = inner.sessions.len() >= self.capacity && !inner.sessions.contains_key(sid);
            if full || inner.inserts.is_multiple_of(PRUNE_EVERY) {
                inner.sessions.retain(|sid, entry| {
                    let live = entry.dies_at > now;
                    if !live {
                        evicted.push((sid.clone(), EndReason::Expired));
                    }
                    live
                });
            }
            if inner.sessions.len() >= self.capacity && !inner.sessions.contains_key(sid) {
                let victim = inner
                    .sessions
                    .iter()
                    .min_by_key(|(_, entry)| entry.dies_at)
                    .map(|(sid, _)| sid.clone());
                if let Some(victim) = victim {
                    inner.sessions.remove(&victim);
                    evicted.push((victim, EndReason::Evicted));
                }
            }
            inner.sessions.insert(
                sid.to_owned(),
                Entry {
                    session: session.clone(),
                    dies_at,
                },
            );
        }
        for (sid, reason) in evicted {
            self.announce(sid, reason);
        }
    }
}

impl SessionStore for MemoryStore {
    fn get<'a>(&'a self, sid: &'a str) -> BoxFuture<'a, Result<Option<Session>, StoreError>> {
        let now = SystemTime::now();
        let mut inner = self.lock();
        let found = match inner.sessions.get(sid) {
            None => None,
            Some(entry) if entry.dies_at <= now => {
                // Reported once as expired, then forgotten: later reads say not found, as Redis would.
                let entry = inner.sessions.remove(sid);
                entry.map(|e| e.session)
            }
            Some(entry) => Some(entry.session.clone()),
        };
        drop(inner);
        async move { Ok(found) }.boxed()
    }

    fn set<'a>(
        &'a self,
        sid: &'a str,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.insert(sid, session, SystemTime::now());
        async { Ok(()) }.boxed()
    }

    fn destroy<'a>(&'a self, sid: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let existed = self.lock().sessions.remove(sid).is_some();
        if existed {
            self.announce(sid.to_owned(), EndReason::Revoked);
        }
        async move { Ok(existed) }.boxed()
    }

    fn exist<'a>(&'a self, sids: &'a [String]) -> BoxFuture<'a, Result<Vec<bool>, StoreError>> {
        let now = SystemTime::now();
        let inner = self.lock();
        let found = sids
            .iter()
            .map(|sid| inner.sessions.get(sid).is_some_and(|e| e.dies_at > now))
            .collect();
        drop(inner);
        async move { Ok(found) }.boxed()
    }

    fn ended(&self) -> broadcast::Receiver<Ended> {
        self.ended.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    #[test]
    fn bounded_evicts_the_closest_to_its_end_and_announces_it() {
        let store = MemoryStore::new(2);
        let mut ended = store.ended();
        let now = SystemTime::now();
        let short = Session::new(Map::new(), Some(Duration::from_secs(10)), now);
        let long = Session::new(Map::new(), Some(Duration::from_secs(100)), now);
        store.insert("a", &long, now);
        store.insert("b", &short, now);
        store.insert("c", &long, now);
        let inner = store.lock();
        assert_eq!(inner.sessions.len(), 2);
        assert!(inner.sessions.contains_key("a") && inner.sessions.contains_key("c"));
        drop(inner);
        let gone = ended.try_recv().unwrap();
        assert_eq!((gone.sid.as_str(), gone.reason), ("b", EndReason::Evicted));
    }

    #[test]
    fn expired_entries_are_pruned_when_full() {
        let store = MemoryStore::new(2);
        let then = SystemTime::now() - Duration::from_secs(1000);
        let brief = Session::new(Map::new(), Some(Duration::from_secs(1)), then);
        store.insert("old1", &brief, then);
        store.insert("old2", &brief, then);
        let fresh = Session::new(Map::new(), None, SystemTime::now());
        store.insert("new", &fresh, SystemTime::now());
        let inner = store.lock();
        assert_eq!(inner.sessions.len(), 1);
        assert!(inner.sessions.contains_key("new"));
    }
}
