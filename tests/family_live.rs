//! The RTMP family live, with real peers on loopback (tests/lab/family_capture.sh): one
//! synthetic publish sent at once over plain RTMP, RTMPS (nginx's stream module terminating
//! TLS) and RTMPT (the lab's RTMPT server), and rtmpdump asking rtmpsrv for RTMPE.
//!
//! - RTMPT decodes to exactly what the same bytes decode to on the RTMP connection the tunnel
//!   server makes to nginx-rtmp, and in structure to the plain publish.
//! - RTMPS is recognised by its record sizes and its TLS facts agree with tshark; the TLS
//!   terminator's own RTMP connection shows what the encrypted one carried.
//! - RTMPE shows where rtmpdump put its Diffie-Hellman key and found the server's, as
//!   rtmpdump's own debug log says.
//!
//! Needs root (tcpdump, a network namespace) and the lab's packages; skipped otherwise.

mod common;

use std::path::Path;
use std::process::Command;

use common::tls::tshark_tls;
use common::{json_events, require, require_root};
use serde_json::Value;

fn port_of(endpoint: &Value) -> u16 {
    endpoint
        .as_str()
        .and_then(|e| e.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

/// Each session's start, by session number.
fn starts(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| e["event"] == "session_start")
        .collect()
}

/// The session whose client connected with a tcUrl starting with `scheme`, on the RTMP port.
fn rtmp_session_for(events: &[Value], scheme: &str) -> u64 {
    events
        .iter()
        .find(|e| {
            e["variant"] == "rtmp"
                && e["command"] == "connect"
                && e["command_object"]["tcUrl"]
                    .as_str()
                    .is_some_and(|url| url.starts_with(scheme))
        })
        .and_then(|e| e["session"].as_u64())
        .unwrap_or_else(|| panic!("no plain RTMP connect for {scheme}"))
}

/// A session's messages in one direction: type, chunk stream, length, timestamp, command.
fn messages(events: &[Value], session: u64, dir: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["event"] == "message" && e["session"] == session && e["dir"] == dir)
        .map(|e| {
            format!(
                "{} {} {} {} {}",
                e["type"], e["csid"], e["length"], e["timestamp"], e["command"]
            )
        })
        .collect()
}

fn end_of(events: &[Value], session: u64) -> &Value {
    events
        .iter()
        .find(|e| e["event"] == "session_end" && e["session"] == session)
        .expect("a session end")
}

#[test]
fn the_rtmp_family_live() {
    let needed = [
        "nginx", "ffmpeg", "rtmpdump", "tshark", "tcpdump", "python3", "openssl",
    ];
    if !require_root() || !needed.iter().all(|tool| require(tool)) {
        return;
    }
    let out = std::env::temp_dir().join(format!("rtmpscope-family-{}", std::process::id()));
    std::fs::create_dir_all(&out).expect("temp dir");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lab/family_capture.sh");
    let status = Command::new("bash")
        .arg(script)
        .arg(&out)
        .status()
        .expect("run the lab");
    assert!(status.success(), "the lab script failed");
    let ports: Vec<u16> = std::fs::read_to_string(out.join("ports"))
        .expect("ports")
        .split_whitespace()
        .map(|p| p.parse().expect("a port"))
        .collect();
    let (rtmp_port, tls_port, rtmpt_port) = (ports[0], ports[1], ports[2]);
    let capture = out.join("family.pcap");
    let events = json_events(&capture, &[]);
    let variants: Vec<&str> = starts(&events)
        .iter()
        .map(|s| s["variant"].as_str().unwrap_or_default())
        .collect();
    let count = |v: &str| variants.iter().filter(|&&x| x == v).count();
    assert_eq!(
        (count("rtmp"), count("rtmps"), count("rtmpt")),
        (3, 1, 1),
        "the plain publish, the two relayed connections to nginx-rtmp, RTMPS, RTMPT: {variants:?}"
    );
    let gaps: u64 = events
        .iter()
        .filter(|e| e["event"] == "session_end")
        .map(|e| e["gaps"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(
        gaps, 0,
        "the capture lost packets; the comparisons need them all"
    );

    // RTMPT: the tunnel carries exactly the bytes its server relays to nginx-rtmp.
    let session_of = |variant: &str| {
        starts(&events)
            .into_iter()
            .find(|s| s["variant"] == variant)
            .expect("a session of each variant")
    };
    let tunnel_start = session_of("rtmpt");
    assert_eq!(port_of(&tunnel_start["server"]), rtmpt_port);
    let tunnel = tunnel_start["session"].as_u64().unwrap_or(0);
    let relayed = rtmp_session_for(&events, "rtmpt://");
    for dir in ["c2s", "s2c"] {
        let inside = messages(&events, tunnel, dir);
        assert!(!inside.is_empty());
        assert_eq!(inside, messages(&events, relayed, dir), "{dir}");
    }
    for key in ["bytes_c2s", "bytes_s2c"] {
        assert_eq!(
            end_of(&events, tunnel)[key],
            end_of(&events, relayed)[key],
            "{key}"
        );
    }
    // ... and in structure what the same publish says over plain RTMP.
    let plain = rtmp_session_for(&events, "rtmp://");
    let said = |session: u64| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["session"] == session && e["dir"] == "c2s")
            .filter_map(|e| {
                e["command"]
                    .as_str()
                    .or(e["name"].as_str())
                    .map(str::to_owned)
            })
            .collect()
    };
    // (ffmpeg's RTMPT client closes its tunnel without flushing FCUnpublish/deleteStream.)
    let tunnelled = said(tunnel);
    assert!(tunnelled.len() >= 6, "{tunnelled:?}");
    assert_eq!(tunnelled[..], said(plain)[..tunnelled.len()]);
    for kind in ["video", "audio"] {
        let of = |session: u64| {
            events
                .iter()
                .filter(|e| e["session"] == session && e["type"] == kind)
                .count() as i64
        };
        assert!(
            (of(tunnel) - of(plain)).abs() <= 3,
            "{kind}: {} vs {}",
            of(tunnel),
            of(plain)
        );
        assert!(of(tunnel) > 20, "{kind}: 2 s of media");
    }

    // RTMPS: recognised by the sizes of its records, its facts as tshark reads them.
    let secure = session_of("rtmps");
    assert_eq!(port_of(&secure["server"]), tls_port);
    assert_eq!(secure["detected_by"], "tls_record_sizes");
    assert_eq!(secure["tls"]["sni"], "localhost");
    let secure_end = end_of(&events, secure["session"].as_u64().unwrap_or(0));
    let theirs = tshark_tls(&capture, &[tls_port]);
    let facts = &theirs[&port_of(&secure["client"])];
    let tls = &secure_end["tls"];
    assert_eq!(tls["version"], "TLS 1.3");
    assert_eq!(tls["cipher_suite_id"], facts.cipher_suite.as_str());
    assert_eq!(facts.version, "0x0304");
    assert_eq!(tls["records_c2s"], facts.records[0]);
    assert_eq!(tls["records_s2c"], facts.records[1]);
    assert_eq!(tls["application_bytes_c2s"], facts.application_data[0]);
    assert_eq!(tls["application_bytes_s2c"], facts.application_data[1]);
    // What it carried shows on the terminator's own connection to nginx-rtmp.
    let terminated = rtmp_session_for(&events, "rtmps://localhost");
    assert_eq!(said(terminated), said(plain));
    let inner = end_of(&events, terminated)["bytes_c2s"]
        .as_u64()
        .unwrap_or(0);
    assert!(tls["application_bytes_c2s"].as_u64() > Some(inner));
    assert!(events
        .iter()
        .any(|e| e["session"] == secure["session"] && e["event"] == "tls_handshake"));
    let plain_start = starts(&events)
        .into_iter()
        .find(|s| s["session"] == plain)
        .expect("the plain session");
    assert_eq!(port_of(&plain_start["server"]), rtmp_port);

    // RTMPE: the keys where rtmpdump says it put its own and found the server's.
    let log = std::fs::read_to_string(out.join("rtmpe.log")).expect("rtmpdump's log");
    let logged = |label: &str| -> u64 {
        log.lines()
            .find_map(|line| line.split_once(label).map(|(_, n)| n.trim().parse().ok()))
            .flatten()
            .unwrap_or_else(|| panic!("no '{label}' in rtmpdump's log"))
    };
    let rtmpe = json_events(&out.join("rtmpe.pcap"), &[]);
    let handshake = rtmpe
        .iter()
        .find(|e| e["event"] == "handshake" && e["session"] == 1)
        .expect("the RTMPE handshake");
    assert_eq!(handshake["variant"], "rtmpe");
    assert_eq!(
        (
            handshake["c0_version"].as_u64(),
            handshake["s0_version"].as_u64()
        ),
        (Some(6), Some(8))
    );
    assert_eq!(
        handshake["client_dh_key"]["offset"],
        logged("DH pubkey position:")
    );
    assert_eq!(
        handshake["server_dh_key"]["offset"],
        logged("Server DH public key offset:")
    );
    assert!(rtmpe.iter().all(|e| e["event"] != "message"));
    assert!(rtmpe.iter().any(|e| e["code"] == "rtmpe_encrypted"));
    let _ = std::fs::remove_dir_all(&out);
}
