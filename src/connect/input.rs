//! `--stdin`: emits read from standard input, one per line, handed over as they arrive.
//!
//! A line is one NDJSON object, `{"event":"…","args":[…],"ack":true|false}` (`args` and `ack`
//! may be left out: no argument, and `--ack`'s choice). When stdin is a terminal, a person may
//! also type `EVENT [JSON…]`: the event name, then zero or more JSON values, one per argument.
//!
//! Piped input is a script: its first malformed line ends the reading (the session exits 2 when
//! it gets there, nothing after it sent). Typed input is a conversation: a malformed line is
//! said on stderr and skipped, and the person types it again. Blank lines are skipped.

use std::io::{self, IsTerminal as _};

use serde_json::Value;
use tokio::sync::mpsc;

use super::plan::Emit;

/// What the reader hands over, in the order of the lines.
#[derive(Debug)]
pub(super) enum Input {
    Emit(Emit),
    /// A malformed line of piped input: the message names it. Nothing follows.
    Malformed(String),
    /// stdin could not be read. Nothing follows.
    Failed(io::Error),
}

/// Starts reading stdin on a thread of its own (reading a terminal or a pipe blocks); the
/// channel closes at end of input. `ack` is `--ack`: whether a line that does not say asks for
/// an acknowledgement.
pub(super) fn read_stdin(ack: bool) -> mpsc::UnboundedReceiver<Input> {
    let (tx, rx) = mpsc::unbounded_channel();
    let typed = io::stdin().is_terminal();
    std::thread::Builder::new()
        .name("stdin".to_owned())
        .spawn(move || read_lines(io::stdin().lock(), typed, ack, &tx))
        .map_err(|e| eprintln!("sio-auth: cannot start reading stdin: {e}"))
        .ok();
    rx
}

fn read_lines(
    mut reader: impl io::BufRead,
    typed: bool,
    ack: bool,
    tx: &mpsc::UnboundedSender<Input>,
) {
    let mut bytes = Vec::new();
    for number in 1u64.. {
        bytes.clear();
        match reader.read_until(b'\n', &mut bytes) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => {
                let _ = tx.send(Input::Failed(e));
                return;
            }
        }
        let input = match parse_line(&bytes, typed, ack) {
            Ok(None) => continue,
            Ok(Some(emit)) => Input::Emit(emit),
            Err(why) if typed => {
                eprintln!("sio-auth: line {number}: {why}; not sent");
                continue;
            }
            Err(why) => Input::Malformed(format!("stdin line {number}: {why}")),
        };
        let last = matches!(input, Input::Malformed(_));
        // The session may be over (the receiver gone): then so is the reading.
        if tx.send(input).is_err() || last {
            return;
        }
    }
}

/// One NDJSON line, as documented in `--help`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    event: String,
    #[serde(default)]
    args: Vec<Value>,
    ack: Option<bool>,
}

const NDJSON_FORM: &str = r#"{"event":"NAME","args":[…],"ack":true|false}"#;

/// One line: `None` when blank, else the emit or why not.
fn parse_line(bytes: &[u8], typed: bool, ack: bool) -> Result<Option<Emit>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if typed && !text.starts_with('{') {
        return typed_line(text, ack).map(Some);
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("not JSON ({}); each line is {NDJSON_FORM}", json_error(&e)))?;
    if !value.is_object() {
        return Err(format!("not a JSON object; each line is {NDJSON_FORM}"));
    }
    let line: Line = serde_json::from_value(value)
        .map_err(|e| format!("not an emit ({e}); each line is {NDJSON_FORM}"))?;
    if line.event.is_empty() {
        return Err("the event name is empty".to_owned());
    }
    Ok(Some(Emit {
        event: line.event,
        args: line.args,
        ack: line.ack.unwrap_or(ack),
    }))
}

/// `EVENT [JSON…]`, typed at a terminal.
fn typed_line(text: &str, ack: bool) -> Result<Emit, String> {
    let (event, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let mut args = Vec::new();
    for value in serde_json::Deserializer::from_str(rest).into_iter::<Value>() {
        args.push(value.map_err(|e| {
            format!(
                "the arguments after {event} are not JSON values ({}); a string is quoted: \"text\"",
                json_error(&e)
            )
        })?);
    }
    Ok(Emit {
        event: event.to_owned(),
        args,
        ack,
    })
}

/// serde_json's message without its position, which is always `line 1` here, plus the column.
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = text.split(" at line ").next().unwrap_or(&text).to_owned();
    format!("{text}, at column {}", e.column())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn emit(line: &str, typed: bool) -> Result<Option<(String, Vec<Value>, bool)>, String> {
        parse_line(line.as_bytes(), typed, false).map(|emit| emit.map(|e| (e.event, e.args, e.ack)))
    }

    #[test]
    fn ndjson_lines() {
        assert_eq!(
            emit(
                r#"{"event":"chat","args":["hé",{"n":[1,2]}],"ack":true}"#,
                false
            ),
            Ok(Some((
                "chat".into(),
                vec![json!("hé"), json!({"n":[1,2]})],
                true
            )))
        );
        assert_eq!(
            emit("{\"event\":\"ping\"}\r\n", false),
            Ok(Some(("ping".into(), vec![], false)))
        );
        assert_eq!(emit("  \n", false), Ok(None));
        // --ack is the default of a line that does not say.
        let emit = parse_line(br#"{"event":"e"}"#, false, true)
            .unwrap()
            .unwrap();
        assert!(emit.ack);
    }

    #[test]
    fn malformed_lines_say_why() {
        for (line, why) in [
            (r#"{"event":"e","args":"x"}"#, "invalid type"),
            (r#"{"args":[]}"#, "missing field `event`"),
            (r#"{"event":"e","arg":[1]}"#, "unknown field `arg`"),
            (r#"{"event":"e""#, "EOF"),
            (r#"{"event":""}"#, "the event name is empty"),
            ("chat \"hi\"", "expected value"),
            (r#"["e"]"#, "not a JSON object"),
        ] {
            let error = emit(line, false).unwrap_err();
            assert!(error.contains(why), "{line}: {error}");
            assert!(!error.contains('\n'), "{error}");
        }
        assert_eq!(
            parse_line(b"\xff\n", false, false).unwrap_err(),
            "not UTF-8 text"
        );
    }

    #[test]
    fn typed_lines() {
        assert_eq!(
            emit("chat \"hello\" 2 {\"a\":[true]}", true),
            Ok(Some((
                "chat".into(),
                vec![json!("hello"), json!(2), json!({"a":[true]})],
                false
            )))
        );
        assert_eq!(emit("ping", true), Ok(Some(("ping".into(), vec![], false))));
        assert_eq!(
            emit(r#"{"event":"e","args":[1]}"#, true),
            Ok(Some(("e".into(), vec![json!(1)], false)))
        );
        let error = emit("chat hello", true).unwrap_err();
        assert!(error.contains("a string is quoted"), "{error}");
    }

    #[test]
    fn piped_reading_stops_at_the_first_malformed_line() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let text = "{\"event\":\"a\"}\n\n{\"event\":\nnot read\n";
        read_lines(text.as_bytes(), false, false, &tx);
        drop(tx);
        assert!(matches!(rx.try_recv(), Ok(Input::Emit(e)) if e.event == "a"));
        match rx.try_recv() {
            Ok(Input::Malformed(why)) => assert!(why.starts_with("stdin line 3: "), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn typed_reading_skips_a_malformed_line() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        read_lines("a 1\nb nope\nc\n".as_bytes(), true, true, &tx);
        drop(tx);
        let mut events = Vec::new();
        while let Ok(Input::Emit(e)) = rx.try_recv() {
            assert!(e.ack);
            events.push(e.event);
        }
        assert_eq!(events, ["a", "c"]);
    }
}
