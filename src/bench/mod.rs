//! `sio-auth bench`: a load generator for Socket.IO servers authorized by a session cookie.
//!
//! It speaks Engine.IO 4 / Socket.IO 5 itself (raw WebSocket frames, and a minimal HTTP/1.1
//! client for the polling handshake) so that it costs far less CPU than the server it
//! measures: a client that saturates its own core measures nothing. Everything a server sends
//! is read through [`sio_auth::wire`], and every step waits at most `--timeout`.
//!
//! * `cycle`: `--clients` tasks each loop connect → handshake → authorized or refused
//!   (→ first event with `--first-tick`) → close, for `--duration` (or `--handshakes`);
//!   reports the rate and latency percentiles (connect start to the namespace verdict),
//!   refusals, and with `--forged` any forged cookie that was accepted or valid one that was
//!   refused, per kind of forgery.
//! * `hold`: opens `--clients` sockets, answers pings, and measures each event's delay (receipt
//!   time minus the epoch milliseconds it carries) for `--duration`.
//! * `--emit EVENT [ARGS]` ([`emit`]): `--clients` sockets emit EVENT with an ack id for
//!   `--duration`, closed loop or at `--rate`; reports acks/s and round-trip percentiles,
//!   timeouts and errors.
//!
//! The summary prints as an aligned table (`--json`: one object); on a terminal, a live line on
//! stderr shows the run's progress ([`progress`]).
//!
//! A run in which connections failed prints its summary, then exits non-zero with the main
//! cause and what to do about it.

mod client;
mod emit;
mod failure;
mod forgery;
mod progress;

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, anyhow, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use hdrhistogram::Histogram;
use serde_json::json;
use sio_auth::wire::socket::Verdict;
use tokio_tungstenite::tungstenite::Message;

use self::client::{Deadline, Target};
use self::failure::Tally;
use self::forgery::{Cookies, kind_name};
use crate::cli::{BenchArgs, BenchMode, BenchTransport, ForgeryKind};
use crate::exit::{Exit, ExitOnError as _};

pub(crate) fn run(args: &BenchArgs) -> anyhow::Result<Exit> {
    check_usage(args).exit_with(Exit::Usage)?;
    let emit = emit::Plan::new(args).exit_with(Exit::Usage)?;
    let target = Target::new(&args.url, &args.namespace)?;
    let cookies = Arc::new(Cookies::new(args)?);
    warn_about_open_files(args);
    let runtime = crate::runtime::build(crate::runtime::Threads::PerCore)?;
    if let Some(url) = &args.store.store {
        let store = crate::store::open(url)?;
        runtime
            .block_on(async {
                let now = SystemTime::now();
                for sid in &cookies.sids {
                    let session = crate::store::Session::new(serde_json::Map::new(), None, now);
                    store.set(sid, &session).await?;
                }
                anyhow::Ok(())
            })
            .context("cannot create the sessions in the store")
            .exit_with(Exit::Network)?;
        eprintln!("sio-auth bench: created {} sessions", cookies.sids.len());
    }
    let (summary, failures) = match (emit, args.mode) {
        (Some(plan), _) => runtime.block_on(emit::run(args, plan, target, cookies))?,
        (None, BenchMode::Cycle) => runtime.block_on(cycle(args, target, cookies))?,
        (None, BenchMode::Hold) => runtime.block_on(hold(args, target, cookies))?,
    };
    runtime.shutdown_timeout(Duration::from_millis(100));
    // Not println!, which panics when stdout cannot be written (`> /dev/full`).
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{summary}").context("cannot write to stdout")?;
    } else {
        out.write_all(table(&summary).as_bytes())
            .context("cannot write to stdout")?;
    }
    out.flush().context("cannot write to stdout")?;
    drop(out);
    let verdicts = wrong_verdicts(&summary);
    match failures {
        // Wrong verdicts make the run's figures meaningless whatever else happened: they are
        // the exit code, the failures a warning.
        Some(failures) if verdicts == Exit::Success => Err(failures),
        Some(failures) => {
            eprintln!("sio-auth bench: {failures:#}");
            Ok(verdicts)
        }
        None => Ok(verdicts),
    }
}

fn check_usage(args: &BenchArgs) -> anyhow::Result<()> {
    if args.mode == BenchMode::Hold {
        if args.forged > 0.0 {
            bail!("--forged is for --mode cycle: held sockets must all be authorized");
        }
        if args.transport != BenchTransport::Websocket {
            bail!("--transport default is for --mode cycle: held sockets are WebSockets");
        }
        if args.handshakes.is_some() {
            bail!("--handshakes is for --mode cycle: hold opens --clients sockets");
        }
    }
    if args.forged == 0.0 && args.forged_kinds != [ForgeryKind::WrongSecret] {
        bail!("--forged-kinds needs --forged: the share of connections that are forged");
    }
    Ok(())
}

/// The summary as an aligned table, one `key  value` line per field in the summary's order:
/// strings bare, numbers as they are, objects as one line of JSON.
fn table(summary: &serde_json::Value) -> String {
    let Some(object) = summary.as_object() else {
        return format!("{summary}\n");
    };
    let width = object.keys().map(String::len).max().unwrap_or(0);
    let mut text = String::new();
    for (key, value) in object {
        let value = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text.push_str(&format!("{key:<width$}  {value}\n"));
    }
    text
}

/// Says before a run that the open-file limit cannot hold the sockets asked for, rather than
/// only after thousands of them failed.
fn warn_about_open_files(args: &BenchArgs) {
    // A polling client holds its HTTP connection and the upgrade's WebSocket at once; the
    // runtime and stdio need a few more.
    let per_client = match (args.mode, args.transport) {
        (BenchMode::Cycle, BenchTransport::Default) => 2,
        _ => 1,
    };
    let needed = u64::from(args.clients) * per_client + 32;
    if let Some(limit) = failure::open_file_limit().filter(|&limit| limit < needed) {
        eprintln!(
            "sio-auth bench: --clients {} needs about {needed} open files, more than this \
             process's limit of {limit}: raise it (ulimit -n) or expect failures",
            args.clients
        );
    }
}

/// Warns on stderr about verdicts that make the run measure something else than asked (valid
/// cookies refused, forged ones accepted): a negative answer, exit 1.
fn wrong_verdicts(summary: &serde_json::Value) -> Exit {
    let count = |key: &str| summary.get(key).and_then(serde_json::Value::as_u64);
    let mut exit = Exit::Success;
    if let Some(n @ 1..) = count("valid_refused") {
        eprintln!(
            "sio-auth bench: the server refused {n} valid cookies; does it verify with the same \
             secret and cookie name (--secret, --cookie-name)?"
        );
        exit = Exit::Negative;
    }
    if let Some(n @ 1..) = count("forged_accepted") {
        // In alphabetical order, whatever order the JSON object keeps.
        let mut accepted: Vec<_> = summary["forged_kinds"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, counts)| counts["accepted"].as_u64().is_some_and(|n| n > 0))
            .collect();
        accepted.sort_by(|a, b| a.0.cmp(b.0));
        let kinds = accepted
            .iter()
            .map(|(kind, counts)| format!("{kind} {}", counts["accepted"]))
            .collect::<Vec<_>>()
            .join(", ");
        eprintln!("sio-auth bench: the server accepted {n} forged cookies ({kinds})");
        exit = Exit::Negative;
    }
    exit
}

/// A cycle run's verdicts, shared by its clients.
#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    refused: AtomicU64,
    forged_accepted: AtomicU64,
    valid_refused: AtomicU64,
    /// Failed connections, for the progress line (the clients' tallies say why).
    errors: AtomicU64,
    next: AtomicU64,
    /// Per kind of forgery, in the order of `Cookies::kinds`: (accepted, refused).
    forged_kinds: Vec<(AtomicU64, AtomicU64)>,
}

impl Counters {
    /// Counts a verdict; `forged` is the index of the forged cookie's kind in
    /// `Cookies::kinds`, `None` for a valid cookie.
    fn count(&self, verdict: Verdict, forged: Option<usize>) {
        let (total, wrong) = match verdict {
            Verdict::Accepted => (
                &self.accepted,
                forged.is_some().then_some(&self.forged_accepted),
            ),
            Verdict::Refused => (
                &self.refused,
                forged.is_none().then_some(&self.valid_refused),
            ),
        };
        total.fetch_add(1, Ordering::Relaxed);
        if let Some(wrong) = wrong {
            wrong.fetch_add(1, Ordering::Relaxed);
        }
        if let Some((accepted, refused)) = forged.and_then(|k| self.forged_kinds.get(k)) {
            match verdict {
                Verdict::Accepted => accepted.fetch_add(1, Ordering::Relaxed),
                Verdict::Refused => refused.fetch_add(1, Ordering::Relaxed),
            };
        }
    }
}

/// A run's summary, and the error its failed connections make (exit code and hint), if any.
type Outcome = (serde_json::Value, Option<anyhow::Error>);

async fn cycle(args: &BenchArgs, target: Target, cookies: Arc<Cookies>) -> anyhow::Result<Outcome> {
    let counters = Arc::new(Counters {
        forged_kinds: cookies.kinds().map(|_| Default::default()).collect(),
        ..Counters::default()
    });
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let deadline = Deadline {
        step: args.timeout,
        hard_end: Some(started + args.duration + args.timeout),
    };
    let limit = args.handshakes.unwrap_or(u64::MAX);
    let mut tasks = Vec::new();
    let mut all_latencies = Vec::new();
    for _ in 0..args.clients {
        let (target, cookies, counters, stop) = (
            target.clone(),
            cookies.clone(),
            counters.clone(),
            stop.clone(),
        );
        let (transport, first_tick) = (args.transport, args.first_tick);
        // Shared only with the progress line, which reads it every 500 ms.
        let latencies = Arc::new(std::sync::Mutex::new(histogram()));
        all_latencies.push(latencies.clone());
        tasks.push(tokio::spawn(async move {
            let mut failures = Tally::default();
            while !stop.load(Ordering::Relaxed) {
                let n = counters.next.fetch_add(1, Ordering::Relaxed);
                if n >= limit {
                    break;
                }
                let (cookie, forged) = cookies.pick(n);
                let t0 = Instant::now();
                let outcome = match transport {
                    BenchTransport::Websocket => {
                        client::ws_handshake(&target, cookie, first_tick, deadline).await
                    }
                    BenchTransport::Default => {
                        client::polling_handshake(&target, cookie, first_tick, deadline).await
                    }
                };
                match outcome {
                    Ok(verdict) => {
                        if let Ok(mut latencies) = latencies.lock() {
                            record_micros(&mut latencies, t0.elapsed());
                        }
                        counters.count(verdict, forged);
                    }
                    Err(e) => {
                        failures.add(&e);
                        counters.errors.fetch_add(1, Ordering::Relaxed);
                        // Don't spin on a dead server.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            failures
        }));
    }
    let progress = progress::Progress::start({
        let (counters, latencies) = (counters.clone(), all_latencies.clone());
        let mut last = (Instant::now(), 0);
        move |elapsed| {
            let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
            let handshakes = load(&counters.accepted) + load(&counters.refused);
            let rate = progress::rate(&mut last, handshakes);
            format!(
                "cycle: {rate:.0} handshakes/s, p99 {:.2}ms, {} errors, {:.1}s",
                quantile_ms(&merged(&latencies), 0.99),
                load(&counters.errors),
                elapsed.as_secs_f64()
            )
        }
    });
    // The clients stop themselves after --handshakes; else at --duration.
    let all_done = futures_util::future::join_all(tasks);
    tokio::pin!(all_done);
    let results = tokio::select! {
        results = &mut all_done => results,
        () = tokio::time::sleep(args.duration) => {
            stop.store(true, Ordering::Relaxed);
            // Each client finishes its handshake, every step of which ends by the hard end.
            all_done.await
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(progress) = progress {
        progress.finish().await;
    }
    let mut failures = Tally::default();
    for result in results {
        failures.merge(result.context("a bench client panicked")?);
    }
    let latencies = merged(&all_latencies);
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let handshakes = load(&counters.accepted) + load(&counters.refused);
    let attempts = handshakes + failures.total();
    if handshakes == 0 {
        let error = failures
            .into_error("connections", attempts, args.clients)
            .unwrap_or_else(|| anyhow!("no connection was attempted"));
        return Err(error.context("no handshake completed"));
    }
    #[allow(clippy::cast_precision_loss)]
    let rate = handshakes as f64 / elapsed;
    let mut summary = json!({
        "mode": "cycle",
        "transport": format!("{:?}", args.transport).to_lowercase(),
        "clients": args.clients,
        "seconds": round(elapsed),
        "handshakes": handshakes,
        "per_second": round(rate),
        "accepted": load(&counters.accepted),
        "refused": load(&counters.refused),
        "forged_accepted": load(&counters.forged_accepted),
        "valid_refused": load(&counters.valid_refused),
        "errors": failures.total(),
        "errors_by_cause": failures.to_json(),
        "p50_ms": round(quantile_ms(&latencies, 0.50)),
        "p99_ms": round(quantile_ms(&latencies, 0.99)),
    });
    if args.forged > 0.0 {
        summary["forged_kinds"] = cookies
            .kinds()
            .zip(&counters.forged_kinds)
            .map(|(kind, (accepted, refused))| {
                (
                    kind_name(kind),
                    json!({"refused": load(refused), "accepted": load(accepted)}),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    let failures = failures.into_error("connections", attempts, args.clients);
    Ok((summary, failures))
}

/// How long a held (or emitting) socket may take from its turn to connect to its verdict, and
/// how long the whole crowd may take to get theirs before the hold (or the emits) begins with
/// the sockets that have.
const HOLD_VERDICT_WAIT: Duration = Duration::from_secs(120);

async fn hold(args: &BenchArgs, target: Target, cookies: Arc<Cookies>) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let deadline = Arc::new(std::sync::OnceLock::<Instant>::new());
    let connected = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    // Sockets that have their verdict or failed to get one; when all have, the hold begins.
    let settled = Arc::new(AtomicU64::new(0));
    let all_in = Arc::new(tokio::sync::Notify::new());
    // For the progress line: events measured, sockets failed.
    let events = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    let total = u64::from(args.clients);
    // Each step of the opening waits at most --timeout; the hold itself has no step timeout
    // (a quiet server between ticks is not a failure).
    let steps = Deadline {
        step: args.timeout,
        hard_end: None,
    };
    // Open sockets a few hundred at a time, as a crowd of browsers would arrive.
    let gate = Arc::new(tokio::sync::Semaphore::new(256));
    for n in 0..total {
        let (target, deadline, connected, refused, settled, all_in, gate) = (
            target.clone(),
            deadline.clone(),
            connected.clone(),
            refused.clone(),
            settled.clone(),
            all_in.clone(),
            gate.clone(),
        );
        let (events, errors) = (events.clone(), errors.clone());
        let cookie = cookies.pick(n).0.to_owned();
        tasks.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await.ok();
            let opened = tokio::time::timeout(HOLD_VERDICT_WAIT, async {
                let mut ws = client::ws_open(&target, &cookie, steps).await?;
                let verdict = client::wait_verdict(&mut ws, &target, steps).await?;
                anyhow::Ok((ws, verdict))
            })
            .await
            .unwrap_or_else(|_| {
                Err(failure::TimedOut {
                    step: "waiting for the namespace's verdict",
                    after: HOLD_VERDICT_WAIT,
                }
                .into())
            });
            drop(permit);
            let opened = match opened {
                Ok((ws, Verdict::Accepted)) => {
                    connected.fetch_add(1, Ordering::Relaxed);
                    Ok(ws)
                }
                Ok((_, Verdict::Refused)) => {
                    refused.fetch_add(1, Ordering::Relaxed);
                    Err(RefusedValid.into())
                }
                Err(e) => Err(e),
            };
            if settled.fetch_add(1, Ordering::Relaxed) + 1 == total {
                all_in.notify_one();
            }
            let held = async {
                let mut ws = opened?;
                let mut delays = histogram();
                loop {
                    let until = deadline
                        .get()
                        .copied()
                        .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
                    let Ok(message) = tokio::time::timeout_at(until.into(), ws.next()).await else {
                        break;
                    };
                    let Some(message) = message else {
                        bail!("the server closed the socket")
                    };
                    let text = match message? {
                        Message::Text(text) => text,
                        Message::Close(_) => bail!("the server closed the socket"),
                        _ => continue,
                    };
                    if text.as_str() == "2" {
                        steps
                            .step("answering a ping", async {
                                Ok(ws.send(Message::text("3")).await?)
                            })
                            .await?;
                    } else if let Some(ms) = target.event_millis(text.as_str())? {
                        // Only once every socket is in: ticks received while this process is still
                        // opening sockets measure the load generator, not the server.
                        if deadline.get().is_some() {
                            // A clock ahead of ours reads as no delay at all.
                            let late = u64::try_from(now_ms().saturating_sub(ms)).unwrap_or(0);
                            record_micros(&mut delays, Duration::from_millis(late));
                            events.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Ok(delays)
            }
            .await;
            if held.as_ref().is_err_and(|e| !e.is::<RefusedValid>()) {
                errors.fetch_add(1, Ordering::Relaxed);
            }
            held
        }));
    }
    let progress = progress::Progress::start({
        let (deadline, connected, events, errors) = (
            deadline.clone(),
            connected.clone(),
            events.clone(),
            errors.clone(),
        );
        let mut last = (Instant::now(), 0);
        move |elapsed| {
            let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
            let rate = progress::rate(&mut last, load(&events));
            let (connected, errors) = (load(&connected), load(&errors));
            let elapsed = elapsed.as_secs_f64();
            if deadline.get().is_some() {
                format!(
                    "hold: {connected} sockets, {rate:.0} events/s, {errors} errors, {elapsed:.1}s"
                )
            } else {
                format!(
                    "connecting: {connected} of {total} sockets, {errors} errors, {elapsed:.1}s"
                )
            }
        }
    });
    tokio::select! {
        () = all_in.notified() => {}
        // The hold begins with the sockets that have their verdict; the others keep trying
        // until their own HOLD_VERDICT_WAIT.
        () = tokio::time::sleep(HOLD_VERDICT_WAIT) => {}
    }
    let connect_secs = started.elapsed().as_secs_f64();
    let held = connected.load(Ordering::Relaxed);
    let refused = refused.load(Ordering::Relaxed);
    if held == 0 {
        // Nothing to hold: every socket has failed or been refused (or none got a verdict in
        // the allowed time); collect why at once instead of waiting out --duration.
        let _ = deadline.set(Instant::now());
        for task in tasks.iter().filter(|task| !task.is_finished()) {
            task.abort();
        }
    } else {
        let holding = format!("sio-auth bench: holding {held} sockets");
        match &progress {
            Some(progress) => progress.note(&holding),
            None => eprintln!("{holding}"),
        }
        let _ = deadline.set(Instant::now() + args.duration);
    }
    let mut delays = histogram();
    let mut failures = Tally::default();
    let mut first_error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(d)) => delays.add(&d).context("cannot merge tick delays")?,
            Ok(Err(e)) => {
                first_error.get_or_insert_with(|| crate::exit::one_line(&*e));
                // A refusal is a verdict (valid_refused, exit 1), not a failure.
                if !e.is::<RefusedValid>() {
                    failures.add(&e);
                }
            }
            // Cut when nothing could be held, while still waiting for its verdict.
            Err(_) => failures.add(
                &failure::TimedOut {
                    step: "waiting for the namespace's verdict",
                    after: HOLD_VERDICT_WAIT,
                }
                .into(),
            ),
        }
    }
    if let Some(progress) = progress {
        progress.finish().await;
    }
    if held == 0 {
        return Err(no_socket_got_in(
            "be held",
            first_error,
            refused,
            failures,
            args.clients,
        ));
    }
    let errors = failures.total();
    let summary = json!({
        "mode": "hold",
        "sockets": held,
        "connect_seconds": round(connect_secs),
        "held_seconds": round(args.duration.as_secs_f64()),
        "events": delays.len(),
        "delay_p50_ms": round(quantile_ms(&delays, 0.50)),
        "delay_p99_ms": round(quantile_ms(&delays, 0.99)),
        "valid_refused": refused,
        "errors": errors,
        "errors_by_cause": failures.to_json(),
    });
    Ok((summary, failures.into_error("sockets", total, args.clients)))
}

/// A held (or emitting) socket's valid cookie was refused.
#[derive(Debug, thiserror::Error)]
#[error("the server refused a valid cookie")]
struct RefusedValid;

fn now_ms() -> i64 {
    i64::try_from(crate::clock::epoch_millis(SystemTime::now())).unwrap_or(i64::MAX)
}

/// The clients' histograms merged into one.
fn merged(histograms: &[Arc<std::sync::Mutex<Histogram<u64>>>]) -> Histogram<u64> {
    let mut all = histogram();
    for histogram in histograms {
        // A poisoned lock means a client panicked, which the run reports by itself; the same
        // bounds make `add` infallible.
        if let Ok(histogram) = histogram.lock() {
            let _ = all.add(&*histogram);
        }
    }
    all
}

/// Latencies in microseconds, from 1 µs to an hour, to 3 significant digits (HdrHistogram:
/// constant memory however many handshakes a run makes, exact to 0.1 %).
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("1 µs to 1 h at 3 digits is valid")
}

fn record_micros(histogram: &mut Histogram<u64>, took: Duration) {
    histogram.saturating_record(u64::try_from(took.as_micros()).unwrap_or(u64::MAX));
}

/// The value at quantile `q` in milliseconds; 0 for an empty histogram.
fn quantile_ms(histogram: &Histogram<u64>, q: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let micros = histogram.value_at_quantile(q) as f64;
    micros / 1000.0
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The error of a hold or emit run in which no socket got in (so nothing ran): the first
/// socket's error, and exit 1 when some were refused, else the exit of the failures' cause.
fn no_socket_got_in(
    could: &str,
    first_error: Option<String>,
    refused: u64,
    failures: Tally,
    clients: u32,
) -> anyhow::Error {
    let why = first_error.unwrap_or_else(|| format!("no verdict within {HOLD_VERDICT_WAIT:?}"));
    let exit = if refused > 0 {
        Exit::Negative
    } else {
        failures
            .into_error("sockets", u64::from(clients), clients)
            .map_or(Exit::Network, |e| crate::exit::exit_for(&e))
    };
    crate::exit::failure(exit, anyhow!("no socket could {could}: {why}"))
}
