//! GTP-U (GPRS Tunnelling Protocol, user plane): IP packets of mobile subscribers, carried in
//! UDP port 2152 inside an operator's network. Captures from a mobile core see subscriber TCP
//! only after this header is removed.

/// The UDP port of GTP-U.
const GTP_U_PORT: u16 = 2152;
/// GTP message type of a G-PDU (a tunnelled user packet).
const G_PDU: u8 = 0xFF;

/// True when a UDP datagram is GTP-U by its ports.
pub(super) fn is_gtp_u(source_port: u16, destination_port: u16) -> bool {
    source_port == GTP_U_PORT || destination_port == GTP_U_PORT
}

/// The tunnelled packet of a G-PDU, with the GTPv1-U header (and its optional fields and
/// extension headers) stripped, or `None` for other GTP messages and broken headers.
pub(super) fn inner_packet(datagram: &[u8]) -> Option<&[u8]> {
    let (&flags, rest) = datagram.split_first()?;
    let version = flags >> 5;
    let protocol_type = flags & 0x10 != 0;
    let (&message_type, rest) = rest.split_first()?;
    if version != 1 || !protocol_type || message_type != G_PDU {
        return None;
    }
    // Length (2) and TEID (4).
    let mut rest = rest.get(6..)?;
    let has_optional = flags & 0x07 != 0;
    if !has_optional {
        return Some(rest);
    }
    // Sequence number (2), N-PDU number (1), next extension header type (1).
    let mut next_extension = *rest.get(3)?;
    rest = rest.get(4..)?;
    let has_extensions = flags & 0x04 != 0;
    while has_extensions && next_extension != 0 {
        // Each extension: length in 4-byte units (including this byte), content, next type.
        let units = usize::from(*rest.first()?);
        let length = units.checked_mul(4).filter(|&l| l > 0)?;
        next_extension = *rest.get(length.checked_sub(1)?)?;
        rest = rest.get(length..)?;
    }
    Some(rest)
}
