//! Link, IP and TCP decoding: from a captured frame to a [`TcpSegment`] borrowing the payload.
//!
//! Link headers are read here ([`link`]); IP (with IPv6 extension headers) and TCP are sliced by
//! etherparse's lax slicer, which keeps what a truncated frame holds. TCP inside GTP-U tunnels
//! (mobile core captures) is decapsulated ([`gtp`]). Nothing here allocates or panics: a frame
//! that does not parse becomes [`Decoded::Malformed`] with the reason.

// Decoders read bytes anyone can send: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod gtp;
mod ip;
mod link;

use std::net::SocketAddr;

pub use ip::decode_ip;
pub use link::decode_frame;

/// A pcap link-layer type (LINKTYPE_* / DLT_* value). Open: unknown values are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    /// True for the link types [`decode_frame`] understands.
    pub fn is_supported(self) -> bool {
        matches!(
            self,
            Self::NULL
                | Self::ETHERNET
                | Self::RAW_DLT12
                | Self::RAW_DLT14
                | Self::RAW
                | Self::LOOP
                | Self::LINUX_SLL
                | Self::IPV4
                | Self::IPV6
                | Self::LINUX_SLL2
        )
    }

    /// The usual name of the link type, for messages.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "NULL",
            1 => "EN10MB (Ethernet)",
            12 | 14 | 101 => "RAW",
            108 => "LOOP",
            113 => "LINUX_SLL",
            147..=162 => "USER",
            228 => "IPV4",
            229 => "IPV6",
            276 => "LINUX_SLL2",
            105 => "IEEE802_11",
            127 => "IEEE802_11_RADIOTAP",
            _ => "unknown",
        }
    }

    /// BSD loopback (DLT_NULL): 4-byte host-order address family.
    pub const NULL: Self = Self(0);
    /// Ethernet (DLT_EN10MB).
    pub const ETHERNET: Self = Self(1);
    /// Raw IP as libpcap reports it on some platforms (DLT_RAW = 12).
    pub const RAW_DLT12: Self = Self(12);
    /// Raw IP (DLT_RAW = 14 on OpenBSD).
    pub const RAW_DLT14: Self = Self(14);
    /// Raw IP (LINKTYPE_RAW = 101).
    pub const RAW: Self = Self(101);
    /// OpenBSD loopback (DLT_LOOP): 4-byte network-order address family.
    pub const LOOP: Self = Self(108);
    /// Linux cooked capture v1 (`tcpdump -i any`, older).
    pub const LINUX_SLL: Self = Self(113);
    /// Raw IPv4.
    pub const IPV4: Self = Self(228);
    /// Raw IPv6.
    pub const IPV6: Self = Self(229);
    /// Linux cooked capture v2 (`tcpdump -i any`).
    pub const LINUX_SLL2: Self = Self(276);
}

/// TCP flag bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpFlags {
    /// SYN.
    pub syn: bool,
    /// ACK (the acknowledgement number is valid).
    pub ack: bool,
    /// FIN.
    pub fin: bool,
    /// RST.
    pub rst: bool,
    /// PSH.
    pub psh: bool,
}

/// One TCP segment, borrowing its payload from the captured frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    /// Sender address and port.
    pub src: SocketAddr,
    /// Receiver address and port.
    pub dst: SocketAddr,
    /// Sequence number of the first payload byte (of the SYN itself on a SYN).
    pub seq: u32,
    /// Acknowledgement number (meaningful when `flags.ack`).
    pub ack: u32,
    /// Flags.
    pub flags: TcpFlags,
    /// The payload bytes that were captured.
    pub payload: &'a [u8],
    /// Payload bytes the IP header announced but the capture does not hold (snap length).
    pub missing: u32,
    /// The receive window the sender advertises, as on the wire (not scaled): 0 is a zero
    /// window, the sender's buffer full.
    pub window: u16,
}

/// What a captured frame turned out to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A TCP segment.
    Tcp(TcpSegment<'a>),
    /// Something that is not TCP over IP (ARP, UDP, ICMP, …): skipped.
    NotTcp,
    /// An IP fragment: fragments are not reassembled, so its TCP content is not seen.
    Fragment,
    /// A frame too short or inconsistent for its headers: the reason.
    Malformed(&'static str),
}
