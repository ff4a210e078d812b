//! Link, IP and TCP decoding: from a captured frame to a [`TcpSegment`] borrowing the payload.
//!
//! PLACEHOLDER: decoding to be implemented. The types below are the contract.

use std::net::SocketAddr;

/// A pcap link-layer type (LINKTYPE_* / DLT_* value). Open: unknown values are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
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
}
