//! RTMPS from real peers: ffmpeg's `rtmps://` client through nginx's stream module terminating
//! TLS in front of nginx-rtmp (samples/rtmps.pcap): TLS 1.2 on the RTMP port, recognised by
//! the port; TLS 1.3 on 443 with SNI, recognised by the sizes of its first records (an RTMP
//! handshake inside TLS). The hellos' facts and the record counts agree with tshark's TLS
//! dissector.

mod common;

use std::path::Path;

use common::tls::tshark_tls;
use common::{json_events, require, rtmpscope};
use serde_json::Value;

fn sample() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/rtmps.pcap")
}

fn of_kind<'a>(events: &'a [Value], event: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == event).collect()
}

#[test]
fn real_rtmps_sessions_are_named_with_their_tls_facts() {
    let events = json_events(&sample(), &[]);
    assert!(events.iter().all(|e| e["variant"] == "rtmps"));
    assert!(
        of_kind(&events, "message").is_empty(),
        "nothing inside TLS is decoded"
    );
    let starts = of_kind(&events, "session_start");
    assert_eq!(starts.len(), 3, "a publish on each port, a play on 443");
    for start in &starts {
        assert_eq!(start["encrypted"], true);
        assert_eq!(start["tls"]["offers_tls13"], true);
    }
    // TLS 1.2 on 1935: no SNI (ffmpeg sends none for an address); known by the port.
    assert_eq!(starts[0]["server"], "127.0.0.1:1935");
    assert_eq!(starts[0]["detected_by"], "tls_client_hello");
    assert!(starts[0]["tls"].get("sni").is_none());
    // TLS 1.3 on 443, as RTMPS services run it: known by its record sizes.
    for start in &starts[1..] {
        assert_eq!(start["server"], "127.0.0.1:443");
        assert_eq!(start["detected_by"], "tls_record_sizes");
        assert_eq!(start["tls"]["sni"], "localhost");
    }
    let hellos = of_kind(&events, "tls_handshake");
    assert_eq!(hellos.len(), 3);
    assert_eq!(hellos[0]["version"], "TLS 1.2");
    assert_eq!(
        hellos[0]["cipher_suite"],
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    );
    for hello in &hellos[1..] {
        assert_eq!(hello["version"], "TLS 1.3");
        assert_eq!(hello["cipher_suite"], "TLS_AES_256_GCM_SHA384");
    }
    let ends = of_kind(&events, "session_end");
    // The publishers send far more than they receive; the player the other way round.
    let data = |end: &Value, dir: &str| end["tls"][format!("application_bytes_{dir}")].as_u64();
    assert!(data(ends[0], "c2s") > data(ends[0], "s2c").map(|b| b * 5));
    let player = ends
        .iter()
        .find(|e| e["session"] == 3)
        .expect("the player's end");
    assert!(data(player, "s2c") > data(player, "c2s").map(|b| b * 5));
    // The summary carries the same facts.
    let summaries = json_events(&sample(), &["--summary"]);
    let first = summaries
        .iter()
        .find(|e| e["event"] == "session_summary" && e["session"] == 1)
        .expect("a summary");
    assert_eq!(first["variant"], "rtmps");
    assert_eq!(first["tls"]["records_c2s"], ends[0]["tls"]["records_c2s"]);
    // The readable output names the variant and the choice.
    let text = rtmpscope()
        .arg("-r")
        .arg(sample())
        .output()
        .expect("run rtmpscope");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Session start: RTMPS (RTMP inside TLS: encrypted)"));
    assert!(text.contains("TLS handshake: TLS 1.3 TLS_AES_256_GCM_SHA384"));
}

#[test]
fn tls_facts_agree_with_tshark() {
    if !require("tshark") {
        return;
    }
    let events = json_events(&sample(), &[]);
    let theirs = tshark_tls(&sample(), &[1935, 443]);
    let ends = of_kind(&events, "session_end");
    assert_eq!(theirs.len(), ends.len());
    for end in ends {
        let port: u16 = end["client"]
            .as_str()
            .and_then(|c| c.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .expect("client port");
        let facts = &theirs[&port];
        let tls = &end["tls"];
        assert_eq!(
            tls["cipher_suite_id"],
            facts.cipher_suite.as_str(),
            "{port}"
        );
        let version = match facts.version.as_str() {
            "0x0304" => "TLS 1.3",
            "0x0303" => "TLS 1.2",
            other => panic!("unexpected version {other}"),
        };
        assert_eq!(tls["version"], version);
        assert_eq!(tls["records_c2s"], facts.records[0], "{port}");
        assert_eq!(tls["records_s2c"], facts.records[1], "{port}");
        assert_eq!(tls["application_bytes_c2s"], facts.application_data[0]);
        assert_eq!(tls["application_bytes_s2c"], facts.application_data[1]);
        assert_eq!(tls["alerts"], facts.alerts);
    }
}
