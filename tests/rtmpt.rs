//! RTMPT: RTMP tunnelled in HTTP. A real ffmpeg publish and play through the lab's RTMPT server
//! (samples/rtmpt.pcap) decode like plain RTMP, with the tunnel's own facts; a tunnel spread
//! over two connections, with pipelined requests, is joined into one session; HTTP that is not
//! RTMPT makes no session.

mod common;

use std::path::Path;

use common::pcap::{Connection, PcapWriter};
use common::{json_events, rtmpscope, shared_captures};
use serde_json::Value;

fn sample(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn commands(events: &[Value], session: u64) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["session"] == session && e["dir"] == "c2s")
        .filter_map(|e| {
            e["command"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| e["name"].as_str().map(str::to_owned))
        })
        .collect()
}

#[test]
fn a_real_tunnelled_publish_and_play_decode_like_plain_rtmp() {
    let events = json_events(&sample("rtmpt.pcap"), &[]);
    let starts: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "session_start")
        .collect();
    assert_eq!(starts.len(), 2);
    for start in &starts {
        assert_eq!(start["variant"], "rtmpt");
        assert_eq!(start["detected_by"], "rtmpt_open");
        assert_eq!(
            start["tunnel"]["session_id"].as_str().map(str::len),
            Some(16)
        );
    }
    // The publisher says what it says over plain RTMP (samples/publish_play.pcap, session 1),
    // up to its metadata (the tunnelled ffmpeg stops without FCUnpublish/deleteStream).
    let plain = json_events(&sample("publish_play.pcap"), &[]);
    let tunnelled = commands(&events, 1);
    assert_eq!(tunnelled.len(), 6, "{tunnelled:?}");
    assert_eq!(tunnelled[..], commands(&plain, 1)[..6]);
    let handshake = events
        .iter()
        .find(|e| e["event"] == "handshake")
        .expect("the handshake, carried in /send bodies");
    assert_eq!(handshake["complete"], true);
    // A 3 s publish at 15 fps: 45 coded frames, as ffmpeg sent them; the summary says so.
    let summaries = json_events(&sample("rtmpt.pcap"), &["--summary"]);
    let publisher = summaries
        .iter()
        .find(|s| s["session"] == 1)
        .expect("the publisher's summary");
    assert_eq!(publisher["variant"], "rtmpt");
    assert_eq!(publisher["streams"][0]["video"]["frames"], 45);
    assert_eq!(publisher["streams"][0]["video_codec"]["width"], 320);
    // The player's media came back in response bodies, after idle polls.
    let played = events
        .iter()
        .filter(|e| e["session"] == 2 && e["dir"] == "s2c" && e["type"] == "video")
        .count();
    assert!(played > 1, "{played}");
    let ends: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "session_end")
        .collect();
    let player_end = ends.iter().find(|e| e["session"] == 2).expect("player end");
    assert!(
        player_end["tunnel"]["idle_polls"].as_u64() > Some(0),
        "{player_end}"
    );
    assert!(
        player_end["tunnel"]["requests"].as_u64() > Some(3),
        "{player_end}"
    );
    assert_eq!(player_end["tunnel"]["polling_interval_min"], 1);
    for end in &ends {
        assert_eq!(end["gaps"], 0);
        assert_eq!(end["warnings"], 0);
    }
}

/// An HTTP request or response with an `application/x-fcs` body.
fn http(start: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "{start}\r\nContent-Type: application/x-fcs\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn post(path: &str, body: &[u8]) -> Vec<u8> {
    http(&format!("POST {path} HTTP/1.1"), body)
}

fn ok(body: &[u8]) -> Vec<u8> {
    http("HTTP/1.1 200 OK", body)
}

#[test]
fn one_tunnel_over_two_connections_with_pipelining() {
    // connect("t") as an AMF0 command in one chunk on chunk stream 3.
    let mut connect = vec![0x02, 0, 7];
    connect.extend_from_slice(b"connect");
    connect.push(0);
    connect.extend_from_slice(&1f64.to_be_bytes());
    connect.extend_from_slice(&[0x03, 0, 3, b'a', b'p', b'p', 0x02, 0, 1, b't', 0, 0, 9]);
    let mut chunk = vec![0x03, 0, 0, 0, 0, 0, connect.len() as u8, 20, 0, 0, 0, 0];
    chunk.extend_from_slice(&connect);
    let mut c0c1 = vec![3u8];
    c0c1.extend_from_slice(&[0; 1536]);
    let mut s0s1s2 = vec![1u8, 3];
    s0s1s2.extend_from_slice(&[0; 3072]);

    let mut pcap = PcapWriter::new();
    let server = ([127, 0, 0, 1], 80);
    let mut first = Connection::open_to(&mut pcap, ([127, 0, 0, 1], 41000), server);
    let mut second = Connection::open_to(&mut pcap, ([127, 0, 0, 1], 41001), server);
    first.send(&mut pcap, true, &post("/open/1", &[0]));
    first.send(&mut pcap, false, &ok(b"T1D\n"));
    // Two requests pipelined on the first connection; the third on the second connection
    // arrives before the second's answer.
    let mut pipelined = post("/send/T1D/1", &c0c1);
    pipelined.extend(post("/idle/T1D/2", &[]));
    first.send(&mut pcap, true, &pipelined);
    second.send(
        &mut pcap,
        true,
        &post("/send/T1D/3", &[&[0u8; 1536][..], &chunk].concat()),
    );
    first.send(&mut pcap, false, &ok(&s0s1s2));
    first.send(&mut pcap, false, &ok(&[1]));
    second.send(&mut pcap, false, &ok(&[1]));
    first.close(&mut pcap);
    second.close(&mut pcap);

    let path = std::env::temp_dir().join(format!("rtmpscope-rtmpt-{}.pcap", std::process::id()));
    std::fs::write(&path, pcap.finish()).expect("write");
    let events = json_events(&path, &[]);
    let _ = std::fs::remove_file(&path);
    let sessions: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "session_start")
        .collect();
    assert_eq!(sessions.len(), 1, "{events:?}");
    let connect = events
        .iter()
        .find(|e| e["command"] == "connect")
        .expect("connect, sent on the second connection after the handshake on the first");
    assert_eq!(connect["command_object"]["app"], "t");
    let end = events
        .iter()
        .find(|e| e["event"] == "session_end")
        .expect("end");
    assert_eq!(end["tunnel"]["connections"], 2, "{end}");
    assert_eq!(end["tunnel"]["requests"], 3, "{end}");
    assert_eq!(end["tunnel"]["idle_polls"], 1, "{end}");
}

#[test]
fn other_http_makes_no_session() {
    let mut pcap = PcapWriter::new();
    let mut web = Connection::open_to(&mut pcap, ([127, 0, 0, 1], 42000), ([127, 0, 0, 1], 80));
    web.send(
        &mut pcap,
        true,
        b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    web.send(&mut pcap, false, &http("HTTP/1.1 200 OK", b"<html></html>"));
    web.close(&mut pcap);
    let path = std::env::temp_dir().join(format!("rtmpscope-http-{}.pcap", std::process::id()));
    std::fs::write(&path, pcap.finish()).expect("write");
    let output = rtmpscope().arg("-r").arg(&path).output().expect("run");
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success());
    assert!(
        output.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn shared_http_captures_with_rtmpt_setup_only_invent_nothing() {
    for capture in shared_captures() {
        let name = capture.file_name().unwrap_or_default().to_string_lossy();
        if !name.contains("rtmpt") {
            continue;
        }
        let events = json_events(&capture, &[]);
        // Neither file holds a complete tunnel: at most its setup, never messages.
        assert!(
            events.iter().all(|e| e["event"] != "message"),
            "{}",
            capture.display()
        );
    }
}
