//! The `echo` event: a socket that emits `echo` with an acknowledgement gets its own arguments
//! back as the ack's arguments, binary attachments included (in place, at any depth), so that
//! `sio-auth connect --emit echo --ack` and `sio-auth bench --emit echo` can measure round trips.
//! An `echo` without an ack is ignored.
//!
//! The arguments are taken from the raw packet rather than through `Data<T>`: socketioxide's
//! common parser gives a non-tuple `T` only the first argument, and substitutes binary
//! placeholders only where `T` asks for bytes, so no fixed type can repeat any packet.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use serde::ser::{SerializeMap as _, SerializeSeq as _, SerializeTuple as _};
use serde_json::Value as Json;
use serde_json::value::RawValue;
use sio_auth::wire::socket::placeholder;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef};
use socketioxide::handler::{FromMessageParts, Value};
use socketioxide::socket::Socket;

/// The event name.
pub(super) const ECHO: &str = "echo";

/// Registers the handler on a socket its namespace accepts (from the connect middleware, so it is
/// there before the CONNECT is sent).
pub(super) fn install<A: Adapter>(socket: &SocketRef<A>) {
    socket.on(ECHO, async |args: EchoArgs, ack: AckSender<A>| {
        // A client that asked for no ack gets nothing; one that is gone cannot get it.
        if let Err(e) = ack.send(&args) {
            tracing::debug!(%e, "echo: cannot send the ack");
        }
    });
}

/// An event's arguments, as sent (the event name dropped), with their attachments in place.
#[derive(Debug, Clone)]
pub(super) struct EchoArgs(Vec<Arg>);

/// One argument, or a part of one: JSON, or binary where the packet had a placeholder.
#[derive(Debug, Clone)]
enum Arg {
    /// An argument with no binary inside, as the client wrote it (its key order kept).
    Raw(Box<RawValue>),
    /// JSON with no binary inside, around binary parts.
    Json(Json),
    Bytes(Bytes),
    Array(Vec<Arg>),
    Object(Vec<(String, Arg)>),
}

/// Why a packet's arguments cannot be read (socketioxide then does not call the handler).
#[derive(Debug, thiserror::Error)]
pub(super) enum EchoError {
    /// The packet text is not a JSON array that starts with the event's name.
    #[error("an event packet that is not a JSON array: {0}")]
    NotAnArray(#[from] serde_json::Error),
    /// A JSON value where the array of the event name and arguments should be.
    #[error("an event packet that is not an array of the event and its arguments")]
    NoEvent,
    /// A binary payload without the text part of a packet.
    #[error("a binary payload outside a packet")]
    Binary,
}

impl<A: Adapter> FromMessageParts<A> for EchoArgs {
    type Error = EchoError;

    fn from_message_parts(
        _: &Arc<Socket<A>>,
        value: &mut Value,
        _: &Option<i64>,
    ) -> Result<Self, Self::Error> {
        match value {
            Value::Str(text, attachments) => EchoArgs::parse(text, attachments.as_ref()),
            Value::Bytes(_) => Err(EchoError::Binary),
        }
    }
}

impl EchoArgs {
    /// The arguments of an event packet's text `["echo", …args]`, with `attachments` put where
    /// their `{"_placeholder":true,"num":N}` stand. A placeholder naming no attachment stays
    /// JSON, as socket.io's own parser leaves it.
    fn parse(text: &str, attachments: Option<&VecDeque<Bytes>>) -> Result<Self, EchoError> {
        let items = match serde_json::from_str::<Vec<Box<RawValue>>>(text) {
            Ok(items) => items,
            Err(e) if e.is_data() => return Err(EchoError::NoEvent),
            Err(e) => return Err(EchoError::NotAnArray(e)),
        };
        if !items
            .first()
            .is_some_and(|name| name.get().starts_with('"'))
        {
            return Err(EchoError::NoEvent);
        }
        let attachments = attachments.filter(|a| !a.is_empty());
        let mut args = Vec::with_capacity(items.len() - 1);
        for item in items.into_iter().skip(1) {
            match attachments {
                Some(attachments) if item.get().contains("\"_placeholder\"") => {
                    let value = serde_json::from_str(item.get())?;
                    args.push(with_attachments(value, attachments));
                }
                _ => args.push(Arg::Raw(item)),
            }
        }
        Ok(Self(args))
    }
}

/// `value` with every placeholder replaced by its attachment. serde_json's parser nests at most
/// 128 levels, so neither does this.
fn with_attachments(value: Json, attachments: &VecDeque<Bytes>) -> Arg {
    if let Some(bytes) = placeholder(&value).and_then(|n| attachments.get(n)) {
        return Arg::Bytes(bytes.clone());
    }
    match value {
        Json::Object(map) => Arg::Object(
            map.into_iter()
                .map(|(key, value)| (key, with_attachments(value, attachments)))
                .collect(),
        ),
        Json::Array(items) => Arg::Array(
            items
                .into_iter()
                .map(|item| with_attachments(item, attachments))
                .collect(),
        ),
        other => Arg::Json(other),
    }
}

/// A tuple, so that socketioxide sends each element as one argument of the ack.
impl serde::Serialize for EchoArgs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for arg in &self.0 {
            tuple.serialize_element(arg)?;
        }
        tuple.end()
    }
}

/// Binary as bytes: socketioxide's serializer turns them back into placeholders and attachments.
impl serde::Serialize for Arg {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Raw(value) => value.serialize(serializer),
            Self::Json(value) => value.serialize(serializer),
            Self::Bytes(bytes) => serializer.serialize_bytes(bytes),
            Self::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Self::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str, attachments: &[&'static [u8]]) -> EchoArgs {
        let attachments: VecDeque<Bytes> =
            attachments.iter().map(|a| Bytes::from_static(a)).collect();
        EchoArgs::parse(text, Some(&attachments)).expect("parses")
    }

    fn text(echo: &EchoArgs) -> String {
        serde_json::to_string(echo).expect("serializes")
    }

    #[test]
    fn every_argument_is_kept_as_written() {
        let echo = args(r#"["echo",1,"two",{"b":[3],"a":"é"},null]"#, &[]);
        assert_eq!(text(&echo), r#"[1,"two",{"b":[3],"a":"é"},null]"#);
        assert_eq!(text(&args(r#"["echo"]"#, &[])), "[]");
    }

    #[test]
    fn attachments_go_where_their_placeholders_are() {
        let echo = args(
            r#"["echo",{"_placeholder":true,"num":1},{"file":{"num":0,"_placeholder":true},"n":2}]"#,
            &[b"zero", b"one"],
        );
        assert!(matches!(&echo.0[0], Arg::Bytes(b) if b == "one"));
        assert!(
            matches!(&echo.0[1], Arg::Object(o) if matches!(&o[0].1, Arg::Bytes(b) if b == "zero"))
        );
        // serde_json writes bytes as numbers; socketioxide's serializer as placeholders.
        assert_eq!(
            text(&echo),
            r#"[[111,110,101],{"file":[122,101,114,111],"n":2}]"#
        );
        // A placeholder without its attachment is plain JSON.
        let echo = args(r#"["echo",{"_placeholder":true,"num":5}]"#, &[b"zero"]);
        assert_eq!(text(&echo), r#"[{"_placeholder":true,"num":5}]"#);
    }

    #[test]
    fn what_is_not_an_event_is_refused() {
        for text in ["{}", "[]", "[1,2]", "not json", r#""echo""#] {
            assert!(EchoArgs::parse(text, None).is_err(), "{text}");
        }
    }
}
