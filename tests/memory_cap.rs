//! `--memory-cap` is a promise: whatever grows with the input — decoder tables, chunk streams,
//! analysis series and metadata, sessions — stays within it, so the peak RSS stays under the
//! cap plus a documented constant ([`SLACK_MIB`]). Each case is a crafted capture from the
//! red-team report, run through the real binary under /usr/bin/time.

mod common;

use common::measure::{run, Run};
use common::pcap::{amf0_string, Connection, PcapWriter};

/// The cap every case runs under, MiB.
const CAP_MIB: f64 = 16.0;
/// What the process needs beyond the cap: code, libpcap's buffers, the output buffer, the
/// read-ahead batches and allocator slack (documented in the README's "Hostile input").
const SLACK_MIB: f64 = 24.0;

/// A format-0 chunk (header and whole body, which must fit in one 128-byte chunk) with a
/// timestamp, on chunk stream `csid` (2 to 319).
fn message(csid: u32, timestamp_ms: u32, type_id: u8, msid: u32, body: &[u8]) -> Vec<u8> {
    let mut out = match csid {
        2..=63 => vec![csid as u8],
        _ => vec![0, (csid - 64) as u8],
    };
    out.extend_from_slice(&timestamp_ms.to_be_bytes()[1..]);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.push(type_id);
    out.extend_from_slice(&msid.to_le_bytes());
    for (index, piece) in body.chunks(128).enumerate() {
        if index > 0 {
            out.push(0xC0 | csid.min(63) as u8);
        }
        out.extend_from_slice(piece);
    }
    out
}

/// `sessions` connections from distinct client ports, each given `c2s(session)` after its
/// handshake and left open.
fn sessions(count: u16, c2s: impl Fn(u16) -> Vec<u8>) -> Vec<u8> {
    let mut pcap = PcapWriter::new();
    for session in 0..count {
        let client = ([10, 1, (session >> 8) as u8, session as u8], 40000);
        let mut connection = Connection::open(&mut pcap, client);
        connection.rtmp_handshake(&mut pcap);
        connection.send(&mut pcap, true, &c2s(session));
    }
    pcap.finish()
}

fn within_cap(run: &Run) {
    assert!(
        run.peak_rss_mib <= CAP_MIB + SLACK_MIB,
        "peak RSS {:.1} MiB over {CAP_MIB} MiB + {SLACK_MIB} MiB",
        run.peak_rss_mib
    );
}

#[test]
fn per_stream_series_with_minute_steps() {
    // 64 message streams a session, each a video message a minute of media time for 4 hours.
    let capture = sessions(24, |_| {
        let mut c2s = Vec::new();
        for minute in 0..240u32 {
            for msid in 1..=64 {
                c2s.extend(message(6, minute * 60_000, 9, msid, &[0x27, 1, 0, 0, 0]));
            }
        }
        c2s
    });
    let run = run("series", capture, &["--summary", "--memory-cap", "16"]);
    assert_eq!(run.count("event", "session_summary"), 24);
    within_cap(&run);
}

#[test]
fn metadata_of_every_stream() {
    // onMetaData with 8 000 properties on each of 64 message streams.
    let capture = sessions(4, |_| {
        let mut body = amf0_string("onMetaData");
        body.push(8); // ECMA array
        body.extend_from_slice(&8000u32.to_be_bytes());
        for key in 0..8000u32 {
            let name = format!("k{key}");
            body.extend_from_slice(&(name.len() as u16).to_be_bytes());
            body.extend_from_slice(name.as_bytes());
            body.push(0);
            body.extend_from_slice(&1.0f64.to_be_bytes());
        }
        body.extend_from_slice(&[0, 0, 9]);
        let mut c2s = Vec::new();
        // Messages longer than one chunk need the chunk size raised first.
        c2s.extend(message(2, 0, 1, 0, &(1u32 << 20).to_be_bytes()));
        for msid in 1..=64 {
            let mut header = vec![4u8];
            header.extend_from_slice(&[0, 0, 0]);
            header.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
            header.push(18);
            header.extend_from_slice(&(msid as u32).to_le_bytes());
            c2s.extend(header);
            c2s.extend_from_slice(&body);
        }
        c2s
    });
    let run = run("metadata", capture, &["--summary", "--memory-cap", "16"]);
    assert_eq!(run.count("event", "session_summary"), 4);
    within_cap(&run);
}

#[test]
fn thousands_of_open_sessions() {
    let capture = sessions(6000, |_| message(3, 0, 20, 0, &amf0_string("connect")));
    let run = run("sessions", capture, &["--summary", "--memory-cap", "16"]);
    within_cap(&run);
}

#[test]
fn a_thousand_chunk_streams_in_each_of_many_sessions() {
    let capture = sessions(1500, |_| {
        let mut c2s = Vec::new();
        for csid in 2..1026u32 {
            let csid = 64 + (csid % 256);
            c2s.extend(message(csid, 0, 9, 1, &[0x27]));
        }
        c2s
    });
    let run = run("chunk-streams", capture, &["--memory-cap", "16"]);
    within_cap(&run);
}
