//! RTMPE from real peers: rtmpdump asking nginx-rtmp for `rtmpe://` (samples/rtmpe.pcap;
//! nginx-rtmp does not speak RTMPE and never answers), and rtmpdump against rtmpsrv, which
//! completes the RTMPE handshake and talks encrypted RTMP (samples/rtmpe_session.pcap). The
//! session is named RTMPE, its handshake shows the version bytes, digest schemes, timings and
//! where each side's Diffie-Hellman public key sits, and a warning says plainly that the
//! content cannot be decoded.

mod common;

use std::path::{Path, PathBuf};

use common::json_events;

#[test]
fn rtmpdump_rtmpe_handshake_is_recognised_and_explained() {
    let events = json_events(&sample("rtmpe.pcap"), &[]);
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

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

#[test]
fn a_complete_rtmpe_session_shows_its_handshake_and_no_content() {
    let events = json_events(&sample("rtmpe_session.pcap"), &[]);
    assert!(events.iter().all(|e| e["variant"] == "rtmpe"));
    let start = events
        .iter()
        .find(|e| e["event"] == "session_start")
        .expect("a session");
    assert_eq!(start["encrypted"], true);
    let handshake = events
        .iter()
        .find(|e| e["event"] == "handshake")
        .expect("the handshake");
    // rtmpsrv answers a Flash 10 client's RTMPE with type 8.
    assert_eq!(handshake["c0_version"], 6);
    assert_eq!(handshake["s0_version"], 8);
    assert_eq!(handshake["complete"], true);
    assert_eq!(handshake["client_scheme"], "digest_scheme_1");
    assert_eq!(handshake["server_scheme"], "digest_scheme_1");
    assert_eq!(handshake["c2_check"], "unverified_rtmpe8");
    assert!(handshake["rtt_ms"].as_f64().is_some());
    assert!(handshake["duration_ms"].as_f64().is_some());
    // Where rtmpdump's debug log said, when the sample was made, it put its key ("DH pubkey
    // position: 472") and found the server's ("Server DH public key offset: 472").
    for side in ["client_dh_key", "server_dh_key"] {
        assert_eq!(handshake[side]["offset"], 472, "{side}");
        assert_eq!(handshake[side]["valid"], true, "{side}");
    }
    let warning = events
        .iter()
        .find(|e| e["event"] == "warning")
        .expect("the encryption warning");
    assert_eq!(warning["code"], "rtmpe_encrypted");
    assert!(events.iter().all(|e| e["event"] != "message"));
    let end = events
        .iter()
        .find(|e| e["event"] == "session_end")
        .expect("the end");
    // After the 3073-byte handshakes, encrypted RTMP both ways (connect, its answer, play).
    assert!(end["bytes_c2s"].as_u64() > Some(3073 + 100), "{end}");
    assert!(end["bytes_s2c"].as_u64() > Some(3073 + 100), "{end}");
}

#[test]
fn the_summary_of_an_rtmpe_session_does_not_guess_at_what_it_cannot_see() {
    let summaries = json_events(&sample("rtmpe_session.pcap"), &["--summary"]);
    let report = summaries
        .iter()
        .find(|e| e["event"] == "session_summary")
        .expect("a report");
    assert_eq!(report["variant"], "rtmpe");
    assert_eq!(report["handshake_complete"], true);
    // The session ended with a reset, but whether connect succeeded is encrypted.
    assert_eq!(report["end_reason"], "rst");
    assert_eq!(report["health"], "ok", "{report}");
}
