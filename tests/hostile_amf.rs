//! AMF3 references as a memory bomb (issue 20, finding 1), each a crafted capture run through
//! the real binary: one type-15 data message whose AMF3 array declares traits with a long class
//! name once and then refers to them 20 000 times (`0A 01`, two bytes each). Every reference
//! used to copy the class name uncounted: 1.29 GB from a 113 KB capture, an abort with a 1 MiB
//! class name. Now the copies are charged against the expansion cap: the decode stops with an
//! error in the output, the process stays within `--memory-cap` plus that cap plus its own
//! footprint, and the messages after the bomb decode as usual.

mod common;

use common::measure::{run_args as run, Run};
use common::pcap::{chunks, Connection, PcapWriter};
use rtmpscope::amf::decoder::MAX_REFERENCE_EXPANSION_BYTES;

/// The process's own footprint with nothing buffered (binary, libpcap, stdio), rounded up:
/// `rtmpscope -r samples/publish_play.pcap --json --memory-cap 16` peaks at 7.1 MiB.
const PROCESS_FOOTPRINT_MIB: f64 = 8.0;

/// The runs the issue asks for.
const ARGS: &[&str] = &["--json", "--memory-cap", "16"];

/// References to the traits after their declaration.
const REFERENCES: u32 = 20_000;

/// `value` as an AMF3 U29 (at most 2^29 - 1).
fn u29(value: u32) -> Vec<u8> {
    match value {
        0..=0x7F => vec![value as u8],
        0x80..=0x3FFF => vec![(value >> 7) as u8 | 0x80, (value & 0x7F) as u8],
        0x4000..=0x1F_FFFF => vec![
            (value >> 14) as u8 | 0x80,
            ((value >> 7) & 0x7F) as u8 | 0x80,
            (value & 0x7F) as u8,
        ],
        _ => vec![
            (value >> 22) as u8 | 0x80,
            ((value >> 15) & 0x7F) as u8 | 0x80,
            ((value >> 8) & 0x7F) as u8 | 0x80,
            value as u8,
        ],
    }
}

/// An inline AMF3 string (no marker).
fn amf3_inline_string(text: &[u8]) -> Vec<u8> {
    let mut out = u29((text.len() as u32) << 1 | 1);
    out.extend_from_slice(text);
    out
}

/// A type-15 body: AMF0 "onBomb", then an AMF3 array of one object whose inline traits have a
/// `class_len`-byte class name and `members` sealed members of `member_len` bytes, then
/// `REFERENCES` objects referring to those traits (each member value a one-byte null).
fn trait_bomb(class_len: usize, members: u32, member_len: usize) -> Vec<u8> {
    let mut body = vec![0x00]; // AMF3 data format byte
    body.extend_from_slice(&[0x02, 0x00, 0x06]);
    body.extend_from_slice(b"onBomb");
    body.push(0x11); // switch to AMF3
    body.push(0x09); // array
    body.extend(u29((REFERENCES + 1) << 1 | 1)); // dense count, inline
    body.push(0x01); // no associative part
    body.push(0x0A); // object
    body.extend(u29(members << 4 | 0b0011)); // inline object, inline traits, sealed count
    body.extend(amf3_inline_string(&vec![b'C'; class_len]));
    for member in 0..members {
        // Distinct names, or the second would be a string reference to the first.
        let mut name = vec![b'm'; member_len];
        name.extend_from_slice(member.to_string().as_bytes());
        body.extend(amf3_inline_string(&name));
    }
    body.extend(std::iter::repeat_n(0x01, members as usize)); // member values: null
    for _ in 0..REFERENCES {
        body.extend_from_slice(&[0x0A, 0x01]); // object, traits reference 0
        body.extend(std::iter::repeat_n(0x01, members as usize));
    }
    body
}

/// An AMF0 data message `onAfter` with one number: decoded after the bomb.
fn after() -> Vec<u8> {
    let mut body = vec![0x02, 0x00, 0x07];
    body.extend_from_slice(b"onAfter");
    body.push(0x00);
    body.extend_from_slice(&42f64.to_be_bytes());
    body
}

/// One RTMP session: chunk size 65536, the bomb as a type-15 message, then `onAfter`.
fn capture(bomb: &[u8]) -> Vec<u8> {
    let mut pcap = PcapWriter::new();
    let mut connection = Connection::open(&mut pcap, ([127, 0, 0, 1], 40000));
    connection.rtmp_handshake(&mut pcap);
    let mut stream = chunks(2, 1, 0, 4, &65536u32.to_be_bytes(), 128);
    stream.extend(chunks(4, 15, 1, bomb.len() as u32, bomb, 65536));
    let after = after();
    stream.extend(chunks(4, 18, 1, after.len() as u32, &after, 65536));
    connection.send(&mut pcap, true, &stream);
    connection.close(&mut pcap);
    pcap.finish()
}

/// Asserts the run stayed within what `--memory-cap 16` allows with one message's reference
/// copies: the cap, [`MAX_REFERENCE_EXPANSION_BYTES`] and the process's own footprint. Runs
/// at the default cap (256 MiB) are held to the same bound: the bomb needs no more there.
fn assert_bounded(run: &Run, args: &[&str]) {
    let bound = 16.0 + (MAX_REFERENCE_EXPANSION_BYTES >> 20) as f64 + PROCESS_FOOTPRINT_MIB;
    assert!(
        run.peak_rss_mib <= bound,
        "{args:?}: {} MiB > {bound} MiB",
        run.peak_rss_mib
    );
}

/// The bomb stops at the expansion cap with an error in its event; `onAfter` still decodes.
fn assert_stopped_and_went_on(run: &Run) {
    let bomb = run
        .events
        .iter()
        .find(|e| e["name"] == "onBomb")
        .expect("the bomb decodes as a data message");
    let error = bomb["decode_error"].as_str().expect("a decode error");
    assert!(
        error.contains(&format!("more than {MAX_REFERENCE_EXPANSION_BYTES} bytes")),
        "{error}"
    );
    let after = run
        .events
        .iter()
        .find(|e| e["name"] == "onAfter")
        .expect("the message after the bomb decodes");
    assert_eq!(after["values"][0], 42.0, "{after}");
    assert!(after["decode_error"].is_null(), "{after}");
}

#[test]
fn trait_references_to_a_64_kib_class_name_stay_under_the_memory_cap() {
    let capture = capture(&trait_bomb(64 << 10, 0, 0));
    let run = run("traits-64k", &capture, ARGS);
    assert_stopped_and_went_on(&run);
    assert_bounded(&run, ARGS);
}

#[test]
fn trait_references_to_a_1_mib_class_name_exit_cleanly_with_json() {
    let capture = capture(&trait_bomb(1 << 20, 0, 0));
    for args in [
        &["--json"][..],
        &["--json", "--memory-cap", "16"],
        &["--json", "--redact"],
    ] {
        let run = run("traits-1m", &capture, args);
        assert_stopped_and_went_on(&run);
        assert_bounded(&run, args);
    }
}

#[test]
fn trait_references_with_long_member_names_are_charged_too() {
    // Empty class, 16 sealed members of 4 KiB each: 64 KiB of names copied by every reference.
    let capture = capture(&trait_bomb(0, 16, 4 << 10));
    let run = run("members", &capture, ARGS);
    assert_stopped_and_went_on(&run);
    assert_bounded(&run, ARGS);
}

#[test]
fn text_and_summary_outputs_of_the_bomb_stay_bounded_too() {
    let capture = capture(&trait_bomb(64 << 10, 0, 0));
    for args in [
        &["--memory-cap", "16"][..],
        &["--summary", "--memory-cap", "16"],
        &["--redact", "--memory-cap", "16"],
    ] {
        let run = run("traits-text", &capture, args);
        assert_bounded(&run, args);
    }
}

/// AMF parts in one aggregate message.
const AGGREGATE_PARTS: usize = 32;

/// A type-22 body of [`AGGREGATE_PARTS`] FLV tags, each a type-15 trait bomb: every part
/// could expand to the whole cap on its own.
fn aggregate_of_bombs() -> Vec<u8> {
    let bomb = trait_bomb(16 << 10, 0, 0);
    let mut body = Vec::new();
    for part in 0..AGGREGATE_PARTS {
        let length = (bomb.len() as u32).to_be_bytes();
        body.push(15); // tag type: AMF3 data
        body.extend_from_slice(&length[1..]);
        body.extend_from_slice(&[0, 0, part as u8, 0]); // timestamp
        body.extend_from_slice(&[0, 0, 1]); // stream id
        body.extend_from_slice(&bomb);
        body.extend_from_slice(&(bomb.len() as u32 + 11).to_be_bytes()); // back pointer
    }
    body
}

#[test]
fn the_parts_of_an_aggregate_share_one_expansion_cap() {
    let aggregate = aggregate_of_bombs();
    let mut pcap = PcapWriter::new();
    let mut connection = Connection::open(&mut pcap, ([127, 0, 0, 1], 40000));
    connection.rtmp_handshake(&mut pcap);
    let mut stream = chunks(2, 1, 0, 4, &65536u32.to_be_bytes(), 128);
    stream.extend(chunks(4, 22, 1, aggregate.len() as u32, &aggregate, 65536));
    let after = after();
    stream.extend(chunks(4, 18, 1, after.len() as u32, &after, 65536));
    connection.send(&mut pcap, true, &stream);
    connection.close(&mut pcap);
    let run = run("aggregate", &pcap.finish(), ARGS);
    assert_bounded(&run, ARGS);
    let message = run
        .events
        .iter()
        .find(|e| e["type"] == "aggregate")
        .expect("the aggregate decodes");
    let parts = message["messages"].as_array().expect("its parts");
    assert_eq!(parts.len(), AGGREGATE_PARTS);
    let share = MAX_REFERENCE_EXPANSION_BYTES / AGGREGATE_PARTS;
    for part in parts {
        let error = part["decode_error"]
            .as_str()
            .expect("each part says it stopped");
        assert!(
            error.contains(&format!("more than {share} bytes")),
            "{error}"
        );
    }
    let after = run.events.iter().find(|e| e["name"] == "onAfter");
    assert_eq!(after.expect("onAfter decodes")["values"][0], 42.0);
}
