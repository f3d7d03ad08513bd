//! `sio-auth connect`: a Socket.IO v4 client that authenticates with a session cookie and prints
//! what the server sends, or why it refused.
//!
//! `rust_socketio` delivers everything through callbacks on its own reader task. The callbacks only
//! forward into one channel; all decisions (accepted, refused, event, gone, timeout) are made in
//! one loop here. `rust_socketio`'s own reconnection is always off: `--reconnect` is ours, because
//! it must never retry after a refusal.
//!
//! The modules: [`plan`] (the command line resolved before any traffic), [`login`] (`--login`'s
//! GET), [`session`] (the transport, the attempts and the one loop), [`emit`] (what `--emit` and
//! `--stdin` send, and the acks), [`input`] (`--stdin`'s lines), [`output`] (stdout).
//!
//! Behaviour, as documented to users:
//! * The cookie: with an `=` it is a pair or a whole Cookie header, sent as is; without, it is the
//!   value of `--cookie-name`, percent-encoded when raw (`s:…`), as is when already encoded.
//!   `--login` GETs the URL's page (same-origin redirects followed) and sends every cookie it
//!   set; no cookie named `--cookie-name` exits 1. The Cookie header goes on the polling
//!   handshake and on the WebSocket upgrade.
//! * Transport: `websocket` and `polling` use only that one. `auto` (the default) opens a
//!   WebSocket first: it is the fastest start (no HTTP client, no TLS context for plain http;
//!   ~12 ms to the first tick against a local server, where polling needs ~60 ms). When the
//!   WebSocket fails for a transport reason (an HTTP error on the upgrade, a connection that
//!   closes before the namespace answers, or no answer within 5 s), it falls back at once,
//!   within the same connect deadline, to the official client's default: a polling handshake,
//!   then the WebSocket upgrade, else polling; later reconnections start there. There is no
//!   fallback after a refusal (exit 1 at once), nor when polling would fail the same way:
//!   connection refused, unreachable, DNS or TLS errors.
//! * The URL's path is the page `--login` fetches; Socket.IO always uses `/socket.io/` on that
//!   origin (its query is kept), and the namespace comes from `--namespace`.
//! * stdout: one line per printed event. One argument prints as its JSON, a string as plain text
//!   (as JSON when it has control characters); several arguments print as one JSON array; binary
//!   as base64. `--json`: `{"event":…,"args":[…],"received_at":<epoch ms>}`.
//! * Exit: 0 after `--count` events or Ctrl-C; 1 refused (the server's reason printed as
//!   `sio-auth: refused: <reason>`, at once); 2 usage; 3 network: cannot connect, the connection
//!   broke, or the server disconnected us; 4 timeout; 5 stdout cannot be written; 6 the server
//!   ended our session (`session_ended`: printed like any event when asked for, then
//!   `sio-auth: the server ended the session: <reason>`, at once, never a reconnection).
//!   Connecting is bounded by `--timeout`, or by 20 s (socket.io-client's default) without it;
//!   waiting between printed events only by `--timeout`.
//! * `--reconnect`: after a failed connection or a broken one, retry with socket.io-client's
//!   backoff (1 s doubling to 5 s, ±50 %); never after a refusal or a deliberate server-side
//!   disconnect (`41`), like socket.io-client. `--timeout` still bounds the time without progress.

mod emit;
mod input;
mod login;
mod output;
mod plan;
mod session;

use crate::cli::ConnectArgs;
use crate::exit::Exit;

use self::plan::Plan;

pub(crate) fn run(args: &ConnectArgs) -> anyhow::Result<Exit> {
    let plan = Plan::new(args)?;
    let runtime = crate::runtime::build(crate::runtime::Threads::One)?;
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = session::session(&plan) => outcome,
            _ = tokio::signal::ctrl_c() => Ok(Exit::Success),
        }
    });
    // Do not wait for the library's reader task: the connection just goes away with us.
    runtime.shutdown_background();
    outcome
}
