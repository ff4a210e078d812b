//! RTMPS from a real TLS connection: ffmpeg's rtmps:// client through nginx's stream module
//! (TLS) in front of nginx-rtmp (samples/rtmps.pcap, server port 1936). The session is named
//! RTMPS with the hello messages' facts and the record counts, which tshark confirms.

mod common;

use std::path::Path;
use std::process::Command;

use common::{have, json_events};

fn capture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/rtmps.pcap")
}

#[test]
fn tls_on_an_unusual_port_needs_the_port_named() {
    assert!(json_events(&capture(), &[]).is_empty());
}

#[test]
fn rtmps_is_named_with_version_cipher_and_records() {
    let events = json_events(&capture(), &["--port", "1936"]);
    let start = events
        .iter()
        .find(|e| e["event"] == "session_start")
        .expect("a session");
    assert_eq!(start["variant"], "rtmps");
    assert_eq!(start["detected_by"], "tls_client_hello");
    assert_eq!(start["tls"]["client_version"], "TLS 1.2");
    assert!(
        events.iter().all(|e| e["event"] != "message"),
        "nothing decrypted"
    );
    let end = events
        .iter()
        .find(|e| e["event"] == "session_end")
        .expect("the end");
    let tls = &end["tls"];
    assert_eq!(tls["version"], "TLS 1.2");
    assert_eq!(tls["cipher_suite"], "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    let (c2s, s2c) = (
        tls["records_c2s"].as_u64().expect("records"),
        tls["records_s2c"].as_u64().expect("records"),
    );
    assert!(
        tls["application_bytes_c2s"].as_u64() > Some(20_000),
        "a 1 s publish: {tls}"
    );
    if have("tshark") {
        // tshark counts the same records.
        let output = Command::new("tshark")
            .arg("-r")
            .arg(capture())
            .args([
                "-Y",
                "tls.record",
                "-T",
                "fields",
                "-e",
                "tcp.srcport",
                "-e",
                "tls.record.content_type",
            ])
            .output()
            .expect("tshark");
        let (mut theirs_c2s, mut theirs_s2c) = (0, 0);
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let mut fields = line.split('\t');
            let port = fields.next().unwrap_or("");
            let records = fields.next().unwrap_or("").split(',').count() as u64;
            if port == "1936" {
                theirs_s2c += records;
            } else {
                theirs_c2s += records;
            }
        }
        assert_eq!((c2s, s2c), (theirs_c2s, theirs_s2c));
    }
    let summary = json_events(&capture(), &["--port", "1936", "--summary"]);
    assert_eq!(summary[0]["variant"], "rtmps");
    assert_eq!(summary[0]["tls"]["records_c2s"], c2s);
}
