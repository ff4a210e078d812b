//! IP and TCP, sliced by etherparse's lax slicer (keeps what a truncated packet holds).

use std::net::{IpAddr, SocketAddr};

use etherparse::{LaxNetSlice, LaxSlicedPacket, TransportSlice};

use super::{gtp, Decoded, TcpFlags, TcpSegment};

/// Decodes an IPv4 or IPv6 packet (the version nibble says which).
pub fn decode_ip(packet: &[u8]) -> Decoded<'_> {
    decode_ip_nested(packet, 0)
}

/// IP decoding with a bound on tunnel nesting (GTP-U inside GTP-U…).
pub(super) fn decode_ip_nested(packet: &[u8], depth: u8) -> Decoded<'_> {
    let Ok(sliced) = LaxSlicedPacket::from_ip(packet) else {
        return Decoded::Malformed("IP header truncated or invalid");
    };
    let (source, destination, payload) = match &sliced.net {
        Some(LaxNetSlice::Ipv4(ipv4)) => {
            let header = ipv4.header();
            let source = IpAddr::V4(header.source_addr());
            let destination = IpAddr::V4(header.destination_addr());
            (source, destination, ipv4.payload().clone())
        }
        Some(LaxNetSlice::Ipv6(ipv6)) => {
            let header = ipv6.header();
            let source = IpAddr::V6(header.source_addr());
            let destination = IpAddr::V6(header.destination_addr());
            (source, destination, ipv6.payload().clone())
        }
        Some(LaxNetSlice::Arp(_)) | None => return Decoded::NotTcp,
    };
    if payload.fragmented {
        return Decoded::Fragment;
    }
    match &sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => {
            // The bytes the IP header announces for TCP, against those captured.
            let announced = announced_len(packet, &sliced).unwrap_or(payload.payload.len());
            let missing = announced.saturating_sub(payload.payload.len());
            Decoded::Tcp(TcpSegment {
                src: SocketAddr::new(source, tcp.source_port()),
                dst: SocketAddr::new(destination, tcp.destination_port()),
                seq: tcp.sequence_number(),
                ack: tcp.acknowledgment_number(),
                flags: TcpFlags {
                    syn: tcp.syn(),
                    ack: tcp.ack(),
                    fin: tcp.fin(),
                    rst: tcp.rst(),
                    psh: tcp.psh(),
                },
                payload: tcp.payload(),
                missing: u32::try_from(missing).unwrap_or(u32::MAX),
                window: tcp.window_size(),
            })
        }
        Some(TransportSlice::Udp(udp)) => {
            if gtp::is_gtp_u(udp.source_port(), udp.destination_port()) && depth < 2 {
                match gtp::inner_packet(udp.payload()) {
                    Some(inner) => decode_ip_nested(inner, depth.saturating_add(1)),
                    None => Decoded::NotTcp,
                }
            } else {
                Decoded::NotTcp
            }
        }
        Some(_) => Decoded::NotTcp,
        None if payload.ip_number == etherparse::IpNumber::TCP => {
            Decoded::Malformed("TCP header truncated")
        }
        None => Decoded::NotTcp,
    }
}

/// How many bytes of the IP payload (the TCP header and data) the IP header announces.
fn announced_len(packet: &[u8], sliced: &LaxSlicedPacket<'_>) -> Option<usize> {
    match sliced.net.as_ref()? {
        LaxNetSlice::Ipv4(ipv4) => {
            let header = ipv4.header();
            let total = usize::from(header.total_len());
            let header_len = usize::from(header.ihl()).checked_mul(4)?;
            total.checked_sub(header_len)
        }
        LaxNetSlice::Ipv6(ipv6) => {
            let payload_len = usize::from(ipv6.header().payload_length());
            let extensions = ipv6.extensions().slice().len();
            // A zero payload length means a jumbogram: fall back to what was captured.
            if payload_len == 0 {
                return packet.len().checked_sub(40 + extensions);
            }
            payload_len.checked_sub(extensions)
        }
        LaxNetSlice::Arp(_) => None,
    }
}
