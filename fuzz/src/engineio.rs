//! What `connect` hands to `rust_engineio` 0.6 from a server, through that crate's public
//! decoding API: [`Packet::try_from`] on each packet of a frame or polling body (a polling body
//! is split at `\x1e`, as the crate's own payload decoder does before it calls the same
//! function), and [`HandshakePacket::try_from`] on an open packet.
//!
//! Properties: decoding never panics; a decoded packet encodes back to bytes that decode to the
//! same packet.

use bytes::Bytes;
use rust_engineio::packet::HandshakePacket;
use rust_engineio::{Packet, PacketId};

pub fn check(data: &[u8]) {
    let whole = Bytes::copy_from_slice(data);
    check_packet(whole.clone());
    for part in whole.split(|&b| b == 0x1e) {
        check_packet(whole.slice_ref(part));
    }
}

fn check_packet(bytes: Bytes) {
    let Ok(packet) = Packet::try_from(bytes) else {
        return;
    };
    let encoded = Bytes::from(packet.clone());
    let again = Packet::try_from(encoded.clone())
        .unwrap_or_else(|e| panic!("{packet:?} encodes to {encoded:?}, which fails: {e}"));
    assert_eq!(again, packet, "{encoded:?}");
    if packet.packet_id == PacketId::Open {
        let _ = HandshakePacket::try_from(packet);
    }
}
