//! Live sessions: which sockets belong to which session, and cutting them when it ends.
//!
//! Every authorized socket is tracked under its signed session id. A session ends when it is
//! destroyed (logout, `sio-auth revoke`, a Node app's `req.session.destroy()`: the memory store
//! tells us in-process, Redis through keyspace notifications), in every mode; and, for sockets
//! that were authorized by a store lookup (`--require-session`, namespace rules), also when it
//! expires, is evicted, or the sweep finds it gone: every [`SWEEP`], one pipelined `EXISTS` per
//! such session, plus a clock check of its `cookie.expires`. Its sockets then get
//! `session_ended` with the reason and are disconnected. A destroyed sid is also remembered in
//! [`Revocations`] so that its cookie, whose signature never expires, no longer connects.
//!
//! A looked-up session written in the store (a Node app changing `req.session`) is read again:
//! each of its sockets whose namespace rules it no longer meets is cut the same way, with
//! `Requirement not met: …`, and its new expiry is what the sweep checks from then on. With
//! `--rolling`, [`LiveSessions::roll`] refreshes the expiry of every session that has a socket.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt as _;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide::socket::Sid;
use tokio::sync::broadcast::error::RecvError;

use super::revoked::Revocations;
use super::rules::{Requirement, unmet};
use crate::store::{EndReason, Session, SessionStore};

/// A session id for the logs: its first six characters, enough to correlate, never the whole.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ShortSid<'a>(pub(crate) &'a str);

impl fmt::Display for ShortSid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = self
            .0
            .char_indices()
            .nth(6)
            .map_or(self.0.len(), |(i, _)| i);
        write!(f, "{}…", &self.0[..end])
    }
}

/// How often tracked sessions are checked against the store and the clock; bounds how late a
/// missed notification (or a store without notifications) cuts a socket.
pub(crate) const SWEEP: Duration = Duration::from_millis(500);

/// The event sent to a socket whose session ended, with the reason as its argument.
pub(crate) const SESSION_ENDED: &str = "session_ended";

/// What the connect middleware learned about an accepted socket's session; put in the
/// socket's extensions for the connect handler.
#[derive(Debug, Clone)]
pub(crate) struct SessionOf {
    pub(crate) sid: Arc<str>,
    /// `cookie.expires` of the stored session, when it was looked up.
    pub(crate) expires: Option<SystemTime>,
    /// Whether the store vouched for it (then its end in the store ends its sockets).
    pub(crate) looked_up: bool,
    /// The rules of the socket's namespace, which the session met; checked again whenever it
    /// changes in the store.
    pub(crate) rules: Arc<[Requirement]>,
}

/// A tracked socket, whichever adapter its server runs (one process, or a cluster of them).
pub(crate) trait LiveSocket: Send + Sync + fmt::Debug {
    fn id(&self) -> Sid;
    /// Its namespace, for the logs.
    fn ns(&self) -> &str;
    /// Tells the socket why its session ended (`session_ended`), then disconnects it. The
    /// event is queued before the disconnect packet on the same socket.
    fn end(&self, why: &str);
}

impl<A: Adapter> LiveSocket for SocketRef<A> {
    fn id(&self) -> Sid {
        self.id
    }

    fn ns(&self) -> &str {
        socketioxide::socket::Socket::ns(self)
    }

    fn end(&self, why: &str) {
        let _ = self.emit(SESSION_ENDED, why);
        let _ = self.clone().disconnect();
    }
}

/// A socket and the rules it was admitted by.
#[derive(Debug)]
struct Held {
    socket: Box<dyn LiveSocket>,
    rules: Arc<[Requirement]>,
}

#[derive(Debug)]
struct Tracked {
    sockets: Vec<Held>,
    expires: Option<SystemTime>,
    looked_up: bool,
    /// When `--rolling` last refreshed the session (`None`: not yet).
    touched: Option<Instant>,
}

/// sid → the sockets of that session, across namespaces; and the destroyed sids.
#[derive(Debug)]
pub(crate) struct LiveSessions {
    sessions: Mutex<HashMap<Arc<str>, Tracked>>,
    revoked: Revocations,
}

/// Store reads (re-checks) and rolls in flight at once: the store's connection pipelines them.
const IN_FLIGHT: usize = 64;

impl LiveSessions {
    /// Remembers a destroyed sid for `remember`: the longest one of its cookies can live.
    pub(crate) fn new(remember: Duration) -> Self {
        Self {
            sessions: Mutex::default(),
            revoked: Revocations::new(remember, super::revoked::CAPACITY),
        }
    }

    /// Whether `sid`'s session was destroyed while its cookies may still be around.
    pub(crate) fn is_revoked(&self, sid: &str) -> bool {
        self.revoked.contains(sid, SystemTime::now())
    }

    /// Ends a session in every mode: its cookie no longer connects, its sockets are cut.
    pub(crate) fn revoke(&self, sid: &str) {
        self.revoked.insert(sid, SystemTime::now());
        self.end(sid, EndReason::Revoked);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Arc<str>, Tracked>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Tracks a socket under its session; returns the session id for [`Self::untrack`] when
    /// the socket disconnects.
    pub(crate) fn track<A: Adapter>(&self, socket: &SocketRef<A>, session: SessionOf) -> Arc<str> {
        let mut sessions = self.lock();
        let tracked = sessions
            .entry(session.sid.clone())
            .or_insert_with(|| Tracked {
                sockets: Vec::with_capacity(1),
                expires: session.expires,
                looked_up: false,
                touched: None,
            });
        if session.looked_up {
            tracked.looked_up = true;
            tracked.expires = session.expires;
        }
        tracked.sockets.push(Held {
            socket: Box::new(socket.clone()),
            rules: session.rules,
        });
        drop(sessions);
        session.sid
    }

    pub(crate) fn untrack(&self, sid: &str, socket: Sid) {
        let mut sessions = self.lock();
        if let Some(tracked) = sessions.get_mut(sid) {
            tracked.sockets.retain(|s| s.socket.id() != socket);
            if tracked.sockets.is_empty() {
                sessions.remove(sid);
            }
        }
    }

    /// Tells the session's sockets why, then disconnects them. Sockets authorized by their
    /// signature alone are cut only when the session was destroyed: an expired or evicted
    /// stored session says nothing about their cookie.
    fn end(&self, sid: &str, reason: EndReason) {
        let tracked = {
            let mut sessions = self.lock();
            match sessions.get(sid) {
                Some(tracked) if tracked.looked_up || reason == EndReason::Revoked => {
                    sessions.remove(sid)
                }
                _ => None,
            }
        };
        let Some(tracked) = tracked else {
            return;
        };
        tracing::debug!(sid = %ShortSid(sid), sockets = tracked.sockets.len(), why = reason.message(), "session ended; disconnecting its sockets");
        for held in tracked.sockets {
            held.socket.end(reason.message());
        }
    }

    /// What the store now holds for a looked-up session: its expiry from now on, and the cut
    /// of each socket whose namespace rules it no longer meets (its other sockets stay).
    fn update(&self, sid: &str, session: &Session) {
        let cut: Vec<(Held, String)> = {
            let mut sessions = self.lock();
            let Some(tracked) = sessions.get_mut(sid) else {
                return;
            };
            if !tracked.looked_up {
                return;
            }
            tracked.expires = session.expires();
            // Each socket's rules checked once; the refusal kept for the cut ones.
            let mut cut = Vec::new();
            let mut i = 0;
            while i < tracked.sockets.len() {
                match unmet(&tracked.sockets[i].rules, session) {
                    Some(why) => cut.push((tracked.sockets.remove(i), why)),
                    None => i += 1,
                }
            }
            if tracked.sockets.is_empty() {
                sessions.remove(sid);
            }
            cut
        };
        for (held, why) in cut {
            tracing::debug!(sid = %ShortSid(sid), ns = held.socket.ns(), "the changed session no longer meets the namespace's rules; disconnecting the socket");
            held.socket.end(&why);
        }
    }

    /// Reads changed sessions again (those looked up; a socket admitted by its signature has
    /// nothing to re-check) and applies them.
    async fn recheck(&self, store: &dyn SessionStore, sids: HashSet<String>) {
        let sids: Vec<String> = {
            let sessions = self.lock();
            sids.into_iter()
                .filter(|sid| sessions.get(sid.as_str()).is_some_and(|t| t.looked_up))
                .collect()
        };
        let mut reads = futures_util::stream::iter(sids)
            .map(|sid| async move {
                let read = store.get(&sid).await;
                (sid, read)
            })
            .buffer_unordered(IN_FLIGHT);
        while let Some((sid, read)) = reads.next().await {
            match read {
                Ok(Some(session)) => self.update(&sid, &session),
                // Gone: its end is announced, or the sweep finds it.
                Ok(None) => {}
                // Not knowing is no reason to cut anyone; the next change or the sweep retries.
                Err(e) => tracing::debug!(%e, "re-check skipped"),
            }
        }
    }

    fn looked_up(&self) -> HashSet<String> {
        self.lock()
            .iter()
            .filter(|(_, t)| t.looked_up)
            .map(|(sid, _)| sid.to_string())
            .collect()
    }

    /// `--rolling`: refreshes the expiry of every session with a socket here, each at most once
    /// per `every` (a session without one is left to expire); the rolled session is applied as
    /// a change is (its rules checked, its new expiry swept).
    pub(crate) async fn roll(self: Arc<Self>, store: Arc<dyn SessionStore>, every: Duration) {
        let mut tick = tokio::time::interval(every.min(SWEEP));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // The tick's own instant, not the clock after it: a session rolled one `every`
            // of ticks ago is due (measured with the clock it waited one tick more, 1.5 s
            // between rolls for --touch-every 1s).
            let now = tick.tick().await.into_std();
            let due: Vec<String> = {
                let mut sessions = self.lock();
                sessions
                    .iter_mut()
                    .filter(|(_, t)| t.touched.is_none_or(|at| now.duration_since(at) >= every))
                    .map(|(sid, t)| {
                        t.touched = Some(now);
                        sid.to_string()
                    })
                    .collect()
            };
            let store = store.as_ref();
            let mut rolls = futures_util::stream::iter(due)
                .map(|sid| async move {
                    let rolled = store.touch(&sid, SystemTime::now()).await;
                    (sid, rolled)
                })
                .buffer_unordered(IN_FLIGHT);
            while let Some((sid, rolled)) = rolls.next().await {
                match rolled {
                    Ok(Some(session)) => self.update(&sid, &session),
                    Ok(None) => {}
                    Err(e) => {
                        tracing::debug!(%e, "roll skipped; tried again at the next tick");
                        if let Some(tracked) = self.lock().get_mut(sid.as_str()) {
                            tracked.touched = None;
                        }
                    }
                }
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Cuts sessions as the store announces their end, and sweeps every [`SWEEP`].
    pub(crate) async fn watch(self: Arc<Self>, store: Arc<dyn SessionStore>) {
        let mut ended = store.ended();
        let mut changed = store.changed();
        let mut sweep = tokio::time::interval(SWEEP);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                news = ended.recv() => match news {
                    Ok(news) if news.reason == EndReason::Revoked => self.revoke(&news.sid),
                    Ok(news) => self.end(&news.sid, news.reason),
                    // Missed some: the sweep finds them.
                    Err(RecvError::Lagged(_)) => self.sweep(store.as_ref()).await,
                    Err(RecvError::Closed) => return,
                },
                news = changed.recv() => {
                    let sids = match news {
                        // The changes already waiting go with it, each session read once.
                        Ok(sid) => std::iter::once(sid)
                            .chain(std::iter::from_fn(|| changed.try_recv().ok()))
                            .collect(),
                        // Missed some: every session that could have changed.
                        Err(RecvError::Lagged(_)) => self.looked_up(),
                        Err(RecvError::Closed) => return,
                    };
                    self.recheck(store.as_ref(), sids).await;
                },
                _ = sweep.tick() => self.sweep(store.as_ref()).await,
            }
        }
    }

    async fn sweep(&self, store: &dyn SessionStore) {
        let now = SystemTime::now();
        let (sids, expired): (Vec<String>, Vec<String>) = {
            let sessions = self.lock();
            if !sessions.values().any(|t| t.looked_up) {
                return;
            }
            let mut sids = Vec::with_capacity(sessions.len());
            let mut expired = Vec::new();
            for (sid, tracked) in sessions.iter().filter(|(_, t)| t.looked_up) {
                if tracked.expires.is_some_and(|at| at <= now) {
                    expired.push(sid.to_string());
                } else {
                    sids.push(sid.to_string());
                }
            }
            (sids, expired)
        };
        for sid in expired {
            self.end(&sid, EndReason::Expired);
        }
        if sids.is_empty() {
            return;
        }
        match store.exist(&sids).await {
            Ok(found) => {
                for (sid, found) in sids.iter().zip(found) {
                    if !found {
                        self.end(sid, EndReason::Revoked);
                    }
                }
            }
            // Not knowing is no reason to cut anyone; new handshakes fail closed meanwhile.
            Err(e) => tracing::debug!(%e, "sweep skipped"),
        }
    }
}
