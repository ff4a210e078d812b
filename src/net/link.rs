//! Link-layer headers: Ethernet (with 802.1Q / QinQ tags), BSD NULL and LOOP, Linux cooked
//! captures v1 and v2, raw IP.

use super::{decode_ip, Decoded, LinkType};

/// Ethertypes this decoder follows.
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86DD;
/// VLAN tag ethertypes: 802.1Q, 802.1ad (QinQ), and the older QinQ value.
const VLAN_ETHERTYPES: [u16; 3] = [0x8100, 0x88A8, 0x9100];
/// Most VLAN tags followed before a frame is called malformed.
const MAX_VLAN_TAGS: usize = 4;
/// BSD address family values meaning IPv6 (NetBSD/OpenBSD, FreeBSD, macOS).
const AF_INET6_VALUES: [u32; 3] = [24, 28, 30];
const AF_INET: u32 = 2;

/// Decodes one captured frame of link type `link`.
pub fn decode_frame(link: LinkType, frame: &[u8]) -> Decoded<'_> {
    match link {
        LinkType::ETHERNET => ethernet(frame),
        LinkType::NULL => bsd_loopback(frame, u32::from_ne_bytes),
        LinkType::LOOP => bsd_loopback(frame, u32::from_be_bytes),
        LinkType::LINUX_SLL => cooked(frame, 16, 14),
        LinkType::LINUX_SLL2 => cooked(frame, 20, 0),
        LinkType::RAW_DLT12
        | LinkType::RAW_DLT14
        | LinkType::RAW
        | LinkType::IPV4
        | LinkType::IPV6 => decode_ip(frame),
        _ => Decoded::Malformed("unsupported link type"),
    }
}

/// Reads a big-endian u16 at `at`.
fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    let pair = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([*pair.first()?, *pair.get(1)?]))
}

/// Continues with the payload of an ethertype.
fn by_ethertype(ethertype: u16, payload: &[u8]) -> Decoded<'_> {
    match ethertype {
        ETHERTYPE_IPV4 | ETHERTYPE_IPV6 => decode_ip(payload),
        _ => Decoded::NotTcp,
    }
}

fn ethernet(frame: &[u8]) -> Decoded<'_> {
    let Some(mut ethertype) = be16(frame, 12) else {
        return Decoded::Malformed("frame shorter than an Ethernet header");
    };
    let mut offset = 14;
    for _ in 0..MAX_VLAN_TAGS {
        if !VLAN_ETHERTYPES.contains(&ethertype) {
            return by_ethertype(ethertype, frame.get(offset..).unwrap_or_default());
        }
        // A tag is 2 bytes of priority/VLAN id, then the next ethertype.
        let Some(next) = be16(frame, offset + 2) else {
            return Decoded::Malformed("VLAN tag cut short");
        };
        ethertype = next;
        offset += 4;
    }
    Decoded::Malformed("too many VLAN tags")
}

/// BSD loopback: a 4-byte address family, in host order (NULL) or network order (LOOP).
fn bsd_loopback(frame: &[u8], read: fn([u8; 4]) -> u32) -> Decoded<'_> {
    let Some((family, payload)) = frame.split_first_chunk::<4>() else {
        return Decoded::Malformed("frame shorter than a loopback header");
    };
    // The NULL header is in the capturing host's byte order, which may not be ours: accept
    // either order.
    let values = [
        read(*family),
        u32::from_le_bytes(*family),
        u32::from_be_bytes(*family),
    ];
    if values.contains(&AF_INET) || values.iter().any(|v| AF_INET6_VALUES.contains(v)) {
        decode_ip(payload)
    } else {
        Decoded::NotTcp
    }
}

/// Linux cooked capture: a fixed-size header holding the ethertype at `ethertype_at`.
fn cooked(frame: &[u8], header_len: usize, ethertype_at: usize) -> Decoded<'_> {
    match (be16(frame, ethertype_at), frame.get(header_len..)) {
        (Some(ethertype), Some(payload)) => by_ethertype(ethertype, payload),
        _ => Decoded::Malformed("frame shorter than a Linux cooked header"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    /// An IPv4/TCP packet (no link header) carrying `payload`.
    fn ipv4_tcp(payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .tcp(5000, 1935, 7, 100)
            .write(&mut out, payload)
            .unwrap();
        out
    }

    fn ipv6_tcp_with_extension(payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        PacketBuilder::ipv6([1; 16], [2; 16], 64)
            .tcp(5000, 1935, 7, 100)
            .write(&mut out, payload)
            .unwrap();
        // Insert a hop-by-hop options header (8 bytes) between the IPv6 header and TCP.
        let tcp = out.split_off(40);
        out[6] = 0; // next header: hop-by-hop
        let length = u16::from_be_bytes([out[4], out[5]]) + 8;
        out[4..6].copy_from_slice(&length.to_be_bytes());
        out.extend_from_slice(&[6, 0, 1, 4, 0, 0, 0, 0]); // next: TCP; PadN
        out.extend_from_slice(&tcp);
        out
    }

    fn payload_of(decoded: Decoded<'_>) -> Vec<u8> {
        match decoded {
            Decoded::Tcp(segment) => {
                assert_eq!(
                    (segment.src.port(), segment.dst.port(), segment.seq),
                    (5000, 1935, 7)
                );
                segment.payload.to_vec()
            }
            other => panic!("not TCP: {other:?}"),
        }
    }

    fn with_prefix(prefix: &[u8], packet: &[u8]) -> Vec<u8> {
        [prefix, packet].concat()
    }

    #[test]
    fn every_link_type() {
        let ip = ipv4_tcp(b"rtmp");
        let ethernet = with_prefix(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00], &ip);
        assert_eq!(
            payload_of(decode_frame(LinkType::ETHERNET, &ethernet)),
            b"rtmp"
        );
        // 802.1Q then 802.1ad (QinQ): each tag is 2 bytes of TCI and the next ethertype.
        let qinq = with_prefix(
            &[
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0xA8, 0, 5, 0x81, 0x00, 0, 7, 0x08, 0x00,
            ],
            &ip,
        );
        assert_eq!(payload_of(decode_frame(LinkType::ETHERNET, &qinq)), b"rtmp");
        // BSD NULL: family 2 in the capturing host's order (here little-endian).
        assert_eq!(
            payload_of(decode_frame(
                LinkType::NULL,
                &with_prefix(&[2, 0, 0, 0], &ip)
            )),
            b"rtmp"
        );
        assert_eq!(
            payload_of(decode_frame(
                LinkType::NULL,
                &with_prefix(&[0, 0, 0, 2], &ip)
            )),
            b"rtmp"
        );
        // LOOP: network order; IPv6 family 30 (macOS).
        let ip6 = ipv6_tcp_with_extension(b"six");
        assert_eq!(
            payload_of(decode_frame(
                LinkType::LOOP,
                &with_prefix(&[0, 0, 0, 30], &ip6)
            )),
            b"six"
        );
        // Linux SLL: packet type, ARPHRD 772 (loopback), address length and 8 bytes, protocol.
        let sll = with_prefix(&[0, 0, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00], &ip);
        assert_eq!(payload_of(decode_frame(LinkType::LINUX_SLL, &sll)), b"rtmp");
        // Linux SLL2: protocol first, then reserved, interface index, ARPHRD, type, address.
        let sll2 = with_prefix(
            &[
                0x86, 0xDD, 0, 0, 0, 0, 0, 1, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0,
            ],
            &ip6,
        );
        assert_eq!(
            payload_of(decode_frame(LinkType::LINUX_SLL2, &sll2)),
            b"six"
        );
        for raw in [
            LinkType::RAW,
            LinkType::RAW_DLT12,
            LinkType::RAW_DLT14,
            LinkType::IPV4,
        ] {
            assert_eq!(payload_of(decode_frame(raw, &ip)), b"rtmp");
        }
        assert_eq!(payload_of(decode_frame(LinkType::IPV6, &ip6)), b"six");
    }

    #[test]
    fn gtp_u_tunnel_is_decapsulated() {
        let inner = ipv4_tcp(b"tunnelled");
        // GTPv1-U G-PDU: flags 0x32 (version 1, PT, sequence present), type 0xFF, length, TEID,
        // then sequence (2), N-PDU (1), next extension (0).
        let mut gtp = vec![0x32, 0xFF, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0];
        gtp.extend_from_slice(&inner);
        let mut outer = Vec::new();
        PacketBuilder::ipv4([192, 168, 0, 1], [192, 168, 0, 2], 64)
            .udp(2152, 2152)
            .write(&mut outer, &gtp)
            .unwrap();
        let frame = with_prefix(
            &[
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0x00, 0, 9, 0x08, 0x00,
            ],
            &outer,
        );
        assert_eq!(
            payload_of(decode_frame(LinkType::ETHERNET, &frame)),
            b"tunnelled"
        );
    }

    #[test]
    fn padding_truncation_and_garbage() {
        let ip = ipv4_tcp(b"ab");
        // Ethernet padding after the IP packet is not payload.
        let mut padded = with_prefix(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00], &ip);
        padded.extend_from_slice(&[0; 10]);
        assert_eq!(payload_of(decode_frame(LinkType::ETHERNET, &padded)), b"ab");
        // A snap length that cuts the payload: what was captured, and how much is missing.
        let long = ipv4_tcp(&[7; 100]);
        match decode_frame(LinkType::RAW, &long[..60]) {
            Decoded::Tcp(segment) => assert_eq!((segment.payload.len(), segment.missing), (20, 80)),
            other => panic!("{other:?}"),
        }
        // Every cut of a frame decodes to something, never a panic.
        for cut in 0..padded.len() {
            let _ = decode_frame(LinkType::ETHERNET, &padded[..cut]);
            let _ = decode_frame(LinkType::LINUX_SLL2, &padded[..cut]);
            let _ = decode_frame(LinkType::NULL, &padded[..cut]);
        }
        assert_eq!(
            decode_frame(LinkType::ETHERNET, &[0; 5]),
            Decoded::Malformed("frame shorter than an Ethernet header")
        );
        // ARP is not TCP.
        assert_eq!(
            decode_frame(
                LinkType::ETHERNET,
                &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x06, 0, 1]
            ),
            Decoded::NotTcp
        );
        assert!(!LinkType(147).is_supported());
        assert_eq!(LinkType(147).name(), "USER");
    }
}
