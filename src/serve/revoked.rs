//! Session ids whose sessions were destroyed, remembered while their cookies could still be
//! presented.
//!
//! With `--require-session`, a destroyed session is simply gone from the store. Without it, a
//! handshake is authorized by the cookie's signature alone, and a signature never expires: after
//! `POST /logout`, `sio-auth revoke` or a Node app's `req.session.destroy()`, the old cookie
//! would still connect. So every destroyed sid is remembered here until its cookie would have
//! expired, and refused in every mode.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// How many destroyed sids are remembered at most; past it, the one closest to its end is
/// forgotten first (a flood of logouts cannot grow the server without bound).
pub(crate) const CAPACITY: usize = 100_000;

#[derive(Debug, Default)]
struct Inner {
    until: HashMap<Arc<str>, SystemTime>,
    /// The same entries ordered by their end, for O(log n) expiry and eviction.
    by_end: BTreeSet<(SystemTime, Arc<str>)>,
}

/// The destroyed sids and until when each is refused.
#[derive(Debug)]
pub(crate) struct Revocations {
    inner: Mutex<Inner>,
    /// How long a destroyed sid is remembered: the longest a cookie of it can live.
    remember: Duration,
    capacity: usize,
}

impl Revocations {
    /// Remembers each destroyed sid for `remember`, at most `capacity` of them.
    pub(crate) fn new(remember: Duration, capacity: usize) -> Self {
        Self {
            inner: Mutex::default(),
            remember,
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remembers `sid` as destroyed from `now` on.
    pub(crate) fn insert(&self, sid: &str, now: SystemTime) {
        let until = now + self.remember;
        let mut inner = self.lock();
        Self::forget_ended(&mut inner, now);
        let sid: Arc<str> = Arc::from(sid);
        if let Some(old) = inner.until.insert(sid.clone(), until) {
            inner.by_end.remove(&(old, sid.clone()));
        }
        inner.by_end.insert((until, sid));
        while inner.until.len() > self.capacity {
            let Some((_, oldest)) = inner.by_end.pop_first() else {
                break;
            };
            inner.until.remove(&oldest);
        }
    }

    /// Whether `sid` was destroyed and its cookie may still be around.
    pub(crate) fn contains(&self, sid: &str, now: SystemTime) -> bool {
        let inner = self.lock();
        if inner.until.is_empty() {
            return false;
        }
        inner.until.get(sid).is_some_and(|until| *until > now)
    }

    fn forget_ended(inner: &mut Inner, now: SystemTime) {
        while inner.by_end.first().is_some_and(|(until, _)| *until <= now) {
            if let Some((_, sid)) = inner.by_end.pop_first() {
                inner.until.remove(&sid);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().until.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_until_the_cookie_would_have_expired() {
        let revoked = Revocations::new(Duration::from_secs(60), 10);
        let now = SystemTime::now();
        revoked.insert("a", now);
        assert!(revoked.contains("a", now));
        assert!(revoked.contains("a", now + Duration::from_secs(59)));
        assert!(!revoked.contains("a", now + Duration::from_secs(60)));
        assert!(!revoked.contains("b", now));
        // An ended entry is dropped by the next insert.
        revoked.insert("b", now + Duration::from_secs(61));
        assert_eq!(revoked.len(), 1);
    }

    #[test]
    fn a_flood_of_revocations_stays_bounded_and_keeps_the_newest() {
        let revoked = Revocations::new(Duration::from_secs(60), 3);
        let now = SystemTime::now();
        for (i, sid) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            revoked.insert(sid, now + Duration::from_millis(i as u64));
        }
        assert_eq!(revoked.len(), 3);
        assert!(!revoked.contains("a", now) && !revoked.contains("b", now));
        assert!(["c", "d", "e"].iter().all(|sid| revoked.contains(sid, now)));
        // Revoking again moves the end, without a duplicate entry.
        revoked.insert("c", now + Duration::from_secs(1));
        assert_eq!(revoked.len(), 3);
        assert_eq!(revoked.lock().by_end.len(), 3);
    }
}
