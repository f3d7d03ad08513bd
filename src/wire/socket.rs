//! Socket.IO 5 packets, the text of an Engine.IO message:
//! `<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]`, as socket.io-parser writes
//! them.

use serde_json::Value;

use super::{Preview, WireError};

/// A Socket.IO packet's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `0`: from a server, the namespace accepted the client.
    Connect,
    /// `1`: the namespace ends the connection.
    Disconnect,
    /// `2`: an event, `["name", …args]`.
    Event,
    /// `3`: the answer to an event sent with an ack id.
    Ack,
    /// `4`: the namespace refused the client, `{"message": …}`.
    ConnectError,
    /// `5`: an event with binary attachments, which follow as separate frames.
    BinaryEvent,
    /// `6`: an ack with binary attachments.
    BinaryAck,
}

/// One Socket.IO packet, borrowed from the text it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<'a> {
    /// The packet's type.
    pub kind: Kind,
    /// How many binary attachments follow (binary types only).
    pub attachments: Option<u32>,
    /// The namespace, `/` when the packet names none.
    pub namespace: &'a str,
    /// The ack id, when the sender wants an answer.
    pub ack: Option<u64>,
    /// The JSON data as sent (not parsed), possibly empty.
    pub data: &'a str,
}

/// What a server answered to a namespace CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A CONNECT packet: the namespace accepted the client.
    Accepted,
    /// A CONNECT_ERROR packet: the namespace (its auth middleware) refused the client.
    Refused,
}

impl<'a> Packet<'a> {
    /// Reads a Socket.IO packet from an Engine.IO message's text.
    ///
    /// ```
    /// use sio_auth::wire::socket::{Kind, Packet};
    /// let packet = Packet::parse(r#"2/admin,7["data",1]"#).unwrap();
    /// assert_eq!((packet.kind, packet.namespace, packet.ack, packet.data), (Kind::Event, "/admin", Some(7), r#"["data",1]"#));
    /// assert_eq!(Packet::parse(r#"0{"sid":"x"}"#).unwrap().namespace, "/");
    /// assert!(Packet::parse("é").is_err());
    /// ```
    ///
    /// # Errors
    /// [`WireError::UnknownSocketType`] when the first character is not a type `0`–`6`;
    /// [`WireError::BadSocketPacket`] for a malformed attachment count or an ack id too large.
    pub fn parse(text: &'a str) -> Result<Self, WireError> {
        let bad = |why| WireError::BadSocketPacket {
            why,
            text: Preview::of(text),
        };
        let mut chars = text.chars();
        let kind = match chars.next() {
            Some('0') => Kind::Connect,
            Some('1') => Kind::Disconnect,
            Some('2') => Kind::Event,
            Some('3') => Kind::Ack,
            Some('4') => Kind::ConnectError,
            Some('5') => Kind::BinaryEvent,
            Some('6') => Kind::BinaryAck,
            _ => return Err(WireError::UnknownSocketType(Preview::of(text))),
        };
        let mut rest = chars.as_str();
        let mut attachments = None;
        if matches!(kind, Kind::BinaryEvent | Kind::BinaryAck) {
            let (count, after) = rest
                .split_once('-')
                .ok_or_else(|| bad("no attachment count"))?;
            if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("the attachment count is not a number"));
            }
            attachments = Some(
                count
                    .parse()
                    .map_err(|_| bad("the attachment count is too large"))?,
            );
            rest = after;
        }
        let mut namespace = "/";
        if rest.starts_with('/') {
            // Up to the first `,`, or the whole rest when there is none (socket.io-parser).
            let (ns, after) = rest.split_once(',').unwrap_or((rest, ""));
            namespace = ns;
            rest = after;
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let ack = if digits == 0 {
            None
        } else {
            let (id, after) = rest.split_at(digits);
            rest = after;
            Some(id.parse().map_err(|_| bad("the ack id is too large"))?)
        };
        Ok(Self {
            kind,
            attachments,
            namespace,
            ack,
            data: rest,
        })
    }

    /// The verdict this packet gives on joining `namespace`, if it is one: a CONNECT or
    /// CONNECT_ERROR for that namespace.
    ///
    /// ```
    /// use sio_auth::wire::socket::{Packet, Verdict};
    /// assert_eq!(Packet::parse("0/admin,{}").unwrap().verdict("/admin"), Some(Verdict::Accepted));
    /// assert_eq!(Packet::parse("0/admin,{}").unwrap().verdict("/"), None);
    /// assert_eq!(Packet::parse(r#"2["data",1]"#).unwrap().verdict("/"), None);
    /// ```
    #[must_use]
    pub fn verdict(&self, namespace: &str) -> Option<Verdict> {
        if self.namespace != namespace {
            return None;
        }
        match self.kind {
            Kind::Connect => Some(Verdict::Accepted),
            Kind::ConnectError => Some(Verdict::Refused),
            _ => None,
        }
    }

    /// The message of a CONNECT_ERROR: its data's `message` (socket.io 3+), or the data
    /// itself when it is a JSON string (socket.io 2); `None` for other packets or data.
    ///
    /// ```
    /// use sio_auth::wire::socket::Packet;
    /// let refusal = Packet::parse(r#"4{"message":"Cookie is invalid."}"#).unwrap();
    /// assert_eq!(refusal.refusal_message().as_deref(), Some("Cookie is invalid."));
    /// assert_eq!(Packet::parse("4{").unwrap().refusal_message(), None);
    /// ```
    #[must_use]
    pub fn refusal_message(&self) -> Option<String> {
        if self.kind != Kind::ConnectError {
            return None;
        }
        match serde_json::from_str(self.data).ok()? {
            Value::String(message) => Some(message),
            Value::Object(mut object) => match object.remove("message")? {
                Value::String(message) => Some(message),
                _ => None,
            },
            _ => None,
        }
    }

    /// An EVENT's name and arguments.
    ///
    /// ```
    /// use sio_auth::wire::socket::Packet;
    /// let (name, args) = Packet::parse(r#"2["data",1795632469227]"#).unwrap().event().unwrap().unwrap();
    /// assert_eq!((name.as_str(), args[0].as_i64()), ("data", Some(1795632469227)));
    /// assert!(Packet::parse("2[1]").unwrap().event().unwrap().is_err());
    /// assert!(Packet::parse("0{}").unwrap().event().is_none());
    /// ```
    ///
    /// # Errors
    /// `None` for a packet that is not an EVENT; [`WireError::BadEvent`] when the data is not
    /// a JSON array whose first element is the name.
    #[must_use]
    pub fn event(&self) -> Option<Result<(String, Vec<Value>), WireError>> {
        if self.kind != Kind::Event {
            return None;
        }
        let bad = |why| WireError::BadEvent {
            why,
            text: Preview::of(self.data),
        };
        // serde_json stops at 128 levels of nesting: a deep array cannot exhaust the stack.
        let event = match serde_json::from_str(self.data) {
            Ok(Value::Array(mut values)) => match values.first() {
                Some(Value::String(_)) => {
                    let Value::String(name) = values.remove(0) else {
                        unreachable!("the first value was just matched as a string")
                    };
                    Ok((name, values))
                }
                _ => Err(bad("the first element is not a name")),
            },
            Ok(_) => Err(bad("not a JSON array")),
            Err(_) => Err(bad("not JSON")),
        };
        Some(event)
    }
}

/// The attachment number of socket.io's binary placeholder, `{"_placeholder":true,"num":N}`
/// (exactly those two keys); `None` for any other value.
///
/// ```
/// use serde_json::json;
/// use sio_auth::wire::socket::placeholder;
/// assert_eq!(placeholder(&json!({"num": 2, "_placeholder": true})), Some(2));
/// assert_eq!(placeholder(&json!({"_placeholder": true, "num": 0, "x": 1})), None);
/// assert_eq!(placeholder(&json!({"_placeholder": 1, "num": 0})), None);
/// ```
#[must_use]
pub fn placeholder(value: &Value) -> Option<usize> {
    let Value::Object(map) = value else {
        return None;
    };
    if map.len() != 2 || map.get("_placeholder") != Some(&Value::Bool(true)) {
        return None;
    }
    map.get("num")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

/// An ACK: the id of the emit it answers and the arguments the server acked with.
#[derive(Debug, Clone, PartialEq)]
pub struct Ack {
    /// The ack id of the emit it answers.
    pub id: u64,
    /// The arguments, binary ones as their `{"_placeholder":true,"num":N}` (their bytes follow
    /// as separate frames and are not read here).
    pub args: Vec<Value>,
}

impl Packet<'_> {
    /// An ACK's (or BINARY_ACK's) id and arguments.
    ///
    /// ```
    /// use sio_auth::wire::socket::Packet;
    /// let ack = Packet::parse(r#"3/admin,7["hi",{"n":1}]"#).unwrap().ack_args().unwrap().unwrap();
    /// assert_eq!((ack.id, ack.args.len()), (7, 2));
    /// assert!(Packet::parse("3[]").unwrap().ack_args().unwrap().is_err());
    /// assert!(Packet::parse(r#"2["data",1]"#).unwrap().ack_args().is_none());
    /// ```
    ///
    /// # Errors
    /// `None` for a packet that is not an ack; [`WireError::BadAck`] for an ack without an id
    /// or whose data is not a JSON array.
    #[must_use]
    pub fn ack_args(&self) -> Option<Result<Ack, WireError>> {
        if !matches!(self.kind, Kind::Ack | Kind::BinaryAck) {
            return None;
        }
        let bad = |why| WireError::BadAck {
            why,
            text: Preview::of(self.data),
        };
        let Some(id) = self.ack else {
            return Some(Err(bad("no ack id")));
        };
        // serde_json stops at 128 levels of nesting: a deep array cannot exhaust the stack.
        Some(match serde_json::from_str(self.data) {
            Ok(Value::Array(args)) => Ok(Ack { id, args }),
            Ok(_) => Err(bad("not a JSON array")),
            Err(_) => Err(bad("not JSON")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_as_socket_io_writes_them() {
        for (text, kind, attachments, namespace, ack, data) in [
            ("0", Kind::Connect, None, "/", None, ""),
            (
                r#"0{"sid":"a"}"#,
                Kind::Connect,
                None,
                "/",
                None,
                r#"{"sid":"a"}"#,
            ),
            ("0/admin,", Kind::Connect, None, "/admin", None, ""),
            ("1/admin,", Kind::Disconnect, None, "/admin", None, ""),
            (r#"2["a"]"#, Kind::Event, None, "/", None, r#"["a"]"#),
            (r#"212["a"]"#, Kind::Event, None, "/", Some(12), r#"["a"]"#),
            ("3/x,5[]", Kind::Ack, None, "/x", Some(5), "[]"),
            (
                r#"4{"message":"no"}"#,
                Kind::ConnectError,
                None,
                "/",
                None,
                r#"{"message":"no"}"#,
            ),
            (
                r#"51-["a",{"_placeholder":true,"num":0}]"#,
                Kind::BinaryEvent,
                Some(1),
                "/",
                None,
                r#"["a",{"_placeholder":true,"num":0}]"#,
            ),
            ("62-/x,9[]", Kind::BinaryAck, Some(2), "/x", Some(9), "[]"),
            // No comma: the namespace runs to the end.
            ("0/admin", Kind::Connect, None, "/admin", None, ""),
            // A multibyte namespace and data.
            ("2/é,[\"é\"]", Kind::Event, None, "/é", None, "[\"é\"]"),
            ("4é", Kind::ConnectError, None, "/", None, "é"),
        ] {
            let packet = Packet::parse(text).unwrap();
            assert_eq!(
                (
                    packet.kind,
                    packet.attachments,
                    packet.namespace,
                    packet.ack,
                    packet.data
                ),
                (kind, attachments, namespace, ack, data),
                "{text:?}"
            );
        }
    }

    /// Regression: `4é` (a message whose Socket.IO type byte is the first byte of `é`) made
    /// bench slice inside a character and abort.
    #[test]
    fn malformed_packets_are_errors_not_panics() {
        for text in [
            "",
            "é",
            "7",
            "x",
            "\u{0}",
            "5",
            "5-[]",
            "5x-[]",
            "5é-[]",
            "599999999999-[]",
            "2/a,99999999999999999999999[]",
        ] {
            let error = Packet::parse(text).unwrap_err();
            assert!(!error.to_string().contains('\n'), "{text:?}: {error}");
        }
    }

    #[test]
    fn verdicts_are_for_our_namespace_only() {
        for (text, namespace, verdict) in [
            ("0", "/", Some(Verdict::Accepted)),
            (r#"0{"sid":"x"}"#, "/", Some(Verdict::Accepted)),
            (
                r#"4{"message":"Cookie is invalid."}"#,
                "/",
                Some(Verdict::Refused),
            ),
            ("0/admin,{}", "/admin", Some(Verdict::Accepted)),
            ("4/admin,{}", "/admin", Some(Verdict::Refused)),
            ("0/admin,{}", "/", None),
            ("0{}", "/admin", None),
            // A namespace that only starts like ours is another one.
            ("0/administrator,{}", "/admin", None),
            (r#"2["data",1]"#, "/", None),
            ("1", "/", None),
        ] {
            assert_eq!(
                Packet::parse(text).unwrap().verdict(namespace),
                verdict,
                "{text:?}"
            );
        }
    }

    #[test]
    fn refusal_messages() {
        for (text, message) in [
            (
                r#"4{"message":"Cookie is invalid."}"#,
                Some("Cookie is invalid."),
            ),
            (r#"4"Not authorized""#, Some("Not authorized")),
            (r#"4{"message":7}"#, None),
            ("4", None),
            ("4é", None),
            (r#"0{"message":"x"}"#, None),
        ] {
            assert_eq!(
                Packet::parse(text).unwrap().refusal_message().as_deref(),
                message,
                "{text:?}"
            );
        }
    }

    #[test]
    fn acks_and_malformed_acks() {
        for (text, id, args) in [
            ("30[]", 0, vec![]),
            (
                r#"312["hi",{"n":1}]"#,
                12,
                vec![Value::from("hi"), serde_json::json!({"n": 1})],
            ),
            (r#"3/admin,7[null]"#, 7, vec![Value::Null]),
            (
                r#"61-/x,9[{"_placeholder":true,"num":0}]"#,
                9,
                vec![serde_json::json!({"_placeholder": true, "num": 0})],
            ),
            (
                "318446744073709551615[\"é\"]",
                u64::MAX,
                vec![Value::from("é")],
            ),
        ] {
            let ack = Packet::parse(text).unwrap().ack_args().unwrap().unwrap();
            assert_eq!((ack.id, ack.args), (id, args), "{text:?}");
        }
        let deep = format!("31{}{}", "[".repeat(100_000), "]".repeat(100_000));
        for text in [
            "3", "3[]", "3/x,[]", "31", "31{}", "31\"a\"", "31[", "31é", "61-[]", &deep,
        ] {
            let ack = Packet::parse(text).unwrap().ack_args().unwrap();
            match ack {
                Err(e @ WireError::BadAck { .. }) => {
                    assert!(!e.to_string().contains('\n'), "{text:.20}: {e}");
                }
                other => panic!("{text:.20}: {other:?}"),
            }
        }
        for text in [r#"2["a"]"#, "0", "4{}", r#"21["a"]"#] {
            assert!(Packet::parse(text).unwrap().ack_args().is_none(), "{text}");
        }
    }

    #[test]
    fn events_and_malformed_events() {
        let (name, args) = Packet::parse(r#"2["hello","world",2]"#)
            .unwrap()
            .event()
            .unwrap()
            .unwrap();
        assert_eq!(
            (name.as_str(), args),
            ("hello", vec![Value::from("world"), Value::from(2)])
        );
        let deep = format!("2{}{}", "[".repeat(100_000), "]".repeat(100_000));
        for text in ["2", "2[]", "2[1]", "2{}", r#"2"data""#, "2[", "2é", &deep] {
            let event = Packet::parse(text).unwrap().event().unwrap();
            assert!(
                matches!(event, Err(WireError::BadEvent { .. })),
                "{text:.20}: {event:?}"
            );
        }
    }
}
