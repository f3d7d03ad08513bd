//! One shared ticker for every authorized socket.

use std::time::{Duration, SystemTime};

use socketioxide::SocketIo;

/// Every `interval`, emits `[event, <epoch ms>]` to the sockets of every namespace served.
///
/// Only sockets that passed the connect middleware are in a namespace, so the namespace
/// broadcast reaches exactly the authorized ones; socketioxide serializes and encodes the
/// packet once per broadcast and hands each socket a cheap clone of the bytes.
pub(crate) async fn run(io: SocketIo, interval: Duration, event: String, namespaces: Vec<String>) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let targets: Vec<_> = namespaces.iter().filter_map(|ns| io.of(ns)).collect();
    loop {
        ticker.tick().await;
        let ms = crate::clock::epoch_millis(SystemTime::now());
        // Errors are per socket (buffer full, closing); a slow client must not stop the ticker.
        for target in &targets {
            if let Err(e) = target.clone().emit(event.as_str(), &ms).await {
                tracing::debug!(%e, "tick not delivered to every socket");
            }
        }
    }
}
