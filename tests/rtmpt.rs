//! RTMPT: RTMP tunnelled in HTTP.
//!
//! Real traffic: ffmpeg's `rtmpt://` publish and play through the lab's RTMPT server in front
//! of nginx-rtmp (samples/rtmpt.pcap) decode like plain RTMP, message for message as tshark
//! sees the joined tunnels, with the tunnel's own facts; the real browser captures in
//! ../shared/captures show their tunnel setup. Built bytes: a tunnel over two connections
//! with pipelined requests, bytes lost inside an HTTP connection, a refused /open, a capture
//! that starts inside a tunnel, and web traffic that must make no session.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::pcap::{chunks, Connection, PcapWriter};
use common::{json_events, require, rtmpscope, shared_captures};
use serde_json::Value;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// The commands and data names a session's client sent, in order.
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

fn count(events: &[Value], session: u64, dir: &str, kind: &str) -> usize {
    events
        .iter()
        .filter(|e| e["session"] == session && e["dir"] == dir && e["type"] == kind)
        .count()
}

fn find<'a>(events: &'a [Value], event: &str, session: u64) -> &'a Value {
    events
        .iter()
        .find(|e| e["event"] == event && e["session"] == session)
        .unwrap_or_else(|| panic!("no {event} for session {session}"))
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
        assert_eq!(start["detected_by"], "rtmpt_open");
        assert_eq!(
            start["tunnel"]["session_id"].as_str().map(str::len),
            Some(16)
        );
    }
    assert!(events.iter().all(|e| e["variant"] == "rtmpt"));
    // The publisher says what it says over plain RTMP (samples/publish_play.pcap, session 1),
    // up to its metadata (the tunnelled ffmpeg stops without FCUnpublish/deleteStream).
    let plain = json_events(&sample("publish_play.pcap"), &[]);
    let tunnelled = commands(&events, 1);
    assert_eq!(tunnelled.len(), 6, "{tunnelled:?}");
    assert_eq!(tunnelled[..], commands(&plain, 1)[..6]);
    assert_eq!(find(&events, "handshake", 1)["complete"], true);
    // A 3 s publish at 15 fps and 44.1 kHz AAC: 45 video frames (and the AVC sequence header
    // and end of sequence), about 130 audio frames.
    assert_eq!(count(&events, 1, "c2s", "video"), 47);
    let audio = count(&events, 1, "c2s", "audio");
    assert!((125..=135).contains(&audio), "{audio}");
    let summaries = json_events(&sample("rtmpt.pcap"), &["--summary"]);
    let publisher = summaries
        .iter()
        .find(|s| s["session"] == 1)
        .expect("the publisher's summary");
    assert_eq!(publisher["variant"], "rtmpt");
    assert_eq!(publisher["streams"][0]["video"]["frames"], 45);
    assert_eq!(publisher["streams"][0]["video_codec"]["width"], 320);
    // The player's 2 s of media came back in answers to its idle polls: 30 frames (with the
    // sequence header and end of sequence nginx passes on).
    assert_eq!(count(&events, 2, "s2c", "video"), 32);
    let player_end = find(&events, "session_end", 2);
    let tunnel = &player_end["tunnel"];
    assert!(tunnel["idle_polls"].as_u64() > Some(30), "{player_end}");
    assert!(tunnel["requests"].as_u64() > tunnel["idle_polls"].as_u64());
    // The server answered idle polls with nothing to send by slowing the polling down.
    assert_eq!(tunnel["polling_interval_min"], 1);
    assert!(
        tunnel["polling_interval_max"].as_u64() > Some(1),
        "{tunnel}"
    );
    // The publisher closed its tunnel (POST /close); the player stopped polling without.
    assert_eq!(find(&events, "session_end", 1)["reason"], "fin");
    assert_eq!(player_end["reason"], "end_of_capture");
    for session in [1, 2] {
        let end = find(&events, "session_end", session);
        assert_eq!(end["gaps"], 0);
        assert_eq!(end["warnings"], 0);
    }
}

#[test]
fn tshark_agrees_on_the_joined_tunnels() {
    if !require("tshark") || !require("python3") {
        return;
    }
    let capture = sample("rtmpt.pcap");
    let joined = std::env::temp_dir().join(format!("rtmpscope-joined-{}.pcap", std::process::id()));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/rtmpt_streams.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(&capture)
        .arg(&joined)
        .output()
        .expect("run the script");
    let _ = std::fs::remove_file(&joined);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let theirs: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let events = json_events(&capture, &[]);
    let tunnel_of = |session: &Value| {
        find(&events, "session_start", session.as_u64().unwrap_or(0))["tunnel"]["session_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let mut ours: Vec<String> = events
        .iter()
        .filter(|e| e["event"] == "message")
        .map(|e| {
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}",
                tunnel_of(&e["session"]),
                e["dir"].as_str().unwrap_or_default(),
                e["csid"],
                e["type_id"],
                e["length"],
                e["command"].as_str().unwrap_or_default()
            )
        })
        .collect();
    // Compare per tunnel and direction, each in its own order.
    let key = |line: &String| line.split('\t').take(2).collect::<Vec<_>>().join("\t");
    ours.sort_by_key(key);
    let mut theirs = theirs;
    theirs.sort_by_key(key);
    assert_eq!(ours.len(), theirs.len());
    assert!(ours.len() > 300, "{}", ours.len());
    for (a, b) in ours.iter().zip(&theirs) {
        assert_eq!(a, b);
    }
}

#[test]
fn the_shared_browser_captures_show_their_tunnel_setup() {
    let captures = shared_captures();
    if captures.is_empty() {
        return; // skipped, as shared_captures() said
    }
    let mut checked = 0;
    for capture in captures {
        let name = capture
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !name.contains("rtmpt") {
            continue;
        }
        let events = json_events(&capture, &[]);
        // Neither file holds the tunnel's traffic: its setup, and never a message.
        assert!(events.iter().all(|e| e["event"] != "message"), "{name}");
        let start = find(&events, "session_start", 1);
        assert_eq!(start["variant"], "rtmpt");
        assert_eq!(start["server"], "212.199.202.87:80");
        assert_eq!(start["mid_stream"], true);
        if name.contains("requests") {
            // POST /open/1 in frame 378; its answer is in the other file.
            assert_eq!(start["frame"], 378);
            assert_eq!(start["detected_by"], "rtmpt_open");
            assert_eq!(find(&events, "warning", 1)["code"], "rtmpt_open_unanswered");
        } else {
            // The answer of FlashCom/4.5.2 in frame 656 names the tunnel.
            assert_eq!(start["frame"], 656);
            assert_eq!(start["detected_by"], "rtmpt_open_answer");
            assert_eq!(start["tunnel"]["session_id"], "W4amdz02wSLYyN8Z");
        }
        assert_eq!(
            events
                .iter()
                .filter(|e| e["event"] == "session_start")
                .count(),
            1,
            "{name}: the other HTTP is not RTMPT"
        );
        checked += 1;
    }
    assert_eq!(
        checked, 2,
        "the two browser captures of an RTMPT tunnel's setup"
    );
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

/// An AMF0 command `name` with transaction id `txn` and a null object, as one chunk on
/// chunk stream 3.
fn command(name: &str, txn: f64) -> Vec<u8> {
    let mut body = vec![0x02];
    body.extend_from_slice(&(name.len() as u16).to_be_bytes());
    body.extend_from_slice(name.as_bytes());
    body.push(0);
    body.extend_from_slice(&txn.to_be_bytes());
    body.push(0x05);
    chunks(3, 20, 0, body.len() as u32, &body, 128)
}

fn c0c1() -> Vec<u8> {
    let mut bytes = vec![3u8];
    bytes.extend_from_slice(&[0; 1536]);
    bytes
}

fn s0s1s2() -> Vec<u8> {
    let mut bytes = vec![1u8, 3];
    bytes.extend_from_slice(&[0; 3072]);
    bytes
}

fn events_of(pcap: PcapWriter, name: &str) -> Vec<Value> {
    let path = std::env::temp_dir().join(format!("rtmpscope-{name}-{}.pcap", std::process::id()));
    std::fs::write(&path, pcap.finish()).expect("write");
    let events = json_events(&path, &[]);
    let _ = std::fs::remove_file(&path);
    events
}

const SERVER: ([u8; 4], u16) = ([127, 0, 0, 1], 80);

#[test]
fn one_tunnel_over_two_connections_with_pipelining() {
    let mut pcap = PcapWriter::new();
    let mut first = Connection::open_to(&mut pcap, ([127, 0, 0, 1], 41000), SERVER);
    let mut second = Connection::open_to(&mut pcap, ([127, 0, 0, 1], 41001), SERVER);
    first.send(&mut pcap, true, &post("/open/1", &[0]));
    first.send(&mut pcap, false, &ok(b"T1D\n"));
    // Two requests pipelined on the first connection; the third, on the second connection,
    // arrives before the answers to the first two.
    let mut pipelined = post("/send/T1D/1", &c0c1());
    pipelined.extend(post("/idle/T1D/2", &[0]));
    first.send(&mut pcap, true, &pipelined);
    second.send(
        &mut pcap,
        true,
        &post(
            "/send/T1D/3",
            &[&[0u8; 1536][..], &command("connect", 1.0)].concat(),
        ),
    );
    first.send(&mut pcap, false, &ok(&s0s1s2()));
    first.send(&mut pcap, false, &ok(&[1]));
    second.send(
        &mut pcap,
        false,
        &ok(&[[5u8].as_slice(), &command("_result", 1.0)].concat()),
    );
    first.close(&mut pcap);
    second.close(&mut pcap);

    let events = events_of(pcap, "rtmpt-two");
    let sessions = events
        .iter()
        .filter(|e| e["event"] == "session_start")
        .count();
    assert_eq!(sessions, 1, "{events:?}");
    assert_eq!(find(&events, "handshake", 1)["complete"], true);
    let connect = events
        .iter()
        .find(|e| e["command"] == "connect")
        .expect("connect, sent on the second connection after the handshake on the first");
    assert_eq!(connect["dir"], "c2s");
    let result = events
        .iter()
        .find(|e| e["command"] == "_result")
        .expect("its answer, after the polling-interval byte");
    assert_eq!(result["reply_to"], "connect");
    let end = find(&events, "session_end", 1);
    assert_eq!(end["tunnel"]["connections"], 2, "{end}");
    assert_eq!(end["tunnel"]["requests"], 3, "{end}");
    assert_eq!(end["tunnel"]["idle_polls"], 1, "{end}");
    assert_eq!(end["tunnel"]["polling_interval_min"], 1);
    assert_eq!(end["tunnel"]["polling_interval_max"], 5);
    assert_eq!(
        end["bytes_c2s"],
        1537 + 1536 + command("connect", 1.0).len()
    );
}

#[test]
fn bytes_lost_inside_an_http_connection_are_a_gap_and_reading_resumes() {
    let mut pcap = PcapWriter::new();
    let mut tunnel = Connection::open_to(&mut pcap, ([127, 0, 0, 1], 42000), SERVER);
    tunnel.send(&mut pcap, true, &post("/open/1", &[0]));
    tunnel.send(&mut pcap, false, &ok(b"LOSSY\n"));
    tunnel.send(&mut pcap, true, &post("/send/LOSSY/0", &c0c1()));
    tunnel.send(&mut pcap, false, &ok(&s0s1s2()));
    tunnel.send(&mut pcap, true, &post("/send/LOSSY/1", &[0; 1536]));
    tunnel.send(&mut pcap, false, &ok(&[1]));
    // The middle of the next request never reaches the capture.
    let request = post("/send/LOSSY/2", &command("connect", 1.0));
    tunnel.send(&mut pcap, true, &request[..40]);
    tunnel.next[0] += 30;
    tunnel.send(&mut pcap, true, &request[70..]);
    tunnel.send(&mut pcap, false, &ok(&[1]));
    // After a gap the chunk layer looks for a header that the next one confirms: the request
    // carries two commands.
    let two = [
        command("createStream", 2.0),
        command("getStreamLength", 3.0),
    ]
    .concat();
    tunnel.send(&mut pcap, true, &post("/send/LOSSY/3", &two));
    tunnel.send(
        &mut pcap,
        false,
        &ok(&[[1u8].as_slice(), &command("_result", 2.0)].concat()),
    );
    tunnel.close(&mut pcap);

    let events = events_of(pcap, "rtmpt-gap");
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap_or_default())
        .collect();
    assert!(kinds.contains(&"gap"), "{kinds:?}");
    let resync = events
        .iter()
        .find(|e| e["code"] == "rtmpt_http_resync")
        .expect("a warning that reading resumed at the next request");
    assert_eq!(resync["dir"], "c2s");
    let create = events
        .iter()
        .find(|e| e["command"] == "createStream")
        .expect("the request after the loss decodes");
    assert_eq!(create["dir"], "c2s");
    assert!(events.iter().any(|e| e["command"] == "_result"));
    assert!(
        events.iter().all(|e| e["command"] != "connect"),
        "it was cut"
    );
}

#[test]
fn a_refused_open_and_a_capture_that_starts_inside_a_tunnel() {
    let mut pcap = PcapWriter::new();
    let mut refused = Connection::open_to(&mut pcap, ([127, 0, 0, 1], 43000), SERVER);
    refused.send(&mut pcap, true, &post("/open/1", &[0]));
    refused.send(
        &mut pcap,
        false,
        &http("HTTP/1.1 503 Service Unavailable", b""),
    );
    refused.close(&mut pcap);
    // A connection whose start was not captured: it begins with an idle poll of tunnel MID.
    let mut late = Connection {
        client: ([127, 0, 0, 1], 43001),
        server: SERVER,
        next: [9000, 7000],
    };
    late.send(&mut pcap, true, &post("/idle/MID/41", &[0]));
    late.send(
        &mut pcap,
        false,
        &ok(&[[1u8].as_slice(), &command("onStatus", 0.0)].concat()),
    );
    // Caught mid-stream, a header counts once the next one confirms it: two commands.
    let two = [command("play", 4.0), command("pause", 5.0)].concat();
    late.send(&mut pcap, true, &post("/send/MID/42", &two));
    late.send(&mut pcap, false, &ok(&[3]));
    late.close(&mut pcap);

    let events = events_of(pcap, "rtmpt-refused");
    let refused = find(&events, "session_start", 1);
    assert_eq!(refused["detected_by"], "rtmpt_open");
    assert!(refused["tunnel"].get("session_id").is_none());
    assert_eq!(find(&events, "warning", 1)["code"], "rtmpt_open_refused");
    let late = find(&events, "session_start", 2);
    assert_eq!(late["mid_stream"], true);
    assert_eq!(late["detected_by"], "rtmpt_request");
    assert_eq!(late["tunnel"]["session_id"], "MID");
    assert!(events
        .iter()
        .any(|e| e["session"] == 2 && e["command"] == "play"));
    let end = find(&events, "session_end", 2);
    assert_eq!(end["tunnel"]["requests"], 2);
    assert_eq!(end["tunnel"]["polling_interval_max"], 3);
}

#[test]
fn other_http_makes_no_session() {
    let mut pcap = PcapWriter::new();
    let mut web = Connection::open_to(&mut pcap, ([127, 0, 0, 1], 44000), SERVER);
    web.send(
        &mut pcap,
        true,
        b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    web.send(&mut pcap, false, &http("HTTP/1.1 200 OK", b"<html></html>"));
    web.close(&mut pcap);
    // And a connection caught mid-way that only shows web answers.
    let mut late = Connection {
        client: ([127, 0, 0, 1], 44001),
        server: SERVER,
        next: [100, 200],
    };
    for _ in 0..3 {
        late.send(
            &mut pcap,
            false,
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi",
        );
    }
    late.close(&mut pcap);
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
