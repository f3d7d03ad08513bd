//! `--emit`, `--stdin` and `--ack`: the emits, sent in order once the namespace accepts the
//! socket (`--stdin`'s as their lines arrive), without waiting for acks: several may be
//! outstanding (the vendored rust_socketio numbers ack ids 0, 1, 2, … per client, so no two
//! share one). Acks print in emit order: one that comes before an earlier emit's waits for it.
//! A binary ack comes as its arguments (placeholders where the binary goes) and then each
//! attachment; it prints once whole, every binary argument in place as `{"base64":…}`.
//!
//! The [`Outbox`] outlives a connection: after a reconnection (`--reconnect`) the emits not yet
//! sent go on the new one, and so do those whose ack never came, in their order.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Write as _};
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use rust_socketio::Payload;
use rust_socketio::asynchronous::Client;
use serde_json::Value;
use sio_auth::wire::socket::placeholder;
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

/// An emit sent with an ack request, until its ack is printed.
#[derive(Debug)]
struct Awaited {
    /// The number of the emit as last sent: its ack's callback carries it.
    number: u64,
    emit: Emit,
    sent_at: Instant,
    reply: Reply,
}

/// How far an awaited emit's ack has come.
#[derive(Debug)]
enum Reply {
    /// To send (again) on this connection: the last one broke before its ack came.
    Unsent,
    /// Sent, nothing back yet.
    Waiting,
    /// A binary ack's arguments, waiting for their attachments.
    Partial {
        args: Vec<Value>,
        wanted: usize,
        attachments: Vec<Bytes>,
        at: Instant,
    },
    /// The ack's line, printed once every ack before it is.
    Complete(String),
}

/// What is still to send, from `--emit` and `--stdin`, across connections.
#[derive(Debug)]
pub(super) struct Outbox {
    queue: VecDeque<Emit>,
    /// `--stdin`'s lines until its end, or until a line ended the reading.
    stdin: Option<mpsc::UnboundedReceiver<Input>>,
    /// A malformed stdin line, once every emit before it is sent.
    malformed: Option<String>,
    /// In emit order; the first is never complete (complete ones at the front are printed).
    awaited: VecDeque<Awaited>,
    /// Emits sent so far: the number of the next.
    sent: u64,
}

impl Outbox {
    pub(super) fn new(plan: &Plan) -> Self {
        Self {
            queue: plan.emits.iter().cloned().collect(),
            stdin: plan.stdin.then(|| read_stdin(plan.ack)),
            malformed: None,
            awaited: VecDeque::new(),
            sent: 0,
        }
    }

    /// Nothing left to send or to wait for.
    pub(super) fn is_done(&self) -> bool {
        self.queue.is_empty()
            && self.stdin.is_none()
            && self.malformed.is_none()
            && self.awaited.is_empty()
    }

    /// The event and send time of the first emit whose ack is awaited: the first to time out
    /// (the emits go in order).
    pub(super) fn awaited(&self) -> Option<(&str, Instant)> {
        self.awaited
            .front()
            .map(|a| (a.emit.event.as_str(), a.sent_at))
    }

    /// A new connection: the emits whose ack the last one never got go again, first.
    pub(super) fn reconnected(&mut self) {
        for awaited in &mut self.awaited {
            if !matches!(awaited.reply, Reply::Complete(_)) {
                awaited.reply = Reply::Unsent;
            }
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

    /// Sends everything there is to send: first the emits to send again after a reconnection,
    /// then the queue. A malformed stdin line ends the run (exit 2) once every emit before it
    /// is sent and acknowledged. Returns whether anything was sent.
    pub(super) async fn send_ready(
        &mut self,
        plan: &Plan,
        handle: &Handle,
        acks: &mpsc::UnboundedSender<Ack>,
    ) -> anyhow::Result<bool> {
        let mut sent_any = false;
        for index in 0..self.awaited.len() {
            if !matches!(self.awaited[index].reply, Reply::Unsent) {
                continue;
            }
            let number = self.sent;
            let sent_at = send(plan, handle, acks, &self.awaited[index].emit, number).await?;
            let awaited = &mut self.awaited[index];
            awaited.number = number;
            awaited.sent_at = sent_at;
            awaited.reply = Reply::Waiting;
            self.sent += 1;
            sent_any = true;
        }
        while let Some(emit) = self.queue.pop_front() {
            let number = self.sent;
            let sent_at = send(plan, handle, acks, &emit, number).await?;
            if emit.ack {
                self.awaited.push_back(Awaited {
                    number,
                    emit,
                    sent_at,
                    reply: Reply::Waiting,
                });
            }
            self.sent += 1;
            sent_any = true;
        }
        if self.awaited.is_empty()
            && let Some(why) = self.malformed.take()
        {
            return Err(failure(Exit::Usage, anyhow::anyhow!("{why}")));
        }
        Ok(sent_any)
    }

    /// Takes in a part of an ack, and prints every ack now due, in emit order; returns whether
    /// one printed.
    pub(super) fn acked(&mut self, plan: &Plan, ack: &Ack) -> anyhow::Result<bool> {
        let due = self.take_ack(plan, ack);
        if due.is_empty() {
            return Ok(false);
        }
        let mut out = io::stdout().lock();
        due.iter()
            .try_for_each(|line| writeln!(out, "{line}"))
            .and_then(|()| out.flush())
            .context("cannot write to stdout")?;
        Ok(true)
    }

    /// Takes in a part of an ack; returns the lines of the acks now due, in emit order. A part
    /// that matches no emit awaited (a late ack of an emit from before a reconnection) is
    /// ignored.
    fn take_ack(&mut self, plan: &Plan, ack: &Ack) -> Vec<String> {
        if let Some(awaited) = self
            .awaited
            .iter_mut()
            .find(|a| a.number == ack.number && !matches!(a.reply, Reply::Unsent))
        {
            awaited.take(plan, ack);
        }
        let mut due = Vec::new();
        while let Some(Awaited {
            reply: Reply::Complete(_),
            ..
        }) = self.awaited.front()
        {
            if let Some(Awaited {
                reply: Reply::Complete(line),
                ..
            }) = self.awaited.pop_front()
            {
                due.push(line);
            }
        }
        due
    }
}

impl Awaited {
    /// One part of the ack: its arguments, or (a binary ack) one attachment after them.
    fn take(&mut self, plan: &Plan, ack: &Ack) {
        let reply = std::mem::replace(&mut self.reply, Reply::Waiting);
        self.reply = match (reply, &ack.payload) {
            (Reply::Waiting, payload) => {
                let args = ack_args(payload);
                match count_placeholders(&args) {
                    0 => self.complete(plan, args, ack.at),
                    wanted => Reply::Partial {
                        args,
                        wanted,
                        attachments: Vec::new(),
                        at: ack.at,
                    },
                }
            }
            (
                Reply::Partial {
                    mut args,
                    wanted,
                    mut attachments,
                    at,
                },
                Payload::Binary(bytes),
            ) => {
                attachments.push(bytes.clone());
                if attachments.len() < wanted {
                    Reply::Partial {
                        args,
                        wanted,
                        attachments,
                        at,
                    }
                } else {
                    for arg in &mut args {
                        fill_placeholders(arg, &attachments);
                    }
                    self.complete(plan, args, at)
                }
            }
            // Nothing else comes for an ack; if it did, what there is stays.
            (reply, _) => reply,
        };
    }

    fn complete(&self, plan: &Plan, args: Vec<Value>, at: Instant) -> Reply {
        let rtt = at.saturating_duration_since(self.sent_at);
        Reply::Complete(ack_line(plan, &self.emit.event, args, rtt))
    }
}

/// Sends one emit (with an ack request when it asks for one, its callback carrying `number`);
/// returns when it was sent.
async fn send(
    plan: &Plan,
    handle: &Handle,
    acks: &mpsc::UnboundedSender<Ack>,
    emit: &Emit,
    number: u64,
) -> anyhow::Result<Instant> {
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
    sent.map_err(|e| {
        failure(
            Exit::Network,
            anyhow::anyhow!("cannot emit {}: {}", emit.event, crate::exit::one_line(&e)),
        )
    })?;
    Ok(sent_at)
}

/// How many attachments a binary ack's arguments stand for.
fn count_placeholders(args: &[Value]) -> usize {
    fn count(value: &Value) -> usize {
        if placeholder(value).is_some() {
            return 1;
        }
        match value {
            Value::Array(items) => items.iter().map(count).sum(),
            Value::Object(map) => map.values().map(count).sum(),
            _ => 0,
        }
    }
    args.iter().map(count).sum()
}

/// Puts each attachment where its placeholder is, as `{"base64":…}` (as events print binary).
fn fill_placeholders(value: &mut Value, attachments: &[Bytes]) {
    if let Some(bytes) = placeholder(value).and_then(|n| attachments.get(n)) {
        *value = serde_json::json!({
            "base64": base64::engine::general_purpose::STANDARD.encode(bytes)
        });
        return;
    }
    match value {
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| fill_placeholders(item, attachments)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|item| fill_placeholders(item, attachments)),
        _ => {}
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
fn ack_line(plan: &Plan, event: &str, args: Vec<Value>, rtt: Duration) -> String {
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

    fn plan(json: bool) -> Plan {
        use clap::Parser as _;
        let mut argv = vec!["sio-auth", "connect", "--emit", "e", "--ack"];
        if json {
            argv.push("--json");
        }
        let cli = crate::cli::Cli::try_parse_from(argv).expect("parses");
        let crate::cli::Command::Connect(mut args) = cli.command else {
            panic!("not connect");
        };
        // What cli::parse does from clap's occurrences.
        args.emits = vec![vec!["e".to_owned()]];
        Plan::new(&args).expect("a plan")
    }

    /// An outbox with `n` emits of `e` sent, their acks awaited.
    fn sent(plan: &Plan, n: u64) -> Outbox {
        let mut outbox = Outbox::new(plan);
        outbox.queue.clear();
        for number in 0..n {
            outbox.awaited.push_back(Awaited {
                number,
                emit: plan.emits[0].clone(),
                sent_at: Instant::now(),
                reply: Reply::Waiting,
            });
        }
        outbox.sent = n;
        outbox
    }

    fn ack(number: u64, payload: Payload) -> Ack {
        Ack {
            number,
            payload,
            at: Instant::now(),
        }
    }

    fn text(args: Value) -> Payload {
        Payload::Text(vec![args])
    }

    #[test]
    fn acks_print_in_emit_order_whatever_order_they_come_in() {
        let plan = plan(false);
        let mut outbox = sent(&plan, 3);
        assert!(outbox.take_ack(&plan, &ack(2, text(json!([2])))).is_empty());
        assert!(outbox.take_ack(&plan, &ack(1, text(json!([1])))).is_empty());
        assert_eq!(outbox.awaited().map(|(event, _)| event), Some("e"));
        assert_eq!(
            outbox.take_ack(&plan, &ack(0, text(json!([0])))),
            ["[0]", "[1]", "[2]"]
        );
        assert!(outbox.is_done());
        // A late ack of nothing awaited changes nothing.
        assert!(outbox.take_ack(&plan, &ack(0, text(json!([0])))).is_empty());
    }

    #[test]
    fn a_binary_ack_prints_whole_with_its_attachments_in_place() {
        let plan = plan(true);
        let mut outbox = sent(&plan, 2);
        let args = json!([
            "a",
            {"_placeholder": true, "num": 1},
            {"b": [{"_placeholder": true, "num": 0}], "c": 1}
        ]);
        assert!(outbox.take_ack(&plan, &ack(0, text(args))).is_empty());
        let part = |bytes: &[u8]| Payload::Binary(Bytes::copy_from_slice(bytes));
        assert!(outbox.take_ack(&plan, &ack(0, part(&[0, 1]))).is_empty());
        let due = outbox.take_ack(&plan, &ack(0, part(b"hi")));
        let line: Value = serde_json::from_str(&due[0]).expect("json");
        assert_eq!(line["ack"], "e");
        assert_eq!(
            line["args"],
            json!(["a", {"base64": "aGk="}, {"b": [{"base64": "AAE="}], "c": 1}])
        );
        // An object that only looks like a placeholder (three keys) is an argument as it is.
        let plain = json!([{"_placeholder": true, "num": 0, "x": 1}]);
        let due = outbox.take_ack(&plan, &ack(1, text(plain.clone())));
        let line: Value = serde_json::from_str(&due[0]).expect("json");
        assert_eq!(line["args"], plain);
    }

    #[test]
    fn after_a_reconnection_the_unacknowledged_go_again_and_order_holds() {
        let plan = plan(false);
        let mut outbox = sent(&plan, 2);
        assert!(
            outbox
                .take_ack(&plan, &ack(1, text(json!(["second"]))))
                .is_empty()
        );
        outbox.reconnected();
        assert!(matches!(outbox.awaited[0].reply, Reply::Unsent));
        assert!(matches!(outbox.awaited[1].reply, Reply::Complete(_)));
        // The old connection's ack of the first no longer counts.
        assert!(
            outbox
                .take_ack(&plan, &ack(0, text(json!(["old"]))))
                .is_empty()
        );
        // Sent again as number 2 (what send_ready does).
        outbox.awaited[0].number = 2;
        outbox.awaited[0].reply = Reply::Waiting;
        assert_eq!(
            outbox.take_ack(&plan, &ack(2, text(json!(["first"])))),
            [r#"["first"]"#, r#"["second"]"#]
        );
    }
}
