//! The `--emit EVENT [ARGS]` scenario: `--clients` sockets join the namespace, then each emits
//! EVENT with an ack id for `--duration` and times each ack: closed loop (the next emit when the
//! last ack is back) or open loop (`--rate` emits a second per socket on a fixed schedule,
//! each round trip timed from its slot in the schedule, so that a late send shows as latency
//! rather than as a missing sample: no coordinated omission).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::Value;
use sio_auth::wire::engine;
use sio_auth::wire::socket::{self, Kind, Verdict};
use tokio_tungstenite::tungstenite::Message;

use super::client::{self, Deadline, Target, Ws};
use super::failure::{Tally, TimedOut};
use super::forgery::Cookies;
use super::progress::Progress;
use super::{
    HOLD_VERDICT_WAIT, Outcome, RefusedValid, histogram, no_socket_got_in, quantile_ms,
    record_micros, round,
};
use crate::cli::BenchArgs;
use crate::exit::Exit;

/// A send later than this after its slot counts as late (open loop). tokio's timer has a
/// millisecond grain, and the wait for it ends on a millisecond too: a send up to 2 ms after its
/// slot is the timer, not the load generator falling behind (its delay still counts in the
/// round trip, which runs from the slot).
const LATE: Duration = Duration::from_millis(2);

/// What to emit, read from `--emit EVENT [ARGS]` and `--rate` before any network activity.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    event: String,
    /// `["EVENT",…args]`, the packet's data after its ack id.
    data: String,
    /// Emits per second per socket (open loop), or `None` (closed loop).
    rate: Option<f64>,
}

impl Plan {
    /// The plan of `--emit`, `None` without it.
    pub(super) fn new(args: &BenchArgs) -> anyhow::Result<Option<Self>> {
        let Some(parts) = &args.emit else {
            return Ok(None);
        };
        let (event, values) = match parts.as_slice() {
            [event] => (event, Vec::new()),
            [event, text] => (
                event,
                crate::cli::emit_args(&format!("--emit {event}: ARGS"), text)?,
            ),
            _ => bail!("--emit takes EVENT and at most one ARGS"),
        };
        if event.is_empty() {
            bail!("--emit: the event name is empty");
        }
        let mut all = vec![Value::String(event.clone())];
        all.extend(values);
        Ok(Some(Self {
            event: event.clone(),
            data: serde_json::to_string(&all).context("cannot write the emit's JSON")?,
            rate: args.rate,
        }))
    }
}

/// The summary of an emit run, as printed (in this order) and as `--json` gives it.
#[derive(Debug, Serialize)]
struct Summary {
    mode: &'static str,
    event: String,
    /// `closed` (the next emit once the last ack is back) or `open` (`--rate`).
    #[serde(rename = "loop")]
    loop_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rate_per_socket: Option<f64>,
    clients: u32,
    sockets: u64,
    connect_seconds: f64,
    /// From the start of the emits to the last ack (at least --duration).
    seconds: f64,
    emits: u64,
    acks: u64,
    acks_per_second: f64,
    rtt_p50_ms: f64,
    rtt_p90_ms: f64,
    rtt_p99_ms: f64,
    rtt_p99_9_ms: f64,
    rtt_max_ms: f64,
    /// Open loop: emits sent more than [`LATE`] after their slot.
    #[serde(skip_serializing_if = "Option::is_none")]
    late_sends: Option<u64>,
    /// Open loop: how long after their slots the emits went out (part of every round trip).
    #[serde(skip_serializing_if = "Option::is_none")]
    send_lag_p50_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    send_lag_p99_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    send_lag_max_ms: Option<f64>,
    timeouts: u64,
    valid_refused: u64,
    errors: u64,
    errors_by_cause: Value,
}

/// What every socket adds to while the run goes, read by the progress line.
#[derive(Debug, Default)]
struct Live {
    emits: AtomicU64,
    acks: AtomicU64,
    timeouts: AtomicU64,
    late: AtomicU64,
    /// Sockets that failed to connect or broke.
    errors: AtomicU64,
    connected: AtomicU64,
}

/// One socket's round trips in microseconds; a mutex only so that the progress line can read
/// it (the socket's task is its only writer).
type Rtts = Arc<Mutex<Histogram<u64>>>;

/// When the emits begin and when no new one may be sent, set once every socket is in.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

pub(super) async fn run(
    args: &BenchArgs,
    plan: Plan,
    target: Target,
    cookies: Arc<Cookies>,
) -> anyhow::Result<Outcome> {
    let plan = Arc::new(plan);
    let live = Arc::new(Live::default());
    let refused = Arc::new(AtomicU64::new(0));
    let settled = Arc::new(AtomicU64::new(0));
    let all_in = Arc::new(tokio::sync::Notify::new());
    let (window_tx, window_rx) = tokio::sync::watch::channel(None::<Window>);
    let total = u64::from(args.clients);
    let steps = Deadline {
        step: args.timeout,
        hard_end: None,
    };
    let timeout = args.timeout;
    let gate = Arc::new(tokio::sync::Semaphore::new(256));
    let started = Instant::now();
    let mut rtts = Vec::new();
    let mut tasks = Vec::new();
    for n in 0..total {
        let (target, plan, live, refused, settled, all_in, gate, mut window_rx) = (
            target.clone(),
            plan.clone(),
            live.clone(),
            refused.clone(),
            settled.clone(),
            all_in.clone(),
            gate.clone(),
            window_rx.clone(),
        );
        let cookie = cookies.pick(n).0.to_owned();
        let mine: Rtts = Arc::new(Mutex::new(histogram()));
        rtts.push(mine.clone());
        // Spread the sockets' schedules over one period, so they do not all send at once.
        #[allow(clippy::cast_precision_loss)]
        let phase = n as f64 / total as f64;
        tasks.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await.ok();
            let opened = tokio::time::timeout(HOLD_VERDICT_WAIT, async {
                let mut ws = client::ws_open(&target, &cookie, steps).await?;
                let verdict = client::wait_verdict(&mut ws, &target, steps).await?;
                anyhow::Ok((ws, verdict))
            })
            .await
            .unwrap_or_else(|_| {
                Err(TimedOut {
                    step: "waiting for the namespace's verdict",
                    after: HOLD_VERDICT_WAIT,
                }
                .into())
            });
            drop(permit);
            let opened = match opened {
                Ok((ws, Verdict::Accepted)) => {
                    live.connected.fetch_add(1, Ordering::Relaxed);
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
            let result = async {
                let mut ws = opened?;
                let window = wait_window(&mut ws, &mut window_rx).await?;
                let socket = Socket {
                    prefix: target.event_prefix(),
                    ws: &mut ws,
                    target: &target,
                    plan: &plan,
                    live: &live,
                    rtts: &mine,
                    timeout,
                };
                match plan.rate {
                    None => socket.closed_loop(window).await,
                    Some(rate) => socket.open_loop(window, rate, phase).await,
                }
            }
            .await;
            if result
                .as_ref()
                .is_err_and(|e| !e.is::<RefusedValid>() && !e.is::<NoWindow>())
            {
                live.errors.fetch_add(1, Ordering::Relaxed);
            }
            result
        }));
    }
    let progress = Progress::start({
        let (live, rtts) = (live.clone(), rtts.clone());
        let mut last = (Instant::now(), 0);
        move |elapsed| progress_line(&live, &rtts, total, &mut last, elapsed)
    });
    tokio::select! {
        () = all_in.notified() => {}
        () = tokio::time::sleep(HOLD_VERDICT_WAIT) => {}
    }
    let connect_secs = started.elapsed().as_secs_f64();
    let sockets = live.connected.load(Ordering::Relaxed);
    let refused = refused.load(Ordering::Relaxed);
    let start = Instant::now();
    let window = Window {
        start,
        end: start + args.duration,
    };
    if sockets > 0 {
        // Dropped receivers only mean that socket is gone: nothing to tell it.
        let _ = window_tx.send(Some(window));
    } else {
        // Nothing can emit: collect why at once.
        drop(window_tx);
        for task in tasks.iter().filter(|task| !task.is_finished()) {
            task.abort();
        }
    }
    let mut failures = Tally::default();
    let mut first_error = None;
    let mut last_ack = window.end;
    let mut lags = histogram();
    for task in tasks {
        match task.await {
            Ok(Ok(done)) => {
                last_ack = last_ack.max(done.last_ack);
                lags.add(&done.lags).context("cannot merge send lags")?;
            }
            Ok(Err(e)) => {
                first_error.get_or_insert_with(|| crate::exit::one_line(&*e));
                if !e.is::<RefusedValid>() && !e.is::<NoWindow>() {
                    failures.add(&e);
                }
            }
            Err(_) => failures.add(
                &TimedOut {
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
    if sockets == 0 {
        return Err(no_socket_got_in(
            "emit",
            first_error,
            refused,
            failures,
            args.clients,
        ));
    }
    let mut all = histogram();
    for rtts in &rtts {
        let rtts = rtts
            .lock()
            .map_err(|_| anyhow!("a bench client panicked"))?;
        all.add(&*rtts).context("cannot merge round trips")?;
    }
    let seconds = (last_ack - window.start).as_secs_f64();
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let (acks, timeouts) = (load(&live.acks), load(&live.timeouts));
    #[allow(clippy::cast_precision_loss)]
    let acks_per_second = acks as f64 / seconds;
    let summary = Summary {
        mode: "emit",
        event: plan.event.clone(),
        loop_kind: if plan.rate.is_some() {
            "open"
        } else {
            "closed"
        },
        rate_per_socket: plan.rate,
        clients: args.clients,
        sockets,
        connect_seconds: round(connect_secs),
        seconds: round(seconds),
        emits: load(&live.emits),
        acks,
        acks_per_second: round(acks_per_second),
        rtt_p50_ms: round(quantile_ms(&all, 0.50)),
        rtt_p90_ms: round(quantile_ms(&all, 0.90)),
        rtt_p99_ms: round(quantile_ms(&all, 0.99)),
        rtt_p99_9_ms: round(quantile_ms(&all, 0.999)),
        rtt_max_ms: round(max_ms(&all)),
        late_sends: plan.rate.map(|_| load(&live.late)),
        send_lag_p50_ms: plan.rate.map(|_| round(quantile_ms(&lags, 0.50))),
        send_lag_p99_ms: plan.rate.map(|_| round(quantile_ms(&lags, 0.99))),
        send_lag_max_ms: plan.rate.map(|_| round(max_ms(&lags))),
        timeouts,
        valid_refused: refused,
        errors: failures.total(),
        errors_by_cause: failures.to_json(),
    };
    let summary = serde_json::to_value(&summary).context("cannot write the summary")?;
    let error = failures
        .into_error("sockets", total, args.clients)
        .or_else(|| {
            (timeouts > 0).then(|| {
                crate::exit::failure(
                    Exit::Timeout,
                    anyhow!(
                        "{timeouts} of {} acks did not come within {}: the server is \
                         overloaded or does not acknowledge {:?} (--timeout sets the wait)",
                        load(&live.emits),
                        crate::cli::show_duration(timeout),
                        plan.event
                    ),
                )
            })
        });
    Ok((summary, error))
}

/// The emits never began: no socket was held (this one had its verdict too late).
#[derive(Debug, thiserror::Error)]
#[error("the run ended before this socket could emit")]
struct NoWindow;

/// Waits for the run's window, answering pings meanwhile (opening thousands of sockets can take
/// longer than the server's ping timeout).
async fn wait_window(
    ws: &mut Ws,
    window: &mut tokio::sync::watch::Receiver<Option<Window>>,
) -> anyhow::Result<Window> {
    loop {
        let current = *window.borrow_and_update();
        if let Some(w) = current {
            return Ok(w);
        }
        tokio::select! {
            changed = window.changed() => if changed.is_err() {
                return Err(NoWindow.into());
            },
            message = ws.next() => {
                if let Some(ping) = ping_or_close(message)? {
                    ws.send(Message::text(format!("3{ping}"))).await?;
                }
            }
        }
    }
}

/// Reads a message that is not expected to be an ack: the data of a ping, to be answered;
/// an error when the socket closed.
fn ping_or_close(
    message: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
) -> anyhow::Result<Option<String>> {
    let message = message.ok_or_else(|| anyhow!("the server closed the socket"))??;
    match message {
        Message::Text(text) => match engine::Packet::parse(text.as_str())? {
            engine::Packet::Ping(data) => Ok(Some(data.to_owned())),
            engine::Packet::Close => bail!("the server closed the Engine.IO session"),
            _ => Ok(None),
        },
        Message::Close(_) => bail!("the server closed the socket"),
        _ => Ok(None),
    }
}

/// One socket in the run.
struct Socket<'a> {
    /// `42` or `42/ns,`: the start of every emit, before its ack id.
    prefix: String,
    ws: &'a mut Ws,
    target: &'a Target,
    plan: &'a Plan,
    live: &'a Live,
    rtts: &'a Rtts,
    timeout: Duration,
}

/// A socket's run, to the end.
struct Done {
    /// When its last ack came (the window's start if none did).
    last_ack: Instant,
    /// Open loop: how late each emit went out after its slot, in microseconds.
    lags: Histogram<u64>,
}

/// What one frame from the server was.
enum Frame {
    /// The ack of this id.
    Ack(u64),
    /// Anything else: a tick, another namespace's packet, a pong, a binary attachment.
    Other,
}

impl Socket<'_> {
    /// Emits, waits for the ack (at most --timeout), emits again, until the window's end.
    /// Returns when the last ack came.
    async fn closed_loop(mut self, window: Window) -> anyhow::Result<Done> {
        let mut last_ack = window.start;
        let mut id = 0u64;
        while Instant::now() < window.end {
            let sent = Instant::now();
            self.emit(id).await?;
            let until = sent + self.timeout;
            loop {
                let Ok(message) = tokio::time::timeout_at(until.into(), self.ws.next()).await
                else {
                    self.live.timeouts.fetch_add(1, Ordering::Relaxed);
                    break;
                };
                // An ack of an earlier emit, which timed out, is no answer to this one.
                if let Frame::Ack(acked) = self.read(message).await?
                    && acked == id
                {
                    let at = Instant::now();
                    self.record(at - sent);
                    last_ack = at;
                    break;
                }
            }
            id += 1;
        }
        Ok(Done {
            last_ack,
            lags: histogram(),
        })
    }

    /// Emits on a fixed schedule, `rate` a second from `phase` of a period after the window's
    /// start, whatever the acks do; each round trip is timed from its emit's slot. Returns when
    /// the last ack came.
    async fn open_loop(mut self, window: Window, rate: f64, phase: f64) -> anyhow::Result<Done> {
        let period = 1.0 / rate;
        let slot = |k: u64| {
            #[allow(clippy::cast_precision_loss)]
            let at = (k as f64 + phase) * period;
            window.start + Duration::from_secs_f64(at)
        };
        let mut last_ack = window.start;
        let mut lags = histogram();
        let mut next = 0u64;
        // Emits waiting for their ack: (id, slot), in id order.
        let mut pending: VecDeque<(u64, Instant)> = VecDeque::new();
        loop {
            let now = Instant::now();
            let due = slot(next);
            if due < window.end && due <= now {
                record_micros(&mut lags, now - due);
                if now - due > LATE {
                    self.live.late.fetch_add(1, Ordering::Relaxed);
                }
                self.emit(next).await?;
                pending.push_back((next, due));
                next += 1;
                continue;
            }
            while pending
                .front()
                .is_some_and(|&(_, slot)| slot + self.timeout <= now)
            {
                pending.pop_front();
                self.live.timeouts.fetch_add(1, Ordering::Relaxed);
            }
            let sending = due < window.end;
            let wake = match (sending, pending.front()) {
                (true, Some(&(_, slot))) => due.min(slot + self.timeout),
                (true, None) => due,
                (false, Some(&(_, slot))) => slot + self.timeout,
                (false, None) => break,
            };
            tokio::select! {
                message = self.ws.next() => {
                    if let Frame::Ack(acked) = self.read(message).await?
                        && let Ok(i) = pending.binary_search_by_key(&acked, |&(id, _)| id)
                        && let Some((_, slot)) = pending.remove(i)
                    {
                        let at = Instant::now();
                        self.record(at.saturating_duration_since(slot));
                        last_ack = at;
                    }
                }
                () = tokio::time::sleep_until(wake.into()) => {}
            }
        }
        Ok(Done { last_ack, lags })
    }

    async fn emit(&mut self, id: u64) -> anyhow::Result<()> {
        let frame = format!("{}{id}{}", self.prefix, self.plan.data);
        let ws = &mut *self.ws;
        Deadline {
            step: self.timeout,
            hard_end: None,
        }
        .step("sending an emit", async {
            Ok(ws.send(Message::text(frame)).await?)
        })
        .await?;
        self.live.emits.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Reads one frame: an ack of our namespace, or anything else (a ping is answered). An
    /// error when the socket closed, the server disconnected us or sent a malformed packet.
    async fn read(
        &mut self,
        message: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> anyhow::Result<Frame> {
        let message = message.ok_or_else(|| anyhow!("the server closed the socket"))??;
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => bail!("the server closed the socket"),
            _ => return Ok(Frame::Other),
        };
        match engine::Packet::parse(text.as_str())? {
            engine::Packet::Ping(data) => {
                let pong = format!("3{data}");
                self.ws.send(Message::text(pong)).await?;
                Ok(Frame::Other)
            }
            engine::Packet::Close => bail!("the server closed the Engine.IO session"),
            engine::Packet::Message(text) => {
                let packet = socket::Packet::parse(text)?;
                if packet.namespace != self.target.namespace() {
                    return Ok(Frame::Other);
                }
                if packet.kind == Kind::Disconnect {
                    bail!(
                        "the server disconnected the socket from {}",
                        packet.namespace
                    );
                }
                match packet.ack_args() {
                    Some(ack) => Ok(Frame::Ack(ack?.id)),
                    None => Ok(Frame::Other),
                }
            }
            _ => Ok(Frame::Other),
        }
    }

    fn record(&self, rtt: Duration) {
        self.live.acks.fetch_add(1, Ordering::Relaxed);
        // Only the progress line shares it, for a moment every 500 ms; a poisoned lock means a
        // panic elsewhere, which ends the run anyway.
        if let Ok(mut rtts) = self.rtts.lock() {
            record_micros(&mut rtts, rtt);
        }
    }
}

fn max_ms(histogram: &Histogram<u64>) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let micros = histogram.max() as f64;
    micros / 1000.0
}

/// `emit: 12.0s  9 876 acks/s  p99 1.23ms  0 timeouts  0 errors`, or the sockets connected
/// so far before the emits begin.
fn progress_line(
    live: &Live,
    rtts: &[Rtts],
    total: u64,
    last: &mut (Instant, u64),
    elapsed: Duration,
) -> String {
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let errors = load(&live.errors);
    let rate = super::progress::rate(last, load(&live.acks));
    if load(&live.emits) == 0 {
        return format!(
            "connecting: {} of {total} sockets, {errors} errors, {:.1}s",
            load(&live.connected),
            elapsed.as_secs_f64()
        );
    }
    format!(
        "emit: {:.0} acks/s, p99 {:.2}ms, {} timeouts, {errors} errors, {:.1}s",
        rate,
        quantile_ms(&super::merged(rtts), 0.99),
        load(&live.timeouts),
        elapsed.as_secs_f64()
    )
}
