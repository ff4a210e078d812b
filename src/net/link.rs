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
