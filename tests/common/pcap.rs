//! Builds classic pcap files of TCP connections (Ethernet, IPv4) for crafted-input tests, with
//! the library's [`rtmpscope::testkit`] writer.

use std::path::Path;

use rtmpscope::capture::{Next, Source};
use rtmpscope::common::Timestamp;
use rtmpscope::net::{decode_frame, Decoded, TcpFlags};
use rtmpscope::testkit;
pub use rtmpscope::testkit::{amf0_string, ACK, FIN, PSH, SYN};

/// A pcap file being written in memory, 10 µs between packets.
pub struct PcapWriter(testkit::PcapWriter<Vec<u8>>);

impl PcapWriter {
    /// An empty Ethernet capture.
    pub fn new() -> Self {
        PcapWriter(
            testkit::PcapWriter::new(Vec::with_capacity(1 << 20), 10).expect("write to memory"),
        )
    }

    /// One TCP segment from `src` to `dst` (IPv4 address, port), 10 µs after the last.
    pub fn segment(
        &mut self,
        src: ([u8; 4], u16),
        dst: ([u8; 4], u16),
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) {
        self.0
            .segment(src, dst, seq, ack, flags, payload)
            .expect("a segment that fits in one IPv4 packet");
    }

    /// The file's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.0.into_inner()
    }
}

impl Default for PcapWriter {
    fn default() -> Self {
        Self::new()
    }
}

/// One TCP connection from a client to 127.0.0.1:1935, tracking sequence numbers.
pub struct Connection {
    /// Client address and port.
    pub client: ([u8; 4], u16),
    /// Server address and port.
    pub server: ([u8; 4], u16),
    /// Next sequence number of each side (client, server).
    pub next: [u32; 2],
}

impl Connection {
    /// Opens a connection to 127.0.0.1:1935 with a three-way handshake.
    pub fn open(pcap: &mut PcapWriter, client: ([u8; 4], u16)) -> Self {
        Self::open_to(pcap, client, ([127, 0, 0, 1], 1935))
    }

    /// Opens a connection to `server` with a three-way handshake.
    pub fn open_to(pcap: &mut PcapWriter, client: ([u8; 4], u16), server: ([u8; 4], u16)) -> Self {
        pcap.segment(client, server, 1000, 0, SYN, &[]);
        pcap.segment(server, client, 5000, 1001, SYN | ACK, &[]);
        pcap.segment(client, server, 1001, 5001, ACK, &[]);
        Connection {
            client,
            server,
            next: [1001, 5001],
        }
    }

    /// Sends `bytes` from the client (`c2s`) or the server, in segments of at most 1448 bytes.
    pub fn send(&mut self, pcap: &mut PcapWriter, c2s: bool, bytes: &[u8]) {
        for piece in bytes.chunks(1448) {
            let (from, to, side) = if c2s {
                (self.client, self.server, 0)
            } else {
                (self.server, self.client, 1)
            };
            pcap.segment(
                from,
                to,
                self.next[side],
                self.next[1 - side],
                ACK | PSH,
                piece,
            );
            self.next[side] = self.next[side].wrapping_add(piece.len() as u32);
        }
    }

    /// A plain RTMP handshake (C0 C1, S0 S1 S2, C2) with zeroed random parts.
    pub fn rtmp_handshake(&mut self, pcap: &mut PcapWriter) {
        let mut c0c1 = vec![3u8];
        c0c1.extend_from_slice(&[0; 1536]);
        self.send(pcap, true, &c0c1);
        let mut s0s1s2 = vec![3u8];
        s0s1s2.extend_from_slice(&[0; 3072]);
        self.send(pcap, false, &s0s1s2);
        self.send(pcap, true, &[0; 1536]);
    }

    /// Closes with FIN from both sides.
    pub fn close(&mut self, pcap: &mut PcapWriter) {
        pcap.segment(
            self.client,
            self.server,
            self.next[0],
            self.next[1],
            FIN | ACK,
            &[],
        );
        pcap.segment(
            self.server,
            self.client,
            self.next[1],
            self.next[0] + 1,
            FIN | ACK,
            &[],
        );
    }
}

/// One RTMP message as chunks: a format-0 header on `csid` (1-byte, 2-byte or 3-byte form),
/// then format-3 continuation headers every `chunk_size` bytes.
pub fn chunks(
    csid: u32,
    type_id: u8,
    msid: u32,
    length: u32,
    body: &[u8],
    chunk_size: usize,
) -> Vec<u8> {
    let mut out = basic_header(0, csid);
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(&length.to_be_bytes()[1..]);
    out.push(type_id);
    out.extend_from_slice(&msid.to_le_bytes());
    for (index, piece) in body.chunks(chunk_size.max(1)).enumerate() {
        if index > 0 {
            out.extend(basic_header(3, csid));
        }
        out.extend_from_slice(piece);
    }
    out
}

fn basic_header(fmt: u8, csid: u32) -> Vec<u8> {
    match csid {
        2..=63 => vec![fmt << 6 | csid as u8],
        64..=319 => vec![fmt << 6, (csid - 64) as u8],
        _ => {
            let rest = csid - 64;
            vec![fmt << 6 | 1, (rest & 0xff) as u8, (rest >> 8) as u8]
        }
    }
}

/// One captured TCP segment, owning its payload.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Capture time.
    pub time: Timestamp,
    /// Sender.
    pub src: std::net::SocketAddr,
    /// Receiver.
    pub dst: std::net::SocketAddr,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number.
    pub ack: u32,
    /// Flags.
    pub flags: TcpFlags,
    /// Advertised receive window, as on the wire.
    pub window: u16,
    /// The payload captured.
    pub payload: Vec<u8>,
    /// Payload bytes the capture's snap length cut.
    pub missing: u32,
}

/// The TCP segments of a capture file, in capture order.
pub fn tcp_segments(capture: &Path) -> Vec<Segment> {
    let mut source = Source::open_file(capture, None).expect("open the capture");
    let link = source.link_type();
    let mut out = Vec::new();
    while let Next::Packet(packet) = source.next_packet() {
        if let Decoded::Tcp(s) = decode_frame(link, packet.data) {
            out.push(Segment {
                time: packet.time,
                src: s.src,
                dst: s.dst,
                seq: s.seq,
                ack: s.ack,
                flags: s.flags,
                window: s.window,
                payload: s.payload.to_vec(),
                missing: s.missing,
            });
        }
    }
    out
}

/// An AMF0 command body: the name, transaction id 0.0, then `rest` (the object and arguments).
pub fn amf0_command(name: &str, rest: &[u8]) -> Vec<u8> {
    let mut body = amf0_string(name);
    body.extend_from_slice(&[0; 9]); // number 0.0 (transaction id)
    body.extend_from_slice(rest);
    body
}
