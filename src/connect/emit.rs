//! `--emit` and `--ack`: the emits, sent in order once the namespace accepts the socket; with
//! `--ack` one at a time, each waiting for its ack, so acks print in emit order and at most one
//! is outstanding (rust_socketio 0.6 draws ack ids at random from 0..999: two outstanding acks
//! could share one).

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

use super::output::args_of;
use super::plan::{DEFAULT_CONNECT_TIMEOUT, Plan};
use crate::exit::{Exit, failure};

/// The client of an accepted socket, to emit with.
pub(super) struct Handle(pub(super) Client);

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Handle")
    }
}

/// An ack as it came: the index of its emit, its payload, when.
#[derive(Debug)]
pub(super) struct Ack {
    index: usize,
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

/// The emits still to send, and the ack awaited.
#[derive(Debug)]
pub(super) struct Emitter {
    handle: Handle,
    acks: mpsc::UnboundedSender<Ack>,
    next: usize,
    /// The emit whose ack is awaited, and when it was sent.
    awaited: Option<(usize, Instant)>,
}

impl Emitter {
    pub(super) fn new(handle: Handle, acks: mpsc::UnboundedSender<Ack>) -> Self {
        Self {
            handle,
            acks,
            next: 0,
            awaited: None,
        }
    }

    pub(super) fn awaited(&self) -> Option<(usize, Instant)> {
        self.awaited
    }

    pub(super) fn is_done(&self, plan: &Plan) -> bool {
        self.awaited.is_none() && self.next >= plan.emits.len()
    }

    /// Sends the emits that need not wait: all of them without `--ack`, else the next one.
    pub(super) async fn send_ready(&mut self, plan: &Plan) -> anyhow::Result<()> {
        while self.awaited.is_none() && self.next < plan.emits.len() {
            let index = self.next;
            let emit = &plan.emits[index];
            let payload = Payload::Text(emit.args.clone());
            let sent = if plan.ack {
                let acks = self.acks.clone();
                let callback = move |payload: Payload, _: Client| -> BoxFuture<'static, ()> {
                    let _ = acks.send(Ack {
                        index,
                        payload,
                        at: Instant::now(),
                    });
                    Box::pin(async {})
                };
                self.awaited = Some((index, Instant::now()));
                // The library's own timeout only drops a late ack: ours decides, a bit sooner.
                let patience = ack_timeout(plan) + Duration::from_secs(1);
                self.handle
                    .0
                    .emit_with_ack(emit.event.as_str(), payload, patience, callback)
                    .await
            } else {
                self.handle.0.emit(emit.event.as_str(), payload).await
            };
            sent.map_err(|e| {
                failure(
                    Exit::Network,
                    anyhow::anyhow!("cannot emit {}: {}", emit.event, crate::exit::one_line(&e)),
                )
            })?;
            self.next += 1;
        }
        Ok(())
    }

    /// Prints the awaited ack; any other (a second part of a binary ack) is ignored.
    pub(super) fn acked(&mut self, plan: &Plan, ack: &Ack) -> anyhow::Result<()> {
        let Some((index, sent_at)) = self.awaited else {
            return Ok(());
        };
        if ack.index != index {
            return Ok(());
        }
        self.awaited = None;
        let rtt = ack.at.saturating_duration_since(sent_at);
        let line = ack_line(plan, &plan.emits[index].event, &ack.payload, rtt);
        let mut out = io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .context("cannot write to stdout")
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
