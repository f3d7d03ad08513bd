//! The embedded store: a bounded map inside `sio-auth serve`, with an index by end time so
//! that expiry and eviction cost O(log n) per session whatever the map holds.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use tokio::sync::broadcast;

use super::{DEFAULT_TTL, EndReason, Ended, Roll, Session, SessionStore, StoreError};

/// How many sessions the memory store holds before it evicts the one closest to its end.
pub(crate) const DEFAULT_CAPACITY: usize = 100_000;

/// At most this many expired sessions are dropped per insert: the dead leave faster than
/// anyone can add sessions, and no insert holds the lock for a mass expiry (100 000 sessions
/// made in the same second all end in the same second).
const EXPIRE_PER_INSERT: usize = 64;

#[derive(Debug)]
struct Entry {
    session: Session,
    /// This entry's key in [`Inner::by_end`].
    end: EndKey,
}

/// When the store forgets a session (like Redis's TTL: `cookie.expires` or one day), then the
/// insertion order, so that equal ends are distinct keys and the older goes first.
type EndKey = (SystemTime, u64);

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<Arc<str>, Entry>,
    /// Every session of `sessions`, by end: the first one is the next to expire, and the one
    /// to evict when the store is full.
    by_end: BTreeMap<EndKey, Arc<str>>,
    inserted: u64,
}

impl Inner {
    fn remove(&mut self, sid: &str) -> Option<Session> {
        let entry = self.sessions.remove(sid)?;
        self.by_end.remove(&entry.end);
        Some(entry.session)
    }

    /// Removes the session closest to its end, if it ends before `before` (any, with `None`).
    fn pop_first(&mut self, before: Option<SystemTime>) -> Option<Arc<str>> {
        let entry = self.by_end.first_entry()?;
        if before.is_some_and(|now| entry.key().0 > now) {
            return None;
        }
        let sid = entry.remove();
        self.sessions.remove(&sid);
        Some(sid)
    }
}

/// Sessions in process memory; destroyed, evicted and rewritten sessions are announced
/// in-process.
#[derive(Debug)]
pub(crate) struct MemoryStore {
    inner: Mutex<Inner>,
    capacity: usize,
    ended: broadcast::Sender<Ended>,
    changed: broadcast::Sender<String>,
}

impl MemoryStore {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
            ended: broadcast::channel(1024).0,
            changed: broadcast::channel(1024).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves a usable map: keep serving.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn announce(&self, sid: &str, reason: EndReason) {
        // No receiver (no serve running) is fine.
        let _ = self.ended.send(Ended {
            sid: sid.to_owned(),
            reason,
        });
    }

    fn insert(&self, sid: &str, session: &Session, now: SystemTime) {
        let ttl = session.ttl_secs(now);
        if ttl <= 0 {
            if self.lock().remove(sid).is_some() {
                self.announce(sid, EndReason::Expired);
            }
            return;
        }
        let dies_at = now + Duration::from_secs(ttl.unsigned_abs());
        let mut ended = Vec::new();
        let replaced;
        {
            let mut inner = self.lock();
            while ended.len() < EXPIRE_PER_INSERT {
                match inner.pop_first(Some(now)) {
                    Some(dead) => ended.push((dead, EndReason::Expired)),
                    None => break,
                }
            }
            let sid: Arc<str> = match inner.sessions.get_key_value(sid) {
                Some((known, _)) => known.clone(),
                None => sid.into(),
            };
            replaced = inner.remove(&sid).is_some();
            if !replaced
                && inner.sessions.len() >= self.capacity
                && let Some(victim) = inner.pop_first(None)
            {
                ended.push((victim, EndReason::Evicted));
            }
            inner.inserted += 1;
            let end = (dies_at, inner.inserted);
            inner.by_end.insert(end, sid.clone());
            inner.sessions.insert(
                sid,
                Entry {
                    session: session.clone(),
                    end,
                },
            );
        }
        for (sid, reason) in ended {
            self.announce(&sid, reason);
        }
        // A new session has no socket yet that a change could concern: a flood of GET / sends
        // nothing here.
        if replaced {
            let _ = self.changed.send(sid.to_owned());
        }
    }
}

impl MemoryStore {
    /// [`SessionStore::touch`] under the lock, so no destroy or write falls in between.
    fn roll(&self, sid: &str, now: SystemTime) -> Option<Session> {
        let mut inner = self.lock();
        let entry = inner.sessions.get(sid)?;
        if entry.end.0 <= now {
            return None;
        }
        let (session, lives) = match super::roll(&entry.session.to_json(), now) {
            Roll::Keep => return Some(entry.session.clone()),
            Roll::TtlOnly => (entry.session.clone(), DEFAULT_TTL),
            Roll::Expires(json) => {
                let session = Session::from_json(&json)?;
                let ttl = session.ttl_secs(now);
                (session, Duration::from_secs(ttl.max(0).unsigned_abs()))
            }
        };
        let old = entry.end;
        inner.inserted += 1;
        let end = (now + lives, inner.inserted);
        if let Some(sid) = inner.by_end.remove(&old) {
            inner.by_end.insert(end, sid);
        }
        if let Some(entry) = inner.sessions.get_mut(sid) {
            entry.session = session.clone();
            entry.end = end;
        }
        Some(session)
    }
}

impl SessionStore for MemoryStore {
    fn get<'a>(&'a self, sid: &'a str) -> BoxFuture<'a, Result<Option<Session>, StoreError>> {
        let now = SystemTime::now();
        let mut inner = self.lock();
        let found = match inner.sessions.get(sid) {
            None => None,
            // Reported once as expired, then forgotten: later reads say not found, as Redis would.
            Some(entry) if entry.end.0 <= now => inner.remove(sid),
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
        let existed = self.lock().remove(sid).is_some();
        if existed {
            self.announce(sid, EndReason::Revoked);
        }
        async move { Ok(existed) }.boxed()
    }

    fn exist<'a>(&'a self, sids: &'a [String]) -> BoxFuture<'a, Result<Vec<bool>, StoreError>> {
        let now = SystemTime::now();
        let inner = self.lock();
        let found = sids
            .iter()
            .map(|sid| {
                inner
                    .sessions
                    .get(sid.as_str())
                    .is_some_and(|e| e.end.0 > now)
            })
            .collect();
        drop(inner);
        async move { Ok(found) }.boxed()
    }

    fn ended(&self) -> broadcast::Receiver<Ended> {
        self.ended.subscribe()
    }

    fn changed(&self) -> broadcast::Receiver<String> {
        self.changed.subscribe()
    }

    fn touch<'a>(
        &'a self,
        sid: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Option<Session>, StoreError>> {
        let rolled = self.roll(sid, now);
        async move { Ok(rolled) }.boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Map;

    fn lasting(secs: u64, now: SystemTime) -> Session {
        Session::new(Map::new(), Some(Duration::from_secs(secs)), now)
    }

    fn ended(rx: &mut broadcast::Receiver<Ended>) -> Vec<(String, EndReason)> {
        std::iter::from_fn(|| rx.try_recv().ok())
            .map(|e| (e.sid, e.reason))
            .collect()
    }

    fn sids(store: &MemoryStore) -> Vec<String> {
        let inner = store.lock();
        // The index and the map hold the same sessions, under the same keys.
        assert_eq!(inner.sessions.len(), inner.by_end.len());
        for (end, sid) in &inner.by_end {
            assert_eq!(inner.sessions[sid].end, *end);
        }
        inner.by_end.values().map(|sid| sid.to_string()).collect()
    }

    fn get(store: &MemoryStore, sid: &str) -> Option<Session> {
        store.get(sid).now_or_never().unwrap().unwrap()
    }

    #[test]
    fn bounded_evicts_the_closest_to_its_end_and_announces_it() {
        let store = MemoryStore::new(2);
        let mut rx = store.ended();
        let now = SystemTime::now();
        store.insert("a", &lasting(100, now), now);
        store.insert("b", &lasting(10, now), now);
        store.insert("c", &lasting(100, now), now);
        assert_eq!(sids(&store), ["a", "c"]);
        assert_eq!(ended(&mut rx), [("b".to_owned(), EndReason::Evicted)]);
        // Equal ends: the older goes first.
        store.insert("d", &lasting(100, now), now);
        assert_eq!(sids(&store), ["c", "d"]);
        assert_eq!(ended(&mut rx), [("a".to_owned(), EndReason::Evicted)]);
    }

    #[test]
    fn storing_a_known_session_again_moves_its_end_and_evicts_nobody() {
        let store = MemoryStore::new(2);
        let mut rx = store.ended();
        let now = SystemTime::now();
        store.insert("a", &lasting(10, now), now);
        store.insert("b", &lasting(50, now), now);
        store.insert("a", &lasting(100, now), now);
        assert_eq!(sids(&store), ["b", "a"]);
        store.insert("c", &lasting(100, now), now);
        assert_eq!(sids(&store), ["a", "c"]);
        assert_eq!(ended(&mut rx), [("b".to_owned(), EndReason::Evicted)]);
    }

    #[test]
    fn only_a_rewritten_session_is_announced_as_changed() {
        let store = MemoryStore::new(4);
        let mut changed = store.changed();
        let now = SystemTime::now();
        store.insert("a", &lasting(10, now), now);
        store.insert("b", &lasting(10, now), now);
        assert!(changed.try_recv().is_err(), "new sessions are not news");
        store.insert("a", &lasting(20, now), now);
        assert_eq!(changed.try_recv().ok().as_deref(), Some("a"));
        assert!(changed.try_recv().is_err());
    }

    #[test]
    fn destroyed_sessions_leave_the_index() {
        let store = MemoryStore::new(2);
        let mut rx = store.ended();
        let now = SystemTime::now();
        store.insert("a", &lasting(10, now), now);
        store.insert("b", &lasting(50, now), now);
        assert!(store.destroy("a").now_or_never().unwrap().unwrap());
        store.insert("c", &lasting(100, now), now);
        // Room was made by the destroy: nothing evicted.
        assert_eq!(sids(&store), ["b", "c"]);
        assert_eq!(ended(&mut rx), [("a".to_owned(), EndReason::Revoked)]);
    }

    #[test]
    fn an_expired_session_is_read_once_then_forgotten() {
        let store = MemoryStore::new(4);
        let then = SystemTime::now() - Duration::from_secs(1000);
        store.insert("old", &lasting(1, then), then);
        let read = get(&store, "old").expect("reported once");
        assert!(read.is_expired(SystemTime::now()));
        assert_eq!(get(&store, "old"), None);
        assert!(sids(&store).is_empty());
    }

    // Before the index, expired sessions stayed until the 1024th insert or a full store.
    #[test]
    fn expired_sessions_go_with_the_next_insert_and_are_announced() {
        let store = MemoryStore::new(100);
        let mut rx = store.ended();
        let then = SystemTime::now() - Duration::from_secs(1000);
        store.insert("old1", &lasting(1, then), then);
        store.insert("old2", &lasting(1, then), then);
        let now = SystemTime::now();
        store.insert("new", &lasting(60, now), now);
        assert_eq!(sids(&store), ["new"]);
        assert_eq!(
            ended(&mut rx),
            [
                ("old1".to_owned(), EndReason::Expired),
                ("old2".to_owned(), EndReason::Expired)
            ]
        );
    }

    #[test]
    fn a_mass_expiry_is_dropped_a_bounded_batch_per_insert() {
        let store = MemoryStore::new(1000);
        let then = SystemTime::now() - Duration::from_secs(1000);
        for i in 0..200 {
            store.insert(&format!("old{i}"), &lasting(1, then), then);
        }
        let now = SystemTime::now();
        store.insert("new1", &lasting(60, now), now);
        assert_eq!(sids(&store).len(), 200 - EXPIRE_PER_INSERT + 1);
        for i in 2..=4 {
            store.insert(&format!("new{i}"), &lasting(60, now), now);
        }
        assert_eq!(sids(&store), ["new1", "new2", "new3", "new4"]);
    }

    #[test]
    fn a_full_store_of_the_dead_takes_a_new_session() {
        let store = MemoryStore::new(2);
        let mut rx = store.ended();
        let then = SystemTime::now() - Duration::from_secs(1000);
        store.insert("old1", &lasting(1, then), then);
        store.insert("old2", &lasting(1, then), then);
        let now = SystemTime::now();
        store.insert("new", &Session::new(Map::new(), None, now), now);
        assert_eq!(sids(&store), ["new"]);
        assert!(
            ended(&mut rx)
                .iter()
                .all(|(_, reason)| *reason == EndReason::Expired)
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// Store sid `0` with a lifetime of `1` s at the clock's current second.
        Set(u8, u8),
        Get(u8),
        Destroy(u8),
        /// The clock moves on by this many seconds.
        Wait(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..12u8, 0..6u8).prop_map(|(s, t)| Op::Set(s, t)),
            2 => (0..12u8).prop_map(Op::Get),
            1 => (0..12u8).prop_map(Op::Destroy),
            1 => (0..4u8).prop_map(Op::Wait),
        ]
    }

    /// The store as it behaved before the index (every rule a scan of the whole map), with
    /// the same per-insert expiry batch, to check the index against.
    #[derive(Default)]
    struct Model {
        sessions: Vec<(String, SystemTime, u64)>,
        inserted: u64,
    }

    impl Model {
        fn set(
            &mut self,
            sid: &str,
            dies_at: Option<SystemTime>,
            now: SystemTime,
            cap: usize,
        ) -> Vec<(String, EndReason)> {
            let mut ended = Vec::new();
            let Some(dies_at) = dies_at else {
                if let Some(i) = self.sessions.iter().position(|s| s.0 == sid) {
                    self.sessions.remove(i);
                    ended.push((sid.to_owned(), EndReason::Expired));
                }
                return ended;
            };
            while ended.len() < EXPIRE_PER_INSERT {
                let first = (0..self.sessions.len())
                    .min_by_key(|&i| (self.sessions[i].1, self.sessions[i].2));
                match first {
                    Some(i) if self.sessions[i].1 <= now => {
                        ended.push((self.sessions.remove(i).0, EndReason::Expired));
                    }
                    _ => break,
                }
            }
            if let Some(i) = self.sessions.iter().position(|s| s.0 == sid) {
                self.sessions.remove(i);
            } else if self.sessions.len() >= cap {
                let first = (0..self.sessions.len())
                    .min_by_key(|&i| (self.sessions[i].1, self.sessions[i].2));
                if let Some(i) = first {
                    ended.push((self.sessions.remove(i).0, EndReason::Evicted));
                }
            }
            self.inserted += 1;
            self.sessions.push((sid.to_owned(), dies_at, self.inserted));
            ended
        }
    }

    proptest! {
        #[test]
        fn the_index_behaves_as_the_scans_did(ops in proptest::collection::vec(op(), 1..80)) {
            const CAP: usize = 5;
            let store = MemoryStore::new(CAP);
            let mut rx = store.ended();
            let mut model = Model::default();
            let start = SystemTime::now() - Duration::from_secs(10_000);
            let mut now = start;
            for op in ops {
                match op {
                    Op::Set(sid, secs) => {
                        let sid = sid.to_string();
                        let session = lasting(u64::from(secs), now);
                        let dies_at = (secs > 0).then(|| now + Duration::from_secs(u64::from(secs)));
                        store.insert(&sid, &session, now);
                        let want = model.set(&sid, dies_at, now, CAP);
                        prop_assert_eq!(ended(&mut rx), want);
                    }
                    Op::Get(sid) => {
                        // `get` reads the real clock, long past every session of this test:
                        // any stored one is reported expired, once.
                        let sid = sid.to_string();
                        let known = model.sessions.iter().position(|s| s.0 == sid);
                        prop_assert_eq!(get(&store, &sid).is_some(), known.is_some());
                        if let Some(i) = known {
                            model.sessions.remove(i);
                        }
                    }
                    Op::Destroy(sid) => {
                        let sid = sid.to_string();
                        let known = model.sessions.iter().position(|s| s.0 == sid);
                        prop_assert_eq!(store.destroy(&sid).now_or_never().unwrap().unwrap(), known.is_some());
                        if let Some(i) = known {
                            model.sessions.remove(i);
                            prop_assert_eq!(ended(&mut rx), [(sid, EndReason::Revoked)]);
                        }
                    }
                    Op::Wait(secs) => now += Duration::from_secs(u64::from(secs)),
                }
                let mut want: Vec<_> = model.sessions.iter().map(|s| (s.1, s.2, s.0.clone())).collect();
                want.sort();
                let want: Vec<String> = want.into_iter().map(|s| s.2).collect();
                prop_assert_eq!(sids(&store), want);
            }
        }
    }
}
