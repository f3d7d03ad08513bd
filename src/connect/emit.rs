//! `--emit`, `--stdin` and `--ack`: the emits, sent in order once the namespace accepts the
//! socket (`--stdin`'s as their lines arrive); an emit that asks for an ack is sent alone and
//! waited for, so acks print in emit order and at most one is outstanding (rust_socketio 0.6
//! draws ack ids at random from 0..999: two outstanding acks could share one).
//!
//! The [`Outbox`] outlives a connection: after a reconnection (`--reconnect`) the emits not yet
//! sent go on the new one, and so does the one whose ack never came.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Write as _};
use std::time::Duration;

use anyhow::Context as _;
use futures_util::future::BoxFuture;
use rust_socketio::Payload;
use rust_socketio::asynchronous::Client;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::input::{Input, read_stdin};
use super::output::args_of;
use super::plan::{DEFAULT_CONNECT_TIMEOUT, Emit, Plan};
use crate::exit::{Exit, failure};

/// The client of an accepted socket, to emit with, and where its acks go.
pub(super) struct Handle(pub(super) Client);

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Handle")
    }
}

/// An ack as it came: the number of its emit, its payload, when.
#[derive(Debug)]
pub(super) struct Ack {
    number: u64,
    payload: Payload,
    at: Instant,
}

/// How long an ack may take: `--timeout`, or socket.io-client's 20 s default.
pub(super) fn ack_timeout(plan: &Plan) -> Duration {
    plan.timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT)
}

/// Sleeps until `at`, or forever.
pub(super) async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// An emit sent with an ack request, not yet acknowledged.
#[derive(Debug)]
struct Awaited {
    number: u64,
    emit: Emit,
    sent_at: Instant,
}

/// What is still to send, from `--emit` and `--stdin`, across connections.
#[derive(Debug)]
pub(super) struct Outbox {
    queue: VecDeque<Emit>,
    /// `--stdin`'s lines until its end, or until a line ended the reading.
    stdin: Option<mpsc::UnboundedReceiver<Input>>,
    /// A malformed stdin line, once every emit before it is sent.
    malformed: Option<String>,
    awaited: Option<Awaited>,
    /// Emits sent so far: the number of the next.
    sent: u64,
}

impl Outbox {
    pub(super) fn new(plan: &Plan) -> Self {
        Self {
            queue: plan.emits.iter().cloned().collect(),
            stdin: plan.stdin.then(|| read_stdin(plan.ack)),
            malformed: None,
            awaited: None,
            sent: 0,
        }
    }

    /// Nothing left to send or to wait for.
    pub(super) fn is_done(&self) -> bool {
        self.queue.is_empty()
            && self.stdin.is_none()
            && self.malformed.is_none()
            && self.awaited.is_none()
    }

    /// The event and send time of the emit whose ack is awaited.
    pub(super) fn awaited(&self) -> Option<(&str, Instant)> {
        self.awaited
            .as_ref()
            .map(|a| (a.emit.event.as_str(), a.sent_at))
    }

    /// A new connection: the emit whose ack the last one never got goes again, first.
    pub(super) fn reconnected(&mut self) {
        if let Some(awaited) = self.awaited.take() {
            self.queue.push_front(awaited.emit);
        }
    }

    /// The next line from stdin; never, without `--stdin` or after its end.
    pub(super) async fn next_line(&mut self) -> Option<Input> {
        match &mut self.stdin {
            Some(lines) => lines.recv().await,
            None => std::future::pending().await,
        }
    }

    /// Takes in what stdin gave: `None` is its end.
    pub(super) fn take_line(&mut self, input: Option<Input>) -> anyhow::Result<()> {
        match input {
            Some(Input::Emit(emit)) => self.queue.push_back(emit),
            Some(Input::Malformed(why)) => {
                self.stdin = None;
                self.malformed = Some(why);
            }
            Some(Input::Failed(e)) => {
                return Err(failure(
                    Exit::Io,
                    anyhow::Error::new(e).context("cannot read stdin"),
                ));
            }
            None => self.stdin = None,
        }
        Ok(())
    }

    /// Sends what need not wait: every emit up to and including the first that asks for an ack.
    /// Returns whether anything was sent.
    pub(super) async fn send_ready(
        &mut self,
        plan: &Plan,
        handle: &Handle,
        acks: &mpsc::UnboundedSender<Ack>,
    ) -> anyhow::Result<bool> {
        let mut sent_any = false;
        while self.awaited.is_none() {
            let Some(emit) = self.queue.pop_front() else {
                if let Some(why) = self.malformed.take() {
                    return Err(failure(Exit::Usage, anyhow::anyhow!("{why}")));
                }
                break;
            };
            let number = self.sent;
            let payload = Payload::Text(emit.args.clone());
            let sent_at = Instant::now();
            let sent = if emit.ack {
                let acks = acks.clone();
                let callback = move |payload: Payload, _: Client| -> BoxFuture<'static, ()> {
                    let _ = acks.send(Ack {
                        number,
                        payload,
                        at: Instant::now(),
                    });
                    Box::pin(async {})
                };
                // The library's own timeout only drops a late ack: ours decides, a bit sooner.
                let patience = ack_timeout(plan) + Duration::from_secs(1);
                handle
                    .0
                    .emit_with_ack(emit.event.as_str(), payload, patience, callback)
                    .await
            } else {
                handle.0.emit(emit.event.as_str(), payload).await
            };
            if let Err(e) = sent {
                return Err(failure(
                    Exit::Network,
                    anyhow::anyhow!("cannot emit {}: {}", emit.event, crate::exit::one_line(&e)),
                ));
            }
            if emit.ack {
                self.awaited = Some(Awaited {
                    number,
                    emit,
                    sent_at,
                });
            }
            self.sent += 1;
            sent_any = true;
        }
        Ok(sent_any)
    }

    /// Prints the awaited ack and returns true; any other (a late ack of an emit from before a
    /// reconnection, a second part of a binary ack) is ignored.
    pub(super) fn acked(&mut self, plan: &Plan, ack: &Ack) -> anyhow::Result<bool> {
        let Some(awaited) = self.awaited.take_if(|a| a.number == ack.number) else {
            return Ok(false);
        };
        let rtt = ack.at.saturating_duration_since(awaited.sent_at);
        let line = ack_line(plan, &awaited.emit.event, &ack.payload, rtt);
        let mut out = io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .context("cannot write to stdout")?;
        Ok(true)
    }
}

/// The ack's arguments: rust_socketio hands a text ack's JSON array over as one value.
fn ack_args(payload: &Payload) -> Vec<Value> {
    match payload {
        Payload::Text(values) => match values.as_slice() {
            [Value::Array(args)] => args.clone(),
            _ => values.clone(),
        },
        other => args_of(other),
    }
}

/// Plain: the arguments as one JSON array; `--json`: `{"ack":…,"args":[…],"rtt_ms":…}`.
fn ack_line(plan: &Plan, event: &str, payload: &Payload, rtt: Duration) -> String {
    let args = ack_args(payload);
    if !plan.json {
        return Value::Array(args).to_string();
    }
    /// One ack line of `connect --json`, keys in the documented order.
    #[derive(serde::Serialize)]
    struct Line<'a> {
        ack: &'a str,
        args: Vec<Value>,
        rtt_ms: f64,
    }
    let line = Line {
        ack: event,
        args,
        rtt_ms: (rtt.as_secs_f64() * 1e6).round() / 1e3,
    };
    // Strings, numbers and JSON values only: serializing cannot fail.
    serde_json::to_string(&line).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ack_arguments() {
        let text = Payload::Text(vec![json!(["a", {"b": [1]}])]);
        assert_eq!(ack_args(&text), vec![json!("a"), json!({"b": [1]})]);
        assert_eq!(
            ack_args(&Payload::Text(vec![json!([])])),
            Vec::<Value>::new()
        );
        let binary = Payload::Binary(vec![0, 1, 2, 255].into());
        assert_eq!(ack_args(&binary), vec![json!({"base64": "AAEC/w=="})]);
    }
}
