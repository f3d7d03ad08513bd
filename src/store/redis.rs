//! The Redis store, in connect-redis's format: key `sess:<sid>`, value the session's JSON, TTL
//! until `cookie.expires` (or one day), so a Node app with express-session + connect-redis
//! shares it in both directions.
//!
//! Commands go over one multiplexed connection ([`ConnectionManager`]: pipelined, reconnects by
//! itself after a failure). Ended and written sessions are heard through keyspace notifications
//! on a second (pub/sub) connection, started on the first [`SessionStore::ended`] or
//! [`SessionStore::changed`] call.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use futures_util::{FutureExt as _, StreamExt as _};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::broadcast;

use super::{EndReason, Ended, Roll, Session, SessionStore, StoreError};

/// connect-redis's default key prefix, which the fixture app and most apps keep.
pub(crate) const PREFIX: &str = "sess:";

/// A handshake waits at most this long for the store before it is refused as unavailable.
const ANSWER_TIMEOUT: Duration = Duration::from_millis(1000);

/// The keys `exist` asks about in one pipeline.
const EXIST_CHUNK: usize = 1000;

/// A compare-and-set of a rolled session: the new value (or, when ARGV[2] is empty, only the
/// TTL) is written only if the key still holds exactly what the roll was computed from;
/// otherwise the script answers what it holds now (nil when gone), and the roll is computed
/// again from that. Why a script, not WATCH/MULTI: WATCH belongs to a connection, and ours is
/// multiplexed (every handshake's GET shares it), so WATCH would need a connection of its own;
/// the script is one atomic round trip on the shared one. Why not rewrite the JSON in Lua:
/// cjson turns `[]` into `{}` and rounds numbers past 14 digits, which would rewrite a Node
/// app's data; the roll is made in Rust and touches only the bytes of `cookie.expires`.
const ROLL_SCRIPT: &str = "\
local stored = redis.call('GET', KEYS[1])
if stored ~= ARGV[1] then return stored end
if ARGV[2] == '' then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 1";

/// How many times a roll is computed again when others keep writing the session meanwhile;
/// past it their write stands and the next touch rolls it.
const ROLL_TRIES: usize = 3;

#[derive(Debug)]
pub(crate) struct RedisStore {
    client: redis::Client,
    /// Made on first use, inside the runtime (the manager spawns its driver task).
    conn: OnceLock<Result<ConnectionManager, String>>,
    ended: broadcast::Sender<Ended>,
    changed: broadcast::Sender<String>,
    listening: OnceLock<()>,
}

impl RedisStore {
    /// Parses the URL; connects lazily, on the first command.
    pub(crate) fn open(url: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("invalid Redis URL {}: {e}", shown_url(url)))?;
        Ok(Self {
            client,
            conn: OnceLock::new(),
            ended: broadcast::channel(1024).0,
            changed: broadcast::channel(1024).0,
            listening: OnceLock::new(),
        })
    }

    fn conn(&self) -> Result<ConnectionManager, StoreError> {
        let made = self.conn.get_or_init(|| {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(ANSWER_TIMEOUT))
                .set_response_timeout(Some(ANSWER_TIMEOUT))
                // Retrying inside a request only delays the refusal; the next request retries.
                .set_number_of_retries(1)
                .set_max_delay(Duration::from_millis(200));
            ConnectionManager::new_lazy_with_config(self.client.clone(), config)
                .map_err(|e| e.to_string())
        });
        made.clone().map_err(StoreError::Unavailable)
    }

    async fn query<T: redis::FromRedisValue>(
        &self,
        run: impl AsyncFnOnce(ConnectionManager) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        let conn = self.conn()?;
        match tokio::time::timeout(ANSWER_TIMEOUT + Duration::from_millis(200), run(conn)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(StoreError::Unavailable(describe(&e))),
            Err(_) => Err(StoreError::Unavailable("no answer in time".to_owned())),
        }
    }

    /// Starts the keyspace listener, once.
    fn listen(&self) {
        self.listening.get_or_init(|| {
            tokio::spawn(listen(
                self.client.clone(),
                self.conn().ok(),
                self.db(),
                Announce {
                    ended: self.ended.clone(),
                    changed: self.changed.clone(),
                },
            ));
        });
    }

    fn db(&self) -> i64 {
        self.client.get_connection_info().redis_settings().db()
    }
}

/// A Redis error in one line, and in words for the mistake behind the usual ones: a `--store`
/// pointed at a server that is not Redis answers bytes the RESP parser refuses (MariaDB, NATS)
/// or hangs up on the first command (PostgreSQL, HTTP servers).
pub(crate) fn describe(e: &redis::RedisError) -> String {
    let not_redis = "is --store pointed at a Redis server?";
    if e.kind() == redis::ErrorKind::Parse {
        return format!("the server does not speak the Redis protocol ({not_redis})");
    }
    let text = one_line(&e.to_string());
    if e.is_connection_dropped() && !e.is_connection_refusal() {
        format!("{text}: the server closed the connection ({not_redis})")
    } else {
        text
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn key(sid: &str) -> String {
    format!("{PREFIX}{sid}")
}

impl SessionStore for RedisStore {
    fn get<'a>(&'a self, sid: &'a str) -> BoxFuture<'a, Result<Option<Session>, StoreError>> {
        async move {
            let text: Option<String> = self
                .query(async |mut c| redis::cmd("GET").arg(key(sid)).query_async(&mut c).await)
                .await?;
            Ok(text.and_then(|text| {
                let session = Session::from_json(&text);
                if session.is_none() {
                    tracing::warn!("a stored session is not a JSON object; treated as absent");
                }
                session
            }))
        }
        .boxed()
    }

    fn set<'a>(
        &'a self,
        sid: &'a str,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        async move {
            let ttl = session.ttl_secs(SystemTime::now());
            if ttl <= 0 {
                self.destroy(sid).await?;
                return Ok(());
            }
            let json = session.to_json();
            self.query(async |mut c| {
                redis::cmd("SET")
                    .arg(key(sid))
                    .arg(json)
                    .arg("EX")
                    .arg(ttl)
                    .query_async::<()>(&mut c)
                    .await
            })
            .await
        }
        .boxed()
    }

    fn destroy<'a>(&'a self, sid: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        async move {
            let removed: i64 = self
                .query(async |mut c| redis::cmd("DEL").arg(key(sid)).query_async(&mut c).await)
                .await?;
            if removed > 0 {
                // Our own sockets hear it at once, keyspace notifications or not.
                let _ = self.ended.send(Ended {
                    sid: sid.to_owned(),
                    reason: EndReason::Revoked,
                });
            }
            Ok(removed > 0)
        }
        .boxed()
    }

    fn exist<'a>(&'a self, sids: &'a [String]) -> BoxFuture<'a, Result<Vec<bool>, StoreError>> {
        async move {
            let mut found = Vec::with_capacity(sids.len());
            for chunk in sids.chunks(EXIST_CHUNK) {
                let mut pipe = redis::pipe();
                for sid in chunk {
                    pipe.cmd("EXISTS").arg(key(sid));
                }
                let answers: Vec<bool> = self
                    .query(async |mut c| pipe.query_async(&mut c).await)
                    .await?;
                found.extend(answers);
            }
            Ok(found)
        }
        .boxed()
    }

    fn touch<'a>(
        &'a self,
        sid: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Option<Session>, StoreError>> {
        async move {
            let mut stored: Option<String> = self
                .query(async |mut c| redis::cmd("GET").arg(key(sid)).query_async(&mut c).await)
                .await?;
            for _ in 0..ROLL_TRIES {
                let Some(text) = stored.take() else {
                    return Ok(None);
                };
                let Some(session) = Session::from_json(&text) else {
                    return Ok(None);
                };
                let (rolled, json) = match super::roll(&text, now) {
                    Roll::Keep => return Ok(Some(session)),
                    Roll::TtlOnly => (session, String::new()),
                    Roll::Expires(json) => match Session::from_json(&json) {
                        Some(rolled) => (rolled, json),
                        None => return Ok(Some(session)),
                    },
                };
                let ttl = rolled.ttl_secs(now);
                if ttl <= 0 {
                    return Ok(Some(rolled));
                }
                let answer: redis::Value = self
                    .query(async |mut c| {
                        redis::cmd("EVAL")
                            .arg(ROLL_SCRIPT)
                            .arg(1)
                            .arg(key(sid))
                            .arg(&text)
                            .arg(&json)
                            .arg(ttl)
                            .query_async(&mut c)
                            .await
                    })
                    .await?;
                match answer {
                    redis::Value::Int(1) => return Ok(Some(rolled)),
                    redis::Value::Nil => return Ok(None),
                    // Written by someone else since our read: roll their write instead.
                    redis::Value::BulkString(now_stored) => {
                        stored = String::from_utf8(now_stored).ok();
                    }
                    // Not shown: it could hold session data.
                    _ => {
                        return Err(StoreError::Unavailable(
                            "unexpected answer to the roll script".to_owned(),
                        ));
                    }
                }
            }
            Ok(stored.as_deref().and_then(Session::from_json))
        }
        .boxed()
    }

    fn ended(&self) -> broadcast::Receiver<Ended> {
        let receiver = self.ended.subscribe();
        self.listen();
        receiver
    }

    fn changed(&self) -> broadcast::Receiver<String> {
        let receiver = self.changed.subscribe();
        self.listen();
        receiver
    }
}

/// Where the listener tells what it heard.
#[derive(Debug)]
struct Announce {
    ended: broadcast::Sender<Ended>,
    changed: broadcast::Sender<String>,
}

/// Keeps a pub/sub connection subscribed to `__keyspace@DB__:sess:*` and announces `del`,
/// `expired` and `evicted` events as ends and `set` events as changes; reconnects (and
/// re-enables the notifications, which a restarted Redis forgets) after any failure.
async fn listen(
    client: redis::Client,
    conn: Option<ConnectionManager>,
    db: i64,
    announce: Announce,
) {
    let pattern = format!("__keyspace@{db}__:{PREFIX}*");
    let channel_prefix = format!("__keyspace@{db}__:{PREFIX}");
    let mut warned = false;
    // Whether we said the store does not answer: said once per outage, and its end is said too,
    // so a server started with Redis down tells its operator at once, not at the first visitor.
    let mut down = false;
    loop {
        if let Some(conn) = &conn
            && let Err(e) = enable_notifications(conn.clone()).await
        {
            let unreachable = e.is_io_error()
                || e.is_timeout()
                || e.is_connection_refusal()
                || e.is_connection_dropped();
            if unreachable {
                tracing::debug!(%e, "cannot enable Redis keyspace notifications yet");
            } else if !warned {
                // CONFIG refused (managed Redis, ACLs): the sweep still finds ended sessions.
                warned = true;
                tracing::warn!(%e, "cannot enable Redis keyspace notifications; ended sessions are found by the sweep only, and sessions changed by others are not checked again");
            }
        }
        let subscribed = tokio::time::timeout(ANSWER_TIMEOUT, async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.psubscribe(&pattern).await?;
            redis::RedisResult::Ok(pubsub)
        })
        .await;
        match subscribed {
            Ok(Ok(pubsub)) => {
                if std::mem::take(&mut down) {
                    tracing::info!("the session store answers again");
                }
                tracing::debug!(%pattern, "listening for ended sessions");
                let mut messages = pubsub.into_on_message();
                while let Some(message) = messages.next().await {
                    let Some(sid) = message.get_channel_name().strip_prefix(&channel_prefix) else {
                        continue;
                    };
                    let reason = match message.get_payload_bytes() {
                        b"del" | b"rename_from" => EndReason::Revoked,
                        b"evicted" => EndReason::Evicted,
                        b"expired" => EndReason::Expired,
                        // SET, SETEX, connect-redis's `set`, our own rolling refresh.
                        b"set" => {
                            let _ = announce.changed.send(sid.to_owned());
                            continue;
                        }
                        _ => continue,
                    };
                    let _ = announce.ended.send(Ended {
                        sid: sid.to_owned(),
                        reason,
                    });
                }
                tracing::warn!("lost the Redis notification connection; reconnecting");
            }
            failed => {
                if !std::mem::replace(&mut down, true) {
                    let e = match failed {
                        Ok(Err(e)) => e.to_string(),
                        _ => format!("no answer within {ANSWER_TIMEOUT:?}"),
                    };
                    tracing::warn!(%e, "the session store does not answer; handshakes and pages that need it are refused until it does");
                }
            }
        }
        if announce.ended.receiver_count() + announce.changed.receiver_count() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Adds `K` (keyspace channel), `g` (del), `x` (expired), `e` (evicted) and `$` (set) to
/// `notify-keyspace-events`, keeping whatever else is configured.
async fn enable_notifications(mut conn: ConnectionManager) -> redis::RedisResult<()> {
    let current: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("notify-keyspace-events")
        .query_async(&mut conn)
        .await?;
    let current = current.get(1).cloned().unwrap_or_default();
    let wanted = merged_flags(&current);
    if wanted != current {
        redis::cmd("CONFIG")
            .arg("SET")
            .arg("notify-keyspace-events")
            .arg(&wanted)
            .query_async::<()>(&mut conn)
            .await?;
    }
    Ok(())
}

fn merged_flags(current: &str) -> String {
    let mut flags = current.to_owned();
    let all = flags.contains('A');
    for (flag, covered_by_all) in [
        ('K', false),
        ('g', true),
        ('x', true),
        ('e', true),
        ('$', true),
    ] {
        if !(flags.contains(flag) || all && covered_by_all) {
            flags.push(flag);
        }
    }
    flags
}

/// The URL without its password, for messages.
pub(crate) fn shown_url(url: &str) -> String {
    super::redact_password(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notification_flags_are_merged() {
        assert_eq!(merged_flags(""), "Kgxe$");
        assert_eq!(merged_flags("Ex"), "ExKge$");
        assert_eq!(merged_flags("AKE"), "AKE");
        assert_eq!(merged_flags("KA"), "KA");
    }

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            shown_url("redis://:hunter2@127.0.0.1:6379/2"),
            "redis://:***@127.0.0.1:6379/2"
        );
    }
}
