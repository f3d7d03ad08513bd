//! Live sessions: which sockets belong to which session, and cutting them when it ends.
//!
//! A session ends when its store says so (destroyed or expired: the memory store tells us
//! in-process, Redis through keyspace notifications) or when the sweep finds it gone: every
//! [`SWEEP`], one pipelined `EXISTS` per tracked session, plus a clock check of each session's
//! `cookie.expires`. Its sockets then get `session_ended` with the reason and are disconnected.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use socketioxide::extract::SocketRef;
use socketioxide::socket::Sid;
use tokio::sync::broadcast::error::RecvError;

use super::auth::ShortSid;
use crate::store::{EndReason, SessionStore};

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
    pub(crate) expires: Option<SystemTime>,
}

#[derive(Debug)]
struct Tracked {
    sockets: Vec<SocketRef>,
    expires: Option<SystemTime>,
}

/// sid → the sockets of that session, across namespaces.
#[derive(Debug, Default)]
pub(crate) struct LiveSessions {
    sessions: Mutex<HashMap<Arc<str>, Tracked>>,
}

impl LiveSessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Arc<str>, Tracked>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Tracks a socket under its session; returns the session id for [`Self::untrack`] when
    /// the socket disconnects.
    pub(crate) fn track(&self, socket: &SocketRef, session: SessionOf) -> Arc<str> {
        self.lock()
            .entry(session.sid.clone())
            .or_insert_with(|| Tracked {
                sockets: Vec::with_capacity(1),
                expires: session.expires,
            })
            .sockets
            .push(socket.clone());
        session.sid
    }

    pub(crate) fn untrack(&self, sid: &str, socket: Sid) {
        let mut sessions = self.lock();
        if let Some(tracked) = sessions.get_mut(sid) {
            tracked.sockets.retain(|s| s.id != socket);
            if tracked.sockets.is_empty() {
                sessions.remove(sid);
            }
        }
    }

    /// Tells the session's sockets why, then disconnects them.
    fn end(&self, sid: &str, reason: EndReason) {
        let Some(tracked) = self.lock().remove(sid) else {
            return;
        };
        tracing::info!(sid = %ShortSid(sid), sockets = tracked.sockets.len(), why = reason.message(), "session ended; disconnecting its sockets");
        for socket in tracked.sockets {
            // The packet is queued before the disconnect packet on the same socket.
            let _ = socket.emit(SESSION_ENDED, reason.message());
            let _ = socket.disconnect();
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Cuts sessions as the store announces their end, and sweeps every [`SWEEP`].
    pub(crate) async fn watch(self: Arc<Self>, store: Arc<dyn SessionStore>) {
        let mut ended = store.ended();
        let mut sweep = tokio::time::interval(SWEEP);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                news = ended.recv() => match news {
                    Ok(news) => self.end(&news.sid, news.reason),
                    // Missed some: the sweep finds them.
                    Err(RecvError::Lagged(_)) => self.sweep(store.as_ref()).await,
                    Err(RecvError::Closed) => return,
                },
                _ = sweep.tick() => self.sweep(store.as_ref()).await,
            }
        }
    }

    async fn sweep(&self, store: &dyn SessionStore) {
        let now = SystemTime::now();
        let (sids, expired): (Vec<String>, Vec<String>) = {
            let sessions = self.lock();
            if sessions.is_empty() {
                return;
            }
            let mut sids = Vec::with_capacity(sessions.len());
            let mut expired = Vec::new();
            for (sid, tracked) in sessions.iter() {
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
