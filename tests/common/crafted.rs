//! RTMP messages for crafted captures: messages of AMF0 values (encoded by
//! `rtmpscope::testkit::Amf`) with a chosen timestamp, on top of `common::pcap` (which frames
//! them in chunks and TCP segments).
#![allow(dead_code)]

use std::path::PathBuf;

use super::pcap::chunks;
use super::rtmpscope;
use rtmpscope::testkit::amf0_body;
pub use rtmpscope::testkit::Amf;

/// A message stamped `timestamp` (below 2^24 ms) on chunk stream `csid` (2 to 63), in chunks
/// of 128 bytes.
pub fn message(csid: u32, type_id: u8, msid: u32, timestamp: u32, body: &[u8]) -> Vec<u8> {
    assert!((2..64).contains(&csid) && timestamp < 0xFF_FFFF);
    let mut bytes = chunks(csid, type_id, msid, body.len() as u32, body, 128);
    // The format-0 header's timestamp follows the one-byte basic header.
    bytes[1..4].copy_from_slice(&timestamp.to_be_bytes()[1..]);
    bytes
}

/// A message of AMF0 values (command 20, data 18), stamped 0.
pub fn amf_message(csid: u32, type_id: u8, msid: u32, values: &[Amf<'_>]) -> Vec<u8> {
    message(csid, type_id, msid, 0, &amf0_body(values))
}

/// A command: its name, transaction id and the values after them.
pub fn command<'a>(name: &'a [u8], transaction: f64, rest: Vec<Amf<'a>>) -> Vec<Amf<'a>> {
    let mut values = vec![Amf::Text(name), Amf::Number(transaction)];
    values.extend(rest);
    values
}

/// `publish NAME live` on message stream `msid`.
pub fn publish(msid: u32, name: &[u8]) -> Vec<u8> {
    let values = command(
        b"publish",
        0.0,
        vec![Amf::Null, Amf::Text(name), Amf::Text(b"live")],
    );
    amf_message(8, 20, msid, &values)
}

/// `connect` to `app`.
pub fn connect(app: &[u8]) -> Vec<u8> {
    let object = Amf::Object(vec![("app", Amf::Text(app))]);
    amf_message(3, 20, 0, &command(b"connect", 1.0, vec![object]))
}

/// A client's connect to app `live` and publish of `key` (live) on message stream 1, as
/// chunks: what a publisher sends after the handshake.
pub fn connect_and_publish(key: &str) -> Vec<u8> {
    let mut c2s = connect(b"live");
    c2s.extend(publish(1, key.as_bytes()));
    c2s
}

/// `rtmpscope-crafted-NAME-PID` in the temporary directory.
pub fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rtmpscope-crafted-{name}-{}", std::process::id()))
}

/// Runs `rtmpscope -r CAPTURE ARGS` on `capture` (written to a temporary file named after
/// `name`) and returns its standard output and error; fails the test when rtmpscope fails.
pub fn run(name: &str, capture: &[u8], args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let path = temp_path(name).with_extension("pcap");
    std::fs::write(&path, capture).unwrap();
    let output = rtmpscope()
        .arg("-r")
        .arg(&path)
        .args(args)
        .output()
        .unwrap();
    std::fs::remove_file(&path).ok();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.stdout, output.stderr)
}
