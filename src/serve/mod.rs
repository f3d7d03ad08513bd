//! `sio-auth serve`: the authorized tick server.
//!
//! One hyper 1 accept loop serves both sides on one port: socketioxide takes `/socket.io/`,
//! everything else falls through to warp (`build_with_inner_svc(warp::service(routes))`).

mod auth;
pub(crate) mod cluster;
mod conns;
mod echo;
mod guard;
mod lane;
mod live;
mod origin;
mod revoked;
mod routes;
mod rules;
mod stats;
mod ticks;

pub(crate) use live::SESSION_ENDED;
pub(crate) use rules::Requirement;

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use socketioxide::extract::SocketRef;
use socketioxide::handler::ConnectHandler as _;
use socketioxide::{ParserConfig, SocketIo, SocketIoBuilder};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use self::auth::{Authorizer, PeerAddr, authorize};
use self::cluster::ServeAdapter;
use self::guard::{EngineSessions, Verdict};
use self::lane::{Lanes, Untrusted};
use self::live::{LiveSessions, SessionOf};
use self::origin::OriginPolicy;
use self::ticks::Phases;
use crate::cli::ServeArgs;
use crate::exit::{Exit, ExitOnError as _};
use crate::{secrets, store};

/// Upper bound of a request head (request line and headers), as Node's default; hyper answers
/// 431 beyond it, so a 64 KB Cookie header never reaches the authorization code.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Clients send pongs, CONNECT packets and `echo` events: small frames, small buffers.
const MAX_CLIENT_MESSAGE: usize = 8 * 1024;
/// tungstenite's read buffer, allocated per WebSocket for the session's life. Clients send
/// pongs, CONNECTs and small events, which fit; a larger message grows the buffer as it comes
/// and is read in chunks of this size (more reads for it; the limit stays MAX_CLIENT_MESSAGE).
const WS_READ_BUFFER: usize = 128;

/// Binary attachments one packet may declare, and their total size. sio-auth reads one client
/// event, `echo` (repeated in its ack); any other binary event is only ever dropped once
/// complete; until then its attachments are buffered. socketioxide's defaults (10 000 attachments, 10 MB) let one
/// connection make the server hold 10 MB. For a namespace the socket has not joined, nothing is
/// buffered at all (vendor/socketioxide, patch 2). Past either limit the session is closed.
const MAX_ATTACHMENTS: usize = 16;
const MAX_ATTACHMENT_BYTES: usize = 64 * 1024;

pub(crate) fn run(args: &ServeArgs) -> anyhow::Result<Exit> {
    // The cluster's adapter shares the store's Redis.
    let cluster = match (&args.store, &args.cluster) {
        (_, None) => None,
        (store::StoreUrl::Redis(url), Some(name)) => {
            if let Some((ns, why)) = args
                .namespaces
                .iter()
                .find_map(|ns| Some((&ns.path, cluster::unfit_namespace(&ns.path)?)))
            {
                return Err(crate::exit::failure(
                    Exit::Usage,
                    anyhow::anyhow!("--namespace {ns}: {why}"),
                ));
            }
            Some((url.clone(), name.clone()))
        }
        (store::StoreUrl::Memory, Some(_)) => {
            return Err(crate::exit::failure(
                Exit::Usage,
                anyhow::anyhow!(
                    "--cluster needs the sessions in Redis: add --store redis://HOST:PORT/DB"
                ),
            ));
        }
    };
    let keyring = secrets::server_keyring(&args.secrets, args.allow_weak_secret)?;
    let store = store::open(&args.store)?;
    let auth = Arc::new(Authorizer {
        keyring,
        cookie_name: args.cookie.cookie_name.clone(),
        store,
        require_session: args.require_session,
        max_age: args.max_age,
        rolling: args.rolling,
        origins: OriginPolicy::new(args.allowed_origins.clone()),
        // A destroyed sid is refused while a cookie of it can live: --max-age, and at least
        // the day connect-redis gives a session without an expiry.
        stats: stats::Stats::default(),
        live: Arc::new(LiveSessions::new(
            args.max_age
                .unwrap_or(store::DEFAULT_TTL)
                .max(store::DEFAULT_TTL),
        )),
    });
    let runtime = crate::runtime::build(crate::runtime::Threads::PerCore)?;
    // The accept loop runs as a task on the worker threads, not on this thread: a connection it
    // accepts is then polled where it was spawned, without a cross-thread wake-up (measured:
    // strace shows no futex call left on the handshake path, about 0.2 per handshake before).
    let outcome = runtime.block_on(async {
        let args = args.clone();
        tokio::spawn(async move {
            if let Some((url, name)) = &cluster {
                let pubsub = cluster::PubSub::connect(url)
                    .await
                    .context("cannot join the cluster")
                    .exit_with(Exit::Network)?;
                let builder = SocketIo::builder()
                    .with_adapter::<cluster::ClusterAdapter>(pubsub.into_adapter(name));
                serve(&args, auth, builder).await
            } else {
                serve(&args, auth, SocketIo::builder()).await
            }
        })
        .await
        .unwrap_or_else(|e| Err(anyhow::anyhow!("the server task failed: {e}")))
    });
    // Upgraded WebSockets live in detached tasks: don't wait for them past the close.
    runtime.shutdown_timeout(Duration::from_millis(200));
    outcome
}

async fn serve<A: ServeAdapter>(
    args: &ServeArgs,
    auth: Arc<Authorizer>,
    builder: SocketIoBuilder<A>,
) -> anyhow::Result<Exit> {
    let (sio, io) = builder
        // socketioxide's default is 45 s; a refused client never joins, so this is how soon
        // its session is closed (and, client gone or not, how long its memory is held).
        .connect_timeout(args.connect_timeout)
        // The ping timeout also bounds how long a socket's writes may stay blocked
        // (vendor/engineioxide, patch 5).
        .ping_interval(args.ping_interval)
        .ping_timeout(args.ping_timeout)
        // tungstenite's read buffer is allocated per WebSocket (128 KiB by default).
        .ws_read_buffer_size(WS_READ_BUFFER)
        .max_payload(MAX_CLIENT_MESSAGE as u64)
        .ws_max_message_size(MAX_CLIENT_MESSAGE)
        .ws_max_frame_size(MAX_CLIENT_MESSAGE)
        .max_buffer_size(16)
        .with_parser(
            ParserConfig::common()
                .max_incoming_binaries(MAX_ATTACHMENTS)
                .max_incoming_binary_buf_size(MAX_ATTACHMENT_BYTES),
        )
        .build_with_inner_svc(warp::service(routes::routes(auth.clone(), &args.event)));

    let live = auth.live.clone();
    let phases = Phases::new(args.interval);
    // `/` first, with no rules of its own unless --namespace / gave some.
    let mut namespaces: Vec<(String, Arc<[Requirement]>)> = vec![("/".to_owned(), Arc::from([]))];
    for ns in &args.namespaces {
        let rules: Arc<[Requirement]> = ns.requires.clone().into();
        match namespaces.iter_mut().find(|(path, _)| *path == ns.path) {
            Some(root) => root.1 = rules,
            None => namespaces.push((ns.path.clone(), rules)),
        }
    }
    for (path, rules) in &namespaces {
        let on_connect = {
            let (live, phases, auth) = (live.clone(), phases.clone(), auth.clone());
            // The work is done when socketioxide calls the handler, right after it sent the
            // `40`; only the (empty) future it returns is spawned.
            move |socket: SocketRef<A>| {
                tracing::debug!(id = %socket.id, ns = socket.ns(), "socket joined");
                auth.stats.joined();
                // In an Arc: socketioxide wants a Clone handler; the phase is left once the
                // last copy is gone.
                let phase = Arc::new(phases.assign(&socket));
                let session = socket
                    .extensions
                    .remove::<SessionOf>()
                    .map(|session| live.track(&socket, session));
                let live = live.clone();
                // socketioxide keeps one disconnect handler per socket: this one does both.
                let auth = auth.clone();
                socket.on_disconnect(async move |socket: SocketRef<A>| {
                    auth.stats.left();
                    if let Some(sid) = session {
                        live.untrack(&sid, socket.id);
                    }
                    drop(phase);
                });
                std::future::ready(())
            }
        };
        let middleware_auth = auth.clone();
        let rules = rules.clone();
        // `echo` is listened to by the middleware, once it accepted the socket: socketioxide
        // sends the `40` before it calls the connect handler, and may read the client's first
        // emit (on another worker) before that handler ran (regression: `connect --stdin` lost
        // its first emit and waited 10 s for the ack, about one run in ten under the test
        // suite's load).
        let middleware = move |socket: SocketRef<A>| {
            let (auth, rules) = (middleware_auth.clone(), rules.clone());
            async move {
                authorize(socket.clone(), auth, rules).await?;
                if A::SHARED
                    && let Some(session) = socket.extensions.get::<SessionOf>()
                {
                    socket.join(cluster::session_room(&session.sid));
                }
                echo::install(&socket);
                Ok::<(), Cow<'static, str>>(())
            }
        };
        A::ready(io.ns(path.clone(), on_connect.with(middleware)))
            .await
            .context("cannot join the cluster")
            .exit_with(Exit::Network)?;
    }
    let watcher = tokio::spawn(live.clone().watch(auth.store.clone()));
    let roller = args
        .rolling
        .then(|| tokio::spawn(live.clone().roll(auth.store.clone(), args.touch_every())));
    let sessions = Arc::new(EngineSessions::default());
    let lanes = Arc::new(Lanes::new(
        tokio::runtime::Handle::current().metrics().num_workers(),
    ));
    let sweeper = tokio::spawn(sessions.clone().sweep_forever());

    let (default_cap, file_limit) = conns::default_cap();
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))
        .exit_with(Exit::Network)?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    announce(addr)?;

    let ticker = tokio::spawn(ticks::run(
        io.clone(),
        phases,
        args.event.clone(),
        namespaces.into_iter().map(|(path, _)| path).collect(),
    ));

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        // A client that never finishes its headers is dropped.
        .header_read_timeout(Duration::from_secs(10))
        .max_buf_size(MAX_HEAD_BYTES);

    // Connection tasks hold a clone of `conns_tx`; `recv()` returns None once all are gone.
    let (conns_tx, mut conns_rx) = mpsc::channel::<()>(1);
    let (stop_tx, stop_rx) = watch::channel(false);
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);

    let connections = conns::Connections::new(
        args.max_connections
            .map_or(default_cap, |n| usize::try_from(n).unwrap_or(usize::MAX)),
    );
    tracing::info!(
        max_connections = connections.cap(),
        open_file_limit = file_limit,
        untrusted_turns = lanes.turns(),
        "accepting connections"
    );
    let summary = tokio::spawn(summarize(auth.clone(), connections.clone()));
    let mut accept_errors = stats::AcceptErrors::default();

    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning, keep serving the others.
                    if let Some(line) = accept_errors.record(&e) {
                        tracing::warn!("{line}");
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(admitted) = connections.admit() else {
            // Past the cap: an immediate 503, the sockets already in keep their places.
            auth.stats.over_cap();
            tokio::spawn(conns::refuse(connections.clone(), stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let stream = conns::CountedStream::new(stream, admitted);
        let svc = {
            let (sio, sessions, auth, lanes) =
                (sio.clone(), sessions.clone(), auth.clone(), lanes.clone());
            tower::service_fn(move |mut req: http::Request<Incoming>| {
                req.extensions_mut().insert(PeerAddr(peer));
                // An Engine.IO handshake: its request parts are kept for the whole session
                // and are what `socket.req_parts()` returns.
                if guard::is_engine_path(req.uri().path()) && guard::request_sid(&req).is_none() {
                    detach_from_read_buffer(&mut req);
                }
                guarded(
                    sio.clone(),
                    sessions.clone(),
                    auth.clone(),
                    lanes.clone(),
                    req,
                )
            })
        };
        let conn = http
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc))
            .with_upgrades();
        let mut stop_rx = stop_rx.clone();
        let guard = conns_tx.clone();
        tokio::spawn(async move {
            let _guard = guard;
            tokio::pin!(conn);
            let result = tokio::select! {
                result = conn.as_mut() => result,
                _ = stop_rx.changed() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, %e, "http connection ended with an error");
            }
        });
    }

    tracing::info!("shutting down");
    drop(listener);
    ticker.abort();
    watcher.abort();
    if let Some(roller) = roller {
        roller.abort();
    }
    summary.abort();
    sweeper.abort();
    tracing::debug!(
        sessions = live.len(),
        polling = sessions.len(),
        "live sessions at shutdown"
    );
    let _ = stop_tx.send(true);
    drop(conns_tx);
    // Closes every socket of every namespace (their WebSockets and pending polls).
    if tokio::time::timeout(Duration::from_millis(1000), io.close())
        .await
        .is_err()
    {
        tracing::warn!("closing the sockets timed out");
    }
    let _ = tokio::time::timeout(Duration::from_millis(500), conns_rx.recv()).await;
    Ok(Exit::Success)
}

/// Logs what happened every [`stats::EVERY`], when anything did.
async fn summarize(auth: Arc<Authorizer>, connections: Arc<conns::Connections>) {
    let mut every = tokio::time::interval(stats::EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        if let Some(line) = auth.stats.take_summary(connections.open()) {
            tracing::info!("last {} s: {line}", stats::EVERY.as_secs());
        }
    }
}

/// The one line scripts and tests wait for.
fn announce(addr: SocketAddr) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{addr}")
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
}

/// A request through the [`guard`]: refused there, or passed to socketioxide (whose polling
/// handshakes are recorded with the session of their cookie).
async fn guarded<S, B>(
    sio: S,
    sessions: Arc<EngineSessions>,
    auth: Arc<Authorizer>,
    lanes: Arc<Lanes>,
    mut req: http::Request<Incoming>,
) -> Result<http::Response<Either<B, Full<Bytes>>>, S::Error>
where
    S: tower::Service<http::Request<Incoming>, Response = http::Response<B>>,
    B: http_body::Body<Data = Bytes>,
{
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;
    let full = |res: http::Response<String>| res.map(|text| Either::Right(Full::from(text)));
    let verdict = sessions.check(&auth, &req);
    // Whether the request waits its turn in an untrusted lane: not when it is answered here
    // at once, nor for a session's later requests (the guard holds them to its cookie), nor
    // with a cookie that verifies (a polling handshake's verdict already says).
    let untrusted = match &verdict {
        Verdict::Refuse(..) => false,
        Verdict::Handshake(session) => session.is_none(),
        Verdict::Pass => {
            guard::request_sid(&req).is_none() && !matches!(auth.verify(req.headers()), Some(Ok(_)))
        }
    };
    // Held until the response is made; a WebSocket handshake's, for its session's life.
    let _turn = if untrusted {
        let lane = if guard::is_engine_path(req.uri().path()) {
            Untrusted::Handshake
        } else {
            Untrusted::Request
        };
        let Some(turn) = lanes.wait_turn(lane).await else {
            auth.stats.busy();
            return Ok(full(guard::refusal(
                http::StatusCode::SERVICE_UNAVAILABLE,
                "Busy: too many requests without a valid session cookie; try again.",
            )));
        };
        if guard::is_websocket_handshake(&req) {
            req.extensions_mut().insert(turn.clone());
        }
        Some(turn)
    } else {
        None
    };
    match verdict {
        Verdict::Refuse(status, text) => {
            if status == http::StatusCode::FORBIDDEN {
                auth.stats.foreign();
            }
            Ok(full(guard::refusal(status, text)))
        }
        Verdict::Pass => {
            let sid = guard::request_sid(&req).map(str::to_owned);
            let res = sio.oneshot(req).await?;
            // The engine closed the session (or never had it): forget it.
            if let Some(sid) = sid
                && res.status() == http::StatusCode::BAD_REQUEST
            {
                sessions.closed(&sid);
            }
            Ok(res.map(Either::Left))
        }
        Verdict::Handshake(session) => {
            let res = sio.oneshot(req).await?;
            if res.status() != http::StatusCode::OK {
                return Ok(res.map(Either::Left));
            }
            // The open packet is a small body the engine has complete: read it for its sid.
            let (parts, body) = res.into_parts();
            match body.collect().await {
                Ok(collected) => {
                    let bytes = collected.to_bytes();
                    sessions.opened(&bytes, session);
                    Ok(http::Response::from_parts(
                        parts,
                        Either::Right(Full::new(bytes)),
                    ))
                }
                Err(_) => Ok(full(guard::refusal(
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    "cannot read the handshake",
                ))),
            }
        }
    }
}

/// hyper parses the URI and header values as slices of the connection's read buffer (8 KiB at
/// first), so kept request parts would pin that whole buffer for the session's life. Copying
/// them out frees it once the connection is upgraded or closed (measured: about 8 KiB less
/// heap per socket).
fn detach_from_read_buffer<B>(req: &mut http::Request<B>) {
    let mut headers = http::HeaderMap::with_capacity(req.headers().len());
    for (name, value) in req.headers() {
        let mut copy =
            http::HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        copy.set_sensitive(value.is_sensitive());
        let name =
            http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap_or_else(|_| name.clone());
        headers.append(name, copy);
    }
    *req.headers_mut() = headers;
    if let Ok(uri) = http::Uri::from_maybe_shared(req.uri().to_string().into_bytes()) {
        *req.uri_mut() = uri;
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {},
                    _ = term.recv() => {},
                }
            }
            Err(e) => {
                tracing::warn!(%e, "cannot watch SIGTERM; Ctrl-C still works");
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
