//! Captures made up rather than recorded: a classic pcap writer that frames TCP segments in
//! Ethernet and IPv4, a small deterministic random number generator, and an AMF0 encoder for
//! the bodies of made-up commands and data messages. (The TUI's tests build their sessions and
//! rows with `tui::testkit`.)
//!
//! The benchmark capture generator (`rtmpscope-gencap`) and the integration tests both build
//! their captures with these, so a generated capture and a test's crafted one are framed by the
//! same code. Nothing here reads the wire: the only failures are the writer's I/O errors and a
//! payload too big for one IPv4 packet, both returned as [`std::io::Error`].

use std::io::{self, Write};

/// An IPv4 address and a TCP port.
pub type Endpoint = ([u8; 4], u16);

/// TCP flag FIN.
pub const FIN: u8 = 0x01;
/// TCP flag SYN.
pub const SYN: u8 = 0x02;
/// TCP flag RST.
pub const RST: u8 = 0x04;
/// TCP flag PSH.
pub const PSH: u8 = 0x08;
/// TCP flag ACK.
pub const ACK: u8 = 0x10;

/// The time the clock of a new [`PcapWriter`] starts at (2023-11-14 22:13:20 UTC), in
/// microseconds since the Unix epoch.
pub const START_MICROS: u64 = 1_700_000_000_000_000;

/// The snap length written in the file header.
const SNAPLEN: u32 = 262_144;
/// Link type Ethernet.
const LINKTYPE_ETHERNET: u32 = 1;
/// Ethernet header (destination, source, type).
const ETHERNET_LEN: usize = 14;
/// IPv4 header without options.
const IPV4_LEN: usize = 20;
/// TCP header without options.
const TCP_LEN: usize = 20;
/// A pcap record header.
const RECORD_LEN: usize = 16;

/// Writes a classic little-endian pcap file (microsecond timestamps, Ethernet) of IPv4 TCP
/// segments, each `step_micros` after the one before.
///
/// Every frame has zeroed MAC addresses, an IPv4 header with Don't Fragment, TTL 64 and no
/// checksum, and a TCP header without options, window 65535 and no checksum.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    micros: u64,
    step_micros: u64,
    written: u64,
    packets: u64,
    /// The record, Ethernet, IPv4 and TCP headers of the packet being written.
    header: Vec<u8>,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header to `out`; the first packet will be `step_micros` after
    /// [`START_MICROS`].
    pub fn new(mut out: W, step_micros: u64) -> io::Result<Self> {
        out.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
        out.write_all(&2u16.to_le_bytes())?;
        out.write_all(&4u16.to_le_bytes())?;
        // Time zone and timestamp accuracy, both zero.
        out.write_all(&[0; 8])?;
        out.write_all(&SNAPLEN.to_le_bytes())?;
        out.write_all(&LINKTYPE_ETHERNET.to_le_bytes())?;
        Ok(PcapWriter {
            out,
            micros: START_MICROS,
            step_micros,
            written: 24,
            packets: 0,
            header: Vec::with_capacity(RECORD_LEN + ETHERNET_LEN + IPV4_LEN + TCP_LEN),
        })
    }

    /// Writes one TCP segment from `src` to `dst` with the given sequence and acknowledgement
    /// numbers, `flags` (such as [`SYN`] `|` [`ACK`]) and `payload`.
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`] when the payload does not fit in one IPv4
    /// packet or the clock has run past what a pcap timestamp holds (the year 2106), and with
    /// the writer's error when writing fails.
    pub fn segment(
        &mut self,
        src: Endpoint,
        dst: Endpoint,
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) -> io::Result<()> {
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_owned());
        self.micros = self.micros.saturating_add(self.step_micros);
        let ip_len = u16::try_from(IPV4_LEN + TCP_LEN + payload.len())
            .map_err(|_| invalid("the payload does not fit in one IPv4 packet"))?;
        let frame_len = u32::from(ip_len) + ETHERNET_LEN as u32;
        let secs = u32::try_from(self.micros / 1_000_000)
            .map_err(|_| invalid("the packet time does not fit in a pcap timestamp"))?;
        let usecs = (self.micros % 1_000_000) as u32;
        let header = &mut self.header;
        header.clear();
        for field in [secs, usecs, frame_len, frame_len] {
            header.extend_from_slice(&field.to_le_bytes());
        }
        // Ethernet: zeroed destination and source, type IPv4.
        header.extend_from_slice(&[0; 12]);
        header.extend_from_slice(&[0x08, 0x00]);
        // IPv4: version 4, header length 5 words, total length, identification 0, Don't
        // Fragment, TTL 64, protocol TCP, checksum 0, addresses.
        header.extend_from_slice(&[0x45, 0]);
        header.extend_from_slice(&ip_len.to_be_bytes());
        header.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
        header.extend_from_slice(&src.0);
        header.extend_from_slice(&dst.0);
        // TCP: ports, numbers, data offset 5 words, flags, window 65535, checksum and urgent
        // pointer 0.
        header.extend_from_slice(&src.1.to_be_bytes());
        header.extend_from_slice(&dst.1.to_be_bytes());
        header.extend_from_slice(&seq.to_be_bytes());
        header.extend_from_slice(&ack.to_be_bytes());
        header.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        self.out.write_all(header)?;
        self.out.write_all(payload)?;
        self.written = self
            .written
            .saturating_add(header.len() as u64)
            .saturating_add(payload.len() as u64);
        self.packets = self.packets.saturating_add(1);
        Ok(())
    }

    /// Bytes written so far, the file header included.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Packets written so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// The writer, to flush it or take the bytes back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// A small deterministic random number generator (xorshift64*): the same seed gives the same
/// numbers on every machine and every run. Not for anything that must be unpredictable.
#[derive(Debug, Clone)]
pub struct Dice(u64);

impl Dice {
    /// A generator seeded with `seed`, its lowest bit set (xorshift's state must never be zero).
    pub fn new(seed: u64) -> Self {
        Dice(seed | 1)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: usize) -> usize {
        // The remainder is below `bound`, so it fits in a usize.
        (self.next_u64() % bound.max(1) as u64) as usize
    }

    /// True with probability `percent` in 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// An AMF0 value to encode.
#[derive(Debug, Clone, PartialEq)]
pub enum Amf<'a> {
    /// A number (marker 0).
    Number(f64),
    /// A boolean (marker 1).
    Boolean(bool),
    /// A string (marker 2): its bytes as given, UTF-8 or not, cut at 65 535 bytes.
    Text(&'a [u8]),
    /// Null (marker 5).
    Null,
    /// An anonymous object (marker 3): its properties in order, then the end marker.
    Object(Vec<(&'a str, Amf<'a>)>),
    /// An ECMA array (marker 8): its count, its properties, then the end marker.
    EcmaArray(Vec<(&'a str, Amf<'a>)>),
    /// A strict array (marker 10): its count, then its items.
    StrictArray(Vec<Amf<'a>>),
}

impl Amf<'_> {
    /// Appends the value's AMF0 encoding to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Amf::Number(n) => {
                out.push(0x00);
                out.extend_from_slice(&n.to_be_bytes());
            }
            Amf::Boolean(b) => out.extend_from_slice(&[0x01, u8::from(*b)]),
            Amf::Text(bytes) => {
                out.push(0x02);
                amf0_short_bytes(out, bytes);
            }
            Amf::Null => out.push(0x05),
            Amf::Object(properties) => {
                out.push(0x03);
                amf0_properties(out, properties);
            }
            Amf::EcmaArray(properties) => {
                out.push(0x08);
                out.extend_from_slice(&(properties.len() as u32).to_be_bytes());
                amf0_properties(out, properties);
            }
            Amf::StrictArray(items) => {
                out.push(0x0A);
                out.extend_from_slice(&(items.len() as u32).to_be_bytes());
                for item in items {
                    item.encode(out);
                }
            }
        }
    }
}

/// The AMF0 encoding of `values`, one after another: the body of a command or data message.
pub fn amf0_body(values: &[Amf<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for value in values {
        value.encode(&mut out);
    }
    out
}

/// An AMF0 string value: its marker (2), then its length (16 bits) and bytes; text longer than
/// an AMF0 string holds is cut to fit.
pub fn amf0_string(text: &str) -> Vec<u8> {
    amf0_body(&[Amf::Text(text.as_bytes())])
}

/// Appends `bytes` after their length in 16 bits, as AMF0 writes a string or a property name,
/// cut to the 65 535 bytes that length holds.
fn amf0_short_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let bytes = bytes.get(..usize::from(u16::MAX)).unwrap_or(bytes);
    out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Appends an object's or ECMA array's properties, each a name and a value, then the end
/// marker (an empty name and marker 9).
fn amf0_properties(out: &mut Vec<u8>, properties: &[(&str, Amf<'_>)]) {
    for (name, value) in properties {
        amf0_short_bytes(out, name.as_bytes());
        value.encode(out);
    }
    out.extend_from_slice(&[0, 0, 0x09]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_is_framed_field_by_field() {
        let mut writer = PcapWriter::new(Vec::new(), 100).expect("in memory");
        writer
            .segment(
                ([10, 0, 0, 1], 40000),
                ([10, 0, 0, 2], 1935),
                7,
                9,
                ACK | PSH,
                b"hi",
            )
            .expect("in memory");
        assert_eq!(writer.packets(), 1);
        assert_eq!(writer.written(), 24 + 16 + 54 + 2);
        let bytes = writer.into_inner();
        // File header: magic, version 2.4, snap length, Ethernet.
        assert_eq!(bytes[..4], [0xd4, 0xc3, 0xb2, 0xa1]);
        assert_eq!(bytes[4..8], [2, 0, 4, 0]);
        assert_eq!(bytes[16..24], [0, 0, 4, 0, 1, 0, 0, 0]);
        // Record: 100 µs after the start, 56 bytes captured and on the wire.
        assert_eq!(bytes[24..28], 1_700_000_000u32.to_le_bytes());
        assert_eq!(bytes[28..32], 100u32.to_le_bytes());
        assert_eq!(bytes[32..36], 56u32.to_le_bytes());
        assert_eq!(bytes[36..40], 56u32.to_le_bytes());
        // IPv4 total length 42, addresses; TCP ports, numbers and flags; the payload.
        assert_eq!(bytes[40 + 16..40 + 18], 42u16.to_be_bytes());
        assert_eq!(bytes[40 + 26..40 + 34], [10, 0, 0, 1, 10, 0, 0, 2]);
        assert_eq!(bytes[40 + 34..40 + 38], [0x9c, 0x40, 0x07, 0x8f]);
        assert_eq!(bytes[40 + 38..40 + 46], [0, 0, 0, 7, 0, 0, 0, 9]);
        assert_eq!(bytes[40 + 47], ACK | PSH);
        assert_eq!(bytes[40 + 54..], *b"hi");
    }

    #[test]
    fn a_payload_too_big_for_ipv4_is_refused() {
        let mut writer = PcapWriter::new(Vec::new(), 10).expect("in memory");
        let big = vec![0; 65_536];
        let error = writer
            .segment(([10, 0, 0, 1], 1), ([10, 0, 0, 2], 2), 0, 0, ACK, &big)
            .expect_err("too big");
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(writer.packets(), 0);
    }

    #[test]
    fn dice_repeat_for_a_seed() {
        let mut a = Dice::new(7);
        let mut b = Dice::new(6);
        // 6 | 1 == 7: the same generator.
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert!((0..1000).all(|_| a.below(10) < 10));
        assert_eq!(a.below(0), 0);
        assert!((0..1000).all(|_| !a.chance(0) && a.chance(100)));
    }

    #[test]
    fn amf0_values_are_encoded_marker_by_marker() {
        let body = amf0_body(&[
            Amf::Text(b"connect"),
            Amf::Number(1.0),
            Amf::Object(vec![
                ("app", Amf::Text(b"live")),
                ("ok", Amf::Boolean(true)),
            ]),
            Amf::Null,
            Amf::EcmaArray(vec![]),
            Amf::StrictArray(vec![Amf::Null]),
        ]);
        let mut expected = vec![0x02, 0, 7];
        expected.extend_from_slice(b"connect");
        expected.push(0x00);
        expected.extend_from_slice(&1f64.to_be_bytes());
        expected.extend_from_slice(&[0x03, 0, 3, b'a', b'p', b'p', 0x02, 0, 4]);
        expected.extend_from_slice(b"live");
        expected.extend_from_slice(&[0, 2, b'o', b'k', 0x01, 1, 0, 0, 0x09]);
        expected.push(0x05);
        expected.extend_from_slice(&[0x08, 0, 0, 0, 0, 0, 0, 0x09]);
        expected.extend_from_slice(&[0x0A, 0, 0, 0, 1, 0x05]);
        assert_eq!(body, expected);
    }

    #[test]
    fn amf0_strings_longer_than_their_length_field_are_cut() {
        let long = "x".repeat(70_000);
        let string = amf0_string(&long);
        assert_eq!(string[..3], [0x02, 0xFF, 0xFF]);
        assert_eq!(string.len(), 3 + 65_535);
    }
}
