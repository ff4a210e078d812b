//! Generates big, realistic captures for benchmarks, with no peers needed: the TCP
//! connections of a real sample capture are replayed as many concurrent connections (each with
//! its own client address and port), cut into MSS-sized segments, with some segments sent out
//! of order and some retransmitted, until the file reaches the size asked for.
//!
//! ```sh
//! cargo run --release --bin rtmpscope-gencap -- OUT.pcap SIZE_MB [SOURCE.pcap] [SEED] [CONCURRENT]
//! ```
//!
//! Deterministic for a given source, size, seed and concurrency.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;

use rtmpscope::capture::{Next, Source};
use rtmpscope::common::Direction;
use rtmpscope::net::{decode_frame, Decoded};
use rtmpscope::testkit::{Dice, Endpoint, PcapWriter, ACK, FIN, PSH, SYN};

/// Payload bytes per segment (an Ethernet MSS with timestamps).
const MSS: usize = 1448;
/// Time between two packets, in microseconds.
const STEP_MICROS: u64 = 100;
/// One segment in this many is sent after the next one.
const REORDER_EVERY: u64 = 50;
/// One segment in this many is sent twice.
const RETRANSMIT_EVERY: u64 = 200;

/// The two byte streams of one connection of the source, in the order they were sent.
struct Conversation {
    /// (direction, bytes), as the capture interleaved them.
    pieces: Vec<(Direction, Vec<u8>)>,
    server_port: u16,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .ok_or("usage: rtmpscope-gencap OUT.pcap SIZE_MB [SOURCE] [SEED] [CONCURRENT]")?;
    let size_mb: u64 = args.get(2).ok_or("SIZE_MB")?.parse()?;
    let source = args
        .get(3)
        .map_or("samples/publish_play.pcap", String::as_str);
    let seed: u64 = args.get(4).map_or(Ok(1), |s| s.parse())?;
    let concurrent: usize = args.get(5).map_or(Ok(16), |s| s.parse())?;
    let conversations = read_conversations(source)?;
    if conversations.is_empty() {
        return Err("the source holds no TCP connection with data".into());
    }
    let mut writer = PcapWriter::new(
        BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?),
        STEP_MICROS,
    )?;
    let mut dice = Dice::new(seed);
    let target = size_mb << 20;
    let mut next_connection = 0u64;
    // Each slot plays one conversation at a time; slots take turns, piece by piece.
    let mut slots: Vec<Replay> = Vec::new();
    while writer.written() < target {
        while slots.len() < concurrent {
            let conversation =
                &conversations[(next_connection % conversations.len() as u64) as usize];
            slots.push(Replay::start(conversation, next_connection, &mut writer)?);
            next_connection += 1;
        }
        let index = dice.below(slots.len());
        let conversation =
            &conversations[(slots[index].source_index % conversations.len() as u64) as usize];
        if !slots[index].step(conversation, &mut writer, &mut dice)? {
            slots.swap_remove(index);
        }
    }
    let (written, packets) = (writer.written(), writer.packets());
    writer.into_inner().flush()?;
    eprintln!("gencap: {written} bytes, {packets} packets, {next_connection} connections");
    Ok(())
}

/// Reads the source's connections (SYN to FIN), their bytes in capture order.
fn read_conversations(path: &str) -> Result<Vec<Conversation>, Box<dyn std::error::Error>> {
    let mut source = Source::open_file(std::path::Path::new(path), None)?;
    let link = source.link_type();
    let mut by_flow: BTreeMap<(SocketAddr, SocketAddr), Conversation> = BTreeMap::new();
    let mut seen_seq: BTreeMap<(SocketAddr, SocketAddr), u32> = BTreeMap::new();
    while let Next::Packet(packet) = source.next_packet() {
        let Decoded::Tcp(segment) = decode_frame(link, packet.data) else {
            continue;
        };
        if segment.payload.is_empty() {
            continue;
        }
        // The client is the side with the higher port.
        let (client, server, dir) = if segment.src.port() > segment.dst.port() {
            (segment.src, segment.dst, Direction::ClientToServer)
        } else {
            (segment.dst, segment.src, Direction::ServerToClient)
        };
        // Skip retransmissions in the source.
        let key = (segment.src, segment.dst);
        let end = segment.seq.wrapping_add(segment.payload.len() as u32);
        if seen_seq
            .get(&key)
            .is_some_and(|&last| end.wrapping_sub(last) as i32 <= 0)
        {
            continue;
        }
        seen_seq.insert(key, end);
        let conversation = by_flow.entry((client, server)).or_insert(Conversation {
            pieces: Vec::new(),
            server_port: server.port(),
        });
        match conversation.pieces.last_mut() {
            Some((last_dir, bytes)) if *last_dir == dir => bytes.extend_from_slice(segment.payload),
            _ => conversation.pieces.push((dir, segment.payload.to_vec())),
        }
    }
    Ok(by_flow.into_values().collect())
}

/// One replayed connection.
struct Replay {
    source_index: u64,
    client: Endpoint,
    server: Endpoint,
    seq: [u32; 2],
    piece: usize,
    offset: usize,
    /// A segment held back to be sent after the next one (reordering).
    held: Option<(Direction, Vec<u8>, u32)>,
}

impl Replay {
    fn start<W: Write>(
        conversation: &Conversation,
        number: u64,
        writer: &mut PcapWriter<W>,
    ) -> std::io::Result<Self> {
        let client = (
            [10, (number >> 16) as u8, (number >> 8) as u8, number as u8],
            40000 + (number % 20000) as u16,
        );
        let server = ([10, 255, 0, 1], conversation.server_port);
        let replay = Replay {
            source_index: number,
            client,
            server,
            seq: [1000, 5000],
            piece: 0,
            offset: 0,
            held: None,
        };
        writer.segment(client, server, 999, 0, SYN, &[])?;
        writer.segment(server, client, 4999, 1000, SYN | ACK, &[])?;
        writer.segment(client, server, 1000, 5000, ACK, &[])?;
        Ok(replay)
    }

    /// Sends the next segment; false when the connection is finished (FIN sent).
    fn step<W: Write>(
        &mut self,
        conversation: &Conversation,
        writer: &mut PcapWriter<W>,
        dice: &mut Dice,
    ) -> std::io::Result<bool> {
        let Some((dir, bytes)) = conversation.pieces.get(self.piece) else {
            if let Some((dir, data, seq)) = self.held.take() {
                self.send(dir, &data, seq, writer)?;
            }
            writer.segment(
                self.client,
                self.server,
                self.seq[0],
                self.seq[1],
                FIN | ACK,
                &[],
            )?;
            writer.segment(
                self.server,
                self.client,
                self.seq[1],
                self.seq[0] + 1,
                FIN | ACK,
                &[],
            )?;
            return Ok(false);
        };
        let end = (self.offset + MSS).min(bytes.len());
        let data = bytes[self.offset..end].to_vec();
        let side = dir.index();
        let seq = self.seq[side];
        self.seq[side] = seq.wrapping_add(data.len() as u32);
        self.offset = end;
        if self.offset >= bytes.len() {
            self.piece += 1;
            self.offset = 0;
        }
        if self.held.is_none() && dice.next_u64().is_multiple_of(REORDER_EVERY) {
            self.held = Some((*dir, data, seq));
            return Ok(true);
        }
        self.send(*dir, &data, seq, writer)?;
        if let Some((held_dir, held, held_seq)) = self.held.take() {
            self.send(held_dir, &held, held_seq, writer)?;
        }
        if dice.next_u64().is_multiple_of(RETRANSMIT_EVERY) {
            self.send(*dir, &data, seq, writer)?;
        }
        Ok(true)
    }

    fn send<W: Write>(
        &self,
        dir: Direction,
        data: &[u8],
        seq: u32,
        writer: &mut PcapWriter<W>,
    ) -> std::io::Result<()> {
        let (from, to, ack) = match dir {
            Direction::ClientToServer => (self.client, self.server, self.seq[1]),
            Direction::ServerToClient => (self.server, self.client, self.seq[0]),
        };
        writer.segment(from, to, seq, ack, PSH | ACK, data)
    }
}
