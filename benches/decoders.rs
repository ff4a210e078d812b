//! Criterion benches of the hot decoders, each on real bytes from samples/publish_play.pcap:
//! TCP reassembly, the chunk demultiplexer with message decoding (and joining mid-way, fed a
//! byte at a time), AMF0 and AMF3 values, JSON
//! writing, and the whole pipeline; and TLS decryption: one 16 KiB record of each suite, and
//! the RTMPS sample decoded with and without its key log. `cargo bench` runs them; a regression
//! shows up per function.

use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use rtmpscope::amf::AmfLimits;
use rtmpscope::amf::{amf0, amf3};
use rtmpscope::capture::{Next, Source};
use rtmpscope::common::{Direction, Endpoints, PacketMeta, Timestamp};
use rtmpscope::net::{decode_frame, Decoded, TcpFlags, TcpSegment};
use rtmpscope::output::json::JsonWriter;
use rtmpscope::output::line::LineOut;
use rtmpscope::pipeline::{run, RunOptions};
use rtmpscope::reassembly::{FlowId, Reassembler, StreamEvent, StreamSink};
use rtmpscope::rtmp::chunk::{ChunkConfig, ChunkDemuxer, ChunkEvent};
use rtmpscope::rtmp::decode::decode_message;
use rtmpscope::session::event::{Event, EventSink};
use rtmpscope::session::table::{DecoderConfig, SessionTable};
use rtmpscope::testkit::{amf0_body, Amf};

const SAMPLE: &str = "samples/publish_play.pcap";

/// A sink that only counts events.
#[derive(Default)]
struct Count(u64);

impl EventSink for Count {
    fn event(&mut self, _: &Event<'_>) {
        self.0 += 1;
    }
}

/// The whole pipeline from the file at `path` with `config`, into a sink that only counts:
/// how many events it gave.
fn events_in(path: &Path, config: DecoderConfig) -> u64 {
    let mut source = Source::open_file(path, None).expect("the sample");
    let mut table = SessionTable::new(config, Count::default());
    run(
        &mut source,
        &mut Reassembler::default(),
        &mut table,
        &RunOptions::default(),
    );
    table.into_sink().0
}

/// A TCP segment, owned: source, destination, sequence and acknowledgement numbers, flags,
/// payload.
type OwnedSegment = (
    std::net::SocketAddr,
    std::net::SocketAddr,
    u32,
    u32,
    TcpFlags,
    Vec<u8>,
);

/// The sample's TCP segments, owned.
fn segments() -> Vec<OwnedSegment> {
    let mut source = Source::open_file(Path::new(SAMPLE), None).expect("the sample");
    let link = source.link_type();
    let mut out = Vec::new();
    while let Next::Packet(packet) = source.next_packet() {
        if let Decoded::Tcp(s) = decode_frame(link, packet.data) {
            out.push((s.src, s.dst, s.seq, s.ack, s.flags, s.payload.to_vec()));
        }
    }
    out
}

/// Counts stream bytes; keeps the client's chunk stream of the first connection.
#[derive(Default)]
struct Collect {
    bytes: u64,
    first_flow: Option<FlowId>,
    first_flow_c2s: Vec<u8>,
}

impl StreamSink for Collect {
    fn stream_event(
        &mut self,
        _: &PacketMeta,
        flow: FlowId,
        _: &Endpoints,
        event: StreamEvent<'_>,
    ) {
        if let StreamEvent::Data { dir, bytes } = event {
            self.bytes += bytes.len() as u64;
            let first = *self.first_flow.get_or_insert(flow);
            if flow == first && dir == Direction::ClientToServer {
                self.first_flow_c2s.extend_from_slice(bytes);
            }
        }
    }
}

fn reassemble(segments: &[OwnedSegment]) -> Collect {
    let mut reassembler = Reassembler::default();
    let mut sink = Collect::default();
    let mut meta = PacketMeta::default();
    for (src, dst, seq, ack, flags, payload) in segments {
        meta.frame += 1;
        meta.time = Timestamp(meta.frame as i64 * 1000);
        let segment = TcpSegment {
            src: *src,
            dst: *dst,
            seq: *seq,
            ack: *ack,
            flags: *flags,
            payload,
            missing: 0,
            window: 65535,
        };
        reassembler.process(&meta, &segment, &mut sink);
    }
    reassembler.finish(&meta, &mut sink);
    sink
}

/// A demultiplexer joining a chunk stream mid-way, fed `bytes` one at a time: how many
/// messages it gave.
fn join_a_byte_at_a_time(bytes: &[u8]) -> usize {
    let mut demuxer = ChunkDemuxer::mid_stream(ChunkConfig::default());
    let mut messages = 0;
    for byte in bytes.chunks(1) {
        demuxer.feed(byte, &mut |event| {
            if let ChunkEvent::Message { .. } = event {
                messages += 1;
            }
        });
    }
    messages
}

fn benches(c: &mut Criterion) {
    let segments = segments();
    let collected = reassemble(&segments);
    let mut group = c.benchmark_group("decoders");

    group.throughput(Throughput::Bytes(collected.bytes));
    group.bench_function("tcp_reassembly", |b| b.iter(|| reassemble(&segments).bytes));

    // The publisher's chunk stream, after its 3073-byte handshake.
    let chunks = collected
        .first_flow_c2s
        .get(3073..)
        .unwrap_or_default()
        .to_vec();
    group.throughput(Throughput::Bytes(chunks.len() as u64));
    group.bench_function("chunk_demux_and_decode", |b| {
        b.iter(|| {
            let limits = AmfLimits::default();
            let mut demuxer = ChunkDemuxer::new(ChunkConfig::default());
            let mut messages = 0;
            for piece in chunks.chunks(1448) {
                demuxer.feed(piece, &mut |event| {
                    if let ChunkEvent::Message {
                        header, payload, ..
                    } = event
                    {
                        let _ = decode_message(header, payload, &limits);
                        messages += 1;
                    }
                });
            }
            messages
        })
    });

    // A monitor joining the same stream mid-way, its bytes arriving one at a time: each byte
    // starts a search for the position, which must not read again what earlier searches read
    // (the candidates' bodies are scanned once, however the bytes come).
    let joined = chunks.get(15_000..15_000 + (64 << 10)).unwrap_or_default();
    group.throughput(Throughput::Bytes(joined.len() as u64));
    group.bench_function("chunk_lock_on_one_byte_pieces", |b| {
        b.iter(|| join_a_byte_at_a_time(joined))
    });

    // The worst case of that search: a candidate header announcing a 1 MB video frame whose
    // continuation headers never come, fed 256 KiB a byte at a time. Each byte searches again;
    // the body is scanned for continuation headers once.
    let mut long_candidate = vec![
        0x04, 0, 0, 0, 0x10, 0, 0, 9, 1, 0, 0, 0, 0x17, 0x01, 0, 0, 0, 0, 0, 0, 5, 0x65,
    ];
    long_candidate.resize(256 << 10, 0x11);
    group.throughput(Throughput::Bytes(long_candidate.len() as u64));
    group.bench_function("chunk_lock_on_long_candidate_one_byte_pieces", |b| {
        b.iter(|| join_a_byte_at_a_time(&long_candidate))
    });

    // connect's command object and an onMetaData-like ECMA array, AMF0.
    let amf0_bytes = amf0_body(&[
        Amf::Text(b"connect"),
        Amf::Number(1.0),
        Amf::Object(vec![
            ("app", Amf::Text(b"live")),
            (
                "flashVer",
                Amf::Text(b"FMLE/3.0 (compatible; Lavf59.27.100)"),
            ),
            ("tcUrl", Amf::Text(b"rtmp://127.0.0.1:1935/live")),
            ("type", Amf::Text(b"nonprivate")),
        ]),
    ]);
    group.throughput(Throughput::Bytes(amf0_bytes.len() as u64));
    group.bench_function("amf0_values", |b| {
        b.iter(|| {
            amf0::decode_values(&amf0_bytes, &AmfLimits::default())
                .0
                .len()
        })
    });

    // An AMF3 object with a sealed trait, strings, an integer and a double, twice (references).
    let amf3_bytes = [
        0x0A, 0x23, 0x07, b'F', b'o', b'o', 0x05, b'a', b'b', 0x05, b'c', b'd', 0x06, 0x07, b'x',
        b'y', b'z', 0x04, 0x7F, 0x0A, 0x01, 0x06, 0x00, 0x05, 0x40, 0x09, 0x21, 0xFB, 0x54, 0x44,
        0x2D, 0x18,
    ];
    group.throughput(Throughput::Bytes(amf3_bytes.len() as u64));
    group.bench_function("amf3_values", |b| {
        b.iter(|| {
            amf3::decode_values(&amf3_bytes, &AmfLimits::default())
                .0
                .len()
        })
    });

    // JSON writing of every event of the sample.
    group.throughput(Throughput::Elements(571));
    group.bench_function("json_writing", |b| {
        b.iter(|| {
            let out = LineOut::new(Vec::with_capacity(1 << 20), false, Arc::default());
            let mut table = SessionTable::new(DecoderConfig::default(), JsonWriter::new(out));
            let mut reassembler = Reassembler::default();
            let mut meta = PacketMeta::default();
            for (src, dst, seq, ack, flags, payload) in &segments {
                meta.frame += 1;
                let segment = TcpSegment {
                    src: *src,
                    dst: *dst,
                    seq: *seq,
                    ack: *ack,
                    flags: *flags,
                    payload,
                    missing: 0,
                    window: 65535,
                };
                reassembler.process(&meta, &segment, &mut table);
            }
            reassembler.finish(&meta, &mut table);
            table.into_sink().finish().is_ok()
        })
    });

    // The whole pipeline from the file, into a sink that only counts.
    let size = std::fs::metadata(SAMPLE).map(|m| m.len()).unwrap_or(0);
    group.throughput(Throughput::Bytes(size));
    group.bench_function("pipeline_file", |b| {
        b.iter(|| events_in(Path::new(SAMPLE), DecoderConfig::default()))
    });
    group.finish();
}

/// TLS decryption: a full-size record of each suite opened (authenticated and decrypted in
/// place), and the RTMPS sample's pipeline with its key log against without.
fn tls_benches(c: &mut Criterion) {
    use rtmpscope::capture::secrets::load_tls_keys;
    use rtmpscope::transport::tls::keylog::Secret;
    use rtmpscope::transport::tls::keys::{suite_params, RecordKey};

    let mut group = c.benchmark_group("tls");
    let plaintext = vec![0x5Au8; 16 << 10];
    let master = Secret::new(&[3u8; 48]).expect("a secret");
    for (name, version, suite) in [
        ("open_16k_tls12_aes128gcm", 0x0303, 0xC02F),
        ("open_16k_tls12_aes256gcm", 0x0303, 0xC030),
        ("open_16k_tls12_chacha20poly1305", 0x0303, 0xCCA8),
        ("open_16k_tls13_aes128gcm", 0x0304, 0x1301),
        ("open_16k_tls13_chacha20poly1305", 0x0304, 0x1303),
    ] {
        let params = suite_params(version, suite, false).expect("a suite decrypted");
        let key = if params.tls13 {
            let secret = Secret::new(&[4u8; 32]).expect("a secret");
            RecordKey::tls13(params, &secret).expect("a key")
        } else {
            RecordKey::tls12(params, &master, &[1; 32], &[2; 32])
                .expect("keys")
                .0
        };
        let record = key.seal(9, 23, &plaintext).expect("a record");
        let header: [u8; 5] = record[..5].try_into().expect("a header");
        let mut body = record[5..].to_vec();
        group.throughput(Throughput::Bytes(plaintext.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                // Each run opens the sealed record afresh (opening decrypts in place).
                body.copy_from_slice(&record[5..]);
                key.open(9, header, &mut body)
                    .map(|opened| opened.plaintext.len())
            })
        });
    }

    // The RTMPS sample from the file, counting events: with its key log every record is
    // opened and the RTMP inside decoded; without, records are only counted.
    let capture = Path::new("samples/rtmps_chacha.pcap");
    let keys = Arc::new(
        load_tls_keys(&[capture.with_extension("keys")], Some(capture)).expect("the key log"),
    );
    let size = std::fs::metadata(capture).map(|m| m.len()).unwrap_or(0);
    group.throughput(Throughput::Bytes(size));
    for (name, keys) in [
        ("rtmps_pipeline_without_keys", Arc::default()),
        ("rtmps_pipeline_decrypted", keys),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let config = DecoderConfig {
                    tls_keys: Arc::clone(&keys),
                    ..DecoderConfig::default()
                };
                events_in(capture, config)
            })
        });
    }
    group.finish();
}

criterion_group!(decoders, benches, tls_benches);
criterion_main!(decoders);
