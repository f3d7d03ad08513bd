//! `serve --cluster` and `sio-auth emit`: processes that share their sockets through
//! socketioxide's Redis adapter (socketioxide-redis), so that a broadcast to a room reaches that
//! room's sockets on every node.
//!
//! The adapter talks to Redis through a [`Driver`]; socketioxide-redis's own drivers keep one
//! multiplexed connection that is never re-established, so after a Redis restart a node would
//! stay deaf to the others for good. [`PubSub`] is a driver on redis' `ConnectionManager`: it
//! reconnects by itself (with backoff) and, with automatic resubscription, subscribes again to
//! every channel it had.
//!
//! The adapter's wire format is its own (msgpack over `{prefix}-request#…` channels): it does not
//! interoperate with Node's `@socket.io/redis-adapter` or `@socket.io/redis-emitter`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{PushInfo, PushKind, Value};
use socketioxide::adapter::{Adapter, Emitter, LocalAdapter};
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use socketioxide_redis::{CustomRedisAdapter, InitRes, RedisAdapterConfig, RedisAdapterCtr};
use tokio::sync::mpsc;

/// The channel on which the nodes of cluster `name` hear a namespace's broadcasts
/// (socketioxide-redis's `{prefix}-request#{ns}#`); its subscribers are the nodes.
pub(crate) fn request_channel(name: &str, ns: &str) -> String {
    format!("{name}-request#{ns}#")
}

/// Why a namespace cannot be carried by a cluster: socketioxide-redis names its channels
/// `PREFIX-request#NS#` and refuses a `#` in NS. `None` when it can.
pub(crate) fn unfit_namespace(ns: &str) -> Option<&'static str> {
    ns.contains('#')
        .then_some("a cluster's namespace has no '#' (the Redis adapter's channel names use it)")
}

/// The room every authorized socket joins in a cluster: `session:<sid>`.
pub(crate) fn session_room(sid: &str) -> String {
    format!("session:{sid}")
}

/// The adapter of a cluster node.
pub(crate) type ClusterAdapter = CustomRedisAdapter<Emitter, PubSub>;

/// What `serve` needs of an adapter beyond socketioxide's trait: a way to wait until a
/// namespace's adapter is ready (subscribed), and whether sockets join their session's room.
pub(crate) trait ServeAdapter: Adapter + socketioxide_core::adapter::DefinedAdapter {
    /// Whether the adapter reaches other nodes (sockets then join their session's room).
    const SHARED: bool;

    /// Waits for the namespace's adapter to be ready.
    fn ready(init: Self::InitRes) -> impl Future<Output = anyhow::Result<()>> + Send;
}

impl ServeAdapter for LocalAdapter {
    const SHARED: bool = false;

    async fn ready((): ()) -> anyhow::Result<()> {
        Ok(())
    }
}

impl ServeAdapter for ClusterAdapter {
    const SHARED: bool = true;

    async fn ready(init: InitRes<PubSub>) -> anyhow::Result<()> {
        tokio::time::timeout(CONNECT_TIMEOUT, init)
            .await
            .map_err(|_| {
                anyhow::anyhow!("the session store did not answer within {CONNECT_TIMEOUT:?}")
            })?
            .map_err(|e| anyhow::anyhow!("cannot join the cluster: {e}"))
    }
}

/// How long connecting to Redis (and subscribing) may take before the node gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

type Handlers = Arc<RwLock<HashMap<String, mpsc::Sender<ChanItem>>>>;

/// A socketioxide-redis driver that survives Redis restarts.
#[derive(Clone)]
pub(crate) struct PubSub {
    conn: ConnectionManager,
    handlers: Handlers,
}

impl fmt::Debug for PubSub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PubSub").finish_non_exhaustive()
    }
}

/// A Redis error, its text on one line and without the URL (which may hold a password).
#[derive(Debug)]
pub(crate) struct PubSubError(String);

impl fmt::Display for PubSubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PubSubError {}

impl From<redis::RedisError> for PubSubError {
    fn from(e: redis::RedisError) -> Self {
        Self(crate::store::redis::describe(&e))
    }
}

impl PubSub {
    /// Connects (RESP3, which pushes messages on the same connection). `url` is the store's.
    pub(crate) async fn connect(url: &str) -> anyhow::Result<Self> {
        let url = with_resp3(url);
        let client = redis::Client::open(url.as_str())
            .map_err(|e| anyhow::anyhow!("{}", crate::store::redis::describe(&e)))?;
        let handlers: Handlers = Arc::default();
        let pushed = handlers.clone();
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(CONNECT_TIMEOUT))
            // A refused connection fails fast (`emit` exits 3 at once); a lost one is retried
            // on the next command, and the resubscription restores the channels.
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(100))
            .set_max_delay(Duration::from_secs(1))
            .set_push_sender(move |push: PushInfo| {
                deliver(push, &pushed);
                Ok::<(), std::convert::Infallible>(())
            })
            .set_automatic_resubscription();
        let conn = tokio::time::timeout(
            CONNECT_TIMEOUT,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| {
            anyhow::anyhow!("the session store did not answer within {CONNECT_TIMEOUT:?}")
        })?
        .map_err(|e| anyhow::anyhow!("{}", crate::store::redis::describe(&e)))?;
        Ok(Self { conn, handlers })
    }

    /// The adapter's shared state for socketioxide's builder, in cluster `name` (the prefix
    /// of its channels; Node servers use `socket.io`, with a wire format of their own).
    pub(crate) fn into_adapter(self, name: &str) -> RedisAdapterCtr<Self> {
        RedisAdapterCtr::new_with_driver(
            self,
            RedisAdapterConfig::new()
                .with_prefix(name.to_owned())
                .with_request_timeout(Duration::from_secs(2)),
        )
    }
}

/// `protocol=resp3` added to the store's URL, unless it already names one.
fn with_resp3(url: &str) -> String {
    if url.contains("protocol=") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}protocol=resp3")
}

/// Hands a pushed pub/sub message to the stream of its channel.
fn deliver(push: PushInfo, handlers: &Handlers) {
    if !matches!(push.kind, PushKind::Message) {
        return;
    }
    let mut data = push.data.into_iter();
    let (Some(channel), Some(payload)) = (data.next(), data.next()) else {
        return;
    };
    // The payload is msgpack: binary, taken as it is (redis' `Vec<u8>` conversion refuses it).
    let (Value::BulkString(channel), Value::BulkString(payload)) = (channel, payload) else {
        return;
    };
    let Ok(channel) = String::from_utf8(channel) else {
        return;
    };
    let handlers = handlers
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(tx) = handlers.get(&channel)
        && tx.try_send((channel, payload)).is_err()
    {
        tracing::warn!("cluster: a message from another node was dropped (its queue is full)");
    }
}

impl Driver for PubSub {
    type Error = PubSubError;

    async fn publish(&self, chan: String, val: Vec<u8>) -> Result<(), Self::Error> {
        let _: Value = redis::cmd("PUBLISH")
            .arg(chan)
            .arg(val)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    async fn subscribe(
        &self,
        chan: String,
        size: usize,
    ) -> Result<MessageStream<ChanItem>, Self::Error> {
        let (tx, rx) = mpsc::channel(size);
        // Registered first: a message published right after the subscription is not lost.
        self.handlers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(chan.clone(), tx);
        self.conn.clone().subscribe(chan).await?;
        Ok(MessageStream::new(rx))
    }

    async fn unsubscribe(&self, chan: String) -> Result<(), Self::Error> {
        self.handlers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&chan);
        self.conn.clone().unsubscribe(chan).await?;
        Ok(())
    }

    async fn num_serv(&self, chan: &str) -> Result<u16, Self::Error> {
        let (_, count): (String, u16) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(chan)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp3_is_asked_for_unless_the_url_names_a_protocol() {
        assert_eq!(
            with_resp3("redis://127.0.0.1:6379/2"),
            "redis://127.0.0.1:6379/2?protocol=resp3"
        );
        assert_eq!(
            with_resp3("redis://h/0?timeout=1"),
            "redis://h/0?timeout=1&protocol=resp3"
        );
        assert_eq!(
            with_resp3("redis://h/?protocol=resp3"),
            "redis://h/?protocol=resp3"
        );
    }

    #[test]
    fn messages_reach_the_stream_of_their_channel_only() {
        let handlers: Handlers = Arc::default();
        let (tx, mut rx) = mpsc::channel(1);
        handlers.write().unwrap().insert("a".to_owned(), tx);
        let push = |kind, chan: &str| PushInfo {
            kind,
            data: vec![
                Value::BulkString(chan.as_bytes().to_vec()),
                Value::BulkString(b"payload".to_vec()),
            ],
        };
        deliver(push(PushKind::Message, "b"), &handlers);
        deliver(push(PushKind::Subscribe, "a"), &handlers);
        assert!(rx.try_recv().is_err());
        deliver(push(PushKind::Message, "a"), &handlers);
        assert_eq!(
            rx.try_recv().unwrap(),
            ("a".to_owned(), b"payload".to_vec())
        );
        // A full queue drops, never blocks the connection's reader.
        deliver(push(PushKind::Message, "a"), &handlers);
        deliver(push(PushKind::Message, "a"), &handlers);
        assert!(rx.try_recv().is_ok());
        assert!(rx.try_recv().is_err());
    }
}
