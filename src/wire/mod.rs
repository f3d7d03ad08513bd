//! What a Socket.IO server sends a client, read without trusting a byte of it.
//!
//! Everything here is pure: no I/O, no async. Each parser takes the bytes or text a server sent
//! and returns either a typed packet or a [`WireError`] whose message fits on one line; no
//! input makes any of them panic, loop or allocate more than a small multiple of the input
//! (they are fuzzed for that, see `SECURITY.md`). `sio-auth bench` reads everything a server
//! sends through this module.
//!
//! The layers, outermost first:
//!
//! * [`http`]: the head of an HTTP/1.1 response (status, `Content-Length`), for Engine.IO's
//!   long-polling transport;
//! * [`engine`]: Engine.IO 4 packets (`0` open, `2` ping, `4` message, …), the open packet's
//!   JSON and the polling payload that batches packets with a record separator;
//! * [`socket`]: Socket.IO 5 packets inside Engine.IO messages (`0` connect, `2` event,
//!   `4` connect error, …), a namespace's verdict, an event's name and arguments and an ack's
//!   id and arguments.
//!
//! ```
//! use sio_auth::wire::{engine, socket};
//!
//! // A WebSocket text frame carrying a refusal of the main namespace.
//! let frame = r#"44{"message":"Cookie is invalid."}"#;
//! let engine::Packet::Message(packet) = engine::Packet::parse(frame).unwrap() else {
//!     unreachable!()
//! };
//! let packet = socket::Packet::parse(packet).unwrap();
//! assert_eq!(packet.verdict("/"), Some(socket::Verdict::Refused));
//! assert_eq!(packet.refusal_message().as_deref(), Some("Cookie is invalid."));
//! ```

pub mod engine;
pub mod http;
pub mod socket;

/// Why what a server sent cannot be read. Messages quote at most a short, escaped prefix of
/// the input, so a hostile server cannot flood a terminal or a log through them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// An empty Engine.IO packet (a WebSocket text frame or polling record with no bytes).
    #[error("an empty Engine.IO packet")]
    EmptyPacket,
    /// The first character of an Engine.IO packet is not one of its types `0`–`6`.
    #[error("an Engine.IO packet of unknown type: {0}")]
    UnknownEngineType(Preview),
    /// The open packet's JSON cannot be read, or lacks a field Engine.IO 4 requires.
    #[error("a malformed Engine.IO open packet ({why}): {text}")]
    BadOpen {
        /// What is wrong with it.
        why: &'static str,
        /// The start of the packet.
        text: Preview,
    },
    /// The first character of a Socket.IO packet is not one of its types `0`–`6`.
    #[error("a Socket.IO packet of unknown type: {0}")]
    UnknownSocketType(Preview),
    /// A Socket.IO packet's attachment count, namespace or ack id is malformed.
    #[error("a malformed Socket.IO packet ({why}): {text}")]
    BadSocketPacket {
        /// What is wrong with it.
        why: &'static str,
        /// The start of the packet.
        text: Preview,
    },
    /// An event packet's data is not a JSON array starting with the event's name.
    #[error("a malformed Socket.IO event ({why}): {text}")]
    BadEvent {
        /// What is wrong with it.
        why: &'static str,
        /// The start of the packet's data.
        text: Preview,
    },
    /// An ack packet without an ack id, or whose data is not a JSON array of arguments.
    #[error("a malformed Socket.IO ack ({why}): {text}")]
    BadAck {
        /// What is wrong with it.
        why: &'static str,
        /// The start of the packet's data.
        text: Preview,
    },
    /// A polling response body is not UTF-8 text.
    #[error("a polling payload that is not UTF-8 text")]
    PayloadNotUtf8,
    /// An HTTP response head that is not HTTP/1.x, or whose status line is malformed.
    #[error("a malformed HTTP response ({why}): {text}")]
    BadHttp {
        /// What is wrong with it.
        why: &'static str,
        /// The start of the response head.
        text: Preview,
    },
    /// An HTTP response head longer than [`http::MAX_HEAD`] without its blank line.
    #[error("an HTTP response head longer than {} bytes", http::MAX_HEAD)]
    HttpHeadTooLong,
    /// An HTTP response whose body length is not given by one `Content-Length` (chunked or
    /// close-delimited bodies are not used by Engine.IO servers for polling).
    #[error("an HTTP response without a usable Content-Length ({0})")]
    NoContentLength(&'static str),
    /// An HTTP response body longer than [`http::MAX_BODY`].
    #[error("an HTTP response body of {0} bytes, more than the {max} allowed", max = http::MAX_BODY)]
    HttpBodyTooLong(u64),
}

/// The start of a hostile input, escaped, for an error message: at most [`Preview::CHARS`]
/// characters, control characters and quotes escaped, `…` when cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview(String);

impl Preview {
    /// How many characters of the input a preview shows.
    pub const CHARS: usize = 40;

    /// The preview of `text`.
    ///
    /// ```
    /// use sio_auth::wire::Preview;
    /// assert_eq!(Preview::of("4é\n").to_string(), r#""4é\n""#);
    /// assert_eq!(Preview::of(&"x".repeat(100)).to_string(), format!("\"{}…\"", "x".repeat(40)));
    /// ```
    #[must_use]
    pub fn of(text: &str) -> Self {
        let mut shown: String = text
            .chars()
            .take(Self::CHARS)
            .flat_map(char::escape_debug)
            .collect();
        if text.chars().nth(Self::CHARS).is_some() {
            shown.push('…');
        }
        Self(shown)
    }

    /// The preview of bytes that may not be UTF-8 (invalid sequences shown as `\u{fffd}`).
    #[must_use]
    pub fn of_bytes(bytes: &[u8]) -> Self {
        // Four bytes per character at most: enough to fill the preview and see it was cut.
        let cut = bytes.len().min(Self::CHARS * 4 + 1);
        let mut preview = Self::of(&String::from_utf8_lossy(&bytes[..cut]));
        if cut < bytes.len() && !preview.0.ends_with('…') {
            preview.0.push('…');
        }
        preview
    }
}

impl std::fmt::Display for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_short_escaped_and_one_line() {
        for (input, shown) in [
            ("", r#""""#),
            ("4é", r#""4é""#),
            ("a\r\nb\u{1b}[31m", r#""a\r\nb\u{1b}[31m""#),
            ("\"quoted\"", r#""\"quoted\"""#),
        ] {
            assert_eq!(Preview::of(input).to_string(), shown, "{input:?}");
        }
        let long = "é".repeat(1000);
        let shown = Preview::of(&long).to_string();
        assert_eq!(shown.chars().count(), Preview::CHARS + 3);
        assert!(shown.ends_with("…\""));
        assert_eq!(Preview::of_bytes(b"\xff\xfe0").to_string(), r#""��0""#);
        assert!(
            Preview::of_bytes(&[b'a'; 1000])
                .to_string()
                .ends_with("…\"")
        );
    }

    /// Every layer over the same input, as a client would apply them.
    fn read_everything(bytes: &[u8]) {
        let _ = http::Head::parse(bytes);
        let Ok(packets) = engine::polling_packets(bytes) else {
            return;
        };
        for text in packets {
            match engine::Packet::parse(text) {
                Ok(engine::Packet::Open(json)) => {
                    let _ = engine::Open::parse(json);
                }
                Ok(engine::Packet::Message(message)) => {
                    if let Ok(packet) = socket::Packet::parse(message) {
                        let _ = (
                            packet.verdict("/"),
                            packet.refusal_message(),
                            packet.event(),
                            packet.ack_args(),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn no_text_panics(text in "[0-6b/,\\-\\[\\]{}\"0-9a-zé\u{1e}\r\n: ]{0,60}") {
            read_everything(text.as_bytes());
        }

        #[test]
        fn no_bytes_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            read_everything(&bytes);
        }
    }
}
