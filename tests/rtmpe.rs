//! RTMPE from a real client: rtmpdump asking nginx-rtmp for `rtmpe://` (samples/rtmpe.pcap).
//! The session is named RTMPE, its handshake shows the version byte and the digest scheme, and
//! a warning says plainly that the content cannot be decoded.

mod common;

use std::path::Path;

use common::json_events;

#[test]
fn rtmpdump_rtmpe_handshake_is_recognised_and_explained() {
    let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/rtmpe.pcap");
    let events = json_events(&capture, &[]);
    let start = events
        .iter()
        .find(|e| e["event"] == "session_start")
        .expect("a session");
    assert_eq!(start["variant"], "rtmpe");
    let warning = events
        .iter()
        .find(|e| e["event"] == "warning")
        .expect("the encryption warning");
    assert_eq!(warning["code"], "rtmpe_encrypted");
    assert!(warning["message"]
        .as_str()
        .is_some_and(|m| m.contains("cannot know")));
    let handshake = events
        .iter()
        .find(|e| e["event"] == "handshake")
        .expect("the handshake");
    assert_eq!(handshake["c0_version"], 6);
    assert_eq!(handshake["encrypted"], true);
    assert_eq!(handshake["client_scheme"], "digest_scheme_1");
    assert!(events.iter().all(|e| e["event"] != "message"));
    let end = events
        .iter()
        .find(|e| e["event"] == "session_end")
        .expect("the end");
    assert_eq!(end["warnings"], 1);
    assert_eq!(end["bytes_c2s"], 1537);
}
