//! Engine.IO 4 packets as a server sends them: one per WebSocket text frame, or several in a
//! polling response body, separated by the record separator `\x1e`.

use super::{Preview, WireError};

/// The record separator between packets of a polling payload.
pub const RECORD_SEPARATOR: char = '\u{1e}';

/// The longest Engine.IO session id accepted from an open packet. Node's are 20 characters,
/// socketioxide's 16; the sid is put into every later request's URL, so a long one is refused
/// rather than carried.
pub const MAX_SID: usize = 128;

/// One Engine.IO packet: its type, and the text after the type character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packet<'a> {
    /// `0{…}`: the server opens the session (read the JSON with [`Open::parse`]).
    Open(&'a str),
    /// `1`: the server closes the session.
    Close,
    /// `2`: a ping, answered by a pong with the same data (`2probe` → `3probe`).
    Ping(&'a str),
    /// `3`: a pong, as the answer to the client's `2probe` on an upgrade.
    Pong(&'a str),
    /// `4…`: a message, which carries a Socket.IO packet.
    Message(&'a str),
    /// `5`: the upgrade to WebSocket is complete.
    Upgrade,
    /// `6`: nothing; sent to end a pending poll during an upgrade.
    Noop,
    /// `b…`: binary data, base64 encoded, on a polling transport (not decoded here).
    Binary(&'a str),
}

impl<'a> Packet<'a> {
    /// Reads one Engine.IO packet.
    ///
    /// ```
    /// use sio_auth::wire::engine::Packet;
    /// assert_eq!(Packet::parse("2").unwrap(), Packet::Ping(""));
    /// assert_eq!(Packet::parse("3probe").unwrap(), Packet::Pong("probe"));
    /// assert_eq!(Packet::parse("4é").unwrap(), Packet::Message("é"));
    /// assert!(Packet::parse("é").is_err() && Packet::parse("").is_err());
    /// ```
    ///
    /// # Errors
    /// [`WireError::EmptyPacket`] for an empty text, [`WireError::UnknownEngineType`] when the
    /// first character is not a packet type.
    pub fn parse(text: &'a str) -> Result<Self, WireError> {
        let mut chars = text.chars();
        let kind = chars.next().ok_or(WireError::EmptyPacket)?;
        let rest = chars.as_str();
        Ok(match kind {
            '0' => Self::Open(rest),
            '1' => Self::Close,
            '2' => Self::Ping(rest),
            '3' => Self::Pong(rest),
            '4' => Self::Message(rest),
            '5' => Self::Upgrade,
            '6' => Self::Noop,
            'b' => Self::Binary(rest),
            _ => return Err(WireError::UnknownEngineType(Preview::of(text))),
        })
    }
}

/// The packets of a polling response body, in order. The body must be UTF-8; each packet is
/// then read with [`Packet::parse`].
///
/// ```
/// use sio_auth::wire::engine::polling_packets;
/// let body = "40{\"sid\":\"x\"}\u{1e}2";
/// assert_eq!(polling_packets(body.as_bytes()).unwrap().collect::<Vec<_>>(), ["40{\"sid\":\"x\"}", "2"]);
/// assert!(polling_packets(b"4\xff").is_err());
/// ```
///
/// # Errors
/// [`WireError::PayloadNotUtf8`] when the body is not UTF-8.
pub fn polling_packets(body: &[u8]) -> Result<std::str::Split<'_, char>, WireError> {
    let text = std::str::from_utf8(body).map_err(|_| WireError::PayloadNotUtf8)?;
    Ok(text.split(RECORD_SEPARATOR))
}

/// The JSON of an open packet, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    /// The Engine.IO session id: 1 to [`MAX_SID`] URL-safe characters (letters, digits and
    /// `-_.~`), so it can go into a URL's query as it is.
    pub sid: String,
    /// The transports the session may upgrade to (`["websocket"]` on polling).
    pub upgrades: Vec<String>,
    /// Milliseconds between the server's pings.
    pub ping_interval: u64,
    /// Milliseconds the server waits for a pong.
    pub ping_timeout: u64,
    /// The largest payload the server accepts, when it says.
    pub max_payload: Option<u64>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOpen {
    sid: Option<String>,
    #[serde(default)]
    upgrades: Vec<String>,
    ping_interval: Option<u64>,
    ping_timeout: Option<u64>,
    max_payload: Option<u64>,
}

impl Open {
    /// Reads the JSON after an open packet's `0`.
    ///
    /// ```
    /// use sio_auth::wire::engine::Open;
    /// let open = Open::parse(r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#).unwrap();
    /// assert_eq!((open.sid.as_str(), open.ping_interval), ("lv_VI97HAXpY6yYWAAAC", 25000));
    /// assert!(Open::parse(r#"{"sid":"a b","pingInterval":1,"pingTimeout":1}"#).is_err());
    /// ```
    ///
    /// # Errors
    /// [`WireError::BadOpen`] when the text is not the JSON object Engine.IO 4 sends or its
    /// sid is missing, empty, too long or not URL-safe.
    pub fn parse(json: &str) -> Result<Self, WireError> {
        let bad = |why| WireError::BadOpen {
            why,
            text: Preview::of(json),
        };
        let raw: RawOpen = serde_json::from_str(json).map_err(|_| bad("not the JSON expected"))?;
        let sid = raw.sid.ok_or_else(|| bad("no sid"))?;
        if sid.is_empty() || sid.len() > MAX_SID {
            return Err(bad("the sid is empty or too long"));
        }
        if !sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
        {
            return Err(bad("the sid is not URL-safe"));
        }
        Ok(Self {
            sid,
            upgrades: raw.upgrades,
            ping_interval: raw.ping_interval.ok_or_else(|| bad("no pingInterval"))?,
            ping_timeout: raw.ping_timeout.ok_or_else(|| bad("no pingTimeout"))?,
            max_payload: raw.max_payload,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_packet_type() {
        for (text, packet) in [
            ("0{}", Packet::Open("{}")),
            ("1", Packet::Close),
            ("2", Packet::Ping("")),
            ("2probe", Packet::Ping("probe")),
            ("3probe", Packet::Pong("probe")),
            ("40", Packet::Message("0")),
            ("5", Packet::Upgrade),
            ("6", Packet::Noop),
            ("bAQID", Packet::Binary("AQID")),
            // Trailing bytes after a type without data are ignored, as Node's parser does.
            ("1junk", Packet::Close),
        ] {
            assert_eq!(Packet::parse(text), Ok(packet), "{text:?}");
        }
    }

    /// Regression: bench sliced `&packet[1..]` by bytes, which panics when the second
    /// character is multibyte (`4é`, the frame that killed the process).
    #[test]
    fn multibyte_and_unknown_types_never_panic() {
        assert_eq!(Packet::parse("4é"), Ok(Packet::Message("é")));
        assert_eq!(
            Packet::parse("4\u{1F600}x"),
            Ok(Packet::Message("\u{1F600}x"))
        );
        for text in ["", "é", "7", "\u{0}", "\u{1e}", "x40"] {
            let error = Packet::parse(text).unwrap_err();
            assert!(!error.to_string().contains('\n'), "{text:?}: {error}");
        }
    }

    #[test]
    fn polling_payloads_split_on_the_record_separator() {
        fn packets(body: &[u8]) -> Result<Vec<&str>, WireError> {
            polling_packets(body).map(Iterator::collect)
        }
        assert_eq!(packets(b""), Ok(vec![""]));
        assert_eq!(packets(b"2\x1e\x1e6"), Ok(vec!["2", "", "6"]));
        assert_eq!(packets("4é\u{1e}2".as_bytes()), Ok(vec!["4é", "2"]));
        assert_eq!(packets(b"\xc3"), Err(WireError::PayloadNotUtf8));
    }

    #[test]
    fn open_packets_of_both_servers() {
        // socket.io 4.8 and socketioxide 0.18, as captured.
        for (json, sid) in [
            (
                r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#,
                "lv_VI97HAXpY6yYWAAAC",
            ),
            (
                r#"{"sid":"Ax9bGH2kLm0pQr7s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100000}"#,
                "Ax9bGH2kLm0pQr7s",
            ),
        ] {
            let open = Open::parse(json).unwrap();
            assert_eq!(open.sid, sid);
            assert_eq!(open.ping_timeout, 20000);
        }
    }

    #[test]
    fn malformed_open_packets_are_refused() {
        let long_sid = format!(
            r#"{{"sid":"{}","pingInterval":1,"pingTimeout":1}}"#,
            "a".repeat(MAX_SID + 1)
        );
        for json in [
            "",
            "{",
            "null",
            "[]",
            r#"{"sid":"abc""#,
            r#"{"sid":"abc","pingInterval":1,"pingTimeout":1}x"#,
            r#"{"pingInterval":1,"pingTimeout":1}"#,
            r#"{"sid":"","pingInterval":1,"pingTimeout":1}"#,
            r#"{"sid":7,"pingInterval":1,"pingTimeout":1}"#,
            r#"{"sid":"a&b=c","pingInterval":1,"pingTimeout":1}"#,
            "{\"sid\":\"a\\r\\nHost: x\",\"pingInterval\":1,\"pingTimeout\":1}",
            r#"{"sid":"é","pingInterval":1,"pingTimeout":1}"#,
            r#"{"sid":"abc","pingTimeout":1}"#,
            r#"{"sid":"abc","pingInterval":-1,"pingTimeout":1}"#,
            r#"{"sid":"abc","pingInterval":1,"pingTimeout":1,"upgrades":"websocket"}"#,
            &long_sid,
        ] {
            let error = Open::parse(json).unwrap_err();
            assert!(
                matches!(error, WireError::BadOpen { .. }),
                "{json:?}: {error}"
            );
            assert!(error.to_string().len() < 150, "{json:?}: {error}");
        }
    }
}
