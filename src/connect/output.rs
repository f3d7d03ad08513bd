//! What `connect` prints on stdout: one line per event, plain or `--json`.

use std::io::{self, Write as _};
use std::time::SystemTime;

use anyhow::Context as _;
use base64::Engine as _;
use rust_socketio::Payload;
use serde_json::{Value, json};

use super::plan::Plan;
use super::session::Progress;

/// Prints an event; true when `--count` is reached.
pub(super) fn print_event(
    plan: &Plan,
    progress: &mut Progress,
    name: &str,
    payload: &Payload,
    at: SystemTime,
) -> anyhow::Result<bool> {
    if !plan.events.matches(name) {
        return Ok(false);
    }
    // Reached while acks were still awaited: no more lines.
    if plan.count.is_some_and(|count| progress.printed >= count) {
        return Ok(true);
    }
    let line = if plan.json {
        json_line(name, payload, at)
    } else {
        plain_line(payload)
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .context("cannot write to stdout")?;
    progress.printed += 1;
    Ok(plan.count.is_some_and(|count| progress.printed >= count))
}

pub(super) fn args_of(payload: &Payload) -> Vec<Value> {
    match payload {
        Payload::Text(values) => values.clone(),
        Payload::Binary(bytes) => {
            vec![json!({ "base64": base64::engine::general_purpose::STANDARD.encode(bytes) })]
        }
        #[allow(deprecated)]
        Payload::String(s) => vec![Value::String(s.clone())],
    }
}

/// One argument prints as its JSON (a string as plain text, unless it has control characters,
/// which would break one line per event); several print as a JSON array; binary as base64.
fn plain_line(payload: &Payload) -> String {
    if let Payload::Binary(bytes) = payload {
        return base64::engine::general_purpose::STANDARD.encode(bytes);
    }
    match args_of(payload).as_slice() {
        [] => String::new(),
        [Value::String(s)] if !s.contains(char::is_control) => s.clone(),
        [one] => one.to_string(),
        many => Value::Array(many.to_vec()).to_string(),
    }
}

fn json_line(name: &str, payload: &Payload, at: SystemTime) -> String {
    /// One line of `connect --json`, keys in the documented order.
    #[derive(serde::Serialize)]
    struct Line<'a> {
        event: &'a str,
        args: Vec<Value>,
        received_at: u64,
    }
    let line = Line {
        event: name,
        args: args_of(payload),
        received_at: crate::clock::epoch_millis(at),
    };
    // Strings, numbers and JSON values only: serializing cannot fail.
    serde_json::to_string(&line).unwrap_or_default()
}

/// A server's reason as sent, with control characters escaped so it cannot drive the terminal.
pub(super) fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn plain_output() {
        let text = |values: Vec<Value>| plain_line(&Payload::Text(values));
        assert_eq!(text(vec![json!(1_795_632_469_227_u64)]), "1795632469227");
        assert_eq!(text(vec![json!("hello world")]), "hello world");
        assert_eq!(text(vec![json!("two\nlines")]), r#""two\nlines""#);
        assert_eq!(text(vec![json!({"a": [1, 2]})]), r#"{"a":[1,2]}"#);
        assert_eq!(text(vec![json!("world"), json!(2)]), r#"["world",2]"#);
        assert_eq!(plain_line(&Payload::Binary(vec![1, 2, 3].into())), "AQID");
    }

    #[test]
    fn json_output() {
        let at = std::time::UNIX_EPOCH + Duration::from_millis(1234);
        let line = json_line("data", &Payload::Text(vec![json!(7)]), at);
        assert_eq!(line, r#"{"event":"data","args":[7],"received_at":1234}"#);
    }
}
