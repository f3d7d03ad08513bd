//! The connect timeout must not keep a session alive: a client refused by a connect middleware
//! that closes its transport is freed at once, long before `connect_timeout`.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::Request;
use socketioxide::{ProtocolVersion, SocketIo, handler::ConnectHandler};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, handshake::client::generate_key, protocol::Role};

mod fixture;

use fixture::StreamImpl;

/// A probe stored in the request parts, which the engine.io socket keeps for its whole life:
/// once the socket is dropped, so is the probe.
#[derive(Clone)]
struct Probe(#[allow(dead_code)] Arc<()>);

#[tokio::test]
pub async fn refused_session_is_freed_when_its_transport_closes() {
    const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    let (svc, io) = SocketIo::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .build_svc();
    io.ns(
        "/",
        { async || {} }.with(async || Err::<(), _>("refused by the middleware")),
    );

    let probe = Arc::new(());
    let weak = Arc::downgrade(&probe);
    let (tx, rx) = mpsc::unbounded_channel();
    let (tx1, rx1) = mpsc::unbounded_channel();
    let mut parts = Request::builder()
        .method("GET")
        .header("Host", "127.0.0.1")
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", generate_key())
        .uri("ws://127.0.0.1/socket.io/?EIO=4&transport=websocket")
        .body(http_body_util::Empty::<Bytes>::new())
        .unwrap()
        .into_parts()
        .0;
    parts.extensions.insert(Probe(probe));
    tokio::spawn(svc.ws_init(StreamImpl::new(tx, rx1), ProtocolVersion::V5, None, parts));
    let mut ws = tokio_tungstenite::WebSocketStream::from_raw_socket(
        StreamImpl::new(tx1, rx),
        Role::Client,
        Default::default(),
    )
    .await;

    ws.send(Message::text("40{}")).await.unwrap();
    let refusal = loop {
        let msg = tokio::time::timeout(Duration::from_secs(1), ws.next())
            .await
            .expect("an answer to the connect packet")
            .unwrap()
            .unwrap();
        if let Message::Text(text) = msg
            && text.starts_with("44")
        {
            break text;
        }
    };
    assert_eq!(
        refusal.as_str(),
        "44{\"message\":\"refused by the middleware\"}"
    );
    // The refused session is still open: the client may try another namespace.
    assert!(weak.upgrade().is_some(), "the session lives while open");

    // The client goes away: its transport closes, and the session must be freed with it.
    drop(ws);
    let freed = tokio::time::timeout(CONNECT_TIMEOUT / 10, async {
        while weak.upgrade().is_some() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(
        freed.is_ok(),
        "the refused session is still in memory 1 s after its transport closed"
    );
}
