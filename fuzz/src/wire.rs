//! [`sio_auth::wire`], through which `bench` reads every byte a server sends: the HTTP response
//! head of a polling request, the polling body, Engine.IO packets and their open JSON,
//! Socket.IO packets, verdicts, refusals and events.
//!
//! The input is read as a response head, as a polling body, and as one WebSocket text frame.
//!
//! Properties: nothing panics; every error message is one line of printable text, short
//! whatever the input's length; a head is decided by its own bytes (the same answer for the
//! head alone, "incomplete" for any shorter prefix) and respects the limits; a polling body
//! splits into records that join back to it; an Engine.IO packet keeps its type character and
//! the rest of its text; an open packet's fields are the JSON's; a Socket.IO packet written back
//! in its canonical form parses to the same packet; a verdict comes only from a connect or
//! connect-error packet of the namespace asked about; an event's name and arguments are the
//! JSON array of its data; an ack's id is the packet's and its arguments the JSON array of its
//! data.

use serde_json::Value;
use sio_auth::wire::engine;
use sio_auth::wire::http::{Head, MAX_BODY, MAX_HEAD};
use sio_auth::wire::socket::{self, Kind, Verdict};
use sio_auth::wire::{Preview, WireError};

pub fn check(data: &[u8]) {
    check_head(data);
    match engine::polling_packets(data) {
        Ok(records) => {
            let records: Vec<&str> = records.collect();
            let joined = records.join(&engine::RECORD_SEPARATOR.to_string());
            assert_eq!(joined.as_bytes(), data, "records of the body");
            for record in records {
                check_engine_packet(record);
            }
        }
        Err(e) => {
            assert!(std::str::from_utf8(data).is_err(), "refused UTF-8 text");
            check_error(&e);
        }
    }
    if let Ok(frame) = std::str::from_utf8(data) {
        check_engine_packet(frame);
    }
}

/// Error messages fit on one line and quote at most a preview of the input.
fn check_error(error: &WireError) {
    let message = error.to_string();
    assert!(
        !message.chars().any(char::is_control),
        "control character in the error {message:?}"
    );
    // The longest fixed text, plus a preview of 40 characters each escaped to at most 10.
    let longest = 100 + Preview::CHARS * 10 + 3;
    assert!(
        message.chars().count() <= longest,
        "an error of {} characters: {message:?}",
        message.chars().count()
    );
}

fn check_head(buf: &[u8]) {
    let terminator = buf.windows(4).position(|w| w == b"\r\n\r\n");
    match Head::parse(buf) {
        Ok(Some(head)) => {
            let end = terminator.expect("a head was found, so is its blank line");
            assert_eq!(head.len, end + 4, "the head ends at the first blank line");
            assert!(head.len <= MAX_HEAD, "a head of {} bytes", head.len);
            assert!((100..600).contains(&head.status), "status {}", head.status);
            assert!(head.content_length as u64 <= MAX_BODY);
            assert!(buf.starts_with(b"HTTP/1."));
            assert_eq!(Head::parse(&buf[..head.len]), Ok(Some(head)));
            assert_eq!(Head::parse(&buf[..head.len - 1]), Ok(None));
        }
        Ok(None) => {
            assert!(
                buf.len() < MAX_HEAD,
                "no error for {} bytes without a head",
                buf.len()
            );
            assert!(
                terminator.is_none(),
                "a complete head was called incomplete"
            );
        }
        Err(e) => {
            check_error(&e);
            if let Some(end) = terminator.filter(|&end| end + 4 <= MAX_HEAD) {
                // The same verdict on the head alone: what follows it never matters.
                assert_eq!(Head::parse(&buf[..end + 4]), Err(e));
            }
        }
    }
}

fn check_engine_packet(text: &str) {
    let packet = match engine::Packet::parse(text) {
        Ok(packet) => packet,
        Err(e) => {
            check_error(&e);
            assert!(
                !text.starts_with(['0', '1', '2', '3', '4', '5', '6', 'b']),
                "refused {text:?}"
            );
            return;
        }
    };
    let (kind, rest) = match packet {
        engine::Packet::Open(rest) => ('0', Some(rest)),
        engine::Packet::Close => ('1', None),
        engine::Packet::Ping(rest) => ('2', Some(rest)),
        engine::Packet::Pong(rest) => ('3', Some(rest)),
        engine::Packet::Message(rest) => ('4', Some(rest)),
        engine::Packet::Upgrade => ('5', None),
        engine::Packet::Noop => ('6', None),
        engine::Packet::Binary(rest) => ('b', Some(rest)),
    };
    assert!(text.starts_with(kind), "{text:?} read as {packet:?}");
    if let Some(rest) = rest {
        assert_eq!(&text[1..], rest, "{text:?} read as {packet:?}");
    }
    match packet {
        engine::Packet::Open(json) => check_open(json),
        engine::Packet::Message(message) => check_socket_packet(message),
        _ => {}
    }
}

fn check_open(json: &str) {
    let open = match engine::Open::parse(json) {
        Ok(open) => open,
        Err(e) => return check_error(&e),
    };
    let value: Value = serde_json::from_str(json).expect("an accepted open packet is JSON");
    assert_eq!(value["sid"].as_str(), Some(open.sid.as_str()));
    assert!(!open.sid.is_empty() && open.sid.len() <= engine::MAX_SID);
    assert!(
        open.sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b)),
        "sid {:?}",
        open.sid
    );
    assert_eq!(value["pingInterval"].as_u64(), Some(open.ping_interval));
    assert_eq!(value["pingTimeout"].as_u64(), Some(open.ping_timeout));
    assert_eq!(value["maxPayload"].as_u64(), open.max_payload);
}

/// How socket.io-parser writes the packet: the canonical form of what was parsed.
fn canonical(packet: &socket::Packet<'_>) -> String {
    let kind = match packet.kind {
        Kind::Connect => '0',
        Kind::Disconnect => '1',
        Kind::Event => '2',
        Kind::Ack => '3',
        Kind::ConnectError => '4',
        Kind::BinaryEvent => '5',
        Kind::BinaryAck => '6',
    };
    let mut out = String::from(kind);
    if let Some(count) = packet.attachments {
        out.push_str(&format!("{count}-"));
    }
    if packet.namespace != "/" || packet.data.starts_with('/') {
        out.push_str(packet.namespace);
        out.push(',');
    }
    if let Some(ack) = packet.ack {
        out.push_str(&ack.to_string());
    }
    out.push_str(packet.data);
    out
}

fn check_socket_packet(text: &str) {
    let packet = match socket::Packet::parse(text) {
        Ok(packet) => packet,
        Err(e) => return check_error(&e),
    };
    assert!(text.ends_with(packet.data), "{text:?} read as {packet:?}");
    assert!(
        !packet.namespace.contains(','),
        "{text:?} read as {packet:?}"
    );
    assert!(
        packet.ack.is_some() || !packet.data.starts_with(|c: char| c.is_ascii_digit()),
        "{text:?} read as {packet:?}"
    );
    let written = canonical(&packet);
    assert_eq!(
        socket::Packet::parse(&written),
        Ok(packet),
        "{text:?} written back as {written:?}"
    );

    for namespace in ["/", packet.namespace, "/admin"] {
        let expected = match packet.kind {
            _ if packet.namespace != namespace => None,
            Kind::Connect => Some(Verdict::Accepted),
            Kind::ConnectError => Some(Verdict::Refused),
            _ => None,
        };
        assert_eq!(
            packet.verdict(namespace),
            expected,
            "{text:?} for {namespace:?}"
        );
    }
    if let Some(message) = packet.refusal_message() {
        assert_eq!(packet.kind, Kind::ConnectError);
        let value: Value = serde_json::from_str(packet.data).expect("a refusal is JSON");
        let from_json = value.as_str().or_else(|| value["message"].as_str());
        assert_eq!(from_json, Some(message.as_str()));
    }
    match packet.event() {
        None => assert_ne!(packet.kind, Kind::Event, "{text:?} has no event"),
        Some(Ok((name, args))) => {
            let mut all = vec![Value::String(name)];
            all.extend(args);
            let value: Value = serde_json::from_str(packet.data).expect("an event is JSON");
            assert_eq!(Value::Array(all), value, "{text:?}");
        }
        Some(Err(e)) => check_error(&e),
    }
    match packet.ack_args() {
        None => assert!(
            !matches!(packet.kind, Kind::Ack | Kind::BinaryAck),
            "{text:?} has no ack"
        ),
        Some(Ok(ack)) => {
            assert_eq!(Some(ack.id), packet.ack, "{text:?}");
            let value: Value = serde_json::from_str(packet.data).expect("an ack is JSON");
            assert_eq!(Value::Array(ack.args), value, "{text:?}");
        }
        Some(Err(e)) => check_error(&e),
    }
}
